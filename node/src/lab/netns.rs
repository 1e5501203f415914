//! A three-site federation on real (virtual) links, for the failover test and benchmark:
//! central, a province and one of its communes, each `tiepdan run` in its own network
//! namespace, joined pairwise by veth links (central–province, province–commune and the direct
//! commune–central link that [`NetLab::cut`] takes down). Needs root and `ip` (iproute2).
//!
//! Each namespace also has a management veth to the test's namespace, on which only the HTTP
//! API listens; QUIC addresses are advertised on the site links only, so media and replication
//! never take the management path.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde_json::Value;

use super::processes::Staff;

/// One site of the lab.
pub struct LabSite {
    pub code: String,
    pub ns: String,
    pub data: PathBuf,
    pub http: SocketAddr,
    /// The operator token.
    pub token: String,
    /// API tokens of the demo officer and chair (`lab::processes::OFFICER`, `CHAIR`).
    pub officer: String,
    pub chair: String,
}

/// The lab: namespaces, links and node processes, removed on drop.
pub struct NetLab {
    pub sites: Vec<LabSite>,
    tag: String,
    children: Vec<Child>,
    exe: PathBuf,
    dir: PathBuf,
    /// The lab's number: its addresses are 10.(100+n).x.y.
    n: u8,
}

fn ip(args: &[&str]) -> anyhow::Result<()> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .context("cannot run `ip` (install iproute2)")?;
    if !out.status.success() {
        bail!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

fn run_bin(exe: &Path, args: &[&str]) -> anyhow::Result<()> {
    let out = Command::new(exe).args(args).output()?;
    if !out.status.success() {
        bail!(
            "tiepdan {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

impl NetLab {
    /// Builds the lab for `commune` (its province is its parent) under `dir`, and starts the
    /// three nodes. `n` makes the namespace and address names unique for parallel labs.
    pub fn triangle(exe: &Path, dir: &Path, commune: &str, n: u8) -> anyhow::Result<NetLab> {
        let reg = tiepdan_protocol::sites::Registry::official();
        let province = reg
            .parent(commune)
            .context("the commune has no province")?
            .to_owned();
        let tag = format!("td{}{}", std::process::id() % 10_000, n);
        let codes = ["VN".to_owned(), province.clone(), commune.to_owned()];
        let mut lab = NetLab {
            sites: Vec::new(),
            tag: tag.clone(),
            children: Vec::new(),
            exe: exe.to_owned(),
            dir: dir.to_owned(),
            n,
        };
        let net = |link: u8| format!("10.{}.{link}", 100 + n);
        for (i, code) in codes.iter().enumerate() {
            let ns = format!("{tag}-{i}");
            ip(&["netns", "add", &ns])?;
            ip(&["-n", &ns, "link", "set", "lo", "up"])?;
            // Management link: test namespace ↔ site, 10.(100+n).9(i).0/24.
            let (host_if, site_if) = (format!("{tag}m{i}"), format!("m{i}"));
            ip(&[
                "link", "add", &host_if, "type", "veth", "peer", "name", &site_if, "netns", &ns,
            ])?;
            ip(&[
                "addr",
                "add",
                &format!("{}.1/24", net(90 + i as u8)),
                "dev",
                &host_if,
            ])?;
            ip(&["link", "set", &host_if, "up"])?;
            ip(&[
                "-n",
                &ns,
                "addr",
                "add",
                &format!("{}.2/24", net(90 + i as u8)),
                "dev",
                &site_if,
            ])?;
            ip(&["-n", &ns, "link", "set", &site_if, "up"])?;
            let data = dir.join(code);
            lab.sites.push(LabSite {
                code: code.clone(),
                ns,
                data,
                http: format!("{}.2:8080", net(90 + i as u8)).parse()?,
                token: String::new(),
                officer: String::new(),
                chair: String::new(),
            });
        }
        // Site links: 1 = central–province, 2 = province–commune, 3 = commune–central.
        let pairs = [(0usize, 1usize, 1u8), (1, 2, 2), (2, 0, 3)];
        for (a, b, link) in pairs {
            let (ia, ib) = (format!("l{link}a"), format!("l{link}b"));
            let (na, nb) = (lab.sites[a].ns.clone(), lab.sites[b].ns.clone());
            ip(&[
                "-n", &na, "link", "add", &ia, "type", "veth", "peer", "name", &ib, "netns", &nb,
            ])?;
            ip(&[
                "-n",
                &na,
                "addr",
                "add",
                &format!("{}.1/24", net(link)),
                "dev",
                &ia,
            ])?;
            ip(&[
                "-n",
                &nb,
                "addr",
                "add",
                &format!("{}.2/24", net(link)),
                "dev",
                &ib,
            ])?;
            ip(&["-n", &na, "link", "set", &ia, "up"])?;
            ip(&["-n", &nb, "link", "set", &ib, "up"])?;
        }
        // Certificates: central issues the province's, the province the commune's.
        let paths: Vec<String> = lab
            .sites
            .iter()
            .map(|s| s.data.to_string_lossy().into_owned())
            .collect();
        let d = |i: usize| paths[i].clone();
        run_bin(exe, &["init", "--data", &d(0), "--root"])?;
        run_bin(exe, &["init", "--data", &d(1), "--site", &province])?;
        run_bin(exe, &["init", "--data", &d(2), "--site", commune])?;
        for (issuer, child) in [(0, 1), (1, 2)] {
            let chain = dir.join(format!("{}.chain.pem", codes[child]));
            let request = format!("{}/request.pem", d(child));
            run_bin(
                exe,
                &[
                    "issue",
                    "--data",
                    &d(issuer),
                    "--request",
                    &request,
                    "--out",
                    &chain.to_string_lossy(),
                ],
            )?;
            run_bin(
                exe,
                &["install", "--data", &d(child), &chain.to_string_lossy()],
            )?;
        }
        // Each advertises the address its children (or, for central, the commune) reach it on;
        // the province dials its parent's address; each listens on every interface.
        let configs = [
            (
                0usize,
                format!("advertise = [\"{}.2:4433\"]\n", net(3)),
                None,
            ),
            (
                1,
                format!("advertise = [\"{}.1:4433\"]\n", net(2)),
                Some(format!("{}.1:4433", net(1))),
            ),
            (
                2,
                format!("advertise = [\"{}.2:4433\"]\n", net(2)),
                Some(format!("{}.1:4433", net(2))),
            ),
        ];
        for (i, config, parent) in configs {
            std::fs::write(lab.sites[i].data.join("tiepdan.toml"), config)?;
            lab.sites[i].token = std::fs::read_to_string(lab.sites[i].data.join("operator.token"))?
                .trim()
                .to_owned();
            let (officer, chair) = super::processes::demo_accounts(
                &crate::site::datadir::DataDir::new(lab.sites[i].data.clone()),
                &lab.sites[i].code,
            )?;
            (lab.sites[i].officer, lab.sites[i].chair) = (officer, chair);
            let log = std::fs::File::create(lab.sites[i].data.join("node.log"))?;
            let mut cmd = Command::new("ip");
            cmd.args(["netns", "exec", &lab.sites[i].ns])
                .arg(exe)
                .args(["run", "--data", &d(i)]);
            cmd.args([
                "--listen",
                "0.0.0.0:4433",
                "--p2p",
                "0.0.0.0:4434",
                "--http",
                &lab.sites[i].http.to_string(),
                "--no-mdns",
            ]);
            if let Some(p) = parent {
                cmd.args(["--parent", &p]);
            }
            let child = cmd
                .stdin(Stdio::null())
                .stdout(log.try_clone()?)
                .stderr(log)
                .spawn()?;
            lab.children.push(child);
        }
        Ok(lab)
    }

    pub fn site(&self, code: &str) -> &LabSite {
        self.sites
            .iter()
            .find(|s| s.code == code)
            .expect("a site of the lab")
    }

    /// Calls the API of `code` with its operator token; returns (status, JSON).
    pub fn call(&self, code: &str, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        self.call_as(code, Staff::Operator, method, path, body)
    }

    /// Calls the API of `code` as one of its staff; returns (status, JSON).
    pub fn call_as(
        &self,
        code: &str,
        who: Staff,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let s = self.site(code);
        let token = match who {
            Staff::Operator => &s.token,
            Staff::Officer => &s.officer,
            Staff::Chair => &s.chair,
        };
        // The sites' web addresses are not loopback, so they serve HTTPS with their own web
        // CA, made when the node first starts: trust exactly that one.
        let agent = std::fs::read(s.data.join("web").join("ca.pem"))
            .map_err(anyhow::Error::from)
            .and_then(|pem| crate::cli::client::agent_trusting(&pem));
        match agent {
            Ok(a) => crate::cli::client::api_status_with(
                &a,
                &format!("https://{}", s.http),
                token,
                method,
                path,
                body,
            ),
            Err(e) => (0, Value::String(format!("no web CA yet: {e}"))),
        }
    }

    /// Waits until every site has a link to the two others.
    pub fn wait_formed(&self, timeout: Duration) -> anyhow::Result<()> {
        let t = Instant::now();
        while t.elapsed() < timeout {
            let formed = self.sites.iter().all(|s| {
                let (status, v) = self.call(&s.code, "GET", "peers", None);
                status == 200
                    && v.as_array().is_some_and(|peers| {
                        peers.iter().filter(|p| p["connected"] == true).count() >= 2
                    })
            });
            if formed {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        bail!(
            "the lab did not form within {} s; see node.log under {}",
            timeout.as_secs(),
            self.dir.display()
        )
    }

    /// Takes the direct commune–central link down (carrier lost on both ends).
    pub fn cut(&self) -> anyhow::Result<()> {
        ip(&["-n", &self.sites[2].ns, "link", "set", "l3a", "down"])
    }

    /// Brings the direct commune–central link back.
    pub fn heal(&self) -> anyhow::Result<()> {
        ip(&["-n", &self.sites[2].ns, "link", "set", "l3a", "up"])
    }

    /// Limits the direct commune–central link to `rate_mbit` each way, on both of its ends, as a
    /// site's line limits it (token bucket: this machine's kernel has no netem, so no added
    /// delay).
    pub fn limit_direct_link(&self, rate_mbit: u32) -> anyhow::Result<()> {
        for (ns, dev) in [(&self.sites[2].ns, "l3a"), (&self.sites[0].ns, "l3b")] {
            // A burst of 1 MB covers a kernel tick at 1 Gbit/s; packets wait up to 20 ms.
            let out = Command::new("tc")
                .args([
                    "-n",
                    ns,
                    "qdisc",
                    "replace",
                    "dev",
                    dev,
                    "root",
                    "tbf",
                    "rate",
                    &format!("{rate_mbit}mbit"),
                    "burst",
                    "1mb",
                    "latency",
                    "20ms",
                ])
                .output()
                .context("cannot run `tc` (install iproute2)")?;
            if !out.status.success() {
                bail!(
                    "tc on {dev}: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
        }
        Ok(())
    }

    /// Central's QUIC address on the direct commune–central link.
    pub fn central_on_direct_link(&self) -> SocketAddr {
        SocketAddr::from(([10, 100 + self.n, 3, 2], 4433))
    }

    /// The pid of `code`'s node process.
    pub fn pid(&self, code: &str) -> Option<u32> {
        let i = self.sites.iter().position(|s| s.code == code)?;
        self.children.get(i).map(Child::id)
    }

    /// Moves the calling thread into `code`'s network namespace: the sockets it opens from
    /// then on, and the threads it starts, are there (a bench client reaching central over
    /// the lab's links).
    pub fn enter(&self, code: &str) -> anyhow::Result<()> {
        use std::os::fd::AsRawFd;
        let ns = std::fs::File::open(format!("/var/run/netns/{}", self.site(code).ns))?;
        // SAFETY: a plain system call on a descriptor held open here; it changes only the
        // calling thread's network namespace and reads no memory of ours.
        if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
            bail!(
                "cannot enter the namespace of {code}: {}",
                std::io::Error::last_os_error()
            );
        }
        Ok(())
    }

    /// The binary the lab runs.
    pub fn exe(&self) -> &Path {
        &self.exe
    }
}

impl Drop for NetLab {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        for s in &self.sites {
            let _ = ip(&["netns", "del", &s.ns]);
        }
        for i in 0..3 {
            let _ = ip(&["link", "del", &format!("{}m{i}", self.tag)]);
        }
    }
}
