//! Making certificates: what every tiepdan certificate shares, and the two a site makes with
//! its own key — central's self-signed root ([`make_root`]) and the "own leaf" central and
//! provinces use for TLS ([`make_own_leaf`]).
//!
//! Subject names: `O=tiepdan, CN=tiepdan root VN` / `CN=tiepdan CA 01` / `CN=tiepdan site 00070`;
//! CA names also carry `OU=key <first 16 hex of BLAKE3(public key)>`.
//!
//! Validity is always `notBefore = now`, `notAfter = now + days`. Serial numbers are derived
//! from the subject key, issuer key, role and time, so issuance needs no randomness.
//!
//! Both `issue` (certifying another site) and `verify` (the installation check signs a
//! throw-away own leaf) build on this module; it depends on neither.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
    GeneralSubtree, IsCa, Issuer, KeyUsagePurpose, NameConstraints, SerialNumber,
};
use rustls::pki_types::CertificateDer;
use tiepdan_protocol::sites::{SiteError, CENTRAL_CODE};
use time::OffsetDateTime;

use super::chain::{Chain, ChainError};
use crate::claims::{SiteClaims, DNS_SUFFIX};
use crate::identity::{KeyError, SiteKey};

/// Longest validity accepted, in days (about 100 years).
pub const MAX_DAYS: u32 = 36_500;

/// Why a certificate could not be made.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error(transparent)]
    UnknownSite(#[from] SiteError),
    #[error("site {issuer} may not issue a certificate for site {subject}: {rule}")]
    NotAuthorized {
        issuer: String,
        subject: String,
        rule: String,
    },
    #[error("site {site} is a commune; only central and provinces issue certificates")]
    NotAnAuthority { site: String },
    #[error("the authority chain starts with a site (leaf) certificate; pass the authority's CA chain instead ([root] for central, [province CA, root] for a province)")]
    NotCa,
    #[error("the key does not belong to the authority certificate of site {site}: use the key file this authority's certificate was made for")]
    KeyMismatch { site: String },
    #[error("the certificate request's public key is not a valid Ed25519 key: ask the site for a new request")]
    BadRequestKey,
    #[error("invalid validity of {days} days starting at unix time {now}: use between 1 and {MAX_DAYS} days")]
    BadValidity { days: u32, now: u64 },
    #[error("the authority chain is not usable: {0}")]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("the certificate library refused to build the certificate: {0}; this is a bug in tiepdan-keys, please report it")]
    Rcgen(String),
}

pub(super) fn rcgen_err(e: rcgen::Error) -> IssueError {
    IssueError::Rcgen(e.to_string())
}

/// An Ed25519 public key as rcgen wants it for the subject of a certificate.
pub(super) struct Ed25519Public(pub(super) [u8; 32]);

impl rcgen::PublicKeyData for Ed25519Public {
    fn der_bytes(&self) -> &[u8] {
        &self.0
    }
    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ED25519
    }
}

fn validity(days: u32, now: u64) -> Result<(OffsetDateTime, OffsetDateTime), IssueError> {
    let bad = || IssueError::BadValidity { days, now };
    if days == 0 || days > MAX_DAYS {
        return Err(bad());
    }
    let start = i64::try_from(now).map_err(|_| bad())?;
    let end = start
        .checked_add(i64::from(days) * 86_400)
        .ok_or_else(bad)?;
    Ok((
        OffsetDateTime::from_unix_timestamp(start).map_err(|_| bad())?,
        OffsetDateTime::from_unix_timestamp(end).map_err(|_| bad())?,
    ))
}

/// Deterministic positive 16-byte serial, unique per (subject key, issuer key, role, time).
pub(super) fn serial(subject: &[u8; 32], issuer: &[u8; 32], role: &str, now: u64) -> SerialNumber {
    let mut h = blake3::Hasher::new();
    h.update(b"tiepdan serial v1\0");
    h.update(subject);
    h.update(issuer);
    h.update(role.as_bytes());
    h.update(&now.to_be_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&h.finalize().as_bytes()[..16]);
    // Positive and without a leading zero byte.
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    SerialNumber::from_slice(&bytes)
}

/// Parameters shared by every certificate we make.
pub(super) fn base_params(
    common_name: String,
    claims: &SiteClaims,
    days: u32,
    now: u64,
    serial_number: SerialNumber,
) -> Result<CertificateParams, IssueError> {
    let (not_before, not_after) = validity(days, now)?;
    let mut p = CertificateParams::new(vec![claims.dns_name()]).map_err(rcgen_err)?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "tiepdan");
    dn.push(DnType::CommonName, common_name);
    p.distinguished_name = dn;
    p.not_before = not_before;
    p.not_after = not_after;
    p.serial_number = Some(serial_number);
    p.custom_extensions = vec![claims.to_rcgen_extension()];
    Ok(p)
}

pub(super) fn leaf_params(p: &mut CertificateParams) {
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    p.use_authority_key_identifier_extension = true;
}

/// `subject_key` is the CA's own public key: its id goes into the subject name, so that CAs of
/// different keys (another federation, a re-keyed province) never share a name and chains
/// from them fail path building as "unknown issuer" instead of as a bad signature.
pub(super) fn ca_params(
    p: &mut CertificateParams,
    path_len: u8,
    permitted_dns: &str,
    subject_key: &[u8; 32],
) {
    let mut key_id = blake3::hash(subject_key).to_hex().to_string();
    key_id.truncate(16);
    p.distinguished_name
        .push(DnType::OrganizationalUnitName, format!("key {key_id}"));
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(path_len));
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.name_constraints = Some(NameConstraints {
        permitted_subtrees: vec![GeneralSubtree::DnsName(permitted_dns.to_owned())],
        excluded_subtrees: Vec::new(),
    });
}

/// Central's self-signed root CA ("tiepdan root VN"), valid `days` from `now`. It may only
/// certify names under `tiepdan.internal`, one level of sub-CAs deep.
pub fn make_root(key: &SiteKey, days: u32, now: u64) -> Result<Chain, IssueError> {
    let claims = SiteClaims::for_site(CENTRAL_CODE, &key.peer_id())?;
    let pk = key.public_bytes();
    let mut p = base_params(
        format!("tiepdan root {CENTRAL_CODE}"),
        &claims,
        days,
        now,
        serial(&pk, &pk, "root", now),
    )?;
    ca_params(&mut p, 1, DNS_SUFFIX, &pk);
    let cert = p.self_signed(&key.rcgen_key_pair()?).map_err(rcgen_err)?;
    Ok(Chain::new(vec![cert.der().clone()])?)
}

/// The leaf central or a province uses for TLS, signed by its own CA certificate (first of
/// `ca_chain`, which must carry `key`). Returns `[leaf, ca_chain…]`.
pub fn make_own_leaf(
    key: &SiteKey,
    ca_chain: &Chain,
    days: u32,
    now: u64,
) -> Result<Chain, IssueError> {
    let ca = ca_chain.info(0)?;
    let ca_claims = ca
        .claims
        .clone()
        .map_err(|source| ChainError::Claims { index: 0, source })?;
    if !ca.is_ca {
        return Err(IssueError::NotCa);
    }
    if ca.public_key != key.public_bytes() {
        return Err(IssueError::KeyMismatch {
            site: ca_claims.site,
        });
    }
    let claims = SiteClaims::for_site(&ca_claims.site, &key.peer_id())?;
    let pk = key.public_bytes();
    let mut p = base_params(
        format!("tiepdan site {}", claims.site),
        &claims,
        days,
        now,
        serial(&pk, &pk, "own-leaf", now),
    )?;
    leaf_params(&mut p);
    let issuer =
        Issuer::from_ca_cert_der(ca_chain.leaf(), key.rcgen_key_pair()?).map_err(rcgen_err)?;
    let cert = p
        .signed_by(&Ed25519Public(pk), &issuer)
        .map_err(rcgen_err)?;
    prepend(cert.der().clone(), ca_chain)
}

pub(super) fn prepend(first: CertificateDer<'static>, rest: &Chain) -> Result<Chain, IssueError> {
    let mut certs = vec![first];
    certs.extend(rest.der_list().iter().cloned());
    Ok(Chain::new(certs)?)
}
