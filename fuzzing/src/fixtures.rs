//! The fixed world the targets check input against: a small federation (central, Hà Nội and
//! Phường Ba Đình) whose keys come from fixed seeds and whose certificates are issued at a
//! fixed time, the author keys of signed events, and the framing that splits one fuzz input
//! into several. Everything is deterministic and built once.

use std::sync::OnceLock;

use ed25519_dalek::SigningKey;
use tiepdan_keys::{
    issue, make_own_leaf, make_request, make_root, parse_request, Authority, Chain, SiteKey,
};

/// When the fixed certificates were issued: 2026-01-01 00:00:00 UTC.
pub const ISSUED: u64 = 1_767_225_600;
/// "Now" for every verification: 2026-07-01 00:00:00 UTC, inside every fixed validity period.
pub const NOW: u64 = 1_782_864_000;
/// [`NOW`] in Unix milliseconds: the base of event timestamps.
pub const NOW_MS: u64 = NOW * 1000;

/// Central, the province and the commune of the fixed federation.
pub const CENTRAL: &str = "VN";
pub const PROVINCE: &str = "01";
pub const COMMUNE: &str = "00004";
/// Another commune of the same province (a sibling of [`COMMUNE`]).
pub const SIBLING: &str = "00008";
/// A commune of another province (Phường Thủ Dầu Một, 79).
pub const OTHER_PROVINCE: &str = "79";
pub const OTHER_COMMUNE: &str = "25747";

/// The sites whose keys sign events in the fold targets, in the order an input byte picks them.
pub const AUTHORS: [&str; 6] = [
    COMMUNE,
    PROVINCE,
    CENTRAL,
    SIBLING,
    OTHER_PROVINCE,
    OTHER_COMMUNE,
];

/// The key of `site` in the fixed world: BLAKE3-derived from the site code.
pub fn site_key(site: &str) -> SiteKey {
    SiteKey::from_seed(blake3::derive_key(
        "tiepdan-fuzzing site key v1",
        site.as_bytes(),
    ))
}

/// The Ed25519 key `site` signs events with (the same seed as [`site_key`]).
pub fn signing_key(site: &str) -> SigningKey {
    SigningKey::from_bytes(&site_key(site).seed())
}

/// The author keys of [`AUTHORS`], in order.
pub fn authors() -> &'static [(&'static str, SigningKey)] {
    static KEYS: OnceLock<Vec<(&'static str, SigningKey)>> = OnceLock::new();
    KEYS.get_or_init(|| AUTHORS.iter().map(|s| (*s, signing_key(s))).collect())
}

/// The fixed federation's certificates.
pub struct Pki {
    /// `[root]`: the trust anchor every target verifies against.
    pub root: Chain,
    /// Central's TLS chain `[leaf_VN, root]`.
    pub central_tls: Chain,
    /// Hà Nội's TLS chain `[leaf_01, ca_01, root]`.
    pub province_tls: Chain,
    /// Phường Ba Đình's TLS chain `[leaf_00004, ca_01, root]`.
    pub commune_tls: Chain,
    /// Phường Ngọc Hà's TLS chain, issued by the same province.
    pub sibling_tls: Chain,
    /// Central as the authority that certifies provinces.
    pub central_ca: Authority,
    /// Hà Nội as the authority that certifies its communes.
    pub province_ca: Authority,
}

/// The fixed federation, made once with the public API exactly as officers make it.
pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let central = site_key(CENTRAL);
        let root = make_root(&central, 3650, ISSUED).expect("root");
        let central_tls = make_own_leaf(&central, &root, 365, ISSUED).expect("central leaf");
        let central_ca = Authority::new(central, root.clone(), ISSUED).expect("central CA");
        let province = site_key(PROVINCE);
        let request = |key: &SiteKey, code: &str| {
            parse_request(&make_request(key, code).expect("request")).expect("own request")
        };
        let province_ca =
            issue(&central_ca, &request(&province, PROVINCE), 730, ISSUED).expect("province CA");
        let province_tls =
            make_own_leaf(&province, &province_ca, 365, ISSUED).expect("province leaf");
        let province_ca = Authority::new(province, province_ca, ISSUED).expect("province CA");
        let commune = |code: &str| {
            issue(&province_ca, &request(&site_key(code), code), 365, ISSUED).expect("commune")
        };
        Pki {
            root,
            central_tls,
            province_tls,
            commune_tls: commune(COMMUNE),
            sibling_tls: commune(SIBLING),
            central_ca,
            province_ca,
        }
    })
}

/// The chain's certificates as owned DER byte strings, leaf first.
pub fn ders(chain: &Chain) -> Vec<Vec<u8>> {
    chain
        .der_list()
        .iter()
        .map(|c| c.as_ref().to_vec())
        .collect()
}

/// Splits `data` into pieces, each a 2-byte big-endian length then that many bytes; a last
/// piece that is cut short is taken as it is. At most `max` pieces.
pub fn pieces(data: &[u8], max: usize) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while rest.len() >= 2 && out.len() < max {
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        let body = &rest[2..];
        let (piece, tail) = body.split_at(len.min(body.len()));
        out.push(piece);
        rest = tail;
    }
    out
}

/// The inverse of [`pieces`]: each piece with its 2-byte length.
pub fn join_pieces<P: AsRef<[u8]>>(pieces: &[P]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in pieces {
        let p = p.as_ref();
        let len = u16::try_from(p.len()).expect("a seed piece is under 64 KiB");
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(p);
    }
    out
}
