//! The case domain model: what a reception site records about a citizen's matter and how that
//! record evolves.
//!
//! Owns:
//! - [`Reception`], one line of the log book (Sổ tiếp công dân, Form 03/TCD; Law on Citizen
//!   Reception 2013 Art 25(2)), with its identity, representatives, evidence and refusal reason,
//!   and its validation ([`reception`]);
//! - [`CaseEvent`], every lifecycle event of a case, and its CBOR wire form ([`event`]);
//! - [`CaseState`], the deterministic fold of a case's events, the case's audience and the
//!   jurisdiction rules for escalation and transfer ([`state`]);
//! - the legal deadline engine and the Vietnamese holiday calendar ([`deadline`]);
//! - [`Date`], civil dates in Vietnam time ([`date`]).
//!
//! It must not do I/O, read the clock (`today` and timestamps are parameters), draw randomness
//! or iterate a `HashMap`. Everything from outside is bounded by the named limits below and
//! checked with typed [`CaseError`]s whose messages an officer can act on. Signing, sealing and
//! ordering events (the DAG) belong to other modules: this one folds events in the order given.
//!
//! Legal sources are cited as in `DOMAIN.md`: "Luật TCD 2013" (Law on Citizen Reception
//! 42/2013/QH13), "Luật KN 2011" (Law on Complaints 02/2011/QH13), "Luật TC 2018" (Law on
//! Denunciations 25/2018/QH14), "NĐ 154/2026", "NĐ 155/2026", "NĐ 156/2026" (the 2026 decrees).

pub mod date;
pub mod deadline;
pub mod event;
pub mod reception;
pub mod state;

#[cfg(test)]
mod deadline_tests;

pub use date::{date_from_unix_ms, parse_date, Date};
pub use deadline::{alarms, deadlines, Calendar, Deadline, DeadlineStatus};
pub use event::{decode_event, encode_event, CaseEvent, EscalationReason};
pub use reception::DonSource;
pub use reception::{
    crowd_rule, split, Citizen, Direction, EvidenceCondition, EvidenceItem, IdType, Identity, Kind,
    MixedContent, Reception, ReceptionForm, RefusalReason, Representative, RepresentativeRole,
    SealedDetails, SessionType,
};
pub use state::{
    can_escalate, can_transfer, AppliedEvent, CaseState, Happened, HistoryEntry, Ignored, Status,
};

use crate::sites::SiteError;

// ---------------------------------------------------------------------------------------------
// Limits on everything that comes from outside. Text limits count Unicode characters (what an
// officer sees), so a field never exceeds four times its limit in bytes.
// ---------------------------------------------------------------------------------------------

/// Longest person's name (citizen, representative, officer, viewer), in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest address, in characters.
pub const MAX_ADDRESS_CHARS: usize = 500;
/// Longest identity-paper number, in characters.
pub const MAX_ID_NUMBER_CHARS: usize = 32;
/// Digits of a citizen identity number (số căn cước / số định danh cá nhân).
pub const PERSONAL_ID_DIGITS: usize = 12;
/// Longest content summary (tóm tắt nội dung), in characters.
pub const MAX_SUMMARY_CHARS: usize = 4_000;
/// Longest citizen's request, in characters.
pub const MAX_REQUEST_CHARS: usize = 2_000;
/// Longest free note, reason, finding or decision summary, in characters.
pub const MAX_NOTE_CHARS: usize = 4_000;
/// Longest name of a body (cơ quan), in characters.
pub const MAX_BODY_CHARS: usize = 300;
/// Longest document number ("số văn bản", e.g. `123/UBND-TCD`), in characters.
pub const MAX_LETTER_NO_CHARS: usize = 64;
/// Longest description of a representative's proof document, in characters.
pub const MAX_DOCUMENT_CHARS: usize = 300;
/// Longest evidence item name, in characters.
pub const MAX_EVIDENCE_NAME_CHARS: usize = 300;
/// Longest role label of a person viewing an identity, in characters.
pub const MAX_ROLE_CHARS: usize = 100;
/// Longest recording session id, in characters.
pub const MAX_SESSION_ID_CHARS: usize = 128;
/// Longest site code (`VN`, 2-digit province, 5-digit commune), in characters.
pub const MAX_SITE_CODE_CHARS: usize = 8;
/// Most bodies that already handled the matter (Form 03/TCD column 8).
pub const MAX_PRIOR_BODIES: usize = 16;
/// Most representatives on one reception.
pub const MAX_REPRESENTATIVES: usize = 16;
/// Most evidence items on one receipt (Form 02/TCD).
pub const MAX_EVIDENCE_ITEMS: usize = 64;
/// Most pages of one evidence item.
pub const MAX_EVIDENCE_PAGES: u32 = 100_000;
/// Most people on one reception (column 7 of Form 03/TCD).
pub const MAX_PEOPLE_COUNT: u32 = 100_000;
/// Most parts of a mixed-content visit: one per content type.
pub const MAX_MIXED_PARTS: usize = 4;
/// Longest extension of a denunciation's resolution time, in days (Luật TC 2018 Art 30).
pub const MAX_EXTENSION_DAYS: u32 = 30;
/// Most extensions of a denunciation's resolution time (Luật TC 2018 Art 30).
pub const MAX_EXTENSIONS: usize = 2;
/// Largest encoded case event, in bytes. A maximal reception fits (tested).
pub const MAX_EVENT_BYTES: usize = 256 * 1024;
/// Most sites the content key of a sealed identity is wrapped for.
pub const MAX_SEALED_RECIPIENTS: usize = 64;
/// Largest sealed identity ciphertext, in bytes.
pub const MAX_SEALED_CIPHERTEXT_BYTES: usize = 8 * 1024;
/// Largest nonce, ephemeral key or wrapped key in a sealed identity, in bytes.
pub const MAX_SEALED_FIELD_BYTES: usize = 128;
/// Most events one case folds; later ones are counted in `CaseState::events_over_limit` only.
pub const MAX_CASE_EVENTS: usize = 10_000;
/// Most hand-overs (transfers, escalations, orders to resolve) of one case.
pub const MAX_HOLDERS: usize = 32;
/// Longest case id, in characters.
pub const MAX_CASE_ID_CHARS: usize = 128;

/// Everything that can be wrong with case data from outside. Messages are written for the
/// officer at the desk (the web UI translates them).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("{0:?} is not a valid date: write it as YYYY-MM-DD, for example 2026-07-01")]
    InvalidDate(String),
    #[error("the date {0} is outside the years 1900 to 2999 that this software accepts")]
    DateOutOfRange(String),
    #[error("unknown content type {0:?}: expected complaint, denunciation, petition or feedback")]
    UnknownKind(String),
    #[error("{field} is required")]
    Missing { field: &'static str },
    #[error("{field} is too long: {found} characters, at most {max} are allowed")]
    TooLong {
        field: &'static str,
        found: usize,
        max: usize,
    },
    #[error("{field} must be a single line without control characters")]
    NotSingleLine { field: &'static str },
    #[error("{field} must not contain control characters (line breaks and tabs are fine)")]
    ControlCharacters { field: &'static str },
    #[error("too many {field}: {found}, at most {max} are allowed")]
    TooMany {
        field: &'static str,
        found: usize,
        max: usize,
    },
    #[error("{id_type} number must be exactly {digits} digits, without spaces")]
    IdNumberFormat {
        id_type: &'static str,
        digits: usize,
    },
    #[error("the number of people must be between 1 and {max}, got {found}")]
    PeopleCount { found: u32, max: u32 },
    #[error("a group of {people} people must appoint {min} to {max} representatives from among themselves, in a document signed by all (Luật TCD 2013 Art 29); {found} recorded")]
    CrowdRepresentatives {
        people: u32,
        found: usize,
        min: usize,
        max: usize,
    },
    #[error("{found} group representatives for {people} people: representatives are chosen from among the people who came (Luật TCD 2013 Art 29)")]
    MoreRepresentativesThanPeople { people: u32, found: usize },
    #[error("a denunciation's identity must be sealed before it is recorded: the denouncer's name, address and identity number are kept secret (Luật TC 2018 Art 47; NĐ 154/2026 Art 12(2))")]
    DenunciationNotSealed,
    #[error("{field} of a sealed reception travels only inside the seal: the signed event must leave it empty")]
    SealedInClear { field: &'static str },
    #[error("a refused visit has no handling direction: clear either the direction or the refusal reason (Luật TCD 2013 Art 9)")]
    RefusedWithDirection,
    #[error("only a denunciation records whether the denouncer asks for identity protection (Luật TC 2018 Art 47); this is a {0}: leave identity_protection false")]
    IdentityProtectionNotDenunciation(Kind),
    #[error("corruption is a sector of denunciations only (Biểu 03/XLD); this is a {0}: choose another sector")]
    SectorNotForKind(Kind),
    #[error("a đơn with several signatories is from several people: set the number of people to 2 or more")]
    SeveralSignatoriesAlone,
    #[error("an earlier case is named only for a repeat matter (vụ việc nhiều lần): set repeat, or leave the earlier case empty")]
    EarlierCaseNotRepeat,
    #[error("a citizen received in person shows an identity paper (NĐ 154/2026 Art 12(1)): only a đơn received by post or forwarded can be anonymous")]
    AnonymousInPerson,
    #[error("an anonymous denunciation has no known denouncer whose identity could be protected (Luật TC 2018 Arts 25, 47)")]
    AnonymousIdentityProtection,
    #[error("an anonymous denunciation is not processed as a denunciation (Luật TC 2018 Art 25(2)): it cannot be taken for acceptance; guide or transfer its information to the body that can inspect it")]
    AnonymousDenunciationAccepted,
    #[error("an evidence item must have between 1 and {max} pages, got {found}")]
    EvidencePages { found: u32, max: u32 },
    #[error("mixed content needs at least 2 parts, got {found}: a single content type is an ordinary reception")]
    MixedTooFewParts { found: usize },
    #[error(
        "the content type {0} appears twice: split mixed content into one part per content type"
    )]
    MixedDuplicateKind(Kind),
    #[error("an extension is between 1 and {max} days (Luật TC 2018 Art 30), got {found}")]
    ExtensionDays { found: u32, max: u32 },
    #[error("{0:?} is not a site code: use VN for central, a 2-digit province code or a 5-digit commune code")]
    InvalidSiteCode(String),
    #[error(transparent)]
    Site(#[from] SiteError),
    #[error("the case is already handled by site {0}: choose another site")]
    SameSite(String),
    #[error("site {to} is not above site {from}: a case is escalated only up its own line, commune to its province to central (Luật KN 2011 Art 33; Luật TC 2018 Arts 37-38); to send it elsewhere, transfer it")]
    NotAnAncestor { from: String, to: String },
    #[error("{field} must be 64 hexadecimal characters (a BLAKE3 hash)")]
    InvalidHash { field: &'static str },
    #[error("{field} is too large: {found} bytes, at most {max} are allowed")]
    TooLarge {
        field: &'static str,
        found: usize,
        max: usize,
    },
    #[error("this case event cannot be read: {0}")]
    Malformed(String),
    /// A wrong line of a holiday-calendar file: its number (1 is the header) and what is wrong,
    /// typed so that the node says it in its reader's language (the `Display` is for logs).
    #[error("holiday calendar line {line}: {problem}")]
    CalendarLine {
        line: usize,
        problem: Box<crate::case::deadline::RowProblem>,
    },
}

// ---------------------------------------------------------------------------------------------
// Text checks shared by the submodules.
// ---------------------------------------------------------------------------------------------

/// Checks the length and characters of a one-line field; `required` refuses blank text.
pub(crate) fn check_line(
    field: &'static str,
    s: &str,
    max: usize,
    required: bool,
) -> Result<(), CaseError> {
    check_len(field, s, max, required)?;
    if s.chars().any(char::is_control) {
        return Err(CaseError::NotSingleLine { field });
    }
    Ok(())
}

/// Checks the length and characters of a multi-line field; `required` refuses blank text.
pub(crate) fn check_text(
    field: &'static str,
    s: &str,
    max: usize,
    required: bool,
) -> Result<(), CaseError> {
    check_len(field, s, max, required)?;
    if s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(CaseError::ControlCharacters { field });
    }
    Ok(())
}

fn check_len(field: &'static str, s: &str, max: usize, required: bool) -> Result<(), CaseError> {
    let found = s.chars().count();
    if found > max {
        return Err(CaseError::TooLong { field, found, max });
    }
    if required && s.trim().is_empty() {
        return Err(CaseError::Missing { field });
    }
    Ok(())
}

pub(crate) fn check_count(field: &'static str, found: usize, max: usize) -> Result<(), CaseError> {
    if found > max {
        return Err(CaseError::TooMany { field, found, max });
    }
    Ok(())
}

/// Checks the shape of a site code (not whether it exists: the registry may grow, and a signed
/// event must stay readable).
pub(crate) fn check_site_code(s: &str) -> Result<(), CaseError> {
    let ok = !s.is_empty()
        && s.len() <= MAX_SITE_CODE_CHARS
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(CaseError::InvalidSiteCode(
            s.chars().take(MAX_SITE_CODE_CHARS + 4).collect(),
        ))
    }
}

/// Lower-case hexadecimal of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}
