//! Tests of the control stream: frame round trips, the pinned wire format, the decoder's
//! handling of split, oversized and malformed input, version negotiation, and property tests
//! that decoding arbitrary bytes never panics.

use super::seeds::{all_variants, bytes, raw_frame, sample_hello};
use super::*;
use proptest::prelude::*;

fn decode_all(decoder: &mut FrameDecoder) -> Result<Vec<ControlFrame>, FrameError> {
    let mut out = Vec::new();
    while let Some(frame) = decoder.next_frame()? {
        out.push(frame);
    }
    Ok(out)
}

/// A frame whose body is the given raw bytes.

#[test]
fn every_variant_round_trips() {
    for frame in all_variants() {
        let wire = try_encode_frame(&frame).unwrap();
        assert_eq!(wire, encode_frame(&frame));
        let mut decoder = FrameDecoder::new();
        decoder.push(&wire).unwrap();
        assert_eq!(decoder.next_frame().unwrap(), Some(frame));
        assert_eq!(decoder.next_frame().unwrap(), None);
        assert_eq!(decoder.buffered_len(), 0);
    }
}

#[test]
fn split_delivery_one_byte_at_a_time() {
    let frames = all_variants();
    let wire: Vec<u8> = frames.iter().flat_map(encode_frame).collect();
    let mut decoder = FrameDecoder::new();
    let mut got = Vec::new();
    for b in &wire {
        decoder.push(std::slice::from_ref(b)).unwrap();
        got.extend(decode_all(&mut decoder).unwrap());
    }
    assert_eq!(got, frames);
}

#[test]
fn two_frames_in_one_push() {
    let a = ControlFrame::Ping { nonce: 7 };
    let b = ControlFrame::Goodbye {
        reason: "bye".to_owned(),
    };
    let mut wire = encode_frame(&a);
    wire.extend(encode_frame(&b));
    let mut decoder = FrameDecoder::new();
    decoder.push(&wire).unwrap();
    assert_eq!(decode_all(&mut decoder).unwrap(), vec![a, b]);
}

#[test]
fn oversize_prefix_is_refused_without_buffering() {
    let mut decoder = FrameDecoder::new();
    let mut wire = ((MAX_FRAME_BYTES + 1) as u32).to_be_bytes().to_vec();
    wire.extend(std::iter::repeat_n(0u8, 1000));
    assert_eq!(
        decoder.push(&wire),
        Err(FrameError::TooLarge {
            len: MAX_FRAME_BYTES + 1,
            max: MAX_FRAME_BYTES
        })
    );
    assert_eq!(decoder.buffered_len(), 0);
    assert!(decoder.is_poisoned());
    assert_eq!(decoder.push(b"x"), Err(FrameError::Poisoned));
    assert_eq!(decoder.next_frame(), Err(FrameError::Poisoned));
}

#[test]
fn oversize_prefix_split_across_pushes_is_refused() {
    let mut decoder = FrameDecoder::new();
    decoder.push(&[0xff, 0xff]).unwrap();
    assert_eq!(decoder.next_frame(), Ok(None));
    assert!(matches!(
        decoder.push(&[0xff, 0xff, 0, 0, 0]),
        Err(FrameError::TooLarge { .. })
    ));
    assert_eq!(decoder.buffered_len(), 0);
}

#[test]
fn oversize_prefix_after_a_good_frame_is_refused() {
    let good = ControlFrame::Pong { nonce: 1 };
    let mut wire = encode_frame(&good);
    wire.extend(u32::MAX.to_be_bytes());
    let mut decoder = FrameDecoder::new();
    decoder.push(&wire).unwrap();
    assert_eq!(decoder.next_frame(), Ok(Some(good)));
    assert!(matches!(
        decoder.next_frame(),
        Err(FrameError::TooLarge { len, .. }) if len == u32::MAX as usize
    ));
}

#[test]
fn maximal_frame_is_accepted_even_with_large_chunks() {
    // A Revocation whose body is exactly MAX_FRAME_BYTES cannot pass validation, but the
    // framing layer must still buffer it in full: check with a body of MAX_FRAME_BYTES
    // garbage that fails only at CBOR decoding, delivered in maximal chunks.
    let mut wire = raw_frame(&vec![0xffu8; MAX_FRAME_BYTES]);
    wire.extend(raw_frame(&vec![0xffu8; MAX_FRAME_BYTES]));
    let mut decoder = FrameDecoder::new();
    let chunk = MAX_FRAME_BYTES + LENGTH_PREFIX_BYTES;
    let (first, rest) = wire.split_at(chunk - 1);
    decoder.push(first).unwrap();
    assert_eq!(decoder.next_frame(), Ok(None));
    decoder.push(&rest[..chunk]).unwrap();
    assert!(matches!(
        decoder.next_frame(),
        Err(FrameError::Malformed(_))
    ));
}

#[test]
fn undrained_pushes_hit_the_buffer_bound() {
    let wire = encode_frame(&ControlFrame::Ping { nonce: 1 });
    let mut decoder = FrameDecoder::new();
    let mut pushed = 0usize;
    let err = loop {
        match decoder.push(&wire) {
            Ok(()) => pushed += wire.len(),
            Err(e) => break e,
        }
        assert!(pushed <= MAX_BUFFER_BYTES);
    };
    assert!(matches!(err, FrameError::BufferFull { max, .. } if max == MAX_BUFFER_BYTES));
}

#[test]
fn garbage_is_malformed() {
    for body in [
        &[0xff, 0xff, 0xff][..],                   // not CBOR
        &[][..],                                   // empty body
        &[0x01][..],                               // an integer, not a frame
        &[0xa1, 0x63, b'F', b'o', b'o', 0x00][..], // unknown variant "Foo"
        &[0xa1, 0x64, b'P', b'i', b'n', b'g'][..], // truncated
    ] {
        let mut decoder = FrameDecoder::new();
        decoder.push(&raw_frame(body)).unwrap();
        match decoder.next_frame() {
            Err(FrameError::Malformed(msg)) => assert!(!msg.is_empty()),
            other => panic!("body {body:02x?}: expected Malformed, got {other:?}"),
        }
        assert!(decoder.is_poisoned());
    }
}

#[test]
fn trailing_bytes_in_a_body_are_malformed() {
    let wire = encode_frame(&ControlFrame::Ping { nonce: 3 });
    let mut body = wire[LENGTH_PREFIX_BYTES..].to_vec();
    body.push(0x00);
    let mut decoder = FrameDecoder::new();
    decoder.push(&raw_frame(&body)).unwrap();
    assert!(
        matches!(decoder.next_frame(), Err(FrameError::Malformed(m)) if m.contains("trailing"))
    );
}

#[test]
fn unknown_hello_fields_are_ignored() {
    // Forward compatibility: a later version may add fields to Hello.
    #[derive(Serialize)]
    struct FutureHello {
        #[serde(flatten)]
        hello: Hello,
        shiny_new_field: u64,
    }
    #[derive(Serialize)]
    enum FutureFrame {
        Hello(FutureHello),
    }
    let body = cbor4ii::serde::to_vec(
        Vec::new(),
        &FutureFrame::Hello(FutureHello {
            hello: sample_hello(),
            shiny_new_field: 9,
        }),
    )
    .unwrap();
    let mut decoder = FrameDecoder::new();
    decoder.push(&raw_frame(&body)).unwrap();
    assert_eq!(
        decoder.next_frame(),
        Ok(Some(ControlFrame::Hello(sample_hello())))
    );
}

fn decode_one(frame: &ControlFrame) -> Result<Option<ControlFrame>, FrameError> {
    let mut decoder = FrameDecoder::new();
    decoder.push(&encode_frame(frame))?;
    decoder.next_frame()
}

#[test]
fn limits_are_enforced() {
    let long = "x".repeat(MAX_STRING_BYTES + 1);
    let max_str = "x".repeat(MAX_STRING_BYTES);
    let addrs = |n: usize| vec!["a:1".to_owned(); n];
    let hello_with = |f: &dyn Fn(&mut Hello)| {
        let mut h = sample_hello();
        f(&mut h);
        ControlFrame::Hello(h)
    };
    let peers = |n: usize| {
        ControlFrame::Peers(vec![
            PeerRecord {
                site: "01".to_owned(),
                peer_id: "p".to_owned(),
                quic_addrs: vec![],
                p2p_addrs: vec![],
            };
            n
        ])
    };

    let at_limit = [
        hello_with(&|h| h.site = max_str.clone()),
        hello_with(&|h| h.versions = vec![1; MAX_VERSIONS]),
        hello_with(&|h| h.chain = vec![bytes(&[0; MAX_CERT_BYTES]); MAX_CHAIN_CERTS]),
        hello_with(&|h| h.quic_addrs = addrs(MAX_ADDRS)),
        hello_with(&|h| h.p2p_addrs = addrs(MAX_ADDRS)),
        hello_with(&|h| h.http_addr = Some(max_str.clone())),
        hello_with(&|h| h.revocations = vec![bytes(&[]); MAX_REVOCATIONS_PER_HELLO]),
        hello_with(&|h| h.revocations = vec![bytes(&[0; MAX_REVOCATION_BYTES])]),
        peers(MAX_PEERS_PER_FRAME),
        ControlFrame::Revocation(bytes(&[0; MAX_REVOCATION_BYTES])),
        ControlFrame::Calendar(bytes(&[0; MAX_CALENDAR_BYTES])),
        ControlFrame::Goodbye {
            reason: max_str.clone(),
        },
    ];
    for frame in at_limit {
        assert_eq!(frame.validate(), Ok(()));
        assert_eq!(decode_one(&frame), Ok(Some(frame)));
    }

    let over_limit = [
        hello_with(&|h| h.site = long.clone()),
        hello_with(&|h| h.versions = vec![1; MAX_VERSIONS + 1]),
        hello_with(&|h| h.chain = vec![bytes(b"c"); MAX_CHAIN_CERTS + 1]),
        hello_with(&|h| h.chain = vec![bytes(&[0; MAX_CERT_BYTES + 1])]),
        hello_with(&|h| h.quic_addrs = addrs(MAX_ADDRS + 1)),
        hello_with(&|h| h.p2p_addrs = vec![long.clone()]),
        hello_with(&|h| h.http_addr = Some(long.clone())),
        hello_with(&|h| h.revocations = vec![bytes(&[]); MAX_REVOCATIONS_PER_HELLO + 1]),
        hello_with(&|h| h.revocations = vec![bytes(&[0; MAX_REVOCATION_BYTES + 1])]),
        peers(MAX_PEERS_PER_FRAME + 1),
        ControlFrame::Peers(vec![PeerRecord {
            site: "01".to_owned(),
            peer_id: long.clone(),
            quic_addrs: vec![],
            p2p_addrs: vec![],
        }]),
        ControlFrame::Revocation(bytes(&[0; MAX_REVOCATION_BYTES + 1])),
        ControlFrame::Calendar(bytes(&[0; MAX_CALENDAR_BYTES + 1])),
        ControlFrame::Goodbye {
            reason: long.clone(),
        },
    ];
    for frame in over_limit {
        assert!(
            matches!(frame.validate(), Err(FrameError::Limit { .. })),
            "{frame:?}"
        );
        assert!(try_encode_frame(&frame).is_err());
        // Counts are refused while decoding (Malformed), sizes after (Limit).
        match decode_one(&frame) {
            Err(FrameError::Limit { .. }) | Err(FrameError::Malformed(_)) => {}
            other => panic!("over-limit frame decoded as {other:?}"),
        }
    }
}

#[test]
fn over_limit_counts_are_refused_while_decoding() {
    let frame = ControlFrame::Peers(vec![
        PeerRecord {
            site: String::new(),
            peer_id: String::new(),
            quic_addrs: vec![],
            p2p_addrs: vec![],
        };
        MAX_PEERS_PER_FRAME + 1
    ]);
    match decode_one(&frame) {
        Err(FrameError::Malformed(msg)) => assert!(msg.contains("at most 4096"), "{msg}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn too_large_to_encode_is_refused() {
    let frame = ControlFrame::Hello(Hello {
        revocations: vec![
            bytes(&[7; MAX_REVOCATION_BYTES]);
            MAX_FRAME_BYTES / MAX_REVOCATION_BYTES + 1
        ],
        ..sample_hello()
    });
    assert_eq!(frame.validate(), Ok(()));
    assert!(matches!(
        try_encode_frame(&frame),
        Err(FrameError::TooLarge {
            max: MAX_FRAME_BYTES,
            ..
        })
    ));
}

#[test]
fn version_negotiation_picks_the_highest_common() {
    assert_eq!(negotiate_version(&[1, 2, 3], &[2, 3, 4]), Some(3));
    assert_eq!(negotiate_version(&[3, 1], &[1]), Some(1));
    assert_eq!(negotiate_version(&[1], &[2]), None);
    assert_eq!(negotiate_version(&[], &[1]), None);
    assert_eq!(
        negotiate_version(SUPPORTED_VERSIONS, &[PROTOCOL_VERSION]),
        Some(PROTOCOL_VERSION)
    );
}

/// Pins the wire format: if this fails, the encoding changed and old and new nodes would
/// not understand each other. Bump `PROTOCOL_VERSION` (or undo the change), then update.
#[test]
fn wire_format_is_pinned() {
    assert_eq!(
        hex(&encode_frame(&ControlFrame::Ping { nonce: 1 })),
        // len 14, {"Ping": {"nonce": 1}}
        "0000000ea16450696e67a1656e6f6e636501"
    );
    let wire = encode_frame(&ControlFrame::Hello(sample_hello()));
    assert_eq!(blake3::hash(&wire).to_hex().as_str(), PINNED_HELLO_BLAKE3);
}

const PINNED_HELLO_BLAKE3: &str =
    "b1d25c9e1e4693387579a3acd43f65a5b31e47aa2cae5e6b57a9d0fd7365b19a";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn frame_strategy() -> impl Strategy<Value = ControlFrame> {
    let s = || "\\PC{0,12}";
    let addrs = move || proptest::collection::vec(s(), 0..4);
    let blob = || proptest::collection::vec(any::<u8>(), 0..64).prop_map(ByteBuf::from);
    let hello = (
        proptest::collection::vec(any::<u32>(), 0..4),
        s(),
        proptest::collection::vec(blob(), 0..4),
        addrs(),
        addrs(),
        proptest::option::of(s()),
        proptest::collection::vec(blob(), 0..4),
    )
        .prop_map(
            |(versions, site, chain, quic_addrs, p2p_addrs, http_addr, revocations)| {
                ControlFrame::Hello(Hello {
                    versions,
                    site,
                    chain,
                    quic_addrs,
                    p2p_addrs,
                    http_addr,
                    revocations,
                })
            },
        );
    let peer = (s(), s(), addrs(), addrs()).prop_map(|(site, peer_id, quic_addrs, p2p_addrs)| {
        PeerRecord {
            site,
            peer_id,
            quic_addrs,
            p2p_addrs,
        }
    });
    prop_oneof![
        hello,
        proptest::collection::vec(peer, 0..4).prop_map(ControlFrame::Peers),
        blob().prop_map(ControlFrame::Revocation),
        blob().prop_map(ControlFrame::Calendar),
        any::<u64>().prop_map(|nonce| ControlFrame::Ping { nonce }),
        any::<u64>().prop_map(|nonce| ControlFrame::Pong { nonce }),
        s().prop_map(|reason| ControlFrame::Goodbye { reason }),
    ]
}

/// Splits `data` at the given cut points (taken modulo its length).
fn chunks<'a>(data: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
    points.push(0);
    points.push(data.len());
    points.sort_unstable();
    points.windows(2).map(|w| &data[w[0]..w[1]]).collect()
}

proptest! {
    #[test]
    fn arbitrary_chunks_never_panic(
        data in proptest::collection::vec(any::<u8>(), 0..2048),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut decoder = FrameDecoder::new();
        'outer: for chunk in chunks(&data, &cuts) {
            if decoder.push(chunk).is_err() {
                break;
            }
            loop {
                match decoder.next_frame() {
                    Ok(Some(frame)) => prop_assert_eq!(frame.validate(), Ok(())),
                    Ok(None) => break,
                    Err(_) => break 'outer,
                }
            }
        }
        prop_assert!(decoder.buffered_len() <= MAX_BUFFER_BYTES);
    }

    #[test]
    fn arbitrary_frames_round_trip_in_arbitrary_chunks(
        frames in proptest::collection::vec(frame_strategy(), 1..5),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let wire: Vec<u8> = frames.iter().flat_map(encode_frame).collect();
        let mut decoder = FrameDecoder::new();
        let mut got = Vec::new();
        for chunk in chunks(&wire, &cuts) {
            decoder.push(chunk).unwrap();
            got.extend(decode_all(&mut decoder).unwrap());
        }
        prop_assert_eq!(got, frames);
        prop_assert_eq!(decoder.buffered_len(), 0);
    }

    #[test]
    fn negotiated_version_is_common_and_highest(
        ours in proptest::collection::vec(0u32..8, 0..6),
        theirs in proptest::collection::vec(0u32..8, 0..6),
    ) {
        match negotiate_version(&ours, &theirs) {
            Some(v) => {
                prop_assert!(ours.contains(&v) && theirs.contains(&v));
                prop_assert!(ours.iter().all(|o| !theirs.contains(o) || *o <= v));
            }
            None => prop_assert!(ours.iter().all(|o| !theirs.contains(o))),
        }
    }
}
