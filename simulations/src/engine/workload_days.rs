//! The citizens and the officers: each working day's receptions per site, each case's later
//! steps (acceptance, decision, guidance, transfer, escalation), and escalation waves.

use super::*;

impl Sim {
    pub(super) fn day(&mut self, d: u32) {
        let midnight = START_MS + u64::from(d) * DAY;
        let date = date_from_unix_ms(midnight + 12 * HOUR);
        let weekday = u64::from(date.weekday().number_days_from_monday());
        if weekday >= 5 {
            return;
        }
        let w = self.scenario.workload.clone();
        let day_of_month = u64::from(date.day());
        for i in 0..self.sites.len() as SiteIx {
            let level = self.sites[i as usize].level;
            let mean = match level {
                Level::Commune => {
                    w.commune_regular_per_day
                        + if u64::from(i) % 5 == weekday {
                            w.commune_chair_per_week
                        } else {
                            0.0
                        }
                }
                Level::Province => {
                    w.province_regular_per_day
                        + if 6 + u64::from(i) % 20 == day_of_month {
                            w.province_chair_per_month
                        } else {
                            0.0
                        }
                }
                Level::Central => w.central_per_day,
            };
            for _ in 0..self.rng.poisson(mean) {
                // Office hours, 07:30 to 17:00.
                let t = midnight + self.rng.between(7 * HOUR + HOUR / 2, 17 * HOUR);
                self.at(t, Ev::Reception { site: i });
            }
            if level == Level::Province && self.rng.chance(w.province_sessions_per_month / 22.0) {
                let communes: Vec<SiteIx> = self
                    .registry
                    .children(&self.sites[i as usize].code)
                    .iter()
                    .filter_map(|c| self.ix(c))
                    .collect();
                if !communes.is_empty() {
                    let mut points = Vec::new();
                    for _ in 0..w.session_points.min(communes.len()) {
                        let c = communes[self.rng.between(0, communes.len() as u64) as usize];
                        if !points.contains(&c) {
                            points.push(c);
                        }
                    }
                    let t = midnight + self.rng.between(8 * HOUR, 14 * HOUR);
                    self.at(
                        t,
                        Ev::SessionStart {
                            hub: i,
                            points,
                            hours: w.session_hours,
                        },
                    );
                }
            }
        }
    }

    pub(super) fn reception(&mut self, site: SiteIx) {
        if self.sites[site as usize].down {
            // Officers record on paper while the server is down; not simulated.
            return;
        }
        let w = self.scenario.workload.clone();
        let kind = KINDS[self.rng.weighted(&w.kinds)];
        let crowd = self.rng.chance(w.crowd_rate);
        let s = &mut self.sites[site as usize];
        s.next_stt += 1;
        let date = date_from_unix_ms(self.now);
        let case_id = format!("{}-{}-{:05}", s.code, date.year(), s.next_stt);
        let audience: Vec<String> = std::iter::once(s.code.clone())
            .chain(
                self.registry
                    .ancestors(&s.code)
                    .into_iter()
                    .map(str::to_owned),
            )
            .collect();
        let genesis = workload::reception(&mut self.rng, kind, date, crowd, &audience);
        if !self.local_event(site, &case_id, Payload::Case(genesis)) {
            return;
        }
        // The life of the case, as far as a run reaches.
        let d = |rng: &mut SimRng, lo: u64, hi: u64| rng.between(lo * DAY, hi * DAY);
        let t = self.now;
        let transfer = self.rng.chance(w.transfer_rate);
        let escalate = self.rng.chance(w.escalation_rate);
        let parent = self
            .registry
            .parent(&self.sites[site as usize].code)
            .map(str::to_owned);
        if transfer {
            if let Some(to) = self.transfer_target(site) {
                let at = t + d(&mut self.rng, 0, 2);
                self.at(
                    at,
                    Ev::Step {
                        case: case_id.clone(),
                        step: Step::Transfer { to },
                    },
                );
                let later = at + d(&mut self.rng, 1, 4);
                self.at(
                    later,
                    Ev::Step {
                        case: case_id,
                        step: Step::Accept,
                    },
                );
                return;
            }
        }
        match kind {
            Kind::Complaint | Kind::Denunciation => {
                let later = t + d(&mut self.rng, 1, 4);
                self.at(
                    later,
                    Ev::Step {
                        case: case_id.clone(),
                        step: Step::Accept,
                    },
                );
                if kind == Kind::Complaint {
                    let decided = t + d(&mut self.rng, 10, 30);
                    self.at(
                        decided,
                        Ev::Step {
                            case: case_id.clone(),
                            step: Step::Decide,
                        },
                    );
                    if let (true, Some(p)) = (escalate, parent) {
                        let at = decided + d(&mut self.rng, 1, 10);
                        self.at(
                            at,
                            Ev::Step {
                                case: case_id,
                                step: Step::Escalate {
                                    to: p,
                                    reason: EscalationReason::SecondInstance,
                                    by_target: true,
                                },
                            },
                        );
                    }
                } else if let (true, Some(p)) = (escalate, parent) {
                    let at = t + d(&mut self.rng, 5, 20);
                    self.at(
                        at,
                        Ev::Step {
                            case: case_id,
                            step: Step::Escalate {
                                to: p,
                                reason: EscalationReason::Overdue,
                                by_target: false,
                            },
                        },
                    );
                }
            }
            Kind::Petition | Kind::Feedback => {
                let at = t + d(&mut self.rng, 0, 2);
                self.at(
                    at,
                    Ev::Step {
                        case: case_id.clone(),
                        step: Step::Guide,
                    },
                );
                let later = at + d(&mut self.rng, 1, 3);
                self.at(
                    later,
                    Ev::Step {
                        case: case_id,
                        step: Step::Close,
                    },
                );
            }
        }
    }

    /// Another commune of the same province (or the province itself) for a transfer.
    pub(super) fn transfer_target(&mut self, site: SiteIx) -> Option<String> {
        let code = self.code(site).to_owned();
        let parent = self.registry.parent(&code)?.to_owned();
        let siblings: Vec<&String> = self
            .registry
            .children(&parent)
            .iter()
            .filter(|c| **c != code && self.index.contains_key(c.as_str()))
            .collect();
        if siblings.is_empty() || self.sites[site as usize].level != Level::Commune {
            return None;
        }
        Some(siblings[self.rng.between(0, siblings.len() as u64) as usize].clone())
    }

    pub(super) fn step(&mut self, case_id: &str, step: Step) {
        // The acting site is the case's current handler as the whole federation knows it.
        let Some(state) = self.oracle.get(case_id).map(|e| e.state.clone()) else {
            return;
        };
        let actor_code = match &step {
            Step::Escalate {
                to,
                by_target: true,
                ..
            } => to.clone(),
            _ => state.current_site.clone(),
        };
        let Some(actor) = self.ix(&actor_code) else {
            return;
        };
        if self.sites[actor as usize].down
            || self.sites[actor as usize].records.get(case_id).is_none()
        {
            // The handler has not received the case yet (a cut link): the step waits for a
            // later run of the officers' work, which this run does not model.
            self.steps_skipped += 1;
            return;
        }
        let rewrap = match (&step, state.sealed_identity.is_some()) {
            (Step::Transfer { to } | Step::Escalate { to, .. }, true) => Some(
                std::iter::once(to.clone())
                    .chain(self.registry.ancestors(to).into_iter().map(str::to_owned))
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        };
        let event = step.event(&mut self.rng, rewrap.as_deref());
        let before = self
            .oracle
            .get(case_id)
            .map(|e| e.state.history.iter().filter(|h| h.ignored).count())
            .unwrap_or(0);
        self.local_event(actor, case_id, Payload::Case(event));
        let after = self
            .oracle
            .get(case_id)
            .map(|e| e.state.history.iter().filter(|h| h.ignored).count())
            .unwrap_or(0);
        self.ignored_by_fold += (after.saturating_sub(before)) as u64;
    }

    pub(super) fn wave(&mut self, share: f64) {
        let open: Vec<(String, String)> = self
            .oracle
            .entries
            .iter()
            .filter(|(_, e)| {
                matches!(
                    e.state.status,
                    case::Status::Received | case::Status::Classified | case::Status::Accepted
                )
            })
            .filter(|(_, e)| e.state.current_site != CENTRAL_CODE)
            .map(|(id, e)| (id.clone(), e.state.current_site.clone()))
            .collect();
        for (id, _) in open {
            if self.rng.chance(share) {
                let jitter = self.rng.between(0, 60_000);
                let step = Step::Escalate {
                    to: CENTRAL_CODE.to_owned(),
                    reason: EscalationReason::Overdue,
                    by_target: false,
                };
                self.at(self.now + jitter, Ev::Step { case: id, step });
            }
        }
    }
}
