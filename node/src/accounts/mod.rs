//! The site's people and who is calling: accounts with passwords, API tokens, signed-in
//! browsers, participant passes and the sign-in throttle.
//!
//! Owns the `accounts` and `users` (API token) tables of the store and, in memory, the web
//! sessions ([`web`]), the passes ([`passes`]) and the throttle. It answers one question for
//! every request, [`Accounts::caller`], and the role matrix (`tiepdan_protocol::access`)
//! decides what that caller may do. May use `site` only; `api` and `cli` use it.
//!
//! The operator token (`DIR/operator.token`) is the IT staff's key for the CLI; people sign in
//! with a name and a password (argon2id), and automation uses API tokens bound to an account
//! and its role. Disabling an account ends its web sessions and stops its tokens at once.

pub mod passes;
pub mod password;
pub mod web;

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use serde::Serialize;
use tiepdan_protocol::access::{self, Role, Throttle};
use tiepdan_protocol::log::Actor;
use tracing::warn;

use crate::site::lock::Unpoisoned;
use crate::site::store::{Account, Store, User};
use passes::{Pass, Passes};
use web::WebSessions;

/// Why an account operation or a sign-in was refused. `code()` is stable for clients; the
/// message is for the person.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("Tên đăng nhập hoặc mật khẩu không đúng.")]
    WrongPassword,
    #[error("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {0} giây.")]
    Throttled(u64),
    #[error("Tài khoản này đã bị khóa. Liên hệ quản trị hệ thống của điểm tiếp.")]
    Disabled,
    #[error("Không có tài khoản {0}.")]
    NoSuchAccount(String),
    #[error("Đã có tài khoản {0}.")]
    Exists(String),
    #[error("Tên đăng nhập gồm 3–32 ký tự: chữ thường không dấu, chữ số, dấu chấm, gạch dưới hoặc gạch ngang.")]
    BadName,
    #[error("Họ và tên gồm 1–128 ký tự, không có ký tự điều khiển.")]
    BadFullName,
    #[error("Vai trò {0:?} không có: chọn officer (cán bộ tiếp công dân), chair (người chủ trì) hoặc operator (quản trị hệ thống).")]
    BadRole(String),
    #[error("Mật khẩu cần ít nhất {} ký tự.", password::PASSWORD_CHARS_MIN)]
    WeakPassword,
    #[error("Mật khẩu dài quá {} byte.", password::PASSWORD_BYTES_MAX)]
    PasswordTooLong,
    #[error(
        "Mã truy cập không đúng hoặc tài khoản đã bị khóa (tạo mã bằng `tiepdan user token`)."
    )]
    UnknownToken,
    #[error("Lưu tài khoản thất bại: {0}")]
    Internal(String),
}

impl AccountError {
    pub fn code(&self) -> &'static str {
        match self {
            AccountError::WrongPassword => "wrong_password",
            AccountError::Throttled(_) => "throttled",
            AccountError::Disabled => "account_disabled",
            AccountError::NoSuchAccount(_) => "no_such_account",
            AccountError::Exists(_) => "account_exists",
            AccountError::BadName => "bad_user_name",
            AccountError::BadFullName => "bad_full_name",
            AccountError::BadRole(_) => "bad_role",
            AccountError::WeakPassword => "weak_password",
            AccountError::PasswordTooLong => "password_too_long",
            AccountError::UnknownToken => "unknown_token",
            AccountError::Internal(_) => "internal",
        }
    }
}

impl From<&AccountError> for crate::language::Message {
    fn from(e: &AccountError) -> Self {
        use crate::language::Message;
        match e {
            AccountError::WrongPassword => Message::new("error-account-wrong-password"),
            AccountError::Throttled(s) => {
                Message::new("error-account-throttled").arg("seconds", *s)
            }
            AccountError::Disabled => Message::new("error-account-disabled"),
            AccountError::NoSuchAccount(n) => Message::new("error-account-no-such").arg("name", n),
            AccountError::Exists(n) => Message::new("error-account-exists").arg("name", n),
            AccountError::BadName => Message::new("error-account-bad-name"),
            AccountError::BadFullName => Message::new("error-account-bad-full-name"),
            AccountError::BadRole(r) => Message::new("error-account-bad-role").arg("role", r),
            AccountError::WeakPassword => {
                Message::new("error-account-weak-password").arg("min", password::PASSWORD_CHARS_MIN)
            }
            AccountError::PasswordTooLong => Message::new("error-account-password-too-long")
                .arg("max", password::PASSWORD_BYTES_MAX),
            AccountError::UnknownToken => Message::new("error-account-unknown-token"),
            AccountError::Internal(detail) => {
                tracing::error!("account store: {detail}");
                Message::new("error-store")
            }
        }
    }
}

/// Who is calling, as every handler sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The sign-in name (`operator` for the operator token; the display name for a pass).
    pub user: String,
    pub full_name: String,
    pub role: Role,
    /// Set for a participant pass: all it admits to.
    pub pass: Option<Pass>,
    /// How the caller proved who it is.
    pub via: Via,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    OperatorToken,
    ApiToken,
    WebSession,
    Pass,
}

impl Caller {
    /// The person to name in a signed event.
    pub fn actor(&self) -> Actor {
        Actor {
            user: self.user.chars().take(128).collect(),
            role: self.role,
        }
    }

    /// The participant id this caller has in a session's room: the pass's, or one derived from
    /// the account name (stable, in the recorder's grammar).
    pub fn participant_id(&self) -> String {
        match &self.pass {
            Some(p) => p.participant_id.clone(),
            None => format!(
                "u-{}",
                &blake3::hash(self.user.as_bytes()).to_hex().as_str()[..10]
            ),
        }
    }

    /// The role in a session's room: the pass's, or the account's (chair or officer).
    pub fn session_role(&self) -> Option<tiepdan_protocol::session::Role> {
        match &self.pass {
            Some(p) => Some(p.role),
            None => access::session_role_of(self.role),
        }
    }
}

/// An account as the users page lists it (never the password hash).
#[derive(Debug, Clone, Serialize)]
pub struct AccountView {
    pub name: String,
    pub full_name: String,
    pub role: Role,
    pub role_label: &'static str,
    pub has_password: bool,
    pub disabled: bool,
    pub created_ms: u64,
    /// API tokens bound to the account.
    pub tokens: usize,
}

/// Most distinct keys the throttle remembers; idle ones are forgotten first.
const THROTTLE_KEYS_MAX: usize = 10_000;

pub struct Accounts {
    operator_token: String,
    accounts: Mutex<BTreeMap<String, Account>>,
    /// API tokens by BLAKE3 hash.
    tokens: Mutex<BTreeMap<String, User>>,
    web: Mutex<WebSessions>,
    passes: Mutex<Passes>,
    throttle: Mutex<HashMap<String, Throttle>>,
    /// Made on first need (an unknown name signing in): loading for one CLI command, or a lab
    /// site, then costs no argon2 run.
    decoy: std::sync::OnceLock<String>,
}

impl Accounts {
    pub fn load(store: &Store, operator_token: &str) -> anyhow::Result<Accounts> {
        Ok(Accounts {
            operator_token: operator_token.to_owned(),
            accounts: Mutex::new(
                store
                    .accounts()?
                    .into_iter()
                    .map(|a| (a.name.clone(), a))
                    .collect(),
            ),
            tokens: Mutex::new(store.users()?.into_iter().collect()),
            web: Mutex::default(),
            passes: Mutex::default(),
            throttle: Mutex::default(),
            decoy: std::sync::OnceLock::new(),
        })
    }

    fn decoy(&self) -> &str {
        self.decoy.get_or_init(password::decoy)
    }

    /// The caller a bearer token names: the operator token, an API token of an enabled
    /// account, or a live participant pass.
    pub fn by_token(&self, token: &str, now_ms: u64) -> Option<Caller> {
        if token.is_empty() {
            return None;
        }
        // blake3::Hash compares in constant time.
        if blake3::hash(token.as_bytes()) == blake3::hash(self.operator_token.as_bytes()) {
            return Some(Caller {
                user: "operator".into(),
                full_name: "Quản trị hệ thống".into(),
                role: Role::Operator,
                pass: None,
                via: Via::OperatorToken,
            });
        }
        if token.starts_with(passes::PASS_PREFIX) {
            let pass = self.passes.locked().get(token, now_ms)?;
            return Some(Caller {
                user: pass.display_name.clone(),
                full_name: pass.display_name.clone(),
                role: Role::Participant,
                pass: Some(pass),
                via: Via::Pass,
            });
        }
        let hash = blake3::hash(token.as_bytes()).to_hex().to_string();
        let user = self.tokens.locked().get(&hash).cloned()?;
        let role = Role::parse_account(&user.role)?;
        let accounts = self.accounts.locked();
        // A token of a disabled account stops at once; a token from before accounts existed
        // (no account of that name) keeps its role.
        let full_name = match accounts.get(&user.name) {
            Some(a) if a.disabled => return None,
            Some(a) => a.full_name.clone(),
            None => user.name.clone(),
        };
        Some(Caller {
            user: user.name,
            full_name,
            role,
            pass: None,
            via: Via::ApiToken,
        })
    }

    /// The caller a session cookie names, if the session lives and the account is enabled.
    pub fn by_cookie(&self, cookie: &str, now_ms: u64) -> Option<Caller> {
        let name = self.web.locked().touch(cookie, now_ms)?;
        let accounts = self.accounts.locked();
        let a = accounts.get(&name).filter(|a| !a.disabled)?;
        Some(Caller {
            user: a.name.clone(),
            full_name: a.full_name.clone(),
            role: a.role,
            pass: None,
            via: Via::WebSession,
        })
    }

    /// Checks a name and password (slow: argon2id; call off the async workers) and opens a
    /// web session. `client` is the caller's address, throttled like the name.
    pub fn sign_in(
        &self,
        name: &str,
        password: &str,
        client: &str,
        now_ms: u64,
    ) -> Result<(Caller, String), AccountError> {
        let name = name.trim().to_lowercase();
        let keys = [
            (format!("name:{name}"), access::SIGN_IN_FREE_FAILURES),
            (
                format!("addr:{client}"),
                access::SIGN_IN_FREE_FAILURES_PER_ADDRESS,
            ),
        ];
        {
            let t = self.throttle.locked();
            for (k, _) in &keys {
                if let Err(ms) = t.get(k).copied().unwrap_or_default().check(now_ms) {
                    warn!(user = %name, %client, "sign-in refused: throttled");
                    return Err(AccountError::Throttled(ms.div_ceil(1000)));
                }
            }
        }
        let account = self.accounts.locked().get(&name).cloned();
        let phc = account
            .as_ref()
            .and_then(|a| a.password.clone())
            .unwrap_or_else(|| self.decoy().to_owned());
        let ok = password::verify(password, &phc) && account.is_some();
        let mut t = self.throttle.locked();
        if !ok {
            if t.len() >= THROTTLE_KEYS_MAX {
                t.retain(|_, v| !v.idle(now_ms));
            }
            if t.len() < THROTTLE_KEYS_MAX {
                for (k, free) in &keys {
                    t.entry(k.clone()).or_default().fail(now_ms, *free);
                }
            }
            warn!(user = %name, %client, "sign-in refused: wrong name or password");
            return Err(AccountError::WrongPassword);
        }
        for (k, _) in &keys {
            t.remove(k);
        }
        drop(t);
        let a = account.expect("checked above");
        if a.disabled {
            warn!(user = %name, %client, "sign-in refused: account disabled");
            return Err(AccountError::Disabled);
        }
        let cookie = self.web.locked().open(&a.name, now_ms);
        Ok((
            Caller {
                user: a.name,
                full_name: a.full_name,
                role: a.role,
                pass: None,
                via: Via::WebSession,
            },
            cookie,
        ))
    }

    pub fn sign_out(&self, cookie: &str) {
        self.web.locked().close(cookie);
    }

    /// Creates an account; with no password given, a temporary one is drawn and returned
    /// (shown once, to be read out to the person).
    pub fn create(
        &self,
        store: &Store,
        name: &str,
        full_name: &str,
        role: &str,
        password: Option<&str>,
        now_ms: u64,
    ) -> Result<Option<String>, AccountError> {
        let (account, temporary) = new_account(name, full_name, role, password, now_ms)?;
        let mut accounts = self.accounts.locked();
        if accounts.contains_key(&account.name) {
            return Err(AccountError::Exists(account.name));
        }
        store
            .put_account(&account)
            .map_err(|e| AccountError::Internal(e.to_string()))?;
        accounts.insert(account.name.clone(), account);
        Ok(temporary)
    }

    pub fn list(&self) -> Vec<AccountView> {
        let tokens = self.tokens.locked();
        self.accounts
            .locked()
            .values()
            .map(|a| view(a, &tokens))
            .collect()
    }

    /// Disables or enables an account; disabling ends its web sessions now.
    pub fn set_disabled(
        &self,
        store: &Store,
        name: &str,
        disabled: bool,
    ) -> Result<(), AccountError> {
        self.update(store, name, |a| {
            a.disabled = disabled;
            Ok(())
        })?;
        if disabled {
            self.web.locked().close_all_of(name);
        }
        Ok(())
    }

    /// Sets a new password (a temporary one when none is given, returned) and ends the
    /// account's web sessions.
    pub fn set_password(
        &self,
        store: &Store,
        name: &str,
        new: Option<&str>,
    ) -> Result<Option<String>, AccountError> {
        let (phc, temporary) = new_password(new)?;
        self.update(store, name, |a| {
            a.password = Some(phc);
            Ok(())
        })?;
        self.web.locked().close_all_of(name);
        Ok(temporary)
    }

    /// A person changes their own password, proving the current one.
    pub fn change_own_password(
        &self,
        store: &Store,
        name: &str,
        current: &str,
        new: &str,
    ) -> Result<(), AccountError> {
        let phc = self
            .accounts
            .locked()
            .get(name)
            .and_then(|a| a.password.clone())
            .unwrap_or_else(|| self.decoy().to_owned());
        if !password::verify(current, &phc) {
            return Err(AccountError::WrongPassword);
        }
        let phc = password::hash(new)?;
        self.update(store, name, |a| {
            a.password = Some(phc);
            Ok(())
        })
    }

    /// A new API token bound to an account and its role (shown once).
    pub fn new_token(&self, store: &Store, name: &str) -> Result<String, AccountError> {
        let role = self
            .accounts
            .locked()
            .get(name)
            .map(|a| a.role)
            .ok_or_else(|| AccountError::NoSuchAccount(name.to_owned()))?;
        let (hash, user, token) = new_token(name, role);
        store
            .put_user(&hash, &user)
            .map_err(|e| AccountError::Internal(e.to_string()))?;
        self.tokens.locked().insert(hash, user);
        Ok(token)
    }

    /// Hands out a participant pass; None when the site holds too many live passes.
    pub fn issue_pass(&self, pass: Pass, now_ms: u64) -> Option<String> {
        self.passes.locked().issue(pass, now_ms)
    }

    fn update(
        &self,
        store: &Store,
        name: &str,
        f: impl FnOnce(&mut Account) -> Result<(), AccountError>,
    ) -> Result<(), AccountError> {
        let mut accounts = self.accounts.locked();
        let mut a = accounts
            .get(name)
            .cloned()
            .ok_or_else(|| AccountError::NoSuchAccount(name.to_owned()))?;
        f(&mut a)?;
        store
            .put_account(&a)
            .map_err(|e| AccountError::Internal(e.to_string()))?;
        accounts.insert(a.name.clone(), a);
        Ok(())
    }
}

fn view(a: &Account, tokens: &BTreeMap<String, User>) -> AccountView {
    AccountView {
        name: a.name.clone(),
        full_name: a.full_name.clone(),
        role: a.role,
        role_label: a.role.label_vi(),
        has_password: a.password.is_some(),
        disabled: a.disabled,
        created_ms: a.created_ms,
        tokens: tokens.values().filter(|u| u.name == a.name).count(),
    }
}

/// Checks a new account's fields and hashes its password.
fn new_account(
    name: &str,
    full_name: &str,
    role: &str,
    password: Option<&str>,
    now_ms: u64,
) -> Result<(Account, Option<String>), AccountError> {
    let name = name.trim();
    if !(3..=32).contains(&name.len())
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        || name == "operator"
    {
        return Err(AccountError::BadName);
    }
    let full_name = full_name.trim();
    if full_name.is_empty()
        || full_name.chars().count() > 128
        || full_name.chars().any(char::is_control)
    {
        return Err(AccountError::BadFullName);
    }
    let role = Role::parse_account(role).ok_or_else(|| AccountError::BadRole(role.to_owned()))?;
    let (phc, temporary) = new_password(password)?;
    Ok((
        Account {
            name: name.to_owned(),
            full_name: full_name.to_owned(),
            role,
            password: Some(phc),
            disabled: false,
            created_ms: now_ms,
        },
        temporary,
    ))
}

fn new_password(given: Option<&str>) -> Result<(String, Option<String>), AccountError> {
    match given {
        Some(p) => Ok((password::hash(p)?, None)),
        None => {
            let t = password::temporary();
            Ok((password::hash(&t)?, Some(t)))
        }
    }
}

fn new_token(name: &str, role: Role) -> (String, User, String) {
    let token = hex::encode(rand::random::<[u8; 24]>());
    let hash = blake3::hash(token.as_bytes()).to_hex().to_string();
    let user = User {
        name: name.to_owned(),
        role: role.as_str().to_owned(),
    };
    (hash, user, token)
}

/// The offline side of `tiepdan user` and `tiepdan case`, straight on a stopped node's store:
/// the same [`Accounts`], loaded for one command.
pub mod offline {
    use super::*;

    fn open(store: &Store, operator_token: &str) -> Result<Accounts, AccountError> {
        Accounts::load(store, operator_token).map_err(|e| AccountError::Internal(e.to_string()))
    }

    pub fn create(
        store: &Store,
        name: &str,
        full_name: &str,
        role: &str,
        password: Option<&str>,
        now_ms: u64,
    ) -> Result<Option<String>, AccountError> {
        open(store, "")?.create(store, name, full_name, role, password, now_ms)
    }

    pub fn list(store: &Store) -> Result<Vec<AccountView>, AccountError> {
        Ok(open(store, "")?.list())
    }

    pub fn set_disabled(store: &Store, name: &str, disabled: bool) -> Result<(), AccountError> {
        open(store, "")?.set_disabled(store, name, disabled)
    }

    pub fn set_password(
        store: &Store,
        name: &str,
        new: Option<&str>,
    ) -> Result<Option<String>, AccountError> {
        open(store, "")?.set_password(store, name, new)
    }

    /// The caller an API token (or the operator token) names: offline commands act as that
    /// account, with its role.
    pub fn caller_by_token(
        store: &Store,
        operator_token: &str,
        token: &str,
    ) -> Result<Caller, AccountError> {
        open(store, operator_token)?
            .by_token(token, 0)
            .ok_or(AccountError::UnknownToken)
    }

    pub fn new_token(store: &Store, name: &str) -> Result<String, AccountError> {
        open(store, "")?.new_token(store, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("store.redb")).unwrap();
        (dir, s)
    }

    #[test]
    fn sign_in_opens_a_session_and_wrong_passwords_are_throttled() {
        let (_d, s) = store();
        let acc = Accounts::load(&s, "operator-token-0123456789").unwrap();
        acc.create(
            &s,
            "canbo",
            "Trần Thị B",
            "officer",
            Some("mật khẩu dài"),
            0,
        )
        .unwrap();
        let (caller, cookie) = acc.sign_in("CanBo", "mật khẩu dài", "1.2.3.4", 0).unwrap();
        assert_eq!(
            (caller.user.as_str(), caller.role),
            ("canbo", Role::Officer)
        );
        assert_eq!(
            acc.by_cookie(&cookie, 1).map(|c| c.role),
            Some(Role::Officer)
        );
        for _ in 0..access::SIGN_IN_FREE_FAILURES {
            assert!(matches!(
                acc.sign_in("canbo", "sai", "5.6.7.8", 10),
                Err(AccountError::WrongPassword)
            ));
        }
        assert!(
            matches!(
                acc.sign_in("canbo", "mật khẩu dài", "9.9.9.9", 11),
                Err(AccountError::Throttled(_))
            ),
            "the name is locked, from any address"
        );
        assert!(acc
            .sign_in(
                "canbo",
                "mật khẩu dài",
                "9.9.9.9",
                11 + access::SIGN_IN_LOCK_MS
            )
            .is_ok());
        assert!(matches!(
            acc.sign_in("khongco", "mật khẩu dài", "1.1.1.1", 0),
            Err(AccountError::WrongPassword)
        ));
    }

    #[test]
    fn disabling_ends_sessions_and_tokens_at_once() {
        let (_d, s) = store();
        let acc = Accounts::load(&s, "operator-token-0123456789").unwrap();
        let temporary = acc
            .create(&s, "chutri", "Nguyễn Văn C", "chair", None, 0)
            .unwrap()
            .expect("a temporary password");
        let (_, cookie) = acc.sign_in("chutri", &temporary, "a", 0).unwrap();
        let token = acc.new_token(&s, "chutri").unwrap();
        assert_eq!(acc.by_token(&token, 0).map(|c| c.role), Some(Role::Chair));
        acc.set_disabled(&s, "chutri", true).unwrap();
        assert!(acc.by_cookie(&cookie, 1).is_none());
        assert!(acc.by_token(&token, 1).is_none());
        assert!(matches!(
            acc.sign_in("chutri", &temporary, "a", 2),
            Err(AccountError::Disabled)
        ));
        acc.set_disabled(&s, "chutri", false).unwrap();
        assert!(acc.by_token(&token, 3).is_some());
        // Survives a restart.
        let again = Accounts::load(&s, "operator-token-0123456789").unwrap();
        assert!(again.by_token(&token, 3).is_some());
        assert!(again.sign_in("chutri", &temporary, "a", 3).is_ok());
    }

    #[test]
    fn bad_accounts_are_refused_with_their_code() {
        let (_d, s) = store();
        let acc = Accounts::load(&s, "operator-token-0123456789").unwrap();
        let cases = [
            ("ab", "A", "officer", "bad_user_name"),
            ("Trần", "A", "officer", "bad_user_name"),
            ("operator", "A", "officer", "bad_user_name"),
            ("canbo", "", "officer", "bad_full_name"),
            ("canbo", "A", "admin", "bad_role"),
            ("canbo", "A", "participant", "bad_role"),
        ];
        for (name, full, role, code) in cases {
            let e = acc.create(&s, name, full, role, None, 0).unwrap_err();
            assert_eq!(e.code(), code, "{name} {full} {role}");
        }
        acc.create(&s, "canbo", "A", "officer", None, 0).unwrap();
        assert_eq!(
            acc.create(&s, "canbo", "B", "chair", None, 0)
                .unwrap_err()
                .code(),
            "account_exists"
        );
        assert!(acc.by_token("", 0).is_none());
    }
}
