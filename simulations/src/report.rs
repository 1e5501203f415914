//! What a run prints: the figures of the issue as one JSON object on stdout, and the series the
//! plots are drawn from (kept out of the JSON).

use serde::Serialize;

/// A distribution's summary, by the nearest-rank rule.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Percentiles {
    pub count: usize,
    pub p50: u64,
    pub p95: u64,
    pub p99: u64,
    pub max: u64,
}

impl Percentiles {
    /// Sorts `v` in place and summarises it (all zero when empty).
    pub fn of(v: &mut [u64]) -> Percentiles {
        if v.is_empty() {
            return Percentiles::default();
        }
        v.sort_unstable();
        let at = |q: f64| v[((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
        Percentiles {
            count: v.len(),
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            max: v[v.len() - 1],
        }
    }
}

/// Convergence after one heal (links restored or a node back).
#[derive(Debug, Clone, Serialize)]
pub struct Heal {
    pub label: String,
    pub at_h: f64,
    /// Events not yet everywhere they belong at the heal.
    pub events_pending: u64,
    /// Seconds until every one of them was; null when the run ended first.
    pub converged_s: Option<f64>,
    /// Per province (by name): seconds until the events of its sites had converged.
    #[serde(skip)]
    pub per_province: Vec<(String, f64)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkBytes {
    pub class: String,
    pub links: usize,
    pub total_bytes: u64,
    pub mean_bytes: u64,
    pub max_bytes: u64,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ViolationCounts {
    /// Events a site sent to a site outside the record's audience.
    pub sent_outside_audience: u64,
    /// Messages a site took from a site it knew to be revoked.
    pub admitted_from_revoked: u64,
    /// Records a site took although it is outside their true audience (the audience folded
    /// from every event of the record, wherever it was made).
    pub held_outside_audience: u64,
}

impl ViolationCounts {
    pub fn total(&self) -> u64 {
        self.sent_outside_audience + self.admitted_from_revoked + self.held_outside_audience
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub scenario: String,
    pub sites: usize,
    pub links: usize,
    pub simulated_days: u32,
    pub events_created: u64,
    pub events_delivered: u64,
    pub events_lost: u64,
    pub events_pending_at_end: u64,
    pub events_stranded_by_revocation: u64,
    /// Event copies admitted at a site other than the author.
    pub deliveries: u64,
    pub replication_latency_to_central_ms: Percentiles,
    pub replication_latency_to_audience_ms: Percentiles,
    /// Convergence after each heal.
    pub heals: Vec<Heal>,
    pub bytes_per_link: Vec<LinkBytes>,
    pub revocation_propagation_ms: Percentiles,
    pub revocation_sites_unreached: u64,
    pub sessions: u64,
    pub session_reroutes: u64,
    pub session_reroute_gap_ms: Percentiles,
    pub anti_entropy_rounds: u64,
    /// Events or rounds refused, by reason (replays are normal: two paths deliver one event).
    pub refused: std::collections::BTreeMap<String, u64>,
    pub steps_skipped_unreplicated: u64,
    pub events_ignored_by_fold: u64,
    pub invariant_violations: ViolationCounts,
    pub digest: String,
    pub wall_seconds: f64,
    /// Events created per wall-clock second of the run (the benchmark figure).
    pub events_per_wall_second: f64,
    #[serde(skip)]
    pub backlog: Vec<(f64, u64)>,
    #[serde(skip)]
    pub windows: Vec<(f64, f64, String)>,
    #[serde(skip)]
    pub central_latencies_ms: Vec<u64>,
}

impl Report {
    /// Events simulated per wall-clock second.
    pub fn events_per_second(&self) -> f64 {
        if self.wall_seconds > 0.0 {
            self.events_created as f64 / self.wall_seconds
        } else {
            0.0
        }
    }

    /// The three plots, as (file name, SVG text).
    pub fn plots(&self) -> Vec<(&'static str, String)> {
        let rows = self
            .heals
            .iter()
            .max_by_key(|h| h.events_pending)
            .map(|h| h.per_province.clone())
            .unwrap_or_default();
        vec![
            (
                "latency.svg",
                crate::plot::latency_distribution(
                    &format!("{}: replication latency to central", self.scenario),
                    &self.central_latencies_ms,
                ),
            ),
            (
                "backlog.svg",
                crate::plot::backlog_over_time(
                    &format!("{}: events not yet everywhere they belong", self.scenario),
                    &self.backlog,
                    &self.windows,
                ),
            ),
            (
                "convergence.svg",
                crate::plot::convergence_per_province(
                    &format!(
                        "{}: convergence per province after the heal (s)",
                        self.scenario
                    ),
                    &rows,
                ),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut v: Vec<u64> = (1..=100).rev().collect();
        let p = Percentiles::of(&mut v);
        assert_eq!(
            (p.count, p.p50, p.p95, p.p99, p.max),
            (100, 50, 95, 99, 100)
        );
        assert_eq!(Percentiles::of(&mut []), Percentiles::default());
        assert_eq!(Percentiles::of(&mut [7]).p99, 7);
    }
}
