//! `tiepdan recording verify` and `tiepdan recording export`: the operator's and the
//! inspector's view of recordings, in English.
//!
//! Owns the wording of reports and the exit rule: `verify` fails (non-zero exit) when any
//! recording has a problem, and prints each problem naming the file; notes (a recording not
//! closed) do not fail it. Neither command needs a data folder or a running node.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Subcommand;
use tiepdan_keys::cert::Chain;

use crate::recording::verify::{publisher_dirs, verify_path_scoped, PublisherReport, Scope};
use crate::recording::webm::export_webm;

#[derive(Subcommand)]
pub enum RecordingCmd {
    /// Check recordings against their signed index: every segment's hash, the hash chain, the
    /// index signature and (with --root-chain) who signed. PATH is a publisher folder
    /// (DIR/recordings/SESSION/SITE/PUBLISHER) or a folder above it: all found are checked.
    Verify {
        path: PathBuf,
        /// PEM file of the federation root certificate (central's root.pem or any chain ending
        /// in it): also verify the signer's embedded certificate chain.
        #[arg(long)]
        root_chain: Option<PathBuf>,
        /// Print the reports as JSON.
        #[arg(long)]
        json: bool,
        /// The folder holds only the signed index (a copy relayed to a point or an ancestor
        /// that is neither the hub nor central): check the index and whatever segments are
        /// there, and do not count absent segments as problems.
        #[arg(long)]
        index_only: bool,
    },
    /// Write a publisher folder's frames as a WebM file (Opus audio, VP8 video).
    Export {
        path: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(cmd: RecordingCmd) -> anyhow::Result<()> {
    match cmd {
        RecordingCmd::Verify {
            path,
            root_chain,
            json,
            index_only,
        } => verify(
            &path,
            root_chain.as_deref(),
            json,
            if index_only {
                Scope::IndexOnly
            } else {
                Scope::Full
            },
        ),
        RecordingCmd::Export { path, out } => export(&path, &out),
    }
}

fn verify(path: &Path, root_chain: Option<&Path>, json: bool, scope: Scope) -> anyhow::Result<()> {
    let root = match root_chain {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| {
                format!("cannot read the root certificate file {}", p.display())
            })?;
            Some(Chain::from_pem(&text).with_context(|| {
                format!("{} is not a usable root certificate file", p.display())
            })?)
        }
        None => None,
    };
    let reports = verify_path_scoped(path, root.as_ref(), scope)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    } else {
        for r in &reports {
            print_report(r);
        }
    }
    let bad: Vec<&PublisherReport> = reports.iter().filter(|r| !r.is_intact()).collect();
    if bad.is_empty() {
        if !json {
            println!("{} recording(s) checked: all intact.", reports.len());
        }
        return Ok(());
    }
    let mut msg = format!(
        "{} of {} recording(s) NOT intact:",
        bad.len(),
        reports.len()
    );
    for r in bad {
        for p in &r.problems {
            msg.push_str(&format!("\n  {}: {p}", r.dir.display()));
        }
    }
    bail!(msg)
}

fn print_report(r: &PublisherReport) {
    let verdict = if r.is_intact() {
        "INTACT".to_owned()
    } else {
        format!("NOT INTACT ({} problem(s))", r.problems.len())
    };
    println!("{}: {verdict}", r.dir.display());
    if let (Some(s), Some(site), Some(p)) = (&r.session_id, &r.site, &r.publisher_id) {
        println!("  session {s}, site {site}, publisher {p}");
        let secs = r.duration_us / 1_000_000;
        println!(
            "  {} sealed segment(s), {} frames, {} bytes, {:02}:{:02}:{:02}, {}",
            r.segments,
            r.frames,
            r.bytes,
            secs / 3600,
            secs / 60 % 60,
            secs % 60,
            if r.complete { "closed" } else { "not closed" }
        );
    }
    if let Some(id) = &r.index_id {
        println!("  index id {id}");
    }
    if let Some(site) = &r.chain_verified_site {
        println!("  signed by site {site}: certificate chain verified against the federation root");
    }
    for p in &r.problems {
        println!("  PROBLEM: {p}");
    }
    for n in &r.notes {
        println!("  note: {n}");
    }
}

fn export(path: &Path, out: &Path) -> anyhow::Result<()> {
    let dirs = publisher_dirs(path)?;
    if dirs.len() != 1 || dirs[0] != path {
        let list: Vec<String> = dirs.iter().map(|d| format!("  {}", d.display())).collect();
        bail!(
            "export takes one publisher folder; {} holds {}:\n{}",
            path.display(),
            dirs.len(),
            list.join("\n")
        );
    }
    let stats = export_webm(path, out)?;
    for w in &stats.warnings {
        eprintln!("warning: {w}");
    }
    let secs = stats.duration_ms / 1000;
    println!(
        "Wrote {}: {} audio frames, {} video frames ({} keyframes, {}x{}), {} clusters, {:02}:{:02}:{:02}, {} bytes. The export is not sealed: verify the recording folder itself.",
        out.display(),
        stats.audio_frames,
        stats.video_frames,
        stats.video_keyframes,
        stats.width,
        stats.height,
        stats.clusters,
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        stats.bytes
    );
    Ok(())
}
