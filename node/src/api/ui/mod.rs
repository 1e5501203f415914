//! The web pages: static HTML and one script, in Vietnamese. They hold no data; every figure
//! comes from the API with the signed-in person's session cookie, so serving them needs no
//! sign-in (a page whose API calls answer 401 sends the browser to `/dang-nhap`).

use std::sync::Arc;

use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::Router;

use super::App;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/", get(|| page(include_str!("status.html"))))
        .route("/dang-nhap", get(|| page(include_str!("signin.html"))))
        .route("/nguoi-dung", get(|| page(include_str!("users.html"))))
        .route("/quan-tri", get(|| page(include_str!("admin.html"))))
        .route(
            "/so-tiep-cong-dan",
            get(|| page(include_str!("logbook.html"))),
        )
        .route("/phien", get(|| page(include_str!("session.html"))))
        .route("/phien-tiep", get(|| page(include_str!("sessions.html"))))
        .route("/bien-ban", get(|| page(include_str!("minutes.html"))))
        .route("/tiep-nhan", get(|| page(include_str!("reception.html"))))
        .route("/vu-viec", get(|| page(include_str!("case.html"))))
        .route("/giam-sat", get(|| page(include_str!("supervision.html"))))
        .route("/bao-cao", get(|| page(include_str!("reports.html"))))
        .route("/common.js", get(common_js))
}

async fn page(html: &'static str) -> impl IntoResponse {
    (
        // Pages are never framed by another origin (clickjacking of the chair's buttons).
        [
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        Html(html),
    )
}

async fn common_js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("common.js"),
    )
}
