//! Tests of the case fold: the audience, jurisdiction, ignored transitions, refused and guided
//! receptions, suspension and extensions, duplicates, and a property test that the fold is
//! deterministic and that an ignored event changes nothing but the history.
//!
//! Also owns the helpers other tests build cases with ([`case`], [`received`], [`ms`]).

use super::*;
use crate::case::event::tests::every_event;
use crate::case::reception::tests::{reception, sealed};
use crate::case::{parse_date, CaseError, Direction, EscalationReason, RefusalReason};
use proptest::prelude::*;

/// Unix ms of 09:00 Vietnam time on `date`.
pub(crate) fn ms(date: &str) -> u64 {
    let d = parse_date(date).unwrap();
    let days = Date::UNIX_EPOCH.days_until(d) as u64;
    days * 86_400_000 + 2 * 3_600_000
}

/// Builds a case from (author, date, event) triples; ids are the sequence numbers.
pub(crate) fn case(events: &[(&str, &str, CaseEvent)]) -> CaseState {
    let mut s = CaseState::new("case-1");
    for (i, (author, date, ev)) in events.iter().enumerate() {
        let mut id = [0u8; 32];
        id[..8].copy_from_slice(&(i as u64).to_be_bytes());
        s.apply(AppliedEvent {
            by: None,
            id,
            author,
            at_ms: ms(date),
            event: ev,
        });
    }
    s
}

pub(crate) fn received(kind: Kind, date: &str) -> CaseEvent {
    let mut r = reception(kind);
    r.date = parse_date(date).unwrap();
    CaseEvent::Received { reception: r }
}

fn set(sites: &[&str]) -> BTreeSet<String> {
    sites.iter().map(|s| s.to_string()).collect()
}

#[test]
fn audience_follows_escalation_and_transfer() {
    // Phường Hoàn Kiếm (00070, Hà Nội 01) escalates to 01 then central.
    let mut s = case(&[
        (
            "00070",
            "2026-07-06",
            received(Kind::Complaint, "2026-07-06"),
        ),
        (
            "00070",
            "2026-07-07",
            CaseEvent::Accepted {
                decision_no: "1/QĐ".into(),
            },
        ),
        (
            "00070",
            "2026-07-20",
            CaseEvent::Decided {
                summary: "Bác đơn".into(),
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
            "2026-07-28",
            CaseEvent::Escalated {
                to_site: "VN".into(),
                reason: EscalationReason::Overdue,
                rewrapped: None,
            },
        ),
    ]);
    assert!(s.history.iter().all(|h| !h.ignored), "{:#?}", s.history);
    assert_eq!(s.audience(), set(&["00070", "01", "VN"]));
    assert_eq!(s.instance, 2);
    assert_eq!(s.current_site, "VN");
    // Central transfers it to the competent ward 26506 in TP HCM (79).
    let ev = CaseEvent::Transferred {
        to_site: "26506".into(),
        letter_no: "5/BTCDTW".into(),
        rewrapped: Some(sealed()),
    };
    s.apply(AppliedEvent {
        by: None,
        id: [9; 32],
        author: "VN",
        at_ms: ms("2026-07-29"),
        event: &ev,
    });
    assert!(!s.history.last().unwrap().ignored, "{:?}", s.history.last());
    assert_eq!(s.audience(), set(&["00070", "01", "VN", "26506", "79"]));
    assert!(
        !s.audience().contains("00073"),
        "a sibling commune is never in the audience"
    );
    assert_eq!(s.holders, vec!["01", "VN", "26506"]);
}

#[test]
fn jurisdiction() {
    assert!(can_escalate("00070", "01").is_ok());
    assert!(can_escalate("00070", "VN").is_ok());
    assert!(can_escalate("01", "VN").is_ok());
    let e = can_escalate("00070", "00073").unwrap_err();
    assert!(matches!(e, CaseError::NotAnAncestor { .. }));
    assert!(e.to_string().contains("not above"), "{e}");
    assert!(can_escalate("00070", "79").is_err(), "another province");
    assert!(can_escalate("01", "00070").is_err(), "down is not up");
    assert!(can_escalate("00070", "00070").is_err());
    assert!(matches!(
        can_escalate("99999", "01"),
        Err(CaseError::Site(_))
    ));
    assert!(can_transfer("00070", "26506").is_ok());
    assert!(can_transfer("00070", "00073").is_ok());
    assert!(can_transfer("00070", "00070").is_err());
    assert!(can_transfer("00070", "XX").is_err());
}

#[test]
fn illegal_transitions_are_recorded_not_applied() {
    let mut s = case(&[
        (
            "00070",
            "2026-07-06",
            received(Kind::Complaint, "2026-07-06"),
        ),
        (
            "00070",
            "2026-07-08",
            CaseEvent::Closed {
                note: String::new(),
            },
        ),
    ]);
    let before = s.clone();
    let late = CaseEvent::Accepted {
        decision_no: "2/QĐ".into(),
    };
    s.apply(AppliedEvent {
        by: None,
        id: [1; 32],
        author: "00070",
        at_ms: ms("2026-07-09"),
        event: &late,
    });
    let last = s.history.last().unwrap();
    assert!(last.ignored);
    assert_eq!(last.reason.as_deref(), Some("the case is closed"));
    assert_eq!(s.status, Status::Closed);
    assert_eq!(s.accepted_on, None);
    assert_eq!(without_history(&s), without_history(&before));

    // A sibling cannot act, a commune cannot escalate sideways, a petition has no decision.
    let s = case(&[
        (
            "00070",
            "2026-07-06",
            received(Kind::Petition, "2026-07-06"),
        ),
        (
            "00073",
            "2026-07-07",
            CaseEvent::Accepted {
                decision_no: "x".into(),
            },
        ),
        (
            "00070",
            "2026-07-07",
            CaseEvent::Escalated {
                to_site: "00073".into(),
                reason: EscalationReason::Overdue,
                rewrapped: None,
            },
        ),
        (
            "00070",
            "2026-07-07",
            CaseEvent::Accepted {
                decision_no: "3/TB".into(),
            },
        ),
        (
            "00070",
            "2026-07-08",
            CaseEvent::Decided {
                summary: "x".into(),
            },
        ),
        (
            "00070",
            "2026-07-08",
            CaseEvent::Extended {
                days: 10,
                reason: "x".into(),
            },
        ),
        ("00073", "2026-07-08", CaseEvent::Note { text: "x".into() }),
        (
            "01",
            "2026-07-08",
            CaseEvent::Note {
                text: "province may note".into(),
            },
        ),
    ]);
    let ignored: Vec<bool> = s.history.iter().map(|h| h.ignored).collect();
    assert_eq!(
        ignored,
        vec![false, true, true, false, true, true, true, false],
        "{:#?}",
        s.history
    );
    assert!(s.history[1]
        .reason
        .as_ref()
        .unwrap()
        .contains("does not handle"));
    assert!(s.history[2].reason.as_ref().unwrap().contains("not above"));
    assert_eq!(s.status, Status::Accepted);
}

#[test]
fn refused_and_guided_receptions() {
    let mut r = reception(Kind::Feedback);
    r.refusal = Some(RefusalReason::PetitionAlreadyAnswered);
    let s = case(&[
        ("00070", "2026-07-06", CaseEvent::Received { reception: r }),
        (
            "00070",
            "2026-07-07",
            CaseEvent::Accepted {
                decision_no: "1".into(),
            },
        ),
        (
            "00070",
            "2026-07-07",
            CaseEvent::CitizenNotified {
                letter_no: "01/TB-TCD".into(),
            },
        ),
        (
            "00070",
            "2026-07-08",
            CaseEvent::Closed {
                note: String::new(),
            },
        ),
    ]);
    assert_eq!(
        s.history.iter().map(|h| h.ignored).collect::<Vec<_>>(),
        vec![false, true, false, false]
    );
    assert_eq!(s.status, Status::Closed);

    let mut r = reception(Kind::Complaint);
    r.direction = Some(Direction::Guide {
        to_body: "UBND tỉnh".into(),
        letter_no: String::new(),
    });
    let s = case(&[("00070", "2026-07-06", CaseEvent::Received { reception: r })]);
    assert_eq!(s.status, Status::Guided);
    assert_eq!(s.handled_on, Some(parse_date("2026-07-06").unwrap()));
}

#[test]
fn suspension_and_extensions() {
    let s = case(&[
        (
            "00070",
            "2026-07-06",
            received(Kind::Denunciation, "2026-07-06"),
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
            "2026-07-10",
            CaseEvent::Suspended {
                reason: "Chờ giám định".into(),
            },
        ),
        ("00070", "2026-07-20", CaseEvent::Resumed),
        (
            "00070",
            "2026-07-21",
            CaseEvent::Extended {
                days: 30,
                reason: "Phức tạp".into(),
            },
        ),
        (
            "00070",
            "2026-07-22",
            CaseEvent::Extended {
                days: 30,
                reason: "Đặc biệt phức tạp".into(),
            },
        ),
        (
            "00070",
            "2026-07-23",
            CaseEvent::Extended {
                days: 30,
                reason: "Lần ba".into(),
            },
        ),
        ("00070", "2026-07-24", CaseEvent::Resumed),
    ]);
    assert_eq!(s.suspended_days, 10);
    assert_eq!(s.extensions, vec![30, 30]);
    assert_eq!(
        s.clock_restarted_on, None,
        "a denunciation's clock continues (Luật TC 2018 Art 34)"
    );
    assert!(s.history[6].ignored && s.history[7].ignored);
    assert_eq!(s.status, Status::Accepted);
}

#[test]
fn plain_identity_cannot_become_a_denunciation() {
    let s = case(&[
        (
            "00070",
            "2026-07-06",
            received(Kind::Complaint, "2026-07-06"),
        ),
        (
            "00070",
            "2026-07-06",
            CaseEvent::Classified {
                kind: Kind::Denunciation,
                complex: false,
                remote_area: false,
            },
        ),
    ]);
    assert!(s.history[1].ignored);
    assert_eq!(s.kind, Some(Kind::Complaint));
}

#[test]
fn duplicates_and_events_before_genesis() {
    let ev = received(Kind::Complaint, "2026-07-06");
    let note = CaseEvent::Note { text: "x".into() };
    let mut s = CaseState::new("c");
    s.apply(AppliedEvent {
        by: None,
        id: [2; 32],
        author: "00070",
        at_ms: ms("2026-07-06"),
        event: &note,
    });
    assert!(s.history[0].ignored);
    s.apply(AppliedEvent {
        by: None,
        id: [1; 32],
        author: "00070",
        at_ms: ms("2026-07-06"),
        event: &ev,
    });
    s.apply(AppliedEvent {
        by: None,
        id: [1; 32],
        author: "00070",
        at_ms: ms("2026-07-06"),
        event: &ev,
    });
    assert_eq!(s.history.len(), 2, "a duplicate id is skipped");
    s.apply(AppliedEvent {
        by: None,
        id: [3; 32],
        author: "00070",
        at_ms: ms("2026-07-06"),
        event: &ev,
    });
    assert!(s.history[2].ignored, "a second genesis is ignored");
    let s2 = case(&[("99999", "2026-07-06", ev.clone())]);
    assert!(s2.history[0].ignored && s2.reception.is_none());
}

fn without_history(s: &CaseState) -> CaseState {
    let mut c = s.clone();
    c.history.clear();
    c.seen.clear();
    c
}

const SITES: [&str; 7] = ["00070", "00073", "01", "VN", "26506", "79", "99999"];

fn arb_event() -> impl Strategy<Value = (usize, u8, usize)> {
    (0..SITES.len(), 0u8..40, 0..every_event().len() + 6)
}

fn pick(i: usize) -> CaseEvent {
    let mut all = every_event();
    all.push(received(Kind::Denunciation, "2026-07-06"));
    all.push(CaseEvent::Escalated {
        to_site: "VN".into(),
        reason: EscalationReason::Overdue,
        rewrapped: None,
    });
    all.push(CaseEvent::Escalated {
        to_site: "01".into(),
        reason: EscalationReason::RepeatDenunciation,
        rewrapped: None,
    });
    all.push(CaseEvent::Transferred {
        to_site: "00073".into(),
        letter_no: "7".into(),
        rewrapped: None,
    });
    all.push(CaseEvent::Classified {
        kind: Kind::Denunciation,
        complex: true,
        remote_area: true,
    });
    all.push(CaseEvent::Withdrawn {
        partial: false,
        note: String::new(),
    });
    all.swap_remove(i % all.len())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The fold is a pure function of the sequence: folding it twice (and from re-decoded
    /// bytes) gives equal states; ignored events change nothing but the history; the
    /// audience never shrinks; the holder is always in the audience.
    #[test]
    fn fold_is_deterministic_and_ignores_illegal_events(
        script in proptest::collection::vec(arb_event(), 0..40)
    ) {
        let events: Vec<(String, u64, CaseEvent)> = script
            .iter()
            .map(|(site, day, ev)| (SITES[*site].to_owned(), ms("2026-07-06") + u64::from(*day) * 86_400_000, pick(*ev)))
            .collect();
        let run = |evs: &[(String, u64, CaseEvent)]| {
            let mut s = CaseState::new("p");
            let mut audiences = Vec::new();
            for (i, (author, at_ms, ev)) in evs.iter().enumerate() {
                let before = s.clone();
                let mut id = [0u8; 32];
                id[..8].copy_from_slice(&(i as u64).to_le_bytes());
                s.apply(AppliedEvent { by: None, id, author, at_ms: *at_ms, event: ev });
                let last = s.history.last().unwrap();
                if last.ignored {
                    assert_eq!(without_history(&s), without_history(&before), "ignored {} changed the state", last.event);
                    assert!(last.reason.is_some());
                }
                let aud = s.audience();
                if s.reception.is_some() {
                    assert!(aud.contains(&s.current_site));
                }
                audiences.push(aud);
            }
            for w in audiences.windows(2) {
                assert!(w[0].is_subset(&w[1]), "the audience never shrinks");
            }
            s
        };
        let a = run(&events);
        let b = run(&events);
        prop_assert_eq!(&a, &b);
        let redecoded: Vec<_> = events
            .iter()
            .map(|(s, t, e)| (s.clone(), *t, crate::case::decode_event(&crate::case::encode_event(e)).unwrap()))
            .collect();
        prop_assert_eq!(&a, &run(&redecoded));
        prop_assert!(a.history.len() == events.len());
    }
}
