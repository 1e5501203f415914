//! Group commit of this site's own events (issue 14): every commit that arrives while a flush
//! runs is written in the next transaction, so concurrent officers share one disk flush
//! instead of queueing for one each. Nothing is answered before its flush.
//!
//! There is no writer thread: a caller that finds no flush running leads one, writing
//! everything queued (its own commit among it) in one transaction; callers that arrive
//! meanwhile queue and wait, and when the flush ends the first of them leads the next. A lone
//! officer's reception is written on its own request thread, with no hand-over; under load one
//! flush carries many. A transaction takes at most [`GROUP_MAX`] commits; callers beyond
//! [`QUEUE_MAX`] waiting wait to enqueue, so a disk that stalls holds callers back instead of
//! filling memory.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};

use crate::site::LocalSite;

/// Commits waiting for a flush at most; more callers wait to enqueue.
pub const QUEUE_MAX: usize = 4096;
/// Commits written in one transaction at most.
pub const GROUP_MAX: usize = 1024;

/// One event to store: (record id, event id, signed bytes).
pub type Row = (String, [u8; 32], Vec<u8>);

struct Commit {
    seq: u64,
    rows: Vec<Row>,
    /// A yearly counter (the log-book number) to raise in the same transaction.
    counter: Option<(String, u64)>,
}

#[derive(Default)]
struct State {
    queue: Vec<Commit>,
    /// A leader is writing.
    writing: bool,
    next_seq: u64,
    /// Results of flushed commits not yet taken by their callers.
    done: HashMap<u64, Result<(), String>>,
}

/// The group-commit queue of a site's own events.
#[derive(Default)]
pub struct Journal {
    state: Mutex<State>,
    /// Signalled after every flush, and when the queue has room again.
    flushed: Condvar,
}

impl Journal {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock leaves plain data; go on with it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores `rows` (and raises `counter`) durably, in one transaction with whatever else is
    /// waiting. Returns once that transaction is flushed; the error is the store's.
    pub fn write(
        &self,
        site: &LocalSite,
        rows: Vec<Row>,
        counter: Option<(String, u64)>,
    ) -> Result<(), String> {
        let mut state = self.lock();
        while state.queue.len() >= QUEUE_MAX {
            state = self.flushed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        let seq = state.next_seq;
        state.next_seq += 1;
        state.queue.push(Commit { seq, rows, counter });
        loop {
            if let Some(result) = state.done.remove(&seq) {
                return result;
            }
            if state.writing {
                // The leader's flush will carry it, or the one after.
                state = self.flushed.wait(state).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            // Lead one flush: everything queued, ours among it.
            state.writing = true;
            let take = state.queue.len().min(GROUP_MAX);
            let group: Vec<Commit> = state.queue.drain(..take).collect();
            drop(state);
            let result = write_group(site, &group);
            state = self.lock();
            for c in &group {
                state.done.insert(c.seq, result.clone());
            }
            state.writing = false;
            // Those carried take their results; the first of the rest leads the next flush.
            self.flushed.notify_all();
        }
    }
}

/// One transaction for every commit of `group`.
fn write_group(site: &LocalSite, group: &[Commit]) -> Result<(), String> {
    let rows: Vec<(&str, [u8; 32], &[u8])> = group
        .iter()
        .flat_map(|c| c.rows.iter())
        .map(|(record, id, bytes)| (record.as_str(), *id, bytes.as_slice()))
        .collect();
    let counters: Vec<(&str, u64)> = group
        .iter()
        .filter_map(|c| c.counter.as_ref())
        .map(|(name, n)| (name.as_str(), *n))
        .collect();
    let result = site
        .store
        .put_events_logged(&rows, &counters)
        .map(|_| ())
        .map_err(|e| e.to_string());
    site.metrics.journal_group(group.len() as u64);
    result
}
