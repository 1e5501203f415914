//! Which connection to keep when two sites dial each other at the same moment.
//!
//! Owns the tie-break rule only. Both sides apply it independently to each of their connections
//! to the other site and must reach the same answer without talking. It must not look at
//! addresses, timing or anything else one side may see differently.
//!
//! **Rule:** of the two connections between sites A and B, keep the one *initiated* by the site
//! whose code sorts lower in byte order (`"01" < "26734" < "VN"`), close the other. A site never
//! keeps a connection to itself.

/// Whether to keep a connection between `local_site` and `remote_site`, given which side opened
/// it, when there may be a second connection between the same two sites.
///
/// Exactly one of the two possible connections (one opened by each side) is kept, and both sides
/// agree on which: the one opened by the site whose code is lower in byte order. Returns `false`
/// when both codes are equal (a loop back to ourselves).
pub fn keep_connection(local_site: &str, remote_site: &str, locally_initiated: bool) -> bool {
    if local_site == remote_site {
        return false;
    }
    let local_is_lower = local_site.as_bytes() < remote_site.as_bytes();
    local_is_lower == locally_initiated
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The connection opened by `a` to `b` and the one opened by `b` to `a`: which does each
    /// side keep? Returns (kept by a's view, kept by b's view) for both connections.
    fn decisions(a: &str, b: &str) -> [(bool, bool); 2] {
        [
            // Connection 1, opened by a: local at a, remote at b.
            (keep_connection(a, b, true), keep_connection(b, a, false)),
            // Connection 2, opened by b.
            (keep_connection(a, b, false), keep_connection(b, a, true)),
        ]
    }

    #[test]
    fn lower_code_initiator_wins() {
        // "01" < "VN": the connection opened by province 01 is kept by both.
        assert_eq!(decisions("01", "VN"), [(true, true), (false, false)]);
        assert_eq!(decisions("VN", "01"), [(false, false), (true, true)]);
        // Byte order, not numeric: "10" < "9".
        assert_eq!(decisions("10", "9"), [(true, true), (false, false)]);
    }

    #[test]
    fn never_keeps_a_loop() {
        assert!(!keep_connection("01", "01", true));
        assert!(!keep_connection("01", "01", false));
    }

    proptest! {
        #[test]
        fn both_sides_keep_the_same_single_connection(a in "\\PC{0,8}", b in "\\PC{0,8}") {
            prop_assume!(a != b);
            let [first, second] = decisions(&a, &b);
            // Each side agrees with the other about each physical connection...
            prop_assert_eq!(first.0, first.1);
            prop_assert_eq!(second.0, second.1);
            // ...and exactly one of the two connections survives.
            prop_assert!(first.0 != second.0);
            // The survivor is the one opened by the lower code.
            prop_assert_eq!(first.0, a.as_bytes() < b.as_bytes());
        }

        #[test]
        fn site_codes_from_the_registry_agree(x in 0u32..4000, y in 0u32..4000) {
            let (a, b) = (format!("{x:05}"), format!("{y:02}"));
            prop_assume!(a != b);
            let [first, second] = decisions(&a, &b);
            prop_assert!(first.0 == first.1 && second.0 == second.1 && first.0 != second.0);
        }
    }
}
