//! Which steps a site may take on a case now: for pages that offer a dialog for each step the
//! case's state allows and only those.
//!
//! Pure: each step is tried, as a template event, on a copy of the state with
//! [`CaseState::refusal_of`], so the answer is exactly what the fold would do with the real
//! event (same status, kind, holder and count checks) and the two can never disagree. The
//! role check is the access matrix's. A template's free text never matters to the fold; where
//! a target matters (escalation, transfer, order), the nearest lawful target is tried, and the
//! real one is checked again when the step is taken.

use serde::Serialize;

use super::CaseState;
use crate::access::{allows, case_event_action, Role};
use crate::case::{date_from_unix_ms, CaseEvent, EscalationReason};
use crate::sites::Registry;

/// One step a page may offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenAct {
    /// The event's wire name (`accepted`, `escalated`, …), as `POST cases/{id}/events` takes it.
    pub act: &'static str,
    /// For an escalation: the reasons the state allows now.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<EscalationReason>,
}

impl CaseState {
    /// The steps `site`, signed in with `role` (none: any role), may take on the case at
    /// `at_ms`. Records the node writes by itself (recordings attached, identity views) are
    /// not steps and are never listed.
    pub fn open_acts(&self, site: &str, role: Option<Role>, at_ms: u64) -> Vec<OpenAct> {
        let registry = Registry::official();
        let text = || "-".to_owned();
        let today = date_from_unix_ms(at_ms);
        let parent = registry.parent(&self.current_site).map(str::to_owned);
        let mut templates = vec![
            CaseEvent::Classified {
                kind: self.kind.unwrap_or(crate::case::Kind::Complaint),
                complex: self.complex,
                remote_area: self.remote_area,
            },
            CaseEvent::Accepted {
                decision_no: text(),
            },
            CaseEvent::Guided {
                to_body: text(),
                letter_no: text(),
            },
            CaseEvent::Forwarded {
                to_body: text(),
                letter_no: text(),
            },
            CaseEvent::Extended {
                days: 30,
                reason: text(),
            },
            CaseEvent::Suspended { reason: text() },
            CaseEvent::Resumed,
            CaseEvent::Dialogue {
                date: today,
                note: text(),
            },
            CaseEvent::Decided { summary: text() },
            CaseEvent::Concluded { finding: text() },
            CaseEvent::Final,
            CaseEvent::Withdrawn {
                partial: false,
                note: text(),
            },
            CaseEvent::Closed { note: text() },
            CaseEvent::Note { text: text() },
            CaseEvent::CitizenNotified { letter_no: text() },
        ];
        // Any site but the holder may receive a transfer; the parent, or else any child.
        let elsewhere = parent
            .clone()
            .or_else(|| registry.children(&self.current_site).first().cloned());
        if let Some(to_site) = elsewhere {
            templates.push(CaseEvent::Transferred {
                to_site,
                letter_no: text(),
                rewrapped: None,
            });
        }
        if let Some(child) = registry.children(&self.current_site).first() {
            templates.push(CaseEvent::OrderedToResolve {
                subordinate_site: child.clone(),
            });
        }
        if self.passed_on_by(site) {
            templates.push(CaseEvent::ReplyReceived {
                from_body: text(),
                letter_no: text(),
                date: today,
            });
        }
        // A task a conclusion notice gave this site, not yet reported on.
        if let Some(a) = self
            .assignments
            .iter()
            .find(|a| a.to_site == site && a.reported_on.is_none())
        {
            templates.push(CaseEvent::AssignmentReported {
                notice_no: a.notice_no.clone(),
                note: text(),
            });
        }
        let mut open: Vec<OpenAct> = templates
            .iter()
            .filter(|ev| role.is_none_or(|r| allows(r, case_event_action(ev))))
            .filter(|ev| self.refusal_of(site, None, at_ms, ev).is_none())
            .map(|ev| OpenAct {
                act: ev.name(),
                reasons: Vec::new(),
            })
            .collect();
        if let Some(to_site) = parent {
            let reasons: Vec<EscalationReason> = [
                EscalationReason::SecondInstance,
                EscalationReason::RepeatDenunciation,
                EscalationReason::Overdue,
            ]
            .into_iter()
            .filter(|reason| {
                let ev = CaseEvent::Escalated {
                    to_site: to_site.clone(),
                    reason: *reason,
                    rewrapped: None,
                };
                role.is_none_or(|r| allows(r, case_event_action(&ev)))
                    && self.refusal_of(site, None, at_ms, &ev).is_none()
            })
            .collect();
            if !reasons.is_empty() {
                open.push(OpenAct {
                    act: "escalated",
                    reasons,
                });
            }
        }
        open
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{case, ms, received};
    use super::*;
    use crate::case::Kind;

    fn acts(s: &CaseState, site: &str, role: Option<Role>) -> Vec<&'static str> {
        let mut a: Vec<&'static str> = s
            .open_acts(site, role, ms("2026-08-03"))
            .into_iter()
            .map(|a| a.act)
            .collect();
        a.sort_unstable();
        a
    }

    fn accepted() -> CaseEvent {
        CaseEvent::Accepted {
            decision_no: "1/QĐ".into(),
        }
    }

    #[test]
    fn a_new_complaint_offers_the_first_handling_and_no_decision() {
        let s = case(&[(
            "00070",
            "2026-07-06",
            received(Kind::Complaint, "2026-07-06"),
        )]);
        let officer = acts(&s, "00070", Some(Role::Officer));
        for a in [
            "accepted",
            "guided",
            "forwarded",
            "transferred",
            "classified",
            "withdrawn",
            "closed",
            "note",
            "citizen_notified",
            "escalated",
        ] {
            assert!(officer.contains(&a), "{a} missing: {officer:?}");
        }
        for a in ["decided", "final", "resumed", "suspended", "dialogue"] {
            assert!(!officer.contains(&a), "{a} offered: {officer:?}");
        }
        // Fresh from the desk, only an overdue escalation is lawful (not a second complaint).
        let up = s.open_acts("00070", Some(Role::Officer), ms("2026-08-03"));
        let esc = up.iter().find(|a| a.act == "escalated").unwrap();
        assert_eq!(esc.reasons, vec![EscalationReason::Overdue]);
    }

    #[test]
    fn decisions_are_the_chairs_and_follow_the_status() {
        let s = case(&[
            (
                "00070",
                "2026-07-06",
                received(Kind::Complaint, "2026-07-06"),
            ),
            ("00070", "2026-07-07", accepted()),
        ]);
        let chair = acts(&s, "00070", Some(Role::Chair));
        for a in ["decided", "suspended"] {
            assert!(chair.contains(&a), "{a} missing: {chair:?}");
        }
        assert!(!chair.contains(&"accepted"), "{chair:?}");
        // A complaint is never extended (only a denunciation is).
        assert!(!chair.contains(&"extended"), "{chair:?}");
        let officer = acts(&s, "00070", Some(Role::Officer));
        assert!(officer.contains(&"dialogue"), "{officer:?}");
        assert!(!officer.contains(&"decided") && !officer.contains(&"suspended"));

        let decided = case(&[
            (
                "00070",
                "2026-07-06",
                received(Kind::Complaint, "2026-07-06"),
            ),
            ("00070", "2026-07-07", accepted()),
            (
                "00070",
                "2026-07-20",
                CaseEvent::Decided {
                    summary: "Bác đơn".into(),
                },
            ),
        ]);
        let up = decided.open_acts("00070", None, ms("2026-08-03"));
        let esc = up.iter().find(|a| a.act == "escalated").unwrap();
        assert_eq!(esc.reasons, vec![EscalationReason::SecondInstance]);
        assert!(up.iter().any(|a| a.act == "final"));
    }

    #[test]
    fn a_site_that_no_longer_holds_the_case_may_only_annotate() {
        let s = case(&[
            (
                "00070",
                "2026-07-06",
                received(Kind::Complaint, "2026-07-06"),
            ),
            (
                "00070",
                "2026-07-07",
                CaseEvent::Escalated {
                    to_site: "01".into(),
                    reason: EscalationReason::Overdue,
                    rewrapped: None,
                },
            ),
        ]);
        assert_eq!(acts(&s, "00070", None), ["citizen_notified", "note"]);
        assert!(acts(&s, "01", Some(Role::Officer)).contains(&"accepted"));
        let closed = case(&[
            (
                "00070",
                "2026-07-06",
                received(Kind::Complaint, "2026-07-06"),
            ),
            (
                "00070",
                "2026-07-07",
                CaseEvent::Closed { note: "-".into() },
            ),
        ]);
        assert_eq!(acts(&closed, "00070", None), ["citizen_notified", "note"]);
    }
}
