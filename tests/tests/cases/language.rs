//! The API speaks the reader's language: an error carries a stable `code` and its message in
//! the language `Accept-Language` prefers (Vietnamese unless English is asked for), from the
//! Fluent catalogue, with `Content-Language` saying which.

use serde_json::{json, Value};
use tiepdan_tests::{eventually, federation, reception, DEADLINE};

/// `method path` at `http` as `token` (none when empty), with `Accept-Language: lang` when given.
fn ask(
    http: std::net::SocketAddr,
    token: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
    lang: Option<&str>,
) -> (u16, Option<String>, Value) {
    let url = format!("http://{http}/api/v1/{path}");
    let agent = tiepdan_node::cli::client::agent();
    let mut r = match (method, body) {
        ("POST", Some(b)) => {
            let mut req = agent.post(&url);
            if !token.is_empty() {
                req = req.header("Authorization", &format!("Bearer {token}"));
            }
            if let Some(l) = lang {
                req = req.header("Accept-Language", l);
            }
            req.send_json(b)
        }
        _ => {
            let mut req = agent.get(&url);
            if !token.is_empty() {
                req = req.header("Authorization", &format!("Bearer {token}"));
            }
            if let Some(l) = lang {
                req = req.header("Accept-Language", l);
            }
            req.call()
        }
    }
    .expect("reach the API");
    let status = r.status().as_u16();
    let content_language = r
        .headers()
        .get("content-language")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let v = r.body_mut().read_json::<Value>().unwrap_or(Value::Null);
    (status, content_language, v)
}

#[test]
fn errors_carry_a_stable_code_and_follow_accept_language() {
    let (_dir, mut fed) = federation(&["VN", "01", "00004"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let site = fed.site("00004").unwrap();
    let (http, officer, chair) = (site.http, site.officer.clone(), site.chair.clone());

    // A reception without its summary (a blank officer is the signed-in person's name).
    let mut r = reception("complaint", "Nguyễn Văn An");
    r["summary"] = json!("");
    let vi = ask(
        http,
        &officer,
        "POST",
        "receptions",
        Some(&r),
        Some("vi-VN,vi;q=0.9"),
    );
    let en = ask(
        http,
        &officer,
        "POST",
        "receptions",
        Some(&r),
        Some("en-US,en;q=0.8"),
    );
    let none = ask(http, &officer, "POST", "receptions", Some(&r), None);
    assert_eq!(vi.0, 422, "{:?}", vi.2);
    assert_eq!(
        (en.0, &en.2["code"]),
        (vi.0, &vi.2["code"]),
        "the code is the same in every language"
    );
    assert_eq!(
        vi.2["error"],
        "Chưa nhập tóm tắt nội dung: đây là trường bắt buộc."
    );
    assert_eq!(en.2["error"], "summary is required.");
    assert_eq!(
        none.2["error"], vi.2["error"],
        "Vietnamese unless English is asked for"
    );
    assert_eq!(vi.1.as_deref(), Some("vi"));
    assert_eq!(en.1.as_deref(), Some("en"));

    // A role refusal names the role and the action in the reader's language.
    let body = json!({ "site": "00008" });
    let vi = ask(
        http,
        &officer,
        "POST",
        "revocations",
        Some(&body),
        Some("vi"),
    );
    let en = ask(
        http,
        &officer,
        "POST",
        "revocations",
        Some(&body),
        Some("en"),
    );
    assert_eq!(
        (vi.0, vi.2["code"].as_str()),
        (403, Some("role_forbidden")),
        "{:?}",
        vi.2
    );
    assert_eq!(en.2["code"], "role_forbidden");
    assert_eq!(
        vi.2["error"],
        "Vai trò Cán bộ tiếp công dân không được cấp, thu hồi chứng thư và duyệt yêu cầu gia nhập."
    );
    assert_eq!(
        en.2["error"],
        "The role Reception officer may not issue and revoke certificates and approve join requests."
    );

    // An act the case's state does not allow, and a case that is not here.
    let (s, _, v) = ask(
        http,
        &officer,
        "POST",
        "receptions",
        Some(&reception("complaint", "Lê Văn C")),
        None,
    );
    assert_eq!(s, 201, "{v}");
    let id = v["case_id"].as_str().unwrap().to_owned();
    let resume = json!("resumed");
    let en = ask(
        http,
        &chair,
        "POST",
        &format!("cases/{id}/events"),
        Some(&resume),
        Some("en"),
    );
    let vi = ask(
        http,
        &chair,
        "POST",
        &format!("cases/{id}/events"),
        Some(&resume),
        Some("vi"),
    );
    assert_eq!(
        (en.0, en.2["code"].as_str()),
        (409, Some("not_allowed_now")),
        "{:?}",
        en.2
    );
    let en_text = en.2["error"].as_str().unwrap();
    let vi_text = vi.2["error"].as_str().unwrap();
    assert!(
        en_text.starts_with("Cannot resume it now: the case is “received”"),
        "{en_text}"
    );
    assert!(
        vi_text.starts_with(
            "Không thể tiếp tục giải quyết lúc này: vụ việc đang ở trạng thái “Đã tiếp nhận”"
        ),
        "{vi_text}"
    );
    let (s, _, v) = ask(
        http,
        &officer,
        "GET",
        "cases/00004-2026-999999",
        None,
        Some("en"),
    );
    assert_eq!((s, v["code"].as_str()), (404, Some("not_found")), "{v}");
    assert_eq!(v["error"], "No case 00004-2026-999999 at this site.");

    // Without credentials; and a call that does not exist.
    let (s, _, v) = ask(http, "", "GET", "cases", None, Some("en"));
    assert_eq!((s, v["code"].as_str()), (401, Some("not_signed_in")), "{v}");
    assert!(v["error"].as_str().unwrap().starts_with("Sign in"), "{v}");
    let (s, _, v) = ask(http, &officer, "GET", "no-such-call", None, None);
    assert_eq!(s, 404);
    assert_eq!(
        v["error"],
        "Không có lệnh API này; xem ARCHITECTURE.md, mục Interfaces."
    );
}
