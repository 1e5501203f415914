//! A running site: its identity, store, live links and the revocations it enforces.
//!
//! Owns `Node`, the state every task of `tiepdan run` shares, and the decisions that touch
//! several transports at once: admitting a proven peer, learning peers from introductions,
//! and applying a revocation (store it, close the revoked site's links, spread it). The
//! transports themselves live in `links.rs` (QUIC) and `p2p.rs` (libp2p).

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rustls::pki_types::CertificateDer;
use tiepdan_keys::cert::{verify_chain, Chain, VerifiedSite};
use tiepdan_keys::identity::SiteKey;
use tiepdan_keys::revocation::{verify_revocation, RevocationList};
use tiepdan_protocol::control::{ControlFrame, PeerRecord};
use tiepdan_protocol::sites::{Registry, Site};
use tiepdan_protocol::topology::wants_link;
use tokio::sync::{mpsc, watch};
use tracing::{info, warn};

use crate::config::NodeConfig;
use crate::datadir::DataDir;
use crate::metrics::Metrics;
use crate::store::{PeerEntry, Store};

/// Frames waiting to be written on one link's control stream. Full means the peer is not
/// reading: we drop the frame (introductions and revocations are re-sent on reconnect).
pub const LINK_OUTBOX_FRAMES_MAX: usize = 256;

/// How stale a stored `last_seen` may get before a new contact rewrites it.
pub const LAST_SEEN_PERSIST_SECS: u64 = 60;

/// Commands to the libp2p task.
pub const P2P_COMMANDS_MAX: usize = 256;

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A live, proven QUIC link to another site.
pub struct Link {
    pub conn: quinn::Connection,
    pub peer_id: String,
    pub locally_initiated: bool,
    pub since: u64,
    pub chain: Vec<CertificateDer<'static>>,
    pub outbox: mpsc::Sender<ControlFrame>,
    pub quic_addrs: Vec<String>,
    pub p2p_addrs: Vec<String>,
}

/// Addresses the node actually bound.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Bound {
    pub quic: SocketAddr,
    pub p2p: SocketAddr,
    pub http: SocketAddr,
}

/// How a revocation record reached this node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationPath {
    /// This site's operator made it.
    Operator,
    /// In a peer's QUIC hello, when the link came up.
    Hello,
    /// As a control frame on a live QUIC link.
    Link,
    /// On the libp2p gossip topic.
    Gossip,
}

impl RevocationPath {
    pub fn as_str(self) -> &'static str {
        match self {
            RevocationPath::Operator => "operator",
            RevocationPath::Hello => "hello",
            RevocationPath::Link => "link",
            RevocationPath::Gossip => "gossip",
        }
    }
}

pub enum P2pCommand {
    /// Dial these multiaddrs (learned from a QUIC hello or an introduction).
    Dial(Vec<String>),
    /// Publish a signed revocation record on the federation gossip topic.
    PublishRevocation(Vec<u8>),
    /// Drop every libp2p connection of a peer (it was revoked).
    Disconnect(String),
}

pub struct Node {
    pub data: DataDir,
    pub site: Site,
    pub key: SiteKey,
    pub peer_id: String,
    pub chain: Chain,
    /// When our chain stops verifying (earliest notAfter along it).
    pub cert_not_after: u64,
    pub root: CertificateDer<'static>,
    pub revocations: Arc<RwLock<RevocationList>>,
    pub store: Store,
    pub metrics: Metrics,
    pub config: NodeConfig,
    pub token: String,
    pub started: Instant,
    pub bound: OnceLock<Bound>,
    pub links: Mutex<BTreeMap<String, Link>>,
    pub known: Mutex<BTreeMap<String, PeerEntry>>,
    /// libp2p peers that proved their chain: site → PeerId.
    pub p2p_proven: Mutex<BTreeMap<String, String>>,
    /// QUIC addresses with a dial task running, so each is dialled once.
    pub dialing: Mutex<BTreeSet<SocketAddr>>,
    pub p2p_commands: OnceLock<mpsc::Sender<P2pCommand>>,
    /// Milliseconds from process start to the first proven link with the parent.
    pub parent_connected_after_ms: OnceLock<u64>,
    pub shutdown: watch::Receiver<bool>,
    /// Dialer tasks get new targets here (address, expected site if known).
    pub dial_requests: OnceLock<mpsc::Sender<(SocketAddr, Option<String>)>>,
    /// The cases this site holds (rebuilt from the store at start).
    pub cases: Mutex<crate::cases::Cases>,
    /// The site key as an Ed25519 signing key, for case events.
    pub signing_key: ed25519_dalek::SigningKey,
    /// New events waiting to be pushed to linked audience sites.
    pub push_queue: OnceLock<mpsc::Sender<crate::replication::Push>>,
    /// API users (token hash → user), besides the operator token.
    pub users: Mutex<BTreeMap<String, crate::store::User>>,
    /// Held while a new case or session number is read, used and committed, so two requests
    /// at once never get the same number.
    pub numbering: Mutex<()>,
    /// Session media between sites.
    pub mesh: crate::mediamesh::MediaMesh,
    /// Recording uploads to the hub and central.
    pub uploads: crate::upload::Uploads,
    /// The WebRTC gateway for browsers and WHIP/WHEP encoders at this site.
    pub gateway: OnceLock<Arc<crate::media::MediaGateway>>,
}

impl Node {
    pub fn now(&self) -> u64 {
        unix_now()
    }

    pub fn registry(&self) -> &'static Registry {
        Registry::official()
    }

    pub fn is_shutting_down(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// Verifies a chain presented by a peer against our root and current revocations.
    pub fn verify_peer_chain(
        &self,
        chain: &[CertificateDer<'static>],
    ) -> Result<VerifiedSite, tiepdan_keys::cert::ChainError> {
        // A poisoned lock means a verifier thread panicked; the list itself is still valid.
        let revs = self.revocations.read().unwrap_or_else(|e| e.into_inner());
        verify_chain(&self.root, chain, self.now(), &revs)
    }

    /// Remembers a peer we learned about, and starts dialling it if the topology wants a link.
    pub fn learn_peer(&self, rec: &PeerRecord, proven_now: bool) {
        if rec.site == self.site.code || !self.registry().contains(&rec.site) {
            return;
        }
        if self.is_revoked_site(&rec.site) {
            return;
        }
        let entry = {
            let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
            let prev = known.get(&rec.site).cloned();
            let mut e = prev.clone().unwrap_or(PeerEntry {
                site: rec.site.clone(),
                peer_id: rec.peer_id.clone(),
                quic_addrs: vec![],
                p2p_addrs: vec![],
                last_seen: 0,
            });
            if !rec.quic_addrs.is_empty() {
                e.quic_addrs = rec.quic_addrs.clone();
            }
            if !rec.p2p_addrs.is_empty() {
                e.p2p_addrs = rec.p2p_addrs.clone();
            }
            e.peer_id = rec.peer_id.clone();
            if proven_now {
                e.last_seen = self.now();
            }
            // Skip the fsync when only `last_seen` moved, and by less than a minute: a site that
            // reconnects often must not turn every handshake into a disk write.
            let unchanged = prev.as_ref().is_some_and(|p| {
                PeerEntry {
                    last_seen: p.last_seen,
                    ..e.clone()
                } == *p
                    && e.last_seen.saturating_sub(p.last_seen) < LAST_SEEN_PERSIST_SECS
            });
            if unchanged {
                return;
            }
            known.insert(e.site.clone(), e.clone());
            e
        };
        if let Err(err) = self.store.put_peer(&entry) {
            warn!(site = %entry.site, "cannot store peer: {err}");
        }
        if wants_link(self.registry(), &self.site.code, &entry.site) && !self.is_linked(&entry.site)
        {
            for a in &entry.quic_addrs {
                if let Ok(addr) = a.parse() {
                    self.request_dial(addr, Some(entry.site.clone()));
                }
            }
        }
        if !entry.p2p_addrs.is_empty() {
            self.p2p(P2pCommand::Dial(entry.p2p_addrs.clone()));
        }
    }

    pub fn request_dial(&self, addr: SocketAddr, site: Option<String>) {
        if let Some(tx) = self.dial_requests.get() {
            // Full queue: the dialer is busy; the next introduction asks again.
            let _ = tx.try_send((addr, site));
        }
    }

    pub fn p2p(&self, cmd: P2pCommand) {
        if let Some(tx) = self.p2p_commands.get() {
            if tx.try_send(cmd).is_err() {
                warn!("libp2p command queue full; dropping a command");
            }
        }
    }

    pub fn is_linked(&self, site: &str) -> bool {
        self.links
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(site)
    }

    pub fn is_revoked_site(&self, site: &str) -> bool {
        self.revocations
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .cuts_off(self.registry(), site, self.now())
    }

    /// The proven peers we introduce to others.
    pub fn introductions(&self) -> Vec<PeerRecord> {
        let links = self.links.lock().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<PeerRecord> = links
            .iter()
            .map(|(site, l)| PeerRecord {
                site: site.clone(),
                peer_id: l.peer_id.clone(),
                quic_addrs: l.quic_addrs.clone(),
                p2p_addrs: l.p2p_addrs.clone(),
            })
            .collect();
        if let Some(b) = self.bound.get() {
            out.push(PeerRecord {
                site: self.site.code.clone(),
                peer_id: self.peer_id.clone(),
                quic_addrs: self.quic_advertised(b),
                p2p_addrs: self.p2p_advertised(b),
            });
        }
        out
    }

    pub fn quic_advertised(&self, b: &Bound) -> Vec<String> {
        self.config
            .quic_advertised(b.quic)
            .iter()
            .map(|a| a.to_string())
            .collect()
    }

    pub fn p2p_advertised(&self, b: &Bound) -> Vec<String> {
        let ip = match b.p2p.ip() {
            std::net::IpAddr::V4(v) if v.is_unspecified() => "127.0.0.1".to_owned(),
            ip => ip.to_string(),
        };
        let proto = if b.p2p.is_ipv4() { "ip4" } else { "ip6" };
        vec![
            format!(
                "/{proto}/{ip}/udp/{}/quic-v1/p2p/{}",
                b.p2p.port(),
                self.peer_id
            ),
            format!("/{proto}/{ip}/tcp/{}/p2p/{}", b.p2p.port(), self.peer_id),
        ]
    }

    /// Sends a frame to every live link (best effort: a full outbox drops it).
    pub fn broadcast(&self, frame: &ControlFrame) {
        let links = self.links.lock().unwrap_or_else(|e| e.into_inner());
        for l in links.values() {
            let _ = l.outbox.try_send(frame.clone());
        }
    }

    /// Verifies and applies a signed revocation record that arrived by `via` (from site
    /// `from`). Returns true when it was new.
    pub fn apply_revocation(
        &self,
        bytes: &[u8],
        via: RevocationPath,
        from: &str,
    ) -> Result<bool, tiepdan_keys::revocation::RevocationError> {
        let rev = verify_revocation(&self.root, bytes, self.now())?;
        self.metrics.revocation_received(via.as_str());
        let fresh = {
            let mut revs = self.revocations.write().unwrap_or_else(|e| e.into_inner());
            let fresh = revs.insert(rev.clone(), bytes.to_vec());
            self.metrics.revocations_known.set(revs.len() as i64);
            fresh
        };
        if !fresh {
            return Ok(false);
        }
        info!(site = %rev.site, issuer = %rev.issuer_site, via = via.as_str(), %from, "revocation accepted");
        if let Err(e) = self.store.put_revocation(&rev.site, bytes) {
            warn!("cannot store revocation of {}: {e}", rev.site);
        }
        self.close_invalid_links();
        let frame = ControlFrame::Revocation(serde_bytes::ByteBuf::from(bytes.to_vec()));
        self.broadcast(&frame);
        self.p2p(P2pCommand::PublishRevocation(bytes.to_vec()));
        // Drop the revoked site's libp2p connections too.
        let proven = self
            .p2p_proven
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for (site, peer) in proven {
            if self.is_revoked_site(&site) {
                self.p2p(P2pCommand::Disconnect(peer));
            }
        }
        Ok(true)
    }

    /// Re-checks every live link against the current revocations and closes the failures.
    pub fn close_invalid_links(&self) {
        let mut links = self.links.lock().unwrap_or_else(|e| e.into_inner());
        let bad: Vec<String> = links
            .iter()
            .filter(|(_, l)| self.verify_peer_chain(&l.chain).is_err())
            .map(|(s, _)| s.clone())
            .collect();
        for site in bad {
            if let Some(l) = links.remove(&site) {
                warn!(%site, "closing the live link of a revoked site");
                l.conn.close(
                    quinn::VarInt::from_u32(crate::links::CLOSE_REVOKED),
                    b"revoked",
                );
                self.metrics.connections_closed_revoked.inc();
            }
        }
        self.metrics.peers_connected.set(links.len() as i64);
        self.known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|s, _| !self.is_revoked_site(s));
    }

    /// Seconds until the first certificate in our chain expires (negative once expired).
    pub fn cert_expiry_in(&self) -> i64 {
        self.cert_not_after as i64 - self.now() as i64
    }

    pub fn check_expiry(&self) {
        let left = self.cert_expiry_in();
        self.metrics.cert_expiry_seconds.set(left);
        let warn_secs = i64::from(self.config.expiry_warning_days) * 86_400;
        if left <= 0 {
            warn!("this site's certificate has EXPIRED; peers will refuse it. Ask the parent site to issue a new one");
        } else if left < warn_secs {
            warn!(days_left = left / 86_400, "this site's certificate expires soon; ask the parent site to issue a new one and run `tiepdan install`");
        }
    }

    pub fn site_name(&self, code: &str) -> String {
        self.registry()
            .get(code)
            .map(|s| s.name.clone())
            .unwrap_or_else(|_| code.to_owned())
    }
}

/// A unix time as a Vietnamese-style date (dd/mm/yyyy, UTC) for messages to operators.
pub fn format_date(unix: u64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(unix as i64) {
        Ok(t) => format!("{:02}/{:02}/{}", t.day(), u8::from(t.month()), t.year()),
        Err(_) => unix.to_string(),
    }
}
