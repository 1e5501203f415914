//! The online join, parent side: a child posts its certificate request with a secret it chose,
//! the parent's operator approves or rejects it, and the child collects its chain with the
//! secret.
//!
//! Owns the rules of the workflow: which site may join here (central admits provinces, a
//! province its own communes), one decision per request, and the secret check. The HTTP shape
//! is the API's; the child's side (post, poll, install) is the CLI's (`cli::join`).

use crate::language::Message;
use tiepdan_keys::cert;

use super::pki::{self, DEFAULT_CERT_DAYS};
use super::Federation;
use crate::site::store::{JoinRecord, JoinState, StoreError};

/// Shortest and longest poll secret a child may choose.
pub const SECRET_CHARS_MIN: usize = 16;
pub const SECRET_CHARS_MAX: usize = 128;

impl From<&JoinError> for Message {
    fn from(e: &JoinError) -> Message {
        match e {
            JoinError::BadRequest(m) | JoinError::NotHere(m) | JoinError::TooMany(m) => m.clone(),
            JoinError::NotFound(id) => Message::new("error-join-not-found").arg("id", *id),
            JoinError::Decided { id, state } => Message::new("error-join-decided")
                .arg("id", *id)
                .arg("state", format!("{state:?}").to_lowercase()),
            JoinError::WrongSecret => Message::new("error-join-wrong-secret"),
            JoinError::Rejected => Message::new("error-join-rejected"),
            JoinError::AlreadyCertified { site, until } => Message::new("error-join-certified")
                .arg("site", site)
                .arg("until", until),
            JoinError::Store(e) => {
                tracing::error!("join store: {e}");
                Message::new("error-store")
            }
        }
    }
}

/// Why a join step was refused.
#[derive(Debug, thiserror::Error)]
pub enum JoinError {
    #[error("{0}")]
    BadRequest(Message),
    #[error("{0}")]
    NotHere(Message),
    #[error("no join request {0}")]
    NotFound(u64),
    #[error("join request {id} is already {state:?}")]
    Decided { id: u64, state: JoinState },
    #[error("wrong secret for this join request")]
    WrongSecret,
    #[error("the parent's operator rejected this join request")]
    Rejected,
    #[error("{0}")]
    TooMany(Message),
    #[error("site {site} already holds a valid certificate from this site (until {until}); if its node was replaced, approve with \"replacement\": true")]
    AlreadyCertified { site: String, until: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Pending join requests held for one site, and in all: beyond them a request is refused
/// (nothing is stored), so an open endpoint cannot fill the disk.
pub const PENDING_PER_SITE_MAX: usize = 3;
pub const PENDING_MAX: usize = 64;

/// A join request as the parent's operator sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct JoinView {
    pub id: u64,
    pub site: String,
    pub name: String,
    pub peer_id: String,
    pub received_at: u64,
    pub state: JoinState,
}

/// What a child collecting its chain gets.
pub enum Collected {
    Pending,
    Approved {
        chain_pem: String,
        /// Our QUIC addresses, for the child's `parent =` line.
        parent_quic: Vec<String>,
    },
}

impl Federation {
    fn join_view(&self, r: &JoinRecord) -> JoinView {
        JoinView {
            id: r.id,
            site: r.site.clone(),
            name: self.site.site_name(&r.site),
            peer_id: r.peer_id.clone(),
            received_at: r.received_at,
            state: r.state,
        }
    }

    /// Stores a child's request, after checking it may join under this site.
    pub fn submit_join(&self, request_pem: String, secret: &str) -> Result<JoinRecord, JoinError> {
        if secret.len() < SECRET_CHARS_MIN || secret.len() > SECRET_CHARS_MAX {
            return Err(JoinError::BadRequest(
                Message::new("error-join-secret")
                    .arg("min", SECRET_CHARS_MIN)
                    .arg("max", SECRET_CHARS_MAX),
            ));
        }
        let req = cert::parse_request(&request_pem).map_err(|e| {
            JoinError::BadRequest(Message::new("error-join-csr").arg("detail", e.to_string()))
        })?;
        let here = &self.site.site;
        if !self.registry().may_issue(&here.code, &req.claims.site) {
            return Err(JoinError::NotHere(
                Message::new("error-join-not-here")
                    .arg("site", &req.claims.site)
                    .arg("name", self.site.site_name(&req.claims.site))
                    .arg("here", &here.code)
                    .arg("here_name", &here.name),
            ));
        }
        let pending: Vec<JoinRecord> = self
            .site
            .store
            .join_requests()?
            .into_iter()
            .filter(|r| r.state == JoinState::Pending)
            .collect();
        if pending.iter().filter(|r| r.site == req.claims.site).count() >= PENDING_PER_SITE_MAX {
            return Err(JoinError::TooMany(
                Message::new("error-join-too-many-for-site")
                    .arg("site", &req.claims.site)
                    .arg("max", PENDING_PER_SITE_MAX),
            ));
        }
        if pending.len() >= PENDING_MAX {
            return Err(JoinError::TooMany(
                Message::new("error-join-too-many").arg("max", PENDING_MAX),
            ));
        }
        let rec = JoinRecord {
            id: 0,
            site: req.claims.site.clone(),
            peer_id: req.claims.peer_id.clone(),
            request_pem,
            secret_hash: blake3::hash(secret.as_bytes()).to_hex().to_string(),
            received_at: self.now(),
            state: JoinState::Pending,
            chain_pem: None,
        };
        let rec = self.site.store.add_join_request(rec)?;
        tracing::info!(id = rec.id, site = %rec.site, "join request received; waiting for the operator to approve");
        Ok(rec)
    }

    pub fn join_requests(&self) -> Result<Vec<JoinView>, JoinError> {
        let list = self.site.store.join_requests()?;
        Ok(list.iter().map(|r| self.join_view(r)).collect())
    }

    fn join_request(&self, id: u64) -> Result<JoinRecord, JoinError> {
        self.site
            .store
            .join_request(id)?
            .ok_or(JoinError::NotFound(id))
    }

    /// The operator's approval: issues the chain and keeps it for the child to collect.
    /// A site that already holds a valid certificate from here (not expired, not revoked) is
    /// approved again only when the operator marks the request a `replacement` (a new node).
    pub fn approve_join(
        &self,
        id: u64,
        days: Option<u32>,
        replacement: bool,
    ) -> Result<JoinView, JoinError> {
        let days = days.unwrap_or(DEFAULT_CERT_DAYS);
        let mut rec = self.join_request(id)?;
        if rec.state != JoinState::Pending {
            return Err(JoinError::Decided {
                id,
                state: rec.state,
            });
        }
        if !replacement {
            let revoked = self
                .site
                .store
                .revocations()?
                .iter()
                .any(|(s, _)| *s == rec.site);
            let until = self
                .site
                .store
                .issued(&rec.site)?
                .and_then(|pem| cert::Chain::from_pem(&pem).ok())
                .map(|c| c.leaf_not_after())
                .filter(|end| *end > self.now());
            if let (Some(until), false) = (until, revoked) {
                return Err(JoinError::AlreadyCertified {
                    site: rec.site.clone(),
                    until: crate::site::clock::format_date(until),
                });
            }
        }
        let chain = pki::issue_with(
            &self.site.key,
            &self.site.chain,
            &rec.request_pem,
            days,
            self.now(),
        )
        .map_err(|e| {
            JoinError::BadRequest(Message::new("error-join-csr").arg("detail", e.to_string()))
        })?;
        self.site.store.put_issued(&rec.site, &chain)?;
        rec.state = JoinState::Approved;
        rec.chain_pem = Some(chain);
        self.site.store.put_join_request(&rec)?;
        tracing::info!(id, site = %rec.site, "join request approved");
        Ok(self.join_view(&rec))
    }

    pub fn reject_join(&self, id: u64) -> Result<JoinView, JoinError> {
        let mut rec = self.join_request(id)?;
        rec.state = JoinState::Rejected;
        self.site.store.put_join_request(&rec)?;
        Ok(self.join_view(&rec))
    }

    /// The child's collection, proven by the secret it chose.
    pub fn collect_chain(&self, id: u64, secret: &str) -> Result<Collected, JoinError> {
        let rec = self.join_request(id)?;
        let given = blake3::hash(secret.as_bytes()).to_hex().to_string();
        if !constant_time_eq(given.as_bytes(), rec.secret_hash.as_bytes()) {
            return Err(JoinError::WrongSecret);
        }
        match (rec.state, rec.chain_pem) {
            (JoinState::Approved, Some(chain_pem)) => Ok(Collected::Approved {
                chain_pem,
                parent_quic: self
                    .site
                    .bound
                    .get()
                    .map(|b| self.quic_advertised(b))
                    .unwrap_or_default(),
            }),
            (JoinState::Rejected, _) => Err(JoinError::Rejected),
            _ => Ok(Collected::Pending),
        }
    }
}

/// Compares secrets in time that does not depend on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
