//! A federation of real `tiepdan` processes on loopback, for the demo and the benchmarks.
//!
//! Owns creating the PKI for a set of official sites (root → provinces → communes, exactly the
//! procedure an IT officer follows with `init`, `issue` and `install`), choosing free ports,
//! starting and stopping node processes, and waiting until every site has its links.

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde_json::Value;
use tiepdan_protocol::sites::{Level, Registry};

use crate::cli::admin;
use crate::cli::client::{agent, json_call};
use crate::federation::pki;
use crate::site::datadir::DataDir;

/// One site of a local federation.
pub struct SiteProcess {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub data: DataDir,
    pub quic: SocketAddr,
    pub p2p: SocketAddr,
    pub http: SocketAddr,
    /// The operator token (IT staff: PKI, users, links).
    pub token: String,
    /// API tokens of the site's demo accounts [`OFFICER`] and [`CHAIR`].
    pub officer: String,
    pub chair: String,
    pub child: Option<Child>,
}

/// The demo accounts every lab site gets, and their password (a local demo's, printed by
/// `tiepdan demo`; real sites create accounts with `tiepdan user add`).
pub const OFFICER: &str = "canbo";
pub const CHAIR: &str = "chutri";
pub const DEMO_PASSWORD: &str = "tiepdan-demo-2026";

/// Who calls a lab site's API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Staff {
    Operator,
    Officer,
    Chair,
}

impl SiteProcess {
    pub fn token_of(&self, who: Staff) -> &str {
        match who {
            Staff::Operator => &self.token,
            Staff::Officer => &self.officer,
            Staff::Chair => &self.chair,
        }
    }
}

/// Creates the demo officer and chair of a stopped site; returns their API tokens.
pub(crate) fn demo_accounts(data: &DataDir, site_name: &str) -> anyhow::Result<(String, String)> {
    use crate::accounts::offline;
    let store = crate::site::store::Store::open(&data.store_path())?;
    let now = crate::site::clock::unix_now() * 1000;
    offline::create(
        &store,
        OFFICER,
        &format!("Cán bộ tiếp công dân ({site_name})"),
        "officer",
        Some(DEMO_PASSWORD),
        now,
    )?;
    offline::create(
        &store,
        CHAIR,
        &format!("Chủ tịch ({site_name})"),
        "chair",
        Some(DEMO_PASSWORD),
        now,
    )?;
    Ok((
        offline::new_token(&store, OFFICER)?,
        offline::new_token(&store, CHAIR)?,
    ))
}

pub struct LocalFederation {
    pub exe: PathBuf,
    pub sites: BTreeMap<String, SiteProcess>,
}

/// Lowest port [`free_port`] hands out.
const FIRST_FREE_PORT: u16 = 10_000;

/// The first port the kernel hands out to sockets bound to port 0 (Linux's default 32768 when
/// it cannot be read).
fn ephemeral_start() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|r| r.split_whitespace().next().and_then(|p| p.parse().ok()))
        .unwrap_or(32_768)
}

/// A port free on loopback for both UDP and TCP (p2p listens on both with one number), chosen
/// below the kernel's ephemeral range: a port bound to 0 and released (the usual trick) can be
/// taken by any client socket before the node binds it, while one below the range can only be
/// taken by name. Never the same port twice in one process (tests start federations in
/// parallel); the start point is drawn from the pid and the clock, so parallel processes
/// spread out.
pub fn free_port() -> anyhow::Result<u16> {
    static GIVEN: std::sync::Mutex<std::collections::BTreeSet<u16>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    let end = ephemeral_start();
    if end > FIRST_FREE_PORT + 1_000 {
        let span = u64::from(end - FIRST_FREE_PORT);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let mut x = (u64::from(std::process::id()) << 32 | u64::from(nanos)) | 1;
        let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
        for _ in 0..1_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let port = FIRST_FREE_PORT + (x % span) as u16;
            if !given.contains(&port)
                && UdpSocket::bind(("127.0.0.1", port)).is_ok()
                && TcpListener::bind(("127.0.0.1", port)).is_ok()
            {
                given.insert(port);
                return Ok(port);
            }
        }
    }
    // A kernel whose ephemeral range starts low: the usual trick.
    for _ in 0..64 {
        let udp = UdpSocket::bind("127.0.0.1:0")?;
        let port = udp.local_addr()?.port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    bail!("no free loopback port found")
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

impl LocalFederation {
    /// Creates data folders and certificates for `codes` under `dir`. Parents must be listed.
    pub fn create(exe: PathBuf, dir: &Path, codes: &[&str]) -> anyhow::Result<LocalFederation> {
        let reg = Registry::official();
        let mut order: Vec<&str> = codes.to_vec();
        order.sort_by_key(|c| reg.get(c).map(|s| s.level).unwrap_or(Level::Commune));
        let mut sites = BTreeMap::new();
        for code in order {
            let site = reg.get(code)?;
            let data = DataDir::new(dir.join(code));
            if site.level == Level::Central {
                pki::init(&data, Some(code), true, None)?;
            } else {
                pki::init(&data, Some(code), false, None)?;
                let parent_code = site.parent.as_deref().context("site without parent")?;
                let parent: &SiteProcess = sites.get(parent_code).with_context(|| {
                    format!("{code}: parent {parent_code} must be part of the federation")
                })?;
                let chain_path = data.root().join("issued-chain.pem");
                admin::issue(
                    &parent.data,
                    &data.request_path(),
                    &chain_path,
                    pki::DEFAULT_CERT_DAYS,
                )?;
                pki::install(&data, &chain_path)?;
            }
            let token = data.read_token()?;
            let (officer, chair) = demo_accounts(&data, &site.name)?;
            let quic = loopback(free_port()?);
            let p2p = loopback(free_port()?);
            let http = loopback(free_port()?);
            sites.insert(
                code.to_owned(),
                SiteProcess {
                    code: code.to_owned(),
                    name: site.name.clone(),
                    level: site.level,
                    data,
                    quic,
                    p2p,
                    http,
                    token,
                    officer,
                    chair,
                    child: None,
                },
            );
        }
        Ok(LocalFederation { exe, sites })
    }

    pub fn site(&self, code: &str) -> anyhow::Result<&SiteProcess> {
        self.sites
            .get(code)
            .with_context(|| format!("{code} is not in this federation"))
    }

    /// Starts one node process; its log goes to DIR/node.log.
    pub fn start(&mut self, code: &str) -> anyhow::Result<()> {
        let parent_quic = Registry::official()
            .parent(code)
            .and_then(|p| self.sites.get(p))
            .map(|p| p.quic);
        let exe = self.exe.clone();
        let s = self
            .sites
            .get_mut(code)
            .with_context(|| format!("{code} is not in this federation"))?;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(s.data.root().join("node.log"))?;
        let mut cmd = Command::new(exe);
        cmd.arg("run")
            .arg("--data")
            .arg(s.data.root())
            .arg("--listen")
            .arg(s.quic.to_string())
            .arg("--p2p")
            .arg(s.p2p.to_string())
            .arg("--http")
            .arg(s.http.to_string())
            .arg("--media")
            .arg("127.0.0.1:0")
            .arg("--no-mdns")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        if let Some(p) = parent_quic {
            cmd.arg("--parent").arg(p.to_string());
        }
        s.child = Some(cmd.spawn().context("cannot start a tiepdan node process")?);
        Ok(())
    }

    pub fn start_all(&mut self) -> anyhow::Result<()> {
        let codes: Vec<String> = self.sites.keys().cloned().collect();
        for c in codes {
            self.start(&c)?;
        }
        Ok(())
    }

    /// SIGTERM, then wait up to 5 s (then SIGKILL).
    pub fn stop(&mut self, code: &str) -> anyhow::Result<()> {
        let s = self
            .sites
            .get_mut(code)
            .with_context(|| format!("{code} is not in this federation"))?;
        if let Some(mut child) = s.child.take() {
            // SAFETY: kill(2) on a pid we spawned and have not reaped yet.
            unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
            let end = Instant::now() + Duration::from_secs(5);
            while Instant::now() < end {
                if child.try_wait()?.is_some() {
                    return Ok(());
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        Ok(())
    }

    /// SIGTERM to every node at once, then wait for each (SIGKILL after 5 s).
    pub fn stop_all(&mut self) {
        for s in self.sites.values() {
            if let Some(child) = &s.child {
                // SAFETY: kill(2) on a pid we spawned and have not reaped yet.
                unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
            }
        }
        let codes: Vec<String> = self.sites.keys().cloned().collect();
        for c in codes {
            let _ = self.stop(&c);
        }
    }

    pub fn api(&self, code: &str, path: &str) -> anyhow::Result<Value> {
        let s = self.site(code)?;
        json_call(
            agent()
                .get(&format!("http://{}/api/v1/{path}", s.http))
                .header("Authorization", &format!("Bearer {}", s.token))
                .call(),
        )
    }

    /// POSTs `body` to the API of `code` with the operator token.
    pub fn api_post(&self, code: &str, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.api_post_as(code, Staff::Operator, path, body)
    }

    /// GETs `path` from the API of `code` as one of its staff.
    pub fn api_as(&self, code: &str, who: Staff, path: &str) -> anyhow::Result<Value> {
        let s = self.site(code)?;
        json_call(
            agent()
                .get(&format!("http://{}/api/v1/{path}", s.http))
                .header("Authorization", &format!("Bearer {}", s.token_of(who)))
                .call(),
        )
    }

    /// POSTs `body` to the API of `code` as one of its staff.
    pub fn api_post_as(
        &self,
        code: &str,
        who: Staff,
        path: &str,
        body: &Value,
    ) -> anyhow::Result<Value> {
        let s = self.site(code)?;
        json_call(
            agent()
                .post(&format!("http://{}/api/v1/{path}", s.http))
                .header("Authorization", &format!("Bearer {}", s.token_of(who)))
                .send_json(body),
        )
    }

    /// The sites `code` holds a live link to.
    pub fn connected(&self, code: &str) -> Vec<String> {
        match self.api(code, "peers") {
            Ok(Value::Array(list)) => list
                .iter()
                .filter(|p| p["connected"].as_bool() == Some(true))
                .filter_map(|p| p["site"].as_str().map(str::to_owned))
                .collect(),
            _ => vec![],
        }
    }

    /// True when every site is linked to each of its ancestors in the federation.
    pub fn formed(&self) -> bool {
        let reg = Registry::official();
        // Every API answers, and every site is linked to each of its ancestors that runs here.
        self.sites.keys().all(|code| {
            let up: Vec<&str> = reg
                .ancestors(code)
                .into_iter()
                .filter(|a| self.sites.contains_key(*a))
                .collect();
            let Ok(Value::Array(peers)) = self.api(code, "peers") else {
                return false;
            };
            let linked: Vec<&str> = peers
                .iter()
                .filter(|p| p["connected"].as_bool() == Some(true))
                .filter_map(|p| p["site"].as_str())
                .collect();
            up.iter().all(|a| linked.contains(a))
        })
    }

    pub fn wait_formed(&self, timeout: Duration) -> anyhow::Result<Duration> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if self.formed() {
                return Ok(start.elapsed());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!(
            "the federation did not form within {} s; see each site's node.log",
            timeout.as_secs()
        )
    }
}

impl Drop for LocalFederation {
    fn drop(&mut self) {
        self.stop_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_ports_are_distinct_bindable_and_outside_the_ephemeral_range() {
        let ports: Vec<u16> = (0..200).map(|_| free_port().unwrap()).collect();
        let distinct: std::collections::BTreeSet<u16> = ports.iter().copied().collect();
        assert_eq!(distinct.len(), ports.len());
        let end = ephemeral_start();
        for p in ports.iter().take(20) {
            assert!((FIRST_FREE_PORT..end).contains(p), "{p}");
            UdpSocket::bind(("127.0.0.1", *p)).unwrap();
            TcpListener::bind(("127.0.0.1", *p)).unwrap();
        }
    }
}
