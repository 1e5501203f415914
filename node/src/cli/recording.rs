//! `tiepdan recording verify` and `tiepdan recording export`: the operator's and the
//! inspector's view of recordings, in the command's language (`cli::lang`; `--json` keeps the
//! English of logs).
//!
//! Owns the wording of reports and the exit rule: `verify` fails (non-zero exit) when any
//! recording has a problem, and prints each problem naming the file; notes (a recording not
//! closed) do not fail it. Neither command needs a data folder or a running node.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use tiepdan_keys::cert::Chain;

use crate::language::Message;
use crate::recording::verify::{publisher_dirs, verify_path_scoped, PublisherReport, Scope};
use crate::recording::webm::export_webm;

use super::{fail, say};

#[derive(Subcommand)]
pub enum RecordingCmd {
    /// Kiểm tra bản ghi với chỉ mục đã ký: mã băm từng đoạn, chuỗi băm, chữ ký của chỉ mục
    /// và (với --root-chain) ai đã ký. PATH là một thư mục nguồn ghi
    /// (DIR/recordings/PHIÊN/ĐIỂM/NGUỒN) hoặc một thư mục bên trên: kiểm tra mọi bản ghi tìm thấy.
    Verify {
        /// Thư mục bản ghi cần kiểm tra.
        path: PathBuf,
        /// Tệp PEM của chứng thư gốc liên thông (root.pem của Trung ương hoặc chuỗi kết thúc ở
        /// đó): kiểm tra cả chuỗi chứng thư gắn kèm của bên ký.
        #[arg(long)]
        root_chain: Option<PathBuf>,
        /// In kết quả dạng JSON (nội dung bằng tiếng Anh, cho máy đọc).
        #[arg(long)]
        json: bool,
        /// Thư mục chỉ giữ chỉ mục đã ký (bản chuyển tới một điểm cầu hoặc cấp trên không phải
        /// điểm chủ trì hay Trung ương): kiểm tra chỉ mục và các đoạn có ở đó, không coi đoạn
        /// vắng mặt là vấn đề.
        #[arg(long)]
        index_only: bool,
    },
    /// Ghi các khung của một thư mục nguồn ghi thành tệp WebM (âm thanh Opus, hình VP8).
    Export {
        /// Thư mục nguồn ghi.
        path: PathBuf,
        /// Tệp WebM cần ghi.
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
            let text = std::fs::read_to_string(p).map_err(|e| {
                fail(
                    Message::new("cli-rec-cannot-read-root")
                        .arg("path", p.display().to_string())
                        .arg("detail", e.to_string()),
                )
            })?;
            Some(Chain::from_pem(&text).map_err(|e| {
                fail(
                    Message::new("cli-rec-bad-root")
                        .arg("path", p.display().to_string())
                        .arg("detail", e.to_string()),
                )
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
            println!(
                "{}",
                say(Message::new("cli-rec-all-intact").arg("count", reports.len()))
            );
        }
        return Ok(());
    }
    let mut msg = say(Message::new("cli-rec-not-intact-summary")
        .arg("bad", bad.len())
        .arg("count", reports.len()));
    for r in bad {
        for p in &r.problems {
            msg.push_str(&format!("\n  {}: {}", r.dir.display(), say(p.message())));
        }
    }
    Err(anyhow::anyhow!(msg))
}

/// `HH:MM:SS`.
fn clock(secs: u64) -> String {
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

fn print_report(r: &PublisherReport) {
    let verdict = if r.is_intact() {
        say(Message::new("cli-rec-intact"))
    } else {
        say(Message::new("cli-rec-not-intact").arg("problems", r.problems.len()))
    };
    println!("{}: {verdict}", r.dir.display());
    if let (Some(s), Some(site), Some(p)) = (&r.session_id, &r.site, &r.publisher_id) {
        let ids = Message::new("cli-rec-ids")
            .arg("session", s)
            .arg("site", site)
            .arg("publisher", p);
        println!("  {}", say(ids));
        let closed = Message::new(if r.complete {
            "cli-rec-closed"
        } else {
            "cli-rec-not-closed"
        });
        let stats = Message::new("cli-rec-stats")
            .arg("segments", r.segments)
            .arg("frames", r.frames)
            .arg("bytes", r.bytes)
            .arg("duration", clock(r.duration_us / 1_000_000))
            .arg("closed", closed);
        println!("  {}", say(stats));
    }
    if let Some(id) = &r.index_id {
        println!("  {}", say(Message::new("cli-rec-index-id").arg("id", id)));
    }
    if let Some(site) = &r.chain_verified_site {
        println!(
            "  {}",
            say(Message::new("cli-rec-chain-verified").arg("site", site))
        );
    }
    for p in &r.problems {
        println!(
            "  {}",
            say(Message::new("cli-rec-problem").arg("problem", p.message()))
        );
    }
    for n in &r.notes {
        println!(
            "  {}",
            say(Message::new("cli-rec-note").arg("note", n.clone()))
        );
    }
}

fn export(path: &Path, out: &Path) -> anyhow::Result<()> {
    let dirs = publisher_dirs(path)?;
    if dirs.len() != 1 || dirs[0] != path {
        let list: Vec<String> = dirs.iter().map(|d| format!("  {}", d.display())).collect();
        let head = say(Message::new("cli-rec-export-one-folder")
            .arg("path", path.display().to_string())
            .arg("count", dirs.len()));
        return Err(anyhow::anyhow!("{head}\n{}", list.join("\n")));
    }
    let stats = export_webm(path, out)?;
    for w in &stats.warnings {
        eprintln!(
            "{}",
            say(Message::new("cli-rec-warning").arg("warning", w.to_string()))
        );
    }
    let exported = Message::new("cli-rec-exported")
        .arg("path", out.display().to_string())
        .arg("audio", stats.audio_frames)
        .arg("video", stats.video_frames)
        .arg("keyframes", stats.video_keyframes)
        .arg("width", stats.width)
        .arg("height", stats.height)
        .arg("clusters", stats.clusters)
        .arg("duration", clock(stats.duration_ms / 1000))
        .arg("bytes", stats.bytes);
    println!("{}", say(exported));
    Ok(())
}
