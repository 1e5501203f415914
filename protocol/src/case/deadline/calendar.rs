//! The Vietnamese working-day calendar of state bodies.
//!
//! Owns [`Calendar`]: working days (Monday–Friday, minus public holidays, plus official make-up
//! Saturdays) from the embedded `data/holidays-vn.csv` (sources in `data/SOURCE.md`), and how
//! working and calendar days are counted from a date. It knows nothing about cases.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use crate::case::{parse_date, CaseError, Date};

/// The embedded holiday list (see `data/SOURCE.md`).
const HOLIDAYS_CSV: &str = include_str!("../../../data/holidays-vn.csv");

/// Most rows a holiday calendar may have.
pub const MAX_CALENDAR_ROWS: usize = 10_000;

/// Working days of state bodies in Vietnam.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// Weekdays off (holidays, compensatory and swapped days), with their names.
    off: BTreeMap<Date, String>,
    /// Saturdays or Sundays worked to make up a swapped day (làm bù).
    make_up: BTreeSet<Date>,
    /// First and last year the list covers.
    years: Option<(i32, i32)>,
}

impl Calendar {
    /// The Vietnamese calendar for 2025–2027, compiled in. Parsed once.
    pub fn vietnam() -> &'static Calendar {
        static CALENDAR: OnceLock<Calendar> = OnceLock::new();
        CALENDAR.get_or_init(|| {
            // The embedded file is part of the build and is parsed by a test: a failure here is
            // a packaging bug.
            Calendar::parse(HOLIDAYS_CSV).expect("embedded holidays-vn.csv is valid")
        })
    }

    /// A calendar without holidays: Monday to Friday are working days.
    pub fn weekends_only() -> Calendar {
        Calendar {
            off: BTreeMap::new(),
            make_up: BTreeSet::new(),
            years: None,
        }
    }

    /// Parses a calendar with header `date,kind,name,source`: `kind` is `off` for a weekday off
    /// or `work` for a weekend day worked; the source (last column) may contain commas.
    pub fn parse(csv: &str) -> Result<Calendar, CaseError> {
        let mut cal = Calendar::weekends_only();
        let err = |line: usize, message: String| CaseError::CalendarLine { line, message };
        let mut lines = csv.lines().enumerate();
        match lines.next() {
            Some((_, header)) if header.trim() == "date,kind,name,source" => {}
            _ => return Err(err(1, "the header must be date,kind,name,source".into())),
        }
        let mut rows = 0usize;
        for (i, line) in lines {
            let line_no = i + 1;
            if line.trim().is_empty() {
                continue;
            }
            rows += 1;
            if rows > MAX_CALENDAR_ROWS {
                return Err(err(line_no, format!("more than {MAX_CALENDAR_ROWS} rows")));
            }
            let cols: Vec<&str> = line.splitn(4, ',').collect();
            let [date, kind, name, source] = cols[..] else {
                return Err(err(
                    line_no,
                    "expected 4 columns: date,kind,name,source".into(),
                ));
            };
            let date = parse_date(date).map_err(|e| err(line_no, e.to_string()))?;
            if name.trim().is_empty() || source.trim().is_empty() {
                return Err(err(line_no, "name and source are required".into()));
            }
            if cal.off.contains_key(&date) || cal.make_up.contains(&date) {
                return Err(err(line_no, format!("{date} is listed twice")));
            }
            match kind {
                "off" if !date.is_weekend() => {
                    cal.off.insert(date, name.to_owned());
                }
                "work" if date.is_weekend() => {
                    cal.make_up.insert(date);
                }
                "off" => return Err(err(line_no, format!("{date} is already a weekend day"))),
                "work" => return Err(err(line_no, format!("{date} is already a working day"))),
                other => return Err(err(line_no, format!("kind {other:?} must be off or work"))),
            }
            let y = date.year();
            cal.years = Some(cal.years.map_or((y, y), |(a, b)| (a.min(y), b.max(y))));
        }
        Ok(cal)
    }

    /// True when the list has the holidays of `year`.
    pub fn covers(&self, year: i32) -> bool {
        self.years.is_some_and(|(a, b)| (a..=b).contains(&year))
    }

    /// The name of the holiday or swapped day off on `date`, if any.
    pub fn holiday(&self, date: Date) -> Option<&str> {
        self.off.get(&date).map(String::as_str)
    }

    /// Monday to Friday, not a day off; or a make-up Saturday/Sunday.
    pub fn is_working_day(&self, date: Date) -> bool {
        if date.is_weekend() {
            self.make_up.contains(&date)
        } else {
            !self.off.contains_key(&date)
        }
    }

    /// `date` itself if it is a working day, else the next working day.
    pub fn next_working_day(&self, date: Date) -> Date {
        let mut d = date;
        while !self.is_working_day(d) && d < Date::MAX {
            d = d.next();
        }
        d
    }

    /// `date` itself if it is a working day, else the previous working day.
    pub fn previous_working_day(&self, date: Date) -> Date {
        let mut d = date;
        while !self.is_working_day(d) && d > Date::MIN {
            d = d.previous();
        }
        d
    }

    /// The `n`-th working day after `start` (the day of `start` is not counted). `n = 0` gives
    /// `start`. Saturates at [`Date::MAX`].
    pub fn add_working_days(&self, start: Date, n: u32) -> Date {
        let mut d = start;
        let mut left = n;
        while left > 0 && d < Date::MAX {
            d = d.next();
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// The `n`-th working day before `end` (the day of `end` is not counted): the latest day to
    /// give a notice due "at least `n` working days before" `end`. Saturates at [`Date::MIN`].
    pub fn sub_working_days(&self, end: Date, n: u32) -> Date {
        let mut d = end;
        let mut left = n;
        while left > 0 && d > Date::MIN {
            d = d.previous();
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// `n` calendar days after `start`, holidays or not.
    pub fn add_calendar_days(&self, start: Date, n: u32) -> Date {
        start.add_days(i64::from(n))
    }

    /// The end of a limit of `n` calendar days from `start`: `n` days later, moved to the next
    /// working day if that is a day off (Bộ luật Dân sự 2015 Art 148(5)).
    pub fn calendar_period_end(&self, start: Date, n: u32) -> Date {
        self.next_working_day(self.add_calendar_days(start, n))
    }

    /// Working days `d` with `from < d <= to`; 0 when `to <= from`.
    pub fn working_days_between(&self, from: Date, to: Date) -> u32 {
        let mut count = 0u32;
        let mut d = from;
        while d < to {
            d = d.next();
            if self.is_working_day(d) {
                count += 1;
            }
        }
        count
    }
}

/// [`Calendar::add_working_days`] on the official Vietnamese calendar.
pub fn add_working_days(start: Date, n: u32) -> Date {
    Calendar::vietnam().add_working_days(start, n)
}

/// [`Calendar::add_calendar_days`]: `n` days after `start`, holidays or not.
pub fn add_calendar_days(start: Date, n: u32) -> Date {
    Calendar::vietnam().add_calendar_days(start, n)
}

/// [`Calendar::working_days_between`] on the official Vietnamese calendar.
pub fn working_days_between(from: Date, to: Date) -> u32 {
    Calendar::vietnam().working_days_between(from, to)
}
