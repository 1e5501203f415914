//! A site's long-term identity: one Ed25519 key, used for its libp2p PeerId, its TLS
//! certificates, its certificate requests and the revocations it signs.
//!
//! Owns key generation and the conversions other libraries need (libp2p keypair, PKCS#8 for
//! rustls and rcgen). Saving and loading key files lives in [`crate::keyfile`].

use std::fmt;

use ed25519_dalek::pkcs8::EncodePrivateKey;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use libp2p_identity::PeerId;
use rand::RngCore;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// Errors converting the site key into another library's key type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the site key could not be loaded into the certificate library (rcgen): {0}; this is a bug in tiepdan-keys, please report it")]
    Rcgen(String),
}

/// The identity key of one site. The secret seed is zeroed when the value is dropped.
#[derive(Clone)]
pub struct SiteKey {
    signing: SigningKey,
}

impl fmt::Debug for SiteKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the seed.
        f.debug_struct("SiteKey")
            .field("peer_id", &self.peer_id().to_string())
            .finish()
    }
}

impl SiteKey {
    /// A fresh key from the operating system's random number generator.
    pub fn generate() -> SiteKey {
        let mut seed = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut seed);
        let key = SiteKey::from_seed(seed);
        seed.fill(0);
        key
    }

    /// The key whose 32-byte Ed25519 seed (RFC 8032 secret key) is `seed`.
    pub fn from_seed(seed: [u8; 32]) -> SiteKey {
        SiteKey {
            signing: SigningKey::from_bytes(&seed),
        }
    }

    /// The 32-byte secret seed. Handle with care: this is the site's identity.
    pub fn seed(&self) -> [u8; 32] {
        self.signing.to_bytes()
    }

    /// The 32-byte Ed25519 public key.
    pub fn public_bytes(&self) -> [u8; 32] {
        self.signing.verifying_key().to_bytes()
    }

    /// Ed25519 signature of `msg`.
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        self.signing.sign(msg).to_bytes()
    }

    /// The same key as a libp2p keypair.
    pub fn libp2p_keypair(&self) -> libp2p_identity::Keypair {
        // `ed25519_from_bytes` only fails when the input is not exactly 32 bytes; a seed always is.
        libp2p_identity::Keypair::ed25519_from_bytes(self.seed())
            .expect("a 32-byte Ed25519 seed is always accepted by libp2p")
    }

    /// The libp2p PeerId of this site (also written into its certificates' claims).
    pub fn peer_id(&self) -> PeerId {
        self.libp2p_keypair().public().to_peer_id()
    }

    /// The key as PKCS#8 DER (RFC 8410), as rustls and rcgen want it.
    pub fn pkcs8_der(&self) -> PrivatePkcs8KeyDer<'static> {
        // Encoding a fixed-size Ed25519 key into PKCS#8 has no failure case besides allocation.
        let doc = self
            .signing
            .to_pkcs8_der()
            .expect("PKCS#8 encoding of an Ed25519 key cannot fail");
        PrivatePkcs8KeyDer::from(doc.as_bytes().to_vec())
    }

    /// The private key for rustls' `with_single_cert` / `with_client_auth_cert`.
    pub fn rustls_private_key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(self.pkcs8_der())
    }

    /// The key as an rcgen signing key (Ed25519).
    pub fn rcgen_key_pair(&self) -> Result<rcgen::KeyPair, KeyError> {
        rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&self.pkcs8_der(), &rcgen::PKCS_ED25519)
            .map_err(|e| KeyError::Rcgen(e.to_string()))
    }
}

/// True when `sig` is a valid (strict RFC 8032) Ed25519 signature of `msg` by `public`.
/// Malformed keys or signatures simply give `false`.
pub fn verify_signature(public: &[u8; 32], msg: &[u8], sig: &[u8]) -> bool {
    let Ok(key) = VerifyingKey::from_bytes(public) else {
        return false;
    };
    let Ok(sig) = Signature::from_slice(sig) else {
        return false;
    };
    key.verify_strict(msg, &sig).is_ok()
}

/// The libp2p PeerId of an Ed25519 public key, or `None` if the bytes are not a valid key.
pub fn peer_id_from_public(public: &[u8; 32]) -> Option<PeerId> {
    let key = libp2p_identity::ed25519::PublicKey::try_from_bytes(public).ok()?;
    Some(libp2p_identity::PublicKey::from(key).to_peer_id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_round_trip_and_signatures() {
        let key = SiteKey::generate();
        let again = SiteKey::from_seed(key.seed());
        assert_eq!(key.public_bytes(), again.public_bytes());
        let sig = key.sign(b"hello");
        assert!(verify_signature(&key.public_bytes(), b"hello", &sig));
        assert!(!verify_signature(&key.public_bytes(), b"hellO", &sig));
        assert!(!verify_signature(&key.public_bytes(), b"hello", &sig[..63]));
        let other = SiteKey::generate();
        assert!(!verify_signature(&other.public_bytes(), b"hello", &sig));
    }

    #[test]
    fn peer_id_agrees_with_libp2p_and_public_key() {
        let key = SiteKey::from_seed([7u8; 32]);
        assert_eq!(
            Some(key.peer_id()),
            peer_id_from_public(&key.public_bytes())
        );
        // libp2p signs with the same key.
        let kp = key.libp2p_keypair();
        let sig = kp.sign(b"x").expect("ed25519 signing");
        assert!(verify_signature(&key.public_bytes(), b"x", &sig));
        assert!(!format!("{key:?}").contains(&hex::encode(key.seed())));
    }

    #[test]
    fn pkcs8_loads_into_rcgen_with_same_public_key() {
        let key = SiteKey::generate();
        let kp = key.rcgen_key_pair().expect("rcgen accepts our PKCS#8");
        assert_eq!(kp.public_key_raw(), key.public_bytes().as_slice());
    }
}
