//! The simulator's guarantees, on small worlds so they run in CI: a seed decides the digest bit
//! for bit; random partitions, crashes and flapping links lose nothing; the invariants (no
//! event leaves its audience, no revoked site accepted) hold throughout; a typhoon drains.

use tiepdan_sim::{run, Scenario};

fn small(name: &str) -> Scenario {
    let mut s = Scenario::load(name).expect("built-in scenario");
    s.provinces = vec!["12".into(), "11".into()];
    s
}

#[test]
fn the_same_seed_gives_the_same_digest() {
    let a = run(small("flapping"), 7, 1);
    let b = run(small("flapping"), 7, 1);
    assert!(
        a.events_created > 50,
        "the run did some work: {}",
        a.events_created
    );
    assert_eq!(a.digest, b.digest);
    assert_eq!(
        serde_json::to_value(&a.replication_latency_to_central_ms).unwrap(),
        serde_json::to_value(&b.replication_latency_to_central_ms).unwrap()
    );
    assert_eq!(a.anti_entropy_rounds, b.anti_entropy_rounds);
    let c = run(small("flapping"), 8, 1);
    assert_ne!(a.digest, c.digest, "another seed, another history");
}

/// Runs chaos seeds `seeds` and checks each lost nothing, converged and kept the invariants.
/// Returns (heals, reroutes) so the caller can check the runs exercised failures.
fn chaos_runs(seeds: std::ops::Range<u64>) -> (usize, u64) {
    let mut reroutes = 0;
    let mut heals = 0;
    for seed in seeds {
        let scenario = Scenario::chaos(seed);
        let days = scenario.days;
        let r = run(scenario, seed, days);
        assert!(r.events_created > 0, "seed {seed}: no work");
        assert_eq!(
            r.events_lost,
            0,
            "seed {seed}: lost events: {}",
            serde_json::to_string(&r).unwrap()
        );
        assert_eq!(
            r.events_pending_at_end, 0,
            "seed {seed}: the federation did not converge"
        );
        assert_eq!(
            r.invariant_violations.total(),
            0,
            "seed {seed}: {:?}",
            r.invariant_violations
        );
        reroutes += r.session_reroutes;
        heals += r.heals.len();
    }
    (heals, reroutes)
}

// 200 seeds in two halves, so the test harness runs them on both cores.
#[test]
fn random_partitions_and_crashes_lose_no_event_seeds_0_to_99() {
    let (heals, reroutes) = chaos_runs(0..100);
    assert!(heals > 50, "the runs exercised heals: {heals}");
    assert!(reroutes > 0, "some session rerouted around a cut");
}

#[test]
fn random_partitions_and_crashes_lose_no_event_seeds_100_to_199() {
    let (heals, _) = chaos_runs(100..200);
    assert!(heals > 50, "the runs exercised heals: {heals}");
}

#[test]
fn a_revoked_province_is_cut_off_everywhere_within_seconds() {
    let mut s = small("revocation");
    s.provinces.push("04".into());
    let r = run(s, 3, 2);
    assert_eq!(
        r.invariant_violations.total(),
        0,
        "{:?}",
        r.invariant_violations
    );
    assert_eq!(r.revocation_sites_unreached, 0);
    // Central, Điện Biên with its communes and Cao Bằng with its communes: everyone but Lai Châu.
    assert!(
        r.revocation_propagation_ms.count > 100,
        "{:?}",
        r.revocation_propagation_ms
    );
    assert!(
        r.revocation_propagation_ms.p99 <= 10_000,
        "{:?}",
        r.revocation_propagation_ms
    );
    assert!(
        r.events_stranded_by_revocation > 0,
        "Lai Châu's sites kept working but could not send"
    );
    assert_eq!(r.events_lost, 0);
}

#[test]
fn a_typhoon_backlog_drains_after_the_heal() {
    let mut s = Scenario::load("typhoon").expect("typhoon");
    s.provinces = vec!["12".into(), "46".into()];
    s.disruptions = vec![tiepdan_sim::scenario::Disruption::Partition {
        provinces: vec!["46".into()],
        start_h: 2.0,
        hours: 20.0,
    }];
    let r = run(s, 5, 2);
    assert_eq!(r.events_lost, 0);
    let heal = r.heals.first().expect("one heal");
    assert!(
        heal.events_pending > 10,
        "the partitioned province built a backlog: {}",
        heal.events_pending
    );
    let took = heal.converged_s.expect("converged");
    assert!(took <= 3600.0, "drained in {took} s");
    assert!(
        r.backlog.iter().any(|(_, b)| *b >= heal.events_pending),
        "the backlog series shows it"
    );
}

#[test]
fn a_run_draws_three_plots() {
    let r = run(small("normal"), 1, 1);
    let plots = r.plots();
    assert_eq!(
        plots.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        ["latency.svg", "backlog.svg", "convergence.svg"]
    );
    assert!(plots[0].1.contains("p50 = "), "the latency plot has data");
    for (name, svg) in plots {
        assert!(svg.trim_end().ends_with("</svg>"), "{name}");
    }
}

#[test]
fn the_command_refuses_bad_input_clearly() {
    let bin = env!("CARGO_BIN_EXE_tiepdan-sim");
    let out = std::process::Command::new(bin)
        .args(["--scenario", "hurricane", "--seed", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown scenario \"hurricane\"") && err.contains("typhoon"),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "name = \"x\"\n[[disruption]]\nkind = \"outage\"\nsite = \"VN\"\nstart_h = -1\nhours = 2\n",
    )
    .unwrap();
    let out = std::process::Command::new(bin)
        .args(["--scenario", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("must be finite and not negative"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = std::process::Command::new(bin)
        .args(["--scenario", "normal", "--days", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    // A good file runs, prints JSON and writes the plots.
    let good = dir.path().join("good.toml");
    std::fs::write(&good, "name = \"tiny\"\ndays = 1\nprovinces = [\"12\"]\n").unwrap();
    let plots = dir.path().join("plots");
    let out = std::process::Command::new(bin)
        .args([
            "--scenario",
            good.to_str().unwrap(),
            "--seed",
            "9",
            "--out",
            plots.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["sites"], 40, "central, Lai Châu and its 38 communes");
    assert_eq!(report["events_lost"], 0);
    assert!(
        plots.join("backlog.svg").exists()
            && plots.join("latency.svg").exists()
            && plots.join("convergence.svg").exists()
    );
}
