//! The head's periodic reception duty (tiếp công dân định kỳ; Luật TCD 2013 Arts 11–15, 18;
//! DOMAIN.md §2.3): how many days per week or per month, and whether a period kept it.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::case::Date;
use crate::sites::Level;

/// The unit a duty counts days in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DutyUnit {
    /// Monday to Sunday.
    Week,
    /// The report month of TT 01/2024: the 15th to the 14th of the next month, so a quarter
    /// holds exactly three.
    Month,
}

/// At least `days` days of periodic reception in every `unit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DutyRule {
    pub unit: DutyUnit,
    pub days: u32,
}

impl DutyRule {
    /// Luật TCD 2013: a commune's chair at least one day a week (Art 15(2)(d)); a province's
    /// chair (Art 12(5)) and the central office (Art 11(5)) at least one day a month. A node
    /// may be configured otherwise (the 2025 draft had two days a month for communes).
    pub fn default_for(level: Level) -> DutyRule {
        match level {
            Level::Commune => DutyRule {
                unit: DutyUnit::Week,
                days: 1,
            },
            Level::Province | Level::Central => DutyRule {
                unit: DutyUnit::Month,
                days: 1,
            },
        }
    }

    /// "1 ngày/tuần", "2 ngày/tháng".
    pub fn label_vi(&self) -> String {
        let unit = match self.unit {
            DutyUnit::Week => "tuần",
            DutyUnit::Month => "tháng",
        };
        format!("{} ngày/{unit}", self.days)
    }
}

/// One week or month of a duty and the days held in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DutySpan {
    pub from: Date,
    pub to: Date,
    pub held_days: u32,
    pub met: bool,
}

/// How a period kept a duty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DutyCheck {
    pub rule: DutyRule,
    /// Every whole unit inside the period up to its as-of day, in order.
    pub spans: Vec<DutySpan>,
    pub required: u32,
    pub met: u32,
}

impl DutyCheck {
    /// The spans that fell short.
    pub fn missed(&self) -> impl Iterator<Item = &DutySpan> {
        self.spans.iter().filter(|s| !s.met)
    }
}

/// Checks `held` (the days a periodic reception was held) against `rule` over `[from, to]`,
/// counting only units that lie wholly inside the period and have ended by `as_of` (a week not
/// over yet is not yet owed; the partial weeks at a period's edges belong to its neighbours).
pub fn check_duty(
    rule: DutyRule,
    from: Date,
    to: Date,
    as_of: Date,
    held: &BTreeSet<Date>,
) -> DutyCheck {
    let last = to.min(as_of);
    let mut spans = Vec::new();
    let mut start = first_unit_start(rule.unit, from);
    loop {
        let end = unit_end(rule.unit, start);
        if end > last {
            break;
        }
        let held_days = held.range(start..=end).count() as u32;
        spans.push(DutySpan {
            from: start,
            to: end,
            held_days,
            met: held_days >= rule.days,
        });
        start = end.add_days(1);
    }
    let met = spans.iter().filter(|s| s.met).count() as u32;
    DutyCheck {
        rule,
        required: spans.len() as u32,
        met,
        spans,
    }
}

/// The first unit that starts on or after `from`.
fn first_unit_start(unit: DutyUnit, from: Date) -> Date {
    match unit {
        DutyUnit::Week => {
            let back = i64::from(from.weekday().number_days_from_monday());
            if back == 0 {
                from
            } else {
                from.add_days(7 - back)
            }
        }
        DutyUnit::Month => {
            if from.day() <= 15 {
                day_15(from.year(), from.month())
            } else {
                next_month_15(from)
            }
        }
    }
}

fn unit_end(unit: DutyUnit, start: Date) -> Date {
    match unit {
        DutyUnit::Week => start.add_days(6),
        DutyUnit::Month => next_month_15(start).add_days(-1),
    }
}

fn day_15(year: i32, month: u8) -> Date {
    Date::from_ymd(year, month, 15).unwrap_or(Date::MAX)
}

fn next_month_15(d: Date) -> Date {
    match d.month() {
        12 => day_15(d.year() + 1, 1),
        m => day_15(d.year(), m + 1),
    }
}
