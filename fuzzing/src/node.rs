//! Targets for the parsers of `tiepdan-node`: upload frames, signed recording indexes,
//! recording segments and the SDP offers of WHIP and WHEP.

use std::io::Cursor;
use std::path::{Component, Path};

use tiepdan_keys::{verify_chain, Chain, RevocationList};
use tiepdan_node::recording::format::{self, encode_record, Frame};
use tiepdan_node::recording::index::{
    chain_head, IndexBody, SegmentEntry, SignedIndex, Signer, INDEX_VERSION,
};
use tiepdan_node::recording::{
    parse_segment_file_name, publisher_dir, segment_file_name, SegmentHeader, TrackInfo, TrackKind,
    INDEX_FILE, RECORDINGS_DIR,
};
use tiepdan_node::sessions::media::{check_offer, Intent, MediaError};
use tiepdan_node::upload::relay::{self, Freshness};
use tiepdan_node::upload::{self, Msg};

use crate::events::SESSION_ID;
use crate::fixtures::{self, pki, signing_key, COMMUNE, NOW};
use crate::Seed;

fn to_cbor<T: serde::Serialize>(value: &T) -> Vec<u8> {
    cbor4ii::serde::to_vec(Vec::new(), value).expect("CBOR into memory")
}

// ---------------------------------------------------------------------------------------------
// upload_msg
// ---------------------------------------------------------------------------------------------

/// Where the path checks put files: any folder does, nothing is written.
const DATA_ROOT: &str = "/var/lib/tiepdan";

/// The file-system side of an offer's path, as `upload::receive` checks it: a path of four
/// parts naming the index or a sealed segment maps to a file four levels under
/// `DATA/recordings`, never elsewhere.
fn offer_path(path: &str) {
    let parts: Vec<&str> = path.split('/').collect();
    let [session, site, publisher, file] = parts.as_slice() else {
        return;
    };
    if let Some(n) = parse_segment_file_name(file) {
        assert_eq!(segment_file_name(n), *file, "two names for one segment");
    } else if *file != INDEX_FILE {
        return;
    }
    let root = Path::new(DATA_ROOT);
    let Ok(dir) = publisher_dir(root, session, site, publisher) else {
        return;
    };
    let dest = dir.join(file);
    let under = dest
        .strip_prefix(root.join(RECORDINGS_DIR))
        .expect("a recording file lies under the recordings folder");
    let parts: Vec<Component<'_>> = under.components().collect();
    assert_eq!(
        parts.len(),
        4,
        "{dest:?} is not session/site/publisher/file"
    );
    assert!(parts.iter().all(|c| matches!(c, Component::Normal(_))));
}

/// An upload frame's body (`node::upload::decode_msg`): never panics; a decoded message
/// re-encodes to a frame that decodes to the same message, and an offer's path never leads
/// out of the recordings folder.
pub fn upload_msg(data: &[u8]) {
    let Ok(msg) = upload::decode_msg(data) else {
        return;
    };
    let frame = upload::encode(&msg);
    let len = u32::from_be_bytes(frame[..4].try_into().expect("prefix")) as usize;
    assert_eq!(len, frame.len() - 4);
    let again = upload::decode_msg(&frame[4..]).expect("our own frame decodes");
    assert_eq!(
        format!("{again:?}"),
        format!("{msg:?}"),
        "did not round-trip"
    );
    if let Msg::Offer { path, .. } = &msg {
        offer_path(path);
    }
}

pub(crate) fn upload_msg_seeds() -> Vec<Seed> {
    let body = |m: &Msg| upload::encode(m)[4..].to_vec();
    let offer = |path: &str, size: u64| Msg::Offer {
        path: path.into(),
        size,
        hash: [7; 32],
    };
    vec![
        Seed::exact(
            "valid-offer-segment",
            body(&offer(
                &format!("{SESSION_ID}/00004/p-1a2b/seg-000001.tdrec"),
                81_920,
            )),
        ),
        Seed::exact(
            "valid-offer-index",
            body(&offer(
                &format!("{SESSION_ID}/00004/p-1a2b/index.cbor"),
                2_048,
            )),
        ),
        Seed::exact("valid-resume", body(&Msg::Resume { have: 65_536 })),
        Seed::exact(
            "valid-done",
            body(&Msg::Done {
                ok: false,
                reason: "session S-01-2026-000001 is not held here".into(),
                lasting: true,
            }),
        ),
        Seed::exact(
            "garbage-offer-traversal",
            body(&offer("../../etc/00004/p/seg-000001.tdrec", 1)),
        ),
        Seed::exact(
            "garbage-truncated",
            body(&Msg::Resume { have: 1 << 40 })[..5].to_vec(),
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// recording_index
// ---------------------------------------------------------------------------------------------

/// What the relay asks of an index's embedded chain: it verifies against the fixed root at the
/// index's signing time, and the site and key it certifies.
fn certified(index: &SignedIndex) -> Result<(String, [u8; 32]), String> {
    let chain = Chain::from_der_list(index.chain_der().to_vec()).map_err(|e| e.to_string())?;
    let at = index.body().signed_at_s;
    let v = verify_chain(
        pki().root.root(),
        chain.der_list(),
        at,
        &RevocationList::new(),
    )
    .map_err(|e| e.to_string())?;
    Ok((v.site, v.public_key))
}

/// A signed recording index from another site (`node::recording::index::SignedIndex::from_bytes`,
/// then `check_signature` and the relay's `check_index` with the fixed root): never panics; a
/// parsed index keeps its exact bytes; its totals, chain head and comparison with itself never
/// panic; what the relay takes has a valid signature.
pub fn recording_index(data: &[u8]) {
    let Ok(index) = SignedIndex::from_bytes(data.to_vec()) else {
        return;
    };
    assert_eq!(index.bytes(), data);
    assert_eq!(index.index_id(), *blake3::hash(data).as_bytes());
    let body = index.body();
    let _ = (body.bytes(), body.duration_us());
    let _ = chain_head(
        &body.session_id,
        &body.site,
        &body.publisher_id,
        &body.segments,
    );
    assert!(matches!(relay::compare(body, body), Ok(Freshness::Older)));
    let signed = index.check_signature();
    let relayed = relay::check_index(
        data.to_vec(),
        &body.session_id,
        &body.site,
        &body.publisher_id,
        None,
        certified,
    );
    if relayed.is_ok() {
        assert!(
            signed.is_ok(),
            "the relay took an index whose signature fails"
        );
    }
}

fn entry(n: u32) -> SegmentEntry {
    SegmentEntry {
        file: segment_file_name(n),
        segment: n,
        hash: *blake3::hash(&n.to_be_bytes()).as_bytes(),
        first_ts_us: 10_000_000 * u64::from(n - 1),
        last_ts_us: 10_000_000 * u64::from(n) - 20_000,
        frames: 750,
        bytes: 1_250_000,
    }
}

fn index_body(segments: u32, complete: bool) -> IndexBody {
    let segments: Vec<SegmentEntry> = (1..=segments).map(entry).collect();
    IndexBody {
        v: INDEX_VERSION,
        session_id: SESSION_ID.into(),
        site: COMMUNE.into(),
        publisher_id: "p-1a2b".into(),
        tracks: TrackInfo::audio_video(),
        chain_head: chain_head(SESSION_ID, COMMUNE, "p-1a2b", &segments),
        segments,
        complete,
        signed_at_s: NOW,
    }
}

pub(crate) fn recording_index_seeds() -> Vec<Seed> {
    let signer = Signer::new(
        signing_key(COMMUNE),
        COMMUNE,
        fixtures::ders(&pki().commune_tls),
    )
    .expect("the commune's key and chain");
    let sign = |b: &IndexBody| SignedIndex::sign(b, &signer).bytes().to_vec();
    let good = sign(&index_body(3, true));
    // Validly signed, with segment lengths whose sum overflows (it once panicked the totals).
    let mut huge = index_body(2, true);
    huge.segments[0].bytes = u64::MAX;
    huge.chain_head = chain_head(SESSION_ID, COMMUNE, "p-1a2b", &huge.segments);
    let mut forged = good.clone();
    let n = forged.len();
    forged[n / 2] ^= 0x40;
    vec![
        Seed::exact("valid-three-segments-complete", good.clone()),
        Seed::exact("valid-open-empty", sign(&index_body(0, false))),
        Seed::exact("valid-segment-sizes-overflow", sign(&huge)),
        Seed::exact("garbage-flipped-byte", forged),
        Seed::exact("garbage-truncated", good[..n - 10].to_vec()),
    ]
}

// ---------------------------------------------------------------------------------------------
// segment_scan
// ---------------------------------------------------------------------------------------------

type Owned = (TrackKind, bool, u64, Vec<u8>);

fn scan_all(data: &[u8], file_len: u64) -> Option<(format::SegmentScan, Vec<Owned>)> {
    let mut frames = Vec::new();
    let mut keep = |f: &Frame<'_>| {
        frames.push((f.track, f.keyframe, f.ts_us, f.payload.to_vec()));
        Ok(())
    };
    let scan = format::scan(Cursor::new(data), file_len, &mut keep).ok()?;
    Some((scan, frames))
}

/// A recording segment file (`node::recording::format::scan` over the bytes): never panics,
/// also when the file is shorter than its stated length; a scan hashes every byte, counts
/// what it delivered, stops at its damage, and the header and frames it read, written again,
/// scan to the same frames without damage.
pub fn segment_scan(data: &[u8]) {
    let _ = scan_all(data, data.len() as u64 + 1);
    let Some((scan, frames)) = scan_all(data, data.len() as u64) else {
        return;
    };
    assert_eq!(scan.hash, *blake3::hash(data).as_bytes());
    assert_eq!(scan.file_len, data.len() as u64);
    assert!(scan.valid_len <= scan.file_len);
    assert_eq!(scan.frames, frames.len() as u64);
    let keyframes = frames
        .iter()
        .filter(|f| f.0 == TrackKind::Video && f.1)
        .count();
    assert_eq!(scan.video_keyframes, keyframes as u64);
    if scan.damage.is_none() {
        assert_eq!(scan.valid_len, scan.file_len);
    }
    let valid = &data[..usize::try_from(scan.valid_len).expect("within the input")];
    let (head, head_frames) = scan_all(valid, valid.len() as u64).expect("its valid part scans");
    assert_eq!(head.damage, None);
    assert_eq!(head_frames, frames);
    // The writer's header is at most MAX_HEADER_BYTES; one read in another CBOR layout may
    // not be, and the writer asserts that.
    if to_cbor(&scan.header).len() > format::MAX_HEADER_BYTES {
        return;
    }
    let mut again = scan.header.encode();
    for (track, keyframe, ts, payload) in &frames {
        again.extend(encode_record(*track, *keyframe, *ts, payload));
    }
    let (rescan, reframes) = scan_all(&again, again.len() as u64).expect("rewritten scans");
    assert_eq!(rescan.damage, None);
    assert_eq!(rescan.header, scan.header);
    assert_eq!(reframes, frames);
}

pub(crate) fn segment_scan_seeds() -> Vec<Seed> {
    let header = SegmentHeader {
        v: format::VERSION,
        session_id: SESSION_ID.into(),
        site: COMMUNE.into(),
        publisher_id: "p-1a2b".into(),
        segment: 1,
        tracks: TrackInfo::audio_video(),
    };
    let mut good = header.encode();
    good.extend(encode_record(
        TrackKind::Video,
        true,
        0,
        &[0x10, 0x02, 0x00, 0x9d],
    ));
    good.extend(encode_record(TrackKind::Audio, false, 20_000, &[0xfc; 12]));
    good.extend(encode_record(
        TrackKind::Video,
        false,
        33_000,
        &[0x31, 0x07],
    ));
    let mut audio_only = SegmentHeader {
        tracks: vec![TrackInfo::opus()],
        ..header.clone()
    }
    .encode();
    audio_only.extend(encode_record(TrackKind::Audio, false, 0, &[0xfc; 3]));
    let mut corrupt = good.clone();
    let at = header.encode().len() + 6;
    corrupt[at] ^= 0xff;
    let mut zeros = good.clone();
    zeros.extend([0; 24]);
    vec![
        Seed::exact("valid-three-frames", good.clone()),
        Seed::exact("valid-audio-only", audio_only),
        Seed::exact("garbage-torn-tail", good[..good.len() - 5].to_vec()),
        Seed::exact("garbage-corrupt-first-record", corrupt),
        Seed::exact("garbage-zero-tail", zeros),
        Seed::exact(
            "garbage-bad-magic",
            [b"TDREC9".as_slice(), &good[6..]].concat(),
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// sdp_offer
// ---------------------------------------------------------------------------------------------

/// An SDP offer posted to WHIP or WHEP (`node::sessions::media::check_offer` of the bytes as
/// text, with both intents): never panics, and whether the text is readable SDP does not
/// depend on the intent (only whether it offers something usable does).
pub fn sdp_offer(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let publish = check_offer(&text, Intent::Publish);
    let subscribe = check_offer(&text, Intent::Subscribe);
    let malformed = |r: &Result<_, MediaError>| matches!(r, Err(MediaError::MalformedSdp(_)));
    assert_eq!(
        malformed(&publish),
        malformed(&subscribe),
        "{publish:?} / {subscribe:?}"
    );
    for (r, intent) in [(&publish, Intent::Publish), (&subscribe, Intent::Subscribe)] {
        if let Ok((_, summary)) = r {
            assert!(
                summary.audio || summary.video,
                "{intent:?} accepted an empty offer"
            );
        }
        if let Err(e) = r {
            assert!(matches!(
                e,
                MediaError::MalformedSdp(_) | MediaError::UnsupportedOffer(_)
            ));
        }
    }
}

const FINGERPRINT: &str = "sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08";

/// A browser-like offer with the given media sections (`(kind, payload type, codec, direction)`).
fn offer(sections: &[(&str, u8, &str, &str)]) -> String {
    let mids: Vec<String> = (0..sections.len()).map(|i| i.to_string()).collect();
    let mut s = format!(
        "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE {}\r\na=msid-semantic: WMS tiepdan\r\n",
        mids.join(" ")
    );
    for (i, (kind, pt, codec, dir)) in sections.iter().enumerate() {
        s.push_str(&format!(
            "m={kind} 9 UDP/TLS/RTP/SAVPF {pt}\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n\
             a=ice-ufrag:Fz3k\r\na=ice-pwd:d4RJxW0BQ9vMEhv6B8y0cOPr\r\na=ice-options:trickle\r\n\
             a=fingerprint:{FINGERPRINT}\r\na=setup:actpass\r\na=mid:{i}\r\na={dir}\r\n\
             a=msid:tiepdan {kind}{i}\r\na=rtcp-mux\r\na=rtpmap:{pt} {codec}\r\n\
             a=ssrc:{} cname:tiepdan\r\n",
            1000 + i
        ));
    }
    s
}

pub(crate) fn sdp_offer_seeds() -> Vec<Seed> {
    let whip = offer(&[
        ("audio", 111, "opus/48000/2", "sendonly"),
        ("video", 96, "VP8/90000", "sendonly"),
    ]);
    let whep = offer(&[
        ("audio", 111, "opus/48000/2", "recvonly"),
        ("video", 96, "VP8/90000", "recvonly"),
    ]);
    let h264 = offer(&[("video", 102, "H264/90000", "sendrecv")]);
    vec![
        Seed::exact("valid-whip-audio-video", whip.clone().into_bytes()),
        Seed::exact("valid-whep-audio-video", whep.into_bytes()),
        Seed::exact("garbage-h264-only", h264.into_bytes()),
        Seed::exact(
            "garbage-truncated",
            whip.as_bytes()[..whip.len() / 4].to_vec(),
        ),
        Seed::exact("garbage-not-sdp", b"o=- 1 1 IN IP4 0.0.0.0\r\n".to_vec()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_valid_sdp_seeds_are_usable_offers() {
        for seed in sdp_offer_seeds() {
            let text = String::from_utf8(seed.bytes).unwrap();
            let intent = if seed.name.contains("whep") {
                Intent::Subscribe
            } else {
                Intent::Publish
            };
            let result = check_offer(&text, intent);
            assert_eq!(
                result.is_ok(),
                seed.name.starts_with("valid-"),
                "{}: {:?}",
                seed.name,
                result.map(|(_, s)| s)
            );
        }
    }
}
