//! The receiving side of an upload stream: checks the offer, answers where to resume, takes
//! the bytes and says whether they were stored.
//!
//! Owns the offer rules: the path is `<session>/<site>/<publisher>/<file>`, the file a sealed
//! segment or the index, the session held here with both this site and the sender in its
//! audience; a segment only from the site that recorded it; an index of any other site (it is
//! relayed), never one of this site's own. A segment's bytes go to [`super::disk`]'s thread as
//! QUIC hands them over; an index is taken whole and stored only after [`super::relay`]'s checks.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use quinn::{RecvStream, SendStream};
use rustls::pki_types::CertificateDer;
use thiserror::Error;
use tracing::{debug, warn};

use super::disk::{self, AlignedBuf, Checkpoints, Gather, Written};
use super::relay::{self, FileKind, Freshness, IndexRefused};
use super::{
    encode, hash_file, held_key, read_msg, session_view, stalled, Msg, Uploads, MAX_UPLOAD_BYTES,
    READ_BATCH,
};

use crate::recording::index::{SignedIndex, MAX_INDEX_BYTES};
use crate::recording::{self, INDEX_FILE};
use crate::site::lock::UnpoisonedRw;

/// Why an upload was refused; the sender gets the message.
#[derive(Debug, Error)]
pub enum Refused {
    #[error("path {0:?} is not <session>/<site>/<publisher>/<file>")]
    BadPath(String),
    #[error("{0:?} is neither a sealed segment nor the index")]
    NotARecordingFile(String),
    #[error("site {from} may only upload its own recordings, not {site}'s (other sites' signed indexes are relayed, their segments are not)")]
    NotOwn { from: String, site: String },
    #[error("this site's ({0}) own recordings are written here only by its recorder")]
    OwnRecording(String),
    #[error("session {0} is not held here")]
    SessionNotHeld(String),
    #[error("site {site} is not in the audience of session {session}")]
    OutsideAudience { site: String, session: String },
    #[error("{0}")]
    BadName(String),
    #[error("{size} bytes is more than the {max} allowed for this file")]
    TooLarge { size: u64, max: u64 },
    #[error("another upload of this file is in progress here; offer it again later")]
    Busy,
    #[error("the file's BLAKE3 does not match the offer")]
    HashMismatch,
    #[error("a sealed segment {0} is already held here with other bytes; a sealed segment never changes")]
    SegmentDiffers(String),
    #[error("interrupted after {held} of {size} bytes")]
    Interrupted { held: u64, size: u64 },
    #[error("the signed index held here lists {file} with other bytes or another length: a segment must be the one its site signed")]
    NotAsIndexed { file: String },
    #[error("the signed index held here is complete and does not list {file}: a finished recording gains no segments")]
    NotInIndex { file: String },
    #[error("site {site} already has {used} bytes of session {session} here; {size} more would pass its budget of {max}")]
    OverBudget {
        site: String,
        session: String,
        used: u64,
        size: u64,
        max: u64,
    },
    #[error("this disk would keep less than {reserve} bytes free: the upload waits until IT staff free space")]
    DiskFull { reserve: u64 },
    #[error(
        "site {0} already has {UPLOADS_PER_SITE} uploads in progress here; offer it again later"
    )]
    SiteBusy(String),
    #[error(transparent)]
    Index(#[from] IndexRefused),
}

impl Refused {
    /// True when offering this same version of the file again would be refused again: only a
    /// busy receiver, a session or audience it does not hold yet and an interrupted transfer
    /// can pass.
    pub fn lasting(&self) -> bool {
        !matches!(
            self,
            Refused::Busy
                | Refused::SessionNotHeld(_)
                | Refused::OutsideAudience { .. }
                | Refused::Interrupted { .. }
                | Refused::DiskFull { .. }
                | Refused::SiteBusy(_)
        )
    }
}

/// Bytes of one session one site may upload here, all its publishers together: a four-hour
/// session of a few cameras at a few Mbit/s, twice over.
pub const SESSION_SITE_BUDGET_BYTES: u64 = 32 * 1024 * 1024 * 1024;
/// Free disk space an upload never takes: the node's own store and recordings need it.
pub const DISK_RESERVE_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Uploads one linked site may have in progress here at once, of the
/// [`super::MAX_CONCURRENT_RECEIVES`]: a peer that trickles cannot hold them all.
pub const UPLOADS_PER_SITE: usize = 2;

impl Refused {
    /// A stable label for logs and metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            Refused::BadPath(_) => "bad_path",
            Refused::NotARecordingFile(_) => "not_a_recording_file",
            Refused::NotOwn { .. } => "not_own",
            Refused::OwnRecording(_) => "own_recording",
            Refused::SessionNotHeld(_) => "session_not_held",
            Refused::OutsideAudience { .. } => "outside_audience",
            Refused::BadName(_) => "bad_name",
            Refused::TooLarge { .. } => "too_large",
            Refused::Busy => "busy",
            Refused::HashMismatch => "hash_mismatch",
            Refused::SegmentDiffers(_) => "segment_differs",
            Refused::Interrupted { .. } => "interrupted",
            Refused::NotAsIndexed { .. } => "not_as_indexed",
            Refused::NotInIndex { .. } => "not_in_index",
            Refused::OverBudget { .. } => "over_budget",
            Refused::DiskFull { .. } => "disk_full",
            Refused::SiteBusy(_) => "site_busy",
            Refused::Index(_) => "index",
        }
    }
}

/// Bytes of the files under `dir` and its sub-folders one level down (a site's publishers).
fn bytes_under(dir: &std::path::Path) -> u64 {
    let Ok(publishers) = std::fs::read_dir(dir) else {
        return 0;
    };
    publishers
        .flatten()
        .filter_map(|p| std::fs::read_dir(p.path()).ok())
        .flat_map(|files| files.flatten())
        .filter_map(|f| f.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

/// Free bytes on the file system of `path`, if the system says.
fn free_bytes(path: &std::path::Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `st` a writable statvfs.
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    (rc == 0).then(|| st.f_bavail as u64 * st.f_frsize as u64)
}

/// The checks of a segment against what is held here, on a blocking thread: the signed index
/// of its publisher, the session's budget for its site, and the disk's reserve.
fn check_segment_here(node: &Uploads, offer: &Offer) -> Result<(), Refused> {
    let dir = offer.dest.parent().unwrap_or(&offer.dest);
    let file = offer
        .dest
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    if dir.join(INDEX_FILE).exists() {
        if let Ok(index) = SignedIndex::read(dir) {
            match index.body().segments.iter().find(|e| e.file == file) {
                Some(e) if e.hash != offer.hash || e.bytes != offer.size => {
                    return Err(Refused::NotAsIndexed { file });
                }
                None if index.body().complete => return Err(Refused::NotInIndex { file }),
                _ => {}
            }
        }
    }
    let site_dir = dir.parent().unwrap_or(dir);
    let used = bytes_under(site_dir);
    if used + offer.size > SESSION_SITE_BUDGET_BYTES {
        return Err(Refused::OverBudget {
            site: offer.site.clone(),
            session: offer.session.clone(),
            used,
            size: offer.size,
            max: SESSION_SITE_BUDGET_BYTES,
        });
    }
    let root = node.site.data.root();
    if free_bytes(root).is_some_and(|free| free < offer.size + DISK_RESERVE_BYTES) {
        return Err(Refused::DiskFull {
            reserve: DISK_RESERVE_BYTES,
        });
    }
    Ok(())
}

/// An offer that passed the checks.
#[derive(Clone)]
struct Offer {
    rel: String,
    dest: PathBuf,
    session: String,
    site: String,
    publisher: String,
    kind: FileKind,
    size: u64,
    hash: [u8; 32],
}

/// What an accepted upload came to.
enum Accepted {
    /// The file is stored (or was already, byte for byte).
    Stored,
    /// An index that lists less than the one held here: the held one is kept.
    NewerHeld,
}

fn check_offer(
    node: &Uploads,
    from: &str,
    path: &str,
    size: u64,
    hash: [u8; 32],
) -> Result<Offer, Refused> {
    let parts: Vec<&str> = path.split('/').collect();
    let [session, site, publisher, file] = parts.as_slice() else {
        return Err(Refused::BadPath(path.to_owned()));
    };
    let kind = match *file {
        INDEX_FILE => FileKind::Index,
        f if recording::parse_segment_file_name(f).is_some() => FileKind::Segment,
        f => return Err(Refused::NotARecordingFile(f.to_owned())),
    };
    if kind == FileKind::Segment && *site != from {
        return Err(Refused::NotOwn {
            from: from.to_owned(),
            site: (*site).to_owned(),
        });
    }
    let us = node.site.site.code.as_str();
    if *site == us {
        return Err(Refused::OwnRecording(us.to_owned()));
    }
    let view = session_view(node, session)
        .ok_or_else(|| Refused::SessionNotHeld((*session).to_owned()))?;
    // Like case events: both ends of the link must be in the audience.
    for s in [us, from] {
        if !view.audience.contains(s) {
            return Err(Refused::OutsideAudience {
                site: s.to_owned(),
                session: (*session).to_owned(),
            });
        }
    }
    let max = match kind {
        FileKind::Segment => MAX_UPLOAD_BYTES,
        FileKind::Index => MAX_INDEX_BYTES,
    };
    if size > max {
        return Err(Refused::TooLarge { size, max });
    }
    let dest = recording::publisher_dir(node.site.data.root(), session, site, publisher)
        .map_err(|e| Refused::BadName(e.to_string()))?
        .join(file);
    Ok(Offer {
        rel: path.to_owned(),
        dest,
        session: (*session).to_owned(),
        site: (*site).to_owned(),
        publisher: (*publisher).to_owned(),
        kind,
        size,
        hash,
    })
}

/// The receiving side of one upload stream.
pub async fn receive(
    node: Arc<Uploads>,
    from: String,
    mut send: SendStream,
    mut recv: RecvStream,
) -> anyhow::Result<()> {
    let Msg::Offer { path, size, hash } = stalled(read_msg(&mut recv)).await?? else {
        anyhow::bail!("expected an offer")
    };
    let offer = match check_offer(&node, &from, &path, size, hash) {
        Ok(o) => o,
        Err(r) => return refuse(&node, &from, &path, &mut send, r).await,
    };
    let Some(_claim) = node.claim(&offer.dest) else {
        return refuse(&node, &from, &path, &mut send, Refused::Busy).await;
    };
    let Some(_site_slot) = node.site_slot(&from, UPLOADS_PER_SITE) else {
        return refuse(
            &node,
            &from,
            &path,
            &mut send,
            Refused::SiteBusy(from.clone()),
        )
        .await;
    };
    // Bounds the memory of uploads received at once; the others wait here, unanswered.
    let _slot = node.slots.acquire().await?;
    let verdict = match offer.kind {
        FileKind::Segment => receive_segment(&node, &offer, &mut send, &mut recv).await?,
        FileKind::Index => receive_index(&node, &from, &offer, &mut send, &mut recv).await?,
    };
    let reason = match verdict {
        Ok(Accepted::Stored) => {
            node.files_verified.fetch_add(1, Ordering::Relaxed);
            debug!(%from, %path, size, "recording file received and verified");
            String::new()
        }
        Ok(Accepted::NewerHeld) => {
            debug!(%from, %path, "an older index was offered; the newer one held here is kept");
            "a newer index of this recording is held here".to_owned()
        }
        Err(r) => return refuse(&node, &from, &path, &mut send, r).await,
    };
    send.write_all(&encode(&Msg::Done {
        ok: true,
        reason,
        lasting: false,
    }))
    .await?;
    let _ = send.finish();
    Ok(())
}

/// Answers `Done { ok: false }` with the reason (before or after the bytes).
async fn refuse(
    node: &Uploads,
    from: &str,
    path: &str,
    send: &mut SendStream,
    r: Refused,
) -> anyhow::Result<()> {
    node.files_refused.fetch_add(1, Ordering::Relaxed);
    node.site.metrics.upload_refused(r.reason());
    match &r {
        Refused::Busy => debug!(%from, %path, "recording upload deferred: {r}"),
        _ => warn!(%from, %path, "refused a recording upload: {r}"),
    }
    let lasting = r.lasting();
    send.write_all(&encode(&Msg::Done {
        ok: false,
        reason: r.to_string(),
        lasting,
    }))
    .await?;
    let _ = send.finish();
    Ok(())
}

/// A sealed segment: resume after what is durable here; gather and hash the rest as it
/// arrives, while the disk thread writes the previous blocks.
async fn receive_segment(
    node: &Arc<Uploads>,
    offer: &Offer,
    send: &mut SendStream,
    recv: &mut RecvStream,
) -> anyhow::Result<Result<Accepted, Refused>> {
    let (size, hash) = (offer.size, offer.hash);
    let partial = disk::partial_path(&offer.dest);
    let start = {
        let (node, dest, partial, rel, offer) = (
            node.clone(),
            offer.dest.clone(),
            partial.clone(),
            offer.rel.clone(),
            offer.clone(),
        );
        type Started = Option<Result<disk::Start, Refused>>;
        tokio::task::spawn_blocking(move || -> std::io::Result<Started> {
            // A sealed segment never changes: the same path with other bytes is not a resume.
            if dest.exists() && hash_file(&dest)? != hash {
                return Ok(None);
            }
            if let Err(r) = check_segment_here(&node, &offer) {
                return Ok(Some(Err(r)));
            }
            disk::resume(
                &dest,
                &partial,
                size,
                hash,
                &Checkpoints {
                    store: &node.site.store,
                    rel: &rel,
                },
            )
            .map(|s| Some(Ok(s)))
        })
        .await??
    };
    let start = match start {
        None => return Ok(Err(Refused::SegmentDiffers(offer.rel.clone()))),
        Some(Err(r)) => return Ok(Err(r)),
        Some(Ok(s)) => s,
    };
    let have = start.have;
    send.write_all(&encode(&Msg::Resume { have })).await?;
    if have == size && offer.dest.exists() {
        return Ok(Ok(Accepted::Stored));
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel::<AlignedBuf>(disk::QUEUE_BATCHES);
    // Written blocks come back to be filled again.
    let (back_tx, mut back_rx) = tokio::sync::mpsc::channel::<AlignedBuf>(disk::BUFFERS_PER_UPLOAD);
    let writer = {
        let (node, partial, rel) = (node.clone(), partial.clone(), offer.rel.clone());
        tokio::task::spawn_blocking(move || {
            let give_back = |b| {
                let _ = back_tx.try_send(b);
            };
            let job = disk::Job {
                partial: &partial,
                have,
                size,
                hash,
                checkpoints: Checkpoints {
                    store: &node.site.store,
                    rel: &rel,
                },
                allow_direct: true,
            };
            disk::write_blocks(&job, || rx.blocking_recv(), give_back)
        })
    };
    // Each chunk is copied and hashed here, right after QUIC decrypted it and while it is in
    // this core's cache; the disk thread only writes whole blocks.
    let mut gather = Gather::new(start, size, node.take_buffer());
    let mut buffers = 1;
    let mut left = size - have;
    let mut received = Ok(());
    let mut bufs: Vec<Bytes> = vec![Bytes::new(); READ_BATCH];
    'reading: while left > 0 {
        let n = match stalled(recv.read_chunks(&mut bufs)).await {
            Err(e) => {
                received = Err(e);
                break;
            }
            Ok(r) => r,
        };
        let n = match n {
            Ok(Some(n)) => n,
            Ok(None) => {
                received = Err(anyhow::anyhow!(
                    "the sender stopped after {} of {size} bytes",
                    size - left
                ));
                break;
            }
            Err(e) => {
                received = Err(e.into());
                break;
            }
        };
        for b in &mut bufs[..n] {
            let mut b = std::mem::take(b);
            // A sender that goes on past its offer is not listened to.
            b.truncate(left.min(b.len() as u64) as usize);
            left -= b.len() as u64;
            node.bytes_received
                .fetch_add(b.len() as u64, Ordering::Relaxed);
            if !gather.push(&b) {
                continue;
            }
            // A free buffer: one the disk thread gave back, a new one while this upload has
            // fewer than its share, else wait until the disk thread gives one back.
            let next = match back_rx.try_recv() {
                Ok(buf) => buf,
                Err(_) if buffers < disk::BUFFERS_PER_UPLOAD => {
                    buffers += 1;
                    node.take_buffer()
                }
                Err(_) => match back_rx.recv().await {
                    Some(buf) => buf,
                    None => break 'reading, // the disk thread failed; its error is reported below
                },
            };
            if tx.send(gather.take_block(next)).await.is_err() {
                break 'reading;
            }
        }
    }
    // What arrived before an interruption is written too, and made durable.
    let (last, got) = gather.finish();
    let _ = tx.send(last).await;
    drop(tx);
    let written = writer.await??;
    while let Ok(buf) = back_rx.try_recv() {
        node.give_buffer(buf, node.site.started.elapsed().as_millis() as u64);
    }
    let settled = {
        let (node, dest, rel) = (node.clone(), offer.dest.clone(), offer.rel.clone());
        tokio::task::spawn_blocking(move || {
            disk::settle(
                &partial,
                &dest,
                written,
                size,
                hash,
                got == hash,
                &Checkpoints {
                    store: &node.site.store,
                    rel: &rel,
                },
            )
        })
        .await??
    };
    received?;
    Ok(match settled {
        Written::Complete => Ok(Accepted::Stored),
        Written::Interrupted { held } => Err(Refused::Interrupted { held, size }),
        Written::HashMismatch => Err(Refused::HashMismatch),
    })
}

/// The key the federation certifies for the site of `index`'s embedded chain, checked like a
/// peer's chain (our root, the registry, revocations).
fn certified(node: &Uploads, index: &SignedIndex) -> Result<(String, [u8; 32]), String> {
    let certs: Vec<CertificateDer<'static>> = index
        .chain_der()
        .iter()
        .map(|c| CertificateDer::from(c.clone()))
        .collect();
    node.federation
        .verify_peer_chain(&certs)
        .map(|v| (v.site, v.public_key))
        .map_err(|e| format!("its embedded certificate chain does not verify here: {e}"))
}

/// The key this node learnt for `site` (from its signed case events), while no revocation names
/// the site or an ancestor. Once one does, a key learnt before it proves nothing: the index's
/// own chain is checked instead, revocations included, so a key taken from a revoked site
/// cannot place an index anywhere.
fn known_key(node: &Uploads, site: &str) -> Option<[u8; 32]> {
    let named = {
        let revs = node.federation.revocations.reading();
        std::iter::once(site)
            .chain(node.site.registry().ancestors(site))
            .any(|s| revs.get(s).is_some())
    };
    if named {
        return None;
    }
    node.records.held().site_keys.get(site).copied()
}

/// Another site's signed index: taken whole, checked, stored if newer than the one held, and
/// handed to the uploader to relay.
async fn receive_index(
    node: &Arc<Uploads>,
    from: &str,
    offer: &Offer,
    send: &mut SendStream,
    recv: &mut RecvStream,
) -> anyhow::Result<Result<Accepted, Refused>> {
    let (size, hash) = (offer.size, offer.hash);
    let dest = offer.dest.clone();
    let held_same = tokio::task::spawn_blocking(move || {
        dest.exists() && hash_file(&dest).is_ok_and(|h| h == hash)
    })
    .await?;
    let have = if held_same { size } else { 0 };
    send.write_all(&encode(&Msg::Resume { have })).await?;
    if held_same {
        remember_holder(node, from, &offer.rel, &hash);
        return Ok(Ok(Accepted::Stored));
    }
    // At most MAX_INDEX_BYTES (checked with the offer).
    let mut bytes = vec![0u8; size as usize];
    stalled(recv.read_exact(&mut bytes)).await??;
    node.bytes_received.fetch_add(size, Ordering::Relaxed);
    if *blake3::hash(&bytes).as_bytes() != hash {
        return Ok(Err(Refused::HashMismatch));
    }
    let known = known_key(node, &offer.site);
    let index = match relay::check_index(
        bytes,
        &offer.session,
        &offer.site,
        &offer.publisher,
        known,
        |i| certified(node, i),
    ) {
        Ok(i) => i,
        Err(e) => return Ok(Err(e.into())),
    };
    let dir = offer.dest.parent().map(PathBuf::from).unwrap_or_default();
    let stored =
        tokio::task::spawn_blocking(move || -> anyhow::Result<Result<Accepted, Refused>> {
            // The index held here was checked when it arrived; one that no longer reads is replaced.
            if let Ok(held) = SignedIndex::read(&dir) {
                match relay::compare(held.body(), index.body()) {
                    Ok(Freshness::Newer) => {}
                    Ok(Freshness::Older) => return Ok(Ok(Accepted::NewerHeld)),
                    Err(e) => return Ok(Err(e.into())),
                }
            }
            disk::create_dir_durable(&dir)?;
            index.write_atomic(&dir)?;
            Ok(Ok(Accepted::Stored))
        })
        .await??;
    if let Ok(Accepted::Stored) = stored {
        node.indexes_relayed.fetch_add(1, Ordering::Relaxed);
        remember_holder(node, from, &offer.rel, &hash);
        // Relay it now rather than at the next scan.
        node.wake.notify_one();
    }
    Ok(stored)
}

/// Notes that `site` holds this version of `rel`, so the uploader does not send it back.
fn remember_holder(node: &Uploads, site: &str, rel: &str, hash: &[u8; 32]) {
    if let Err(e) = node.site.store.put_meta(&held_key(site, rel), hash) {
        warn!(%site, %rel, "cannot remember who holds an index: {e}");
    }
}
