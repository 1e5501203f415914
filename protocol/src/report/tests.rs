//! Table tests of the reports against hand-counted fixtures: Q3 2026 (15/6 → 14/9) at Thành
//! phố Hà Nội (01) and three of its wards, plus one ward of TP Hồ Chí Minh that must never
//! count. Each case is built by folding events as the sites would sign them.
//!
//! | case | site  | received   | what                                                   |
//! |------|-------|------------|--------------------------------------------------------|
//! | A    | 00070 | 15/06      | complaint, regular, land & housing; accepted 20/06      |
//! | B    | 00070 | 14/09      | petition of 2 signatories, repeat, guided at the desk  |
//! | C    | 00070 | 14/06 (Q2) | complaint; accepted 01/07 (crosses the period)         |
//! | D    | 00073 | 05/08      | crowd of 6, periodic; transferred to 01 06/08, heard    |
//! |      |       |            | online at 01 20/08, reply letter to 00073 01/09        |
//! | E    | 00004 | 10/07      | anonymous denunciation by post, corruption             |
//! | F    | 00004 | 11/07      | refused at the desk                                    |
//! | G    | 26506 | 01/07      | complaint in another province                          |
//! | H    | 00070 | 01/08      | feedback, received by a person the head authorised     |

use super::*;
use crate::case::reception::tests::reception;
use crate::case::reception::{
    Classification, Direction, DonSource, PriorStatus, RefusalReason, Representative,
    RepresentativeRole, Sector,
};
use crate::case::state::AppliedEvent;
use crate::case::{parse_date, CaseEvent, Kind, Reception, SessionType};

/// Unix ms of 09:00 Vietnam time on `date`.
fn ms(date: &str) -> u64 {
    let d = parse_date(date).unwrap();
    Date::UNIX_EPOCH.days_until(d) as u64 * 86_400_000 + 2 * 3_600_000
}

fn fold(id: &str, events: &[(&str, &str, CaseEvent)]) -> CaseState {
    let mut s = CaseState::new(id);
    for (i, (author, date, ev)) in events.iter().enumerate() {
        let mut eid = [0u8; 32];
        eid[..id.len().min(16)].copy_from_slice(&id.as_bytes()[..id.len().min(16)]);
        eid[31] = i as u8;
        s.apply(AppliedEvent {
            by: None,
            id: eid,
            author,
            at_ms: ms(date),
            event: ev,
        });
    }
    assert!(
        s.history.iter().all(|h| !h.ignored),
        "{id}: an event of the fixture was ignored: {:?}",
        s.history
    );
    s
}

fn line(kind: Kind, date: &str, edit: impl FnOnce(&mut Reception)) -> CaseEvent {
    let mut r = reception(kind);
    r.date = parse_date(date).unwrap();
    edit(&mut r);
    CaseEvent::Received { reception: r }
}

fn fixtures() -> Vec<CaseState> {
    let a = fold(
        "A",
        &[
            (
                "00070",
                "2026-06-15",
                line(Kind::Complaint, "2026-06-15", |r| {
                    r.classification.sector = Sector::LandHousing;
                }),
            ),
            (
                "00070",
                "2026-06-20",
                CaseEvent::Accepted {
                    decision_no: "1/QĐ".into(),
                },
            ),
        ],
    );
    let b = fold(
        "B",
        &[(
            "00070",
            "2026-09-14",
            line(Kind::Petition, "2026-09-14", |r| {
                r.people_count = 2;
                r.classification = Classification {
                    several_signatories: true,
                    repeat: true,
                    prior_status: PriorStatus::ResolvedOnce,
                    ..Classification::default()
                };
                r.direction = Some(Direction::Guide {
                    to_body: "Tòa án nhân dân khu vực 1".into(),
                    letter_no: String::new(),
                });
            }),
        )],
    );
    let c = fold(
        "C",
        &[
            (
                "00070",
                "2026-06-14",
                line(Kind::Complaint, "2026-06-14", |_| {}),
            ),
            (
                "00070",
                "2026-07-01",
                CaseEvent::Accepted {
                    decision_no: "2/QĐ".into(),
                },
            ),
        ],
    );
    let d = fold(
        "D",
        &[
            (
                "00073",
                "2026-08-05",
                line(Kind::Complaint, "2026-08-05", |r| {
                    r.people_count = 6;
                    r.session_type = SessionType::Periodic;
                    r.representatives = vec![Representative {
                        name: "Ngô Văn Dũng".into(),
                        role: RepresentativeRole::CrowdRepresentative,
                        document: "Văn bản cử người đại diện ngày 01/8/2026".into(),
                    }];
                }),
            ),
            (
                "00073",
                "2026-08-06",
                CaseEvent::Transferred {
                    to_site: "01".into(),
                    letter_no: "5/CV".into(),
                    rewrapped: None,
                },
            ),
            (
                "01",
                "2026-08-20",
                CaseEvent::ReceivedOnline {
                    session_id: "s-01-1".into(),
                    date: parse_date("2026-08-20").unwrap(),
                    session_type: SessionType::Periodic,
                },
            ),
            (
                "00073",
                "2026-09-01",
                CaseEvent::ReplyReceived {
                    from_body: "Ủy ban nhân dân Thành phố Hà Nội".into(),
                    letter_no: "77/UBND-BTCD".into(),
                    date: parse_date("2026-08-30").unwrap(),
                },
            ),
        ],
    );
    let e = fold(
        "E",
        &[(
            "00004",
            "2026-07-10",
            line(Kind::Denunciation, "2026-07-10", |r| {
                r.source = DonSource::Post;
                r.anonymous = true;
                r.classification.sector = Sector::Corruption;
            }),
        )],
    );
    let f = fold(
        "F",
        &[(
            "00004",
            "2026-07-11",
            line(Kind::Complaint, "2026-07-11", |r| {
                r.refusal = Some(RefusalReason::ALL[0]);
                r.request.clear();
            }),
        )],
    );
    let g = fold(
        "G",
        &[(
            "26506",
            "2026-07-01",
            line(Kind::Complaint, "2026-07-01", |_| {}),
        )],
    );
    let h = fold(
        "H",
        &[(
            "00070",
            "2026-08-01",
            line(Kind::Feedback, "2026-08-01", |r| {
                r.session_type = SessionType::Authorised;
            }),
        )],
    );
    vec![a, b, c, d, e, f, g, h]
}

fn run(form: &str, period: &str, site: &str, scope: Scope) -> Report {
    let cases = fixtures();
    let refs: Vec<&CaseState> = cases.iter().collect();
    let input = ReportInput {
        cases: &refs,
        sessions: &[],
    };
    report(
        form.parse().unwrap(),
        period.parse().unwrap(),
        site,
        scope,
        input,
    )
}

/// Asserts every listed total, and that the columns not listed are zero.
fn totals(r: &Report, want: &[(&str, u64)]) {
    for (i, col) in r.columns.iter().enumerate() {
        let expected = want.iter().find(|(c, _)| c == col).map_or(0, |(_, n)| *n);
        assert_eq!(
            r.totals[i], expected,
            "{} {}: total {col}",
            r.form, r.period
        );
    }
    for (col, _) in want {
        assert!(
            r.columns.contains(col),
            "{col} is not a column of {}",
            r.form
        );
    }
}

#[test]
fn tcd_01_of_a_province_and_its_wards_in_q3() {
    let r = run("01-tcd", "2026-Q3", "01", Scope::Descendants);
    assert_eq!(
        (r.from, r.to),
        (
            parse_date("2026-06-15").unwrap(),
            parse_date("2026-09-14").unwrap()
        )
    );
    #[rustfmt::skip]
    totals(&r, &[
        // A (15/06, the first day) and B (14/09, the last) are in; C (14/06) is not.
        ("visits", 3), ("persons", 4), ("cases_first", 2), ("cases_repeat", 1),
        // D: received at 00073 and heard online at 01: two lines, one case.
        ("crowds", 2), ("crowd_persons", 12), ("crowd_cases_first", 1),
        ("periodic_sessions", 1), ("refused", 1),
        ("regular_visits", 2), ("regular_persons", 3), ("regular_cases_first", 1), ("regular_cases_repeat", 1),
        ("head_crowds", 2), ("head_crowd_persons", 12),
        ("authorised_visits", 1), ("authorised_persons", 1), ("authorised_cases_first", 1),
        ("don_complaint", 2), ("don_petition", 2),
        ("within_competence", 1), ("outside_guided", 1), ("outside_transferred", 1),
        ("replies_received", 1),
    ]);
    // A row for the province's own book, then one per ward (126 in Hà Nội).
    assert_eq!(r.rows[0].site, "01");
    assert_eq!(r.rows.len(), 1 + 126);
    assert_eq!(r.sites, 127);
    assert_eq!(r.value("01", "crowds"), Some(1));
    assert_eq!(r.value("00073", "crowds"), Some(1));
    assert_eq!(r.value("00070", "visits"), Some(3));
    assert_eq!(r.value("00004", "refused"), Some(1));
    // The crowd's case is in both rows and counted once in the total.
    let rows_sum: u64 = r
        .rows
        .iter()
        .map(|row| {
            row.values[r
                .columns
                .iter()
                .position(|c| *c == "crowd_cases_first")
                .unwrap()]
        })
        .sum();
    assert_eq!((rows_sum, r.total("crowd_cases_first")), (2, Some(1)));
    // The other province's ward is nowhere.
    assert!(r.rows.iter().all(|row| row.site != "26506"));
}

#[test]
fn tcd_01_of_one_ward_and_of_the_quarter_before() {
    let r = run("01-tcd", "2026-Q3", "00070", Scope::Site);
    assert_eq!((r.sites, r.rows.len()), (1, 1));
    #[rustfmt::skip]
    totals(&r, &[
        ("visits", 3), ("persons", 4), ("cases_first", 2), ("cases_repeat", 1),
        ("regular_visits", 2), ("regular_persons", 3), ("regular_cases_first", 1), ("regular_cases_repeat", 1),
        ("authorised_visits", 1), ("authorised_persons", 1), ("authorised_cases_first", 1),
        ("don_complaint", 1), ("don_petition", 2), ("within_competence", 1), ("outside_guided", 1),
    ]);
    // C was received on 14/06, Q2's last day; its acceptance on 01/07 is after Q2.
    let q2 = run("01-tcd", "2026-Q2", "00070", Scope::Site);
    #[rustfmt::skip]
    totals(&q2, &[
        ("visits", 1), ("persons", 1), ("cases_first", 1),
        ("regular_visits", 1), ("regular_persons", 1), ("regular_cases_first", 1),
        ("don_complaint", 1),
    ]);
    // The province's own book: only the online hearing of D, a crowd.
    let own = run("01-tcd", "2026-Q3", "01", Scope::Site);
    #[rustfmt::skip]
    totals(&own, &[
        ("crowds", 1), ("crowd_persons", 6), ("crowd_cases_first", 1),
        ("head_crowds", 1), ("head_crowd_persons", 6),
    ]);
    // Nothing happened in Q4.
    totals(&run("01-tcd", "2026-Q4", "01", Scope::Descendants), &[]);
}

#[test]
fn xld_01_counts_each_don_once_where_it_was_received() {
    let r = run("01-xld", "2026-Q3", "01", Scope::Descendants);
    #[rustfmt::skip]
    totals(&r, &[
        // C came in Q2 and was still unprocessed on 15/06: carried over. F (refused) took no đơn.
        ("carried_over", 1), ("received", 5), ("total", 6),
        ("one_signatory", 5), ("several_signatories", 1),
        // E is anonymous.
        ("eligible", 5),
        ("complaint", 3), ("denunciation", 1), ("petition", 2),
        ("resolved_once", 1), ("not_resolved", 5),
        ("within_competence", 2), ("outside_guided", 1), ("outside_transferred", 1),
        ("replies_received", 1),
    ]);
    // D went to 01 by transfer: counted at 00073, not again at the province.
    assert_eq!(r.value("00073", "received"), Some(1));
    assert_eq!(r.value("01", "received"), Some(0));
    assert_eq!(r.value("01", "total"), Some(0));

    // Q2: C received on its last day, not yet processed by 14/06.
    let q2 = run("01-xld", "2026-Q2", "00070", Scope::Site);
    #[rustfmt::skip]
    totals(&q2, &[
        ("received", 1), ("total", 1), ("one_signatory", 1), ("eligible", 1),
        ("complaint", 1), ("not_resolved", 1),
    ]);
    // Q4: E and H were never processed, so they carry over; the rest were settled in Q3.
    let q4 = run("01-xld", "2026-Q4", "01", Scope::Descendants);
    #[rustfmt::skip]
    totals(&q4, &[
        ("carried_over", 2), ("total", 2), ("one_signatory", 2), ("eligible", 1),
        ("denunciation", 1), ("petition", 1), ("not_resolved", 2),
    ]);
}

#[test]
fn xld_02_to_04_split_by_content_and_sector() {
    let complaints = run("02-xld", "2026-Q3", "01", Scope::Descendants);
    #[rustfmt::skip]
    totals(&complaints, &[
        ("carried_over", 1), ("received", 2), ("total", 3), ("one_signatory", 3), ("eligible", 3),
        ("sector_land_housing", 1), ("sector_other", 2), ("not_resolved", 3),
        ("within_competence", 2), ("outside_transferred", 1), ("replies_received", 1),
    ]);
    let denunciations = run("03-xld", "2026-Q3", "01", Scope::Descendants);
    #[rustfmt::skip]
    totals(&denunciations, &[
        ("received", 1), ("total", 1), ("one_signatory", 1), ("sector_corruption", 1), ("not_resolved", 1),
    ]);
    let petitions = run("04-xld", "2026-Q3", "01", Scope::Descendants);
    #[rustfmt::skip]
    totals(&petitions, &[
        ("received", 2), ("total", 2), ("one_signatory", 1), ("several_signatories", 1), ("eligible", 2),
        ("sector_other", 2), ("resolved_once", 1), ("not_resolved", 1), ("outside_guided", 1),
    ]);
}

#[test]
fn the_annual_report_covers_the_quarters() {
    let year = run("01-tcd", "2026", "01", Scope::Descendants);
    let quarters: Vec<Report> = ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
        .into_iter()
        .map(|q| run("01-tcd", q, "01", Scope::Descendants))
        .collect();
    for col in [
        "visits",
        "persons",
        "crowds",
        "crowd_persons",
        "refused",
        "don_complaint",
    ] {
        let sum: u64 = quarters.iter().map(|q| q.total(col).unwrap()).sum();
        assert_eq!(year.total(col), Some(sum), "{col}");
    }
}

#[test]
fn a_reply_is_recorded_only_by_a_site_that_passed_the_don_on() {
    let mut s = fold(
        "R",
        &[(
            "00070",
            "2026-07-01",
            line(Kind::Complaint, "2026-07-01", |_| {}),
        )],
    );
    let reply = CaseEvent::ReplyReceived {
        from_body: "Công an thành phố".into(),
        letter_no: "3/CA".into(),
        date: parse_date("2026-07-20").unwrap(),
    };
    let why = s.refusal_of("00070", None, ms("2026-07-21"), &reply);
    assert!(
        matches!(
            why,
            Some(crate::case::state::Ignored::NothingToReplyTo { .. })
        ),
        "{why:?}"
    );
    s.apply(AppliedEvent {
        by: None,
        id: [7; 32],
        author: "00070",
        at_ms: ms("2026-07-05"),
        event: &CaseEvent::Forwarded {
            to_body: "Công an thành phố".into(),
            letter_no: "9/CV".into(),
        },
    });
    assert_eq!(s.refusal_of("00070", None, ms("2026-07-21"), &reply), None);
    assert!(s
        .open_acts("00070", None, ms("2026-07-21"))
        .iter()
        .any(|a| a.act == "reply_received"));
}

/// The one pass that fills every row and the totals gives each row what that row's site alone
/// would report: its own book, or the child with its subtree.
#[test]
fn each_row_is_the_report_of_its_site() {
    // Child rows with a figure, so the comparison is not between zeros only.
    let mut counted = 0;
    for form in ReportForm::ALL {
        for period in ["2026-Q2", "2026-Q3", "2026"] {
            for site in ["VN", "01"] {
                let r = run(form.as_str(), period, site, Scope::Descendants);
                assert!(r.rows.len() > 1, "{site} has rows for its children");
                counted += r.rows[1..]
                    .iter()
                    .filter(|row| row.values.iter().any(|v| *v > 0))
                    .count();
                let own = run(form.as_str(), period, site, Scope::Site);
                assert_eq!(
                    r.rows[0].values, own.totals,
                    "{form} {period} {site}: own book"
                );
                for row in &r.rows[1..] {
                    let child = run(form.as_str(), period, &row.site, Scope::Descendants);
                    assert_eq!(row.values, child.totals, "{form} {period} row {}", row.site);
                    assert_eq!(row.sites, child.sites);
                }
            }
        }
    }
    assert!(counted >= 10, "{counted} child rows with a figure");
}
