//! Records held at a site: each case's signed event DAG and its folded state, each online
//! reception session's DAG and state, the author keys they are checked against, and the
//! replication decisions that follow from them: what to admit from a peer, which linked sites a
//! new event is pushed or forwarded to, and which events a peer may be sent. Cases, sessions and
//! report submissions travel the same way; a log id starting with `S-` is a session, one
//! starting with `R-` a submitted report.
//!
//! This is the state machine both the node and the simulator run. The node wraps it with
//! storage (writes are durable before [`Records::install`]) and parallel signature checks; the
//! simulator drives it over virtual links. No I/O, no clock (`at_ms` is passed in).

use std::collections::{BTreeMap, BTreeSet};

use crate::case::{self, AppliedEvent, CaseEvent, CaseState};
use crate::log::{self, CaseLog, EventBody, EventId, Insert, UnverifiedEvent, VerifiedEvent};
use crate::session::{self, SessionEvent, SessionState};
use crate::submission::{self, SubmissionEvent, SubmissionState};
use ed25519_dalek::VerifyingKey;
use serde_bytes::ByteBuf;

/// Largest number of cases one site holds in memory (far above a province's yearly volume).
pub const CASES_MAX: usize = 1_000_000;
/// Most records (cases and sessions) one site may own in another's memory: a busy commune
/// receives a few thousand citizens a year, so twenty years fit. One compromised site cannot
/// take the whole of [`CASES_MAX`] from the others.
pub const RECORDS_PER_SITE_MAX: usize = 200_000;
/// Most bytes of events waiting for their parents, all records of one owner site together.
/// Each record bounds its own (`MAX_PENDING_BYTES`); this bounds a site that opens many.
pub const PENDING_BYTES_PER_SITE_MAX: usize = 64 * 1024 * 1024;

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
    #[error("record {record} belongs to site {owner}: its first events cannot come from {author}")]
    NotOwner {
        record: String,
        owner: String,
        author: String,
    },
    #[error("event of {author} dated {at_ms} ms is after its key was revoked (at {since} s): a revoked site signs nothing new")]
    RevokedAuthor {
        author: String,
        at_ms: u64,
        since: u64,
    },
    #[error("{owner} is over its quota of {what} here (at most {max}): refused until the site is checked")]
    OverQuota {
        owner: String,
        what: &'static str,
        max: usize,
    },
    #[error("the log of {record} refuses the event: {error}")]
    Log {
        record: String,
        error: crate::log::LogError,
    },
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
            Rejected::NotOwner { .. } => "not_owner",
            Rejected::RevokedAuthor { .. } => "revoked_author",
            Rejected::OverQuota { what, .. } => what,
            Rejected::Log { error, .. } => error.reason(),
            Rejected::Store(_) => "store",
        }
    }
}

/// The site a record id names: `SITE-YEAR-STT` for a case, `S-SITE-YEAR-N` for a session,
/// `R-SITE-PERIOD-FORM` for a submitted report.
/// Only that site may sign a record's first events (those without parents), so no site can
/// take another's future ids and turn its real reception into an ignored second one.
pub fn owner_of(id: &str) -> Option<&str> {
    let rest = id
        .strip_prefix(session::SESSION_ID_PREFIX)
        .or_else(|| id.strip_prefix(submission::SUBMISSION_ID_PREFIX))
        .unwrap_or(id);
    rest.split('-').next().filter(|s| !s.is_empty())
}

/// A first event (no parents) signed by a site other than the one its record id names.
fn foreign_genesis(ev: &VerifiedEvent) -> Option<Rejected> {
    if !ev.body.parents.is_empty() {
        return None;
    }
    let owner = owner_of(&ev.body.case_id).unwrap_or("");
    (owner != ev.body.author).then(|| Rejected::NotOwner {
        record: ev.body.case_id.clone(),
        owner: owner.to_owned(),
        author: ev.body.author.clone(),
    })
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
        CaseEntry {
            log: CaseLog::new(case_id),
            state: CaseState::new(case_id),
            audience: BTreeSet::new(),
            ids: Vec::new(),
        }
    }

    fn refold(&mut self) {
        self.state = fold(&self.log);
        self.ids = self.log.ordered_ids();
        self.audience = self.state.audience();
    }
}

/// The case state of a log: its events folded in the DAG's deterministic order.
pub fn fold(log: &CaseLog) -> CaseState {
    fold_with(log, &BTreeMap::new())
}

/// [`fold`], taking the payloads of `decoded` events as already decoded.
fn fold_with(log: &CaseLog, decoded: &BTreeMap<EventId, &CaseEvent>) -> CaseState {
    let mut state = CaseState::new(log.case_id());
    for ev in log.ordered() {
        let fresh;
        let event = match decoded.get(&ev.id) {
            Some(e) => *e,
            None => match case::decode_event(&ev.body.payload) {
                Ok(e) => {
                    fresh = e;
                    &fresh
                }
                Err(_) => continue,
            },
        };
        state.apply(AppliedEvent {
            by: ev.body.by.as_ref(),
            id: ev.id,
            author: &ev.body.author,
            at_ms: ev.body.at_ms,
            event,
        });
    }
    state
}

/// A decoded event payload: a case's, a session's or a submitted report's.
pub enum Payload {
    Case(CaseEvent),
    Session(SessionEvent),
    Submission(SubmissionEvent),
}

/// Decodes the payload of `ev` as its log kind requires (which also validates it).
pub fn decode_payload(ev: &VerifiedEvent) -> Result<Payload, Rejected> {
    if session::is_session_id(&ev.body.case_id) {
        session::decode_event(&ev.body.payload)
            .map(Payload::Session)
            .map_err(|e| Rejected::Malformed(e.to_string()))
    } else if submission::is_submission_id(&ev.body.case_id) {
        submission::decode_event(&ev.body.payload)
            .map(Payload::Submission)
            .map_err(|e| Rejected::Malformed(e.to_string()))
    } else {
        case::decode_event(&ev.body.payload)
            .map(Payload::Case)
            .map_err(|e| Rejected::Malformed(e.to_string()))
    }
}

/// An event whose signature verified and whose payload decoded.
pub struct CheckedEvent {
    pub event: VerifiedEvent,
    pub payload: Payload,
}

/// One online reception session: its DAG, its folded state, its audience and event ids.
pub struct SessionEntry {
    pub log: CaseLog,
    pub state: SessionState,
    pub audience: BTreeSet<String>,
    pub ids: Vec<EventId>,
}

impl SessionEntry {
    fn from_log(log: CaseLog) -> SessionEntry {
        let state = SessionState::fold_log(&log);
        SessionEntry {
            audience: state.audience(),
            ids: log.ordered_ids(),
            state,
            log,
        }
    }
}

/// One site's submitted report for a form and period: its DAG, its fold, its audience (the
/// site and its ancestors) and event ids.
pub struct SubmissionEntry {
    pub log: CaseLog,
    pub state: SubmissionState,
    pub audience: BTreeSet<String>,
    pub ids: Vec<EventId>,
}

impl SubmissionEntry {
    fn from_log(log: CaseLog) -> SubmissionEntry {
        let state = SubmissionState::fold_log(&log);
        SubmissionEntry {
            audience: state.audience(),
            ids: log.ordered_ids(),
            state,
            log,
        }
    }
}

/// A case, a session or a submitted report, as admission prepares it.
pub enum Entry {
    Case(CaseEntry),
    Session(SessionEntry),
    Submission(SubmissionEntry),
}

impl Entry {
    pub fn audience(&self) -> &BTreeSet<String> {
        match self {
            Entry::Case(e) => &e.audience,
            Entry::Session(e) => &e.audience,
            Entry::Submission(e) => &e.audience,
        }
    }

    fn pending_bytes(&self) -> usize {
        match self {
            Entry::Case(e) => e.log.pending_bytes(),
            Entry::Session(e) => e.log.pending_bytes(),
            Entry::Submission(e) => e.log.pending_bytes(),
        }
    }
}

/// What [`Records::admit`] decided for a batch: the events to store, and each touched record as
/// it will be once they are stored (installed with [`Records::install`] after the commit).
pub struct Admission {
    pub accepted: Vec<VerifiedEvent>,
    pub rejected: Vec<Rejected>,
    pub entries: Vec<(String, Entry)>,
}

/// Parses a batch of signed events (structure only; see [`verify_events`]).
pub fn decode_batch<B: AsRef<[u8]>>(batch: &[B]) -> Vec<Result<UnverifiedEvent, Rejected>> {
    batch
        .iter()
        .map(|b| log::decode_event(b.as_ref()).map_err(|e| Rejected::Malformed(e.to_string())))
        .collect()
}

/// Verifies decoded events under their authors' `keys` and validates their payloads, in one
/// thread (the node splits a large batch across cores and calls this per chunk). Decompressing
/// a key costs about as much as a signature check, so each author's key is decompressed once.
pub fn verify_events(
    decoded: Vec<Result<UnverifiedEvent, Rejected>>,
    keys: &BTreeMap<String, [u8; 32]>,
) -> Vec<Result<CheckedEvent, Rejected>> {
    let verifying: BTreeMap<&str, Option<VerifyingKey>> = keys
        .iter()
        .map(|(site, raw)| (site.as_str(), VerifyingKey::from_bytes(raw).ok()))
        .collect();
    let mut out: Vec<Option<Result<CheckedEvent, Rejected>>> = Vec::with_capacity(decoded.len());
    let mut checkable = Vec::new();
    let mut slots = Vec::new();
    for d in decoded {
        let slot = out.len();
        out.push(None);
        let prepared = d.and_then(|u| match verifying.get(u.author()) {
            Some(Some(k)) => Ok((u, *k)),
            Some(None) => Err(Rejected::BadSignature(log::EventError::BadKey.to_string())),
            None => Err(Rejected::UnknownAuthor(u.author().to_owned())),
        });
        match prepared {
            Ok(item) => {
                checkable.push(item);
                slots.push(slot);
            }
            Err(r) => out[slot] = Some(Err(r)),
        }
    }
    for (slot, result) in slots.into_iter().zip(log::verify_many(checkable)) {
        out[slot] = Some(
            result
                .map_err(|e| Rejected::BadSignature(e.to_string()))
                .and_then(|ev| {
                    // Decoding validates the domain event too; the fold reuses the result.
                    let payload = decode_payload(&ev)?;
                    Ok(CheckedEvent { event: ev, payload })
                }),
        );
    }
    out.into_iter()
        .map(|r| r.unwrap_or_else(|| Err(Rejected::Malformed("not checked".into()))))
        .collect()
}

/// Refuses checked events whose author's key was revoked before the event's date:
/// `revoked_since(author)` is when (unix seconds) the key this site holds for the author
/// stopped signing, as `RevocationList::key_revoked_since` tells. What the site signed before
/// its revocation stays valid history. An author's clock can lie, so this bounds a revoked key
/// to back-dated events, which the audit shows by their date.
pub fn refuse_revoked(
    checked: Vec<Result<CheckedEvent, Rejected>>,
    mut revoked_since: impl FnMut(&str) -> Option<u64>,
) -> Vec<Result<CheckedEvent, Rejected>> {
    checked
        .into_iter()
        .map(|c| {
            let c = c?;
            let body = &c.event.body;
            match revoked_since(&body.author) {
                Some(since) if body.at_ms > since.saturating_mul(1000) => {
                    Err(Rejected::RevokedAuthor {
                        author: body.author.clone(),
                        at_ms: body.at_ms,
                        since,
                    })
                }
                _ => Ok(c),
            }
        })
        .collect()
}

/// Every case this site holds, plus the public keys of event authors.
#[derive(Default)]
pub struct Records {
    pub entries: BTreeMap<String, CaseEntry>,
    /// Online reception sessions, by session id.
    pub sessions: BTreeMap<String, SessionEntry>,
    /// Submitted reports, by record id.
    pub submissions: BTreeMap<String, SubmissionEntry>,
    /// Ed25519 public keys of sites whose chains verified here.
    pub site_keys: BTreeMap<String, [u8; 32]>,
    /// Their chains (DER list), forwarded with events so receivers can verify authors.
    pub site_chains: BTreeMap<String, Vec<Vec<u8>>>,
    /// What each owner site (the one a record id names) holds here: the quotas' tallies.
    owned: BTreeMap<String, Owned>,
    /// Bumped whenever a record changes, so what is computed from all of them (the event set
    /// shared with a peer) can be kept until it does.
    generation: u64,
}

/// One owner site's tally: its records, and the bytes of their events waiting for parents.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Owned {
    pub records: usize,
    pub pending_bytes: usize,
}

impl Records {
    pub fn get(&self, case_id: &str) -> Option<&CaseEntry> {
        self.entries.get(case_id)
    }

    /// True when `site` may see the case or session.
    pub fn in_audience(&self, id: &str, site: &str) -> bool {
        self.audience_of(id).is_some_and(|a| a.contains(site))
    }

    /// The audience of a case, session or submitted report held here.
    pub fn audience_of(&self, id: &str) -> Option<&BTreeSet<String>> {
        if session::is_session_id(id) {
            self.sessions.get(id).map(|e| &e.audience)
        } else if submission::is_submission_id(id) {
            self.submissions.get(id).map(|e| &e.audience)
        } else {
            self.entries.get(id).map(|e| &e.audience)
        }
    }

    /// The event log of a case, session or submitted report held here.
    pub fn log_of(&self, id: &str) -> Option<&CaseLog> {
        if session::is_session_id(id) {
            self.sessions.get(id).map(|e| &e.log)
        } else if submission::is_submission_id(id) {
            self.submissions.get(id).map(|e| &e.log)
        } else {
            self.entries.get(id).map(|e| &e.log)
        }
    }

    fn records(&self) -> usize {
        self.entries.len() + self.sessions.len() + self.submissions.len()
    }

    /// Changes whenever a record does.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// What `owner` holds here, as the quotas count it.
    pub fn owned_by(&self, owner: &str) -> Owned {
        self.owned.get(owner).copied().unwrap_or_default()
    }

    /// Counts a record put in place: `before` is its pending bytes before (None: new).
    fn tally(&mut self, id: &str, before: Option<usize>, after: usize) {
        self.generation += 1;
        let t = self
            .owned
            .entry(owner_of(id).unwrap_or("").to_owned())
            .or_default();
        if before.is_none() {
            t.records += 1;
        }
        t.pending_bytes = (t.pending_bytes + after).saturating_sub(before.unwrap_or(0));
    }

    /// Checks a batch of signed events from `sender` (None: made here) as they would be once
    /// inserted, without keeping them: [`verify_events`] with this site's keys, then [`Records::admit`].
    pub fn check_batch(&self, batch: &[Vec<u8>], us: &str, sender: Option<&str>) -> Admission {
        let decoded = self.skip_held(decode_batch(batch));
        let keys = self.keys_for(&decoded);
        self.admit(verify_events(decoded, &keys), us, sender)
    }

    /// Marks events this site already holds as replays before their signatures are checked:
    /// an event id is the hash of the signed bytes, so a held id means bytes already verified
    /// here. Two paths deliver most events (the author's push and a forward), so this halves
    /// the signature work of a busy site.
    pub fn skip_held(
        &self,
        decoded: Vec<Result<UnverifiedEvent, Rejected>>,
    ) -> Vec<Result<UnverifiedEvent, Rejected>> {
        decoded
            .into_iter()
            .map(|d| match d {
                Ok(u)
                    if self
                        .log_of(&u.body.case_id)
                        .is_some_and(|l| l.contains(&u.id)) =>
                {
                    Err(Rejected::Replayed)
                }
                other => other,
            })
            .collect()
    }

    /// The public keys of the authors of `decoded` that this site knows.
    pub fn keys_for(
        &self,
        decoded: &[Result<UnverifiedEvent, Rejected>],
    ) -> BTreeMap<String, [u8; 32]> {
        decoded
            .iter()
            .filter_map(|d| d.as_ref().ok())
            .filter_map(|e| Some((e.author().to_owned(), *self.site_keys.get(e.author())?)))
            .collect()
    }

    /// Judges checked events against what this site holds: replays are refused, and each case
    /// on its folded state after the whole batch (a case transferred to us arrives as its history
    /// plus the transfer, and only the transfer makes us audience). The accepted events keep
    /// their input order; the state folded for the judgement is kept for [`Records::install`], so
    /// an accepted case is folded once.
    pub fn admit(
        &self,
        checked: Vec<Result<CheckedEvent, Rejected>>,
        us: &str,
        sender: Option<&str>,
    ) -> Admission {
        let mut rejected = Vec::new();
        let mut seen = BTreeSet::new();
        let mut by_case: BTreeMap<String, Vec<CheckedEvent>> = BTreeMap::new();
        for result in checked {
            match result {
                Ok(c) => {
                    let ev = &c.event;
                    if let Some(r) = foreign_genesis(ev) {
                        rejected.push(r);
                        continue;
                    }
                    let dup = !seen.insert(ev.id)
                        || self
                            .log_of(&ev.body.case_id)
                            .is_some_and(|l| l.contains(&ev.id));
                    if dup {
                        rejected.push(Rejected::Replayed);
                    } else {
                        by_case.entry(ev.body.case_id.clone()).or_default().push(c);
                    }
                }
                Err(r) => rejected.push(r),
            }
        }
        let mut accepted = Vec::new();
        let mut entries = Vec::new();
        // The quotas' tallies as this batch would leave them.
        let mut owned: BTreeMap<String, Owned> = BTreeMap::new();
        for (case_id, events) in by_case {
            let held = self.log_of(&case_id);
            if self.records() + entries.len() >= CASES_MAX && held.is_none() {
                rejected.extend(events.iter().map(|_| {
                    Rejected::Store(format!(
                        "this site holds the maximum of {CASES_MAX} records"
                    ))
                }));
                continue;
            }
            let owner = owner_of(&case_id).unwrap_or("").to_owned();
            let tally = owned
                .entry(owner.clone())
                .or_insert_with(|| self.owned_by(&owner));
            if held.is_none() && tally.records >= RECORDS_PER_SITE_MAX {
                rejected.extend(events.iter().map(|_| Rejected::OverQuota {
                    owner: owner.clone(),
                    what: "records_per_site",
                    max: RECORDS_PER_SITE_MAX,
                }));
                continue;
            }
            let mut trial = match held {
                Some(l) => l.clone(),
                None => CaseLog::new(&case_id),
            };
            let pending_before = trial.pending_bytes();
            let mut added = false;
            let mut taken = Vec::with_capacity(events.len());
            for c in events {
                match trial.insert(c.event.clone()) {
                    Ok(i) => {
                        added |= matches!(i, Insert::Added);
                        taken.push(c);
                    }
                    // Full case, second genesis, …: refused, and not stored either.
                    Err(error) => rejected.push(Rejected::Log {
                        record: case_id.clone(),
                        error,
                    }),
                }
            }
            let events = taken;
            if events.is_empty() {
                continue;
            }
            let pending =
                (tally.pending_bytes + trial.pending_bytes()).saturating_sub(pending_before);
            if pending > PENDING_BYTES_PER_SITE_MAX {
                rejected.extend(events.iter().map(|_| Rejected::OverQuota {
                    owner: owner.clone(),
                    what: "pending_bytes_per_site",
                    max: PENDING_BYTES_PER_SITE_MAX,
                }));
                continue;
            }
            let entry = if session::is_session_id(&case_id) {
                Entry::Session(SessionEntry::from_log(trial))
            } else if submission::is_submission_id(&case_id) {
                Entry::Submission(SubmissionEntry::from_log(trial))
            } else {
                let payloads: BTreeMap<EventId, &CaseEvent> = events
                    .iter()
                    .filter_map(|c| match &c.payload {
                        Payload::Case(e) => Some((c.event.id, e)),
                        Payload::Session(_) | Payload::Submission(_) => None,
                    })
                    .collect();
                let state = fold_with(&trial, &payloads);
                let ids = trial.ordered_ids();
                Entry::Case(CaseEntry {
                    audience: state.audience(),
                    log: trial,
                    state,
                    ids,
                })
            };
            let audience = entry.audience();
            let refusal = if !audience.contains(us) {
                Some(Rejected::OutOfAudience(case_id.clone()))
            } else {
                sender
                    .filter(|s| !audience.contains(*s))
                    .map(|s| Rejected::SenderOutOfAudience {
                        sender: s.to_owned(),
                        case: case_id.clone(),
                    })
            };
            match refusal {
                Some(r) => {
                    for _ in 1..events.len() {
                        rejected.push(Rejected::OutOfAudience(case_id.clone()));
                    }
                    rejected.push(r);
                }
                None => {
                    tally.pending_bytes = pending;
                    if held.is_none() {
                        tally.records += 1;
                    }
                    if added || held.is_none() {
                        entries.push((case_id, entry));
                    }
                    accepted.extend(events.into_iter().map(|c| c.event));
                }
            }
        }
        Admission {
            accepted,
            rejected,
            entries,
        }
    }

    /// Puts the records an [`Admission`] prepared in place, once its events are durable.
    pub fn install(&mut self, entries: Vec<(String, Entry)>) {
        for (id, entry) in entries {
            let before = self.log_of(&id).map(CaseLog::pending_bytes);
            self.tally(&id, before, entry.pending_bytes());
            match entry {
                Entry::Case(e) => {
                    self.entries.insert(id, e);
                }
                Entry::Session(e) => {
                    self.sessions.insert(id, e);
                }
                Entry::Submission(e) => {
                    self.submissions.insert(id, e);
                }
            }
        }
    }

    /// Adds verified events (already durable) to memory and refolds the touched cases.
    pub fn insert(&mut self, events: Vec<VerifiedEvent>) -> usize {
        let mut touched = BTreeSet::new();
        let mut added = 0;
        for ev in events {
            let case_id = ev.body.case_id.clone();
            let before = self.log_of(&case_id).map(CaseLog::pending_bytes);
            if self.records() >= CASES_MAX && before.is_none() {
                continue;
            }
            let log = if session::is_session_id(&case_id) {
                &mut self
                    .sessions
                    .entry(case_id.clone())
                    .or_insert_with(|| SessionEntry::from_log(CaseLog::new(&case_id)))
                    .log
            } else if submission::is_submission_id(&case_id) {
                &mut self
                    .submissions
                    .entry(case_id.clone())
                    .or_insert_with(|| SubmissionEntry::from_log(CaseLog::new(&case_id)))
                    .log
            } else {
                &mut self
                    .entries
                    .entry(case_id.clone())
                    .or_insert_with(|| CaseEntry::new(&case_id))
                    .log
            };
            let result = log.insert(ev);
            let after = log.pending_bytes();
            self.tally(&case_id, before, after);
            match result {
                Ok(Insert::Added) => {
                    added += 1;
                    touched.insert(case_id);
                }
                Ok(Insert::Duplicate) | Ok(Insert::Pending { .. }) | Err(_) => {}
            }
        }
        self.generation += 1;
        for c in touched {
            if let Some(e) = self.entries.get_mut(&c) {
                e.refold();
            }
            if let Some(e) = self.sessions.remove(&c) {
                self.sessions.insert(c, SessionEntry::from_log(e.log));
            } else if let Some(e) = self.submissions.remove(&c) {
                self.submissions.insert(c, SubmissionEntry::from_log(e.log));
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
        let cases = self.entries.values().map(|e| (&e.audience, &e.ids));
        let sessions = self.sessions.values().map(|e| (&e.audience, &e.ids));
        let submissions = self.submissions.values().map(|e| (&e.audience, &e.ids));
        let mut ids: Vec<EventId> = cases
            .chain(sessions)
            .chain(submissions)
            .filter(|(audience, _)| audience.contains(peer))
            .flat_map(|(_, ids)| ids.iter().copied())
            .collect();
        ids.sort_unstable();
        ids
    }

    /// The signed bytes of these events, parents before children, only those `peer` may see.
    pub fn bytes_for(&self, peer: &str, ids: &BTreeSet<EventId>) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let cases = self.entries.values().map(|e| (&e.audience, &e.ids, &e.log));
        let sessions = self
            .sessions
            .values()
            .map(|e| (&e.audience, &e.ids, &e.log));
        let submissions = self
            .submissions
            .values()
            .map(|e| (&e.audience, &e.ids, &e.log));
        for (audience, order, log) in cases.chain(sessions).chain(submissions) {
            if !audience.contains(peer) {
                continue;
            }
            // `order` is the DAG order, so parents go before children.
            for id in order.iter().filter(|id| ids.contains(*id)) {
                if let Some(ev) = log.get(id) {
                    out.push(ev.bytes.clone());
                }
            }
        }
        out
    }

    /// Chains of the authors of `events`, for a receiver that may not know them.
    pub fn chains_for(&self, events: &[Vec<u8>]) -> Vec<Vec<ByteBuf>> {
        let authors: BTreeSet<String> = events
            .iter()
            .filter_map(|b| log::decode_event(b).ok())
            .map(|e| e.body.author)
            .collect();
        authors
            .iter()
            .filter_map(|a| self.site_chains.get(a))
            .map(|c| c.iter().map(|d| ByteBuf::from(d.clone())).collect())
            .collect()
    }
}

/// A record to pass on after an admission: its new events go to the other linked sites of its
/// audience, and `widened` (sites the admission added to the audience) get its whole history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    pub id: String,
    pub events: Vec<Vec<u8>>,
    pub widened: Vec<String>,
}

impl Records {
    /// What to forward after admitting `admission` from `sender`, computed before
    /// [`Records::install`] (the widening is measured against the audience held now). Only
    /// records that reach a linked site other than the sender are forwarded; a site not linked
    /// now gets the events by anti-entropy when it links.
    pub fn forwards(&self, admission: &Admission, sender: &str, linked: &[String]) -> Vec<Forward> {
        let mut by_id: BTreeMap<&str, Vec<Vec<u8>>> = BTreeMap::new();
        for v in &admission.accepted {
            by_id
                .entry(v.body.case_id.as_str())
                .or_default()
                .push(v.bytes.clone());
        }
        let mut out = Vec::new();
        for (id, entry) in &admission.entries {
            let reaches_another = linked
                .iter()
                .any(|l| l != sender && entry.audience().contains(l));
            let Some(events) = by_id.remove(id.as_str()).filter(|_| reaches_another) else {
                continue;
            };
            let before = self.audience_of(id).cloned().unwrap_or_default();
            let widened = entry.audience().difference(&before).cloned().collect();
            out.push(Forward {
                id: id.clone(),
                events,
                widened,
            });
        }
        out
    }

    /// The events of a push of record `id` that linked site `site` gets, or None when `site`
    /// must not get it (not in the audience, or the site it came from). A site that just joined
    /// the audience (`widened`) gets the whole history, parents before children.
    pub fn push_for(
        &self,
        id: &str,
        events: &[Vec<u8>],
        widened: &[String],
        from: Option<&str>,
        site: &str,
    ) -> Option<Vec<Vec<u8>>> {
        if Some(site) == from || !self.in_audience(id, site) {
            return None;
        }
        if widened.iter().any(|w| w == site) {
            return Some(
                self.log_of(id)
                    .map(|l| l.ordered().iter().map(|v| v.bytes.clone()).collect())
                    .unwrap_or_default(),
            );
        }
        Some(events.to_vec())
    }
}

/// Builds and signs an event whose payload is already encoded (a case or a session event) on
/// top of the log's current heads.
pub fn sign_payload(
    records: &Records,
    signing_key: &ed25519_dalek::SigningKey,
    author: &str,
    id: &str,
    at_ms: u64,
    payload: Vec<u8>,
) -> Result<VerifiedEvent, String> {
    sign_payload_by(records, signing_key, author, id, at_ms, payload, None)
}

/// [`sign_payload`], naming the person who wrote the event (`by`).
pub fn sign_payload_by(
    records: &Records,
    signing_key: &ed25519_dalek::SigningKey,
    author: &str,
    id: &str,
    at_ms: u64,
    payload: Vec<u8>,
    by: Option<log::Actor>,
) -> Result<VerifiedEvent, String> {
    let parents = records
        .log_of(id)
        .map(|l| l.next_parents())
        .unwrap_or_default();
    let body = EventBody::new(id, author, &parents, at_ms, payload).by(by);
    let bytes = log::sign_event(&body, signing_key);
    log::verify_event(&bytes, &signing_key.verifying_key().to_bytes()).map_err(|e| e.to_string())
}

/// Signs `payloads` as consecutive events of record `id`: the first on the heads `records`
/// holds now, each next one on the one before, exactly as inserting each before signing the
/// next would chain them, but without touching `records`, so a caller can make them durable
/// first and insert them after. Our own fresh signatures are not checked again.
pub fn sign_chain_by(
    records: &Records,
    signing_key: &ed25519_dalek::SigningKey,
    author: &str,
    id: &str,
    at_ms: u64,
    payloads: Vec<Vec<u8>>,
    by: Option<log::Actor>,
) -> Result<Vec<VerifiedEvent>, String> {
    let mut parents = records
        .log_of(id)
        .map(|l| l.next_parents())
        .unwrap_or_default();
    let mut out = Vec::with_capacity(payloads.len());
    for payload in payloads {
        let body = EventBody::new(id, author, &parents, at_ms, payload).by(by.clone());
        let bytes = log::sign_event(&body, signing_key);
        let v = log::decode_event(&bytes)
            .map_err(|e| e.to_string())?
            .danger_assume_verified();
        parents = vec![v.id];
        out.push(v);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
