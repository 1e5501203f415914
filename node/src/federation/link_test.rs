//! The link test: plain QUIC over a live link, the bytes dropped on arrival and their count
//! answered. It is the operator's bandwidth check before a session (the test connection the
//! schedule asks for a working day ahead) and the baseline recording uploads are measured
//! against.
//!
//! Owns the link-test channel (`tiepdan_protocol::channel::LINK_TEST`) on both sides and the
//! rule that a node runs one test at a time. Who may start one is the API's business.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use quinn::{Connection, RecvStream, SendStream};
use tiepdan_protocol::channel::LINK_TEST;
use tracing::debug;

use super::channels::BiChannel;

/// Most bytes the receiving side takes in one test.
pub const LINK_TEST_MAX_BYTES: u64 = 1 << 30;
/// Megabytes sent when the operator does not say.
pub const DEFAULT_MEGABYTES: u64 = 16;
/// Most megabytes one test may send (the peer accepts up to 1 GiB).
pub const MAX_MEGABYTES: u64 = 256;
/// A test that has not finished by then is abandoned.
pub const TIMEOUT: Duration = Duration::from_secs(120);
/// Bytes handed to QUIC as one chunk (slices of one buffer, no copy).
const SEND_CHUNK: usize = 4 * 1024 * 1024;
/// Chunks taken from QUIC per read on the receiving side.
const READ_BATCH: usize = 64;

/// One link test at a time on a node: each fills a link, and two would measure each other.
static RUNNING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// Why a link test did not give a figure.
#[derive(Debug, thiserror::Error)]
pub enum LinkTestError {
    #[error("megabytes must be 1 to {MAX_MEGABYTES}, not {0}")]
    Size(u64),
    #[error("another link test is running on this node; try again when it ends")]
    Busy,
    #[error("the link test did not finish within {} s", TIMEOUT.as_secs())]
    TimedOut,
    #[error("the link test failed: {0}")]
    Failed(String),
}

/// What one test measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LinkTestResult {
    pub bytes: u64,
    pub seconds: f64,
    pub megabits_per_second: f64,
    pub rtt_ms: f64,
}

/// Refuses a test size outside 1 to [`MAX_MEGABYTES`].
pub fn check_megabytes(megabytes: u64) -> Result<u64, LinkTestError> {
    if (1..=MAX_MEGABYTES).contains(&megabytes) {
        Ok(megabytes)
    } else {
        Err(LinkTestError::Size(megabytes))
    }
}

/// Sends `megabytes` (10^6 bytes) over `conn` as the operator's test, one test at a time.
pub async fn measure(conn: &Connection, megabytes: u64) -> Result<LinkTestResult, LinkTestError> {
    check_megabytes(megabytes)?;
    let _running = RUNNING.try_acquire().map_err(|_| LinkTestError::Busy)?;
    let bytes = megabytes * 1_000_000;
    // Zeroed pages come from the kernel as they are touched; QUIC takes slices without a copy.
    let payload = Bytes::from(vec![0u8; bytes as usize]);
    let t = std::time::Instant::now();
    let rate = tokio::time::timeout(TIMEOUT, send(conn, payload))
        .await
        .map_err(|_| LinkTestError::TimedOut)?
        .map_err(|e| LinkTestError::Failed(e.to_string()))?;
    Ok(LinkTestResult {
        bytes,
        seconds: t.elapsed().as_secs_f64(),
        megabits_per_second: rate * 8.0 / 1e6,
        rtt_ms: conn.rtt().as_secs_f64() * 1e3,
    })
}

/// Sends `bytes` as a link test and returns the bytes per second the peer received. The bytes
/// go to QUIC without a copy (slices of one buffer), so nothing on this side slows the link.
pub async fn send(conn: &Connection, bytes: Bytes) -> anyhow::Result<f64> {
    let t = std::time::Instant::now();
    let (mut send, mut recv) = conn.open_bi().await?;
    send.write_all(&[LINK_TEST]).await?;
    let mut at = 0;
    while at < bytes.len() {
        let end = (at + SEND_CHUNK).min(bytes.len());
        send.write_chunk(bytes.slice(at..end)).await?;
        at = end;
    }
    send.finish()?;
    let mut count = [0u8; 8];
    recv.read_exact(&mut count).await?;
    anyhow::ensure!(
        u64::from_be_bytes(count) == bytes.len() as u64,
        "the link test lost bytes"
    );
    Ok(bytes.len() as f64 / t.elapsed().as_secs_f64())
}

/// The receiving side of a link test: drop up to [`LINK_TEST_MAX_BYTES`], answer the count.
/// It drains the stream the cheapest way QUIC allows (many chunks per read), so the figure is
/// what the link itself carries.
pub async fn sink(mut send: SendStream, mut recv: RecvStream) -> anyhow::Result<()> {
    let mut total = 0u64;
    let mut bufs: Vec<Bytes> = vec![Bytes::new(); READ_BATCH];
    while let Some(n) = recv.read_chunks(&mut bufs).await? {
        total += bufs[..n].iter().map(|b| b.len() as u64).sum::<u64>();
        anyhow::ensure!(
            total <= LINK_TEST_MAX_BYTES,
            "link test longer than {LINK_TEST_MAX_BYTES} bytes"
        );
    }
    send.write_all(&total.to_be_bytes()).await?;
    let _ = send.finish();
    Ok(())
}

/// The link-test channel as registered with the federation's channel registry.
pub struct LinkTestChannel;

impl LinkTestChannel {
    pub fn register(channels: &super::channels::Channels) {
        channels.serve_bi(LINK_TEST, Arc::new(LinkTestChannel));
    }
}

impl BiChannel for LinkTestChannel {
    fn accept(&self, site: &str, send: SendStream, recv: RecvStream) {
        let site = site.to_owned();
        tokio::spawn(async move {
            if let Err(e) = sink(send, recv).await {
                debug!(%site, "link test ended: {e}");
            }
        });
    }
}
