//! Who wrote an event (`EventBody::by`): signed with the body, validated, and absent from the
//! bytes of an event that names nobody (so older events keep their ids).

use ed25519_dalek::SigningKey;

use super::event::*;
use crate::access::Role;

#[test]
fn the_author_user_is_signed_and_an_event_without_one_keeps_its_bytes() {
    let key = SigningKey::from_bytes(&[7; 32]);
    let plain = EventBody::new("c", "VN", &[], 1, vec![0xf6]);
    let by = plain.clone().by(Some(Actor {
        user: "Trần Thị B".into(),
        role: Role::Officer,
    }));
    let (a, b) = (sign_event(&plain, &key), sign_event(&by, &key));
    assert_ne!(
        event_id(&a),
        event_id(&b),
        "who wrote it is part of the signed bytes"
    );
    let v = verify_event(&b, &key.verifying_key().to_bytes()).expect("valid");
    assert_eq!(v.body.by.as_ref().map(|a| a.role), Some(Role::Officer));
    assert_eq!(
        verify_event(&a, &key.verifying_key().to_bytes())
            .unwrap()
            .body
            .by,
        None
    );
}

#[test]
fn a_user_name_with_control_characters_or_too_long_is_refused() {
    for user in [
        "a\u{0}b".to_owned(),
        "x".repeat(MAX_ACTOR_BYTES + 1),
        String::new(),
    ] {
        let body = EventBody::new("c", "VN", &[], 1, vec![0xf6]).by(Some(Actor {
            user,
            role: Role::Chair,
        }));
        assert!(body.validate().is_err());
    }
}
