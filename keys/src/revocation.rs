//! Revocations: a signed statement "every certificate of site S issued until time T is
//! revoked", made by S's parent or by central, spread between sites exactly as received.
//!
//! Wire format (CBOR): [`SignedRevocation`] `{ body, signature, issuer_chain }` where `body` is
//! the canonical CBOR of [`Revocation`] and `signature` is the Ed25519 signature, by the
//! issuer's TLS leaf key, of `"tiepdan revocation v1\0" || body` (the prefix keeps these
//! signatures apart from the TLS and certificate signatures made with the same key).
//! `issuer_chain` is the issuer's TLS chain (leaf first) as DER.
//!
//! The issuer chain is verified at the revocation time (`revoked_at`), not at the time the record
//! is received, so a record stays valid after the issuer renews its certificate. `revoked_at`
//! may not lie in the future. A certificate re-issued after `revoked_at` is unaffected.

use rustls::pki_types::CertificateDer;
use serde::{Deserialize, Serialize};
use tiepdan_protocol::sites::{Registry, CENTRAL_CODE};

use crate::cert::{verify_chain, Chain, ChainError};
use crate::identity::{verify_signature, SiteKey};
use crate::timefmt::utc_u;
pub use tiepdan_protocol::revocation::{Revocation, RevocationList, VERSION};

/// Domain separation prefix of the revocation signature.
pub const SIGNATURE_CONTEXT: &[u8] = b"tiepdan revocation v1\0";
/// A record is a few kilobytes (mostly the issuer chain).
pub const MAX_RECORD_LEN: usize = 32 * 1024;
/// Clock difference tolerated between the issuer and us, in seconds.
pub const MAX_CLOCK_SKEW: u64 = 300;

/// The record as sent between sites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedRevocation {
    #[serde(with = "serde_bytes")]
    pub body: Vec<u8>,
    #[serde(with = "serde_bytes")]
    pub signature: Vec<u8>,
    #[serde(with = "bytes_list")]
    pub issuer_chain: Vec<Vec<u8>>,
}

/// `Vec<Vec<u8>>` as a CBOR array of byte strings.
mod bytes_list {
    use serde::{Deserialize, Deserializer, Serializer};
    use serde_bytes::{ByteBuf, Bytes};

    pub fn serialize<S: Serializer>(v: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|b| Bytes::new(b)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        Ok(Vec::<ByteBuf>::deserialize(d)?
            .into_iter()
            .map(ByteBuf::into_vec)
            .collect())
    }
}

/// Why a revocation could not be made or was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevocationError {
    #[error("revocation record is {0} bytes long, more than the {MAX_RECORD_LEN} allowed: not a tiepdan revocation")]
    TooLarge(usize),
    #[error("revocation record is garbled ({0}): it was corrupted or is not a tiepdan revocation")]
    Garbled(String),
    #[error("revocation record has version {0}, this node understands version {VERSION}: upgrade the node")]
    UnsupportedVersion(u8),
    #[error("site code {0:?} is not in the official list of sites")]
    UnknownSite(String),
    #[error("central ({CENTRAL_CODE}) cannot be revoked; a compromised root means a new federation root")]
    CannotRevokeCentral,
    #[error(
        "site {issuer} has no authority to revoke site {site}: only its parent or central may"
    )]
    NoAuthority { issuer: String, site: String },
    #[error("the revocation's issuer chain is refused: {0}")]
    IssuerChain(ChainError),
    #[error("the revocation names {claimed} as issuer but was signed with the certificate of {actual}: forged record")]
    IssuerMismatch { claimed: String, actual: String },
    #[error("the revocation's signature is invalid: the record was altered or forged")]
    BadSignature,
    #[error("the revocation is dated {} but now is {}: check the clocks of this machine and of the issuing site", utc_u(*revoked_at), utc_u(*now))]
    FromTheFuture { revoked_at: u64, now: u64 },
    #[error("the key does not belong to the given issuer chain (site {site}): sign revocations with the key of the chain's leaf certificate")]
    KeyMismatch { site: String },
}

impl RevocationError {
    /// A stable label for metrics and logs.
    pub fn reason(&self) -> &'static str {
        match self {
            RevocationError::TooLarge(_) => "too_large",
            RevocationError::Garbled(_) => "garbled",
            RevocationError::UnsupportedVersion(_) => "unsupported_version",
            RevocationError::UnknownSite(_) => "unknown_site",
            RevocationError::CannotRevokeCentral => "cannot_revoke_central",
            RevocationError::NoAuthority { .. } => "no_authority",
            RevocationError::IssuerChain(e) if e.reason() == "revoked" => "issuer_revoked",
            RevocationError::IssuerChain(_) => "issuer_chain",
            RevocationError::IssuerMismatch { .. } => "issuer_mismatch",
            RevocationError::BadSignature => "bad_signature",
            RevocationError::FromTheFuture { .. } => "from_the_future",
            RevocationError::KeyMismatch { .. } => "key_mismatch",
        }
    }
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Encoding plain structs into a Vec only fails if allocation fails.
    cbor4ii::serde::to_vec(Vec::new(), value).expect("CBOR encoding into memory cannot fail")
}

fn has_authority(issuer: &str, site: &str) -> Result<(), RevocationError> {
    let registry = Registry::official();
    let target = registry
        .get(site)
        .map_err(|_| RevocationError::UnknownSite(site.to_owned()))?;
    if target.code == CENTRAL_CODE {
        return Err(RevocationError::CannotRevokeCentral);
    }
    if issuer == CENTRAL_CODE || target.parent.as_deref() == Some(issuer) {
        Ok(())
    } else {
        Err(RevocationError::NoAuthority {
            issuer: issuer.to_owned(),
            site: site.to_owned(),
        })
    }
}

/// Makes a signed revocation of every certificate of `site` issued until `now`.
/// `authority_chain` is the issuer's TLS chain (leaf first, e.g. from `make_own_leaf`) whose
/// leaf carries `authority_key`; the issuer must be `site`'s parent or central.
pub fn create(
    authority_key: &SiteKey,
    authority_chain: &Chain,
    site: &str,
    now: u64,
) -> Result<Vec<u8>, RevocationError> {
    // The chain must be one receivers will accept: a TLS chain (own leaf first) to its root.
    let issuer = verify_chain(
        authority_chain.root(),
        authority_chain.der_list(),
        now,
        &RevocationList::new(),
    )
    .map_err(RevocationError::IssuerChain)?;
    if issuer.public_key != authority_key.public_bytes() {
        return Err(RevocationError::KeyMismatch { site: issuer.site });
    }
    has_authority(&issuer.site, site)?;
    let body = encode(&Revocation {
        v: VERSION,
        site: site.to_owned(),
        revoked_at: now,
        issuer_site: issuer.site,
    });
    let mut signed = SIGNATURE_CONTEXT.to_vec();
    signed.extend_from_slice(&body);
    let record = SignedRevocation {
        signature: authority_key.sign(&signed).to_vec(),
        body,
        issuer_chain: authority_chain
            .der_list()
            .iter()
            .map(|c| c.as_ref().to_vec())
            .collect(),
    };
    Ok(encode(&record))
}

/// Verifies a revocation record against the federation `root`: issuer chain (at `revoked_at`),
/// signature, and the issuer's authority over the site. Issuers are not checked against a
/// revocation list; see [`verify_revocation_with`].
pub fn verify_revocation(
    root: &CertificateDer<'_>,
    bytes: &[u8],
    now: u64,
) -> Result<Revocation, RevocationError> {
    verify_revocation_with(root, bytes, now, &RevocationList::new())
}

/// [`verify_revocation`], also refusing records whose issuer is itself revoked in `known` as of
/// the record's own date: a record dated before its issuer's revocation stays valid (it was
/// made while the issuer held authority), one dated at or after it is refused.
pub fn verify_revocation_with(
    root: &CertificateDer<'_>,
    bytes: &[u8],
    now: u64,
    known: &RevocationList,
) -> Result<Revocation, RevocationError> {
    if bytes.len() > MAX_RECORD_LEN {
        return Err(RevocationError::TooLarge(bytes.len()));
    }
    let record: SignedRevocation =
        cbor4ii::serde::from_slice(bytes).map_err(|e| RevocationError::Garbled(e.to_string()))?;
    let rev: Revocation = cbor4ii::serde::from_slice(&record.body)
        .map_err(|e| RevocationError::Garbled(e.to_string()))?;
    if rev.v != VERSION {
        return Err(RevocationError::UnsupportedVersion(rev.v));
    }
    if encode(&rev) != record.body {
        return Err(RevocationError::Garbled(
            "body is not in canonical encoding".into(),
        ));
    }
    if rev.revoked_at > now.saturating_add(MAX_CLOCK_SKEW) {
        return Err(RevocationError::FromTheFuture {
            revoked_at: rev.revoked_at,
            now,
        });
    }
    has_authority(&rev.issuer_site, &rev.site)?;
    let chain: Vec<CertificateDer<'_>> = record
        .issuer_chain
        .iter()
        .map(|c| CertificateDer::from(c.as_slice()))
        .collect();
    let issuer = verify_chain(root, &chain, rev.revoked_at, &known.as_of(rev.revoked_at))
        .map_err(RevocationError::IssuerChain)?;
    if issuer.site != rev.issuer_site {
        return Err(RevocationError::IssuerMismatch {
            claimed: rev.issuer_site.clone(),
            actual: issuer.site,
        });
    }
    let mut signed = SIGNATURE_CONTEXT.to_vec();
    signed.extend_from_slice(&record.body);
    if !verify_signature(&issuer.public_key, &signed, &record.signature) {
        return Err(RevocationError::BadSignature);
    }
    Ok(rev)
}

/// Verifies `bytes` (refusing issuers revoked in `list`) and inserts it into `list`. `Ok(true)`
/// when it was new or newer.
pub fn accept(
    list: &mut RevocationList,
    root: &CertificateDer<'_>,
    bytes: &[u8],
    now: u64,
) -> Result<bool, RevocationError> {
    let rev = verify_revocation_with(root, bytes, now, list)?;
    Ok(list.insert(rev, bytes.to_vec()))
}
