//! End-to-end tests of tiepdan-keys with real keys and certificates (one test binary).

mod common;
mod handshake;
mod issuance;
mod requests;
mod revocations;
