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
