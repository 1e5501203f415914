//! Recording uploads: every node sends its own sealed segments and signed indexes to the
//! session's central bridge point (the hub) and to central, and its signed indexes to every
//! linked site of the session's audience (the points and their ancestors), which relay other
//! sites' indexes on in turn; an interrupted file resumes where it stopped, every file's
//! BLAKE3 is checked on arrival, and an index is stored only if its signature verifies under
//! its authoring site's key.
//!
//! Uses `site`, `federation`, `records` and `recording`. Owns the upload channel of a link
//! (registered with the federation's channel registry) and the uploader task. The exchange for
//! one file, on its own bidirectional stream (first byte [`UPLOAD_CHANNEL`]):
//!
//! ```text
//! sender   → Offer { path: "<session>/<site>/<publisher>/<file>", size, hash }   (frame)
//! receiver → Resume { have }          bytes it already holds durably (0, …, size)
//! sender   → the file's bytes from `have` to `size`                            (raw)
//! receiver → Done { ok, reason, lasting }   after the checks, fsync and rename    (frame)
//! ```
//!
//! Frames are CBOR with a 4-byte big-endian length, like replication's. The receiving side is
//! [`receive`] (offer checks; a segment goes through [`disk`]'s writer thread, an index
//! through [`relay`]'s checks). What was acknowledged is remembered in the store (key
//! `uploaded:<site>:<path>` → the file's hash), so nothing is sent twice across restarts; a
//! changed index (after each sealed segment) is sent again. A receiver also remembers that the
//! sender holds what it sent, so an index is not relayed back where it came from.

mod disk;
mod read;
mod receive;
pub mod relay;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use quinn::{Connection, RecvStream, SendStream};
use serde::{Deserialize, Serialize};
use tracing::{debug, info, warn};

use crate::federation::channels::{BiChannel, Channels};
use crate::federation::Federation;
use crate::recording::{self, RECORDINGS_DIR};
use crate::records::SiteRecords;
use crate::site::lock::Unpoisoned;
use crate::site::LocalSite;

pub use receive::{receive, Refused};
pub use relay::IndexRefused;

/// First byte of a bidirectional stream carrying one recording file.
pub const UPLOAD_CHANNEL: u8 = tiepdan_protocol::channel::UPLOAD;
/// Largest segment file accepted (a segment is at most 8 MiB by default; leave room for other
/// limits). An index is bounded by [`recording::index::MAX_INDEX_BYTES`].
pub const MAX_UPLOAD_BYTES: u64 = 256 * 1024 * 1024;
/// Largest control frame.
const MAX_FRAME: usize = 4096;
/// How often the uploader looks for new files (it also wakes when an index arrives to relay).
pub const SCAN_INTERVAL_MS: u64 = 2_000;
/// Bytes read from disk at a time and handed to QUIC as one chunk (QUIC takes ownership, so
/// nothing is copied between the file and the packets).
const SEND_CHUNK: usize = 4 * 1024 * 1024;
/// QUIC chunks taken per read call: each call locks the connection once, so reading many at a
/// time leaves the connection's driver more room to decrypt the next packets.
const READ_BATCH: usize = 64;
/// Uploads received at the same time; more wait for a slot before they are answered. Each
/// uses up to [`disk::BUFFERS_PER_UPLOAD`] buffers of [`disk::BUFFER_BYTES`] (17 MiB).
pub const MAX_CONCURRENT_RECEIVES: usize = 4;
/// An upload where nothing moves for this long (no answer, no bytes taken or arriving) is
/// dropped, so a stalled peer cannot hold the uploader or a receiving slot; it resumes later.
pub const STALL_TIMEOUT: Duration = Duration::from_secs(60);
/// Pooled block buffers are freed after this long without a segment upload.
const BUFFERS_KEPT_MS: u64 = 10_000;
/// Progress entries kept for the API; beyond it finished ones are forgotten.
const MAX_PROGRESS: usize = 4096;
/// Files (own segments and indexes, other sites' indexes) one scan looks at.
const MAX_SCANNED: usize = 65_536;
/// Suffix of a segment being received.
const PARTIAL_SUFFIX: &str = ".upload";

/// One frame of the upload exchange (see the module doc); public for the fuzz targets.
#[derive(Debug, Serialize, Deserialize)]
pub enum Msg {
    Offer {
        path: String,
        size: u64,
        #[serde(with = "serde_bytes")]
        hash: [u8; 32],
    },
    Resume {
        have: u64,
    },
    /// `lasting`: a refusal this version of the file will always get (not a busy receiver or
    /// a session it does not hold yet); absent from older nodes' answers.
    Done {
        ok: bool,
        reason: String,
        #[serde(default)]
        lasting: bool,
    },
}

/// The receiving site answered that it will not take a file (its reason says why).
#[derive(Debug, thiserror::Error)]
#[error("{target} {} {rel}: {reason}", if *after_bytes { "did not verify" } else { "refused" })]
pub struct Refusal {
    pub target: String,
    pub rel: String,
    pub reason: String,
    /// Refused after the bytes arrived (their hash or content), not at the offer.
    pub after_bytes: bool,
    /// This version of the file will always be refused there (see [`receive::Refused::lasting`]).
    pub lasting: bool,
}

/// Progress of one file toward one site.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Progress {
    pub size: u64,
    pub sent: u64,
    /// Where this upload started (non-zero: it resumed an interrupted one).
    pub resumed_from: u64,
    pub done: bool,
    /// The receiving site's reason when it refused this file at the last attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}

/// Uploads of this node: progress per (target site, file), counters, the files being received
/// now, and the uploader's wake-up call.
pub struct Uploads {
    site: Arc<LocalSite>,
    federation: Arc<Federation>,
    records: Arc<SiteRecords>,
    /// Ourselves, for the tasks an upload stream starts.
    me: std::sync::Weak<Uploads>,
    /// What this node sends, file by file.
    pub sending: SendProgress,
    /// Destination files being received now: one upload per file at a time.
    busy: Mutex<BTreeSet<PathBuf>>,
    /// Uploads in progress here, by sending site.
    by_site: Mutex<std::collections::BTreeMap<String, usize>>,
    slots: tokio::sync::Semaphore,
    /// Block buffers of finished uploads, reused by the next ones (a fresh buffer costs a page
    /// fault per 4 KiB); emptied once no upload was received for [`BUFFERS_KEPT_MS`].
    buffers: Mutex<Vec<disk::AlignedBuf>>,
    /// When a segment upload last finished (ms since the node started; 0: never).
    last_receive_ms: AtomicU64,
    /// Rung when another site's index arrived, so it is relayed without waiting for the scan.
    wake: tokio::sync::Notify,
    pub bytes_received: AtomicU64,
    pub files_verified: AtomicU64,
    pub files_refused: AtomicU64,
    /// Other sites' indexes stored here after their signature verified.
    pub indexes_relayed: AtomicU64,
}

impl Uploads {
    /// The uploads of this site; [`Uploads::start`] serves the upload channel and starts the
    /// uploader.
    pub fn new(
        site: Arc<LocalSite>,
        federation: Arc<Federation>,
        records: Arc<SiteRecords>,
    ) -> Arc<Uploads> {
        Arc::new_cyclic(|me| Uploads {
            site,
            federation,
            records,
            me: me.clone(),
            sending: SendProgress::default(),
            busy: Mutex::default(),
            by_site: Mutex::default(),
            slots: tokio::sync::Semaphore::new(MAX_CONCURRENT_RECEIVES),
            buffers: Mutex::default(),
            last_receive_ms: AtomicU64::new(0),
            wake: tokio::sync::Notify::new(),
            bytes_received: AtomicU64::new(0),
            files_verified: AtomicU64::new(0),
            files_refused: AtomicU64::new(0),
            indexes_relayed: AtomicU64::new(0),
        })
    }

    pub fn start(self: &Arc<Self>, channels: &Channels) {
        channels.serve_bi(UPLOAD_CHANNEL, self.clone());
        tokio::spawn(uploader(self.clone()));
    }
}

impl BiChannel for Uploads {
    fn accept(&self, site: &str, send: SendStream, recv: RecvStream) {
        let (Some(node), site) = (self.me.upgrade(), site.to_owned()) else {
            return;
        };
        tokio::spawn(async move {
            if let Err(e) = receive(node, site.clone(), send, recv).await {
                debug!(%site, "recording upload ended: {e}");
            }
        });
    }
}

/// What a node sends: the progress of each (target site, file) and the bytes sent. A sender
/// outside a node (the benchmark, a test's bare peer) keeps its own.
#[derive(Default)]
pub struct SendProgress {
    progress: Mutex<BTreeMap<(String, String), Progress>>,
    pub bytes_sent: AtomicU64,
}

impl SendProgress {
    /// Progress of every file of `session_id`: (target, path, progress).
    pub fn of_session(&self, session_id: &str) -> Vec<(String, String, Progress)> {
        let prefix = format!("{session_id}/");
        let p = self.progress.locked();
        p.iter()
            .filter(|((_, path), _)| path.starts_with(&prefix))
            .map(|((t, path), pr)| (t.clone(), path.clone(), pr.clone()))
            .collect()
    }

    fn set(&self, target: &str, path: &str, f: impl FnOnce(&mut Progress)) {
        let mut p = self.progress.locked();
        if p.len() >= MAX_PROGRESS {
            p.retain(|_, pr| !pr.done);
        }
        f(p.entry((target.to_owned(), path.to_owned())).or_default());
    }
}

impl Uploads {
    fn take_buffer(&self) -> disk::AlignedBuf {
        let pooled = self.buffers.locked().pop();
        pooled.unwrap_or_else(|| disk::AlignedBuf::with_capacity(disk::BUFFER_BYTES))
    }

    fn give_buffer(&self, buf: disk::AlignedBuf, now_ms: u64) {
        self.last_receive_ms.store(now_ms, Ordering::Relaxed);
        let mut pool = self.buffers.locked();
        if pool.len() < MAX_CONCURRENT_RECEIVES * disk::BUFFERS_PER_UPLOAD {
            pool.push(buf);
        }
    }

    /// Frees the pooled buffers once nothing was received for a while, so an idle node holds
    /// none, while a burst of uploads (every point at the end of a session) reuses them.
    fn trim_when_idle(&self, now_ms: u64) {
        let quiet =
            now_ms.saturating_sub(self.last_receive_ms.load(Ordering::Relaxed)) >= BUFFERS_KEPT_MS;
        if quiet && self.slots.available_permits() == MAX_CONCURRENT_RECEIVES {
            self.buffers.locked().clear();
        }
    }

    /// Claims `dest` for one upload; `None` while another upload of it runs.
    fn claim(&self, dest: &Path) -> Option<Claim<'_>> {
        let mut busy = self.busy.locked();
        busy.insert(dest.to_path_buf()).then(|| Claim {
            uploads: self,
            dest: dest.to_path_buf(),
        })
    }
}

impl Uploads {
    /// One of the `max` upload slots of `site`; `None` while it holds them all.
    fn site_slot(&self, site: &str, max: usize) -> Option<SiteSlot<'_>> {
        let mut by_site = self.by_site.locked();
        let n = by_site.entry(site.to_owned()).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(SiteSlot {
            uploads: self,
            site: site.to_owned(),
        })
    }
}

/// An upload slot of one sending site; released when dropped.
struct SiteSlot<'a> {
    uploads: &'a Uploads,
    site: String,
}

impl Drop for SiteSlot<'_> {
    fn drop(&mut self) {
        let mut by_site = self.uploads.by_site.locked();
        if let Some(n) = by_site.get_mut(&self.site) {
            *n -= 1;
            if *n == 0 {
                by_site.remove(&self.site);
            }
        }
    }
}

/// A destination file being received; released when dropped.
struct Claim<'a> {
    uploads: &'a Uploads,
    dest: PathBuf,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        self.uploads.busy.locked().remove(&self.dest);
    }
}

/// A frame: the 4-byte big-endian length, then the CBOR of `msg`.
pub fn encode(msg: &Msg) -> Vec<u8> {
    let body = cbor4ii::serde::to_vec(Vec::new(), msg).unwrap_or_default();
    let mut out = (body.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(&body);
    out
}

async fn read_msg(recv: &mut RecvStream) -> anyhow::Result<Msg> {
    let mut len = [0u8; 4];
    recv.read_exact(&mut len).await?;
    let len = u32::from_be_bytes(len) as usize;
    anyhow::ensure!(len <= MAX_FRAME, "upload frame of {len} bytes is too large");
    let mut body = vec![0u8; len];
    recv.read_exact(&mut body).await?;
    Ok(decode_msg(&body)?)
}

/// Decodes the body of one frame (what follows its length prefix, at most 4096 bytes).
pub fn decode_msg(body: &[u8]) -> Result<Msg, tiepdan_protocol::cbor::ExactError> {
    tiepdan_protocol::cbor::decode_exact(body, "upload frame")
}

/// `f`, or an error once it made no progress for [`STALL_TIMEOUT`].
async fn stalled<T>(f: impl std::future::Future<Output = T>) -> anyhow::Result<T> {
    tokio::time::timeout(STALL_TIMEOUT, f)
        .await
        .map_err(|_| anyhow::anyhow!("the upload stalled for {} s", STALL_TIMEOUT.as_secs()))
}

fn hash_file(path: &Path) -> std::io::Result<[u8; 32]> {
    let mut h = blake3::Hasher::new();
    let mut f = std::fs::File::open(path)?;
    let mut buf = vec![0u8; SEND_CHUNK];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(*h.finalize().as_bytes())
}

/// The store key saying `site` holds `rel` (value: the hash of the version it holds).
fn held_key(site: &str, rel: &str) -> String {
    format!("uploaded:{site}:{rel}")
}

/// What uploads need to know of a session held here: its hub and its audience.
#[derive(Debug, Clone)]
pub(crate) struct SessionView {
    pub hub: Option<String>,
    pub audience: BTreeSet<String>,
}

/// The session as this node holds it, or `None` when it does not hold it. The only place
/// uploads look into the case index.
pub(crate) fn session_view(node: &Uploads, session: &str) -> Option<SessionView> {
    let cases = node.records.held();
    let e = cases.sessions.get(session)?;
    Some(SessionView {
        hub: e.state.chair_site().map(str::to_owned),
        audience: e.audience.clone(),
    })
}

/// Sends one file to a linked site, resuming where it stopped. Returns the bytes sent.
pub async fn send_file(
    progress: &SendProgress,
    target: &str,
    conn: &Connection,
    full: &Path,
    rel: &str,
    hash: Option<[u8; 32]>,
) -> anyhow::Result<u64> {
    send_file_until(progress, target, conn, full, rel, hash, None).await
}

/// [`send_file`], ending the stream after the chunk that reaches `stop_after` bytes of this
/// attempt (to test resumption).
/// `hash`, when the caller knows it (a sealed segment's is in the signed index), saves reading
/// the file twice.
pub async fn send_file_until(
    progress: &SendProgress,
    target: &str,
    conn: &Connection,
    full: &Path,
    rel: &str,
    hash: Option<[u8; 32]>,
    stop_after: Option<u64>,
) -> anyhow::Result<u64> {
    let full2 = full.to_path_buf();
    let (size, hash) = tokio::task::spawn_blocking(move || -> std::io::Result<(u64, [u8; 32])> {
        let size = std::fs::metadata(&full2)?.len();
        Ok((
            size,
            match hash {
                Some(h) => h,
                None => hash_file(&full2)?,
            },
        ))
    })
    .await??;
    let (mut send, mut recv) = conn.open_bi().await?;
    send.write_all(&[UPLOAD_CHANNEL]).await?;
    send.write_all(&encode(&Msg::Offer {
        path: rel.to_owned(),
        size,
        hash,
    }))
    .await?;
    let have = match stalled(read_msg(&mut recv)).await?? {
        Msg::Resume { have } if have <= size => have,
        Msg::Done {
            reason, lasting, ..
        } => return Err(refusal(progress, target, rel, reason, false, lasting)),
        other => anyhow::bail!("unexpected {other:?}"),
    };
    progress.set(target, rel, |p| {
        p.size = size;
        p.sent = have;
        p.resumed_from = have;
        p.done = false;
    });
    if have > 0 && have < size {
        info!(%target, %rel, have, size, "resuming an interrupted upload");
    }
    // A thread reads ahead (reading a file may block, and must not block the runtime); each
    // chunk it reads goes to QUIC as it is.
    let mut reader = read::Reader::start(full.to_path_buf(), have, size);
    let mut sent = have;
    while sent < size {
        if stop_after.is_some_and(|limit| sent - have >= limit) {
            // Ends the stream short, as a sender that shuts down does: what was written still
            // arrives (however large the windows), and the receiver says what it holds.
            send.finish()?;
            let answer = stalled(read_msg(&mut recv)).await??;
            anyhow::bail!("stopped after {} bytes on purpose: {answer:?}", sent - have);
        }
        let chunk = match reader.next().await {
            Some(Ok(c)) => c,
            Some(Err(e)) => anyhow::bail!("{rel}: {e}"),
            None => anyhow::bail!("{rel}: the reader stopped"),
        };
        let n = chunk.len() as u64;
        stalled(send.write_chunk(chunk)).await??;
        sent += n;
        progress.bytes_sent.fetch_add(n, Ordering::Relaxed);
        progress.set(target, rel, |p| p.sent = sent);
    }
    match stalled(read_msg(&mut recv)).await?? {
        Msg::Done { ok: true, .. } => {
            progress.set(target, rel, |p| {
                p.done = true;
                p.refused = None;
            });
            let _ = send.finish();
            Ok(size - have)
        }
        Msg::Done {
            reason, lasting, ..
        } => Err(refusal(progress, target, rel, reason, true, lasting)),
        other => anyhow::bail!("unexpected {other:?}"),
    }
}

/// Notes the refusal in the progress shown to operators, and makes it the error.
fn refusal(
    progress: &SendProgress,
    target: &str,
    rel: &str,
    reason: String,
    after_bytes: bool,
    lasting: bool,
) -> anyhow::Error {
    progress.set(target, rel, |p| p.refused = Some(reason.clone()));
    Refusal {
        target: target.to_owned(),
        rel: rel.to_owned(),
        reason,
        after_bytes,
        lasting,
    }
    .into()
}

/// A file the uploader may send: `rel` is its path under `recordings/`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Held {
    rel: String,
    full: PathBuf,
    session: String,
    /// The site whose recording it is.
    author: String,
    kind: relay::FileKind,
}

/// What the uploader looks at: this site's sealed segments and indexes (segments first, each
/// publisher's index after its segments) and the indexes of other sites held here.
fn held_files(root: &Path, us: &str) -> Vec<Held> {
    let mut out = Vec::new();
    let base = root.join(RECORDINGS_DIR);
    let Ok(sessions) = std::fs::read_dir(&base) else {
        return out;
    };
    for s in sessions.flatten() {
        let session = s.file_name().to_string_lossy().into_owned();
        let Ok(sites) = std::fs::read_dir(s.path()) else {
            continue;
        };
        for site_dir in sites.flatten() {
            let author = site_dir.file_name().to_string_lossy().into_owned();
            let Ok(publishers) = std::fs::read_dir(site_dir.path()) else {
                continue;
            };
            for p in publishers.flatten() {
                let publisher = p.file_name().to_string_lossy().into_owned();
                let mut names = Vec::new();
                if author == us {
                    let Ok(files) = std::fs::read_dir(p.path()) else {
                        continue;
                    };
                    names = files
                        .flatten()
                        .map(|f| f.file_name().to_string_lossy().into_owned())
                        .filter(|n| recording::parse_segment_file_name(n).is_some())
                        .collect();
                    names.sort();
                }
                if p.path().join(recording::INDEX_FILE).exists() {
                    names.push(recording::INDEX_FILE.to_owned());
                }
                for n in names {
                    let kind = if n == recording::INDEX_FILE {
                        relay::FileKind::Index
                    } else {
                        relay::FileKind::Segment
                    };
                    out.push(Held {
                        rel: format!("{session}/{author}/{publisher}/{n}"),
                        full: p.path().join(&n),
                        session: session.clone(),
                        author: author.clone(),
                        kind,
                    });
                    if out.len() >= MAX_SCANNED {
                        return out;
                    }
                }
            }
        }
    }
    out
}

/// First wait before a file version a site refused for good (a diverging index, a hash that
/// does not match) is offered to it again; it doubles with each refusal, up to
/// [`REFUSED_MAX_WAIT_MS`], so the receiver is not asked, and does not warn, every few seconds.
/// Passing refusals (busy, session not held there yet) are retried at the next scan.
const REFUSED_FIRST_WAIT_MS: u64 = 4_000;
const REFUSED_MAX_WAIT_MS: u64 = 10 * 60_000;

/// A file version a site refused for good: when to offer it again.
struct RefusedThere {
    hash: [u8; 32],
    refusals: u32,
    retry_at_ms: u64,
}

/// How each file a sending task offered fared: (path, hash, the reason of a lasting refusal).
type Outcomes = Vec<(String, [u8; 32], Option<String>)>;

/// One file to send to one site.
struct Work {
    file: Held,
    hash: [u8; 32],
}

/// The uploader: every [`SCAN_INTERVAL_MS`] (or at once when an index arrived to relay), sends
/// each linked site what it should hold and lacks ([`relay::targets`] says who gets what).
/// Each site is served by a task of its own, so a slow or stalled site delays only itself;
/// the scan goes on for the others meanwhile.
async fn uploader(node: Arc<Uploads>) {
    // A file's hash is computed once per version (length and modification time), not at every
    // scan: sealed segments never change, and the index changes once per sealed segment.
    let mut hashes: BTreeMap<PathBuf, (u64, std::time::SystemTime, [u8; 32])> = BTreeMap::new();
    let mut refused: BTreeMap<(String, String), RefusedThere> = BTreeMap::new();
    // One sending task per site at a time; a site whose task still runs is left to it.
    let mut tasks: tokio::task::JoinSet<Outcomes> = tokio::task::JoinSet::new();
    let mut sending: BTreeMap<tokio::task::Id, String> = BTreeMap::new();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(SCAN_INTERVAL_MS)) => {}
            _ = node.wake.notified() => {}
        }
        if node.federation.is_shutting_down() {
            return;
        }
        let now_ms = node.site.started.elapsed().as_millis() as u64;
        while let Some(done) = tasks.try_join_next_with_id() {
            // A task that failed (it cannot, short of a bug) frees its site all the same.
            let (id, outcomes) = match done {
                Ok((id, outcomes)) => (id, outcomes),
                Err(e) => (e.id(), Vec::new()),
            };
            let Some(target) = sending.remove(&id) else {
                continue;
            };
            for (rel, hash, refusal) in outcomes {
                note_outcome(&mut refused, target.clone(), rel, hash, refusal, now_ms);
            }
        }
        node.trim_when_idle(now_ms);
        let root = node.site.data.root().to_path_buf();
        let us = node.site.site.code.clone();
        let files = tokio::task::spawn_blocking(move || held_files(&root, &us))
            .await
            .unwrap_or_default();
        let mut seen = BTreeSet::new();
        let busy: BTreeSet<String> = sending.values().cloned().collect();
        let mut work: BTreeMap<String, (Connection, Vec<Work>)> = BTreeMap::new();
        for f in files {
            let Some(view) = session_view(&node, &f.session) else {
                continue;
            };
            let targets = relay::targets(
                f.kind,
                &f.author,
                &node.site.site.code,
                view.hub.as_deref(),
                &view.audience,
            );
            if targets.is_empty() {
                continue;
            }
            let Ok(meta) = std::fs::metadata(&f.full) else {
                continue;
            };
            seen.insert(f.full.clone());
            let version = (meta.len(), meta.modified().unwrap_or(std::time::UNIX_EPOCH));
            let hash = match hashes.get(&f.full) {
                Some((len, modified, h)) if (*len, *modified) == version => *h,
                _ => {
                    let full = f.full.clone();
                    let Ok(Ok(h)) = tokio::task::spawn_blocking(move || hash_file(&full)).await
                    else {
                        continue;
                    };
                    hashes.insert(f.full.clone(), (version.0, version.1, h));
                    h
                }
            };
            for target in targets {
                if busy.contains(&target) {
                    continue;
                }
                if node
                    .site
                    .store
                    .meta(&held_key(&target, &f.rel))
                    .ok()
                    .flatten()
                    .as_deref()
                    == Some(hash.as_slice())
                {
                    continue;
                }
                if refused
                    .get(&(target.clone(), f.rel.clone()))
                    .is_some_and(|r| r.hash == hash && now_ms < r.retry_at_ms)
                {
                    continue;
                }
                if let Some((_, list)) = work.get_mut(&target) {
                    list.push(Work {
                        file: f.clone(),
                        hash,
                    });
                    continue;
                }
                let conn = node.federation.connection(&target);
                if let Some(conn) = conn {
                    work.insert(
                        target,
                        (
                            conn,
                            vec![Work {
                                file: f.clone(),
                                hash,
                            }],
                        ),
                    );
                }
            }
        }
        for (target, (conn, list)) in work {
            let task = tasks.spawn(send_all(node.clone(), target.clone(), conn, list));
            sending.insert(task.id(), target);
        }
        // Forget the hashes of files that are gone, so the cache stays as large as the folder;
        // and refusals of files no longer held.
        hashes.retain(|p, _| seen.contains(p));
        refused.retain(|(_, rel), _| {
            seen.contains(&node.site.data.root().join(RECORDINGS_DIR).join(rel))
        });
    }
}

/// Sends `list` to `target`, one file after another, and remembers what it holds. Returns each
/// file's outcome: the reason when `target` refused it for good, else `None` (taken, or to be
/// tried again at the next scan).
async fn send_all(
    node: Arc<Uploads>,
    target: String,
    conn: Connection,
    list: Vec<Work>,
) -> Outcomes {
    let mut out = Vec::new();
    for Work { file, hash } in list {
        let refusal = match send_file(
            &node.sending,
            &target,
            &conn,
            &file.full,
            &file.rel,
            Some(hash),
        )
        .await
        {
            Ok(_) => {
                if let Err(e) = node
                    .site
                    .store
                    .put_meta(&held_key(&target, &file.rel), &hash)
                {
                    warn!("cannot remember an upload: {e}");
                }
                None
            }
            Err(e) => match e.downcast::<Refusal>() {
                Ok(r) if r.lasting => Some(r.reason),
                Ok(r) => {
                    debug!(%target, rel = %file.rel, "upload deferred (retried at the next scan): {}", r.reason);
                    None
                }
                Err(e) => {
                    debug!(%target, rel = %file.rel, "upload interrupted (retried later): {e}");
                    if conn.close_reason().is_some() {
                        break; // the link is gone: the rest waits for the next scan
                    }
                    None
                }
            },
        };
        out.push((file.rel, hash, refusal));
    }
    out
}

/// Records how a file fared at `target`: a lasting refusal pushes its next offer back.
fn note_outcome(
    refused: &mut BTreeMap<(String, String), RefusedThere>,
    target: String,
    rel: String,
    hash: [u8; 32],
    refusal: Option<String>,
    now_ms: u64,
) {
    let key = (target, rel);
    let Some(reason) = refusal else {
        refused.remove(&key);
        return;
    };
    let r = refused.entry(key.clone()).or_insert(RefusedThere {
        hash,
        refusals: 0,
        retry_at_ms: 0,
    });
    if r.hash != hash {
        *r = RefusedThere {
            hash,
            refusals: 0,
            retry_at_ms: 0,
        };
    }
    r.refusals += 1;
    r.retry_at_ms = now_ms + refused_wait_ms(r.refusals);
    if r.refusals == 1 {
        warn!(target = %key.0, rel = %key.1, "a recording file was refused (offered again later, less and less often): {reason}");
    }
}

/// The wait after the `refusals`-th refusal of one version.
fn refused_wait_ms(refusals: u32) -> u64 {
    REFUSED_FIRST_WAIT_MS
        .saturating_mul(1 << refusals.saturating_sub(1).min(16))
        .min(REFUSED_MAX_WAIT_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lasting_refusal_is_offered_again_less_and_less_often() {
        let mut refused = BTreeMap::new();
        let key = ("VN".to_owned(), "S/00004/cam/index.cbor".to_owned());
        let refuse = |r: &mut BTreeMap<_, _>, hash: u8, now: u64| {
            note_outcome(
                r,
                key.0.clone(),
                key.1.clone(),
                [hash; 32],
                Some("diverges".into()),
                now,
            )
        };
        refuse(&mut refused, 1, 0);
        assert_eq!(refused[&key].retry_at_ms, REFUSED_FIRST_WAIT_MS);
        refuse(&mut refused, 1, 4_000);
        assert_eq!(refused[&key].retry_at_ms, 4_000 + 2 * REFUSED_FIRST_WAIT_MS);
        for _ in 0..40 {
            refuse(&mut refused, 1, 1_000_000);
        }
        assert_eq!(
            refused[&key].retry_at_ms,
            1_000_000 + REFUSED_MAX_WAIT_MS,
            "the wait stops growing"
        );
        // Another version of the file starts over; a taken one is forgotten.
        refuse(&mut refused, 2, 2_000_000);
        assert_eq!(
            (refused[&key].refusals, refused[&key].retry_at_ms),
            (1, 2_000_000 + REFUSED_FIRST_WAIT_MS)
        );
        note_outcome(
            &mut refused,
            key.0.clone(),
            key.1.clone(),
            [2; 32],
            None,
            2_000_001,
        );
        assert!(refused.is_empty());
        // Which refusals last: a busy receiver or a session it does not hold yet can pass.
        assert!(
            !receive::Refused::Busy.lasting()
                && !receive::Refused::SessionNotHeld("S".into()).lasting()
        );
        assert!(
            receive::Refused::HashMismatch.lasting()
                && receive::Refused::NotARecordingFile("x".into()).lasting()
        );
    }
}
