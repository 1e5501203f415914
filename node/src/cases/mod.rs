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
//!
//! Here: the desk itself, receiving, acting, escalating and transferring, the sealed identity.
//! Beside it: `list` (the case list, its search and paging, the due counts), `view` (one case
//! as its reader sees it), `logbook` (Form 03/TCD rows and their CSV), `session_results` (what
//! an online session leaves on a case).

mod list;
pub mod logbook;
mod session_results;
mod view;

pub use list::{CaseFilter, CasePage, CaseQuery, CaseSummary, DueCounts, DEFAULT_LIMIT, MAX_LIMIT};
pub use session_results::SessionResults;
pub use view::{CaseView, DeadlineView, HistoryLine, MaskedState};

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
    /// How the đơn arrived: `in_person` (default), `direct`, `post`, `forwarded`, `deputy`,
    /// `press` or `online`.
    #[serde(default)]
    pub source: case::reception::DonSource,
    /// Đơn nặc danh: the sender is unknown, the citizen's fields may be empty.
    #[serde(default)]
    pub anonymous: bool,
    /// Đơn có nhiều người đứng tên.
    #[serde(default)]
    pub several_signatories: bool,
    /// Lĩnh vực: `policy`, `land_housing`, `administrative_other`, `judicial`, `party`,
    /// `corruption` (denunciations only) or `other`.
    #[serde(default)]
    pub sector: case::reception::Sector,
    /// Vụ việc nhiều lần: the matter was brought before.
    #[serde(default)]
    pub repeat: bool,
    /// The earlier case about the same matter, when known (only with `repeat`).
    #[serde(default)]
    pub earlier_case: String,
    /// Where the matter stood when it came: `not_resolved` (default), `resolved_once`,
    /// `resolved_several` or `in_progress`.
    #[serde(default)]
    pub prior_status: case::reception::PriorStatus,
}

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
        let today = self.today(now_ms);
        let date = match &input.date {
            Some(d) => case::parse_date(d).map_err(bad)?,
            None => today,
        };
        if date > today {
            return Err(OpError::BadInput(
                Message::new("error-reception-date-future")
                    .arg("date", crate::language::history::dmy(date)),
            ));
        }
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
            classification: case::reception::Classification {
                several_signatories: input.several_signatories,
                sector: input.sector,
                repeat: input.repeat,
                earlier_case: input.earlier_case.trim().to_owned(),
                prior_status: input.prior_status,
            },
        };
        reception.validate_before_sealing().map_err(bad)?;
        let earlier = &reception.classification.earlier_case;
        if !earlier.is_empty() && self.records.held().get(earlier).is_none() {
            return Err(OpError::BadInput(
                Message::new("error-earlier-case-unknown").arg("case", earlier),
            ));
        }
        let year = date.year();
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
            // A dialogue held or a reply letter dated on a day still to come is a typing
            // mistake: the record says what happened.
            CaseEvent::Dialogue { date, .. } | CaseEvent::ReplyReceived { date, .. }
                if *date > self.today(now_ms) =>
            {
                return Err(OpError::BadInput(
                    Message::new("error-event-date-future")
                        .arg("date", crate::language::history::dmy(*date)),
                ));
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
        // Without a reason, the one the case's status implies: a second complaint after the
        // first decision, a repeat denunciation after the conclusion, else an overdue stage.
        let reason = reason.unwrap_or(match state.status {
            case::Status::Decided => case::EscalationReason::SecondInstance,
            case::Status::Concluded => case::EscalationReason::RepeatDenunciation,
            _ => case::EscalationReason::Overdue,
        });
        if reason == case::EscalationReason::Overdue {
            // The fold cannot see the calendar; the node checks the lapse before it signs.
            let current = self.site.calendar.current();
            let cal: &case::deadline::Calendar = &current;
            if let Err(d) =
                case::deadline::check_overdue_escalation(&state, cal, self.today(now_ms))
            {
                return Err(OpError::NotNow(
                    Message::new("error-escalation-not-overdue")
                        .arg("deadline", d.label_vi)
                        .arg("due", crate::language::history::dmy(d.due)),
                ));
            }
        }
        let ev = CaseEvent::Escalated {
            to_site: to_site.to_owned(),
            reason,
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
