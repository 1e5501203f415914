//! The deterministic fold of a case's events, the case's audience, and jurisdiction.
//!
//! Owns [`CaseState`] and its [`CaseState::apply`]: events are folded in the order the caller
//! gives (the DAG module orders them topologically). The fold is a pure function of that
//! sequence and the compiled-in site registry: it never panics, never errors, and never reads
//! the clock — an event's date is its signed `at_ms` in Vietnam time. An event that is not
//! allowed where it lands (wrong status, wrong site, wrong content type) is recorded in the
//! history with `ignored: true` and a reason, and changes nothing else.
//!
//! Also owns the definition of a case's audience ([`CaseState::audience`]: origin, every site it
//! was handed to, and all their ancestors) and the jurisdiction checks [`can_escalate`] and
//! [`can_transfer`]. It must not decide trust: whether `author` really signed an event is
//! checked before the event gets here.
//!
//! # Lifecycle
//!
//! ```text
//!            ┌──────────── Refused (reception refused; only Closed follows)
//! Received ──┼─ Classified ─┬─ Accepted ─┬─ Decided (complaint) ── Final ── Closed
//!   (intake) │              │            ├─ Concluded (denunciation) ── Closed
//!            │              │            ├─ Suspended ⇄ Accepted (Resumed)
//!            │              │            └─ Closed (petition, feedback)
//!            │              ├─ Guided / Forwarded ── Closed
//!            │              └─ Transferred / Escalated ── back to intake at the new site
//!            └─ Withdrawn ── Closed         (any open status may also be Closed)
//! ```
//!
//! Escalation from `Decided` (second complaint), `Concluded` (tố cáo tiếp) or an overdue intake
//! or acceptance opens a new stage at the superior site; a second-instance escalation makes the
//!
//! # Layout
//!
//! This module holds the state itself and the fold's entry points. One event's transition is
//! split by the part of the procedure its kind belongs to:
//! - `transition`: the checks every event passes, and the dispatch to its phase;
//! - `intake`: the reception (genesis) and the holder's first handling;
//! - `hand_over`: transfers, orders to resolve and escalations;
//! - `resolution`: from extension and suspension to decision, conclusion and closing;
//! - `annotation`: notes, recordings, identity views and notices, allowed in any status;
//! - `stage`: a holder's stage and how the case passes from one holder to the next;
//! - `jurisdiction`: where a case may be escalated or transferred.

mod annotation;
mod hand_over;
mod intake;
mod jurisdiction;
mod open_acts;
mod resolution;
mod session_results;
mod stage;
mod told;
mod transition;

#[cfg(test)]
pub(crate) mod tests;

use std::collections::BTreeSet;

use serde::Serialize;

use super::{
    hex, CaseEvent, Date, Kind, Reception, MAX_CASE_EVENTS, MAX_CASE_ID_CHARS, MAX_SITE_CODE_CHARS,
};
use crate::sealed::SealedIdentity;
use crate::sites::Registry;

pub use jurisdiction::{can_escalate, can_transfer};
pub use open_acts::OpenAct;
pub use stage::{Disposition, Stage, StageStart};
pub use told::{Happened, Ignored};

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Logged, not yet classified (tiếp nhận).
    Received,
    /// Reception refused (từ chối tiếp; Luật TCD 2013 Art 9).
    Refused,
    /// Content type and flags set (phân loại).
    Classified,
    /// Accepted for resolution (thụ lý).
    Accepted,
    /// Citizen guided to the competent body (hướng dẫn).
    Guided,
    /// Đơn forwarded to a body outside the federation (chuyển đơn).
    Forwarded,
    /// Handed to another site: transfer, or a superior's order to a subordinate.
    Transferred,
    /// Taken up by a superior site.
    Escalated,
    /// Resolution suspended (tạm đình chỉ).
    Suspended,
    /// Complaint decided (đã có quyết định giải quyết).
    Decided,
    /// Denunciation concluded (đã có kết luận).
    Concluded,
    /// Decision in legal effect (có hiệu lực pháp luật).
    Final,
    /// Withdrawn in full (rút đơn).
    Withdrawn,
    /// Closed and filed (kết thúc, lưu hồ sơ).
    Closed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Refused => "refused",
            Status::Classified => "classified",
            Status::Accepted => "accepted",
            Status::Guided => "guided",
            Status::Forwarded => "forwarded",
            Status::Transferred => "transferred",
            Status::Escalated => "escalated",
            Status::Suspended => "suspended",
            Status::Decided => "decided",
            Status::Concluded => "concluded",
            Status::Final => "final",
            Status::Withdrawn => "withdrawn",
            Status::Closed => "closed",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Status::Received => "Đã tiếp nhận",
            Status::Refused => "Từ chối tiếp",
            Status::Classified => "Đã phân loại",
            Status::Accepted => "Đã thụ lý",
            Status::Guided => "Đã hướng dẫn",
            Status::Forwarded => "Đã chuyển đơn",
            Status::Transferred => "Đã chuyển cấp khác",
            Status::Escalated => "Đã chuyển cấp trên",
            Status::Suspended => "Tạm đình chỉ",
            Status::Decided => "Đã có quyết định giải quyết",
            Status::Concluded => "Đã có kết luận",
            Status::Final => "Quyết định có hiệu lực",
            Status::Withdrawn => "Đã rút đơn",
            Status::Closed => "Đã kết thúc",
        }
    }

    /// Waiting for the current holder's first handling: the acceptance and initial-processing
    /// clocks run.
    pub fn is_intake(self) -> bool {
        matches!(
            self,
            Status::Received | Status::Classified | Status::Transferred | Status::Escalated
        )
    }

    /// Still needs work (not closed, withdrawn, final, refused, guided or forwarded).
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            Status::Closed
                | Status::Withdrawn
                | Status::Final
                | Status::Refused
                | Status::Guided
                | Status::Forwarded
        )
    }
}

/// One event handed to the fold, with what the DAG verified about it.
#[derive(Debug, Clone, Copy)]
pub struct AppliedEvent<'a> {
    /// The event's id (hash of its signed bytes).
    pub id: [u8; 32],
    /// The site that signed it.
    pub author: &'a str,
    /// The person at that site who wrote it, when the event names one.
    pub by: Option<&'a crate::log::Actor>,
    /// Its author's timestamp, Unix milliseconds; its date is read in Vietnam time.
    pub at_ms: u64,
    pub event: &'a CaseEvent,
}

/// One line of a case's history, for every event folded, applied or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    /// Event id, lower-case hex.
    pub id: String,
    pub author: String,
    /// Who at the author site wrote it (user and role), when the event names one.
    pub by: Option<crate::log::Actor>,
    pub at_ms: u64,
    /// The event's wire name (`accepted`, `escalated`, ...).
    pub event: String,
    /// What happened, in a short English sentence (for logs; pages render `what`).
    pub summary: String,
    /// True when the event was not allowed and changed nothing.
    pub ignored: bool,
    /// Why it was ignored, in English (pages render `why`).
    pub reason: Option<String>,
    /// What happened, typed: the history line every site renders in its reader's language.
    pub what: Happened,
    /// Why it was ignored, typed.
    pub why: Option<Ignored>,
}

/// A line of a site's log book for an online session this case was heard in (NĐ 154/2026
/// Art 27).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OnlineHearing {
    pub session_id: String,
    /// The site that received the citizen online (the session's chair site).
    pub site: String,
    pub date: Date,
    pub session_type: super::SessionType,
}

/// A task the Thông báo kết luận of a session gave a site on this case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    pub session_id: String,
    pub notice_no: String,
    pub to_site: String,
    pub task: String,
    pub due: Date,
    /// The day it was assigned (the event's date).
    pub given_on: Date,
    /// The day the assigned site reported on it.
    pub reported_on: Option<Date>,
}

/// A reply letter (văn bản phúc đáp) from the body a site passed the đơn on to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reply {
    /// The site that passed the đơn on and recorded the reply.
    pub site: String,
    pub from_body: String,
    pub letter_no: String,
    /// The letter's date.
    pub date: Date,
    /// The day the site recorded it (the event's date).
    pub recorded_on: Date,
}

/// A recorded session attached to the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recording {
    pub session_id: String,
    pub index_hash: String,
}

/// Everything known about a case: the fold of its events.
///
/// Fields marked "this stage" are reset when the case moves to another site (transfer,
/// escalation, order to resolve): the new holder's clocks start afresh (Luật TC 2018 Art 24(2);
/// Luật KN 2011 Art 36).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseState {
    pub case_id: String,
    /// The site that received the citizen (author of `Received`); empty before it.
    pub origin: String,
    /// Content type: from the reception, then the latest `Classified`; `None` before the
    /// reception.
    pub kind: Option<Kind>,
    pub status: Status,
    pub reception: Option<Reception>,
    pub complex: bool,
    pub remote_area: bool,
    /// Sites the case was transferred, escalated or ordered down to, in order.
    pub holders: Vec<String>,
    /// The site handling it now.
    pub current_site: String,
    /// 1 for the first instance, 2 after a second complaint.
    pub instance: u8,
    /// The reception date (Form 03/TCD column 2); [`Date::UNIX_EPOCH`] before it.
    pub received_on: Date,
    /// The current holder's stage.
    pub stage: Stage,
    /// The stage before, if any (its met deadlines stay visible).
    pub previous_stage: Option<Stage>,
    /// This stage: date of acceptance (thụ lý).
    pub accepted_on: Option<Date>,
    /// This stage: extensions granted, in days.
    pub extensions: Vec<u32>,
    /// This stage: start of the running suspension.
    pub suspended_since: Option<Date>,
    /// This stage: calendar days spent suspended, all suspensions.
    pub suspended_days: u32,
    /// This stage: date of the latest suspension decision.
    pub last_suspension_on: Option<Date>,
    /// This stage: when a complaint's clock restarted on resumption (NĐ 155/2026).
    pub clock_restarted_on: Option<Date>,
    /// First handling of the đơn by any holder (for Luật TCD 2013 Art 28(1), NĐ 154/2026 Art 41).
    pub handled_on: Option<Date>,
    /// Date of the latest written notice to the citizen.
    pub last_notice_on: Option<Date>,
    /// This stage: complaint decision date.
    pub decided_on: Option<Date>,
    /// This stage: denunciation conclusion date.
    pub concluded_on: Option<Date>,
    pub final_on: Option<Date>,
    pub withdrawn_on: Option<Date>,
    pub closed_on: Option<Date>,
    /// The identity sealed to the audience: the reception's, or the latest re-wrapped one.
    pub sealed_identity: Option<SealedIdentity>,
    /// Dialogue dates, in event order.
    pub dialogues: Vec<Date>,
    pub recordings: Vec<Recording>,
    /// Online sessions the citizen was received in about this case.
    pub online_hearings: Vec<OnlineHearing>,
    /// Tasks the sessions' Thông báo kết luận assigned, in event order.
    pub assignments: Vec<Assignment>,
    /// Reply letters for the đơn passed on, in event order.
    pub replies: Vec<Reply>,
    pub history: Vec<HistoryEntry>,
    /// How many times someone viewed the plaintext identity.
    pub identity_views: u32,
    /// Events beyond [`MAX_CASE_EVENTS`], counted and not folded.
    pub events_over_limit: u32,
    #[serde(skip)]
    seen: BTreeSet<[u8; 32]>,
}

impl CaseState {
    /// An empty case, before its reception.
    pub fn new(case_id: &str) -> CaseState {
        CaseState {
            case_id: case_id.chars().take(MAX_CASE_ID_CHARS).collect(),
            origin: String::new(),
            kind: None,
            status: Status::Received,
            reception: None,
            complex: false,
            remote_area: false,
            holders: Vec::new(),
            current_site: String::new(),
            instance: 1,
            received_on: Date::UNIX_EPOCH,
            stage: Stage {
                site: String::new(),
                since: Date::UNIX_EPOCH,
                start: StageStart::Reception,
                outcome: None,
            },
            previous_stage: None,
            accepted_on: None,
            extensions: Vec::new(),
            suspended_since: None,
            suspended_days: 0,
            last_suspension_on: None,
            clock_restarted_on: None,
            handled_on: None,
            last_notice_on: None,
            decided_on: None,
            concluded_on: None,
            final_on: None,
            withdrawn_on: None,
            closed_on: None,
            sealed_identity: None,
            dialogues: Vec::new(),
            recordings: Vec::new(),
            online_hearings: Vec::new(),
            assignments: Vec::new(),
            replies: Vec::new(),
            history: Vec::new(),
            identity_views: 0,
            events_over_limit: 0,
            seen: BTreeSet::new(),
        }
    }

    /// Folds a sequence of events, in order.
    pub fn fold<'a>(
        case_id: &str,
        events: impl IntoIterator<Item = AppliedEvent<'a>>,
    ) -> CaseState {
        let mut state = CaseState::new(case_id);
        for ev in events {
            state.apply(ev);
        }
        state
    }

    /// Applies one event. Never panics, never fails: an event not allowed here is recorded in
    /// the history as ignored, with the reason, and changes nothing else. An id already folded
    /// is skipped silently.
    pub fn apply(&mut self, ev: AppliedEvent<'_>) {
        if self.history.len() >= MAX_CASE_EVENTS {
            self.events_over_limit = self.events_over_limit.saturating_add(1);
            return;
        }
        if !self.seen.insert(ev.id) {
            return;
        }
        let (what, why) = match self.transition(&ev) {
            Ok(what) => (what, None),
            Err(why) => (
                Happened::Tried {
                    event: ev.event.name(),
                },
                Some(why),
            ),
        };
        self.history.push(HistoryEntry {
            id: hex(&ev.id),
            author: ev.author.chars().take(2 * MAX_SITE_CODE_CHARS).collect(),
            by: ev.by.cloned(),
            at_ms: ev.at_ms,
            event: ev.event.name().to_owned(),
            summary: what.to_string(),
            ignored: why.is_some(),
            reason: why.as_ref().map(ToString::to_string),
            what,
            why,
        });
    }

    /// Why the fold would ignore `event` if `author` signed it next, or `None` when it would
    /// apply: a site refuses an act the case's state does not allow before signing it, rather
    /// than store an event every site then ignores.
    pub fn refusal_of(
        &self,
        author: &str,
        by: Option<&crate::log::Actor>,
        at_ms: u64,
        event: &CaseEvent,
    ) -> Option<Ignored> {
        // An id no signed event has: the trial never leaves this function.
        const TRIAL_ID: [u8; 32] = [0xa5; 32];
        let mut trial = self.clone();
        let before = trial.history.len();
        trial.apply(AppliedEvent {
            id: TRIAL_ID,
            author,
            by,
            at_ms,
            event,
        });
        match trial.history.get(before) {
            Some(h) => h.why.clone(),
            None => Some(Ignored::CaseFull {
                max: MAX_CASE_EVENTS,
            }),
        }
    }

    /// The sites that may receive anything about this case: the origin, every site it was
    /// transferred, escalated or ordered down to, and all their ancestors. Empty before the
    /// reception. A sibling of any of them is never in it.
    pub fn audience(&self) -> BTreeSet<String> {
        let registry = Registry::official();
        let mut out = BTreeSet::new();
        if self.origin.is_empty() {
            return out;
        }
        for site in std::iter::once(&self.origin).chain(&self.holders) {
            out.insert(site.clone());
            out.extend(registry.ancestors(site).into_iter().map(str::to_owned));
        }
        out
    }

    /// Applied, not ignored, entries of the history.
    pub fn applied(&self) -> impl Iterator<Item = &HistoryEntry> {
        self.history.iter().filter(|h| !h.ignored)
    }
}
