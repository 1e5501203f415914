//! The session part of the HTTP API: schedule online reception sessions, list and show them
//! (with the legal timeline warnings), and record what happens in them.
//!
//! Errors map like the case API's (`OpError`); the request shapes are `sessions`' and
//! the protocol's `SessionEvent` (externally tagged JSON, e.g. `{"floor_granted": {...}}`).

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Serialize;
use serde_json::{json, Value};
use tiepdan_protocol::access::{self, Role};
use tiepdan_protocol::media::NextHop;
use tiepdan_protocol::session::{IdentityCheckResult, Role as SessionRole, SessionEvent};

use super::auth::require;
use super::{body, ApiError, ApiResult, App};
use crate::accounts::Caller;
use crate::language::Message;
use crate::recording::PublisherRecording;
use crate::sessions::media::PublisherEntry;
use crate::sessions::mesh::StreamStats;
use crate::sessions::{ScheduleInput, SessionSummary, SessionView};
use crate::site::clock::now_ms;
use crate::upload::Progress;

mod minutes;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .merge(minutes::routes())
        .route("/sessions", get(list).post(schedule))
        .route("/sessions/{id}", get(show))
        .route("/sessions/{id}/events", post(event))
        .route("/sessions/{id}/test-signal", post(test_signal))
        .route("/sessions/{id}/media", get(media))
        .route("/sessions/{id}/recordings", get(recordings))
        .route("/sessions/{id}/publishers", get(publishers))
        .route("/sites", get(sites))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SitesQuery {
    /// Whose children to list; this site's by default.
    under: Option<String>,
}

/// A site the page can pick as a bridge point.
#[derive(Debug, Serialize)]
struct SiteEntry {
    code: String,
    name: String,
    level: &'static str,
    /// Its chain verified here: it is in the federation and this site can reach it.
    joined: bool,
}

/// `GET sites?under=CODE`: the sites directly under `under` (this site by default) in the
/// official list, then this site's parent, for picking a session's bridge points.
async fn sites(
    State(app): State<Arc<App>>,
    q: Result<axum::extract::Query<SitesQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    let axum::extract::Query(q) = q.map_err(|e| {
        ApiError::of(
            StatusCode::BAD_REQUEST,
            Message::new("error-query").arg("detail", e.body_text()),
        )
    })?;
    let registry = app.site.registry();
    let own = app.site.site.code.clone();
    let under = q.under.unwrap_or_else(|| own.clone());
    if registry.get(&under).is_err() {
        return Err(ApiError::of(
            StatusCode::BAD_REQUEST,
            Message::new("error-site-unknown-code").arg("code", under.as_str()),
        ));
    }
    let joined: std::collections::BTreeSet<String> =
        app.records.held().site_keys.keys().cloned().collect();
    let entry = |code: &str| {
        registry.get(code).ok().map(|s| SiteEntry {
            code: s.code.clone(),
            name: s.name.clone(),
            level: s.level.as_str(),
            joined: joined.contains(&s.code),
        })
    };
    let mut list: Vec<SiteEntry> = registry
        .children(&under)
        .iter()
        .filter_map(|c| entry(c))
        .collect();
    if let Some(parent) = registry.parent(&own).and_then(entry) {
        if parent.code != under && !list.iter().any(|s| s.code == parent.code) {
            list.push(parent);
        }
    }
    list.retain(|s| s.code != own);
    Ok(Json(json!({ "site": own, "under": under, "sites": list })))
}

async fn schedule(
    State(app): State<Arc<App>>,
    Extension(c): Extension<Caller>,
    b: Result<Json<ScheduleInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let input = body(b)?;
    let id = tokio::task::spawn_blocking(move || {
        app.sessions
            .schedule_session(input, now_ms(), Some(c.actor()))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(art20_code)?;
    Ok((StatusCode::CREATED, Json(json!({ "session_id": id }))))
}

async fn list(State(app): State<Arc<App>>) -> Json<Vec<SessionSummary>> {
    Json(app.sessions.session_list(now_ms()))
}

async fn show(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult<Json<SessionView>> {
    Ok(Json(app.sessions.session_view(&id, now_ms())?))
}

async fn event(
    State(app): State<Arc<App>>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    b: Result<Json<SessionEvent>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let mut ev = body(b)?;
    require(&c, access::session_event_action(&ev))?;
    // The minutes' facts come from the session: they are issued through their own routes.
    if matches!(
        ev,
        SessionEvent::MinutesIssued { .. } | SessionEvent::ConclusionIssued { .. }
    ) {
        return Err(ApiError::of(
            StatusCode::BAD_REQUEST,
            Message::new("error-session-record-route").arg("session", &id),
        )
        .code("use_record_route"));
    }
    check_own_acts(&c, &mut ev)?;
    let event_id = tokio::task::spawn_blocking(move || {
        app.sessions.session_act(&id, ev, now_ms(), Some(c.actor()))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(art20_code)?;
    Ok((StatusCode::CREATED, Json(json!({ "event_id": event_id }))))
}

/// The NĐ 154/2026 Art 20 refusals keep a stable code of their own.
fn art20_code(e: crate::records::OpError) -> ApiError {
    let e = ApiError::from(e);
    match e.message.id {
        "error-session-protected-denunciation" => e.code("protected_denunciation"),
        "error-session-category-not-for-kind" => e.code("category_not_for_kind"),
        "error-session-category-missing" => e.code("category_missing"),
        _ => e,
    }
}

/// A pass holder acts only as itself: its own point, participant id, role and name. Only a
/// chair joins the room as its chair.
///
/// Nobody vouches for their own identity: a pass holder's join carries the check the issuing
/// officer recorded on the pass; a signed-in official who joins as themself is proved by the
/// account ([`IdentityCheckResult::Account`]); an official who joins someone else (a citizen
/// at the point) is named as the one who checked, whatever the body says.
fn check_own_acts(c: &Caller, ev: &mut SessionEvent) -> ApiResult<()> {
    let outside =
        || ApiError::of(StatusCode::FORBIDDEN, Message::new("error-pass-acts")).code("pass_scope");
    let Some(pass) = &c.pass else {
        if let SessionEvent::ParticipantJoined {
            role,
            participant_id,
            identity_check,
            ..
        } = ev
        {
            let as_self = *participant_id == c.participant_id();
            if *role == SessionRole::Chair && (c.role != Role::Chair || !as_self) {
                return Err(ApiError::of(
                    StatusCode::FORBIDDEN,
                    Message::new("error-not-the-chair"),
                )
                .code("not_the_chair"));
            }
            identity_check.checked_by = c.full_name.chars().take(128).collect();
            if as_self {
                identity_check.result = IdentityCheckResult::Account;
            } else if identity_check.result == IdentityCheckResult::Account {
                return Err(ApiError::of(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Message::new("error-identity-account-of-other"),
                )
                .code("identity_account"));
            }
        }
        return Ok(());
    };
    // The matrix lets a pass only its own acts (joining, leaving, a hand): each names one
    // participant, which must be the pass's.
    if ev.participant() != Some((pass.point.as_str(), pass.participant_id.as_str())) {
        return Err(outside());
    }
    if let SessionEvent::ParticipantJoined {
        display_name,
        role,
        identity_check,
        ..
    } = ev
    {
        if *role != pass.role {
            return Err(outside());
        }
        display_name.clone_from(&pass.display_name);
        identity_check.clone_from(&pass.identity_check);
    }
    Ok(())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TestSignalBody {
    #[serde(default = "default_publisher")]
    publisher_id: String,
    #[serde(default = "default_seconds")]
    seconds: u64,
}

fn default_publisher() -> String {
    "test-signal".into()
}

fn default_seconds() -> u64 {
    30
}

/// Most seconds one test signal runs.
const TEST_SIGNAL_MAX_S: u64 = 3600;

/// Starts the built-in test signal from this site into the session (the test connection).
async fn test_signal(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    b: Result<Json<TestSignalBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let b = body(b)?;
    app.sessions.session_view(&id, now_ms())?;
    if b.seconds == 0 || b.seconds > TEST_SIGNAL_MAX_S {
        return Err(ApiError::of(
            StatusCode::BAD_REQUEST,
            Message::new("error-test-signal-seconds").arg("max", TEST_SIGNAL_MAX_S),
        ));
    }
    if b.publisher_id.is_empty()
        || b.publisher_id.len() > 64
        || !b.publisher_id.bytes().all(|c| c.is_ascii_graphic())
    {
        return Err(ApiError::of(
            StatusCode::BAD_REQUEST,
            Message::new("error-publisher-id"),
        ));
    }
    app.mesh.media_test_signal(&id, &b.publisher_id, b.seconds);
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "session_id": id, "publisher_id": b.publisher_id, "seconds": b.seconds })),
    ))
}

/// `GET sessions/{id}/media`.
#[derive(Debug, Serialize)]
struct MediaView {
    session_id: String,
    streams: Vec<StreamView>,
    routes: Vec<RouteView>,
}

/// One publisher's stream as received here.
#[derive(Debug, Serialize)]
struct StreamView {
    origin: String,
    publisher_id: String,
    stats: StreamStats,
}

/// How this site reaches a point now.
#[derive(Debug, Serialize)]
struct RouteView {
    to: String,
    direct: bool,
    via: Option<String>,
}

/// What media this site receives in the session, and the route it uses to each point.
async fn media(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult<Json<MediaView>> {
    let view = app.sessions.session_view(&id, now_ms())?;
    let streams = app
        .mesh
        .stats(&id)
        .into_iter()
        .map(|(origin, publisher_id, stats)| StreamView {
            origin,
            publisher_id,
            stats,
        })
        .collect();
    let routes = view
        .points
        .iter()
        .filter(|p| p.site != app.site.site.code)
        .map(|p| {
            let hop = app.mesh.route_to(&p.site);
            RouteView {
                to: p.site.clone(),
                direct: matches!(hop, NextHop::Direct(_)),
                via: hop.site().map(str::to_owned),
            }
        })
        .collect();
    Ok(Json(MediaView {
        session_id: id,
        streams,
        routes,
    }))
}

/// `GET sessions/{id}/recordings`.
#[derive(Debug, Serialize)]
struct RecordingsView {
    session_id: String,
    site: String,
    recordings: Vec<PublisherRecording>,
    uploads: Vec<UploadView>,
}

/// One file this site sends, to one target.
#[derive(Debug, Serialize)]
struct UploadView {
    to: String,
    path: String,
    progress: Progress,
}

/// The session's recordings held at this site (its own publishers, sealed or still open; at
/// the hub and central every point's segments; everywhere in the audience every point's
/// signed index, `segments_held` saying how many of the listed segments are here), and the
/// progress of this site's uploads (segments to the hub and central, indexes to the audience).
async fn recordings(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> ApiResult<Json<RecordingsView>> {
    app.sessions.session_view(&id, now_ms())?;
    let (root, sid) = (app.site.data.root().to_path_buf(), id.clone());
    let recordings =
        tokio::task::spawn_blocking(move || crate::recording::list_session(&root, &sid))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)?;
    let uploads = app
        .uploads
        .sending
        .of_session(&id)
        .into_iter()
        .map(|(to, path, progress)| UploadView { to, path, progress })
        .collect();
    Ok(Json(RecordingsView {
        session_id: id,
        site: app.site.site.code.clone(),
        recordings,
        uploads,
    }))
}

/// `GET sessions/{id}/publishers`.
#[derive(Debug, Serialize)]
struct PublishersView {
    session_id: String,
    site: String,
    media_available: bool,
    publishers: Vec<PublisherEntry>,
}

/// Who publishes in the session as this site's gateway sees them: its own WHIP publishers
/// (`local`) and the other points' participants whose media arrives here (`remote`).
async fn publishers(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> ApiResult<Json<PublishersView>> {
    app.sessions.session_view(&id, now_ms())?;
    let publishers = app
        .gateway
        .as_ref()
        .map(|g| g.publishers(&id))
        .unwrap_or_default();
    Ok(Json(PublishersView {
        session_id: id,
        site: app.site.site.code.clone(),
        media_available: app.gateway.is_some(),
        publishers,
    }))
}
