//! How a site handled a đơn it received (kết quả xử lý đơn; Biểu 01/TCD and 01–04/XLD): within
//! its competence, or outside it and guided, transferred, or followed up. Derived from the
//! case's applied events, so no field has to be kept in step with them.

use serde::Serialize;

use crate::case::{date_from_unix_ms, CaseState, Date, Direction};

/// A site's first handling of a đơn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Handling {
    /// Thuộc thẩm quyền: taken for acceptance (thụ lý; at the desk or later).
    Within,
    /// Không thuộc thẩm quyền, hướng dẫn: the citizen was guided to the competent body.
    Guided,
    /// Không thuộc thẩm quyền, chuyển đơn: forwarded outside the federation, or transferred to
    /// another site.
    Transferred,
    /// Đôn đốc: a superior required the site below it to resolve the matter.
    FollowUp,
}

impl Handling {
    /// The report column that counts it.
    pub fn column(self) -> &'static str {
        match self {
            Handling::Within => "within_competence",
            Handling::Guided => "outside_guided",
            Handling::Transferred => "outside_transferred",
            Handling::FollowUp => "follow_up",
        }
    }
}

/// The first handling by `site` of the case, on or before `until`: the direction chosen at the
/// desk when `site` received it, else the first applied acceptance, guidance, forwarding,
/// transfer or order to resolve that `site` signed. `None` while it is still being processed.
pub fn first_handling(state: &CaseState, site: &str, until: Date) -> Option<Handling> {
    if state.origin == site {
        if let Some(r) = &state.reception {
            if r.date <= until {
                match &r.direction {
                    Some(Direction::Accept) => return Some(Handling::Within),
                    Some(Direction::Guide { .. }) => return Some(Handling::Guided),
                    Some(Direction::Transfer { .. }) => return Some(Handling::Transferred),
                    None => {}
                }
            }
        }
    }
    state
        .history
        .iter()
        .filter(|h| !h.ignored && h.author == site && date_from_unix_ms(h.at_ms) <= until)
        .find_map(|h| match h.event.as_str() {
            "accepted" => Some(Handling::Within),
            "guided" => Some(Handling::Guided),
            "forwarded" | "transferred" => Some(Handling::Transferred),
            "ordered_to_resolve" => Some(Handling::FollowUp),
            _ => None,
        })
}
