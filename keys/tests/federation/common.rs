//! Shared builders: a real federation (root, provinces, communes) made with the public API.

use tiepdan_keys::{
    issue, make_own_leaf, make_request, make_root, parse_request, Authority, Chain, SiteKey,
};

/// 2026-01-01 00:00:00 UTC.
pub const NOW: u64 = 1_767_225_600;
pub const DAY: u64 = 86_400;

pub struct Central {
    pub key: SiteKey,
    /// `[root]`
    pub ca: Chain,
    /// `[leaf_VN, root]`
    pub tls: Chain,
    pub authority: Authority,
}

pub struct Province {
    pub key: SiteKey,
    /// `[ca, root]`
    pub ca: Chain,
    /// `[leaf, ca, root]`
    pub tls: Chain,
    pub authority: Authority,
}

pub struct Commune {
    pub key: SiteKey,
    /// `[leaf, ca, root]`
    pub tls: Chain,
}

pub fn central_at(now: u64) -> Central {
    let key = SiteKey::generate();
    let ca = make_root(&key, 3650, now).expect("root");
    let tls = make_own_leaf(&key, &ca, 365, now).expect("central own leaf");
    let authority = Authority::new(key.clone(), ca.clone(), now).expect("central authority");
    Central {
        key,
        ca,
        tls,
        authority,
    }
}

pub fn central() -> Central {
    central_at(NOW)
}

pub fn province_at(central: &Central, code: &str, now: u64) -> Province {
    let key = SiteKey::generate();
    let req = parse_request(&make_request(&key, code).expect("request")).expect("parse");
    let ca = issue(&central.authority, &req, 730, now).expect("province CA");
    let tls = make_own_leaf(&key, &ca, 365, now).expect("province own leaf");
    let authority = Authority::new(key.clone(), ca.clone(), now).expect("province authority");
    Province {
        key,
        ca,
        tls,
        authority,
    }
}

pub fn province(central: &Central, code: &str) -> Province {
    province_at(central, code, NOW)
}

pub fn commune_with_key(
    province: &Province,
    code: &str,
    key: SiteKey,
    days: u32,
    now: u64,
) -> Commune {
    let req = parse_request(&make_request(&key, code).expect("request")).expect("parse");
    let tls = issue(&province.authority, &req, days, now).expect("commune leaf");
    Commune { key, tls }
}

pub fn commune(province: &Province, code: &str) -> Commune {
    commune_with_key(province, code, SiteKey::generate(), 365, NOW)
}

/// Standard base64 + PEM armour, for tests that tamper with DER.
pub fn pem(label: &str, der: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = String::new();
    for c in der.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            b64.push(if i <= c.len() {
                A[((n >> shift) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("ascii"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// DER of the first PEM block.
pub fn der_of(pem_text: &str) -> Vec<u8> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateSigningRequestDer::from_pem_slice(pem_text.as_bytes())
        .map(|d| d.as_ref().to_vec())
        .or_else(|_| {
            rustls::pki_types::CertificateDer::from_pem_slice(pem_text.as_bytes())
                .map(|d| d.as_ref().to_vec())
        })
        .expect("a PEM block")
}
