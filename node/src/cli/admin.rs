//! `tiepdan issue`, `revoke` and `user`: the commands that change a site, offline on its store
//! when the node is stopped and through the running node's API when it runs (its store is then
//! locked). The operations themselves are `federation::pki`'s and `api::auth`'s.

use anyhow::Context;
use tiepdan_keys::cert;
use tiepdan_protocol::sites::Registry;

use super::client::NodeClient;
use crate::api::auth::add_user_to_store;
use crate::federation::pki::{issue_with, revocation_record};
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
    let request_pem = std::fs::read_to_string(request)
        .with_context(|| format!("cannot read {}", request.display()))?;
    // Check the request before anything else, so the error is about the file the officer gave.
    let req = cert::parse_request(&request_pem)
        .with_context(|| format!("{} is not a valid certificate request", request.display()))?;
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
                .context("node answered without chain_pem")?
                .to_owned()
        }
        Err(e) => return Err(e.into()),
    };
    std::fs::write(out, &chain_pem).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(format!(
        "Issued a certificate chain for {} ({}) into {}",
        req.claims.site,
        Registry::official().get(&req.claims.site)?.name,
        out.display()
    ))
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
            Ok(format!(
                "Revoked {site}. The revocation spreads when this node next runs."
            ))
        }
        Err(StoreError::Locked { .. }) => {
            let client = NodeClient::for_data(data)?;
            client.post("revocations", &serde_json::json!({ "site": site }))?;
            Ok(format!(
                "Revoked {site}; the running node is spreading it now."
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// `tiepdan user`: offline into the store, or through the running node's API.
pub fn add_user(data: &DataDir, name: &str, role: &str) -> anyhow::Result<String> {
    match Store::open(&data.store_path()) {
        Ok(store) => {
            let token = add_user_to_store(&store, name, role)?;
            Ok(format!(
                "User {name} ({role}) created. Token (shown once): {token}"
            ))
        }
        Err(StoreError::Locked { .. }) => {
            let v = NodeClient::for_data(data)?
                .post("users", &serde_json::json!({ "name": name, "role": role }))?;
            Ok(format!(
                "User {name} ({role}) created. Token (shown once): {}",
                v["token"].as_str().unwrap_or("")
            ))
        }
        Err(e) => Err(e.into()),
    }
}
