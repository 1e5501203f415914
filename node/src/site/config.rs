//! Node configuration: `DIR/tiepdan.toml`, overridden by command-line flags.
//!
//! Owns the defaults and the error a newcomer sees for a wrong line: the file name, the line
//! and column, and what was expected. Unknown keys are errors, so a typo is never silently ignored.

use std::net::SocketAddr;
use std::path::Path;

use serde::Deserialize;
use tiepdan_protocol::sites::Level;
use tiepdan_protocol::supervision::{DutyRule, DutyUnit};

/// What `tiepdan run` needs to know about addresses and behaviour.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// UDP address of the QUIC endpoint other sites dial.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// libp2p address (QUIC on UDP and TCP on the same port number).
    #[serde(default = "default_p2p")]
    pub p2p: SocketAddr,
    /// HTTP address of the API and web UI. Loopback by default: expose it on purpose.
    #[serde(default = "default_http")]
    pub http: SocketAddr,
    /// UDP address reserved for the WebRTC media gateway.
    #[serde(default = "default_media")]
    pub media: SocketAddr,
    /// QUIC address of the parent site. Central has none.
    #[serde(default)]
    pub parent: Option<SocketAddr>,
    /// Addresses to advertise to peers instead of the bound ones (behind NAT or when bound to 0.0.0.0).
    #[serde(default)]
    pub advertise: Vec<SocketAddr>,
    /// Find peers on the local network with mDNS.
    #[serde(default = "default_true")]
    pub mdns: bool,
    /// Days before the certificate expires at which the node starts warning.
    #[serde(default = "default_expiry_warning_days")]
    pub expiry_warning_days: u32,
    /// Log filter, e.g. "info" or "tiepdan=debug".
    #[serde(default = "default_log")]
    pub log: String,
    /// Host names and addresses the site's PCs use to reach the web UI, put in its HTTPS
    /// certificate (besides the HTTP address and the advertised hosts), e.g.
    /// `["tiepdan.ubnd-phuong-ba-dinh.vn", "10.0.5.20"]`.
    #[serde(default)]
    pub web_names: Vec<String>,
    /// A certificate chain and its key (PEM files) the operator supplies for HTTPS, instead of
    /// the one the node makes from its own web CA (`DIR/web/ca.pem`).
    #[serde(default)]
    pub web_cert: Option<std::path::PathBuf>,
    #[serde(default)]
    pub web_key: Option<std::path::PathBuf>,
    /// What the reports and the supervision of the levels below count against.
    #[serde(default)]
    pub reports: ReportsConfig,
    /// Where the site's records go to the national database (NĐ 55/2022).
    #[serde(default)]
    pub national_db: NationalDbConfig,
}

/// `[national_db]`: the HTTPS endpoint of the national database, the CA that signed its
/// certificate, the token it expects, and how often changed records are pushed.
///
/// ```toml
/// [national_db]
/// endpoint = "https://csdl.thanhtra.gov.vn/api/tiep-cong-dan"
/// ca_file = "/etc/tiepdan/csdl-ca.pem"
/// token_file = "/etc/tiepdan/csdl-token"
/// interval_s = 300
/// ```
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NationalDbConfig {
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default)]
    pub ca_file: Option<std::path::PathBuf>,
    #[serde(default)]
    pub token_file: Option<std::path::PathBuf>,
    #[serde(default = "push_interval_s")]
    pub interval_s: u64,
}

impl Default for NationalDbConfig {
    fn default() -> Self {
        NationalDbConfig {
            endpoint: None,
            ca_file: None,
            token_file: None,
            interval_s: push_interval_s(),
        }
    }
}

fn push_interval_s() -> u64 {
    300
}

/// `[reports]`: the heads' periodic reception duty per level, and when a report is due.
///
/// ```toml
/// [reports]
/// commune_duty = "1/week"     # Luật TCD 2013 Art 15; "2/month" as the 2025 draft had it
/// province_duty = "1/month"   # Art 12(5)
/// due_working_days = 5        # after the period's cut-off (the 14th)
/// ```
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReportsConfig {
    #[serde(default = "commune_duty", deserialize_with = "duty")]
    pub commune_duty: DutyRule,
    #[serde(default = "province_duty", deserialize_with = "duty")]
    pub province_duty: DutyRule,
    #[serde(default = "due_working_days")]
    pub due_working_days: u32,
}

impl Default for ReportsConfig {
    fn default() -> Self {
        ReportsConfig {
            commune_duty: commune_duty(),
            province_duty: province_duty(),
            due_working_days: due_working_days(),
        }
    }
}

impl ReportsConfig {
    /// The duty of a site at `level` (central's office keeps the provinces' monthly rule).
    pub fn duty_for(&self, level: Level) -> DutyRule {
        match level {
            Level::Commune => self.commune_duty,
            Level::Province | Level::Central => self.province_duty,
        }
    }
}

fn commune_duty() -> DutyRule {
    DutyRule::default_for(Level::Commune)
}
fn province_duty() -> DutyRule {
    DutyRule::default_for(Level::Province)
}
fn due_working_days() -> u32 {
    tiepdan_protocol::submission::REPORT_DUE_WORKING_DAYS
}

/// `"1/week"`, `"2/month"`: days of periodic reception per week or month.
fn duty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<DutyRule, D::Error> {
    let text = String::deserialize(d)?;
    parse_duty(&text).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "{text:?} is not a duty: write days per week or month, like \"1/week\" or \"2/month\""
        ))
    })
}

/// Parses `"N/week"` or `"N/month"` with N from 1 to 7 (week) or 31 (month).
pub fn parse_duty(text: &str) -> Option<DutyRule> {
    let (days, unit) = text.trim().split_once('/')?;
    let days: u32 = days.trim().parse().ok()?;
    let (unit, max) = match unit.trim() {
        "week" => (DutyUnit::Week, 7),
        "month" => (DutyUnit::Month, 31),
        _ => return None,
    };
    (1..=max).contains(&days).then_some(DutyRule { unit, days })
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], 4433))
}
fn default_p2p() -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], 4434))
}
fn default_http() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}
fn default_media() -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], 4435))
}
fn default_true() -> bool {
    true
}
fn default_expiry_warning_days() -> u32 {
    30
}
fn default_log() -> String {
    "info".into()
}

impl Default for NodeConfig {
    fn default() -> Self {
        // An empty document takes every default; it cannot fail.
        toml::from_str("").expect("defaults parse")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("config file {path} has a wrong line:\n{message}")]
    Parse { path: String, message: String },
}

/// Flags given on the command line; each one that is set wins over the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub listen: Option<SocketAddr>,
    pub p2p: Option<SocketAddr>,
    pub http: Option<SocketAddr>,
    pub media: Option<SocketAddr>,
    pub parent: Option<SocketAddr>,
    pub no_mdns: bool,
}

impl NodeConfig {
    /// Reads `path` if it exists (a missing file means defaults), then applies the overrides.
    pub fn load(path: &Path, overrides: &Overrides) -> Result<NodeConfig, ConfigError> {
        let mut cfg = match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text, &path.display().to_string())?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => NodeConfig::default(),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                })
            }
        };
        if let Some(a) = overrides.listen {
            cfg.listen = a;
        }
        if let Some(a) = overrides.p2p {
            cfg.p2p = a;
        }
        if let Some(a) = overrides.http {
            cfg.http = a;
        }
        if let Some(a) = overrides.media {
            cfg.media = a;
        }
        if let Some(a) = overrides.parent {
            cfg.parent = Some(a);
        }
        if overrides.no_mdns {
            cfg.mdns = false;
        }
        Ok(cfg)
    }

    pub fn parse(text: &str, path: &str) -> Result<NodeConfig, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }

    /// The QUIC addresses peers should dial: the advertised ones, else the bound one.
    pub fn quic_advertised(&self, bound: SocketAddr) -> Vec<SocketAddr> {
        if self.advertise.is_empty() {
            vec![bound]
        } else {
            self.advertise.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_line_is_named() {
        let text = "listen = \"127.0.0.1:5000\"\nparent = \"not an address\"\n";
        let err = NodeConfig::parse(text, "/x/tiepdan.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("/x/tiepdan.toml"), "{err}");
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn the_reports_duty_is_read_and_a_wrong_one_named() {
        let c = NodeConfig::parse(
            "[reports]\ncommune_duty = \"2/month\"\ndue_working_days = 3\n",
            "c.toml",
        )
        .unwrap();
        assert_eq!(
            c.reports.duty_for(Level::Commune),
            DutyRule {
                unit: DutyUnit::Month,
                days: 2
            }
        );
        assert_eq!(c.reports.duty_for(Level::Province), province_duty());
        assert_eq!(c.reports.due_working_days, 3);
        assert_eq!(NodeConfig::default().reports.commune_duty, commune_duty());
        for bad in ["0/week", "8/week", "1/year", "weekly"] {
            let err =
                NodeConfig::parse(&format!("[reports]\ncommune_duty = \"{bad}\"\n"), "c.toml")
                    .unwrap_err()
                    .to_string();
            assert!(
                err.contains("line 2") && err.contains("1/week"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn an_unknown_key_is_named() {
        let err = NodeConfig::parse("listen = \"127.0.0.1:5000\"\nlistn = 3\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2") && err.contains("listn"), "{err}");
    }

    #[test]
    fn overrides_win() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tiepdan.toml");
        std::fs::write(&path, "http = \"127.0.0.1:9000\"\nmdns = true\n").unwrap();
        let o = Overrides {
            http: Some("127.0.0.1:9100".parse().unwrap()),
            no_mdns: true,
            ..Default::default()
        };
        let cfg = NodeConfig::load(&path, &o).unwrap();
        assert_eq!(cfg.http.port(), 9100);
        assert!(!cfg.mdns);
        assert_eq!(cfg.listen, default_listen());
    }
}
