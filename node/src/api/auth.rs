//! Who is calling: the operator token and the API users' tokens, and creating users.
//!
//! The operator token (`DIR/operator.token`) is the IT staff's; officers and chairs have tokens
//! of their own (`tiepdan user`, `POST users`), kept as BLAKE3 hashes in the store and in
//! memory here. The token middleware puts the caller's [`User`] in the request extensions.

use std::collections::BTreeMap;
use std::sync::Mutex;

use anyhow::bail;

use crate::federation::join::constant_time_eq;
use crate::site::lock::Unpoisoned;
use crate::site::store::{Store, User};

/// The API users of this site (besides the operator token), by token hash.
pub struct Users {
    by_hash: Mutex<BTreeMap<String, User>>,
}

impl Users {
    pub fn load(store: &Store) -> anyhow::Result<Users> {
        Ok(Users {
            by_hash: Mutex::new(store.users()?.into_iter().collect()),
        })
    }

    /// The user a bearer token belongs to, if any.
    pub fn user_for(&self, operator_token: &str, token: &str) -> Option<User> {
        if token.is_empty() {
            return None;
        }
        if constant_time_eq(token.as_bytes(), operator_token.as_bytes()) {
            return Some(User {
                name: "operator".into(),
                role: "operator".into(),
            });
        }
        let hash = blake3::hash(token.as_bytes()).to_hex().to_string();
        self.by_hash.locked().get(&hash).cloned()
    }

    /// Creates a user with a fresh token, stored before it is returned (shown once).
    pub fn add(&self, store: &Store, name: &str, role: &str) -> anyhow::Result<String> {
        let (hash, user, token) = new_user(name, role)?;
        store.put_user(&hash, &user)?;
        self.by_hash.locked().insert(hash, user);
        Ok(token)
    }
}

/// Creates a user straight into a store (the offline `tiepdan user`).
pub fn add_user_to_store(store: &Store, name: &str, role: &str) -> anyhow::Result<String> {
    let (hash, user, token) = new_user(name, role)?;
    store.put_user(&hash, &user)?;
    Ok(token)
}

/// Checks the name and role and draws a token: (token hash, user, token).
fn new_user(name: &str, role: &str) -> anyhow::Result<(String, User, String)> {
    if !matches!(role, "operator" | "officer" | "chair") {
        bail!(
            "role {role:?}: use officer (cán bộ tiếp công dân), chair (người chủ trì) or operator"
        );
    }
    if name.trim().is_empty() || name.len() > 128 {
        bail!("a user needs a name of 1 to 128 characters");
    }
    let token = hex::encode(rand::random::<[u8; 24]>());
    let hash = blake3::hash(token.as_bytes()).to_hex().to_string();
    let user = User {
        name: name.to_owned(),
        role: role.to_owned(),
    };
    Ok((hash, user, token))
}
