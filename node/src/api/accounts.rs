//! The people part of the HTTP API: signing in and out, one's own account, the operator's
//! user management, and participant passes.
//!
//! | call | who | answer |
//! |---|---|---|
//! | `POST sign-in` `{name, password}` | anyone | 200 `{name, full_name, role}` and the session cookie |
//! | `POST sign-out` | anyone | 204, the cookie cleared |
//! | `GET me` | any caller | who the caller is and what their role may do |
//! | `POST me/password` `{current, new}` | a signed-in person | 204 |
//! | `GET users`, `POST users` `{name, full_name, role, password?}` | operator | the accounts; a new one (with its temporary password when none is given) |
//! | `POST users/{name}/disable`, `…/enable`, `…/password` `{password?}`, `…/tokens` | operator | 204; the new temporary password; a new API token |
//! | `POST sessions/{id}/passes` `{display_name, role, document, minutes?}` | officer, chair | a participant pass and its room link; `document` is the identity paper the officer checked |

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use tiepdan_protocol::access::{allows, Action};
use tiepdan_protocol::case::IdType;
use tiepdan_protocol::session::{IdentityCheck, IdentityCheckResult, Role as SessionRole};

use super::{body, ApiError, ApiResult, App};
use crate::accounts::passes::{self, Pass};
use crate::accounts::{web, AccountError, Caller, Via};
use crate::language::Message;
use crate::site::clock::now_ms;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/sign-in", post(sign_in))
        .route("/sign-out", post(sign_out))
        .route("/me", get(me))
        .route("/me/password", post(own_password))
        .route("/users", get(list).post(create))
        .route("/users/{name}/disable", post(disable))
        .route("/users/{name}/enable", post(enable))
        .route("/users/{name}/password", post(reset))
        .route("/users/{name}/tokens", post(token))
        .route("/sessions/{id}/passes", post(issue_pass))
}

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        let status = match &e {
            AccountError::WrongPassword => StatusCode::UNAUTHORIZED,
            AccountError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            AccountError::Disabled => StatusCode::FORBIDDEN,
            AccountError::NoSuchAccount(_) => StatusCode::NOT_FOUND,
            AccountError::Exists(_) => StatusCode::CONFLICT,
            AccountError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        ApiError::of(status, (&e).into()).code(e.code())
    }
}

async fn run<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AccountError> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::from)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignInBody {
    name: String,
    password: String,
}

fn cookie(app: &App, value: &str, max_age_s: u64) -> HeaderValue {
    let secure = if app.https { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{secure}",
        web::COOKIE
    ))
    .expect("cookie value is hex")
}

async fn sign_in(
    State(app): State<Arc<App>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    b: Result<Json<SignInBody>, JsonRejection>,
) -> ApiResult<Response> {
    let b = body(b)?;
    // argon2id takes tens of milliseconds and 19 MiB: a bounded number at once.
    let _slot = app
        .sign_in_slots
        .clone()
        .acquire_owned()
        .await
        .map_err(ApiError::internal)?;
    let a = app.clone();
    let client = addr.ip().to_string();
    let result = run(move || a.accounts.sign_in(&b.name, &b.password, &client, now_ms())).await;
    let (caller, value) = match result {
        Ok(v) => v,
        Err(e) => {
            app.site.metrics.sign_in(e.code);
            return Err(e);
        }
    };
    app.site.metrics.sign_in("ok");
    tracing::info!(user = %caller.user, role = caller.role.as_str(), client = %addr.ip(), "signed in");
    let mut r = Json(me_view(&app, &caller)).into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        cookie(&app, &value, crate::accounts::web::ABSOLUTE_MS / 1000),
    );
    Ok(r)
}

async fn sign_out(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    for h in headers.get_all(header::COOKIE).iter() {
        if let Some(c) = h
            .to_str()
            .ok()
            .and_then(|h| web::cookie_value(h, web::COOKIE))
        {
            app.accounts.sign_out(c);
        }
    }
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, cookie(&app, "", 0));
    r
}

fn me_view(app: &App, c: &Caller) -> Value {
    let actions: Vec<&str> = Action::ALL
        .into_iter()
        .filter(|a| allows(c.role, *a))
        .map(Action::as_str)
        .collect();
    json!({
        "name": c.user,
        "full_name": c.full_name,
        "role": c.role,
        "role_label": c.role.label_vi(),
        "via": c.via,
        "site": app.site.site.code,
        "site_name": app.site.site.name,
        "site_level": app.site.site.level.as_str(),
        "participant_id": c.participant_id(),
        "session_role": c.session_role(),
        "pass": c.pass,
        "actions": actions,
    })
}

async fn me(State(app): State<Arc<App>>, Extension(c): Extension<Caller>) -> Json<Value> {
    Json(me_view(&app, &c))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnPasswordBody {
    current: String,
    new: String,
}

async fn own_password(
    State(app): State<Arc<App>>,
    Extension(c): Extension<Caller>,
    b: Result<Json<OwnPasswordBody>, JsonRejection>,
) -> ApiResult<StatusCode> {
    if !matches!(c.via, Via::WebSession | Via::ApiToken) {
        return Err(
            ApiError::of(StatusCode::FORBIDDEN, Message::new("error-account-none"))
                .code("no_account"),
        );
    }
    let b = body(b)?;
    run(move || {
        app.accounts
            .change_own_password(&app.site.store, &c.user, &b.current, &b.new)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list(State(app): State<Arc<App>>) -> Json<Value> {
    Json(json!({ "users": app.accounts.list() }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    name: String,
    #[serde(default)]
    full_name: Option<String>,
    role: String,
    #[serde(default)]
    password: Option<String>,
}

async fn create(
    State(app): State<Arc<App>>,
    Extension(c): Extension<Caller>,
    b: Result<Json<CreateBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let b = body(b)?;
    let full_name = b.full_name.clone().unwrap_or_else(|| b.name.clone());
    let (name, role) = (b.name.clone(), b.role.clone());
    let temporary = run(move || {
        app.accounts.create(
            &app.site.store,
            &b.name,
            &full_name,
            &b.role,
            b.password.as_deref(),
            now_ms(),
        )
    })
    .await?;
    tracing::info!(by = %c.user, user = %name, %role, "account created");
    Ok((
        StatusCode::CREATED,
        Json(json!({ "name": name.trim(), "role": role, "temporary_password": temporary })),
    ))
}

async fn disable(
    State(app): State<Arc<App>>,
    Extension(c): Extension<Caller>,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    tracing::info!(by = %c.user, user = %name, "account disabled");
    run(move || app.accounts.set_disabled(&app.site.store, &name, true)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn enable(State(app): State<Arc<App>>, Path(name): Path<String>) -> ApiResult<StatusCode> {
    run(move || app.accounts.set_disabled(&app.site.store, &name, false)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ResetBody {
    #[serde(default)]
    password: Option<String>,
}

async fn reset(
    State(app): State<Arc<App>>,
    Extension(c): Extension<Caller>,
    Path(name): Path<String>,
    raw: bytes::Bytes,
) -> ApiResult<Json<Value>> {
    let b: ResetBody = if raw.iter().all(u8::is_ascii_whitespace) {
        ResetBody::default()
    } else {
        serde_json::from_slice(&raw).map_err(|e| {
            ApiError::of(
                StatusCode::BAD_REQUEST,
                Message::new("error-body").arg("detail", e.to_string()),
            )
        })?
    };
    tracing::info!(by = %c.user, user = %name, "password reset");
    let temporary = run(move || {
        app.accounts
            .set_password(&app.site.store, &name, b.password.as_deref())
    })
    .await?;
    Ok(Json(json!({ "temporary_password": temporary })))
}

async fn token(
    State(app): State<Arc<App>>,
    Extension(c): Extension<Caller>,
    Path(name): Path<String>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    tracing::info!(by = %c.user, user = %name, "API token created");
    let n = name.clone();
    let token = run(move || app.accounts.new_token(&app.site.store, &n)).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "name": name, "token": token })),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PassBody {
    display_name: String,
    /// `citizen`, `representative` or `agency`.
    role: SessionRole,
    /// The identity paper the officer checked before handing the pass out (NĐ 154/2026
    /// Art 21): a pass goes only to a person whose paper matched.
    document: IdType,
    #[serde(default)]
    minutes: Option<u32>,
}

async fn issue_pass(
    State(app): State<Arc<App>>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    b: Result<Json<PassBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let b = body(b)?;
    if !matches!(
        b.role,
        SessionRole::Citizen | SessionRole::Representative | SessionRole::Agency
    ) {
        return Err(ApiError::of(
            StatusCode::UNPROCESSABLE_ENTITY,
            Message::new("error-pass-role"),
        )
        .code("pass_role"));
    }
    let name = b.display_name.trim();
    if name.is_empty() || name.chars().count() > 128 || name.chars().any(char::is_control) {
        return Err(ApiError::of(
            StatusCode::UNPROCESSABLE_ENTITY,
            Message::new("error-pass-full-name"),
        )
        .code("bad_full_name"));
    }
    let minutes = b.minutes.unwrap_or(passes::PASS_MINUTES_DEFAULT);
    if minutes == 0 || minutes > passes::PASS_MINUTES_MAX {
        return Err(ApiError::of(
            StatusCode::UNPROCESSABLE_ENTITY,
            Message::new("error-pass-minutes").arg("max", passes::PASS_MINUTES_MAX),
        )
        .code("pass_minutes"));
    }
    let now = now_ms();
    let view = app.sessions.session_view(&id, now)?;
    let here = &app.site.site.code;
    if !view.points.iter().any(|p| &p.site == here) {
        return Err(ApiError::of(
            StatusCode::FORBIDDEN,
            Message::new("error-session-not-a-point").arg("site", here),
        )
        .code("not_a_point"));
    }
    let pass = Pass {
        session_id: id.clone(),
        point: here.clone(),
        participant_id: passes::new_participant_id(),
        display_name: name.to_owned(),
        role: b.role,
        expires_ms: now + u64::from(minutes) * 60_000,
        issued_by: c.user.clone(),
        identity_check: IdentityCheck {
            checked_by: c.full_name.chars().take(128).collect(),
            document: b.document,
            result: IdentityCheckResult::Verified,
        },
    };
    let token = app.accounts.issue_pass(pass.clone(), now).ok_or_else(|| {
        ApiError::of(
            StatusCode::SERVICE_UNAVAILABLE,
            Message::new("error-passes-full"),
        )
        .code("passes_full")
    })?;
    tracing::info!(by = %c.user, session = %id, participant = %pass.participant_id, "participant pass issued");
    let link = format!("/phien?session={id}#pass={token}");
    Ok((
        StatusCode::CREATED,
        Json(
            json!({ "pass": token, "link": link, "participant_id": pass.participant_id, "expires_ms": pass.expires_ms, "role": pass.role }),
        ),
    ))
}
