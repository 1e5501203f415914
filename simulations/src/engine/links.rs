//! Links as the simulation sees them: whether a connection can exist (nodes up, wire not cut,
//! nobody revoked), the connection state with reconnects on the node's backoff, the `Hello`
//! that carries revocations, and sending and delivering messages.

use super::*;

impl Sim {
    /// Whether a connection between `a` and `b` can exist now: both nodes up, the wire not cut,
    /// and neither side holding a revocation that cuts the other off.
    pub(super) fn physical(&self, a: SiteIx, b: SiteIx) -> bool {
        let (sa, sb) = (&self.sites[a as usize], &self.sites[b as usize]);
        !sa.down
            && !sb.down
            && self.net.get(a, b).is_some_and(|l| !l.cut)
            && !sa.revs.cuts_off(self.registry, &sb.code, CERT_ISSUED_S)
            && !sb.revs.cuts_off(self.registry, &sa.code, CERT_ISSUED_S)
    }

    /// A live connection: it can exist and it has been (re)established.
    pub(super) fn is_usable(&self, a: SiteIx, b: SiteIx) -> bool {
        self.conns.get(&key(a, b)).is_none_or(|c| c.connected) && self.physical(a, b)
    }

    /// Re-evaluates a link after something changed at either end: a connection that can no
    /// longer exist drops (with whatever was in flight); one that can again is redialled on the
    /// node's reconnect backoff.
    pub(super) fn refresh(&mut self, a: SiteIx, b: SiteIx) {
        let physical = self.physical(a, b);
        let k = key(a, b);
        let now = self.now;
        let c = self.conns.entry(k).or_insert(Conn {
            connected: true,
            changed: START_MS,
            dialing: false,
        });
        if c.connected && !physical {
            c.connected = false;
            c.changed = now;
            self.net.reset(a, b);
            if let Some(s) = self.syncs.get_mut(&k) {
                s.running = None;
            }
            self.routes_touched(a, b);
        } else if !c.connected && physical && !c.dialing {
            c.dialing = true;
            let down_since = c.changed;
            let at = self.next_dial(down_since);
            self.at(at, Ev::Dial { a, b });
        }
    }

    /// When the dialler's next attempt falls, having failed since `down_since` (the node's
    /// `Backoff::reconnect`). Once the delays reach the cap they stay there, so after a long
    /// outage the next attempt is within one capped delay.
    pub(super) fn next_dial(&mut self, down_since: u64) -> u64 {
        let mut backoff = Backoff::reconnect();
        let mut t = down_since;
        for _ in 0..64 {
            t += backoff.next_delay_ms(self.rng.r.gen());
            if t >= self.now {
                return t;
            }
        }
        let capped = backoff.next_delay_ms(self.rng.r.gen());
        self.now + self.rng.between(1, capped + 1)
    }

    pub(super) fn dial(&mut self, a: SiteIx, b: SiteIx) {
        let physical = self.physical(a, b);
        let now = self.now;
        let Some(c) = self.conns.get_mut(&key(a, b)) else {
            return;
        };
        c.dialing = false;
        if c.connected || !physical {
            return;
        }
        // Handshake and Hello: one round trip; then the initiator starts anti-entropy at once.
        let rtt = self.net.get(a, b).map(|l| 2 * l.latency_ms).unwrap_or(0);
        c.connected = true;
        c.changed = now + rtt;
        self.hello(a, b);
        self.mark_dirty(a, b, rtt);
        self.routes_touched(a, b);
    }

    /// A `Hello` carries every revocation the sender knows.
    pub(super) fn hello(&mut self, a: SiteIx, b: SiteIx) {
        for (from, to) in [(a, b), (b, a)] {
            let revs: Vec<Revocation> = self.sites[from as usize].revs.iter().cloned().collect();
            for r in revs {
                self.send(from, to, Msg::Revocation(r));
            }
        }
    }

    pub(super) fn send(&mut self, from: SiteIx, to: SiteIx, msg: Msg) {
        if !self.is_usable(from, to) {
            return;
        }
        if let Msg::Events(evs) = &msg {
            for b in evs {
                let id = tiepdan_protocol::log::event_id(b);
                let ok = self.meta.get(&id).is_some_and(|(log, _)| {
                    self.sites[from as usize]
                        .records
                        .in_audience(log, &self.sites[to as usize].code)
                });
                if !ok {
                    self.violations.sent_outside_audience += 1;
                }
            }
        }
        let size = msg.size();
        if let Some((at, epoch)) = self.net.send(from, to, size, self.now, &mut self.rng) {
            self.at(
                at,
                Ev::Deliver {
                    from,
                    to,
                    epoch,
                    msg,
                },
            );
        }
    }

    pub(super) fn deliver(&mut self, from: SiteIx, to: SiteIx, epoch: u32, msg: Msg) {
        if self.net.epoch(from, to) != Some(epoch) || !self.is_usable(from, to) {
            // Lost with its connection; anti-entropy repairs it when the link is back.
            if matches!(msg, Msg::Recon(_) | Msg::ReconReply(_)) {
                if let Some(s) = self.syncs.get_mut(&key(from, to)) {
                    s.running = None;
                }
            }
            self.mark_dirty(from, to, SYNC_INTERVAL_MS);
            return;
        }
        match msg {
            Msg::Events(evs) => self.receive_events(to, from, evs),
            Msg::Recon(m) => self.recon_respond(to, from, m),
            Msg::ReconReply(m) => self.recon_reply(to, from, m),
            Msg::Want(prefixes) => {
                let peer = self.code(from).to_owned();
                let ours = self.sites[to as usize].records.shared_ids(&peer);
                let ids: BTreeSet<EventId> = reconcile::resolve_prefixes(&ours, &prefixes)
                    .into_iter()
                    .collect();
                let evs = self.sites[to as usize].records.bytes_for(&peer, &ids);
                if !evs.is_empty() {
                    self.send(to, from, Msg::Events(evs));
                }
            }
            Msg::Revocation(r) => self.learn_revocation(to, r),
        }
    }
}
