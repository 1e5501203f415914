//! Intake: the reception that opens a case, and the current holder's first handling of it.
//!
//! Owns the genesis (`Received`: the line of the log book, Form 03/TCD) and the events that
//! settle a holder's intake: classification (phân loại), acceptance for resolution (thụ lý),
//! guidance to the competent body (hướng dẫn) and forwarding of the đơn to a body outside the
//! federation (chuyển đơn). A hand-over to another site is also a first handling; it belongs to
//! `hand_over`.

use super::transition::{ignore, misrouted, Outcome, Step};
use super::{CaseState, Disposition, Stage, StageStart, Status};
use crate::case::{CaseEvent, Direction, Identity, Kind, Reception};
use crate::sites::Registry;

impl CaseState {
    /// The genesis, written by the site that received the citizen. A refused visit, or one
    /// settled at the desk by guidance or forwarding, is settled from the start.
    pub(super) fn receive(&mut self, author: &str, reception: &Reception) -> Outcome {
        if self.reception.is_some() {
            return ignore("second reception", "the case already has its reception");
        }
        if !Registry::official().contains(author) {
            return ignore(
                "reception",
                format!("site {author:?} is not in the official list"),
            );
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
        let refused = reception
            .refusal
            .map(|r| format!(", refused ({})", r.article()))
            .unwrap_or_default();
        Ok(format!(
            "{} received at {} from {} person(s){refused}",
            reception.kind, author, reception.people_count
        ))
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
                    return ignore(name, "a denunciation's identity must be sealed: record it as a new reception with a sealed identity (Luật TC 2018 Art 47)");
                }
                if settled && Some(*kind) != self.kind {
                    return ignore(name, "the content type cannot change after acceptance");
                }
                self.kind = Some(*kind);
                self.complex = *complex;
                self.remote_area = *remote_area;
                if intake {
                    self.status = Status::Classified;
                }
                let mut s = format!("classified as {kind}");
                if *complex {
                    s.push_str(", complex");
                }
                if *remote_area {
                    s.push_str(", remote area");
                }
                Ok(s)
            }
            CaseEvent::Accepted { decision_no } => {
                if !intake {
                    return not_now();
                }
                self.settle_stage(Disposition::Accepted, on);
                self.accepted_on = Some(on);
                self.status = Status::Accepted;
                Ok(format!("accepted for resolution (decision {decision_no})"))
            }
            CaseEvent::Guided { to_body, .. } => {
                if !intake {
                    return not_now();
                }
                self.settle_stage(Disposition::Guided, on);
                self.status = Status::Guided;
                Ok(format!("citizen guided to {to_body}"))
            }
            CaseEvent::Forwarded { to_body, letter_no } => {
                if !intake {
                    return not_now();
                }
                self.settle_stage(Disposition::Forwarded, on);
                self.status = Status::Forwarded;
                Ok(format!("đơn forwarded to {to_body} (letter {letter_no})"))
            }
            _ => misrouted(name),
        }
    }
}
