//! The five biểu of TT 01/2024/TT-TTCP that tiepdan computes, and their columns: the API's id of
//! each figure and the Vietnamese heading the official layout gives it, grouped as the form
//! groups them under merged headings.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use crate::case::Kind;

/// A report form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReportForm {
    /// Biểu 01/TCD: tổng hợp kết quả tiếp công dân.
    Tcd01,
    /// Biểu 01/XLD: tổng hợp kết quả xử lý đơn.
    Xld01,
    /// Biểu 02/XLD: xử lý đơn khiếu nại.
    Xld02,
    /// Biểu 03/XLD: xử lý đơn tố cáo.
    Xld03,
    /// Biểu 04/XLD: xử lý đơn kiến nghị, phản ánh.
    Xld04,
}

/// A form name that is not one of the five.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown report form {0:?}: write 01-tcd, 01-xld, 02-xld, 03-xld or 04-xld")]
pub struct FormError(pub String);

/// One figure of a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Column {
    /// The API's name of the figure (`visits`, …), English snake_case.
    pub id: &'static str,
    /// The heading in the official layout.
    pub heading_vi: &'static str,
}

/// Columns under one merged heading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnGroup {
    pub heading_vi: &'static str,
    pub columns: Vec<Column>,
}

const fn c(id: &'static str, heading_vi: &'static str) -> Column {
    Column { id, heading_vi }
}

impl ReportForm {
    pub const ALL: [ReportForm; 5] = [
        ReportForm::Tcd01,
        ReportForm::Xld01,
        ReportForm::Xld02,
        ReportForm::Xld03,
        ReportForm::Xld04,
    ];

    /// `01-tcd`, `01-xld`, `02-xld`, `03-xld`, `04-xld`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportForm::Tcd01 => "01-tcd",
            ReportForm::Xld01 => "01-xld",
            ReportForm::Xld02 => "02-xld",
            ReportForm::Xld03 => "03-xld",
            ReportForm::Xld04 => "04-xld",
        }
    }

    /// "Biểu số 01/TCD".
    pub fn number_vi(self) -> &'static str {
        match self {
            ReportForm::Tcd01 => "Biểu số 01/TCD",
            ReportForm::Xld01 => "Biểu số 01/XLD",
            ReportForm::Xld02 => "Biểu số 02/XLD",
            ReportForm::Xld03 => "Biểu số 03/XLD",
            ReportForm::Xld04 => "Biểu số 04/XLD",
        }
    }

    /// The title, as the form prints it (upper case).
    pub fn title_vi(self) -> &'static str {
        match self {
            ReportForm::Tcd01 => "TỔNG HỢP KẾT QUẢ TIẾP CÔNG DÂN",
            ReportForm::Xld01 => "TỔNG HỢP KẾT QUẢ XỬ LÝ ĐƠN",
            ReportForm::Xld02 => "TỔNG HỢP KẾT QUẢ XỬ LÝ ĐƠN KHIẾU NẠI",
            ReportForm::Xld03 => "TỔNG HỢP KẾT QUẢ XỬ LÝ ĐƠN TỐ CÁO",
            ReportForm::Xld04 => "TỔNG HỢP KẾT QUẢ XỬ LÝ ĐƠN KIẾN NGHỊ, PHẢN ÁNH",
        }
    }

    /// The content types a XLD form counts (every type for 01/TCD and 01/XLD).
    pub fn counts_kind(self, kind: Kind) -> bool {
        match self {
            ReportForm::Tcd01 | ReportForm::Xld01 => true,
            ReportForm::Xld02 => kind == Kind::Complaint,
            ReportForm::Xld03 => kind == Kind::Denunciation,
            ReportForm::Xld04 => matches!(kind, Kind::Petition | Kind::Feedback),
        }
    }

    /// The column groups, in the form's order.
    pub fn groups(self) -> Vec<ColumnGroup> {
        let g = |heading_vi, columns: &[Column]| ColumnGroup {
            heading_vi,
            columns: columns.to_vec(),
        };
        match self {
            ReportForm::Tcd01 => vec![
                g("Tổng số", &TCD_TOTALS),
                g("Tiếp thường xuyên", &REGULAR),
                g("Thủ trưởng tiếp định kỳ, đột xuất", &HEAD),
                g("Người được thủ trưởng ủy quyền tiếp", &AUTHORISED),
                g("Phân loại, xử lý đơn qua tiếp công dân", &TCD_DON),
            ],
            form => {
                let mut groups = vec![
                    g("Tiếp nhận", &XLD_INTAKE),
                    g("Số người đứng tên", &XLD_SIGNATORIES),
                    g("Đơn đủ điều kiện xử lý", &[c("eligible", "Số đơn")]),
                ];
                match form {
                    ReportForm::Xld01 => groups.push(g("Phân loại theo nội dung", &XLD_CONTENT)),
                    ReportForm::Xld03 => groups.push(g("Theo lĩnh vực", &XLD_SECTORS_TC)),
                    _ => groups.push(g("Theo lĩnh vực", &XLD_SECTORS_TC[..6])),
                }
                groups.push(g("Theo tình trạng giải quyết", &XLD_STATUS));
                groups.push(g("Kết quả xử lý", &XLD_RESULT));
                groups.push(g(
                    "Văn bản phúc đáp",
                    &[c(
                        "replies_received",
                        "Số văn bản phúc đáp nhận được do chuyển đơn",
                    )],
                ));
                groups
            }
        }
    }

    /// Every column id, in order.
    pub fn columns(self) -> Vec<&'static str> {
        self.groups()
            .iter()
            .flat_map(|g| g.columns.iter().map(|c| c.id))
            .collect()
    }
}

const TCD_TOTALS: [Column; 10] = [
    c("visits", "Lượt tiếp"),
    c("persons", "Số người"),
    c("cases_first", "Vụ việc lần đầu"),
    c("cases_repeat", "Vụ việc nhiều lần"),
    c("crowds", "Số đoàn đông người"),
    c("crowd_persons", "Số người trong đoàn"),
    c("crowd_cases_first", "Vụ việc của đoàn lần đầu"),
    c("crowd_cases_repeat", "Vụ việc của đoàn nhiều lần"),
    c("periodic_sessions", "Số kỳ tiếp định kỳ của thủ trưởng"),
    c("refused", "Số lượt từ chối tiếp"),
];

/// The six figures of one channel: `{channel}_visits`, `{channel}_persons`, …
macro_rules! channel {
    ($p:literal) => {
        [
            c(concat!($p, "_visits"), "Lượt tiếp"),
            c(concat!($p, "_persons"), "Số người"),
            c(concat!($p, "_cases_first"), "Vụ việc lần đầu"),
            c(concat!($p, "_cases_repeat"), "Vụ việc nhiều lần"),
            c(concat!($p, "_crowds"), "Số đoàn đông người"),
            c(concat!($p, "_crowd_persons"), "Số người trong đoàn"),
        ]
    };
}

const REGULAR: [Column; 6] = channel!("regular");
const HEAD: [Column; 6] = channel!("head");
const AUTHORISED: [Column; 6] = channel!("authorised");

const TCD_DON: [Column; 8] = [
    c("don_complaint", "Đơn khiếu nại"),
    c("don_denunciation", "Đơn tố cáo"),
    c("don_petition", "Đơn kiến nghị, phản ánh"),
    c("within_competence", "Thuộc thẩm quyền"),
    c("outside_guided", "Không thuộc thẩm quyền — hướng dẫn"),
    c("outside_transferred", "Không thuộc thẩm quyền — chuyển đơn"),
    c("follow_up", "Đôn đốc việc giải quyết"),
    c("replies_received", "Văn bản phúc đáp nhận được"),
];

const XLD_INTAKE: [Column; 3] = [
    c("carried_over", "Kỳ trước chuyển sang"),
    c("received", "Tiếp nhận trong kỳ"),
    c("total", "Tổng số đơn"),
];

const XLD_SIGNATORIES: [Column; 2] = [
    c("one_signatory", "Đơn có một người đứng tên"),
    c("several_signatories", "Đơn có nhiều người đứng tên"),
];

const XLD_CONTENT: [Column; 3] = [
    c("complaint", "Khiếu nại"),
    c("denunciation", "Tố cáo"),
    c("petition", "Kiến nghị, phản ánh"),
];

const XLD_SECTORS_TC: [Column; 7] = [
    c("sector_policy", "Hành chính — chế độ, chính sách"),
    c("sector_land_housing", "Hành chính — đất đai, nhà cửa"),
    c("sector_administrative_other", "Hành chính — lĩnh vực khác"),
    c("sector_judicial", "Tư pháp"),
    c("sector_party", "Đảng, đoàn thể"),
    c("sector_other", "Lĩnh vực khác"),
    c("sector_corruption", "Tham nhũng"),
];

const XLD_STATUS: [Column; 4] = [
    c("resolved_once", "Đã giải quyết lần đầu"),
    c("resolved_several", "Đã giải quyết nhiều lần"),
    c("not_resolved", "Chưa được giải quyết"),
    c("in_progress", "Đang giải quyết"),
];

const XLD_RESULT: [Column; 4] = [
    c("within_competence", "Thuộc thẩm quyền"),
    c("outside_guided", "Không thuộc thẩm quyền — hướng dẫn"),
    c("outside_transferred", "Không thuộc thẩm quyền — chuyển đơn"),
    c("follow_up", "Đôn đốc việc giải quyết"),
];

impl fmt::Display for ReportForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReportForm {
    type Err = FormError;
    fn from_str(s: &str) -> Result<ReportForm, FormError> {
        ReportForm::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| FormError(s.chars().take(40).collect()))
    }
}

impl Serialize for ReportForm {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_has_distinct_snake_case_columns_and_parses_back() {
        for form in ReportForm::ALL {
            let cols = form.columns();
            let distinct: std::collections::BTreeSet<_> = cols.iter().collect();
            assert_eq!(distinct.len(), cols.len(), "{form}");
            for id in &cols {
                assert!(
                    !id.is_empty() && id.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                    "{form}: {id:?}"
                );
            }
            assert_eq!(form.as_str().parse::<ReportForm>().unwrap(), form);
            assert!(cols.len() <= crate::submission::MAX_COLUMNS);
        }
        let tcd = ReportForm::Tcd01.columns();
        for want in [
            "visits",
            "persons",
            "cases_first",
            "cases_repeat",
            "crowds",
            "crowd_persons",
            "periodic_sessions",
        ] {
            assert!(tcd.contains(&want), "{want}");
        }
        assert!(ReportForm::Xld03.columns().contains(&"sector_corruption"));
        assert!(!ReportForm::Xld02.columns().contains(&"sector_corruption"));
        assert!("05-xld".parse::<ReportForm>().is_err());
    }
}
