//! The roll-up of the biểu up the hierarchy (issue 13 item 7), at real processes: communes of
//! two provinces (Hà Nội and Thành phố Hồ Chí Minh) receive citizens in Q3 2026; each
//! province's `01-tcd` counts exactly its own commune's, central's counts both and gives each
//! province the row that province computes itself; a commune's and a province's submissions
//! reach central, which sees them match, and sees the province that did not submit as missing;
//! a level submits over its own scope only. The page "Báo cáo" shows the province's chair the
//! same figures and who submitted, and does not scroll sideways on a phone.

use serde_json::{json, Value};
use tiepdan_node::lab::processes::{CHAIR, DEMO_PASSWORD};
use tiepdan_protocol::sites::Registry;
use tiepdan_tests::browser::{
    browser, chromedriver, desk_size, js, overflow_at_phone_size, screenshot, sign_in, until,
};
use tiepdan_tests::{
    call, eventually, federation, reception, wait_held, LocalFederation, DEADLINE,
};

fn receive(fed: &LocalFederation, site: &str, name: &str, date: &str, extra: Value) -> String {
    let mut b = reception("complaint", name);
    b["date"] = json!(date);
    for (k, v) in extra.as_object().unwrap() {
        b[k] = v.clone();
    }
    let (s, v) = call(fed, site, "POST", "receptions", Some(&b), None);
    assert_eq!(s, 201, "{v}");
    v["case_id"].as_str().unwrap().to_owned()
}

fn tcd(fed: &LocalFederation, at: &str) -> Value {
    let (s, v) = call(
        fed,
        at,
        "GET",
        "reports/01-tcd?period=2026-Q3&scope=descendants",
        None,
        None,
    );
    assert_eq!(s, 200, "{at}: {v}");
    v
}

fn row<'a>(report: &'a Value, site: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == site)
        .unwrap_or_else(|| panic!("no row {site} in {report}"))
}

/// The submissions lines `at` lists for `of`'s own report and its children's.
fn submissions(fed: &LocalFederation, at: &str, of: &str) -> Vec<Value> {
    let (s, v) = call(
        fed,
        at,
        "GET",
        &format!("reports/submissions?period=2026-Q3&form=01-tcd&site={of}"),
        None,
        None,
    );
    assert_eq!(s, 200, "{v}");
    v["lines"].as_array().unwrap().clone()
}

fn line<'a>(lines: &'a [Value], site: &str) -> &'a Value {
    lines
        .iter()
        .find(|l| l["site"] == site)
        .unwrap_or_else(|| panic!("no line {site} in {lines:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_province_counts_its_own_communes_and_central_counts_both() {
    let hcm = Registry::official().children("79")[0].clone();
    let (_dir, mut fed) = federation(&["VN", "01", "00004", "79", &hcm]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));

    // Hà Nội, 00004: two visits (one at the head's periodic reception) and a đơn by post.
    // Hồ Chí Minh: three visits, one a crowd of seven, one after the period.
    let crowd = json!({"people_count": 7, "representatives": [
        {"name": "Ngô Văn Dũng", "role": "crowd_representative", "document": "Văn bản cử đại diện"}
    ]});
    let ids = [
        receive(&fed, "00004", "Nguyễn Văn Một", "2026-07-01", json!({})),
        receive(
            &fed,
            "00004",
            "Trần Thị Hai",
            "2026-08-04",
            json!({"session_type": "periodic", "repeat": true}),
        ),
        receive(
            &fed,
            "00004",
            "Lê Văn Ba",
            "2026-08-05",
            json!({"source": "post"}),
        ),
        receive(&fed, &hcm, "Phạm Thị Bốn", "2026-06-15", json!({})),
        receive(&fed, &hcm, "Hoàng Văn Năm", "2026-09-14", crowd),
        receive(&fed, &hcm, "Vũ Thị Sáu", "2026-09-15", json!({})),
    ];
    for id in &ids {
        wait_held(&fed, "VN", &format!("cases/{id}"));
    }

    // Each province: exactly its own commune's lines.
    let hanoi = tcd(&fed, "01");
    let t = &hanoi["totals"];
    for (col, n) in [
        ("visits", 2),
        ("persons", 2),
        ("cases_first", 1),
        ("cases_repeat", 1),
        ("crowds", 0),
        ("periodic_sessions", 1),
    ] {
        assert_eq!(t[col], n, "Hà Nội {col}: {t}");
    }
    assert_eq!(row(&hanoi, "00004")["values"]["visits"], 2);
    assert!(hanoi["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["code"] != hcm));
    let saigon = tcd(&fed, "79");
    let t = &saigon["totals"];
    for (col, n) in [
        ("visits", 1),
        ("persons", 1),
        ("cases_first", 1),
        ("crowds", 1),
        ("crowd_persons", 7),
        ("crowd_cases_first", 1),
        ("periodic_sessions", 0),
    ] {
        assert_eq!(t[col], n, "Hồ Chí Minh {col}: {t}");
    }
    assert_eq!(row(&saigon, &hcm)["values"]["crowds"], 1);

    // Central: both, each province's row what the province computes, nothing anywhere else.
    let nation = tcd(&fed, "VN");
    assert_eq!(nation["sites"], Registry::official().iter().count());
    for col in [
        "visits",
        "persons",
        "crowds",
        "crowd_persons",
        "periodic_sessions",
    ] {
        let sum = hanoi["totals"][col].as_u64().unwrap() + saigon["totals"][col].as_u64().unwrap();
        assert_eq!(nation["totals"][col], sum, "central {col}");
    }
    assert_eq!(row(&nation, "01")["values"], hanoi["totals"]);
    assert_eq!(row(&nation, "79")["values"], saigon["totals"]);
    for r in nation["rows"].as_array().unwrap() {
        if r["code"] != "01" && r["code"] != "79" {
            let v = r["values"].as_object().unwrap();
            assert!(
                v.values().all(|n| n == 0),
                "{} counts nothing: {r}",
                r["code"]
            );
        }
    }
    // The đơn by post is no visit, but Biểu 01/XLD counts it with the others.
    let (s, xld) = call(
        &fed,
        "VN",
        "GET",
        "reports/01-xld?period=2026-Q3&scope=descendants",
        None,
        None,
    );
    assert_eq!(s, 200, "{xld}");
    assert_eq!(xld["totals"]["received"], 5, "{xld}");
    assert_eq!(row(&xld, "01")["values"]["received"], 3);

    // Submissions: a level submits over its own scope only.
    let chair = fed.site("01").unwrap().chair.clone();
    let (s, v) = call(
        &fed,
        "01",
        "POST",
        "reports/01-tcd/submissions",
        Some(&json!({"period": "2026-Q3", "scope": "site"})),
        Some(&chair),
    );
    assert_eq!((s, v["code"].as_str()), (422, Some("bad_scope")), "{v}");
    assert!(v["error"].as_str().unwrap().contains("cấp dưới"), "{v}");
    // The commune's own report, then Hà Nội's over its communes; Hồ Chí Minh submits nothing.
    for (site, scope) in [("00004", "site"), ("01", "descendants")] {
        let chair = fed.site(site).unwrap().chair.clone();
        let (s, v) = call(
            &fed,
            site,
            "POST",
            "reports/01-tcd/submissions",
            Some(&json!({"period": "2026-Q3", "scope": scope})),
            Some(&chair),
        );
        assert_eq!(s, 201, "{site}: {v}");
    }
    assert!(
        eventually(DEADLINE, || {
            let lines = submissions(&fed, "VN", "01");
            !line(&lines, "01")["record"].is_null() && !line(&lines, "00004")["record"].is_null()
        }),
        "the submissions never reached central"
    );
    let lines = submissions(&fed, "VN", "01");
    for site in ["01", "00004"] {
        assert_eq!(line(&lines, site)["differences"], json!([]), "{site}");
    }
    let lines = submissions(&fed, "01", "01");
    assert!(!line(&lines, "00004")["record"].is_null());
    let lines = submissions(&fed, "VN", "VN");
    assert!(!line(&lines, "01")["record"].is_null());
    // 2026-12-03 is past Q3's due date: a province that never submitted is missing.
    let hcm_line = line(&lines, "79");
    assert!(hcm_line["record"].is_null());
    assert_eq!(hcm_line["timeliness"]["status"], "missing", "{hcm_line}");

    // A province does not list the submissions of another province's communes.
    let (s, v) = call(
        &fed,
        "01",
        "GET",
        "reports/submissions?period=2026-Q3&form=01-tcd&site=79",
        None,
        None,
    );
    assert_eq!((s, v["code"].as_str()), (403, Some("forbidden")), "{v}");

    // The page, as Hà Nội's chair: the same figures, and the commune's submission matching.
    let origin = format!("http://{}", fed.site("01").unwrap().http);
    let (_driver, port) = chromedriver();
    let profile = tempfile::tempdir().unwrap();
    let c = browser(port, profile.path()).await;
    desk_size(&c).await;
    sign_in(&c, &origin, CHAIR, DEMO_PASSWORD, "/bao-cao?period=2026-Q3").await;
    let total_visits = until(
        &c,
        "const t = document.querySelector('#rows tr.total td[data-column=visits]'); return t ? t.textContent : null",
        vec![],
        "the report table never filled",
    )
    .await;
    assert_eq!(total_visits, "2");
    let rows = js(&c, "return document.querySelectorAll('#rows tr').length").await;
    let communes = Registry::official().children("01").len() as u64;
    assert_eq!(
        rows,
        2 + communes,
        "the totals, the province's own book, each commune"
    );
    let commune = js(
        &c,
        "return [...document.querySelectorAll('#rows tr')].find(r => r.textContent.includes('(00004)')).querySelector('td[data-column=visits]').textContent",
    )
    .await;
    assert_eq!(commune, "2");
    let summary = js(&c, "return document.getElementById('summary').textContent").await;
    assert!(
        summary
            .as_str()
            .unwrap()
            .contains("từ ngày 15/06/2026 đến ngày 14/09/2026"),
        "{summary}"
    );
    let submitted = until(
        &c,
        "const r = document.querySelector('#submitted-rows tr[data-site=\"00004\"]'); return r ? r.innerText : null",
        vec![],
        "the submissions table never filled",
    )
    .await;
    assert!(submitted.as_str().unwrap().contains("Khớp"), "{submitted}");
    let scope_note = js(
        &c,
        "return document.getElementById('submit-scope').textContent",
    )
    .await;
    assert!(
        scope_note.as_str().unwrap().contains("cấp dưới"),
        "{scope_note}"
    );
    let xlsx = js(
        &c,
        "return document.getElementById('xlsx').getAttribute('href')",
    )
    .await;
    assert!(xlsx.as_str().unwrap().contains("format=xlsx"), "{xlsx}");
    screenshot(&c, "reports").await;
    assert_eq!(
        overflow_at_phone_size(&c).await,
        0,
        "the page scrolls sideways on a phone"
    );
    screenshot(&c, "reports-phone").await;
    c.close().await.ok();
}
