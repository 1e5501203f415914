//! Annotation: what is recorded about a case without moving it.
//!
//! Owns notes, attached session recordings, views of the plaintext identity (each one counted)
//! and written notices to the citizen. Any site in the case's audience may add them, in any
//! status, closed and refused cases included, so the file stays complete.

use super::told::Happened;
use super::transition::{misrouted, Outcome, Step};
use super::{CaseState, Recording};
use crate::case::CaseEvent;

impl CaseState {
    /// Never refused once `transition` let the author in: they change no status.
    pub(super) fn apply_annotation(
        &mut self,
        event: &CaseEvent,
        step: &Step,
        author: &str,
    ) -> Outcome {
        let Step { name, on, .. } = *step;
        match event {
            CaseEvent::Note { .. } => Ok(Happened::Note),
            CaseEvent::RecordingAttached {
                session_id,
                index_hash,
            } => {
                self.recordings.push(Recording {
                    session_id: session_id.clone(),
                    index_hash: index_hash.clone(),
                });
                Ok(Happened::RecordingAttached {
                    session_id: session_id.clone(),
                })
            }
            CaseEvent::IdentityViewed { by, role } => {
                self.identity_views = self.identity_views.saturating_add(1);
                Ok(Happened::IdentityViewed {
                    by: by.clone(),
                    role: role.clone(),
                })
            }
            CaseEvent::CitizenNotified { letter_no } => {
                self.last_notice_on = Some(self.last_notice_on.map_or(on, |d| d.max(on)));
                Ok(Happened::CitizenNotified {
                    letter_no: letter_no.clone(),
                })
            }
            CaseEvent::ReceivedOnline { .. }
            | CaseEvent::Assigned { .. }
            | CaseEvent::AssignmentReported { .. } => {
                self.apply_session_result(event, step, author)
            }
            _ => misrouted(name),
        }
    }
}
