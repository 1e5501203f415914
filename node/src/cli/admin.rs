//! `tiepdan issue`, `revoke`, `calendar` and `user`: the commands that change a site, offline on its store
//! when the node is stopped and through the running node's API when it runs (its store is then
//! locked). The operations themselves are `federation::pki`'s and `accounts`'.

use std::path::{Path, PathBuf};

use tiepdan_keys::cert;
use tiepdan_protocol::sites::Registry;

use super::client::NodeClient;
use super::{fail, say};
use crate::accounts::{offline, AccountView};
use crate::federation::calendars::PublishError;
use crate::federation::pki::{issue_with, revocation_record};
use crate::language::Message;
use crate::site::clock::unix_now;
use crate::site::datadir::DataDir;
use crate::site::identity::{load_key, load_tls_chain};
use crate::site::store::{Store, StoreError};

/// `tiepdan issue`: offline when the node is stopped, through its API when it runs.
pub fn issue(
    data: &DataDir,
    request: &std::path::Path,
    out: &std::path::Path,
    days: u32,
) -> anyhow::Result<String> {
    let request_pem =
        std::fs::read_to_string(request).map_err(|e| cannot("cli-cannot-read", request, e))?;
    // Check the request before anything else, so the error is about the file the officer gave.
    let req = cert::parse_request(&request_pem).map_err(|e| {
        fail(
            Message::new("cli-not-a-request")
                .arg("path", request.display().to_string())
                .arg("detail", e.to_string()),
        )
    })?;
    let chain_pem = match Store::open(&data.store_path()) {
        Ok(store) => {
            let key = load_key(data)?;
            let chain = load_tls_chain(data)?;
            let pem = issue_with(&key, &chain, &request_pem, days, unix_now())?;
            store.put_issued(&req.claims.site, &pem)?;
            pem
        }
        Err(StoreError::Locked { .. }) => {
            let client = NodeClient::for_data(data)?;
            let v = client.post(
                "certificates",
                &serde_json::json!({ "request_pem": request_pem, "days": days }),
            )?;
            v["chain_pem"]
                .as_str()
                .ok_or_else(|| fail(Message::new("cli-answer-lacks").arg("field", "chain_pem")))?
                .to_owned()
        }
        Err(e) => return Err(e.into()),
    };
    std::fs::write(out, &chain_pem).map_err(|e| cannot("cli-cannot-write", out, e))?;
    Ok(say(Message::new("cli-issued")
        .arg("site", &req.claims.site)
        .arg("name", &Registry::official().get(&req.claims.site)?.name)
        .arg("path", out.display().to_string())))
}

/// A file that could not be read or written (`id` is `cli-cannot-read` or `cli-cannot-write`).
pub(crate) fn cannot(id: &'static str, path: &Path, e: std::io::Error) -> anyhow::Error {
    fail(
        Message::new(id)
            .arg("path", path.display().to_string())
            .arg("detail", e.to_string()),
    )
}

/// `tiepdan revoke`: through the API when the node runs, else into the store (it spreads when
/// the node next starts and meets its peers).
pub fn revoke(data: &DataDir, site: &str) -> anyhow::Result<String> {
    Registry::official().get(site)?;
    match Store::open(&data.store_path()) {
        Ok(store) => {
            let key = load_key(data)?;
            let chain = load_tls_chain(data)?;
            let record = revocation_record(&key, &chain, site, unix_now())?;
            store.put_revocation(site, &record)?;
            Ok(say(Message::new("cli-revoked-offline").arg("site", site)))
        }
        Err(StoreError::Locked { .. }) => {
            let client = NodeClient::for_data(data)?;
            client.post("revocations", &serde_json::json!({ "site": site }))?;
            Ok(say(Message::new("cli-revoked-online").arg("site", site)))
        }
        Err(e) => Err(e.into()),
    }
}

/// `tiepdan calendar`: central publishes the holiday calendar of `year` from a calendar file,
/// through the API when the node runs, else into the store (it spreads when the node next runs).
pub fn publish_calendar(data: &DataDir, year: i32, csv: &Path) -> anyhow::Result<String> {
    use tiepdan_protocol::calendar;
    use tiepdan_protocol::sites::CENTRAL_CODE;
    let text = std::fs::read_to_string(csv).map_err(|e| cannot("cli-cannot-read", csv, e))?;
    let site = crate::site::identity::site_code(data)?;
    if site != CENTRAL_CODE {
        return Err(fail(Message::from(&PublishError::NotCentral { site })));
    }
    let count = |c: &calendar::PublishedCalendar| {
        c.days
            .iter()
            .filter(|d| d.kind == tiepdan_protocol::case::deadline::DayKind::Off)
            .count()
    };
    match Store::open(&data.store_path()) {
        Ok(store) => {
            let key = load_key(data)?;
            let signing = ed25519_dalek::SigningKey::from_bytes(&key.seed());
            let now = unix_now();
            // Issued after the one already stored for the year, so this one counts.
            let held = store
                .calendars()?
                .into_iter()
                .filter(|(y, _)| *y == year)
                .filter_map(|(_, b)| calendar::verify(&b, &key.public_bytes(), now).ok())
                .map(|c| c.issued_at)
                .max();
            let issued_at = held.map_or(now, |h| now.max(h.saturating_add(1)));
            let record = calendar::publish_csv(&signing, year, &text, issued_at)
                .map_err(|e| fail(Message::from(&e)))?;
            let published = calendar::verify(&record, &key.public_bytes(), issued_at)
                .map_err(|e| fail(Message::from(&e)))?;
            store.put_calendar(year, &record)?;
            Ok(say(Message::new("cli-calendar-published-offline")
                .arg("year", year.to_string())
                .arg("days_off", count(&published))))
        }
        Err(StoreError::Locked { .. }) => {
            let client = NodeClient::for_data(data)?;
            let v = client.post(
                "calendars",
                &serde_json::json!({ "year": year, "csv": text }),
            )?;
            Ok(say(Message::new("cli-calendar-published-online")
                .arg("year", year.to_string())
                .arg("days_off", v["days_off"].as_u64().unwrap_or(0))))
        }
        Err(e) => Err(e.into()),
    }
}

/// `tiepdan user …`.
#[derive(clap::Subcommand)]
pub enum UserCmd {
    /// Tạo tài khoản; in mật khẩu tạm thời một lần (để đọc cho người dùng).
    Add {
        /// Tên đăng nhập: chữ thường không dấu, chữ số, `.`, `_`, `-`.
        #[arg(long)]
        name: String,
        /// Họ và tên như in trên văn bản, ví dụ "Trần Thị B".
        #[arg(long)]
        full_name: String,
        /// officer (cán bộ tiếp công dân), chair (người chủ trì) hoặc operator (quản trị).
        #[arg(long)]
        role: String,
    },
    /// Liệt kê các tài khoản.
    List,
    /// Khóa tài khoản: các phiên web và mã truy cập API của tài khoản dừng ngay.
    Disable {
        /// Tên đăng nhập.
        #[arg(long)]
        name: String,
    },
    /// Mở khóa tài khoản.
    Enable {
        /// Tên đăng nhập.
        #[arg(long)]
        name: String,
    },
    /// Đặt mật khẩu tạm thời mới cho tài khoản (in một lần).
    Reset {
        /// Tên đăng nhập.
        #[arg(long)]
        name: String,
    },
    /// Tạo mã truy cập API cho tài khoản (cho `tiepdan case` và kịch bản), ghi vào `--out`.
    Token {
        /// Tên đăng nhập.
        #[arg(long)]
        name: String,
        /// Tệp ghi mã truy cập.
        #[arg(long)]
        out: PathBuf,
    },
}

/// `tiepdan user`: offline on the store, or through the running node's API.
pub fn user(data: &DataDir, cmd: UserCmd) -> anyhow::Result<String> {
    match Store::open(&data.store_path()) {
        Ok(store) => user_offline(&store, cmd),
        Err(StoreError::Locked { .. }) => user_online(&NodeClient::for_data(data)?, cmd),
        Err(e) => Err(e.into()),
    }
}

fn temporary_message(name: &str, temporary: Option<&str>) -> String {
    match temporary {
        Some(p) => say(Message::new("cli-user-temporary-password")
            .arg("name", name)
            .arg("password", p)),
        None => say(Message::new("cli-user-password-set").arg("name", name)),
    }
}

fn write_token(out: &Path, name: &str, token: &str) -> anyhow::Result<String> {
    std::fs::write(out, format!("{token}\n")).map_err(|e| cannot("cli-cannot-write", out, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(say(Message::new("cli-user-token-written")
        .arg("name", name)
        .arg("path", out.display().to_string())))
}

/// (name, full name, role label, disabled) per account, as a table.
fn list_text(users: &[(String, String, String, bool)]) -> String {
    let mut out = String::from(
        "Tên đăng nhập         Họ và tên                 Vai trò                 Trạng thái\n",
    );
    for (name, full_name, role, disabled) in users {
        out.push_str(&format!(
            "{name:<21} {full_name:<25} {role:<23} {}\n",
            if *disabled {
                "đã khóa"
            } else {
                "đang dùng"
            }
        ));
    }
    out
}

fn rows(users: &[AccountView]) -> Vec<(String, String, String, bool)> {
    users
        .iter()
        .map(|u| {
            (
                u.name.clone(),
                u.full_name.clone(),
                u.role_label.to_owned(),
                u.disabled,
            )
        })
        .collect()
}

fn user_offline(store: &Store, cmd: UserCmd) -> anyhow::Result<String> {
    Ok(match cmd {
        UserCmd::Add {
            name,
            full_name,
            role,
        } => {
            let t = offline::create(store, &name, &full_name, &role, None, unix_now() * 1000)?;
            temporary_message(name.trim(), t.as_deref())
        }
        UserCmd::List => list_text(&rows(&offline::list(store)?)),
        UserCmd::Disable { name } => {
            offline::set_disabled(store, &name, true)?;
            say(Message::new("cli-user-disabled").arg("name", &name))
        }
        UserCmd::Enable { name } => {
            offline::set_disabled(store, &name, false)?;
            say(Message::new("cli-user-enabled").arg("name", &name))
        }
        UserCmd::Reset { name } => {
            let t = offline::set_password(store, &name, None)?;
            temporary_message(&name, t.as_deref())
        }
        UserCmd::Token { name, out } => {
            write_token(&out, &name, &offline::new_token(store, &name)?)?
        }
    })
}

fn user_online(client: &NodeClient, cmd: UserCmd) -> anyhow::Result<String> {
    Ok(match cmd {
        UserCmd::Add {
            name,
            full_name,
            role,
        } => {
            let v = client.post(
                "users",
                &serde_json::json!({ "name": name, "full_name": full_name, "role": role }),
            )?;
            temporary_message(name.trim(), v["temporary_password"].as_str())
        }
        UserCmd::List => {
            let v = client.get("users")?;
            let rows: Vec<(String, String, String, bool)> = v["users"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|u| {
                            let text = |k: &str| u[k].as_str().unwrap_or("").to_owned();
                            (
                                text("name"),
                                text("full_name"),
                                text("role_label"),
                                u["disabled"].as_bool().unwrap_or(false),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            list_text(&rows)
        }
        UserCmd::Disable { name } => {
            client.post(&format!("users/{name}/disable"), &serde_json::json!({}))?;
            say(Message::new("cli-user-disabled").arg("name", &name))
        }
        UserCmd::Enable { name } => {
            client.post(&format!("users/{name}/enable"), &serde_json::json!({}))?;
            say(Message::new("cli-user-enabled").arg("name", &name))
        }
        UserCmd::Reset { name } => {
            let v = client.post(&format!("users/{name}/password"), &serde_json::json!({}))?;
            temporary_message(&name, v["temporary_password"].as_str())
        }
        UserCmd::Token { name, out } => {
            let v = client.post(&format!("users/{name}/tokens"), &serde_json::json!({}))?;
            write_token(&out, &name, v["token"].as_str().unwrap_or(""))?
        }
    })
}
