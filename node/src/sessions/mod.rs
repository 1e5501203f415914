//! Online reception sessions of a site (phiên tiếp công dân trực tuyến): schedule one, record
//! what happens in it (notice, test connection, points connecting, participants and their
//! identity checks, the floor, start and end), and show it with its legal timeline warnings.
//!
//! A session is a signed event log like a case (`cases` holds both); its rules are
//! `tiepdan_protocol::session`. Every write is checked against the session's folded state
//! before it is signed, so a refused action changes nothing; accepted ones are fsync'd, then
//! applied and pushed to the session's points and their ancestors.
//!
//! Uses `site`, `federation`, `records` and `recording`. Besides the session desk here, the
//! folder holds the session's media: the WebRTC gateway for browsers and WHIP/WHEP encoders
//! ([`media`]), the mesh that carries media between sites over the QUIC links ([`mesh`]), and
//! the wiring of the two ([`gateway`]).

pub mod gateway;
pub mod media;
pub mod mesh;
mod minutes;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tiepdan_protocol::case::SessionType;
use tiepdan_protocol::log::Actor;
use tiepdan_protocol::session::{
    self, CaseCategory, CaseFacts, OnlineCategory, SessionError, SessionEvent, SessionState,
    Timeline, TimelineStep,
};

use crate::language::{Message, Said};
use crate::records::{OpError, SiteRecords};
use crate::site::LocalSite;

/// `POST /api/v1/sessions`: schedule a session with this site as the central bridge point.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInput {
    pub title: String,
    /// Component points: site codes other than this one.
    pub points: Vec<String>,
    /// When it starts, Unix milliseconds…
    #[serde(default)]
    pub starts_at_ms: Option<u64>,
    /// …or Vietnam local time `YYYY-MM-DD HH:MM`.
    #[serde(default)]
    pub starts_at: Option<String>,
    /// Periodic (the default), ad hoc or authorised.
    #[serde(default = "periodic")]
    pub session_type: SessionType,
    /// Cases the session deals with, each with its NĐ 154/2026 Art 20 situation.
    #[serde(default)]
    pub cases: Vec<LinkedInput>,
}

/// A case to link, and why it is received online.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkedInput {
    pub case_id: String,
    pub category: OnlineCategory,
}

fn periodic() -> SessionType {
    SessionType::Periodic
}

fn bad(e: impl Said) -> OpError {
    OpError::BadInput(e.message())
}

/// Parses `YYYY-MM-DD HH:MM` read in Vietnam time (UTC+7) into Unix milliseconds.
pub fn parse_local_time(text: &str) -> Result<u64, OpError> {
    let (date, time) = text.trim().split_once([' ', 'T']).ok_or_else(|| {
        OpError::BadInput(Message::new("error-session-start-format").arg("text", text))
    })?;
    let date = tiepdan_protocol::case::parse_date(date).map_err(bad)?;
    let (h, m) = time
        .split_once(':')
        .and_then(|(h, m)| Some((h.parse::<u64>().ok()?, m.get(..2)?.parse::<u64>().ok()?)))
        .filter(|(h, m)| *h < 24 && *m < 60)
        .ok_or_else(|| {
            OpError::BadInput(Message::new("error-session-start-format").arg("text", text))
        })?;
    // 2440588 is the Julian day number of 1970-01-01.
    let days = i64::from(date.to_time().to_julian_day()) - 2_440_588;
    let local_ms = (days * 86_400 + (h * 3600 + m * 60) as i64) * 1000;
    u64::try_from(local_ms - 7 * 3600 * 1000).map_err(|_| {
        OpError::BadInput(Message::new("error-session-start-format").arg("text", text))
    })
}

/// The session desk of a site: schedule, act, show.
pub struct Sessions {
    pub site: Arc<LocalSite>,
    pub records: Arc<SiteRecords>,
}

impl Sessions {
    pub fn new(site: Arc<LocalSite>, records: Arc<SiteRecords>) -> Sessions {
        Sessions { site, records }
    }

    fn session_state(&self, id: &str) -> Result<SessionState, OpError> {
        if !session::is_session_id(id) {
            return Err(OpError::NotFound(
                Message::new("error-session-not-found").arg("session", id),
            ));
        }
        let cases = self.records.held();
        cases
            .sessions
            .get(id)
            .filter(|e| e.state.schedule.is_some())
            .map(|e| e.state.clone())
            .ok_or_else(|| {
                OpError::NotFound(Message::new("error-session-not-found").arg("session", id))
            })
    }

    /// Schedules a session chaired here. Returns its id once the event is durable.
    pub fn schedule_session(
        &self,
        input: ScheduleInput,
        now_ms: u64,
        by: Option<Actor>,
    ) -> Result<String, OpError> {
        let starts_at_ms = match (input.starts_at_ms, input.starts_at.as_deref()) {
            (Some(ms), None) => ms,
            (None, Some(text)) => parse_local_time(text)?,
            _ => {
                return Err(OpError::BadInput(Message::new(
                    "error-session-start-missing",
                )))
            }
        };
        for code in &input.points {
            if self.site.registry().get(code).is_err() {
                return Err(OpError::BadInput(
                    Message::new("error-site-unknown-code").arg("code", code),
                ));
            }
        }
        session::check_session_type(input.session_type).map_err(bad)?;
        for c in &input.cases {
            self.check_case_online(&c.case_id, c.category)?;
        }
        let year = tiepdan_protocol::case::date_from_unix_ms(starts_at_ms).year();
        let counter_name = format!("session:{year}");
        let code = &self.site.site.code;
        let (n, id) = self.records.next_number(&counter_name, |n| {
            format!("{}{code}-{year}-{n:04}", session::SESSION_ID_PREFIX)
        })?;
        let event = SessionEvent::Scheduled {
            session_id: id.clone(),
            title: input.title,
            chair_site: self.site.site.code.clone(),
            points: input.points,
            starts_at_ms,
            case_ids: input.cases.iter().map(|c| c.case_id.clone()).collect(),
            session_type: input.session_type,
            categories: input
                .cases
                .into_iter()
                .map(|c| CaseCategory {
                    case_id: c.case_id,
                    category: c.category,
                })
                .collect(),
        };
        event.validate().map_err(bad)?;
        SessionState::new(&id)
            .check(&self.site.site.code, &event)
            .map_err(bad)?;
        self.records.commit(
            &id,
            vec![session::encode_event(&event)],
            now_ms,
            Some((&counter_name, n)),
            by,
        )?;
        Ok(id)
    }

    /// Records one session event written at this site, after the session's rules allow it.
    pub fn session_act(
        &self,
        id: &str,
        event: SessionEvent,
        now_ms: u64,
        by: Option<Actor>,
    ) -> Result<String, OpError> {
        let state = self.session_state(id)?;
        event.validate().map_err(bad)?;
        session::event::check_encoded_size(&event).map_err(bad)?;
        if let SessionEvent::CaseLinked {
            case_id,
            category: Some(category),
        } = &event
        {
            self.check_case_online(case_id, *category)?;
        }
        state
            .check(&self.site.site.code, &event)
            .map_err(|e| match e {
                SessionError::NotTheChair { .. }
                | SessionError::NotAPoint(_)
                | SessionError::NotYourPoint { .. } => OpError::Forbidden(e.message()),
                other => OpError::Conflict(other.message()),
            })?;
        let signed =
            self.records
                .commit(id, vec![session::encode_event(&event)], now_ms, None, by)?;
        Ok(signed.first().map(|v| hex(&v.id)).unwrap_or_default())
    }

    /// Whether a case held here may be dealt with online under `category` (NĐ 154/2026
    /// Art 20): a protected denunciation is refused (409), a category that does not fit the
    /// case's content (400), a case this site does not hold cannot be checked (400).
    fn check_case_online(&self, case_id: &str, category: OnlineCategory) -> Result<(), OpError> {
        let facts = {
            let held = self.records.held();
            held.get(case_id).map(|e| CaseFacts {
                kind: e.state.kind,
                identity_protection: e
                    .state
                    .reception
                    .as_ref()
                    .is_some_and(|r| r.identity_protection),
            })
        };
        let Some(facts) = facts.filter(|f| f.kind.is_some()) else {
            return Err(OpError::BadInput(
                Message::new("error-session-case-unknown").arg("case", case_id),
            ));
        };
        session::check_online_case(case_id, facts, category).map_err(|e| match e {
            SessionError::ProtectedDenunciation(_) => OpError::Conflict(e.message()),
            other => bad(other),
        })
    }

    /// A session as the API shows it: state, timeline and the warnings of the legal timeline.
    pub fn session_view(&self, id: &str, now_ms: u64) -> Result<SessionView, OpError> {
        let state = self.session_state(id)?;
        Ok(self.view_of(state, now_ms))
    }

    fn view_of(&self, state: SessionState, now_ms: u64) -> SessionView {
        // The built-in holidays with the years central published.
        let current = self.site.calendar.current();
        let cal: &tiepdan_protocol::case::Calendar = &current;
        let warnings = session::schedule_warnings(&state, cal, now_ms)
            .iter()
            .map(|w| WarningView {
                code: w.as_str(),
                message: w.label_vi(),
            })
            .collect();
        let timeline = state
            .schedule
            .as_ref()
            .map(|s| session::timeline(s.starts_at_ms, cal));
        let steps = session::timeline_steps(&state, cal, now_ms);
        let session_type = state
            .schedule
            .as_ref()
            .map_or(SessionType::Regular, |s| s.session_type);
        let linked = {
            let held = self.records.held();
            state
                .linked_cases
                .iter()
                .map(|c| {
                    let category = state.case_categories.get(c).copied();
                    LinkedView {
                        case_id: c.clone(),
                        kind: held.get(c).and_then(|e| e.state.kind).map(|k| k.as_str()),
                        category,
                        category_vi: category.map(OnlineCategory::label_vi),
                    }
                })
                .collect()
        };
        let points = state
            .schedule
            .as_ref()
            .map(|s| {
                std::iter::once(&s.chair_site)
                    .chain(s.points.iter())
                    .map(|p| PointView {
                        site: p.clone(),
                        name: self.site.site_name(p),
                    })
                    .collect()
            })
            .unwrap_or_default();
        SessionView {
            session_id: state.session_id.clone(),
            phase: state.phase.as_str(),
            phase_vi: state.phase.label_vi(),
            session_type,
            session_type_vi: session::session_type_vi(session_type),
            points,
            linked,
            timeline,
            steps,
            warnings,
            state,
        }
    }

    /// Sessions this site holds (it is a point, or an ancestor of one), newest start first.
    pub fn session_list(&self, now_ms: u64) -> Vec<SessionSummary> {
        let states: Vec<SessionState> = {
            let cases = self.records.held();
            cases
                .sessions
                .values()
                .filter(|e| e.state.schedule.is_some())
                .map(|e| e.state.clone())
                .collect()
        };
        let mut out: Vec<SessionSummary> = states
            .into_iter()
            .map(|s| {
                let v = self.view_of(s, now_ms);
                let schedule = v.state.schedule.as_ref();
                SessionSummary {
                    title: schedule.map(|x| x.title.clone()),
                    chair_site: v.state.chair_site().map(str::to_owned),
                    starts_at_ms: schedule.map(|x| x.starts_at_ms).unwrap_or(0),
                    session_id: v.session_id,
                    phase: v.phase,
                    phase_vi: v.phase_vi,
                    session_type: v.session_type,
                    session_type_vi: v.session_type_vi,
                    linked_cases: v.linked.len(),
                    points: v.points,
                    warnings: v.warnings,
                }
            })
            .collect();
        out.sort_by_key(|s| std::cmp::Reverse(s.starts_at_ms));
        out
    }

    /// May this participant's audio be forwarded now? Unknown sessions: no.
    pub fn may_forward_audio(&self, session_id: &str, point: &str, participant_id: &str) -> bool {
        let cases = self.records.held();
        cases
            .sessions
            .get(session_id)
            .is_some_and(|e| e.state.may_forward_audio(point, participant_id))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One session as `GET sessions/{id}` shows it.
#[derive(Debug, Serialize)]
pub struct SessionView {
    pub session_id: String,
    pub phase: &'static str,
    pub phase_vi: &'static str,
    pub session_type: SessionType,
    pub session_type_vi: &'static str,
    /// The hub first, then the component points.
    pub points: Vec<PointView>,
    /// The cases dealt with, each with its Art 20 situation if it states one.
    pub linked: Vec<LinkedView>,
    pub state: SessionState,
    pub timeline: Option<Timeline>,
    /// The Art 23 steps with where each stands, in Vietnamese.
    pub steps: Vec<TimelineStep>,
    pub warnings: Vec<WarningView>,
}

/// A case linked to a session.
#[derive(Debug, Clone, Serialize)]
pub struct LinkedView {
    pub case_id: String,
    /// Its content type, if this site holds the case.
    pub kind: Option<&'static str>,
    pub category: Option<OnlineCategory>,
    pub category_vi: Option<&'static str>,
}

/// One line of `GET sessions`.
#[derive(Debug, Serialize)]
pub struct SessionSummary {
    pub session_id: String,
    pub title: Option<String>,
    pub chair_site: Option<String>,
    pub starts_at_ms: u64,
    pub phase: &'static str,
    pub phase_vi: &'static str,
    pub session_type: SessionType,
    pub session_type_vi: &'static str,
    pub linked_cases: usize,
    pub points: Vec<PointView>,
    pub warnings: Vec<WarningView>,
}

/// A bridge point of a session, named.
#[derive(Debug, Clone, Serialize)]
pub struct PointView {
    pub site: String,
    pub name: String,
}

/// An Art 23 timeline warning, in Vietnamese.
#[derive(Debug, Clone, Serialize)]
pub struct WarningView {
    pub code: &'static str,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_time_is_read_in_vietnam_time() {
        // 2026-07-15 08:00 in Hà Nội is 01:00 UTC.
        assert_eq!(
            parse_local_time("2026-07-15 08:00").unwrap(),
            1_784_077_200_000
        );
        assert_eq!(
            parse_local_time("2026-07-15T08:00").unwrap(),
            1_784_077_200_000
        );
        for bad in [
            "2026-07-15",
            "2026-07-15 25:00",
            "2026-13-01 08:00",
            "hôm nay 08:00",
            "2026-07-15 08:6x",
        ] {
            assert!(parse_local_time(bad).is_err(), "{bad}");
        }
    }
}
