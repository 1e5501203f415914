//! A report period as the API and the CLI write it (`2026-Q4`, `2026-H1`, `2026-9M`, `2026`),
//! with its first and last day under the TT 01/2024 cut-offs (`protocol::report::period`); a
//! wrong name gets a message in the reader's language.

use tiepdan_protocol::case::Date;
use tiepdan_protocol::report::ReportPeriod;

use crate::language::Message;
use crate::records::OpError;

/// A period and its bounds, both days included.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Period {
    pub name: String,
    pub from: Date,
    pub to: Date,
    #[serde(skip)]
    pub period: ReportPeriod,
}

impl Period {
    /// Parses a period name; a wrong one gets the message `error-report-period`.
    pub fn parse(name: &str) -> Result<Period, OpError> {
        name.parse::<ReportPeriod>()
            .ok()
            .filter(|p| p.to_string() == name)
            .map(Period::of)
            .ok_or_else(|| {
                OpError::BadInput(Message::new("error-report-period").arg("period", name))
            })
    }

    pub fn of(period: ReportPeriod) -> Period {
        Period {
            name: period.to_string(),
            from: period.from(),
            to: period.to(),
            period,
        }
    }

    /// The period that holds `day`: the quarter whose cut-offs enclose it.
    pub fn quarter_of(day: Date) -> Period {
        Period::of(ReportPeriod::quarter_of(day))
    }

    /// "Quý IV/2026 (số liệu từ ngày 15/09/2026 đến ngày 14/12/2026)".
    pub fn label_vi(&self) -> String {
        format!(
            "{} (số liệu từ ngày {} đến ngày {})",
            self.period.label_vi(),
            crate::language::history::dmy(self.from),
            crate::language::history::dmy(self.to)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_name_is_a_bad_input_and_a_right_one_keeps_its_cut_offs() {
        for bad in ["2026-Q5", "2026-H2", "26-Q1", "2026Q1", "", "2026-q1"] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        let p = Period::parse("2026-Q1").unwrap();
        assert_eq!(
            (p.from.to_string(), p.to.to_string()),
            ("2025-12-15".into(), "2026-03-14".into())
        );
        assert_eq!(
            p.label_vi(),
            "Quý I/2026 (số liệu từ ngày 15/12/2025 đến ngày 14/03/2026)"
        );
    }
}
