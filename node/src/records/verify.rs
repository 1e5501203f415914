//! Signature checks of a large batch split across cores: what only a node does on top of the
//! protocol's `verify_events` (the simulator checks on one core). Re-exports the protocol's
//! record types the node uses, so capabilities name them from `records::verify`.

use std::collections::BTreeMap;

use tiepdan_protocol::log::UnverifiedEvent;
pub use tiepdan_protocol::records::{
    decode_batch, decode_payload, fold, refuse_revoked, sign_payload, verify_events, Admission,
    CaseEntry, CheckedEvent, Entry, Forward, Payload, Rejected, SessionEntry, CASES_MAX,
};

/// Batches at least this large are verified on every core.
pub const PARALLEL_VERIFY_MIN: usize = 256;

/// [`verify_events`] on every core for a large batch. Needs no record state, so it runs outside
/// the cases lock.
pub fn verify_batch(
    decoded: Vec<Result<UnverifiedEvent, Rejected>>,
    keys: &BTreeMap<String, [u8; 32]>,
) -> Vec<Result<CheckedEvent, Rejected>> {
    let workers = if decoded.len() >= PARALLEL_VERIFY_MIN {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 8)
    } else {
        1
    };
    let chunk = decoded.len().div_ceil(workers).max(1);
    let mut chunks: Vec<Vec<Result<UnverifiedEvent, Rejected>>> = Vec::new();
    let mut rest = decoded.into_iter();
    loop {
        let c: Vec<_> = rest.by_ref().take(chunk).collect();
        if c.is_empty() {
            break;
        }
        chunks.push(c);
    }
    if chunks.len() <= 1 {
        return chunks
            .into_iter()
            .flat_map(|c| verify_events(c, keys))
            .collect();
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|c| s.spawn(|| verify_events(c, keys)))
            .collect();
        // A worker only panics on a bug; its events are then refused, never accepted unchecked.
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}
