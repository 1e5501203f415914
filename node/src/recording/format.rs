//! The segment frame log: its header, its records, and the one reader every other part uses.
//!
//! Owns the byte layout documented in the [module root](super) and the rules for reading a file
//! that may be torn by a crash or altered by someone: a torn last record is reported as a
//! [`Damage::Torn`] tail, anything wrong before the end as [`Damage::Corrupt`], and the reader
//! never allocates more than one bounded frame. It does no file naming, hashing chains or
//! signing.

use std::fmt;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// The first six bytes of every segment file.
pub const MAGIC: &[u8; 6] = b"TDREC1";
/// Current header version.
pub const VERSION: u8 = 1;
/// Largest encoded header. A header holds three short ids and at most two tracks.
pub const MAX_HEADER_BYTES: usize = 4096;
/// Largest frame payload. A 1080p VP8 keyframe stays well under 1 MiB.
pub const MAX_FRAME_BYTES: usize = 4 * 1024 * 1024;
/// Bytes of a record body before its payload: track, flags, timestamp.
pub const FRAME_FIXED_BYTES: usize = 1 + 1 + 8;
/// Bytes a record adds to its payload: length, fixed fields, check.
pub const RECORD_OVERHEAD_BYTES: usize = 4 + FRAME_FIXED_BYTES + 4;
/// Most tracks in one recording: one audio and one video.
pub const MAX_TRACKS: usize = 2;

const FLAG_KEYFRAME: u8 = 0x01;

/// Which of a publisher's tracks a frame belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrackKind {
    Audio,
    Video,
}

impl TrackKind {
    /// The `track` byte of a record.
    pub fn code(self) -> u8 {
        match self {
            TrackKind::Audio => 0,
            TrackKind::Video => 1,
        }
    }

    pub fn from_code(code: u8) -> Option<TrackKind> {
        match code {
            0 => Some(TrackKind::Audio),
            1 => Some(TrackKind::Video),
            _ => None,
        }
    }
}

impl fmt::Display for TrackKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TrackKind::Audio => "audio",
            TrackKind::Video => "video",
        })
    }
}

/// The codecs a browser publishes over WebRTC and WebM can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Codec {
    Opus,
    Vp8,
}

/// One track of a recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackInfo {
    pub kind: TrackKind,
    pub codec: Codec,
    /// RTP clock rate: 48,000 for Opus, 90,000 for VP8.
    pub clock_hz: u32,
    /// Audio channels (1 or 2); 0 for video.
    pub channels: u8,
}

impl TrackInfo {
    /// Opus, 48 kHz, stereo: what WebRTC browsers send.
    pub fn opus() -> TrackInfo {
        TrackInfo {
            kind: TrackKind::Audio,
            codec: Codec::Opus,
            clock_hz: 48_000,
            channels: 2,
        }
    }

    /// VP8 video.
    pub fn vp8() -> TrackInfo {
        TrackInfo {
            kind: TrackKind::Video,
            codec: Codec::Vp8,
            clock_hz: 90_000,
            channels: 0,
        }
    }

    /// Audio and video, the usual publisher.
    pub fn audio_video() -> Vec<TrackInfo> {
        vec![TrackInfo::opus(), TrackInfo::vp8()]
    }
}

/// Checks a track list: 1 or 2 tracks, one per kind, each with a codec and parameters that
/// this format and the WebM export support.
pub fn check_tracks(tracks: &[TrackInfo]) -> Result<(), String> {
    if tracks.is_empty() || tracks.len() > MAX_TRACKS {
        return Err(format!(
            "{} tracks; a recording has one audio track, one video track or both",
            tracks.len()
        ));
    }
    if tracks.len() == 2 && tracks[0].kind == tracks[1].kind {
        return Err(format!(
            "two {} tracks; a recording has at most one per kind",
            tracks[0].kind
        ));
    }
    for t in tracks {
        match (t.kind, t.codec) {
            (TrackKind::Audio, Codec::Opus) => {
                if t.clock_hz != 48_000 || !(1..=2).contains(&t.channels) {
                    return Err(format!(
                        "Opus at {} Hz with {} channels; expected 48000 Hz, 1 or 2 channels",
                        t.clock_hz, t.channels
                    ));
                }
            }
            (TrackKind::Video, Codec::Vp8) => {
                if t.clock_hz != 90_000 || t.channels != 0 {
                    return Err(format!(
                        "VP8 at {} Hz with {} channels; expected 90000 Hz and 0 channels",
                        t.clock_hz, t.channels
                    ));
                }
            }
            (kind, codec) => return Err(format!("{codec:?} cannot be the {kind} track")),
        }
    }
    Ok(())
}

/// The header at the start of every segment: whose recording this is and which tracks it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentHeader {
    pub v: u8,
    pub session_id: String,
    pub site: String,
    pub publisher_id: String,
    /// 1-based position of the segment in the recording.
    pub segment: u32,
    pub tracks: Vec<TrackInfo>,
}

impl SegmentHeader {
    pub fn track(&self, kind: TrackKind) -> Option<&TrackInfo> {
        self.tracks.iter().find(|t| t.kind == kind)
    }

    /// Magic, length and CBOR: the first bytes of the segment file.
    pub fn encode(&self) -> Vec<u8> {
        // Encoding a plain struct into memory only fails if allocation fails.
        let cbor = cbor4ii::serde::to_vec(Vec::new(), self)
            .expect("CBOR encoding into memory cannot fail");
        assert!(
            cbor.len() <= MAX_HEADER_BYTES,
            "header ids are bounded, so the header is too"
        );
        let mut out = Vec::with_capacity(8 + cbor.len());
        out.extend_from_slice(MAGIC);
        // Bounded by MAX_HEADER_BYTES just above.
        out.extend_from_slice(&(cbor.len() as u16).to_be_bytes());
        out.extend_from_slice(&cbor);
        out
    }
}

/// One frame as read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    pub track: TrackKind,
    pub keyframe: bool,
    pub ts_us: u64,
    pub payload: &'a [u8],
}

/// A record's check value: the first 4 bytes of BLAKE3 over its length and body.
fn record_check(len_be: [u8; 4], body: &[u8]) -> [u8; 4] {
    let mut h = blake3::Hasher::new();
    h.update(&len_be);
    h.update(body);
    let out = h.finalize();
    let mut check = [0u8; 4];
    check.copy_from_slice(&out.as_bytes()[..4]);
    check
}

/// The bytes of one record. The caller has checked the payload size.
pub fn encode_record(track: TrackKind, keyframe: bool, ts_us: u64, payload: &[u8]) -> Vec<u8> {
    assert!(
        !payload.is_empty() && payload.len() <= MAX_FRAME_BYTES,
        "the writer checks frame sizes"
    );
    let body_len = FRAME_FIXED_BYTES + payload.len();
    let mut out = Vec::with_capacity(RECORD_OVERHEAD_BYTES + payload.len());
    // Bounded by MAX_FRAME_BYTES + 10, far below u32::MAX.
    let len_be = (body_len as u32).to_be_bytes();
    out.extend_from_slice(&len_be);
    out.push(track.code());
    out.push(if keyframe { FLAG_KEYFRAME } else { 0 });
    out.extend_from_slice(&ts_us.to_be_bytes());
    out.extend_from_slice(payload);
    let check = record_check(len_be, &out[4..]);
    out.extend_from_slice(&check);
    out
}

/// Why a segment file cannot be read at all (a damaged record is a [`Damage`], not an error).
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("read error: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a tiepdan recording segment (it does not start with \"TDREC1\")")]
    BadMagic,
    #[error("the segment header is cut off: the file is only {0} bytes long")]
    ShortHeader(u64),
    #[error(
        "the segment header claims {0} bytes, more than the {MAX_HEADER_BYTES} allowed (or none)"
    )]
    HeaderSize(usize),
    #[error("the segment header is garbled: {0}")]
    BadHeader(String),
    #[error(
        "the segment header has version {0}; this tiepdan reads version {VERSION}: upgrade tiepdan"
    )]
    Version(u8),
}

/// What is wrong at the end or inside a segment's record area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Damage {
    /// The last record is incomplete (a crash while writing it): `bytes` from `offset` to the
    /// end of the file are not a record. Recovery truncates them.
    Torn {
        offset: u64,
        bytes: u64,
        reason: &'static str,
    },
    /// A record before the end is invalid: the file was altered or the disk corrupted it.
    Corrupt { offset: u64, detail: String },
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Damage::Torn { offset, bytes, reason } => write!(f, "torn tail: the last {bytes} bytes (from offset {offset}) are an incomplete record ({reason})"),
            Damage::Corrupt { offset, detail } => write!(f, "corrupt record at offset {offset}: {detail}"),
        }
    }
}

/// What reading a whole segment found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentScan {
    pub header: SegmentHeader,
    /// Valid records before any damage.
    pub frames: u64,
    pub video_keyframes: u64,
    /// Smallest and largest frame timestamp (None without frames).
    pub first_ts_us: Option<u64>,
    pub last_ts_us: Option<u64>,
    /// Bytes from the start of the file to the end of the last valid record.
    pub valid_len: u64,
    /// Bytes read (the file's length when the scan started).
    pub file_len: u64,
    /// BLAKE3 of all `file_len` bytes.
    pub hash: [u8; 32],
    pub damage: Option<Damage>,
}

/// Reads `r` (whose length is `file_len`) as a segment, calling `on_frame` for each valid frame
/// in order. Stops delivering frames at the first damaged record but still hashes every byte.
pub fn scan<R: Read>(
    r: R,
    file_len: u64,
    on_frame: &mut dyn FnMut(&Frame<'_>) -> std::io::Result<()>,
) -> Result<SegmentScan, FormatError> {
    let mut r = HashingReader {
        inner: r.take(file_len),
        hasher: blake3::Hasher::new(),
    };
    let (header, header_bytes) = read_header(&mut r, file_len)?;
    let mut s = SegmentScan {
        header,
        frames: 0,
        video_keyframes: 0,
        first_ts_us: None,
        last_ts_us: None,
        valid_len: header_bytes,
        file_len,
        hash: [0; 32],
        damage: None,
    };
    let mut body = Vec::new();
    loop {
        let offset = s.valid_len;
        let rem = file_len - offset;
        if rem == 0 {
            break;
        }
        if rem < 4 {
            s.damage = Some(torn_or_corrupt(
                &mut r,
                &[],
                offset,
                rem,
                "the record length is cut short",
            )?);
            break;
        }
        let mut len_be = [0u8; 4];
        r.read_exact(&mut len_be)?;
        let len = u32::from_be_bytes(len_be) as usize;
        if len <= FRAME_FIXED_BYTES || len > FRAME_FIXED_BYTES + MAX_FRAME_BYTES {
            let zeros = len_be == [0; 4];
            s.damage = Some(if zeros {
                torn_or_corrupt(
                    &mut r,
                    &len_be,
                    offset,
                    rem,
                    "the file ends in zeros where a record should be",
                )?
            } else {
                drain(&mut r)?;
                Damage::Corrupt {
                    offset,
                    detail: format!(
                        "record length {len} is outside 11..={}",
                        FRAME_FIXED_BYTES + MAX_FRAME_BYTES
                    ),
                }
            });
            break;
        }
        let record_len = 4 + len as u64 + 4;
        if record_len > rem {
            drain(&mut r)?;
            s.damage = Some(Damage::Torn {
                offset,
                bytes: rem,
                reason: "the record runs past the end of the file",
            });
            break;
        }
        body.clear();
        body.resize(len + 4, 0);
        r.read_exact(&mut body)?;
        let (content, check) = body.split_at(len);
        if record_check(len_be, content) != check {
            let last = offset + record_len == file_len;
            let all_zero = content[FRAME_FIXED_BYTES..].iter().all(|b| *b == 0) && check == [0; 4];
            s.damage = Some(if last {
                drain(&mut r)?;
                Damage::Torn {
                    offset,
                    bytes: rem,
                    reason: "the last record's check does not match",
                }
            } else if all_zero {
                torn_or_corrupt(
                    &mut r,
                    &[],
                    offset,
                    rem,
                    "the file ends in zeros where a record should be",
                )?
            } else {
                drain(&mut r)?;
                Damage::Corrupt {
                    offset,
                    detail: "the record's check does not match its bytes".into(),
                }
            });
            break;
        }
        let Some(track) = TrackKind::from_code(content[0]) else {
            drain(&mut r)?;
            s.damage = Some(Damage::Corrupt {
                offset,
                detail: format!("unknown track code {}", content[0]),
            });
            break;
        };
        if s.header.track(track).is_none() {
            drain(&mut r)?;
            s.damage = Some(Damage::Corrupt {
                offset,
                detail: format!("a {track} frame, but the header declares no {track} track"),
            });
            break;
        }
        if content[1] & !FLAG_KEYFRAME != 0 {
            drain(&mut r)?;
            s.damage = Some(Damage::Corrupt {
                offset,
                detail: format!("unknown flags {:#04x}", content[1]),
            });
            break;
        }
        let keyframe = content[1] & FLAG_KEYFRAME != 0;
        let mut ts = [0u8; 8];
        ts.copy_from_slice(&content[2..10]);
        let ts_us = u64::from_be_bytes(ts);
        let frame = Frame {
            track,
            keyframe,
            ts_us,
            payload: &content[FRAME_FIXED_BYTES..],
        };
        on_frame(&frame)?;
        s.frames += 1;
        if keyframe && track == TrackKind::Video {
            s.video_keyframes += 1;
        }
        s.first_ts_us = Some(s.first_ts_us.map_or(ts_us, |t| t.min(ts_us)));
        s.last_ts_us = Some(s.last_ts_us.map_or(ts_us, |t| t.max(ts_us)));
        s.valid_len += record_len;
    }
    s.hash = *r.hasher.finalize().as_bytes();
    Ok(s)
}

/// Reads and checks the magic and header; returns the header and the bytes it took.
fn read_header<R: Read>(r: &mut R, file_len: u64) -> Result<(SegmentHeader, u64), FormatError> {
    let mut fixed = [0u8; 8];
    if file_len < 8 {
        return Err(FormatError::ShortHeader(file_len));
    }
    r.read_exact(&mut fixed)?;
    if &fixed[..6] != MAGIC {
        return Err(FormatError::BadMagic);
    }
    let header_len = u16::from_be_bytes([fixed[6], fixed[7]]) as usize;
    if header_len == 0 || header_len > MAX_HEADER_BYTES {
        return Err(FormatError::HeaderSize(header_len));
    }
    if file_len < 8 + header_len as u64 {
        return Err(FormatError::ShortHeader(file_len));
    }
    let mut header_bytes = vec![0u8; header_len];
    r.read_exact(&mut header_bytes)?;
    let header: SegmentHeader =
        tiepdan_protocol::cbor::decode_exact(&header_bytes, "segment header")
            .map_err(|e| FormatError::BadHeader(e.to_string()))?;
    if header.v != VERSION {
        return Err(FormatError::Version(header.v));
    }
    check_tracks(&header.tracks).map_err(FormatError::BadHeader)?;
    Ok((header, 8 + header_len as u64))
}

/// The header of a segment file, without reading its records.
pub fn read_header_file(path: &Path) -> Result<SegmentHeader, FormatError> {
    let file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    read_header(&mut std::io::BufReader::new(file), len).map(|(h, _)| h)
}

/// [`scan`] of a file on disk.
pub fn scan_file(
    path: &Path,
    on_frame: &mut dyn FnMut(&Frame<'_>) -> std::io::Result<()>,
) -> Result<SegmentScan, FormatError> {
    let file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    scan(
        std::io::BufReader::with_capacity(256 * 1024, file),
        len,
        on_frame,
    )
}

/// BLAKE3 and length of a whole file, read in bounded chunks.
pub fn hash_file(path: &Path) -> std::io::Result<([u8; 32], u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = blake3::Hasher::new();
    let len = std::io::copy(&mut file, &mut hasher)?;
    Ok((*hasher.finalize().as_bytes(), len))
}

/// The rest of the file from a damaged record: a torn tail when everything from `offset` on
/// (the `already` bytes and what is left in `r`) is zero or shorter than a record, else
/// corruption.
fn torn_or_corrupt<R: Read>(
    r: &mut R,
    already: &[u8],
    offset: u64,
    rem: u64,
    reason: &'static str,
) -> std::io::Result<Damage> {
    let mut all_zero = already.iter().all(|b| *b == 0);
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        all_zero &= buf[..n].iter().all(|b| *b == 0);
    }
    if all_zero || rem < 4 {
        Ok(Damage::Torn {
            offset,
            bytes: rem,
            reason,
        })
    } else {
        Ok(Damage::Corrupt {
            offset,
            detail: "invalid record followed by non-zero bytes".into(),
        })
    }
}

/// Reads (and so hashes) whatever is left.
fn drain<R: Read>(r: &mut R) -> std::io::Result<()> {
    std::io::copy(r, &mut std::io::sink()).map(|_| ())
}

/// A reader that hashes every byte it hands out.
struct HashingReader<R> {
    inner: R,
    hasher: blake3::Hasher,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::testkit::TestFrame;

    fn header() -> SegmentHeader {
        SegmentHeader {
            v: VERSION,
            session_id: "00070-2026-1".into(),
            site: "00070".into(),
            publisher_id: "cam1".into(),
            segment: 1,
            tracks: TrackInfo::audio_video(),
        }
    }

    fn sample() -> (Vec<u8>, Vec<TestFrame>) {
        let frames = vec![
            (TrackKind::Video, true, 0, vec![1, 2, 3]),
            (TrackKind::Audio, false, 0, vec![9; 100]),
            (TrackKind::Audio, false, 20_000, vec![8; 90]),
            (TrackKind::Video, false, 33_333, vec![7; 1000]),
        ];
        let mut bytes = header().encode();
        for (t, k, ts, p) in &frames {
            bytes.extend(encode_record(*t, *k, *ts, p));
        }
        (bytes, frames)
    }

    fn read(bytes: &[u8]) -> (SegmentScan, Vec<TestFrame>) {
        let mut got = Vec::new();
        let s = scan(bytes, bytes.len() as u64, &mut |f| {
            got.push((f.track, f.keyframe, f.ts_us, f.payload.to_vec()));
            Ok(())
        })
        .unwrap();
        (s, got)
    }

    #[test]
    fn round_trip() {
        let (bytes, frames) = sample();
        let (s, got) = read(&bytes);
        assert_eq!(got, frames);
        assert_eq!(s.header, header());
        assert_eq!(
            (s.frames, s.video_keyframes, s.first_ts_us, s.last_ts_us),
            (4, 1, Some(0), Some(33_333))
        );
        assert_eq!(s.valid_len, bytes.len() as u64);
        assert_eq!(s.hash, *blake3::hash(&bytes).as_bytes());
        assert_eq!(s.damage, None);
    }

    #[test]
    fn record_layout_is_pinned() {
        let rec = encode_record(TrackKind::Video, true, 0x0102, &[0xAA, 0xBB]);
        assert_eq!(hex::encode(&rec[..16]), "0000000c01010000000000000102aabb");
        assert_eq!(rec.len(), RECORD_OVERHEAD_BYTES + 2);
        // The check covers the length too.
        let mut h = blake3::Hasher::new();
        h.update(&rec[..16]);
        assert_eq!(&rec[16..], &h.finalize().as_bytes()[..4]);
    }

    #[test]
    fn every_truncation_is_a_torn_tail_never_a_panic() {
        let (bytes, frames) = sample();
        let (full, _) = read(&bytes);
        let header_len = header().encode().len();
        for cut in header_len..bytes.len() {
            let (s, got) = read(&bytes[..cut]);
            assert!(got.len() < frames.len());
            assert_eq!(got[..], frames[..got.len()]);
            assert_eq!(
                s.valid_len
                    + s.damage.as_ref().map_or(0, |d| match d {
                        Damage::Torn { bytes, .. } => *bytes,
                        Damage::Corrupt { .. } => panic!("cut at {cut} reported as corruption"),
                    }),
                cut as u64
            );
            if s.valid_len == cut as u64 {
                assert!(s.damage.is_none());
            }
        }
        assert!(full.damage.is_none());
        for cut in 0..header_len {
            assert!(scan(&bytes[..cut], cut as u64, &mut |_| Ok(())).is_err());
        }
    }

    #[test]
    fn zero_filled_tail_is_torn() {
        let (mut bytes, _) = sample();
        let good = bytes.len() as u64;
        bytes.extend(vec![0u8; 300]);
        let (s, got) = read(&bytes);
        assert_eq!(got.len(), 4);
        assert_eq!(s.valid_len, good);
        assert!(
            matches!(s.damage, Some(Damage::Torn { bytes: 300, .. })),
            "{:?}",
            s.damage
        );
    }

    #[test]
    fn a_flipped_byte_before_the_end_is_corruption() {
        let (bytes, _) = sample();
        let header_len = header().encode().len();
        // Flip a byte of the second record's payload: frames before it are still delivered.
        let second = header_len + RECORD_OVERHEAD_BYTES + 3 + 4 + FRAME_FIXED_BYTES + 5;
        let mut bad = bytes.clone();
        bad[second] ^= 0x40;
        let (s, got) = read(&bad);
        assert_eq!(got.len(), 1);
        assert!(
            matches!(s.damage, Some(Damage::Corrupt { offset, .. }) if offset == (header_len + RECORD_OVERHEAD_BYTES + 3) as u64),
            "{:?}",
            s.damage
        );
        assert_ne!(s.hash, *blake3::hash(&bytes).as_bytes());
        // Every single-byte flip anywhere is noticed one way or another, without panicking.
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x01;
            if let Ok(s) = scan(&bad[..], bad.len() as u64, &mut |_| Ok(())) {
                assert!(
                    s.damage.is_some() || s.header != header(),
                    "flip at {i} unnoticed"
                );
            }
        }
    }

    #[test]
    fn hostile_lengths_are_bounded() {
        let mut bytes = header().encode();
        bytes.extend_from_slice(&u32::MAX.to_be_bytes());
        bytes.extend_from_slice(&[1; 64]);
        let (s, _) = read(&bytes);
        assert!(matches!(s.damage, Some(Damage::Corrupt { .. })));
        let mut big_header = MAGIC.to_vec();
        big_header.extend_from_slice(&u16::MAX.to_be_bytes());
        assert!(matches!(
            scan(&big_header[..], big_header.len() as u64, &mut |_| Ok(())),
            Err(FormatError::HeaderSize(_))
        ));
    }

    #[test]
    fn track_lists_are_checked() {
        assert!(check_tracks(&TrackInfo::audio_video()).is_ok());
        assert!(check_tracks(&[TrackInfo::vp8()]).is_ok());
        assert!(check_tracks(&[]).is_err());
        assert!(check_tracks(&[TrackInfo::opus(), TrackInfo::opus()]).is_err());
        assert!(check_tracks(&[TrackInfo {
            codec: Codec::Vp8,
            ..TrackInfo::opus()
        }])
        .is_err());
        assert!(check_tracks(&[TrackInfo {
            clock_hz: 44_100,
            ..TrackInfo::opus()
        }])
        .is_err());
    }
}
