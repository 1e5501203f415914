//! Replication with the node's own decisions: a site makes an event (`sign_payload`, `admit`),
//! pushes it (`push_for`), takes events from a peer (`skip_held`, `verify_events`, `admit`,
//! `forwards`), and repairs differences by anti-entropy (`Reconciler`/`respond`). Also the
//! bookkeeping of what is still pending and of convergence after a heal.

use super::*;

impl Sim {
    /// A site signs and keeps a new event of log `id`, then pushes it to its linked audience.
    pub(super) fn local_event(&mut self, site: SiteIx, id: &str, payload: Payload) -> bool {
        let bytes = match &payload {
            Payload::Case(e) => case::encode_event(e),
            Payload::Session(e) => session::encode_event(e),
            Payload::Submission(e) => match tiepdan_protocol::submission::encode_event(e) {
                Ok(b) => b,
                Err(_) => return false,
            },
        };
        let s = &self.sites[site as usize];
        let Ok(event) = records::sign_payload(&s.records, &s.key, &s.code, id, self.now, bytes)
        else {
            return false;
        };
        let before = s.records.audience_of(id).cloned().unwrap_or_default();
        let admission = s.records.admit(
            vec![Ok(CheckedEvent {
                event: event.clone(),
                payload,
            })],
            &s.code,
            None,
        );
        if admission.accepted.is_empty() {
            // Not ours to write (e.g. the fold leaves us outside the audience).
            return false;
        }
        let s = &mut self.sites[site as usize];
        s.records.install(admission.entries);
        let after = s.records.audience_of(id).cloned().unwrap_or_default();
        let widened: Vec<String> = after
            .difference(&before)
            .filter(|w| **w != s.code)
            .cloned()
            .collect();
        self.events_created += 1;
        self.meta.insert(event.id, (id.to_owned(), site));
        let ev_id = event.id;
        let bytes = event.bytes.clone();
        self.oracle.insert(vec![event]);
        let audience: Vec<SiteIx> = self
            .oracle
            .audience_of(id)
            .map(|a| {
                a.iter()
                    .filter_map(|c| self.ix(c))
                    .filter(|&i| i != site && !self.revoked_federation_wide(i))
                    .collect()
            })
            .unwrap_or_default();
        if self.revoked_federation_wide(site) {
            // Made by a site the federation has cut off: it can never leave, by design.
            self.stranded += 1;
        } else if !audience.is_empty() {
            self.pending.insert(
                ev_id,
                Pending {
                    created: self.now,
                    author: site,
                    waiting: audience,
                },
            );
        }
        self.push(site, id, vec![bytes], widened, None);
        true
    }

    /// Cut off by a revocation central knows (central learns first and tells everyone).
    pub(super) fn revoked_federation_wide(&self, i: SiteIx) -> bool {
        self.central.is_some_and(|c| {
            self.sites[c as usize]
                .revs
                .cuts_off(self.registry, self.code(i), CERT_ISSUED_S)
        })
    }

    /// The node's pusher: every usable link whose site `push_for` allows.
    pub(super) fn push(
        &mut self,
        site: SiteIx,
        id: &str,
        events: Vec<Vec<u8>>,
        widened: Vec<String>,
        from: Option<SiteIx>,
    ) {
        let from_code = from.map(|f| self.code(f).to_owned());
        let Some(audience) = self.sites[site as usize].records.audience_of(id).cloned() else {
            return;
        };
        for code in audience {
            let Some(peer) = self.ix(&code) else { continue };
            if peer == site || self.net.get(site, peer).is_none() || !self.is_usable(site, peer) {
                continue;
            }
            if let Some(evs) = self.sites[site as usize].records.push_for(
                id,
                &events,
                &widened,
                from_code.as_deref(),
                &code,
            ) {
                if !evs.is_empty() {
                    self.send(site, peer, Msg::Events(evs));
                }
            }
        }
    }

    pub(super) fn receive_events(&mut self, to: SiteIx, from: SiteIx, evs: Vec<Vec<u8>>) {
        let from_code = self.code(from).to_owned();
        if self.sites[to as usize]
            .revs
            .cuts_off(self.registry, &from_code, CERT_ISSUED_S)
        {
            self.violations.admitted_from_revoked += 1;
            return;
        }
        let decoded = self.sites[to as usize]
            .records
            .skip_held(records::decode_batch(&evs));
        // The chains travel with the events: the receiver learns each author's key.
        for d in decoded.iter().flatten() {
            let author = d.author().to_owned();
            if !self.sites[to as usize]
                .records
                .site_keys
                .contains_key(&author)
            {
                if let Some(k) = self.keys.get(&author) {
                    self.sites[to as usize].records.site_keys.insert(author, *k);
                }
            }
        }
        let site = &self.sites[to as usize];
        let keys = site.records.keys_for(&decoded);
        let checked = records::verify_events(decoded, &keys);
        let admission = site.records.admit(checked, &site.code, Some(&from_code));
        let mut refused_for_history = false;
        for r in &admission.rejected {
            if matches!(r, Rejected::OutOfAudience(_)) {
                // The receiver lacks the history that makes it audience (its genesis was lost
                // with a cut link): the node's periodic anti-entropy delivers the whole log.
                refused_for_history = true;
            }
            *self.rejected.entry(r.reason()).or_default() += 1;
        }
        if refused_for_history {
            self.mark_dirty(to, from, SYNC_INTERVAL_MS);
        }
        let to_code = self.code(to).to_owned();
        for (id, _) in &admission.entries {
            if !self.oracle.in_audience(id, &to_code) {
                self.violations.held_outside_audience += 1;
            }
        }
        if admission.accepted.is_empty() {
            return;
        }
        // Only audience sites matter to `forwards`; the rest of the links are never asked.
        let mut linked: Vec<String> = Vec::new();
        for (_, entry) in &admission.entries {
            for code in entry.audience() {
                if let Some(j) = self.ix(code) {
                    if j != to
                        && self.net.get(to, j).is_some()
                        && self.is_usable(to, j)
                        && !linked.contains(code)
                    {
                        linked.push(code.clone());
                    }
                }
            }
        }
        let site = &mut self.sites[to as usize];
        let forwards = site.records.forwards(&admission, &from_code, &linked);
        let accepted: Vec<EventId> = admission.accepted.iter().map(|v| v.id).collect();
        site.records.install(admission.entries);
        for id in accepted {
            self.delivered(id, to);
        }
        for f in forwards {
            self.push(to, &f.id, f.events, f.widened, Some(from));
        }
    }

    pub(super) fn delivered(&mut self, id: EventId, at: SiteIx) {
        self.deliveries += 1;
        let Some(p) = self.pending.get_mut(&id) else {
            return;
        };
        if self.sites[at as usize].level == Level::Central {
            self.central_latency.push(self.now - p.created);
        }
        p.waiting.retain(|&w| w != at);
        if p.waiting.is_empty() {
            let p = self.pending.remove(&id).expect("pending");
            self.full_latency.push(self.now - p.created);
            self.settled(id, p.author);
        }
    }

    /// An event no longer pending (held everywhere it should be, or stranded by a revocation).
    pub(super) fn settled(&mut self, id: EventId, author: SiteIx) {
        let province = self.sites[author as usize].province;
        let now = self.now;
        for w in &mut self.heals {
            if w.remaining.remove(&id) {
                if let Some(p) = province {
                    if let Some(n) = w.per_province.get_mut(&p) {
                        *n -= 1;
                        if *n == 0 {
                            w.province_done.insert(p, now);
                        }
                    }
                }
                if w.remaining.is_empty() && w.converged_at.is_none() {
                    w.converged_at = Some(now);
                }
            }
        }
    }

    pub(super) fn watch_heal(&mut self, label: &str) {
        let mut per_province: HashMap<SiteIx, usize> = HashMap::new();
        let mut remaining = HashSet::new();
        for (id, p) in &self.pending {
            remaining.insert(*id);
            if let Some(pr) = self.sites[p.author as usize].province {
                *per_province.entry(pr).or_default() += 1;
            }
        }
        let converged_at = remaining.is_empty().then_some(self.now);
        let pending_at_heal = remaining.len() as u64;
        self.heals.push(HealWatch {
            at: self.now,
            label: label.to_owned(),
            remaining,
            per_province,
            pending_at_heal,
            province_done: BTreeMap::new(),
            converged_at,
        });
    }

    pub(super) fn mark_dirty(&mut self, a: SiteIx, b: SiteIx, after_ms: u64) {
        let (init, resp) = if initiates_sync(self.code(a), self.code(b)) {
            (a, b)
        } else {
            (b, a)
        };
        let s = self.syncs.entry(key(a, b)).or_default();
        s.dirty = true;
        if !s.scheduled {
            s.scheduled = true;
            let rtt = self.net.get(a, b).map(|l| 2 * l.latency_ms).unwrap_or(0);
            self.at(self.now + after_ms.max(rtt), Ev::Sync { a: init, b: resp });
        }
    }

    /// One anti-entropy round started by `a` (the node's `sync_with`).
    pub(super) fn sync(&mut self, a: SiteIx, b: SiteIx) {
        let k = key(a, b);
        let usable = self.is_usable(a, b);
        let s = self.syncs.entry(k).or_default();
        s.scheduled = false;
        if !usable || s.running.is_some() || !s.dirty {
            return;
        }
        s.dirty = false;
        let peer = self.sites[b as usize].code.clone();
        let ids = self.sites[a as usize].records.shared_ids(&peer);
        let session: u64 = self.rng.r.gen();
        let Ok(mut r) = Reconciler::new(session, ids) else {
            *self.rejected.entry("reconcile_set_too_large").or_default() += 1;
            return;
        };
        self.syncs_run += 1;
        let out: Vec<ReconcileMsg> = std::iter::from_fn(|| r.poll_transmit()).collect();
        self.syncs.entry(k).or_default().running = Some(r);
        for m in out {
            self.send(a, b, Msg::Recon(m));
        }
    }

    pub(super) fn recon_respond(&mut self, at: SiteIx, initiator: SiteIx, m: ReconcileMsg) {
        let peer = self.code(initiator).to_owned();
        let ours = self.sites[at as usize].records.shared_ids(&peer);
        match reconcile::respond(&ours, &m) {
            Ok(resp) => {
                self.send(at, initiator, Msg::ReconReply(resp.reply));
                if !resp.send.is_empty() {
                    let ids: BTreeSet<EventId> = resp.send.into_iter().collect();
                    let evs = self.sites[at as usize].records.bytes_for(&peer, &ids);
                    if !evs.is_empty() {
                        self.send(at, initiator, Msg::Events(evs));
                    }
                }
            }
            Err(e) => {
                *self.rejected.entry(e.reason()).or_default() += 1;
            }
        }
    }

    pub(super) fn recon_reply(&mut self, at: SiteIx, responder: SiteIx, m: ReconcileMsg) {
        let k = key(at, responder);
        let Some(mut r) = self.syncs.get_mut(&k).and_then(|s| s.running.take()) else {
            return;
        };
        if r.handle_message(m).is_err() {
            self.mark_dirty(at, responder, SYNC_INTERVAL_MS);
            return;
        }
        if !r.is_finished() {
            let out: Vec<ReconcileMsg> = std::iter::from_fn(|| r.poll_transmit()).collect();
            self.syncs.entry(k).or_default().running = Some(r);
            for m in out {
                self.send(at, responder, Msg::Recon(m));
            }
            return;
        }
        let Some(diff) = r.outcome().cloned() else {
            self.mark_dirty(at, responder, SYNC_INTERVAL_MS);
            return;
        };
        let peer = self.code(responder).to_owned();
        let send: BTreeSet<EventId> = diff.send.iter().copied().collect();
        let evs = self.sites[at as usize].records.bytes_for(&peer, &send);
        if !evs.is_empty() {
            self.send(at, responder, Msg::Events(evs));
        }
        if !diff.missing_prefixes.is_empty() {
            self.send(at, responder, Msg::Want(diff.missing_prefixes.clone()));
        }
        // A loss during the round left the link dirty: go again after the interval.
        if self.syncs.get(&k).is_some_and(|s| s.dirty) {
            let s = self.syncs.entry(k).or_default();
            s.dirty = false;
            self.mark_dirty(at, responder, SYNC_INTERVAL_MS);
        }
    }
}
