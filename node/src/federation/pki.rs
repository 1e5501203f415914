//! PKI operations of a site: create its key and root or request (`init`), sign a child's
//! request (`issue_with`), install an issued chain, make a revocation record.
//!
//! Every operation checks its input fully before it writes anything, so a bad request file or a
//! chain for another site leaves the data folder as it was. Whether a command runs offline or
//! through the running node's API is the CLI's decision (`cli::admin`).

use anyhow::{bail, Context};
use tiepdan_keys::cert::{self, Authority, Chain};
use tiepdan_keys::identity::SiteKey;
use tiepdan_protocol::sites::{Level, Registry, CENTRAL_CODE};

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
        format_date(v.not_after),
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
