//! Tier 3: introductions cannot aim a node's dials. A commune that tells its sibling "00070
//! is at this address", giving the address of another province, makes the sibling dial it once:
//! the site that answers is not the one expected, the link is closed, counted
//! (`unexpected_site`) and not retried; and what a commune says about sites it does not link
//! with is not taken at all (`peers_not_vouched`).

use std::time::Duration;

use tiepdan_node::lab::peer as peer_client;
use tiepdan_protocol::control::{encode_frame, ControlFrame, PeerRecord};
use tiepdan_tests::hostile::certify;
use tiepdan_tests::{eventually, federation, metric_value, metrics, DEADLINE};

fn refused(fed: &tiepdan_tests::LocalFederation, at: &str, reason: &str) -> f64 {
    metric_value(
        &metrics(fed, at),
        "tiepdan_handshake_refusals_total",
        &[&format!("reason=\"{reason}\"")],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_introduction_cannot_aim_a_dial_at_another_site() {
    // 00004 dials its ancestors and siblings, never province 79: an address of 79 is one it
    // has no dial to yet.
    let (_dir, mut fed) = federation(&["VN", "01", "79", "00004"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let target = fed.site("00004").unwrap().quic;
    let elsewhere = fed.site("79").unwrap().quic;
    let peer = certify(&fed, "01", "00008");
    let ep = peer_client::endpoint_as(&peer.key, &peer.chain, peer.chain.root()).unwrap();
    let conn = ep
        .connect(target, "tiepdan.internal")
        .unwrap()
        .await
        .unwrap();
    let (mut control, _recv) =
        peer_client::admitted(&conn, &peer_client::hello_frame(&peer.site, &peer.chain))
            .await
            .unwrap();
    let record = |site: &str| PeerRecord {
        site: site.to_owned(),
        peer_id: "12D3KooWExample".into(),
        quic_addrs: vec![elsewhere.to_string()],
        p2p_addrs: vec![],
    };
    // 00070 is a sibling of both communes: 00004 wants a link to it and dials the address.
    // 79 is another province: a commune does not link with it, so the record is not taken.
    let frame = ControlFrame::Peers(vec![record("00070"), record("79")]);
    control.write_all(&encode_frame(&frame)).await.unwrap();
    assert!(
        eventually(DEADLINE, || refused(&fed, "00004", "unexpected_site")
            >= 1.0),
        "the dial to the wrong site was not refused: {}",
        metrics(&fed, "00004")
    );
    assert!(refused(&fed, "00004", "peers_not_vouched") >= 1.0);
    // Not retried, and the federation's own links are untouched.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        refused(&fed, "00004", "unexpected_site"),
        1.0,
        "the wrong dial was retried"
    );
    assert!(fed.formed(), "the federation lost a link");
    drop(control);
    conn.close(0u32.into(), b"done");
}

/// Reads the `Peers` frames a node sends on a control stream for `quiet` after the last one:
/// every site they name.
async fn introduced(
    recv: &mut quinn::RecvStream,
    mut decoder: tiepdan_protocol::control::FrameDecoder,
    quiet: Duration,
) -> std::collections::BTreeSet<String> {
    let mut sites = std::collections::BTreeSet::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        while let Ok(Some(frame)) = decoder.next_frame() {
            if let ControlFrame::Peers(records) = frame {
                sites.extend(records.into_iter().map(|r| r.site));
            }
        }
        match tokio::time::timeout(quiet, recv.read(&mut buf)).await {
            Ok(Ok(Some(n))) => decoder.push(&buf[..n]).unwrap(),
            _ => return sites,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn central_introduces_a_commune_to_its_own_and_the_provinces_only() {
    // Central links with every site. A commune that links to it hears of central, its province,
    // its siblings and the provinces, never of another province's communes: a list of every
    // link to every newcomer would cost central the square of its 3,355 links.
    let other = tiepdan_protocol::sites::Registry::official().children("79")[0].clone();
    let (_dir, mut fed) = federation(&["VN", "01", "79", "00004", &other]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    assert!(
        eventually(DEADLINE, || fed.connected("VN").len() == 4),
        "central does not link with every site: {:?}",
        fed.connected("VN")
    );
    let peer = certify(&fed, "01", "00008");
    let ep = peer_client::endpoint_as(&peer.key, &peer.chain, peer.chain.root()).unwrap();
    let conn = ep
        .connect(fed.site("VN").unwrap().quic, "tiepdan.internal")
        .unwrap()
        .await
        .unwrap();
    let (_control, mut recv, decoder) =
        peer_client::admitted_reading(&conn, &peer_client::hello_frame(&peer.site, &peer.chain))
            .await
            .unwrap();
    let sites = introduced(&mut recv, decoder, Duration::from_secs(2)).await;
    for wanted in ["VN", "01", "79", "00004"] {
        assert!(sites.contains(wanted), "{wanted} not introduced: {sites:?}");
    }
    assert!(
        !sites.contains(&other),
        "a commune of another province was introduced: {sites:?}"
    );
    conn.close(0u32.into(), b"done");
}
