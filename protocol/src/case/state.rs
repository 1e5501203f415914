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
//! case's `instance` 2.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{
    date_from_unix_ms, hex, CaseError, CaseEvent, Date, Direction, EscalationReason, Identity,
    Kind, Reception, MAX_CASE_EVENTS, MAX_CASE_ID_CHARS, MAX_EXTENSIONS, MAX_HOLDERS,
    MAX_SITE_CODE_CHARS,
};
use crate::sealed::SealedIdentity;
use crate::sites::Registry;

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
    pub at_ms: u64,
    /// The event's wire name (`accepted`, `escalated`, ...).
    pub event: String,
    /// What happened, in a short English sentence.
    pub summary: String,
    /// True when the event was not allowed and changed nothing.
    pub ignored: bool,
    /// Why it was ignored.
    pub reason: Option<String>,
}

/// How the current holder came to hold the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StageStart {
    /// The origin site received the citizen.
    Reception,
    /// Transferred from another site.
    Transfer,
    /// Taken up by a superior.
    Escalation(EscalationReason),
    /// Handed down by a superior's order to resolve.
    Order,
}

/// The first thing a holder did with the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    Accepted,
    Guided,
    Forwarded,
    Transferred,
    Ordered,
    Escalated,
    Withdrawn,
    Closed,
}

/// The time one site held the case: the unit the intake deadlines count from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stage {
    pub site: String,
    pub since: Date,
    pub start: StageStart,
    /// The holder's first handling, and its date.
    pub outcome: Option<(Disposition, Date)>,
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
    pub history: Vec<HistoryEntry>,
    /// How many times someone viewed the plaintext identity.
    pub identity_views: u32,
    /// Events beyond [`MAX_CASE_EVENTS`], counted and not folded.
    pub events_over_limit: u32,
    #[serde(skip)]
    seen: BTreeSet<[u8; 32]>,
}

type Outcome = Result<String, (String, String)>;

fn ignore(summary: impl Into<String>, reason: impl Into<String>) -> Outcome {
    Err((summary.into(), reason.into()))
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
        let (summary, ignored, reason) = match self.transition(&ev) {
            Ok(summary) => (summary, false, None),
            Err((summary, reason)) => (summary, true, Some(reason)),
        };
        self.history.push(HistoryEntry {
            id: hex(&ev.id),
            author: ev.author.chars().take(2 * MAX_SITE_CODE_CHARS).collect(),
            at_ms: ev.at_ms,
            event: ev.event.name().to_owned(),
            summary,
            ignored,
            reason,
        });
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

    fn may_act(&self, author: &str) -> bool {
        author == self.current_site
            || Registry::official()
                .ancestors(&self.current_site)
                .contains(&author)
    }

    fn reset_stage_clocks(&mut self) {
        self.accepted_on = None;
        self.extensions.clear();
        self.suspended_since = None;
        self.suspended_days = 0;
        self.last_suspension_on = None;
        self.clock_restarted_on = None;
        self.decided_on = None;
        self.concluded_on = None;
    }

    fn settle_stage(&mut self, how: Disposition, on: Date) {
        if self.stage.outcome.is_none() {
            self.stage.outcome = Some((how, on));
        }
        if !matches!(how, Disposition::Escalated) {
            self.handled_on.get_or_insert(on);
        }
    }

    /// Hands the case to `site`: closes the current stage with `how`, opens a new one.
    fn hand_over(&mut self, site: &str, how: Disposition, start: StageStart, on: Date) {
        self.settle_stage(how, on);
        let next = Stage {
            site: site.to_owned(),
            since: on,
            start,
            outcome: None,
        };
        self.previous_stage = Some(std::mem::replace(&mut self.stage, next));
        self.holders.push(site.to_owned());
        self.current_site = site.to_owned();
        self.reset_stage_clocks();
    }

    fn transition(&mut self, ev: &AppliedEvent<'_>) -> Outcome {
        let event = ev.event;
        let name = event.name();
        let on = date_from_unix_ms(ev.at_ms);
        if let Err(e) = event.validate() {
            return ignore(name, format!("invalid event: {e}"));
        }
        let registry = Registry::official();

        // Genesis.
        if let CaseEvent::Received { reception } = event {
            if self.reception.is_some() {
                return ignore("second reception", "the case already has its reception");
            }
            if !registry.contains(ev.author) {
                return ignore(
                    "reception",
                    format!("site {:?} is not in the official list", ev.author),
                );
            }
            let date = reception.date;
            self.origin = ev.author.to_owned();
            self.current_site = ev.author.to_owned();
            self.kind = Some(reception.kind);
            self.received_on = date;
            self.stage = Stage {
                site: ev.author.to_owned(),
                since: date,
                start: StageStart::Reception,
                outcome: None,
            };
            if let Identity::Sealed(s) = &reception.identity {
                self.sealed_identity = Some(s.clone());
            }
            self.status = if reception.refusal.is_some() {
                Status::Refused
            } else {
                match &reception.direction {
                    Some(Direction::Guide { .. }) => {
                        self.settle_stage(Disposition::Guided, date);
                        Status::Guided
                    }
                    Some(Direction::Transfer { .. }) => {
                        self.settle_stage(Disposition::Forwarded, date);
                        Status::Forwarded
                    }
                    Some(Direction::Accept) | None => Status::Received,
                }
            };
            self.reception = Some(reception.clone());
            let refused = reception
                .refusal
                .map(|r| format!(", refused ({})", r.article()))
                .unwrap_or_default();
            return Ok(format!(
                "{} received at {} from {} person(s){refused}",
                reception.kind, ev.author, reception.people_count
            ));
        }
        let Some(reception) = &self.reception else {
            return ignore(name, "the case has no reception yet");
        };
        let people_count = reception.people_count;

        // Records anyone in the audience may add, in any status.
        let always = matches!(
            event,
            CaseEvent::Note { .. }
                | CaseEvent::RecordingAttached { .. }
                | CaseEvent::IdentityViewed { .. }
                | CaseEvent::CitizenNotified { .. }
        );
        if always {
            if !self.audience().contains(ev.author) {
                return ignore(
                    name,
                    format!("site {} is outside the case's audience", ev.author),
                );
            }
        } else if !self.may_act(ev.author) {
            return ignore(
                name,
                format!(
                    "site {} does not handle this case: only {} or a site above it may",
                    ev.author, self.current_site
                ),
            );
        }

        let status = self.status;
        let not_now = || {
            ignore(
                name,
                format!("{name} is not allowed when the case is {}", status.as_str()),
            )
        };
        if status == Status::Closed && !always {
            return ignore(name, "the case is closed");
        }
        if status == Status::Refused && !always && !matches!(event, CaseEvent::Closed { .. }) {
            return ignore(name, "reception was refused: the case can only be closed");
        }
        let intake = status.is_intake();

        match event {
            CaseEvent::Received { .. } => unreachable_ignored(name),
            CaseEvent::Classified {
                kind,
                complex,
                remote_area,
            } => {
                let settled = matches!(status, Status::Accepted | Status::Suspended);
                if !(intake || settled) {
                    return not_now();
                }
                if *kind == Kind::Denunciation && self.sealed_identity.is_none() {
                    return ignore(name, "a denunciation's identity must be sealed: record it as a new reception with a sealed identity (Luật TC 2018 Art 47)");
                }
                if settled && Some(*kind) != self.kind {
                    return ignore(name, "the content type cannot change after acceptance");
                }
                self.kind = Some(*kind);
                self.complex = *complex;
                self.remote_area = *remote_area;
                if intake {
                    self.status = Status::Classified;
                }
                let mut s = format!("classified as {kind}");
                if *complex {
                    s.push_str(", complex");
                }
                if *remote_area {
                    s.push_str(", remote area");
                }
                Ok(s)
            }
            CaseEvent::Accepted { decision_no } => {
                if !intake {
                    return not_now();
                }
                self.settle_stage(Disposition::Accepted, on);
                self.accepted_on = Some(on);
                self.status = Status::Accepted;
                Ok(format!("accepted for resolution (decision {decision_no})"))
            }
            CaseEvent::Guided { to_body, .. } => {
                if !intake {
                    return not_now();
                }
                self.settle_stage(Disposition::Guided, on);
                self.status = Status::Guided;
                Ok(format!("citizen guided to {to_body}"))
            }
            CaseEvent::Forwarded { to_body, letter_no } => {
                if !intake {
                    return not_now();
                }
                self.settle_stage(Disposition::Forwarded, on);
                self.status = Status::Forwarded;
                Ok(format!("đơn forwarded to {to_body} (letter {letter_no})"))
            }
            CaseEvent::Transferred {
                to_site,
                letter_no,
                rewrapped,
            } => {
                if !intake {
                    return not_now();
                }
                if let Err(e) = can_transfer(&self.current_site, to_site) {
                    return ignore(format!("transfer to {to_site}"), e.to_string());
                }
                if self.holders.len() >= MAX_HOLDERS {
                    return ignore(
                        name,
                        format!("the case was already handed on {MAX_HOLDERS} times"),
                    );
                }
                self.hand_over(to_site, Disposition::Transferred, StageStart::Transfer, on);
                if let Some(s) = rewrapped {
                    self.sealed_identity = Some(s.clone());
                }
                self.status = Status::Transferred;
                Ok(format!("transferred to {to_site} (letter {letter_no})"))
            }
            CaseEvent::OrderedToResolve { subordinate_site } => {
                if !intake {
                    return not_now();
                }
                let below = registry.contains(subordinate_site)
                    && registry
                        .ancestors(subordinate_site)
                        .contains(&self.current_site.as_str());
                if !below {
                    return ignore(
                        format!("order to {subordinate_site}"),
                        format!(
                            "site {subordinate_site} is not under site {}",
                            self.current_site
                        ),
                    );
                }
                if self.holders.len() >= MAX_HOLDERS {
                    return ignore(
                        name,
                        format!("the case was already handed on {MAX_HOLDERS} times"),
                    );
                }
                self.hand_over(
                    subordinate_site,
                    Disposition::Ordered,
                    StageStart::Order,
                    on,
                );
                self.status = Status::Transferred;
                Ok(format!("{subordinate_site} required to resolve it"))
            }
            CaseEvent::Escalated {
                to_site,
                reason,
                rewrapped,
            } => {
                let allowed = match reason {
                    EscalationReason::SecondInstance => {
                        if self.kind != Some(Kind::Complaint) {
                            return ignore(name, "only a complaint has a second instance");
                        }
                        if self.instance >= 2 {
                            return ignore(name, "the second instance is the last: the complainant may now go to court (Luật KN 2011 Art 7)");
                        }
                        matches!(
                            status,
                            Status::Received
                                | Status::Classified
                                | Status::Transferred
                                | Status::Accepted
                                | Status::Suspended
                                | Status::Decided
                        )
                    }
                    EscalationReason::RepeatDenunciation => {
                        if self.kind != Some(Kind::Denunciation) {
                            return ignore(
                                name,
                                "only a denunciation can be denounced again (tố cáo tiếp)",
                            );
                        }
                        status == Status::Concluded
                    }
                    EscalationReason::Overdue => intake || status == Status::Accepted,
                };
                if !allowed {
                    return not_now();
                }
                if let Err(e) = can_escalate(&self.current_site, to_site) {
                    return ignore(format!("escalation to {to_site}"), e.to_string());
                }
                if self.holders.len() >= MAX_HOLDERS {
                    return ignore(
                        name,
                        format!("the case was already handed on {MAX_HOLDERS} times"),
                    );
                }
                self.hand_over(
                    to_site,
                    Disposition::Escalated,
                    StageStart::Escalation(*reason),
                    on,
                );
                if *reason == EscalationReason::SecondInstance {
                    self.instance = 2;
                }
                if let Some(s) = rewrapped {
                    self.sealed_identity = Some(s.clone());
                }
                self.status = Status::Escalated;
                Ok(format!("escalated to {to_site} ({})", reason.as_str()))
            }
            CaseEvent::Extended { days, .. } => {
                if self.kind != Some(Kind::Denunciation) {
                    return ignore(name, "only a denunciation's resolution time can be extended (Luật TC 2018 Art 30); mark a complaint complex instead");
                }
                if status != Status::Accepted {
                    return not_now();
                }
                if self.extensions.len() >= MAX_EXTENSIONS {
                    return ignore(name, "a denunciation's resolution time can be extended at most twice (Luật TC 2018 Art 30)");
                }
                self.extensions.push(*days);
                Ok(format!("resolution time extended by {days} days"))
            }
            CaseEvent::Suspended { .. } => {
                if status != Status::Accepted {
                    return not_now();
                }
                self.suspended_since = Some(on);
                self.last_suspension_on = Some(on);
                self.status = Status::Suspended;
                Ok("resolution suspended".to_owned())
            }
            CaseEvent::Resumed => {
                let (Status::Suspended, Some(since)) = (status, self.suspended_since) else {
                    return not_now();
                };
                let days = u32::try_from(since.days_until(on).max(0)).unwrap_or(u32::MAX);
                self.suspended_days = self.suspended_days.saturating_add(days);
                self.suspended_since = None;
                if self.kind == Some(Kind::Complaint) {
                    self.clock_restarted_on = Some(on);
                }
                self.status = Status::Accepted;
                Ok(format!("resolution resumed after {days} day(s)"))
            }
            CaseEvent::Dialogue { date, .. } => {
                if self.kind != Some(Kind::Complaint) {
                    return ignore(
                        name,
                        "a dialogue belongs to the complaint procedure (Luật KN 2011 Art 30)",
                    );
                }
                if status != Status::Accepted {
                    return not_now();
                }
                self.dialogues.push(*date);
                Ok(format!("dialogue on {date}"))
            }
            CaseEvent::Decided { .. } => {
                if self.kind != Some(Kind::Complaint) {
                    return ignore(name, "only a complaint ends with a decision; a denunciation ends with a conclusion");
                }
                if status != Status::Accepted {
                    return not_now();
                }
                self.decided_on = Some(on);
                self.status = Status::Decided;
                Ok(format!("complaint decided (instance {})", self.instance))
            }
            CaseEvent::Concluded { .. } => {
                if self.kind != Some(Kind::Denunciation) {
                    return ignore(name, "only a denunciation ends with a conclusion");
                }
                if status != Status::Accepted {
                    return not_now();
                }
                self.concluded_on = Some(on);
                self.status = Status::Concluded;
                Ok("denunciation concluded".to_owned())
            }
            CaseEvent::Final => {
                if status != Status::Decided {
                    return not_now();
                }
                self.final_on = Some(on);
                self.status = Status::Final;
                Ok("decision in legal effect".to_owned())
            }
            CaseEvent::Withdrawn { partial, .. } => {
                if !(intake || matches!(status, Status::Accepted | Status::Suspended)) {
                    return not_now();
                }
                if *partial {
                    if people_count < 2 {
                        return ignore(
                            name,
                            "one person cannot withdraw partially: record a full withdrawal",
                        );
                    }
                    return Ok(
                        "withdrawn by some of the group; the case continues for the rest"
                            .to_owned(),
                    );
                }
                self.settle_stage(Disposition::Withdrawn, on);
                self.withdrawn_on = Some(on);
                self.suspended_since = None;
                self.status = Status::Withdrawn;
                Ok("withdrawn".to_owned())
            }
            CaseEvent::Closed { .. } => {
                self.settle_stage(Disposition::Closed, on);
                self.closed_on = Some(on);
                self.suspended_since = None;
                self.status = Status::Closed;
                Ok("closed".to_owned())
            }
            CaseEvent::Note { .. } => Ok("note added".to_owned()),
            CaseEvent::RecordingAttached {
                session_id,
                index_hash,
            } => {
                self.recordings.push(Recording {
                    session_id: session_id.clone(),
                    index_hash: index_hash.clone(),
                });
                Ok(format!("recording of session {session_id} attached"))
            }
            CaseEvent::IdentityViewed { by, role } => {
                self.identity_views = self.identity_views.saturating_add(1);
                Ok(format!("identity viewed by {by} ({role})"))
            }
            CaseEvent::CitizenNotified { letter_no } => {
                self.last_notice_on = Some(self.last_notice_on.map_or(on, |d| d.max(on)));
                Ok(format!("written notice {letter_no} sent to the citizen"))
            }
        }
    }
}

/// `Received` is handled before the match; kept as a value so the match stays exhaustive.
fn unreachable_ignored(name: &str) -> Outcome {
    ignore(name, "the case already has its reception")
}

/// Jurisdiction of an escalation: the case goes up to an ancestor of its current holder
/// (commune → its province → central; Luật KN 2011 Art 33, Luật TC 2018 Arts 37–38; DOMAIN §7
/// "Escalation path"). A sibling, a descendant or another province's site is refused.
pub fn can_escalate(from: &str, to: &str) -> Result<(), CaseError> {
    let registry = Registry::official();
    registry.get(from)?;
    registry.get(to)?;
    if from == to {
        return Err(CaseError::SameSite(to.to_owned()));
    }
    if !registry.ancestors(from).contains(&to) {
        return Err(CaseError::NotAnAncestor {
            from: from.to_owned(),
            to: to.to_owned(),
        });
    }
    Ok(())
}

/// Jurisdiction of a transfer (chuyển đơn): any known site other than the current holder; the
/// competent body may be anywhere, including another province.
pub fn can_transfer(from: &str, to: &str) -> Result<(), CaseError> {
    let registry = Registry::official();
    registry.get(from)?;
    registry.get(to)?;
    if from == to {
        return Err(CaseError::SameSite(to.to_owned()));
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::case::event::tests::every_event;
    use crate::case::reception::tests::{reception, sealed};
    use crate::case::{parse_date, RefusalReason};
    use proptest::prelude::*;

    /// Unix ms of 09:00 Vietnam time on `date`.
    pub(crate) fn ms(date: &str) -> u64 {
        let d = parse_date(date).unwrap();
        let days = Date::UNIX_EPOCH.days_until(d) as u64;
        days * 86_400_000 + 2 * 3_600_000
    }

    /// Builds a case from (author, date, event) triples; ids are the sequence numbers.
    pub(crate) fn case(events: &[(&str, &str, CaseEvent)]) -> CaseState {
        let mut s = CaseState::new("case-1");
        for (i, (author, date, ev)) in events.iter().enumerate() {
            let mut id = [0u8; 32];
            id[..8].copy_from_slice(&(i as u64).to_be_bytes());
            s.apply(AppliedEvent {
                id,
                author,
                at_ms: ms(date),
                event: ev,
            });
        }
        s
    }

    pub(crate) fn received(kind: Kind, date: &str) -> CaseEvent {
        let mut r = reception(kind);
        r.date = parse_date(date).unwrap();
        CaseEvent::Received { reception: r }
    }

    fn set(sites: &[&str]) -> BTreeSet<String> {
        sites.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn audience_follows_escalation_and_transfer() {
        // Phường Hoàn Kiếm (00070, Hà Nội 01) escalates to 01 then central.
        let mut s = case(&[
            (
                "00070",
                "2026-07-06",
                received(Kind::Complaint, "2026-07-06"),
            ),
            (
                "00070",
                "2026-07-07",
                CaseEvent::Accepted {
                    decision_no: "1/QĐ".into(),
                },
            ),
            (
                "00070",
                "2026-07-20",
                CaseEvent::Decided {
                    summary: "Bác đơn".into(),
                },
            ),
            (
                "01",
                "2026-07-27",
                CaseEvent::Escalated {
                    to_site: "01".into(),
                    reason: EscalationReason::SecondInstance,
                    rewrapped: None,
                },
            ),
            (
                "01",
                "2026-07-28",
                CaseEvent::Escalated {
                    to_site: "VN".into(),
                    reason: EscalationReason::Overdue,
                    rewrapped: None,
                },
            ),
        ]);
        assert!(s.history.iter().all(|h| !h.ignored), "{:#?}", s.history);
        assert_eq!(s.audience(), set(&["00070", "01", "VN"]));
        assert_eq!(s.instance, 2);
        assert_eq!(s.current_site, "VN");
        // Central transfers it to the competent ward 26506 in TP HCM (79).
        let ev = CaseEvent::Transferred {
            to_site: "26506".into(),
            letter_no: "5/BTCDTW".into(),
            rewrapped: Some(sealed()),
        };
        s.apply(AppliedEvent {
            id: [9; 32],
            author: "VN",
            at_ms: ms("2026-07-29"),
            event: &ev,
        });
        assert!(!s.history.last().unwrap().ignored, "{:?}", s.history.last());
        assert_eq!(s.audience(), set(&["00070", "01", "VN", "26506", "79"]));
        assert!(
            !s.audience().contains("00073"),
            "a sibling commune is never in the audience"
        );
        assert_eq!(s.holders, vec!["01", "VN", "26506"]);
    }

    #[test]
    fn jurisdiction() {
        assert!(can_escalate("00070", "01").is_ok());
        assert!(can_escalate("00070", "VN").is_ok());
        assert!(can_escalate("01", "VN").is_ok());
        let e = can_escalate("00070", "00073").unwrap_err();
        assert!(matches!(e, CaseError::NotAnAncestor { .. }));
        assert!(e.to_string().contains("not above"), "{e}");
        assert!(can_escalate("00070", "79").is_err(), "another province");
        assert!(can_escalate("01", "00070").is_err(), "down is not up");
        assert!(can_escalate("00070", "00070").is_err());
        assert!(matches!(
            can_escalate("99999", "01"),
            Err(CaseError::Site(_))
        ));
        assert!(can_transfer("00070", "26506").is_ok());
        assert!(can_transfer("00070", "00073").is_ok());
        assert!(can_transfer("00070", "00070").is_err());
        assert!(can_transfer("00070", "XX").is_err());
    }

    #[test]
    fn illegal_transitions_are_recorded_not_applied() {
        let mut s = case(&[
            (
                "00070",
                "2026-07-06",
                received(Kind::Complaint, "2026-07-06"),
            ),
            (
                "00070",
                "2026-07-08",
                CaseEvent::Closed {
                    note: String::new(),
                },
            ),
        ]);
        let before = s.clone();
        let late = CaseEvent::Accepted {
            decision_no: "2/QĐ".into(),
        };
        s.apply(AppliedEvent {
            id: [1; 32],
            author: "00070",
            at_ms: ms("2026-07-09"),
            event: &late,
        });
        let last = s.history.last().unwrap();
        assert!(last.ignored);
        assert_eq!(last.reason.as_deref(), Some("the case is closed"));
        assert_eq!(s.status, Status::Closed);
        assert_eq!(s.accepted_on, None);
        assert_eq!(without_history(&s), without_history(&before));

        // A sibling cannot act, a commune cannot escalate sideways, a petition has no decision.
        let s = case(&[
            (
                "00070",
                "2026-07-06",
                received(Kind::Petition, "2026-07-06"),
            ),
            (
                "00073",
                "2026-07-07",
                CaseEvent::Accepted {
                    decision_no: "x".into(),
                },
            ),
            (
                "00070",
                "2026-07-07",
                CaseEvent::Escalated {
                    to_site: "00073".into(),
                    reason: EscalationReason::Overdue,
                    rewrapped: None,
                },
            ),
            (
                "00070",
                "2026-07-07",
                CaseEvent::Accepted {
                    decision_no: "3/TB".into(),
                },
            ),
            (
                "00070",
                "2026-07-08",
                CaseEvent::Decided {
                    summary: "x".into(),
                },
            ),
            (
                "00070",
                "2026-07-08",
                CaseEvent::Extended {
                    days: 10,
                    reason: "x".into(),
                },
            ),
            ("00073", "2026-07-08", CaseEvent::Note { text: "x".into() }),
            (
                "01",
                "2026-07-08",
                CaseEvent::Note {
                    text: "province may note".into(),
                },
            ),
        ]);
        let ignored: Vec<bool> = s.history.iter().map(|h| h.ignored).collect();
        assert_eq!(
            ignored,
            vec![false, true, true, false, true, true, true, false],
            "{:#?}",
            s.history
        );
        assert!(s.history[1]
            .reason
            .as_ref()
            .unwrap()
            .contains("does not handle"));
        assert!(s.history[2].reason.as_ref().unwrap().contains("not above"));
        assert_eq!(s.status, Status::Accepted);
    }

    #[test]
    fn refused_and_guided_receptions() {
        let mut r = reception(Kind::Feedback);
        r.refusal = Some(RefusalReason::PetitionAlreadyAnswered);
        let s = case(&[
            ("00070", "2026-07-06", CaseEvent::Received { reception: r }),
            (
                "00070",
                "2026-07-07",
                CaseEvent::Accepted {
                    decision_no: "1".into(),
                },
            ),
            (
                "00070",
                "2026-07-07",
                CaseEvent::CitizenNotified {
                    letter_no: "01/TB-TCD".into(),
                },
            ),
            (
                "00070",
                "2026-07-08",
                CaseEvent::Closed {
                    note: String::new(),
                },
            ),
        ]);
        assert_eq!(
            s.history.iter().map(|h| h.ignored).collect::<Vec<_>>(),
            vec![false, true, false, false]
        );
        assert_eq!(s.status, Status::Closed);

        let mut r = reception(Kind::Complaint);
        r.direction = Some(Direction::Guide {
            to_body: "UBND tỉnh".into(),
            letter_no: String::new(),
        });
        let s = case(&[("00070", "2026-07-06", CaseEvent::Received { reception: r })]);
        assert_eq!(s.status, Status::Guided);
        assert_eq!(s.handled_on, Some(parse_date("2026-07-06").unwrap()));
    }

    #[test]
    fn suspension_and_extensions() {
        let s = case(&[
            (
                "00070",
                "2026-07-06",
                received(Kind::Denunciation, "2026-07-06"),
            ),
            (
                "00070",
                "2026-07-08",
                CaseEvent::Accepted {
                    decision_no: "1".into(),
                },
            ),
            (
                "00070",
                "2026-07-10",
                CaseEvent::Suspended {
                    reason: "Chờ giám định".into(),
                },
            ),
            ("00070", "2026-07-20", CaseEvent::Resumed),
            (
                "00070",
                "2026-07-21",
                CaseEvent::Extended {
                    days: 30,
                    reason: "Phức tạp".into(),
                },
            ),
            (
                "00070",
                "2026-07-22",
                CaseEvent::Extended {
                    days: 30,
                    reason: "Đặc biệt phức tạp".into(),
                },
            ),
            (
                "00070",
                "2026-07-23",
                CaseEvent::Extended {
                    days: 30,
                    reason: "Lần ba".into(),
                },
            ),
            ("00070", "2026-07-24", CaseEvent::Resumed),
        ]);
        assert_eq!(s.suspended_days, 10);
        assert_eq!(s.extensions, vec![30, 30]);
        assert_eq!(
            s.clock_restarted_on, None,
            "a denunciation's clock continues (Luật TC 2018 Art 34)"
        );
        assert!(s.history[6].ignored && s.history[7].ignored);
        assert_eq!(s.status, Status::Accepted);
    }

    #[test]
    fn plain_identity_cannot_become_a_denunciation() {
        let s = case(&[
            (
                "00070",
                "2026-07-06",
                received(Kind::Complaint, "2026-07-06"),
            ),
            (
                "00070",
                "2026-07-06",
                CaseEvent::Classified {
                    kind: Kind::Denunciation,
                    complex: false,
                    remote_area: false,
                },
            ),
        ]);
        assert!(s.history[1].ignored);
        assert_eq!(s.kind, Some(Kind::Complaint));
    }

    #[test]
    fn duplicates_and_events_before_genesis() {
        let ev = received(Kind::Complaint, "2026-07-06");
        let note = CaseEvent::Note { text: "x".into() };
        let mut s = CaseState::new("c");
        s.apply(AppliedEvent {
            id: [2; 32],
            author: "00070",
            at_ms: ms("2026-07-06"),
            event: &note,
        });
        assert!(s.history[0].ignored);
        s.apply(AppliedEvent {
            id: [1; 32],
            author: "00070",
            at_ms: ms("2026-07-06"),
            event: &ev,
        });
        s.apply(AppliedEvent {
            id: [1; 32],
            author: "00070",
            at_ms: ms("2026-07-06"),
            event: &ev,
        });
        assert_eq!(s.history.len(), 2, "a duplicate id is skipped");
        s.apply(AppliedEvent {
            id: [3; 32],
            author: "00070",
            at_ms: ms("2026-07-06"),
            event: &ev,
        });
        assert!(s.history[2].ignored, "a second genesis is ignored");
        let s2 = case(&[("99999", "2026-07-06", ev.clone())]);
        assert!(s2.history[0].ignored && s2.reception.is_none());
    }

    fn without_history(s: &CaseState) -> CaseState {
        let mut c = s.clone();
        c.history.clear();
        c.seen.clear();
        c
    }

    const SITES: [&str; 7] = ["00070", "00073", "01", "VN", "26506", "79", "99999"];

    fn arb_event() -> impl Strategy<Value = (usize, u8, usize)> {
        (0..SITES.len(), 0u8..40, 0..every_event().len() + 6)
    }

    fn pick(i: usize) -> CaseEvent {
        let mut all = every_event();
        all.push(received(Kind::Denunciation, "2026-07-06"));
        all.push(CaseEvent::Escalated {
            to_site: "VN".into(),
            reason: EscalationReason::Overdue,
            rewrapped: None,
        });
        all.push(CaseEvent::Escalated {
            to_site: "01".into(),
            reason: EscalationReason::RepeatDenunciation,
            rewrapped: None,
        });
        all.push(CaseEvent::Transferred {
            to_site: "00073".into(),
            letter_no: "7".into(),
            rewrapped: None,
        });
        all.push(CaseEvent::Classified {
            kind: Kind::Denunciation,
            complex: true,
            remote_area: true,
        });
        all.push(CaseEvent::Withdrawn {
            partial: false,
            note: String::new(),
        });
        all.swap_remove(i % all.len())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// The fold is a pure function of the sequence: folding it twice (and from re-decoded
        /// bytes) gives equal states; ignored events change nothing but the history; the
        /// audience never shrinks; the holder is always in the audience.
        #[test]
        fn fold_is_deterministic_and_ignores_illegal_events(
            script in proptest::collection::vec(arb_event(), 0..40)
        ) {
            let events: Vec<(String, u64, CaseEvent)> = script
                .iter()
                .map(|(site, day, ev)| (SITES[*site].to_owned(), ms("2026-07-06") + u64::from(*day) * 86_400_000, pick(*ev)))
                .collect();
            let run = |evs: &[(String, u64, CaseEvent)]| {
                let mut s = CaseState::new("p");
                let mut audiences = Vec::new();
                for (i, (author, at_ms, ev)) in evs.iter().enumerate() {
                    let before = s.clone();
                    let mut id = [0u8; 32];
                    id[..8].copy_from_slice(&(i as u64).to_le_bytes());
                    s.apply(AppliedEvent { id, author, at_ms: *at_ms, event: ev });
                    let last = s.history.last().unwrap();
                    if last.ignored {
                        assert_eq!(without_history(&s), without_history(&before), "ignored {} changed the state", last.event);
                        assert!(last.reason.is_some());
                    }
                    let aud = s.audience();
                    if s.reception.is_some() {
                        assert!(aud.contains(&s.current_site));
                    }
                    audiences.push(aud);
                }
                for w in audiences.windows(2) {
                    assert!(w[0].is_subset(&w[1]), "the audience never shrinks");
                }
                s
            };
            let a = run(&events);
            let b = run(&events);
            prop_assert_eq!(&a, &b);
            let redecoded: Vec<_> = events
                .iter()
                .map(|(s, t, e)| (s.clone(), *t, crate::case::decode_event(&crate::case::encode_event(e)).unwrap()))
                .collect();
            prop_assert_eq!(&a, &run(&redecoded));
            prop_assert!(a.history.len() == events.len());
        }
    }
}
