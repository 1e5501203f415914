//! Who may call what, against a running node: every route of the API with every role (from
//! the node's own rule table and the protocol's matrix), signing in and out in a browser's
//! way (cookie), the throttle, disabled accounts, participant passes, and the author of every
//! write in its signed event.

use serde_json::{json, Value};
use tiepdan_node::api::auth::{Rule, RULES};
use tiepdan_node::lab::processes::{CHAIR, DEMO_PASSWORD, OFFICER};
use tiepdan_protocol::access::{allows, Role, SIGN_IN_FREE_FAILURES};
use tiepdan_tests::{call, eventually, federation, metric_value, metrics, reception, DEADLINE};

/// One request; `auth` is a whole `Authorization` or `Cookie` header. Returns (status, JSON,
/// the `Set-Cookie` header if any).
fn request(
    http: std::net::SocketAddr,
    method: &str,
    path: &str,
    header: Option<(&str, &str)>,
    body: Option<&Value>,
) -> (u16, Value, Option<String>) {
    let url = format!("http://{http}{path}");
    let a = tiepdan_node::cli::client::agent();
    let r = match method {
        "GET" => {
            let mut b = a.get(&url);
            if let Some((k, v)) = header {
                b = b.header(k, v);
            }
            b.call()
        }
        "DELETE" => {
            let mut b = a.delete(&url);
            if let Some((k, v)) = header {
                b = b.header(k, v);
            }
            b.call()
        }
        _ => {
            let mut b = a.post(&url);
            if let Some((k, v)) = header {
                b = b.header(k, v);
            }
            b.send_json(body.cloned().unwrap_or(json!({})))
        }
    };
    let mut r = r.expect("reach the node");
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
        cookie,
    )
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[test]
fn every_route_enforces_the_role_matrix() {
    let (_dir, mut fed) = federation(&["VN"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.api("VN", "status").is_ok()));
    let s = fed.site("VN").unwrap();
    let callers = [
        (Some(Role::Operator), s.token.clone()),
        (Some(Role::Officer), s.officer.clone()),
        (Some(Role::Chair), s.chair.clone()),
        (None, String::new()),
    ];
    let mut checked = 0;
    for (method, pattern, rule) in RULES {
        // Placeholders that exist nowhere: an allowed caller reaches the handler, which
        // answers 4xx for the missing thing; nothing held changes.
        let path = pattern
            .replace("{id}", "S-VN-2026-9999")
            .replace("{site}", "79")
            .replace("{name}", "khongco")
            .replace("{resource}", "0123456789abcdef");
        if path == "/api/v1/sign-out" || path == "/api/v1/sign-in" {
            continue; // below, with a browser's cookie
        }
        for (role, token) in &callers {
            let auth = bearer(token);
            let header = role.map(|_| ("Authorization", auth.as_str()));
            let (status, v, _) = request(s.http, method, &path, header, Some(&json!({})));
            let code = v["code"].as_str().unwrap_or("");
            let expect_allowed = match (rule, role) {
                (Rule::Open, _) => true,
                (_, None) => false,
                (Rule::AnyCaller, Some(_)) => true,
                (Rule::AnyOf(actions), Some(r)) => actions.iter().any(|a| allows(*r, *a)),
            };
            let who = role.map_or("nobody", Role::as_str);
            if expect_allowed {
                assert!(
                    status != 401 && !matches!(code, "role_forbidden" | "no_rule" | "pass_scope"),
                    "{who} must reach {method} {path}: {status} {v}"
                );
            } else if role.is_none() {
                assert_eq!(
                    (status, code),
                    (401, "not_signed_in"),
                    "{method} {path} without credentials: {v}"
                );
            } else {
                assert_eq!(
                    (status, code),
                    (403, "role_forbidden"),
                    "{who} must not {method} {path}: {v}"
                );
                assert!(v["error"]
                    .as_str()
                    .is_some_and(|e| e.starts_with("Vai trò ")));
            }
            checked += 1;
        }
    }
    assert!(checked >= 4 * 40, "only {checked} checks");
    // A wrong token is not a role: 401, and counted.
    let (status, v, _) = request(
        s.http,
        "GET",
        "/api/v1/status",
        Some(("Authorization", "Bearer 00ff00ff00ff00ff00ff")),
        None,
    );
    assert_eq!((status, v["code"].as_str()), (401, Some("not_signed_in")));
    let m = metrics(&fed, "VN");
    assert!(metric_value(&m, "tiepdan_access_refused_total", &["reason=\"role\""]) > 0.0);
    assert!(
        metric_value(
            &m,
            "tiepdan_access_refused_total",
            &["reason=\"unknown_token\""]
        ) > 0.0
    );
    // /metrics itself needs the operator.
    let (status, _, _) = request(s.http, "GET", "/metrics", None, None);
    assert_eq!(status, 401);
    // Nothing the refused calls touched changed: no case, no session, the same users.
    assert_eq!(call(&fed, "VN", "GET", "cases", None, None).1, json!([]));
    assert_eq!(call(&fed, "VN", "GET", "sessions", None, None).1, json!([]));
    let (_, users) = call(&fed, "VN", "GET", "users", None, Some(&s.token));
    assert_eq!(users["users"].as_array().map(Vec::len), Some(2), "{users}");
}

#[test]
fn people_sign_in_with_a_cookie_are_throttled_and_disabled_accounts_stop_at_once() {
    let (_dir, mut fed) = federation(&["VN"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.api("VN", "status").is_ok()));
    let s = fed.site("VN").unwrap();
    let http = s.http;

    // A chair signs in: the cookie is HttpOnly and SameSite=Strict, and says who they are.
    let (status, me, cookie) = request(
        http,
        "POST",
        "/api/v1/sign-in",
        None,
        Some(&json!({"name": CHAIR, "password": DEMO_PASSWORD})),
    );
    assert_eq!(status, 200, "{me}");
    assert_eq!(
        (me["role"].as_str(), me["session_role"].as_str()),
        (Some("chair"), Some("chair"))
    );
    let set = cookie.expect("a session cookie");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let pair = set.split(';').next().unwrap().to_owned();
    let (status, me, _) = request(http, "GET", "/api/v1/me", Some(("Cookie", &pair)), None);
    assert_eq!((status, me["name"].as_str()), (200, Some(CHAIR)), "{me}");
    // The cookie carries the chair's role, not more: a chair does not record receptions.
    let (status, v, _) = request(
        http,
        "POST",
        "/api/v1/receptions",
        Some(("Cookie", &pair)),
        Some(&reception("complaint", "Nguyễn Văn Chủ Trì")),
    );
    assert_eq!(
        (status, v["code"].as_str()),
        (403, Some("role_forbidden")),
        "{v}"
    );
    // Signing out ends the session on the server, not only in the browser.
    let (status, _, cleared) = request(
        http,
        "POST",
        "/api/v1/sign-out",
        Some(("Cookie", &pair)),
        None,
    );
    assert_eq!(status, 204);
    assert!(cleared.is_some_and(|c| c.contains("Max-Age=0")));
    let (status, _, _) = request(http, "GET", "/api/v1/me", Some(("Cookie", &pair)), None);
    assert_eq!(status, 401);

    // Wrong passwords: refused alike for a known and an unknown name, then throttled.
    for name in ["khongco", OFFICER] {
        let (status, v, cookie) = request(
            http,
            "POST",
            "/api/v1/sign-in",
            None,
            Some(&json!({"name": name, "password": "sai mật khẩu rồi"})),
        );
        assert_eq!(
            (status, v["code"].as_str()),
            (401, Some("wrong_password")),
            "{v}"
        );
        assert!(cookie.is_none());
        assert!(v["error"].as_str().unwrap().contains("không đúng"), "{v}");
    }
    for _ in 1..SIGN_IN_FREE_FAILURES {
        request(
            http,
            "POST",
            "/api/v1/sign-in",
            None,
            Some(&json!({"name": OFFICER, "password": "sai mật khẩu rồi"})),
        );
    }
    let (status, v, _) = request(
        http,
        "POST",
        "/api/v1/sign-in",
        None,
        Some(&json!({"name": OFFICER, "password": DEMO_PASSWORD})),
    );
    assert_eq!(
        (status, v["code"].as_str()),
        (429, Some("throttled")),
        "even the right password waits once locked: {v}"
    );
    let m = metrics(&fed, "VN");
    assert!(metric_value(&m, "tiepdan_sign_ins_total", &["result=\"throttled\""]) >= 1.0);
    assert!(metric_value(&m, "tiepdan_sign_ins_total", &["result=\"wrong_password\""]) >= 5.0);

    // The operator creates an account; the temporary password works once shown.
    let op = bearer(&s.token);
    let (status, v, _) = request(
        http,
        "POST",
        "/api/v1/users",
        Some(("Authorization", &op)),
        Some(&json!({"name": "lethu", "full_name": "Lê Thị Thu", "role": "officer"})),
    );
    assert_eq!(status, 201, "{v}");
    let temporary = v["temporary_password"].as_str().unwrap().to_owned();
    let (_, v, _) = request(
        http,
        "POST",
        "/api/v1/users/lethu/tokens",
        Some(("Authorization", &op)),
        None,
    );
    let token = v["token"].as_str().unwrap().to_owned();
    let (status, _, cookie) = request(
        http,
        "POST",
        "/api/v1/sign-in",
        None,
        Some(&json!({"name": "lethu", "password": temporary})),
    );
    assert_eq!(status, 200);
    let pair = cookie.unwrap().split(';').next().unwrap().to_owned();
    // Disabled: the open session and the token stop at once, and signing in is refused.
    let (status, _, _) = request(
        http,
        "POST",
        "/api/v1/users/lethu/disable",
        Some(("Authorization", &op)),
        None,
    );
    assert_eq!(status, 204);
    assert_eq!(
        request(http, "GET", "/api/v1/me", Some(("Cookie", &pair)), None).0,
        401
    );
    assert_eq!(
        request(
            http,
            "GET",
            "/api/v1/cases",
            Some(("Authorization", &bearer(&token))),
            None
        )
        .0,
        401
    );
    let (status, v, _) = request(
        http,
        "POST",
        "/api/v1/sign-in",
        None,
        Some(&json!({"name": "lethu", "password": temporary})),
    );
    assert_eq!(
        (status, v["code"].as_str()),
        (403, Some("account_disabled")),
        "{v}"
    );
    // A bad account is refused with its reason.
    let (status, v, _) = request(
        http,
        "POST",
        "/api/v1/users",
        Some(("Authorization", &op)),
        Some(&json!({"name": "Lê Thu", "full_name": "Lê Thu", "role": "officer"})),
    );
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("bad_user_name")),
        "{v}"
    );
}

#[test]
fn a_participant_pass_admits_to_one_session_as_one_participant() {
    let (_dir, mut fed) = federation(&["VN", "01", "00004"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let (status, v) = call(
        &fed,
        "VN",
        "POST",
        "sessions",
        Some(
            &json!({"title": "Phiên có thẻ", "points": ["00004"], "starts_at": "2026-12-20 08:00"}),
        ),
        None,
    );
    assert_eq!(status, 201, "{v}");
    let id = v["session_id"].as_str().unwrap().to_owned();
    assert!(eventually(DEADLINE, || call(
        &fed,
        "00004",
        "GET",
        &format!("sessions/{id}"),
        None,
        None
    )
    .0 == 200));
    // The commune's officer hands a pass to the citizen sitting at the commune.
    let (status, v) = call(
        &fed,
        "00004",
        "POST",
        &format!("sessions/{id}/passes"),
        Some(&json!({"display_name": "Nguyễn Văn Dân", "role": "citizen", "document": "passport"})),
        None,
    );
    assert_eq!(status, 201, "{v}");
    let pass = v["pass"].as_str().unwrap().to_owned();
    let me_id = v["participant_id"].as_str().unwrap().to_owned();
    assert!(v["link"].as_str().unwrap().contains(&pass));
    // No pass for a chair, and none at a site that is not a point.
    let (status, v) = call(
        &fed,
        "00004",
        "POST",
        &format!("sessions/{id}/passes"),
        Some(&json!({"display_name": "X", "role": "chair", "document": "cccd"})),
        None,
    );
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("pass_role")),
        "{v}"
    );
    let (status, v) = call(
        &fed,
        "01",
        "POST",
        &format!("sessions/{id}/passes"),
        Some(&json!({"display_name": "X", "role": "citizen", "document": "cccd"})),
        None,
    );
    assert_eq!(
        (status, v["code"].as_str()),
        (403, Some("not_a_point")),
        "{v}"
    );

    let with_pass = |method: &str, path: &str, body: Option<&Value>| {
        call(&fed, "00004", method, path, body, Some(&pass))
    };
    let (status, me) = with_pass("GET", "me", None);
    assert_eq!(
        (status, me["role"].as_str()),
        (200, Some("participant")),
        "{me}"
    );
    assert_eq!(me["participant_id"], me_id.as_str());
    assert_eq!(with_pass("GET", &format!("sessions/{id}"), None).0, 200);
    // Nothing outside its session.
    for (method, path) in [("GET", "sessions"), ("GET", "cases"), ("GET", "status")] {
        let (status, v) = with_pass(method, path, None);
        assert_eq!(status, 403, "{method} {path}: {v}");
    }
    let (status, v) = with_pass("GET", "sessions/S-VN-2026-0001x", None);
    assert_eq!(
        (status, v["code"].as_str()),
        (403, Some("pass_scope")),
        "{v}"
    );
    // Only as itself: its point, id and role; the name is the pass's.
    let joined = |participant: &str, role: &str| {
        json!({"participant_joined": {"point": "00004", "participant_id": participant,
            "display_name": "Tên khác", "role": role,
            "identity_check": {"checked_by": "Cán bộ xã", "document": "cccd", "result": "verified"}}})
    };
    let events = format!("sessions/{id}/events");
    for bad in [
        joined("p-someoneelse", "citizen"),
        joined(&me_id, "officer"),
    ] {
        let (status, v) = with_pass("POST", &events, Some(&bad));
        assert_eq!(
            (status, v["code"].as_str()),
            (403, Some("pass_scope")),
            "{bad}: {v}"
        );
    }
    let (status, v) = with_pass("POST", &events, Some(&json!({"started": {"at_ms": 1}})));
    assert_eq!(
        (status, v["code"].as_str()),
        (403, Some("role_forbidden")),
        "{v}"
    );
    let (status, v) = with_pass("POST", &events, Some(&joined(&me_id, "citizen")));
    assert_eq!(status, 201, "{v}");
    let (_, view) = call(&fed, "00004", "GET", &format!("sessions/{id}"), None, None);
    assert_eq!(
        view["state"]["participants"]["00004"][&me_id]["display_name"], "Nguyễn Văn Dân",
        "{view}"
    );
    // The identity check is the one the officer made when issuing the pass, not the holder's.
    let check = &view["state"]["participants"]["00004"][&me_id]["identity_check"];
    assert_eq!(
        (check["checked_by"].as_str(), check["document"].as_str()),
        (
            Some("Cán bộ tiếp công dân (Phường Ba Đình)"),
            Some("passport")
        ),
        "{check}"
    );
    // WHIP: the query cannot name someone else.
    let (status, v) = with_pass(
        "POST",
        &format!("sessions/{id}/whip?participant=u-chair"),
        None,
    );
    assert_eq!(
        (status, v["code"].as_str()),
        (403, Some("identity_mismatch")),
        "{v}"
    );
    // An officer cannot join the room as its chair.
    let officer = fed.site("00004").unwrap().officer.clone();
    let (status, v) = call(
        &fed,
        "00004",
        "POST",
        &events,
        Some(&joined("u-anyone", "chair")),
        Some(&officer),
    );
    assert_eq!(
        (status, v["code"].as_str()),
        (403, Some("not_the_chair")),
        "{v}"
    );
}

#[test]
fn every_write_names_its_author_and_only_a_chair_decides() {
    let (_dir, mut fed) = federation(&["VN", "01"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let (status, v) = call(
        &fed,
        "01",
        "POST",
        "receptions",
        Some(&reception("complaint", "Trần Văn Ký")),
        None,
    );
    assert_eq!(status, 201, "{v}");
    let id = v["case_id"].as_str().unwrap().to_owned();
    let decided = json!({"decided": {"summary": "Giữ nguyên quyết định"}});
    let (status, v) = call(
        &fed,
        "01",
        "POST",
        &format!("cases/{id}/events"),
        Some(&decided),
        None,
    );
    assert_eq!(
        (status, v["code"].as_str()),
        (403, Some("role_forbidden")),
        "an officer does not decide: {v}"
    );
    let chair = fed.site("01").unwrap().chair.clone();
    let (status, v) = call(
        &fed,
        "01",
        "POST",
        &format!("cases/{id}/events"),
        Some(&json!({"note": {"text": "Chủ tịch đã xem"}})),
        Some(&chair),
    );
    assert_eq!(
        (status, v["code"].as_str()),
        (403, Some("role_forbidden")),
        "{v}"
    );
    // The officer accepts the case (thụ lý): a decision needs an accepted case.
    let (status, v) = call(
        &fed,
        "01",
        "POST",
        &format!("cases/{id}/events"),
        Some(&json!({"accepted": {"decision_no": "7/QĐ-UBND"}})),
        None,
    );
    assert_eq!(status, 201, "{v}");
    let (status, v) = call(
        &fed,
        "01",
        "POST",
        &format!("cases/{id}/events"),
        Some(&decided),
        Some(&chair),
    );
    assert_eq!(status, 201, "a chair decides: {v}");
    // The history at central, as signed at the province, names both.
    assert!(eventually(DEADLINE, || {
        let (s, v) = call(&fed, "VN", "GET", &format!("cases/{id}"), None, None);
        s == 200 && v["history"].as_array().is_some_and(|h| h.len() == 3)
    }));
    let (_, v) = call(&fed, "VN", "GET", &format!("cases/{id}"), None, None);
    let by: Vec<(Value, Value)> = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["by"]["user"].clone(), h["by"]["role"].clone()))
        .collect();
    assert_eq!(
        by,
        vec![
            (json!(OFFICER), json!("officer")),
            (json!(OFFICER), json!("officer")),
            (json!(CHAIR), json!("chair"))
        ],
        "{v}"
    );
}

#[test]
fn the_open_join_endpoint_is_bounded_and_a_certified_site_needs_a_replacement_mark() {
    let (dir, mut fed) = federation(&["VN", "01"]);
    fed.start("VN").unwrap();
    assert!(eventually(DEADLINE, || fed.api("VN", "status").is_ok()));
    let http = fed.site("VN").unwrap().http;
    let operator = fed.site("VN").unwrap().token.clone();
    // A new node for province 01, which already holds a valid certificate from VN.
    let new_node = dir.path().join("01-new");
    let out =
        tiepdan_tests::tiepdan(&["init", "--data", new_node.to_str().unwrap(), "--site", "01"]);
    assert!(out.status.success(), "{}", tiepdan_tests::stderr(&out));
    let request_pem = std::fs::read_to_string(new_node.join("request.pem")).unwrap();
    let submit = |body: Value| request(http, "POST", "/api/v1/join-requests", None, Some(&body));
    let good = json!({"request_pem": request_pem, "secret": "0123456789abcdef0123"});
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (status, v, _) = submit(good.clone());
        assert_eq!(status, 201, "{v}");
        ids.push(v["id"].as_u64().unwrap());
    }
    let (status, v, _) = submit(good.clone());
    assert_eq!(
        (status, v["code"].as_str()),
        (429, Some("too_many_join_requests")),
        "a fourth waiting request for one site is not stored: {v}"
    );
    // Ten a minute from one address, whatever they hold.
    let mut last = (0, Value::Null);
    for _ in 0..8 {
        let (status, v, _) =
            submit(json!({"request_pem": "garbage", "secret": "0123456789abcdef0123"}));
        last = (status, v);
    }
    assert_eq!(
        (last.0, last.1["code"].as_str()),
        (429, Some("throttled")),
        "{}",
        last.1
    );
    let (_, list) = call(&fed, "VN", "GET", "join-requests", None, Some(&operator));
    assert_eq!(list.as_array().map(Vec::len), Some(3), "{list}");

    // Approving needs the replacement mark while 01's certificate is valid.
    let approve = |id: u64, body: Value| {
        call(
            &fed,
            "VN",
            "POST",
            &format!("join-requests/{id}/approve"),
            Some(&body),
            Some(&operator),
        )
    };
    let (status, v) = approve(ids[0], json!({}));
    assert_eq!(
        (status, v["code"].as_str()),
        (409, Some("already_certified")),
        "{v}"
    );
    let (status, v) = approve(ids[0], json!({"replacement": true}));
    assert_eq!(
        (status, v["state"].as_str()),
        (200, Some("approved")),
        "{v}"
    );
}
