//! Harness for tier-3 tests: real `tiepdan` processes on loopback.
//!
//! Owns finding the built binary, running CLI commands, and waiting for conditions with a
//! deadline (never sleeping and hoping). Federations are built with the node's own
//! `LocalFederation`, which follows the same init → issue → install procedure as an officer.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub use tiepdan_node::lab::processes::{LocalFederation, Staff};

/// Generous: two cores run several federations at once under `cargo test`.
pub const DEADLINE: Duration = Duration::from_secs(40);

/// The `tiepdan` binary built next to this test binary (scripts/test.sh builds it first).
pub fn tiepdan_bin() -> PathBuf {
    if let Ok(p) = std::env::var("TIEPDAN_BIN") {
        return PathBuf::from(p);
    }
    // target/debug/deps/<test> → target/debug/tiepdan
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let bin = dir.join("tiepdan");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p tiepdan-node --bin tiepdan` first",
        bin.display()
    );
    bin
}

/// Runs `tiepdan ARGS…` to completion.
pub fn tiepdan(args: &[&str]) -> Output {
    Command::new(tiepdan_bin())
        .args(args)
        .output()
        .expect("run tiepdan")
}

/// [`tiepdan`] with an English locale, for tests that read the English report (the terminal
/// speaks Vietnamese by default; `federation::terminal_language` checks that).
pub fn tiepdan_en(args: &[&str]) -> Output {
    Command::new(tiepdan_bin())
        .args(args)
        .env("LC_ALL", "en_US.UTF-8")
        .output()
        .expect("run tiepdan")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Polls `f` until it is true or the deadline passes; returns whether it became true.
pub fn eventually(deadline: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + deadline;
    loop {
        if f() {
            return true;
        }
        if Instant::now() > end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A federation of the given official sites, created under a fresh temporary folder.
pub fn federation(codes: &[&str]) -> (tempfile::TempDir, LocalFederation) {
    let dir = tempfile::Builder::new()
        .prefix("tiepdan-test-")
        .tempdir()
        .expect("tempdir");
    let fed = LocalFederation::create(tiepdan_bin(), dir.path(), codes).expect("create federation");
    (dir, fed)
}

/// The Prometheus text of a site.
pub fn metrics(fed: &LocalFederation, code: &str) -> String {
    let s = fed.site(code).expect("site");
    let mut r = tiepdan_node::cli::client::agent()
        .get(&format!("http://{}/metrics", s.http))
        .header("Authorization", &format!("Bearer {}", s.token))
        .call()
        .expect("metrics");
    r.body_mut().read_to_string().expect("metrics body")
}

/// The value of a counter line with all the given label fragments, summed.
pub fn metric_value(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(name) && labels.iter().all(|f| l.contains(f)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

pub fn node_log(fed: &LocalFederation, code: &str) -> String {
    let s = fed.site(code).expect("site");
    std::fs::read_to_string(s.data.root().join("node.log")).unwrap_or_default()
}

/// Calls a site's API as its demo officer (or with `token`); returns (status, JSON body).
pub fn call(
    fed: &LocalFederation,
    code: &str,
    method: &str,
    path: &str,
    body: Option<&serde_json::Value>,
    token: Option<&str>,
) -> (u16, serde_json::Value) {
    let s = fed.site(code).expect("site");
    tiepdan_node::cli::client::api_status(s.http, token.unwrap_or(&s.officer), method, path, body)
}

/// A GET as the site's demo officer, whatever it answers: (status, content type, body bytes).
/// For the files the API serves (XLSX, SVG, print pages).
pub fn get_raw(fed: &LocalFederation, code: &str, path: &str) -> (u16, String, Vec<u8>) {
    let s = fed.site(code).expect("site");
    let mut r = tiepdan_node::cli::client::agent()
        .get(&format!("http://{}/api/v1/{path}", s.http))
        .header("Authorization", &format!("Bearer {}", s.officer))
        .call()
        .expect("the node answers");
    let kind = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = r
        .body_mut()
        .with_config()
        .limit(1 << 26)
        .read_to_vec()
        .unwrap_or_default();
    (r.status().as_u16(), kind, body)
}

/// Who at a site writes a session event: the chair for the chair's acts, else the officer.
pub fn staff_for(event: &serde_json::Value) -> Staff {
    use tiepdan_protocol::access::{session_event_action, Action};
    match serde_json::from_value::<tiepdan_protocol::session::SessionEvent>(event.clone()) {
        Ok(ev) if session_event_action(&ev) == Action::SessionChair => Staff::Chair,
        _ => Staff::Officer,
    }
}

/// Records a session event at `at` as the staff member whose role does it ([`staff_for`]).
pub fn act(
    fed: &LocalFederation,
    at: &str,
    id: &str,
    event: serde_json::Value,
) -> (u16, serde_json::Value) {
    let token = fed
        .site(at)
        .expect("site")
        .token_of(staff_for(&event))
        .to_owned();
    call(
        fed,
        at,
        "POST",
        &format!("sessions/{id}/events"),
        Some(&event),
        Some(&token),
    )
}

/// A valid reception body.
pub fn reception(kind: &str, name: &str) -> serde_json::Value {
    serde_json::json!({
        "kind": kind,
        "citizen": { "name": name, "address": "Số 12 phố Hàng Bạc, Hà Nội", "id_number": "001085012345" },
        "summary": "Đề nghị xem xét việc thu hồi đất",
        "people_count": 1,
        "request": "Giải quyết dứt điểm",
        "officer": "Trần Thị B"
    })
}

/// Receives a citizen at `at` with [`reception`] and returns the new case's id.
pub fn receive(fed: &LocalFederation, at: &str, kind: &str, name: &str) -> String {
    let (s, v) = call(
        fed,
        at,
        "POST",
        "receptions",
        Some(&reception(kind, name)),
        None,
    );
    assert_eq!(s, 201, "reception at {at}: {v}");
    v["case_id"].as_str().expect("case_id").to_owned()
}

/// Waits until `at` holds the record at `path` (`cases/{id}`, `sessions/{id}`).
pub fn wait_held(fed: &LocalFederation, at: &str, path: &str) {
    assert!(
        eventually(DEADLINE, || call(fed, at, "GET", path, None, None).0 == 200),
        "{at} never held {path}"
    );
}

/// Schedules the session `body` (as `POST sessions` takes it) at `chair_site`, as its chair,
/// and returns the session's id.
pub fn schedule(fed: &LocalFederation, chair_site: &str, body: &serde_json::Value) -> String {
    let chair = fed
        .site(chair_site)
        .expect("site")
        .token_of(Staff::Chair)
        .to_owned();
    let (s, v) = call(
        fed,
        chair_site,
        "POST",
        "sessions",
        Some(body),
        Some(&chair),
    );
    assert_eq!(s, 201, "schedule at {chair_site}: {v}");
    v["session_id"].as_str().expect("session_id").to_owned()
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if let Ok(rd) = std::fs::read_dir(&d) {
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push(p);
                }
            }
        }
    }
    out
}

/// Helpers of the hostile-peer tests (`cases::hostile`, `federation::hostile_peers`,
/// `federation::attacks`): certificates made with a running site's own keys, signed events,
/// and a bare QUIC peer that speaks the replication channel by hand.
pub mod browser;

pub mod hostile {
    use std::net::SocketAddr;
    use std::time::Duration;

    use serde_bytes::ByteBuf;
    use tiepdan_keys::cert::{danger_issue, issue, make_request, parse_request, Authority, Chain};
    use tiepdan_keys::identity::SiteKey;
    use tiepdan_node::lab::peer as peer_client;
    use tiepdan_node::site::clock::unix_now;
    use tiepdan_node::site::datadir::DataDir;
    use tiepdan_protocol::case::{self, CaseEvent, Citizen, IdType, Identity, Kind, Reception};
    use tiepdan_protocol::log::{sign_event, EventBody};
    use tiepdan_protocol::replication::{decode_repl, encode_repl, frame_len, ReplMsg};

    use super::LocalFederation;

    /// Dials `addr` over libp2p as `key`, says `hello` on the tiepdan hello protocol once
    /// connected, and returns whether the node closed the connection within `within`.
    pub async fn p2p_hello_until_closed(
        key: &SiteKey,
        addr: libp2p::Multiaddr,
        hello: tiepdan_node::federation::p2p::P2pHello,
        within: Duration,
    ) -> bool {
        use futures::StreamExt;
        use libp2p::swarm::SwarmEvent;
        use libp2p::{noise, request_response, tcp, yamux, StreamProtocol};
        use tiepdan_node::federation::p2p::P2pHello;
        let mut swarm = libp2p::SwarmBuilder::with_existing_identity(key.libp2p_keypair())
            .with_tokio()
            .with_tcp(
                tcp::Config::default(),
                noise::Config::new,
                yamux::Config::default,
            )
            .unwrap()
            .with_behaviour(|_| {
                request_response::cbor::Behaviour::<P2pHello, P2pHello>::new(
                    [(
                        StreamProtocol::new("/tiepdan/hello/1"),
                        request_response::ProtocolSupport::Full,
                    )],
                    request_response::Config::default(),
                )
            })
            .unwrap()
            .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
            .build();
        swarm.dial(addr).unwrap();
        let deadline = tokio::time::sleep(within);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                _ = &mut deadline => return false,
                ev = swarm.select_next_some() => match ev {
                    SwarmEvent::ConnectionEstablished { peer_id, .. } => {
                        swarm.behaviour_mut().send_request(&peer_id, hello.clone());
                    }
                    SwarmEvent::ConnectionClosed { .. } => return true,
                    _ => {}
                }
            }
        }
    }

    /// A bare peer: a site code with its key and chain.
    pub struct Peer {
        pub site: String,
        pub key: SiteKey,
        pub chain: Chain,
    }

    /// A site's key and TLS chain from its data folder.
    pub fn load_tls(data: &DataDir) -> (SiteKey, Chain) {
        let key = SiteKey::load(&data.key_path()).unwrap();
        let chain =
            Chain::from_pem(&std::fs::read_to_string(data.tls_chain_path()).unwrap()).unwrap();
        (key, chain)
    }

    /// The certificate authority of a site (central or a province), from its data folder.
    pub fn authority_of(data: &DataDir) -> Authority {
        let (key, tls) = load_tls(data);
        let ca = Chain::new(tls.der_list()[1..].to_vec()).unwrap();
        Authority::new(key, ca, unix_now()).unwrap()
    }

    /// A new key and a chain for `site` signed by `authority`, with any validity start.
    pub fn forged(
        authority: &Authority,
        site: &str,
        days: u32,
        not_before: u64,
    ) -> (SiteKey, Chain) {
        let key = SiteKey::generate();
        let req = parse_request(&make_request(&key, site).unwrap()).unwrap();
        (
            key.clone(),
            danger_issue(authority, &req, days, not_before).unwrap(),
        )
    }

    /// A commune `site` certified for 30 days by the running `province`'s own key.
    pub fn certify(fed: &LocalFederation, province: &str, site: &str) -> Peer {
        let authority = authority_of(&fed.site(province).unwrap().data);
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
    pub fn genesis(case_id: &str, author: &str, signer: &SiteKey) -> Vec<u8> {
        genesis_at(case_id, author, signer, unix_now() * 1000, "Vũ Văn Giả")
    }

    /// [`genesis`] dated `at_ms`, for a citizen named `name`.
    pub fn genesis_at(
        case_id: &str,
        author: &str,
        signer: &SiteKey,
        at_ms: u64,
        name: &str,
    ) -> Vec<u8> {
        let reception = Reception {
            date: case::parse_date("2026-11-20").unwrap(),
            identity: Identity::Plain(Citizen {
                name: name.into(),
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
            session_type: Default::default(),
            form: Default::default(),
            identity_protection: false,
            source: Default::default(),
            anonymous: false,
            classification: Default::default(),
        };
        let body = EventBody::new(
            case_id,
            author,
            &[],
            at_ms,
            case::encode_event(&CaseEvent::Received { reception }),
        );
        sign_event(
            &body,
            &ed25519_dalek::SigningKey::from_bytes(&signer.seed()),
        )
    }

    /// Reads one length-prefixed replication message.
    pub async fn read_msg(recv: &mut quinn::RecvStream) -> ReplMsg {
        let mut prefix = [0u8; 4];
        recv.read_exact(&mut prefix).await.unwrap();
        let mut body = vec![0u8; frame_len(prefix).unwrap()];
        recv.read_exact(&mut body).await.unwrap();
        decode_repl(&body).unwrap()
    }

    /// Connects as `peer`, says hello, then sends each batch on a replication stream; returns
    /// acks.
    pub async fn send_batches(
        addr: SocketAddr,
        peer: &Peer,
        batches: Vec<Vec<Vec<u8>>>,
    ) -> Vec<(u32, u32)> {
        send_batches_with(addr, peer, batches, &[]).await
    }

    /// [`send_batches`], with `extra` chains sent along with the peer's own.
    pub async fn send_batches_with(
        addr: SocketAddr,
        peer: &Peer,
        batches: Vec<Vec<Vec<u8>>>,
        extra: &[&Chain],
    ) -> Vec<(u32, u32)> {
        let ep = peer_client::endpoint_as(&peer.key, &peer.chain, peer.chain.root()).unwrap();
        let conn = ep.connect(addr, "tiepdan.internal").unwrap().await.unwrap();
        let _control =
            peer_client::admitted(&conn, &peer_client::hello_frame(&peer.site, &peer.chain))
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

    /// Dials `addr` as (key, chain), trusting `root`. Returns the connection if the handshake
    /// got far enough to give one (TLS 1.3 client auth is judged by the server after that
    /// point).
    pub async fn dial(
        addr: SocketAddr,
        key: &SiteKey,
        chain: &Chain,
        root: &Chain,
    ) -> Option<quinn::Connection> {
        let ep = peer_client::endpoint_as(key, chain, root.root()).unwrap();
        match tokio::time::timeout(
            Duration::from_secs(5),
            ep.connect(addr, "tiepdan.internal").unwrap(),
        )
        .await
        {
            Ok(Ok(c)) => Some(c),
            _ => None,
        }
    }
}
