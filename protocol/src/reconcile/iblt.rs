//! An invertible Bloom lookup table (IBLT) over 16-byte id prefixes.
//!
//! Owns the cell layout, the keyed hashing that places a prefix in its cells, subtraction,
//! peeling and the fixed-size binary encoding of cells. It knows nothing of sessions or rounds.
//!
//! Each prefix goes into [`HASH_COUNT`] distinct cells. A cell holds how many prefixes were
//! added minus removed (`count`), the XOR of those prefixes (`key_sum`) and the XOR of their
//! keyed check hashes (`hash_sum`). After subtracting the peer's table built with the same size
//! and key, only the symmetric difference remains, and it can be listed by repeatedly taking a
//! *pure* cell (count ±1 whose `hash_sum` is the check hash of its `key_sum`) and removing its
//! prefix from its other cells.
//!
//! # Hashing
//!
//! With `fmix` the MurmurHash3 64-bit finalizer, `lo`/`hi` the two little-endian u64 halves of
//! the prefix and `key` the session id:
//!
//! ```text
//! h(domain)  = fmix(rotl(fmix(fmix(key ^ domain) ^ lo), 23) ^ hi)
//! check      = h(0x7469_6570_6461_6e02)                   (goes into hash_sum)
//! base       = h(0x7469_6570_6461_6e01);  r(i) = fmix(base ^ i * 0x9e37_79b9_7f4a_7c15)
//! a = r(1) ⊗ n;  b = r(2) ⊗ (n-1), +1 if >= a;  c = r(3) ⊗ (n-2), +1 if >= min(a,b), +1 if >= max(a,b)
//! ```
//!
//! where `x ⊗ m` is `(x * m) >> 64` in 128-bit arithmetic. It is fixed here (not `std`'s
//! hasher, whose algorithm may change between Rust releases) and pinned by the
//! `hashing_is_pinned` test. Ids are already BLAKE3 outputs; keying by the session only varies
//! the placement between sessions, so that an unlucky set does not fail every time.
//!
//! # Encoding
//!
//! Cells are [`CELL_BYTES`] each, concatenated: `count` (i32 big-endian), `key_sum` (16 bytes),
//! `hash_sum` (u64 big-endian).

use crate::log::EventId;

/// Bytes of an id kept in the table.
pub const PREFIX_BYTES: usize = 16;

/// The first [`PREFIX_BYTES`] of an event id.
pub type Prefix = [u8; PREFIX_BYTES];

/// Distinct cells each prefix is added to.
pub const HASH_COUNT: usize = 3;

/// Encoded size of one cell, in bytes.
pub const CELL_BYTES: usize = 4 + PREFIX_BYTES + 8;

/// Fewest cells a table may have (so that [`HASH_COUNT`] distinct cells exist).
pub const MIN_CELLS: usize = HASH_COUNT;

/// Most cells a table may have; the largest size on the reconciliation ladder.
pub const MAX_IBLT_CELLS: usize = 16_384;

const INDEX_DOMAIN: u64 = 0x7469_6570_6461_6e01; // "tiepdan" 01
const CHECK_DOMAIN: u64 = 0x7469_6570_6461_6e02; // "tiepdan" 02
const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// The prefix of an event id.
pub fn prefix_of(id: &EventId) -> Prefix {
    let mut prefix = [0u8; PREFIX_BYTES];
    prefix.copy_from_slice(&id[..PREFIX_BYTES]);
    prefix
}

/// MurmurHash3's 64-bit finalizer: a bijection with good avalanche.
fn fmix64(mut z: u64) -> u64 {
    z ^= z >> 33;
    z = z.wrapping_mul(0xff51_afd7_ed55_8ccd);
    z ^= z >> 33;
    z = z.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    z ^ (z >> 33)
}

fn keyed_hash(prefix: &Prefix, key: u64, domain: u64) -> u64 {
    let mut lo = [0u8; 8];
    let mut hi = [0u8; 8];
    lo.copy_from_slice(&prefix[..8]);
    hi.copy_from_slice(&prefix[8..]);
    let h = fmix64(key ^ domain);
    let h = fmix64(h ^ u64::from_le_bytes(lo));
    fmix64(h.rotate_left(23) ^ u64::from_le_bytes(hi))
}

/// Maps a uniform 64-bit value onto `0..n` (multiply-high).
fn reduce(r: u64, n: usize) -> usize {
    ((u128::from(r) * n as u128) >> 64) as usize
}

/// One table cell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cell {
    pub count: i32,
    pub key_sum: Prefix,
    pub hash_sum: u64,
}

impl Cell {
    fn is_zero(&self) -> bool {
        *self == Cell::default()
    }

    fn toggle(&mut self, prefix: &Prefix, check: u64, delta: i32) {
        // Wrapping: counts from a peer may be anything; overflow must not panic.
        self.count = self.count.wrapping_add(delta);
        for (sum, byte) in self.key_sum.iter_mut().zip(prefix) {
            *sum ^= byte;
        }
        self.hash_sum ^= check;
    }
}

/// The peeled table was not empty: the difference is too large for this size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("IBLT decoding failed after recovering {recovered} items: the difference is too large for {cells} cells")]
pub struct DecodeFailed {
    pub recovered: usize,
    pub cells: usize,
}

/// Why a table could not be built, combined or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IbltError {
    #[error("an IBLT must have {MIN_CELLS} to {MAX_IBLT_CELLS} cells, not {0}")]
    BadSize(usize),
    #[error("encoded IBLT of {0} bytes is not a whole number of {CELL_BYTES}-byte cells")]
    BadLength(usize),
    #[error("IBLTs differ in size or key and cannot be subtracted")]
    Mismatch,
}

/// An invertible Bloom lookup table of prefixes. See the module doc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iblt {
    key: u64,
    cells: Vec<Cell>,
}

impl Iblt {
    /// An empty table of `cells` cells whose hashing is keyed by `key`.
    pub fn new(cells: usize, key: u64) -> Result<Self, IbltError> {
        if !(MIN_CELLS..=MAX_IBLT_CELLS).contains(&cells) {
            return Err(IbltError::BadSize(cells));
        }
        Ok(Iblt {
            key,
            cells: vec![Cell::default(); cells],
        })
    }

    /// A table holding the prefixes of `ids`.
    pub fn from_ids(cells: usize, key: u64, ids: &[EventId]) -> Result<Self, IbltError> {
        let mut table = Iblt::new(cells, key)?;
        for id in ids {
            table.insert(id);
        }
        Ok(table)
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Always false: a table has at least [`MIN_CELLS`] cells.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    pub fn key(&self) -> u64 {
        self.key
    }

    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    /// The [`HASH_COUNT`] distinct cells of `prefix`.
    fn indices(&self, prefix: &Prefix) -> [usize; HASH_COUNT] {
        let n = self.cells.len();
        let base = keyed_hash(prefix, self.key, INDEX_DOMAIN);
        let r = |i: u64| fmix64(base ^ GOLDEN.wrapping_mul(i));
        // Draw from shrinking ranges and skip the cells already taken, so all three differ.
        let a = reduce(r(1), n);
        let mut b = reduce(r(2), n - 1);
        if b >= a {
            b += 1;
        }
        let (lo, hi) = if a < b { (a, b) } else { (b, a) };
        let mut c = reduce(r(3), n - 2);
        if c >= lo {
            c += 1;
        }
        if c >= hi {
            c += 1;
        }
        [a, b, c]
    }

    fn toggle(&mut self, prefix: &Prefix, delta: i32) {
        let check = keyed_hash(prefix, self.key, CHECK_DOMAIN);
        for i in self.indices(prefix) {
            self.cells[i].toggle(prefix, check, delta);
        }
    }

    /// Adds the prefix of `id`.
    pub fn insert(&mut self, id: &EventId) {
        self.insert_prefix(&prefix_of(id));
    }

    pub fn insert_prefix(&mut self, prefix: &Prefix) {
        self.toggle(prefix, 1);
    }

    /// Subtracts `other` cell by cell: what remains is the symmetric difference, positive for
    /// prefixes only in `self`, negative for those only in `other`.
    pub fn subtract(&mut self, other: &Iblt) -> Result<(), IbltError> {
        if self.key != other.key || self.cells.len() != other.cells.len() {
            return Err(IbltError::Mismatch);
        }
        for (mine, theirs) in self.cells.iter_mut().zip(&other.cells) {
            mine.count = mine.count.wrapping_sub(theirs.count);
            for (a, b) in mine.key_sum.iter_mut().zip(&theirs.key_sum) {
                *a ^= b;
            }
            mine.hash_sum ^= theirs.hash_sum;
        }
        Ok(())
    }

    fn is_pure(&self, cell: &Cell) -> bool {
        (cell.count == 1 || cell.count == -1)
            && cell.hash_sum == keyed_hash(&cell.key_sum, self.key, CHECK_DOMAIN)
    }

    /// Lists the prefixes by peeling: `(only in self, only in other)` after a
    /// [`subtract`](Self::subtract), both ascending. On a table that was only inserted into,
    /// the first list is its content if it is small enough.
    pub fn decode(&self) -> Result<(Vec<Prefix>, Vec<Prefix>), DecodeFailed> {
        let mut table = self.clone();
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        let mut queue: Vec<usize> = (0..table.cells.len())
            .filter(|&i| table.is_pure(&table.cells[i]))
            .collect();
        // Each peel leaves the cell it came from empty for good, so a well-formed table peels
        // at most once per cell; more means a hostile table, which fails.
        let mut peels_left = table.cells.len();
        while let Some(i) = queue.pop() {
            let cell = table.cells[i];
            if !table.is_pure(&cell) {
                continue;
            }
            if peels_left == 0 {
                break;
            }
            peels_left -= 1;
            if cell.count == 1 {
                ours.push(cell.key_sum);
            } else {
                theirs.push(cell.key_sum);
            }
            table.toggle(&cell.key_sum, -cell.count);
            for j in table.indices(&cell.key_sum) {
                if table.is_pure(&table.cells[j]) {
                    queue.push(j);
                }
            }
        }
        if !table.cells.iter().all(Cell::is_zero) {
            return Err(DecodeFailed {
                recovered: ours.len() + theirs.len(),
                cells: table.cells.len(),
            });
        }
        ours.sort_unstable();
        theirs.sort_unstable();
        Ok((ours, theirs))
    }

    /// The cells in the wire encoding (see the module doc).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.cells.len() * CELL_BYTES);
        for cell in &self.cells {
            out.extend_from_slice(&cell.count.to_be_bytes());
            out.extend_from_slice(&cell.key_sum);
            out.extend_from_slice(&cell.hash_sum.to_be_bytes());
        }
        out
    }

    /// Reads cells in the wire encoding; `key` is the session's.
    pub fn from_bytes(bytes: &[u8], key: u64) -> Result<Self, IbltError> {
        if !bytes.len().is_multiple_of(CELL_BYTES) {
            return Err(IbltError::BadLength(bytes.len()));
        }
        let mut table = Iblt::new(bytes.len() / CELL_BYTES, key)?;
        for (cell, raw) in table.cells.iter_mut().zip(bytes.chunks_exact(CELL_BYTES)) {
            let (count, rest) = raw.split_at(4);
            let (key_sum, hash_sum) = rest.split_at(PREFIX_BYTES);
            let mut c = [0u8; 4];
            c.copy_from_slice(count);
            let mut h = [0u8; 8];
            h.copy_from_slice(hash_sum);
            cell.count = i32::from_be_bytes(c);
            cell.key_sum.copy_from_slice(key_sum);
            cell.hash_sum = u64::from_be_bytes(h);
        }
        Ok(table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id(i: u64) -> EventId {
        *blake3::hash(&i.to_be_bytes()).as_bytes()
    }

    #[test]
    fn indices_are_distinct_and_in_range() {
        for n in [3, 4, 5, 256, 1024, MAX_IBLT_CELLS] {
            let t = Iblt::new(n, 42).unwrap();
            for i in 0..2000 {
                let [a, b, c] = t.indices(&prefix_of(&id(i)));
                assert!(a < n && b < n && c < n);
                assert!(a != b && b != c && a != c, "{n}: {a} {b} {c}");
            }
        }
    }

    #[test]
    fn sizes_are_bounded() {
        assert_eq!(Iblt::new(2, 0), Err(IbltError::BadSize(2)));
        assert_eq!(
            Iblt::new(MAX_IBLT_CELLS + 1, 0),
            Err(IbltError::BadSize(MAX_IBLT_CELLS + 1))
        );
        assert_eq!(
            Iblt::from_bytes(&[0; CELL_BYTES * 2], 0),
            Err(IbltError::BadSize(2))
        );
        assert_eq!(
            Iblt::from_bytes(&[0; CELL_BYTES * 4 + 1], 0),
            Err(IbltError::BadLength(CELL_BYTES * 4 + 1))
        );
        let a = Iblt::new(8, 1).unwrap();
        assert_eq!(
            a.clone().subtract(&Iblt::new(8, 2).unwrap()),
            Err(IbltError::Mismatch)
        );
        assert_eq!(
            a.clone().subtract(&Iblt::new(9, 1).unwrap()),
            Err(IbltError::Mismatch)
        );
    }

    #[test]
    fn difference_is_recovered() {
        let shared: Vec<EventId> = (0..5000).map(id).collect();
        let only_a: Vec<EventId> = (10_000..10_060).map(id).collect();
        let only_b: Vec<EventId> = (20_000..20_040).map(id).collect();
        let a_ids: Vec<EventId> = shared.iter().chain(&only_a).copied().collect();
        let b_ids: Vec<EventId> = shared.iter().chain(&only_b).copied().collect();
        let mut a = Iblt::from_ids(256, 7, &a_ids).unwrap();
        let b = Iblt::from_ids(256, 7, &b_ids).unwrap();
        a.subtract(&b).unwrap();
        let (mine, theirs) = a.decode().unwrap();
        let mut want_a: Vec<Prefix> = only_a.iter().map(prefix_of).collect();
        let mut want_b: Vec<Prefix> = only_b.iter().map(prefix_of).collect();
        want_a.sort();
        want_b.sort();
        assert_eq!(mine, want_a);
        assert_eq!(theirs, want_b);
    }

    #[test]
    fn too_large_a_difference_fails() {
        let a: Vec<EventId> = (0..400).map(id).collect();
        let t = Iblt::from_ids(256, 7, &a).unwrap();
        let err = t.decode().unwrap_err();
        assert_eq!(err.cells, 256);
        assert!(err.recovered < 400);
    }

    #[test]
    fn encoding_round_trips() {
        let ids: Vec<EventId> = (0..100).map(id).collect();
        let mut t = Iblt::from_ids(256, 99, &ids).unwrap();
        t.subtract(&Iblt::from_ids(256, 99, &ids[..10]).unwrap())
            .unwrap();
        let bytes = t.to_bytes();
        assert_eq!(bytes.len(), 256 * CELL_BYTES);
        assert_eq!(Iblt::from_bytes(&bytes, 99), Ok(t));
    }

    /// Pins the hashing and cell encoding: both sides of a reconciliation must place every
    /// prefix in the same cells. If this fails, old and new nodes cannot reconcile. The indices
    /// and check hash of the fixed prefix were computed independently from the module doc's
    /// description (a short Python transcription of the mix).
    #[test]
    fn hashing_is_pinned() {
        let t = Iblt::new(256, 0x0123_4567_89ab_cdef).unwrap();
        let prefix: Prefix = core::array::from_fn(|i| i as u8);
        assert_eq!(t.indices(&prefix), [202, 105, 59]);
        assert_eq!(
            keyed_hash(&prefix, t.key, CHECK_DOMAIN),
            18_018_854_926_805_956_160
        );
        let ids: Vec<EventId> = (0..1000).map(id).collect();
        let t = Iblt::from_ids(256, 5, &ids).unwrap();
        assert_eq!(
            blake3::hash(&t.to_bytes()).to_hex().as_str(),
            PINNED_TABLE_BLAKE3
        );
    }

    const PINNED_TABLE_BLAKE3: &str =
        "3eb9cc2ba6f8bbe07cfab1ac3c30e88bea225647d768f5ab761dd12252c134ae";

    /// 80 differences in 256 cells (the most `small_differences_decode` generates) over 2,000
    /// fixed keys: peeling must succeed almost always, or the ladder would climb too often.
    #[test]
    fn decode_failures_are_rare() {
        let shared: Vec<EventId> = (0..500).map(id).collect();
        let mut failures = 0;
        for key in 0..2000u64 {
            let extra = |side: u64| (0..40).map(move |i| id((1 << 32) + key * 100 + side * 50 + i));
            let a: Vec<EventId> = shared.iter().copied().chain(extra(0)).collect();
            let b: Vec<EventId> = shared.iter().copied().chain(extra(1)).collect();
            let mut t = Iblt::from_ids(256, key, &a).unwrap();
            t.subtract(&Iblt::from_ids(256, key, &b).unwrap()).unwrap();
            match t.decode() {
                Ok((mine, theirs)) => {
                    assert_eq!((mine.len(), theirs.len()), (40, 40), "key {key}");
                }
                Err(_) => failures += 1,
            }
        }
        assert!(failures <= 40, "{failures} of 2000 tables failed to decode");
    }

    proptest! {
        #[test]
        fn garbage_tables_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..CELL_BYTES * 40),
            key in any::<u64>(),
        ) {
            if let Ok(t) = Iblt::from_bytes(&bytes, key) {
                let _ = t.decode();
                let mut u = t.clone();
                u.subtract(&t).unwrap();
                prop_assert_eq!(u.decode(), Ok((vec![], vec![])));
            }
        }

        #[test]
        fn small_differences_decode(
            shared in 0u64..2000,
            only_a in proptest::collection::btree_set(1u64 << 32.., 0..40),
            only_b in proptest::collection::btree_set(1u64 << 32.., 0..40),
            key in any::<u64>(),
        ) {
            // Shared ids come from 0..2000, the others from 2^32 up: the sets do not overlap.
            let only_b: Vec<u64> = only_b.difference(&only_a).copied().collect();
            let ids = |extra: &mut dyn Iterator<Item = &u64>| -> Vec<EventId> {
                (0..shared).chain(extra.copied()).map(id).collect()
            };
            let a = ids(&mut only_a.iter());
            let b = ids(&mut only_b.iter());
            let mut t = Iblt::from_ids(256, key, &a).unwrap();
            t.subtract(&Iblt::from_ids(256, key, &b).unwrap()).unwrap();
            // Peeling is probabilistic: for some keys a few ids share a 2-core and the table
            // does not decode (the session then climbs the ladder). What must never happen is
            // a wrong answer; the failure rate is bounded by `decode_failures_are_rare`.
            let Ok((mine, theirs)) = t.decode() else {
                return Ok(());
            };
            let prefixes = |items: &mut dyn Iterator<Item = &u64>| -> Vec<Prefix> {
                let mut out: Vec<Prefix> = items.map(|&i| prefix_of(&id(i))).collect();
                out.sort();
                out
            };
            prop_assert_eq!(mine, prefixes(&mut only_a.iter()));
            prop_assert_eq!(theirs, prefixes(&mut only_b.iter()));
        }
    }
}
