//! Participant passes: the short-lived link an officer hands to a citizen or an agency at a
//! point. It admits its holder to one session, at this site, as one participant in one role,
//! and to nothing else. Kept in memory, found by the BLAKE3 of the token.

use std::collections::HashMap;

use serde::Serialize;
use tiepdan_protocol::session::{IdentityCheck, Role as SessionRole};

/// Every pass token starts so, which tells it from an API token at a glance.
pub const PASS_PREFIX: &str = "pass-";
/// How long a pass lives unless the officer says otherwise, and the most it may.
pub const PASS_MINUTES_DEFAULT: u32 = 240;
pub const PASS_MINUTES_MAX: u32 = 24 * 60;
/// Most live passes held at one site.
pub const PASSES_MAX: usize = 2048;

/// What a pass admits to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pass {
    pub session_id: String,
    /// This site: the point the holder sits at.
    pub point: String,
    pub participant_id: String,
    pub display_name: String,
    pub role: SessionRole,
    pub expires_ms: u64,
    /// The user who handed it out.
    pub issued_by: String,
    /// The check of the holder's identity paper that the issuing officer made before handing
    /// the pass out. Joining with the pass records this check, whatever the holder's browser
    /// says: a holder cannot vouch for themself.
    pub identity_check: IdentityCheck,
}

#[derive(Default)]
pub struct Passes {
    by_hash: HashMap<[u8; 32], Pass>,
}

fn key(token: &str) -> [u8; 32] {
    *blake3::hash(token.as_bytes()).as_bytes()
}

impl Passes {
    /// Stores a pass and returns its token, or None when [`PASSES_MAX`] live passes exist.
    pub fn issue(&mut self, pass: Pass, now_ms: u64) -> Option<String> {
        self.by_hash.retain(|_, p| p.expires_ms > now_ms);
        if self.by_hash.len() >= PASSES_MAX {
            return None;
        }
        let token = format!("{PASS_PREFIX}{}", hex::encode(rand::random::<[u8; 24]>()));
        self.by_hash.insert(key(&token), pass);
        Some(token)
    }

    /// The pass a token names, while it lives.
    pub fn get(&self, token: &str, now_ms: u64) -> Option<Pass> {
        self.by_hash
            .get(&key(token))
            .filter(|p| p.expires_ms > now_ms)
            .cloned()
    }
}

/// A participant id for a pass: `p-` and 10 random hex digits (the recorder's grammar).
pub fn new_participant_id() -> String {
    format!("p-{}", hex::encode(rand::random::<[u8; 5]>()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(expires_ms: u64) -> Pass {
        Pass {
            session_id: "S-VN-2026-00001".into(),
            point: "00004".into(),
            participant_id: new_participant_id(),
            display_name: "Nguyễn Văn A".into(),
            role: SessionRole::Citizen,
            expires_ms,
            issued_by: "canbo".into(),
            identity_check: IdentityCheck {
                checked_by: "Trần Văn Cường".into(),
                document: tiepdan_protocol::case::IdType::Cccd,
                result: tiepdan_protocol::session::IdentityCheckResult::Verified,
            },
        }
    }

    #[test]
    fn a_pass_admits_until_it_expires() {
        let mut p = Passes::default();
        let t = p.issue(pass(1_000), 0).unwrap();
        assert!(t.starts_with(PASS_PREFIX));
        assert_eq!(p.get(&t, 999).map(|p| p.role), Some(SessionRole::Citizen));
        assert_eq!(p.get(&t, 1_000), None);
        assert_eq!(p.get("pass-0000", 0), None);
    }

    #[test]
    fn passes_are_bounded() {
        let mut p = Passes::default();
        for _ in 0..PASSES_MAX {
            assert!(p.issue(pass(10), 0).is_some());
        }
        assert!(p.issue(pass(10), 5).is_none(), "full while they live");
        assert!(p.issue(pass(100), 10).is_some(), "expired ones make room");
    }
}
