//! Case records held at this site: the log book (Sổ tiếp công dân), each case's signed event
//! DAG and its folded state, and the audience rule that decides what may be stored or sent.
//!
//! Owns the in-memory index (rebuilt from the store at start) and the checks on events from
//! peers: signature by a site whose chain verified, this site in the case's audience, no
//! replays. Writes go to the store first (fsync) and only then into memory, so an API answer
//! or an acknowledgement never precedes durability. Protocol decisions (fold, order, audience,
//! deadlines) are `tiepdan_protocol::case` and `tiepdan_protocol::log`; this module only wires
//! them to storage and keys.

use std::collections::{BTreeMap, BTreeSet};

use serde_bytes::ByteBuf;
use tiepdan_protocol::case::{self, AppliedEvent, CaseEvent, CaseState};
use tiepdan_protocol::log::{self, CaseLog, EventBody, EventId, Insert, VerifiedEvent};

/// Batches at least this large are verified on every core.
pub const PARALLEL_VERIFY_MIN: usize = 256;

/// Largest number of cases one site holds in memory (far above a province's yearly volume).
pub const CASES_MAX: usize = 1_000_000;

/// Why an event from a peer was not taken. Labels are stable metric values.
#[derive(Debug, thiserror::Error)]
pub enum Rejected {
    #[error("event does not decode: {0}")]
    Malformed(String),
    #[error("event signature does not verify: {0}")]
    BadSignature(String),
    #[error("event author {0} has no verified certificate here")]
    UnknownAuthor(String),
    #[error("this site is not in the audience of case {0}")]
    OutOfAudience(String),
    #[error("the sender {sender} is not in the audience of case {case}")]
    SenderOutOfAudience { sender: String, case: String },
    #[error("event already held (replay)")]
    Replayed,
    #[error("store: {0}")]
    Store(String),
}

impl Rejected {
    pub fn reason(&self) -> &'static str {
        match self {
            Rejected::Malformed(_) => "malformed",
            Rejected::BadSignature(_) => "bad_signature",
            Rejected::UnknownAuthor(_) => "unknown_author",
            Rejected::OutOfAudience(_) => "out_of_audience",
            Rejected::SenderOutOfAudience { .. } => "sender_out_of_audience",
            Rejected::Replayed => "replayed",
            Rejected::Store(_) => "store",
        }
    }
}

/// One case: its DAG, the state folded from it, and what replication asks of it all the time
/// (its audience, its event ids) kept ready instead of recomputed per question.
pub struct CaseEntry {
    pub log: CaseLog,
    pub state: CaseState,
    pub audience: BTreeSet<String>,
    pub ids: Vec<EventId>,
}

impl CaseEntry {
    fn new(case_id: &str) -> CaseEntry {
        CaseEntry { log: CaseLog::new(case_id), state: CaseState::new(case_id), audience: BTreeSet::new(), ids: Vec::new() }
    }

    fn refold(&mut self) {
        self.state = fold(&self.log);
        self.ids = self.log.ordered_ids();
        self.audience = self.state.audience();
    }
}

/// The case state of a log: its events folded in the DAG's deterministic order.
pub fn fold(log: &CaseLog) -> CaseState {
    let mut state = CaseState::new(log.case_id());
    for ev in log.ordered() {
        if let Ok(decoded) = case::decode_event(&ev.body.payload) {
            state.apply(AppliedEvent { id: ev.id, author: &ev.body.author, at_ms: ev.body.at_ms, event: &decoded });
        }
    }
    state
}

/// Every case this site holds, plus the public keys of event authors.
#[derive(Default)]
pub struct Cases {
    pub entries: BTreeMap<String, CaseEntry>,
    /// Ed25519 public keys of sites whose chains verified here.
    pub site_keys: BTreeMap<String, [u8; 32]>,
    /// Their chains (DER list), forwarded with events so receivers can verify authors.
    pub site_chains: BTreeMap<String, Vec<Vec<u8>>>,
}

impl Cases {
    pub fn get(&self, case_id: &str) -> Option<&CaseEntry> {
        self.entries.get(case_id)
    }

    /// True when `site` may see the case.
    pub fn in_audience(&self, case_id: &str, site: &str) -> bool {
        self.entries.get(case_id).is_some_and(|e| e.audience.contains(site))
    }

    /// Checks a batch of signed events from `sender` (None: made here) as they would be once
    /// inserted, without keeping them. Each case is judged on its folded state after the whole
    /// batch: a case transferred to us arrives as its history plus the transfer, and only the
    /// transfer makes us audience. Returns the accepted events (in input order) and the refusals.
    pub fn check_batch(&self, batch: &[Vec<u8>], us: &str, sender: Option<&str>) -> (Vec<VerifiedEvent>, Vec<Rejected>) {
        let mut rejected = Vec::new();
        let mut seen = BTreeSet::new();
        let mut by_case: BTreeMap<String, Vec<VerifiedEvent>> = BTreeMap::new();
        // Signature checks dominate: spread them over the cores for large batches.
        let verified: Vec<Result<VerifiedEvent, Rejected>> = if batch.len() >= PARALLEL_VERIFY_MIN {
            let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 8);
            let chunk = batch.len().div_ceil(workers);
            std::thread::scope(|s| {
                let handles: Vec<_> = batch.chunks(chunk).map(|c| s.spawn(move || c.iter().map(|b| self.verify_one(b)).collect::<Vec<_>>())).collect();
                // A worker only panics on a bug; fall back to verifying nothing from it.
                handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
            })
        } else {
            batch.iter().map(|b| self.verify_one(b)).collect()
        };
        for result in verified {
            match result {
                Ok(ev) => {
                    let dup = !seen.insert(ev.id) || self.entries.get(&ev.body.case_id).is_some_and(|e| e.log.contains(&ev.id));
                    if dup {
                        rejected.push(Rejected::Replayed);
                    } else {
                        by_case.entry(ev.body.case_id.clone()).or_default().push(ev);
                    }
                }
                Err(r) => rejected.push(r),
            }
        }
        let mut accepted = Vec::new();
        for (case_id, events) in by_case {
            let mut trial = match self.entries.get(&case_id) {
                Some(e) => e.log.clone(),
                None => CaseLog::new(&case_id),
            };
            for ev in &events {
                let _ = trial.insert(ev.clone());
            }
            let audience = fold(&trial).audience();
            let refusal = if !audience.contains(us) {
                Some(Rejected::OutOfAudience(case_id.clone()))
            } else {
                sender.filter(|s| !audience.contains(*s)).map(|s| Rejected::SenderOutOfAudience { sender: s.to_owned(), case: case_id.clone() })
            };
            match refusal {
                Some(r) => {
                    for _ in 1..events.len() {
                        rejected.push(Rejected::OutOfAudience(case_id.clone()));
                    }
                    rejected.push(r);
                }
                None => accepted.extend(events),
            }
        }
        (accepted, rejected)
    }

    fn verify_one(&self, bytes: &[u8]) -> Result<VerifiedEvent, Rejected> {
        let unverified = log::decode_event(bytes).map_err(|e| Rejected::Malformed(e.to_string()))?;
        let author = unverified.body.author.clone();
        let raw = self.site_keys.get(&author).ok_or(Rejected::UnknownAuthor(author))?;
        // Strict verification: a malleated signature would otherwise make a second event id
        // for the same content.
        let ev = unverified.verify(raw).map_err(|e| Rejected::BadSignature(e.to_string()))?;
        // Decoding validates the domain event too.
        case::decode_event(&ev.body.payload).map_err(|e| Rejected::Malformed(e.to_string()))?;
        Ok(ev)
    }

    /// Adds verified events (already durable) to memory and refolds the touched cases.
    pub fn insert(&mut self, events: Vec<VerifiedEvent>) -> usize {
        let mut touched = BTreeSet::new();
        let mut added = 0;
        for ev in events {
            let case_id = ev.body.case_id.clone();
            if self.entries.len() >= CASES_MAX && !self.entries.contains_key(&case_id) {
                continue;
            }
            let entry = self
                .entries
                .entry(case_id.clone())
                .or_insert_with(|| CaseEntry::new(&case_id));
            match entry.log.insert(ev) {
                Ok(Insert::Added) => {
                    added += 1;
                    touched.insert(case_id);
                }
                Ok(Insert::Duplicate) | Ok(Insert::Pending { .. }) | Err(_) => {}
            }
        }
        for c in touched {
            if let Some(e) = self.entries.get_mut(&c) {
                e.refold();
            }
        }
        added
    }

    /// Loads events read back from our own store: they were verified before they were stored,
    /// so only their structure is checked again.
    pub fn load_stored(&mut self, stored: Vec<(String, Vec<u8>)>) -> usize {
        let events: Vec<VerifiedEvent> = stored
            .into_iter()
            .filter_map(|(_, bytes)| log::decode_event(&bytes).ok())
            .map(|u| u.danger_assume_verified())
            .collect();
        self.insert(events)
    }

    /// Event ids of every case both `us` and `peer` may hold, sorted: the set two linked sites
    /// reconcile.
    pub fn shared_ids(&self, peer: &str) -> Vec<EventId> {
        let mut ids: Vec<EventId> = self
            .entries
            .values()
            .filter(|e| e.audience.contains(peer))
            .flat_map(|e| e.ids.iter().copied())
            .collect();
        ids.sort_unstable();
        ids
    }

    /// The signed bytes of these events, parents before children, only those `peer` may see.
    pub fn bytes_for(&self, peer: &str, ids: &BTreeSet<EventId>) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for e in self.entries.values() {
            if !e.audience.contains(peer) {
                continue;
            }
            // `ids` is in DAG order, so parents go before children.
            for id in e.ids.iter().filter(|id| ids.contains(*id)) {
                if let Some(ev) = e.log.get(id) {
                    out.push(ev.bytes.clone());
                }
            }
        }
        out
    }

    /// Chains of the authors of `events`, for a receiver that may not know them.
    pub fn chains_for(&self, events: &[Vec<u8>]) -> Vec<Vec<ByteBuf>> {
        let authors: BTreeSet<String> =
            events.iter().filter_map(|b| log::decode_event(b).ok()).map(|e| e.body.author).collect();
        authors
            .iter()
            .filter_map(|a| self.site_chains.get(a))
            .map(|c| c.iter().map(|d| ByteBuf::from(d.clone())).collect())
            .collect()
    }
}

/// Builds and signs an event of `case_id` by `author` on top of the case's current heads.
pub fn sign_new_event(
    cases: &Cases,
    signing_key: &ed25519_dalek::SigningKey,
    author: &str,
    case_id: &str,
    at_ms: u64,
    event: &CaseEvent,
) -> Result<VerifiedEvent, String> {
    let parents = cases.get(case_id).map(|e| e.log.next_parents()).unwrap_or_default();
    let body = EventBody {
        v: 1,
        case_id: case_id.to_owned(),
        author: author.to_owned(),
        parents: parents.iter().map(|p| ByteBuf::from(p.to_vec())).collect(),
        at_ms,
        payload: ByteBuf::from(case::encode_event(event)),
    };
    let bytes = log::sign_event(&body, signing_key);
    log::verify_event(&bytes, &signing_key.verifying_key().to_bytes()).map_err(|e| e.to_string())
}
