//! Export of a recording's frame log to a playable WebM (Matroska) file.
//!
//! Owns a minimal WebM muxer ([`WebmMuxer`]) and [`export_webm`], which feeds it every frame of
//! a publisher folder in segment order. The output is: the EBML header (DocType `webm`), one
//! Segment with Info (TimestampScale 1 ms, Duration), Tracks (`A_OPUS` with its `OpusHead`
//! CodecPrivate, `V_VP8` with the size read from the first VP8 keyframe) and Clusters of
//! SimpleBlocks. A cluster starts at each video keyframe (audio that arrived just before the
//! first keyframe stays with it), after 5 s, or when a block's time would not fit the
//! cluster's 16-bit offset. No Cues: players read clusters in order.
//!
//! Why our own muxer: the `webm` crate is a wrapper around the C++ libwebm (a native build),
//! and the pure-Rust Matroska crates are demuxers or generic EBML tag libraries on which the
//! muxing rules above would still have to be written. Writing the handful of elements a WebM
//! with one Opus and one VP8 track needs is about two hundred lines and adds no dependency.
//!
//! Export reads files only and does not check seals: `tiepdan recording verify` does.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use serde::Serialize;

use super::format::{self, Codec, Frame, TrackInfo, TrackKind};
use super::{parse_part_file_name, parse_segment_file_name, RecordingError};

// Element ids (Matroska specification, RFC 9559).
const EBML: u32 = 0x1A45_DFA3;
const EBML_VERSION: u32 = 0x4286;
const EBML_READ_VERSION: u32 = 0x42F7;
const EBML_MAX_ID_LENGTH: u32 = 0x42F2;
const EBML_MAX_SIZE_LENGTH: u32 = 0x42F3;
const DOC_TYPE: u32 = 0x4282;
const DOC_TYPE_VERSION: u32 = 0x4287;
const DOC_TYPE_READ_VERSION: u32 = 0x4285;
const SEGMENT: u32 = 0x1853_8067;
const INFO: u32 = 0x1549_A966;
const TIMESTAMP_SCALE: u32 = 0x2A_D7B1;
const DURATION: u32 = 0x4489;
const MUXING_APP: u32 = 0x4D80;
const WRITING_APP: u32 = 0x5741;
const TRACKS: u32 = 0x1654_AE6B;
const TRACK_ENTRY: u32 = 0xAE;
const TRACK_NUMBER: u32 = 0xD7;
const TRACK_UID: u32 = 0x73C5;
const TRACK_TYPE: u32 = 0x83;
const FLAG_LACING: u32 = 0x9C;
const CODEC_ID: u32 = 0x86;
const CODEC_PRIVATE: u32 = 0x63A2;
const CODEC_DELAY: u32 = 0x56AA;
const SEEK_PRE_ROLL: u32 = 0x56BB;
const AUDIO: u32 = 0xE1;
const SAMPLING_FREQUENCY: u32 = 0xB5;
const CHANNELS: u32 = 0x9F;
const VIDEO: u32 = 0xE0;
const PIXEL_WIDTH: u32 = 0xB0;
const PIXEL_HEIGHT: u32 = 0xBA;
const CLUSTER: u32 = 0x1F43_B675;
const TIMESTAMP: u32 = 0xE7;
const SIMPLE_BLOCK: u32 = 0xA3;

/// An 8-byte size field meaning "unknown", patched once the segment is complete.
const UNKNOWN_SIZE_8: [u8; 8] = [0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
/// A cluster longer than this (in ms) is closed even without a video keyframe.
pub const CLUSTER_DURATION_MS_MAX: u64 = 5_000;
/// A cluster is buffered in memory; past this many bytes it is closed.
pub const CLUSTER_BYTES_MAX: usize = 8 * 1024 * 1024;
/// Frame size used when no VP8 keyframe says otherwise.
pub const DEFAULT_VIDEO_SIZE: (u16, u16) = (640, 480);
/// Opus seek pre-roll recommended by the WebM Opus mapping: 80 ms, in ns.
const OPUS_SEEK_PRE_ROLL_NS: u64 = 80_000_000;

fn id_bytes(id: u32) -> Vec<u8> {
    let b = id.to_be_bytes();
    let skip = b.iter().take_while(|x| **x == 0).count();
    b[skip..].to_vec()
}

/// The shortest EBML variable-size integer for `n` (all-ones patterns are reserved).
fn vint(n: u64) -> Vec<u8> {
    for len in 1..=8u32 {
        if n < (1u64 << (7 * len)) - 1 {
            let marked = n | (1u64 << (7 * len));
            return marked.to_be_bytes()[(8 - len as usize)..].to_vec();
        }
    }
    panic!("element size {n} exceeds 2^56 - 2: bounded by the callers");
}

fn element(id: u32, body: &[u8]) -> Vec<u8> {
    let mut out = id_bytes(id);
    out.extend(vint(body.len() as u64));
    out.extend_from_slice(body);
    out
}

fn uint(id: u32, v: u64) -> Vec<u8> {
    let b = v.to_be_bytes();
    let skip = b.iter().take_while(|x| **x == 0).count().min(7);
    element(id, &b[skip..])
}

fn float(id: u32, v: f64) -> Vec<u8> {
    element(id, &v.to_be_bytes())
}

fn string(id: u32, s: &str) -> Vec<u8> {
    element(id, s.as_bytes())
}

/// Width and height of a VP8 keyframe (RFC 6386 §9.1), or `None` if `payload` is not one.
pub fn vp8_keyframe_size(payload: &[u8]) -> Option<(u16, u16)> {
    if payload.len() < 10 || payload[0] & 0x01 != 0 || payload[3..6] != [0x9D, 0x01, 0x2A] {
        return None;
    }
    let w = u16::from_le_bytes([payload[6], payload[7]]) & 0x3FFF;
    let h = u16::from_le_bytes([payload[8], payload[9]]) & 0x3FFF;
    (w > 0 && h > 0).then_some((w, h))
}

/// The `OpusHead` identification header (RFC 7845 §5.1) that WebM carries as CodecPrivate.
/// Pre-skip is 0: WebRTC packets come from a running encoder, not the start of a stream.
pub fn opus_head(channels: u8) -> Vec<u8> {
    let mut h = b"OpusHead".to_vec();
    h.push(1);
    h.push(channels);
    h.extend_from_slice(&0u16.to_le_bytes());
    h.extend_from_slice(&48_000u32.to_le_bytes());
    h.extend_from_slice(&0i16.to_le_bytes());
    h.push(0);
    h
}

/// What an export wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WebmStats {
    pub audio_frames: u64,
    pub video_frames: u64,
    pub video_keyframes: u64,
    pub clusters: u64,
    pub width: u16,
    pub height: u16,
    pub duration_ms: u64,
    pub bytes: u64,
    /// Segments or frames left out, and why.
    pub warnings: Vec<String>,
}

/// A streaming WebM writer for one Opus and/or one VP8 track.
pub struct WebmMuxer<W: Write + Seek> {
    out: W,
    audio_track: Option<u64>,
    video_track: Option<u64>,
    segment_size_pos: u64,
    segment_data_start: u64,
    duration_pos: u64,
    cluster: Vec<u8>,
    cluster_ts_ms: u64,
    cluster_open: bool,
    /// The open cluster holds a video block: the next video keyframe starts a new cluster.
    cluster_has_video: bool,
    first_ts_ms: Option<u64>,
    last_ts_ms: u64,
    stats: WebmStats,
}

impl<W: Write + Seek> WebmMuxer<W> {
    /// Writes the EBML header, the Segment start, Info and Tracks.
    pub fn new(
        mut out: W,
        tracks: &[TrackInfo],
        video_size: (u16, u16),
    ) -> std::io::Result<WebmMuxer<W>> {
        let start = out.stream_position()?;
        let mut head = element(
            EBML,
            &[
                uint(EBML_VERSION, 1),
                uint(EBML_READ_VERSION, 1),
                uint(EBML_MAX_ID_LENGTH, 4),
                uint(EBML_MAX_SIZE_LENGTH, 8),
                string(DOC_TYPE, "webm"),
                uint(DOC_TYPE_VERSION, 4),
                uint(DOC_TYPE_READ_VERSION, 2),
            ]
            .concat(),
        );
        head.extend(id_bytes(SEGMENT));
        let segment_size_pos = start + head.len() as u64;
        head.extend_from_slice(&UNKNOWN_SIZE_8);
        let segment_data_start = start + head.len() as u64;

        // Info, with Duration as the last child so its position is easy to find for patching.
        let info_children = [
            uint(TIMESTAMP_SCALE, 1_000_000),
            string(MUXING_APP, "tiepdan"),
            string(WRITING_APP, concat!("tiepdan ", env!("CARGO_PKG_VERSION"))),
            float(DURATION, 0.0),
        ]
        .concat();
        let info = element(INFO, &info_children);
        let duration_pos = segment_data_start + info.len() as u64 - 8;
        head.extend(info);

        let mut entries = Vec::new();
        let (mut audio_track, mut video_track) = (None, None);
        for (i, t) in tracks.iter().enumerate() {
            let number = i as u64 + 1;
            let mut e = [
                uint(TRACK_NUMBER, number),
                uint(TRACK_UID, number),
                uint(FLAG_LACING, 0),
            ]
            .concat();
            match (t.kind, t.codec) {
                (TrackKind::Audio, Codec::Opus) => {
                    audio_track = Some(number);
                    e.extend(uint(TRACK_TYPE, 2));
                    e.extend(string(CODEC_ID, "A_OPUS"));
                    e.extend(element(CODEC_PRIVATE, &opus_head(t.channels)));
                    e.extend(uint(CODEC_DELAY, 0));
                    e.extend(uint(SEEK_PRE_ROLL, OPUS_SEEK_PRE_ROLL_NS));
                    e.extend(element(
                        AUDIO,
                        &[
                            float(SAMPLING_FREQUENCY, 48_000.0),
                            uint(CHANNELS, u64::from(t.channels)),
                        ]
                        .concat(),
                    ));
                }
                (TrackKind::Video, Codec::Vp8) => {
                    video_track = Some(number);
                    e.extend(uint(TRACK_TYPE, 1));
                    e.extend(string(CODEC_ID, "V_VP8"));
                    e.extend(element(
                        VIDEO,
                        &[
                            uint(PIXEL_WIDTH, u64::from(video_size.0)),
                            uint(PIXEL_HEIGHT, u64::from(video_size.1)),
                        ]
                        .concat(),
                    ));
                }
                // `check_tracks` admits no other pairs; a track we cannot describe is skipped.
                _ => continue,
            }
            entries.extend(element(TRACK_ENTRY, &e));
        }
        head.extend(element(TRACKS, &entries));
        out.write_all(&head)?;
        Ok(WebmMuxer {
            out,
            audio_track,
            video_track,
            segment_size_pos,
            segment_data_start,
            duration_pos,
            cluster: Vec::new(),
            cluster_ts_ms: 0,
            cluster_open: false,
            cluster_has_video: false,
            first_ts_ms: None,
            last_ts_ms: 0,
            stats: WebmStats {
                width: video_size.0,
                height: video_size.1,
                ..WebmStats::default()
            },
        })
    }

    /// Adds one frame as a SimpleBlock.
    pub fn write_frame(&mut self, frame: &Frame<'_>) -> std::io::Result<()> {
        let track = match frame.track {
            TrackKind::Audio => self.audio_track,
            TrackKind::Video => self.video_track,
        };
        let Some(track) = track else { return Ok(()) };
        let ts_ms = frame.ts_us / 1000;
        let video_key = frame.track == TrackKind::Video && frame.keyframe;
        let rel = ts_ms as i128 - self.cluster_ts_ms as i128;
        let new_cluster = !self.cluster_open
            || (video_key && self.cluster_has_video)
            || rel > CLUSTER_DURATION_MS_MAX as i128
            || rel < i128::from(i16::MIN)
            || self.cluster.len() > CLUSTER_BYTES_MAX;
        if new_cluster {
            self.flush_cluster()?;
            self.cluster_open = true;
            self.cluster_has_video = false;
            self.cluster_ts_ms = ts_ms;
        }
        // In range: a new cluster starts whenever the offset would leave -32768..=5000.
        let rel = (ts_ms as i128 - self.cluster_ts_ms as i128) as i16;
        let mut block = vint(track);
        block.extend_from_slice(&rel.to_be_bytes());
        // Keyframe flag on video keyframes and on every audio frame (each Opus packet decodes alone).
        let key = video_key || frame.track == TrackKind::Audio;
        block.push(if key { 0x80 } else { 0x00 });
        block.extend_from_slice(frame.payload);
        self.cluster.extend(element(SIMPLE_BLOCK, &block));
        match frame.track {
            TrackKind::Audio => self.stats.audio_frames += 1,
            TrackKind::Video => {
                self.cluster_has_video = true;
                self.stats.video_frames += 1;
                self.stats.video_keyframes += u64::from(video_key);
            }
        }
        self.first_ts_ms = Some(self.first_ts_ms.map_or(ts_ms, |f| f.min(ts_ms)));
        self.last_ts_ms = self.last_ts_ms.max(ts_ms);
        Ok(())
    }

    fn flush_cluster(&mut self) -> std::io::Result<()> {
        if !self.cluster_open {
            return Ok(());
        }
        let mut body = uint(TIMESTAMP, self.cluster_ts_ms);
        body.append(&mut self.cluster);
        self.out.write_all(&element(CLUSTER, &body))?;
        self.stats.clusters += 1;
        self.cluster_open = false;
        Ok(())
    }

    /// Writes the last cluster and patches the Segment size and the Duration.
    pub fn finish(mut self) -> std::io::Result<(W, WebmStats)> {
        self.flush_cluster()?;
        let end = self.out.stream_position()?;
        let size = end - self.segment_data_start;
        let mut patched = size.to_be_bytes();
        patched[0] = 0x01;
        self.out.seek(SeekFrom::Start(self.segment_size_pos))?;
        self.out.write_all(&patched)?;
        self.stats.duration_ms = self.first_ts_ms.map_or(0, |f| self.last_ts_ms - f);
        // Frames last ~20-40 ms; counting the last one makes the duration cover it.
        let duration = if self.first_ts_ms.is_some() {
            self.last_ts_ms as f64 + 20.0
        } else {
            0.0
        };
        self.out.seek(SeekFrom::Start(self.duration_pos))?;
        self.out.write_all(&duration.to_be_bytes())?;
        self.out.seek(SeekFrom::Start(end))?;
        self.out.flush()?;
        self.stats.bytes = end;
        Ok((self.out, self.stats))
    }
}

/// The segment files of a publisher folder in recording order: by number, a sealed file before
/// a `.part` of the same number (which then is left out).
fn segment_files(dir: &Path, warnings: &mut Vec<String>) -> Result<Vec<String>, RecordingError> {
    let mut found: Vec<(u32, bool, String)> = Vec::new();
    for e in std::fs::read_dir(dir).map_err(RecordingError::io(dir))? {
        let e = e.map_err(RecordingError::io(dir))?;
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(n) = parse_segment_file_name(&name) {
            found.push((n, false, name));
        } else if let Some(n) = parse_part_file_name(&name) {
            found.push((n, true, name));
        }
        if found.len() > super::index::MAX_SEGMENTS + 1 {
            return Err(RecordingError::Unusable {
                path: dir.display().to_string(),
                detail: "too many segment files".into(),
            });
        }
    }
    found.sort();
    let mut out: Vec<String> = Vec::new();
    let mut last = None;
    for (n, part, name) in found {
        if last == Some(n) {
            warnings.push(crate::language::terminal::say(
                crate::language::Message::new("rec-export-left-out")
                    .arg("file", &name)
                    .arg("segment", n),
            ));
            continue;
        }
        if part {
            warnings.push(crate::language::terminal::say(
                crate::language::Message::new("rec-export-unsealed").arg("file", &name),
            ));
        }
        last = Some(n);
        out.push(name);
    }
    if out.is_empty() {
        return Err(RecordingError::NothingToRead {
            path: dir.display().to_string(),
        });
    }
    Ok(out)
}

/// Writes every frame of the publisher folder `dir` to `out` as WebM.
pub fn export_webm(dir: &Path, out: &Path) -> Result<WebmStats, RecordingError> {
    let mut warnings = Vec::new();
    let files = segment_files(dir, &mut warnings)?;
    let fmt_err = |path: &Path| {
        let p = path.display().to_string();
        move |source| RecordingError::Format { path: p, source }
    };

    // The first readable header decides whose recording this is.
    let Some(header) = files
        .iter()
        .find_map(|n| format::read_header_file(&dir.join(n)).ok())
    else {
        return Err(RecordingError::Unusable {
            path: dir.display().to_string(),
            detail: "no segment has a readable header".into(),
        });
    };
    // The video size comes from the first VP8 keyframe; stop reading once it is found.
    let mut size = None;
    for name in &files {
        let _ = format::scan_file(&dir.join(name), &mut |f| {
            if f.track == TrackKind::Video && f.keyframe {
                size = vp8_keyframe_size(f.payload);
                if size.is_some() {
                    return Err(std::io::Error::other("found"));
                }
            }
            Ok(())
        });
        if size.is_some() {
            break;
        }
    }
    let video_size = match size {
        Some(s) => s,
        None => {
            if header.track(TrackKind::Video).is_some() {
                warnings.push(format!(
                    "no VP8 keyframe found; the video size is written as {}x{}",
                    DEFAULT_VIDEO_SIZE.0, DEFAULT_VIDEO_SIZE.1
                ));
            }
            DEFAULT_VIDEO_SIZE
        }
    };

    let file = File::create(out).map_err(RecordingError::io(out))?;
    let result = (|| {
        let mut mux = WebmMuxer::new(BufWriter::new(file), &header.tracks, video_size)
            .map_err(RecordingError::io(out))?;
        for name in &files {
            let path = dir.join(name);
            let mut write_err = None;
            let scanned = format::scan_file(&path, &mut |f| {
                mux.write_frame(f)
                    .inspect_err(|e| write_err = Some(e.to_string()))
            });
            if let Some(e) = write_err {
                return Err(RecordingError::Io {
                    path: out.display().to_string(),
                    source: std::io::Error::other(e),
                });
            }
            match scanned {
                Ok(s) => {
                    if (
                        &s.header.session_id,
                        &s.header.site,
                        &s.header.publisher_id,
                        &s.header.tracks,
                    ) != (
                        &header.session_id,
                        &header.site,
                        &header.publisher_id,
                        &header.tracks,
                    ) {
                        warnings.push(format!("{name} belongs to another recording: its frames were written but check this folder"));
                    }
                    if let Some(d) = s.damage {
                        warnings.push(crate::language::terminal::say(
                            crate::language::Message::new("rec-export-damaged")
                                .arg("file", name.as_str())
                                .arg("detail", d.to_string()),
                        ));
                    }
                }
                Err(e) => warnings.push(crate::language::terminal::say(
                    crate::language::Message::new("rec-export-unreadable")
                        .arg("file", name.as_str())
                        .arg("detail", fmt_err(&path)(e).to_string()),
                )),
            }
        }
        let (w, stats) = mux.finish().map_err(RecordingError::io(out))?;
        let file = w.into_inner().map_err(|e| RecordingError::Io {
            path: out.display().to_string(),
            source: e.into_error(),
        })?;
        file.sync_all().map_err(RecordingError::io(out))?;
        Ok(stats)
    })();
    match result {
        Ok(mut stats) => {
            stats.warnings = warnings;
            Ok(stats)
        }
        Err(e) => {
            let _ = std::fs::remove_file(out);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::testkit::{media, record, vp8_keyframe};
    use crate::recording::writer::Limits;

    /// A tiny EBML reader: (id, body) of each element in `b`; None on malformed input.
    fn elements(mut b: &[u8]) -> Option<Vec<(u32, &[u8])>> {
        let mut out = Vec::new();
        while !b.is_empty() {
            let id_len = b[0].leading_zeros() as usize + 1;
            if id_len > 4 || b.len() < id_len {
                return None;
            }
            let id = b[..id_len]
                .iter()
                .fold(0u32, |a, x| (a << 8) | u32::from(*x));
            b = &b[id_len..];
            let size_len = b.first()?.leading_zeros() as usize + 1;
            if size_len > 8 || b.len() < size_len {
                return None;
            }
            let mut size = u64::from(b[0]) & (0xFF >> size_len);
            for x in &b[1..size_len] {
                size = (size << 8) | u64::from(*x);
            }
            b = &b[size_len..];
            let size = usize::try_from(size).ok()?;
            if size > b.len() {
                return None;
            }
            out.push((id, &b[..size]));
            b = &b[size..];
        }
        Some(out)
    }

    fn child<'a>(els: &[(u32, &'a [u8])], id: u32) -> &'a [u8] {
        els.iter()
            .find(|(i, _)| *i == id)
            .unwrap_or_else(|| panic!("no element {id:#x}"))
            .1
    }

    fn uint_of(b: &[u8]) -> u64 {
        b.iter().fold(0, |a, x| (a << 8) | u64::from(*x))
    }

    struct Block {
        track: u64,
        ts_ms: i64,
        key: bool,
        payload: Vec<u8>,
    }

    /// A track entry: number, codec id, codec private, video size.
    type TrackRow = (u64, String, Vec<u8>, Option<(u64, u64)>);

    /// Parses a whole file: doc type, tracks, blocks, cluster timestamps and duration.
    fn parse(file: &[u8]) -> (String, Vec<TrackRow>, Vec<Block>, Vec<u64>, f64) {
        let top = elements(file).expect("well-formed EBML");
        assert_eq!(top.len(), 2, "EBML header and one Segment");
        let header = elements(child(&top, EBML)).unwrap();
        let doc_type = String::from_utf8(child(&header, DOC_TYPE).to_vec()).unwrap();
        let segment = elements(child(&top, SEGMENT)).expect("segment size patched and exact");
        let info = elements(child(&segment, INFO)).unwrap();
        assert_eq!(uint_of(child(&info, TIMESTAMP_SCALE)), 1_000_000);
        let duration = f64::from_be_bytes(child(&info, DURATION).try_into().unwrap());
        let mut tracks = Vec::new();
        for (id, e) in elements(child(&segment, TRACKS)).unwrap() {
            assert_eq!(id, TRACK_ENTRY);
            let e = elements(e).unwrap();
            let codec = String::from_utf8(child(&e, CODEC_ID).to_vec()).unwrap();
            let private = e
                .iter()
                .find(|(i, _)| *i == CODEC_PRIVATE)
                .map(|(_, b)| b.to_vec())
                .unwrap_or_default();
            let size = e.iter().find(|(i, _)| *i == VIDEO).map(|(_, v)| {
                let v = elements(v).unwrap();
                (
                    uint_of(child(&v, PIXEL_WIDTH)),
                    uint_of(child(&v, PIXEL_HEIGHT)),
                )
            });
            tracks.push((uint_of(child(&e, TRACK_NUMBER)), codec, private, size));
        }
        let mut blocks = Vec::new();
        let mut cluster_ts = Vec::new();
        for (id, c) in &segment {
            if *id != CLUSTER {
                continue;
            }
            let c = elements(c).unwrap();
            let base = uint_of(child(&c, TIMESTAMP));
            cluster_ts.push(base);
            for (id, b) in c {
                if id == SIMPLE_BLOCK {
                    assert_eq!(b[0] & 0x80, 0x80, "one-byte track number");
                    let rel = i16::from_be_bytes([b[1], b[2]]);
                    blocks.push(Block {
                        track: u64::from(b[0] & 0x7F),
                        ts_ms: base as i64 + i64::from(rel),
                        key: b[3] & 0x80 != 0,
                        payload: b[4..].to_vec(),
                    });
                }
            }
        }
        (doc_type, tracks, blocks, cluster_ts, duration)
    }

    #[test]
    fn vints_and_vp8_sizes() {
        assert_eq!(vint(0), [0x80]);
        assert_eq!(vint(126), [0xFE]);
        assert_eq!(vint(127), [0x40, 0x7F]);
        assert_eq!(vint(16_382), [0x7F, 0xFE]);
        assert_eq!(vint(16_383), [0x20, 0x3F, 0xFF]);
        assert_eq!(id_bytes(EBML), [0x1A, 0x45, 0xDF, 0xA3]);
        assert_eq!(uint(TRACK_NUMBER, 0), [0xD7, 0x81, 0x00]);
        assert_eq!(
            vp8_keyframe_size(&vp8_keyframe(1280, 720, 50)),
            Some((1280, 720))
        );
        assert_eq!(
            vp8_keyframe_size(&[0x31, 0, 0, 0x9D, 1, 0x2A, 0, 5, 0, 5]),
            None
        );
        assert_eq!(vp8_keyframe_size(&[0x10, 0, 0]), None);
        assert_eq!(opus_head(2).len(), 19);
    }

    #[test]
    fn exported_webm_parses_back_to_the_frames() {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, frames) = record(tmp.path(), "cam1", 12, Limits::default());
        let out = tmp.path().join("out.webm");
        let stats = export_webm(&dir, &out).unwrap();
        assert!(stats.warnings.is_empty(), "{:?}", stats.warnings);
        let bytes = std::fs::read(&out).unwrap();
        assert_eq!(bytes[..4], [0x1A, 0x45, 0xDF, 0xA3]);
        let (doc_type, tracks, blocks, cluster_ts, duration) = parse(&bytes);
        assert_eq!(doc_type, "webm");
        assert_eq!(tracks.len(), 2);
        assert_eq!((tracks[0].0, tracks[0].1.as_str()), (1, "A_OPUS"));
        assert_eq!(&tracks[0].2[..8], b"OpusHead");
        assert_eq!(tracks[0].2[9], 2, "stereo");
        assert_eq!(
            (tracks[1].0, tracks[1].1.as_str(), tracks[1].3),
            (2, "V_VP8", Some((640, 360)))
        );

        // One SimpleBlock per frame, in order, with its time, track and keyframe flag.
        assert_eq!(blocks.len(), frames.len());
        for (b, (track, key, ts, payload)) in blocks.iter().zip(&frames) {
            assert_eq!(b.track, if *track == TrackKind::Audio { 1 } else { 2 });
            assert_eq!(b.ts_ms, (*ts / 1000) as i64);
            assert_eq!(&b.payload, payload);
            if *track == TrackKind::Video {
                assert_eq!(b.key, *key);
            }
        }
        let video_keys = blocks.iter().filter(|b| b.track == 2 && b.key).count();
        assert_eq!(video_keys, frames.iter().filter(|f| f.1).count());
        assert_eq!(stats.video_keyframes as usize, video_keys);
        // Clusters start at video keyframes (every 2 s here).
        assert_eq!(cluster_ts, (0..6).map(|i| i * 2000).collect::<Vec<u64>>());
        assert!((duration - 11_980.0 - 20.0).abs() < 1e-9, "{duration}");
        assert_eq!(stats.clusters, 6);
    }

    #[test]
    fn clusters_split_without_keyframes_and_tolerate_small_reordering() {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut mux = WebmMuxer::new(&mut out, &[TrackInfo::opus()], DEFAULT_VIDEO_SIZE).unwrap();
        let payload = [0xFC, 1, 2];
        // 12 s of audio, one frame 40 ms late (an earlier timestamp after a later one).
        let mut ts: Vec<u64> = (0..600).map(|i| i * 20_000).collect();
        ts.swap(100, 102);
        for t in &ts {
            mux.write_frame(&Frame {
                track: TrackKind::Audio,
                keyframe: false,
                ts_us: *t,
                payload: &payload,
            })
            .unwrap();
        }
        // Video frames for a track that is not there are ignored.
        mux.write_frame(&Frame {
            track: TrackKind::Video,
            keyframe: true,
            ts_us: 0,
            payload: &payload,
        })
        .unwrap();
        let (_, stats) = mux.finish().unwrap();
        let (_, tracks, blocks, clusters, _) = parse(out.get_ref());
        assert_eq!(tracks.len(), 1);
        assert_eq!(blocks.len(), 600);
        assert_eq!(stats.audio_frames, 600);
        assert!(blocks.iter().all(|b| b.key), "audio blocks are keyframes");
        assert_eq!(
            blocks.iter().map(|b| b.ts_ms as u64).collect::<Vec<_>>(),
            ts.iter().map(|t| t / 1000).collect::<Vec<_>>()
        );
        assert!(
            clusters.len() >= 2
                && clusters
                    .windows(2)
                    .all(|w| w[1] - w[0] <= CLUSTER_DURATION_MS_MAX + 20),
            "{clusters:?}"
        );
    }

    #[test]
    fn export_of_a_crashed_recording_includes_the_part() {
        let tmp = tempfile::tempdir().unwrap();
        let mut w = crate::recording::writer::RecordingWriter::create(
            tmp.path(),
            crate::recording::testkit::SESSION,
            "VN",
            "cam1",
            &TrackInfo::audio_video(),
            crate::recording::testkit::signer(),
            Limits::default(),
        )
        .unwrap();
        let frames = media(4);
        for (t, k, ts, p) in &frames {
            w.write_frame(*t, *ts, *k, p).unwrap();
        }
        let dir = w.dir().to_path_buf();
        drop(w);
        let out = tmp.path().join("out.webm");
        let stats = export_webm(&dir, &out).unwrap();
        assert_eq!(
            (stats.audio_frames + stats.video_frames) as usize,
            frames.len()
        );
        assert!(
            stats
                .warnings
                .iter()
                .any(|w| w.contains("unsealed") || w.contains("chưa niêm phong")),
            "{:?}",
            stats.warnings
        );
        let (_, _, blocks, _, _) = parse(&std::fs::read(&out).unwrap());
        assert_eq!(blocks.len(), frames.len());
        assert!(matches!(
            export_webm(tmp.path(), &out),
            Err(RecordingError::NothingToRead { .. })
        ));
    }
}
