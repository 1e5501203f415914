//! Records from a raw QUIC peer holding a real commune certificate.

use super::*;

/// Sends one batch as `peer` to `at` and checks the node's acknowledgement.
fn batch(
    ctx: &Ctx,
    at: &str,
    peer: &str,
    events: Vec<Vec<u8>>,
    extra: &[&Chain],
    ack: (u32, u32),
) -> Option<String> {
    let acks = ctx.block(send_batches_with(
        ctx.quic(at),
        ctx.peer(peer),
        vec![events],
        extra,
    ));
    assert_eq!(acks, vec![ack], "accepted/rejected");
    None
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A replication frame announcing 8 MiB and sending 100 bytes; then the same link must still
/// replicate (an empty batch is acknowledged).
fn silent_eight_mib(c: &Ctx) -> Option<String> {
    let (addr, peer) = (c.quic("01"), c.peer("00187"));
    c.block(async {
        let (conn, _s, _r) = link(addr, peer).await;
        let (mut silent, _recv) = peer_client::replication_stream(&conn).await.unwrap();
        silent.write_all(&(8u32 << 20).to_be_bytes()).await.unwrap();
        silent.write_all(&[0xa1; 100]).await.unwrap();
        let (mut send, mut recv) = peer_client::replication_stream(&conn).await.unwrap();
        let msg = ReplMsg::Events {
            events: vec![],
            chains: vec![],
        };
        send.write_all(&encode_repl(&msg)).await.unwrap();
        let ack = tokio::time::timeout(SHORT, tiepdan_tests::hostile::read_msg(&mut recv)).await;
        conn.close(0u32.into(), b"done");
        Some(match ack {
            Ok(ReplMsg::Ack { .. }) => "still_serves".to_owned(),
            other => format!("{other:?}"),
        })
    })
}

/// Records from a raw QUIC peer holding a real commune certificate.
pub(super) fn record_rows() -> Vec<Row> {
    vec![
        row(
            "an event signed with another site's key",
            "01",
            "bad_signature",
            events("bad_signature"),
            |c| {
                let e = genesis("00004-2026-00777", "00004", &c.peer("00025").key);
                batch(c, "01", "00025", vec![e], &[], (0, 1))
            },
        ),
        row(
            "a flipped signature byte",
            "01",
            "bad_signature",
            events("bad_signature"),
            |c| {
                let mut e = genesis("00025-2026-00002", "00025", &c.peer("00025").key);
                let last = e.len() - 1;
                e[last] ^= 1;
                batch(c, "01", "00025", vec![e], &[], (0, 1))
            },
        ),
        row(
            "an author with no certificate here",
            "01",
            "unknown_author",
            events("unknown_author"),
            |c| {
                let e = genesis("00175-2026-00001", "00175", &SiteKey::generate());
                batch(c, "01", "00025", vec![e], &[], (0, 1))
            },
        ),
        row(
            "event bytes that do not decode",
            "01",
            "malformed",
            events("malformed"),
            |c| {
                batch(
                    c,
                    "01",
                    "00025",
                    vec![b"\x82\x01not an event".to_vec()],
                    &[],
                    (0, 1),
                )
            },
        ),
        row(
            "a case outside the node's audience",
            "01",
            "out_of_audience",
            events("out_of_audience"),
            |c| {
                let e = genesis("26506-2026-00001", "26506", &c.peer("26506").key);
                batch(c, "01", "26506", vec![e], &[], (0, 1))
            },
        ),
        row(
            "a case its sender is not in the audience of",
            "01",
            "sender_out_of_audience",
            events("sender_out_of_audience"),
            |c| {
                let author = c.peer("00226");
                let e = genesis("00226-2026-00001", "00226", &author.key);
                batch(c, "01", "00025", vec![e], &[&author.chain], (0, 1))
            },
        ),
        row(
            "a replayed event",
            "01",
            "replayed",
            events("replayed"),
            |c| {
                batch(
                    c,
                    "01",
                    "00025",
                    vec![unhex(&c.noted("genuine"))],
                    &[],
                    (0, 1),
                )
            },
        )
        .prepare(|c| {
            let e = genesis("00025-2026-00001", "00025", &c.peer("00025").key);
            batch(c, "01", "00025", vec![e.clone()], &[], (1, 0));
            c.note("genuine", hex(&e));
            c.wait_held("VN", "cases/00025-2026-00001");
        }),
        row(
            "a second first event for a held case",
            "01",
            "conflicting_genesis",
            events("conflicting_genesis"),
            |c| {
                let e = genesis_at(
                    "00025-2026-00001",
                    "00025",
                    &c.peer("00025").key,
                    unix_now() * 1000 + 1,
                    "Người Khác",
                );
                batch(c, "01", "00025", vec![e], &[], (0, 1))
            },
        ),
        row(
            "a first event for the province's case id",
            "01",
            "not_owner",
            events("not_owner"),
            |c| {
                let e = genesis("01-2026-00500", "00025", &c.peer("00025").key);
                batch(c, "01", "00025", vec![e], &[], (0, 1))
            },
        ),
        row(
            "a first event for a sibling's case id",
            "01",
            "not_owner",
            events("not_owner"),
            |c| {
                let e = genesis("00004-2026-00500", "00025", &c.peer("00025").key);
                batch(c, "01", "00025", vec![e], &[], (0, 1))
            },
        ),
        row(
            "a first event for central's case id",
            "01",
            "not_owner",
            events("not_owner"),
            |c| {
                let e = genesis("VN-2026-00500", "00025", &c.peer("00025").key);
                batch(c, "01", "00025", vec![e], &[], (0, 1))
            },
        ),
        row(
            "an event signed by a revoked site after its revocation",
            "01",
            "revoked_author",
            events("revoked_author"),
            |c| {
                let at = (unix_now() + 2) * 1000;
                let e = genesis_at(
                    "00304-2026-00002",
                    "00304",
                    &c.peer("00304").key,
                    at,
                    "Sau Thu Hồi",
                );
                batch(c, "01", "00025", vec![e], &[], (0, 1))
            },
        )
        .prepare(|c| {
            // 00304 is known (its case is held), then its province revokes it.
            let e = genesis("00304-2026-00001", "00304", &c.peer("00304").key);
            batch(c, "01", "00304", vec![e], &[], (1, 0));
            c.wait_held("VN", "cases/00304-2026-00001");
            let a = c.api(
                "01",
                &c.operator("01"),
                "POST",
                "revocations",
                Some(json!({"site": "00304"})),
            );
            assert_eq!(a.status, 201, "{}", a.body);
            c.wait_revoked_everywhere("00304");
        }),
        row(
            "a second certificate for the node's own site",
            "00004",
            "own_key",
            events("own_key"),
            |c| {
                // Its province signed a new key for 00004 (a careless or compromised province can).
                let impostor = certify(&c.fed, "01", "00004");
                batch(c, "00004", "00025", vec![], &[&impostor.chain], (0, 0))
            },
        )
        .then(|c| {
            // Sealing is not redirected: a denunciation entered now opens at 00004.
            let name = "Phạm Thị Vẫn Kín";
            let a = c.api(
                "00004",
                &c.officer("00004"),
                "POST",
                "receptions",
                Some(reception("denunciation", name)),
            );
            assert_eq!(a.status, 201, "{}", a.body);
            let id = a.body["case_id"].as_str().unwrap().to_owned();
            let v = c.api(
                "00004",
                &c.officer("00004"),
                "GET",
                &format!("cases/{id}/identity"),
                None,
            );
            assert_eq!(
                (v.status, v.body["name"].as_str()),
                (200, Some(name)),
                "{}",
                v.body
            );
            c.wait_replicated("00004", &id, &["01", "VN"]);
        }),
        row(
            "a replication frame over 8 MiB",
            "01",
            "frame_too_large",
            events("frame_too_large"),
            |c| {
                let (addr, peer) = (c.quic("01"), c.peer("00187"));
                c.block(async {
                    let (conn, s, r) = link(addr, peer).await;
                    let (mut send, recv) = peer_client::replication_stream(&conn).await.unwrap();
                    send.write_all(&((8u32 << 20) + 1).to_be_bytes())
                        .await
                        .unwrap();
                    c.keep((conn, s, r, send, recv));
                });
                None
            },
        ),
        row(
            "a replication frame that is not CBOR",
            "01",
            "malformed_message",
            events("malformed_message"),
            |c| {
                let (addr, peer) = (c.quic("01"), c.peer("00187"));
                c.block(async {
                    let (conn, s, r) = link(addr, peer).await;
                    let (mut send, recv) = peer_client::replication_stream(&conn).await.unwrap();
                    send.write_all(&[0, 0, 0, 8, 0xff, 0xfe, 0xfd, 0xfc, 1, 2, 3, 4])
                        .await
                        .unwrap();
                    c.keep((conn, s, r, send, recv));
                });
                None
            },
        ),
        row(
            "an 8 MiB length prefix, then silence",
            "01",
            "still_serves",
            Counts::Nothing(
                "nothing to refuse before the bytes come: the node reserves 64 KiB, not 8 MiB",
            ),
            silent_eight_mib,
        ),
    ]
}
