//! The fold of a session's events, the session's audience and floor control.
//!
//! Owns [`SessionState`]: [`SessionState::apply`] folds events in the order the caller gives
//! (the DAG's topological order), [`SessionState::audience`] says which sites receive the
//! session, and [`SessionState::may_forward_audio`] says whose audio the node forwards. Whether
//! a site may write an event now ([`SessionState::check`]) is in `rules`. It must not decide
//! trust: whether `author` really signed an event is checked before the event gets here.
//!
//! # Lifecycle
//!
//! ```text
//! Scheduled ── Testing ── Live ── Ended
//!     │           │
//!     └───────────┴── Cancelled
//! ```
//!
//! Testing begins with the first test connection or point connection, Live with `Started`,
//! Ended with `Ended`. A session never goes back.
//!
//! # Why the fold only enforces some rules
//!
//! Sites write concurrently: a commune records a participant joining while the chair grants
//! the floor or ends the session, and the DAG orders such concurrent events differently
//! depending on their ids. The fold must give the same state for *every* topological order of
//! the same events, so an event's acceptance may depend only on rules that concurrent events
//! cannot change: the event's shape, and who wrote it given the schedule (the chair's site and
//! the points are fixed by the genesis event, which precedes everything). Such rejected events
//! are listed in [`SessionState::rejected`] and change nothing else.
//!
//! Rules about the sequence (no going back, floor only to someone present, ...) are enforced
//! when an event is written, by [`SessionState::check`]. In the fold every piece of state is a
//! merge that ignores order, so a late or concurrent out-of-sequence event can never move the
//! session backwards:
//! - the phase is derived from which milestones exist, the furthest one winning
//!   (ended > live > cancelled > testing > scheduled: a session that started did take place,
//!   even if a cancellation was written concurrently);
//! - the notice, a point's first successful test and first connection keep the earliest time
//!   stated (what the law asks is whether one happened in time); the start, end and
//!   cancellation keep their first event by mark (see below), so a repeated one cannot restate
//!   them;
//! - presence, hands and the floor are last-writer-wins registers ordered by an event's
//!   *mark*: its stamp — its author's clock, raised above every parent's stamp so that an
//!   event always comes after what it follows, whatever the clocks say — then its id. So of two
//!   concurrent floor grants the later by the clock wins, and on a tie the larger id.
//!
//! The only order-dependence left is at the bounds ([`MAX_SESSION_EVENTS`],
//! [`MAX_PARTICIPANTS`](super::MAX_PARTICIPANTS), [`MAX_LINKED_CASES`](super::MAX_LINKED_CASES),
//! [`MAX_RECORDINGS`](super::MAX_RECORDINGS)): past them, which events are kept depends on the
//! order. They are far above what a real session produces.
//!
//! # Layout
//!
//! This module holds the state itself and the fold's entry points. One event's transition is
//! split by the part of the session its kind belongs to:
//! - `transition`: the checks every event passes, and the dispatch to its part;
//! - `preparation`: the schedule (genesis), the notice, test and point connections;
//! - `participation`: participants joining and leaving, hands and the floor;
//! - `milestones`: the start, the end and a cancellation;
//! - `records`: cases linked and recordings sealed;
//! - `settle`: what is derived again after every event (phase, participants, floor, hands);
//! - `registers`: the marks and last-writer-wins registers the merges are made of.

mod milestones;
mod participation;
mod preparation;
mod records;
mod registers;
mod settle;
mod transition;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Serialize, Serializer};

use super::category::OnlineCategory;
use super::minutes::{ConclusionNotice, Minutes};
use super::{
    decode_event, IdentityCheck, Role, SessionError, SessionEvent, MAX_SESSION_EVENTS,
    MAX_SESSION_ID_BYTES, MAX_UNIX_MS,
};
use crate::case::{hex, SessionType};
use crate::log::{CaseLog, EventId, VerifiedEvent};
use crate::sites::Registry;
use registers::{Mark, Registers};

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Scheduled, nothing connected yet (đã lên lịch).
    Scheduled,
    /// Points are testing or connecting (Art 23(2–3)).
    Testing,
    /// The session is under way.
    Live,
    /// The session is over.
    Ended,
    /// The session will not take place.
    Cancelled,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Scheduled => "scheduled",
            Phase::Testing => "testing",
            Phase::Live => "live",
            Phase::Ended => "ended",
            Phase::Cancelled => "cancelled",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Phase::Scheduled => "Đã lên lịch",
            Phase::Testing => "Đang kết nối thử",
            Phase::Live => "Đang diễn ra",
            Phase::Ended => "Đã kết thúc",
            Phase::Cancelled => "Đã hủy",
        }
    }

    /// Ended or cancelled: nothing more happens in the session.
    pub fn is_over(self) -> bool {
        matches!(self, Phase::Ended | Phase::Cancelled)
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One event handed to the fold, with what the DAG verified about it.
#[derive(Debug, Clone, Copy)]
pub struct AppliedEvent<'a> {
    /// The event's id (hash of its signed bytes).
    pub id: EventId,
    /// The ids of the events it follows (its DAG parents): they order the registers.
    pub parents: &'a [EventId],
    /// The site that signed it.
    pub author: &'a str,
    /// Its author's timestamp, Unix milliseconds.
    pub at_ms: u64,
    pub event: &'a SessionEvent,
}

/// A participant, named by their point and the id their point's node gave them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ParticipantRef {
    pub point: String,
    pub participant_id: String,
}

/// A participant as their latest join described them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Participant {
    pub display_name: String,
    pub role: Role,
    pub identity_check: IdentityCheck,
    /// Joined and not left since.
    pub present: bool,
}

/// What is scheduled: fixed by the genesis event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Schedule {
    pub title: String,
    /// Periodic, ad hoc or authorised (regular for sessions scheduled before it was recorded).
    pub session_type: SessionType,
    /// The chair's site: the central bridge point.
    pub chair_site: String,
    /// The component bridge points, in the order scheduled.
    pub points: Vec<String>,
    /// The start, Unix milliseconds.
    pub starts_at_ms: u64,
    /// When the chair's site signed the schedule: how far ahead it was published (Luật TCD
    /// 2013 Art 24, ≥ 5 working days).
    pub scheduled_at_ms: u64,
}

/// Preparation and connection of one bridge point.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PointStatus {
    /// True for the central bridge point (the chair's site).
    pub central: bool,
    /// Earliest successful test connection stated.
    pub first_ok_test_at_ms: Option<u64>,
    pub failed_tests: u32,
    /// Earliest connection stated.
    pub first_connected_at_ms: Option<u64>,
    /// Connected as of its latest connection event.
    pub connected: bool,
    #[serde(skip)]
    connected_mark: Option<Mark>,
    #[serde(skip)]
    disconnected_mark: Option<Mark>,
}

/// Why the session will not take place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cancellation {
    pub at_ms: u64,
    pub reason: String,
}

/// A recording index sealed by a point.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SealedRecording {
    pub site: String,
    /// The signed recording index's id; lower-case hex in JSON.
    #[serde(serialize_with = "serialize_hex")]
    pub index_id: [u8; 32],
}

fn serialize_hex<S: Serializer>(bytes: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&hex(bytes))
}

/// Everything known about a session: the fold of its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionState {
    pub session_id: String,
    /// `None` until the genesis `Scheduled` event.
    pub schedule: Option<Schedule>,
    pub phase: Phase,
    /// Cases dealt with: those scheduled and those linked since.
    pub linked_cases: BTreeSet<String>,
    /// The NĐ 154/2026 Art 20 situation of each linked case that states one.
    pub case_categories: BTreeMap<String, OnlineCategory>,
    /// Earliest notice to the citizen and agencies stated.
    pub notice_sent_at_ms: Option<u64>,
    /// Every bridge point, the central one included.
    pub points: BTreeMap<String, PointStatus>,
    /// Participants by point, then by participant id.
    pub participants: BTreeMap<String, BTreeMap<String, Participant>>,
    /// Who holds the floor; `None` when nobody does or the session is over.
    pub floor: Option<ParticipantRef>,
    /// Who asks for the floor, first raised first; empty once the session is over.
    pub raised_hands: Vec<ParticipantRef>,
    /// The start, as the first `Started` (by mark) states it.
    pub started_at_ms: Option<u64>,
    /// The end, as the first `Ended` (by mark) states it.
    pub ended_at_ms: Option<u64>,
    /// The first cancellation (by mark), if any.
    pub cancelled: Option<Cancellation>,
    pub recordings: BTreeSet<SealedRecording>,
    /// The minutes in force: the latest issued.
    pub minutes: Option<Minutes>,
    /// The Thông báo kết luận in force: the latest issued.
    pub conclusion: Option<ConclusionNotice>,
    /// Events the fold refused, by id (lower-case hex), with the reason.
    pub rejected: BTreeMap<String, String>,
    /// Events folded (applied or rejected), duplicates not counted.
    pub events: u32,
    /// Events beyond [`MAX_SESSION_EVENTS`], counted and not folded.
    pub events_over_limit: u32,
    /// Stamp of every event folded, by id.
    #[serde(skip)]
    stamps: BTreeMap<EventId, u64>,
    #[serde(skip)]
    registers: BTreeMap<ParticipantRef, Registers>,
    #[serde(skip)]
    start_mark: Option<Mark>,
    #[serde(skip)]
    end_mark: Option<Mark>,
    #[serde(skip)]
    cancel_mark: Option<Mark>,
    #[serde(skip)]
    minutes_mark: Option<Mark>,
    #[serde(skip)]
    conclusion_mark: Option<Mark>,
    /// A test or connection event was applied.
    #[serde(skip)]
    tested: bool,
}

impl SessionState {
    /// An empty session, before its scheduling event.
    pub fn new(session_id: &str) -> SessionState {
        SessionState {
            session_id: session_id.chars().take(MAX_SESSION_ID_BYTES).collect(),
            schedule: None,
            phase: Phase::Scheduled,
            linked_cases: BTreeSet::new(),
            case_categories: BTreeMap::new(),
            notice_sent_at_ms: None,
            points: BTreeMap::new(),
            participants: BTreeMap::new(),
            floor: None,
            raised_hands: Vec::new(),
            started_at_ms: None,
            ended_at_ms: None,
            cancelled: None,
            recordings: BTreeSet::new(),
            minutes: None,
            conclusion: None,
            rejected: BTreeMap::new(),
            events: 0,
            events_over_limit: 0,
            stamps: BTreeMap::new(),
            registers: BTreeMap::new(),
            start_mark: None,
            end_mark: None,
            cancel_mark: None,
            minutes_mark: None,
            conclusion_mark: None,
            tested: false,
        }
    }

    /// Folds a sequence of events, in order.
    pub fn fold<'a>(
        session_id: &str,
        events: impl IntoIterator<Item = AppliedEvent<'a>>,
    ) -> SessionState {
        let mut state = SessionState::new(session_id);
        for ev in events {
            state.apply(ev);
        }
        state
    }

    /// Folds a whole session log in its deterministic order. The log's case id is the session
    /// id.
    pub fn fold_log(log: &CaseLog) -> SessionState {
        let mut state = SessionState::new(log.case_id());
        for ev in log.ordered() {
            state.apply_verified(ev);
        }
        state
    }

    /// Decodes a verified log event's payload and applies it. A payload that is not a session
    /// event, or an event of another session, is rejected like any refused event.
    pub fn apply_verified(&mut self, ev: &VerifiedEvent) {
        let parents = ev.parents();
        let decoded = if ev.body.case_id == self.session_id {
            decode_event(&ev.body.payload)
        } else {
            Err(SessionError::WrongSession {
                expected: self.session_id.clone(),
                found: ev.body.case_id.chars().take(MAX_SESSION_ID_BYTES).collect(),
            })
        };
        match decoded {
            Ok(event) => self.apply(AppliedEvent {
                id: ev.id,
                parents: &parents,
                author: &ev.body.author,
                at_ms: ev.body.at_ms,
                event: &event,
            }),
            Err(e) => {
                if self.admit(ev.id, &parents, ev.body.at_ms).is_some() {
                    self.reject(ev.id, &e);
                }
            }
        }
    }

    /// Applies one event. Never panics, never fails: an event refused by the fold's rules is
    /// listed in [`rejected`](Self::rejected) and changes nothing else. An id already folded is
    /// skipped silently.
    pub fn apply(&mut self, ev: AppliedEvent<'_>) {
        let Some(stamp) = self.admit(ev.id, ev.parents, ev.at_ms) else {
            return;
        };
        if let Err(e) = self.transition(&ev, (stamp, ev.id)) {
            self.reject(ev.id, &e);
        }
    }

    /// The sites that may receive anything about this session: every bridge point and all
    /// their ancestors. Empty before the schedule. A sibling of a point is never in it.
    pub fn audience(&self) -> BTreeSet<String> {
        let registry = Registry::official();
        let mut out = BTreeSet::new();
        for site in self.points.keys() {
            out.insert(site.clone());
            out.extend(registry.ancestors(site).into_iter().map(str::to_owned));
        }
        out
    }

    /// Whether the node forwards audio from `participant_id` at `point`: only while the session
    /// is testing or live, only from a present participant, and only from the floor holder or a
    /// chair. The chair may always speak — they run the session and give the floor (NĐ 154/2026
    /// Art 21 asks for microphones to open only when given the floor, and the floor is the
    /// chair's to give). Tests follow the same rule: the chair gives each point's technician the
    /// floor in turn. Cameras are not governed here: video is always forwarded (Art 21).
    pub fn may_forward_audio(&self, point: &str, participant_id: &str) -> bool {
        if !matches!(self.phase, Phase::Testing | Phase::Live) {
            return false;
        }
        let Some(p) = self.participant(point, participant_id) else {
            return false;
        };
        if !p.present {
            return false;
        }
        // The fold admits the chair role only at the central point.
        p.role == Role::Chair
            || self
                .floor
                .as_ref()
                .is_some_and(|f| f.point == point && f.participant_id == participant_id)
    }

    /// The participant, present or not.
    pub fn participant(&self, point: &str, participant_id: &str) -> Option<&Participant> {
        self.participants.get(point)?.get(participant_id)
    }

    /// Whether `site` is a bridge point of the session (the central one included).
    pub fn is_point(&self, site: &str) -> bool {
        self.points.contains_key(site)
    }

    /// The chair's site (central bridge point), once scheduled.
    pub fn chair_site(&self) -> Option<&str> {
        self.schedule.as_ref().map(|s| s.chair_site.as_str())
    }

    /// Counts an event in and gives its stamp, or `None` for a duplicate or past the bound.
    fn admit(&mut self, id: EventId, parents: &[EventId], at_ms: u64) -> Option<u64> {
        if self.stamps.contains_key(&id) {
            return None;
        }
        if self.stamps.len() >= MAX_SESSION_EVENTS {
            self.events_over_limit = self.events_over_limit.saturating_add(1);
            return None;
        }
        // Clamped so a hostile clock cannot saturate the stamps and erase causal order.
        let own = at_ms.min(MAX_UNIX_MS);
        let stamp = parents
            .iter()
            .filter_map(|p| self.stamps.get(p))
            .map(|s| s.saturating_add(1))
            .fold(own, u64::max);
        self.stamps.insert(id, stamp);
        self.events = self.events.saturating_add(1);
        Some(stamp)
    }

    fn reject(&mut self, id: EventId, error: &SessionError) {
        self.rejected.insert(hex(&id), error.to_string());
    }
}
