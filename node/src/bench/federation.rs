//! `tiepdan bench --suite federation`: the federation-core figures of the README, measured on loopback with real
//! `tiepdan` processes.
//!
//! Prints: time from `tiepdan run` to a proven link with the parent; QUIC handshake latency
//! (mutual TLS with chain, CRL and PeerId checks, p50/p99); handshakes per second one node
//! accepts, beside bare quinn handshakes with the same certificates ([`super::bare`]); idle
//! RSS per node; and how long a revocation takes to cut a site off everywhere.
//! Figures are printed, never asserted: targets are judged by reading them (README).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;

use tiepdan_keys::cert::Chain;
use tiepdan_keys::identity::SiteKey;

use crate::lab::demo::demo_sites;
use crate::lab::peer as peer_client;
use crate::lab::processes::LocalFederation;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// One full admission: QUIC + mutual TLS 1.3 (chain, CRL and PeerId checks on both sides), then
/// the control-stream hello exchange. Ends when the node's hello arrives, i.e. it admitted us.
async fn handshake(
    ep: &quinn::Endpoint,
    addr: SocketAddr,
    hello: &[u8],
) -> anyhow::Result<Duration> {
    let t = Instant::now();
    let conn = ep.connect(addr, "tiepdan.internal")?.await?;
    peer_client::admitted(&conn, hello).await?;
    let took = t.elapsed();
    conn.close(quinn::VarInt::from_u32(1), b"bench");
    Ok(took)
}

pub async fn run(handshakes: usize, seconds: u64) -> anyhow::Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("tiepdan-bench-")
        .tempdir()?;
    let exe = std::env::current_exe()?;
    let codes = demo_sites();
    let root_dir = dir.path().to_path_buf();
    println!(
        "tiepdan bench — federation core ({} sites on loopback, {} cores)",
        codes.len(),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );

    let mut fed = tokio::task::spawn_blocking(move || -> anyhow::Result<LocalFederation> {
        let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
        let mut fed = LocalFederation::create(exe, &root_dir, &refs)?;
        fed.start_all()?;
        fed.wait_formed(Duration::from_secs(60))?;
        Ok(fed)
    })
    .await??;
    let communes: Vec<String> = fed
        .sites
        .values()
        .filter(|s| s.level == tiepdan_protocol::sites::Level::Commune)
        .map(|s| s.code.clone())
        .collect();
    let commune = communes.first().context("no commune")?.clone();
    let province = tiepdan_protocol::sites::Registry::official()
        .parent(&commune)
        .context("parent")?
        .to_owned();

    // 1. Start → proven link with the parent, measured inside the node from process start.
    let mut join_ms = Vec::new();
    for _ in 0..10 {
        fed.stop(&commune)?;
        fed.start(&commune)?;
        let t = Instant::now();
        loop {
            if let Ok(v) = fed.api(&commune, "status") {
                if let Some(ms) = v["parent_connected_after_ms"].as_u64() {
                    join_ms.push(ms as f64);
                    break;
                }
            }
            if t.elapsed() > Duration::from_secs(30) {
                anyhow::bail!("{commune} did not reach its parent within 30 s");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    join_ms.sort_by(f64::total_cmp);
    println!(
        "start → connected to parent: p50 {:.0} ms, max {:.0} ms over {} starts (target ≤ 1000 ms)",
        percentile(&join_ms, 0.5),
        join_ms.last().copied().unwrap_or(f64::NAN),
        join_ms.len()
    );

    // 2. Handshake latency against the province, as a freshly certified sibling commune.
    let (sibling, key, chain) = peer_client::certified_sibling(&fed, &province)?;
    let addr = fed.site(&province)?.quic;
    let hello = peer_client::hello_frame(&sibling, &chain);
    let ep = peer_client::endpoint_as(&key, &chain, chain.root())?;
    let mut lat = Vec::with_capacity(handshakes);
    for _ in 0..handshakes {
        lat.push(handshake(&ep, addr, &hello).await?.as_secs_f64() * 1000.0);
    }
    lat.sort_by(f64::total_cmp);
    println!("handshake latency (mutual TLS 1.3 + chain/CRL/PeerId + hello): p50 {:.2} ms, p99 {:.2} ms over {}", percentile(&lat, 0.5), percentile(&lat, 0.99), lat.len());

    // 3. Handshakes per second one node accepts, from 8 concurrent clients.
    let done = Arc::new(AtomicU64::new(0));
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let ep = peer_client::endpoint_as(&key, &chain, chain.root())?;
        let done = done.clone();
        let hello = hello.clone();
        tasks.push(tokio::spawn(async move {
            while Instant::now() < end {
                if handshake(&ep, addr, &hello).await.is_ok() {
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let n = done.load(Ordering::Relaxed);
    let admitted = n as f64 / seconds as f64;
    println!(
        "handshakes accepted per second by one node: {admitted:.0} ({n} in {seconds} s, 8 clients) (target ≥ 2,000)"
    );
    // The limit: bare quinn handshakes with the same certificates, without tiepdan's checks.
    let pdata = &fed.site(&province)?.data;
    let pkey = SiteKey::load(&pdata.key_path())?;
    let pchain = Chain::from_pem(&std::fs::read_to_string(pdata.tls_chain_path())?)?;
    let bare = super::bare::handshakes_per_second(&pkey, &pchain, &key, &chain, 8, seconds).await?;
    println!(
        "bare quinn handshakes per second (same certificates and transport, no tiepdan checks, no hello; 8 clients): {bare:.0} → admission at {:.0} % of it",
        100.0 * admitted / bare
    );

    // 4. Idle memory: let the federation settle, then read every node's RSS.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut rss: Vec<(String, u64)> = fed
        .sites
        .values()
        .filter_map(|s| Some((s.code.clone(), rss_kb(s.child.as_ref()?.id())?)))
        .collect();
    rss.sort_by_key(|(_, kb)| *kb);
    let max = rss.last().map(|(_, kb)| *kb).unwrap_or(0);
    let mean = rss.iter().map(|(_, kb)| *kb).sum::<u64>() as f64 / rss.len().max(1) as f64;
    println!(
        "idle RSS per node: mean {:.1} MB, max {:.1} MB ({}) (target ≤ 40 MB)",
        mean / 1024.0,
        max as f64 / 1024.0,
        rss.last().map(|(c, _)| c.as_str()).unwrap_or("-")
    );

    // 5. Revocation: the province revokes a commune; time until no node links to it.
    let victim = communes.get(1).context("second commune")?.clone();
    let victim_province = tiepdan_protocol::sites::Registry::official()
        .parent(&victim)
        .context("parent")?
        .to_owned();
    let others: Vec<String> = fed
        .sites
        .keys()
        .filter(|c| **c != victim)
        .cloned()
        .collect();
    let t = Instant::now();
    let pclient = crate::cli::client::NodeClient::for_data(&fed.site(&victim_province)?.data)?;
    pclient.post("revocations", &serde_json::json!({ "site": victim }))?;
    loop {
        if others.iter().all(|c| !fed.connected(c).contains(&victim)) {
            break;
        }
        if t.elapsed() > Duration::from_secs(30) {
            anyhow::bail!("the revoked site was still linked after 30 s");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    println!(
        "revoked site dropped by every node in {} ms (target ≤ 5000 ms)",
        t.elapsed().as_millis()
    );
    tokio::task::spawn_blocking(move || drop(fed)).await?;
    Ok(())
}
