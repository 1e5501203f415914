//! The same signed case events, received in any order, fold to the same case state — and two
//! sites editing during a partition merge deterministically with both edits kept (issue 3).

use ed25519_dalek::SigningKey;
use proptest::prelude::*;
use tiepdan_protocol::case::{
    self, AppliedEvent, CaseEvent, CaseState, Citizen, IdType, Identity, Kind, Reception,
};
use tiepdan_protocol::log::{sign_event, verify_event, CaseLog, EventBody, EventId, VerifiedEvent};

const CASE: &str = "00070-2026-00001";

fn key(site: u8) -> SigningKey {
    SigningKey::from_bytes(&[site; 32])
}

fn event(
    author: &str,
    k: &SigningKey,
    parents: &[EventId],
    at_ms: u64,
    ev: &CaseEvent,
) -> VerifiedEvent {
    let body = EventBody::new(CASE, author, parents, at_ms, case::encode_event(ev));
    let bytes = sign_event(&body, k);
    verify_event(&bytes, &k.verifying_key().to_bytes()).unwrap()
}

fn reception() -> CaseEvent {
    CaseEvent::Received {
        reception: Reception {
            date: case::parse_date("2026-11-16").unwrap(),
            identity: Identity::Plain(Citizen {
                name: "Bùi Văn Một".into(),
                address: "Thôn 1".into(),
                id_type: IdType::Cccd,
                id_number: "001085012345".into(),
            }),
            summary: "Khiếu nại".into(),
            kind: Kind::Complaint,
            people_count: 1,
            prior_bodies: vec![],
            request: "Xem xét".into(),
            direction: None,
            notes: String::new(),
            officer: "A".into(),
            representatives: vec![],
            evidence: vec![],
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

/// A case written at commune 00070 and, during a partition, at both 00070 and province 01;
/// `script` picks each step's author and whether it builds on everything seen so far.
fn history(script: &[(bool, bool)]) -> Vec<VerifiedEvent> {
    let (commune, province) = (key(1), key(2));
    let genesis = event("00070", &commune, &[], 1, &reception());
    let mut all = vec![genesis.clone()];
    let mut heads_commune = vec![genesis.id];
    let mut heads_province = vec![genesis.id];
    for (i, (by_province, merge)) in script.iter().enumerate() {
        let text = format!("ghi chú {i}");
        let ev = CaseEvent::Note { text };
        let (author, k, heads) = if *by_province {
            ("01", &province, &mut heads_province)
        } else {
            ("00070", &commune, &mut heads_commune)
        };
        if *merge {
            // This side has synced: it builds on every event written so far.
            let mut log = CaseLog::new(CASE);
            for e in &all {
                let _ = log.insert(e.clone());
            }
            *heads = log.next_parents();
        }
        let e = event(author, k, heads, 2 + i as u64, &ev);
        *heads = vec![e.id];
        all.push(e);
    }
    all
}

fn fold(events: &[VerifiedEvent]) -> (CaseState, Vec<EventId>) {
    let mut log = CaseLog::new(CASE);
    for e in events {
        let _ = log.insert(e.clone());
    }
    let mut state = CaseState::new(CASE);
    for e in log.ordered() {
        let ev = case::decode_event(&e.body.payload).unwrap();
        state.apply(AppliedEvent {
            by: None,
            id: e.id,
            author: &e.body.author,
            at_ms: e.body.at_ms,
            event: &ev,
        });
    }
    (state, log.heads())
}

proptest! {
    #[test]
    fn same_events_in_any_order_fold_to_the_same_state(
        script in proptest::collection::vec((any::<bool>(), any::<bool>()), 1..24),
        seed in any::<u64>(),
    ) {
        let events = history(&script);
        let (reference, heads) = fold(&events);
        // A deterministic shuffle from the seed (no unseeded randomness).
        let mut shuffled = events.clone();
        let mut s = seed | 1;
        for i in (1..shuffled.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            shuffled.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let (state, heads2) = fold(&shuffled);
        prop_assert_eq!(&state.history, &reference.history);
        prop_assert_eq!(state.status, reference.status);
        prop_assert_eq!(heads, heads2);
        // Both sides' edits are all in the history: nothing lost in the merge.
        prop_assert_eq!(reference.history.len(), events.len());
    }
}
