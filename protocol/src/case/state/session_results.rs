//! What an online session leaves on a case: the line of the log book for the hearing (NĐ
//! 154/2026 Art 27), and the tasks the session's Thông báo kết luận assigns (NĐ 154/2026 Art
//! 25) with the assigned sites' reports on them.
//!
//! Allowed in any status, like every annotation (a session may be about a closed case), and
//! only from the case's audience. A task goes only to a site of the audience, which can see
//! the case; a report only from the site the task went to, or a site above it.

use super::told::{Happened, Ignored};
use super::transition::{ignore, misrouted, Outcome, Step};
use super::{Assignment, CaseState, OnlineHearing};
use crate::case::CaseEvent;
use crate::sites::Registry;

impl CaseState {
    pub(super) fn apply_session_result(
        &mut self,
        event: &CaseEvent,
        step: &Step,
        author: &str,
    ) -> Outcome {
        let Step { name, on, .. } = *step;
        match event {
            CaseEvent::ReceivedOnline {
                session_id,
                date,
                session_type,
            } => {
                let known = self
                    .online_hearings
                    .iter()
                    .any(|h| h.session_id == *session_id && h.site == author);
                if !known {
                    self.online_hearings.push(OnlineHearing {
                        session_id: session_id.clone(),
                        site: author.to_owned(),
                        date: *date,
                        session_type: *session_type,
                    });
                }
                Ok(Happened::ReceivedOnline {
                    session_id: session_id.clone(),
                    date: *date,
                })
            }
            CaseEvent::Assigned {
                session_id,
                notice_no,
                to_site,
                task,
                due,
            } => {
                if !self.audience().contains(to_site) {
                    return ignore(Ignored::AssigneeOutsideAudience {
                        site: to_site.clone(),
                    });
                }
                self.assignments.push(Assignment {
                    session_id: session_id.clone(),
                    notice_no: notice_no.clone(),
                    to_site: to_site.clone(),
                    task: task.clone(),
                    due: *due,
                    given_on: on,
                    reported_on: None,
                });
                Ok(Happened::Assigned {
                    to_site: to_site.clone(),
                    notice_no: notice_no.clone(),
                    due: *due,
                })
            }
            CaseEvent::AssignmentReported { notice_no, .. } => {
                let registry = Registry::official();
                let mine = |a: &Assignment| {
                    a.notice_no == *notice_no
                        && (a.to_site == author || registry.ancestors(&a.to_site).contains(&author))
                };
                let Some(a) = self.assignments.iter_mut().find(|a| mine(a)) else {
                    return ignore(Ignored::NoSuchAssignment {
                        notice_no: notice_no.clone(),
                        site: author.to_owned(),
                    });
                };
                a.reported_on = Some(a.reported_on.map_or(on, |d| d.min(on)));
                Ok(Happened::AssignmentReported {
                    notice_no: notice_no.clone(),
                })
            }
            _ => misrouted(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{case, received};
    use crate::case::deadline::{deadlines, Calendar, DeadlineStatus};
    use crate::case::{parse_date, CaseEvent, Kind, SessionType};

    fn assigned(to: &str) -> CaseEvent {
        CaseEvent::Assigned {
            session_id: "s-1".into(),
            notice_no: "12/TB-UBND".into(),
            to_site: to.into(),
            task: "Kiểm tra, trả lời công dân".into(),
            due: parse_date("2026-09-04").unwrap(),
        }
    }

    fn reported() -> CaseEvent {
        CaseEvent::AssignmentReported {
            notice_no: "12/TB-UBND".into(),
            note: "Đã trả lời công dân".into(),
        }
    }

    #[test]
    fn a_conclusion_notice_assigns_tasks_that_become_deadlines_until_reported() {
        let heard = CaseEvent::ReceivedOnline {
            session_id: "s-1".into(),
            date: parse_date("2026-08-04").unwrap(),
            session_type: SessionType::Periodic,
        };
        let base = [
            (
                "00070",
                "2026-07-06",
                received(Kind::Complaint, "2026-07-06"),
            ),
            ("01", "2026-08-04", heard.clone()),
            // The same hearing twice is one line of the log book.
            ("01", "2026-08-04", heard),
            ("01", "2026-08-05", assigned("00070")),
            // A sibling commune never saw the case: no task for it.
            ("01", "2026-08-05", assigned("00073")),
        ];
        let s = case(&base);
        assert_eq!(s.online_hearings.len(), 1);
        assert_eq!(s.online_hearings[0].site, "01");
        assert_eq!(s.assignments.len(), 1, "{:#?}", s.history);
        assert!(s.history[4].ignored);
        let cal = Calendar::vietnam();
        let due = |s: &crate::case::CaseState| {
            deadlines(s, cal, parse_date("2026-09-07").unwrap())
                .into_iter()
                .find(|d| d.name == "assignment")
                .unwrap()
        };
        let d = due(&s);
        assert_eq!(d.due, parse_date("2026-09-04").unwrap());
        assert_eq!(d.status, DeadlineStatus::Overdue);

        // Only the assigned site (or one above it) reports on its task.
        let mut by_sibling = base.to_vec();
        by_sibling.push(("00073", "2026-08-20", reported()));
        let s = case(&by_sibling);
        assert!(s.history.last().unwrap().ignored);
        assert_eq!(due(&s).status, DeadlineStatus::Overdue);

        let mut done = base.to_vec();
        done.push(("00070", "2026-08-20", reported()));
        let s = case(&done);
        assert!(!s.history.last().unwrap().ignored, "{:#?}", s.history);
        assert_eq!(due(&s).status, DeadlineStatus::Met);
        assert_eq!(
            s.assignments[0].reported_on,
            Some(parse_date("2026-08-20").unwrap())
        );
    }
}
