//! `POST /api/v1/peers/{site}/link-test`: the bandwidth check IT staff run on a link before a
//! session (the test connection the schedule asks for a working day ahead).
//!
//! Owns the API side of the link test: who may run it, how much it sends, one at a time. The
//! bytes go over the live QUIC link on the link-test channel ([`crate::upload::link_test`]),
//! which the peer drops and counts: the plain-QUIC figure recording uploads are compared with.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::http::{ApiError, ApiResult};
use crate::node::Node;
use crate::store::User;

/// Megabytes sent when the request does not say.
pub const DEFAULT_MEGABYTES: u64 = 16;
/// Most megabytes one test may send (the peer accepts up to 1 GiB).
pub const MAX_MEGABYTES: u64 = 256;
/// A test that has not finished by then is abandoned.
const TIMEOUT: Duration = Duration::from_secs(120);

/// One link test at a time on a node: each fills a link, and two would measure each other.
static RUNNING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

pub fn routes() -> Router<Arc<Node>> {
    Router::new().route("/peers/{site}/link-test", post(link_test))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkTestBody {
    /// Megabytes (10^6 bytes) to send, 1 to [`MAX_MEGABYTES`].
    megabytes: Option<u64>,
}

async fn link_test(
    State(node): State<Arc<Node>>,
    Extension(user): Extension<User>,
    Path(site): Path<String>,
    raw: axum::body::Bytes,
) -> ApiResult<Json<Value>> {
    if user.role != "operator" {
        return Err(ApiError(
            StatusCode::FORBIDDEN,
            "only the site's operator (IT staff) may measure a link".into(),
        ));
    }
    // The body is optional: no body measures with the default size.
    let b: LinkTestBody = if raw.iter().all(u8::is_ascii_whitespace) {
        LinkTestBody::default()
    } else {
        serde_json::from_slice(&raw)
            .map_err(|e| ApiError::bad(format!("invalid request body: {e}")))?
    };
    let megabytes = b.megabytes.unwrap_or(DEFAULT_MEGABYTES);
    if !(1..=MAX_MEGABYTES).contains(&megabytes) {
        return Err(ApiError::bad(format!(
            "megabytes must be 1 to {MAX_MEGABYTES}, not {megabytes}"
        )));
    }
    let conn = node
        .links
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&site)
        .map(|l| l.conn.clone());
    let conn = conn.ok_or_else(|| {
        ApiError::not_found(format!(
            "no live link to site {site}: see GET /api/v1/peers"
        ))
    })?;
    let _running = RUNNING.try_acquire().map_err(|_| {
        ApiError(
            StatusCode::CONFLICT,
            "another link test is running on this node; try again when it ends".into(),
        )
    })?;
    let bytes = megabytes * 1_000_000;
    // Zeroed pages come from the kernel as they are touched; QUIC takes slices without a copy.
    let payload = axum::body::Bytes::from(vec![0u8; bytes as usize]);
    let t = Instant::now();
    let rate = tokio::time::timeout(TIMEOUT, crate::upload::link_test(&conn, payload))
        .await
        .map_err(|_| {
            ApiError(
                StatusCode::GATEWAY_TIMEOUT,
                format!(
                    "the link test to {site} did not finish within {} s",
                    TIMEOUT.as_secs()
                ),
            )
        })?
        .map_err(|e| {
            ApiError(
                StatusCode::BAD_GATEWAY,
                format!("the link test to {site} failed: {e}"),
            )
        })?;
    Ok(Json(json!({
        "site": site,
        "bytes": bytes,
        "seconds": t.elapsed().as_secs_f64(),
        "megabits_per_second": rate * 8.0 / 1e6,
        "rtt_ms": conn.rtt().as_secs_f64() * 1e3,
    })))
}
