//! Tests of the deadline engine: every time limit of DOMAIN.md §7 against a due date computed
//! by hand on the official 2025–2027 calendar, then whole cases through the fold.

use super::deadline::*;
use super::state::tests::{case, received};
use super::{parse_date, CaseEvent, Date, EscalationReason, Kind, RefusalReason};

fn d(s: &str) -> Date {
    parse_date(s).unwrap()
}

fn cal() -> &'static Calendar {
    Calendar::vietnam()
}

/// One row per time limit of DOMAIN.md §7: the period, the day the clock starts (or, for a
/// "before" limit, the day of the event), and the due date worked out by hand on the calendar.
#[test]
fn every_time_limit_of_domain_section_7() {
    #[rustfmt::skip]
    let rows: &[(&Period, &str, &str, &str)] = &[
        // Luật TCD 2013 Art 28(1): result notice ≤ 10 WD. Mon 6/7 → 7,8,9,10,13,14,15,16,17,20.
        (&NOTIFY_CITIZEN, "2026-07-06", "2026-07-20", "Art 28(1), plain fortnight"),
        // Same, across 30/4–2/5/2025 (2/5 swapped) with make-up Saturday 26/4/2025 counted.
        (&NOTIFY_CITIZEN, "2025-04-24", "2025-05-12", "Art 28(1), 30/4–1/5/2025 and the 26/4 make-up day"),
        // NĐ 154/2026 Art 4(3): Form 01/TCD ≤ 3 WD. Thu 23/4 → Fri 24, (Mon 27/4 Giỗ Tổ bù), 28, 29.
        (&REFUSAL_NOTICE, "2026-04-23", "2026-04-29", "NĐ 154 Art 4(3), over the Giỗ Tổ compensatory day"),
        // Luật TCD 2013 Art 27(2): transfer-back notice ≤ 7 WD. Fri 28/8 → (31/8–2/9 off) 3,4,7,8,9,10,11/9.
        (&TRANSFER_BACK_NOTICE, "2026-08-28", "2026-09-11", "Art 27(2), across Quốc khánh 2026"),
        // Luật TCD 2013 Art 28(2): citizen notice ≤ 5 WD. Wed 30/12 → 31/12, (1/1/2027 off), 4,5,6,7/1.
        (&CITIZEN_RESULT_NOTICE, "2026-12-30", "2027-01-07", "Art 28(2), across Tết Dương lịch 2027"),
        // NĐ 154/2026 Art 41: 45 days unprocessed. 20/7 + 45 = Thu 3/9 (a working day).
        (&UNPROCESSED_45_DAYS, "2026-07-20", "2026-09-03", "NĐ 154 Art 41"),
        // Luật TCD 2013 Art 24: schedule posted ≥ 5 WD before Tue 5/5: 4/5, (1/5, 30/4 off), 29, 28, (27 off), 24, 23/4.
        (&SCHEDULE_POSTING, "2026-05-05", "2026-04-23", "Art 24, counting back over 30/4–1/5 and Giỗ Tổ"),
        // NĐ 154/2026 Art 23: online notice ≥ 5 WD before Wed 15/7 → 14, 13, 10, 9, 8/7.
        (&ONLINE_SESSION_NOTICE, "2026-07-15", "2026-07-08", "NĐ 154 Art 23 notice"),
        // NĐ 154/2026 Art 23: test connection ≥ 1 WD before Mon 23/2 → back over Tết to Fri 13/2.
        (&ONLINE_TEST_CONNECTION, "2026-02-23", "2026-02-13", "NĐ 154 Art 23 test, before Tết 2026"),
        // NĐ 55/2022 Art 8: ad-hoc DB request 15 days. 15/4 + 15 = Thu 30/4 (off) → 1/5 off, weekend → Mon 4/5.
        (&NATIONAL_DB_AD_HOC, "2026-04-15", "2026-05-04", "NĐ 55 Art 8, rolled past 30/4–1/5"),
        // Luật KN 2011 Art 9: 90 days. 2/3 + 90 = Sun 31/5 → Mon 1/6 (BLDS 2015 Art 148(5)).
        (&COMPLAINT_LIMITATION, "2026-03-02", "2026-06-01", "KN Art 9, rolled past a Sunday"),
        // Luật KN 2011 Arts 48–50: disciplinary complaint 15 / 10 / 30 days from Wed 1/7.
        (&DISCIPLINE_COMPLAINT_FIRST, "2026-07-01", "2026-07-16", "KN Arts 48-50 first, 15 days"),
        (&DISCIPLINE_COMPLAINT_SECOND, "2026-07-01", "2026-07-13", "KN Arts 48-50 second, 10 days = Sat 11/7 → Mon"),
        (&DISCIPLINE_COMPLAINT_DISMISSAL, "2026-07-01", "2026-07-31", "KN Arts 48-50 dismissal, 30 days"),
        // Luật KN 2011 Art 27: acceptance 10 days before 1/7/2026. Fri 19/6 + 10 = Mon 29/6.
        (complaint_acceptance_period(d("2026-06-19"), false), "2026-06-19", "2026-06-29", "KN Art 27 (before NĐ 155)"),
        // Luật KN 2011 Art 36: second-instance acceptance 10 days. 22/8/2025 + 10 = Mon 1/9/2025 (off), 2/9 off → Wed 3/9.
        (complaint_acceptance_period(d("2025-08-22"), true), "2025-08-22", "2025-09-03", "KN Art 36, Quốc khánh 2025"),
        // NĐ 155/2026 Art 10: 7 WD from 1/7/2026. Wed 1/7 → 2,3,6,7,8,9,10/7.
        (complaint_acceptance_period(d("2026-07-01"), false), "2026-07-01", "2026-07-10", "NĐ 155 Art 10, 7 WD"),
        // Luật KN 2011 Art 28: first instance 30 / 45 complex / 45 remote / 60 remote complex.
        (complaint_resolution_period(1, false, false), "2026-07-10", "2026-08-10", "KN Art 28: 30 days = Sun 9/8 → Mon 10/8"),
        (complaint_resolution_period(1, true, false), "2026-07-10", "2026-08-24", "KN Art 28: complex 45 days"),
        (complaint_resolution_period(1, false, true), "2026-07-17", "2026-09-03", "KN Art 28: remote 45 = Mon 31/8 (swapped off), 1–2/9 off → Thu 3/9"),
        (complaint_resolution_period(1, true, true), "2026-07-10", "2026-09-08", "KN Art 28: remote complex 60"),
        // Luật KN 2011 Art 37: second instance 45 / 60 complex / 60 remote / 70 remote complex.
        (complaint_resolution_period(2, false, false), "2026-01-05", "2026-02-23", "KN Art 37: 45 = Thu 19/2 (Tết) → Mon 23/2"),
        (complaint_resolution_period(2, true, false), "2026-01-05", "2026-03-06", "KN Art 37: complex 60"),
        (complaint_resolution_period(2, false, true), "2026-03-02", "2026-05-04", "KN Art 37: remote 60 = Fri 1/5 (off) → Mon 4/5"),
        (complaint_resolution_period(2, true, true), "2026-03-02", "2026-05-11", "KN Art 37: remote complex 70"),
        // Luật KN 2011 Art 33: second complaint within 30 days (45 remote) of the decision.
        (complaint_appeal_window(false), "2026-08-03", "2026-09-03", "KN Art 33: 30 = Wed 2/9 (Quốc khánh) → Thu 3/9"),
        (complaint_appeal_window(true), "2026-08-03", "2026-09-17", "KN Art 33: remote 45"),
        // Luật KN 2011 Art 44: decision final after 30 days (45 remote).
        (complaint_decision_final(false), "2026-12-02", "2027-01-04", "KN Art 44: 30 = Fri 1/1/2027 (off) → Mon 4/1"),
        (complaint_decision_final(true), "2026-12-02", "2027-01-18", "KN Art 44: remote 45 = Sat 16/1 → Mon 18/1"),
        // NĐ 155/2026: dialogue notice ≥ 5 days before Wed 15/7 → Fri 10/7.
        (&DIALOGUE_NOTICE, "2026-07-15", "2026-07-10", "NĐ 155 dialogue notice"),
        // NĐ 155/2026 (NĐ 124 Arts 28a–28b): suspension decision ≤ 3 WD. Thu 12/2 → Fri 13, (Tết 16–20), 23, 24/2.
        (&COMPLAINT_SUSPENSION_NOTICE, "2026-02-12", "2026-02-24", "NĐ 155 Art 28a, across Tết 2026"),
        (&COMPLAINT_TERMINATION_NOTICE, "2026-02-12", "2026-02-24", "NĐ 155 Art 28b, across Tết 2026"),
        // Luật TC 2018 Art 24(1): initial processing 7 WD (10 if several places). Wed 11/2 → 12, 13, (Tết), 23…27/2.
        (denunciation_initial_period(false), "2026-02-11", "2026-02-27", "TC Art 24(1): 7 WD across Tết 2026"),
        (denunciation_initial_period(true), "2026-02-11", "2026-03-04", "TC Art 24(1): 10 WD across Tết 2026"),
        (denunciation_initial_period(false), "2027-02-03", "2027-02-19", "TC Art 24(1): across Tết 2027 (statutory days)"),
        // Luật TC 2018 Art 24(2): transfer ≤ 5 WD. Fri 24/4 → (27/4 off) 28, 29, (30/4, 1/5 off) 4, 5, 6/5.
        (&DENUNCIATION_TRANSFER, "2026-04-24", "2026-05-06", "TC Art 24(2): across Giỗ Tổ and 30/4–1/5"),
        // Luật TC 2018 Art 29: acceptance notice ≤ 5 WD. Mon 29/12/2025 → 30, 31, (1–2/1 off) 5, 6, 7/1.
        (&DENUNCIATION_ACCEPTANCE_NOTICE, "2025-12-29", "2026-01-07", "TC Art 29: across Tết Dương lịch 2026 and its swapped Friday"),
        // Luật TC 2018 Art 30: 30 days.
        (&DENUNCIATION_RESOLUTION, "2026-03-16", "2026-04-15", "TC Art 30: 30 days"),
        // Luật TC 2018 Art 35: conclusion dispatch ≤ 5 WD. Thu 8/1 → 9, Sat 10/1 (make-up day), 12, 13, 14.
        (&DENUNCIATION_CONCLUSION_NOTICE, "2026-01-08", "2026-01-14", "TC Art 35: the make-up Saturday counts"),
        // Luật TC 2018 Art 34: suspension / termination decision ≤ 5 WD.
        (&DENUNCIATION_SUSPENSION_NOTICE, "2026-04-24", "2026-05-06", "TC Art 34 suspension"),
        (&DENUNCIATION_TERMINATION_NOTICE, "2026-04-24", "2026-05-06", "TC Art 34 termination"),
        // Luật TC 2018 Art 37: tố cáo tiếp review 20 days. 2/2 + 20 = Sun 22/2 → Mon 23/2.
        (&REPEAT_DENUNCIATION_REVIEW, "2026-02-02", "2026-02-23", "TC Art 37"),
        // Luật TC 2018 Art 38: request ≤ 5 WD, then report ≤ 5 WD. Tue 1/9 (off) → 3, 4, 7, 8, 9/9 → 10, 11, 14, 15, 16/9.
        (&OVERDUE_REPORT_REQUEST, "2026-09-01", "2026-09-09", "TC Art 38 request"),
        (&OVERDUE_REPORT, "2026-09-09", "2026-09-16", "TC Art 38 report"),
    ];
    for (period, start, due, why) in rows {
        assert_eq!(
            period.due(cal(), d(start)),
            d(due),
            "{} ({}): {why}",
            period.name,
            period.basis
        );
        assert!(
            cal().is_working_day(d(due)),
            "{why}: a due date is a working day"
        );
    }
}

#[test]
fn denunciation_extensions_in_the_table() {
    // Luật TC 2018 Art 30: 30 days, +30 (complex), +30 +30 (especially complex) = at most 90.
    let start = d("2026-03-16");
    assert_eq!(cal().calendar_period_end(start, 30), d("2026-04-15"));
    assert_eq!(cal().calendar_period_end(start, 60), d("2026-05-15"));
    assert_eq!(
        cal().calendar_period_end(start, 90),
        d("2026-06-15"),
        "Sun 14/6 → Mon 15/6"
    );
}

#[test]
fn the_embedded_calendar() {
    let c = cal();
    assert!(c.covers(2025) && c.covers(2026) && c.covers(2027) && !c.covers(2028));
    for off in [
        "2025-01-29",
        "2025-05-02",
        "2026-01-02",
        "2026-02-17",
        "2026-04-27",
        "2026-04-30",
        "2026-05-01",
        "2026-08-31",
        "2026-09-01",
        "2026-09-02",
        "2027-05-03",
    ] {
        assert!(!c.is_working_day(d(off)), "{off} is a day off");
        assert!(c.holiday(d(off)).is_some());
    }
    for work in [
        "2025-04-26",
        "2026-01-10",
        "2026-08-22",
        "2026-02-13",
        "2026-02-23",
    ] {
        assert!(c.is_working_day(d(work)), "{work} is a working day");
    }
    assert!(
        !c.is_working_day(d("2026-04-26")),
        "Giỗ Tổ 2026 is a Sunday"
    );
    assert_eq!(
        c.holiday(d("2026-02-17")),
        Some("Tết Nguyên đán Bính Ngọ (mùng 1)")
    );
    // Tết 2026 as decreed: nine days off in a row, 14–22/2.
    let mut day = d("2026-02-14");
    while day <= d("2026-02-22") {
        assert!(!c.is_working_day(day), "{day}");
        day = day.next();
    }
    assert_eq!(c.working_days_between(d("2026-02-13"), d("2026-02-23")), 1);
    assert_eq!(c.working_days_between(d("2026-02-23"), d("2026-02-13")), 0);
    assert_eq!(c.add_working_days(d("2026-02-13"), 0), d("2026-02-13"));
    assert_eq!(c.add_calendar_days(d("2026-02-13"), 7), d("2026-02-20"));
    assert_eq!(c.next_working_day(d("2026-02-14")), d("2026-02-23"));
    // 2028 is not in the list: only weekends are off, so dues can only come early.
    assert!(c.is_working_day(d("2028-01-03")));
    assert_eq!(c.add_working_days(Date::MAX, 5), Date::MAX);
    assert_eq!(add_working_days(d("2026-02-13"), 1), d("2026-02-23"));
    assert_eq!(working_days_between(d("2026-04-24"), d("2026-05-04")), 3);
    assert_eq!(add_calendar_days(d("2026-04-24"), 7), d("2026-05-01"));
    assert_eq!(c.sub_working_days(Date::MIN, 5), Date::MIN);
}

#[test]
fn calendar_files_are_checked() {
    let ok = "date,kind,name,source\n2026-09-02,off,Quốc khánh,BLLĐ 2019 Art 112, khoản 1\n";
    assert!(Calendar::parse(ok)
        .unwrap()
        .holiday(d("2026-09-02"))
        .is_some());
    for bad in [
        "",
        "day,name\n",
        "date,kind,name,source\n2026-09-05,off,Saturday,x\n",
        "date,kind,name,source\n2026-09-03,work,Thursday,x\n",
        "date,kind,name,source\n2026-09-02,off,Quốc khánh,x\n2026-09-02,off,again,x\n",
        "date,kind,name,source\n2026-09-02,holiday,Quốc khánh,x\n",
        "date,kind,name,source\n2026-09-02,off,,x\n",
        "date,kind,name,source\n2026-9-2,off,Quốc khánh,x\n",
        "date,kind,name,source\n2026-09-02,off\n",
    ] {
        assert!(Calendar::parse(bad).is_err(), "{bad:?}");
    }
    let e = Calendar::parse("date,kind,name,source\n\n2026-09-02,off\n").unwrap_err();
    assert!(e.to_string().contains("line 3"), "{e}");
}

fn find<'a>(list: &'a [Deadline], name: &str) -> &'a Deadline {
    list.iter()
        .find(|x| x.name == name)
        .unwrap_or_else(|| panic!("no {name} in {list:#?}"))
}

fn names(list: &[Deadline]) -> Vec<&'static str> {
    list.iter().map(|x| x.name).collect()
}

#[test]
fn remote_complex_complaint() {
    let s = case(&[
        (
            "00070",
            "2026-07-06",
            received(Kind::Complaint, "2026-07-06"),
        ),
        (
            "00070",
            "2026-07-07",
            CaseEvent::Classified {
                kind: Kind::Complaint,
                complex: true,
                remote_area: true,
            },
        ),
        (
            "00070",
            "2026-07-10",
            CaseEvent::Accepted {
                decision_no: "20/QĐ-UBND".into(),
            },
        ),
    ]);
    let list = deadlines(&s, cal(), d("2026-09-04"));
    assert_eq!(
        names(&list),
        vec![
            "notify_citizen",
            "unprocessed_45_days",
            "complaint_acceptance",
            "complaint_resolution"
        ]
    );
    // Accepted, but no written notice recorded: the citizen is still owed one.
    assert_eq!(
        find(&list, "notify_citizen").status,
        DeadlineStatus::Overdue
    );
    let acc = find(&list, "complaint_acceptance");
    assert_eq!(
        (acc.due, acc.status),
        (d("2026-07-15"), DeadlineStatus::Met)
    );
    assert!(acc.basis.contains("NĐ 155"));
    let res = find(&list, "complaint_resolution");
    assert_eq!(
        res.due,
        d("2026-09-08"),
        "Luật KN 2011 Art 28: 60 days, remote and complex"
    );
    assert_eq!(
        res.status,
        DeadlineStatus::Near,
        "Fri 4/9 → Mon 7, Tue 8: two working days"
    );
    assert_eq!(
        names(&alarms(&s, cal(), d("2026-09-04"))),
        vec!["notify_citizen", "complaint_resolution"]
    );
    assert_eq!(
        find(
            &deadlines(&s, cal(), d("2026-09-09")),
            "complaint_resolution"
        )
        .status,
        DeadlineStatus::Overdue
    );
    assert_eq!(
        find(
            &deadlines(&s, cal(), d("2026-08-20")),
            "complaint_resolution"
        )
        .status,
        DeadlineStatus::Pending
    );
}

#[test]
fn complaint_clock_restarts_on_resumption() {
    let events = vec![
        (
            "00070",
            "2026-07-06",
            received(Kind::Complaint, "2026-07-06"),
        ),
        (
            "00070",
            "2026-07-10",
            CaseEvent::Accepted {
                decision_no: "1".into(),
            },
        ),
        (
            "00070",
            "2026-07-20",
            CaseEvent::Suspended {
                reason: "Chờ kết quả giám định".into(),
            },
        ),
    ];
    let s = case(&events);
    let list = deadlines(&s, cal(), d("2026-07-27"));
    // Suspended: the 30 days start again at resumption, so at the earliest they end 30 days
    // from today (27/7 + 30 = Wed 26/8).
    assert_eq!(find(&list, "complaint_resolution").due, d("2026-08-26"));
    assert_eq!(
        find(&list, "complaint_resolution").status,
        DeadlineStatus::Pending
    );
    // NĐ 155: the suspension decision goes out within 3 WD (Mon 20/7 → Thu 23/7).
    let notice = find(&list, "suspension_notice");
    assert_eq!(
        (notice.due, notice.status),
        (d("2026-07-23"), DeadlineStatus::Overdue)
    );

    let mut more = events.clone();
    more.push((
        "00070",
        "2026-07-21",
        CaseEvent::CitizenNotified {
            letter_no: "14a/QĐ".into(),
        },
    ));
    more.push(("00070", "2026-08-03", CaseEvent::Resumed));
    let s = case(&more);
    assert_eq!(s.clock_restarted_on, Some(d("2026-08-03")));
    let list = deadlines(&s, cal(), d("2026-08-04"));
    // Restarted on Mon 3/8: + 30 = Wed 2/9 (Quốc khánh) → Thu 3/9.
    let res = find(&list, "complaint_resolution");
    assert_eq!((res.start, res.due), (d("2026-08-03"), d("2026-09-03")));
    assert_eq!(find(&list, "suspension_notice").status, DeadlineStatus::Met);
}

#[test]
fn denunciation_suspension_and_extension() {
    let base = vec![
        (
            "00070",
            "2026-03-11",
            received(Kind::Denunciation, "2026-03-11"),
        ),
        (
            "00070",
            "2026-03-16",
            CaseEvent::Accepted {
                decision_no: "3/QĐ-TLTC".into(),
            },
        ),
    ];
    let s = case(&base);
    let list = deadlines(&s, cal(), d("2026-03-17"));
    assert_eq!(
        names(&list),
        vec![
            "notify_citizen",
            "unprocessed_45_days",
            "denunciation_initial",
            "denunciation_acceptance_notice",
            "denunciation_resolution"
        ]
    );
    // Luật TC 2018 Art 24(1): Wed 11/3 + 7 WD = Fri 20/3, met by the acceptance.
    let initial = find(&list, "denunciation_initial");
    assert_eq!(
        (initial.due, initial.status),
        (d("2026-03-20"), DeadlineStatus::Met)
    );
    assert_eq!(find(&list, "denunciation_resolution").due, d("2026-04-15"));
    // Acceptance notice: Mon 16/3 + 5 WD = Mon 23/3.
    assert_eq!(
        find(&list, "denunciation_acceptance_notice").due,
        d("2026-03-23")
    );

    let mut events = base.clone();
    events.push((
        "00070",
        "2026-03-20",
        CaseEvent::Suspended {
            reason: "Chờ giám định lại".into(),
        },
    ));
    let s = case(&events);
    // Suspended since 20/3: on 25/3 five days are added back so far: 30 + 5 = 35 → Mon 20/4.
    assert_eq!(
        find(
            &deadlines(&s, cal(), d("2026-03-25")),
            "denunciation_resolution"
        )
        .due,
        d("2026-04-20")
    );
    events.push(("00070", "2026-03-30", CaseEvent::Resumed));
    events.push((
        "00070",
        "2026-04-01",
        CaseEvent::Extended {
            days: 30,
            reason: "Vụ việc phức tạp".into(),
        },
    ));
    let s = case(&events);
    assert_eq!(s.suspended_days, 10);
    // Luật TC 2018 Arts 30, 34: 30 + 30 extension + 10 suspended = 70 days from 16/3 = Mon 25/5.
    let res = find(
        &deadlines(&s, cal(), d("2026-04-20")),
        "denunciation_resolution",
    )
    .clone();
    assert_eq!(
        (res.due, res.status),
        (d("2026-05-25"), DeadlineStatus::Pending)
    );
    events.push((
        "00070",
        "2026-05-20",
        CaseEvent::Concluded {
            finding: "Tố cáo đúng một phần".into(),
        },
    ));
    let s = case(&events);
    let list = deadlines(&s, cal(), d("2026-05-28"));
    assert_eq!(
        find(&list, "denunciation_resolution").status,
        DeadlineStatus::Met
    );
    // Conclusion dispatch: Wed 20/5 + 5 WD = Wed 27/5; overdue on 28/5.
    let c = find(&list, "denunciation_conclusion_notice");
    assert_eq!(
        (c.due, c.status),
        (d("2026-05-27"), DeadlineStatus::Overdue)
    );
}

#[test]
fn denunciation_transfer_starts_the_new_holders_clock() {
    let s = case(&[(
        "00070",
        "2026-04-24",
        received(Kind::Denunciation, "2026-04-24"),
    )]);
    let list = deadlines(&s, cal(), d("2026-04-24"));
    assert_eq!(find(&list, "denunciation_transfer").due, d("2026-05-06"));
    // Fri 24/4 + 7 WD over Giỗ Tổ, 30/4 and 1/5: 28, 29, 4, 5, 6, 7, 8/5.
    assert_eq!(find(&list, "denunciation_initial").due, d("2026-05-08"));

    let s = case(&[
        (
            "00070",
            "2026-04-24",
            received(Kind::Denunciation, "2026-04-24"),
        ),
        (
            "00070",
            "2026-04-28",
            CaseEvent::Transferred {
                to_site: "26506".into(),
                letter_no: "12/UBND".into(),
                rewrapped: None,
            },
        ),
    ]);
    let list = deadlines(&s, cal(), d("2026-04-29"));
    let initial = find(&list, "denunciation_initial");
    // The new holder got it on Tue 28/4: 29, (30/4, 1/5 off) 4, 5, 6, 7, 8, 11/5.
    assert_eq!(
        (initial.start, initial.due, initial.status),
        (d("2026-04-28"), d("2026-05-11"), DeadlineStatus::Pending)
    );
    assert_eq!(
        find(&list, "notify_citizen").status,
        DeadlineStatus::Pending,
        "a transfer still owes the citizen the written notice of Art 28(1)"
    );
}

#[test]
fn refusal_needs_form_01_within_three_working_days() {
    let mut r = super::reception::tests::reception(Kind::Feedback);
    r.date = d("2026-04-23");
    r.refusal = Some(RefusalReason::PetitionAlreadyAnswered);
    let genesis = (
        "00070",
        "2026-04-23",
        CaseEvent::Received {
            reception: r.clone(),
        },
    );
    let s = case(std::slice::from_ref(&genesis));
    let on = |day: &str| deadlines(&s, cal(), d(day));
    assert_eq!(names(&on("2026-04-24")), vec!["refusal_notice"]);
    assert_eq!(on("2026-04-24")[0].due, d("2026-04-29"));
    assert_eq!(
        on("2026-04-23")[0].status,
        DeadlineStatus::Pending,
        "3 working days left"
    );
    assert_eq!(
        on("2026-04-24")[0].status,
        DeadlineStatus::Near,
        "28 and 29/4 left"
    );
    assert_eq!(
        on("2026-04-29")[0].status,
        DeadlineStatus::Near,
        "due today"
    );
    assert_eq!(on("2026-04-30")[0].status, DeadlineStatus::Overdue);
    let s = case(&[
        genesis,
        (
            "00070",
            "2026-04-28",
            CaseEvent::CitizenNotified {
                letter_no: "01/TB-TCD".into(),
            },
        ),
    ]);
    assert_eq!(
        deadlines(&s, cal(), d("2026-04-30"))[0].status,
        DeadlineStatus::Met
    );
    // A refusal that needs no written notice has no deadline at all.
    r.refusal = Some(RefusalReason::Disorderly);
    let s = case(&[("00070", "2026-04-23", CaseEvent::Received { reception: r })]);
    assert!(deadlines(&s, cal(), d("2026-04-30")).is_empty());
}

#[test]
fn the_45_day_threshold_alarms() {
    let s = case(&[(
        "00070",
        "2026-07-20",
        received(Kind::Petition, "2026-07-20"),
    )]);
    let near = alarms(&s, cal(), d("2026-09-02"));
    assert_eq!(names(&near), vec!["notify_citizen", "unprocessed_45_days"]);
    assert_eq!(near[0].status, DeadlineStatus::Overdue);
    assert_eq!(
        (near[1].due, near[1].status),
        (d("2026-09-03"), DeadlineStatus::Near)
    );
    assert_eq!(
        alarms(&s, cal(), d("2026-09-04"))[1].status,
        DeadlineStatus::Overdue
    );
    assert!(alarms(&s, cal(), d("2026-07-21")).is_empty());
    // Handling the đơn meets both.
    let s = case(&[
        (
            "00070",
            "2026-07-20",
            received(Kind::Petition, "2026-07-20"),
        ),
        (
            "00070",
            "2026-07-22",
            CaseEvent::Guided {
                to_body: "Sở Xây dựng".into(),
                letter_no: String::new(),
            },
        ),
    ]);
    assert!(alarms(&s, cal(), d("2026-09-04")).is_empty());
    assert!(deadlines(&s, cal(), d("2026-09-04"))
        .iter()
        .all(|x| x.status == DeadlineStatus::Met));
}

#[test]
fn second_instance_at_the_province() {
    let s = case(&[
        (
            "00070",
            "2026-07-06",
            received(Kind::Complaint, "2026-07-06"),
        ),
        (
            "00070",
            "2026-07-08",
            CaseEvent::Accepted {
                decision_no: "1".into(),
            },
        ),
        (
            "00070",
            "2026-07-20",
            CaseEvent::Decided {
                summary: "Không chấp nhận".into(),
            },
        ),
    ]);
    let fin = find(
        &deadlines(&s, cal(), d("2026-07-21")),
        "complaint_decision_final",
    )
    .clone();
    assert_eq!(
        (fin.due, fin.status),
        (d("2026-08-19"), DeadlineStatus::Pending),
        "Luật KN 2011 Art 44"
    );

    let s = case(&[
        (
            "00070",
            "2026-07-06",
            received(Kind::Complaint, "2026-07-06"),
        ),
        (
            "00070",
            "2026-07-08",
            CaseEvent::Accepted {
                decision_no: "1".into(),
            },
        ),
        (
            "00070",
            "2026-07-20",
            CaseEvent::Decided {
                summary: "Không chấp nhận".into(),
            },
        ),
        (
            "01",
            "2026-07-27",
            CaseEvent::Escalated {
                to_site: "01".into(),
                reason: EscalationReason::SecondInstance,
                rewrapped: None,
            },
        ),
    ]);
    let list = deadlines(&s, cal(), d("2026-07-28"));
    assert!(
        list.iter().all(|x| x.name != "complaint_decision_final"),
        "a second complaint stops the first decision taking effect"
    );
    // The province got it Mon 27/7: 7 WD → Wed 5/8.
    let acc = find(&list, "complaint_acceptance");
    assert_eq!(
        (acc.start, acc.due, acc.status),
        (d("2026-07-27"), d("2026-08-05"), DeadlineStatus::Pending)
    );

    let s = case(&[
        (
            "00070",
            "2026-07-06",
            received(Kind::Complaint, "2026-07-06"),
        ),
        (
            "00070",
            "2026-07-08",
            CaseEvent::Accepted {
                decision_no: "1".into(),
            },
        ),
        (
            "00070",
            "2026-07-20",
            CaseEvent::Decided {
                summary: "Không chấp nhận".into(),
            },
        ),
        (
            "01",
            "2026-07-27",
            CaseEvent::Escalated {
                to_site: "01".into(),
                reason: EscalationReason::SecondInstance,
                rewrapped: None,
            },
        ),
        (
            "01",
            "2026-08-04",
            CaseEvent::Accepted {
                decision_no: "99/QĐ-UBND".into(),
            },
        ),
    ]);
    let res = find(
        &deadlines(&s, cal(), d("2026-08-05")),
        "complaint_resolution",
    )
    .clone();
    assert_eq!(
        res.due,
        d("2026-09-18"),
        "Luật KN 2011 Art 37: 45 days from Tue 4/8"
    );
    assert!(res.basis.contains("Art 37"));
}

#[test]
fn repeat_and_overdue_denunciations() {
    let concluded = vec![
        (
            "00070",
            "2026-01-05",
            received(Kind::Denunciation, "2026-01-05"),
        ),
        (
            "00070",
            "2026-01-06",
            CaseEvent::Accepted {
                decision_no: "1".into(),
            },
        ),
        (
            "00070",
            "2026-01-26",
            CaseEvent::Concluded {
                finding: "Không đúng".into(),
            },
        ),
    ];
    let mut events = concluded.clone();
    events.push((
        "01",
        "2026-02-02",
        CaseEvent::Escalated {
            to_site: "01".into(),
            reason: EscalationReason::RepeatDenunciation,
            rewrapped: None,
        },
    ));
    let s = case(&events);
    let review = find(
        &deadlines(&s, cal(), d("2026-02-03")),
        "repeat_denunciation_review",
    )
    .clone();
    assert_eq!(
        (review.due, review.status),
        (d("2026-02-23"), DeadlineStatus::Pending),
        "Luật TC 2018 Art 37: 20 days over Tết"
    );

    let s = case(&[
        (
            "00070",
            "2026-08-03",
            received(Kind::Denunciation, "2026-08-03"),
        ),
        (
            "00070",
            "2026-08-04",
            CaseEvent::Accepted {
                decision_no: "1".into(),
            },
        ),
        (
            "01",
            "2026-09-01",
            CaseEvent::Escalated {
                to_site: "01".into(),
                reason: EscalationReason::Overdue,
                rewrapped: None,
            },
        ),
    ]);
    let req = find(
        &deadlines(&s, cal(), d("2026-09-08")),
        "overdue_report_request",
    )
    .clone();
    assert_eq!(
        (req.due, req.status),
        (d("2026-09-09"), DeadlineStatus::Near),
        "Luật TC 2018 Art 38"
    );
    let s = case(&[
        (
            "00070",
            "2026-08-03",
            received(Kind::Denunciation, "2026-08-03"),
        ),
        (
            "00070",
            "2026-08-04",
            CaseEvent::Accepted {
                decision_no: "1".into(),
            },
        ),
        (
            "01",
            "2026-09-01",
            CaseEvent::Escalated {
                to_site: "01".into(),
                reason: EscalationReason::Overdue,
                rewrapped: None,
            },
        ),
        (
            "01",
            "2026-09-04",
            CaseEvent::OrderedToResolve {
                subordinate_site: "00070".into(),
            },
        ),
    ]);
    let list = deadlines(&s, cal(), d("2026-09-08"));
    assert_eq!(
        find(&list, "overdue_report_request").status,
        DeadlineStatus::Met
    );
    assert_eq!(s.current_site, "00070");
}

#[test]
fn closing_drops_what_no_longer_applies() {
    let s = case(&[
        (
            "00070",
            "2026-07-06",
            received(Kind::Complaint, "2026-07-06"),
        ),
        (
            "00070",
            "2026-07-08",
            CaseEvent::Accepted {
                decision_no: "1".into(),
            },
        ),
        (
            "00070",
            "2026-07-09",
            CaseEvent::Withdrawn {
                partial: false,
                note: "Rút toàn bộ".into(),
            },
        ),
        (
            "00070",
            "2026-07-10",
            CaseEvent::Closed {
                note: String::new(),
            },
        ),
    ]);
    let list = deadlines(&s, cal(), d("2026-08-30"));
    assert!(
        list.iter()
            .all(|x| x.status == DeadlineStatus::Met || x.name == "termination_notice"),
        "{list:#?}"
    );
    // The termination decision (NĐ 155) is still owed: Thu 9/7 + 3 WD = Tue 14/7.
    let t = find(&list, "termination_notice");
    assert_eq!(
        (t.due, t.status),
        (d("2026-07-14"), DeadlineStatus::Overdue)
    );
    assert!(list.iter().all(|x| x.name != "complaint_resolution"));
}

#[test]
fn complaint_received_before_the_2026_decrees() {
    let s = case(&[(
        "00070",
        "2026-06-19",
        received(Kind::Complaint, "2026-06-19"),
    )]);
    let acc = find(
        &deadlines(&s, cal(), d("2026-06-22")),
        "complaint_acceptance",
    )
    .clone();
    assert_eq!(
        (acc.due, acc.basis),
        (d("2026-06-29"), "Luật KN 2011 Art 27")
    );
    assert!(deadlines(&super::CaseState::new("empty"), cal(), d("2026-06-22")).is_empty());
}

proptest::proptest! {
    /// Counting forward, counting back and counting between agree on the real calendar.
    #[test]
    fn working_day_arithmetic_agrees(offset in 0i64..1100, n in 0u32..80) {
        let c = cal();
        let start = d("2025-01-01").add_days(offset);
        let end = c.add_working_days(start, n);
        proptest::prop_assert_eq!(c.working_days_between(start, end), n);
        if n > 0 {
            proptest::prop_assert!(c.is_working_day(end));
            proptest::prop_assert!(c.sub_working_days(end, n) <= start);
            proptest::prop_assert_eq!(c.add_working_days(c.sub_working_days(end, n), n), end);
        }
        let due = c.calendar_period_end(start, n);
        proptest::prop_assert!(c.is_working_day(due) && due >= start.add_days(i64::from(n)));
    }
}

#[test]
fn an_anonymous_denunciation_owes_only_the_handling_of_its_don() {
    let mut r = crate::case::reception::tests::reception(Kind::Denunciation);
    r.anonymous = true;
    r.source = crate::case::DonSource::Post;
    r.date = d("2026-07-20");
    let s = case(&[("00070", "2026-07-20", CaseEvent::Received { reception: r })]);
    assert_eq!(
        names(&deadlines(&s, cal(), d("2026-07-21"))),
        vec!["unprocessed_45_days"]
    );
}

/// An overdue escalation needs a lapsed ground: the holder's acceptance or resolution time.
#[test]
fn an_overdue_escalation_needs_a_lapsed_ground() {
    let received_on = "2026-07-01";
    // A complaint received Wed 1/7/2026: acceptance due in 7 WD, Fri 10/7.
    let s = case(&[("00004", received_on, received(Kind::Complaint, received_on))]);
    let refused = check_overdue_escalation(&s, cal(), d("2026-07-10")).unwrap_err();
    assert_eq!(
        (refused.name, refused.due),
        ("complaint_acceptance", d("2026-07-10"))
    );
    assert_eq!(check_overdue_escalation(&s, cal(), d("2026-07-13")), Ok(()));
    // Accepted on time: now the 30-day resolution, due Mon 10/8 (Sun 9/8 rolled), is the ground.
    let s = case(&[
        ("00004", received_on, received(Kind::Complaint, received_on)),
        (
            "00004",
            "2026-07-10",
            CaseEvent::Accepted {
                decision_no: "15/QĐ-UBND".into(),
            },
        ),
    ]);
    let refused = check_overdue_escalation(&s, cal(), d("2026-07-20")).unwrap_err();
    assert_eq!(
        (refused.name, refused.due),
        ("complaint_resolution", d("2026-08-10"))
    );
    assert_eq!(check_overdue_escalation(&s, cal(), d("2026-08-11")), Ok(()));
    // A petition has no ground this model knows but the 45-day threshold.
    let s = case(&[("00004", received_on, received(Kind::Petition, received_on))]);
    let refused = check_overdue_escalation(&s, cal(), d("2026-07-02")).unwrap_err();
    assert_eq!(refused.name, UNPROCESSED_45_DAYS.name);
}

/// A limit met after its due date reads as met, but not in time; the day it was met is the
/// day of the act (the supervision counts these apart).
#[test]
fn a_limit_met_late_is_met_but_not_in_time() {
    let accepted_on = |day: &str| {
        let s = case(&[
            (
                "00070",
                "2026-07-06",
                received(Kind::Complaint, "2026-07-06"),
            ),
            (
                "00070",
                day,
                CaseEvent::Accepted {
                    decision_no: "21/QĐ-UBND".into(),
                },
            ),
        ]);
        find(
            &deadlines(&s, cal(), d("2026-09-04")),
            "complaint_acceptance",
        )
        .clone()
    };
    let in_time = accepted_on("2026-07-10");
    assert_eq!(in_time.met_on, Some(d("2026-07-10")));
    assert!(in_time.met_in_time());
    let late = accepted_on("2026-07-28");
    assert_eq!(late.status, DeadlineStatus::Met);
    assert_eq!(late.met_on, Some(d("2026-07-28")));
    assert!(late.due < d("2026-07-28"), "{late:?}");
    assert!(!late.met_in_time());
}
