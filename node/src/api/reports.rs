//! The reports part of the HTTP API: the supervision of the sites below, its plots, and the
//! submitted reports.
//!
//! | call | who | answer |
//! |---|---|---|
//! | `GET supervision?period=2026-Q4&site=01` | officer, chair | one line per site directly below `site` (default: this site), and the week-by-week figures of the whole subtree |
//! | `GET supervision/receptions.svg`, `…/deadlines.svg` (same query) | officer, chair | the plots, drawn on the server |
//! | `GET reports/submissions?period=&form=01-tcd` | officer, chair | this site's and each site's below it: whether and when it was submitted, and the figures |
//! | `GET exports/national?all=true` | officer, chair | the national database's records not delivered yet (all with `all`), as NDJSON |
//! | `GET exports/national/status` | operator, officer, chair | whether a push is configured, what waits, the last cycle |
//!
//! `period` defaults to the quarter that holds today.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tiepdan_protocol::case::date_from_unix_ms;
use tiepdan_protocol::sites::Registry;
use tiepdan_protocol::submission::{SubmissionState, Timeliness, FORMS};

use super::{blocking, ApiError, ApiResult, App};
use crate::language::Message;
use crate::reports::period::Period;
use crate::reports::plot::{self, Bar, Series};
use crate::reports::supervision::SupervisionView;
use crate::site::clock::now_ms;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/supervision", get(supervision))
        .route("/supervision/receptions.svg", get(receptions_svg))
        .route("/supervision/deadlines.svg", get(deadlines_svg))
        .route("/reports/submissions", get(submissions))
        .route("/exports/national", get(national_file))
        .route("/exports/national/status", get(national_status))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SupervisionQuery {
    #[serde(default)]
    period: Option<String>,
    #[serde(default)]
    site: Option<String>,
}

fn query<T>(q: Result<Query<T>, axum::extract::rejection::QueryRejection>) -> ApiResult<T> {
    q.map(|Query(v)| v).map_err(|e| {
        ApiError::of(
            StatusCode::BAD_REQUEST,
            Message::new("error-query").arg("detail", e.body_text()),
        )
    })
}

fn period_or_now(p: &Option<String>, now_ms: u64) -> ApiResult<Period> {
    match p.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => Period::parse(p).map_err(|e| ApiError::from(e).code("bad_period")),
        None => Ok(Period::quarter_of(date_from_unix_ms(now_ms))),
    }
}

async fn view(app: Arc<App>, q: SupervisionQuery) -> ApiResult<SupervisionView> {
    let now = now_ms();
    let period = period_or_now(&q.period, now)?;
    blocking(move || {
        app.reports
            .supervision(&period, q.site.as_deref(), date_from_unix_ms(now))
    })
    .await
}

async fn supervision(
    State(app): State<Arc<App>>,
    q: Result<Query<SupervisionQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<SupervisionView>> {
    Ok(Json(view(app, query(q)?).await?))
}

fn svg(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

async fn receptions_svg(
    State(app): State<Arc<App>>,
    q: Result<Query<SupervisionQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let v = view(app, query(q)?).await?;
    let bars: Vec<Bar> = v
        .receptions_per_week
        .iter()
        .map(|(week, n)| Bar {
            week: *week,
            values: vec![*n],
        })
        .collect();
    Ok(svg(plot::bars(
        &format!("Lượt tiếp công dân theo tuần — {} và cấp dưới", v.site_name),
        &[Series {
            name: "Lượt tiếp",
            colour: "#1565c0",
        }],
        &bars,
    )))
}

async fn deadlines_svg(
    State(app): State<Arc<App>>,
    q: Result<Query<SupervisionQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let v = view(app, query(q)?).await?;
    let bars: Vec<Bar> = v
        .deadlines_per_week
        .iter()
        .map(|w| Bar {
            week: w.week,
            values: vec![w.met, w.missed],
        })
        .collect();
    Ok(svg(plot::bars(
        &format!(
            "Thời hạn giải quyết đến hạn theo tuần — {} và cấp dưới",
            v.site_name
        ),
        &[
            Series {
                name: "Đã thực hiện",
                colour: "#2e7d32",
            },
            Series {
                name: "Quá hạn, chưa thực hiện",
                colour: "#c62828",
            },
        ],
        &bars,
    )))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmissionsQuery {
    #[serde(default)]
    period: Option<String>,
    #[serde(default)]
    form: Option<String>,
}

/// One site's submission of one report.
#[derive(Serialize)]
struct SubmissionLine {
    site: String,
    name: String,
    timeliness: Timeliness,
    timeliness_vi: String,
    record: Option<SubmissionState>,
}

#[derive(Serialize)]
struct SubmissionsView {
    period: Period,
    form: String,
    due: tiepdan_protocol::case::Date,
    lines: Vec<SubmissionLine>,
}

async fn submissions(
    State(app): State<Arc<App>>,
    q: Result<Query<SubmissionsQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<SubmissionsView>> {
    let q = query(q)?;
    let now = now_ms();
    let period = period_or_now(&q.period, now)?;
    let form = q.form.unwrap_or_else(|| FORMS[0].to_owned());
    if !FORMS.contains(&form.as_str()) {
        return Err(ApiError::of(
            StatusCode::BAD_REQUEST,
            Message::new("error-report-form").arg("form", form.as_str()),
        )
        .code("bad_form"));
    }
    let view = blocking(move || {
        let registry = Registry::official();
        let here = app.site.site.code.clone();
        let today = date_from_unix_ms(now);
        let mut sites = vec![here.clone()];
        sites.extend(registry.children(&here).iter().cloned());
        let lines = sites
            .into_iter()
            .map(|site| {
                let timeliness = app.reports.timeliness(&site, &form, &period, today);
                SubmissionLine {
                    name: registry
                        .get(&site)
                        .map(|s| s.name.clone())
                        .unwrap_or_default(),
                    timeliness_vi: timeliness.label_vi(),
                    timeliness,
                    record: app.reports.submitted(&site, &form, &period.name),
                    site,
                }
            })
            .collect();
        Ok(SubmissionsView {
            due: app.reports.due(&period),
            period,
            form,
            lines,
        })
    })
    .await?;
    Ok(Json(view))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    #[serde(default)]
    all: bool,
}

/// The records as a file of one JSON document per line (NDJSON), to hand over by other means
/// where no push is configured. Reading it marks nothing delivered.
async fn national_file(
    State(app): State<Arc<App>>,
    q: Result<Query<ExportQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let records = blocking(move || app.reports.pending_national(q.all)).await?;
    let mut body = String::new();
    for r in &records {
        body.push_str(&serde_json::to_string(r).map_err(ApiError::internal)?);
        body.push('\n');
    }
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"csdl-quoc-gia.ndjson\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}

#[derive(Serialize)]
struct NationalStatus {
    configured: bool,
    pending: usize,
    push: Option<crate::reports::export::PushStatus>,
}

async fn national_status(State(app): State<Arc<App>>) -> ApiResult<Json<NationalStatus>> {
    let push = app
        .national
        .as_ref()
        .map(|p| p.status.lock().unwrap_or_else(|e| e.into_inner()).clone());
    let configured = app.national.is_some();
    let pending = blocking(move || app.reports.pending_national(false))
        .await?
        .len();
    Ok(Json(NationalStatus {
        configured,
        pending,
        push,
    }))
}
