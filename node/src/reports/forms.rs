//! The biểu of TT 01/2024 (01/TCD, 01–04/XLD) computed from the records this site holds with
//! `tiepdan_protocol::report`, as the API answers them (JSON with named figures), laid out as
//! the official table ([`ReportTable`], for XLSX and print), and submitted up the hierarchy.

use std::collections::BTreeMap;

use serde::Serialize;
use tiepdan_protocol::case::CaseState;
use tiepdan_protocol::log::Actor;
use tiepdan_protocol::report::{self, Report, ReportForm, ReportInput, Scope};
use tiepdan_protocol::session::SessionState;
use tiepdan_protocol::sites::Registry;
use tiepdan_protocol::submission::{SubmissionState, SubmittedRow};

use super::period::Period;
use super::submissions::Figures;
use super::table::{Column, ColumnGroup, ReportTable, TableRow};
use super::Reports;
use crate::language::bodies::issuing_body;
use crate::language::Message;
use crate::records::OpError;

/// One row of the JSON: a site, or a child with its subtree.
#[derive(Debug, Clone, Serialize)]
pub struct RowView {
    pub code: String,
    pub name: String,
    /// Sites the row covers.
    pub sites: usize,
    pub values: BTreeMap<&'static str, u64>,
}

/// A column of the JSON, with its heading.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnView {
    pub id: &'static str,
    pub group: &'static str,
    pub heading: &'static str,
}

/// `GET reports/{form}` as JSON.
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    pub form: ReportForm,
    pub form_no: &'static str,
    pub title: &'static str,
    pub period: Period,
    pub scope: Scope,
    pub site: String,
    pub site_name: String,
    /// Sites the report covers.
    pub sites: usize,
    pub columns: Vec<ColumnView>,
    pub rows: Vec<RowView>,
    pub totals: BTreeMap<&'static str, u64>,
}

fn named(columns: &[&'static str], values: &[u64]) -> BTreeMap<&'static str, u64> {
    columns
        .iter()
        .copied()
        .zip(values.iter().copied())
        .collect()
}

fn name_of(code: &str) -> String {
    Registry::official()
        .get(code)
        .map_or_else(|_| code.to_owned(), |s| s.name.clone())
}

impl Reports {
    /// `of` is this site or a site below it: what this site may report on.
    pub fn here_or_below(&self, of: &str) -> Result<(), OpError> {
        let here = self.site.site.code.as_str();
        let registry = Registry::official();
        if registry.get(of).is_err() {
            return Err(OpError::NotFound(
                Message::new("error-report-site-unknown").arg("site", of),
            ));
        }
        if of != here && !registry.ancestors(of).contains(&here) {
            return Err(OpError::Forbidden(
                Message::new("error-report-not-below").arg("site", of),
            ));
        }
        Ok(())
    }

    /// The report `form` of `of` (this site when `None`; else a site below it) for `period`.
    pub fn compute(
        &self,
        form: ReportForm,
        period: &Period,
        of: Option<&str>,
        scope: Scope,
    ) -> Result<Report, OpError> {
        let here = self.site.site.code.clone();
        let of = of.unwrap_or(&here).to_owned();
        self.here_or_below(&of)?;
        let held = self.records.held();
        let cases: Vec<&CaseState> = held.entries.values().map(|e| &e.state).collect();
        let sessions: Vec<&SessionState> = held.sessions.values().map(|e| &e.state).collect();
        let input = ReportInput {
            cases: &cases,
            sessions: &sessions,
        };
        Ok(report::report(form, period.period, &of, scope, input))
    }

    /// The report as the API's JSON.
    pub fn view(&self, r: &Report) -> ReportView {
        let columns = r
            .form
            .groups()
            .into_iter()
            .flat_map(|g| {
                g.columns.into_iter().map(move |c| ColumnView {
                    id: c.id,
                    group: g.heading_vi,
                    heading: c.heading_vi,
                })
            })
            .collect();
        ReportView {
            form: r.form,
            form_no: r.form.number_vi(),
            title: r.form.title_vi(),
            period: Period::of(r.period),
            scope: r.scope,
            site: r.site.clone(),
            site_name: name_of(&r.site),
            sites: r.sites,
            columns,
            rows: r
                .rows
                .iter()
                .map(|row| RowView {
                    code: row.site.clone(),
                    name: name_of(&row.site),
                    sites: row.sites,
                    values: named(&r.columns, &row.values),
                })
                .collect(),
            totals: named(&r.columns, &r.totals),
        }
    }

    /// The report in the official layout, headed by the body that issues it.
    pub fn table(&self, r: &Report) -> ReportTable {
        let (parent_body, body) = match Registry::official().get(&r.site) {
            Ok(site) => {
                let (parent, body, _) = issuing_body(site);
                (parent, body)
            }
            Err(_) => (None, r.site.clone()),
        };
        ReportTable {
            form_no: r.form.number_vi().to_owned(),
            title: r.form.title_vi().to_owned(),
            parent_body,
            body,
            period_label: Period::of(r.period).label_vi(),
            groups: r
                .form
                .groups()
                .into_iter()
                .map(|g| ColumnGroup {
                    heading: g.heading_vi.to_owned(),
                    columns: g
                        .columns
                        .into_iter()
                        .map(|c| Column {
                            id: c.id.to_owned(),
                            heading: c.heading_vi.to_owned(),
                        })
                        .collect(),
                })
                .collect(),
            rows: r
                .rows
                .iter()
                .map(|row| TableRow {
                    code: row.site.clone(),
                    name: name_of(&row.site),
                    values: row.values.clone(),
                })
                .collect(),
            totals: r.totals.clone(),
        }
    }

    /// Computes this site's report `form` for `period` over `scope` and submits it, signed,
    /// to the levels above, with the head's `note`.
    pub fn submit_computed(
        &self,
        form: ReportForm,
        period: &Period,
        scope: Scope,
        note: String,
        now_ms: u64,
        by: Option<Actor>,
    ) -> Result<SubmissionState, OpError> {
        let r = self.compute(form, period, None, scope)?;
        let figures = Figures {
            descendants: scope == Scope::Descendants,
            columns: r.columns.iter().map(|c| (*c).to_owned()).collect(),
            totals: r.totals.clone(),
            rows: r
                .rows
                .iter()
                .map(|row| SubmittedRow {
                    site: row.site.clone(),
                    values: row.values.clone(),
                })
                .collect(),
            note,
        };
        self.submit(form.as_str(), period, figures, now_ms, by)
    }
}

/// Where a submitted report and the one computed here from the same records disagree: the
/// columns whose totals differ, as (column, submitted, computed).
pub fn differences(submitted: &SubmissionState, computed: &Report) -> Vec<(String, u64, u64)> {
    let Some(s) = submitted.latest() else {
        return Vec::new();
    };
    computed
        .columns
        .iter()
        .zip(&computed.totals)
        .filter_map(|(col, mine)| {
            let theirs = s.total(col)?;
            (theirs != *mine).then(|| ((*col).to_owned(), theirs, *mine))
        })
        .collect()
}
