//! Targets for signed events and what they carry: the event envelope, case and session
//! payloads, and the folds of case and session logs built from arbitrary event sequences.

use std::sync::OnceLock;

use serde_bytes::ByteBuf;
use tiepdan_protocol::access;
use tiepdan_protocol::case::{
    self, parse_date, Calendar, CaseEvent, CaseState, Citizen, EscalationReason, EvidenceCondition,
    EvidenceItem, IdType, Identity, Kind, Reception,
};
use tiepdan_protocol::log::{
    self, sign_event, try_sign_event, verify_many, Actor, CaseLog, EventBody, EventId, SignedEvent,
    VerifiedEvent, SIGNING_CONTEXT,
};
use tiepdan_protocol::records;
use tiepdan_protocol::sealed::{SealedIdentity, WrappedKey};
use tiepdan_protocol::session::{
    self, schedule_warnings, IdentityCheck, IdentityCheckResult, Role, SessionEvent, SessionState,
};

use crate::fixtures::{self, authors, join_pieces, pieces, COMMUNE, NOW_MS, PROVINCE, SIBLING};
use crate::Seed;

/// The case of the case targets: a reception at Phường Ba Đình.
pub const CASE_ID: &str = "00004-2026-000001";
/// The session of the session targets: chaired by Hà Nội, with two of its communes as points.
pub const SESSION_ID: &str = "S-01-2026-000001";

fn to_cbor<T: serde::Serialize>(value: &T) -> Vec<u8> {
    cbor4ii::serde::to_vec(Vec::new(), value).expect("CBOR into memory")
}

/// The author key of `site` in the fixed world, or central's for any other site.
fn author_key(site: &str) -> &'static ed25519_dalek::SigningKey {
    let all = authors();
    all.iter()
        .find(|(s, _)| *s == site)
        .map_or(&all[2].1, |(_, k)| k)
}

// ---------------------------------------------------------------------------------------------
// signed_event
// ---------------------------------------------------------------------------------------------

/// A signed event from a peer or the store (`protocol::log::decode_event`, then
/// `UnverifiedEvent::verify` and `verify_many` under the fixed key of its claimed author):
/// never panics; a decoded event is valid and its bytes are exactly the encoding of what it
/// says; one and many signature checks agree; and an event that verifies is exactly what the
/// author's key signs for that body (one event, one byte string).
pub fn signed_event(data: &[u8]) {
    let Ok(event) = log::decode_event(data) else {
        return;
    };
    assert_eq!(event.bytes(), data);
    assert_eq!(event.id, log::event_id(data));
    assert_eq!(event.body.validate(), Ok(()));
    let body_bytes = &event.signed_message()[SIGNING_CONTEXT.len()..];
    assert_eq!(to_cbor(&event.body), body_bytes, "body not canonical");
    let envelope = SignedEvent {
        body: ByteBuf::from(body_bytes.to_vec()),
        signature: ByteBuf::from(event.signature().to_vec()),
    };
    assert_eq!(to_cbor(&envelope), data, "envelope not canonical");

    let key = author_key(event.author());
    let one = event.clone().verify(&key.verifying_key().to_bytes());
    let many = verify_many(vec![(event.clone(), key.verifying_key())]);
    assert_eq!(
        one.as_ref().ok(),
        many[0].as_ref().ok(),
        "one and many disagree"
    );
    assert_eq!(
        log::verify_event(data, &key.verifying_key().to_bytes()).is_ok(),
        one.is_ok()
    );
    if let Ok(verified) = one {
        assert_eq!(verified.bytes, data);
        assert_eq!(
            sign_event(&verified.body, key),
            data,
            "a second valid encoding"
        );
    }
}

/// One signed event of the fixed case, by the fixed commune.
pub(crate) fn sample_signed_event() -> Vec<u8> {
    let body = EventBody::new(
        CASE_ID,
        COMMUNE,
        &[],
        NOW_MS,
        case::encode_event(&received(Kind::Complaint)),
    )
    .by(Some(officer()));
    sign_event(&body, author_key(COMMUNE))
}

pub(crate) fn signed_event_seeds() -> Vec<Seed> {
    let genesis = sample_signed_event();
    let parent = log::event_id(&genesis);
    let child = EventBody::new(
        CASE_ID,
        PROVINCE,
        &[parent, [3; 32]],
        NOW_MS + 60_000,
        case::encode_event(&CaseEvent::Accepted {
            decision_no: "12/QĐ-UBND".into(),
        }),
    );
    let session = EventBody::new(
        SESSION_ID,
        PROVINCE,
        &[],
        NOW_MS,
        session::encode_event(&scheduled()),
    );
    let mut forged = sign_event(&child, author_key(PROVINCE));
    let last = forged.len() - 1;
    forged[last] ^= 1;
    vec![
        Seed::exact("valid-case-genesis", genesis.clone()),
        Seed::exact("valid-case-child", sign_event(&child, author_key(PROVINCE))),
        Seed::exact(
            "valid-session-genesis",
            sign_event(&session, author_key(PROVINCE)),
        ),
        Seed::exact("garbage-bad-signature", forged),
        Seed::exact("garbage-truncated", genesis[..genesis.len() / 2].to_vec()),
    ]
}

// ---------------------------------------------------------------------------------------------
// case_payload
// ---------------------------------------------------------------------------------------------

fn officer() -> Actor {
    Actor {
        user: "canbo".into(),
        role: access::Role::Officer,
    }
}

fn received(kind: Kind) -> CaseEvent {
    let identity = Identity::Plain(Citizen {
        name: "Nguyễn Văn An".into(),
        address: "12 Hàng Bài, phường Hoàn Kiếm, Hà Nội".into(),
        id_type: IdType::Cccd,
        id_number: "001085012345".into(),
    });
    CaseEvent::Received {
        reception: Reception {
            date: parse_date("2026-07-01").expect("date"),
            identity,
            summary: "Khiếu nại quyết định thu hồi đất".into(),
            kind,
            people_count: 1,
            prior_bodies: vec![],
            request: "Đề nghị xem xét lại quyết định".into(),
            direction: None,
            notes: String::new(),
            officer: "Trần Thị Bình".into(),
            representatives: vec![],
            evidence: vec![EvidenceItem {
                name: "Quyết định số 12/QĐ-UBND".into(),
                pages: 2,
                condition: EvidenceCondition::Copy,
            }],
            refusal: None,
            session_type: Default::default(),
            form: Default::default(),
            identity_protection: false,
            source: Default::default(),
            anonymous: false,
            classification: Default::default(),
        },
    }
}

/// A sealed identity of the right shape (it opens for nobody).
fn shaped_seal() -> SealedIdentity {
    SealedIdentity {
        nonce: ByteBuf::from(vec![7; 12]),
        ciphertext: ByteBuf::from(vec![1; 40]),
        recipients: vec![WrappedKey {
            site: COMMUNE.into(),
            ephemeral: ByteBuf::from(vec![9; 32]),
            wrapped: ByteBuf::from(vec![5; 48]),
        }],
    }
}

/// A sealed denunciation as the node signs it: what names the denouncer only inside the seal.
fn received_sealed() -> CaseEvent {
    let CaseEvent::Received { mut reception } = received(Kind::Denunciation) else {
        unreachable!("received() makes a reception")
    };
    reception.identity = Identity::Sealed(shaped_seal());
    reception.summary.clear();
    reception.request.clear();
    reception.evidence.clear();
    CaseEvent::Received { reception }
}

/// A case's life after its reception, as its events.
fn case_life() -> Vec<(&'static str, CaseEvent)> {
    vec![
        (
            COMMUNE,
            CaseEvent::Classified {
                kind: Kind::Complaint,
                complex: true,
                remote_area: false,
            },
        ),
        (
            COMMUNE,
            CaseEvent::Accepted {
                decision_no: "15/TB-UBND".into(),
            },
        ),
        (
            COMMUNE,
            CaseEvent::Extended {
                days: 30,
                reason: "Cần xác minh thêm".into(),
            },
        ),
        (
            COMMUNE,
            CaseEvent::Escalated {
                to_site: PROVINCE.into(),
                reason: EscalationReason::SecondInstance,
                rewrapped: None,
            },
        ),
        (
            PROVINCE,
            CaseEvent::Suspended {
                reason: "Chờ kết quả giám định".into(),
            },
        ),
        (PROVINCE, CaseEvent::Resumed),
        (
            PROVINCE,
            CaseEvent::Dialogue {
                date: parse_date("2026-07-20").expect("date"),
                note: "Đối thoại lần 1".into(),
            },
        ),
        (
            PROVINCE,
            CaseEvent::Decided {
                summary: "Giữ nguyên quyết định".into(),
            },
        ),
        (PROVINCE, CaseEvent::Final),
        (
            PROVINCE,
            CaseEvent::Closed {
                note: "Lưu hồ sơ".into(),
            },
        ),
    ]
}

/// The fixed case after its reception, to apply single events to.
fn received_case() -> &'static CaseState {
    static STATE: OnceLock<CaseState> = OnceLock::new();
    STATE.get_or_init(|| {
        let event = received(Kind::Complaint);
        CaseState::fold(
            CASE_ID,
            [case::AppliedEvent {
                id: [1; 32],
                author: COMMUNE,
                by: None,
                at_ms: NOW_MS,
                event: &event,
            }],
        )
    })
}

/// A case event payload (`protocol::case::decode_event`): never panics; a decoded event is
/// valid and its re-encoding decodes to the same event; applied by any author to an empty case
/// and to a received one, the fold, deadlines and audience never panic.
pub fn case_payload(data: &[u8]) {
    let Ok(event) = case::decode_event(data) else {
        return;
    };
    assert_eq!(event.validate(), Ok(()));
    assert_eq!(
        case::decode_event(&case::encode_event(&event)),
        Ok(event.clone()),
        "did not round-trip"
    );
    let today = parse_date("2026-08-01").expect("date");
    for (author, _) in authors() {
        for base in [&CaseState::new(CASE_ID), received_case()] {
            let mut state = base.clone();
            state.apply(case::AppliedEvent {
                id: [2; 32],
                author,
                by: None,
                at_ms: NOW_MS + 3_600_000,
                event: &event,
            });
            let _ = case::deadlines(&state, Calendar::vietnam(), today);
            let _ = state.audience();
        }
    }
}

pub(crate) fn case_payload_seeds() -> Vec<Seed> {
    let mut seeds = vec![
        Seed::exact(
            "valid-received",
            case::encode_event(&received(Kind::Complaint)),
        ),
        Seed::exact(
            "valid-received-sealed",
            case::encode_event(&received_sealed()),
        ),
    ];
    for (_, event) in case_life() {
        seeds.push(Seed::exact(
            format!("valid-{}", event.name()),
            case::encode_event(&event),
        ));
    }
    let bytes = case::encode_event(&received(Kind::Petition));
    seeds.push(Seed::exact(
        "garbage-truncated",
        bytes[..bytes.len() - 9].to_vec(),
    ));
    seeds.push(Seed::exact("garbage-unknown-variant", to_cbor(&"launched")));
    seeds
}

// ---------------------------------------------------------------------------------------------
// session_payload
// ---------------------------------------------------------------------------------------------

fn scheduled() -> SessionEvent {
    SessionEvent::Scheduled {
        session_id: SESSION_ID.into(),
        title: "Tiếp công dân định kỳ của Chủ tịch UBND Thành phố".into(),
        chair_site: PROVINCE.into(),
        points: vec![COMMUNE.into(), SIBLING.into()],
        starts_at_ms: NOW_MS + 10 * 86_400_000,
        case_ids: vec![CASE_ID.into()],
        session_type: Default::default(),
        categories: vec![],
    }
}

fn checked() -> IdentityCheck {
    IdentityCheck {
        checked_by: "Nguyễn Văn An".into(),
        document: IdType::Cccd,
        result: IdentityCheckResult::Verified,
    }
}

/// A session's life after its schedule, as its events.
fn session_life() -> Vec<(&'static str, SessionEvent)> {
    let at = NOW_MS + 10 * 86_400_000;
    let join = |point: &str, id: &str, role: Role| SessionEvent::ParticipantJoined {
        point: point.into(),
        participant_id: id.into(),
        display_name: format!("Người tham dự {id}"),
        role,
        identity_check: checked(),
    };
    vec![
        (PROVINCE, SessionEvent::NoticeSent { at_ms: NOW_MS }),
        (
            PROVINCE,
            SessionEvent::TestConnection {
                point: COMMUNE.into(),
                ok: true,
                at_ms: at - 86_400_000,
            },
        ),
        (
            COMMUNE,
            SessionEvent::PointConnected {
                point: COMMUNE.into(),
                at_ms: at - 600_000,
            },
        ),
        (PROVINCE, join(PROVINCE, "u-chair", Role::Chair)),
        (COMMUNE, join(COMMUNE, "p-citizen", Role::Citizen)),
        (PROVINCE, SessionEvent::Started { at_ms: at }),
        (
            COMMUNE,
            SessionEvent::HandRaised {
                point: COMMUNE.into(),
                participant_id: "p-citizen".into(),
            },
        ),
        (
            PROVINCE,
            SessionEvent::FloorGranted {
                point: COMMUNE.into(),
                participant_id: "p-citizen".into(),
            },
        ),
        (
            PROVINCE,
            SessionEvent::FloorRevoked {
                point: COMMUNE.into(),
                participant_id: "p-citizen".into(),
            },
        ),
        (
            COMMUNE,
            SessionEvent::ParticipantLeft {
                point: COMMUNE.into(),
                participant_id: "p-citizen".into(),
            },
        ),
        (
            PROVINCE,
            SessionEvent::Ended {
                at_ms: at + 3_600_000,
            },
        ),
        (
            COMMUNE,
            SessionEvent::RecordingSealed {
                site: COMMUNE.into(),
                index_id: [4; 32],
            },
        ),
    ]
}

/// The fixed session after its schedule, to check and apply single events against.
fn scheduled_session() -> &'static (SessionState, EventId) {
    static STATE: OnceLock<(SessionState, EventId)> = OnceLock::new();
    STATE.get_or_init(|| {
        let event = scheduled();
        let id = [1; 32];
        let state = SessionState::fold(
            SESSION_ID,
            [session::AppliedEvent {
                id,
                parents: &[],
                author: PROVINCE,
                at_ms: NOW_MS,
                event: &event,
            }],
        );
        (state, id)
    })
}

/// A session event payload (`protocol::session::decode_event`): never panics; a decoded event
/// is valid and its encoding is exactly the bytes it came from; against the fixed scheduled
/// session, what `SessionState::check` allows an author, the fold applies without refusing it.
pub fn session_payload(data: &[u8]) {
    let Ok(event) = session::decode_event(data) else {
        return;
    };
    assert_eq!(event.validate(), Ok(()));
    assert_eq!(session::encode_event(&event), data, "not canonical");
    let (base, genesis) = scheduled_session();
    for (author, _) in authors() {
        let empty = SessionState::new(SESSION_ID);
        for (state, parents) in [(&empty, &[][..]), (base, std::slice::from_ref(genesis))] {
            let allowed = state.check(author, &event);
            let mut after = state.clone();
            let id = [2; 32];
            after.apply(session::AppliedEvent {
                id,
                parents,
                author,
                at_ms: NOW_MS + 60_000,
                event: &event,
            });
            if allowed.is_ok() {
                assert!(
                    !after.rejected.contains_key(&hex(&id)),
                    "check allowed {author} {event:?} but the fold refused it: {:?}",
                    after.rejected
                );
            }
            let _ = schedule_warnings(&after, Calendar::vietnam(), NOW_MS);
            let _ = after.audience();
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn session_payload_seeds() -> Vec<Seed> {
    let mut seeds = vec![Seed::exact(
        "valid-scheduled",
        session::encode_event(&scheduled()),
    )];
    for (i, (_, event)) in session_life().into_iter().enumerate() {
        seeds.push(Seed::exact(
            format!("valid-{:02}-{}", i + 1, event.name()),
            session::encode_event(&event),
        ));
    }
    let bytes = session::encode_event(&scheduled());
    seeds.push(Seed::exact(
        "garbage-truncated",
        bytes[..bytes.len() - 3].to_vec(),
    ));
    let mut version = bytes.clone();
    if let Some(v) = version.iter().position(|b| *b == 0x01) {
        version[v] = 0x02;
    }
    seeds.push(Seed::exact("garbage-version", version));
    seeds
}

// ---------------------------------------------------------------------------------------------
// case_fold and session_fold
// ---------------------------------------------------------------------------------------------

/// Most events one fold input makes (the DAG holds every one pending when inserted backwards).
const MAX_FOLD_EVENTS: usize = 48;

/// One event of a fold input: a piece whose first three bytes are the author (index into
/// [`fixtures::AUTHORS`]; bit 7 names an officer as the writer), which of the last eight events
/// are its parents (a bit mask; none means the one before), and the hours since the previous
/// event; the rest is the payload.
struct Step<'a> {
    author: usize,
    by_officer: bool,
    parents: u8,
    hours: u8,
    payload: &'a [u8],
}

fn steps(data: &[u8]) -> Vec<Step<'_>> {
    pieces(data, MAX_FOLD_EVENTS)
        .into_iter()
        .filter_map(|p| {
            let (head, payload) = p.split_first_chunk::<3>()?;
            Some(Step {
                author: usize::from(head[0] & 0x7f) % fixtures::AUTHORS.len(),
                by_officer: head[0] & 0x80 != 0,
                parents: head[1],
                hours: head[2],
                payload,
            })
        })
        .collect()
}

/// Signs the steps as events of log `log_id`: the first is the genesis, every later one names
/// parents among the events before it. Steps whose event cannot be signed are skipped.
fn sign_steps(log_id: &str, steps: &[Step<'_>]) -> Vec<VerifiedEvent> {
    let mut out: Vec<VerifiedEvent> = Vec::new();
    let mut at = NOW_MS;
    for step in steps {
        at += u64::from(step.hours) * 3_600_000;
        let parents: Vec<EventId> = if out.is_empty() {
            vec![]
        } else {
            let recent = &out[out.len().saturating_sub(8)..];
            let mut chosen: Vec<EventId> = recent
                .iter()
                .enumerate()
                .filter(|(i, _)| step.parents & (1 << i) != 0)
                .map(|(_, e)| e.id)
                .collect();
            if chosen.is_empty() {
                chosen.push(out[out.len() - 1].id);
            }
            chosen
        };
        let (author, key) = &authors()[step.author];
        let body = EventBody::new(log_id, *author, &parents, at, step.payload.to_vec())
            .by(step.by_officer.then(officer));
        if let Ok(event) = try_sign_event(&body, key) {
            out.push(event);
        }
    }
    out
}

/// The log of `events` inserted in the order given.
fn log_of<'a>(log_id: &str, events: impl IntoIterator<Item = &'a VerifiedEvent>) -> CaseLog {
    let mut log = CaseLog::new(log_id);
    for event in events {
        let _ = log.insert(event.clone());
    }
    log
}

/// The events, inserted forwards and backwards: both logs must hold the same DAG.
fn both_ways(log_id: &str, events: &[VerifiedEvent]) -> (CaseLog, CaseLog) {
    let forwards = log_of(log_id, events);
    let backwards = log_of(log_id, events.iter().rev());
    assert_eq!(forwards.pending_len(), 0);
    assert_eq!(backwards.pending_len(), 0, "events left pending");
    assert_eq!(
        forwards.ordered_ids(),
        backwards.ordered_ids(),
        "insertion order changed the DAG's order"
    );
    (forwards, backwards)
}

/// The case fold (`protocol::records::fold` over a `CaseLog`) of an arbitrary sequence of
/// events signed by the fixed authors (see `Step` for how the bytes become events; payloads
/// are arbitrary bytes, most of them case events in the seeds): never panics, folding twice
/// gives the same state, inserting the events backwards gives the same state, and the
/// deadlines, alarms and audience of the result never panic.
pub fn case_fold(data: &[u8]) {
    let events = sign_steps(CASE_ID, &steps(data));
    let (forwards, backwards) = both_ways(CASE_ID, &events);
    let state = records::fold(&forwards);
    assert_eq!(state, records::fold(&forwards), "folding twice differed");
    assert_eq!(
        state,
        records::fold(&backwards),
        "insertion order changed the state"
    );
    let last = events.last().map_or(NOW_MS, |e| e.body.at_ms);
    for today in [last, last + 40 * 86_400_000] {
        let today = case::date_from_unix_ms(today);
        let all = case::deadlines(&state, Calendar::vietnam(), today);
        let alarms = case::alarms(&state, Calendar::vietnam(), today);
        assert!(alarms.len() <= all.len());
    }
    let _ = state.audience();
}

/// [`case_fold`]'s input for a sequence of `(author, payload)`, one hour apart, each following
/// the one before.
fn fold_input(events: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let pieces: Vec<Vec<u8>> = events
        .iter()
        .map(|(author, payload)| {
            let index = fixtures::AUTHORS
                .iter()
                .position(|a| a == author)
                .expect("a fixed author") as u8;
            [vec![index | 0x80, 0, 1], payload.clone()].concat()
        })
        .collect();
    join_pieces(&pieces)
}

pub(crate) fn case_fold_seeds() -> Vec<Seed> {
    let life: Vec<(&str, Vec<u8>)> = std::iter::once((COMMUNE, received(Kind::Complaint)))
        .chain(case_life())
        .map(|(a, e)| (a, case::encode_event(&e)))
        .collect();
    let sealed = vec![
        (COMMUNE, case::encode_event(&received_sealed())),
        (
            COMMUNE,
            case::encode_event(&CaseEvent::IdentityViewed {
                by: "Trần Thị Bình".into(),
                role: "cán bộ tiếp công dân".into(),
            }),
        ),
        (
            COMMUNE,
            case::encode_event(&CaseEvent::Transferred {
                to_site: SIBLING.into(),
                letter_no: "20/CV-UBND".into(),
                rewrapped: Some(shaped_seal()),
            }),
        ),
    ];
    let mut concurrent = fold_input(&life[..3]);
    // Two events naming only the reception as parent: concurrent with everything after it.
    concurrent.extend(join_pieces(&[
        [vec![1, 0b1, 2], life[4].1.clone()].concat(),
        [vec![0, 0b1, 2], life[5].1.clone()].concat(),
    ]));
    vec![
        Seed::exact("valid-complaint-life", fold_input(&life)),
        Seed::exact("valid-sealed-transfer", fold_input(&sealed)),
        Seed::exact("valid-concurrent", concurrent),
        Seed::exact(
            "garbage-payloads",
            fold_input(&[(COMMUNE, vec![1, 2, 3]), (PROVINCE, vec![])]),
        ),
    ]
}

/// The session fold (`protocol::session::SessionState::fold_log`) of an arbitrary sequence of
/// events signed by the fixed authors (as in [`case_fold`]): never panics, folding twice gives
/// the same state, inserting the events backwards gives the same state, audio is forwarded
/// only from present participants, and the schedule warnings and audience never panic.
pub fn session_fold(data: &[u8]) {
    let events = sign_steps(SESSION_ID, &steps(data));
    let (forwards, backwards) = both_ways(SESSION_ID, &events);
    let state = SessionState::fold_log(&forwards);
    assert_eq!(
        state,
        SessionState::fold_log(&forwards),
        "folding twice differed"
    );
    assert_eq!(
        state,
        SessionState::fold_log(&backwards),
        "insertion order changed the state"
    );
    let last = events.last().map_or(NOW_MS, |e| e.body.at_ms);
    let _ = schedule_warnings(&state, Calendar::vietnam(), last);
    for (point, people) in &state.participants {
        for (id, person) in people {
            if state.may_forward_audio(point, id) {
                assert!(
                    person.present,
                    "audio forwarded from {point}/{id}, who left"
                );
            }
        }
    }
    // The floor may name someone whose join has not arrived (the fold keeps the grant); their
    // audio is not forwarded until it does.
    if let Some(f) = &state.floor {
        if state.participant(&f.point, &f.participant_id).is_none() {
            assert!(!state.may_forward_audio(&f.point, &f.participant_id));
        }
    }
    let _ = state.audience();
}

pub(crate) fn session_fold_seeds() -> Vec<Seed> {
    let life: Vec<(&str, Vec<u8>)> = std::iter::once((PROVINCE, scheduled()))
        .chain(session_life())
        .map(|(a, e)| (a, session::encode_event(&e)))
        .collect();
    let mut concurrent = fold_input(&life[..6]);
    // The citizen leaves while the chair, not knowing it yet, gives them the floor.
    concurrent.extend(join_pieces(&[
        [vec![0, 0b10_0000, 1], life[10].1.clone()].concat(),
        [vec![1, 0b10_0000, 0], life[8].1.clone()].concat(),
    ]));
    vec![
        Seed::exact("valid-session-life", fold_input(&life)),
        Seed::exact("valid-concurrent", concurrent),
        Seed::exact(
            "garbage-no-schedule",
            fold_input(&[(COMMUNE, life[3].1.clone()), (PROVINCE, vec![0xa0])]),
        ),
    ]
}
