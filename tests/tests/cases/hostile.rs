//! Tier 3: events from hostile or broken peers — forged, mis-signed, out of audience,
//! replayed — are refused, counted in metrics, and never stored.
//!
//! The federation runs as real processes. The peers are raw QUIC clients with real commune
//! certificates that speak the replication channel by hand.

use tiepdan_keys::cert::Chain;
use tiepdan_node::site::clock::unix_now;
use tiepdan_tests::hostile::{certify, genesis, send_batches, send_batches_with};
use tiepdan_tests::{call, eventually, federation, metric_value, metrics, DEADLINE};

#[test]
fn forged_mis_signed_out_of_audience_and_replayed_events_are_refused_and_counted() {
    let (_dir, mut fed) = federation(&["VN", "01", "79", "00004"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let addr = fed.site("01").unwrap().quic;
    let ours = certify(&fed, "01", "00025"); // a commune of 01
    let foreign = certify(&fed, "79", "25750"); // a commune of 79

    let good = genesis("00025-2026-00001", "00025", &ours.key);
    // Forged: claims to be written by commune 00004, whose key 01 knows, but signed by 00025.
    let forged = genesis("00004-2026-00777", "00004", &ours.key);
    // Mis-signed: a valid event with one signature byte flipped.
    let mut mis_signed = genesis("00025-2026-00002", "00025", &ours.key);
    let last = mis_signed.len() - 1;
    mis_signed[last] ^= 0x01;
    // Out of audience: a case of 79's commune has nothing to do with province 01.
    let outsider = genesis("25750-2026-00001", "25750", &foreign.key);

    let rt = tokio::runtime::Runtime::new().unwrap();
    let acks = rt.block_on(async {
        let mut acks = send_batches(
            addr,
            &ours,
            vec![
                vec![good.clone()],
                vec![forged, mis_signed],
                vec![good.clone()],
            ],
        )
        .await;
        acks.extend(send_batches(addr, &foreign, vec![vec![outsider]]).await);
        acks
    });
    assert_eq!(
        acks,
        vec![(1, 0), (0, 2), (0, 1), (0, 1)],
        "accepted/rejected per batch; log of 01:\n{}",
        tiepdan_tests::node_log(&fed, "01")
            .lines()
            .filter(|l| l.contains("rejected"))
            .collect::<Vec<_>>()
            .join("\n")
    );

    let m = metrics(&fed, "01");
    for (reason, n) in [
        ("bad_signature", 2.0),
        ("replayed", 1.0),
        ("out_of_audience", 1.0),
    ] {
        let label = format!("reason=\"{reason}\"");
        assert!(
            metric_value(&m, "tiepdan_events_rejected_total", &[&label]) >= n,
            "{reason} not counted:\n{m}"
        );
    }
    // Only the genuine event was stored, and it travels on to central (its audience).
    assert_eq!(
        call(&fed, "01", "GET", "cases/00025-2026-00001", None, None).0,
        200
    );
    for refused in ["00004-2026-00777", "00025-2026-00002", "25750-2026-00001"] {
        assert_eq!(
            call(&fed, "01", "GET", &format!("cases/{refused}"), None, None).0,
            404,
            "{refused} was stored"
        );
    }
    assert!(eventually(DEADLINE, || call(
        &fed,
        "VN",
        "GET",
        "cases/00025-2026-00001",
        None,
        None
    )
    .0 == 200));
    assert_eq!(
        call(&fed, "00004", "GET", "cases/00025-2026-00001", None, None).0,
        404,
        "a sibling received it"
    );
}

#[test]
fn a_commune_cannot_take_the_case_ids_of_its_province_a_sibling_or_central() {
    let (_dir, mut fed) = federation(&["VN", "01", "00004"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let addr = fed.site("01").unwrap().quic;
    let ours = certify(&fed, "01", "00025");
    // Validly signed by 00025 itself, for ids that name other sites: the province's next case,
    // the sibling's and central's.
    let taken = ["01-2026-00001", "00004-2026-00001", "VN-2026-00001"]
        .map(|id| genesis(id, "00025", &ours.key));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let acks = rt.block_on(send_batches(addr, &ours, vec![taken.to_vec()]));
    assert_eq!(acks, vec![(0, 3)]);
    let m = metrics(&fed, "01");
    assert!(
        metric_value(
            &m,
            "tiepdan_events_rejected_total",
            &["reason=\"not_owner\""]
        ) >= 3.0,
        "{m}"
    );
    for id in ["01-2026-00001", "00004-2026-00001", "VN-2026-00001"] {
        assert_eq!(
            call(&fed, "01", "GET", &format!("cases/{id}"), None, None).0,
            404
        );
    }
    // The province's real reception then takes that id, as a first reception, and the
    // impostor is nowhere in its audience.
    let (status, v) = call(
        &fed,
        "01",
        "POST",
        "receptions",
        Some(&tiepdan_tests::reception("petition", "Nguyễn Thị Thật")),
        None,
    );
    assert_eq!(
        (status, v["case_id"].as_str()),
        (201, Some("01-2026-00001")),
        "{v}"
    );
    let (status, case) = call(&fed, "01", "GET", "cases/01-2026-00001", None, None);
    assert_eq!(status, 200);
    assert_eq!(
        case["reception"]["identity"]["plain"]["name"], "Nguyễn Thị Thật",
        "{case}"
    );
    assert!(
        !case["audience"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "00025"),
        "{case}"
    );
}

#[test]
fn a_peer_cannot_replace_the_nodes_own_key() {
    let (_dir, mut fed) = federation(&["VN", "01", "00004"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let addr = fed.site("00004").unwrap().quic;
    // A sibling sends, with a batch, a second valid chain for 00004 itself: a new key its
    // province signed (a careless or compromised province can).
    let sibling = certify(&fed, "01", "00025");
    // Newer than 00004's own certificate, so "the newest certificate wins" alone would take it.
    let own = Chain::from_pem(
        &std::fs::read_to_string(fed.site("00004").unwrap().data.tls_chain_path()).unwrap(),
    )
    .unwrap();
    let own_since = own.site_certs()[0].not_before;
    assert!(eventually(DEADLINE, || unix_now() > own_since));
    let impostor = certify(&fed, "01", "00004");
    let event = genesis("00025-2026-00001", "00025", &sibling.key);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let acks = rt.block_on(send_batches_with(
        addr,
        &sibling,
        vec![vec![event]],
        &[&impostor.chain],
    ));
    assert_eq!(acks.len(), 1);
    // A denunciation entered at 00004 afterwards is sealed to 00004's own key, so its officer
    // can still open it.
    let name = "Đỗ Thị Người Tố Cáo";
    let (status, v) = call(
        &fed,
        "00004",
        "POST",
        "receptions",
        Some(&tiepdan_tests::reception("denunciation", name)),
        None,
    );
    assert_eq!(status, 201, "{v}");
    let id = v["case_id"].as_str().unwrap().to_owned();
    let officer = fed.site("00004").unwrap().officer.clone();
    let (status, v) = call(
        &fed,
        "00004",
        "GET",
        &format!("cases/{id}/identity"),
        None,
        Some(&officer),
    );
    assert_eq!((status, v["name"].as_str()), (200, Some(name)), "{v}");
}
