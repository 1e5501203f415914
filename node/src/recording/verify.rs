//! Checking a recording folder against its signed index: the tamper check behind
//! `tiepdan recording verify`.
//!
//! Owns the list of [`Problem`]s a recording can have and how each is told apart: a flipped
//! byte (hash mismatch), a truncated, missing, extra or reordered segment, a bad index
//! signature, an index signed by a key its certificate does not carry, a chain that does not
//! lead to the federation root. It reads files only, never changes them, and never stops at
//! the first problem: the report names every one. Things that are not tampering (a recording
//! still open, or cut by a crash) are [`PublisherReport::notes`], not problems.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use tiepdan_keys::cert::{Chain, ChainError};
use tiepdan_keys::revocation::RevocationList;
use tiepdan_keys::verify_chain;

use super::format::{self, SegmentHeader};
use super::index::{chain_head, IndexError, SegmentEntry, SignedIndex};
use super::{hex32, parse_part_file_name, parse_segment_file_name, RecordingError, INDEX_FILE};
use crate::language::terminal::say;
use crate::language::Message;

/// Most publisher folders one `verify` walks through.
pub const MAX_PUBLISHER_DIRS: usize = 4096;
/// Most files one publisher folder may hold before verify gives up listing it.
const MAX_FILES: usize = super::index::MAX_SEGMENTS + 16;

/// Something that makes a recording not intact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    IndexMissing,
    IndexUnreadable(String),
    Signature(IndexError),
    ChainRefused(ChainError),
    ChainHeadMismatch,
    SegmentMissing {
        file: String,
    },
    SegmentTruncated {
        file: String,
        expected_bytes: u64,
        found_bytes: u64,
    },
    SegmentHashMismatch {
        file: String,
        detail: String,
    },
    SegmentReordered {
        file: String,
        holds: String,
    },
    SegmentMetadataMismatch {
        file: String,
        detail: String,
    },
    SegmentUnreadable {
        file: String,
        detail: String,
    },
    SegmentExtra {
        file: String,
    },
    UnexpectedFile {
        file: String,
    },
}

/// Logs and `to_string()` read English; people read [`Problem::message`].
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.message(), f)
    }
}

impl Problem {
    /// The problem as the catalogue says it (`rec-…` in `cli.ftl`).
    pub fn message(&self) -> Message {
        use Problem::*;
        let m = Message::new;
        match self {
            IndexMissing => m("rec-index-missing").arg("index", INDEX_FILE),
            IndexUnreadable(d) => m("rec-index-unreadable")
                .arg("index", INDEX_FILE)
                .arg("detail", d.clone()),
            Signature(e) => m("rec-signature")
                .arg("index", INDEX_FILE)
                .arg("detail", index_error(e)),
            ChainRefused(e) => m("rec-chain-refused").arg("detail", e.to_string()),
            ChainHeadMismatch => m("rec-chain-head-mismatch"),
            SegmentMissing { file } => m("rec-segment-missing").arg("file", file),
            SegmentTruncated {
                file,
                expected_bytes,
                found_bytes,
            } => m("rec-segment-truncated")
                .arg("file", file)
                .arg("found", *found_bytes)
                .arg("expected", *expected_bytes),
            SegmentHashMismatch { file, detail } => m("rec-segment-modified")
                .arg("file", file)
                .arg("detail", detail.clone()),
            SegmentReordered { file, holds } => m("rec-segment-reordered")
                .arg("file", file)
                .arg("holds", holds),
            SegmentMetadataMismatch { file, detail } => m("rec-segment-metadata")
                .arg("file", file)
                .arg("detail", detail.clone()),
            SegmentUnreadable { file, detail } => m("rec-segment-unreadable")
                .arg("file", file)
                .arg("detail", detail.clone()),
            SegmentExtra { file } => m("rec-segment-extra").arg("file", file),
            UnexpectedFile { file } => m("rec-unexpected-file").arg("file", file),
        }
    }
}

/// Why an index is refused, as the catalogue says it (its `Display` is the English of logs).
pub fn index_error(e: &IndexError) -> Message {
    use IndexError::*;
    let m = Message::new;
    match e {
        TooLarge(n) => m("rec-index-too-large")
            .arg("bytes", *n)
            .arg("max", super::index::MAX_INDEX_BYTES),
        Garbled(d) => m("rec-index-garbled").arg("detail", d),
        Version(v) => m("rec-index-version")
            .arg("version", *v)
            .arg("ours", super::index::INDEX_VERSION),
        NotCanonical => m("rec-index-not-canonical"),
        Invalid(d) => m("rec-index-invalid").arg("detail", d),
        ChainUnreadable(c) => m("rec-index-chain-unreadable").arg("detail", c.to_string()),
        SignerSite { signer, recording } => m("rec-index-signer-site")
            .arg("signer", signer)
            .arg("recording", recording),
        CertSite { signer, cert_site } => m("rec-index-cert-site")
            .arg("signer", signer)
            .arg("cert_site", cert_site),
        BadSignature => m("rec-index-bad-signature"),
        KeyMismatch { cert_site } => m("rec-index-key-mismatch").arg("cert_site", cert_site),
    }
}

/// What verifying one publisher folder found.
#[derive(Debug, Clone, Serialize)]
pub struct PublisherReport {
    pub dir: PathBuf,
    pub session_id: Option<String>,
    pub site: Option<String>,
    pub publisher_id: Option<String>,
    pub segments: usize,
    pub frames: u64,
    pub bytes: u64,
    pub duration_us: u64,
    /// Hex BLAKE3 of the index file, when it could be read.
    pub index_id: Option<String>,
    pub complete: bool,
    /// The site the federation root vouches for, when `--root-chain` was given and it verified.
    pub chain_verified_site: Option<String>,
    #[serde(serialize_with = "display_list")]
    pub problems: Vec<Problem>,
    /// What is not tampering (an open recording, a crash); JSON carries their English.
    #[serde(serialize_with = "display_list")]
    pub notes: Vec<Message>,
}

fn display_list<T: fmt::Display, S: serde::Serializer>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|p| p.to_string()))
}

impl PublisherReport {
    /// No problem found (notes do not count).
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What a folder is expected to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The whole recording: every segment the index lists must be there.
    Full,
    /// The signed index, as every point and ancestor of a session holds other sites'
    /// recordings: the index is checked (signature, hash chain, signer), a listed segment that
    /// is absent is a note, and any segment that is present is still checked byte for byte.
    IndexOnly,
}

/// Verifies every publisher folder at or under `path` (a publisher folder, a site folder, a
/// session folder or the `recordings` folder). `root` is the federation root certificate.
pub fn verify_path(
    path: &Path,
    root: Option<&Chain>,
) -> Result<Vec<PublisherReport>, RecordingError> {
    verify_path_scoped(path, root, Scope::Full)
}

/// [`verify_path`] with what the folders are expected to hold.
pub fn verify_path_scoped(
    path: &Path,
    root: Option<&Chain>,
    scope: Scope,
) -> Result<Vec<PublisherReport>, RecordingError> {
    let dirs = publisher_dirs(path)?;
    Ok(dirs
        .iter()
        .map(|d| verify_publisher_scoped(d, root, scope))
        .collect())
}

/// The publisher folders at or below `path`, at most three levels down, sorted.
pub fn publisher_dirs(path: &Path) -> Result<Vec<PathBuf>, RecordingError> {
    if !path.is_dir() {
        return Err(RecordingError::NothingToRead {
            path: path.display().to_string(),
        });
    }
    let mut found = Vec::new();
    let mut level = vec![path.to_path_buf()];
    for _depth in 0..4 {
        let mut next = Vec::new();
        for dir in level {
            if is_publisher_dir(&dir) {
                found.push(dir);
                continue;
            }
            let Ok(rd) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in rd.flatten().take(MAX_PUBLISHER_DIRS) {
                if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                    next.push(e.path());
                }
            }
            if next.len() > MAX_PUBLISHER_DIRS || found.len() > MAX_PUBLISHER_DIRS {
                return Err(RecordingError::TooManyFolders {
                    path: path.display().to_string(),
                    max: MAX_PUBLISHER_DIRS,
                });
            }
        }
        level = next;
    }
    if found.is_empty() {
        return Err(RecordingError::NothingToRead {
            path: path.display().to_string(),
        });
    }
    found.sort();
    Ok(found)
}

/// A folder holding an index or any segment file.
pub fn is_publisher_dir(dir: &Path) -> bool {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return false;
    };
    rd.flatten().take(MAX_FILES).any(|e| {
        let n = e.file_name().to_string_lossy().into_owned();
        n == INDEX_FILE
            || parse_segment_file_name(&n).is_some()
            || parse_part_file_name(&n).is_some()
    })
}

/// Verifies one publisher folder. Never fails: whatever cannot be read is a problem.
pub fn verify_publisher(dir: &Path, root: Option<&Chain>) -> PublisherReport {
    verify_publisher_scoped(dir, root, Scope::Full)
}

/// [`verify_publisher`] with what the folder is expected to hold.
pub fn verify_publisher_scoped(dir: &Path, root: Option<&Chain>, scope: Scope) -> PublisherReport {
    let mut r = PublisherReport {
        dir: dir.to_path_buf(),
        session_id: None,
        site: None,
        publisher_id: None,
        segments: 0,
        frames: 0,
        bytes: 0,
        duration_us: 0,
        index_id: None,
        complete: false,
        chain_verified_site: None,
        problems: Vec::new(),
        notes: Vec::new(),
    };

    // What is on disk.
    let mut sealed: BTreeMap<u32, String> = BTreeMap::new();
    let mut parts: BTreeMap<u32, String> = BTreeMap::new();
    let mut has_index = false;
    match std::fs::read_dir(dir) {
        Err(e) => {
            r.problems.push(Problem::IndexUnreadable(say(Message::new(
                "rec-folder-unlistable",
            )
            .arg("detail", e.to_string()))));
            return r;
        }
        Ok(rd) => {
            for e in rd.flatten().take(MAX_FILES) {
                let name = e.file_name().to_string_lossy().into_owned();
                if name == INDEX_FILE {
                    has_index = true;
                } else if let Some(n) = parse_segment_file_name(&name) {
                    sealed.insert(n, name);
                } else if let Some(n) = parse_part_file_name(&name) {
                    parts.insert(n, name);
                } else if name == format!("{INDEX_FILE}.tmp") {
                    r.notes.push(
                        Message::new("rec-note-tmp-index")
                            .arg("file", name)
                            .arg("index", INDEX_FILE),
                    );
                } else {
                    r.problems.push(Problem::UnexpectedFile { file: name });
                }
            }
        }
    }
    if !has_index {
        r.problems.push(Problem::IndexMissing);
        return r;
    }
    let index = match SignedIndex::read(dir) {
        Ok(i) => i,
        Err(RecordingError::Index { source, .. }) => {
            r.problems
                .push(Problem::IndexUnreadable(source.to_string()));
            return r;
        }
        Err(e) => {
            r.problems.push(Problem::IndexUnreadable(e.to_string()));
            return r;
        }
    };
    let body = index.body().clone();
    r.session_id = Some(body.session_id.clone());
    r.site = Some(body.site.clone());
    r.publisher_id = Some(body.publisher_id.clone());
    r.index_id = Some(hex32(&index.index_id()));
    r.complete = body.complete;
    r.segments = body.segments.len();
    r.frames = body.segments.iter().map(|s| s.frames).sum();
    r.bytes = body.bytes();
    r.duration_us = body.duration_us();

    // The signature and who made it.
    let signature_ok = match index.check_signature() {
        Ok(()) => true,
        Err(e) => {
            r.problems.push(Problem::Signature(e));
            false
        }
    };
    match root {
        Some(root) => match check_chain(&index, root) {
            Ok(site) => r.chain_verified_site = Some(site),
            Err(p) => r.problems.push(p),
        },
        None if signature_ok => r.notes.push(
            Message::new("rec-note-chain-not-checked").arg("site", &index.file().signer_site),
        ),
        None => {}
    }
    if chain_head(
        &body.session_id,
        &body.site,
        &body.publisher_id,
        &body.segments,
    ) != body.chain_head
    {
        r.problems.push(Problem::ChainHeadMismatch);
    }

    // Every listed segment, byte for byte.
    let by_hash: BTreeMap<[u8; 32], &str> = body
        .segments
        .iter()
        .map(|e| (e.hash, e.file.as_str()))
        .collect();
    let mut absent = 0usize;
    for e in &body.segments {
        let expected_header = SegmentHeader {
            v: format::VERSION,
            session_id: body.session_id.clone(),
            site: body.site.clone(),
            publisher_id: body.publisher_id.clone(),
            segment: e.segment,
            tracks: body.tracks.clone(),
        };
        if sealed.remove(&e.segment).is_none() {
            match scope {
                Scope::Full => r.problems.push(Problem::SegmentMissing {
                    file: e.file.clone(),
                }),
                Scope::IndexOnly => absent += 1,
            }
            continue;
        }
        if let Some(p) = check_segment(&dir.join(&e.file), e, &expected_header, &by_hash) {
            r.problems.push(p);
        }
    }

    if absent > 0 {
        r.notes.push(
            Message::new("rec-note-index-only")
                .arg("absent", absent)
                .arg("total", body.segments.len()),
        );
    }

    // Whatever the index does not list.
    let next = body.segments.len() as u32 + 1;
    for (n, file) in sealed {
        if !body.complete && n == next && parts.is_empty() {
            r.notes
                .push(Message::new("rec-note-sealed-after").arg("file", file));
        } else {
            r.problems.push(Problem::SegmentExtra { file });
        }
    }
    for (n, file) in parts {
        if !body.complete && (n == next || n == next + 1) {
            let detail = match format::scan_file(&dir.join(&file), &mut |_| Ok(())) {
                Ok(s) => {
                    let frames = say(Message::new("rec-note-open-frames").arg("frames", s.frames));
                    match s.damage {
                        Some(d) => format!("{frames}; {d}"),
                        None => frames,
                    }
                }
                Err(e) => e.to_string(),
            };
            r.notes.push(
                Message::new("rec-note-open-segment")
                    .arg("file", file)
                    .arg("detail", detail),
            );
        } else {
            r.problems.push(Problem::SegmentExtra { file });
        }
    }
    if !body.complete {
        r.notes
            .push(Message::new("rec-note-incomplete").arg("segments", body.segments.len()));
    }
    r
}

/// The embedded chain, verified against the federation root at the time the index was signed.
fn check_chain(index: &SignedIndex, root: &Chain) -> Result<String, Problem> {
    let chain = Chain::from_der_list(index.chain_der().to_vec()).map_err(Problem::ChainRefused)?;
    let at = index.body().signed_at_s;
    let verified = verify_chain(root.root(), chain.der_list(), at, &RevocationList::new())
        .map_err(Problem::ChainRefused)?;
    if verified.site != index.body().site {
        return Err(Problem::Signature(IndexError::CertSite {
            signer: index.body().site.clone(),
            cert_site: verified.site,
        }));
    }
    if verified.public_key != index.file().signer_key {
        return Err(Problem::Signature(IndexError::KeyMismatch {
            cert_site: verified.site,
        }));
    }
    Ok(verified.site)
}

/// One sealed segment against its index entry; `None` when it matches exactly.
fn check_segment(
    path: &Path,
    e: &SegmentEntry,
    expected: &SegmentHeader,
    by_hash: &BTreeMap<[u8; 32], &str>,
) -> Option<Problem> {
    let file = e.file.clone();
    let scanned = format::scan_file(path, &mut |_| Ok(()));
    let (hash, len, damage, scan) = match scanned {
        Ok(s) => (
            s.hash,
            s.file_len,
            s.damage.as_ref().map(|d| d.to_string()),
            Some(s),
        ),
        Err(err) => match format::hash_file(path) {
            Ok((hash, len)) => (hash, len, Some(err.to_string()), None),
            Err(io) => {
                return Some(Problem::SegmentUnreadable {
                    file,
                    detail: io.to_string(),
                })
            }
        },
    };
    if hash == e.hash && len == e.bytes {
        // Authentic bytes: they must also say what the index says about them.
        let Some(s) = scan else {
            return Some(Problem::SegmentMetadataMismatch {
                file,
                detail: damage.unwrap_or_default(),
            });
        };
        let mut wrong = Vec::new();
        if s.header != *expected {
            wrong.push(say(Message::new("rec-header-mismatch")));
        }
        if let Some(d) = &s.damage {
            wrong.push(d.to_string());
        }
        if (s.frames, s.first_ts_us, s.last_ts_us)
            != (e.frames, Some(e.first_ts_us), Some(e.last_ts_us))
        {
            let ts = |t: Option<u64>| t.map(|t| t.to_string()).unwrap_or_else(|| "?".into());
            wrong.push(say(Message::new("rec-frames-mismatch")
                .arg("frames", s.frames)
                .arg("first", ts(s.first_ts_us))
                .arg("last", ts(s.last_ts_us))
                .arg("index_frames", e.frames)
                .arg("index_first", e.first_ts_us.to_string())
                .arg("index_last", e.last_ts_us.to_string())));
        }
        return (!wrong.is_empty()).then(|| Problem::SegmentMetadataMismatch {
            file,
            detail: wrong.join("; "),
        });
    }
    if let Some(other) = by_hash.get(&hash) {
        return Some(Problem::SegmentReordered {
            file,
            holds: (*other).to_owned(),
        });
    }
    if len < e.bytes {
        return Some(Problem::SegmentTruncated {
            file,
            expected_bytes: e.bytes,
            found_bytes: len,
        });
    }
    let detail = match (damage, len == e.bytes) {
        (Some(d), _) => d,
        (None, true) => say(Message::new("rec-same-length")),
        (None, false) => say(Message::new("rec-length-differs")
            .arg("found", len)
            .arg("expected", e.bytes)),
    };
    Some(Problem::SegmentHashMismatch { file, detail })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::index::{IndexFile, Signer};
    use crate::recording::testkit::{record, signer, test_signer_pair, vn};
    use crate::recording::writer::Limits;

    fn recording() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, _) = record(tmp.path(), "cam1", 25, Limits::default());
        (tmp, dir)
    }

    fn problems(dir: &Path) -> Vec<Problem> {
        verify_publisher(dir, None).problems
    }

    #[test]
    fn intact_recording_verifies_with_and_without_the_root() {
        let (_tmp, dir) = recording();
        let r = verify_publisher(&dir, None);
        assert!(r.is_intact(), "{:?}", r.problems);
        assert!(r.complete);
        assert_eq!(r.segments, 3);
        let root = Chain::new(vec![vn().1.root().clone()]).unwrap();
        let r = verify_publisher(&dir, Some(&root));
        assert!(r.is_intact(), "{:?}", r.problems);
        assert_eq!(r.chain_verified_site.as_deref(), Some("VN"));
        // Another federation's root does not vouch for this signer.
        let (other, other_chain) = test_signer_pair();
        drop(other);
        let foreign = Chain::from_der_list(other_chain).unwrap();
        let r = verify_publisher(&dir, Some(&foreign));
        assert!(
            matches!(r.problems[..], [Problem::ChainRefused(_)]),
            "{:?}",
            r.problems
        );
    }

    #[test]
    fn a_flipped_byte_names_the_segment() {
        let (_tmp, dir) = recording();
        let path = dir.join("seg-000002.tdrec");
        let mut bytes = std::fs::read(&path).unwrap();
        let i = bytes.len() / 2;
        bytes[i] ^= 0x01;
        std::fs::write(&path, bytes).unwrap();
        let p = problems(&dir);
        assert!(
            matches!(&p[..], [Problem::SegmentHashMismatch { file, .. }] if file == "seg-000002.tdrec"),
            "{p:?}"
        );
        assert!(
            p[0].to_string().contains("seg-000002.tdrec was modified"),
            "{}",
            p[0]
        );
    }

    #[test]
    fn missing_truncated_extra_and_reordered_segments() {
        let (_tmp, dir) = recording();
        std::fs::remove_file(dir.join("seg-000003.tdrec")).unwrap();
        assert_eq!(
            problems(&dir),
            [Problem::SegmentMissing {
                file: "seg-000003.tdrec".into()
            }]
        );

        let (_tmp, dir) = recording();
        let path = dir.join("seg-000001.tdrec");
        let len = std::fs::metadata(&path).unwrap().len();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(len - 7)
            .unwrap();
        assert_eq!(
            problems(&dir),
            [Problem::SegmentTruncated {
                file: "seg-000001.tdrec".into(),
                expected_bytes: len,
                found_bytes: len - 7
            }]
        );

        let (_tmp, dir) = recording();
        std::fs::copy(dir.join("seg-000003.tdrec"), dir.join("seg-000004.tdrec")).unwrap();
        std::fs::write(dir.join("seg-000009.tdrec.part"), b"x").unwrap();
        assert_eq!(
            problems(&dir),
            [
                Problem::SegmentExtra {
                    file: "seg-000004.tdrec".into()
                },
                Problem::SegmentExtra {
                    file: "seg-000009.tdrec.part".into()
                }
            ]
        );

        let (_tmp, dir) = recording();
        std::fs::rename(dir.join("seg-000001.tdrec"), dir.join("x")).unwrap();
        std::fs::rename(dir.join("seg-000002.tdrec"), dir.join("seg-000001.tdrec")).unwrap();
        std::fs::rename(dir.join("x"), dir.join("seg-000002.tdrec")).unwrap();
        assert_eq!(
            problems(&dir),
            [
                Problem::SegmentReordered {
                    file: "seg-000001.tdrec".into(),
                    holds: "seg-000002.tdrec".into()
                },
                Problem::SegmentReordered {
                    file: "seg-000002.tdrec".into(),
                    holds: "seg-000001.tdrec".into()
                },
            ]
        );
    }

    fn rewrite_index(dir: &Path, change: impl FnOnce(&mut IndexFile)) {
        let index = SignedIndex::read(dir).unwrap();
        let mut file = index.file().clone();
        change(&mut file);
        std::fs::write(
            dir.join(INDEX_FILE),
            cbor4ii::serde::to_vec(Vec::new(), &file).unwrap(),
        )
        .unwrap();
    }

    #[test]
    fn index_tampering_is_told_apart() {
        let (_tmp, dir) = recording();
        rewrite_index(&dir, |f| f.signature[0] ^= 0x80);
        assert_eq!(
            problems(&dir),
            [Problem::Signature(IndexError::BadSignature)]
        );

        // Re-signed with another key, keeping the certificate: the key does not match it.
        let (_tmp, dir) = recording();
        let (other, _) = test_signer_pair();
        let forger = Signer::danger_from_parts(
            other,
            "VN",
            vn().1.der_list().iter().map(|c| c.to_vec()).collect(),
        );
        let forged = SignedIndex::sign(SignedIndex::read(&dir).unwrap().body(), &forger);
        std::fs::write(dir.join(INDEX_FILE), forged.bytes()).unwrap();
        assert_eq!(
            problems(&dir),
            [Problem::Signature(IndexError::KeyMismatch {
                cert_site: "VN".into()
            })]
        );

        // The signer dropped a segment from the list and re-signed: its hash chain head is stale.
        let (_tmp, dir) = recording();
        let mut body = SignedIndex::read(&dir).unwrap().body().clone();
        body.segments.pop();
        std::fs::write(
            dir.join(INDEX_FILE),
            SignedIndex::sign(&body, &signer()).bytes(),
        )
        .unwrap();
        let p = problems(&dir);
        assert!(
            p.contains(&Problem::ChainHeadMismatch)
                && p.contains(&Problem::SegmentExtra {
                    file: "seg-000003.tdrec".into()
                }),
            "{p:?}"
        );

        // Garbage and a missing index.
        let (_tmp, dir) = recording();
        std::fs::write(dir.join(INDEX_FILE), b"\xa1garbage").unwrap();
        assert!(matches!(problems(&dir)[..], [Problem::IndexUnreadable(_)]));
        std::fs::remove_file(dir.join(INDEX_FILE)).unwrap();
        assert_eq!(problems(&dir), [Problem::IndexMissing]);
    }

    #[test]
    fn an_index_only_copy_verifies_in_index_only_scope() {
        let (_tmp, dir) = recording();
        for n in 1..=3 {
            std::fs::remove_file(dir.join(crate::recording::segment_file_name(n))).unwrap();
        }
        // As a full copy it lacks every segment; as an index-only copy it is intact.
        assert_eq!(problems(&dir).len(), 3);
        let r = verify_publisher_scoped(&dir, None, Scope::IndexOnly);
        assert!(r.is_intact(), "{:?}", r.problems);
        assert!(
            r.notes
                .iter()
                .any(|n| n.to_string().contains("3 of the 3 segments")),
            "{:?}",
            r.notes
        );
        // The signature still counts.
        rewrite_index(&dir, |f| f.signature[1] ^= 0x01);
        let r = verify_publisher_scoped(&dir, None, Scope::IndexOnly);
        assert_eq!(r.problems, [Problem::Signature(IndexError::BadSignature)]);
    }

    #[test]
    fn a_session_folder_verifies_every_publisher() {
        let tmp = tempfile::tempdir().unwrap();
        record(tmp.path(), "cam1", 3, Limits::default());
        let (dir2, _) = record(tmp.path(), "cam2", 3, Limits::default());
        let session = tmp
            .path()
            .join("recordings")
            .join(crate::recording::testkit::SESSION);
        let reports = verify_path(&session, None).unwrap();
        assert_eq!(reports.len(), 2);
        assert!(reports.iter().all(|r| r.is_intact()));
        std::fs::remove_file(dir2.join("seg-000001.tdrec")).unwrap();
        let reports = verify_path(&tmp.path().join("recordings"), None).unwrap();
        assert_eq!(reports.iter().filter(|r| !r.is_intact()).count(), 1);
        assert!(matches!(
            verify_path(&tmp.path().join("nothing"), None),
            Err(RecordingError::NothingToRead { .. })
        ));
    }
}
