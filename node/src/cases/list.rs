//! The case list: `GET cases` with its search, filters, order and paging, the CLI's
//! unpaged list, and the counts of near and overdue cases every page's header shows.

use super::*;

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

impl Cases {
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

#[cfg(test)]
mod tests {
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
