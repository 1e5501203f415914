//! The written record of a session between real nodes: the chair at central issues the minutes
//! (biên bản) of an ended session with a commune's case linked, drafted from the session's
//! signed events; the case then carries its online hearing (its log-book line at central) and
//! the recordings; the Thông báo kết luận assigns the commune a task on the case, which becomes
//! a deadline there until the commune reports on it. Refused before anything is signed: the
//! raw event route, an officer issuing, a task for a site that cannot see the case.

use serde_json::{json, Value};
use tiepdan_tests::{
    act, call, eventually, federation, receive, schedule, wait_held, Staff, DEADLINE,
};

/// A page's status and text, as a browser gets it.
fn page(fed: &tiepdan_tests::LocalFederation, at: &str, path: &str) -> (u16, String) {
    let s = fed.site(at).expect("site");
    let mut r = tiepdan_node::cli::client::agent()
        .get(&format!("http://{}/api/v1/{path}", s.http))
        .header("Authorization", &format!("Bearer {}", s.officer))
        .call()
        .expect("the node answers");
    (
        r.status().as_u16(),
        r.body_mut().read_to_string().unwrap_or_default(),
    )
}

fn case_at(fed: &tiepdan_tests::LocalFederation, at: &str, id: &str) -> Value {
    call(fed, at, "GET", &format!("cases/{id}"), None, None).1
}

#[test]
fn minutes_and_the_conclusion_notice_leave_their_record_on_the_case() {
    let (_dir, mut fed) = federation(&["VN", "01", "00004"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let case_id = receive(&fed, "00004", "complaint", "Đỗ Thị Lan");
    wait_held(&fed, "VN", &format!("cases/{case_id}"));
    let chair = fed.site("VN").unwrap().token_of(Staff::Chair).to_owned();
    let officer = fed.site("VN").unwrap().token_of(Staff::Officer).to_owned();
    let id = schedule(
        &fed,
        "VN",
        &json!({
            "title": "Tiếp công dân định kỳ tháng 12",
            "points": ["00004"],
            "starts_at": "2026-12-28 08:00",
            "cases": [{"case_id": case_id, "category": "complex_multi_agency"}],
        }),
    );
    wait_held(&fed, "00004", &format!("sessions/{id}"));
    let (s, v) = act(
        &fed,
        "VN",
        &id,
        json!({"started": {"at_ms": 1_798_419_600_000u64}}),
    );
    assert_eq!(s, 201, "{v}");
    let (s, v) = act(
        &fed,
        "00004",
        &id,
        json!({"participant_joined": {
            "point": "00004", "participant_id": "cd-1", "display_name": "Đỗ Thị Lan",
            "role": "citizen",
            "identity_check": {"checked_by": "Trần Văn Hùng", "document": "cccd", "result": "verified"}
        }}),
    );
    assert_eq!(s, 201, "{v}");
    assert!(
        eventually(DEADLINE, || {
            let v = call(
                &fed,
                "VN",
                "GET",
                &format!("sessions/{id}/minutes/draft"),
                None,
                None,
            )
            .1;
            v["participants"].as_array().is_some_and(|p| !p.is_empty())
        }),
        "the draft never listed the citizen who joined at the commune"
    );

    let minutes = json!({"number": "05/BB-TCD", "content": "Công dân trình bày; Chủ trì giao UBND xã kiểm tra."});
    // Not before the session has ended.
    let path = format!("sessions/{id}/minutes");
    let (s, v) = call(&fed, "VN", "POST", &path, Some(&minutes), Some(&chair));
    assert_eq!(s, 409, "{v}");
    let (s, v) = act(
        &fed,
        "VN",
        &id,
        json!({"ended": {"at_ms": 1_798_423_200_000u64}}),
    );
    assert_eq!(s, 201, "{v}");
    // Not by an officer; not as a raw event with facts of the caller's choosing.
    let (s, v) = call(&fed, "VN", "POST", &path, Some(&minutes), Some(&officer));
    assert_eq!(s, 403, "{v}");
    let draft = call(
        &fed,
        "VN",
        "GET",
        &format!("sessions/{id}/minutes/draft"),
        None,
        None,
    )
    .1;
    let mut forged = draft.clone();
    forged["number"] = json!("05/BB-TCD");
    forged["content"] = json!("Không ai tham dự.");
    forged["participants"] = json!([]);
    let (s, v) = act(
        &fed,
        "VN",
        &id,
        json!({"minutes_issued": {"minutes": forged}}),
    );
    assert_eq!(
        (s, v["code"].as_str()),
        (400, Some("use_record_route")),
        "{v}"
    );

    let (s, _) = page(&fed, "VN", &path);
    assert_eq!(s, 409, "no minutes to print before they are issued");
    let (s, v) = call(&fed, "VN", "POST", &path, Some(&minutes), Some(&chair));
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["minutes"]["number"], "05/BB-TCD");
    assert_eq!(
        v["minutes"]["participants"][0]["display_name"],
        "Đỗ Thị Lan"
    );
    assert_eq!(
        v["minutes"]["participants"][0]["identity_check"]["result"],
        "verified"
    );
    assert_eq!(
        v["case_events"], 1,
        "the hearing (no recording was sealed): {v}"
    );
    // Issued again (a correction): nothing more on the case.
    let (s, v) = call(&fed, "VN", "POST", &path, Some(&minutes), Some(&chair));
    assert_eq!((s, v["case_events"].as_u64()), (201, Some(0)), "{v}");

    let c = case_at(&fed, "VN", &case_id);
    let hearings = c["online_hearings"].as_array().unwrap();
    assert_eq!(hearings.len(), 1, "{c}");
    assert_eq!(hearings[0]["site"], "VN");
    assert_eq!(hearings[0]["session_id"], id.as_str());
    // Central's log book has the hearing as a line of its own, though the commune received it.
    let (s, csv) = page(&fed, "VN", "logbook?format=csv");
    assert_eq!(s, 200, "{csv}");
    let line = csv
        .lines()
        .find(|l| {
            l.contains(&format!(
                "Tiếp trực tuyến tại phiên {id} về vụ việc {case_id}"
            ))
        })
        .unwrap_or_else(|| panic!("central's log book lacks the hearing of {case_id}:\n{csv}"));
    assert!(line.contains("Trực tuyến"), "{line}");
    assert!(line.contains("Đỗ Thị Lan"), "{line}");
    let (_, commune_csv) = page(&fed, "00004", "logbook?format=csv");
    assert!(
        !commune_csv.contains("Tiếp trực tuyến tại phiên"),
        "the commune did not hear it online: {commune_csv}"
    );
    assert!(
        eventually(DEADLINE, || case_at(&fed, "00004", &case_id)
            ["online_hearings"]
            .as_array()
            .is_some_and(|h| h.len() == 1)),
        "the commune never learned of the hearing"
    );

    // The notice: a task for a site that cannot see the case is refused, and nothing signed.
    let conclusion = format!("sessions/{id}/conclusion");
    let task = |site: &str| {
        json!({"number": "12/TB-TCD", "content": "Giao UBND xã kiểm tra, trả lời công dân.",
               "tasks": [{"case_id": case_id, "to_site": site, "task": "Kiểm tra, trả lời công dân", "due": "2027-01-15"}]})
    };
    let (s, v) = call(
        &fed,
        "VN",
        "POST",
        &conclusion,
        Some(&task("79")),
        Some(&chair),
    );
    assert_eq!(
        (s, v["code"].as_str()),
        (409, Some("task_outside_audience")),
        "{v}"
    );
    let session = call(&fed, "VN", "GET", &format!("sessions/{id}"), None, None).1;
    assert!(session["conclusion"].is_null(), "{session}");
    let (s, v) = call(
        &fed,
        "VN",
        "POST",
        &conclusion,
        Some(&task("00004")),
        Some(&chair),
    );
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["tasks_assigned"], 1);

    // At the commune: a deadline until it reports, and the report is a step it is offered.
    let due = |c: &Value| {
        c["deadlines"]
            .as_array()
            .and_then(|d| d.iter().find(|d| d["name"] == "assignment").cloned())
    };
    assert!(
        eventually(DEADLINE, || due(&case_at(&fed, "00004", &case_id))
            .is_some()),
        "the task never reached the commune"
    );
    let c = case_at(&fed, "00004", &case_id);
    let d = due(&c).unwrap();
    assert_eq!(d["due"], "2027-01-15");
    assert_ne!(d["status"], "met");
    assert!(
        c["allowed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["act"] == "assignment_reported"),
        "{}",
        c["allowed"]
    );
    let (s, v) = call(
        &fed,
        "00004",
        "POST",
        &format!("cases/{case_id}/events"),
        Some(
            &json!({"assignment_reported": {"notice_no": "12/TB-TCD", "note": "Đã kiểm tra, trả lời công dân"}}),
        ),
        None,
    );
    assert_eq!(s, 201, "{v}");
    let c = case_at(&fed, "00004", &case_id);
    assert_eq!(due(&c).unwrap()["status"], "met", "{c}");
    // The printed minutes and notice.
    let (s, html) = page(&fed, "VN", &path);
    assert_eq!(s, 200, "{html}");
    for want in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "BIÊN BẢN",
        "Số: 05/BB-TCD",
        "Đỗ Thị Lan",
        "Căn cước / CCCD: Đã xác minh (người kiểm tra: Cán bộ tiếp công dân (Phường Ba Đình))",
        "Bắt đầu phiên tiếp",
        "Kết thúc phiên tiếp",
        "Chủ trì giao UBND xã kiểm tra.",
        "THÔNG BÁO KẾT LUẬN",
        "Số: 12/TB-TCD",
        "Kiểm tra, trả lời công dân",
        "15/01/2027",
    ] {
        assert!(html.contains(want), "the printed minutes lack {want:?}");
    }
    let history: Vec<&str> = c["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["summary"].as_str())
        .collect();
    assert!(
        history
            .iter()
            .any(|h| h.starts_with("Tiếp công dân trực tuyến tại phiên")),
        "{history:?}"
    );
    assert!(
        history
            .iter()
            .any(|h| h.contains("được giao nhiệm vụ theo Thông báo kết luận số 12/TB-TCD")),
        "{history:?}"
    );
}

/// The chair does it on the page: reads the facts drafted from the session, writes and issues
/// the minutes (after a confirmation), then the notice with a task for the commune, and prints
/// them. On a phone the page does not scroll sideways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chair_issues_and_prints_the_minutes_on_the_page() {
    use fantoccini::Locator;
    use tiepdan_node::lab::processes::{CHAIR, DEMO_PASSWORD};
    use tiepdan_tests::browser::{
        browser, chromedriver, desk_size, js, overflow_at_phone_size, screenshot, sign_in, until,
    };

    let (_dir, mut fed) = federation(&["VN", "01", "00004"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let case_id = receive(&fed, "00004", "complaint", "Vũ Văn Hải");
    wait_held(&fed, "VN", &format!("cases/{case_id}"));
    let id = schedule(
        &fed,
        "VN",
        &json!({
            "title": "Tiếp công dân đột xuất",
            "session_type": "ad_hoc",
            "points": ["00004"],
            "starts_at": "2026-12-29 14:00",
            "cases": [{"case_id": case_id, "category": "remote_or_vulnerable"}],
        }),
    );
    for ev in [
        json!({"started": {"at_ms": 1_798_527_600_000u64}}),
        json!({"ended": {"at_ms": 1_798_531_200_000u64}}),
    ] {
        let (s, v) = act(&fed, "VN", &id, ev);
        assert_eq!(s, 201, "{v}");
    }

    let origin = format!("http://{}", fed.site("VN").unwrap().http);
    let (_driver, port) = chromedriver();
    let profile = tempfile::tempdir().unwrap();
    let c = browser(port, profile.path()).await;
    let page = format!("/bien-ban?session={id}");
    sign_in(&c, &origin, CHAIR, DEMO_PASSWORD, &page).await;
    until(
        &c,
        "return !document.getElementById('minutes-box').hidden",
        vec![],
        "the chair is not offered the minutes form",
    )
    .await;
    let timeline = js(&c, "return document.getElementById('timeline').innerText").await;
    assert!(
        timeline
            .as_str()
            .unwrap_or_default()
            .contains("Bắt đầu phiên tiếp"),
        "{timeline}"
    );
    let type_in = |id: &'static str, text: &'static str| {
        let c = c.clone();
        async move {
            c.find(Locator::Id(id))
                .await
                .unwrap()
                .send_keys(text)
                .await
                .unwrap();
        }
    };
    type_in("minutes-number", "07/BB-TCD").await;
    type_in(
        "minutes-content",
        "Công dân trình bày việc cấp giấy chứng nhận.\nChủ trì giao UBND xã trả lời.",
    )
    .await;
    issue_after_confirming(&c, "issue-minutes").await;
    until(
        &c,
        "return !document.getElementById('notice-box').hidden && !document.getElementById('print').hidden",
        vec![],
        "the minutes were not issued from the page",
    )
    .await;
    let session = call(&fed, "VN", "GET", &format!("sessions/{id}"), None, None).1;
    assert_eq!(session["state"]["minutes"]["number"], "07/BB-TCD");

    type_in("notice-number", "15/TB-TCD").await;
    type_in(
        "notice-content",
        "Giao UBND xã trả lời công dân trong tháng 01/2027.",
    )
    .await;
    c.find(Locator::Id("add-task"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    js(
        &c,
        "document.getElementById('task-site-1').value = '00004'; document.getElementById('task-due-1').value = '2027-01-20'; return true",
    )
    .await;
    type_in("task-text-1", "Trả lời công dân bằng văn bản").await;
    issue_after_confirming(&c, "issue-notice").await;
    until(
        &c,
        "return document.getElementById('notice-msg').textContent === 'Đã ban hành.'",
        vec![],
        "the notice was not issued from the page",
    )
    .await;
    assert!(
        eventually(DEADLINE, || {
            let c = case_at(&fed, "00004", &case_id);
            c["deadlines"].as_array().is_some_and(|d| {
                d.iter()
                    .any(|d| d["name"] == "assignment" && d["due"] == "2027-01-20")
            })
        }),
        "the task never became the commune's deadline"
    );
    desk_size(&c).await;
    js(&c, "window.scrollTo(0, 0); return true").await;
    screenshot(&c, "minutes").await;
    assert_eq!(
        overflow_at_phone_size(&c).await,
        0,
        "the minutes page scrolls sideways on a phone"
    );
    screenshot(&c, "minutes-phone").await;
    desk_size(&c).await;

    // The print link opens the document with the signed-in session.
    let href = js(&c, "return document.getElementById('print').href").await;
    c.goto(href.as_str().unwrap()).await.unwrap();
    let printed = js(&c, "return document.body.innerText").await;
    let printed = printed.as_str().unwrap_or_default();
    for want in [
        "BIÊN BẢN",
        "07/BB-TCD",
        "THÔNG BÁO KẾT LUẬN",
        "Trả lời công dân bằng văn bản",
        "20/01/2027",
    ] {
        assert!(printed.contains(want), "the printed minutes lack {want:?}");
    }
    screenshot(&c, "minutes-print").await;
    c.close().await.ok();
}

/// Presses the page's `button`, which must ask for a confirmation first, and confirms.
async fn issue_after_confirming(c: &fantoccini::Client, button: &str) {
    use fantoccini::Locator;
    c.find(Locator::Id(button))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tiepdan_tests::browser::confirm_dialog(c, button).await;
}
