//! Holiday calendars central publishes: one signed record per year, spread between sites like a
//! revocation, and the effective [`Calendar`] every site counts deadlines with.
//!
//! Owns the record ([`SignedCalendar`] around the canonical CBOR of a [`CalendarBody`]), its
//! checks ([`verify`]: bounded, canonical, every day within its year, no day twice, issued by
//! central and signed with central's site key), making one ([`publish`], [`publish_csv`]), the
//! set a site holds ([`PublishedCalendars`]: one per year, the newest `issued_at` wins, the
//! record bytes kept as received) and the effective calendar ([`PublishedCalendars::effective`]:
//! the built-in list with each published year replacing that year's built-in rows).
//!
//! Wire format (CBOR): `SignedCalendar { body, signature }`; `body` is the canonical CBOR of
//! [`CalendarBody`] `{ v, year, days: [{date, kind, name, source}], issuer_site, issued_at }`
//! with the days in date order, and `signature` the Ed25519 signature (strict RFC 8032) by
//! central's site key (the key of the federation root certificate) of
//! `"tiepdan calendar v1\0" || body`. The record itself must be canonical too, so one
//! calendar has one byte string.
//!
//! Pure: the caller passes `now` and central's public key; nothing here reads the clock.
//! `Display` is English, for logs; the node gives people the catalogue message of each error
//! (`language::errors`); [`CalendarError::reason`] is the stable label.

use std::collections::BTreeMap;
use std::fmt;

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::case::date::{MAX_YEAR, MIN_YEAR};
use crate::case::deadline::{parse_rows, Calendar, CalendarRow, RowProblem};
use crate::sites::CENTRAL_CODE;

/// Current body version.
pub const VERSION: u8 = 1;
/// Domain separation prefix of the signature.
pub const SIGNATURE_CONTEXT: &[u8] = b"tiepdan calendar v1\0";
/// Most days (rows) one year's calendar lists: a year has at most 366 days.
pub const MAX_DAYS: usize = 366;
/// Largest signed record, in bytes: 366 maximal rows fit.
pub const MAX_CALENDAR_BYTES: usize = 256 * 1024;
/// How far ahead of our clock `issued_at` may be, in seconds.
pub const MAX_CLOCK_SKEW_S: u64 = 300;

/// The signed statement: the days off and make-up days of one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarBody {
    pub v: u8,
    pub year: i32,
    /// Every day of `year` that is not an ordinary one, in date order.
    pub days: Vec<CalendarRow>,
    /// Who published it: central, the root of the hierarchy.
    pub issuer_site: String,
    /// When (unix seconds); of two calendars for a year the later one counts.
    pub issued_at: u64,
}

/// A verified calendar: what [`verify`] returns.
pub type PublishedCalendar = CalendarBody;

/// The record as sent between sites and stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedCalendar {
    #[serde(with = "serde_bytes")]
    pub body: Vec<u8>,
    #[serde(with = "serde_bytes")]
    pub signature: Vec<u8>,
}

/// Why a calendar could not be published or was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarError {
    /// The record is longer than [`MAX_CALENDAR_BYTES`].
    TooLarge(usize),
    /// Not the CBOR of a record, or not in canonical form.
    Garbled(String),
    UnsupportedVersion(u8),
    /// Issued by another site than central.
    NotCentral(String),
    YearOutOfRange(i32),
    /// No day listed.
    NoDays(i32),
    TooManyDays(usize),
    /// A day of another year.
    OutsideYear {
        year: i32,
        date: crate::case::Date,
    },
    /// The days are not in date order.
    NotInOrder,
    /// One day's row is wrong.
    Day {
        date: crate::case::Date,
        problem: RowProblem,
    },
    /// A line of the file an operator publishes is wrong (1 is the header).
    Line {
        line: usize,
        problem: RowProblem,
    },
    FromTheFuture {
        issued_at: u64,
        now: u64,
    },
    /// The signature is not central's.
    BadSignature,
}

impl CalendarError {
    /// A stable label for metrics, logs and API codes.
    pub fn reason(&self) -> &'static str {
        match self {
            CalendarError::TooLarge(_) => "too_large",
            CalendarError::Garbled(_) => "garbled",
            CalendarError::UnsupportedVersion(_) => "unsupported_version",
            CalendarError::NotCentral(_) => "not_central",
            CalendarError::YearOutOfRange(_) => "year_out_of_range",
            CalendarError::NoDays(_) => "no_days",
            CalendarError::TooManyDays(_) => "too_many_days",
            CalendarError::OutsideYear { .. } => "outside_year",
            CalendarError::NotInOrder => "not_in_order",
            CalendarError::Day { .. } => "bad_day",
            CalendarError::Line { .. } => "bad_line",
            CalendarError::FromTheFuture { .. } => "from_the_future",
            CalendarError::BadSignature => "bad_signature",
        }
    }
}

impl fmt::Display for CalendarError {
    /// English, for logs; people read the catalogue message (`error-calendar-…` in the node).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CalendarError::TooLarge(n) => write!(
                f,
                "the calendar record is {n} bytes, over the {MAX_CALENDAR_BYTES}-byte bound"
            ),
            CalendarError::Garbled(e) => {
                write!(f, "the calendar record is garbled or not canonical: {e}")
            }
            CalendarError::UnsupportedVersion(v) => write!(
                f,
                "calendar version {v} is not supported (this node reads version {VERSION})"
            ),
            CalendarError::NotCentral(site) => write!(
                f,
                "holiday calendars are published by central ({CENTRAL_CODE}) only; this one names issuer {site:?}"
            ),
            CalendarError::YearOutOfRange(y) => {
                write!(f, "year {y} is outside {MIN_YEAR}–{MAX_YEAR}")
            }
            CalendarError::NoDays(y) => write!(f, "the calendar of {y} lists no day"),
            CalendarError::TooManyDays(n) => {
                write!(f, "the calendar lists {n} days, a year has at most {MAX_DAYS}")
            }
            CalendarError::OutsideYear { year, date } => {
                write!(f, "{date} is not in {year}")
            }
            CalendarError::NotInOrder => f.write_str("the days are not in date order"),
            CalendarError::Day { date, problem } => write!(f, "{date}: {problem}"),
            CalendarError::Line { line, problem } => write!(f, "line {line}: {problem}"),
            CalendarError::FromTheFuture { issued_at, now } => write!(
                f,
                "issued at {issued_at} (unix seconds), after this node's clock ({now})"
            ),
            CalendarError::BadSignature => f.write_str("the signature is not central's"),
        }
    }
}

impl std::error::Error for CalendarError {}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Plain structs of strings, integers and byte strings into a Vec: only allocation can fail.
    cbor4ii::serde::to_vec(Vec::new(), value).expect("CBOR encoding into memory cannot fail")
}

/// The checks of a body, signature aside: version, issuer, year, bounded days in date order,
/// each day within the year and well-formed.
pub fn check_body(body: &CalendarBody) -> Result<(), CalendarError> {
    if body.v != VERSION {
        return Err(CalendarError::UnsupportedVersion(body.v));
    }
    if body.issuer_site != CENTRAL_CODE {
        return Err(CalendarError::NotCentral(
            body.issuer_site.chars().take(32).collect(),
        ));
    }
    if !(MIN_YEAR..=MAX_YEAR).contains(&body.year) {
        return Err(CalendarError::YearOutOfRange(body.year));
    }
    if body.days.is_empty() {
        return Err(CalendarError::NoDays(body.year));
    }
    if body.days.len() > MAX_DAYS {
        return Err(CalendarError::TooManyDays(body.days.len()));
    }
    let mut previous = None;
    for row in &body.days {
        if row.date.year() != body.year {
            return Err(CalendarError::OutsideYear {
                year: body.year,
                date: row.date,
            });
        }
        match previous {
            Some(p) if p == row.date => {
                return Err(CalendarError::Day {
                    date: row.date,
                    problem: RowProblem::Twice(row.date),
                })
            }
            Some(p) if p > row.date => return Err(CalendarError::NotInOrder),
            _ => {}
        }
        previous = Some(row.date);
        row.check().map_err(|problem| CalendarError::Day {
            date: row.date,
            problem,
        })?;
    }
    Ok(())
}

/// Makes central's signed calendar of `year` from `rows` (any order: they are put in date
/// order), issued at `issued_at`. `key` must be central's site key, or every site refuses it.
pub fn publish(
    key: &SigningKey,
    year: i32,
    mut rows: Vec<CalendarRow>,
    issued_at: u64,
) -> Result<Vec<u8>, CalendarError> {
    rows.sort_by_key(|r| r.date);
    let body = CalendarBody {
        v: VERSION,
        year,
        days: rows,
        issuer_site: CENTRAL_CODE.to_owned(),
        issued_at,
    };
    check_body(&body)?;
    let body = encode(&body);
    let signature = key.sign(&signed_message(&body)).to_bytes().to_vec();
    let record = encode(&SignedCalendar { body, signature });
    if record.len() > MAX_CALENDAR_BYTES {
        return Err(CalendarError::TooLarge(record.len()));
    }
    Ok(record)
}

/// [`publish`] from the text of a calendar file (`date,kind,name,source`, as
/// `data/holidays-vn.csv`).
pub fn publish_csv(
    key: &SigningKey,
    year: i32,
    csv: &str,
    issued_at: u64,
) -> Result<Vec<u8>, CalendarError> {
    let rows = parse_rows(csv).map_err(|e| CalendarError::Line {
        line: e.line,
        problem: e.problem,
    })?;
    publish(key, year, rows, issued_at)
}

fn signed_message(body: &[u8]) -> Vec<u8> {
    let mut m = SIGNATURE_CONTEXT.to_vec();
    m.extend_from_slice(body);
    m
}

/// Checks a record from anywhere (a peer, the store): bounded, canonical, a valid body, not
/// dated beyond `now` plus [`MAX_CLOCK_SKEW_S`], and signed by `central_key`.
pub fn verify(
    bytes: &[u8],
    central_key: &[u8; 32],
    now: u64,
) -> Result<PublishedCalendar, CalendarError> {
    if bytes.len() > MAX_CALENDAR_BYTES {
        return Err(CalendarError::TooLarge(bytes.len()));
    }
    let garbled = |e: &dyn fmt::Display| CalendarError::Garbled(e.to_string());
    let record: SignedCalendar =
        crate::cbor::decode_exact(bytes, "calendar record").map_err(|e| garbled(&e))?;
    if encode(&record) != bytes {
        return Err(garbled(&"the record is not in canonical form"));
    }
    let body: CalendarBody =
        crate::cbor::decode_exact(&record.body, "calendar body").map_err(|e| garbled(&e))?;
    if encode(&body) != record.body {
        return Err(garbled(&"the body is not in canonical form"));
    }
    check_body(&body)?;
    if body.issued_at > now.saturating_add(MAX_CLOCK_SKEW_S) {
        return Err(CalendarError::FromTheFuture {
            issued_at: body.issued_at,
            now,
        });
    }
    let key = VerifyingKey::from_bytes(central_key).map_err(|_| CalendarError::BadSignature)?;
    let signature =
        Signature::from_slice(&record.signature).map_err(|_| CalendarError::BadSignature)?;
    key.verify_strict(&signed_message(&record.body), &signature)
        .map_err(|_| CalendarError::BadSignature)?;
    Ok(body)
}

/// The calendars a site holds: one per year, the newest, with the record bytes exactly as
/// received so they spread unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishedCalendars {
    years: BTreeMap<i32, (PublishedCalendar, Vec<u8>)>,
}

impl PublishedCalendars {
    pub fn new() -> PublishedCalendars {
        PublishedCalendars::default()
    }

    /// Keeps a VERIFIED calendar (from [`verify`]) and its record bytes if it is the first for
    /// its year or newer than the one held: a later `issued_at`, or for the same `issued_at`
    /// the larger record bytes (so every site keeps the same one whatever the order of
    /// arrival). Returns whether it was kept.
    pub fn insert(&mut self, calendar: PublishedCalendar, bytes: Vec<u8>) -> bool {
        if let Some((held, held_bytes)) = self.years.get(&calendar.year) {
            if (held.issued_at, held_bytes.as_slice()) >= (calendar.issued_at, bytes.as_slice()) {
                return false;
            }
        }
        self.years.insert(calendar.year, (calendar, bytes));
        true
    }

    /// The calendar held for `year`.
    pub fn get(&self, year: i32) -> Option<&PublishedCalendar> {
        self.years.get(&year).map(|(c, _)| c)
    }

    /// The calendars held, oldest year first.
    pub fn iter(&self) -> impl Iterator<Item = &PublishedCalendar> + '_ {
        self.years.values().map(|(c, _)| c)
    }

    /// Every record as received, to pass on to peers (never re-encoded).
    pub fn records(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.years.values().map(|(_, b)| b.as_slice())
    }

    pub fn len(&self) -> usize {
        self.years.len()
    }

    pub fn is_empty(&self) -> bool {
        self.years.is_empty()
    }

    /// `builtin` with the days of every year held here replaced by that year's calendar.
    pub fn effective(&self, builtin: &Calendar) -> Calendar {
        let mut cal = builtin.clone();
        for c in self.iter() {
            cal.replace_year(c.year, &c.days);
        }
        cal
    }
}

#[cfg(test)]
mod tests;
