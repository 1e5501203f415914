//! Recordings of online reception sessions (issue 4): every node records its own publishers
//! in crash-safe segment files, chains the segments' BLAKE3 hashes and signs the recording
//! index with the site key, so that a recording can be checked years later without the node.
//!
//! Owns the on-disk format and everything that reads or writes it: the segment frame log
//! ([`format`]), the hash chain and the signed index ([`index`]), the writer the media code
//! calls ([`writer`]), tamper checking ([`verify`]), export to WebM ([`webm`]), the per-session
//! listing for the API ([`list`]), and the recording thread ([`recorder`]) that the sessions
//! capability feeds and tells when a session is over. It uses only `site`; it must not decide
//! what to record or when: the sessions capability does, through [`recorder::RecorderHooks`].
//! The `tiepdan recording` commands are in `cli::recording`.
//!
//! # Layout on disk
//!
//! ```text
//! DIR/recordings/<session_id>/<site>/<publisher_id>/
//!     seg-000001.tdrec     sealed segments (fsync'd, then renamed from .part)
//!     seg-000002.tdrec
//!     seg-000003.tdrec.part  the open segment while recording (or left by a crash)
//!     index.cbor           the signed index, rewritten (atomically) after every sealed segment
//! ```
//!
//! # Segment file (`.tdrec`), all integers big-endian
//!
//! ```text
//! magic        6 bytes   "TDREC1"
//! header_len   u16       length of the header, 1..=MAX_HEADER_BYTES
//! header       CBOR      SegmentHeader { v: 1, session_id, site, publisher_id, segment: u32
//!                        (1-based), tracks: [{ kind: "audio"|"video", codec: "opus"|"vp8",
//!                        clock_hz, channels }] }
//! records      repeated until end of file:
//!   len        u32       length of `body`, FRAME_FIXED_BYTES+1 ..= FRAME_FIXED_BYTES+MAX_FRAME_BYTES
//!   body       track u8 (0 audio, 1 video), flags u8 (bit 0: keyframe, others 0),
//!              ts_us u64 (µs since the recording started), payload (len - 10 bytes)
//!   check      u32       first 4 bytes of BLAKE3(len || body), read as big-endian
//! ```
//!
//! Each record is written with one `write` call and flushed; a segment is fsync'd when sealed.
//! After a crash the last record may be torn (cut short, or zero-filled by the file system): a
//! reader reports it as a torn tail and stops there, and recovery truncates it. A bad record
//! that is followed by more data is corruption, never silently skipped.
//!
//! # Hash chain and index
//!
//! `chain_0 = BLAKE3("tiepdan recording v1\0" || lp(session) || lp(site) || lp(publisher))`
//! where `lp(s)` is `s`'s length as u16 followed by its bytes (so field boundaries are
//! unambiguous), and `chain_i = BLAKE3(chain_{i-1} || hash_i || segment u32 || first_ts_us u64
//! || last_ts_us u64 || frames u64 || bytes u64)` with `hash_i` the BLAKE3 of segment i's whole
//! file. The index (see [`index`]) lists every sealed segment and the chain head, and is signed
//! with the site's Ed25519 key; its id ([`SignedIndex::index_id`]) is the BLAKE3 of the signed
//! index file, and is what a session's `RecordingSealed` event names.

pub mod format;
pub mod index;
pub mod list;
pub mod recorder;
pub mod verify;
pub mod webm;
pub mod writer;

use std::path::{Path, PathBuf};

pub use format::{Codec, FormatError, Frame, SegmentHeader, SegmentScan, TrackInfo, TrackKind};
pub use index::{
    chain_start, chain_step, IndexBody, IndexError, IndexFile, SegmentEntry, SignedIndex, Signer,
};
pub use list::{list_session, PublisherRecording};
pub use verify::{
    verify_path, verify_path_scoped, verify_publisher, verify_publisher_scoped, Problem,
    PublisherReport, Scope,
};
pub use webm::export_webm;
pub use writer::{Limits, RecordingWriter};

/// Folder under the data folder that holds every recording.
pub const RECORDINGS_DIR: &str = "recordings";
/// The signed index in each publisher folder.
pub const INDEX_FILE: &str = "index.cbor";
/// Extension of a sealed segment.
pub const SEGMENT_EXT: &str = "tdrec";
/// Suffix of the open segment.
pub const PART_SUFFIX: &str = ".part";
/// Longest session or publisher id, in bytes (the session log's id limit).
pub const MAX_ID_BYTES: usize = 64;
/// Longest site code, in bytes (`VN`, `01`, `26734`).
pub const MAX_SITE_BYTES: usize = 8;

/// Why a recording could not be written, read, listed or exported.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid {what} {value:?}: {rule}")]
    InvalidId {
        what: &'static str,
        value: String,
        rule: &'static str,
    },
    #[error("{path}: {source}")]
    Format { path: String, source: FormatError },
    #[error("{path}: {source}")]
    Index { path: String, source: IndexError },
    #[error("frame of {len} bytes is larger than the {max} bytes a recording accepts")]
    FrameTooLarge { len: usize, max: usize },
    #[error("empty frame: a recorded frame carries at least one byte of payload")]
    EmptyFrame,
    #[error("this recording has no {0} track; declare it when the recording is created")]
    UndeclaredTrack(TrackKind),
    #[error("invalid segment limits: {0}")]
    BadLimits(&'static str),
    #[error("invalid track list: {0}")]
    BadTracks(String),
    #[error(
        "a recording holds at most {max} segments; raise the segment limits or split the session"
    )]
    TooManySegments { max: usize },
    #[error("the signing key does not belong to the given certificate chain ({detail}): use the site key the chain was issued for")]
    SignerMismatch { detail: String },
    #[error("{path} holds files that are not a tiepdan recording of {what}: move them away or use another folder")]
    NotOurs { path: String, what: String },
    #[error("{path} is not a recording folder: expected a publisher folder (with {INDEX_FILE} or seg-*.{SEGMENT_EXT}) or a session folder containing publisher folders")]
    NothingToRead { path: String },
    #[error("{path}: {detail}")]
    Unusable { path: String, detail: String },
    #[error("{path}: more than {max} folders to look through: point at one session's folder")]
    TooManyFolders { path: String, max: usize },
}

impl RecordingError {
    pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RecordingError + '_ {
        move |source| RecordingError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// Session and publisher ids become folder names: ASCII letters, digits, `.`, `_`, `-`, not
/// starting with `.`, at most [`MAX_ID_BYTES`]. Nothing else may reach the file system.
pub fn check_id(what: &'static str, value: &str) -> Result<(), RecordingError> {
    let bad = |rule| RecordingError::InvalidId {
        what,
        value: value.to_owned(),
        rule,
    };
    if value.is_empty() || value.len() > MAX_ID_BYTES {
        return Err(bad("must be 1 to 64 bytes long"));
    }
    if value.starts_with('.') {
        return Err(bad("must not start with a dot"));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err(bad(
            "only ASCII letters, digits, '.', '_' and '-' are allowed",
        ));
    }
    Ok(())
}

/// A site code: 1 to 8 ASCII letters or digits.
pub fn check_site(value: &str) -> Result<(), RecordingError> {
    if value.is_empty()
        || value.len() > MAX_SITE_BYTES
        || !value.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(RecordingError::InvalidId {
            what: "site code",
            value: value.to_owned(),
            rule: "must be 1 to 8 ASCII letters or digits",
        });
    }
    Ok(())
}

/// `DATA/recordings/<session_id>`.
pub fn session_dir(data_root: &Path, session_id: &str) -> Result<PathBuf, RecordingError> {
    check_id("session id", session_id)?;
    Ok(data_root.join(RECORDINGS_DIR).join(session_id))
}

/// `DATA/recordings/<session_id>/<site>/<publisher_id>`.
pub fn publisher_dir(
    data_root: &Path,
    session_id: &str,
    site: &str,
    publisher_id: &str,
) -> Result<PathBuf, RecordingError> {
    check_site(site)?;
    check_id("publisher id", publisher_id)?;
    Ok(session_dir(data_root, session_id)?
        .join(site)
        .join(publisher_id))
}

/// `seg-000042.tdrec` for segment 42.
pub fn segment_file_name(segment: u32) -> String {
    format!("seg-{segment:06}.{SEGMENT_EXT}")
}

/// The segment number of a sealed segment's file name, or `None` for any other name.
pub fn parse_segment_file_name(name: &str) -> Option<u32> {
    let digits = name
        .strip_prefix("seg-")?
        .strip_suffix(&format!(".{SEGMENT_EXT}"))?;
    if digits.len() < 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u32 = digits.parse().ok()?;
    // One spelling per number, so two files cannot claim the same segment.
    (segment_file_name(n) == name && n > 0).then_some(n)
}

/// The segment number of an open segment's file name (`seg-000003.tdrec.part`).
pub fn parse_part_file_name(name: &str) -> Option<u32> {
    parse_segment_file_name(name.strip_suffix(PART_SUFFIX)?)
}

/// Lower-case hex of a hash.
pub fn hex32(bytes: &[u8; 32]) -> String {
    hex::encode(bytes)
}

/// fsync a folder so a rename or new file in it survives a crash.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), RecordingError> {
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(RecordingError::io(dir))
}

#[cfg(test)]
pub(crate) mod testkit;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_could_escape_the_folder_are_refused() {
        for bad in [
            "",
            ".",
            "..",
            "../x",
            "a/b",
            "a b",
            ".hidden",
            "x\0",
            "é",
            &"a".repeat(65),
        ] {
            assert!(check_id("session id", bad).is_err(), "{bad:?} accepted");
        }
        for good in ["00070-2026-12", "p_1", "VN.2026.1", &"a".repeat(64)] {
            check_id("session id", good).unwrap();
        }
        assert!(check_site("00070").is_ok());
        assert!(check_site("0/1").is_err());
        assert!(check_site("123456789").is_err());
    }

    #[test]
    fn segment_names_have_one_spelling() {
        assert_eq!(segment_file_name(1), "seg-000001.tdrec");
        assert_eq!(parse_segment_file_name("seg-000001.tdrec"), Some(1));
        assert_eq!(
            parse_segment_file_name("seg-1234567.tdrec"),
            Some(1_234_567)
        );
        assert_eq!(parse_segment_file_name("seg-0000001.tdrec"), None);
        assert_eq!(parse_segment_file_name("seg-000000.tdrec"), None);
        assert_eq!(parse_segment_file_name("seg-00001.tdrec"), None);
        assert_eq!(parse_segment_file_name("seg-+00001.tdrec"), None);
        assert_eq!(parse_part_file_name("seg-000003.tdrec.part"), Some(3));
        assert_eq!(parse_part_file_name("seg-000003.tdrec"), None);
    }
}
