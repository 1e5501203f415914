//! The Vietnamese working-day calendar of state bodies.
//!
//! Owns [`Calendar`]: working days (Monday–Friday, minus public holidays, plus official make-up
//! Saturdays) from the embedded `data/holidays-vn.csv` (sources in `data/SOURCE.md`), how a
//! calendar file's rows are read ([`parse_rows`], [`CalendarRow`], shared with the calendars
//! central publishes, `crate::calendar`), how one year's rows replace another's
//! ([`Calendar::replace_year`]), and how working and calendar days are counted from a date. It
//! knows nothing about cases.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::case::{parse_date, CaseError, Date};

/// The embedded holiday list (see `data/SOURCE.md`).
const HOLIDAYS_CSV: &str = include_str!("../../../data/holidays-vn.csv");

/// Most rows a holiday calendar may have.
pub const MAX_CALENDAR_ROWS: usize = 10_000;
/// Longest name of a day off or make-up day, in bytes.
pub const MAX_DAY_NAME_BYTES: usize = 200;
/// Longest source (the legal basis) of a row, in bytes.
pub const MAX_DAY_SOURCE_BYTES: usize = 400;
/// The header line of a calendar file.
pub const CALENDAR_HEADER: &str = "date,kind,name,source";

/// What a row says about its day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DayKind {
    /// A weekday off: a public holiday, a compensatory or a swapped day (`off` in the file).
    Off,
    /// A Saturday or Sunday worked to make up a swapped day, làm bù (`work` in the file).
    Work,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Off => "off",
            DayKind::Work => "work",
        }
    }
}

/// One row of a calendar file: `date,kind,name,source`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarRow {
    pub date: Date,
    pub kind: DayKind,
    /// What the day is, e.g. "Quốc khánh".
    pub name: String,
    /// The legal basis (may contain commas).
    pub source: String,
}

impl CalendarRow {
    /// Whether the row alone is well-formed: a name without commas or control characters and
    /// a source, both within their bounds; `off` on a weekday, `work` on a weekend day.
    pub fn check(&self) -> Result<(), RowProblem> {
        let (name, source) = (self.name.trim(), self.source.trim());
        if name.is_empty() || source.is_empty() || name != self.name || source != self.source {
            return Err(RowProblem::NameAndSource);
        }
        if self.name.len() > MAX_DAY_NAME_BYTES {
            return Err(RowProblem::TooLong {
                field: "name",
                max: MAX_DAY_NAME_BYTES,
            });
        }
        if self.source.len() > MAX_DAY_SOURCE_BYTES {
            return Err(RowProblem::TooLong {
                field: "source",
                max: MAX_DAY_SOURCE_BYTES,
            });
        }
        if self.name.contains(',')
            || self
                .name
                .chars()
                .chain(self.source.chars())
                .any(char::is_control)
        {
            return Err(RowProblem::Characters);
        }
        match (self.kind, self.date.is_weekend()) {
            (DayKind::Off, true) => Err(RowProblem::AlreadyWeekend(self.date)),
            (DayKind::Work, false) => Err(RowProblem::AlreadyWorking(self.date)),
            _ => Ok(()),
        }
    }

    /// The row as a line of a calendar file.
    pub fn to_csv_line(&self) -> String {
        format!(
            "{},{},{},{}",
            self.date,
            self.kind.as_str(),
            self.name,
            self.source
        )
    }
}

/// What is wrong with one row of a calendar file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowProblem {
    /// The first line is not [`CALENDAR_HEADER`].
    Header,
    /// More rows than the bound.
    TooMany(usize),
    /// Not four columns.
    Columns,
    /// The date column does not parse.
    Date { text: String, error: CaseError },
    /// A blank name or source, or one with spaces around it.
    NameAndSource,
    /// A name or source beyond its bound.
    TooLong { field: &'static str, max: usize },
    /// A comma in the name, or a control character.
    Characters,
    /// The same date twice.
    Twice(Date),
    /// `off` on a Saturday or Sunday.
    AlreadyWeekend(Date),
    /// `work` on a weekday.
    AlreadyWorking(Date),
    /// A kind other than `off` or `work`.
    Kind(String),
}

/// A date as a Vietnamese reader writes it: 02/09/2028.
pub fn date_vi(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year())
}

impl RowProblem {
    /// The problem in Vietnamese, for the operator who typed the file.
    pub fn label_vi(&self) -> String {
        match self {
            RowProblem::Header => format!("dòng tiêu đề phải là {CALENDAR_HEADER}"),
            RowProblem::TooMany(max) => format!("quá {max} dòng"),
            RowProblem::Columns => format!("cần đủ 4 cột: {CALENDAR_HEADER}"),
            RowProblem::Date { text, .. } => format!(
                "ngày «{text}» không hợp lệ: viết theo dạng YYYY-MM-DD, ví dụ 2028-09-01"
            ),
            RowProblem::NameAndSource => {
                "cần có tên ngày và căn cứ pháp lý, không để khoảng trắng ở đầu hoặc cuối".into()
            }
            RowProblem::TooLong { field, max } => match *field {
                "name" => format!("tên ngày dài quá {max} byte"),
                _ => format!("căn cứ pháp lý dài quá {max} byte"),
            },
            RowProblem::Characters => {
                "tên ngày không được chứa dấu phẩy, và không dòng nào được chứa ký tự điều khiển"
                    .into()
            }
            RowProblem::Twice(d) => format!("ngày {} có hai dòng", date_vi(*d)),
            RowProblem::AlreadyWeekend(d) => format!(
                "ngày {} là thứ Bảy hoặc Chủ nhật, vốn đã là ngày nghỉ (off chỉ dùng cho ngày thường)",
                date_vi(*d)
            ),
            RowProblem::AlreadyWorking(d) => format!(
                "ngày {} là ngày thường, vốn đã là ngày làm việc (work chỉ dùng cho ngày làm bù thứ Bảy, Chủ nhật)",
                date_vi(*d)
            ),
            RowProblem::Kind(k) => {
                format!("loại ngày «{k}» phải là off (nghỉ) hoặc work (làm bù)")
            }
        }
    }
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowProblem::Header => write!(f, "the header must be {CALENDAR_HEADER}"),
            RowProblem::TooMany(max) => write!(f, "more than {max} rows"),
            RowProblem::Columns => write!(f, "expected 4 columns: {CALENDAR_HEADER}"),
            RowProblem::Date { error, .. } => write!(f, "{error}"),
            RowProblem::NameAndSource => f.write_str("name and source are required"),
            RowProblem::TooLong { field, max } => {
                write!(f, "the {field} is longer than {max} bytes")
            }
            RowProblem::Characters => {
                f.write_str("the name has a comma, or the row a control character")
            }
            RowProblem::Twice(d) => write!(f, "{d} is listed twice"),
            RowProblem::AlreadyWeekend(d) => write!(f, "{d} is already a weekend day"),
            RowProblem::AlreadyWorking(d) => write!(f, "{d} is already a working day"),
            RowProblem::Kind(k) => write!(f, "kind {k:?} must be off or work"),
        }
    }
}

/// A calendar file's problem and the line it is on (1 is the header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: usize,
    pub problem: RowProblem,
}

impl From<RowError> for CaseError {
    fn from(e: RowError) -> CaseError {
        CaseError::CalendarLine {
            line: e.line,
            problem: Box::new(e.problem),
        }
    }
}

/// Reads a calendar file with header `date,kind,name,source`: `kind` is `off` for a weekday off
/// or `work` for a weekend day worked; the source (last column) may contain commas; blank
/// lines are skipped. Each row passes [`CalendarRow::check`] and no date is listed twice. The
/// rows come back in the file's order.
pub fn parse_rows(csv: &str) -> Result<Vec<CalendarRow>, RowError> {
    let err = |line: usize, problem: RowProblem| RowError { line, problem };
    let mut lines = csv.lines().enumerate();
    match lines.next() {
        Some((_, header)) if header.trim() == CALENDAR_HEADER => {}
        _ => return Err(err(1, RowProblem::Header)),
    }
    let mut rows = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, line) in lines {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        if rows.len() == MAX_CALENDAR_ROWS {
            return Err(err(line_no, RowProblem::TooMany(MAX_CALENDAR_ROWS)));
        }
        let cols: Vec<&str> = line.splitn(4, ',').collect();
        let [date, kind, name, source] = cols[..] else {
            return Err(err(line_no, RowProblem::Columns));
        };
        let date = parse_date(date).map_err(|error| {
            err(
                line_no,
                RowProblem::Date {
                    text: date.chars().take(32).collect(),
                    error,
                },
            )
        })?;
        let kind = match kind {
            "off" => DayKind::Off,
            "work" => DayKind::Work,
            other => {
                return Err(err(
                    line_no,
                    RowProblem::Kind(other.chars().take(32).collect()),
                ))
            }
        };
        let row = CalendarRow {
            date,
            kind,
            name: name.trim().to_owned(),
            source: source.trim().to_owned(),
        };
        if name.trim().is_empty() || source.trim().is_empty() {
            return Err(err(line_no, RowProblem::NameAndSource));
        }
        if !seen.insert(date) {
            return Err(err(line_no, RowProblem::Twice(date)));
        }
        row.check().map_err(|p| err(line_no, p))?;
        rows.push(row);
    }
    Ok(rows)
}

/// Working days of state bodies in Vietnam.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// Weekdays off (holidays, compensatory and swapped days), with their names.
    off: BTreeMap<Date, String>,
    /// Saturdays or Sundays worked to make up a swapped day (làm bù).
    make_up: BTreeSet<Date>,
    /// The years the list has the holidays of.
    years: BTreeSet<i32>,
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
            years: BTreeSet::new(),
        }
    }

    /// Parses a calendar file (see [`parse_rows`]).
    pub fn parse(csv: &str) -> Result<Calendar, CaseError> {
        let mut cal = Calendar::weekends_only();
        for row in parse_rows(csv)? {
            cal.add(&row);
        }
        Ok(cal)
    }

    /// Adds one checked row (a later row of the same date replaces an earlier one).
    fn add(&mut self, row: &CalendarRow) {
        self.off.remove(&row.date);
        self.make_up.remove(&row.date);
        match row.kind {
            DayKind::Off => {
                self.off.insert(row.date, row.name.clone());
            }
            DayKind::Work => {
                self.make_up.insert(row.date);
            }
        }
        self.years.insert(row.date.year());
    }

    /// Replaces every day of `year` with `rows` (checked rows of that year; rows of other years
    /// are ignored): the year is covered from then on, even with no rows.
    pub fn replace_year(&mut self, year: i32, rows: &[CalendarRow]) {
        self.off.retain(|d, _| d.year() != year);
        self.make_up.retain(|d| d.year() != year);
        for row in rows.iter().filter(|r| r.date.year() == year) {
            self.add(row);
        }
        self.years.insert(year);
    }

    /// True when the list has the holidays of `year`.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// The years the list has the holidays of, oldest first.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    /// How many weekdays of `year` are off.
    pub fn days_off_in(&self, year: i32) -> usize {
        self.off.keys().filter(|d| d.year() == year).count()
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
