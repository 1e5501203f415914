//! The supervision table (bảng giám sát): for each site directly below one this site may
//! supervise (itself or any site below it), the line of `tiepdan_protocol::supervision`, with
//! names and Vietnamese labels, and the week-by-week plots of the whole subtree.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use tiepdan_protocol::case::deadline::Calendar;
use tiepdan_protocol::case::{CaseState, Date};
use tiepdan_protocol::session::SessionState;
use tiepdan_protocol::sites::Registry;
use tiepdan_protocol::supervision::{
    deadlines_per_week, receptions_per_week, supervise, SiteSupervision, SupervisionInput,
    WeekDeadlines,
};

use super::period::Period;
use super::Reports;
use crate::language::Message;
use crate::records::OpError;

/// The form whose submission the table shows (the reception report every site owes).
pub const SUPERVISED_FORM: &str = "01-tcd";

/// One site's line, as the page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SupervisionRow {
    pub code: String,
    pub name: String,
    /// How many sites are below it (0 for a commune): the page drills into those with some.
    pub below: usize,
    pub duty_label: String,
    pub verdict_label: &'static str,
    pub report_label: String,
    #[serde(flatten)]
    pub line: SiteSupervision,
}

/// The table and its plots.
#[derive(Debug, Clone, Serialize)]
pub struct SupervisionView {
    pub period: Period,
    pub as_of: Date,
    pub site: String,
    pub site_name: String,
    /// The site one level up, when it is still this site or below it (the page's way back).
    pub up: Option<String>,
    pub report_due: Date,
    pub rows: Vec<SupervisionRow>,
    pub receptions_per_week: Vec<(Date, u32)>,
    pub deadlines_per_week: Vec<WeekDeadlines>,
}

impl Reports {
    /// The supervision of the sites directly below `of` (this site when `None`) over `period`,
    /// on `today`.
    pub fn supervision(
        &self,
        period: &Period,
        of: Option<&str>,
        today: Date,
    ) -> Result<SupervisionView, OpError> {
        let registry = Registry::official();
        let here = self.site.site.code.clone();
        let of = of.unwrap_or(&here).to_owned();
        let of_site = registry.get(&of).map_err(|_| {
            OpError::NotFound(Message::new("error-report-site-unknown").arg("site", of.as_str()))
        })?;
        if of != here && !registry.ancestors(&of).contains(&here.as_str()) {
            return Err(OpError::Forbidden(
                Message::new("error-report-not-below").arg("site", of.as_str()),
            ));
        }
        let children: Vec<String> = registry.children(&of).to_vec();
        let as_of = today.min(period.to);
        let current = self.site.calendar.current();
        let cal: &Calendar = &current;

        let held = self.records.held();
        // Each child's cases (received or held there) and sessions (chaired or a point).
        let wanted: BTreeSet<&str> = children.iter().map(String::as_str).collect();
        let mut cases: BTreeMap<&str, Vec<&CaseState>> = BTreeMap::new();
        let tree = tiepdan_protocol::report::subtree(&of);
        let mut tree_cases: Vec<&CaseState> = Vec::new();
        for e in held.entries.values() {
            let c = &e.state;
            if wanted.contains(c.origin.as_str()) {
                cases.entry(c.origin.as_str()).or_default().push(c);
            }
            if c.current_site != c.origin && wanted.contains(c.current_site.as_str()) {
                cases.entry(c.current_site.as_str()).or_default().push(c);
            }
            if tree.contains(&c.origin) || tree.contains(&c.current_site) {
                tree_cases.push(c);
            }
        }
        let mut sessions: BTreeMap<&str, Vec<&SessionState>> = BTreeMap::new();
        for e in held.sessions.values() {
            let Some(s) = &e.state.schedule else { continue };
            let mut sites: BTreeSet<&str> = s.points.iter().map(String::as_str).collect();
            sites.insert(s.chair_site.as_str());
            for site in sites.into_iter().filter(|s| wanted.contains(s)) {
                sessions.entry(site).or_default().push(&e.state);
            }
        }
        let rows = children
            .iter()
            .map(|child| {
                let site = registry
                    .get(child)
                    .expect("a child of a known site is known");
                let input = SupervisionInput {
                    from: period.from,
                    to: period.to,
                    as_of,
                    cal,
                    cases: cases.get(child.as_str()).map_or(&[], Vec::as_slice),
                    sessions: sessions.get(child.as_str()).map_or(&[], Vec::as_slice),
                };
                let rule = self.site.config.reports.duty_for(site.level);
                let report = self.timeliness_held(&held, child, period, today, cal);
                let line = supervise(child, rule, report, &input);
                SupervisionRow {
                    code: child.clone(),
                    name: site.name.clone(),
                    below: registry.children(child).len(),
                    duty_label: rule.label_vi(),
                    verdict_label: line.verdict.label_vi(),
                    report_label: report.label_vi(),
                    line,
                }
            })
            .collect();
        let receptions = receptions_per_week(&tree, period.from, as_of, &tree_cases);
        let limits = deadlines_per_week(&tree, period.from, period.to, as_of, cal, &tree_cases);
        drop(held);
        Ok(SupervisionView {
            period: period.clone(),
            as_of,
            site: of.clone(),
            site_name: of_site.name.clone(),
            up: registry
                .parent(&of)
                .filter(|_| of != here)
                .map(str::to_owned),
            report_due: self.due(period),
            rows,
            receptions_per_week: receptions,
            deadlines_per_week: limits,
        })
    }

    /// [`Reports::timeliness`] with the records already held.
    fn timeliness_held(
        &self,
        held: &tiepdan_protocol::records::Records,
        site: &str,
        period: &Period,
        today: Date,
        cal: &Calendar,
    ) -> tiepdan_protocol::submission::Timeliness {
        use tiepdan_protocol::submission::{due_date, submission_id, Timeliness};
        let due = due_date(period.to, cal, self.site.config.reports.due_working_days);
        let first = held
            .submissions
            .get(&submission_id(site, &period.name, SUPERVISED_FORM))
            .and_then(|e| e.state.first_submitted_on());
        Timeliness::of(first, due, today)
    }
}
