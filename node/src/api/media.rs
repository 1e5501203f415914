//! WHIP (RFC 9725) and WHEP endpoints over the gateway, as an axum router the node mounts.
//!
//! Owns the HTTP shape: `POST …/whip` and `POST …/whep` take `application/sdp` and answer
//! `201 Created` with the SDP answer and a `Location`; `DELETE` on that location ends the peer
//! connection; refusals are the API's usual `{"error": "..."}` with a status that says why.
//! Who is calling (site, participant id, role) comes from the caller's pass or account
//! (`api::auth`), never from the query string.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};
use axum::{Extension, Router};
use bytes::Bytes;
use serde::Deserialize;

use super::ApiError;
use crate::accounts::Caller;
use crate::language::Message;
use crate::sessions::media::{MediaError, MediaGateway, MediaRefusal, ParticipantInfo};

/// Where the node nests [`routes`]; `Location` headers are absolute paths under it.
pub const API_PREFIX: &str = "/api/v1";

/// The media type of SDP bodies (RFC 4566 §8.1).
pub const SDP_CONTENT_TYPE: &str = "application/sdp";

/// The WHIP/WHEP routes, relative to [`API_PREFIX`]:
///
/// | call | answer |
/// |---|---|
/// | `POST /sessions/{id}/whip?label=` | 201, `Location: /api/v1/sessions/{id}/whip/{resource}`, SDP answer |
/// | `POST /sessions/{id}/whep?label=&publisher=` | 201, `Location: /api/v1/sessions/{id}/whep/{resource}`, SDP answer |
/// | `DELETE /sessions/{id}/whip/{resource}`, `DELETE /sessions/{id}/whep/{resource}` | 200 |
///
/// The caller publishes or subscribes as itself: this site, the participant id and session role
/// of its pass or account (`GET /api/v1/me` shows them). `site`, `participant` and `role` may
/// be repeated in the query, and a value that differs is refused (403 `identity_mismatch`).
/// `label` (the point's label) defaults to the site's name; `publisher` (WHEP only) picks a
/// publisher id from the session's publishers, and without it the subscriber follows the first
/// publisher that is not itself. Only the participant who opened a resource may DELETE it.
///
/// Errors: 400 malformed SDP, an offer without usable Opus/VP8 or a bad parameter; 403 the site
/// is not a point of the session, or the caller's role has no place in the room; 404 unknown session, publisher or resource; 409 the session
/// has ended; 415 a body that is not `application/sdp`; 503 the gateway is full or stopped.
/// PATCH (trickle ICE, ICE restart) is not offered: axum answers 405, as RFC 9725 §4.3.1
/// allows.
pub fn routes<S: Clone + Send + Sync + 'static>(
    gateway: Arc<MediaGateway>,
    here: Here,
) -> Router<S> {
    Router::new()
        .route("/sessions/{id}/whip", post(whip))
        .route("/sessions/{id}/whip/{resource}", delete(end))
        .route("/sessions/{id}/whep", post(whep))
        .route("/sessions/{id}/whep/{resource}", delete(end))
        .layer(Extension(gateway))
        .layer(Extension(Arc::new(here)))
}

/// The site serving these routes: its code, and its name for a point's default label.
#[derive(Debug, Clone)]
pub struct Here {
    pub site: String,
    pub name: String,
}

#[derive(Deserialize)]
struct Who {
    site: Option<String>,
    participant: Option<String>,
    role: Option<String>,
    label: Option<String>,
    publisher: Option<String>,
}

impl Who {
    /// The participant the caller is: from its pass or its account, at this site. The query
    /// may repeat them (older clients do) but never choose them.
    fn participant(&self, c: &Caller, here: &Here) -> Result<ParticipantInfo, ApiError> {
        let Some(role) = c.session_role() else {
            return Err(ApiError::of(
                StatusCode::FORBIDDEN,
                Message::new("error-media-role").arg("role", crate::language::labels::role(c.role)),
            )
            .code("role_forbidden"));
        };
        let info = ParticipantInfo {
            site: c
                .pass
                .as_ref()
                .map_or_else(|| here.site.clone(), |p| p.point.clone()),
            point_label: self.label.clone().unwrap_or_else(|| here.name.clone()),
            participant_id: c.participant_id(),
            role: role.as_str().to_owned(),
        };
        let claims = [
            (&self.site, &info.site),
            (&self.participant, &info.participant_id),
            (&self.role, &info.role),
        ];
        if claims
            .iter()
            .any(|(given, actual)| given.as_ref().is_some_and(|g| g != *actual))
        {
            return Err(ApiError::of(
                StatusCode::FORBIDDEN,
                Message::new("error-media-identity-mismatch")
                    .arg("participant", &info.participant_id)
                    .arg("role", &info.role)
                    .arg("site", &info.site),
            )
            .code("identity_mismatch"));
        }
        Ok(info)
    }
}

/// The HTTP status of each gateway error.
pub fn status_of(e: &MediaError) -> StatusCode {
    match e {
        MediaError::MalformedSdp(_) | MediaError::UnsupportedOffer(_) | MediaError::Invalid(_) => {
            StatusCode::BAD_REQUEST
        }
        MediaError::Refused(MediaRefusal::UnknownSession) => StatusCode::NOT_FOUND,
        MediaError::Refused(MediaRefusal::SessionEnded) => StatusCode::CONFLICT,
        MediaError::Refused(MediaRefusal::NotAPoint) => StatusCode::FORBIDDEN,
        MediaError::UnknownPublisher(_) | MediaError::UnknownResource => StatusCode::NOT_FOUND,
        MediaError::Full(_) | MediaError::Stopped => StatusCode::SERVICE_UNAVAILABLE,
        MediaError::Io(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn api_error(e: MediaError) -> ApiError {
    ApiError::of(status_of(&e), Message::from(&e))
}

/// RFC 9725 §4.2: the offer is sent with `Content-Type: application/sdp` (parameters allowed).
fn sdp_body(headers: &HeaderMap, body: &Bytes) -> Result<String, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = ct.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case(SDP_CONTENT_TYPE) {
        return Err(ApiError::of(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Message::new("error-media-content-type").arg("type", SDP_CONTENT_TYPE),
        ));
    }
    String::from_utf8(body.to_vec()).map_err(|_| {
        api_error(MediaError::MalformedSdp(
            "the offer is not UTF-8 text".into(),
        ))
    })
}

fn query(q: Result<Query<Who>, QueryRejection>) -> Result<Who, ApiError> {
    q.map(|Query(w)| w).map_err(|e| {
        ApiError::of(
            StatusCode::BAD_REQUEST,
            Message::new("error-query").arg("detail", e.body_text()),
        )
    })
}

fn created(session_id: &str, kind: &str, resource: &str, answer: String) -> Response {
    let location = format!("{API_PREFIX}/sessions/{session_id}/{kind}/{resource}");
    let mut r = (StatusCode::CREATED, answer).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(SDP_CONTENT_TYPE),
    );
    // Both ids were checked to be URL-safe ASCII, so the header value is valid.
    if let Ok(v) = HeaderValue::from_str(&location) {
        h.insert(header::LOCATION, v);
    }
    r
}

async fn whip(
    Extension(here): Extension<Arc<Here>>,
    Extension(gw): Extension<Arc<MediaGateway>>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    q: Result<Query<Who>, QueryRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let who = query(q)?;
    let info = who.participant(&c, &here)?;
    let offer = sdp_body(&headers, &body)?;
    let (resource, answer) = gw.whip(&id, &offer, info).await.map_err(api_error)?;
    Ok(created(&id, "whip", &resource, answer))
}

async fn whep(
    Extension(here): Extension<Arc<Here>>,
    Extension(gw): Extension<Arc<MediaGateway>>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    q: Result<Query<Who>, QueryRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let who = query(q)?;
    let info = who.participant(&c, &here)?;
    let offer = sdp_body(&headers, &body)?;
    let (resource, answer) = gw
        .whep(&id, &offer, who.publisher.as_deref(), info)
        .await
        .map_err(api_error)?;
    Ok(created(&id, "whep", &resource, answer))
}

/// DELETE on a WHIP or WHEP resource. Either kind is found by its id; the path's kind is only
/// part of the URL the client was given.
async fn end(
    Extension(gw): Extension<Arc<MediaGateway>>,
    Extension(c): Extension<Caller>,
    Path((id, resource)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    // Only whoever opened a resource ends it; anyone else's is not found.
    gw.delete(&id, &resource, Some(&c.participant_id()))
        .await
        .map_err(api_error)?;
    Ok(StatusCode::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        let cases = [
            (MediaError::MalformedSdp("x".into()), 400),
            (MediaError::UnsupportedOffer("x".into()), 400),
            (MediaError::Invalid("x".into()), 400),
            (MediaError::Refused(MediaRefusal::UnknownSession), 404),
            (MediaError::Refused(MediaRefusal::SessionEnded), 409),
            (MediaError::Refused(MediaRefusal::NotAPoint), 403),
            (MediaError::UnknownPublisher("p".into()), 404),
            (MediaError::UnknownResource, 404),
            (MediaError::Full(1), 503),
            (MediaError::Stopped, 503),
        ];
        for (e, code) in cases {
            assert_eq!(status_of(&e).as_u16(), code, "{e}");
        }
    }

    #[test]
    fn content_type() {
        let mut h = HeaderMap::new();
        let body = Bytes::from_static(b"v=0");
        assert_eq!(
            sdp_body(&h, &body).err().map(|e| e.status),
            Some(StatusCode::UNSUPPORTED_MEDIA_TYPE)
        );
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        assert_eq!(
            sdp_body(&h, &body).err().map(|e| e.status),
            Some(StatusCode::UNSUPPORTED_MEDIA_TYPE)
        );
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("Application/SDP; charset=utf-8"),
        );
        assert_eq!(sdp_body(&h, &body).ok().as_deref(), Some("v=0"));
        let bad = Bytes::from_static(&[0xff, 0xfe]);
        assert_eq!(
            sdp_body(&h, &bad).err().map(|e| e.status),
            Some(StatusCode::BAD_REQUEST)
        );
    }
}
