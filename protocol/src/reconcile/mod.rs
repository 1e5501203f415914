//! Set reconciliation of event ids between two sites (anti-entropy, Flow 2).
//!
//! After a partition, two sites that should hold the same events learn which ids each lacks,
//! sending about as many bytes as the difference, not the sets. This module owns the session
//! state machines and their bounds: the initiator's [`Reconciler`] and the stateless responder
//! [`respond`]. It must not do I/O, read the clock or choose the set: the caller passes the
//! sorted ids both sides should share (for example every event of the cases in both sites'
//! audiences), and afterwards moves the events itself.
//!
//! # Protocol
//!
//! ```text
//! initiator                                   responder
//!   Sketch{session, round 0, 256 cells}  ──▶  subtract own IBLT, peel
//!                                        ◀──  Diff{have, want}            (decoded)
//!                                        ◀──  Larger{total_items}         (did not)
//!   Sketch{round 1, 4× cells or more}    ──▶  ...
//!   FullList{ids in range} × chunks      ──▶  (sketch ladder exhausted, or a list is smaller)
//!                                        ◀──  Diff{have, want, complete} per chunk
//! ```
//!
//! The IBLT ([`iblt`]) sizes form a ladder: [`INITIAL_CELLS`] × [`CELL_GROWTH`]^r up to
//! [`MAX_CELLS`]. `Larger` carries the responder's set size, so the initiator skips sizes that
//! cannot hold the known minimum difference, and it sends a full list instead of a sketch
//! whenever the list is smaller (small sets, one side nearly empty) or the ladder is exhausted.
//! A full list is cut into at most [`MAX_FULL_LIST_CHUNKS`] chunks of [`MAX_FULL_LIST_IDS`],
//! each covering its own id range, all sent at once: the responder keeps no state. Every
//! message is at most [`MAX_MESSAGE_BYTES`]; a session has at most [`MAX_ROUNDS`] rounds.
//!
//! After a `Diff`, each side pushes the events the other lacks: the initiator those named by
//! [`Reconciled::send`], the responder those in [`Response::send`]. Prefixes are mapped back to
//! full ids against each side's own set with [`resolve_prefixes`].
//!
//! # Run loop
//!
//! The initiator ([`Reconciler`]) never sends on its own: after [`Reconciler::new`] and after
//! each answer it handles, send everything [`Reconciler::poll_transmit`] yields, in order. The
//! responder answers every message with exactly one message, in order, so a driver may read one
//! answer at a time:
//!
//! ```text
//! let mut r = Reconciler::new(session, our_ids)?;
//! while !r.is_finished() {
//!     while let Some(msg) = r.poll_transmit() { send(msg.try_encode()?) }
//!     r.handle_bytes(&receive()?)?;          // any error ends the session
//! }
//! let done = r.outcome();                    // push done.send; the peer pushes the rest
//! ```
//!
//! The responder ([`Responder`], or the free function [`respond`]) keeps no state between
//! messages: `reply = responder.handle_bytes(&received)?`, send `reply.reply`, push
//! `reply.send`. There is no clock here: the caller drops a session that waits too long and
//! later starts a new one with a new `session` id (which also re-keys the hashing).
//!
//! [`simulate`] runs both sides in memory through the wire encoding, for tests, the simulator
//! and the node's benchmark.

pub mod iblt;
pub mod wire;

use std::collections::{BTreeSet, VecDeque};

pub use iblt::{prefix_of, DecodeFailed, Iblt, IbltError, Prefix, PREFIX_BYTES};
pub use wire::ReconcileMsg;

use crate::log::{EventId, EVENT_ID_BYTES};
use wire::{prefixes_of, sketch_bytes};

/// Cells of the first sketch.
pub const INITIAL_CELLS: usize = 256;

/// Each step of the ladder multiplies the cells by this.
pub const CELL_GROWTH: usize = 4;

/// Most cells of a sketch: the top of the ladder.
pub const MAX_CELLS: usize = iblt::MAX_IBLT_CELLS;

/// Most sketches in one session: one per ladder size (256, 1,024, 4,096, 16,384 cells).
pub const MAX_SKETCH_ROUNDS: usize = 4;

/// Most ids in one `FullList` message (1,024,000 bytes of ids).
pub const MAX_FULL_LIST_IDS: usize = 32_000;

/// Most `FullList` chunks in one session: as many as the round counter (a byte) leaves after
/// the sketches, so a province and central sharing several million events still reconcile.
pub const MAX_FULL_LIST_CHUNKS: usize = 240;

/// Largest set an initiator may reconcile: what the full-list fallback can carry (7,680,000
/// ids: a province's events over years). Split larger sets (per case, or by the first byte of
/// the id) into several sessions.
pub const MAX_SET_IDS: usize = MAX_FULL_LIST_IDS * MAX_FULL_LIST_CHUNKS;

/// Most prefixes in each list of a `Diff`.
pub const MAX_DIFF_PREFIXES: usize = 32_000;

/// Most rounds (messages from the initiator) in one session.
pub const MAX_ROUNDS: usize = MAX_SKETCH_ROUNDS + MAX_FULL_LIST_CHUNKS;

/// Largest encoded message, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// The session id [`simulate`] uses.
pub const SIMULATE_SESSION: u64 = 0x7469_6570_6461_6e00;

const _: () = {
    assert!(INITIAL_CELLS * 4 * 4 * 4 == MAX_CELLS && CELL_GROWTH == 4);
    assert!(MAX_ROUNDS <= u8::MAX as usize);
    // The largest message of each kind fits in MAX_MESSAGE_BYTES (1 KiB left for framing).
    assert!(MAX_CELLS * iblt::CELL_BYTES + 1024 <= MAX_MESSAGE_BYTES);
    assert!(MAX_FULL_LIST_IDS * EVENT_ID_BYTES + 1024 <= MAX_MESSAGE_BYTES);
    assert!(2 * MAX_DIFF_PREFIXES * PREFIX_BYTES + 1024 <= MAX_MESSAGE_BYTES);
    assert!(MAX_FULL_LIST_IDS <= MAX_DIFF_PREFIXES);
};

/// Whether `cells` is a size on the ladder.
pub fn is_ladder_size(cells: usize) -> bool {
    let mut size = INITIAL_CELLS;
    while size <= MAX_CELLS {
        if size == cells {
            return true;
        }
        size *= CELL_GROWTH;
    }
    false
}

/// Differences a sketch of `cells` cells is expected to decode (load 2/3; the k=3 peeling
/// threshold is about 0.81).
pub fn capacity(cells: usize) -> usize {
    cells * 2 / 3
}

/// The smallest ladder size above `cells` whose capacity covers `min_difference`.
fn next_ladder_size(cells: usize, min_difference: u64) -> Option<usize> {
    let mut size = cells.checked_mul(CELL_GROWTH)?;
    while size <= MAX_CELLS {
        if capacity(size) as u64 >= min_difference {
            return Some(size);
        }
        size *= CELL_GROWTH;
    }
    None
}

/// Everything that can end a reconciliation session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReconcileError {
    /// A message exceeds [`MAX_MESSAGE_BYTES`].
    #[error("reconciliation message of {len} bytes exceeds the maximum of {max}")]
    TooLarge { len: usize, max: usize },
    /// Not one CBOR reconciliation message.
    #[error("malformed reconciliation message: {0}")]
    Malformed(String),
    /// A count limit is broken.
    #[error("reconciliation field {field} has {len} (at most {max} allowed)")]
    Limit {
        field: &'static str,
        len: usize,
        max: usize,
    },
    /// A field has a forbidden value.
    #[error("reconciliation field {field} is invalid: {reason}")]
    Invalid {
        field: &'static str,
        reason: &'static str,
    },
    /// An IBLT could not be read or combined.
    #[error("{0}")]
    Iblt(#[from] IbltError),
    /// The message belongs to another session.
    #[error("message for session {got}, expected session {expected}")]
    WrongSession { expected: u64, got: u64 },
    /// The message answers a round that is not outstanding.
    #[error("message for round {got}, which is not awaiting an answer")]
    WrongRound { got: u8 },
    /// This side does not accept this kind of message (now).
    #[error("unexpected {got} message")]
    Unexpected { got: &'static str },
    /// The initiator's set is larger than the full-list fallback can carry.
    #[error("set of {len} ids exceeds the {max} one session can reconcile; split it")]
    SetTooLarge { len: usize, max: usize },
    /// The caller's id list is not strictly ascending.
    #[error("the id list given is not sorted ascending without duplicates")]
    NotSorted,
    /// The session already ended (with its outcome or an error).
    #[error("the reconciliation session has already ended")]
    Finished,
}

impl ReconcileError {
    /// A short stable label for metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            ReconcileError::TooLarge { .. } => "too_large",
            ReconcileError::Malformed(_) => "malformed",
            ReconcileError::Limit { .. } => "limit",
            ReconcileError::Invalid { .. } => "invalid",
            ReconcileError::Iblt(_) => "invalid_iblt",
            ReconcileError::WrongSession { .. } => "wrong_session",
            ReconcileError::WrongRound { .. } => "wrong_round",
            ReconcileError::Unexpected { .. } => "unexpected_message",
            ReconcileError::SetTooLarge { .. } => "set_too_large",
            ReconcileError::NotSorted => "not_sorted",
            ReconcileError::Finished => "finished",
        }
    }
}

fn check_sorted(ids: &[EventId]) -> Result<(), ReconcileError> {
    if ids.windows(2).any(|w| w[0] >= w[1]) {
        return Err(ReconcileError::NotSorted);
    }
    Ok(())
}

/// The ids of `sorted_ids` whose prefix is in `prefixes`, ascending. Prefixes matching nothing
/// are skipped.
pub fn resolve_prefixes(sorted_ids: &[EventId], prefixes: &[Prefix]) -> Vec<EventId> {
    let mut out = Vec::with_capacity(prefixes.len());
    for prefix in prefixes {
        let start = sorted_ids.partition_point(|id| prefix_of(id) < *prefix);
        out.extend(
            sorted_ids[start..]
                .iter()
                .take_while(|id| prefix_of(id) == *prefix),
        );
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The result of a finished session, for the initiator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciled {
    /// Our ids the peer lacks: push these events to it. Ascending.
    pub send: Vec<EventId>,
    /// Prefixes of ids the peer has and we lack; the peer pushes those events. Ascending.
    pub missing_prefixes: Vec<Prefix>,
    /// False if the peer cut its list at [`MAX_DIFF_PREFIXES`]: reconcile again after the
    /// transfer.
    pub complete: bool,
    /// Request/answer exchanges the session took (a batch of full-list chunks counts once).
    pub round_trips: u32,
}

#[derive(Debug)]
enum Outgoing {
    Sketch { round: u8, cells: usize },
    Chunk { round: u8, index: usize },
}

#[derive(Debug)]
enum State {
    /// A sketch of `round` is out.
    Sketching {
        round: u8,
        cells: usize,
    },
    /// Full-list chunks are out; these rounds are unanswered.
    Listing {
        outstanding: BTreeSet<u8>,
    },
    Done(Reconciled),
    Failed(ReconcileError),
}

/// The initiator of one reconciliation session. See the module doc for the run loop.
#[derive(Debug)]
pub struct Reconciler {
    session: u64,
    ids: Vec<EventId>,
    state: State,
    /// At most [`MAX_FULL_LIST_CHUNKS`] entries; messages are built when polled.
    transmit: VecDeque<Outgoing>,
    round_trips: u32,
    send: Vec<EventId>,
    missing: Vec<Prefix>,
    complete: bool,
}

impl Reconciler {
    /// Starts a session over `ids` (sorted and deduplicated here). `session` must differ
    /// between sessions with the same peer; it also keys the IBLT hashing.
    pub fn new(session: u64, mut ids: Vec<EventId>) -> Result<Self, ReconcileError> {
        ids.sort_unstable();
        ids.dedup();
        if ids.len() > MAX_SET_IDS {
            return Err(ReconcileError::SetTooLarge {
                len: ids.len(),
                max: MAX_SET_IDS,
            });
        }
        let mut reconciler = Reconciler {
            session,
            ids,
            state: State::Failed(ReconcileError::Finished),
            transmit: VecDeque::new(),
            round_trips: 0,
            send: Vec::new(),
            missing: Vec::new(),
            complete: true,
        };
        if reconciler.full_list_bytes() <= sketch_bytes(INITIAL_CELLS) {
            reconciler.start_listing(0);
        } else {
            reconciler.start_sketch(0, INITIAL_CELLS);
        }
        Ok(reconciler)
    }

    pub fn session(&self) -> u64 {
        self.session
    }

    /// Whether the session ended, with an outcome or an error.
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Done(_) | State::Failed(_))
    }

    /// The outcome, once the session ended well.
    pub fn outcome(&self) -> Option<&Reconciled> {
        match &self.state {
            State::Done(outcome) => Some(outcome),
            _ => None,
        }
    }

    /// The error that ended the session, if one did.
    pub fn error(&self) -> Option<&ReconcileError> {
        match &self.state {
            State::Failed(error) => Some(error),
            _ => None,
        }
    }

    fn full_list_bytes(&self) -> usize {
        self.ids.len() * EVENT_ID_BYTES
    }

    fn start_sketch(&mut self, round: u8, cells: usize) {
        self.round_trips += 1;
        self.state = State::Sketching { round, cells };
        self.transmit.push_back(Outgoing::Sketch { round, cells });
    }

    fn start_listing(&mut self, first_round: u8) {
        self.round_trips += 1;
        let chunks = self.ids.len().div_ceil(MAX_FULL_LIST_IDS).max(1);
        // new() bounds the set to MAX_SET_IDS, so chunks <= MAX_FULL_LIST_CHUNKS; at most
        // MAX_SKETCH_ROUNDS sketches came first, so every round stays below MAX_ROUNDS.
        assert!(chunks <= MAX_FULL_LIST_CHUNKS && usize::from(first_round) <= MAX_SKETCH_ROUNDS);
        let mut outstanding = BTreeSet::new();
        for index in 0..chunks {
            let round = first_round + index as u8;
            outstanding.insert(round);
            self.transmit.push_back(Outgoing::Chunk { round, index });
        }
        self.state = State::Listing { outstanding };
    }

    /// The next message to send, if any. Send them in order.
    pub fn poll_transmit(&mut self) -> Option<ReconcileMsg> {
        let outgoing = self.transmit.pop_front()?;
        Some(match outgoing {
            Outgoing::Sketch { round, cells } => ReconcileMsg::Sketch {
                session: self.session,
                round,
                total_items: self.ids.len() as u64,
                iblt: Iblt::from_ids(cells, self.session, &self.ids)
                    // Cannot fail: `cells` is always a ladder size, within the IBLT bounds.
                    .expect("ladder sizes are valid IBLT sizes"),
            },
            Outgoing::Chunk { round, index } => {
                let start = index * MAX_FULL_LIST_IDS;
                let end = (start + MAX_FULL_LIST_IDS).min(self.ids.len());
                ReconcileMsg::FullList {
                    session: self.session,
                    round,
                    range_start: if index == 0 { [0; 32] } else { self.ids[start] },
                    range_end: self.ids.get(end).copied(),
                    ids: self.ids[start..end].to_vec(),
                }
            }
        })
    }

    /// Decodes then handles an answer from the responder.
    pub fn handle_bytes(&mut self, bytes: &[u8]) -> Result<(), ReconcileError> {
        if self.is_finished() {
            return Err(ReconcileError::Finished);
        }
        match ReconcileMsg::decode(bytes) {
            Ok(msg) => self.handle_message(msg),
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Handles an answer from the responder. An error ends the session.
    pub fn handle_message(&mut self, msg: ReconcileMsg) -> Result<(), ReconcileError> {
        if self.is_finished() {
            return Err(ReconcileError::Finished);
        }
        match self.advance(msg) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.fail(e)),
        }
    }

    fn fail(&mut self, error: ReconcileError) -> ReconcileError {
        self.transmit.clear();
        self.state = State::Failed(error.clone());
        error
    }

    fn advance(&mut self, msg: ReconcileMsg) -> Result<(), ReconcileError> {
        msg.validate()?;
        if msg.session() != self.session {
            return Err(ReconcileError::WrongSession {
                expected: self.session,
                got: msg.session(),
            });
        }
        let expected_round = match &mut self.state {
            State::Sketching { round, .. } => *round == msg.round(),
            State::Listing { outstanding } => outstanding.remove(&msg.round()),
            State::Done(_) | State::Failed(_) => false,
        };
        if !expected_round {
            return Err(ReconcileError::WrongRound { got: msg.round() });
        }
        match msg {
            ReconcileMsg::Larger {
                round, total_items, ..
            } => {
                let State::Sketching { cells, .. } = self.state else {
                    return Err(ReconcileError::Unexpected { got: "Larger" });
                };
                let min_difference = (self.ids.len() as u64).abs_diff(total_items);
                match next_ladder_size(cells, min_difference) {
                    Some(next) if sketch_bytes(next) < self.full_list_bytes() => {
                        self.start_sketch(round + 1, next)
                    }
                    _ => self.start_listing(round + 1),
                }
            }
            ReconcileMsg::Diff {
                have_prefixes,
                want_prefixes,
                complete,
                ..
            } => {
                // Trust the peer only about its own set: send only ids we hold, and expect
                // only ids we lack.
                self.send
                    .extend(resolve_prefixes(&self.ids, &want_prefixes));
                self.missing.extend(
                    have_prefixes
                        .into_iter()
                        .filter(|p| resolve_prefixes(&self.ids, &[*p]).is_empty()),
                );
                self.complete &= complete;
                let finished = match &self.state {
                    State::Sketching { .. } => true,
                    State::Listing { outstanding } => outstanding.is_empty(),
                    State::Done(_) | State::Failed(_) => true,
                };
                if finished {
                    self.finish();
                }
            }
            ReconcileMsg::Sketch { .. } | ReconcileMsg::FullList { .. } => {
                return Err(ReconcileError::Unexpected { got: msg.kind() });
            }
        }
        Ok(())
    }

    fn finish(&mut self) {
        let mut send = std::mem::take(&mut self.send);
        send.sort_unstable();
        send.dedup();
        let mut missing = std::mem::take(&mut self.missing);
        missing.sort_unstable();
        missing.dedup();
        self.state = State::Done(Reconciled {
            send,
            missing_prefixes: missing,
            complete: self.complete,
            round_trips: self.round_trips,
        });
    }
}

/// The responder's answer to one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The message to send back.
    pub reply: ReconcileMsg,
    /// Our ids the initiator lacks: push these events to it. Ascending.
    pub send: Vec<EventId>,
}

/// The responder side of sessions over one set: [`respond`] with the set sorted once, shared
/// (the node keeps one per peer while its records are unchanged), and its own sketches kept:
/// a peer that sends the same sketch again, or several sessions of one size and key, costs one
/// pass over the set, not one per message.
#[derive(Debug, Clone)]
pub struct Responder {
    ids: std::sync::Arc<Vec<EventId>>,
    /// Our sketches by (cells, key), newest last.
    sketches: Vec<((usize, u64), Iblt)>,
}

/// Sketches a responder keeps: one per round of a session.
pub const RESPONDER_SKETCHES: usize = MAX_SKETCH_ROUNDS;

impl Responder {
    /// A responder over `ids` (sorted and deduplicated here).
    pub fn new(mut ids: Vec<EventId>) -> Self {
        ids.sort_unstable();
        ids.dedup();
        Responder {
            ids: std::sync::Arc::new(ids),
            sketches: Vec::new(),
        }
    }

    /// A responder over a set already strictly ascending, shared without a copy.
    pub fn shared(ids: std::sync::Arc<Vec<EventId>>) -> Result<Self, ReconcileError> {
        check_sorted(&ids)?;
        Ok(Responder {
            ids,
            sketches: Vec::new(),
        })
    }

    /// The set, ascending.
    pub fn ids(&self) -> &[EventId] {
        &self.ids
    }

    /// Answers one message; see [`respond`].
    pub fn handle(&mut self, msg: &ReconcileMsg) -> Result<Response, ReconcileError> {
        msg.validate()?;
        let ids = self.ids.clone();
        let sketches = &mut self.sketches;
        respond_with(&ids, msg, |cells, key| {
            if let Some((_, t)) = sketches.iter().find(|(k, _)| *k == (cells, key)) {
                return Ok(t.clone());
            }
            let t = Iblt::from_ids(cells, key, &ids)?;
            if sketches.len() >= RESPONDER_SKETCHES {
                sketches.remove(0);
            }
            sketches.push(((cells, key), t.clone()));
            Ok(t)
        })
    }

    /// Decodes then answers one message from the wire.
    pub fn handle_bytes(&mut self, bytes: &[u8]) -> Result<Response, ReconcileError> {
        self.handle(&ReconcileMsg::decode(bytes)?)
    }
}

/// Answers one message of an initiator. `our_ids` must be strictly ascending. Stateless: each
/// message is answered on its own.
pub fn respond(our_ids: &[EventId], msg: &ReconcileMsg) -> Result<Response, ReconcileError> {
    check_sorted(our_ids)?;
    msg.validate()?;
    respond_with(our_ids, msg, |cells, key| {
        Iblt::from_ids(cells, key, our_ids).map_err(ReconcileError::from)
    })
}

/// [`respond`] on a checked set and message, taking our sketch of a size and key from
/// `sketch`.
fn respond_with(
    our_ids: &[EventId],
    msg: &ReconcileMsg,
    sketch: impl FnOnce(usize, u64) -> Result<Iblt, ReconcileError>,
) -> Result<Response, ReconcileError> {
    let our_total = our_ids.len() as u64;
    match msg {
        ReconcileMsg::Sketch {
            session,
            round,
            total_items,
            iblt,
        } => {
            let larger = Response {
                reply: ReconcileMsg::Larger {
                    session: *session,
                    round: *round,
                    total_items: our_total,
                },
                send: Vec::new(),
            };
            if our_total.abs_diff(*total_items) > capacity(iblt.len()) as u64 {
                return Ok(larger);
            }
            let mut difference = iblt.clone();
            difference.subtract(&sketch(iblt.len(), *session)?)?;
            let Ok((theirs_only, ours_only)) = difference.decode() else {
                return Ok(larger);
            };
            let send = resolve_prefixes(our_ids, &ours_only);
            let consistent =
                send.len() == ours_only.len() && resolve_prefixes(our_ids, &theirs_only).is_empty();
            if !consistent {
                // A checksum collision made a wrong decode look right: ask for a larger one.
                return Ok(larger);
            }
            Ok(Response {
                reply: ReconcileMsg::Diff {
                    session: *session,
                    round: *round,
                    have_prefixes: ours_only,
                    want_prefixes: theirs_only,
                    complete: true,
                },
                send,
            })
        }
        ReconcileMsg::FullList {
            session,
            round,
            range_start,
            range_end,
            ids,
        } => {
            let lo = our_ids.partition_point(|id| id < range_start);
            let hi = match range_end {
                Some(end) => our_ids.partition_point(|id| id < end),
                None => our_ids.len(),
            };
            let ours = &our_ids[lo..hi.max(lo)];
            let (mut have, want) = sorted_difference(ours, ids);
            let complete = have.len() <= MAX_DIFF_PREFIXES;
            have.truncate(MAX_DIFF_PREFIXES);
            Ok(Response {
                reply: ReconcileMsg::Diff {
                    session: *session,
                    round: *round,
                    have_prefixes: prefixes_of(&have),
                    want_prefixes: prefixes_of(&want),
                    complete,
                },
                send: have,
            })
        }
        ReconcileMsg::Larger { .. } | ReconcileMsg::Diff { .. } => {
            Err(ReconcileError::Unexpected { got: msg.kind() })
        }
    }
}

/// `(a − b, b − a)` of two ascending lists, both ascending.
fn sorted_difference(a: &[EventId], b: &[EventId]) -> (Vec<EventId>, Vec<EventId>) {
    let (mut only_a, mut only_b) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                only_a.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                only_b.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
            }
        }
    }
    only_a.extend_from_slice(&a[i..]);
    only_b.extend_from_slice(&b[j..]);
    (only_a, only_b)
}

/// What a simulated session cost and found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconcileStats {
    /// Request/answer exchanges (a batch of full-list chunks counts once).
    pub round_trips: u32,
    /// Encoded bytes of every message from A (initiator) to B.
    pub bytes_a_to_b: usize,
    /// Encoded bytes of every message from B (responder) to A.
    pub bytes_b_to_a: usize,
    /// Ids B holds and A lacks, as B will push them. Ascending.
    pub missing_at_a: Vec<EventId>,
    /// Ids A holds and B lacks, as A will push them. Ascending.
    pub missing_at_b: Vec<EventId>,
    /// Whether the session found the whole difference (see [`Reconciled::complete`]).
    pub complete: bool,
}

/// Runs one session in memory, A initiating with `a` and B responding with `b`, every message
/// going through the wire encoding. Uses [`SIMULATE_SESSION`].
pub fn simulate(a: &[EventId], b: &[EventId]) -> Result<ReconcileStats, ReconcileError> {
    let mut responder = Responder::new(b.to_vec());
    let mut initiator = Reconciler::new(SIMULATE_SESSION, a.to_vec())?;
    let mut stats = ReconcileStats {
        round_trips: 0,
        bytes_a_to_b: 0,
        bytes_b_to_a: 0,
        missing_at_a: Vec::new(),
        missing_at_b: Vec::new(),
        complete: false,
    };
    while !initiator.is_finished() {
        let mut batch = Vec::new();
        while let Some(msg) = initiator.poll_transmit() {
            batch.push(msg.try_encode()?);
        }
        // The initiator always has a message out while it is not finished.
        assert!(!batch.is_empty(), "initiator stalled");
        stats.round_trips += 1;
        assert!(
            stats.round_trips as usize <= MAX_ROUNDS,
            "session did not end"
        );
        for request in batch {
            stats.bytes_a_to_b += request.len();
            let response = responder.handle_bytes(&request)?;
            stats.missing_at_a.extend(response.send);
            let answer = response.reply.try_encode()?;
            stats.bytes_b_to_a += answer.len();
            initiator.handle_bytes(&answer)?;
        }
    }
    let outcome = initiator.outcome().ok_or_else(|| {
        initiator
            .error()
            .cloned()
            .unwrap_or(ReconcileError::Finished)
    })?;
    debug_assert_eq!(outcome.round_trips, stats.round_trips);
    stats.missing_at_a.sort_unstable();
    stats.missing_at_a.dedup();
    stats.missing_at_b = outcome.send.clone();
    stats.complete = outcome.complete;
    Ok(stats)
}

#[cfg(test)]
mod tests;
