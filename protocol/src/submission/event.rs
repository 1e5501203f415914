//! The one event of a submission record, and its wire form: version 1, canonical CBOR.

use serde::{Deserialize, Serialize};

use super::{
    valid_period, FORMS, MAX_COLUMNS, MAX_COLUMN_BYTES, MAX_NOTE_CHARS, MAX_ROWS,
    MAX_SUBMISSION_EVENT_BYTES,
};

/// The wire version this build writes and reads.
pub const SUBMISSION_EVENT_VERSION: u8 = 1;

/// What a site's head does with a period's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionEvent {
    /// The report is submitted (nộp báo cáo), or submitted again to correct it.
    Submitted {
        /// `01-tcd`, `01-xld`, … ([`super::FORMS`]); equal to the record id's.
        form: String,
        /// `2026-Q4`, `2026-H1`, `2026-9M`, `2026`; equal to the record id's.
        period: String,
        /// The site alone, or the site with everything below it.
        descendants: bool,
        /// The report's column ids (`visits`, `persons`, …), in order.
        columns: Vec<String>,
        /// The totals, one per column.
        totals: Vec<u64>,
        /// One row per site the report covers, each with one value per column.
        rows: Vec<SubmittedRow>,
        /// The head's explanation (giải trình), when there is one.
        note: String,
    },
}

/// One site's line of a submitted report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmittedRow {
    pub site: String,
    pub values: Vec<u64>,
}

/// What is wrong with a submission event's bytes or shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmissionError {
    #[error("the submission is too large: {found} bytes, at most {max}")]
    TooLarge { found: usize, max: usize },
    #[error("this submission cannot be read: {0}")]
    Malformed(String),
    #[error("this submission is not in its one canonical encoding")]
    NonCanonical,
    #[error("submission version {0} is not supported (this build reads version {SUBMISSION_EVENT_VERSION}): update this node")]
    UnsupportedVersion(u8),
    #[error("unknown report form {0:?}")]
    UnknownForm(String),
    #[error("unknown report period {0:?}")]
    UnknownPeriod(String),
    #[error("a report has 1 to {MAX_COLUMNS} columns, each a distinct snake_case id")]
    BadColumns,
    #[error("a report has at most {MAX_ROWS} rows")]
    TooManyRows,
    #[error("{what} has {found} values for {columns} columns")]
    Width {
        what: String,
        found: usize,
        columns: usize,
    },
    #[error("{0:?} is not a site code")]
    BadSite(String),
    #[error("the note is longer than {MAX_NOTE_CHARS} characters or has control characters")]
    BadNote,
}

impl SubmissionEvent {
    /// Every rule of the event's shape.
    pub fn validate(&self) -> Result<(), SubmissionError> {
        let SubmissionEvent::Submitted {
            form,
            period,
            columns,
            totals,
            rows,
            note,
            ..
        } = self;
        if !FORMS.contains(&form.as_str()) {
            return Err(SubmissionError::UnknownForm(clip(form)));
        }
        if !valid_period(period) {
            return Err(SubmissionError::UnknownPeriod(clip(period)));
        }
        let column_ok = |c: &String| {
            !c.is_empty()
                && c.len() <= MAX_COLUMN_BYTES
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        let distinct = columns
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len()
            == columns.len();
        if columns.is_empty() || columns.len() > MAX_COLUMNS || !distinct {
            return Err(SubmissionError::BadColumns);
        }
        if !columns.iter().all(column_ok) {
            return Err(SubmissionError::BadColumns);
        }
        let width = |what: &str, n: usize| {
            (n != columns.len()).then(|| SubmissionError::Width {
                what: what.to_owned(),
                found: n,
                columns: columns.len(),
            })
        };
        if let Some(e) = width("the totals", totals.len()) {
            return Err(e);
        }
        if rows.len() > MAX_ROWS {
            return Err(SubmissionError::TooManyRows);
        }
        for r in rows {
            let code_ok = !r.site.is_empty()
                && r.site.len() <= 8
                && r.site
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
            if !code_ok {
                return Err(SubmissionError::BadSite(clip(&r.site)));
            }
            if let Some(e) = width(&format!("the row of {}", r.site), r.values.len()) {
                return Err(e);
            }
        }
        let note_ok = note.chars().count() <= MAX_NOTE_CHARS
            && note.chars().all(|c| c == '\n' || !c.is_control());
        if !note_ok {
            return Err(SubmissionError::BadNote);
        }
        Ok(())
    }
}

fn clip(s: &str) -> String {
    s.chars().take(32).collect()
}

#[derive(Serialize, Deserialize)]
struct Payload<E> {
    v: u8,
    event: E,
}

#[derive(Deserialize)]
struct VersionProbe {
    v: u8,
}

/// Encodes an event as a log event's payload, after [`SubmissionEvent::validate`] and with its
/// size checked: an event every site would refuse is refused before it is signed.
pub fn encode_event(event: &SubmissionEvent) -> Result<Vec<u8>, SubmissionError> {
    event.validate()?;
    let payload = Payload {
        v: SUBMISSION_EVENT_VERSION,
        event,
    };
    let bytes = cbor4ii::serde::to_vec(Vec::new(), &payload)
        // A Vec writer fails only on allocation; the derived impls return no custom error.
        .expect("CBOR encoding of a SubmissionEvent into a Vec cannot fail");
    if bytes.len() > MAX_SUBMISSION_EVENT_BYTES {
        return Err(SubmissionError::TooLarge {
            found: bytes.len(),
            max: MAX_SUBMISSION_EVENT_BYTES,
        });
    }
    Ok(bytes)
}

/// Decodes a payload: one CBOR item, version [`SUBMISSION_EVENT_VERSION`], canonical, valid.
pub fn decode_event(bytes: &[u8]) -> Result<SubmissionEvent, SubmissionError> {
    if bytes.len() > MAX_SUBMISSION_EVENT_BYTES {
        return Err(SubmissionError::TooLarge {
            found: bytes.len(),
            max: MAX_SUBMISSION_EVENT_BYTES,
        });
    }
    let malformed = |e: crate::cbor::ExactError| SubmissionError::Malformed(e.to_string());
    let probe: VersionProbe = crate::cbor::decode_exact(bytes, "submission").map_err(malformed)?;
    if probe.v != SUBMISSION_EVENT_VERSION {
        return Err(SubmissionError::UnsupportedVersion(probe.v));
    }
    let payload: Payload<SubmissionEvent> =
        crate::cbor::decode_exact(bytes, "submission").map_err(malformed)?;
    // Two encodings of one event would be two events with two ids: refuse all but ours.
    if encode_event(&payload.event)? != bytes {
        return Err(SubmissionError::NonCanonical);
    }
    Ok(payload.event)
}
