//! Hand-over: the case passes to another site, which starts its own stage.
//!
//! Owns transfer to the competent site (`Transferred`), a superior's order to a subordinate to
//! resolve (`OrderedToResolve`) and escalation to a superior (`Escalated`: a second complaint,
//! a repeat denunciation, or an overdue intake or acceptance). Each hand-over is a first
//! handling of the stage it ends, may carry the identity re-wrapped for the widened audience,
//! and is bounded by [`MAX_HOLDERS`]. Where a case may go is `jurisdiction`'s question.

use super::transition::{ignore, misrouted, Outcome, Step};
use super::{can_escalate, can_transfer, CaseState, Disposition, StageStart, Status};
use crate::case::{CaseEvent, EscalationReason, Kind, MAX_HOLDERS};
use crate::sites::Registry;

impl CaseState {
    /// Transfers and orders go from an intake status; an escalation's allowed statuses depend
    /// on its reason.
    pub(super) fn apply_hand_over(&mut self, event: &CaseEvent, step: &Step) -> Outcome {
        let Step {
            name, on, status, ..
        } = *step;
        let intake = step.intake();
        let not_now = || step.not_now();
        let registry = Registry::official();
        match event {
            CaseEvent::Transferred {
                to_site,
                letter_no,
                rewrapped,
            } => {
                if !intake {
                    return not_now();
                }
                if let Err(e) = can_transfer(&self.current_site, to_site) {
                    return ignore(format!("transfer to {to_site}"), e.to_string());
                }
                if self.holders.len() >= MAX_HOLDERS {
                    return ignore(
                        name,
                        format!("the case was already handed on {MAX_HOLDERS} times"),
                    );
                }
                self.hand_over(to_site, Disposition::Transferred, StageStart::Transfer, on);
                if let Some(s) = rewrapped {
                    self.sealed_identity = Some(s.clone());
                }
                self.status = Status::Transferred;
                Ok(format!("transferred to {to_site} (letter {letter_no})"))
            }
            CaseEvent::OrderedToResolve { subordinate_site } => {
                if !intake {
                    return not_now();
                }
                let below = registry.contains(subordinate_site)
                    && registry
                        .ancestors(subordinate_site)
                        .contains(&self.current_site.as_str());
                if !below {
                    return ignore(
                        format!("order to {subordinate_site}"),
                        format!(
                            "site {subordinate_site} is not under site {}",
                            self.current_site
                        ),
                    );
                }
                if self.holders.len() >= MAX_HOLDERS {
                    return ignore(
                        name,
                        format!("the case was already handed on {MAX_HOLDERS} times"),
                    );
                }
                self.hand_over(
                    subordinate_site,
                    Disposition::Ordered,
                    StageStart::Order,
                    on,
                );
                self.status = Status::Transferred;
                Ok(format!("{subordinate_site} required to resolve it"))
            }
            CaseEvent::Escalated {
                to_site,
                reason,
                rewrapped,
            } => {
                let allowed = match reason {
                    EscalationReason::SecondInstance => {
                        if self.kind != Some(Kind::Complaint) {
                            return ignore(name, "only a complaint has a second instance");
                        }
                        if self.instance >= 2 {
                            return ignore(name, "the second instance is the last: the complainant may now go to court (Luật KN 2011 Art 7)");
                        }
                        matches!(
                            status,
                            Status::Received
                                | Status::Classified
                                | Status::Transferred
                                | Status::Accepted
                                | Status::Suspended
                                | Status::Decided
                        )
                    }
                    EscalationReason::RepeatDenunciation => {
                        if self.kind != Some(Kind::Denunciation) {
                            return ignore(
                                name,
                                "only a denunciation can be denounced again (tố cáo tiếp)",
                            );
                        }
                        status == Status::Concluded
                    }
                    EscalationReason::Overdue => intake || status == Status::Accepted,
                };
                if !allowed {
                    return not_now();
                }
                if let Err(e) = can_escalate(&self.current_site, to_site) {
                    return ignore(format!("escalation to {to_site}"), e.to_string());
                }
                if self.holders.len() >= MAX_HOLDERS {
                    return ignore(
                        name,
                        format!("the case was already handed on {MAX_HOLDERS} times"),
                    );
                }
                self.hand_over(
                    to_site,
                    Disposition::Escalated,
                    StageStart::Escalation(*reason),
                    on,
                );
                if *reason == EscalationReason::SecondInstance {
                    self.instance = 2;
                }
                if let Some(s) = rewrapped {
                    self.sealed_identity = Some(s.clone());
                }
                self.status = Status::Escalated;
                Ok(format!("escalated to {to_site} ({})", reason.as_str()))
            }
            _ => misrouted(name),
        }
    }
}
