//! The case list `/so-tiep-cong-dan` and the case page `/vu-viec` (issue 12, "Case" and "Case
//! list") in headless Chromium, at commune 00004 of a small federation (central, province 01,
//! the commune). Cases are recorded through the API; then, as the demo officer: a search by ID
//! number finds exactly its case, a filter by kind keeps only its kind, a row opens by
//! keyboard; a complaint is walked through every step to closing through the page's dialogs
//! (the chair's steps in the chair's own browser), a denunciation through extension and
//! conclusion; after each step the API says the status changed, and steps the state or the
//! role does not allow have no button. The header counts agree with `GET cases/due`; neither
//! page scrolls sideways at 390 px. Screenshots: `case-list`, `case-list-phone`, `case`, `case-phone`.

use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use tiepdan_node::lab::processes::{CHAIR, DEMO_PASSWORD, OFFICER};
use tiepdan_tests::browser::{
    browser, choose, chromedriver, click, desk_size, js, overflow_at_phone_size, screenshot,
    sign_in, type_into, until,
};
use tiepdan_tests::{call, eventually, federation, LocalFederation, DEADLINE};

const SITE: &str = "00004";

fn receive(fed: &LocalFederation, kind: &str, name: &str, id_number: &str) -> String {
    let body = json!({
        "kind": kind,
        "citizen": { "name": name, "address": "Số 12 phố Hàng Bạc, Hà Nội", "id_number": id_number, "id_type": "cccd" },
        "summary": format!("{name} trình bày việc thu hồi đất"),
        "people_count": 1,
        "request": "Đề nghị giải quyết dứt điểm",
        "officer": "Trần Thị B"
    });
    let (s, v) = call(fed, SITE, "POST", "receptions", Some(&body), None);
    assert_eq!(s, 201, "{v}");
    v["case_id"].as_str().unwrap().to_owned()
}

fn case_of(fed: &LocalFederation, id: &str) -> Value {
    let (s, v) = call(fed, SITE, "GET", &format!("cases/{id}"), None, None);
    assert_eq!(s, 200, "{v}");
    v
}

/// The case ids the list shows once it has loaded with `expect_query` in its address.
async fn listed(c: &Client, expect_query: &str) -> Vec<String> {
    let v = until(
        c,
        "if (!location.search.includes(arguments[0])) return null;
         if (document.getElementById('case-table').dataset.loaded !== location.search) return null;
         return [...document.querySelectorAll('#cases tr.case')].map(r => r.dataset.caseId)",
        vec![json!(expect_query)],
        &format!("the list never showed the cases for {expect_query}"),
    )
    .await;
    serde_json::from_value(v).unwrap()
}

/// Opens the case page and waits until it shows the case's status as the API has it.
async fn open_case(c: &Client, origin: &str, fed: &LocalFederation, id: &str) {
    c.goto(&format!("{origin}/vu-viec?id={id}")).await.unwrap();
    let status = case_of(fed, id)["status"].clone();
    until(
        c,
        "return document.getElementById('content').dataset.status === arguments[0]",
        vec![status.clone()],
        &format!("the case page of {id} did not show status {status}"),
    )
    .await;
}

/// The steps the page offers (its buttons).
async fn offered(c: &Client) -> Vec<String> {
    let v = js(
        c,
        "return [...document.querySelectorAll('#steps button')].map(b => b.id.replace(/^step-/, ''))",
    )
    .await;
    serde_json::from_value(v).unwrap()
}

/// Takes step `act` through its dialog, filling `fields`, and waits for the page to show the
/// case again; returns the error shown inside the dialog, if any.
async fn step(c: &Client, act: &str, fields: &[(&str, &str)]) -> Option<String> {
    let before = js(
        c,
        "return document.getElementById('content').dataset.events",
    )
    .await;
    click(c, &format!("step-{act}")).await;
    until(
        c,
        "const d = document.getElementById('dialog-' + arguments[0]); return !!d && d.open",
        vec![json!(act)],
        &format!("the dialog of {act} did not open"),
    )
    .await;
    // Every field has its label, and no placeholder leaks into the text.
    let bad = js(
        c,
        &format!(
            "const d = document.getElementById('dialog-{act}');
             const unlabelled = [...d.querySelectorAll('input, select, textarea')]
               .filter(f => !d.querySelector('label[for=\"' + f.id + '\"]')).map(f => f.id);
             const t = d.innerText;
             return unlabelled.concat(/\\b(null|undefined|NaN)\\b/.test(t) ? [t] : [])"
        ),
    )
    .await;
    assert_eq!(bad, json!([]), "the dialog of {act}");
    for (id, v) in fields {
        type_into(c, id, v).await;
    }
    click(c, &format!("d-confirm-{act}")).await;
    let v = until(
        c,
        "const d = document.getElementById('dialog-' + arguments[0]);
         const e = document.getElementById('d-error-' + arguments[0]);
         if (e && !e.hidden) return { error: e.textContent };
         return !d.open && document.getElementById('content').dataset.events !== arguments[1] ? { ok: true } : null",
        vec![json!(act), before],
        &format!("step {act} neither succeeded nor showed an error"),
    )
    .await;
    v["error"].as_str().map(str::to_owned)
}

/// Takes `act` and checks through the API that the case is now `status`.
async fn take(
    c: &Client,
    fed: &LocalFederation,
    id: &str,
    act: &str,
    fields: &[(&str, &str)],
    status: &str,
) {
    let acts = offered(c).await;
    assert!(acts.iter().any(|a| a == act), "no {act} among {acts:?}");
    if let Some(e) = step(c, act, fields).await {
        panic!("{act} on {id} was refused: {e}");
    }
    let v = case_of(fed, id);
    assert_eq!(v["status"], json!(status), "after {act}: {v}");
    let shown = js(
        c,
        "return document.getElementById('content').dataset.status",
    )
    .await;
    assert_eq!(shown, json!(status), "the page after {act}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_case_list_finds_and_the_case_page_walks_every_step_to_closing() {
    let (_dir, mut fed) = federation(&["VN", "01", SITE]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let origin = format!("http://{}", fed.site(SITE).unwrap().http);

    let complaint = receive(&fed, "complaint", "Lê Thị Hoa", "001190000111");
    let other = receive(&fed, "complaint", "Phạm Văn Minh", "001190000222");
    let petition = receive(&fed, "petition", "Đỗ Văn Hùng", "001190000333");
    let denunciation = receive(&fed, "denunciation", "Vũ Thị Lan", "001190000444");

    // The API: a search without diacritics finds the name with them; a sealed identity is
    // never matched; bad filters are refused in Vietnamese; the total is in a header.
    let (s, v) = call(&fed, SITE, "GET", "cases?q=le%20thi%20hoa", None, None);
    assert_eq!(s, 200, "{v}");
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["case_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![complaint.as_str()], "{v}");
    let (_, v) = call(&fed, SITE, "GET", "cases?q=001190000444", None, None);
    assert_eq!(v, json!([]), "a sealed identity was matched");
    for bad in [
        "status=nope",
        "from=2026-13-01",
        "sort=name",
        "limit=0",
        "due=soon",
        "kind=x",
    ] {
        let (s, v) = call(&fed, SITE, "GET", &format!("cases?{bad}"), None, None);
        assert_eq!(s, 400, "{bad}: {v}");
    }
    let (_, v) = call(&fed, SITE, "GET", "cases?limit=2&sort=id", None, None);
    assert_eq!(v.as_array().unwrap().len(), 2, "{v}");
    let (_, due) = call(&fed, SITE, "GET", "cases/due", None, None);
    assert!(due["near"].is_u64() && due["overdue"].is_u64(), "{due}");
    // The province sees the commune's cases, each with its origin named.
    assert!(eventually(DEADLINE, || {
        let (_, v) = call(
            &fed,
            "01",
            "GET",
            &format!("cases?q={complaint}"),
            None,
            None,
        );
        v.as_array()
            .is_some_and(|a| a.len() == 1 && a[0]["origin"] == SITE && a[0]["origin_name"] != "")
    }));
    let (_, own) = call(&fed, "01", "GET", "cases?origin=01", None, None);
    assert_eq!(own, json!([]), "the province's own log book has no line");

    let profile = tempfile::tempdir().unwrap();
    let chair_profile = tempfile::tempdir().unwrap();
    let (_driver, port) = chromedriver();
    let c = browser(port, profile.path()).await;
    let chair = browser(port, chair_profile.path()).await;
    desk_size(&c).await;
    desk_size(&chair).await;
    sign_in(&c, &origin, OFFICER, DEMO_PASSWORD, "/so-tiep-cong-dan").await;
    sign_in(&chair, &origin, CHAIR, DEMO_PASSWORD, "/so-tiep-cong-dan").await;

    // The list: every case of this log book, the header's counts as the API has them.
    let all = listed(&c, "").await;
    for id in [&complaint, &other, &petition, &denunciation] {
        assert!(all.contains(id), "{id} not in {all:?}");
    }
    let counts = until(
        &c,
        "const n = document.getElementById('td-due-near'), o = document.getElementById('td-due-overdue');
         return n && !n.textContent.includes('…') ? [n.textContent, o.textContent] : null",
        vec![],
        "the header never showed the due counts",
    )
    .await;
    assert_eq!(
        counts,
        json!([
            format!("Sắp đến hạn: {}", due["near"]),
            format!("Quá hạn: {}", due["overdue"])
        ])
    );
    // A search by ID number finds that case and only it.
    type_into(&c, "f-q", "001190000222").await;
    c.find(Locator::Id("f-q"))
        .await
        .unwrap()
        .send_keys(&Key::Enter.to_string())
        .await
        .unwrap();
    assert_eq!(listed(&c, "q=001190000222").await, vec![other.clone()]);
    // A filter by kind.
    click(&c, "f-clear").await;
    choose(&c, "f-kind", "petition").await;
    assert_eq!(listed(&c, "kind=petition").await, vec![petition.clone()]);
    click(&c, "f-clear").await;
    listed(&c, "").await;
    screenshot(&c, "case-list").await;
    assert_eq!(
        overflow_at_phone_size(&c).await,
        0,
        "the list scrolls sideways at 390 px"
    );
    screenshot(&c, "case-list-phone").await;
    desk_size(&c).await;

    // A row opens by keyboard: focus it, press Enter.
    let tabindex = js(
        &c,
        &format!("const r = document.querySelector('tr[data-case-id=\"{complaint}\"]'); r.focus(); return [r.tabIndex, document.activeElement === r]"),
    )
    .await;
    assert_eq!(
        tabindex,
        json!([0, true]),
        "the row is not keyboard-focusable"
    );
    c.active_element()
        .await
        .unwrap()
        .send_keys(&Key::Enter.to_string())
        .await
        .unwrap();
    until(
        &c,
        "return location.pathname === '/vu-viec' && document.getElementById('content').dataset.status === 'received'",
        vec![],
        "Enter on the row did not open the case page",
    )
    .await;
    let page = js(&c, "return document.getElementById('content').innerText").await;
    let page = page.as_str().unwrap();
    for want in [
        "Lê Thị Hoa",
        "001190000111",
        "Căn cước công dân",
        "Đề nghị giải quyết dứt điểm",
        "Trần Thị B",
        "Thời hạn",
    ] {
        assert!(page.contains(want), "the case page lacks {want}: {page}");
    }

    // Neither printed form applies to it: no refusal, no documents handed in.
    let forms = js(
        &c,
        "return ['print-01', 'print-02'].map(id => document.getElementById(id).offsetParent !== null)",
    )
    .await;
    assert_eq!(
        forms,
        json!([false, false]),
        "a printed form that does not apply is offered"
    );

    // The complaint, step by step. Officer's and chair's steps each in their own browser.
    let acts = offered(&c).await;
    for not_now in ["decided", "final", "resumed", "extended", "concluded"] {
        assert!(
            !acts.iter().any(|a| a == not_now),
            "{not_now} offered on a new complaint: {acts:?}"
        );
    }
    take(
        &c,
        &fed,
        &complaint,
        "accepted",
        &[("d-decision", "15/QĐ-UBND")],
        "accepted",
    )
    .await;
    screenshot(&c, "case").await;
    open_case(&chair, &origin, &fed, &complaint).await;
    let chair_acts = offered(&chair).await;
    assert!(
        !chair_acts.iter().any(|a| a == "accepted" || a == "note"),
        "an officer's step offered to the chair: {chair_acts:?}"
    );
    assert!(
        !chair_acts.iter().any(|a| a == "extended"),
        "a complaint is never extended: {chair_acts:?}"
    );
    take(
        &chair,
        &fed,
        &complaint,
        "suspended",
        &[("d-susp-reason", "Chờ kết quả giám định")],
        "suspended",
    )
    .await;
    take(&chair, &fed, &complaint, "resumed", &[], "accepted").await;
    open_case(&c, &origin, &fed, &complaint).await;
    let dialogues = case_of(&fed, &complaint)["dialogues"]
        .as_array()
        .unwrap()
        .len();
    take(
        &c,
        &fed,
        &complaint,
        "dialogue",
        &[("d-dia-note", "Công dân giữ nguyên yêu cầu")],
        "accepted",
    )
    .await;
    assert_eq!(
        case_of(&fed, &complaint)["dialogues"]
            .as_array()
            .unwrap()
            .len(),
        dialogues + 1
    );
    open_case(&chair, &origin, &fed, &complaint).await;
    take(
        &chair,
        &fed,
        &complaint,
        "decided",
        &[("d-dec-summary", "Quyết định 20/QĐ-UBND: giữ nguyên")],
        "decided",
    )
    .await;
    open_case(&c, &origin, &fed, &complaint).await;
    take(&c, &fed, &complaint, "final", &[], "final").await;
    take(
        &c,
        &fed,
        &complaint,
        "closed",
        &[("d-close-note", "Lưu hồ sơ")],
        "closed",
    )
    .await;
    let acts = offered(&c).await;
    assert!(
        !acts
            .iter()
            .any(|a| ["accepted", "decided", "final", "closed", "suspended"].contains(&a.as_str())),
        "a closed case still offers {acts:?}"
    );
    // The history names who did what, in Vietnamese.
    let history = js(&c, "return document.getElementById('history').innerText").await;
    let history = history.as_str().unwrap();
    assert!(
        history.contains(CHAIR) && history.contains(OFFICER) && history.contains("Người chủ trì"),
        "{history}"
    );

    // The denunciation: sealed, extended, concluded, closed.
    open_case(&c, &origin, &fed, &denunciation).await;
    let page = js(&c, "return document.getElementById('citizen').innerText").await;
    assert!(
        page.as_str().unwrap().contains("(bảo mật)")
            && !page.as_str().unwrap().contains("Vũ Thị Lan"),
        "{page}"
    );
    take(
        &c,
        &fed,
        &denunciation,
        "accepted",
        &[("d-decision", "3/QĐ-UBND")],
        "accepted",
    )
    .await;
    open_case(&chair, &origin, &fed, &denunciation).await;
    let before = case_of(&fed, &denunciation)["extensions"]
        .as_array()
        .unwrap()
        .len();
    take(
        &chair,
        &fed,
        &denunciation,
        "extended",
        &[
            ("d-ext-days", "30"),
            ("d-ext-reason", "Cần xác minh tại nhiều nơi"),
        ],
        "accepted",
    )
    .await;
    assert_eq!(
        case_of(&fed, &denunciation)["extensions"]
            .as_array()
            .unwrap()
            .len(),
        before + 1
    );
    take(
        &chair,
        &fed,
        &denunciation,
        "concluded",
        &[("d-con-finding", "Kết luận 5/KL-UBND: tố cáo đúng một phần")],
        "concluded",
    )
    .await;
    open_case(&c, &origin, &fed, &denunciation).await;
    take(
        &c,
        &fed,
        &denunciation,
        "closed",
        &[("d-close-note", "Lưu hồ sơ")],
        "closed",
    )
    .await;

    // An error from the API is shown in the dialog, in Vietnamese: a decision number left
    // blank is refused (or the browser's own required check keeps the dialog open).
    open_case(&c, &origin, &fed, &other).await;
    click(&c, "step-accepted").await;
    click(&c, "d-confirm-accepted").await;
    let still = js(&c, "return document.getElementById('dialog-accepted').open").await;
    assert_eq!(
        still,
        json!(true),
        "an empty decision number closed the dialog"
    );
    click(&c, "d-cancel-accepted").await;
    assert_eq!(case_of(&fed, &other)["status"], "received");
    // Accepted elsewhere while the dialog is open: the API's refusal is shown in the dialog,
    // in Vietnamese, and the dialog stays open.
    click(&c, "step-accepted").await;
    type_into(&c, "d-decision", "21/QĐ-UBND").await;
    let (s, v) = call(
        &fed,
        SITE,
        "POST",
        &format!("cases/{other}/events"),
        Some(&json!({"accepted": {"decision_no": "20/QĐ-UBND"}})),
        None,
    );
    assert_eq!(s, 201, "{v}");
    click(&c, "d-confirm-accepted").await;
    let err = until(
        &c,
        "const e = document.getElementById('d-error-accepted'); return e.hidden ? null : [e.textContent, document.getElementById('dialog-accepted').open]",
        vec![],
        "the API's refusal was not shown in the dialog",
    )
    .await;
    let text = err[0].as_str().unwrap();
    assert!(
        text.contains("Không thể") && text.contains("thụ lý"),
        "{err}"
    );
    assert_eq!(err[1], json!(true), "{err}");
    click(&c, "d-cancel-accepted").await;

    // A transfer to the province: the site is picked from the sites around this one.
    open_case(&c, &origin, &fed, &petition).await;
    click(&c, "step-transferred").await;
    choose(&c, "d-tr-site", "01").await;
    if std::env::var_os("CASE_DIALOG_SHOT").is_some() {
        screenshot(&c, "tmp-case-dialog").await;
    }
    type_into(&c, "d-tr-letter", "12/CV-UBND").await;
    click(&c, "d-confirm-transferred").await;
    until(
        &c,
        "return document.getElementById('content').dataset.status === 'transferred'",
        vec![],
        "the transfer did not show on the page",
    )
    .await;
    let v = case_of(&fed, &petition);
    assert_eq!(
        (v["status"].clone(), v["current_site"].clone()),
        (json!("transferred"), json!("01")),
        "{v}"
    );

    open_case(&c, &origin, &fed, &complaint).await;
    assert_eq!(
        overflow_at_phone_size(&c).await,
        0,
        "the case page scrolls sideways at 390 px"
    );
    screenshot(&c, "case-phone").await;
    c.close().await.unwrap();
    chair.close().await.unwrap();
}
