//! Targets for what proves who a site is: certificate requests, certificate chains,
//! revocations, the holiday calendars central signs, sealed identities and the libp2p hello
//! that carries a chain.

use futures::executor::block_on;
use futures::io::Cursor;
use libp2p::request_response::{self, Codec};
use libp2p::StreamProtocol;
use rustls::pki_types::CertificateDer;
use serde_bytes::ByteBuf;
use tiepdan_keys::revocation::{self, accept, verify_revocation, Revocation, VERSION};
use tiepdan_keys::sealed::{open, rewrap, seal};
use tiepdan_keys::{make_request, parse_request, verify_chain, Chain, RevocationList};
use tiepdan_node::federation::p2p::P2pHello;
use tiepdan_protocol::sealed::SealedIdentity;

use crate::events::CASE_ID;
use crate::fixtures::{
    self, ders, pieces, pki, site_key, CENTRAL, COMMUNE, ISSUED, NOW, PROVINCE, SIBLING,
};
use crate::Seed;

fn to_cbor<T: serde::Serialize>(value: &T) -> Vec<u8> {
    cbor4ii::serde::to_vec(Vec::new(), value).expect("CBOR into memory")
}

fn root() -> &'static CertificateDer<'static> {
    pki().root.root()
}

/// Verifies a chain against the fixed root at [`NOW`]; with the site of a verified chain then
/// revoked as of now, the same chain must be refused as revoked.
fn verify_and_revoke(chain: &[CertificateDer<'_>]) -> Option<tiepdan_keys::VerifiedSite> {
    let verified = verify_chain(root(), chain, NOW, &RevocationList::new()).ok()?;
    let mut list = RevocationList::new();
    list.insert(
        Revocation {
            v: VERSION,
            site: verified.site.clone(),
            revoked_at: NOW,
            issuer_site: CENTRAL.into(),
        },
        vec![],
    );
    let refused = verify_chain(root(), chain, NOW, &list).map_err(|e| e.reason());
    assert_eq!(refused, Err("revoked"), "a revoked site's chain verified");
    Some(verified)
}

// ---------------------------------------------------------------------------------------------
// cert_request
// ---------------------------------------------------------------------------------------------

/// A certificate request sent by a site asking to join (`keys::cert::parse_request` of the
/// bytes as text): never panics; an accepted request re-reads from its own PEM to the same
/// request, and one for a commune of the fixed province is certified by it into a chain that
/// verifies for the requested site and key.
pub fn cert_request(data: &[u8]) {
    let Ok(request) = parse_request(&String::from_utf8_lossy(data)) else {
        return;
    };
    assert_eq!(parse_request(&request.pem).as_ref(), Ok(&request));
    let authority = &pki().province_ca;
    if let Ok(chain) = authority.issue(&request, 365, NOW) {
        let verified = verify_and_revoke(chain.der_list()).expect("an issued chain verifies");
        assert_eq!(verified.site, request.claims.site);
        assert_eq!(verified.public_key, request.public_key);
    }
}

pub(crate) fn cert_request_seeds() -> Vec<Seed> {
    let commune = make_request(&site_key(COMMUNE), COMMUNE).expect("request");
    let province = make_request(&site_key(PROVINCE), PROVINCE).expect("request");
    let truncated: String = commune.lines().take(3).map(|l| format!("{l}\n")).collect();
    vec![
        Seed::exact("valid-commune-00004.pem", commune.into_bytes()),
        Seed::exact("valid-province-01.pem", province.into_bytes()),
        Seed::exact("truncated.pem", truncated.into_bytes()),
        Seed::exact(
            "garbage-not-base64.pem",
            b"-----BEGIN CERTIFICATE REQUEST-----\nnot base64 at all!!\n-----END CERTIFICATE REQUEST-----\n"
                .to_vec(),
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// cert_chain
// ---------------------------------------------------------------------------------------------

/// A certificate chain from a peer (pieces of the input are the DER certificates, leaf first):
/// `keys::cert::Chain::from_der_list`, its claims and keys, its PEM round trip, and
/// `verify_chain` against the fixed root. Never panics; a verified chain names the site and
/// key of its leaf's claims, and is refused once that site is revoked.
pub fn cert_chain(data: &[u8]) {
    let certs: Vec<Vec<u8>> = pieces(data, Chain::MAX_LEN + 1)
        .into_iter()
        .map(<[u8]>::to_vec)
        .collect();
    let der: Vec<CertificateDer<'_>> = certs.iter().map(|c| CertificateDer::from(&c[..])).collect();
    let verified = verify_and_revoke(&der);
    let Ok(chain) = Chain::from_der_list(certs) else {
        return;
    };
    let pem = chain.to_pem();
    // Chain::from_pem refuses text over 256 KiB before reading it.
    if pem.len() <= 256 * 1024 {
        assert_eq!(Chain::from_pem(&pem).as_ref(), Ok(&chain));
    }
    let keys = chain.site_keys();
    let certs = chain.site_certs();
    assert_eq!(keys.len(), certs.len());
    let _ = chain.leaf_not_after();
    let claims = chain.leaf_claims();
    if let Some(v) = verified {
        let claims = claims.expect("a verified leaf has claims");
        assert_eq!(v.site, claims.site);
        assert_eq!(
            keys.first().map(|(s, k)| (s.as_str(), *k)),
            Some((v.site.as_str(), v.public_key))
        );
    }
}

pub(crate) fn cert_chain_seeds() -> Vec<Seed> {
    let p = pki();
    let commune = ders(&p.commune_tls);
    let mut wrong_order = commune.clone();
    wrong_order.swap(0, 1);
    let mut truncated = commune.clone();
    let half = truncated[0].len() / 2;
    truncated[0].truncate(half);
    vec![
        Seed::exact("valid-commune", fixtures::join_pieces(&commune)),
        Seed::exact(
            "valid-commune-without-root",
            fixtures::join_pieces(&commune[..2]),
        ),
        Seed::exact(
            "valid-province",
            fixtures::join_pieces(&ders(&p.province_tls)),
        ),
        Seed::exact(
            "valid-central",
            fixtures::join_pieces(&ders(&p.central_tls)),
        ),
        Seed::exact(
            "valid-sibling",
            fixtures::join_pieces(&ders(&p.sibling_tls)),
        ),
        Seed::exact("garbage-root-only", fixtures::join_pieces(&ders(&p.root))),
        Seed::exact("garbage-wrong-order", fixtures::join_pieces(&wrong_order)),
        Seed::exact("garbage-truncated-leaf", fixtures::join_pieces(&truncated)),
    ]
}

// ---------------------------------------------------------------------------------------------
// calendar
// ---------------------------------------------------------------------------------------------

/// A holiday calendar from a peer (`protocol::calendar::verify` under central's fixed key at
/// [`NOW`]): never panics; a valid one is issued by central, not from the future, bounded, in
/// date order within its year, is exactly what central's key makes of its content (Ed25519 is
/// deterministic and the encoding canonical), is taken once and is no news the second time,
/// and the effective calendar has exactly its days.
pub fn calendar(data: &[u8]) {
    use tiepdan_protocol::calendar::{self as cal, PublishedCalendars};
    use tiepdan_protocol::case::deadline::{Calendar, DayKind};
    let Ok(c) = cal::verify(data, &site_key(CENTRAL).public_bytes(), NOW) else {
        return;
    };
    assert_eq!(c.issuer_site, CENTRAL);
    assert!(c.issued_at <= NOW + cal::MAX_CLOCK_SKEW_S);
    assert!(!c.days.is_empty() && c.days.len() <= cal::MAX_DAYS);
    assert!(c.days.windows(2).all(|w| w[0].date < w[1].date));
    assert!(c.days.iter().all(|d| d.date.year() == c.year));
    let again = cal::publish(
        &fixtures::signing_key(CENTRAL),
        c.year,
        c.days.clone(),
        c.issued_at,
    );
    assert_eq!(
        again.as_deref(),
        Ok(data),
        "the same calendar has other bytes"
    );
    let mut held = PublishedCalendars::new();
    assert!(held.insert(c.clone(), data.to_vec()));
    assert!(!held.insert(c.clone(), data.to_vec()));
    let effective = held.effective(Calendar::vietnam());
    for d in &c.days {
        assert_eq!(effective.is_working_day(d.date), d.kind == DayKind::Work);
    }
}

pub(crate) fn calendar_seeds() -> Vec<Seed> {
    use tiepdan_protocol::calendar as cal;
    let csv = "date,kind,name,source
2027-01-01,off,Tết Dương lịch,Bộ luật Lao động 2019 Art 112(1)(a)
2027-02-06,work,Làm bù,Thông báo của Bộ Nội vụ
2027-09-02,off,Quốc khánh,Bộ luật Lao động 2019 Art 112(1)(đ)
";
    let central = cal::publish_csv(&fixtures::signing_key(CENTRAL), 2027, csv, NOW - 60)
        .expect("central publishes 2027");
    let by_province = cal::publish_csv(&fixtures::signing_key(PROVINCE), 2027, csv, NOW - 60)
        .expect("signed with the province's key");
    let mut altered = central.clone();
    if let Some(i) = altered.windows(4).position(|w| w == b"2027") {
        altered[i + 3] = b'8';
    }
    vec![
        Seed::exact("valid-central-2027", central.clone()),
        Seed::exact("garbage-province-key", by_province),
        Seed::exact("garbage-altered-year", altered),
        Seed::exact("garbage-truncated", central[..central.len() - 30].to_vec()),
    ]
}

// ---------------------------------------------------------------------------------------------
// revocation
// ---------------------------------------------------------------------------------------------

/// A signed revocation from a peer (`keys::revocation::verify_revocation` against the fixed
/// root at [`NOW`]): never panics; a valid record is taken into an empty list once, kept
/// exactly as received, and is no news the second time.
pub fn revocation(data: &[u8]) {
    let Ok(rev) = verify_revocation(root(), data, NOW) else {
        return;
    };
    assert!(rev.revoked_at <= NOW + revocation::MAX_CLOCK_SKEW);
    assert_ne!(rev.site, CENTRAL);
    let mut list = RevocationList::new();
    assert_eq!(accept(&mut list, root(), data, NOW), Ok(true));
    assert_eq!(list.get(&rev.site), Some(&rev));
    assert_eq!(list.records().collect::<Vec<_>>(), vec![data]);
    assert_eq!(accept(&mut list, root(), data, NOW), Ok(false));
}

pub(crate) fn revocation_seeds() -> Vec<Seed> {
    let p = pki();
    let by_province = revocation::create(
        &site_key(PROVINCE),
        &p.province_tls,
        COMMUNE,
        ISSUED + 86_400,
    )
    .expect("the province revokes its commune");
    let by_central = revocation::create(&site_key(CENTRAL), &p.central_tls, PROVINCE, NOW - 60)
        .expect("central revokes a province");
    let mut altered = by_province.clone();
    if let Some(i) = altered.windows(5).position(|w| w == COMMUNE.as_bytes()) {
        altered[i + 4] = b'8';
    }
    vec![
        Seed::exact("valid-province-revokes-commune", by_province.clone()),
        Seed::exact("valid-central-revokes-province", by_central),
        Seed::exact("garbage-altered-site", altered),
        Seed::exact(
            "garbage-truncated",
            by_province[..by_province.len() - 30].to_vec(),
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// sealed_identity
// ---------------------------------------------------------------------------------------------

/// The identity sealed into the seeds.
const IDENTITY: &[u8] = "Nguyễn Văn An; 12 Hàng Bài, Hà Nội; 001085012345".as_bytes();

/// The sites of the fixed world that try to open a sealed identity.
const OPENERS: [&str; 3] = [COMMUNE, PROVINCE, SIBLING];

/// A sealed identity as it travels in a case event (CBOR of
/// `protocol::sealed::SealedIdentity`), opened with `keys::sealed::open` as each fixed site for
/// the fixed case: never panics; what opens opens only for this case, and re-wrapped for
/// central keeps every entry and opens to the same identity for the opener and (unless it was
/// listed already) for central.
pub fn sealed_identity(data: &[u8]) {
    let Ok(sealed) =
        tiepdan_protocol::cbor::decode_exact::<SealedIdentity>(data, "sealed identity")
    else {
        return;
    };
    let again: SealedIdentity =
        tiepdan_protocol::cbor::decode_exact(&to_cbor(&sealed), "sealed identity")
            .expect("re-encoded value decodes");
    assert_eq!(again, sealed);
    let central = site_key(CENTRAL);
    for site in OPENERS {
        let key = site_key(site);
        let Ok(plain) = open(&sealed, site, &key, CASE_ID) else {
            continue;
        };
        assert!(open(&sealed, site, &key, "00004-2026-000002").is_err());
        let add = [(CENTRAL.to_owned(), central.public_bytes())];
        // A site already listed is skipped (its entry kept as it is, even one that does not
        // open), so only a newly added central must open the value.
        let listed = sealed.recipients.iter().any(|r| r.site == CENTRAL);
        if let Ok(wider) = rewrap(&sealed, site, &key, &add, CASE_ID) {
            assert_eq!(wider.nonce, sealed.nonce);
            assert_eq!(wider.ciphertext, sealed.ciphertext);
            assert_eq!(
                wider.recipients[..sealed.recipients.len()],
                sealed.recipients[..]
            );
            if !listed {
                assert_eq!(
                    open(&wider, CENTRAL, &central, CASE_ID).as_ref(),
                    Ok(&plain)
                );
            }
            assert_eq!(open(&wider, site, &key, CASE_ID).as_ref(), Ok(&plain));
        }
    }
}

/// Whether `bytes` open as the commune to [`IDENTITY`]: what a valid sealed seed must do
/// (sealing draws random keys, so the seed's bytes differ every time it is made).
fn opens_to_identity(bytes: &[u8]) -> bool {
    tiepdan_protocol::cbor::decode_exact::<SealedIdentity>(bytes, "sealed identity")
        .ok()
        .and_then(|s| open(&s, COMMUNE, &site_key(COMMUNE), CASE_ID).ok())
        .is_some_and(|plain| plain == IDENTITY)
}

pub(crate) fn sealed_identity_seeds() -> Vec<Seed> {
    let to = |sites: &[&str]| -> Vec<(String, [u8; 32])> {
        sites
            .iter()
            .map(|s| (s.to_string(), site_key(s).public_bytes()))
            .collect()
    };
    let sealed = seal(IDENTITY, &to(&[COMMUNE, PROVINCE]), CASE_ID).expect("seal");
    let mut tampered = sealed.clone();
    if let Some(b) = tampered.ciphertext.last_mut() {
        *b ^= 1;
    }
    let mut relabelled = sealed.clone();
    relabelled.recipients[0].site = SIBLING.into();
    let bytes = to_cbor(&sealed);
    vec![
        Seed::valid(
            "valid-commune-and-province",
            bytes.clone(),
            opens_to_identity,
        ),
        Seed::valid(
            "valid-commune-only",
            to_cbor(&seal(IDENTITY, &to(&[COMMUNE]), CASE_ID).expect("seal")),
            opens_to_identity,
        ),
        Seed::valid("garbage-tampered", to_cbor(&tampered), |b| {
            !opens_to_identity(b) && b.len() > 100
        }),
        Seed::valid("garbage-relabelled", to_cbor(&relabelled), |b| {
            !opens_to_identity(b) && b.len() > 100
        }),
        Seed::exact(
            "garbage-short-nonce",
            to_cbor(&SealedIdentity {
                nonce: ByteBuf::from(vec![1; 3]),
                ciphertext: ByteBuf::from(vec![2; 20]),
                recipients: vec![],
            }),
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// p2p_hello
// ---------------------------------------------------------------------------------------------

/// The hello protocol's name (as in `node::federation::p2p`).
const HELLO_PROTOCOL: &str = "/tiepdan/hello/1";

type HelloCodec = request_response::cbor::codec::Codec<P2pHello, P2pHello>;

/// The libp2p admission hello (`node::federation::p2p::P2pHello` read by the request-response
/// CBOR codec the swarm uses, as a request and as a response), then the admission rule of
/// `p2p::admit`: its chain verifies against the fixed root and binds the connection's PeerId
/// (the commune's) and the site it names. Never panics; a hello re-encodes to the same hello;
/// exactly the commune's own chain, naming the commune, is admitted.
pub fn p2p_hello(data: &[u8]) {
    let protocol = StreamProtocol::new(HELLO_PROTOCOL);
    let mut codec = HelloCodec::default();
    let request = block_on(codec.read_request(&protocol, &mut Cursor::new(data)));
    let response = block_on(codec.read_response(&protocol, &mut Cursor::new(data)));
    assert_eq!(
        request.as_ref().map(to_cbor).ok(),
        response.as_ref().map(to_cbor).ok(),
        "request and response read differently"
    );
    let Ok(hello) = request else {
        return;
    };
    let mut out = Cursor::new(Vec::new());
    block_on(codec.write_request(&protocol, &mut out, hello.clone())).expect("write");
    let back = block_on(codec.read_request(&protocol, &mut Cursor::new(out.into_inner())))
        .expect("our own hello reads");
    assert_eq!(to_cbor(&back), to_cbor(&hello), "did not round-trip");

    let chain: Vec<CertificateDer<'_>> = hello
        .chain
        .iter()
        .map(|c| CertificateDer::from(c.as_slice()))
        .collect();
    let peer = site_key(COMMUNE).peer_id();
    if let Some(v) = verify_and_revoke(&chain) {
        let admitted = v.peer_id == peer && v.site == hello.site;
        assert_eq!(
            admitted,
            v.site == COMMUNE && hello.site == COMMUNE,
            "admitted another site's chain"
        );
    }
}

pub(crate) fn p2p_hello_seeds() -> Vec<Seed> {
    let p = pki();
    let hello = |site: &str, chain: &Chain| P2pHello {
        site: site.into(),
        chain: ders(chain).into_iter().map(ByteBuf::from).collect(),
        quic_addrs: vec!["203.0.113.7:4433".into()],
    };
    let own = to_cbor(&hello(COMMUNE, &p.commune_tls));
    vec![
        Seed::exact("valid-commune", own.clone()),
        Seed::exact("valid-province", to_cbor(&hello(PROVINCE, &p.province_tls))),
        Seed::exact(
            "garbage-site-mismatch",
            to_cbor(&hello(SIBLING, &p.commune_tls)),
        ),
        Seed::exact("garbage-truncated", own[..own.len() / 3].to_vec()),
    ]
}
