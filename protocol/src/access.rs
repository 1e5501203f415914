//! Who may do what at a site: the one role matrix, and the sign-in throttle.
//!
//! Pure rules the node's API enforces at every route and every WHIP/WHEP call, and that
//! tests and the simulator read. Roles are those of a site's staff (`operator`: the site's IT;
//! `officer`: cán bộ tiếp công dân; `chair`: người chủ trì) and one that no account holds: a
//! per-session `participant` pass handed to a citizen or an agency at a point.
//!
//! Case and session events are classified here too ([`case_event_action`],
//! [`session_event_action`]), because one route (`POST cases/{id}/events`) carries both an
//! officer's case work and a chair's decisions.

use serde::{Deserialize, Serialize};

use crate::case::CaseEvent;
use crate::session::SessionEvent;

/// A caller's role at a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Quản trị hệ thống: the site's IT staff (certificates, joins, users, links).
    Operator,
    /// Cán bộ tiếp công dân: receptions, case work, the identity view.
    Officer,
    /// Người chủ trì: chairs sessions, decides, the identity view.
    Chair,
    /// Holder of a participant pass: one session, at one point, nothing else.
    Participant,
}

impl Role {
    /// The roles an account can hold (a participant holds a pass, never an account).
    pub const ACCOUNTS: [Role; 3] = [Role::Operator, Role::Officer, Role::Chair];
    pub const ALL: [Role; 4] = [
        Role::Operator,
        Role::Officer,
        Role::Chair,
        Role::Participant,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Officer => "officer",
            Role::Chair => "chair",
            Role::Participant => "participant",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Operator => "Quản trị hệ thống",
            Role::Officer => "Cán bộ tiếp công dân",
            Role::Chair => "Người chủ trì",
            Role::Participant => "Người tham dự (thẻ tham dự)",
        }
    }

    /// The role an account may hold, from its name (`officer`, `chair`, `operator`).
    pub fn parse_account(text: &str) -> Option<Role> {
        Role::ACCOUNTS.into_iter().find(|r| r.as_str() == text)
    }
}

/// Everything a caller can ask a site to do, grouped the way the law splits the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Read the site's status and its peers.
    SiteStatus,
    /// Read the metrics (`/metrics`).
    Metrics,
    /// Certificates, join requests and revocations.
    Pki,
    /// Publish the year's holiday calendar (central's operator only: the handler checks the
    /// site).
    PublishCalendar,
    /// Create, list, disable and reset users.
    ManageUsers,
    /// Measure a link.
    LinkTest,
    /// Record a reception (Mẫu 03/TCD): a new case.
    Receive,
    /// Read cases and the log book.
    CaseRead,
    /// An officer's work on a case: classification, notices, guidance, transfer, escalation,
    /// dialogue, closing, notes.
    CaseWork,
    /// A decision of the person competent to resolve: the resolution, the conclusion, a
    /// suspension, resumption or extension, an order to a subordinate.
    CaseDecision,
    /// Open a denouncer's sealed identity (audited).
    IdentityView,
    /// Read sessions, their media, publishers and recordings.
    SessionRead,
    /// Schedule an online session.
    SessionSchedule,
    /// What the chair alone does in a session: start, end, cancel, the floor, linking cases.
    SessionChair,
    /// What a point's staff record in a session: notices, test connections, points connected,
    /// participants joining and leaving, hands raised.
    SessionAttend,
    /// A participant's own acts in its session: joining, leaving, raising its hand.
    SessionSelf,
    /// Start the built-in test signal.
    TestSignal,
    /// Hand out a participant pass for a session.
    IssuePass,
    /// Publish or subscribe to a session's media (WHIP/WHEP).
    Media,
    /// Read the reports (Biểu 01/TCD, 01–04/XLD), the submitted ones and the supervision of
    /// the levels below.
    ReportRead,
    /// Submit the site's report to the level above: the head's act.
    ReportSubmit,
}

impl Action {
    pub const ALL: [Action; 21] = [
        Action::SiteStatus,
        Action::Metrics,
        Action::Pki,
        Action::PublishCalendar,
        Action::ManageUsers,
        Action::LinkTest,
        Action::Receive,
        Action::CaseRead,
        Action::CaseWork,
        Action::CaseDecision,
        Action::IdentityView,
        Action::SessionRead,
        Action::SessionSchedule,
        Action::SessionChair,
        Action::SessionAttend,
        Action::SessionSelf,
        Action::TestSignal,
        Action::IssuePass,
        Action::Media,
        Action::ReportRead,
        Action::ReportSubmit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::SiteStatus => "site_status",
            Action::Metrics => "metrics",
            Action::Pki => "pki",
            Action::PublishCalendar => "publish_calendar",
            Action::ManageUsers => "manage_users",
            Action::LinkTest => "link_test",
            Action::Receive => "receive",
            Action::CaseRead => "case_read",
            Action::CaseWork => "case_work",
            Action::CaseDecision => "case_decision",
            Action::IdentityView => "identity_view",
            Action::SessionRead => "session_read",
            Action::SessionSchedule => "session_schedule",
            Action::SessionChair => "session_chair",
            Action::SessionAttend => "session_attend",
            Action::SessionSelf => "session_self",
            Action::TestSignal => "test_signal",
            Action::IssuePass => "issue_pass",
            Action::Media => "media",
            Action::ReportRead => "report_read",
            Action::ReportSubmit => "report_submit",
        }
    }

    /// What the action is, for a refusal a person reads.
    pub fn label_vi(self) -> &'static str {
        match self {
            Action::SiteStatus => "xem tình trạng điểm tiếp",
            Action::Metrics => "xem số liệu giám sát",
            Action::Pki => "cấp, thu hồi chứng thư và duyệt yêu cầu gia nhập",
            Action::PublishCalendar => "công bố lịch nghỉ lễ, ngày làm bù",
            Action::ManageUsers => "quản lý người dùng",
            Action::LinkTest => "đo kết nối",
            Action::Receive => "ghi nhận lượt tiếp công dân",
            Action::CaseRead => "xem vụ việc và sổ tiếp công dân",
            Action::CaseWork => "xử lý vụ việc",
            Action::CaseDecision => "ra quyết định, kết luận về vụ việc",
            Action::IdentityView => "xem danh tính người tố cáo",
            Action::SessionRead => "xem phiên tiếp trực tuyến",
            Action::SessionSchedule => "lên lịch phiên tiếp trực tuyến",
            Action::SessionChair => "điều hành phiên (chủ trì)",
            Action::SessionAttend => "ghi nhận diễn biến tại điểm cầu",
            Action::SessionSelf => "tham dự phiên",
            Action::TestSignal => "phát tín hiệu thử",
            Action::IssuePass => "cấp thẻ tham dự phiên",
            Action::Media => "truyền hình ảnh, âm thanh của phiên",
            Action::ReportRead => "xem báo cáo và giám sát cấp dưới",
            Action::ReportSubmit => "nộp báo cáo lên cấp trên",
        }
    }
}

/// The role matrix: whether `role` may do `action` at all. A participant's actions are
/// further limited to its own session, point and participant id, which the caller checks
/// against the pass.
pub fn allows(role: Role, action: Action) -> bool {
    use Action::*;
    match role {
        Role::Operator => matches!(
            action,
            SiteStatus
                | Metrics
                | Pki
                | PublishCalendar
                | ManageUsers
                | LinkTest
                | SessionRead
                | TestSignal
        ),
        Role::Officer => matches!(
            action,
            SiteStatus
                | Receive
                | CaseRead
                | CaseWork
                | IdentityView
                | SessionRead
                | SessionSchedule
                | SessionAttend
                | SessionSelf
                | TestSignal
                | IssuePass
                | Media
                | ReportRead
        ),
        Role::Chair => matches!(
            action,
            SiteStatus
                | CaseRead
                | CaseDecision
                | IdentityView
                | SessionRead
                | SessionSchedule
                | SessionChair
                | SessionAttend
                | SessionSelf
                | IssuePass
                | Media
                | ReportRead
                | ReportSubmit
        ),
        Role::Participant => matches!(action, SessionRead | SessionSelf | Media),
    }
}

/// What kind of act a case event is.
pub fn case_event_action(event: &CaseEvent) -> Action {
    match event {
        CaseEvent::Received { .. } => Action::Receive,
        CaseEvent::Decided { .. }
        | CaseEvent::Concluded { .. }
        | CaseEvent::Suspended { .. }
        | CaseEvent::Resumed
        | CaseEvent::Extended { .. }
        | CaseEvent::OrderedToResolve { .. }
        | CaseEvent::Assigned { .. } => Action::CaseDecision,
        CaseEvent::IdentityViewed { .. } => Action::IdentityView,
        _ => Action::CaseWork,
    }
}

/// What kind of act a session event is. The participant's own acts are [`Action::SessionSelf`]
/// (staff may record them for anyone at their point).
pub fn session_event_action(event: &SessionEvent) -> Action {
    match event {
        SessionEvent::Scheduled { .. } => Action::SessionSchedule,
        SessionEvent::Started { .. }
        | SessionEvent::Ended { .. }
        | SessionEvent::Cancelled { .. }
        | SessionEvent::FloorGranted { .. }
        | SessionEvent::FloorRevoked { .. }
        | SessionEvent::CaseLinked { .. }
        | SessionEvent::MinutesIssued { .. }
        | SessionEvent::ConclusionIssued { .. } => Action::SessionChair,
        SessionEvent::ParticipantJoined { .. }
        | SessionEvent::ParticipantLeft { .. }
        | SessionEvent::HandRaised { .. }
        | SessionEvent::HandLowered { .. } => Action::SessionSelf,
        SessionEvent::NoticeSent { .. }
        | SessionEvent::TestConnection { .. }
        | SessionEvent::PointConnected { .. }
        | SessionEvent::PointDisconnected { .. }
        | SessionEvent::RecordingSealed { .. } => Action::SessionAttend,
    }
}

/// The session role a signed-in account takes in the room: a chair chairs, everyone else on
/// the staff attends as an officer.
pub fn session_role_of(role: Role) -> Option<crate::session::Role> {
    match role {
        Role::Chair => Some(crate::session::Role::Chair),
        Role::Officer => Some(crate::session::Role::Officer),
        Role::Operator | Role::Participant => None,
    }
}

/// Failed sign-ins allowed before a name is locked.
pub const SIGN_IN_FREE_FAILURES: u32 = 5;
/// Failed sign-ins allowed from one address before it is locked: higher, since a commune's
/// office signs in from behind one address.
pub const SIGN_IN_FREE_FAILURES_PER_ADDRESS: u32 = 50;
/// The first lock; each further failure doubles it, up to [`SIGN_IN_LOCK_MAX_MS`].
pub const SIGN_IN_LOCK_MS: u64 = 30_000;
pub const SIGN_IN_LOCK_MAX_MS: u64 = 15 * 60_000;

/// Failed sign-ins of one key (a user name or a client address): after `free` failures in a
/// row ([`SIGN_IN_FREE_FAILURES`], [`SIGN_IN_FREE_FAILURES_PER_ADDRESS`]), each further
/// attempt must wait a lock that doubles with every failure. A success clears it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Throttle {
    pub failures: u32,
    /// No attempt is judged before this instant (Unix ms).
    pub locked_until_ms: u64,
}

impl Throttle {
    /// Whether an attempt may be judged at `now_ms`; if not, how many ms remain.
    pub fn check(&self, now_ms: u64) -> Result<(), u64> {
        if now_ms < self.locked_until_ms {
            Err(self.locked_until_ms - now_ms)
        } else {
            Ok(())
        }
    }

    /// Records a failed attempt at `now_ms`; the key locks from the `free`-th failure on.
    pub fn fail(&mut self, now_ms: u64, free: u32) {
        self.failures = self.failures.saturating_add(1);
        if self.failures >= free {
            let doublings = (self.failures - free).min(16);
            let lock = (SIGN_IN_LOCK_MS << doublings).min(SIGN_IN_LOCK_MAX_MS);
            self.locked_until_ms = now_ms.saturating_add(lock);
        }
    }

    /// Whether the entry says nothing any more at `now_ms` and can be forgotten.
    pub fn idle(&self, now_ms: u64) -> bool {
        now_ms >= self.locked_until_ms.saturating_add(SIGN_IN_LOCK_MAX_MS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;

    /// The matrix written out as the issue states it, one row per action: (operator, officer,
    /// chair, participant). `allows` must agree with every cell.
    const MATRIX: [(Action, [bool; 4]); 21] = [
        (SiteStatus, [true, true, true, false]),
        (Metrics, [true, false, false, false]),
        (Pki, [true, false, false, false]),
        (PublishCalendar, [true, false, false, false]),
        (ManageUsers, [true, false, false, false]),
        (LinkTest, [true, false, false, false]),
        (Receive, [false, true, false, false]),
        (CaseRead, [false, true, true, false]),
        (CaseWork, [false, true, false, false]),
        (CaseDecision, [false, false, true, false]),
        (IdentityView, [false, true, true, false]),
        (SessionRead, [true, true, true, true]),
        (SessionSchedule, [false, true, true, false]),
        (SessionChair, [false, false, true, false]),
        (SessionAttend, [false, true, true, false]),
        (SessionSelf, [false, true, true, true]),
        (TestSignal, [true, true, false, false]),
        (IssuePass, [false, true, true, false]),
        (Media, [false, true, true, true]),
        (ReportRead, [false, true, true, false]),
        (ReportSubmit, [false, false, true, false]),
    ];

    #[test]
    fn the_matrix_is_the_one_written_down() {
        assert_eq!(
            MATRIX.iter().map(|(a, _)| *a).collect::<Vec<_>>(),
            Action::ALL.to_vec(),
            "every action has exactly one row"
        );
        for (action, cells) in MATRIX {
            for (role, allowed) in Role::ALL.into_iter().zip(cells) {
                assert_eq!(
                    allows(role, action),
                    allowed,
                    "{} may {}",
                    role.as_str(),
                    action.as_str()
                );
            }
        }
    }

    #[test]
    fn only_the_operator_runs_the_pki_and_only_the_chair_decides() {
        for role in Role::ALL {
            assert_eq!(allows(role, Pki), role == Role::Operator);
            assert_eq!(allows(role, PublishCalendar), role == Role::Operator);
            assert_eq!(allows(role, ManageUsers), role == Role::Operator);
            assert_eq!(allows(role, CaseDecision), role == Role::Chair);
            assert_eq!(allows(role, SessionChair), role == Role::Chair);
        }
    }

    #[test]
    fn events_are_classified() {
        use crate::case::CaseEvent as C;
        use crate::session::SessionEvent as S;
        assert_eq!(
            case_event_action(&C::Decided {
                summary: "x".into()
            }),
            CaseDecision
        );
        assert_eq!(case_event_action(&C::Resumed), CaseDecision);
        assert_eq!(
            case_event_action(&C::Accepted {
                decision_no: "1".into()
            }),
            CaseWork
        );
        assert_eq!(case_event_action(&C::Note { text: "x".into() }), CaseWork);
        assert_eq!(session_event_action(&S::Started { at_ms: 1 }), SessionChair);
        assert_eq!(
            session_event_action(&S::FloorGranted {
                point: "VN".into(),
                participant_id: "p".into()
            }),
            SessionChair
        );
        assert_eq!(
            session_event_action(&S::HandRaised {
                point: "VN".into(),
                participant_id: "p".into()
            }),
            SessionSelf
        );
        assert_eq!(
            session_event_action(&S::NoticeSent { at_ms: 1 }),
            SessionAttend
        );
    }

    #[test]
    fn account_roles_parse_and_the_participant_is_not_one() {
        assert_eq!(Role::parse_account("officer"), Some(Role::Officer));
        assert_eq!(Role::parse_account("chair"), Some(Role::Chair));
        assert_eq!(Role::parse_account("operator"), Some(Role::Operator));
        assert_eq!(Role::parse_account("participant"), None);
        assert_eq!(Role::parse_account("Officer"), None);
        assert_eq!(session_role_of(Role::Operator), None);
    }

    #[test]
    fn the_throttle_locks_after_five_failures_and_doubles() {
        let mut t = Throttle::default();
        for i in 0..SIGN_IN_FREE_FAILURES - 1 {
            t.fail(1_000 + u64::from(i), SIGN_IN_FREE_FAILURES);
            assert_eq!(t.check(1_000 + u64::from(i)), Ok(()), "failure {i} is free");
        }
        t.fail(2_000, SIGN_IN_FREE_FAILURES);
        assert_eq!(t.check(2_000), Err(SIGN_IN_LOCK_MS));
        assert_eq!(t.check(2_000 + SIGN_IN_LOCK_MS), Ok(()));
        t.fail(2_000 + SIGN_IN_LOCK_MS, SIGN_IN_FREE_FAILURES);
        assert_eq!(t.check(2_000 + SIGN_IN_LOCK_MS), Err(2 * SIGN_IN_LOCK_MS));
        for _ in 0..40 {
            t.fail(10_000_000, SIGN_IN_FREE_FAILURES);
        }
        assert_eq!(t.check(10_000_000), Err(SIGN_IN_LOCK_MAX_MS));
        assert!(!t.idle(10_000_000));
        assert!(t.idle(10_000_000 + 2 * SIGN_IN_LOCK_MAX_MS));
    }
}
