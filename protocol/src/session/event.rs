//! Session events and their wire form.
//!
//! Owns [`SessionEvent`] — every change to an online reception session, from its scheduling to
//! its end and its sealed recordings — with the roles and identity checks of its participants,
//! its bounds check ([`SessionEvent::validate`]) and the CBOR encoding that is signed and
//! replicated ([`encode_event`], [`decode_event`]). Whether an event is *allowed* in the
//! session as it stands is decided in `state`, never here: a signed event stays readable
//! forever.
//!
//! # Wire format
//!
//! One CBOR map `{"v": 1, "event": E}` where `E` is the serde encoding of [`SessionEvent`] by
//! `cbor4ii`: externally tagged, a one-entry map from the variant's snake_case name to a map of
//! its fields, in declaration order. Times are unsigned Unix milliseconds; `index_id` is a
//! 32-byte CBOR byte string. The bytes must be canonical — exactly what [`encode_event`]
//! produces for the decoded value (definite lengths, shortest integers, this key order, no
//! unknown keys, no trailing bytes) — so one event has one encoding. A newer `v` is reported as
//! [`SessionError::UnsupportedVersion`]. Pinned by the `wire_format_is_pinned` test.

use serde::{Deserialize, Serialize};

use super::category::{CaseCategory, OnlineCategory};
use super::minutes::{ConclusionNotice, Minutes};
use super::{
    check_count, check_id, check_line, check_site_code, check_time, SessionError,
    MAX_CASE_ID_BYTES, MAX_COMPONENT_POINTS, MAX_LINKED_CASES, MAX_NAME_CHARS,
    MAX_PARTICIPANT_ID_BYTES, MAX_REASON_CHARS, MAX_SESSION_EVENT_BYTES, MAX_SESSION_ID_BYTES,
    MAX_TITLE_CHARS,
};
use crate::case::{IdType, SessionType};

/// The only payload version this build writes and reads.
pub const SESSION_EVENT_VERSION: u8 = 1;

/// What a participant does in the session (NĐ 154/2026 Art 22).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Chủ trì: the head receiving citizens; sits at the central bridge point and may always
    /// speak.
    Chair,
    /// Cán bộ tiếp công dân: a reception officer or a member of the advisory unit.
    Officer,
    /// Công dân: the citizen received.
    Citizen,
    /// Người đại diện: a representative (of a group, by authorisation, a lawyer, a guardian).
    Representative,
    /// Cơ quan tham dự: someone attending for a related agency.
    Agency,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Chair,
        Role::Officer,
        Role::Citizen,
        Role::Representative,
        Role::Agency,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Chair => "chair",
            Role::Officer => "officer",
            Role::Citizen => "citizen",
            Role::Representative => "representative",
            Role::Agency => "agency",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Chair => "Chủ trì",
            Role::Officer => "Cán bộ tiếp công dân",
            Role::Citizen => "Công dân",
            Role::Representative => "Người đại diện",
            Role::Agency => "Cơ quan tham dự",
        }
    }
}

/// The outcome of checking a participant's identity paper at their point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityCheckResult {
    /// The paper was shown and matches the person.
    Verified,
    /// The paper was shown and does not match.
    Mismatch,
    /// No paper was shown.
    NotPresented,
    /// An official who joined as themself, signed in with their own account at the point's
    /// node: the account is the proof, and `checked_by` is that official.
    Account,
}

impl IdentityCheckResult {
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityCheckResult::Verified => "verified",
            IdentityCheckResult::Mismatch => "mismatch",
            IdentityCheckResult::NotPresented => "not_presented",
            IdentityCheckResult::Account => "account",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            IdentityCheckResult::Verified => "Đã xác minh",
            IdentityCheckResult::Mismatch => "Không khớp",
            IdentityCheckResult::NotPresented => "Không xuất trình giấy tờ",
            IdentityCheckResult::Account => "Cán bộ đăng nhập bằng tài khoản của mình",
        }
    }
}

/// The identity check done when a participant joins (NĐ 154/2026 Art 21, Art 12(1)). The
/// paper's number is deliberately absent: session events reach the whole session's audience,
/// while identity numbers stay in the case record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityCheck {
    /// Name of the officer at the point who checked.
    pub checked_by: String,
    /// The kind of paper shown (or that should have been).
    pub document: IdType,
    pub result: IdentityCheckResult,
}

/// Every event of a session's life. Each is signed by its author site and folded by
/// [`super::SessionState`] in the DAG's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionEvent {
    /// The genesis event, by the chair's site: the session, its bridge points, its start and
    /// the cases it deals with.
    Scheduled {
        /// Equal to the log's case id.
        session_id: String,
        title: String,
        /// The chair's site: the central bridge point (điểm cầu trung tâm).
        chair_site: String,
        /// The component bridge points (điểm cầu thành phần), without the chair's site.
        points: Vec<String>,
        /// The start, Unix milliseconds (an instant; its date and time are read in Vietnam).
        starts_at_ms: u64,
        /// Cases the session deals with.
        case_ids: Vec<String>,
        /// Periodic, ad hoc or authorised (a session is never regular reception; events
        /// written before the field read as regular). Left out at its default.
        #[serde(default, skip_serializing_if = "crate::cbor::is_default")]
        session_type: SessionType,
        /// The NĐ 154/2026 Art 20 situation of each linked case, in `case_ids` order; empty in
        /// events written before the field. Left out when empty.
        #[serde(default, skip_serializing_if = "crate::cbor::is_default")]
        categories: Vec<CaseCategory>,
    },
    /// The central point notified the citizen and agencies (NĐ 154/2026 Art 23(1)), at
    /// `at_ms` (which may be before the event was written, e.g. a letter sent earlier).
    NoticeSent { at_ms: u64 },
    /// A test connection between the central point and `point`, and whether it succeeded
    /// (Art 23(2)).
    TestConnection { point: String, ok: bool, at_ms: u64 },
    /// `point` is connected to the session (Art 23(3)).
    PointConnected { point: String, at_ms: u64 },
    /// `point` lost or closed its connection.
    PointDisconnected { point: String, at_ms: u64 },
    /// Someone joined at `point`, after the point's officer checked their identity.
    ParticipantJoined {
        point: String,
        participant_id: String,
        display_name: String,
        role: Role,
        identity_check: IdentityCheck,
    },
    /// The participant left.
    ParticipantLeft {
        point: String,
        participant_id: String,
    },
    /// The participant asks for the floor (xin phát biểu).
    HandRaised {
        point: String,
        participant_id: String,
    },
    /// The participant no longer asks for the floor.
    HandLowered {
        point: String,
        participant_id: String,
    },
    /// The chair gives the participant the floor: their microphone opens, and whoever held the
    /// floor before loses it (Art 21: microphone only when given the floor).
    FloorGranted {
        point: String,
        participant_id: String,
    },
    /// The chair takes the floor back from the participant.
    FloorRevoked {
        point: String,
        participant_id: String,
    },
    /// The session began.
    Started { at_ms: u64 },
    /// The session ended.
    Ended { at_ms: u64 },
    /// The session will not take place.
    Cancelled { at_ms: u64, reason: String },
    /// Another case is dealt with in this session, under an Art 20 situation (absent in events
    /// written before the field).
    CaseLinked {
        case_id: String,
        #[serde(default, skip_serializing_if = "crate::cbor::is_default")]
        category: Option<OnlineCategory>,
    },
    /// `site` sealed a recording of its publishers: `index_id` names the signed recording index
    /// (its format belongs to the recording module).
    RecordingSealed {
        site: String,
        #[serde(with = "serde_bytes")]
        index_id: [u8; 32],
    },
    /// The chair issues the session's minutes (biên bản), once it has ended.
    MinutesIssued { minutes: Minutes },
    /// The chair issues the Thông báo kết luận, once the session has ended.
    ConclusionIssued { notice: ConclusionNotice },
}

impl SessionEvent {
    /// The variant's wire name.
    pub fn name(&self) -> &'static str {
        match self {
            SessionEvent::Scheduled { .. } => "scheduled",
            SessionEvent::NoticeSent { .. } => "notice_sent",
            SessionEvent::TestConnection { .. } => "test_connection",
            SessionEvent::PointConnected { .. } => "point_connected",
            SessionEvent::PointDisconnected { .. } => "point_disconnected",
            SessionEvent::ParticipantJoined { .. } => "participant_joined",
            SessionEvent::ParticipantLeft { .. } => "participant_left",
            SessionEvent::HandRaised { .. } => "hand_raised",
            SessionEvent::HandLowered { .. } => "hand_lowered",
            SessionEvent::FloorGranted { .. } => "floor_granted",
            SessionEvent::FloorRevoked { .. } => "floor_revoked",
            SessionEvent::Started { .. } => "started",
            SessionEvent::Ended { .. } => "ended",
            SessionEvent::Cancelled { .. } => "cancelled",
            SessionEvent::CaseLinked { .. } => "case_linked",
            SessionEvent::RecordingSealed { .. } => "recording_sealed",
            SessionEvent::MinutesIssued { .. } => "minutes_issued",
            SessionEvent::ConclusionIssued { .. } => "conclusion_issued",
        }
    }

    /// The participant the event is about, as `(point, participant_id)`, if any.
    pub fn participant(&self) -> Option<(&str, &str)> {
        match self {
            SessionEvent::ParticipantJoined {
                point,
                participant_id,
                ..
            }
            | SessionEvent::ParticipantLeft {
                point,
                participant_id,
            }
            | SessionEvent::HandRaised {
                point,
                participant_id,
            }
            | SessionEvent::HandLowered {
                point,
                participant_id,
            }
            | SessionEvent::FloorGranted {
                point,
                participant_id,
            }
            | SessionEvent::FloorRevoked {
                point,
                participant_id,
            } => Some((point, participant_id)),
            _ => None,
        }
    }

    /// Bounds, required fields and the shape of codes and ids. Site codes are checked for shape
    /// only: whether a site exists, and whether it is a point of the session, is the state's
    /// question.
    pub fn validate(&self) -> Result<(), SessionError> {
        match self {
            SessionEvent::Scheduled {
                session_id,
                title,
                chair_site,
                points,
                starts_at_ms,
                case_ids,
                categories,
                ..
            } => {
                check_id("session id", session_id, MAX_SESSION_ID_BYTES)?;
                check_line("session title", title, MAX_TITLE_CHARS, true)?;
                check_site_code(chair_site)?;
                check_count("component points", points.len(), MAX_COMPONENT_POINTS)?;
                if points.is_empty() {
                    return Err(SessionError::NoComponentPoints);
                }
                for (i, p) in points.iter().enumerate() {
                    check_site_code(p)?;
                    if p == chair_site {
                        return Err(SessionError::ChairAmongComponents(p.clone()));
                    }
                    if points[..i].contains(p) {
                        return Err(SessionError::DuplicatePoint(p.clone()));
                    }
                }
                check_time("start", *starts_at_ms)?;
                check_count("linked cases", case_ids.len(), MAX_LINKED_CASES)?;
                for c in case_ids {
                    check_id("case id", c, MAX_CASE_ID_BYTES)?;
                }
                // Each category names a linked case, once.
                check_count("linked cases", categories.len(), MAX_LINKED_CASES)?;
                for (i, c) in categories.iter().enumerate() {
                    if !case_ids.contains(&c.case_id) {
                        return Err(SessionError::CategoryForUnlinkedCase(c.case_id.clone()));
                    }
                    if categories[..i].iter().any(|o| o.case_id == c.case_id) {
                        return Err(SessionError::AlreadyLinked(c.case_id.clone()));
                    }
                }
                Ok(())
            }
            SessionEvent::NoticeSent { at_ms } => check_time("notice time", *at_ms),
            SessionEvent::TestConnection { point, at_ms, .. } => {
                check_site_code(point)?;
                check_time("test connection time", *at_ms)
            }
            SessionEvent::PointConnected { point, at_ms }
            | SessionEvent::PointDisconnected { point, at_ms } => {
                check_site_code(point)?;
                check_time("connection time", *at_ms)
            }
            SessionEvent::ParticipantJoined {
                point,
                participant_id,
                display_name,
                identity_check,
                ..
            } => {
                check_site_code(point)?;
                check_id("participant id", participant_id, MAX_PARTICIPANT_ID_BYTES)?;
                check_line("participant name", display_name, MAX_NAME_CHARS, true)?;
                check_line(
                    "officer who checked the identity",
                    &identity_check.checked_by,
                    MAX_NAME_CHARS,
                    true,
                )
            }
            SessionEvent::ParticipantLeft {
                point,
                participant_id,
            }
            | SessionEvent::HandRaised {
                point,
                participant_id,
            }
            | SessionEvent::HandLowered {
                point,
                participant_id,
            }
            | SessionEvent::FloorGranted {
                point,
                participant_id,
            }
            | SessionEvent::FloorRevoked {
                point,
                participant_id,
            } => {
                check_site_code(point)?;
                check_id("participant id", participant_id, MAX_PARTICIPANT_ID_BYTES)
            }
            SessionEvent::Started { at_ms } => check_time("start time", *at_ms),
            SessionEvent::Ended { at_ms } => check_time("end time", *at_ms),
            SessionEvent::Cancelled { at_ms, reason } => {
                check_time("cancellation time", *at_ms)?;
                check_line(
                    "reason for the cancellation",
                    reason,
                    MAX_REASON_CHARS,
                    true,
                )
            }
            SessionEvent::CaseLinked { case_id, .. } => {
                check_id("case id", case_id, MAX_CASE_ID_BYTES)
            }
            SessionEvent::RecordingSealed { site, .. } => check_site_code(site),
            SessionEvent::MinutesIssued { minutes } => minutes.validate(),
            SessionEvent::ConclusionIssued { notice } => notice.validate(),
        }
    }
}

/// The versioned wrapper that is the payload's CBOR.
#[derive(Serialize, Deserialize)]
struct Payload<E> {
    v: u8,
    event: E,
}

/// Only the version, read before the event so a newer version is reported as
/// [`SessionError::UnsupportedVersion`] rather than as malformed.
#[derive(Deserialize)]
struct VersionProbe {
    v: u8,
}

/// Encodes an event as a log event's payload. It does not validate: call
/// [`SessionEvent::validate`] (or [`super::SessionState::check`]) first.
pub fn encode_event(event: &SessionEvent) -> Vec<u8> {
    let payload = Payload {
        v: SESSION_EVENT_VERSION,
        event,
    };
    cbor4ii::serde::to_vec(Vec::new(), &payload)
        // Cannot fail: the writer is a Vec, whose only error is allocation failure, and the
        // derived Serialize impls involved (integers, strings, sequences, byte arrays, unit
        // enums) never return a custom error.
        .expect("CBOR encoding of a SessionEvent into a Vec cannot fail")
}

/// The encoded event fits in [`MAX_SESSION_EVENT_BYTES`]: checked before signing, so an event
/// every site would refuse to decode (long minutes) is refused at the desk instead.
pub fn check_encoded_size(event: &SessionEvent) -> Result<(), SessionError> {
    let found = encode_event(event).len();
    if found > MAX_SESSION_EVENT_BYTES {
        return Err(SessionError::TooLarge {
            field: "session event",
            found,
            max: MAX_SESSION_EVENT_BYTES,
        });
    }
    Ok(())
}

/// Decodes exactly one event from a log event's payload: at most [`MAX_SESSION_EVENT_BYTES`],
/// version [`SESSION_EVENT_VERSION`], canonical, and valid.
pub fn decode_event(bytes: &[u8]) -> Result<SessionEvent, SessionError> {
    if bytes.len() > MAX_SESSION_EVENT_BYTES {
        return Err(SessionError::TooLarge {
            field: "session event",
            found: bytes.len(),
            max: MAX_SESSION_EVENT_BYTES,
        });
    }
    let malformed = |e: crate::cbor::ExactError| SessionError::Malformed(e.to_string());
    let probe: VersionProbe =
        crate::cbor::decode_exact(bytes, "session event").map_err(malformed)?;
    if probe.v != SESSION_EVENT_VERSION {
        return Err(SessionError::UnsupportedVersion(probe.v));
    }
    let payload: Payload<SessionEvent> =
        crate::cbor::decode_exact(bytes, "session event").map_err(malformed)?;
    // Two encodings of one event would be two events with two ids: refuse all but ours.
    if encode_event(&payload.event) != bytes {
        return Err(SessionError::NonCanonical);
    }
    payload.event.validate()?;
    Ok(payload.event)
}
