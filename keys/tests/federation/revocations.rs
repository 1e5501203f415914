//! Signed revocations and their effect on chain verification.

use tiepdan_keys::revocation::{self, verify_revocation_with, RevocationError, SignedRevocation};
use tiepdan_keys::{verify_chain, verify_revocation, Chain, RevocationList, SiteKey};

use crate::common::*;

fn check(
    root: &rustls::pki_types::CertificateDer<'_>,
    chain: &Chain,
    now: u64,
    list: &RevocationList,
) -> Result<String, &'static str> {
    verify_chain(root, chain.der_list(), now, list)
        .map(|v| v.site)
        .map_err(|e| e.reason())
}

#[test]
fn revoked_commune_is_refused_and_a_later_certificate_accepted() {
    let c = central();
    let p = province(&c, "01");
    let s70 = commune(&p, "00070");
    let s73 = commune(&p, "00073");
    let root = c.ca.root();

    let bytes =
        revocation::create(&p.key, &p.tls, "00070", NOW + 10).expect("01 revokes its commune");
    let rev = verify_revocation(root, &bytes, NOW + 11).expect("valid record");
    assert_eq!(
        (rev.site.as_str(), rev.issuer_site.as_str(), rev.revoked_at),
        ("00070", "01", NOW + 10)
    );

    let mut list = RevocationList::new();
    assert!(list.insert(rev.clone(), bytes.clone()));
    assert!(
        !list.insert(rev, bytes.clone()),
        "same record again is not news"
    );
    assert_eq!(list.len(), 1);
    assert_eq!(
        list.records().collect::<Vec<_>>(),
        vec![bytes.as_slice()],
        "spread exactly as received"
    );

    assert_eq!(check(root, &s70.tls, NOW + 20, &list), Err("revoked"));
    assert_eq!(
        check(root, &s73.tls, NOW + 20, &list),
        Ok("00073".into()),
        "siblings unaffected"
    );
    assert_eq!(check(root, &p.tls, NOW + 20, &list), Ok("01".into()));

    // Same key, new certificate issued after the revocation: accepted.
    let again = commune_with_key(&p, "00070", s70.key.clone(), 365, NOW + 30);
    assert_eq!(check(root, &again.tls, NOW + 40, &list), Ok("00070".into()));

    // A newer revocation replaces the older one and covers the re-issued certificate too.
    let newer =
        revocation::create(&c.key, &c.tls, "00070", NOW + 50).expect("central may revoke anyone");
    assert!(revocation::accept(&mut list, root, &newer, NOW + 51).expect("valid"));
    assert_eq!(check(root, &again.tls, NOW + 60, &list), Err("revoked"));
    assert_eq!(
        list.get("00070").map(|r| r.issuer_site.as_str()),
        Some("VN")
    );
    let older_again = verify_revocation(root, &bytes, NOW + 61).expect("still valid");
    assert!(
        !list.insert(older_again, bytes),
        "older record does not replace newer"
    );
}

#[test]
fn revoking_a_province_revokes_its_communes_until_reissued() {
    let c = central();
    let p = province(&c, "01");
    let s = commune(&p, "00070");
    let p79 = province(&c, "79");
    let s79 = commune(&p79, "26506");
    let root = c.ca.root();

    let bytes = revocation::create(&c.key, &c.tls, "01", NOW + 10).expect("central revokes 01");
    let mut list = RevocationList::new();
    assert!(revocation::accept(&mut list, root, &bytes, NOW + 10).expect("valid"));
    assert_eq!(check(root, &p.tls, NOW + 20, &list), Err("revoked"));
    assert_eq!(
        check(root, &s.tls, NOW + 20, &list),
        Err("revoked"),
        "communes under a revoked CA"
    );
    assert_eq!(check(root, &s79.tls, NOW + 20, &list), Ok("26506".into()));

    // Province 01 gets a new key and certificate after the revocation; its communes are re-issued.
    let p_new = province_at(&c, "01", NOW + 100);
    let s_new = commune_with_key(&p_new, "00070", s.key.clone(), 365, NOW + 100);
    assert_eq!(check(root, &p_new.tls, NOW + 200, &list), Ok("01".into()));
    assert_eq!(
        check(root, &s_new.tls, NOW + 200, &list),
        Ok("00070".into())
    );

    // A revocation the province signed before it was revoked stays valid; one it signs dated
    // at or after its own revocation is refused once that is known.
    let before = revocation::create(&p.key, &p.tls, "00073", NOW + 5).expect("made before");
    assert!(verify_revocation_with(root, &before, NOW + 20, &list).is_ok());
    for at in [NOW + 10, NOW + 15] {
        let by_revoked = revocation::create(&p.key, &p.tls, "00073", at).expect("signed");
        assert!(
            verify_revocation(root, &by_revoked, NOW + 20).is_ok(),
            "plain check ignores the list"
        );
        let e =
            verify_revocation_with(root, &by_revoked, NOW + 20, &list).expect_err("issuer revoked");
        assert!(
            matches!(&e, RevocationError::IssuerChain(c) if c.reason() == "revoked"),
            "{e:?}"
        );
    }
}

#[test]
fn tampered_forged_and_unauthorized_records_are_refused() {
    let c = central();
    let p01 = province(&c, "01");
    let p79 = province(&c, "79");
    let s73 = commune(&p01, "00073");
    let root = c.ca.root();

    let bytes = revocation::create(&p01.key, &p01.tls, "00070", NOW + 10).expect("ok");
    let record: SignedRevocation = cbor4ii::serde::from_slice(&bytes).expect("decode");

    // Tampered body: another site, same signature.
    let mut body: revocation::Revocation = cbor4ii::serde::from_slice(&record.body).expect("body");
    body.site = "00073".into();
    let mut forged = record.clone();
    forged.body = cbor4ii::serde::to_vec(Vec::new(), &body).expect("encode");
    let forged = cbor4ii::serde::to_vec(Vec::new(), &forged).expect("encode");
    assert_eq!(
        verify_revocation(root, &forged, NOW + 20),
        Err(RevocationError::BadSignature)
    );

    // Flipped signature bit.
    let mut flipped = record.clone();
    flipped.signature[0] ^= 1;
    let flipped = cbor4ii::serde::to_vec(Vec::new(), &flipped).expect("encode");
    assert_eq!(
        verify_revocation(root, &flipped, NOW + 20),
        Err(RevocationError::BadSignature)
    );

    // Garbage and truncation.
    assert!(matches!(
        verify_revocation(root, b"garbage", NOW),
        Err(RevocationError::Garbled(_))
    ));
    assert!(matches!(
        verify_revocation(root, &bytes[..bytes.len() / 2], NOW),
        Err(RevocationError::Garbled(_))
    ));

    // A sibling province or a commune has no authority: refused when making…
    assert!(matches!(
        revocation::create(&p79.key, &p79.tls, "00070", NOW + 10),
        Err(RevocationError::NoAuthority { .. })
    ));
    assert!(matches!(
        revocation::create(&s73.key, &s73.tls, "00070", NOW + 10),
        Err(RevocationError::NoAuthority { .. })
    ));
    assert_eq!(
        revocation::create(&c.key, &c.tls, "VN", NOW + 10),
        Err(RevocationError::CannotRevokeCentral)
    );

    // …and when a hand-made record arrives.
    let sign = |issuer_site: &str, key: &SiteKey, chain: &Chain| {
        let body = revocation::Revocation {
            v: 1,
            site: "00070".into(),
            revoked_at: NOW + 10,
            issuer_site: issuer_site.into(),
        };
        let body = cbor4ii::serde::to_vec(Vec::new(), &body).expect("encode");
        let mut msg = revocation::SIGNATURE_CONTEXT.to_vec();
        msg.extend_from_slice(&body);
        let rec = SignedRevocation {
            signature: key.sign(&msg).to_vec(),
            body,
            issuer_chain: chain
                .der_list()
                .iter()
                .map(|c| c.as_ref().to_vec())
                .collect(),
        };
        cbor4ii::serde::to_vec(Vec::new(), &rec).expect("encode")
    };
    let sibling = sign("79", &p79.key, &p79.tls);
    assert!(matches!(
        verify_revocation(root, &sibling, NOW + 20),
        Err(RevocationError::NoAuthority { .. })
    ));
    let impostor = sign("01", &p79.key, &p79.tls);
    assert!(matches!(
        verify_revocation(root, &impostor, NOW + 20),
        Err(RevocationError::IssuerMismatch { .. })
    ));
    let commune_issuer = sign("00073", &s73.key, &s73.tls);
    assert!(matches!(
        verify_revocation(root, &commune_issuer, NOW + 20),
        Err(RevocationError::NoAuthority { .. })
    ));

    // From another federation.
    let foreign = central();
    let fp = province(&foreign, "01");
    let other = revocation::create(&fp.key, &fp.tls, "00070", NOW + 10).expect("ok");
    let e = verify_revocation(root, &other, NOW + 20).expect_err("foreign");
    assert!(
        matches!(&e, RevocationError::IssuerChain(c) if c.reason() == "unknown_root"),
        "{e:?}"
    );

    // Dated in the future.
    let future = revocation::create(&p01.key, &p01.tls, "00070", NOW + 3600).expect("ok");
    assert!(matches!(
        verify_revocation(root, &future, NOW),
        Err(RevocationError::FromTheFuture { .. })
    ));

    // Wrong key for the chain.
    assert!(matches!(
        revocation::create(&p79.key, &p01.tls, "00070", NOW),
        Err(RevocationError::KeyMismatch { .. })
    ));
}

#[test]
fn records_stay_valid_after_the_issuer_certificate_expires() {
    let c = central();
    let p = province(&c, "01");
    let root = c.ca.root();
    let bytes = revocation::create(&p.key, &p.tls, "00070", NOW + 10).expect("ok");
    // The province's own leaf lives 365 days; the record is checked at its own date.
    assert!(verify_revocation(root, &bytes, NOW + 400 * DAY).is_ok());
}

#[test]
fn create_refuses_a_ca_chain() {
    let c = central();
    let e =
        revocation::create(&c.key, &c.ca, "01", NOW + 10).expect_err("CA chain is no TLS chain");
    assert!(
        matches!(&e, RevocationError::IssuerChain(ce) if ce.reason() == "malformed"),
        "{e:?}"
    );
}

proptest::proptest! {
    #[test]
    fn verify_revocation_and_chain_pem_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
        let c = fixed_root();
        let _ = verify_revocation(&c, &bytes, NOW);
        let _ = Chain::from_pem(&String::from_utf8_lossy(&bytes));
        let _ = Chain::from_pem(&crate::common::pem("CERTIFICATE", &bytes));
    }
}

fn fixed_root() -> rustls::pki_types::CertificateDer<'static> {
    let key = SiteKey::from_seed([3u8; 32]);
    tiepdan_keys::make_root(&key, 3650, NOW)
        .expect("root")
        .root()
        .clone()
}

/// A chain answered from the cache is judged like a fresh one: a revocation that came after it
/// was cached refuses it, and past its validity the full check gives the precise error.
#[test]
fn a_cached_chain_is_still_refused_once_revoked_or_expired() {
    let c = central();
    let p = province(&c, "01");
    let s70 = commune(&p, "00070");
    let s73 = commune(&p, "00073");
    let root = c.ca.root();
    let cache = tiepdan_keys::cert::ChainCache::new();
    let mut list = RevocationList::new();
    let via_cache = |chain: &Chain, now: u64, list: &RevocationList| {
        cache
            .verify(root, chain.der_list(), now, list)
            .map(|v| v.site)
            .map_err(|e| e.reason())
    };
    for _ in 0..2 {
        assert_eq!(via_cache(&s70.tls, NOW + 20, &list), Ok("00070".into()));
        assert_eq!(via_cache(&s73.tls, NOW + 20, &list), Ok("00073".into()));
    }
    let bytes = revocation::create(&p.key, &p.tls, "00070", NOW + 30).unwrap();
    assert!(revocation::accept(&mut list, root, &bytes, NOW + 31).unwrap());
    assert_eq!(via_cache(&s70.tls, NOW + 40, &list), Err("revoked"));
    assert_eq!(via_cache(&s73.tls, NOW + 40, &list), Ok("00073".into()));
    // The province revoked: its communes' cached chains fall with it.
    let bytes = revocation::create(&c.key, &c.tls, "01", NOW + 50).unwrap();
    assert!(revocation::accept(&mut list, root, &bytes, NOW + 51).unwrap());
    assert_eq!(via_cache(&s73.tls, NOW + 60, &list), Err("revoked"));
    // Far past every notAfter: the same error as without the cache.
    let later = NOW + 100 * 365 * 86_400;
    let empty = RevocationList::new();
    assert_eq!(
        via_cache(&s73.tls, later, &empty),
        check(root, &s73.tls, later, &empty)
    );
    assert!(via_cache(&s73.tls, later, &empty).is_err());
}
