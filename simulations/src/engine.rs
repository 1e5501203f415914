//! The discrete-event loop: virtual time in milliseconds, one queue ordered by (time, sequence),
//! and the sites as the protocol crate's own state machines — `records::Records` for admission,
//! folding, audience, push and forward; `reconcile` for anti-entropy; `revocation` for cut-offs;
//! `media::RouteTable` for session routing. What the node does with I/O (QUIC streams, redb,
//! heartbeats) is replaced by messages on simulated links; the decisions are the node's.
//!
//! Two simplifications, both conservative: anti-entropy runs on a link when something may
//! differ (the link came up, or a message on it was lost) instead of every 5 s on every quiet
//! link, where the node's round finds an empty difference; and heartbeats are replayed into a
//! fresh route table when a session point checks its route, instead of one message per 100 ms.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet};

use ed25519_dalek::SigningKey;
use rand::Rng;
use tiepdan_protocol::backoff::Backoff;
use tiepdan_protocol::case::{self, date_from_unix_ms, EscalationReason, Kind};
use tiepdan_protocol::log::EventId;
use tiepdan_protocol::media::{NextHop, RouteTable, DEAD_MS, HOLD_DOWN_MS};
use tiepdan_protocol::reconcile::{self, ReconcileMsg, Reconciler};
use tiepdan_protocol::records::{self, CheckedEvent, Payload, Records, Rejected};
use tiepdan_protocol::replication::initiates_sync;
use tiepdan_protocol::revocation::{Revocation, RevocationList, VERSION};
use tiepdan_protocol::session::{self, SessionEvent};
use tiepdan_protocol::sites::{Level, Registry, CENTRAL_CODE};

use crate::net::{Net, SiteIx};
use crate::report::{Percentiles, Report};
use crate::rng::SimRng;
use crate::scenario::{Disruption, Scenario};
use crate::workload::{self, Step, KINDS};

/// Simulated start: Monday 6 July 2026, 00:00 Vietnam time, in unix ms.
pub const START_MS: u64 = 1_783_270_800_000;
const HOUR: u64 = 3_600_000;
const DAY: u64 = 24 * HOUR;
/// Anti-entropy retry period after a loss (the node's `SYNC_INTERVAL_MS`).
pub const SYNC_INTERVAL_MS: u64 = 5_000;
/// Backlog samples for the plot.
const SAMPLE_EVERY_MS: u64 = 10 * 60_000;
/// Certificates are issued at the start; a revocation covers them.
const CERT_ISSUED_S: u64 = START_MS / 1000;
/// Heartbeat period of the media mesh.
const HEARTBEAT_MS: u64 = 100;

#[derive(Debug)]
enum Msg {
    Events(Vec<Vec<u8>>),
    Recon(ReconcileMsg),
    ReconReply(ReconcileMsg),
    Want(Vec<[u8; 16]>),
    Revocation(Revocation),
}

impl Msg {
    fn size(&self) -> usize {
        match self {
            Msg::Events(e) => 16 + e.iter().map(|b| b.len() + 4).sum::<usize>(),
            Msg::Recon(m) | Msg::ReconReply(m) => 16 + reconcile_size(m),
            Msg::Want(p) => 16 + p.len() * 17,
            Msg::Revocation(_) => 2_500,
        }
    }
}

/// The exact wire size of a reconciliation round.
fn reconcile_size(m: &ReconcileMsg) -> usize {
    tiepdan_protocol::replication::encode_repl(&tiepdan_protocol::replication::ReplMsg::Reconcile(m.clone())).len()
}

#[derive(Debug)]
enum Ev {
    Day(u32),
    Reception { site: SiteIx },
    Step { case: String, step: Step },
    Deliver { from: SiteIx, to: SiteIx, epoch: u32, msg: Msg },
    Cut { links: Vec<(SiteIx, SiteIx)>, cut: bool, heal: bool },
    Node { site: SiteIx, down: bool, heal: bool },
    Sync { a: SiteIx, b: SiteIx },
    Dial { a: SiteIx, b: SiteIx },
    Revoke { site: SiteIx },
    Wave { share: f64 },
    SessionStart { hub: SiteIx, points: Vec<SiteIx>, hours: f64 },
    SessionEnd { sess: usize },
    RouteCheck { sess: usize, point: SiteIx, cut_at: u64 },
    Sample,
}

struct Item {
    at: u64,
    seq: u64,
    ev: Ev,
}

impl PartialEq for Item {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl Eq for Item {}
impl PartialOrd for Item {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Item {
    // Earliest first from a max-heap.
    fn cmp(&self, o: &Self) -> Ordering {
        (o.at, o.seq).cmp(&(self.at, self.seq))
    }
}

/// One site: the protocol's records and revocations, its key, and whether its node runs.
struct Site {
    code: String,
    level: Level,
    province: Option<SiteIx>,
    records: Records,
    revs: RevocationList,
    key: SigningKey,
    down: bool,
    next_stt: u32,
    revocation_learned_at: Option<u64>,
}

/// An event not yet held by every site of its audience.
struct Pending {
    created: u64,
    author: SiteIx,
    waiting: Vec<SiteIx>,
}

#[derive(Default)]
struct SyncState {
    scheduled: bool,
    dirty: bool,
    running: Option<Reconciler>,
}

/// A link's QUIC connection: up, or down since `changed` and being redialled.
struct Conn {
    connected: bool,
    /// When it last connected or went down.
    changed: u64,
    dialing: bool,
}

struct LiveSession {
    hub: SiteIx,
    points: Vec<SiteIx>,
    id: String,
    live: bool,
    routes: BTreeMap<SiteIx, NextHop>,
}

/// Convergence after a heal: events pending at the heal, by province of their author.
struct HealWatch {
    at: u64,
    label: String,
    remaining: HashSet<EventId>,
    per_province: HashMap<SiteIx, usize>,
    pending_at_heal: u64,
    province_done: BTreeMap<SiteIx, u64>,
    converged_at: Option<u64>,
}

/// Counters of invariants that must stay zero.
#[derive(Default, Debug, Clone)]
pub struct Violations {
    pub sent_outside_audience: u64,
    pub admitted_from_revoked: u64,
    pub held_outside_audience: u64,
}

pub struct Sim {
    pub now: u64,
    end: u64,
    seq: u64,
    queue: BinaryHeap<Item>,
    sites: Vec<Site>,
    index: HashMap<String, SiteIx>,
    central: Option<SiteIx>,
    net: Net,
    rng: SimRng,
    scenario: Scenario,
    registry: &'static Registry,
    keys: HashMap<String, [u8; 32]>,
    oracle: Records,
    /// Every event id → its log id and author.
    meta: HashMap<EventId, (String, SiteIx)>,
    pending: HashMap<EventId, Pending>,
    /// Connection state of links that ever went down (absent: connected since the start).
    conns: HashMap<(SiteIx, SiteIx), Conn>,
    syncs: HashMap<(SiteIx, SiteIx), SyncState>,
    sessions: Vec<LiveSession>,
    live_by_site: HashMap<SiteIx, Vec<usize>>,
    heals: Vec<HealWatch>,
    revocations_issued: Vec<(SiteIx, u64)>,
    pub violations: Violations,
    // Measurements.
    events_created: u64,
    deliveries: u64,
    central_latency: Vec<u64>,
    full_latency: Vec<u64>,
    backlog: Vec<(f64, u64)>,
    windows: Vec<(f64, f64, String)>,
    reroutes: u64,
    reroute_gaps: Vec<u64>,
    steps_skipped: u64,
    stranded: u64,
    syncs_run: u64,
    rejected: BTreeMap<&'static str, u64>,
    ignored_by_fold: u64,
    sessions_held: u64,
    progress: Option<Box<dyn FnMut(u64, u64)>>,
}

fn key(a: SiteIx, b: SiteIx) -> (SiteIx, SiteIx) {
    if a < b {
        (a, b)
    } else {
        (b, a)
    }
}

impl Sim {
    pub fn new(scenario: Scenario, seed: u64, days: u32) -> Sim {
        let registry = Registry::official();
        let mut sites_codes: Vec<String> = Vec::new();
        for s in registry.iter() {
            let keep = scenario.provinces.is_empty()
                || s.level == Level::Central
                || scenario.provinces.iter().any(|p| s.code == *p || s.parent.as_deref() == Some(p.as_str()));
            if keep {
                sites_codes.push(s.code.clone());
            }
        }
        let index: HashMap<String, SiteIx> = sites_codes.iter().enumerate().map(|(i, c)| (c.clone(), i as SiteIx)).collect();
        let net = Net::build(registry, &sites_codes, &index, &scenario.links);
        let mut rng = SimRng::new(seed);
        let mut keys = HashMap::new();
        let mut sites = Vec::with_capacity(sites_codes.len());
        for code in &sites_codes {
            let site = registry.get(code).expect("registry site");
            let key = SigningKey::from_bytes(&rng.bytes::<32>());
            keys.insert(code.clone(), key.verifying_key().to_bytes());
            let province = match site.level {
                Level::Commune => site.parent.as_deref().and_then(|p| index.get(p).copied()),
                Level::Province => index.get(code).copied(),
                Level::Central => None,
            };
            let mut records = Records::default();
            records.site_keys.insert(code.clone(), key.verifying_key().to_bytes());
            sites.push(Site { code: code.clone(), level: site.level, province, records, revs: RevocationList::new(), key, down: false, next_stt: 0, revocation_learned_at: None });
        }
        let mut sim = Sim {
            now: START_MS,
            end: START_MS + u64::from(days) * DAY,
            seq: 0,
            queue: BinaryHeap::new(),
            sites,
            central: index.get(CENTRAL_CODE).copied(),
            index,
            net,
            rng,
            scenario,
            registry,
            keys,
            oracle: Records::default(),
            meta: HashMap::new(),
            pending: HashMap::new(),
            conns: HashMap::new(),
            syncs: HashMap::new(),
            sessions: Vec::new(),
            live_by_site: HashMap::new(),
            heals: Vec::new(),
            revocations_issued: Vec::new(),
            violations: Violations::default(),
            events_created: 0,
            deliveries: 0,
            central_latency: Vec::new(),
            full_latency: Vec::new(),
            backlog: Vec::new(),
            windows: Vec::new(),
            reroutes: 0,
            reroute_gaps: Vec::new(),
            steps_skipped: 0,
            stranded: 0,
            syncs_run: 0,
            rejected: BTreeMap::new(),
            ignored_by_fold: 0,
            sessions_held: 0,
            progress: None,
        };
        sim.oracle.site_keys = sim.keys.iter().map(|(k, v)| (k.clone(), *v)).collect();
        for d in 0..days {
            sim.at(START_MS + u64::from(d) * DAY, Ev::Day(d));
        }
        sim.at(START_MS, Ev::Sample);
        sim.schedule_disruptions(days);
        sim
    }

    /// Calls `f(now - start, end - start)` as simulated time advances (for a progress bar).
    pub fn on_progress(&mut self, f: impl FnMut(u64, u64) + 'static) {
        self.progress = Some(Box::new(f));
    }

    fn at(&mut self, at: u64, ev: Ev) {
        self.seq += 1;
        self.queue.push(Item { at: at.max(self.now), seq: self.seq, ev });
    }

    fn ix(&self, code: &str) -> Option<SiteIx> {
        self.index.get(code).copied()
    }

    fn code(&self, i: SiteIx) -> &str {
        &self.sites[i as usize].code
    }

    fn schedule_disruptions(&mut self, days: u32) {
        let end_h = f64::from(days) * 24.0;
        for d in self.scenario.disruptions.clone() {
            match d {
                Disruption::Partition { provinces, start_h, hours } => {
                    let area: BTreeSet<SiteIx> = self
                        .sites
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| s.province.is_some_and(|p| provinces.iter().any(|c| self.sites[p as usize].code == *c)))
                        .map(|(i, _)| i as SiteIx)
                        .collect();
                    let links = self.net.links_touching(&area);
                    let start = START_MS + (start_h * HOUR as f64) as u64;
                    let end = start + (hours * HOUR as f64) as u64;
                    self.at(start, Ev::Cut { links: links.clone(), cut: true, heal: false });
                    self.at(end, Ev::Cut { links, cut: false, heal: true });
                    self.windows.push((start_h, (start_h + hours).min(end_h), format!("partition of {} provinces", provinces.len())));
                }
                Disruption::Outage { site, start_h, hours } => {
                    let Some(i) = self.ix(&site) else { continue };
                    let start = START_MS + (start_h * HOUR as f64) as u64;
                    self.at(start, Ev::Node { site: i, down: true, heal: false });
                    self.at(start + (hours * HOUR as f64) as u64, Ev::Node { site: i, down: false, heal: true });
                    self.windows.push((start_h, (start_h + hours).min(end_h), format!("{site} down")));
                }
                Disruption::Flapping { share, period_min, down_min, start_h, hours } => {
                    let uplinks: Vec<(SiteIx, SiteIx)> = (0..self.sites.len() as SiteIx)
                        .filter(|&i| self.sites[i as usize].level == Level::Commune)
                        .filter_map(|i| self.sites[i as usize].province.map(|p| (i, p)))
                        .collect();
                    let chosen: Vec<(SiteIx, SiteIx)> = uplinks.into_iter().filter(|_| self.rng.chance(share)).collect();
                    let start = START_MS + (start_h * HOUR as f64) as u64;
                    let end = start + (hours * HOUR as f64) as u64;
                    let period = (period_min * 60_000.0) as u64;
                    let down = (down_min * 60_000.0) as u64;
                    let mut t = start;
                    while t < end && period > 0 {
                        self.at(t, Ev::Cut { links: chosen.clone(), cut: true, heal: false });
                        self.at(t + down, Ev::Cut { links: chosen.clone(), cut: false, heal: t + period >= end });
                        t += period;
                    }
                    self.windows.push((start_h, (start_h + hours).min(end_h), "flapping".into()));
                }
                Disruption::Revoke { site, at_h } => {
                    let Some(i) = self.ix(&site) else { continue };
                    self.at(START_MS + (at_h * HOUR as f64) as u64, Ev::Revoke { site: i });
                }
                Disruption::EscalationWave { share, at_h } => {
                    self.at(START_MS + (at_h * HOUR as f64) as u64, Ev::Wave { share });
                }
            }
        }
    }

    /// Runs to the end of the last day, then lets the federation settle (links up, nothing new)
    /// until nothing is pending or a simulated day has passed.
    pub fn run(&mut self) -> Report {
        while let Some(item) = self.queue.pop() {
            if item.at > self.end && self.pending.is_empty() {
                break;
            }
            if item.at > self.end + DAY {
                break;
            }
            self.now = item.at;
            self.handle(item.ev);
        }
        self.report()
    }

    fn handle(&mut self, ev: Ev) {
        // After the last day only the network settles: nobody receives citizens any more.
        let work = matches!(ev, Ev::Day(_) | Ev::Reception { .. } | Ev::Step { .. } | Ev::Wave { .. } | Ev::SessionStart { .. });
        if work && self.now >= self.end {
            return;
        }
        match ev {
            Ev::Day(d) => self.day(d),
            Ev::Reception { site } => self.reception(site),
            Ev::Step { case, step } => self.step(&case, step),
            Ev::Deliver { from, to, epoch, msg } => self.deliver(from, to, epoch, msg),
            Ev::Cut { links, cut, heal } => {
                for (a, b) in &links {
                    self.net.set_cut(*a, *b, cut);
                }
                for (a, b) in links {
                    self.refresh(a, b);
                }
                if heal {
                    self.watch_heal("links restored");
                }
            }
            Ev::Node { site, down, heal } => {
                self.sites[site as usize].down = down;
                for b in self.net.adjacency[site as usize].clone() {
                    self.refresh(site, b);
                }
                if heal {
                    self.watch_heal("node back");
                }
            }
            Ev::Sync { a, b } => self.sync(a, b),
            Ev::Dial { a, b } => self.dial(a, b),
            Ev::Revoke { site } => self.revoke(site),
            Ev::Wave { share } => self.wave(share),
            Ev::SessionStart { hub, points, hours } => self.session_start(hub, points, hours),
            Ev::SessionEnd { sess } => self.session_end(sess),
            Ev::RouteCheck { sess, point, cut_at } => self.route_check(sess, point, cut_at),
            Ev::Sample => {
                let h = (self.now - START_MS) as f64 / HOUR as f64;
                self.backlog.push((h, self.pending.len() as u64));
                if let Some(p) = self.progress.as_mut() {
                    p(self.now - START_MS, self.end - START_MS);
                }
                if self.now < self.end {
                    self.at(self.now + SAMPLE_EVERY_MS, Ev::Sample);
                }
            }
        }
    }

    // ----- links ------------------------------------------------------------------------------

    /// Whether a connection between `a` and `b` can exist now: both nodes up, the wire not cut,
    /// and neither side holding a revocation that cuts the other off.
    fn physical(&self, a: SiteIx, b: SiteIx) -> bool {
        let (sa, sb) = (&self.sites[a as usize], &self.sites[b as usize]);
        !sa.down
            && !sb.down
            && self.net.get(a, b).is_some_and(|l| !l.cut)
            && !sa.revs.cuts_off(self.registry, &sb.code, CERT_ISSUED_S)
            && !sb.revs.cuts_off(self.registry, &sa.code, CERT_ISSUED_S)
    }

    /// A live connection: it can exist and it has been (re)established.
    fn is_usable(&self, a: SiteIx, b: SiteIx) -> bool {
        self.conns.get(&key(a, b)).is_none_or(|c| c.connected) && self.physical(a, b)
    }

    /// Re-evaluates a link after something changed at either end: a connection that can no
    /// longer exist drops (with whatever was in flight); one that can again is redialled on the
    /// node's reconnect backoff.
    fn refresh(&mut self, a: SiteIx, b: SiteIx) {
        let physical = self.physical(a, b);
        let k = key(a, b);
        let now = self.now;
        let c = self.conns.entry(k).or_insert(Conn { connected: true, changed: START_MS, dialing: false });
        if c.connected && !physical {
            c.connected = false;
            c.changed = now;
            self.net.reset(a, b);
            if let Some(s) = self.syncs.get_mut(&k) {
                s.running = None;
            }
            self.routes_touched(a, b);
        } else if !c.connected && physical && !c.dialing {
            c.dialing = true;
            let down_since = c.changed;
            let at = self.next_dial(down_since);
            self.at(at, Ev::Dial { a, b });
        }
    }

    /// When the dialler's next attempt falls, having failed since `down_since` (the node's
    /// `Backoff::reconnect`). Once the delays reach the cap they stay there, so after a long
    /// outage the next attempt is within one capped delay.
    fn next_dial(&mut self, down_since: u64) -> u64 {
        let mut backoff = Backoff::reconnect();
        let mut t = down_since;
        for _ in 0..64 {
            t += backoff.next_delay_ms(self.rng.r.gen());
            if t >= self.now {
                return t;
            }
        }
        let capped = backoff.next_delay_ms(self.rng.r.gen());
        self.now + self.rng.between(1, capped + 1)
    }

    fn dial(&mut self, a: SiteIx, b: SiteIx) {
        let physical = self.physical(a, b);
        let now = self.now;
        let Some(c) = self.conns.get_mut(&key(a, b)) else { return };
        c.dialing = false;
        if c.connected || !physical {
            return;
        }
        // Handshake and Hello: one round trip; then the initiator starts anti-entropy at once.
        let rtt = self.net.get(a, b).map(|l| 2 * l.latency_ms).unwrap_or(0);
        c.connected = true;
        c.changed = now + rtt;
        self.hello(a, b);
        self.mark_dirty(a, b, rtt);
        self.routes_touched(a, b);
    }

    /// A `Hello` carries every revocation the sender knows.
    fn hello(&mut self, a: SiteIx, b: SiteIx) {
        for (from, to) in [(a, b), (b, a)] {
            let revs: Vec<Revocation> = self.sites[from as usize].revs.iter().cloned().collect();
            for r in revs {
                self.send(from, to, Msg::Revocation(r));
            }
        }
    }

    fn send(&mut self, from: SiteIx, to: SiteIx, msg: Msg) {
        if !self.is_usable(from, to) {
            return;
        }
        if let Msg::Events(evs) = &msg {
            for b in evs {
                let id = tiepdan_protocol::log::event_id(b);
                let ok = self.meta.get(&id).is_some_and(|(log, _)| self.sites[from as usize].records.in_audience(log, &self.sites[to as usize].code));
                if !ok {
                    self.violations.sent_outside_audience += 1;
                }
            }
        }
        let size = msg.size();
        if let Some((at, epoch)) = self.net.send(from, to, size, self.now, &mut self.rng) {
            self.at(at, Ev::Deliver { from, to, epoch, msg });
        }
    }

    fn deliver(&mut self, from: SiteIx, to: SiteIx, epoch: u32, msg: Msg) {
        if self.net.epoch(from, to) != Some(epoch) || !self.is_usable(from, to) {
            // Lost with its connection; anti-entropy repairs it when the link is back.
            if matches!(msg, Msg::Recon(_) | Msg::ReconReply(_)) {
                if let Some(s) = self.syncs.get_mut(&key(from, to)) {
                    s.running = None;
                }
            }
            self.mark_dirty(from, to, SYNC_INTERVAL_MS);
            return;
        }
        match msg {
            Msg::Events(evs) => self.receive_events(to, from, evs),
            Msg::Recon(m) => self.recon_respond(to, from, m),
            Msg::ReconReply(m) => self.recon_reply(to, from, m),
            Msg::Want(prefixes) => {
                let peer = self.code(from).to_owned();
                let ours = self.sites[to as usize].records.shared_ids(&peer);
                let ids: BTreeSet<EventId> = reconcile::resolve_prefixes(&ours, &prefixes).into_iter().collect();
                let evs = self.sites[to as usize].records.bytes_for(&peer, &ids);
                if !evs.is_empty() {
                    self.send(to, from, Msg::Events(evs));
                }
            }
            Msg::Revocation(r) => self.learn_revocation(to, r),
        }
    }

    // ----- replication --------------------------------------------------------------------------

    /// A site signs and keeps a new event of log `id`, then pushes it to its linked audience.
    fn local_event(&mut self, site: SiteIx, id: &str, payload: Payload) -> bool {
        let bytes = match &payload {
            Payload::Case(e) => case::encode_event(e),
            Payload::Session(e) => session::encode_event(e),
        };
        let s = &self.sites[site as usize];
        let Ok(event) = records::sign_payload(&s.records, &s.key, &s.code, id, self.now, bytes) else { return false };
        let before = s.records.audience_of(id).cloned().unwrap_or_default();
        let admission = s.records.admit(vec![Ok(CheckedEvent { event: event.clone(), payload })], &s.code, None);
        if admission.accepted.is_empty() {
            // Not ours to write (e.g. the fold leaves us outside the audience).
            return false;
        }
        let s = &mut self.sites[site as usize];
        s.records.install(admission.entries);
        let after = s.records.audience_of(id).cloned().unwrap_or_default();
        let widened: Vec<String> = after.difference(&before).filter(|w| **w != s.code).cloned().collect();
        self.events_created += 1;
        self.meta.insert(event.id, (id.to_owned(), site));
        let ev_id = event.id;
        let bytes = event.bytes.clone();
        self.oracle.insert(vec![event]);
        let audience: Vec<SiteIx> = self
            .oracle
            .audience_of(id)
            .map(|a| a.iter().filter_map(|c| self.ix(c)).filter(|&i| i != site && !self.revoked_federation_wide(i)).collect())
            .unwrap_or_default();
        if self.revoked_federation_wide(site) {
            // Made by a site the federation has cut off: it can never leave, by design.
            self.stranded += 1;
        } else if !audience.is_empty() {
            self.pending.insert(ev_id, Pending { created: self.now, author: site, waiting: audience });
        }
        self.push(site, id, vec![bytes], widened, None);
        true
    }

    /// Cut off by a revocation central knows (central learns first and tells everyone).
    fn revoked_federation_wide(&self, i: SiteIx) -> bool {
        self.central.is_some_and(|c| self.sites[c as usize].revs.cuts_off(self.registry, self.code(i), CERT_ISSUED_S))
    }

    /// The node's pusher: every usable link whose site `push_for` allows.
    fn push(&mut self, site: SiteIx, id: &str, events: Vec<Vec<u8>>, widened: Vec<String>, from: Option<SiteIx>) {
        let from_code = from.map(|f| self.code(f).to_owned());
        let Some(audience) = self.sites[site as usize].records.audience_of(id).cloned() else { return };
        for code in audience {
            let Some(peer) = self.ix(&code) else { continue };
            if peer == site || self.net.get(site, peer).is_none() || !self.is_usable(site, peer) {
                continue;
            }
            if let Some(evs) = self.sites[site as usize].records.push_for(id, &events, &widened, from_code.as_deref(), &code) {
                if !evs.is_empty() {
                    self.send(site, peer, Msg::Events(evs));
                }
            }
        }
    }

    fn receive_events(&mut self, to: SiteIx, from: SiteIx, evs: Vec<Vec<u8>>) {
        let from_code = self.code(from).to_owned();
        if self.sites[to as usize].revs.cuts_off(self.registry, &from_code, CERT_ISSUED_S) {
            self.violations.admitted_from_revoked += 1;
            return;
        }
        let decoded = self.sites[to as usize].records.skip_held(records::decode_batch(&evs));
        // The chains travel with the events: the receiver learns each author's key.
        for d in decoded.iter().flatten() {
            let author = d.author().to_owned();
            if !self.sites[to as usize].records.site_keys.contains_key(&author) {
                if let Some(k) = self.keys.get(&author) {
                    self.sites[to as usize].records.site_keys.insert(author, *k);
                }
            }
        }
        let site = &self.sites[to as usize];
        let keys = site.records.keys_for(&decoded);
        let checked = records::verify_events(decoded, &keys);
        let admission = site.records.admit(checked, &site.code, Some(&from_code));
        let mut refused_for_history = false;
        for r in &admission.rejected {
            if matches!(r, Rejected::OutOfAudience(_)) {
                // The receiver lacks the history that makes it audience (its genesis was lost
                // with a cut link): the node's periodic anti-entropy delivers the whole log.
                refused_for_history = true;
            }
            *self.rejected.entry(r.reason()).or_default() += 1;
        }
        if refused_for_history {
            self.mark_dirty(to, from, SYNC_INTERVAL_MS);
        }
        let to_code = self.code(to).to_owned();
        for (id, _) in &admission.entries {
            if !self.oracle.in_audience(id, &to_code) {
                self.violations.held_outside_audience += 1;
            }
        }
        if admission.accepted.is_empty() {
            return;
        }
        // Only audience sites matter to `forwards`; the rest of the links are never asked.
        let mut linked: Vec<String> = Vec::new();
        for (_, entry) in &admission.entries {
            for code in entry.audience() {
                if let Some(j) = self.ix(code) {
                    if j != to && self.net.get(to, j).is_some() && self.is_usable(to, j) && !linked.contains(code) {
                        linked.push(code.clone());
                    }
                }
            }
        }
        let site = &mut self.sites[to as usize];
        let forwards = site.records.forwards(&admission, &from_code, &linked);
        let accepted: Vec<EventId> = admission.accepted.iter().map(|v| v.id).collect();
        site.records.install(admission.entries);
        for id in accepted {
            self.delivered(id, to);
        }
        for f in forwards {
            self.push(to, &f.id, f.events, f.widened, Some(from));
        }
    }

    fn delivered(&mut self, id: EventId, at: SiteIx) {
        self.deliveries += 1;
        let Some(p) = self.pending.get_mut(&id) else { return };
        if self.sites[at as usize].level == Level::Central {
            self.central_latency.push(self.now - p.created);
        }
        p.waiting.retain(|&w| w != at);
        if p.waiting.is_empty() {
            let p = self.pending.remove(&id).expect("pending");
            self.full_latency.push(self.now - p.created);
            self.settled(id, p.author);
        }
    }

    /// An event no longer pending (held everywhere it should be, or stranded by a revocation).
    fn settled(&mut self, id: EventId, author: SiteIx) {
        let province = self.sites[author as usize].province;
        let now = self.now;
        for w in &mut self.heals {
            if w.remaining.remove(&id) {
                if let Some(p) = province {
                    if let Some(n) = w.per_province.get_mut(&p) {
                        *n -= 1;
                        if *n == 0 {
                            w.province_done.insert(p, now);
                        }
                    }
                }
                if w.remaining.is_empty() && w.converged_at.is_none() {
                    w.converged_at = Some(now);
                }
            }
        }
    }

    fn watch_heal(&mut self, label: &str) {
        let mut per_province: HashMap<SiteIx, usize> = HashMap::new();
        let mut remaining = HashSet::new();
        for (id, p) in &self.pending {
            remaining.insert(*id);
            if let Some(pr) = self.sites[p.author as usize].province {
                *per_province.entry(pr).or_default() += 1;
            }
        }
        let converged_at = remaining.is_empty().then_some(self.now);
        let pending_at_heal = remaining.len() as u64;
        self.heals.push(HealWatch { at: self.now, label: label.to_owned(), remaining, per_province, pending_at_heal, province_done: BTreeMap::new(), converged_at });
    }

    fn mark_dirty(&mut self, a: SiteIx, b: SiteIx, after_ms: u64) {
        let (init, resp) = if initiates_sync(self.code(a), self.code(b)) { (a, b) } else { (b, a) };
        let s = self.syncs.entry(key(a, b)).or_default();
        s.dirty = true;
        if !s.scheduled {
            s.scheduled = true;
            let rtt = self.net.get(a, b).map(|l| 2 * l.latency_ms).unwrap_or(0);
            self.at(self.now + after_ms.max(rtt), Ev::Sync { a: init, b: resp });
        }
    }

    /// One anti-entropy round started by `a` (the node's `sync_with`).
    fn sync(&mut self, a: SiteIx, b: SiteIx) {
        let k = key(a, b);
        let usable = self.is_usable(a, b);
        let s = self.syncs.entry(k).or_default();
        s.scheduled = false;
        if !usable || s.running.is_some() || !s.dirty {
            return;
        }
        s.dirty = false;
        let peer = self.sites[b as usize].code.clone();
        let ids = self.sites[a as usize].records.shared_ids(&peer);
        let session: u64 = self.rng.r.gen();
        let Ok(mut r) = Reconciler::new(session, ids) else {
            *self.rejected.entry("reconcile_set_too_large").or_default() += 1;
            return;
        };
        self.syncs_run += 1;
        let out: Vec<ReconcileMsg> = std::iter::from_fn(|| r.poll_transmit()).collect();
        self.syncs.entry(k).or_default().running = Some(r);
        for m in out {
            self.send(a, b, Msg::Recon(m));
        }
    }

    fn recon_respond(&mut self, at: SiteIx, initiator: SiteIx, m: ReconcileMsg) {
        let peer = self.code(initiator).to_owned();
        let ours = self.sites[at as usize].records.shared_ids(&peer);
        match reconcile::respond(&ours, &m) {
            Ok(resp) => {
                self.send(at, initiator, Msg::ReconReply(resp.reply));
                if !resp.send.is_empty() {
                    let ids: BTreeSet<EventId> = resp.send.into_iter().collect();
                    let evs = self.sites[at as usize].records.bytes_for(&peer, &ids);
                    if !evs.is_empty() {
                        self.send(at, initiator, Msg::Events(evs));
                    }
                }
            }
            Err(e) => {
                *self.rejected.entry(e.reason()).or_default() += 1;
            }
        }
    }

    fn recon_reply(&mut self, at: SiteIx, responder: SiteIx, m: ReconcileMsg) {
        let k = key(at, responder);
        let Some(mut r) = self.syncs.get_mut(&k).and_then(|s| s.running.take()) else { return };
        if r.handle_message(m).is_err() {
            self.mark_dirty(at, responder, SYNC_INTERVAL_MS);
            return;
        }
        if !r.is_finished() {
            let out: Vec<ReconcileMsg> = std::iter::from_fn(|| r.poll_transmit()).collect();
            self.syncs.entry(k).or_default().running = Some(r);
            for m in out {
                self.send(at, responder, Msg::Recon(m));
            }
            return;
        }
        let Some(diff) = r.outcome().cloned() else {
            self.mark_dirty(at, responder, SYNC_INTERVAL_MS);
            return;
        };
        let peer = self.code(responder).to_owned();
        let send: BTreeSet<EventId> = diff.send.iter().copied().collect();
        let evs = self.sites[at as usize].records.bytes_for(&peer, &send);
        if !evs.is_empty() {
            self.send(at, responder, Msg::Events(evs));
        }
        if !diff.missing_prefixes.is_empty() {
            self.send(at, responder, Msg::Want(diff.missing_prefixes.clone()));
        }
        // A loss during the round left the link dirty: go again after the interval.
        if self.syncs.get(&k).is_some_and(|s| s.dirty) {
            let s = self.syncs.entry(k).or_default();
            s.dirty = false;
            self.mark_dirty(at, responder, SYNC_INTERVAL_MS);
        }
    }

    // ----- workload -------------------------------------------------------------------------------

    fn day(&mut self, d: u32) {
        let midnight = START_MS + u64::from(d) * DAY;
        let date = date_from_unix_ms(midnight + 12 * HOUR);
        let weekday = u64::from(date.weekday().number_days_from_monday());
        if weekday >= 5 {
            return;
        }
        let w = self.scenario.workload.clone();
        let day_of_month = u64::from(date.day());
        for i in 0..self.sites.len() as SiteIx {
            let level = self.sites[i as usize].level;
            let mean = match level {
                Level::Commune => w.commune_regular_per_day + if u64::from(i) % 5 == weekday { w.commune_chair_per_week } else { 0.0 },
                Level::Province => w.province_regular_per_day + if 6 + u64::from(i) % 20 == day_of_month { w.province_chair_per_month } else { 0.0 },
                Level::Central => w.central_per_day,
            };
            for _ in 0..self.rng.poisson(mean) {
                // Office hours, 07:30 to 17:00.
                let t = midnight + self.rng.between(7 * HOUR + HOUR / 2, 17 * HOUR);
                self.at(t, Ev::Reception { site: i });
            }
            if level == Level::Province && self.rng.chance(w.province_sessions_per_month / 22.0) {
                let communes: Vec<SiteIx> = self.registry.children(&self.sites[i as usize].code).iter().filter_map(|c| self.ix(c)).collect();
                if !communes.is_empty() {
                    let mut points = Vec::new();
                    for _ in 0..w.session_points.min(communes.len()) {
                        let c = communes[self.rng.between(0, communes.len() as u64) as usize];
                        if !points.contains(&c) {
                            points.push(c);
                        }
                    }
                    let t = midnight + self.rng.between(8 * HOUR, 14 * HOUR);
                    self.at(t, Ev::SessionStart { hub: i, points, hours: w.session_hours });
                }
            }
        }
    }

    fn reception(&mut self, site: SiteIx) {
        if self.sites[site as usize].down {
            // Officers record on paper while the server is down; not simulated.
            return;
        }
        let w = self.scenario.workload.clone();
        let kind = KINDS[self.rng.weighted(&w.kinds)];
        let crowd = self.rng.chance(w.crowd_rate);
        let s = &mut self.sites[site as usize];
        s.next_stt += 1;
        let date = date_from_unix_ms(self.now);
        let case_id = format!("{}-{}-{:05}", s.code, date.year(), s.next_stt);
        let audience: Vec<String> = std::iter::once(s.code.clone()).chain(self.registry.ancestors(&s.code).into_iter().map(str::to_owned)).collect();
        let genesis = workload::reception(&mut self.rng, kind, date, crowd, &audience);
        if !self.local_event(site, &case_id, Payload::Case(genesis)) {
            return;
        }
        // The life of the case, as far as a run reaches.
        let d = |rng: &mut SimRng, lo: u64, hi: u64| rng.between(lo * DAY, hi * DAY);
        let t = self.now;
        let transfer = self.rng.chance(w.transfer_rate);
        let escalate = self.rng.chance(w.escalation_rate);
        let parent = self.registry.parent(&self.sites[site as usize].code).map(str::to_owned);
        if transfer {
            if let Some(to) = self.transfer_target(site) {
                let at = t + d(&mut self.rng, 0, 2);
                self.at(at, Ev::Step { case: case_id.clone(), step: Step::Transfer { to } });
                let later = at + d(&mut self.rng, 1, 4);
                self.at(later, Ev::Step { case: case_id, step: Step::Accept });
                return;
            }
        }
        match kind {
            Kind::Complaint | Kind::Denunciation => {
                let later = t + d(&mut self.rng, 1, 4);
                self.at(later, Ev::Step { case: case_id.clone(), step: Step::Accept });
                if kind == Kind::Complaint {
                    let decided = t + d(&mut self.rng, 10, 30);
                    self.at(decided, Ev::Step { case: case_id.clone(), step: Step::Decide });
                    if let (true, Some(p)) = (escalate, parent) {
                        let at = decided + d(&mut self.rng, 1, 10);
                        self.at(at, Ev::Step { case: case_id, step: Step::Escalate { to: p, reason: EscalationReason::SecondInstance, by_target: true } });
                    }
                } else if let (true, Some(p)) = (escalate, parent) {
                    let at = t + d(&mut self.rng, 5, 20);
                    self.at(at, Ev::Step { case: case_id, step: Step::Escalate { to: p, reason: EscalationReason::Overdue, by_target: false } });
                }
            }
            Kind::Petition | Kind::Feedback => {
                let at = t + d(&mut self.rng, 0, 2);
                self.at(at, Ev::Step { case: case_id.clone(), step: Step::Guide });
                let later = at + d(&mut self.rng, 1, 3);
                self.at(later, Ev::Step { case: case_id, step: Step::Close });
            }
        }
    }

    /// Another commune of the same province (or the province itself) for a transfer.
    fn transfer_target(&mut self, site: SiteIx) -> Option<String> {
        let code = self.code(site).to_owned();
        let parent = self.registry.parent(&code)?.to_owned();
        let siblings: Vec<&String> = self.registry.children(&parent).iter().filter(|c| **c != code && self.index.contains_key(c.as_str())).collect();
        if siblings.is_empty() || self.sites[site as usize].level != Level::Commune {
            return None;
        }
        Some(siblings[self.rng.between(0, siblings.len() as u64) as usize].clone())
    }

    fn step(&mut self, case_id: &str, step: Step) {
        // The acting site is the case's current handler as the whole federation knows it.
        let Some(state) = self.oracle.get(case_id).map(|e| e.state.clone()) else { return };
        let actor_code = match &step {
            Step::Escalate { to, by_target: true, .. } => to.clone(),
            _ => state.current_site.clone(),
        };
        let Some(actor) = self.ix(&actor_code) else { return };
        if self.sites[actor as usize].down || self.sites[actor as usize].records.get(case_id).is_none() {
            // The handler has not received the case yet (a cut link): the step waits for a
            // later run of the officers' work, which this run does not model.
            self.steps_skipped += 1;
            return;
        }
        let rewrap = match (&step, state.sealed_identity.is_some()) {
            (Step::Transfer { to } | Step::Escalate { to, .. }, true) => {
                Some(std::iter::once(to.clone()).chain(self.registry.ancestors(to).into_iter().map(str::to_owned)).collect::<Vec<_>>())
            }
            _ => None,
        };
        let event = step.event(&mut self.rng, rewrap.as_deref());
        let before = self.oracle.get(case_id).map(|e| e.state.history.iter().filter(|h| h.ignored).count()).unwrap_or(0);
        self.local_event(actor, case_id, Payload::Case(event));
        let after = self.oracle.get(case_id).map(|e| e.state.history.iter().filter(|h| h.ignored).count()).unwrap_or(0);
        self.ignored_by_fold += (after.saturating_sub(before)) as u64;
    }

    fn wave(&mut self, share: f64) {
        let open: Vec<(String, String)> = self
            .oracle
            .entries
            .iter()
            .filter(|(_, e)| matches!(e.state.status, case::Status::Received | case::Status::Classified | case::Status::Accepted))
            .filter(|(_, e)| e.state.current_site != CENTRAL_CODE)
            .map(|(id, e)| (id.clone(), e.state.current_site.clone()))
            .collect();
        for (id, _) in open {
            if self.rng.chance(share) {
                let jitter = self.rng.between(0, 60_000);
                let step = Step::Escalate { to: CENTRAL_CODE.to_owned(), reason: EscalationReason::Overdue, by_target: false };
                self.at(self.now + jitter, Ev::Step { case: id, step });
            }
        }
    }

    // ----- revocation -----------------------------------------------------------------------------

    fn revoke(&mut self, site: SiteIx) {
        let code = self.code(site).to_owned();
        let Some(issuer) = self.registry.parent(&code).and_then(|p| self.ix(p)) else { return };
        let rev = Revocation { v: VERSION, site: code, revoked_at: self.now / 1000, issuer_site: self.code(issuer).to_owned() };
        self.revocations_issued.push((site, self.now));
        self.learn_revocation(issuer, rev);
    }

    /// The node's `apply_revocation` after verification: keep the newest, flood it on every
    /// link, close the links it cuts off.
    fn learn_revocation(&mut self, at: SiteIx, rev: Revocation) {
        let bytes = format!("{}@{}", rev.site, rev.revoked_at).into_bytes();
        let fresh = self.sites[at as usize].revs.insert(rev.clone(), bytes);
        if !fresh {
            return;
        }
        self.sites[at as usize].revocation_learned_at.get_or_insert(self.now);
        for b in self.net.adjacency[at as usize].clone() {
            self.send(at, b, Msg::Revocation(rev.clone()));
        }
        for b in self.net.adjacency[at as usize].clone() {
            self.refresh(at, b);
        }
        // Obligations that can no longer be met by design: to or from cut-off sites.
        if Some(at) == self.central {
            let cut: HashSet<SiteIx> = (0..self.sites.len() as SiteIx).filter(|&i| self.revoked_federation_wide(i)).collect();
            let ids: Vec<EventId> = self.pending.keys().copied().collect();
            for id in ids {
                let p = self.pending.get_mut(&id).expect("pending");
                p.waiting.retain(|w| !cut.contains(w));
                let author = p.author;
                if cut.contains(&author) || p.waiting.is_empty() {
                    self.pending.remove(&id);
                    if cut.contains(&author) {
                        self.stranded += 1;
                    }
                    self.settled(id, author);
                }
            }
        }
    }

    // ----- sessions ---------------------------------------------------------------------------------

    fn session_start(&mut self, hub: SiteIx, points: Vec<SiteIx>, hours: f64) {
        if self.sites[hub as usize].down {
            return;
        }
        let s = &mut self.sites[hub as usize];
        s.next_stt += 1;
        let date = date_from_unix_ms(self.now);
        let id = format!("{}{}-{}-{:04}", session::SESSION_ID_PREFIX, s.code, date.year(), s.next_stt);
        let hub_code = s.code.clone();
        let codes: Vec<String> = points.iter().map(|p| self.sites[*p as usize].code.clone()).collect();
        let scheduled = SessionEvent::Scheduled {
            session_id: id.clone(),
            title: "Tiếp công dân định kỳ trực tuyến".to_owned(),
            chair_site: hub_code,
            points: codes.clone(),
            starts_at_ms: self.now,
            case_ids: vec![],
        };
        if !self.local_event(hub, &id, Payload::Session(scheduled)) {
            return;
        }
        self.local_event(hub, &id, Payload::Session(SessionEvent::Started { at_ms: self.now }));
        self.sessions_held += 1;
        let sess = self.sessions.len();
        self.sessions.push(LiveSession { hub, points: points.clone(), id, live: true, routes: BTreeMap::new() });
        for p in std::iter::once(hub).chain(points.iter().copied()) {
            self.live_by_site.entry(p).or_default().push(sess);
        }
        for p in points {
            let hop = self.route_now(sess, p);
            self.sessions[sess].routes.insert(p, hop);
        }
        self.at(self.now + (hours * HOUR as f64) as u64, Ev::SessionEnd { sess });
    }

    fn session_end(&mut self, sess: usize) {
        let (hub, id) = (self.sessions[sess].hub, self.sessions[sess].id.clone());
        self.sessions[sess].live = false;
        if !self.sites[hub as usize].down {
            self.local_event(hub, &id, Payload::Session(SessionEvent::Ended { at_ms: self.now }));
        }
    }

    /// A point's route to the hub, from a route table fed with the heartbeats its links carried
    /// over the last hold-down (a link heard continuously for longer looks the same).
    fn route_now(&self, sess: usize, point: SiteIx) -> NextHop {
        let hub = self.sessions[sess].hub;
        let hub_code = self.code(hub).to_owned();
        let mut rt = RouteTable::new();
        let relays: Vec<String> = self.registry.ancestors(self.code(point)).into_iter().filter(|a| *a != hub_code).map(str::to_owned).collect();
        rt.prefer_relays(&hub_code, relays);
        let window = HOLD_DOWN_MS + DEAD_MS;
        for &l in &self.net.adjacency[point as usize] {
            let usable = self.is_usable(point, l);
            let since = self.conns.get(&key(point, l)).map(|c| c.changed).unwrap_or(START_MS);
            let hears_hub = l != hub && self.net.get(l, hub).is_some() && self.is_usable(l, hub);
            let neighbours: BTreeSet<String> = if hears_hub { [hub_code.clone()].into() } else { BTreeSet::new() };
            let (from, to) = if usable { (since.max(self.now.saturating_sub(window)), self.now) } else { (self.now.saturating_sub(window), since.min(self.now)) };
            // A heartbeat with no neighbour list keeps the last one, so only the first carries it.
            let mut list = Some(neighbours);
            let mut t = from;
            while t <= to && to >= from {
                rt.heard(self.code(l), t, list.take().unwrap_or_default());
                t += DEAD_MS - HEARTBEAT_MS;
            }
            if usable {
                rt.heard(self.code(l), self.now, list.take().unwrap_or_default());
            }
        }
        rt.next_hop(&hub_code, self.now)
    }

    /// A link changed: the live sessions it may carry check their routes after the dead time
    /// (failover) and after the hold-down (moving back).
    fn routes_touched(&mut self, a: SiteIx, b: SiteIx) {
        let mut affected: BTreeSet<usize> = BTreeSet::new();
        for s in [a, b] {
            if let Some(v) = self.live_by_site.get(&s) {
                affected.extend(v.iter().copied().filter(|&i| self.sessions[i].live));
            }
            if self.sites[s as usize].level == Level::Central {
                affected.extend((0..self.sessions.len()).filter(|&i| self.sessions[i].live));
            }
        }
        for sess in affected {
            let points = self.sessions[sess].points.clone();
            for p in points {
                let beat = self.rng.between(0, HEARTBEAT_MS);
                self.at(self.now + DEAD_MS + beat + 1, Ev::RouteCheck { sess, point: p, cut_at: self.now });
                self.at(self.now + HOLD_DOWN_MS + DEAD_MS + beat + 1, Ev::RouteCheck { sess, point: p, cut_at: self.now });
            }
        }
    }

    fn route_check(&mut self, sess: usize, point: SiteIx, cut_at: u64) {
        if !self.sessions[sess].live {
            return;
        }
        let hop = self.route_now(sess, point);
        let before = self.sessions[sess].routes.get(&point).cloned().unwrap_or(NextHop::Unreachable);
        if hop != before {
            if hop != NextHop::Unreachable {
                self.reroutes += 1;
                // A failover (the old route broke at `cut_at` and media flows again now), not a
                // move back to a direct link that came back (the old relay still worked).
                if !self.route_works(sess, point, &before) {
                    self.reroute_gaps.push(self.now - cut_at);
                }
            }
            self.sessions[sess].routes.insert(point, hop);
        }
    }

    fn route_works(&self, sess: usize, point: SiteIx, hop: &NextHop) -> bool {
        let hub = self.sessions[sess].hub;
        match hop.site().and_then(|c| self.ix(c)) {
            Some(h) if h == hub => self.is_usable(point, hub),
            Some(r) => self.is_usable(point, r) && self.is_usable(r, hub),
            None => false,
        }
    }

    // ----- results -----------------------------------------------------------------------------------

    /// Events some non-revoked audience site lacks at the end, checked against the oracle's
    /// final audience of every record (transfers included).
    fn lost(&self) -> u64 {
        let central = self.sites.iter().position(|s| s.level == Level::Central);
        let revs = central.map(|c| &self.sites[c].revs);
        let cut = |code: &str| revs.is_some_and(|r| r.cuts_off(self.registry, code, CERT_ISSUED_S));
        let mut lost = BTreeSet::new();
        for (id, entry) in self.oracle.entries.iter().map(|(i, e)| (i, (&e.audience, &e.ids))).chain(self.oracle.sessions.iter().map(|(i, e)| (i, (&e.audience, &e.ids)))) {
            let (audience, ids) = entry;
            for code in audience {
                let Some(i) = self.ix(code) else { continue };
                if cut(code) {
                    continue;
                }
                let held = self.sites[i as usize].records.log_of(id);
                for ev in ids {
                    let author_cut = self.meta.get(ev).is_some_and(|(_, a)| cut(self.code(*a)));
                    if !author_cut && !held.is_some_and(|l| l.contains(ev)) {
                        lost.insert(*ev);
                    }
                }
            }
        }
        lost.len() as u64
    }

    /// BLAKE3 over every site's held event ids and revocations, in site order.
    fn digest(&self) -> String {
        let mut h = blake3::Hasher::new();
        for s in &self.sites {
            h.update(s.code.as_bytes());
            for (id, e) in &s.records.entries {
                h.update(id.as_bytes());
                for ev in &e.ids {
                    h.update(ev);
                }
            }
            for (id, e) in &s.records.sessions {
                h.update(id.as_bytes());
                for ev in &e.ids {
                    h.update(ev);
                }
            }
            for r in s.revs.iter() {
                h.update(r.site.as_bytes());
                h.update(&r.revoked_at.to_be_bytes());
            }
        }
        h.finalize().to_hex().to_string()
    }

    fn report(&mut self) -> Report {
        let events_lost = self.lost();
        let revocation_ms: Vec<u64> = match self.revocations_issued.first() {
            Some(&(_, t)) => self
                .sites
                .iter()
                .filter(|s| !self.sites.iter().any(|c| c.level == Level::Central && c.revs.cuts_off(self.registry, &s.code, CERT_ISSUED_S)))
                .map(|s| s.revocation_learned_at.map(|l| l - t).unwrap_or(u64::MAX))
                .collect(),
            None => Vec::new(),
        };
        let unreached = revocation_ms.iter().filter(|v| **v == u64::MAX).count();
        let heals = self
            .heals
            .iter()
            .map(|w| crate::report::Heal {
                label: w.label.clone(),
                at_h: (w.at - START_MS) as f64 / HOUR as f64,
                events_pending: w.pending_at_heal,
                converged_s: w.converged_at.map(|c| (c - w.at) as f64 / 1000.0),
                per_province: w
                    .province_done
                    .iter()
                    .map(|(p, t)| (self.registry.get(self.code(*p)).map(|s| s.name.clone()).unwrap_or_default(), (t - w.at) as f64 / 1000.0))
                    .collect(),
            })
            .collect();
        Report {
            scenario: self.scenario.name.clone(),
            sites: self.sites.len(),
            links: self.net.len(),
            simulated_days: ((self.end - START_MS) / DAY) as u32,
            events_created: self.events_created,
            events_delivered: self.events_created.saturating_sub(events_lost),
            events_lost,
            events_pending_at_end: self.pending.len() as u64,
            events_stranded_by_revocation: self.stranded,
            deliveries: self.deliveries,
            replication_latency_to_central_ms: Percentiles::of(&mut self.central_latency),
            replication_latency_to_audience_ms: Percentiles::of(&mut self.full_latency),
            heals,
            bytes_per_link: self
                .net
                .bytes_by_class()
                .into_iter()
                .map(|(c, n, total, max)| crate::report::LinkBytes { class: c.as_str().to_owned(), links: n, total_bytes: total, mean_bytes: total / n.max(1) as u64, max_bytes: max })
                .collect(),
            revocation_propagation_ms: Percentiles::of(&mut revocation_ms.iter().copied().filter(|v| *v != u64::MAX).collect::<Vec<_>>()),
            revocation_sites_unreached: unreached as u64,
            sessions: self.sessions_held,
            session_reroutes: self.reroutes,
            session_reroute_gap_ms: Percentiles::of(&mut self.reroute_gaps),
            anti_entropy_rounds: self.syncs_run,
            refused: self.rejected.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
            steps_skipped_unreplicated: self.steps_skipped,
            events_ignored_by_fold: self.ignored_by_fold,
            invariant_violations: crate::report::ViolationCounts {
                sent_outside_audience: self.violations.sent_outside_audience,
                admitted_from_revoked: self.violations.admitted_from_revoked,
                held_outside_audience: self.violations.held_outside_audience,
            },
            digest: self.digest(),
            backlog: std::mem::take(&mut self.backlog),
            windows: std::mem::take(&mut self.windows),
            central_latencies_ms: std::mem::take(&mut self.central_latency),
            wall_seconds: 0.0,
            events_per_wall_second: 0.0,
        }
    }
}
