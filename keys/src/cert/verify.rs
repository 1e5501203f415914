//! THE chain verification every federation link goes through ([`verify_chain`]), and the
//! installation-time check of a site's own chain ([`install_check`]).
//!
//! `verify_chain` = webpki path validation (signatures, validity, name constraints, CA flags,
//! EKU) against the federation root as the only trust anchor, PLUS the tiepdan rules webpki
//! knows nothing about: every certificate's claims agree with the official registry, every
//! issuer has authority over its subject (`Registry::may_issue`, or a site's own CA signing its
//! own leaf), every claimed PeerId is the PeerId of the certified key, names match, and no
//! certificate is revoked.

use std::time::Duration;

use libp2p_identity::PeerId;
use rustls::pki_types::{CertificateDer, SignatureVerificationAlgorithm, UnixTime};
use tiepdan_protocol::sites::{Level, Registry, CENTRAL_CODE};
use webpki::{EndEntityCert, KeyUsage};

use super::chain::{Chain, ChainError};
use super::inspect::{inspect, CertInfo};
use super::make::{make_own_leaf, IssueError};
use crate::claims::SiteClaims;
use crate::identity::{peer_id_from_public, SiteKey};
use crate::revocation::RevocationList;

/// Every tiepdan certificate is signed with Ed25519; nothing else is accepted in chains.
static CHAIN_ALGS: &[&dyn SignatureVerificationAlgorithm] = &[webpki::aws_lc_rs::ED25519];

/// Who is on the other end, once their chain verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSite {
    pub site: String,
    pub level: Level,
    pub parent: Option<String>,
    pub peer_id: PeerId,
    /// When this chain stops verifying: the earliest notAfter along the path, root included.
    pub not_after: u64,
    /// The leaf's Ed25519 public key.
    pub public_key: [u8; 32],
}

/// Verifies `chain` (leaf first; the root may or may not be included) against `root` at time
/// `now` (unix seconds), refusing anything revoked in `revocations`. See the module docs for
/// everything checked.
pub fn verify_chain(
    root: &CertificateDer<'_>,
    chain: &[CertificateDer<'_>],
    now: u64,
    revocations: &RevocationList,
) -> Result<VerifiedSite, ChainError> {
    verify_chain_detailed(root, chain, now, revocations).map(|v| v.site)
}

/// What [`ChainCache`] keeps of a chain that verified: enough to redo the checks that change
/// with time and with revocations.
#[derive(Debug, Clone)]
struct Verified {
    site: VerifiedSite,
    /// (site, notBefore) of every certificate of the path but the root: what step (4) reads.
    certs: Vec<(String, u64)>,
    /// The latest notBefore along the path.
    not_before: u64,
}

fn verify_chain_detailed(
    root: &CertificateDer<'_>,
    chain: &[CertificateDer<'_>],
    now: u64,
    revocations: &RevocationList,
) -> Result<Verified, ChainError> {
    let Some(leaf) = chain.first() else {
        return Err(ChainError::Empty);
    };
    if chain.len() > Chain::MAX_LEN {
        return Err(ChainError::TooLong {
            count: chain.len(),
            max: Chain::MAX_LEN,
        });
    }
    let root_info = check_root(root)?;
    if now > root_info.not_after_u() {
        return Err(ChainError::RootExpired {
            now,
            not_after: root_info.not_after_u(),
        });
    }
    if now < root_info.not_before_u() {
        return Err(ChainError::NotYetValid {
            now,
            not_before: root_info.not_before_u(),
        });
    }

    // (1) webpki: signatures, validity, name constraints, basic constraints, EKU.
    let path_ders = webpki_path(root, leaf, &chain[1..], now)?;

    // (2)+(3) claims of every certificate in the verified path, leaf first, root last.
    let mut infos: Vec<(CertInfo, SiteClaims)> = Vec::with_capacity(path_ders.len() + 1);
    for (index, der) in path_ders.iter().enumerate() {
        let info = inspect(der).map_err(|e| ChainError::Malformed {
            index,
            detail: e.to_string(),
        })?;
        let claims = checked_claims(index, &info)?;
        infos.push((info, claims));
    }
    let root_claims = checked_claims(path_ders.len(), &root_info)?;
    infos.push((root_info, root_claims));

    let registry = Registry::official();
    for i in 0..infos.len() - 1 {
        let (subject_info, subject) = &infos[i];
        let (_, issuer) = &infos[i + 1];
        let own_leaf = i == 0 && issuer.site == subject.site;
        if !own_leaf && !registry.may_issue(&issuer.site, &subject.site) {
            return Err(ChainError::WrongParent {
                issuer: issuer.site.clone(),
                subject: subject.site.clone(),
            });
        }
        let expected = subject.dns_name();
        if !subject_info
            .dns_names
            .iter()
            .any(|n| n.eq_ignore_ascii_case(&expected))
        {
            return Err(ChainError::NameMismatch {
                site: subject.site.clone(),
                expected,
                found: subject_info.dns_names.clone(),
            });
        }
    }

    // (4) revocations (the root is not revocable).
    for (info, claims) in &infos[..infos.len() - 1] {
        if revocations.is_revoked(&claims.site, info.not_before_u()) {
            let revoked_at = revocations
                .get(&claims.site)
                .map(|r| r.revoked_at)
                .unwrap_or(0);
            return Err(ChainError::Revoked {
                site: claims.site.clone(),
                revoked_at,
                not_before: info.not_before_u(),
            });
        }
    }

    let not_after = infos
        .iter()
        .map(|(i, _)| i.not_after_u())
        .min()
        .unwrap_or(0);
    let not_before = infos
        .iter()
        .map(|(i, _)| i.not_before_u())
        .max()
        .unwrap_or(0);
    let certs = infos[..infos.len() - 1]
        .iter()
        .map(|(info, claims)| (claims.site.clone(), info.not_before_u()))
        .collect();
    // `infos` holds at least the leaf and the root.
    let (leaf_info, leaf_claims) = &infos[0];
    // `checked_claims` already parsed this PeerId successfully.
    let peer_id = leaf_claims
        .peer_id()
        .map_err(|source| ChainError::Claims { index: 0, source })?;
    Ok(Verified {
        site: VerifiedSite {
            site: leaf_claims.site.clone(),
            level: leaf_claims.level,
            parent: leaf_claims.parent.clone(),
            peer_id,
            not_after,
            public_key: leaf_info.public_key,
        },
        certs,
        not_before,
    })
}

/// The BLAKE3 of a run of certificates, each prefixed with its length: one chain's identity,
/// to remember chains by.
pub fn chain_fingerprint<'a>(certs: impl IntoIterator<Item = &'a CertificateDer<'a>>) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    for der in certs {
        h.update(&(der.len() as u64).to_le_bytes());
        h.update(der);
    }
    *h.finalize().as_bytes()
}

/// Chains kept at most by a [`ChainCache`]; when full it starts empty again (central is linked
/// to 3,355 sites, each presenting one chain).
pub const CHAIN_CACHE_MAX: usize = 8192;

/// Chains that verified, by the BLAKE3 of the root and the certificates: a chain presented
/// again (the same link's later checks, a reconnect) costs a lookup and the checks that change
/// (the time against the path's validity, and every certificate against the revocations as
/// they are now), not its parsing and signatures, which depend on its bytes alone.
#[derive(Debug, Default)]
pub struct ChainCache {
    entries: std::sync::Mutex<std::collections::HashMap<[u8; 32], Verified>>,
}

impl ChainCache {
    pub fn new() -> ChainCache {
        ChainCache::default()
    }

    /// [`verify_chain`], from the cache when the same chain verified before.
    pub fn verify(
        &self,
        root: &CertificateDer<'_>,
        chain: &[CertificateDer<'_>],
        now: u64,
        revocations: &RevocationList,
    ) -> Result<VerifiedSite, ChainError> {
        let key = chain_fingerprint(std::iter::once(root).chain(chain));
        let hit = self
            .entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .cloned();
        if let Some(v) = hit.filter(|v| (v.not_before..=v.site.not_after).contains(&now)) {
            for (site, not_before) in &v.certs {
                if revocations.is_revoked(site, *not_before) {
                    return Err(ChainError::Revoked {
                        site: site.clone(),
                        revoked_at: revocations.get(site).map(|r| r.revoked_at).unwrap_or(0),
                        not_before: *not_before,
                    });
                }
            }
            return Ok(v.site);
        }
        // Out of its validity (or unknown): the full check gives the precise answer.
        let v = verify_chain_detailed(root, chain, now, revocations)?;
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CHAIN_CACHE_MAX {
            entries.clear();
        }
        entries.insert(key, v.clone());
        Ok(v.site)
    }
}

/// The last trust anchor that passed [`check_root_uncached`]: a node checks chains against one
/// root for its whole life, so its checks (a signature among them) are done once.
static CHECKED_ROOT: std::sync::Mutex<Option<(Vec<u8>, CertInfo)>> = std::sync::Mutex::new(None);

/// The configured trust anchor must be a validly self-signed tiepdan root for central.
fn check_root(root: &CertificateDer<'_>) -> Result<CertInfo, ChainError> {
    let mut checked = CHECKED_ROOT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((der, info)) = checked.as_ref() {
        if der.as_slice() == root.as_ref() {
            return Ok(info.clone());
        }
    }
    let info = check_root_uncached(root)?;
    *checked = Some((root.as_ref().to_vec(), info.clone()));
    Ok(info)
}

fn check_root_uncached(root: &CertificateDer<'_>) -> Result<CertInfo, ChainError> {
    let bad = |detail: String| ChainError::NotTiepdanRoot { detail };
    let info = inspect(root).map_err(|e| bad(e.to_string()))?;
    let claims = info.claims.clone().map_err(|e| bad(e.to_string()))?;
    if claims.site != CENTRAL_CODE {
        return Err(bad(format!(
            "it speaks for site {}, not central ({CENTRAL_CODE})",
            claims.site
        )));
    }
    if !info.is_ca || !info.self_signed {
        return Err(bad("it is not a self-signed CA certificate".into()));
    }
    Ok(info)
}

/// Claims of path element `index`, checked against the registry and against the certified key.
fn checked_claims(index: usize, info: &CertInfo) -> Result<SiteClaims, ChainError> {
    let claims = info
        .claims
        .clone()
        .map_err(|source| ChainError::Claims { index, source })?;
    claims
        .check_registry()
        .map_err(|source| ChainError::Claims { index, source })?;
    let claimed = claims
        .peer_id()
        .map_err(|source| ChainError::Claims { index, source })?;
    let actual = peer_id_from_public(&info.public_key).ok_or_else(|| ChainError::Malformed {
        index,
        detail: "its Ed25519 public key is not a valid curve point".into(),
    })?;
    if claimed != actual {
        return Err(ChainError::PeerIdMismatch {
            site: claims.site,
            claimed: claimed.to_string(),
            actual: actual.to_string(),
        });
    }
    Ok(claims)
}

/// Runs webpki and returns the DER of the verified path without the trust anchor: leaf first,
/// then the intermediates actually used, in order towards the root.
fn webpki_path(
    root: &CertificateDer<'_>,
    leaf: &CertificateDer<'_>,
    rest: &[CertificateDer<'_>],
    now: u64,
) -> Result<Vec<Vec<u8>>, ChainError> {
    let anchor =
        webpki::anchor_from_trusted_cert(root).map_err(|e| ChainError::NotTiepdanRoot {
            detail: format!("{e:?}"),
        })?;
    let anchors = [anchor];
    let ee = EndEntityCert::try_from(leaf).map_err(map_webpki)?;
    let intermediates: Vec<CertificateDer<'_>> = rest
        .iter()
        .filter(|c| c.as_ref() != root.as_ref())
        .cloned()
        .collect();
    let time = UnixTime::since_unix_epoch(Duration::from_secs(now));
    let verify = |usage: KeyUsage| {
        ee.verify_for_usage(
            CHAIN_ALGS,
            &anchors,
            &intermediates,
            time,
            usage,
            None,
            None,
        )
        .map(|path| {
            let mut ders = vec![leaf.as_ref().to_vec()];
            ders.extend(
                path.intermediate_certificates()
                    .map(|c| c.der().as_ref().to_vec()),
            );
            ders
        })
    };
    // Federation leaves carry both serverAuth and clientAuth; accept either.
    match verify(KeyUsage::server_auth()) {
        Ok(p) => Ok(p),
        Err(e) if is_eku_error(&e) => verify(KeyUsage::client_auth()).map_err(map_webpki),
        Err(e) => Err(map_webpki(e)),
    }
}

#[allow(deprecated)]
fn is_eku_error(e: &webpki::Error) -> bool {
    matches!(
        e,
        webpki::Error::RequiredEkuNotFound | webpki::Error::RequiredEkuNotFoundContext(_)
    )
}

fn map_webpki(e: webpki::Error) -> ChainError {
    use webpki::Error as W;
    match e {
        W::UnknownIssuer => ChainError::UnknownRoot,
        W::CertExpired { time, not_after } => ChainError::Expired {
            now: time.as_secs(),
            not_after: not_after.as_secs(),
        },
        W::CertNotValidYet { time, not_before } => ChainError::NotYetValid {
            now: time.as_secs(),
            not_before: not_before.as_secs(),
        },
        W::NameConstraintViolation => ChainError::NameConstraint,
        W::PathLenConstraintViolated => ChainError::PathTooLong,
        W::InvalidSignatureForPublicKey
        | W::SignatureAlgorithmMismatch
        | W::UnsupportedSignatureAlgorithmContext(_)
        | W::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => ChainError::BadSignature {
            detail: format!("{e:?}"),
        },
        W::CaUsedAsEndEntity => ChainError::Webpki(
            "the first certificate is an authority (CA) certificate; a link must present the \
             site's own leaf certificate first"
                .into(),
        ),
        other => ChainError::Webpki(format!("{other:?}")),
    }
}

/// Checks a chain before a site starts using it: it verifies against its own last certificate
/// (which must be the self-signed central root), it was issued for `key`, and — when
/// `site_code_expected` is given — for that site.
///
/// Accepts TLS chains (`[leaf, …, root]`) and the CA chains central and provinces hold before
/// they make their own leaf (`[root]`, `[ca_01, root]`); for those the CA certificate must
/// carry `key` (checked by signing a throw-away leaf with it).
pub fn install_check(
    key: &SiteKey,
    site_code_expected: Option<&str>,
    chain: &Chain,
    now: u64,
) -> Result<VerifiedSite, ChainError> {
    let first = chain.info(0)?;
    let empty = RevocationList::new();
    let site_of = |info: &CertInfo| {
        info.claims
            .as_ref()
            .map(|c| c.site.clone())
            .unwrap_or_else(|_| "?".into())
    };
    let verified = if first.is_ca {
        if first.public_key != key.public_bytes() {
            return Err(ChainError::KeyMismatch {
                site: site_of(&first),
            });
        }
        let probe = make_own_leaf(key, chain, 1, now).map_err(|e| match e {
            IssueError::Chain(c) => c,
            other => ChainError::Malformed {
                index: 0,
                detail: other.to_string(),
            },
        })?;
        let mut v = verify_chain(chain.root(), probe.der_list(), now, &empty)?;
        // The throw-away leaf must not shorten the reported lifetime.
        let mut not_after = u64::MAX;
        for i in 0..chain.len() {
            not_after = not_after.min(chain.info(i)?.not_after_u());
        }
        v.not_after = not_after;
        v
    } else {
        let v = verify_chain(chain.root(), chain.der_list(), now, &empty)?;
        if v.public_key != key.public_bytes() {
            return Err(ChainError::KeyMismatch { site: v.site });
        }
        v
    };
    if let Some(expected) = site_code_expected {
        if verified.site != expected {
            return Err(ChainError::WrongSite {
                expected: expected.into(),
                found: verified.site,
            });
        }
    }
    Ok(verified)
}
