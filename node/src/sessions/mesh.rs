//! Media between sites over the QUIC links: a session's frames go from each component point to
//! the hub (the chair's site) and from the hub to every other point, straight or through a
//! relay when the direct link is down (`tiepdan_protocol::media` decides the route).
//!
//! Owns the media side of every link: audio in QUIC datagrams (sent ahead of stream data),
//! video frames each on its own unidirectional stream (so a lost packet delays one frame, not
//! the ones after it), keyframe requests routed back to the publisher's site, a heartbeat
//! every [`HEARTBEAT_MS`] carrying the sites we hear (relays are chosen from these) on the
//! links a session may route over (and back to the sites that ask for it), the floor
//! check at the hub (audio of a participant without the floor is not forwarded), per-stream
//! reception statistics, and the built-in test signal IT staff use for the test connection.
//!
//! A link that stops carrying heartbeats for [`tiepdan_protocol::media::DEAD_MS`] is treated
//! as down for media at once, well before QUIC's idle timeout closes it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock, Weak};
use std::time::Duration;

use quinn::Connection;
use serde::Serialize;
use tiepdan_protocol::media::{
    self, destinations, MediaPacket, NextHop, PacketKind, RouteTable, MAX_HOPS, MAX_MEDIA_PAYLOAD,
};
use tiepdan_protocol::session::SessionState;
use tiepdan_protocol::topology::may_introduce;
use tokio::sync::mpsc;
use tracing::{debug, info};

use crate::federation::channels::{Channels, DatagramChannel, LinkWatcher, PeerLink, UniChannel};
use crate::federation::Federation;
use crate::records::SiteRecords;
use crate::site::clock::now_ms;
use crate::site::lock::{Unpoisoned, UnpoisonedRw};
use crate::site::LocalSite;

/// First byte of a unidirectional stream carrying one media packet.
pub const MEDIA_CHANNEL: u8 = tiepdan_protocol::channel::MEDIA;
/// Heartbeat period per link.
pub const HEARTBEAT_MS: u64 = 100;
/// Packets delivered to this site's media gateway waiting to be taken; full → dropped, counted.
pub const DELIVERY_QUEUE_MAX: usize = 4096;

/// What one site received of one publisher's stream.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StreamStats {
    pub audio_packets: u64,
    pub video_frames: u64,
    pub bytes: u64,
    pub last_at_ms: u64,
    /// Longest silence between two packets of this stream, in milliseconds.
    pub max_gap_ms: u64,
    /// The linked site the last packet came through (the origin itself, or a relay).
    pub via: String,
    /// The latest silences longer than [`GAP_MS`] (at most [`GAPS_KEPT`]), in milliseconds.
    pub gaps_ms: Vec<u64>,
}

/// A silence in a stream longer than this is a gap worth reporting (audio comes every 20 ms).
pub const GAP_MS: u64 = 200;
/// Gaps kept per stream.
pub const GAPS_KEPT: usize = 64;
/// Publishers (cameras, microphones, screens) one point may have in one session: a room
/// has a few people and one or two devices each. Each is a stream here and a recording at the
/// hub, so a hostile point cannot open them without end.
pub const PUBLISHERS_PER_POINT: usize = 32;

/// Counters of the media mesh.
#[derive(Default)]
pub struct MeshCounters {
    pub forwarded: AtomicU64,
    pub delivered: AtomicU64,
    pub unreachable: AtomicU64,
    pub malformed: AtomicU64,
    pub audio_gated: AtomicU64,
    pub delivery_dropped: AtomicU64,
    /// Frames the recording thread could not take in time.
    pub record_dropped: AtomicU64,
}

/// The media mesh of one node.
pub struct MediaMesh {
    pub(super) site: Arc<LocalSite>,
    pub(super) federation: Arc<Federation>,
    pub(super) records: Arc<SiteRecords>,
    routes: Mutex<RouteTable>,
    /// Sessions in the testing or live phase, refreshed by the heartbeat task so that the media
    /// path never waits for the cases lock.
    active: RwLock<BTreeMap<String, Arc<SessionState>>>,
    /// (session, origin site, publisher) → what arrived here.
    received: Mutex<BTreeMap<(String, String, String), StreamStats>>,
    /// Frames for this site's own subscribers (the media gateway takes them).
    delivery: OnceLock<mpsc::Sender<MediaPacket>>,
    /// Publisher ids whose keyframe was asked for from another site.
    keyframe_requests: OnceLock<mpsc::Sender<(String, String)>>,
    pub counters: MeshCounters,
    sequence: AtomicU64,
    /// Frames of this site's own publishers, for the recording thread.
    recorder: OnceLock<std::sync::mpsc::SyncSender<MediaPacket>>,
    /// Ourselves, for the tasks a media stream starts.
    me: Weak<MediaMesh>,
}

impl MediaMesh {
    /// The mesh of this site; [`MediaMesh::start`] registers it with the links.
    pub fn new(
        site: Arc<LocalSite>,
        federation: Arc<Federation>,
        records: Arc<SiteRecords>,
    ) -> Arc<MediaMesh> {
        Arc::new_cyclic(|me| MediaMesh {
            site,
            federation,
            records,
            routes: Default::default(),
            active: Default::default(),
            received: Default::default(),
            delivery: OnceLock::new(),
            keyframe_requests: OnceLock::new(),
            counters: Default::default(),
            sequence: AtomicU64::new(0),
            recorder: OnceLock::new(),
            me: me.clone(),
        })
    }

    fn me(&self) -> Option<Arc<MediaMesh>> {
        self.me.upgrade()
    }

    /// Serves media on every link (datagrams, media streams, link watching) and starts the
    /// heartbeat.
    pub fn start(self: &Arc<Self>, channels: &Channels) {
        channels.serve_datagrams(self.clone());
        channels.serve_uni(MEDIA_CHANNEL, self.clone());
        channels.watch(self.clone());
        tokio::spawn(heartbeat(self.clone()));
    }

    /// Where frames of this site's own publishers go for recording (set once).
    pub fn set_recorder(&self, tx: std::sync::mpsc::SyncSender<MediaPacket>) {
        let _ = self.recorder.set(tx);
    }

    /// Where packets for this site's subscribers go (set once by the gateway wiring).
    pub fn set_delivery(&self, tx: mpsc::Sender<MediaPacket>) {
        let _ = self.delivery.set(tx);
    }

    /// Where keyframe requests for this site's publishers go: (session, publisher).
    pub fn set_keyframe_requests(&self, tx: mpsc::Sender<(String, String)>) {
        let _ = self.keyframe_requests.set(tx);
    }

    /// Reception statistics of a session at this site.
    pub fn stats(&self, session_id: &str) -> Vec<(String, String, StreamStats)> {
        let received = self.received.locked();
        received
            .iter()
            .filter(|((s, _, _), _)| s == session_id)
            .map(|((_, origin, publisher), st)| (origin.clone(), publisher.clone(), st.clone()))
            .collect()
    }

    /// The next hop toward `site` now, for the API and tests.
    pub fn route_to(&self, site: &str) -> NextHop {
        self.routes.locked().next_hop(site, now_ms())
    }

    fn session(&self, id: &str) -> Option<Arc<SessionState>> {
        self.active_session(id)
    }

    /// A session whose media may flow now (not ended or cancelled), as last copied.
    pub fn active_session(&self, id: &str) -> Option<Arc<SessionState>> {
        self.active.reading().get(id).cloned()
    }

    /// Ids of the sessions whose media may flow now.
    pub fn active_ids(&self) -> BTreeSet<String> {
        self.active.reading().keys().cloned().collect()
    }

    fn next_sequence(&self) -> u32 {
        self.sequence.fetch_add(1, Ordering::Relaxed) as u32
    }
}

/// Hub and points of an active session.
fn star(state: &SessionState) -> Option<(String, BTreeSet<String>)> {
    let s = state.schedule.as_ref()?;
    let mut points: BTreeSet<String> = s.points.iter().cloned().collect();
    points.insert(s.chair_site.clone());
    Some((s.chair_site.clone(), points))
}

impl MediaMesh {
    /// Sends a packet one hop toward its destination. Returns false when no link can carry it.
    pub fn media_send(&self, packet: &MediaPacket) -> bool {
        let hop = self.routes.locked().next_hop(&packet.destination, now_ms());
        let Some(site) = hop.site() else {
            self.counters.unreachable.fetch_add(1, Ordering::Relaxed);
            return false;
        };
        let conn = self.federation.connection(site);
        let Some(conn) = conn else {
            self.counters.unreachable.fetch_add(1, Ordering::Relaxed);
            return false;
        };
        let bytes = packet.encode();
        send_on(&conn, packet.kind, bytes);
        true
    }

    /// Frames of a publisher at this site: sent to every site of the session that must get
    /// them (the hub, or, at the hub, every other point).
    pub fn media_publish(&self, mut packet: MediaPacket) {
        let Some(state) = self.session(&packet.session_id) else {
            return;
        };
        let Some((hub, points)) = star(&state) else {
            return;
        };
        if packet.kind == PacketKind::Audio
            && !state.may_forward_audio(&self.site.site.code, &packet.publisher_id)
        {
            self.counters.audio_gated.fetch_add(1, Ordering::Relaxed);
            return;
        }
        packet.origin = self.site.site.code.clone();
        packet.hops_left = MAX_HOPS;
        // Local recording first: it goes on whatever happens to the links.
        if let Some(tx) = self.recorder.get() {
            if tx.try_send(packet.clone()).is_err() {
                self.counters.record_dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
        for destination in destinations(&self.site.site.code, &hub, &points, &self.site.site.code) {
            packet.destination = destination;
            self.media_send(&packet);
        }
    }

    /// Asks the publisher's site for a keyframe (a subscriber here could not decode).
    pub fn media_request_keyframe(&self, session_id: &str, origin: &str, publisher_id: &str) {
        let packet = MediaPacket {
            kind: PacketKind::KeyframeRequest,
            keyframe: false,
            timestamp_us: 0,
            sequence: self.next_sequence(),
            hops_left: MAX_HOPS,
            session_id: session_id.to_owned(),
            origin: self.site.site.code.clone(),
            publisher_id: publisher_id.to_owned(),
            destination: origin.to_owned(),
            payload: Vec::new(),
        };
        self.media_send(&packet);
    }

    fn media_receive(&self, from: &str, bytes: &[u8]) {
        let mut packet = match MediaPacket::decode(bytes) {
            Ok(p) => p,
            Err(e) => {
                self.counters.malformed.fetch_add(1, Ordering::Relaxed);
                self.site.metrics.media_refused("malformed");
                debug!(%from, "malformed media packet: {e}");
                return;
            }
        };
        if packet.kind == PacketKind::LinkState {
            let mut sites = media::decode_link_state(&packet.payload);
            // A site can only hear the sites it may link with: a claim beyond them is false.
            let registry = self.site.registry();
            let before = sites.len();
            sites.retain(|s| may_introduce(registry, from, s));
            if sites.len() < before {
                self.site.metrics.media_refused("link_state_not_vouched");
            }
            let now = now_ms();
            let mut routes = self.routes.locked();
            if packet.sequence & media::HEARTBEAT_WANTED != 0 {
                routes.asked(from, now);
            }
            routes.heard(from, now, sites);
            return;
        }
        // Only sites of the session may put media into it.
        let Some(state) = self.session(&packet.session_id) else {
            return;
        };
        let Some((hub, points)) = star(&state) else {
            return;
        };
        if !points.contains(&packet.origin) || !points.contains(&packet.destination) {
            self.counters.malformed.fetch_add(1, Ordering::Relaxed);
            self.site.metrics.media_refused("not_a_point");
            return;
        }
        // The link it came on must be able to carry it: from its origin, from the hub, or
        // through a relay that hears one of them.
        if !self
            .routes
            .locked()
            .may_carry(from, &packet.origin, &hub, now_ms())
        {
            self.counters.malformed.fetch_add(1, Ordering::Relaxed);
            self.site.metrics.media_refused("not_carried");
            return;
        }
        if packet.destination != self.site.site.code {
            // A relay: pass it on, one hop fewer.
            if packet.hops_left == 0 {
                return;
            }
            packet.hops_left -= 1;
            if self.media_send(&packet) {
                self.counters.forwarded.fetch_add(1, Ordering::Relaxed);
            }
            return;
        }
        if packet.kind == PacketKind::KeyframeRequest {
            if let Some(tx) = self.keyframe_requests.get() {
                let _ = tx.try_send((packet.session_id, packet.publisher_id));
            }
            return;
        }
        // The floor is enforced where media converges: audio of a participant without the
        // floor goes no further than the hub.
        if packet.kind == PacketKind::Audio
            && !state.may_forward_audio(&packet.origin, &packet.publisher_id)
        {
            self.counters.audio_gated.fetch_add(1, Ordering::Relaxed);
            return;
        }
        if !self.record_reception(from, &packet) {
            self.site.metrics.media_refused("publishers_per_point");
            return;
        }
        if self.site.site.code == hub {
            let origin = packet.origin.clone();
            let mut copy = packet.clone();
            copy.hops_left = MAX_HOPS;
            for destination in destinations(&self.site.site.code, &hub, &points, &origin) {
                copy.destination = destination;
                if self.media_send(&copy) {
                    self.counters.forwarded.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        self.counters.delivered.fetch_add(1, Ordering::Relaxed);
        if let Some(tx) = self.delivery.get() {
            if tx.try_send(packet).is_err() {
                self.counters
                    .delivery_dropped
                    .fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Counts a packet in its stream's statistics; false when it would open one stream more
    /// than [`PUBLISHERS_PER_POINT`] for its point in its session (then it is dropped).
    fn record_reception(&self, from: &str, packet: &MediaPacket) -> bool {
        let now = now_ms();
        let mut received = self.received.locked();
        let key = (
            packet.session_id.clone(),
            packet.origin.clone(),
            packet.publisher_id.clone(),
        );
        if !received.contains_key(&key) {
            let lo = (key.0.clone(), key.1.clone(), String::new());
            let open = received
                .range(lo..)
                .take_while(|((s, o, _), _)| *s == key.0 && *o == key.1)
                .count();
            if open >= PUBLISHERS_PER_POINT {
                return false;
            }
        }
        let st = received
            .entry((
                packet.session_id.clone(),
                packet.origin.clone(),
                packet.publisher_id.clone(),
            ))
            .or_default();
        if st.last_at_ms > 0 {
            let gap = now.saturating_sub(st.last_at_ms);
            st.max_gap_ms = st.max_gap_ms.max(gap);
            if gap > GAP_MS {
                if st.gaps_ms.len() == GAPS_KEPT {
                    st.gaps_ms.remove(0);
                }
                st.gaps_ms.push(gap);
            }
        }
        st.last_at_ms = now;
        st.bytes += packet.payload.len() as u64;
        match packet.kind {
            PacketKind::Audio => st.audio_packets += 1,
            _ => st.video_frames += 1,
        }
        if st.via != from {
            if !st.via.is_empty() {
                info!(session = %packet.session_id, origin = %packet.origin, via = %from, "media from this site now arrives through another link");
            }
            st.via = from.to_owned();
        }
        true
    }

    /// Starts a test signal from this site into a session: 50 audio packets and 25 video frames
    /// a second (a keyframe each second) for `seconds`, as publisher `publisher_id`. IT staff
    /// use it for the test connection; the hub's statistics show what arrived.
    pub fn media_test_signal(self: &Arc<Self>, session_id: &str, publisher_id: &str, seconds: u64) {
        let node = self.clone();
        let (session_id, publisher_id) = (session_id.to_owned(), publisher_id.to_owned());
        tokio::spawn(async move {
            let start = tokio::time::Instant::now();
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            let mut n: u64 = 0;
            while start.elapsed() < Duration::from_secs(seconds) {
                tick.tick().await;
                let ts = start.elapsed().as_micros() as u64;
                let frame = |kind, keyframe, payload| MediaPacket {
                    kind,
                    keyframe,
                    timestamp_us: ts,
                    sequence: node.next_sequence(),
                    hops_left: MAX_HOPS,
                    session_id: session_id.clone(),
                    origin: String::new(),
                    publisher_id: publisher_id.clone(),
                    destination: String::new(),
                    payload,
                };
                node.media_publish(frame(PacketKind::Audio, false, vec![0xf8; 120]));
                if n.is_multiple_of(2) {
                    let keyframe = n.is_multiple_of(50);
                    node.media_publish(frame(
                        PacketKind::Video,
                        keyframe,
                        vec![0x30; if keyframe { 6000 } else { 1200 }],
                    ));
                }
                n += 1;
            }
        });
    }
}

fn send_on(conn: &Connection, kind: PacketKind, bytes: Vec<u8>) {
    let fits = conn
        .max_datagram_size()
        .is_some_and(|max| bytes.len() <= max);
    if matches!(
        kind,
        PacketKind::Audio | PacketKind::KeyframeRequest | PacketKind::LinkState
    ) && fits
    {
        // A full send buffer drops the oldest datagram: late audio is worthless anyway.
        let _ = conn.send_datagram(bytes.into());
        return;
    }
    let conn = conn.clone();
    tokio::spawn(async move {
        let Ok(mut s) = conn.open_uni().await else {
            return;
        };
        // Media before bulk replication on the same link.
        let _ = s.set_priority(1);
        if s.write_all(&[MEDIA_CHANNEL]).await.is_ok() && s.write_all(&bytes).await.is_ok() {
            let _ = s.finish();
        }
    });
}

impl DatagramChannel for MediaMesh {
    fn datagram(&self, site: &str, bytes: &[u8]) {
        self.media_receive(site, bytes);
    }
}

impl UniChannel for MediaMesh {
    fn accept(&self, site: &str, mut recv: quinn::RecvStream) {
        let (Some(mesh), site) = (self.me(), site.to_owned()) else {
            return;
        };
        tokio::spawn(async move {
            match recv.read_to_end(MAX_MEDIA_PAYLOAD + 1024).await {
                Ok(packet) => mesh.media_receive(&site, &packet),
                Err(_) => {
                    mesh.counters.malformed.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    }
}

impl LinkWatcher for MediaMesh {
    fn link_up(&self, link: &PeerLink) {
        self.routes
            .locked()
            .heard(&link.site, now_ms(), BTreeSet::new());
    }

    fn link_down(&self, site: &str, replaced: bool) {
        // A newer connection to the same site may already have replaced this one.
        if !replaced {
            self.routes.locked().link_down(site);
        }
    }
}

/// Every [`HEARTBEAT_MS`]: tells each linked site which sites we hear, and refreshes the
/// active sessions the media path reads.
async fn heartbeat(node: Arc<MediaMesh>) {
    let mut tick = tokio::time::interval(Duration::from_millis(HEARTBEAT_MS));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if node.federation.is_shutting_down() {
            return;
        }
        let now = now_ms();
        // Heartbeats only where media may flow: toward the sites our sessions may route
        // through, and back to the sites that ask for ours (`media::heartbeat_reasons`).
        let points: BTreeSet<String> = node
            .active
            .reading()
            .values()
            .filter_map(|s| star(s))
            .flat_map(|(_, points)| points)
            .collect();
        let reasons = media::heartbeat_reasons(node.site.registry(), &node.site.site.code, &points);
        let (live, asking): (Vec<String>, BTreeSet<String>) = {
            let routes = node.routes.locked();
            let links = node.federation.linked_sites();
            let asking = links
                .into_iter()
                .filter(|s| routes.asks_heartbeats(s, now))
                .collect();
            (routes.live_sites(now), asking)
        };
        let links: Vec<(String, Connection)> = node.federation.connections();
        for (site, conn) in links {
            let ours = reasons.contains(&site);
            if !ours && !asking.contains(&site) {
                continue;
            }
            let packet = MediaPacket {
                kind: PacketKind::LinkState,
                keyframe: false,
                timestamp_us: now * 1000,
                sequence: if ours { media::HEARTBEAT_WANTED } else { 0 },
                hops_left: 0,
                session_id: "-".into(),
                origin: node.site.site.code.clone(),
                publisher_id: "-".into(),
                destination: site,
                payload: media::encode_link_state(&live),
            };
            send_on(&conn, PacketKind::LinkState, packet.encode());
        }
        // Sessions whose media may flow, copied out of the cases lock.
        if let Some(cases) = node.records.try_held() {
            let active: BTreeMap<String, Arc<SessionState>> = cases
                .sessions
                .iter()
                .filter(|(_, e)| !e.state.phase.is_over() && e.state.schedule.is_some())
                .map(|(id, e)| (id.clone(), Arc::new(e.state.clone())))
                .collect();
            drop(cases);
            // Relays for each point: the sites above us, then those above it (a commune cut off
            // from central goes through its province).
            let reg = node.site.registry();
            let mut routes = node.routes.locked();
            for point in active
                .values()
                .filter_map(|s| star(s))
                .flat_map(|(_, points)| points)
            {
                let mut relays: Vec<String> = reg
                    .ancestors(&node.site.site.code)
                    .into_iter()
                    .map(str::to_owned)
                    .collect();
                relays.extend(reg.ancestors(&point).into_iter().map(str::to_owned));
                relays.retain(|r| r != &point && r != &node.site.site.code);
                routes.prefer_relays(&point, relays);
            }
            drop(routes);
            *node.active.writing() = active;
        }
    }
}
