//! Supervision against hand-counted fixtures: the duty's weeks and months in Q4 2026, the
//! periodic days from receptions and online sessions, and the verdicts.

use std::collections::BTreeSet;

use super::*;
use crate::case::state::tests::{case, received};
use crate::case::{parse_date, CaseEvent, Kind, SessionType};
use crate::session::state::AppliedEvent;
use crate::session::SessionEvent;

fn d(s: &str) -> Date {
    parse_date(s).unwrap()
}

fn days(list: &[&str]) -> BTreeSet<Date> {
    list.iter().map(|s| d(s)).collect()
}

// Q4 2026 in TT 01/2024: Tue 15/9 → Mon 14/12.
const FROM: &str = "2026-09-15";
const TO: &str = "2026-12-14";

#[test]
fn a_quarter_holds_twelve_whole_weeks_and_three_report_months() {
    let weekly = DutyRule::default_for(crate::sites::Level::Commune);
    let check = check_duty(
        weekly,
        d(FROM),
        d(TO),
        d(TO),
        &days(&["2026-09-21", "2026-09-22", "2026-12-13"]),
    );
    // Mon 21/9 … Sun 13/12: the week of 15/9 began before the period, that of 14/12 ends after.
    assert_eq!(check.required, 12);
    assert_eq!(
        (check.spans[0].from, check.spans[0].to),
        (d("2026-09-21"), d("2026-09-27"))
    );
    assert_eq!(check.spans[0].held_days, 2);
    assert_eq!(check.spans[11].to, d("2026-12-13"));
    assert_eq!(check.met, 2, "the first and the last week");
    // Half-way through, only the weeks over by then are owed.
    let midway = check_duty(weekly, d(FROM), d(TO), d("2026-10-07"), &BTreeSet::new());
    assert_eq!(midway.required, 2, "21–27/9 and 28/9–4/10");

    let monthly = DutyRule::default_for(crate::sites::Level::Province);
    let check = check_duty(
        monthly,
        d(FROM),
        d(TO),
        d(TO),
        &days(&["2026-10-14", "2026-11-20"]),
    );
    let spans: Vec<(Date, Date, bool)> =
        check.spans.iter().map(|s| (s.from, s.to, s.met)).collect();
    assert_eq!(
        spans,
        [
            (d("2026-09-15"), d("2026-10-14"), true),
            (d("2026-10-15"), d("2026-11-14"), false),
            (d("2026-11-15"), d("2026-12-14"), true),
        ]
    );
    let twice = DutyRule {
        unit: DutyUnit::Month,
        days: 2,
    };
    assert_eq!(
        check_duty(
            twice,
            d(FROM),
            d(TO),
            d(TO),
            &days(&["2026-10-14", "2026-11-20"])
        )
        .met,
        0
    );
    assert_eq!(twice.label_vi(), "2 ngày/tháng");
}

fn periodic_reception(site: &str, date: &str) -> CaseState {
    let mut ev = received(Kind::Petition, date);
    if let CaseEvent::Received { reception } = &mut ev {
        reception.session_type = SessionType::Periodic;
    }
    case(&[(site, date, ev)])
}

fn vn_ms(date: &str, hour: u64) -> u64 {
    // 00:00 in Hà Nội is 17:00 UTC the day before.
    let days = d("1970-01-01").days_until(d(date)) as u64;
    (days * 86_400 + hour * 3_600 - 7 * 3_600) * 1000
}

fn session(
    chair: &str,
    points: &[&str],
    scheduled_on: &str,
    start: &str,
    started: bool,
) -> SessionState {
    let sid = format!("S-{chair}-2026-0001");
    let scheduled = SessionEvent::Scheduled {
        session_id: sid.clone(),
        title: "Tiếp công dân định kỳ".into(),
        chair_site: chair.into(),
        points: points.iter().map(|p| (*p).to_owned()).collect(),
        starts_at_ms: vn_ms(start, 8),
        case_ids: vec![],
        session_type: SessionType::Periodic,
        categories: vec![],
    };
    let begun = SessionEvent::Started {
        at_ms: vn_ms(start, 8),
    };
    let (g, s) = ([1u8; 32], [2u8; 32]);
    let mut events = vec![AppliedEvent {
        id: g,
        parents: &[],
        author: chair,
        at_ms: vn_ms(scheduled_on, 9),
        event: &scheduled,
    }];
    let parents = [g];
    if started {
        events.push(AppliedEvent {
            id: s,
            parents: &parents,
            author: chair,
            at_ms: vn_ms(start, 8),
            event: &begun,
        });
    }
    let state = SessionState::fold(&sid, events);
    assert!(state.rejected.is_empty(), "{:?}", state.rejected);
    state
}

#[test]
fn periodic_days_come_from_receptions_and_sessions_that_started() {
    let cases = [
        periodic_reception("00004", "2026-10-05"),
        periodic_reception("00004", "2026-10-05"),
        periodic_reception("00004", "2026-12-15"), // after the period
        periodic_reception("00008", "2026-10-06"), // another site
        case(&[(
            "00004",
            "2026-10-07",
            received(Kind::Petition, "2026-10-07"),
        )]), // regular
    ];
    let sessions = [
        session("00004", &["00008"], "2026-10-01", "2026-10-12", true),
        session("00004", &["00008"], "2026-10-01", "2026-10-19", false), // never started
    ];
    let held = periodic_days("00004", d(FROM), d(TO), cases.iter(), sessions.iter());
    assert_eq!(held, days(&["2026-10-05", "2026-10-12"]));
}

#[test]
fn the_verdict_names_its_reasons() {
    let cal = Calendar::vietnam();
    // A commune that held three weeks of twelve, with a case past 45 days and a late schedule
    // (published Fri 9/10 for Mon 12/10: 1 working day ahead).
    let cases = [
        periodic_reception("00004", "2026-09-21"),
        periodic_reception("00004", "2026-09-28"),
        case(&[(
            "00004",
            "2026-09-16",
            received(Kind::Complaint, "2026-09-16"),
        )]),
    ];
    let sessions = [session(
        "00004",
        &["00008"],
        "2026-10-09",
        "2026-10-12",
        true,
    )];
    let case_refs: Vec<&CaseState> = cases.iter().collect();
    let session_refs: Vec<&SessionState> = sessions.iter().collect();
    let input = SupervisionInput {
        from: d(FROM),
        to: d(TO),
        as_of: d(TO),
        cal,
        cases: &case_refs,
        sessions: &session_refs,
    };
    let rule = DutyRule::default_for(crate::sites::Level::Commune);
    let line = supervise("00004", rule, Timeliness::Missing, &input);
    assert_eq!((line.duty.met, line.duty.required), (3, 12));
    assert_eq!(line.periodic_days, 3);
    assert_eq!(
        (
            line.online_sessions,
            line.online_chaired,
            line.schedules_late
        ),
        (1, 1, 1)
    );
    assert_eq!(line.cases_received, 3);
    assert_eq!(
        (line.overdue_cases, line.alarms_45),
        (3, 3),
        "three đơn left unhandled since September"
    );
    assert!(line.deadlines_missed >= 1, "{line:?}");
    assert_eq!(line.verdict, Verdict::Red);
    assert_eq!(line.reasons.len(), 5, "{:?}", line.reasons);
    assert!(
        line.reasons[0].starts_with("Tiếp định kỳ: đạt 3/12 tuần"),
        "{:?}",
        line.reasons
    );
    // Its point, 00008, took part in the session and has nothing else against it but its
    // missed weeks.
    let point = supervise("00008", rule, Timeliness::OnTime, &input);
    assert_eq!((point.online_sessions, point.online_chaired), (1, 0));
    assert_eq!(point.verdict, Verdict::Red, "no periodic day at all");

    let all: BTreeSet<String> = ["00004".to_owned()].into();
    let weeks = receptions_per_week(&all, d(FROM), d(TO), &case_refs);
    assert_eq!(
        weeks[0],
        (d("2026-09-14"), 1),
        "Wed 16/9 in the week of Mon 14/9"
    );
    assert_eq!(weeks[1], (d("2026-09-21"), 1));
    assert_eq!(weeks[2], (d("2026-09-28"), 1));
    assert_eq!(weeks.len(), 14, "14/9 … 14/12");

    // The complaint of Wed 16/9: its acceptance (7 WD, Fri 25/9) and the result notice
    // (10 WD, Wed 30/9) both missed; the petitions' notices missed too.
    let limits = deadlines_per_week(&all, d(FROM), d(TO), d(TO), cal, &case_refs);
    assert_eq!(limits.len(), 14);
    let missed: u32 = limits.iter().map(|w| w.missed).sum();
    let met: u32 = limits.iter().map(|w| w.met).sum();
    assert_eq!(met, 0);
    assert!(missed >= 4, "{limits:?}");
    assert!(
        limits[1].missed >= 1,
        "the acceptance of 25/9 falls in the week of 21/9"
    );
}

/// A time limit met after its due date is counted as missed, one met by it as met in time.
#[test]
fn a_limit_met_late_counts_as_missed() {
    let cal = Calendar::vietnam();
    // Complaints received Mon 21/9; acceptance is due within 10 working days (Mon 5/10).
    let accepted = |on: &str| {
        case(&[
            (
                "00004",
                "2026-09-21",
                received(Kind::Complaint, "2026-09-21"),
            ),
            (
                "00004",
                on,
                CaseEvent::Accepted {
                    decision_no: "5/QĐ-UBND".into(),
                },
            ),
        ])
    };
    let count = |on: &str| {
        let cases = [accepted(on)];
        let case_refs: Vec<&CaseState> = cases.iter().collect();
        let input = SupervisionInput {
            from: d(FROM),
            to: d(TO),
            as_of: d(TO),
            cal,
            cases: &case_refs,
            sessions: &[],
        };
        let rule = DutyRule::default_for(crate::sites::Level::Commune);
        let line = supervise("00004", rule, Timeliness::Missing, &input);
        (line.deadlines_met, line.deadlines_missed)
    };
    let (met_early, missed_early) = count("2026-09-25");
    let (met_late, missed_late) = count("2026-10-20");
    assert_eq!(
        (met_late, missed_late),
        (met_early - 1, missed_early + 1),
        "the acceptance moves from met to missed"
    );
}
