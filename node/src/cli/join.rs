//! `tiepdan join`, the child's side of the online join: post our request to the parent node,
//! wait for its operator's approval, install the chain and remember the parent's QUIC address.
//! The parent's side is `federation::join`.

use std::time::Duration;

use crate::api::federation::JOIN_SECRET_HEADER;
use anyhow::{bail, Context};

use crate::federation::pki::install_chain_pem;
use crate::site::datadir::DataDir;

/// `tiepdan join`: sends our request to the parent node, waits for its operator to approve,
/// installs the chain and records the parent's QUIC address in the config.
pub fn join(data: &DataDir, parent_http: &str, wait: Duration) -> anyhow::Result<String> {
    let request_pem = std::fs::read_to_string(data.request_path()).with_context(|| {
        format!(
            "{} has no request.pem: run `tiepdan init --site CODE` first",
            data.root().display()
        )
    })?;
    let secret = hex::encode(rand::random::<[u8; 16]>());
    let base = format!("http://{parent_http}/api/v1");
    let agent = super::client::agent();
    let resp: serde_json::Value = super::client::json_call(
        agent
            .post(&format!("{base}/join-requests"))
            .send_json(serde_json::json!({ "request_pem": request_pem, "secret": secret })),
    )?;
    let id = resp["id"]
        .as_u64()
        .context("parent answered without an id")?;
    eprintln!(
        "Join request {id} sent to {parent_http}. Waiting for the parent's operator to approve it…"
    );
    let deadline = std::time::Instant::now() + wait;
    loop {
        let r = agent
            .get(&format!("{base}/join-requests/{id}/chain"))
            .header(JOIN_SECRET_HEADER, &secret)
            .call();
        match r {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                let v: serde_json::Value = resp.body_mut().read_json().unwrap_or_default();
                match status {
                    200 => {
                        let chain = v["chain_pem"].as_str().context("no chain in the answer")?;
                        let msg = install_chain_pem(data, chain)?;
                        if let Some(q) = v["parent_quic"]
                            .as_array()
                            .and_then(|a| a.first())
                            .and_then(|a| a.as_str())
                        {
                            remember_parent(data, q)?;
                        }
                        return Ok(msg);
                    }
                    202 => {}
                    _ => bail!(
                        "join request {id}: the parent answered {status}: {}",
                        v["error"].as_str().unwrap_or("")
                    ),
                }
            }
            Err(e) => eprintln!("waiting: {e}"),
        }
        if std::time::Instant::now() > deadline {
            bail!(
                "join request {id} was not approved within {} s; run `tiepdan join` again later",
                wait.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Adds `parent = "ADDR"` to the config unless one is there.
fn remember_parent(data: &DataDir, quic: &str) -> anyhow::Result<()> {
    let path = data.config_path();
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    if text.lines().any(|l| l.trim_start().starts_with("parent")) {
        return Ok(());
    }
    let mut out = text;
    out.push_str(&format!("parent = \"{quic}\"\n"));
    data.write_public(&path, out.as_bytes())?;
    Ok(())
}
