//! Site administration: `init`, `issue`, `install`, `revoke` and `join`.
//!
//! Owns the file-level procedures an IT officer runs, and the rule that a command which changes
//! a site goes through the node's API while the node runs (its store is then locked). Every
//! procedure checks its input fully before it writes anything, so a bad request file or a chain
//! for another site leaves the data folder as it was.

use std::time::Duration;

use anyhow::{bail, Context};
use tiepdan_keys::cert::{self, Authority, Chain};
use tiepdan_keys::identity::SiteKey;
use tiepdan_protocol::sites::{Level, Registry, CENTRAL_CODE};

use crate::client::NodeClient;
use crate::datadir::DataDir;
use crate::node::unix_now;
use crate::store::{Store, StoreError};

/// Validity of a certificate issued to a province or commune unless `--days` says otherwise.
pub const DEFAULT_CERT_DAYS: u32 = 365;
/// Validity of the federation root.
pub const ROOT_CERT_DAYS: u32 = 3650;

/// The file holding the site code, so tools can tell which site a folder belongs to.
fn site_file(data: &DataDir) -> std::path::PathBuf {
    data.root().join("site")
}

pub fn site_code(data: &DataDir) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(site_file(data)).with_context(|| {
        format!(
            "{} is not a tiepdan data folder (run `tiepdan init` first)",
            data.root().display()
        )
    })?;
    Ok(text.trim().to_owned())
}

pub fn load_key(data: &DataDir) -> anyhow::Result<SiteKey> {
    // Refuse a key anyone else can read before we even parse it.
    data.read_secret(&data.key_path())?;
    Ok(SiteKey::load(&data.key_path())?)
}

/// `tiepdan init`: a new key, an operator token, and either the federation root (`--root`) or a
/// certificate request for the parent.
pub fn init(
    data: &DataDir,
    site: Option<&str>,
    root: bool,
    days: Option<u32>,
) -> anyhow::Result<String> {
    let code = match (site, root) {
        (Some(s), _) => s.to_owned(),
        (None, true) => CENTRAL_CODE.to_owned(),
        (None, false) => bail!("--site CODE is required (or --root for the central office)"),
    };
    let s = Registry::official().get(&code)?;
    if root && s.level != Level::Central {
        bail!(
            "--root is only for the central office (site VN); {code} is {} ({})",
            s.name,
            s.level
        );
    }
    if !root && s.level == Level::Central {
        bail!("the central office holds the federation root: run `tiepdan init --root`");
    }
    if data.key_path().exists() {
        bail!(
            "{} already holds a site key; refusing to overwrite it",
            data.root().display()
        );
    }
    data.create()?;
    let key = SiteKey::generate();
    key.save(&data.key_path())?;
    data.write_public(&site_file(data), format!("{code}\n").as_bytes())?;
    let token = data.ensure_token()?;
    let now = unix_now();
    if root {
        let root_chain = cert::make_root(&key, days.unwrap_or(ROOT_CERT_DAYS), now)?;
        write_chains(data, &key, &root_chain, now)?;
        Ok(format!(
            "Created the federation root for {} ({}).\nPeerId {}\nOperator token in {}\nNext: `tiepdan run --data {}`",
            s.name,
            code,
            key.peer_id(),
            data.token_path().display(),
            data.root().display()
        ))
    } else {
        let req = cert::make_request(&key, &code)?;
        data.write_public(&data.request_path(), req.as_bytes())?;
        let _ = token;
        Ok(format!(
            "Created site {} ({}).\nPeerId {}\nCertificate request: {}\nNext: send it to the parent site ({}) — `tiepdan join --data {} --parent PARENT_HTTP_ADDR`, or by file with `tiepdan issue` there and `tiepdan install` here.",
            s.name,
            code,
            key.peer_id(),
            data.request_path().display(),
            s.parent.clone().unwrap_or_default(),
            data.root().display()
        ))
    }
}

/// Writes `chain.pem` and the TLS chain. Central and provinces hold a CA certificate, and
/// present a leaf signed by it (same key), valid as long as the CA chain.
fn write_chains(data: &DataDir, key: &SiteKey, chain: &Chain, now: u64) -> anyhow::Result<()> {
    let code = site_code(data)?;
    let tls = if Registry::official().get(&code)?.level == Level::Commune {
        chain.clone()
    } else {
        let v = cert::install_check(key, Some(&code), chain, now)?;
        let days = (v.not_after.saturating_sub(now) / 86_400).max(1) as u32;
        cert::make_own_leaf(key, chain, days, now)?
    };
    data.write_public(&data.chain_path(), chain.to_pem().as_bytes())?;
    data.write_public(&data.tls_chain_path(), tls.to_pem().as_bytes())?;
    Ok(())
}

/// Signs a child's request with this site's key and chain.
pub fn issue_with(
    key: &SiteKey,
    chain: &Chain,
    request_pem: &str,
    days: u32,
    now: u64,
) -> anyhow::Result<String> {
    if days == 0 || days > ROOT_CERT_DAYS {
        bail!("--days must be between 1 and {ROOT_CERT_DAYS}");
    }
    let req = cert::parse_request(request_pem).context("the certificate request")?;
    let authority = Authority::new(key.clone(), authority_chain(chain)?, now)?;
    let issued = cert::issue(&authority, &req, days, now)?;
    Ok(issued.to_pem())
}

/// The chain a site signs with: its CA certificate up to the root, i.e. its TLS chain without
/// its own leaf. Communes hold no CA certificate and cannot issue.
fn authority_chain(tls_chain: &Chain) -> anyhow::Result<Chain> {
    let claims = tls_chain.leaf_claims()?;
    if claims.level == Level::Commune {
        bail!("a commune does not issue certificates: only central (for provinces) and provinces (for their communes) do");
    }
    Ok(Chain::new(tls_chain.der_list()[1..].to_vec())?)
}

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

pub fn load_tls_chain(data: &DataDir) -> anyhow::Result<Chain> {
    let path = data.tls_chain_path();
    let pem = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "{} has no certificate yet: get one from the parent site (`tiepdan join`, or `tiepdan install CHAIN.pem`)",
            data.root().display()
        )
    })?;
    Chain::from_pem(&pem).with_context(|| format!("{} is damaged", path.display()))
}

/// `tiepdan install`: checks the chain is for this site and key, then stores it.
pub fn install_chain_pem(data: &DataDir, chain_pem: &str) -> anyhow::Result<String> {
    let code = site_code(data)?;
    let key = load_key(data)?;
    let chain = Chain::from_pem(chain_pem).context("the chain file")?;
    let now = unix_now();
    let v = cert::install_check(&key, Some(&code), &chain, now)?;
    write_chains(data, &key, &chain, now)?;
    Ok(format!(
        "Installed the certificate of {} ({}), valid until {} (unix {}).\nNext: `tiepdan run --data {}`",
        Registry::official().get(&code)?.name,
        code,
        crate::node::format_date(v.not_after),
        v.not_after,
        data.root().display()
    ))
}

pub fn install(data: &DataDir, chain_path: &std::path::Path) -> anyhow::Result<String> {
    let pem = std::fs::read_to_string(chain_path)
        .with_context(|| format!("cannot read {}", chain_path.display()))?;
    install_chain_pem(data, &pem)
}

/// A signed revocation record for `site`, by this site.
pub fn revocation_record(
    key: &SiteKey,
    tls_chain: &Chain,
    site: &str,
    now: u64,
) -> anyhow::Result<Vec<u8>> {
    Registry::official().get(site)?;
    Ok(tiepdan_keys::revocation::create(key, tls_chain, site, now)?)
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

/// Creates an API user with a fresh token; returns the token (shown once).
pub fn add_user_to(
    store: &Store,
    users: &std::sync::Mutex<std::collections::BTreeMap<String, crate::store::User>>,
    name: &str,
    role: &str,
) -> anyhow::Result<String> {
    if !matches!(role, "operator" | "officer" | "chair") {
        bail!(
            "role {role:?}: use officer (cán bộ tiếp công dân), chair (người chủ trì) or operator"
        );
    }
    if name.trim().is_empty() || name.len() > 128 {
        bail!("a user needs a name of 1 to 128 characters");
    }
    let token = hex::encode(rand::random::<[u8; 24]>());
    let hash = blake3::hash(token.as_bytes()).to_hex().to_string();
    let user = crate::store::User {
        name: name.to_owned(),
        role: role.to_owned(),
    };
    store.put_user(&hash, &user)?;
    users
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(hash, user);
    Ok(token)
}

/// `tiepdan user`: offline into the store, or through the running node's API.
pub fn add_user(data: &DataDir, name: &str, role: &str) -> anyhow::Result<String> {
    match Store::open(&data.store_path()) {
        Ok(store) => {
            let users = std::sync::Mutex::new(Default::default());
            let token = add_user_to(&store, &users, name, role)?;
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
    let agent = crate::client::agent();
    let resp: serde_json::Value = crate::client::json_call(
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
            .get(&format!("{base}/join-requests/{id}/chain?secret={secret}"))
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
