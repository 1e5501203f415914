//! The sessions page (`/phien-tiep`) in headless Chromium: the demo chair at a province hub
//! schedules an online session with a complaint linked under NĐ 154/2026 Art 20(1); it is
//! listed with its type and start, its Art 23 timeline shows the missed notice and the
//! warning the API computes; a denunciation whose denouncer asked for identity protection is
//! refused, in Vietnamese naming Điều 20, both when scheduling and when linking, and nothing is
//! scheduled or linked (checked through the API); recording the notice clears the "not sent"
//! warning. The page fits a phone without scrolling sideways.

use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use tiepdan_node::lab::processes::{CHAIR, DEMO_PASSWORD};
use tiepdan_tests::browser::{
    browser, chromedriver, click, desk_size, js, overflow_at_phone_size, screenshot, sign_in,
    type_into, until,
};
use tiepdan_tests::{call, eventually, federation, reception, DEADLINE};

const HUB: &str = "01";
const POINT: &str = "00004";

/// Sets an input's value the way a picker would (date and time inputs).
async fn set_value(c: &Client, id: &str, v: &str) {
    c.execute(
        "document.getElementById(arguments[0]).value = arguments[1];",
        vec![json!(id), json!(v)],
    )
    .await
    .unwrap();
}

fn sessions(fed: &tiepdan_tests::LocalFederation) -> Vec<Value> {
    let (s, v) = call(fed, HUB, "GET", "sessions", None, None);
    assert_eq!(s, 200, "{v}");
    v.as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_session_with_a_protected_denunciation_refused() {
    let (_dir, mut fed) = federation(&["VN", HUB, POINT]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let hub_http = fed.site(HUB).unwrap().http;

    // A complaint, and a denunciation whose denouncer asked for identity protection.
    let (s, v) = call(
        &fed,
        HUB,
        "POST",
        "receptions",
        Some(&reception("complaint", "Lê Văn Hùng")),
        None,
    );
    assert_eq!(s, 201, "{v}");
    let complaint = v["case_id"].as_str().unwrap().to_owned();
    let mut d = reception("denunciation", "Phạm Thị Lan");
    d["identity_protection"] = json!(true);
    let (s, v) = call(&fed, HUB, "POST", "receptions", Some(&d), None);
    assert_eq!(s, 201, "{v}");
    let protected = v["case_id"].as_str().unwrap().to_owned();

    let (_driver, port) = chromedriver();
    let profiles = tempfile::tempdir().unwrap();
    let c = browser(port, &profiles.path().join("chair")).await;
    desk_size(&c).await;
    let origin = format!("http://{hub_http}");
    sign_in(&c, &origin, CHAIR, DEMO_PASSWORD, "/phien-tiep").await;
    // The form lists the hub's communes (the joined one first) and the cases.
    until(
        &c,
        "return !!document.getElementById('point-' + arguments[0]) && !!document.getElementById('case-' + arguments[1])",
        vec![json!(POINT), json!(protected)],
        "the scheduling form never listed the point and the cases",
    )
    .await;
    let joined_first = js(
        &c,
        "return [...document.querySelectorAll('#points-list input.point')].map(i => i.value)",
    )
    .await;
    assert!(
        joined_first.as_array().unwrap().contains(&json!(POINT)),
        "the joined commune is among the first listed: {joined_first}"
    );

    // Tomorrow at 08:00 Vietnam time: an ad hoc session well inside the five working days.
    let tomorrow: Value = js(
        &c,
        "const d = new Date(Date.now() + 7*3600e3 + 86400e3); return d.toISOString().slice(0, 10);",
    )
    .await;
    let tomorrow = tomorrow.as_str().unwrap().to_owned();
    type_into(&c, "title", "Tiếp công dân đột xuất về thu hồi đất").await;
    c.find(Locator::Css("#session-type option[value='ad_hoc']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    set_value(&c, "start-date", &tomorrow).await;
    set_value(&c, "start-time", "08:00").await;
    click(&c, &format!("point-{POINT}")).await;

    // First with the protected denunciation too: refused, nothing scheduled.
    click(&c, &format!("case-{complaint}")).await;
    click(&c, &format!("case-{protected}")).await;
    click(&c, "schedule-submit").await;
    let refusal = until(
        &c,
        "const m = document.getElementById('schedule-message'); return m.classList.contains('error') ? m.textContent : null",
        vec![],
        "the refusal was not shown",
    )
    .await;
    let refusal = refusal.as_str().unwrap();
    assert!(
        refusal.contains("Điều 20") && refusal.contains(&protected) && refusal.contains("bí mật"),
        "{refusal}"
    );
    assert!(sessions(&fed).is_empty(), "nothing is scheduled");
    // Regular reception is not a session.
    let (s, v) = call(
        &fed,
        HUB,
        "POST",
        "sessions",
        Some(
            &json!({"title": "Tiếp thường xuyên", "session_type": "regular", "points": [POINT],
                     "starts_at": "2026-12-20 08:00"}),
        ),
        None,
    );
    assert_eq!(s, 422, "{v}");
    assert!(sessions(&fed).is_empty(), "nothing is scheduled");

    // Without it, the complaint under clause 1.
    click(&c, &format!("case-{protected}")).await;
    let cat = js(
        &c,
        &format!("return document.getElementById('cat-{complaint}').value"),
    )
    .await;
    assert_eq!(cat, "complex_multi_agency");
    click(&c, "schedule-submit").await;
    let id = until(
        &c,
        "return window.tdSelected() && !document.getElementById('detail').hidden ? window.tdSelected() : null",
        vec![],
        "the scheduled session was not shown",
    )
    .await;
    let id = id.as_str().unwrap().to_owned();
    let listed = sessions(&fed);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["session_type"], "ad_hoc");
    let (_, view) = call(&fed, HUB, "GET", &format!("sessions/{id}"), None, None);
    assert_eq!(
        view["linked"],
        json!([{"case_id": complaint, "kind": "complaint", "category": "complex_multi_agency",
                "category_vi": view["linked"][0]["category_vi"]}])
    );

    // The list row: title, type, start, points, and its warning count.
    let row = until(
        &c,
        "const r = document.querySelector('tr.session[data-session=\"' + arguments[0] + '\"]'); return r ? r.textContent : null",
        vec![json!(id)],
        "the session is not in the list",
    )
    .await;
    let row = row.as_str().unwrap();
    assert!(
        row.contains("Đột xuất") && row.contains("08:00") && row.contains("cảnh báo"),
        "{row}"
    );
    let ymd: Vec<&str> = tomorrow.split('-').collect();
    assert!(
        row.contains(&format!("{}/{}/{}", ymd[2], ymd[1], ymd[0])),
        "{row}"
    );
    // The timeline: the notice is missed (due five working days before), and said so.
    let notice_state = js(
        &c,
        "return document.querySelector('#steps-body tr[data-step=notice]').dataset.state",
    )
    .await;
    assert_eq!(notice_state, "missed");
    let warnings = js(&c, "return document.getElementById('warnings').textContent").await;
    assert!(
        warnings.as_str().unwrap().contains("Chưa gửi thông báo"),
        "{warnings}"
    );
    let steps = js(
        &c,
        "return document.getElementById('steps-body').textContent",
    )
    .await;
    assert!(steps.as_str().unwrap().contains("Điều 23"), "{steps}");
    let linked = js(
        &c,
        "return document.getElementById('linked-body').textContent",
    )
    .await;
    assert!(linked.as_str().unwrap().contains("Khoản 1"), "{linked}");
    js(
        &c,
        "document.getElementById('detail').scrollIntoView(); return true",
    )
    .await;
    screenshot(&c, "sessions").await;

    // Linking the protected denunciation is refused, naming Điều 20; nothing is linked.
    c.find(Locator::Css(&format!(
        "#link-case option[value='{protected}']"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    click(&c, "link-submit").await;
    let refusal = until(
        &c,
        "const m = document.getElementById('link-message'); return m.classList.contains('error') ? m.textContent : null",
        vec![],
        "the link refusal was not shown",
    )
    .await;
    let refusal = refusal.as_str().unwrap();
    assert!(
        refusal.contains("Điều 20") && refusal.contains(&protected),
        "{refusal}"
    );
    let (_, view) = call(&fed, HUB, "GET", &format!("sessions/{id}"), None, None);
    assert_eq!(view["linked"].as_array().unwrap().len(), 1, "{view}");
    // The API says the same, with its status.
    let (s, v) = call(
        &fed,
        HUB,
        "POST",
        &format!("sessions/{id}/events"),
        Some(&json!({"case_linked": {"case_id": protected, "category": "other"}})),
        Some(&fed.site(HUB).unwrap().chair.clone()),
    );
    assert_eq!(
        (s, v["code"].as_str()),
        (409, Some("protected_denunciation")),
        "{v}"
    );
    // A clause that does not fit the case is refused too, and a link needs its clause.
    let (s, v) = call(
        &fed,
        HUB,
        "POST",
        &format!("sessions/{id}/events"),
        Some(&json!({"case_linked": {"case_id": complaint, "category": "complex_denunciation"}})),
        Some(&fed.site(HUB).unwrap().chair.clone()),
    );
    assert_eq!(
        (s, v["code"].as_str()),
        (422, Some("category_not_for_kind")),
        "{v}"
    );

    // "Gửi thông báo": the dialog, then the "not sent" warning is gone (a late notice is
    // reported as late instead).
    click(&c, "notice-btn").await;
    until(
        &c,
        "return document.getElementById('notice-dialog').open",
        vec![],
        "the notice dialog did not open",
    )
    .await;
    click(&c, "notice-confirm").await;
    until(
        &c,
        "const w = document.getElementById('warnings').textContent; return !w.includes('Chưa gửi thông báo') && document.querySelector('#steps-body tr[data-step=notice]').dataset.state !== 'missed'",
        vec![],
        "the notice warning did not go away",
    )
    .await;
    let (_, view) = call(&fed, HUB, "GET", &format!("sessions/{id}"), None, None);
    assert!(view["state"]["notice_sent_at_ms"].is_u64(), "{view}");
    assert!(
        !view["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["code"] == "notice_missing"),
        "{view}"
    );
    // "Kiểm tra kết nối": the hub reaches the commune, so its test connection is recorded as
    // successful (on time or late depending on today's calendar, never missing).
    click(&c, "test-btn").await;
    let tested = until(
        &c,
        "const r = document.querySelector('#steps-body tr[data-step=test]'); return r && (r.dataset.state === 'done' || r.dataset.state === 'late') ? r.dataset.state : null",
        vec![],
        "the test connection was not recorded",
    )
    .await;
    let (_, view) = call(&fed, HUB, "GET", &format!("sessions/{id}"), None, None);
    assert!(
        view["state"]["points"][POINT]["first_ok_test_at_ms"].is_u64(),
        "{tested}: {view}"
    );
    let room = js(
        &c,
        "return document.getElementById('room-link').getAttribute('href')",
    )
    .await;
    assert_eq!(room, format!("/phien?session={id}"));

    assert_eq!(
        overflow_at_phone_size(&c).await,
        0,
        "the sessions page at 390 px"
    );
    js(
        &c,
        "document.getElementById('steps-table').scrollIntoView(); return true",
    )
    .await;
    screenshot(&c, "sessions-phone").await;
    desk_size(&c).await;

    // At the commune the same chair account is not the session's chair: the room presets it
    // as an attending agency, which the commune may record (a chair there would be refused).
    assert!(eventually(DEADLINE, || call(
        &fed,
        POINT,
        "GET",
        &format!("sessions/{id}"),
        None,
        None
    )
    .0 == 200));
    let commune = format!("http://{}", fed.site(POINT).unwrap().http);
    js(
        &c,
        "return fetch('/api/v1/sign-out', {method: 'POST'}).then(() => true)",
    )
    .await;
    let room = format!("/phien?session={id}");
    sign_in(&c, &commune, CHAIR, DEMO_PASSWORD, &room).await;
    let role = until(
        &c,
        "const r = document.getElementById('role').textContent; return r && r !== '—' ? r : null",
        vec![],
        "the room page never said the role",
    )
    .await;
    assert_eq!(role, "Cơ quan tham dự");
    c.close().await.unwrap();
}
