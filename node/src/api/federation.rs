//! The federation part of the HTTP API: the site's status and peers, the online join (parent
//! side), certificates, revocations, central's holiday calendars and the operator's link test.
//!
//! Parses requests, calls `federation` and serializes its views; the join workflow's rules live
//! in `federation::join`, the link test in `federation::link_test`.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use super::{body, ApiError, ApiResult, App};
use crate::federation::calendars::PublishError;
use crate::federation::join::{Collected, JoinError, JoinView};
use crate::federation::link_test::{self, LinkTestError, LinkTestResult};
use crate::federation::{pki, PeerView, RevocationPath};
use crate::language::Message;
use crate::site::clock::now_ms;
use crate::site::lock::UnpoisonedRw;

/// The calls behind the token.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/status", get(status))
        .route("/peers", get(peers))
        .route("/join-requests", get(list_join_requests))
        .route("/join-requests/{id}/approve", post(approve_join))
        .route("/join-requests/{id}/reject", post(reject_join))
        .route("/certificates", post(issue_certificate))
        .route("/revocations", get(list_revocations).post(revoke))
        .route("/calendars", get(list_calendars).post(publish_calendar))
        .route("/peers/{site}/link-test", post(link_test))
}

/// The two calls a joining site makes before it has a token.
pub fn open_routes() -> Router<Arc<App>> {
    Router::new()
        .route("/join-requests", post(submit_join))
        .route("/join-requests/{id}/chain", get(collect_chain))
}

/// Join requests one address may submit per minute.
pub const JOINS_PER_MINUTE: u32 = 10;
/// Addresses remembered; beyond it, windows that ended are forgotten first.
const JOIN_ADDRESSES_MAX: usize = 10_000;

/// The open join endpoint's per-address limit: a fixed one-minute window per address.
#[derive(Default)]
pub struct JoinRate {
    windows: Mutex<HashMap<IpAddr, (u64, u32)>>,
}

impl JoinRate {
    /// Whether `addr` may submit one more request at `now_ms`.
    pub fn admit(&self, addr: IpAddr, now_ms: u64) -> bool {
        use crate::site::lock::Unpoisoned;
        let mut w = self.windows.locked();
        if w.len() >= JOIN_ADDRESSES_MAX {
            w.retain(|_, (start, _)| now_ms < *start + 60_000);
            if w.len() >= JOIN_ADDRESSES_MAX {
                return false;
            }
        }
        let (start, count) = w.entry(addr).or_insert((now_ms, 0));
        if now_ms >= *start + 60_000 {
            (*start, *count) = (now_ms, 0);
        }
        *count += 1;
        *count <= JOINS_PER_MINUTE
    }
}

impl From<JoinError> for ApiError {
    fn from(e: JoinError) -> Self {
        let status = match &e {
            JoinError::BadRequest(_) => StatusCode::BAD_REQUEST,
            JoinError::NotHere(_) | JoinError::WrongSecret | JoinError::Rejected => {
                StatusCode::FORBIDDEN
            }
            JoinError::NotFound(_) => StatusCode::NOT_FOUND,
            JoinError::Decided { .. } => StatusCode::CONFLICT,
            JoinError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            JoinError::AlreadyCertified { .. } => StatusCode::CONFLICT,
            JoinError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let code = match &e {
            JoinError::TooMany(_) => "too_many_join_requests",
            JoinError::AlreadyCertified { .. } => "already_certified",
            _ => "",
        };
        let err = ApiError::of(status, Message::from(&e));
        if code.is_empty() {
            err
        } else {
            err.code(code)
        }
    }
}

/// `GET status`.
#[derive(Debug, Serialize)]
struct StatusView {
    site: String,
    name: String,
    level: &'static str,
    parent: Option<String>,
    peer_id: String,
    addresses: Addresses,
    cert_expires_at: u64,
    cert_expires_in_days: i64,
    uptime_ms: u64,
    parent_connected_after_ms: Option<u64>,
    version: &'static str,
    web: WebView,
}

/// How the site's PCs reach the web UI, and the web CA they install (RUNBOOK).
#[derive(Debug, Serialize)]
struct WebView {
    https: bool,
    url: Option<String>,
    /// SHA-256 of `DIR/web/ca.pem`, to read out before installing it.
    ca_fingerprint: Option<String>,
}

#[derive(Debug, Serialize)]
struct Addresses {
    quic: Option<String>,
    p2p: Option<Vec<String>>,
    http: Option<String>,
    media: Option<String>,
}

async fn status(State(app): State<Arc<App>>) -> Json<StatusView> {
    let site = &app.site;
    let b = site.bound.get();
    Json(StatusView {
        site: site.site.code.clone(),
        name: site.site.name.clone(),
        level: site.site.level.as_str(),
        parent: site.site.parent.clone(),
        peer_id: site.peer_id.clone(),
        addresses: Addresses {
            quic: b.map(|b| b.quic.to_string()),
            p2p: b.map(|b| app.federation.p2p_advertised(b)),
            http: b.map(|b| b.http.to_string()),
            media: app.gateway.as_ref().map(|g| g.local_addr().to_string()),
        },
        cert_expires_at: site.cert_not_after,
        cert_expires_in_days: site.cert_expiry_in() / 86_400,
        uptime_ms: site.started.elapsed().as_millis() as u64,
        parent_connected_after_ms: app.federation.parent_connected_after_ms.get().copied(),
        version: env!("CARGO_PKG_VERSION"),
        web: WebView {
            https: app.https,
            url: b.map(|b| format!("{}://{}/", if b.tls { "https" } else { "http" }, b.http)),
            ca_fingerprint: crate::api::tls::ca_fingerprint(&site.data),
        },
    })
}

async fn peers(State(app): State<Arc<App>>) -> Json<Vec<PeerView>> {
    Json(app.federation.peers())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitJoin {
    request_pem: String,
    /// Chosen by the child; it must present it again to collect its chain.
    secret: String,
}

async fn submit_join(
    State(app): State<Arc<App>>,
    ConnectInfo(addr): ConnectInfo<std::net::SocketAddr>,
    b: Result<Json<SubmitJoin>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    // Open to anyone: a few per address and minute, before anything is parsed or stored.
    if !app.join_rate.admit(addr.ip(), now_ms()) {
        // Counted by `auth::authorize`, as every refusal (`throttled`).
        return Err(ApiError::of(
            StatusCode::TOO_MANY_REQUESTS,
            Message::new("error-join-rate"),
        )
        .code("throttled"));
    }
    let b = body(b)?;
    let rec = app.federation.submit_join(b.request_pem, &b.secret)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": rec.id, "state": rec.state })),
    ))
}

async fn list_join_requests(State(app): State<Arc<App>>) -> ApiResult<Json<Vec<JoinView>>> {
    Ok(Json(app.federation.join_requests()?))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ApproveBody {
    days: Option<u32>,
    /// The site's node was replaced: issue although it holds a valid certificate.
    #[serde(default)]
    replacement: bool,
}

async fn approve_join(
    State(app): State<Arc<App>>,
    Path(id): Path<u64>,
    b: Option<Json<ApproveBody>>,
) -> ApiResult<Json<JoinView>> {
    let b = b.map(|Json(b)| b).unwrap_or_default();
    Ok(Json(app.federation.approve_join(
        id,
        b.days,
        b.replacement,
    )?))
}

async fn reject_join(
    State(app): State<Arc<App>>,
    Path(id): Path<u64>,
) -> ApiResult<Json<JoinView>> {
    Ok(Json(app.federation.reject_join(id)?))
}

/// The header a joining site proves it made the request with (the secret it chose). Not the
/// query string, which proxies and access logs keep.
pub const JOIN_SECRET_HEADER: &str = "x-tiepdan-join-secret";

async fn collect_chain(
    State(app): State<Arc<App>>,
    Path(id): Path<u64>,
    headers: axum::http::HeaderMap,
) -> ApiResult<Response> {
    let secret = headers
        .get(JOIN_SECRET_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::of(
                StatusCode::BAD_REQUEST,
                Message::new("error-join-secret-header").arg("header", JOIN_SECRET_HEADER),
            )
        })?;
    Ok(match app.federation.collect_chain(id, secret)? {
        Collected::Approved {
            chain_pem,
            parent_quic,
        } => Json(json!({
            "state": "approved",
            "chain_pem": chain_pem,
            "parent_quic": parent_quic,
        }))
        .into_response(),
        Collected::Pending => {
            (StatusCode::ACCEPTED, Json(json!({ "state": "pending" }))).into_response()
        }
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IssueBody {
    request_pem: String,
    days: Option<u32>,
}

async fn issue_certificate(
    State(app): State<Arc<App>>,
    b: Result<Json<IssueBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let b = body(b)?;
    let days = b.days.unwrap_or(pki::DEFAULT_CERT_DAYS);
    let site = &app.site;
    let chain = pki::issue_with(&site.key, &site.chain, &b.request_pem, days, site.now())
        .map_err(pki_refused)?;
    let subject = tiepdan_keys::cert::parse_request(&b.request_pem)
        .map(|r| r.claims.site)
        .unwrap_or_default();
    site.store
        .put_issued(&subject, &chain)
        .map_err(ApiError::internal)?;
    Ok((StatusCode::CREATED, Json(json!({ "chain_pem": chain }))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeBody {
    site: String,
}

async fn revoke(
    State(app): State<Arc<App>>,
    b: Result<Json<RevokeBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let b = body(b)?;
    let site = &app.site;
    let record =
        pki::revocation_record(&site.key, &site.chain, &b.site, site.now()).map_err(pki_refused)?;
    app.federation
        .apply_revocation(&record, RevocationPath::Operator, &site.site.code)
        .map_err(pki_refused)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "site": b.site, "revoked_at": site.now() })),
    ))
}

/// One revocation this site enforces.
#[derive(Debug, Serialize)]
struct RevocationView {
    site: String,
    revoked_at: u64,
    issuer: String,
}

async fn list_revocations(State(app): State<Arc<App>>) -> Json<Vec<RevocationView>> {
    let revs = app.federation.revocations.reading();
    Json(
        revs.iter()
            .map(|r| RevocationView {
                site: r.site.clone(),
                revoked_at: r.revoked_at,
                issuer: r.issuer_site.clone(),
            })
            .collect(),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishCalendarBody {
    year: i32,
    /// A calendar file: `date,kind,name,source`, as `protocol/data/holidays-vn.csv`.
    csv: String,
}

/// One holiday calendar central published, as held here.
#[derive(Debug, Serialize)]
struct CalendarView {
    year: i32,
    issuer: String,
    issued_at: u64,
    /// Weekdays off.
    days_off: usize,
    /// Saturdays and Sundays worked.
    make_up_days: usize,
    days: Vec<tiepdan_protocol::case::deadline::CalendarRow>,
}

impl From<&tiepdan_protocol::calendar::PublishedCalendar> for CalendarView {
    fn from(c: &tiepdan_protocol::calendar::PublishedCalendar) -> Self {
        use tiepdan_protocol::case::deadline::DayKind;
        let count = |k: DayKind| c.days.iter().filter(|d| d.kind == k).count();
        CalendarView {
            year: c.year,
            issuer: c.issuer_site.clone(),
            issued_at: c.issued_at,
            days_off: count(DayKind::Off),
            make_up_days: count(DayKind::Work),
            days: c.days.clone(),
        }
    }
}

/// `POST calendars`: central's operator publishes a year's holiday calendar; it replaces that
/// year's days everywhere (201 once stored here and sent to the live links).
async fn publish_calendar(
    State(app): State<Arc<App>>,
    b: Result<Json<PublishCalendarBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<CalendarView>)> {
    let b = body(b)?;
    let federation = app.federation.clone();
    // Signing and the fsync run off the async workers.
    let published =
        tokio::task::spawn_blocking(move || federation.publish_calendar(b.year, &b.csv))
            .await
            .map_err(ApiError::internal)?
            .map_err(|e| match e {
                PublishError::NotCentral { .. } => {
                    ApiError::of(StatusCode::FORBIDDEN, Message::from(&e)).code("not_central")
                }
                PublishError::Calendar(_) => {
                    ApiError::of(StatusCode::UNPROCESSABLE_ENTITY, Message::from(&e))
                        .code("invalid_calendar")
                }
            })?;
    Ok((StatusCode::CREATED, Json(CalendarView::from(&published))))
}

/// `GET calendars`: the years central published that this site holds.
async fn list_calendars(State(app): State<Arc<App>>) -> Json<Vec<CalendarView>> {
    Json(
        app.site
            .calendar
            .published()
            .iter()
            .map(CalendarView::from)
            .collect(),
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkTestBody {
    /// Megabytes (10^6 bytes) to send, 1 to [`link_test::MAX_MEGABYTES`].
    megabytes: Option<u64>,
}

/// What `POST peers/{site}/link-test` answers.
#[derive(Debug, Serialize)]
struct LinkTestView {
    site: String,
    #[serde(flatten)]
    result: LinkTestResult,
}

/// `POST peers/{site}/link-test`: the operator's bandwidth check of a live link.
async fn link_test(
    State(app): State<Arc<App>>,
    Path(site): Path<String>,
    raw: bytes::Bytes,
) -> ApiResult<Json<LinkTestView>> {
    // The body is optional: no body measures with the default size.
    let b: LinkTestBody = if raw.iter().all(u8::is_ascii_whitespace) {
        LinkTestBody::default()
    } else {
        serde_json::from_slice(&raw).map_err(|e| {
            ApiError::of(
                StatusCode::BAD_REQUEST,
                Message::new("error-body").arg("detail", e.to_string()),
            )
        })?
    };
    let megabytes = link_test::check_megabytes(b.megabytes.unwrap_or(link_test::DEFAULT_MEGABYTES))
        .map_err(|e| link_test_error(&site, e))?;
    let conn = app.federation.connection(&site).ok_or_else(|| {
        ApiError::of(
            StatusCode::NOT_FOUND,
            Message::new("error-no-link").arg("site", &site),
        )
    })?;
    let result = link_test::measure(&conn, megabytes)
        .await
        .map_err(|e| link_test_error(&site, e))?;
    Ok(Json(LinkTestView { site, result }))
}

/// A link test's failure, for the operator.
fn link_test_error(site: &str, e: LinkTestError) -> ApiError {
    match e {
        LinkTestError::Size(n) => ApiError::of(
            StatusCode::BAD_REQUEST,
            Message::new("error-link-test-size")
                .arg("max", link_test::MAX_MEGABYTES)
                .arg("found", n),
        ),
        LinkTestError::Busy => {
            ApiError::of(StatusCode::CONFLICT, Message::new("error-link-test-busy"))
        }
        LinkTestError::TimedOut => ApiError::of(
            StatusCode::GATEWAY_TIMEOUT,
            Message::new("error-link-test-timeout")
                .arg("site", site)
                .arg("seconds", link_test::TIMEOUT.as_secs()),
        ),
        LinkTestError::Failed(reason) => ApiError::of(
            StatusCode::BAD_GATEWAY,
            Message::new("error-link-test-failed")
                .arg("site", site)
                .arg("detail", reason.to_string()),
        ),
    }
}

/// A certificate or revocation the operator asked for and the PKI refused.
fn pki_refused(e: impl std::fmt::Display) -> ApiError {
    ApiError::of(
        StatusCode::BAD_REQUEST,
        Message::new("error-pki").arg("detail", e.to_string()),
    )
}
