//! The federation: this site's place among the others — live QUIC links, libp2p admissions,
//! peers and their introductions, revocations, PKI operations and the online join.
//!
//! Uses only `site`. The capabilities above it (records, sessions, uploads) serve links through
//! the channel registry ([`channels`]) and are told of links through it; this folder never
//! names them. [`Federation`] owns the decisions that touch several transports at once:
//! admitting a proven peer, learning peers from introductions, and applying a revocation (store
//! it, close the revoked site's links, spread it), and taking central's holiday calendars
//! ([`calendars`]: verify, keep, store, spread).

pub mod calendars;
pub mod channels;
pub mod join;
pub mod link_test;
pub mod links;
pub mod p2p;
pub mod pki;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use rustls::pki_types::CertificateDer;
use tiepdan_keys::cert::VerifiedSite;
use tiepdan_keys::revocation::{verify_revocation, verify_revocation_with, RevocationList};
use tiepdan_protocol::control::{ControlFrame, PeerRecord};
use tiepdan_protocol::sites::{Level, Registry};
use tiepdan_protocol::topology::wants_link;
use tokio::sync::{mpsc, watch};
use tracing::{info, warn};

use crate::site::lock::{Unpoisoned, UnpoisonedRw};
use crate::site::store::PeerEntry;
use crate::site::{Bound, LocalSite};
use channels::Channels;

/// Frames waiting to be written on one link's control stream. Full means the peer is not
/// reading: we drop the frame (introductions and revocations are re-sent on reconnect).
pub const LINK_OUTBOX_FRAMES_MAX: usize = 256;

/// How stale a stored `last_seen` may get before a new contact rewrites it.
pub const LAST_SEEN_PERSIST_SECS: u64 = 60;

/// How often live links are re-verified (a certificate that expires drops its link then).
/// Central holds some 3,355 links; each check is one chain verification, so this stays cheap.
pub const LINK_RECHECK_MS: u64 = 30_000;

/// Commands to the libp2p task.
pub const P2P_COMMANDS_MAX: usize = 256;

/// A live, proven QUIC link to another site.
pub struct Link {
    pub conn: quinn::Connection,
    pub peer_id: String,
    pub locally_initiated: bool,
    pub since: u64,
    /// When the QUIC handshake of this connection completed: of two connections dialled by
    /// the same side, the later one is the one the peer still uses.
    pub established: std::time::Instant,
    pub chain: Vec<CertificateDer<'static>>,
    pub outbox: mpsc::Sender<ControlFrame>,
    pub quic_addrs: Vec<String>,
    pub p2p_addrs: Vec<String>,
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
    /// Publish a signed holiday calendar on the federation's calendar topic.
    PublishCalendar(Vec<u8>),
    /// Drop every libp2p connection of a peer (it was revoked).
    Disconnect(String),
}

/// The federation as this site sees it: live links, known peers, libp2p admissions,
/// revocations, and the channel registry the capabilities serve links through.
pub struct Federation {
    pub site: Arc<LocalSite>,
    pub revocations: Arc<RwLock<RevocationList>>,
    /// Peer chains that verified: the handshake's check, the link's checks after it and a
    /// reconnect's verify each chain's signatures once (revocations and time are checked
    /// every time).
    pub chains: Arc<tiepdan_keys::cert::ChainCache>,
    /// Who serves each stream tag, and who hears of links coming and going.
    pub channels: Channels,
    pub(crate) links: Mutex<BTreeMap<String, Link>>,
    pub(crate) known: Mutex<BTreeMap<String, PeerEntry>>,
    /// libp2p peers that proved their chain: site → PeerId.
    pub(crate) p2p_proven: Mutex<BTreeMap<String, String>>,
    /// QUIC addresses with a dial task running, so each is dialled once.
    pub(crate) dialing: Mutex<BTreeSet<SocketAddr>>,
    p2p_commands: mpsc::Sender<P2pCommand>,
    /// Milliseconds from process start to the first proven link with the parent.
    pub parent_connected_after_ms: OnceLock<u64>,
    pub shutdown: watch::Receiver<bool>,
    /// Dialer tasks get new targets here (address, expected site if known).
    dial_requests: mpsc::Sender<(SocketAddr, Option<String>)>,
}

/// The receiving ends `run` hands to the dialer and the libp2p task.
pub struct FederationTasks {
    pub dial_requests: mpsc::Receiver<(SocketAddr, Option<String>)>,
    pub p2p_commands: mpsc::Receiver<P2pCommand>,
}

impl Federation {
    /// The federation state of `site`: stored revocations that still verify, stored peers.
    pub fn new(
        site: Arc<LocalSite>,
        shutdown: watch::Receiver<bool>,
    ) -> anyhow::Result<(Federation, FederationTasks)> {
        let now = site.now();
        // Oldest first, each judged by those dated before it: an issuer's revocation is known
        // before any record that issuer signed after it.
        let mut stored: Vec<(u64, String, Vec<u8>)> = Vec::new();
        for (code, bytes) in site.store.revocations()? {
            match verify_revocation(&site.root, &bytes, now) {
                Ok(r) => stored.push((r.revoked_at, code, bytes)),
                Err(e) => {
                    warn!(site = %code, "ignoring a stored revocation that no longer verifies: {e}")
                }
            }
        }
        stored.sort();
        let mut revs = RevocationList::default();
        for (_, code, bytes) in stored {
            match verify_revocation_with(&site.root, &bytes, now, &revs) {
                Ok(r) => {
                    revs.insert(r, bytes);
                }
                Err(e) => {
                    warn!(site = %code, "ignoring a stored revocation whose issuer was revoked before it: {e}")
                }
            }
        }
        site.metrics.revocations_known.set(revs.len() as i64);
        let known = site
            .store
            .peers()?
            .into_iter()
            .map(|p| (p.site.clone(), p))
            .collect();
        let (dial_tx, dial_rx) = mpsc::channel(links::DIAL_QUEUE_MAX);
        let (p2p_tx, p2p_rx) = mpsc::channel(P2P_COMMANDS_MAX);
        let federation = Federation {
            site,
            revocations: Arc::new(RwLock::new(revs)),
            chains: Arc::new(tiepdan_keys::cert::ChainCache::new()),
            channels: Channels::default(),
            links: Mutex::new(Default::default()),
            known: Mutex::new(known),
            p2p_proven: Mutex::new(Default::default()),
            dialing: Mutex::new(Default::default()),
            p2p_commands: p2p_tx,
            parent_connected_after_ms: OnceLock::new(),
            shutdown,
            dial_requests: dial_tx,
        };
        let tasks = FederationTasks {
            dial_requests: dial_rx,
            p2p_commands: p2p_rx,
        };
        Ok((federation, tasks))
    }

    pub fn now(&self) -> u64 {
        self.site.now()
    }

    pub fn registry(&self) -> &'static Registry {
        self.site.registry()
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
        let revs = self.revocations.reading();
        self.chains
            .verify(&self.site.root, chain, self.now(), &revs)
    }

    /// Remembers a peer we learned about, and starts dialling it if the topology wants a link.
    pub fn learn_peer(&self, rec: &PeerRecord, proven_now: bool) {
        if rec.site == self.site.site.code || !self.registry().contains(&rec.site) {
            return;
        }
        if self.is_revoked_site(&rec.site) {
            return;
        }
        let entry = {
            let mut known = self.known.locked();
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
        if let Err(err) = self.site.store.put_peer(&entry) {
            warn!(site = %entry.site, "cannot store peer: {err}");
        }
        if wants_link(self.registry(), &self.site.site.code, &entry.site)
            && !self.is_linked(&entry.site)
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
        // Full queue: the dialer is busy; the next introduction asks again.
        let _ = self.dial_requests.try_send((addr, site));
    }

    pub fn p2p(&self, cmd: P2pCommand) {
        if self.p2p_commands.try_send(cmd).is_err() {
            warn!("libp2p command queue full; dropping a command");
        }
    }

    pub fn is_linked(&self, site: &str) -> bool {
        self.links.locked().contains_key(site)
    }

    pub fn is_revoked_site(&self, site: &str) -> bool {
        self.revocations
            .reading()
            .cuts_off(self.registry(), site, self.now())
    }

    /// What `receiver` is told when it links: this site, the linked sites it wants a link with
    /// (its ancestors and siblings), and the provinces, which every site may have to seal a
    /// case for (a transfer) and whose keys it learns when libp2p reaches them. Central sending
    /// every newcomer all of its 3,355 links would cost it the square of its links while the
    /// country reconnects.
    pub fn introductions_for(&self, receiver: &str) -> Vec<PeerRecord> {
        let registry = self.registry();
        let links = self.links.locked();
        let siblings = registry
            .parent(receiver)
            .map(|p| registry.children(p))
            .unwrap_or(&[]);
        let ancestors = registry.ancestors(receiver);
        let root = ancestors.last().copied().unwrap_or(receiver);
        let wanted: BTreeSet<&str> = ancestors
            .iter()
            .copied()
            .chain(siblings.iter().map(String::as_str))
            .chain(registry.children(root).iter().map(String::as_str))
            .filter(|s| *s != receiver)
            .collect();
        let mut out: Vec<PeerRecord> = wanted
            .into_iter()
            .filter_map(|site| {
                let l = links.get(site)?;
                Some(PeerRecord {
                    site: site.to_owned(),
                    peer_id: l.peer_id.clone(),
                    quic_addrs: l.quic_addrs.clone(),
                    p2p_addrs: l.p2p_addrs.clone(),
                })
            })
            .collect();
        if let Some(b) = self.site.bound.get() {
            out.push(PeerRecord {
                site: self.site.site.code.clone(),
                peer_id: self.site.peer_id.clone(),
                quic_addrs: self.quic_advertised(b),
                p2p_addrs: self.p2p_advertised(b),
            });
        }
        out
    }

    /// Tells the linked sites that want a link with `newcomer` (its siblings, and the sites
    /// below it) where it is, and every link of a province's; the others have no use for it
    /// (`introductions_for`).
    pub fn introduce(&self, newcomer: &PeerRecord) {
        let registry = self.registry();
        let links = self.links.locked();
        let frame = ControlFrame::Peers(vec![newcomer.clone()]);
        let send = |site: &str, to_all: bool| {
            if site != newcomer.site && (to_all || wants_link(registry, site, &newcomer.site)) {
                if let Some(l) = links.get(site) {
                    let _ = l.outbox.try_send(frame.clone());
                }
            }
        };
        let level = registry.get(&newcomer.site).map(|s| s.level).ok();
        if matches!(level, Some(Level::Central | Level::Province)) {
            // Central: every site below wants it; a province: every site is told of it. Walk
            // the links rather than the country.
            for site in links.keys() {
                send(site, true);
            }
            return;
        }
        let siblings = registry
            .parent(&newcomer.site)
            .map(|p| registry.children(p))
            .unwrap_or(&[]);
        // A commune: its siblings (the sites below it, if any, too).
        for site in siblings {
            send(site, false);
        }
        for child in registry.children(&newcomer.site) {
            send(child, false);
        }
    }

    pub fn quic_advertised(&self, b: &Bound) -> Vec<String> {
        self.site
            .config
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
                self.site.peer_id
            ),
            format!(
                "/{proto}/{ip}/tcp/{}/p2p/{}",
                b.p2p.port(),
                self.site.peer_id
            ),
        ]
    }

    /// Sends a frame to every live link (best effort: a full outbox drops it).
    pub fn broadcast(&self, frame: &ControlFrame) {
        let links = self.links.locked();
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
        let (rev, fresh, voided) = {
            let mut revs = self.revocations.writing();
            // Judged by what is known: an issuer revoked before the record's date has no
            // authority left to revoke anyone.
            let rev = verify_revocation_with(&self.site.root, bytes, self.now(), &revs)
                .inspect_err(|e| self.site.metrics.revocation_refused(e.reason()))?;
            let fresh = revs.insert(rev.clone(), bytes.to_vec());
            let voided = if fresh {
                self.void_revocations(&mut revs)
            } else {
                Vec::new()
            };
            self.site.metrics.revocations_known.set(revs.len() as i64);
            (rev, fresh, voided)
        };
        self.site.metrics.revocation_received(via.as_str());
        if !fresh {
            return Ok(false);
        }
        info!(site = %rev.site, issuer = %rev.issuer_site, via = via.as_str(), %from, "revocation accepted");
        if let Err(e) = self.site.store.put_revocation(&rev.site, bytes) {
            warn!("cannot store revocation of {}: {e}", rev.site);
        }
        for site in voided {
            warn!(%site, "dropping a revocation signed by an issuer that was revoked before it");
            self.site.metrics.revocation_refused("issuer_revoked");
            if let Err(e) = self.site.store.remove_revocation(&site) {
                warn!(%site, "cannot forget a voided revocation: {e}");
            }
        }
        self.close_invalid_links();
        let frame = ControlFrame::Revocation(serde_bytes::ByteBuf::from(bytes.to_vec()));
        self.broadcast(&frame);
        self.p2p(P2pCommand::PublishRevocation(bytes.to_vec()));
        // Drop the revoked site's libp2p connections too.
        let proven = self.p2p_proven.locked().clone();
        for (site, peer) in proven {
            if self.is_revoked_site(&site) {
                self.p2p(P2pCommand::Disconnect(peer));
            }
        }
        Ok(true)
    }

    /// Drops the revocations that no longer verify now that `revs` knows more: those signed by
    /// an issuer revoked at or before their date (they arrived before the issuer's own
    /// revocation). Returns the sites they named.
    fn void_revocations(&self, revs: &mut RevocationList) -> Vec<String> {
        let now = self.now();
        let voided: Vec<String> = revs
            .iter()
            .zip(revs.records())
            .filter(|(_, bytes)| verify_revocation_with(&self.site.root, bytes, now, revs).is_err())
            .map(|(r, _)| r.site.clone())
            .collect();
        for site in &voided {
            revs.remove(site);
        }
        voided
    }

    /// Re-checks every live link against the current revocations and closes the failures.
    pub fn close_invalid_links(&self) {
        let mut links = self.links.locked();
        let bad: Vec<(String, &'static str)> = links
            .iter()
            .filter_map(|(s, l)| {
                self.verify_peer_chain(&l.chain)
                    .err()
                    .map(|e| (s.clone(), e.reason()))
            })
            .collect();
        for (site, reason) in bad {
            if let Some(l) = links.remove(&site) {
                warn!(%site, reason, "closing a live link whose chain no longer verifies");
                l.conn.close(
                    quinn::VarInt::from_u32(links::CLOSE_REVOKED),
                    reason.as_bytes(),
                );
                self.site.metrics.connections_closed_revoked.inc();
            }
        }
        self.site.metrics.peers_connected.set(links.len() as i64);
        self.known.locked().retain(|s, _| !self.is_revoked_site(s));
    }

    /// Re-checks every live link every [`LINK_RECHECK_MS`] until shutdown, so a peer whose
    /// certificate expires is dropped then, not at the next revocation.
    pub async fn recheck_links(self: Arc<Self>) {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(LINK_RECHECK_MS));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut shutdown = self.shutdown.clone();
        loop {
            tokio::select! {
                _ = tick.tick() => self.close_invalid_links(),
                _ = shutdown.changed() => return,
            }
        }
    }

    /// The live connection to a linked site.
    pub fn connection(&self, site: &str) -> Option<quinn::Connection> {
        self.links.locked().get(site).map(|l| l.conn.clone())
    }

    /// Every linked site with its live connection.
    pub fn connections(&self) -> Vec<(String, quinn::Connection)> {
        self.links
            .locked()
            .iter()
            .map(|(s, l)| (s.clone(), l.conn.clone()))
            .collect()
    }

    /// The sites with a live link now.
    pub fn linked_sites(&self) -> Vec<String> {
        self.links.locked().keys().cloned().collect()
    }

    /// Every site this one knows or is linked to, as the status page shows them.
    pub fn peers(&self) -> Vec<PeerView> {
        let known = self.known.locked().clone();
        let links = self.links.locked();
        let proven = self.p2p_proven.locked().clone();
        let mut sites: BTreeSet<String> = known.keys().cloned().collect();
        sites.extend(links.keys().cloned());
        sites
            .iter()
            .map(|site| {
                let link = links.get(site);
                let k = known.get(site);
                let level = self
                    .registry()
                    .get(site)
                    .map(|s| s.level.as_str())
                    .unwrap_or("unknown");
                PeerView {
                    site: site.clone(),
                    name: self.site.site_name(site),
                    level,
                    peer_id: link
                        .map(|l| l.peer_id.clone())
                        .or_else(|| k.map(|k| k.peer_id.clone())),
                    connected: link.is_some(),
                    // Whether this site keeps (or should keep) a direct link with that one;
                    // others are reached through the hierarchy.
                    direct: link.is_some()
                        || wants_link(self.registry(), &self.site.site.code, site),
                    p2p_proven: proven.contains_key(site),
                    quic_addrs: k.map(|k| k.quic_addrs.clone()).unwrap_or_default(),
                    since: link.map(|l| l.since),
                    last_seen: k.map(|k| k.last_seen),
                    rtt_ms: link.map(|l| l.conn.rtt().as_secs_f64() * 1000.0),
                }
            })
            .collect()
    }

    /// Dials the sites remembered from earlier runs that the topology wants a link with.
    pub fn dial_remembered(&self) {
        let known: Vec<PeerEntry> = self.known.locked().values().cloned().collect();
        for p in known {
            if wants_link(self.registry(), &self.site.site.code, &p.site) {
                for a in p.quic_addrs.iter().filter_map(|a| a.parse().ok()) {
                    self.request_dial(a, Some(p.site.clone()));
                }
            }
        }
    }
}

/// One peer as `GET peers` and the status page show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PeerView {
    pub site: String,
    pub name: String,
    pub level: &'static str,
    pub peer_id: Option<String>,
    pub connected: bool,
    pub direct: bool,
    pub p2p_proven: bool,
    pub quic_addrs: Vec<String>,
    pub since: Option<u64>,
    pub last_seen: Option<u64>,
    pub rtt_ms: Option<f64>,
}
