//! Scenarios: the workload, the link model and the disruptions of one run, read from TOML.
//!
//! The named scenarios under `simulations/scenarios/` are built into the binary, so
//! `--scenario typhoon` works from any directory; `--scenario path/to/file.toml` reads a file.
//! Every field has a default (DOMAIN.md §7 for the reception rhythm), so a scenario file only
//! says what differs from `normal`. A wrong line gets an error naming the field.

use serde::Deserialize;

/// The scenarios shipped with the simulator, by name.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("normal", include_str!("../scenarios/normal.toml")),
    ("typhoon", include_str!("../scenarios/typhoon.toml")),
    (
        "central-outage",
        include_str!("../scenarios/central-outage.toml"),
    ),
    ("flapping", include_str!("../scenarios/flapping.toml")),
    ("revocation", include_str!("../scenarios/revocation.toml")),
    (
        "escalation-wave",
        include_str!("../scenarios/escalation-wave.toml"),
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("unknown scenario {0:?}: use one of {names} or a path to a .toml file", names = BUILT_IN.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "))]
    Unknown(String),
    #[error("scenario {name}: {message}")]
    Invalid { name: String, message: String },
}

/// One run's description.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Simulated days (the command line may override).
    #[serde(default = "default_days")]
    pub days: u32,
    /// Only these provinces and their communes (plus central); empty means the whole country.
    #[serde(default)]
    pub provinces: Vec<String>,
    #[serde(default)]
    pub workload: Workload,
    #[serde(default)]
    pub links: LinkModel,
    #[serde(default, rename = "disruption")]
    pub disruptions: Vec<Disruption>,
}

fn default_days() -> u32 {
    7
}

/// How many citizens come, and what becomes of their cases. Rates are means of Poisson draws.
///
/// The defaults follow DOMAIN.md §7 (commune chair weekly, province chair monthly, daily regular
/// reception) scaled so that the country receives about 35,000 citizens a month, the order of
/// the yearly national totals reported by the Government Inspectorate (~400,000 visits a year).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Workload {
    /// Citizens per working day at a commune's regular reception.
    pub commune_regular_per_day: f64,
    /// Citizens at a commune chair's weekly reception day.
    pub commune_chair_per_week: f64,
    /// Citizens per working day at a province's regular reception.
    pub province_regular_per_day: f64,
    /// Citizens at a province chair's monthly reception day.
    pub province_chair_per_month: f64,
    /// Citizens per working day at central (Ban Tiếp công dân Trung ương).
    pub central_per_day: f64,
    /// Share of complaints, denunciations, petitions and feedback (normalised).
    pub kinds: [f64; 4],
    /// Share of receptions that are a crowd delegation (≥ 5 people, representatives).
    pub crowd_rate: f64,
    /// Share of accepted cases later escalated to the superior.
    pub escalation_rate: f64,
    /// Share of cases transferred to another site.
    pub transfer_rate: f64,
    /// Online sessions a province chair holds per month with some of its communes.
    pub province_sessions_per_month: f64,
    /// Component points (communes) per province session.
    pub session_points: usize,
    /// Length of a session, in hours.
    pub session_hours: f64,
}

impl Default for Workload {
    fn default() -> Workload {
        Workload {
            commune_regular_per_day: 0.25,
            commune_chair_per_week: 1.0,
            province_regular_per_day: 3.0,
            province_chair_per_month: 10.0,
            central_per_day: 15.0,
            kinds: [0.35, 0.10, 0.35, 0.20],
            crowd_rate: 0.02,
            escalation_rate: 0.05,
            transfer_rate: 0.03,
            province_sessions_per_month: 2.0,
            session_points: 3,
            session_hours: 3.0,
        }
    }
}

/// Latency, bandwidth and loss per kind of link.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LinkModel {
    /// One-way latency, ms: province–central, commune–province, commune–central, commune–commune.
    pub latency_ms: [u64; 4],
    /// Bandwidth of a commune's links (kbit/s); province and central links get 10×.
    pub commune_kbps: u64,
    /// Probability that a message is lost once (QUIC retransmits it after a timeout).
    pub loss: f64,
    /// Extra delay of one retransmission, ms.
    pub retransmit_ms: u64,
}

impl Default for LinkModel {
    fn default() -> LinkModel {
        LinkModel {
            latency_ms: [15, 10, 25, 12],
            commune_kbps: 4_000,
            loss: 0.01,
            retransmit_ms: 200,
        }
    }
}

/// Something that happens to the federation during a run. Times are simulated hours from the
/// start.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Disruption {
    /// Every link of these provinces (and of their communes) is down from `start_h` for
    /// `hours`: a typhoon. Inside the area, a commune still works on its own.
    Partition {
        provinces: Vec<String>,
        start_h: f64,
        hours: f64,
    },
    /// A site's node is down (central outage, a crashed commune server).
    Outage {
        site: String,
        start_h: f64,
        hours: f64,
    },
    /// A share of commune uplinks go down for `down_min` every `period_min`, from `start_h`
    /// for `hours`.
    Flapping {
        share: f64,
        period_min: f64,
        down_min: f64,
        start_h: f64,
        hours: f64,
    },
    /// The site's parent (or central, for a province) revokes its certificate at `at_h`.
    Revoke { site: String, at_h: f64 },
    /// At `at_h`, this share of every province's open cases is escalated to central (overdue).
    EscalationWave { share: f64, at_h: f64 },
}

impl Scenario {
    /// A built-in scenario by name. (The command reads a `.toml` path itself and calls
    /// [`Scenario::parse`]: this crate does no I/O.)
    pub fn load(name: &str) -> Result<Scenario, ScenarioError> {
        match BUILT_IN.iter().find(|(n, _)| *n == name) {
            Some((_, text)) => Scenario::parse(name, text),
            None => Err(ScenarioError::Unknown(name.to_owned())),
        }
    }

    pub fn parse(name: &str, text: &str) -> Result<Scenario, ScenarioError> {
        let s: Scenario = toml::from_str(text).map_err(|e| ScenarioError::Invalid {
            name: name.to_owned(),
            message: e.to_string(),
        })?;
        s.validate().map_err(|message| ScenarioError::Invalid {
            name: name.to_owned(),
            message,
        })?;
        Ok(s)
    }

    fn validate(&self) -> Result<(), String> {
        let reg = tiepdan_protocol::sites::Registry::official();
        let province = |code: &str| -> Result<(), String> {
            match reg.get(code) {
                Ok(s) if s.level == tiepdan_protocol::sites::Level::Province => Ok(()),
                _ => Err(format!(
                    "{code:?} is not a province code of the official list"
                )),
            }
        };
        for p in &self.provinces {
            province(p)?;
        }
        let w = &self.workload;
        let rates = [
            w.commune_regular_per_day,
            w.commune_chair_per_week,
            w.province_regular_per_day,
            w.province_chair_per_month,
            w.central_per_day,
        ];
        if rates
            .iter()
            .chain(&w.kinds)
            .any(|r| !r.is_finite() || *r < 0.0)
            || w.kinds.iter().sum::<f64>() <= 0.0
        {
            return Err(
                "workload rates must be finite and not negative, and some kind must have a share"
                    .into(),
            );
        }
        for share in [
            w.crowd_rate,
            w.escalation_rate,
            w.transfer_rate,
            self.links.loss,
        ] {
            if !(0.0..=1.0).contains(&share) {
                return Err(format!("a share or probability of {share} is outside 0..1"));
            }
        }
        for d in &self.disruptions {
            match d {
                Disruption::Partition {
                    provinces,
                    start_h,
                    hours,
                } => {
                    for p in provinces {
                        province(p)?;
                    }
                    check_window(*start_h, *hours)?;
                }
                Disruption::Outage {
                    site,
                    start_h,
                    hours,
                } => {
                    reg.get(site)
                        .map_err(|_| format!("outage of unknown site {site:?}"))?;
                    check_window(*start_h, *hours)?;
                }
                Disruption::Flapping {
                    share,
                    period_min,
                    down_min,
                    start_h,
                    hours,
                } => {
                    if !((0.0..=1.0).contains(share) && *down_min > 0.0 && down_min < period_min) {
                        return Err(
                            "flapping needs 0 ≤ share ≤ 1 and 0 < down_min < period_min".into()
                        );
                    }
                    check_window(*start_h, *hours)?;
                }
                Disruption::Revoke { site, at_h } => {
                    let s = reg
                        .get(site)
                        .map_err(|_| format!("revocation of unknown site {site:?}"))?;
                    if s.parent.is_none() {
                        return Err("central cannot be revoked".into());
                    }
                    check_window(*at_h, 0.0)?;
                }
                Disruption::EscalationWave { share, at_h } => {
                    if !(0.0..=1.0).contains(share) {
                        return Err("an escalation wave's share must be within 0..1".into());
                    }
                    check_window(*at_h, 0.0)?;
                }
            }
        }
        Ok(())
    }
}

fn check_window(start_h: f64, hours: f64) -> Result<(), String> {
    if start_h.is_finite() && hours.is_finite() && start_h >= 0.0 && hours >= 0.0 {
        Ok(())
    } else {
        Err(format!(
            "time window {start_h} h + {hours} h must be finite and not negative"
        ))
    }
}

impl Scenario {
    /// A random small world for property tests: two or three provinces, one to three days,
    /// random partitions, node crashes (central's included) and flapping links, all drawn from
    /// `seed`.
    pub fn chaos(seed: u64) -> Scenario {
        let mut rng = crate::rng::SimRng::new(seed ^ 0x0063_6861_6f73);
        let reg = tiepdan_protocol::sites::Registry::official();
        let provinces: Vec<String> = reg
            .iter()
            .filter(|s| s.level == tiepdan_protocol::sites::Level::Province)
            .map(|s| s.code.clone())
            .collect();
        // The smallest provinces keep 200 runs fast: Lai Châu (38 communes), Điện Biên, Cao Bằng.
        let small = ["12", "11", "04", "20"];
        let n = rng.between(2, 4) as usize;
        let mut chosen: Vec<String> = Vec::new();
        while chosen.len() < n {
            let p = small[rng.between(0, small.len() as u64) as usize].to_owned();
            if !chosen.contains(&p) {
                chosen.push(p);
            }
        }
        let days = rng.between(1, 3) as u32;
        let hours = f64::from(days) * 24.0;
        let mut disruptions = Vec::new();
        for _ in 0..rng.between(1, 4) {
            let start_h = rng.between(0, (hours * 10.0) as u64) as f64 / 10.0;
            let len = rng.between(1, 240) as f64 / 10.0;
            let d = match rng.between(0, 3) {
                0 => {
                    let p = chosen[rng.between(0, chosen.len() as u64) as usize].clone();
                    Disruption::Partition {
                        provinces: vec![p],
                        start_h,
                        hours: len,
                    }
                }
                1 => {
                    // A crashed node: central, a province, or one of its communes.
                    let p = &chosen[rng.between(0, chosen.len() as u64) as usize];
                    let kids = reg.children(p);
                    let site = match rng.between(0, 3) {
                        0 => tiepdan_protocol::sites::CENTRAL_CODE.to_owned(),
                        1 => p.clone(),
                        _ => kids[rng.between(0, kids.len() as u64) as usize].clone(),
                    };
                    Disruption::Outage {
                        site,
                        start_h,
                        hours: len,
                    }
                }
                _ => Disruption::Flapping {
                    share: 0.3,
                    period_min: 20.0,
                    down_min: rng.between(1, 15) as f64,
                    start_h,
                    hours: len,
                },
            };
            disruptions.push(d);
        }
        let _ = provinces;
        let workload = Workload {
            commune_regular_per_day: 1.0,
            commune_chair_per_week: 3.0,
            province_sessions_per_month: 20.0,
            ..Workload::default()
        };
        let links = LinkModel {
            loss: 0.05,
            ..LinkModel::default()
        };
        Scenario {
            name: format!("chaos-{seed}"),
            description: String::new(),
            days,
            provinces: chosen,
            workload,
            links,
            disruptions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_scenario_parses() {
        for (name, _) in BUILT_IN {
            let s = Scenario::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(&s.name, name);
        }
    }

    #[test]
    fn wrong_lines_get_errors_naming_them() {
        let e = Scenario::parse("t", "name = \"t\"\nday = 3\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("day"), "{e}");
        let e = Scenario::parse("t", "name = \"t\"\n[[disruption]]\nkind = \"partition\"\nprovinces = [\"99\"]\nstart_h = 1\nhours = 2\n").unwrap_err().to_string();
        assert!(e.contains("\"99\""), "{e}");
        let e = Scenario::parse("t", "name = \"t\"\n[workload]\nescalation_rate = 2.0\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("outside 0..1"), "{e}");
        assert!(matches!(
            Scenario::load("nope"),
            Err(ScenarioError::Unknown(_))
        ));
    }
}
