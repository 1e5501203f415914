//! Tier 3: sites that must never be admitted, and peers that misbehave.
//!
//! The federation runs as real processes; each hostile peer is a raw QUIC client that trusts the
//! federation's root (so it does present its own chain) but holds a chain no node may accept.

use std::net::SocketAddr;
use std::time::Duration;

use tiepdan_keys::cert::{issue, make_request, parse_request, Chain};
use tiepdan_keys::identity::SiteKey;
use tiepdan_node::lab::peer as peer_client;
use tiepdan_node::site::clock::unix_now;
use tiepdan_tests::hostile::{authority_of, dial, forged, load_tls};
use tiepdan_tests::{eventually, federation, metric_value, metrics, node_log, tiepdan, DEADLINE};

/// The peer is refused: no connection, or one the node closes at once.
async fn assert_refused(addr: SocketAddr, key: &SiteKey, chain: &Chain, root: &Chain, what: &str) {
    if let Some(conn) = dial(addr, key, chain, root).await {
        let closed = tokio::time::timeout(Duration::from_secs(10), conn.closed()).await;
        assert!(closed.is_ok(), "{what}: the node kept the connection open");
    }
}

#[test]
fn sites_that_must_never_be_connected() {
    let (dir, mut fed) = federation(&["VN", "01", "00070"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let province = fed.site("01").unwrap();
    let addr = province.quic;
    let (_, our_chain) = load_tls(&province.data);
    let authority01 = authority_of(&province.data);
    let now = unix_now();

    // 1. A site certified by another federation's root.
    let other = tempfile::tempdir().unwrap();
    let other_fed = tiepdan_node::lab::processes::LocalFederation::create(
        tiepdan_tests::tiepdan_bin(),
        other.path(),
        &["VN", "01", "00073"],
    )
    .unwrap();
    let (other_key, other_chain) = load_tls(&other_fed.site("00073").unwrap().data);
    // 2. A commune of province 79 certified by province 01.
    let (wrong_key, wrong_chain) = forged(&authority01, "26506", 30, now);
    // 3. A commune whose certificate expired yesterday.
    let (old_key, old_chain) = forged(&authority01, "00004", 1, now - 3 * 86_400);
    // 4. A commune revoked by its province while its node is running.
    let revoked_key = SiteKey::generate();
    let revoked_req = parse_request(&make_request(&revoked_key, "00008").unwrap()).unwrap();
    let revoked_chain = issue(&authority01, &revoked_req, 30, now).unwrap();
    let out = tiepdan(&[
        "revoke",
        "--data",
        province.data.root().to_str().unwrap(),
        "--site",
        "00008",
    ]);
    assert!(out.status.success(), "{}", tiepdan_tests::stderr(&out));

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        assert_refused(addr, &other_key, &other_chain, &our_chain, "other root").await;
        assert_refused(addr, &wrong_key, &wrong_chain, &our_chain, "wrong province").await;
        assert_refused(addr, &old_key, &old_chain, &our_chain, "expired").await;
        assert_refused(addr, &revoked_key, &revoked_chain, &our_chain, "revoked").await;
    });

    let m = metrics(&fed, "01");
    let log = node_log(&fed, "01");
    for reason in ["unknown_root", "wrong_parent", "expired", "revoked"] {
        let label = format!("reason=\"{reason}\"");
        assert!(
            metric_value(&m, "tiepdan_handshake_refusals_total", &[&label]) >= 1.0,
            "no {reason} refusal counted:\n{m}"
        );
        assert!(log.contains(reason), "the log of 01 does not name {reason}");
    }
    for code in ["VN", "01", "00070"] {
        let linked = fed.connected(code);
        for bad in ["00073", "26506", "00004", "00008"] {
            assert!(
                !linked.contains(&bad.to_owned()),
                "{code} is connected to {bad}"
            );
        }
    }
    // The legitimate link was never disturbed.
    assert!(fed.connected("00070").contains(&"01".to_owned()));
    drop(dir);
}

#[test]
fn a_peer_sending_garbage_frames_is_dropped_and_others_are_unharmed() {
    let (_dir, mut fed) = federation(&["VN", "01", "00070"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let province = fed.site("01").unwrap();
    let (_, our_chain) = load_tls(&province.data);
    let (key, chain) = forged(&authority_of(&province.data), "00025", 30, unix_now());
    let addr = province.quic;

    let rt = tokio::runtime::Runtime::new().unwrap();
    let closed = rt.block_on(async {
        let conn = dial(addr, &key, &chain, &our_chain)
            .await
            .expect("a valid site is admitted");
        let (mut send, _recv) = conn.open_bi().await.unwrap();
        // A length prefix that fits, then bytes that are not CBOR.
        let mut junk = vec![0, 0, 0, 12];
        junk.extend_from_slice(b"\xff\xfe\xfdnot a frame");
        send.write_all(&junk).await.unwrap();
        tokio::time::timeout(Duration::from_secs(10), conn.closed())
            .await
            .is_ok()
    });
    assert!(closed, "the node kept a link that sent garbage");
    assert!(eventually(DEADLINE, || metric_value(
        &metrics(&fed, "01"),
        "tiepdan_bad_frames_total",
        &[]
    ) >= 1.0));
    assert!(!fed.connected("01").contains(&"00025".to_owned()));
    assert!(
        fed.connected("00070").contains(&"01".to_owned()),
        "a good link was disturbed"
    );
    assert_eq!(
        fed.api("01", "status").unwrap()["site"],
        "01",
        "the node stopped answering"
    );
}

/// Admitted as (key, chain) with `revocations` in our hello, the way a peer spreads them.
async fn hello_with_revocations(
    addr: SocketAddr,
    site: &str,
    key: &SiteKey,
    chain: &Chain,
    revocations: Vec<Vec<u8>>,
) {
    use tiepdan_protocol::control::{encode_frame, ControlFrame, Hello, PROTOCOL_VERSION};
    let hello = encode_frame(&ControlFrame::Hello(Hello {
        versions: vec![PROTOCOL_VERSION],
        site: site.to_owned(),
        chain: chain
            .der_list()
            .iter()
            .map(|c| serde_bytes::ByteBuf::from(c.to_vec()))
            .collect(),
        quic_addrs: vec![],
        p2p_addrs: vec![],
        http_addr: None,
        revocations: revocations
            .into_iter()
            .map(serde_bytes::ByteBuf::from)
            .collect(),
    }));
    let conn = dial(addr, key, chain, chain).await.expect("admitted");
    peer_client::admitted(&conn, &hello)
        .await
        .expect("the node admitted us");
    conn.close(0u32.into(), b"done");
}

fn revoked_sites(fed: &tiepdan_tests::LocalFederation, code: &str) -> Vec<String> {
    let list = fed.api(code, "revocations").unwrap();
    let mut sites: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["site"].as_str().unwrap().to_owned())
        .collect();
    sites.sort();
    sites
}

#[test]
fn a_revoked_province_can_no_longer_revoke_its_communes() {
    let (_dir, mut fed) = federation(&["VN", "01", "00004"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let vn = fed.site("VN").unwrap();
    let (vn_key, vn_tls) = load_tls(&vn.data);
    let (p_key, p_tls) = load_tls(&fed.site("01").unwrap().data);
    let t0 = unix_now();
    // Central revokes province 01 at t0; 01 signs a revocation of its commune dated after.
    let of_province = tiepdan_keys::revocation::create(&vn_key, &vn_tls, "01", t0).unwrap();
    let by_revoked = tiepdan_keys::revocation::create(&p_key, &p_tls, "00004", t0 + 1).unwrap();
    // A peer in good standing (province 79, certified by central) carries them to central.
    let (key79, ca79) = forged(&authority_of(&vn.data), "79", 30, t0 - 60);
    let chain79 = tiepdan_keys::cert::make_own_leaf(&key79, &ca79, 30, t0).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let carry = |records: Vec<Vec<u8>>| {
        rt.block_on(hello_with_revocations(
            vn.quic, "79", &key79, &chain79, records,
        ))
    };
    let refused = |fed: &tiepdan_tests::LocalFederation| {
        metric_value(
            &metrics(fed, "VN"),
            "tiepdan_revocations_refused_total",
            &["reason=\"issuer_revoked\""],
        )
    };

    // Before central knows 01 is revoked, 01's record is taken.
    carry(vec![by_revoked.clone()]);
    assert!(eventually(DEADLINE, || revoked_sites(&fed, "VN") == ["00004"]));
    // Central's revocation of 01 arrives: 01 is revoked, and the record 01 signed after it is
    // dropped and counted.
    carry(vec![of_province]);
    assert!(
        eventually(DEADLINE, || revoked_sites(&fed, "VN") == ["01"]),
        "{:?}",
        revoked_sites(&fed, "VN")
    );
    assert!(refused(&fed) >= 1.0);
    // Offered again, it is refused and counted; nothing held changes.
    carry(vec![by_revoked]);
    assert!(eventually(DEADLINE, || refused(&fed) >= 2.0));
    assert_eq!(revoked_sites(&fed, "VN"), ["01"]);
    // The store holds the same after a restart.
    fed.stop("VN").unwrap();
    fed.start("VN").unwrap();
    assert!(eventually(DEADLINE, || fed.api("VN", "status").is_ok()));
    assert_eq!(revoked_sites(&fed, "VN"), ["01"]);
}

#[test]
fn a_peer_whose_certificate_expires_is_dropped_without_waiting_for_a_revocation() {
    let (_dir, mut fed) = federation(&["VN", "01"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let province = fed.site("01").unwrap();
    // A commune certificate of one day that started a day ago, less 8 seconds.
    let (key, chain) = forged(
        &authority_of(&province.data),
        "00004",
        1,
        unix_now() - 86_400 + 8,
    );
    let root =
        Chain::from_pem(&std::fs::read_to_string(province.data.tls_chain_path()).unwrap()).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let reason = rt.block_on(async {
        let conn = dial(province.quic, &key, &chain, &root)
            .await
            .expect("admitted while valid");
        let _control = peer_client::admitted(&conn, &peer_client::hello_frame("00004", &chain))
            .await
            .expect("admitted while valid");
        tokio::time::timeout(Duration::from_secs(60), conn.closed())
            .await
            .expect("the link outlived its certificate")
    });
    assert!(reason.to_string().contains("expired"), "{reason}");
}
