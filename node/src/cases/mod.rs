//! Case operations of a site: receive a citizen (a log-book line), record lifecycle events,
//! escalate and transfer, show a case with its deadlines, reveal a sealed identity, export the
//! log book. The HTTP handlers and the offline CLI both call these, so a case command behaves
//! the same whether or not the node runs.
//!
//! Every write is signed by this site, committed to the store (fsync) and only then applied
//! in memory and pushed to the case's audience. Input errors are `OpError::BadInput` and
//! leave everything stored as it was.
//!
//! Uses `site` and `records` (signing, storing and pushing are the records' `commit`).

pub mod logbook;
mod session_results;

pub use session_results::SessionResults;

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tiepdan_keys::sealed;
use tiepdan_protocol::access::{self, Role};
use tiepdan_protocol::case::CaseEvent;
use tiepdan_protocol::case::{
    self, deadline, Citizen, Direction, EvidenceItem, IdType, Identity, Kind, Reception,
    RefusalReason, Representative, SealedDetails,
};
use tiepdan_protocol::log::{Actor, VerifiedEvent};
use tiepdan_protocol::sites::Registry;

use crate::language::{history, Lang, Message, Said};
use crate::records::{OpError, SiteRecords};
use crate::site::config::Overrides;
use crate::site::datadir::DataDir;
use crate::site::LocalSite;

/// The citizen as an officer types it (every field may be empty for an anonymous đơn only).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CitizenInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub id_number: String,
    #[serde(default)]
    pub id_type: Option<IdType>,
}

/// `POST /api/v1/receptions`: one line of the log book (Form 03/TCD).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceptionInput {
    pub kind: Kind,
    /// Absent only for an anonymous đơn.
    #[serde(default)]
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
    #[serde(default)]
    pub session_type: case::SessionType,
    #[serde(default)]
    pub form: case::ReceptionForm,
    /// For a denunciation: the denouncer asked for identity protection.
    #[serde(default)]
    pub identity_protection: bool,
    /// How the đơn arrived: `in_person` (default), `post` or `forwarded`.
    #[serde(default)]
    pub source: case::reception::DonSource,
    /// Đơn nặc danh: the sender is unknown, the citizen's fields may be empty.
    #[serde(default)]
    pub anonymous: bool,
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

/// The query of `GET /api/v1/cases`: [`CaseFilter`]'s filters, a search, a date range, the
/// origin, the order and a page. Paging is answered in the `X-Total-Count` header.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    pub kind: Option<Kind>,
    pub status: Option<String>,
    pub overdue: Option<bool>,
    /// Cases whose origin or current holder is this site.
    pub site: Option<String>,
    /// Case id, citizen name or ID number (case-insensitive; a query typed without diacritics
    /// also matches names with them). A sealed identity is never matched.
    pub q: Option<String>,
    /// Reception dates, inclusive, `YYYY-MM-DD`.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Cases received at this site (its own log book).
    pub origin: Option<String>,
    /// `near` (a deadline is near, none is overdue) or `overdue`.
    pub due: Option<String>,
    /// `id` (default: case id order), `-id`, `received`, `-received`, `due` (the nearest
    /// open deadline first), `-due`.
    pub sort: Option<String>,
    pub offset: Option<usize>,
    /// Default [`DEFAULT_LIMIT`], at most [`MAX_LIMIT`].
    pub limit: Option<usize>,
}

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 500;

/// One page of `GET cases` and how many matched in all.
pub struct CasePage {
    pub rows: Vec<CaseSummary>,
    pub total: usize,
}

/// The header counts of `GET cases/due`: cases with a deadline near (and none overdue) and
/// cases with one overdue.
#[derive(Debug, Serialize)]
pub struct DueCounts {
    pub near: usize,
    pub overdue: usize,
}

/// Lower case without Vietnamese diacritics (đ → d, combining marks dropped).
pub fn fold_vi(s: &str) -> String {
    const GROUPS: [(&str, char); 7] = [
        ("àáảãạăằắẳẵặâầấẩẫậ", 'a'),
        ("èéẻẽẹêềếểễệ", 'e'),
        ("ìíỉĩị", 'i'),
        ("òóỏõọôồốổỗộơờớởỡợ", 'o'),
        ("ùúủũụưừứửữự", 'u'),
        ("ỳýỷỹỵ", 'y'),
        ("đ", 'd'),
    ];
    s.to_lowercase()
        .chars()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .map(|c| {
            GROUPS
                .iter()
                .find(|(g, _)| g.contains(c))
                .map_or(c, |(_, b)| *b)
        })
        .collect()
}

/// True when `hay` contains `needle` the way the list's search means it: case-insensitive;
/// a needle typed without diacritics matches with or without them, one typed with them must
/// match them.
fn search_hit(hay: &str, needle: &str) -> bool {
    let n = needle.to_lowercase();
    if fold_vi(&n) == n {
        fold_vi(hay).contains(&n)
    } else {
        hay.to_lowercase().contains(&n)
    }
}

const STATUSES: [&str; 14] = [
    "received",
    "refused",
    "classified",
    "accepted",
    "guided",
    "forwarded",
    "transferred",
    "escalated",
    "suspended",
    "decided",
    "concluded",
    "final",
    "withdrawn",
    "closed",
];

fn bad(e: impl Said) -> OpError {
    OpError::BadInput(e.message())
}

fn said(id: &'static str) -> OpError {
    OpError::BadInput(Message::new(id))
}

/// The case desk of a site: every case operation, for the API and the offline CLI alike.
pub struct Cases {
    pub site: Arc<LocalSite>,
    pub records: Arc<SiteRecords>,
}

impl Cases {
    pub fn new(site: Arc<LocalSite>, records: Arc<SiteRecords>) -> Cases {
        Cases { site, records }
    }

    /// The case desk of a stopped node (CLI commands, the lab): the site loaded exactly as
    /// `tiepdan run` loads it, without networking. What it writes is delivered when the node
    /// next runs.
    pub fn open(data: &DataDir) -> anyhow::Result<Cases> {
        let site = Arc::new(LocalSite::open(data, &Overrides::default())?);
        let records = Arc::new(SiteRecords::load(site.clone())?);
        Ok(Cases::new(site, records))
    }

    fn today(&self, now_ms: u64) -> case::Date {
        case::date_from_unix_ms(now_ms)
    }

    /// The public keys of `sites`, for sealing; fails naming a site whose key is unknown.
    fn keys_of(&self, sites: &BTreeSet<String>) -> Result<Vec<(String, [u8; 32])>, OpError> {
        let cases = self.records.held();
        sites
            .iter()
            .map(|s| {
                cases
                    .site_keys
                    .get(s)
                    .map(|k| (s.clone(), *k))
                    .ok_or_else(|| {
                        OpError::Conflict(
                            Message::new("error-key-not-known")
                                .arg("site", s)
                                .arg("name", self.site.site_name(s)),
                        )
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
        by: Option<Actor>,
    ) -> Result<Vec<VerifiedEvent>, OpError> {
        let mut payloads = Vec::new();
        // Each act is tried on the case as it stands (and after the acts before it): one its
        // state does not allow is refused here, before anything is signed.
        let mut trial = self.records.held().get(case_id).map(|e| e.state.clone());
        for ev in &events {
            ev.validate().map_err(bad)?;
            if let Some(state) = &mut trial {
                let code = &self.site.site.code;
                if let Some(reason) = state.refusal_of(code, by.as_ref(), now_ms, ev) {
                    return Err(OpError::NotNow(
                        Message::new("error-not-allowed-now")
                            .arg("case", case_id)
                            .arg("act", crate::language::labels::case_act(ev))
                            .arg("status", crate::language::labels::case_status(state.status))
                            .arg("reason", crate::language::history::ignored(&reason)),
                    ));
                }
                state.apply(case::AppliedEvent {
                    id: *blake3::hash(&case::encode_event(ev)).as_bytes(),
                    author: code,
                    by: by.as_ref(),
                    at_ms: now_ms,
                    event: ev,
                });
            }
            payloads.push(case::encode_event(ev));
        }
        self.records.commit(case_id, payloads, now_ms, counter, by)
    }

    /// `POST receptions`: a new case from one log-book line. Returns the case id once durable.
    pub fn receive(
        &self,
        input: ReceptionInput,
        now_ms: u64,
        by: Option<Actor>,
    ) -> Result<String, OpError> {
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
        if !input.anonymous
            && (citizen.name.trim().is_empty()
                || citizen.address.trim().is_empty()
                || citizen.id_number.trim().is_empty())
        {
            return Err(said("error-citizen-required"));
        }
        let mut reception = Reception {
            date,
            identity: Identity::Plain(citizen),
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
            session_type: input.session_type,
            form: input.form,
            identity_protection: input.identity_protection,
            source: input.source,
            anonymous: input.anonymous,
        };
        reception.validate_before_sealing().map_err(bad)?;
        let year = date.year();
        let _numbering = self.records.numbering();
        let counter_name = format!("stt:{year}");
        let code = &self.site.site.code;
        let (stt, case_id) = self
            .records
            .next_number(&counter_name, |n| format!("{code}-{year}-{n:05}"))?;
        // A denouncer's identity and own words are sealed to the audience, bound to the case
        // id, before anything is signed or stored (Law on Denunciations Art 47; Decree 154 Art
        // 12(2)).
        if input.kind == Kind::Denunciation {
            let mut audience: BTreeSet<String> = BTreeSet::from([self.site.site.code.clone()]);
            audience.extend(
                self.site
                    .registry()
                    .ancestors(&self.site.site.code)
                    .into_iter()
                    .map(str::to_owned),
            );
            let recipients = self.keys_of(&audience)?;
            let details = reception.take_sealed_details().map_err(bad)?;
            let plain = cbor4ii::serde::to_vec(Vec::new(), &details)
                .map_err(|e| OpError::Store(e.to_string()))?;
            reception.identity = Identity::Sealed(
                sealed::seal(&plain, &recipients, &case_id)
                    .map_err(|e| OpError::Store(e.to_string()))?,
            );
        }
        reception.validate().map_err(bad)?;
        self.commit_events(
            &case_id,
            vec![CaseEvent::Received { reception }],
            now_ms,
            Some((&counter_name, stt)),
            by,
        )?;
        Ok(case_id)
    }

    fn require_case(&self, case_id: &str) -> Result<case::CaseState, OpError> {
        let cases = self.records.held();
        cases
            .get(case_id)
            .filter(|e| e.audience.contains(&self.site.site.code))
            .map(|e| e.state.clone())
            .ok_or_else(|| {
                OpError::NotFound(Message::new("error-case-not-found").arg("case", case_id))
            })
    }

    /// `POST cases/{id}/events`: a lifecycle event. Escalation and transfer have their own calls.
    pub fn append(
        &self,
        case_id: &str,
        event: CaseEvent,
        now_ms: u64,
        by: Option<Actor>,
    ) -> Result<String, OpError> {
        self.require_case(case_id)?;
        match &event {
            CaseEvent::Received { .. } => return Err(said("error-case-received-once")),
            CaseEvent::Escalated { .. } | CaseEvent::Transferred { .. } => {
                return Err(said("error-case-hand-over-call"))
            }
            CaseEvent::IdentityViewed { .. } => {
                return Err(said("error-case-identity-view-entered"))
            }
            _ => {}
        }
        let v = self.commit_events(case_id, vec![event], now_ms, None, by)?;
        Ok(v.last().map(|v| hex::encode(v.id)).unwrap_or_default())
    }

    /// A sealed identity rewrapped for the sites a widening adds, if this site can open it.
    fn rewrap_for(
        &self,
        state: &case::CaseState,
        to_site: &str,
    ) -> Result<Option<tiepdan_protocol::sealed::SealedIdentity>, OpError> {
        // The current sealing: after a hand-over it holds the recipients the last one added.
        let Some(s) = &state.sealed_identity else {
            return Ok(None);
        };
        let mut target: BTreeSet<String> = BTreeSet::from([to_site.to_owned()]);
        target.extend(
            self.site
                .registry()
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
        sealed::rewrap(
            s,
            &self.site.site.code,
            &self.site.key,
            &keys,
            &state.case_id,
        )
        .map(Some)
        .map_err(|e| {
            OpError::Forbidden(Message::new("error-identity-not-here").arg("detail", e.to_string()))
        })
    }

    pub fn escalate(
        &self,
        case_id: &str,
        to_site: &str,
        reason: Option<case::EscalationReason>,
        now_ms: u64,
        by: Option<Actor>,
    ) -> Result<String, OpError> {
        let state = self.require_case(case_id)?;
        Registry::official().get(to_site).map_err(bad)?;
        case::can_escalate(&state.current_site, to_site).map_err(bad)?;
        let rewrapped = self.rewrap_for(&state, to_site)?;
        let ev = CaseEvent::Escalated {
            to_site: to_site.to_owned(),
            // Without a reason, the one the case's status implies: a second complaint after the
            // first decision, a repeat denunciation after the conclusion, else an overdue stage.
            reason: reason.unwrap_or(match state.status {
                case::Status::Decided => case::EscalationReason::SecondInstance,
                case::Status::Concluded => case::EscalationReason::RepeatDenunciation,
                _ => case::EscalationReason::Overdue,
            }),
            rewrapped,
        };
        let v = self.commit_events(case_id, vec![ev], now_ms, None, by)?;
        Ok(v.last().map(|v| hex::encode(v.id)).unwrap_or_default())
    }

    pub fn transfer(
        &self,
        case_id: &str,
        to_site: &str,
        letter_no: String,
        now_ms: u64,
        by: Option<Actor>,
    ) -> Result<String, OpError> {
        let state = self.require_case(case_id)?;
        Registry::official().get(to_site).map_err(bad)?;
        case::can_transfer(&state.current_site, to_site).map_err(bad)?;
        let rewrapped = self.rewrap_for(&state, to_site)?;
        let ev = CaseEvent::Transferred {
            to_site: to_site.to_owned(),
            letter_no,
            rewrapped,
        };
        let v = self.commit_events(case_id, vec![ev], now_ms, None, by)?;
        Ok(v.last().map(|v| hex::encode(v.id)).unwrap_or_default())
    }

    /// `GET cases/{id}`: state, history and deadlines.
    /// `GET cases/{id}`, for a reader with `role` (none: every step any role may take) who
    /// reads `lang`: the history lines and the reasons of ignored events are rendered in it.
    pub fn case_view(
        &self,
        case_id: &str,
        now_ms: u64,
        role: Option<Role>,
        lang: Lang,
    ) -> Result<CaseView, OpError> {
        let state = self.require_case(case_id)?;
        let today = self.today(now_ms);
        // The built-in holidays with the years central published.
        let current = self.site.calendar.current();
        let cal: &deadline::Calendar = &current;
        let deadlines = deadline::deadlines(&state, cal, today)
            .iter()
            .map(|d| DeadlineView::new(d, lang))
            .collect();
        let history = state
            .history
            .iter()
            .map(|h| HistoryLine {
                summary: history::happened(&h.what).render(lang),
                reason: h.why.as_ref().map(|w| history::ignored(w).render(lang)),
            })
            .collect();
        Ok(CaseView {
            audience: state.audience(),
            status_label: state.status.label_vi(),
            deadlines,
            allowed: state.open_acts(&self.site.site.code, role, now_ms),
            state: MaskedState { state, history },
        })
    }

    /// `GET cases` as the CLI asks it: every case this site holds that the filter keeps,
    /// newest first.
    pub fn case_list(&self, filter: &CaseFilter, now_ms: u64) -> Vec<CaseSummary> {
        let q = CaseQuery {
            kind: filter.kind,
            status: filter.status.clone(),
            overdue: filter.overdue,
            site: filter.site.clone(),
            limit: Some(usize::MAX),
            ..CaseQuery::default()
        };
        self.search(&q, now_ms).unwrap_or_default()
    }

    /// `GET cases`: one page of the cases this site can see, searched, filtered and sorted.
    /// A bad filter value is answered with the catalogue's message.
    pub fn case_search(&self, q: &CaseQuery, now_ms: u64) -> Result<CasePage, Message> {
        let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
        if limit == 0 || limit > MAX_LIMIT {
            return Err(Message::new("error-list-limit").arg("max", MAX_LIMIT as i64));
        }
        let rows = self.search(q, now_ms)?;
        let total = rows.len();
        let rows = rows
            .into_iter()
            .skip(q.offset.unwrap_or(0))
            .take(limit)
            .collect();
        Ok(CasePage { rows, total })
    }

    /// `GET cases/due`: how many of the cases this site can see have a deadline near or past.
    pub fn due_counts(&self, now_ms: u64) -> DueCounts {
        let all = self.case_list(&CaseFilter::default(), now_ms);
        DueCounts {
            near: all.iter().filter(|c| c.near && !c.overdue).count(),
            overdue: all.iter().filter(|c| c.overdue).count(),
        }
    }

    /// Every case matching `q`, in its order (paging is the caller's).
    fn search(&self, q: &CaseQuery, now_ms: u64) -> Result<Vec<CaseSummary>, Message> {
        if let Some(s) = q.status.as_deref() {
            if !STATUSES.contains(&s) {
                return Err(Message::new("error-list-status").arg("status", s));
            }
        }
        let date = |d: &Option<String>| -> Result<Option<case::Date>, Message> {
            match d.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
                None => Ok(None),
                Some(d) => case::parse_date(d)
                    .map(Some)
                    .map_err(|_| Message::new("error-list-date").arg("date", d)),
            }
        };
        let (from, to) = (date(&q.from)?, date(&q.to)?);
        let sort = q.sort.as_deref().filter(|s| !s.is_empty()).unwrap_or("id");
        if !["received", "-received", "due", "-due", "id", "-id"].contains(&sort) {
            return Err(Message::new("error-list-sort").arg("sort", sort));
        }
        let due = q.due.as_deref().filter(|d| !d.is_empty());
        if due.is_some_and(|d| d != "near" && d != "overdue") {
            return Err(Message::new("error-list-due").arg("due", due.unwrap_or_default()));
        }
        let needle = q.q.as_deref().map(str::trim).filter(|n| !n.is_empty());
        let today = self.today(now_ms);
        // The built-in holidays with the years central published.
        let current = self.site.calendar.current();
        let cal: &deadline::Calendar = &current;
        let registry = self.site.registry();
        let cases = self.records.held();
        let mut rows: Vec<(Option<case::Date>, CaseSummary)> = cases
            .entries
            .values()
            .filter(|e| e.state.reception.is_some() && e.audience.contains(&self.site.site.code))
            .filter(|e| q.kind.is_none_or(|k| e.state.kind == Some(k)))
            .filter(|e| {
                q.status
                    .as_deref()
                    .is_none_or(|s| e.state.status.as_str() == s)
            })
            .filter(|e| {
                q.site
                    .as_deref()
                    .is_none_or(|s| e.state.origin == s || e.state.current_site == s)
            })
            .filter(|e| {
                q.origin
                    .as_deref()
                    .filter(|o| !o.is_empty())
                    .is_none_or(|o| e.state.origin == o)
            })
            .filter_map(|e| {
                let r = e.state.reception.as_ref()?;
                if from.is_some_and(|f| r.date < f) || to.is_some_and(|t| r.date > t) {
                    return None;
                }
                let citizen = match &r.identity {
                    Identity::Plain(c) => Some(c),
                    Identity::Sealed(_) => None,
                };
                if let Some(n) = needle {
                    let hit = search_hit(&e.state.case_id, n)
                        || citizen.is_some_and(|c| {
                            search_hit(&c.name, n)
                                || (!c.id_number.is_empty()
                                    && c.id_number.to_lowercase().contains(&n.to_lowercase()))
                        });
                    if !hit {
                        return None;
                    }
                }
                let all = deadline::deadlines(&e.state, cal, today);
                let overdue = all
                    .iter()
                    .any(|d| d.status == deadline::DeadlineStatus::Overdue);
                let near = all
                    .iter()
                    .any(|d| d.status == deadline::DeadlineStatus::Near);
                if q.overdue.is_some_and(|want| want != overdue) {
                    return None;
                }
                match due {
                    Some("overdue") if !overdue => return None,
                    Some("near") if overdue || !near => return None,
                    _ => {}
                }
                let next_due = all
                    .iter()
                    .filter(|d| d.status != deadline::DeadlineStatus::Met)
                    .map(|d| d.due)
                    .min();
                let sealed = citizen.is_none();
                Some((
                    next_due,
                    CaseSummary {
                        case_id: e.state.case_id.clone(),
                        kind: e.state.kind,
                        status: e.state.status.as_str(),
                        status_label: e.state.status.label_vi(),
                        origin: e.state.origin.clone(),
                        origin_name: registry
                            .get(&e.state.origin)
                            .map(|s| s.name.clone())
                            .unwrap_or_default(),
                        current_site: e.state.current_site.clone(),
                        current_site_name: registry
                            .get(&e.state.current_site)
                            .map(|s| s.name.clone())
                            .unwrap_or_default(),
                        received_on: e.state.received_on.to_string(),
                        // A denunciation's summary is inside its seal with the identity.
                        summary: if sealed {
                            None
                        } else {
                            Some(r.summary.clone())
                        },
                        citizen: citizen.map(|c| c.name.clone()),
                        sealed,
                        overdue,
                        near,
                        next_due: next_due.map(|d| d.to_string()),
                        events: e.log.len(),
                    },
                ))
            })
            .collect();
        match sort {
            "received" => rows.sort_by(|a, b| {
                (&a.1.received_on, &a.1.case_id).cmp(&(&b.1.received_on, &b.1.case_id))
            }),
            "-received" => rows.sort_by(|a, b| {
                (&b.1.received_on, &b.1.case_id).cmp(&(&a.1.received_on, &a.1.case_id))
            }),
            // Cases with no open deadline last either way.
            "due" => rows.sort_by(|a, b| {
                (a.0.is_none(), a.0, &a.1.case_id).cmp(&(b.0.is_none(), b.0, &b.1.case_id))
            }),
            "-due" => rows.sort_by(|a, b| {
                (a.0.is_none(), b.0, &b.1.case_id).cmp(&(b.0.is_none(), a.0, &a.1.case_id))
            }),
            "-id" => rows.sort_by(|a, b| b.1.case_id.cmp(&a.1.case_id)),
            _ => rows.sort_by(|a, b| a.1.case_id.cmp(&b.1.case_id)),
        }
        Ok(rows.into_iter().map(|(_, r)| r).collect())
    }

    /// The site's own log book, oldest first, in a date range: the receptions entered here,
    /// and a line for each case heard here in an online session (NĐ 154/2026 Art 27), whoever
    /// received it first. STT numbers the lines of each year in order.
    pub fn logbook_rows(
        &self,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<logbook::Row>, OpError> {
        let from = from.map(case::parse_date).transpose().map_err(bad)?;
        let to = to.map(case::parse_date).transpose().map_err(bad)?;
        let within = |d: case::Date| !(from.is_some_and(|f| d < f) || to.is_some_and(|t| d > t));
        let code = &self.site.site.code;
        let cases = self.records.held();
        // (date, the case's own number, 0 for its reception and 1 for a hearing, row)
        let mut rows: Vec<(case::Date, u64, u8, logbook::Row)> = Vec::new();
        for e in cases.entries.values() {
            let Some(r) = &e.state.reception else {
                continue;
            };
            let number = e
                .state
                .case_id
                .rsplit('-')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let line = reception_line(&e.state, r);
            if e.state.origin == *code && within(r.date) {
                rows.push((r.date, number, 0, line.clone()));
            }
            for h in &e.state.online_hearings {
                if h.site != *code || !within(h.date) {
                    continue;
                }
                let mut heard = line.clone();
                heard.date = h.date.to_string();
                heard.accept = false;
                heard.guide.clear();
                heard.transfer.clear();
                heard.session_type = h.session_type;
                heard.form = case::ReceptionForm::Online;
                heard.notes = format!(
                    "Tiếp trực tuyến tại phiên {} về vụ việc {} (tiếp nhận ngày {})",
                    h.session_id,
                    e.state.case_id,
                    crate::language::history::dmy(r.date)
                );
                rows.push((h.date, number, 1, heard));
            }
        }
        rows.sort_by_key(|r| (r.0, r.1, r.2));
        let mut year = None;
        let mut stt = 0;
        Ok(rows
            .into_iter()
            .map(|(date, _, _, mut row)| {
                if year != Some(date.year()) {
                    year = Some(date.year());
                    stt = 0;
                }
                stt += 1;
                row.stt = stt;
                row
            })
            .collect())
    }

    /// `GET cases/{id}/identity`: the plaintext identity, for authorised roles at audience
    /// sites. Every view is itself a signed audit event in the case.
    pub fn reveal_identity(
        &self,
        case_id: &str,
        by: Actor,
        full_name: &str,
        now_ms: u64,
    ) -> Result<SealedDetails, OpError> {
        if !access::allows(by.role, access::Action::IdentityView) {
            return Err(OpError::Forbidden(
                Message::new("error-identity-role")
                    .arg("role", crate::language::labels::role(by.role)),
            ));
        }
        let state = self.require_case(case_id)?;
        let details = self.open_details(&state)?;
        self.record_identity_view(case_id, by, full_name, now_ms)?;
        Ok(details)
    }

    /// The details of a case's reception in the clear: as signed for a plain one, opened from
    /// the current sealing for a sealed one. Records no view: the caller does
    /// ([`Cases::record_identity_view`]) when it shows a sealed one.
    fn open_details(&self, state: &case::CaseState) -> Result<SealedDetails, OpError> {
        let case_id = &state.case_id;
        let reception = state.reception.as_ref().ok_or_else(|| {
            OpError::NotFound(Message::new("error-case-no-reception").arg("case", case_id))
        })?;
        match (&reception.identity, &state.sealed_identity) {
            (Identity::Plain(c), _) => Ok(SealedDetails {
                citizen: c.clone(),
                summary: reception.summary.clone(),
                request: reception.request.clone(),
                representatives: reception.representatives.clone(),
                evidence: reception.evidence.clone(),
            }),
            // The current sealing: a site the case was handed to is only in the last re-wrap.
            (Identity::Sealed(_), Some(s)) => {
                let plain = sealed::open(s, &self.site.site.code, &self.site.key, case_id)
                    .map_err(|e| {
                        OpError::Forbidden(
                            Message::new("error-identity-not-here").arg("detail", e.to_string()),
                        )
                    })?;
                cbor4ii::serde::from_slice(&plain).map_err(|e| OpError::Store(e.to_string()))
            }
            (Identity::Sealed(_), None) => Err(OpError::Store(format!(
                "case {case_id} has a sealed reception but no sealing in its state"
            ))),
        }
    }

    /// Records that `by` saw a sealed identity (a signed audit event in the case).
    pub fn record_identity_view(
        &self,
        case_id: &str,
        by: Actor,
        full_name: &str,
        now_ms: u64,
    ) -> Result<(), OpError> {
        self.commit_events(
            case_id,
            vec![CaseEvent::IdentityViewed {
                by: if full_name == by.user {
                    by.user.clone()
                } else {
                    format!("{full_name} ({})", by.user)
                },
                role: by.role.as_str().to_owned(),
            }],
            now_ms,
            None,
            Some(by),
        )?;
        Ok(())
    }

    /// A received case this site holds, and what a printed document of its reception (Forms
    /// 01/TCD and 02/TCD) may show of it to a caller with `role`. Nothing is recorded: when
    /// the answer is [`PrintDetails::Opened`] and the document is printed, the caller records
    /// the view with [`Cases::record_identity_view`].
    pub fn for_print(
        &self,
        case_id: &str,
        role: access::Role,
    ) -> Result<(case::CaseState, PrintDetails), OpError> {
        let state = self.require_case(case_id)?;
        let Some(reception) = &state.reception else {
            return Err(OpError::NotFound(
                Message::new("error-case-no-reception").arg("case", case_id),
            ));
        };
        let details = if !reception.identity.is_sealed() {
            PrintDetails::Plain(self.open_details(&state)?)
        } else if !access::allows(role, access::Action::IdentityView) {
            PrintDetails::Sealed
        } else {
            match self.open_details(&state) {
                Ok(d) => PrintDetails::Opened(d),
                // This site is not among the current recipients: the document says "(bảo mật)".
                Err(OpError::Forbidden(_)) => PrintDetails::Sealed,
                Err(e) => return Err(e),
            }
        };
        Ok((state, details))
    }
}

/// What a printed document may show of a reception's details.
#[derive(Debug)]
pub enum PrintDetails {
    /// Not sealed: as signed.
    Plain(SealedDetails),
    /// Sealed and opened for a caller who may see it (the view is to be recorded).
    Opened(SealedDetails),
    /// Sealed, and this caller or this site may not open it.
    Sealed,
}

impl PrintDetails {
    pub fn details(&self) -> Option<&SealedDetails> {
        match self {
            PrintDetails::Plain(d) | PrintDetails::Opened(d) => Some(d),
            PrintDetails::Sealed => None,
        }
    }
}

/// One case as `GET cases/{id}` shows it: the folded state (a sealed identity shown only as
/// sealed), its deadlines, audience and status in Vietnamese.
#[derive(Debug, Serialize)]
pub struct CaseView {
    #[serde(flatten)]
    pub state: MaskedState,
    pub deadlines: Vec<DeadlineView>,
    pub audience: BTreeSet<String>,
    pub status_label: &'static str,
    /// The steps this site, for the reader's role, may take now; a page offers these only.
    pub allowed: Vec<case::state::OpenAct>,
}

/// One history entry as its reader reads it.
#[derive(Debug)]
pub struct HistoryLine {
    pub summary: String,
    pub reason: Option<String>,
}

/// A case state that never shows ciphertext (a sealed identity serializes as
/// `{"sealed": true}`), with its history's `summary` and `reason` in the reader's language
/// (the typed `what` and `why` stay beside them for programs).
#[derive(Debug)]
pub struct MaskedState {
    pub state: case::CaseState,
    pub history: Vec<HistoryLine>,
}

impl Serialize for MaskedState {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut v = serde_json::to_value(&self.state).map_err(serde::ser::Error::custom)?;
        if let Some(Identity::Sealed(_)) = self.state.reception.as_ref().map(|r| &r.identity) {
            if let Some(r) = v.get_mut("reception").and_then(|r| r.as_object_mut()) {
                r.insert("identity".into(), serde_json::json!({"sealed": true}));
            }
        }
        if let Some(entries) = v.get_mut("history").and_then(|h| h.as_array_mut()) {
            for (entry, line) in entries.iter_mut().zip(&self.history) {
                entry["summary"] = line.summary.clone().into();
                entry["reason"] = line.reason.clone().into();
            }
        }
        v.serialize(serializer)
    }
}

/// One legal deadline of a case.
#[derive(Debug, Serialize)]
pub struct DeadlineView {
    pub name: &'static str,
    pub label: &'static str,
    pub due: String,
    /// The article that sets it, as a Vietnamese document cites it.
    pub basis: String,
    /// The status variant in lower case (`met`, `overdue`, …).
    pub status: String,
}

impl DeadlineView {
    pub fn new(d: &deadline::Deadline, lang: Lang) -> Self {
        DeadlineView {
            name: d.name,
            label: d.label_vi,
            due: d.due.to_string(),
            basis: crate::language::labels::legal_basis(d.basis, lang),
            status: format!("{:?}", d.status).to_lowercase(),
        }
    }
}

/// One line of `GET cases`.
#[derive(Debug, Serialize)]
pub struct CaseSummary {
    pub case_id: String,
    pub kind: Option<Kind>,
    pub status: &'static str,
    pub status_label: &'static str,
    pub origin: String,
    /// The origin site's official name.
    pub origin_name: String,
    pub current_site: String,
    pub current_site_name: String,
    pub received_on: String,
    /// None for a sealed denunciation.
    pub summary: Option<String>,
    /// The citizen's name; None when sealed.
    pub citizen: Option<String>,
    pub sealed: bool,
    pub overdue: bool,
    /// A deadline is within the near window.
    pub near: bool,
    /// The earliest deadline not yet met.
    pub next_due: Option<String>,
    pub events: usize,
}

/// The log-book line of a case's reception (Form 03/TCD), numbered by the caller.
fn reception_line(state: &case::CaseState, r: &Reception) -> logbook::Row {
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
    logbook::Row {
        stt: 0,
        case_id: state.case_id.clone(),
        date: r.date.to_string(),
        name_address,
        id_paper,
        // A denunciation's summary is inside its seal with the identity.
        summary: match &r.identity {
            Identity::Plain(_) => r.summary.clone(),
            Identity::Sealed(_) => "(bảo mật)".to_owned(),
        },
        kind: logbook::kind_vi(&kind).to_owned(),
        people: r.people_count,
        prior_bodies: r.prior_bodies.join("; "),
        accept: matches!(r.direction, Some(Direction::Accept)),
        guide,
        transfer,
        follow_up: state.status.label_vi().to_owned(),
        notes: r.notes.clone(),
        session_type: r.session_type,
        form: r.form,
        source: r.source,
        anonymous: r.anonymous,
    }
}

#[cfg(test)]
mod search_tests {
    use super::{fold_vi, search_hit};

    #[test]
    fn the_search_folds_diacritics_only_when_the_query_has_none() {
        assert_eq!(fold_vi("Lê Thị Hoà Đồng"), "le thi hoa dong");
        assert!(search_hit("Lê Thị Hoa", "le thi"));
        assert!(search_hit("Lê Thị Hoa", "LÊ THỊ"));
        assert!(search_hit("Lê Thị Hoa", "Thị"));
        // Typed with diacritics, they must match: "Lệ" is not "Lê".
        assert!(!search_hit("Lê Thị Hoa", "Lệ"));
        assert!(!search_hit("Nguyễn Văn An", "le thi"));
        assert!(search_hit("00004-2026-00001", "2026-00001"));
    }
}
