//! [`RecordingWriter`]: what the media code calls to record one publisher.
//!
//! Owns the life of a recording folder: opening segments, appending one record per frame (one
//! `write` each, so a crash tears at most the last record), sealing a segment when it reaches
//! the [`Limits`] (fsync, rename from `.part`, chain step, re-signed index), and resuming after
//! a crash. A crash therefore loses nothing that was sealed and at most the torn last record of
//! the open segment, whose `.part` file stays readable and is sealed on resume.
//!
//! Rotation follows frame timestamps, not the wall clock, so it is deterministic; a caller
//! whose publisher goes quiet can seal the open segment with [`RecordingWriter::seal_segment`].

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::format::{
    self, check_tracks, encode_record, SegmentHeader, TrackInfo, TrackKind, MAX_FRAME_BYTES,
    RECORD_OVERHEAD_BYTES,
};
use super::index::{
    chain_head, chain_step, IndexBody, SegmentEntry, SignedIndex, Signer, INDEX_VERSION,
    MAX_SEGMENTS,
};
use super::{
    check_id, check_site, parse_part_file_name, parse_segment_file_name, publisher_dir,
    segment_file_name, sync_dir, RecordingError, INDEX_FILE, PART_SUFFIX,
};

/// When a segment is sealed and the next one starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Seal once the segment spans this many µs of frame timestamps.
    pub segment_duration_us_max: u64,
    /// Seal before a frame would make the segment file longer than this.
    pub segment_bytes_max: u64,
}

impl Default for Limits {
    /// 10 seconds or 8 MiB, whichever comes first.
    fn default() -> Limits {
        Limits {
            segment_duration_us_max: 10_000_000,
            segment_bytes_max: 8 * 1024 * 1024,
        }
    }
}

impl Limits {
    /// Shortest segment duration accepted (smaller would mean a segment per frame).
    pub const DURATION_US_MIN: u64 = 100_000;
    /// Longest: an hour.
    pub const DURATION_US_MAX: u64 = 3_600_000_000;
    /// Smallest segment size accepted.
    pub const BYTES_MIN: u64 = 64 * 1024;
    /// Largest: 256 MiB.
    pub const BYTES_MAX: u64 = 256 * 1024 * 1024;

    fn check(&self) -> Result<(), RecordingError> {
        let bad = RecordingError::BadLimits;
        if !(Self::DURATION_US_MIN..=Self::DURATION_US_MAX).contains(&self.segment_duration_us_max)
        {
            return Err(bad("the duration must be between 0.1 s and 1 hour"));
        }
        if !(Self::BYTES_MIN..=Self::BYTES_MAX).contains(&self.segment_bytes_max) {
            return Err(bad("the size must be between 64 KiB and 256 MiB"));
        }
        Ok(())
    }
}

/// The segment being written.
struct OpenSegment {
    file: File,
    part_path: PathBuf,
    segment: u32,
    hasher: blake3::Hasher,
    /// Bytes durably appended so far (the file is truncated back to this after a failed write).
    bytes: u64,
    frames: u64,
    first_ts_us: u64,
    last_ts_us: u64,
    /// A write failed: the file may hold a partial record past `bytes`.
    dirty: bool,
}

/// Records one publisher of one session at this site.
pub struct RecordingWriter {
    dir: PathBuf,
    signer: Signer,
    limits: Limits,
    session_id: String,
    publisher_id: String,
    tracks: Vec<TrackInfo>,
    segments: Vec<SegmentEntry>,
    chain_head: [u8; 32],
    open: Option<OpenSegment>,
    /// Added to caller timestamps: 0 for a new recording, just past the last recorded frame
    /// for a resumed one, so the timeline never goes back.
    ts_base_us: u64,
    /// The index as last signed; set by `create` before it returns.
    index: Option<SignedIndex>,
}

impl std::fmt::Debug for RecordingWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordingWriter")
            .field("dir", &self.dir)
            .field("segments", &self.segments.len())
            .finish()
    }
}

impl RecordingWriter {
    /// Starts (or, after a crash, resumes) the recording of `publisher_id` in session
    /// `session_id` at `DATA/recordings/<session_id>/<site>/<publisher_id>/`, `root` being the
    /// data folder. The signer must be `site`'s. On resume a leftover `.part` is truncated
    /// after its last complete record and sealed, and later timestamps continue after the last
    /// recorded frame. A closed recording cannot be resumed.
    pub fn create(
        root: &Path,
        session_id: &str,
        site: &str,
        publisher_id: &str,
        tracks: &[TrackInfo],
        signer: Signer,
        limits: Limits,
    ) -> Result<RecordingWriter, RecordingError> {
        check_id("session id", session_id)?;
        check_site(site)?;
        check_id("publisher id", publisher_id)?;
        check_tracks(tracks).map_err(RecordingError::BadTracks)?;
        limits.check()?;
        if signer.site() != site {
            return Err(RecordingError::SignerMismatch {
                detail: format!(
                    "the signer is site {}, the recording is site {site}'s",
                    signer.site()
                ),
            });
        }
        let dir = publisher_dir(root, session_id, site, publisher_id)?;
        let fresh = !dir.exists();
        std::fs::create_dir_all(&dir).map_err(RecordingError::io(&dir))?;
        if fresh {
            // Make the new folders themselves durable.
            let mut d = dir.as_path();
            while let Some(parent) = d.parent() {
                sync_dir(parent)?;
                if parent == root {
                    break;
                }
                d = parent;
            }
        }
        let chain_head = chain_head(session_id, site, publisher_id, &[]);
        let mut w = RecordingWriter {
            dir,
            signer,
            limits,
            session_id: session_id.to_owned(),
            publisher_id: publisher_id.to_owned(),
            tracks: tracks.to_vec(),
            segments: Vec::new(),
            chain_head,
            open: None,
            ts_base_us: 0,
            index: None,
        };
        w.resume()?;
        w.publish_index(false)?;
        Ok(w)
    }

    /// Appends one frame. `ts_us` counts µs since the recording started; `keyframe` marks a
    /// video keyframe. Seals the open segment first when the frame would pass the limits.
    pub fn write_frame(
        &mut self,
        track: TrackKind,
        ts_us: u64,
        keyframe: bool,
        payload: &[u8],
    ) -> Result<(), RecordingError> {
        if payload.is_empty() {
            return Err(RecordingError::EmptyFrame);
        }
        if payload.len() > MAX_FRAME_BYTES {
            return Err(RecordingError::FrameTooLarge {
                len: payload.len(),
                max: MAX_FRAME_BYTES,
            });
        }
        if !self.tracks.iter().any(|t| t.kind == track) {
            return Err(RecordingError::UndeclaredTrack(track));
        }
        let ts = self.ts_base_us.saturating_add(ts_us);
        let record_len = (RECORD_OVERHEAD_BYTES + payload.len()) as u64;
        if let Some(open) = &self.open {
            let too_long =
                ts.saturating_sub(open.first_ts_us) >= self.limits.segment_duration_us_max;
            let too_big = open.bytes + record_len > self.limits.segment_bytes_max;
            if (too_long || too_big) && open.frames > 0 {
                self.seal_segment()?;
            }
        }
        if self.open.is_none() {
            self.open_segment()?;
        }
        // Opened just above.
        let open = self.open.as_mut().expect("a segment is open");
        if open.dirty {
            // A previous write failed part-way: cut the partial record off before appending.
            open.file
                .set_len(open.bytes)
                .map_err(RecordingError::io(&open.part_path))?;
            open.dirty = false;
        }
        let record = encode_record(track, keyframe && track == TrackKind::Video, ts, payload);
        if let Err(e) = open.file.write_all(&record).and_then(|_| open.file.flush()) {
            open.dirty = true;
            return Err(RecordingError::Io {
                path: open.part_path.display().to_string(),
                source: e,
            });
        }
        open.hasher.update(&record);
        open.bytes += record_len;
        if open.frames == 0 {
            open.first_ts_us = ts;
            open.last_ts_us = ts;
        }
        open.frames += 1;
        open.first_ts_us = open.first_ts_us.min(ts);
        open.last_ts_us = open.last_ts_us.max(ts);
        Ok(())
    }

    /// Seals the open segment now (if it holds frames): fsync, rename, chain, re-signed index.
    pub fn seal_segment(&mut self) -> Result<(), RecordingError> {
        let Some(open) = self.open.take() else {
            return Ok(());
        };
        if open.dirty {
            open.file
                .set_len(open.bytes)
                .map_err(RecordingError::io(&open.part_path))?;
            // The hasher never saw the partial record.
        }
        open.file
            .sync_all()
            .map_err(RecordingError::io(&open.part_path))?;
        drop(open.file);
        if open.frames == 0 {
            std::fs::remove_file(&open.part_path).map_err(RecordingError::io(&open.part_path))?;
            return Ok(());
        }
        let entry = SegmentEntry {
            file: segment_file_name(open.segment),
            segment: open.segment,
            hash: *open.hasher.finalize().as_bytes(),
            first_ts_us: open.first_ts_us,
            last_ts_us: open.last_ts_us,
            frames: open.frames,
            bytes: open.bytes,
        };
        let path = self.dir.join(&entry.file);
        std::fs::rename(&open.part_path, &path).map_err(RecordingError::io(&path))?;
        sync_dir(&self.dir)?;
        self.adopt(entry);
        self.publish_index(false).map(|_| ())
    }

    /// Seals the open segment and signs the final index, marked complete.
    pub fn close(mut self) -> Result<SignedIndex, RecordingError> {
        self.seal_segment()?;
        self.publish_index(true)
    }

    /// The index as last signed (after creation and after every sealed segment).
    pub fn index(&self) -> &SignedIndex {
        // `create` publishes the first index before it returns the writer.
        self.index
            .as_ref()
            .expect("the index is published in create")
    }

    /// This recording's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn adopt(&mut self, entry: SegmentEntry) {
        self.chain_head = chain_step(&self.chain_head, &entry);
        self.segments.push(entry);
    }

    fn header(&self, segment: u32) -> SegmentHeader {
        SegmentHeader {
            v: format::VERSION,
            session_id: self.session_id.clone(),
            site: self.signer.site().to_owned(),
            publisher_id: self.publisher_id.clone(),
            segment,
            tracks: self.tracks.clone(),
        }
    }

    fn open_segment(&mut self) -> Result<(), RecordingError> {
        if self.segments.len() >= MAX_SEGMENTS {
            return Err(RecordingError::TooManySegments { max: MAX_SEGMENTS });
        }
        // Bounded by MAX_SEGMENTS.
        let segment = self.segments.len() as u32 + 1;
        let part_path = self
            .dir
            .join(format!("{}{PART_SUFFIX}", segment_file_name(segment)));
        let mut file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&part_path)
            .map_err(RecordingError::io(&part_path))?;
        let header = self.header(segment).encode();
        file.write_all(&header)
            .map_err(RecordingError::io(&part_path))?;
        // The new file's name must survive a crash too, or its frames would be lost with it.
        sync_dir(&self.dir)?;
        let mut hasher = blake3::Hasher::new();
        hasher.update(&header);
        self.open = Some(OpenSegment {
            file,
            part_path,
            segment,
            hasher,
            bytes: header.len() as u64,
            frames: 0,
            first_ts_us: 0,
            last_ts_us: 0,
            dirty: false,
        });
        Ok(())
    }

    fn publish_index(&mut self, complete: bool) -> Result<SignedIndex, RecordingError> {
        let body = IndexBody {
            v: INDEX_VERSION,
            session_id: self.session_id.clone(),
            site: self.signer.site().to_owned(),
            publisher_id: self.publisher_id.clone(),
            tracks: self.tracks.clone(),
            segments: self.segments.clone(),
            chain_head: self.chain_head,
            complete,
            signed_at_s: unix_now_s(),
        };
        let index = SignedIndex::sign(&body, &self.signer);
        index.write_atomic(&self.dir)?;
        self.index = Some(index.clone());
        Ok(index)
    }

    /// Picks up what a previous run of this recording left: the signed index, a segment sealed
    /// just before the crash but not yet in the index, and the open `.part`.
    fn resume(&mut self) -> Result<(), RecordingError> {
        let dir = self.dir.clone();
        let unusable = |detail: String| RecordingError::Unusable {
            path: dir.display().to_string(),
            detail,
        };
        let mut names = Vec::new();
        for e in std::fs::read_dir(&dir).map_err(RecordingError::io(&dir))? {
            let e = e.map_err(RecordingError::io(&dir))?;
            names.push(e.file_name().to_string_lossy().into_owned());
            if names.len() > MAX_SEGMENTS + 8 {
                return Err(unusable("too many files in the recording folder".into()));
            }
        }
        names.sort();
        let tmp = format!("{INDEX_FILE}.tmp");
        if names.contains(&tmp) {
            // A crash while writing the index: the previous index.cbor (if any) is intact.
            let p = dir.join(&tmp);
            std::fs::remove_file(&p).map_err(RecordingError::io(&p))?;
            names.retain(|n| *n != tmp);
        }
        if names.is_empty() {
            return Ok(());
        }
        if !names.iter().any(|n| n == INDEX_FILE) {
            return Err(RecordingError::NotOurs {
                path: dir.display().to_string(),
                what: "this publisher (there is no index.cbor)".into(),
            });
        }
        let index = SignedIndex::read(&dir)?;
        let index_err = |source| RecordingError::Index {
            path: dir.join(INDEX_FILE).display().to_string(),
            source,
        };
        index.check_signature().map_err(index_err)?;
        let body = index.body();
        if index.file().signer_key != self.signer.public_key() {
            return Err(unusable(
                "the existing index was signed with another key; this site cannot continue it"
                    .into(),
            ));
        }
        if body.session_id != self.session_id
            || body.site != self.signer.site()
            || body.publisher_id != self.publisher_id
            || body.tracks != self.tracks
        {
            return Err(unusable(
                "the existing recording is of another session, publisher or track list".into(),
            ));
        }
        if body.complete {
            return Err(unusable(
                "this recording was closed and sealed; record again under a new publisher id"
                    .into(),
            ));
        }
        for e in &body.segments {
            let len = std::fs::metadata(dir.join(&e.file)).map(|m| m.len()).ok();
            if len != Some(e.bytes) {
                return Err(unusable(format!("{} is missing or has the wrong length; run `tiepdan recording verify` on this folder", e.file)));
            }
        }
        for e in body.segments.clone() {
            self.adopt(e);
        }
        let mut next = self.segments.len() as u32 + 1;
        for name in &names {
            if name == INDEX_FILE || parse_segment_file_name(name).is_some_and(|n| n < next) {
                continue;
            }
            let sealed = parse_segment_file_name(name);
            let part = parse_part_file_name(name);
            if sealed != Some(next) && part != Some(next) {
                return Err(RecordingError::NotOurs {
                    path: dir.join(name).display().to_string(),
                    what: format!("this publisher's segment {next}"),
                });
            }
            let path = dir.join(name);
            let path_str = path.display().to_string();
            let scanned = format::scan_file(&path, &mut |_| Ok(())).map_err(|source| {
                RecordingError::Format {
                    path: path_str.clone(),
                    source,
                }
            })?;
            if scanned.header != self.header(next) {
                return Err(RecordingError::NotOurs {
                    path: path_str,
                    what: format!("this publisher's segment {next}"),
                });
            }
            if sealed.is_some() && scanned.damage.is_some() {
                // Sealed files were fsync'd before their rename: damage here is not a crash.
                return Err(unusable(format!(
                    "{name} is damaged ({}); run `tiepdan recording verify`",
                    scanned.damage.map(|d| d.to_string()).unwrap_or_default()
                )));
            }
            if let Some(format::Damage::Corrupt { .. }) = scanned.damage {
                return Err(unusable(format!(
                    "{name} is corrupt before its end ({}); it is kept as it is",
                    scanned.damage.map(|d| d.to_string()).unwrap_or_default()
                )));
            }
            if scanned.frames == 0 {
                std::fs::remove_file(&path).map_err(RecordingError::io(&path))?;
                continue;
            }
            let (hash, bytes) = if scanned.damage.is_some() {
                // Cut the torn record off, then hash exactly what stays.
                let f = OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .map_err(RecordingError::io(&path))?;
                f.set_len(scanned.valid_len)
                    .and_then(|_| f.sync_all())
                    .map_err(RecordingError::io(&path))?;
                format::hash_file(&path).map_err(RecordingError::io(&path))?
            } else {
                if part.is_some() {
                    File::open(&path)
                        .and_then(|f| f.sync_all())
                        .map_err(RecordingError::io(&path))?;
                }
                (scanned.hash, scanned.file_len)
            };
            let entry = SegmentEntry {
                file: segment_file_name(next),
                segment: next,
                hash,
                // A segment with frames has timestamps.
                first_ts_us: scanned.first_ts_us.unwrap_or(0),
                last_ts_us: scanned.last_ts_us.unwrap_or(0),
                frames: scanned.frames,
                bytes,
            };
            if part.is_some() {
                let final_path = dir.join(&entry.file);
                std::fs::rename(&path, &final_path).map_err(RecordingError::io(&final_path))?;
                sync_dir(&dir)?;
            }
            self.adopt(entry);
            next += 1;
        }
        self.ts_base_us = self
            .segments
            .iter()
            .map(|s| s.last_ts_us + 1)
            .max()
            .unwrap_or(0);
        Ok(())
    }
}

fn unix_now_s() -> u64 {
    // Before 1970 only on a broken clock; the index then says 0 and verification shows it.
    crate::site::clock::unix_now()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::testkit::{media, read_all, record, signer, test_signer_pair, SESSION};
    use crate::recording::verify::verify_publisher;

    fn writer(root: &Path, publisher: &str, limits: Limits) -> RecordingWriter {
        RecordingWriter::create(
            root,
            SESSION,
            "VN",
            publisher,
            &TrackInfo::audio_video(),
            signer(),
            limits,
        )
        .unwrap()
    }

    fn files(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn round_trip_with_rotation_by_time() {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, frames) = record(tmp.path(), "cam1", 25, Limits::default());
        assert_eq!(
            dir,
            tmp.path()
                .join("recordings")
                .join(SESSION)
                .join("VN")
                .join("cam1")
        );
        assert_eq!(
            files(&dir),
            [
                "index.cbor",
                "seg-000001.tdrec",
                "seg-000002.tdrec",
                "seg-000003.tdrec"
            ]
        );
        assert_eq!(read_all(&dir), frames);
        let index = SignedIndex::read(&dir).unwrap();
        index.check_signature().unwrap();
        let body = index.body();
        assert!(body.complete);
        assert_eq!(
            body.segments.iter().map(|s| s.frames).sum::<u64>(),
            frames.len() as u64
        );
        // Each segment spans less than the 10 s limit, and they follow each other.
        for s in &body.segments {
            assert!(s.last_ts_us - s.first_ts_us < 10_000_000, "{s:?}");
        }
        assert_eq!(body.segments[1].first_ts_us, 10_000_000);
        let report = verify_publisher(&dir, None);
        assert!(report.is_intact(), "{:?}", report.problems);
        assert_eq!(report.frames, frames.len() as u64);
    }

    #[test]
    fn rotation_by_size_keeps_segments_under_the_limit() {
        let tmp = tempfile::tempdir().unwrap();
        let limits = Limits {
            segment_bytes_max: Limits::BYTES_MIN,
            segment_duration_us_max: Limits::DURATION_US_MAX,
        };
        let (dir, frames) = record(tmp.path(), "cam1", 20, limits);
        let body = SignedIndex::read(&dir).unwrap().body().clone();
        assert!(body.segments.len() >= 3, "{} segments", body.segments.len());
        for s in &body.segments {
            assert!(s.bytes <= Limits::BYTES_MIN, "{s:?}");
            assert_eq!(std::fs::metadata(dir.join(&s.file)).unwrap().len(), s.bytes);
        }
        assert_eq!(read_all(&dir), frames);
    }

    #[test]
    fn index_is_signed_after_every_sealed_segment() {
        let tmp = tempfile::tempdir().unwrap();
        let mut w = writer(tmp.path(), "cam1", Limits::default());
        // Signed right away, with no segment yet.
        assert_eq!(SignedIndex::read(w.dir()).unwrap().body().segments.len(), 0);
        let mut ids = vec![w.index().index_id()];
        for (t, k, ts, p) in media(21) {
            w.write_frame(t, ts, k, &p).unwrap();
            let on_disk = SignedIndex::read(w.dir()).unwrap();
            assert_eq!(on_disk.bytes(), w.index().bytes());
            if *ids.last().unwrap() != on_disk.index_id() {
                ids.push(on_disk.index_id());
            }
        }
        // Sealing segments 1 and 2 re-signed the index twice.
        assert_eq!(ids.len(), 3);
        let closed = w.close().unwrap();
        assert_eq!(closed.body().segments.len(), 3);
        assert_eq!(
            closed.index_id(),
            *blake3::hash(
                &std::fs::read(
                    tmp.path()
                        .join("recordings")
                        .join(SESSION)
                        .join("VN")
                        .join("cam1")
                        .join("index.cbor")
                )
                .unwrap()
            )
            .as_bytes()
        );
    }

    #[test]
    fn a_crash_loses_at_most_the_torn_record_and_resume_seals_the_part() {
        let tmp = tempfile::tempdir().unwrap();
        let mut w = writer(tmp.path(), "cam1", Limits::default());
        let frames = media(15);
        for (t, k, ts, p) in &frames {
            w.write_frame(*t, *ts, *k, p).unwrap();
        }
        let dir = w.dir().to_path_buf();
        // The process dies: no close. Then the disk holds half of one more record.
        drop(w);
        let part = dir.join("seg-000002.tdrec.part");
        let mut torn = format::encode_record(TrackKind::Audio, false, 15_000_000, &[1; 50]);
        torn.truncate(30);
        OpenOptions::new()
            .append(true)
            .open(&part)
            .unwrap()
            .write_all(&torn)
            .unwrap();

        // Before resuming: what is sealed verifies, the part is readable and its tail reported.
        let report = verify_publisher(&dir, None);
        assert!(report.is_intact(), "{:?}", report.problems);
        assert!(
            report
                .notes
                .iter()
                .any(|n| n.to_string().contains("seg-000002.tdrec.part")
                    && n.to_string().contains("torn tail")),
            "{:?}",
            report.notes
        );
        assert_eq!(read_all(&dir), frames);

        // Resume: the part is truncated, sealed, and recording continues after the last frame.
        let mut w = writer(tmp.path(), "cam1", Limits::default());
        assert_eq!(w.index().body().segments.len(), 2);
        let more = media(3);
        for (t, k, ts, p) in &more {
            w.write_frame(*t, *ts, *k, p).unwrap();
        }
        let index = w.close().unwrap();
        assert!(index.body().complete);
        let all = read_all(&dir);
        assert_eq!(all.len(), frames.len() + more.len());
        assert_eq!(all[..frames.len()], frames[..]);
        let last_before = frames.iter().map(|f| f.2).max().unwrap();
        assert!(all[frames.len()..].iter().all(|f| f.2 > last_before));
        let report = verify_publisher(&dir, None);
        assert!(
            report.is_intact()
                && report
                    .notes
                    .iter()
                    .all(|n| !n.to_string().contains("incomplete")),
            "{report:?}"
        );

        // A closed recording is not reopened.
        let again = RecordingWriter::create(
            tmp.path(),
            SESSION,
            "VN",
            "cam1",
            &TrackInfo::audio_video(),
            signer(),
            Limits::default(),
        );
        assert!(
            matches!(again, Err(RecordingError::Unusable { .. })),
            "{again:?}"
        );
    }

    #[test]
    fn a_crash_between_rename_and_index_is_picked_up() {
        let tmp = tempfile::tempdir().unwrap();
        let mut w = writer(tmp.path(), "cam1", Limits::default());
        let frames = media(12);
        for (t, k, ts, p) in &frames {
            w.write_frame(*t, *ts, *k, p).unwrap();
        }
        let dir = w.dir().to_path_buf();
        let index_one = std::fs::read(dir.join("index.cbor")).unwrap();
        w.seal_segment().unwrap();
        drop(w);
        // The index update of segment 2 never reached the disk.
        std::fs::write(dir.join("index.cbor"), &index_one).unwrap();
        let report = verify_publisher(&dir, None);
        assert!(report.is_intact(), "{:?}", report.problems);
        assert!(
            report
                .notes
                .iter()
                .any(|n| n.to_string().contains("seg-000002.tdrec was sealed after")),
            "{:?}",
            report.notes
        );

        let w = writer(tmp.path(), "cam1", Limits::default());
        assert_eq!(w.index().body().segments.len(), 2);
        w.close().unwrap();
        assert!(verify_publisher(&dir, None).is_intact());
        assert_eq!(read_all(&dir), frames);
    }

    #[test]
    fn bad_input_is_refused_without_damage() {
        let tmp = tempfile::tempdir().unwrap();
        let mut w = RecordingWriter::create(
            tmp.path(),
            SESSION,
            "VN",
            "mic",
            &[format::TrackInfo::opus()],
            signer(),
            Limits::default(),
        )
        .unwrap();
        assert!(matches!(
            w.write_frame(TrackKind::Audio, 0, false, &[]),
            Err(RecordingError::EmptyFrame)
        ));
        let big = vec![0; MAX_FRAME_BYTES + 1];
        assert!(matches!(
            w.write_frame(TrackKind::Audio, 0, false, &big),
            Err(RecordingError::FrameTooLarge { .. })
        ));
        assert!(matches!(
            w.write_frame(TrackKind::Video, 0, true, &[1]),
            Err(RecordingError::UndeclaredTrack(TrackKind::Video))
        ));
        w.write_frame(TrackKind::Audio, 0, false, &[1, 2]).unwrap();
        let dir = w.dir().to_path_buf();
        w.close().unwrap();
        assert!(verify_publisher(&dir, None).is_intact());

        for (session, site, publisher) in [
            ("../x", "VN", "p"),
            ("s", "V/N", "p"),
            ("s", "VN", ".p"),
            ("s", "VN", ""),
        ] {
            let r = RecordingWriter::create(
                tmp.path(),
                session,
                site,
                publisher,
                &TrackInfo::audio_video(),
                signer(),
                Limits::default(),
            );
            assert!(
                matches!(r, Err(RecordingError::InvalidId { .. })),
                "{session} {site} {publisher}"
            );
        }
        // Another site's signer, a signer whose chain is not its key's, silly limits.
        let r = RecordingWriter::create(
            tmp.path(),
            SESSION,
            "01",
            "p",
            &TrackInfo::audio_video(),
            signer(),
            Limits::default(),
        );
        assert!(matches!(r, Err(RecordingError::SignerMismatch { .. })));
        let (other_key, _) = test_signer_pair();
        let chain = crate::recording::testkit::vn()
            .1
            .der_list()
            .iter()
            .map(|c| c.to_vec())
            .collect();
        assert!(matches!(
            Signer::new(other_key, "VN", chain),
            Err(RecordingError::SignerMismatch { .. })
        ));
        let r = RecordingWriter::create(
            tmp.path(),
            SESSION,
            "VN",
            "p",
            &TrackInfo::audio_video(),
            signer(),
            Limits {
                segment_bytes_max: 10,
                ..Limits::default()
            },
        );
        assert!(matches!(r, Err(RecordingError::BadLimits(_))));
        // A folder holding something else is left alone.
        let foreign = tmp
            .path()
            .join("recordings")
            .join(SESSION)
            .join("VN")
            .join("other");
        std::fs::create_dir_all(&foreign).unwrap();
        std::fs::write(foreign.join("notes.txt"), "x").unwrap();
        let r = RecordingWriter::create(
            tmp.path(),
            SESSION,
            "VN",
            "other",
            &TrackInfo::audio_video(),
            signer(),
            Limits::default(),
        );
        assert!(matches!(r, Err(RecordingError::NotOurs { .. })));
        assert_eq!(files(&foreign), ["notes.txt"]);
    }
}
