//! One event's transition: the checks every event passes, then the part of the session that
//! owns its kind.
//!
//! Owns [`SessionState::transition`]: every event is checked for its shape; the genesis goes
//! to `preparation`; any other event must pass the authority rules (`rules`), which depend on
//! the schedule alone, so the fold stays independent of the order of concurrent events. After
//! the event's part has merged it, what is derived is settled again (`settle`).

use super::registers::Mark;
use super::{AppliedEvent, SessionState};
use crate::session::{SessionError, SessionEvent};

/// The part of the session an event kind belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// The schedule, the notice, test and point connections (`preparation`).
    Preparation,
    /// Joins, leaves, hands and the floor (`participation`).
    Participation,
    /// Start, end, cancellation (`milestones`).
    Milestone,
    /// Cases linked and recordings sealed (`records`).
    Record,
}

impl Part {
    fn of(event: &SessionEvent) -> Part {
        match event {
            SessionEvent::Scheduled { .. }
            | SessionEvent::NoticeSent { .. }
            | SessionEvent::TestConnection { .. }
            | SessionEvent::PointConnected { .. }
            | SessionEvent::PointDisconnected { .. } => Part::Preparation,
            SessionEvent::ParticipantJoined { .. }
            | SessionEvent::ParticipantLeft { .. }
            | SessionEvent::HandRaised { .. }
            | SessionEvent::HandLowered { .. }
            | SessionEvent::FloorGranted { .. }
            | SessionEvent::FloorRevoked { .. } => Part::Participation,
            SessionEvent::Started { .. }
            | SessionEvent::Ended { .. }
            | SessionEvent::Cancelled { .. } => Part::Milestone,
            SessionEvent::CaseLinked { .. }
            | SessionEvent::RecordingSealed { .. }
            | SessionEvent::MinutesIssued { .. }
            | SessionEvent::ConclusionIssued { .. } => Part::Record,
        }
    }
}

/// An event handed to a part that does not own its kind. [`SessionState::transition`] never
/// does this; the parts answer with an error rather than a panic so the fold cannot panic.
pub(super) fn misrouted(event: &SessionEvent) -> SessionError {
    SessionError::Malformed(format!(
        "{} was handed to the wrong part of the session fold",
        event.name()
    ))
}

impl SessionState {
    pub(super) fn transition(
        &mut self,
        ev: &AppliedEvent<'_>,
        mark: Mark,
    ) -> Result<(), SessionError> {
        ev.event.validate()?;
        if let SessionEvent::Scheduled { .. } = ev.event {
            return self.apply_schedule(ev);
        }
        self.check_authority(ev.author, ev.event)?;

        let who = ev.event.participant();
        match Part::of(ev.event) {
            Part::Preparation => self.apply_preparation(ev.event, mark)?,
            Part::Participation => self.apply_participation(ev.event, mark)?,
            Part::Milestone => self.apply_milestone(ev.event, mark)?,
            Part::Record => self.apply_record(ev.event, mark)?,
        }
        self.settle(who);
        Ok(())
    }
}
