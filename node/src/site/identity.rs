//! Loading a site's identity from its data folder: the site code, the key and the TLS chain.
//!
//! Owns the messages an IT officer sees when a folder is not (yet) a site: no `site` file, a
//! key anyone can read, no certificate installed. Creating these files is the federation's
//! business (`federation::pki`); this module only reads them.

use anyhow::Context;
use tiepdan_keys::cert::Chain;
use tiepdan_keys::identity::SiteKey;

use super::datadir::DataDir;

/// The file holding the site code, so tools can tell which site a folder belongs to.
pub fn site_file(data: &DataDir) -> std::path::PathBuf {
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
