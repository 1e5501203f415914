//! The HTTP side of a node: the JSON API under `/api/v1`, `/metrics`, and the web UI at `/`.
//!
//! HTTP only: routing, who may call what ([`auth`]: every route's rule, enforced by one
//! middleware with the role matrix of `tiepdan_protocol::access`), JSON error bodies with a
//! stable `code`, body limits, and one module per capability that parses a request, calls the
//! capability and serializes its typed view (`accounts`, `federation`, `cases`, `sessions`,
//! `media`). It may use every capability and none uses it. Open without signing in: signing
//! in, and the two calls of a joining site that has no token yet (submitting a join request,
//! collecting its chain with the secret it chose).

pub mod accounts;
pub mod auth;
pub mod cases;
pub mod federation;
pub mod media;
pub mod reports;
pub mod sessions;
pub mod tls;
pub mod ui;

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::accounts::Accounts;
use crate::cases::Cases;
use crate::federation::Federation;
use crate::language::{Lang, Message};
use crate::records::{OpError, SiteRecords};
use crate::sessions::media::MediaGateway;
use crate::sessions::mesh::MediaMesh;
use crate::sessions::Sessions;
use crate::site::LocalSite;
use crate::upload::Uploads;

/// Largest request body the API reads. Join requests and certificates are a few KB.
pub const BODY_BYTES_MAX: usize = 64 * 1024;

/// An API error: a status, a stable `code` and a catalogue message, rendered in the language
/// the request asks for ([`localize`]).
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable for clients: `forbidden`, `not_signed_in`, `bad_request`, ...
    pub code: &'static str,
    /// For the person.
    pub message: Message,
}

/// What [`localize`] needs to render an error body in the reader's language.
#[derive(Debug, Clone)]
struct Localizable {
    code: &'static str,
    message: Message,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // Vietnamese unless [`localize`] learns the request asked for English.
        let mut r = (
            self.status,
            Json(error_body(self.code, &self.message, Lang::Vi)),
        )
            .into_response();
        r.extensions_mut().insert(Refusal(self.code));
        r.extensions_mut().insert(Localizable {
            code: self.code,
            message: self.message,
        });
        r
    }
}

fn error_body(code: &str, message: &Message, lang: Lang) -> serde_json::Value {
    json!({ "error": message.render(lang), "code": code })
}

/// Renders every error body in the language of the request's `Accept-Language` (Vietnamese
/// unless English is preferred), and says which in `Content-Language`.
pub async fn localize(req: axum::extract::Request, next: middleware::Next) -> Response {
    let lang = Lang::from_accept_language(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let mut r = next.run(req).await;
    if let Some(l) = r.extensions_mut().remove::<Localizable>() {
        if lang != Lang::Vi {
            let (mut parts, _) = r.into_parts();
            let body =
                serde_json::to_vec(&error_body(l.code, &l.message, lang)).unwrap_or_default();
            parts.headers.remove(header::CONTENT_LENGTH);
            r = Response::from_parts(parts, axum::body::Body::from(body));
        }
        r.headers_mut().insert(
            header::CONTENT_LANGUAGE,
            header::HeaderValue::from_static(lang.tag()),
        );
    }
    r
}

/// The code of an error a handler answered, for [`auth::authorize`] to count it in
/// `tiepdan_access_refused_total{reason}`: every refusal is counted, not only the middleware's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal(pub &'static str);

/// The code a status usually has.
fn status_code_name(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "not_signed_in",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::CONFLICT => "conflict",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid",
        StatusCode::TOO_MANY_REQUESTS => "throttled",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        StatusCode::GATEWAY_TIMEOUT => "timed_out",
        StatusCode::BAD_GATEWAY => "peer_failed",
        _ => "internal",
    }
}

impl ApiError {
    /// An error with a catalogue message, under the status's usual code.
    pub fn of(status: StatusCode, message: Message) -> Self {
        ApiError {
            status,
            code: status_code_name(status),
            message,
        }
    }

    /// An error whose text is shown as given, in every language. Prefer [`ApiError::of`]:
    /// the catalogue test finds English that reaches people this way.
    pub fn new(status: StatusCode, msg: impl std::fmt::Display) -> Self {
        ApiError::of(
            status,
            Message::new("error-said").arg("text", msg.to_string()),
        )
    }

    /// The same error under a more precise code.
    pub fn code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    pub fn bad(msg: impl std::fmt::Display) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, msg)
    }
    pub fn not_found(msg: impl std::fmt::Display) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, msg)
    }
    /// A failure of the server itself: the detail goes to the log, the person reads
    /// `error-internal`.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!("internal error answered to an API call: {detail}");
        ApiError::of(
            StatusCode::INTERNAL_SERVER_ERROR,
            Message::new("error-internal"),
        )
    }
    pub fn forbidden(msg: impl std::fmt::Display) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, msg)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

pub fn body<T>(b: Result<Json<T>, JsonRejection>) -> ApiResult<T> {
    b.map(|Json(v)| v).map_err(|e| {
        ApiError::of(
            e.status(),
            Message::new("error-body").arg("detail", e.body_text()),
        )
    })
}

/// What the handlers call: every capability of the running node.
pub struct App {
    pub site: Arc<LocalSite>,
    pub federation: Arc<Federation>,
    pub records: Arc<SiteRecords>,
    pub cases: Arc<Cases>,
    pub reports: Arc<crate::reports::Reports>,
    /// The push to the national database, when `[national_db]` names an endpoint.
    pub national: Option<Arc<crate::reports::export::NationalPush>>,
    pub sessions: Arc<Sessions>,
    pub mesh: Arc<MediaMesh>,
    pub uploads: Arc<Uploads>,
    /// None when the media port could not be bound (the site then runs without sessions' media).
    pub gateway: Option<Arc<MediaGateway>>,
    pub accounts: Arc<Accounts>,
    /// Whether the API is served over TLS (the session cookie is then `Secure`).
    pub https: bool,
    /// Sign-ins checked at once (each argon2id check takes 19 MiB and a core for a moment).
    pub sign_in_slots: Arc<tokio::sync::Semaphore>,
    /// The open join endpoint's per-address limit.
    pub join_rate: federation::JoinRate,
}

/// Sign-ins checked at once.
pub const SIGN_INS_AT_ONCE: usize = 2;

impl From<OpError> for ApiError {
    fn from(e: OpError) -> Self {
        let status = match &e {
            OpError::BadInput(_) => StatusCode::UNPROCESSABLE_ENTITY,
            OpError::NotFound(_) => StatusCode::NOT_FOUND,
            OpError::Forbidden(_) => StatusCode::FORBIDDEN,
            OpError::Conflict(_) | OpError::NotNow(_) => StatusCode::CONFLICT,
            OpError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        match e {
            OpError::BadInput(m)
            | OpError::NotFound(m)
            | OpError::Forbidden(m)
            | OpError::Conflict(m) => ApiError::of(status, m),
            OpError::NotNow(m) => ApiError::of(status, m).code("not_allowed_now"),
            OpError::Store(detail) => {
                tracing::error!("store error answered to an API call: {detail}");
                ApiError::of(status, Message::new("error-store")).code("store")
            }
        }
    }
}

/// Writes sign and fsync: run them off the async workers.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, OpError> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::from)
}

pub fn router(app: Arc<App>) -> Router {
    let api = Router::new()
        .merge(federation::routes())
        .merge(federation::open_routes())
        .merge(accounts::routes())
        .merge(cases::routes())
        .merge(reports::routes())
        .merge(sessions::routes());
    let api = match &app.gateway {
        Some(gateway) => api.merge(media::routes(
            gateway.clone(),
            media::Here {
                site: app.site.site.code.clone(),
                name: app.site.site.name.clone(),
            },
        )),
        None => api,
    };
    let checked = Router::new()
        .nest("/api/v1", api.fallback(api_not_found))
        .route("/metrics", get(metrics))
        .layer(middleware::from_fn_with_state(app.clone(), auth::authorize));
    checked
        .merge(ui::routes())
        .layer(DefaultBodyLimit::max(BODY_BYTES_MAX))
        .layer(middleware::from_fn(localize))
        .with_state(app)
}

async fn api_not_found() -> ApiError {
    ApiError::of(StatusCode::NOT_FOUND, Message::new("error-no-such-call"))
}

async fn metrics(State(app): State<Arc<App>>) -> impl IntoResponse {
    app.site.check_expiry();
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app.site.metrics.render(),
    )
}
