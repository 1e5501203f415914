//! Media between sites (datagrams on the links) and recording uploads to the hub.

use super::*;

/// Media packets as datagrams on an admitted link, each sent twice (a datagram may be lost);
/// the link stays open for the node to read them.
fn media_datagrams(ctx: &Ctx, at: &str, peer: &str, packets: Vec<Vec<u8>>) -> Option<String> {
    let (addr, peer) = (ctx.quic(at), ctx.peer(peer));
    ctx.block(async {
        let (conn, send, recv) = link(addr, peer).await;
        for p in packets.iter().chain(&packets) {
            conn.send_datagram(p.clone().into()).unwrap();
        }
        ctx.keep((conn, send, recv));
    });
    None
}

fn video(ctx: &Ctx, origin: &str, destination: &str, publisher: &str) -> Vec<u8> {
    MediaPacket {
        kind: PacketKind::Video,
        keyframe: true,
        timestamp_us: 1,
        sequence: 1,
        hops_left: MAX_HOPS,
        session_id: ctx.session.clone(),
        origin: origin.into(),
        publisher_id: publisher.into(),
        destination: destination.into(),
        payload: vec![0x30; 64],
    }
    .encode()
}

/// The streams a site receives in the session.
fn streams(ctx: &Ctx, site: &str) -> usize {
    ctx.api(
        site,
        &ctx.officer(site),
        "GET",
        &format!("sessions/{}/media", ctx.session),
        None,
    )
    .body["streams"]
        .as_array()
        .map_or(0, Vec::len)
}

/// A file of the attacker's, under the federation's folder.
fn attacker_file(c: &Ctx, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = c.dir.path().join("attacker");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// What `at` answers when the bare point 00025 uploads `bytes` as `rel` (a path under its
/// session): the refusal's text, or "taken".
fn upload(c: &Ctx, at: &str, rel: &str, bytes: &[u8]) -> String {
    let file = attacker_file(c, "upload.bin", bytes);
    let rel = format!("{}/{rel}", c.session);
    let (addr, peer) = (c.quic(at), c.peer("00025"));
    c.block(async {
        let (conn, _s, _r) = link(addr, peer).await;
        let sent = send_file(&SendProgress::default(), at, &conn, &file, &rel, None).await;
        conn.close(0u32.into(), b"done");
        match sent {
            Ok(_) => "taken".to_owned(),
            Err(e) => e.to_string(),
        }
    })
}

/// An upload offer made by hand (any size, any path) by the bare point 00025; returns the
/// receiver's answer.
fn offer(c: &Ctx, at: &str, rel: &str, size: u64) -> Msg {
    let path = format!("{}/{rel}", c.session);
    let (addr, peer) = (c.quic(at), c.peer("00025"));
    c.block(async {
        let (conn, _s, _r) = link(addr, peer).await;
        let (mut send, mut recv) = conn.open_bi().await.unwrap();
        send.write_all(&[UPLOAD_CHANNEL]).await.unwrap();
        let msg = Msg::Offer {
            path,
            size,
            hash: [7; 32],
        };
        send.write_all(&encode_upload(&msg)).await.unwrap();
        let mut len = [0u8; 4];
        tokio::time::timeout(SHORT, recv.read_exact(&mut len))
            .await
            .expect("an answer")
            .unwrap();
        let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
        recv.read_exact(&mut body).await.unwrap();
        conn.close(0u32.into(), b"done");
        decode_msg(&body).unwrap()
    })
}

/// Bytes of the segment the bare point uploads to central.
fn segment_bytes() -> Vec<u8> {
    (0..256 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

/// Media between sites: datagrams on the links.
pub(super) fn media_rows() -> Vec<Row> {
    vec![
        row(
            "media whose origin is not a point",
            "01",
            "not_a_point",
            media("not_a_point"),
            |c| media_datagrams(c, "01", "00235", vec![video(c, "00235", "VN", "cam-1")]),
        ),
        row(
            "a point's media from a link that hears neither it nor the hub",
            "01",
            "not_carried",
            media("not_carried"),
            |c| media_datagrams(c, "01", "00235", vec![video(c, "00025", "VN", "cam-1")]),
        ),
        row(
            "a heartbeat claiming sites the sender cannot link with",
            "01",
            "link_state_not_vouched",
            media("link_state_not_vouched"),
            |c| {
                let heartbeat = MediaPacket {
                    kind: PacketKind::LinkState,
                    keyframe: false,
                    timestamp_us: 1,
                    sequence: 0,
                    hops_left: 0,
                    session_id: "-".into(),
                    origin: "00277".into(),
                    publisher_id: "-".into(),
                    destination: "01".into(),
                    payload: encode_link_state(&["79".to_owned(), "26506".to_owned()]),
                };
                media_datagrams(c, "01", "00277", vec![heartbeat.encode()])
            },
        ),
        row(
            "a media packet that does not decode",
            "01",
            "malformed",
            media("malformed"),
            |c| media_datagrams(c, "01", "00235", vec![vec![0xff, 0, 1]]),
        ),
        row(
            "a 33rd publisher from one point",
            "VN",
            "publishers_per_point",
            media("publishers_per_point"),
            |c| media_datagrams(c, "VN", "00025", vec![video(c, "00025", "VN", "cam-32")]),
        )
        .prepare(|c| {
            // The point's 32 publishers arrive (datagrams may be lost: sent until they have).
            assert!(
                eventually(DEADLINE, || {
                    let all = (0..32)
                        .map(|i| video(c, "00025", "VN", &format!("cam-{i}")))
                        .collect();
                    media_datagrams(c, "VN", "00025", all);
                    streams(c, "VN") >= 32
                }),
                "central never took the point's 32 publishers"
            );
        }),
    ]
}

/// Recording uploads from the bare point 00025 to central, the session's hub.
pub(super) fn upload_rows() -> Vec<Row> {
    const SEGMENT: &str = "00025/cam-1/seg-000001.tdrec";
    vec![
        row(
            "other bytes for a segment already uploaded",
            "VN",
            "segment_differs",
            uploads("segment_differs"),
            |c| {
                let mut altered = segment_bytes();
                altered[12_345] ^= 0xff;
                let answer = upload(c, "VN", SEGMENT, &altered);
                assert!(answer.contains("never changes"), "{answer}");
                None
            },
        )
        .prepare(|c| assert_eq!(upload(c, "VN", SEGMENT, &segment_bytes()), "taken"))
        .then(|c| {
            let held = c
                .site("VN")
                .data
                .root()
                .join("recordings")
                .join(&c.session)
                .join(SEGMENT);
            assert_eq!(
                std::fs::read(held).unwrap(),
                segment_bytes(),
                "the held segment changed"
            );
        }),
        row(
            "a recording index with a bad signature",
            "VN",
            "index",
            uploads("index"),
            |c| {
                let p = c.peer("00025");
                let body = IndexBody {
                    v: INDEX_VERSION,
                    session_id: c.session.clone(),
                    site: "00025".into(),
                    publisher_id: "cam-1".into(),
                    tracks: TrackInfo::audio_video(),
                    segments: vec![],
                    chain_head: chain_start(&c.session, "00025", "cam-1"),
                    complete: false,
                    signed_at_s: unix_now(),
                };
                let signer = Signer::from_site_key(&p.key, "00025", &p.chain).unwrap();
                let mut file = SignedIndex::sign(&body, &signer).file().clone();
                file.signature[7] ^= 1;
                let answer = upload(c, "VN", "00025/cam-1/index.cbor", &file.to_bytes());
                assert!(answer.contains("signature is invalid"), "{answer}");
                None
            },
        ),
        row(
            "an upload offer over the size limit",
            "VN",
            "too_large",
            uploads("too_large"),
            |c| {
                let answer = offer(
                    c,
                    "VN",
                    "00025/cam-1/seg-000002.tdrec",
                    MAX_UPLOAD_BYTES + 1,
                );
                assert!(matches!(answer, Msg::Done { ok: false, .. }), "{answer:?}");
                None
            },
        ),
        row(
            "a segment of another site's recording",
            "VN",
            "not_own",
            uploads("not_own"),
            |c| {
                let answer = offer(c, "VN", "00004/cam-1/seg-000001.tdrec", 1024);
                assert!(matches!(answer, Msg::Done { ok: false, .. }), "{answer:?}");
                None
            },
        ),
        row(
            "a publisher folder named `..`",
            "VN",
            "bad_name",
            uploads("bad_name"),
            |c| {
                let answer = offer(c, "VN", "00025/../seg-000001.tdrec", 1024);
                assert!(matches!(answer, Msg::Done { ok: false, .. }), "{answer:?}");
                None
            },
        ),
        row(
            "a file that is no recording file",
            "VN",
            "not_a_recording_file",
            uploads("not_a_recording_file"),
            |c| {
                let answer = offer(c, "VN", "00025/cam-1/notes.txt", 1024);
                assert!(matches!(answer, Msg::Done { ok: false, .. }), "{answer:?}");
                None
            },
        ),
    ]
}
