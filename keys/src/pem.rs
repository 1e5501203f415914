//! PEM text: encoding of DER blocks (our own small base64 writer) and decoding through
//! `rustls::pki_types::pem`, with decode failures turned into operator-readable words.

use rustls::pki_types::pem;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        // `chunks` never yields an empty slice, so `chunk[0]` exists.
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let idx = |shift: u32| char::from(ALPHABET[((n >> shift) & 63) as usize]);
        out.push(idx(18));
        out.push(idx(12));
        out.push(if chunk.len() > 1 { idx(6) } else { '=' });
        out.push(if chunk.len() > 2 { idx(0) } else { '=' });
    }
    out
}

/// One PEM block with `label` (e.g. `CERTIFICATE`), lines of 64 characters, trailing newline.
pub(crate) fn encode(label: &str, der: &[u8]) -> String {
    let b64 = base64(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    // base64 output is ASCII, so splitting it into byte chunks keeps valid UTF-8.
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Why PEM text could not be read, in words for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PemProblem {
    /// No block of the wanted kind at all.
    NoBlock,
    /// A block starts but its END line is missing: the text was cut off.
    Truncated,
    /// The text inside a block is not valid base64, or a BEGIN line is malformed.
    Garbled(String),
}

impl PemProblem {
    pub(crate) fn from_pem_error(e: pem::Error) -> PemProblem {
        match e {
            pem::Error::NoItemsFound => PemProblem::NoBlock,
            pem::Error::MissingSectionEnd { .. } => PemProblem::Truncated,
            other => PemProblem::Garbled(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
        assert_eq!(base64(b"fooba"), "Zm9vYmE=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn encode_round_trips_through_pki_types() {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::CertificateDer;
        let der: Vec<u8> = (0..=255u8).cycle().take(700).collect();
        let text = encode("CERTIFICATE", &der);
        assert!(text.lines().all(|l| l.len() <= 64));
        let back = CertificateDer::from_pem_slice(text.as_bytes()).expect("our own PEM decodes");
        assert_eq!(back.as_ref(), der.as_slice());
    }
}
