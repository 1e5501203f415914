//! Hand-over: the case passes to another site, which starts its own stage.
//!
//! Owns transfer to the competent site (`Transferred`), a superior's order to a subordinate to
//! resolve (`OrderedToResolve`) and escalation to a superior (`Escalated`: a second complaint,
//! a repeat denunciation, or an overdue intake or acceptance). Each hand-over is a first
//! handling of the stage it ends, may carry the identity re-wrapped for the widened audience,
//! and is bounded by [`MAX_HOLDERS`]. Where a case may go is `jurisdiction`'s question.

use super::told::{Happened, Ignored};
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
                    return ignore(Ignored::Jurisdiction { error: e });
                }
                if self.holders.len() >= MAX_HOLDERS {
                    return ignore(Ignored::HandedOnTooOften { max: MAX_HOLDERS });
                }
                self.hand_over(to_site, Disposition::Transferred, StageStart::Transfer, on);
                if let Some(s) = rewrapped {
                    self.sealed_identity = Some(s.clone());
                }
                self.status = Status::Transferred;
                Ok(Happened::Transferred {
                    to_site: to_site.clone(),
                    letter_no: letter_no.clone(),
                })
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
                    return ignore(Ignored::NotUnder {
                        site: subordinate_site.clone(),
                        holder: self.current_site.clone(),
                    });
                }
                if self.holders.len() >= MAX_HOLDERS {
                    return ignore(Ignored::HandedOnTooOften { max: MAX_HOLDERS });
                }
                self.hand_over(
                    subordinate_site,
                    Disposition::Ordered,
                    StageStart::Order,
                    on,
                );
                self.status = Status::Transferred;
                Ok(Happened::OrderedToResolve {
                    site: subordinate_site.clone(),
                })
            }
            CaseEvent::Escalated {
                to_site,
                reason,
                rewrapped,
            } => {
                let allowed = match reason {
                    EscalationReason::SecondInstance => {
                        if self.kind != Some(Kind::Complaint) {
                            return ignore(Ignored::OnlyComplaintHasSecondInstance);
                        }
                        if self.instance >= 2 {
                            return ignore(Ignored::SecondInstanceIsLast);
                        }
                        // Luật KN 2011 Art 33(1): after the first decision. A first complaint
                        // left unresolved past its time goes up as `Overdue`.
                        if status != Status::Decided {
                            return ignore(Ignored::SecondInstanceBeforeDecision);
                        }
                        true
                    }
                    EscalationReason::RepeatDenunciation => {
                        if self.kind != Some(Kind::Denunciation) {
                            return ignore(Ignored::OnlyDenunciationRepeats);
                        }
                        status == Status::Concluded
                    }
                    EscalationReason::Overdue => intake || status == Status::Accepted,
                };
                if !allowed {
                    return not_now();
                }
                if let Err(e) = can_escalate(&self.current_site, to_site) {
                    return ignore(Ignored::Jurisdiction { error: e });
                }
                if self.holders.len() >= MAX_HOLDERS {
                    return ignore(Ignored::HandedOnTooOften { max: MAX_HOLDERS });
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
                Ok(Happened::Escalated {
                    to_site: to_site.clone(),
                    reason: *reason,
                })
            }
            _ => misrouted(name),
        }
    }
}
