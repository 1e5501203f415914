//! Certificate requests (PKCS#10, PEM "CERTIFICATE REQUEST"): a site makes one with
//! [`make_request`] and hands it to its authority, which reads it with [`parse_request`].
//!
//! `parse_request` reads text from outside (a file an operator copied, an upload), so it is a
//! fuzz target: it never panics, and every way a request can be wrong has its own
//! [`RequestError`] variant.

use rcgen::{CertificateParams, DistinguishedName, DnType};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateSigningRequestDer;
use tiepdan_protocol::sites::{Level, Registry};
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::cri_attributes::ParsedCriAttribute;
use x509_parser::prelude::FromDer;

use super::inspect::ED25519_OID;
use crate::claims::{ClaimsError, SiteClaims, CLAIMS_OID_STR};
use crate::identity::{peer_id_from_public, verify_signature, KeyError, SiteKey};
use crate::pem::{self, PemProblem};

/// A request is well under 1 KiB; refuse big inputs before parsing.
const MAX_REQUEST_LEN: usize = 64 * 1024;

/// A parsed, self-signature-checked request whose claims agree with the official registry and
/// with its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertRequest {
    pub claims: SiteClaims,
    /// The Ed25519 public key to certify.
    pub public_key: [u8; 32],
    /// The request as PEM (re-encoded from its DER).
    pub pem: String,
}

/// Why a certificate request was refused (or could not be made).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("site code {0:?} is not in the official list of sites: use the 2-digit code of a province or the 5-digit code of a commune")]
    UnknownSite(String),
    #[error("central ({0}) does not request a certificate: it makes its own root certificate")]
    CentralDoesNotRequest(String),
    #[error("the certificate request is {0} bytes long, far more than a real request: this is not a tiepdan request file")]
    TooLarge(usize),
    #[error("no PEM `CERTIFICATE REQUEST` block found: send the request file produced by the site, starting with -----BEGIN CERTIFICATE REQUEST-----")]
    NotPem,
    #[error("the certificate request PEM is cut off (a BEGIN line has no matching END line): copy the whole request again")]
    TruncatedPem,
    #[error(
        "the certificate request PEM is garbled ({0}): copy the request again without editing it"
    )]
    GarbledPem(String),
    #[error("the certificate request is truncated (its content ends early): copy the whole request again")]
    TruncatedDer,
    #[error("the certificate request is not a valid PKCS#10 request ({0}): ask the site for a new request")]
    MalformedDer(String),
    #[error("the certificate request does not use an Ed25519 key, which every tiepdan site key is: make the request with the tiepdan node")]
    NotEd25519,
    #[error("the certificate request's signature is invalid: it was altered after being made, or corrupted in transit. Ask the site for a new request")]
    BadSignature,
    #[error("the certificate request carries no tiepdan site claims (extension {CLAIMS_OID_STR}): make the request with the tiepdan node")]
    MissingClaims,
    #[error("the certificate request's site claims are refused: {0}")]
    Claims(ClaimsError),
    #[error("the certificate request claims peer id {claimed} but was made with the key of peer id {actual}: forged or corrupted request")]
    PeerIdMismatch { claimed: String, actual: String },
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("the certificate library refused to build the request: {0}; this is a bug in tiepdan-keys, please report it")]
    Rcgen(String),
}

/// A PEM certificate request for `site_code` (a province or commune), signed by `key`, carrying
/// the site's claims and DNS name.
pub fn make_request(key: &SiteKey, site_code: &str) -> Result<String, RequestError> {
    let site = Registry::official()
        .get(site_code)
        .map_err(|_| RequestError::UnknownSite(site_code.to_owned()))?;
    if site.level == Level::Central {
        return Err(RequestError::CentralDoesNotRequest(site.code.clone()));
    }
    let claims = SiteClaims::for_site(&site.code, &key.peer_id())
        .map_err(|_| RequestError::UnknownSite(site_code.to_owned()))?;
    let rcgen_err = |e: rcgen::Error| RequestError::Rcgen(e.to_string());
    let mut params = CertificateParams::new(vec![claims.dns_name()]).map_err(rcgen_err)?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "tiepdan");
    dn.push(DnType::CommonName, format!("tiepdan site {}", site.code));
    params.distinguished_name = dn;
    params.custom_extensions = vec![claims.to_rcgen_extension()];
    let csr = params
        .serialize_request(&key.rcgen_key_pair()?)
        .map_err(rcgen_err)?;
    Ok(pem::encode("CERTIFICATE REQUEST", csr.der()))
}

/// Reads and checks a PEM certificate request: PKCS#10 structure, Ed25519 self-signature over
/// the request info, claims present and agreeing with the official registry, and the claimed
/// PeerId being the PeerId of the request's key. Never panics.
pub fn parse_request(pem_text: &str) -> Result<CertRequest, RequestError> {
    if pem_text.len() > MAX_REQUEST_LEN {
        return Err(RequestError::TooLarge(pem_text.len()));
    }
    let der = CertificateSigningRequestDer::from_pem_slice(pem_text.as_bytes()).map_err(|e| {
        match PemProblem::from_pem_error(e) {
            PemProblem::NoBlock => RequestError::NotPem,
            PemProblem::Truncated => RequestError::TruncatedPem,
            PemProblem::Garbled(d) => RequestError::GarbledPem(d),
        }
    })?;
    parse_request_der(der.as_ref())
}

fn parse_request_der(der: &[u8]) -> Result<CertRequest, RequestError> {
    if declared_der_len(der).is_some_and(|n| n > der.len()) {
        return Err(RequestError::TruncatedDer);
    }
    let (rest, csr) = X509CertificationRequest::from_der(der).map_err(|e| match e {
        x509_parser::nom::Err::Incomplete(_) => RequestError::TruncatedDer,
        other => RequestError::MalformedDer(other.to_string()),
    })?;
    if !rest.is_empty() {
        return Err(RequestError::MalformedDer(format!(
            "{} bytes after the request",
            rest.len()
        )));
    }
    let info = &csr.certification_request_info;
    if info.subject_pki.algorithm.algorithm.to_id_string() != ED25519_OID
        || csr.signature_algorithm.algorithm.to_id_string() != ED25519_OID
    {
        return Err(RequestError::NotEd25519);
    }
    let public_key: [u8; 32] = info
        .subject_pki
        .subject_public_key
        .data
        .as_ref()
        .try_into()
        .map_err(|_| RequestError::NotEd25519)?;
    if !verify_signature(&public_key, info.raw, csr.signature_value.data.as_ref()) {
        return Err(RequestError::BadSignature);
    }

    let mut claims_value = None;
    for attr in info.iter_attributes() {
        if let ParsedCriAttribute::ExtensionRequest(req) = attr.parsed_attribute() {
            for ext in &req.extensions {
                if ext.oid.to_id_string() == CLAIMS_OID_STR {
                    if claims_value.is_some() {
                        return Err(RequestError::Claims(ClaimsError::Duplicate));
                    }
                    claims_value = Some(ext.value);
                }
            }
        }
    }
    let claims = SiteClaims::from_extension_value(claims_value.ok_or(RequestError::MissingClaims)?)
        .map_err(RequestError::Claims)?;
    claims.check_registry().map_err(|e| match e {
        ClaimsError::UnknownSite(code) => RequestError::UnknownSite(code),
        other => RequestError::Claims(other),
    })?;
    let claimed = claims.peer_id().map_err(RequestError::Claims)?;
    let actual = peer_id_from_public(&public_key).ok_or(RequestError::NotEd25519)?;
    if claimed != actual {
        return Err(RequestError::PeerIdMismatch {
            claimed: claimed.to_string(),
            actual: actual.to_string(),
        });
    }
    Ok(CertRequest {
        claims,
        public_key,
        pem: pem::encode("CERTIFICATE REQUEST", der),
    })
}

/// Total length (header included) the outer DER SEQUENCE header announces, if readable.
fn declared_der_len(der: &[u8]) -> Option<usize> {
    if *der.first()? != 0x30 {
        return None;
    }
    let first = *der.get(1)?;
    if first < 0x80 {
        return Some(2 + usize::from(first));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 4 {
        return None;
    }
    let mut len = 0usize;
    for i in 0..n {
        len = (len << 8) | usize::from(*der.get(2 + i)?);
    }
    Some(2 + n + len)
}
