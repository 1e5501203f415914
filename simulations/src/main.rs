//! `tiepdan-sim --scenario NAME --seed N [--days D] [--out DIR]`: runs one scenario and prints
//! its figures as JSON on stdout; `--out` also writes the plots. A progress bar shows on a
//! terminal only, so piped output stays clean.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use tiepdan_sim::{Scenario, Sim};

#[derive(Parser)]
#[command(
    name = "tiepdan-sim",
    about = "Deterministic simulator of the tiepdan federation (3,356 sites)"
)]
struct Args {
    /// normal, typhoon, central-outage, flapping, revocation, escalation-wave, or a .toml file.
    #[arg(long)]
    scenario: String,
    /// Decides every arrival, loss and key: the same seed gives the same digest.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Simulated days (default: the scenario's).
    #[arg(long)]
    days: Option<u32>,
    /// Writes latency.svg, backlog.svg and convergence.svg here.
    #[arg(long)]
    out: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let loaded = if args.scenario.ends_with(".toml") {
        std::fs::read_to_string(&args.scenario)
            .map_err(|e| format!("cannot read scenario file {}: {e}", args.scenario))
            .and_then(|text| Scenario::parse(&args.scenario, &text).map_err(|e| e.to_string()))
    } else {
        Scenario::load(&args.scenario).map_err(|e| e.to_string())
    };
    let scenario = match loaded {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let days = args.days.unwrap_or(scenario.days);
    if days == 0 || days > 366 {
        eprintln!("error: --days must be between 1 and 366");
        return ExitCode::from(2);
    }
    let started = std::time::Instant::now();
    let mut sim = Sim::new(scenario, args.seed, days);
    if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(u64::from(days) * 24);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} simulated {pos}/{len} h [{bar:40}] {elapsed_precise}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        sim.on_progress(move |done, total| {
            bar.set_position(done / 3_600_000);
            if done >= total {
                bar.finish_and_clear();
            }
        });
    }
    let mut report = sim.run();
    report.wall_seconds = started.elapsed().as_secs_f64();
    report.events_per_wall_second = report.events_per_second();
    if let Some(dir) = &args.out {
        let written = std::fs::create_dir_all(dir).and_then(|_| {
            report
                .plots()
                .into_iter()
                .try_for_each(|(name, svg)| std::fs::write(dir.join(name), svg))
        });
        if let Err(e) = written {
            eprintln!("error: cannot write the plots into {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    }
    match serde_json::to_string_pretty(&report) {
        Ok(json) => println!("{json}"),
        Err(e) => {
            eprintln!("error: cannot encode the report: {e}");
            return ExitCode::FAILURE;
        }
    }
    if report.events_lost > 0 || report.invariant_violations.total() > 0 {
        eprintln!(
            "error: {} events lost, {} invariant violations",
            report.events_lost,
            report.invariant_violations.total()
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
