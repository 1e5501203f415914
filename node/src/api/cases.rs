//! The case part of the HTTP API: receptions, cases, lifecycle events, escalation, transfer,
//! identity reveal, the log book export and API users.
//!
//! Owns the request shapes; the case desk (`cases::Cases`) does the work and returns typed
//! views. Everything is behind the token middleware of `api`; the caller's `User` is in the
//! request extensions.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use tiepdan_protocol::case::{CaseEvent, Citizen, EscalationReason};

use super::{blocking, body, ApiError, ApiResult, App};
use crate::cases::{logbook, CaseFilter, CaseSummary, CaseView, ReceptionInput};
use crate::site::clock::now_ms;
use crate::site::store::User;

pub fn routes() -> Router<Arc<App>> {
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

async fn receive(
    State(app): State<Arc<App>>,
    b: Result<Json<ReceptionInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let input = body(b)?;
    let case_id = blocking(move || app.cases.receive(input, now_ms())).await?;
    Ok((StatusCode::CREATED, Json(json!({ "case_id": case_id }))))
}

async fn list(
    State(app): State<Arc<App>>,
    q: Result<Query<CaseFilter>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Vec<CaseSummary>>> {
    let Query(filter) =
        q.map_err(|e| ApiError::bad(format!("invalid filter: {}", e.body_text())))?;
    Ok(Json(app.cases.case_list(&filter, now_ms())))
}

async fn show(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult<Json<CaseView>> {
    Ok(Json(app.cases.case_view(&id, now_ms())?))
}

async fn event(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    b: Result<Json<CaseEvent>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let ev = body(b)?;
    let event_id = blocking(move || app.cases.append(&id, ev, now_ms())).await?;
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
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    b: Result<Json<EscalateBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let b = body(b)?;
    let event_id =
        blocking(move || app.cases.escalate(&id, &b.to_site, b.reason, now_ms())).await?;
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
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    b: Result<Json<TransferBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let b = body(b)?;
    let event_id =
        blocking(move || app.cases.transfer(&id, &b.to_site, b.letter_no, now_ms())).await?;
    Ok((StatusCode::CREATED, Json(json!({ "event_id": event_id }))))
}

async fn identity(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Extension(user): Extension<User>,
) -> ApiResult<Json<Citizen>> {
    let v = blocking(move || {
        app.cases
            .reveal_identity(&id, &user.name, &user.role, now_ms())
    })
    .await?;
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
    State(app): State<Arc<App>>,
    q: Result<Query<LogbookQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let Query(q) = q.map_err(|e| ApiError::bad(format!("invalid query: {}", e.body_text())))?;
    let rows = app
        .cases
        .logbook_rows(q.from.as_deref(), q.to.as_deref())
        .map_err(ApiError::from)?;
    Ok(match q.format.as_deref().unwrap_or("csv") {
        "csv" => (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            logbook::to_csv(&rows),
        )
            .into_response(),
        "html" => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            logbook::to_html(&app.site.site.name, &rows),
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
    State(app): State<Arc<App>>,
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
    let token = app
        .users
        .add(&app.site.store, &b.name, &b.role)
        .map_err(ApiError::bad)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "name": b.name, "role": b.role, "token": token })),
    ))
}
