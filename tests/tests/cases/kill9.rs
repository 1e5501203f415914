//! Tier 3: `kill -9` during each kind of write loses nothing that was acknowledged: receptions
//! through the API, event batches from a peer, recording uploads. Each round starts the real
//! node, writes from another thread, kills the process at a varying moment; after the last,
//! everything acknowledged must be held, and no log-book number handed out twice.
//!
//! CI runs a few kills per kind. The stress command (README.md, "Kill -9 stress") runs 200:
//! `TIEPDAN_KILLS=200 cargo test -p tiepdan-tests --test cases kill_9 -- --nocapture`.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_bytes::ByteBuf;
use serde_json::json;
use tiepdan_keys::cert::Chain;
use tiepdan_keys::identity::SiteKey;
use tiepdan_node::lab::peer as peer_client;
use tiepdan_node::upload::{send_file, SendProgress};
use tiepdan_protocol::replication::{decode_repl, encode_repl, frame_len, ReplMsg};
use tiepdan_tests::hostile::genesis;
use tiepdan_tests::{call, eventually, federation, reception, LocalFederation, DEADLINE};

/// Kills per kind of write: `TIEPDAN_KILLS`, else a few for CI.
fn kills() -> u64 {
    std::env::var("TIEPDAN_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8)
}

/// One kind of write: runs until `stop` (or the node dies), returns what was acknowledged.
type Writer = Box<dyn FnOnce(Arc<AtomicBool>) -> Vec<String> + Send>;

/// Starts the node, runs a writer, kills the node with SIGKILL, `rounds` times; returns every
/// acknowledged write.
fn kill_rounds(
    fed: &mut LocalFederation,
    rounds: u64,
    writer: impl Fn(u64) -> Writer,
) -> Vec<String> {
    let mut acknowledged = Vec::new();
    for round in 0..rounds {
        start(fed);
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (stop, write) = (stop.clone(), writer(round));
            std::thread::spawn(move || write(stop))
        };
        std::thread::sleep(Duration::from_millis(60 + (round * 37) % 240));
        let child = fed.sites.get_mut("VN").unwrap().child.as_mut().unwrap();
        child.kill().unwrap(); // SIGKILL
        let _ = child.wait();
        fed.sites.get_mut("VN").unwrap().child = None;
        stop.store(true, Ordering::Relaxed);
        acknowledged.extend(thread.join().unwrap());
    }
    start(fed);
    acknowledged
}

fn start(fed: &mut LocalFederation) {
    fed.start("VN").unwrap();
    assert!(eventually(DEADLINE, || call(
        fed, "VN", "GET", "status", None, None
    )
    .0 == 200));
}

fn held_cases(fed: &LocalFederation) -> BTreeSet<String> {
    // After the stress run a site holds a hundred thousand cases: give the list its time, and
    // page through it as any client does (500 a page, the most the API gives).
    let site = fed.site("VN").unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(600)))
        .build()
        .into();
    let mut held = BTreeSet::new();
    loop {
        let mut resp = agent
            .get(&format!(
                "http://{}/api/v1/cases?limit=500&offset={}",
                site.http,
                held.len()
            ))
            .header("Authorization", &format!("Bearer {}", site.officer))
            .call()
            .unwrap();
        let list: serde_json::Value = resp
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_json()
            .unwrap();
        let page = list
            .as_array()
            .unwrap_or_else(|| panic!("the case list did not come: {list}"));
        held.extend(
            page.iter()
                .map(|c| c["case_id"].as_str().unwrap().to_owned()),
        );
        if page.len() < 500 {
            return held;
        }
    }
}

fn assert_none_lost(kind: &str, acknowledged: &[String], held: &BTreeSet<String>, rounds: u64) {
    let missing: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !held.contains(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "{kind}: acknowledged writes lost after kill -9: {missing:?}"
    );
    assert!(
        acknowledged.len() as u64 >= rounds,
        "{kind}: too few writes were acknowledged: {}",
        acknowledged.len()
    );
    let unique: BTreeSet<&String> = acknowledged.iter().collect();
    assert_eq!(
        unique.len(),
        acknowledged.len(),
        "{kind}: an id was handed out twice"
    );
    println!(
        "kill -9 {kind}: {rounds} kills, {} writes acknowledged, 0 lost",
        acknowledged.len()
    );
}

/// Officers entering receptions at the same time in the reception kill rounds.
const OFFICERS_AT_ONCE: usize = 6;

/// Enters receptions until `stop` or the node is gone; returns the acknowledged case ids.
fn receive_until(
    http: std::net::SocketAddr,
    token: &str,
    stop: &AtomicBool,
    round: u64,
    officer: usize,
) -> Vec<String> {
    let agent = tiepdan_node::cli::client::agent();
    let mut acked = Vec::new();
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        let r = agent
            .post(&format!("http://{http}/api/v1/receptions"))
            .header("Authorization", &format!("Bearer {token}"))
            .send_json(reception(
                "petition",
                &format!("Công dân {round}-{officer}-{i}"),
            ));
        i += 1;
        match r {
            Ok(mut resp) if resp.status() == 201 => {
                let v: serde_json::Value = resp.body_mut().read_json().unwrap();
                acked.push(v["case_id"].as_str().unwrap().to_owned());
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    acked
}

#[test]
fn kill_9_during_receptions_loses_no_acknowledged_reception() {
    let (_dir, mut fed) = federation(&["VN"]);
    let site = fed.site("VN").unwrap();
    let (http, token) = (site.http, site.officer.clone());
    let rounds = kills();
    // Several officers at once, so the kills land while a flush carries several receptions
    // (group commit): each is answered only after the flush that holds it.
    let acknowledged = kill_rounds(&mut fed, rounds, |round| {
        let token = token.clone();
        Box::new(move |stop: Arc<AtomicBool>| {
            let officers: Vec<_> = (0..OFFICERS_AT_ONCE)
                .map(|officer| {
                    let (token, stop) = (token.clone(), stop.clone());
                    std::thread::spawn(move || receive_until(http, &token, &stop, round, officer))
                })
                .collect();
            officers
                .into_iter()
                .flat_map(|o| o.join().unwrap())
                .collect()
        })
    });
    assert_none_lost("reception", &acknowledged, &held_cases(&fed), rounds);
}

/// Runs a writer on a runtime of its own thread (the node is killed under it).
fn on_own_runtime<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// Connects to the node as a certified commune; `None` once the node is gone.
async fn connect(
    addr: std::net::SocketAddr,
    code: &str,
    key: &SiteKey,
    chain: &Chain,
) -> Option<(quinn::Endpoint, quinn::Connection)> {
    let ep = peer_client::endpoint_as(key, chain, chain.root()).ok()?;
    let conn = ep.connect(addr, "tiepdan.internal").ok()?.await.ok()?;
    // The control stream stays open while the connection is used.
    let control = peer_client::admitted(&conn, &peer_client::hello_frame(code, chain))
        .await
        .ok()?;
    std::mem::forget(control);
    Some((ep, conn))
}

async fn read_ack(recv: &mut quinn::RecvStream) -> Option<(u32, u32)> {
    let mut prefix = [0u8; 4];
    recv.read_exact(&mut prefix).await.ok()?;
    let mut body = vec![0u8; frame_len(prefix).ok()?];
    recv.read_exact(&mut body).await.ok()?;
    match decode_repl(&body).ok()? {
        ReplMsg::Ack { accepted, rejected } => Some((accepted, rejected)),
        _ => None,
    }
}

#[test]
fn kill_9_during_peer_batches_loses_no_acknowledged_event() {
    let (_dir, mut fed) = federation(&["VN"]);
    let vn = fed.site("VN").unwrap();
    let addr = vn.quic;
    let (code, key, chain) = peer_client::certified_communes(&vn.data, "01", 1)
        .unwrap()
        .remove(0);
    let (code, key, chain) = (Arc::new(code), Arc::new(key), Arc::new(chain));
    let chains: Vec<Vec<ByteBuf>> = vec![chain
        .der_list()
        .iter()
        .map(|c| ByteBuf::from(c.to_vec()))
        .collect()];
    let rounds = kills();
    let acknowledged = kill_rounds(&mut fed, rounds, |round| {
        let (code, key, chain, chains) = (code.clone(), key.clone(), chain.clone(), chains.clone());
        Box::new(move |stop: Arc<AtomicBool>| {
            on_own_runtime(async move {
                let mut acked = Vec::new();
                let Some((_ep, conn)) = connect(addr, &code, &key, &chain).await else {
                    return acked;
                };
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    // A batch of 20 new cases; acknowledged means stored durably.
                    let ids: Vec<String> = (0..20)
                        .map(|i| format!("{code}-2026-{:05}", round * 5_000 + n * 20 + i + 1))
                        .collect();
                    n += 1;
                    let events = ids.iter().map(|id| ByteBuf::from(genesis(id, &code, &key)));
                    let msg = ReplMsg::Events {
                        events: events.collect(),
                        chains: chains.clone(),
                    };
                    let Ok((mut send, mut recv)) = peer_client::replication_stream(&conn).await
                    else {
                        break;
                    };
                    if send.write_all(&encode_repl(&msg)).await.is_err() {
                        break;
                    }
                    match tokio::time::timeout(Duration::from_secs(10), read_ack(&mut recv)).await {
                        Ok(Some((accepted, _))) if accepted as usize == ids.len() => {
                            acked.extend(ids);
                        }
                        Ok(Some(other)) => {
                            panic!("a batch of new cases was not all taken: {other:?}")
                        }
                        _ => break,
                    }
                    let _ = send.write_all(&encode_repl(&ReplMsg::Done)).await;
                }
                acked
            })
        })
    });
    assert_none_lost("peer batch", &acknowledged, &held_cases(&fed), rounds);
}

#[test]
fn kill_9_during_uploads_loses_no_acknowledged_segment() {
    let (dir, mut fed) = federation(&["VN"]);
    let vn = fed.site("VN").unwrap();
    let (addr, root) = (vn.quic, vn.data.root().to_path_buf());
    let (code, key, chain) = peer_client::certified_communes(&vn.data, "01", 1)
        .unwrap()
        .remove(0);
    start(&mut fed);
    let (s, v) = call(
        &fed,
        "VN",
        "POST",
        "sessions",
        Some(&json!({"title": "Phiên", "points": [code], "starts_at": "2026-12-20 08:00"})),
        None,
    );
    assert_eq!(s, 201, "{v}");
    let session = v["session_id"].as_str().unwrap().to_owned();
    fed.stop("VN").unwrap();
    let files = dir.path().join("segments");
    std::fs::create_dir_all(&files).unwrap();
    let (code, key, chain) = (Arc::new(code), Arc::new(key), Arc::new(chain));
    let rounds = kills();
    let acknowledged = kill_rounds(&mut fed, rounds, |round| {
        let (code, key, chain) = (code.clone(), key.clone(), chain.clone());
        let (session, files) = (session.clone(), files.clone());
        Box::new(move |stop: Arc<AtomicBool>| {
            on_own_runtime(async move {
                let mut acked = Vec::new();
                let Some((_ep, conn)) = connect(addr, &code, &key, &chain).await else {
                    return acked;
                };
                let progress = SendProgress::default();
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let segment = round * 10_000 + n + 1;
                    n += 1;
                    let name = format!("seg-{segment:06}.tdrec");
                    let bytes: Vec<u8> = (0..256 * 1024u64)
                        .map(|i| (i.wrapping_mul(2_654_435_761).wrapping_add(segment) >> 7) as u8)
                        .collect();
                    let file = files.join(&name);
                    std::fs::write(&file, &bytes).unwrap();
                    let rel = format!("{session}/{code}/cam-1/{name}");
                    match send_file(&progress, "VN", &conn, &file, &rel, None).await {
                        Ok(_) => acked.push(name),
                        Err(_) => break,
                    }
                }
                acked
            })
        })
    });
    // Each acknowledged segment is held whole, with the bytes sent.
    let publisher = root
        .join("recordings")
        .join(&session)
        .join(code.as_str())
        .join("cam-1");
    let held: BTreeSet<String> = acknowledged
        .iter()
        .filter(|name| {
            std::fs::read(publisher.join(name)).ok() == std::fs::read(files.join(name)).ok()
        })
        .cloned()
        .collect();
    assert_none_lost("upload", &acknowledged, &held, rounds);
}
