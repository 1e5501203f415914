//! The site's submitted reports (báo cáo gửi cấp trên): signing one, and reading those held
//! here (this site's own, and those of every site below, which replicate up to it).

use tiepdan_protocol::case::deadline::Calendar;
use tiepdan_protocol::case::{date_from_unix_ms, Date};
use tiepdan_protocol::log::Actor;
use tiepdan_protocol::sites::Registry;
use tiepdan_protocol::submission::{
    self, due_date, SubmissionEvent, SubmissionState, SubmittedRow, Timeliness,
};

use super::period::Period;
use super::Reports;
use crate::language::Message;
use crate::records::OpError;

/// What a head submits: a computed report's columns and figures.
#[derive(Debug, Clone)]
pub struct Figures {
    pub descendants: bool,
    pub columns: Vec<String>,
    pub totals: Vec<u64>,
    pub rows: Vec<SubmittedRow>,
    /// The head's explanation (giải trình), when there is one.
    pub note: String,
}

impl Reports {
    /// Signs this site's report `form` for `period` into its record, which replicates to the
    /// levels above. Only after the period's cut-off, and never at central (it reports to no
    /// site of the federation).
    pub fn submit(
        &self,
        form: &str,
        period: &Period,
        figures: Figures,
        now_ms: u64,
        by: Option<Actor>,
    ) -> Result<SubmissionState, OpError> {
        let here = &self.site.site.code;
        if Registry::official().parent(here).is_none() {
            return Err(OpError::Conflict(Message::new("error-report-central")));
        }
        if date_from_unix_ms(now_ms) <= period.to {
            return Err(OpError::NotNow(
                Message::new("error-report-period-open")
                    .arg("period", period.name.as_str())
                    .arg("to", crate::language::history::dmy(period.to)),
            ));
        }
        let event = SubmissionEvent::Submitted {
            form: form.to_owned(),
            period: period.name.clone(),
            descendants: figures.descendants,
            columns: figures.columns,
            totals: figures.totals,
            rows: figures.rows,
            note: figures.note,
        };
        let payload = submission::encode_event(&event).map_err(|e| {
            OpError::BadInput(Message::new("error-report-submission").arg("detail", e.to_string()))
        })?;
        let id = submission::submission_id(here, &period.name, form);
        self.records.commit(&id, vec![payload], now_ms, None, by)?;
        self.submitted(here, form, &period.name)
            .ok_or_else(|| OpError::Store(format!("{id} is not held after its commit")))
    }

    /// The submission record of `site`'s report `form` for `period`, when this site holds it.
    pub fn submitted(&self, site: &str, form: &str, period: &str) -> Option<SubmissionState> {
        let id = submission::submission_id(site, period, form);
        self.records
            .held()
            .submissions
            .get(&id)
            .map(|e| e.state.clone())
    }

    /// Where `site`'s report `form` for `period` stands on `today`.
    pub fn timeliness(&self, site: &str, form: &str, period: &Period, today: Date) -> Timeliness {
        let current = self.site.calendar.current();
        let cal: &Calendar = &current;
        let due = due_date(period.to, cal, self.site.config.reports.due_working_days);
        let first = self
            .submitted(site, form, &period.name)
            .and_then(|s| s.first_submitted_on());
        Timeliness::of(first, due, today)
    }

    /// The day a report of `period` is due.
    pub fn due(&self, period: &Period) -> Date {
        let current = self.site.calendar.current();
        let cal: &Calendar = &current;
        due_date(period.to, cal, self.site.config.reports.due_working_days)
    }
}
