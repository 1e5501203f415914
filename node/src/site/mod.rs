//! The site a node is: its identity, data folder, store, configuration, metrics, clock and the
//! holiday calendar it counts deadlines with.
//!
//! The lowest layer of the node: every capability may use it, and it uses none of them (only
//! `tiepdan-keys` and `tiepdan-protocol`). [`LocalSite`] is what never changes while the node
//! runs (who we are, where our files are), plus the handles every capability shares: the store,
//! the metrics and the calendar ([`calendar`]: the built-in list with central's published
//! years). The addresses the node bound are set once at start ([`LocalSite::bound`]).

pub mod calendar;
pub mod clock;
pub mod config;
pub mod datadir;
pub mod identity;
pub mod lock;
pub mod metrics;
pub mod store;
pub mod wal;

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;

use rustls::pki_types::CertificateDer;
use tiepdan_keys::cert::{install_check, Chain};
use tiepdan_keys::identity::SiteKey;
use tiepdan_protocol::sites::{Registry, Site, CENTRAL_CODE};
use tracing::warn;

use calendar::SiteCalendar;
use config::{NodeConfig, Overrides};
use datadir::DataDir;
use metrics::Metrics;
use store::Store;

/// Addresses the node actually bound.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Bound {
    pub quic: SocketAddr,
    pub p2p: SocketAddr,
    /// The web UI and API as the site's PCs reach it (HTTPS when `tls`).
    pub http: SocketAddr,
    #[serde(default)]
    pub tls: bool,
    /// With TLS, the plain-HTTP loopback address the node's own CLI calls.
    #[serde(default)]
    pub local_http: Option<SocketAddr>,
}

/// This site: identity, files, store, configuration and metrics.
pub struct LocalSite {
    pub data: DataDir,
    pub site: Site,
    pub key: SiteKey,
    /// The site key as an Ed25519 signing key, for case and session events.
    pub signing_key: ed25519_dalek::SigningKey,
    pub peer_id: String,
    /// The chain presented in TLS (a commune's as issued; central's and a province's own leaf).
    pub chain: Chain,
    /// When our chain stops verifying (earliest notAfter along it).
    pub cert_not_after: u64,
    pub root: CertificateDer<'static>,
    pub store: Store,
    /// The holiday calendar: the built-in list with the years central published.
    pub calendar: SiteCalendar,
    pub metrics: Metrics,
    pub config: NodeConfig,
    pub token: String,
    pub started: Instant,
    /// Set once by `run` after the sockets are bound; unset in offline CLI commands.
    pub bound: OnceLock<Bound>,
}

impl LocalSite {
    /// Loads a site from its data folder: config, code, key, token and chain are all checked
    /// before the store is opened (and locked).
    pub fn open(data: &DataDir, overrides: &Overrides) -> anyhow::Result<LocalSite> {
        let config = NodeConfig::load(&data.config_path(), overrides)?;
        let code = identity::site_code(data)?;
        let site = Registry::official().get(&code)?.clone();
        let key = identity::load_key(data)?;
        let token = data.read_token()?;
        let chain = identity::load_tls_chain(data)?;
        let now = clock::unix_now();
        // An expired chain still starts the node (the operator sees the warning in the UI and
        // logs, and peers refuse it); any other problem with our own chain is fatal.
        let cert_not_after = match install_check(&key, Some(&code), &chain, now) {
            Ok(v) => v.not_after,
            Err(e) if e.reason() == "expired" => {
                warn!("this site's certificate chain is not valid now: {e}");
                chain.leaf_not_after()
            }
            Err(e) => {
                return Err(anyhow::Error::new(e).context(format!(
                    "the certificate in {} cannot be used",
                    data.tls_chain_path().display()
                )))
            }
        };
        let store = Store::open(&data.store_path())?;
        let root = chain.root().clone();
        // Central's key is the root certificate's (`make_root`): it signs the calendars.
        let central_key = match chain.site_keys().last() {
            Some((site, key)) if site == CENTRAL_CODE => *key,
            _ => anyhow::bail!(
                "the root certificate in {} is not central's",
                data.tls_chain_path().display()
            ),
        };
        let calendar = SiteCalendar::load(&store, central_key, now)?;
        let metrics = Metrics::new();
        metrics
            .calendars_known
            .set(calendar.published().len() as i64);
        let peer_id = key.peer_id().to_string();
        let signing_key = ed25519_dalek::SigningKey::from_bytes(&key.seed());
        Ok(LocalSite {
            data: data.clone(),
            site,
            key,
            signing_key,
            peer_id,
            chain,
            cert_not_after,
            root,
            store,
            calendar,
            metrics,
            config,
            token,
            started: Instant::now(),
            bound: OnceLock::new(),
        })
    }

    pub fn now(&self) -> u64 {
        clock::unix_now()
    }

    pub fn registry(&self) -> &'static Registry {
        Registry::official()
    }

    pub fn code(&self) -> &str {
        &self.site.code
    }

    pub fn site_name(&self, code: &str) -> String {
        self.registry()
            .get(code)
            .map(|s| s.name.clone())
            .unwrap_or_else(|_| code.to_owned())
    }

    /// Seconds until the first certificate in our chain expires (negative once expired).
    pub fn cert_expiry_in(&self) -> i64 {
        self.cert_not_after as i64 - self.now() as i64
    }

    pub fn check_expiry(&self) {
        let left = self.cert_expiry_in();
        self.metrics.cert_expiry_seconds.set(left);
        let warn_secs = i64::from(self.config.expiry_warning_days) * 86_400;
        if left <= 0 {
            warn!("this site's certificate has EXPIRED; peers will refuse it. Ask the parent site to issue a new one");
        } else if left < warn_secs {
            warn!(days_left = left / 86_400, "this site's certificate expires soon; ask the parent site to issue a new one and run `tiepdan install`");
        }
    }
}
