//! HTTPS beyond loopback, with curl as the site's PCs' client: a node whose web address is
//! not loopback serves TLS only, with a certificate that verifies against the site's web CA
//! for that address; the session cookie is `Secure`; the CLI keeps working on the node's
//! loopback port.

use std::process::Command;

use tiepdan_node::lab::processes::{free_port, CHAIR, DEMO_PASSWORD};
use tiepdan_tests::{eventually, federation, stderr, stdout, tiepdan, DEADLINE};

/// A veth pair whose one end holds a private address on this host, removed on drop (this
/// kernel has no dummy interfaces; veth works wherever the network lab does).
struct Address {
    dev: String,
    ip: String,
}

impl Address {
    fn new() -> Address {
        // Unique per process and per test in it: tests run in parallel threads.
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
        let k = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let n = std::process::id() % 200 + 20;
        let dev = format!("tdh{}x{k}", std::process::id() % 10_000);
        let ip = format!("10.214.{n}.{k}");
        let run = |args: &[&str]| {
            let out = Command::new("ip").args(args).output().expect("iproute2");
            assert!(
                out.status.success(),
                "ip {args:?}: {} (this test needs root)",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let _ = Command::new("ip").args(["link", "del", &dev]).output();
        let peer = format!("{dev}p");
        run(&["link", "add", &dev, "type", "veth", "peer", "name", &peer]);
        run(&["addr", "add", &format!("{ip}/32"), "dev", &dev]);
        run(&["link", "set", &dev, "up"]);
        run(&["link", "set", &peer, "up"]);
        Address { dev, ip }
    }
}

impl Drop for Address {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["link", "del", &self.dev]).output();
    }
}

/// curl's answer: (exit code, HTTP status, headers and body).
fn curl(args: &[&str]) -> (i32, u16, String) {
    let out = Command::new("curl")
        .args(["-s", "-i", "--max-time", "10", "-w", "\n%{http_code}"])
        .args(args)
        .output()
        .expect("curl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let status = text
        .rsplit('\n')
        .next()
        .and_then(|c| c.trim().parse().ok())
        .unwrap_or(0);
    (out.status.code().unwrap_or(-1), status, text)
}

/// Central alone, its web address on a fresh non-loopback address: (the address guard, the
/// federation's folder, the federation, the web address, the site's data folder).
fn central_beyond_loopback() -> (
    Address,
    tempfile::TempDir,
    tiepdan_tests::LocalFederation,
    std::net::SocketAddr,
    std::path::PathBuf,
) {
    let addr = Address::new();
    let (dir, mut fed) = federation(&["VN"]);
    let port = free_port().unwrap();
    let http: std::net::SocketAddr = format!("{}:{port}", addr.ip).parse().unwrap();
    fed.sites.get_mut("VN").unwrap().http = http;
    fed.start("VN").unwrap();
    let data = fed.site("VN").unwrap().data.root().to_path_buf();
    (addr, dir, fed, http, data)
}

#[test]
fn beyond_loopback_the_node_serves_https_only_with_a_certificate_for_its_address() {
    let (_addr, _dir, fed, http, data) = central_beyond_loopback();
    let ca = data.join("web/ca.pem");
    let base = format!("https://{http}");
    let me = format!("{base}/api/v1/me");
    let cacert = ca.to_str().unwrap();

    assert!(
        eventually(DEADLINE, || curl(&["--cacert", cacert, &me]).1 == 401),
        "no verified HTTPS answer on {me}"
    );
    let (_, _, text) = curl(&["--cacert", cacert, &me]);
    assert!(text.contains("not_signed_in"), "{text}");
    // Without the site's CA installed, the certificate is not trusted (curl exit 60).
    let (code, _, _) = curl(&[&me]);
    assert_eq!(code, 60, "an unknown CA must not verify");
    // Plain HTTP on that address gets no page.
    let (_, status, _) = curl(&[&format!("http://{http}/")]);
    assert_ne!(status, 200, "plain HTTP must not serve beyond loopback");
    // The pages come over TLS; signing in sets a Secure cookie.
    let (_, status, page) = curl(&["--cacert", cacert, &format!("{base}/dang-nhap")]);
    assert_eq!(status, 200);
    assert!(page.contains("Đăng nhập"), "{page}");
    let body = serde_json::json!({"name": CHAIR, "password": DEMO_PASSWORD}).to_string();
    let (_, status, text) = curl(&[
        "--cacert",
        cacert,
        "-H",
        "Content-Type: application/json",
        "--data",
        &body,
        &format!("{base}/api/v1/sign-in"),
    ]);
    assert_eq!(status, 200, "{text}");
    let cookie = text
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap_or_else(|| panic!("no cookie: {text}"));
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    // The status says how PCs reach the site and which CA to install.
    let token = fed.site("VN").unwrap().token.clone();
    let (_, _, text) = curl(&[
        "--cacert",
        cacert,
        "-H",
        &format!("Authorization: Bearer {token}"),
        &format!("{base}/api/v1/status"),
    ]);
    assert!(text.contains("\"https\":true"), "{text}");
    assert!(
        text.contains(&format!("\"url\":\"https://{http}/\"")),
        "{text}"
    );
    let fingerprint = text
        .split("\"ca_fingerprint\":\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("");
    assert_eq!(fingerprint.len(), 32 * 3 - 1, "{text}");
    // The CLI on this machine still reaches the node, on its loopback port.
    let out = tiepdan(&["user", "--data", data.to_str().unwrap(), "list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(CHAIR), "{}", stdout(&out));
    drop(fed);
}

#[test]
fn an_online_join_beyond_loopback_pins_the_parents_web_ca() {
    let (_addr, dir, fed, http, data) = central_beyond_loopback();
    let cacert = data.join("web/ca.pem");
    let cacert = cacert.to_str().unwrap();
    let base = format!("https://{http}");
    let operator = format!("Authorization: Bearer {}", fed.site("VN").unwrap().token);
    assert!(eventually(DEADLINE, || curl(&[
        "--cacert",
        cacert,
        &format!("{base}/api/v1/me")
    ])
    .1 == 401));
    let (_, _, status) = curl(&[
        "--cacert",
        cacert,
        "-H",
        &operator,
        &format!("{base}/api/v1/status"),
    ]);
    let fingerprint = status
        .split("\"ca_fingerprint\":\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_owned();
    // The CLI shows the same fingerprint the status page does.
    let out = tiepdan(&["web-ca", "--data", data.to_str().unwrap()]);
    assert!(stdout(&out).contains(&fingerprint), "{}", stdout(&out));

    let child = dir.path().join("01");
    let c = child.to_str().unwrap();
    assert!(tiepdan(&["init", "--data", c, "--site", "01"])
        .status
        .success());
    let parent = http.to_string();
    // Without the fingerprint, and with a wrong one, nothing is sent.
    let out = tiepdan(&["join", "--data", c, "--parent", &parent, "--wait-secs", "1"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--fingerprint"), "{}", stderr(&out));
    let wrong = "AB:".repeat(31) + "AB";
    let out = tiepdan(&[
        "join",
        "--data",
        c,
        "--parent",
        &parent,
        "--fingerprint",
        &wrong,
        "--wait-secs",
        "1",
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("đừng tiếp tục"), "{}", stderr(&out));
    let (_, _, list) = curl(&[
        "--cacert",
        cacert,
        "-H",
        &operator,
        &format!("{base}/api/v1/join-requests"),
    ]);
    assert!(list.contains("[]"), "nothing reached the parent: {list}");

    // With the read-out fingerprint: over HTTPS, approved, installed.
    let join = Command::new(tiepdan_tests::tiepdan_bin())
        .args([
            "join",
            "--data",
            c,
            "--parent",
            &parent,
            "--fingerprint",
            &fingerprint,
            "--wait-secs",
            "60",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut id = None;
    assert!(eventually(DEADLINE, || {
        let (_, _, list) = curl(&[
            "--cacert",
            cacert,
            "-H",
            &operator,
            &format!("{base}/api/v1/join-requests"),
        ]);
        id = list
            .split("\"id\":")
            .nth(1)
            .and_then(|r| r.split(|ch: char| !ch.is_ascii_digit()).next())
            .map(str::to_owned);
        id.is_some()
    }));
    let id = id.unwrap();
    let (_, status, text) = curl(&[
        "--cacert",
        cacert,
        "-H",
        &operator,
        "-H",
        "Content-Type: application/json",
        "--data",
        "{}",
        &format!("{base}/api/v1/join-requests/{id}/approve"),
    ]);
    assert_eq!(status, 200, "{text}");
    let out = join.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(child.join("tls-chain.pem").exists() || child.join("chain.pem").exists());
    let config = std::fs::read_to_string(child.join("tiepdan.toml")).unwrap_or_default();
    assert!(config.contains("parent = \""), "{config}");
    drop(fed);
}
