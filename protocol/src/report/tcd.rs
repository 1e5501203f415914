//! Biểu 01/TCD, tổng hợp kết quả tiếp công dân: the visits of a period, by channel.
//!
//! - A **visit** (lượt) is a line of the book where a citizen was received: a reception whose
//!   đơn came with the citizen ([`DonSource::InPerson`]), or an online hearing. A refused visit
//!   is not a reception (Luật TCD 2013 Art 9): it counts in `refused` only.
//! - The **channel** is the line's chế độ tiếp: regular; the head's periodic or ad-hoc session;
//!   or a person the head authorised.
//! - A **crowd** (đoàn đông người) is a line of [`CROWD_MIN_PEOPLE`] or more people (Luật TCD
//!   2013 Art 29): it counts in `crowds` and `crowd_persons`, not in `visits` and `persons`,
//!   which are the individuals' (the form's two parts).
//! - **Cases** (vụ việc) are distinct cases among the lines: a case is **repeat** (nhiều lần)
//!   when the officer marked it so at the reception, or when it was received before the
//!   period (a case heard again); otherwise first time (lần đầu).
//! - **Periodic sessions** (kỳ tiếp định kỳ) are distinct (site, day) pairs: days of receptions
//!   recorded as định kỳ, and start days of online sessions of type định kỳ chaired there.
//! - The đơn of the visits received at the site ([`DonSource::InPerson`] receptions, refused
//!   ones aside) are classified by content and by the site's handling by the period's end;
//!   `replies_received` counts reply letters the site recorded in the period for them.

use std::collections::BTreeSet;

use super::{first_handling, ReportInput, ReportPeriod, Rows};
use crate::case::reception::{DonSource, CROWD_MIN_PEOPLE};
use crate::case::{date_from_unix_ms, CaseState, Date, Kind, SessionType};
use crate::session::SessionState;

/// One line of a book that is a visit or a refused visit.
struct Line<'a> {
    site: &'a str,
    date: Date,
    session_type: SessionType,
    refused: bool,
}

fn lines(c: &CaseState) -> impl Iterator<Item = Line<'_>> {
    let reception = c
        .reception
        .as_ref()
        .filter(|r| r.source == DonSource::InPerson)
        .map(|r| Line {
            site: c.origin.as_str(),
            date: r.date,
            session_type: r.session_type,
            refused: r.refusal.is_some(),
        });
    let hearings = c.online_hearings.iter().map(|h| Line {
        site: h.site.as_str(),
        date: h.date,
        session_type: h.session_type,
        refused: false,
    });
    reception.into_iter().chain(hearings)
}

/// The three channels' column prefixes.
fn channel(t: SessionType) -> usize {
    match t {
        SessionType::Regular => 0,
        SessionType::Periodic | SessionType::AdHoc => 1,
        SessionType::Authorised => 2,
    }
}

const CHANNEL_COLUMNS: [[&str; 6]; 3] = [
    [
        "regular_visits",
        "regular_persons",
        "regular_cases_first",
        "regular_cases_repeat",
        "regular_crowds",
        "regular_crowd_persons",
    ],
    [
        "head_visits",
        "head_persons",
        "head_cases_first",
        "head_cases_repeat",
        "head_crowds",
        "head_crowd_persons",
    ],
    [
        "authorised_visits",
        "authorised_persons",
        "authorised_cases_first",
        "authorised_cases_repeat",
        "authorised_crowds",
        "authorised_crowd_persons",
    ],
];

/// The (site, day) pairs of the head's periodic reception within the period, for the sites
/// `member` admits: receptions recorded as định kỳ (refused ones aside), and online sessions of
/// type định kỳ chaired at the site that did start.
pub fn periodic_days<'a>(
    member: &dyn Fn(&str) -> bool,
    from: Date,
    to: Date,
    cases: impl IntoIterator<Item = &'a CaseState>,
    sessions: impl IntoIterator<Item = &'a SessionState>,
) -> BTreeSet<(String, Date)> {
    let within = |d: &Date| (from..=to).contains(d);
    let mut days = BTreeSet::new();
    for c in cases {
        if let Some(r) = &c.reception {
            if r.session_type == SessionType::Periodic
                && r.refusal.is_none()
                && member(&c.origin)
                && within(&r.date)
            {
                days.insert((c.origin.clone(), r.date));
            }
        }
    }
    for s in sessions {
        let Some(schedule) = &s.schedule else {
            continue;
        };
        if schedule.session_type != SessionType::Periodic || !member(&schedule.chair_site) {
            continue;
        }
        if let Some(day) = s.started_at_ms.map(date_from_unix_ms).filter(within) {
            days.insert((schedule.chair_site.clone(), day));
        }
    }
    days
}

/// Counts Biểu 01/TCD into `rows`, one pass over the records.
pub(crate) fn count(period: ReportPeriod, rows: &mut Rows, input: ReportInput<'_>) {
    let (from, to) = (period.from(), period.to());
    let totals = rows.totals();
    // The case columns this case counts in, per tally: (tally, channel or 3 for all, crowd).
    // A case is counted once in a tally however many of its lines fall there.
    let mut case_columns: Vec<(usize, usize, bool)> = Vec::new();
    for c in input.cases {
        let Some(r) = &c.reception else {
            continue;
        };
        let crowd = r.people_count >= CROWD_MIN_PEOPLE;
        let people = u64::from(r.people_count);
        let repeat = r.classification.repeat || r.date < from;
        case_columns.clear();
        for line in lines(c) {
            let Some(row) = rows.row(line.site) else {
                continue;
            };
            if !(from..=to).contains(&line.date) {
                continue;
            }
            if line.refused {
                rows.add(row, "refused", 1);
                continue;
            }
            let ch = channel(line.session_type);
            let cols = CHANNEL_COLUMNS[ch];
            if crowd {
                rows.add(row, "crowds", 1);
                rows.add(row, "crowd_persons", people);
                rows.add(row, cols[4], 1);
                rows.add(row, cols[5], people);
            } else {
                rows.add(row, "visits", 1);
                rows.add(row, "persons", people);
                rows.add(row, cols[0], 1);
                rows.add(row, cols[1], people);
            }
            for tally in [row, totals] {
                case_columns.push((tally, ch, crowd));
                case_columns.push((tally, 3, crowd));
            }
        }
        case_columns.sort_unstable();
        case_columns.dedup();
        for &(tally, ch, crowd) in &case_columns {
            let id = match (ch, crowd, repeat) {
                (3, false, false) => "cases_first",
                (3, false, true) => "cases_repeat",
                (3, true, false) => "crowd_cases_first",
                (3, true, true) => "crowd_cases_repeat",
                (ch, false, false) => CHANNEL_COLUMNS[ch][2],
                (ch, false, true) => CHANNEL_COLUMNS[ch][3],
                // The channels count a crowd's cases only in the totals.
                (_, true, _) => continue,
            };
            rows.add_once(tally, id);
        }
        if r.source != DonSource::InPerson {
            continue;
        }
        // The đơn received through reception at a covered site.
        if let Some(row) = rows.row(&c.origin) {
            if r.refusal.is_none() && (from..=to).contains(&r.date) {
                let kind = c.kind.unwrap_or(r.kind);
                let column = match kind {
                    Kind::Complaint => "don_complaint",
                    Kind::Denunciation => "don_denunciation",
                    Kind::Petition | Kind::Feedback => "don_petition",
                };
                rows.add(row, column, 1);
                if let Some(h) = first_handling(c, &c.origin, to) {
                    rows.add(row, h.column(), 1);
                }
            }
        }
        rows.add_replies(c, from, to);
    }
    let days = periodic_days(
        &|s| rows.row(s).is_some(),
        from,
        to,
        input.cases.iter().copied(),
        input.sessions.iter().copied(),
    );
    for (site, _) in &days {
        if let Some(row) = rows.row(site) {
            rows.add(row, "periodic_sessions", 1);
        }
    }
}
