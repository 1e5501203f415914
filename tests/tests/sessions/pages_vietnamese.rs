//! No English reaches a page a person reads. Every page the web UI serves (each `.route` of
//! `node/src/api/ui/mod.rs`, so a new page is walked without editing this test) is opened in
//! headless Chromium — which asks for English (`en-US`) itself — signed in as the officer at a
//! commune and as the chair and the operator at central, with data on it: a case with its
//! history and deadlines, a session. The text people can read (every text node outside
//! scripts and styles, closed dialogs included, and the placeholders, titles and labels of
//! controls) must contain none of the catalogue's English phrases (`node/locales/en/*.ftl`)
//! that are not also Vietnamese.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use fantoccini::Client;
use serde_json::{json, Value};
use tiepdan_node::lab::processes::{CHAIR, DEMO_PASSWORD, OFFICER};
use tiepdan_tests::browser::{browser, chromedriver, js, sign_in};
use tiepdan_tests::{call, eventually, federation, DEADLINE};

const UI_ROUTES: &str = include_str!("../../../node/src/api/ui/mod.rs");
const EN: [&str; 4] = [
    include_str!("../../../node/locales/en/errors.ftl"),
    include_str!("../../../node/locales/en/fields.ftl"),
    include_str!("../../../node/locales/en/labels.ftl"),
    include_str!("../../../node/locales/en/history.ftl"),
];
const VI: [&str; 4] = [
    include_str!("../../../node/locales/vi/errors.ftl"),
    include_str!("../../../node/locales/vi/fields.ftl"),
    include_str!("../../../node/locales/vi/labels.ftl"),
    include_str!("../../../node/locales/vi/history.ftl"),
];

/// The paths of every page: `.route("/…", get(|| page(…)))`, not the script.
fn pages() -> Vec<String> {
    UI_ROUTES
        .split(".route(")
        .skip(1)
        .filter_map(|r| r.trim_start().strip_prefix('"')?.split('"').next())
        .filter(|p| p.starts_with('/') && !p.ends_with(".js"))
        .map(str::to_owned)
        .collect()
}

/// The English catalogue's phrases: each message's text between its placeables, at least
/// three words long, that the Vietnamese catalogue does not also contain (names of laws,
/// codes).
fn english_phrases() -> BTreeSet<String> {
    let vi = VI.concat();
    let mut out = BTreeSet::new();
    for file in EN {
        for line in file.lines() {
            let text = match line.split_once(" = ") {
                Some((id, v)) if !id.starts_with(' ') && !id.starts_with('#') => v,
                _ if line.starts_with("    ")
                    && !line.trim_start().starts_with(['[', '*', '}']) =>
                {
                    line
                }
                _ => continue,
            };
            let mut rest = text;
            while !rest.is_empty() {
                let (before, after) = match rest.split_once('{') {
                    Some((b, a)) => (b, a.split_once('}').map_or("", |(_, a)| a)),
                    None => (rest, ""),
                };
                let phrase = before
                    .trim()
                    .trim_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace());
                let words = phrase.split_whitespace().count();
                if words >= 3 && phrase.is_ascii() && !vi.contains(phrase) {
                    out.insert(phrase.to_owned());
                }
                rest = after;
            }
        }
    }
    out
}

/// What a person can read on the page as it is now.
async fn readable_text(c: &Client) -> String {
    js(
        c,
        "const b = document.body.cloneNode(true);
         b.querySelectorAll('script, style, template').forEach(e => e.remove());
         const attrs = [...document.querySelectorAll('[placeholder], [title], [aria-label], input[type=button], input[type=submit]')]
           .map(e => [e.getAttribute('placeholder'), e.getAttribute('title'), e.getAttribute('aria-label'), e.value].filter(Boolean).join(' '));
         return document.title + '\\n' + b.textContent + '\\n' + attrs.join('\\n');",
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

/// Opens `url` and gives the page time to load what it shows (it says "Đang tải…" until then).
async fn open(c: &Client, url: &str) -> String {
    c.goto(url).await.unwrap();
    let t = Instant::now();
    loop {
        let text = readable_text(c).await;
        let ready = js(c, "return document.readyState === 'complete'").await == Value::Bool(true);
        if (ready && !text.contains("Đang tải")) || t.elapsed() > Duration::from_secs(8) {
            // The last API answers (the header's counts, a list) may still be on their way.
            tokio::time::sleep(Duration::from_millis(700)).await;
            return readable_text(c).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_page_shows_the_catalogues_english() {
    let phrases = english_phrases();
    assert!(
        phrases.len() > 100,
        "the catalogue yielded only {} English phrases",
        phrases.len()
    );
    let pages = pages();
    assert!(pages.len() >= 5, "found only {pages:?} in ui/mod.rs");

    let (_dir, mut fed) = federation(&["VN", "01", "00004"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    // A case with a history of several kinds of line, and a session with a point at the
    // commune.
    let case_id = tiepdan_tests::receive(&fed, "00004", "complaint", "Lê Văn Minh");
    for ev in [
        json!({"accepted": {"decision_no": "15/QĐ-UBND"}}),
        json!({"note": {"text": "Đã mời công dân làm việc"}}),
    ] {
        let (s, v) = call(
            &fed,
            "00004",
            "POST",
            &format!("cases/{case_id}/events"),
            Some(&ev),
            None,
        );
        assert_eq!(s, 201, "{v}");
    }
    let hub = fed.site("VN").unwrap();
    let session_id = tiepdan_tests::schedule(
        &fed,
        "VN",
        &json!({
            "title": "Tiếp công dân định kỳ",
            "points": ["00004"],
            "starts_at": "2026-12-28 08:00",
        }),
    );
    // The operator's web account at central.
    let operator_password = "quan-tri-vien-2026";
    let (s, v) = call(
        &fed,
        "VN",
        "POST",
        "users",
        Some(
            &json!({"name": "quantri", "full_name": "Quản trị viên", "role": "operator", "password": operator_password}),
        ),
        Some(&hub.token.clone()),
    );
    assert_eq!(s, 201, "{v}");

    let with_data = |page: &str| -> String {
        match page {
            "/vu-viec" => format!("{page}?id={case_id}"),
            "/phien" | "/phien-tiep" | "/bien-ban" => format!("{page}?session={session_id}"),
            _ => page.to_owned(),
        }
    };
    let commune = format!("http://{}", fed.site("00004").unwrap().http);
    let central = format!("http://{}", hub.http);
    let (_driver, port) = chromedriver();
    let profiles = tempfile::tempdir().unwrap();
    let mut found = Vec::new();
    for (who, origin, name, password) in [
        ("officer at 00004", &commune, OFFICER, DEMO_PASSWORD),
        ("chair at VN", &central, CHAIR, DEMO_PASSWORD),
        ("operator at VN", &central, "quantri", operator_password),
    ] {
        let c = browser(port, &profiles.path().join(name)).await;
        sign_in(&c, origin, name, password, "/").await;
        for page in &pages {
            let text = open(&c, &format!("{origin}{}", with_data(page))).await;
            for p in &phrases {
                if text.contains(p.as_str()) {
                    found.push(format!("{who}, {page}: {p:?}"));
                }
            }
        }
        c.close().await.ok();
    }
    assert!(
        found.is_empty(),
        "English reached the pages:\n{}",
        found.join("\n")
    );
}
