//! Fuzzes the control stream decoder: arbitrary bytes from a hostile peer, delivered whole, in
//! thirds and byte by byte, must never panic, must decode the same way however they are split,
//! and every frame that comes out must be within limits and re-encode to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tiepdan_protocol::control::{encode_frame, ControlFrame, FrameDecoder, FrameError};

/// Pushes `chunks` in order, draining after each push; returns the frames and the first error.
fn decode<'a>(
    chunks: impl IntoIterator<Item = &'a [u8]>,
) -> (Vec<ControlFrame>, Option<FrameError>) {
    let mut decoder = FrameDecoder::new();
    let mut frames = Vec::new();
    for chunk in chunks {
        if let Err(e) = decoder.push(chunk) {
            return (frames, Some(e));
        }
        loop {
            match decoder.next_frame() {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => break,
                Err(e) => {
                    assert_eq!(decoder.next_frame(), Err(FrameError::Poisoned));
                    return (frames, Some(e));
                }
            }
        }
    }
    (frames, None)
}

fuzz_target!(|data: &[u8]| {
    let whole = decode([data]);

    let (a, rest) = data.split_at(data.len() / 3);
    let (b, c) = rest.split_at(rest.len() / 2);
    let thirds = decode([a, b, c]);
    assert_eq!(whole, thirds, "splitting into thirds changed the result");

    let bytewise = decode(data.chunks(1));
    assert_eq!(whole, bytewise, "byte-by-byte delivery changed the result");

    for frame in &whole.0 {
        assert_eq!(frame.validate(), Ok(()));
        let (again, err) = decode([encode_frame(frame).as_slice()]);
        assert_eq!(err, None);
        assert_eq!(
            again.as_slice(),
            std::slice::from_ref(frame),
            "frame did not round-trip"
        );
    }
});
