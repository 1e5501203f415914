//! Counters of the media gateway, read with [`super::MediaGateway::stats`].
//!
//! Owns the atomics the gateway task and the API handlers bump, and the plain snapshot the node
//! turns into Prometheus metrics. Relaxed ordering: these are statistics, not synchronisation.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use serde::Serialize;

use super::frame::MediaKind;

/// A snapshot of the gateway's counters. Gauges: `publishers`, `subscribers`. Everything else
/// only grows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MediaStats {
    /// Live WHIP peer connections.
    pub publishers: u64,
    /// Live WHEP peer connections.
    pub subscribers: u64,
    /// Frames received from local publishers.
    pub frames_in_audio: u64,
    pub frames_in_video: u64,
    /// Frames written to local subscribers.
    pub frames_out_audio: u64,
    pub frames_out_video: u64,
    /// Frames the node injected (from other sites).
    pub frames_injected: u64,
    /// Datagrams on the media port that were not STUN/DTLS/RTP/RTCP of a known peer.
    pub garbage_datagrams: u64,
    /// Audio frames not forwarded because the participant does not hold the floor.
    pub audio_gated: u64,
    /// Frames, datagrams, keyframe requests or commands dropped because a bounded queue was full
    /// (or a subscriber fell behind the bus).
    pub dropped: u64,
    /// Keyframe requests forwarded to a publisher (local or remote).
    pub keyframe_requests: u64,
    /// Offers refused (bad SDP, policy, limits).
    pub offers_refused: u64,
    /// Peer connections removed because their WebRTC stack failed (error or panic).
    pub peer_failures: u64,
}

#[derive(Default)]
pub(crate) struct Stats {
    pub publishers: AtomicU64,
    pub subscribers: AtomicU64,
    pub frames_in_audio: AtomicU64,
    pub frames_in_video: AtomicU64,
    pub frames_out_audio: AtomicU64,
    pub frames_out_video: AtomicU64,
    pub frames_injected: AtomicU64,
    pub garbage_datagrams: AtomicU64,
    pub audio_gated: AtomicU64,
    pub dropped: AtomicU64,
    pub keyframe_requests: AtomicU64,
    pub offers_refused: AtomicU64,
    pub peer_failures: AtomicU64,
}

pub(crate) fn bump(c: &AtomicU64) {
    c.fetch_add(1, Relaxed);
}

impl Stats {
    pub fn frame_in(&self, kind: MediaKind) {
        bump(match kind {
            MediaKind::Audio => &self.frames_in_audio,
            MediaKind::Video => &self.frames_in_video,
        });
    }

    pub fn frame_out(&self, kind: MediaKind) {
        bump(match kind {
            MediaKind::Audio => &self.frames_out_audio,
            MediaKind::Video => &self.frames_out_video,
        });
    }

    pub fn dropped(&self, n: u64) {
        self.dropped.fetch_add(n, Relaxed);
    }

    pub fn snapshot(&self) -> MediaStats {
        MediaStats {
            publishers: self.publishers.load(Relaxed),
            subscribers: self.subscribers.load(Relaxed),
            frames_in_audio: self.frames_in_audio.load(Relaxed),
            frames_in_video: self.frames_in_video.load(Relaxed),
            frames_out_audio: self.frames_out_audio.load(Relaxed),
            frames_out_video: self.frames_out_video.load(Relaxed),
            frames_injected: self.frames_injected.load(Relaxed),
            garbage_datagrams: self.garbage_datagrams.load(Relaxed),
            audio_gated: self.audio_gated.load(Relaxed),
            dropped: self.dropped.load(Relaxed),
            keyframe_requests: self.keyframe_requests.load(Relaxed),
            offers_refused: self.offers_refused.load(Relaxed),
            peer_failures: self.peer_failures.load(Relaxed),
        }
    }
}
