//! Messages of the replication channel, and which site initiates anti-entropy.
//!
//! Every QUIC stream after a link's control stream starts with a one-byte channel tag; this
//! module owns `REPLICATION_CHANNEL`'s messages: pushed events (with the chains of their authors,
//! so a receiver can verify sites it never linked with), set reconciliation rounds, and requests
//! for missing events by id prefix. Framing is the control stream's: a 4-byte big-endian length,
//! then one CBOR item. Pure: no I/O; the node moves the bytes.

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

use crate::reconcile::ReconcileMsg;

/// First byte of a replication stream.
pub const REPLICATION_CHANNEL: u8 = crate::channel::REPLICATION;

/// Largest replication frame. A batch of events is cut to stay under it.
pub const MAX_REPL_FRAME_BYTES: usize = 8 << 20;

/// Events per `Events` message that a sender puts in one batch.
pub const EVENTS_PER_BATCH_MAX: usize = 4096;

/// Chains per message (one per distinct author).
pub const CHAINS_PER_MESSAGE_MAX: usize = 256;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ReplMsg {
    /// Signed events, exact bytes, parents before children; `chains` are the authors' chains
    /// (DER lists) the receiver may need.
    Events {
        events: Vec<ByteBuf>,
        chains: Vec<Vec<ByteBuf>>,
    },
    /// The receiver's verdict on an `Events` message.
    Ack { accepted: u32, rejected: u32 },
    /// One round of set reconciliation.
    Reconcile(ReconcileMsg),
    /// Send me the events with these 16-byte id prefixes.
    Want { prefixes: Vec<ByteBuf> },
    /// The initiator ends the session.
    Done,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReplError {
    #[error("replication frame of {len} bytes exceeds {max}")]
    TooLarge { len: usize, max: usize },
    #[error("replication frame does not decode: {0}")]
    Malformed(String),
    #[error("replication message over its limits: {0}")]
    Limit(&'static str),
}

impl ReplMsg {
    pub fn validate(&self) -> Result<(), ReplError> {
        match self {
            ReplMsg::Events { events, chains } => {
                if events.len() > EVENTS_PER_BATCH_MAX {
                    return Err(ReplError::Limit("events per batch"));
                }
                if chains.len() > CHAINS_PER_MESSAGE_MAX || chains.iter().any(|c| c.len() > 8) {
                    return Err(ReplError::Limit("chains"));
                }
            }
            ReplMsg::Want { prefixes }
                if (prefixes.len() > 1 << 20 || prefixes.iter().any(|p| p.len() != 16)) =>
            {
                return Err(ReplError::Limit("wanted prefixes"));
            }
            _ => {}
        }
        Ok(())
    }
}

/// Length-prefixed CBOR.
pub fn encode_repl(msg: &ReplMsg) -> Vec<u8> {
    // Encoding our own message types into a Vec cannot fail.
    let body = cbor4ii::serde::to_vec(Vec::new(), msg).expect("cbor encode");
    let mut out = Vec::with_capacity(body.len() + 4);
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(&body);
    out
}

/// Reads the length prefix; the caller then reads exactly that many bytes.
pub fn frame_len(prefix: [u8; 4]) -> Result<usize, ReplError> {
    let len = u32::from_be_bytes(prefix) as usize;
    if len > MAX_REPL_FRAME_BYTES {
        return Err(ReplError::TooLarge {
            len,
            max: MAX_REPL_FRAME_BYTES,
        });
    }
    Ok(len)
}

pub fn decode_repl(body: &[u8]) -> Result<ReplMsg, ReplError> {
    let msg: ReplMsg = crate::cbor::decode_exact(body, "replication message")
        .map_err(|e| ReplError::Malformed(e.to_string()))?;
    msg.validate()?;
    Ok(msg)
}

/// Which of two linked sites starts anti-entropy: the lower code, so exactly one does.
pub fn initiates_sync(local: &str, remote: &str) -> bool {
    local < remote
}

/// Splits events into batches under both the count and the byte limits.
pub fn batches(events: Vec<Vec<u8>>, max_bytes: usize) -> Vec<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    let mut size = 0;
    for e in events {
        if !cur.is_empty() && (cur.len() >= EVENTS_PER_BATCH_MAX || size + e.len() > max_bytes) {
            out.push(std::mem::take(&mut cur));
            size = 0;
        }
        size += e.len() + 8;
        cur.push(e);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_limits() {
        let m = ReplMsg::Events {
            events: vec![ByteBuf::from(vec![1, 2, 3])],
            chains: vec![],
        };
        let bytes = encode_repl(&m);
        let len = frame_len(bytes[..4].try_into().unwrap()).unwrap();
        assert_eq!(decode_repl(&bytes[4..4 + len]).unwrap(), m);
        assert!(matches!(
            frame_len((u32::MAX).to_be_bytes()),
            Err(ReplError::TooLarge { .. })
        ));
        assert!(matches!(
            decode_repl(b"\xff\x00garbage"),
            Err(ReplError::Malformed(_))
        ));
        let bad = ReplMsg::Want {
            prefixes: vec![ByteBuf::from(vec![0; 3])],
        };
        assert!(decode_repl(&encode_repl(&bad)[4..]).is_err());
    }

    #[test]
    fn exactly_one_side_initiates() {
        assert!(initiates_sync("00070", "01"));
        assert!(!initiates_sync("01", "00070"));
        assert!(!initiates_sync("01", "01"));
    }

    #[test]
    fn batches_respect_limits() {
        let events: Vec<Vec<u8>> = (0..10_000).map(|i| vec![0u8; 100 + i % 50]).collect();
        let b = batches(events.clone(), 64 * 1024);
        assert_eq!(b.iter().map(Vec::len).sum::<usize>(), events.len());
        assert!(b.iter().all(|x| x.len() <= EVENTS_PER_BATCH_MAX
            && x.iter().map(|e| e.len() + 8).sum::<usize>() <= 64 * 1024 + 200));
    }
}
