//! tiepdan-keys: who a site is and how other sites can be sure of it.
//!
//! Owns the site identity key ([`identity`], [`keyfile`]), the signed site claims carried in
//! certificates ([`claims`]), the federation certificate chain — creation, requests, issuance and
//! THE chain verification every link goes through ([`cert`]) — signed revocations
//! ([`revocation`]) and the rustls configuration and verifiers of federation links ([`tls`]).
//!
//! The trust model is the official hierarchy of `tiepdan_protocol::sites`: central (`VN`) runs the
//! root CA and certifies the 34 provinces as name-constrained sub-CAs; each province certifies
//! only its own communes. A peer is accepted only when its whole chain agrees with the official
//! registry, so a province cannot vouch for a commune of another province.
//!
//! No networking happens here, and no verification function reads the clock: callers pass `now`
//! as unix seconds. Only [`SiteKey::generate`] uses operating-system randomness.

pub mod cert;
pub mod claims;
pub mod identity;
pub mod keyfile;
mod pem;
pub mod revocation;
pub mod sealed;
mod timefmt;
pub mod tls;

pub use cert::{
    cert_fingerprint, install_check, issue, make_own_leaf, make_request, make_root, parse_request,
    verify_chain, Authority, CertRequest, Chain, ChainError, IssueError, RequestError,
    VerifiedSite,
};
pub use claims::{ClaimsError, SiteClaims, CLAIMS_OID};
pub use identity::{peer_id_from_public, verify_signature, KeyError, SiteKey};
pub use keyfile::KeyFileError;
pub use revocation::{
    verify_revocation, Revocation, RevocationError, RevocationList, SignedRevocation,
};
pub use tls::{
    client_config, peer_site, refusal_reason, server_config, FederationVerifier, RefusalCallback,
    TlsError, ALPN,
};
