//! The hash chain over a recording's segments and the signed recording index.
//!
//! Owns the chain computation (pinned by a test vector), the index body and its signature, and
//! reading an index file with bounded sizes. The file is CBOR:
//!
//! ```text
//! IndexFile { body: bytes, signature: bytes(64), signer_key: bytes(32), signer_site: text,
//!             chain: [bytes] }
//! ```
//!
//! `body` is the canonical CBOR of [`IndexBody`] (re-encoding it must give the same bytes, so
//! one index has one encoding) and `signature` is Ed25519 by `signer_key` over
//! [`SIGNING_CONTEXT`] followed by `body`; the prefix keeps these signatures apart from TLS,
//! certificate, event and revocation signatures made with the same site key. `chain` is the
//! signer's certificate chain (DER, leaf first), whose leaf must carry `signer_key` and
//! `signer_site`, so a recording can be checked without any data folder. The bytes are stored
//! as signed and never re-encoded; [`SignedIndex::index_id`] is BLAKE3 of the file.
//!
//! It does not read segment files: [`super::verify`] compares them with the index.

use std::io::{Read, Write};
use std::path::Path;

use ed25519_dalek::{Signer as _, SigningKey};
use serde::{Deserialize, Serialize};
use tiepdan_keys::cert::{Chain, ChainError};
use tiepdan_keys::SiteKey;

use super::format::{check_tracks, TrackInfo};
use super::{check_id, check_site, segment_file_name, sync_dir, RecordingError, INDEX_FILE};

/// Domain separation prefix of the index signature.
pub const SIGNING_CONTEXT: &[u8] = b"tiepdan recording index v1\0";
/// Domain separation prefix of the chain's first link.
pub const CHAIN_CONTEXT: &[u8] = b"tiepdan recording v1\0";
/// Current index body version.
pub const INDEX_VERSION: u8 = 1;
/// Most segments in one recording: 55 hours of 10-second segments.
pub const MAX_SEGMENTS: usize = 20_000;
/// Largest index file. An entry is about 150 bytes, so [`MAX_SEGMENTS`] fit with room to spare.
pub const MAX_INDEX_BYTES: u64 = 4 * 1024 * 1024;
/// Largest certificate in the embedded chain; ours are under 1 KiB.
pub const MAX_CERT_BYTES: usize = 16 * 1024;

/// One sealed segment as the index records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentEntry {
    /// `seg-000001.tdrec`, always [`segment_file_name`] of `segment`.
    pub file: String,
    pub segment: u32,
    /// BLAKE3 of the whole segment file.
    #[serde(with = "serde_bytes")]
    pub hash: [u8; 32],
    /// Smallest and largest frame timestamp in the segment, µs since the recording started.
    pub first_ts_us: u64,
    pub last_ts_us: u64,
    pub frames: u64,
    /// Length of the segment file.
    pub bytes: u64,
}

/// What the site signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexBody {
    pub v: u8,
    pub session_id: String,
    pub site: String,
    pub publisher_id: String,
    pub tracks: Vec<TrackInfo>,
    pub segments: Vec<SegmentEntry>,
    /// `chain_n` over `segments` (`chain_0` without segments).
    #[serde(with = "serde_bytes")]
    pub chain_head: [u8; 32],
    /// True once the writer was closed: no segment will follow.
    pub complete: bool,
    /// When the site signed (unix seconds); the certificate chain is checked at this time.
    pub signed_at_s: u64,
}

impl IndexBody {
    /// Sum of the segment files' lengths (saturating: the lengths are what a site signed).
    pub fn bytes(&self) -> u64 {
        self.segments
            .iter()
            .fold(0u64, |sum, s| sum.saturating_add(s.bytes))
    }

    /// Largest minus smallest timestamp over all segments, in µs.
    pub fn duration_us(&self) -> u64 {
        let first = self.segments.iter().map(|s| s.first_ts_us).min();
        let last = self.segments.iter().map(|s| s.last_ts_us).max();
        match (first, last) {
            (Some(f), Some(l)) => l.saturating_sub(f),
            _ => 0,
        }
    }
}

/// The index file as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexFile {
    #[serde(with = "serde_bytes")]
    pub body: Vec<u8>,
    #[serde(with = "serde_bytes")]
    pub signature: Vec<u8>,
    #[serde(with = "serde_bytes")]
    pub signer_key: [u8; 32],
    pub signer_site: String,
    #[serde(with = "bytes_list")]
    pub chain: Vec<Vec<u8>>,
}

impl IndexFile {
    /// The CBOR of this file. Only what [`SignedIndex::sign`] made verifies; this exists for
    /// tools and tests that must write an index exactly as given.
    pub fn to_bytes(&self) -> Vec<u8> {
        encode(self)
    }
}

/// `Vec<Vec<u8>>` as a CBOR array of byte strings.
mod bytes_list {
    use serde::{Deserialize, Deserializer, Serializer};
    use serde_bytes::{ByteBuf, Bytes};

    pub fn serialize<S: Serializer>(v: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|b| Bytes::new(b)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        Ok(Vec::<ByteBuf>::deserialize(d)?
            .into_iter()
            .map(ByteBuf::into_vec)
            .collect())
    }
}

/// Why an index file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    #[error("the index is {0} bytes, more than the {MAX_INDEX_BYTES} allowed: not a tiepdan recording index")]
    TooLarge(u64),
    #[error("the index is garbled ({0}): it was corrupted or is not a tiepdan recording index")]
    Garbled(String),
    #[error(
        "the index has version {0}; this tiepdan reads version {INDEX_VERSION}: upgrade tiepdan"
    )]
    Version(u8),
    #[error(
        "the index is not in canonical form (its body re-encodes differently): it was altered"
    )]
    NotCanonical,
    #[error("the index is invalid: {0}")]
    Invalid(String),
    #[error("the index's embedded certificate chain is unreadable: {0}")]
    ChainUnreadable(ChainError),
    #[error("the index was signed by site {signer} but records site {recording}: a site signs only its own recordings")]
    SignerSite { signer: String, recording: String },
    #[error("the index names site {signer} as signer but its embedded certificate is for site {cert_site}: forged index")]
    CertSite { signer: String, cert_site: String },
    #[error("the index signature is invalid: the index was altered after it was signed")]
    BadSignature,
    #[error("the index was signed with a key that is not the key of its embedded certificate (site {cert_site}): forged index")]
    KeyMismatch { cert_site: String },
}

/// `chain_0` of a recording.
pub fn chain_start(session_id: &str, site: &str, publisher_id: &str) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(CHAIN_CONTEXT);
    for s in [session_id, site, publisher_id] {
        // Ids are checked to be at most 64 bytes before they get here.
        let len = u16::try_from(s.len()).expect("ids are bounded to 64 bytes");
        h.update(&len.to_be_bytes());
        h.update(s.as_bytes());
    }
    *h.finalize().as_bytes()
}

/// `chain_i` from `chain_{i-1}` and segment i.
pub fn chain_step(prev: &[u8; 32], e: &SegmentEntry) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(prev);
    h.update(&e.hash);
    h.update(&e.segment.to_be_bytes());
    h.update(&e.first_ts_us.to_be_bytes());
    h.update(&e.last_ts_us.to_be_bytes());
    h.update(&e.frames.to_be_bytes());
    h.update(&e.bytes.to_be_bytes());
    *h.finalize().as_bytes()
}

/// The chain head over `segments`.
pub fn chain_head(
    session_id: &str,
    site: &str,
    publisher_id: &str,
    segments: &[SegmentEntry],
) -> [u8; 32] {
    segments
        .iter()
        .fold(chain_start(session_id, site, publisher_id), |prev, e| {
            chain_step(&prev, e)
        })
}

/// The key and certificate chain a site signs its recordings with.
#[derive(Clone)]
pub struct Signer {
    key: SigningKey,
    site: String,
    chain: Vec<Vec<u8>>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("Signer")
            .field("site", &self.site)
            .field("chain_len", &self.chain.len())
            .finish()
    }
}

impl Signer {
    /// `chain_der` is the site's certificate chain, leaf first (e.g. `tls-chain.pem`); its leaf
    /// must be `site`'s certificate for `key`, so every index it signs verifies.
    pub fn new(
        key: SigningKey,
        site: &str,
        chain_der: Vec<Vec<u8>>,
    ) -> Result<Signer, RecordingError> {
        check_site(site)?;
        let chain = Chain::from_der_list(chain_der.clone()).map_err(|e| {
            RecordingError::SignerMismatch {
                detail: e.to_string(),
            }
        })?;
        let Some((cert_site, cert_key)) = leaf_site_key(&chain) else {
            return Err(RecordingError::SignerMismatch {
                detail: "a certificate of the chain carries no site claims".into(),
            });
        };
        if cert_site != site {
            return Err(RecordingError::SignerMismatch {
                detail: format!("the chain's leaf is for site {cert_site}, not {site}"),
            });
        }
        if cert_key != key.verifying_key().to_bytes() {
            return Err(RecordingError::SignerMismatch {
                detail: format!("the chain's leaf for site {site} certifies another key"),
            });
        }
        Ok(Signer {
            key,
            site: site.to_owned(),
            chain: chain_der,
        })
    }

    /// The site's own key and chain, as the node holds them.
    pub fn from_site_key(
        key: &SiteKey,
        site: &str,
        chain: &Chain,
    ) -> Result<Signer, RecordingError> {
        let ders = chain
            .der_list()
            .iter()
            .map(|c| c.as_ref().to_vec())
            .collect();
        Signer::new(SigningKey::from_bytes(&key.seed()), site, ders)
    }

    pub fn site(&self) -> &str {
        &self.site
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    #[cfg(test)]
    pub(crate) fn danger_from_parts(key: SigningKey, site: &str, chain: Vec<Vec<u8>>) -> Signer {
        Signer {
            key,
            site: site.to_owned(),
            chain,
        }
    }
}

/// The leaf's site and key. Every tiepdan certificate carries claims, so a chain where one
/// does not is refused rather than letting the next certificate stand in for the leaf.
fn leaf_site_key(chain: &Chain) -> Option<(String, [u8; 32])> {
    let keys = chain.site_keys();
    (keys.len() == chain.len())
        .then(|| keys.into_iter().next())
        .flatten()
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Encoding plain structs into memory only fails if allocation fails.
    cbor4ii::serde::to_vec(Vec::new(), value).expect("CBOR encoding into memory cannot fail")
}

/// A signed index: its exact bytes and what they say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIndex {
    bytes: Vec<u8>,
    file: IndexFile,
    body: IndexBody,
}

impl SignedIndex {
    /// Signs `body` with `signer`. The body must be valid (the writer builds it).
    pub fn sign(body: &IndexBody, signer: &Signer) -> SignedIndex {
        let body_bytes = encode(body);
        let mut message = Vec::with_capacity(SIGNING_CONTEXT.len() + body_bytes.len());
        message.extend_from_slice(SIGNING_CONTEXT);
        message.extend_from_slice(&body_bytes);
        let signature = signer.key.sign(&message).to_bytes().to_vec();
        let file = IndexFile {
            body: body_bytes,
            signature,
            signer_key: signer.public_key(),
            signer_site: signer.site.clone(),
            chain: signer.chain.clone(),
        };
        let bytes = encode(&file);
        SignedIndex {
            bytes,
            file,
            body: body.clone(),
        }
    }

    /// Parses index bytes with every size bounded and the body checked for shape. Does not
    /// check the signature: see [`SignedIndex::check_signature`].
    pub fn from_bytes(bytes: Vec<u8>) -> Result<SignedIndex, IndexError> {
        if bytes.len() as u64 > MAX_INDEX_BYTES {
            return Err(IndexError::TooLarge(bytes.len() as u64));
        }
        let file: IndexFile = tiepdan_protocol::cbor::decode_exact(&bytes, "recording index")
            .map_err(|e| IndexError::Garbled(e.to_string()))?;
        if file.chain.is_empty()
            || file.chain.len() > Chain::MAX_LEN
            || file.chain.iter().any(|c| c.len() > MAX_CERT_BYTES)
        {
            return Err(IndexError::Invalid(format!("the embedded chain must hold 1 to {} certificates of at most {MAX_CERT_BYTES} bytes", Chain::MAX_LEN)));
        }
        if file.signature.len() != 64 {
            return Err(IndexError::Invalid(format!(
                "the signature is {} bytes, not 64",
                file.signature.len()
            )));
        }
        let body: IndexBody =
            tiepdan_protocol::cbor::decode_exact(&file.body, "recording index body")
                .map_err(|e| IndexError::Garbled(e.to_string()))?;
        if body.v != INDEX_VERSION {
            return Err(IndexError::Version(body.v));
        }
        if encode(&body) != file.body {
            return Err(IndexError::NotCanonical);
        }
        check_body(&body)?;
        if check_site(&file.signer_site).is_err() {
            return Err(IndexError::Invalid(format!(
                "signer site {:?} is not a site code",
                file.signer_site
            )));
        }
        Ok(SignedIndex { bytes, file, body })
    }

    /// Reads and parses `dir/index.cbor`, refusing oversized files before reading them.
    pub fn read(dir: &Path) -> Result<SignedIndex, RecordingError> {
        let path = dir.join(INDEX_FILE);
        let file = std::fs::File::open(&path).map_err(RecordingError::io(&path))?;
        let len = file.metadata().map_err(RecordingError::io(&path))?.len();
        let index_err = |source| RecordingError::Index {
            path: path.display().to_string(),
            source,
        };
        if len > MAX_INDEX_BYTES {
            return Err(index_err(IndexError::TooLarge(len)));
        }
        let mut bytes = Vec::with_capacity(len as usize);
        file.take(MAX_INDEX_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(RecordingError::io(&path))?;
        SignedIndex::from_bytes(bytes).map_err(index_err)
    }

    /// Writes `dir/index.cbor` so that a crash leaves either the old or the new index: a
    /// temporary file, fsync, rename, fsync of the folder.
    pub fn write_atomic(&self, dir: &Path) -> Result<(), RecordingError> {
        let tmp = dir.join(format!("{INDEX_FILE}.tmp"));
        let path = dir.join(INDEX_FILE);
        let mut f = std::fs::File::create(&tmp).map_err(RecordingError::io(&tmp))?;
        f.write_all(&self.bytes)
            .and_then(|_| f.sync_all())
            .map_err(RecordingError::io(&tmp))?;
        drop(f);
        std::fs::rename(&tmp, &path).map_err(RecordingError::io(&path))?;
        sync_dir(dir)
    }

    /// Checks, in this order: the signature against the embedded `signer_key`
    /// ([`IndexError::BadSignature`]), that the signer is the recording's site, and that the
    /// embedded chain's leaf certifies that key for that site ([`IndexError::KeyMismatch`]).
    /// Whether the chain leads to the federation root is [`super::verify`]'s business.
    pub fn check_signature(&self) -> Result<(), IndexError> {
        let mut message = Vec::with_capacity(SIGNING_CONTEXT.len() + self.file.body.len());
        message.extend_from_slice(SIGNING_CONTEXT);
        message.extend_from_slice(&self.file.body);
        if !tiepdan_keys::verify_signature(&self.file.signer_key, &message, &self.file.signature) {
            return Err(IndexError::BadSignature);
        }
        if self.file.signer_site != self.body.site {
            return Err(IndexError::SignerSite {
                signer: self.file.signer_site.clone(),
                recording: self.body.site.clone(),
            });
        }
        let chain =
            Chain::from_der_list(self.file.chain.clone()).map_err(IndexError::ChainUnreadable)?;
        let Some((cert_site, cert_key)) = leaf_site_key(&chain) else {
            return Err(IndexError::ChainUnreadable(ChainError::Malformed {
                index: 0,
                detail: "a certificate carries no site claims".into(),
            }));
        };
        if cert_site != self.file.signer_site {
            return Err(IndexError::CertSite {
                signer: self.file.signer_site.clone(),
                cert_site,
            });
        }
        if cert_key != self.file.signer_key {
            return Err(IndexError::KeyMismatch { cert_site });
        }
        Ok(())
    }

    /// BLAKE3 of the index file: what a session's `RecordingSealed` event names.
    pub fn index_id(&self) -> [u8; 32] {
        *blake3::hash(&self.bytes).as_bytes()
    }

    /// The exact signed file.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn body(&self) -> &IndexBody {
        &self.body
    }

    pub fn file(&self) -> &IndexFile {
        &self.file
    }

    /// The embedded chain, leaf first, as DER.
    pub fn chain_der(&self) -> &[Vec<u8>] {
        &self.file.chain
    }
}

/// The shape rules of a body: valid ids and tracks, bounded segments numbered 1, 2, 3 … with
/// their canonical file names (the names are joined to folder paths when verifying).
fn check_body(body: &IndexBody) -> Result<(), IndexError> {
    let invalid = |m: String| IndexError::Invalid(m);
    check_id("session id", &body.session_id).map_err(|e| invalid(e.to_string()))?;
    check_site(&body.site).map_err(|e| invalid(e.to_string()))?;
    check_id("publisher id", &body.publisher_id).map_err(|e| invalid(e.to_string()))?;
    check_tracks(&body.tracks).map_err(invalid)?;
    if body.segments.len() > MAX_SEGMENTS {
        return Err(invalid(format!(
            "{} segments, more than the {MAX_SEGMENTS} allowed",
            body.segments.len()
        )));
    }
    for (i, e) in body.segments.iter().enumerate() {
        let expected = i as u64 + 1;
        if u64::from(e.segment) != expected || e.file != segment_file_name(e.segment) {
            return Err(invalid(format!("entry {expected} is {:?} (segment {}); entries must be seg-000001.tdrec, seg-000002.tdrec … in order", e.file, e.segment)));
        }
        if e.frames == 0 || e.first_ts_us > e.last_ts_us {
            return Err(invalid(format!(
                "entry {} has {} frames and timestamps {}..{}",
                e.file, e.frames, e.first_ts_us, e.last_ts_us
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::testkit::{signer, test_signer_pair};

    fn entry(n: u32) -> SegmentEntry {
        SegmentEntry {
            file: segment_file_name(n),
            segment: n,
            hash: [n as u8; 32],
            first_ts_us: 10 * u64::from(n),
            last_ts_us: 10 * u64::from(n) + 5,
            frames: 3,
            bytes: 100,
        }
    }

    fn body() -> IndexBody {
        let segments = vec![entry(1), entry(2)];
        IndexBody {
            v: INDEX_VERSION,
            session_id: "VN-2026-7".into(),
            site: "VN".into(),
            publisher_id: "cam1".into(),
            tracks: TrackInfo::audio_video(),
            chain_head: chain_head("VN-2026-7", "VN", "cam1", &segments),
            segments,
            complete: true,
            signed_at_s: 1_790_000_000,
        }
    }

    #[test]
    fn chain_is_pinned() {
        // Test vectors, computed independently (Python `blake3`) from the definition in the
        // module docs: changing the chain breaks every recording already sealed.
        assert_eq!(
            hex::encode(chain_start("VN-2026-7", "VN", "cam1")),
            "7e7334e3c43704c572745dd155b8193f18496bded3d7f449543624bc9315e18a"
        );
        assert_eq!(
            hex::encode(chain_head("VN-2026-7", "VN", "cam1", &[entry(1), entry(2)])),
            "a47e579e88dc712a06eeca8329cf2b4653e93fb9c5238b3ffc2de1ef62f444b7"
        );
        // Field boundaries are unambiguous.
        assert_ne!(chain_start("ab", "c", "d"), chain_start("a", "bc", "d"));
        // Every metadata field is covered.
        let base = chain_step(&[0; 32], &entry(1));
        for change in [
            |e: &mut SegmentEntry| e.hash[0] ^= 1,
            |e: &mut SegmentEntry| e.segment += 1,
            |e: &mut SegmentEntry| e.first_ts_us += 1,
            |e: &mut SegmentEntry| e.last_ts_us += 1,
            |e: &mut SegmentEntry| e.frames += 1,
            |e: &mut SegmentEntry| e.bytes += 1,
        ] {
            let mut e = entry(1);
            change(&mut e);
            assert_ne!(chain_step(&[0; 32], &e), base);
        }
    }

    #[test]
    fn sign_parse_verify() {
        let signer = signer();
        let signed = SignedIndex::sign(&body(), &signer);
        let again = SignedIndex::from_bytes(signed.bytes().to_vec()).unwrap();
        assert_eq!(again, signed);
        assert_eq!(again.body(), &body());
        again.check_signature().unwrap();
        assert_eq!(again.index_id(), *blake3::hash(signed.bytes()).as_bytes());
    }

    #[test]
    fn tampering_is_refused() {
        let signer = signer();
        let signed = SignedIndex::sign(&body(), &signer);

        // A flipped signature byte.
        let mut file = signed.file().clone();
        file.signature[10] ^= 1;
        let bad = SignedIndex::from_bytes(encode(&file)).unwrap();
        assert_eq!(bad.check_signature(), Err(IndexError::BadSignature));

        // A changed body (one more frame in a segment) under the old signature.
        let mut b = body();
        b.segments[0].frames += 1;
        let mut file = signed.file().clone();
        file.body = encode(&b);
        assert_eq!(
            SignedIndex::from_bytes(encode(&file))
                .unwrap()
                .check_signature(),
            Err(IndexError::BadSignature)
        );

        // Re-signed by another key that claims to be the certificate's.
        let (other, _) = test_signer_pair();
        let forged = Signer::danger_from_parts(other, "VN", signer.chain.clone());
        let f = SignedIndex::sign(&body(), &forged);
        assert!(matches!(
            f.check_signature(),
            Err(IndexError::KeyMismatch { .. })
        ));

        // Signed for another site's recording.
        let mut b = body();
        b.site = "01".into();
        assert!(matches!(
            SignedIndex::sign(&b, &signer).check_signature(),
            Err(IndexError::SignerSite { .. })
        ));

        // Garbage, trailing bytes, oversize, non-canonical bodies.
        assert!(matches!(
            SignedIndex::from_bytes(vec![0xff; 10]),
            Err(IndexError::Garbled(_))
        ));
        let mut trailing = signed.bytes().to_vec();
        trailing.push(0);
        assert!(matches!(
            SignedIndex::from_bytes(trailing),
            Err(IndexError::Garbled(_))
        ));
        assert!(matches!(
            SignedIndex::from_bytes(vec![0; MAX_INDEX_BYTES as usize + 1]),
            Err(IndexError::TooLarge(_))
        ));
        let mut file = signed.file().clone();
        file.body = noncanonical(&file.body);
        assert_eq!(
            SignedIndex::from_bytes(encode(&file)),
            Err(IndexError::NotCanonical)
        );
    }

    /// The same body with the top-level map's length written in a longer form.
    fn noncanonical(body: &[u8]) -> Vec<u8> {
        assert_eq!(body[0] & 0xe0, 0xa0, "a map");
        let n = body[0] & 0x1f;
        let mut out = vec![0xb8, n];
        out.extend_from_slice(&body[1..]);
        out
    }

    #[test]
    fn entry_names_cannot_point_elsewhere() {
        let signer = signer();
        for change in [
            |b: &mut IndexBody| b.segments[1].file = "../../etc/passwd".into(),
            |b: &mut IndexBody| b.segments.swap(0, 1),
            |b: &mut IndexBody| b.segments[0].frames = 0,
            |b: &mut IndexBody| b.publisher_id = "../x".into(),
        ] {
            let mut b = body();
            change(&mut b);
            let bytes = SignedIndex::sign(&b, &signer).bytes().to_vec();
            assert!(matches!(
                SignedIndex::from_bytes(bytes),
                Err(IndexError::Invalid(_))
            ));
        }
    }
}
