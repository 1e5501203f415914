//! A report period as the API and the CLI write it (`2026-Q4`, `2026-H1`, `2026-9M`, `2026`),
//! with its first and last day under the TT 01/2024 cut-offs (the 15th of the month before to
//! the 14th).

use tiepdan_protocol::case::Date;

use crate::language::Message;
use crate::records::OpError;

/// A period and its bounds, both days included.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Period {
    pub name: String,
    pub from: Date,
    pub to: Date,
}

impl Period {
    /// Parses a period name; a wrong one gets the message `error-report-period`.
    pub fn parse(name: &str) -> Result<Period, OpError> {
        bounds(name)
            .map(|(from, to)| Period {
                name: name.to_owned(),
                from,
                to,
            })
            .ok_or_else(|| {
                OpError::BadInput(Message::new("error-report-period").arg("period", name))
            })
    }

    /// The period that holds `day`: the quarter whose cut-offs enclose it.
    pub fn quarter_of(day: Date) -> Period {
        // The 15th of the quarter's last month starts the next quarter's data.
        let (mut year, mut q) = (day.year(), u32::from(day.month()).div_ceil(3));
        let last_month = (q * 3) as u8;
        if day.month() == last_month && day.day() >= 15 {
            q += 1;
            if q == 5 {
                q = 1;
                year += 1;
            }
        }
        Period::parse(&format!("{year}-Q{q}")).expect("a quarter parses")
    }
}

fn day(year: i32, month: u8, day: u8) -> Option<Date> {
    Date::from_ymd(year, month, day).ok()
}

fn bounds(name: &str) -> Option<(Date, Date)> {
    if !tiepdan_protocol::submission::valid_period(name) {
        return None;
    }
    let year: i32 = name.get(..4)?.parse().ok()?;
    let start_of_year = day(year - 1, 12, 15)?;
    Some(match name.get(4..)? {
        "" => (start_of_year, day(year, 12, 14)?),
        "-Q1" => (start_of_year, day(year, 3, 14)?),
        "-Q2" => (day(year, 3, 15)?, day(year, 6, 14)?),
        "-Q3" => (day(year, 6, 15)?, day(year, 9, 14)?),
        "-Q4" => (day(year, 9, 15)?, day(year, 12, 14)?),
        "-H1" => (start_of_year, day(year, 6, 14)?),
        "-9M" => (start_of_year, day(year, 9, 14)?),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiepdan_protocol::case::parse_date;

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
            let p = Period::parse(name).unwrap();
            assert_eq!(
                (p.from, p.to),
                (parse_date(from).unwrap(), parse_date(to).unwrap()),
                "{name}"
            );
        }
        for bad in ["2026-Q5", "2026-H2", "26-Q1", "2026Q1", ""] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        for (day, q) in [
            ("2026-12-14", "2026-Q4"),
            ("2026-12-15", "2027-Q1"),
            ("2026-03-14", "2026-Q1"),
            ("2026-03-15", "2026-Q2"),
            ("2026-07-01", "2026-Q3"),
        ] {
            assert_eq!(
                Period::quarter_of(parse_date(day).unwrap()).name,
                q,
                "{day}"
            );
        }
    }
}
