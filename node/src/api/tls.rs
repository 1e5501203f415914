//! HTTPS for the web UI and API: the site's web certificate and the TLS listener.
//!
//! Browsers grant camera and microphone only to secure origins, so on any address but loopback
//! the node serves TLS only (rustls, aws-lc-rs). The federation's PKI is Ed25519, which
//! browsers do not accept in TLS, so the web certificate comes from the site's own web CA:
//! an ECDSA P-256 root made once in `DIR/web/ca.pem` (its key beside it, readable by the node's
//! user only), which the site's PCs install once (RUNBOOK), and a server certificate it signs
//! for the site's names and addresses, made again when they change or a month before it
//! expires. An operator may supply their own chain and key instead (`web_cert`, `web_key`).

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::extract::ConnectInfo;
use axum::Router;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::sync::watch;
use tracing::{debug, info, warn};

use crate::site::config::NodeConfig;
use crate::site::datadir::DataDir;

/// How long a TLS handshake may take before the connection is dropped (a client that never
/// finishes must not hold a task).
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Days the web CA lives, and the server certificate (browsers cap it near 13 months).
const CA_DAYS: i64 = 20 * 365;
const SERVER_DAYS: i64 = 397;
/// The server certificate is made again this long before it expires.
const RENEW_BEFORE_DAYS: i64 = 30;

/// Whether an HTTP address needs TLS: anything but loopback.
pub fn needs_tls(addr: SocketAddr) -> bool {
    !addr.ip().is_loopback()
}

/// Where the web certificate files are.
pub struct WebFiles {
    pub dir: PathBuf,
}

impl WebFiles {
    pub fn of(data: &DataDir) -> WebFiles {
        WebFiles {
            dir: data.root().join("web"),
        }
    }
    pub fn ca_cert(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }
    fn ca_key(&self) -> PathBuf {
        self.dir.join("ca.key")
    }
    fn server_cert(&self) -> PathBuf {
        self.dir.join("server.pem")
    }
    fn server_key(&self) -> PathBuf {
        self.dir.join("server.key")
    }
    fn server_names(&self) -> PathBuf {
        self.dir.join("server.names")
    }
}

/// The names and addresses the server certificate covers: the configured ones, the HTTP
/// address (unless it is the unspecified address), the advertised hosts, and `localhost`.
pub fn web_names(cfg: &NodeConfig) -> Vec<String> {
    let mut names: Vec<String> = cfg.web_names.iter().map(|n| n.trim().to_owned()).collect();
    if !cfg.http.ip().is_unspecified() {
        names.push(cfg.http.ip().to_string());
    }
    names.extend(cfg.advertise.iter().map(|a| a.ip().to_string()));
    names.push("localhost".into());
    names.push("127.0.0.1".into());
    names.retain(|n| !n.is_empty());
    names.sort();
    names.dedup();
    names
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

fn validity(p: &mut CertificateParams, days: i64) {
    let now = time::OffsetDateTime::now_utc();
    p.not_before = now - time::Duration::hours(1);
    p.not_after = now + time::Duration::days(days);
}

/// The site's web CA, made on first use.
fn web_ca(files: &WebFiles, site_name: &str) -> anyhow::Result<(String, KeyPair)> {
    if files.ca_cert().exists() && files.ca_key().exists() {
        let cert = std::fs::read_to_string(files.ca_cert())?;
        let key = KeyPair::from_pem(&std::fs::read_to_string(files.ca_key())?)
            .context("the web CA key is damaged")?;
        return Ok((cert, key));
    }
    std::fs::create_dir_all(&files.dir)?;
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "tiepdan");
    dn.push(DnType::CommonName, format!("tiepdan web CA — {site_name}"));
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    validity(&mut p, CA_DAYS);
    let cert = p.self_signed(&key)?;
    write_private(&files.ca_key(), &key.serialize_pem())?;
    std::fs::write(files.ca_cert(), cert.pem())?;
    info!(path = %files.ca_cert().display(), "made the site's web CA; install it on the site's PCs");
    Ok((cert.pem(), key))
}

/// A DNS host name: dot-separated labels of letters, digits and inner hyphens.
fn is_host_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn san(name: &str) -> anyhow::Result<SanType> {
    Ok(match name.parse::<IpAddr>() {
        Ok(ip) => SanType::IpAddress(ip),
        Err(_) if !is_host_name(name) => anyhow::bail!(
            "tiepdan.toml: web_names: {name:?} is neither a host name (e.g. tiepdan.ubnd-xa.vn) nor an IP address"
        ),
        Err(_) => SanType::DnsName(
            name.to_owned()
                .try_into()
                .with_context(|| format!("web_names: {name:?} is not a host name"))?,
        ),
    })
}

/// The server certificate for `names`, made again when the names change or it nears its end.
fn server_cert(files: &WebFiles, site_name: &str, names: &[String]) -> anyhow::Result<()> {
    let listed = names.join("\n");
    let fresh = std::fs::read_to_string(files.server_names())
        .ok()
        .as_deref()
        == Some(&listed)
        && std::fs::read_to_string(files.server_cert())
            .ok()
            .and_then(|pem| not_after(&pem))
            .is_some_and(|end| {
                end - time::OffsetDateTime::now_utc() > time::Duration::days(RENEW_BEFORE_DAYS)
            })
        && files.server_key().exists();
    if fresh {
        return Ok(());
    }
    let (ca_pem, ca_key) = web_ca(files, site_name)?;
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "tiepdan");
    dn.push(DnType::CommonName, site_name);
    p.distinguished_name = dn;
    p.subject_alt_names = names
        .iter()
        .map(|n| san(n))
        .collect::<anyhow::Result<_>>()?;
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.use_authority_key_identifier_extension = true;
    validity(&mut p, SERVER_DAYS);
    let issuer = Issuer::from_ca_cert_pem(&ca_pem, ca_key)?;
    let cert = p.signed_by(&key, &issuer)?;
    write_private(&files.server_key(), &key.serialize_pem())?;
    std::fs::write(files.server_cert(), format!("{}{ca_pem}", cert.pem()))?;
    std::fs::write(files.server_names(), listed)?;
    info!(names = ?names, "made the web server certificate");
    Ok(())
}

fn not_after(pem: &str) -> Option<time::OffsetDateTime> {
    let der = rustls_pemfile_first(pem)?;
    let (_, cert) = x509_parser::parse_x509_certificate(&der).ok()?;
    Some(cert.validity().not_after.to_datetime())
}

fn rustls_pemfile_first(pem: &str) -> Option<Vec<u8>> {
    let (_, p) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).ok()?;
    Some(p.contents)
}

fn pem_blocks(text: &str, label: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = text.as_bytes();
    while let Ok((r, p)) = x509_parser::pem::parse_x509_pem(rest) {
        if p.label == label {
            out.push(p.contents);
        }
        if r.len() == rest.len() {
            break;
        }
        rest = r;
    }
    out
}

/// The TLS settings of the web listener: the operator's chain if configured, else the site's.
pub fn server_config(
    data: &DataDir,
    cfg: &NodeConfig,
    site_name: &str,
) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let files = WebFiles::of(data);
    let (cert_path, key_path) = match (&cfg.web_cert, &cfg.web_key) {
        (Some(c), Some(k)) => (c.clone(), k.clone()),
        (None, None) => {
            server_cert(&files, site_name, &web_names(cfg))?;
            (files.server_cert(), files.server_key())
        }
        _ => anyhow::bail!("tiepdan.toml: web_cert and web_key go together (PEM files)"),
    };
    let chain_text = std::fs::read_to_string(&cert_path)
        .with_context(|| format!("cannot read the web certificate {}", cert_path.display()))?;
    let key_text = std::fs::read_to_string(&key_path)
        .with_context(|| format!("cannot read the web key {}", key_path.display()))?;
    let chain: Vec<CertificateDer<'static>> = pem_blocks(&chain_text, "CERTIFICATE")
        .into_iter()
        .map(CertificateDer::from)
        .collect();
    anyhow::ensure!(
        !chain.is_empty(),
        "{} holds no PEM certificate",
        cert_path.display()
    );
    let key = pem_blocks(&key_text, "PRIVATE KEY")
        .into_iter()
        .next()
        .with_context(|| format!("{} holds no PKCS#8 PEM key", key_path.display()))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)))
        .context("the web certificate and key do not match")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// SHA-256 fingerprint of the web CA (what the operator reads before installing it).
pub fn ca_fingerprint(data: &DataDir) -> Option<String> {
    let pem = std::fs::read_to_string(WebFiles::of(data).ca_cert()).ok()?;
    let der = rustls_pemfile_first(&pem)?;
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &der);
    Some(
        digest
            .as_ref()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":"),
    )
}

/// Serves `router` over TLS on `listener` until `shutdown` turns true.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    config: Arc<rustls::ServerConfig>,
    mut shutdown: watch::Receiver<bool>,
) {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    loop {
        let (tcp, addr) = tokio::select! {
            r = listener.accept() => match r {
                Ok(v) => v,
                Err(e) => {
                    warn!("HTTPS accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => return,
        };
        let acceptor = acceptor.clone();
        let router = router.clone();
        tokio::spawn(async move {
            let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    debug!(%addr, "TLS handshake refused: {e}");
                    return;
                }
                Err(_) => {
                    debug!(%addr, "TLS handshake timed out");
                    return;
                }
            };
            // What `into_make_service_with_connect_info` does for plain HTTP: the client's
            // address for the sign-in throttle.
            let service = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(ConnectInfo(addr));
                    let mut router = router.clone();
                    async move {
                        tower_service::Service::call(&mut router, req.map(axum::body::Body::new))
                            .await
                    }
                },
            );
            let _ =
                hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
                    .serve_connection_with_upgrades(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cover_the_address_the_advertised_hosts_and_loopback() {
        let cfg = NodeConfig {
            http: "10.0.5.20:443".parse().unwrap(),
            web_names: vec!["tiepdan.xa.vn".into(), " ".into()],
            advertise: vec!["203.0.113.7:4433".parse().unwrap()],
            ..NodeConfig::default()
        };
        assert_eq!(
            web_names(&cfg),
            [
                "10.0.5.20",
                "127.0.0.1",
                "203.0.113.7",
                "localhost",
                "tiepdan.xa.vn"
            ]
        );
        assert!(needs_tls(cfg.http));
        assert!(!needs_tls("127.0.0.1:8080".parse().unwrap()));
        assert!(needs_tls("0.0.0.0:8080".parse().unwrap()));
    }

    #[test]
    fn the_server_certificate_is_made_once_and_again_when_names_change() {
        let dir = tempfile::tempdir().unwrap();
        let files = WebFiles {
            dir: dir.path().join("web"),
        };
        server_cert(&files, "Phường Ba Đình", &["10.0.5.20".into()]).unwrap();
        let first = std::fs::read_to_string(files.server_cert()).unwrap();
        let ca = std::fs::read_to_string(files.ca_cert()).unwrap();
        assert!(first.ends_with(&ca), "the chain carries its CA");
        server_cert(&files, "Phường Ba Đình", &["10.0.5.20".into()]).unwrap();
        assert_eq!(std::fs::read_to_string(files.server_cert()).unwrap(), first);
        server_cert(&files, "Phường Ba Đình", &["10.0.5.21".into()]).unwrap();
        assert_ne!(std::fs::read_to_string(files.server_cert()).unwrap(), first);
        assert_eq!(
            std::fs::read_to_string(files.ca_cert()).unwrap(),
            ca,
            "the CA the PCs installed stays"
        );
        assert!(server_cert(&files, "x", &["not a host".into()]).is_err());
    }
}
