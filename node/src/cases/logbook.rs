//! The reception log book (Sổ tiếp công dân, Form 03/TCD): its rows, and the CSV export.
//!
//! Owns the column order and the Vietnamese headings of Form 03/TCD (Decree 154/2026); the
//! printed page is `api::cases::documents`. What a sealed (denunciation) reception keeps in its
//! seal, the identity and the summary, is never printed: the export shows "(bảo mật)" in its
//! place.

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
    pub notes: String,
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

#[cfg(test)]
mod tests {
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

    fn row() -> Row {
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
    }
}
