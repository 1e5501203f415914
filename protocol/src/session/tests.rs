//! Tests of the session model: wire form, fold rules, floor, audience, schedule warnings, and
//! the fold's independence from the order of concurrent events.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::schedule::CONNECT_BEFORE_MS;
use super::*;
use crate::case::{parse_date, Calendar, Date, IdType, SessionType};
use crate::log::{sign_event, verify_event, CaseLog, EventBody, EventId, VerifiedEvent};

const SID: &str = "S-01-2026-000001";
/// Thành phố Hà Nội: the chair's site, central bridge point.
const CHAIR: &str = "01";
/// Phường Hoàn Kiếm and Phường Cửa Nam (Hà Nội): component points.
const A: &str = "00070";
const B: &str = "00073";
/// Phường Ba Đình (Hà Nội): a sibling of the points, not in the session.
const OUTSIDER: &str = "00004";

/// Unix ms of `date` at `hh:mm` in Vietnam.
fn vn_ms(date: &str, hh: u8, mm: u8) -> u64 {
    let dt = parse_date(date)
        .unwrap()
        .to_time()
        .with_hms(hh, mm, 0)
        .unwrap()
        .assume_offset(time::UtcOffset::from_hms(7, 0, 0).unwrap());
    u64::try_from(dt.unix_timestamp() * 1000).unwrap()
}

fn date(s: &str) -> Date {
    parse_date(s).unwrap()
}

/// Wednesday 15 July 2026, 09:00 in Hà Nội.
fn start_ms() -> u64 {
    vn_ms("2026-07-15", 9, 0)
}

fn scheduled() -> SessionEvent {
    SessionEvent::Scheduled {
        session_id: SID.into(),
        title: "Tiếp công dân định kỳ của Chủ tịch UBND Thành phố".into(),
        chair_site: CHAIR.into(),
        points: vec![A.into(), B.into()],
        starts_at_ms: start_ms(),
        case_ids: vec!["00070-2026-000001".into()],
        // As scheduling events were written before the fields: they must stay readable.
        session_type: SessionType::Regular,
        categories: vec![],
    }
}

/// [`scheduled`] with its component points, case ids or title edited.
fn scheduled_with(edit: fn(&mut Vec<String>, &mut Vec<String>, &mut String)) -> SessionEvent {
    let mut ev = scheduled();
    if let SessionEvent::Scheduled {
        points,
        case_ids,
        title,
        ..
    } = &mut ev
    {
        edit(points, case_ids, title);
    }
    ev
}

fn checked() -> IdentityCheck {
    IdentityCheck {
        checked_by: "Nguyễn Văn An".into(),
        document: IdType::Cccd,
        result: IdentityCheckResult::Verified,
    }
}

fn join(point: &str, id: &str, role: Role) -> SessionEvent {
    SessionEvent::ParticipantJoined {
        point: point.into(),
        participant_id: id.into(),
        display_name: format!("Người tham dự {id}"),
        role,
        identity_check: checked(),
    }
}

fn pr(point: &str, id: &str) -> ParticipantRef {
    ParticipantRef {
        point: point.into(),
        participant_id: id.into(),
    }
}

macro_rules! who {
    ($variant:ident, $point:expr, $id:expr) => {
        SessionEvent::$variant {
            point: $point.into(),
            participant_id: $id.into(),
        }
    };
}

fn id_of(n: u64) -> EventId {
    *blake3::hash(&n.to_le_bytes()).as_bytes()
}

/// A session written one event after another (each event follows the previous one).
struct Script {
    state: SessionState,
    last: EventId,
    n: u64,
}

impl Script {
    /// The scheduled session, by the chair.
    fn new() -> Script {
        let genesis = id_of(0);
        let state = SessionState::fold(
            SID,
            [AppliedEvent {
                id: genesis,
                parents: &[],
                author: CHAIR,
                at_ms: vn_ms("2026-07-01", 8, 0),
                event: &scheduled(),
            }],
        );
        assert!(state.rejected.is_empty(), "{:?}", state.rejected);
        Script {
            state,
            last: genesis,
            n: 0,
        }
    }

    /// Applies without asking [`SessionState::check`]; returns the fold's rejection, if any.
    fn force(&mut self, author: &str, event: SessionEvent) -> Option<String> {
        self.n += 1;
        let id = id_of(self.n);
        self.state.apply(AppliedEvent {
            id,
            parents: &[self.last],
            author,
            at_ms: vn_ms("2026-07-01", 8, 0) + self.n * 1000,
            event: &event,
        });
        self.last = id;
        self.state.rejected.get(&crate::case::hex(&id)).cloned()
    }

    /// Checks, then applies; the fold must agree with the check.
    fn act(&mut self, author: &str, event: SessionEvent) -> Result<(), SessionError> {
        self.state.check(author, &event)?;
        let rejected = self.force(author, event);
        assert_eq!(rejected, None, "check allowed what the fold rejects");
        Ok(())
    }

    fn ok(&mut self, author: &str, event: SessionEvent) {
        let name = event.name();
        self.act(author, event)
            .unwrap_or_else(|e| panic!("{name} by {author}: {e}"));
    }
}

/// A session under way: A connected, chair c1 and officer o1 at the centre, citizen p1 at A,
/// agency g1 at B.
fn live() -> Script {
    let mut s = Script::new();
    s.ok(
        A,
        SessionEvent::PointConnected {
            point: A.into(),
            at_ms: vn_ms("2026-07-15", 7, 30),
        },
    );
    s.ok(CHAIR, join(CHAIR, "c1", Role::Chair));
    s.ok(CHAIR, join(CHAIR, "o1", Role::Officer));
    s.ok(A, join(A, "p1", Role::Citizen));
    s.ok(B, join(B, "g1", Role::Agency));
    s.ok(CHAIR, SessionEvent::Started { at_ms: start_ms() });
    s
}

/// One of each variant.
fn samples() -> Vec<SessionEvent> {
    vec![
        scheduled(),
        SessionEvent::NoticeSent {
            at_ms: vn_ms("2026-07-06", 10, 0),
        },
        SessionEvent::TestConnection {
            point: A.into(),
            ok: true,
            at_ms: vn_ms("2026-07-13", 14, 0),
        },
        SessionEvent::PointConnected {
            point: B.into(),
            at_ms: vn_ms("2026-07-15", 7, 45),
        },
        SessionEvent::PointDisconnected {
            point: B.into(),
            at_ms: vn_ms("2026-07-15", 9, 5),
        },
        join(A, "p1", Role::Citizen),
        who!(ParticipantLeft, A, "p1"),
        who!(HandRaised, A, "p1"),
        who!(HandLowered, A, "p1"),
        who!(FloorGranted, A, "p1"),
        who!(FloorRevoked, A, "p1"),
        SessionEvent::Started { at_ms: start_ms() },
        SessionEvent::Ended {
            at_ms: start_ms() + 7_200_000,
        },
        SessionEvent::Cancelled {
            at_ms: vn_ms("2026-07-10", 16, 0),
            reason: "Chủ tịch bận công tác đột xuất".into(),
        },
        SessionEvent::CaseLinked {
            case_id: "00073-2026-000042".into(),
            category: None,
        },
        SessionEvent::RecordingSealed {
            site: A.into(),
            index_id: [0xab; 32],
        },
    ]
}

// -------------------------------------------------------------------------------------------
// Wire form
// -------------------------------------------------------------------------------------------

#[test]
fn every_event_round_trips() {
    let all = samples();
    let names: BTreeSet<_> = all.iter().map(SessionEvent::name).collect();
    assert_eq!(names.len(), all.len(), "one sample per variant");
    assert_eq!(all.len(), 16);
    for ev in all {
        ev.validate().unwrap();
        let bytes = encode_event(&ev);
        assert_eq!(decode_event(&bytes).unwrap(), ev, "{}", ev.name());
    }
}

#[test]
fn wire_format_is_pinned() {
    // If this fails, the wire format changed: signed events already stored would no longer
    // decode to the same event. Bump SESSION_EVENT_VERSION instead of editing the bytes.
    let bytes = encode_event(&SessionEvent::Started { at_ms: 1000 });
    // {"v": 1, "event": {"started": {"at_ms": 1000}}}
    let mut expected = vec![0xa2, 0x61, b'v', 0x01, 0x65];
    expected.extend_from_slice(b"event");
    expected.extend_from_slice(&[0xa1, 0x67]);
    expected.extend_from_slice(b"started");
    expected.extend_from_slice(&[0xa1, 0x65]);
    expected.extend_from_slice(b"at_ms");
    expected.extend_from_slice(&[0x19, 0x03, 0xe8]);
    assert_eq!(bytes, expected);

    let all: Vec<u8> = samples().iter().flat_map(encode_event).collect();
    assert_eq!(
        blake3::hash(&all).to_hex().as_str(),
        "d6152daca85a3bc11e0cdf4b43126248a7663795164007a5d0fa432dff3e4c2b",
    );
}

#[test]
fn decode_refuses_bad_input() {
    let good = encode_event(&SessionEvent::Started { at_ms: 1000 });
    let mut trailing = good.clone();
    trailing.push(0);
    assert!(matches!(
        decode_event(&trailing),
        Err(SessionError::Malformed(_))
    ));
    assert!(matches!(decode_event(&[]), Err(SessionError::Malformed(_))));
    assert!(matches!(
        decode_event(&[0xff; 3]),
        Err(SessionError::Malformed(_))
    ));
    let big = vec![0u8; MAX_SESSION_EVENT_BYTES + 1];
    assert!(matches!(
        decode_event(&big),
        Err(SessionError::TooLarge { .. })
    ));

    // A newer version is named as such, not as garbage.
    let mut v2 = good.clone();
    assert_eq!(v2[3], 0x01);
    v2[3] = 0x02;
    assert_eq!(decode_event(&v2), Err(SessionError::UnsupportedVersion(2)));

    // The same content in another key order, or with a non-shortest integer, is refused.
    let mut reordered = vec![0xa2, 0x65];
    reordered.extend_from_slice(b"event");
    reordered.extend_from_slice(&good[10..]);
    reordered.extend_from_slice(&[0x61, b'v', 0x01]);
    assert_eq!(decode_event(&reordered), Err(SessionError::NonCanonical));
    let mut long_int = good[..good.len() - 3].to_vec();
    long_int.extend_from_slice(&[0x1a, 0x00, 0x00, 0x03, 0xe8]);
    assert_eq!(decode_event(&long_int), Err(SessionError::NonCanonical));

    // Well-formed and canonical, but out of bounds.
    let bad = |ev: SessionEvent| decode_event(&encode_event(&ev)).unwrap_err();
    assert_eq!(
        bad(SessionEvent::Started { at_ms: MAX_UNIX_MS }),
        SessionError::TimeOutOfRange {
            field: "start time",
            found: MAX_UNIX_MS
        }
    );
    assert!(matches!(
        bad(who!(HandRaised, "hà nội", "p1")),
        SessionError::InvalidSiteCode(_)
    ));
    assert!(matches!(
        bad(who!(HandRaised, A, "p 1")),
        SessionError::InvalidId { .. }
    ));
    let with =
        |edit: fn(&mut Vec<String>, &mut Vec<String>, &mut String)| bad(scheduled_with(edit));
    assert_eq!(with(|p, _, _| p.clear()), SessionError::NoComponentPoints);
    assert_eq!(
        with(|p, _, _| p.push(A.into())),
        SessionError::DuplicatePoint(A.into())
    );
    assert_eq!(
        with(|p, _, _| p.push(CHAIR.into())),
        SessionError::ChairAmongComponents(CHAIR.into())
    );
    assert_eq!(
        with(|_, _, t| *t = "  ".into()),
        SessionError::Missing {
            field: "session title"
        }
    );
    assert_eq!(
        with(|_, _, t| t.push('\n')),
        SessionError::NotSingleLine {
            field: "session title"
        }
    );
    assert!(matches!(
        with(|_, c, _| c.push("x".repeat(MAX_CASE_ID_BYTES + 1))),
        SessionError::InvalidId { .. }
    ));
}

#[test]
fn a_maximal_schedule_fits_in_one_log_event() {
    // Every text at its limit in 4-byte characters, every list full.
    let ev = SessionEvent::Scheduled {
        session_id: "S".repeat(MAX_SESSION_ID_BYTES),
        title: "𝕏".repeat(MAX_TITLE_CHARS),
        chair_site: "VN".into(),
        points: (0..MAX_COMPONENT_POINTS)
            .map(|i| format!("{i:0width$}", width = MAX_SITE_CODE_CHARS))
            .collect(),
        starts_at_ms: MAX_UNIX_MS - 1,
        case_ids: (0..MAX_LINKED_CASES)
            .map(|i| format!("{i:0width$}", width = MAX_CASE_ID_BYTES))
            .collect(),
        session_type: SessionType::Authorised,
        categories: (0..MAX_LINKED_CASES)
            .map(|i| CaseCategory {
                case_id: format!("{i:0width$}", width = MAX_CASE_ID_BYTES),
                category: OnlineCategory::ComplexDenunciation,
            })
            .collect(),
    };
    ev.validate().unwrap();
    let bytes = encode_event(&ev);
    assert!(
        bytes.len() <= MAX_SESSION_EVENT_BYTES,
        "{} bytes",
        bytes.len()
    );
    assert_eq!(decode_event(&bytes).unwrap(), ev);
    // And the signed log event that carries it is within the log's own bound.
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let body = EventBody::new(
        "S".repeat(MAX_SESSION_ID_BYTES),
        "VN",
        &[[1; 32]; crate::log::MAX_PARENTS],
        u64::MAX,
        bytes,
    );
    crate::log::try_sign_event(&body, &key).unwrap();

    let joined = SessionEvent::ParticipantJoined {
        point: "0".repeat(MAX_SITE_CODE_CHARS),
        participant_id: "p".repeat(MAX_PARTICIPANT_ID_BYTES),
        display_name: "𝕏".repeat(MAX_NAME_CHARS),
        role: Role::Representative,
        identity_check: IdentityCheck {
            checked_by: "𝕏".repeat(MAX_NAME_CHARS),
            document: IdType::IdentityCertificate,
            result: IdentityCheckResult::NotPresented,
        },
    };
    assert_eq!(decode_event(&encode_event(&joined)).unwrap(), joined);
}

// -------------------------------------------------------------------------------------------
// Rules
// -------------------------------------------------------------------------------------------

#[test]
fn a_session_from_schedule_to_end() {
    let mut s = Script::new();
    assert_eq!(s.state.phase, Phase::Scheduled);
    assert_eq!(s.state.chair_site(), Some(CHAIR));
    assert_eq!(s.state.points.keys().collect::<Vec<_>>(), vec![A, B, CHAIR]);
    assert!(s.state.points[CHAIR].central && !s.state.points[A].central);
    assert_eq!(
        s.state.linked_cases,
        BTreeSet::from(["00070-2026-000001".to_owned()])
    );

    s.ok(
        CHAIR,
        SessionEvent::NoticeSent {
            at_ms: vn_ms("2026-07-06", 10, 0),
        },
    );
    assert_eq!(s.state.phase, Phase::Scheduled);
    s.ok(
        CHAIR,
        SessionEvent::TestConnection {
            point: A.into(),
            ok: false,
            at_ms: vn_ms("2026-07-13", 9, 0),
        },
    );
    assert_eq!(s.state.phase, Phase::Testing);
    s.ok(
        A,
        SessionEvent::TestConnection {
            point: A.into(),
            ok: true,
            at_ms: vn_ms("2026-07-13", 10, 0),
        },
    );
    assert_eq!(s.state.points[A].failed_tests, 1);
    assert_eq!(
        s.state.points[A].first_ok_test_at_ms,
        Some(vn_ms("2026-07-13", 10, 0))
    );
    s.ok(
        A,
        SessionEvent::PointConnected {
            point: A.into(),
            at_ms: vn_ms("2026-07-15", 7, 30),
        },
    );
    assert!(s.state.points[A].connected);
    s.ok(CHAIR, join(CHAIR, "c1", Role::Chair));
    s.ok(A, join(A, "p1", Role::Citizen));
    s.ok(CHAIR, SessionEvent::Started { at_ms: start_ms() });
    assert_eq!(s.state.phase, Phase::Live);
    assert_eq!(s.state.started_at_ms, Some(start_ms()));
    s.ok(
        A,
        SessionEvent::PointDisconnected {
            point: A.into(),
            at_ms: start_ms() + 60_000,
        },
    );
    assert!(!s.state.points[A].connected);
    s.ok(
        CHAIR,
        SessionEvent::PointConnected {
            point: A.into(),
            at_ms: start_ms() + 90_000,
        },
    );
    assert!(s.state.points[A].connected);
    assert_eq!(
        s.state.points[A].first_connected_at_ms,
        Some(vn_ms("2026-07-15", 7, 30))
    );
    s.ok(
        CHAIR,
        SessionEvent::CaseLinked {
            case_id: "00073-2026-000042".into(),
            category: Some(OnlineCategory::Other),
        },
    );
    s.ok(
        CHAIR,
        SessionEvent::Ended {
            at_ms: start_ms() + 7_200_000,
        },
    );
    assert_eq!(s.state.phase, Phase::Ended);
    s.ok(
        A,
        SessionEvent::RecordingSealed {
            site: A.into(),
            index_id: [1; 32],
        },
    );
    s.ok(
        CHAIR,
        SessionEvent::RecordingSealed {
            site: CHAIR.into(),
            index_id: [2; 32],
        },
    );
    assert_eq!(s.state.recordings.len(), 2);
    assert_eq!(s.state.linked_cases.len(), 2);
    assert!(s.state.rejected.is_empty());
    assert_eq!(s.state.events, 14);

    // What the API will show names the phase and gives index ids in hex. (Serialized as CBOR
    // here, whose strings are plain UTF-8: this crate has no JSON dependency.)
    let shown = cbor4ii::serde::to_vec(Vec::new(), &s.state).unwrap();
    let shown = String::from_utf8_lossy(&shown);
    assert!(
        shown.contains("ended") && shown.contains(&"01".repeat(32)),
        "{shown}"
    );
}

#[test]
fn only_the_chair_runs_the_session() {
    let mut s = live();
    for ev in [
        SessionEvent::NoticeSent { at_ms: 1 },
        who!(FloorGranted, A, "p1"),
        who!(FloorRevoked, A, "p1"),
        SessionEvent::Ended { at_ms: 1 },
        SessionEvent::CaseLinked {
            case_id: "x-1".into(),
            category: Some(OnlineCategory::Other),
        },
    ] {
        let name = ev.name();
        assert_eq!(
            s.state.check(A, &ev),
            Err(SessionError::NotTheChair {
                author: A.into(),
                chair: CHAIR.into()
            }),
            "{name}"
        );
        // The fold refuses it too, whatever the order: the rule depends on the schedule only.
        let reason = s.force(A, ev).expect(name);
        assert!(reason.contains("only the chair's site 01"), "{reason}");
    }
    assert_eq!(s.state.phase, Phase::Live);
    assert_eq!(s.state.floor, None);
    assert_eq!(s.state.rejected.len(), 5);
    let e = s
        .state
        .check(
            A,
            &SessionEvent::Cancelled {
                at_ms: 1,
                reason: "x".into(),
            },
        )
        .unwrap_err();
    assert!(matches!(e, SessionError::NotTheChair { .. }));
}

#[test]
fn sites_that_are_not_points() {
    let mut s = live();
    // A sibling commune, an ancestor and central are in the audience or not, but none is a
    // point: none may write.
    for site in [OUTSIDER, "VN", "79"] {
        assert_eq!(
            s.state.check(site, &join(site, "x", Role::Citizen)),
            Err(SessionError::NotAPoint(site.into()))
        );
        assert_eq!(
            s.state.check(site, &who!(HandRaised, A, "p1")),
            Err(SessionError::NotAPoint(site.into()))
        );
    }
    // A point naming a site that is not a point.
    assert_eq!(
        s.state.check(CHAIR, &who!(FloorGranted, OUTSIDER, "p1")),
        Err(SessionError::NotAPoint(OUTSIDER.into()))
    );
    assert_eq!(
        s.state.check(
            CHAIR,
            &SessionEvent::PointConnected {
                point: OUTSIDER.into(),
                at_ms: 1
            }
        ),
        Err(SessionError::NotAPoint(OUTSIDER.into()))
    );
    let reason = s
        .force(OUTSIDER, join(OUTSIDER, "x", Role::Citizen))
        .unwrap();
    assert!(reason.contains("not a bridge point"), "{reason}");
    assert!(!s.state.participants.contains_key(OUTSIDER));
    assert!(!s.state.may_forward_audio(OUTSIDER, "x"));
}

#[test]
fn participants_join_at_their_own_point() {
    let mut s = live();
    assert_eq!(
        s.state.check(A, &join(B, "x", Role::Citizen)),
        Err(SessionError::NotYourPoint {
            author: A.into(),
            point: B.into()
        })
    );
    // Not even the chair registers people at a component point: the point checks identities.
    assert!(matches!(
        s.state.check(CHAIR, &join(A, "x", Role::Citizen)),
        Err(SessionError::NotYourPoint { .. })
    ));
    assert_eq!(
        s.state.check(A, &join(A, "x", Role::Chair)),
        Err(SessionError::ChairOutsideCentralPoint {
            point: A.into(),
            chair: CHAIR.into()
        })
    );
    assert!(s.force(A, join(A, "x", Role::Chair)).is_some());
    assert!(s.force(CHAIR, join(A, "y", Role::Citizen)).is_some());
    // A hand is raised by the participant's own point only; the chair may lower it.
    assert!(matches!(
        s.state.check(CHAIR, &who!(HandRaised, A, "p1")),
        Err(SessionError::NotYourPoint { .. })
    ));
    s.ok(A, who!(HandRaised, A, "p1"));
    s.ok(CHAIR, who!(HandLowered, A, "p1"));
    // A recording is sealed by the site that recorded it.
    assert!(matches!(
        s.state.check(
            CHAIR,
            &SessionEvent::RecordingSealed {
                site: A.into(),
                index_id: [0; 32]
            }
        ),
        Err(SessionError::NotYourPoint { .. })
    ));
    // Someone not present cannot leave, raise a hand or get the floor.
    for (author, ev) in [
        (A, who!(ParticipantLeft, A, "nobody")),
        (A, who!(HandRaised, A, "nobody")),
        (CHAIR, who!(FloorGranted, A, "nobody")),
    ] {
        assert_eq!(
            s.state.check(author, &ev),
            Err(SessionError::NotAParticipant {
                point: A.into(),
                participant_id: "nobody".into()
            })
        );
    }
    // Rejoining after leaving updates the record.
    s.ok(A, who!(ParticipantLeft, A, "p1"));
    assert!(!s.state.participant(A, "p1").unwrap().present);
    let mut rejoin = join(A, "p1", Role::Representative);
    if let SessionEvent::ParticipantJoined { identity_check, .. } = &mut rejoin {
        identity_check.result = IdentityCheckResult::Mismatch;
    }
    s.ok(A, rejoin);
    let p = s.state.participant(A, "p1").unwrap();
    assert!(p.present);
    assert_eq!(p.role, Role::Representative);
    assert_eq!(p.identity_check.result, IdentityCheckResult::Mismatch);
    assert_eq!(p.identity_check.document, IdType::Cccd);
}

#[test]
fn the_session_never_goes_back() {
    let s = Script::new();
    let end = SessionEvent::Ended { at_ms: 2 };
    let start = SessionEvent::Started { at_ms: 1 };
    let test = SessionEvent::TestConnection {
        point: B.into(),
        ok: true,
        at_ms: 1,
    };
    let cancel = SessionEvent::Cancelled {
        at_ms: 1,
        reason: "Hoãn".into(),
    };
    assert_eq!(
        s.state.check(CHAIR, &end),
        Err(SessionError::WrongPhase {
            action: "ending",
            phase: Phase::Scheduled
        })
    );
    assert_eq!(
        s.state.check(A, &who!(HandRaised, A, "p1")),
        Err(SessionError::WrongPhase {
            action: "raising a hand",
            phase: Phase::Scheduled
        })
    );
    assert!(matches!(
        s.state.check(CHAIR, &scheduled()),
        Err(SessionError::AlreadyScheduled)
    ));
    s.state.check(CHAIR, &cancel).unwrap();
    s.state.check(CHAIR, &start).unwrap();

    let mut s = live();
    assert_eq!(
        s.state.check(B, &test),
        Err(SessionError::CannotGoBack {
            from: Phase::Live,
            to: Phase::Testing
        })
    );
    assert_eq!(
        s.state.check(CHAIR, &start),
        Err(SessionError::Already(Phase::Live))
    );
    assert_eq!(
        s.state.check(CHAIR, &cancel),
        Err(SessionError::WrongPhase {
            action: "cancelling",
            phase: Phase::Live
        })
    );
    assert!(matches!(
        s.state.check(CHAIR, &SessionEvent::NoticeSent { at_ms: 1 }),
        Err(SessionError::WrongPhase { .. })
    ));
    s.ok(CHAIR, end.clone());
    assert_eq!(
        s.state.check(CHAIR, &end),
        Err(SessionError::Already(Phase::Ended))
    );
    for (author, ev) in [
        (CHAIR, start.clone()),
        (CHAIR, cancel.clone()),
        (B, test.clone()),
        (A, join(A, "late", Role::Citizen)),
        (A, who!(HandRaised, A, "p1")),
        (CHAIR, who!(FloorGranted, A, "p1")),
    ] {
        assert_eq!(
            s.state.check(author, &ev),
            Err(SessionError::SessionOver(Phase::Ended)),
            "{}",
            ev.name()
        );
    }
    // The fold absorbs what the check refuses: a start, a test or a cancellation written after
    // the end (by a buggy or hostile chair) does not move the session back.
    for (author, ev) in [(CHAIR, start), (B, test), (CHAIR, cancel.clone())] {
        assert_eq!(s.force(author, ev), None);
        assert_eq!(s.state.phase, Phase::Ended);
    }
    assert_eq!(
        s.state.started_at_ms,
        Some(start_ms()),
        "the first start stands"
    );
    assert!(
        s.state.cancelled.is_some(),
        "the cancellation is on record, the phase says what happened"
    );

    // Cancelled is a dead end for the check; in the fold a start still means it took place.
    let mut s = Script::new();
    s.ok(CHAIR, cancel);
    assert_eq!(s.state.phase, Phase::Cancelled);
    assert_eq!(
        s.state.check(CHAIR, &SessionEvent::Started { at_ms: 1 }),
        Err(SessionError::SessionOver(Phase::Cancelled))
    );
    assert_eq!(
        s.state.check(
            CHAIR,
            &SessionEvent::CaseLinked {
                case_id: "c-2".into(),
                category: Some(OnlineCategory::Other),
            }
        ),
        Err(SessionError::SessionOver(Phase::Cancelled))
    );
    assert_eq!(s.force(CHAIR, SessionEvent::Started { at_ms: 1 }), None);
    assert_eq!(s.state.phase, Phase::Live);
}

#[test]
fn the_genesis() {
    let mut s = SessionState::new(SID);
    assert_eq!(
        s.check(CHAIR, &SessionEvent::Started { at_ms: 1 }),
        Err(SessionError::NotScheduled)
    );
    assert_eq!(
        s.check(A, &scheduled()),
        Err(SessionError::NotTheChair {
            author: A.into(),
            chair: CHAIR.into()
        })
    );
    let other = SessionState::new("S-other");
    assert!(matches!(
        other.check(CHAIR, &scheduled()),
        Err(SessionError::WrongSession { .. })
    ));
    let unknown = scheduled_with(|p, _, _| p.push("99999".into()));
    assert!(matches!(
        s.check(CHAIR, &unknown),
        Err(SessionError::Site(crate::sites::SiteError::UnknownCode(_)))
    ));

    // Events before the genesis, and a scheduling event that is not a genesis, are rejected.
    let start = SessionEvent::Started { at_ms: 1 };
    s.apply(AppliedEvent {
        id: [1; 32],
        parents: &[[9; 32]],
        author: CHAIR,
        at_ms: 1,
        event: &start,
    });
    s.apply(AppliedEvent {
        id: [2; 32],
        parents: &[[1; 32]],
        author: CHAIR,
        at_ms: 1,
        event: &scheduled(),
    });
    assert_eq!(s.rejected.len(), 2);
    assert!(s.rejected[&crate::case::hex(&[2; 32])].contains("first event"));
    assert_eq!(s.schedule, None);
    assert!(s.audience().is_empty());
    assert_eq!(s.phase, Phase::Scheduled);
    // A duplicate id is skipped, not counted twice.
    s.apply(AppliedEvent {
        id: [1; 32],
        parents: &[],
        author: CHAIR,
        at_ms: 1,
        event: &scheduled(),
    });
    assert_eq!(s.events, 2);
    assert_eq!(s.schedule, None);
}

// -------------------------------------------------------------------------------------------
// Floor
// -------------------------------------------------------------------------------------------

#[test]
fn floor_control() {
    let mut s = Script::new();
    s.ok(CHAIR, join(CHAIR, "c1", Role::Chair));
    assert!(
        !s.state.may_forward_audio(CHAIR, "c1"),
        "no audio before the points test or connect"
    );
    let mut s = live();
    assert!(
        s.state.may_forward_audio(CHAIR, "c1"),
        "the chair may always speak"
    );
    assert!(!s.state.may_forward_audio(CHAIR, "o1"));
    assert!(!s.state.may_forward_audio(A, "p1"));
    assert!(!s.state.may_forward_audio(A, "unknown"));

    s.ok(A, who!(HandRaised, A, "p1"));
    s.ok(B, who!(HandRaised, B, "g1"));
    assert_eq!(s.state.raised_hands, vec![pr(A, "p1"), pr(B, "g1")]);

    s.ok(CHAIR, who!(FloorGranted, A, "p1"));
    assert_eq!(s.state.floor, Some(pr(A, "p1")));
    assert!(s.state.may_forward_audio(A, "p1"));
    assert!(s.state.may_forward_audio(CHAIR, "c1"));
    assert!(!s.state.may_forward_audio(B, "g1"));
    assert_eq!(
        s.state.raised_hands,
        vec![pr(B, "g1")],
        "the floor answers the hand"
    );

    // A new grant takes the floor from the holder.
    s.ok(CHAIR, who!(FloorGranted, B, "g1"));
    assert_eq!(s.state.floor, Some(pr(B, "g1")));
    assert!(!s.state.may_forward_audio(A, "p1"));
    assert!(s.state.may_forward_audio(B, "g1"));
    assert!(s.state.raised_hands.is_empty());

    // Revoking someone who does not hold the floor changes nothing.
    assert_eq!(
        s.state.check(CHAIR, &who!(FloorRevoked, A, "p1")),
        Err(SessionError::NotHoldingFloor {
            point: A.into(),
            participant_id: "p1".into()
        })
    );
    assert_eq!(s.force(CHAIR, who!(FloorRevoked, A, "p1")), None);
    assert_eq!(s.state.floor, Some(pr(B, "g1")));
    s.ok(CHAIR, who!(FloorRevoked, B, "g1"));
    assert_eq!(s.state.floor, None);
    assert!(!s.state.may_forward_audio(B, "g1"));

    // A holder who leaves loses the floor, and does not get it back by rejoining.
    s.ok(CHAIR, who!(FloorGranted, A, "p1"));
    s.ok(A, who!(ParticipantLeft, A, "p1"));
    assert_eq!(s.state.floor, None);
    assert!(!s.state.may_forward_audio(A, "p1"));
    s.ok(A, join(A, "p1", Role::Citizen));
    assert_eq!(s.state.floor, None);

    // A chair who left is not heard either.
    s.ok(CHAIR, who!(ParticipantLeft, CHAIR, "c1"));
    assert!(!s.state.may_forward_audio(CHAIR, "c1"));
    s.ok(CHAIR, join(CHAIR, "c1", Role::Chair));

    // After the end nobody is forwarded and nobody holds the floor.
    s.ok(CHAIR, who!(FloorGranted, A, "p1"));
    s.ok(B, who!(HandRaised, B, "g1"));
    s.ok(
        CHAIR,
        SessionEvent::Ended {
            at_ms: start_ms() + 1,
        },
    );
    assert_eq!(s.state.floor, None);
    assert!(s.state.raised_hands.is_empty());
    assert!(!s.state.may_forward_audio(CHAIR, "c1"));
    assert!(!s.state.may_forward_audio(A, "p1"));
}

/// One event of a hand-built DAG: id, parents, author, author's clock, event.
type Node = (EventId, Vec<EventId>, &'static str, u64, SessionEvent);

fn fold_in(nodes: &[Node], order: &[usize]) -> SessionState {
    SessionState::fold(
        SID,
        order.iter().map(|&i| {
            let (id, parents, author, at_ms, event) = &nodes[i];
            AppliedEvent {
                id: *id,
                parents,
                author,
                at_ms: *at_ms,
                event,
            }
        }),
    )
}

#[test]
fn concurrent_floor_grants_resolve_the_same_everywhere() {
    let (g, st, j1, j2) = ([0x10; 32], [0x20; 32], [0x30; 32], [0x31; 32]);
    let base: Vec<Node> = vec![
        (g, vec![], CHAIR, 0, scheduled()),
        (st, vec![g], CHAIR, 10, SessionEvent::Started { at_ms: 10 }),
        (j1, vec![st], A, 11, join(A, "p1", Role::Citizen)),
        (j2, vec![st], B, 11, join(B, "g1", Role::Agency)),
    ];
    let with = |extra: Vec<Node>| -> Vec<Node> { base.iter().cloned().chain(extra).collect() };
    let orders = [[0, 1, 2, 3, 4, 5], [0, 1, 3, 2, 5, 4]];

    // Two grants written without seeing each other: the later clock wins, in either order,
    // even with the smaller id.
    let nodes = with(vec![
        (
            [0x41; 32],
            vec![j1, j2],
            CHAIR,
            5_000,
            who!(FloorGranted, A, "p1"),
        ),
        (
            [0x40; 32],
            vec![j1, j2],
            CHAIR,
            6_000,
            who!(FloorGranted, B, "g1"),
        ),
    ]);
    for order in orders {
        let s = fold_in(&nodes, &order);
        assert_eq!(s.floor, Some(pr(B, "g1")), "{order:?}");
        assert!(s.may_forward_audio(B, "g1") && !s.may_forward_audio(A, "p1"));
    }
    assert_eq!(fold_in(&nodes, &orders[0]), fold_in(&nodes, &orders[1]));

    // On equal clocks the larger id wins.
    let nodes = with(vec![
        (
            [0x41; 32],
            vec![j1, j2],
            CHAIR,
            5_000,
            who!(FloorGranted, A, "p1"),
        ),
        (
            [0x40; 32],
            vec![j1, j2],
            CHAIR,
            5_000,
            who!(FloorGranted, B, "g1"),
        ),
    ]);
    for order in orders {
        assert_eq!(fold_in(&nodes, &order).floor, Some(pr(A, "p1")));
    }

    // What follows an event comes after it, whatever the clocks say: a grant written after
    // another, on a clock that went back, still wins.
    let nodes = with(vec![
        (
            [0x40; 32],
            vec![j1, j2],
            CHAIR,
            6_000,
            who!(FloorGranted, B, "g1"),
        ),
        (
            [0x01; 32],
            vec![[0x40; 32]],
            CHAIR,
            1,
            who!(FloorGranted, A, "p1"),
        ),
    ]);
    assert_eq!(fold_in(&nodes, &orders[0]).floor, Some(pr(A, "p1")));

    // A leave concurrent with a grant: decided by the same marks, in any order.
    let nodes = with(vec![
        (
            [0x50; 32],
            vec![j1, j2],
            CHAIR,
            7_000,
            who!(FloorGranted, A, "p1"),
        ),
        (
            [0x51; 32],
            vec![j1, j2],
            A,
            8_000,
            who!(ParticipantLeft, A, "p1"),
        ),
    ]);
    for order in orders {
        let s = fold_in(&nodes, &order);
        assert_eq!(s.floor, None);
        assert!(!s.participant(A, "p1").unwrap().present);
    }
}

#[test]
fn hands_are_queued_in_the_order_raised() {
    let mut s = live();
    s.ok(CHAIR, join(CHAIR, "o2", Role::Officer));
    s.ok(B, who!(HandRaised, B, "g1"));
    s.ok(A, who!(HandRaised, A, "p1"));
    s.ok(CHAIR, who!(HandRaised, CHAIR, "o2"));
    assert_eq!(
        s.state.raised_hands,
        vec![pr(B, "g1"), pr(A, "p1"), pr(CHAIR, "o2")]
    );
    s.ok(A, who!(HandLowered, A, "p1"));
    s.ok(CHAIR, who!(FloorGranted, B, "g1"));
    assert_eq!(s.state.raised_hands, vec![pr(CHAIR, "o2")]);
    // Raising again goes to the back of the queue, holder or not.
    s.ok(A, who!(HandRaised, A, "p1"));
    s.ok(B, who!(HandRaised, B, "g1"));
    assert_eq!(
        s.state.raised_hands,
        vec![pr(CHAIR, "o2"), pr(A, "p1"), pr(B, "g1")]
    );
    s.ok(CHAIR, who!(ParticipantLeft, CHAIR, "o2"));
    assert_eq!(s.state.raised_hands, vec![pr(A, "p1"), pr(B, "g1")]);
}

// -------------------------------------------------------------------------------------------
// Audience
// -------------------------------------------------------------------------------------------

fn set(sites: &[&str]) -> BTreeSet<String> {
    sites.iter().map(|s| s.to_string()).collect()
}

#[test]
fn audience_is_the_points_and_their_ancestors() {
    assert!(SessionState::new(SID).audience().is_empty());
    let s = Script::new();
    assert_eq!(s.state.audience(), set(&[A, B, CHAIR, "VN"]));
    assert!(
        !s.state.audience().contains(OUTSIDER),
        "a sibling commune never receives it"
    );

    // Central chairs a session with a ward of Hà Nội and one of TP Hồ Chí Minh.
    let ev = SessionEvent::Scheduled {
        session_id: SID.into(),
        title: "Tiếp công dân của Ban Tiếp công dân Trung ương".into(),
        chair_site: "VN".into(),
        points: vec![A.into(), "26506".into()],
        starts_at_ms: start_ms(),
        case_ids: vec![],
        session_type: SessionType::Periodic,
        categories: vec![],
    };
    let s = SessionState::fold(
        SID,
        [AppliedEvent {
            id: [1; 32],
            parents: &[],
            author: "VN",
            at_ms: 0,
            event: &ev,
        }],
    );
    assert!(s.rejected.is_empty(), "{:?}", s.rejected);
    assert_eq!(s.audience(), set(&["VN", "01", A, "79", "26506"]));
    assert!(s.is_point("26506") && !s.is_point("79"));
}

// -------------------------------------------------------------------------------------------
// Schedule warnings
// -------------------------------------------------------------------------------------------

fn kinds(w: &[ScheduleWarning]) -> Vec<&'static str> {
    w.iter().map(ScheduleWarning::as_str).collect()
}

#[test]
fn the_timeline_counts_vietnamese_working_days() {
    let vn = Calendar::vietnam();
    // Wednesday 15 July 2026: no holiday in the five working days before.
    let t = timeline(start_ms(), vn);
    assert_eq!(t.starts_on, date("2026-07-15"));
    assert_eq!(t.notice_due, date("2026-07-08"));
    assert_eq!(t.test_due, date("2026-07-14"));
    assert_eq!(t.connect_due_ms, vn_ms("2026-07-15", 8, 0));
    // Thursday 3 September 2026, after the National Day holiday (31/8–2/9): the notice is due
    // on Monday 24 August, the test on Friday 28 August.
    let t = timeline(vn_ms("2026-09-03", 9, 0), vn);
    assert_eq!(t.notice_due, date("2026-08-24"));
    assert_eq!(t.test_due, date("2026-08-28"));
    // Thursday 27 August 2026: Saturday 22 August is a make-up working day.
    let t = timeline(vn_ms("2026-08-27", 14, 0), vn);
    assert_eq!(t.notice_due, date("2026-08-21"));
    let t = timeline(vn_ms("2026-08-27", 14, 0), &Calendar::weekends_only());
    assert_eq!(t.notice_due, date("2026-08-20"));
    // A start at 00:30 in Hà Nội is still that day, though it is the day before in UTC.
    let t = timeline(vn_ms("2026-07-15", 0, 30), vn);
    assert_eq!(t.starts_on, date("2026-07-15"));
    assert_eq!(t.connect_due_ms, vn_ms("2026-07-14", 23, 30));
}

#[test]
fn notice_warnings() {
    let vn = Calendar::vietnam();
    let s = Script::new();
    assert!(schedule_warnings(&s.state, vn, vn_ms("2026-07-08", 23, 59)).is_empty());
    let w = schedule_warnings(&s.state, vn, vn_ms("2026-07-09", 0, 0));
    assert_eq!(
        w,
        vec![ScheduleWarning::NoticeMissing {
            due: date("2026-07-08")
        }]
    );
    assert_eq!(
        w[0].label_vi(),
        "Chưa gửi thông báo cho công dân và cơ quan liên quan: hạn chót ngày 08/07/2026 \
         (ít nhất 05 ngày làm việc trước phiên tiếp)"
    );

    let mut late = Script::new();
    late.ok(
        CHAIR,
        SessionEvent::NoticeSent {
            at_ms: vn_ms("2026-07-09", 8, 0),
        },
    );
    let w = schedule_warnings(&late.state, vn, vn_ms("2026-07-09", 9, 0));
    assert_eq!(
        w,
        vec![ScheduleWarning::NoticeLate {
            due: date("2026-07-08"),
            sent_on: date("2026-07-09")
        }]
    );
    assert!(w[0].label_vi().contains("muộn ngày 09/07/2026"));

    let mut on_time = Script::new();
    on_time.ok(
        CHAIR,
        SessionEvent::NoticeSent {
            at_ms: vn_ms("2026-07-08", 16, 0),
        },
    );
    // A second, later notice does not make the first one late.
    on_time.ok(
        CHAIR,
        SessionEvent::NoticeSent {
            at_ms: vn_ms("2026-07-10", 16, 0),
        },
    );
    assert!(schedule_warnings(&on_time.state, vn, vn_ms("2026-07-10", 17, 0)).is_empty());
}

#[test]
fn test_and_connection_warnings() {
    let vn = Calendar::vietnam();
    let mut s = Script::new();
    s.ok(
        CHAIR,
        SessionEvent::NoticeSent {
            at_ms: vn_ms("2026-07-06", 10, 0),
        },
    );
    assert!(schedule_warnings(&s.state, vn, vn_ms("2026-07-14", 23, 0)).is_empty());
    let w = schedule_warnings(&s.state, vn, vn_ms("2026-07-15", 7, 0));
    assert_eq!(kinds(&w), vec!["test_missing", "test_missing"]);
    assert_eq!(
        w[0].label_vi(),
        "Điểm cầu Phường Hoàn Kiếm (00070) chưa kết nối thử thành công: hạn chót ngày \
         14/07/2026 (ít nhất 01 ngày làm việc trước phiên tiếp)"
    );

    s.ok(
        A,
        SessionEvent::TestConnection {
            point: A.into(),
            ok: true,
            at_ms: vn_ms("2026-07-14", 15, 0),
        },
    );
    s.ok(
        B,
        SessionEvent::TestConnection {
            point: B.into(),
            ok: false,
            at_ms: vn_ms("2026-07-14", 15, 0),
        },
    );
    let w = schedule_warnings(&s.state, vn, vn_ms("2026-07-15", 7, 0));
    assert_eq!(
        w,
        vec![ScheduleWarning::TestMissing {
            point: B.into(),
            due: date("2026-07-14")
        }],
        "a failed test is not a test"
    );
    s.ok(
        B,
        SessionEvent::TestConnection {
            point: B.into(),
            ok: true,
            at_ms: vn_ms("2026-07-15", 7, 10),
        },
    );
    s.ok(
        A,
        SessionEvent::PointConnected {
            point: A.into(),
            at_ms: vn_ms("2026-07-15", 7, 50),
        },
    );
    let w = schedule_warnings(&s.state, vn, vn_ms("2026-07-15", 8, 0));
    assert_eq!(kinds(&w), vec!["test_late"], "08:00 sharp is still in time");
    let w = schedule_warnings(&s.state, vn, vn_ms("2026-07-15", 8, 1));
    assert_eq!(kinds(&w), vec!["test_late", "not_connected"]);
    assert_eq!(
        w[1],
        ScheduleWarning::NotConnected {
            point: B.into(),
            due_ms: start_ms() - CONNECT_BEFORE_MS
        }
    );
    assert_eq!(
        w[1].label_vi(),
        "Điểm cầu Phường Cửa Nam (00073) chưa kết nối: phải kết nối trước 08:00 ngày \
         15/07/2026 (ít nhất 01 giờ trước phiên tiếp)"
    );
    s.ok(
        B,
        SessionEvent::PointConnected {
            point: B.into(),
            at_ms: vn_ms("2026-07-15", 8, 10),
        },
    );
    let w = schedule_warnings(&s.state, vn, vn_ms("2026-07-15", 8, 20));
    assert_eq!(kinds(&w), vec!["test_late", "connected_late"]);
    assert!(w[1]
        .label_vi()
        .contains("kết nối muộn lúc 08:10 ngày 15/07/2026"));
    // The central point is the chair's own site: it is never warned about.
    assert!(w.iter().all(|w| !format!("{w:?}").contains("\"01\"")));

    // The record stays after the session; a cancelled session has no warnings.
    s.ok(CHAIR, SessionEvent::Started { at_ms: start_ms() });
    s.ok(
        CHAIR,
        SessionEvent::Ended {
            at_ms: start_ms() + 1,
        },
    );
    assert_eq!(
        schedule_warnings(&s.state, vn, vn_ms("2026-07-20", 8, 0)).len(),
        2
    );
    let mut c = Script::new();
    c.ok(
        CHAIR,
        SessionEvent::Cancelled {
            at_ms: 1,
            reason: "Hoãn".into(),
        },
    );
    assert!(schedule_warnings(&c.state, vn, vn_ms("2026-07-20", 8, 0)).is_empty());
    assert!(schedule_warnings(&SessionState::new(SID), vn, u64::MAX).is_empty());
}

// -------------------------------------------------------------------------------------------
// Signed events
// -------------------------------------------------------------------------------------------

fn signed(author: &str, parents: &[EventId], at_ms: u64, payload: Vec<u8>) -> VerifiedEvent {
    let seed = author.bytes().fold(0u8, |a, b| a.wrapping_add(b));
    let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    let body = EventBody::new(SID, author, parents, at_ms, payload);
    verify_event(&sign_event(&body, &key), &key.verifying_key().to_bytes()).unwrap()
}

#[test]
fn a_signed_session_log_folds_in_its_order() {
    let g = signed(CHAIR, &[], 1, encode_event(&scheduled()));
    let st = signed(
        CHAIR,
        &[g.id],
        2,
        encode_event(&SessionEvent::Started { at_ms: 2 }),
    );
    let ja = signed(A, &[st.id], 3, encode_event(&join(A, "p1", Role::Citizen)));
    let jb = signed(B, &[st.id], 3, encode_event(&join(B, "g1", Role::Agency)));
    let garbage = signed(A, &[g.id], 3, vec![0xa1, 0xff, 0x00]);
    let grant = signed(
        CHAIR,
        &[ja.id, jb.id],
        4,
        encode_event(&who!(FloorGranted, A, "p1")),
    );
    let mut log = CaseLog::new(SID);
    for e in [&grant, &garbage, &jb, &ja, &st, &g] {
        log.insert(e.clone()).unwrap();
    }
    let folded = SessionState::fold_log(&log);
    assert_eq!(folded.floor, Some(pr(A, "p1")));
    assert_eq!(folded.events, 6);
    assert_eq!(folded.rejected.len(), 1);
    assert!(folded.rejected[&crate::case::hex(&garbage.id)].contains("cannot be read"));

    // Another topological order gives the same state.
    let mut by_hand = SessionState::new(SID);
    for e in [&g, &garbage, &st, &jb, &ja, &grant] {
        by_hand.apply_verified(e);
    }
    assert_eq!(by_hand, folded);

    // An event of another session is refused, not applied.
    let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
    let body = EventBody::new(
        "S-other",
        CHAIR,
        &[grant.id],
        5,
        encode_event(&SessionEvent::Ended { at_ms: 5 }),
    );
    let other = verify_event(&sign_event(&body, &key), &key.verifying_key().to_bytes()).unwrap();
    by_hand.apply_verified(&other);
    assert_eq!(by_hand.phase, Phase::Live);
    assert!(by_hand.rejected[&crate::case::hex(&other.id)].contains("S-other"));
}

// -------------------------------------------------------------------------------------------
// Properties
// -------------------------------------------------------------------------------------------

/// A small seeded PRNG (SplitMix64) for building DAGs and orders.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// A plausible event, sometimes by the wrong site, with clocks that often tie.
fn random_event(rng: &mut Rng) -> (&'static str, SessionEvent) {
    let point = rng.pick(&[CHAIR, A, B]);
    let pid = rng.pick(&["p1", "p2"]).to_owned();
    let at_ms = start_ms() + rng.below(8) as u64 * 60_000;
    // Weighted towards what happens many times in a session (joins, hands, the floor); the
    // end and the cancellation are rare, so most sessions stay open to the floor rules.
    let (author, event) = match rng.below(48) {
        0 => (CHAIR, SessionEvent::NoticeSent { at_ms }),
        1 | 2 => (
            rng.pick(&[CHAIR, point]),
            SessionEvent::TestConnection {
                point: point.into(),
                ok: rng.below(2) == 0,
                at_ms,
            },
        ),
        3 | 4 => (
            point,
            SessionEvent::PointConnected {
                point: point.into(),
                at_ms,
            },
        ),
        5 => (
            point,
            SessionEvent::PointDisconnected {
                point: point.into(),
                at_ms,
            },
        ),
        6..=13 => {
            let role = if point == CHAIR {
                rng.pick(&[Role::Chair, Role::Officer])
            } else {
                rng.pick(&[Role::Citizen, Role::Representative, Role::Agency])
            };
            let mut ev = join(point, &pid, role);
            if let SessionEvent::ParticipantJoined { display_name, .. } = &mut ev {
                display_name.push_str(&format!(" lần {}", rng.below(3)));
            }
            (point, ev)
        }
        14 | 15 => (point, who!(ParticipantLeft, point, pid)),
        16..=20 => (point, who!(HandRaised, point, pid)),
        21 | 22 => (point, who!(HandLowered, point, pid)),
        23..=32 => (CHAIR, who!(FloorGranted, point, pid)),
        33..=35 => (CHAIR, who!(FloorRevoked, point, pid)),
        36..=38 => (CHAIR, SessionEvent::Started { at_ms }),
        39 => (CHAIR, SessionEvent::Ended { at_ms }),
        40 => (
            CHAIR,
            SessionEvent::Cancelled {
                at_ms,
                reason: format!("Lý do {}", rng.below(3)),
            },
        ),
        41 | 42 => (
            CHAIR,
            SessionEvent::CaseLinked {
                case_id: format!("c-{}", rng.below(3)),
                category: Some(OnlineCategory::Other),
            },
        ),
        _ => (
            point,
            SessionEvent::RecordingSealed {
                site: point.into(),
                index_id: [rng.below(3) as u8; 32],
            },
        ),
    };
    // One event in eight comes from a site that may not write it.
    let author = if rng.below(8) == 0 {
        rng.pick(&[CHAIR, A, B, OUTSIDER])
    } else {
        author
    };
    (author, event)
}

/// A random session DAG: the genesis, then events each following 1–3 earlier ones.
fn random_session(seed: u64, n: usize) -> Vec<Node> {
    let mut rng = Rng(seed);
    let mut nodes: Vec<Node> = vec![(id_of(seed), vec![], CHAIR, 0, scheduled())];
    for i in 1..n {
        let mut parents: Vec<EventId> = (0..1 + rng.below(3))
            .map(|_| nodes[rng.below(nodes.len())].0)
            .collect();
        parents.sort();
        parents.dedup();
        let (author, event) = random_event(&mut rng);
        let at_ms = start_ms() + rng.below(8) as u64 * 60_000;
        let id = *blake3::hash(&[seed.to_le_bytes(), (i as u64).to_le_bytes()].concat()).as_bytes();
        nodes.push((id, parents, author, at_ms, event));
    }
    nodes
}

/// A random topological order of `nodes` (Kahn's algorithm, picking any ready event).
fn random_order(nodes: &[Node], rng: &mut Rng) -> Vec<usize> {
    let index: std::collections::BTreeMap<EventId, usize> =
        nodes.iter().enumerate().map(|(i, n)| (n.0, i)).collect();
    let mut unmet: Vec<usize> = nodes.iter().map(|n| n.1.len()).collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        for p in &n.1 {
            children[index[p]].push(i);
        }
    }
    let mut ready: Vec<usize> = (0..nodes.len()).filter(|&i| unmet[i] == 0).collect();
    let mut out = Vec::with_capacity(nodes.len());
    while !ready.is_empty() {
        let i = ready.swap_remove(rng.below(ready.len()));
        out.push(i);
        for &c in &children[i] {
            unmet[c] -= 1;
            if unmet[c] == 0 {
                ready.push(c);
            }
        }
    }
    assert_eq!(out.len(), nodes.len());
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    /// The same events in any topological order fold to the same state, and that state keeps
    /// the floor invariants.
    #[test]
    fn fold_is_independent_of_the_order_of_concurrent_events(
        seed in any::<u64>(),
        n in 1usize..48,
        orders in 1usize..5,
    ) {
        let nodes = random_session(seed, n);
        let reference = fold_in(&nodes, &(0..nodes.len()).collect::<Vec<_>>());
        prop_assert_eq!(reference.events as usize, nodes.len());
        let mut rng = Rng(seed ^ 0x5eed);
        for _ in 0..orders {
            let order = random_order(&nodes, &mut rng);
            prop_assert_eq!(&fold_in(&nodes, &order), &reference, "order {:?}", order);
        }
        // At most one participant besides the chairs may be heard, and only while testing or live.
        let heard: Vec<(String, String)> = reference
            .participants
            .iter()
            .flat_map(|(pt, ps)| ps.iter().map(move |(id, p)| (pt.clone(), id.clone(), p.role)))
            .filter(|(pt, id, role)| *role != Role::Chair && reference.may_forward_audio(pt, id))
            .map(|(pt, id, _)| (pt, id))
            .collect();
        prop_assert!(heard.len() <= 1);
        if reference.phase.is_over() {
            prop_assert!(reference.floor.is_none() && reference.raised_hands.is_empty());
        }
        for (pt, ps) in &reference.participants {
            for (id, p) in ps {
                if p.role == Role::Chair {
                    prop_assert_eq!(pt.as_str(), CHAIR);
                }
                if !p.present {
                    prop_assert!(!reference.may_forward_audio(pt, id));
                }
            }
        }
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_event(&bytes);
    }

    #[test]
    fn decoding_mutated_events_never_panics(i in 0usize..16, pos in any::<usize>(), byte in any::<u8>()) {
        let all = samples();
        let mut bytes = encode_event(&all[i % all.len()]);
        let p = pos % bytes.len();
        bytes[p] = byte;
        if let Ok(ev) = decode_event(&bytes) {
            prop_assert!(ev.validate().is_ok());
            prop_assert_eq!(encode_event(&ev), bytes, "only canonical bytes decode");
        }
    }

    /// Garbage payloads in signed events are rejected by the fold, never a panic.
    #[test]
    fn folding_garbage_payloads_never_panics(payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..8)) {
        let g = signed(CHAIR, &[], 1, encode_event(&scheduled()));
        let mut state = SessionState::new(SID);
        state.apply_verified(&g);
        for (i, p) in payloads.into_iter().enumerate() {
            state.apply_verified(&signed(A, &[g.id], i as u64, p));
        }
        prop_assert!(state.schedule.is_some());
    }
}

#[test]
fn bounds_are_enforced_by_check_and_fold_alike() {
    let mut s = live();
    // One case came with the schedule.
    for i in 0..MAX_LINKED_CASES - 1 {
        s.ok(
            CHAIR,
            SessionEvent::CaseLinked {
                case_id: format!("c-{i}"),
                category: Some(OnlineCategory::Other),
            },
        );
    }
    assert_eq!(s.state.linked_cases.len(), MAX_LINKED_CASES);
    let one_more = SessionEvent::CaseLinked {
        case_id: "c-extra".into(),
        category: Some(OnlineCategory::Other),
    };
    assert!(matches!(
        s.state.check(CHAIR, &one_more),
        Err(SessionError::TooMany {
            field: "linked cases",
            ..
        })
    ));
    assert!(s.force(CHAIR, one_more).is_some());
    assert_eq!(
        s.state.check(
            CHAIR,
            &SessionEvent::CaseLinked {
                case_id: "c-0".into(),
                category: Some(OnlineCategory::Other),
            }
        ),
        Err(SessionError::AlreadyLinked("c-0".into()))
    );

    // Participants: the 4 of `live` and then as many as fit.
    for i in 4..MAX_PARTICIPANTS {
        s.ok(A, join(A, &format!("p-{i}"), Role::Citizen));
    }
    assert!(matches!(
        s.state.check(A, &join(A, "p-extra", Role::Citizen)),
        Err(SessionError::TooMany {
            field: "participants",
            ..
        })
    ));
    assert!(s
        .force(CHAIR, who!(FloorGranted, B, "never-joined"))
        .is_some());
    // Someone known may still rejoin.
    s.ok(A, who!(ParticipantLeft, A, "p-4"));
    s.ok(A, join(A, "p-4", Role::Citizen));
}

#[test]
fn labels_are_vietnamese_and_names_are_stable() {
    let roles: Vec<_> = Role::ALL.iter().map(|r| r.label_vi()).collect();
    assert_eq!(
        roles,
        [
            "Chủ trì",
            "Cán bộ tiếp công dân",
            "Công dân",
            "Người đại diện",
            "Cơ quan tham dự"
        ]
    );
    for r in Role::ALL {
        let wire = encode_event(&join(CHAIR, "x", r));
        assert!(wire
            .windows(r.as_str().len())
            .any(|w| w == r.as_str().as_bytes()));
    }
    assert_eq!(Phase::Live.label_vi(), "Đang diễn ra");
    assert_eq!(Phase::Cancelled.to_string(), "cancelled");
    assert_eq!(IdentityCheckResult::NotPresented.as_str(), "not_presented");
    assert_eq!(IdentityCheckResult::Verified.label_vi(), "Đã xác minh");
}

// -------------------------------------------------------------------------------------------
// Session type and Art 20 categories (NĐ 154/2026 Art 20), the Art 23 timeline steps
// -------------------------------------------------------------------------------------------

/// [`scheduled`] as a node writes it now: periodic, its case under clause 1.
fn scheduled_now() -> SessionEvent {
    let mut ev = scheduled();
    if let SessionEvent::Scheduled {
        session_type,
        categories,
        case_ids,
        ..
    } = &mut ev
    {
        *session_type = SessionType::Periodic;
        *categories = vec![CaseCategory {
            case_id: case_ids[0].clone(),
            category: OnlineCategory::ComplexMultiAgency,
        }];
    }
    ev
}

#[test]
fn a_new_schedule_says_its_type_and_each_cases_category() {
    let empty = SessionState::new(SID);
    assert_eq!(empty.check(CHAIR, &scheduled_now()), Ok(()));
    // The old form still folds (Script::new), but is not written any more.
    assert_eq!(
        empty.check(CHAIR, &scheduled()),
        Err(SessionError::RegularSession)
    );
    let mut no_category = scheduled_now();
    if let SessionEvent::Scheduled { categories, .. } = &mut no_category {
        categories.clear();
    }
    assert_eq!(
        empty.check(CHAIR, &no_category),
        Err(SessionError::CategoryMissing("00070-2026-000001".into()))
    );
    let mut stray = scheduled_now();
    if let SessionEvent::Scheduled { categories, .. } = &mut stray {
        categories.push(CaseCategory {
            case_id: "00070-2026-000099".into(),
            category: OnlineCategory::Other,
        });
    }
    assert_eq!(
        stray.validate(),
        Err(SessionError::CategoryForUnlinkedCase(
            "00070-2026-000099".into()
        ))
    );

    // The new fields round-trip and reach the state.
    let bytes = encode_event(&scheduled_now());
    assert_eq!(decode_event(&bytes).unwrap(), scheduled_now());
    let s = SessionState::fold(
        SID,
        [AppliedEvent {
            id: id_of(0),
            parents: &[],
            author: CHAIR,
            at_ms: vn_ms("2026-07-01", 8, 0),
            event: &scheduled_now(),
        }],
    );
    assert_eq!(
        s.schedule.as_ref().unwrap().session_type,
        SessionType::Periodic
    );
    assert_eq!(
        s.case_categories.get("00070-2026-000001"),
        Some(&OnlineCategory::ComplexMultiAgency)
    );
    // An old event decodes as regular, with no categories, and re-encodes to its own bytes.
    let old = encode_event(&scheduled());
    assert!(old.len() < bytes.len());
    assert_eq!(decode_event(&old).unwrap(), scheduled());
}

#[test]
fn a_case_is_linked_with_its_category() {
    let mut s = Script::new();
    assert_eq!(
        s.state.check(
            CHAIR,
            &SessionEvent::CaseLinked {
                case_id: "00073-2026-000002".into(),
                category: None,
            }
        ),
        Err(SessionError::CategoryMissing("00073-2026-000002".into()))
    );
    s.ok(
        CHAIR,
        SessionEvent::CaseLinked {
            case_id: "00073-2026-000002".into(),
            category: Some(OnlineCategory::RemoteOrVulnerable),
        },
    );
    assert_eq!(
        s.state.case_categories.get("00073-2026-000002"),
        Some(&OnlineCategory::RemoteOrVulnerable)
    );
    // An old link without a category still folds.
    assert_eq!(
        s.force(
            CHAIR,
            SessionEvent::CaseLinked {
                case_id: "00073-2026-000003".into(),
                category: None,
            }
        ),
        None
    );
    assert!(s.state.linked_cases.contains("00073-2026-000003"));
    assert!(!s.state.case_categories.contains_key("00073-2026-000003"));
}

#[test]
fn timeline_steps_agree_with_the_warnings() {
    let cal = Calendar::vietnam();
    let mut s = Script::new();
    // 10 July: the notice (due 8 July) is missed, tests (due 14 July) still pending.
    let now = vn_ms("2026-07-10", 9, 0);
    let steps = timeline_steps(&s.state, cal, now);
    assert_eq!(steps.len(), 1 + 2 + 2);
    assert_eq!(steps[0].step, "notice");
    assert_eq!(steps[0].state, StepState::Missed);
    assert!(steps[0].label.contains("Điều 23"));
    assert_eq!(steps[1].state, StepState::Pending);
    assert_eq!(steps[3].step, "connect");
    let warned = schedule_warnings(&s.state, cal, now);
    assert_eq!(warned.len(), 1);
    assert_eq!(warned[0].as_str(), "notice_missing");

    s.ok(CHAIR, SessionEvent::NoticeSent { at_ms: now });
    let steps = timeline_steps(&s.state, cal, now);
    assert_eq!(steps[0].state, StepState::Late);
    assert_eq!(steps[0].done_at_ms, Some(now));
    s.ok(
        CHAIR,
        SessionEvent::TestConnection {
            point: A.into(),
            ok: true,
            at_ms: vn_ms("2026-07-13", 10, 0),
        },
    );
    let steps = timeline_steps(&s.state, cal, vn_ms("2026-07-13", 11, 0));
    assert_eq!(steps[1].state, StepState::Done);
    assert_eq!(steps[2].state, StepState::Pending);
    // After the start, B's test was missed and neither point connected in time.
    let after = start_ms() + 60_000;
    let steps = timeline_steps(&s.state, cal, after);
    let states: Vec<_> = steps.iter().map(|t| t.state).collect();
    assert_eq!(
        states,
        [
            StepState::Late,
            StepState::Done,
            StepState::Missed,
            StepState::Missed,
            StepState::Missed
        ]
    );
    assert_eq!(schedule_warnings(&s.state, cal, after).len(), 4);
}
