//! The supervision of the levels below (issue 13 item 5) at a real province and central:
//! commune 00004 of Hà Nội received citizens in Q3 2026 at three weekly periodic receptions and
//! left a complaint unhandled; 00008 did nothing. The province's table has a line for every one
//! of its communes with the counts worked out by hand, central's one for every province; a
//! commune cannot supervise its province, an operator nothing; the plots are SVG; the page
//! sorts, and does not scroll sideways on a phone.

use serde_json::{json, Value};
use tiepdan_node::lab::processes::{CHAIR, DEMO_PASSWORD};
use tiepdan_protocol::sites::Registry;
use tiepdan_tests::browser::{
    browser, chromedriver, desk_size, js, overflow_at_phone_size, screenshot, sign_in, until,
};
use tiepdan_tests::{
    call, eventually, federation, get_raw, reception, wait_held, LocalFederation, DEADLINE,
};

/// Records a reception at `site` dated `date`, held as `session_type`.
fn received(
    fed: &LocalFederation,
    site: &str,
    date: &str,
    session_type: &str,
    name: &str,
) -> String {
    let mut body = reception("complaint", name);
    body["date"] = json!(date);
    body["session_type"] = json!(session_type);
    let (s, v) = call(fed, site, "POST", "receptions", Some(&body), None);
    assert_eq!(s, 201, "{v}");
    v["case_id"].as_str().unwrap().to_owned()
}

fn row<'a>(v: &'a Value, code: &str) -> &'a Value {
    v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == code)
        .unwrap_or_else(|| panic!("no row for {code}: {v}"))
}

/// A GET as the site's officer, raw, the body as text.
fn raw(fed: &LocalFederation, at: &str, path: &str) -> (u16, String, String) {
    let (s, kind, body) = get_raw(fed, at, path);
    (s, kind, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_province_and_central_see_how_each_site_below_receives_citizens() {
    let (_dir, mut fed) = federation(&["VN", "01", "00004", "00008"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));

    // Q3 2026 runs Mon 15/6 → Mon 14/9: whole weeks 15/6 … 7–13/9, thirteen of them.
    let mut ids = Vec::new();
    for (date, name) in [
        ("2026-06-22", "Nguyễn Văn Một"),
        ("2026-06-29", "Trần Thị Hai"),
        ("2026-07-06", "Lê Văn Ba"),
    ] {
        ids.push(received(&fed, "00004", date, "periodic", name));
    }
    ids.push(received(
        &fed,
        "00004",
        "2026-07-01",
        "regular",
        "Phạm Thị Bốn",
    ));
    // Outside the period: neither counted nor a periodic day of Q3.
    ids.push(received(
        &fed,
        "00004",
        "2026-09-15",
        "periodic",
        "Vũ Văn Năm",
    ));
    for id in &ids {
        wait_held(&fed, "01", &format!("cases/{id}"));
        wait_held(&fed, "VN", &format!("cases/{id}"));
    }

    let registry = Registry::official();
    let (s, v) = call(&fed, "01", "GET", "supervision?period=2026-Q3", None, None);
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["period"]["from"].as_str(), v["period"]["to"].as_str()),
        (Some("2026-06-15"), Some("2026-09-14"))
    );
    assert_eq!(
        v["rows"].as_array().unwrap().len(),
        registry.children("01").len(),
        "a line for every commune of Hà Nội, with a node or not"
    );
    let busy = row(&v, "00004");
    assert_eq!(
        (
            busy["duty"]["met"].as_u64(),
            busy["duty"]["required"].as_u64()
        ),
        (Some(3), Some(13)),
        "{busy}"
    );
    assert_eq!(busy["periodic_days"], 3);
    assert_eq!(busy["duty_label"], "1 ngày/tuần");
    assert_eq!(busy["cases_received"], 4);
    assert_eq!(
        busy["overdue_cases"], 4,
        "none of the four was handled: {busy}"
    );
    assert_eq!(busy["alarms_45"], 4);
    assert_eq!(busy["report"]["status"], "missing");
    assert_eq!(busy["verdict"], "red");
    assert_eq!(busy["verdict_label"], "Không đạt");
    let reasons: Vec<&str> = busy["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        reasons.contains(&"Tiếp định kỳ: đạt 3/13 tuần (yêu cầu 1 ngày/tuần)")
            && reasons.contains(&"4 vụ việc quá ngưỡng 45 ngày chưa xử lý"),
        "{reasons:?}"
    );
    let idle = row(&v, "00008");
    assert_eq!(
        (
            idle["duty"]["met"].as_u64(),
            idle["cases_received"].as_u64()
        ),
        (Some(0), Some(0))
    );
    let weeks = v["receptions_per_week"].as_array().unwrap();
    let total: u64 = weeks.iter().map(|w| w[1].as_u64().unwrap()).sum();
    assert_eq!(total, 4, "{weeks:?}");

    // Central: a line per province; Hà Nội's own desk received nobody.
    let (s, v) = call(&fed, "VN", "GET", "supervision?period=2026-Q3", None, None);
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["rows"].as_array().unwrap().len(), 34);
    assert_eq!(row(&v, "01")["cases_received"], 0);
    assert_eq!(row(&v, "01")["duty_label"], "1 ngày/tháng");
    assert!(row(&v, "01")["below"].as_u64().unwrap() > 100);
    // …and drills into Hà Nội's communes, with the same counts as the province.
    let (s, v) = call(
        &fed,
        "VN",
        "GET",
        "supervision?period=2026-Q3&site=01",
        None,
        None,
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(row(&v, "00004")["cases_received"], 4);
    assert_eq!(v["up"], "VN");

    // A commune does not supervise its province; a wrong period is named.
    let (s, v) = call(
        &fed,
        "00004",
        "GET",
        "supervision?period=2026-Q3&site=01",
        None,
        None,
    );
    assert_eq!(s, 403, "{v}");
    let (s, v) = call(&fed, "01", "GET", "supervision?period=2026-Q5", None, None);
    assert_eq!((s, v["code"].as_str()), (422, Some("bad_period")), "{v}");
    assert!(v["error"].as_str().unwrap().contains("2026-Q4"), "{v}");
    // The site's IT operator reads no reports.
    let operator = fed.site("01").unwrap().token.clone();
    let (s, _) = call(&fed, "01", "GET", "supervision", None, Some(&operator));
    assert_eq!(s, 403);

    // The plots are drawn on the server.
    let (s, kind, svg) = raw(&fed, "01", "supervision/receptions.svg?period=2026-Q3");
    assert_eq!(s, 200);
    assert!(kind.starts_with("image/svg+xml"), "{kind}");
    assert!(svg.starts_with("<svg") && svg.contains("Lượt tiếp công dân theo tuần"));
    let (s, _, svg) = raw(&fed, "01", "supervision/deadlines.svg?period=2026-Q3");
    assert_eq!(s, 200);
    assert!(svg.contains("Quá hạn, chưa thực hiện"), "{svg}");

    // The page, as the province's chair.
    let origin = format!("http://{}", fed.site("01").unwrap().http);
    let (_driver, port) = chromedriver();
    let profile = tempfile::tempdir().unwrap();
    let c = browser(port, profile.path()).await;
    desk_size(&c).await;
    sign_in(
        &c,
        &origin,
        CHAIR,
        DEMO_PASSWORD,
        "/giam-sat?period=2026-Q3",
    )
    .await;
    let first = until(
        &c,
        "const r = document.querySelector('#rows tr'); return r ? r.dataset.verdict : null",
        vec![],
        "the supervision table never filled",
    )
    .await;
    assert_eq!(first, "red", "worst first by default");
    let summary = js(&c, "return document.getElementById('summary').textContent").await;
    let communes = registry.children("01").len();
    assert_eq!(
        summary.as_str().unwrap(),
        format!("Đánh giá: 0 đạt · 0 cần chú ý · {communes} không đạt. Đã nộp báo cáo kỳ: 0/{communes}."),
        "no commune held a periodic day every week"
    );
    // Sorted by the receptions, the busy commune comes first.
    let top = js(
        &c,
        "const b = [...document.querySelectorAll('#heads button')].find(b => b.textContent.startsWith('Lượt tiếp')); b.click(); \
         return document.querySelector('#rows tr').dataset.site",
    )
    .await;
    assert_eq!(top, "00004");
    let line = js(&c, "return document.querySelector('#rows tr').innerText").await;
    assert!(
        line.as_str()
            .is_some_and(|t| t.contains("3/13") && t.contains("Chưa nộp, đã quá hạn")),
        "{line}"
    );
    until(
        &c,
        "const i = document.getElementById('plot-receptions'); return i.complete && i.naturalWidth > 0 ? true : null",
        vec![],
        "the receptions plot did not load",
    )
    .await;
    screenshot(&c, "supervision").await;
    assert_eq!(
        overflow_at_phone_size(&c).await,
        0,
        "the page scrolls sideways on a phone"
    );
    screenshot(&c, "supervision-phone").await;
    c.close().await.ok();
}
