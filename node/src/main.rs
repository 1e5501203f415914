//! `tiepdan`: the one binary every reception site runs. See ARCHITECTURE.md, "Interfaces".
//!
//! The site commands are `tiepdan_node::cli`'s. With the `lab` feature (on by default) the
//! binary adds `demo` (a local federation with its web UI) and `bench` (the README figures);
//! a production build without it (`--no-default-features`) carries neither.

use clap::{Parser, Subcommand};
use tiepdan_node::cli;
use tiepdan_node::language::Message;

#[derive(Parser)]
#[command(
    name = "tiepdan",
    version,
    about = "tiepdan — hệ thống tiếp công dân trực tuyến: mỗi điểm tiếp công dân chạy một nút",
    after_help = "Ngôn ngữ: lệnh nói tiếng Việt; khi LC_ALL (hoặc LANG, nếu LC_ALL trống) bắt đầu bằng \"en\", ví dụ LANG=en_US.UTF-8, lệnh nói tiếng Anh. Nhật ký (tracing) luôn bằng tiếng Anh."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Site(cli::Command),
    /// Một liên thông thử trên loopback với giao diện web: Trung ương, tỉnh 01 và 79, mỗi tỉnh hai xã.
    #[cfg(feature = "lab")]
    Demo {
        /// Giữ các tệp của liên thông ở thư mục này thay vì một thư mục tạm.
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
        /// Dừng khi liên thông đã hình thành (cho kịch bản), thay vì chờ Ctrl-C.
        #[arg(long)]
        exit_when_formed: bool,
    },
    /// Đo trên loopback và in các số liệu của README: `federation` (gia nhập, bắt tay, bộ nhớ,
    /// thu hồi), `cases` (lượt tiếp, sao chép, đối soát, hội tụ), `media` (độ trễ mỗi chặng
    /// chuyển tiếp, số luồng mỗi lõi, khoảng hở sau khi đứt đường truyền), `reports` (Biểu
    /// 01/TCD của tỉnh và của Trung ương), `harness` (một nút thật trước hàng nghìn điểm ảo: kết
    /// nạp, lúc rảnh, lượt tiếp, thu hồi, khởi động lại) hoặc `all`.
    #[cfg(feature = "lab")]
    Bench {
        /// Bộ đo: federation, cases, media, reports, harness hoặc all.
        #[arg(long, default_value = "all")]
        suite: String,
        /// Số lần bắt tay được đo từng lần một.
        #[arg(long, default_value_t = 200)]
        handshakes: usize,
        /// Số giây bắt tay đồng thời để đo thông lượng.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// Số vụ việc ở tỉnh khi đo báo cáo (`reports`); Trung ương giữ gấp mười lần.
        #[arg(long, default_value_t = 100_000)]
        report_cases: usize,
        /// Số điểm ảo nối vào Trung ương khi chạy `harness` (3.355: cả nước); tỉnh nhận tối đa
        /// số xã của mình.
        #[arg(long, default_value_t = 3355)]
        sites: usize,
        /// Số lượt tiếp được nhập trong `harness`, và bao nhiêu lượt mỗi giây.
        #[arg(long, default_value_t = 120)]
        receptions: usize,
        #[arg(long, default_value_t = 1.0)]
        per_second: f64,
        /// Số giây của mỗi lần đo lúc rảnh trong `harness`.
        #[arg(long, default_value_t = 10)]
        idle_seconds: u64,
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
            report_cases,
            sites,
            receptions,
            per_second,
            idle_seconds,
        } => cli::tokio_main(tiepdan_node::bench::run_suite(
            &suite,
            tiepdan_node::bench::Sizes {
                handshakes,
                seconds,
                report_cases,
                load: tiepdan_node::bench::harness::Load {
                    sites,
                    receptions,
                    per_second,
                    idle_seconds,
                },
            },
        )),
    };
    if let Err(e) = result {
        // The person at the terminal reads the error and its causes in the command's
        // language, one cause a line.
        eprintln!("{}: {e}", cli::say(Message::new("cli-error-prefix")));
        for cause in e.chain().skip(1) {
            eprintln!("  {}: {cause}", cli::say(Message::new("cli-error-cause")));
        }
        std::process::exit(1);
    }
}
