//! Certificate requests: round trip, every typed refusal, and a never-panics property.

use proptest::prelude::*;
use rcgen::{CertificateParams, KeyPair};
use tiepdan_keys::{make_request, parse_request, ClaimsError, RequestError, SiteClaims, SiteKey};
use tiepdan_protocol::sites::Level;

use crate::common::{der_of, pem};

#[test]
fn request_round_trip() {
    let key = SiteKey::generate();
    let text = make_request(&key, "00070").expect("request");
    assert!(text.starts_with("-----BEGIN CERTIFICATE REQUEST-----\n"));
    let req = parse_request(&text).expect("parse");
    assert_eq!(req.public_key, key.public_bytes());
    assert_eq!(
        req.claims,
        SiteClaims::for_site("00070", &key.peer_id()).expect("claims")
    );
    assert_eq!(req.claims.level, Level::Commune);
    assert_eq!(parse_request(&req.pem).expect("re-parse"), req);
    // Surrounding text (an e-mail, say) is tolerated.
    assert_eq!(
        parse_request(&format!("Dear central office,\n\n{text}\nThanks\n")).expect("parse"),
        req
    );

    let prov = parse_request(&make_request(&key, "79").expect("request")).expect("parse");
    assert_eq!(
        (prov.claims.level, prov.claims.parent.as_deref()),
        (Level::Province, Some("VN"))
    );
}

#[test]
fn make_request_validates_the_site_code() {
    let key = SiteKey::generate();
    let e = make_request(&key, "99999").expect_err("unknown");
    assert_eq!(e, RequestError::UnknownSite("99999".into()));
    assert!(e.to_string().contains("not in the official list"), "{e}");
    assert!(matches!(
        make_request(&key, "VN"),
        Err(RequestError::CentralDoesNotRequest(_))
    ));
}

#[test]
fn broken_requests_get_typed_errors() {
    let key = SiteKey::generate();
    let text = make_request(&key, "00070").expect("request");
    let der = der_of(&text);

    assert_eq!(parse_request(""), Err(RequestError::NotPem));
    assert_eq!(parse_request("hello"), Err(RequestError::NotPem));
    assert_eq!(
        parse_request(&"A".repeat(100_000)),
        Err(RequestError::TooLarge(100_000))
    );
    assert_eq!(
        parse_request(&text[..text.len() / 2]),
        Err(RequestError::TruncatedPem)
    );
    let garbled = text.replacen("MII", "M*I", 1);
    assert!(
        matches!(parse_request(&garbled), Err(RequestError::GarbledPem(_))),
        "{:?}",
        parse_request(&garbled)
    );
    // A certificate is not a request.
    assert_eq!(
        parse_request(&pem("CERTIFICATE", &der)),
        Err(RequestError::NotPem)
    );

    // Cut DER inside well-formed PEM.
    let cut = pem("CERTIFICATE REQUEST", &der[..der.len() - 20]);
    assert_eq!(parse_request(&cut), Err(RequestError::TruncatedDer));
    let junk = pem("CERTIFICATE REQUEST", b"\x30\x03\x02\x01\x00");
    assert!(matches!(
        parse_request(&junk),
        Err(RequestError::MalformedDer(_))
    ));
    let mut trailing = der.clone();
    trailing.push(0);
    assert!(matches!(
        parse_request(&pem("CERTIFICATE REQUEST", &trailing)),
        Err(RequestError::MalformedDer(_))
    ));

    // Tampered signed content: 00070 -> 00071 in the subject name.
    let pos = der
        .windows(5)
        .position(|w| w == b"00070")
        .expect("code in DER");
    let mut tampered = der.clone();
    tampered[pos + 4] = b'1';
    assert_eq!(
        parse_request(&pem("CERTIFICATE REQUEST", &tampered)),
        Err(RequestError::BadSignature)
    );
    // Tampered signature.
    let mut bad_sig = der.clone();
    let last = bad_sig.len() - 1;
    bad_sig[last] ^= 0x55;
    assert_eq!(
        parse_request(&pem("CERTIFICATE REQUEST", &bad_sig)),
        Err(RequestError::BadSignature)
    );
}

/// A CSR signed by `key` carrying arbitrary (possibly lying) claims.
fn hand_made(key: &SiteKey, claims: Option<&SiteClaims>) -> String {
    let mut params =
        CertificateParams::new(vec!["s00070.p01.tiepdan.internal".to_owned()]).expect("params");
    if let Some(c) = claims {
        params.custom_extensions = vec![c.to_rcgen_extension()];
    }
    let csr = params
        .serialize_request(&key.rcgen_key_pair().expect("kp"))
        .expect("csr");
    pem("CERTIFICATE REQUEST", csr.der())
}

#[test]
fn lying_requests_are_refused() {
    let key = SiteKey::generate();
    let other = SiteKey::generate();

    let wrong_peer = SiteClaims::for_site("00070", &other.peer_id()).expect("claims");
    assert!(matches!(
        parse_request(&hand_made(&key, Some(&wrong_peer))),
        Err(RequestError::PeerIdMismatch { .. })
    ));

    assert_eq!(
        parse_request(&hand_made(&key, None)),
        Err(RequestError::MissingClaims)
    );

    let mut unknown = SiteClaims::for_site("00070", &key.peer_id()).expect("claims");
    unknown.site = "99999".into();
    assert_eq!(
        parse_request(&hand_made(&key, Some(&unknown))),
        Err(RequestError::UnknownSite("99999".into()))
    );

    let mut wrong_parent = SiteClaims::for_site("00070", &key.peer_id()).expect("claims");
    wrong_parent.parent = Some("79".into());
    assert!(matches!(
        parse_request(&hand_made(&key, Some(&wrong_parent))),
        Err(RequestError::Claims(ClaimsError::ParentMismatch { .. }))
    ));

    // Not Ed25519.
    let ecdsa = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("ecdsa");
    let mut params = CertificateParams::new(vec!["x.tiepdan.internal".to_owned()]).expect("params");
    params.custom_extensions = vec![SiteClaims::for_site("00070", &key.peer_id())
        .expect("c")
        .to_rcgen_extension()];
    let csr = params.serialize_request(&ecdsa).expect("csr");
    assert_eq!(
        parse_request(&pem("CERTIFICATE REQUEST", csr.der())),
        Err(RequestError::NotEd25519)
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn parse_request_never_panics_on_strings(s in ".{0,600}") {
        let _ = parse_request(&s);
    }

    #[test]
    fn parse_request_never_panics_on_pem_wrapped_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..800)) {
        let _ = parse_request(&pem("CERTIFICATE REQUEST", &bytes));
        let _ = parse_request(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn mutated_requests_never_panic_and_never_pass_with_other_claims(
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..4),
        cut in any::<usize>(),
    ) {
        let key = SiteKey::from_seed([9u8; 32]);
        let der = der_of(&make_request(&key, "00070").expect("request"));
        let mut m = der.clone();
        for (pos, x) in flips {
            let i = pos % m.len();
            m[i] ^= x;
        }
        if let Ok(req) = parse_request(&pem("CERTIFICATE REQUEST", &m)) {
            // Only changes outside the signed content (e.g. in the outer header) may survive.
            prop_assert_eq!(req.public_key, key.public_bytes());
            prop_assert_eq!(req.claims.site.as_str(), "00070");
        }
        let _ = parse_request(&pem("CERTIFICATE REQUEST", &der[..cut % der.len()]));
    }
}
