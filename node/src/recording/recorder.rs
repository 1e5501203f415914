//! The recording thread of a node: every frame of this site's own publishers is written to
//! its recording, segments are sealed when a publisher falls quiet, and a recording is closed
//! and its index sealed when its session is over.
//!
//! Uses `site` (the data folder and the key the index is signed with). What a session is, and
//! what to do when a recording is sealed, the sessions capability tells it through
//! [`RecorderHooks`], so recording never reaches up into sessions.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::mpsc::SyncSender;
use std::sync::Arc;
use std::time::Duration;

use tiepdan_protocol::media::{MediaPacket, PacketKind};
use tokio::sync::watch;
use tracing::{debug, info};

use super::{Limits, RecordingWriter, Signer, TrackInfo, TrackKind};
use crate::site::LocalSite;

/// Frames waiting for the recording thread.
pub const RECORD_QUEUE_MAX: usize = 4096;

/// A publisher silent this long has its open segment sealed, so what it sent is durable and
/// can be uploaded.
const QUIET_SEAL: Duration = Duration::from_secs(5);

/// Called when a publisher's recording is closed and its index sealed: (session, index id).
pub type OnSealed = Box<dyn Fn(&str, [u8; 32]) + Send>;

/// What the recorder is told by the sessions above it.
pub struct RecorderHooks {
    /// Sessions whose media may still flow; a recording of any other session is closed.
    pub active_sessions: Box<dyn Fn() -> BTreeSet<String> + Send>,
    /// A publisher's recording was closed and its index sealed.
    pub sealed: OnSealed,
    /// Becomes true when the node stops: every open recording is closed.
    pub shutdown: watch::Receiver<bool>,
}

/// Starts the recording thread: every frame of this site's own publishers goes into
/// `recordings/<session>/<site>/<publisher>/`; a publisher's recording is closed, its index
/// sealed and [`RecorderHooks::sealed`] called once its session is over (or the node stops).
/// Returns where frames go; full means the thread is behind, and the frame is dropped.
pub fn start(site: Arc<LocalSite>, hooks: RecorderHooks) -> SyncSender<MediaPacket> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<MediaPacket>(RECORD_QUEUE_MAX);
    let node = site;
    std::thread::Builder::new()
        .name("recorder".into())
        .spawn(move || {

            let mut writers: BTreeMap<(String, String), (RecordingWriter, std::time::Instant)> = BTreeMap::new();
            // Each track's first media time: audio and video of one publisher start from
            // independent random RTP origins, so each is counted from its own first frame
            // (otherwise a minute's recording spans the gap between the two origins, hours).
            let mut origins: BTreeMap<(String, String), [Option<u64>; 2]> = BTreeMap::new();
            // Recordings that could not be (re)opened: said once, not for every frame.
            let mut refused: BTreeSet<(String, String)> = BTreeSet::new();
            let close = |session: &str, w: RecordingWriter| match w.close() {
                Ok(index) => (hooks.sealed)(session, index.index_id()),
                Err(e) => tracing::warn!(%session, "cannot close a recording: {e}"),
            };
            loop {
                match rx.recv_timeout(Duration::from_secs(1)) {
                    Ok(p) => {
                        let key = (p.session_id.clone(), p.publisher_id.clone());
                        if refused.contains(&key) {
                            continue;
                        }
                        if !writers.contains_key(&key) {
                            let signer = match Signer::from_site_key(&node.key, &node.site.code, &node.chain) {
                                Ok(s) => s,
                                Err(e) => {
                                    tracing::warn!("cannot record: {e}");
                                    continue;
                                }
                            };
                            match RecordingWriter::create(node.data.root(), &p.session_id, &node.site.code, &p.publisher_id, &TrackInfo::audio_video(), signer, Limits::default()) {
                                Ok(w) => {
                                    info!(session = %p.session_id, publisher = %p.publisher_id, "recording");
                                    writers.insert(key.clone(), (w, std::time::Instant::now()));
                                }
                                Err(e) => {
                                    tracing::warn!(session = %p.session_id, publisher = %p.publisher_id, "cannot start a recording (its frames are not recorded): {e}");
                                    refused.insert(key);
                                    continue;
                                }
                            }
                        }
                        if let Some((w, last)) = writers.get_mut(&key) {
                            let (track, slot) = if p.kind == PacketKind::Audio { (TrackKind::Audio, 0) } else { (TrackKind::Video, 1) };
                            let origin = *origins.entry(key.clone()).or_default()[slot].get_or_insert(p.timestamp_us);
                            let ts = media_time_us(origin, p.timestamp_us);
                            if let Err(e) = w.write_frame(track, ts, p.keyframe, &p.payload) {
                                debug!("a frame was not recorded: {e}");
                            }
                            *last = std::time::Instant::now();
                        }
                    }
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                }
                let active = (hooks.active_sessions)();
                // A publisher quiet for a while gets its open segment sealed (and uploaded); the
                // recording itself stays open until the session is over.
                for (w, last) in writers.values_mut() {
                    if last.elapsed() > QUIET_SEAL {
                        if let Err(e) = w.seal_segment() {
                            tracing::warn!("cannot seal a quiet publisher's segment: {e}");
                        }
                    }
                }
                let finished: Vec<(String, String)> =
                    writers.keys().filter(|(session, _)| !active.contains(session)).cloned().collect();
                for k in finished {
                    origins.remove(&k);
                    if let Some((w, _)) = writers.remove(&k) {
                        close(&k.0, w);
                    }
                }
                if *hooks.shutdown.borrow() {
                    for ((session, _), (w, _)) in std::mem::take(&mut writers) {
                        close(&session, w);
                    }
                    break;
                }
            }
        })
        .ok();
    tx
}

/// A frame's time in the recording, µs: since its track's first frame (a frame reordered
/// before it counts as that first frame).
fn media_time_us(track_origin_us: u64, timestamp_us: u64) -> u64 {
    timestamp_us.saturating_sub(track_origin_us)
}

#[cfg(test)]
mod tests {
    use super::media_time_us;

    #[test]
    fn each_track_counts_from_its_own_first_frame() {
        // Audio from RTP origin ~12 h, video from ~1 h: a minute of each is a minute.
        let (audio0, video0) = (43_200_000_000, 3_600_000_000);
        let last_audio = media_time_us(audio0, audio0 + 60_000_000);
        let last_video = media_time_us(video0, video0 + 59_980_000);
        assert_eq!(last_audio, 60_000_000);
        assert_eq!(last_video, 59_980_000);
        assert_eq!(media_time_us(audio0, audio0 - 20_000), 0);
    }
}
