//! A case's history in its reader's language: each folded event's typed line
//! ([`Happened`]) and, for an event the fold ignored, why ([`Ignored`]), as catalogue messages
//! (`locales/*/history.ftl`).

use tiepdan_protocol::case::{Date, EscalationReason, Happened, Ignored, Kind};
use tiepdan_protocol::sites::Registry;

use super::labels::{case_act_named, case_status};
use super::Message;

/// A content type, in lower case for the middle of a sentence.
pub fn kind(k: Kind) -> Message {
    Message::new(match k {
        Kind::Complaint => "kind-complaint",
        Kind::Denunciation => "kind-denunciation",
        Kind::Petition => "kind-petition",
        Kind::Feedback => "kind-feedback",
    })
}

/// Why a case went up.
pub fn escalation_reason(r: EscalationReason) -> Message {
    Message::new(match r {
        EscalationReason::SecondInstance => "escalation-second-instance",
        EscalationReason::RepeatDenunciation => "escalation-repeat-denunciation",
        EscalationReason::Overdue => "escalation-overdue",
    })
}

/// A site as people know it: its official name and code.
fn site(code: &str) -> String {
    match Registry::official().get(code) {
        Ok(s) => format!("{} ({code})", s.name),
        Err(_) => code.to_owned(),
    }
}

/// A date as Vietnamese documents write it (dd/mm/yyyy).
pub fn dmy(d: Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), d.month(), d.year())
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// What a folded event did.
pub fn happened(h: &Happened) -> Message {
    let m = Message::new;
    match h {
        Happened::Received {
            kind: k,
            site: s,
            people,
            refused,
        } => m("did-received")
            .arg("kind", kind(*k))
            .arg("site", site(s))
            .arg("people", *people)
            .arg("refused", yes(refused.is_some())),
        Happened::Classified {
            kind: k,
            complex,
            remote_area,
        } => m("did-classified")
            .arg("kind", kind(*k))
            .arg("complex", yes(*complex))
            .arg("remote", yes(*remote_area)),
        Happened::Accepted { decision_no } => m("did-accepted").arg("decision", decision_no),
        Happened::Guided { to_body } => m("did-guided").arg("body", to_body),
        Happened::Forwarded { to_body, letter_no } => m("did-forwarded")
            .arg("body", to_body)
            .arg("letter", letter_no),
        Happened::Transferred { to_site, letter_no } => m("did-transferred")
            .arg("site", site(to_site))
            .arg("letter", letter_no),
        Happened::OrderedToResolve { site: s } => m("did-ordered").arg("site", site(s)),
        Happened::Escalated { to_site, reason } => m("did-escalated")
            .arg("site", site(to_site))
            .arg("reason", escalation_reason(*reason)),
        Happened::Extended { days } => m("did-extended").arg("days", *days),
        Happened::Suspended => m("did-suspended"),
        Happened::Resumed { days } => m("did-resumed").arg("days", *days),
        Happened::Dialogue { date } => m("did-dialogue").arg("date", dmy(*date)),
        Happened::Decided { instance } => m("did-decided").arg("instance", *instance),
        Happened::Concluded => m("did-concluded"),
        Happened::Final => m("did-final"),
        Happened::PartlyWithdrawn => m("did-partly-withdrawn"),
        Happened::Withdrawn => m("did-withdrawn"),
        Happened::Closed => m("did-closed"),
        Happened::Note => m("did-note"),
        Happened::RecordingAttached { session_id } => {
            m("did-recording-attached").arg("session", session_id)
        }
        Happened::IdentityViewed { by, role } => {
            m("did-identity-viewed").arg("by", by).arg("role", role)
        }
        Happened::CitizenNotified { letter_no } => {
            m("did-citizen-notified").arg("letter", letter_no)
        }
        Happened::ReceivedOnline { session_id, date } => m("did-received-online")
            .arg("session", session_id)
            .arg("date", dmy(*date)),
        Happened::Assigned {
            to_site,
            notice_no,
            due,
        } => m("did-assigned")
            .arg("site", site(to_site))
            .arg("notice", notice_no)
            .arg("due", dmy(*due)),
        Happened::AssignmentReported { notice_no } => {
            m("did-assignment-reported").arg("notice", notice_no)
        }
        Happened::ReplyReceived {
            from_body,
            letter_no,
        } => m("did-reply-received")
            .arg("body", from_body)
            .arg("letter", letter_no),
        Happened::Tried { event } => m("did-tried").arg("act", case_act_named(event)),
    }
}

/// Why the fold ignored an event.
pub fn ignored(w: &Ignored) -> Message {
    let m = Message::new;
    match w {
        Ignored::Invalid { error } => m("why-invalid").arg("error", Message::from(error)),
        Ignored::SecondReception => m("why-second-reception"),
        Ignored::UnknownSite { site: s } => m("why-unknown-site").arg("site", s),
        Ignored::NoReception => m("why-no-reception"),
        Ignored::OutsideAudience { site: s } => m("why-outside-audience").arg("site", site(s)),
        Ignored::NotHolder { site: s, holder } => m("why-not-holder")
            .arg("site", site(s))
            .arg("holder", site(holder)),
        Ignored::Closed => m("why-closed"),
        Ignored::Refused => m("why-refused"),
        Ignored::NotNow { event, status } => m("why-not-now")
            .arg("act", case_act_named(event))
            .arg("status", case_status(*status)),
        Ignored::Jurisdiction { error } => Message::from(error),
        Ignored::NotUnder { site: s, holder } => m("why-not-under")
            .arg("site", site(s))
            .arg("holder", site(holder)),
        Ignored::HandedOnTooOften { max } => m("why-handed-on-too-often").arg("max", *max),
        Ignored::OnlyComplaintHasSecondInstance => m("why-only-complaint-second-instance"),
        Ignored::SecondInstanceIsLast => m("why-second-instance-is-last"),
        Ignored::SecondInstanceBeforeDecision => m("why-second-instance-before-decision"),
        Ignored::OnlyDenunciationRepeats => m("why-only-denunciation-repeats"),
        Ignored::DenunciationNotSealed => m("why-denunciation-not-sealed"),
        Ignored::KindFixedAfterAcceptance => m("why-kind-fixed"),
        Ignored::OnlyDenunciationExtends => m("why-only-denunciation-extends"),
        Ignored::ExtensionsUsed { max } => m("why-extensions-used").arg("max", *max),
        Ignored::DialogueOnlyForComplaint => m("why-dialogue-only-complaint"),
        Ignored::DecisionOnlyForComplaint => m("why-decision-only-complaint"),
        Ignored::ConclusionOnlyForDenunciation => m("why-conclusion-only-denunciation"),
        Ignored::PartialWithdrawalAlone => m("why-partial-withdrawal-alone"),
        Ignored::AssigneeOutsideAudience { site: s } => {
            m("why-assignee-outside-audience").arg("site", site(s))
        }
        Ignored::NoSuchAssignment { notice_no, site: s } => m("why-no-such-assignment")
            .arg("notice", notice_no)
            .arg("site", site(s)),
        Ignored::NothingToReplyTo { site: s } => m("why-nothing-to-reply-to").arg("site", site(s)),
        Ignored::CaseFull { max } => m("why-case-full").arg("max", *max),
        Ignored::Misrouted { event } => m("why-misrouted").arg("act", case_act_named(event)),
    }
}
