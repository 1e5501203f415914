//! The fold of a submission record, its audience, and whether it came in time.

use std::collections::BTreeSet;

use crate::case::deadline::Calendar;
use crate::case::{date_from_unix_ms, Date};
use crate::log::{Actor, CaseLog, EventId};
use crate::sites::Registry;

use super::{decode_event, parse_submission_id, SubmissionEvent, SubmittedRow};

/// How many working days after a period's cut-off (the 14th) a site's report is due, unless the
/// node is configured otherwise. TT 01/2024 leaves the date to each level's own rules; five
/// working days gives a commune's head the week after the cut-off.
pub const REPORT_DUE_WORKING_DAYS: u32 = 5;

/// One submission, as signed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Submission {
    #[serde(serialize_with = "hex_id")]
    pub event_id: EventId,
    pub at_ms: u64,
    /// The head who submitted it.
    pub by: Option<Actor>,
    pub descendants: bool,
    pub columns: Vec<String>,
    pub totals: Vec<u64>,
    pub rows: Vec<SubmittedRow>,
    pub note: String,
}

fn hex_id<S: serde::Serializer>(id: &EventId, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&id.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

impl Submission {
    /// The total of `column`, when the report has that column.
    pub fn total(&self, column: &str) -> Option<u64> {
        let i = self.columns.iter().position(|c| c == column)?;
        self.totals.get(i).copied()
    }
}

/// A submission record folded: whose report it is, and each time it was submitted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SubmissionState {
    pub id: String,
    pub site: String,
    pub period: String,
    pub form: String,
    /// In the log's order; the last one counts (a correction replaces the figures).
    pub submissions: Vec<Submission>,
    /// Events left out: not decodable, not by the record's own site, or for another form or
    /// period than the id names.
    pub refused: usize,
}

impl SubmissionState {
    /// Folds the log of record `log.case_id()`.
    pub fn fold_log(log: &CaseLog) -> SubmissionState {
        let id = log.case_id().to_owned();
        let (site, period, form) = parse_submission_id(&id)
            .map(|(s, p, f)| (s.to_owned(), p.to_owned(), f.to_owned()))
            .unwrap_or_default();
        let mut state = SubmissionState {
            id,
            site,
            period,
            form,
            submissions: Vec::new(),
            refused: 0,
        };
        for ev in log.ordered() {
            let Ok(SubmissionEvent::Submitted {
                form,
                period,
                descendants,
                columns,
                totals,
                rows,
                note,
            }) = decode_event(&ev.body.payload)
            else {
                state.refused += 1;
                continue;
            };
            // Only the site itself submits its report, and only the one its id names.
            if ev.body.author != state.site || form != state.form || period != state.period {
                state.refused += 1;
                continue;
            }
            state.submissions.push(Submission {
                event_id: ev.id,
                at_ms: ev.body.at_ms,
                by: ev.body.by.clone(),
                descendants,
                columns,
                totals,
                rows,
                note,
            });
        }
        state
    }

    /// The submission that counts: the latest.
    pub fn latest(&self) -> Option<&Submission> {
        self.submissions.last()
    }

    /// The day (Vietnam time) it was first submitted: what timeliness is judged by, so a
    /// correction after the due date does not make an on-time report late.
    pub fn first_submitted_on(&self) -> Option<Date> {
        self.submissions
            .iter()
            .map(|s| s.at_ms)
            .min()
            .map(date_from_unix_ms)
    }

    /// The site and every level above it: the report goes up, never sideways or down.
    pub fn audience(&self) -> BTreeSet<String> {
        audience_of_site(&self.site)
    }
}

/// `site` and its ancestors (empty for a code the registry does not know).
pub fn audience_of_site(site: &str) -> BTreeSet<String> {
    let registry = Registry::official();
    if registry.get(site).is_err() {
        return BTreeSet::new();
    }
    let mut out: BTreeSet<String> = registry
        .ancestors(site)
        .into_iter()
        .map(str::to_owned)
        .collect();
    out.insert(site.to_owned());
    out
}

/// The last day to submit the report of a period that ends (its cut-off) on `period_end`.
pub fn due_date(period_end: Date, cal: &Calendar, working_days: u32) -> Date {
    cal.add_working_days(period_end, working_days)
}

/// Where a site's report for a period stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Timeliness {
    /// Submitted by its due date.
    OnTime,
    /// Submitted, `days` calendar days after its due date.
    Late { days: u32 },
    /// Not submitted, and the due date has passed.
    Missing,
    /// Not submitted yet, and not due yet.
    NotYetDue,
}

impl Timeliness {
    pub fn of(first_submitted: Option<Date>, due: Date, today: Date) -> Timeliness {
        match first_submitted {
            Some(on) if on <= due => Timeliness::OnTime,
            Some(on) => Timeliness::Late {
                days: u32::try_from(due.days_until(on)).unwrap_or(u32::MAX),
            },
            None if today > due => Timeliness::Missing,
            None => Timeliness::NotYetDue,
        }
    }

    /// The Vietnamese word the supervision page shows.
    pub fn label_vi(self) -> String {
        match self {
            Timeliness::OnTime => "Đã nộp đúng hạn".to_owned(),
            Timeliness::Late { days } => format!("Nộp muộn {days} ngày"),
            Timeliness::Missing => "Chưa nộp, đã quá hạn".to_owned(),
            Timeliness::NotYetDue => "Chưa nộp, chưa đến hạn".to_owned(),
        }
    }
}
