//! Tier 3: case records across the hierarchy, with real processes.
//! Sites: central, provinces 01 and 79; communes 00004 and 00008 (of 01), 25747 (of 79).

use serde_json::json;
use tiepdan_tests::{
    call, eventually, federation, files_under, metric_value, metrics, receive, reception, DEADLINE,
};

const SITES: [&str; 6] = ["VN", "01", "79", "00004", "00008", "25747"];

/// A case received long ago (5/1/2026), whose holder's time to accept it has lapsed, so it may
/// go up as overdue.
fn old_case(fed: &tiepdan_tests::LocalFederation, at: &str, kind: &str, name: &str) -> String {
    let mut body = reception(kind, name);
    body["date"] = json!("2026-01-05");
    let (status, v) = call(fed, at, "POST", "receptions", Some(&body), None);
    assert_eq!(status, 201, "{v}");
    v["case_id"].as_str().unwrap().to_owned()
}

fn has_case(fed: &tiepdan_tests::LocalFederation, at: &str, id: &str) -> bool {
    call(fed, at, "GET", &format!("cases/{id}"), None, None).0 == 200
}

fn history_len(fed: &tiepdan_tests::LocalFederation, at: &str, id: &str) -> usize {
    let (_, v) = call(fed, at, "GET", &format!("cases/{id}"), None, None);
    v["history"].as_array().map(Vec::len).unwrap_or(0)
}

#[test]
fn a_case_reaches_exactly_its_audience_and_follows_escalation_and_transfer() {
    let (_dir, mut fed) = federation(&SITES);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));

    let id = old_case(&fed, "00004", "complaint", "Nguyễn Văn An");
    assert!(id.starts_with("00004-"), "{id}");
    // Readable at its province and at central…
    assert!(
        eventually(DEADLINE, || has_case(&fed, "01", &id)
            && has_case(&fed, "VN", &id)),
        "the case did not reach 01 and VN"
    );
    // …and nowhere else: not a sibling commune, not another province or its commune.
    for other in ["00008", "79", "25747"] {
        let (status, v) = call(&fed, other, "GET", &format!("cases/{id}"), None, None);
        assert_eq!(status, 404, "{other} answered {status}: {v}");
    }

    // Lifecycle at the commune, then escalation commune → province → central.
    let (s, v) = call(
        &fed,
        "00004",
        "POST",
        &format!("cases/{id}/events"),
        Some(&json!({"note": {"text": "Đã liên hệ công dân bổ sung tài liệu."}})),
        None,
    );
    assert_eq!(s, 201, "{v}");
    // Not accepted in its time: it goes up as overdue (the reason its status implies).
    let (s, v) = call(
        &fed,
        "00004",
        "POST",
        &format!("cases/{id}/escalate"),
        Some(&json!({"to_site": "01"})),
        None,
    );
    assert_eq!(s, 201, "{v}");
    assert!(
        eventually(DEADLINE, || history_len(&fed, "01", &id) == 3),
        "01 lacks history"
    );
    let (s, v) = call(
        &fed,
        "01",
        "POST",
        &format!("cases/{id}/escalate"),
        Some(&json!({"to_site": "VN", "reason": "overdue"})),
        None,
    );
    assert_eq!(s, 201, "{v}");
    assert!(
        eventually(DEADLINE, || history_len(&fed, "VN", &id) == 4
            && history_len(&fed, "00004", &id) == 4),
        "escalation did not carry the full history"
    );
    let (_, v) = call(&fed, "VN", "GET", &format!("cases/{id}"), None, None);
    assert_eq!(v["current_site"], "VN", "{v}");
    assert!(v["deadlines"].is_array(), "{v}");

    // Transfer to a commune of another province: readable there and at its province.
    let (s, v) = call(
        &fed,
        "VN",
        "POST",
        &format!("cases/{id}/transfer"),
        Some(&json!({"to_site": "25747", "letter_no": "88/CV-BTCDTW"})),
        None,
    );
    assert_eq!(s, 201, "{v}");
    assert!(
        eventually(DEADLINE, || has_case(&fed, "25747", &id)
            && has_case(&fed, "79", &id)),
        "the transferred case is not at 25747 and 79"
    );
    assert_eq!(
        history_len(&fed, "25747", &id),
        5,
        "the full history travels with a transfer"
    );
    assert_eq!(
        call(&fed, "00008", "GET", &format!("cases/{id}"), None, None).0,
        404,
        "a sibling never receives it"
    );

    // Filters.
    let (_, list) = call(&fed, "VN", "GET", "cases?kind=complaint", None, None);
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["case_id"] == id.as_str()));
    let (_, list) = call(&fed, "VN", "GET", "cases?kind=denunciation", None, None);
    assert!(list.as_array().unwrap().is_empty());
    let (s, _) = call(&fed, "VN", "GET", "cases?kind=rumour", None, None);
    assert_eq!(s, 400);
}

#[test]
fn a_denouncers_identity_is_sealed_everywhere_and_each_view_is_audited() {
    let (dir, mut fed) = federation(&SITES);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let name = "Lê Thị Tố Cáo Bí Mật";
    // What could name the denouncer besides the identity: own words and a representative.
    let summary = "Ông trưởng thôn Đông nhận tiền của nhà tôi";
    let request = "Xử lý nghiêm, giữ bí mật cho tôi";
    let representative = "Lê Văn Đại Diện";
    let mut denunciation = reception("denunciation", name);
    denunciation["summary"] = json!(summary);
    denunciation["request"] = json!(request);
    denunciation["representatives"] = json!([{
        "name": representative, "role": "authorised", "document": "Giấy ủy quyền ngày 02/12/2026"
    }]);
    let (s, v) = call(
        &fed,
        "00004",
        "POST",
        "receptions",
        Some(&denunciation),
        None,
    );
    assert_eq!(s, 201, "{v}");
    let id = v["case_id"].as_str().unwrap().to_owned();
    assert!(eventually(DEADLINE, || has_case(&fed, "01", &id)
        && has_case(&fed, "VN", &id)));
    let secrets = [name, summary, request, representative];
    for at in ["00004", "01", "VN"] {
        let (_, v) = call(&fed, at, "GET", &format!("cases/{id}"), None, None);
        for secret in secrets {
            assert!(
                !v.to_string().contains(secret),
                "the case view at {at} shows {secret:?}: {v}"
            );
        }
    }
    let (s, csv) = call(&fed, "00004", "GET", "logbook?format=csv", None, None);
    assert_eq!(s, 200, "{csv}");
    let csv = csv.as_str().unwrap_or_default();
    assert!(csv.contains("(bảo mật)"), "{csv}");
    assert!(
        !secrets.iter().any(|s| csv.contains(s)),
        "the log book prints a sealed detail: {csv}"
    );

    // Only officers and chairs at audience sites see it, and each view is recorded.
    let operator = fed.site("01").unwrap().token.clone();
    let (s, v) = call(
        &fed,
        "01",
        "GET",
        &format!("cases/{id}/identity"),
        None,
        Some(&operator),
    );
    assert_eq!(s, 403, "the operator must not see it: {v}");
    assert_eq!(v["code"], "role_forbidden", "{v}");
    let (s, v) = call(
        &fed,
        "01",
        "POST",
        "users",
        Some(&json!({"name": "phamvan", "full_name": "Phạm Văn Cán Bộ", "role": "officer"})),
        Some(&operator),
    );
    assert_eq!(s, 201, "{v}");
    let (s, v) = call(
        &fed,
        "01",
        "POST",
        "users/phamvan/tokens",
        None,
        Some(&operator),
    );
    assert_eq!(s, 201, "{v}");
    let officer = v["token"].as_str().unwrap().to_owned();
    let (s, v) = call(
        &fed,
        "01",
        "GET",
        &format!("cases/{id}/identity"),
        None,
        Some(&officer),
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["name"], name);
    assert_eq!(v["summary"], summary, "the seal holds the summary: {v}");
    assert_eq!(v["request"], request, "{v}");
    assert_eq!(v["representatives"][0]["name"], representative, "{v}");
    let (_, v) = call(&fed, "01", "GET", &format!("cases/{id}"), None, None);
    assert!(
        v.to_string().contains("Phạm Văn Cán Bộ"),
        "the view was not audited: {v}"
    );
    assert!(
        eventually(DEADLINE, || history_len(&fed, "VN", &id) == 2),
        "the audit event did not replicate"
    );

    // Transferred to the other province, the case's current sealing includes it: its officer
    // opens what the commune sealed, and a commune there that never held it does not.
    let (s, v) = call(
        &fed,
        "00004",
        "POST",
        &format!("cases/{id}/transfer"),
        Some(&json!({"to_site": "79", "letter_no": "12/CV-UBND"})),
        None,
    );
    assert_eq!(s, 201, "{v}");
    assert!(eventually(DEADLINE, || has_case(&fed, "79", &id)));
    let (s, v) = call(
        &fed,
        "79",
        "GET",
        &format!("cases/{id}/identity"),
        None,
        None,
    );
    assert_eq!(s, 200, "the new holder cannot open the sealing: {v}");
    assert_eq!(v["summary"], summary, "{v}");
    let (s, _) = call(
        &fed,
        "25747",
        "GET",
        &format!("cases/{id}/identity"),
        None,
        None,
    );
    assert_eq!(s, 404, "a site outside the audience does not hold the case");

    // The name is in no file of any site (stores hold ciphertext) and in no log.
    fed.stop_all();
    for f in files_under(dir.path()) {
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !bytes.windows(name.len()).any(|w| w == name.as_bytes()),
            "{} holds the denouncer's name in plaintext",
            f.display()
        );
    }
}

#[test]
fn bad_case_input_gets_clear_errors_and_changes_nothing() {
    let (_dir, mut fed) = federation(&["VN", "01", "00004"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let id = receive(&fed, "00004", "petition", "Đỗ Văn Kiến Nghị");
    let before = call(&fed, "00004", "GET", &format!("cases/{id}"), None, None).1;

    let mut unknown_kind = reception("complaint", "X");
    unknown_kind["kind"] = json!("rumour");
    let (s, v) = call(
        &fed,
        "00004",
        "POST",
        "receptions",
        Some(&unknown_kind),
        None,
    );
    assert!((400..500).contains(&s), "{s} {v}");
    assert!(
        v["error"].as_str().unwrap().contains("kind")
            || v["error"].as_str().unwrap().contains("rumour"),
        "{v}"
    );

    let mut missing = reception("complaint", "X");
    missing["citizen"]["name"] = json!("");
    let (s, v) = call(&fed, "00004", "POST", "receptions", Some(&missing), None);
    assert!((400..500).contains(&s), "{s} {v}");
    assert!(v["error"].as_str().unwrap().contains("công dân"), "{v}");

    let (s, v) = call(
        &fed,
        "00004",
        "POST",
        &format!("cases/{id}/escalate"),
        Some(&json!({"to_site": "99999"})),
        None,
    );
    assert!((400..500).contains(&s), "{s} {v}");
    let (s, v) = call(
        &fed,
        "00004",
        "POST",
        &format!("cases/{id}/escalate"),
        Some(&json!({"to_site": "79"})),
        None,
    );
    assert!(
        (400..500).contains(&s),
        "escalation to a province without jurisdiction: {s} {v}"
    );
    let (s, v) = call(
        &fed,
        "00004",
        "POST",
        "cases/00004-2026-99999/events",
        Some(&json!({"note": {"text": "x"}})),
        None,
    );
    assert_eq!(s, 404, "{v}");
    // A dialogue or a reply letter dated on a day still to come.
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let tomorrow = tiepdan_protocol::case::date_from_unix_ms(now_ms + 2 * 86_400_000);
    for body in [
        json!({"dialogue": {"date": tomorrow.to_string(), "note": "Đối thoại"}}),
        json!({"reply_received": {"from_body": "Sở Tài nguyên", "letter_no": "12/STNMT", "date": tomorrow.to_string()}}),
    ] {
        let (s, v) = call(
            &fed,
            "00004",
            "POST",
            &format!("cases/{id}/events"),
            Some(&body),
            None,
        );
        assert_eq!((s, v["code"].as_str()), (422, Some("invalid")), "{v}");
        assert!(v["error"].as_str().unwrap().contains("chưa đến"), "{v}");
    }
    let mut huge = reception("complaint", "X");
    huge["summary"] = json!("a".repeat(200_000));
    let (s, v) = call(&fed, "00004", "POST", "receptions", Some(&huge), None);
    assert_eq!(s, 413, "{v}");

    let after = call(&fed, "00004", "GET", &format!("cases/{id}"), None, None).1;
    assert_eq!(before, after, "a refused request changed a stored case");
    let (_, list) = call(&fed, "00004", "GET", "cases", None, None);
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "a refused reception was stored: {list}"
    );
}

#[test]
fn with_the_province_down_both_sides_keep_writing_and_converge_after_restart() {
    let (_dir, mut fed) = federation(&["VN", "01", "00004"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let shared = receive(&fed, "00004", "complaint", "Hoàng Văn Chung");
    assert!(eventually(DEADLINE, || has_case(&fed, "01", &shared)
        && has_case(&fed, "VN", &shared)));

    fed.stop("01").unwrap();
    let mut written = 1;
    let mut new_cases = Vec::new();
    for i in 0..10 {
        new_cases.push(receive(
            &fed,
            "00004",
            "feedback",
            &format!("Người phản ánh {i}"),
        ));
        let (s, _) = call(
            &fed,
            "00004",
            "POST",
            &format!("cases/{shared}/events"),
            Some(&json!({"note": {"text": format!("xã ghi chú {i}")}})),
            None,
        );
        assert_eq!(s, 201);
        let (s, _) = call(
            &fed,
            "VN",
            "POST",
            &format!("cases/{shared}/events"),
            Some(&json!({"note": {"text": format!("trung ương ghi chú {i}")}})),
            None,
        );
        assert_eq!(s, 201);
        written += 2;
    }
    fed.start("01").unwrap();
    let converged = || {
        let views: Vec<serde_json::Value> = ["VN", "01", "00004"]
            .iter()
            .map(|c| call(&fed, c, "GET", &format!("cases/{shared}"), None, None).1)
            .collect();
        views
            .iter()
            .all(|v| v["history"].as_array().map(Vec::len) == Some(written))
            && views
                .windows(2)
                .all(|w| w[0]["history"] == w[1]["history"] && w[0]["status"] == w[1]["status"])
    };
    assert!(
        eventually(DEADLINE, converged),
        "the audience did not converge on the shared case"
    );
    for id in &new_cases {
        assert!(
            eventually(DEADLINE, || has_case(&fed, "01", id)),
            "{id} never reached the restarted province"
        );
    }
    let m = metrics(&fed, "01");
    // The restarted province's counters start at zero: it took every event written while it
    // was down (all but the shared case's first) from its peers.
    assert!(
        metric_value(&m, "tiepdan_events_accepted_total", &["source=\"peer\""])
            >= (written - 1 + new_cases.len()) as f64,
        "{m}"
    );
}

#[test]
fn an_act_the_case_does_not_allow_now_is_refused_before_it_is_signed() {
    let (_dir, mut fed) = federation(&["VN", "01", "00004"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    // A case received today is not overdue: it cannot go up as such, and nothing is signed.
    let fresh = receive(&fed, "00004", "complaint", "Nguyễn Thị Mới");
    let (s, v) = call(
        &fed,
        "00004",
        "POST",
        &format!("cases/{fresh}/escalate"),
        Some(&json!({"to_site": "01", "reason": "overdue"})),
        None,
    );
    assert_eq!(
        (s, v["code"].as_str()),
        (409, Some("not_allowed_now")),
        "{v}"
    );
    assert!(
        v["error"].as_str().unwrap().contains("chưa quá hạn")
            && v["error"]
                .as_str()
                .unwrap()
                .contains("Thụ lý giải quyết khiếu nại"),
        "{v}"
    );
    assert_eq!(
        history_len(&fed, "00004", &fresh),
        1,
        "something was signed"
    );
    let offers_overdue = |id: &str| {
        let (_, v) = call(&fed, "00004", "GET", &format!("cases/{id}"), None, None);
        v["allowed"].as_array().unwrap().iter().any(|a| {
            a["act"] == "escalated"
                && a["reasons"]
                    .as_array()
                    .is_some_and(|r| r.contains(&json!("overdue")))
        })
    };
    assert!(
        !offers_overdue(&fresh),
        "the page offers an overdue escalation of a fresh case"
    );
    // Nor is a reception dated in the future recorded.
    let mut future = reception("complaint", "Nguyễn Văn Sau");
    future["date"] = json!("2099-01-05");
    let (s, v) = call(&fed, "00004", "POST", "receptions", Some(&future), None);
    assert_eq!(s, 422, "{v}");
    assert!(v["error"].as_str().unwrap().contains("05/01/2099"), "{v}");

    let id = old_case(&fed, "00004", "complaint", "Nguyễn Thị Thụ Lý");
    assert!(
        offers_overdue(&id),
        "a case past its acceptance time may go up as overdue"
    );
    let (s, v) = call(
        &fed,
        "00004",
        "POST",
        &format!("cases/{id}/escalate"),
        Some(&json!({"to_site": "01", "reason": "overdue"})),
        None,
    );
    assert_eq!(s, 201, "{v}");
    let before = history_len(&fed, "00004", &id);
    // The commune no longer holds the case: accepting it there changes nothing, so it is
    // refused, in Vietnamese, and nothing is signed or stored.
    let (s, v) = call(
        &fed,
        "00004",
        "POST",
        &format!("cases/{id}/events"),
        Some(&json!({"accepted": {"decision_no": "16/QĐ-UBND"}})),
        None,
    );
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["code"], "not_allowed_now", "{v}");
    assert!(v["error"].as_str().unwrap().contains("thể thụ lý"), "{v}");
    assert_eq!(
        history_len(&fed, "00004", &id),
        before,
        "something was stored"
    );
    // The province, which holds it now, accepts it.
    assert!(eventually(DEADLINE, || call(
        &fed,
        "01",
        "GET",
        &format!("cases/{id}"),
        None,
        None
    )
    .1["current_site"]
        == "01"));
    let (s, v) = call(
        &fed,
        "01",
        "POST",
        &format!("cases/{id}/events"),
        Some(&json!({"accepted": {"decision_no": "3/QĐ-UBND"}})),
        None,
    );
    assert_eq!(s, 201, "{v}");
}

/// Officers entering receptions at the same moment share the journal's flushes: every one is
/// answered, the case numbers run 1, 2, 3… with no gap and none twice, all are held after a
/// restart, and the next reception takes the next number.
#[test]
fn receptions_entered_at_once_are_numbered_without_gaps_and_all_kept() {
    let (_dir, mut fed) = federation(&["VN"]);
    fed.start("VN").unwrap();
    assert!(eventually(DEADLINE, || call(
        &fed, "VN", "GET", "status", None, None
    )
    .0 == 200));
    let (officers, each) = (8, 6);
    let ids: Vec<String> = std::thread::scope(|scope| {
        let fed = &fed;
        let threads: Vec<_> = (0..officers)
            .map(|o| {
                scope.spawn(move || {
                    (0..each)
                        .map(|i| receive(fed, "VN", "petition", &format!("Công dân {o}-{i}")))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect()
    });
    let number = |id: &str| id.rsplit('-').next().unwrap().parse::<u64>().unwrap();
    let mut numbers: Vec<u64> = ids.iter().map(|id| number(id)).collect();
    numbers.sort_unstable();
    let total = (officers * each) as u64;
    assert_eq!(numbers, (1..=total).collect::<Vec<_>>(), "{ids:?}");

    fed.stop("VN").unwrap();
    fed.start("VN").unwrap();
    assert!(eventually(DEADLINE, || call(
        &fed, "VN", "GET", "status", None, None
    )
    .0 == 200));
    for id in &ids {
        assert!(has_case(&fed, "VN", id), "{id} lost over a restart");
    }
    let next = receive(&fed, "VN", "petition", "Công dân sau cùng");
    assert_eq!(number(&next), total + 1);
}
