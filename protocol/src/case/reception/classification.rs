//! What the reports count about a đơn, as the officer states it at the desk: how it came
//! ([`DonSource`]), and its [`Classification`] (signatories, [`Sector`], first time or repeat,
//! the matter's [`PriorStatus`]). Biểu 01/TCD and 01–04/XLD (`crate::report`) read these.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::Kind;
use crate::case::{check_line, CaseError};

/// How the đơn reached the site (nguồn đơn; DOMAIN §6 C "channel"; Biểu 01/XLD counts đơn by
/// it). A citizen at the desk is received in person; every other đơn is entered in the same log
/// book without a visit.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum DonSource {
    /// Qua tiếp công dân: the citizen came to the reception office (or an online session).
    #[default]
    InPerson,
    /// Đơn nộp trực tiếp: handed in at the place that receives đơn, without a reception.
    Direct,
    /// Đơn gửi qua bưu chính.
    Post,
    /// Đơn do cơ quan, tổ chức khác chuyển đến.
    Forwarded,
    /// Đơn do đại biểu Quốc hội, đại biểu Hội đồng nhân dân chuyển đến.
    Deputy,
    /// Đơn do cơ quan báo chí chuyển đến.
    Press,
    /// Đơn gửi trực tuyến (cổng thông tin, thư điện tử).
    Online,
}

impl DonSource {
    pub const ALL: [DonSource; 7] = [
        DonSource::InPerson,
        DonSource::Direct,
        DonSource::Post,
        DonSource::Forwarded,
        DonSource::Deputy,
        DonSource::Press,
        DonSource::Online,
    ];

    /// The wire and API name: `in_person`, `direct`, `post`, `forwarded`, `deputy`, `press` or
    /// `online`.
    pub fn as_str(self) -> &'static str {
        match self {
            DonSource::InPerson => "in_person",
            DonSource::Direct => "direct",
            DonSource::Post => "post",
            DonSource::Forwarded => "forwarded",
            DonSource::Deputy => "deputy",
            DonSource::Press => "press",
            DonSource::Online => "online",
        }
    }

    /// The Vietnamese name shown in the web UI.
    pub fn label_vi(self) -> &'static str {
        match self {
            DonSource::InPerson => "Qua tiếp công dân (công dân đến trực tiếp)",
            DonSource::Direct => "Đơn nộp trực tiếp",
            DonSource::Post => "Đơn qua bưu chính",
            DonSource::Forwarded => "Đơn do cơ quan, tổ chức khác chuyển đến",
            DonSource::Deputy => "Đơn do đại biểu Quốc hội, đại biểu HĐND chuyển đến",
            DonSource::Press => "Đơn do cơ quan báo chí chuyển đến",
            DonSource::Online => "Đơn gửi trực tuyến",
        }
    }

    /// The đơn came with the citizen, received at the desk: a visit (lượt tiếp) of Biểu 01/TCD.
    pub fn is_visit(self) -> bool {
        self == DonSource::InPerson
    }
}

/// The sector of the matter (lĩnh vực; Biểu 02–04/XLD columns by content).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    /// Not stated (đơn recorded before sectors were kept): counted under "khác".
    #[default]
    Unspecified,
    /// Hành chính — chế độ, chính sách.
    Policy,
    /// Hành chính — đất đai, nhà cửa.
    LandHousing,
    /// Hành chính — lĩnh vực khác.
    AdministrativeOther,
    /// Tư pháp.
    Judicial,
    /// Đảng, đoàn thể.
    Party,
    /// Tham nhũng: a denunciation's sector only (Biểu 03/XLD).
    Corruption,
    /// Lĩnh vực khác.
    Other,
}

impl Sector {
    pub const ALL: [Sector; 8] = [
        Sector::Unspecified,
        Sector::Policy,
        Sector::LandHousing,
        Sector::AdministrativeOther,
        Sector::Judicial,
        Sector::Party,
        Sector::Corruption,
        Sector::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Sector::Unspecified => "unspecified",
            Sector::Policy => "policy",
            Sector::LandHousing => "land_housing",
            Sector::AdministrativeOther => "administrative_other",
            Sector::Judicial => "judicial",
            Sector::Party => "party",
            Sector::Corruption => "corruption",
            Sector::Other => "other",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Sector::Unspecified => "Chưa xác định",
            Sector::Policy => "Hành chính — chế độ, chính sách",
            Sector::LandHousing => "Hành chính — đất đai, nhà cửa",
            Sector::AdministrativeOther => "Hành chính — lĩnh vực khác",
            Sector::Judicial => "Tư pháp",
            Sector::Party => "Đảng, đoàn thể",
            Sector::Corruption => "Tham nhũng",
            Sector::Other => "Lĩnh vực khác",
        }
    }

    /// Whether a matter of `kind` may be of this sector: corruption is denounced, never
    /// complained of or petitioned (Biểu 03/XLD has the column, 02 and 04 do not).
    pub fn fits(self, kind: Kind) -> bool {
        self != Sector::Corruption || kind == Kind::Denunciation
    }
}

impl FromStr for Sector {
    type Err = CaseError;
    fn from_str(s: &str) -> Result<Sector, CaseError> {
        Sector::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                CaseError::Malformed(format!(
                    "unknown sector {:?}",
                    s.chars().take(40).collect::<String>()
                ))
            })
    }
}

/// Where the matter stood when the đơn came (tình trạng giải quyết; Biểu 01/XLD).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum PriorStatus {
    /// Chưa được giải quyết.
    #[default]
    NotResolved,
    /// Đã được giải quyết lần đầu.
    ResolvedOnce,
    /// Đã được giải quyết nhiều lần.
    ResolvedSeveral,
    /// Đang được giải quyết.
    InProgress,
}

impl PriorStatus {
    pub const ALL: [PriorStatus; 4] = [
        PriorStatus::NotResolved,
        PriorStatus::ResolvedOnce,
        PriorStatus::ResolvedSeveral,
        PriorStatus::InProgress,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PriorStatus::NotResolved => "not_resolved",
            PriorStatus::ResolvedOnce => "resolved_once",
            PriorStatus::ResolvedSeveral => "resolved_several",
            PriorStatus::InProgress => "in_progress",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            PriorStatus::NotResolved => "Chưa được giải quyết",
            PriorStatus::ResolvedOnce => "Đã giải quyết lần đầu",
            PriorStatus::ResolvedSeveral => "Đã giải quyết nhiều lần",
            PriorStatus::InProgress => "Đang được giải quyết",
        }
    }
}

/// What the reports classify a đơn by, as the officer states it at the desk (Biểu 01/TCD
/// "vụ việc lần đầu / nhiều lần", Biểu 01–04/XLD). Every field defaults to the common case, so
/// a reception signed before these were kept reads the same.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classification {
    /// Đơn có nhiều người đứng tên: signed by several people (then `people_count` ≥ 2).
    #[serde(default, skip_serializing_if = "crate::cbor::is_default")]
    pub several_signatories: bool,
    #[serde(default, skip_serializing_if = "crate::cbor::is_default")]
    pub sector: Sector,
    /// Vụ việc nhiều lần: the citizen came or wrote about this matter before.
    #[serde(default, skip_serializing_if = "crate::cbor::is_default")]
    pub repeat: bool,
    /// The earlier case about the same matter, when the officer found it (only with `repeat`).
    #[serde(default, skip_serializing_if = "crate::cbor::is_default")]
    pub earlier_case: String,
    #[serde(default, skip_serializing_if = "crate::cbor::is_default")]
    pub prior_status: PriorStatus,
}

impl Classification {
    /// The sector fits the content type; several signatories are several people; an earlier
    /// case is named only for a repeat, and as a case id is bounded.
    pub fn validate(&self, kind: Kind, people_count: u32) -> Result<(), CaseError> {
        if !self.sector.fits(kind) {
            return Err(CaseError::SectorNotForKind(kind));
        }
        if self.several_signatories && people_count < 2 {
            return Err(CaseError::SeveralSignatoriesAlone);
        }
        check_line(
            "earlier case",
            &self.earlier_case,
            crate::case::MAX_CASE_ID_CHARS,
            false,
        )?;
        if !self.repeat && !self.earlier_case.is_empty() {
            return Err(CaseError::EarlierCaseNotRepeat);
        }
        Ok(())
    }
}
