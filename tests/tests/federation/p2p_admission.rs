//! Tier 3: libp2p admission. A libp2p peer must prove its federation chain over
//! `/tiepdan/hello/1` within 5 s or it is dropped; a chain from another root is refused at once.

use std::time::{Duration, Instant};

use futures::StreamExt;
use libp2p::swarm::SwarmEvent;
use libp2p::{noise, ping, tcp, yamux, Multiaddr};
use tiepdan_keys::cert::Chain;
use tiepdan_keys::identity::SiteKey;
use tiepdan_node::federation::p2p::P2pHello;
use tiepdan_tests::{eventually, federation, metric_value, metrics, DEADLINE};

fn p2p_addr(fed: &tiepdan_tests::LocalFederation, code: &str) -> Multiaddr {
    format!("/ip4/127.0.0.1/tcp/{}", fed.site(code).unwrap().p2p.port())
        .parse()
        .unwrap()
}

/// Dials with a swarm that can only ping, and reports how long the node kept the connection.
async fn silent_peer(addr: Multiaddr) -> Option<Duration> {
    let mut swarm = libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_tcp(
            tcp::Config::default(),
            noise::Config::new,
            yamux::Config::default,
        )
        .unwrap()
        .with_behaviour(|_| ping::Behaviour::new(ping::Config::new()))
        .unwrap()
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
        .build();
    swarm.dial(addr.clone()).unwrap();
    let mut established = None;
    let deadline = tokio::time::sleep(Duration::from_secs(20));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = &mut deadline => return None,
            ev = swarm.select_next_some() => match ev {
                SwarmEvent::ConnectionEstablished { .. } => established = Some(Instant::now()),
                SwarmEvent::ConnectionClosed { .. } => return established.map(|t| t.elapsed()),
                // The node's HTTP API can answer before its libp2p listener is up (a loaded
                // machine starts them in either order): dial again until it is.
                SwarmEvent::OutgoingConnectionError { .. } if established.is_none() => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    swarm.dial(addr.clone()).unwrap();
                }
                _ => {}
            }
        }
    }
}

#[test]
fn a_libp2p_peer_that_never_proves_its_chain_is_dropped() {
    let (_dir, mut fed) = federation(&["VN"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.api("VN", "status").is_ok()));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let kept = rt
        .block_on(silent_peer(p2p_addr(&fed, "VN")))
        .expect("the node never dropped the silent peer");
    // Dropped by the admission deadline, not by some idle timeout much later.
    assert!(kept < Duration::from_secs(15), "kept for {kept:?}");
    let m = metrics(&fed, "VN");
    assert!(
        metric_value(
            &m,
            "tiepdan_handshake_refusals_total",
            &["transport=\"libp2p\"", "reason=\"no_hello\""]
        ) >= 1.0,
        "{m}"
    );
    assert_eq!(metric_value(&m, "tiepdan_p2p_peers_proven", &[]), 0.0);
}

#[test]
fn a_libp2p_hello_with_a_foreign_chain_is_refused() {
    let (_dir, mut fed) = federation(&["VN"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.api("VN", "status").is_ok()));
    // A province of another federation, speaking our hello protocol with its own key.
    let other = tempfile::tempdir().unwrap();
    let other_fed = tiepdan_node::lab::processes::LocalFederation::create(
        tiepdan_tests::tiepdan_bin(),
        other.path(),
        &["VN", "01"],
    )
    .unwrap();
    let data = &other_fed.site("01").unwrap().data;
    let key = SiteKey::load(&data.key_path()).unwrap();
    let chain = Chain::from_pem(&std::fs::read_to_string(data.tls_chain_path()).unwrap()).unwrap();
    let hello = P2pHello {
        site: "01".into(),
        chain: chain
            .der_list()
            .iter()
            .map(|c| serde_bytes::ByteBuf::from(c.to_vec()))
            .collect(),
        quic_addrs: vec![],
    };
    let addr = p2p_addr(&fed, "VN");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let closed = rt.block_on(async move {
        tiepdan_tests::hostile::p2p_hello_until_closed(&key, addr, hello, Duration::from_secs(20))
            .await
    });
    assert!(closed, "the node kept a peer of another federation");
    let m = metrics(&fed, "VN");
    assert!(
        metric_value(
            &m,
            "tiepdan_handshake_refusals_total",
            &["transport=\"libp2p\"", "reason=\"unknown_root\""]
        ) >= 1.0,
        "{m}"
    );
}
