//! Case operations of a site: receive a citizen (a log-book line), record lifecycle events,
//! escalate and transfer, show a case with its deadlines, reveal a sealed identity, export the
//! log book. The HTTP handlers and the offline CLI both call these, so a case command behaves
//! the same whether or not the node runs.
//!
//! Every write is signed by this site, committed to the store (fsync) and only then applied
//! in memory and pushed to the case's audience. Input errors are `CaseOpError::BadInput` and
//! leave everything stored as it was.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::{json, Value};
use tiepdan_keys::sealed;
use tiepdan_protocol::case::CaseEvent;
use tiepdan_protocol::case::{
    self, deadline, Citizen, Direction, EvidenceItem, IdType, Identity, Kind, Reception,
    RefusalReason, Representative,
};
use tiepdan_protocol::log::VerifiedEvent;
use tiepdan_protocol::sites::Registry;

use crate::cases::sign_payload;
use crate::node::Node;

#[derive(Debug, thiserror::Error)]
pub enum CaseOpError {
    #[error("{0}")]
    BadInput(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("store: {0}")]
    Store(String),
}

/// The citizen as an officer types it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CitizenInput {
    pub name: String,
    pub address: String,
    pub id_number: String,
    #[serde(default)]
    pub id_type: Option<IdType>,
}

/// `POST /api/v1/receptions`: one line of the log book (Form 03/TCD).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceptionInput {
    pub kind: Kind,
    pub citizen: CitizenInput,
    pub summary: String,
    pub people_count: u32,
    /// "YYYY-MM-DD"; today (Vietnam time) when absent.
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub prior_bodies: Vec<String>,
    #[serde(default)]
    pub request: String,
    #[serde(default)]
    pub direction: Option<Direction>,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub officer: String,
    #[serde(default)]
    pub representatives: Vec<Representative>,
    #[serde(default)]
    pub evidence: Vec<EvidenceItem>,
    #[serde(default)]
    pub refusal: Option<RefusalReason>,
}

/// Filters of `GET /api/v1/cases`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFilter {
    pub kind: Option<Kind>,
    pub status: Option<String>,
    pub overdue: Option<bool>,
    /// Cases whose origin or current holder is this site.
    pub site: Option<String>,
}

fn bad(e: impl std::fmt::Display) -> CaseOpError {
    CaseOpError::BadInput(e.to_string())
}

impl Node {
    fn today(&self, now_ms: u64) -> case::Date {
        case::date_from_unix_ms(now_ms)
    }

    /// The public keys of `sites`, for sealing; fails naming a site whose key is unknown.
    fn keys_of(&self, sites: &BTreeSet<String>) -> Result<Vec<(String, [u8; 32])>, CaseOpError> {
        let cases = self.cases.lock().unwrap_or_else(|e| e.into_inner());
        sites
            .iter()
            .map(|s| {
                cases.site_keys.get(s).map(|k| (s.clone(), *k)).ok_or_else(|| {
                    CaseOpError::Conflict(format!(
                        "the encryption key of site {s} ({}) is not known here yet; it is learned when that site (or a site that knows it) has been linked once",
                        self.site_name(s)
                    ))
                })
            })
            .collect()
    }

    /// Signs `events` for one case, stores them durably, applies them and pushes them out.
    pub(crate) fn commit_events(
        &self,
        case_id: &str,
        events: Vec<CaseEvent>,
        now_ms: u64,
        counter: Option<(&str, u64)>,
    ) -> Result<Vec<VerifiedEvent>, CaseOpError> {
        let mut payloads = Vec::new();
        for ev in &events {
            ev.validate().map_err(bad)?;
            payloads.push(case::encode_event(ev));
        }
        self.commit_payloads(case_id, payloads, now_ms, counter)
    }

    /// Signs encoded payloads for one case or session (`id`), stores them durably, applies them
    /// and pushes them out. On a store failure memory is rebuilt from the store, so nothing
    /// that was not durable stays visible.
    pub(crate) fn commit_payloads(
        &self,
        id: &str,
        payloads: Vec<Vec<u8>>,
        now_ms: u64,
        counter: Option<(&str, u64)>,
    ) -> Result<Vec<VerifiedEvent>, CaseOpError> {
        let mut cases = self.cases.lock().unwrap_or_else(|e| e.into_inner());
        let before: BTreeSet<String> = cases.audience_of(id).cloned().unwrap_or_default();
        let mut signed = Vec::new();
        for payload in payloads {
            let v = sign_payload(
                &cases,
                &self.signing_key,
                &self.site.code,
                id,
                now_ms,
                payload,
            )
            .map_err(CaseOpError::Store)?;
            // Chain later events of this batch on the earlier ones.
            cases.insert(vec![v.clone()]);
            signed.push(v);
        }
        let rows: Vec<(&str, [u8; 32], &[u8])> = signed
            .iter()
            .map(|v| (id, v.id, v.bytes.as_slice()))
            .collect();
        if let Err(e) = self.store.put_events(&rows, counter) {
            drop(rows);
            cases.entries.remove(id);
            cases.sessions.remove(id);
            let stored: Vec<(String, Vec<u8>)> = self
                .store
                .all_events()
                .unwrap_or_default()
                .into_iter()
                .filter(|(c, _)| c == id)
                .collect();
            cases.load_stored(stored);
            return Err(CaseOpError::Store(e.to_string()));
        }
        let after = cases.audience_of(id).cloned().unwrap_or_default();
        drop(cases);
        self.metrics.events_accepted("local", signed.len() as u64);
        let widened: Vec<String> = after.difference(&before).cloned().collect();
        self.replicate(
            id,
            signed.iter().map(|v| v.bytes.clone()).collect(),
            widened,
        );
        Ok(signed)
    }

    /// `POST receptions`: a new case from one log-book line. Returns the case id once durable.
    pub fn receive(&self, input: ReceptionInput, now_ms: u64) -> Result<String, CaseOpError> {
        let date = match &input.date {
            Some(d) => case::parse_date(d).map_err(bad)?,
            None => self.today(now_ms),
        };
        let citizen = Citizen {
            name: input.citizen.name,
            address: input.citizen.address,
            id_type: input.citizen.id_type.unwrap_or(IdType::Cccd),
            id_number: input.citizen.id_number,
        };
        if citizen.name.trim().is_empty()
            || citizen.address.trim().is_empty()
            || citizen.id_number.trim().is_empty()
        {
            return Err(bad("citizen.name, citizen.address and citizen.id_number are required (Law on Citizen Reception Art 25(2); Form 03/TCD)"));
        }
        // A denouncer's identity is sealed to the audience before anything is signed or stored
        // (Law on Denunciations Art 47; Decree 154 Art 12(2)).
        let identity = if input.kind == Kind::Denunciation {
            let mut audience: BTreeSet<String> = BTreeSet::from([self.site.code.clone()]);
            audience.extend(
                self.registry()
                    .ancestors(&self.site.code)
                    .into_iter()
                    .map(str::to_owned),
            );
            let recipients = self.keys_of(&audience)?;
            let plain = cbor4ii::serde::to_vec(Vec::new(), &citizen)
                .map_err(|e| CaseOpError::Store(e.to_string()))?;
            Identity::Sealed(
                sealed::seal(&plain, &recipients).map_err(|e| CaseOpError::Store(e.to_string()))?,
            )
        } else {
            Identity::Plain(citizen)
        };
        let reception = Reception {
            date,
            identity,
            summary: input.summary,
            kind: input.kind,
            people_count: input.people_count,
            prior_bodies: input.prior_bodies,
            request: input.request,
            direction: input.direction,
            notes: input.notes,
            officer: input.officer,
            representatives: input.representatives,
            evidence: input.evidence,
            refusal: input.refusal,
        };
        reception.validate().map_err(bad)?;
        let year = date.year();
        let _numbering = self.numbering.lock().unwrap_or_else(|e| e.into_inner());
        let counter_name = format!("stt:{year}");
        let stt = self
            .store
            .counter(&counter_name)
            .map_err(|e| CaseOpError::Store(e.to_string()))?
            + 1;
        let case_id = format!("{}-{year}-{stt:05}", self.site.code);
        self.commit_events(
            &case_id,
            vec![CaseEvent::Received { reception }],
            now_ms,
            Some((&counter_name, stt)),
        )?;
        Ok(case_id)
    }

    fn require_case(&self, case_id: &str) -> Result<case::CaseState, CaseOpError> {
        let cases = self.cases.lock().unwrap_or_else(|e| e.into_inner());
        cases
            .get(case_id)
            .filter(|e| e.audience.contains(&self.site.code))
            .map(|e| e.state.clone())
            .ok_or_else(|| CaseOpError::NotFound(format!("no case {case_id} at this site")))
    }

    /// `POST cases/{id}/events`: a lifecycle event. Escalation and transfer have their own calls.
    pub fn append(
        &self,
        case_id: &str,
        event: CaseEvent,
        now_ms: u64,
    ) -> Result<String, CaseOpError> {
        self.require_case(case_id)?;
        match &event {
            CaseEvent::Received { .. } => {
                return Err(bad(
                    "a case is received once; use POST /api/v1/receptions for a new one",
                ))
            }
            CaseEvent::Escalated { .. } | CaseEvent::Transferred { .. } => return Err(bad(
                "use POST /api/v1/cases/{id}/escalate or /transfer, which also widen the audience",
            )),
            CaseEvent::IdentityViewed { .. } => {
                return Err(bad(
                    "identity views are recorded by the system, not entered",
                ))
            }
            _ => {}
        }
        let v = self.commit_events(case_id, vec![event], now_ms, None)?;
        Ok(v.last().map(|v| hex::encode(v.id)).unwrap_or_default())
    }

    /// A sealed identity rewrapped for the sites a widening adds, if this site can open it.
    fn rewrap_for(
        &self,
        state: &case::CaseState,
        to_site: &str,
    ) -> Result<Option<tiepdan_protocol::sealed::SealedIdentity>, CaseOpError> {
        let Some(Identity::Sealed(s)) = state.reception.as_ref().map(|r| &r.identity) else {
            return Ok(None);
        };
        let mut target: BTreeSet<String> = BTreeSet::from([to_site.to_owned()]);
        target.extend(
            self.registry()
                .ancestors(to_site)
                .into_iter()
                .map(str::to_owned),
        );
        let current: BTreeSet<String> = s.recipients.iter().map(|r| r.site.clone()).collect();
        let add: BTreeSet<String> = target.difference(&current).cloned().collect();
        if add.is_empty() {
            return Ok(None);
        }
        let keys = self.keys_of(&add)?;
        sealed::rewrap(s, &self.site.code, &self.key, &keys)
            .map(Some)
            .map_err(|e| {
                CaseOpError::Forbidden(format!(
                    "this site cannot open the sealed identity to pass it on: {e}"
                ))
            })
    }

    pub fn escalate(
        &self,
        case_id: &str,
        to_site: &str,
        reason: Option<case::EscalationReason>,
        now_ms: u64,
    ) -> Result<String, CaseOpError> {
        let state = self.require_case(case_id)?;
        Registry::official().get(to_site).map_err(bad)?;
        case::can_escalate(&state.current_site, to_site).map_err(bad)?;
        let rewrapped = self.rewrap_for(&state, to_site)?;
        let ev = CaseEvent::Escalated {
            to_site: to_site.to_owned(),
            reason: reason.unwrap_or(case::EscalationReason::SecondInstance),
            rewrapped,
        };
        let v = self.commit_events(case_id, vec![ev], now_ms, None)?;
        Ok(v.last().map(|v| hex::encode(v.id)).unwrap_or_default())
    }

    pub fn transfer(
        &self,
        case_id: &str,
        to_site: &str,
        letter_no: String,
        now_ms: u64,
    ) -> Result<String, CaseOpError> {
        let state = self.require_case(case_id)?;
        Registry::official().get(to_site).map_err(bad)?;
        case::can_transfer(&state.current_site, to_site).map_err(bad)?;
        let rewrapped = self.rewrap_for(&state, to_site)?;
        let ev = CaseEvent::Transferred {
            to_site: to_site.to_owned(),
            letter_no,
            rewrapped,
        };
        let v = self.commit_events(case_id, vec![ev], now_ms, None)?;
        Ok(v.last().map(|v| hex::encode(v.id)).unwrap_or_default())
    }

    /// `GET cases/{id}`: state, history and deadlines.
    pub fn case_view(&self, case_id: &str, now_ms: u64) -> Result<Value, CaseOpError> {
        let state = self.require_case(case_id)?;
        let today = self.today(now_ms);
        let cal = deadline::Calendar::vietnam();
        let deadlines: Vec<Value> = deadline::deadlines(&state, cal, today)
            .iter()
            .map(|d| json!({"name": d.name, "label": d.label_vi, "due": d.due.to_string(), "basis": d.basis, "status": format!("{:?}", d.status).to_lowercase()}))
            .collect();
        let mut v = serde_json::to_value(&state).map_err(|e| CaseOpError::Store(e.to_string()))?;
        if let Some(obj) = v.as_object_mut() {
            obj.insert("deadlines".into(), Value::Array(deadlines));
            obj.insert("audience".into(), json!(state.audience()));
            obj.insert("status_label".into(), json!(state.status.label_vi()));
            // Never show ciphertext to the UI: say it is sealed.
            if let Some(Identity::Sealed(_)) = state.reception.as_ref().map(|r| &r.identity) {
                if let Some(r) = obj.get_mut("reception").and_then(|r| r.as_object_mut()) {
                    r.insert("identity".into(), json!({"sealed": true}));
                }
            }
        }
        Ok(v)
    }

    /// `GET cases`: the cases this site holds, filtered.
    pub fn case_list(&self, filter: &CaseFilter, now_ms: u64) -> Vec<Value> {
        let today = self.today(now_ms);
        let cal = deadline::Calendar::vietnam();
        let cases = self.cases.lock().unwrap_or_else(|e| e.into_inner());
        cases
            .entries
            .values()
            .filter(|e| e.state.reception.is_some() && e.audience.contains(&self.site.code))
            .filter(|e| filter.kind.is_none_or(|k| e.state.kind == Some(k)))
            .filter(|e| {
                filter
                    .status
                    .as_deref()
                    .is_none_or(|s| e.state.status.as_str() == s)
            })
            .filter(|e| {
                filter
                    .site
                    .as_deref()
                    .is_none_or(|s| e.state.origin == s || e.state.current_site == s)
            })
            .filter_map(|e| {
                let alarms = deadline::alarms(&e.state, cal, today);
                let overdue = alarms
                    .iter()
                    .any(|d| d.status == deadline::DeadlineStatus::Overdue);
                if filter.overdue.is_some_and(|want| want != overdue) {
                    return None;
                }
                Some(json!({
                    "case_id": e.state.case_id,
                    "kind": e.state.kind,
                    "status": e.state.status.as_str(),
                    "status_label": e.state.status.label_vi(),
                    "origin": e.state.origin,
                    "current_site": e.state.current_site,
                    "received_on": e.state.received_on.to_string(),
                    "summary": e.state.reception.as_ref().map(|r| r.summary.clone()),
                    "overdue": overdue,
                    "events": e.log.len(),
                }))
            })
            .collect()
    }

    /// The site's own log book (receptions entered here), oldest first, in a date range.
    pub fn logbook_rows(
        &self,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<crate::logbook::Row>, CaseOpError> {
        let from = from.map(case::parse_date).transpose().map_err(bad)?;
        let to = to.map(case::parse_date).transpose().map_err(bad)?;
        let cases = self.cases.lock().unwrap_or_else(|e| e.into_inner());
        let mut rows = Vec::new();
        for e in cases.entries.values() {
            let (Some(r), true) = (&e.state.reception, e.state.origin == self.site.code) else {
                continue;
            };
            if from.is_some_and(|f| r.date < f) || to.is_some_and(|t| r.date > t) {
                continue;
            }
            let (name_address, id_paper) = match &r.identity {
                Identity::Plain(c) => (format!("{}, {}", c.name, c.address), c.id_number.clone()),
                Identity::Sealed(_) => ("(bảo mật)".to_owned(), "(bảo mật)".to_owned()),
            };
            let (guide, transfer) = match &r.direction {
                Some(Direction::Guide { to_body, letter_no }) => {
                    (format!("{to_body} ({letter_no})"), String::new())
                }
                Some(Direction::Transfer { to_body, letter_no }) => {
                    (String::new(), format!("{to_body} ({letter_no})"))
                }
                _ => (String::new(), String::new()),
            };
            let kind = serde_json::to_value(r.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            rows.push(crate::logbook::Row {
                stt: e
                    .state
                    .case_id
                    .rsplit('-')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0),
                case_id: e.state.case_id.clone(),
                date: r.date.to_string(),
                name_address,
                id_paper,
                summary: r.summary.clone(),
                kind: crate::logbook::kind_vi(&kind).to_owned(),
                people: r.people_count,
                prior_bodies: r.prior_bodies.join("; "),
                accept: matches!(r.direction, Some(Direction::Accept)),
                guide,
                transfer,
                follow_up: e.state.status.as_str().to_owned(),
                notes: r.notes.clone(),
            });
        }
        rows.sort_by(|a, b| a.date.cmp(&b.date).then(a.stt.cmp(&b.stt)));
        Ok(rows)
    }

    /// `GET cases/{id}/identity`: the plaintext identity, for authorised roles at audience
    /// sites. Every view is itself a signed audit event in the case.
    pub fn reveal_identity(
        &self,
        case_id: &str,
        by: &str,
        role: &str,
        now_ms: u64,
    ) -> Result<Value, CaseOpError> {
        if !matches!(role, "officer" | "chair") {
            return Err(CaseOpError::Forbidden(format!(
                "role {role} may not see a denouncer's identity; only reception officers and chairs may (Decree 154 Art 12(2))"
            )));
        }
        let state = self.require_case(case_id)?;
        let reception = state
            .reception
            .as_ref()
            .ok_or_else(|| CaseOpError::NotFound(format!("case {case_id} has no reception yet")))?;
        let citizen: Citizen = match &reception.identity {
            Identity::Plain(c) => c.clone(),
            Identity::Sealed(s) => {
                let plain = sealed::open(s, &self.site.code, &self.key).map_err(|e| {
                    CaseOpError::Forbidden(format!("cannot open the sealed identity here: {e}"))
                })?;
                cbor4ii::serde::from_slice(&plain).map_err(|e| CaseOpError::Store(e.to_string()))?
            }
        };
        self.commit_events(
            case_id,
            vec![CaseEvent::IdentityViewed {
                by: by.to_owned(),
                role: role.to_owned(),
            }],
            now_ms,
            None,
        )?;
        serde_json::to_value(&citizen).map_err(|e| CaseOpError::Store(e.to_string()))
    }
}
