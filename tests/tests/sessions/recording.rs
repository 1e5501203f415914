//! Tier 3: `tiepdan recording verify` and `tiepdan recording export` on recordings made with
//! the node's own `RecordingWriter` and a real commune key and certificate chain, and every
//! kind of tampering an inspector must be told about.

use std::path::{Path, PathBuf};

use tiepdan_keys::cert::Chain;
use tiepdan_keys::SiteKey;
use tiepdan_node::recording::{Limits, RecordingWriter, SignedIndex, Signer, TrackInfo, TrackKind};
use tiepdan_tests::{federation, stderr, stdout, tiepdan_en as tiepdan, LocalFederation};

const SESSION: &str = "00070-2026-12";
const PUBLISHER: &str = "cong-dan-1";

/// Track, keyframe, timestamp (µs), payload.
type Frames = Vec<(TrackKind, bool, u64, Vec<u8>)>;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Synthetic media: Opus-sized audio every 20 ms, VP8 every 40 ms with a keyframe each second.
/// Every payload carries its track and timestamp, so each is unique and can be found again.
fn media(ms: u64) -> Frames {
    let mut out = Vec::new();
    for t in (0..ms).step_by(20) {
        let ts = t * 1000;
        let mut a = vec![0xFC; 80];
        a[1..9].copy_from_slice(&ts.to_be_bytes());
        a[9..13].copy_from_slice(b"AUDI");
        out.push((TrackKind::Audio, false, ts, a));
        if t.is_multiple_of(40) {
            let key = t.is_multiple_of(1000);
            // A VP8 frame tag (bit 0 clear on keyframes), then the keyframe start code and size.
            let mut v = if key {
                vec![0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x40, 0x01, 0xB4, 0x00]
            } else {
                vec![0x31, 0x02, 0x00]
            };
            v.extend_from_slice(&ts.to_be_bytes());
            v.extend_from_slice(b"VIDE");
            v.resize(if key { 900 } else { 250 }, 0x5A);
            out.push((TrackKind::Video, key, ts, v));
        }
    }
    out
}

/// A closed recording by commune 00070, in 1-second segments: (temp dir, federation,
/// publisher folder, frames).
fn recorded() -> (tempfile::TempDir, LocalFederation, PathBuf, Frames) {
    let (dir, fed) = federation(&["VN", "01", "00070"]);
    let site = fed.site("00070").unwrap();
    let key = SiteKey::load(&site.data.key_path()).unwrap();
    let chain =
        Chain::from_pem(&std::fs::read_to_string(site.data.tls_chain_path()).unwrap()).unwrap();
    let signer = Signer::from_site_key(&key, "00070", &chain).unwrap();
    let limits = Limits {
        segment_duration_us_max: 1_000_000,
        ..Limits::default()
    };
    let mut w = RecordingWriter::create(
        site.data.root(),
        SESSION,
        "00070",
        PUBLISHER,
        &TrackInfo::audio_video(),
        signer,
        limits,
    )
    .unwrap();
    let frames = media(3_500);
    for (t, k, ts, p) in &frames {
        w.write_frame(*t, *ts, *k, p).unwrap();
    }
    let publisher_dir = w.dir().to_path_buf();
    let index = w.close().unwrap();
    assert_eq!(index.body().segments.len(), 4);
    (dir, fed, publisher_dir, frames)
}

fn root_pem(fed: &LocalFederation) -> PathBuf {
    fed.site("VN").unwrap().data.chain_path()
}

/// Runs verify on `dir` with the federation root; returns (success, stdout + stderr).
fn verify(fed: &LocalFederation, dir: &Path) -> (bool, String) {
    let out = tiepdan(&[
        "recording",
        "verify",
        s(dir),
        "--root-chain",
        s(&root_pem(fed)),
    ]);
    (
        out.status.success(),
        format!("{}{}", stdout(&out), stderr(&out)),
    )
}

#[test]
fn intact_recording_verifies_against_the_federation_root() {
    let (_dir, fed, publisher_dir, _) = recorded();
    let (ok, text) = verify(&fed, &publisher_dir);
    assert!(ok, "{text}");
    assert!(
        text.contains("INTACT") && !text.contains("NOT INTACT"),
        "{text}"
    );
    assert!(
        text.contains(
            "signed by site 00070: certificate chain verified against the federation root"
        ),
        "{text}"
    );
    let index = SignedIndex::read(&publisher_dir).unwrap();
    assert!(
        text.contains(&hex_id(&index)),
        "the index id is printed: {text}"
    );

    // The session folder: every publisher in it.
    let session = publisher_dir.parent().unwrap().parent().unwrap();
    let (ok, text) = verify(&fed, session);
    assert!(
        ok && text.contains("1 recording(s) checked: all intact."),
        "{text}"
    );

    // Without the root, the seal is still checked; the signer is named but not vouched for.
    let out = tiepdan(&["recording", "verify", s(&publisher_dir)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("not checked: pass --root-chain"),
        "{}",
        stdout(&out)
    );

    // Another federation's root does not vouch for this commune.
    let (_other_dir, other) = federation(&["VN"]);
    let out = tiepdan(&[
        "recording",
        "verify",
        s(&publisher_dir),
        "--root-chain",
        s(&root_pem(&other)),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("does not verify against the given federation root"),
        "{}",
        stderr(&out)
    );
}

fn hex_id(index: &SignedIndex) -> String {
    index
        .index_id()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_single_flipped_byte_is_named() {
    let (_dir, fed, publisher_dir, _) = recorded();
    let seg = publisher_dir.join("seg-000002.tdrec");
    let mut bytes = std::fs::read(&seg).unwrap();
    let i = bytes.len() - 100;
    bytes[i] ^= 0x01;
    std::fs::write(&seg, bytes).unwrap();
    let (ok, text) = verify(&fed, &publisher_dir);
    assert!(!ok, "{text}");
    assert!(
        text.contains(
            "seg-000002.tdrec was modified: its BLAKE3 hash does not match the signed index"
        ),
        "{text}"
    );
    assert!(
        !text.contains("seg-000001.tdrec was") && !text.contains("seg-000003.tdrec was"),
        "{text}"
    );
}

#[test]
fn deleted_truncated_and_reordered_segments_are_detected() {
    let (_dir, fed, publisher_dir, _) = recorded();
    std::fs::remove_file(publisher_dir.join("seg-000003.tdrec")).unwrap();
    let (ok, text) = verify(&fed, &publisher_dir);
    assert!(
        !ok && text.contains("seg-000003.tdrec is missing"),
        "{text}"
    );

    let (_dir, fed, publisher_dir, _) = recorded();
    let seg = publisher_dir.join("seg-000004.tdrec");
    let len = std::fs::metadata(&seg).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&seg)
        .unwrap()
        .set_len(len - 1)
        .unwrap();
    let (ok, text) = verify(&fed, &publisher_dir);
    assert!(
        !ok && text.contains(&format!(
            "seg-000004.tdrec is truncated: {} bytes, the signed index says {len}",
            len - 1
        )),
        "{text}"
    );

    let (_dir, fed, publisher_dir, _) = recorded();
    let (a, b) = (
        publisher_dir.join("seg-000001.tdrec"),
        publisher_dir.join("seg-000002.tdrec"),
    );
    let (ba, bb) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    std::fs::write(&a, bb).unwrap();
    std::fs::write(&b, ba).unwrap();
    let (ok, text) = verify(&fed, &publisher_dir);
    assert!(
        !ok && text.contains(
            "seg-000001.tdrec holds the content of seg-000002.tdrec: segments were reordered"
        ),
        "{text}"
    );

    let (_dir, fed, publisher_dir, _) = recorded();
    std::fs::copy(
        publisher_dir.join("seg-000004.tdrec"),
        publisher_dir.join("seg-000005.tdrec"),
    )
    .unwrap();
    let (ok, text) = verify(&fed, &publisher_dir);
    assert!(
        !ok && text.contains("seg-000005.tdrec is not listed in the signed index"),
        "{text}"
    );
}

#[test]
fn a_corrupted_index_signature_is_detected() {
    let (_dir, fed, publisher_dir, _) = recorded();
    let index = SignedIndex::read(&publisher_dir).unwrap();
    // Find the 64-byte signature in the file and flip one of its bits.
    let sig = &index.file().signature;
    let bytes = index.bytes().to_vec();
    let at = bytes
        .windows(sig.len())
        .position(|w| w == &sig[..])
        .expect("signature bytes in the file");
    let mut bad = bytes.clone();
    bad[at + 5] ^= 0x10;
    std::fs::write(publisher_dir.join("index.cbor"), bad).unwrap();
    let (ok, text) = verify(&fed, &publisher_dir);
    assert!(!ok, "{text}");
    assert!(
        text.contains("index.cbor: the index signature is invalid"),
        "{text}"
    );

    // An index re-signed by a key that is not the one in its embedded certificate.
    let (_dir, fed, publisher_dir, _) = recorded();
    let index = SignedIndex::read(&publisher_dir).unwrap();
    let forger = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let mut file = index.file().clone();
    let mut msg = b"tiepdan recording index v1\0".to_vec();
    msg.extend_from_slice(&file.body);
    file.signature = ed25519_dalek::Signer::sign(&forger, &msg)
        .to_bytes()
        .to_vec();
    file.signer_key = forger.verifying_key().to_bytes();
    std::fs::write(publisher_dir.join("index.cbor"), file.to_bytes()).unwrap();
    let (ok, text) = verify(&fed, &publisher_dir);
    assert!(
        !ok && text.contains("signed with a key that is not the key of its embedded certificate"),
        "{text}"
    );
}

#[test]
fn export_writes_a_webm_with_every_frame() {
    let (dir, _fed, publisher_dir, frames) = recorded();
    let out = dir.path().join("phien-tiep.webm");
    let o = tiepdan(&["recording", "export", s(&publisher_dir), "--out", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let audio = frames.iter().filter(|f| f.0 == TrackKind::Audio).count();
    let video = frames.len() - audio;
    assert!(
        stdout(&o).contains(&format!(
            "{audio} audio frames, {video} video frames (4 keyframes, 320x180)"
        )),
        "{}",
        stdout(&o)
    );
    let webm = std::fs::read(&out).unwrap();
    assert_eq!(webm[..4], [0x1A, 0x45, 0xDF, 0xA3], "EBML magic");
    assert!(
        find(&webm, b"webm")
            && find(&webm, b"A_OPUS")
            && find(&webm, b"V_VP8")
            && find(&webm, b"OpusHead")
    );
    let mut at = 0;
    for (_, _, _, payload) in &frames {
        // Frames appear in recording order, each whole.
        let pos = webm[at..]
            .windows(payload.len())
            .position(|w| w == &payload[..]);
        let pos = pos.unwrap_or_else(|| panic!("a frame is missing from the export"));
        at += pos + payload.len();
    }

    // Export takes one publisher folder; a session folder is refused with the list.
    let session = publisher_dir.parent().unwrap().parent().unwrap();
    let o = tiepdan(&["recording", "export", s(session), "--out", s(&out)]);
    assert!(
        !o.status.success() && stderr(&o).contains(PUBLISHER),
        "{}",
        stderr(&o)
    );

    // When ffprobe is installed, it reads the file as WebM with Opus and VP8.
    if let Ok(p) = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name,width,height",
            "-of",
            "csv=p=0",
            s(&out),
        ])
        .output()
    {
        let text = String::from_utf8_lossy(&p.stdout);
        assert!(
            text.contains("opus") && text.contains("vp8,320,180"),
            "ffprobe: {text} {}",
            String::from_utf8_lossy(&p.stderr)
        );
    }
}

fn find(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn bad_cli_input_gets_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let o = tiepdan(&["recording", "verify", s(&dir.path().join("none"))]);
    assert!(
        !o.status.success() && stderr(&o).contains("is not a recording folder"),
        "{}",
        stderr(&o)
    );
    let o = tiepdan(&[
        "recording",
        "export",
        s(dir.path()),
        "--out",
        s(&dir.path().join("x.webm")),
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("is not a recording folder"),
        "{}",
        stderr(&o)
    );
}
