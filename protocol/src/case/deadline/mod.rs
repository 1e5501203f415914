//! The legal deadline engine and the Vietnamese working-day calendar.
//!
//! Owns:
//! - [`Calendar`]: working days (Monday–Friday, minus public holidays, plus official make-up
//!   Saturdays) from the embedded `data/holidays-vn.csv` (sources in `data/SOURCE.md`), and the
//!   rows of a calendar file ([`parse_rows`]) that central's published calendars also use;
//! - [`Period`]: every statutory time limit of DOMAIN.md §7 as a named constant with its
//!   citation, and how its end is counted;
//! - [`deadlines`] / [`alarms`]: the limits that apply to one case now, given its kind, status,
//!   instance, complexity and remote-area flags, extensions and suspensions.
//!
//! It must not read the clock: `today` is a parameter. Counting rules:
//! - The day of the triggering event is not counted (Bộ luật Dân sự 2015 Art 147(2)): a limit of
//!   N working days ends on the N-th working day after it.
//! - A limit in calendar days ends N days after the event; when that day is a weekend day or a
//!   holiday, it ends on the next working day (Bộ luật Dân sự 2015 Art 148(5)).
//! - A notice due "at least N days before" an event is due by the N-th working day (or the N-th
//!   calendar day, moved back to a working day) before it.
//! - Beyond the years the calendar covers (the built-in file, and the years central published:
//!   `crate::calendar`), only Saturdays and Sundays are days off, so a computed due date can
//!   only come early, never late.
//!
//! Layout: `calendar` holds the [`Calendar`], `period` the table of [`Period`]s; this module
//! applies them to one case.

mod calendar;
mod escalation;
mod period;

use serde::Serialize;

use super::state::{Disposition, Stage, StageStart};
use super::{CaseState, Date, Direction, EscalationReason, Kind, Reception, RefusalReason, Status};

pub use calendar::{
    add_calendar_days, add_working_days, date_vi, parse_rows, working_days_between, Calendar,
    CalendarRow, DayKind, RowError, RowProblem, CALENDAR_HEADER, MAX_CALENDAR_ROWS,
    MAX_DAY_NAME_BYTES, MAX_DAY_SOURCE_BYTES,
};
pub use escalation::check_overdue_escalation;
pub use period::*;

/// A deadline is "near" when it falls within this many working days of today.
pub const NEAR_WORKING_DAYS: u32 = 2;

/// Where a deadline stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineStatus {
    /// Not yet satisfied, more than [`NEAR_WORKING_DAYS`] working days away.
    Pending,
    /// Not yet satisfied, due within [`NEAR_WORKING_DAYS`] working days (or today).
    Near,
    /// Not satisfied and past its due date.
    Overdue,
    /// The event that satisfies it has been recorded.
    Met,
}

/// One time limit that applies to a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    /// Stable id, e.g. `notify_citizen`.
    pub name: &'static str,
    /// Vietnamese label for the UI.
    pub label_vi: &'static str,
    /// The last day to act.
    pub due: Date,
    /// The article that sets it.
    pub basis: &'static str,
    pub status: DeadlineStatus,
    /// The day the clock started (not counted).
    pub start: Date,
    /// The day the act that satisfies it was recorded, when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub met_on: Option<Date>,
}

impl Deadline {
    /// Met, on or before its due date.
    pub fn met_in_time(&self) -> bool {
        self.met_on.is_some_and(|on| on <= self.due)
    }
}

fn make(
    p: &Period,
    start: Date,
    due: Date,
    met_on: Option<Date>,
    cal: &Calendar,
    today: Date,
) -> Deadline {
    let status = if met_on.is_some() {
        DeadlineStatus::Met
    } else if today > due {
        DeadlineStatus::Overdue
    } else if due < cal.add_working_days(today, NEAR_WORKING_DAYS + 1) {
        // At most NEAR_WORKING_DAYS working days in (today, due], counted without a long loop.
        DeadlineStatus::Near
    } else {
        DeadlineStatus::Pending
    };
    Deadline {
        name: p.name,
        label_vi: p.label_vi,
        due,
        basis: p.basis,
        status,
        start,
        met_on,
    }
}

/// The deadlines that apply to the case on `today`, met ones included, in a stable order.
///
/// - Every reception: the result notice (Luật TCD 2013 Art 28(1)) and the 45-day threshold
///   (NĐ 154/2026 Art 41); a refused one only the Form 01/TCD notice when its reason needs it.
/// - Per holder (stage): complaint acceptance; denunciation initial processing and transfer;
///   the review of a repeat denunciation; the report request on an overdue one. A stage's
///   clock starts on the day the holder got the case.
/// - After acceptance: resolution (complaints by instance, complexity and remote area, the clock
///   restarting on resumption — NĐ 155/2026; denunciations 30 days plus extensions plus the
///   days suspended — Luật TC 2018 Arts 30, 34), and the notices that follow acceptance,
///   suspension, withdrawal, decision and conclusion.
///
/// Once the case is closed, only met deadlines and still-owed notices of refusal and
/// termination remain.
pub fn deadlines(state: &CaseState, cal: &Calendar, today: Date) -> Vec<Deadline> {
    let Some(reception) = &state.reception else {
        return Vec::new();
    };
    let mut c = Collector {
        state,
        cal,
        today,
        out: Vec::new(),
    };
    // A refused visit has no holder, no stage and no resolution: its notice is all it is owed,
    // closed or not.
    if let Some(reason) = reception.refusal {
        c.refusal_notice(reason);
        return c.out;
    }
    c.reception_limits(reception);
    // An anonymous đơn names nobody to notify, and an anonymous denunciation is not processed
    // as a denunciation (Luật TC 2018 Art 25(2)): what is owed is only to handle the đơn.
    if reception.anonymous {
        c.out.retain(|d| d.name == UNPROCESSED_45_DAYS.name);
        return c.out;
    }
    c.stage_limits();
    match state.kind {
        Some(Kind::Complaint) => c.complaint_limits(),
        Some(Kind::Denunciation) => c.denunciation_limits(),
        Some(Kind::Petition | Kind::Feedback) | None => {}
    }
    c.assignment_limits();
    let mut out = c.out;
    if state.status == Status::Closed {
        out.retain(|d| {
            d.status == DeadlineStatus::Met
                || d.name == REFUSAL_NOTICE.name
                || d.name == COMPLAINT_TERMINATION_NOTICE.name
        });
    }
    out
}

/// The deadlines of one case on one day, as [`deadlines`] collects them.
struct Collector<'a> {
    state: &'a CaseState,
    cal: &'a Calendar,
    today: Date,
    out: Vec<Deadline>,
}

impl Collector<'_> {
    fn push(&mut self, p: &Period, start: Date, due: Date, met_on: Option<Date>) {
        self.out
            .push(make(p, start, due, met_on, self.cal, self.today));
    }

    /// The tasks the sessions' Thông báo kết luận assigned, each due on its own date and met
    /// by the assigned site's report.
    fn assignment_limits(&mut self) {
        for a in &self.state.assignments {
            self.push(&ASSIGNMENT, a.given_on, a.due, a.reported_on);
        }
    }

    /// The day of the last written notice to the citizen, when one went out on `d` or later.
    /// (The fold keeps the last notice only, so a notice sent late and followed by another is
    /// dated by the later one.)
    fn noticed_since(&self, d: Date) -> Option<Date> {
        self.state.last_notice_on.filter(|n| *n >= d)
    }

    /// The Form 01/TCD notice of a refused visit, when its reason needs one.
    fn refusal_notice(&mut self, reason: RefusalReason) {
        if reason.needs_written_notice() {
            let received = self.state.received_on;
            self.push(
                &REFUSAL_NOTICE,
                received,
                REFUSAL_NOTICE.due(self.cal, received),
                self.noticed_since(received),
            );
        }
    }

    /// The limits of every reception that was not refused: the result notice and the 45-day
    /// threshold, both counted from the reception and met by the first handling of the đơn.
    fn reception_limits(&mut self, reception: &Reception) {
        let (state, cal) = (self.state, self.cal);
        let received = state.received_on;
        let settled_at_desk = matches!(
            reception.direction,
            Some(Direction::Guide { .. } | Direction::Transfer { .. })
        );
        let handled = if settled_at_desk {
            Some(received)
        } else {
            state.handled_on
        };
        // The citizen is told in writing: accepting, transferring or escalating the đơn is not
        // telling them, and leaves the notice owed until one is recorded. Guidance (at the
        // desk or by letter) is itself the answer to the citizen.
        let guided = [Some(&state.stage), state.previous_stage.as_ref()]
            .into_iter()
            .flatten()
            .find_map(|s| match s.outcome {
                Some((Disposition::Guided, on)) => Some(on),
                _ => None,
            });
        let told = [
            settled_at_desk.then_some(received),
            guided,
            self.noticed_since(received),
        ]
        .into_iter()
        .flatten()
        .min();
        self.push(
            &NOTIFY_CITIZEN,
            received,
            NOTIFY_CITIZEN.due(cal, received),
            told,
        );
        self.push(
            &UNPROCESSED_45_DAYS,
            received,
            UNPROCESSED_45_DAYS.due(cal, received),
            handled,
        );
    }

    /// The current holder's intake limits, then the met ones of the previous holder (e.g. the
    /// transfer that handed the case on) that the current stage does not repeat.
    fn stage_limits(&mut self) {
        let (state, cal) = (self.state, self.cal);
        let current = stage_deadlines(state, &state.stage, true, cal);
        let previous = state
            .previous_stage
            .as_ref()
            .map(|s| stage_deadlines(state, s, false, cal))
            .unwrap_or_default();
        for (p, start, due, met) in previous {
            if met.is_some() && !current.iter().any(|c| c.0.name == p.name) {
                self.push(p, start, due, met);
            }
        }
        for (p, start, due, met) in current {
            self.push(p, start, due, met);
        }
    }

    /// A complaint's resolution by instance, complexity and remote area, the decision's legal
    /// effect, and the notices of suspension and termination.
    fn complaint_limits(&mut self) {
        let (state, cal, today) = (self.state, self.cal, self.today);
        let open = state.status.is_open();
        if let Some(accepted) = state.accepted_on {
            let p = complaint_resolution_period(state.instance, state.complex, state.remote_area);
            let start = state.clock_restarted_on.unwrap_or(accepted);
            let due = match state.suspended_since {
                // The clock restarts on resumption (NĐ 155/2026): at the earliest, today.
                Some(since) => p.due(cal, today.max(since)),
                None => p.due(cal, start),
            };
            let met = state.decided_on;
            if met.is_some() || open {
                self.push(p, start, due, met);
            }
        }
        if let Some(decided) = state.decided_on {
            let p = complaint_decision_final(state.remote_area);
            self.push(p, decided, p.due(cal, decided), state.final_on);
        }
        if let Some(s) = state.last_suspension_on {
            self.push(
                &COMPLAINT_SUSPENSION_NOTICE,
                s,
                COMPLAINT_SUSPENSION_NOTICE.due(cal, s),
                self.noticed_since(s),
            );
        }
        if let Some(w) = state.withdrawn_on {
            self.push(
                &COMPLAINT_TERMINATION_NOTICE,
                w,
                COMPLAINT_TERMINATION_NOTICE.due(cal, w),
                self.noticed_since(w),
            );
        }
    }

    /// A denunciation's acceptance notice, its resolution (30 days plus extensions plus the
    /// days suspended, the running suspension included), and the notices of conclusion,
    /// suspension and termination.
    fn denunciation_limits(&mut self) {
        let (state, cal, today) = (self.state, self.cal, self.today);
        let open = state.status.is_open();
        let suspended_so_far = state
            .suspended_since
            .map(|s| u32::try_from(s.days_until(today).max(0)).unwrap_or(u32::MAX))
            .unwrap_or(0);
        if let Some(accepted) = state.accepted_on {
            let p = &DENUNCIATION_ACCEPTANCE_NOTICE;
            self.push(
                p,
                accepted,
                p.due(cal, accepted),
                self.noticed_since(accepted),
            );
            let extended: u32 = state.extensions.iter().sum();
            let days = 30u32
                .saturating_add(extended)
                .saturating_add(state.suspended_days)
                .saturating_add(suspended_so_far);
            let met = state.concluded_on;
            if met.is_some() || open {
                self.push(
                    &DENUNCIATION_RESOLUTION,
                    accepted,
                    cal.calendar_period_end(accepted, days),
                    met,
                );
            }
        }
        if let Some(c) = state.concluded_on {
            let p = &DENUNCIATION_CONCLUSION_NOTICE;
            self.push(p, c, p.due(cal, c), self.noticed_since(c));
        }
        if let Some(s) = state.last_suspension_on {
            let p = &DENUNCIATION_SUSPENSION_NOTICE;
            self.push(p, s, p.due(cal, s), self.noticed_since(s));
        }
        if let Some(w) = state.withdrawn_on {
            let p = &DENUNCIATION_TERMINATION_NOTICE;
            self.push(p, w, p.due(cal, w), self.noticed_since(w));
        }
    }
}

/// The intake deadlines of one holder's stage: (period, start, due, the day it was met). Unmet
/// ones whose stage ended in a way that makes them moot are left out.
fn stage_deadlines(
    state: &CaseState,
    stage: &Stage,
    current: bool,
    cal: &Calendar,
) -> Vec<(&'static Period, Date, Date, Option<Date>)> {
    let since = stage.since;
    let outcome = stage.outcome.map(|(how, _)| how);
    let outcome_on = stage.outcome.map(|(_, on)| on);
    let mut out = Vec::new();
    // Met by any handling except being escalated over the holder's head.
    let handled = match outcome {
        Some(h) if h != Disposition::Escalated => outcome_on,
        _ => None,
    };
    match (state.kind, stage.start) {
        (
            Some(Kind::Complaint),
            StageStart::Escalation(
                EscalationReason::Overdue | EscalationReason::RepeatDenunciation,
            ),
        ) => {}
        (Some(Kind::Complaint), start) => {
            let second = start == StageStart::Escalation(EscalationReason::SecondInstance)
                || (current && state.instance >= 2);
            let p = complaint_acceptance_period(since, second);
            match outcome {
                Some(Disposition::Accepted) => out.push((p, since, p.due(cal, since), outcome_on)),
                None => out.push((p, since, p.due(cal, since), None)),
                Some(_) => {}
            }
        }
        (
            Some(Kind::Denunciation),
            StageStart::Reception | StageStart::Transfer | StageStart::Order,
        ) => {
            let p = denunciation_initial_period(state.complex);
            if outcome.is_none() || handled.is_some() {
                out.push((p, since, p.due(cal, since), handled));
            }
            let t = &DENUNCIATION_TRANSFER;
            match outcome {
                Some(Disposition::Transferred | Disposition::Forwarded) => {
                    out.push((t, since, t.due(cal, since), outcome_on))
                }
                None => out.push((t, since, t.due(cal, since), None)),
                Some(_) => {}
            }
        }
        (
            Some(Kind::Denunciation),
            StageStart::Escalation(EscalationReason::RepeatDenunciation),
        ) => {
            let p = &REPEAT_DENUNCIATION_REVIEW;
            if outcome.is_none() || handled.is_some() {
                out.push((p, since, p.due(cal, since), handled));
            }
        }
        (Some(Kind::Denunciation), StageStart::Escalation(EscalationReason::Overdue)) => {
            let p = &OVERDUE_REPORT_REQUEST;
            if outcome.is_none() || handled.is_some() {
                out.push((p, since, p.due(cal, since), handled));
            }
        }
        (Some(Kind::Denunciation), StageStart::Escalation(EscalationReason::SecondInstance)) => {}
        (Some(Kind::Petition | Kind::Feedback) | None, _) => {}
    }
    out
}

/// The deadlines that need attention: near or overdue, including the 45-day threshold.
pub fn alarms(state: &CaseState, cal: &Calendar, today: Date) -> Vec<Deadline> {
    deadlines(state, cal, today)
        .into_iter()
        .filter(|d| matches!(d.status, DeadlineStatus::Near | DeadlineStatus::Overdue))
        .collect()
}
