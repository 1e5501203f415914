//! Intake: the reception that opens a case, and the current holder's first handling of it.
//!
//! Owns the genesis (`Received`: the line of the log book, Form 03/TCD) and the events that
//! settle a holder's intake: classification (phân loại), acceptance for resolution (thụ lý),
//! guidance to the competent body (hướng dẫn) and forwarding of the đơn to a body outside the
//! federation (chuyển đơn). A hand-over to another site is also a first handling; it belongs to
//! `hand_over`.

use super::told::{Happened, Ignored};
use super::transition::{ignore, misrouted, Outcome, Step};
use super::{CaseState, Disposition, Stage, StageStart, Status};
use crate::case::{CaseEvent, Direction, Identity, Kind, Reception};
use crate::sites::Registry;

impl CaseState {
    /// The genesis, written by the site that received the citizen. A refused visit, or one
    /// settled at the desk by guidance or forwarding, is settled from the start.
    pub(super) fn receive(&mut self, author: &str, reception: &Reception) -> Outcome {
        if self.reception.is_some() {
            return ignore(Ignored::SecondReception);
        }
        if !Registry::official().contains(author) {
            return ignore(Ignored::UnknownSite {
                site: author.to_owned(),
            });
        }
        let date = reception.date;
        self.origin = author.to_owned();
        self.current_site = author.to_owned();
        self.kind = Some(reception.kind);
        self.received_on = date;
        self.stage = Stage {
            site: author.to_owned(),
            since: date,
            start: StageStart::Reception,
            outcome: None,
        };
        if let Identity::Sealed(s) = &reception.identity {
            self.sealed_identity = Some(s.clone());
        }
        self.status = if reception.refusal.is_some() {
            Status::Refused
        } else {
            match &reception.direction {
                Some(Direction::Guide { .. }) => {
                    self.settle_stage(Disposition::Guided, date);
                    Status::Guided
                }
                Some(Direction::Transfer { .. }) => {
                    self.settle_stage(Disposition::Forwarded, date);
                    Status::Forwarded
                }
                Some(Direction::Accept) | None => Status::Received,
            }
        };
        self.reception = Some(reception.clone());
        Ok(Happened::Received {
            kind: reception.kind,
            site: author.to_owned(),
            people: reception.people_count,
            refused: reception.refusal,
        })
    }

    /// Classification, acceptance, guidance and forwarding: allowed while the case waits for
    /// the holder's first handling (a classification also after acceptance, kind unchanged).
    pub(super) fn apply_intake(&mut self, event: &CaseEvent, step: &Step) -> Outcome {
        let Step {
            name, on, status, ..
        } = *step;
        let intake = step.intake();
        let not_now = || step.not_now();
        match event {
            CaseEvent::Classified {
                kind,
                complex,
                remote_area,
            } => {
                let settled = matches!(status, Status::Accepted | Status::Suspended);
                if !(intake || settled) {
                    return not_now();
                }
                if *kind == Kind::Denunciation && self.sealed_identity.is_none() {
                    return ignore(Ignored::DenunciationNotSealed);
                }
                if settled && Some(*kind) != self.kind {
                    return ignore(Ignored::KindFixedAfterAcceptance);
                }
                self.kind = Some(*kind);
                self.complex = *complex;
                self.remote_area = *remote_area;
                if intake {
                    self.status = Status::Classified;
                }
                Ok(Happened::Classified {
                    kind: *kind,
                    complex: *complex,
                    remote_area: *remote_area,
                })
            }
            CaseEvent::Accepted { decision_no } => {
                if !intake {
                    return not_now();
                }
                self.settle_stage(Disposition::Accepted, on);
                self.accepted_on = Some(on);
                self.status = Status::Accepted;
                Ok(Happened::Accepted {
                    decision_no: decision_no.clone(),
                })
            }
            CaseEvent::Guided { to_body, .. } => {
                if !intake {
                    return not_now();
                }
                self.settle_stage(Disposition::Guided, on);
                self.status = Status::Guided;
                Ok(Happened::Guided {
                    to_body: to_body.clone(),
                })
            }
            CaseEvent::Forwarded { to_body, letter_no } => {
                if !intake {
                    return not_now();
                }
                self.settle_stage(Disposition::Forwarded, on);
                self.status = Status::Forwarded;
                Ok(Happened::Forwarded {
                    to_body: to_body.clone(),
                    letter_no: letter_no.clone(),
                })
            }
            _ => misrouted(name),
        }
    }
}
