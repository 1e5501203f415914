//! Headless Chromium (Debian's chromium and chromium-driver, fake camera and microphone,
//! driven through WebDriver) joins an online session at two sites on two nodes, signed in the
//! way people are: the chair at central (the hub) signs in at `/dang-nhap` as the demo chair
//! account; at commune 00004 the demo officer signs in (after the sign-in page has refused a
//! wrong password in Vietnamese), hands out a participant pass from the room page, and the
//! citizen's own browser joins with nothing but that link. Through the session room page and
//! each site's WebRTC gateway, `getStats` must show each browser receiving the other's video
//! and audio (the citizen's audio once the chair gives the floor from the page), and the
//! citizen's page lists the recording its site is making of its publisher.
//!
//! A second test drives the operator's user management page: a new account's temporary
//! password is shown once, signs in, and that officer is kept out of the page.
//!
//! A third serves the room page the way a site's PCs reach it: from an address other than
//! loopback, over HTTPS only, with a Chromium that trusts the site's web CA through its NSS
//! database (as a PC that installed `web/ca.pem` does); the chair signs in, the page is a
//! secure context, the camera opens and the node lists the browser's publisher.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use tiepdan_node::lab::processes::{CHAIR, DEMO_PASSWORD, OFFICER};
use tiepdan_tests::browser::{
    browser, chromedriver, chromedriver_at_home, js, query_escape, sign_in, until,
};
use tiepdan_tests::{call, eventually, federation, DEADLINE};

/// Joins the session chosen on the room page (typing `name` unless the page has it from a
/// pass); returns the participant id the page joined as.
async fn join(c: &Client, name: Option<&str>) -> String {
    until(
        c,
        "return document.getElementById('session').options.length > 0 && !!window.tdMe()",
        vec![],
        "the session list never loaded",
    )
    .await;
    if let Some(name) = name {
        let input = c.find(Locator::Id("name")).await.unwrap();
        input.clear().await.unwrap();
        input.send_keys(name).await.unwrap();
    }
    c.find(Locator::Id("join"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let t = Instant::now();
    loop {
        let me: Value = js(c, "return window.tdMe && window.tdMe() && !document.getElementById('room').hidden ? window.tdMe().participant : null").await;
        if let Some(p) = me.as_str() {
            return p.to_owned();
        }
        let msg = js(
            c,
            "return document.getElementById('pick-message').textContent",
        )
        .await;
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "could not join: {msg}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Bytes of (audio, video) this browser received from `site`'s publisher.
async fn received_from(c: &Client, site: &str) -> (u64, u64) {
    let stats: Value = c
        .execute("return window.tdStats()", vec![])
        .await
        .unwrap_or(Value::Null);
    let mut best = (0, 0);
    for tile in stats.as_object().into_iter().flat_map(|o| o.values()) {
        if tile["site"] == site {
            best = (
                best.0.max(tile["audio"].as_u64().unwrap_or(0)),
                best.1.max(tile["video"].as_u64().unwrap_or(0)),
            );
        }
    }
    best
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_browsers_at_two_sites_see_and_hear_each_other() {
    let began = Instant::now();
    let (_dir, mut fed) = federation(&["VN", "01", "00004"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let (hub, commune) = (fed.site("VN").unwrap(), fed.site("00004").unwrap());
    let (hub_http, commune_http, hub_chair) = (hub.http, commune.http, hub.chair.clone());
    let (s, v) = call(
        &fed,
        "VN",
        "POST",
        "sessions",
        Some(
            &json!({"title": "Tiếp công dân trực tuyến", "points": ["00004"], "starts_at": "2026-12-20 08:00"}),
        ),
        None,
    );
    assert_eq!(s, 201, "{v}");
    let id = v["session_id"].as_str().unwrap().to_owned();
    assert!(eventually(DEADLINE, || call(
        &fed,
        "00004",
        "GET",
        &format!("sessions/{id}"),
        None,
        None
    )
    .0 == 200));
    // Only the chair starts a session.
    assert_eq!(
        call(
            &fed,
            "VN",
            "POST",
            &format!("sessions/{id}/events"),
            Some(&json!({"started": {"at_ms": 1}})),
            Some(&hub_chair)
        )
        .0,
        201
    );
    assert!(eventually(DEADLINE, || call(
        &fed,
        "00004",
        "GET",
        &format!("sessions/{id}"),
        None,
        None
    )
    .1["phase"]
        == "live"));

    let (_driver, port) = chromedriver();
    let profiles = tempfile::tempdir().unwrap();
    let chair = browser(port, &profiles.path().join("chair")).await;
    let officer = browser(port, &profiles.path().join("officer")).await;
    let citizen = browser(port, &profiles.path().join("citizen")).await;
    let room = format!("/phien?session={id}");

    // The room page sends a browser with no session to the sign-in page, and back after.
    chair
        .goto(&format!("http://{hub_http}{room}"))
        .await
        .unwrap();
    let next = until(
        &chair,
        "return location.pathname === '/dang-nhap' ? location.search : null",
        vec![],
        "the room page did not send an unsigned browser to /dang-nhap",
    )
    .await;
    assert_eq!(
        next,
        format!("?next={}", query_escape(&room)),
        "the sign-in page must know where to return"
    );
    sign_in(
        &chair,
        &format!("http://{hub_http}"),
        CHAIR,
        DEMO_PASSWORD,
        &room,
    )
    .await;
    let role = js(&chair, "return document.getElementById('role').textContent").await;
    assert_eq!(role, "Chủ trì", "the chair account is the room's chair");
    let chair_id = join(&chair, Some("Chủ tịch Nguyễn Văn Bình")).await;

    // At the commune: a wrong password is refused, in Vietnamese, on the page.
    officer
        .goto(&format!("http://{commune_http}/dang-nhap"))
        .await
        .unwrap();
    // The page may still be loading when goto returns: wait for its field.
    officer
        .wait()
        .for_element(Locator::Id("name"))
        .await
        .unwrap()
        .send_keys(OFFICER)
        .await
        .unwrap();
    officer
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys("không-phải-mật-khẩu")
        .await
        .unwrap();
    officer
        .find(Locator::Id("sign-in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let refused = until(
        &officer,
        "const t = document.getElementById('message').textContent; return t && !t.startsWith('Đang') ? t : null",
        vec![],
        "the sign-in page showed nothing for a wrong password",
    )
    .await;
    assert_eq!(
        refused, "Tên đăng nhập hoặc mật khẩu không đúng.",
        "the server's Vietnamese message is shown"
    );
    assert_eq!(js(&officer, "return location.pathname").await, "/dang-nhap");
    // The officer signs in and hands the citizen a pass from the room page.
    sign_in(
        &officer,
        &format!("http://{commune_http}"),
        OFFICER,
        DEMO_PASSWORD,
        &room,
    )
    .await;
    until(
        &officer,
        "return !document.getElementById('passes').hidden && document.getElementById('session').value === arguments[0]",
        vec![json!(id)],
        "the officer's room page offers no participant pass",
    )
    .await;
    officer
        .find(Locator::Id("pass-name"))
        .await
        .unwrap()
        .send_keys("Công dân Trần Thị Hoa")
        .await
        .unwrap();
    js(
        &officer,
        "document.getElementById('pass-role').value = 'citizen'",
    )
    .await;
    // No pass before the officer records the paper they checked.
    officer
        .find(Locator::Id("issue-pass"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let refused = until(
        &officer,
        "const m = document.getElementById('pass-message').textContent; return m.includes('giấy tờ') ? [m, document.activeElement.id] : null",
        vec![],
        "a pass was offered without an identity check",
    )
    .await;
    assert_eq!(refused[1], "pass-document", "{refused}");
    js(
        &officer,
        "document.getElementById('pass-document').value = 'passport'",
    )
    .await;
    officer
        .find(Locator::Id("issue-pass"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let link = until(
        &officer,
        "return document.getElementById('pass-link').value || null",
        vec![],
        "no pass link was shown",
    )
    .await;
    let link = link.as_str().unwrap().to_owned();
    let prefix = format!("http://{commune_http}{room}#pass=pass-");
    assert!(link.starts_with(&prefix), "{link} does not start {prefix}");
    officer.close().await.ok();

    // The citizen's browser has no account: the link alone admits it, as itself.
    citizen.goto(&link).await.unwrap();
    let shown = until(
        &citizen,
        "const n = document.getElementById('name'); return n.value ? [n.value, n.readOnly, document.getElementById('role').textContent, location.hash] : null",
        vec![],
        "the pass holder's room page never loaded",
    )
    .await;
    assert_eq!(
        shown,
        json!(["Công dân Trần Thị Hoa", true, "Công dân", ""]),
        "name and role from the pass; the pass left the address bar"
    );
    let identity = js(
        &citizen,
        "return document.getElementById('identity').textContent",
    )
    .await;
    assert!(
        identity
            .as_str()
            .is_some_and(|t| t.contains("hộ chiếu") && t.contains("khi cấp thẻ")),
        "the holder sees who checked which paper: {identity}"
    );
    let citizen_id = join(&citizen, None).await;
    assert!(
        citizen_id.starts_with("p-"),
        "the pass's participant id, not an account's: {citizen_id}"
    );

    // The page shows Vietnamese labels.
    let phase = js(
        &chair,
        "return document.getElementById('phase').textContent",
    )
    .await;
    assert!(phase.as_str().is_some_and(|p| !p.is_empty()), "{phase}");

    // Both are seen at the hub as the server says they are.
    assert!(eventually(DEADLINE, || {
        let state = call(&fed, "VN", "GET", &format!("sessions/{id}"), None, None).1;
        let p = &state["state"]["participants"];
        p["00004"][&citizen_id]["role"] == "citizen"
            && p["00004"][&citizen_id]["display_name"] == "Công dân Trần Thị Hoa"
            && p["00004"][&citizen_id]["identity_check"]["document"] == "passport"
            && p["00004"][&citizen_id]["identity_check"]["result"] == "verified"
            && p["VN"][&chair_id]["identity_check"]["result"] == "account"
            && p["VN"][&chair_id]["role"] == "chair"
    }));
    // The chair gives the floor to the citizen from the room page.
    until(
        &chair,
        "const r = [...document.querySelectorAll('#people tr')].find(r => r.dataset.point === '00004' && r.dataset.participant === arguments[0]); \
         const b = r && r.querySelector('.floor-btn'); if (!b || b.textContent !== 'Trao quyền phát biểu') return null; b.click(); return true",
        vec![json!(citizen_id)],
        "the chair's page does not list the citizen with a floor button",
    )
    .await;
    assert!(
        eventually(DEADLINE, || call(
            &fed,
            "VN",
            "GET",
            &format!("sessions/{id}"),
            None,
            None
        )
        .1["state"]["floor"]["participant_id"]
            == citizen_id.as_str()),
        "the floor was not given to the citizen"
    );

    let t = Instant::now();
    let (mut at_chair, mut at_citizen) = ((0, 0), (0, 0));
    while t.elapsed() < Duration::from_secs(60) {
        at_chair = received_from(&chair, "00004").await;
        at_citizen = received_from(&citizen, "VN").await;
        if at_chair.0 > 2000 && at_chair.1 > 20_000 && at_citizen.0 > 2000 && at_citizen.1 > 20_000
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let phase = js(
        &chair,
        "return document.getElementById('phase').textContent",
    )
    .await;
    assert_eq!(phase, "Đang diễn ra");
    let floor = js(
        &citizen,
        "return document.getElementById('floor').textContent",
    )
    .await;
    assert!(
        floor.as_str().is_some_and(|f| f.contains("Trần Thị Hoa")),
        "the citizen's page names who has the floor: {floor}"
    );
    // The citizen's site records its own publisher, and its page says so (in Vietnamese).
    let t = Instant::now();
    let mut records = Value::Null;
    while t.elapsed() < Duration::from_secs(30) {
        records = citizen.execute("return document.getElementById('records').hidden ? null : document.getElementById('records-body').innerText", vec![]).await.unwrap_or(Value::Null);
        if records
            .as_str()
            .is_some_and(|r| r.contains("00004") && r.contains("Đang ghi"))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    chair.close().await.ok();
    citizen.close().await.ok();
    assert!(
        at_chair.0 > 2000 && at_chair.1 > 20_000,
        "the chair (VN) did not receive the citizen's audio and video: {at_chair:?}"
    );
    assert!(
        at_citizen.0 > 2000 && at_citizen.1 > 20_000,
        "the citizen (00004) did not receive the chair's audio and video: {at_citizen:?}"
    );
    assert!(
        records
            .as_str()
            .is_some_and(|r| r.contains("00004") && r.contains("Đang ghi")),
        "the room page at 00004 does not show its recording: {records}"
    );
    // Once the citizen's browser is gone its segment is sealed (the publisher fell quiet),
    // and the recording lasts what it lasted: no longer than the test itself, although audio
    // and video each start from their own random RTP origin.
    let mut sealed = Value::Null;
    assert!(
        eventually(DEADLINE, || {
            let (_, v) = call(
                &fed,
                "00004",
                "GET",
                &format!("sessions/{id}/recordings"),
                None,
                None,
            );
            sealed = v["recordings"]
                .as_array()
                .and_then(|r| r.iter().find(|r| r["segments"].as_u64() > Some(0)).cloned())
                .unwrap_or(Value::Null);
            !sealed.is_null()
        }),
        "no sealed segment at 00004"
    );
    let ms = sealed["duration_ms"].as_u64().unwrap();
    let limit = u64::try_from(began.elapsed().as_millis()).unwrap();
    assert!(
        ms > 0 && ms <= limit,
        "a recording of at most {limit} ms is listed as {ms} ms: {sealed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_adds_an_officer_whose_temporary_password_signs_in() {
    let (_dir, mut fed) = federation(&["VN"]);
    fed.start_all().unwrap();
    let site = fed.site("VN").unwrap();
    let (http, operator_token) = (site.http, site.token.clone());
    assert!(eventually(DEADLINE, || call(
        &fed,
        "VN",
        "GET",
        "me",
        None,
        Some(&operator_token)
    )
    .0 == 200));
    // The IT staff's first web account, made with the operator token (as `tiepdan user add`).
    let admin_password = "quan-tri-vien-2026";
    let (s, v) = call(
        &fed,
        "VN",
        "POST",
        "users",
        Some(
            &json!({"name": "quantri", "full_name": "Phạm Quản Trị", "role": "operator", "password": admin_password}),
        ),
        Some(&operator_token),
    );
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["temporary_password"], Value::Null);

    let (_driver, port) = chromedriver();
    let profiles = tempfile::tempdir().unwrap();
    let c = browser(port, &profiles.path().join("operator")).await;
    // On a phone's width the sign-in page fits without scrolling sideways.
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&format!("http://{http}/dang-nhap")).await.unwrap();
    let fits = js(
        &c,
        "return [document.documentElement.scrollWidth <= window.innerWidth, \
         document.querySelector('label[for=name]').textContent, document.querySelector('label[for=password]').textContent, \
         document.getElementById('sign-in').textContent]",
    )
    .await;
    assert_eq!(
        fits,
        json!([true, "Tên đăng nhập", "Mật khẩu", "Đăng nhập"]),
        "labels tied to their inputs; no sideways scrolling at 390 px"
    );
    c.set_window_size(1280, 900).await.unwrap();

    sign_in(
        &c,
        &format!("http://{http}"),
        "quantri",
        admin_password,
        "/nguoi-dung",
    )
    .await;
    let listed = until(
        &c,
        "const t = document.getElementById('users-body').innerText; return t.includes('canbo') && t.includes('chutri') ? t : null",
        vec![],
        "the users page did not list the site's accounts",
    )
    .await;
    assert!(
        listed.as_str().unwrap().contains("Người chủ trì"),
        "{listed}"
    );
    let header = js(&c, "return document.querySelector('header').innerText").await;
    assert!(
        header
            .as_str()
            .is_some_and(|h| h.contains("Phạm Quản Trị") && h.contains("Quản trị hệ thống")),
        "{header}"
    );
    c.find(Locator::Id("new-name"))
        .await
        .unwrap()
        .send_keys("le.van.c")
        .await
        .unwrap();
    c.find(Locator::Id("new-full-name"))
        .await
        .unwrap()
        .send_keys("Lê Văn C")
        .await
        .unwrap();
    js(&c, "document.getElementById('new-role').value = 'officer'").await;
    c.find(Locator::Id("add-user"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let secret = until(
        &c,
        "return document.getElementById('secret').hidden ? null : document.getElementById('secret-value').textContent",
        vec![],
        "the new account's temporary password was not shown",
    )
    .await;
    let secret = secret.as_str().unwrap().to_owned();
    assert!(secret.chars().count() >= 10, "{secret}");
    until(
        &c,
        "const r = document.querySelector('#users-body tr[data-name=\"le.van.c\"]'); return r && r.innerText.includes('Cán bộ tiếp công dân')",
        vec![],
        "the new account is not in the table",
    )
    .await;

    // Signing out ends the web session; the new officer signs in with the temporary password.
    c.find(Locator::Id("sign-out"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(
        &c,
        "return location.pathname === '/dang-nhap'",
        vec![],
        "signing out did not lead to /dang-nhap",
    )
    .await;
    sign_in(
        &c,
        &format!("http://{http}"),
        "le.van.c",
        &secret,
        "/nguoi-dung",
    )
    .await;
    let denied = until(
        &c,
        "const n = document.getElementById('td-notice'); return n && !n.hidden ? [n.textContent, document.getElementById('content').hidden] : null",
        vec![],
        "an officer was not told the users page is not theirs",
    )
    .await;
    assert_eq!(
        denied,
        json!(["Chỉ quản trị hệ thống được quản lý người dùng.", true])
    );
    let nav = js(
        &c,
        "return [...document.querySelectorAll('header nav a')].map(a => a.getAttribute('href'))",
    )
    .await;
    assert_eq!(
        nav,
        json!([
            "/",
            "/tiep-nhan",
            "/so-tiep-cong-dan",
            "/phien-tiep",
            "/phien",
            "/bao-cao",
            "/giam-sat"
        ]),
        "an officer's links at central: supervision of the sites below, no users page"
    );
    c.close().await.ok();
}

/// A private address on this host other than loopback, on one end of a veth pair removed on
/// drop (this kernel has no dummy interfaces; veth works wherever the network lab does).
/// Needs root, as CI runs.
struct Address {
    dev: String,
    ip: String,
}

impl Address {
    fn new() -> Address {
        let pid = std::process::id();
        let dev = format!("tdw{}", pid % 10_000);
        let ip = format!("10.213.{}.1", pid % 200 + 20);
        let run = |args: &[&str]| {
            let out = Command::new("ip")
                .args(args)
                .output()
                .expect("ip (Debian package iproute2) must be installed");
            assert!(
                out.status.success(),
                "ip {}: {} (this test creates a network interface: it must run as root)",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        };
        let _ = Command::new("ip").args(["link", "del", &dev]).output();
        let peer = format!("{dev}p");
        run(&["link", "add", &dev, "type", "veth", "peer", "name", &peer]);
        let address = Address { dev, ip };
        run(&[
            "addr",
            "add",
            &format!("{}/32", address.ip),
            "dev",
            &address.dev,
        ]);
        run(&["link", "set", &address.dev, "up"]);
        run(&["link", "set", &peer, "up"]);
        address
    }
}

impl Drop for Address {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["link", "del", &self.dev]).output();
    }
}

/// One HTTPS (or plain) request with curl, verifying the server against `ca`: (curl's exit
/// code, HTTP status, response headers, body).
fn curl(
    ca: &Path,
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (i32, u16, String, String) {
    let mut cmd = Command::new("curl");
    cmd.args([
        "-s",
        "-i",
        "--max-time",
        "10",
        "-w",
        "\n%{http_code}",
        "-X",
        method,
    ])
    .arg("--cacert")
    .arg(ca);
    if let Some(token) = token {
        cmd.args(["-H", &format!("Authorization: Bearer {token}")]);
    }
    if let Some(body) = body {
        cmd.args(["-H", "Content-Type: application/json", "--data-binary"])
            .arg(body.to_string());
    }
    let out = cmd
        .arg(url)
        .output()
        .expect("curl (Debian package curl) must be installed");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (text, status) = text.rsplit_once('\n').unwrap_or(("", &text));
    let status = status.trim().parse().unwrap_or(0);
    let (headers, body) = text.split_once("\r\n\r\n").unwrap_or((text, ""));
    (
        out.status.code().unwrap_or(-1),
        status,
        headers.to_owned(),
        body.to_owned(),
    )
}

/// A JSON API call over HTTPS: (status, body).
fn api(
    ca: &Path,
    base: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let (_, status, _, text) = curl(
        ca,
        method,
        &format!("{base}/api/v1/{path}"),
        Some(token),
        body,
    );
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// `home/.pki/nssdb`: a fresh NSS database trusting `ca` for TLS servers, as on a PC where the
/// site's web CA was installed (certutil is in the Debian package libnss3-tools).
fn trust_in_nss(home: &Path, ca: &Path) {
    let db = home.join(".pki/nssdb");
    std::fs::create_dir_all(&db).unwrap();
    let db = format!("sql:{}", db.display());
    let run = |args: &[&str]| {
        let out = Command::new("certutil").args(args).output().expect(
            "certutil (Debian package libnss3-tools) must be installed for the HTTPS browser test",
        );
        assert!(
            out.status.success(),
            "certutil {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    };
    run(&["-N", "--empty-password", "-d", &db]);
    run(&[
        "-A",
        "-d",
        &db,
        "-t",
        "C,,",
        "-n",
        "tiepdan-web",
        "-i",
        ca.to_str().unwrap(),
    ]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_room_page_works_over_https_from_an_address_other_than_loopback() {
    let address = Address::new();
    let (_dir, mut fed) = federation(&["VN"]);
    let port = tiepdan_node::lab::processes::free_port().unwrap();
    let http: SocketAddr = format!("{}:{port}", address.ip).parse().unwrap();
    fed.sites.get_mut("VN").unwrap().http = http;
    fed.start("VN").unwrap();
    let site = fed.site("VN").unwrap();
    let (officer_token, chair_token) = (site.officer.clone(), site.chair.clone());
    let ca = site.data.root().join("web/ca.pem");
    let base = format!("https://{http}");
    assert!(
        eventually(DEADLINE, || curl(
            &ca,
            "GET",
            &format!("{base}/api/v1/me"),
            None,
            None
        )
        .1 == 401),
        "no TLS answer verified against {} on {base}/api/v1/me",
        ca.display()
    );

    // Plain HTTP on that address serves no page.
    let (code, status, _, page) = curl(&ca, "GET", &format!("http://{http}/"), None, None);
    assert!(
        code != 0 || status != 200 || !page.contains("<html"),
        "plain HTTP beyond loopback served a page: curl {code}, HTTP {status}"
    );
    // Signing in over HTTPS sets a Secure cookie.
    let (_, status, headers, text) = curl(
        &ca,
        "POST",
        &format!("{base}/api/v1/sign-in"),
        None,
        Some(&json!({"name": CHAIR, "password": DEMO_PASSWORD})),
    );
    assert_eq!(status, 200, "{text}");
    let cookie = headers
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap_or_else(|| panic!("sign-in set no cookie: {headers}"));
    assert!(
        cookie.split(';').any(|a| a.trim() == "Secure"),
        "the session cookie over HTTPS must be Secure: {cookie}"
    );

    // A session at VN, scheduled by the officer and started by the chair, over HTTPS.
    let (s, v) = api(
        &ca,
        &base,
        "POST",
        "sessions",
        &officer_token,
        Some(
            &json!({"title": "Tiếp công dân qua HTTPS", "points": ["00004"], "starts_at": "2026-12-20 08:00"}),
        ),
    );
    assert_eq!(s, 201, "{v}");
    let id = v["session_id"].as_str().unwrap().to_owned();
    let (s, v) = api(
        &ca,
        &base,
        "POST",
        &format!("sessions/{id}/events"),
        &chair_token,
        Some(&json!({"started": {"at_ms": 1}})),
    );
    assert_eq!(s, 201, "{v}");

    // Chromium trusts the site's web CA as a site's PC does: installed in its user's NSS
    // database, nothing switched off.
    let home = tempfile::tempdir().unwrap();
    trust_in_nss(home.path(), &ca);
    let (_driver, driver_port) = chromedriver_at_home(Some(home.path()));
    let c = browser(driver_port, &home.path().join("profile")).await;
    let room = format!("/phien?session={id}");
    c.goto(&format!("{base}{room}")).await.unwrap();
    let t = Instant::now();
    loop {
        let at = js(
            &c,
            "return [location.protocol, location.pathname, document.readyState, document.title]",
        )
        .await;
        if at[0] == "https:" && at[1] == "/dang-nhap" && at[2] == "complete" {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "the room page at {base} did not send the browser to /dang-nhap over HTTPS \
             (a certificate error page if Chromium does not trust {}): {at}",
            ca.display()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    sign_in(&c, &base, CHAIR, DEMO_PASSWORD, &room).await;
    assert_eq!(
        js(&c, "return [window.isSecureContext, location.origin]").await,
        json!([true, base]),
        "the page over HTTPS from {http} is a secure context"
    );
    let me = join(&c, Some("Chủ tịch Nguyễn Văn Bình")).await;
    // Joined: getUserMedia gave the page the (fake) camera and microphone.
    let tracks = until(
        &c,
        "const s = document.getElementById('preview').srcObject; \
         return s ? s.getTracks().filter(t => t.readyState === 'live').map(t => t.kind).sort() : null",
        vec![],
        "the room page has no camera stream",
    )
    .await;
    assert_eq!(tracks, json!(["audio", "video"]), "getUserMedia's tracks");
    assert_eq!(js(&c, "return window.tdMe().participant").await, me);
    // The node's gateway has this browser's publisher.
    let mut listed = Value::Null;
    let published = eventually(DEADLINE, || {
        let (s, v) = api(
            &ca,
            &base,
            "GET",
            &format!("sessions/{id}/publishers"),
            &chair_token,
            None,
        );
        listed = v;
        s == 200
            && listed["publishers"]
                .as_array()
                .is_some_and(|p| p.iter().any(|p| p["participant_id"] == me.as_str()))
    });
    c.close().await.ok();
    assert!(
        published,
        "the node does not list the browser's publisher {me}: {listed}"
    );
}
