use super::*;
use crate::case::parse_date;
use crate::sealed::WrappedKey;
use serde_bytes::ByteBuf;

pub(crate) fn citizen() -> Citizen {
    Citizen {
        name: "Nguyễn Văn An".into(),
        address: "12 Hàng Bài, phường Hoàn Kiếm, Hà Nội".into(),
        id_type: IdType::Cccd,
        id_number: "001085012345".into(),
    }
}

pub(crate) fn sealed() -> SealedIdentity {
    SealedIdentity {
        nonce: ByteBuf::from(vec![7; 12]),
        ciphertext: ByteBuf::from(vec![1, 2, 3, 4]),
        recipients: vec![WrappedKey {
            site: "00070".into(),
            ephemeral: ByteBuf::from(vec![9; 32]),
            wrapped: ByteBuf::from(vec![5; 48]),
        }],
    }
}

/// A valid reception of `kind`: a denunciation's is sealed, so its summary and request
/// are inside the seal and empty here.
pub(crate) fn reception(kind: Kind) -> Reception {
    let mut r = typed(kind);
    if kind == Kind::Denunciation {
        r.take_sealed_details().unwrap();
        r.identity = Identity::Sealed(sealed());
    }
    r
}

/// A reception as the officer typed it: plain identity, every field in clear.
pub(crate) fn typed(kind: Kind) -> Reception {
    let identity = Identity::Plain(citizen());
    Reception {
        date: parse_date("2026-07-06").unwrap(),
        identity,
        summary: "Khiếu nại quyết định thu hồi đất".into(),
        kind,
        people_count: 1,
        prior_bodies: vec![],
        request: "Đề nghị xem xét lại quyết định".into(),
        direction: None,
        notes: String::new(),
        officer: "Trần Thị Bình".into(),
        representatives: vec![],
        evidence: vec![EvidenceItem {
            name: "Quyết định số 12/QĐ-UBND".into(),
            pages: 2,
            condition: EvidenceCondition::Copy,
        }],
        refusal: None,
        session_type: Default::default(),
        form: Default::default(),
        identity_protection: false,
        source: Default::default(),
        anonymous: false,
        classification: Default::default(),
    }
}

fn rep(role: RepresentativeRole) -> Representative {
    Representative {
        name: "Lê Văn Cường".into(),
        role,
        document: "Văn bản cử người đại diện ngày 01/7/2026".into(),
    }
}

#[test]
fn kind_names() {
    for k in Kind::ALL {
        assert_eq!(k.as_str().parse::<Kind>().unwrap(), k);
        let cbor = cbor4ii::serde::to_vec(Vec::new(), &k).unwrap();
        let s: String = cbor4ii::serde::from_slice(&cbor).unwrap();
        assert_eq!(s, k.as_str());
    }
    let err = "khieu-nai".parse::<Kind>().unwrap_err().to_string();
    for name in ["complaint", "denunciation", "petition", "feedback"] {
        assert!(err.contains(name), "{err}");
    }
}

#[test]
fn crowd_rule_follows_art_29() {
    // Luật TCD 2013 Art 29: 5–10 people → 1 or 2 representatives; > 10 → at most 5.
    assert!(crowd_rule(1, 0).is_ok());
    assert!(crowd_rule(4, 0).is_ok());
    assert!(crowd_rule(4, 2).is_ok());
    assert!(crowd_rule(2, 3).is_err());
    assert!(crowd_rule(0, 0).is_err());
    assert!(
        crowd_rule(5, 0).is_err(),
        "5 people must appoint representatives"
    );
    assert!(crowd_rule(5, 1).is_ok());
    assert!(crowd_rule(10, 2).is_ok());
    assert!(crowd_rule(10, 3).is_err());
    assert!(crowd_rule(11, 0).is_err());
    assert!(crowd_rule(11, 3).is_ok());
    assert!(crowd_rule(200, 5).is_ok());
    assert!(crowd_rule(200, 6).is_err());
    let msg = crowd_rule(8, 0).unwrap_err().to_string();
    assert!(msg.contains("Art 29") && msg.contains("1 to 2"), "{msg}");
}

#[test]
fn valid_receptions_pass() {
    for k in Kind::ALL {
        reception(k).validate().unwrap();
    }
}

#[test]
fn denunciation_needs_a_sealed_identity() {
    let r = typed(Kind::Denunciation);
    assert_eq!(r.validate(), Err(CaseError::DenunciationNotSealed));
    assert!(r.validate_before_sealing().is_ok());
}

#[test]
fn a_sealed_reception_keeps_its_details_only_inside_the_seal() {
    let mut typed = typed(Kind::Denunciation);
    typed.representatives = vec![Representative {
        name: "Trần Thị Bình".into(),
        role: RepresentativeRole::Authorised,
        document: "Giấy ủy quyền ngày 01/7/2026".into(),
    }];
    let mut signed = typed.clone();
    let details = signed.take_sealed_details().unwrap();
    assert_eq!(details.citizen, citizen());
    assert_eq!(details.summary, typed.summary);
    assert_eq!(details.request, typed.request);
    assert_eq!(details.representatives, typed.representatives);
    signed.identity = Identity::Sealed(sealed());
    assert_eq!(signed.validate(), Ok(()));
    for (field, put) in [
        (
            "summary",
            &(|r: &mut Reception| r.summary = "lộ".into()) as &dyn Fn(&mut Reception),
        ),
        ("citizen's request", &|r| r.request = "lộ".into()),
        ("representatives", &|r| {
            r.representatives = typed.representatives.clone()
        }),
    ] {
        let mut leaked = signed.clone();
        put(&mut leaked);
        assert_eq!(leaked.validate(), Err(CaseError::SealedInClear { field }));
    }
    // Sealing re-checks what the officer typed, the crowd rule among it.
    let mut crowd = typed.clone();
    crowd.people_count = 6;
    crowd.representatives.clear();
    assert!(matches!(
        crowd.take_sealed_details(),
        Err(CaseError::CrowdRepresentatives { .. })
    ));
}

#[test]
fn validation_refuses_bad_lines() {
    let base = reception(Kind::Complaint);
    let check = |f: &dyn Fn(&mut Reception), want: &str| {
        let mut r = base.clone();
        f(&mut r);
        let err = r.validate().expect_err(want).to_string();
        assert!(err.contains(want), "expected {want:?} in {err:?}");
    };
    check(&|r| r.summary = "  ".into(), "summary is required");
    check(
        &|r| r.summary = "x".repeat(MAX_SUMMARY_CHARS + 1),
        "summary is too long",
    );
    check(
        &|r| r.officer = String::new(),
        "receiving officer is required",
    );
    check(&|r| r.people_count = 0, "number of people");
    check(&|r| r.request = String::new(), "request is required");
    check(
        &|r| {
            r.identity = Identity::Plain(Citizen {
                id_number: "0010850123".into(),
                ..citizen()
            })
        },
        "12 digits",
    );
    check(
        &|r| {
            r.identity = Identity::Plain(Citizen {
                name: "An\nB".into(),
                ..citizen()
            })
        },
        "single line",
    );
    check(&|r| r.people_count = 7, "Art 29");
    check(
        &|r| {
            r.people_count = 12;
            r.representatives = vec![rep(RepresentativeRole::CrowdRepresentative); 6]
        },
        "Art 29",
    );
    check(&|r| r.evidence[0].pages = 0, "pages");
    check(
        &|r| r.evidence = vec![r.evidence[0].clone(); MAX_EVIDENCE_ITEMS + 1],
        "too many evidence items",
    );
    check(
        &|r| {
            r.refusal = Some(RefusalReason::Disorderly);
            r.direction = Some(Direction::Accept)
        },
        "refused",
    );
    check(
        &|r| {
            r.direction = Some(Direction::Transfer {
                to_body: "Công an tỉnh".into(),
                letter_no: String::new(),
            })
        },
        "transfer letter number is required",
    );
    check(&|r| r.notes = "a\u{0}b".into(), "control characters");
}

#[test]
fn crowd_with_representatives_passes() {
    let mut r = reception(Kind::Complaint);
    r.people_count = 12;
    r.representatives = vec![rep(RepresentativeRole::CrowdRepresentative); 3];
    r.representatives.push(rep(RepresentativeRole::Lawyer));
    r.validate().unwrap();
    // Refused visits need no request; the Form 01/TCD duty follows the reason.
    let mut refused = reception(Kind::Feedback);
    refused.request.clear();
    refused.refusal = Some(RefusalReason::PetitionAlreadyAnswered);
    refused.validate().unwrap();
}

#[test]
fn refusal_reasons_cite_their_article() {
    let mut seen = std::collections::BTreeSet::new();
    for r in RefusalReason::ALL {
        assert!(
            seen.insert(r.article()),
            "duplicate article {}",
            r.article()
        );
        assert_eq!(
            r.needs_written_notice(),
            r.article().ends_with("9(3)") || r.article().ends_with("(h)")
        );
    }
    assert_eq!(seen.len(), 14);
    let bases: std::collections::BTreeSet<_> =
        RefusalReason::ALL.iter().map(|r| r.basis_vi()).collect();
    assert_eq!(bases.len(), 14, "each reason cites its own provision");
}

#[test]
fn split_makes_one_reception_per_type() {
    let base = reception(Kind::Complaint);
    let parts = MixedContent {
        parts: vec![
            (Kind::Complaint, "Khiếu nại quyết định xử phạt".into()),
            (Kind::Denunciation, "Tố cáo cán bộ địa chính".into()),
            (Kind::Petition, "Kiến nghị sửa đường".into()),
        ],
    };
    let out = split(&base, &parts).unwrap();
    assert_eq!(
        out.iter().map(|r| r.kind).collect::<Vec<_>>(),
        vec![Kind::Complaint, Kind::Denunciation, Kind::Petition]
    );
    assert_eq!(out[1].summary, "Tố cáo cán bộ địa chính");
    assert_eq!(
        out[1].validate(),
        Err(CaseError::DenunciationNotSealed),
        "the node seals the denunciation part"
    );
    assert!(out[0].validate().is_ok() && out[2].validate().is_ok());
    let dup = MixedContent {
        parts: vec![(Kind::Petition, "a".into()), (Kind::Petition, "b".into())],
    };
    assert_eq!(
        split(&base, &dup),
        Err(CaseError::MixedDuplicateKind(Kind::Petition))
    );
    let one = MixedContent {
        parts: vec![(Kind::Petition, "a".into())],
    };
    assert_eq!(
        split(&base, &one),
        Err(CaseError::MixedTooFewParts { found: 1 })
    );
}

#[test]
fn identity_protection_is_a_denouncers_request() {
    for k in Kind::ALL {
        let mut r = typed(k);
        r.identity_protection = true;
        if k == Kind::Denunciation {
            assert_eq!(r.validate_before_sealing(), Ok(()));
            let mut signed = r.clone();
            signed.take_sealed_details().unwrap();
            signed.identity = Identity::Sealed(sealed());
            assert_eq!(
                signed.validate(),
                Ok(()),
                "it stays in clear, outside the seal"
            );
        } else {
            assert_eq!(
                r.validate_before_sealing(),
                Err(CaseError::IdentityProtectionNotDenunciation(k))
            );
        }
    }
}

fn unknown_sender() -> Citizen {
    Citizen {
        name: String::new(),
        address: String::new(),
        id_type: IdType::Cccd,
        id_number: String::new(),
    }
}

#[test]
fn an_anonymous_don_came_without_its_sender() {
    // A đơn by post with no name, address or paper: recorded.
    let mut r = typed(Kind::Petition);
    r.identity = Identity::Plain(unknown_sender());
    assert_eq!(
        r.validate_before_sealing(),
        Err(CaseError::Missing {
            field: "citizen name"
        }),
        "a known sender's name is required"
    );
    r.anonymous = true;
    assert_eq!(r.validate(), Err(CaseError::AnonymousInPerson));
    r.source = DonSource::Post;
    assert_eq!(r.validate(), Ok(()));
    r.source = DonSource::Forwarded;
    assert_eq!(r.validate(), Ok(()));
    // What is written is still checked: a CCCD has 12 digits.
    r.identity = Identity::Plain(Citizen {
        id_number: "123".into(),
        ..unknown_sender()
    });
    assert!(matches!(
        r.validate(),
        Err(CaseError::IdNumberFormat { digits: 12, .. })
    ));
}

#[test]
fn an_anonymous_denunciation_is_not_processed_as_one() {
    let mut r = typed(Kind::Denunciation);
    r.identity = Identity::Plain(unknown_sender());
    r.anonymous = true;
    r.source = DonSource::Post;
    assert!(r.is_anonymous_denunciation());
    // Recorded (and sealed like any denunciation: its words may still point to the sender).
    let mut signed = r.clone();
    let details = signed.take_sealed_details().unwrap();
    assert_eq!(details.citizen, unknown_sender());
    signed.identity = Identity::Sealed(sealed());
    assert_eq!(signed.validate(), Ok(()));
    // Never taken for acceptance; guidance or transfer to a body that can inspect it is fine.
    let mut accepted = r.clone();
    accepted.direction = Some(Direction::Accept);
    assert_eq!(
        accepted.validate_before_sealing(),
        Err(CaseError::AnonymousDenunciationAccepted)
    );
    let mut transferred = r.clone();
    transferred.direction = Some(Direction::Transfer {
        to_body: "Thanh tra tỉnh".into(),
        letter_no: "15/CV-UBND".into(),
    });
    assert_eq!(transferred.validate_before_sealing(), Ok(()));
    // Nobody known to protect.
    let mut protected = r.clone();
    protected.identity_protection = true;
    assert_eq!(
        protected.validate_before_sealing(),
        Err(CaseError::AnonymousIdentityProtection)
    );
    // A known denouncer's denunciation is accepted as usual.
    let mut known = typed(Kind::Denunciation);
    known.direction = Some(Direction::Accept);
    assert!(!known.is_anonymous_denunciation());
    assert_eq!(known.validate_before_sealing(), Ok(()));
}

#[test]
fn old_receptions_decode_and_reencode_the_same() {
    // Without the new fields, a reception decodes to in person, not anonymous, and its
    // encoding leaves them out.
    let r = reception(Kind::Complaint);
    let bytes = cbor4ii::serde::to_vec(Vec::new(), &r).unwrap();
    let back: Reception = cbor4ii::serde::from_slice(&bytes).unwrap();
    assert_eq!((back.source, back.anonymous), (DonSource::InPerson, false));
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains("anonymous") && !text.contains("source"));
    let mut post = r.clone();
    post.source = DonSource::Post;
    let bytes = cbor4ii::serde::to_vec(Vec::new(), &post).unwrap();
    let back: Reception = cbor4ii::serde::from_slice(&bytes).unwrap();
    assert_eq!(back.source, DonSource::Post);
    for s in DonSource::ALL {
        let cbor = cbor4ii::serde::to_vec(Vec::new(), &s).unwrap();
        let name: String = cbor4ii::serde::from_slice(&cbor).unwrap();
        assert_eq!(name, s.as_str());
        assert!(!s.label_vi().is_empty());
    }
}
