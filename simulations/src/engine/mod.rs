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

use crate::net::{key, Net, SiteIx};
use crate::report::{Percentiles, Report};
use crate::rng::SimRng;
use crate::scenario::{Disruption, Scenario};
use crate::workload::{self, Step, KINDS};

mod links;
mod replication;
mod results;
mod revocation;
mod sessions;
mod workload_days;

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
    tiepdan_protocol::replication::encode_repl(&tiepdan_protocol::replication::ReplMsg::Reconcile(
        m.clone(),
    ))
    .len()
}

#[derive(Debug)]
enum Ev {
    Day(u32),
    Reception {
        site: SiteIx,
    },
    Step {
        case: String,
        step: Step,
    },
    Deliver {
        from: SiteIx,
        to: SiteIx,
        epoch: u32,
        msg: Msg,
    },
    Cut {
        links: Vec<(SiteIx, SiteIx)>,
        cut: bool,
        heal: bool,
    },
    Node {
        site: SiteIx,
        down: bool,
        heal: bool,
    },
    Sync {
        a: SiteIx,
        b: SiteIx,
    },
    Dial {
        a: SiteIx,
        b: SiteIx,
    },
    Revoke {
        site: SiteIx,
    },
    Wave {
        share: f64,
    },
    SessionStart {
        hub: SiteIx,
        points: Vec<SiteIx>,
        hours: f64,
    },
    SessionEnd {
        sess: usize,
    },
    RouteCheck {
        sess: usize,
        point: SiteIx,
        cut_at: u64,
    },
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

impl Sim {
    pub fn new(scenario: Scenario, seed: u64, days: u32) -> Sim {
        let registry = Registry::official();
        let mut sites_codes: Vec<String> = Vec::new();
        for s in registry.iter() {
            let keep = scenario.provinces.is_empty()
                || s.level == Level::Central
                || scenario
                    .provinces
                    .iter()
                    .any(|p| s.code == *p || s.parent.as_deref() == Some(p.as_str()));
            if keep {
                sites_codes.push(s.code.clone());
            }
        }
        let index: HashMap<String, SiteIx> = sites_codes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.clone(), i as SiteIx))
            .collect();
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
            records
                .site_keys
                .insert(code.clone(), key.verifying_key().to_bytes());
            sites.push(Site {
                code: code.clone(),
                level: site.level,
                province,
                records,
                revs: RevocationList::new(),
                key,
                down: false,
                next_stt: 0,
                revocation_learned_at: None,
            });
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
        self.queue.push(Item {
            at: at.max(self.now),
            seq: self.seq,
            ev,
        });
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
                Disruption::Partition {
                    provinces,
                    start_h,
                    hours,
                } => {
                    let area: BTreeSet<SiteIx> = self
                        .sites
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| {
                            s.province.is_some_and(|p| {
                                provinces.iter().any(|c| self.sites[p as usize].code == *c)
                            })
                        })
                        .map(|(i, _)| i as SiteIx)
                        .collect();
                    let links = self.net.links_touching(&area);
                    let start = START_MS + (start_h * HOUR as f64) as u64;
                    let end = start + (hours * HOUR as f64) as u64;
                    self.at(
                        start,
                        Ev::Cut {
                            links: links.clone(),
                            cut: true,
                            heal: false,
                        },
                    );
                    self.at(
                        end,
                        Ev::Cut {
                            links,
                            cut: false,
                            heal: true,
                        },
                    );
                    self.windows.push((
                        start_h,
                        (start_h + hours).min(end_h),
                        format!("partition of {} provinces", provinces.len()),
                    ));
                }
                Disruption::Outage {
                    site,
                    start_h,
                    hours,
                } => {
                    let Some(i) = self.ix(&site) else { continue };
                    let start = START_MS + (start_h * HOUR as f64) as u64;
                    self.at(
                        start,
                        Ev::Node {
                            site: i,
                            down: true,
                            heal: false,
                        },
                    );
                    self.at(
                        start + (hours * HOUR as f64) as u64,
                        Ev::Node {
                            site: i,
                            down: false,
                            heal: true,
                        },
                    );
                    self.windows.push((
                        start_h,
                        (start_h + hours).min(end_h),
                        format!("{site} down"),
                    ));
                }
                Disruption::Flapping {
                    share,
                    period_min,
                    down_min,
                    start_h,
                    hours,
                } => {
                    let uplinks: Vec<(SiteIx, SiteIx)> = (0..self.sites.len() as SiteIx)
                        .filter(|&i| self.sites[i as usize].level == Level::Commune)
                        .filter_map(|i| self.sites[i as usize].province.map(|p| (i, p)))
                        .collect();
                    let chosen: Vec<(SiteIx, SiteIx)> = uplinks
                        .into_iter()
                        .filter(|_| self.rng.chance(share))
                        .collect();
                    let start = START_MS + (start_h * HOUR as f64) as u64;
                    let end = start + (hours * HOUR as f64) as u64;
                    let period = (period_min * 60_000.0) as u64;
                    let down = (down_min * 60_000.0) as u64;
                    let mut t = start;
                    while t < end && period > 0 {
                        self.at(
                            t,
                            Ev::Cut {
                                links: chosen.clone(),
                                cut: true,
                                heal: false,
                            },
                        );
                        self.at(
                            t + down,
                            Ev::Cut {
                                links: chosen.clone(),
                                cut: false,
                                heal: t + period >= end,
                            },
                        );
                        t += period;
                    }
                    self.windows
                        .push((start_h, (start_h + hours).min(end_h), "flapping".into()));
                }
                Disruption::Revoke { site, at_h } => {
                    let Some(i) = self.ix(&site) else { continue };
                    self.at(
                        START_MS + (at_h * HOUR as f64) as u64,
                        Ev::Revoke { site: i },
                    );
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
        let work = matches!(
            ev,
            Ev::Day(_)
                | Ev::Reception { .. }
                | Ev::Step { .. }
                | Ev::Wave { .. }
                | Ev::SessionStart { .. }
        );
        if work && self.now >= self.end {
            return;
        }
        match ev {
            Ev::Day(d) => self.day(d),
            Ev::Reception { site } => self.reception(site),
            Ev::Step { case, step } => self.step(&case, step),
            Ev::Deliver {
                from,
                to,
                epoch,
                msg,
            } => self.deliver(from, to, epoch, msg),
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
            Ev::RouteCheck {
                sess,
                point,
                cut_at,
            } => self.route_check(sess, point, cut_at),
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
}
