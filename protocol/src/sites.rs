//! The official registry of reception sites: central, the 34 provinces and the 3,321 communes.
//!
//! Owns parsing of the embedded `data/vn-divisions-2025.csv` (source in `data/SOURCE.md`) and the
//! hierarchy questions every other module asks: does this code exist, what level is it, who is
//! its parent, is A an ancestor of B. It must not read files at run time: the list is compiled in,
//! so a node and the simulator always agree on the hierarchy.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The embedded official list (General Statistics Office, July 2025; see `data/SOURCE.md`).
const DIVISIONS_CSV: &str = include_str!("../data/vn-divisions-2025.csv");

/// The central citizen reception office's site code.
pub const CENTRAL_CODE: &str = "VN";

/// Where a site stands in the hierarchy (cấp).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Ban Tiếp công dân Trung ương.
    Central,
    /// Tỉnh / thành phố trực thuộc trung ương.
    Province,
    /// Xã / phường / đặc khu.
    Commune,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Central => "central",
            Level::Province => "province",
            Level::Commune => "commune",
        }
    }

    /// The Vietnamese name shown in the web UI.
    pub fn label_vi(self) -> &'static str {
        match self {
            Level::Central => "Trung ương",
            Level::Province => "Cấp tỉnh",
            Level::Commune => "Cấp xã",
        }
    }

    /// The level a site's parent must have, or `None` for central.
    pub fn parent_level(self) -> Option<Level> {
        match self {
            Level::Central => None,
            Level::Province => Some(Level::Central),
            Level::Commune => Some(Level::Province),
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Level {
    type Err = SiteError;
    fn from_str(s: &str) -> Result<Self, SiteError> {
        match s {
            "central" => Ok(Level::Central),
            "province" => Ok(Level::Province),
            "commune" => Ok(Level::Commune),
            other => Err(SiteError::UnknownLevel(other.to_owned())),
        }
    }
}

/// Errors about site codes given from outside (CLI, certificates, peers).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SiteError {
    #[error("site code {0:?} is not in the official list of 3,356 sites (vn-divisions-2025): use `VN` for central, the 2-digit code of a province or the 5-digit code of a commune")]
    UnknownCode(String),
    #[error("unknown level {0:?}: expected central, province or commune")]
    UnknownLevel(String),
}

/// One reception site from the official list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub code: String,
    /// Official Vietnamese name, e.g. "Phường Hoàn Kiếm".
    pub name: String,
    pub level: Level,
    /// Official type: "phường", "xã", "đặc khu", "tỉnh", ...
    pub division_type: String,
    /// `None` only for central.
    pub parent: Option<String>,
}

/// The whole hierarchy, indexed by code.
#[derive(Debug)]
pub struct Registry {
    sites: BTreeMap<String, Site>,
    children: BTreeMap<String, Vec<String>>,
}

impl Registry {
    /// The official list compiled into the binary. Parsed once.
    pub fn official() -> &'static Registry {
        static REGISTRY: OnceLock<Registry> = OnceLock::new();
        REGISTRY.get_or_init(|| {
            // The embedded file is part of the build; a parse failure is a packaging bug.
            Registry::parse(DIVISIONS_CSV).expect("embedded vn-divisions-2025.csv is valid")
        })
    }

    /// Parses a divisions CSV with header `code,name,level,division_type,parent_code`.
    pub fn parse(csv: &str) -> Result<Registry, String> {
        let mut sites = BTreeMap::new();
        let mut children: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (i, line) in csv.lines().enumerate().skip(1) {
            if line.trim().is_empty() {
                continue;
            }
            let cols: Vec<&str> = line.split(',').collect();
            if cols.len() != 5 {
                return Err(format!(
                    "line {}: expected 5 columns, found {}",
                    i + 1,
                    cols.len()
                ));
            }
            let level: Level = cols[2]
                .parse()
                .map_err(|e| format!("line {}: {e}", i + 1))?;
            let parent = (!cols[4].is_empty()).then(|| cols[4].to_owned());
            let site = Site {
                code: cols[0].to_owned(),
                // Some official names carry a doubled space; show them as people write them.
                name: cols[1].split_whitespace().collect::<Vec<_>>().join(" "),
                level,
                division_type: cols[3].to_owned(),
                parent: parent.clone(),
            };
            if let Some(p) = parent {
                children.entry(p).or_default().push(site.code.clone());
            }
            sites.insert(site.code.clone(), site);
        }
        for kids in children.values_mut() {
            kids.sort();
        }
        Ok(Registry { sites, children })
    }

    pub fn get(&self, code: &str) -> Result<&Site, SiteError> {
        self.sites
            .get(code)
            .ok_or_else(|| SiteError::UnknownCode(code.to_owned()))
    }

    pub fn contains(&self, code: &str) -> bool {
        self.sites.contains_key(code)
    }

    pub fn len(&self) -> usize {
        self.sites.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sites.is_empty()
    }

    /// All sites in code order.
    pub fn iter(&self) -> impl Iterator<Item = &Site> {
        self.sites.values()
    }

    /// Direct children of `code`, sorted.
    pub fn children(&self, code: &str) -> &[String] {
        self.children.get(code).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The parent code, or `None` for central or an unknown code.
    pub fn parent(&self, code: &str) -> Option<&str> {
        self.sites.get(code).and_then(|s| s.parent.as_deref())
    }

    /// Ancestors from the direct parent up to central.
    pub fn ancestors(&self, code: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut cur = self.parent(code);
        while let Some(p) = cur {
            out.push(p);
            cur = self.parent(p);
        }
        out
    }

    /// True when `issuer` may sign a certificate for `subject`: central signs provinces, a
    /// province signs only its own communes (Law 136/2025 federation trust model).
    pub fn may_issue(&self, issuer: &str, subject: &str) -> bool {
        match (self.sites.get(issuer), self.sites.get(subject)) {
            (Some(i), Some(s)) => {
                s.parent.as_deref() == Some(i.code.as_str())
                    && s.level.parent_level() == Some(i.level)
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_list_has_the_published_counts() {
        let r = Registry::official();
        assert_eq!(r.len(), 3356);
        let count = |l| r.iter().filter(|s| s.level == l).count();
        assert_eq!(count(Level::Central), 1);
        assert_eq!(count(Level::Province), 34);
        assert_eq!(count(Level::Commune), 3321);
        // TP HCM has the most communes (168), Lai Châu the fewest (38): DOMAIN.md §4.
        assert_eq!(r.children("79").len(), 168);
        assert_eq!(r.children("12").len(), 38);
    }

    #[test]
    fn hierarchy_questions() {
        let r = Registry::official();
        assert_eq!(r.get("00070").unwrap().name, "Phường Hoàn Kiếm");
        assert_eq!(r.ancestors("00070"), vec!["01", "VN"]);
        assert!(r.may_issue("VN", "01"));
        assert!(r.may_issue("01", "00070"));
        assert!(
            !r.may_issue("79", "00070"),
            "a province signs only its own communes"
        );
        assert!(!r.may_issue("VN", "00070"), "central signs only provinces");
        assert!(!r.may_issue("00070", "00073"));
        assert!(matches!(r.get("99999"), Err(SiteError::UnknownCode(_))));
        assert_eq!(r.get("26536").unwrap().name, "Phường Rạch Dừa");
    }
}
