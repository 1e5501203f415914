//! The unit the gateway moves around: one depacketized audio or video frame.
//!
//! Owns [`MediaFrame`] and the two codecs we carry. Frames, not RTP packets, are what the frame
//! bus, the recorder and the QUIC transport between nodes see, so none of them needs to know
//! about SSRCs, sequence numbers or SRTP.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

/// Largest frame accepted from [`super::MediaGateway::inject_frame`]. A 1080p VP8 keyframe is
/// a few hundred KB; anything larger is a bug or an attack.
pub const MAX_FRAME_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    Audio,
    Video,
}

/// The codecs the gateway negotiates. Browsers all have both; keeping the set this small means
/// a frame from any publisher can be written to any subscriber without transcoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Codec {
    Opus,
    Vp8,
}

impl Codec {
    pub fn kind(self) -> MediaKind {
        match self {
            Codec::Opus => MediaKind::Audio,
            Codec::Vp8 => MediaKind::Video,
        }
    }

    /// RTP clock rate (RFC 7587 for Opus, RFC 7741 for VP8).
    pub fn clock_rate(self) -> u32 {
        match self {
            Codec::Opus => 48_000,
            Codec::Vp8 => 90_000,
        }
    }

    pub(crate) fn from_str0m(c: str0m::format::Codec) -> Option<Codec> {
        match c {
            str0m::format::Codec::Opus => Some(Codec::Opus),
            str0m::format::Codec::Vp8 => Some(Codec::Vp8),
            _ => None,
        }
    }

    pub(crate) fn to_str0m(self) -> str0m::format::Codec {
        match self {
            Codec::Opus => str0m::format::Codec::Opus,
            Codec::Vp8 => str0m::format::Codec::Vp8,
        }
    }
}

/// Where a frame entered this node: from a local WHIP publisher, or injected by the node after
/// it arrived from another site. The node forwards only `Local` frames to other sites, so a
/// frame never echoes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FrameOrigin {
    Local,
    Remote,
}

/// One encoded audio frame (typically 20 ms of Opus) or one video frame (a whole VP8 frame).
///
/// Ids are `Arc<str>` and the payload `Arc<[u8]>` so that fanning a frame out to every
/// subscriber, the recorder and the inter-site transport copies pointers, not bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct MediaFrame {
    pub session_id: Arc<str>,
    /// For a local publisher: its WHIP resource id. For a remote one: the id its own site gave.
    pub publisher_id: Arc<str>,
    pub kind: MediaKind,
    pub codec: Codec,
    /// RTP media time extended to 64 bits (no wrap-around), in units of `clock_rate`.
    pub rtp_time: u64,
    pub clock_rate: u32,
    /// A VP8 keyframe (decodable on its own). Always false for audio.
    pub keyframe: bool,
    pub origin: FrameOrigin,
    pub data: Arc<[u8]>,
}

impl MediaFrame {
    /// The frame's media time in microseconds since the publisher's (random) RTP origin.
    /// Only differences between frames of one publisher mean something. Rounded to the nearest
    /// microsecond, so that [`MediaFrame::from_remote`] gets the exact RTP time back.
    pub fn timestamp_us(&self) -> u64 {
        if self.clock_rate == 0 {
            return 0;
        }
        let rate = u128::from(self.clock_rate);
        ((u128::from(self.rtp_time) * 1_000_000 + rate / 2) / rate) as u64
    }

    /// A frame that came from another site, whose transport carries the media time in
    /// microseconds ([`MediaFrame::timestamp_us`] at the origin) instead of RTP time. For
    /// [`super::MediaGateway::inject_frame`].
    pub fn from_remote(
        session_id: &str,
        publisher_id: &str,
        codec: Codec,
        timestamp_us: u64,
        keyframe: bool,
        data: impl Into<Arc<[u8]>>,
    ) -> MediaFrame {
        let rate = u128::from(codec.clock_rate());
        MediaFrame {
            session_id: session_id.into(),
            publisher_id: publisher_id.into(),
            kind: codec.kind(),
            codec,
            rtp_time: ((u128::from(timestamp_us) * rate + 500_000) / 1_000_000) as u64,
            clock_rate: codec.clock_rate(),
            keyframe: keyframe && codec == Codec::Vp8,
            origin: FrameOrigin::Remote,
            data: data.into(),
        }
    }
}

impl fmt::Debug for MediaFrame {
    // The payload is opaque; printing it would flood logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaFrame")
            .field("session_id", &self.session_id)
            .field("publisher_id", &self.publisher_id)
            .field("codec", &self.codec)
            .field("rtp_time", &self.rtp_time)
            .field("keyframe", &self.keyframe)
            .field("origin", &self.origin)
            .field("bytes", &self.data.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_in_microseconds() {
        let f = MediaFrame {
            session_id: "S-1".into(),
            publisher_id: "p".into(),
            kind: MediaKind::Audio,
            codec: Codec::Opus,
            rtp_time: 48_000 * 3 + 960,
            clock_rate: 48_000,
            keyframe: false,
            origin: FrameOrigin::Local,
            data: Arc::from(&b"x"[..]),
        };
        assert_eq!(f.timestamp_us(), 3_020_000);
        // Microseconds and back gives the same RTP time, also for 30 fps video (3000 ticks
        // = 33,333.3 µs).
        for (codec, ticks) in [(Codec::Vp8, 3000u64), (Codec::Opus, 960)] {
            for n in [0u64, 1, 7, 1_000_003, u32::MAX as u64 * 5] {
                let mut g = f.clone();
                g.codec = codec;
                g.clock_rate = codec.clock_rate();
                g.rtp_time = n * ticks;
                let back =
                    MediaFrame::from_remote("S-1", "p", codec, g.timestamp_us(), false, vec![1u8]);
                assert_eq!(back.rtp_time, g.rtp_time, "{codec:?} {n}");
                assert_eq!(
                    (back.kind, back.origin),
                    (codec.kind(), FrameOrigin::Remote)
                );
            }
        }
        assert_eq!(Codec::Vp8.kind(), MediaKind::Video);
        assert!(format!("{f:?}").contains("bytes: 1"));
    }
}
