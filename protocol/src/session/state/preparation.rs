//! Preparation: the schedule that opens a session, and getting its bridge points ready
//! (NĐ 154/2026 Art 23).
//!
//! Owns the genesis (`Scheduled`: title, chair's site, component points, start, cases), the
//! notice to the citizen and agencies, test connections and point connections. The first test
//! or connection moves the session to testing (`settle`).

use super::registers::{after, keep_earlier, keep_later, Mark};
use super::transition::misrouted;
use super::{AppliedEvent, PointStatus, Schedule, SessionState};
use crate::session::{SessionError, SessionEvent};

impl SessionState {
    /// The genesis: the session's first event, by the chair's site. It fixes the chair and the
    /// points, which every later authority check depends on.
    pub(super) fn apply_schedule(&mut self, ev: &AppliedEvent<'_>) -> Result<(), SessionError> {
        let SessionEvent::Scheduled {
            title,
            chair_site,
            points,
            starts_at_ms,
            case_ids,
            session_type,
            categories,
            ..
        } = ev.event
        else {
            return Err(misrouted(ev.event));
        };
        if !ev.parents.is_empty() {
            return Err(SessionError::NotGenesis);
        }
        self.check_schedule(ev.author, ev.event)?;
        self.points.insert(
            chair_site.clone(),
            PointStatus {
                central: true,
                ..PointStatus::default()
            },
        );
        for p in points {
            self.points.insert(p.clone(), PointStatus::default());
        }
        self.linked_cases.extend(case_ids.iter().cloned());
        for c in categories {
            self.keep_category(&c.case_id, c.category);
        }
        self.schedule = Some(Schedule {
            session_type: *session_type,
            title: title.clone(),
            chair_site: chair_site.clone(),
            points: points.clone(),
            starts_at_ms: *starts_at_ms,
            scheduled_at_ms: ev.at_ms,
        });
        Ok(())
    }

    /// The notice, test connections and point connections. Each keeps its earliest time stated
    /// (what the law asks is whether one happened in time); a point's connection is a
    /// last-writer-wins register.
    pub(super) fn apply_preparation(
        &mut self,
        event: &SessionEvent,
        mark: Mark,
    ) -> Result<(), SessionError> {
        match event {
            SessionEvent::Scheduled { .. } => return Err(SessionError::AlreadyScheduled),
            SessionEvent::NoticeSent { at_ms } => keep_earlier(&mut self.notice_sent_at_ms, *at_ms),
            SessionEvent::TestConnection { point, ok, at_ms } => {
                let p = self.point_mut(point);
                if *ok {
                    keep_earlier(&mut p.first_ok_test_at_ms, *at_ms);
                } else {
                    p.failed_tests = p.failed_tests.saturating_add(1);
                }
                self.tested = true;
            }
            SessionEvent::PointConnected { point, at_ms } => {
                let p = self.point_mut(point);
                keep_later(&mut p.connected_mark, mark);
                keep_earlier(&mut p.first_connected_at_ms, *at_ms);
                p.connected = after(p.connected_mark, p.disconnected_mark);
                self.tested = true;
            }
            SessionEvent::PointDisconnected { point, .. } => {
                let p = self.point_mut(point);
                keep_later(&mut p.disconnected_mark, mark);
                p.connected = after(p.connected_mark, p.disconnected_mark);
                self.tested = true;
            }
            _ => return Err(misrouted(event)),
        }
        Ok(())
    }

    /// The status of a point of the schedule (checked by `check_authority`).
    fn point_mut(&mut self, point: &str) -> &mut PointStatus {
        self.points.entry(point.to_owned()).or_default()
    }
}
