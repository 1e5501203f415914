//! The per-session frame bus and the list of each session's publishers.
//!
//! Owns, for every session with media on this node, one bounded `tokio::sync::broadcast`
//! channel of [`MediaFrame`]s and the ordered list of publishers (local WHIP peers and remote
//! publishers the node announced). Local publishers and the node (frames from other sites)
//! publish; local WHEP subscribers, the node's inter-site forwarder and the recorder receive.
//!
//! A broadcast channel is a ring: a receiver that falls behind loses the oldest frames and is
//! told how many (`Lagged`), and the sender never waits. So a slow consumer can never stall a
//! publisher or the other consumers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use tokio::sync::broadcast;

use super::frame::{FrameOrigin, MediaFrame};
use super::policy::PublisherInfo;

/// A publisher in a session, as [`super::MediaGateway::publishers`] lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublisherEntry {
    pub publisher_id: String,
    #[serde(flatten)]
    pub info: PublisherInfo,
    /// `local`: a WHIP peer on this node; `remote`: announced by the node for another site.
    pub origin: FrameOrigin,
}

struct SessionBus {
    tx: broadcast::Sender<MediaFrame>,
    /// In order of arrival: WHEP without a publisher follows the first eligible one.
    publishers: Vec<(Arc<str>, PublisherEntry)>,
    /// Bumped on every change of `publishers`, so subscribers re-resolve lazily.
    generation: u64,
    /// Live local WHIP/WHEP peers of this session.
    local_peers: usize,
}

pub(crate) struct Bus {
    sessions: Mutex<HashMap<String, SessionBus>>,
    capacity: usize,
}

impl Bus {
    pub fn new(capacity: usize) -> Self {
        Bus {
            sessions: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, SessionBus>> {
        // Nothing in a critical section can leave the map inconsistent; keep going after a panic
        // elsewhere.
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn entry<'a>(
        &self,
        map: &'a mut HashMap<String, SessionBus>,
        session_id: &str,
    ) -> &'a mut SessionBus {
        map.entry(session_id.to_owned())
            .or_insert_with(|| SessionBus {
                tx: broadcast::channel(self.capacity).0,
                publishers: Vec::new(),
                generation: 0,
                local_peers: 0,
            })
    }

    /// A receiver of every frame published in the session from now on (creating the bus).
    pub fn subscribe(&self, session_id: &str) -> broadcast::Receiver<MediaFrame> {
        let mut map = self.lock();
        self.entry(&mut map, session_id).tx.subscribe()
    }

    /// Puts a frame on its session's bus. Returns how many receivers got it (0 when nobody
    /// listens or the session has no bus).
    pub fn publish(&self, frame: MediaFrame) -> usize {
        let tx = match self.lock().get(&*frame.session_id) {
            Some(s) => s.tx.clone(),
            None => return 0,
        };
        // Sent outside the lock: a send only fails when there is no receiver.
        tx.send(frame).unwrap_or(0)
    }

    pub fn add_publisher(
        &self,
        session_id: &str,
        id: Arc<str>,
        info: PublisherInfo,
        origin: FrameOrigin,
    ) {
        let mut map = self.lock();
        let s = self.entry(&mut map, session_id);
        let entry = PublisherEntry {
            publisher_id: id.to_string(),
            info,
            origin,
        };
        match s.publishers.iter_mut().find(|(p, _)| *p == id) {
            Some(slot) => slot.1 = entry,
            None => s.publishers.push((id, entry)),
        }
        s.generation += 1;
    }

    pub fn remove_publisher(&self, session_id: &str, id: &str) -> bool {
        let mut map = self.lock();
        let Some(s) = map.get_mut(session_id) else {
            return false;
        };
        let before = s.publishers.len();
        s.publishers.retain(|(p, _)| &**p != id);
        let removed = s.publishers.len() != before;
        if removed {
            s.generation += 1;
        }
        Self::sweep_one(&mut map, session_id);
        removed
    }

    pub fn publishers(&self, session_id: &str) -> Vec<PublisherEntry> {
        self.lock()
            .get(session_id)
            .map(|s| s.publishers.iter().map(|(_, e)| e.clone()).collect())
            .unwrap_or_default()
    }

    /// The publisher's entry, if it is in the session.
    pub fn publisher(&self, session_id: &str, id: &str) -> Option<(Arc<str>, PublisherEntry)> {
        self.lock()
            .get(session_id)?
            .publishers
            .iter()
            .find(|(p, _)| &**p == id)
            .cloned()
    }

    pub fn generation(&self, session_id: &str) -> u64 {
        self.lock()
            .get(session_id)
            .map(|s| s.generation)
            .unwrap_or(0)
    }

    /// The publisher a WHEP subscriber without an explicit choice follows: the first publisher
    /// of the session (local or remote) that is not the subscriber's own participant.
    pub fn first_publisher_except(
        &self,
        session_id: &str,
        participant_id: &str,
    ) -> Option<Arc<str>> {
        let map = self.lock();
        let s = map.get(session_id)?;
        s.publishers
            .iter()
            .find(|(_, e)| e.info.participant_id != participant_id)
            .map(|(p, _)| p.clone())
    }

    pub fn peer_added(&self, session_id: &str) {
        let mut map = self.lock();
        self.entry(&mut map, session_id).local_peers += 1;
    }

    pub fn peer_removed(&self, session_id: &str) {
        let mut map = self.lock();
        if let Some(s) = map.get_mut(session_id) {
            s.local_peers = s.local_peers.saturating_sub(1);
        }
        Self::sweep_one(&mut map, session_id);
    }

    /// Drops the bus of every session nobody uses any more, so ended sessions do not accumulate.
    pub fn sweep(&self) {
        let mut map = self.lock();
        map.retain(|_, s| !Self::unused(s));
    }

    fn unused(s: &SessionBus) -> bool {
        s.local_peers == 0 && s.publishers.is_empty() && s.tx.receiver_count() == 0
    }

    fn sweep_one(map: &mut HashMap<String, SessionBus>, session_id: &str) {
        if map.get(session_id).is_some_and(Self::unused) {
            map.remove(session_id);
        }
    }

    #[cfg(test)]
    pub fn sessions(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sessions::media::frame::{Codec, MediaKind};

    fn info(p: &str) -> PublisherInfo {
        PublisherInfo {
            site: "01".into(),
            point_label: "Hà Nội".into(),
            participant_id: p.into(),
            role: "officer".into(),
        }
    }

    fn frame(session: &str, publisher: &str, n: u64) -> MediaFrame {
        MediaFrame {
            session_id: session.into(),
            publisher_id: publisher.into(),
            kind: MediaKind::Audio,
            codec: Codec::Opus,
            rtp_time: n,
            clock_rate: 48_000,
            keyframe: false,
            origin: FrameOrigin::Local,
            data: Arc::from(&[1u8, 2, 3][..]),
        }
    }

    #[test]
    fn publishers_in_order_and_following() {
        let bus = Bus::new(8);
        bus.add_publisher("S-1", "a".into(), info("alice"), FrameOrigin::Local);
        bus.add_publisher("S-1", "b".into(), info("bob"), FrameOrigin::Remote);
        let g = bus.generation("S-1");
        assert_eq!(
            bus.publishers("S-1")
                .iter()
                .map(|e| e.publisher_id.as_str())
                .collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(
            bus.first_publisher_except("S-1", "carol").as_deref(),
            Some("a")
        );
        assert_eq!(
            bus.first_publisher_except("S-1", "alice").as_deref(),
            Some("b")
        );
        assert!(bus.remove_publisher("S-1", "a"));
        assert!(bus.generation("S-1") > g);
        assert_eq!(bus.first_publisher_except("S-1", "bob"), None);
        assert!(bus.publishers("S-2").is_empty());
    }

    #[test]
    fn slow_receivers_lag_and_senders_never_wait() {
        let bus = Bus::new(4);
        let mut rx = bus.subscribe("S-1");
        for n in 0..10 {
            assert_eq!(bus.publish(frame("S-1", "a", n)), 1);
        }
        assert!(matches!(
            rx.try_recv(),
            Err(broadcast::error::TryRecvError::Lagged(6))
        ));
        assert_eq!(rx.try_recv().unwrap().rtp_time, 6);
        // A session without a bus swallows frames.
        assert_eq!(bus.publish(frame("S-9", "a", 0)), 0);
    }

    #[test]
    fn unused_buses_are_swept() {
        let bus = Bus::new(4);
        let rx = bus.subscribe("S-1");
        bus.peer_added("S-1");
        bus.peer_removed("S-1");
        assert_eq!(bus.sessions(), 1, "a receiver still listens");
        drop(rx);
        bus.sweep();
        assert_eq!(bus.sessions(), 0);
    }
}
