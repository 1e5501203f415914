//! Which cases may be received online, and why (NĐ 154/2026 Art 20).
//!
//! Owns [`OnlineCategory`], the five situations Art 20 lists in which a citizen may be received
//! in an online session, [`CaseCategory`] (a linked case with its category, as the scheduling
//! event carries it), the session types a session may be scheduled as
//! ([`check_session_type`]) and the pure rule [`check_online_case`]: a denunciation whose
//! denouncer asked for identity protection is never received online (Art 20(4)), category 4 is
//! for denunciations only and category 1 for complaints, petitions and feedback (KN, KNPA).
//! The node runs these with the case state it holds; they never read anything themselves.

use serde::{Deserialize, Serialize};

use super::SessionError;
use crate::case::{Kind, SessionType};

/// The situation of NĐ 154/2026 Art 20 that makes a case fit for an online session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnlineCategory {
    /// Art 20(1): a complex or prolonged complaint, petition or feedback whose settlement needs
    /// several agencies.
    ComplexMultiAgency,
    /// Art 20(2): a citizen in a remote or disadvantaged area, a policy beneficiary, an elderly
    /// or disabled citizen, who wishes to be received online.
    RemoteOrVulnerable,
    /// Art 20(3): natural disaster, epidemic, or a security and order situation.
    Emergency,
    /// Art 20(4): a complex denunciation, only when the denouncer does not ask for their
    /// identity to be protected.
    ComplexDenunciation,
    /// Art 20(5): another practical need.
    Other,
}

impl OnlineCategory {
    pub const ALL: [OnlineCategory; 5] = [
        OnlineCategory::ComplexMultiAgency,
        OnlineCategory::RemoteOrVulnerable,
        OnlineCategory::Emergency,
        OnlineCategory::ComplexDenunciation,
        OnlineCategory::Other,
    ];

    /// The wire and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            OnlineCategory::ComplexMultiAgency => "complex_multi_agency",
            OnlineCategory::RemoteOrVulnerable => "remote_or_vulnerable",
            OnlineCategory::Emergency => "emergency",
            OnlineCategory::ComplexDenunciation => "complex_denunciation",
            OnlineCategory::Other => "other",
        }
    }

    /// The clause of Art 20 (1 to 5).
    pub fn clause(self) -> u8 {
        match self {
            OnlineCategory::ComplexMultiAgency => 1,
            OnlineCategory::RemoteOrVulnerable => 2,
            OnlineCategory::Emergency => 3,
            OnlineCategory::ComplexDenunciation => 4,
            OnlineCategory::Other => 5,
        }
    }

    /// The label an officer reads, with its clause.
    pub fn label_vi(self) -> &'static str {
        match self {
            OnlineCategory::ComplexMultiAgency => {
                "Khoản 1: khiếu nại, kiến nghị, phản ánh phức tạp, kéo dài, cần nhiều cơ quan phối hợp"
            }
            OnlineCategory::RemoteOrVulnerable => {
                "Khoản 2: công dân ở vùng sâu, vùng xa, đối tượng chính sách, người cao tuổi, người khuyết tật có nguyện vọng"
            }
            OnlineCategory::Emergency => "Khoản 3: thiên tai, dịch bệnh, tình hình an ninh, trật tự",
            OnlineCategory::ComplexDenunciation => {
                "Khoản 4: tố cáo phức tạp, người tố cáo không yêu cầu giữ bí mật danh tính"
            }
            OnlineCategory::Other => "Khoản 5: nhu cầu thực tế khác",
        }
    }
}

/// A case linked to a session with the Art 20 situation it is received online under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseCategory {
    pub case_id: String,
    pub category: OnlineCategory,
}

/// What the rule needs to know of a linked case: its content type (if the reception is held)
/// and whether the denouncer asked for identity protection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseFacts {
    pub kind: Option<Kind>,
    pub identity_protection: bool,
}

/// Whether a case may be dealt with in an online session under `category` (NĐ 154/2026
/// Art 20). A denunciation whose denouncer asked for identity protection is refused under any
/// category (Art 20(4)); category 4 is for denunciations only; category 1 for complaints,
/// petitions and feedback only.
pub fn check_online_case(
    case_id: &str,
    facts: CaseFacts,
    category: OnlineCategory,
) -> Result<(), SessionError> {
    let is_denunciation = facts.kind == Some(Kind::Denunciation);
    if is_denunciation && facts.identity_protection {
        return Err(SessionError::ProtectedDenunciation(case_id.to_owned()));
    }
    let fits = match category {
        OnlineCategory::ComplexDenunciation => is_denunciation,
        OnlineCategory::ComplexMultiAgency => matches!(
            facts.kind,
            Some(Kind::Complaint | Kind::Petition | Kind::Feedback)
        ),
        OnlineCategory::RemoteOrVulnerable | OnlineCategory::Emergency | OnlineCategory::Other => {
            true
        }
    };
    if !fits {
        return Err(SessionError::CategoryNotForKind {
            case_id: case_id.to_owned(),
            clause: category.clause(),
        });
    }
    Ok(())
}

/// The session types an online session is scheduled as: the head's periodic or ad-hoc
/// session, or a person the head authorised. Regular reception (thường xuyên) is the reception
/// office's daily work, not a session (NĐ 154/2026 Art 16–19); old scheduling events without a
/// type read as regular and stay readable, but a new one must say which.
pub fn check_session_type(t: SessionType) -> Result<(), SessionError> {
    match t {
        SessionType::Periodic | SessionType::AdHoc | SessionType::Authorised => Ok(()),
        SessionType::Regular => Err(SessionError::RegularSession),
    }
}

/// The Vietnamese label of a session type.
pub fn session_type_vi(t: SessionType) -> &'static str {
    match t {
        SessionType::Regular => "Thường xuyên",
        SessionType::Periodic => "Định kỳ",
        SessionType::AdHoc => "Đột xuất",
        SessionType::Authorised => "Người được ủy quyền tiếp",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(kind: Kind, identity_protection: bool) -> CaseFacts {
        CaseFacts {
            kind: Some(kind),
            identity_protection,
        }
    }

    #[test]
    fn a_protected_denunciation_is_never_received_online() {
        for c in OnlineCategory::ALL {
            assert_eq!(
                check_online_case("C1", facts(Kind::Denunciation, true), c),
                Err(SessionError::ProtectedDenunciation("C1".into())),
                "{c:?}"
            );
        }
        // Without protection it may, under clause 4 (and the general ones).
        for c in [
            OnlineCategory::ComplexDenunciation,
            OnlineCategory::RemoteOrVulnerable,
            OnlineCategory::Emergency,
            OnlineCategory::Other,
        ] {
            assert_eq!(
                check_online_case("C1", facts(Kind::Denunciation, false), c),
                Ok(())
            );
        }
    }

    #[test]
    fn clause_4_is_for_denunciations_and_clause_1_for_kn_knpa() {
        for k in [Kind::Complaint, Kind::Petition, Kind::Feedback] {
            assert_eq!(
                check_online_case("C2", facts(k, false), OnlineCategory::ComplexMultiAgency),
                Ok(())
            );
            assert_eq!(
                check_online_case("C2", facts(k, false), OnlineCategory::ComplexDenunciation),
                Err(SessionError::CategoryNotForKind {
                    case_id: "C2".into(),
                    clause: 4
                })
            );
        }
        assert_eq!(
            check_online_case(
                "C3",
                facts(Kind::Denunciation, false),
                OnlineCategory::ComplexMultiAgency
            ),
            Err(SessionError::CategoryNotForKind {
                case_id: "C3".into(),
                clause: 1
            })
        );
        // A case whose reception is not held here fits only the general clauses.
        let unknown = CaseFacts {
            kind: None,
            identity_protection: false,
        };
        assert!(check_online_case("C4", unknown, OnlineCategory::ComplexMultiAgency).is_err());
        assert!(check_online_case("C4", unknown, OnlineCategory::Other).is_ok());
    }

    #[test]
    fn a_session_is_periodic_ad_hoc_or_authorised() {
        assert_eq!(
            check_session_type(SessionType::Regular),
            Err(SessionError::RegularSession)
        );
        for t in [
            SessionType::Periodic,
            SessionType::AdHoc,
            SessionType::Authorised,
        ] {
            assert_eq!(check_session_type(t), Ok(()));
        }
    }

    #[test]
    fn categories_have_their_clause_and_name() {
        for (i, c) in OnlineCategory::ALL.iter().enumerate() {
            assert_eq!(usize::from(c.clause()), i + 1);
            assert!(c.label_vi().starts_with(&format!("Khoản {}", i + 1)));
        }
    }
}
