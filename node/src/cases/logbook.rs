//! The reception log book (Sổ tiếp công dân, Form 03/TCD): its rows, and the CSV export.
//!
//! Owns the column order and the Vietnamese headings of Form 03/TCD (Decree 154/2026); the
//! printed page is `api::cases::documents`. What a sealed (denunciation) reception keeps in its
//! seal, the identity and the summary, is never printed: the export shows "(bảo mật)" in its
//! place.
//!
//! How each reception was held (chế độ tiếp, hình thức tiếp), how its đơn came (nguồn đơn) and
//! whether it is anonymous are not columns of the official form: the printed book says them in
//! the notes column ([`Row::held`], "Tiếp định kỳ, trực tuyến; đơn qua bưu chính; đơn nặc
//! danh"); the CSV keeps the 13 official columns in order and adds them after as
//! [`EXTRA_HEADINGS`], one fact a column, so a spreadsheet can count by them (Biểu 01/TCD).

use tiepdan_protocol::case::reception::{DonSource, ReceptionForm, SessionType};
use tiepdan_protocol::case::{self, Direction, Identity, Reception};

use super::{bad, Cases};
use crate::records::OpError;

/// One line of the log book.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    pub stt: u64,
    pub case_id: String,
    pub date: String,
    pub name_address: String,
    pub id_paper: String,
    pub summary: String,
    pub kind: String,
    pub people: u32,
    pub prior_bodies: String,
    pub accept: bool,
    pub guide: String,
    pub transfer: String,
    pub follow_up: String,
    /// The officer's own notes.
    pub notes: String,
    pub session_type: SessionType,
    pub form: ReceptionForm,
    pub source: DonSource,
    pub anonymous: bool,
}

impl Row {
    /// How the reception was held, for the notes column of the printed book: "Tiếp định kỳ,
    /// trực tuyến; đơn qua bưu chính; đơn nặc danh".
    pub fn held(&self) -> String {
        let mut s = format!(
            "{}, {}",
            session_type_note(self.session_type),
            form_vi(self.form).to_lowercase()
        );
        if self.source != DonSource::InPerson {
            s.push_str("; ");
            s.push_str(&self.source.label_vi().to_lowercase());
        }
        if self.anonymous {
            s.push_str("; đơn nặc danh");
        }
        s
    }
}

/// Chế độ tiếp, as the CSV column writes it.
pub fn session_type_vi(t: SessionType) -> &'static str {
    match t {
        SessionType::Regular => "Thường xuyên",
        SessionType::Periodic => "Định kỳ",
        SessionType::AdHoc => "Đột xuất",
        SessionType::Authorised => "Ủy quyền",
    }
}

fn session_type_note(t: SessionType) -> &'static str {
    match t {
        SessionType::Regular => "Tiếp thường xuyên",
        SessionType::Periodic => "Tiếp định kỳ",
        SessionType::AdHoc => "Tiếp đột xuất",
        SessionType::Authorised => "Người được ủy quyền tiếp",
    }
}

/// Hình thức tiếp.
pub fn form_vi(f: ReceptionForm) -> &'static str {
    match f {
        ReceptionForm::InPerson => "Trực tiếp",
        ReceptionForm::Online => "Trực tuyến",
    }
}

/// Nguồn đơn, as the CSV column writes it.
pub fn source_vi(s: DonSource) -> &'static str {
    match s {
        DonSource::InPerson => "Công dân đến trực tiếp",
        other => other.label_vi(),
    }
}

/// Form 03/TCD columns, in order.
pub const HEADINGS: [&str; 13] = [
    "STT",
    "Ngày tiếp",
    "Họ tên - Địa chỉ",
    "CCCD/Hộ chiếu",
    "Tóm tắt nội dung vụ việc",
    "Phân loại đơn",
    "Số người",
    "Cơ quan đã giải quyết",
    "Thụ lý để giải quyết",
    "Trả lại đơn và hướng dẫn",
    "Chuyển đơn",
    "Theo dõi kết quả giải quyết",
    "Ghi chú",
];

/// The CSV's columns after the official 13: how the reception was held and its đơn came.
pub const EXTRA_HEADINGS: [&str; 4] =
    ["Chế độ tiếp", "Hình thức tiếp", "Nguồn đơn", "Đơn nặc danh"];

pub fn kind_vi(kind: &str) -> &'static str {
    match kind {
        "complaint" => "Khiếu nại",
        "denunciation" => "Tố cáo",
        "petition" => "Kiến nghị",
        "feedback" => "Phản ánh",
        _ => "",
    }
}

/// One CSV cell. A text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, a tab or a
/// carriage return first: OWASP "CSV injection") gets a leading apostrophe, so a citizen's
/// words in the log book never become a formula on an officer's PC.
fn csv_field(s: &str) -> String {
    let defused;
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        defused = format!("'{s}");
        defused.as_str()
    } else {
        s
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

pub fn to_csv(rows: &[Row]) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&HEADINGS.join(","));
    out.push(',');
    out.push_str(&EXTRA_HEADINGS.join(","));
    out.push('\n');
    for r in rows {
        let cells = [
            r.stt.to_string(),
            r.date.clone(),
            r.name_address.clone(),
            r.id_paper.clone(),
            r.summary.clone(),
            r.kind.clone(),
            r.people.to_string(),
            r.prior_bodies.clone(),
            if r.accept { "x".into() } else { String::new() },
            r.guide.clone(),
            r.transfer.clone(),
            r.follow_up.clone(),
            r.notes.clone(),
            session_type_vi(r.session_type).to_owned(),
            form_vi(r.form).to_owned(),
            source_vi(r.source).to_owned(),
            if r.anonymous {
                "x".into()
            } else {
                String::new()
            },
        ];
        out.push_str(
            &cells
                .iter()
                .map(|c| csv_field(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    out
}

impl Cases {
    /// The site's own log book, oldest first, in a date range: the receptions entered here,
    /// and a line for each case heard here in an online session (NĐ 154/2026 Art 27), whoever
    /// received it first. STT numbers the lines of each year in order.
    pub fn logbook_rows(&self, from: Option<&str>, to: Option<&str>) -> Result<Vec<Row>, OpError> {
        let from = from.map(case::parse_date).transpose().map_err(bad)?;
        let to = to.map(case::parse_date).transpose().map_err(bad)?;
        let within = |d: case::Date| !(from.is_some_and(|f| d < f) || to.is_some_and(|t| d > t));
        let code = &self.site.site.code;
        let cases = self.records.held();
        // (date, the case's own number, 0 for its reception and 1 for a hearing, row)
        let mut rows: Vec<(case::Date, u64, u8, Row)> = Vec::new();
        for e in cases.entries.values() {
            let Some(r) = &e.state.reception else {
                continue;
            };
            let number = e
                .state
                .case_id
                .rsplit('-')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let line = reception_line(&e.state, r);
            if e.state.origin == *code && within(r.date) {
                rows.push((r.date, number, 0, line.clone()));
            }
            for h in &e.state.online_hearings {
                if h.site != *code || !within(h.date) {
                    continue;
                }
                let mut heard = line.clone();
                heard.date = h.date.to_string();
                heard.accept = false;
                heard.guide.clear();
                heard.transfer.clear();
                heard.session_type = h.session_type;
                heard.form = case::ReceptionForm::Online;
                heard.notes = format!(
                    "Tiếp trực tuyến tại phiên {} về vụ việc {} (tiếp nhận ngày {})",
                    h.session_id,
                    e.state.case_id,
                    crate::language::history::dmy(r.date)
                );
                rows.push((h.date, number, 1, heard));
            }
        }
        rows.sort_by_key(|r| (r.0, r.1, r.2));
        let mut year = None;
        let mut stt = 0;
        Ok(rows
            .into_iter()
            .map(|(date, _, _, mut row)| {
                if year != Some(date.year()) {
                    year = Some(date.year());
                    stt = 0;
                }
                stt += 1;
                row.stt = stt;
                row
            })
            .collect())
    }
}

/// The log-book line of a case's reception (Form 03/TCD), numbered by the caller.
fn reception_line(state: &case::CaseState, r: &Reception) -> Row {
    let (name_address, id_paper) = match &r.identity {
        Identity::Plain(c) => (format!("{}, {}", c.name, c.address), c.id_number.clone()),
        Identity::Sealed(_) => ("(bảo mật)".to_owned(), "(bảo mật)".to_owned()),
    };
    let (guide, transfer) = match &r.direction {
        Some(Direction::Guide { to_body, letter_no }) => {
            (format!("{to_body} ({letter_no})"), String::new())
        }
        Some(Direction::Transfer { to_body, letter_no }) => {
            (String::new(), format!("{to_body} ({letter_no})"))
        }
        _ => (String::new(), String::new()),
    };
    let kind = serde_json::to_value(r.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    Row {
        stt: 0,
        case_id: state.case_id.clone(),
        date: r.date.to_string(),
        name_address,
        id_paper,
        // A denunciation's summary is inside its seal with the identity.
        summary: match &r.identity {
            Identity::Plain(_) => r.summary.clone(),
            Identity::Sealed(_) => "(bảo mật)".to_owned(),
        },
        kind: kind_vi(&kind).to_owned(),
        people: r.people_count,
        prior_bodies: r.prior_bodies.join("; "),
        accept: matches!(r.direction, Some(Direction::Accept)),
        guide,
        transfer,
        follow_up: state.status.label_vi().to_owned(),
        notes: r.notes.clone(),
        session_type: r.session_type,
        form: r.form,
        source: r.source,
        anonymous: r.anonymous,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    #[test]
    fn a_formula_in_a_field_reaches_the_csv_as_text() {
        assert_eq!(
            super::csv_field("=HYPERLINK(\"http://x\",\"bấm\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"bấm\"\")\""
        );
        for f in ["+1", "-1+2", "@SUM(A1)", "\tx"] {
            assert!(super::csv_field(f).starts_with('\''), "{f}");
        }
        assert_eq!(super::csv_field("Nguyễn Văn A"), "Nguyễn Văn A");
    }

    use super::*;

    /// A row as the log book holds one: the fixture of this module's and the printed book's
    /// tests.
    pub fn row() -> Row {
        Row {
            stt: 1,
            case_id: "00070-2026-00001".into(),
            date: "2026-11-20".into(),
            name_address: "Nguyễn Văn A, \"số 1\" Hàng Bạc".into(),
            id_paper: "001234567890".into(),
            summary: "Khiếu nại về đất đai".into(),
            kind: "Khiếu nại".into(),
            people: 1,
            prior_bodies: String::new(),
            accept: true,
            guide: String::new(),
            transfer: String::new(),
            follow_up: "Đã thụ lý".into(),
            notes: "<b>".into(),
            session_type: SessionType::Regular,
            form: ReceptionForm::InPerson,
            source: DonSource::InPerson,
            anonymous: false,
        }
    }

    #[test]
    fn csv_quotes_and_keeps_diacritics() {
        let csv = to_csv(&[row()]);
        assert!(csv.starts_with("\u{feff}STT,Ngày tiếp,"));
        assert!(
            csv.contains("\"Nguyễn Văn A, \"\"số 1\"\" Hàng Bạc\""),
            "{csv}"
        );
        assert_eq!(csv.lines().count(), 2);
        let header = csv.lines().next().unwrap();
        assert!(
            header.ends_with(",Ghi chú,Chế độ tiếp,Hình thức tiếp,Nguồn đơn,Đơn nặc danh"),
            "{header}"
        );
        assert!(csv
            .lines()
            .nth(1)
            .unwrap()
            .ends_with(",<b>,Thường xuyên,Trực tiếp,Công dân đến trực tiếp,"));
    }

    #[test]
    fn how_a_reception_was_held_reads_in_the_notes() {
        assert_eq!(row().held(), "Tiếp thường xuyên, trực tiếp");
        let r = Row {
            session_type: SessionType::Periodic,
            form: ReceptionForm::Online,
            source: DonSource::Post,
            anonymous: true,
            ..row()
        };
        assert_eq!(
            r.held(),
            "Tiếp định kỳ, trực tuyến; đơn qua bưu chính; đơn nặc danh"
        );
        let csv = to_csv(&[r]);
        assert!(
            csv.lines()
                .nth(1)
                .unwrap()
                .ends_with(",Định kỳ,Trực tuyến,Đơn qua bưu chính,x"),
            "{csv}"
        );
    }
}
