//! Resolution: from acceptance to the end of the case.
//!
//! Owns the events of an accepted case — extension of a denunciation's time (gia hạn),
//! suspension (tạm đình chỉ) and resumption, a complaint's dialogue (đối thoại) — and how it
//! ends: a complaint's decision (quyết định giải quyết) and its legal effect, a denunciation's
//! conclusion (kết luận), withdrawal (rút đơn) and closing (kết thúc, lưu hồ sơ). Which of them
//! a case may have depends on its content type.

use super::told::{Happened, Ignored};
use super::transition::{ignore, misrouted, Outcome, Step};
use super::{CaseState, Disposition, Status};
use crate::case::{CaseEvent, Kind, MAX_EXTENSIONS};

impl CaseState {
    /// Each needs its own status: mostly an accepted case; the legal effect needs the decision,
    /// resumption a suspension; withdrawal is also allowed during intake, and closing in any
    /// status that gets this far.
    pub(super) fn apply_resolution(&mut self, event: &CaseEvent, step: &Step) -> Outcome {
        let Step {
            name,
            on,
            status,
            people_count,
        } = *step;
        let intake = step.intake();
        let not_now = || step.not_now();
        match event {
            CaseEvent::Extended { days, .. } => {
                if self.kind != Some(Kind::Denunciation) {
                    return ignore(Ignored::OnlyDenunciationExtends);
                }
                if status != Status::Accepted {
                    return not_now();
                }
                if self.extensions.len() >= MAX_EXTENSIONS {
                    return ignore(Ignored::ExtensionsUsed {
                        max: MAX_EXTENSIONS,
                    });
                }
                self.extensions.push(*days);
                Ok(Happened::Extended { days: *days })
            }
            CaseEvent::Suspended { .. } => {
                if status != Status::Accepted {
                    return not_now();
                }
                self.suspended_since = Some(on);
                self.last_suspension_on = Some(on);
                self.status = Status::Suspended;
                Ok(Happened::Suspended)
            }
            CaseEvent::Resumed => {
                let (Status::Suspended, Some(since)) = (status, self.suspended_since) else {
                    return not_now();
                };
                let days = u32::try_from(since.days_until(on).max(0)).unwrap_or(u32::MAX);
                self.suspended_days = self.suspended_days.saturating_add(days);
                self.suspended_since = None;
                if self.kind == Some(Kind::Complaint) {
                    self.clock_restarted_on = Some(on);
                }
                self.status = Status::Accepted;
                Ok(Happened::Resumed { days })
            }
            CaseEvent::Dialogue { date, .. } => {
                if self.kind != Some(Kind::Complaint) {
                    return ignore(Ignored::DialogueOnlyForComplaint);
                }
                if status != Status::Accepted {
                    return not_now();
                }
                self.dialogues.push(*date);
                Ok(Happened::Dialogue { date: *date })
            }
            CaseEvent::Decided { .. } => {
                if self.kind != Some(Kind::Complaint) {
                    return ignore(Ignored::DecisionOnlyForComplaint);
                }
                if status != Status::Accepted {
                    return not_now();
                }
                self.decided_on = Some(on);
                self.status = Status::Decided;
                Ok(Happened::Decided {
                    instance: self.instance,
                })
            }
            CaseEvent::Concluded { .. } => {
                if self.kind != Some(Kind::Denunciation) {
                    return ignore(Ignored::ConclusionOnlyForDenunciation);
                }
                if status != Status::Accepted {
                    return not_now();
                }
                self.concluded_on = Some(on);
                self.status = Status::Concluded;
                Ok(Happened::Concluded)
            }
            CaseEvent::Final => {
                if status != Status::Decided {
                    return not_now();
                }
                self.final_on = Some(on);
                self.status = Status::Final;
                Ok(Happened::Final)
            }
            CaseEvent::Withdrawn { partial, .. } => {
                if !(intake || matches!(status, Status::Accepted | Status::Suspended)) {
                    return not_now();
                }
                if *partial {
                    if people_count < 2 {
                        return ignore(Ignored::PartialWithdrawalAlone);
                    }
                    return Ok(Happened::PartlyWithdrawn);
                }
                self.settle_stage(Disposition::Withdrawn, on);
                self.withdrawn_on = Some(on);
                self.suspended_since = None;
                self.status = Status::Withdrawn;
                Ok(Happened::Withdrawn)
            }
            CaseEvent::Closed { .. } => {
                self.settle_stage(Disposition::Closed, on);
                self.closed_on = Some(on);
                self.suspended_since = None;
                self.status = Status::Closed;
                Ok(Happened::Closed)
            }
            _ => misrouted(name),
        }
    }
}
