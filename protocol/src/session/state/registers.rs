//! The merges the session fold is made of: an event's mark, and the last-writer-wins registers
//! of each participant.
//!
//! Owns [`Mark`], the helpers that keep the earliest or latest of a value (so that folding
//! concurrent events in any order gives the same result; see the parent module's doc), and
//! [`Registers`], from which presence and a raised hand are derived.

use crate::log::EventId;
use crate::session::{IdentityCheck, Role};

/// An event's place in the session's causal time: its stamp, then its id (see the parent
/// module's doc).
pub(super) type Mark = (u64, EventId);

/// Keeps the later of `slot` and `mark`.
pub(super) fn keep_later(slot: &mut Option<Mark>, mark: Mark) {
    if slot.is_none_or(|s| mark > s) {
        *slot = Some(mark);
    }
}

/// Keeps the earlier of `slot` and `mark`; true if `mark` is now kept.
pub(super) fn keep_first(slot: &mut Option<Mark>, mark: Mark) -> bool {
    let first = slot.is_none_or(|s| mark < s);
    if first {
        *slot = Some(mark);
    }
    first
}

/// Keeps the earlier of `slot` and `at_ms`.
pub(super) fn keep_earlier(slot: &mut Option<u64>, at_ms: u64) {
    if slot.is_none_or(|s| at_ms < s) {
        *slot = Some(at_ms);
    }
}

/// `a` is set and later than `b`.
pub(super) fn after(a: Option<Mark>, b: Option<Mark>) -> bool {
    a.is_some() && a > b
}

/// The fields of the latest join of a participant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Joined {
    pub(super) display_name: String,
    pub(super) role: Role,
    pub(super) identity_check: IdentityCheck,
}

/// The last-writer-wins registers of one participant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Registers {
    pub(super) joined: Option<(Mark, Joined)>,
    pub(super) left: Option<Mark>,
    pub(super) raised: Option<Mark>,
    pub(super) lowered: Option<Mark>,
    pub(super) granted: Option<Mark>,
    pub(super) revoked: Option<Mark>,
}

impl Registers {
    fn joined_mark(&self) -> Option<Mark> {
        self.joined.as_ref().map(|(m, _)| *m)
    }

    pub(super) fn present(&self) -> bool {
        after(self.joined_mark(), self.left)
    }

    /// The hand is up if raised after it was lowered, after they got the floor and after they
    /// left.
    pub(super) fn hand_up(&self) -> bool {
        let latest_other = self.lowered.max(self.granted).max(self.left);
        after(self.raised, latest_other)
    }
}
