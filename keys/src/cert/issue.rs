//! Issuance by an [`Authority`] ([`issue`]): central certifies provinces as name-constrained
//! sub-CAs, a province certifies its communes. The certificates are built by `make`, which
//! also makes the root and the own leaves; [`make_root`], [`make_own_leaf`] and [`IssueError`]
//! are re-exported here, where they have always been reachable.

use rcgen::Issuer;
use tiepdan_protocol::sites::{Level, Registry, CENTRAL_CODE};

use super::chain::Chain;
use super::make::{base_params, ca_params, leaf_params, prepend, rcgen_err, serial, Ed25519Public};
use super::request::CertRequest;
use super::verify::install_check;
use crate::claims::SiteClaims;
use crate::identity::{peer_id_from_public, SiteKey};

pub use super::make::{make_own_leaf, make_root, IssueError, MAX_DAYS};

/// A certifying site: central (chain `[root]`) or a province (chain `[ca, root]`), with its key.
#[derive(Debug, Clone)]
pub struct Authority {
    key: SiteKey,
    chain: Chain,
    site: String,
}

impl Authority {
    /// Checks `ca_chain` verifies to its root at `now`, that its first certificate is a CA
    /// certificate for `key`, and that the site is central or a province.
    pub fn new(key: SiteKey, ca_chain: Chain, now: u64) -> Result<Authority, IssueError> {
        let first = ca_chain.info(0)?;
        if !first.is_ca {
            return Err(IssueError::NotCa);
        }
        let verified = install_check(&key, None, &ca_chain, now)?;
        if verified.level == Level::Commune {
            return Err(IssueError::NotAnAuthority {
                site: verified.site,
            });
        }
        Ok(Authority {
            key,
            chain: ca_chain,
            site: verified.site,
        })
    }

    pub fn site(&self) -> &str {
        &self.site
    }
    pub fn key(&self) -> &SiteKey {
        &self.key
    }
    /// The CA chain (`[root]` or `[ca, root]`).
    pub fn chain(&self) -> &Chain {
        &self.chain
    }

    /// Same as [`issue`].
    pub fn issue(&self, request: &CertRequest, days: u32, now: u64) -> Result<Chain, IssueError> {
        issue(self, request, days, now)
    }
}

/// Certifies the site of `request` (already checked by [`crate::parse_request`]).
///
/// Central certifies provinces: the result is the province's CA chain `[ca, root]`, a CA
/// limited to path length 0 and to names under `pNN.tiepdan.internal`. A province certifies
/// its own communes: the result is the commune's TLS chain `[leaf, ca, root]`. Anything else is
/// refused with [`IssueError::NotAuthorized`].
pub fn issue(
    authority: &Authority,
    request: &CertRequest,
    days: u32,
    now: u64,
) -> Result<Chain, IssueError> {
    let registry = Registry::official();
    let subject = registry.get(&request.claims.site)?;
    if !registry.may_issue(&authority.site, &subject.code) {
        let belongs = match &subject.parent {
            Some(p) => format!("{} is a {} of {p}", subject.code, subject.level),
            None => format!("{} is central", subject.code),
        };
        let rule = if authority.site == CENTRAL_CODE {
            format!("central issues certificates only to provinces, and {belongs}; communes get their certificate from their province")
        } else {
            format!("a province issues certificates only to its own communes, and {belongs}")
        };
        return Err(IssueError::NotAuthorized {
            issuer: authority.site.clone(),
            subject: subject.code.clone(),
            rule,
        });
    }
    sign_request(authority, request, days, now)
}

/// Issues without the hierarchy policy and with any validity start: what a compromised or
/// careless issuer could produce. Only for drills and tests of the verifiers — every node
/// refuses such a chain at `verify_chain` (wrong parent) or because it has expired.
#[doc(hidden)]
pub fn danger_issue(
    authority: &Authority,
    request: &CertRequest,
    days: u32,
    not_before: u64,
) -> Result<Chain, IssueError> {
    sign_request(authority, request, days, not_before)
}

fn sign_request(
    authority: &Authority,
    request: &CertRequest,
    days: u32,
    now: u64,
) -> Result<Chain, IssueError> {
    let registry = Registry::official();
    let subject = registry.get(&request.claims.site)?;
    // Rebuild the claims from the registry and the key rather than trusting the request struct.
    let peer = peer_id_from_public(&request.public_key).ok_or(IssueError::BadRequestKey)?;
    let claims = SiteClaims::for_site(&subject.code, &peer)?;
    let issuer_pk = authority.key.public_bytes();
    let role = if subject.level == Level::Province {
        "province-ca"
    } else {
        "site"
    };
    let mut p = base_params(
        match subject.level {
            Level::Province => format!("tiepdan CA {}", subject.code),
            _ => format!("tiepdan site {}", subject.code),
        },
        &claims,
        days,
        now,
        serial(&request.public_key, &issuer_pk, role, now),
    )?;
    if subject.level == Level::Province {
        ca_params(&mut p, 0, &claims.dns_name(), &request.public_key);
    } else {
        leaf_params(&mut p);
    }
    p.use_authority_key_identifier_extension = true;
    let issuer = Issuer::from_ca_cert_der(authority.chain.leaf(), authority.key.rcgen_key_pair()?)
        .map_err(rcgen_err)?;
    let cert = p
        .signed_by(&Ed25519Public(request.public_key), &issuer)
        .map_err(rcgen_err)?;
    prepend(cert.der().clone(), &authority.chain)
}
