//! The online reception session model (tiếp công dân trực tuyến; Luật TCD 2013 as amended by
//! Luật 136/2025 Art 3a, NĐ 154/2026 Chương V, Arts 16–24).
//!
//! Owns:
//! - [`SessionEvent`], every change to a session, and its versioned CBOR wire form
//!   ([`event`]);
//! - [`SessionState`], the fold of a session's events, the session's audience and floor
//!   control ([`SessionState::may_forward_audio`]) ([`state`]);
//! - who may write what and when ([`SessionState::check`]; [`rules`]);
//! - the preparation timeline of Art 23 and its warnings ([`schedule`]).
//!
//! A session is carried like a case: its events are signed log events (`crate::log`) whose
//! `case_id` is the session id and whose payload is an encoded [`SessionEvent`]; its genesis is
//! the [`SessionEvent::Scheduled`] event written by the chair's site. The chair's site is the
//! central bridge point (điểm cầu trung tâm); every other site of the session is a component
//! point (điểm cầu thành phần).
//!
//! It must not do I/O, read the clock (`now` and timestamps are parameters), draw randomness or
//! iterate a `HashMap`. Media, recordings' formats and who may join the platform's calls belong
//! elsewhere: this module only says who holds the floor, so the node knows whose audio to drop.
//!
//! Times are Unix milliseconds (UTC instants), read in Vietnam time (UTC+7) wherever a date or a
//! time of day matters; the session's start is one such instant (`starts_at_ms`) so the one-hour
//! rule is exact and working days follow the civil date in Vietnam.

pub mod category;
pub mod event;
pub mod minutes;
pub mod rules;
pub mod schedule;
pub mod state;

#[cfg(test)]
mod tests;

pub use category::{
    check_online_case, check_session_type, session_type_vi, CaseCategory, CaseFacts, OnlineCategory,
};
pub use event::{
    decode_event, encode_event, IdentityCheck, IdentityCheckResult, Role, SessionEvent,
    SESSION_EVENT_VERSION,
};
pub use minutes::{
    draft_minutes, ConclusionNotice, Minutes, MinutesLine, MinutesMoment, MinutesParticipant,
    MinutesRecording, NoticeTask,
};
pub use schedule::{
    schedule_warnings, timeline, timeline_steps, ScheduleWarning, StepState, Timeline, TimelineStep,
};
pub use state::{
    AppliedEvent, Cancellation, Participant, ParticipantRef, Phase, PointStatus, Schedule,
    SealedRecording, SessionState,
};

use crate::sites::SiteError;

/// Every session id starts with this; case ids start with a site code, so a log's id alone says
/// whether its payloads are case or session events.
pub const SESSION_ID_PREFIX: &str = "S-";

/// True when a log id names a session (its payloads are [`SessionEvent`]s), not a case.
pub fn is_session_id(id: &str) -> bool {
    id.starts_with(SESSION_ID_PREFIX)
}

// ---------------------------------------------------------------------------------------------
// Limits on everything that comes from outside. Text limits count Unicode characters (what an
// officer sees), so a field never exceeds four times its limit in bytes.
// ---------------------------------------------------------------------------------------------

/// Largest encoded session event (the payload of one log event), in bytes. A maximal
/// `Scheduled` fits (tested), and it leaves room in a log event for the envelope.
pub const MAX_SESSION_EVENT_BYTES: usize = 48 * 1024;
/// Longest session id, in bytes: it is the log's case id (printable ASCII, no spaces).
pub const MAX_SESSION_ID_BYTES: usize = crate::log::MAX_CASE_ID_BYTES;
/// Longest case id linked to a session, in bytes (same rule as a log's case id).
pub const MAX_CASE_ID_BYTES: usize = crate::log::MAX_CASE_ID_BYTES;
/// Longest participant id, in bytes (printable ASCII, no spaces; chosen by the point's node).
pub const MAX_PARTICIPANT_ID_BYTES: usize = 64;
/// Longest session title, in characters.
pub const MAX_TITLE_CHARS: usize = 300;
/// Longest person's name (participant, checking officer), in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest reason for a cancellation, in characters.
pub const MAX_REASON_CHARS: usize = 1_000;
/// Longest site code (`VN`, 2-digit province, 5-digit commune), in characters.
pub const MAX_SITE_CODE_CHARS: usize = 8;
/// Most component points of one session. A province's periodic session may link every commune
/// of the province (the largest has under 200; DOMAIN.md §3.3, Phú Thọ).
pub const MAX_COMPONENT_POINTS: usize = 256;
/// Most cases linked to one session.
pub const MAX_LINKED_CASES: usize = 64;
/// Most distinct participants one session folds, all points together.
pub const MAX_PARTICIPANTS: usize = 2_000;
/// Most sealed recording indexes of one session (a node may restart its recorder).
pub const MAX_RECORDINGS: usize = 1_024;
/// Most events one session folds; later ones are counted in
/// [`SessionState::events_over_limit`] only. Same bound as a log holds.
pub const MAX_SESSION_EVENTS: usize = crate::log::MAX_CASE_EVENTS;
/// Latest instant accepted in an event: 3000-01-01T00:00:00Z, the end of the years a
/// [`crate::case::Date`] can carry.
pub const MAX_UNIX_MS: u64 = 32_503_680_000_000;

/// Everything that can be wrong with a session event: its bytes, its shape, or the action it
/// asks for in the session as it stands. Messages are written for the officer running the
/// session (the web UI translates them).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    // --- bytes ---
    #[error("{field} is too large: {found} bytes, at most {max} are allowed")]
    TooLarge {
        field: &'static str,
        found: usize,
        max: usize,
    },
    #[error("this session event cannot be read: {0}")]
    Malformed(String),
    #[error("this session event is not in its one canonical encoding")]
    NonCanonical,
    #[error("session event version {0} is not supported (this build reads version {SESSION_EVENT_VERSION}): update this node")]
    UnsupportedVersion(u8),

    // --- shape ---
    #[error("{field} is required")]
    Missing { field: &'static str },
    #[error("{field} is too long: {found} characters, at most {max} are allowed")]
    TooLong {
        field: &'static str,
        found: usize,
        max: usize,
    },
    #[error("{field} must be a single line without control characters")]
    NotSingleLine { field: &'static str },
    #[error("{field} must be printable ASCII without spaces, at most {max} bytes")]
    InvalidId { field: &'static str, max: usize },
    #[error("too many {field}: {found}, at most {max} are allowed")]
    TooMany {
        field: &'static str,
        found: usize,
        max: usize,
    },
    #[error("{0:?} is not a site code: use VN for central, a 2-digit province code or a 5-digit commune code")]
    InvalidSiteCode(String),
    #[error("{field} is not a valid time: {found} is not a Unix time in milliseconds before the year 3000")]
    TimeOutOfRange { field: &'static str, found: u64 },
    #[error("a session needs at least one component bridge point (điểm cầu thành phần) besides the chair's site")]
    NoComponentPoints,
    #[error("site {0} is listed twice among the bridge points")]
    DuplicatePoint(String),
    #[error("the chair's site {0} is the central bridge point: do not list it again among the component points")]
    ChairAmongComponents(String),

    // --- the action, in the session as it stands ---
    #[error(transparent)]
    Site(#[from] SiteError),
    #[error("the session is not scheduled yet: its first event must schedule it")]
    NotScheduled,
    #[error("the session is already scheduled: to change its time or points, cancel it and schedule a new one")]
    AlreadyScheduled,
    #[error("the scheduling event must be the session's first event (no parents)")]
    NotGenesis,
    #[error("the event is for session {found:?}, not {expected:?}")]
    WrongSession { expected: String, found: String },
    #[error("only the chair's site {chair} (the central bridge point) may do this; site {author} may not")]
    NotTheChair { author: String, chair: String },
    #[error("site {0} is not a bridge point of this session")]
    NotAPoint(String),
    #[error("site {author} cannot act for bridge point {point}: each point records its own participants and connections")]
    NotYourPoint { author: String, point: String },
    #[error("the chair (chủ trì) sits at the central bridge point {chair}, not at {point} (NĐ 154/2026 Art 22)")]
    ChairOutsideCentralPoint { point: String, chair: String },
    #[error("participant {participant_id} is not present at bridge point {point}")]
    NotAParticipant {
        point: String,
        participant_id: String,
    },
    #[error("participant {participant_id} at bridge point {point} does not hold the floor")]
    NotHoldingFloor {
        point: String,
        participant_id: String,
    },
    #[error("the session is {from}: it cannot go back to {to}")]
    CannotGoBack { from: Phase, to: Phase },
    #[error("the session is already {0}")]
    Already(Phase),
    #[error("the session is {0}: nothing more can happen in it")]
    SessionOver(Phase),
    #[error("{action} is not allowed while the session is {phase}")]
    WrongPhase { action: &'static str, phase: Phase },
    #[error("case {0} is already linked to this session")]
    AlreadyLinked(String),
    #[error("case {0} has an Art 20 category but is not among the linked cases")]
    CategoryForUnlinkedCase(String),
    #[error("case {0} is a denunciation whose denouncer asked for identity protection: it is not received online (NĐ 154/2026 Art 20(4))")]
    ProtectedDenunciation(String),
    #[error("case {case_id} does not fit clause {clause} of NĐ 154/2026 Art 20 (clause 1 is for complaints, petitions and feedback; clause 4 for denunciations)")]
    CategoryNotForKind { case_id: String, clause: u8 },
    #[error("an online session is periodic, ad hoc or held by an authorised person, not regular reception (NĐ 154/2026 Art 16)")]
    RegularSession,
    #[error("case {0} needs its NĐ 154/2026 Art 20 category: say why it is received online")]
    CategoryMissing(String),
    #[error("case {0} is not a case of this session: the conclusion notice assigns tasks only on the session's cases")]
    TaskOnUnlinkedCase(String),
}

// ---------------------------------------------------------------------------------------------
// Shape checks shared by the submodules.
// ---------------------------------------------------------------------------------------------

/// Checks the length and characters of a one-line text field; `required` refuses blank text.
fn check_line(
    field: &'static str,
    s: &str,
    max: usize,
    required: bool,
) -> Result<(), SessionError> {
    let found = s.chars().count();
    if found > max {
        return Err(SessionError::TooLong { field, found, max });
    }
    if required && s.trim().is_empty() {
        return Err(SessionError::Missing { field });
    }
    if s.chars().any(char::is_control) {
        return Err(SessionError::NotSingleLine { field });
    }
    Ok(())
}

/// Checks a machine identifier: printable ASCII without spaces, 1 to `max` bytes. Session ids
/// and case ids must pass the log's own rule for a case id, or their events could not be signed.
fn check_id(field: &'static str, s: &str, max: usize) -> Result<(), SessionError> {
    if s.is_empty() || s.len() > max || !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(SessionError::InvalidId { field, max });
    }
    Ok(())
}

/// Checks the shape of a site code (not whether it exists: the registry may grow, and a signed
/// event must stay readable).
fn check_site_code(s: &str) -> Result<(), SessionError> {
    let ok = !s.is_empty()
        && s.len() <= MAX_SITE_CODE_CHARS
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(SessionError::InvalidSiteCode(
            s.chars().take(MAX_SITE_CODE_CHARS + 4).collect(),
        ))
    }
}

fn check_count(field: &'static str, found: usize, max: usize) -> Result<(), SessionError> {
    if found > max {
        return Err(SessionError::TooMany { field, found, max });
    }
    Ok(())
}

fn check_time(field: &'static str, ms: u64) -> Result<(), SessionError> {
    if ms >= MAX_UNIX_MS {
        return Err(SessionError::TimeOutOfRange { field, found: ms });
    }
    Ok(())
}
