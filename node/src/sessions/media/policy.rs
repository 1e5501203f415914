//! What the node decides for the gateway: who may join a session's media, and whose audio is
//! forwarded (the floor). Also who a participant is, and the limits on those identifiers.
//!
//! The gateway never reads session state itself; the node implements [`SessionPolicy`] over its
//! session model, so the media code stays testable with a fake policy.

use serde::Serialize;

use super::error::{MediaError, MediaRefusal};

/// Decisions the node makes for the gateway. Both calls run on the gateway's task for every
/// offer (`admit`) and every audio frame (`may_forward_audio`, ~50 per second per publisher):
/// they must be cheap and must not block (no I/O, no awaiting; a short mutex is fine).
pub trait SessionPolicy: Send + Sync + 'static {
    /// May `site` take part in the media of `session_id` now?
    fn admit(&self, session_id: &str, site: &str) -> Result<(), MediaRefusal>;
    /// Is this participant's audio forwarded now (does it hold or share the floor)? Cameras are
    /// always forwarded; this only gates audio.
    fn may_forward_audio(&self, session_id: &str, site: &str, participant_id: &str) -> bool;
}

/// Who is behind a WHIP or WHEP peer connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParticipantInfo {
    /// Site code of the point the participant sits at (`VN`, `01`, `00004`).
    pub site: String,
    /// The point's label in the session, for display (e.g. "Điểm cầu Phường Ba Đình").
    pub point_label: String,
    /// Participant id chosen by the point's node (printable ASCII, no spaces).
    pub participant_id: String,
    /// The participant's role (`chair`, `officer`, `citizen`, ...), as the node names it.
    pub role: String,
}

/// A publisher is described exactly like any participant.
pub type PublisherInfo = ParticipantInfo;

/// Longest session id in bytes (same bound as a log's case id).
pub const MAX_SESSION_ID_BYTES: usize = 128;
/// Longest participant id in bytes.
pub const MAX_PARTICIPANT_ID_BYTES: usize = 64;
/// Longest site code in characters.
pub const MAX_SITE_CODE_CHARS: usize = 8;
/// Longest point label in characters.
pub const MAX_LABEL_CHARS: usize = 200;
/// Longest role name in bytes.
pub const MAX_ROLE_BYTES: usize = 32;

/// A session id is put back into a `Location` URL, so it must be URL-safe as it is: unreserved
/// characters (RFC 3986) and `:`.
pub fn check_session_id(id: &str) -> Result<(), MediaError> {
    let ok = !id.is_empty()
        && id.len() <= MAX_SESSION_ID_BYTES
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~:".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(MediaError::Invalid(format!(
            "session id must be 1-{MAX_SESSION_ID_BYTES} characters of A-Z a-z 0-9 - . _ ~ :"
        )))
    }
}

fn printable_token(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_graphic())
}

impl ParticipantInfo {
    /// Checks every field against its limit, naming the first bad one.
    pub fn validate(&self) -> Result<(), MediaError> {
        if self.site.is_empty()
            || self.site.chars().count() > MAX_SITE_CODE_CHARS
            || !self.site.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Err(MediaError::Invalid(format!(
                "`site` must be a site code of 1-{MAX_SITE_CODE_CHARS} letters or digits"
            )));
        }
        // The recorder's grammar for a publisher file name: an id it could not record is
        // never forwarded either.
        let p = &self.participant_id;
        if p.is_empty()
            || p.len() > MAX_PARTICIPANT_ID_BYTES
            || p.starts_with('.')
            || !p
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        {
            return Err(MediaError::Invalid(format!(
                "`participant` must be 1-{MAX_PARTICIPANT_ID_BYTES} ASCII letters, digits, '.', '_' or '-' (not starting with '.')"
            )));
        }
        if self.point_label.chars().count() > MAX_LABEL_CHARS
            || self.point_label.chars().any(char::is_control)
        {
            return Err(MediaError::Invalid(format!(
                "`label` must be at most {MAX_LABEL_CHARS} characters without control characters"
            )));
        }
        if !printable_token(&self.role, MAX_ROLE_BYTES) {
            return Err(MediaError::Invalid(format!(
                "`role` must be 1-{MAX_ROLE_BYTES} printable ASCII characters without spaces"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who() -> ParticipantInfo {
        ParticipantInfo {
            site: "00004".into(),
            point_label: "Điểm cầu Phường Ba Đình".into(),
            participant_id: "officer-1".into(),
            role: "officer".into(),
        }
    }

    #[test]
    fn participant_limits() {
        assert!(who().validate().is_ok());
        for bad in [
            ParticipantInfo {
                site: String::new(),
                ..who()
            },
            ParticipantInfo {
                site: "0000400004".into(),
                ..who()
            },
            ParticipantInfo {
                site: "0/4".into(),
                ..who()
            },
            ParticipantInfo {
                participant_id: "a b".into(),
                ..who()
            },
            ParticipantInfo {
                participant_id: "x".repeat(65),
                ..who()
            },
            ParticipantInfo {
                participant_id: "p:1".into(),
                ..who()
            },
            ParticipantInfo {
                participant_id: ".hidden".into(),
                ..who()
            },
            ParticipantInfo {
                point_label: "a\nb".into(),
                ..who()
            },
            ParticipantInfo {
                role: String::new(),
                ..who()
            },
        ] {
            assert!(
                matches!(bad.validate(), Err(MediaError::Invalid(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn session_ids_are_url_safe() {
        assert!(check_session_id("S-01-2026-7").is_ok());
        for bad in ["", "S 1", "S/1", "S?1", "S%201", "Đ"] {
            assert!(check_session_id(bad).is_err(), "{bad}");
        }
        assert!(check_session_id(&"S".repeat(129)).is_err());
    }
}
