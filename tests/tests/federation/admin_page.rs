//! The IT operator's day without the command line: at central, signed in with an operator
//! account, the page `/quan-tri` issues a province's certificate from its request, publishes
//! the next year's holiday calendar (after a confirmation), and revokes a province (after a
//! confirmation); each is then held by the node as the API says. An officer is kept out of the
//! page, and on a phone it does not scroll sideways.

use serde_json::{json, Value};
use tiepdan_keys::identity::SiteKey;
use tiepdan_node::lab::processes::{DEMO_PASSWORD, OFFICER};
use tiepdan_tests::browser::{
    browser, chromedriver, click, confirm_dialog, js, overflow_at_phone_size, sign_in, until,
};
use tiepdan_tests::{call, eventually, federation, DEADLINE};

const CSV_2028: &str = "date,kind,name,source
2028-03-08,off,Ngày nghỉ do Trung ương công bố (thử),Thông báo thử
";

/// Waits until the element `id` says `text`.
async fn says(c: &fantoccini::Client, id: &str, text: &str) {
    until(
        c,
        "return document.getElementById(arguments[0]).textContent === arguments[1]",
        vec![json!(id), json!(text)],
        &format!("{id} never said {text:?}"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_issues_publishes_and_revokes_on_the_page() {
    let (_dir, mut fed) = federation(&["VN", "01"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let vn = fed.site("VN").unwrap();
    let operator_token = vn.token.clone();
    let password = "quan-tri-vien-2026";
    let (s, v) = call(
        &fed,
        "VN",
        "POST",
        "users",
        Some(
            &json!({"name": "quantri", "full_name": "Phạm Quản Trị", "role": "operator", "password": password}),
        ),
        Some(&operator_token),
    );
    assert_eq!(s, 201, "{v}");
    let origin = format!("http://{}", vn.http);

    let (_driver, port) = chromedriver();
    let profiles = tempfile::tempdir().unwrap();
    let c = browser(port, &profiles.path().join("operator")).await;
    sign_in(&c, &origin, "quantri", password, "/quan-tri").await;
    until(
        &c,
        "return !document.getElementById('calendar-form').hidden && document.getElementById('revoke-site').options.length > 30",
        vec![],
        "central's operator is not offered the calendar and the provinces to revoke",
    )
    .await;

    // A certificate for province 79 from its request.
    let request = tiepdan_keys::cert::make_request(&SiteKey::generate(), "79").unwrap();
    js(
        &c,
        &format!(
            "document.getElementById('request-pem').value = {}; return true",
            json!(request)
        ),
    )
    .await;
    click(&c, "issue").await;
    says(&c, "issue-msg", "Đã cấp chứng thư.").await;
    let href = js(&c, "return document.getElementById('chain-link').hidden ? null : document.getElementById('chain-link').href").await;
    assert!(
        href.as_str().is_some_and(|h| h.starts_with("blob:")),
        "the issued chain is offered for download: {href}"
    );

    // The holiday calendar of 2028.
    js(
        &c,
        &format!(
            "document.getElementById('calendar-year').value = '2028'; document.getElementById('calendar-csv').value = {}; return true",
            json!(CSV_2028)
        ),
    )
    .await;
    click(&c, "publish").await;
    confirm_dialog(&c, "publishing the calendar").await;
    says(&c, "calendar-msg", "Đã công bố lịch năm 2028.").await;
    let calendars = call(&fed, "VN", "GET", "calendars", None, Some(&operator_token)).1;
    assert_eq!(calendars[0]["year"], 2028, "{calendars}");
    let listed = js(&c, "return document.getElementById('calendars').innerText").await;
    assert!(
        listed.as_str().is_some_and(|t| t.contains("2028")),
        "{listed}"
    );

    // Revoking province 79.
    js(
        &c,
        "document.getElementById('revoke-site').value = '79'; return true",
    )
    .await;
    click(&c, "revoke").await;
    confirm_dialog(&c, "revoking").await;
    says(&c, "revoke-msg", "Đã thu hồi chứng thư của 79.").await;
    let revoked: Value = call(
        &fed,
        "VN",
        "GET",
        "revocations",
        None,
        Some(&operator_token),
    )
    .1;
    assert!(
        revoked
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["site"] == "79")),
        "{revoked}"
    );
    assert_eq!(
        overflow_at_phone_size(&c).await,
        0,
        "the operator's page scrolls sideways on a phone"
    );
    c.close().await.ok();

    // An officer is kept out.
    let officer = browser(port, &profiles.path().join("officer")).await;
    sign_in(&officer, &origin, OFFICER, DEMO_PASSWORD, "/quan-tri").await;
    let denied = until(
        &officer,
        "const n = document.getElementById('td-notice'); return n && !n.hidden ? [n.textContent, document.getElementById('content').hidden] : null",
        vec![],
        "an officer was not told the page is not theirs",
    )
    .await;
    assert_eq!(denied[1], true, "{denied}");
    assert!(
        denied[0]
            .as_str()
            .is_some_and(|t| t.contains("quản trị hệ thống")),
        "{denied}"
    );
    officer.close().await.ok();
}
