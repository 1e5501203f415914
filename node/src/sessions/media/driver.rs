//! The gateway task: the only owner of the UDP socket and of every peer's `Rtc`.
//!
//! Owns the loop that waits for a datagram, a command, an injected frame or the earliest
//! str0m timeout, then: hands the datagram to the peer whose `Rtc::accepts` it (or counts it as
//! garbage), fires due timeouts, routes frames from publishers to the bus and from the bus to
//! subscribers, forwards keyframe requests, and removes dead, silent or never-connected peers.
//!
//! Isolation: every call into a peer's `Rtc` runs under `catch_unwind`, and an error or panic
//! only removes that peer. The loop never awaits anything but its `select!`: sends are
//! `try_send_to`, queues are bounded and drop (and count) when full.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, Instant};

use str0m::net::{DatagramRecv, Protocol, Receive};
use str0m::{Input, RtcError};
use tokio::net::UdpSocket;
use tokio::sync::broadcast::error::TryRecvError;
use tokio::sync::{mpsc, oneshot, Notify};
use tracing::{debug, info, warn};

use super::bus::Bus;
use super::error::MediaError;
use super::frame::{FrameOrigin, MediaFrame, MediaKind};
use super::gateway::{KeyframeWanted, MediaConfig};
use super::peer::{Outbox, Peer, PeerEvent, Role};
use super::policy::SessionPolicy;
use super::stats::{bump, Stats};

/// Larger than any datagram str0m produces or accepts (2000 bytes); longer ones are truncated
/// by the kernel and then fail to parse, which counts them as garbage.
const RECV_BUFFER_BYTES: usize = 2048;
/// Datagrams read in one go before commands and timers get a turn.
const MAX_DATAGRAM_BATCH: usize = 64;
/// At most one keyframe request per publisher in this interval: a subscriber (or many) asking
/// in a loop must not make a publisher send nothing but keyframes.
const KEYFRAME_REQUEST_INTERVAL: Duration = Duration::from_millis(500);
/// A subscriber waiting for a keyframe asks again this often.
const KEYFRAME_ASK_INTERVAL: Duration = Duration::from_millis(500);
/// Housekeeping: unused buses and stale rate-limit entries.
const SWEEP_INTERVAL: Duration = Duration::from_secs(5);
/// Rounds of cross-peer events handled per loop turn; the rest waits for the next turn.
const MAX_EVENT_ROUNDS: usize = 8;

pub(crate) enum Command {
    Add {
        peer: Box<Peer>,
        reply: oneshot::Sender<Result<(), MediaError>>,
    },
    Delete {
        session_id: String,
        resource_id: String,
        /// When given, the participant id that must own the resource.
        owner: Option<String>,
        reply: oneshot::Sender<bool>,
    },
    EndSession {
        session_id: String,
        reply: oneshot::Sender<usize>,
    },
    /// From another site: a keyframe from one of our local publishers.
    Keyframe {
        session_id: Arc<str>,
        publisher_id: Arc<str>,
    },
    Shutdown {
        reply: oneshot::Sender<()>,
    },
}

/// What every peer call needs besides the peer: kept apart from the peer map so both can be
/// borrowed at once.
struct Io {
    socket: UdpSocket,
    stats: Arc<Stats>,
    events: Vec<PeerEvent>,
}

pub(crate) struct Driver {
    io: Io,
    candidate: SocketAddr,
    peers: HashMap<Arc<str>, Peer>,
    /// Source address → the peer that last accepted a datagram from it, asked first so the
    /// usual datagram costs one `accepts` call instead of one per peer.
    by_source: HashMap<SocketAddr, Arc<str>>,
    commands: mpsc::Receiver<Command>,
    bus: Arc<Bus>,
    policy: Arc<dyn SessionPolicy>,
    wake: Arc<Notify>,
    keyframes: mpsc::Sender<KeyframeWanted>,
    /// Last request sent on for each remote publisher (rate limit).
    remote_keyframes: HashMap<(Arc<str>, Arc<str>), Instant>,
    max_peers: usize,
    connect_timeout: Duration,
    idle_timeout: Duration,
}

impl Driver {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        socket: UdpSocket,
        candidate: SocketAddr,
        config: &MediaConfig,
        commands: mpsc::Receiver<Command>,
        bus: Arc<Bus>,
        stats: Arc<Stats>,
        policy: Arc<dyn SessionPolicy>,
        wake: Arc<Notify>,
        keyframes: mpsc::Sender<KeyframeWanted>,
    ) -> Self {
        Driver {
            io: Io {
                socket,
                stats,
                events: Vec::new(),
            },
            candidate,
            peers: HashMap::new(),
            by_source: HashMap::new(),
            commands,
            bus,
            policy,
            wake,
            keyframes,
            remote_keyframes: HashMap::new(),
            max_peers: config.max_peers,
            connect_timeout: config.connect_timeout,
            idle_timeout: config.idle_timeout,
        }
    }

    pub async fn run(mut self) {
        let mut buf = vec![0u8; RECV_BUFFER_BYTES];
        let mut sweep_at = Instant::now() + SWEEP_INTERVAL;
        loop {
            let now = Instant::now();
            // At least 1 ms ahead, so a timeout str0m keeps in the past cannot spin the task.
            let next = self
                .peers
                .values()
                .map(|p| p.next_timeout)
                .min()
                .unwrap_or(sweep_at)
                .min(sweep_at);
            let deadline = tokio::time::Instant::from_std(next.max(now + Duration::from_millis(1)));
            tokio::select! {
                cmd = self.commands.recv() => match cmd {
                    Some(Command::Shutdown { reply }) => {
                        self.close_all();
                        let _ = reply.send(());
                        return;
                    }
                    Some(cmd) => self.on_command(cmd, Instant::now()),
                    // The gateway was dropped.
                    None => {
                        self.close_all();
                        return;
                    }
                },
                r = self.io.socket.recv_from(&mut buf) => match r {
                    Ok((n, source)) => {
                        self.on_datagram(&buf[..n], source, Instant::now());
                        for _ in 1..MAX_DATAGRAM_BATCH {
                            match self.io.socket.try_recv_from(&mut buf) {
                                Ok((n, source)) => self.on_datagram(&buf[..n], source, Instant::now()),
                                Err(_) => break,
                            }
                        }
                    }
                    // ICMP errors can surface here; they concern one remote, never the socket.
                    Err(e) => debug!(error = %e, "media socket receive error"),
                },
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep_until(deadline) => {}
            }
            let now = Instant::now();
            self.on_timeouts(now);
            self.handle_events(now);
            self.pump(now);
            self.handle_events(now);
            self.reap(now);
            if now >= sweep_at {
                self.bus.sweep();
                self.remote_keyframes
                    .retain(|_, t| now.duration_since(*t) < KEYFRAME_REQUEST_INTERVAL);
                sweep_at = now + SWEEP_INTERVAL;
            }
        }
    }

    fn on_command(&mut self, cmd: Command, now: Instant) {
        match cmd {
            Command::Add { peer, reply } => self.add(*peer, reply),
            Command::Delete {
                session_id,
                resource_id,
                owner,
                reply,
            } => {
                let found = self.peers.get(resource_id.as_str()).is_some_and(|p| {
                    *p.session_id == *session_id && owner.as_deref().is_none_or(|o| *p.owner == *o)
                });
                if found {
                    self.remove(&resource_id, "deleted", true);
                }
                let _ = reply.send(found);
            }
            Command::EndSession { session_id, reply } => {
                let ids: Vec<Arc<str>> = self
                    .peers
                    .values()
                    .filter(|p| *p.session_id == *session_id)
                    .map(|p| p.id.clone())
                    .collect();
                for id in &ids {
                    self.remove(id, "session ended", true);
                }
                for p in self.bus.publishers(&session_id) {
                    self.bus.remove_publisher(&session_id, &p.publisher_id);
                }
                let _ = reply.send(ids.len());
            }
            Command::Keyframe {
                session_id,
                publisher_id,
            } => {
                self.keyframe_for(&session_id, &publisher_id, now, false);
            }
            Command::Shutdown { .. } => unreachable!("handled by the loop"),
        }
    }

    fn add(&mut self, mut peer: Peer, reply: oneshot::Sender<Result<(), MediaError>>) {
        if self.peers.len() >= self.max_peers {
            let _ = reply.send(Err(MediaError::Full(self.max_peers)));
            return;
        }
        // The answer was a mutation: drain it before anything else touches the peer.
        guarded(&mut self.io, &mut peer, |_, _| Ok(()));
        match &peer.role {
            Role::Publisher(p) => {
                self.bus.add_publisher(
                    &peer.session_id,
                    peer.id.clone(),
                    p.info.clone(),
                    FrameOrigin::Local,
                );
                bump(&self.io.stats.publishers);
            }
            Role::Subscriber(_) => bump(&self.io.stats.subscribers),
        }
        self.bus.peer_added(&peer.session_id);
        let id = peer.id.clone();
        info!(session = %peer.session_id, peer = %id, publisher = peer.is_publisher(), "media peer added");
        self.peers.insert(id.clone(), peer);
        if reply.send(Ok(())).is_err() {
            // The caller went away before learning the answer: nobody will ever use this peer.
            self.remove(&id, "offer abandoned", false);
        }
    }

    fn remove(&mut self, id: &str, reason: &str, graceful: bool) {
        let Some(mut peer) = self.peers.remove(id) else {
            return;
        };
        self.by_source.retain(|_, p| **p != *id);
        if graceful && peer.dead.is_none() {
            let mut out = Outbox {
                socket: &self.io.socket,
                stats: &self.io.stats,
                events: &mut self.io.events,
            };
            let _ = catch_unwind(AssertUnwindSafe(|| peer.close(&mut out)));
        }
        let stats = &self.io.stats;
        match &peer.role {
            Role::Publisher(_) => {
                self.bus.remove_publisher(&peer.session_id, &peer.id);
                stats
                    .publishers
                    .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            }
            Role::Subscriber(_) => {
                stats
                    .subscribers
                    .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
        self.bus.peer_removed(&peer.session_id);
        info!(session = %peer.session_id, peer = %peer.id, reason = peer.dead.unwrap_or(reason), "media peer removed");
    }

    fn close_all(&mut self) {
        let ids: Vec<Arc<str>> = self.peers.keys().cloned().collect();
        for id in ids {
            self.remove(&id, "gateway stopping", true);
        }
    }

    fn on_datagram(&mut self, buf: &[u8], source: SocketAddr, now: Instant) {
        let Ok(contents) = DatagramRecv::try_from(buf) else {
            bump(&self.io.stats.garbage_datagrams);
            return;
        };
        let input = Input::Receive(
            now,
            Receive {
                proto: Protocol::Udp,
                source,
                destination: self.candidate,
                contents,
            },
        );
        let cached = self
            .by_source
            .get(&source)
            .filter(|id| {
                self.peers
                    .get(*id)
                    .is_some_and(|p| p.dead.is_none() && accepts(p, &input) == Some(true))
            })
            .cloned();
        let target = match cached {
            Some(id) => Some(id),
            None => self.find_accepting(source, &input),
        };
        let Some(peer) = target.and_then(|id| self.peers.get_mut(&id)) else {
            bump(&self.io.stats.garbage_datagrams);
            return;
        };
        peer.last_rx = now;
        guarded(&mut self.io, peer, |p, _| p.rtc.handle_input(input));
    }

    /// Asks every live peer whether the datagram is theirs (ICE credentials for STUN, the
    /// remote address for the rest), and remembers the answer for the source address.
    fn find_accepting(&mut self, source: SocketAddr, input: &Input) -> Option<Arc<str>> {
        let mut found = None;
        let mut broken = Vec::new();
        for peer in self.peers.values().filter(|p| p.dead.is_none()) {
            match accepts(peer, input) {
                Some(true) => {
                    found = Some(peer.id.clone());
                    break;
                }
                Some(false) => {}
                None => broken.push(peer.id.clone()),
            }
        }
        for id in broken {
            if let Some(p) = self.peers.get_mut(&id) {
                p.dead = Some("panic in accepts");
                bump(&self.io.stats.peer_failures);
            }
        }
        if let Some(id) = &found {
            // Bounded: entries go with their peer, and a peer has a handful of addresses.
            if self.by_source.len() < 4 * self.max_peers.max(1) {
                self.by_source.insert(source, id.clone());
            }
        }
        found
    }

    fn on_timeouts(&mut self, now: Instant) {
        for peer in self.peers.values_mut().filter(|p| p.next_timeout <= now) {
            guarded(&mut self.io, peer, |p, _| {
                p.rtc.handle_input(Input::Timeout(now))
            });
        }
    }

    /// Cross-peer work produced by drains: frames to the bus, keyframe requests to publishers.
    fn handle_events(&mut self, now: Instant) {
        for _ in 0..MAX_EVENT_ROUNDS {
            if self.io.events.is_empty() {
                return;
            }
            for ev in std::mem::take(&mut self.io.events) {
                match ev {
                    PeerEvent::Frame(f) => self.on_local_frame(f),
                    PeerEvent::WantKeyframe {
                        session_id,
                        publisher_id,
                    } => self.keyframe_for(&session_id, &publisher_id, now, true),
                }
            }
        }
    }

    fn on_local_frame(&mut self, f: MediaFrame) {
        if f.kind == MediaKind::Audio {
            let Some(Role::Publisher(p)) = self.peers.get(&f.publisher_id).map(|p| &p.role) else {
                return;
            };
            let policy = &self.policy;
            // Node code: a panic there must not take the gateway down; no floor then.
            let may = catch_unwind(AssertUnwindSafe(|| {
                policy.may_forward_audio(&f.session_id, &p.info.site, &p.info.participant_id)
            }))
            .unwrap_or(false);
            if !may {
                bump(&self.io.stats.audio_gated);
                return;
            }
        }
        self.io.stats.frame_in(f.kind);
        self.bus.publish(f);
    }

    /// Sends a keyframe request to a local publisher, or (when `remote_too`) queues it for the
    /// node when the publisher is at another site. Rate-limited per publisher.
    fn keyframe_for(
        &mut self,
        session_id: &Arc<str>,
        publisher_id: &Arc<str>,
        now: Instant,
        remote_too: bool,
    ) {
        if let Some(peer) = self.peers.get_mut(publisher_id) {
            if peer.session_id != *session_id {
                return;
            }
            let Role::Publisher(p) = &peer.role else {
                return;
            };
            if p.last_keyframe_request
                .is_some_and(|t| now.duration_since(t) < KEYFRAME_REQUEST_INTERVAL)
            {
                return;
            }
            let mut sent = false;
            guarded(&mut self.io, peer, |p, _| {
                p.request_keyframe().map(|s| sent = s)
            });
            // Not sent (no video yet, or no PLI/FIR negotiated): the next ask may try again at once.
            if sent {
                if let Role::Publisher(p) = &mut peer.role {
                    p.last_keyframe_request = Some(now);
                }
                bump(&self.io.stats.keyframe_requests);
            }
            return;
        }
        if !remote_too {
            return;
        }
        let Some((_, entry)) = self.bus.publisher(session_id, publisher_id) else {
            return;
        };
        if entry.origin != FrameOrigin::Remote {
            return;
        }
        let key = (session_id.clone(), publisher_id.clone());
        if self
            .remote_keyframes
            .get(&key)
            .is_some_and(|t| now.duration_since(*t) < KEYFRAME_REQUEST_INTERVAL)
        {
            return;
        }
        self.remote_keyframes.insert(key, now);
        let wanted = KeyframeWanted {
            session_id: session_id.to_string(),
            publisher_id: publisher_id.to_string(),
        };
        match self.keyframes.try_send(wanted) {
            Ok(()) => bump(&self.io.stats.keyframe_requests),
            Err(_) => self.io.stats.dropped(1),
        }
    }

    /// Moves bus frames to every subscriber: each subscriber reads its own broadcast receiver
    /// and writes the frames of the publisher it follows.
    fn pump(&mut self, now: Instant) {
        for peer in self.peers.values_mut() {
            if peer.dead.is_some() {
                continue;
            }
            let connected = peer.connected;
            let Role::Subscriber(s) = &mut peer.role else {
                continue;
            };
            let generation = self.bus.generation(&peer.session_id);
            if s.seen_generation != Some(generation) {
                s.seen_generation = Some(generation);
                let next = match &s.fixed {
                    Some(id) => Some(id.clone()),
                    None => self
                        .bus
                        .first_publisher_except(&peer.session_id, &s.who.participant_id),
                };
                if next != s.current {
                    debug!(peer = %peer.id, publisher = ?next.as_deref(), "subscriber follows a new publisher");
                    s.current = next;
                    s.need_keyframe = true;
                }
            }
            let mut batch = Vec::new();
            loop {
                match s.frames.try_recv() {
                    Ok(f) if s.current.as_ref() == Some(&f.publisher_id) => batch.push(f),
                    Ok(_) => {}
                    Err(TryRecvError::Lagged(n)) => {
                        self.io.stats.dropped(n);
                        s.need_keyframe = true;
                    }
                    Err(TryRecvError::Empty | TryRecvError::Closed) => break,
                }
            }
            // Before ICE and DTLS are up, frames cannot be sent; they are consumed all the same
            // so the receiver does not lag.
            if !connected {
                continue;
            }
            for f in batch {
                if f.kind == MediaKind::Video {
                    let Role::Subscriber(s) = &mut peer.role else {
                        break;
                    };
                    if s.need_keyframe {
                        if !f.keyframe {
                            continue;
                        }
                        s.need_keyframe = false;
                    }
                }
                guarded(&mut self.io, peer, |p, out| {
                    p.write_frame(&f, now, out.stats)
                });
                if peer.dead.is_some() {
                    break;
                }
            }
            let Role::Subscriber(s) = &mut peer.role else {
                continue;
            };
            let waiting = s.need_keyframe && s.video_mid.is_some();
            if waiting
                && s.last_keyframe_ask
                    .is_none_or(|t| now.duration_since(t) >= KEYFRAME_ASK_INTERVAL)
            {
                if let Some(publisher_id) = s.current.clone() {
                    s.last_keyframe_ask = Some(now);
                    self.io.events.push(PeerEvent::WantKeyframe {
                        session_id: peer.session_id.clone(),
                        publisher_id,
                    });
                }
            }
        }
    }

    /// Removes peers that died, never connected in time, or went silent.
    fn reap(&mut self, now: Instant) {
        let doomed: Vec<(Arc<str>, &'static str)> = self
            .peers
            .values()
            .filter_map(|p| {
                let reason = if let Some(r) = p.dead {
                    r
                } else if !p.connected && now.duration_since(p.created) > self.connect_timeout {
                    "did not connect in time"
                } else if now.duration_since(p.last_rx) > self.idle_timeout {
                    "silent for too long"
                } else {
                    return None;
                };
                Some((p.id.clone(), reason))
            })
            .collect();
        for (id, reason) in doomed {
            self.remove(&id, reason, true);
        }
    }
}

/// `Rtc::accepts`, with a panic reported as `None`.
fn accepts(peer: &Peer, input: &Input) -> Option<bool> {
    catch_unwind(AssertUnwindSafe(|| peer.rtc.accepts(input))).ok()
}

/// Runs one mutation of a peer's `Rtc`, then drains it (str0m's rule, kept even when the
/// mutation failed). A panic or a fatal error marks only this peer dead.
fn guarded(
    io: &mut Io,
    peer: &mut Peer,
    f: impl FnOnce(&mut Peer, &mut Outbox<'_>) -> Result<(), RtcError>,
) {
    if peer.dead.is_some() {
        return;
    }
    let mut out = Outbox {
        socket: &io.socket,
        stats: &io.stats,
        events: &mut io.events,
    };
    let r = catch_unwind(AssertUnwindSafe(|| {
        let first = f(peer, &mut out);
        let second = peer.drain(&mut out);
        first.and(second)
    }));
    match r {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            // One bad datagram (say, a DTLS record that fails) is not fatal by itself; str0m
            // says when the connection is over.
            debug!(peer = %peer.id, error = %e, "WebRTC error");
            if !peer.rtc.is_alive() {
                peer.dead = Some("WebRTC error");
                bump(&io.stats.peer_failures);
            }
        }
        Err(_) => {
            warn!(peer = %peer.id, "the WebRTC stack panicked; dropping this peer connection only");
            peer.dead = Some("panic");
            bump(&io.stats.peer_failures);
        }
    }
}
