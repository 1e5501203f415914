//! The case part of the HTTP API: receptions, cases, lifecycle events, escalation, transfer,
//! identity reveal, the log book export and API users.
//!
//! Owns the mapping of `casework` errors to status codes and the request shapes. Everything is
//! behind the token middleware of `http.rs`; the caller's `User` is in the request extensions.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use tiepdan_protocol::case::{CaseEvent, EscalationReason};

use crate::casework::{CaseFilter, CaseOpError, ReceptionInput};
use crate::http::{body, ApiError, ApiResult};
use crate::node::Node;
use crate::store::User;

impl From<CaseOpError> for ApiError {
    fn from(e: CaseOpError) -> Self {
        let status = match &e {
            CaseOpError::BadInput(_) => StatusCode::UNPROCESSABLE_ENTITY,
            CaseOpError::NotFound(_) => StatusCode::NOT_FOUND,
            CaseOpError::Forbidden(_) => StatusCode::FORBIDDEN,
            CaseOpError::Conflict(_) => StatusCode::CONFLICT,
            CaseOpError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError(status, e.to_string())
    }
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

pub fn routes() -> Router<Arc<Node>> {
    Router::new()
        .route("/receptions", post(receive))
        .route("/cases", get(list))
        .route("/cases/{id}", get(show))
        .route("/cases/{id}/events", post(event))
        .route("/cases/{id}/escalate", post(escalate))
        .route("/cases/{id}/transfer", post(transfer))
        .route("/cases/{id}/identity", get(identity))
        .route("/logbook", get(logbook))
        .route("/users", post(add_user))
}

/// Case writes sign and fsync: run them off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, CaseOpError> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::from)
}

async fn receive(
    State(node): State<Arc<Node>>,
    b: Result<Json<ReceptionInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let input = body(b)?;
    let case_id = blocking(move || node.receive(input, now_ms())).await?;
    Ok((StatusCode::CREATED, Json(json!({ "case_id": case_id }))))
}

async fn list(
    State(node): State<Arc<Node>>,
    q: Result<Query<CaseFilter>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    let Query(filter) =
        q.map_err(|e| ApiError::bad(format!("invalid filter: {}", e.body_text())))?;
    Ok(Json(Value::Array(node.case_list(&filter, now_ms()))))
}

async fn show(State(node): State<Arc<Node>>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(node.case_view(&id, now_ms())?))
}

async fn event(
    State(node): State<Arc<Node>>,
    Path(id): Path<String>,
    b: Result<Json<CaseEvent>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let ev = body(b)?;
    let event_id = blocking(move || node.append(&id, ev, now_ms())).await?;
    Ok((StatusCode::CREATED, Json(json!({ "event_id": event_id }))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EscalateBody {
    to_site: String,
    #[serde(default)]
    reason: Option<EscalationReason>,
}

async fn escalate(
    State(node): State<Arc<Node>>,
    Path(id): Path<String>,
    b: Result<Json<EscalateBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let b = body(b)?;
    let event_id = blocking(move || node.escalate(&id, &b.to_site, b.reason, now_ms())).await?;
    Ok((StatusCode::CREATED, Json(json!({ "event_id": event_id }))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TransferBody {
    to_site: String,
    #[serde(default)]
    letter_no: String,
}

async fn transfer(
    State(node): State<Arc<Node>>,
    Path(id): Path<String>,
    b: Result<Json<TransferBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let b = body(b)?;
    let event_id = blocking(move || node.transfer(&id, &b.to_site, b.letter_no, now_ms())).await?;
    Ok((StatusCode::CREATED, Json(json!({ "event_id": event_id }))))
}

async fn identity(
    State(node): State<Arc<Node>>,
    Path(id): Path<String>,
    Extension(user): Extension<User>,
) -> ApiResult<Json<Value>> {
    let v = blocking(move || node.reveal_identity(&id, &user.name, &user.role, now_ms())).await?;
    Ok(Json(v))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogbookQuery {
    from: Option<String>,
    to: Option<String>,
    /// `csv` (default) or `html` (printable Form 03/TCD).
    format: Option<String>,
}

async fn logbook(
    State(node): State<Arc<Node>>,
    q: Result<Query<LogbookQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let Query(q) = q.map_err(|e| ApiError::bad(format!("invalid query: {}", e.body_text())))?;
    let rows = node
        .logbook_rows(q.from.as_deref(), q.to.as_deref())
        .map_err(ApiError::from)?;
    Ok(match q.format.as_deref().unwrap_or("csv") {
        "csv" => (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            crate::logbook::to_csv(&rows),
        )
            .into_response(),
        "html" => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            crate::logbook::to_html(&node.site.name, &rows),
        )
            .into_response(),
        other => return Err(ApiError::bad(format!("format {other:?}: use csv or html"))),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserBody {
    name: String,
    role: String,
}

async fn add_user(
    State(node): State<Arc<Node>>,
    Extension(caller): Extension<User>,
    b: Result<Json<UserBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    if caller.role != "operator" {
        return Err(ApiError(
            StatusCode::FORBIDDEN,
            "only the operator adds users".into(),
        ));
    }
    let b = body(b)?;
    let token = crate::admin::add_user_to(&node.store, &node.users, &b.name, &b.role)
        .map_err(ApiError::bad)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "name": b.name, "role": b.role, "token": token })),
    ))
}
