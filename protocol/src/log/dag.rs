//! The event DAG of one case, and its deterministic order.
//!
//! Owns [`CaseLog`]: which verified events of a case are held, which wait for missing parents,
//! the current heads, and the one topological order every site computes from the same set of
//! events. It must not verify signatures (it takes [`VerifiedEvent`]s), decode payloads or fold
//! them into case state (the case model does that, walking [`CaseLog::ordered`]).
//!
//! # Order
//!
//! [`CaseLog::ordered`] is Kahn's algorithm in which, among the events whose parents have all
//! been emitted, the smallest event id goes first. It depends only on the set of events, never
//! on arrival order or authoring clocks, so two sites holding the same events fold them in the
//! same order.
//!
//! # Bounds
//!
//! A case holds at most [`MAX_CASE_EVENTS`] events. Events waiting for parents are held up to
//! [`MAX_PENDING_EVENTS`] and [`MAX_PENDING_BYTES`]; past that the oldest waiting event is
//! dropped and counted ([`CaseLog::dropped_pending`]). A dropped event is not lost to the
//! federation: anti-entropy brings it back once its parents are here.

use std::collections::{BTreeMap, BTreeSet};

use super::event::{event_id, EventError, EventId, VerifiedEvent, MAX_EVENT_BYTES, MAX_PARENTS};

/// Most events one case may hold.
pub const MAX_CASE_EVENTS: usize = 65_536;

/// Most events of one case held while waiting for their parents.
pub const MAX_PENDING_EVENTS: usize = 256;

/// Most bytes (signed event bytes) of one case held while waiting for parents.
pub const MAX_PENDING_BYTES: usize = 4 * 1024 * 1024;

/// Why an event cannot go into a [`CaseLog`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogError {
    /// The event belongs to another case.
    #[error("event belongs to case {got:?}, not to case {expected:?}")]
    WrongCase { expected: String, got: String },
    /// A second genesis (an event without parents) for a case that already has one.
    #[error("case already has a different genesis event")]
    ConflictingGenesis { existing: EventId, offered: EventId },
    /// The event's id is not the BLAKE3 of its bytes.
    #[error("event id does not match the hash of its bytes")]
    IdMismatch,
    /// The event's body breaks a field rule.
    #[error("invalid event: {0}")]
    InvalidEvent(#[from] EventError),
    /// The case already holds [`MAX_CASE_EVENTS`] events.
    #[error("case holds {max} events, the maximum")]
    CaseFull { max: usize },
}

impl LogError {
    /// A short stable label for metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            LogError::WrongCase { .. } => "wrong_case",
            LogError::ConflictingGenesis { .. } => "conflicting_genesis",
            LogError::IdMismatch => "id_mismatch",
            LogError::InvalidEvent(e) => e.reason(),
            LogError::CaseFull { .. } => "case_full",
        }
    }
}

/// What [`CaseLog::insert`] did with an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Insert {
    /// The event is now in the log. Pending events it unblocked were added too; see
    /// [`CaseLog::released`].
    Added,
    /// The log already holds this event.
    Duplicate,
    /// Some parents are not in the log yet (some may themselves be pending). The event is held
    /// and added as soon as they all are; [`CaseLog::wanted`] lists what to fetch.
    Pending { missing: Vec<EventId> },
}

#[derive(Debug, Clone)]
struct Node {
    event: VerifiedEvent,
    parents: Vec<EventId>,
    children: Vec<EventId>,
}

#[derive(Debug, Clone)]
struct Waiting {
    event: VerifiedEvent,
    parents: Vec<EventId>,
    /// Arrival sequence number, for dropping the oldest first.
    seq: u64,
}

/// The DAG of one case's events.
#[derive(Debug, Clone)]
pub struct CaseLog {
    case_id: String,
    genesis: Option<EventId>,
    nodes: BTreeMap<EventId, Node>,
    heads: BTreeSet<EventId>,
    pending: BTreeMap<EventId, Waiting>,
    /// Pending ids by arrival sequence number.
    pending_by_age: BTreeMap<u64, EventId>,
    /// Missing parent → pending events that wait for it.
    waiting_on: BTreeMap<EventId, BTreeSet<EventId>>,
    pending_bytes: usize,
    next_seq: u64,
    dropped_pending: u64,
    released: Vec<EventId>,
}

impl CaseLog {
    /// An empty log for `case_id`.
    pub fn new(case_id: impl Into<String>) -> Self {
        CaseLog {
            case_id: case_id.into(),
            genesis: None,
            nodes: BTreeMap::new(),
            heads: BTreeSet::new(),
            pending: BTreeMap::new(),
            pending_by_age: BTreeMap::new(),
            waiting_on: BTreeMap::new(),
            pending_bytes: 0,
            next_seq: 0,
            dropped_pending: 0,
            released: Vec::new(),
        }
    }

    pub fn case_id(&self) -> &str {
        &self.case_id
    }

    /// The genesis event's id, once it is in the log.
    pub fn genesis(&self) -> Option<EventId> {
        self.genesis
    }

    /// Adds a verified event, or holds it until its parents are in the log.
    pub fn insert(&mut self, event: VerifiedEvent) -> Result<Insert, LogError> {
        self.released.clear();
        if event.body.case_id != self.case_id {
            return Err(LogError::WrongCase {
                expected: self.case_id.clone(),
                got: event.body.case_id.clone(),
            });
        }
        event.body.validate()?;
        if event.bytes.len() > MAX_EVENT_BYTES {
            return Err(LogError::InvalidEvent(EventError::TooLarge {
                len: event.bytes.len(),
                max: MAX_EVENT_BYTES,
            }));
        }
        if event_id(&event.bytes) != event.id {
            return Err(LogError::IdMismatch);
        }
        let id = event.id;
        if self.nodes.contains_key(&id) {
            return Ok(Insert::Duplicate);
        }
        let parents = event.parents();
        if let Some(waiting) = self.pending.get(&id) {
            return Ok(Insert::Pending {
                missing: self.missing_of(&waiting.parents),
            });
        }
        if parents.is_empty() {
            if let Some(existing) = self.genesis.filter(|g| *g != id) {
                return Err(LogError::ConflictingGenesis {
                    existing,
                    offered: id,
                });
            }
        }
        let missing = self.missing_of(&parents);
        if !missing.is_empty() {
            self.hold(id, event, parents);
            return Ok(Insert::Pending { missing });
        }
        if self.nodes.len() >= MAX_CASE_EVENTS {
            return Err(LogError::CaseFull {
                max: MAX_CASE_EVENTS,
            });
        }
        self.add(id, event, parents);
        self.release_children_of(id);
        Ok(Insert::Added)
    }

    fn missing_of(&self, parents: &[EventId]) -> Vec<EventId> {
        parents
            .iter()
            .filter(|p| !self.nodes.contains_key(*p))
            .copied()
            .collect()
    }

    fn add(&mut self, id: EventId, event: VerifiedEvent, parents: Vec<EventId>) {
        for parent in &parents {
            self.heads.remove(parent);
            if let Some(node) = self.nodes.get_mut(parent) {
                node.children.push(id);
            }
        }
        if parents.is_empty() {
            self.genesis = Some(id);
        }
        // Nothing in the log names `id` as a parent (such events wait in `pending`), so it is a
        // head.
        self.heads.insert(id);
        self.nodes.insert(
            id,
            Node {
                event,
                parents,
                children: Vec::new(),
            },
        );
    }

    fn hold(&mut self, id: EventId, event: VerifiedEvent, parents: Vec<EventId>) {
        let size = event.bytes.len();
        while !self.pending_by_age.is_empty()
            && (self.pending.len() >= MAX_PENDING_EVENTS
                || self.pending_bytes + size > MAX_PENDING_BYTES)
        {
            if let Some((_, oldest)) = self.pending_by_age.pop_first() {
                self.drop_pending(&oldest);
                self.dropped_pending += 1;
            }
        }
        for parent in &parents {
            if !self.nodes.contains_key(parent) {
                self.waiting_on.entry(*parent).or_default().insert(id);
            }
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.pending_by_age.insert(seq, id);
        self.pending_bytes += size;
        self.pending.insert(
            id,
            Waiting {
                event,
                parents,
                seq,
            },
        );
    }

    /// Removes a pending event and its `waiting_on` entries; returns it.
    fn drop_pending(&mut self, id: &EventId) -> Option<Waiting> {
        let waiting = self.pending.remove(id)?;
        self.pending_by_age.remove(&waiting.seq);
        self.pending_bytes -= waiting.event.bytes.len();
        for parent in &waiting.parents {
            if let Some(children) = self.waiting_on.get_mut(parent) {
                children.remove(id);
                if children.is_empty() {
                    self.waiting_on.remove(parent);
                }
            }
        }
        Some(waiting)
    }

    /// Adds every pending event whose last missing parent was just added, transitively.
    fn release_children_of(&mut self, added: EventId) {
        let mut stack = vec![added];
        while let Some(parent) = stack.pop() {
            let Some(children) = self.waiting_on.remove(&parent) else {
                continue;
            };
            for child in children {
                let ready = self
                    .pending
                    .get(&child)
                    .is_some_and(|w| w.parents.iter().all(|p| self.nodes.contains_key(p)));
                if !ready || self.nodes.len() >= MAX_CASE_EVENTS {
                    continue;
                }
                if let Some(waiting) = self.drop_pending(&child) {
                    self.add(child, waiting.event, waiting.parents);
                    self.released.push(child);
                    stack.push(child);
                }
            }
        }
    }

    /// Pending events that the last [`insert`](Self::insert) added to the log, in the order
    /// they were added (at most [`MAX_PENDING_EVENTS`]).
    pub fn released(&self) -> &[EventId] {
        &self.released
    }

    /// The events no other event in the log follows, ascending.
    pub fn heads(&self) -> Vec<EventId> {
        self.heads.iter().copied().collect()
    }

    /// The parents for the next event written here: the heads, or the smallest
    /// [`MAX_PARENTS`] of them when there are more (the next events merge the rest).
    pub fn next_parents(&self) -> Vec<EventId> {
        self.heads.iter().take(MAX_PARENTS).copied().collect()
    }

    /// Whether the event is in the log (pending events are not).
    pub fn contains(&self, id: &EventId) -> bool {
        self.nodes.contains_key(id)
    }

    /// Whether the event waits for its parents.
    pub fn is_pending(&self, id: &EventId) -> bool {
        self.pending.contains_key(id)
    }

    /// Events in the log (pending events not counted).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn get(&self, id: &EventId) -> Option<&VerifiedEvent> {
        self.nodes.get(id).map(|n| &n.event)
    }

    /// Ids of the events in the log, ascending: the set to reconcile with peers.
    pub fn ids(&self) -> Vec<EventId> {
        self.nodes.keys().copied().collect()
    }

    /// Events waiting for parents.
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// Bytes of the events waiting for parents.
    pub fn pending_bytes(&self) -> usize {
        self.pending_bytes
    }

    /// Pending events dropped because the pending bounds were reached, since creation.
    pub fn dropped_pending(&self) -> u64 {
        self.dropped_pending
    }

    /// Parents that pending events wait for and that are held nowhere here: what to fetch.
    pub fn wanted(&self) -> Vec<EventId> {
        self.waiting_on
            .keys()
            .filter(|id| !self.pending.contains_key(*id))
            .copied()
            .collect()
    }

    /// All events of the log in the deterministic topological order (see the module doc).
    pub fn ordered(&self) -> Vec<&VerifiedEvent> {
        let mut unmet: BTreeMap<&EventId, usize> = BTreeMap::new();
        let mut ready: BTreeSet<&EventId> = BTreeSet::new();
        for (id, node) in &self.nodes {
            if node.parents.is_empty() {
                ready.insert(id);
            } else {
                unmet.insert(id, node.parents.len());
            }
        }
        let mut out = Vec::with_capacity(self.nodes.len());
        while let Some(id) = ready.pop_first() {
            let Some(node) = self.nodes.get(id) else {
                continue;
            };
            out.push(&node.event);
            for child in &node.children {
                if let Some(count) = unmet.get_mut(child) {
                    *count -= 1;
                    if *count == 0 {
                        unmet.remove(child);
                        ready.insert(child);
                    }
                }
            }
        }
        // Every event enters the log after all its parents, so the log is acyclic and every
        // event is emitted.
        assert_eq!(out.len(), self.nodes.len(), "case log is not a DAG");
        out
    }

    /// The ids of [`ordered`](Self::ordered).
    pub fn ordered_ids(&self) -> Vec<EventId> {
        self.ordered().into_iter().map(|e| e.id).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::event::{sign_event, verify_event, EventBody};
    use ed25519_dalek::SigningKey;
    use proptest::prelude::*;

    const CASE: &str = "26734-2025-000001";

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn event(case: &str, author: u8, parents: &[EventId], payload: &[u8]) -> VerifiedEvent {
        let k = key(author);
        let body = EventBody::new(case, format!("{author:05}"), parents, 0, payload.to_vec());
        let bytes = sign_event(&body, &k);
        verify_event(&bytes, &k.verifying_key().to_bytes()).unwrap()
    }

    #[test]
    fn linear_history() {
        let mut log = CaseLog::new(CASE);
        assert!(log.is_empty());
        let g = event(CASE, 1, &[], b"open");
        let e1 = event(CASE, 1, &[g.id], b"one");
        let e2 = event(CASE, 2, &[e1.id], b"two");
        assert_eq!(log.insert(g.clone()), Ok(Insert::Added));
        assert_eq!(log.insert(e1.clone()), Ok(Insert::Added));
        assert_eq!(log.insert(e2.clone()), Ok(Insert::Added));
        assert_eq!(log.insert(e1.clone()), Ok(Insert::Duplicate));
        assert_eq!(log.len(), 3);
        assert_eq!(log.genesis(), Some(g.id));
        assert_eq!(log.heads(), vec![e2.id]);
        assert_eq!(log.ordered_ids(), vec![g.id, e1.id, e2.id]);
        assert!(log.contains(&e1.id));
        assert_eq!(log.get(&e2.id), Some(&e2));
        let mut ids = vec![g.id, e1.id, e2.id];
        ids.sort();
        assert_eq!(log.ids(), ids);
    }

    #[test]
    fn partition_branches_merge() {
        // Commune and province both edit the case while cut off from each other.
        let g = event(CASE, 1, &[], b"open");
        let commune = event(CASE, 1, &[g.id], b"commune note");
        let province = event(CASE, 2, &[g.id], b"province note");
        let mut a = CaseLog::new(CASE);
        let mut b = CaseLog::new(CASE);
        for e in [&g, &commune, &province] {
            a.insert(e.clone()).unwrap();
        }
        for e in [&g, &province, &commune] {
            b.insert(e.clone()).unwrap();
        }
        let mut both = vec![commune.id, province.id];
        both.sort();
        assert_eq!(a.heads(), both);
        assert_eq!(a.next_parents(), both);
        assert_eq!(a.ordered_ids(), b.ordered_ids());
        assert_eq!(a.ordered_ids(), vec![g.id, both[0], both[1]]);

        let merge = event(CASE, 1, &a.next_parents(), b"after the link returned");
        assert_eq!(merge.parents(), both);
        assert_eq!(a.insert(merge.clone()), Ok(Insert::Added));
        assert_eq!(a.heads(), vec![merge.id]);
        assert_eq!(*a.ordered_ids().last().unwrap(), merge.id);
    }

    #[test]
    fn pending_events_are_added_when_parents_arrive() {
        let g = event(CASE, 1, &[], b"open");
        let e1 = event(CASE, 1, &[g.id], b"one");
        let e2 = event(CASE, 1, &[e1.id], b"two");
        let side = event(CASE, 2, &[g.id], b"side");
        let merge = event(CASE, 1, &[e2.id, side.id], b"merge");
        let mut log = CaseLog::new(CASE);

        assert_eq!(
            log.insert(merge.clone()),
            Ok(Insert::Pending {
                missing: merge.parents()
            })
        );
        assert_eq!(
            log.insert(e2.clone()),
            Ok(Insert::Pending {
                missing: vec![e1.id]
            })
        );
        // Re-offering a pending event reports what it still waits for.
        assert_eq!(
            log.insert(e2.clone()),
            Ok(Insert::Pending {
                missing: vec![e1.id]
            })
        );
        assert_eq!(log.pending_len(), 2);
        assert!(log.is_pending(&e2.id));
        let mut wanted = vec![e1.id, side.id];
        wanted.sort();
        assert_eq!(log.wanted(), wanted);
        assert!(log.is_empty());

        assert_eq!(log.insert(g.clone()), Ok(Insert::Added));
        assert_eq!(log.insert(e1.clone()), Ok(Insert::Added));
        assert_eq!(log.released(), &[e2.id]);
        assert_eq!(log.pending_len(), 1);
        assert_eq!(log.wanted(), vec![side.id]);
        assert_eq!(log.insert(side.clone()), Ok(Insert::Added));
        assert_eq!(log.released(), &[merge.id]);
        assert_eq!(log.pending_len(), 0);
        assert_eq!(log.len(), 5);
        assert_eq!(log.heads(), vec![merge.id]);
        assert!(log.wanted().is_empty());
        assert_eq!(log.dropped_pending(), 0);
    }

    #[test]
    fn pending_is_bounded_oldest_dropped() {
        let g = event(CASE, 1, &[], b"open");
        let absent = event(CASE, 1, &[g.id], b"never arrives");
        let mut log = CaseLog::new(CASE);
        log.insert(g.clone()).unwrap();
        let waiting: Vec<VerifiedEvent> = (0..MAX_PENDING_EVENTS + 3)
            .map(|i| event(CASE, 2, &[absent.id], &(i as u32).to_be_bytes()))
            .collect();
        for e in &waiting {
            assert!(matches!(log.insert(e.clone()), Ok(Insert::Pending { .. })));
        }
        assert_eq!(log.pending_len(), MAX_PENDING_EVENTS);
        assert_eq!(log.dropped_pending(), 3);
        for e in &waiting[..3] {
            assert!(!log.is_pending(&e.id));
        }
        assert_eq!(log.insert(absent.clone()), Ok(Insert::Added));
        assert_eq!(log.released().len(), MAX_PENDING_EVENTS);
        assert_eq!(log.len(), 2 + MAX_PENDING_EVENTS);
        assert_eq!(log.pending_len(), 0);
    }

    #[test]
    fn pending_bytes_are_bounded() {
        let g = event(CASE, 1, &[], b"open");
        let absent = event(CASE, 1, &[g.id], b"never arrives");
        let mut log = CaseLog::new(CASE);
        let big = 60 * 1024;
        let count = MAX_PENDING_BYTES / big + 2;
        for i in 0..count {
            let mut payload = vec![0; big];
            payload[0] = i as u8;
            log.insert(event(CASE, 2, &[absent.id], &payload)).unwrap();
        }
        assert!(log.pending_len() < count);
        assert!(log.dropped_pending() >= 2);
        assert!(log.pending_bytes <= MAX_PENDING_BYTES);
    }

    #[test]
    fn wrong_case_and_second_genesis_are_refused() {
        let mut log = CaseLog::new(CASE);
        let g = event(CASE, 1, &[], b"open");
        log.insert(g.clone()).unwrap();
        let other = event("01-2025-000009", 1, &[], b"open");
        let err = log.insert(other).unwrap_err();
        assert_eq!(err.reason(), "wrong_case");
        let g2 = event(CASE, 2, &[], b"another open");
        assert_eq!(
            log.insert(g2.clone()),
            Err(LogError::ConflictingGenesis {
                existing: g.id,
                offered: g2.id
            })
        );
        assert_eq!(log.insert(g), Ok(Insert::Duplicate));
        assert_eq!(log.len(), 1);
    }

    #[test]
    fn forged_verified_events_are_refused() {
        let mut log = CaseLog::new(CASE);
        let mut g = event(CASE, 1, &[], b"open");
        g.id[0] ^= 1;
        assert_eq!(log.insert(g.clone()), Err(LogError::IdMismatch));
        g.id[0] ^= 1;
        g.body.parents = vec![serde_bytes::ByteBuf::from(vec![1; 5])];
        assert_eq!(log.insert(g.clone()).unwrap_err().reason(), "invalid_field");
        g.body.parents.clear();
        g.bytes = vec![0; MAX_EVENT_BYTES + 1];
        g.id = event_id(&g.bytes);
        assert_eq!(log.insert(g).unwrap_err().reason(), "too_large");
        assert!(log.is_empty());
    }

    #[test]
    fn more_heads_than_max_parents() {
        let g = event(CASE, 1, &[], b"open");
        let mut log = CaseLog::new(CASE);
        log.insert(g.clone()).unwrap();
        for i in 0..MAX_PARENTS + 4 {
            log.insert(event(CASE, 2, &[g.id], &[i as u8])).unwrap();
        }
        assert_eq!(log.heads().len(), MAX_PARENTS + 4);
        let next = log.next_parents();
        assert_eq!(next.len(), MAX_PARENTS);
        assert_eq!(next, log.heads()[..MAX_PARENTS].to_vec());
        log.insert(event(CASE, 1, &next, b"merge")).unwrap();
        assert_eq!(log.heads().len(), 5);
    }

    /// A small seeded PRNG (SplitMix64) for building DAGs and permutations in tests.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn shuffle<T>(&mut self, items: &mut [T]) {
            for i in (1..items.len()).rev() {
                items.swap(i, self.below(i + 1));
            }
        }
    }

    /// A random DAG of `n` events with one genesis; each later event follows 1–3 earlier ones,
    /// written by one of 3 sites.
    fn random_dag(seed: u64, n: usize) -> Vec<VerifiedEvent> {
        let mut rng = Rng(seed);
        let mut events: Vec<VerifiedEvent> = vec![event(CASE, 1, &[], &seed.to_be_bytes())];
        for i in 1..n {
            let parents: Vec<EventId> = (0..1 + rng.below(3))
                .map(|_| events[rng.below(events.len())].id)
                .collect();
            let author = 1 + rng.below(3) as u8;
            events.push(event(CASE, author, &parents, &(i as u64).to_be_bytes()));
        }
        events
    }

    fn is_topological(order: &[EventId], events: &[VerifiedEvent]) -> bool {
        let position: BTreeMap<EventId, usize> =
            order.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        events
            .iter()
            .all(|e| e.parents().iter().all(|p| position[p] < position[&e.id]))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn order_is_independent_of_arrival(seed in any::<u64>(), n in 1usize..40, perms in 1u64..4) {
            let events = random_dag(seed, n);
            let mut reference = CaseLog::new(CASE);
            for e in &events {
                prop_assert_eq!(reference.insert(e.clone()), Ok(Insert::Added));
            }
            let order = reference.ordered_ids();
            prop_assert_eq!(order.len(), n);
            prop_assert!(is_topological(&order, &events));
            let mut rng = Rng(seed ^ 0x5eed);
            for _ in 0..perms {
                let mut shuffled = events.clone();
                rng.shuffle(&mut shuffled);
                let mut log = CaseLog::new(CASE);
                for e in shuffled {
                    log.insert(e).unwrap();
                }
                prop_assert_eq!(log.pending_len(), 0);
                prop_assert_eq!(log.ordered_ids(), order.clone());
                prop_assert_eq!(log.heads(), reference.heads());
            }
        }
    }
}
