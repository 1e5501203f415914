//! One line of the log book and everything recorded at the desk.
//!
//! Owns [`Reception`] (Sổ tiếp công dân, Form 03/TCD; Luật TCD 2013 Art 25(2)) and its parts:
//! the content type, the citizen's identity (plain or sealed), representatives and the crowd
//! rule, the refusal reasons, the evidence receipt, the handling direction, and the đơn's source
//! and anonymity; plus splitting a visit with mixed content into one reception per content
//! type. It validates shapes and legal preconditions of a single record; it knows nothing of a
//! case's later life (see `state`), and never sees a sealed identity's plaintext.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{
    check_count, check_line, check_text, CaseError, Date, MAX_ADDRESS_CHARS, MAX_BODY_CHARS,
    MAX_DOCUMENT_CHARS, MAX_EVIDENCE_ITEMS, MAX_EVIDENCE_NAME_CHARS, MAX_EVIDENCE_PAGES,
    MAX_ID_NUMBER_CHARS, MAX_LETTER_NO_CHARS, MAX_MIXED_PARTS, MAX_NAME_CHARS, MAX_NOTE_CHARS,
    MAX_PEOPLE_COUNT, MAX_PRIOR_BODIES, MAX_REPRESENTATIVES, MAX_REQUEST_CHARS,
    MAX_SEALED_CIPHERTEXT_BYTES, MAX_SEALED_FIELD_BYTES, MAX_SEALED_RECIPIENTS, MAX_SUMMARY_CHARS,
    PERSONAL_ID_DIGITS,
};
use crate::sealed::SealedIdentity;

mod classification;
mod refusal;
pub use classification::{Classification, DonSource, PriorStatus, Sector};
pub use refusal::RefusalReason;

// ---------------------------------------------------------------------------------------------
// Content type
// ---------------------------------------------------------------------------------------------

/// The content type of a matter (phân loại đơn, Form 03/TCD column 6; Luật TCD 2013 Art 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Khiếu nại: a request to review an administrative decision or act, or a disciplinary
    /// decision, that harms the complainant's own rights (Luật KN 2011 Art 2).
    Complaint,
    /// Tố cáo: an individual reports an unlawful act of any person or body (Luật TC 2018 Art 2).
    Denunciation,
    /// Kiến nghị: a proposal on policy, law or management.
    Petition,
    /// Phản ánh: information or an opinion on policy, law or management.
    Feedback,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Complaint,
        Kind::Denunciation,
        Kind::Petition,
        Kind::Feedback,
    ];

    /// The wire and API name: `complaint`, `denunciation`, `petition` or `feedback`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Complaint => "complaint",
            Kind::Denunciation => "denunciation",
            Kind::Petition => "petition",
            Kind::Feedback => "feedback",
        }
    }

    /// The Vietnamese name shown in the web UI.
    pub fn label_vi(self) -> &'static str {
        match self {
            Kind::Complaint => "Khiếu nại",
            Kind::Denunciation => "Tố cáo",
            Kind::Petition => "Kiến nghị",
            Kind::Feedback => "Phản ánh",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = CaseError;
    fn from_str(s: &str) -> Result<Kind, CaseError> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| CaseError::UnknownKind(s.chars().take(40).collect()))
    }
}

// ---------------------------------------------------------------------------------------------
// Identity
// ---------------------------------------------------------------------------------------------

/// The identity paper a citizen shows (NĐ 154/2026 Art 12(1); Form 03/TCD column 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdType {
    /// Căn cước / căn cước công dân (CCCD): 12-digit number.
    Cccd,
    /// Giấy chứng nhận căn cước (for people of Vietnamese origin without nationality).
    IdentityCertificate,
    /// Số định danh cá nhân: 12-digit personal identification number.
    PersonalId,
    /// Hộ chiếu.
    Passport,
    /// Another paper, when the person has none of the above (e.g. an old 9-digit CMND).
    Other,
}

impl IdType {
    pub fn as_str(self) -> &'static str {
        match self {
            IdType::Cccd => "cccd",
            IdType::IdentityCertificate => "identity_certificate",
            IdType::PersonalId => "personal_id",
            IdType::Passport => "passport",
            IdType::Other => "other",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            IdType::Cccd => "Căn cước / CCCD",
            IdType::IdentityCertificate => "Giấy chứng nhận căn cước",
            IdType::PersonalId => "Số định danh cá nhân",
            IdType::Passport => "Hộ chiếu",
            IdType::Other => "Giấy tờ khác",
        }
    }

    /// Digits the number must have, if the paper's numbering is fixed by law.
    pub fn fixed_digits(self) -> Option<usize> {
        match self {
            IdType::Cccd | IdType::PersonalId => Some(PERSONAL_ID_DIGITS),
            _ => None,
        }
    }
}

/// The identity fields of the person received (họ tên, địa chỉ, giấy tờ tùy thân).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Citizen {
    pub name: String,
    pub address: String,
    pub id_type: IdType,
    pub id_number: String,
}

impl Citizen {
    /// Required fields present, bounded, and a 12-digit number for CCCD / personal id.
    pub fn validate(&self) -> Result<(), CaseError> {
        self.check(true)
    }

    /// The sender of an anonymous đơn: each field may be empty (the sender is unknown); what
    /// is written is bounded and, for a CCCD or personal id, 12 digits.
    pub fn validate_anonymous(&self) -> Result<(), CaseError> {
        self.check(false)
    }

    fn check(&self, required: bool) -> Result<(), CaseError> {
        check_line("citizen name", &self.name, MAX_NAME_CHARS, required)?;
        check_line(
            "citizen address",
            &self.address,
            MAX_ADDRESS_CHARS,
            required,
        )?;
        check_line(
            "identity paper number",
            &self.id_number,
            MAX_ID_NUMBER_CHARS,
            required,
        )?;
        if !required && self.id_number.is_empty() {
            return Ok(());
        }
        if let Some(digits) = self.id_type.fixed_digits() {
            let ok = self.id_number.len() == digits
                && self.id_number.bytes().all(|b| b.is_ascii_digit());
            if !ok {
                let id_type = match self.id_type {
                    IdType::PersonalId => "a personal identification",
                    _ => "a căn cước (CCCD)",
                };
                return Err(CaseError::IdNumberFormat { id_type, digits });
            }
        }
        Ok(())
    }
}

/// Who the person is, as stored in the signed reception.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    /// Readable identity fields (complaints, petitions, feedback).
    Plain(Citizen),
    /// Encrypted to the case's audience; always used for denunciations, whose identity is kept
    /// secret (bảo vệ người tố cáo; Luật TC 2018 Arts 47, 56).
    Sealed(SealedIdentity),
}

impl Identity {
    pub fn is_sealed(&self) -> bool {
        matches!(self, Identity::Sealed(_))
    }

    /// Field checks for a plain identity, size bounds for a sealed one.
    pub fn validate(&self) -> Result<(), CaseError> {
        match self {
            Identity::Plain(c) => c.validate(),
            Identity::Sealed(s) => validate_sealed(s),
        }
    }
}

/// Size bounds of a sealed identity (its cryptography is checked by the `keys` crate).
pub fn validate_sealed(s: &SealedIdentity) -> Result<(), CaseError> {
    let bytes = |field: &'static str, found: usize, max: usize| {
        if found > max {
            Err(CaseError::TooLarge { field, found, max })
        } else {
            Ok(())
        }
    };
    bytes(
        "sealed identity nonce",
        s.nonce.len(),
        MAX_SEALED_FIELD_BYTES,
    )?;
    bytes(
        "sealed identity ciphertext",
        s.ciphertext.len(),
        MAX_SEALED_CIPHERTEXT_BYTES,
    )?;
    if s.ciphertext.is_empty() {
        return Err(CaseError::Missing {
            field: "sealed identity ciphertext",
        });
    }
    if s.recipients.is_empty() {
        return Err(CaseError::Missing {
            field: "sealed identity recipients",
        });
    }
    check_count(
        "sealed identity recipients",
        s.recipients.len(),
        MAX_SEALED_RECIPIENTS,
    )?;
    for r in &s.recipients {
        super::check_site_code(&r.site)?;
        bytes(
            "sealed identity ephemeral key",
            r.ephemeral.len(),
            MAX_SEALED_FIELD_BYTES,
        )?;
        bytes(
            "sealed identity wrapped key",
            r.wrapped.len(),
            MAX_SEALED_FIELD_BYTES,
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// How the reception was held
// ---------------------------------------------------------------------------------------------

/// Who received the citizen (chế độ tiếp; Luật TCD 2013 Art 2(1); the national database's
/// `CheDoTiepCongDan`). Biểu 01/TCD counts visits by it.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum SessionType {
    /// Thường xuyên: the reception office's staff, every working day.
    #[default]
    Regular,
    /// Định kỳ: the head's periodic session (Luật TCD 2013 Art 18; NĐ 154 Art 25).
    Periodic,
    /// Đột xuất: the head's ad-hoc session.
    AdHoc,
    /// Người được thủ trưởng ủy quyền: a person the head authorised.
    Authorised,
}

/// How the citizen was received (hình thức tiếp): at the office, or in an online session
/// (NĐ 154 Ch. V, whose Art 27 puts online sessions in the same log book).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ReceptionForm {
    /// Trực tiếp.
    #[default]
    InPerson,
    /// Trực tuyến.
    Online,
}

// ---------------------------------------------------------------------------------------------
// Handling direction, representatives, crowds
// ---------------------------------------------------------------------------------------------

/// How the visit was handled (hướng xử lý, Form 03/TCD columns 9–11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Column 9: taken for acceptance (thụ lý) because it is within this site's competence.
    Accept,
    /// Column 10: đơn returned and the citizen guided (hướng dẫn) to the competent body. The
    /// guidance letter number may be empty when guidance was given orally.
    Guide { to_body: String, letter_no: String },
    /// Column 11: đơn transferred (chuyển đơn) to the competent body by a numbered letter.
    Transfer { to_body: String, letter_no: String },
}

impl Direction {
    pub fn validate(&self) -> Result<(), CaseError> {
        match self {
            Direction::Accept => Ok(()),
            Direction::Guide { to_body, letter_no } => {
                check_line(
                    "body the citizen is guided to",
                    to_body,
                    MAX_BODY_CHARS,
                    true,
                )?;
                check_line(
                    "guidance letter number",
                    letter_no,
                    MAX_LETTER_NO_CHARS,
                    false,
                )
            }
            Direction::Transfer { to_body, letter_no } => {
                check_line(
                    "body the đơn is transferred to",
                    to_body,
                    MAX_BODY_CHARS,
                    true,
                )?;
                check_line(
                    "transfer letter number",
                    letter_no,
                    MAX_LETTER_NO_CHARS,
                    true,
                )
            }
        }
    }
}

/// The legal standing of a representative (NĐ 154/2026 Art 13; Luật TCD 2013 Art 29).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RepresentativeRole {
    /// Head of the organisation (người đứng đầu), with an introduction letter.
    HeadOfOrganisation,
    /// A person authorised (người được ủy quyền), with the authorisation document.
    Authorised,
    /// A lawyer (luật sư), with the lawyer's card.
    Lawyer,
    /// A legal-aid officer (trợ giúp viên pháp lý), with card and assignment.
    LegalAid,
    /// A legal representative (người đại diện theo pháp luật) of a person without full capacity.
    Guardian,
    /// A representative appointed by a crowd (người đại diện của nhiều người) from among itself.
    CrowdRepresentative,
}

/// A person who speaks for others, with the document proving it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Representative {
    pub name: String,
    pub role: RepresentativeRole,
    /// The proof of standing: introduction letter, authorisation, card number, or the
    /// appointment signed by all members of the crowd.
    pub document: String,
}

impl Representative {
    pub fn validate(&self) -> Result<(), CaseError> {
        check_line("representative name", &self.name, MAX_NAME_CHARS, true)?;
        check_line(
            "representative's proof document",
            &self.document,
            MAX_DOCUMENT_CHARS,
            true,
        )
    }
}

/// Smallest group that must appoint representatives (Luật TCD 2013 Art 29).
pub const CROWD_MIN_PEOPLE: u32 = 5;
/// Largest group that appoints at most [`SMALL_CROWD_MAX_REPRESENTATIVES`].
pub const SMALL_CROWD_MAX_PEOPLE: u32 = 10;
/// Representatives of a group of 5 to 10 people: 1 or 2.
pub const SMALL_CROWD_MAX_REPRESENTATIVES: usize = 2;
/// Representatives of a group of more than 10 people: at most 5.
pub const LARGE_CROWD_MAX_REPRESENTATIVES: usize = 5;

/// The crowd rule (đoàn đông người; Luật TCD 2013 Art 29): a group of 5 or more people with
/// the same content must appoint representatives from among themselves; 5 to 10 people appoint
/// 1 or 2, more than 10 people at most 5. Below 5 people the rule does not apply, but
/// representatives are still chosen from among the people, so there cannot be more of them.
pub fn crowd_rule(people_count: u32, representatives: usize) -> Result<(), CaseError> {
    if people_count == 0 {
        return Err(CaseError::PeopleCount {
            found: 0,
            max: MAX_PEOPLE_COUNT,
        });
    }
    let max = if people_count < CROWD_MIN_PEOPLE {
        if representatives > people_count as usize {
            return Err(CaseError::MoreRepresentativesThanPeople {
                people: people_count,
                found: representatives,
            });
        }
        return Ok(());
    } else if people_count <= SMALL_CROWD_MAX_PEOPLE {
        SMALL_CROWD_MAX_REPRESENTATIVES
    } else {
        LARGE_CROWD_MAX_REPRESENTATIVES
    };
    if (1..=max).contains(&representatives) {
        Ok(())
    } else {
        Err(CaseError::CrowdRepresentatives {
            people: people_count,
            found: representatives,
            min: 1,
            max,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Evidence
// ---------------------------------------------------------------------------------------------

/// The state of a document handed in, as written on the receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceCondition {
    /// Bản gốc.
    Original,
    /// Bản sao / bản photo.
    Copy,
    /// Bản sao có chứng thực.
    CertifiedCopy,
}

impl EvidenceCondition {
    /// As the receipt (Form 02/TCD) writes it.
    pub fn label_vi(self) -> &'static str {
        match self {
            EvidenceCondition::Original => "Bản gốc",
            EvidenceCondition::Copy => "Bản sao",
            EvidenceCondition::CertifiedCopy => "Bản sao có chứng thực",
        }
    }
}

/// One line of the receipt for documents and evidence (Giấy biên nhận thông tin, tài liệu,
/// Form 02/TCD).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceItem {
    pub name: String,
    pub pages: u32,
    pub condition: EvidenceCondition,
}

impl EvidenceItem {
    pub fn validate(&self) -> Result<(), CaseError> {
        check_line(
            "evidence item name",
            &self.name,
            MAX_EVIDENCE_NAME_CHARS,
            true,
        )?;
        if !(1..=MAX_EVIDENCE_PAGES).contains(&self.pages) {
            return Err(CaseError::EvidencePages {
                found: self.pages,
                max: MAX_EVIDENCE_PAGES,
            });
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// The log-book line
// ---------------------------------------------------------------------------------------------

/// One line of the log book (Sổ tiếp công dân, Form 03/TCD; Luật TCD 2013 Art 25(2)). The
/// running number (STT) is the node's; everything else is here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reception {
    /// Column 2: ngày tiếp.
    pub date: Date,
    /// Columns 3–4: name, address, identity paper.
    pub identity: Identity,
    /// Column 5: summary of the matter.
    pub summary: String,
    /// Column 6: content type.
    pub kind: Kind,
    /// Column 7: people with the same content.
    pub people_count: u32,
    /// Column 8: bodies that already handled the matter (quá trình xem xét giải quyết).
    #[serde(default)]
    pub prior_bodies: Vec<String>,
    /// The citizen's request (yêu cầu, đề nghị của người đến; Art 25(2)).
    #[serde(default)]
    pub request: String,
    /// Columns 9–11: handling direction, once decided.
    #[serde(default)]
    pub direction: Option<Direction>,
    /// Column 13: notes.
    #[serde(default)]
    pub notes: String,
    /// The receiving officer (cán bộ tiếp công dân).
    pub officer: String,
    #[serde(default)]
    pub representatives: Vec<Representative>,
    /// The receipt for documents (Form 02/TCD).
    #[serde(default)]
    pub evidence: Vec<EvidenceItem>,
    /// Set when reception was refused.
    #[serde(default)]
    pub refusal: Option<RefusalReason>,
    /// Chế độ tiếp: regular, the head's periodic or ad-hoc session, or an authorised person.
    #[serde(default, skip_serializing_if = "crate::cbor::is_default")]
    pub session_type: SessionType,
    /// Trực tiếp or trực tuyến.
    #[serde(default, skip_serializing_if = "crate::cbor::is_default")]
    pub form: ReceptionForm,
    /// A denunciation whose denouncer asked for their identity to be protected (Luật TC 2018
    /// Art 47–48). Such a denunciation is never received online (NĐ 154 Art 20(4)). In clear,
    /// outside the seal: it names nobody, and every site deciding a session must see it.
    #[serde(default, skip_serializing_if = "crate::cbor::is_default")]
    pub identity_protection: bool,
    /// How the đơn arrived: in person, by post, or forwarded by another body.
    #[serde(default, skip_serializing_if = "crate::cbor::is_default")]
    pub source: DonSource,
    /// Đơn nặc danh: the sender's name, address or identity paper is unknown, so the citizen's
    /// fields may be empty. Only a đơn that did not come with its sender can be anonymous. An
    /// anonymous denunciation is recorded but not processed as a denunciation (Luật TC 2018
    /// Art 25(2)): it is never taken for acceptance (thụ lý), and has no denouncer whose
    /// identity could be protected.
    #[serde(default, skip_serializing_if = "crate::cbor::is_default")]
    pub anonymous: bool,
    /// Signatories, sector, first time or repeat, and the matter's status when it came.
    #[serde(default, skip_serializing_if = "crate::cbor::is_default")]
    pub classification: Classification,
}

/// What a sealed reception keeps inside its seal: everything that could name or locate the
/// denouncer (Luật TC 2018 Art 47): the identity, the summary and request in their own words,
/// the representatives and the documents handed over. The signed event carries these fields
/// empty; the seal is the CBOR of this struct, bound to the case id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedDetails {
    pub citizen: Citizen,
    pub summary: String,
    #[serde(default)]
    pub request: String,
    #[serde(default)]
    pub representatives: Vec<Representative>,
    #[serde(default)]
    pub evidence: Vec<EvidenceItem>,
}

impl Reception {
    /// Every check of a reception as signed: a plain one by
    /// [`Reception::validate_before_sealing`]; a sealed one by the checks that still apply to
    /// its clear fields, which must not repeat what the seal holds. A denunciation's identity
    /// must be sealed. Run this on every reception before it is signed or folded.
    pub fn validate(&self) -> Result<(), CaseError> {
        if self.kind == Kind::Denunciation && !self.identity.is_sealed() {
            return Err(CaseError::DenunciationNotSealed);
        }
        if !self.identity.is_sealed() {
            return self.validate_before_sealing();
        }
        self.identity.validate()?;
        let in_clear = [
            ("summary", !self.summary.is_empty()),
            ("citizen's request", !self.request.is_empty()),
            ("representatives", !self.representatives.is_empty()),
            ("evidence items", !self.evidence.is_empty()),
        ];
        if let Some((field, _)) = in_clear.into_iter().find(|(_, clear)| *clear) {
            return Err(CaseError::SealedInClear { field });
        }
        self.validate_common()
    }

    /// Moves what a denunciation keeps secret out of a typed reception (plain identity, every
    /// field filled in), leaving those fields empty: the node seals the result with
    /// `tiepdan_keys::sealed::seal` and puts it in [`Reception::identity`].
    pub fn take_sealed_details(&mut self) -> Result<SealedDetails, CaseError> {
        self.validate_before_sealing()?;
        let Identity::Plain(citizen) = &self.identity else {
            return Err(CaseError::Malformed(
                "the identity is already sealed".into(),
            ));
        };
        Ok(SealedDetails {
            citizen: citizen.clone(),
            summary: std::mem::take(&mut self.summary),
            request: std::mem::take(&mut self.request),
            representatives: std::mem::take(&mut self.representatives),
            evidence: std::mem::take(&mut self.evidence),
        })
    }

    /// Every check except the seal of a denunciation's identity: for the node, before it seals
    /// the identity of what the officer typed.
    pub fn validate_before_sealing(&self) -> Result<(), CaseError> {
        match &self.identity {
            Identity::Plain(c) if self.anonymous => c.validate_anonymous()?,
            identity => identity.validate()?,
        }
        check_text("summary", &self.summary, MAX_SUMMARY_CHARS, true)?;
        // A refused visit may not have stated its request.
        check_text(
            "citizen's request",
            &self.request,
            MAX_REQUEST_CHARS,
            self.refusal.is_none(),
        )?;
        self.validate_common()?;
        check_count(
            "representatives",
            self.representatives.len(),
            MAX_REPRESENTATIVES,
        )?;
        for r in &self.representatives {
            r.validate()?;
        }
        let crowd_reps = self
            .representatives
            .iter()
            .filter(|r| r.role == RepresentativeRole::CrowdRepresentative)
            .count();
        crowd_rule(self.people_count, crowd_reps)?;
        check_count("evidence items", self.evidence.len(), MAX_EVIDENCE_ITEMS)?;
        for item in &self.evidence {
            item.validate()?;
        }
        Ok(())
    }

    /// The checks of the fields that stay in clear whether or not the reception is sealed.
    fn validate_common(&self) -> Result<(), CaseError> {
        self.validate_source()?;
        if self.people_count == 0 || self.people_count > MAX_PEOPLE_COUNT {
            return Err(CaseError::PeopleCount {
                found: self.people_count,
                max: MAX_PEOPLE_COUNT,
            });
        }
        check_count("prior bodies", self.prior_bodies.len(), MAX_PRIOR_BODIES)?;
        for body in &self.prior_bodies {
            check_line(
                "body that already handled the matter",
                body,
                MAX_BODY_CHARS,
                true,
            )?;
        }
        if let Some(direction) = &self.direction {
            if self.refusal.is_some() {
                return Err(CaseError::RefusedWithDirection);
            }
            direction.validate()?;
        }
        check_text("notes", &self.notes, MAX_NOTE_CHARS, false)?;
        check_line("receiving officer", &self.officer, MAX_NAME_CHARS, true)?;
        self.classification.validate(self.kind, self.people_count)
    }
}

impl Reception {
    /// The rules of the đơn's source, its anonymity and the identity-protection request.
    /// Identity protection is a denouncer's right (Luật TC 2018 Arts 47–48): only a denunciation
    /// may ask for it. A person at the desk shows an identity paper (NĐ 154/2026 Art 12(1)): only
    /// a đơn that came without its sender is anonymous. An anonymous denunciation is not
    /// processed as a denunciation (Luật TC 2018 Art 25(2)): it is never taken for acceptance,
    /// and has no known denouncer to protect.
    pub fn validate_source(&self) -> Result<(), CaseError> {
        if self.identity_protection && self.kind != Kind::Denunciation {
            return Err(CaseError::IdentityProtectionNotDenunciation(self.kind));
        }
        if !self.anonymous {
            return Ok(());
        }
        if self.source == DonSource::InPerson {
            return Err(CaseError::AnonymousInPerson);
        }
        if self.kind == Kind::Denunciation {
            if self.identity_protection {
                return Err(CaseError::AnonymousIdentityProtection);
            }
            if self.direction == Some(Direction::Accept) {
                return Err(CaseError::AnonymousDenunciationAccepted);
            }
        }
        Ok(())
    }

    /// True for an anonymous denunciation: recorded in the book, not processed as a
    /// denunciation (Luật TC 2018 Art 25(2)); its information may still be guided or
    /// transferred to a body that can inspect it.
    pub fn is_anonymous_denunciation(&self) -> bool {
        self.anonymous && self.kind == Kind::Denunciation
    }
}

// ---------------------------------------------------------------------------------------------
// Mixed content
// ---------------------------------------------------------------------------------------------

/// A visit whose content mixes several types: one (type, summary) per part. The officer guides
/// the citizen to split them (NĐ 154/2026 Art 14; DOMAIN §1 step 4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MixedContent {
    pub parts: Vec<(Kind, String)>,
}

/// Splits a mixed visit into one reception per content type: each copy of `base` takes one
/// part's type and summary. Each result passes [`Reception::validate_before_sealing`]; the
/// node seals the identity of a denunciation part, then runs [`Reception::validate`].
pub fn split(base: &Reception, parts: &MixedContent) -> Result<Vec<Reception>, CaseError> {
    let found = parts.parts.len();
    if found < 2 {
        return Err(CaseError::MixedTooFewParts { found });
    }
    check_count("mixed content parts", found, MAX_MIXED_PARTS)?;
    let mut out: Vec<Reception> = Vec::with_capacity(found);
    for (kind, summary) in &parts.parts {
        if out.iter().any(|r| r.kind == *kind) {
            return Err(CaseError::MixedDuplicateKind(*kind));
        }
        check_text("summary", summary, MAX_SUMMARY_CHARS, true)?;
        let mut r = base.clone();
        r.kind = *kind;
        r.summary = summary.clone();
        r.validate_before_sealing()?;
        out.push(r);
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests;
