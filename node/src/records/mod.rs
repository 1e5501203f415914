//! The replicated records a site holds: every case and session log it is in the audience of,
//! with their folded state, and the authors' keys; and their replication between linked sites.
//!
//! Uses `site` and `federation`. Cases and sessions share this one index (a session links
//! cases; both are signed event DAGs with an audience), so they share its lock and the counter
//! lock that gives new records their numbers. The state machine itself is
//! `tiepdan_protocol::records`, so the simulator runs the same admission, fold, audience and
//! push decisions; this folder adds storage at start, the push queue, and the I/O of
//! replication ([`replication`]).

pub mod replication;
pub mod verify;

use crate::language::Message;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use tiepdan_protocol::log::{Actor, VerifiedEvent};

use tokio::sync::mpsc;
use tracing::warn;

use crate::site::lock::Unpoisoned;
use crate::site::LocalSite;
pub use replication::Push;
use verify::sign_payload_by;

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
    /// Held while a new case or session number is read, used and committed, so two requests
    /// at once never get the same number.
    numbering: Mutex<()>,
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
            numbering: Mutex::new(()),
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

    /// The numbering lock: hold it from reading a counter to committing the record it numbers.
    pub fn numbering(&self) -> MutexGuard<'_, ()> {
        self.numbering.locked()
    }

    /// The next number of `counter` whose record id (`id_of(n)`) this site does not hold, and
    /// that id. A node never creates an id it already holds (a store restored from an older
    /// backup has an older counter). Hold [`SiteRecords::numbering`] from here to the commit
    /// that stores the counter.
    pub fn next_number(
        &self,
        counter: &str,
        id_of: impl Fn(u64) -> String,
    ) -> Result<(u64, String), OpError> {
        let mut n = self
            .site
            .store
            .counter(counter)
            .map_err(|e| OpError::Store(e.to_string()))?
            + 1;
        let held = self.held();
        while held.log_of(&id_of(n)).is_some() {
            n += 1;
        }
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
    /// stores them durably, applies them
    /// and pushes them out. On a store failure memory is rebuilt from the store, so nothing
    /// that was not durable stays visible.
    pub fn commit(
        &self,
        id: &str,
        payloads: Vec<Vec<u8>>,
        now_ms: u64,
        counter: Option<(&str, u64)>,
        by: Option<Actor>,
    ) -> Result<Vec<VerifiedEvent>, OpError> {
        let mut cases = self.held();
        let before: BTreeSet<String> = cases.audience_of(id).cloned().unwrap_or_default();
        let mut signed = Vec::new();
        for payload in payloads {
            let v = sign_payload_by(
                &cases,
                &self.site.signing_key,
                &self.site.site.code,
                id,
                now_ms,
                payload,
                by.clone(),
            )
            .map_err(OpError::Store)?;
            // Chain later events of this batch on the earlier ones.
            cases.insert(vec![v.clone()]);
            signed.push(v);
        }
        let rows: Vec<(&str, [u8; 32], &[u8])> = signed
            .iter()
            .map(|v| (id, v.id, v.bytes.as_slice()))
            .collect();
        if let Err(e) = self.site.store.put_events(&rows, counter) {
            drop(rows);
            cases.entries.remove(id);
            cases.sessions.remove(id);
            cases.submissions.remove(id);
            let stored: Vec<(String, Vec<u8>)> = self
                .site
                .store
                .all_events()
                .unwrap_or_default()
                .into_iter()
                .filter(|(c, _)| c == id)
                .collect();
            cases.load_stored(stored);
            return Err(OpError::Store(e.to_string()));
        }
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
