//! One signed case event: its wire format, signing, parsing and signature check.
//!
//! Owns the [`EventBody`] record, the [`SignedEvent`] envelope, the event id and every limit an
//! event from a peer must respect. It must not decide whether the author may write to the case
//! or which key belongs to a site: [`decode_event`] hands back the author so the caller can look
//! the key up, and [`UnverifiedEvent::verify`] only checks the signature against the key given.
//!
//! # Wire format
//!
//! ```text
//! SignedEvent = { "body": bytes, "signature": bytes(64) }          (CBOR map, this key order)
//! body        = CBOR of EventBody:
//!               { "v": 1, "case_id": text, "author": text,
//!                 "parents": [bytes(32), ...], "at_ms": uint, "payload": bytes,
//!                 "by": { "user": text, "role": text } }       ("by" only when known)
//! signature   = Ed25519 over  b"tiepdan event v1\0" || body
//! event id    = BLAKE3(SignedEvent bytes)
//! ```
//!
//! # Signature rule
//!
//! A signature is accepted when it satisfies the *cofactored* Ed25519 equation
//! `[8][s]B = [8]R + [8][k]A` with `s` canonical and `A` not of small order: exactly what
//! Ed25519 batch verification checks. Every path (one event or a batch of thousands) applies
//! this one rule, so two nodes never disagree about an event. Without the key nobody can turn a
//! valid signature into another valid one for the same body: `k` hashes the exact bytes of `R`,
//! and `s` must be canonical.
//!
//! Both layers must be *canonical*: exactly what this module's encoder produces for the decoded
//! value (definite lengths, shortest integers, this key order, no unknown keys, no trailing
//! bytes). So one event has exactly one byte string and one id. The bytes are stored and
//! forwarded as received and never re-encoded. The format is pinned by the `event_id_is_pinned`
//! test.

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

/// BLAKE3 of the exact signed bytes of an event.
pub type EventId = [u8; 32];

/// The only body version this build writes and accepts.
pub const EVENT_VERSION: u8 = 1;

/// Domain separation: every event signature covers these bytes, then the body bytes.
pub const SIGNING_CONTEXT: &[u8] = b"tiepdan event v1\0";

/// Largest signed event (envelope included), in bytes.
pub const MAX_EVENT_BYTES: usize = 64 * 1024;

/// Most parents one event may name.
pub const MAX_PARENTS: usize = 16;

/// Largest case id, in bytes (printable ASCII, no spaces).
pub const MAX_CASE_ID_BYTES: usize = 64;

/// Largest author site code, in bytes (ASCII letters and digits: `VN`, `01`, `26734`).
pub const MAX_AUTHOR_BYTES: usize = 16;

/// Length of an event id and of each parent reference, in bytes.
pub const EVENT_ID_BYTES: usize = 32;

/// Length of an Ed25519 signature, in bytes.
pub const SIGNATURE_BYTES: usize = 64;

/// Why an event's bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// The signed bytes exceed [`MAX_EVENT_BYTES`].
    #[error("event of {len} bytes exceeds the maximum of {max} bytes")]
    TooLarge { len: usize, max: usize },
    /// Not one CBOR `SignedEvent` holding one CBOR `EventBody`.
    #[error("malformed event: {0}")]
    Malformed(String),
    /// Well-formed, but not the one canonical encoding of its content.
    #[error("event is not canonically encoded ({0})")]
    NonCanonical(&'static str),
    /// The body's `v` is not [`EVENT_VERSION`]; a newer node wrote it.
    #[error("event body version {0} is not supported (this build reads version {EVENT_VERSION})")]
    UnsupportedVersion(u8),
    /// A count or size limit is broken.
    #[error("event field {field} has {len} (at most {max} allowed)")]
    Limit {
        field: &'static str,
        len: usize,
        max: usize,
    },
    /// A field has a forbidden value.
    #[error("event field {field} is invalid: {reason}")]
    InvalidField {
        field: &'static str,
        reason: &'static str,
    },
    /// The author key given is not a valid Ed25519 public key.
    #[error("the author's public key is not a valid Ed25519 key")]
    BadKey,
    /// The signature does not verify under the author key given.
    #[error("event signature does not verify under the author's key")]
    BadSignature,
}

impl EventError {
    /// A short stable label for metrics (`tiepdan_events_rejected_total{reason=...}`).
    pub fn reason(&self) -> &'static str {
        match self {
            EventError::TooLarge { .. } => "too_large",
            EventError::Malformed(_) => "malformed",
            EventError::NonCanonical(_) => "non_canonical",
            EventError::UnsupportedVersion(_) => "unsupported_version",
            EventError::Limit { .. } => "limit",
            EventError::InvalidField { .. } => "invalid_field",
            EventError::BadKey => "bad_key",
            EventError::BadSignature => "bad_signature",
        }
    }
}

/// What an event says: one change to one case, by one site, after its parents.
///
/// The domain content (`payload`) is opaque here; the case model decodes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventBody {
    /// Body version, [`EVENT_VERSION`].
    pub v: u8,
    /// The case this event belongs to.
    pub case_id: String,
    /// Site code of the authoring site; its key must verify the signature.
    pub author: String,
    /// Ids of the events this one follows: 32 bytes each, strictly ascending, at most
    /// [`MAX_PARENTS`]. Empty only for the case's genesis event.
    pub parents: Vec<ByteBuf>,
    /// Authoring time (Unix ms) as the author's clock said. Informational: never used to order.
    pub at_ms: u64,
    /// CBOR of the domain event.
    pub payload: ByteBuf,
    /// Who at the author site wrote it; absent for what a site writes by itself (a sealed
    /// recording) and in events written before accounts existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<Actor>,
}

/// The person behind an event: a user of the author site and the role they acted in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The user name (an account at the author site, or a participant pass's display name).
    pub user: String,
    pub role: crate::access::Role,
}

/// Largest [`Actor::user`], in bytes.
pub const MAX_ACTOR_BYTES: usize = 128;

impl EventBody {
    /// A version-[`EVENT_VERSION`] body; `parents` are sorted and deduplicated.
    pub fn new(
        case_id: impl Into<String>,
        author: impl Into<String>,
        parents: &[EventId],
        at_ms: u64,
        payload: Vec<u8>,
    ) -> Self {
        let mut sorted = parents.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        EventBody {
            v: EVENT_VERSION,
            case_id: case_id.into(),
            author: author.into(),
            parents: sorted
                .into_iter()
                .map(|p| ByteBuf::from(p.to_vec()))
                .collect(),
            at_ms,
            payload: ByteBuf::from(payload),
            by: None,
        }
    }

    /// The same body, naming who wrote it.
    pub fn by(mut self, actor: Option<Actor>) -> Self {
        self.by = actor;
        self
    }

    /// Checks every field rule of the module (not the signature, not the size of the encoding).
    pub fn validate(&self) -> Result<(), EventError> {
        if self.v != EVENT_VERSION {
            return Err(EventError::UnsupportedVersion(self.v));
        }
        check_text(
            "case_id",
            &self.case_id,
            MAX_CASE_ID_BYTES,
            |b| b.is_ascii_graphic(),
            "must be printable ASCII without spaces",
        )?;
        check_text(
            "author",
            &self.author,
            MAX_AUTHOR_BYTES,
            |b| b.is_ascii_alphanumeric(),
            "must be a site code (ASCII letters and digits)",
        )?;
        if self.parents.len() > MAX_PARENTS {
            return Err(EventError::Limit {
                field: "parents",
                len: self.parents.len(),
                max: MAX_PARENTS,
            });
        }
        if self.parents.iter().any(|p| p.len() != EVENT_ID_BYTES) {
            return Err(EventError::InvalidField {
                field: "parents",
                reason: "each parent must be a 32-byte event id",
            });
        }
        if self.parents.windows(2).any(|w| w[0] >= w[1]) {
            return Err(EventError::InvalidField {
                field: "parents",
                reason: "must be strictly ascending (sorted, no duplicates)",
            });
        }
        if let Some(actor) = &self.by {
            check_text(
                "by.user",
                &actor.user,
                MAX_ACTOR_BYTES,
                |_| true,
                "must be a user name",
            )?;
            if actor.user.chars().any(char::is_control) {
                return Err(EventError::InvalidField {
                    field: "by.user",
                    reason: "must not hold control characters",
                });
            }
        }
        if self.payload.len() > MAX_EVENT_BYTES {
            return Err(EventError::Limit {
                field: "payload",
                len: self.payload.len(),
                max: MAX_EVENT_BYTES,
            });
        }
        Ok(())
    }

    /// The parent ids, in ascending order. Entries that are not 32 bytes long (possible only in
    /// a body that fails [`validate`](Self::validate)) are skipped.
    pub fn parent_ids(&self) -> Vec<EventId> {
        self.parents
            .iter()
            .filter_map(|p| EventId::try_from(p.as_slice()).ok())
            .collect()
    }

    /// Whether this is a genesis event (no parents): the reception that opened the case.
    pub fn is_genesis(&self) -> bool {
        self.parents.is_empty()
    }
}

fn check_text(
    field: &'static str,
    value: &str,
    max: usize,
    allowed: impl Fn(&u8) -> bool,
    reason: &'static str,
) -> Result<(), EventError> {
    if value.is_empty() {
        return Err(EventError::InvalidField {
            field,
            reason: "must not be empty",
        });
    }
    if value.len() > max {
        return Err(EventError::Limit {
            field,
            len: value.len(),
            max,
        });
    }
    if !value.as_bytes().iter().all(allowed) {
        return Err(EventError::InvalidField { field, reason });
    }
    Ok(())
}

/// The envelope that travels and is stored: the exact body bytes and their signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedEvent {
    /// The exact CBOR bytes of an [`EventBody`].
    pub body: ByteBuf,
    /// Ed25519 signature over [`SIGNING_CONTEXT`] followed by `body`.
    pub signature: ByteBuf,
}

/// Only the version of a body, read before the full body so a newer version is reported as
/// [`EventError::UnsupportedVersion`] rather than as malformed.
#[derive(Deserialize)]
struct VersionProbe {
    v: u8,
}

/// The id of an event: BLAKE3 of its exact signed bytes.
pub fn event_id(signed_bytes: &[u8]) -> EventId {
    *blake3::hash(signed_bytes).as_bytes()
}

fn to_cbor<T: Serialize>(value: &T) -> Vec<u8> {
    cbor4ii::serde::to_vec(Vec::new(), value)
        // Cannot fail: the writer is a Vec, whose only error is allocation failure, and the
        // derived Serialize impls here (integers, strings, byte buffers, sequences) never return
        // a custom error.
        .expect("CBOR encoding of an event into a Vec cannot fail")
}

/// Decodes exactly one CBOR item of type `T` from `bytes` (no trailing bytes).
fn from_cbor<'a, T: Deserialize<'a>>(bytes: &'a [u8], what: &str) -> Result<T, EventError> {
    crate::cbor::decode_exact(bytes, what).map_err(|e| EventError::Malformed(e.to_string()))
}

fn signed_message(body_bytes: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(SIGNING_CONTEXT.len() + body_bytes.len());
    message.extend_from_slice(SIGNING_CONTEXT);
    message.extend_from_slice(body_bytes);
    message
}

/// Encodes `body`, signs it and returns the encoded [`SignedEvent`]: the bytes to store and
/// send, whose BLAKE3 is the event id.
///
/// It does not check the body: a body failing [`EventBody::validate`], or an event above
/// [`MAX_EVENT_BYTES`], is signed anyway and every peer will refuse it. Use [`try_sign_event`]
/// to find out first.
pub fn sign_event(body: &EventBody, signing_key: &SigningKey) -> Vec<u8> {
    let body_bytes = to_cbor(body);
    let signature = signing_key.sign(&signed_message(&body_bytes));
    to_cbor(&SignedEvent {
        body: ByteBuf::from(body_bytes),
        signature: ByteBuf::from(signature.to_bytes().to_vec()),
    })
}

/// Validates `body`, signs it and checks the result is within [`MAX_EVENT_BYTES`]: refuses
/// exactly what a peer's [`verify_event`] would refuse for this body.
pub fn try_sign_event(
    body: &EventBody,
    signing_key: &SigningKey,
) -> Result<VerifiedEvent, EventError> {
    body.validate()?;
    let bytes = sign_event(body, signing_key);
    if bytes.len() > MAX_EVENT_BYTES {
        return Err(EventError::TooLarge {
            len: bytes.len(),
            max: MAX_EVENT_BYTES,
        });
    }
    Ok(VerifiedEvent {
        id: event_id(&bytes),
        body: body.clone(),
        bytes,
    })
}

/// A parsed, bounded, canonical event whose signature is not checked yet.
///
/// Look up the key of [`author`](Self::author), then call [`verify`](Self::verify).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnverifiedEvent {
    /// BLAKE3 of the signed bytes.
    pub id: EventId,
    /// The decoded body; it passed [`EventBody::validate`].
    pub body: EventBody,
    bytes: Vec<u8>,
    signature: [u8; SIGNATURE_BYTES],
    /// The message the signature covers: context followed by the body bytes as received.
    message: Vec<u8>,
}

impl UnverifiedEvent {
    /// What the author's signature covers (context + exact body bytes), for a caller that
    /// checks the signature with another Ed25519 implementation (the node uses aws-lc).
    pub fn signed_message(&self) -> &[u8] {
        &self.message
    }

    /// The 64-byte Ed25519 signature.
    pub fn signature(&self) -> &[u8; SIGNATURE_BYTES] {
        &self.signature
    }

    /// The site code that claims to have written the event.
    pub fn author(&self) -> &str {
        &self.body.author
    }

    /// The exact signed bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Checks the signature (the module's signature rule) under the author's public key.
    pub fn verify(self, author_key: &[u8; 32]) -> Result<VerifiedEvent, EventError> {
        let key = VerifyingKey::from_bytes(author_key).map_err(|_| EventError::BadKey)?;
        self.verify_with(&key)
    }

    /// [`UnverifiedEvent::verify`] with an already decompressed key, for callers that verify
    /// many events of one author (decompressing the point is a large part of each check).
    pub fn verify_with(self, key: &VerifyingKey) -> Result<VerifiedEvent, EventError> {
        if key.is_weak() {
            return Err(EventError::BadKey);
        }
        if !signatures_hold(&[(&self, key)]) {
            return Err(EventError::BadSignature);
        }
        Ok(self.into_verified())
    }

    fn into_verified(self) -> VerifiedEvent {
        VerifiedEvent {
            id: self.id,
            body: self.body,
            bytes: self.bytes,
        }
    }

    /// Treats the event as verified without checking its signature.
    ///
    /// Only for bytes this node verified itself before storing them (rebuilding indexes from
    /// its own store). Never for bytes from a peer.
    pub fn danger_assume_verified(self) -> VerifiedEvent {
        VerifiedEvent {
            id: self.id,
            body: self.body,
            bytes: self.bytes,
        }
    }
}

/// True when every signature holds under its key (the module's signature rule). The batch
/// equation weights each signature by a coefficient derived from all inputs, so it passes for
/// a bad signature only with probability about 2^-128.
fn signatures_hold(items: &[(&UnverifiedEvent, &VerifyingKey)]) -> bool {
    let messages: Vec<&[u8]> = items.iter().map(|(e, _)| e.message.as_slice()).collect();
    let signatures: Vec<Signature> = items
        .iter()
        .map(|(e, _)| Signature::from_bytes(&e.signature))
        .collect();
    let keys: Vec<VerifyingKey> = items.iter().map(|(_, k)| **k).collect();
    ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok()
}

/// Marks which of `items` hold: the whole range at once, halving a range that fails, so a batch
/// with a few bad signatures costs a few extra checks rather than one check per event.
fn mark_valid(items: &[(&UnverifiedEvent, &VerifyingKey)], valid: &mut [bool]) {
    if items.is_empty() || signatures_hold(items) {
        valid.fill(true);
    } else if items.len() > 1 {
        let mid = items.len() / 2;
        let (left, right) = valid.split_at_mut(mid);
        mark_valid(&items[..mid], left);
        mark_valid(&items[mid..], right);
    }
}

/// Verifies many events at once, each under the key given with it, by Ed25519 batch
/// verification (about three times cheaper per signature than one check at a time). Returns
/// one result per event, in input order; the rule is the same as [`UnverifiedEvent::verify_with`].
pub fn verify_many(
    items: Vec<(UnverifiedEvent, VerifyingKey)>,
) -> Vec<Result<VerifiedEvent, EventError>> {
    let weak: Vec<bool> = items.iter().map(|(_, k)| k.is_weak()).collect();
    let checkable: Vec<(&UnverifiedEvent, &VerifyingKey)> = items
        .iter()
        .zip(&weak)
        .filter(|(_, weak)| !**weak)
        .map(|((e, k), _)| (e, k))
        .collect();
    let mut valid = vec![false; checkable.len()];
    mark_valid(&checkable, &mut valid);
    let mut valid = valid.into_iter();
    items
        .into_iter()
        .zip(weak)
        .map(|((event, _), weak)| {
            if weak {
                Err(EventError::BadKey)
            } else if valid.next() == Some(true) {
                Ok(event.into_verified())
            } else {
                Err(EventError::BadSignature)
            }
        })
        .collect()
}

/// An event whose bytes were parsed and whose signature verified under its author's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedEvent {
    /// BLAKE3 of `bytes`.
    pub id: EventId,
    /// The decoded body.
    pub body: EventBody,
    /// The exact signed bytes, to store and forward as they are.
    pub bytes: Vec<u8>,
}

impl VerifiedEvent {
    /// The parent ids, ascending.
    pub fn parents(&self) -> Vec<EventId> {
        self.body.parent_ids()
    }
}

/// Parses an event from a peer or the store: size, canonical CBOR of both layers, body version
/// and field limits. It does not check the signature; see [`UnverifiedEvent::verify`].
pub fn decode_event(bytes: &[u8]) -> Result<UnverifiedEvent, EventError> {
    if bytes.len() > MAX_EVENT_BYTES {
        return Err(EventError::TooLarge {
            len: bytes.len(),
            max: MAX_EVENT_BYTES,
        });
    }
    let envelope: SignedEvent = from_cbor(bytes, "signed event")?;
    if to_cbor(&envelope) != bytes {
        return Err(EventError::NonCanonical("signed event envelope"));
    }
    let signature: [u8; SIGNATURE_BYTES] =
        envelope
            .signature
            .as_slice()
            .try_into()
            .map_err(|_| EventError::InvalidField {
                field: "signature",
                reason: "must be 64 bytes",
            })?;
    let probe: VersionProbe = from_cbor(&envelope.body, "event body")?;
    if probe.v != EVENT_VERSION {
        return Err(EventError::UnsupportedVersion(probe.v));
    }
    let body: EventBody = from_cbor(&envelope.body, "event body")?;
    if to_cbor(&body) != envelope.body.as_slice() {
        return Err(EventError::NonCanonical("event body"));
    }
    body.validate()?;
    Ok(UnverifiedEvent {
        id: event_id(bytes),
        body,
        bytes: bytes.to_vec(),
        signature,
        message: signed_message(&envelope.body),
    })
}

/// [`decode_event`] then [`UnverifiedEvent::verify`], for when the author's key is known.
pub fn verify_event(bytes: &[u8], author_key: &[u8; 32]) -> Result<VerifiedEvent, EventError> {
    decode_event(bytes)?.verify(author_key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn sample_body() -> EventBody {
        EventBody::new(
            "26734-2025-000001",
            "26734",
            &[[2; 32], [1; 32]],
            1_750_000_000_000,
            vec![0xa1, 0x64, b'k', b'i', b'n', b'd', 0x01],
        )
    }

    fn pubkey(k: &SigningKey) -> [u8; 32] {
        k.verifying_key().to_bytes()
    }

    #[test]
    fn sign_verify_round_trip() {
        let k = key(7);
        let body = sample_body();
        let bytes = sign_event(&body, &k);
        let unverified = decode_event(&bytes).unwrap();
        assert_eq!(unverified.author(), "26734");
        assert_eq!(unverified.bytes(), bytes.as_slice());
        let event = unverified.verify(&pubkey(&k)).unwrap();
        assert_eq!(event.body, body);
        assert_eq!(event.bytes, bytes);
        assert_eq!(event.id, event_id(&bytes));
        assert_eq!(event.parents(), vec![[1; 32], [2; 32]]);
        assert_eq!(verify_event(&bytes, &pubkey(&k)), Ok(event.clone()));
        assert_eq!(try_sign_event(&body, &k), Ok(event));
    }

    #[test]
    fn new_sorts_and_dedups_parents() {
        let body = EventBody::new("c", "VN", &[[3; 32], [1; 32], [3; 32]], 0, vec![]);
        assert_eq!(body.parent_ids(), vec![[1; 32], [3; 32]]);
        assert!(!body.is_genesis());
        assert!(EventBody::new("c", "VN", &[], 0, vec![]).is_genesis());
    }

    fn signed(seed: u8, at_ms: u64) -> UnverifiedEvent {
        let mut body = sample_body();
        body.at_ms = at_ms;
        decode_event(&sign_event(&body, &key(seed))).unwrap()
    }

    #[test]
    fn a_batch_marks_exactly_the_bad_signatures() {
        // 40 events by two authors; 3 claim the wrong author key, one carries a weak key.
        let mut items: Vec<(UnverifiedEvent, VerifyingKey)> = (0..40u64)
            .map(|i| {
                let seed = 7 + (i % 2) as u8;
                (signed(seed, i), key(seed).verifying_key())
            })
            .collect();
        for i in [3, 17, 39] {
            items[i].1 = key(9).verifying_key();
        }
        let identity = VerifyingKey::from_bytes(&{
            let mut y = [0u8; 32];
            y[0] = 1;
            y
        })
        .unwrap();
        items[20].1 = identity;
        let results = verify_many(items);
        for (i, r) in results.iter().enumerate() {
            match i {
                3 | 17 | 39 => assert_eq!(r.as_ref().err(), Some(&EventError::BadSignature), "{i}"),
                20 => assert_eq!(r.as_ref().err(), Some(&EventError::BadKey), "{i}"),
                _ => assert!(r.is_ok(), "{i}: {r:?}"),
            }
        }
        assert_eq!(verify_many(vec![]), vec![]);
    }

    #[test]
    fn non_canonical_s_is_refused() {
        // s + L verifies under a lax check; it must not here, or one body would have two ids.
        const L: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let k = key(7);
        let body_bytes = to_cbor(&sample_body());
        let mut sig = k.sign(&signed_message(&body_bytes)).to_bytes();
        let mut carry = 0u16;
        for i in 0..32 {
            let sum = u16::from(sig[32 + i]) + u16::from(L[i]) + carry;
            sig[32 + i] = sum as u8;
            carry = sum >> 8;
        }
        let bytes = to_cbor(&SignedEvent {
            body: ByteBuf::from(body_bytes),
            signature: ByteBuf::from(sig.to_vec()),
        });
        assert_eq!(
            verify_event(&bytes, &pubkey(&k)),
            Err(EventError::BadSignature)
        );
        let event = decode_event(&bytes).unwrap();
        assert_eq!(
            verify_many(vec![(event, k.verifying_key())]),
            vec![Err(EventError::BadSignature)]
        );
    }

    #[test]
    fn wrong_key_is_refused() {
        let bytes = sign_event(&sample_body(), &key(7));
        assert_eq!(
            verify_event(&bytes, &pubkey(&key(8))),
            Err(EventError::BadSignature)
        );
    }

    #[test]
    fn tampered_signature_is_refused() {
        let k = key(7);
        let body_bytes = to_cbor(&sample_body());
        let mut sig = k.sign(&signed_message(&body_bytes)).to_bytes();
        sig[5] ^= 1;
        let bytes = to_cbor(&SignedEvent {
            body: ByteBuf::from(body_bytes),
            signature: ByteBuf::from(sig.to_vec()),
        });
        let err = verify_event(&bytes, &pubkey(&k)).unwrap_err();
        assert_eq!(err, EventError::BadSignature);
        assert_eq!(err.reason(), "bad_signature");
    }

    #[test]
    fn tampered_body_is_refused() {
        let k = key(7);
        let good = sign_event(&sample_body(), &k);
        let envelope: SignedEvent = from_cbor(&good, "x").unwrap();
        let mut body = sample_body();
        body.at_ms += 1;
        let forged = to_cbor(&SignedEvent {
            body: ByteBuf::from(to_cbor(&body)),
            signature: envelope.signature,
        });
        assert_eq!(
            verify_event(&forged, &pubkey(&k)),
            Err(EventError::BadSignature)
        );
    }

    #[test]
    fn signature_without_context_is_refused() {
        // A signature over the bare body (no domain separation) must not verify.
        let k = key(7);
        let body_bytes = to_cbor(&sample_body());
        let bytes = to_cbor(&SignedEvent {
            signature: ByteBuf::from(k.sign(&body_bytes).to_bytes().to_vec()),
            body: ByteBuf::from(body_bytes),
        });
        assert_eq!(
            verify_event(&bytes, &pubkey(&k)),
            Err(EventError::BadSignature)
        );
    }

    #[test]
    fn bad_key_is_reported() {
        let bytes = sign_event(&sample_body(), &key(7));
        // Not the y-coordinate of any curve point.
        let mut not_a_point = [0xff; 32];
        not_a_point[31] = 0x7f;
        let err = verify_event(&bytes, &not_a_point).unwrap_err();
        assert!(matches!(err, EventError::BadKey | EventError::BadSignature));
    }

    type Mutation = fn(&mut EventBody);

    #[test]
    fn field_rules_are_enforced() {
        let k = key(1);
        let cases: Vec<(Mutation, &str)> = vec![
            (|b| b.case_id.clear(), "invalid_field"),
            (|b| b.case_id = "x".repeat(MAX_CASE_ID_BYTES + 1), "limit"),
            (|b| b.case_id = "has space".into(), "invalid_field"),
            (|b| b.author = "26 734".into(), "invalid_field"),
            (|b| b.author = "1".repeat(MAX_AUTHOR_BYTES + 1), "limit"),
            (|b| b.parents.reverse(), "invalid_field"),
            (|b| b.parents.push(b.parents[1].clone()), "invalid_field"),
            (
                |b| b.parents[0] = ByteBuf::from(vec![0; 31]),
                "invalid_field",
            ),
            (
                |b| {
                    b.parents = (0..=MAX_PARENTS as u8)
                        .map(|i| ByteBuf::from(vec![i; 32]))
                        .collect()
                },
                "limit",
            ),
            (|b| b.v = 2, "unsupported_version"),
        ];
        for (mutate, reason) in cases {
            let mut body = sample_body();
            mutate(&mut body);
            assert_eq!(body.validate().unwrap_err().reason(), reason, "{body:?}");
            assert_eq!(try_sign_event(&body, &k).unwrap_err().reason(), reason);
            let bytes = sign_event(&body, &k);
            assert_eq!(
                decode_event(&bytes).unwrap_err().reason(),
                reason,
                "{body:?}"
            );
        }
        // At the limits.
        let mut body = sample_body();
        body.case_id = "x".repeat(MAX_CASE_ID_BYTES);
        body.author = "1".repeat(MAX_AUTHOR_BYTES);
        body.parents = (0..MAX_PARENTS as u8)
            .map(|i| ByteBuf::from(vec![i; 32]))
            .collect();
        let bytes = sign_event(&body, &k);
        assert_eq!(verify_event(&bytes, &pubkey(&k)).unwrap().body, body);
    }

    #[test]
    fn size_limit_is_enforced() {
        let k = key(1);
        let mut body = sample_body();
        body.payload = ByteBuf::from(vec![0; MAX_EVENT_BYTES - 300]);
        let bytes = try_sign_event(&body, &k).unwrap().bytes;
        assert!(bytes.len() <= MAX_EVENT_BYTES);
        assert!(verify_event(&bytes, &pubkey(&k)).is_ok());

        body.payload = ByteBuf::from(vec![0; MAX_EVENT_BYTES - 100]);
        assert!(matches!(
            try_sign_event(&body, &k),
            Err(EventError::TooLarge {
                max: MAX_EVENT_BYTES,
                ..
            })
        ));
        let bytes = sign_event(&body, &k);
        assert_eq!(decode_event(&bytes).unwrap_err().reason(), "too_large");
    }

    #[test]
    fn non_canonical_encodings_are_refused() {
        let k = key(7);
        let good = sign_event(&sample_body(), &k);

        // Trailing byte after the envelope.
        let mut trailing = good.clone();
        trailing.push(0);
        assert_eq!(decode_event(&trailing).unwrap_err().reason(), "malformed");

        // Envelope keys in the other order.
        #[derive(Serialize)]
        struct Swapped {
            signature: ByteBuf,
            body: ByteBuf,
        }
        let envelope: SignedEvent = from_cbor(&good, "x").unwrap();
        let swapped = to_cbor(&Swapped {
            signature: envelope.signature.clone(),
            body: envelope.body.clone(),
        });
        assert_eq!(
            decode_event(&swapped),
            Err(EventError::NonCanonical("signed event envelope"))
        );

        // A body with an extra field, correctly signed.
        #[derive(Serialize)]
        struct Extended {
            #[serde(flatten)]
            body: EventBody,
            extra: u8,
        }
        let body_bytes = to_cbor(&Extended {
            body: sample_body(),
            extra: 1,
        });
        let bytes = to_cbor(&SignedEvent {
            signature: ByteBuf::from(k.sign(&signed_message(&body_bytes)).to_bytes().to_vec()),
            body: ByteBuf::from(body_bytes),
        });
        assert_eq!(decode_event(&bytes).unwrap_err().reason(), "non_canonical");

        // A non-minimal integer (at_ms as a 64-bit integer when it fits in 8 bits).
        let mut body = sample_body();
        body.at_ms = 5;
        let mut body_bytes = to_cbor(&body);
        let at = body_bytes
            .windows(6)
            .position(|w| w == b"\x65at_ms")
            .unwrap()
            + 6;
        assert_eq!(body_bytes[at], 0x05);
        body_bytes.splice(at..at + 1, [0x1b, 0, 0, 0, 0, 0, 0, 0, 5]);
        let bytes = to_cbor(&SignedEvent {
            signature: ByteBuf::from(k.sign(&signed_message(&body_bytes)).to_bytes().to_vec()),
            body: ByteBuf::from(body_bytes),
        });
        assert_eq!(
            decode_event(&bytes),
            Err(EventError::NonCanonical("event body"))
        );
    }

    #[test]
    fn short_signature_is_refused() {
        let bytes = to_cbor(&SignedEvent {
            body: ByteBuf::from(to_cbor(&sample_body())),
            signature: ByteBuf::from(vec![0; 63]),
        });
        assert_eq!(decode_event(&bytes).unwrap_err().reason(), "invalid_field");
    }

    #[test]
    fn newer_version_is_reported_as_such() {
        #[derive(Serialize)]
        struct FutureBody {
            v: u8,
            something_else: String,
        }
        let body_bytes = to_cbor(&FutureBody {
            v: 2,
            something_else: "x".into(),
        });
        let bytes = to_cbor(&SignedEvent {
            body: ByteBuf::from(body_bytes),
            signature: ByteBuf::from(vec![0; 64]),
        });
        assert_eq!(decode_event(&bytes), Err(EventError::UnsupportedVersion(2)));
    }

    /// Pins the event encoding and id: if this fails, old and new nodes would disagree on ids
    /// and signatures. Bump `EVENT_VERSION` (or undo the change), then update.
    #[test]
    fn event_id_is_pinned() {
        let bytes = sign_event(&sample_body(), &key(7));
        assert_eq!(bytes.len(), 235);
        assert_eq!(hex(&event_id(&bytes)), PINNED_EVENT_ID);
        // The body encoding itself, byte for byte (a map of 6 entries, keys in field order).
        assert_eq!(
            hex(&to_cbor(&EventBody::new("c", "VN", &[], 1, vec![0xf6]))),
            concat!(
                "a6", // map of 6
                "6176",
                "01",               // "v": 1
                "67636173655f6964", // "case_id"
                "6163",             // "c"
                "66617574686f72",   // "author"
                "62564e",           // "VN"
                "67706172656e7473", // "parents"
                "80",               // []
                "6561745f6d73",
                "01",               // "at_ms": 1
                "677061796c6f6164", // "payload"
                "41f6",             // h'f6'
            )
        );
    }

    const PINNED_EVENT_ID: &str =
        "166ef0aac752dd60ab2387a81e620a0e5dfce99e8ae5cdaa54d4177cd0543837";

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    proptest! {
        /// Batch and one-by-one checks accept exactly the same events.
        #[test]
        fn batch_agrees_with_single_checks(wrong in proptest::collection::vec(any::<bool>(), 0..24)) {
            let items: Vec<(UnverifiedEvent, VerifyingKey)> = wrong
                .iter()
                .enumerate()
                .map(|(i, &w)| (signed(7, i as u64), key(if w { 8 } else { 7 }).verifying_key()))
                .collect();
            let single: Vec<_> = items.iter().cloned().map(|(e, k)| e.verify_with(&k)).collect();
            prop_assert_eq!(verify_many(items), single);
        }

        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            if let Ok(event) = decode_event(&bytes) {
                prop_assert_eq!(event.body.validate(), Ok(()));
                let _ = event.verify(&pubkey(&key(1)));
            }
        }

        #[test]
        fn any_single_byte_change_is_refused(pos in any::<prop::sample::Index>(), xor in 1u8..) {
            let k = key(9);
            let mut bytes = sign_event(&sample_body(), &k);
            let i = pos.index(bytes.len());
            bytes[i] ^= xor;
            prop_assert!(verify_event(&bytes, &pubkey(&k)).is_err());
        }

        #[test]
        fn arbitrary_valid_bodies_round_trip(
            case_id in "[!-~]{1,64}",
            author in "[0-9A-Z]{1,16}",
            parents in proptest::collection::vec(any::<[u8; 32]>(), 0..=MAX_PARENTS),
            at_ms in any::<u64>(),
            payload in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            let k = key(3);
            let body = EventBody::new(case_id, author, &parents, at_ms, payload);
            let bytes = sign_event(&body, &k);
            let event = verify_event(&bytes, &pubkey(&k)).unwrap();
            prop_assert_eq!(event.body, body);
            prop_assert_eq!(event.bytes, bytes);
        }
    }
}
