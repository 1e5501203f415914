//! Civil dates in Vietnam time (UTC+7).
//!
//! Owns the [`Date`] type every case record and deadline uses: its text form (`YYYY-MM-DD`, also
//! its serde form), the year range the software accepts, day arithmetic that saturates instead
//! of overflowing, and the conversion from a Unix timestamp to the date in Vietnam. It must not
//! read the clock: "today" is always a parameter.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Month, Weekday};

use super::CaseError;

/// Earliest year a case date may carry.
pub const MIN_YEAR: i32 = 1900;
/// Latest year a case date may carry. Day arithmetic saturates at 31 December of this year.
pub const MAX_YEAR: i32 = 2999;
/// Vietnam's offset from UTC, in seconds (UTC+7, no daylight saving time).
pub const VIETNAM_UTC_OFFSET_S: i64 = 7 * 3600;
/// Length of the text form `YYYY-MM-DD`, in bytes.
pub const DATE_TEXT_BYTES: usize = 10;

const SECONDS_PER_DAY: i64 = 86_400;
/// Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;

const fn const_date(year: i32, month: Month, day: u8) -> time::Date {
    match time::Date::from_calendar_date(year, month, day) {
        Ok(d) => d,
        // Evaluated at compile time only (the callers are consts): a bad literal fails the build.
        Err(_) => panic!("invalid date constant"),
    }
}

/// A civil date (no time of day), between 1 January [`MIN_YEAR`] and 31 December [`MAX_YEAR`].
///
/// Serialized as the string `"YYYY-MM-DD"` in every format (JSON and CBOR alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(time::Date);

impl Date {
    /// 1 January [`MIN_YEAR`].
    pub const MIN: Date = Date(const_date(MIN_YEAR, Month::January, 1));
    /// 31 December [`MAX_YEAR`].
    pub const MAX: Date = Date(const_date(MAX_YEAR, Month::December, 31));
    /// 1 January 1970, the date before any case exists; used as a placeholder.
    pub const UNIX_EPOCH: Date = Date(const_date(1970, Month::January, 1));

    /// The date `year-month-day`, if it exists and lies in the accepted range.
    pub fn from_ymd(year: i32, month: u8, day: u8) -> Result<Date, CaseError> {
        let bad = || CaseError::InvalidDate(format!("{year:04}-{month:02}-{day:02}"));
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(CaseError::DateOutOfRange(format!(
                "{year:04}-{month:02}-{day:02}"
            )));
        }
        let month = Month::try_from(month).map_err(|_| bad())?;
        time::Date::from_calendar_date(year, month, day)
            .map(Date)
            .map_err(|_| bad())
    }

    /// The same date as a `time::Date`.
    pub fn to_time(self) -> time::Date {
        self.0
    }

    pub fn year(self) -> i32 {
        self.0.year()
    }

    /// Month of the year, 1–12.
    pub fn month(self) -> u8 {
        self.0.month() as u8
    }

    /// Day of the month, 1–31.
    pub fn day(self) -> u8 {
        self.0.day()
    }

    pub fn weekday(self) -> Weekday {
        self.0.weekday()
    }

    /// Saturday or Sunday (the weekly rest days of state bodies).
    pub fn is_weekend(self) -> bool {
        matches!(self.weekday(), Weekday::Saturday | Weekday::Sunday)
    }

    fn julian(self) -> i64 {
        i64::from(self.0.to_julian_day())
    }

    fn from_julian_saturating(jd: i64) -> Date {
        let jd = jd.clamp(Date::MIN.julian(), Date::MAX.julian());
        // In range by the clamp above, and the range lies inside time's own limits.
        let jd = i32::try_from(jd).unwrap_or(i32::MAX);
        time::Date::from_julian_day(jd)
            .map(Date)
            .unwrap_or(Date::MAX)
    }

    /// `days` later (earlier if negative), saturating at [`Date::MIN`] / [`Date::MAX`].
    pub fn add_days(self, days: i64) -> Date {
        Date::from_julian_saturating(self.julian().saturating_add(days))
    }

    /// The next day, or `self` at [`Date::MAX`].
    pub fn next(self) -> Date {
        self.add_days(1)
    }

    /// The previous day, or `self` at [`Date::MIN`].
    pub fn previous(self) -> Date {
        self.add_days(-1)
    }

    /// Calendar days from `self` to `later` (negative if `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        later.julian() - self.julian()
    }
}

impl From<Date> for time::Date {
    fn from(d: Date) -> time::Date {
        d.0
    }
}

impl TryFrom<time::Date> for Date {
    type Error = CaseError;
    fn try_from(d: time::Date) -> Result<Date, CaseError> {
        if (MIN_YEAR..=MAX_YEAR).contains(&d.year()) {
            Ok(Date(d))
        } else {
            Err(CaseError::DateOutOfRange(Date(d).to_string()))
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.year(),
            self.month(),
            self.day()
        )
    }
}

/// Parses a date written `YYYY-MM-DD` (exactly: four-digit year, two-digit month and day).
pub fn parse_date(s: &str) -> Result<Date, CaseError> {
    let shown = || s.chars().take(DATE_TEXT_BYTES + 2).collect::<String>();
    let b = s.as_bytes();
    let shape_ok = b.len() == DATE_TEXT_BYTES
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return Err(CaseError::InvalidDate(shown()));
    }
    let num = |r: std::ops::Range<usize>| -> u32 {
        b[r].iter()
            .fold(0u32, |acc, c| acc * 10 + u32::from(c - b'0'))
    };
    // At most 9999, 99 and 99: the casts cannot truncate.
    let (year, month, day) = (num(0..4) as i32, num(5..7) as u8, num(8..10) as u8);
    Date::from_ymd(year, month, day)
}

impl FromStr for Date {
    type Err = CaseError;
    fn from_str(s: &str) -> Result<Date, CaseError> {
        parse_date(s)
    }
}

/// The date in Vietnam (UTC+7) at the Unix time `unix_ms` (milliseconds), saturating at
/// [`Date::MAX`] for absurdly large timestamps.
pub fn date_from_unix_ms(unix_ms: u64) -> Date {
    let secs = i64::try_from(unix_ms / 1000).unwrap_or(i64::MAX);
    let local = secs.saturating_add(VIETNAM_UTC_OFFSET_S);
    Date::from_julian_saturating(UNIX_EPOCH_JULIAN_DAY.saturating_add(local / SECONDS_PER_DAY))
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        struct DateVisitor;
        impl Visitor<'_> for DateVisitor {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date written YYYY-MM-DD")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Date, E> {
                parse_date(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(DateVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_iso_dates() {
        let d = parse_date("2026-07-01").unwrap();
        assert_eq!((d.year(), d.month(), d.day()), (2026, 7, 1));
        assert_eq!(d.to_string(), "2026-07-01");
        assert_eq!(
            "2024-02-29".parse::<Date>().unwrap().to_string(),
            "2024-02-29"
        );
        for bad in [
            "",
            "2026-7-1",
            "2026/07/01",
            "2026-02-30",
            "2026-13-01",
            "01-07-2026",
            "２０２６-07-01",
            "2026-07-01 ",
        ] {
            assert!(parse_date(bad).is_err(), "{bad:?} must be refused");
        }
        assert!(matches!(
            parse_date("1899-12-31"),
            Err(CaseError::DateOutOfRange(_))
        ));
        assert!(matches!(
            parse_date("3000-01-01"),
            Err(CaseError::DateOutOfRange(_))
        ));
    }

    #[test]
    fn unix_ms_is_read_in_vietnam_time() {
        // 2026-06-30T16:59:59.999Z is 23:59:59.999 in Hà Nội; one ms later it is 1 July there.
        assert_eq!(
            date_from_unix_ms(1_782_838_799_999).to_string(),
            "2026-06-30"
        );
        assert_eq!(
            date_from_unix_ms(1_782_838_800_000).to_string(),
            "2026-07-01"
        );
        assert_eq!(date_from_unix_ms(0).to_string(), "1970-01-01");
        assert_eq!(date_from_unix_ms(u64::MAX), Date::MAX);
    }

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(Date::MAX.next(), Date::MAX);
        assert_eq!(Date::MIN.previous(), Date::MIN);
        assert_eq!(Date::MIN.add_days(i64::MIN), Date::MIN);
        let d = parse_date("2026-02-14").unwrap();
        assert_eq!(d.add_days(30).to_string(), "2026-03-16");
        assert_eq!(d.days_until(parse_date("2026-03-16").unwrap()), 30);
    }

    #[test]
    fn serde_uses_the_text_form() {
        let d = parse_date("2025-09-02").unwrap();
        let cbor = cbor4ii::serde::to_vec(Vec::new(), &d).unwrap();
        let back: Date = cbor4ii::serde::from_slice(&cbor).unwrap();
        assert_eq!(back, d);
        let as_str: String = cbor4ii::serde::from_slice(&cbor).unwrap();
        assert_eq!(as_str, "2025-09-02");
    }
}
