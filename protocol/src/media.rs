//! Media between sites: the frame packet that crosses QUIC links, and the route table that
//! decides which linked site carries a frame toward its destination.
//!
//! A session's media is a star around the central bridge point (the hub, the chair's site):
//! each component point sends its publishers' frames to the hub, and the hub sends every
//! frame to every other point. When the direct link between a point and the hub is down, the
//! frame goes through a *relay*: another site linked to both (the point's province first). When
//! the direct link returns, traffic moves back only after it has stayed up for a hold-down, so
//! a flapping link does not bounce the media.
//!
//! # Packet
//!
//! ```text
//! u8 version (1) | u8 kind (0 audio, 1 video, 2 keyframe request, 3 link state) | u8 flags (bit 0 keyframe)
//! | u64 timestamp_us | u32 sequence | u8 hops_left
//! | u8 len + session id | u8 len + origin site | u8 len + publisher id | u8 len + destination site
//! | payload (the rest)
//! ```
//!
//! All integers big-endian. Nothing here does I/O or reads a clock (`now_ms` is a parameter).

use std::collections::{BTreeMap, BTreeSet};

/// Wire version of [`MediaPacket`].
pub const MEDIA_VERSION: u8 = 1;

/// Largest payload one packet carries (a VP8 keyframe at 720p fits).
pub const MAX_MEDIA_PAYLOAD: usize = 512 * 1024;

/// Longest id in a packet (session, site, publisher), in bytes.
pub const MAX_MEDIA_ID: usize = 64;

/// Hops a packet may still take: point → relay → hub → relay → point is 4.
pub const MAX_HOPS: u8 = 4;

/// How long a returned direct link must stay up before media moves back to it.
pub const HOLD_DOWN_MS: u64 = 3_000;

/// A linked site not heard for this long is down for media (heartbeats come every 100 ms),
/// long before QUIC's idle timeout closes the link.
pub const DEAD_MS: u64 = 400;

/// `sequence` of a heartbeat whose sender may carry a session's media over the link: the
/// receiver heartbeats back. A heartbeat without it only answers one.
pub const HEARTBEAT_WANTED: u32 = 1;

/// A linked site that asked for heartbeats within this long still gets them.
pub const ASKED_MS: u64 = 1_000;

/// The linked sites `us` heartbeats of its own accord while sessions with these `points`
/// (hubs included) may carry media here: the points, and the sites that may relay between us
/// and them (our ancestors and theirs). With no session there are none: an idle link is kept
/// by QUIC's keep-alives, and a heartbeat every 100 ms on each of central's 3,355 links would
/// take most of a core.
pub fn heartbeat_reasons(
    registry: &crate::sites::Registry,
    us: &str,
    points: &BTreeSet<String>,
) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if points.is_empty() {
        return out;
    }
    out.extend(registry.ancestors(us).into_iter().map(str::to_owned));
    for p in points {
        out.insert(p.clone());
        out.extend(registry.ancestors(p).into_iter().map(str::to_owned));
    }
    out.remove(us);
    out
}

/// What a packet carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketKind {
    Audio,
    Video,
    /// Ask the origin site for a keyframe of `publisher` (no payload).
    KeyframeRequest,
    /// A heartbeat from the linked site `origin`: the payload lists the sites it hears,
    /// comma-separated.
    LinkState,
}

/// One media frame (or a keyframe request) on its way between sites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaPacket {
    pub kind: PacketKind,
    pub keyframe: bool,
    pub timestamp_us: u64,
    pub sequence: u32,
    pub hops_left: u8,
    pub session_id: String,
    /// The site whose publisher made the frame (for a keyframe request: the site that wants it).
    pub origin: String,
    pub publisher_id: String,
    /// The site this packet is for.
    pub destination: String,
    pub payload: Vec<u8>,
}

/// Why packet bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    #[error("media packet too short")]
    Truncated,
    #[error("media packet version {0} is not supported (this build speaks {MEDIA_VERSION})")]
    Version(u8),
    #[error("media packet kind {0} is unknown")]
    Kind(u8),
    #[error("media packet {0} is empty, too long or not printable ASCII")]
    BadId(&'static str),
    #[error("media payload of {0} bytes exceeds {MAX_MEDIA_PAYLOAD}")]
    TooLarge(usize),
    #[error("media packet has more than {MAX_HOPS} hops left")]
    Hops,
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_MEDIA_ID && id.bytes().all(|b| b.is_ascii_graphic())
}

impl MediaPacket {
    /// Encodes the packet (see the module doc).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(20 + self.payload.len() + 64);
        out.push(MEDIA_VERSION);
        out.push(match self.kind {
            PacketKind::Audio => 0,
            PacketKind::Video => 1,
            PacketKind::KeyframeRequest => 2,
            PacketKind::LinkState => 3,
        });
        out.push(u8::from(self.keyframe));
        out.extend_from_slice(&self.timestamp_us.to_be_bytes());
        out.extend_from_slice(&self.sequence.to_be_bytes());
        out.push(self.hops_left);
        for id in [
            &self.session_id,
            &self.origin,
            &self.publisher_id,
            &self.destination,
        ] {
            // Ids are bounded by `decode`; a longer one written here would be refused there.
            out.push(id.len().min(255) as u8);
            out.extend_from_slice(&id.as_bytes()[..id.len().min(255)]);
        }
        out.extend_from_slice(&self.payload);
        out
    }

    /// Parses packet bytes from a peer, refusing anything malformed or out of bounds.
    pub fn decode(bytes: &[u8]) -> Result<MediaPacket, PacketError> {
        let mut at = 0usize;
        let mut take = |n: usize| -> Result<&[u8], PacketError> {
            let s = bytes.get(at..at + n).ok_or(PacketError::Truncated)?;
            at += n;
            Ok(s)
        };
        let head = take(3)?;
        if head[0] != MEDIA_VERSION {
            return Err(PacketError::Version(head[0]));
        }
        let kind = match head[1] {
            0 => PacketKind::Audio,
            1 => PacketKind::Video,
            2 => PacketKind::KeyframeRequest,
            3 => PacketKind::LinkState,
            k => return Err(PacketError::Kind(k)),
        };
        let keyframe = head[2] & 1 == 1;
        let timestamp_us =
            u64::from_be_bytes(take(8)?.try_into().map_err(|_| PacketError::Truncated)?);
        let sequence = u32::from_be_bytes(take(4)?.try_into().map_err(|_| PacketError::Truncated)?);
        let hops_left = take(1)?[0];
        if hops_left > MAX_HOPS {
            return Err(PacketError::Hops);
        }
        let mut ids = Vec::with_capacity(4);
        for name in [
            "session id",
            "origin site",
            "publisher id",
            "destination site",
        ] {
            let len = take(1)?[0] as usize;
            let raw = take(len)?;
            let id = std::str::from_utf8(raw).map_err(|_| PacketError::BadId(name))?;
            if !valid_id(id) {
                return Err(PacketError::BadId(name));
            }
            ids.push(id.to_owned());
        }
        let payload = bytes[at..].to_vec();
        if payload.len() > MAX_MEDIA_PAYLOAD {
            return Err(PacketError::TooLarge(payload.len()));
        }
        let mut ids = ids.into_iter();
        let mut next = || ids.next().unwrap_or_default();
        Ok(MediaPacket {
            kind,
            keyframe,
            timestamp_us,
            sequence,
            hops_left,
            session_id: next(),
            origin: next(),
            publisher_id: next(),
            destination: next(),
            payload,
        })
    }
}

/// The sites a [`PacketKind::LinkState`] payload lists: comma-separated, empty entries and
/// entries that are not UTF-8 skipped.
pub fn decode_link_state(payload: &[u8]) -> BTreeSet<String> {
    payload
        .split(|b| *b == b',')
        .filter_map(|s| std::str::from_utf8(s).ok())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The payload of a [`PacketKind::LinkState`] heartbeat listing `sites`.
pub fn encode_link_state(sites: &[String]) -> Vec<u8> {
    sites.join(",").into_bytes()
}

/// Where this site sends a packet for `destination`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextHop {
    /// Straight to the destination.
    Direct(String),
    /// Through this linked site, which forwards it.
    Relay(String),
    /// No linked site can carry it now (the frame is dropped; recording goes on locally).
    Unreachable,
}

impl NextHop {
    /// The linked site to send to, if any.
    pub fn site(&self) -> Option<&str> {
        match self {
            NextHop::Direct(s) | NextHop::Relay(s) => Some(s),
            NextHop::Unreachable => None,
        }
    }
}

/// A linked site as media sees it.
#[derive(Debug, Clone)]
struct Peer {
    /// When it was (last) heard after a silence: the hold-down counts from here.
    up_since: u64,
    last_heard: u64,
    /// The sites it says it hears.
    neighbours: BTreeSet<String>,
}

/// The links of one site as media sees them: which linked sites are heard (heartbeats), since
/// when, and which sites each of them hears (relays are chosen from these).
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    peers: BTreeMap<String, Peer>,
    /// Preferred relays for a destination, best first (e.g. the common ancestors).
    preferred: BTreeMap<String, Vec<String>>,
    /// When each linked site last asked for heartbeats ([`HEARTBEAT_WANTED`]).
    asked: BTreeMap<String, u64>,
}

impl RouteTable {
    pub fn new() -> RouteTable {
        RouteTable::default()
    }

    /// A heartbeat (or any sign of life) from linked `site` at `now_ms`, listing the sites it
    /// hears. After a silence longer than [`DEAD_MS`] the hold-down starts again.
    pub fn heard(&mut self, site: &str, now_ms: u64, neighbours: BTreeSet<String>) {
        let peer = self.peers.entry(site.to_owned()).or_insert(Peer {
            up_since: now_ms,
            last_heard: now_ms,
            neighbours: BTreeSet::new(),
        });
        if now_ms.saturating_sub(peer.last_heard) > DEAD_MS {
            peer.up_since = now_ms;
        }
        peer.last_heard = peer.last_heard.max(now_ms);
        if !neighbours.is_empty() || peer.neighbours.is_empty() {
            peer.neighbours = neighbours;
        }
    }

    /// The link to `site` closed.
    pub fn link_down(&mut self, site: &str) {
        self.peers.remove(site);
        self.asked.remove(site);
    }

    /// Linked `site` sent a heartbeat asking for ours at `now_ms`.
    pub fn asked(&mut self, site: &str, now_ms: u64) {
        let at = self.asked.entry(site.to_owned()).or_insert(now_ms);
        *at = (*at).max(now_ms);
    }

    /// True when `site` asked for heartbeats within [`ASKED_MS`].
    pub fn asks_heartbeats(&self, site: &str, now_ms: u64) -> bool {
        self.asked
            .get(site)
            .is_some_and(|t| now_ms.saturating_sub(*t) <= ASKED_MS)
    }

    /// Relays to try first for `destination`, in order (others follow by site code).
    pub fn prefer_relays(&mut self, destination: &str, relays: Vec<String>) {
        self.preferred.insert(destination.to_owned(), relays);
    }

    /// True when linked `via` may hand us a packet that `origin` sent toward `hub`: it is the
    /// origin or the hub, or a live relay that hears one of them. A site that hears neither
    /// cannot carry their media, so it cannot put words in their mouth either.
    pub fn may_carry(&self, via: &str, origin: &str, hub: &str, now_ms: u64) -> bool {
        via == origin
            || via == hub
            || (self.is_live(via, now_ms)
                && self
                    .peers
                    .get(via)
                    .is_some_and(|p| p.neighbours.contains(origin) || p.neighbours.contains(hub)))
    }

    /// Heard within [`DEAD_MS`].
    pub fn is_live(&self, site: &str, now_ms: u64) -> bool {
        self.peers
            .get(site)
            .is_some_and(|p| now_ms.saturating_sub(p.last_heard) <= DEAD_MS)
    }

    /// Every linked site heard within [`DEAD_MS`], by code.
    pub fn live_sites(&self, now_ms: u64) -> Vec<String> {
        self.peers
            .keys()
            .filter(|s| self.is_live(s, now_ms))
            .cloned()
            .collect()
    }

    /// The next hop toward `destination` at `now_ms`.
    ///
    /// Direct when the destination is live and has been for [`HOLD_DOWN_MS`], or when no relay
    /// reaches it; otherwise the first live relay (preferred ones first, then by code) that
    /// hears the destination.
    pub fn next_hop(&self, destination: &str, now_ms: u64) -> NextHop {
        let direct = self.is_live(destination, now_ms);
        let settled = direct
            && self
                .peers
                .get(destination)
                .is_some_and(|p| now_ms.saturating_sub(p.up_since) >= HOLD_DOWN_MS);
        if settled {
            return NextHop::Direct(destination.to_owned());
        }
        let reaches = |relay: &str| {
            relay != destination
                && self.is_live(relay, now_ms)
                && self
                    .peers
                    .get(relay)
                    .is_some_and(|p| p.neighbours.contains(destination))
        };
        let preferred = self
            .preferred
            .get(destination)
            .into_iter()
            .flatten()
            .map(String::as_str);
        let others = self.peers.keys().map(String::as_str);
        if let Some(relay) = preferred.chain(others).find(|r| reaches(r)) {
            return NextHop::Relay(relay.to_owned());
        }
        if direct {
            NextHop::Direct(destination.to_owned())
        } else {
            NextHop::Unreachable
        }
    }
}

/// The sites a frame from `origin` must reach in a session whose hub is `hub` and whose
/// points are `points` (hub included or not): a point's frames go to the hub; the hub's frames
/// (its own and those it received) go to every point but the origin.
pub fn destinations(us: &str, hub: &str, points: &BTreeSet<String>, origin: &str) -> Vec<String> {
    if us != hub {
        return if origin == us {
            vec![hub.to_owned()]
        } else {
            vec![]
        };
    }
    points
        .iter()
        .filter(|p| p.as_str() != hub && p.as_str() != origin)
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn packet() -> MediaPacket {
        MediaPacket {
            kind: PacketKind::Video,
            keyframe: true,
            timestamp_us: 123_456,
            sequence: 7,
            hops_left: MAX_HOPS,
            session_id: "S-VN-2026-0001".into(),
            origin: "00004".into(),
            publisher_id: "pub-1".into(),
            destination: "VN".into(),
            payload: vec![0x9d, 0x01, 0x2a, 1, 2, 3],
        }
    }

    #[test]
    fn packets_round_trip_and_bad_ones_are_named() {
        let p = packet();
        assert_eq!(MediaPacket::decode(&p.encode()), Ok(p.clone()));
        let bytes = p.encode();
        assert_eq!(
            MediaPacket::decode(&bytes[..10]),
            Err(PacketError::Truncated)
        );
        let mut v = bytes.clone();
        v[0] = 9;
        assert_eq!(MediaPacket::decode(&v), Err(PacketError::Version(9)));
        let mut v = bytes.clone();
        v[1] = 7;
        assert_eq!(MediaPacket::decode(&v), Err(PacketError::Kind(7)));
        let mut v = bytes.clone();
        v[15] = MAX_HOPS + 1;
        assert_eq!(MediaPacket::decode(&v), Err(PacketError::Hops));
        let mut q = p.clone();
        q.origin = "có dấu".into();
        assert_eq!(
            MediaPacket::decode(&q.encode()),
            Err(PacketError::BadId("origin site"))
        );
        let mut q = p;
        q.payload = vec![0; MAX_MEDIA_PAYLOAD + 1];
        assert_eq!(
            MediaPacket::decode(&q.encode()),
            Err(PacketError::TooLarge(MAX_MEDIA_PAYLOAD + 1))
        );
    }

    fn heard(t: &mut RouteTable, site: &str, now: u64, sites: &[&str]) {
        t.heard(site, now, sites.iter().map(|s| s.to_string()).collect());
    }

    #[test]
    fn only_a_link_that_hears_the_origin_or_the_hub_may_carry_its_media() {
        let mut t = RouteTable::new();
        heard(&mut t, "01", 1_000, &["VN", "00004"]);
        heard(&mut t, "00008", 1_000, &["01"]);
        assert!(t.may_carry("00004", "00004", "VN", 1_000), "its origin");
        assert!(t.may_carry("VN", "00004", "VN", 1_000), "the hub");
        assert!(
            t.may_carry("01", "00004", "VN", 1_000),
            "a relay hearing it"
        );
        assert!(
            !t.may_carry("00008", "00004", "VN", 1_000),
            "a site hearing neither cannot speak for 00004"
        );
        assert!(
            !t.may_carry("01", "00004", "VN", 1_000 + DEAD_MS + 1),
            "a relay not heard lately"
        );
    }

    #[test]
    fn a_cut_link_reroutes_through_the_province_and_returns_after_hold_down() {
        // Commune 00004 hears central VN and its province 01, which hears VN.
        let mut t = RouteTable::new();
        t.prefer_relays("VN", vec!["01".into()]);
        let mut now = 0;
        while now <= 10_000 {
            heard(&mut t, "VN", now, &["01"]);
            heard(&mut t, "01", now, &["VN", "00004"]);
            now += 100;
        }
        assert_eq!(t.next_hop("VN", now), NextHop::Direct("VN".into()));
        // VN falls silent (the link is cut; QUIC has not noticed yet).
        while now <= 10_000 + DEAD_MS + 100 {
            heard(&mut t, "01", now, &["VN", "00004"]);
            now += 100;
        }
        assert!(!t.is_live("VN", now));
        assert_eq!(t.next_hop("VN", now), NextHop::Relay("01".into()));
        // Heard again: stay on the relay until the hold-down has passed.
        let back = now;
        while now < back + HOLD_DOWN_MS {
            heard(&mut t, "VN", now, &["01"]);
            heard(&mut t, "01", now, &["VN", "00004"]);
            assert_eq!(
                t.next_hop("VN", now),
                NextHop::Relay("01".into()),
                "at {now}"
            );
            now += 100;
        }
        heard(&mut t, "VN", now, &["01"]);
        assert_eq!(t.next_hop("VN", now), NextHop::Direct("VN".into()));
        // With no relay at all, a fresh direct link is used at once; nothing at all: unreachable.
        t.link_down("01");
        t.link_down("VN");
        heard(&mut t, "VN", now, &[]);
        assert_eq!(t.next_hop("VN", now + 1), NextHop::Direct("VN".into()));
        t.link_down("VN");
        assert_eq!(t.next_hop("VN", now + 2), NextHop::Unreachable);
        assert!(t.live_sites(now).is_empty());
    }

    #[test]
    fn the_hub_fans_out_and_points_send_to_the_hub() {
        let points: BTreeSet<String> = ["VN", "00004", "25747", "01"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            destinations("VN", "VN", &points, "00004"),
            vec!["01".to_owned(), "25747".to_owned()]
        );
        assert_eq!(
            destinations("VN", "VN", &points, "VN"),
            vec!["00004".to_owned(), "01".to_owned(), "25747".to_owned()]
        );
        assert_eq!(
            destinations("00004", "VN", &points, "00004"),
            vec!["VN".to_owned()]
        );
        assert!(destinations("00004", "VN", &points, "25747").is_empty());
    }

    proptest! {
        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            if let Ok(p) = MediaPacket::decode(&bytes) {
                prop_assert_eq!(MediaPacket::decode(&p.encode()), Ok(p));
            }
        }
    }

    #[test]
    fn only_sites_a_session_may_route_through_are_heartbeated_of_our_own_accord() {
        let r = crate::sites::Registry::official();
        let none = heartbeat_reasons(r, "VN", &BTreeSet::new());
        assert!(none.is_empty(), "no session, no heartbeats: {none:?}");
        let points: BTreeSet<String> = ["VN", "00004"].iter().map(|s| s.to_string()).collect();
        let at_central = heartbeat_reasons(r, "VN", &points);
        assert_eq!(
            at_central,
            ["00004", "01"].iter().map(|s| s.to_string()).collect(),
            "the point and its province, which relays when the direct link is cut"
        );
        let at_commune = heartbeat_reasons(r, "00004", &points);
        assert_eq!(
            at_commune,
            ["01", "VN"].iter().map(|s| s.to_string()).collect()
        );
    }

    #[test]
    fn a_site_that_asked_for_heartbeats_gets_them_for_a_second() {
        let mut t = RouteTable::new();
        assert!(!t.asks_heartbeats("01", 0));
        t.asked("01", 1_000);
        assert!(t.asks_heartbeats("01", 1_000 + ASKED_MS));
        assert!(!t.asks_heartbeats("01", 1_001 + ASKED_MS));
        t.asked("01", 5_000);
        t.link_down("01");
        assert!(!t.asks_heartbeats("01", 5_000));
    }
}
