//! Sealing the denouncer's identity (name, address, ID number) to the sites of a case's audience.
//!
//! Produces and consumes [`tiepdan_protocol::sealed::SealedIdentity`]. A site outside the
//! audience, and any relay, only ever holds ciphertext (ARCHITECTURE.md "Trust and visibility";
//! DOMAIN.md §2.5).
//!
//! # Encryption keys
//!
//! No separate encryption key is distributed: each site's X25519 key is derived from its Ed25519
//! identity by the well-known Ed25519 → X25519 conversion (as in libsodium's
//! `crypto_sign_ed25519_pk_to_curve25519` / `..._sk_to_curve25519`):
//!
//! - public: the Montgomery form `u = (1 + y) / (1 - y)` of the Ed25519 public point
//!   (`CompressedEdwardsY(pk).decompress()?.to_montgomery()`);
//! - secret: the clamped scalar of the Ed25519 expanded secret, i.e. the first 32 bytes of
//!   SHA-512(seed) ([`ed25519_dalek::SigningKey::to_scalar_bytes`]; X25519 clamps it on use).
//!
//! Both describe the same scalar and point, so `x25519(secret, basepoint)` is the converted
//! public key and ECDH agrees. Using one key for signing and for Diffie–Hellman is analysed in
//! <https://eprint.iacr.org/2021/509>; all our signatures are over domain-separated messages.
//!
//! # Construction (version 1)
//!
//! - A random 32-byte content key `K`; `ciphertext = ChaCha20-Poly1305(K, nonce, plaintext,
//!   aad = "tiepdan identity v2\0" || record id)` with a random 12-byte `nonce`. The record
//!   (case) id in the associated data binds the value to its case: pasted into another case's
//!   event, it no longer opens.
//! - For each recipient: a fresh ephemeral X25519 key `e`; `shared = X25519(e, R)` where `R` is
//!   the recipient's converted public key; `KEK = blake3::derive_key("tiepdan identity wrap v1",
//!   shared || e_pub || R)`; `wrapped = ChaCha20-Poly1305(KEK, nonce = 0, K, aad = site)`.
//!   Binding `e_pub` (exactly as transmitted) and `R` into the KEK makes any change to them
//!   fail authentication; the site name as associated data makes a relabelled entry fail too.
//! - [`rewrap`] adds recipients to an existing value without re-encrypting: the nonce and
//!   ciphertext stay byte-identical and existing entries are kept.
//!
//! Sealing is anonymous public-key encryption: it proves nothing about who sealed. Authenticity
//! comes from the signed case event that carries the value.

use std::collections::BTreeSet;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use curve25519_dalek::edwards::CompressedEdwardsY;
use ed25519_dalek::SigningKey;
use rand::{CryptoRng, RngCore};
use serde_bytes::ByteBuf;
use tiepdan_protocol::sealed::{SealedIdentity, WrappedKey};
use x25519_dalek::{EphemeralSecret, PublicKey, StaticSecret};

use crate::identity::SiteKey;

/// Associated data of the content encryption, before the record id it is bound to.
pub const CONTENT_CONTEXT: &[u8] = b"tiepdan identity v2\0";
/// BLAKE3 `derive_key` context of the key-encryption keys.
pub const WRAP_CONTEXT: &str = "tiepdan identity wrap v1";
/// At most this many recipients in one sealed value.
pub const MAX_RECIPIENTS: usize = 64;
/// At most this many plaintext bytes (the identity fields as CBOR are a few hundred bytes).
pub const MAX_PLAINTEXT: usize = 16 * 1024;

/// ChaCha20-Poly1305 nonce length.
pub const NONCE_LEN: usize = 12;
/// Poly1305 tag length.
const TAG_LEN: usize = 16;
/// Content key length.
const KEY_LEN: usize = 32;
/// Length of a wrapped content key: the key plus the tag.
pub const WRAPPED_LEN: usize = KEY_LEN + TAG_LEN;
/// Length of an X25519 public key.
pub const EPHEMERAL_LEN: usize = 32;

/// Why a value could not be sealed, opened or re-wrapped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the identity must be sealed to at least one site")]
    NoRecipients,
    #[error("{count} recipients is more than the {max} a sealed identity may have")]
    TooManyRecipients { count: usize, max: usize },
    #[error("the identity is {len} bytes, more than the {max} that may be sealed")]
    TooLarge { len: usize, max: usize },
    #[error("the public key given for site {site:?} is not a valid Ed25519 public key")]
    InvalidPublicKey { site: String },
    #[error("site {site:?} is listed twice with different public keys")]
    ConflictingRecipient { site: String },
    #[error("site {site:?} is not a recipient of this sealed identity")]
    NotARecipient { site: String },
    #[error("the sealed identity failed authentication: it was altered, or this is not the key of the site it was sealed to")]
    Tampered,
    #[error("the sealed identity is malformed: {0}")]
    Malformed(&'static str),
}

/// The X25519 public key of the site whose Ed25519 public key is `ed25519_public`, or `None` when
/// those bytes are not a canonical encoding of a curve point, or are a point of small order
/// (which would make every shared secret predictable).
pub fn x25519_public(ed25519_public: &[u8; 32]) -> Option<[u8; 32]> {
    let compressed = CompressedEdwardsY(*ed25519_public);
    let point = compressed.decompress()?;
    if point.compress() != compressed || point.is_small_order() {
        return None;
    }
    Some(point.to_montgomery().to_bytes())
}

/// The X25519 secret of `key`: the Ed25519 expanded-secret scalar bytes (clamped by X25519).
fn x25519_secret(key: &SiteKey) -> StaticSecret {
    let mut seed = key.seed();
    // `SigningKey` zeroes itself on drop; `StaticSecret` does too.
    let signing = SigningKey::from_bytes(&seed);
    seed.fill(0);
    let mut scalar = signing.to_scalar_bytes();
    let secret = StaticSecret::from(scalar);
    scalar.fill(0);
    secret
}

/// Seal `plaintext` (the identity fields, as CBOR) to `recipients`: `(site code, Ed25519 public
/// key)`. A site listed twice with the same key is sealed to once.
pub fn seal(
    plaintext: &[u8],
    recipients: &[(String, [u8; 32])],
    record: &str,
) -> Result<SealedIdentity, SealError> {
    seal_with_rng(plaintext, recipients, record, &mut rand::rngs::OsRng)
}

/// The associated data of the content of a value sealed for `record`.
fn content_aad(record: &str) -> Vec<u8> {
    [CONTENT_CONTEXT, record.as_bytes()].concat()
}

fn seal_with_rng<R: RngCore + CryptoRng>(
    plaintext: &[u8],
    recipients: &[(String, [u8; 32])],
    record: &str,
    rng: &mut R,
) -> Result<SealedIdentity, SealError> {
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(SealError::TooLarge {
            len: plaintext.len(),
            max: MAX_PLAINTEXT,
        });
    }
    let recipients = dedup_recipients(recipients)?;
    if recipients.is_empty() {
        return Err(SealError::NoRecipients);
    }
    if recipients.len() > MAX_RECIPIENTS {
        return Err(SealError::TooManyRecipients {
            count: recipients.len(),
            max: MAX_RECIPIENTS,
        });
    }
    // Check every key before doing any work.
    let targets = recipients
        .iter()
        .map(|(site, pk)| {
            x25519_public(pk)
                .map(|x| (site.clone(), x))
                .ok_or_else(|| SealError::InvalidPublicKey { site: site.clone() })
        })
        .collect::<Result<Vec<_>, _>>()?;

    let mut content_key = [0u8; KEY_LEN];
    rng.fill_bytes(&mut content_key);
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);

    let result = (|| {
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&content_key));
        let ciphertext = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &content_aad(record),
                },
            )
            .map_err(|_| SealError::TooLarge {
                len: plaintext.len(),
                max: MAX_PLAINTEXT,
            })?;
        let wrapped = targets
            .iter()
            .map(|(site, x)| wrap_for(&content_key, site, x, rng))
            .collect::<Vec<_>>();
        Ok(SealedIdentity {
            nonce: ByteBuf::from(nonce.to_vec()),
            ciphertext: ByteBuf::from(ciphertext),
            recipients: wrapped,
        })
    })();
    content_key.fill(0);
    result
}

/// Open `sealed`, the value of case `record`, as `site` holding `key`: the plaintext identity.
/// A value sealed for another record fails as [`SealError::Tampered`].
pub fn open(
    sealed: &SealedIdentity,
    site: &str,
    key: &SiteKey,
    record: &str,
) -> Result<Vec<u8>, SealError> {
    let mut content_key = unwrap_content_key(sealed, site, key)?;
    let result = decrypt_content(sealed, &content_key, record);
    content_key.fill(0);
    result
}

/// As `site` (which must be able to open `sealed`), add the recipients `add`, e.g. when the case
/// is escalated or transferred and its audience widens. The nonce, ciphertext and existing
/// entries are kept as they are; sites already present (or listed twice in `add`) are skipped.
pub fn rewrap(
    sealed: &SealedIdentity,
    site: &str,
    key: &SiteKey,
    add: &[(String, [u8; 32])],
    record: &str,
) -> Result<SealedIdentity, SealError> {
    rewrap_with_rng(sealed, site, key, add, record, &mut rand::rngs::OsRng)
}

fn rewrap_with_rng<R: RngCore + CryptoRng>(
    sealed: &SealedIdentity,
    site: &str,
    key: &SiteKey,
    add: &[(String, [u8; 32])],
    record: &str,
    rng: &mut R,
) -> Result<SealedIdentity, SealError> {
    let mut content_key = unwrap_content_key(sealed, site, key)?;
    let result = (|| {
        // Only re-share what actually decrypts, as this record's value: the content must
        // authenticate under this key and this record id.
        let mut plaintext = decrypt_content(sealed, &content_key, record)?;
        plaintext.fill(0);

        let mut present: BTreeSet<&str> =
            sealed.recipients.iter().map(|r| r.site.as_str()).collect();
        let mut targets = Vec::new();
        for (new_site, pk) in add {
            if !present.insert(new_site.as_str()) {
                continue;
            }
            let x = x25519_public(pk).ok_or_else(|| SealError::InvalidPublicKey {
                site: new_site.clone(),
            })?;
            targets.push((new_site, x));
        }
        let count = sealed.recipients.len() + targets.len();
        if count > MAX_RECIPIENTS {
            return Err(SealError::TooManyRecipients {
                count,
                max: MAX_RECIPIENTS,
            });
        }
        let mut out = sealed.clone();
        for (new_site, x) in targets {
            out.recipients
                .push(wrap_for(&content_key, new_site, &x, rng));
        }
        Ok(out)
    })();
    content_key.fill(0);
    result
}

/// Recipients with exact duplicates removed; the same site with two different keys is an error.
fn dedup_recipients(
    recipients: &[(String, [u8; 32])],
) -> Result<Vec<(String, [u8; 32])>, SealError> {
    let mut out: Vec<(String, [u8; 32])> = Vec::with_capacity(recipients.len());
    for (site, pk) in recipients {
        match out.iter().find(|(s, _)| s == site) {
            Some((_, existing)) if existing == pk => {}
            Some(_) => return Err(SealError::ConflictingRecipient { site: site.clone() }),
            None => out.push((site.clone(), *pk)),
        }
    }
    Ok(out)
}

/// The key-encryption key for one recipient entry.
fn kek(shared: &[u8; 32], ephemeral: &[u8; 32], recipient: &[u8; 32]) -> [u8; 32] {
    let mut material = [0u8; 96];
    material[..32].copy_from_slice(shared);
    material[32..64].copy_from_slice(ephemeral);
    material[64..].copy_from_slice(recipient);
    let out = blake3::derive_key(WRAP_CONTEXT, &material);
    material.fill(0);
    out
}

/// The all-zero nonce of the key wrap. Reusing it is safe because every KEK is used exactly once:
/// it is derived from a fresh ephemeral secret (and its public key), so no (key, nonce) pair ever
/// encrypts two messages.
const WRAP_NONCE: [u8; NONCE_LEN] = [0u8; NONCE_LEN];

fn wrap_for<R: RngCore + CryptoRng>(
    content_key: &[u8; KEY_LEN],
    site: &str,
    recipient_x25519: &[u8; 32],
    rng: &mut R,
) -> WrappedKey {
    let ephemeral = EphemeralSecret::random_from_rng(&mut *rng);
    let ephemeral_pub = PublicKey::from(&ephemeral).to_bytes();
    // The recipient key was checked not to be of small order, so the secret is contributory.
    let shared = ephemeral.diffie_hellman(&PublicKey::from(*recipient_x25519));
    let mut kek = kek(shared.as_bytes(), &ephemeral_pub, recipient_x25519);
    let wrapped = ChaCha20Poly1305::new(Key::from_slice(&kek))
        .encrypt(
            Nonce::from_slice(&WRAP_NONCE),
            Payload {
                msg: content_key,
                aad: site.as_bytes(),
            },
        )
        .expect("ChaCha20-Poly1305 encrypts a 32-byte message");
    kek.fill(0);
    WrappedKey {
        site: site.to_string(),
        ephemeral: ByteBuf::from(ephemeral_pub.to_vec()),
        wrapped: ByteBuf::from(wrapped),
    }
}

/// Structural checks of the whole value (independent of who opens it), so every site judges a
/// malformed value the same way.
fn check_shape(sealed: &SealedIdentity) -> Result<(), SealError> {
    if sealed.nonce.len() != NONCE_LEN {
        return Err(SealError::Malformed("the nonce is not 12 bytes"));
    }
    if sealed.ciphertext.len() < TAG_LEN || sealed.ciphertext.len() > MAX_PLAINTEXT + TAG_LEN {
        return Err(SealError::Malformed(
            "the ciphertext length is out of range",
        ));
    }
    if sealed.recipients.is_empty() {
        return Err(SealError::Malformed("there are no recipients"));
    }
    if sealed.recipients.len() > MAX_RECIPIENTS {
        return Err(SealError::Malformed("there are too many recipients"));
    }
    let mut sites = BTreeSet::new();
    for r in &sealed.recipients {
        if r.ephemeral.len() != EPHEMERAL_LEN {
            return Err(SealError::Malformed("an ephemeral key is not 32 bytes"));
        }
        if r.wrapped.len() != WRAPPED_LEN {
            return Err(SealError::Malformed("a wrapped key is not 48 bytes"));
        }
        if !sites.insert(r.site.as_str()) {
            return Err(SealError::Malformed("a site is listed twice"));
        }
    }
    Ok(())
}

fn unwrap_content_key(
    sealed: &SealedIdentity,
    site: &str,
    key: &SiteKey,
) -> Result<[u8; KEY_LEN], SealError> {
    check_shape(sealed)?;
    let entry = sealed
        .recipients
        .iter()
        .find(|r| r.site == site)
        .ok_or_else(|| SealError::NotARecipient {
            site: site.to_string(),
        })?;
    let ephemeral: [u8; 32] = entry
        .ephemeral
        .as_slice()
        .try_into()
        .map_err(|_| SealError::Malformed("an ephemeral key is not 32 bytes"))?;

    let secret = x25519_secret(key);
    let own_public = PublicKey::from(&secret).to_bytes();
    let shared = secret.diffie_hellman(&PublicKey::from(ephemeral));
    if !shared.was_contributory() {
        // A small-order ephemeral key: the shared secret would be known to anyone.
        return Err(SealError::Tampered);
    }
    let mut kek = kek(shared.as_bytes(), &ephemeral, &own_public);
    let unwrapped = ChaCha20Poly1305::new(Key::from_slice(&kek)).decrypt(
        Nonce::from_slice(&WRAP_NONCE),
        Payload {
            msg: entry.wrapped.as_slice(),
            aad: site.as_bytes(),
        },
    );
    kek.fill(0);
    let mut unwrapped = unwrapped.map_err(|_| SealError::Tampered)?;
    let out: Result<[u8; KEY_LEN], _> = unwrapped.as_slice().try_into();
    unwrapped.fill(0);
    out.map_err(|_| SealError::Tampered)
}

fn decrypt_content(
    sealed: &SealedIdentity,
    content_key: &[u8; KEY_LEN],
    record: &str,
) -> Result<Vec<u8>, SealError> {
    ChaCha20Poly1305::new(Key::from_slice(content_key))
        .decrypt(
            Nonce::from_slice(sealed.nonce.as_slice()),
            Payload {
                msg: sealed.ciphertext.as_slice(),
                aad: &content_aad(record),
            },
        )
        .map_err(|_| SealError::Tampered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The case every test value is sealed for.
    const CASE: &str = "40.17-2026-00001";

    const IDENTITY: &[u8] =
        b"ho ten: Nguyen Van A; dia chi: 12 Tran Phu, Vinh, Nghe An; so dinh danh: 040123456789";

    fn site(code: &str, seed: u8) -> (String, SiteKey) {
        (code.to_string(), SiteKey::from_seed([seed; 32]))
    }

    fn recipients(sites: &[(String, SiteKey)]) -> Vec<(String, [u8; 32])> {
        sites
            .iter()
            .map(|(s, k)| (s.clone(), k.public_bytes()))
            .collect()
    }

    fn three() -> Vec<(String, SiteKey)> {
        vec![site("VN", 1), site("40", 2), site("40.17", 3)]
    }

    #[test]
    fn ed25519_to_x25519_conversion_agrees_both_ways() {
        for (a_seed, b_seed) in [([1u8; 32], [2u8; 32]), ([200u8; 32], [9u8; 32])] {
            let a = SiteKey::from_seed(a_seed);
            let b = SiteKey::from_seed(b_seed);
            let (sa, sb) = (x25519_secret(&a), x25519_secret(&b));
            let pa = x25519_public(&a.public_bytes()).expect("valid key");
            let pb = x25519_public(&b.public_bytes()).expect("valid key");
            // The converted public key is the public key of the converted secret.
            assert_eq!(PublicKey::from(&sa).to_bytes(), pa);
            assert_eq!(PublicKey::from(&sb).to_bytes(), pb);
            // And it matches ed25519-dalek's own conversion.
            let vk = ed25519_dalek::VerifyingKey::from_bytes(&a.public_bytes()).unwrap();
            assert_eq!(vk.to_montgomery().to_bytes(), pa);
            // ECDH agrees.
            let ab = sa.diffie_hellman(&PublicKey::from(pb));
            let ba = sb.diffie_hellman(&PublicKey::from(pa));
            assert_eq!(ab.as_bytes(), ba.as_bytes());
            assert!(ab.was_contributory());
        }
        let a = SiteKey::generate();
        let b = SiteKey::generate();
        let ab = x25519_secret(&a)
            .diffie_hellman(&PublicKey::from(x25519_public(&b.public_bytes()).unwrap()));
        let ba = x25519_secret(&b)
            .diffie_hellman(&PublicKey::from(x25519_public(&a.public_bytes()).unwrap()));
        assert_eq!(ab.as_bytes(), ba.as_bytes());
    }

    #[test]
    fn round_trip_three_recipients() {
        let sites = three();
        let sealed = seal(IDENTITY, &recipients(&sites), CASE).expect("seal");
        assert_eq!(sealed.recipients.len(), 3);
        assert_eq!(sealed.nonce.len(), NONCE_LEN);
        assert_eq!(sealed.ciphertext.len(), IDENTITY.len() + TAG_LEN);
        for (code, key) in &sites {
            assert_eq!(open(&sealed, code, key, CASE).expect("open"), IDENTITY);
        }
        // Survives the wire encoding.
        let bytes = cbor4ii::serde::to_vec(Vec::new(), &sealed).unwrap();
        let back: SealedIdentity = cbor4ii::serde::from_slice(&bytes).unwrap();
        assert_eq!(open(&back, "40.17", &sites[2].1, CASE).unwrap(), IDENTITY);
        // Empty plaintext and the maximum size work too.
        let empty = seal(b"", &recipients(&sites), CASE).unwrap();
        assert_eq!(open(&empty, "VN", &sites[0].1, CASE).unwrap(), b"");
        let big = vec![7u8; MAX_PLAINTEXT];
        let sealed_big = seal(&big, &recipients(&sites[..1]), CASE).unwrap();
        assert_eq!(open(&sealed_big, "VN", &sites[0].1, CASE).unwrap(), big);
    }

    #[test]
    fn two_seals_differ() {
        let sites = three();
        let a = seal(IDENTITY, &recipients(&sites), CASE).unwrap();
        let b = seal(IDENTITY, &recipients(&sites), CASE).unwrap();
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
        assert_ne!(a.recipients[0].ephemeral, b.recipients[0].ephemeral);
        assert_ne!(a.recipients[0].ephemeral, a.recipients[1].ephemeral);
    }

    #[test]
    fn a_value_opens_only_as_the_case_it_was_sealed_for() {
        let sites = three();
        let sealed = seal(IDENTITY, &recipients(&sites), CASE).unwrap();
        let other = "40.17-2026-00002";
        for (code, key) in &sites {
            assert_eq!(open(&sealed, code, key, other), Err(SealError::Tampered));
            assert_eq!(
                rewrap(
                    &sealed,
                    code,
                    key,
                    &[("79".into(), key.public_bytes())],
                    other
                ),
                Err(SealError::Tampered),
                "a pasted value is not passed on either"
            );
        }
    }

    #[test]
    fn non_recipient_cannot_open() {
        let sites = three();
        let sealed = seal(IDENTITY, &recipients(&sites), CASE).unwrap();
        let (other_code, other_key) = site("40.18", 4); // a sibling commune
        assert_eq!(
            open(&sealed, &other_code, &other_key, CASE),
            Err(SealError::NotARecipient {
                site: other_code.clone()
            })
        );
        // Claiming to be each recipient with its own key does not help…
        for (code, _) in &sites {
            assert_eq!(
                open(&sealed, code, &other_key, CASE),
                Err(SealError::Tampered)
            );
        }
        // …nor relabelling an entry with its own site name.
        #[allow(clippy::needless_range_loop)] // each pass mutates a fresh clone at index i
        for i in 0..sealed.recipients.len() {
            let mut relabelled = sealed.clone();
            relabelled.recipients[i].site = other_code.clone();
            assert_eq!(
                open(&relabelled, &other_code, &other_key, CASE),
                Err(SealError::Tampered)
            );
            // The rightful key under a new label fails too (the site is bound to the wrap).
            assert_eq!(
                open(&relabelled, &other_code, &sites[i].1, CASE),
                Err(SealError::Tampered)
            );
        }
        // Nor can it re-wrap to itself.
        assert_eq!(
            rewrap(
                &sealed,
                &sites[0].0,
                &other_key,
                &[(other_code.clone(), other_key.public_bytes())],
                CASE,
            ),
            Err(SealError::Tampered)
        );
    }

    #[test]
    fn every_flipped_byte_is_rejected() {
        let sites = three();
        let sealed = seal(IDENTITY, &recipients(&sites), CASE).unwrap();
        let rejected = |v: &SealedIdentity, who: usize| {
            matches!(
                open(v, &sites[who].0, &sites[who].1, CASE),
                Err(SealError::Tampered | SealError::Malformed(_))
            )
        };
        // Whatever is flipped, an open that succeeds gives exactly the original plaintext.
        let never_wrong = |v: &SealedIdentity| {
            for (code, key) in &sites {
                if let Ok(p) = open(v, code, key, CASE) {
                    assert_eq!(p, IDENTITY);
                }
            }
        };
        for bit in [0x01u8, 0x80] {
            for i in 0..sealed.nonce.len() {
                let mut v = sealed.clone();
                v.nonce[i] ^= bit;
                for who in 0..sites.len() {
                    assert!(rejected(&v, who), "nonce byte {i}");
                }
            }
            for i in 0..sealed.ciphertext.len() {
                let mut v = sealed.clone();
                v.ciphertext[i] ^= bit;
                for who in 0..sites.len() {
                    assert!(rejected(&v, who), "ciphertext byte {i}");
                }
            }
            for r in 0..sealed.recipients.len() {
                for i in 0..EPHEMERAL_LEN {
                    let mut v = sealed.clone();
                    v.recipients[r].ephemeral[i] ^= bit;
                    assert!(rejected(&v, r), "ephemeral {r} byte {i} bit {bit:#x}");
                    never_wrong(&v);
                }
                for i in 0..WRAPPED_LEN {
                    let mut v = sealed.clone();
                    v.recipients[r].wrapped[i] ^= bit;
                    assert!(rejected(&v, r), "wrapped {r} byte {i}");
                    never_wrong(&v);
                }
            }
        }
        // Truncations and extensions are malformed.
        let mut v = sealed.clone();
        v.nonce.pop();
        assert!(matches!(
            open(&v, "VN", &sites[0].1, CASE),
            Err(SealError::Malformed(_))
        ));
        let mut v = sealed.clone();
        v.recipients[0].ephemeral.push(0);
        assert!(matches!(
            open(&v, "40", &sites[1].1, CASE),
            Err(SealError::Malformed(_))
        ));
        let mut v = sealed.clone();
        v.recipients[1].wrapped.truncate(32);
        assert!(matches!(
            open(&v, "VN", &sites[0].1, CASE),
            Err(SealError::Malformed(_))
        ));
        let mut v = sealed.clone();
        v.ciphertext.truncate(TAG_LEN - 1);
        assert!(matches!(
            open(&v, "VN", &sites[0].1, CASE),
            Err(SealError::Malformed(_))
        ));
        let mut v = sealed.clone();
        let dup = v.recipients[0].clone();
        v.recipients.push(dup);
        assert!(matches!(
            open(&v, "VN", &sites[0].1, CASE),
            Err(SealError::Malformed(_))
        ));
        let mut v = sealed.clone();
        v.recipients.clear();
        assert!(matches!(
            open(&v, "VN", &sites[0].1, CASE),
            Err(SealError::Malformed(_))
        ));
        // A small-order (all-zero) ephemeral key is refused.
        let mut v = sealed.clone();
        v.recipients[0].ephemeral = ByteBuf::from(vec![0u8; 32]);
        assert_eq!(open(&v, "VN", &sites[0].1, CASE), Err(SealError::Tampered));
        // Swapping two sites' entries fails for both.
        let mut v = sealed.clone();
        let (a, b) = (v.recipients[0].site.clone(), v.recipients[1].site.clone());
        v.recipients[0].site = b;
        v.recipients[1].site = a;
        assert!(rejected(&v, 0) && rejected(&v, 1));
        assert_eq!(open(&v, "40.17", &sites[2].1, CASE).unwrap(), IDENTITY);
    }

    #[test]
    fn rewrap_adds_a_site_and_keeps_the_rest() {
        let sites = three();
        let sealed = seal(IDENTITY, &recipients(&sites[1..]), CASE).unwrap(); // province and commune
        let (vn, vn_key) = &sites[0];
        assert!(matches!(
            open(&sealed, vn, vn_key, CASE),
            Err(SealError::NotARecipient { .. })
        ));

        let (other, other_key) = site("46", 5);
        let add = vec![
            (vn.clone(), vn_key.public_bytes()),
            (other.clone(), other_key.public_bytes()),
            (vn.clone(), vn_key.public_bytes()), // duplicate in `add`
            (
                sites[2].0.clone(),
                SiteKey::from_seed([9; 32]).public_bytes(),
            ), // already present
        ];
        let widened = rewrap(&sealed, &sites[2].0, &sites[2].1, &add, CASE).expect("rewrap");
        assert_eq!(widened.nonce, sealed.nonce);
        assert_eq!(widened.ciphertext, sealed.ciphertext);
        assert_eq!(widened.recipients[..2], sealed.recipients[..]);
        assert_eq!(widened.recipients.len(), 4);
        for (code, key) in sites
            .iter()
            .chain([(other.clone(), other_key.clone())].iter())
        {
            assert_eq!(open(&widened, code, key, CASE).unwrap(), IDENTITY, "{code}");
        }
        // Rewrapping again with the same sites changes nothing.
        let again = rewrap(&widened, vn, vn_key, &add, CASE).unwrap();
        assert_eq!(again, widened);
        // A site that is not a recipient cannot widen the audience.
        let (x, x_key) = site("01", 6);
        assert_eq!(
            rewrap(
                &sealed,
                &x,
                &x_key,
                &[(x.clone(), x_key.public_bytes())],
                CASE
            ),
            Err(SealError::NotARecipient { site: x })
        );
        // Invalid keys are refused.
        let mut bad = [0u8; 32];
        bad[0] = 2; // y = 2 is not on the curve
        assert!(x25519_public(&bad).is_none());
        assert_eq!(
            rewrap(
                &sealed,
                &sites[1].0,
                &sites[1].1,
                &[("79".into(), bad)],
                CASE
            ),
            Err(SealError::InvalidPublicKey { site: "79".into() })
        );
    }

    #[test]
    fn ciphertext_does_not_contain_the_plaintext() {
        let sites = three();
        let sealed = seal(IDENTITY, &recipients(&sites), CASE).unwrap();
        let wire = cbor4ii::serde::to_vec(Vec::new(), &sealed).unwrap();
        for needle in [
            &b"Nguyen Van A"[..],
            b"040123456789",
            b"Tran Phu",
            &IDENTITY[..8],
        ] {
            assert!(!sealed.ciphertext.windows(needle.len()).any(|w| w == needle));
            assert!(!wire.windows(needle.len()).any(|w| w == needle));
        }
        // Nor does any entry carry the content key in the clear (it would decrypt the content).
        for r in &sealed.recipients {
            let k: [u8; 32] = r.wrapped[..32].try_into().unwrap();
            assert!(decrypt_content(&sealed, &k, CASE).is_err());
        }
    }

    #[test]
    fn seal_refuses_bad_input() {
        let sites = three();
        assert_eq!(seal(IDENTITY, &[], CASE), Err(SealError::NoRecipients));
        let too_big = vec![0u8; MAX_PLAINTEXT + 1];
        assert_eq!(
            seal(&too_big, &recipients(&sites), CASE),
            Err(SealError::TooLarge {
                len: MAX_PLAINTEXT + 1,
                max: MAX_PLAINTEXT
            })
        );
        let mut bad = [0u8; 32];
        bad[0] = 2;
        let mut r = recipients(&sites);
        r.push(("79".into(), bad));
        assert_eq!(
            seal(IDENTITY, &r, CASE),
            Err(SealError::InvalidPublicKey { site: "79".into() })
        );
        // The identity point and other small-order points are refused.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(x25519_public(&identity).is_none());
        assert_eq!(
            seal(IDENTITY, &[("79".into(), identity)], CASE),
            Err(SealError::InvalidPublicKey { site: "79".into() })
        );
        // Same site twice: same key is fine, different keys are refused.
        let mut r = recipients(&sites);
        r.push(r[0].clone());
        assert_eq!(seal(IDENTITY, &r, CASE).unwrap().recipients.len(), 3);
        let mut r = recipients(&sites);
        r.push((r[0].0.clone(), r[1].1));
        assert_eq!(
            seal(IDENTITY, &r, CASE),
            Err(SealError::ConflictingRecipient { site: "VN".into() })
        );
        // Recipient bound.
        let many: Vec<(String, [u8; 32])> = (0..=MAX_RECIPIENTS)
            .map(|i| (format!("s{i}"), sites[0].1.public_bytes()))
            .collect();
        assert_eq!(
            seal(IDENTITY, &many, CASE),
            Err(SealError::TooManyRecipients {
                count: MAX_RECIPIENTS + 1,
                max: MAX_RECIPIENTS
            })
        );
        let full = seal(IDENTITY, &many[..MAX_RECIPIENTS], CASE).unwrap();
        assert_eq!(open(&full, "s63", &sites[0].1, CASE).unwrap(), IDENTITY);
        assert_eq!(
            rewrap(
                &full,
                "s0",
                &sites[0].1,
                &[("VN".into(), sites[0].1.public_bytes())],
                CASE,
            ),
            Err(SealError::TooManyRecipients {
                count: MAX_RECIPIENTS + 1,
                max: MAX_RECIPIENTS
            })
        );
    }

    fn bytes(exact: usize, max: usize) -> impl Strategy<Value = ByteBuf> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), exact),
            proptest::collection::vec(any::<u8>(), 0..max),
        ]
        .prop_map(ByteBuf::from)
    }

    fn arb_sealed() -> impl Strategy<Value = SealedIdentity> {
        let entry = (
            prop_oneof![Just("VN".to_string()), Just("40".to_string()), ".{0,6}"],
            bytes(EPHEMERAL_LEN, 40),
            bytes(WRAPPED_LEN, 60),
        )
            .prop_map(|(site, ephemeral, wrapped)| WrappedKey {
                site,
                ephemeral,
                wrapped,
            });
        (
            bytes(NONCE_LEN, 20),
            bytes(40, 80),
            proptest::collection::vec(entry, 0..5),
        )
            .prop_map(|(nonce, ciphertext, recipients)| SealedIdentity {
                nonce,
                ciphertext,
                recipients,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn random_values_never_panic_or_open(sealed in arb_sealed()) {
            let key = SiteKey::from_seed([1; 32]);
            prop_assert!(open(&sealed, "VN", &key, CASE).is_err());
            prop_assert!(rewrap(&sealed, "VN", &key, &[("46".into(), key.public_bytes())], CASE).is_err());
        }

        #[test]
        fn spliced_values_never_open_wrongly(
            nonce in bytes(NONCE_LEN, 20),
            ciphertext in bytes(IDENTITY.len() + TAG_LEN, 200),
            which in 0usize..3,
        ) {
            // A genuine value with one part replaced by random bytes.
            let sites = three();
            let mut sealed = seal(IDENTITY, &recipients(&sites), CASE).unwrap();
            match which {
                0 => sealed.nonce = nonce,
                1 => sealed.ciphertext = ciphertext,
                _ => { sealed.nonce = nonce; sealed.ciphertext = ciphertext; }
            }
            for (code, key) in &sites {
                match open(&sealed, code, key, CASE) {
                    Ok(p) => prop_assert_eq!(p, IDENTITY),
                    Err(e) => prop_assert!(matches!(e, SealError::Tampered | SealError::Malformed(_))),
                }
            }
        }
    }
}
