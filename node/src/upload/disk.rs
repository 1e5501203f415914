//! The disk side of receiving a segment: gathering and hashing what QUIC hands over, writing
//! it on a thread of its own, and the durable resume point of an interrupted upload.
//!
//! Owns when bytes become durable and how they reach the disk. The network task copies each
//! chunk into a block buffer and hashes it there ([`Gather`]) right after QUIC decrypted it,
//! while it is still in the CPU's cache; a full block (about [`BATCH_BYTES`], a whole number of
//! [`DIRECT_ALIGN`] blocks) goes to the disk thread ([`write_blocks`]), at most
//! [`QUEUE_BATCHES`] waiting, and comes back empty to be filled again. The disk thread writes
//! with direct I/O where the file system allows it (no copy into the page cache, nothing to
//! write back later: on a small machine that CPU is what the network side needs); elsewhere
//! through the page cache, asking the kernel to start writing back every [`WRITEBACK_BYTES`]
//! (`sync_file_range`, which does not wait). It never waits for an fsync while bytes arrive:
//! the file is fsync'd at its end, when the upload is interrupted, and every
//! [`CHECKPOINT_BYTES`] of a large file. Each fsync of an unfinished file is followed by a
//! checkpoint in the store (`upload-durable:<path>` → the offer's hash and size, and the
//! durable length). A resumed upload restarts from that checkpoint, never from bytes that
//! merely reached the page cache.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::site::store::Store;

/// Bytes gathered into one block for the disk thread.
pub const BATCH_BYTES: usize = 4 * 1024 * 1024;
/// Blocks waiting for the disk thread.
pub const QUEUE_BATCHES: usize = 2;
/// Block buffers one upload uses: the one being filled, the waiting ones, the one being written.
pub const BUFFERS_PER_UPLOAD: usize = QUEUE_BATCHES + 2;
/// Near the end of the file blocks are handed over from this size on, so that little is
/// left to write once the last byte arrived (the sender waits for that, and the fsync).
const TAIL_BLOCK_BYTES: usize = 512 * 1024;
/// Gathered bytes are hashed in runs of at least this many, so BLAKE3 uses all its SIMD lanes
/// while the bytes are still in the CPU's cache.
const HASH_STRIDE: usize = 64 * 1024;
/// Capacity of a block buffer: a block and the chunks that overshoot it.
pub const BUFFER_BYTES: usize = BATCH_BYTES + 256 * 1024;
/// In page-cache mode the kernel is asked to start writing back every this many bytes, so
/// the final fsync has little left to do.
pub const WRITEBACK_BYTES: u64 = 8 * 1024 * 1024;
/// A large file is made durable (fsync and checkpoint) every this many bytes, so an upload cut
/// by a crash of this node resumes near where it stopped. Segments (8 MiB by default) finish
/// before the first checkpoint: for them the only fsync is the final one.
pub const CHECKPOINT_BYTES: u64 = 64 * 1024 * 1024;
/// Direct I/O writes whole blocks of this size from memory aligned to it (4096 covers disks
/// with 512- and 4096-byte sectors).
pub const DIRECT_ALIGN: usize = 4096;

/// The store key of a file's durable resume point.
fn checkpoint_key(rel: &str) -> String {
    format!("upload-durable:{rel}")
}

/// A durable resume point: the offer it belongs to and how many bytes are on disk for sure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    pub hash: [u8; 32],
    pub size: u64,
    pub durable: u64,
}

impl Checkpoint {
    fn encode(&self) -> Vec<u8> {
        let mut v = self.hash.to_vec();
        v.extend_from_slice(&self.size.to_be_bytes());
        v.extend_from_slice(&self.durable.to_be_bytes());
        v
    }

    fn decode(v: &[u8]) -> Option<Checkpoint> {
        if v.len() != 48 {
            return None;
        }
        Some(Checkpoint {
            hash: v[..32].try_into().ok()?,
            size: u64::from_be_bytes(v[32..40].try_into().ok()?),
            durable: u64::from_be_bytes(v[40..].try_into().ok()?),
        })
    }
}

/// Where checkpoints of one file are kept.
pub struct Checkpoints<'a> {
    pub store: &'a Store,
    pub rel: &'a str,
}

impl Checkpoints<'_> {
    fn get(&self) -> Option<Checkpoint> {
        Checkpoint::decode(&self.store.meta(&checkpoint_key(self.rel)).ok().flatten()?)
    }

    fn put(&self, c: Checkpoint) -> std::io::Result<()> {
        self.store
            .put_meta(&checkpoint_key(self.rel), &c.encode())
            .map_err(std::io::Error::other)
    }

    /// Forgets the resume point (an empty value: the store keeps no delete for meta keys).
    fn clear(&self) -> std::io::Result<()> {
        if self.get().is_some() {
            self.store
                .put_meta(&checkpoint_key(self.rel), &[])
                .map_err(std::io::Error::other)?;
        }
        Ok(())
    }
}

/// Where a new attempt starts, and the hash of the bytes before it.
pub struct Start {
    /// Bytes held durably: `size` when the finished file is already there.
    pub have: u64,
    /// BLAKE3 state after the first `have` bytes of the partial file.
    pub hasher: blake3::Hasher,
}

/// Where a new attempt at `dest` starts: `size` when the finished file is already there with
/// this hash; else the durable checkpoint of this same offer (hash and size), cut to what the
/// partial file holds and down to a whole [`DIRECT_ALIGN`] block (a few KiB more to send, so
/// the rest can be written directly), with the partial file cut there and its prefix hashed;
/// else 0 with the partial file emptied.
pub fn resume(
    dest: &Path,
    partial: &Path,
    size: u64,
    hash: [u8; 32],
    checkpoints: &Checkpoints,
) -> std::io::Result<Start> {
    let mut hasher = blake3::Hasher::new();
    if dest.exists() && super::hash_file(dest)? == hash {
        return Ok(Start { have: size, hasher });
    }
    create_dir_durable(dest.parent().unwrap_or(Path::new(".")))?;
    let on_disk = std::fs::metadata(partial).map(|m| m.len()).unwrap_or(0);
    let have = match checkpoints.get() {
        Some(c) if c.hash == hash && c.size == size && c.durable <= size => {
            c.durable.min(on_disk) / DIRECT_ALIGN as u64 * DIRECT_ALIGN as u64
        }
        _ => 0,
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .write(true)
        .truncate(false)
        .open(partial)?;
    // Bytes past the checkpoint may not have reached the disk before a crash: drop them.
    file.set_len(have)?;
    let mut prefix = file.take(have);
    let mut chunk = vec![0u8; 1024 * 1024];
    loop {
        let n = prefix.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        hasher.update(&chunk[..n]);
    }
    Ok(Start { have, hasher })
}

/// How a segment upload ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Written {
    /// Every byte arrived, the hash matched, the file is fsync'd and renamed into place.
    Complete,
    /// Fewer bytes than offered arrived; what did is durable and checkpointed.
    Interrupted { held: u64 },
    /// The bytes do not hash to the offer; the partial file and its checkpoint are gone.
    HashMismatch,
}

/// Tells the kernel to start writing `len` bytes at `offset` back to disk, without waiting.
/// Only an optimisation (the fsync at the end is what makes them durable), so errors are
/// ignored.
#[cfg(target_os = "linux")]
fn start_writeback(file: &File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    // SAFETY: a plain system call on a descriptor `file` keeps open; it reads no memory of ours.
    unsafe {
        libc::sync_file_range(
            file.as_raw_fd(),
            offset as libc::off64_t,
            len as libc::off64_t,
            libc::SYNC_FILE_RANGE_WRITE,
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &File, _offset: u64, _len: u64) {}

/// A second handle on `path` that writes around the page cache (O_DIRECT), when the file
/// system allows it; `None` where it is not supported.
#[cfg(target_os = "linux")]
fn open_direct(path: &Path) -> Option<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_DIRECT)
        .open(path)
        .ok()
}

#[cfg(not(target_os = "linux"))]
fn open_direct(_path: &Path) -> Option<File> {
    None
}

/// A block buffer whose bytes start at a [`DIRECT_ALIGN`] boundary in memory (direct I/O
/// needs aligned memory).
pub struct AlignedBuf {
    storage: Vec<u8>,
    start: usize,
    len: usize,
}

impl AlignedBuf {
    pub fn with_capacity(capacity: usize) -> AlignedBuf {
        let storage = vec![0u8; capacity + DIRECT_ALIGN];
        let start = storage
            .as_ptr()
            .align_offset(DIRECT_ALIGN)
            .min(DIRECT_ALIGN);
        AlignedBuf {
            storage,
            start,
            len: 0,
        }
    }

    #[cfg(test)]
    fn is_aligned(&self) -> bool {
        (self.storage.as_ptr() as usize + self.start).is_multiple_of(DIRECT_ALIGN)
    }

    fn data(&self) -> &[u8] {
        &self.storage[self.start..self.start + self.len]
    }

    fn append(&mut self, bytes: &[u8]) {
        if self.start + self.len + bytes.len() > self.storage.len() {
            let mut bigger =
                AlignedBuf::with_capacity((self.len + bytes.len()).next_power_of_two());
            bigger.append(self.data());
            *self = bigger;
        }
        let at = self.start + self.len;
        self.storage[at..at + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    pub fn clear(&mut self) {
        self.len = 0;
    }
}

/// The network side of a segment upload: copies the chunks QUIC hands over into a block
/// buffer and hashes them there, in order.
///
/// Hashing goes in runs of [`HASH_STRIDE`] that start at whole [`DIRECT_ALIGN`] blocks of the
/// file: BLAKE3 hashes many chunks at once only from a position that is a multiple of as many
/// chunks, so runs cut at arbitrary packet boundaries would fall back to one chunk at a time.
pub struct Gather {
    cur: AlignedBuf,
    /// Bytes of `cur` already hashed (a multiple of [`DIRECT_ALIGN`] until the end).
    hashed: usize,
    hasher: blake3::Hasher,
    /// Bytes of the file held (on disk, on their way there, or in `cur`).
    pub held: u64,
    /// The offered size.
    size: u64,
}

impl Gather {
    /// Starts after `start.have` bytes (a multiple of [`DIRECT_ALIGN`]) of a file of `size`,
    /// gathering into `buf`.
    pub fn new(start: Start, size: u64, mut buf: AlignedBuf) -> Gather {
        buf.clear();
        Gather {
            cur: buf,
            hashed: 0,
            hasher: start.hasher,
            held: start.have,
            size,
        }
    }

    fn hash_to(&mut self, end: usize) {
        if end > self.hashed {
            self.hasher.update(&self.cur.data()[self.hashed..end]);
            self.hashed = end;
        }
    }

    /// Adds a chunk; true when a block is ready for [`Gather::take_block`].
    pub fn push(&mut self, chunk: &[u8]) -> bool {
        self.cur.append(chunk);
        self.held += chunk.len() as u64;
        let ready = self.cur.len - self.hashed;
        if ready >= HASH_STRIDE {
            self.hash_to(self.hashed + ready / HASH_STRIDE * HASH_STRIDE);
        }
        let near_end = self.size.saturating_sub(self.held) < BATCH_BYTES as u64;
        self.cur.len >= BATCH_BYTES || (near_end && self.cur.len >= TAIL_BLOCK_BYTES)
    }

    /// The gathered whole [`DIRECT_ALIGN`] blocks, hashed, to write; gathering goes on in
    /// `next` (empty), which starts with the bytes past the last whole block.
    pub fn take_block(&mut self, mut next: AlignedBuf) -> AlignedBuf {
        let whole = self.cur.len - self.cur.len % DIRECT_ALIGN;
        self.hash_to(whole);
        next.clear();
        next.append(&self.cur.data()[whole..]);
        self.cur.truncate(whole);
        self.hashed = 0;
        std::mem::replace(&mut self.cur, next)
    }

    /// The last bytes to write (any length) and the hash of everything held.
    pub fn finish(mut self) -> (AlignedBuf, [u8; 32]) {
        self.hash_to(self.cur.len);
        (self.cur, *self.hasher.finalize().as_bytes())
    }
}

/// The partial file: a buffered handle (the last partial block, fsync) and, where the file
/// system allows, a direct one for whole blocks.
struct Sink {
    buffered: File,
    direct: Option<File>,
}

impl Sink {
    /// Writes `data` at `offset`: directly when it is whole aligned blocks and direct I/O
    /// works, else through the page cache.
    fn write_at(&mut self, data: &[u8], offset: u64) -> std::io::Result<()> {
        use std::os::unix::fs::FileExt;
        let whole_blocks = data.len().is_multiple_of(DIRECT_ALIGN)
            && offset.is_multiple_of(DIRECT_ALIGN as u64)
            && (data.as_ptr() as usize).is_multiple_of(DIRECT_ALIGN);
        if let (Some(direct), true) = (&self.direct, whole_blocks) {
            match direct.write_all_at(data, offset) {
                Ok(()) => return Ok(()),
                // Some file systems open with O_DIRECT but refuse the writes: buffered from now on.
                Err(e) if e.raw_os_error() == Some(libc::EINVAL) => self.direct = None,
                Err(e) => return Err(e),
            }
        }
        self.buffered.write_all_at(data, offset)
    }
}

/// One segment upload as the disk thread sees it.
pub struct Job<'a> {
    /// The partial file, which holds `have` bytes.
    pub partial: &'a Path,
    pub have: u64,
    /// The offer.
    pub size: u64,
    pub hash: [u8; 32],
    pub checkpoints: Checkpoints<'a>,
    /// Use direct I/O where the file system allows it (tests turn it off to take the other path).
    pub allow_direct: bool,
}

/// The disk thread of one segment upload: writes every block `next_block` gives at the end of
/// the partial file, hands each buffer back, and when `next_block` gives `None` fsyncs the
/// file. Returns the bytes the file then holds, all durable.
pub fn write_blocks(
    job: &Job,
    mut next_block: impl FnMut() -> Option<AlignedBuf>,
    mut give_back: impl FnMut(AlignedBuf),
) -> std::io::Result<u64> {
    let Job {
        partial,
        have,
        size,
        hash,
        ref checkpoints,
        allow_direct,
    } = *job;
    let buffered = std::fs::OpenOptions::new().write(true).open(partial)?;
    let direct = if allow_direct && have.is_multiple_of(DIRECT_ALIGN as u64) {
        open_direct(partial)
    } else {
        None
    };
    let mut sink = Sink { buffered, direct };
    let (mut written, mut kicked, mut durable) = (have, have, have);
    while let Some(block) = next_block() {
        sink.write_at(block.data(), written)?;
        written += block.len as u64;
        give_back(block);
        if sink.direct.is_none() && written - kicked >= WRITEBACK_BYTES {
            start_writeback(&sink.buffered, kicked, written - kicked);
            kicked = written;
        }
        if written - durable >= CHECKPOINT_BYTES && written < size {
            sink.buffered.sync_data()?;
            checkpoints.put(Checkpoint {
                hash,
                size,
                durable: written,
            })?;
            durable = written;
        }
    }
    // fsync on the buffered handle also flushes the disk's cache for the direct writes.
    sink.buffered.sync_all()?;
    Ok(written)
}

/// Settles a segment upload once its bytes are durable (`written` of `size`, `hash_ok` when
/// they hash to the offer): checkpoint an interrupted one, drop a wrong one, rename a
/// complete one into place.
pub fn settle(
    partial: &Path,
    dest: &Path,
    written: u64,
    size: u64,
    hash: [u8; 32],
    hash_ok: bool,
    checkpoints: &Checkpoints,
) -> std::io::Result<Written> {
    if written < size {
        checkpoints.put(Checkpoint {
            hash,
            size,
            durable: written,
        })?;
        return Ok(Written::Interrupted { held: written });
    }
    checkpoints.clear()?;
    if !hash_ok {
        std::fs::remove_file(partial)?;
        return Ok(Written::HashMismatch);
    }
    std::fs::rename(partial, dest)?;
    if let Some(dir) = dest.parent() {
        File::open(dir)?.sync_all()?;
    }
    Ok(Written::Complete)
}

/// `dest` with the suffix of a file being received.
pub fn partial_path(dest: &Path) -> PathBuf {
    PathBuf::from(format!("{}{}", dest.display(), super::PARTIAL_SUFFIX))
}

/// Creates `dir` and its missing parents, each fsync'd into its own parent: an upload is
/// acknowledged only once durable, and after a crash the folders that hold it must still be
/// there, not only the file.
pub fn create_dir_durable(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut missing = Vec::new();
    let mut d = dir;
    while !d.exists() {
        missing.push(d.to_path_buf());
        match d.parent() {
            Some(p) => d = p,
            None => break,
        }
    }
    std::fs::create_dir_all(dir)?;
    for m in missing.iter().rev() {
        if let Some(parent) = m.parent() {
            File::open(parent)?.sync_all()?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn store(dir: &Path) -> Store {
        Store::open(&dir.join("store.redb")).unwrap()
    }

    /// Receives `bytes` (as packet-sized chunks that line up with nothing) the way the network
    /// task does, with the disk thread on a thread of its own.
    fn receive(
        partial: &Path,
        dest: &Path,
        bytes: &[u8],
        size: u64,
        hash: [u8; 32],
        cps: &Checkpoints,
        direct: bool,
    ) -> Written {
        let start = resume(dest, partial, size, hash, cps).unwrap();
        let have = start.have;
        let (tx, rx) = std::sync::mpsc::sync_channel::<AlignedBuf>(QUEUE_BATCHES);
        let (back_tx, back_rx) = std::sync::mpsc::channel::<AlignedBuf>();
        let (hash_ok, written) = std::thread::scope(|s| {
            let job = Job {
                partial,
                have,
                size,
                hash,
                checkpoints: Checkpoints {
                    store: cps.store,
                    rel: cps.rel,
                },
                allow_direct: direct,
            };
            let writer = s
                .spawn(move || write_blocks(&job, || rx.recv().ok(), |b| back_tx.send(b).unwrap()));
            let mut g = Gather::new(start, size, AlignedBuf::with_capacity(BUFFER_BYTES));
            for chunk in bytes[have as usize..].chunks(1400) {
                if g.push(chunk) {
                    let next = back_rx
                        .try_recv()
                        .unwrap_or_else(|_| AlignedBuf::with_capacity(BUFFER_BYTES));
                    tx.send(g.take_block(next)).unwrap();
                }
            }
            let (last, got) = g.finish();
            tx.send(last).unwrap();
            drop(tx);
            (got == hash, writer.join().unwrap().unwrap())
        });
        settle(partial, dest, written, size, hash, hash_ok, cps).unwrap()
    }

    #[test]
    fn a_cut_upload_resumes_from_its_durable_checkpoint_only() {
        for direct in [true, false] {
            let tmp = tempfile::tempdir().unwrap();
            let st = store(tmp.path());
            let cps = Checkpoints {
                store: &st,
                rel: "S/00004/cam/seg-000001.tdrec",
            };
            let bytes: Vec<u8> = (0..11_000_001u32).map(|i| (i * 7 % 251) as u8).collect();
            let hash = *blake3::hash(&bytes).as_bytes();
            let dest = tmp.path().join("d/seg-000001.tdrec");
            let partial = partial_path(&dest);
            let size = bytes.len() as u64;

            // 5 MB and a bit arrive, then the link drops: durable and checkpointed.
            let cut = 5_000_123;
            assert_eq!(
                receive(&partial, &dest, &bytes[..cut], size, hash, &cps, direct),
                Written::Interrupted { held: cut as u64 }
            );
            assert_eq!(std::fs::read(&partial).unwrap(), bytes[..cut]);
            // Bytes past the checkpoint (written but never fsync'd and checkpointed, as after a
            // crash) are not trusted. The next attempt starts at the last whole block before
            // the checkpoint, and cuts the rest.
            std::fs::OpenOptions::new()
                .append(true)
                .open(&partial)
                .unwrap()
                .write_all(b"garbage after a crash")
                .unwrap();
            let have = resume(&dest, &partial, size, hash, &cps).unwrap().have;
            assert_eq!(have, (cut / DIRECT_ALIGN * DIRECT_ALIGN) as u64);
            assert_eq!(std::fs::metadata(&partial).unwrap().len(), have);
            // Another version of the file (another hash) does not resume from this one.
            assert_eq!(
                resume(&dest, &partial, size, [1; 32], &cps).unwrap().have,
                0
            );
            assert_eq!(
                receive(&partial, &dest, &bytes[..cut], size, hash, &cps, direct),
                Written::Interrupted { held: cut as u64 }
            );

            assert_eq!(
                receive(&partial, &dest, &bytes, size, hash, &cps, direct),
                Written::Complete,
                "direct: {direct}"
            );
            assert_eq!(std::fs::read(&dest).unwrap(), bytes, "direct: {direct}");
            assert!(
                cps.get().is_none(),
                "the checkpoint is forgotten once the file is complete"
            );
            // Offered again: nothing to take.
            assert_eq!(
                resume(&dest, &partial, size, hash, &cps).unwrap().have,
                size
            );

            // Wrong bytes: the partial file and its checkpoint go.
            let other = tmp.path().join("d/seg-000002.tdrec");
            assert_eq!(
                receive(
                    &partial_path(&other),
                    &other,
                    &bytes,
                    size,
                    [7; 32],
                    &cps,
                    direct
                ),
                Written::HashMismatch
            );
            assert!(!partial_path(&other).exists() && !other.exists());
        }
    }

    #[test]
    fn the_aligned_buffer_keeps_bytes_in_order() {
        let mut b = AlignedBuf::with_capacity(10);
        assert!(b.is_aligned());
        let all: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
        b.append(&all[..7]);
        b.append(&all[7..9000]);
        assert!(b.is_aligned() && b.data() == &all[..9000]);
        b.truncate(8192);
        b.append(&all[8192..]);
        assert_eq!(b.data(), &all[..]);
    }
}
