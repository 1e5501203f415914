//! Revocations: issued by the parent, flooded on every link (and in every `Hello`), enforced
//! by closing the links they cut off — the node's `apply_revocation` after verification.

use super::*;

impl Sim {
    pub(super) fn revoke(&mut self, site: SiteIx) {
        let code = self.code(site).to_owned();
        let Some(issuer) = self.registry.parent(&code).and_then(|p| self.ix(p)) else {
            return;
        };
        let rev = Revocation {
            v: VERSION,
            site: code,
            revoked_at: self.now / 1000,
            issuer_site: self.code(issuer).to_owned(),
        };
        self.revocations_issued.push((site, self.now));
        self.learn_revocation(issuer, rev);
    }

    /// The node's `apply_revocation` after verification: keep the newest, flood it on every
    /// link, close the links it cuts off.
    pub(super) fn learn_revocation(&mut self, at: SiteIx, rev: Revocation) {
        let bytes = format!("{}@{}", rev.site, rev.revoked_at).into_bytes();
        let fresh = self.sites[at as usize].revs.insert(rev.clone(), bytes);
        if !fresh {
            return;
        }
        self.sites[at as usize]
            .revocation_learned_at
            .get_or_insert(self.now);
        for b in self.net.adjacency[at as usize].clone() {
            self.send(at, b, Msg::Revocation(rev.clone()));
        }
        for b in self.net.adjacency[at as usize].clone() {
            self.refresh(at, b);
        }
        // Obligations that can no longer be met by design: to or from cut-off sites.
        if Some(at) == self.central {
            let cut: HashSet<SiteIx> = (0..self.sites.len() as SiteIx)
                .filter(|&i| self.revoked_federation_wide(i))
                .collect();
            let ids: Vec<EventId> = self.pending.keys().copied().collect();
            for id in ids {
                let p = self.pending.get_mut(&id).expect("pending");
                p.waiting.retain(|w| !cut.contains(w));
                let author = p.author;
                if cut.contains(&author) || p.waiting.is_empty() {
                    self.pending.remove(&id);
                    if cut.contains(&author) {
                        self.stranded += 1;
                    }
                    self.settled(id, author);
                }
            }
        }
    }
}
