//! Records: the cases a session dealt with and the recordings its points sealed.
//!
//! Owns `CaseLinked` and `RecordingSealed`, both set unions bounded by
//! [`MAX_LINKED_CASES`] and [`MAX_RECORDINGS`], and the recording bound the write-time rules
//! check the same way; and the written record, `MinutesIssued` and `ConclusionIssued`, each a
//! register whose latest issue (by mark) is the one in force.

use super::registers::{keep_later, Mark};
use super::transition::misrouted;
use super::{SealedRecording, SessionState};
use crate::session::category::OnlineCategory;
use crate::session::{check_count, SessionError, SessionEvent, MAX_LINKED_CASES, MAX_RECORDINGS};

impl SessionState {
    /// Adds the case or recording; refused only past its bound.
    pub(super) fn apply_record(
        &mut self,
        event: &SessionEvent,
        mark: Mark,
    ) -> Result<(), SessionError> {
        match event {
            SessionEvent::MinutesIssued { minutes } => {
                let before = self.minutes_mark;
                keep_later(&mut self.minutes_mark, mark);
                if self.minutes_mark != before {
                    self.minutes = Some(minutes.clone());
                }
            }
            SessionEvent::ConclusionIssued { notice } => {
                let before = self.conclusion_mark;
                keep_later(&mut self.conclusion_mark, mark);
                if self.conclusion_mark != before {
                    self.conclusion = Some(notice.clone());
                }
            }
            SessionEvent::CaseLinked { case_id, category } => {
                if !self.linked_cases.contains(case_id) {
                    let found = self.linked_cases.len() + 1;
                    check_count("linked cases", found, MAX_LINKED_CASES)?;
                    self.linked_cases.insert(case_id.clone());
                }
                if let Some(c) = category {
                    self.keep_category(case_id, *c);
                }
            }
            SessionEvent::RecordingSealed { site, index_id } => {
                let rec = SealedRecording {
                    site: site.clone(),
                    index_id: *index_id,
                };
                self.room_for_recording(&rec)?;
                self.recordings.insert(rec);
            }
            _ => return Err(misrouted(event)),
        }
        Ok(())
    }

    /// Keeps one category per linked case whatever the order: the lowest clause stated.
    pub(super) fn keep_category(&mut self, case_id: &str, category: OnlineCategory) {
        let slot = self
            .case_categories
            .entry(case_id.to_owned())
            .or_insert(category);
        *slot = (*slot).min(category);
    }

    /// The recording is known already, or there is room for one more.
    pub(in crate::session) fn room_for_recording(
        &self,
        rec: &SealedRecording,
    ) -> Result<(), SessionError> {
        if self.recordings.contains(rec) {
            return Ok(());
        }
        check_count("recordings", self.recordings.len() + 1, MAX_RECORDINGS)
    }
}
