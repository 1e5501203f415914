//! The federation certificate chain: creating it, requesting and issuing certificates, and
//! verifying chains.
//!
//! Shape of the federation PKI (all keys Ed25519, all certificates carry [`crate::SiteClaims`]):
//!
//! ```text
//! root "tiepdan root VN" (self-signed CA, central's key)
//! ├── central's own leaf  vn.tiepdan.internal              TLS chain [leaf_VN, root]
//! └── province CA p01.tiepdan.internal (pathlen 0, name constraint p01.tiepdan.internal)
//!     ├── province's own leaf p01.tiepdan.internal         TLS chain [leaf_01, ca_01, root]
//!     └── commune leaf s00070.p01.tiepdan.internal         TLS chain [leaf_00070, ca_01, root]
//! ```
//!
//! Central and provinces need an "own leaf" signed by their own CA key because webpki refuses a
//! CA certificate used as an end entity.
//!
//! Submodules: [`chain`] (the `Chain` type and PEM), [`request`] (PKCS#10 requests),
//! `make` (building certificates: the root and own leaves), [`issue`](mod@issue) (issuance by an
//! authority), [`verify`] (THE chain verification), `inspect` (reading fields with
//! x509-parser).
//!
//! Imports run one way: `issue` uses `verify` and `make`, `verify` uses `make`, `make` uses
//! neither. Issuance checks the authority's own chain with `verify`, and the installation check
//! in `verify` signs a throw-away own leaf, so building certificates lives in `make`.

pub mod chain;
mod inspect;
pub mod issue;
mod make;
pub mod request;
pub mod verify;

pub use chain::{Chain, ChainError, SiteCert};
pub use issue::{danger_issue, issue, Authority};
pub use make::{make_own_leaf, make_root, IssueError};
pub use request::{make_request, parse_request, CertRequest, RequestError};
pub use verify::{
    chain_fingerprint, install_check, verify_chain, ChainCache, VerifiedSite, CHAIN_CACHE_MAX,
};

/// A short fingerprint of a certificate for humans and logs: the first 16 hex characters of
/// the BLAKE3 hash of its DER.
pub fn cert_fingerprint(der: &[u8]) -> String {
    let mut hex = blake3::hash(der).to_hex().to_string();
    hex.truncate(16);
    hex
}
