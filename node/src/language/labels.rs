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
        _ => "act-other",
    })
}
