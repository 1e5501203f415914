//! The simulated network: which sites are linked (the node's own topology rule), and how a
//! message crosses a link — latency, bandwidth (a message waits for the ones before it), loss
//! (QUIC retransmits a lost packet after a timeout, so loss shows as delay), and cuts (a link
//! that goes down loses whatever is in flight on it).

use std::collections::HashMap;

use rand::Rng;
use tiepdan_protocol::sites::{Level, Registry};
use tiepdan_protocol::topology::wants_link;

use crate::rng::SimRng;
use crate::scenario::LinkModel;

/// Index of a site in the run.
pub type SiteIx = u32;

/// What a link joins, for latency and for the bytes-per-link report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LinkClass {
    ProvinceCentral,
    CommuneProvince,
    CommuneCentral,
    /// Two provinces (both children of central).
    ProvinceProvince,
    /// Two communes of one province.
    Sibling,
}

impl LinkClass {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkClass::ProvinceCentral => "province-central",
            LinkClass::CommuneProvince => "commune-province",
            LinkClass::CommuneCentral => "commune-central",
            LinkClass::ProvinceProvince => "province-province",
            LinkClass::Sibling => "commune-commune",
        }
    }
}

/// One link between two sites, both directions.
#[derive(Debug, Clone)]
pub struct Link {
    pub class: LinkClass,
    /// Cut by a disruption (a node being down is tracked on the node).
    pub cut: bool,
    /// Bumped at every cut: a message sent in an earlier epoch is lost.
    pub epoch: u32,
    pub latency_ms: u64,
    /// Bytes per millisecond.
    pub bytes_per_ms: u64,
    /// When each direction's wire is free again (lower index → higher, then the other).
    busy_until: [u64; 2],
    /// Bytes carried, both directions.
    pub bytes: u64,
}

/// Every link of the run, and each site's linked sites.
pub struct Net {
    links: HashMap<(SiteIx, SiteIx), Link>,
    pub adjacency: Vec<Vec<SiteIx>>,
    model: LinkModel,
}

/// A link's key: the same for both directions.
pub fn key(a: SiteIx, b: SiteIx) -> (SiteIx, SiteIx) {
    if a < b {
        (a, b)
    } else {
        (b, a)
    }
}

impl Net {
    /// The links the topology rule asks for among `sites` (either side wanting it is enough:
    /// the other accepts any proven site that dials it).
    pub fn build(
        registry: &Registry,
        sites: &[String],
        index: &HashMap<String, SiteIx>,
        model: &LinkModel,
    ) -> Net {
        let mut links = HashMap::new();
        let mut adjacency = vec![Vec::new(); sites.len()];
        let mut add = |a: SiteIx,
                       b: SiteIx,
                       class: LinkClass,
                       links: &mut HashMap<(SiteIx, SiteIx), Link>| {
            if a == b || links.contains_key(&key(a, b)) {
                return;
            }
            let (latency_ms, kbps) = match class {
                LinkClass::ProvinceCentral | LinkClass::ProvinceProvince => {
                    (model.latency_ms[0], model.commune_kbps * 10)
                }
                LinkClass::CommuneProvince => (model.latency_ms[1], model.commune_kbps),
                LinkClass::CommuneCentral => (model.latency_ms[2], model.commune_kbps),
                LinkClass::Sibling => (model.latency_ms[3], model.commune_kbps),
            };
            links.insert(
                key(a, b),
                Link {
                    class,
                    cut: false,
                    epoch: 0,
                    latency_ms,
                    bytes_per_ms: (kbps / 8).max(1),
                    busy_until: [0, 0],
                    bytes: 0,
                },
            );
            adjacency[a as usize].push(b);
            adjacency[b as usize].push(a);
        };
        for (i, code) in sites.iter().enumerate() {
            let i = i as SiteIx;
            let level = registry
                .get(code)
                .map(|s| s.level)
                .unwrap_or(Level::Commune);
            // Ancestors first, then siblings: exactly the sites `wants_link` names.
            for anc in registry.ancestors(code) {
                if let Some(&j) = index.get(anc) {
                    let class = match (level, anc == tiepdan_protocol::sites::CENTRAL_CODE) {
                        (Level::Province, _) => LinkClass::ProvinceCentral,
                        (_, true) => LinkClass::CommuneCentral,
                        _ => LinkClass::CommuneProvince,
                    };
                    debug_assert!(wants_link(registry, code, anc));
                    add(i, j, class, &mut links);
                }
            }
            if let Some(parent) = registry.parent(code) {
                for sib in registry.children(parent) {
                    if let Some(&j) = index.get(sib.as_str()) {
                        if j > i && wants_link(registry, code, sib) {
                            let class = if level == Level::Province {
                                LinkClass::ProvinceProvince
                            } else {
                                LinkClass::Sibling
                            };
                            add(i, j, class, &mut links);
                        }
                    }
                }
            }
        }
        for adj in &mut adjacency {
            adj.sort_unstable();
        }
        Net {
            links,
            adjacency,
            model: model.clone(),
        }
    }

    pub fn get(&self, a: SiteIx, b: SiteIx) -> Option<&Link> {
        self.links.get(&key(a, b))
    }

    pub fn len(&self) -> usize {
        self.links.len()
    }

    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    /// Cuts or restores a link. Returns true when its state changed.
    pub fn set_cut(&mut self, a: SiteIx, b: SiteIx, cut: bool) -> bool {
        let Some(l) = self.links.get_mut(&key(a, b)) else {
            return false;
        };
        if l.cut == cut {
            return false;
        }
        l.cut = cut;
        if cut {
            l.epoch += 1;
        }
        true
    }

    /// Loses everything in flight on the link (a node at one end went down).
    pub fn reset(&mut self, a: SiteIx, b: SiteIx) {
        if let Some(l) = self.links.get_mut(&key(a, b)) {
            l.epoch += 1;
            l.busy_until = [0, 0];
        }
    }

    /// Sends `bytes` from `a` to `b` at `now`: when it arrives, and the link epoch it belongs
    /// to. None when the link does not exist or is cut.
    pub fn send(
        &mut self,
        a: SiteIx,
        b: SiteIx,
        bytes: usize,
        now: u64,
        rng: &mut SimRng,
    ) -> Option<(u64, u32)> {
        let loss = self.model.loss;
        let retransmit = self.model.retransmit_ms;
        let l = self.links.get_mut(&key(a, b))?;
        if l.cut {
            return None;
        }
        let dir = usize::from(a > b);
        let start = now.max(l.busy_until[dir]);
        let wire = (bytes as u64).div_ceil(l.bytes_per_ms);
        l.busy_until[dir] = start + wire;
        l.bytes += bytes as u64;
        let mut at = start + wire + l.latency_ms;
        // Each loss costs one retransmission timeout; QUIC keeps trying while the link lives.
        while loss > 0.0 && rng.r.gen_bool(loss) {
            at += retransmit;
        }
        Some((at, l.epoch))
    }

    /// The epoch a message must still match to be delivered.
    pub fn epoch(&self, a: SiteIx, b: SiteIx) -> Option<u32> {
        self.links.get(&key(a, b)).map(|l| l.epoch)
    }

    /// Bytes carried per link class: (class, links, total, max on one link).
    pub fn bytes_by_class(&self) -> Vec<(LinkClass, usize, u64, u64)> {
        let mut out: std::collections::BTreeMap<LinkClass, (usize, u64, u64)> = Default::default();
        for l in self.links.values() {
            let e = out.entry(l.class).or_default();
            e.0 += 1;
            e.1 += l.bytes;
            e.2 = e.2.max(l.bytes);
        }
        out.into_iter().map(|(c, (n, t, m))| (c, n, t, m)).collect()
    }

    /// Links of sites in `set`, each once (for partitions).
    pub fn links_touching(
        &self,
        set: &std::collections::BTreeSet<SiteIx>,
    ) -> Vec<(SiteIx, SiteIx)> {
        let mut out: Vec<(SiteIx, SiteIx)> = Vec::new();
        for &a in set {
            for &b in &self.adjacency[a as usize] {
                if !set.contains(&b) || a < b {
                    out.push(key(a, b));
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}
