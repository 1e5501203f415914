//! The command line of a site: `tiepdan init|issue|install|revoke|calendar|join|run|case|
//! logbook|recording|user`, and the client of a running node's API.
//!
//! Uses every capability and `run` (the wiring of a running node); nothing uses it but the
//! binary. A command that changes a site runs offline on its store when the node is stopped and
//! through the node's API while it runs. `demo` and `bench` are the lab's (`lab`, `bench`), added
//! by the binary when built with the `lab` feature.

pub mod admin;
pub mod case;
pub mod client;
pub mod join;
pub mod recording;

use std::path::PathBuf;
use std::time::Duration;

use clap::Subcommand;

use crate::federation::pki;
use crate::language::{Lang, Message};
use crate::site::config::Overrides;
use crate::site::datadir::DataDir;

/// The language the command speaks to the person at the terminal: English when `LC_ALL` (or,
/// when it is unset or empty, `LANG`) starts with `en`, else Vietnamese. Logs stay English.
pub fn lang() -> Lang {
    lang_of(
        std::env::var("LC_ALL").ok().as_deref(),
        std::env::var("LANG").ok().as_deref(),
    )
}

/// [`lang`] from the values of `LC_ALL` and `LANG`.
pub fn lang_of(lc_all: Option<&str>, lang: Option<&str>) -> Lang {
    let chosen = lc_all.filter(|v| !v.is_empty()).or(lang).unwrap_or("");
    if chosen.to_ascii_lowercase().starts_with("en") {
        Lang::En
    } else {
        Lang::Vi
    }
}

/// A catalogue message in the command's language.
pub fn say(m: Message) -> String {
    m.render(lang())
}

/// A catalogue message in the command's language, as the error the command ends with.
pub fn fail(m: Message) -> anyhow::Error {
    anyhow::anyhow!(say(m))
}

/// The error a command ended with, as the person at the terminal reads it: a record
/// operation's, a case's, a session's or a calendar's refusal in the command's language (their `Display` is the
/// English of logs); anything else as it is.
pub fn spoken(e: anyhow::Error) -> anyhow::Error {
    use crate::records::OpError;
    if let Some(op) = e.downcast_ref::<OpError>() {
        return match op {
            OpError::BadInput(m)
            | OpError::NotFound(m)
            | OpError::Forbidden(m)
            | OpError::Conflict(m)
            | OpError::NotNow(m) => fail(m.clone()),
            OpError::Store(_) => e,
        };
    }
    if let Some(c) = e.downcast_ref::<tiepdan_protocol::calendar::CalendarError>() {
        return fail(Message::from(c));
    }
    if let Some(c) = e.downcast_ref::<tiepdan_protocol::case::CaseError>() {
        return fail(Message::from(c));
    }
    if let Some(c) = e.downcast_ref::<tiepdan_protocol::session::SessionError>() {
        return fail(Message::from(c));
    }
    e
}

#[derive(Subcommand)]
pub enum Command {
    /// Create a new site: its key, operator token, and a certificate request (or the root with --root).
    Init {
        #[arg(long)]
        data: PathBuf,
        /// Official site code: VN, a 2-digit province or a 5-digit commune.
        #[arg(long)]
        site: Option<String>,
        /// Create the federation root (central office only).
        #[arg(long)]
        root: bool,
        /// Validity of the root certificate in days (with --root).
        #[arg(long)]
        days: Option<u32>,
    },
    /// Sign a child site's certificate request with this (parent) site's key.
    Issue {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        request: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Validity in days.
        #[arg(long, default_value_t = crate::federation::pki::DEFAULT_CERT_DAYS)]
        days: u32,
    },
    /// Install the certificate chain the parent issued for this site.
    Install {
        #[arg(long)]
        data: PathBuf,
        chain: PathBuf,
    },
    /// Revoke a site's certificates; the revocation spreads through the federation.
    Revoke {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        site: String,
    },
    /// Publish a year's holiday calendar (central only): it replaces that year's days off at
    /// every site, as a revocation spreads.
    Calendar {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        year: i32,
        /// A calendar file with header `date,kind,name,source` (kind: off or work), as
        /// protocol/data/holidays-vn.csv.
        #[arg(long)]
        csv: PathBuf,
    },
    /// Send this site's request to its parent node and wait for its operator's approval.
    Join {
        #[arg(long)]
        data: PathBuf,
        /// The parent node's web address (IP:PORT).
        #[arg(long)]
        parent: String,
        /// SHA-256 of the parent's web CA, as its operator reads it out (needed unless the
        /// parent is on loopback).
        #[arg(long)]
        fingerprint: Option<String>,
        /// How long to wait for approval, in seconds.
        #[arg(long, default_value_t = 3600)]
        wait_secs: u64,
    },
    /// Case records: receive, list, show, record events, escalate, transfer.
    Case {
        #[arg(long)]
        data: PathBuf,
        /// File holding the API token of the officer or chair acting (`tiepdan user token`).
        #[arg(long)]
        token_file: PathBuf,
        #[command(subcommand)]
        command: case::CaseCmd,
    },
    /// Export the log book (Sổ tiếp công dân, Form 03/TCD).
    Logbook {
        #[arg(long)]
        data: PathBuf,
        /// File holding the API token of an officer or chair.
        #[arg(long)]
        token_file: PathBuf,
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        /// csv or html.
        #[arg(long, default_value = "csv")]
        format: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Recordings of online sessions: verify their seal, export them to WebM.
    Recording {
        #[command(subcommand)]
        command: recording::RecordingCmd,
    },
    /// The site's web CA (for HTTPS): where it is and its SHA-256 fingerprint, to read out to a
    /// joining child (`tiepdan join --fingerprint`) and to check before installing it on PCs.
    WebCa {
        #[arg(long)]
        data: PathBuf,
    },
    /// The site's people: add, list, disable, enable, reset a password, make an API token.
    User {
        #[arg(long)]
        data: PathBuf,
        #[command(subcommand)]
        command: admin::UserCmd,
    },
    /// Run this site's node.
    Run {
        #[arg(long)]
        data: PathBuf,
        /// QUIC listen address (UDP).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// libp2p listen address (UDP for QUIC and TCP, same port).
        #[arg(long)]
        p2p: Option<std::net::SocketAddr>,
        /// HTTP API and web UI address.
        #[arg(long)]
        http: Option<std::net::SocketAddr>,
        /// Media (WebRTC) UDP address.
        #[arg(long)]
        media: Option<std::net::SocketAddr>,
        /// The parent site's QUIC address.
        #[arg(long)]
        parent: Option<std::net::SocketAddr>,
        /// Do not look for peers with mDNS on the local network.
        #[arg(long)]
        no_mdns: bool,
    },
}

pub fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(
            "info,libp2p_gossipsub=warn,libp2p_kad=warn,quinn=warn,libp2p_swarm=warn",
        )
    });
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .init();
}

/// Runs one site command; the binary prints its error and exits 1.
pub fn run(command: Command) -> anyhow::Result<()> {
    run_command(command).map_err(spoken)
}

fn run_command(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Init {
            data,
            site,
            root,
            days,
        } => pki::init(&DataDir::new(data), site.as_deref(), root, days).map(|m| println!("{m}")),
        Command::Issue {
            data,
            request,
            out,
            days,
        } => admin::issue(&DataDir::new(data), &request, &out, days).map(|m| println!("{m}")),
        Command::Install { data, chain } => {
            pki::install(&DataDir::new(data), &chain).map(|m| println!("{m}"))
        }
        Command::Revoke { data, site } => {
            admin::revoke(&DataDir::new(data), &site).map(|m| println!("{m}"))
        }
        Command::Calendar { data, year, csv } => {
            admin::publish_calendar(&DataDir::new(data), year, &csv).map(|m| println!("{m}"))
        }
        Command::Join {
            data,
            parent,
            fingerprint,
            wait_secs,
        } => join::join(
            &DataDir::new(data),
            &parent,
            fingerprint.as_deref(),
            Duration::from_secs(wait_secs),
        )
        .map(|m| println!("{m}")),
        Command::Case {
            data,
            token_file,
            command,
        } => case::read_token_file(&token_file)
            .and_then(|t| case::run(&DataDir::new(data), &t, command))
            .map(|v| println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default())),
        Command::Logbook {
            data,
            token_file,
            from,
            to,
            format,
            out,
        } => case::read_token_file(&token_file)
            .and_then(|t| case::logbook(&DataDir::new(data), &t, from, to, &format))
            .and_then(|text| std::fs::write(&out, text).map_err(Into::into))
            .map(|_| {
                println!(
                    "{}",
                    say(Message::new("cli-wrote").arg("path", out.display().to_string()))
                )
            }),
        Command::Recording { command } => recording::run(command),
        Command::WebCa { data } => {
            let data = DataDir::new(data);
            match crate::api::tls::ca_fingerprint(&data) {
                Some(fp) => {
                    let path = crate::api::tls::WebFiles::of(&data).ca_cert();
                    println!(
                        "{}",
                        say(Message::new("cli-web-ca").arg("path", path.display().to_string()))
                    );
                    println!(
                        "{}",
                        say(Message::new("cli-web-ca-fingerprint").arg("fingerprint", fp))
                    );
                    Ok(())
                }
                None => Err(fail(Message::new("cli-no-web-ca"))),
            }
        }
        Command::User { data, command } => {
            admin::user(&DataDir::new(data), command).map(|m| println!("{m}"))
        }
        Command::Run {
            data,
            listen,
            p2p,
            http,
            media,
            parent,
            no_mdns,
        } => {
            init_logs();
            let overrides = Overrides {
                listen,
                p2p,
                http,
                media,
                parent,
                no_mdns,
            };
            tokio_main(crate::run::run(DataDir::new(data), overrides))
        }
    }
}

/// Runs `fut` on a multi-threaded runtime.
pub fn tokio_main(
    fut: impl std::future::Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(fut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_speaks_vietnamese_unless_the_locale_is_english() {
        assert_eq!(lang_of(None, None), Lang::Vi);
        assert_eq!(lang_of(None, Some("C.UTF-8")), Lang::Vi);
        assert_eq!(lang_of(None, Some("vi_VN.UTF-8")), Lang::Vi);
        assert_eq!(lang_of(None, Some("en_US.UTF-8")), Lang::En);
        assert_eq!(lang_of(Some(""), Some("en_GB")), Lang::En, "empty LC_ALL");
        assert_eq!(
            lang_of(Some("vi_VN"), Some("en_US")),
            Lang::Vi,
            "LC_ALL wins"
        );
        assert_eq!(lang_of(Some("EN"), None), Lang::En);
        let m = Message::new("cli-wrote").arg("path", "so.csv");
        assert!(m.is_in_catalogue());
        assert_eq!(m.render(Lang::Vi), "Đã ghi so.csv");
        assert_eq!(m.render(Lang::En), "Wrote so.csv");
    }

    #[test]
    fn a_record_refusal_reads_in_the_commands_language() {
        let e = anyhow::Error::from(crate::records::OpError::NotFound(
            Message::new("error-case-not-found").arg("case", "00004-2026-00001"),
        ));
        let said = spoken(e).to_string();
        assert_eq!(
            said,
            say(Message::new("error-case-not-found").arg("case", "00004-2026-00001"))
        );
        let e = anyhow::Error::from(tiepdan_protocol::calendar::CalendarError::NotInOrder);
        assert_eq!(
            spoken(e).to_string(),
            say(Message::new("error-calendar-not-in-order"))
        );
    }
}
