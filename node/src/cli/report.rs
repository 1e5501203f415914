//! `tiepdan report`: a biểu of TT 01/2024 (01-tcd, 01–04-xld) computed from the site's records,
//! as the API's `GET reports/{form}` answers it: JSON, XLSX or a print-ready HTML page. Offline
//! when the node is stopped (the same computation, from the data folder), through the running
//! node's API otherwise.

use tiepdan_protocol::access::Action;
use tiepdan_protocol::case::date_from_unix_ms;
use tiepdan_protocol::report::{ReportForm, Scope};

use super::case::{target, Target};
use crate::api::reports::report_page;
use crate::language::Message;
use crate::reports::period::Period;
use crate::reports::Reports;
use crate::site::clock::now_ms;
use crate::site::datadir::DataDir;

/// What `tiepdan report` was asked for.
pub struct Ask {
    pub form: String,
    pub period: Option<String>,
    pub scope: String,
    pub site: Option<String>,
    pub format: String,
}

/// The report's bytes, in the asked format.
pub fn run(data: &DataDir, token: &str, ask: &Ask) -> anyhow::Result<Vec<u8>> {
    let form: ReportForm = ask.form.parse().map_err(|_| {
        super::fail(Message::new("error-report-form").arg("form", ask.form.as_str()))
    })?;
    let scope: Scope = ask.scope.parse().map_err(|_| {
        super::fail(Message::new("error-report-scope").arg("scope", ask.scope.as_str()))
    })?;
    if !matches!(ask.format.as_str(), "json" | "xlsx" | "html") {
        return Err(super::fail(
            Message::new("error-report-format").arg("format", ask.format.as_str()),
        ));
    }
    let today = date_from_unix_ms(now_ms());
    let period = match &ask.period {
        Some(p) => Period::parse(p)?,
        None => Period::quarter_of(today),
    };
    let t = target(data, token)?;
    t.allow(Action::ReportRead)?;
    match t {
        Target::Api(c) => {
            let mut path = format!(
                "reports/{}?period={}&scope={}&format={}",
                form.as_str(),
                period.name,
                scope.as_str(),
                ask.format
            );
            if let Some(site) = &ask.site {
                path.push_str(&format!("&site={site}"));
            }
            c.get_bytes(&path)
        }
        Target::Offline(cases, _) => {
            let reports = Reports::new(cases.site.clone(), cases.records.clone());
            let report = reports.compute(form, &period, ask.site.as_deref(), scope)?;
            match ask.format.as_str() {
                "xlsx" => reports.table(&report).to_xlsx().map_err(|e| {
                    super::fail(Message::new("cli-report-file").arg("detail", e.to_string()))
                }),
                "html" => report_page(&reports, &report, today)
                    .map(|p| p.html.into_bytes())
                    .map_err(|e| {
                        super::fail(Message::new("cli-report-file").arg("detail", e.to_string()))
                    }),
                _ => Ok(serde_json::to_vec_pretty(&reports.view(&report))?),
            }
        }
    }
}
