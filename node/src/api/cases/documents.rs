//! The legal documents of a reception as print-ready A4 pages (Decree 154/2026, appendix;
//! TT 04/2021): Form 01/TCD, the refusal notice (Thông báo từ chối tiếp công dân), at
//! `GET cases/{id}/forms/01`; Form 02/TCD, the receipt for documents and evidence (Giấy biên
//! nhận thông tin, tài liệu), at `GET cases/{id}/forms/02`; and Form 03/TCD, the log book (Sổ
//! tiếp công dân), which `GET logbook?format=html` and `tiepdan logbook --format html` print.
//!
//! Owns the page templates (`node/templates/forms/`: one A4 frame with the national heading,
//! the issuing body, the place and date line and the form number; one page per form) and what
//! each form takes from a case. askama escapes every field as HTML. A denunciation's sealed
//! details are printed only for a caller who may open them ([`PrintDetails::Opened`]: the view
//! is then recorded in the case, as the identity view is); anyone else reads "(bảo mật)".
//! The issuing body of Forms 01 and 02 is the site that received the citizen (the case's
//! origin); of the log book, this site.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use std::sync::Arc;
use tiepdan_protocol::case::{self, CaseState, Date, Reception, SealedDetails};
use tiepdan_protocol::sites::{Registry, CENTRAL_CODE};

use crate::accounts::Caller;
use crate::api::{blocking, ApiError, ApiResult, App};
use crate::cases::logbook::{self, Row};
use crate::cases::PrintDetails;
use crate::language::bodies::issuing_body;
use crate::language::Message;
use crate::site::clock::now_ms;

/// What a document prints in place of a detail the caller may not see.
pub const SEALED: &str = "(bảo mật)";

/// The frame every form shares (`forms/base.html`).
pub struct Letterhead {
    pub title: String,
    /// "Mẫu số 01/TCD", at the top right.
    pub form_no: &'static str,
    /// The managing body, the line above the issuing body (none for a commune).
    pub parent: Option<String>,
    /// The issuing body as the heading names it ([`issuing_body`]).
    pub body: String,
    /// The issuing body as a sentence names it: "Ban Tiếp công dân thành phố Hà Nội".
    pub body_text: String,
    /// The document number line, left blank to be filled in by hand.
    pub number: Option<&'static str>,
    /// "Ba Đình, ngày 20 tháng 11 năm 2026".
    pub place_date: String,
    pub landscape: bool,
    /// Shown above the page on screen, never printed.
    pub note: String,
    /// The nonce of the page's one script (the print button), named in its CSP.
    pub nonce: String,
}

impl Letterhead {
    pub(crate) fn new(
        issuer: &str,
        form_no: &'static str,
        title: String,
        dated: Date,
    ) -> Letterhead {
        let registry = Registry::official();
        let site = registry.get(issuer).ok();
        let (parent, body, body_text) = match site {
            Some(s) => issuing_body(s),
            None => (None, issuer.to_owned(), issuer.to_owned()),
        };
        let name = site.map_or_else(|| issuer.to_owned(), |s| s.name.clone());
        Letterhead {
            body_text,
            title,
            form_no,
            parent,
            place_date: format!("{}, ngày {}", place_of(issuer, &name), long_date(dated)),
            body,
            number: None,
            landscape: false,
            note: String::new(),
            nonce: hex::encode(rand::random::<[u8; 16]>()),
        }
    }
}

/// The place a document is dated at: the locality's name without its type ("Phường Ba Đình"
/// → "Ba Đình"); central's office is in Hà Nội.
fn place_of(code: &str, name: &str) -> String {
    if code == CENTRAL_CODE {
        return "Hà Nội".to_owned();
    }
    ["Thành phố ", "Phường ", "Xã ", "Đặc khu "]
        .iter()
        .find_map(|p| name.strip_prefix(p))
        .unwrap_or(name)
        .to_owned()
}

/// "05 tháng 02 năm 2026": a day below 10 and the months January and February with a leading
/// zero, as administrative documents write them (Decree 30/2020, appendix I).
pub fn long_date(d: Date) -> String {
    let day = format!("{:02}", d.day());
    let month = if d.month() < 3 {
        format!("{:02}", d.month())
    } else {
        d.month().to_string()
    };
    format!("{day} tháng {month} năm {}", d.year())
}

fn short_date(d: Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), d.month(), d.year())
}

/// A rendered document and the nonce its script carries.
pub struct Page {
    pub html: String,
    nonce: String,
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let csp = format!(
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{}'; \
             base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            self.nonce
        );
        let mut r = (StatusCode::OK, self.html).into_response();
        let h = r.headers_mut();
        let set = |v: &'static str| HeaderValue::from_static(v);
        h.insert(header::CONTENT_TYPE, set("text/html; charset=utf-8"));
        // As the web pages: never framed by another origin, no referrer.
        h.insert(header::X_FRAME_OPTIONS, set("DENY"));
        h.insert(header::REFERRER_POLICY, set("no-referrer"));
        // A document names a citizen: not kept by the browser or a proxy.
        h.insert(header::CACHE_CONTROL, set("no-store"));
        if let Ok(v) = HeaderValue::from_str(&csp) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
        r
    }
}

pub(crate) fn render(t: &impl Template, nonce: String) -> Result<Page, askama::Error> {
    Ok(Page {
        html: t.render()?,
        nonce,
    })
}

pub fn failed(e: askama::Error) -> ApiError {
    ApiError::internal(format!("the document could not be rendered: {e}"))
}

/// The citizen as a document names them.
pub struct PrintedCitizen {
    pub name: String,
    pub address: String,
    pub id_label: String,
    pub id_number: String,
}

impl PrintedCitizen {
    fn of(details: Option<&SealedDetails>) -> PrintedCitizen {
        match details {
            Some(d) => PrintedCitizen {
                name: d.citizen.name.clone(),
                address: d.citizen.address.clone(),
                id_label: d.citizen.id_type.label_vi().to_owned(),
                id_number: d.citizen.id_number.clone(),
            },
            None => PrintedCitizen {
                name: SEALED.to_owned(),
                address: SEALED.to_owned(),
                id_label: "Giấy tờ tùy thân".to_owned(),
                id_number: SEALED.to_owned(),
            },
        }
    }
}

fn sealing_note(details: &PrintDetails) -> &'static str {
    match details {
        PrintDetails::Plain(_) => "",
        PrintDetails::Opened(_) => " Văn bản có danh tính người tố cáo: việc xem đã được ghi vào lịch sử vụ việc; phải giữ bí mật (Điều 47 Luật Tố cáo năm 2018).",
        PrintDetails::Sealed => " Danh tính người tố cáo được bảo mật: văn bản in \"(bảo mật)\" thay cho thông tin đó.",
    }
}

fn reception_of(state: &CaseState) -> ApiResult<&Reception> {
    state.reception.as_ref().ok_or_else(|| {
        ApiError::of(
            StatusCode::NOT_FOUND,
            Message::new("error-case-no-reception").arg("case", &state.case_id),
        )
    })
}

/// Form 01/TCD's own fields.
pub struct Refusal {
    pub case_id: String,
    pub received_on: String,
    pub citizen: PrintedCitizen,
    pub summary: String,
    /// The provision, as the notice cites it.
    pub basis: &'static str,
    /// The reason in words.
    pub reason: &'static str,
}

#[derive(Template)]
#[template(path = "forms/01.html")]
struct Form01 {
    doc: Letterhead,
    f: Refusal,
}

/// Form 01/TCD of a case whose reception was refused; 409 `no_refusal` for any other.
pub fn form_01(state: &CaseState, details: &PrintDetails, today: Date) -> ApiResult<Page> {
    let reception = reception_of(state)?;
    let Some(reason) = reception.refusal else {
        return Err(ApiError::of(
            StatusCode::CONFLICT,
            Message::new("error-form-no-refusal").arg("case", &state.case_id),
        )
        .code("no_refusal"));
    };
    let mut doc = Letterhead::new(
        &state.origin,
        "Mẫu số 01/TCD",
        format!("Thông báo từ chối tiếp công dân — {}", state.case_id),
        today,
    );
    doc.number = Some("Số: ……/TB-……");
    doc.note = format!(
        "{}{}",
        if reason.needs_written_notice() {
            "Lý do này phải được thông báo bằng văn bản trong 03 ngày làm việc (khoản 3 Điều 4 Nghị định số 154/2026/NĐ-CP)."
        } else {
            "Lý do này không bắt buộc thông báo bằng văn bản; in khi cần."
        },
        sealing_note(details)
    );
    let d = details.details();
    let f = Refusal {
        case_id: state.case_id.clone(),
        received_on: long_date(reception.date),
        citizen: PrintedCitizen::of(d),
        summary: d.map_or_else(|| SEALED.to_owned(), |d| d.summary.clone()),
        basis: reason.basis_vi(),
        reason: reason.label_vi(),
    };
    let nonce = doc.nonce.clone();
    render(&Form01 { doc, f }, nonce).map_err(failed)
}

/// One line of Form 02/TCD.
pub struct PrintedItem {
    pub name: String,
    pub pages: u32,
    pub condition: &'static str,
}

/// Form 02/TCD's own fields.
pub struct Receipt {
    pub case_id: String,
    pub received_on: String,
    pub officer: String,
    pub citizen: PrintedCitizen,
    pub items: Vec<PrintedItem>,
    pub total_pages: u64,
}

#[derive(Template)]
#[template(path = "forms/02.html")]
struct Form02 {
    doc: Letterhead,
    f: Receipt,
}

/// Form 02/TCD of a reception at which documents were handed in; 409 `no_evidence` when
/// none were, 403 `identity_sealed` when they are sealed and this caller may not open them.
pub fn form_02(state: &CaseState, details: &PrintDetails) -> ApiResult<Page> {
    let reception = reception_of(state)?;
    let Some(d) = details.details() else {
        return Err(ApiError::of(
            StatusCode::FORBIDDEN,
            Message::new("error-form-identity-sealed"),
        )
        .code("identity_sealed"));
    };
    if d.evidence.is_empty() {
        return Err(ApiError::of(
            StatusCode::CONFLICT,
            Message::new("error-form-no-evidence").arg("case", &state.case_id),
        )
        .code("no_evidence"));
    }
    let mut doc = Letterhead::new(
        &state.origin,
        "Mẫu số 02/TCD",
        format!("Giấy biên nhận thông tin, tài liệu — {}", state.case_id),
        reception.date,
    );
    doc.note = format!(
        "Lập 02 bản; người cung cấp và người tiếp công dân cùng ký.{}",
        sealing_note(details)
    );
    let f = Receipt {
        case_id: state.case_id.clone(),
        received_on: long_date(reception.date),
        officer: reception.officer.clone(),
        citizen: PrintedCitizen::of(Some(d)),
        items: d
            .evidence
            .iter()
            .map(|e| PrintedItem {
                name: e.name.clone(),
                pages: e.pages,
                condition: e.condition.label_vi(),
            })
            .collect(),
        total_pages: d.evidence.iter().map(|e| u64::from(e.pages)).sum(),
    };
    let nonce = doc.nonce.clone();
    render(&Form02 { doc, f }, nonce).map_err(failed)
}

/// Form 03/TCD's own fields.
pub struct Book<'a> {
    /// "Năm 2026", or the dates asked for.
    pub period: String,
    pub headings: &'static [&'static str],
    pub rows: &'a [Row],
}

#[derive(Template)]
#[template(path = "forms/03.html")]
struct Form03<'a> {
    doc: Letterhead,
    f: Book<'a>,
}

/// The period a log book covers, in words.
pub fn period(year: Option<i32>, from: Option<Date>, to: Option<Date>) -> String {
    match (year, from, to) {
        (Some(y), _, _) => format!("Năm {y}"),
        (None, Some(f), Some(t)) => format!("Từ ngày {} đến ngày {}", short_date(f), short_date(t)),
        (None, Some(f), None) => format!("Từ ngày {}", short_date(f)),
        (None, None, Some(t)) => format!("Đến ngày {}", short_date(t)),
        (None, None, None) => "Toàn bộ các lượt tiếp công dân".to_owned(),
    }
}

/// Form 03/TCD: the log book of `site` (its own receptions), dated `today`.
pub fn logbook_page(
    site: &str,
    rows: &[Row],
    period: String,
    today: Date,
) -> Result<Page, askama::Error> {
    let mut doc = Letterhead::new(
        site,
        "Mẫu số 03/TCD",
        format!("Sổ tiếp công dân — {period}"),
        today,
    );
    doc.landscape = true;
    doc.note = "In khổ A4 nằm ngang. Đơn tố cáo: danh tính và nội dung ghi \"(bảo mật)\".".into();
    let nonce = doc.nonce.clone();
    render(
        &Form03 {
            doc,
            f: Book {
                period,
                headings: &logbook::HEADINGS,
                rows,
            },
        },
        nonce,
    )
}

/// Records the view when the page shows a sealed identity it opened, before it is sent.
async fn audit(app: &Arc<App>, c: &Caller, id: &str, details: &PrintDetails) -> ApiResult<()> {
    if !matches!(details, PrintDetails::Opened(_)) {
        return Ok(());
    }
    let (app, id, by, name) = (app.clone(), id.to_owned(), c.actor(), c.full_name.clone());
    blocking(move || app.cases.record_identity_view(&id, by, &name, now_ms())).await
}

/// `GET cases/{id}/forms/01`.
pub async fn get_form_01(
    State(app): State<Arc<App>>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Page> {
    let now = now_ms();
    let (state, details) = app.cases.for_print(&id, c.role)?;
    let page = form_01(&state, &details, case::date_from_unix_ms(now))?;
    audit(&app, &c, &id, &details).await?;
    Ok(page)
}

/// `GET cases/{id}/forms/02`.
pub async fn get_form_02(
    State(app): State<Arc<App>>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Page> {
    let (state, details) = app.cases.for_print(&id, c.role)?;
    let page = form_02(&state, &details)?;
    audit(&app, &c, &id, &details).await?;
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_level_issues_under_its_own_heading() {
        let r = Registry::official();
        let heads = |code: &str| issuing_body(r.get(code).unwrap());
        assert_eq!(
            heads("00004"),
            (
                None,
                "Ủy ban nhân dân phường Ba Đình".to_owned(),
                "Ủy ban nhân dân phường Ba Đình".to_owned()
            )
        );
        assert_eq!(
            heads("01"),
            (
                Some("Ủy ban nhân dân thành phố Hà Nội".to_owned()),
                "Ban Tiếp công dân".to_owned(),
                "Ban Tiếp công dân thành phố Hà Nội".to_owned()
            )
        );
        assert_eq!(heads("VN").0.as_deref(), Some("Thanh tra Chính phủ"));
        assert_eq!(heads("VN").1, "Ban Tiếp công dân Trung ương");
    }
    use tiepdan_protocol::case::reception::SessionType;
    use tiepdan_protocol::case::{
        Citizen, EvidenceCondition, EvidenceItem, IdType, Identity, Kind, RefusalReason,
    };

    fn state(refusal: Option<RefusalReason>, evidence: Vec<EvidenceItem>) -> CaseState {
        let citizen = Citizen {
            name: "<script>alert(1)</script> Nguyễn \"Văn\" A".into(),
            address: "Số 1 & 2 Hàng Bạc".into(),
            id_type: IdType::Cccd,
            id_number: "001085012345".into(),
        };
        let reception = Reception {
            date: Date::from_ymd(2026, 2, 5).unwrap(),
            identity: Identity::Plain(citizen),
            summary: "Khiếu nại về đất đai".into(),
            kind: Kind::Complaint,
            people_count: 1,
            prior_bodies: vec![],
            request: String::new(),
            direction: None,
            notes: String::new(),
            officer: "Trần Thị B".into(),
            representatives: vec![],
            evidence,
            refusal,
            session_type: Default::default(),
            form: Default::default(),
            identity_protection: false,
            source: Default::default(),
            anonymous: false,
            classification: Default::default(),
        };
        let mut s = CaseState::new("00004-2026-00001");
        s.origin = "00004".into();
        s.reception = Some(reception);
        s
    }

    fn details(s: &CaseState) -> PrintDetails {
        let r = s.reception.as_ref().unwrap();
        let Identity::Plain(c) = &r.identity else {
            unreachable!()
        };
        PrintDetails::Plain(SealedDetails {
            citizen: c.clone(),
            summary: r.summary.clone(),
            request: r.request.clone(),
            representatives: vec![],
            evidence: r.evidence.clone(),
        })
    }

    fn page(r: ApiResult<Page>) -> String {
        match r {
            Ok(p) => p.html,
            Err(e) => panic!("{} {}", e.status, e.code),
        }
    }

    #[test]
    fn form_01_has_the_heading_the_reason_and_escapes_the_name() {
        let s = state(Some(RefusalReason::AlreadyResolved), vec![]);
        let today = Date::from_ymd(2026, 11, 20).unwrap();
        let html = page(form_01(&s, &details(&s), today));
        for want in [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "Mẫu số 01/TCD",
            "Ủy ban nhân dân phường Ba Đình thông báo từ chối",
            "Ba Đình, ngày 20 tháng 11 năm 2026",
            "Ngày 05 tháng 02 năm 2026",
            "khoản 3 Điều 9 Luật Tiếp công dân năm 2013",
            RefusalReason::AlreadyResolved.label_vi(),
            "NGƯỜI ĐỨNG ĐẦU CƠ QUAN, TỔ CHỨC, ĐƠN VỊ",
            "(Ký, ghi rõ họ tên và đóng dấu)",
            "&#60;script&#62;alert(1)&#60;/script&#62; Nguyễn",
            "Số 1 &#38; 2 Hàng Bạc",
        ] {
            assert!(html.contains(want), "{want:?} missing: {html}");
        }
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.contains("@page { size: A4; margin: 20mm 15mm; }"));
    }

    #[test]
    fn form_01_needs_a_refusal_and_form_02_evidence() {
        let s = state(None, vec![]);
        let today = Date::from_ymd(2026, 11, 20).unwrap();
        let e = form_01(&s, &details(&s), today).err().unwrap();
        assert_eq!((e.status, e.code), (StatusCode::CONFLICT, "no_refusal"));
        let e = form_02(&s, &details(&s)).err().unwrap();
        assert_eq!((e.status, e.code), (StatusCode::CONFLICT, "no_evidence"));
        assert!(e.message.is_in_catalogue(), "{}", e.message.id);
        assert!(
            e.message
                .render(crate::language::Lang::Vi)
                .contains("không nhận thông tin, tài liệu nào"),
            "{:?}",
            e.message
        );
        assert!(e
            .message
            .render(crate::language::Lang::En)
            .contains("has no receipt"));
        let e = form_02(&s, &PrintDetails::Sealed).err().unwrap();
        assert_eq!(e.code, "identity_sealed");
        assert_eq!(e.message.id, "error-form-identity-sealed");
        assert!(e.message.is_in_catalogue());
    }

    #[test]
    fn form_02_lists_the_items_and_both_signatures() {
        let items = vec![
            EvidenceItem {
                name: "Quyết định thu hồi đất số 12/QĐ".into(),
                pages: 3,
                condition: EvidenceCondition::CertifiedCopy,
            },
            EvidenceItem {
                name: "Sổ đỏ <b>".into(),
                pages: 2,
                condition: EvidenceCondition::Copy,
            },
        ];
        let s = state(None, items);
        let html = page(form_02(&s, &details(&s)));
        for want in [
            "Mẫu số 02/TCD",
            "GIẤY BIÊN NHẬN",
            "Quyết định thu hồi đất số 12/QĐ",
            "Bản sao có chứng thực",
            "Sổ đỏ &#60;b&#62;",
            "Bản sao<",
            ">3<",
            "5 trang",
            "NGƯỜI CUNG CẤP THÔNG TIN, TÀI LIỆU",
            "NGƯỜI TIẾP CÔNG DÂN",
            "Trần Thị B",
            "Ba Đình, ngày 05 tháng 02 năm 2026",
        ] {
            assert!(html.contains(want), "{want:?} missing: {html}");
        }
    }

    #[test]
    fn a_sealed_identity_prints_as_sealed() {
        let s = state(Some(RefusalReason::Disorderly), vec![]);
        let today = Date::from_ymd(2026, 11, 20).unwrap();
        let html = page(form_01(&s, &PrintDetails::Sealed, today));
        assert!(html.contains("ông (bà): <b>(bảo mật)</b>"), "{html}");
        assert!(!html.contains("Nguyễn"), "{html}");
        assert!(!html.contains("Khiếu nại về đất đai"), "{html}");
    }

    #[test]
    fn the_log_book_prints_its_rows_landscape() {
        let row = Row {
            stt: 7,
            case_id: "00004-2026-00007".into(),
            name_address: "Lê Văn C, <i>Hà Nội</i>".into(),
            notes: "Có đơn kèm theo".into(),
            session_type: SessionType::AdHoc,
            anonymous: true,
            ..logbook::tests::row()
        };
        let today = Date::from_ymd(2026, 12, 31).unwrap();
        let html = logbook_page("00004", &[row], period(Some(2026), None, None), today)
            .unwrap()
            .html;
        for want in [
            "SỔ TIẾP CÔNG DÂN",
            "Mẫu số 03/TCD",
            "Năm 2026",
            "size: A4 landscape",
            "Lê Văn C, &#60;i&#62;Hà Nội&#60;/i&#62;",
            "☒",
            "(13)",
            "Tóm tắt nội dung vụ việc",
            "Tiếp đột xuất, trực tiếp; đơn nặc danh",
            "Có đơn kèm theo",
        ] {
            assert!(html.contains(want), "{want:?} missing: {html}");
        }
    }

    #[test]
    fn dates_and_places_as_documents_write_them() {
        assert_eq!(
            long_date(Date::from_ymd(2026, 3, 9).unwrap()),
            "09 tháng 3 năm 2026"
        );
        assert_eq!(place_of("VN", "Ban Tiếp công dân Trung ương"), "Hà Nội");
        assert_eq!(place_of("01", "Thành phố Hà Nội"), "Hà Nội");
        assert_eq!(place_of("11", "Lào Cai"), "Lào Cai");
        assert_eq!(place_of("00004", "Xã Tân Lập"), "Tân Lập");
    }
}
