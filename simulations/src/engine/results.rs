//! The end of a run: events lost against the oracle's final audiences, the digest, the report.

use super::*;

impl Sim {
    /// Events some non-revoked audience site lacks at the end, checked against the oracle's
    /// final audience of every record (transfers included).
    pub(super) fn lost(&self) -> u64 {
        let central = self.sites.iter().position(|s| s.level == Level::Central);
        let revs = central.map(|c| &self.sites[c].revs);
        let cut = |code: &str| revs.is_some_and(|r| r.cuts_off(self.registry, code, CERT_ISSUED_S));
        let mut lost = BTreeSet::new();
        for (id, entry) in self
            .oracle
            .entries
            .iter()
            .map(|(i, e)| (i, (&e.audience, &e.ids)))
            .chain(
                self.oracle
                    .sessions
                    .iter()
                    .map(|(i, e)| (i, (&e.audience, &e.ids))),
            )
        {
            let (audience, ids) = entry;
            for code in audience {
                let Some(i) = self.ix(code) else { continue };
                if cut(code) {
                    continue;
                }
                let held = self.sites[i as usize].records.log_of(id);
                for ev in ids {
                    let author_cut = self.meta.get(ev).is_some_and(|(_, a)| cut(self.code(*a)));
                    if !author_cut && !held.is_some_and(|l| l.contains(ev)) {
                        lost.insert(*ev);
                    }
                }
            }
        }
        lost.len() as u64
    }

    /// BLAKE3 over every site's held event ids and revocations, in site order.
    pub(super) fn digest(&self) -> String {
        let mut h = blake3::Hasher::new();
        for s in &self.sites {
            h.update(s.code.as_bytes());
            for (id, e) in &s.records.entries {
                h.update(id.as_bytes());
                for ev in &e.ids {
                    h.update(ev);
                }
            }
            for (id, e) in &s.records.sessions {
                h.update(id.as_bytes());
                for ev in &e.ids {
                    h.update(ev);
                }
            }
            for r in s.revs.iter() {
                h.update(r.site.as_bytes());
                h.update(&r.revoked_at.to_be_bytes());
            }
        }
        h.finalize().to_hex().to_string()
    }

    pub(super) fn report(&mut self) -> Report {
        let events_lost = self.lost();
        let revocation_ms: Vec<u64> = match self.revocations_issued.first() {
            Some(&(_, t)) => self
                .sites
                .iter()
                .filter(|s| {
                    !self.sites.iter().any(|c| {
                        c.level == Level::Central
                            && c.revs.cuts_off(self.registry, &s.code, CERT_ISSUED_S)
                    })
                })
                .map(|s| s.revocation_learned_at.map(|l| l - t).unwrap_or(u64::MAX))
                .collect(),
            None => Vec::new(),
        };
        let unreached = revocation_ms.iter().filter(|v| **v == u64::MAX).count();
        let heals = self
            .heals
            .iter()
            .map(|w| crate::report::Heal {
                label: w.label.clone(),
                at_h: (w.at - START_MS) as f64 / HOUR as f64,
                events_pending: w.pending_at_heal,
                converged_s: w.converged_at.map(|c| (c - w.at) as f64 / 1000.0),
                per_province: w
                    .province_done
                    .iter()
                    .map(|(p, t)| {
                        (
                            self.registry
                                .get(self.code(*p))
                                .map(|s| s.name.clone())
                                .unwrap_or_default(),
                            (t - w.at) as f64 / 1000.0,
                        )
                    })
                    .collect(),
            })
            .collect();
        Report {
            scenario: self.scenario.name.clone(),
            sites: self.sites.len(),
            links: self.net.len(),
            simulated_days: ((self.end - START_MS) / DAY) as u32,
            events_created: self.events_created,
            events_delivered: self.events_created.saturating_sub(events_lost),
            events_lost,
            events_pending_at_end: self.pending.len() as u64,
            events_stranded_by_revocation: self.stranded,
            deliveries: self.deliveries,
            replication_latency_to_central_ms: Percentiles::of(&mut self.central_latency),
            replication_latency_to_audience_ms: Percentiles::of(&mut self.full_latency),
            heals,
            bytes_per_link: self
                .net
                .bytes_by_class()
                .into_iter()
                .map(|(c, n, total, max)| crate::report::LinkBytes {
                    class: c.as_str().to_owned(),
                    links: n,
                    total_bytes: total,
                    mean_bytes: total / n.max(1) as u64,
                    max_bytes: max,
                })
                .collect(),
            revocation_propagation_ms: Percentiles::of(
                &mut revocation_ms
                    .iter()
                    .copied()
                    .filter(|v| *v != u64::MAX)
                    .collect::<Vec<_>>(),
            ),
            revocation_sites_unreached: unreached as u64,
            sessions: self.sessions_held,
            session_reroutes: self.reroutes,
            session_reroute_gap_ms: Percentiles::of(&mut self.reroute_gaps),
            anti_entropy_rounds: self.syncs_run,
            refused: self
                .rejected
                .iter()
                .map(|(k, v)| ((*k).to_owned(), *v))
                .collect(),
            steps_skipped_unreplicated: self.steps_skipped,
            events_ignored_by_fold: self.ignored_by_fold,
            invariant_violations: crate::report::ViolationCounts {
                sent_outside_audience: self.violations.sent_outside_audience,
                admitted_from_revoked: self.violations.admitted_from_revoked,
                held_outside_audience: self.violations.held_outside_audience,
            },
            digest: self.digest(),
            backlog: std::mem::take(&mut self.backlog),
            windows: std::mem::take(&mut self.windows),
            central_latencies_ms: std::mem::take(&mut self.central_latency),
            wall_seconds: 0.0,
            events_per_wall_second: 0.0,
        }
    }
}
