//! Tests of what a site holds: admission, audience, quotas and forwarding.
use super::*;
use crate::case::reception::tests::reception;
use crate::case::Kind;
use ed25519_dalek::SigningKey;

/// A site's records knowing the keys of every site in `keys`.
fn site(keys: &[(&str, &SigningKey)]) -> Records {
    let mut r = Records::default();
    for (code, k) in keys {
        r.site_keys
            .insert((*code).to_owned(), k.verifying_key().to_bytes());
    }
    r
}

/// Signs `event` at `author` on top of what `at` holds, and keeps it there.
fn make(at: &mut Records, key: &SigningKey, author: &str, id: &str, event: CaseEvent) -> Vec<u8> {
    let ev = sign_payload(
        at,
        key,
        author,
        id,
        1_780_000_000_000,
        case::encode_event(&event),
    )
    .unwrap();
    let bytes = ev.bytes.clone();
    let adm = at.admit(
        vec![Ok(CheckedEvent {
            event: ev,
            payload: Payload::Case(event),
        })],
        author,
        None,
    );
    assert_eq!(adm.accepted.len(), 1, "{:?}", adm.rejected);
    at.install(adm.entries);
    bytes
}

#[test]
fn a_revoked_key_verifies_what_it_signed_before_and_nothing_after() {
    let k = SigningKey::from_bytes(&[1; 32]);
    let keys = [("00070", &k)];
    let mut commune = site(&keys);
    let id = "00070-2026-00001";
    let genesis = make(
        &mut commune,
        &k,
        "00070",
        id,
        CaseEvent::Received {
            reception: reception(Kind::Complaint),
        },
    );
    let later = sign_payload(
        &commune,
        &k,
        "00070",
        id,
        1_790_000_000_000,
        case::encode_event(&CaseEvent::Accepted {
            decision_no: "12/QĐ".into(),
        }),
    )
    .unwrap();
    let province = site(&keys);
    let decoded = decode_batch(&[genesis, later.bytes.clone()]);
    let verified = verify_events(decoded, &province.site_keys);
    // Revoked at 1 785 000 000 s: between the two events.
    let judged = refuse_revoked(verified, |s| (s == "00070").then_some(1_785_000_000));
    assert!(judged[0].is_ok(), "signed before the revocation");
    assert_eq!(
        judged[1].as_ref().err().map(Rejected::reason),
        Some("revoked_author")
    );
    let adm = province.admit(judged, "01", Some("00070"));
    assert_eq!(adm.accepted.len(), 1);
}

#[test]
fn an_owner_over_its_quota_opens_no_new_record_and_a_second_genesis_is_not_stored() {
    let k = SigningKey::from_bytes(&[1; 32]);
    let keys = [("00070", &k)];
    let mut commune = site(&keys);
    let first = make(
        &mut commune,
        &k,
        "00070",
        "00070-2026-00001",
        CaseEvent::Received {
            reception: reception(Kind::Complaint),
        },
    );
    let mut province = site(&keys);
    let adm = province.check_batch(std::slice::from_ref(&first), "01", Some("00070"));
    assert_eq!(adm.accepted.len(), 1);
    province.install(adm.entries);
    assert_eq!(province.owned_by("00070").records, 1);

    // A second genesis of the same case: refused by its log, so never stored.
    let mut other = site(&keys);
    let mut r = reception(Kind::Complaint);
    r.notes = "khác".into();
    let second = make(
        &mut other,
        &k,
        "00070",
        "00070-2026-00001",
        CaseEvent::Received { reception: r },
    );
    let adm = province.check_batch(&[second], "01", Some("00070"));
    assert!(adm.accepted.is_empty());
    assert_eq!(adm.rejected[0].reason(), "conflicting_genesis");

    // At its quota, the owner opens nothing new; its held records still take events.
    province.owned.insert(
        "00070".into(),
        Owned {
            records: RECORDS_PER_SITE_MAX,
            pending_bytes: 0,
        },
    );
    let new = make(
        &mut commune,
        &k,
        "00070",
        "00070-2026-00002",
        CaseEvent::Received {
            reception: reception(Kind::Complaint),
        },
    );
    let adm = province.check_batch(&[new], "01", Some("00070"));
    assert_eq!(adm.rejected[0].reason(), "records_per_site");
    let more = sign_payload(
        &commune,
        &k,
        "00070",
        "00070-2026-00001",
        1_780_000_100_000,
        case::encode_event(&CaseEvent::Accepted {
            decision_no: "1/QĐ".into(),
        }),
    )
    .unwrap();
    let adm = province.check_batch(&[more.bytes], "01", Some("00070"));
    assert_eq!(adm.accepted.len(), 1, "{:?}", adm.rejected);
}

#[test]
fn admission_pushes_and_forwards_follow_the_audience() {
    let (kc, kp, kv, ks) = (
        SigningKey::from_bytes(&[1; 32]),
        SigningKey::from_bytes(&[2; 32]),
        SigningKey::from_bytes(&[3; 32]),
        SigningKey::from_bytes(&[4; 32]),
    );
    let keys = [("00070", &kc), ("01", &kp), ("VN", &kv), ("00073", &ks)];
    let (mut commune, mut province, mut sibling) = (site(&keys), site(&keys), site(&keys));
    let id = "00070-2026-00001";
    let genesis = make(
        &mut commune,
        &kc,
        "00070",
        id,
        CaseEvent::Received {
            reception: reception(Kind::Complaint),
        },
    );

    // The author pushes to its linked audience only: never to a sibling, never back.
    assert!(commune
        .push_for(id, std::slice::from_ref(&genesis), &[], None, "01")
        .is_some());
    assert!(commune
        .push_for(id, std::slice::from_ref(&genesis), &[], None, "VN")
        .is_some());
    assert!(
        commune
            .push_for(id, std::slice::from_ref(&genesis), &[], None, "00073")
            .is_none(),
        "a sibling is outside the audience"
    );
    assert!(
        commune
            .push_for(id, std::slice::from_ref(&genesis), &[], Some("01"), "01")
            .is_none(),
        "not back to where it came from"
    );

    // The province admits it from the commune and forwards it to central, not back.
    let adm = province.check_batch(std::slice::from_ref(&genesis), "01", Some("00070"));
    assert_eq!((adm.accepted.len(), adm.rejected.len()), (1, 0));
    let linked = vec!["00070".to_owned(), "VN".to_owned(), "00073".to_owned()];
    let fw = province.forwards(&adm, "00070", &linked);
    assert_eq!(fw.len(), 1);
    assert!(
        fw[0].widened.contains(&"VN".to_owned()) && !fw[0].widened.contains(&"00073".to_owned())
    );
    province.install(adm.entries);
    // A replay is refused before its signature is checked.
    let again = province.skip_held(decode_batch(std::slice::from_ref(&genesis)));
    assert!(matches!(again[0], Err(Rejected::Replayed)));

    // The sibling cannot take the case: it is not in the audience.
    let adm = sibling.check_batch(std::slice::from_ref(&genesis), "00073", Some("00070"));
    assert!(adm.accepted.is_empty());
    assert!(matches!(adm.rejected[0], Rejected::OutOfAudience(_)));

    // A transfer widens the audience to the sibling, which then gets the whole history.
    let transfer = make(
        &mut commune,
        &kc,
        "00070",
        id,
        CaseEvent::Transferred {
            to_site: "00073".into(),
            letter_no: "1/CV".into(),
            rewrapped: None,
        },
    );
    let full = commune
        .push_for(
            id,
            std::slice::from_ref(&transfer),
            &["00073".to_owned()],
            None,
            "00073",
        )
        .expect("now audience");
    assert_eq!(
        full,
        vec![genesis.clone(), transfer.clone()],
        "parents before children"
    );
    let adm = sibling.check_batch(&full, "00073", Some("00070"));
    assert_eq!(adm.accepted.len(), 2, "{:?}", adm.rejected);
    sibling.install(adm.entries);
    assert!(sibling.in_audience(id, "00073"));
    assert_eq!(sibling.shared_ids("01"), commune.shared_ids("01"));
}

#[test]
fn only_the_site_an_id_names_signs_its_first_events() {
    assert_eq!(owner_of("00070-2026-00001"), Some("00070"));
    assert_eq!(owner_of("S-VN-2026-0001"), Some("VN"));
    assert_eq!(owner_of("-2026-1"), None);
    let (kc, kp) = (
        SigningKey::from_bytes(&[1; 32]),
        SigningKey::from_bytes(&[2; 32]),
    );
    let keys = [("00070", &kc), ("01", &kp)];
    let commune = site(&keys);
    let province = site(&keys);
    let signed = |key: &SigningKey, author: &str, id: &str, payload: Vec<u8>| {
        sign_payload(&commune, key, author, id, 1_780_000_000_000, payload)
            .unwrap()
            .bytes
    };
    let received = case::encode_event(&CaseEvent::Received {
        reception: reception(Kind::Complaint),
    });
    // A commune signs the first event of its province's next case id, and of a session id
    // of its province: both refused with the owner named, nothing taken.
    let impostor = [
        signed(&kc, "00070", "01-2026-00001", received.clone()),
        signed(
            &kc,
            "00070",
            "S-01-2026-0001",
            session::encode_event(&SessionEvent::Scheduled {
                session_id: "S-01-2026-0001".into(),
                title: "Phiên định kỳ".into(),
                chair_site: "01".into(),
                points: vec!["00070".into()],
                starts_at_ms: 1_780_000_000_000,
                case_ids: vec![],
                session_type: Default::default(),
                categories: vec![],
            }),
        ),
    ];
    let adm = province.check_batch(&impostor, "01", Some("00070"));
    assert!(adm.accepted.is_empty() && adm.entries.is_empty());
    assert_eq!(adm.rejected.len(), 2);
    for r in &adm.rejected {
        assert!(
            matches!(r, Rejected::NotOwner { owner, author, .. } if owner == "01" && author == "00070"),
            "{r:?}"
        );
        assert_eq!(r.reason(), "not_owner");
    }
    // The owner's own first event is taken.
    let own = [signed(&kc, "00070", "00070-2026-00001", received)];
    let adm = province.check_batch(&own, "01", Some("00070"));
    assert_eq!(
        (adm.accepted.len(), adm.rejected.len()),
        (1, 0),
        "{:?}",
        adm.rejected
    );
}

/// Signing a run of events before any is inserted chains them exactly as signing each after
/// inserting the one before: the same parents, so the same signed bytes.
#[test]
fn a_chain_signed_ahead_is_the_chain_signed_one_by_one() {
    let key = SigningKey::from_bytes(&[7; 32]);
    let id = "00004-2026-00001";
    let payloads = [
        case::encode_event(&CaseEvent::Received {
            reception: reception(Kind::Petition),
        }),
        case::encode_event(&CaseEvent::Note {
            text: "một".into()
        }),
        case::encode_event(&CaseEvent::Note { text: "hai".into() }),
    ];
    let mut one_by_one = site(&[("00004", &key)]);
    let mut expected = Vec::new();
    for p in &payloads {
        let v = sign_payload_by(
            &one_by_one,
            &key,
            "00004",
            id,
            1_780_000_000_000,
            p.clone(),
            None,
        )
        .unwrap();
        one_by_one.insert(vec![v.clone()]);
        expected.push(v.bytes);
    }
    let mut ahead = site(&[("00004", &key)]);
    let chain = sign_chain_by(
        &ahead,
        &key,
        "00004",
        id,
        1_780_000_000_000,
        payloads.to_vec(),
        None,
    )
    .unwrap();
    let got: Vec<Vec<u8>> = chain.iter().map(|v| v.bytes.clone()).collect();
    assert_eq!(got, expected);
    assert_eq!(ahead.insert(chain), 3, "every event of the chain applies");
    assert_eq!(ahead.get(id).unwrap().state.history.len(), 3);
}
