//! Issuance along the hierarchy and `verify_chain` / `install_check` on real chains.

use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
    KeyUsagePurpose,
};
use rustls::pki_types::CertificateDer;
use tiepdan_keys::{
    cert_fingerprint, install_check, issue, make_request, parse_request, verify_chain, Chain,
    ChainError, IssueError, RevocationList, SiteClaims, SiteKey,
};
use tiepdan_protocol::sites::Level;

use crate::common::*;

fn verify(
    root: &CertificateDer<'_>,
    chain: &Chain,
    now: u64,
) -> Result<tiepdan_keys::VerifiedSite, ChainError> {
    verify_chain(root, chain.der_list(), now, &RevocationList::new())
}

#[test]
fn root_province_commune_chains_verify_with_peer_id_binding() {
    let c = central();
    let p = province(&c, "01");
    let s = commune(&p, "00070");
    let root = c.ca.root();

    assert_eq!(c.tls.len(), 2);
    assert_eq!(p.ca.len(), 2);
    assert_eq!(p.tls.len(), 3);
    assert_eq!(s.tls.len(), 3);
    assert_eq!(s.tls.root(), root);
    assert_eq!(
        s.tls.der_list()[1],
        p.ca.der_list()[0],
        "commune chain is [leaf, ca_01, root]"
    );

    let v = verify(root, &c.tls, NOW + 60).expect("central chain verifies");
    assert_eq!(
        (v.site.as_str(), v.level, v.parent.as_deref()),
        ("VN", Level::Central, None)
    );
    assert_eq!(v.peer_id, c.key.peer_id());
    assert_eq!(v.public_key, c.key.public_bytes());

    let v = verify(root, &p.tls, NOW + 60).expect("province chain verifies");
    assert_eq!(
        (v.site.as_str(), v.level, v.parent.as_deref()),
        ("01", Level::Province, Some("VN"))
    );
    assert_eq!(v.peer_id, p.key.peer_id());

    let v = verify(root, &s.tls, NOW + 60).expect("commune chain verifies");
    assert_eq!(
        (v.site.as_str(), v.level, v.parent.as_deref()),
        ("00070", Level::Commune, Some("01"))
    );
    assert_eq!(v.peer_id, s.key.peer_id());
    assert_eq!(v.public_key, s.key.public_bytes());
    // Earliest notAfter on the path: the commune leaf (365 days).
    assert_eq!(v.not_after, NOW + 365 * DAY);
    assert_eq!(s.tls.leaf_not_after(), NOW + 365 * DAY);

    // The root need not be sent.
    let without_root = &s.tls.der_list()[..2];
    assert_eq!(
        verify_chain(root, without_root, NOW, &RevocationList::new())
            .expect("ok")
            .site,
        "00070"
    );

    // A CA certificate cannot serve as a TLS leaf.
    let e = verify(root, &p.ca, NOW).expect_err("CA as end entity");
    assert_eq!(e.reason(), "malformed");
}

#[test]
fn install_check_accepts_own_chains_and_names_the_wrong_ones() {
    let c = central();
    let p = province(&c, "01");
    let s70 = commune(&p, "00070");
    let s73 = commune(&p, "00073");

    for (key, chain, site) in [
        (&c.key, &c.ca, "VN"),
        (&c.key, &c.tls, "VN"),
        (&p.key, &p.ca, "01"),
        (&p.key, &p.tls, "01"),
        (&s70.key, &s70.tls, "00070"),
    ] {
        let v = install_check(key, Some(site), chain, NOW + 1).expect("own chain installs");
        assert_eq!(v.site, site);
    }
    // A CA chain's lifetime is the CA's, not the throw-away probe's.
    assert_eq!(
        install_check(&p.key, None, &p.ca, NOW)
            .expect("ok")
            .not_after,
        NOW + 730 * DAY
    );

    let e = install_check(&s73.key, Some("00070"), &s73.tls, NOW).expect_err("wrong site");
    assert!(matches!(e, ChainError::WrongSite { .. }));
    assert!(
        e.to_string().contains(
            "this chain was issued for site 00073, but this data folder belongs to 00070"
        ),
        "{e}"
    );
    let e = install_check(&s73.key, None, &s70.tls, NOW).expect_err("wrong key");
    assert_eq!(e.reason(), "key_mismatch");
    let e = install_check(&SiteKey::generate(), None, &p.ca, NOW).expect_err("wrong CA key");
    assert_eq!(e.reason(), "key_mismatch");
}

#[test]
fn chain_pem_round_trip_and_pem_errors() {
    let c = central();
    let p = province(&c, "01");
    let text = p.tls.to_pem();
    assert_eq!(Chain::from_pem(&text).expect("round trip"), p.tls);
    assert_eq!(cert_fingerprint(p.tls.leaf()).len(), 16);
    assert_ne!(
        cert_fingerprint(p.tls.leaf()),
        cert_fingerprint(p.tls.root())
    );

    assert!(matches!(Chain::from_pem(""), Err(ChainError::NotPem)));
    assert!(matches!(
        Chain::from_pem("hello world"),
        Err(ChainError::NotPem)
    ));
    let cut = &text[..text.len() / 2];
    assert!(
        matches!(Chain::from_pem(cut), Err(ChainError::TruncatedPem)),
        "{:?}",
        Chain::from_pem(cut)
    );
    let garbled = text.replacen("MII", "M!I", 1);
    assert!(
        matches!(Chain::from_pem(&garbled), Err(ChainError::GarbledPem(_))),
        "{:?}",
        Chain::from_pem(&garbled)
    );
    let not_cert = pem("CERTIFICATE", b"definitely not DER");
    assert!(matches!(
        Chain::from_pem(&not_cert),
        Err(ChainError::Malformed { index: 0, .. })
    ));
}

#[test]
fn authorities_refuse_sites_outside_their_authority() {
    let c = central();
    let p01 = province(&c, "01");

    let commune_req =
        parse_request(&make_request(&SiteKey::generate(), "00070").expect("req")).expect("parse");
    let e =
        issue(&c.authority, &commune_req, 365, NOW).expect_err("central does not sign communes");
    assert!(
        matches!(&e, IssueError::NotAuthorized { issuer, subject, .. } if issuer == "VN" && subject == "00070")
    );
    assert!(e.to_string().contains("only to provinces"), "{e}");

    let other_req =
        parse_request(&make_request(&SiteKey::generate(), "26506").expect("req")).expect("parse");
    let e =
        issue(&p01.authority, &other_req, 365, NOW).expect_err("01 does not sign 79's communes");
    assert!(
        matches!(&e, IssueError::NotAuthorized { issuer, subject, .. } if issuer == "01" && subject == "26506")
    );
    assert!(e.to_string().contains("26506 is a commune of 79"), "{e}");

    let prov_req =
        parse_request(&make_request(&SiteKey::generate(), "79").expect("req")).expect("parse");
    assert!(matches!(
        issue(&p01.authority, &prov_req, 365, NOW),
        Err(IssueError::NotAuthorized { .. })
    ));

    // A commune is no authority.
    let s = commune(&p01, "00070");
    assert!(matches!(
        tiepdan_keys::Authority::new(s.key.clone(), s.tls.clone(), NOW),
        Err(IssueError::NotCa)
    ));
    assert!(matches!(
        issue(&p01.authority, &commune_req, 0, NOW),
        Err(IssueError::BadValidity { .. })
    ));
}

/// Signs a leaf for `claims` with `issuer_key`/`issuer_ca` directly through rcgen, bypassing
/// every check of `issue`.
fn forge_leaf(
    issuer_key: &SiteKey,
    issuer_ca: &CertificateDer<'_>,
    subject_key: &SiteKey,
    claims: &SiteClaims,
    dns: &str,
) -> CertificateDer<'static> {
    let mut p = CertificateParams::new(vec![dns.to_owned()]).expect("params");
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, format!("tiepdan site {}", claims.site));
    p.distinguished_name = dn;
    p.not_before = time::OffsetDateTime::from_unix_timestamp(NOW as i64).expect("time");
    p.not_after = time::OffsetDateTime::from_unix_timestamp((NOW + 30 * DAY) as i64).expect("time");
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    p.custom_extensions = vec![claims.to_rcgen_extension()];
    let issuer = Issuer::from_ca_cert_der(issuer_ca, issuer_key.rcgen_key_pair().expect("kp"))
        .expect("issuer");
    let subject = subject_key.rcgen_key_pair().expect("kp");
    p.signed_by(&subject, &issuer).expect("sign").der().clone()
}

#[test]
fn forged_chains_are_refused_with_the_right_reason() {
    let c = central();
    let p01 = province(&c, "01");
    let root = c.ca.root();
    let victim = SiteKey::generate();
    let claims_26506 = SiteClaims::for_site("26506", &victim.peer_id()).expect("claims");

    // Province 01's CA signs a commune of province 79, with a name inside 01's space…
    let leaf = forge_leaf(
        &p01.key,
        p01.ca.leaf(),
        &victim,
        &claims_26506,
        "s26506.p01.tiepdan.internal",
    );
    let chain = [leaf, p01.ca.der_list()[0].clone(), root.clone()];
    let e = verify_chain(root, &chain, NOW + 1, &RevocationList::new()).expect_err("forged");
    assert!(
        matches!(&e, ChainError::WrongParent { issuer, subject } if issuer == "01" && subject == "26506"),
        "{e:?}"
    );
    assert_eq!(e.reason(), "wrong_parent");

    // …or with 79's name, which the name constraint of 01's CA refuses first.
    let leaf = forge_leaf(
        &p01.key,
        p01.ca.leaf(),
        &victim,
        &claims_26506,
        "s26506.p79.tiepdan.internal",
    );
    let chain = [leaf, p01.ca.der_list()[0].clone(), root.clone()];
    let e = verify_chain(root, &chain, NOW + 1, &RevocationList::new()).expect_err("forged");
    assert_eq!(e.reason(), "wrong_parent", "{e:?}");

    // Central signing a commune directly.
    let claims_70 = SiteClaims::for_site("00070", &victim.peer_id()).expect("claims");
    let leaf = forge_leaf(
        &c.key,
        root,
        &victim,
        &claims_70,
        "s00070.p01.tiepdan.internal",
    );
    let e = verify_chain(root, &[leaf, root.clone()], NOW + 1, &RevocationList::new())
        .expect_err("forged");
    assert_eq!(e.reason(), "wrong_parent", "{e:?}");

    // Claims naming another key's PeerId.
    let other = SiteKey::generate();
    let claims_other = SiteClaims::for_site("00070", &other.peer_id()).expect("claims");
    let leaf = forge_leaf(
        &p01.key,
        p01.ca.leaf(),
        &victim,
        &claims_other,
        "s00070.p01.tiepdan.internal",
    );
    let chain = [leaf, p01.ca.der_list()[0].clone()];
    let e = verify_chain(root, &chain, NOW + 1, &RevocationList::new()).expect_err("forged");
    assert_eq!(e.reason(), "peer_id_mismatch", "{e:?}");

    // Claims naming a site that does not exist.
    let mut bogus = claims_70.clone();
    bogus.site = "99999".into();
    let leaf = forge_leaf(
        &p01.key,
        p01.ca.leaf(),
        &victim,
        &bogus,
        "s99999.p01.tiepdan.internal",
    );
    let chain = [leaf, p01.ca.der_list()[0].clone()];
    let e = verify_chain(root, &chain, NOW + 1, &RevocationList::new()).expect_err("forged");
    assert_eq!(e.reason(), "unknown_site", "{e:?}");

    // Claims with the wrong parent for a real site.
    let mut lying = claims_70.clone();
    lying.parent = Some("79".into());
    let leaf = forge_leaf(
        &p01.key,
        p01.ca.leaf(),
        &victim,
        &lying,
        "s00070.p01.tiepdan.internal",
    );
    let chain = [leaf, p01.ca.der_list()[0].clone()];
    let e = verify_chain(root, &chain, NOW + 1, &RevocationList::new()).expect_err("forged");
    assert_eq!(e.reason(), "wrong_parent", "{e:?}");

    // A leaf without claims at all.
    let mut p =
        CertificateParams::new(vec!["s00070.p01.tiepdan.internal".to_owned()]).expect("params");
    p.not_before = time::OffsetDateTime::from_unix_timestamp(NOW as i64).expect("time");
    let issuer = Issuer::from_ca_cert_der(p01.ca.leaf(), p01.key.rcgen_key_pair().expect("kp"))
        .expect("issuer");
    let leaf = p
        .signed_by(&victim.rcgen_key_pair().expect("kp"), &issuer)
        .expect("sign")
        .der()
        .clone();
    let e = verify_chain(
        root,
        &[leaf, p01.ca.der_list()[0].clone()],
        NOW + 1,
        &RevocationList::new(),
    )
    .expect_err("no claims");
    assert_eq!(e.reason(), "malformed", "{e:?}");

    // A leaf whose signature was tampered with.
    let s = commune(&p01, "00070");
    let mut bytes = s.tls.leaf().as_ref().to_vec();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let chain = [CertificateDer::from(bytes), s.tls.der_list()[1].clone()];
    let e = verify_chain(root, &chain, NOW + 1, &RevocationList::new()).expect_err("tampered");
    assert!(
        matches!(e.reason(), "bad_signature" | "unknown_root"),
        "{e:?}"
    );
}

#[test]
fn other_root_and_missing_intermediate_are_unknown_root() {
    let c = central();
    let p = province(&c, "01");
    let s = commune(&p, "00070");
    let foreign = central();
    let fp = province(&foreign, "01");
    let fs = commune(&fp, "00070");

    let e = verify(c.ca.root(), &fs.tls, NOW + 1).expect_err("foreign federation");
    assert_eq!(e.reason(), "unknown_root", "{e:?}");
    let e = verify(c.ca.root(), &fp.tls, NOW + 1).expect_err("foreign province");
    assert_eq!(e.reason(), "unknown_root");
    let e = verify_chain(
        c.ca.root(),
        &s.tls.der_list()[..1],
        NOW + 1,
        &RevocationList::new(),
    )
    .expect_err("no intermediate");
    assert_eq!(e.reason(), "unknown_root");
    // A trust anchor that is not a tiepdan root.
    let e = verify(p.ca.leaf(), &s.tls, NOW + 1).expect_err("province CA as root");
    assert_eq!(e.reason(), "malformed");
}

#[test]
fn expired_and_not_yet_valid_chains() {
    let c = central();
    let p = province(&c, "01");
    let s = commune_with_key(&p, "00070", SiteKey::generate(), 1, NOW);
    let root = c.ca.root();
    assert!(verify(root, &s.tls, NOW + DAY / 2).is_ok());
    let e = verify(root, &s.tls, NOW + 2 * DAY).expect_err("expired");
    assert_eq!(e.reason(), "expired");
    assert!(matches!(e, ChainError::Expired { not_after, .. } if not_after == NOW + DAY));
    let e = verify(root, &s.tls, NOW - 10).expect_err("not yet valid");
    assert_eq!(e.reason(), "expired");
    // The root itself expiring (3650 days) stops everything.
    let e = verify(root, &c.tls, NOW + 3651 * DAY).expect_err("root expired");
    assert_eq!(e.reason(), "expired");
}
