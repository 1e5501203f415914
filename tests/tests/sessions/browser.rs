//! Headless Chromium (Debian's chromium and chromium-driver, fake camera and microphone,
//! driven through WebDriver) joins an online session at two sites on two nodes: the chair at
//! central (the hub) and a citizen at commune 00004. Through the session room page and each
//! site's WebRTC gateway, `getStats` must show each browser receiving the other's video and
//! audio (the citizen's audio once the chair gives the floor), and the citizen's page lists the
//! recording its site is making of its publisher.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use tiepdan_tests::{call, eventually, federation, DEADLINE};

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn browser(port: u16, profile: &std::path::Path) -> Client {
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                "--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required",
                "--disable-features=WebRtcHideLocalIpsWithMdns", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let caps: serde_json::Map<String, Value> = caps.as_object().unwrap().clone();
    ClientBuilder::rustls()
        .expect("rustls")
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session")
}

async fn join(c: &Client, url: &str, name: &str, role: &str) -> String {
    c.goto(url).await.unwrap();
    let t = Instant::now();
    // The page loads the session list, then the form can be used.
    loop {
        let n: Value = c
            .execute(
                "return document.getElementById('session').options.length",
                vec![],
            )
            .await
            .unwrap();
        if n.as_u64() > Some(0) {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "the session list never loaded at {url}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    c.find(Locator::Id("name"))
        .await
        .unwrap()
        .send_keys(name)
        .await
        .unwrap();
    c.execute(
        &format!("document.getElementById('role').value = '{role}'"),
        vec![],
    )
    .await
    .unwrap();
    c.find(Locator::Id("join"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let t = Instant::now();
    loop {
        let me: Value = c.execute("return window.tdMe && window.tdMe() && !document.getElementById('room').hidden ? window.tdMe().participant : null", vec![]).await.unwrap();
        if let Some(p) = me.as_str() {
            return p.to_owned();
        }
        let msg: Value = c
            .execute(
                "return document.getElementById('pick-message').textContent",
                vec![],
            )
            .await
            .unwrap();
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "could not join at {url}: {msg}"
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
    let (_dir, mut fed) = federation(&["VN", "01", "00004"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
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
    assert_eq!(
        call(
            &fed,
            "VN",
            "POST",
            &format!("sessions/{id}/events"),
            Some(&json!({"started": {"at_ms": 1}})),
            None
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

    let port = tiepdan_node::lab::processes::free_port().unwrap();
    let _driver = Driver(
        Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian package chromium-driver) must be installed"),
    );
    assert!(
        eventually(DEADLINE, || std::net::TcpStream::connect((
            "127.0.0.1",
            port
        ))
        .is_ok()),
        "chromedriver did not start"
    );
    let profiles = tempfile::tempdir().unwrap();
    let chair = browser(port, &profiles.path().join("chair")).await;
    let citizen = browser(port, &profiles.path().join("citizen")).await;

    let url = |code: &str| {
        let s = fed.site(code).unwrap();
        format!("http://{}/phien?session={id}#token={}", s.http, s.token)
    };
    let _ = join(&chair, &url("VN"), "Chủ tịch Nguyễn Văn Bình", "chair").await;
    let citizen_id = join(&citizen, &url("00004"), "Công dân Trần Thị Hoa", "citizen").await;
    // The page shows Vietnamese labels.
    let phase: Value = chair
        .execute(
            "return document.getElementById('phase').textContent",
            vec![],
        )
        .await
        .unwrap();
    assert!(phase.as_str().is_some_and(|p| !p.is_empty()), "{phase}");

    // The chair gives the floor to the citizen (who must be seen at the hub first).
    assert!(eventually(DEADLINE, || call(
        &fed,
        "VN",
        "GET",
        &format!("sessions/{id}"),
        None,
        None
    )
    .1["state"]["participants"]["00004"][&citizen_id]
        .is_object()));
    let (s, v) = call(
        &fed,
        "VN",
        "POST",
        &format!("sessions/{id}/events"),
        Some(&json!({"floor_granted": {"point": "00004", "participant_id": citizen_id}})),
        None,
    );
    assert_eq!(s, 201, "{v}");

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
    let phase: Value = chair
        .execute(
            "return document.getElementById('phase').textContent",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(phase, "Đang diễn ra");
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
}
