//! Which sites a node keeps a live link to.
//!
//! A node dials its ancestors and its siblings (the sites that share its parent) and accepts any
//! proven site that dials it. That gives every commune a path to its province and to central, and
//! a sideways path for rerouting, without any node holding thousands of links. Pure policy: the
//! node shell asks, the simulator asks the same question.

use crate::sites::Registry;

/// True when `local` should dial `remote` once it learns an address for it.
pub fn wants_link(registry: &Registry, local: &str, remote: &str) -> bool {
    if local == remote || !registry.contains(local) || !registry.contains(remote) {
        return false;
    }
    let ancestors = registry.ancestors(local);
    if ancestors.contains(&remote) {
        return true;
    }
    match (registry.parent(local), registry.parent(remote)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commune_links_up_and_sideways_only() {
        let r = Registry::official();
        assert!(wants_link(r, "00070", "01"));
        assert!(wants_link(r, "00070", "VN"));
        assert!(
            wants_link(r, "00070", "00073"),
            "siblings give a reroute path"
        );
        assert!(
            !wants_link(r, "00070", "79"),
            "another province is not dialled"
        );
        assert!(
            !wants_link(r, "00070", "26506"),
            "a commune of another province is not dialled"
        );
        assert!(!wants_link(r, "00070", "00070"));
        assert!(wants_link(r, "01", "79"));
        assert!(wants_link(r, "01", "VN"));
        assert!(
            !wants_link(r, "VN", "01"),
            "central waits for provinces to dial it"
        );
        assert!(
            !wants_link(r, "01", "00070"),
            "a province waits for its communes"
        );
    }
}
