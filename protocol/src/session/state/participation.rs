//! Participation: who is present at each bridge point, whose hand is up and who holds the
//! floor.
//!
//! Owns joins and leaves, raised and lowered hands, and floor grants and revocations. Each is a
//! last-writer-wins register of one participant, ordered by mark; presence, the floor and the
//! queue of hands are derived from them (`settle`). Owns the bound on participants too, which
//! the write-time rules check the same way.

use super::registers::{keep_later, Joined, Mark, Registers};
use super::transition::misrouted;
use super::{ParticipantRef, SessionState};
use crate::session::{check_count, SessionError, SessionEvent, MAX_PARTICIPANTS};

impl SessionState {
    /// Merges the event into the participant's registers; refused only past
    /// [`MAX_PARTICIPANTS`].
    pub(super) fn apply_participation(
        &mut self,
        event: &SessionEvent,
        mark: Mark,
    ) -> Result<(), SessionError> {
        match event {
            SessionEvent::ParticipantJoined {
                point,
                participant_id,
                display_name,
                role,
                identity_check,
            } => {
                let r = self.registers_mut(point, participant_id)?;
                if r.joined.as_ref().is_none_or(|(m, _)| mark > *m) {
                    r.joined = Some((
                        mark,
                        Joined {
                            display_name: display_name.clone(),
                            role: *role,
                            identity_check: identity_check.clone(),
                        },
                    ));
                }
            }
            SessionEvent::ParticipantLeft {
                point,
                participant_id,
            } => keep_later(&mut self.registers_mut(point, participant_id)?.left, mark),
            SessionEvent::HandRaised {
                point,
                participant_id,
            } => keep_later(&mut self.registers_mut(point, participant_id)?.raised, mark),
            SessionEvent::HandLowered {
                point,
                participant_id,
            } => keep_later(
                &mut self.registers_mut(point, participant_id)?.lowered,
                mark,
            ),
            SessionEvent::FloorGranted {
                point,
                participant_id,
            } => keep_later(
                &mut self.registers_mut(point, participant_id)?.granted,
                mark,
            ),
            SessionEvent::FloorRevoked {
                point,
                participant_id,
            } => keep_later(
                &mut self.registers_mut(point, participant_id)?.revoked,
                mark,
            ),
            _ => return Err(misrouted(event)),
        }
        Ok(())
    }

    /// The participant's registers, created if there is room for them.
    fn registers_mut(
        &mut self,
        point: &str,
        participant_id: &str,
    ) -> Result<&mut Registers, SessionError> {
        self.room_for(point, participant_id)?;
        let key = ParticipantRef {
            point: point.to_owned(),
            participant_id: participant_id.to_owned(),
        };
        Ok(self.registers.entry(key).or_default())
    }

    /// The participant is known already, or there is room for one more.
    pub(in crate::session) fn room_for(
        &self,
        point: &str,
        participant_id: &str,
    ) -> Result<(), SessionError> {
        let key = ParticipantRef {
            point: point.to_owned(),
            participant_id: participant_id.to_owned(),
        };
        if self.registers.contains_key(&key) {
            return Ok(());
        }
        check_count("participants", self.registers.len() + 1, MAX_PARTICIPANTS)
    }
}
