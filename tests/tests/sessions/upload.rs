//! Recording uploads against a real node: an interrupted upload resumes where it stopped and
//! the file arrives intact; other bytes for a segment already held, a file whose hash does not
//! match, another site's recording and a session the receiver does not hold are refused, and
//! nothing of them is kept.

use std::time::Duration;

use serde_json::json;
use tiepdan_node::lab::peer as peer_client;
use tiepdan_node::upload::{send_file, send_file_until, SendProgress};
use tiepdan_tests::{call, eventually, federation, DEADLINE};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_upload_resumes_and_bad_ones_are_refused() {
    let (dir, mut fed) = federation(&["VN"]);
    fed.start_all().unwrap();
    assert!(eventually(DEADLINE, || fed.formed()));
    let vn = fed.site("VN").unwrap();
    let communes = peer_client::certified_communes(&vn.data, "01", 2).unwrap();
    let (code, key, chain) = &communes[0];
    let (s, v) = call(
        &fed,
        "VN",
        "POST",
        "sessions",
        Some(&json!({"title": "Phiên", "points": [code], "starts_at": "2026-12-20 08:00"})),
        None,
    );
    assert_eq!(s, 201, "{v}");
    let session = v["session_id"].as_str().unwrap().to_owned();

    let ep = peer_client::endpoint_as(key, chain, chain.root()).unwrap();
    let conn = ep
        .connect(vn.quic, "tiepdan.internal")
        .unwrap()
        .await
        .unwrap();
    let _control = peer_client::admitted(&conn, &peer_client::hello_frame(code, chain))
        .await
        .unwrap();

    let bytes: Vec<u8> = (0..8 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let file = dir.path().join("seg-000001.tdrec");
    std::fs::write(&file, &bytes).unwrap();
    let rel = format!("{session}/{code}/cam-1/seg-000001.tdrec");
    let uploads = SendProgress::default();

    // Cut after 3 MiB; the next attempt resumes from what arrived.
    assert!(send_file_until(
        &uploads,
        "VN",
        &conn,
        &file,
        &rel,
        None,
        Some(3 * 1024 * 1024)
    )
    .await
    .is_err());
    tokio::time::sleep(Duration::from_millis(300)).await;
    send_file(&uploads, "VN", &conn, &file, &rel, None)
        .await
        .unwrap();
    let progress = uploads.of_session(&session);
    let (_, _, p) = progress
        .iter()
        .find(|(t, path, _)| t == "VN" && *path == rel)
        .unwrap();
    assert!(
        p.done && p.resumed_from > 0 && p.resumed_from < bytes.len() as u64,
        "{p:?}"
    );
    let stored = vn
        .data
        .root()
        .join("recordings")
        .join(&session)
        .join(code)
        .join("cam-1")
        .join("seg-000001.tdrec");
    assert_eq!(
        std::fs::read(&stored).unwrap(),
        bytes,
        "the file arrived changed"
    );
    // The link test drops what it gets and counts it.
    assert!(
        tiepdan_node::federation::link_test::send(&conn, bytes.clone().into())
            .await
            .unwrap()
            > 0.0
    );
    // Offered again: nothing to send.
    assert_eq!(
        send_file(&uploads, "VN", &conn, &file, &rel, None)
            .await
            .unwrap(),
        0
    );

    // Other bytes for the sealed segment already held: refused, and the held one unchanged.
    let mut altered = bytes.clone();
    altered[12_345] ^= 0xff;
    let altered_file = dir.path().join("altered.tdrec");
    std::fs::write(&altered_file, &altered).unwrap();
    let err = send_file(&uploads, "VN", &conn, &altered_file, &rel, None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("never changes"), "{err}");
    assert_eq!(
        std::fs::read(&stored).unwrap(),
        bytes,
        "the held segment changed"
    );

    // A hash that does not match: refused, and the partial file removed.
    let rel2 = format!("{session}/{code}/cam-1/seg-000002.tdrec");
    let err = send_file(&uploads, "VN", &conn, &file, &rel2, Some([7; 32]))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("BLAKE3"), "{err}");
    let dest2 = stored.with_file_name("seg-000002.tdrec");
    assert!(!dest2.exists() && !dest2.with_file_name("seg-000002.tdrec.upload").exists());
    // Another site's recording, a session not held, a path that is not a recording file.
    let other = &communes[1].0;
    for (path, why) in [
        (
            format!("{session}/{other}/cam-1/seg-000001.tdrec"),
            "own recordings",
        ),
        (
            format!("S-VN-2026-9999/{code}/cam-1/seg-000001.tdrec"),
            "not held",
        ),
        (
            format!("{session}/{code}/cam-1/../../etc/passwd"),
            "not <session>",
        ),
        (
            format!("{session}/{code}/cam-1/notes.txt"),
            "neither a sealed segment",
        ),
    ] {
        let err = send_file(&uploads, "VN", &conn, &file, &path, None)
            .await
            .unwrap_err();
        assert!(err.to_string().contains(why), "{path}: {err}");
    }

    // Once the point's signed index of a publisher is held, its segments are the ones it
    // lists: other bytes under a listed name, or a name a complete index does not list, are
    // refused; the listed segment is taken.
    use tiepdan_node::recording::{
        index::chain_head, IndexBody, SegmentEntry, SignedIndex, Signer, TrackInfo,
    };
    let entry = SegmentEntry {
        file: "seg-000001.tdrec".into(),
        segment: 1,
        hash: *blake3::hash(&bytes).as_bytes(),
        first_ts_us: 0,
        last_ts_us: 1_000_000,
        frames: 50,
        bytes: bytes.len() as u64,
    };
    let body = IndexBody {
        v: 1,
        session_id: session.clone(),
        site: code.clone(),
        publisher_id: "cam-2".into(),
        tracks: TrackInfo::audio_video(),
        segments: vec![entry.clone()],
        chain_head: chain_head(&session, code, "cam-2", std::slice::from_ref(&entry)),
        complete: true,
        signed_at_s: tiepdan_node::site::clock::unix_now(),
    };
    let signed = SignedIndex::sign(&body, &Signer::from_site_key(key, code, chain).unwrap());
    let index_file = dir.path().join("index.cbor");
    std::fs::write(&index_file, signed.bytes()).unwrap();
    send_file(
        &uploads,
        "VN",
        &conn,
        &index_file,
        &format!("{session}/{code}/cam-2/index.cbor"),
        None,
    )
    .await
    .unwrap();
    let cam2 = |f: &str| format!("{session}/{code}/cam-2/{f}");
    let err = send_file(
        &uploads,
        "VN",
        &conn,
        &altered_file,
        &cam2("seg-000001.tdrec"),
        None,
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("signed index held here lists"),
        "{err}"
    );
    let err = send_file(
        &uploads,
        "VN",
        &conn,
        &file,
        &cam2("seg-000002.tdrec"),
        None,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("does not list"), "{err}");
    send_file(
        &uploads,
        "VN",
        &conn,
        &file,
        &cam2("seg-000001.tdrec"),
        None,
    )
    .await
    .unwrap();
    let refused = tiepdan_tests::metric_value(
        &tiepdan_tests::metrics(&fed, "VN"),
        "tiepdan_uploads_refused_total",
        &["reason=\"not_as_indexed\""],
    );
    assert_eq!(refused, 1.0);
}
