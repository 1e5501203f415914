//! Records: the cases a session dealt with and the recordings its points sealed.
//!
//! Owns `CaseLinked` and `RecordingSealed`, both set unions bounded by
//! [`MAX_LINKED_CASES`] and [`MAX_RECORDINGS`], and the recording bound the write-time rules
//! check the same way.

use super::transition::misrouted;
use super::{SealedRecording, SessionState};
use crate::session::{check_count, SessionError, SessionEvent, MAX_LINKED_CASES, MAX_RECORDINGS};

impl SessionState {
    /// Adds the case or recording; refused only past its bound.
    pub(super) fn apply_record(&mut self, event: &SessionEvent) -> Result<(), SessionError> {
        match event {
            SessionEvent::CaseLinked { case_id } => {
                if !self.linked_cases.contains(case_id) {
                    let found = self.linked_cases.len() + 1;
                    check_count("linked cases", found, MAX_LINKED_CASES)?;
                    self.linked_cases.insert(case_id.clone());
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
