//! Who is calling and whether they may: every API route's rule, and the one middleware that
//! enforces it.
//!
//! The caller comes from `Authorization: Bearer` (operator token, API token, participant pass)
//! or from the web session cookie (`accounts`). The route's rule comes from [`RULES`], keyed
//! by method and matched path, and the role matrix (`tiepdan_protocol::access`) decides. A
//! route with no rule is refused to everyone (fail closed); the `every_route_has_a_rule` test
//! of `api` and the black-box role test keep the table and the router in step. Handlers that
//! carry several kinds of act in one route (case and session events) check the act itself with
//! [`require`].

use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tiepdan_protocol::access::{allows, Action, Role};

use super::{ApiError, App, Refusal};
use crate::accounts::{web, Caller};
use crate::language::Message;
use crate::site::clock::now_ms;

/// What a route asks of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Nobody has to be signed in: signing in, and a joining site that has no token yet.
    Open,
    /// Any signed-in caller (their own account's page).
    AnyCaller,
    /// A caller whose role may do at least one of these (the handler checks which).
    AnyOf(&'static [Action]),
}

use Action::*;

const fn act(a: &'static [Action]) -> Rule {
    Rule::AnyOf(a)
}

/// Every route of the API and its rule. Paths are as axum matches them.
pub const RULES: &[(&str, &str, Rule)] = &[
    ("POST", "/api/v1/sign-in", Rule::Open),
    ("POST", "/api/v1/sign-out", Rule::Open),
    ("GET", "/api/v1/me", Rule::AnyCaller),
    ("POST", "/api/v1/me/password", Rule::AnyCaller),
    ("GET", "/metrics", act(&[Metrics])),
    // Federation.
    ("GET", "/api/v1/status", act(&[SiteStatus])),
    ("GET", "/api/v1/peers", act(&[SiteStatus])),
    ("POST", "/api/v1/peers/{site}/link-test", act(&[LinkTest])),
    ("POST", "/api/v1/join-requests", Rule::Open),
    ("GET", "/api/v1/join-requests/{id}/chain", Rule::Open),
    ("GET", "/api/v1/join-requests", act(&[Pki])),
    ("POST", "/api/v1/join-requests/{id}/approve", act(&[Pki])),
    ("POST", "/api/v1/join-requests/{id}/reject", act(&[Pki])),
    ("POST", "/api/v1/certificates", act(&[Pki])),
    ("GET", "/api/v1/revocations", act(&[Pki])),
    ("POST", "/api/v1/revocations", act(&[Pki])),
    ("GET", "/api/v1/calendars", act(&[SiteStatus])),
    ("POST", "/api/v1/calendars", act(&[PublishCalendar])),
    // People.
    ("GET", "/api/v1/users", act(&[ManageUsers])),
    ("POST", "/api/v1/users", act(&[ManageUsers])),
    ("POST", "/api/v1/users/{name}/disable", act(&[ManageUsers])),
    ("POST", "/api/v1/users/{name}/enable", act(&[ManageUsers])),
    ("POST", "/api/v1/users/{name}/password", act(&[ManageUsers])),
    ("POST", "/api/v1/users/{name}/tokens", act(&[ManageUsers])),
    // Cases.
    ("POST", "/api/v1/receptions", act(&[Receive])),
    ("GET", "/api/v1/cases", act(&[CaseRead])),
    ("GET", "/api/v1/cases/due", act(&[CaseRead])),
    ("GET", "/api/v1/cases/{id}", act(&[CaseRead])),
    (
        "POST",
        "/api/v1/cases/{id}/events",
        act(&[CaseWork, CaseDecision]),
    ),
    ("POST", "/api/v1/cases/{id}/escalate", act(&[CaseWork])),
    ("POST", "/api/v1/cases/{id}/transfer", act(&[CaseWork])),
    ("GET", "/api/v1/cases/{id}/identity", act(&[IdentityView])),
    // The printed forms: a sealed identity in them is opened (and recorded) only for a role
    // with the identity view; anyone else reads "(bảo mật)".
    ("GET", "/api/v1/cases/{id}/forms/01", act(&[CaseRead])),
    ("GET", "/api/v1/cases/{id}/forms/02", act(&[CaseRead])),
    ("GET", "/api/v1/logbook", act(&[CaseRead])),
    // Reports and supervision.
    ("GET", "/api/v1/supervision", act(&[ReportRead])),
    (
        "GET",
        "/api/v1/supervision/receptions.svg",
        act(&[ReportRead]),
    ),
    (
        "GET",
        "/api/v1/supervision/deadlines.svg",
        act(&[ReportRead]),
    ),
    ("GET", "/api/v1/reports/submissions", act(&[ReportRead])),
    ("GET", "/api/v1/reports/{form}", act(&[ReportRead])),
    (
        "POST",
        "/api/v1/reports/{form}/submissions",
        act(&[ReportSubmit]),
    ),
    ("GET", "/api/v1/exports/national", act(&[ReportRead])),
    ("GET", "/api/v1/exports/national/status", act(&[SiteStatus])),
    // Sessions.
    ("GET", "/api/v1/sessions", act(&[SessionRead])),
    ("POST", "/api/v1/sessions", act(&[SessionSchedule])),
    ("GET", "/api/v1/sessions/{id}", act(&[SessionRead])),
    (
        "POST",
        "/api/v1/sessions/{id}/events",
        act(&[SessionChair, SessionAttend, SessionSelf]),
    ),
    (
        "POST",
        "/api/v1/sessions/{id}/test-signal",
        act(&[TestSignal]),
    ),
    (
        "GET",
        "/api/v1/sessions/{id}/minutes/draft",
        act(&[SessionRead]),
    ),
    (
        "POST",
        "/api/v1/sessions/{id}/minutes",
        act(&[SessionChair]),
    ),
    ("GET", "/api/v1/sessions/{id}/minutes", act(&[SessionRead])),
    (
        "POST",
        "/api/v1/sessions/{id}/conclusion",
        act(&[SessionChair]),
    ),
    ("GET", "/api/v1/sessions/{id}/media", act(&[SessionRead])),
    (
        "GET",
        "/api/v1/sessions/{id}/recordings",
        act(&[SessionRead]),
    ),
    (
        "GET",
        "/api/v1/sessions/{id}/publishers",
        act(&[SessionRead]),
    ),
    // The sites a session's bridge points are picked from.
    // The sites under this one: bridge points for a session, sites to revoke for the operator.
    ("GET", "/api/v1/sites", act(&[SessionRead, Pki])),
    ("POST", "/api/v1/sessions/{id}/passes", act(&[IssuePass])),
    ("POST", "/api/v1/sessions/{id}/whip", act(&[Media])),
    (
        "DELETE",
        "/api/v1/sessions/{id}/whip/{resource}",
        act(&[Media]),
    ),
    ("POST", "/api/v1/sessions/{id}/whep", act(&[Media])),
    (
        "DELETE",
        "/api/v1/sessions/{id}/whep/{resource}",
        act(&[Media]),
    ),
];

/// The rule of a route, if it has one.
pub fn rule_of(method: &Method, path: &str) -> Option<Rule> {
    RULES
        .iter()
        .find(|(m, p, _)| *m == method.as_str() && *p == path)
        .map(|(_, _, r)| *r)
}

/// Refuses `caller` unless their role may do `action`.
pub fn require(caller: &Caller, action: Action) -> Result<(), ApiError> {
    if allows(caller.role, action) {
        Ok(())
    } else {
        Err(forbidden(caller.role, action))
    }
}

fn forbidden(role: Role, action: Action) -> ApiError {
    ApiError::of(
        StatusCode::FORBIDDEN,
        Message::new("error-role-forbidden")
            .arg("role", crate::language::labels::role(role))
            .arg("action", crate::language::labels::action(action)),
    )
    .code("role_forbidden")
}

/// The caller of a request: a bearer token if one is sent, else the session cookie.
pub fn caller_of(app: &App, req: &Request) -> Option<Caller> {
    let now = now_ms();
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if let Some(t) = bearer {
        return app.accounts.by_token(t, now);
    }
    let cookies = req.headers().get_all(header::COOKIE);
    cookies
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| web::cookie_value(h, web::COOKIE))
        .and_then(|c| app.accounts.by_cookie(c, now))
}

/// The middleware on every API route and `/metrics`.
pub async fn authorize(State(app): State<Arc<App>>, mut req: Request, next: Next) -> Response {
    let Some(path) = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
    else {
        // Not a route: the fallback answers 404.
        return next.run(req).await;
    };
    let Some(rule) = rule_of(req.method(), &path) else {
        app.site.metrics.access_refused("no_rule");
        return ApiError::of(StatusCode::FORBIDDEN, Message::new("error-no-rule"))
            .code("no_rule")
            .into_response();
    };
    let caller = caller_of(&app, &req);
    let refused = |metric: &'static str, e: ApiError| {
        app.site.metrics.access_refused(metric);
        e.into_response()
    };
    // What the handler refuses is counted too, by its code (sign-ins have their own counter,
    // `tiepdan_sign_ins_total`).
    let counted = |r: Response| {
        if let Some(Refusal(code)) = r.extensions().get::<Refusal>().copied() {
            if r.status().is_client_error() && path != "/api/v1/sign-in" {
                app.site.metrics.access_refused(match code {
                    "role_forbidden" => "role",
                    other => other,
                });
            }
        }
        r
    };
    match (rule, caller) {
        (Rule::Open, caller) => {
            if let Some(c) = caller {
                req.extensions_mut().insert(c);
            }
            counted(next.run(req).await)
        }
        (_, None) => {
            let sent = req.headers().contains_key(header::AUTHORIZATION);
            let e = ApiError::of(
                StatusCode::UNAUTHORIZED,
                Message::new(if sent {
                    "error-token-refused"
                } else {
                    "error-not-signed-in"
                }),
            );
            refused(
                if sent {
                    "unknown_token"
                } else {
                    "not_signed_in"
                },
                e,
            )
        }
        (Rule::AnyCaller, Some(c)) => {
            req.extensions_mut().insert(c);
            counted(next.run(req).await)
        }
        (Rule::AnyOf(actions), Some(c)) => {
            let Some(first) = actions.first() else {
                return refused(
                    "no_rule",
                    ApiError::of(StatusCode::FORBIDDEN, Message::new("error-no-rule"))
                        .code("no_rule"),
                );
            };
            if !actions.iter().any(|a| allows(c.role, *a)) {
                return refused("role", forbidden(c.role, *first));
            }
            if let Some(pass) = &c.pass {
                // A pass opens its own session's routes and nothing else.
                let in_scope = path.starts_with("/api/v1/sessions/{id}")
                    && req
                        .uri()
                        .path()
                        .split('/')
                        .nth(4)
                        .map(percent_decode)
                        .as_deref()
                        == Some(pass.session_id.as_str());
                if !in_scope {
                    return refused(
                        "pass_scope",
                        ApiError::of(StatusCode::FORBIDDEN, Message::new("error-pass-scope"))
                            .code("pass_scope"),
                    );
                }
            }
            req.extensions_mut().insert(c);
            counted(next.run(req).await)
        }
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_unique_and_names_a_known_method() {
        let mut seen = std::collections::BTreeSet::new();
        for (m, p, _) in RULES {
            assert!(matches!(*m, "GET" | "POST" | "DELETE"), "{m} {p}");
            assert!(seen.insert((*m, *p)), "{m} {p} twice");
        }
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("S-VN-2026-00001"), "S-VN-2026-00001");
        assert_eq!(percent_decode("S%2DVN"), "S-VN");
        assert_eq!(percent_decode("a%2"), "a%2");
    }
}
