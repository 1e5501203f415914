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
//! - `GET sessions/{id}/minutes` — both, print-ready A4 (`forms/minutes.html`).
//!
//! The raw event route refuses these two events: their facts must come from the session, not
//! from the caller.

use std::sync::Arc;

use askama::Template;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use tiepdan_protocol::case::{date_from_unix_ms, parse_date};
use tiepdan_protocol::session::{
    ConclusionNotice, Minutes, MinutesMoment, NoticeTask, SessionState,
};

use super::super::cases::documents::{failed, render, Letterhead, Page};
use super::super::ApiError;

use super::super::{blocking, body, ApiResult, App};
use crate::accounts::Caller;
use crate::cases::SessionResults;
use crate::language::Message;
use crate::records::OpError;
use crate::site::clock::now_ms;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/sessions/{id}/minutes/draft", get(draft))
        .route("/sessions/{id}/minutes", get(print).post(issue_minutes))
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
    let results = SessionResults {
        session_id: &state.session_id,
        held_on,
        session_type,
        recordings: &recordings,
    };
    let mut written = 0;
    for case_id in &state.linked_cases {
        written += app
            .cases
            .record_session_results(case_id, &results, now_ms, Some(c.actor()))?;
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

/// The minutes as the page prints them.
struct PrintedMinutes {
    title: String,
    number: String,
    session_type: &'static str,
    started: String,
    ended: String,
    chair_point: String,
    points: String,
    cases: String,
    participants: Vec<PrintedParticipant>,
    timeline: Vec<PrintedLine>,
    content: Vec<String>,
    recordings: Vec<PrintedRecording>,
}

struct PrintedParticipant {
    point: String,
    name: String,
    role: &'static str,
    check: String,
}

struct PrintedLine {
    at: String,
    point: String,
    what: String,
}

struct PrintedRecording {
    site: String,
    index_id: String,
}

struct PrintedNotice {
    number: String,
    content: Vec<String>,
    tasks: Vec<PrintedTask>,
}

struct PrintedTask {
    site: String,
    case_id: String,
    task: String,
    due: String,
}

#[derive(Template)]
#[template(path = "forms/minutes.html")]
struct MinutesPage {
    doc: Letterhead,
    m: PrintedMinutes,
    notice: Option<PrintedNotice>,
}

/// "08:30 ngày 28/12/2026", Vietnam time.
fn at_vn(ms: u64) -> String {
    let d = date_from_unix_ms(ms);
    let minutes = (ms / 60_000 + 7 * 60) % (24 * 60);
    format!(
        "{:02}:{:02} ngày {:02}/{:02}/{}",
        minutes / 60,
        minutes % 60,
        d.day(),
        d.month(),
        d.year()
    )
}

fn paragraphs(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `GET sessions/{id}/minutes`: the minutes in force and the notice, if issued; 409
/// `no_minutes` before the chair issued them.
async fn print(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult<Page> {
    let state = blocking({
        let app = app.clone();
        move || {
            app.sessions
                .draft_minutes(&id, String::new(), String::new())
                .map(|(s, _)| s)
        }
    })
    .await?;
    let Some(minutes) = &state.minutes else {
        return Err(ApiError::of(
            StatusCode::CONFLICT,
            Message::new("error-no-minutes").arg("session", &state.session_id),
        )
        .code("no_minutes"));
    };
    let site = |code: &str| format!("{} ({code})", app.sessions.site.site_name(code));
    let Some(schedule) = &state.schedule else {
        return Err(ApiError::internal("a session with minutes has no schedule"));
    };
    let name_or = |ms: Option<u64>| ms.map_or_else(|| "—".to_owned(), at_vn);
    let moment = |m: MinutesMoment, who: &str| match m {
        MinutesMoment::Started => "Bắt đầu phiên tiếp".to_owned(),
        MinutesMoment::Ended => "Kết thúc phiên tiếp".to_owned(),
        MinutesMoment::PointConnected => "Điểm cầu kết nối".to_owned(),
        MinutesMoment::PointDisconnected => "Điểm cầu mất kết nối".to_owned(),
        MinutesMoment::FloorGranted => format!("Trao quyền phát biểu cho {who}"),
        MinutesMoment::FloorRevoked => format!("Kết thúc lượt phát biểu của {who}"),
    };
    let m = PrintedMinutes {
        title: schedule.title.clone(),
        number: minutes.number.clone(),
        session_type: tiepdan_protocol::session::session_type_vi(schedule.session_type),
        started: name_or(state.started_at_ms),
        ended: name_or(state.ended_at_ms),
        chair_point: site(&schedule.chair_site),
        points: schedule
            .points
            .iter()
            .map(|p| site(p))
            .collect::<Vec<_>>()
            .join("; "),
        cases: state
            .linked_cases
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join(", "),
        participants: minutes
            .participants
            .iter()
            .map(|p| PrintedParticipant {
                point: site(&p.point),
                name: p.display_name.clone(),
                role: p.role.label_vi(),
                check: format!(
                    "{}: {}{}",
                    p.identity_check.document.label_vi(),
                    p.identity_check.result.label_vi(),
                    if p.identity_check.checked_by.is_empty() {
                        String::new()
                    } else {
                        format!(" (người kiểm tra: {})", p.identity_check.checked_by)
                    }
                ),
            })
            .collect(),
        timeline: minutes
            .timeline
            .iter()
            .map(|l| PrintedLine {
                at: if l.at_ms == 0 {
                    String::new()
                } else {
                    at_vn(l.at_ms)
                },
                point: site(&l.point),
                what: moment(l.moment, &l.who),
            })
            .collect(),
        content: paragraphs(&minutes.content),
        recordings: minutes
            .recordings
            .iter()
            .map(|r| PrintedRecording {
                site: site(&r.site),
                index_id: hex::encode(r.index_id),
            })
            .collect(),
    };
    let notice = state.conclusion.as_ref().map(|n| PrintedNotice {
        number: n.number.clone(),
        content: paragraphs(&n.content),
        tasks: n
            .tasks
            .iter()
            .map(|t| PrintedTask {
                site: site(&t.to_site),
                case_id: t.case_id.clone(),
                task: t.task.clone(),
                due: format!("{:02}/{:02}/{}", t.due.day(), t.due.month(), t.due.year()),
            })
            .collect(),
    });
    let dated = date_from_unix_ms(state.ended_at_ms.unwrap_or(schedule.starts_at_ms));
    let mut doc = Letterhead::new(
        &schedule.chair_site,
        "",
        format!(
            "Biên bản phiên tiếp công dân trực tuyến — {}",
            schedule.title
        ),
        dated,
    );
    doc.note = "Biên bản và Thông báo kết luận lập từ dữ liệu đã ký số của phiên.".to_owned();
    let nonce = doc.nonce.clone();
    render(&MinutesPage { doc, m, notice }, nonce).map_err(failed)
}
