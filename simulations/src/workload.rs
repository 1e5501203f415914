//! The citizens: log-book lines and what later becomes of each case, as real
//! `tiepdan_protocol::case` events (the fold validates them exactly as on a node). Names and
//! identity numbers are synthetic; a denunciation's identity is sealed bytes drawn from the
//! seed (the protocol never opens them).

use serde_bytes::ByteBuf;
use tiepdan_protocol::case::{
    CaseEvent, Citizen, Date, EscalationReason, EvidenceCondition, EvidenceItem, IdType, Identity,
    Kind, Reception, Representative, RepresentativeRole,
};
use tiepdan_protocol::sealed::{SealedIdentity, WrappedKey};

use crate::rng::SimRng;

pub const KINDS: [Kind; 4] = [
    Kind::Complaint,
    Kind::Denunciation,
    Kind::Petition,
    Kind::Feedback,
];

const FAMILY: [&str; 8] = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"];
const GIVEN: [&str; 8] = [
    "Văn An",
    "Thị Bình",
    "Văn Cường",
    "Thị Dung",
    "Minh Đức",
    "Thu Hà",
    "Quốc Hùng",
    "Thị Lan",
];
const SUMMARIES: [&str; 4] = [
    "Khiếu nại quyết định thu hồi đất",
    "Tố cáo hành vi nhận hối lộ của cán bộ",
    "Kiến nghị sửa chữa đường liên xã",
    "Phản ánh ô nhiễm từ cơ sở sản xuất",
];

fn name(rng: &mut SimRng) -> String {
    let f = FAMILY[rng.between(0, FAMILY.len() as u64) as usize];
    let g = GIVEN[rng.between(0, GIVEN.len() as u64) as usize];
    format!("{f} {g}")
}

/// A sealed identity for `recipients`: random bytes of realistic size.
pub fn sealed(rng: &mut SimRng, recipients: &[String]) -> SealedIdentity {
    SealedIdentity {
        nonce: ByteBuf::from(rng.bytes::<12>().to_vec()),
        ciphertext: ByteBuf::from(
            [rng.bytes::<32>(), rng.bytes::<32>(), rng.bytes::<32>()].concat(),
        ),
        recipients: recipients
            .iter()
            .map(|s| WrappedKey {
                site: s.clone(),
                ephemeral: ByteBuf::from(rng.bytes::<32>().to_vec()),
                wrapped: ByteBuf::from([&rng.bytes::<32>()[..], &rng.bytes::<16>()[..]].concat()),
            })
            .collect(),
    }
}

/// The genesis event of a case received on `date`; `crowd` makes it a delegation.
pub fn reception(
    rng: &mut SimRng,
    kind: Kind,
    date: Date,
    crowd: bool,
    audience: &[String],
) -> CaseEvent {
    let identity = if kind == Kind::Denunciation {
        Identity::Sealed(sealed(rng, audience))
    } else {
        Identity::Plain(Citizen {
            name: name(rng),
            address: format!("Thôn {}, xã mẫu", rng.between(1, 20)),
            id_type: IdType::Cccd,
            id_number: format!("{:012}", rng.between(1, 999_999_999_999)),
        })
    };
    let (people_count, representatives) = if crowd {
        let people = rng.between(5, 40) as u32;
        let reps = if people <= 10 {
            rng.between(1, 3)
        } else {
            rng.between(1, 6)
        };
        let reps = (0..reps)
            .map(|i| Representative {
                name: name(rng),
                role: RepresentativeRole::Authorised,
                document: format!("Giấy ủy quyền số {i}"),
            })
            .collect();
        (people, reps)
    } else {
        (1, Vec::new())
    };
    let k = KINDS.iter().position(|x| *x == kind).unwrap_or(0);
    let mut reception = Reception {
        date,
        identity,
        summary: SUMMARIES[k].to_owned(),
        kind,
        people_count,
        prior_bodies: vec![],
        request: "Đề nghị xem xét, giải quyết".to_owned(),
        direction: None,
        notes: String::new(),
        officer: name(rng),
        representatives,
        evidence: vec![EvidenceItem {
            name: "Đơn".to_owned(),
            pages: rng.between(1, 6) as u32,
            condition: EvidenceCondition::Original,
        }],
        refusal: None,
        session_type: Default::default(),
        form: Default::default(),
        identity_protection: false,
        source: Default::default(),
        anonymous: false,
        classification: Default::default(),
    };
    if reception.identity.is_sealed() {
        // A denunciation's own words travel inside its seal; the signed event has them empty.
        reception.summary.clear();
        reception.request.clear();
        reception.representatives.clear();
        reception.evidence.clear();
    }
    CaseEvent::Received { reception }
}

/// What happens to a case after reception, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Accept,
    Guide,
    Close,
    Decide,
    /// Transfer to another site (chuyển đơn).
    Transfer {
        to: String,
    },
    /// Taken up by a superior; `by_target`: the superior signs (a second complaint filed there),
    /// otherwise the current handler sends it up (overdue).
    Escalate {
        to: String,
        reason: EscalationReason,
        by_target: bool,
    },
}

impl Step {
    /// The case event this step records.
    pub fn event(&self, rng: &mut SimRng, rewrap_for: Option<&[String]>) -> CaseEvent {
        let rewrapped = rewrap_for.map(|r| sealed(rng, r));
        match self {
            Step::Accept => CaseEvent::Accepted {
                decision_no: format!("{}/QĐ-UBND", rng.between(1, 999)),
            },
            Step::Guide => CaseEvent::Guided {
                to_body: "Tòa án nhân dân khu vực".to_owned(),
                letter_no: format!("{}/HD", rng.between(1, 999)),
            },
            Step::Close => CaseEvent::Closed {
                note: "Lưu hồ sơ".to_owned(),
            },
            Step::Decide => CaseEvent::Decided {
                summary: "Giữ nguyên quyết định hành chính".to_owned(),
            },
            Step::Transfer { to } => CaseEvent::Transferred {
                to_site: to.clone(),
                letter_no: format!("{}/CV", rng.between(1, 999)),
                rewrapped,
            },
            Step::Escalate { to, reason, .. } => CaseEvent::Escalated {
                to_site: to.clone(),
                reason: *reason,
                rewrapped,
            },
        }
    }
}
