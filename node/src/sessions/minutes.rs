//! The written record of a session at its chair's site: the minutes (biên bản) drafted from
//! the session's signed events and issued with the chair's text, and the Thông báo kết luận
//! with the tasks it assigns. Both are signed session events (`MinutesIssued`,
//! `ConclusionIssued`); what they leave on each case (its online hearing, its recordings, its
//! tasks) is written by the case desk (`cases::Cases::record_session_results`), which the API
//! calls after these.

use tiepdan_protocol::log::Actor;
use tiepdan_protocol::session::{self, ConclusionNotice, Minutes, SessionEvent, SessionState};

use super::Sessions;
use crate::records::OpError;

impl Sessions {
    /// The session's events this site holds, in the fold's order, those the fold refused left
    /// out.
    fn events_of(&self, id: &str) -> Vec<SessionEvent> {
        let held = self.records.held();
        let Some(entry) = held.sessions.get(id) else {
            return Vec::new();
        };
        entry
            .log
            .ordered()
            .into_iter()
            .filter(|ev| !entry.state.rejected.contains_key(&super::hex(&ev.id)))
            .filter_map(|ev| session::decode_event(&ev.body.payload).ok())
            .collect()
    }

    /// The minutes as they would be issued now: the facts from the session, with `number`
    /// and `content` as given (for the chair to read before issuing).
    pub fn draft_minutes(
        &self,
        id: &str,
        number: String,
        content: String,
    ) -> Result<(SessionState, Minutes), OpError> {
        let state = self.session_state(id)?;
        let events = self.events_of(id);
        let refs: Vec<&SessionEvent> = events.iter().collect();
        let minutes = session::draft_minutes(&state, &refs, number, content);
        Ok((state, minutes))
    }

    /// `POST sessions/{id}/minutes`: drafts the facts, signs the minutes with the chair's
    /// text. Returns the session as it stands after.
    pub fn issue_minutes(
        &self,
        id: &str,
        number: String,
        content: String,
        now_ms: u64,
        by: Option<Actor>,
    ) -> Result<SessionState, OpError> {
        let (_, minutes) = self.draft_minutes(id, number, content)?;
        self.session_act(id, SessionEvent::MinutesIssued { minutes }, now_ms, by)?;
        self.session_state(id)
    }

    /// `POST sessions/{id}/conclusion`: signs the Thông báo kết luận.
    pub fn issue_conclusion(
        &self,
        id: &str,
        notice: ConclusionNotice,
        now_ms: u64,
        by: Option<Actor>,
    ) -> Result<SessionState, OpError> {
        self.session_act(id, SessionEvent::ConclusionIssued { notice }, now_ms, by)?;
        self.session_state(id)
    }
}
