//! Online sessions between points: their events replicate like cases; each point's route to
//! the hub is `media::RouteTable::next_hop`, re-checked when a link under it changes.

use super::*;

impl Sim {
    pub(super) fn session_start(&mut self, hub: SiteIx, points: Vec<SiteIx>, hours: f64) {
        if self.sites[hub as usize].down {
            return;
        }
        let s = &mut self.sites[hub as usize];
        s.next_stt += 1;
        let date = date_from_unix_ms(self.now);
        let id = format!(
            "{}{}-{}-{:04}",
            session::SESSION_ID_PREFIX,
            s.code,
            date.year(),
            s.next_stt
        );
        let hub_code = s.code.clone();
        let codes: Vec<String> = points
            .iter()
            .map(|p| self.sites[*p as usize].code.clone())
            .collect();
        let scheduled = SessionEvent::Scheduled {
            session_id: id.clone(),
            title: "Tiếp công dân định kỳ trực tuyến".to_owned(),
            chair_site: hub_code,
            points: codes.clone(),
            starts_at_ms: self.now,
            case_ids: vec![],
            session_type: Default::default(),
            categories: vec![],
        };
        if !self.local_event(hub, &id, Payload::Session(scheduled)) {
            return;
        }
        self.local_event(
            hub,
            &id,
            Payload::Session(SessionEvent::Started { at_ms: self.now }),
        );
        self.sessions_held += 1;
        let sess = self.sessions.len();
        self.sessions.push(LiveSession {
            hub,
            points: points.clone(),
            id,
            live: true,
            routes: BTreeMap::new(),
        });
        for p in std::iter::once(hub).chain(points.iter().copied()) {
            self.live_by_site.entry(p).or_default().push(sess);
        }
        for p in points {
            let hop = self.route_now(sess, p);
            self.sessions[sess].routes.insert(p, hop);
        }
        self.at(
            self.now + (hours * HOUR as f64) as u64,
            Ev::SessionEnd { sess },
        );
    }

    pub(super) fn session_end(&mut self, sess: usize) {
        let (hub, id) = (self.sessions[sess].hub, self.sessions[sess].id.clone());
        self.sessions[sess].live = false;
        if !self.sites[hub as usize].down {
            self.local_event(
                hub,
                &id,
                Payload::Session(SessionEvent::Ended { at_ms: self.now }),
            );
        }
    }

    /// A point's route to the hub, from a route table fed with the heartbeats its links carried
    /// over the last hold-down (a link heard continuously for longer looks the same).
    pub(super) fn route_now(&self, sess: usize, point: SiteIx) -> NextHop {
        let hub = self.sessions[sess].hub;
        let hub_code = self.code(hub).to_owned();
        let mut rt = RouteTable::new();
        let relays: Vec<String> = self
            .registry
            .ancestors(self.code(point))
            .into_iter()
            .filter(|a| *a != hub_code)
            .map(str::to_owned)
            .collect();
        rt.prefer_relays(&hub_code, relays);
        let window = HOLD_DOWN_MS + DEAD_MS;
        for &l in &self.net.adjacency[point as usize] {
            let usable = self.is_usable(point, l);
            let since = self
                .conns
                .get(&key(point, l))
                .map(|c| c.changed)
                .unwrap_or(START_MS);
            let hears_hub = l != hub && self.net.get(l, hub).is_some() && self.is_usable(l, hub);
            let neighbours: BTreeSet<String> = if hears_hub {
                [hub_code.clone()].into()
            } else {
                BTreeSet::new()
            };
            let (from, to) = if usable {
                (since.max(self.now.saturating_sub(window)), self.now)
            } else {
                (self.now.saturating_sub(window), since.min(self.now))
            };
            // A heartbeat with no neighbour list keeps the last one, so only the first carries it.
            let mut list = Some(neighbours);
            let mut t = from;
            while t <= to && to >= from {
                rt.heard(self.code(l), t, list.take().unwrap_or_default());
                t += DEAD_MS - HEARTBEAT_MS;
            }
            if usable {
                rt.heard(self.code(l), self.now, list.take().unwrap_or_default());
            }
        }
        rt.next_hop(&hub_code, self.now)
    }

    /// A link changed: the live sessions it may carry check their routes after the dead time
    /// (failover) and after the hold-down (moving back).
    pub(super) fn routes_touched(&mut self, a: SiteIx, b: SiteIx) {
        let mut affected: BTreeSet<usize> = BTreeSet::new();
        for s in [a, b] {
            if let Some(v) = self.live_by_site.get(&s) {
                affected.extend(v.iter().copied().filter(|&i| self.sessions[i].live));
            }
            if self.sites[s as usize].level == Level::Central {
                affected.extend((0..self.sessions.len()).filter(|&i| self.sessions[i].live));
            }
        }
        for sess in affected {
            let points = self.sessions[sess].points.clone();
            for p in points {
                let beat = self.rng.between(0, HEARTBEAT_MS);
                self.at(
                    self.now + DEAD_MS + beat + 1,
                    Ev::RouteCheck {
                        sess,
                        point: p,
                        cut_at: self.now,
                    },
                );
                self.at(
                    self.now + HOLD_DOWN_MS + DEAD_MS + beat + 1,
                    Ev::RouteCheck {
                        sess,
                        point: p,
                        cut_at: self.now,
                    },
                );
            }
        }
    }

    pub(super) fn route_check(&mut self, sess: usize, point: SiteIx, cut_at: u64) {
        if !self.sessions[sess].live {
            return;
        }
        let hop = self.route_now(sess, point);
        let before = self.sessions[sess]
            .routes
            .get(&point)
            .cloned()
            .unwrap_or(NextHop::Unreachable);
        if hop != before {
            if hop != NextHop::Unreachable {
                self.reroutes += 1;
                // A failover (the old route broke at `cut_at` and media flows again now), not a
                // move back to a direct link that came back (the old relay still worked).
                if !self.route_works(sess, point, &before) {
                    self.reroute_gaps.push(self.now - cut_at);
                }
            }
            self.sessions[sess].routes.insert(point, hop);
        }
    }

    pub(super) fn route_works(&self, sess: usize, point: SiteIx, hop: &NextHop) -> bool {
        let hub = self.sessions[sess].hub;
        match hop.site().and_then(|c| self.ix(c)) {
            Some(h) if h == hub => self.is_usable(point, hub),
            Some(r) => self.is_usable(point, r) && self.is_usable(r, hub),
            None => false,
        }
    }
}
