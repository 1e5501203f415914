//! `tiepdan case …`, `tiepdan logbook`: case commands for officers and scripts.
//!
//! Owns the rule "through the API while the node runs, on the store otherwise": when the store
//! is locked by a running node the command calls its API; when not, it loads the site exactly
//! as `tiepdan run` would (without networking), applies the same `cases` operation, and the
//! node delivers the result to the audience when it next runs. Either way the caller is the
//! account whose API token is given (`--token-file`), with that account's role.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde_json::{json, Value};

use tiepdan_protocol::access::{self, Action};

use super::client::NodeClient;
use crate::accounts::{offline, Caller};
use crate::api::cases::documents;
use crate::cases::{logbook, CaseFilter, Cases, ReceptionInput};
use crate::language::Message;
use crate::site::clock::now_ms;
use crate::site::datadir::DataDir;
use crate::site::store::{Store, StoreError};

#[derive(Subcommand)]
pub enum CaseCmd {
    /// Nhập một lượt tiếp (một dòng sổ tiếp) từ tệp JSON; in mã vụ việc mới.
    Receive {
        /// JSON như của POST /api/v1/receptions.
        file: PathBuf,
    },
    /// Liệt kê các vụ việc điểm này giữ.
    List {
        /// Loại vụ việc.
        #[arg(long)]
        kind: Option<String>,
        /// Trạng thái.
        #[arg(long)]
        status: Option<String>,
        /// Chỉ vụ việc quá hạn (true) hoặc chưa quá hạn (false).
        #[arg(long)]
        overdue: Option<bool>,
        /// Mã điểm đang giữ vụ việc.
        #[arg(long)]
        site: Option<String>,
    },
    /// Xem một vụ việc: trạng thái, diễn biến và thời hạn.
    Show {
        /// Mã vụ việc.
        id: String,
    },
    /// Ghi một sự kiện của vụ việc, ví dụ '{"accepted":{"decision_no":"12/QĐ-UBND"}}'.
    Event {
        /// Mã vụ việc.
        id: String,
        /// Sự kiện dạng JSON.
        json: String,
    },
    /// Chuyển lên cấp trên (khiếu nại lần hai, tố cáo tiếp hoặc quá hạn).
    Escalate {
        /// Mã vụ việc.
        id: String,
        /// Mã điểm cấp trên.
        #[arg(long)]
        to: String,
        /// second_instance, repeat_denunciation hoặc overdue.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Chuyển đơn tới điểm có thẩm quyền.
    Transfer {
        /// Mã vụ việc.
        id: String,
        /// Mã điểm nhận.
        #[arg(long)]
        to: String,
        /// Số văn bản chuyển đơn.
        #[arg(long, default_value = "")]
        letter_no: String,
    },
}

pub(super) enum Target {
    Api(NodeClient),
    /// The site's cases, and the account the token names (its role is checked here exactly as
    /// the node's API checks it).
    Offline(Box<Cases>, Caller),
}

impl Target {
    /// Offline, refuses what the caller's role may not do (the running node does it itself).
    pub(super) fn allow(&self, action: Action) -> anyhow::Result<()> {
        if let Target::Offline(_, c) = self {
            if !access::allows(c.role, action) {
                return Err(super::fail(
                    Message::new("error-role-forbidden")
                        .arg("role", crate::language::labels::role(c.role))
                        .arg("action", crate::language::labels::action(action)),
                ));
            }
        }
        Ok(())
    }
}

/// Reads the API token an officer or chair was given (`tiepdan user token`).
pub fn read_token_file(path: &Path) -> anyhow::Result<String> {
    let t = std::fs::read_to_string(path).map_err(|e| {
        super::fail(
            Message::new("cli-cannot-read-token")
                .arg("path", path.display().to_string())
                .arg("detail", e.to_string()),
        )
    })?;
    Ok(t.trim().to_owned())
}

pub(super) fn target(data: &DataDir, token: &str) -> anyhow::Result<Target> {
    match Store::open(&data.store_path()) {
        Ok(store) => {
            let caller = offline::caller_by_token(&store, &data.read_token()?, token)?;
            // Release it: the site opens it again, exactly as the node does.
            drop(store);
            Ok(Target::Offline(Box::new(Cases::open(data)?), caller))
        }
        Err(StoreError::Locked { .. }) => {
            Ok(Target::Api(NodeClient::for_data(data)?.with_token(token)))
        }
        Err(e) => Err(e.into()),
    }
}

fn query(pairs: &[(&str, Option<String>)]) -> String {
    let q: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
        .collect();
    if q.is_empty() {
        String::new()
    } else {
        format!("?{}", q.join("&"))
    }
}

pub fn run(data: &DataDir, token: &str, cmd: CaseCmd) -> anyhow::Result<Value> {
    let t = target(data, token)?;
    let now = now_ms();
    let by = match &t {
        Target::Offline(_, c) => Some(c.actor()),
        Target::Api(_) => None,
    };
    Ok(match cmd {
        CaseCmd::Receive { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| super::admin::cannot("cli-cannot-read", &file, e))?;
            let v: Value = serde_json::from_str(&text).map_err(|e| {
                super::fail(
                    Message::new("cli-not-json")
                        .arg("path", file.display().to_string())
                        .arg("detail", e.to_string()),
                )
            })?;
            match t {
                Target::Api(c) => c.post("receptions", &v)?,
                Target::Offline(ref n, _) => {
                    t.allow(Action::Receive)?;
                    let input: ReceptionInput = serde_json::from_value(v).map_err(|e| {
                        super::fail(Message::new("cli-bad-reception").arg("detail", e.to_string()))
                    })?;
                    json!({ "case_id": n.receive(input, now, by)? })
                }
            }
        }
        CaseCmd::List {
            kind,
            status,
            overdue,
            site,
        } => match t {
            Target::Api(c) => {
                // The API pages its answers (500 at most): the command lists them all, as the
                // offline list does.
                let filters = query(&[
                    ("kind", kind),
                    ("status", status),
                    ("overdue", overdue.map(|b| b.to_string())),
                    ("site", site),
                ]);
                let sep = if filters.is_empty() { "?" } else { "&" };
                let mut all = Vec::new();
                loop {
                    let page = c.get(&format!(
                        "cases{filters}{sep}limit=500&offset={}",
                        all.len()
                    ))?;
                    let rows = page.as_array().cloned().unwrap_or_default();
                    let last = rows.len() < 500;
                    all.extend(rows);
                    if last {
                        break Value::Array(all);
                    }
                }
            }
            Target::Offline(ref n, _) => {
                t.allow(Action::CaseRead)?;
                let filter = CaseFilter {
                    kind: kind.map(|k| k.parse()).transpose().map_err(
                        |e: tiepdan_protocol::case::CaseError| {
                            super::fail(crate::language::Message::from(&e))
                        },
                    )?,
                    status,
                    overdue,
                    site,
                };
                serde_json::to_value(n.case_list(&filter, now))?
            }
        },
        CaseCmd::Show { id } => match t {
            Target::Api(c) => c.get(&format!("cases/{id}"))?,
            Target::Offline(ref n, _) => {
                t.allow(Action::CaseRead)?;
                serde_json::to_value(n.case_view(&id, now, None, super::lang())?)?
            }
        },
        CaseCmd::Event { id, json: ev } => {
            let v: Value = serde_json::from_str(&ev).map_err(|e| {
                super::fail(Message::new("cli-event-not-json").arg("detail", e.to_string()))
            })?;
            match t {
                Target::Api(c) => c.post(&format!("cases/{id}/events"), &v)?,
                Target::Offline(ref n, _) => {
                    let ev = serde_json::from_value(v).map_err(|e| {
                        super::fail(Message::new("cli-bad-event").arg("detail", e.to_string()))
                    })?;
                    t.allow(access::case_event_action(&ev))?;
                    json!({ "event_id": n.append(&id, ev, now, by)? })
                }
            }
        }
        CaseCmd::Escalate { id, to, reason } => match t {
            Target::Api(c) => c.post(
                &format!("cases/{id}/escalate"),
                &json!({ "to_site": to, "reason": reason }),
            )?,
            Target::Offline(ref n, _) => {
                t.allow(Action::CaseWork)?;
                let reason = reason
                    .map(|r| serde_json::from_value(Value::String(r)))
                    .transpose()
                    .map_err(|e| {
                        super::fail(Message::new("cli-bad-reason").arg("detail", e.to_string()))
                    })?;
                json!({ "event_id": n.escalate(&id, &to, reason, now, by)? })
            }
        },
        CaseCmd::Transfer { id, to, letter_no } => match t {
            Target::Api(c) => c.post(
                &format!("cases/{id}/transfer"),
                &json!({ "to_site": to, "letter_no": letter_no }),
            )?,
            Target::Offline(ref n, _) => {
                t.allow(Action::CaseWork)?;
                json!({ "event_id": n.transfer(&id, &to, letter_no, now, by)? })
            }
        },
    })
}

/// `tiepdan logbook`: the log book as CSV or printable HTML.
pub fn logbook(
    data: &DataDir,
    token: &str,
    from: Option<String>,
    to: Option<String>,
    format: &str,
) -> anyhow::Result<String> {
    let t = target(data, token)?;
    t.allow(Action::CaseRead)?;
    match t {
        Target::Api(c) => {
            let _ = c;
            Err(super::fail(
                Message::new("cli-logbook-node-running").arg("format", format),
            ))
        }
        Target::Offline(n, _) => {
            let rows = n.logbook_rows(from.as_deref(), to.as_deref())?;
            match format {
                "csv" => Ok(logbook::to_csv(&rows)),
                "html" => {
                    let date = |d: &Option<String>| {
                        d.as_deref()
                            .and_then(|d| tiepdan_protocol::case::parse_date(d).ok())
                    };
                    let period = documents::period(None, date(&from), date(&to));
                    let today = tiepdan_protocol::case::date_from_unix_ms(now_ms());
                    documents::logbook_page(&n.site.site.code, &rows, period, today)
                        .map(|p| p.html)
                        .map_err(|e| {
                            super::fail(
                                Message::new("cli-logbook-page").arg("detail", e.to_string()),
                            )
                        })
                }
                other => Err(super::fail(
                    Message::new("error-logbook-format").arg("format", other),
                )),
            }
        }
    }
}
