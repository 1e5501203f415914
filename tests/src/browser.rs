//! Headless Chromium for the page tests: Debian's chromium and chromium-driver (fake camera
//! and microphone), driven through WebDriver with fantoccini; signing in the way people do, and
//! the checks every page test shares (a phone-sized window without horizontal scrolling,
//! screenshots for `docs/`).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::{eventually, DEADLINE};

/// A running chromedriver, stopped on drop.
pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn chromedriver() -> (Driver, u16) {
    chromedriver_at_home(None)
}

/// chromedriver, and the Chromium it starts, with `HOME` set to `home` when given: Chromium on
/// Linux takes the certificates a user trusts from the NSS database in `$HOME/.pki/nssdb`.
pub fn chromedriver_at_home(home: Option<&Path>) -> (Driver, u16) {
    let port = tiepdan_node::lab::processes::free_port().unwrap();
    let mut cmd = Command::new("chromedriver");
    cmd.arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(home) = home {
        cmd.env("HOME", home);
    }
    let driver = Driver(
        cmd.spawn()
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
    (driver, port)
}

pub async fn browser(port: u16, profile: &std::path::Path) -> Client {
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

/// Runs `script` in the page until it returns something other than null or false; panics
/// with `what` (and the last answer) after 30 s.
pub async fn until(c: &Client, script: &str, args: Vec<Value>, what: &str) -> Value {
    let t = Instant::now();
    loop {
        let v = c.execute(script, args.clone()).await.unwrap_or(Value::Null);
        if !(v.is_null() || v == Value::Bool(false)) {
            return v;
        }
        assert!(t.elapsed() < Duration::from_secs(30), "{what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![]).await.unwrap()
}

/// `s` for a query string.
pub fn query_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Types `name` and `password` into the sign-in page at `origin` (`http://127.0.0.1:…`,
/// `https://…`; Enter submits) and waits until it has sent the browser on to `next`.
pub async fn sign_in(c: &Client, origin: &str, name: &str, password: &str, next: &str) {
    c.goto(&format!("{origin}/dang-nhap?next={}", query_escape(next)))
        .await
        .unwrap();
    c.find(Locator::Id("name"))
        .await
        .unwrap()
        .send_keys(name)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(&(password.to_owned() + &char::from(Key::Enter).to_string()))
        .await
        .unwrap();
    let path = next.split(['?', '#']).next().unwrap().to_owned();
    until(
        c,
        "return location.pathname === arguments[0] && document.readyState === 'complete'",
        vec![json!(path)],
        &format!("{name} was not signed in and sent on to {next} at {origin}"),
    )
    .await;
}

/// The phone the issue names (390×844 CSS pixels): the window is set to it, and the page at
/// its current address must not scroll sideways. Returns how many pixels it overflows (0 when
/// it fits) so the caller's assertion says which page failed.
pub async fn overflow_at_phone_size(c: &Client) -> i64 {
    c.set_window_size(390, 844)
        .await
        .expect("resize the window");
    // Layout settles on the next frame after a resize.
    tokio::time::sleep(Duration::from_millis(300)).await;
    js(
        c,
        "const d = document.documentElement; return Math.max(0, d.scrollWidth - d.clientWidth);",
    )
    .await
    .as_i64()
    .unwrap_or(i64::MAX)
}

/// Back to a desk PC's window.
pub async fn desk_size(c: &Client) {
    c.set_window_size(1280, 900)
        .await
        .expect("resize the window");
}

/// A PNG of the page as it is now, in `docs/screenshots/NAME.png` of the repository (README
/// and docs show them, so each run keeps them true to the pages).
pub async fn screenshot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("a screenshot");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots");
    std::fs::create_dir_all(&dir).expect("docs/screenshots");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write the screenshot");
}

/// The page's confirmation dialog (`#confirm`, confirmed by `#confirm-yes`) must open; it is
/// confirmed. `what` names the act in the failure.
pub async fn confirm_dialog(c: &Client, what: &str) {
    until(
        c,
        "return document.getElementById('confirm').open",
        vec![],
        &format!("no confirmation before {what}"),
    )
    .await;
    c.find(Locator::Id("confirm-yes"))
        .await
        .expect("the dialog's confirm button")
        .click()
        .await
        .expect("click confirm");
}

/// Clicks the element `id`, as a person does.
pub async fn click(c: &Client, id: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap_or_else(|_| panic!("#{id}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click #{id}: {e}"));
}

/// Empties the field `id` and types `text` into it.
pub async fn type_into(c: &Client, id: &str, text: &str) {
    let e = c
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|_| panic!("#{id}"));
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

/// Chooses `value` in the select `id` as a person does (the change event follows); the select
/// must offer it.
pub async fn choose(c: &Client, id: &str, value: &str) {
    let ok = c
        .execute(
            "const s = document.getElementById(arguments[0]);
             if (![...s.options].some(o => o.value === arguments[1])) return false;
             s.focus(); s.value = arguments[1];
             s.dispatchEvent(new Event('change', { bubbles: true })); return true;",
            vec![json!(id), json!(value)],
        )
        .await
        .unwrap();
    assert_eq!(ok, json!(true), "#{id} has no option {value}");
}
