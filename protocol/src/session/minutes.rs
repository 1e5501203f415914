//! The written record of a session: the minutes (biên bản) and the Thông báo kết luận.
//!
//! Owns [`Minutes`] and [`ConclusionNotice`] — what `MinutesIssued` and `ConclusionIssued`
//! carry — with their bounds, and [`draft_minutes`], which drafts the minutes' facts from the
//! session's events: who took part at each point with their identity check, the timeline
//! (start, floor changes, points connected and lost, end) and the recordings sealed with their
//! signed index ids. The chair writes the text; the facts come from the signed events, so the
//! minutes cannot state a participant or a recording the session does not hold. Pure: the node
//! passes the events it holds, in the fold's order.
//!
//! Both are issued by the chair's site once the session has ended (NĐ 154/2026 Art 24–25); a
//! later issue replaces an earlier one (a corrected record), the later by mark winning in the
//! fold.

use serde::{Deserialize, Serialize};

use super::event::{IdentityCheck, Role, SessionEvent};
use super::state::SessionState;
use super::{
    check_count, check_line, check_site_code, SessionError, MAX_CASE_ID_BYTES, MAX_NAME_CHARS,
};
use crate::case::Date;

/// Longest text the chair writes in the minutes or the notice, in characters.
pub const MAX_RECORD_TEXT_CHARS: usize = 6_000;
/// Most participants a minutes lists (a crowd attends through its representatives, Art 22).
pub const MAX_MINUTES_PARTICIPANTS: usize = 64;
/// Most lines of a minutes' timeline.
pub const MAX_MINUTES_LINES: usize = 120;
/// Most recordings a minutes lists.
pub const MAX_MINUTES_RECORDINGS: usize = 32;
/// Most tasks one notice assigns.
pub const MAX_ASSIGNMENTS: usize = 32;
/// Longest document number (số biên bản, số thông báo).
pub const MAX_NUMBER_CHARS: usize = 64;

/// Someone who took part, as the minutes lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinutesParticipant {
    pub point: String,
    pub display_name: String,
    pub role: Role,
    pub identity_check: IdentityCheck,
}

/// What a line of the timeline says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MinutesMoment {
    Started,
    Ended,
    PointConnected,
    PointDisconnected,
    FloorGranted,
    FloorRevoked,
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinutesLine {
    pub at_ms: u64,
    pub moment: MinutesMoment,
    /// The point concerned (the chair's for the start and end).
    pub point: String,
    /// Who, for a floor change: the participant's display name.
    #[serde(default)]
    pub who: String,
}

/// A recording sealed during the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinutesRecording {
    pub site: String,
    /// The signed recording index's id (its BLAKE3 hash), which the case file keeps.
    #[serde(with = "serde_bytes")]
    pub index_id: [u8; 32],
}

/// The minutes (biên bản) of a session, as the chair issues them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Minutes {
    /// Số biên bản.
    pub number: String,
    /// What was said and agreed, in the chair's words.
    pub content: String,
    pub participants: Vec<MinutesParticipant>,
    pub timeline: Vec<MinutesLine>,
    pub recordings: Vec<MinutesRecording>,
}

/// A task the notice gives a site on one case of the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeTask {
    pub case_id: String,
    pub to_site: String,
    pub task: String,
    pub due: Date,
}

/// The Thông báo kết luận việc tiếp công dân (NĐ 154/2026 Art 25): the chair's conclusions,
/// sent to the bodies concerned, with the tasks it assigns and their deadlines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConclusionNotice {
    /// Số thông báo.
    pub number: String,
    pub content: String,
    pub tasks: Vec<NoticeTask>,
}

fn check_text(field: &'static str, s: &str, max: usize) -> Result<(), SessionError> {
    let found = s.chars().count();
    if found > max {
        return Err(SessionError::TooLong { field, found, max });
    }
    if s.trim().is_empty() {
        return Err(SessionError::Missing { field });
    }
    // Lines and tabs are the text's own; other control characters are not.
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(SessionError::NotSingleLine { field });
    }
    Ok(())
}

impl Minutes {
    pub fn validate(&self) -> Result<(), SessionError> {
        check_line("minutes number", &self.number, MAX_NUMBER_CHARS, true)?;
        check_text("minutes text", &self.content, MAX_RECORD_TEXT_CHARS)?;
        check_count(
            "participants in the minutes",
            self.participants.len(),
            MAX_MINUTES_PARTICIPANTS,
        )?;
        check_count("timeline lines", self.timeline.len(), MAX_MINUTES_LINES)?;
        check_count(
            "recordings in the minutes",
            self.recordings.len(),
            MAX_MINUTES_RECORDINGS,
        )?;
        for p in &self.participants {
            check_site_code(&p.point)?;
            check_line("participant name", &p.display_name, MAX_NAME_CHARS, true)?;
            check_line(
                "officer who checked the identity",
                &p.identity_check.checked_by,
                MAX_NAME_CHARS,
                false,
            )?;
        }
        for l in &self.timeline {
            check_site_code(&l.point)?;
            check_line("participant name", &l.who, MAX_NAME_CHARS, false)?;
        }
        for r in &self.recordings {
            check_site_code(&r.site)?;
        }
        Ok(())
    }
}

impl ConclusionNotice {
    pub fn validate(&self) -> Result<(), SessionError> {
        check_line("notice number", &self.number, MAX_NUMBER_CHARS, true)?;
        check_text("notice text", &self.content, MAX_RECORD_TEXT_CHARS)?;
        check_count("tasks", self.tasks.len(), MAX_ASSIGNMENTS)?;
        for t in &self.tasks {
            check_line("case id", &t.case_id, MAX_CASE_ID_BYTES, true)?;
            check_site_code(&t.to_site)?;
            check_text("assigned task", &t.task, MAX_RECORD_TEXT_CHARS / 4)?;
        }
        Ok(())
    }

    /// Every task is on a case of the session.
    pub fn check_against(&self, state: &SessionState) -> Result<(), SessionError> {
        match self
            .tasks
            .iter()
            .find(|t| !state.linked_cases.contains(&t.case_id))
        {
            Some(t) => Err(SessionError::TaskOnUnlinkedCase(t.case_id.clone())),
            None => Ok(()),
        }
    }
}

/// The facts of the minutes drafted from the session (`state`, and its `events` with their
/// times, in the fold's order), with the chair's `number` and `content`: who was present at
/// each point, with their identity check (the latest join of each), the timeline, and the
/// recordings. Capped at the minutes' bounds (the first ones kept).
pub fn draft_minutes(
    state: &SessionState,
    events: &[&SessionEvent],
    number: String,
    content: String,
) -> Minutes {
    let chair = state
        .schedule
        .as_ref()
        .map(|s| s.chair_site.clone())
        .unwrap_or_default();
    let mut participants = Vec::new();
    for (point, people) in &state.participants {
        for p in people.values() {
            participants.push(MinutesParticipant {
                point: point.clone(),
                display_name: p.display_name.clone(),
                role: p.role,
                identity_check: p.identity_check.clone(),
            });
        }
    }
    participants.truncate(MAX_MINUTES_PARTICIPANTS);
    let name_of = |point: &str, id: &str| {
        state
            .participant(point, id)
            .map(|p| p.display_name.clone())
            .unwrap_or_else(|| id.to_owned())
    };
    let mut timeline = Vec::new();
    for ev in events {
        let line = |moment, at_ms: u64, point: &str, who: String| MinutesLine {
            at_ms,
            moment,
            point: point.to_owned(),
            who,
        };
        let l = match ev {
            SessionEvent::Started { at_ms } => {
                line(MinutesMoment::Started, *at_ms, &chair, String::new())
            }
            SessionEvent::Ended { at_ms } => {
                line(MinutesMoment::Ended, *at_ms, &chair, String::new())
            }
            SessionEvent::PointConnected { point, at_ms } => {
                line(MinutesMoment::PointConnected, *at_ms, point, String::new())
            }
            SessionEvent::PointDisconnected { point, at_ms } => line(
                MinutesMoment::PointDisconnected,
                *at_ms,
                point,
                String::new(),
            ),
            // Floor changes carry no time of their own: they are listed between the moments
            // around them, at the time of the last one.
            SessionEvent::FloorGranted {
                point,
                participant_id,
            } => line(
                MinutesMoment::FloorGranted,
                timeline.last().map_or(0, |l: &MinutesLine| l.at_ms),
                point,
                name_of(point, participant_id),
            ),
            SessionEvent::FloorRevoked {
                point,
                participant_id,
            } => line(
                MinutesMoment::FloorRevoked,
                timeline.last().map_or(0, |l: &MinutesLine| l.at_ms),
                point,
                name_of(point, participant_id),
            ),
            _ => continue,
        };
        if timeline.len() < MAX_MINUTES_LINES {
            timeline.push(l);
        }
    }
    let recordings = state
        .recordings
        .iter()
        .take(MAX_MINUTES_RECORDINGS)
        .map(|r| MinutesRecording {
            site: r.site.clone(),
            index_id: r.index_id,
        })
        .collect();
    Minutes {
        number,
        content,
        participants,
        timeline,
        recordings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::IdType;
    use crate::session::event::IdentityCheckResult;
    use crate::session::{AppliedEvent, Phase};

    fn ev(
        author: &'static str,
        n: u8,
        stamp: u64,
        event: SessionEvent,
    ) -> (u8, &'static str, u64, SessionEvent) {
        (n, author, stamp, event)
    }

    fn fold(events: &[(u8, &'static str, u64, SessionEvent)]) -> SessionState {
        SessionState::fold(
            "s-1",
            events.iter().map(|(n, author, stamp, event)| AppliedEvent {
                id: [*n; 32],
                parents: &[],
                author,
                at_ms: *stamp,
                event,
            }),
        )
    }

    fn schedule() -> SessionEvent {
        SessionEvent::Scheduled {
            session_id: "s-1".into(),
            title: "Tiếp công dân định kỳ".into(),
            chair_site: "01".into(),
            points: vec!["00070".into()],
            starts_at_ms: 1_780_000_000_000,
            case_ids: vec!["00070-2026-00001".into()],
            categories: Vec::new(),
            session_type: crate::case::SessionType::Periodic,
        }
    }

    fn joined() -> SessionEvent {
        SessionEvent::ParticipantJoined {
            point: "00070".into(),
            participant_id: "cd-1".into(),
            display_name: "Nguyễn Văn An".into(),
            role: Role::Citizen,
            identity_check: IdentityCheck {
                checked_by: "Trần Thị Bình".into(),
                document: IdType::Cccd,
                result: IdentityCheckResult::Verified,
            },
        }
    }

    #[test]
    fn the_minutes_are_drafted_from_the_session_and_issued_only_by_the_chair_after_the_end() {
        let events = vec![
            ev("01", 1, 1, schedule()),
            ev(
                "01",
                2,
                2,
                SessionEvent::Started {
                    at_ms: 1_780_000_100_000,
                },
            ),
            ev("00070", 3, 3, joined()),
            ev(
                "01",
                4,
                4,
                SessionEvent::FloorGranted {
                    point: "00070".into(),
                    participant_id: "cd-1".into(),
                },
            ),
            ev(
                "00070",
                5,
                5,
                SessionEvent::RecordingSealed {
                    site: "00070".into(),
                    index_id: [7; 32],
                },
            ),
            ev(
                "01",
                6,
                6,
                SessionEvent::Ended {
                    at_ms: 1_780_003_600_000,
                },
            ),
        ];
        let state = fold(&events);
        assert_eq!(state.phase, Phase::Ended);
        let list: Vec<&SessionEvent> = events.iter().map(|e| &e.3).collect();
        let m = draft_minutes(&state, &list, "01/BB".into(), "Công dân trình bày.".into());
        m.validate().unwrap();
        assert_eq!(m.participants.len(), 1);
        assert_eq!(m.participants[0].display_name, "Nguyễn Văn An");
        assert_eq!(
            m.participants[0].identity_check.result,
            IdentityCheckResult::Verified
        );
        let moments: Vec<MinutesMoment> = m.timeline.iter().map(|l| l.moment).collect();
        assert_eq!(
            moments,
            [
                MinutesMoment::Started,
                MinutesMoment::FloorGranted,
                MinutesMoment::Ended
            ]
        );
        assert_eq!(m.timeline[1].who, "Nguyễn Văn An");
        assert_eq!(m.recordings[0].index_id, [7; 32]);

        let issued = SessionEvent::MinutesIssued { minutes: m.clone() };
        // Only the chair's site issues, and only once the session is over.
        assert!(matches!(
            state.check("00070", &issued),
            Err(SessionError::NotTheChair { .. })
        ));
        state.check("01", &issued).unwrap();
        let live = fold(&events[..5]);
        assert!(live.check("01", &issued).is_err());

        // A corrected issue replaces the first, whatever order they fold in.
        let mut corrected = m.clone();
        corrected.content = "Công dân trình bày; Chủ tịch kết luận.".into();
        let mut with_both = events.clone();
        with_both.push(ev("01", 8, 8, issued.clone()));
        with_both.push(ev(
            "01",
            9,
            9,
            SessionEvent::MinutesIssued {
                minutes: corrected.clone(),
            },
        ));
        let a = fold(&with_both);
        with_both.swap(6, 7);
        let b = fold(&with_both);
        assert_eq!(a.minutes.as_ref().unwrap().content, corrected.content);
        assert_eq!(a.minutes, b.minutes);
    }

    #[test]
    fn the_notice_assigns_tasks_only_on_the_sessions_cases() {
        let events = vec![
            ev("01", 1, 1, schedule()),
            ev(
                "01",
                2,
                2,
                SessionEvent::Started {
                    at_ms: 1_780_000_100_000,
                },
            ),
            ev(
                "01",
                3,
                3,
                SessionEvent::Ended {
                    at_ms: 1_780_003_600_000,
                },
            ),
        ];
        let state = fold(&events);
        let task = |case_id: &str| NoticeTask {
            case_id: case_id.into(),
            to_site: "00070".into(),
            task: "Kiểm tra, trả lời công dân".into(),
            due: crate::case::parse_date("2026-09-04").unwrap(),
        };
        let notice = |tasks| SessionEvent::ConclusionIssued {
            notice: ConclusionNotice {
                number: "12/TB-UBND".into(),
                content: "Giao UBND xã kiểm tra.".into(),
                tasks,
            },
        };
        state
            .check("01", &notice(vec![task("00070-2026-00001")]))
            .unwrap();
        assert!(matches!(
            state.check("01", &notice(vec![task("00070-2026-00099")])),
            Err(SessionError::TaskOnUnlinkedCase(_))
        ));
        let blank = SessionEvent::ConclusionIssued {
            notice: ConclusionNotice {
                number: "12/TB-UBND".into(),
                content: "  ".into(),
                tasks: Vec::new(),
            },
        };
        assert!(matches!(
            blank.validate(),
            Err(SessionError::Missing { .. })
        ));
    }
}
