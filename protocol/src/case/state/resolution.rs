//! Resolution: from acceptance to the end of the case.
//!
//! Owns the events of an accepted case — extension of a denunciation's time (gia hạn),
//! suspension (tạm đình chỉ) and resumption, a complaint's dialogue (đối thoại) — and how it
//! ends: a complaint's decision (quyết định giải quyết) and its legal effect, a denunciation's
//! conclusion (kết luận), withdrawal (rút đơn) and closing (kết thúc, lưu hồ sơ). Which of them
//! a case may have depends on its content type.

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
                    return ignore(name, "only a denunciation's resolution time can be extended (Luật TC 2018 Art 30); mark a complaint complex instead");
                }
                if status != Status::Accepted {
                    return not_now();
                }
                if self.extensions.len() >= MAX_EXTENSIONS {
                    return ignore(name, "a denunciation's resolution time can be extended at most twice (Luật TC 2018 Art 30)");
                }
                self.extensions.push(*days);
                Ok(format!("resolution time extended by {days} days"))
            }
            CaseEvent::Suspended { .. } => {
                if status != Status::Accepted {
                    return not_now();
                }
                self.suspended_since = Some(on);
                self.last_suspension_on = Some(on);
                self.status = Status::Suspended;
                Ok("resolution suspended".to_owned())
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
                Ok(format!("resolution resumed after {days} day(s)"))
            }
            CaseEvent::Dialogue { date, .. } => {
                if self.kind != Some(Kind::Complaint) {
                    return ignore(
                        name,
                        "a dialogue belongs to the complaint procedure (Luật KN 2011 Art 30)",
                    );
                }
                if status != Status::Accepted {
                    return not_now();
                }
                self.dialogues.push(*date);
                Ok(format!("dialogue on {date}"))
            }
            CaseEvent::Decided { .. } => {
                if self.kind != Some(Kind::Complaint) {
                    return ignore(name, "only a complaint ends with a decision; a denunciation ends with a conclusion");
                }
                if status != Status::Accepted {
                    return not_now();
                }
                self.decided_on = Some(on);
                self.status = Status::Decided;
                Ok(format!("complaint decided (instance {})", self.instance))
            }
            CaseEvent::Concluded { .. } => {
                if self.kind != Some(Kind::Denunciation) {
                    return ignore(name, "only a denunciation ends with a conclusion");
                }
                if status != Status::Accepted {
                    return not_now();
                }
                self.concluded_on = Some(on);
                self.status = Status::Concluded;
                Ok("denunciation concluded".to_owned())
            }
            CaseEvent::Final => {
                if status != Status::Decided {
                    return not_now();
                }
                self.final_on = Some(on);
                self.status = Status::Final;
                Ok("decision in legal effect".to_owned())
            }
            CaseEvent::Withdrawn { partial, .. } => {
                if !(intake || matches!(status, Status::Accepted | Status::Suspended)) {
                    return not_now();
                }
                if *partial {
                    if people_count < 2 {
                        return ignore(
                            name,
                            "one person cannot withdraw partially: record a full withdrawal",
                        );
                    }
                    return Ok(
                        "withdrawn by some of the group; the case continues for the rest"
                            .to_owned(),
                    );
                }
                self.settle_stage(Disposition::Withdrawn, on);
                self.withdrawn_on = Some(on);
                self.suspended_since = None;
                self.status = Status::Withdrawn;
                Ok("withdrawn".to_owned())
            }
            CaseEvent::Closed { .. } => {
                self.settle_stage(Disposition::Closed, on);
                self.closed_on = Some(on);
                self.suspended_since = None;
                self.status = Status::Closed;
                Ok("closed".to_owned())
            }
            _ => misrouted(name),
        }
    }
}
