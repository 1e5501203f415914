//! One case as its reader sees it (`GET cases/{id}`): the folded state with a sealed
//! identity masked, the history and legal bases in the reader's language, the deadlines and
//! the steps the reader's role may take now.

use super::*;

impl Cases {
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
            allowed: {
                let mut acts = state.open_acts(&self.site.site.code, role, now_ms);
                // An overdue escalation also needs the lapse the calendar shows (the fold
                // cannot see it): offered only once a ground has lapsed.
                if deadline::check_overdue_escalation(&state, cal, today).is_err() {
                    for a in &mut acts {
                        a.reasons.retain(|r| *r != case::EscalationReason::Overdue);
                    }
                    acts.retain(|a| a.act != "escalated" || !a.reasons.is_empty());
                }
                acts
            },
            state: MaskedState { state, history },
        })
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
    /// The day it was met, when it was; `met_in_time` false when that was after `due`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub met_on: Option<String>,
    pub met_in_time: bool,
}

impl DeadlineView {
    pub fn new(d: &deadline::Deadline, lang: Lang) -> Self {
        DeadlineView {
            name: d.name,
            label: d.label_vi,
            due: d.due.to_string(),
            basis: crate::language::labels::legal_basis(d.basis, lang),
            status: format!("{:?}", d.status).to_lowercase(),
            met_on: d.met_on.map(|on| on.to_string()),
            met_in_time: d.met_in_time(),
        }
    }
}
