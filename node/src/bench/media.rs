//! `tiepdan bench --suite media`: the figures of session media between sites.
//!
//! - Latency one relay hop adds (a packet from a point, through a node, to another point), p50
//!   and p99, at 50 and at 200 concurrent audio streams (50 packets a second each), on loopback,
//!   and the streams one core of the relaying node carries.
//! - Recording upload throughput (a 64 MiB segment, hashed, written, fsync'd and verified at
//!   central) against plain QUIC on the same connection (the link-test channel): over a site
//!   link of the network-namespace lab (a 1 Gbit/s line), the target's figure; and
//!   on loopback, where no link limits either and both ends share the cores, with each one's
//!   CPU per megabyte.
//! - The media gap after the commune–central link is cut, p50 and p95 over 10 cuts, on the
//!   network-namespace lab (needs root and iproute2; skipped with a note otherwise).
//!
//! `TIEPDAN_BENCH_MEDIA=relay,upload,link,cut` (any subset) runs only those parts (`upload`:
//! on loopback, `link`: over the lab's link);
//! `TIEPDAN_BENCH_NO_LAB` skips the lab.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::json;
use tiepdan_keys::cert::Chain;
use tiepdan_keys::identity::SiteKey;
use tiepdan_protocol::media::{MediaPacket, PacketKind, MAX_HOPS};

use crate::lab::netns::NetLab;
use crate::lab::peer as peer_client;
use crate::lab::processes::{LocalFederation, Staff};
use crate::site::clock::unix_now;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted
        .get(((sorted.len().max(1) - 1) as f64 * p).round() as usize)
        .copied()
        .unwrap_or(f64::NAN)
}

/// CPU seconds (user + system) a process has used, from /proc.
fn cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return f64::NAN;
    };
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the name.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    (ticks(11) + ticks(12)) / hz
}

/// The pid of the `tiepdan run` process whose data folder is `data`.
fn pid_of(data: &std::path::Path) -> Option<u32> {
    let needle = data.to_string_lossy().into_owned();
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let cmd = std::fs::read(e.path().join("cmdline")).ok()?;
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        (cmd.contains(" run ") && cmd.contains(&needle)).then_some(pid)
    })
}

fn packet(
    kind: PacketKind,
    session: &str,
    origin: &str,
    publisher: &str,
    destination: &str,
    payload: Vec<u8>,
) -> MediaPacket {
    MediaPacket {
        kind,
        keyframe: false,
        timestamp_us: 0,
        sequence: 0,
        hops_left: MAX_HOPS,
        session_id: session.to_owned(),
        origin: origin.to_owned(),
        publisher_id: publisher.to_owned(),
        destination: destination.to_owned(),
        payload,
    }
}

/// A bare point: a QUIC link to `addr` as `site`, sending heartbeats that say it hears `hub`.
async fn point(
    addr: SocketAddr,
    site: &str,
    key: &SiteKey,
    chain: &Chain,
    hub: &str,
) -> anyhow::Result<quinn::Connection> {
    let ep = peer_client::endpoint_as(key, chain, chain.root())?;
    let conn = ep.connect(addr, "tiepdan.internal")?.await?;
    let control = peer_client::admitted(&conn, &peer_client::hello_frame(site, chain)).await?;
    let (conn2, site, hub) = (conn.clone(), site.to_owned(), hub.to_owned());
    tokio::spawn(async move {
        let _keep = control;
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        loop {
            tick.tick().await;
            let hb = packet(
                PacketKind::LinkState,
                "-",
                &site,
                "-",
                &hub,
                hub.clone().into_bytes(),
            );
            if conn2.send_datagram(hb.encode().into()).is_err() {
                return;
            }
        }
    });
    Ok(conn)
}

pub async fn run() -> anyhow::Result<()> {
    println!("tiepdan bench — session media");
    let parts =
        std::env::var("TIEPDAN_BENCH_MEDIA").unwrap_or_else(|_| "relay,upload,link,cut".into());
    let wanted = |part: &str| parts.split(',').any(|p| p.trim() == part);
    if wanted("relay") {
        relay_hop().await?;
    }
    if wanted("upload") {
        upload_on_loopback().await?;
    }
    let lab = std::env::var_os("TIEPDAN_BENCH_NO_LAB").is_none();
    let can_lab = unsafe { libc::geteuid() } == 0
        && std::process::Command::new("ip").arg("-V").output().is_ok();
    for (part, what) in [
        ("link", "recording upload over a site link"),
        ("cut", "media gap after a link cut"),
    ] {
        if !lab || !wanted(part) {
            continue;
        }
        if !can_lab {
            println!("{what}: skipped (needs root and iproute2 for the network-namespace lab)");
            continue;
        }
        match part {
            "link" => upload_over_link().await?,
            _ => cut_gaps().await?,
        }
    }
    Ok(())
}

/// Central alone, as a process, under `dir`.
async fn central_alone(dir: &std::path::Path) -> anyhow::Result<LocalFederation> {
    let exe = std::env::current_exe()?;
    let root = dir.to_path_buf();
    tokio::task::spawn_blocking(move || -> anyhow::Result<LocalFederation> {
        let mut fed = LocalFederation::create(exe, &root, &["VN"])?;
        fed.start_all()?;
        fed.wait_formed(Duration::from_secs(60))?;
        Ok(fed)
    })
    .await?
}

async fn relay_hop() -> anyhow::Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("tiepdan-bench-media-")
        .tempdir()?;
    let fed = central_alone(dir.path()).await?;
    let vn = fed.site("VN")?;
    // Two communes of a province outside the federation, certified the real way.
    let points = peer_client::certified_communes(&vn.data, "01", 2)?;
    let (a, b) = (&points[0], &points[1]);
    let session = fed.api_post_as("VN", Staff::Officer, "sessions", &json!({"title": "Đo độ trễ", "points": [a.0, b.0], "starts_at_ms": unix_now() * 1000 + 86_400_000}))?;
    let session = session["session_id"]
        .as_str()
        .context("session id")?
        .to_owned();
    let conn_a = point(vn.quic, &a.0, &a.1, &a.2, "VN").await?;
    let conn_b = point(vn.quic, &b.0, &b.1, &b.2, "VN").await?;
    // Let the node hear both points and load the session.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let pid = pid_of(vn.data.root()).context("the node's pid")?;

    let t0 = Instant::now();
    let latencies: Arc<Mutex<Vec<f64>>> = Arc::default();
    let recv = {
        let (conn_b, latencies) = (conn_b.clone(), latencies.clone());
        tokio::spawn(async move {
            while let Ok(d) = conn_b.read_datagram().await {
                let Ok(p) = MediaPacket::decode(&d) else {
                    continue;
                };
                if p.kind != PacketKind::Audio || p.payload.len() < 8 {
                    continue;
                }
                let sent = u64::from_be_bytes(p.payload[..8].try_into().unwrap_or_default());
                let now = t0.elapsed().as_nanos() as u64;
                latencies
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(now.saturating_sub(sent) as f64 / 1e6);
            }
        })
    };
    for streams in [50usize, 200] {
        latencies.lock().unwrap_or_else(|e| e.into_inner()).clear();
        let seconds = 5.0;
        let cpu0 = cpu_seconds(pid);
        let start = Instant::now();
        // Each stream sends every 20 ms; spread them over the 20 ms in 1 ms slots.
        let mut tick = tokio::time::interval(Duration::from_millis(1));
        let mut slot = 0usize;
        let mut sent = 0u64;
        while start.elapsed().as_secs_f64() < seconds {
            tick.tick().await;
            for s in (slot % 20..streams).step_by(20) {
                let mut payload = (t0.elapsed().as_nanos() as u64).to_be_bytes().to_vec();
                payload.resize(120, 0xf8);
                let p = packet(
                    PacketKind::Audio,
                    &session,
                    &a.0,
                    &format!("s{s}"),
                    &b.0,
                    payload,
                );
                if conn_a.send_datagram(p.encode().into()).is_ok() {
                    sent += 1;
                }
            }
            slot += 1;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        let wall = start.elapsed().as_secs_f64();
        let cores = (cpu_seconds(pid) - cpu0) / wall;
        let mut l = latencies.lock().unwrap_or_else(|e| e.into_inner()).clone();
        l.sort_by(f64::total_cmp);
        println!(
            "one relay hop (point → node → point, loopback), {streams} audio streams: p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms ({} of {} packets arrived); node CPU {:.2} cores → {:.0} streams per core (target p99 ≤ 1 ms at 200)",
            percentile(&l, 0.5),
            percentile(&l, 0.95),
            percentile(&l, 0.99),
            l.len(),
            sent,
            cores,
            streams as f64 / cores.max(1e-9)
        );
    }
    recv.abort();
    tokio::task::spawn_blocking(move || drop(fed)).await?;
    Ok(())
}

/// The network-namespace lab (commune 00004, its province, central) in a fresh folder, formed.
/// Blocking. The lab is dropped before its folder (declared after it).
fn formed_lab(prefix: &str, n: u8) -> anyhow::Result<(tempfile::TempDir, NetLab)> {
    let dir = tempfile::Builder::new().prefix(prefix).tempdir()?;
    let lab = NetLab::triangle(&std::env::current_exe()?, dir.path(), "00004", n)?;
    lab.wait_formed(Duration::from_secs(60))?;
    Ok((dir, lab))
}

async fn cut_gaps() -> anyhow::Result<()> {
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let (_dir, lab) = formed_lab("tiepdan-bench-lab-", 2)?;
        let (_, v) = lab.call_as("VN", Staff::Chair, "POST", "sessions", Some(&json!({"title": "Đo gián đoạn", "points": ["00004"], "starts_at_ms": unix_now() * 1000 + 86_400_000})));
        let id = v["session_id"].as_str().context("session")?.to_owned();
        let wait = |what: &str, f: &mut dyn FnMut() -> bool| -> anyhow::Result<()> {
            let t = Instant::now();
            while !f() {
                if t.elapsed() > Duration::from_secs(60) {
                    anyhow::bail!("{what} did not happen within 60 s");
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Ok(())
        };
        wait("the session reaching the commune", &mut || lab.call("00004", "GET", &format!("sessions/{id}"), None).0 == 200)?;
        lab.call_as("VN", Staff::Chair, "POST", &format!("sessions/{id}/events"), Some(&json!({"started": {"at_ms": 1}})));
        wait("the start reaching the commune", &mut || lab.call("00004", "GET", &format!("sessions/{id}"), None).1["phase"] == "live")?;
        lab.call("00004", "POST", &format!("sessions/{id}/test-signal"), Some(&json!({"publisher_id": "cam-1", "seconds": 1800})));
        let stats = || -> serde_json::Value {
            let (_, v) = lab.call("VN", "GET", &format!("sessions/{id}/media"), None);
            v["streams"].as_array().and_then(|s| s.first().cloned()).map(|s| s["stats"].clone()).unwrap_or_default()
        };
        wait("direct media", &mut || stats()["via"] == "00004" && stats()["video_frames"].as_u64() > Some(25))?;
        let cuts = 10;
        for _ in 0..cuts {
            std::thread::sleep(Duration::from_millis(500));
            lab.cut()?;
            let frames = stats()["video_frames"].as_u64().unwrap_or(0);
            wait("media through the province", &mut || stats()["via"] == "01" && stats()["video_frames"].as_u64().unwrap_or(0) > frames + 10)?;
            lab.heal()?;
            wait("media back on the direct link", &mut || stats()["via"] == "00004")?;
        }
        let mut gaps: Vec<f64> = stats()["gaps_ms"].as_array().into_iter().flatten().filter_map(|g| g.as_f64()).collect();
        // The stream's gaps beyond the 200 ms threshold; cuts that caused no such gap count as 0.
        gaps.resize(gaps.len().max(cuts), 0.0);
        gaps.sort_by(f64::total_cmp);
        println!(
            "media gap after the commune–central link is cut (network namespaces, reroute through the province): p50 {:.0} ms, p95 {:.0} ms over {cuts} cuts (target p95 ≤ 1000 ms)",
            percentile(&gaps, 0.5),
            percentile(&gaps, 0.95)
        );
        Ok(())
    })
    .await?
}

/// Transfers of each kind an upload figure is the median of.
const ROUNDS: usize = 11;
/// The segment uploaded: large enough that a transfer lasts many round trips.
const UPLOAD_BYTES: usize = 64 * 1024 * 1024;
/// The site link of the upload figure: a 1 Gbit/s line, the fastest a site has.
const LINK_RATE_MBIT: u32 = 1000;

/// Uploads and plain QUIC transfers of the same bytes over one connection, alternating.
struct UploadComparison {
    /// Per transfer: (bytes per second, CPU seconds per MB of the receiving node, and of this
    /// sending process).
    upload: Vec<(f64, f64, f64)>,
    plain: Vec<(f64, f64, f64)>,
}

impl UploadComparison {
    fn median(v: &[(f64, f64, f64)], f: fn(&(f64, f64, f64)) -> f64) -> f64 {
        let mut x: Vec<f64> = v.iter().map(f).collect();
        x.sort_by(f64::total_cmp);
        percentile(&x, 0.5)
    }

    /// "U MB/s; plain QUIC on the same link: P MB/s → R%".
    fn rates(&self) -> String {
        let (up, plain) = (
            Self::median(&self.upload, |x| x.0),
            Self::median(&self.plain, |x| x.0),
        );
        format!(
            "{:.0} MB/s; plain QUIC on the same link: {:.0} MB/s → {:.0}%",
            up / 1e6,
            plain / 1e6,
            100.0 * up / plain
        )
    }

    fn cpu(&self) -> String {
        let m = |v: &[(f64, f64, f64)], f| Self::median(v, f) * 1e3;
        format!(
            "receiving node {:.2} vs {:.2} ms, sending process {:.2} vs {:.2} ms",
            m(&self.upload, |x| x.1),
            m(&self.plain, |x| x.1),
            m(&self.upload, |x| x.2),
            m(&self.plain, |x| x.2)
        )
    }
}

/// Writes [`UPLOAD_BYTES`] of incompressible bytes as a sealed segment file under `dir`.
fn segment_file(dir: &std::path::Path) -> anyhow::Result<(std::path::PathBuf, axum::body::Bytes)> {
    let mut bytes = vec![0u8; UPLOAD_BYTES];
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for chunk in bytes.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
    }
    let file = dir.join("seg-000001.tdrec");
    std::fs::write(&file, &bytes)?;
    Ok((file, bytes.into()))
}

/// Uploads `file` (as new segments of `session`'s recording at `code`) and sends the same
/// bytes as plain QUIC on the same connection (the link-test channel, dropped by the node),
/// a warm-up of each and then [`ROUNDS`] of each in alternating order (upload first, then
/// plain first, …): other work on the machine and any first-or-second advantage weigh on both
/// alike. `node_pid` is the receiving node's, for its CPU.
async fn compare_upload(
    conn: &quinn::Connection,
    node_pid: u32,
    session: &str,
    code: &str,
    file: &std::path::Path,
    bytes: &axum::body::Bytes,
) -> anyhow::Result<UploadComparison> {
    let uploads = crate::upload::SendProgress::default();
    // The sender knows a sealed segment's hash from its signed index.
    let hash = *blake3::hash(bytes).as_bytes();
    let me = std::process::id();
    let mb = bytes.len() as f64 / 1e6;
    let mut n = 0u32;
    let mut upload = || {
        n += 1;
        let rel = format!("{session}/{code}/cam-1/seg-{n:06}.tdrec");
        let uploads = &uploads;
        async move {
            let (t, cpu, own) = (Instant::now(), cpu_seconds(node_pid), cpu_seconds(me));
            crate::upload::send_file(uploads, "VN", conn, file, &rel, Some(hash)).await?;
            anyhow::Ok((
                bytes.len() as f64 / t.elapsed().as_secs_f64(),
                (cpu_seconds(node_pid) - cpu) / mb,
                (cpu_seconds(me) - own) / mb,
            ))
        }
    };
    let plain = || async {
        let (cpu, own) = (cpu_seconds(node_pid), cpu_seconds(me));
        let rate = crate::federation::link_test::send(conn, bytes.clone()).await?;
        anyhow::Ok((
            rate,
            (cpu_seconds(node_pid) - cpu) / mb,
            (cpu_seconds(me) - own) / mb,
        ))
    };
    upload().await?;
    plain().await?;
    let mut c = UploadComparison {
        upload: Vec::new(),
        plain: Vec::new(),
    };
    for round in 0..ROUNDS {
        if round % 2 == 0 {
            c.upload.push(upload().await?);
            c.plain.push(plain().await?);
        } else {
            c.plain.push(plain().await?);
            c.upload.push(upload().await?);
        }
    }
    Ok(c)
}

/// The upload against plain QUIC on loopback, where no link limits either: both ends share
/// the machine's cores, so this is what each costs in CPU.
async fn upload_on_loopback() -> anyhow::Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("tiepdan-bench-upload-")
        .tempdir()?;
    let fed = central_alone(dir.path()).await?;
    let vn = fed.site("VN")?;
    let pid = pid_of(vn.data.root()).context("the node's pid")?;
    let points = peer_client::certified_communes(&vn.data, "01", 1)?;
    let (code, key, chain) = &points[0];
    let session = fed.api_post_as("VN", Staff::Officer, "sessions", &json!({"title": "Đo tải lên", "points": [code], "starts_at_ms": unix_now() * 1000 + 86_400_000}))?;
    let session = session["session_id"]
        .as_str()
        .context("session id")?
        .to_owned();
    let conn = point(vn.quic, code, key, chain, "VN").await?;
    let (file, bytes) = segment_file(dir.path())?;
    let c = compare_upload(&conn, pid, &session, code, &file, &bytes).await?;
    println!(
        "recording upload on loopback (no link limit: both ends share the 2 cores), 64 MiB segment hashed, fsync'd and verified at central: {} (medians of {ROUNDS} alternating runs)",
        c.rates()
    );
    println!("  CPU per MB, uploading vs plain QUIC: {}", c.cpu());
    tokio::task::spawn_blocking(move || drop(fed)).await?;
    Ok(())
}

/// The upload against plain QUIC over a site link of the network-namespace lab: the sender
/// is a commune of another province in the lab commune's namespace, reaching central over
/// the direct link limited to [`LINK_RATE_MBIT`].
async fn upload_over_link() -> anyhow::Result<()> {
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let (dir, lab) = formed_lab("tiepdan-bench-link-", 5)?;
        if let Err(e) = lab.limit_direct_link(LINK_RATE_MBIT) {
            // A kernel without the token-bucket qdisc: say so rather than fail the whole bench.
            println!("recording upload over a site link: skipped ({e})");
            return Ok(());
        }
        let pid = lab.pid("VN").context("central's pid")?;
        // A commune of Hồ Chí Minh City, so it is not the lab's own commune (00004, Hà Nội).
        let points = peer_client::certified_communes(&crate::site::datadir::DataDir::new(&lab.site("VN").data), "79", 1)?;
        let (code, key, chain) = &points[0];
        let (status, v) = lab.call_as("VN", Staff::Chair, "POST", "sessions", Some(&json!({"title": "Đo tải lên qua đường truyền", "points": [code], "starts_at_ms": unix_now() * 1000 + 86_400_000})));
        anyhow::ensure!(status == 200 || status == 201, "creating the session: {status} {v}");
        let session = v["session_id"].as_str().context("session id")?.to_owned();
        let (file, bytes) = segment_file(dir.path())?;
        let central = lab.central_on_direct_link();
        let c = std::thread::scope(|s| {
            s.spawn(|| -> anyhow::Result<UploadComparison> {
                lab.enter("00004")?;
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
                rt.block_on(async {
                    let conn = point(central, code, key, chain, "VN").await?;
                    compare_upload(&conn, pid, &session, code, &file, &bytes).await
                })
            })
            .join()
            .map_err(|_| anyhow::anyhow!("the sending thread panicked"))?
        })?;
        println!(
            "recording upload over a site link ({LINK_RATE_MBIT} Mbit/s line, network namespaces), 64 MiB segment hashed, fsync'd and verified at central: {} (medians of {ROUNDS} alternating runs; target ≥ 80%)",
            c.rates()
        );
        Ok(())
    })
    .await?
}
