//! `tiepdan bench --suite cases`: the case-record figures of the README.
//!
//! Prints: fsync'd receptions per second on one node (HTTP, sequential, 4 and 16 clients,
//! beside this disk's fdatasync rate measured in the same run);
//! events per second replicated over one QUIC link with signatures verified and stored;
//! round trips and bytes to reconcile 100 differences among 1,000,000 shared events; the time a
//! case takes from a commune to central; and the time the demo federation takes to converge
//! after a 10,000-event partition. Figures are printed, never asserted.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_bytes::ByteBuf;
use serde_json::json;
use tiepdan_keys::cert::{issue, make_request, parse_request, Authority, Chain};
use tiepdan_keys::identity::SiteKey;
use tiepdan_protocol::case::{self, CaseEvent, Citizen, IdType, Identity, Kind, Reception};
use tiepdan_protocol::log::{sign_event, EventBody};
use tiepdan_protocol::reconcile;
use tiepdan_protocol::replication::{
    decode_repl, encode_repl, frame_len, ReplMsg, EVENTS_PER_BATCH_MAX,
};

use crate::cli::client::{agent, json_call};
use crate::lab::peer as peer_client;
use crate::lab::processes::{LocalFederation, Staff};
use crate::site::clock::unix_now;

fn reception_json(i: usize) -> serde_json::Value {
    json!({
        "kind": "petition",
        "citizen": { "name": format!("Công dân {i}"), "address": "Hà Nội", "id_number": "001085012345" },
        "summary": "Kiến nghị", "people_count": 1, "request": "Xem xét", "officer": "Cán bộ"
    })
}

fn post_reception(http: SocketAddr, token: &str, i: usize) -> anyhow::Result<String> {
    let v = json_call(
        agent()
            .post(&format!("http://{http}/api/v1/receptions"))
            .header("Authorization", &format!("Bearer {token}"))
            .send_json(reception_json(i)),
    )?;
    Ok(v["case_id"].as_str().context("no case id")?.to_owned())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted
        .get(((sorted.len().max(1) - 1) as f64 * p).round() as usize)
        .copied()
        .unwrap_or(f64::NAN)
}

fn genesis(case_id: &str, author: &str, key: &ed25519_dalek::SigningKey, i: usize) -> Vec<u8> {
    let reception = Reception {
        date: case::date_from_unix_ms(unix_now() * 1000),
        identity: Identity::Plain(Citizen {
            name: format!("Công dân {i}"),
            address: "Hà Nội".into(),
            id_type: IdType::Cccd,
            id_number: "001085012345".into(),
        }),
        summary: "Kiến nghị".into(),
        kind: Kind::Petition,
        people_count: 1,
        prior_bodies: vec![],
        request: "Xem xét".into(),
        direction: None,
        notes: String::new(),
        officer: "Cán bộ".into(),
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
        unix_now() * 1000,
        case::encode_event(&CaseEvent::Received { reception }),
    );
    sign_event(&body, key)
}

/// Pushes `events` to `addr` over one link as (key, chain); returns the seconds until every
/// batch was acknowledged (verified and stored by the node).
async fn push_over_link(
    addr: SocketAddr,
    site: &str,
    key: &SiteKey,
    chain: &Chain,
    events: Vec<Vec<u8>>,
) -> anyhow::Result<(f64, u64)> {
    let ep = peer_client::endpoint_as(key, chain, chain.root())?;
    let conn = ep.connect(addr, "tiepdan.internal")?.await?;
    let _control = peer_client::admitted(&conn, &peer_client::hello_frame(site, chain)).await?;
    let chains = vec![chain
        .der_list()
        .iter()
        .map(|c| ByteBuf::from(c.to_vec()))
        .collect::<Vec<_>>()];
    let (mut send, mut recv) = peer_client::replication_stream(&conn).await?;
    let t = Instant::now();
    let mut accepted = 0u64;
    let batches: Vec<Vec<u8>> = events
        .chunks(EVENTS_PER_BATCH_MAX / 2)
        .map(|batch| {
            encode_repl(&ReplMsg::Events {
                events: batch.iter().cloned().map(ByteBuf::from).collect(),
                chains: chains.clone(),
            })
        })
        .collect();
    let n = batches.len();
    // Pipelined, as a node's push of a backlog is: all batches go out, acks come back in order.
    let writer = tokio::spawn(async move {
        for b in batches {
            send.write_all(&b).await?;
        }
        anyhow::Ok(send)
    });
    for _ in 0..n {
        let mut prefix = [0u8; 4];
        recv.read_exact(&mut prefix).await?;
        let mut body = vec![0u8; frame_len(prefix)?];
        recv.read_exact(&mut body).await?;
        if let ReplMsg::Ack { accepted: a, .. } = decode_repl(&body)? {
            accepted += u64::from(a);
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let mut send = writer.await??;
    send.write_all(&encode_repl(&ReplMsg::Done)).await?;
    conn.close(0u32.into(), b"bench");
    Ok((secs, accepted))
}

/// How many `fdatasync`s a second this disk completes for a 4 KiB write in place in `dir` (a
/// file laid out first, as the store's is, so each flush carries data and no size change): the
/// limit a reception's flush is measured against.
fn fdatasync_rate(dir: &std::path::Path, run: Duration) -> anyhow::Result<f64> {
    use std::os::unix::fs::FileExt as _;
    const BLOCKS: u64 = 256;
    let path = dir.join("bench-fdatasync.tmp");
    let f = std::fs::File::create(&path)?;
    let block = [0x5au8; 4096];
    for i in 0..BLOCKS {
        f.write_all_at(&block, i * 4096)?;
    }
    f.sync_all()?;
    let t = Instant::now();
    let mut n = 0u64;
    while t.elapsed() < run {
        f.write_all_at(&block, (n % BLOCKS) * 4096)?;
        f.sync_data()?;
        n += 1;
    }
    let rate = n as f64 / t.elapsed().as_secs_f64();
    drop(f);
    std::fs::remove_file(&path)?;
    Ok(rate)
}

/// Events a second that Ed25519 batch verification alone checks, the batch split over every
/// core as a node splits it (decoding is done before the clock starts).
fn batch_verify_rate(events: &[Vec<u8>], key: &SiteKey) -> anyhow::Result<f64> {
    use tiepdan_protocol::log::{decode_event, verify_many};
    let vk = ed25519_dalek::SigningKey::from_bytes(&key.seed()).verifying_key();
    let decoded = events
        .iter()
        .map(|b| Ok((decode_event(b)?, vk)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = decoded.len().div_ceil(cores);
    let mut chunks: Vec<Vec<_>> = Vec::new();
    let mut rest = decoded.into_iter();
    loop {
        let c: Vec<_> = rest.by_ref().take(per).collect();
        if c.is_empty() {
            break;
        }
        chunks.push(c);
    }
    let n: usize = chunks.iter().map(Vec::len).sum();
    let t = Instant::now();
    let ok: usize = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|c| s.spawn(move || verify_many(c).into_iter().filter(Result::is_ok).count()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    let secs = t.elapsed().as_secs_f64();
    anyhow::ensure!(ok == n, "{} of {n} events failed to verify", n - ok);
    Ok(n as f64 / secs)
}

/// The sum of one metric's samples at `code`, 0 when it cannot be read.
fn metric(fed: &LocalFederation, code: &str, name: &str) -> f64 {
    let Ok(site) = fed.site(code) else { return 0.0 };
    let Ok(mut r) = agent()
        .get(&format!("http://{}/metrics", site.http))
        .header("Authorization", &format!("Bearer {}", site.token))
        .call()
    else {
        return 0.0;
    };
    let text = r.body_mut().read_to_string().unwrap_or_default();
    text.lines()
        .filter(|l| l.starts_with(name))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// Events a node has stored since it started (written there or taken from peers), read from
/// its metrics: cheap enough to poll without slowing the node being measured.
fn total_events(fed: &LocalFederation, code: &str) -> u64 {
    metric(fed, code, "tiepdan_events_accepted_total") as u64
}

pub async fn run() -> anyhow::Result<()> {
    println!("tiepdan bench — case records");

    // Reconciliation: pure, in memory, through the wire encoding.
    let mut rng_state = 0x9e3779b97f4a7c15u64;
    let mut next_id = || {
        let mut id = [0u8; 32];
        for chunk in id.chunks_mut(8) {
            rng_state ^= rng_state << 13;
            rng_state ^= rng_state >> 7;
            rng_state ^= rng_state << 17;
            chunk.copy_from_slice(&rng_state.to_le_bytes());
        }
        id
    };
    let shared: Vec<[u8; 32]> = (0..1_000_000).map(|_| next_id()).collect();
    let mut a = shared.clone();
    let mut b = shared;
    a.extend((0..50).map(|_| next_id()));
    b.extend((0..50).map(|_| next_id()));
    let stats = reconcile::simulate(&a, &b)?;
    println!(
        "reconcile 100 differences among 1,000,000 shared events: {} round trip(s), {} bytes ({} A→B + {} B→A) (targets ≤ 2 round trips, ≤ 16 KB)",
        stats.round_trips,
        stats.bytes_a_to_b + stats.bytes_b_to_a,
        stats.bytes_a_to_b,
        stats.bytes_b_to_a
    );

    let dir = tempfile::Builder::new()
        .prefix("tiepdan-bench-cases-")
        .tempdir()?;
    let exe = std::env::current_exe()?;
    let root = dir.path().to_path_buf();
    let codes = crate::lab::demo::demo_sites();
    let mut fed = tokio::task::spawn_blocking(move || -> anyhow::Result<LocalFederation> {
        let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
        let mut fed = LocalFederation::create(exe, &root, &refs)?;
        fed.start_all()?;
        fed.wait_formed(Duration::from_secs(60))?;
        Ok(fed)
    })
    .await??;
    let commune = fed
        .sites
        .values()
        .find(|s| s.level == tiepdan_protocol::sites::Level::Commune)
        .context("commune")?
        .code
        .clone();
    let province = tiepdan_protocol::sites::Registry::official()
        .parent(&commune)
        .context("parent")?
        .to_owned();

    // fsync'd receptions per second at central (HTTP, each answered 201 after its commit),
    // beside what this disk does: fdatasync of a small write in the node's own folder.
    let syncs = fdatasync_rate(fed.site("VN")?.data.root(), Duration::from_secs(2))?;
    let (http, token) = (fed.site("VN")?.http, fed.site("VN")?.officer.clone());
    let flushes_before = metric(&fed, "VN", "tiepdan_journal_flushes_total");
    let n = 600;
    let t = Instant::now();
    for i in 0..n {
        post_reception(http, &token, i)?;
    }
    let seq = n as f64 / t.elapsed().as_secs_f64();
    let flushes_seq = metric(&fed, "VN", "tiepdan_journal_flushes_total") - flushes_before;
    let mut concurrent = Vec::new();
    for clients in [4usize, 16] {
        let per_client = 4000 / clients;
        let flushes_before = metric(&fed, "VN", "tiepdan_journal_flushes_total");
        let t = Instant::now();
        let workers: Vec<_> = (0..clients)
            .map(|w| {
                let token = token.clone();
                std::thread::spawn(move || {
                    (0..per_client)
                        .filter(|i| post_reception(http, &token, 100_000 * (w + 1) + i).is_ok())
                        .count()
                })
            })
            .collect();
        let done: usize = workers.into_iter().map(|w| w.join().unwrap_or(0)).sum();
        let rate = done as f64 / t.elapsed().as_secs_f64();
        let flushes = metric(&fed, "VN", "tiepdan_journal_flushes_total") - flushes_before;
        concurrent.push((clients, rate, done as f64 / flushes.max(1.0)));
    }
    println!(
        "this disk: {syncs:.0} fdatasync per second (4 KiB written in place in the node's folder)"
    );
    println!(
        "fsync'd receptions per second on one node, sequential: {seq:.0} → {:.0} % of the disk's fdatasync rate ({:.2} receptions per flush) (target ≥ 50 %)",
        100.0 * seq / syncs,
        n as f64 / flushes_seq.max(1.0)
    );
    for (clients, rate, per_flush) in concurrent {
        println!(
            "fsync'd receptions per second on one node, {clients} clients: {rate:.0} ({per_flush:.1} receptions per flush, group commit){}",
            if clients == 16 { " (target ≥ 10,000)" } else { "" }
        );
    }

    // Commune → central latency.
    let (chttp, ctoken) = (
        fed.site(&commune)?.http,
        fed.site(&commune)?.officer.clone(),
    );
    let mut lat = Vec::new();
    for i in 0..20 {
        let t = Instant::now();
        let id = post_reception(chttp, &ctoken, 50_000 + i)?;
        while fed
            .api_as("VN", Staff::Officer, &format!("cases/{id}"))
            .is_err()
        {
            if t.elapsed() > Duration::from_secs(30) {
                anyhow::bail!("a case did not reach central within 30 s");
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    lat.sort_by(f64::total_cmp);
    println!("commune → central (entered, fsync'd, replicated, fsync'd, readable): p50 {:.0} ms, max {:.0} ms over 20 (target ≤ 1000 ms)", percentile(&lat, 0.5), lat.last().copied().unwrap_or(f64::NAN));

    // Events per second over one link: a freshly certified sibling commune pushes 20,000
    // signed events to its province, which verifies every signature and stores them.
    let (sibling, key, chain) = peer_client::certified_sibling(&fed, &province)?;
    let signing = ed25519_dalek::SigningKey::from_bytes(&key.seed());
    let events: Vec<Vec<u8>> = (0..20_000)
        .map(|i| {
            genesis(
                &format!("{sibling}-2026-{:05}", i + 1),
                &sibling,
                &signing,
                i,
            )
        })
        .collect();
    let bytes: usize = events.iter().map(Vec::len).sum();
    let vn_before_push = total_events(&fed, "VN");
    let (secs, accepted) =
        push_over_link(fed.site(&province)?.quic, &sibling, &key, &chain, events).await?;
    println!(
        "events replicated commune → province (verified, audience checked, fsync'd; the province forwards each to central on the same 2 cores): {:.0} per second ({} events, {:.1} MB in {:.2} s)",
        accepted as f64 / secs,
        accepted,
        bytes as f64 / 1e6,
        secs
    );

    // Let the province finish forwarding that backlog to central before the next figure.
    let settle = Instant::now();
    while total_events(&fed, "VN") < vn_before_push + accepted
        && settle.elapsed() < Duration::from_secs(120)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // One link alone: a newly certified province pushes its own cases to central, whose
    // audience ends there, so nothing is forwarded.
    let vdata = &fed.site("VN")?.data;
    let vkey = SiteKey::load(&vdata.key_path())?;
    let vroot = Chain::from_pem(&std::fs::read_to_string(vdata.chain_path())?)?;
    let central = Authority::new(vkey, vroot, unix_now())?;
    let new_province = tiepdan_protocol::sites::Registry::official()
        .iter()
        .find(|s| {
            s.level == tiepdan_protocol::sites::Level::Province && !fed.sites.contains_key(&s.code)
        })
        .context("a province outside the demo")?
        .code
        .clone();
    let pkey = SiteKey::generate();
    let ca = issue(
        &central,
        &parse_request(&make_request(&pkey, &new_province)?)?,
        30,
        unix_now(),
    )?;
    let pchain = tiepdan_keys::cert::make_own_leaf(&pkey, &ca, 30, unix_now())?;
    let psigning = ed25519_dalek::SigningKey::from_bytes(&pkey.seed());
    let events: Vec<Vec<u8>> = (0..20_000)
        .map(|i| {
            genesis(
                &format!("{new_province}-2026-{:05}", i + 1),
                &new_province,
                &psigning,
                i,
            )
        })
        .collect();
    let bytes: usize = events.iter().map(Vec::len).sum();
    // The limit: the same events' Ed25519 batch verification alone, on the same cores.
    let verify_limit = batch_verify_rate(&events, &pkey)?;
    let (secs, accepted) =
        push_over_link(fed.site("VN")?.quic, &new_province, &pkey, &pchain, events).await?;
    let rate = accepted as f64 / secs;
    println!(
        "events replicated over one link, province → central (signature verified, audience checked, fsync'd before the ack): {rate:.0} per second ({} events, {:.1} MB in {:.2} s) (target ≥ 50,000)",
        accepted,
        bytes as f64 / 1e6,
        secs
    );
    println!(
        "Ed25519 batch verification alone of the same events on every core: {verify_limit:.0} per second → replication at {:.0} % of it",
        100.0 * rate / verify_limit
    );

    // Partition: the province is down while its commune writes 10,000 events; then measure how
    // long until the province and central hold them all.
    let before_vn = total_events(&fed, "VN");
    fed.stop(&province)?;
    fed.stop(&commune)?;
    let cdata = fed.site(&commune)?.data.clone();
    let written = tokio::task::spawn_blocking(move || -> anyhow::Result<u64> {
        let node = crate::cases::Cases::open(&cdata)?;
        let mut written = 0u64;
        for c in 0..1000 {
            let id = node.receive(
                serde_json::from_value(reception_json(c))?,
                unix_now() * 1000,
                None,
            )?;
            let notes: Vec<CaseEvent> = (0..9)
                .map(|k| CaseEvent::Note {
                    text: format!("ghi chú {k}"),
                })
                .collect();
            node.commit_events(&id, notes, unix_now() * 1000, None, None)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            written += 10;
        }
        Ok(written)
    })
    .await??;
    let t = Instant::now();
    fed.start(&commune)?;
    fed.start(&province)?;
    // Central kept running: its counter grows by what it takes in. The province restarted: its
    // counter starts at zero and must reach the events it missed.
    let target_vn = before_vn + written;
    loop {
        if total_events(&fed, "VN") >= target_vn && total_events(&fed, &province) >= written {
            break;
        }
        if t.elapsed() > Duration::from_secs(300) {
            anyhow::bail!("no convergence within 300 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!("demo federation converged after a {written}-event partition in {:.2} s (restart of both nodes included)", t.elapsed().as_secs_f64());
    tokio::task::spawn_blocking(move || drop(fed)).await?;
    Ok(())
}
