//! Milestones: when the session started and ended, or that it was cancelled.
//!
//! Owns `Started`, `Ended` and `Cancelled`. The phase is derived from which of them exist
//! (`settle`), so a late or concurrent one can never move the session backwards.

use super::registers::{keep_first, Mark};
use super::transition::misrouted;
use super::{Cancellation, SessionState};
use crate::session::{SessionError, SessionEvent};

impl SessionState {
    /// Milestones keep their first event, by mark: a start or end written again later (by a
    /// buggy or hostile chair) cannot restate when the session took place.
    pub(super) fn apply_milestone(
        &mut self,
        event: &SessionEvent,
        mark: Mark,
    ) -> Result<(), SessionError> {
        match event {
            SessionEvent::Started { at_ms } => {
                if keep_first(&mut self.start_mark, mark) {
                    self.started_at_ms = Some(*at_ms);
                }
            }
            SessionEvent::Ended { at_ms } => {
                if keep_first(&mut self.end_mark, mark) {
                    self.ended_at_ms = Some(*at_ms);
                }
            }
            SessionEvent::Cancelled { at_ms, reason } => {
                if keep_first(&mut self.cancel_mark, mark) {
                    self.cancelled = Some(Cancellation {
                        at_ms: *at_ms,
                        reason: reason.clone(),
                    });
                }
            }
            _ => return Err(misrouted(event)),
        }
        Ok(())
    }
}
