//! Passwords: argon2id hashes in PHC strings, the rules a new password must meet, and the
//! temporary passwords an operator hands out.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use super::AccountError;

/// Shortest password accepted; long enough that the sign-in throttle makes guessing hopeless.
pub const PASSWORD_CHARS_MIN: usize = 10;
pub const PASSWORD_BYTES_MAX: usize = 256;

/// argon2id with the crate's defaults (19 MiB, 2 passes, 1 lane: OWASP's first choice).
fn hasher() -> Argon2<'static> {
    Argon2::default()
}

/// Checks a new password and hashes it.
pub fn hash(password: &str) -> Result<String, AccountError> {
    if password.chars().count() < PASSWORD_CHARS_MIN {
        return Err(AccountError::WeakPassword);
    }
    if password.len() > PASSWORD_BYTES_MAX {
        return Err(AccountError::PasswordTooLong);
    }
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Internal(e.to_string()))
}

/// Whether `password` matches the stored hash. A hash that does not parse matches nothing.
pub fn verify(password: &str, phc: &str) -> bool {
    if password.len() > PASSWORD_BYTES_MAX {
        return false;
    }
    match PasswordHash::new(phc) {
        Ok(h) => hasher().verify_password(password.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

/// A hash of nothing anyone knows: checked against when the user name is unknown, so an
/// unknown name takes as long to refuse as a wrong password.
pub fn decoy() -> String {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(&rand::random::<[u8; 32]>(), &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
}

/// A temporary password for a new or reset account: 16 characters from an alphabet without
/// look-alikes (no 0/O, 1/l/I), easy to read out over the phone.
pub fn temporary() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789";
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..16)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = hash("mật khẩu đủ dài").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify("mật khẩu đủ dài", &h));
        assert!(!verify("mật khẩu đủ dàI", &h));
        assert!(!verify("mật khẩu đủ dài", "not a hash"));
        assert!(!verify("", &decoy()));
    }

    #[test]
    fn short_and_huge_passwords_are_refused() {
        assert!(matches!(hash("ngắn"), Err(AccountError::WeakPassword)));
        assert!(matches!(
            hash(&"x".repeat(PASSWORD_BYTES_MAX + 1)),
            Err(AccountError::PasswordTooLong)
        ));
        let t = temporary();
        assert_eq!(t.chars().count(), 16);
        assert!(hash(&t).is_ok());
    }
}
