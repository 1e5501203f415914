//! Report periods and their data cut-offs (TT 01/2024/TT-TTCP): quarterly, 6-month, 9-month and
//! annual, each from the 15th of a month to the 14th (Q1 15/12 of the previous year → 14/3; Q2
//! 15/3 → 14/6; Q3 15/6 → 14/9; Q4 15/9 → 14/12; 6-month 15/12 → 14/6; 9-month 15/12 → 14/9;
//! annual 15/12 → 14/12). There is no second half-year report: `H2` does not exist.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use crate::case::Date;

/// One report period as the API writes it: `2026-Q4`, `2026-H1`, `2026-9M` or `2026`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReportPeriod {
    Quarter { year: i32, q: u8 },
    FirstHalf { year: i32 },
    NineMonths { year: i32 },
    Year { year: i32 },
}

/// A period name that is none of the four shapes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown report period {0:?}: write 2026-Q1 … 2026-Q4, 2026-H1, 2026-9M or 2026")]
pub struct PeriodError(pub String);

/// Years a period may name: the federation's records start in 2025; far futures are typos.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2200;

impl ReportPeriod {
    pub fn year(self) -> i32 {
        match self {
            ReportPeriod::Quarter { year, .. }
            | ReportPeriod::FirstHalf { year }
            | ReportPeriod::NineMonths { year }
            | ReportPeriod::Year { year } => year,
        }
    }

    /// The first day of data (the 15th of the month before the period's first month).
    pub fn from(self) -> Date {
        let year = self.year();
        match self {
            ReportPeriod::Quarter { q, .. } if q > 1 => ymd(year, 3 * (q - 1), 15),
            _ => ymd(year - 1, 12, 15),
        }
    }

    /// The last day of data, included (the 14th of the period's last month).
    pub fn to(self) -> Date {
        let year = self.year();
        let month = match self {
            ReportPeriod::Quarter { q, .. } => 3 * q,
            ReportPeriod::FirstHalf { .. } => 6,
            ReportPeriod::NineMonths { .. } => 9,
            ReportPeriod::Year { .. } => 12,
        };
        ymd(year, month, 14)
    }

    /// Whether `day` falls in the period's data, both cut-off days included.
    pub fn contains(self, day: Date) -> bool {
        (self.from()..=self.to()).contains(&day)
    }

    /// The quarter whose data holds `day`: from the 15th of a quarter's last month, the next.
    pub fn quarter_of(day: Date) -> ReportPeriod {
        let (mut year, mut q) = (day.year(), day.month().div_ceil(3));
        if day.month() == 3 * q && day.day() >= 15 {
            q += 1;
            if q == 5 {
                q = 1;
                year += 1;
            }
        }
        ReportPeriod::Quarter { year, q }
    }

    /// "Quý IV/2026", "6 tháng đầu năm 2026", "9 tháng năm 2026", "Năm 2026".
    pub fn label_vi(self) -> String {
        match self {
            ReportPeriod::Quarter { year, q } => {
                let roman = ["I", "II", "III", "IV"][usize::from(q - 1)];
                format!("Quý {roman}/{year}")
            }
            ReportPeriod::FirstHalf { year } => format!("6 tháng đầu năm {year}"),
            ReportPeriod::NineMonths { year } => format!("9 tháng năm {year}"),
            ReportPeriod::Year { year } => format!("Năm {year}"),
        }
    }
}

fn ymd(year: i32, month: u8, day: u8) -> Date {
    // The months and days above are always valid, and YEARS keeps the year in Date's range.
    Date::from_ymd(year, month, day).unwrap_or(Date::UNIX_EPOCH)
}

impl FromStr for ReportPeriod {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<ReportPeriod, PeriodError> {
        let bad = || PeriodError(s.chars().take(40).collect());
        let digits = s.get(..4).filter(|y| y.bytes().all(|b| b.is_ascii_digit()));
        let year: i32 = digits.and_then(|y| y.parse().ok()).ok_or_else(bad)?;
        if !YEARS.contains(&year) {
            return Err(bad());
        }
        Ok(match s.get(4..).ok_or_else(bad)? {
            "" => ReportPeriod::Year { year },
            "-Q1" => ReportPeriod::Quarter { year, q: 1 },
            "-Q2" => ReportPeriod::Quarter { year, q: 2 },
            "-Q3" => ReportPeriod::Quarter { year, q: 3 },
            "-Q4" => ReportPeriod::Quarter { year, q: 4 },
            "-H1" => ReportPeriod::FirstHalf { year },
            "-9M" => ReportPeriod::NineMonths { year },
            _ => return Err(bad()),
        })
    }
}

impl fmt::Display for ReportPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ReportPeriod::Quarter { year, q } => write!(f, "{year}-Q{q}"),
            ReportPeriod::FirstHalf { year } => write!(f, "{year}-H1"),
            ReportPeriod::NineMonths { year } => write!(f, "{year}-9M"),
            ReportPeriod::Year { year } => write!(f, "{year}"),
        }
    }
}

impl Serialize for ReportPeriod {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::parse_date;

    fn d(s: &str) -> Date {
        parse_date(s).unwrap()
    }

    #[test]
    fn the_cut_offs_of_tt_01_2024() {
        #[rustfmt::skip]
        let rows = [
            ("2026-Q1", "2025-12-15", "2026-03-14"),
            ("2026-Q2", "2026-03-15", "2026-06-14"),
            ("2026-Q3", "2026-06-15", "2026-09-14"),
            ("2026-Q4", "2026-09-15", "2026-12-14"),
            ("2026-H1", "2025-12-15", "2026-06-14"),
            ("2026-9M", "2025-12-15", "2026-09-14"),
            ("2026", "2025-12-15", "2026-12-14"),
        ];
        for (name, from, to) in rows {
            let p: ReportPeriod = name.parse().unwrap();
            assert_eq!((p.from(), p.to()), (d(from), d(to)), "{name}");
            assert_eq!(p.to_string(), name);
            // The cut-off days themselves: the 14th is in, the 15th after it is out.
            assert!(p.contains(d(from)) && p.contains(d(to)), "{name}");
            assert!(
                !p.contains(d(from).previous()) && !p.contains(d(to).next()),
                "{name}"
            );
        }
    }

    #[test]
    fn other_names_are_refused() {
        for bad in [
            "2026-Q5",
            "2026-Q0",
            "2026-H2",
            "26-Q1",
            "2026Q1",
            "",
            "abcd",
            "1899",
            "２０２６",
        ] {
            assert!(bad.parse::<ReportPeriod>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_day_belongs_to_the_quarter_whose_cut_offs_enclose_it() {
        for (day, q) in [
            ("2026-12-14", "2026-Q4"),
            ("2026-12-15", "2027-Q1"),
            ("2026-03-14", "2026-Q1"),
            ("2026-03-15", "2026-Q2"),
            ("2026-07-01", "2026-Q3"),
            ("2026-01-01", "2026-Q1"),
        ] {
            assert_eq!(ReportPeriod::quarter_of(d(day)).to_string(), q, "{day}");
        }
        assert_eq!(
            "2026-Q4".parse::<ReportPeriod>().unwrap().label_vi(),
            "Quý IV/2026"
        );
    }
}
