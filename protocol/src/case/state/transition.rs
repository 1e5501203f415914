//! One event's transition: the checks every event passes, then the phase that owns its kind.
//!
//! Owns [`CaseState::transition`] and what the phases share: the [`Outcome`] they return, the
//! [`Step`] they are given and the [`Phase`] of each event kind. Every event is checked here for
//! its shape, for a reception to exist (the genesis itself goes to `intake`), for who wrote it
//! (the holder or a site above it; for annotations, anyone in the audience) and against a
//! closed or refused case. Only then does its phase decide whether the current status allows
//! it.

use super::told::{Happened, Ignored};
use super::{AppliedEvent, CaseState, Status};
use crate::case::{date_from_unix_ms, CaseEvent, Date};
use crate::sites::Registry;

/// What a phase made of an event: its history line, or why it was ignored.
pub(super) type Outcome = Result<Happened, Ignored>;

pub(super) fn ignore(why: Ignored) -> Outcome {
    Err(why)
}

/// An event handed to a phase that does not own its kind. [`CaseState::transition`] never does
/// this; the phases answer with a value rather than a panic so the fold cannot panic.
pub(super) fn misrouted(name: &'static str) -> Outcome {
    ignore(Ignored::Misrouted { event: name })
}

/// The part of the procedure an event kind belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The reception and the holder's first handling (`intake`).
    Intake,
    /// Transfer, order to resolve, escalation (`hand_over`).
    HandOver,
    /// Everything after acceptance, to the close (`resolution`).
    Resolution,
    /// Records anyone in the audience may add, in any status (`annotation`).
    Annotation,
}

impl Phase {
    fn of(event: &CaseEvent) -> Phase {
        match event {
            CaseEvent::Received { .. }
            | CaseEvent::Classified { .. }
            | CaseEvent::Accepted { .. }
            | CaseEvent::Guided { .. }
            | CaseEvent::Forwarded { .. } => Phase::Intake,
            CaseEvent::Transferred { .. }
            | CaseEvent::OrderedToResolve { .. }
            | CaseEvent::Escalated { .. } => Phase::HandOver,
            CaseEvent::Extended { .. }
            | CaseEvent::Suspended { .. }
            | CaseEvent::Resumed
            | CaseEvent::Dialogue { .. }
            | CaseEvent::Decided { .. }
            | CaseEvent::Concluded { .. }
            | CaseEvent::Final
            | CaseEvent::Withdrawn { .. }
            | CaseEvent::Closed { .. } => Phase::Resolution,
            CaseEvent::Note { .. }
            | CaseEvent::RecordingAttached { .. }
            | CaseEvent::IdentityViewed { .. }
            | CaseEvent::CitizenNotified { .. }
            | CaseEvent::ReceivedOnline { .. }
            | CaseEvent::Assigned { .. }
            | CaseEvent::AssignmentReported { .. }
            | CaseEvent::ReplyReceived { .. } => Phase::Annotation,
        }
    }
}

/// What a phase is told about the event besides the event itself.
#[derive(Debug, Clone, Copy)]
pub(super) struct Step {
    /// The event's wire name: the summary of an ignored event.
    pub(super) name: &'static str,
    /// The event's date in Vietnam time.
    pub(super) on: Date,
    /// The case's status before the event.
    pub(super) status: Status,
    /// People on the reception (Form 03/TCD column 7).
    pub(super) people_count: u32,
}

impl Step {
    /// The case waits for the current holder's first handling.
    pub(super) fn intake(&self) -> bool {
        self.status.is_intake()
    }

    /// The event is allowed in some status, not in this one.
    pub(super) fn not_now(&self) -> Outcome {
        ignore(Ignored::NotNow {
            event: self.name,
            status: self.status,
        })
    }
}

impl CaseState {
    pub(super) fn transition(&mut self, ev: &AppliedEvent<'_>) -> Outcome {
        let event = ev.event;
        let name = event.name();
        let on = date_from_unix_ms(ev.at_ms);
        if let Err(e) = event.validate() {
            return ignore(Ignored::Invalid { error: e });
        }

        if let CaseEvent::Received { reception } = event {
            return self.receive(ev.author, reception);
        }
        let Some(reception) = &self.reception else {
            return ignore(Ignored::NoReception);
        };
        let people_count = reception.people_count;

        let phase = Phase::of(event);
        let always = phase == Phase::Annotation;
        if always {
            if !self.audience().contains(ev.author) {
                return ignore(Ignored::OutsideAudience {
                    site: ev.author.to_owned(),
                });
            }
        } else if !self.may_act(ev.author) {
            return ignore(Ignored::NotHolder {
                site: ev.author.to_owned(),
                holder: self.current_site.clone(),
            });
        }

        let status = self.status;
        if status == Status::Closed && !always {
            return ignore(Ignored::Closed);
        }
        if status == Status::Refused && !always && !matches!(event, CaseEvent::Closed { .. }) {
            return ignore(Ignored::Refused);
        }

        let step = Step {
            name,
            on,
            status,
            people_count,
        };
        match phase {
            Phase::Intake => self.apply_intake(event, &step),
            Phase::HandOver => self.apply_hand_over(event, &step),
            Phase::Resolution => self.apply_resolution(event, &step),
            Phase::Annotation => self.apply_annotation(event, &step, ev.author),
        }
    }

    /// The holder, or a site above it, acts on the case.
    fn may_act(&self, author: &str) -> bool {
        author == self.current_site
            || Registry::official()
                .ancestors(&self.current_site)
                .contains(&author)
    }
}
