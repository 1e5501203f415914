//! The written record of a session over HTTP: the draft the chair reads, issuing the minutes
//! (biên bản) and the Thông báo kết luận, and what issuing them leaves on the session's cases.
//!
//! - `GET sessions/{id}/minutes/draft` — the facts the minutes will state (participants,
//!   timeline, recordings), drafted from the session's events;
//! - `POST sessions/{id}/minutes` `{number, content}` — signs the minutes; every linked case
//!   this site holds then gets its online hearing (its log-book line) and the recordings;
//! - `POST sessions/{id}/conclusion` `{number, content, tasks}` — signs the notice, each task
//!   then a deadline on its case (refused before anything is signed when a task's site cannot
//!   see its case).
//!
//! The raw event route refuses these two events: their facts must come from the session, not
//! from the caller.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use tiepdan_protocol::case::{date_from_unix_ms, parse_date};
use tiepdan_protocol::session::{ConclusionNotice, Minutes, NoticeTask, SessionState};

use super::super::{blocking, body, ApiResult, App};
use crate::accounts::Caller;
use crate::language::Message;
use crate::records::OpError;
use crate::site::clock::now_ms;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/sessions/{id}/minutes/draft", get(draft))
        .route("/sessions/{id}/minutes", post(issue_minutes))
        .route("/sessions/{id}/conclusion", post(issue_conclusion))
}

async fn draft(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult<Json<Minutes>> {
    blocking(move || {
        app.sessions
            .draft_minutes(&id, String::new(), String::new())
            .map(|(_, m)| Json(m))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MinutesBody {
    number: String,
    content: String,
}

async fn issue_minutes(
    State(app): State<Arc<App>>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    b: Result<Json<MinutesBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let b = body(b)?;
    blocking(move || {
        let now = now_ms();
        let state = app
            .sessions
            .issue_minutes(&id, b.number, b.content, now, Some(c.actor()))?;
        let updated = leave_on_cases(&app, &state, now, &c)?;
        Ok((
            StatusCode::CREATED,
            Json(json!({ "minutes": state.minutes, "case_events": updated })),
        ))
    })
    .await
}

/// Each linked case this site holds gets the hearing and the recordings (once).
fn leave_on_cases(
    app: &App,
    state: &SessionState,
    now_ms: u64,
    c: &Caller,
) -> Result<usize, OpError> {
    let held_on = date_from_unix_ms(
        state
            .started_at_ms
            .or(state.schedule.as_ref().map(|s| s.starts_at_ms))
            .unwrap_or(now_ms),
    );
    let session_type = state
        .schedule
        .as_ref()
        .map(|s| s.session_type)
        .unwrap_or_default();
    let recordings: Vec<[u8; 32]> = state.recordings.iter().map(|r| r.index_id).collect();
    let mut written = 0;
    for case_id in &state.linked_cases {
        written += app.cases.record_session_results(
            case_id,
            &state.session_id,
            held_on,
            session_type,
            &recordings,
            now_ms,
            Some(c.actor()),
        )?;
    }
    Ok(written)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskBody {
    case_id: String,
    to_site: String,
    task: String,
    /// `YYYY-MM-DD`.
    due: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConclusionBody {
    number: String,
    content: String,
    #[serde(default)]
    tasks: Vec<TaskBody>,
}

async fn issue_conclusion(
    State(app): State<Arc<App>>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    b: Result<Json<ConclusionBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let b = body(b)?;
    blocking(move || {
        let mut tasks = Vec::new();
        for t in b.tasks {
            let due = parse_date(&t.due).map_err(|e| OpError::BadInput(Message::from(&e)))?;
            tasks.push(NoticeTask {
                case_id: t.case_id,
                to_site: t.to_site,
                task: t.task,
                due,
            });
        }
        // A task goes to a site that can see its case; checked before the notice is signed.
        for t in &tasks {
            let audience = app.cases.audience_of(&t.case_id)?;
            if !audience.contains(&t.to_site) {
                return Err(OpError::Conflict(
                    Message::new("error-task-outside-audience")
                        .arg("site", app.cases.site.site_name(&t.to_site))
                        .arg("case", &t.case_id),
                ));
            }
        }
        let notice = ConclusionNotice {
            number: b.number,
            content: b.content,
            tasks,
        };
        let now = now_ms();
        let state = app
            .sessions
            .issue_conclusion(&id, notice.clone(), now, Some(c.actor()))?;
        let mut assigned = 0;
        for t in &notice.tasks {
            if app
                .cases
                .assign(&state.session_id, &notice.number, t, now, Some(c.actor()))?
            {
                assigned += 1;
            }
        }
        Ok((
            StatusCode::CREATED,
            Json(json!({ "conclusion": state.conclusion, "tasks_assigned": assigned })),
        ))
    })
    .await
    .map_err(|e| {
        if e.message.id == "error-task-outside-audience" {
            e.code("task_outside_audience")
        } else {
            e
        }
    })
}
