//! Signed-in browsers: the session a sign-in opens, kept in memory (a restart signs everyone
//! out), found by the BLAKE3 of its cookie so the map holds nothing a reader could replay.

use std::collections::HashMap;

/// Name of the cookie that carries a web session.
pub const COOKIE: &str = "tiepdan_phien";
/// A web session ends after this long without a request.
pub const IDLE_MS: u64 = 30 * 60_000;
/// And after this long whatever happens: one working day.
pub const ABSOLUTE_MS: u64 = 10 * 3_600_000;
/// Most web sessions held; the least recently used goes first beyond it.
pub const SESSIONS_MAX: usize = 4096;

struct WebSession {
    user: String,
    created_ms: u64,
    last_ms: u64,
}

#[derive(Default)]
pub struct WebSessions {
    by_hash: HashMap<[u8; 32], WebSession>,
}

fn key(cookie: &str) -> [u8; 32] {
    *blake3::hash(cookie.as_bytes()).as_bytes()
}

impl WebSessions {
    /// Opens a session for `user`; returns the cookie value (shown to that browser only).
    pub fn open(&mut self, user: &str, now_ms: u64) -> String {
        self.by_hash.retain(|_, s| live(s, now_ms));
        if self.by_hash.len() >= SESSIONS_MAX {
            if let Some(oldest) = self
                .by_hash
                .iter()
                .min_by_key(|(_, s)| s.last_ms)
                .map(|(k, _)| *k)
            {
                self.by_hash.remove(&oldest);
            }
        }
        let cookie = hex::encode(rand::random::<[u8; 32]>());
        self.by_hash.insert(
            key(&cookie),
            WebSession {
                user: user.to_owned(),
                created_ms: now_ms,
                last_ms: now_ms,
            },
        );
        cookie
    }

    /// The user of a live session, which this request keeps alive.
    pub fn touch(&mut self, cookie: &str, now_ms: u64) -> Option<String> {
        let k = key(cookie);
        let s = self.by_hash.get_mut(&k)?;
        if !live(s, now_ms) {
            self.by_hash.remove(&k);
            return None;
        }
        s.last_ms = now_ms;
        Some(s.user.clone())
    }

    pub fn close(&mut self, cookie: &str) {
        self.by_hash.remove(&key(cookie));
    }

    /// Ends every session of `user` (disabled, or their password reset).
    pub fn close_all_of(&mut self, user: &str) {
        self.by_hash.retain(|_, s| s.user != user);
    }

    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }
}

fn live(s: &WebSession, now_ms: u64) -> bool {
    now_ms < s.last_ms.saturating_add(IDLE_MS) && now_ms < s.created_ms.saturating_add(ABSOLUTE_MS)
}

/// The cookie value of `name` in a `Cookie` request header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_lives_while_used_and_ends_idle_or_after_a_day() {
        let mut s = WebSessions::default();
        let c = s.open("canbo", 0);
        assert_eq!(s.touch(&c, IDLE_MS - 1).as_deref(), Some("canbo"));
        assert_eq!(s.touch(&c, 2 * IDLE_MS - 2).as_deref(), Some("canbo"));
        assert_eq!(s.touch("other", 10), None);
        let mut t = 2 * IDLE_MS;
        while t < ABSOLUTE_MS {
            assert!(s.touch(&c, t).is_some());
            t += IDLE_MS / 2;
        }
        assert_eq!(s.touch(&c, ABSOLUTE_MS), None, "a working day at most");
        let c2 = s.open("canbo", 0);
        assert_eq!(s.touch(&c2, IDLE_MS), None, "idle for 30 minutes");
    }

    #[test]
    fn closing_and_disabling_end_sessions() {
        let mut s = WebSessions::default();
        let a = s.open("a", 0);
        let b = s.open("b", 0);
        let b2 = s.open("b", 0);
        s.close(&a);
        assert_eq!(s.touch(&a, 1), None);
        s.close_all_of("b");
        assert_eq!((s.touch(&b, 1), s.touch(&b2, 1)), (None, None));
        assert!(s.is_empty());
    }

    #[test]
    fn cookies_are_read_from_the_header() {
        let h = "theme=dark; tiepdan_phien=abc123; x=y";
        assert_eq!(cookie_value(h, COOKIE), Some("abc123"));
        assert_eq!(cookie_value("tiepdan_phienx=1", COOKIE), None);
    }
}
