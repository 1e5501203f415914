//! The session part of the HTTP API: schedule online reception sessions, list and show them
//! (with the legal timeline warnings), and record what happens in them.
//!
//! Errors map like the case API's (`CaseOpError`); the request shapes are `sessionwork`'s and
//! the protocol's `SessionEvent` (externally tagged JSON, e.g. `{"floor_granted": {...}}`).

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tiepdan_protocol::session::SessionEvent;

use crate::http::{body, ApiError, ApiResult};
use crate::http_cases::now_ms;
use crate::node::Node;
use crate::sessionwork::ScheduleInput;

pub fn routes() -> Router<Arc<Node>> {
    Router::new()
        .route("/sessions", get(list).post(schedule))
        .route("/sessions/{id}", get(show))
        .route("/sessions/{id}/events", post(event))
}

async fn schedule(State(node): State<Arc<Node>>, b: Result<Json<ScheduleInput>, JsonRejection>) -> ApiResult<(StatusCode, Json<Value>)> {
    let input = body(b)?;
    let id = tokio::task::spawn_blocking(move || node.schedule_session(input, now_ms())).await.map_err(ApiError::internal)??;
    Ok((StatusCode::CREATED, Json(json!({ "session_id": id }))))
}

async fn list(State(node): State<Arc<Node>>) -> Json<Value> {
    Json(Value::Array(node.session_list(now_ms())))
}

async fn show(State(node): State<Arc<Node>>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(node.session_view(&id, now_ms())?))
}

async fn event(State(node): State<Arc<Node>>, Path(id): Path<String>, b: Result<Json<SessionEvent>, JsonRejection>) -> ApiResult<(StatusCode, Json<Value>)> {
    let ev = body(b)?;
    let event_id = tokio::task::spawn_blocking(move || node.session_act(&id, ev, now_ms())).await.map_err(ApiError::internal)??;
    Ok((StatusCode::CREATED, Json(json!({ "event_id": event_id }))))
}
