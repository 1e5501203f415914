//! The reports part of the HTTP API: the supervision of the sites below, its plots, and the
//! submitted reports.
//!
//! | call | who | answer |
//! |---|---|---|
//! | `GET supervision?period=2026-Q4&site=01` | officer, chair | one line per site directly below `site` (default: this site), and the week-by-week figures of the whole subtree |
//! | `GET supervision/receptions.svg`, `…/deadlines.svg` (same query) | officer, chair | the plots, drawn on the server |
//! | `GET reports/{form}?period=2026-Q4&scope=descendants&site=&format=json` | officer, chair | the biểu computed from the records held here: JSON, `xlsx` (the official layout) or `html` (print-ready A4) |
//! | `POST reports/{form}/submissions` `{period, scope, note}` | chair | the report computed now, signed and sent up to the levels above; the scope is the level's (a commune `site`, a province `descendants`) |
//! | `GET reports/submissions?period=&form=01-tcd&site=` | officer, chair | this site's (or `site`'s, below it) and each of its children's: whether and when it was submitted, the figures, and where they differ from what this site computes |
//! | `GET exports/national?all=true` | officer, chair | the national database's records not delivered yet (all with `all`), as NDJSON |
//! | `GET exports/national/status` | operator, officer, chair | whether a push is configured, what waits, the last cycle |
//!
//! `period` defaults to the quarter that holds today.

use std::sync::Arc;

use askama::Template;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Extension;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tiepdan_protocol::case::date_from_unix_ms;
use tiepdan_protocol::case::Date;
use tiepdan_protocol::report::{Report, ReportForm, Scope};
use tiepdan_protocol::sites::{Level, Registry};
use tiepdan_protocol::submission::{SubmissionState, Timeliness, FORMS};

use super::cases::documents::{failed, render, Letterhead, Page};
use super::{blocking, ApiError, ApiResult, App};
use crate::accounts::Caller;
use crate::language::Message;
use crate::reports::period::Period;
use crate::reports::plot::{self, Bar, Series};
use crate::reports::supervision::SupervisionView;
use crate::reports::table::ReportTable;
use crate::reports::{forms, Reports};
use crate::site::clock::now_ms;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/supervision", get(supervision))
        .route("/supervision/receptions.svg", get(receptions_svg))
        .route("/supervision/deadlines.svg", get(deadlines_svg))
        .route("/reports/submissions", get(submissions))
        .route("/reports/{form}", get(report_of))
        .route("/reports/{form}/submissions", post(submit))
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
struct ReportQuery {
    #[serde(default)]
    period: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    site: Option<String>,
    #[serde(default)]
    format: Option<String>,
}

fn form_of(name: &str) -> ApiResult<ReportForm> {
    name.parse().map_err(|_| {
        ApiError::of(
            StatusCode::BAD_REQUEST,
            Message::new("error-report-form").arg("form", name),
        )
        .code("bad_form")
    })
}

fn scope_of(name: Option<&str>) -> ApiResult<Scope> {
    match name.filter(|s| !s.is_empty()) {
        None => Ok(Scope::Site),
        Some(s) => s.parse().map_err(|_| {
            ApiError::of(
                StatusCode::BAD_REQUEST,
                Message::new("error-report-scope").arg("scope", s),
            )
            .code("bad_scope")
        }),
    }
}

/// The biểu as a print-ready page (`forms/report.html`).
#[derive(Template)]
#[template(path = "forms/report.html")]
struct ReportPage {
    doc: Letterhead,
    t: ReportTable,
    /// Column numbers after (1) STT and (2) the unit.
    numbers: Vec<usize>,
}

/// The biểu as a print-ready A4 page, landscape, headed by its issuing body and dated `today`,
/// the day it is printed and signed.
pub fn report_page(reports: &Reports, report: &Report, today: Date) -> Result<Page, askama::Error> {
    let t = reports.table(report);
    let period = Period::of(report.period);
    let mut doc = Letterhead::new(
        &report.site,
        report.form.number_vi(),
        format!("{} — {}", t.title, period.name),
        today,
    );
    doc.landscape = true;
    doc.note = "In khổ A4 nằm ngang. Số liệu tính từ hồ sơ lưu tại điểm tiếp này.".into();
    let numbers = (3..3 + t.columns().count()).collect();
    let nonce = doc.nonce.clone();
    render(&ReportPage { doc, t, numbers }, nonce)
}

/// `GET reports/{form}`.
async fn report_of(
    State(app): State<Arc<App>>,
    Path(form): Path<String>,
    q: Result<Query<ReportQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let form = form_of(&form)?;
    let scope = scope_of(q.scope.as_deref())?;
    let now = now_ms();
    let period = period_or_now(&q.period, now)?;
    let format = q.format.unwrap_or_else(|| "json".to_owned());
    if !matches!(format.as_str(), "json" | "xlsx" | "html") {
        return Err(ApiError::of(
            StatusCode::BAD_REQUEST,
            Message::new("error-report-format").arg("format", format.as_str()),
        )
        .code("bad_format"));
    }
    let today = date_from_unix_ms(now);
    let (period2, site) = (period.clone(), q.site.clone());
    let app2 = app.clone();
    let report =
        blocking(move || app2.reports.compute(form, &period2, site.as_deref(), scope)).await?;
    let file = format!("bieu-{}-{}-{}", form.as_str(), report.site, period.name);
    match format.as_str() {
        "xlsx" => {
            let bytes =
                app.reports.table(&report).to_xlsx().map_err(|e| {
                    ApiError::internal(format!("the XLSX could not be written: {e}"))
                })?;
            Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            .to_owned(),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{file}.xlsx\""),
                    ),
                    (header::CACHE_CONTROL, "no-store".to_owned()),
                ],
                bytes,
            )
                .into_response())
        }
        "html" => Ok(report_page(&app.reports, &report, today)
            .map_err(failed)?
            .into_response()),
        _ => Ok(Json(app.reports.view(&report)).into_response()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitBody {
    #[serde(default)]
    period: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    note: String,
}

/// `POST reports/{form}/submissions`: the head submits the period's report.
async fn submit(
    State(app): State<Arc<App>>,
    Extension(c): Extension<Caller>,
    Path(form): Path<String>,
    b: Result<Json<SubmitBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<SubmissionState>)> {
    let b = super::body(b)?;
    let form = form_of(&form)?;
    // What a level submits is fixed, so that the level above compares like with like: a
    // commune its own book, a province itself with its communes.
    let fixed = match app.site.site.level {
        Level::Commune => Scope::Site,
        Level::Province | Level::Central => Scope::Descendants,
    };
    let scope = match b.scope.as_deref().filter(|s| !s.is_empty()) {
        None => fixed,
        Some(s) => {
            let asked = scope_of(Some(s))?;
            if asked != fixed {
                return Err(ApiError::of(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Message::new("error-report-submission-scope")
                        .arg("scope", asked.as_str())
                        .arg("fixed", fixed.as_str()),
                )
                .code("bad_scope"));
            }
            asked
        }
    };
    let now = now_ms();
    let period = match b.period.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => Period::parse(p).map_err(|e| ApiError::from(e).code("bad_period"))?,
        // The last closed quarter: the one before the quarter that holds today.
        None => Period::quarter_of(date_from_unix_ms(now).add_days(-92)),
    };
    let by = Some(c.actor());
    let state = blocking(move || {
        app.reports
            .submit_computed(form, &period, scope, b.note, now, by)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(state)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmissionsQuery {
    #[serde(default)]
    period: Option<String>,
    #[serde(default)]
    form: Option<String>,
    /// The site whose own line and children's lines to list: this site when absent, else a
    /// site below it (central looks into one province's communes).
    #[serde(default)]
    site: Option<String>,
}

/// One site's submission of one report.
#[derive(Serialize)]
struct SubmissionLine {
    site: String,
    name: String,
    timeliness: Timeliness,
    timeliness_vi: String,
    record: Option<SubmissionState>,
    /// Where the submitted totals differ from what this site computes from the same records.
    differences: Vec<Difference>,
}

/// A total the submission and this site's computation disagree on.
#[derive(Serialize)]
struct Difference {
    column: String,
    submitted: u64,
    computed: u64,
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
        let of = q.site.unwrap_or_else(|| here.clone());
        app.reports.here_or_below(&of)?;
        let today = date_from_unix_ms(now);
        let mut sites = vec![of.clone()];
        sites.extend(registry.children(&of).iter().cloned());
        let lines = sites
            .into_iter()
            .map(|site| {
                let timeliness = app.reports.timeliness(&site, &form, &period, today);
                let record = app.reports.submitted(&site, &form, &period.name);
                let differences = record
                    .as_ref()
                    .and_then(|r| {
                        let scope = match r.latest()?.descendants {
                            true => Scope::Descendants,
                            false => Scope::Site,
                        };
                        let parsed: ReportForm = form.parse().ok()?;
                        let mine = app
                            .reports
                            .compute(parsed, &period, Some(&site), scope)
                            .ok()?;
                        Some(forms::differences(r, &mine))
                    })
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(column, submitted, computed)| Difference {
                        column,
                        submitted,
                        computed,
                    })
                    .collect();
                SubmissionLine {
                    differences,
                    name: registry
                        .get(&site)
                        .map(|s| s.name.clone())
                        .unwrap_or_default(),
                    timeliness_vi: timeliness.label_vi(),
                    timeliness,
                    record,
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
