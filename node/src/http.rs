//! The HTTP side of a node: the JSON API under `/api/v1`, `/metrics`, and the web UI at `/`.
//!
//! Owns authentication (bearer token from `DIR/operator.token`), JSON error bodies, body limits
//! and the mapping from API calls to node operations. Two calls are open without a token because
//! a site that is joining has none yet: submitting a join request, and collecting its chain with
//! the secret it chose. Everything else needs the token.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::admin;
use crate::node::Node;
use crate::store::{JoinRecord, JoinState};

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

pub fn router(node: Arc<Node>) -> Router {
    let authed = Router::new()
        .route("/status", get(status))
        .route("/peers", get(peers))
        .route("/join-requests", get(list_join_requests))
        .route("/join-requests/{id}/approve", post(approve_join))
        .route("/join-requests/{id}/reject", post(reject_join))
        .route("/certificates", post(issue_certificate))
        .route("/revocations", get(list_revocations).post(revoke))
        .merge(crate::http_cases::routes())
        .merge(crate::http_sessions::routes())
        .merge(crate::http_links::routes());
    let authed = match node.gateway.get() {
        Some(gateway) => authed.merge(crate::media::routes(gateway.clone())),
        None => authed,
    }
    .layer(middleware::from_fn_with_state(node.clone(), require_token));
    let open = Router::new()
        .route("/join-requests", post(submit_join))
        .route("/join-requests/{id}/chain", get(collect_chain));
    Router::new()
        .nest("/api/v1", authed.merge(open).fallback(api_not_found))
        .route("/metrics", get(metrics))
        .route("/", get(ui))
        .route("/so-tiep-cong-dan", get(logbook_page))
        .route("/phien", get(session_page))
        .route("/common.js", get(common_js))
        .layer(DefaultBodyLimit::max(BODY_BYTES_MAX))
        .with_state(node)
}

async fn api_not_found() -> ApiError {
    ApiError::not_found("no such API call; see ARCHITECTURE.md, Interfaces")
}

async fn require_token(State(node): State<Arc<Node>>, mut req: Request, next: Next) -> Response {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned());
    match given {
        Some(t) => match user_for(&node, &t) {
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

/// The operator token is the IT staff's; officers and chairs have tokens of their own
/// (`tiepdan user`), stored as hashes.
fn user_for(node: &Node, token: &str) -> Option<crate::store::User> {
    if constant_time_eq(token.as_bytes(), node.token.as_bytes()) {
        return Some(crate::store::User {
            name: "operator".into(),
            role: "operator".into(),
        });
    }
    let hash = blake3::hash(token.as_bytes()).to_hex().to_string();
    node.users
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&hash)
        .cloned()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn status(State(node): State<Arc<Node>>) -> Json<Value> {
    let b = node.bound.get();
    Json(json!({
        "site": node.site.code,
        "name": node.site.name,
        "level": node.site.level,
        "parent": node.site.parent,
        "peer_id": node.peer_id,
        "addresses": {
            "quic": b.map(|b| b.quic.to_string()),
            "p2p": b.map(|b| node.p2p_advertised(b)),
            "http": b.map(|b| b.http.to_string()),
            "media": node.gateway.get().map(|g| g.local_addr().to_string()),
        },
        "cert_expires_at": node.cert_not_after,
        "cert_expires_in_days": node.cert_expiry_in() / 86_400,
        "uptime_ms": node.started.elapsed().as_millis() as u64,
        "parent_connected_after_ms": node.parent_connected_after_ms.get(),
        "version": env!("CARGO_PKG_VERSION"),
    }))
}

async fn peers(State(node): State<Arc<Node>>) -> Json<Value> {
    let known = node.known.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let links = node.links.lock().unwrap_or_else(|e| e.into_inner());
    let proven = node
        .p2p_proven
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let mut sites: std::collections::BTreeSet<String> = known.keys().cloned().collect();
    sites.extend(links.keys().cloned());
    let list: Vec<Value> = sites
        .iter()
        .map(|site| {
            let link = links.get(site);
            let k = known.get(site);
            let level = node.registry().get(site).map(|s| s.level.as_str()).unwrap_or("unknown");
            json!({
                "site": site,
                "name": node.site_name(site),
                "level": level,
                "peer_id": link.map(|l| l.peer_id.clone()).or_else(|| k.map(|k| k.peer_id.clone())),
                "connected": link.is_some(),
                // Whether this site keeps (or should keep) a direct link with that one; others
                // are reached through the hierarchy.
                "direct": link.is_some() || tiepdan_protocol::topology::wants_link(node.registry(), &node.site.code, site),
                "p2p_proven": proven.contains_key(site),
                "quic_addrs": k.map(|k| k.quic_addrs.clone()).unwrap_or_default(),
                "since": link.map(|l| l.since),
                "last_seen": k.map(|k| k.last_seen),
                "rtt_ms": link.map(|l| l.conn.rtt().as_secs_f64() * 1000.0),
            })
        })
        .collect();
    Json(Value::Array(list))
}

async fn metrics(State(node): State<Arc<Node>>) -> impl IntoResponse {
    node.check_expiry();
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        node.metrics.render(),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitJoin {
    request_pem: String,
    /// Chosen by the child; it must present it again to collect its chain.
    secret: String,
}

async fn submit_join(
    State(node): State<Arc<Node>>,
    b: Result<Json<SubmitJoin>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let b = body(b)?;
    if b.secret.len() < 16 || b.secret.len() > 128 {
        return Err(ApiError::bad("secret must be 16 to 128 characters"));
    }
    let req = tiepdan_keys::cert::parse_request(&b.request_pem)
        .map_err(|e| ApiError::bad(format!("certificate request: {e}")))?;
    if !node.registry().may_issue(&node.site.code, &req.claims.site) {
        return Err(ApiError(
            StatusCode::FORBIDDEN,
            format!(
                "site {} ({}) cannot join under {} ({}): central admits provinces, a province admits its own communes",
                req.claims.site,
                node.site_name(&req.claims.site),
                node.site.code,
                node.site.name
            ),
        ));
    }
    let rec = JoinRecord {
        id: 0,
        site: req.claims.site.clone(),
        peer_id: req.claims.peer_id.clone(),
        request_pem: b.request_pem,
        secret_hash: blake3::hash(b.secret.as_bytes()).to_hex().to_string(),
        received_at: node.now(),
        state: JoinState::Pending,
        chain_pem: None,
    };
    let rec = node
        .store
        .add_join_request(rec)
        .map_err(ApiError::internal)?;
    tracing::info!(id = rec.id, site = %rec.site, "join request received; waiting for the operator to approve");
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": rec.id, "state": rec.state })),
    ))
}

fn join_json(node: &Node, r: &JoinRecord) -> Value {
    json!({
        "id": r.id,
        "site": r.site,
        "name": node.site_name(&r.site),
        "peer_id": r.peer_id,
        "received_at": r.received_at,
        "state": r.state,
    })
}

async fn list_join_requests(State(node): State<Arc<Node>>) -> ApiResult<Json<Value>> {
    let list = node.store.join_requests().map_err(ApiError::internal)?;
    Ok(Json(Value::Array(
        list.iter().map(|r| join_json(&node, r)).collect(),
    )))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ApproveBody {
    days: Option<u32>,
}

async fn approve_join(
    State(node): State<Arc<Node>>,
    Path(id): Path<u64>,
    b: Option<Json<ApproveBody>>,
) -> ApiResult<Json<Value>> {
    let days = b
        .and_then(|Json(b)| b.days)
        .unwrap_or(admin::DEFAULT_CERT_DAYS);
    let mut rec = node
        .store
        .join_request(id)
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found(format!("no join request {id}")))?;
    if rec.state != JoinState::Pending {
        return Err(ApiError(
            StatusCode::CONFLICT,
            format!("join request {id} is already {:?}", rec.state),
        ));
    }
    let chain = admin::issue_with(&node.key, &node.chain, &rec.request_pem, days, node.now())
        .map_err(ApiError::bad)?;
    node.store
        .put_issued(&rec.site, &chain)
        .map_err(ApiError::internal)?;
    rec.state = JoinState::Approved;
    rec.chain_pem = Some(chain);
    node.store
        .put_join_request(&rec)
        .map_err(ApiError::internal)?;
    tracing::info!(id, site = %rec.site, "join request approved");
    Ok(Json(join_json(&node, &rec)))
}

async fn reject_join(State(node): State<Arc<Node>>, Path(id): Path<u64>) -> ApiResult<Json<Value>> {
    let mut rec = node
        .store
        .join_request(id)
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found(format!("no join request {id}")))?;
    rec.state = JoinState::Rejected;
    node.store
        .put_join_request(&rec)
        .map_err(ApiError::internal)?;
    Ok(Json(join_json(&node, &rec)))
}

#[derive(Deserialize)]
struct CollectQuery {
    secret: String,
}

async fn collect_chain(
    State(node): State<Arc<Node>>,
    Path(id): Path<u64>,
    Query(q): Query<CollectQuery>,
) -> ApiResult<Response> {
    let rec = node
        .store
        .join_request(id)
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found(format!("no join request {id}")))?;
    let given = blake3::hash(q.secret.as_bytes()).to_hex().to_string();
    if !constant_time_eq(given.as_bytes(), rec.secret_hash.as_bytes()) {
        return Err(ApiError(
            StatusCode::FORBIDDEN,
            "wrong secret for this join request".into(),
        ));
    }
    Ok(match (rec.state, rec.chain_pem) {
        (JoinState::Approved, Some(chain)) => Json(json!({
            "state": "approved",
            "chain_pem": chain,
            "parent_quic": node.bound.get().map(|b| node.quic_advertised(b)).unwrap_or_default(),
        }))
        .into_response(),
        (JoinState::Rejected, _) => ApiError(
            StatusCode::FORBIDDEN,
            "the parent's operator rejected this join request".into(),
        )
        .into_response(),
        _ => (StatusCode::ACCEPTED, Json(json!({ "state": "pending" }))).into_response(),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IssueBody {
    request_pem: String,
    days: Option<u32>,
}

async fn issue_certificate(
    State(node): State<Arc<Node>>,
    b: Result<Json<IssueBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let b = body(b)?;
    let days = b.days.unwrap_or(admin::DEFAULT_CERT_DAYS);
    let chain = admin::issue_with(&node.key, &node.chain, &b.request_pem, days, node.now())
        .map_err(ApiError::bad)?;
    let site = tiepdan_keys::cert::parse_request(&b.request_pem)
        .map(|r| r.claims.site)
        .unwrap_or_default();
    node.store
        .put_issued(&site, &chain)
        .map_err(ApiError::internal)?;
    Ok((StatusCode::CREATED, Json(json!({ "chain_pem": chain }))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeBody {
    site: String,
}

async fn revoke(
    State(node): State<Arc<Node>>,
    b: Result<Json<RevokeBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let b = body(b)?;
    let record = admin::revocation_record(&node.key, &node.chain, &b.site, node.now())
        .map_err(ApiError::bad)?;
    node.apply_revocation(
        &record,
        crate::node::RevocationPath::Operator,
        &node.site.code,
    )
    .map_err(ApiError::bad)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "site": b.site, "revoked_at": node.now() })),
    ))
}

async fn list_revocations(State(node): State<Arc<Node>>) -> Json<Value> {
    let revs = node.revocations.read().unwrap_or_else(|e| e.into_inner());
    let sites: Vec<Value> = revs
        .iter()
        .map(|r| json!({"site": r.site, "revoked_at": r.revoked_at, "issuer": r.issuer_site}))
        .collect();
    Json(Value::Array(sites))
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
