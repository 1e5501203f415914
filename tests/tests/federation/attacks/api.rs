//! The API's rows: who may call what, and what a request may carry.

use super::*;

/// An SDP offer (audio and video, send only) from a str0m client.
fn sdp_offer() -> String {
    use str0m::media::{Direction, MediaKind};
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut rtc = str0m::Rtc::builder()
        .clear_codecs()
        .enable_opus(true, false)
        .enable_vp8(true)
        .build(Instant::now());
    rtc.add_local_candidate(str0m::Candidate::host(socket.local_addr().unwrap(), "udp").unwrap());
    let mut api = rtc.sdp_api();
    api.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
    api.add_media(MediaKind::Video, Direction::SendOnly, None, None, None);
    api.apply().unwrap().0.to_sdp_string()
}

/// A participant-joined event at 00004.
fn joined(participant: &str, role: &str) -> Value {
    json!({"participant_joined": {"point": "00004", "participant_id": participant,
        "display_name": "Tên khác", "role": role,
        "identity_check": {"checked_by": "Cán bộ xã", "document": "cccd",
            "result": "verified"}}})
}

/// A certificate request of a new key for `site`.
fn request_pem(site: &str) -> String {
    make_request(&SiteKey::generate(), site).unwrap()
}

fn submit_join(ctx: &Ctx, at: &str, pem: String) -> Answer {
    ctx.http(
        at,
        "POST",
        "/api/v1/join-requests",
        &[],
        Some((
            "application/json",
            json!({"request_pem": pem, "secret": JOIN_SECRET}).to_string(),
        )),
    )
}

const JOIN_SECRET: &str = "bi-mat-cua-xa-moi-0123";

/// POSTs an SDP offer to the session's WHIP endpoint at 00004 with `token`.
fn whip(c: &Ctx, token: &str, query: &str) -> Answer {
    c.http(
        "00004",
        "POST",
        &format!("/api/v1/sessions/{}/whip{query}", c.session),
        &[("Authorization", &bearer(token))],
        Some(("application/sdp", sdp_offer())),
    )
}

fn sign_in(c: &Ctx, site: &str, name: &str, password: &str) -> Answer {
    c.http(
        site,
        "POST",
        "/api/v1/sign-in",
        &[],
        Some((
            "application/json",
            json!({"name": name, "password": password}).to_string(),
        )),
    )
}

/// The API: who may call what, and what a request may carry.
pub(super) fn api_rows() -> Vec<Row> {
    vec![
        row(
            "no token",
            "01",
            "not_signed_in",
            access("not_signed_in"),
            |c| c.http("01", "GET", "/api/v1/cases", &[], None).code(),
        ),
        row(
            "an unknown token",
            "01",
            "not_signed_in",
            access("unknown_token"),
            |c| {
                c.api("01", "00ff00ff00ff00ff00ff00ff", "GET", "cases", None)
                    .code()
            },
        ),
        row(
            "an empty `Bearer `",
            "01",
            "not_signed_in",
            access("unknown_token"),
            |c| {
                c.http(
                    "01",
                    "GET",
                    "/api/v1/cases",
                    &[("Authorization", "Bearer ")],
                    None,
                )
                .code()
            },
        ),
        row(
            "`/metrics` without a token",
            "01",
            "not_signed_in",
            access("not_signed_in"),
            |c| c.http("01", "GET", "/metrics", &[], None).code(),
        ),
        row(
            "an officer reads `/metrics`",
            "01",
            "role_forbidden",
            access("role"),
            |c| {
                c.http(
                    "01",
                    "GET",
                    "/metrics",
                    &[("Authorization", &bearer(&c.officer("01")))],
                    None,
                )
                .code()
            },
        ),
        row(
            "an officer revokes a commune",
            "01",
            "role_forbidden",
            access("role"),
            |c| {
                c.api(
                    "01",
                    &c.officer("01"),
                    "POST",
                    "revocations",
                    Some(json!({"site": "00008"})),
                )
                .code()
            },
        ),
        row(
            "a chair revokes a commune",
            "01",
            "role_forbidden",
            access("role"),
            |c| {
                c.api(
                    "01",
                    &c.chair("01"),
                    "POST",
                    "revocations",
                    Some(json!({"site": "00008"})),
                )
                .code()
            },
        ),
        row(
            "an officer issues a certificate",
            "01",
            "role_forbidden",
            access("role"),
            |c| {
                let body = json!({"request_pem": request_pem("00640")});
                c.api("01", &c.officer("01"), "POST", "certificates", Some(body))
                    .code()
            },
        ),
        row(
            "an officer creates a user",
            "01",
            "role_forbidden",
            access("role"),
            |c| {
                let body = json!({"name": "kexau", "full_name": "Kẻ Xấu", "role": "operator"});
                c.api("01", &c.officer("01"), "POST", "users", Some(body))
                    .code()
            },
        ),
        row(
            "a chair approves a join request",
            "VN",
            "role_forbidden",
            access("role"),
            |c| {
                c.api(
                    "VN",
                    &c.chair("VN"),
                    "POST",
                    "join-requests/1/approve",
                    Some(json!({})),
                )
                .code()
            },
        ),
        row(
            "the operator records a reception",
            "01",
            "role_forbidden",
            access("role"),
            |c| {
                let body = reception("complaint", "Lê Văn Vận Hành");
                c.api("01", &c.operator("01"), "POST", "receptions", Some(body))
                    .code()
            },
        ),
        row(
            "an officer measures a link",
            "01",
            "role_forbidden",
            access("role"),
            |c| {
                c.api(
                    "01",
                    &c.officer("01"),
                    "POST",
                    "peers/VN/link-test",
                    Some(json!({})),
                )
                .code()
            },
        ),
        row(
            "an officer posts a chair's decision",
            "01",
            "role_forbidden",
            access("role"),
            |c| {
                let path = format!("cases/{}/events", c.case01);
                let body = json!({"decided": {"summary": "Giữ nguyên quyết định"}});
                c.api("01", &c.officer("01"), "POST", &path, Some(body))
                    .code()
            },
        ),
        row(
            "an officer posts a conclusion",
            "00004",
            "role_forbidden",
            access("role"),
            |c| {
                let path = format!("cases/{}/events", c.denunciation);
                let body = json!({"concluded": {"finding": "Tố cáo không đúng"}});
                c.api("00004", &c.officer("00004"), "POST", &path, Some(body))
                    .code()
            },
        ),
        row(
            "a chair does an officer's case work",
            "01",
            "role_forbidden",
            access("role"),
            |c| {
                let path = format!("cases/{}/events", c.case01);
                let body = json!({"note": {"text": "Chủ tịch ghi chú"}});
                c.api("01", &c.chair("01"), "POST", &path, Some(body))
                    .code()
            },
        ),
        row(
            "an officer joins a session as its chair",
            "00004",
            "not_the_chair",
            access("not_the_chair"),
            |c| {
                let path = format!("sessions/{}/events", c.session);
                c.api(
                    "00004",
                    &c.officer("00004"),
                    "POST",
                    &path,
                    Some(joined("u-anyone", "chair")),
                )
                .code()
            },
        ),
        row(
            "a pass used on another session",
            "00004",
            "pass_scope",
            access("pass_scope"),
            |c| {
                c.api("00004", &c.pass, "GET", "sessions/S-VN-2026-9999", None)
                    .code()
            },
        ),
        row(
            "a pass reads the cases",
            "00004",
            "role_forbidden",
            access("role"),
            |c| c.api("00004", &c.pass, "GET", "cases", None).code(),
        ),
        row(
            "a pass acts as another participant",
            "00004",
            "pass_scope",
            access("pass_scope"),
            |c| {
                let path = format!("sessions/{}/events", c.session);
                c.api(
                    "00004",
                    &c.pass,
                    "POST",
                    &path,
                    Some(joined("p-someoneelse", "citizen")),
                )
                .code()
            },
        ),
        row(
            "a pass joins as an officer",
            "00004",
            "pass_scope",
            access("pass_scope"),
            |c| {
                let path = format!("sessions/{}/events", c.session);
                c.api(
                    "00004",
                    &c.pass,
                    "POST",
                    &path,
                    Some(joined(&c.pass_id, "officer")),
                )
                .code()
            },
        ),
        row(
            "a pass starts the session",
            "00004",
            "role_forbidden",
            access("role"),
            |c| {
                let path = format!("sessions/{}/events", c.session);
                c.api(
                    "00004",
                    &c.pass,
                    "POST",
                    &path,
                    Some(json!({"started": {"at_ms": 1}})),
                )
                .code()
            },
        ),
        row(
            "a pass for a chair",
            "00004",
            "pass_role",
            access("pass_role"),
            |c| {
                let path = format!("sessions/{}/passes", c.session);
                let body =
                    json!({"display_name": "Chủ Trì Giả", "role": "chair", "document": "cccd"});
                c.api("00004", &c.officer("00004"), "POST", &path, Some(body))
                    .code()
            },
        ),
        row(
            "a pass at a site that is not a point",
            "01",
            "not_a_point",
            access("not_a_point"),
            |c| {
                let path = format!("sessions/{}/passes", c.session);
                let body = json!({"display_name": "Nguyễn Văn Dân", "role": "citizen", "document": "cccd"});
                c.api("01", &c.officer("01"), "POST", &path, Some(body))
                    .code()
            },
        ),
        row(
            "WHIP naming another site",
            "00004",
            "identity_mismatch",
            access("identity_mismatch"),
            |c| whip(c, &c.pass, "?site=00008").code(),
        ),
        row(
            "WHIP naming another participant",
            "00004",
            "identity_mismatch",
            access("identity_mismatch"),
            |c| whip(c, &c.pass, "?participant=u-chair").code(),
        ),
        row(
            "WHIP as participant `p:1` (outside the recorder's grammar)",
            "00004",
            "identity_mismatch",
            access("identity_mismatch"),
            |c| whip(c, &c.officer("00004"), "?participant=p:1").code(),
        ),
        row(
            "WHIP claiming the chair's role",
            "00004",
            "identity_mismatch",
            access("identity_mismatch"),
            |c| whip(c, &c.pass, "?role=chair").code(),
        ),
        row(
            "the operator joins the room",
            "00004",
            "role_forbidden",
            access("role"),
            |c| whip(c, &c.operator("00004"), "").code(),
        ),
        row(
            "DELETE of another caller's WHIP resource",
            "00004",
            "not_found",
            access("not_found"),
            |c| {
                let location = c.noted("whip");
                c.http(
                    "00004",
                    "DELETE",
                    &location,
                    &[("Authorization", &bearer(&c.chair("00004")))],
                    None,
                )
                .code()
            },
        )
        .prepare(|c| {
            let a = whip(c, &c.officer("00004"), "");
            assert_eq!(a.status, 201, "{}", a.body);
            c.note("whip", a.location.expect("a Location"));
        })
        .then(|c| {
            // It was still there: its owner ends it.
            let location = c.noted("whip");
            let a = c.http(
                "00004",
                "DELETE",
                &location,
                &[("Authorization", &bearer(&c.officer("00004")))],
                None,
            );
            assert_eq!(
                a.status, 200,
                "the owner could not end its WHIP resource: {}",
                a.body
            );
        }),
        row(
            "a disabled account's token",
            "01",
            "not_signed_in",
            access("unknown_token"),
            |c| {
                c.api("01", &c.noted("disabled_token"), "GET", "cases", None)
                    .code()
            },
        )
        .prepare(|c| {
            let op = c.operator("01");
            let body = json!({"name": "bikhoa", "full_name": "Nguyễn Bị Khóa", "role": "officer"});
            let a = c.api("01", &op, "POST", "users", Some(body));
            assert_eq!(a.status, 201, "{}", a.body);
            c.note(
                "disabled_password",
                a.body["temporary_password"].as_str().unwrap(),
            );
            let a = c.api("01", &op, "POST", "users/bikhoa/tokens", None);
            assert_eq!(a.status, 201, "{}", a.body);
            c.note("disabled_token", a.body["token"].as_str().unwrap());
            assert_eq!(
                c.api("01", &op, "POST", "users/bikhoa/disable", None)
                    .status,
                204
            );
        }),
        row(
            "a disabled account signs in",
            "01",
            "account_disabled",
            sign_ins("account_disabled"),
            |c| sign_in(c, "01", "bikhoa", &c.noted("disabled_password")).code(),
        ),
        row(
            "a wrong password",
            "79",
            "wrong_password",
            sign_ins("wrong_password"),
            |c| {
                sign_in(
                    c,
                    "79",
                    tiepdan_node::lab::processes::OFFICER,
                    "sai mật khẩu rồi",
                )
                .code()
            },
        ),
        row(
            "six wrong passwords in a row",
            "79",
            "throttled",
            sign_ins("throttled"),
            |c| {
                let name = tiepdan_node::lab::processes::CHAIR;
                (0..6)
                    .map(|_| sign_in(c, "79", name, "sai mật khẩu rồi").code())
                    .last()
                    .flatten()
            },
        )
        .then(|c| {
            // Locked: even the right password waits.
            let a = sign_in(c, "79", tiepdan_node::lab::processes::CHAIR, DEMO_PASSWORD);
            assert_eq!(a.code().as_deref(), Some("throttled"), "{}", a.body);
        }),
        row(
            "the identity view by the operator",
            "00004",
            "role_forbidden",
            access("role"),
            |c| {
                let path = format!("cases/{}/identity", c.denunciation);
                c.api("00004", &c.operator("00004"), "GET", &path, None)
                    .code()
            },
        ),
        row(
            "the identity view outside the audience",
            "00008",
            "not_found",
            access("not_found"),
            |c| {
                let path = format!("cases/{}/identity", c.denunciation);
                c.api("00008", &c.officer("00008"), "GET", &path, None)
                    .code()
            },
        ),
        row(
            "a body that is not JSON",
            "01",
            "bad_request",
            access("bad_request"),
            |c| {
                let auth = bearer(&c.officer("01"));
                let body = Some((
                    "application/json",
                    r#"{"kind": "petition", "citizen": "#.to_owned(),
                ));
                c.http(
                    "01",
                    "POST",
                    "/api/v1/receptions",
                    &[("Authorization", &auth)],
                    body,
                )
                .code()
            },
        ),
        row(
            "a body sent as text",
            "01",
            "unsupported_media_type",
            access("unsupported_media_type"),
            |c| {
                let auth = bearer(&c.officer("01"));
                let body = Some(("text/plain", reception("petition", "Văn Bản").to_string()));
                c.http(
                    "01",
                    "POST",
                    "/api/v1/receptions",
                    &[("Authorization", &auth)],
                    body,
                )
                .code()
            },
        ),
        row(
            "a body over 64 KiB",
            "01",
            "too_large",
            access("too_large"),
            |c| {
                let auth = bearer(&c.officer("01"));
                let mut r = reception("petition", "Người Viết Dài");
                r["summary"] = Value::String("x".repeat(100 * 1024));
                let body = Some(("application/json", r.to_string()));
                c.http(
                    "01",
                    "POST",
                    "/api/v1/receptions",
                    &[("Authorization", &auth)],
                    body,
                )
                .code()
            },
        ),
        row(
            "a route without a rule (PUT status)",
            "01",
            "no_rule",
            access("no_rule"),
            |c| {
                let auth = bearer(&c.operator("01"));
                c.http(
                    "01",
                    "PUT",
                    "/api/v1/status",
                    &[("Authorization", &auth)],
                    Some(("application/json", "{}".into())),
                )
                .code()
            },
        ),
        row(
            "a fourth waiting join request for one site",
            "VN",
            "too_many_join_requests",
            access("too_many_join_requests"),
            |c| submit_join(c, "VN", request_pem("08")).code(),
        )
        .prepare(|c| {
            for _ in 0..3 {
                let a = submit_join(c, "VN", request_pem("08"));
                assert_eq!(a.status, 201, "{}", a.body);
                c.note("join", a.body["id"].to_string());
            }
        }),
        row(
            "the join secret in the query string",
            "VN",
            "bad_request",
            access("bad_request"),
            |c| {
                let path = format!(
                    "/api/v1/join-requests/{}/chain?secret={JOIN_SECRET}",
                    c.noted("join")
                );
                c.http("VN", "GET", &path, &[], None).code()
            },
        ),
        row(
            "a wrong join secret",
            "VN",
            "forbidden",
            access("forbidden"),
            |c| {
                let path = format!("/api/v1/join-requests/{}/chain", c.noted("join"));
                c.http(
                    "VN",
                    "GET",
                    &path,
                    &[("x-tiepdan-join-secret", "khong-phai-bi-mat-0123")],
                    None,
                )
                .code()
            },
        ),
        row(
            "a join request for another province's commune",
            "01",
            "forbidden",
            access("forbidden"),
            |c| submit_join(c, "01", request_pem("26506")).code(),
        ),
        row(
            "a certified site approved without the replacement mark",
            "01",
            "already_certified",
            access("already_certified"),
            |c| {
                let path = format!("join-requests/{}/approve", c.noted("join01"));
                c.api("01", &c.operator("01"), "POST", &path, Some(json!({})))
                    .code()
            },
        )
        .prepare(|c| {
            let a = submit_join(c, "01", request_pem("00004"));
            assert_eq!(a.status, 201, "{}", a.body);
            c.note("join01", a.body["id"].to_string());
        }),
        row(
            "more than 10 join requests a minute from one address",
            "VN",
            "throttled",
            access("throttled"),
            |c| {
                (0..12)
                    .map(|_| submit_join(c, "VN", "garbage".into()))
                    .find(|a| a.status == 429)
                    .and_then(|a| a.code())
            },
        ),
        row(
            "a log-book field `=HYPERLINK(…)` in the CSV export",
            "01",
            "defused",
            Counts::Nothing("nothing to refuse: the cell is written as text"),
            |c| {
                let auth = bearer(&c.officer("01"));
                let csv = c.http(
                    "01",
                    "GET",
                    "/api/v1/logbook?format=csv",
                    &[("Authorization", &auth)],
                    None,
                );
                let text = csv.body.as_str().unwrap_or_default().to_owned();
                let line = text
                    .lines()
                    .find(|l| l.contains("HYPERLINK"))
                    .expect("the reception is in the log book");
                Some(
                    if line.contains("'=HYPERLINK") {
                        "defused"
                    } else {
                        "formula"
                    }
                    .into(),
                )
            },
        )
        .prepare(|c| {
            let mut r = reception("petition", "Người Điền Công Thức");
            r["summary"] = json!("=HYPERLINK(\"http://lua-dao.example/\",\"Bấm vào đây\")");
            let a = c.api("01", &c.officer("01"), "POST", "receptions", Some(r));
            assert_eq!(a.status, 201, "{}", a.body);
            c.wait_held(
                "VN",
                &format!("cases/{}", a.body["case_id"].as_str().unwrap()),
            );
        }),
    ]
}
