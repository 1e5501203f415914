//! The reception page `/tiep-nhan` (issue 12, "Reception (Mẫu 03/TCD)") in headless Chromium, at
//! commune 00004 of a small federation (central, province 01, the commune), signed in as the
//! demo officer: the officer field comes from the signed-in person; a crowd of 6 is first
//! refused with the Vietnamese crowd-rule explanation, then recorded with two representatives;
//! a passport holder; a refusal whose Form 01/TCD prints the reason and its legal basis; a
//! reception with two documents whose Form 02/TCD lists them; a denunciation that asks for
//! identity protection and an anonymous denunciation by post (not processed as one, never
//! "thụ lý"). Every record is read back through the API. The page must not scroll sideways at
//! 390 px, and the chair is kept out of it. Screenshots: `reception`, `reception-phone`.

use fantoccini::Client;
use serde_json::{json, Value};
use tiepdan_node::lab::processes::{CHAIR, DEMO_PASSWORD, OFFICER};
use tiepdan_tests::browser::{
    browser, choose, chromedriver, click, desk_size, js, overflow_at_phone_size, screenshot,
    sign_in, type_into, until,
};
use tiepdan_tests::{call, eventually, federation, LocalFederation, DEADLINE};

const SITE: &str = "00004";

/// The ids (row numbers) of the rows in `#box`.
async fn rows(c: &Client, box_id: &str, attr: &str) -> Vec<String> {
    let v = c
        .execute(
            "return [...document.getElementById(arguments[0]).children].map(r => r.dataset[arguments[1]])",
            vec![json!(box_id), json!(attr)],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

async fn citizen(c: &Client, name: &str, id_number: &str) {
    type_into(c, "name", name).await;
    type_into(c, "address", "Số 5 phố Đội Cấn, phường Ba Đình, Hà Nội").await;
    type_into(c, "id_number", id_number).await;
}

async fn content(c: &Client, summary: &str, request: &str) {
    type_into(c, "summary", summary).await;
    if !request.is_empty() {
        type_into(c, "request", request).await;
    }
}

/// Submits the form and waits for the case id it was recorded under.
async fn record(c: &Client, what: &str) -> String {
    let before = js(c, "return document.getElementById('result-id').textContent").await;
    click(c, "submit").await;
    let v = until(
        c,
        "const r = document.getElementById('result'), e = document.getElementById('form-error');
         if (!e.hidden) return 'ERROR: ' + e.textContent;
         const id = document.getElementById('result-id').textContent;
         return !r.hidden && id !== arguments[0] ? id : null",
        vec![before],
        &format!("{what} was never recorded"),
    )
    .await;
    let id = v.as_str().unwrap().to_owned();
    assert!(!id.starts_with("ERROR"), "{what}: {id}");
    id
}

/// Submits the form and waits for the error shown next to it.
async fn refused(c: &Client, what: &str) -> String {
    click(c, "submit").await;
    let v = until(
        c,
        "const e = document.getElementById('form-error'); return e.hidden ? null : e.textContent",
        vec![],
        &format!("{what}: no error was shown"),
    )
    .await;
    v.as_str().unwrap().to_owned()
}

fn reception_of(fed: &LocalFederation, id: &str) -> Value {
    let (s, v) = call(fed, SITE, "GET", &format!("cases/{id}"), None, None);
    assert_eq!(s, 200, "{v}");
    v["reception"].clone()
}

/// The text of a page the browser opens at `href` (a printed form).
async fn page_text(c: &Client, origin: &str, href: &str) -> String {
    c.goto(&format!("{origin}{href}")).await.unwrap();
    until(
        c,
        "return document.readyState === 'complete' ? document.body.innerText : null",
        vec![],
        "the printed form did not load",
    )
    .await
    .as_str()
    .unwrap()
    .to_owned()
}

async fn open_page(c: &Client, origin: &str) {
    c.goto(&format!("{origin}/tiep-nhan")).await.unwrap();
    ready(c).await;
}

async fn ready(c: &Client) {
    until(
        c,
        "return !document.getElementById('content').hidden && document.getElementById('officer').value !== ''",
        vec![],
        "the reception page did not open for the officer",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reception_page_records_every_field_of_a_log_book_line() {
    let (_dir, mut fed) = federation(&["VN", "01", SITE]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let origin = format!("http://{}", fed.site(SITE).unwrap().http);
    let profile = tempfile::tempdir().unwrap();
    let (_driver, port) = chromedriver();
    let c = browser(port, profile.path()).await;
    desk_size(&c).await;
    sign_in(&c, &origin, OFFICER, DEMO_PASSWORD, "/tiep-nhan").await;
    ready(&c).await;

    // The receiving officer is the signed-in person, marked required; the date is today's.
    let (officer, full_name, date, required) = {
        let v = js(
            &c,
            "return [document.getElementById('officer').value, ME.full_name, document.getElementById('date').value,
                     document.querySelector('label[for=officer]').classList.contains('req') && document.getElementById('officer').required]",
        )
        .await;
        (
            v[0].as_str().unwrap().to_owned(),
            v[1].as_str().unwrap().to_owned(),
            v[2].as_str().unwrap().to_owned(),
            v[3].as_bool().unwrap(),
        )
    };
    assert_eq!(officer, full_name);
    assert!(required, "the officer field is not marked required");
    assert_eq!(date.len(), 10, "{date}");
    // Every identity paper the protocol knows is offered.
    let id_types = js(
        &c,
        "return [...document.getElementById('id_type').options].map(o => o.value)",
    )
    .await;
    assert_eq!(
        id_types,
        json!([
            "cccd",
            "identity_certificate",
            "personal_id",
            "passport",
            "other"
        ])
    );

    // (a) A crowd of 6: the rule is explained as the number is typed, a representative row is
    // offered, and recording with none is refused with the law's explanation in Vietnamese.
    citizen(&c, "Nguyễn Văn Đông", "001085012345").await;
    type_into(&c, "people_count", "6").await;
    let rule = until(
        &c,
        "const t = document.getElementById('crowd-rule').textContent; return t.includes('6 người') ? t : null",
        vec![],
        "the crowd rule was not explained for 6 people",
    )
    .await;
    let rule = rule.as_str().unwrap();
    assert!(
        rule.contains("1 hoặc 2 người đại diện") && rule.contains("Điều 29"),
        "{rule}"
    );
    assert_eq!(rows(&c, "reps", "rep").await.len(), 1, "a row to fill in");
    content(
        &c,
        "Sáu hộ dân phản ánh việc bồi thường khi thu hồi đất làm đường",
        "Đề nghị xem xét lại mức bồi thường",
    )
    .await;
    choose(&c, "kind", "complaint").await;
    let err = refused(&c, "a crowd without representatives").await;
    assert!(
        err.contains("Nhóm 6 người phải cử từ 1 đến 2 người đại diện") && err.contains("Điều 29"),
        "{err}"
    );
    let first = rows(&c, "reps", "rep").await[0].clone();
    type_into(&c, &format!("rep-name-{first}"), "Nguyễn Văn Đông").await;
    type_into(
        &c,
        &format!("rep-doc-{first}"),
        "Văn bản cử người đại diện ngày 02/12/2026, có chữ ký của 6 người",
    )
    .await;
    click(&c, "add-rep").await;
    let second = rows(&c, "reps", "rep").await[1].clone();
    type_into(&c, &format!("rep-name-{second}"), "Trần Thị Hạnh").await;
    type_into(
        &c,
        &format!("rep-doc-{second}"),
        "Văn bản cử người đại diện ngày 02/12/2026, có chữ ký của 6 người",
    )
    .await;
    let rule = js(
        &c,
        "return document.getElementById('crowd-rule').textContent",
    )
    .await;
    assert!(
        rule.as_str().unwrap().contains("Đã ghi 2 người đại diện"),
        "{rule}"
    );
    // The desk screenshot: the crowd rule satisfied, two representatives.
    screenshot(&c, "reception").await;
    let crowd = record(&c, "the crowd of 6").await;
    let r = reception_of(&fed, &crowd);
    assert_eq!(r["people_count"], 6, "{r}");
    assert_eq!(r["officer"], json!(full_name), "{r}");
    assert_eq!(r["date"], json!(date), "{r}");
    let reps = r["representatives"].as_array().unwrap();
    assert_eq!(reps.len(), 2, "{r}");
    assert!(
        reps.iter().all(|p| p["role"] == "crowd_representative"),
        "{r}"
    );
    assert_eq!(reps[1]["name"], "Trần Thị Hạnh");

    // (b) A passport holder, at the head's periodic session.
    citizen(&c, "John Nguyen", "C1234567").await;
    choose(&c, "id_type", "passport").await;
    choose(&c, "session_type", "periodic").await;
    content(
        &c,
        "Khiếu nại quyết định xử phạt vi phạm hành chính",
        "Đề nghị hủy quyết định xử phạt",
    )
    .await;
    let passport = record(&c, "the passport holder").await;
    let r = reception_of(&fed, &passport);
    let citizen_v = &r["identity"]["plain"];
    assert_eq!(citizen_v["id_type"], "passport", "{r}");
    assert_eq!(citizen_v["id_number"], "C1234567", "{r}");
    assert_eq!(r["session_type"], "periodic", "{r}");

    // (c) A refusal: the reason with its legal basis; no request needed; Form 01 prints it.
    choose(&c, "session_type", "regular").await;
    citizen(&c, "Lê Văn Tâm", "001090054321").await;
    click(&c, "refused").await;
    choose(&c, "refusal", "disorderly").await;
    let basis = js(
        &c,
        "return [document.getElementById('refusal-basis').textContent, document.getElementById('direction-accept').disabled, document.getElementById('request').required]",
    )
    .await;
    assert!(
        basis[0]
            .as_str()
            .unwrap()
            .contains("khoản 2 Điều 9 Luật Tiếp công dân năm 2013"),
        "{basis}"
    );
    assert_eq!(
        (&basis[1], &basis[2]),
        (&json!(true), &json!(false)),
        "{basis}"
    );
    content(&c, "Công dân đe dọa cán bộ tiếp, vi phạm nội quy", "").await;
    let refusal = record(&c, "the refusal").await;
    let r = reception_of(&fed, &refusal);
    assert_eq!(r["refusal"], "disorderly", "{r}");
    let form01 = js(
        &c,
        "const a = document.getElementById('result-01'); return a.hidden ? null : a.getAttribute('href')",
    )
    .await;
    let form01 = form01.as_str().expect("a link to Form 01").to_owned();
    assert!(
        js(&c, "return document.getElementById('result-02').hidden").await == json!(true),
        "no receipt without documents"
    );
    let text = page_text(&c, &origin, &form01).await;
    assert!(
        text.contains("Đe dọa, xúc phạm hoặc vi phạm nội quy")
            && text.contains("khoản 2 Điều 9 Luật Tiếp công dân năm 2013")
            && text.contains("Lê Văn Tâm"),
        "Form 01: {text}"
    );
    open_page(&c, &origin).await;

    // (d) Two documents handed in: Form 02 lists them.
    citizen(&c, "Phạm Thị Lan", "001175000111").await;
    choose(&c, "kind", "petition").await;
    content(
        &c,
        "Kiến nghị sửa chữa tuyến đường liên thôn",
        "Đề nghị UBND phường bố trí kinh phí",
    )
    .await;
    click(&c, "add-evidence").await;
    click(&c, "add-evidence").await;
    let ev = rows(&c, "evidence", "ev").await;
    assert_eq!(ev.len(), 2);
    type_into(
        &c,
        &format!("ev-name-{}", ev[0]),
        "Quyết định số 15/QĐ-UBND",
    )
    .await;
    type_into(&c, &format!("ev-pages-{}", ev[0]), "2").await;
    type_into(
        &c,
        &format!("ev-name-{}", ev[1]),
        "Biên bản họp thôn ngày 20/11/2026",
    )
    .await;
    type_into(&c, &format!("ev-pages-{}", ev[1]), "3").await;
    choose(&c, &format!("ev-condition-{}", ev[1]), "original").await;
    click(&c, "direction-guide").await;
    type_into(&c, "to_body", "UBND thành phố Hà Nội").await;
    let with_evidence = record(&c, "the reception with documents").await;
    let r = reception_of(&fed, &with_evidence);
    let items = r["evidence"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{r}");
    assert_eq!(
        (&items[1]["pages"], &items[1]["condition"]),
        (&json!(3), &json!("original")),
        "{r}"
    );
    assert_eq!(
        r["direction"],
        json!({"guide": {"to_body": "UBND thành phố Hà Nội", "letter_no": ""}}),
        "{r}"
    );
    let form02 = js(
        &c,
        "const a = document.getElementById('result-02'); return a.hidden ? null : a.getAttribute('href')",
    )
    .await;
    let form02 = form02.as_str().expect("a link to Form 02").to_owned();
    let text = page_text(&c, &origin, &form02).await;
    assert!(
        text.contains("Quyết định số 15/QĐ-UBND")
            && text.contains("Biên bản họp thôn ngày 20/11/2026"),
        "Form 02: {text}"
    );
    open_page(&c, &origin).await;

    // (e) A denunciation: the identity-protection question must be answered.
    citizen(&c, "Hoàng Văn Minh", "001080099999").await;
    choose(&c, "kind", "denunciation").await;
    content(
        &c,
        "Tố cáo cán bộ địa chính nhận tiền của người dân",
        "Đề nghị xác minh, xử lý",
    )
    .await;
    let err = refused(&c, "a denunciation without the protection answer").await;
    assert!(err.contains("bảo vệ danh tính"), "{err}");
    click(&c, "protection-yes").await;
    let protected = record(&c, "the denunciation").await;
    let r = reception_of(&fed, &protected);
    assert_eq!(
        (&r["kind"], &r["identity_protection"], &r["identity"]),
        (
            &json!("denunciation"),
            &json!(true),
            &json!({"sealed": true})
        ),
        "{r}"
    );

    // (f) An anonymous denunciation by post: sender unknown, not processed as a denunciation.
    assert_eq!(
        js(&c, "return document.getElementById('anonymous').disabled").await,
        json!(true),
        "a person at the desk is not anonymous"
    );
    click(&c, "source-post").await;
    click(&c, "anonymous").await;
    choose(&c, "kind", "denunciation").await;
    let shown = js(
        &c,
        "return [document.getElementById('anonymous-denunciation').hidden, document.getElementById('protection-box').hidden, document.getElementById('direction-accept').disabled, document.getElementById('anonymous-denunciation').textContent]",
    )
    .await;
    assert_eq!(
        (&shown[0], &shown[1], &shown[2]),
        (&json!(false), &json!(true), &json!(true)),
        "{shown}"
    );
    assert!(
        shown[3]
            .as_str()
            .unwrap()
            .contains("Điều 25 Luật Tố cáo 2018"),
        "{shown}"
    );
    type_into(
        &c,
        "summary",
        "Thư không ký tên phản ánh sai phạm trong cấp phép xây dựng",
    )
    .await;
    type_into(&c, "request", "Đề nghị kiểm tra").await;
    click(&c, "direction-transfer").await;
    type_into(&c, "to_body", "Thanh tra thành phố Hà Nội").await;
    type_into(&c, "letter_no", "15/CV-UBND").await;
    // The phone screenshot: the anonymous đơn and its explanation.
    assert_eq!(
        overflow_at_phone_size(&c).await,
        0,
        "the reception page scrolls sideways at 390 px"
    );
    screenshot(&c, "reception-phone").await;
    desk_size(&c).await;
    let anonymous = record(&c, "the anonymous denunciation").await;
    let r = reception_of(&fed, &anonymous);
    assert_eq!(
        (&r["source"], &r["anonymous"], &r["identity_protection"]),
        (&json!("post"), &json!(true), &Value::Null),
        "{r}"
    );

    // With representative and evidence rows open the phone layout still fits.
    type_into(&c, "people_count", "12").await;
    click(&c, "add-rep").await;
    click(&c, "add-evidence").await;
    assert_eq!(overflow_at_phone_size(&c).await, 0, "rows at 390 px");
    desk_size(&c).await;

    // The API keeps its rules for what the page cannot send: identity protection is a
    // denouncer's, a person at the desk is not anonymous.
    let base = json!({
        "kind": "petition", "summary": "Kiến nghị", "request": "Đề nghị", "people_count": 1,
        "citizen": {"name": "Vũ Văn Nam", "address": "Hà Nội", "id_number": "001085077777"},
        "identity_protection": true
    });
    let (s, v) = call(&fed, SITE, "POST", "receptions", Some(&base), None);
    assert_eq!(s, 422, "{v}");
    assert!(
        v["error"].as_str().unwrap().contains("Chỉ đơn tố cáo"),
        "{v}"
    );
    let mut at_desk = base.clone();
    at_desk["identity_protection"] = json!(false);
    at_desk["anonymous"] = json!(true);
    let (s, v) = call(&fed, SITE, "POST", "receptions", Some(&at_desk), None);
    assert_eq!(s, 422, "{v}");
    assert!(
        v["error"].as_str().unwrap().contains("xuất trình giấy tờ"),
        "{v}"
    );

    // The chair reads the book and decides; recording is the officer's.
    sign_in(&c, &origin, CHAIR, DEMO_PASSWORD, "/tiep-nhan").await;
    let msg = until(
        &c,
        "const n = document.getElementById('td-notice'); return n && !n.hidden && document.getElementById('content').hidden ? n.textContent : null",
        vec![],
        "the chair was not kept out of the reception page",
    )
    .await;
    assert!(
        msg.as_str().unwrap().contains("cán bộ tiếp công dân"),
        "{msg}"
    );
    c.close().await.unwrap();
}
