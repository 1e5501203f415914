//! The sending side's reads: a thread reads a file ahead into chunk buffers that QUIC takes as
//! they are, and that come back to be read into again once QUIC lets go of them.
//!
//! Owns how an upload's bytes leave the disk. Reading around the page cache (O_DIRECT) was
//! tried: on the machines measured it saved no CPU and made every resend a disk read.

use std::collections::VecDeque;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

use bytes::Bytes;
use tokio::sync::mpsc;

use super::SEND_CHUNK;

/// Chunks the reader thread keeps ready ahead of the network.
const READ_AHEAD: usize = 2;
/// Sent chunks watched for QUIC to let go of them, so their buffers are read into again: as
/// many as a link's send window holds, and those read ahead. A buffer dropped instead costs a
/// fresh one, page faults and zeroing included.
const RECYCLED: usize =
    crate::federation::links::SEND_WINDOW_BYTES as usize / SEND_CHUNK + READ_AHEAD + 1;

/// A file read ahead, chunk by chunk, from a start offset to its offered size.
pub struct Reader {
    /// (the whole buffer, the file's bytes in it).
    chunks: mpsc::Receiver<io::Result<(Bytes, Bytes)>>,
    recycle: mpsc::Sender<Vec<u8>>,
    /// Whole buffers whose bytes QUIC may still hold, oldest first.
    lent: VecDeque<Bytes>,
}

impl Reader {
    /// Starts reading `path` from `from` to `size` on a blocking thread.
    pub fn start(path: PathBuf, from: u64, size: u64) -> Reader {
        let (tx, chunks) = mpsc::channel(READ_AHEAD);
        let (recycle, recycled) = mpsc::channel(RECYCLED);
        tokio::task::spawn_blocking(move || {
            if let Err(e) = read_ahead(&path, from, size, &tx, recycled) {
                let _ = tx.blocking_send(Err(e));
            }
        });
        Reader {
            chunks,
            recycle,
            lent: VecDeque::new(),
        }
    }

    /// The next chunk, `None` after the last one.
    pub async fn next(&mut self) -> Option<io::Result<Bytes>> {
        self.take_back();
        match self.chunks.recv().await? {
            Ok((whole, data)) => {
                self.lent.push_back(whole);
                Some(Ok(data))
            }
            Err(e) => Some(Err(e)),
        }
    }

    /// Hands the buffers QUIC let go of back to the reader thread (no copy: once the only
    /// handle left is ours, the buffer is ours again).
    fn take_back(&mut self) {
        while self.lent.front().is_some_and(Bytes::is_unique) || self.lent.len() > RECYCLED {
            let Some(done) = self.lent.pop_front() else {
                break;
            };
            if let Ok(buf) = done.try_into_mut() {
                let _ = self.recycle.try_send(Vec::from(buf));
            }
        }
    }
}

fn read_ahead(
    path: &std::path::Path,
    from: u64,
    size: u64,
    tx: &mpsc::Sender<io::Result<(Bytes, Bytes)>>,
    mut recycled: mpsc::Receiver<Vec<u8>>,
) -> io::Result<()> {
    let file = File::open(path)?;
    let mut at = from;
    while at < size {
        let want = (size - at).min(SEND_CHUNK as u64) as usize;
        let mut buf = recycled
            .try_recv()
            .ok()
            .filter(|b| b.len() == SEND_CHUNK)
            .unwrap_or_else(|| vec![0u8; SEND_CHUNK]);
        let mut got = 0;
        while got < want {
            let n = file.read_at(&mut buf[got..want], at + got as u64)?;
            if n == 0 {
                return Err(io::Error::other("the file got shorter while uploading"));
            }
            got += n;
        }
        at += want as u64;
        let whole = Bytes::from(buf);
        let data = whole.slice(..want);
        if tx.blocking_send(Ok((whole, data))).is_err() {
            return Ok(()); // the sender gave up
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte arrives in order, whatever the start and however the file's end falls.
    #[tokio::test]
    async fn reads_every_byte_from_any_start() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("seg");
        let bytes: Vec<u8> = (0..(2 * SEND_CHUNK + 12_345) as u32)
            .map(|i| (i * 31 % 253) as u8)
            .collect();
        std::fs::write(&path, &bytes).unwrap();
        for from in [0u64, 4096, 1000, bytes.len() as u64 - 7] {
            let mut r = Reader::start(path.clone(), from, bytes.len() as u64);
            let mut got = Vec::new();
            while let Some(chunk) = r.next().await {
                got.extend_from_slice(&chunk.unwrap());
            }
            assert_eq!(got, bytes[from as usize..], "from {from}");
        }
        // A file shorter than offered is an error, not a short upload.
        let mut r = Reader::start(path.clone(), 0, bytes.len() as u64 + 10);
        let mut last = None;
        while let Some(chunk) = r.next().await {
            last = Some(chunk);
        }
        assert!(last.unwrap().is_err());
    }
}
