//! What the fold derives again after every event: the phase, the entry of the participant the
//! event named, who holds the floor and whose hands are up.
//!
//! Owns [`SessionState::settle`]. Everything here is recomputed from the milestones and the
//! registers rather than updated step by step, so it cannot depend on the order of events.

use super::registers::Mark;
use super::{Participant, ParticipantRef, Phase, SessionState};

impl SessionState {
    /// Recomputes what is derived from the milestones and registers: the phase, the entry of
    /// the participant the event named (if any), the floor and the hands.
    pub(super) fn settle(&mut self, changed: Option<(&str, &str)>) {
        self.phase = if self.ended_at_ms.is_some() {
            Phase::Ended
        } else if self.started_at_ms.is_some() {
            Phase::Live
        } else if self.cancelled.is_some() {
            Phase::Cancelled
        } else if self.tested {
            Phase::Testing
        } else {
            Phase::Scheduled
        };

        if let Some((point, participant_id)) = changed {
            let key = ParticipantRef {
                point: point.to_owned(),
                participant_id: participant_id.to_owned(),
            };
            // Someone given the floor or removed before their join arrived has no entry yet.
            if let Some(r) = self.registers.get(&key) {
                if let Some((_, j)) = &r.joined {
                    self.participants.entry(key.point).or_default().insert(
                        key.participant_id,
                        Participant {
                            display_name: j.display_name.clone(),
                            role: j.role,
                            identity_check: j.identity_check.clone(),
                            present: r.present(),
                        },
                    );
                }
            }
        }

        self.floor = None;
        self.raised_hands.clear();
        if self.phase.is_over() {
            return;
        }
        // The latest grant names the holder; it holds the floor unless the floor was taken
        // back from them, or they left, after it. An earlier holder never gets it back.
        let latest_grant = self
            .registers
            .iter()
            .filter_map(|(k, r)| r.granted.map(|g| (g, k, r)))
            .max_by_key(|(g, _, _)| *g);
        if let Some((g, key, r)) = latest_grant {
            if Some(g) > r.revoked.max(r.left) {
                self.floor = Some(key.clone());
            }
        }
        let mut hands: Vec<(Mark, &ParticipantRef)> = self
            .registers
            .iter()
            .filter(|(_, r)| r.hand_up())
            .filter_map(|(k, r)| r.raised.map(|m| (m, k)))
            .collect();
        hands.sort();
        self.raised_hands = hands.into_iter().map(|(_, k)| k.clone()).collect();
    }
}
