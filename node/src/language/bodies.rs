//! How Vietnamese documents name the body that issues a site's papers and reports (Decree
//! 30/2020, appendix I): the letterhead of every form and biểu.

use tiepdan_protocol::sites::{Level, Site};

/// Who issues a site's documents, as Decree 30/2020 (appendix I) heads them: at a commune its
/// People's Committee ("ỦY BAN NHÂN DÂN PHƯỜNG BA ĐÌNH"); at a province its Ban Tiếp công dân
/// under the provincial People's Committee; at central the Ban Tiếp công dân Trung ương under
/// the Government Inspectorate. Returns the managing body, the issuing body, and how a
/// sentence names the issuing body.
pub fn issuing_body(site: &Site) -> (Option<String>, String, String) {
    // "Phường Ba Đình" → "phường Ba Đình": the type in lower case inside a longer name.
    let inner = ["Thành phố ", "Tỉnh ", "Phường ", "Xã ", "Đặc khu "]
        .iter()
        .find_map(|p| {
            let rest = site.name.strip_prefix(p)?;
            Some(format!("{}{rest}", p.to_lowercase()))
        })
        .unwrap_or_else(|| site.name.clone());
    match site.level {
        Level::Central => (
            Some("Thanh tra Chính phủ".to_owned()),
            site.name.clone(),
            site.name.clone(),
        ),
        Level::Province => (
            Some(format!("Ủy ban nhân dân {inner}")),
            "Ban Tiếp công dân".to_owned(),
            format!("Ban Tiếp công dân {inner}"),
        ),
        Level::Commune => {
            let body = format!("Ủy ban nhân dân {inner}");
            (None, body.clone(), body)
        }
    }
}
