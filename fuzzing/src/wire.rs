//! Targets for the messages between sites: the control stream, replication, set
//! reconciliation, IBLTs and media packets with their link-state heartbeats.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde_bytes::ByteBuf;
use tiepdan_keys::Chain;
use tiepdan_protocol::control::{
    encode_frame, seeds as control_seeds, ControlFrame, FrameDecoder, FrameError,
};
use tiepdan_protocol::log::{self, EventId};
use tiepdan_protocol::media::{
    decode_link_state, encode_link_state, MediaPacket, NextHop, PacketKind, RouteTable, DEAD_MS,
    HOLD_DOWN_MS, MAX_HOPS,
};
use tiepdan_protocol::reconcile::{respond, Iblt, ReconcileMsg, Reconciler, Responder};
use tiepdan_protocol::replication::{decode_repl, encode_repl, frame_len, ReplMsg};

use crate::fixtures::{self, pieces};
use crate::Seed;

// ---------------------------------------------------------------------------------------------
// control_frame
// ---------------------------------------------------------------------------------------------

/// Pushes `chunks` in order, draining after each push; returns the frames and the first error.
fn decode_control<'a>(
    chunks: impl IntoIterator<Item = &'a [u8]>,
) -> (Vec<ControlFrame>, Option<FrameError>) {
    let mut decoder = FrameDecoder::new();
    let mut frames = Vec::new();
    for chunk in chunks {
        if let Err(e) = decoder.push(chunk) {
            return (frames, Some(e));
        }
        loop {
            match decoder.next_frame() {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => break,
                Err(e) => {
                    assert_eq!(decoder.next_frame(), Err(FrameError::Poisoned));
                    return (frames, Some(e));
                }
            }
        }
    }
    (frames, None)
}

/// The control stream decoder (`protocol::control::FrameDecoder`): arbitrary bytes from a
/// hostile peer, delivered whole, in thirds and byte by byte, must never panic, must decode the
/// same way however they are split, and every frame that comes out must be within limits and
/// re-encode to itself.
pub fn control_frame(data: &[u8]) {
    let whole = decode_control([data]);

    let (a, rest) = data.split_at(data.len() / 3);
    let (b, c) = rest.split_at(rest.len() / 2);
    let thirds = decode_control([a, b, c]);
    assert_eq!(whole, thirds, "splitting into thirds changed the result");

    let bytewise = decode_control(data.chunks(1));
    assert_eq!(whole, bytewise, "byte-by-byte delivery changed the result");

    for frame in &whole.0 {
        assert_eq!(frame.validate(), Ok(()));
        let (again, err) = decode_control([encode_frame(frame).as_slice()]);
        assert_eq!(err, None);
        assert_eq!(
            again.as_slice(),
            std::slice::from_ref(frame),
            "frame did not round-trip"
        );
    }
}

pub(crate) fn control_frame_seeds() -> Vec<Seed> {
    control_seeds::fuzz_seed_corpus()
        .into_iter()
        .map(|(name, bytes)| Seed::exact(name, bytes))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// replication_msg
// ---------------------------------------------------------------------------------------------

/// The replication channel's frames (`protocol::replication::frame_len` on the first four
/// bytes, `decode_repl` on the rest): never panic; a decoded message is within its limits,
/// re-encodes to a frame that decodes to the same message, and what it carries (signed events,
/// authors' chains, a reconciliation round) goes through its own decoders without panicking.
pub fn replication_msg(data: &[u8]) {
    if let Some(prefix) = data.get(..4) {
        let prefix: [u8; 4] = prefix.try_into().expect("four bytes");
        if let Ok(len) = frame_len(prefix) {
            assert_eq!(len, u32::from_be_bytes(prefix) as usize);
        }
    }
    let body = data.get(4..).unwrap_or_default();
    let Ok(msg) = decode_repl(body) else {
        return;
    };
    assert_eq!(msg.validate(), Ok(()));
    let frame = encode_repl(&msg);
    let len = frame_len(frame[..4].try_into().expect("prefix")).expect("our frame fits");
    assert_eq!(len, frame.len() - 4);
    assert_eq!(
        decode_repl(&frame[4..]).as_ref(),
        Ok(&msg),
        "did not round-trip"
    );
    match &msg {
        ReplMsg::Events { events, chains } => {
            for event in events {
                if let Ok(e) = log::decode_event(event) {
                    assert_eq!(e.bytes(), event.as_slice());
                }
            }
            for chain in chains {
                let _ = Chain::from_der_list(chain.iter().map(|c| c.to_vec()).collect());
            }
        }
        ReplMsg::Reconcile(m) => {
            let _ = responder().handle(m);
        }
        ReplMsg::Want { prefixes } => assert!(prefixes.iter().all(|p| p.len() == 16)),
        ReplMsg::Ack { .. } | ReplMsg::Done => {}
    }
}

pub(crate) fn replication_msg_seeds() -> Vec<Seed> {
    let event = crate::events::sample_signed_event();
    let chain = fixtures::ders(&fixtures::pki().commune_tls)
        .into_iter()
        .map(ByteBuf::from)
        .collect();
    let mut small = small_reconciler();
    let sketch = large_reconciler().poll_transmit().expect("a sketch");
    let msgs = [
        (
            "events",
            ReplMsg::Events {
                events: vec![ByteBuf::from(event)],
                chains: vec![chain],
            },
        ),
        (
            "events-empty",
            ReplMsg::Events {
                events: vec![],
                chains: vec![],
            },
        ),
        (
            "ack",
            ReplMsg::Ack {
                accepted: 3,
                rejected: 1,
            },
        ),
        (
            "reconcile-full-list",
            ReplMsg::Reconcile(small.poll_transmit().expect("a full list")),
        ),
        ("reconcile-sketch", ReplMsg::Reconcile(sketch)),
        (
            "want",
            ReplMsg::Want {
                prefixes: vec![ByteBuf::from(vec![7; 16]), ByteBuf::from(vec![9; 16])],
            },
        ),
        ("done", ReplMsg::Done),
    ];
    let mut seeds: Vec<Seed> = msgs
        .into_iter()
        .map(|(name, m)| Seed::exact(format!("valid-{name}"), encode_repl(&m)))
        .collect();
    let ack = encode_repl(&ReplMsg::Ack {
        accepted: 1,
        rejected: 0,
    });
    seeds.push(Seed::exact(
        "garbage-truncated",
        ack[..ack.len() - 1].to_vec(),
    ));
    seeds.push(Seed::exact(
        "garbage-too-large",
        [u32::MAX.to_be_bytes().as_slice(), &[0xa0]].concat(),
    ));
    seeds.push(Seed::exact(
        "garbage-want-short-prefix",
        encode_repl(&ReplMsg::Want {
            prefixes: vec![ByteBuf::from(vec![1, 2, 3])],
        }),
    ));
    seeds
}

// ---------------------------------------------------------------------------------------------
// reconcile_msg
// ---------------------------------------------------------------------------------------------

/// A fixed event id set.
fn ids(n: u64, salt: u8) -> Vec<EventId> {
    (0..n)
        .map(|i| *blake3::hash(&[&i.to_be_bytes()[..], &[salt]].concat()).as_bytes())
        .collect()
}

/// The session key of the fixed reconcilers.
const SESSION: u64 = 0x7469_6570_6675_7a7a;

/// The fixed initiator whose set is small enough to be sent as a full list.
fn small_reconciler() -> Reconciler {
    Reconciler::new(SESSION, ids(12, 1)).expect("a small set")
}

/// The fixed initiator whose set is large enough to start with a sketch.
fn large_reconciler() -> Reconciler {
    Reconciler::new(SESSION, ids(300, 1)).expect("a set")
}

/// The fixed responder, fresh (it keeps the sketches it made): most of the initiators' ids and
/// a few of its own.
fn responder() -> Responder {
    static R: OnceLock<Responder> = OnceLock::new();
    R.get_or_init(|| {
        let mut set = ids(290, 1);
        set.extend(ids(5, 2));
        Responder::new(set)
    })
    .clone()
}

/// Feeds `data` as the answer to both fixed initiators, after they sent what they had to.
fn answer_initiators(data: &[u8]) {
    for mut r in [small_reconciler(), large_reconciler()] {
        while r.poll_transmit().is_some() {}
        let result = r.handle_bytes(data);
        if result.is_err() {
            assert!(r.is_finished(), "an error must end the session");
        }
        while let Some(m) = r.poll_transmit() {
            assert_eq!(
                m.try_encode().map(|_| ()),
                Ok(()),
                "initiator sent a bad message"
            );
        }
        assert!(r.outcome().is_none() || r.error().is_none());
    }
}

/// A reconciliation message (`protocol::reconcile::ReconcileMsg::decode`): never panics; a
/// decoded message is valid and round-trips through its encoder; the responder answers it
/// with a valid message, the same again from its kept sketches and the same as the stateless
/// `respond`; both initiators (full-list and sketch) handle it as an answer without panicking.
pub fn reconcile_msg(data: &[u8]) {
    answer_initiators(data);
    let Ok(msg) = ReconcileMsg::decode(data) else {
        return;
    };
    let bytes = msg.try_encode().expect("a decoded message encodes");
    assert_eq!(
        ReconcileMsg::decode(&bytes),
        Ok(msg.clone()),
        "did not round-trip"
    );
    let mut responder = responder();
    let answer = responder.handle(&msg);
    assert_eq!(
        responder.handle(&msg),
        answer,
        "its kept sketch answered otherwise"
    );
    assert_eq!(
        respond(responder.ids(), &msg),
        answer,
        "differs from the stateless answer"
    );
    if let Ok(response) = answer {
        let reply = response
            .reply
            .try_encode()
            .expect("the responder's reply is valid");
        assert_eq!(ReconcileMsg::decode(&reply), Ok(response.reply));
        assert!(response.send.windows(2).all(|w| w[0] < w[1]));
    }
}

pub(crate) fn reconcile_msg_seeds() -> Vec<Seed> {
    let mut seeds = Vec::new();
    for (name, mut r) in [
        ("full-list", small_reconciler()),
        ("sketch", large_reconciler()),
    ] {
        let mut n = 0;
        while let Some(m) = r.poll_transmit() {
            let answer = responder().handle(&m).expect("the responder answers");
            seeds.push(Seed::exact(format!("valid-{name}-{n}"), m.encode()));
            seeds.push(Seed::exact(
                format!("valid-{name}-{n}-answer"),
                answer.reply.encode(),
            ));
            n += 1;
        }
    }
    let larger = ReconcileMsg::Larger {
        session: SESSION,
        round: 0,
        total_items: 5000,
    };
    seeds.push(Seed::exact("valid-larger", larger.encode()));
    let bad = larger.encode();
    seeds.push(Seed::exact(
        "garbage-truncated",
        bad[..bad.len() - 2].to_vec(),
    ));
    seeds.push(Seed::exact("garbage-not-cbor", vec![0xff, 0x00, 0x13]));
    seeds
}

// ---------------------------------------------------------------------------------------------
// iblt
// ---------------------------------------------------------------------------------------------

/// An IBLT from a peer (`protocol::reconcile::Iblt::from_bytes`, then `decode`): the first 8
/// bytes are the key, the rest the cells. Never panics; a table reads back to the same bytes,
/// and whatever peeling lists rebuilds exactly the table it came from.
pub fn iblt(data: &[u8]) {
    let Some((key, cells)) = data.split_first_chunk::<8>() else {
        return;
    };
    let key = u64::from_be_bytes(*key);
    let Ok(table) = Iblt::from_bytes(cells, key) else {
        return;
    };
    assert_eq!(table.to_bytes(), cells, "did not round-trip");
    let mut zero = table.clone();
    zero.subtract(&table).expect("same shape");
    assert_eq!(zero.decode(), Ok((vec![], vec![])));
    let Ok((ours, theirs)) = table.decode() else {
        return;
    };
    assert!(ours.windows(2).all(|w| w[0] <= w[1]));
    assert!(theirs.windows(2).all(|w| w[0] <= w[1]));
    let mut rebuilt = Iblt::new(table.len(), key).expect("same size");
    let mut other = Iblt::new(table.len(), key).expect("same size");
    ours.iter().for_each(|p| rebuilt.insert_prefix(p));
    theirs.iter().for_each(|p| other.insert_prefix(p));
    rebuilt.subtract(&other).expect("same shape");
    assert_eq!(
        rebuilt, table,
        "peeling listed something the table does not hold"
    );
}

pub(crate) fn iblt_seeds() -> Vec<Seed> {
    let key = SESSION;
    let with = |cells: usize, a: &[EventId], b: &[EventId]| {
        let mut t = Iblt::from_ids(cells, key, a).expect("size");
        t.subtract(&Iblt::from_ids(cells, key, b).expect("size"))
            .expect("shape");
        [key.to_be_bytes().as_slice(), &t.to_bytes()].concat()
    };
    let a = ids(40, 1);
    let mut b = ids(38, 1);
    b.extend(ids(3, 3));
    let small = with(16, &ids(4, 4), &[]);
    vec![
        Seed::exact("valid-difference-256", with(256, &a, &b)),
        Seed::exact("valid-content-16", small.clone()),
        Seed::exact("valid-empty-3", with(3, &[], &[])),
        Seed::exact("garbage-undecodable-16", with(16, &ids(40, 5), &[])),
        Seed::exact("garbage-ragged", small[..small.len() - 5].to_vec()),
    ]
}

// ---------------------------------------------------------------------------------------------
// media_packet
// ---------------------------------------------------------------------------------------------

/// A media packet from a linked site (`protocol::media::MediaPacket::decode`): never panics;
/// a decoded packet is within bounds and re-encodes to the bytes it came from (with only the
/// keyframe bit of the flags kept).
pub fn media_packet(data: &[u8]) {
    let Ok(packet) = MediaPacket::decode(data) else {
        return;
    };
    assert!(packet.hops_left <= MAX_HOPS);
    let bytes = packet.encode();
    let mut expected = data.to_vec();
    expected[2] &= 1;
    assert_eq!(bytes, expected, "did not re-encode to its bytes");
    assert_eq!(MediaPacket::decode(&bytes), Ok(packet));
}

fn sample_packet(kind: PacketKind, payload: Vec<u8>) -> MediaPacket {
    MediaPacket {
        kind,
        keyframe: kind == PacketKind::Video,
        timestamp_us: fixtures::NOW_MS * 1000,
        sequence: 42,
        hops_left: 2,
        session_id: "S-01-2026-000001".into(),
        origin: fixtures::COMMUNE.into(),
        publisher_id: "p-1a2b".into(),
        destination: fixtures::PROVINCE.into(),
        payload,
    }
}

pub(crate) fn media_packet_seeds() -> Vec<Seed> {
    let video = sample_packet(PacketKind::Video, vec![0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a]).encode();
    vec![
        Seed::exact(
            "valid-audio",
            sample_packet(PacketKind::Audio, vec![0xfc; 40]).encode(),
        ),
        Seed::exact("valid-video-keyframe", video.clone()),
        Seed::exact(
            "valid-keyframe-request",
            sample_packet(PacketKind::KeyframeRequest, vec![]).encode(),
        ),
        Seed::exact(
            "valid-link-state",
            sample_packet(PacketKind::LinkState, b"01,VN,00008".to_vec()).encode(),
        ),
        Seed::exact("garbage-truncated", video[..20].to_vec()),
        Seed::exact("garbage-version", [&[9u8][..], &video[1..]].concat()),
    ]
}

// ---------------------------------------------------------------------------------------------
// link_state
// ---------------------------------------------------------------------------------------------

/// Link-state heartbeats (`MediaPacket::decode` of each piece, then
/// `protocol::media::decode_link_state` of its payload) fed to a route table: each piece is a
/// time step (first byte, in tens of ms) then a packet; a keyframe request stands for the link
/// to its origin closing, and an audio or video packet's payload names preferred relays for its
/// destination. Never panics; the sites a payload lists re-encode to the same list; the route
/// table only ever answers with a live direct link or a live relay, and is deterministic.
pub fn link_state(data: &[u8]) {
    /// Destinations asked about after each step.
    const MAX_KNOWN: usize = 32;
    let mut routes = RouteTable::new();
    let mut now = fixtures::NOW_MS;
    let mut known = BTreeSet::new();
    for piece in pieces(data, 64) {
        let Some((step, packet)) = piece.split_first() else {
            continue;
        };
        now += u64::from(*step) * 10;
        let Ok(packet) = MediaPacket::decode(packet) else {
            continue;
        };
        for site in [&packet.origin, &packet.destination] {
            if known.len() < MAX_KNOWN {
                known.insert(site.clone());
            }
        }
        match packet.kind {
            PacketKind::LinkState => {
                let sites = decode_link_state(&packet.payload);
                assert!(sites.iter().all(|s| !s.is_empty() && !s.contains(',')));
                let listed: Vec<String> = sites.iter().cloned().collect();
                assert_eq!(decode_link_state(&encode_link_state(&listed)), sites);
                for site in sites.iter().take(MAX_KNOWN.saturating_sub(known.len())) {
                    known.insert(site.clone());
                }
                routes.heard(&packet.origin, now, sites);
            }
            PacketKind::KeyframeRequest => routes.link_down(&packet.origin),
            PacketKind::Audio | PacketKind::Video => {
                let relays = decode_link_state(&packet.payload).into_iter().collect();
                routes.prefer_relays(&packet.destination, relays);
            }
        }
        for at in [now, now + DEAD_MS + 1, now + HOLD_DOWN_MS] {
            let live = routes.live_sites(at);
            assert!(live.iter().all(|s| routes.is_live(s, at)));
            for dest in &known {
                let hop = routes.next_hop(dest, at);
                assert_eq!(hop, routes.next_hop(dest, at), "not deterministic");
                match &hop {
                    NextHop::Direct(d) => assert_eq!(d, dest),
                    NextHop::Relay(r) => {
                        assert_ne!(r, dest);
                        assert!(routes.is_live(r, at), "relay {r} is not live");
                    }
                    NextHop::Unreachable => assert!(!routes.is_live(dest, at)),
                }
            }
        }
    }
}

pub(crate) fn link_state_seeds() -> Vec<Seed> {
    let beat = |origin: &str, sites: &[&str]| {
        let mut p = sample_packet(
            PacketKind::LinkState,
            encode_link_state(&sites.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
        );
        p.origin = origin.into();
        p.destination = fixtures::COMMUNE.into();
        p.encode()
    };
    let step = |dt: u8, packet: Vec<u8>| [vec![dt], packet].concat();
    let heartbeats = vec![
        step(0, beat("01", &["VN", "00008"])),
        step(10, beat("VN", &["01"])),
        step(10, beat("01", &["VN", "00008"])),
        step(50, beat("VN", &["01", "79"])),
        step(200, beat("01", &["VN"])),
    ];
    let mut cut = heartbeats.clone();
    let mut down = sample_packet(PacketKind::KeyframeRequest, vec![]);
    down.origin = "VN".into();
    cut.push(step(5, down.encode()));
    cut.push(step(
        1,
        sample_packet(PacketKind::Video, b"01".to_vec()).encode(),
    ));
    vec![
        Seed::exact("valid-heartbeats", fixtures::join_pieces(&heartbeats)),
        Seed::exact("valid-link-cut-and-relay", fixtures::join_pieces(&cut)),
        Seed::exact(
            "garbage-empty-names",
            fixtures::join_pieces(&[step(1, beat("01", &[])), vec![0, 1, 3]]),
        ),
    ]
}
