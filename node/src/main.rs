//! `tiepdan`: the one binary every reception site runs. See ARCHITECTURE.md, "Interfaces".
//!
//! The site commands are `tiepdan_node::cli`'s. With the `lab` feature (on by default) the
//! binary adds `demo` (a local federation with its web UI) and `bench` (the README figures);
//! a production build without it (`--no-default-features`) carries neither.

use clap::{Parser, Subcommand};
use tiepdan_node::cli;

#[derive(Parser)]
#[command(
    name = "tiepdan",
    version,
    about = "tiepdan — hệ thống tiếp công dân trực tuyến: one node per reception site"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Site(cli::Command),
    /// A local federation on loopback with its web UI: central, provinces 01 and 79, two communes each.
    #[cfg(feature = "lab")]
    Demo {
        /// Keep the federation's files here instead of a temporary folder.
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
        /// Stop after the federation has formed (for scripts), instead of waiting for Ctrl-C.
        #[arg(long)]
        exit_when_formed: bool,
    },
    /// Measure on loopback and print the README figures: `federation` (joining, handshakes,
    /// memory, revocation), `cases` (receptions, replication, reconciliation, convergence), `media`
    /// (relay hop latency, streams per core, gap after a link cut) or `all`.
    #[cfg(feature = "lab")]
    Bench {
        #[arg(long, default_value = "all")]
        suite: String,
        /// Handshakes to time one by one.
        #[arg(long, default_value_t = 200)]
        handshakes: usize,
        /// Seconds of concurrent handshakes for the throughput figure.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
}

fn main() {
    let result = match Cli::parse().command {
        Command::Site(command) => cli::run(command),
        #[cfg(feature = "lab")]
        Command::Demo {
            dir,
            exit_when_formed,
        } => cli::tokio_main(tiepdan_node::lab::demo::run(dir, exit_when_formed)),
        #[cfg(feature = "lab")]
        Command::Bench {
            suite,
            handshakes,
            seconds,
        } => cli::tokio_main(tiepdan_node::bench::run_suite(&suite, handshakes, seconds)),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
