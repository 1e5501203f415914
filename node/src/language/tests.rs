use std::collections::BTreeSet;
use std::path::Path;

use tiepdan_protocol::case::{CaseError, Kind};
use tiepdan_protocol::session::{Phase, SessionError};
use tiepdan_protocol::sites::SiteError;

use super::*;

fn ids(lang: Lang) -> BTreeSet<String> {
    catalogue_ids(lang).into_iter().collect()
}

#[test]
fn both_languages_have_the_same_messages() {
    let vi = ids(Lang::Vi);
    let en = ids(Lang::En);
    assert!(vi.len() > 100, "catalogue read: {} ids", vi.len());
    assert_eq!(
        vi.difference(&en).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "in vi, not in en"
    );
    assert_eq!(
        en.difference(&vi).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "in en, not in vi"
    );
}

#[test]
fn every_catalogue_file_is_built_in() {
    for (lang, dir) in [(Lang::Vi, "vi"), (Lang::En, "en")] {
        let on_disk = std::fs::read_dir(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("locales")
                .join(dir),
        )
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "ftl")
        })
        .count();
        assert_eq!(on_disk, catalogue_sources(lang).len(), "locales/{dir}");
    }
}

/// The field names the protocol's errors can carry, read from its sources the way they are
/// written there (`field: "…"`, `check_line("…"`, …): each needs a label in both languages.
#[test]
fn every_protocol_field_has_a_label() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../protocol/src");
    let mut texts = Vec::new();
    fn walk(p: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(p).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(std::fs::read_to_string(p).unwrap());
            }
        }
    }
    walk(&root, &mut texts);
    let calls = [
        "field: ",
        "check_line(",
        "check_len(",
        "check_text(",
        "check_multiline(",
        "check_count(",
        "check_id(",
        "check_time(",
        "check_hash(",
        "during(",
    ];
    let mut fields = BTreeSet::new();
    for text in &texts {
        for call in calls {
            for (i, _) in text.match_indices(call) {
                // The name may sit on the next line (rustfmt breaks long calls).
                let rest = text[i + call.len()..].trim_start();
                let Some(rest) = rest.strip_prefix('"') else {
                    continue;
                };
                if let Some(end) = rest.find('"') {
                    fields.insert(rest[..end].to_owned());
                }
            }
        }
    }
    assert!(fields.len() > 30, "fields read: {fields:?}");
    let vi = ids(Lang::Vi);
    let en = ids(Lang::En);
    let missing: Vec<_> = fields
        .iter()
        .filter(|f| !vi.contains(&field_id(f)) || !en.contains(&field_id(f)))
        .collect();
    assert!(missing.is_empty(), "fields without a label: {missing:?}");
}

#[test]
fn accept_language_picks_the_preferred_of_ours() {
    let l = |h| Lang::from_accept_language(Some(h));
    assert_eq!(Lang::from_accept_language(None), Lang::Vi);
    assert_eq!(l("en"), Lang::En);
    assert_eq!(l("en-US,en;q=0.9"), Lang::En);
    assert_eq!(l("vi-VN,vi;q=0.9,en;q=0.8"), Lang::Vi);
    assert_eq!(l("fr, en;q=0.5"), Lang::En);
    assert_eq!(l("en;q=0.3, vi;q=0.7"), Lang::Vi);
    assert_eq!(l("en;q=0"), Lang::Vi);
    assert_eq!(l("de, fr"), Lang::Vi);
    assert_eq!(l(";;;,,q=x"), Lang::Vi);
}

/// One of every protocol error the API can answer.
fn samples() -> Vec<Message> {
    let s = || "x".to_owned();
    let f = "receiving officer";
    let case = vec![
        CaseError::InvalidDate(s()),
        CaseError::DateOutOfRange(s()),
        CaseError::UnknownKind(s()),
        CaseError::Missing { field: f },
        CaseError::TooLong {
            field: f,
            found: 2,
            max: 1,
        },
        CaseError::NotSingleLine { field: f },
        CaseError::ControlCharacters { field: f },
        CaseError::TooMany {
            field: f,
            found: 2,
            max: 1,
        },
        CaseError::IdNumberFormat {
            id_type: "CCCD",
            digits: 12,
        },
        CaseError::PeopleCount { found: 0, max: 9 },
        CaseError::CrowdRepresentatives {
            people: 6,
            found: 0,
            min: 1,
            max: 5,
        },
        CaseError::MoreRepresentativesThanPeople {
            people: 1,
            found: 2,
        },
        CaseError::DenunciationNotSealed,
        CaseError::SealedInClear { field: "summary" },
        CaseError::RefusedWithDirection,
        CaseError::IdentityProtectionNotDenunciation(Kind::Petition),
        CaseError::AnonymousInPerson,
        CaseError::SectorNotForKind(Kind::Complaint),
        CaseError::SeveralSignatoriesAlone,
        CaseError::EarlierCaseNotRepeat,
        CaseError::AnonymousIdentityProtection,
        CaseError::AnonymousDenunciationAccepted,
        CaseError::EvidencePages { found: 0, max: 9 },
        CaseError::MixedTooFewParts { found: 1 },
        CaseError::MixedDuplicateKind(Kind::Complaint),
        CaseError::ExtensionDays { found: 99, max: 30 },
        CaseError::InvalidSiteCode(s()),
        CaseError::Site(SiteError::UnknownCode(s())),
        CaseError::SameSite(s()),
        CaseError::NotAnAncestor { from: s(), to: s() },
        CaseError::InvalidHash {
            field: "recording index hash",
        },
        CaseError::TooLarge {
            field: "payload",
            found: 2,
            max: 1,
        },
        CaseError::Malformed(s()),
        CaseError::CalendarLine {
            line: 1,
            problem: Box::new(tiepdan_protocol::case::deadline::RowProblem::Columns),
        },
    ];
    let session = vec![
        SessionError::TaskOnUnlinkedCase(s()),
        SessionError::CategoryMissing(s()),
        SessionError::Malformed(s()),
        SessionError::NonCanonical,
        SessionError::UnsupportedVersion(9),
        SessionError::InvalidId {
            field: "session id",
            max: 64,
        },
        SessionError::TimeOutOfRange {
            field: "start time",
            found: 1,
        },
        SessionError::NoComponentPoints,
        SessionError::DuplicatePoint(s()),
        SessionError::ChairAmongComponents(s()),
        SessionError::Site(SiteError::UnknownLevel(s())),
        SessionError::NotScheduled,
        SessionError::AlreadyScheduled,
        SessionError::NotGenesis,
        SessionError::WrongSession {
            expected: s(),
            found: s(),
        },
        SessionError::NotTheChair {
            author: s(),
            chair: s(),
        },
        SessionError::NotAPoint(s()),
        SessionError::NotYourPoint {
            author: s(),
            point: s(),
        },
        SessionError::ChairOutsideCentralPoint {
            point: s(),
            chair: s(),
        },
        SessionError::NotAParticipant {
            point: s(),
            participant_id: s(),
        },
        SessionError::NotHoldingFloor {
            point: s(),
            participant_id: s(),
        },
        SessionError::CannotGoBack {
            from: Phase::Live,
            to: Phase::Scheduled,
        },
        SessionError::Already(Phase::Ended),
        SessionError::SessionOver(Phase::Cancelled),
        SessionError::WrongPhase {
            action: "granting the floor",
            phase: Phase::Scheduled,
        },
        SessionError::AlreadyLinked(s()),
    ];
    let day = tiepdan_protocol::case::Date::from_ymd(2028, 3, 11).unwrap();
    let calendar = calendar_samples(day);
    case.iter()
        .map(Message::from)
        .chain(session.iter().map(Message::from))
        .chain(calendar.iter().map(Message::from))
        .collect()
}

/// Every holiday-calendar error, with every row problem inside one.
fn calendar_samples(
    day: tiepdan_protocol::case::Date,
) -> Vec<tiepdan_protocol::calendar::CalendarError> {
    use tiepdan_protocol::calendar::CalendarError as C;
    use tiepdan_protocol::case::deadline::RowProblem as P;
    let problems = [
        P::Header,
        P::TooMany(400),
        P::Columns,
        P::Date {
            text: "2028-13-01".into(),
            error: CaseError::InvalidDate("2028-13-01".into()),
        },
        P::NameAndSource,
        P::TooLong {
            field: "name",
            max: 200,
        },
        P::TooLong {
            field: "source",
            max: 300,
        },
        P::Characters,
        P::Twice(day),
        P::AlreadyWeekend(day),
        P::AlreadyWorking(day),
        P::Kind("holiday".into()),
    ];
    let mut all = vec![
        C::TooLarge(300_000),
        C::Garbled("x".into()),
        C::UnsupportedVersion(9),
        C::NotCentral("01".into()),
        C::YearOutOfRange(1800),
        C::NoDays(2028),
        C::TooManyDays(400),
        C::OutsideYear {
            year: 2029,
            date: day,
        },
        C::NotInOrder,
        C::FromTheFuture {
            issued_at: 2,
            now: 1,
        },
        C::BadSignature,
    ];
    for (i, problem) in problems.into_iter().enumerate() {
        all.push(C::Line {
            line: i + 2,
            problem: problem.clone(),
        });
        all.push(C::Day { date: day, problem });
    }
    all
}

#[test]
fn calendar_errors_read_for_people_and_logs() {
    use tiepdan_protocol::calendar::CalendarError as C;
    use tiepdan_protocol::case::deadline::RowProblem as P;
    let day = tiepdan_protocol::case::Date::from_ymd(2028, 3, 11).unwrap();
    let e = C::Line {
        line: 2,
        problem: P::AlreadyWeekend(day),
    };
    let m = Message::from(&e);
    assert_eq!(
        m.render(Lang::Vi),
        "Dòng 2 của lịch: ngày 11/03/2028 là thứ Bảy hoặc Chủ nhật, vốn đã là ngày nghỉ (off chỉ dùng cho ngày thường)."
    );
    assert!(m
        .render(Lang::En)
        .starts_with("Line 2 of the calendar: 2028-03-11 is a Saturday"));
    assert_eq!(
        e.to_string(),
        "line 2: 2028-03-11 is already a weekend day",
        "logs"
    );
    let m = Message::from(&C::OutsideYear {
        year: 2029,
        date: day,
    });
    assert!(
        m.render(Lang::Vi).contains("không thuộc năm 2029"),
        "{}",
        m.render(Lang::Vi)
    );
    let m = Message::from(&C::TooLarge(300_000));
    assert!(
        m.render(Lang::Vi).contains("300000 byte"),
        "{}",
        m.render(Lang::Vi)
    );
    for e in calendar_samples(day) {
        let vi = Message::from(&e).render(Lang::Vi);
        assert!(!vi.contains("error-calendar"), "{e:?}: {vi}");
        assert!(
            !e.to_string().contains("Trung ương"),
            "{e:?}: logs read English"
        );
    }
}

#[test]
fn every_protocol_error_reads_in_both_languages() {
    for m in samples() {
        assert!(m.is_in_catalogue(), "{} is not in both catalogues", m.id);
        let vi = m.render(Lang::Vi);
        let en = m.render(Lang::En);
        for text in [&vi, &en] {
            assert!(
                !text.contains('{') && !text.contains("$"),
                "{}: unresolved argument in {text:?}",
                m.id
            );
        }
        assert_ne!(vi, en, "{}: the same words in both languages", m.id);
    }
    let m = Message::from(&CaseError::Missing {
        field: "receiving officer",
    });
    assert_eq!(
        m.render(Lang::Vi),
        "Chưa nhập cán bộ tiếp: đây là trường bắt buộc."
    );
    assert_eq!(m.render(Lang::En), "receiving officer is required.");
    assert_eq!(m.to_string(), m.render(Lang::En), "logs read English");
}

#[test]
fn every_role_action_and_status_has_a_label() {
    use tiepdan_protocol::access::{Action, Role};
    for a in Action::ALL {
        let m = labels::action(a);
        assert!(m.id != "act-other" && m.is_in_catalogue(), "{a:?}");
    }
    for r in Role::ALL {
        let m = labels::role(r);
        assert!(m.id != "role-other" && m.is_in_catalogue(), "{r:?}");
    }
    assert_eq!(
        labels::role(Role::Officer).render(Lang::Vi),
        Role::Officer.label_vi()
    );
}

/// One of each history line and each reason an event is ignored: the mapping in `history` is
/// an exhaustive match, so a new variant fails the build until it has an id; this checks the id
/// is in both catalogues and every argument is given.
#[test]
fn every_history_line_and_ignore_reason_reads_in_both_languages() {
    use tiepdan_protocol::case::{
        CaseError, Date, EscalationReason, Happened as H, Ignored as I, Kind, RefusalReason, Status,
    };
    let s = || "00004".to_owned();
    let lines = [
        H::Received {
            kind: Kind::Complaint,
            site: s(),
            people: 6,
            refused: Some(RefusalReason::Weapons),
        },
        H::Classified {
            kind: Kind::Denunciation,
            complex: true,
            remote_area: true,
        },
        H::Accepted {
            decision_no: "1/QĐ".into(),
        },
        H::Guided { to_body: s() },
        H::Forwarded {
            to_body: s(),
            letter_no: s(),
        },
        H::Transferred {
            to_site: "79".into(),
            letter_no: s(),
        },
        H::OrderedToResolve { site: s() },
        H::Escalated {
            to_site: "01".into(),
            reason: EscalationReason::Overdue,
        },
        H::Extended { days: 30 },
        H::Suspended,
        H::Resumed { days: 3 },
        H::Dialogue {
            date: Date::from_ymd(2026, 7, 6).unwrap(),
        },
        H::Decided { instance: 1 },
        H::Concluded,
        H::Final,
        H::PartlyWithdrawn,
        H::Withdrawn,
        H::Closed,
        H::Note,
        H::RecordingAttached { session_id: s() },
        H::IdentityViewed { by: s(), role: s() },
        H::CitizenNotified { letter_no: s() },
        H::ReceivedOnline {
            session_id: s(),
            date: Date::from_ymd(2026, 8, 4).unwrap(),
        },
        H::Assigned {
            to_site: s(),
            notice_no: s(),
            due: Date::from_ymd(2026, 9, 4).unwrap(),
        },
        H::AssignmentReported { notice_no: s() },
        H::ReplyReceived {
            from_body: s(),
            letter_no: s(),
        },
        H::Tried { event: "accepted" },
    ];
    let err = || CaseError::SameSite("01".into());
    let reasons = [
        I::Invalid { error: err() },
        I::SecondReception,
        I::UnknownSite { site: s() },
        I::NoReception,
        I::OutsideAudience { site: s() },
        I::NotHolder {
            site: s(),
            holder: "01".into(),
        },
        I::Closed,
        I::Refused,
        I::NotNow {
            event: "accepted",
            status: Status::Escalated,
        },
        I::Jurisdiction { error: err() },
        I::NotUnder {
            site: s(),
            holder: "01".into(),
        },
        I::HandedOnTooOften { max: 16 },
        I::OnlyComplaintHasSecondInstance,
        I::SecondInstanceIsLast,
        I::SecondInstanceBeforeDecision,
        I::OnlyDenunciationRepeats,
        I::DenunciationNotSealed,
        I::KindFixedAfterAcceptance,
        I::OnlyDenunciationExtends,
        I::ExtensionsUsed { max: 2 },
        I::DialogueOnlyForComplaint,
        I::DecisionOnlyForComplaint,
        I::ConclusionOnlyForDenunciation,
        I::PartialWithdrawalAlone,
        I::AssigneeOutsideAudience { site: s() },
        I::NoSuchAssignment {
            notice_no: s(),
            site: s(),
        },
        I::NothingToReplyTo { site: s() },
        I::CaseFull { max: 10_000 },
        I::Misrouted { event: "final" },
    ];
    let messages = lines
        .iter()
        .map(super::history::happened)
        .chain(reasons.iter().map(super::history::ignored));
    for m in messages {
        assert!(m.is_in_catalogue(), "{} is not in both catalogues", m.id);
        for lang in [Lang::Vi, Lang::En] {
            let text = m.render(lang);
            assert!(
                !text.contains('{') && !text.contains('$') && !text.contains("act-"),
                "{}: unresolved in {text:?}",
                m.id
            );
        }
    }
    let ignored = super::history::ignored(&I::NotNow {
        event: "accepted",
        status: Status::Escalated,
    });
    assert_eq!(
        ignored.render(Lang::Vi),
        "vụ việc đang ở trạng thái “Đã chuyển cấp trên”"
    );
    let line = super::history::happened(&H::Received {
        kind: Kind::Complaint,
        site: "00004".into(),
        people: 1,
        refused: None,
    });
    assert!(
        line.render(Lang::Vi)
            .starts_with("Tiếp nhận khiếu nại tại "),
        "{}",
        line.render(Lang::Vi)
    );
}

/// Every legal basis a deadline cites reads in Vietnamese: no "Art", "as amended", nor an
/// English note is left.
#[test]
fn every_deadline_basis_reads_in_vietnamese() {
    let source = include_str!("../../../protocol/src/case/deadline/period.rs");
    let bases: Vec<&str> = source
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix('"')?.strip_suffix("\","))
        .filter(|l| l.starts_with("Luật") || l.starts_with("NĐ") || l.starts_with("TT"))
        .collect();
    assert!(bases.len() >= 30, "found only {} bases", bases.len());
    for b in bases {
        let vi = labels::legal_basis(b, Lang::Vi);
        for english in [" Art", "amended", "dialogue", " TCD ", " KN ", " TC "] {
            assert!(!vi.contains(english), "{b:?} → {vi:?}");
        }
    }
    assert_eq!(
        labels::legal_basis("Luật TCD 2013 Art 28(1)", Lang::Vi),
        "khoản 1 Điều 28 Luật Tiếp công dân năm 2013"
    );
    assert_eq!(
        labels::legal_basis(
            "NĐ 124/2020 Art 16(1) as amended by NĐ 155/2026 Art 10",
            Lang::Vi
        ),
        "khoản 1 Điều 16 Nghị định số 124/2020/NĐ-CP, được sửa đổi, bổ sung bởi Điều 10 Nghị định số 155/2026/NĐ-CP"
    );
    assert_eq!(
        labels::legal_basis("NĐ 154/2026 Art 4(1)(a)", Lang::Vi),
        "điểm a khoản 1 Điều 4 Nghị định số 154/2026/NĐ-CP"
    );
    assert_eq!(
        labels::legal_basis("Luật KN 2011 Arts 48-50", Lang::Vi),
        "Điều 48–50 Luật Khiếu nại năm 2011"
    );
}
