//! Who may write what, and when: the rules of an online session.
//!
//! Owns [`SessionState::check`], which the node runs before signing an event, and the two
//! halves it is made of:
//! - the *authority* rules, which depend only on the schedule fixed by the genesis event: only
//!   the chair's site (the central bridge point) sends the notice, starts, ends, cancels, links
//!   cases and gives or takes the floor; only sites that are bridge points write at all; each
//!   point records its own participants, hands and recordings. The fold applies these too, to
//!   every event, in any order;
//! - the *sequence* rules, which depend on the session as it stands: the session never goes
//!   back (scheduled → testing → live → ended, or cancelled before it starts), the floor goes
//!   only to someone present and is taken back only from its holder. Only [`check`] applies
//!   them; the fold's merges make a late or concurrent out-of-sequence event harmless instead
//!   (see `state`).
//!
//! It must not change the state.
//!
//! [`check`]: SessionState::check

use super::category::check_session_type;
use super::state::{Phase, SealedRecording, SessionState};
use super::{check_count, Role, SessionError, SessionEvent, MAX_LINKED_CASES};
use crate::sites::Registry;

impl SessionState {
    /// Whether `author` may write `event` now: its shape, the author's authority given the
    /// schedule, and the sequence rules (no going back; the floor only to someone present;
    /// ...). The node calls this before signing; the fold applies only the first two (see the
    /// module doc).
    pub fn check(&self, author: &str, event: &SessionEvent) -> Result<(), SessionError> {
        event.validate()?;
        if let SessionEvent::Scheduled {
            session_type,
            case_ids,
            categories,
            ..
        } = event
        {
            self.check_schedule(author, event)?;
            // New schedules say their type and each case's Art 20 situation; the fold still
            // reads old ones without them.
            check_session_type(*session_type)?;
            if let Some(c) = case_ids
                .iter()
                .find(|c| !categories.iter().any(|k| k.case_id == **c))
            {
                return Err(SessionError::CategoryMissing(c.clone()));
            }
            return Ok(());
        }
        if let SessionEvent::CaseLinked {
            case_id,
            category: None,
        } = event
        {
            return Err(SessionError::CategoryMissing(case_id.clone()));
        }
        self.check_authority(author, event)?;
        self.check_sequence(event)
    }

    /// The genesis: one per session, for this session, by the chair's site, every site in the
    /// official list.
    pub(super) fn check_schedule(
        &self,
        author: &str,
        event: &SessionEvent,
    ) -> Result<(), SessionError> {
        let SessionEvent::Scheduled {
            session_id,
            chair_site,
            points,
            ..
        } = event
        else {
            return Err(SessionError::NotScheduled);
        };
        if self.schedule.is_some() {
            return Err(SessionError::AlreadyScheduled);
        }
        if *session_id != self.session_id {
            return Err(SessionError::WrongSession {
                expected: self.session_id.clone(),
                found: session_id.clone(),
            });
        }
        let registry = Registry::official();
        registry.get(chair_site)?;
        for p in points {
            registry.get(p)?;
        }
        if author != chair_site {
            return Err(SessionError::NotTheChair {
                author: author.to_owned(),
                chair: chair_site.clone(),
            });
        }
        Ok(())
    }

    /// Who may write what, given the schedule. Independent of every other event but the
    /// genesis, so the fold can apply it in any order.
    pub(super) fn check_authority(
        &self,
        author: &str,
        event: &SessionEvent,
    ) -> Result<(), SessionError> {
        let Some(schedule) = &self.schedule else {
            return Err(SessionError::NotScheduled);
        };
        let chair = schedule.chair_site.as_str();
        if !self.is_point(author) {
            return Err(SessionError::NotAPoint(author.to_owned()));
        }
        let chair_only = || {
            if author == chair {
                Ok(())
            } else {
                Err(SessionError::NotTheChair {
                    author: author.to_owned(),
                    chair: chair.to_owned(),
                })
            }
        };
        let a_point = |point: &str| {
            if self.is_point(point) {
                Ok(())
            } else {
                Err(SessionError::NotAPoint(point.to_owned()))
            }
        };
        // Each point records its own people and its own link; the chair's site may also record
        // a point's link (it sees it from the centre) and remove someone or lower a hand.
        let own_point = |point: &str, chair_too: bool| {
            a_point(point)?;
            if author == point || (chair_too && author == chair) {
                Ok(())
            } else {
                Err(SessionError::NotYourPoint {
                    author: author.to_owned(),
                    point: point.to_owned(),
                })
            }
        };
        match event {
            SessionEvent::Scheduled { .. } => Err(SessionError::AlreadyScheduled),
            SessionEvent::NoticeSent { .. }
            | SessionEvent::Started { .. }
            | SessionEvent::Ended { .. }
            | SessionEvent::Cancelled { .. }
            | SessionEvent::CaseLinked { .. } => chair_only(),
            SessionEvent::TestConnection { point, .. }
            | SessionEvent::PointConnected { point, .. }
            | SessionEvent::PointDisconnected { point, .. } => own_point(point, true),
            SessionEvent::ParticipantJoined { point, role, .. } => {
                own_point(point, false)?;
                if *role == Role::Chair && point != chair {
                    return Err(SessionError::ChairOutsideCentralPoint {
                        point: point.clone(),
                        chair: chair.to_owned(),
                    });
                }
                Ok(())
            }
            SessionEvent::ParticipantLeft { point, .. }
            | SessionEvent::HandLowered { point, .. } => own_point(point, true),
            SessionEvent::HandRaised { point, .. } => own_point(point, false),
            SessionEvent::FloorGranted { point, .. } | SessionEvent::FloorRevoked { point, .. } => {
                chair_only()?;
                a_point(point)
            }
            SessionEvent::RecordingSealed { site, .. } => own_point(site, false),
            SessionEvent::MinutesIssued { .. } | SessionEvent::ConclusionIssued { .. } => {
                chair_only()
            }
        }
    }

    /// The rules of sequence, checked against the session as it stands (authoring only).
    fn check_sequence(&self, event: &SessionEvent) -> Result<(), SessionError> {
        let phase = self.phase;
        let during = |action: &'static str, allowed: &[Phase]| {
            if allowed.contains(&phase) {
                Ok(())
            } else if phase.is_over() {
                Err(SessionError::SessionOver(phase))
            } else {
                Err(SessionError::WrongPhase { action, phase })
            }
        };
        let not_over = || {
            if phase.is_over() {
                Err(SessionError::SessionOver(phase))
            } else {
                Ok(())
            }
        };
        let present = |point: &str, participant_id: &str| {
            if self
                .participant(point, participant_id)
                .is_some_and(|p| p.present)
            {
                Ok(())
            } else {
                Err(SessionError::NotAParticipant {
                    point: point.to_owned(),
                    participant_id: participant_id.to_owned(),
                })
            }
        };
        match event {
            SessionEvent::Scheduled { .. } => Err(SessionError::AlreadyScheduled),
            SessionEvent::NoticeSent { .. } => {
                during("sending the notice", &[Phase::Scheduled, Phase::Testing])
            }
            SessionEvent::TestConnection { .. } => match phase {
                Phase::Scheduled | Phase::Testing => Ok(()),
                Phase::Live => Err(SessionError::CannotGoBack {
                    from: phase,
                    to: Phase::Testing,
                }),
                Phase::Ended | Phase::Cancelled => Err(SessionError::SessionOver(phase)),
            },
            SessionEvent::PointConnected { .. } | SessionEvent::PointDisconnected { .. } => {
                not_over()
            }
            SessionEvent::ParticipantJoined {
                point,
                participant_id,
                ..
            } => {
                not_over()?;
                self.room_for(point, participant_id)
            }
            SessionEvent::ParticipantLeft {
                point,
                participant_id,
            }
            | SessionEvent::HandLowered {
                point,
                participant_id,
            } => {
                not_over()?;
                present(point, participant_id)
            }
            SessionEvent::HandRaised {
                point,
                participant_id,
            } => {
                during("raising a hand", &[Phase::Testing, Phase::Live])?;
                present(point, participant_id)
            }
            SessionEvent::FloorGranted {
                point,
                participant_id,
            } => {
                during("granting the floor", &[Phase::Testing, Phase::Live])?;
                present(point, participant_id)
            }
            SessionEvent::FloorRevoked {
                point,
                participant_id,
            } => {
                not_over()?;
                let holds = self
                    .floor
                    .as_ref()
                    .is_some_and(|f| f.point == *point && f.participant_id == *participant_id);
                if holds {
                    Ok(())
                } else {
                    Err(SessionError::NotHoldingFloor {
                        point: point.clone(),
                        participant_id: participant_id.clone(),
                    })
                }
            }
            SessionEvent::Started { .. } => move_to(phase, Phase::Live),
            SessionEvent::Ended { .. } => move_to(phase, Phase::Ended),
            SessionEvent::Cancelled { .. } => move_to(phase, Phase::Cancelled),
            SessionEvent::CaseLinked { case_id, .. } => {
                if phase == Phase::Cancelled {
                    return Err(SessionError::SessionOver(phase));
                }
                if self.linked_cases.contains(case_id) {
                    return Err(SessionError::AlreadyLinked(case_id.clone()));
                }
                check_count(
                    "linked cases",
                    self.linked_cases.len() + 1,
                    MAX_LINKED_CASES,
                )
            }
            SessionEvent::MinutesIssued { .. } => during("issuing the minutes", &[Phase::Ended]),
            SessionEvent::ConclusionIssued { notice } => {
                during("issuing the conclusion notice", &[Phase::Ended])?;
                notice.check_against(self)
            }
            SessionEvent::RecordingSealed { site, index_id } => {
                during("sealing a recording", &[Phase::Live, Phase::Ended])?;
                self.room_for_recording(&SealedRecording {
                    site: site.clone(),
                    index_id: *index_id,
                })
            }
        }
    }
}

/// Whether a milestone may move the session from `from` to `to`.
fn move_to(from: Phase, to: Phase) -> Result<(), SessionError> {
    use Phase::*;
    match (from, to) {
        _ if from == to => Err(SessionError::Already(from)),
        (Ended | Cancelled, _) => Err(SessionError::SessionOver(from)),
        (Scheduled, Testing | Live | Cancelled) | (Testing, Live | Cancelled) | (Live, Ended) => {
            Ok(())
        }
        // A session that has begun is ended, not cancelled; one that has not begun cannot end.
        (Live, Cancelled) => Err(SessionError::WrongPhase {
            action: "cancelling",
            phase: from,
        }),
        (Scheduled | Testing, Ended) => Err(SessionError::WrongPhase {
            action: "ending",
            phase: from,
        }),
        // Every pair left goes back towards scheduled.
        _ => Err(SessionError::CannotGoBack { from, to }),
    }
}
