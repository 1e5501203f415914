//! Signed recording indexes travel like case events: the authoring site sends its index to
//! every linked site of the session's audience (the points and their ancestors), and a site
//! that stores another site's index passes it on to its own linked audience sites that lack
//! it. Segments are not relayed: they go only to the hub and to central.
//!
//! Owns who gets which file ([`targets`]), the rules an index must pass before it is stored
//! ([`check_index`]: well formed, signed by the site whose recording it is under a key this
//! federation certifies for that site, and at the folder it was offered for) and which of two
//! indexes of one recording is newer ([`compare`]). A refused index changes nothing stored.

use std::collections::BTreeSet;

use thiserror::Error;

use crate::recording::index::{IndexBody, IndexError, SignedIndex};

/// What kind of recording file an upload carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A sealed segment: only its recording site uploads it, to the hub and central.
    Segment,
    /// The signed index: relayed through the session's audience.
    Index,
}

/// The sites a file held here is offered to (before the caller keeps the linked ones): a
/// segment of ours to the hub and central; an index of ours to the whole audience; another
/// site's index to the audience except its author. Never to ourselves.
pub fn targets(
    kind: FileKind,
    author: &str,
    us: &str,
    hub: Option<&str>,
    audience: &BTreeSet<String>,
) -> Vec<String> {
    let mut out: Vec<String> = match (kind, author == us) {
        // Only the recording site sends segments; a hub that holds them keeps them.
        (FileKind::Segment, false) => Vec::new(),
        (FileKind::Segment, true) => match hub {
            Some(hub) => vec![hub.to_owned(), "VN".to_owned()],
            None => Vec::new(),
        },
        (FileKind::Index, _) => {
            // The hub first: it also holds the segments the index describes.
            let mut v: Vec<String> = hub
                .filter(|h| audience.contains(*h))
                .map(str::to_owned)
                .into_iter()
                .collect();
            v.extend(audience.iter().filter(|s| Some(s.as_str()) != hub).cloned());
            v
        }
    };
    // Our own segments' author is us; another site's index never goes back to its author.
    out.retain(|s| s != us && s != author);
    out.dedup();
    out
}

/// Why another site's index was not stored. The sender gets the message; nothing held here
/// changes.
#[derive(Debug, Error)]
pub enum IndexRefused {
    #[error("forged or damaged recording index: {0}")]
    Unreadable(IndexError),
    #[error("forged recording index: {0}")]
    Signature(IndexError),
    #[error("the index describes {found} but was offered as {offered}")]
    WrongPlace { found: String, offered: String },
    #[error("forged recording index: it is signed with a key that this federation does not certify for site {site} ({detail})")]
    UntrustedKey { site: String, detail: String },
    #[error("site {site} signed two indexes of publisher {publisher} that do not extend one another; the one held here is kept")]
    Diverges { site: String, publisher: String },
}

/// Parses and checks an index offered as `<session>/<site>/<publisher>/index.cbor`: its shape,
/// its signature against its embedded certificate, that it sits where it was offered, and that
/// its key is `site`'s: `known_key` (the key this node learnt for the site), or else
/// `certified`, which checks the embedded chain against the federation root and returns the
/// site and key it certifies.
pub fn check_index(
    bytes: Vec<u8>,
    session: &str,
    site: &str,
    publisher: &str,
    known_key: Option<[u8; 32]>,
    certified: impl FnOnce(&SignedIndex) -> Result<(String, [u8; 32]), String>,
) -> Result<SignedIndex, IndexRefused> {
    let index = SignedIndex::from_bytes(bytes).map_err(IndexRefused::Unreadable)?;
    index.check_signature().map_err(IndexRefused::Signature)?;
    let b = index.body();
    if (
        b.session_id.as_str(),
        b.site.as_str(),
        b.publisher_id.as_str(),
    ) != (session, site, publisher)
    {
        return Err(IndexRefused::WrongPlace {
            found: format!("{}/{}/{}", b.session_id, b.site, b.publisher_id),
            offered: format!("{session}/{site}/{publisher}"),
        });
    }
    // check_signature tied the key to the embedded certificate; that certificate must be one
    // this federation issued to the site, else anyone could make a chain of their own.
    let key = index.file().signer_key;
    if known_key != Some(key) {
        match certified(&index) {
            Ok((s, k)) if s == site && k == key => {}
            Ok((s, _)) => {
                return Err(IndexRefused::UntrustedKey {
                    site: site.to_owned(),
                    detail: format!("the embedded certificate is for site {s} or another key"),
                })
            }
            Err(detail) => {
                return Err(IndexRefused::UntrustedKey {
                    site: site.to_owned(),
                    detail,
                })
            }
        }
    }
    Ok(index)
}

/// How an offered index stands to the one held for the same recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// It lists what the held one lists and more (or closes it): it replaces it.
    Newer,
    /// The held one already lists everything it does: keep the held one.
    Older,
}

/// Compares an offered index with the held one of the same recording. The writer only ever
/// appends segments and finally closes, so of two genuine indexes one extends the other.
pub fn compare(held: &IndexBody, offered: &IndexBody) -> Result<Freshness, IndexRefused> {
    let diverges = || IndexRefused::Diverges {
        site: offered.site.clone(),
        publisher: offered.publisher_id.clone(),
    };
    let (h, o) = (&held.segments, &offered.segments);
    let common = h.len().min(o.len());
    if h[..common] != o[..common] {
        return Err(diverges());
    }
    match o.len().cmp(&h.len()) {
        std::cmp::Ordering::Greater if held.complete => Err(diverges()),
        std::cmp::Ordering::Greater => Ok(Freshness::Newer),
        std::cmp::Ordering::Less if offered.complete => Err(diverges()),
        std::cmp::Ordering::Less => Ok(Freshness::Older),
        std::cmp::Ordering::Equal if offered.complete && !held.complete => Ok(Freshness::Newer),
        std::cmp::Ordering::Equal => Ok(Freshness::Older),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::index::{chain_head, SegmentEntry, Signer, INDEX_VERSION};
    use crate::recording::testkit::{signer, test_signer_pair};
    use crate::recording::{segment_file_name, TrackInfo};

    fn set(sites: &[&str]) -> BTreeSet<String> {
        sites.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn who_gets_which_file() {
        let audience = set(&["VN", "01", "79", "00004", "25747"]);
        // A point's segments: the hub and central only.
        assert_eq!(
            targets(FileKind::Segment, "00004", "00004", Some("VN"), &audience),
            ["VN"]
        );
        assert_eq!(
            targets(
                FileKind::Segment,
                "00004",
                "00004",
                Some("25747"),
                &audience
            ),
            ["25747", "VN"]
        );
        // Nobody relays another site's segments.
        assert!(targets(FileKind::Segment, "00004", "VN", Some("VN"), &audience).is_empty());
        // A point's index: the whole audience but itself, hub first.
        assert_eq!(
            targets(FileKind::Index, "00004", "00004", Some("25747"), &audience),
            ["25747", "01", "79", "VN"]
        );
        // Another site's index: the audience but ourselves and its author.
        assert_eq!(
            targets(FileKind::Index, "00004", "VN", Some("VN"), &audience),
            ["01", "25747", "79"]
        );
    }

    fn entry(n: u32) -> SegmentEntry {
        SegmentEntry {
            file: segment_file_name(n),
            segment: n,
            hash: [n as u8; 32],
            first_ts_us: 10,
            last_ts_us: 20,
            frames: 3,
            bytes: 100,
        }
    }

    fn body(segments: u32, complete: bool) -> IndexBody {
        let segments: Vec<SegmentEntry> = (1..=segments).map(entry).collect();
        IndexBody {
            v: INDEX_VERSION,
            session_id: "S-VN-2026-1".into(),
            site: "VN".into(),
            publisher_id: "cam1".into(),
            tracks: TrackInfo::audio_video(),
            chain_head: chain_head("S-VN-2026-1", "VN", "cam1", &segments),
            segments,
            complete,
            signed_at_s: 1_790_000_000,
        }
    }

    fn key_of(s: &Signer) -> [u8; 32] {
        s.public_key()
    }

    #[test]
    fn only_a_certified_signature_is_stored() {
        let s = signer();
        let good = SignedIndex::sign(&body(2, true), &s).bytes().to_vec();
        let never =
            |_: &SignedIndex| -> Result<(String, [u8; 32]), String> { Err("not certified".into()) };
        // Under the key this node knows for the site.
        check_index(
            good.clone(),
            "S-VN-2026-1",
            "VN",
            "cam1",
            Some(key_of(&s)),
            never,
        )
        .unwrap();
        // Unknown key: the embedded chain must be certified for the site.
        check_index(good.clone(), "S-VN-2026-1", "VN", "cam1", None, |_| {
            Ok(("VN".into(), key_of(&s)))
        })
        .unwrap();
        let e = check_index(good.clone(), "S-VN-2026-1", "VN", "cam1", None, never).unwrap_err();
        assert!(
            matches!(e, IndexRefused::UntrustedKey { .. }) && e.to_string().contains("forged"),
            "{e}"
        );
        // Offered for another folder.
        let e = check_index(
            good.clone(),
            "S-VN-2026-1",
            "VN",
            "cam2",
            Some(key_of(&s)),
            never,
        )
        .unwrap_err();
        assert!(matches!(e, IndexRefused::WrongPlace { .. }), "{e}");
        // A flipped signature byte, and a body changed under the old signature.
        let mut file = SignedIndex::from_bytes(good.clone())
            .unwrap()
            .file()
            .clone();
        file.signature[3] ^= 1;
        let e = check_index(
            file.to_bytes(),
            "S-VN-2026-1",
            "VN",
            "cam1",
            Some(key_of(&s)),
            never,
        )
        .unwrap_err();
        assert!(
            matches!(e, IndexRefused::Signature(IndexError::BadSignature)),
            "{e}"
        );
        // Re-signed by another key with the site's certificate: refused before any trust question.
        let (other, _) = test_signer_pair();
        let forger = Signer::danger_from_parts(
            other,
            "VN",
            SignedIndex::from_bytes(good.clone())
                .unwrap()
                .chain_der()
                .to_vec(),
        );
        let forged = SignedIndex::sign(&body(3, true), &forger).bytes().to_vec();
        let e =
            check_index(forged, "S-VN-2026-1", "VN", "cam1", Some(key_of(&s)), never).unwrap_err();
        assert!(
            matches!(e, IndexRefused::Signature(IndexError::KeyMismatch { .. })),
            "{e}"
        );
        // Garbage.
        assert!(matches!(
            check_index(vec![0xa1, 0], "S-VN-2026-1", "VN", "cam1", None, never),
            Err(IndexRefused::Unreadable(_))
        ));
    }

    #[test]
    fn a_newer_index_replaces_an_older_one_never_the_reverse() {
        assert_eq!(
            compare(&body(1, false), &body(2, false)).unwrap(),
            Freshness::Newer
        );
        assert_eq!(
            compare(&body(2, false), &body(2, true)).unwrap(),
            Freshness::Newer
        );
        assert_eq!(
            compare(&body(2, true), &body(1, false)).unwrap(),
            Freshness::Older
        );
        assert_eq!(
            compare(&body(2, true), &body(2, false)).unwrap(),
            Freshness::Older
        );
        // A closed recording gains no segment, and a closed shorter one cannot follow a longer one.
        assert!(compare(&body(2, true), &body(3, true)).is_err());
        assert!(compare(&body(3, false), &body(2, true)).is_err());
        // Another segment in the same place: two different histories.
        let mut other = body(2, false);
        other.segments[1].hash = [9; 32];
        assert!(matches!(
            compare(&body(2, false), &other),
            Err(IndexRefused::Diverges { .. })
        ));
    }
}
