//! Links: handshakes, the control stream, streams, revocations and libp2p.

use super::*;

/// How the node closed `conn` (its reason text), or "open" if it did not within `SHORT`.
async fn closed_reason(conn: &quinn::Connection) -> String {
    match tokio::time::timeout(SHORT, conn.closed()).await {
        Ok(quinn::ConnectionError::ApplicationClosed(c)) => {
            String::from_utf8_lossy(&c.reason).into_owned()
        }
        Ok(other) => other.to_string(),
        Err(_) => "open".into(),
    }
}

/// Dials with a chain no node may accept: refused at the handshake, or closed at once.
async fn refused_link(
    addr: SocketAddr,
    key: &SiteKey,
    chain: &Chain,
    root: &Chain,
) -> Option<String> {
    match dial(addr, key, chain, root).await {
        None => None,
        Some(conn) => match closed_reason(&conn).await.as_str() {
            "open" => Some("admitted".into()),
            _ => None,
        },
    }
}

/// Sends control frames on an admitted link, and leaves the link open for the node to read
/// them (the peer's next link replaces it).
fn control_frames(ctx: &Ctx, at: &str, peer: &str, frames: Vec<ControlFrame>) -> Option<String> {
    let (addr, peer) = (ctx.quic(at), ctx.peer(peer));
    ctx.block(async {
        let (conn, mut send, recv) = link(addr, peer).await;
        for f in frames {
            send.write_all(&encode_frame(&f)).await.unwrap();
        }
        ctx.keep((conn, send, recv));
    });
    None
}

/// Another federation: its central's key and TLS chain (leaf and self-signed root), and the
/// key and TLS chain of its province `site`.
fn foreign(site: &str) -> (SiteKey, Chain, SiteKey, Chain) {
    let now = unix_now();
    let root_key = SiteKey::generate();
    let root = make_root(&root_key, 30, now).unwrap();
    let central_leaf = make_own_leaf(&root_key, &root, 30, now).unwrap();
    let central = Authority::new(root_key.clone(), root, now).unwrap();
    let key = SiteKey::generate();
    let ca = issue(
        &central,
        &parse_request(&make_request(&key, site).unwrap()).unwrap(),
        30,
        now,
    )
    .unwrap();
    let chain = make_own_leaf(&key, &ca, 30, now).unwrap();
    (root_key, central_leaf, key, chain)
}

/// A revocation record made by hand: any body, signed with `key`, carrying `chain`.
fn signed_revocation(key: &SiteKey, chain: &Chain, rev: &Revocation) -> Vec<u8> {
    let body = cbor4ii::serde::to_vec(Vec::new(), rev).unwrap();
    let mut signed = SIGNATURE_CONTEXT.to_vec();
    signed.extend_from_slice(&body);
    let record = SignedRevocation {
        signature: key.sign(&signed).to_vec(),
        body,
        issuer_chain: chain.der_list().iter().map(|c| c.to_vec()).collect(),
    };
    cbor4ii::serde::to_vec(Vec::new(), &record).unwrap()
}

fn revocation_frame(bytes: Vec<u8>) -> ControlFrame {
    ControlFrame::Revocation(ByteBuf::from(bytes))
}

/// How many lines of `site`'s log contain `text`.
fn log_lines(c: &Ctx, site: &str, text: &str) -> usize {
    node_log(&c.fed, site)
        .lines()
        .filter(|l| l.contains(text))
        .count()
}

/// A libp2p peer of another federation says our hello with its own chain; returns whether the
/// node dropped it.
fn libp2p_foreign(c: &Ctx) -> Option<String> {
    use libp2p::Multiaddr;
    let (_, _, key, chain) = foreign("01");
    let hello = P2pHello {
        site: "01".into(),
        chain: chain
            .der_list()
            .iter()
            .map(|d| ByteBuf::from(d.to_vec()))
            .collect(),
        quic_addrs: vec![],
    };
    let addr: Multiaddr = format!("/ip4/127.0.0.1/tcp/{}", c.site("VN").p2p.port())
        .parse()
        .unwrap();
    let closed = c.block(async move {
        tiepdan_tests::hostile::p2p_hello_until_closed(&key, addr, hello, Duration::from_secs(10))
            .await
    });
    (!closed).then(|| "kept".into())
}

/// The first commune of `province`.
fn commune_of(province: &str) -> String {
    tiepdan_protocol::sites::Registry::official().children(province)[0].clone()
}

/// Links: handshakes, the control stream, streams and revocations.
pub(super) fn link_rows() -> Vec<Row> {
    vec![
        row(
            "garbage before the hello",
            "01",
            "bad_hello",
            handshake("quic", "bad_hello"),
            |c| {
                let (addr, p, root) = (c.quic("01"), c.peer("00167"), our_root(c));
                let reason = c.block(async {
                    let conn = dial(addr, &p.key, &p.chain, &root)
                        .await
                        .expect("handshake");
                    let (mut send, _recv) = conn.open_bi().await.unwrap();
                    let mut junk = vec![0, 0, 0, 12];
                    junk.extend_from_slice(b"\xff\xfe\xfdnot a frame");
                    send.write_all(&junk).await.unwrap();
                    closed_reason(&conn).await
                });
                assert_eq!(reason, "expected hello");
                None
            },
        ),
        row(
            "a garbage control frame after the hello",
            "01",
            "control stream ended",
            bad_frames(),
            |c| {
                let (addr, p) = (c.quic("01"), c.peer("00167"));
                c.block(async {
                    let (conn, mut send, _recv) = link(addr, p).await;
                    send.write_all(&[0, 0, 0, 5, 0xff, 0xff, 0xff, 0xff, 0xff])
                        .await
                        .unwrap();
                    Some(closed_reason(&conn).await)
                })
            },
        ),
        row("a second hello", "01", "second hello", bad_frames(), |c| {
            let (addr, p) = (c.quic("01"), c.peer("00160"));
            c.block(async {
                let (conn, mut send, _recv) = link(addr, p).await;
                send.write_all(&peer_client::hello_frame(&p.site, &p.chain))
                    .await
                    .unwrap();
                Some(closed_reason(&conn).await)
            })
        }),
        row(
            "a hello naming another site",
            "01",
            "hello_site_mismatch",
            handshake("quic", "hello_site_mismatch"),
            |c| {
                let (addr, p, root) = (c.quic("01"), c.peer("00256"), our_root(c));
                c.block(async {
                    let conn = dial(addr, &p.key, &p.chain, &root)
                        .await
                        .expect("handshake");
                    let (mut send, _recv) = conn.open_bi().await.unwrap();
                    send.write_all(&peer_client::hello_frame("00004", &p.chain))
                        .await
                        .unwrap();
                    Some(closed_reason(&conn).await)
                })
            },
        ),
        row(
            "a hello carrying another site's chain",
            "01",
            "hello_chain_mismatch",
            handshake("quic", "hello_chain_mismatch"),
            |c| {
                let (addr, p, root) = (c.quic("01"), c.peer("00256"), our_root(c));
                let other = &c.peer("00283").chain;
                c.block(async {
                    let conn = dial(addr, &p.key, &p.chain, &root)
                        .await
                        .expect("handshake");
                    let (mut send, _recv) = conn.open_bi().await.unwrap();
                    send.write_all(&peer_client::hello_frame(&p.site, other))
                        .await
                        .unwrap();
                    Some(closed_reason(&conn).await)
                })
            },
        ),
        row(
            "no control stream within 5 s",
            "01",
            "hello_timeout",
            handshake("quic", "hello_timeout"),
            |c| {
                let conn = c.kept_conn(NO_CONTROL_STREAM);
                let reason = c.block(closed_reason(&conn));
                assert_eq!(reason, "hello timeout");
                None
            },
        )
        .counted_since_start(),
        row(
            "a hello that never ends",
            "01",
            "hello_timeout",
            handshake("quic", "hello_timeout"),
            |c| {
                let conn = c.kept_conn(ENDLESS_HELLO);
                let reason = c.block(closed_reason(&conn));
                assert_eq!(reason, "hello timeout");
                None
            },
        )
        .counted_since_start(),
        row(
            "a stream that never names its channel",
            "01",
            "silent_stream",
            handshake("quic", "silent_stream"),
            |_| None,
        )
        .counted_since_start(),
        row(
            "a stream on an unknown channel",
            "01",
            "unknown_channel",
            bad_frames(),
            |c| {
                let text = "unknown channel";
                let before = log_lines(c, "01", text);
                let (addr, p) = (c.quic("01"), c.peer("00187"));
                c.block(async {
                    let (conn, s, r) = link(addr, p).await;
                    let (mut send, recv) = conn.open_bi().await.unwrap();
                    send.write_all(&[0xee, 1, 2, 3]).await.unwrap();
                    c.keep((conn, s, r, send, recv));
                });
                eventually(SHORT, || log_lines(c, "01", text) > before)
                    .then(|| "unknown_channel".into())
            },
        ),
        row(
            "a self-signed root",
            "01",
            "unknown_root",
            handshake("quic", "unknown_root"),
            |c| {
                let (root_key, root_leaf, _, _) = foreign("01");
                c.block(refused_link(
                    c.quic("01"),
                    &root_key,
                    &root_leaf,
                    &our_root(c),
                ))
            },
        ),
        row(
            "a province of another federation",
            "01",
            "unknown_root",
            handshake("quic", "unknown_root"),
            |c| {
                let (_, _, key, chain) = foreign("79");
                c.block(refused_link(c.quic("01"), &key, &chain, &our_root(c)))
            },
        ),
        row(
            "an expired certificate",
            "01",
            "expired",
            handshake("quic", "expired"),
            |c| {
                let (key, chain) = forged(
                    &authority_of(&c.site("01").data),
                    "00640",
                    1,
                    unix_now() - 3 * 86_400,
                );
                c.block(refused_link(c.quic("01"), &key, &chain, &our_root(c)))
            },
        ),
        row(
            "a revoked site's certificate",
            "01",
            "revoked",
            handshake("quic", "revoked"),
            |c| {
                let p = c.peer("00304");
                c.block(refused_link(c.quic("01"), &p.key, &p.chain, &our_root(c)))
            },
        ),
        row(
            "a province's certificate for another province's commune",
            "01",
            "wrong_parent",
            handshake("quic", "wrong_parent"),
            |c| {
                let (key, chain) =
                    forged(&authority_of(&c.site("01").data), "26526", 30, unix_now());
                c.block(refused_link(c.quic("01"), &key, &chain, &our_root(c)))
            },
        ),
        row(
            "introductions of sites the introducer does not link with",
            "01",
            "peers_not_vouched",
            handshake("control", "peers_not_vouched"),
            |c| {
                let records = ["79", "26506"]
                    .map(|site| PeerRecord {
                        site: site.into(),
                        peer_id: c.peer("00283").key.peer_id().to_string(),
                        quic_addrs: vec![],
                        p2p_addrs: vec![],
                    })
                    .to_vec();
                control_frames(c, "01", "00283", vec![ControlFrame::Peers(records)])
            },
        ),
        row(
            "a flood of introductions",
            "01",
            "peers_rate",
            handshake("control", "peers_rate"),
            |c| control_frames(c, "01", "00283", vec![ControlFrame::Peers(vec![]); 12]),
        ),
        row(
            "a revocation signed by a revoked issuer",
            "VN",
            "issuer_revoked",
            revocations("issuer_revoked"),
            |c| {
                // Central revoked province 04 (prepare); a record 04 signs afterwards is void.
                let vn = &c.site("VN").data;
                let (key, ca) = forged(&authority_of(vn), "04", 30, unix_now() - 600);
                let chain = make_own_leaf(&key, &ca, 30, unix_now() - 300).unwrap();
                let rec = revocation::create(&key, &chain, &commune_of("04"), unix_now()).unwrap();
                control_frames(c, "VN", "00190", vec![revocation_frame(rec)])
            },
        )
        .prepare(|c| {
            let a = c.api(
                "VN",
                &c.operator("VN"),
                "POST",
                "revocations",
                Some(json!({"site": "04"})),
            );
            assert_eq!(a.status, 201, "{}", a.body);
            c.wait_revoked_everywhere("04");
        }),
        row(
            "a holiday calendar claiming central, signed by a province",
            "VN",
            "bad_signature",
            calendars("bad_signature"),
            |c| {
                let (key, _) = load_tls(&c.site("01").data);
                let key = ed25519_dalek::SigningKey::from_bytes(&key.seed());
                let csv = "date,kind,name,source\n2029-03-07,off,Ngày nghỉ giả,Không có\n";
                let rec =
                    tiepdan_protocol::calendar::publish_csv(&key, 2029, csv, unix_now()).unwrap();
                control_frames(
                    c,
                    "VN",
                    "00190",
                    vec![ControlFrame::Calendar(ByteBuf::from(rec))],
                )
            },
        ),
        row(
            "a holiday calendar that is not a record",
            "VN",
            "garbled",
            calendars("garbled"),
            |c| {
                control_frames(
                    c,
                    "VN",
                    "00190",
                    vec![ControlFrame::Calendar(ByteBuf::from(
                        b"\xa2not a calendar".to_vec(),
                    ))],
                )
            },
        ),
        row(
            "a revocation dated in the future",
            "01",
            "from_the_future",
            revocations("from_the_future"),
            |c| {
                let (key, chain) = load_tls(&c.site("01").data);
                let rec = revocation::create(&key, &chain, "00640", unix_now() + 3600).unwrap();
                control_frames(c, "01", "00196", vec![revocation_frame(rec)])
            },
        ),
        row(
            "a revocation by a site that is not the parent",
            "01",
            "no_authority",
            revocations("no_authority"),
            |c| {
                let (key, chain) = load_tls(&c.site("79").data);
                let rev = Revocation {
                    v: VERSION,
                    site: "00008".into(),
                    revoked_at: unix_now(),
                    issuer_site: "79".into(),
                };
                control_frames(
                    c,
                    "01",
                    "00196",
                    vec![revocation_frame(signed_revocation(&key, &chain, &rev))],
                )
            },
        ),
        row(
            "a revocation with a bad signature",
            "01",
            "bad_signature",
            revocations("bad_signature"),
            |c| {
                let (key, chain) = load_tls(&c.site("01").data);
                let rec = revocation::create(&key, &chain, "00640", unix_now()).unwrap();
                let mut record: SignedRevocation = cbor4ii::serde::from_slice(&rec).unwrap();
                record.signature[0] ^= 1;
                let bytes = cbor4ii::serde::to_vec(Vec::new(), &record).unwrap();
                control_frames(c, "01", "00196", vec![revocation_frame(bytes)])
            },
        ),
        row(
            "a garbled revocation",
            "01",
            "garbled",
            revocations("garbled"),
            |c| {
                control_frames(
                    c,
                    "01",
                    "00196",
                    vec![revocation_frame(b"not a revocation".to_vec())],
                )
            },
        ),
        row(
            "a libp2p hello from another federation",
            "VN",
            "unknown_root",
            handshake("libp2p", "unknown_root"),
            libp2p_foreign,
        ),
    ]
}
