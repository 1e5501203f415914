//! `tiepdan-sim`: a deterministic discrete-event simulator of the national federation.
//!
//! It runs the protocol crate's own state machines (records, reconciliation, revocations, media
//! routes) for every site of the official hierarchy over simulated links, under the workloads
//! and disruptions of a scenario. One seed decides everything; nothing reads the wall clock or
//! unseeded randomness, so a seed's digest is the same on every machine.

pub mod engine;
pub mod net;
pub mod plot;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod workload;

pub use engine::Sim;
pub use report::Report;
pub use scenario::Scenario;

/// Runs `scenario` for `days` with `seed` and returns the report (the wall time is the
/// caller's to measure: the library never reads a clock).
pub fn run(scenario: Scenario, seed: u64, days: u32) -> Report {
    Sim::new(scenario, seed, days).run()
}
