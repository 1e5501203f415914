//! Supervision of the levels below (giám sát; issue 13): for each site under a province or
//! central, over one report period, how its head kept the periodic reception duty, the online
//! sessions it took part in, the citizens it received, its overdue cases and 45-day alarms, its
//! deadlines, and whether its report came in time; with a red / amber / green verdict the upper
//! level sorts by.
//!
//! Pure: the node passes the records it holds (every case and session of its descendants is in
//! their audience), the period, the day, the calendar and the rules.

pub mod duty;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use serde::Serialize;

use crate::case::deadline::{Calendar, DeadlineStatus, SCHEDULE_POSTING, UNPROCESSED_45_DAYS};
use crate::case::{date_from_unix_ms, deadlines, CaseState, Date};
use crate::session::SessionState;
use crate::submission::Timeliness;

pub use duty::{check_duty, DutyCheck, DutyRule, DutySpan, DutyUnit};

/// The days a site's head held periodic reception within `[from, to]`: the dates of in-person
/// receptions at the site recorded as định kỳ, and the start dates of online sessions of type
/// định kỳ chaired at the site that did start.
pub fn periodic_days<'a>(
    site: &str,
    from: Date,
    to: Date,
    cases: impl IntoIterator<Item = &'a CaseState>,
    sessions: impl IntoIterator<Item = &'a SessionState>,
) -> BTreeSet<Date> {
    crate::report::tcd::periodic_days(&|s| s == site, from, to, cases, sessions)
        .into_iter()
        .map(|(_, day)| day)
        .collect()
}

/// Red, amber or green.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Green,
    Amber,
    Red,
}

impl Verdict {
    pub fn label_vi(self) -> &'static str {
        match self {
            Verdict::Green => "Đạt",
            Verdict::Amber => "Cần chú ý",
            Verdict::Red => "Không đạt",
        }
    }
}

/// One site's line of the supervision table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteSupervision {
    pub site: String,
    pub duty: DutyCheck,
    /// Days of periodic reception held in the period (up to the as-of day).
    pub periodic_days: u32,
    /// Online sessions the site took part in (chair or point) that started in the period.
    pub online_sessions: u32,
    /// Of them, chaired at the site.
    pub online_chaired: u32,
    /// Sessions chaired at the site and starting in the period whose schedule was published
    /// less than 5 working days ahead (Luật TCD 2013 Art 24).
    pub schedules_late: u32,
    /// Citizens received (log-book lines of the site dated in the period).
    pub cases_received: u32,
    /// Cases the site holds now with a time limit past, on the as-of day.
    pub overdue_cases: u32,
    /// Of them, past the 45-day threshold (NĐ 154/2026 Art 41).
    pub alarms_45: u32,
    /// Time limits of the site's cases falling due in the period: met by their due date, and
    /// missed (past due and not met, or met only after the due date).
    pub deadlines_met: u32,
    pub deadlines_missed: u32,
    /// The site's own report for the period.
    pub report: Timeliness,
    pub verdict: Verdict,
    /// Why, one reason per line, in Vietnamese.
    pub reasons: Vec<String>,
}

/// What [`supervise`] reads.
pub struct SupervisionInput<'a> {
    pub from: Date,
    pub to: Date,
    /// The day the table is for (today, or the period's end if it is over).
    pub as_of: Date,
    pub cal: &'a Calendar,
    pub cases: &'a [&'a CaseState],
    pub sessions: &'a [&'a SessionState],
}

/// The supervision line of `site`, whose duty is `rule` and whose report stands at `report`.
pub fn supervise(
    site: &str,
    rule: DutyRule,
    report: Timeliness,
    input: &SupervisionInput<'_>,
) -> SiteSupervision {
    let (from, to, as_of, cal) = (input.from, input.to, input.as_of, input.cal);
    let in_period = |d: Date| (from..=to).contains(&d);
    let held = periodic_days(
        site,
        from,
        to.min(as_of),
        input.cases.iter().copied(),
        input.sessions.iter().copied(),
    );
    let duty = check_duty(rule, from, to, as_of, &held);

    let mut online_sessions = 0;
    let mut online_chaired = 0;
    let mut schedules_late = 0;
    for s in input.sessions {
        let Some(schedule) = &s.schedule else {
            continue;
        };
        let chaired = schedule.chair_site == site;
        let start = date_from_unix_ms(schedule.starts_at_ms);
        if chaired && in_period(start) && s.cancelled.is_none() {
            let posted_by = SCHEDULE_POSTING.due(cal, start);
            if date_from_unix_ms(schedule.scheduled_at_ms) > posted_by {
                schedules_late += 1;
            }
        }
        let takes_part = chaired || schedule.points.iter().any(|p| p == site);
        match s.started_at_ms.map(date_from_unix_ms) {
            Some(d) if takes_part && in_period(d) => {
                online_sessions += 1;
                online_chaired += u32::from(chaired);
            }
            _ => {}
        }
    }

    let (mut cases_received, mut overdue_cases, mut alarms_45) = (0, 0, 0);
    let (mut deadlines_met, mut deadlines_missed) = (0, 0);
    for c in input.cases {
        let received_here =
            c.origin == site && c.reception.as_ref().is_some_and(|r| in_period(r.date));
        cases_received += u32::from(received_here);
        let held_here = c.current_site == site;
        if !held_here && c.origin != site {
            continue;
        }
        let limits = deadlines(c, cal, as_of);
        if held_here {
            let overdue = limits
                .iter()
                .filter(|d| d.status == DeadlineStatus::Overdue);
            let mut any = false;
            for d in overdue {
                any = true;
                if d.name == UNPROCESSED_45_DAYS.name {
                    alarms_45 += 1;
                }
            }
            overdue_cases += u32::from(any);
        }
        // The limits that fell due in the period, judged for the site whose stage they are:
        // the current holder's, or the receiving site's while it still holds the case.
        if held_here {
            // Met in time, or missed: overdue now, or met only after its due date.
            for d in limits.iter().filter(|d| in_period(d.due) && d.due <= as_of) {
                if d.met_in_time() {
                    deadlines_met += 1;
                } else if d.status == DeadlineStatus::Overdue || d.met_on.is_some() {
                    deadlines_missed += 1;
                }
            }
        }
    }

    let mut reasons = Vec::new();
    let mut verdict = Verdict::Green;
    let mut flag = |v: Verdict, why: String| {
        verdict = verdict.max(v);
        reasons.push(why);
    };
    let missed = duty.required - duty.met;
    if missed > 0 {
        let v = if duty.met * 2 < duty.required {
            Verdict::Red
        } else {
            Verdict::Amber
        };
        flag(
            v,
            format!(
                "Tiếp định kỳ: đạt {}/{} {} (yêu cầu {})",
                duty.met,
                duty.required,
                match rule.unit {
                    DutyUnit::Week => "tuần",
                    DutyUnit::Month => "tháng",
                },
                rule.label_vi()
            ),
        );
    }
    if alarms_45 > 0 {
        flag(
            Verdict::Red,
            format!("{alarms_45} vụ việc quá ngưỡng 45 ngày chưa xử lý"),
        );
    }
    if overdue_cases > 0 {
        flag(Verdict::Amber, format!("{overdue_cases} vụ việc quá hạn"));
    }
    if schedules_late > 0 {
        flag(
            Verdict::Amber,
            format!("{schedules_late} lịch tiếp niêm yết chưa đủ 5 ngày làm việc"),
        );
    }
    match report {
        Timeliness::Missing => flag(Verdict::Red, report.label_vi()),
        Timeliness::Late { .. } => flag(Verdict::Amber, report.label_vi()),
        Timeliness::OnTime | Timeliness::NotYetDue => {}
    }
    SiteSupervision {
        site: site.to_owned(),
        periodic_days: held.len() as u32,
        duty,
        online_sessions,
        online_chaired,
        schedules_late,
        cases_received,
        overdue_cases,
        alarms_45,
        deadlines_met,
        deadlines_missed,
        report,
        verdict,
        reasons,
    }
}

/// Receptions per week (Monday to Sunday) of the sites in `sites` over `[from, to]`: each
/// week's Monday and its count, for the plot. A week cut by the period counts its days inside.
pub fn receptions_per_week(
    sites: &BTreeSet<String>,
    from: Date,
    to: Date,
    cases: &[&CaseState],
) -> Vec<(Date, u32)> {
    let monday = |d: Date| d.add_days(-i64::from(d.weekday().number_days_from_monday()));
    let mut weeks: Vec<(Date, u32)> = Vec::new();
    let mut w = monday(from);
    while w <= to {
        weeks.push((w, 0));
        w = w.add_days(7);
    }
    for c in cases {
        let Some(r) = &c.reception else { continue };
        if !sites.contains(&c.origin) || !(from..=to).contains(&r.date) {
            continue;
        }
        let i = (monday(from).days_until(monday(r.date)) / 7) as usize;
        if let Some(slot) = weeks.get_mut(i) {
            slot.1 += 1;
        }
    }
    weeks
}

/// One week of the deadlines plot: the time limits of the cases that fell due that week, as
/// they stand on the as-of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WeekDeadlines {
    pub week: Date,
    /// Met (the act that satisfies it was recorded).
    pub met: u32,
    /// Past and still not met.
    pub missed: u32,
}

/// The deadlines of the cases held by `sites` that fell due in `[from, to]` (up to `as_of`),
/// week by week. A limit met late reads as met: what the plot shows is what is still owed.
pub fn deadlines_per_week(
    sites: &BTreeSet<String>,
    from: Date,
    to: Date,
    as_of: Date,
    cal: &Calendar,
    cases: &[&CaseState],
) -> Vec<WeekDeadlines> {
    let monday = |d: Date| d.add_days(-i64::from(d.weekday().number_days_from_monday()));
    let last = to.min(as_of);
    let mut weeks = Vec::new();
    let mut w = monday(from);
    while w <= last {
        weeks.push(WeekDeadlines {
            week: w,
            met: 0,
            missed: 0,
        });
        w = w.add_days(7);
    }
    for c in cases.iter().filter(|c| sites.contains(&c.current_site)) {
        for d in deadlines(c, cal, as_of) {
            if d.due < from || d.due > last {
                continue;
            }
            let i = (monday(from).days_until(monday(d.due)) / 7) as usize;
            let Some(slot) = weeks.get_mut(i) else {
                continue;
            };
            match d.status {
                DeadlineStatus::Met => slot.met += 1,
                DeadlineStatus::Overdue => slot.missed += 1,
                DeadlineStatus::Pending | DeadlineStatus::Near => {}
            }
        }
    }
    weeks
}
