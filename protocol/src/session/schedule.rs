//! The preparation timeline of an online session and its warnings (NĐ 154/2026 Art 23).
//!
//! Owns [`Timeline`] — when the notice, the test connection and the connection of every point
//! are due for a given start — and [`schedule_warnings`], which says what in that timeline was
//! missed as of `now`. It must not read the clock, and it only reports: scheduling an ad-hoc
//! session (đột xuất) less than five working days ahead is lawful for the software to record,
//! and the officer sees the warning.
//!
//! Counting follows the deadline engine ([`Calendar`]): "at least N working days before" the
//! start day means on or before the N-th working day before it, the start day not counted. The
//! one-hour rule is counted on the instant of the start.

use serde::Serialize;

use super::state::{Phase, SessionState};
use crate::case::date::VIETNAM_UTC_OFFSET_S;
use crate::case::{date_from_unix_ms, Calendar, Date};
use crate::sites::Registry;

/// The notice goes out at least this many working days before the start (Art 23(1)).
pub const NOTICE_WORKING_DAYS: u32 = 5;
/// A successful test connection at least this many working days before the start (Art 23(2)).
pub const TEST_WORKING_DAYS: u32 = 1;
/// Every point connected at least this long before the start (Art 23(3)), in milliseconds.
pub const CONNECT_BEFORE_MS: u64 = 3_600_000;

/// When each preparation step is due, for one start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Timeline {
    /// The start's date in Vietnam.
    pub starts_on: Date,
    /// Latest day to notify the citizen and the agencies.
    pub notice_due: Date,
    /// Latest day for each component point's successful test connection.
    pub test_due: Date,
    /// Latest instant, Unix milliseconds, for every component point to be connected.
    pub connect_due_ms: u64,
}

/// The timeline of a session starting at `starts_at_ms` (Unix milliseconds).
pub fn timeline(starts_at_ms: u64, calendar: &Calendar) -> Timeline {
    let starts_on = date_from_unix_ms(starts_at_ms);
    Timeline {
        starts_on,
        notice_due: calendar.sub_working_days(starts_on, NOTICE_WORKING_DAYS),
        test_due: calendar.sub_working_days(starts_on, TEST_WORKING_DAYS),
        connect_due_ms: starts_at_ms.saturating_sub(CONNECT_BEFORE_MS),
    }
}

/// A step of the preparation that was missed. Points are component bridge points: the central
/// point is the chair's own site, which the others test and connect with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "warning", rename_all = "snake_case")]
pub enum ScheduleWarning {
    /// The due day passed and no notice was recorded.
    NoticeMissing { due: Date },
    /// The notice went out after its due day.
    NoticeLate { due: Date, sent_on: Date },
    /// The due day passed without a successful test connection of `point`.
    TestMissing { point: String, due: Date },
    /// `point`'s first successful test came after its due day.
    TestLate {
        point: String,
        due: Date,
        tested_on: Date,
    },
    /// The due instant passed and `point` never connected.
    NotConnected { point: String, due_ms: u64 },
    /// `point` first connected after its due instant.
    ConnectedLate {
        point: String,
        due_ms: u64,
        connected_at_ms: u64,
    },
}

impl ScheduleWarning {
    /// The stable API name.
    pub fn as_str(&self) -> &'static str {
        match self {
            ScheduleWarning::NoticeMissing { .. } => "notice_missing",
            ScheduleWarning::NoticeLate { .. } => "notice_late",
            ScheduleWarning::TestMissing { .. } => "test_missing",
            ScheduleWarning::TestLate { .. } => "test_late",
            ScheduleWarning::NotConnected { .. } => "not_connected",
            ScheduleWarning::ConnectedLate { .. } => "connected_late",
        }
    }

    /// The sentence shown to the officer, with the point's official name and Vietnamese date
    /// and time formats.
    pub fn label_vi(&self) -> String {
        match self {
            ScheduleWarning::NoticeMissing { due } => format!(
                "Chưa gửi thông báo cho công dân và cơ quan liên quan: hạn chót ngày {} \
                 (ít nhất 05 ngày làm việc trước phiên tiếp)",
                date_vi(*due)
            ),
            ScheduleWarning::NoticeLate { due, sent_on } => format!(
                "Thông báo gửi muộn ngày {}: hạn chót ngày {} \
                 (ít nhất 05 ngày làm việc trước phiên tiếp)",
                date_vi(*sent_on),
                date_vi(*due)
            ),
            ScheduleWarning::TestMissing { point, due } => format!(
                "Điểm cầu {} chưa kết nối thử thành công: hạn chót ngày {} \
                 (ít nhất 01 ngày làm việc trước phiên tiếp)",
                point_vi(point),
                date_vi(*due)
            ),
            ScheduleWarning::TestLate {
                point,
                due,
                tested_on,
            } => format!(
                "Điểm cầu {} kết nối thử thành công muộn ngày {}: hạn chót ngày {}",
                point_vi(point),
                date_vi(*tested_on),
                date_vi(*due)
            ),
            ScheduleWarning::NotConnected { point, due_ms } => format!(
                "Điểm cầu {} chưa kết nối: phải kết nối trước {} \
                 (ít nhất 01 giờ trước phiên tiếp)",
                point_vi(point),
                time_vi(*due_ms)
            ),
            ScheduleWarning::ConnectedLate {
                point,
                due_ms,
                connected_at_ms,
            } => format!(
                "Điểm cầu {} kết nối muộn lúc {}: phải kết nối trước {}",
                point_vi(point),
                time_vi(*connected_at_ms),
                time_vi(*due_ms)
            ),
        }
    }
}

/// What in the preparation of `state`'s session was missed as of `now_ms` (Unix
/// milliseconds), in timeline order: the notice, then each component point's test, then each
/// one's connection, points in the order scheduled. A step still possible is not reported; a
/// step done late stays reported, as a record of the session. Nothing for a session not yet
/// scheduled or cancelled.
pub fn schedule_warnings(
    state: &SessionState,
    calendar: &Calendar,
    now_ms: u64,
) -> Vec<ScheduleWarning> {
    let mut out = Vec::new();
    let Some(schedule) = &state.schedule else {
        return out;
    };
    if state.phase == Phase::Cancelled {
        return out;
    }
    let t = timeline(schedule.starts_at_ms, calendar);
    let today = date_from_unix_ms(now_ms);

    match state.notice_sent_at_ms.map(date_from_unix_ms) {
        Some(sent_on) if sent_on > t.notice_due => out.push(ScheduleWarning::NoticeLate {
            due: t.notice_due,
            sent_on,
        }),
        None if today > t.notice_due => {
            out.push(ScheduleWarning::NoticeMissing { due: t.notice_due })
        }
        _ => {}
    }

    let points = || {
        schedule
            .points
            .iter()
            .filter_map(|p| state.points.get(p).map(|s| (p, s)))
    };
    for (point, status) in points() {
        match status.first_ok_test_at_ms.map(date_from_unix_ms) {
            Some(tested_on) if tested_on > t.test_due => out.push(ScheduleWarning::TestLate {
                point: point.clone(),
                due: t.test_due,
                tested_on,
            }),
            None if today > t.test_due => out.push(ScheduleWarning::TestMissing {
                point: point.clone(),
                due: t.test_due,
            }),
            _ => {}
        }
    }
    for (point, status) in points() {
        match status.first_connected_at_ms {
            Some(at) if at > t.connect_due_ms => out.push(ScheduleWarning::ConnectedLate {
                point: point.clone(),
                due_ms: t.connect_due_ms,
                connected_at_ms: at,
            }),
            None if now_ms > t.connect_due_ms => out.push(ScheduleWarning::NotConnected {
                point: point.clone(),
                due_ms: t.connect_due_ms,
            }),
            _ => {}
        }
    }
    out
}

/// Where one preparation step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    /// Done in time.
    Done,
    /// Done, after its due time.
    Late,
    /// Its due time passed and it was not done.
    Missed,
    /// Not done yet, still in time.
    Pending,
}

impl StepState {
    pub fn label_vi(self) -> &'static str {
        match self {
            StepState::Done => "Đã thực hiện đúng hạn",
            StepState::Late => "Đã thực hiện nhưng muộn",
            StepState::Missed => "Quá hạn, chưa thực hiện",
            StepState::Pending => "Chưa thực hiện, còn trong hạn",
        }
    }
}

/// One step of the Art 23 timeline, as the officer reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineStep {
    /// `notice`, `test` or `connect`.
    pub step: &'static str,
    /// The component point, for a test or a connection.
    pub point: Option<String>,
    /// What is to be done, with its rule, in Vietnamese.
    pub label: String,
    /// When it is due, in Vietnamese (`dd/mm/yyyy`, or `HH:MM ngày dd/mm/yyyy`).
    pub due: String,
    pub state: StepState,
    pub state_vi: &'static str,
    /// When it was done, Unix milliseconds.
    pub done_at_ms: Option<u64>,
}

/// The Art 23 timeline of `state`'s session as of `now_ms`: the notice, then each component
/// point's test connection, then each one's connection, with where each stands. It agrees
/// with [`schedule_warnings`]: a step is late or missed exactly when a warning reports it.
/// Empty for a session not scheduled or cancelled.
pub fn timeline_steps(state: &SessionState, calendar: &Calendar, now_ms: u64) -> Vec<TimelineStep> {
    let Some(schedule) = &state.schedule else {
        return Vec::new();
    };
    if state.phase == Phase::Cancelled {
        return Vec::new();
    }
    let t = timeline(schedule.starts_at_ms, calendar);
    let today = date_from_unix_ms(now_ms);
    let by_day = |done: Option<u64>, due: Date| match done {
        Some(at) if date_from_unix_ms(at) > due => StepState::Late,
        Some(_) => StepState::Done,
        None if today > due => StepState::Missed,
        None => StepState::Pending,
    };
    let step =
        |step, point: Option<&String>, label: String, due: String, state: StepState, done| {
            TimelineStep {
                step,
                point: point.cloned(),
                label,
                due,
                state,
                state_vi: state.label_vi(),
                done_at_ms: done,
            }
        };
    let mut out = vec![step(
        "notice",
        None,
        "Gửi thông báo cho công dân và cơ quan liên quan (ít nhất 05 ngày làm việc trước phiên tiếp, khoản 1 Điều 23)".into(),
        date_vi(t.notice_due),
        by_day(state.notice_sent_at_ms, t.notice_due),
        state.notice_sent_at_ms,
    )];
    let points = || {
        schedule
            .points
            .iter()
            .filter_map(|p| state.points.get(p).map(|s| (p, s)))
    };
    for (point, status) in points() {
        let done = status.first_ok_test_at_ms;
        out.push(step(
            "test",
            Some(point),
            format!(
                "Kết nối thử thành công với điểm cầu {} (ít nhất 01 ngày làm việc trước phiên tiếp, khoản 2 Điều 23)",
                point_vi(point)
            ),
            date_vi(t.test_due),
            by_day(done, t.test_due),
            done,
        ));
    }
    for (point, status) in points() {
        let done = status.first_connected_at_ms;
        let state = match done {
            Some(at) if at > t.connect_due_ms => StepState::Late,
            Some(_) => StepState::Done,
            None if now_ms > t.connect_due_ms => StepState::Missed,
            None => StepState::Pending,
        };
        out.push(step(
            "connect",
            Some(point),
            format!(
                "Điểm cầu {} kết nối vào phiên (ít nhất 01 giờ trước phiên tiếp, khoản 3 Điều 23)",
                point_vi(point)
            ),
            time_vi(t.connect_due_ms),
            state,
            done,
        ));
    }
    out
}

/// `dd/mm/yyyy`, as Vietnamese documents write dates.
fn date_vi(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year())
}

/// `HH:MM ngày dd/mm/yyyy` in Vietnam time.
fn time_vi(unix_ms: u64) -> String {
    // Vietnam has no daylight saving time: the offset is constant.
    let local_s = (unix_ms / 1000).saturating_add(VIETNAM_UTC_OFFSET_S.unsigned_abs());
    let minute_of_day = (local_s % 86_400) / 60;
    format!(
        "{:02}:{:02} ngày {}",
        minute_of_day / 60,
        minute_of_day % 60,
        date_vi(date_from_unix_ms(unix_ms))
    )
}

/// The point's official name and code, or the code alone if the registry does not know it.
fn point_vi(code: &str) -> String {
    match Registry::official().get(code) {
        Ok(site) => format!("{} ({code})", site.name),
        Err(_) => code.to_owned(),
    }
}
