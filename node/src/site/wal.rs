//! The store's write-ahead log (issue 14): a site's own events are durable once one record is
//! written in place and flushed here, one `fdatasync` of a few KiB, instead of a redb commit
//! that writes and flushes about ten scattered pages. redb takes the same events in a commit
//! without a flush, and a durable redb commit (a checkpoint) from time to time makes the log's
//! records redundant.
//!
//! The file is laid out once at its full size ([`WAL_BYTES`], zeros), so a flush carries data
//! and never a size change. Records are written one after the other from offset 0, each
//! `magic | epoch | length | checksum | payload`; the epoch is the one the store's meta holds.
//! A checkpoint raises the epoch in a durable redb commit and starts again at offset 0, so
//! the records of earlier epochs still in the file are ignored. On open, the records of the
//! current epoch are read up to the first torn or foreign one (a crash during a write leaves
//! at most the last record torn, and that one was never acknowledged); the store applies them
//! durably and raises the epoch before anything else is written.
//!
//! Owns only the file; [`crate::site::store::Store`] decides what a record holds.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};

/// Size of the log: about 16,000 receptions between checkpoints.
pub const WAL_BYTES: u64 = 8 << 20;

const MAGIC: [u8; 4] = *b"TDWL";
/// magic (4) | epoch (8) | payload length (4) | checksum (16).
const HEADER_BYTES: usize = 32;

/// The open log of one store.
pub struct Wal {
    path: PathBuf,
    file: File,
    epoch: u64,
    /// Where the next record goes.
    offset: u64,
}

fn checksum(epoch: u64, payload: &[u8]) -> [u8; 16] {
    let mut h = blake3::Hasher::new();
    h.update(&epoch.to_le_bytes());
    h.update(&(payload.len() as u64).to_le_bytes());
    h.update(payload);
    let mut out = [0u8; 16];
    out.copy_from_slice(&h.finalize().as_bytes()[..16]);
    out
}

/// The log's path beside the store's (`store.redb` → `store.wal`).
pub fn path_for(store: &Path) -> PathBuf {
    store.with_extension("wal")
}

impl Wal {
    /// Opens (laying it out first when missing or short) the log at `path`, and reads the
    /// records of `epoch` from its start. Writing starts at offset 0 again only after
    /// [`Wal::reset`] to a new epoch.
    pub fn open(path: &Path, epoch: u64) -> io::Result<(Wal, Vec<Vec<u8>>)> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        if file.metadata()?.len() < WAL_BYTES {
            let zeros = vec![0u8; 1 << 20];
            let mut at = 0;
            while at < WAL_BYTES {
                file.write_all_at(&zeros, at)?;
                at += zeros.len() as u64;
            }
            file.sync_all()?;
            if let Some(dir) = path.parent() {
                File::open(dir)?.sync_all()?;
            }
        }
        let mut records = Vec::new();
        let mut offset = 0u64;
        let mut header = [0u8; HEADER_BYTES];
        while offset + HEADER_BYTES as u64 <= WAL_BYTES {
            file.read_exact_at(&mut header, offset)?;
            let len = u32::from_le_bytes(header[12..16].try_into().expect("4 bytes")) as u64;
            let end = offset + HEADER_BYTES as u64 + len;
            if header[..4] != MAGIC
                || u64::from_le_bytes(header[4..12].try_into().expect("8 bytes")) != epoch
                || end > WAL_BYTES
            {
                break;
            }
            let mut payload = vec![0u8; len as usize];
            file.read_exact_at(&mut payload, offset + HEADER_BYTES as u64)?;
            if header[16..] != checksum(epoch, &payload) {
                break;
            }
            records.push(payload);
            offset = end;
        }
        let wal = Wal {
            path: path.to_owned(),
            file,
            epoch,
            offset,
        };
        Ok((wal, records))
    }

    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether a record of `len` payload bytes fits in an empty log at all.
    pub fn can_hold(len: usize) -> bool {
        (HEADER_BYTES + len) as u64 <= WAL_BYTES
    }

    /// Writes one record and flushes it. `Ok(false)`: the log is full; checkpoint, reset and
    /// try again.
    pub fn append(&mut self, payload: &[u8]) -> io::Result<bool> {
        let end = self.offset + (HEADER_BYTES + payload.len()) as u64;
        if end > WAL_BYTES {
            return Ok(false);
        }
        let mut record = Vec::with_capacity(HEADER_BYTES + payload.len());
        record.extend_from_slice(&MAGIC);
        record.extend_from_slice(&self.epoch.to_le_bytes());
        record.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        record.extend_from_slice(&checksum(self.epoch, payload));
        record.extend_from_slice(payload);
        self.file.write_all_at(&record, self.offset)?;
        self.file.sync_data()?;
        self.offset = end;
        Ok(true)
    }

    /// Starts writing at offset 0 under `epoch`, which the store has made durable: what the
    /// file still holds belongs to earlier epochs.
    pub fn reset(&mut self, epoch: u64) {
        self.epoch = epoch;
        self.offset = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_of_the_epoch_come_back_up_to_a_torn_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.wal");
        let (mut wal, none) = Wal::open(&path, 3).unwrap();
        assert!(none.is_empty());
        let mut last_at = 0;
        for p in [b"mot".as_slice(), b"hai", b"ba"] {
            last_at = wal.offset;
            assert!(wal.append(p).unwrap());
        }
        drop(wal);
        let (_, back) = Wal::open(&path, 3).unwrap();
        assert_eq!(back, vec![b"mot".to_vec(), b"hai".to_vec(), b"ba".to_vec()]);
        // The last record torn (its payload half written): the log ends before it.
        let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        f.write_all_at(b"X", last_at + HEADER_BYTES as u64 + 1)
            .unwrap();
        let (_, back) = Wal::open(&path, 3).unwrap();
        assert_eq!(back, vec![b"mot".to_vec(), b"hai".to_vec()]);
        // Another epoch reads none of them; once it writes from the start, epoch 3 is gone.
        let (mut wal, other) = Wal::open(&path, 4).unwrap();
        assert!(other.is_empty());
        wal.reset(4);
        assert!(wal.append(b"bon").unwrap());
        drop(wal);
        assert_eq!(Wal::open(&path, 4).unwrap().1, vec![b"bon".to_vec()]);
        assert!(Wal::open(&path, 3).unwrap().1.is_empty());
    }

    #[test]
    fn a_full_log_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let (mut wal, _) = Wal::open(&dir.path().join("s.wal"), 0).unwrap();
        let big = vec![7u8; (WAL_BYTES / 2) as usize];
        assert!(wal.append(&big).unwrap());
        assert!(!wal.append(&big).unwrap(), "the second half does not fit");
        assert!(!Wal::can_hold(WAL_BYTES as usize));
        wal.reset(1);
        assert!(wal.append(&big).unwrap());
    }
}
