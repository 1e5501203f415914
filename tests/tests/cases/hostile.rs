//! Tier 3: events from hostile or broken peers — forged, mis-signed, out of audience,
//! replayed — are refused, counted in metrics, and never stored.
//!
//! The federation runs as real processes. The peers are raw QUIC clients with real commune
//! certificates that speak the replication channel by hand.

use std::net::SocketAddr;
use std::time::Duration;

use serde_bytes::ByteBuf;
use tiepdan_keys::cert::{issue, make_request, parse_request, Authority, Chain};
use tiepdan_keys::identity::SiteKey;
use tiepdan_node::lab::peer as peer_client;
use tiepdan_node::site::clock::unix_now;
use tiepdan_protocol::case::{self, CaseEvent, Citizen, IdType, Identity, Kind, Reception};
use tiepdan_protocol::log::{sign_event, EventBody};
use tiepdan_protocol::replication::{decode_repl, encode_repl, frame_len, ReplMsg};
use tiepdan_tests::{call, eventually, federation, metric_value, metrics, DEADLINE};

struct Peer {
    site: String,
    key: SiteKey,
    chain: Chain,
}

fn certify(fed: &tiepdan_tests::LocalFederation, province: &str, site: &str) -> Peer {
    let data = &fed.site(province).unwrap().data;
    let pkey = SiteKey::load(&data.key_path()).unwrap();
    let tls = Chain::from_pem(&std::fs::read_to_string(data.tls_chain_path()).unwrap()).unwrap();
    let authority = Authority::new(
        pkey,
        Chain::new(tls.der_list()[1..].to_vec()).unwrap(),
        unix_now(),
    )
    .unwrap();
    let key = SiteKey::generate();
    let chain = issue(
        &authority,
        &parse_request(&make_request(&key, site).unwrap()).unwrap(),
        30,
        unix_now(),
    )
    .unwrap();
    Peer {
        site: site.to_owned(),
        key,
        chain,
    }
}

/// A genesis event of a new case, authored by `author` and signed with `signer`.
fn genesis(case_id: &str, author: &str, signer: &SiteKey) -> Vec<u8> {
    let reception = Reception {
        date: case::parse_date("2026-11-20").unwrap(),
        identity: Identity::Plain(Citizen {
            name: "Vũ Văn Giả".into(),
            address: "Thôn 3".into(),
            id_type: IdType::Cccd,
            id_number: "001085099999".into(),
        }),
        summary: "Kiến nghị về đường giao thông".into(),
        kind: Kind::Petition,
        people_count: 1,
        prior_bodies: vec![],
        request: "Sửa đường".into(),
        direction: None,
        notes: String::new(),
        officer: "X".into(),
        representatives: vec![],
        evidence: vec![],
        refusal: None,
    };
    let body = EventBody::new(
        case_id,
        author,
        &[],
        unix_now() * 1000,
        case::encode_event(&CaseEvent::Received { reception }),
    );
    sign_event(
        &body,
        &ed25519_dalek::SigningKey::from_bytes(&signer.seed()),
    )
}

async fn read_msg(recv: &mut quinn::RecvStream) -> ReplMsg {
    let mut prefix = [0u8; 4];
    recv.read_exact(&mut prefix).await.unwrap();
    let mut body = vec![0u8; frame_len(prefix).unwrap()];
    recv.read_exact(&mut body).await.unwrap();
    decode_repl(&body).unwrap()
}

/// Connects as `peer`, says hello, then sends each batch on a replication stream; returns acks.
async fn send_batches(
    addr: SocketAddr,
    peer: &Peer,
    batches: Vec<Vec<Vec<u8>>>,
) -> Vec<(u32, u32)> {
    send_batches_with(addr, peer, batches, &[]).await
}

/// [`send_batches`], with `extra` chains sent along with the peer's own.
async fn send_batches_with(
    addr: SocketAddr,
    peer: &Peer,
    batches: Vec<Vec<Vec<u8>>>,
    extra: &[&Chain],
) -> Vec<(u32, u32)> {
    let ep = peer_client::endpoint_as(&peer.key, &peer.chain, peer.chain.root()).unwrap();
    let conn = ep.connect(addr, "tiepdan.internal").unwrap().await.unwrap();
    let _control = peer_client::admitted(&conn, &peer_client::hello_frame(&peer.site, &peer.chain))
        .await
        .expect("the node admitted us");
    let chains: Vec<Vec<ByteBuf>> = std::iter::once(&peer.chain)
        .chain(extra.iter().copied())
        .map(|chain| {
            chain
                .der_list()
                .iter()
                .map(|c| ByteBuf::from(c.to_vec()))
                .collect()
        })
        .collect();
    let mut acks = Vec::new();
    for batch in batches {
        let (mut send, mut recv) = peer_client::replication_stream(&conn).await.unwrap();
        let msg = ReplMsg::Events {
            events: batch.into_iter().map(ByteBuf::from).collect(),
            chains: chains.clone(),
        };
        send.write_all(&encode_repl(&msg)).await.unwrap();
        match tokio::time::timeout(Duration::from_secs(10), read_msg(&mut recv))
            .await
            .unwrap()
        {
            ReplMsg::Ack { accepted, rejected } => acks.push((accepted, rejected)),
            other => panic!("expected an ack, got {other:?}"),
        }
        send.write_all(&encode_repl(&ReplMsg::Done)).await.unwrap();
    }
    conn.close(0u32.into(), b"done");
    acks
}

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
