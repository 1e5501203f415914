//! Annotation: what is recorded about a case without moving it.
//!
//! Owns notes, attached session recordings, views of the plaintext identity (each one counted)
//! and written notices to the citizen. Any site in the case's audience may add them, in any
//! status, closed and refused cases included, so the file stays complete.

use super::told::{Happened, Ignored};
use super::transition::{ignore, misrouted, Outcome, Step};
use super::{CaseState, Recording, Reply};
use crate::case::{CaseEvent, Direction};

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
            CaseEvent::ReplyReceived {
                from_body,
                letter_no,
                date,
            } => {
                if !self.passed_on_by(author) {
                    return ignore(Ignored::NothingToReplyTo {
                        site: author.to_owned(),
                    });
                }
                self.replies.push(Reply {
                    site: author.to_owned(),
                    from_body: from_body.clone(),
                    letter_no: letter_no.clone(),
                    date: *date,
                    recorded_on: on,
                });
                Ok(Happened::ReplyReceived {
                    from_body: from_body.clone(),
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

    /// `site` passed the đơn on to another body: at the desk (direction "chuyển đơn"), by a
    /// forwarding outside the federation, or by a transfer to another site.
    pub fn passed_on_by(&self, site: &str) -> bool {
        let at_desk = self.origin == site
            && self
                .reception
                .as_ref()
                .is_some_and(|r| matches!(r.direction, Some(Direction::Transfer { .. })));
        at_desk
            || self.history.iter().any(|h| {
                !h.ignored
                    && h.author == site
                    && matches!(h.event.as_str(), "forwarded" | "transferred")
            })
    }
}
