//! Site claims: which site a certificate (or certificate request) speaks for, in CBOR inside a
//! private X.509 extension, and the check that they agree with the official registry.
//!
//! The extension OID `1.3.6.1.4.1.59999.1.1` is a placeholder under a private-enterprise arc
//! (59999 is not assigned to this project); replace it once an arc is registered. The
//! extension is NON-critical, so generic X.509 tools still read our certificates. Its
//! `extnValue` holds a DER OCTET STRING whose content is the canonical CBOR encoding of
//! [`SiteClaims`].
//!
//! Also owns the DNS names put in certificates: `vn.tiepdan.internal` for central,
//! `p01.tiepdan.internal` for a province, `s00070.p01.tiepdan.internal` for a commune.

use libp2p_identity::PeerId;
use serde::{Deserialize, Serialize};
use tiepdan_protocol::sites::{Level, Registry, SiteError, CENTRAL_CODE};

/// OID arcs of the claims extension (private-arc placeholder, see module docs).
pub const CLAIMS_OID: &[u64] = &[1, 3, 6, 1, 4, 1, 59999, 1, 1];
/// [`CLAIMS_OID`] in dotted form.
pub const CLAIMS_OID_STR: &str = "1.3.6.1.4.1.59999.1.1";
/// Domain under which every site's certificate name lives.
pub const DNS_SUFFIX: &str = "tiepdan.internal";
/// Claims are a few dozen bytes; anything far bigger is hostile.
const MAX_CLAIMS_LEN: usize = 1024;

/// What a certificate says about its subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteClaims {
    /// Official site code: `VN`, a 2-digit province or a 5-digit commune code.
    pub site: String,
    pub level: Level,
    /// Parent site code; `None` only for central.
    pub parent: Option<String>,
    /// libp2p PeerId (base58) of the certified Ed25519 key.
    pub peer_id: String,
}

/// Why the claims of a certificate or request are not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimsError {
    #[error("it carries no tiepdan site claims (extension {CLAIMS_OID_STR}): it was not made by tiepdan")]
    Missing,
    #[error("it carries the tiepdan site claims extension more than once")]
    Duplicate,
    #[error("its tiepdan site claims are garbled ({0})")]
    Garbled(String),
    #[error("it claims site {0:?}, which is not in the official list of sites")]
    UnknownSite(String),
    #[error("it claims site {site} is a {claimed}, but the official list says {official}")]
    LevelMismatch {
        site: String,
        claimed: Level,
        official: Level,
    },
    #[error(
        "it claims site {site} belongs to {claimed:?}, but the official list says {official:?}"
    )]
    ParentMismatch {
        site: String,
        claimed: Option<String>,
        official: Option<String>,
    },
    #[error("its claimed peer id {0:?} is not a valid libp2p PeerId")]
    BadPeerId(String),
}

impl ClaimsError {
    /// Stable metrics label, same vocabulary as [`crate::ChainError::reason`].
    pub fn reason(&self) -> &'static str {
        match self {
            ClaimsError::UnknownSite(_) => "unknown_site",
            ClaimsError::ParentMismatch { .. } => "wrong_parent",
            _ => "malformed",
        }
    }
}

impl SiteClaims {
    /// The claims of `code` as the official registry describes it, for the key with `peer_id`.
    pub fn for_site(code: &str, peer_id: &PeerId) -> Result<SiteClaims, SiteError> {
        let site = Registry::official().get(code)?;
        Ok(SiteClaims {
            site: site.code.clone(),
            level: site.level,
            parent: site.parent.clone(),
            peer_id: peer_id.to_string(),
        })
    }

    /// Checks the site exists and its level and parent agree with the official registry, and that
    /// the peer id is well-formed.
    pub fn check_registry(&self) -> Result<(), ClaimsError> {
        let official = Registry::official()
            .get(&self.site)
            .map_err(|_| ClaimsError::UnknownSite(self.site.clone()))?;
        if official.level != self.level {
            return Err(ClaimsError::LevelMismatch {
                site: self.site.clone(),
                claimed: self.level,
                official: official.level,
            });
        }
        if official.parent != self.parent {
            return Err(ClaimsError::ParentMismatch {
                site: self.site.clone(),
                claimed: self.parent.clone(),
                official: official.parent.clone(),
            });
        }
        self.peer_id()?;
        Ok(())
    }

    /// The claimed PeerId, parsed.
    pub fn peer_id(&self) -> Result<PeerId, ClaimsError> {
        self.peer_id
            .parse()
            .map_err(|_| ClaimsError::BadPeerId(self.peer_id.clone()))
    }

    /// The DNS name for this site's certificates.
    pub fn dns_name(&self) -> String {
        dns_name_for(&self.site, self.level, self.parent.as_deref())
    }

    /// Canonical CBOR encoding.
    pub fn to_cbor(&self) -> Vec<u8> {
        // Serializing four plain fields into a Vec only fails if allocation fails.
        cbor4ii::serde::to_vec(Vec::new(), self).expect("CBOR encoding of site claims cannot fail")
    }

    /// Decodes claims, accepting only the exact encoding [`SiteClaims::to_cbor`] produces (no
    /// trailing bytes, no alternative encodings).
    pub fn from_cbor(bytes: &[u8]) -> Result<SiteClaims, ClaimsError> {
        if bytes.len() > MAX_CLAIMS_LEN {
            return Err(ClaimsError::Garbled(format!(
                "{} bytes is too long",
                bytes.len()
            )));
        }
        let claims: SiteClaims =
            cbor4ii::serde::from_slice(bytes).map_err(|e| ClaimsError::Garbled(e.to_string()))?;
        if claims.to_cbor() != bytes {
            return Err(ClaimsError::Garbled("not in canonical encoding".into()));
        }
        Ok(claims)
    }

    /// The X.509 `extnValue` content: a DER OCTET STRING holding the CBOR.
    pub fn to_extension_value(&self) -> Vec<u8> {
        der_octet_string(&self.to_cbor())
    }

    /// Parses an `extnValue` written by [`SiteClaims::to_extension_value`].
    pub fn from_extension_value(value: &[u8]) -> Result<SiteClaims, ClaimsError> {
        let inner = parse_der_octet_string(value).ok_or_else(|| {
            ClaimsError::Garbled("extension value is not a DER OCTET STRING".into())
        })?;
        SiteClaims::from_cbor(inner)
    }

    /// The non-critical rcgen extension carrying these claims.
    pub fn to_rcgen_extension(&self) -> rcgen::CustomExtension {
        // `from_oid_content` makes a non-critical extension.
        rcgen::CustomExtension::from_oid_content(CLAIMS_OID, self.to_extension_value())
    }
}

/// The DNS name of site `code` from the official registry.
pub fn dns_name(code: &str) -> Result<String, SiteError> {
    let site = Registry::official().get(code)?;
    Ok(dns_name_for(&site.code, site.level, site.parent.as_deref()))
}

fn dns_name_for(code: &str, level: Level, parent: Option<&str>) -> String {
    let code = code.to_ascii_lowercase();
    match (level, parent) {
        (Level::Central, _) => format!("{}.{DNS_SUFFIX}", CENTRAL_CODE.to_ascii_lowercase()),
        (Level::Province, _) => format!("p{code}.{DNS_SUFFIX}"),
        (Level::Commune, Some(p)) => format!("s{code}.p{}.{DNS_SUFFIX}", p.to_ascii_lowercase()),
        (Level::Commune, None) => format!("s{code}.{DNS_SUFFIX}"),
    }
}

/// DER OCTET STRING (tag 0x04, definite minimal length).
fn der_octet_string(content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = Vec::with_capacity(len + 4);
    out.push(0x04);
    if len < 0x80 {
        out.push(len as u8);
    } else if len <= 0xff {
        out.extend([0x81, len as u8]);
    } else {
        // Claims are bounded far below 64 KiB, so two length bytes always suffice.
        out.extend([0x82, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(content);
    out
}

/// Strict inverse of [`der_octet_string`]: `None` unless the whole input is one minimal OCTET
/// STRING.
fn parse_der_octet_string(der: &[u8]) -> Option<&[u8]> {
    let (&tag, rest) = der.split_first()?;
    if tag != 0x04 {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, body) = match first {
        n if n < 0x80 => (usize::from(n), rest),
        0x81 => {
            let (&n, body) = rest.split_first()?;
            if n < 0x80 {
                return None;
            }
            (usize::from(n), body)
        }
        0x82 => {
            let (hi, body) = (rest.first()?, rest.get(1..)?);
            let (&lo, body) = body.split_first()?;
            let n = (usize::from(*hi) << 8) | usize::from(lo);
            if n <= 0xff {
                return None;
            }
            (n, body)
        }
        _ => return None,
    };
    (body.len() == len).then_some(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pid() -> PeerId {
        crate::SiteKey::from_seed([1u8; 32]).peer_id()
    }

    #[test]
    fn dns_names_follow_the_hierarchy() {
        assert_eq!(dns_name("VN").unwrap(), "vn.tiepdan.internal");
        assert_eq!(dns_name("01").unwrap(), "p01.tiepdan.internal");
        assert_eq!(dns_name("00070").unwrap(), "s00070.p01.tiepdan.internal");
        assert!(dns_name("99999").is_err());
    }

    #[test]
    fn claims_round_trip_and_registry_checks() {
        let c = SiteClaims::for_site("00070", &pid()).expect("known site");
        assert_eq!(c.parent.as_deref(), Some("01"));
        let back = SiteClaims::from_extension_value(&c.to_extension_value()).expect("round trip");
        assert_eq!(back, c);
        back.check_registry().expect("official");

        let mut wrong_parent = c.clone();
        wrong_parent.parent = Some("79".into());
        assert_eq!(
            wrong_parent.check_registry().unwrap_err().reason(),
            "wrong_parent"
        );
        let mut unknown = c.clone();
        unknown.site = "99999".into();
        assert_eq!(
            unknown.check_registry().unwrap_err().reason(),
            "unknown_site"
        );
        let mut level = c.clone();
        level.level = Level::Province;
        assert!(matches!(
            level.check_registry(),
            Err(ClaimsError::LevelMismatch { .. })
        ));
        let mut bad_peer = c;
        bad_peer.peer_id = "not-a-peer".into();
        assert!(matches!(
            bad_peer.check_registry(),
            Err(ClaimsError::BadPeerId(_))
        ));
    }

    #[test]
    fn extension_value_parsing_is_strict() {
        let c = SiteClaims::for_site("VN", &pid()).expect("known site");
        let v = c.to_extension_value();
        let mut trailing = v.clone();
        trailing.push(0);
        assert!(SiteClaims::from_extension_value(&trailing).is_err());
        assert!(SiteClaims::from_extension_value(&v[..v.len() - 1]).is_err());
        assert!(SiteClaims::from_extension_value(&c.to_cbor()).is_err());
        assert!(SiteClaims::from_extension_value(&[]).is_err());
        let long = vec![7u8; 300];
        assert_eq!(
            parse_der_octet_string(&der_octet_string(&long)),
            Some(long.as_slice())
        );
        let mid = vec![7u8; 200];
        assert_eq!(
            parse_der_octet_string(&der_octet_string(&mid)),
            Some(mid.as_slice())
        );
        // Non-minimal length encoding.
        assert_eq!(parse_der_octet_string(&[0x04, 0x81, 0x01, 0x00]), None);
    }
}
