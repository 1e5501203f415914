//! The wire shape of a sealed (encrypted) denouncer identity.
//!
//! Owns only the data layout that travels inside signed case events. The cryptography —
//! X25519 keys derived from each site's Ed25519 seed, content-key wrapping, AEAD — lives in
//! `tiepdan_keys::sealed`; this crate never sees plaintext or keys.

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

/// Ciphertext of the identity fields, readable only by the listed audience sites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedIdentity {
    /// AEAD nonce for `ciphertext`.
    pub nonce: ByteBuf,
    /// The identity (CBOR) encrypted under a random content key.
    pub ciphertext: ByteBuf,
    /// The content key wrapped for each audience site.
    pub recipients: Vec<WrappedKey>,
}

/// The content key, wrapped for one site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrappedKey {
    pub site: String,
    /// Sender's ephemeral X25519 public key for this recipient.
    pub ephemeral: ByteBuf,
    /// The wrapped content key (AEAD output).
    pub wrapped: ByteBuf,
}
