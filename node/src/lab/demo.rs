//! `tiepdan demo`: a local federation on loopback with its web UI, for a first look.
//!
//! Central, Hà Nội (01) and TP Hồ Chí Minh (79), and the first two communes of each, every one a
//! separate `tiepdan run` process with its own data folder, certificates and token.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use tiepdan_protocol::sites::Registry;
use tokio::signal::unix::{signal, SignalKind};

use crate::lab::processes::{LocalFederation, Staff, CHAIR, DEMO_PASSWORD, OFFICER};

pub fn demo_sites() -> Vec<String> {
    let reg = Registry::official();
    let mut codes = vec!["VN".to_owned(), "01".to_owned(), "79".to_owned()];
    for p in ["01", "79"] {
        codes.extend(reg.children(p).iter().take(2).cloned());
    }
    codes
}

pub async fn run(dir: Option<PathBuf>, exit_when_formed: bool) -> anyhow::Result<()> {
    // Take Ctrl-C and SIGTERM from the start, so a stop during start-up still stops every node.
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let (root, _tmp) = match dir {
        Some(d) => {
            std::fs::create_dir_all(&d)?;
            (d, None)
        }
        None => {
            let t = tempfile::Builder::new().prefix("tiepdan-demo-").tempdir()?;
            (t.path().to_path_buf(), Some(t))
        }
    };
    let exe = std::env::current_exe().context("cannot find the tiepdan binary")?;
    let codes = demo_sites();
    println!(
        "Đang tạo liên thông thử nghiệm / creating the demo federation in {}",
        root.display()
    );
    let fed = tokio::task::spawn_blocking(move || -> anyhow::Result<LocalFederation> {
        let code_refs: Vec<&str> = codes.iter().map(String::as_str).collect();
        let mut fed = LocalFederation::create(exe, &root, &code_refs)?;
        fed.start_all()?;
        Ok(fed)
    })
    .await??;

    println!();
    println!(
        "{:<6} {:<28} {:<22} {:<22} trang đăng nhập / sign-in page",
        "site", "name", "QUIC", "HTTP API"
    );
    let mut summary = Vec::new();
    for s in fed.sites.values() {
        println!(
            "{:<6} {:<28} {:<22} {:<22} http://{}/dang-nhap",
            s.code,
            s.name,
            s.quic.to_string(),
            s.http.to_string(),
            s.http,
        );
        summary.push(serde_json::json!({
            "site": s.code, "name": s.name, "quic": s.quic.to_string(), "http": s.http.to_string(),
            "token": s.token, "officer_token": s.officer, "chair_token": s.chair,
            "data": s.data.root().display().to_string(),
        }));
    }
    let demo_json = fed
        .sites
        .values()
        .next()
        .map(|s| s.data.root().parent().map(|p| p.join("demo.json")));
    let (fed, formed) = tokio::task::spawn_blocking(move || {
        let r = fed.wait_formed(Duration::from_secs(30));
        (fed, r)
    })
    .await?;
    let took = formed?;
    if let Some(Some(path)) = demo_json {
        std::fs::write(&path, serde_json::to_string_pretty(&summary)?)?;
    }
    println!();
    println!(
        "Mỗi điểm có hai tài khoản thử / every site has two demo accounts: {OFFICER} (cán bộ tiếp công dân) và {CHAIR} (người chủ trì), mật khẩu / password {DEMO_PASSWORD}. Quản trị hệ thống dùng mã trong operator.token của thư mục điểm / IT staff use operator.token."
    );
    println!(
        "Liên thông đã hình thành sau {} ms / the federation formed in {} ms.",
        took.as_millis(),
        took.as_millis()
    );
    let seeded = seed_receptions(&fed);
    println!(
        "Đã vào sổ {seeded} lượt tiếp thử tại các xã trong quý này, để trang Giám sát cấp dưới (/giam-sat) của tỉnh và Trung ương có số liệu / {seeded} demo receptions entered for the supervision page."
    );
    // A session to try the room page with: chaired at central, a commune of each province.
    let points: Vec<String> = ["01", "79"]
        .iter()
        .filter_map(|p| Registry::official().children(p).first().cloned())
        .collect();
    let starts = crate::site::clock::unix_now() * 1000 + 3 * 3_600_000;
    match fed.api_post_as("VN", Staff::Officer, "sessions", &serde_json::json!({"title": "Phiên tiếp công dân trực tuyến (thử)", "points": points, "starts_at_ms": starts})) {
        Ok(v) => {
            let id = v["session_id"].as_str().unwrap_or_default();
            if let Ok(s) = fed.site("VN") {
                println!("Phiên trực tuyến {id}: http://{}/phien?session={id} (đăng nhập {CHAIR} để chủ trì) và trang /phien của các xã {} (đăng nhập {OFFICER}) / a session to try.", s.http, points.join(", "));
            }
        }
        Err(e) => println!("(could not schedule the demo session: {e})"),
    }
    if exit_when_formed {
        drop(fed);
        return Ok(());
    }
    println!("Mở một liên kết web UI ở trên. Nhấn Ctrl-C để dừng / press Ctrl-C to stop.");
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    println!("Đang dừng các nút / stopping the nodes…");
    tokio::task::spawn_blocking(move || drop(fed)).await?;
    println!("Đã dừng / stopped.");
    Ok(())
}

/// Receptions at each demo commune in the quarter so far, so the supervision page has figures:
/// the first commune of each province holds its periodic reception every week, the second every
/// other week, and each also records regular receptions. Returns how many were entered.
fn seed_receptions(fed: &LocalFederation) -> usize {
    use crate::lab::processes::Staff;
    use tiepdan_protocol::case::date_from_unix_ms;
    let today = date_from_unix_ms(crate::site::clock::unix_now() * 1000);
    let quarter = crate::reports::period::Period::quarter_of(today);
    let registry = Registry::official();
    let names = [
        "Nguyễn Văn An",
        "Trần Thị Bình",
        "Lê Văn Cường",
        "Phạm Thị Dung",
        "Hoàng Văn Em",
    ];
    let mut entered = 0;
    for province in ["01", "79"] {
        for (i, commune) in registry.children(province).iter().take(2).enumerate() {
            let every = i + 1;
            let mut day = quarter.from;
            let mut week = 0usize;
            while day < today {
                let periodic = day.weekday() == time::Weekday::Monday && week.is_multiple_of(every);
                let regular = day.weekday() == time::Weekday::Wednesday;
                if periodic || regular {
                    let name = names[entered % names.len()];
                    let body = serde_json::json!({
                        "kind": if entered % 3 == 0 { "complaint" } else { "petition" },
                        "citizen": { "name": name, "address": "Thôn Đông, xã thử nghiệm", "id_number": format!("0010850{:05}", entered) },
                        "summary": "Đề nghị xem xét việc cấp giấy chứng nhận quyền sử dụng đất",
                        "people_count": 1,
                        "request": "Giải quyết dứt điểm",
                        "date": day.to_string(),
                        "session_type": if periodic { "periodic" } else { "regular" },
                    });
                    if fed
                        .api_post_as(commune, Staff::Officer, "receptions", &body)
                        .is_ok()
                    {
                        entered += 1;
                    }
                }
                if day.weekday() == time::Weekday::Sunday {
                    week += 1;
                }
                day = day.add_days(1);
            }
        }
    }
    entered
}
