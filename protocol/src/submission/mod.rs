//! Report submissions (báo cáo gửi cấp trên; TT 01/2024/TT-TTCP): a site's head submits a
//! period's report (Biểu 01/TCD, 01–04/XLD) to the level above, as a signed record that
//! replicates to the site and its ancestors like a case. A province so holds each commune's
//! submitted figures beside the ones it computes itself from the cases it holds, and sees which
//! are missing, late, or differ.
//!
//! Owns:
//! - the record id of one site's report for one form and period, `R-{site}-{period}-{form}`
//!   ([`submission_id`]): one record, so submitting again (a correction) adds an event to it and
//!   the latest one counts;
//! - [`SubmissionEvent`] and its versioned, canonical CBOR ([`encode_event`], [`decode_event`]);
//! - [`SubmissionState`], the fold of a record's events, and its audience;
//! - when a submission is due and whether it came late ([`due_date`], [`Timeliness`]).
//!
//! The figures travel as a column list and rows of numbers, not as the report's types: what a
//! site submitted stays readable whatever later builds count, and the receiver compares it
//! column by column with what it computes. Pure: no I/O, no clock.

mod event;
mod state;
#[cfg(test)]
mod tests;

pub use event::{decode_event, encode_event, SubmissionError, SubmissionEvent, SubmittedRow};
pub use state::{due_date, Submission, SubmissionState, Timeliness, REPORT_DUE_WORKING_DAYS};

/// Every submission record id starts with this (a case id starts with a site code, a session's
/// with `S-`).
pub const SUBMISSION_ID_PREFIX: &str = "R-";

/// The forms a site submits, as their ids are written (`01-tcd`, …).
pub const FORMS: [&str; 5] = ["01-tcd", "01-xld", "02-xld", "03-xld", "04-xld"];

/// Most columns of one report, and most rows (a province and its communes; the largest
/// province has under 200 communes).
pub const MAX_COLUMNS: usize = 128;
pub const MAX_ROWS: usize = 400;
/// Longest column id, in bytes (ASCII snake_case), and longest note, in characters.
pub const MAX_COLUMN_BYTES: usize = 64;
pub const MAX_NOTE_CHARS: usize = 2_000;
/// Largest encoded submission event, in bytes: 400 rows of 128 small numbers fit, and the log's
/// envelope still has room ([`crate::log::MAX_EVENT_BYTES`]).
pub const MAX_SUBMISSION_EVENT_BYTES: usize = 60 * 1024;

/// True when a log id names a report submission (its payloads are [`SubmissionEvent`]s).
pub fn is_submission_id(id: &str) -> bool {
    id.starts_with(SUBMISSION_ID_PREFIX)
}

/// The record of `site`'s report `form` for `period` (`2026-Q4`, `2026-H1`, `2026-9M`, `2026`).
pub fn submission_id(site: &str, period: &str, form: &str) -> String {
    format!("{SUBMISSION_ID_PREFIX}{site}-{period}-{form}")
}

/// The site, period and form a submission id names, when it is well formed.
pub fn parse_submission_id(id: &str) -> Option<(&str, &str, &str)> {
    let rest = id.strip_prefix(SUBMISSION_ID_PREFIX)?;
    let (site, rest) = rest.split_once('-')?;
    let form = FORMS.iter().find(|f| rest.ends_with(&format!("-{f}")))?;
    let period = &rest[..rest.len() - form.len() - 1];
    (!site.is_empty() && valid_period(period)).then_some((site, period, form))
}

/// The periods of TT 01/2024 as written in ids and the API: `YYYY-Q1`…`YYYY-Q4`, `YYYY-H1`,
/// `YYYY-9M`, `YYYY`.
pub fn valid_period(p: &str) -> bool {
    p.parse::<crate::report::ReportPeriod>()
        .is_ok_and(|period| period.to_string() == p)
}
