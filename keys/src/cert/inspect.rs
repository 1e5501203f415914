//! Reading the fields this crate cares about out of one DER certificate (x509-parser): the
//! claims, the Ed25519 public key, validity, CA flag, DNS names, and whether it is validly
//! self-signed. Never panics on any input.

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;

use crate::claims::{ClaimsError, SiteClaims, CLAIMS_OID_STR};

/// Dotted OID of Ed25519 (RFC 8410).
pub(crate) const ED25519_OID: &str = "1.3.101.112";

/// What we read from one certificate. Claims are decoded but NOT yet checked against the
/// registry.
#[derive(Debug, Clone)]
pub(crate) struct CertInfo {
    pub claims: Result<SiteClaims, ClaimsError>,
    pub public_key: [u8; 32],
    pub not_before: i64,
    pub not_after: i64,
    pub is_ca: bool,
    pub dns_names: Vec<String>,
    /// True when the signature verifies with the certificate's own key.
    pub self_signed: bool,
}

impl CertInfo {
    /// notBefore as unsigned seconds (dates before 1970 count as 0).
    pub fn not_before_u(&self) -> u64 {
        u64::try_from(self.not_before).unwrap_or(0)
    }
    pub fn not_after_u(&self) -> u64 {
        u64::try_from(self.not_after).unwrap_or(0)
    }
}

/// Why a certificate could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum InspectError {
    /// Not DER, truncated, or trailing bytes.
    Der(String),
    /// Not an Ed25519 key or signature.
    NotEd25519,
}

impl std::fmt::Display for InspectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InspectError::Der(e) => write!(f, "not a valid DER X.509 certificate ({e})"),
            InspectError::NotEd25519 => f.write_str(
                "its key or signature is not Ed25519, which every tiepdan certificate uses",
            ),
        }
    }
}

pub(crate) fn inspect(der: &[u8]) -> Result<CertInfo, InspectError> {
    let (rest, x509) =
        X509Certificate::from_der(der).map_err(|e| InspectError::Der(e.to_string()))?;
    if !rest.is_empty() {
        return Err(InspectError::Der(format!("{} trailing bytes", rest.len())));
    }
    let spki = x509.public_key();
    if spki.algorithm.algorithm.to_id_string() != ED25519_OID
        || x509.signature_algorithm.algorithm.to_id_string() != ED25519_OID
    {
        return Err(InspectError::NotEd25519);
    }
    let public_key: [u8; 32] = spki
        .subject_public_key
        .data
        .as_ref()
        .try_into()
        .map_err(|_| InspectError::NotEd25519)?;
    // Only a certificate that names itself as its issuer can be self-signed (RFC 5280 §3.2):
    // the signature check, a full Ed25519 verification, is spent on those alone.
    let self_signed = x509.issuer().as_raw() == x509.subject().as_raw()
        && crate::identity::verify_signature(
            &public_key,
            x509.tbs_certificate.as_ref(),
            x509.signature_value.data.as_ref(),
        );

    let mut claims = Err(ClaimsError::Missing);
    let mut dns_names = Vec::new();
    for ext in x509.extensions() {
        if ext.oid.to_id_string() == CLAIMS_OID_STR {
            claims = match claims {
                Err(ClaimsError::Missing) => SiteClaims::from_extension_value(ext.value),
                _ => Err(ClaimsError::Duplicate),
            };
        }
        if let ParsedExtension::SubjectAlternativeName(san) = ext.parsed_extension() {
            for name in &san.general_names {
                if let GeneralName::DNSName(n) = name {
                    dns_names.push((*n).to_owned());
                }
            }
        }
    }
    let validity = x509.validity();
    Ok(CertInfo {
        claims,
        public_key,
        not_before: validity.not_before.timestamp(),
        not_after: validity.not_after.timestamp(),
        is_ca: x509.is_ca(),
        dns_names,
        self_signed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(inspect(&[]).is_err());
        assert!(inspect(&[0x30, 0x82, 0xff, 0xff]).is_err());
        assert!(inspect(b"hello world").is_err());
    }
}
