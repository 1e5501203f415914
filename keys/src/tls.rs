//! rustls configuration for federation links: TLS 1.3 only, aws-lc-rs only, mutual
//! authentication, ALPN `tiepdan/1`, and [`FederationVerifier`], which checks BOTH directions
//! with [`verify_chain`] against the federation root and the current revocations.
//!
//! Sites dial each other by address, so the TLS server name is ignored: who is on the other end
//! is read from the verified chain ([`peer_site`] after the handshake).

use std::fmt;
use std::sync::{Arc, RwLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, DistinguishedName, OtherError,
    ServerConfig, SignatureScheme,
};

use crate::cert::{verify_chain, Chain, ChainCache, ChainError, VerifiedSite};
use crate::identity::SiteKey;
use crate::revocation::RevocationList;

/// ALPN protocol id of federation links.
pub const ALPN: &[u8] = b"tiepdan/1";

/// Called with every refused peer chain (the node counts them by `reason()` and logs them).
pub type RefusalCallback = Arc<dyn Fn(&ChainError) + Send + Sync>;

/// Errors building a TLS configuration.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("the site key does not match the site certificate (chain leaf): use the key file this certificate was issued for")]
    KeyMismatch,
    #[error("could not build the TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

/// The only crypto provider of this project.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Verifies peers of federation links, as client and as server.
pub struct FederationVerifier {
    root: CertificateDer<'static>,
    revocations: Arc<RwLock<RevocationList>>,
    on_refusal: Option<RefusalCallback>,
    provider: Arc<CryptoProvider>,
    /// Chains verified before, when the caller shares a cache.
    chains: Option<Arc<ChainCache>>,
}

impl fmt::Debug for FederationVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FederationVerifier")
            .field("root", &crate::cert::cert_fingerprint(&self.root))
            .field("on_refusal", &self.on_refusal.is_some())
            .finish_non_exhaustive()
    }
}

impl FederationVerifier {
    /// `root` is the federation root certificate; `revocations` is shared with the node, which
    /// adds records as they arrive (a poisoned lock is still read: the list stays consistent).
    pub fn new(
        root: CertificateDer<'static>,
        revocations: Arc<RwLock<RevocationList>>,
        on_refusal: Option<RefusalCallback>,
    ) -> FederationVerifier {
        FederationVerifier {
            root,
            revocations,
            on_refusal,
            provider: provider(),
            chains: None,
        }
    }

    /// Verifies chains through `cache`, shared with whatever else checks the same peers'
    /// chains (the node checks a link's chain again after the handshake).
    pub fn with_chain_cache(mut self, cache: Arc<ChainCache>) -> FederationVerifier {
        self.chains = Some(cache);
        self
    }

    pub fn root(&self) -> &CertificateDer<'static> {
        &self.root
    }

    /// Verifies a presented chain at `now`, reporting refusals to the callback.
    pub fn verify(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<VerifiedSite, ChainError> {
        let mut chain = Vec::with_capacity(intermediates.len() + 1);
        chain.push(CertificateDer::from(end_entity.as_ref()));
        chain.extend(
            intermediates
                .iter()
                .map(|c| CertificateDer::from(c.as_ref())),
        );
        let result = {
            let list = self
                .revocations
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            match &self.chains {
                Some(cache) => cache.verify(&self.root, &chain, now.as_secs(), &list),
                None => verify_chain(&self.root, &chain, now.as_secs(), &list),
            }
        };
        if let (Err(e), Some(cb)) = (&result, &self.on_refusal) {
            cb(e);
        }
        result
    }

    fn verify_tls(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<(), rustls::Error> {
        self.verify(end_entity, intermediates, now)
            .map(|_| ())
            .map_err(to_rustls)
    }

    fn tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }
}

/// The rustls error for a refused chain. Expiry, revocation and unknown root get their precise
/// TLS alert; everything else is `CertificateError::Other` carrying the [`ChainError`].
fn to_rustls(e: ChainError) -> rustls::Error {
    let cert_error = match e {
        ChainError::Expired { .. }
        | ChainError::NotYetValid { .. }
        | ChainError::RootExpired { .. } => CertificateError::Expired,
        ChainError::Revoked { .. } => CertificateError::Revoked,
        ChainError::UnknownRoot => CertificateError::UnknownIssuer,
        other => CertificateError::Other(OtherError(Arc::new(other))),
    };
    rustls::Error::InvalidCertificate(cert_error)
}

/// The metrics label of a handshake error caused by a refused peer certificate, if it is one.
pub fn refusal_reason(e: &rustls::Error) -> Option<&'static str> {
    match e {
        rustls::Error::InvalidCertificate(c) => Some(match c {
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. } => "expired",
            CertificateError::Revoked => "revoked",
            CertificateError::UnknownIssuer => "unknown_root",
            CertificateError::BadSignature => "bad_signature",
            CertificateError::Other(OtherError(inner)) => inner
                .downcast_ref::<ChainError>()
                .map(ChainError::reason)
                .unwrap_or("malformed"),
            _ => "malformed",
        }),
        _ => None,
    }
}

fn tls12_refused() -> rustls::Error {
    rustls::Error::General("tiepdan federation links use TLS 1.3 only".into())
}

impl ServerCertVerifier for FederationVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.verify_tls(end_entity, intermediates, now)
            .map(|_| ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(tls12_refused())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![SignatureScheme::ED25519]
    }
}

impl ClientCertVerifier for FederationVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.verify_tls(end_entity, intermediates, now)
            .map(|_| ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(tls12_refused())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![SignatureScheme::ED25519]
    }
}

fn check_key(key: &SiteKey, chain: &Chain) -> Result<(), TlsError> {
    let leaf = chain.info(0).map_err(|_| TlsError::KeyMismatch)?;
    if leaf.public_key != key.public_bytes() {
        return Err(TlsError::KeyMismatch);
    }
    Ok(())
}

/// Server side of federation links: TLS 1.3, ALPN `tiepdan/1`, our `chain` and `key`, and
/// mandatory client certificates checked by `verifier`.
pub fn server_config(
    key: &SiteKey,
    chain: &Chain,
    verifier: Arc<FederationVerifier>,
) -> Result<ServerConfig, TlsError> {
    check_key(key, chain)?;
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain.der_list().to_vec(), key.rustls_private_key())?;
    config.alpn_protocols = vec![ALPN.to_vec()];
    Ok(config)
}

/// Client side of federation links: TLS 1.3, ALPN `tiepdan/1`, our `chain` and `key` as client
/// certificate, server chain checked by `verifier` (the server name is not checked).
pub fn client_config(
    key: &SiteKey,
    chain: &Chain,
    verifier: Arc<FederationVerifier>,
) -> Result<ClientConfig, TlsError> {
    check_key(key, chain)?;
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_auth_cert(chain.der_list().to_vec(), key.rustls_private_key())?;
    config.alpn_protocols = vec![ALPN.to_vec()];
    Ok(config)
}

/// Who is on the other end of an established connection (`conn.peer_certificates()`), verified
/// again at `now` against `root` and `revocations`.
pub fn peer_site(
    conn_peer_certs: &[CertificateDer<'_>],
    root: &CertificateDer<'_>,
    now: u64,
    revocations: &RevocationList,
) -> Result<VerifiedSite, ChainError> {
    verify_chain(root, conn_peer_certs, now, revocations)
}
