//! Case lifecycle events and their wire form.
//!
//! Owns [`CaseEvent`] — every change to a case, from the reception that creates it to its
//! closing — with its bounds check, and the CBOR encoding that is signed and replicated
//! ([`encode_event`], [`decode_event`]). Whether an event is *allowed* at a point of the case's
//! life is decided by the fold (`state`), never here: a signed event stays readable forever.
//!
//! # Wire format
//!
//! One CBOR item: the serde encoding of [`CaseEvent`] by `cbor4ii`. Externally tagged: a
//! variant with fields is a one-entry map from its snake_case name to a map of its fields; a
//! variant without fields (`resumed`, `final`) is the bare string. Dates are `"YYYY-MM-DD"`
//! strings; sealed-identity bytes are CBOR byte strings. Unknown fields are ignored; unknown
//! variants, trailing bytes and bodies over [`MAX_EVENT_BYTES`] are errors. Pinned by the
//! `wire_format_is_pinned` test.

use serde::{Deserialize, Serialize};

use super::reception::validate_sealed;
use super::{
    check_line, check_site_code, check_text, CaseError, Date, Kind, Reception, SessionType,
    MAX_BODY_CHARS, MAX_EVENT_BYTES, MAX_EXTENSION_DAYS, MAX_LETTER_NO_CHARS, MAX_NAME_CHARS,
    MAX_NOTE_CHARS, MAX_ROLE_CHARS, MAX_SESSION_ID_CHARS,
};
use crate::sealed::SealedIdentity;

/// Hex digits of a BLAKE3 hash.
pub const HASH_HEX_CHARS: usize = 64;

/// Why a case goes up to a superior site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationReason {
    /// Second complaint (khiếu nại lần hai) against a first-instance decision, or after the
    /// first-instance time limit passed without one (Luật KN 2011 Art 33).
    SecondInstance,
    /// Repeat denunciation (tố cáo tiếp) to the direct superior (Luật TC 2018 Art 37).
    RepeatDenunciation,
    /// Not resolved in time (quá thời hạn); the superior requires a report (Luật TC 2018 Art 38).
    Overdue,
}

impl EscalationReason {
    pub fn as_str(self) -> &'static str {
        match self {
            EscalationReason::SecondInstance => "second instance",
            EscalationReason::RepeatDenunciation => "repeat denunciation",
            EscalationReason::Overdue => "overdue",
        }
    }
}

/// Every event of a case's life. Each is signed by its author site and applied by
/// [`super::CaseState::apply`] in the DAG's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // the genesis event is as big as it is; events are not stored in bulk enums
pub enum CaseEvent {
    /// The genesis event: a log-book line creates the case.
    Received { reception: Reception },
    /// The content type and the flags that set time limits: `complex` (vụ việc phức tạp; NĐ 155
    /// new Art 3a; for denunciations, verification at several places) and `remote_area` (vùng
    /// sâu, vùng xa, đi lại khó khăn).
    Classified {
        kind: Kind,
        complex: bool,
        remote_area: bool,
    },
    /// Accepted for resolution (thụ lý), by decision or notice number.
    Accepted { decision_no: String },
    /// The citizen was guided (hướng dẫn) to the competent body.
    Guided { to_body: String, letter_no: String },
    /// Transferred to another site of the federation (chuyển đơn), which now handles it. For a
    /// sealed identity, `rewrapped` carries it wrapped for the widened audience.
    Transferred {
        to_site: String,
        letter_no: String,
        rewrapped: Option<SealedIdentity>,
    },
    /// A superior requires a subordinate site to resolve it (yêu cầu cấp dưới giải quyết;
    /// Luật TCD 2013 Art 26), which then handles it.
    OrderedToResolve { subordinate_site: String },
    /// Taken up by a superior site (second complaint, tố cáo tiếp, or overdue).
    Escalated {
        to_site: String,
        reason: EscalationReason,
        rewrapped: Option<SealedIdentity>,
    },
    /// The denunciation's resolution time is extended (gia hạn; Luật TC 2018 Art 30).
    Extended { days: u32, reason: String },
    /// Resolution suspended (tạm đình chỉ).
    Suspended { reason: String },
    /// Resolution resumed (tiếp tục giải quyết).
    Resumed,
    /// A dialogue (đối thoại) with the complainant, held or scheduled on `date`.
    Dialogue { date: Date, note: String },
    /// The complaint decision (quyết định giải quyết khiếu nại).
    Decided { summary: String },
    /// The denunciation conclusion (kết luận nội dung tố cáo).
    Concluded { finding: String },
    /// The decision has taken legal effect (có hiệu lực pháp luật; Luật KN 2011 Art 44).
    Final,
    /// The citizen withdrew (rút đơn): some of a group (`partial`) or all.
    Withdrawn { partial: bool, note: String },
    /// The case is closed (kết thúc, lưu hồ sơ).
    Closed { note: String },
    /// A free note in the case file.
    Note { text: String },
    /// A recorded session (online reception, dialogue) whose signed index belongs to the case.
    RecordingAttached {
        session_id: String,
        index_hash: String,
    },
    /// Audit record: someone viewed the plaintext identity.
    IdentityViewed { by: String, role: String },
    /// The đơn was forwarded (chuyển đơn) to a body outside the federation — police,
    /// procuracy, court, Party body — by a numbered letter.
    Forwarded { to_body: String, letter_no: String },
    /// A written notice was sent to the citizen: the result notice of Luật TCD 2013 Art 28(1),
    /// the refusal notice (Form 01/TCD), an acceptance, suspension or termination notice.
    CitizenNotified { letter_no: String },
    /// The citizen was received about this case in an online session (NĐ 154/2026 Ch. V): a
    /// line of the author site's log book (NĐ 154 Art 27), in the form `trực tuyến`.
    ReceivedOnline {
        session_id: String,
        date: Date,
        session_type: SessionType,
    },
    /// The Thông báo kết luận of a session assigns `to_site` a task on this case, due by
    /// `due` (NĐ 154/2026 Art 25).
    Assigned {
        session_id: String,
        notice_no: String,
        to_site: String,
        task: String,
        due: Date,
    },
    /// The assigned site reports what it did with its task of notice `notice_no`.
    AssignmentReported { notice_no: String, note: String },
    /// The body a đơn was transferred or forwarded to answered with a reply letter (văn bản
    /// phúc đáp, `date`, `letter_no`), which Biểu 01/XLD counts. Only from a site that passed
    /// the đơn on.
    ReplyReceived {
        from_body: String,
        letter_no: String,
        date: Date,
    },
}

impl CaseEvent {
    /// The variant's wire name.
    pub fn name(&self) -> &'static str {
        match self {
            CaseEvent::Received { .. } => "received",
            CaseEvent::Classified { .. } => "classified",
            CaseEvent::Accepted { .. } => "accepted",
            CaseEvent::Guided { .. } => "guided",
            CaseEvent::Transferred { .. } => "transferred",
            CaseEvent::OrderedToResolve { .. } => "ordered_to_resolve",
            CaseEvent::Escalated { .. } => "escalated",
            CaseEvent::Extended { .. } => "extended",
            CaseEvent::Suspended { .. } => "suspended",
            CaseEvent::Resumed => "resumed",
            CaseEvent::Dialogue { .. } => "dialogue",
            CaseEvent::Decided { .. } => "decided",
            CaseEvent::Concluded { .. } => "concluded",
            CaseEvent::Final => "final",
            CaseEvent::Withdrawn { .. } => "withdrawn",
            CaseEvent::Closed { .. } => "closed",
            CaseEvent::Note { .. } => "note",
            CaseEvent::RecordingAttached { .. } => "recording_attached",
            CaseEvent::IdentityViewed { .. } => "identity_viewed",
            CaseEvent::Forwarded { .. } => "forwarded",
            CaseEvent::CitizenNotified { .. } => "citizen_notified",
            CaseEvent::ReceivedOnline { .. } => "received_online",
            CaseEvent::Assigned { .. } => "assigned",
            CaseEvent::AssignmentReported { .. } => "assignment_reported",
            CaseEvent::ReplyReceived { .. } => "reply_received",
        }
    }

    /// The act, as an officer reads it after "không thể" (cannot …).
    pub fn label_vi(&self) -> &'static str {
        match self {
            CaseEvent::Received { .. } => "tiếp nhận",
            CaseEvent::Classified { .. } => "phân loại",
            CaseEvent::Accepted { .. } => "thụ lý",
            CaseEvent::Guided { .. } => "hướng dẫn, trả lại đơn",
            CaseEvent::Transferred { .. } => "chuyển đơn",
            CaseEvent::OrderedToResolve { .. } => "giao cấp dưới giải quyết",
            CaseEvent::Escalated { .. } => "chuyển lên cấp trên",
            CaseEvent::Extended { .. } => "gia hạn",
            CaseEvent::Suspended { .. } => "tạm đình chỉ",
            CaseEvent::Resumed => "tiếp tục giải quyết",
            CaseEvent::Dialogue { .. } => "ghi nhận đối thoại",
            CaseEvent::Decided { .. } => "ra quyết định giải quyết",
            CaseEvent::Concluded { .. } => "ra kết luận",
            CaseEvent::Final => "ghi nhận quyết định có hiệu lực",
            CaseEvent::Withdrawn { .. } => "ghi nhận rút đơn",
            CaseEvent::Closed { .. } => "kết thúc hồ sơ",
            CaseEvent::Note { .. } => "ghi chú",
            CaseEvent::RecordingAttached { .. } => "gắn bản ghi hình",
            CaseEvent::IdentityViewed { .. } => "xem danh tính",
            CaseEvent::Forwarded { .. } => "chuyển tiếp",
            CaseEvent::CitizenNotified { .. } => "ghi nhận thông báo cho công dân",
            CaseEvent::ReceivedOnline { .. } => "ghi nhận lượt tiếp trực tuyến",
            CaseEvent::Assigned { .. } => "giao nhiệm vụ theo thông báo kết luận",
            CaseEvent::AssignmentReported { .. } => "báo cáo kết quả thực hiện nhiệm vụ",
            CaseEvent::ReplyReceived { .. } => "ghi nhận văn bản phúc đáp",
        }
    }

    /// Bounds and required fields. A `Received` event runs the full [`Reception::validate`].
    /// Site codes are checked for shape only: whether a site exists is the fold's question.
    pub fn validate(&self) -> Result<(), CaseError> {
        match self {
            CaseEvent::Received { reception } => reception.validate(),
            CaseEvent::Classified { .. } | CaseEvent::Resumed | CaseEvent::Final => Ok(()),
            CaseEvent::Accepted { decision_no } => check_line(
                "acceptance decision number",
                decision_no,
                MAX_LETTER_NO_CHARS,
                true,
            ),
            CaseEvent::Guided { to_body, letter_no } => {
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
            CaseEvent::Forwarded { to_body, letter_no } => {
                check_line(
                    "body the đơn is forwarded to",
                    to_body,
                    MAX_BODY_CHARS,
                    true,
                )?;
                check_line(
                    "forwarding letter number",
                    letter_no,
                    MAX_LETTER_NO_CHARS,
                    true,
                )
            }
            CaseEvent::Transferred {
                to_site,
                letter_no,
                rewrapped,
            } => {
                check_site_code(to_site)?;
                check_line(
                    "transfer letter number",
                    letter_no,
                    MAX_LETTER_NO_CHARS,
                    true,
                )?;
                rewrapped.as_ref().map_or(Ok(()), validate_sealed)
            }
            CaseEvent::OrderedToResolve { subordinate_site } => check_site_code(subordinate_site),
            CaseEvent::Escalated {
                to_site, rewrapped, ..
            } => {
                check_site_code(to_site)?;
                rewrapped.as_ref().map_or(Ok(()), validate_sealed)
            }
            CaseEvent::Extended { days, reason } => {
                if !(1..=MAX_EXTENSION_DAYS).contains(days) {
                    return Err(CaseError::ExtensionDays {
                        found: *days,
                        max: MAX_EXTENSION_DAYS,
                    });
                }
                check_text("reason for the extension", reason, MAX_NOTE_CHARS, true)
            }
            CaseEvent::Suspended { reason } => {
                check_text("reason for the suspension", reason, MAX_NOTE_CHARS, true)
            }
            CaseEvent::Dialogue { note, .. } => {
                check_text("dialogue note", note, MAX_NOTE_CHARS, false)
            }
            CaseEvent::Decided { summary } => {
                check_text("summary of the decision", summary, MAX_NOTE_CHARS, true)
            }
            CaseEvent::Concluded { finding } => {
                check_text("finding of the conclusion", finding, MAX_NOTE_CHARS, true)
            }
            CaseEvent::Withdrawn { note, .. } => {
                check_text("withdrawal note", note, MAX_NOTE_CHARS, false)
            }
            CaseEvent::Closed { note } => check_text("closing note", note, MAX_NOTE_CHARS, false),
            CaseEvent::Note { text } => check_text("note", text, MAX_NOTE_CHARS, true),
            CaseEvent::RecordingAttached {
                session_id,
                index_hash,
            } => {
                check_line(
                    "recording session id",
                    session_id,
                    MAX_SESSION_ID_CHARS,
                    true,
                )?;
                let ok = index_hash.len() == HASH_HEX_CHARS
                    && index_hash
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                if ok {
                    Ok(())
                } else {
                    Err(CaseError::InvalidHash {
                        field: "recording index hash",
                    })
                }
            }
            CaseEvent::IdentityViewed { by, role } => {
                check_line("person who viewed the identity", by, MAX_NAME_CHARS, true)?;
                check_line(
                    "role of the person who viewed the identity",
                    role,
                    MAX_ROLE_CHARS,
                    true,
                )
            }
            CaseEvent::CitizenNotified { letter_no } => {
                check_line("notice number", letter_no, MAX_LETTER_NO_CHARS, true)
            }
            CaseEvent::ReceivedOnline { session_id, .. } => check_line(
                "recording session id",
                session_id,
                MAX_SESSION_ID_CHARS,
                true,
            ),
            CaseEvent::Assigned {
                session_id,
                notice_no,
                to_site,
                task,
                ..
            } => {
                check_line(
                    "recording session id",
                    session_id,
                    MAX_SESSION_ID_CHARS,
                    true,
                )?;
                check_line(
                    "conclusion notice number",
                    notice_no,
                    MAX_LETTER_NO_CHARS,
                    true,
                )?;
                check_site_code(to_site)?;
                check_text("assigned task", task, MAX_NOTE_CHARS, true)
            }
            CaseEvent::AssignmentReported { notice_no, note } => {
                check_line(
                    "conclusion notice number",
                    notice_no,
                    MAX_LETTER_NO_CHARS,
                    true,
                )?;
                check_text("report on the assigned task", note, MAX_NOTE_CHARS, true)
            }
            CaseEvent::ReplyReceived {
                from_body,
                letter_no,
                ..
            } => {
                check_line("body that replied", from_body, MAX_BODY_CHARS, true)?;
                check_line("reply letter number", letter_no, MAX_LETTER_NO_CHARS, true)
            }
        }
    }
}

/// Encodes an event for signing. It does not validate: call [`CaseEvent::validate`] first.
pub fn encode_event(event: &CaseEvent) -> Vec<u8> {
    cbor4ii::serde::to_vec(Vec::new(), event)
        // Cannot fail: the writer is a Vec, whose only error is allocation failure, and the
        // Serialize impls involved (derived ones, Date's collect_str) never return an error.
        .expect("CBOR encoding of a CaseEvent into a Vec cannot fail")
}

/// Decodes exactly one event (no trailing bytes), at most [`MAX_EVENT_BYTES`] long, and
/// validates it.
pub fn decode_event(bytes: &[u8]) -> Result<CaseEvent, CaseError> {
    if bytes.len() > MAX_EVENT_BYTES {
        return Err(CaseError::TooLarge {
            field: "case event",
            found: bytes.len(),
            max: MAX_EVENT_BYTES,
        });
    }
    let event: CaseEvent = crate::cbor::decode_exact(bytes, "case event")
        .map_err(|e| CaseError::Malformed(e.to_string()))?;
    event.validate()?;
    Ok(event)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::case::reception::tests::{reception, sealed};
    use crate::case::reception::{
        Citizen, Direction, EvidenceCondition, EvidenceItem, IdType, Identity, RefusalReason,
        Representative, RepresentativeRole,
    };
    use crate::case::{
        parse_date, MAX_ADDRESS_CHARS, MAX_DOCUMENT_CHARS, MAX_EVIDENCE_ITEMS,
        MAX_EVIDENCE_NAME_CHARS, MAX_ID_NUMBER_CHARS, MAX_PRIOR_BODIES, MAX_REPRESENTATIVES,
        MAX_REQUEST_CHARS, MAX_SUMMARY_CHARS,
    };
    use proptest::prelude::*;

    pub(crate) fn every_event() -> Vec<CaseEvent> {
        vec![
            CaseEvent::Received {
                reception: reception(Kind::Complaint),
            },
            CaseEvent::Classified {
                kind: Kind::Complaint,
                complex: true,
                remote_area: false,
            },
            CaseEvent::Accepted {
                decision_no: "15/QĐ-UBND".into(),
            },
            CaseEvent::Guided {
                to_body: "Tòa án nhân dân khu vực 1".into(),
                letter_no: String::new(),
            },
            CaseEvent::Transferred {
                to_site: "26506".into(),
                letter_no: "88/UBND-TCD".into(),
                rewrapped: Some(sealed()),
            },
            CaseEvent::OrderedToResolve {
                subordinate_site: "00070".into(),
            },
            CaseEvent::Escalated {
                to_site: "01".into(),
                reason: EscalationReason::SecondInstance,
                rewrapped: None,
            },
            CaseEvent::Extended {
                days: 30,
                reason: "Vụ việc phức tạp".into(),
            },
            CaseEvent::Suspended {
                reason: "Chờ kết quả giám định".into(),
            },
            CaseEvent::Resumed,
            CaseEvent::Dialogue {
                date: parse_date("2026-08-03").unwrap(),
                note: "Đối thoại lần 1".into(),
            },
            CaseEvent::Decided {
                summary: "Giữ nguyên quyết định".into(),
            },
            CaseEvent::Concluded {
                finding: "Tố cáo đúng một phần".into(),
            },
            CaseEvent::Final,
            CaseEvent::Withdrawn {
                partial: true,
                note: String::new(),
            },
            CaseEvent::Closed {
                note: "Lưu hồ sơ".into(),
            },
            CaseEvent::Note {
                text: "Đã gọi điện cho công dân".into(),
            },
            CaseEvent::RecordingAttached {
                session_id: "s-1".into(),
                index_hash: "ab".repeat(32),
            },
            CaseEvent::IdentityViewed {
                by: "Phạm Minh Đức".into(),
                role: "verifier".into(),
            },
            CaseEvent::Forwarded {
                to_body: "Công an tỉnh".into(),
                letter_no: "9/CV".into(),
            },
            CaseEvent::CitizenNotified {
                letter_no: "10/TB-UBND".into(),
            },
            CaseEvent::ReceivedOnline {
                session_id: "s-1".into(),
                date: parse_date("2026-08-04").unwrap(),
                session_type: crate::case::SessionType::Periodic,
            },
            CaseEvent::Assigned {
                session_id: "s-1".into(),
                notice_no: "12/TB-UBND".into(),
                to_site: "00070".into(),
                task: "Kiểm tra, trả lời công dân".into(),
                due: parse_date("2026-09-04").unwrap(),
            },
            CaseEvent::AssignmentReported {
                notice_no: "12/TB-UBND".into(),
                note: "Đã kiểm tra và trả lời công dân".into(),
            },
            CaseEvent::ReplyReceived {
                from_body: "Công an tỉnh".into(),
                letter_no: "25/CV-CAT".into(),
                date: parse_date("2026-09-10").unwrap(),
            },
        ]
    }

    #[test]
    fn every_event_round_trips() {
        let all = every_event();
        let names: std::collections::BTreeSet<_> = all.iter().map(CaseEvent::name).collect();
        assert_eq!(names.len(), all.len(), "one sample per variant");
        for ev in all {
            ev.validate().unwrap();
            let bytes = encode_event(&ev);
            assert_eq!(decode_event(&bytes).unwrap(), ev, "{}", ev.name());
        }
    }

    #[test]
    fn wire_format_is_pinned() {
        // If this fails, the wire format changed: signed events already stored would no longer
        // re-encode to the same bytes. Bump a format version instead of editing the hash.
        let ev = CaseEvent::Escalated {
            to_site: "01".into(),
            reason: EscalationReason::SecondInstance,
            rewrapped: None,
        };
        let bytes = encode_event(&ev);
        // {"escalated": {"to_site": "01", "reason": "second_instance", "rewrapped": null}}
        let mut expected = vec![0xa1, 0x69];
        expected.extend_from_slice(b"escalated");
        expected.extend_from_slice(&[0xa3, 0x67]);
        expected.extend_from_slice(b"to_site");
        expected.extend_from_slice(&[0x62]);
        expected.extend_from_slice(b"01");
        expected.extend_from_slice(&[0x66]);
        expected.extend_from_slice(b"reason");
        expected.extend_from_slice(&[0x6f]);
        expected.extend_from_slice(b"second_instance");
        expected.extend_from_slice(&[0x69]);
        expected.extend_from_slice(b"rewrapped");
        expected.push(0xf6);
        assert_eq!(bytes, expected);
        assert_eq!(
            encode_event(&CaseEvent::Final),
            [&[0x65][..], b"final"].concat()
        );

        let genesis = CaseEvent::Received {
            reception: reception(Kind::Complaint),
        };
        assert_eq!(
            blake3::hash(&encode_event(&genesis)).to_hex().as_str(),
            "bca8fe2ba0d2cc794c7df1d097344dda8c5e4768a42775ec374f1be46251ca8d",
        );
    }

    #[test]
    fn decode_refuses_bad_input() {
        let good = encode_event(&CaseEvent::Final);
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(matches!(
            decode_event(&trailing),
            Err(CaseError::Malformed(_))
        ));
        assert!(matches!(decode_event(&[]), Err(CaseError::Malformed(_))));
        assert!(matches!(
            decode_event(&[0xff; 3]),
            Err(CaseError::Malformed(_))
        ));
        let big = vec![0u8; MAX_EVENT_BYTES + 1];
        assert!(matches!(
            decode_event(&big),
            Err(CaseError::TooLarge { .. })
        ));
        // Well-formed CBOR that breaks a bound is refused by validation.
        let bad = encode_event(&CaseEvent::Extended {
            days: 31,
            reason: "x".into(),
        });
        assert!(matches!(
            decode_event(&bad),
            Err(CaseError::ExtensionDays { .. })
        ));
        let bad = encode_event(&CaseEvent::Transferred {
            to_site: "hà nội".into(),
            letter_no: "1".into(),
            rewrapped: None,
        });
        assert!(matches!(
            decode_event(&bad),
            Err(CaseError::InvalidSiteCode(_))
        ));
        let mut plain = reception(Kind::Denunciation);
        plain.identity = Identity::Plain(crate::case::reception::tests::citizen());
        let bad = encode_event(&CaseEvent::Received { reception: plain });
        assert_eq!(decode_event(&bad), Err(CaseError::DenunciationNotSealed));
    }

    #[test]
    fn a_maximal_reception_fits_in_one_event() {
        // Every text at its limit, in 4-byte characters, every list full.
        let s = |n: usize| "𝕏".repeat(n);
        let rep = Representative {
            name: s(MAX_NAME_CHARS),
            role: RepresentativeRole::CrowdRepresentative,
            document: s(MAX_DOCUMENT_CHARS),
        };
        let mut r = reception(Kind::Complaint);
        r.identity = Identity::Plain(Citizen {
            name: s(MAX_NAME_CHARS),
            address: s(MAX_ADDRESS_CHARS),
            id_type: IdType::Other,
            id_number: s(MAX_ID_NUMBER_CHARS),
        });
        r.summary = s(MAX_SUMMARY_CHARS);
        r.people_count = 1000;
        r.prior_bodies = vec![s(MAX_BODY_CHARS); MAX_PRIOR_BODIES];
        r.request = s(MAX_REQUEST_CHARS);
        r.direction = Some(Direction::Transfer {
            to_body: s(MAX_BODY_CHARS),
            letter_no: s(MAX_LETTER_NO_CHARS),
        });
        r.notes = s(MAX_NOTE_CHARS);
        r.officer = s(MAX_NAME_CHARS);
        r.representatives = vec![rep.clone(); 5];
        r.representatives.extend(vec![
            Representative {
                role: RepresentativeRole::Lawyer,
                ..rep
            };
            MAX_REPRESENTATIVES - 5
        ]);
        r.evidence = vec![
            EvidenceItem {
                name: s(MAX_EVIDENCE_NAME_CHARS),
                pages: 1,
                condition: EvidenceCondition::CertifiedCopy
            };
            MAX_EVIDENCE_ITEMS
        ];
        r.refusal = None;
        let ev = CaseEvent::Received { reception: r };
        ev.validate().unwrap();
        let bytes = encode_event(&ev);
        assert!(bytes.len() <= MAX_EVENT_BYTES, "{} bytes", bytes.len());
        assert_eq!(decode_event(&bytes).unwrap(), ev);
        let _ = RefusalReason::ALL;
    }

    proptest! {
        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode_event(&bytes);
        }

        #[test]
        fn decoding_mutated_events_never_panics(i in 0usize..21, pos in any::<usize>(), byte in any::<u8>()) {
            let all = every_event();
            let mut bytes = encode_event(&all[i % all.len()]);
            let p = pos % bytes.len();
            bytes[p] = byte;
            if let Ok(ev) = decode_event(&bytes) {
                prop_assert!(ev.validate().is_ok());
            }
        }
    }
}
