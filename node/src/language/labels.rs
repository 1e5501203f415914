//! Labels of the domain's words (a case act, a status, a role) as catalogue messages
//! (`locales/*/labels.ftl`), for the sentences that name them.

use tiepdan_protocol::access::{Action, Role};
use tiepdan_protocol::case::state::Status;
use tiepdan_protocol::case::CaseEvent;

use super::Message;

/// The act, as a person reads it after "cannot" ("không thể …").
pub fn case_act(event: &CaseEvent) -> Message {
    case_act_named(event.name())
}

/// The act of the event whose wire name is `name`.
pub fn case_act_named(name: &str) -> Message {
    Message::new(match name {
        "received" => "act-received",
        "classified" => "act-classified",
        "accepted" => "act-accepted",
        "guided" => "act-guided",
        "transferred" => "act-transferred",
        "ordered_to_resolve" => "act-ordered-to-resolve",
        "escalated" => "act-escalated",
        "extended" => "act-extended",
        "suspended" => "act-suspended",
        "resumed" => "act-resumed",
        "dialogue" => "act-dialogue",
        "decided" => "act-decided",
        "concluded" => "act-concluded",
        "final" => "act-final",
        "withdrawn" => "act-withdrawn",
        "closed" => "act-closed",
        "note" => "act-note",
        "recording_attached" => "act-recording-attached",
        "identity_viewed" => "act-identity-viewed",
        "forwarded" => "act-forwarded",
        "citizen_notified" => "act-citizen-notified",
        "received_online" => "act-received-online",
        "assigned" => "act-assigned",
        "assignment_reported" => "act-assignment-reported",
        "reply_received" => "act-reply-received",
        _ => "act-other",
    })
}

/// Where a case stands.
pub fn case_status(status: Status) -> Message {
    Message::new(match status.as_str() {
        "received" => "status-received",
        "refused" => "status-refused",
        "classified" => "status-classified",
        "accepted" => "status-accepted",
        "guided" => "status-guided",
        "forwarded" => "status-forwarded",
        "transferred" => "status-transferred",
        "escalated" => "status-escalated",
        "suspended" => "status-suspended",
        "decided" => "status-decided",
        "concluded" => "status-concluded",
        "final" => "status-final",
        "withdrawn" => "status-withdrawn",
        "closed" => "status-closed",
        _ => "status-other",
    })
}

/// A role people hold.
pub fn role(role: Role) -> Message {
    Message::new(match role.as_str() {
        "operator" => "role-operator",
        "officer" => "role-officer",
        "chair" => "role-chair",
        "participant" => "role-participant",
        _ => "role-other",
    })
}

/// What an action is, for a refusal a person reads ("Vai trò … không được …").
pub fn action(action: Action) -> Message {
    Message::new(match action.as_str() {
        "site_status" => "action-site-status",
        "metrics" => "action-metrics",
        "pki" => "action-pki",
        "publish_calendar" => "action-publish-calendar",
        "manage_users" => "action-manage-users",
        "link_test" => "action-link-test",
        "receive" => "action-receive",
        "case_read" => "action-case-read",
        "case_work" => "action-case-work",
        "case_decision" => "action-case-decision",
        "identity_view" => "action-identity-view",
        "session_read" => "action-session-read",
        "session_schedule" => "action-session-schedule",
        "session_chair" => "action-session-chair",
        "session_attend" => "action-session-attend",
        "session_self" => "action-session-self",
        "test_signal" => "action-test-signal",
        "issue_pass" => "action-issue-pass",
        "media" => "action-media",
        "report_read" => "action-report-read",
        "report_submit" => "action-report-submit",
        _ => "act-other",
    })
}

/// The laws the deadlines cite, short form → the name a Vietnamese document writes.
const LAWS: &[(&str, &str)] = &[
    ("Luật TCD 2013", "Luật Tiếp công dân năm 2013"),
    ("Luật KN 2011", "Luật Khiếu nại năm 2011"),
    ("Luật TC 2018", "Luật Tố cáo năm 2018"),
];

/// A legal basis as the protocol writes it ("Luật KN 2011 Art 28", "NĐ 124/2020 Art 16(1) as
/// amended by NĐ 155/2026 Art 10", "Luật KN 2011 Arts 48-50") in the Vietnamese citation
/// order: "khoản 1 Điều 16 Nghị định số 124/2020/NĐ-CP, được sửa đổi, bổ sung bởi Điều 10
/// Nghị định số 155/2026/NĐ-CP". English when `lang` is English (the protocol's form).
pub fn legal_basis(basis: &str, lang: super::Lang) -> String {
    if lang == super::Lang::En {
        return basis.to_owned();
    }
    let (main, amended) = match basis.split_once(" as amended by ") {
        Some((m, a)) => (m, Some(a)),
        None => (basis, None),
    };
    let mut out = citation(main);
    if let Some(a) = amended {
        out.push_str(", được sửa đổi, bổ sung bởi ");
        out.push_str(&citation(a));
    }
    out
}

/// One citation: "<law> [Art N[(k)] | Arts a-b] [(note)]".
fn citation(c: &str) -> String {
    let (c, note) = match c.split_once(" (") {
        Some((c, n)) => (c, Some(n.trim_end_matches(')'))),
        None => (c, None),
    };
    let (law, article) = match c.split_once(" Art") {
        Some((law, rest)) => (law, Some(rest)),
        None => (c, None),
    };
    let law = LAWS
        .iter()
        .find(|(short, _)| *short == law)
        .map(|(_, long)| (*long).to_owned())
        .or_else(|| {
            // "NĐ 154/2026" → "Nghị định số 154/2026/NĐ-CP"; "TT 01/2024" likewise.
            let (kind, no) = law.split_once(' ')?;
            let suffix = match kind {
                "NĐ" => ("Nghị định", "NĐ-CP"),
                "TT" => ("Thông tư", "TT-TTCP"),
                _ => return None,
            };
            Some(format!("{} số {no}/{}", suffix.0, suffix.1))
        })
        .unwrap_or_else(|| law.to_owned());
    let mut out = match article {
        Some(rest) if rest.starts_with("s ") => {
            format!("Điều {} {law}", rest[2..].replace('-', "–"))
        }
        Some(rest) => {
            // "4(1)(a)": Điều 4, khoản 1, điểm a, written from the smallest.
            let mut parts = rest
                .trim_start()
                .split('(')
                .map(|p| p.trim_end_matches(')'));
            let article = parts.next().unwrap_or_default();
            let mut out = String::new();
            let parts: Vec<&str> = parts.collect();
            if let Some(point) = parts.get(1) {
                out.push_str(&format!("điểm {point} "));
            }
            if let Some(clause) = parts.first() {
                out.push_str(&format!("khoản {clause} "));
            }
            format!("{out}Điều {article} {law}")
        }
        None => law,
    };
    if let Some(n) = note {
        let n = match n {
            "dialogue" => "về đối thoại",
            other => other,
        };
        out.push_str(&format!(" ({n})"));
    }
    out
}
