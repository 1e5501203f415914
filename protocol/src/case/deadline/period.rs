//! The statutory time limits of DOMAIN.md §7.
//!
//! Owns [`Period`]: every limit as a named constant with its citation and how its end is
//! counted ([`Span`], forward or "at least N days before"), and the functions that choose
//! among the variants of one limit (instance, complexity, remote area, the 2026 decrees).

use serde::Serialize;

use super::Calendar;
use crate::case::{parse_date, Date};

/// The day NĐ 154/2026, NĐ 155/2026 and NĐ 156/2026 took effect (DOMAIN §0).
pub const DECREES_2026_IN_FORCE: &str = "2026-07-01";

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
/// A task the Thông báo kết luận of a session assigned: due on the date the notice sets (its
/// span is not used).
pub const ASSIGNMENT: Period = after(
    "assignment",
    "Thực hiện nhiệm vụ theo Thông báo kết luận",
    Span::CalendarDays(0),
    "NĐ 154/2026 Art 25",
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
