//! The limit a node's admission is measured against (issue 14): bare quinn handshakes on the
//! same machine with the same certificates and the same TLS 1.3 and QUIC transport, but none
//! of tiepdan's checks: no chain, registry, revocation or PeerId check, no hello. Each side
//! still proves its key (the TLS 1.3 handshake signature is verified), as any mutual-TLS peer
//! does.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use tiepdan_keys::cert::Chain;
use tiepdan_keys::identity::SiteKey;

/// Accepts any certificate, checks only the handshake signature.
#[derive(Debug)]
struct SignatureOnly(Arc<CryptoProvider>);

impl SignatureOnly {
    fn check(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
}

impl ServerCertVerifier for SignatureOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("TLS 1.3 only".into()))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.check(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![SignatureScheme::ED25519]
    }
}

impl ClientCertVerifier for SignatureOnly {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("TLS 1.3 only".into()))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.check(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![SignatureScheme::ED25519]
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// A bare QUIC server with `key` and `chain` on a loopback port, accepting every handshake.
fn server(key: &SiteKey, chain: &Chain) -> anyhow::Result<quinn::Endpoint> {
    let verifier = Arc::new(SignatureOnly(provider()));
    let mut tls = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain.der_list().to_vec(), key.rustls_private_key())?;
    tls.alpn_protocols = vec![tiepdan_keys::tls::ALPN.to_vec()];
    let mut config = quinn::ServerConfig::with_crypto(Arc::new(
        quinn::crypto::rustls::QuicServerConfig::try_from(tls)?,
    ));
    config.transport_config(crate::federation::links::transport());
    let ep = quinn::Endpoint::server(config, SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let accept = ep.clone();
    tokio::spawn(async move {
        while let Some(incoming) = accept.accept().await {
            tokio::spawn(async move {
                if let Ok(conn) = incoming.await {
                    conn.closed().await;
                }
            });
        }
    });
    Ok(ep)
}

fn client(key: &SiteKey, chain: &Chain) -> anyhow::Result<quinn::Endpoint> {
    let verifier = Arc::new(SignatureOnly(provider()));
    let mut tls = rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_auth_cert(chain.der_list().to_vec(), key.rustls_private_key())?;
    tls.alpn_protocols = vec![tiepdan_keys::tls::ALPN.to_vec()];
    let mut config = quinn::ClientConfig::new(Arc::new(
        quinn::crypto::rustls::QuicClientConfig::try_from(tls)?,
    ));
    config.transport_config(crate::federation::links::transport());
    let mut ep = quinn::Endpoint::client(SocketAddr::from(([0, 0, 0, 0], 0)))?;
    ep.set_default_client_config(config);
    Ok(ep)
}

/// Bare handshakes per second, `clients` at once for `seconds`: a server with
/// (`server_key`, `server_chain`) in this process, clients with (`key`, `chain`).
pub async fn handshakes_per_second(
    server_key: &SiteKey,
    server_chain: &Chain,
    key: &SiteKey,
    chain: &Chain,
    clients: usize,
    seconds: u64,
) -> anyhow::Result<f64> {
    let server = server(server_key, server_chain)?;
    let addr = server.local_addr()?;
    let done = Arc::new(AtomicU64::new(0));
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let ep = client(key, chain)?;
        let done = done.clone();
        tasks.push(tokio::spawn(async move {
            while Instant::now() < end {
                let Ok(connecting) = ep.connect(addr, "tiepdan.internal") else {
                    break;
                };
                if let Ok(conn) = connecting.await {
                    done.fetch_add(1, Ordering::Relaxed);
                    conn.close(quinn::VarInt::from_u32(1), b"bench");
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    server.close(quinn::VarInt::from_u32(0), b"done");
    Ok(done.load(Ordering::Relaxed) as f64 / seconds as f64)
}
