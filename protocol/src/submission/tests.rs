//! Tests of submitted reports: ids, the wire form, the fold, timeliness, and replication to
//! exactly the site's ancestors.

use super::*;
use crate::case::deadline::Calendar;
use crate::case::{parse_date, Date};
use crate::log::CaseLog;
use crate::records::{self, CheckedEvent, Payload, Records};
use ed25519_dalek::SigningKey;

fn d(s: &str) -> Date {
    parse_date(s).unwrap()
}

fn submitted(period: &str, visits: u64) -> SubmissionEvent {
    SubmissionEvent::Submitted {
        form: "01-tcd".into(),
        period: period.into(),
        descendants: false,
        columns: vec!["visits".into(), "persons".into()],
        totals: vec![visits, visits + 2],
        rows: vec![SubmittedRow {
            site: "00004".into(),
            values: vec![visits, visits + 2],
        }],
        note: String::new(),
    }
}

#[test]
fn ids_name_the_site_period_and_form() {
    let id = submission_id("00004", "2026-Q4", "01-tcd");
    assert_eq!(id, "R-00004-2026-Q4-01-tcd");
    assert!(is_submission_id(&id));
    assert_eq!(
        parse_submission_id(&id),
        Some(("00004", "2026-Q4", "01-tcd"))
    );
    assert_eq!(
        parse_submission_id("R-01-2026-02-xld"),
        Some(("01", "2026", "02-xld"))
    );
    assert_eq!(records::owner_of(&id), Some("00004"));
    for bad in [
        "R-00004-2026-Q5-01-tcd",
        "R-00004-2026-H2-01-tcd",
        "R-00004-26-Q1-01-tcd",
        "R-00004-2026-Q1-05-xld",
        "R--2026-Q1-01-tcd",
        "00004-2026-00001",
    ] {
        assert_eq!(parse_submission_id(bad), None, "{bad}");
    }
}

#[test]
fn the_wire_form_is_one_canonical_valid_item() {
    let ev = submitted("2026-Q4", 7);
    let bytes = encode_event(&ev).unwrap();
    assert_eq!(decode_event(&bytes), Ok(ev));
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(matches!(
        decode_event(&trailing),
        Err(SubmissionError::Malformed(_))
    ));
    let mut newer = bytes.clone();
    // The map's first value is the version (`v`: 1); a later build writes 2.
    let at = newer.iter().position(|&b| b == 0x01).unwrap();
    newer[at] = 0x02;
    assert_eq!(
        decode_event(&newer),
        Err(SubmissionError::UnsupportedVersion(2))
    );

    let with = |f: &dyn Fn(&mut SubmissionEvent)| {
        let mut e = submitted("2026-Q4", 1);
        f(&mut e);
        encode_event(&e).unwrap_err()
    };
    assert!(matches!(
        with(&|e| {
            let SubmissionEvent::Submitted { form, .. } = e;
            *form = "09-xyz".into()
        }),
        SubmissionError::UnknownForm(_)
    ));
    assert!(matches!(
        with(&|e| {
            let SubmissionEvent::Submitted { period, .. } = e;
            *period = "2026-H2".into()
        }),
        SubmissionError::UnknownPeriod(_)
    ));
    assert!(matches!(
        with(&|e| {
            let SubmissionEvent::Submitted { totals, .. } = e;
            totals.pop();
        }),
        SubmissionError::Width { .. }
    ));
    assert!(matches!(
        with(&|e| {
            let SubmissionEvent::Submitted { columns, .. } = e;
            columns[1] = "visits".into()
        }),
        SubmissionError::BadColumns
    ));
    assert!(matches!(
        with(&|e| {
            let SubmissionEvent::Submitted { columns, .. } = e;
            columns[1] = "Số lượt".into()
        }),
        SubmissionError::BadColumns
    ));
    assert!(matches!(
        with(&|e| {
            let SubmissionEvent::Submitted { rows, .. } = e;
            rows[0].site = "xã 4".into()
        }),
        SubmissionError::BadSite(_)
    ));
    assert!(matches!(
        with(&|e| {
            let SubmissionEvent::Submitted { note, .. } = e;
            *note = "a\u{7}".into()
        }),
        SubmissionError::BadNote
    ));
}

/// Signs `event` for record `id` at `author` and admits it at `at` (as received from
/// `sender`); returns how many events were accepted.
fn deliver(
    at: &mut Records,
    us: &str,
    key: &SigningKey,
    author: &str,
    id: &str,
    at_ms: u64,
    event: SubmissionEvent,
) -> usize {
    let bytes = encode_event(&event).unwrap();
    let ev = records::sign_payload(at, key, author, id, at_ms, bytes).unwrap();
    let adm = at.admit(
        vec![Ok(CheckedEvent {
            event: ev,
            payload: Payload::Submission(event),
        })],
        us,
        Some(author).filter(|a| *a != us),
    );
    let n = adm.accepted.len();
    if n > 0 {
        let events = adm.accepted.clone();
        at.install(adm.entries);
        at.insert(events);
    }
    n
}

fn with_keys(keys: &[(&str, &SigningKey)]) -> Records {
    let mut r = Records::default();
    for (code, k) in keys {
        r.site_keys
            .insert((*code).to_owned(), k.verifying_key().to_bytes());
    }
    r
}

#[test]
fn a_report_goes_up_to_the_ancestors_only_and_a_correction_counts() {
    let commune = SigningKey::from_bytes(&[4; 32]);
    let other = SigningKey::from_bytes(&[8; 32]);
    let keys = [("00004", &commune), ("00008", &other)];
    let id = submission_id("00004", "2026-Q4", "01-tcd");
    // Hà Nội (01) holds its commune's report.
    let mut province = with_keys(&keys);
    assert_eq!(
        deliver(
            &mut province,
            "01",
            &commune,
            "00004",
            &id,
            1_797_000_000_000,
            submitted("2026-Q4", 7)
        ),
        1
    );
    let entry = &province.submissions[&id];
    assert_eq!(
        entry
            .audience
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        ["00004", "01", "VN"]
    );
    assert_eq!(entry.state.latest().unwrap().total("visits"), Some(7));
    // A correction: the latest figures count, the first date stays.
    deliver(
        &mut province,
        "01",
        &commune,
        "00004",
        &id,
        1_797_100_000_000,
        submitted("2026-Q4", 9),
    );
    let state = &province.submissions[&id].state;
    assert_eq!(state.submissions.len(), 2);
    assert_eq!(state.latest().unwrap().total("visits"), Some(9));
    assert_eq!(
        state.first_submitted_on(),
        Some(crate::case::date_from_unix_ms(1_797_000_000_000))
    );
    // A sibling commune is not in its audience: it never holds it.
    let mut sibling = with_keys(&keys);
    assert_eq!(
        deliver(
            &mut sibling,
            "00008",
            &commune,
            "00004",
            &id,
            1_797_000_000_000,
            submitted("2026-Q4", 7)
        ),
        0
    );
    // Nor does another site write the commune's report.
    let mut province = with_keys(&keys);
    assert_eq!(
        deliver(
            &mut province,
            "01",
            &other,
            "00008",
            &id,
            1_797_000_000_000,
            submitted("2026-Q4", 70)
        ),
        0,
        "a genesis by another site is refused"
    );
}

#[test]
fn a_submission_for_another_period_than_its_id_is_left_out() {
    let commune = SigningKey::from_bytes(&[4; 32]);
    let id = submission_id("00004", "2026-Q4", "01-tcd");
    let mut log = CaseLog::new(&id);
    let records = with_keys(&[("00004", &commune)]);
    let bytes = encode_event(&submitted("2026-Q3", 7)).unwrap();
    let ev = records::sign_payload(&records, &commune, "00004", &id, 1, bytes).unwrap();
    log.insert(ev).unwrap();
    let state = SubmissionState::fold_log(&log);
    assert_eq!((state.submissions.len(), state.refused), (0, 1));
}

#[test]
fn on_time_late_missing_and_not_yet_due() {
    let cal = Calendar::vietnam();
    // Q4 2026 ends Mon 14/12; five working days later is Mon 21/12.
    let due = due_date(d("2026-12-14"), cal, REPORT_DUE_WORKING_DAYS);
    assert_eq!(due, d("2026-12-21"));
    #[rustfmt::skip]
    let rows = [
        (Some("2026-12-21"), "2026-12-30", Timeliness::OnTime),
        (Some("2026-12-22"), "2026-12-30", Timeliness::Late { days: 1 }),
        (Some("2027-01-04"), "2027-01-05", Timeliness::Late { days: 14 }),
        (None, "2026-12-21", Timeliness::NotYetDue),
        (None, "2026-12-22", Timeliness::Missing),
    ];
    for (submitted, today, want) in rows {
        assert_eq!(
            Timeliness::of(submitted.map(d), due, d(today)),
            want,
            "{submitted:?} {today}"
        );
    }
    assert_eq!(Timeliness::Late { days: 3 }.label_vi(), "Nộp muộn 3 ngày");
}
