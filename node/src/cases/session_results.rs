//! What an online session leaves on each of its cases, written by the session's chair site
//! when the chair issues the minutes and the Thông báo kết luận: the case's line in this site's
//! log book for the online hearing (NĐ 154/2026 Art 27), the session's recordings attached to
//! the case file, and the tasks the notice assigns (each a deadline on the case).
//!
//! Each is written once: issuing corrected minutes again adds nothing already recorded.

use tiepdan_protocol::case::{CaseEvent, Date, SessionType};
use tiepdan_protocol::log::Actor;
use tiepdan_protocol::session::NoticeTask;

use super::Cases;
use crate::records::OpError;

/// What one session is to the cases it dealt with.
pub struct SessionResults<'a> {
    pub session_id: &'a str,
    /// The day the citizen was heard (the session's start, Vietnam time).
    pub held_on: Date,
    pub session_type: SessionType,
    /// The signed indexes of the session's sealed recordings.
    pub recordings: &'a [[u8; 32]],
}

impl Cases {
    /// The sites that may see `case_id` (404 when this site does not hold it).
    pub fn audience_of(
        &self,
        case_id: &str,
    ) -> Result<std::collections::BTreeSet<String>, OpError> {
        Ok(self.require_case(case_id)?.audience())
    }

    /// The hearing and recordings of `session_id` on `case_id`, those not yet recorded. A case
    /// this site does not hold is skipped (it cannot sign for it); returns how many events
    /// were written.
    pub fn record_session_results(
        &self,
        case_id: &str,
        session: &SessionResults<'_>,
        now_ms: u64,
        by: Option<Actor>,
    ) -> Result<usize, OpError> {
        let SessionResults {
            session_id,
            held_on,
            session_type,
            recordings,
        } = *session;
        let Some(state) = self.records.held().get(case_id).map(|e| e.state.clone()) else {
            return Ok(0);
        };
        let code = &self.site.site.code;
        let mut events = Vec::new();
        let heard = state
            .online_hearings
            .iter()
            .any(|h| h.session_id == session_id && h.site == *code);
        if !heard {
            events.push(CaseEvent::ReceivedOnline {
                session_id: session_id.to_owned(),
                date: held_on,
                session_type,
            });
        }
        for id in recordings {
            let index_hash = hex::encode(id);
            let attached = state
                .recordings
                .iter()
                .any(|r| r.session_id == session_id && r.index_hash == index_hash);
            if !attached {
                events.push(CaseEvent::RecordingAttached {
                    session_id: session_id.to_owned(),
                    index_hash,
                });
            }
        }
        if events.is_empty() {
            return Ok(0);
        }
        let n = events.len();
        self.commit_events(case_id, events, now_ms, None, by)?;
        Ok(n)
    }

    /// A task of the Thông báo kết luận `notice_no` on its case, unless that notice already
    /// gave the same site the same task there. Refused (409) when the site may not see the
    /// case.
    pub fn assign(
        &self,
        session_id: &str,
        notice_no: &str,
        task: &NoticeTask,
        now_ms: u64,
        by: Option<Actor>,
    ) -> Result<bool, OpError> {
        let state = self.require_case(&task.case_id)?;
        let known = state
            .assignments
            .iter()
            .any(|a| a.notice_no == notice_no && a.to_site == task.to_site && a.task == task.task);
        if known {
            return Ok(false);
        }
        let ev = CaseEvent::Assigned {
            session_id: session_id.to_owned(),
            notice_no: notice_no.to_owned(),
            to_site: task.to_site.clone(),
            task: task.task.clone(),
            due: task.due,
        };
        self.commit_events(&task.case_id, vec![ev], now_ms, None, by)?;
        Ok(true)
    }
}
