use ed25519_dalek::SigningKey;
use proptest::prelude::*;

use super::*;
use crate::case::deadline::DayKind;
use crate::case::{parse_date, Date};

fn d(s: &str) -> Date {
    parse_date(s).unwrap()
}

fn central() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

fn central_pk() -> [u8; 32] {
    central().verifying_key().to_bytes()
}

const NOW: u64 = 1_830_000_000; // 2027-12-29

fn row(date: &str, kind: DayKind, name: &str) -> CalendarRow {
    CalendarRow {
        date: d(date),
        kind,
        name: name.into(),
        source: "Thông báo của Bộ Nội vụ, 2027".into(),
    }
}

const CSV_2028: &str = "date,kind,name,source
2028-01-01,work,Làm bù,x
2028-03-08,off,Ngày nghỉ thử nghiệm,Quyết định giả định của Thủ tướng
2028-09-01,off,Quốc khánh (ngày liền kề),Bộ luật Lao động 2019 Art 112(1)(đ)
2028-09-04,off,Nghỉ bù Quốc khánh,Bộ luật Lao động 2019 Art 111(3)
";

/// A record whose body is whatever the test says, signed by `key`: what a forger or a
/// careless encoder would send.
fn signed_raw(key: &SigningKey, body: &CalendarBody) -> Vec<u8> {
    let body = encode(body);
    let signature = key.sign(&signed_message(&body)).to_bytes().to_vec();
    encode(&SignedCalendar { body, signature })
}

fn body_2028() -> CalendarBody {
    CalendarBody {
        v: VERSION,
        year: 2028,
        days: vec![row("2028-03-08", DayKind::Off, "Ngày nghỉ thử nghiệm")],
        issuer_site: CENTRAL_CODE.into(),
        issued_at: NOW,
    }
}

#[test]
fn a_published_year_is_added_and_a_built_in_year_is_replaced() {
    let builtin = Calendar::vietnam();
    let bytes = publish_csv(&central(), 2028, CSV_2028, NOW).unwrap();
    let cal = verify(&bytes, &central_pk(), NOW).unwrap();
    assert_eq!(cal.year, 2028);
    assert_eq!(cal.days.len(), 4);
    assert_eq!(cal.issuer_site, "VN");

    let mut held = PublishedCalendars::new();
    assert!(held.insert(cal, bytes.clone()));
    assert!(!held.insert(verify(&bytes, &central_pk(), NOW).unwrap(), bytes));
    let eff = held.effective(builtin);
    assert!(eff.covers(2028) && eff.covers(2027) && !eff.covers(2029));
    // Wednesday 8 March 2028 is off, and deadlines skip it.
    assert!(!eff.is_working_day(d("2028-03-08")));
    assert_eq!(eff.holiday(d("2028-03-08")), Some("Ngày nghỉ thử nghiệm"));
    assert_eq!(eff.add_working_days(d("2028-03-07"), 1), d("2028-03-09"));
    assert_eq!(
        builtin.add_working_days(d("2028-03-07"), 1),
        d("2028-03-08")
    );
    assert!(eff.is_working_day(d("2028-01-01")), "a make-up Saturday");
    assert_eq!(eff.days_off_in(2028), 3);
    // The built-in years stay as they were.
    for year in [2025, 2026, 2027] {
        assert_eq!(eff.days_off_in(year), builtin.days_off_in(year), "{year}");
    }

    // A calendar for 2026 replaces the built-in 2026 altogether.
    let only = vec![row("2026-12-31", DayKind::Off, "Ngày nghỉ duy nhất")];
    let b2026 = publish(&central(), 2026, only, NOW).unwrap();
    assert!(held.insert(verify(&b2026, &central_pk(), NOW).unwrap(), b2026));
    let eff = held.effective(builtin);
    assert!(!builtin.is_working_day(d("2026-02-17")));
    assert!(
        eff.is_working_day(d("2026-02-17")),
        "built-in Tết 2026 replaced"
    );
    assert!(!eff.is_working_day(d("2026-12-31")));
    assert!(
        !eff.is_working_day(d("2026-08-22")),
        "its make-up Saturday too"
    );
    assert_eq!(eff.days_off_in(2026), 1);
    assert_eq!(eff.days_off_in(2025), builtin.days_off_in(2025));
    assert!(!eff.is_working_day(d("2028-03-08")));
}

#[test]
fn the_newest_calendar_of_a_year_wins() {
    let old = publish(&central(), 2028, body_2028().days, NOW - 100).unwrap();
    let new_rows = vec![row("2028-03-09", DayKind::Off, "Đã sửa")];
    let new = publish(&central(), 2028, new_rows, NOW).unwrap();
    let mut held = PublishedCalendars::new();
    assert!(held.insert(verify(&new, &central_pk(), NOW).unwrap(), new.clone()));
    assert!(
        !held.insert(verify(&old, &central_pk(), NOW).unwrap(), old.clone()),
        "an older calendar is not news"
    );
    assert_eq!(held.records().collect::<Vec<_>>(), vec![new.as_slice()]);
    let eff = held.effective(Calendar::vietnam());
    assert!(eff.is_working_day(d("2028-03-08")));
    assert!(!eff.is_working_day(d("2028-03-09")));
    assert_eq!(held.get(2028).unwrap().issued_at, NOW);
    assert_eq!(held.len(), 1);
}

#[test]
fn what_is_refused_and_why() {
    let pk = central_pk();
    let reason = |bytes: &[u8]| verify(bytes, &pk, NOW).unwrap_err().reason();
    // Another site's key, whatever the record claims.
    let forger = SigningKey::from_bytes(&[9; 32]);
    assert_eq!(reason(&signed_raw(&forger, &body_2028())), "bad_signature");
    // Central's key, but naming another issuer (and a province cannot publish at all).
    let mut by_province = body_2028();
    by_province.issuer_site = "01".into();
    assert_eq!(reason(&signed_raw(&central(), &by_province)), "not_central");
    assert_eq!(reason(&signed_raw(&forger, &by_province)), "not_central");
    // A day of another year.
    let mut outside = body_2028();
    outside.days.push(row("2029-01-01", DayKind::Off, "Tết"));
    assert_eq!(reason(&signed_raw(&central(), &outside)), "outside_year");
    // The same day twice, days out of order, no days, too many days.
    let mut twice = body_2028();
    twice.days.push(twice.days[0].clone());
    assert_eq!(reason(&signed_raw(&central(), &twice)), "bad_day");
    let mut unordered = body_2028();
    unordered
        .days
        .insert(0, row("2028-03-09", DayKind::Off, "Sau"));
    assert_eq!(reason(&signed_raw(&central(), &unordered)), "not_in_order");
    let mut empty = body_2028();
    empty.days.clear();
    assert_eq!(reason(&signed_raw(&central(), &empty)), "no_days");
    let mut many = body_2028();
    many.days = (0..=MAX_DAYS as i64)
        .map(|i| CalendarRow {
            date: d("2028-01-01").add_days(i),
            ..many.days[0].clone()
        })
        .collect();
    assert_eq!(reason(&signed_raw(&central(), &many)), "too_many_days");
    // A weekend day "off", a weekday "work", a blank name.
    let mut weekend = body_2028();
    weekend.days[0].date = d("2028-03-11");
    assert_eq!(reason(&signed_raw(&central(), &weekend)), "bad_day");
    let mut workday = body_2028();
    workday.days[0].kind = DayKind::Work;
    assert_eq!(reason(&signed_raw(&central(), &workday)), "bad_day");
    let mut blank = body_2028();
    blank.days[0].name = " ".into();
    assert_eq!(reason(&signed_raw(&central(), &blank)), "bad_day");
    // Version, year range, the clock.
    let mut v2 = body_2028();
    v2.v = 2;
    assert_eq!(reason(&signed_raw(&central(), &v2)), "unsupported_version");
    let future = publish(&central(), 2028, body_2028().days, NOW + 3600).unwrap();
    assert_eq!(reason(&future), "from_the_future");
    assert!(verify(&future, &pk, NOW + 3600).is_ok());
    // Not a record at all, trailing bytes, too large.
    assert_eq!(reason(b"\xff\x00garbage"), "garbled");
    let mut trailing = signed_raw(&central(), &body_2028());
    trailing.push(0);
    assert_eq!(reason(&trailing), "garbled");
    assert_eq!(reason(&vec![0; MAX_CALENDAR_BYTES + 1]), "too_large");
    // A good one verifies.
    assert!(verify(&signed_raw(&central(), &body_2028()), &pk, NOW).is_ok());
}

/// `Display` is for logs: English, naming the line and the day; people read the node's
/// catalogue message of the same error.
#[test]
fn messages_are_english_for_logs() {
    let e = publish_csv(
        &central(),
        2028,
        "date,kind,name,source\n2028-03-11,off,Thứ Bảy,x\n",
        NOW,
    )
    .unwrap_err();
    assert_eq!(e.reason(), "bad_line");
    assert_eq!(
        e.to_string(),
        "line 2: 2028-03-11 is already a weekend day",
        "{e}"
    );
    assert!(matches!(
        e,
        CalendarError::Line {
            line: 2,
            problem: RowProblem::AlreadyWeekend(_)
        }
    ));
    let e = publish_csv(
        &central(),
        2028,
        "date,kind,name,source\n2027-03-10,off,A,x\n",
        NOW,
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "2027-03-10 is not in 2028", "{e}");
    let e = publish_csv(&central(), 2028, "ngay,ten\n", NOW).unwrap_err();
    assert!(e.to_string().contains("header"), "{e}");
    let e = publish_csv(&central(), 2028, "date,kind,name,source\n", NOW).unwrap_err();
    assert_eq!(e.reason(), "no_days");
    assert!(CalendarError::BadSignature.to_string().contains("central"));
    for e in [
        CalendarError::TooLarge(1),
        CalendarError::NotCentral("01".into()),
        CalendarError::NotInOrder,
    ] {
        assert!(e.to_string().is_ascii(), "{e}");
    }
}

#[test]
fn the_largest_calendar_fits_a_record_and_a_control_frame() {
    let name = "đ".repeat(crate::case::deadline::MAX_DAY_NAME_BYTES / 2);
    let source = "ư".repeat(crate::case::deadline::MAX_DAY_SOURCE_BYTES / 2);
    let rows: Vec<CalendarRow> = (0..366)
        .map(|i| d("2028-01-01").add_days(i))
        .map(|date| CalendarRow {
            date,
            kind: if date.is_weekend() {
                DayKind::Work
            } else {
                DayKind::Off
            },
            name: name.clone(),
            source: source.clone(),
        })
        .collect();
    let bytes = publish(&central(), 2028, rows, NOW).unwrap();
    assert!(bytes.len() <= MAX_CALENDAR_BYTES);
    assert!(bytes.len() + 64 < crate::control::MAX_FRAME_BYTES);
    let cal = verify(&bytes, &central_pk(), NOW).unwrap();
    assert_eq!(cal.days.len(), 366);
}

fn rows_strategy() -> impl Strategy<Value = Vec<CalendarRow>> {
    proptest::collection::btree_set(0i64..366, 1..20).prop_map(|offsets| {
        offsets
            .into_iter()
            .map(|i| d("2028-01-01").add_days(i))
            .filter(|date| date.year() == 2028)
            .map(|date| CalendarRow {
                date,
                kind: if date.is_weekend() {
                    DayKind::Work
                } else {
                    DayKind::Off
                },
                name: format!("Ngày {date}"),
                source: "Căn cứ".into(),
            })
            .collect()
    })
}

proptest! {
    /// Every site ends with the same calendar per year, whatever order the records came in.
    #[test]
    fn the_held_set_does_not_depend_on_arrival_order(
        versions in proptest::collection::vec((rows_strategy(), 0u64..4), 1..6),
        order in Just((0..6).collect::<Vec<usize>>()).prop_shuffle(),
    ) {
        let records: Vec<Vec<u8>> = versions
            .iter()
            .map(|(rows, at)| publish(&central(), 2028, rows.clone(), NOW - at).unwrap())
            .collect();
        let mut in_order = PublishedCalendars::new();
        for r in &records {
            in_order.insert(verify(r, &central_pk(), NOW).unwrap(), r.clone());
        }
        let mut shuffled = PublishedCalendars::new();
        for i in order.iter().filter(|i| **i < records.len()) {
            let r = &records[*i];
            shuffled.insert(verify(r, &central_pk(), NOW).unwrap(), r.clone());
        }
        prop_assert_eq!(&in_order, &shuffled);
        let newest = versions.iter().map(|(_, at)| NOW - at).max().unwrap();
        prop_assert_eq!(in_order.get(2028).unwrap().issued_at, newest);
        // The effective calendar is the built-in one with exactly the held days in 2028.
        let eff = in_order.effective(Calendar::vietnam());
        let held = in_order.get(2028).unwrap();
        let mut day = d("2028-01-01");
        while day.year() == 2028 {
            let listed = held.days.iter().find(|r| r.date == day);
            let expected = match listed {
                Some(r) => r.kind == DayKind::Work,
                None => !day.is_weekend(),
            };
            prop_assert_eq!(eff.is_working_day(day), expected, "{}", day);
            day = day.next();
        }
    }

    /// No change to a record's bytes passes: a flipped byte is refused, never read as another
    /// valid calendar.
    #[test]
    fn a_changed_byte_is_refused(rows in rows_strategy(), at in any::<prop::sample::Index>(), bit in 0u8..8) {
        let mut bytes = publish(&central(), 2028, rows, NOW).unwrap();
        let i = at.index(bytes.len());
        bytes[i] ^= 1 << bit;
        prop_assert!(verify(&bytes, &central_pk(), NOW).is_err());
    }

    /// Published rows read back as they went in, in date order.
    #[test]
    fn rows_round_trip(rows in rows_strategy()) {
        let bytes = publish(&central(), 2028, rows.clone(), NOW).unwrap();
        let cal = verify(&bytes, &central_pk(), NOW).unwrap();
        prop_assert_eq!(cal.days, rows);
        let csv: String = std::iter::once(crate::case::deadline::CALENDAR_HEADER.to_owned())
            .chain(verify(&bytes, &central_pk(), NOW).unwrap().days.iter().map(CalendarRow::to_csv_line))
            .collect::<Vec<_>>()
            .join("\n");
        prop_assert_eq!(publish_csv(&central(), 2028, &csv, NOW).unwrap(), bytes);
    }
}
