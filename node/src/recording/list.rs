//! The recordings of one session under a data folder, for `GET /api/v1/sessions/{id}/recordings`.
//!
//! Owns the listing: one entry per publisher folder with its size, duration and seal, read
//! from the signed index (whose signature is checked) and the folder, without hashing
//! segments — that is [`super::verify`]'s job. It never writes.

use std::path::Path;

use serde::Serialize;

use super::index::SignedIndex;
use super::{check_id, check_site, hex32, parse_part_file_name, session_dir, RecordingError};

/// Most publisher folders listed for one session (sites × publishers).
pub const MAX_LISTED: usize = 4096;

/// One publisher's recording, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublisherRecording {
    pub site: String,
    pub publisher_id: String,
    /// Sealed segments (in the signed index).
    pub segments: usize,
    /// Of those, the ones whose files are here. A site that is neither the recording site,
    /// the hub nor central holds the signed index only (relayed to every point and ancestor),
    /// so this is 0 there.
    pub segments_held: usize,
    /// Bytes on disk: the sealed segments held and the open segment, if any.
    pub bytes: u64,
    /// Bytes the signed index covers (its sealed segments), held here or not.
    pub sealed_bytes: u64,
    /// Time covered by the sealed segments, in ms.
    pub duration_ms: u64,
    /// Hex BLAKE3 of the signed index: what the session's `RecordingSealed` event names.
    pub index_id: Option<String>,
    /// The recording was closed and its final index signed.
    pub complete: bool,
    /// An unsealed `.part` segment is present (recording now, or cut by a crash).
    pub open_segment: bool,
    /// Why the index could not be used, if it could not.
    pub error: Option<String>,
}

/// Every publisher folder of `session_id` under the data folder `data_root`, sorted by site
/// and publisher. A session without recordings gives an empty list.
pub fn list_session(
    data_root: &Path,
    session_id: &str,
) -> Result<Vec<PublisherRecording>, RecordingError> {
    let dir = session_dir(data_root, session_id)?;
    let mut out = Vec::new();
    let Ok(sites) = std::fs::read_dir(&dir) else {
        return Ok(out);
    };
    for site in sites.flatten().take(MAX_LISTED) {
        let site_name = site.file_name().to_string_lossy().into_owned();
        if check_site(&site_name).is_err() || !site.path().is_dir() {
            continue;
        }
        let Ok(pubs) = std::fs::read_dir(site.path()) else {
            continue;
        };
        for p in pubs.flatten().take(MAX_LISTED) {
            let publisher_id = p.file_name().to_string_lossy().into_owned();
            if check_id("publisher id", &publisher_id).is_err() || !p.path().is_dir() {
                continue;
            }
            out.push(describe(&p.path(), &site_name, &publisher_id));
            if out.len() >= MAX_LISTED {
                break;
            }
        }
    }
    out.sort_by(|a, b| (&a.site, &a.publisher_id).cmp(&(&b.site, &b.publisher_id)));
    Ok(out)
}

fn describe(dir: &Path, site: &str, publisher_id: &str) -> PublisherRecording {
    let mut r = PublisherRecording {
        site: site.to_owned(),
        publisher_id: publisher_id.to_owned(),
        segments: 0,
        segments_held: 0,
        bytes: 0,
        sealed_bytes: 0,
        duration_ms: 0,
        index_id: None,
        complete: false,
        open_segment: false,
        error: None,
    };
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten().take(super::index::MAX_SEGMENTS + 16) {
            if parse_part_file_name(&e.file_name().to_string_lossy()).is_some() {
                r.open_segment = true;
                r.bytes += e.metadata().map(|m| m.len()).unwrap_or(0);
            }
        }
    }
    match SignedIndex::read(dir) {
        Ok(index) => match index.check_signature() {
            Ok(()) => {
                let body = index.body();
                if body.site != site || body.publisher_id != publisher_id {
                    r.error = Some(format!(
                        "the index is for site {} publisher {}, not this folder",
                        body.site, body.publisher_id
                    ));
                    return r;
                }
                r.segments = body.segments.len();
                // Which listed segments are here (by name; verify compares their bytes).
                for e in body.segments.iter().filter(|e| dir.join(&e.file).is_file()) {
                    r.segments_held += 1;
                    r.bytes = r.bytes.saturating_add(e.bytes);
                }
                r.sealed_bytes = body.bytes();
                r.duration_ms = body.duration_us() / 1000;
                r.complete = body.complete;
                r.index_id = Some(hex32(&index.index_id()));
            }
            Err(e) => r.error = Some(e.to_string()),
        },
        Err(e) => r.error = Some(e.to_string()),
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::testkit::{media, record, signer, SESSION};
    use crate::recording::writer::{Limits, RecordingWriter};
    use crate::recording::TrackInfo;

    #[test]
    fn lists_closed_and_open_recordings() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(list_session(tmp.path(), SESSION).unwrap().is_empty());
        let (dir, _) = record(tmp.path(), "cam1", 12, Limits::default());
        let mut w = RecordingWriter::create(
            tmp.path(),
            SESSION,
            "VN",
            "cam2",
            &TrackInfo::audio_video(),
            signer(),
            Limits::default(),
        )
        .unwrap();
        for (t, k, ts, p) in media(3) {
            w.write_frame(t, ts, k, &p).unwrap();
        }
        let list = list_session(tmp.path(), SESSION).unwrap();
        assert_eq!(list.len(), 2);
        let (a, b) = (&list[0], &list[1]);
        assert_eq!(
            (
                a.site.as_str(),
                a.publisher_id.as_str(),
                a.segments,
                a.segments_held,
                a.complete,
                a.open_segment
            ),
            ("VN", "cam1", 2, 2, true, false)
        );
        assert_eq!(a.bytes, a.sealed_bytes);
        assert_eq!(a.duration_ms, 11_980);
        assert_eq!(
            a.index_id.as_deref(),
            Some(hex32(&SignedIndex::read(&dir).unwrap().index_id()).as_str())
        );
        assert!(a.bytes > 0 && a.error.is_none());
        assert_eq!(
            (
                b.publisher_id.as_str(),
                b.segments,
                b.complete,
                b.open_segment
            ),
            ("cam2", 0, false, true)
        );
        assert!(b.bytes > 0);
        let json = serde_json::to_value(&list).unwrap();
        assert_eq!(json[0]["publisher_id"], "cam1");
        drop(w);
        assert!(matches!(
            list_session(tmp.path(), "../etc"),
            Err(RecordingError::InvalidId { .. })
        ));

        // A relayed copy: the signed index without its segments.
        std::fs::remove_file(dir.join("seg-000001.tdrec")).unwrap();
        std::fs::remove_file(dir.join("seg-000002.tdrec")).unwrap();
        let a = &list_session(tmp.path(), SESSION).unwrap()[0];
        assert_eq!(
            (a.segments, a.segments_held, a.bytes, a.complete),
            (2, 0, 0, true)
        );
        assert!(a.sealed_bytes > 0 && a.index_id.is_some() && a.error.is_none());
    }
}
