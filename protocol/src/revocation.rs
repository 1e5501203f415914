//! The revocations a site enforces, as a pure state machine shared by the node and the
//! simulator: one statement per revoked site ("every certificate of S issued until T is
//! revoked"), the newest wins, the record bytes are kept exactly as received so they spread
//! unchanged, and a site is cut off when it or one of its ancestors is revoked.
//!
//! Verifying a record (the issuer's certificate chain and signature) needs X.509 and lives in
//! `tiepdan_keys::revocation`; only verified statements are inserted here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::sites::Registry;

/// Current body version.
pub const VERSION: u8 = 1;

/// The signed statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    pub v: u8,
    /// The revoked site.
    pub site: String,
    /// Every certificate of `site` with notBefore <= this (unix seconds) is revoked.
    pub revoked_at: u64,
    /// Who revoked it: `site`'s parent or central.
    pub issuer_site: String,
}

/// The revocations a site knows, one per revoked site (the newest), with the record bytes
/// exactly as received so they can be passed on unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RevocationList {
    entries: BTreeMap<String, (Revocation, Vec<u8>)>,
}

impl RevocationList {
    pub fn new() -> RevocationList {
        RevocationList::default()
    }

    /// Stores a VERIFIED revocation (from [`verify_revocation`]) and its record bytes. Returns
    /// true if it is new or newer than what was known for the site.
    pub fn insert(&mut self, rev: Revocation, bytes: Vec<u8>) -> bool {
        match self.entries.get(&rev.site) {
            Some((known, _)) if known.revoked_at >= rev.revoked_at => false,
            _ => {
                self.entries.insert(rev.site.clone(), (rev, bytes));
                true
            }
        }
    }

    /// The revocations in force at `at`: those dated at or before it. A revocation record is
    /// judged by the list as of its own date, so what an issuer revoked before it was itself
    /// revoked stays valid, and what it signs dated after is refused.
    pub fn as_of(&self, at: u64) -> RevocationList {
        RevocationList {
            entries: self
                .entries
                .iter()
                .filter(|(_, (r, _))| r.revoked_at <= at)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    /// Forgets the revocation of `site` (one that no longer verifies); returns whether one was
    /// held.
    pub fn remove(&mut self, site: &str) -> bool {
        self.entries.remove(site).is_some()
    }

    /// True if a certificate of `site` with this notBefore is revoked.
    pub fn is_revoked(&self, site: &str, not_before: u64) -> bool {
        self.entries
            .get(site)
            .is_some_and(|(r, _)| not_before <= r.revoked_at)
    }

    /// The newest revocation known for `site`.
    pub fn get(&self, site: &str) -> Option<&Revocation> {
        self.entries.get(site).map(|(r, _)| r)
    }

    /// Every record as received, to pass on to peers (never re-encoded).
    pub fn records(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.entries.values().map(|(_, b)| b.as_slice())
    }

    /// Revoked sites with their revocations, in site-code order.
    pub fn iter(&self) -> impl Iterator<Item = &Revocation> + '_ {
        self.entries.values().map(|(r, _)| r)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl RevocationList {
    /// True when `site` is cut off at unix time `now`: it, or an ancestor whose certificate
    /// signed its chain, has a revocation covering certificates issued until then. A newer
    /// certificate is checked on its own merits at handshake.
    pub fn cuts_off(&self, registry: &Registry, site: &str, now: u64) -> bool {
        if self.entries.is_empty() {
            return false;
        }
        std::iter::once(site)
            .chain(registry.ancestors(site))
            .any(|s| self.is_revoked(s, now))
    }

    /// From when (unix seconds) the key of `site` whose certificate has notBefore
    /// `key_not_before` signs nothing new: the earliest revocation of the site or of an
    /// ancestor (whose certificate signed its chain) that covers that certificate. `None` while
    /// the key is good, and for a key certified again after every revocation.
    pub fn key_revoked_since(
        &self,
        registry: &Registry,
        site: &str,
        key_not_before: u64,
    ) -> Option<u64> {
        if self.entries.is_empty() {
            return None;
        }
        std::iter::once(site)
            .chain(registry.ancestors(site))
            .filter_map(|s| self.get(s))
            .filter(|r| key_not_before <= r.revoked_at)
            .map(|r| r.revoked_at)
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(site: &str, at: u64) -> Revocation {
        Revocation {
            v: VERSION,
            site: site.into(),
            revoked_at: at,
            issuer_site: "VN".into(),
        }
    }

    #[test]
    fn newest_wins_and_ancestors_cut_off_their_communes() {
        let mut l = RevocationList::new();
        assert!(l.insert(rev("01", 100), vec![1]));
        assert!(
            !l.insert(rev("01", 50), vec![2]),
            "an older statement is not news"
        );
        assert!(l.insert(rev("01", 200), vec![3]));
        assert_eq!(l.records().collect::<Vec<_>>(), vec![&[3u8][..]]);
        let r = Registry::official();
        assert!(l.cuts_off(r, "01", 150));
        assert!(
            l.cuts_off(r, "00070", 150),
            "a commune of a revoked province is cut off"
        );
        assert!(!l.cuts_off(r, "79", 150));
        assert!(
            !l.cuts_off(r, "01", 201),
            "a certificate issued after the revocation is judged on its own"
        );
    }

    #[test]
    fn a_revoked_key_signs_nothing_new_from_the_earliest_revocation_covering_it() {
        let mut l = RevocationList::new();
        let r = Registry::official();
        assert_eq!(l.key_revoked_since(r, "00070", 10), None);
        l.insert(rev("01", 300), vec![1]);
        assert_eq!(
            l.key_revoked_since(r, "00070", 10),
            Some(300),
            "the province's revocation covers the commune certified under it"
        );
        l.insert(rev("00070", 200), vec![2]);
        assert_eq!(l.key_revoked_since(r, "00070", 10), Some(200));
        assert_eq!(
            l.key_revoked_since(r, "00070", 250),
            Some(300),
            "certified again after its own revocation, still under the revoked province"
        );
        assert_eq!(l.key_revoked_since(r, "00070", 301), None);
        assert_eq!(l.key_revoked_since(r, "79", 10), None);
    }
}
