//! PKI operations of a site: create its key and root or request (`init`), sign a child's
//! request (`issue_with`), install an issued chain, make a revocation record.
//!
//! Every operation checks its input fully before it writes anything, so a bad request file or a
//! chain for another site leaves the data folder as it was. Whether a command runs offline or
//! through the running node's API is the CLI's decision (`cli::admin`).

use tiepdan_keys::cert::{self, Authority, Chain};
use tiepdan_keys::identity::SiteKey;
use tiepdan_protocol::sites::{Level, Registry, CENTRAL_CODE};

use crate::language::terminal::fail;
use crate::language::Message;
use crate::site::clock::{format_date, unix_now};
use crate::site::datadir::DataDir;
use crate::site::identity::{load_key, site_code, site_file};

/// Validity of a certificate issued to a province or commune unless `--days` says otherwise.
pub const DEFAULT_CERT_DAYS: u32 = 365;
/// Validity of the federation root.
pub const ROOT_CERT_DAYS: u32 = 3650;

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
        (None, false) => return Err(fail(Message::new("cli-init-needs-site"))),
    };
    let s = Registry::official().get(&code)?;
    if root && s.level != Level::Central {
        return Err(fail(
            Message::new("cli-init-root-not-central")
                .arg("code", &code)
                .arg("name", &s.name),
        ));
    }
    if !root && s.level == Level::Central {
        return Err(fail(Message::new("cli-init-central-needs-root")));
    }
    if data.key_path().exists() {
        return Err(fail(
            Message::new("cli-init-key-exists").arg("dir", data.root().display().to_string()),
        ));
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
        Ok(crate::language::terminal::say(
            Message::new("cli-init-root-created")
                .arg("name", &s.name)
                .arg("code", &code)
                .arg("peer", key.peer_id().to_string())
                .arg("token", data.token_path().display().to_string())
                .arg("dir", data.root().display().to_string()),
        ))
    } else {
        let req = cert::make_request(&key, &code)?;
        data.write_public(&data.request_path(), req.as_bytes())?;
        let _ = token;
        Ok(crate::language::terminal::say(
            Message::new("cli-init-site-created")
                .arg("name", &s.name)
                .arg("code", &code)
                .arg("peer", key.peer_id().to_string())
                .arg("request", data.request_path().display().to_string())
                .arg("parent", s.parent.clone().unwrap_or_default())
                .arg("dir", data.root().display().to_string()),
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
        return Err(fail(
            Message::new("cli-issue-bad-days").arg("max", ROOT_CERT_DAYS),
        ));
    }
    let req = cert::parse_request(request_pem)
        .map_err(|e| fail(Message::new("cli-bad-request").arg("detail", e.to_string())))?;
    let authority = Authority::new(key.clone(), authority_chain(chain)?, now)?;
    let issued = cert::issue(&authority, &req, days, now)?;
    Ok(issued.to_pem())
}

/// The chain a site signs with: its CA certificate up to the root, i.e. its TLS chain without
/// its own leaf. Communes hold no CA certificate and cannot issue.
fn authority_chain(tls_chain: &Chain) -> anyhow::Result<Chain> {
    let claims = tls_chain.leaf_claims()?;
    if claims.level == Level::Commune {
        return Err(fail(Message::new("cli-commune-cannot-issue")));
    }
    Ok(Chain::new(tls_chain.der_list()[1..].to_vec())?)
}

/// `tiepdan install`: checks the chain is for this site and key, then stores it.
pub fn install_chain_pem(data: &DataDir, chain_pem: &str) -> anyhow::Result<String> {
    let code = site_code(data)?;
    let key = load_key(data)?;
    let chain = Chain::from_pem(chain_pem).map_err(|e| {
        fail(
            Message::new("cli-install-bad-chain")
                .arg("path", "chain")
                .arg("detail", e.to_string()),
        )
    })?;
    let now = unix_now();
    let v = cert::install_check(&key, Some(&code), &chain, now)
        .map_err(|e| fail(Message::new("cli-install-refused").arg("detail", e.to_string())))?;
    write_chains(data, &key, &chain, now)?;
    Ok(crate::language::terminal::say(
        Message::new("cli-installed")
            .arg("name", &Registry::official().get(&code)?.name)
            .arg("code", &code)
            .arg("until", format_date(v.not_after))
            .arg("unix", v.not_after)
            .arg("dir", data.root().display().to_string()),
    ))
}

pub fn install(data: &DataDir, chain_path: &std::path::Path) -> anyhow::Result<String> {
    let pem = std::fs::read_to_string(chain_path).map_err(|e| {
        fail(
            Message::new("cli-cannot-read")
                .arg("path", chain_path.display().to_string())
                .arg("detail", e.to_string()),
        )
    })?;
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
