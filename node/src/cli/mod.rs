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
pub mod report;

use std::path::PathBuf;
use std::time::Duration;

use clap::Subcommand;

use crate::federation::pki;
use crate::language::Message;
use crate::site::config::Overrides;
use crate::site::datadir::DataDir;

pub use crate::language::terminal::{fail, lang, lang_of, say};

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
    if let Some(r) = e.downcast_ref::<crate::recording::RecordingError>() {
        use crate::recording::{RecordingError, INDEX_FILE, SEGMENT_EXT};
        match r {
            RecordingError::NothingToRead { path } => {
                return fail(
                    Message::new("cli-rec-nothing-to-read")
                        .arg("path", path)
                        .arg("index", INDEX_FILE)
                        .arg("ext", SEGMENT_EXT),
                )
            }
            RecordingError::TooManyFolders { path, max } => {
                return fail(
                    Message::new("cli-rec-too-many-folders")
                        .arg("path", path)
                        .arg("max", *max),
                )
            }
            _ => {}
        }
    }
    e
}

/// The help of `--data`: every site command names the site's data folder.
const DATA_HELP: &str = "Thư mục dữ liệu của điểm (khóa, chứng thư, kho dữ liệu)";

#[derive(Subcommand)]
pub enum Command {
    /// Tạo một điểm mới: khóa, mã truy cập của người quản trị và yêu cầu cấp chứng thư (hoặc chứng thư gốc với --root).
    Init {
        #[arg(long, help = DATA_HELP)]
        data: PathBuf,
        /// Mã điểm chính thức: VN, mã tỉnh 2 chữ số hoặc mã xã 5 chữ số.
        #[arg(long)]
        site: Option<String>,
        /// Tạo chứng thư gốc của liên thông (chỉ Trung ương).
        #[arg(long)]
        root: bool,
        /// Số ngày hiệu lực của chứng thư gốc (cùng --root).
        #[arg(long)]
        days: Option<u32>,
    },
    /// Ký yêu cầu cấp chứng thư của điểm cấp dưới bằng khóa của điểm này (cấp trên).
    Issue {
        #[arg(long, help = DATA_HELP)]
        data: PathBuf,
        /// Tệp yêu cầu cấp chứng thư (request.pem) của điểm cấp dưới.
        #[arg(long)]
        request: PathBuf,
        /// Tệp ghi chuỗi chứng thư được cấp.
        #[arg(long)]
        out: PathBuf,
        /// Số ngày hiệu lực.
        #[arg(long, default_value_t = crate::federation::pki::DEFAULT_CERT_DAYS)]
        days: u32,
    },
    /// Cài chuỗi chứng thư mà cấp trên đã cấp cho điểm này.
    Install {
        #[arg(long, help = DATA_HELP)]
        data: PathBuf,
        /// Tệp chuỗi chứng thư (PEM) do cấp trên gửi.
        chain: PathBuf,
    },
    /// Thu hồi chứng thư của một điểm; việc thu hồi lan khắp liên thông.
    Revoke {
        #[arg(long, help = DATA_HELP)]
        data: PathBuf,
        /// Mã điểm bị thu hồi.
        #[arg(long)]
        site: String,
    },
    /// Công bố lịch nghỉ lễ của một năm (chỉ Trung ương): lịch thay các ngày nghỉ của năm đó ở
    /// mọi điểm, lan đi như một lần thu hồi.
    Calendar {
        #[arg(long, help = DATA_HELP)]
        data: PathBuf,
        /// Năm của lịch.
        #[arg(long)]
        year: i32,
        /// Tệp lịch có dòng tiêu đề `date,kind,name,source` (kind: off hoặc work), như
        /// protocol/data/holidays-vn.csv.
        #[arg(long)]
        csv: PathBuf,
    },
    /// Gửi yêu cầu của điểm này tới nút cấp trên và chờ người quản trị cấp trên duyệt.
    Join {
        #[arg(long, help = DATA_HELP)]
        data: PathBuf,
        /// Địa chỉ web của nút cấp trên (IP:CỔNG).
        #[arg(long)]
        parent: String,
        /// SHA-256 của CA web cấp trên, do người quản trị cấp trên đọc cho (cần trừ khi cấp
        /// trên ở loopback).
        #[arg(long)]
        fingerprint: Option<String>,
        /// Thời gian chờ duyệt, tính bằng giây.
        #[arg(long, default_value_t = 3600)]
        wait_secs: u64,
    },
    /// Hồ sơ vụ việc: tiếp nhận, liệt kê, xem, ghi sự kiện, chuyển lên, chuyển đi.
    Case {
        #[arg(long, help = DATA_HELP)]
        data: PathBuf,
        /// Tệp chứa mã truy cập API của cán bộ hoặc lãnh đạo thực hiện (`tiepdan user token`).
        #[arg(long)]
        token_file: PathBuf,
        #[command(subcommand)]
        command: case::CaseCmd,
    },
    /// Xuất sổ tiếp công dân (Mẫu 03/TCD).
    Logbook {
        #[arg(long, help = DATA_HELP)]
        data: PathBuf,
        /// Tệp chứa mã truy cập API của cán bộ hoặc lãnh đạo.
        #[arg(long)]
        token_file: PathBuf,
        /// Từ ngày (YYYY-MM-DD).
        #[arg(long)]
        from: Option<String>,
        /// Đến ngày (YYYY-MM-DD).
        #[arg(long)]
        to: Option<String>,
        /// csv hoặc html.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Tệp ghi sổ.
        #[arg(long)]
        out: PathBuf,
    },
    /// Lập biểu báo cáo (Thông tư 01/2024/TT-TTCP) từ hồ sơ lưu tại điểm tiếp: 01-tcd, 01-xld … 04-xld.
    Report {
        #[arg(long, help = DATA_HELP)]
        data: PathBuf,
        /// Tệp chứa mã truy cập API của cán bộ hoặc lãnh đạo.
        #[arg(long)]
        token_file: PathBuf,
        /// Biểu: 01-tcd, 01-xld, 02-xld, 03-xld hoặc 04-xld.
        form: String,
        /// Kỳ báo cáo: 2026-Q4, 2026-H1, 2026-9M hoặc 2026 (mặc định: quý hiện tại).
        #[arg(long)]
        period: Option<String>,
        /// site (riêng đơn vị) hoặc descendants (đơn vị và toàn bộ cấp dưới).
        #[arg(long, default_value = "site")]
        scope: String,
        /// Mã đơn vị cấp dưới cần lập biểu (mặc định: đơn vị này).
        #[arg(long)]
        site: Option<String>,
        /// json, xlsx hoặc html.
        #[arg(long, default_value = "xlsx")]
        format: String,
        /// Tệp ghi biểu.
        #[arg(long)]
        out: PathBuf,
    },
    /// Bản ghi hình của các phiên trực tuyến: kiểm tra niêm phong, xuất ra WebM.
    Recording {
        #[command(subcommand)]
        command: recording::RecordingCmd,
    },
    /// CA web của điểm (cho HTTPS): nơi lưu và dấu vân tay SHA-256, để đọc cho điểm cấp dưới
    /// khi gia nhập (`tiepdan join --fingerprint`) và để kiểm tra trước khi cài lên máy tính.
    WebCa {
        #[arg(long, help = DATA_HELP)]
        data: PathBuf,
    },
    /// Người dùng của điểm: thêm, liệt kê, khóa, mở khóa, đặt lại mật khẩu, tạo mã truy cập API.
    User {
        #[arg(long, help = DATA_HELP)]
        data: PathBuf,
        #[command(subcommand)]
        command: admin::UserCmd,
    },
    /// Chạy nút của điểm này.
    Run {
        #[arg(long, help = DATA_HELP)]
        data: PathBuf,
        /// Địa chỉ nghe QUIC (UDP).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// Địa chỉ nghe libp2p (UDP cho QUIC và TCP, cùng cổng).
        #[arg(long)]
        p2p: Option<std::net::SocketAddr>,
        /// Địa chỉ của API HTTP và giao diện web.
        #[arg(long)]
        http: Option<std::net::SocketAddr>,
        /// Địa chỉ UDP cho hình và tiếng (WebRTC).
        #[arg(long)]
        media: Option<std::net::SocketAddr>,
        /// Địa chỉ QUIC của điểm cấp trên.
        #[arg(long)]
        parent: Option<std::net::SocketAddr>,
        /// Không tìm điểm khác bằng mDNS trong mạng nội bộ.
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
        Command::Report {
            data,
            token_file,
            form,
            period,
            scope,
            site,
            format,
            out,
        } => case::read_token_file(&token_file)
            .and_then(|t| {
                let ask = report::Ask {
                    form,
                    period,
                    scope,
                    site,
                    format,
                };
                report::run(&DataDir::new(data), &t, &ask)
            })
            .and_then(|bytes| std::fs::write(&out, bytes).map_err(Into::into))
            .map(|_| {
                println!(
                    "{}",
                    say(Message::new("cli-wrote").arg("path", out.display().to_string()))
                )
            }),
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
    use crate::language::Lang;

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
    fn a_wrong_calendar_line_says_which_line_and_what_is_wrong() {
        let e = tiepdan_protocol::case::deadline::Calendar::parse(
            "date,kind,name,source\n2029-01-01,off,Tết Dương lịch,BLLĐ\n2029-13-40,off,Sai,TB\n",
        )
        .unwrap_err();
        let m = Message::from(&e);
        assert_eq!(m.id, "error-case-calendar-line");
        let vi = m.render(Lang::Vi);
        assert!(
            vi.starts_with("Lịch nghỉ lễ, dòng 3: ngày «2029-13-40» không hợp lệ"),
            "{vi}"
        );
        let en = m.render(Lang::En);
        assert!(en.starts_with("Holiday calendar line 3: "), "{en}");
        assert!(!vi.contains("invalid"), "{vi}");
    }

    #[test]
    fn a_recording_problem_reads_in_both_languages() {
        let p = crate::recording::verify::Problem::SegmentTruncated {
            file: "seg-000002.tdrec".into(),
            expected_bytes: 100,
            found_bytes: 93,
        };
        assert!(p.message().is_in_catalogue());
        assert_eq!(
            p.message().render(Lang::Vi),
            "seg-000002.tdrec bị cắt cụt: 93 byte, chỉ mục đã ký ghi 100"
        );
        assert_eq!(
            p.to_string(),
            "seg-000002.tdrec is truncated: 93 bytes, the signed index says 100"
        );
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
