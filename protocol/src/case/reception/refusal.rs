//! Why a reception is refused (từ chối tiếp công dân): the reason codes of Luật TCD 2013
//! Art 9(1)–(4) and NĐ 154/2026 Art 4(1)(a)–(k), their articles, legal bases and labels.

use super::*;

/// Why reception was refused (từ chối tiếp công dân): Luật TCD 2013 Art 9(1)–(4) and
/// NĐ 154/2026 Art 4(1)(a)–(k).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalReason {
    /// Art 9(1): drunk or intoxicated, mentally ill, or without cognitive capacity.
    Incapacitated,
    /// Art 9(2): threatens or insults staff, or breaks the house rules.
    Disorderly,
    /// Art 9(3): a matter already resolved correctly, reviewed, answered in writing and
    /// explained, still pursued.
    AlreadyResolved,
    /// Art 9(4): another case set by law.
    OtherByLaw,
    /// NĐ 154 Art 4(1)(a): weapons, explosives or dangerous items not surrendered.
    Weapons,
    /// (b): refuses the security check.
    RefusedSecurityCheck,
    /// (c): records or live-streams after the chair asked for none, or disturbs order doing so.
    UnauthorisedRecording,
    /// (d): incites others or causes disorder.
    Incitement,
    /// (đ): lacks full civil capacity and has no legal representative.
    NoLegalRepresentative,
    /// (e): a representative who cannot prove standing.
    RepresentativeWithoutStanding,
    /// (g): content that is not a complaint, denunciation, petition or feedback.
    OutsideScope,
    /// (h): a petition or feedback already answered correctly, with no new facts.
    PetitionAlreadyAnswered,
    /// (i): settled by a final court judgment that is not reviewable.
    FinalJudgment,
    /// (k): being handled by another competent body.
    HandledElsewhere,
}

impl RefusalReason {
    pub const ALL: [RefusalReason; 14] = [
        RefusalReason::Incapacitated,
        RefusalReason::Disorderly,
        RefusalReason::AlreadyResolved,
        RefusalReason::OtherByLaw,
        RefusalReason::Weapons,
        RefusalReason::RefusedSecurityCheck,
        RefusalReason::UnauthorisedRecording,
        RefusalReason::Incitement,
        RefusalReason::NoLegalRepresentative,
        RefusalReason::RepresentativeWithoutStanding,
        RefusalReason::OutsideScope,
        RefusalReason::PetitionAlreadyAnswered,
        RefusalReason::FinalJudgment,
        RefusalReason::HandledElsewhere,
    ];

    /// The legal provision that allows the refusal.
    pub fn article(&self) -> &'static str {
        match self {
            RefusalReason::Incapacitated => "Luật TCD 2013 Art 9(1)",
            RefusalReason::Disorderly => "Luật TCD 2013 Art 9(2)",
            RefusalReason::AlreadyResolved => "Luật TCD 2013 Art 9(3)",
            RefusalReason::OtherByLaw => "Luật TCD 2013 Art 9(4)",
            RefusalReason::Weapons => "NĐ 154/2026 Art 4(1)(a)",
            RefusalReason::RefusedSecurityCheck => "NĐ 154/2026 Art 4(1)(b)",
            RefusalReason::UnauthorisedRecording => "NĐ 154/2026 Art 4(1)(c)",
            RefusalReason::Incitement => "NĐ 154/2026 Art 4(1)(d)",
            RefusalReason::NoLegalRepresentative => "NĐ 154/2026 Art 4(1)(đ)",
            RefusalReason::RepresentativeWithoutStanding => "NĐ 154/2026 Art 4(1)(e)",
            RefusalReason::OutsideScope => "NĐ 154/2026 Art 4(1)(g)",
            RefusalReason::PetitionAlreadyAnswered => "NĐ 154/2026 Art 4(1)(h)",
            RefusalReason::FinalJudgment => "NĐ 154/2026 Art 4(1)(i)",
            RefusalReason::HandledElsewhere => "NĐ 154/2026 Art 4(1)(k)",
        }
    }

    /// The same provision as a Vietnamese legal document cites it ("khoản 3 Điều 9 Luật Tiếp
    /// công dân năm 2013"), for the refusal notice (Form 01/TCD).
    pub fn basis_vi(&self) -> &'static str {
        match self {
            RefusalReason::Incapacitated => "khoản 1 Điều 9 Luật Tiếp công dân năm 2013",
            RefusalReason::Disorderly => "khoản 2 Điều 9 Luật Tiếp công dân năm 2013",
            RefusalReason::AlreadyResolved => "khoản 3 Điều 9 Luật Tiếp công dân năm 2013",
            RefusalReason::OtherByLaw => "khoản 4 Điều 9 Luật Tiếp công dân năm 2013",
            RefusalReason::Weapons => "điểm a khoản 1 Điều 4 Nghị định số 154/2026/NĐ-CP",
            RefusalReason::RefusedSecurityCheck => {
                "điểm b khoản 1 Điều 4 Nghị định số 154/2026/NĐ-CP"
            }
            RefusalReason::UnauthorisedRecording => {
                "điểm c khoản 1 Điều 4 Nghị định số 154/2026/NĐ-CP"
            }
            RefusalReason::Incitement => "điểm d khoản 1 Điều 4 Nghị định số 154/2026/NĐ-CP",
            RefusalReason::NoLegalRepresentative => {
                "điểm đ khoản 1 Điều 4 Nghị định số 154/2026/NĐ-CP"
            }
            RefusalReason::RepresentativeWithoutStanding => {
                "điểm e khoản 1 Điều 4 Nghị định số 154/2026/NĐ-CP"
            }
            RefusalReason::OutsideScope => "điểm g khoản 1 Điều 4 Nghị định số 154/2026/NĐ-CP",
            RefusalReason::PetitionAlreadyAnswered => {
                "điểm h khoản 1 Điều 4 Nghị định số 154/2026/NĐ-CP"
            }
            RefusalReason::FinalJudgment => "điểm i khoản 1 Điều 4 Nghị định số 154/2026/NĐ-CP",
            RefusalReason::HandledElsewhere => "điểm k khoản 1 Điều 4 Nghị định số 154/2026/NĐ-CP",
        }
    }

    /// True when the head must also issue a written refusal notice (Thông báo từ chối tiếp
    /// công dân, Form 01/TCD) within 3 working days: Art 9(3) and point (h) (NĐ 154/2026
    /// Art 4(3)).
    pub fn needs_written_notice(&self) -> bool {
        matches!(
            self,
            RefusalReason::AlreadyResolved | RefusalReason::PetitionAlreadyAnswered
        )
    }

    /// A short Vietnamese label for the UI.
    pub fn label_vi(&self) -> &'static str {
        match self {
            RefusalReason::Incapacitated => {
                "Say rượu, dùng chất kích thích, tâm thần hoặc mất nhận thức"
            }
            RefusalReason::Disorderly => "Đe dọa, xúc phạm hoặc vi phạm nội quy",
            RefusalReason::AlreadyResolved => {
                "Vụ việc đã giải quyết đúng, đã giải thích nhưng vẫn cố tình khiếu nại, tố cáo"
            }
            RefusalReason::OtherByLaw => "Trường hợp khác theo quy định của pháp luật",
            RefusalReason::Weapons => "Mang vũ khí, vật liệu nổ, vật nguy hiểm",
            RefusalReason::RefusedSecurityCheck => "Không chấp hành kiểm tra an ninh",
            RefusalReason::UnauthorisedRecording => "Ghi âm, ghi hình, phát trực tiếp trái phép",
            RefusalReason::Incitement => "Kích động, gây rối trật tự",
            RefusalReason::NoLegalRepresentative => {
                "Không có năng lực hành vi dân sự đầy đủ và không có người đại diện"
            }
            RefusalReason::RepresentativeWithoutStanding => {
                "Người đại diện không chứng minh được tư cách"
            }
            RefusalReason::OutsideScope => {
                "Nội dung không phải khiếu nại, tố cáo, kiến nghị, phản ánh"
            }
            RefusalReason::PetitionAlreadyAnswered => {
                "Kiến nghị, phản ánh đã được trả lời đúng, không có tình tiết mới"
            }
            RefusalReason::FinalJudgment => "Đã có bản án có hiệu lực pháp luật",
            RefusalReason::HandledElsewhere => "Đang được cơ quan có thẩm quyền khác giải quyết",
        }
    }
}
