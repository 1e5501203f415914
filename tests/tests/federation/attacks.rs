//! Tier 3: the attack table (issue 11). One table of attacks against one running federation
//! (central, Hà Nội with its communes 00004 and 00008, and Hồ Chí Minh City), made with raw
//! clients: HTTP with ureq, and QUIC and libp2p peers holding real certificates made with the
//! running sites' own keys.
//!
//! Every row names its attack, the stable reason the node gives (the API's JSON `code`, a
//! metric label, or the close reason of a link) and the counter that counts it. After each
//! attack the table checks that the reason is the expected one, that the counter went up, that
//! the attacked node still answers `GET status`, and that nothing it holds changed: its cases
//! with their histories, its sessions with their state and media streams, its users, its
//! revocations and its join requests. The table is printed at the end (`--nocapture`); README.md
//! lists it under "Attack table". The rows are in `attacks/` by what they attack: the API,
//! records, links, and media with recording uploads.

mod api;
mod links;
mod media;
mod records;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_bytes::ByteBuf;
use serde_json::{json, Value};
use tiepdan_keys::cert::{
    issue, make_own_leaf, make_request, make_root, parse_request, Authority, Chain,
};
use tiepdan_keys::identity::SiteKey;
use tiepdan_keys::revocation::{self, SignedRevocation, SIGNATURE_CONTEXT};
use tiepdan_node::cli::client::{agent, api_status};
use tiepdan_node::federation::p2p::P2pHello;
use tiepdan_node::lab::peer as peer_client;
use tiepdan_node::lab::processes::DEMO_PASSWORD;
use tiepdan_node::recording::index::INDEX_VERSION;
use tiepdan_node::recording::{chain_start, IndexBody, SignedIndex, Signer, TrackInfo};
use tiepdan_node::site::clock::unix_now;
use tiepdan_node::upload::{
    decode_msg, encode as encode_upload, send_file, Msg, SendProgress, MAX_UPLOAD_BYTES,
    UPLOAD_CHANNEL,
};
use tiepdan_protocol::control::{encode_frame, ControlFrame, PeerRecord};
use tiepdan_protocol::media::{encode_link_state, MediaPacket, PacketKind, MAX_HOPS};
use tiepdan_protocol::replication::{encode_repl, ReplMsg, REPLICATION_CHANNEL};
use tiepdan_protocol::revocation::{Revocation, VERSION};
use tiepdan_tests::hostile::{
    authority_of, certify, dial, forged, genesis, genesis_at, load_tls, send_batches_with, Peer,
};
use tiepdan_tests::{
    eventually, federation, metric_value, metrics, node_log, reception, LocalFederation, DEADLINE,
};

/// How long a counter may take to show an attack (most show it before the answer).
const SHORT: Duration = Duration::from_secs(5);

/// The sites of the federation under attack.
const SITES: [&str; 5] = ["VN", "01", "00004", "00008", "79"];

/// Bare peers: communes that run no node, certified by their province's running key.
const BARE: [(&str, &str); 16] = [
    ("00025", "01"), // replication, and a point of the session
    ("00226", "01"), // the author of a case its sender does not share
    ("00304", "01"), // revoked during the table
    ("00235", "01"), // media
    ("00277", "01"), // media link state
    ("00256", "01"), // hello and control frames
    ("00283", "01"), // introductions
    ("00196", "01"), // carries revocations to 01
    ("00190", "01"), // carries revocations to VN
    ("00097", "01"), // background: no control stream
    ("00328", "01"), // background: a hello that never ends
    ("00319", "01"), // background: a stream that names no channel
    ("00187", "01"), // streams on a link
    ("00167", "01"), // garbage frames
    ("00160", "01"), // a second hello
    ("26506", "79"), // a commune of another province
];

/// What counts a refusal.
enum Counts {
    /// A Prometheus counter (summed over the lines with every label fragment).
    Metric {
        name: &'static str,
        labels: Vec<String>,
    },
    /// Nothing is refused, so nothing counts; why.
    Nothing(&'static str),
}

impl Counts {
    fn describe(&self) -> String {
        match self {
            Counts::Metric { name, labels } if labels.is_empty() => (*name).to_owned(),
            Counts::Metric { name, labels } => format!("{name}{{{}}}", labels.join(",")),
            Counts::Nothing(why) => format!("— ({why})"),
        }
    }

    fn names(&self, reason: &str) -> bool {
        let quoted = format!("\"{reason}\"");
        matches!(self, Counts::Metric { labels, .. } if labels.iter().any(|l| l.ends_with(&quoted)))
    }
}

fn counter(name: &'static str, labels: &[String]) -> Counts {
    Counts::Metric {
        name,
        labels: labels.to_vec(),
    }
}

fn access(reason: &str) -> Counts {
    counter(
        "tiepdan_access_refused_total",
        &[format!("reason=\"{reason}\"")],
    )
}

fn sign_ins(result: &str) -> Counts {
    counter("tiepdan_sign_ins_total", &[format!("result=\"{result}\"")])
}

fn events(reason: &str) -> Counts {
    counter(
        "tiepdan_events_rejected_total",
        &[format!("reason=\"{reason}\"")],
    )
}

fn handshake(transport: &str, reason: &str) -> Counts {
    counter(
        "tiepdan_handshake_refusals_total",
        &[
            format!("transport=\"{transport}\""),
            format!("reason=\"{reason}\""),
        ],
    )
}

fn calendars(reason: &str) -> Counts {
    counter(
        "tiepdan_calendars_refused_total",
        &[format!("reason=\"{reason}\"")],
    )
}

fn revocations(reason: &str) -> Counts {
    counter(
        "tiepdan_revocations_refused_total",
        &[format!("reason=\"{reason}\"")],
    )
}

fn media(reason: &str) -> Counts {
    counter(
        "tiepdan_media_refused_total",
        &[format!("reason=\"{reason}\"")],
    )
}

fn uploads(reason: &str) -> Counts {
    counter(
        "tiepdan_uploads_refused_total",
        &[format!("reason=\"{reason}\"")],
    )
}

fn bad_frames() -> Counts {
    counter("tiepdan_bad_frames_total", &[])
}

type Step = fn(&Ctx);

/// An attack; returns the reason it saw, if the attacker can see one (else the counter's label
/// is the reason).
type Hit = fn(&Ctx) -> Option<String>;

struct Row {
    name: &'static str,
    site: &'static str,
    reason: &'static str,
    counts: Counts,
    /// Run before the "before" fingerprint: what the attack needs to exist.
    prepare: Option<Step>,
    attack: Hit,
    /// Run after the checks: what shows the attack had no effect, where that needs a write.
    then: Option<Step>,
    /// The attack started with the table (it takes seconds): its counter is compared with the
    /// table's start.
    from_start: bool,
}

fn row(
    name: &'static str,
    site: &'static str,
    reason: &'static str,
    counts: Counts,
    attack: Hit,
) -> Row {
    Row {
        name,
        site,
        reason,
        counts,
        prepare: None,
        attack,
        then: None,
        from_start: false,
    }
}

impl Row {
    fn prepare(mut self, f: Step) -> Row {
        self.prepare = Some(f);
        self
    }
    fn then(mut self, f: Step) -> Row {
        self.then = Some(f);
        self
    }
    fn counted_since_start(mut self) -> Row {
        self.from_start = true;
        self
    }
}

/// The federation under attack and what the attacks share.
struct Ctx {
    fed: LocalFederation,
    rt: tokio::runtime::Runtime,
    peers: BTreeMap<&'static str, Peer>,
    /// Values a prepare step hands to its attack.
    notes: Mutex<BTreeMap<&'static str, String>>,
    /// A session scheduled at central with points 00004 and the bare 00025.
    session: String,
    /// A petition received at 01.
    case01: String,
    /// A denunciation received at 00004.
    denunciation: String,
    /// A citizen's participant pass at 00004 for the session, and its participant id.
    pass: String,
    pass_id: String,
    /// Each site's metrics when the table started.
    at_start: BTreeMap<&'static str, String>,
    /// What the attacks running from the start keep open.
    background: Mutex<Vec<Box<dyn std::any::Any + Send>>>,
    /// Connections of those attacks, to see how the node closed them.
    conns: Mutex<BTreeMap<&'static str, quinn::Connection>>,
    /// The federation's folder; the attacks' own files go under `attacker/`.
    dir: tempfile::TempDir,
}

/// An HTTP answer: status, JSON body (or the text as a string) and `Location`.
struct Answer {
    status: u16,
    body: Value,
    location: Option<String>,
}

impl Answer {
    fn code(&self) -> Option<String> {
        self.body["code"].as_str().map(str::to_owned)
    }
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

impl Ctx {
    fn site(&self, code: &str) -> &tiepdan_node::lab::processes::SiteProcess {
        self.fed.site(code).expect("a site of the table")
    }

    fn peer(&self, code: &str) -> &Peer {
        &self.peers[code]
    }

    fn quic(&self, code: &str) -> SocketAddr {
        self.site(code).quic
    }

    fn operator(&self, code: &str) -> String {
        self.site(code).token.clone()
    }
    fn officer(&self, code: &str) -> String {
        self.site(code).officer.clone()
    }
    fn chair(&self, code: &str) -> String {
        self.site(code).chair.clone()
    }

    fn note(&self, key: &'static str, value: impl Into<String>) {
        self.notes.lock().unwrap().insert(key, value.into());
    }

    fn noted(&self, key: &str) -> String {
        self.notes.lock().unwrap()[key].clone()
    }

    fn keep(&self, what: impl std::any::Any + Send) {
        self.background.lock().unwrap().push(Box::new(what));
    }

    fn block<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// `/api/v1/{path}` with a bearer token (an empty one sends `Bearer `).
    fn api(
        &self,
        code: &str,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let (status, body) = api_status(self.site(code).http, token, method, path, body.as_ref());
        Answer {
            status,
            body,
            location: None,
        }
    }

    /// Any request: `path` from the root, the headers given, and a body with its content type.
    fn http(
        &self,
        code: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, String)>,
    ) -> Answer {
        let url = format!("http://{}{path}", self.site(code).http);
        let a = agent();
        let r = match method {
            "GET" | "DELETE" => {
                let mut b = if method == "GET" {
                    a.get(&url)
                } else {
                    a.delete(&url)
                };
                for (k, v) in headers {
                    b = b.header(*k, *v);
                }
                b.call()
            }
            _ => {
                let mut b = if method == "PUT" {
                    a.put(&url)
                } else {
                    a.post(&url)
                };
                for (k, v) in headers {
                    b = b.header(*k, *v);
                }
                match body {
                    Some((ct, text)) => b.header("Content-Type", ct).send(text),
                    None => b.send_empty(),
                }
            }
        };
        let mut r = r.expect("reach the node");
        let location = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let status = r.status().as_u16();
        let text = r.body_mut().read_to_string().unwrap_or_default();
        Answer {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
            location,
        }
    }

    /// Waits until `site` holds record `id` (`cases/` or `sessions/`).
    fn wait_held(&self, site: &str, path: &str) {
        let token = self.officer(site);
        assert!(
            eventually(DEADLINE, || self
                .api(site, &token, "GET", path, None)
                .status
                == 200),
            "{site} never got {path}"
        );
    }

    /// Waits until each of `sites` holds case `id` with as many events as `origin` does.
    fn wait_replicated(&self, origin: &str, id: &str, sites: &[&str]) {
        let path = format!("cases/{id}");
        let events = |site: &str| {
            let a = self.api(site, &self.officer(site), "GET", &path, None);
            a.body["history"].as_array().map(Vec::len)
        };
        let want = events(origin);
        assert!(want.is_some(), "{origin} does not hold {id}");
        for site in sites {
            assert!(
                eventually(DEADLINE, || events(site) == want),
                "{site} never got the {want:?} events of {id}"
            );
        }
    }

    /// Waits until every running site lists a revocation of `revoked`.
    fn wait_revoked_everywhere(&self, revoked: &str) {
        for code in SITES {
            let token = self.operator(code);
            assert!(
                eventually(DEADLINE, || {
                    self.api(code, &token, "GET", "revocations", None)
                        .body
                        .as_array()
                        .is_some_and(|l| l.iter().any(|r| r["site"] == revoked))
                }),
                "{code} never learned that {revoked} was revoked"
            );
        }
    }
}

/// What a site holds, as far as its API shows: the table compares it before and after each
/// attack.
fn fingerprint(ctx: &Ctx, site: &str) -> Value {
    let s = ctx.site(site);
    let get = |token: &str, path: &str| {
        let (status, v) = api_status(s.http, token, "GET", path, None);
        assert_eq!(status, 200, "GET {path} at {site}: {v}");
        v
    };
    let cases: Vec<Value> = get(&s.officer, "cases?limit=500")
        .as_array()
        .expect("a case list")
        .iter()
        .map(|c| json!([c["case_id"], c["events"], c["status"], c["current_site"]]))
        .collect();
    let sessions: Vec<Value> = get(&s.officer, "sessions")
        .as_array()
        .expect("a session list")
        .iter()
        .map(|summary| {
            let id = summary["session_id"].as_str().unwrap_or_default();
            let mut streams: Vec<Value> = get(&s.officer, &format!("sessions/{id}/media"))
                ["streams"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|st| json!([st["origin"], st["publisher_id"]]))
                .collect();
            streams.sort_by_key(|v| v.to_string());
            json!({
                "id": id,
                "state": get(&s.officer, &format!("sessions/{id}"))["state"],
                "streams": streams,
                "recordings": get(&s.officer, &format!("sessions/{id}/recordings"))["recordings"],
            })
        })
        .collect();
    json!({
        "cases": cases,
        "sessions": sessions,
        "users": get(&s.token, "users")["users"],
        "revocations": get(&s.token, "revocations"),
        "join_requests": get(&s.token, "join-requests"),
    })
}

/// One row's outcome: the reason seen, or why it failed.
fn check(ctx: &Ctx, row: &Row) -> Result<String, String> {
    if let Some(prepare) = row.prepare {
        prepare(ctx);
    }
    let site = row.site;
    let before_metrics = if row.from_start {
        ctx.at_start[site].clone()
    } else {
        metrics(&ctx.fed, site)
    };
    let before = fingerprint(ctx, site);
    let seen = (row.attack)(ctx);
    // 1. The expected reason: seen by the attacker, or the label of the counter that went up.
    match &seen {
        Some(s) if s != row.reason => {
            return Err(format!("refused as {s:?}, expected {:?}", row.reason))
        }
        Some(_) => {}
        None if row.counts.names(row.reason) => {}
        None => return Err("the attacker saw no reason and the counter names none".into()),
    }
    // 2. Counted.
    if let Counts::Metric { name, labels } = &row.counts {
        let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
        let was = metric_value(&before_metrics, name, &labels);
        let mut now = was;
        if !eventually(SHORT, || {
            now = metric_value(&metrics(&ctx.fed, site), name, &labels);
            now > was
        }) {
            return Err(format!(
                "{} stayed at {}",
                row.counts.describe(),
                was as u64
            ));
        }
    }
    // 3. Still serving.
    let status = ctx.api(site, &ctx.operator(site), "GET", "status", None);
    if status.status != 200 || status.body["site"] != site {
        return Err(format!(
            "GET status answered {} {}",
            status.status, status.body
        ));
    }
    // 4. Nothing held changed.
    let after = fingerprint(ctx, site);
    if after != before {
        return Err(format!(
            "what {site} holds changed:\nbefore {before}\nafter  {after}"
        ));
    }
    if let Some(then) = row.then {
        then(ctx);
    }
    Ok(seen.unwrap_or_else(|| row.reason.to_owned()))
}

fn panic_text(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "panicked".into())
}

// ---------------------------------------------------------------------------------------------
// Raw QUIC peers.

/// Admitted as `peer` at `addr`: the connection and its control stream.
async fn link(
    addr: SocketAddr,
    peer: &Peer,
) -> (quinn::Connection, quinn::SendStream, quinn::RecvStream) {
    let ep = peer_client::endpoint_as(&peer.key, &peer.chain, peer.chain.root()).unwrap();
    let conn = ep.connect(addr, "tiepdan.internal").unwrap().await.unwrap();
    let (send, recv) =
        peer_client::admitted(&conn, &peer_client::hello_frame(&peer.site, &peer.chain))
            .await
            .expect("the node admitted us");
    (conn, send, recv)
}

/// The root the table's federation trusts, as a chain.
fn our_root(ctx: &Ctx) -> Chain {
    load_tls(&ctx.site("01").data).1
}

/// The connections of the attacks that run from the start, by what they do.
const NO_CONTROL_STREAM: &str = "bg:no-control-stream";
const ENDLESS_HELLO: &str = "bg:endless-hello";

/// Starts the attacks that take seconds (the node waits 5 s for a hello and for a stream's
/// channel tag), so they run while the table goes on.
fn start_background(ctx: &Ctx) {
    let addr = ctx.quic("01");
    let root = our_root(ctx);
    ctx.block(async {
        // The handshake, then nothing: no control stream.
        let p = ctx.peer("00097");
        let conn = dial(addr, &p.key, &p.chain, &root)
            .await
            .expect("a valid site completes the handshake");
        ctx.keep_conn(NO_CONTROL_STREAM, conn);
        // A control stream with the first bytes of a hello, and never the rest.
        let p = ctx.peer("00328");
        let conn = dial(addr, &p.key, &p.chain, &root)
            .await
            .expect("a valid site completes the handshake");
        let (mut send, recv) = conn.open_bi().await.unwrap();
        send.write_all(&peer_client::hello_frame(&p.site, &p.chain)[..6])
            .await
            .unwrap();
        ctx.keep((send, recv));
        ctx.keep_conn(ENDLESS_HELLO, conn);
        // Admitted, then a stream that never names its channel: QUIC opens it implicitly when
        // the next stream's bytes arrive.
        let (conn, send, recv) = link(addr, ctx.peer("00319")).await;
        let silent = conn.open_bi().await.unwrap();
        let (mut next, next_recv) = conn.open_bi().await.unwrap();
        next.write_all(&[REPLICATION_CHANNEL]).await.unwrap();
        next.write_all(&encode_repl(&ReplMsg::Done)).await.unwrap();
        ctx.keep((conn, send, recv, silent, next, next_recv));
    });
}

impl Ctx {
    fn keep_conn(&self, key: &'static str, conn: quinn::Connection) {
        self.conns.lock().unwrap().insert(key, conn);
    }

    fn kept_conn(&self, key: &str) -> quinn::Connection {
        self.conns.lock().unwrap()[key].clone()
    }
}

fn setup() -> Ctx {
    let (dir, mut fed) = federation(&SITES);
    fed.start_all().unwrap();
    assert!(
        eventually(DEADLINE, || fed.formed()),
        "the federation did not form"
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let peers = BARE
        .iter()
        .map(|(code, province)| (*code, certify(&fed, province, code)))
        .collect();
    let at_start = SITES.iter().map(|s| (*s, metrics(&fed, s))).collect();
    let mut ctx = Ctx {
        fed,
        rt,
        peers,
        notes: Mutex::default(),
        session: String::new(),
        case01: String::new(),
        denunciation: String::new(),
        pass: String::new(),
        pass_id: String::new(),
        at_start,
        background: Mutex::default(),
        conns: Mutex::default(),
        dir,
    };
    start_background(&ctx);

    // What the attacks aim at: a petition at 01, a denunciation at 00004, a session at central
    // with points 00004 and the bare commune 00025, and a citizen's pass at 00004.
    let a = ctx.api(
        "01",
        &ctx.officer("01"),
        "POST",
        "receptions",
        Some(reception("petition", "Trần Văn Một")),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    ctx.case01 = a.body["case_id"].as_str().unwrap().to_owned();
    let a = ctx.api(
        "00004",
        &ctx.officer("00004"),
        "POST",
        "receptions",
        Some(reception("denunciation", "Đỗ Thị Tố Cáo")),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    ctx.denunciation = a.body["case_id"].as_str().unwrap().to_owned();
    let a = ctx.api(
        "VN",
        &ctx.officer("VN"),
        "POST",
        "sessions",
        Some(
            json!({"title": "Phiên tiếp công dân trực tuyến", "points": ["00004", "00025"],
            "starts_at": "2026-12-20 08:00"}),
        ),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    ctx.session = a.body["session_id"].as_str().unwrap().to_owned();
    ctx.wait_held("VN", &format!("cases/{}", ctx.case01));
    for site in ["01", "VN"] {
        ctx.wait_held(site, &format!("cases/{}", ctx.denunciation));
    }
    for site in ["00004", "01"] {
        ctx.wait_held(site, &format!("sessions/{}", ctx.session));
    }
    let a = ctx.api(
        "00004",
        &ctx.officer("00004"),
        "POST",
        &format!("sessions/{}/passes", ctx.session),
        Some(json!({"display_name": "Nguyễn Văn Dân", "role": "citizen", "document": "cccd"})),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    ctx.pass = a.body["pass"].as_str().unwrap().to_owned();
    ctx.pass_id = a.body["participant_id"].as_str().unwrap().to_owned();
    // The media path copies active sessions every 100 ms.
    std::thread::sleep(Duration::from_millis(300));
    ctx
}

fn table() -> Vec<Row> {
    [
        api::api_rows(),
        records::record_rows(),
        links::link_rows(),
        media::media_rows(),
        media::upload_rows(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[test]

fn the_attack_table() {
    let started = Instant::now();
    let ctx = setup();
    let rows = table();
    let mut names: Vec<&str> = rows.iter().map(|r| r.name).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), rows.len(), "two rows have one name");
    assert!(rows.len() >= 50, "only {} attacks", rows.len());
    let mut failures = Vec::new();
    let mut lines = Vec::new();
    for row in &rows {
        let t = Instant::now();
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| check(&ctx, row)))
            .unwrap_or_else(|p| Err(format!("panicked: {}", panic_text(p))));
        let seen = match &outcome {
            Ok(seen) => seen.clone(),
            Err(e) => {
                failures.push(format!("{} (at {}): {e}", row.name, row.site));
                "FAILED".into()
            }
        };
        lines.push(format!(
            "| {} | {} | `{}` | `{}` | {} ms |",
            row.name,
            row.site,
            seen,
            row.counts.describe(),
            t.elapsed().as_millis()
        ));
    }
    println!(
        "\n{} attacks in {:.1} s\n",
        rows.len(),
        started.elapsed().as_secs_f64()
    );
    println!("| attack | at | reason | counted in | time |\n|---|---|---|---|---|");
    for l in &lines {
        println!("{l}");
    }
    assert!(
        failures.is_empty(),
        "{} of {} attacks were not refused as expected:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}
