//! Whether a case may go up to a superior as overdue (`EscalationReason::Overdue`): the
//! citizen's right to take a matter up when its holder let the time to handle it lapse (Luật KN
//! 2011 Art 33(1): no decision in time; Luật TC 2018 Art 37(1): not resolved in time).
//!
//! The fold cannot see a calendar, so it takes any overdue escalation a site signs; the node
//! asks this before it signs one.

use super::{deadlines, Calendar, CaseState, Date, Deadline, DeadlineStatus};

/// The time limits whose lapse is a ground: the holder's time to accept or first process the
/// đơn, to review a repeat denunciation, to resolve the matter, and the 45-day threshold.
const GROUNDS: [&str; 5] = [
    "complaint_acceptance",
    "complaint_resolution",
    "denunciation_initial",
    "denunciation_resolution",
    "repeat_denunciation_review",
];
const UNPROCESSED: &str = super::UNPROCESSED_45_DAYS.name;

/// `Ok` when a ground has lapsed on `today`, or when no time limit of a ground runs (the law
/// sets none this model knows, so the holder's word stands); otherwise the ground that runs
/// and falls due first, which says when the case could go up.
pub fn check_overdue_escalation(
    state: &CaseState,
    cal: &Calendar,
    today: Date,
) -> Result<(), Deadline> {
    let running: Vec<Deadline> = deadlines(state, cal, today)
        .into_iter()
        .filter(|d| GROUNDS.contains(&d.name) || d.name == UNPROCESSED)
        .filter(|d| d.status != DeadlineStatus::Met)
        .collect();
    if running.is_empty() || running.iter().any(|d| d.status == DeadlineStatus::Overdue) {
        return Ok(());
    }
    Err(running
        .into_iter()
        .min_by_key(|d| d.due)
        .expect("not empty"))
}
