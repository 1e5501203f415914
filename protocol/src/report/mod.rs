//! Reports of TT 01/2024/TT-TTCP computed from the records a site holds (issue 13): Biểu 01/TCD
//! (tiếp công dân) and 01–04/XLD (xử lý đơn), for one site or for a site with everything below
//! it, for any period of [`ReportPeriod`].
//!
//! Pure: the caller passes the folded cases and sessions it holds (a province holds all of its
//! communes' records, central the nation's: each is in their audience), the form, the period
//! and the scope; nothing here reads a clock or a disk. The site tree is the compiled-in
//! registry, as in the fold.
//!
//! # What is counted where
//!
//! - A **line of a log book** is counted at the site whose book has it: a reception at the
//!   site that received the citizen (the case's origin), dated by the reception; an online
//!   hearing (`ReceivedOnline`) at the session's chair site, dated by the hearing. A đơn that
//!   came without its sender (post, forwarded, deputy, press, online, handed in) is a line of
//!   the book but not a visit: Biểu 01/TCD counts visits only; 01–04/XLD count every đơn.
//! - A **đơn** is counted at its origin only: a case transferred to another site is counted
//!   once, where it was received, never again where it went ([`xld`]).
//! - With `descendants`, a **case** touched by several sites of the subtree (received at a
//!   commune, heard online at the province) is counted once in the totals, and in each row
//!   that touched it: totals are computed over the whole subtree, not summed from the rows.
//! - Rows: the site itself (its own book), then one per direct child, each rolling up its own
//!   subtree, so central's report has a row per province and a province's a row per commune.
//!
//! See [`tcd`] and [`xld`] for each figure's rule.

pub mod form;
mod handling;
pub mod period;
pub mod tcd;
pub mod xld;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::case::{CaseState, Date};
use crate::session::SessionState;
use crate::sites::Registry;

pub use form::{Column, ColumnGroup, FormError, ReportForm};
pub use handling::{first_handling, Handling};
pub use period::{PeriodError, ReportPeriod};

/// The site alone, or the site with every site below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Site,
    Descendants,
}

/// A scope name that is neither `site` nor `descendants`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown report scope {0:?}: write site or descendants")]
pub struct ScopeError(pub String);

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Site => "site",
            Scope::Descendants => "descendants",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = ScopeError;
    fn from_str(s: &str) -> Result<Scope, ScopeError> {
        match s.trim() {
            "site" => Ok(Scope::Site),
            "descendants" => Ok(Scope::Descendants),
            other => Err(ScopeError(other.chars().take(40).collect())),
        }
    }
}

/// The records a report counts from.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// Every case the site holds, each once.
    pub cases: &'a [&'a CaseState],
    /// Every session the site holds, each once.
    pub sessions: &'a [&'a SessionState],
}

/// One row: a site's own book, or a child with its subtree rolled up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportRow {
    pub site: String,
    /// Sites the row covers (1, or the child and everything below it).
    pub sites: usize,
    /// One value per column of the form.
    pub values: Vec<u64>,
}

/// A computed report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub form: ReportForm,
    pub period: ReportPeriod,
    pub from: Date,
    pub to: Date,
    pub scope: Scope,
    pub site: String,
    /// Sites the report covers.
    pub sites: usize,
    pub columns: Vec<&'static str>,
    pub rows: Vec<ReportRow>,
    pub totals: Vec<u64>,
}

impl Report {
    /// The total of column `id`.
    pub fn total(&self, id: &str) -> Option<u64> {
        let i = self.columns.iter().position(|c| *c == id)?;
        self.totals.get(i).copied()
    }

    /// Column `id` of the row of `site`.
    pub fn value(&self, site: &str, id: &str) -> Option<u64> {
        let i = self.columns.iter().position(|c| *c == id)?;
        self.rows
            .iter()
            .find(|r| r.site == site)?
            .values
            .get(i)
            .copied()
    }
}

/// Figures by column id while they are counted.
pub(crate) type Tally = BTreeMap<&'static str, u64>;

/// The rows of a report being counted: which row each covered site's figures go to. Every
/// figure also goes to the totals, kept after the rows, so one pass over the records fills
/// every row and the totals at once.
pub(crate) struct Rows {
    of: HashMap<String, usize>,
    /// One tally per row, then the totals.
    pub(crate) tallies: Vec<Tally>,
}

impl Rows {
    /// `groups[i]` is the set of sites whose figures row `i` counts; the groups do not overlap.
    fn new(groups: &[(String, BTreeSet<String>)]) -> Rows {
        let mut of = HashMap::new();
        for (i, (_, members)) in groups.iter().enumerate() {
            for s in members {
                of.insert(s.clone(), i);
            }
        }
        Rows {
            of,
            tallies: vec![Tally::new(); groups.len() + 1],
        }
    }

    /// The row of `site`, or `None` when the report does not cover it.
    pub(crate) fn row(&self, site: &str) -> Option<usize> {
        self.of.get(site).copied()
    }

    /// The index of the totals in [`Rows::tallies`].
    pub(crate) fn totals(&self) -> usize {
        self.tallies.len() - 1
    }

    /// Adds `n` to column `id` of row `row` and of the totals.
    pub(crate) fn add(&mut self, row: usize, id: &'static str, n: u64) {
        let totals = self.totals();
        for i in [row, totals] {
            *self.tallies[i].entry(id).or_insert(0) += n;
        }
    }

    /// Adds 1 to column `id` of one tally only (a row or the totals): for figures that count
    /// distinct records, where a record two rows share counts once in the totals.
    pub(crate) fn add_once(&mut self, tally: usize, id: &'static str) {
        *self.tallies[tally].entry(id).or_insert(0) += 1;
    }

    /// The reply letters on case `c` that a covered site recorded within `[from, to]`, each in
    /// the row of the site that recorded it.
    pub(crate) fn add_replies(&mut self, c: &CaseState, from: Date, to: Date) {
        for y in &c.replies {
            if let Some(row) = self.row(&y.site) {
                if (from..=to).contains(&y.recorded_on) {
                    self.add(row, "replies_received", 1);
                }
            }
        }
    }
}

/// `site` and every site below it in the registry.
pub fn subtree(site: &str) -> BTreeSet<String> {
    let registry = Registry::official();
    let mut out = BTreeSet::new();
    let mut todo = vec![site.to_owned()];
    while let Some(s) = todo.pop() {
        todo.extend(registry.children(&s).iter().cloned());
        out.insert(s);
    }
    out
}

/// The report `form` of `site` for `period`, over `scope`.
pub fn report(
    form: ReportForm,
    period: ReportPeriod,
    site: &str,
    scope: Scope,
    input: ReportInput<'_>,
) -> Report {
    let mut groups: Vec<(String, BTreeSet<String>)> =
        vec![(site.to_owned(), BTreeSet::from([site.to_owned()]))];
    if scope == Scope::Descendants {
        for child in Registry::official().children(site) {
            groups.push((child.clone(), subtree(child)));
        }
    }
    let columns = form.columns();
    // One pass over the records for every row and the totals.
    let mut rows = Rows::new(&groups);
    match form {
        ReportForm::Tcd01 => tcd::count(period, &mut rows, input),
        _ => xld::count(form, period, &mut rows, input),
    }
    let mut values = rows.tallies.into_iter().map(|tally| {
        columns
            .iter()
            .map(|c| tally.get(c).copied().unwrap_or(0))
            .collect::<Vec<u64>>()
    });
    let rows = groups
        .iter()
        .zip(values.by_ref())
        .map(|((s, members), values)| ReportRow {
            site: s.clone(),
            sites: members.len(),
            values,
        })
        .collect();
    let totals = values.next().unwrap_or_default();
    Report {
        form,
        period,
        from: period.from(),
        to: period.to(),
        scope,
        site: site.to_owned(),
        sites: groups.iter().map(|(_, members)| members.len()).sum(),
        totals,
        columns,
        rows,
    }
}
