//! Biểu 01–04/XLD, tổng hợp kết quả xử lý đơn: the đơn a site processed in a period, all of
//! them (01) or the complaints (02), denunciations (03) or petitions and feedback (04).
//!
//! - A **đơn** is a case received at the site (its origin), by any channel; a refused visit
//!   took no đơn and is not one. A transferred case is counted at its origin only.
//! - **Received** (tiếp nhận trong kỳ): its reception date is in the period. **Carried over**
//!   (kỳ trước chuyển sang): received before the period and not yet processed when it began:
//!   no first handling, closing or withdrawal before the period's first day.
//! - The other figures count the carried-over and received đơn together: one or several
//!   signatories; **eligible** (đủ điều kiện xử lý) unless anonymous; by content (01) or
//!   sector (02–04; a sector not stated counts under "khác"); by the matter's status when the
//!   đơn came; by the site's first handling by the period's last day ([`first_handling`]).
//! - `replies_received`: reply letters the site recorded in the period for đơn it passed on.

use super::{first_handling, ReportForm, ReportInput, ReportPeriod, Rows};
use crate::case::reception::{PriorStatus, Sector};
use crate::case::{CaseState, Date, Kind};

/// The đơn was processed (handled, closed or withdrawn) before `day`.
fn settled_before(c: &CaseState, day: Date) -> bool {
    [c.handled_on, c.closed_on, c.withdrawn_on]
        .into_iter()
        .flatten()
        .any(|d| d < day)
}

fn sector_column(s: Sector) -> &'static str {
    match s {
        Sector::Policy => "sector_policy",
        Sector::LandHousing => "sector_land_housing",
        Sector::AdministrativeOther => "sector_administrative_other",
        Sector::Judicial => "sector_judicial",
        Sector::Party => "sector_party",
        Sector::Corruption => "sector_corruption",
        Sector::Unspecified | Sector::Other => "sector_other",
    }
}

fn status_column(s: PriorStatus) -> &'static str {
    match s {
        PriorStatus::ResolvedOnce => "resolved_once",
        PriorStatus::ResolvedSeveral => "resolved_several",
        PriorStatus::NotResolved => "not_resolved",
        PriorStatus::InProgress => "in_progress",
    }
}

/// Counts `form` (one of the XLD forms) into `rows`, one pass over the records.
pub(crate) fn count(
    form: ReportForm,
    period: ReportPeriod,
    rows: &mut Rows,
    input: ReportInput<'_>,
) {
    let (from, to) = (period.from(), period.to());
    for c in input.cases {
        let Some(r) = &c.reception else {
            continue;
        };
        let kind = c.kind.unwrap_or(r.kind);
        if !form.counts_kind(kind) {
            continue;
        }
        rows.add_replies(c, from, to);
        let Some(row) = rows.row(&c.origin) else {
            continue;
        };
        if r.refusal.is_some() {
            continue;
        }
        let received = (from..=to).contains(&r.date);
        let carried = r.date < from && !settled_before(c, from);
        if !received && !carried {
            continue;
        }
        rows.add(row, if received { "received" } else { "carried_over" }, 1);
        rows.add(row, "total", 1);
        let signatories = if r.classification.several_signatories {
            "several_signatories"
        } else {
            "one_signatory"
        };
        rows.add(row, signatories, 1);
        if !r.anonymous {
            rows.add(row, "eligible", 1);
        }
        let content = match (form, kind) {
            (ReportForm::Xld01, Kind::Complaint) => "complaint",
            (ReportForm::Xld01, Kind::Denunciation) => "denunciation",
            (ReportForm::Xld01, _) => "petition",
            _ => sector_column(r.classification.sector),
        };
        rows.add(row, content, 1);
        rows.add(row, status_column(r.classification.prior_status), 1);
        if let Some(h) = first_handling(c, &c.origin, to) {
            rows.add(row, h.column(), 1);
        }
    }
}
