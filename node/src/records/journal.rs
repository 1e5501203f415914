//! Group commit of this site's own events (issue 14): every commit that arrives while the
//! previous flush runs is written in the next transaction, so concurrent officers share one
//! disk flush instead of queueing for one each. Nothing is answered before its flush.
//!
//! One thread owns the writing; callers block on [`Journal::write`] until the transaction that
//! holds their events is durable. The queue is bounded ([`QUEUE_MAX`]), so a disk that stalls
//! holds callers back instead of filling memory; a transaction takes at most [`GROUP_MAX`]
//! commits.

use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::site::LocalSite;

/// Commits waiting for the writer at most; more callers wait to enqueue.
pub const QUEUE_MAX: usize = 4096;
/// Commits written in one transaction at most.
pub const GROUP_MAX: usize = 1024;

/// One event to store: (record id, event id, signed bytes).
pub type Row = (String, [u8; 32], Vec<u8>);

struct Commit {
    rows: Vec<Row>,
    /// A yearly counter (the log-book number) to raise in the same transaction.
    counter: Option<(String, u64)>,
    done: mpsc::SyncSender<Result<(), String>>,
}

/// The writer thread of a site's own events.
pub struct Journal {
    queue: Option<mpsc::SyncSender<Commit>>,
    writer: Option<JoinHandle<()>>,
}

impl Journal {
    pub fn start(site: Arc<LocalSite>) -> std::io::Result<Journal> {
        let (queue, commits) = mpsc::sync_channel::<Commit>(QUEUE_MAX);
        let writer = std::thread::Builder::new()
            .name("journal".into())
            .spawn(move || write_groups(&site, &commits))?;
        Ok(Journal {
            queue: Some(queue),
            writer: Some(writer),
        })
    }

    /// Stores `rows` (and raises `counter`) durably, in one transaction with whatever else was
    /// waiting. Returns once that transaction is flushed; the error is the store's.
    pub fn write(&self, rows: Vec<Row>, counter: Option<(String, u64)>) -> Result<(), String> {
        let (done, result) = mpsc::sync_channel(1);
        let queue = self.queue.as_ref().ok_or("the journal is closed")?;
        queue
            .send(Commit {
                rows,
                counter,
                done,
            })
            .map_err(|_| "the journal's writer has stopped".to_owned())?;
        result
            .recv()
            .map_err(|_| "the journal's writer has stopped".to_owned())?
    }
}

impl Drop for Journal {
    /// Lets the writer finish what is queued, then waits for it, so the store is closed when
    /// the records are dropped.
    fn drop(&mut self) {
        self.queue.take();
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
    }
}

fn write_groups(site: &LocalSite, commits: &mpsc::Receiver<Commit>) {
    while let Ok(first) = commits.recv() {
        // Whatever queued while the last flush ran goes into this one.
        let mut group = vec![first];
        while group.len() < GROUP_MAX {
            match commits.try_recv() {
                Ok(c) => group.push(c),
                Err(_) => break,
            }
        }
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
            .put_events_raising(&rows, &counters)
            .map(|_| ())
            .map_err(|e| e.to_string());
        site.metrics.journal_group(group.len() as u64);
        for c in group {
            // A caller that gave up waiting is no one to tell.
            let _ = c.done.send(result.clone());
        }
    }
}
