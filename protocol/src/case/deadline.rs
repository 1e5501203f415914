//! The legal deadline engine and the Vietnamese working-day calendar.
//!
//! Owns:
//! - [`Calendar`]: working days (Monday–Friday, minus public holidays, plus official make-up
//!   Saturdays) from the embedded `data/holidays-vn.csv` (sources in `data/SOURCE.md`);
//! - [`Period`]: every statutory time limit of DOMAIN.md §7 as a named constant with its
//!   citation, and how its end is counted;
//! - [`deadlines`] / [`alarms`]: the limits that apply to one case now, given its kind, status,
//!   instance, complexity and remote-area flags, extensions and suspensions.
//!
//! It must not read the clock: `today` is a parameter. Counting rules:
//! - The day of the triggering event is not counted (Bộ luật Dân sự 2015 Art 147(2)): a limit of
//!   N working days ends on the N-th working day after it.
//! - A limit in calendar days ends N days after the event; when that day is a weekend day or a
//!   holiday, it ends on the next working day (Bộ luật Dân sự 2015 Art 148(5)).
//! - A notice due "at least N days before" an event is due by the N-th working day (or the N-th
//!   calendar day, moved back to a working day) before it.
//! - Beyond the years the calendar file covers, only Saturdays and Sundays are days off, so a
//!   computed due date can only come early, never late.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde::Serialize;

use super::state::{Disposition, Stage, StageStart};
use super::{parse_date, CaseError, CaseState, Date, Direction, EscalationReason, Kind, Status};

/// The embedded holiday list (see `data/SOURCE.md`).
const HOLIDAYS_CSV: &str = include_str!("../../data/holidays-vn.csv");

/// A deadline is "near" when it falls within this many working days of today.
pub const NEAR_WORKING_DAYS: u32 = 2;

/// The day NĐ 154/2026, NĐ 155/2026 and NĐ 156/2026 took effect (DOMAIN §0).
pub const DECREES_2026_IN_FORCE: &str = "2026-07-01";

/// Most rows a holiday calendar may have.
pub const MAX_CALENDAR_ROWS: usize = 10_000;

// ---------------------------------------------------------------------------------------------
// Calendar
// ---------------------------------------------------------------------------------------------

/// Working days of state bodies in Vietnam.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// Weekdays off (holidays, compensatory and swapped days), with their names.
    off: BTreeMap<Date, String>,
    /// Saturdays or Sundays worked to make up a swapped day (làm bù).
    make_up: BTreeSet<Date>,
    /// First and last year the list covers.
    years: Option<(i32, i32)>,
}

impl Calendar {
    /// The Vietnamese calendar for 2025–2027, compiled in. Parsed once.
    pub fn vietnam() -> &'static Calendar {
        static CALENDAR: OnceLock<Calendar> = OnceLock::new();
        CALENDAR.get_or_init(|| {
            // The embedded file is part of the build and is parsed by a test: a failure here is
            // a packaging bug.
            Calendar::parse(HOLIDAYS_CSV).expect("embedded holidays-vn.csv is valid")
        })
    }

    /// A calendar without holidays: Monday to Friday are working days.
    pub fn weekends_only() -> Calendar {
        Calendar {
            off: BTreeMap::new(),
            make_up: BTreeSet::new(),
            years: None,
        }
    }

    /// Parses a calendar with header `date,kind,name,source`: `kind` is `off` for a weekday off
    /// or `work` for a weekend day worked; the source (last column) may contain commas.
    pub fn parse(csv: &str) -> Result<Calendar, CaseError> {
        let mut cal = Calendar::weekends_only();
        let err = |line: usize, message: String| CaseError::CalendarLine { line, message };
        let mut lines = csv.lines().enumerate();
        match lines.next() {
            Some((_, header)) if header.trim() == "date,kind,name,source" => {}
            _ => return Err(err(1, "the header must be date,kind,name,source".into())),
        }
        let mut rows = 0usize;
        for (i, line) in lines {
            let line_no = i + 1;
            if line.trim().is_empty() {
                continue;
            }
            rows += 1;
            if rows > MAX_CALENDAR_ROWS {
                return Err(err(line_no, format!("more than {MAX_CALENDAR_ROWS} rows")));
            }
            let cols: Vec<&str> = line.splitn(4, ',').collect();
            let [date, kind, name, source] = cols[..] else {
                return Err(err(
                    line_no,
                    "expected 4 columns: date,kind,name,source".into(),
                ));
            };
            let date = parse_date(date).map_err(|e| err(line_no, e.to_string()))?;
            if name.trim().is_empty() || source.trim().is_empty() {
                return Err(err(line_no, "name and source are required".into()));
            }
            if cal.off.contains_key(&date) || cal.make_up.contains(&date) {
                return Err(err(line_no, format!("{date} is listed twice")));
            }
            match kind {
                "off" if !date.is_weekend() => {
                    cal.off.insert(date, name.to_owned());
                }
                "work" if date.is_weekend() => {
                    cal.make_up.insert(date);
                }
                "off" => return Err(err(line_no, format!("{date} is already a weekend day"))),
                "work" => return Err(err(line_no, format!("{date} is already a working day"))),
                other => return Err(err(line_no, format!("kind {other:?} must be off or work"))),
            }
            let y = date.year();
            cal.years = Some(cal.years.map_or((y, y), |(a, b)| (a.min(y), b.max(y))));
        }
        Ok(cal)
    }

    /// True when the list has the holidays of `year`.
    pub fn covers(&self, year: i32) -> bool {
        self.years.is_some_and(|(a, b)| (a..=b).contains(&year))
    }

    /// The name of the holiday or swapped day off on `date`, if any.
    pub fn holiday(&self, date: Date) -> Option<&str> {
        self.off.get(&date).map(String::as_str)
    }

    /// Monday to Friday, not a day off; or a make-up Saturday/Sunday.
    pub fn is_working_day(&self, date: Date) -> bool {
        if date.is_weekend() {
            self.make_up.contains(&date)
        } else {
            !self.off.contains_key(&date)
        }
    }

    /// `date` itself if it is a working day, else the next working day.
    pub fn next_working_day(&self, date: Date) -> Date {
        let mut d = date;
        while !self.is_working_day(d) && d < Date::MAX {
            d = d.next();
        }
        d
    }

    /// `date` itself if it is a working day, else the previous working day.
    pub fn previous_working_day(&self, date: Date) -> Date {
        let mut d = date;
        while !self.is_working_day(d) && d > Date::MIN {
            d = d.previous();
        }
        d
    }

    /// The `n`-th working day after `start` (the day of `start` is not counted). `n = 0` gives
    /// `start`. Saturates at [`Date::MAX`].
    pub fn add_working_days(&self, start: Date, n: u32) -> Date {
        let mut d = start;
        let mut left = n;
        while left > 0 && d < Date::MAX {
            d = d.next();
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// The `n`-th working day before `end` (the day of `end` is not counted): the latest day to
    /// give a notice due "at least `n` working days before" `end`. Saturates at [`Date::MIN`].
    pub fn sub_working_days(&self, end: Date, n: u32) -> Date {
        let mut d = end;
        let mut left = n;
        while left > 0 && d > Date::MIN {
            d = d.previous();
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// `n` calendar days after `start`, holidays or not.
    pub fn add_calendar_days(&self, start: Date, n: u32) -> Date {
        start.add_days(i64::from(n))
    }

    /// The end of a limit of `n` calendar days from `start`: `n` days later, moved to the next
    /// working day if that is a day off (Bộ luật Dân sự 2015 Art 148(5)).
    pub fn calendar_period_end(&self, start: Date, n: u32) -> Date {
        self.next_working_day(self.add_calendar_days(start, n))
    }

    /// Working days `d` with `from < d <= to`; 0 when `to <= from`.
    pub fn working_days_between(&self, from: Date, to: Date) -> u32 {
        let mut count = 0u32;
        let mut d = from;
        while d < to {
            d = d.next();
            if self.is_working_day(d) {
                count += 1;
            }
        }
        count
    }
}

/// [`Calendar::add_working_days`] on the official Vietnamese calendar.
pub fn add_working_days(start: Date, n: u32) -> Date {
    Calendar::vietnam().add_working_days(start, n)
}

/// [`Calendar::add_calendar_days`]: `n` days after `start`, holidays or not.
pub fn add_calendar_days(start: Date, n: u32) -> Date {
    Calendar::vietnam().add_calendar_days(start, n)
}

/// [`Calendar::working_days_between`] on the official Vietnamese calendar.
pub fn working_days_between(from: Date, to: Date) -> u32 {
    Calendar::vietnam().working_days_between(from, to)
}

// ---------------------------------------------------------------------------------------------
// Statutory periods (DOMAIN.md §7)
// ---------------------------------------------------------------------------------------------

/// How a period is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Span {
    WorkingDays(u32),
    CalendarDays(u32),
}

/// A statutory time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    /// Stable id, shared by the variants of one limit (e.g. complex and simple).
    pub name: &'static str,
    /// Vietnamese label for the UI.
    pub label_vi: &'static str,
    pub span: Span,
    /// The article that sets it.
    pub basis: &'static str,
    /// True for "at least N days before" an event; false for "within N days after".
    pub counts_back: bool,
}

impl Period {
    /// The date the limit ends: after `anchor` for a forward limit, the latest day before
    /// `anchor` for a "before" one.
    pub fn due(&self, cal: &Calendar, anchor: Date) -> Date {
        match (self.span, self.counts_back) {
            (Span::WorkingDays(n), false) => cal.add_working_days(anchor, n),
            (Span::CalendarDays(n), false) => cal.calendar_period_end(anchor, n),
            (Span::WorkingDays(n), true) => cal.sub_working_days(anchor, n),
            (Span::CalendarDays(n), true) => {
                cal.previous_working_day(anchor.add_days(-i64::from(n)))
            }
        }
    }
}

const fn after(
    name: &'static str,
    label_vi: &'static str,
    span: Span,
    basis: &'static str,
) -> Period {
    Period {
        name,
        label_vi,
        span,
        basis,
        counts_back: false,
    }
}

const fn before(
    name: &'static str,
    label_vi: &'static str,
    span: Span,
    basis: &'static str,
) -> Period {
    Period {
        name,
        label_vi,
        span,
        basis,
        counts_back: true,
    }
}

use Span::{CalendarDays as Cd, WorkingDays as Wd};

/// Result notice to the citizen: 10 working days from reception.
pub const NOTIFY_CITIZEN: Period = after(
    "notify_citizen",
    "Thông báo kết quả xử lý cho công dân",
    Wd(10),
    "Luật TCD 2013 Art 28(1)",
);
/// Written refusal notice (Form 01/TCD): 3 working days.
pub const REFUSAL_NOTICE: Period = after(
    "refusal_notice",
    "Thông báo từ chối tiếp công dân (Mẫu 01/TCD)",
    Wd(3),
    "NĐ 154/2026 Art 4(3)",
);
/// A body that resolved a matter transferred by a Ban TCD, NA body or deputy informs the sender.
pub const TRANSFER_BACK_NOTICE: Period = after(
    "transfer_back_notice",
    "Thông báo kết quả cho cơ quan đã chuyển đơn",
    Wd(7),
    "Luật TCD 2013 Art 27(2)",
);
/// The Ban TCD or deputy informs the citizen of that result, if asked.
pub const CITIZEN_RESULT_NOTICE: Period = after(
    "citizen_result_notice",
    "Thông báo kết quả cho công dân (khi có yêu cầu)",
    Wd(5),
    "Luật TCD 2013 Art 28(2)",
);
/// Unprocessed đơn: dismissal-level discipline after 45 days.
pub const UNPROCESSED_45_DAYS: Period = after(
    "unprocessed_45_days",
    "Ngưỡng 45 ngày chưa xử lý đơn (xử lý kỷ luật)",
    Cd(45),
    "NĐ 154/2026 Art 41",
);
/// Head's reception schedule posted before the session.
pub const SCHEDULE_POSTING: Period = before(
    "schedule_posting",
    "Niêm yết lịch tiếp công dân",
    Wd(5),
    "Luật TCD 2013 Art 24",
);
/// Online session: notice to citizen and agencies.
pub const ONLINE_SESSION_NOTICE: Period = before(
    "online_session_notice",
    "Thông báo tiếp công dân trực tuyến",
    Wd(5),
    "NĐ 154/2026 Art 23",
);
/// Online session: successful test connection.
pub const ONLINE_TEST_CONNECTION: Period = before(
    "online_test_connection",
    "Kết nối thử điểm cầu",
    Wd(1),
    "NĐ 154/2026 Art 23",
);
/// Ad-hoc data request of the Government Inspectorate to the national database.
pub const NATIONAL_DB_AD_HOC: Period = after(
    "national_db_ad_hoc",
    "Cập nhật CSDL quốc gia theo yêu cầu đột xuất",
    Cd(15),
    "NĐ 55/2022 Art 8",
);

/// Limitation period of a complaint (thời hiệu khiếu nại).
pub const COMPLAINT_LIMITATION: Period = after(
    "complaint_limitation",
    "Thời hiệu khiếu nại",
    Cd(90),
    "Luật KN 2011 Art 9",
);
/// Limitation of a first complaint against a disciplinary decision.
pub const DISCIPLINE_COMPLAINT_FIRST: Period = after(
    "discipline_complaint_limitation",
    "Thời hiệu khiếu nại quyết định kỷ luật lần đầu",
    Cd(15),
    "Luật KN 2011 Arts 48-50",
);
/// Limitation of a second complaint against a disciplinary decision.
pub const DISCIPLINE_COMPLAINT_SECOND: Period = after(
    "discipline_complaint_limitation",
    "Thời hiệu khiếu nại quyết định kỷ luật lần hai",
    Cd(10),
    "Luật KN 2011 Arts 48-50",
);
/// ... against a dismissal (buộc thôi việc).
pub const DISCIPLINE_COMPLAINT_DISMISSAL: Period = after(
    "discipline_complaint_limitation",
    "Thời hiệu khiếu nại quyết định buộc thôi việc lần hai",
    Cd(30),
    "Luật KN 2011 Arts 48-50",
);
/// Acceptance of a first complaint before 1/7/2026.
pub const COMPLAINT_ACCEPTANCE_FIRST_2011: Period = after(
    "complaint_acceptance",
    "Thụ lý giải quyết khiếu nại",
    Cd(10),
    "Luật KN 2011 Art 27",
);
/// Acceptance of a second complaint before 1/7/2026.
pub const COMPLAINT_ACCEPTANCE_SECOND_2011: Period = after(
    "complaint_acceptance",
    "Thụ lý giải quyết khiếu nại lần hai",
    Cd(10),
    "Luật KN 2011 Art 36",
);
/// Acceptance of a complaint from 1/7/2026.
pub const COMPLAINT_ACCEPTANCE_2026: Period = after(
    "complaint_acceptance",
    "Thụ lý giải quyết khiếu nại",
    Wd(7),
    "NĐ 124/2020 Art 16(1) as amended by NĐ 155/2026 Art 10",
);
pub const COMPLAINT_FIRST: Period = after(
    "complaint_resolution",
    "Giải quyết khiếu nại lần đầu",
    Cd(30),
    "Luật KN 2011 Art 28",
);
pub const COMPLAINT_FIRST_COMPLEX: Period = after(
    "complaint_resolution",
    "Giải quyết khiếu nại lần đầu (vụ việc phức tạp)",
    Cd(45),
    "Luật KN 2011 Art 28",
);
pub const COMPLAINT_FIRST_REMOTE: Period = after(
    "complaint_resolution",
    "Giải quyết khiếu nại lần đầu (vùng sâu, vùng xa)",
    Cd(45),
    "Luật KN 2011 Art 28",
);
pub const COMPLAINT_FIRST_REMOTE_COMPLEX: Period = after(
    "complaint_resolution",
    "Giải quyết khiếu nại lần đầu (vùng sâu, vùng xa, phức tạp)",
    Cd(60),
    "Luật KN 2011 Art 28",
);
pub const COMPLAINT_SECOND: Period = after(
    "complaint_resolution",
    "Giải quyết khiếu nại lần hai",
    Cd(45),
    "Luật KN 2011 Art 37",
);
pub const COMPLAINT_SECOND_COMPLEX: Period = after(
    "complaint_resolution",
    "Giải quyết khiếu nại lần hai (vụ việc phức tạp)",
    Cd(60),
    "Luật KN 2011 Art 37",
);
pub const COMPLAINT_SECOND_REMOTE: Period = after(
    "complaint_resolution",
    "Giải quyết khiếu nại lần hai (vùng sâu, vùng xa)",
    Cd(60),
    "Luật KN 2011 Art 37",
);
pub const COMPLAINT_SECOND_REMOTE_COMPLEX: Period = after(
    "complaint_resolution",
    "Giải quyết khiếu nại lần hai (vùng sâu, vùng xa, phức tạp)",
    Cd(70),
    "Luật KN 2011 Art 37",
);
/// Window for the second complaint (or a lawsuit) after the first decision.
pub const COMPLAINT_APPEAL_WINDOW: Period = after(
    "complaint_appeal_window",
    "Thời hạn khiếu nại lần hai",
    Cd(30),
    "Luật KN 2011 Art 33",
);
pub const COMPLAINT_APPEAL_WINDOW_REMOTE: Period = after(
    "complaint_appeal_window",
    "Thời hạn khiếu nại lần hai (vùng sâu, vùng xa)",
    Cd(45),
    "Luật KN 2011 Art 33",
);
/// A decision takes legal effect.
pub const COMPLAINT_DECISION_FINAL: Period = after(
    "complaint_decision_final",
    "Quyết định giải quyết khiếu nại có hiệu lực pháp luật",
    Cd(30),
    "Luật KN 2011 Art 44",
);
pub const COMPLAINT_DECISION_FINAL_REMOTE: Period = after(
    "complaint_decision_final",
    "Quyết định giải quyết khiếu nại có hiệu lực pháp luật (vùng sâu, vùng xa)",
    Cd(45),
    "Luật KN 2011 Art 44",
);
/// Written notice of a dialogue.
pub const DIALOGUE_NOTICE: Period = before(
    "dialogue_notice",
    "Thông báo đối thoại",
    Cd(5),
    "NĐ 124/2020 as amended by NĐ 155/2026 (dialogue)",
);
/// Dispatch of a complaint's suspension decision (Mẫu 14a).
pub const COMPLAINT_SUSPENSION_NOTICE: Period = after(
    "suspension_notice",
    "Gửi quyết định tạm đình chỉ giải quyết khiếu nại",
    Wd(3),
    "NĐ 124/2020 Arts 28a-28b as amended by NĐ 155/2026",
);
/// Dispatch of a complaint's termination decision (đình chỉ) after withdrawal.
pub const COMPLAINT_TERMINATION_NOTICE: Period = after(
    "termination_notice",
    "Gửi quyết định đình chỉ giải quyết khiếu nại",
    Wd(3),
    "NĐ 124/2020 Arts 28a-28b as amended by NĐ 155/2026",
);

/// Initial processing of a denunciation.
pub const DENUNCIATION_INITIAL: Period = after(
    "denunciation_initial",
    "Xử lý ban đầu thông tin tố cáo",
    Wd(7),
    "Luật TC 2018 Art 24(1)",
);
/// ... when verification is needed at several places.
pub const DENUNCIATION_INITIAL_COMPLEX: Period = after(
    "denunciation_initial",
    "Xử lý ban đầu thông tin tố cáo (xác minh nhiều nơi)",
    Wd(10),
    "Luật TC 2018 Art 24(1)",
);
/// Transfer of a denunciation outside the holder's competence.
pub const DENUNCIATION_TRANSFER: Period = after(
    "denunciation_transfer",
    "Chuyển đơn tố cáo không thuộc thẩm quyền",
    Wd(5),
    "Luật TC 2018 Art 24(2)",
);
/// Notice of acceptance to the denouncer and the denounced person.
pub const DENUNCIATION_ACCEPTANCE_NOTICE: Period = after(
    "denunciation_acceptance_notice",
    "Thông báo thụ lý tố cáo",
    Wd(5),
    "Luật TC 2018 Art 29",
);
/// Resolution of a denunciation (each extension ≤ 30 days, at most two).
pub const DENUNCIATION_RESOLUTION: Period = after(
    "denunciation_resolution",
    "Giải quyết tố cáo",
    Cd(30),
    "Luật TC 2018 Art 30",
);
/// Dispatch of the conclusion.
pub const DENUNCIATION_CONCLUSION_NOTICE: Period = after(
    "denunciation_conclusion_notice",
    "Gửi kết luận nội dung tố cáo",
    Wd(5),
    "Luật TC 2018 Art 35",
);
/// Dispatch of a denunciation's suspension decision.
pub const DENUNCIATION_SUSPENSION_NOTICE: Period = after(
    "suspension_notice",
    "Gửi quyết định tạm đình chỉ giải quyết tố cáo",
    Wd(5),
    "Luật TC 2018 Art 34",
);
/// Dispatch of a denunciation's termination decision.
pub const DENUNCIATION_TERMINATION_NOTICE: Period = after(
    "termination_notice",
    "Gửi quyết định đình chỉ giải quyết tố cáo",
    Wd(5),
    "Luật TC 2018 Art 34",
);
/// Review of the earlier file on a repeat denunciation (tố cáo tiếp).
pub const REPEAT_DENUNCIATION_REVIEW: Period = after(
    "repeat_denunciation_review",
    "Xem xét hồ sơ tố cáo tiếp",
    Cd(20),
    "Luật TC 2018 Art 37",
);
/// The superior requires a report on an overdue denunciation.
pub const OVERDUE_REPORT_REQUEST: Period = after(
    "overdue_report_request",
    "Yêu cầu báo cáo việc giải quyết tố cáo quá hạn",
    Wd(5),
    "Luật TC 2018 Art 38",
);
/// The subordinate reports on the overdue denunciation.
pub const OVERDUE_REPORT: Period = after(
    "overdue_report",
    "Báo cáo việc giải quyết tố cáo quá hạn",
    Wd(5),
    "Luật TC 2018 Art 38",
);

/// The acceptance limit for a complaint received by its holder on `received`: 7 working days
/// from 1/7/2026 (NĐ 155/2026), 10 days before.
pub fn complaint_acceptance_period(received: Date, second_instance: bool) -> &'static Period {
    let in_force = parse_date(DECREES_2026_IN_FORCE).unwrap_or(Date::MAX);
    match (received >= in_force, second_instance) {
        (true, _) => &COMPLAINT_ACCEPTANCE_2026,
        (false, false) => &COMPLAINT_ACCEPTANCE_FIRST_2011,
        (false, true) => &COMPLAINT_ACCEPTANCE_SECOND_2011,
    }
}

/// The resolution limit of a complaint (Luật KN 2011 Arts 28, 37).
pub fn complaint_resolution_period(
    instance: u8,
    complex: bool,
    remote_area: bool,
) -> &'static Period {
    match (instance >= 2, remote_area, complex) {
        (false, false, false) => &COMPLAINT_FIRST,
        (false, false, true) => &COMPLAINT_FIRST_COMPLEX,
        (false, true, false) => &COMPLAINT_FIRST_REMOTE,
        (false, true, true) => &COMPLAINT_FIRST_REMOTE_COMPLEX,
        (true, false, false) => &COMPLAINT_SECOND,
        (true, false, true) => &COMPLAINT_SECOND_COMPLEX,
        (true, true, false) => &COMPLAINT_SECOND_REMOTE,
        (true, true, true) => &COMPLAINT_SECOND_REMOTE_COMPLEX,
    }
}

/// The window for a second complaint (Luật KN 2011 Art 33).
pub fn complaint_appeal_window(remote_area: bool) -> &'static Period {
    if remote_area {
        &COMPLAINT_APPEAL_WINDOW_REMOTE
    } else {
        &COMPLAINT_APPEAL_WINDOW
    }
}

/// When a complaint decision takes legal effect (Luật KN 2011 Art 44).
pub fn complaint_decision_final(remote_area: bool) -> &'static Period {
    if remote_area {
        &COMPLAINT_DECISION_FINAL_REMOTE
    } else {
        &COMPLAINT_DECISION_FINAL
    }
}

/// Initial processing of a denunciation (Luật TC 2018 Art 24(1)).
pub fn denunciation_initial_period(complex: bool) -> &'static Period {
    if complex {
        &DENUNCIATION_INITIAL_COMPLEX
    } else {
        &DENUNCIATION_INITIAL
    }
}

// ---------------------------------------------------------------------------------------------
// Deadlines of one case
// ---------------------------------------------------------------------------------------------

/// Where a deadline stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineStatus {
    /// Not yet satisfied, more than [`NEAR_WORKING_DAYS`] working days away.
    Pending,
    /// Not yet satisfied, due within [`NEAR_WORKING_DAYS`] working days (or today).
    Near,
    /// Not satisfied and past its due date.
    Overdue,
    /// The event that satisfies it has been recorded.
    Met,
}

/// One time limit that applies to a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    /// Stable id, e.g. `notify_citizen`.
    pub name: &'static str,
    /// Vietnamese label for the UI.
    pub label_vi: &'static str,
    /// The last day to act.
    pub due: Date,
    /// The article that sets it.
    pub basis: &'static str,
    pub status: DeadlineStatus,
    /// The day the clock started (not counted).
    pub start: Date,
}

fn make(p: &Period, start: Date, due: Date, met: bool, cal: &Calendar, today: Date) -> Deadline {
    let status = if met {
        DeadlineStatus::Met
    } else if today > due {
        DeadlineStatus::Overdue
    } else if due < cal.add_working_days(today, NEAR_WORKING_DAYS + 1) {
        // At most NEAR_WORKING_DAYS working days in (today, due], counted without a long loop.
        DeadlineStatus::Near
    } else {
        DeadlineStatus::Pending
    };
    Deadline {
        name: p.name,
        label_vi: p.label_vi,
        due,
        basis: p.basis,
        status,
        start,
    }
}

/// The deadlines that apply to the case on `today`, met ones included, in a stable order.
///
/// - Every reception: the result notice (Luật TCD 2013 Art 28(1)) and the 45-day threshold
///   (NĐ 154/2026 Art 41); a refused one only the Form 01/TCD notice when its reason needs it.
/// - Per holder (stage): complaint acceptance; denunciation initial processing and transfer;
///   the review of a repeat denunciation; the report request on an overdue one. A stage's
///   clock starts on the day the holder got the case.
/// - After acceptance: resolution (complaints by instance, complexity and remote area, the clock
///   restarting on resumption — NĐ 155/2026; denunciations 30 days plus extensions plus the
///   days suspended — Luật TC 2018 Arts 30, 34), and the notices that follow acceptance,
///   suspension, withdrawal, decision and conclusion.
///
/// Once the case is closed, only met deadlines and still-owed notices of refusal and
/// termination remain.
pub fn deadlines(state: &CaseState, cal: &Calendar, today: Date) -> Vec<Deadline> {
    let mut out = Vec::new();
    let Some(reception) = &state.reception else {
        return out;
    };
    let received = state.received_on;
    let noticed_since = |d: Date| state.last_notice_on.is_some_and(|n| n >= d);
    let mut push = |p: &Period, start: Date, due: Date, met: bool| {
        out.push(make(p, start, due, met, cal, today));
    };

    if let Some(reason) = reception.refusal {
        if reason.needs_written_notice() {
            push(
                &REFUSAL_NOTICE,
                received,
                REFUSAL_NOTICE.due(cal, received),
                noticed_since(received),
            );
        }
        return out;
    }

    let settled_at_desk = matches!(
        reception.direction,
        Some(Direction::Guide { .. } | Direction::Transfer { .. })
    );
    let handled = settled_at_desk || state.handled_on.is_some();
    push(
        &NOTIFY_CITIZEN,
        received,
        NOTIFY_CITIZEN.due(cal, received),
        handled || noticed_since(received),
    );
    push(
        &UNPROCESSED_45_DAYS,
        received,
        UNPROCESSED_45_DAYS.due(cal, received),
        handled,
    );

    // The current holder's intake limits, then the met ones of the previous holder (e.g. the
    // transfer that handed the case on) that the current stage does not repeat.
    let current = stage_deadlines(state, &state.stage, true, cal);
    let previous = state
        .previous_stage
        .as_ref()
        .map(|s| stage_deadlines(state, s, false, cal))
        .unwrap_or_default();
    for (p, start, due, met) in previous {
        if met && !current.iter().any(|c| c.0.name == p.name) {
            push(p, start, due, true);
        }
    }
    for (p, start, due, met) in current {
        push(p, start, due, met);
    }

    let open = state.status.is_open();
    let suspended_so_far = state
        .suspended_since
        .map(|s| u32::try_from(s.days_until(today).max(0)).unwrap_or(u32::MAX))
        .unwrap_or(0);
    match state.kind {
        Some(Kind::Complaint) => {
            if let Some(accepted) = state.accepted_on {
                let p =
                    complaint_resolution_period(state.instance, state.complex, state.remote_area);
                let start = state.clock_restarted_on.unwrap_or(accepted);
                let due = match state.suspended_since {
                    // The clock restarts on resumption (NĐ 155/2026): at the earliest, today.
                    Some(since) => p.due(cal, today.max(since)),
                    None => p.due(cal, start),
                };
                let met = state.decided_on.is_some();
                if met || open {
                    push(p, start, due, met);
                }
            }
            if let Some(decided) = state.decided_on {
                let p = complaint_decision_final(state.remote_area);
                push(p, decided, p.due(cal, decided), state.final_on.is_some());
            }
            if let Some(s) = state.last_suspension_on {
                push(
                    &COMPLAINT_SUSPENSION_NOTICE,
                    s,
                    COMPLAINT_SUSPENSION_NOTICE.due(cal, s),
                    noticed_since(s),
                );
            }
            if let Some(w) = state.withdrawn_on {
                push(
                    &COMPLAINT_TERMINATION_NOTICE,
                    w,
                    COMPLAINT_TERMINATION_NOTICE.due(cal, w),
                    noticed_since(w),
                );
            }
        }
        Some(Kind::Denunciation) => {
            if let Some(accepted) = state.accepted_on {
                let p = &DENUNCIATION_ACCEPTANCE_NOTICE;
                push(p, accepted, p.due(cal, accepted), noticed_since(accepted));
                let extended: u32 = state.extensions.iter().sum();
                let days = 30u32
                    .saturating_add(extended)
                    .saturating_add(state.suspended_days)
                    .saturating_add(suspended_so_far);
                let met = state.concluded_on.is_some();
                if met || open {
                    push(
                        &DENUNCIATION_RESOLUTION,
                        accepted,
                        cal.calendar_period_end(accepted, days),
                        met,
                    );
                }
            }
            if let Some(c) = state.concluded_on {
                let p = &DENUNCIATION_CONCLUSION_NOTICE;
                push(p, c, p.due(cal, c), noticed_since(c));
            }
            if let Some(s) = state.last_suspension_on {
                let p = &DENUNCIATION_SUSPENSION_NOTICE;
                push(p, s, p.due(cal, s), noticed_since(s));
            }
            if let Some(w) = state.withdrawn_on {
                let p = &DENUNCIATION_TERMINATION_NOTICE;
                push(p, w, p.due(cal, w), noticed_since(w));
            }
        }
        Some(Kind::Petition | Kind::Feedback) | None => {}
    }

    if state.status == Status::Closed {
        out.retain(|d| {
            d.status == DeadlineStatus::Met
                || d.name == REFUSAL_NOTICE.name
                || d.name == COMPLAINT_TERMINATION_NOTICE.name
        });
    }
    out
}

/// The intake deadlines of one holder's stage: (period, start, due, met). Unmet ones whose
/// stage ended in a way that makes them moot are left out.
fn stage_deadlines(
    state: &CaseState,
    stage: &Stage,
    current: bool,
    cal: &Calendar,
) -> Vec<(&'static Period, Date, Date, bool)> {
    let since = stage.since;
    let outcome = stage.outcome.map(|(how, _)| how);
    let mut out = Vec::new();
    // Met by any handling except being escalated over the holder's head.
    let handled = matches!(outcome, Some(h) if h != Disposition::Escalated);
    match (state.kind, stage.start) {
        (
            Some(Kind::Complaint),
            StageStart::Escalation(
                EscalationReason::Overdue | EscalationReason::RepeatDenunciation,
            ),
        ) => {}
        (Some(Kind::Complaint), start) => {
            let second = start == StageStart::Escalation(EscalationReason::SecondInstance)
                || (current && state.instance >= 2);
            let p = complaint_acceptance_period(since, second);
            match outcome {
                Some(Disposition::Accepted) => out.push((p, since, p.due(cal, since), true)),
                None => out.push((p, since, p.due(cal, since), false)),
                Some(_) => {}
            }
        }
        (
            Some(Kind::Denunciation),
            StageStart::Reception | StageStart::Transfer | StageStart::Order,
        ) => {
            let p = denunciation_initial_period(state.complex);
            if outcome.is_none() || handled {
                out.push((p, since, p.due(cal, since), handled));
            }
            let t = &DENUNCIATION_TRANSFER;
            match outcome {
                Some(Disposition::Transferred | Disposition::Forwarded) => {
                    out.push((t, since, t.due(cal, since), true))
                }
                None => out.push((t, since, t.due(cal, since), false)),
                Some(_) => {}
            }
        }
        (
            Some(Kind::Denunciation),
            StageStart::Escalation(EscalationReason::RepeatDenunciation),
        ) => {
            let p = &REPEAT_DENUNCIATION_REVIEW;
            if outcome.is_none() || handled {
                out.push((p, since, p.due(cal, since), handled));
            }
        }
        (Some(Kind::Denunciation), StageStart::Escalation(EscalationReason::Overdue)) => {
            let p = &OVERDUE_REPORT_REQUEST;
            if outcome.is_none() || handled {
                out.push((p, since, p.due(cal, since), handled));
            }
        }
        (Some(Kind::Denunciation), StageStart::Escalation(EscalationReason::SecondInstance)) => {}
        (Some(Kind::Petition | Kind::Feedback) | None, _) => {}
    }
    out
}

/// The deadlines that need attention: near or overdue, including the 45-day threshold.
pub fn alarms(state: &CaseState, cal: &Calendar, today: Date) -> Vec<Deadline> {
    deadlines(state, cal, today)
        .into_iter()
        .filter(|d| matches!(d.status, DeadlineStatus::Near | DeadlineStatus::Overdue))
        .collect()
}
