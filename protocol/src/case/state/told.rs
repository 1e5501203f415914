//! What the history says: a typed line for each folded event ([`Happened`]) and, for an event
//! the fold ignored, why ([`Ignored`]).
//!
//! Typed rather than sentences so every site renders them in its reader's language from one
//! catalogue (the node's `language` capability); `Display` gives the English line that logs and
//! the `summary`/`reason` strings of [`super::HistoryEntry`] carry. Nothing here decides
//! anything: the phases decide, and say it with these.

use std::fmt;

use serde::{Serialize, Serializer};

use super::Status;
use crate::case::{CaseError, Date, EscalationReason, Kind, RefusalReason};

/// What an event did to the case, as its history line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum Happened {
    Received {
        kind: Kind,
        site: String,
        people: u32,
        refused: Option<RefusalReason>,
    },
    Classified {
        kind: Kind,
        complex: bool,
        remote_area: bool,
    },
    Accepted {
        decision_no: String,
    },
    Guided {
        to_body: String,
    },
    Forwarded {
        to_body: String,
        letter_no: String,
    },
    Transferred {
        to_site: String,
        letter_no: String,
    },
    OrderedToResolve {
        site: String,
    },
    Escalated {
        to_site: String,
        reason: EscalationReason,
    },
    Extended {
        days: u32,
    },
    Suspended,
    Resumed {
        days: u32,
    },
    Dialogue {
        date: Date,
    },
    Decided {
        instance: u8,
    },
    Concluded,
    Final,
    /// Some of a group withdrew; the case goes on for the rest.
    PartlyWithdrawn,
    Withdrawn,
    Closed,
    Note,
    RecordingAttached {
        session_id: String,
    },
    IdentityViewed {
        by: String,
        role: String,
    },
    CitizenNotified {
        letter_no: String,
    },
    ReceivedOnline {
        session_id: String,
        date: Date,
    },
    Assigned {
        to_site: String,
        notice_no: String,
        due: Date,
    },
    AssignmentReported {
        notice_no: String,
    },
    ReplyReceived {
        from_body: String,
        letter_no: String,
    },
    /// An event the fold ignored: only what was tried (its wire name); [`Ignored`] says why.
    Tried {
        event: &'static str,
    },
}

impl fmt::Display for Happened {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Happened::Received {
                kind,
                site,
                people,
                refused,
            } => {
                write!(f, "{kind} received at {site} from {people} person(s)")?;
                if let Some(r) = refused {
                    write!(f, ", refused ({})", r.article())?;
                }
                Ok(())
            }
            Happened::Classified {
                kind,
                complex,
                remote_area,
            } => {
                write!(f, "classified as {kind}")?;
                if *complex {
                    f.write_str(", complex")?;
                }
                if *remote_area {
                    f.write_str(", remote area")?;
                }
                Ok(())
            }
            Happened::Accepted { decision_no } => {
                write!(f, "accepted for resolution (decision {decision_no})")
            }
            Happened::Guided { to_body } => write!(f, "citizen guided to {to_body}"),
            Happened::Forwarded { to_body, letter_no } => {
                write!(f, "đơn forwarded to {to_body} (letter {letter_no})")
            }
            Happened::Transferred { to_site, letter_no } => {
                write!(f, "transferred to {to_site} (letter {letter_no})")
            }
            Happened::OrderedToResolve { site } => write!(f, "{site} required to resolve it"),
            Happened::Escalated { to_site, reason } => {
                write!(f, "escalated to {to_site} ({})", reason.as_str())
            }
            Happened::Extended { days } => write!(f, "resolution time extended by {days} days"),
            Happened::Suspended => f.write_str("resolution suspended"),
            Happened::Resumed { days } => write!(f, "resolution resumed after {days} day(s)"),
            Happened::Dialogue { date } => write!(f, "dialogue on {date}"),
            Happened::Decided { instance } => write!(f, "complaint decided (instance {instance})"),
            Happened::Concluded => f.write_str("denunciation concluded"),
            Happened::Final => f.write_str("decision in legal effect"),
            Happened::PartlyWithdrawn => {
                f.write_str("withdrawn by some of the group; the case continues for the rest")
            }
            Happened::Withdrawn => f.write_str("withdrawn"),
            Happened::Closed => f.write_str("closed"),
            Happened::Note => f.write_str("note added"),
            Happened::RecordingAttached { session_id } => {
                write!(f, "recording of session {session_id} attached")
            }
            Happened::IdentityViewed { by, role } => write!(f, "identity viewed by {by} ({role})"),
            Happened::CitizenNotified { letter_no } => {
                write!(f, "written notice {letter_no} sent to the citizen")
            }
            Happened::ReceivedOnline { session_id, date } => {
                write!(f, "received online in session {session_id} on {date}")
            }
            Happened::Assigned {
                to_site,
                notice_no,
                due,
            } => write!(
                f,
                "{to_site} assigned a task by conclusion notice {notice_no}, due {date}",
                date = due
            ),
            Happened::AssignmentReported { notice_no } => {
                write!(f, "reported on the task of conclusion notice {notice_no}")
            }
            Happened::ReplyReceived {
                from_body,
                letter_no,
            } => write!(f, "reply letter {letter_no} received from {from_body}"),
            Happened::Tried { event } => f.write_str(event),
        }
    }
}

/// Why the fold ignored an event: it changed nothing but its history line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum Ignored {
    /// The event itself is malformed.
    Invalid {
        #[serde(serialize_with = "as_text")]
        error: CaseError,
    },
    /// A second genesis.
    SecondReception,
    /// A genesis from a site not in the official list.
    UnknownSite {
        site: String,
    },
    /// Anything before the reception.
    NoReception,
    /// An annotation from a site outside the audience.
    OutsideAudience {
        site: String,
    },
    /// A step from a site that neither holds the case nor is above its holder.
    NotHolder {
        site: String,
        holder: String,
    },
    Closed,
    /// A refused reception can only be closed.
    Refused,
    /// The step exists, not in this status.
    NotNow {
        event: &'static str,
        status: Status,
    },
    /// Where a transfer or escalation may go (jurisdiction).
    Jurisdiction {
        #[serde(serialize_with = "as_text")]
        error: CaseError,
    },
    /// An order to resolve names a site not under the holder.
    NotUnder {
        site: String,
        holder: String,
    },
    HandedOnTooOften {
        max: usize,
    },
    OnlyComplaintHasSecondInstance,
    SecondInstanceIsLast,
    /// A second complaint goes up after the first decision (Luật KN 2011 Art 33(1)); an
    /// unresolved first complaint goes up as overdue.
    SecondInstanceBeforeDecision,
    OnlyDenunciationRepeats,
    DenunciationNotSealed,
    KindFixedAfterAcceptance,
    OnlyDenunciationExtends,
    ExtensionsUsed {
        max: usize,
    },
    DialogueOnlyForComplaint,
    DecisionOnlyForComplaint,
    ConclusionOnlyForDenunciation,
    PartialWithdrawalAlone,
    /// A task given to a site outside the case's audience, which could not see it.
    AssigneeOutsideAudience {
        site: String,
    },
    /// A report from a site that notice gave no task on this case.
    NoSuchAssignment {
        notice_no: String,
        site: String,
    },
    /// A reply letter recorded by a site that never transferred or forwarded the đơn.
    NothingToReplyTo {
        site: String,
    },
    /// The case holds as many events as a case may.
    CaseFull {
        max: usize,
    },
    /// A phase was handed an event kind that is not its own (never happens through the fold).
    Misrouted {
        event: &'static str,
    },
}

fn as_text<S: Serializer>(e: &CaseError, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(e)
}

impl fmt::Display for Ignored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ignored::Invalid { error } => write!(f, "invalid event: {error}"),
            Ignored::SecondReception => f.write_str("the case already has its reception"),
            Ignored::UnknownSite { site } => write!(f, "site {site:?} is not in the official list"),
            Ignored::NoReception => f.write_str("the case has no reception yet"),
            Ignored::OutsideAudience { site } => {
                write!(f, "site {site} is outside the case's audience")
            }
            Ignored::NotHolder { site, holder } => write!(
                f,
                "site {site} does not handle this case: only {holder} or a site above it may"
            ),
            Ignored::Closed => f.write_str("the case is closed"),
            Ignored::Refused => f.write_str("reception was refused: the case can only be closed"),
            Ignored::NotNow { event, status } => write!(
                f,
                "{event} is not allowed when the case is {}",
                status.as_str()
            ),
            Ignored::Jurisdiction { error } => write!(f, "{error}"),
            Ignored::NotUnder { site, holder } => {
                write!(f, "site {site} is not under site {holder}")
            }
            Ignored::HandedOnTooOften { max } => {
                write!(f, "the case was already handed on {max} times")
            }
            Ignored::OnlyComplaintHasSecondInstance => {
                f.write_str("only a complaint has a second instance")
            }
            Ignored::SecondInstanceIsLast => f.write_str(
                "the second instance is the last: the complainant may now go to court (Luật KN 2011 Art 7)",
            ),
            Ignored::SecondInstanceBeforeDecision => f.write_str(
                "a second complaint follows the first decision (Luật KN 2011 Art 33); an unresolved complaint is escalated as overdue",
            ),
            Ignored::OnlyDenunciationRepeats => {
                f.write_str("only a denunciation can be denounced again (tố cáo tiếp)")
            }
            Ignored::DenunciationNotSealed => f.write_str(
                "a denunciation's identity must be sealed: record it as a new reception with a sealed identity (Luật TC 2018 Art 47)",
            ),
            Ignored::KindFixedAfterAcceptance => {
                f.write_str("the content type cannot change after acceptance")
            }
            Ignored::OnlyDenunciationExtends => f.write_str(
                "only a denunciation's resolution time can be extended (Luật TC 2018 Art 30); mark a complaint complex instead",
            ),
            Ignored::ExtensionsUsed { max } => write!(
                f,
                "a denunciation's resolution time can be extended at most {max} times (Luật TC 2018 Art 30)"
            ),
            Ignored::DialogueOnlyForComplaint => f.write_str(
                "a dialogue belongs to the complaint procedure (Luật KN 2011 Art 30)",
            ),
            Ignored::DecisionOnlyForComplaint => f.write_str(
                "only a complaint ends with a decision; a denunciation ends with a conclusion",
            ),
            Ignored::ConclusionOnlyForDenunciation => {
                f.write_str("only a denunciation ends with a conclusion")
            }
            Ignored::PartialWithdrawalAlone => {
                f.write_str("one person cannot withdraw partially: record a full withdrawal")
            }
            Ignored::AssigneeOutsideAudience { site } => {
                write!(f, "site {site} is outside the case's audience: it cannot be assigned a task on it")
            }
            Ignored::NoSuchAssignment { notice_no, site } => write!(
                f,
                "conclusion notice {notice_no} gave site {site} no task on this case"
            ),
            Ignored::NothingToReplyTo { site } => write!(
                f,
                "site {site} never transferred or forwarded this đơn: there is no reply to record"
            ),
            Ignored::CaseFull { max } => write!(f, "the case already holds {max} events"),
            Ignored::Misrouted { event } => write!(f, "{event} does not belong to this phase"),
        }
    }
}
