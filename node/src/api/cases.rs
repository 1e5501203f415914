//! The case part of the HTTP API: receptions, cases, lifecycle events, escalation, transfer,
//! identity reveal, the log book export and the printed forms ([`documents`]).
//!
//! Owns the request shapes; the case desk (`cases::Cases`) does the work and returns typed
//! views. Everything is behind the `api::auth` middleware; the caller is in the request
//! extensions, and every write names them in its signed event.

pub mod documents;

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tiepdan_protocol::access;
use tiepdan_protocol::case::{
    self, CaseEvent, Citizen, EscalationReason, EvidenceItem, Representative,
};

use super::auth::require;
use super::{blocking, body, ApiError, ApiResult, App};
use crate::accounts::Caller;
use crate::cases::{logbook, CaseQuery, CaseView, DueCounts, ReceptionInput};
use crate::language::{Lang, Message};
use crate::site::clock::now_ms;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/receptions", post(receive))
        .route("/cases", get(list))
        .route("/cases/due", get(due))
        .route("/cases/{id}", get(show))
        .route("/cases/{id}/events", post(event))
        .route("/cases/{id}/escalate", post(escalate))
        .route("/cases/{id}/transfer", post(transfer))
        .route("/cases/{id}/identity", get(identity))
        .route("/cases/{id}/forms/01", get(documents::get_form_01))
        .route("/cases/{id}/forms/02", get(documents::get_form_02))
        .route("/logbook", get(logbook))
}

async fn receive(
    State(app): State<Arc<App>>,
    Extension(c): Extension<Caller>,
    b: Result<Json<ReceptionInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let mut input = body(b)?;
    // The receiving officer is the signed-in person unless the form names another.
    if input.officer.trim().is_empty() {
        input.officer = if c.full_name.trim().is_empty() {
            c.user.clone()
        } else {
            c.full_name.clone()
        };
    }
    let case_id = blocking(move || app.cases.receive(input, now_ms(), Some(c.actor()))).await?;
    Ok((StatusCode::CREATED, Json(json!({ "case_id": case_id }))))
}

/// `GET cases`: one page of the cases this site can see (see `CaseQuery`), as a plain array;
/// `X-Total-Count` says how many matched in all.
async fn list(
    State(app): State<Arc<App>>,
    q: Result<Query<CaseQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let Query(q) = q.map_err(|e| {
        ApiError::of(
            StatusCode::BAD_REQUEST,
            Message::new("error-query").arg("detail", e.body_text()),
        )
    })?;
    let page = app
        .cases
        .case_search(&q, now_ms())
        .map_err(|m| ApiError::of(StatusCode::BAD_REQUEST, m))?;
    Ok((
        [(
            header::HeaderName::from_static("x-total-count"),
            page.total.to_string(),
        )],
        Json(page.rows),
    )
        .into_response())
}

/// `GET cases/due`: `{near, overdue}`, the counts every page's header shows.
async fn due(State(app): State<Arc<App>>) -> Json<DueCounts> {
    Json(app.cases.due_counts(now_ms()))
}

async fn show(
    State(app): State<Arc<App>>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<CaseView>> {
    let lang = Lang::from_accept_language(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    Ok(Json(app.cases.case_view(
        &id,
        now_ms(),
        Some(c.role),
        lang,
    )?))
}

async fn event(
    State(app): State<Arc<App>>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    b: Result<Json<CaseEvent>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let ev = body(b)?;
    // One route carries an officer's work and a chair's decisions: the act decides.
    require(&c, access::case_event_action(&ev))?;
    let event_id = blocking(move || app.cases.append(&id, ev, now_ms(), Some(c.actor()))).await?;
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
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    b: Result<Json<EscalateBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let b = body(b)?;
    let event_id = blocking(move || {
        app.cases
            .escalate(&id, &b.to_site, b.reason, now_ms(), Some(c.actor()))
    })
    .await?;
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
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    b: Result<Json<TransferBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let b = body(b)?;
    let event_id = blocking(move || {
        app.cases
            .transfer(&id, &b.to_site, b.letter_no, now_ms(), Some(c.actor()))
    })
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "event_id": event_id }))))
}

/// What `GET cases/{id}/identity` shows: the citizen's fields at the top level, then what a
/// denunciation keeps inside its seal with them.
#[derive(Serialize)]
struct IdentityView {
    #[serde(flatten)]
    citizen: Citizen,
    summary: String,
    request: String,
    representatives: Vec<Representative>,
    evidence: Vec<EvidenceItem>,
}

async fn identity(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Extension(c): Extension<Caller>,
) -> ApiResult<Json<IdentityView>> {
    let d = blocking(move || {
        app.cases
            .reveal_identity(&id, c.actor(), &c.full_name, now_ms())
    })
    .await?;
    Ok(Json(IdentityView {
        citizen: d.citizen,
        summary: d.summary,
        request: d.request,
        representatives: d.representatives,
        evidence: d.evidence,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogbookQuery {
    from: Option<String>,
    to: Option<String>,
    /// One calendar year, instead of `from` and `to`.
    year: Option<i32>,
    /// `csv` (default) or `html` (the printable Form 03/TCD).
    format: Option<String>,
}

async fn logbook(
    State(app): State<Arc<App>>,
    q: Result<Query<LogbookQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let Query(q) = q.map_err(|e| {
        ApiError::of(
            StatusCode::BAD_REQUEST,
            Message::new("error-query").arg("detail", e.body_text()),
        )
    })?;
    let (from, to) = match q.year {
        Some(_) if q.from.is_some() || q.to.is_some() => {
            return Err(ApiError::of(
                StatusCode::BAD_REQUEST,
                Message::new("error-year-or-range"),
            ))
        }
        Some(y) => {
            case::Date::from_ymd(y, 1, 1)
                .map_err(|e| ApiError::of(StatusCode::BAD_REQUEST, Message::from(&e)))?;
            (Some(format!("{y:04}-01-01")), Some(format!("{y:04}-12-31")))
        }
        None => (q.from, q.to),
    };
    let rows = app
        .cases
        .logbook_rows(from.as_deref(), to.as_deref())
        .map_err(ApiError::from)?;
    Ok(match q.format.as_deref().unwrap_or("csv") {
        "csv" => (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            logbook::to_csv(&rows),
        )
            .into_response(),
        "html" => {
            // logbook_rows has checked the dates.
            let date = |d: &Option<String>| d.as_deref().and_then(|d| case::parse_date(d).ok());
            let period = documents::period(q.year, date(&from), date(&to));
            let today = case::date_from_unix_ms(now_ms());
            documents::logbook_page(&app.site.site.code, &rows, period, today)
                .map_err(documents::failed)?
                .into_response()
        }
        other => {
            return Err(ApiError::of(
                StatusCode::BAD_REQUEST,
                Message::new("error-logbook-format").arg("format", other),
            ))
        }
    })
}
