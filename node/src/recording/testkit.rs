//! Test helpers: a real central key with its root and own-leaf certificates, made once.

use std::sync::OnceLock;

use ed25519_dalek::SigningKey;
use tiepdan_keys::cert::Chain;
use tiepdan_keys::{make_own_leaf, make_root, SiteKey};

use super::format::{TrackInfo, TrackKind};
use super::index::Signer;

/// A frame as the tests write and read it: track, keyframe, timestamp (µs), payload.
pub(crate) type TestFrame = (TrackKind, bool, u64, Vec<u8>);

pub(crate) use crate::site::clock::unix_now;

/// Central's key and TLS chain `[own leaf, root]`, valid for a year from now.
pub(crate) fn vn() -> &'static (SiteKey, Chain) {
    static VN: OnceLock<(SiteKey, Chain)> = OnceLock::new();
    VN.get_or_init(|| {
        let key = SiteKey::generate();
        let now = unix_now() - 60;
        let root = make_root(&key, 365, now).unwrap();
        let tls = make_own_leaf(&key, &root, 365, now).unwrap();
        (key, tls)
    })
}

pub(crate) fn signer() -> Signer {
    let (key, chain) = vn();
    Signer::from_site_key(key, "VN", chain).unwrap()
}

/// Another key, with a root chain of its own.
pub(crate) fn test_signer_pair() -> (SigningKey, Vec<Vec<u8>>) {
    let key = SiteKey::generate();
    let root = make_root(&key, 365, unix_now() - 60).unwrap();
    (
        SigningKey::from_bytes(&key.seed()),
        root.der_list().iter().map(|c| c.to_vec()).collect(),
    )
}

/// A VP8 keyframe payload of `w`×`h`: frame tag, start code, sizes, then filler.
pub(crate) fn vp8_keyframe(w: u16, h: u16, len: usize) -> Vec<u8> {
    let mut p = vec![0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a];
    p.extend_from_slice(&w.to_le_bytes());
    p.extend_from_slice(&h.to_le_bytes());
    p.resize(len.max(10), 0x55);
    p
}

/// A VP8 inter frame (bit 0 of the tag set).
pub(crate) fn vp8_interframe(len: usize) -> Vec<u8> {
    let mut p = vec![0x31, 0x02, 0x00];
    p.resize(len.max(3), 0x66);
    p
}

/// `seconds` of a typical publisher: 50 Opus frames and 25 VP8 frames a second, a keyframe
/// every 2 s, in arrival order. Each payload's first bytes make it unique.
pub(crate) fn media(seconds: u64) -> Vec<TestFrame> {
    let mut out = Vec::new();
    for ms in (0..seconds * 1000).step_by(20) {
        let ts = ms * 1000;
        let mut audio = vec![0xfc; 60];
        audio[1..9].copy_from_slice(&ts.to_be_bytes());
        out.push((TrackKind::Audio, false, ts, audio));
        if ms.is_multiple_of(40) {
            let key = ms.is_multiple_of(2000);
            let mut v = if key {
                vp8_keyframe(640, 360, 700)
            } else {
                vp8_interframe(300)
            };
            v[10..18].copy_from_slice(&ts.to_be_bytes());
            out.push((TrackKind::Video, key, ts, v));
        }
    }
    out
}

#[test]
fn media_is_what_tests_expect() {
    let m = media(4);
    assert_eq!(m.iter().filter(|f| f.0 == TrackKind::Audio).count(), 200);
    assert_eq!(m.iter().filter(|f| f.0 == TrackKind::Video).count(), 100);
    assert_eq!(m.iter().filter(|f| f.1).count(), 2);
    assert_eq!(TrackInfo::audio_video().len(), 2);
}

pub(crate) const SESSION: &str = "VN-2026-7";

/// A closed recording of `seconds` of [`media`] by central's publisher `publisher` under
/// `root`; returns its folder and the frames written.
pub(crate) fn record(
    root: &std::path::Path,
    publisher: &str,
    seconds: u64,
    limits: super::writer::Limits,
) -> (std::path::PathBuf, Vec<TestFrame>) {
    let mut w = super::writer::RecordingWriter::create(
        root,
        SESSION,
        "VN",
        publisher,
        &TrackInfo::audio_video(),
        signer(),
        limits,
    )
    .unwrap();
    let frames = media(seconds);
    for (t, k, ts, p) in &frames {
        w.write_frame(*t, *ts, *k, p).unwrap();
    }
    let dir = w.dir().to_path_buf();
    w.close().unwrap();
    (dir, frames)
}

/// Every frame of the folder's segment files, in file order.
pub(crate) fn read_all(dir: &std::path::Path) -> Vec<TestFrame> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("seg-"))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for n in names {
        super::format::scan_file(&dir.join(n), &mut |f| {
            out.push((f.track, f.keyframe, f.ts_us, f.payload.to_vec()));
            Ok(())
        })
        .unwrap();
    }
    out
}
