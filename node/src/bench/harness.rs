//! `tiepdan bench --suite harness`: one real `tiepdan run` against a fleet of virtual sites in
//! this process (issue 14, item 3): central against every site of the country (3,355), then a
//! province (Thành phố Hồ Chí Minh) against its 168 communes.
//!
//! The fleet ([`crate::lab::fleet`]) is real quinn endpoints with keys and certificates of the
//! real PKI, doing the hello, keep-alives, anti-entropy and pushes as nodes do. For each node
//! under test it prints:
//! - the time for every virtual site to be admitted once the node is up, and after the node
//!   restarts (the fleet dialling with the nodes' backoff meanwhile);
//! - the node's CPU and RSS with every link idle, with keep-alives only and with anti-entropy
//!   every 5 s as nodes run it, and what one anti-entropy cycle over all links costs it;
//! - receptions entered at the communes in turn (one a second by default), each timed from
//!   signing to the node's acknowledgement (stored and visible): p50/p99;
//! - a revocation published at the node, timed until it reached every other link.
//!
//! The suite fails when a site is not admitted, a reception is lost or a revocation does not
//! reach every link; the figures are printed, never asserted.

use std::time::{Duration, Instant};

use anyhow::Context;
use tiepdan_keys::cert::Chain;

use crate::lab::fleet::{self, Fleet, Member};
use crate::lab::processes::LocalFederation;
use crate::records::replication::SYNC_INTERVAL_MS;

/// The sizes of one run.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// Virtual sites linked to central (3,355: the whole country).
    pub sites: usize,
    /// Receptions entered during the run, and how many a second.
    pub receptions: usize,
    pub per_second: f64,
    /// Seconds each idle measurement lasts.
    pub idle_seconds: u64,
}

/// The province of the second run: Thành phố Hồ Chí Minh, 168 communes and wards.
const PROVINCE: &str = "79";

pub async fn run(load: Load) -> anyhow::Result<()> {
    println!(
        "tiepdan bench — load harness: one real node against virtual sites in one process ({} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    node_under_load("VN", load).await?;
    let communes = tiepdan_protocol::sites::Registry::official()
        .children(PROVINCE)
        .len();
    node_under_load(
        PROVINCE,
        Load {
            sites: load.sites.min(communes),
            ..load
        },
    )
    .await
}

/// CPU seconds (user + system) a process has used so far.
fn cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name may hold spaces; the fields after it are plain numbers.
    let after = stat.rsplit_once(')').context("a /proc stat line")?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>()? + fields[12].parse::<f64>()?;
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    Ok(ticks / per_second)
}

fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))?
                .split_whitespace()
                .nth(1)?
                .parse::<f64>()
                .ok()
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[(((sorted.len() - 1) as f64) * p).round() as usize]
}

/// The node's and this process's CPU over `seconds` of what the fleet is doing now: (node's
/// share of one core, node's CPU seconds, fleet's share of one core).
async fn cpu_over(pid: u32, seconds: u64) -> anyhow::Result<(f64, f64, f64)> {
    let me = std::process::id();
    let (node0, fleet0, t) = (cpu_seconds(pid)?, cpu_seconds(me)?, Instant::now());
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let wall = t.elapsed().as_secs_f64();
    let node = cpu_seconds(pid)? - node0;
    let fleet = cpu_seconds(me)? - fleet0;
    Ok((node / wall, node, fleet / wall))
}

fn pid_of(fed: &LocalFederation, code: &str) -> anyhow::Result<u32> {
    Ok(fed
        .site(code)?
        .child
        .as_ref()
        .context("the node is not running")?
        .id())
}

/// Waits until the node answers its API.
async fn wait_up(fed: &LocalFederation, code: &str) -> anyhow::Result<()> {
    let t = Instant::now();
    while fed.api(code, "status").is_err() {
        anyhow::ensure!(
            t.elapsed() < Duration::from_secs(120),
            "{code} did not answer within 2 min"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

async fn node_under_load(code: &str, load: Load) -> anyhow::Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("tiepdan-bench-harness-")
        .disable_cleanup(std::env::var_os("TIEPDAN_BENCH_KEEP").is_some())
        .tempdir()?;
    let exe = std::env::current_exe()?;
    let path = dir.path().to_path_buf();
    let codes: Vec<&str> = if code == "VN" {
        vec!["VN"]
    } else {
        vec!["VN", code]
    };
    let owned: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
    let (mut fed, members, certified) = tokio::task::spawn_blocking({
        let code = code.to_owned();
        move || -> anyhow::Result<(LocalFederation, Vec<Member>, f64)> {
            let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
            let fed = LocalFederation::create(exe, &path, &refs)?;
            let t = Instant::now();
            let data = &fed.site(&code)?.data;
            let members = if code == "VN" {
                fleet::country(data, load.sites)?
            } else {
                fleet::province(data, load.sites)?
            };
            Ok((fed, members, t.elapsed().as_secs_f64()))
        }
    })
    .await??;
    let (provinces, communes) = fleet::make_up(&members);
    let n = members.len();
    println!(
        "{code}: {n} virtual sites ({provinces} provinces, {communes} communes), each its own quinn endpoint and key, certified in {certified:.1} s"
    );
    let root = Chain::from_pem(&std::fs::read_to_string(fed.site("VN")?.data.chain_path())?)?;
    let target = fed.site(code)?.quic;
    for c in &codes {
        fed.start(c)?;
    }
    wait_up(&fed, code).await?;
    let pid = pid_of(&fed, code)?;

    // 1. Admission of the whole fleet once the node is up.
    let launched = Instant::now();
    let fleet = Fleet::launch(members, target, code, &root)?;
    let admitted = fleet
        .wait_linked(n, Duration::from_secs(300))
        .await
        .with_context(|| format!("{code}: the fleet was not admitted"))?;
    let at = fleet.admitted_since(launched);
    println!(
        "{code}: all {n} admitted {:.2} s after the fleet started dialling at once (node up; target for central ≤ 5 s); half by {:.2} s, 90 % by {:.2} s",
        admitted.as_secs_f64(),
        percentile(&at, 0.5),
        percentile(&at, 0.9)
    );

    // 2. Idle: keep-alives only, then with anti-entropy as nodes run it.
    tokio::time::sleep(Duration::from_secs(3)).await;
    fleet.set_anti_entropy(false);
    tokio::time::sleep(Duration::from_millis(SYNC_INTERVAL_MS)).await;
    let (quiet, quiet_s, fleet_quiet) = cpu_over(pid, load.idle_seconds).await?;
    let quiet_rss = rss_mib(pid);
    fleet.set_anti_entropy(true);
    tokio::time::sleep(Duration::from_millis(SYNC_INTERVAL_MS)).await;
    let (syncs0, failures0) = fleet.syncs();
    let (busy, busy_s, fleet_busy) = cpu_over(pid, load.idle_seconds).await?;
    let (syncs1, failures1) = fleet.syncs();
    let busy_rss = rss_mib(pid);
    let per_cycle_ms =
        (busy_s - quiet_s).max(0.0) / load.idle_seconds as f64 * SYNC_INTERVAL_MS as f64;
    println!(
        "{code}: idle with {n} links, keep-alives only: {:.1} % of one core, RSS {quiet_rss:.0} MiB (fleet {:.0} %)",
        100.0 * quiet,
        100.0 * fleet_quiet
    );
    println!(
        "{code}: idle with anti-entropy every {} s on every link: {:.1} % of one core, RSS {busy_rss:.0} MiB (targets for central ≤ 10 %, ≤ 1024 MiB; fleet {:.0} %)",
        SYNC_INTERVAL_MS / 1000,
        100.0 * busy,
        100.0 * fleet_busy
    );
    println!(
        "{code}: one anti-entropy cycle over all {n} links costs the node {per_cycle_ms:.0} ms of CPU ({} sessions in {} s, {} failed)",
        syncs1 - syncs0,
        load.idle_seconds,
        failures1 - failures0
    );

    // 3. Receptions at the communes in turn, under that load.
    let communes: Vec<usize> = (0..fleet.len())
        .filter(|i| {
            tiepdan_protocol::sites::Registry::official()
                .get(fleet.code(*i))
                .is_ok_and(|s| s.level == tiepdan_protocol::sites::Level::Commune)
        })
        .collect();
    anyhow::ensure!(!communes.is_empty(), "no commune in the fleet");
    let fleet = std::sync::Arc::new(fleet);
    let gap = Duration::from_secs_f64(1.0 / load.per_second);
    let started = tokio::time::Instant::now();
    let mut pending = Vec::new();
    for k in 0..load.receptions {
        tokio::time::sleep_until(started + gap * k as u32).await;
        let (fleet, i) = (fleet.clone(), communes[k % communes.len()]);
        pending.push(tokio::spawn(async move { fleet.receive(i).await }));
    }
    let mut took = Vec::new();
    let mut cases = Vec::new();
    for p in pending {
        let (case_id, t) = p.await??;
        took.push(t.as_secs_f64() * 1000.0);
        cases.push(case_id);
    }
    took.sort_by(f64::total_cmp);
    // Each is there: visible over the node's API.
    for case_id in &cases {
        fed.api_as(
            code,
            crate::lab::processes::Staff::Chair,
            &format!("cases/{case_id}"),
        )
        .with_context(|| format!("{code}: reception {case_id} is not visible"))?;
    }
    println!(
        "{code}: {} receptions at {} communes, {:.0} a second, signed → stored and visible at the node: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (target p99 ≤ 1000 ms); every one visible over the API",
        took.len(),
        communes.len().min(took.len()),
        load.per_second,
        percentile(&took, 0.5),
        percentile(&took, 0.99),
        took.last().copied().unwrap_or(f64::NAN)
    );

    // 4. A revocation published at the node reaching every other link.
    let victim = fleet
        .code(*communes.last().context("a commune")?)
        .to_owned();
    let t = Instant::now();
    let client = crate::cli::client::NodeClient::for_data(&fed.site(code)?.data)?;
    let answer = tokio::task::spawn_blocking({
        let victim = victim.clone();
        move || client.post("revocations", &serde_json::json!({ "site": victim }))
    });
    answer.await??;
    let others = n - 1;
    loop {
        let seen: Vec<Instant> = fleet
            .revocations_seen(&victim)
            .into_iter()
            .flatten()
            .collect();
        if seen.len() == others {
            let last = seen.iter().max().copied().unwrap_or(t);
            println!(
                "{code}: a revocation published at the node reached all {others} other links in {:.0} ms",
                last.duration_since(t).as_secs_f64() * 1000.0
            );
            break;
        }
        anyhow::ensure!(
            t.elapsed() < Duration::from_secs(60),
            "{code}: the revocation reached {} of {others} links in 60 s",
            seen.len()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    // 5. The node restarts; the fleet comes back with the nodes' backoff.
    for c in codes.iter().rev() {
        fed.stop(c)?;
    }
    let t = Instant::now();
    while fleet.linked() > 0 {
        anyhow::ensure!(
            t.elapsed() < Duration::from_secs(30),
            "{code}: {} links still up 30 s after the node stopped",
            fleet.linked()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let t = Instant::now();
    for c in &codes {
        fed.start(c)?;
    }
    fleet
        .wait_linked(others, Duration::from_secs(300))
        .await
        .with_context(|| format!("{code}: the fleet did not come back after a restart"))?;
    let up = t.elapsed();
    let at = fleet.admitted_since(t);
    println!(
        "{code}: after a restart all {others} unrevoked sites admitted again {:.2} s after the node was started (its start-up and the fleet's backoff included; half by {:.2} s, 90 % by {:.2} s)",
        up.as_secs_f64(),
        percentile(&at, 0.5),
        percentile(&at, 0.9)
    );

    if let Ok(fleet) = std::sync::Arc::try_unwrap(fleet) {
        fleet.shutdown().await;
    }
    tokio::task::spawn_blocking(move || fed.stop_all()).await?;
    Ok(())
}
