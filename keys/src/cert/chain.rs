//! [`Chain`]: a site's certificates, leaf first and root last, with PEM reading and writing;
//! and [`ChainError`], every reason a chain can be refused, with stable metrics labels.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

use super::inspect::{inspect, CertInfo};
use crate::claims::{ClaimsError, SiteClaims};
use crate::pem::{self, PemProblem};
use crate::timefmt::utc_u;

/// A chain file is a few kilobytes; refuse anything absurd before parsing it.
const MAX_PEM_LEN: usize = 256 * 1024;

/// Why a certificate chain is refused. [`ChainError::reason`] gives the metrics label.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("the certificate chain is empty: expected the site's certificate followed by its issuers up to the root")]
    Empty,
    #[error("the certificate chain has {count} certificates; a tiepdan chain has at most {max}. Use the chain file written when the certificate was issued")]
    TooLong { count: usize, max: usize },
    #[error("no PEM `CERTIFICATE` block found: the chain file must contain -----BEGIN CERTIFICATE----- blocks (leaf first, root last)")]
    NotPem,
    #[error("the chain PEM is cut off (a BEGIN line has no matching END line): copy the whole file again")]
    TruncatedPem,
    #[error("the chain PEM is garbled ({0}): copy the file again without editing it")]
    GarbledPem(String),
    #[error("certificate #{index} of the chain (0 = the site's own) is unreadable: {detail}")]
    Malformed { index: usize, detail: String },
    #[error("the configured root certificate is not a tiepdan central root: {detail}. Check the root certificate file handed out by the central office")]
    NotTiepdanRoot { detail: String },
    #[error("the certificate chain does not lead to this federation's root: it was signed by another root (a test or foreign federation) or an intermediate certificate is missing. Check that the peer's certificates were issued within this federation")]
    UnknownRoot,
    #[error("a certificate in the chain expired on {} (now is {}): the site must ask its issuing authority for a new certificate", utc_u(*not_after), utc_u(*now))]
    Expired { now: u64, not_after: u64 },
    #[error("a certificate in the chain is not valid before {} (now is {}): check the clock of this machine and of the issuing authority", utc_u(*not_before), utc_u(*now))]
    NotYetValid { now: u64, not_before: u64 },
    #[error("the federation root certificate expired on {} (now is {}): the central office must publish a new root", utc_u(*not_after), utc_u(*now))]
    RootExpired { now: u64, not_after: u64 },
    #[error("the certificate of site {site} (issued {}) is revoked: its authority revoked every certificate of the site issued until {}. The site needs a newly issued certificate", utc_u(*not_before), utc_u(*revoked_at))]
    Revoked {
        site: String,
        revoked_at: u64,
        not_before: u64,
    },
    #[error("the certificate of site {subject} was signed by site {issuer}, which has no authority over it (central signs provinces, a province only its own communes): forged or misissued chain")]
    WrongParent { issuer: String, subject: String },
    #[error("a certificate in the chain names a site outside its issuer's permitted name space: forged or misissued chain")]
    NameConstraint,
    #[error("a sub-authority in the chain signed another authority, which is not allowed (path length constraint): forged or misissued chain")]
    PathTooLong,
    #[error("the certificate of site {site} claims peer id {claimed} but its key belongs to peer id {actual}: forged or corrupted certificate")]
    PeerIdMismatch {
        site: String,
        claimed: String,
        actual: String,
    },
    #[error("certificate #{index} of the chain (0 = the site's own) is refused: {source}")]
    Claims {
        index: usize,
        #[source]
        source: ClaimsError,
    },
    #[error("a signature in the certificate chain is invalid ({detail}): forged or corrupted certificate")]
    BadSignature { detail: String },
    #[error("the certificate of site {site} is named {found:?}, but that site's name is {expected:?}: misissued certificate")]
    NameMismatch {
        site: String,
        expected: String,
        found: Vec<String>,
    },
    #[error("this certificate chain was issued for a different key than this site's key file (chain is for site {site}): use the key file the certificate request was made with, or request a new certificate")]
    KeyMismatch { site: String },
    #[error("this chain was issued for site {found}, but this data folder belongs to {expected}: use the chain file issued for {expected}")]
    WrongSite { expected: String, found: String },
    #[error("the certificate chain was refused by the path verifier: {0}")]
    Webpki(String),
}

impl ChainError {
    /// Stable label for metrics and logs.
    pub fn reason(&self) -> &'static str {
        use ChainError::*;
        match self {
            UnknownRoot => "unknown_root",
            Expired { .. } | NotYetValid { .. } | RootExpired { .. } => "expired",
            Revoked { .. } => "revoked",
            WrongParent { .. } | NameConstraint | PathTooLong => "wrong_parent",
            PeerIdMismatch { .. } => "peer_id_mismatch",
            Claims { source, .. } => source.reason(),
            BadSignature { .. } => "bad_signature",
            KeyMismatch { .. } => "key_mismatch",
            WrongSite { .. } => "wrong_site",
            Empty
            | TooLong { .. }
            | NotPem
            | TruncatedPem
            | GarbledPem(_)
            | Malformed { .. }
            | NotTiepdanRoot { .. }
            | NameMismatch { .. }
            | Webpki(_) => "malformed",
        }
    }
}

/// Certificates of one site, leaf first, root last. Never empty; every certificate parses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain(Vec<CertificateDer<'static>>);

impl Chain {
    /// Longest chain accepted.
    pub const MAX_LEN: usize = 8;

    /// Checks the certificates are readable tiepdan (Ed25519) certificates. Does NOT verify
    /// signatures: use [`crate::verify_chain`] or [`crate::install_check`] for that.
    pub fn new(certs: Vec<CertificateDer<'static>>) -> Result<Chain, ChainError> {
        if certs.is_empty() {
            return Err(ChainError::Empty);
        }
        if certs.len() > Self::MAX_LEN {
            return Err(ChainError::TooLong {
                count: certs.len(),
                max: Self::MAX_LEN,
            });
        }
        for (index, c) in certs.iter().enumerate() {
            inspect(c).map_err(|e| ChainError::Malformed {
                index,
                detail: e.to_string(),
            })?;
        }
        Ok(Chain(certs))
    }

    /// [`Chain::new`] from raw DER byte strings.
    pub fn from_der_list(ders: Vec<Vec<u8>>) -> Result<Chain, ChainError> {
        Chain::new(ders.into_iter().map(CertificateDer::from).collect())
    }

    /// PEM text, one `CERTIFICATE` block per certificate, leaf first.
    pub fn to_pem(&self) -> String {
        self.0
            .iter()
            .map(|c| pem::encode("CERTIFICATE", c))
            .collect()
    }

    /// Reads PEM text written by [`Chain::to_pem`] (blocks of other kinds are ignored).
    pub fn from_pem(text: &str) -> Result<Chain, ChainError> {
        if text.len() > MAX_PEM_LEN {
            return Err(ChainError::GarbledPem(format!(
                "{} bytes is far too long",
                text.len()
            )));
        }
        let mut certs = Vec::new();
        for item in CertificateDer::pem_slice_iter(text.as_bytes()) {
            match item {
                Ok(c) => certs.push(c),
                Err(e) => {
                    return Err(match PemProblem::from_pem_error(e) {
                        PemProblem::NoBlock => ChainError::NotPem,
                        PemProblem::Truncated => ChainError::TruncatedPem,
                        PemProblem::Garbled(d) => ChainError::GarbledPem(d),
                    })
                }
            }
            if certs.len() > Self::MAX_LEN {
                return Err(ChainError::TooLong {
                    count: certs.len(),
                    max: Self::MAX_LEN,
                });
            }
        }
        if certs.is_empty() {
            return Err(ChainError::NotPem);
        }
        Chain::new(certs)
    }

    /// The site's own certificate.
    pub fn leaf(&self) -> &CertificateDer<'static> {
        // Non-empty by construction.
        &self.0[0]
    }

    /// The last certificate (the self-signed root in a complete chain).
    pub fn root(&self) -> &CertificateDer<'static> {
        // Non-empty by construction.
        &self.0[self.0.len() - 1]
    }

    /// All certificates, leaf first.
    pub fn der_list(&self) -> &[CertificateDer<'static>] {
        &self.0
    }

    pub fn into_der_list(self) -> Vec<CertificateDer<'static>> {
        self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a chain is never empty. Present for API symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// notAfter of the leaf in unix seconds (0 if unreadable, which `Chain::new` rules out).
    pub fn leaf_not_after(&self) -> u64 {
        inspect(self.leaf()).map(|i| i.not_after_u()).unwrap_or(0)
    }

    /// The leaf's claims, checked against the official registry. Does not verify the chain.
    pub fn leaf_claims(&self) -> Result<SiteClaims, ChainError> {
        let info = self.info(0)?;
        let claims = info
            .claims
            .map_err(|source| ChainError::Claims { index: 0, source })?;
        claims
            .check_registry()
            .map_err(|source| ChainError::Claims { index: 0, source })?;
        Ok(claims)
    }

    /// The site code and Ed25519 key of every certificate in the chain whose claims decode:
    /// e.g. a commune's chain names its own key, its province's and central's. Use only on a
    /// chain that `verify_chain` accepted.
    pub fn site_keys(&self) -> Vec<(String, [u8; 32])> {
        (0..self.len())
            .filter_map(|i| self.info(i).ok())
            .filter_map(|info| info.claims.ok().map(|c| (c.site, info.public_key)))
            .collect()
    }

    /// [`Chain::site_keys`] with each certificate's notBefore (unix seconds): which of two
    /// valid certificates of one site is the newer.
    pub fn site_certs(&self) -> Vec<SiteCert> {
        (0..self.len())
            .filter_map(|i| self.info(i).ok())
            .filter_map(|info| {
                let not_before = info.not_before_u();
                info.claims.ok().map(|c| SiteCert {
                    site: c.site,
                    key: info.public_key,
                    not_before,
                })
            })
            .collect()
    }

    pub(crate) fn info(&self, index: usize) -> Result<CertInfo, ChainError> {
        let der = self.0.get(index).ok_or(ChainError::Empty)?;
        inspect(der).map_err(|e| ChainError::Malformed {
            index,
            detail: e.to_string(),
        })
    }
}

/// One certificate of a chain, as far as event signatures care: whose key it is, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteCert {
    pub site: String,
    pub key: [u8; 32],
    /// notBefore in unix seconds.
    pub not_before: u64,
}
