//! The HTTP side of a node: the JSON API under `/api/v1`, `/metrics`, and the web UI at `/`.
//!
//! HTTP only: routing, authentication (bearer tokens, [`auth`]), JSON error bodies, body limits,
//! and one module per capability that parses a request, calls the capability and serializes
//! its typed view (`federation`, `cases`, `sessions`, `media`). It may use every capability and
//! none uses it. Two calls are open without a token because a site that is joining has none yet:
//! submitting a join request, and collecting its chain with the secret it chose. Everything else
//! needs a token.

pub mod auth;
pub mod cases;
pub mod federation;
pub mod media;
pub mod sessions;

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::cases::Cases;
use crate::federation::Federation;
use crate::records::{OpError, SiteRecords};
use crate::sessions::media::MediaGateway;
use crate::sessions::mesh::MediaMesh;
use crate::sessions::Sessions;
use crate::site::LocalSite;
use crate::upload::Uploads;
use auth::Users;

/// Largest request body the API reads. Join requests and certificates are a few KB.
pub const BODY_BYTES_MAX: usize = 64 * 1024;

/// An API error: a status and a message for the operator.
pub struct ApiError(pub StatusCode, pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

impl ApiError {
    pub fn bad(msg: impl std::fmt::Display) -> Self {
        ApiError(StatusCode::BAD_REQUEST, msg.to_string())
    }
    pub fn not_found(msg: impl std::fmt::Display) -> Self {
        ApiError(StatusCode::NOT_FOUND, msg.to_string())
    }
    pub fn internal(msg: impl std::fmt::Display) -> Self {
        ApiError(StatusCode::INTERNAL_SERVER_ERROR, msg.to_string())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

pub fn body<T>(b: Result<Json<T>, JsonRejection>) -> ApiResult<T> {
    b.map(|Json(v)| v).map_err(|e| {
        ApiError(
            e.status(),
            format!("invalid request body: {}", e.body_text()),
        )
    })
}

/// What the handlers call: every capability of the running node.
pub struct App {
    pub site: Arc<LocalSite>,
    pub federation: Arc<Federation>,
    pub records: Arc<SiteRecords>,
    pub cases: Arc<Cases>,
    pub sessions: Arc<Sessions>,
    pub mesh: Arc<MediaMesh>,
    pub uploads: Arc<Uploads>,
    /// None when the media port could not be bound (the site then runs without sessions' media).
    pub gateway: Option<Arc<MediaGateway>>,
    pub users: Users,
}

impl From<OpError> for ApiError {
    fn from(e: OpError) -> Self {
        let status = match &e {
            OpError::BadInput(_) => StatusCode::UNPROCESSABLE_ENTITY,
            OpError::NotFound(_) => StatusCode::NOT_FOUND,
            OpError::Forbidden(_) => StatusCode::FORBIDDEN,
            OpError::Conflict(_) => StatusCode::CONFLICT,
            OpError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError(status, e.to_string())
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
    let authed = Router::new()
        .merge(federation::routes())
        .merge(cases::routes())
        .merge(sessions::routes());
    let authed = match &app.gateway {
        Some(gateway) => authed.merge(media::routes(gateway.clone())),
        None => authed,
    }
    .layer(middleware::from_fn_with_state(app.clone(), require_token));
    Router::new()
        .nest(
            "/api/v1",
            authed
                .merge(federation::open_routes())
                .fallback(api_not_found),
        )
        .route("/metrics", get(metrics))
        .route("/", get(ui))
        .route("/so-tiep-cong-dan", get(logbook_page))
        .route("/phien", get(session_page))
        .route("/common.js", get(common_js))
        .layer(DefaultBodyLimit::max(BODY_BYTES_MAX))
        .with_state(app)
}

async fn api_not_found() -> ApiError {
    ApiError::not_found("no such API call; see ARCHITECTURE.md, Interfaces")
}

async fn require_token(State(app): State<Arc<App>>, mut req: Request, next: Next) -> Response {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned());
    match given {
        Some(t) => match app.users.user_for(&app.site.token, &t) {
            Some(user) => {
                req.extensions_mut().insert(user);
                next.run(req).await
            }
            None => ApiError(StatusCode::UNAUTHORIZED, "unknown token".into()).into_response(),
        },
        None => ApiError(
            StatusCode::UNAUTHORIZED,
            "missing `Authorization: Bearer <token>`; the token is in DIR/operator.token".into(),
        )
        .into_response(),
    }
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

async fn ui() -> Html<&'static str> {
    Html(include_str!("ui/status.html"))
}

async fn logbook_page() -> Html<&'static str> {
    Html(include_str!("ui/logbook.html"))
}

async fn session_page() -> Html<&'static str> {
    Html(include_str!("ui/session.html"))
}

async fn common_js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("ui/common.js"),
    )
}
