//! A holder's stage: the time one site holds the case, how it came to hold it, and its first
//! handling of it.
//!
//! Owns [`Stage`], [`StageStart`] and [`Disposition`], the units the intake deadlines count from
//! (`deadline`), and the two ways a stage ends: settled by the holder's first handling, or
//! handed over to another site, which opens a new stage with its clocks reset.

use serde::Serialize;

use super::CaseState;
use crate::case::{Date, EscalationReason};

/// How the current holder came to hold the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StageStart {
    /// The origin site received the citizen.
    Reception,
    /// Transferred from another site.
    Transfer,
    /// Taken up by a superior.
    Escalation(EscalationReason),
    /// Handed down by a superior's order to resolve.
    Order,
}

/// The first thing a holder did with the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    Accepted,
    Guided,
    Forwarded,
    Transferred,
    Ordered,
    Escalated,
    Withdrawn,
    Closed,
}

/// The time one site held the case: the unit the intake deadlines count from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stage {
    pub site: String,
    pub since: Date,
    pub start: StageStart,
    /// The holder's first handling, and its date.
    pub outcome: Option<(Disposition, Date)>,
}

impl CaseState {
    /// The new holder's clocks start afresh (Luật TC 2018 Art 24(2); Luật KN 2011 Art 36).
    fn reset_stage_clocks(&mut self) {
        self.accepted_on = None;
        self.extensions.clear();
        self.suspended_since = None;
        self.suspended_days = 0;
        self.last_suspension_on = None;
        self.clock_restarted_on = None;
        self.decided_on = None;
        self.concluded_on = None;
    }

    /// Records the holder's first handling; later ones leave the stage's outcome alone. An
    /// escalation is a superior taking the case, not the holder handling the đơn, so it leaves
    /// `handled_on` alone too.
    pub(super) fn settle_stage(&mut self, how: Disposition, on: Date) {
        if self.stage.outcome.is_none() {
            self.stage.outcome = Some((how, on));
        }
        if !matches!(how, Disposition::Escalated) {
            self.handled_on.get_or_insert(on);
        }
    }

    /// Hands the case to `site`: closes the current stage with `how`, opens a new one.
    pub(super) fn hand_over(&mut self, site: &str, how: Disposition, start: StageStart, on: Date) {
        self.settle_stage(how, on);
        let next = Stage {
            site: site.to_owned(),
            since: on,
            start,
            outcome: None,
        };
        self.previous_stage = Some(std::mem::replace(&mut self.stage, next));
        self.holders.push(site.to_owned());
        self.current_site = site.to_owned();
        self.reset_stage_clocks();
    }
}
