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

/// True when `introducer` may tell others where `site` is: itself, or a site it links with
/// (either side dialling). A site cannot vouch for addresses of sites it never links to, so a
/// compromised commune cannot redirect the whole country's dials.
pub fn may_introduce(registry: &Registry, introducer: &str, site: &str) -> bool {
    introducer == site
        || wants_link(registry, introducer, site)
        || wants_link(registry, site, introducer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_introduces_only_itself_and_the_sites_it_links_with() {
        let r = Registry::official();
        assert!(may_introduce(r, "00070", "00070"));
        assert!(may_introduce(r, "00070", "01"), "its province");
        assert!(may_introduce(r, "00070", "00073"), "a sibling");
        assert!(may_introduce(r, "01", "00070"), "a province its communes");
        assert!(may_introduce(r, "VN", "00070"), "central every site");
        assert!(!may_introduce(r, "00070", "79"), "not another province");
        assert!(
            !may_introduce(r, "00070", "26734"),
            "not a commune of another province"
        );
    }

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
