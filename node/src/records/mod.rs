//! The replicated records a site holds: every case and session log it is in the audience of,
//! with their folded state, and the authors' keys; and their replication between linked sites.
//!
//! Uses `site` and `federation`. Cases and sessions share this one index (a session links
//! cases; both are signed event DAGs with an audience), so they share its lock and the counter
//! lock that gives new records their numbers. The state machine itself is
//! `tiepdan_protocol::records`, so the simulator runs the same admission, fold, audience and
//! push decisions; this folder adds storage at start, the push queue, and the I/O of
//! replication ([`replication`]).

pub mod journal;
pub mod replication;
pub mod verify;

use crate::language::Message;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use tiepdan_protocol::log::{Actor, VerifiedEvent};

use tokio::sync::mpsc;
use tracing::warn;

use crate::site::lock::Unpoisoned;
use crate::site::LocalSite;
use journal::Journal;
pub use replication::Push;
use tiepdan_protocol::records::sign_chain_by;

/// Why an operation on a case or session failed. Input errors leave everything stored as it was.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    #[error("{0}")]
    BadInput(Message),
    #[error("{0}")]
    NotFound(Message),
    #[error("{0}")]
    Forbidden(Message),
    #[error("{0}")]
    Conflict(Message),
    /// An act the record's state does not allow now (the fold would ignore it).
    #[error("{0}")]
    NotNow(Message),
    /// The detail is for the log; the person reads `error-store`.
    #[error("store: {0}")]
    Store(String),
}

/// Every record this site holds (cases, sessions, author keys).
pub type Records = tiepdan_protocol::records::Records;

/// The records of this site, shared by cases, sessions, uploads and replication.
pub struct SiteRecords {
    pub site: Arc<LocalSite>,
    held: Mutex<Records>,
    /// The last number given out of each counter (the log-book STT, session numbers): a
    /// number is taken here, before its record is durable, so two requests at once never get
    /// the same one while the journal flushes the first.
    numbering: Mutex<BTreeMap<String, u64>>,
    /// Writes this site's own events, grouping concurrent commits into one flush.
    journal: Journal,
    /// New events waiting to be pushed to linked audience sites (set when replication runs;
    /// an offline CLI command has none and anti-entropy delivers later).
    push_queue: OnceLock<mpsc::Sender<Push>>,
}

impl SiteRecords {
    /// Rebuilds the index from the store: every stored event, and the authors' keys and chains
    /// (ours included, so a new case's audience can be sealed to at once).
    pub fn load(site: Arc<LocalSite>) -> anyhow::Result<SiteRecords> {
        let mut held = Records::default();
        for (code, k, chain) in site.store.site_keys()? {
            held.site_keys.insert(code.clone(), k);
            if let Ok(der) = cbor4ii::serde::from_slice::<Vec<Vec<u8>>>(&chain) {
                held.site_chains.insert(code, der);
            }
        }
        // Our own chain names our key and our ancestors' (a commune's chain carries its
        // province's CA key and central's root key): enough to seal an identity to a new
        // case's audience.
        for (code, k) in site.chain.site_keys() {
            held.site_keys.insert(code, k);
        }
        held.site_chains.insert(
            site.site.code.clone(),
            site.chain.der_list().iter().map(|c| c.to_vec()).collect(),
        );
        let loaded = held.load_stored(site.store.all_events()?);
        if loaded > 0 {
            tracing::info!(
                events = loaded,
                cases = held.entries.len(),
                "case records loaded"
            );
        }
        Ok(SiteRecords {
            site,
            held: Mutex::new(held),
            numbering: Mutex::new(BTreeMap::new()),
            journal: Journal::default(),
            push_queue: OnceLock::new(),
        })
    }

    /// The index, locked.
    pub fn held(&self) -> MutexGuard<'_, Records> {
        self.held.locked()
    }

    /// The index if nobody holds it now (the media path never waits for it).
    pub fn try_held(&self) -> Option<MutexGuard<'_, Records>> {
        self.held.try_lock().ok()
    }

    /// Takes the next number of `counter` whose record id (`id_of(n)`) this site does not
    /// hold, and that id: past the stored counter and every number given out since. A node
    /// never creates an id it already holds (a store restored from an older backup has an
    /// older counter). Commit the record with the counter at `n`; a commit that fails leaves
    /// its number unused (the next record takes the one after), never given twice.
    pub fn next_number(
        &self,
        counter: &str,
        id_of: impl Fn(u64) -> String,
    ) -> Result<(u64, String), OpError> {
        let mut given = self.numbering.locked();
        let stored = self
            .site
            .store
            .counter(counter)
            .map_err(|e| OpError::Store(e.to_string()))?;
        let mut n = stored.max(given.get(counter).copied().unwrap_or(0)) + 1;
        let held = self.held();
        while held.log_of(&id_of(n)).is_some() {
            n += 1;
        }
        drop(held);
        given.insert(counter.to_owned(), n);
        Ok((n, id_of(n)))
    }

    /// Hands freshly durable events to the pusher (no-op when offline, e.g. a CLI command:
    /// anti-entropy delivers them when the node next runs).
    pub fn replicate(&self, case_id: &str, events: Vec<Vec<u8>>, widened: Vec<String>) {
        self.replicate_from(case_id, events, widened, None);
    }

    pub fn replicate_from(
        &self,
        case_id: &str,
        events: Vec<Vec<u8>>,
        widened: Vec<String>,
        from: Option<String>,
    ) {
        if let Some(tx) = self.push_queue.get() {
            if tx
                .try_send(Push {
                    case_id: case_id.to_owned(),
                    events,
                    widened,
                    from,
                })
                .is_err()
            {
                warn!(%case_id, "push queue full; anti-entropy will deliver these events");
            }
        }
    }

    pub(crate) fn set_push_queue(&self, tx: mpsc::Sender<Push>) {
        let _ = self.push_queue.set(tx);
    }

    /// Signs encoded payloads for one case or session (`id`), naming `by` as who wrote them,
    /// stores them durably (with `counter` raised to its number), then applies them and pushes
    /// them out. Nothing is visible, answered or pushed before it is durable; a store failure
    /// leaves memory as it was.
    ///
    /// The index is locked only to sign and to apply, not while the journal flushes, so
    /// officers at one site share a flush. Two commits to one record at once are signed on the
    /// same heads and become sibling events, as two sites writing at once do.
    pub fn commit(
        &self,
        id: &str,
        payloads: Vec<Vec<u8>>,
        now_ms: u64,
        counter: Option<(&str, u64)>,
        by: Option<Actor>,
    ) -> Result<Vec<VerifiedEvent>, OpError> {
        let signed = sign_chain_by(
            &self.held(),
            &self.site.signing_key,
            &self.site.site.code,
            id,
            now_ms,
            payloads,
            by,
        )
        .map_err(OpError::Store)?;
        let rows = signed
            .iter()
            .map(|v| (id.to_owned(), v.id, v.bytes.clone()))
            .collect();
        self.journal
            .write(
                &self.site,
                rows,
                counter.map(|(name, n)| (name.to_owned(), n)),
            )
            .map_err(OpError::Store)?;
        let mut cases = self.held();
        let before: BTreeSet<String> = cases.audience_of(id).cloned().unwrap_or_default();
        cases.insert(signed.clone());
        let after = cases.audience_of(id).cloned().unwrap_or_default();
        drop(cases);
        self.site
            .metrics
            .events_accepted("local", signed.len() as u64);
        let widened: Vec<String> = after.difference(&before).cloned().collect();
        self.replicate(
            id,
            signed.iter().map(|v| v.bytes.clone()).collect(),
            widened,
        );
        Ok(signed)
    }
}
