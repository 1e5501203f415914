//! The messages of a reconciliation session and their wire encoding.
//!
//! Owns [`ReconcileMsg`], its CBOR encoding, and the checks every message from a peer must pass
//! before the state machines look at it. It does not decide what to answer (see the parent
//! module).
//!
//! # Wire format
//!
//! One message is one CBOR item of at most [`MAX_MESSAGE_BYTES`]: an externally tagged enum
//! (a one-entry map from the variant name to a map of fields), as `cbor4ii`'s serde encoding
//! gives. Lists of fixed-size items travel as one byte string each, concatenated:
//!
//! | variant | fields |
//! |---|---|
//! | `Sketch` | `session` u64, `round` u8, `total_items` u64, `cells` bytes (`n` × 28, `n` a ladder size) |
//! | `Larger` | `session`, `round`, `total_items` |
//! | `FullList` | `session`, `round`, `range_start` bytes(32), `range_end` bytes(32) or null, `ids` bytes (`n` × 32, strictly ascending, all in `[range_start, range_end)`) |
//! | `Diff` | `session`, `round`, `have_prefixes` bytes (`n` × 16, strictly ascending), `want_prefixes` (same), `complete` bool |
//!
//! Unknown fields are ignored (a later version may add some); unknown variants and trailing
//! bytes are errors. The encoding is pinned by the `wire_format_is_pinned` test.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_bytes::ByteBuf;

use super::iblt::{prefix_of, Iblt, Prefix, CELL_BYTES, PREFIX_BYTES};
use super::{
    is_ladder_size, ReconcileError, MAX_DIFF_PREFIXES, MAX_FULL_LIST_IDS, MAX_MESSAGE_BYTES,
    MAX_ROUNDS,
};
use crate::log::{EventId, EVENT_ID_BYTES};

/// One message of a reconciliation session. Every message carries the session id chosen by the
/// initiator and the round it belongs to; answers echo both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReconcileMsg {
    /// Initiator → responder: the initiator's set as an IBLT keyed by `session`.
    Sketch {
        session: u64,
        round: u8,
        /// Size of the initiator's set.
        total_items: u64,
        iblt: Iblt,
    },
    /// Responder → initiator: the sketch of `round` could not be decoded; send a larger one.
    Larger {
        session: u64,
        round: u8,
        /// Size of the responder's set: the initiator skips sizes too small for the difference.
        total_items: u64,
    },
    /// Initiator → responder: every id of the initiator in `[range_start, range_end)`
    /// (`None`: to the end), ascending. The fallback when sketches would be too large.
    FullList {
        session: u64,
        round: u8,
        range_start: EventId,
        range_end: Option<EventId>,
        ids: Vec<EventId>,
    },
    /// Responder → initiator: the difference found in `round`.
    Diff {
        session: u64,
        round: u8,
        /// Prefixes of ids the responder has and the initiator lacks (the responder sends
        /// those events).
        have_prefixes: Vec<Prefix>,
        /// Prefixes of ids the initiator has and the responder lacks (the initiator sends
        /// those events).
        want_prefixes: Vec<Prefix>,
        /// False when `have_prefixes` was cut at [`MAX_DIFF_PREFIXES`]: run another session
        /// after the transfer.
        complete: bool,
    },
}

#[derive(Serialize, Deserialize)]
enum Wire {
    Sketch {
        session: u64,
        round: u8,
        total_items: u64,
        cells: ByteBuf,
    },
    Larger {
        session: u64,
        round: u8,
        total_items: u64,
    },
    FullList {
        session: u64,
        round: u8,
        range_start: ByteBuf,
        range_end: Option<ByteBuf>,
        ids: ByteBuf,
    },
    Diff {
        session: u64,
        round: u8,
        have_prefixes: ByteBuf,
        want_prefixes: ByteBuf,
        complete: bool,
    },
}

fn concat<const N: usize>(items: &[[u8; N]]) -> ByteBuf {
    ByteBuf::from(items.concat())
}

fn split<const N: usize>(
    field: &'static str,
    bytes: &[u8],
) -> Result<Vec<[u8; N]>, ReconcileError> {
    if !bytes.len().is_multiple_of(N) {
        return Err(ReconcileError::Invalid {
            field,
            reason: "length is not a whole number of items",
        });
    }
    Ok(bytes
        .chunks_exact(N)
        .map(|chunk| {
            let mut item = [0u8; N];
            item.copy_from_slice(chunk);
            item
        })
        .collect())
}

fn check_count(field: &'static str, len: usize, max: usize) -> Result<(), ReconcileError> {
    if len > max {
        return Err(ReconcileError::Limit { field, len, max });
    }
    Ok(())
}

fn check_ascending<T: Ord>(field: &'static str, items: &[T]) -> Result<(), ReconcileError> {
    if items.windows(2).any(|w| w[0] >= w[1]) {
        return Err(ReconcileError::Invalid {
            field,
            reason: "must be strictly ascending",
        });
    }
    Ok(())
}

impl ReconcileMsg {
    pub fn session(&self) -> u64 {
        match self {
            ReconcileMsg::Sketch { session, .. }
            | ReconcileMsg::Larger { session, .. }
            | ReconcileMsg::FullList { session, .. }
            | ReconcileMsg::Diff { session, .. } => *session,
        }
    }

    pub fn round(&self) -> u8 {
        match self {
            ReconcileMsg::Sketch { round, .. }
            | ReconcileMsg::Larger { round, .. }
            | ReconcileMsg::FullList { round, .. }
            | ReconcileMsg::Diff { round, .. } => *round,
        }
    }

    /// The variant name, for errors and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            ReconcileMsg::Sketch { .. } => "Sketch",
            ReconcileMsg::Larger { .. } => "Larger",
            ReconcileMsg::FullList { .. } => "FullList",
            ReconcileMsg::Diff { .. } => "Diff",
        }
    }

    /// Checks every count, size and order rule of the wire format.
    pub fn validate(&self) -> Result<(), ReconcileError> {
        if usize::from(self.round()) >= MAX_ROUNDS {
            return Err(ReconcileError::Limit {
                field: "round",
                len: usize::from(self.round()),
                max: MAX_ROUNDS - 1,
            });
        }
        match self {
            ReconcileMsg::Sketch { session, iblt, .. } => {
                if !is_ladder_size(iblt.len()) {
                    return Err(ReconcileError::Invalid {
                        field: "cells",
                        reason: "cell count is not a size of the ladder",
                    });
                }
                if iblt.key() != *session {
                    return Err(ReconcileError::Invalid {
                        field: "cells",
                        reason: "the IBLT is not keyed by the session id",
                    });
                }
            }
            ReconcileMsg::Larger { .. } => {}
            ReconcileMsg::FullList {
                range_start,
                range_end,
                ids,
                ..
            } => {
                check_count("ids", ids.len(), MAX_FULL_LIST_IDS)?;
                check_ascending("ids", ids)?;
                let below_start = ids.first().is_some_and(|first| first < range_start);
                let past_end = match (range_end, ids.last()) {
                    (Some(end), Some(last)) => last >= end,
                    _ => false,
                };
                if range_end.is_some_and(|end| end <= *range_start) || below_start || past_end {
                    return Err(ReconcileError::Invalid {
                        field: "ids",
                        reason: "ids or range bounds out of order",
                    });
                }
            }
            ReconcileMsg::Diff {
                have_prefixes,
                want_prefixes,
                ..
            } => {
                check_count("have_prefixes", have_prefixes.len(), MAX_DIFF_PREFIXES)?;
                check_count("want_prefixes", want_prefixes.len(), MAX_DIFF_PREFIXES)?;
                check_ascending("have_prefixes", have_prefixes)?;
                check_ascending("want_prefixes", want_prefixes)?;
            }
        }
        Ok(())
    }

    fn to_wire(&self) -> Wire {
        match self {
            ReconcileMsg::Sketch {
                session,
                round,
                total_items,
                iblt,
            } => Wire::Sketch {
                session: *session,
                round: *round,
                total_items: *total_items,
                cells: ByteBuf::from(iblt.to_bytes()),
            },
            ReconcileMsg::Larger {
                session,
                round,
                total_items,
            } => Wire::Larger {
                session: *session,
                round: *round,
                total_items: *total_items,
            },
            ReconcileMsg::FullList {
                session,
                round,
                range_start,
                range_end,
                ids,
            } => Wire::FullList {
                session: *session,
                round: *round,
                range_start: ByteBuf::from(range_start.to_vec()),
                range_end: range_end.map(|end| ByteBuf::from(end.to_vec())),
                ids: concat(ids),
            },
            ReconcileMsg::Diff {
                session,
                round,
                have_prefixes,
                want_prefixes,
                complete,
            } => Wire::Diff {
                session: *session,
                round: *round,
                have_prefixes: concat(have_prefixes),
                want_prefixes: concat(want_prefixes),
                complete: *complete,
            },
        }
    }

    fn from_wire(wire: Wire) -> Result<Self, ReconcileError> {
        let id = |field: &'static str, bytes: &[u8]| -> Result<EventId, ReconcileError> {
            bytes.try_into().map_err(|_| ReconcileError::Invalid {
                field,
                reason: "must be a 32-byte event id",
            })
        };
        Ok(match wire {
            Wire::Sketch {
                session,
                round,
                total_items,
                cells,
            } => ReconcileMsg::Sketch {
                session,
                round,
                total_items,
                iblt: Iblt::from_bytes(&cells, session)?,
            },
            Wire::Larger {
                session,
                round,
                total_items,
            } => ReconcileMsg::Larger {
                session,
                round,
                total_items,
            },
            Wire::FullList {
                session,
                round,
                range_start,
                range_end,
                ids,
            } => {
                check_count("ids", ids.len() / EVENT_ID_BYTES, MAX_FULL_LIST_IDS)?;
                ReconcileMsg::FullList {
                    session,
                    round,
                    range_start: id("range_start", &range_start)?,
                    range_end: range_end.map(|end| id("range_end", &end)).transpose()?,
                    ids: split::<EVENT_ID_BYTES>("ids", &ids)?,
                }
            }
            Wire::Diff {
                session,
                round,
                have_prefixes,
                want_prefixes,
                complete,
            } => {
                let count = |b: &ByteBuf| b.len() / PREFIX_BYTES;
                check_count("have_prefixes", count(&have_prefixes), MAX_DIFF_PREFIXES)?;
                check_count("want_prefixes", count(&want_prefixes), MAX_DIFF_PREFIXES)?;
                ReconcileMsg::Diff {
                    session,
                    round,
                    have_prefixes: split::<PREFIX_BYTES>("have_prefixes", &have_prefixes)?,
                    want_prefixes: split::<PREFIX_BYTES>("want_prefixes", &want_prefixes)?,
                    complete,
                }
            }
        })
    }

    /// Encodes the message. It does not check limits; see [`try_encode`](Self::try_encode).
    pub fn encode(&self) -> Vec<u8> {
        cbor4ii::serde::to_vec(Vec::new(), &self.to_wire())
            // Cannot fail: the writer is a Vec, whose only error is allocation failure, and the
            // derived Serialize impl of Wire (integers, byte buffers, options, bools) never
            // returns a custom error.
            .expect("CBOR encoding of a ReconcileMsg into a Vec cannot fail")
    }

    /// Validates then encodes: refuses what the peer's [`decode`](Self::decode) would refuse.
    pub fn try_encode(&self) -> Result<Vec<u8>, ReconcileError> {
        self.validate()?;
        let bytes = self.encode();
        if bytes.len() > MAX_MESSAGE_BYTES {
            return Err(ReconcileError::TooLarge {
                len: bytes.len(),
                max: MAX_MESSAGE_BYTES,
            });
        }
        Ok(bytes)
    }

    /// Decodes and validates one message from a peer.
    pub fn decode(bytes: &[u8]) -> Result<Self, ReconcileError> {
        if bytes.len() > MAX_MESSAGE_BYTES {
            return Err(ReconcileError::TooLarge {
                len: bytes.len(),
                max: MAX_MESSAGE_BYTES,
            });
        }
        let wire: Wire = crate::cbor::decode_exact(bytes, "reconciliation message")
            .map_err(|e| ReconcileError::Malformed(e.to_string()))?;
        let msg = ReconcileMsg::from_wire(wire)?;
        msg.validate()?;
        Ok(msg)
    }
}

/// The same encoding as [`ReconcileMsg::encode`], so a message can travel inside another
/// CBOR message. Deserializing validates like [`ReconcileMsg::decode`], but the outer message's
/// size limit is the caller's to enforce.
impl Serialize for ReconcileMsg {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_wire().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ReconcileMsg {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let msg = ReconcileMsg::from_wire(Wire::deserialize(deserializer)?)
            .map_err(serde::de::Error::custom)?;
        msg.validate().map_err(serde::de::Error::custom)?;
        Ok(msg)
    }
}

/// The prefixes of `ids`, deduplicated, in order (`ids` ascending gives prefixes ascending).
pub(super) fn prefixes_of(ids: &[EventId]) -> Vec<Prefix> {
    let mut out: Vec<Prefix> = ids.iter().map(prefix_of).collect();
    out.dedup();
    out
}

/// Encoded size of a sketch of `cells` cells, for choosing between a sketch and a full list.
pub(super) fn sketch_bytes(cells: usize) -> usize {
    cells * CELL_BYTES
}
