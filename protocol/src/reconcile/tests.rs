//! Tier-1 tests of the reconciliation protocol.

use super::*;
use proptest::prelude::*;

/// A deterministic pseudo-random event id.
fn id(seed: u64, i: u64) -> EventId {
    let mut input = [0u8; 16];
    input[..8].copy_from_slice(&seed.to_be_bytes());
    input[8..].copy_from_slice(&i.to_be_bytes());
    *blake3::hash(&input).as_bytes()
}

fn ids(seed: u64, range: std::ops::Range<u64>) -> Vec<EventId> {
    range.map(|i| id(seed, i)).collect()
}

fn sorted(mut v: Vec<EventId>) -> Vec<EventId> {
    v.sort_unstable();
    v.dedup();
    v
}

/// `shared` common ids plus `only_a` ids only in A and `only_b` only in B.
fn sets(
    seed: u64,
    shared: u64,
    only_a: u64,
    only_b: u64,
) -> (Vec<EventId>, Vec<EventId>, Vec<EventId>, Vec<EventId>) {
    let common = ids(seed, 0..shared);
    let a_extra = ids(seed, 1 << 40..(1 << 40) + only_a);
    let b_extra = ids(seed, 2 << 40..(2 << 40) + only_b);
    let a = common.iter().chain(&a_extra).copied().collect();
    let b = common.iter().chain(&b_extra).copied().collect();
    (a, b, sorted(a_extra), sorted(b_extra))
}

fn check_exact(stats: &ReconcileStats, a_extra: &[EventId], b_extra: &[EventId]) {
    assert!(stats.complete);
    assert_eq!(stats.missing_at_b, a_extra, "what B lacks");
    assert_eq!(stats.missing_at_a, b_extra, "what A lacks");
}

#[test]
fn hundred_differences_among_100k_meet_the_targets() {
    let (a, b, a_extra, b_extra) = sets(1, 100_000, 50, 50);
    let stats = simulate(&a, &b).unwrap();
    println!(
        "100 differences among 100,000: {} round trips, {} bytes A→B, {} bytes B→A",
        stats.round_trips, stats.bytes_a_to_b, stats.bytes_b_to_a
    );
    check_exact(&stats, &a_extra, &b_extra);
    assert!(stats.round_trips <= 4, "{stats:?}");
    assert!(stats.bytes_a_to_b + stats.bytes_b_to_a <= 64 * 1024);
    // With the defaults it takes one exchange: a 256-cell sketch and its diff.
    assert_eq!(stats.round_trips, 1);
    assert!(stats.bytes_a_to_b < INITIAL_CELLS * iblt::CELL_BYTES + 128);
    assert!(stats.bytes_b_to_a < 100 * PREFIX_BYTES + 128);
}

#[test]
fn many_seeds_of_100_differences_stay_within_targets() {
    for seed in 2..7 {
        let (a, b, a_extra, b_extra) = sets(seed, 100_000, 50, 50);
        let stats = simulate(&a, &b).unwrap();
        check_exact(&stats, &a_extra, &b_extra);
        assert!(stats.round_trips <= 4);
        assert!(stats.bytes_a_to_b + stats.bytes_b_to_a <= 64 * 1024);
    }
}

#[test]
fn identical_sets_take_one_small_exchange() {
    let (a, b, _, _) = sets(3, 100_000, 0, 0);
    let stats = simulate(&a, &b).unwrap();
    check_exact(&stats, &[], &[]);
    assert_eq!(stats.round_trips, 1);
    assert!(stats.bytes_a_to_b < INITIAL_CELLS * iblt::CELL_BYTES + 128);
    assert!(stats.bytes_b_to_a < 96, "{}", stats.bytes_b_to_a);

    // Small identical sets send a list smaller than a sketch.
    let (a, b, _, _) = sets(3, 50, 0, 0);
    let stats = simulate(&a, &b).unwrap();
    check_exact(&stats, &[], &[]);
    assert_eq!(stats.round_trips, 1);
    assert!(stats.bytes_a_to_b < 50 * 32 + 128);
    assert!(stats.bytes_b_to_a < 96);
}

#[test]
fn empty_sides() {
    let both_empty = simulate(&[], &[]).unwrap();
    check_exact(&both_empty, &[], &[]);
    assert_eq!(both_empty.round_trips, 1);

    let b = ids(4, 0..1000);
    let stats = simulate(&[], &b).unwrap();
    check_exact(&stats, &[], &sorted(b.clone()));
    assert_eq!(stats.round_trips, 1);

    let stats = simulate(&b, &[]).unwrap();
    check_exact(&stats, &sorted(b.clone()), &[]);
    // A 256-cell sketch first (A cannot know B is empty), then the list.
    assert_eq!(stats.round_trips, 2);
}

#[test]
fn larger_differences_climb_the_ladder() {
    // Balanced, so set sizes give no hint: 256 cells fail, 1,024 decode.
    let (a, b, a_extra, b_extra) = sets(5, 20_000, 300, 300);
    let stats = simulate(&a, &b).unwrap();
    check_exact(&stats, &a_extra, &b_extra);
    assert_eq!(stats.round_trips, 2);

    // Unbalanced: B's size says the difference is at least 2,500, so A skips to 4,096 cells.
    let (a, b, a_extra, b_extra) = sets(6, 20_000, 0, 2_500);
    let stats = simulate(&a, &b).unwrap();
    check_exact(&stats, &a_extra, &b_extra);
    assert_eq!(stats.round_trips, 2);
    assert!(stats.bytes_a_to_b < (INITIAL_CELLS + 4096) * iblt::CELL_BYTES + 256);
}

#[test]
fn huge_differences_fall_back_to_full_lists() {
    // 30,000 differences among 40,000 shared: every sketch fails, then two list chunks.
    let (a, b, a_extra, b_extra) = sets(7, 40_000, 15_000, 15_000);
    let stats = simulate(&a, &b).unwrap();
    check_exact(&stats, &a_extra, &b_extra);
    assert_eq!(stats.round_trips, MAX_SKETCH_ROUNDS as u32 + 1);

    // A has 70,000 ids, B none: one sketch, then three chunks at once.
    let a = ids(8, 0..70_000);
    let stats = simulate(&a, &[]).unwrap();
    check_exact(&stats, &sorted(a.clone()), &[]);
    assert_eq!(stats.round_trips, 2);
}

#[test]
fn a_responder_cuts_an_oversized_diff_and_says_so() {
    let b = sorted(ids(9, 0..(MAX_DIFF_PREFIXES as u64 + 5_000)));
    let stats = simulate(&[], &b).unwrap();
    assert!(!stats.complete);
    assert_eq!(stats.missing_at_a, b[..MAX_DIFF_PREFIXES].to_vec());
    // After the transfer, the next session finds the rest.
    let stats = simulate(&stats.missing_at_a, &b).unwrap();
    check_exact(&stats, &[], &b[MAX_DIFF_PREFIXES..]);
}

#[test]
fn sets_beyond_the_fallback_are_refused() {
    let too_many = ids(10, 0..MAX_SET_IDS as u64 + 1);
    assert_eq!(
        Reconciler::new(1, too_many).unwrap_err(),
        ReconcileError::SetTooLarge {
            len: MAX_SET_IDS + 1,
            max: MAX_SET_IDS
        }
    );
}

#[test]
fn resolve_prefixes_maps_back_to_ids() {
    let all = sorted(ids(11, 0..1000));
    let picked = vec![all[3], all[500], all[999]];
    let mut prefixes: Vec<Prefix> = picked.iter().map(prefix_of).collect();
    prefixes.reverse();
    prefixes.push([0xff; 16]); // unknown: skipped
    prefixes.push(prefix_of(&all[3])); // repeated: once
    assert_eq!(resolve_prefixes(&all, &prefixes), picked);
    assert!(resolve_prefixes(&[], &prefixes).is_empty());
}

#[test]
fn the_responder_needs_sorted_ids() {
    let a = ids(12, 0..300);
    let mut r = Reconciler::new(5, a.clone()).unwrap();
    let msg = r.poll_transmit().unwrap();
    let mut unsorted = sorted(a[..2].to_vec());
    unsorted.reverse();
    assert_eq!(respond(&unsorted, &msg), Err(ReconcileError::NotSorted));
}

#[test]
fn the_initiator_drives_a_clean_state_machine() {
    let (a, b, a_extra, b_extra) = sets(13, 1000, 3, 4);
    let b = sorted(b);
    let mut r = Reconciler::new(77, a).unwrap();
    assert_eq!(r.session(), 77);
    let first = r.poll_transmit().unwrap();
    assert!(matches!(
        first,
        ReconcileMsg::Sketch {
            session: 77,
            round: 0,
            total_items: 1003,
            ..
        }
    ));
    assert_eq!(r.poll_transmit(), None);
    assert!(!r.is_finished());
    let response = respond(&b, &first).unwrap();
    assert_eq!(response.send, b_extra);
    r.handle_message(response.reply).unwrap();
    assert!(r.is_finished());
    let outcome = r.outcome().unwrap();
    assert_eq!(outcome.send, a_extra);
    let mut prefixes: Vec<Prefix> = b_extra.iter().map(prefix_of).collect();
    prefixes.sort();
    assert_eq!(outcome.missing_prefixes, prefixes);
    assert!(outcome.complete);
    assert_eq!(outcome.round_trips, 1);
    assert_eq!(r.poll_transmit(), None);
    // Nothing more is accepted.
    let again = respond(&b, &first).unwrap().reply;
    assert_eq!(r.handle_message(again), Err(ReconcileError::Finished));
    assert!(r.outcome().is_some());
}

fn started(session: u64) -> (Reconciler, ReconcileMsg) {
    let mut r = Reconciler::new(session, ids(14, 0..1000)).unwrap();
    let msg = r.poll_transmit().unwrap();
    (r, msg)
}

#[test]
fn protocol_violations_end_the_session() {
    let diff = |session, round| ReconcileMsg::Diff {
        session,
        round,
        have_prefixes: vec![],
        want_prefixes: vec![],
        complete: true,
    };
    let cases: Vec<(ReconcileMsg, &str)> = vec![
        (diff(2, 0), "wrong_session"),
        (diff(1, 1), "wrong_round"),
        (started(1).1, "unexpected_message"),
        (
            ReconcileMsg::FullList {
                session: 1,
                round: 0,
                range_start: [0; 32],
                range_end: None,
                ids: vec![],
            },
            "unexpected_message",
        ),
    ];
    for (msg, reason) in cases {
        let (mut r, _) = started(1);
        let err = r.handle_message(msg).unwrap_err();
        assert_eq!(err.reason(), reason, "{err}");
        assert!(r.is_finished());
        assert_eq!(r.error(), Some(&err));
        assert_eq!(r.poll_transmit(), None);
        assert_eq!(r.handle_message(diff(1, 0)), Err(ReconcileError::Finished));
    }
    // The responder refuses answers.
    assert_eq!(
        respond(&[], &diff(1, 0)).unwrap_err().reason(),
        "unexpected_message"
    );
}

#[test]
fn a_lying_responder_cannot_make_us_send_or_expect_the_wrong_ids() {
    let ours = sorted(ids(15, 0..1000));
    let mut r = Reconciler::new(3, ours.clone()).unwrap();
    let _ = r.poll_transmit();
    let mut have = vec![prefix_of(&ours[0]), [0x11; 16]];
    have.sort();
    let mut want = vec![prefix_of(&ours[1]), [0x22; 16]];
    want.sort();
    r.handle_message(ReconcileMsg::Diff {
        session: 3,
        round: 0,
        have_prefixes: have,
        want_prefixes: want,
        complete: true,
    })
    .unwrap();
    let outcome = r.outcome().unwrap();
    assert_eq!(outcome.send, vec![ours[1]]);
    assert_eq!(outcome.missing_prefixes, vec![[0x11; 16]]);
}

#[test]
fn messages_round_trip_and_limits_are_enforced() {
    let (_, sketch) = started(9);
    let ok = [
        sketch.clone(),
        ReconcileMsg::Larger {
            session: 9,
            round: 3,
            total_items: u64::MAX,
        },
        ReconcileMsg::FullList {
            session: 9,
            round: 4,
            range_start: [1; 32],
            range_end: Some([3; 32]),
            ids: vec![[1; 32], [2; 32]],
        },
        ReconcileMsg::FullList {
            session: 9,
            round: (MAX_ROUNDS - 1) as u8,
            range_start: [0; 32],
            range_end: None,
            ids: vec![[7; 32]; 1].into_iter().chain([[0xff; 32]]).collect(),
        },
        ReconcileMsg::Diff {
            session: 9,
            round: 0,
            have_prefixes: vec![[1; 16], [2; 16]],
            want_prefixes: vec![],
            complete: false,
        },
    ];
    for msg in ok {
        let bytes = msg.try_encode().unwrap();
        assert_eq!(ReconcileMsg::decode(&bytes), Ok(msg));
    }

    let prefixes = |n: usize| -> Vec<Prefix> {
        (0..n as u32)
            .map(|i| {
                let mut p = [0u8; 16];
                p[..4].copy_from_slice(&i.to_be_bytes());
                p
            })
            .collect()
    };
    let bad: Vec<(ReconcileMsg, &str)> = vec![
        (
            ReconcileMsg::Larger {
                session: 9,
                round: MAX_ROUNDS as u8,
                total_items: 0,
            },
            "limit",
        ),
        (
            ReconcileMsg::Sketch {
                session: 9,
                round: 0,
                total_items: 0,
                iblt: Iblt::new(300, 9).unwrap(),
            },
            "invalid",
        ),
        (
            ReconcileMsg::FullList {
                session: 9,
                round: 0,
                range_start: [0; 32],
                range_end: None,
                ids: vec![[2; 32], [1; 32]],
            },
            "invalid",
        ),
        (
            ReconcileMsg::FullList {
                session: 9,
                round: 0,
                range_start: [5; 32],
                range_end: None,
                ids: vec![[2; 32]],
            },
            "invalid",
        ),
        (
            ReconcileMsg::FullList {
                session: 9,
                round: 0,
                range_start: [0; 32],
                range_end: Some([2; 32]),
                ids: vec![[2; 32]],
            },
            "invalid",
        ),
        (
            ReconcileMsg::FullList {
                session: 9,
                round: 0,
                range_start: [3; 32],
                range_end: Some([3; 32]),
                ids: vec![],
            },
            "invalid",
        ),
        (
            ReconcileMsg::FullList {
                session: 9,
                round: 0,
                range_start: [0; 32],
                range_end: None,
                ids: sorted(ids(16, 0..MAX_FULL_LIST_IDS as u64 + 1)),
            },
            "limit",
        ),
        (
            ReconcileMsg::Diff {
                session: 9,
                round: 0,
                have_prefixes: vec![[1; 16], [1; 16]],
                want_prefixes: vec![],
                complete: true,
            },
            "invalid",
        ),
        (
            ReconcileMsg::Diff {
                session: 9,
                round: 0,
                have_prefixes: vec![],
                want_prefixes: prefixes(MAX_DIFF_PREFIXES + 1),
                complete: true,
            },
            "limit",
        ),
    ];
    for (msg, reason) in bad {
        assert_eq!(
            msg.validate().unwrap_err().reason(),
            reason,
            "{}",
            msg.kind()
        );
        assert!(msg.try_encode().is_err());
        assert_eq!(
            ReconcileMsg::decode(&msg.encode()).unwrap_err().reason(),
            reason
        );
        assert_eq!(respond(&[], &msg).unwrap_err().reason(), reason);
    }
    // A sketch keyed by something else than its session (only possible locally: the decoder
    // keys what it reads by the session).
    let miskeyed = ReconcileMsg::Sketch {
        session: 9,
        round: 0,
        total_items: 0,
        iblt: Iblt::new(256, 8).unwrap(),
    };
    assert_eq!(miskeyed.validate().unwrap_err().reason(), "invalid");
    assert_eq!(respond(&[], &miskeyed).unwrap_err().reason(), "invalid");
    assert!(miskeyed.try_encode().is_err());
    // At the limits.
    let full = ReconcileMsg::FullList {
        session: 9,
        round: 0,
        range_start: [0; 32],
        range_end: None,
        ids: sorted(ids(16, 0..MAX_FULL_LIST_IDS as u64)),
    };
    let biggest_diff = ReconcileMsg::Diff {
        session: 9,
        round: 0,
        have_prefixes: prefixes(MAX_DIFF_PREFIXES),
        want_prefixes: prefixes(MAX_DIFF_PREFIXES),
        complete: true,
    };
    let biggest_sketch = ReconcileMsg::Sketch {
        session: 9,
        round: 0,
        total_items: 0,
        iblt: Iblt::new(MAX_CELLS, 9).unwrap(),
    };
    for msg in [full, biggest_diff, biggest_sketch] {
        let bytes = msg.try_encode().unwrap();
        assert!(bytes.len() <= MAX_MESSAGE_BYTES);
        assert_eq!(ReconcileMsg::decode(&bytes), Ok(msg));
    }
}

#[test]
fn oversized_and_malformed_bytes_are_refused() {
    assert_eq!(
        ReconcileMsg::decode(&vec![0; MAX_MESSAGE_BYTES + 1]),
        Err(ReconcileError::TooLarge {
            len: MAX_MESSAGE_BYTES + 1,
            max: MAX_MESSAGE_BYTES
        })
    );
    let mut trailing = ReconcileMsg::Larger {
        session: 1,
        round: 0,
        total_items: 0,
    }
    .encode();
    trailing.push(0);
    assert_eq!(
        ReconcileMsg::decode(&trailing).unwrap_err().reason(),
        "malformed"
    );
    for garbage in [
        &[][..],
        &[0xff][..],
        &[0x81; 600][..],
        &[0xa1, 0x63, b'F', b'o', b'o', 0][..],
    ] {
        assert_eq!(
            ReconcileMsg::decode(garbage).unwrap_err().reason(),
            "malformed"
        );
    }
    // A sketch whose cells are not whole.
    let mut sketch = ReconcileMsg::Sketch {
        session: 1,
        round: 0,
        total_items: 0,
        iblt: Iblt::new(256, 1).unwrap(),
    }
    .encode();
    // The cells are the last field: a 2-byte-length byte string (0x59 0x1c00) at the end.
    let len_at = sketch.len() - 256 * iblt::CELL_BYTES - 2;
    assert_eq!(&sketch[len_at - 1..len_at + 2], &[0x59, 0x1c, 0x00]);
    // 7,167 bytes: not a whole number of 28-byte cells.
    sketch[len_at] = 0x1b;
    sketch[len_at + 1] = 0xff;
    sketch.truncate(sketch.len() - 1);
    assert_eq!(
        ReconcileMsg::decode(&sketch).unwrap_err().reason(),
        "invalid_iblt"
    );
    // The initiator fails on garbage.
    let (mut r, _) = started(1);
    assert_eq!(r.handle_bytes(&[0xff]).unwrap_err().reason(), "malformed");
    assert!(r.is_finished());
}

/// Pins the wire format: if this fails, old and new nodes cannot reconcile. Bump the protocol
/// version (or undo the change), then update.
#[test]
fn wire_format_is_pinned() {
    let larger = ReconcileMsg::Larger {
        session: 1,
        round: 2,
        total_items: 3,
    };
    assert_eq!(
        hex(&larger.encode()),
        // {"Larger": {"session": 1, "round": 2, "total_items": 3}}
        "a1664c6172676572a367736573736 96f6e0165726f756e64026b746f74616c5f6974656d7303"
            .replace(' ', "")
    );
    let diff = ReconcileMsg::Diff {
        session: 1,
        round: 0,
        have_prefixes: vec![[0xaa; 16]],
        want_prefixes: vec![],
        complete: true,
    };
    assert_eq!(
        blake3::hash(&diff.encode()).to_hex().as_str(),
        PINNED_DIFF_BLAKE3
    );
    let mut r = Reconciler::new(SIMULATE_SESSION, ids(17, 0..1000)).unwrap();
    let sketch = r.poll_transmit().unwrap().encode();
    assert_eq!(
        blake3::hash(&sketch).to_hex().as_str(),
        PINNED_SKETCH_BLAKE3
    );
}

const PINNED_DIFF_BLAKE3: &str = "6341f716a120cc375aaf1847565d56403a29abcfdf8d66c3f6aa8d00d9077749";
const PINNED_SKETCH_BLAKE3: &str =
    "f1ec0b6a835885cd244013173ccd8b682d721189df418877a25bc2633815857a";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_sets_reconcile_exactly(
        seed in any::<u64>(),
        shared in 0u64..3000,
        only_a in 0u64..700,
        only_b in 0u64..700,
    ) {
        let (a, b, a_extra, b_extra) = sets(seed, shared, only_a, only_b);
        let stats = simulate(&a, &b).unwrap();
        prop_assert!(stats.complete);
        prop_assert_eq!(stats.missing_at_b, a_extra);
        prop_assert_eq!(stats.missing_at_a, b_extra);
        prop_assert!(stats.round_trips as usize <= MAX_SKETCH_ROUNDS + 1);
    }
}

proptest! {
    #[test]
    fn garbage_messages_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        if let Ok(msg) = ReconcileMsg::decode(&bytes) {
            prop_assert_eq!(msg.validate(), Ok(()));
            let _ = respond(&sorted(ids(18, 0..50)), &msg);
            let (mut r, _) = started(msg.session());
            let _ = r.handle_message(msg);
        }
        let (mut r, _) = started(1);
        let _ = r.handle_bytes(&bytes);
    }

    #[test]
    fn mutated_messages_never_panic(
        pos in any::<prop::sample::Index>(),
        xor in 1u8..,
        kind in 0usize..4,
    ) {
        let (_, sketch) = started(1);
        let msg = match kind {
            0 => sketch,
            1 => ReconcileMsg::Larger { session: 1, round: 0, total_items: 9 },
            2 => ReconcileMsg::FullList { session: 1, round: 0, range_start: [0; 32], range_end: Some([9; 32]), ids: vec![[1; 32], [2; 32]] },
            _ => ReconcileMsg::Diff { session: 1, round: 0, have_prefixes: vec![[1; 16]], want_prefixes: vec![[2; 16]], complete: true },
        };
        let mut bytes = msg.encode();
        let i = pos.index(bytes.len());
        bytes[i] ^= xor;
        if let Ok(msg) = ReconcileMsg::decode(&bytes) {
            let _ = respond(&sorted(ids(18, 0..50)), &msg);
        }
        let (mut r, _) = started(1);
        let _ = r.handle_bytes(&bytes);
    }

    #[test]
    fn hostile_sketches_never_panic(
        cells in proptest::collection::vec((any::<i32>(), any::<[u8; 16]>(), any::<u64>()), 0..8),
        positions in proptest::collection::vec(0usize..256, 0..8),
    ) {
        // A 256-cell sketch with a few arbitrary cells: counts near overflow, fake pure cells.
        let mut table = Iblt::new(256, 1).unwrap().to_bytes();
        for ((count, key_sum, hash_sum), at) in cells.into_iter().zip(positions) {
            let cell = &mut table[at * iblt::CELL_BYTES..(at + 1) * iblt::CELL_BYTES];
            cell[..4].copy_from_slice(&count.to_be_bytes());
            cell[4..20].copy_from_slice(&key_sum);
            cell[20..].copy_from_slice(&hash_sum.to_be_bytes());
        }
        let msg = ReconcileMsg::Sketch {
            session: 1,
            round: 0,
            total_items: 10,
            iblt: Iblt::from_bytes(&table, 1).unwrap(),
        };
        let response = respond(&sorted(ids(19, 0..10)), &msg).unwrap();
        prop_assert_eq!(response.reply.validate(), Ok(()));
    }
}

#[test]
fn messages_embed_in_other_cbor_messages() {
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    enum Outer {
        Reconcile(ReconcileMsg),
    }
    let (_, sketch) = started(4);
    for msg in [
        sketch,
        ReconcileMsg::Diff {
            session: 4,
            round: 1,
            have_prefixes: vec![[3; 16]],
            want_prefixes: vec![[1; 16], [2; 16]],
            complete: true,
        },
    ] {
        let bytes = cbor4ii::serde::to_vec(Vec::new(), &Outer::Reconcile(msg.clone())).unwrap();
        // The embedded encoding is the standalone one.
        assert!(bytes.windows(msg.encode().len()).any(|w| w == msg.encode()));
        let back: Outer = cbor4ii::serde::from_slice(&bytes).unwrap();
        assert_eq!(back, Outer::Reconcile(msg));
    }
    // Deserializing validates.
    let bad = ReconcileMsg::Diff {
        session: 4,
        round: 0,
        have_prefixes: vec![[2; 16], [1; 16]],
        want_prefixes: vec![],
        complete: true,
    };
    let bytes = cbor4ii::serde::to_vec(Vec::new(), &Outer::Reconcile(bad)).unwrap();
    assert!(cbor4ii::serde::from_slice::<Outer>(&bytes).is_err());
}

#[test]
fn the_responder_struct_sorts_once_and_answers_like_respond() {
    let (a, b, _, b_extra) = sets(20, 2000, 10, 10);
    let mut responder = Responder::new(b.clone());
    assert_eq!(responder.ids(), sorted(b.clone()).as_slice());
    let mut r = Reconciler::new(6, a).unwrap();
    let msg = r.poll_transmit().unwrap();
    let by_struct = responder.handle_bytes(&msg.encode()).unwrap();
    assert_eq!(by_struct, respond(&sorted(b.clone()), &msg).unwrap());
    // The second time, from the kept sketch: the same answer.
    assert_eq!(responder.handle(&msg).unwrap(), by_struct);
    assert_eq!(by_struct.send, b_extra);
    let shared = std::sync::Arc::new(sorted(b.clone()));
    let mut again = Responder::shared(shared).unwrap();
    assert_eq!(again.handle(&msg).unwrap(), by_struct);
    let mut unsorted = sorted(b);
    unsorted.reverse();
    assert!(
        Responder::shared(std::sync::Arc::new(unsorted)).is_err(),
        "a shared set must already be ascending"
    );
    assert_eq!(
        responder.handle_bytes(&[0xff]).unwrap_err().reason(),
        "malformed"
    );
}
