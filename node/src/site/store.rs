//! The node's durable store: one redb file under the data folder, immediate durability.
//!
//! Owns the tables and their encodings. Every write commits with `Durability::Immediate`, so
//! when a function here returns `Ok` the data is on disk (fsync'd); the exceptions say so (the
//! peers cache, events already in the write-ahead log). Signed records (revocations,
//! holiday calendars) are stored exactly as received and never re-encoded. The file is locked
//! while a node runs; CLI commands then go through the node's API instead (see `client.rs`).

use std::path::Path;

use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition};

use super::wal::{self, Wal};
use serde::{Deserialize, Serialize};

/// Small values: site identity, counters.
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// Peers ever learned, by site code: CBOR `PeerEntry`.
const PEERS: TableDefinition<&str, &[u8]> = TableDefinition::new("peers");
/// Our own certificates by name ("chain", "tls-chain"): PEM text.
const CERTS: TableDefinition<&str, &[u8]> = TableDefinition::new("certs");
/// Signed revocation records by revoked site code, bytes as received.
const REVOCATIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("revocations");
/// Signed holiday calendars central published, by year, bytes as received.
const CALENDARS: TableDefinition<i32, &[u8]> = TableDefinition::new("calendars");
/// Online join requests received from children, by id: CBOR `JoinRecord`.
const JOIN_REQUESTS: TableDefinition<u64, &[u8]> = TableDefinition::new("join_requests");
/// Chains this site issued, by subject site code: PEM text of the last issued chain.
const ISSUED: TableDefinition<&str, &[u8]> = TableDefinition::new("issued");
/// Signed case events, bytes exactly as signed and received, by `case_id \0 event_id`. Keyed by
/// case first so a batch of new cases lands on a few B-tree pages (case ids grow per site),
/// where keying by the random event id rewrote a page per event at every commit.
const EVENTS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("case_event_bytes");
/// Earlier layout (events by id, plus a `case_id \0 event_id` index), moved into [`EVENTS`] on open.
const OLD_EVENTS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("events");
const OLD_CASE_EVENTS: TableDefinition<&[u8], ()> = TableDefinition::new("case_events");
/// Ed25519 public keys of sites whose chains verified, by site code (for event signatures).
const SITE_KEYS: TableDefinition<&str, &[u8]> = TableDefinition::new("site_keys");
/// API users besides the operator: BLAKE3 of their token → CBOR `User`.
const USERS: TableDefinition<&str, &[u8]> = TableDefinition::new("users");
/// The site's people: user name → CBOR `Account` (role, argon2id password hash, disabled).
const ACCOUNTS: TableDefinition<&str, &[u8]> = TableDefinition::new("accounts");
/// Verified chains of other sites (DER list, CBOR), so events can be forwarded with them.
const SITE_CHAINS: TableDefinition<&str, &[u8]> = TableDefinition::new("site_chains");
/// The version of each case last delivered to the national database (NĐ 55/2022): what the
/// next incremental export leaves out.
const NATIONAL_EXPORTS: TableDefinition<&str, &[u8]> = TableDefinition::new("national_exports");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the store {path} is in use by a running tiepdan node")]
    Locked { path: String },
    #[error("store: {0}")]
    Db(#[from] redb::Error),
    #[error("store record is corrupt: {0}")]
    Corrupt(String),
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self { StoreError::Db(e.into()) }
        }
    )*};
}
from_redb!(
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::SetDurabilityError
);

/// What we remember about another site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeerEntry {
    pub site: String,
    pub peer_id: String,
    pub quic_addrs: Vec<String>,
    pub p2p_addrs: Vec<String>,
    /// Unix seconds of the last proven contact; 0 if only introduced.
    pub last_seen: u64,
}

/// Someone who may call the API, and in which role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    /// `operator` (IT staff), `officer` (cán bộ tiếp công dân) or `chair` (người chủ trì).
    pub role: String,
}

/// A person who signs in to the web UI (and whose API tokens, if any, name them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The sign-in name: lower-case ASCII letters, digits, `.`, `_`, `-`.
    pub name: String,
    /// The person's full name as documents print it ("Trần Thị B").
    pub full_name: String,
    pub role: tiepdan_protocol::access::Role,
    /// argon2id PHC string; None until a password is set.
    pub password: Option<String>,
    pub disabled: bool,
    pub created_ms: u64,
}

/// A child's online join request, as the parent's operator sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinRecord {
    pub id: u64,
    pub site: String,
    pub peer_id: String,
    pub request_pem: String,
    /// BLAKE3 of the child's poll secret: the child proves it is the requester when it collects.
    pub secret_hash: String,
    pub received_at: u64,
    pub state: JoinState,
    /// The issued chain once approved.
    pub chain_pem: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JoinState {
    Pending,
    Approved,
    Rejected,
}

pub struct Store {
    db: Database,
    /// The write-ahead log of this site's own events (`put_events_logged`); `None` when it
    /// could not be opened (those events then take a durable redb commit each).
    wal: std::sync::Mutex<Option<Wal>>,
}

/// One record of the write-ahead log: the events and counters of one flush.
#[derive(Serialize, Deserialize)]
struct LoggedWrite {
    events: Vec<(String, serde_bytes::ByteBuf, serde_bytes::ByteBuf)>,
    counters: Vec<(String, u64)>,
}

/// The meta key of the log's current epoch.
const WAL_EPOCH: &str = "wal_epoch";

fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    // Encoding our own plain structs to a Vec cannot fail.
    cbor4ii::serde::to_vec(Vec::new(), v).expect("cbor encode")
}

fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, StoreError> {
    cbor4ii::serde::from_slice(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl Store {
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let db = match Database::create(path) {
            Ok(db) => db,
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
                return Err(StoreError::Locked {
                    path: path.display().to_string(),
                })
            }
            Err(e) => return Err(StoreError::Db(e.into())),
        };
        let mut store = Store {
            db,
            wal: std::sync::Mutex::new(None),
        };
        // Create every table up front so readers never meet a missing table.
        store.write(|tx| {
            tx.open_table(META)?;
            tx.open_table(PEERS)?;
            tx.open_table(CERTS)?;
            tx.open_table(REVOCATIONS)?;
            tx.open_table(CALENDARS)?;
            tx.open_table(JOIN_REQUESTS)?;
            tx.open_table(ISSUED)?;
            tx.open_table(EVENTS)?;
            tx.open_table(SITE_KEYS)?;
            tx.open_table(SITE_CHAINS)?;
            tx.open_table(USERS)?;
            tx.open_table(ACCOUNTS)?;
            tx.open_table(NATIONAL_EXPORTS)?;
            Ok(())
        })?;
        store.migrate_events()?;
        store.wal = std::sync::Mutex::new(Some(store.replay_wal(path)?));
        Ok(store)
    }

    /// Applies what the write-ahead log holds of the current epoch durably, and raises the
    /// epoch in the same commit, so the log starts afresh.
    fn replay_wal(&self, path: &Path) -> Result<Wal, StoreError> {
        let epoch = self.counter(WAL_EPOCH)?;
        let io = |e: std::io::Error| StoreError::Corrupt(format!("write-ahead log: {e}"));
        let (mut wal, records) = Wal::open(&wal::path_for(path), epoch).map_err(io)?;
        let mut writes = Vec::new();
        for r in &records {
            writes.push(decode::<LoggedWrite>(r)?);
        }
        let events: Vec<(&str, [u8; 32], &[u8])> = writes
            .iter()
            .flat_map(|w| w.events.iter())
            .filter_map(|(record, id, bytes)| {
                Some((
                    record.as_str(),
                    <[u8; 32]>::try_from(id.as_slice()).ok()?,
                    bytes.as_slice(),
                ))
            })
            .collect();
        let mut counters: Vec<(&str, u64)> = writes
            .iter()
            .flat_map(|w| w.counters.iter())
            .map(|(name, n)| (name.as_str(), *n))
            .collect();
        counters.push((WAL_EPOCH, epoch + 1));
        self.put_events_raising(&events, &counters)?;
        if !records.is_empty() {
            tracing::info!(
                records = records.len(),
                events = events.len(),
                "write-ahead log replayed"
            );
        }
        wal.reset(epoch + 1);
        Ok(wal)
    }

    /// Stores this site's own events (and raises its counters) durably with one flush of the
    /// write-ahead log, then puts them in redb with a commit that does not flush. A durable
    /// redb commit (a checkpoint) makes room when the log is full. Holding the log's lock
    /// from the log's flush to redb's commit keeps a checkpoint from passing a record that
    /// redb does not have yet.
    pub fn put_events_logged(
        &self,
        events: &[(&str, [u8; 32], &[u8])],
        counters: &[(&str, u64)],
    ) -> Result<usize, StoreError> {
        let record = encode(&LoggedWrite {
            events: events
                .iter()
                .map(|(r, id, b)| {
                    (
                        (*r).to_owned(),
                        serde_bytes::ByteBuf::from(id.to_vec()),
                        serde_bytes::ByteBuf::from(b.to_vec()),
                    )
                })
                .collect(),
            counters: counters
                .iter()
                .map(|(n, v)| ((*n).to_owned(), *v))
                .collect(),
        });
        let mut guard = self.wal.lock().unwrap_or_else(|e| e.into_inner());
        let Some(wal) = guard.as_mut().filter(|_| Wal::can_hold(record.len())) else {
            return self.put_events_raising(events, counters);
        };
        let io = |e: std::io::Error| StoreError::Corrupt(format!("write-ahead log: {e}"));
        if !wal.append(&record).map_err(io)? {
            // Full: a durable commit makes every record so far redundant; a new epoch.
            let next = wal.epoch() + 1;
            self.put_events_raising(&[], &[(WAL_EPOCH, next)])?;
            wal.reset(next);
            if !wal.append(&record).map_err(io)? {
                return self.put_events_raising(events, counters);
            }
        }
        self.raise_with(Durability::None, events, counters)
    }

    /// Moves events from the earlier by-id layout into [`EVENTS`], in one transaction, so a
    /// data folder from an older build keeps every event.
    fn migrate_events(&self) -> Result<(), StoreError> {
        use redb::TableHandle as _;
        let has_old = {
            let tx = self.db.begin_read()?;
            let tables: Vec<String> = tx.list_tables()?.map(|t| t.name().to_owned()).collect();
            tables.iter().any(|n| n == OLD_CASE_EVENTS.name())
        };
        if !has_old {
            return Ok(());
        }
        self.write(|tx| {
            {
                let idx = tx.open_table(OLD_CASE_EVENTS)?;
                let old = tx.open_table(OLD_EVENTS)?;
                let mut new = tx.open_table(EVENTS)?;
                for row in idx.iter()? {
                    let (k, _) = row?;
                    let key = k.value();
                    let id = &key[key.len().saturating_sub(32)..];
                    if let Some(bytes) = old.get(id)? {
                        new.insert(key, bytes.value())?;
                    }
                }
            }
            tx.delete_table(OLD_CASE_EVENTS)?;
            tx.delete_table(OLD_EVENTS)?;
            Ok(())
        })
    }

    fn write<R>(
        &self,
        f: impl FnOnce(&redb::WriteTransaction) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        self.write_with(Durability::Immediate, f)
    }

    fn write_with<R>(
        &self,
        durability: Durability,
        f: impl FnOnce(&redb::WriteTransaction) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let mut tx = self.db.begin_write()?;
        tx.set_durability(durability)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    pub fn put_meta(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.open_table(META)?.insert(key, value)?;
            Ok(())
        })
    }

    pub fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(META)?;
        Ok(t.get(key)?.map(|v| v.value().to_vec()))
    }

    pub fn put_cert(&self, name: &str, pem: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.open_table(CERTS)?.insert(name, pem.as_bytes())?;
            Ok(())
        })
    }

    pub fn cert(&self, name: &str) -> Result<Option<String>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(CERTS)?;
        Ok(t.get(name)?
            .map(|v| String::from_utf8_lossy(v.value()).into_owned()))
    }

    /// Remembers where a peer was last seen. Without a flush of its own: the table is a cache
    /// that every hello refills, and central learns thousands of peers as the country links
    /// (a flush each would cap admissions at the disk's flush rate); the next durable commit
    /// takes it to disk, and a crash before it loses addresses, never records.
    pub fn put_peer(&self, peer: &PeerEntry) -> Result<(), StoreError> {
        self.write_with(Durability::None, |tx| {
            tx.open_table(PEERS)?
                .insert(peer.site.as_str(), encode(peer).as_slice())?;
            Ok(())
        })
    }

    pub fn remove_peer(&self, site: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.open_table(PEERS)?.remove(site)?;
            Ok(())
        })
    }

    pub fn peers(&self) -> Result<Vec<PeerEntry>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(PEERS)?;
        let mut out = Vec::new();
        for row in t.iter()? {
            let (_, v) = row?;
            out.push(decode(v.value())?);
        }
        Ok(out)
    }

    /// Stores a verified revocation record exactly as received.
    pub fn put_revocation(&self, site: &str, signed: &[u8]) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.open_table(REVOCATIONS)?.insert(site, signed)?;
            Ok(())
        })
    }

    /// Forgets a revocation record that no longer verifies (its issuer was revoked before it).
    pub fn remove_revocation(&self, site: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.open_table(REVOCATIONS)?.remove(site)?;
            Ok(())
        })
    }

    pub fn revocations(&self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(REVOCATIONS)?;
        let mut out = Vec::new();
        for row in t.iter()? {
            let (k, v) = row?;
            out.push((k.value().to_owned(), v.value().to_vec()));
        }
        Ok(out)
    }

    /// Stores a verified holiday calendar exactly as received, replacing its year's.
    pub fn put_calendar(&self, year: i32, signed: &[u8]) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.open_table(CALENDARS)?.insert(year, signed)?;
            Ok(())
        })
    }

    /// Every stored holiday calendar, by year.
    pub fn calendars(&self) -> Result<Vec<(i32, Vec<u8>)>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(CALENDARS)?;
        let mut out = Vec::new();
        for row in t.iter()? {
            let (k, v) = row?;
            out.push((k.value(), v.value().to_vec()));
        }
        Ok(out)
    }

    /// The last chain this site issued to `site`, if any (PEM).
    pub fn issued(&self, site: &str) -> Result<Option<String>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(ISSUED)?;
        Ok(t.get(site)?
            .map(|v| String::from_utf8_lossy(v.value()).into_owned()))
    }

    pub fn put_issued(&self, site: &str, chain_pem: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.open_table(ISSUED)?.insert(site, chain_pem.as_bytes())?;
            Ok(())
        })
    }

    /// Stores signed events (exact bytes) of one or more cases in one durable transaction,
    /// optionally raising a yearly counter (the log-book number, STT) to at least its value in
    /// the same commit.
    /// Returns how many were new.
    pub fn put_events(
        &self,
        events: &[(&str, [u8; 32], &[u8])],
        counter: Option<(&str, u64)>,
    ) -> Result<usize, StoreError> {
        let counters: Vec<(&str, u64)> = counter.into_iter().collect();
        self.put_events_raising(events, &counters)
    }

    /// Stores signed events of any number of records in one durable transaction, and raises
    /// each named counter to at least its value (never lowers it: commits grouped in one
    /// transaction may carry a counter's numbers in any order). Returns how many were new.
    pub fn put_events_raising(
        &self,
        events: &[(&str, [u8; 32], &[u8])],
        counters: &[(&str, u64)],
    ) -> Result<usize, StoreError> {
        self.raise_with(Durability::Immediate, events, counters)
    }

    fn raise_with(
        &self,
        durability: Durability,
        events: &[(&str, [u8; 32], &[u8])],
        counters: &[(&str, u64)],
    ) -> Result<usize, StoreError> {
        self.write_with(durability, |tx| {
            let mut t = tx.open_table(EVENTS)?;
            let mut added = 0;
            for (case_id, id, bytes) in events {
                if t.insert(case_key(case_id, id).as_slice(), *bytes)?
                    .is_none()
                {
                    added += 1;
                }
            }
            let mut meta = tx.open_table(META)?;
            for (name, value) in counters {
                let stored = meta
                    .get(*name)?
                    .and_then(|v| <[u8; 8]>::try_from(v.value()).ok())
                    .map_or(0, u64::from_be_bytes);
                if *value > stored {
                    meta.insert(*name, value.to_be_bytes().as_slice())?;
                }
            }
            Ok(added)
        })
    }

    /// Marks these case versions as delivered to the national database, in one transaction.
    pub fn put_exported(&self, versions: &[(String, String)]) -> Result<(), StoreError> {
        self.write(|tx| {
            let mut t = tx.open_table(NATIONAL_EXPORTS)?;
            for (case, version) in versions {
                t.insert(case.as_str(), version.as_bytes())?;
            }
            Ok(())
        })
    }

    /// The version of each case last delivered to the national database.
    pub fn exported(&self) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(NATIONAL_EXPORTS)?;
        let mut out = std::collections::BTreeMap::new();
        for row in t.iter()? {
            let (k, v) = row?;
            out.insert(
                k.value().to_owned(),
                String::from_utf8_lossy(v.value()).into_owned(),
            );
        }
        Ok(out)
    }

    pub fn counter(&self, name: &str) -> Result<u64, StoreError> {
        Ok(self
            .meta(name)?
            .and_then(|v| v.try_into().ok())
            .map(u64::from_be_bytes)
            .unwrap_or(0))
    }

    /// Every stored event, grouped by case, for rebuilding the in-memory indexes at start.
    pub fn all_events(&self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(EVENTS)?;
        let mut out = Vec::new();
        for row in t.iter()? {
            let (k, v) = row?;
            let k = k.value();
            let case_id = &k[..k.len().saturating_sub(33)];
            out.push((
                String::from_utf8_lossy(case_id).into_owned(),
                v.value().to_vec(),
            ));
        }
        Ok(out)
    }

    pub fn put_site_key(
        &self,
        site: &str,
        key: &[u8; 32],
        chain_cbor: &[u8],
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.open_table(SITE_KEYS)?.insert(site, key.as_slice())?;
            tx.open_table(SITE_CHAINS)?.insert(site, chain_cbor)?;
            Ok(())
        })
    }

    /// (site, Ed25519 public key, CBOR chain) of every site whose chain verified here.
    pub fn site_keys(&self) -> Result<Vec<SiteKeyRecord>, StoreError> {
        let tx = self.db.begin_read()?;
        let keys = tx.open_table(SITE_KEYS)?;
        let chains = tx.open_table(SITE_CHAINS)?;
        let mut out = Vec::new();
        for row in keys.iter()? {
            let (k, v) = row?;
            let Ok(key) = <[u8; 32]>::try_from(v.value()) else {
                continue;
            };
            let chain = chains
                .get(k.value())?
                .map(|c| c.value().to_vec())
                .unwrap_or_default();
            out.push((k.value().to_owned(), key, chain));
        }
        Ok(out)
    }

    pub fn put_user(&self, token_hash: &str, user: &User) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.open_table(USERS)?
                .insert(token_hash, encode(user).as_slice())?;
            Ok(())
        })
    }

    pub fn users(&self) -> Result<Vec<(String, User)>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(USERS)?;
        let mut out = Vec::new();
        for row in t.iter()? {
            let (k, v) = row?;
            out.push((k.value().to_owned(), decode(v.value())?));
        }
        Ok(out)
    }

    pub fn put_account(&self, account: &Account) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.open_table(ACCOUNTS)?
                .insert(account.name.as_str(), encode(account).as_slice())?;
            Ok(())
        })
    }

    pub fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(ACCOUNTS)?;
        let mut out = Vec::new();
        for row in t.iter()? {
            out.push(decode(row?.1.value())?);
        }
        Ok(out)
    }

    /// Adds a join request and returns its id.
    pub fn add_join_request(&self, mut rec: JoinRecord) -> Result<JoinRecord, StoreError> {
        self.write(|tx| {
            let mut t = tx.open_table(JOIN_REQUESTS)?;
            let next = t.last()?.map(|(k, _)| k.value() + 1).unwrap_or(1);
            rec.id = next;
            t.insert(next, encode(&rec).as_slice())?;
            Ok(rec)
        })
    }

    pub fn join_request(&self, id: u64) -> Result<Option<JoinRecord>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(JOIN_REQUESTS)?;
        t.get(id)?.map(|v| decode(v.value())).transpose()
    }

    pub fn join_requests(&self) -> Result<Vec<JoinRecord>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(JOIN_REQUESTS)?;
        let mut out = Vec::new();
        for row in t.iter()? {
            let (_, v) = row?;
            out.push(decode(v.value())?);
        }
        Ok(out)
    }

    pub fn put_join_request(&self, rec: &JoinRecord) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.open_table(JOIN_REQUESTS)?
                .insert(rec.id, encode(rec).as_slice())?;
            Ok(())
        })
    }
}

/// (site, Ed25519 public key, CBOR chain).
pub type SiteKeyRecord = (String, [u8; 32], Vec<u8>);

fn case_key(case_id: &str, id: &[u8; 32]) -> Vec<u8> {
    let mut k = Vec::with_capacity(case_id.len() + 33);
    k.extend_from_slice(case_id.as_bytes());
    k.push(0);
    k.extend_from_slice(id);
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_survive_reopen_and_second_open_is_locked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        {
            let s = Store::open(&path).unwrap();
            s.put_revocation("00070", b"signed-bytes").unwrap();
            s.put_calendar(2028, b"calendar-bytes").unwrap();
            s.put_peer(&PeerEntry {
                site: "01".into(),
                peer_id: "p".into(),
                quic_addrs: vec!["127.0.0.1:1".into()],
                p2p_addrs: vec![],
                last_seen: 5,
            })
            .unwrap();
            assert!(matches!(Store::open(&path), Err(StoreError::Locked { .. })));
        }
        let s = Store::open(&path).unwrap();
        assert_eq!(
            s.revocations().unwrap(),
            vec![("00070".to_owned(), b"signed-bytes".to_vec())]
        );
        assert_eq!(s.peers().unwrap()[0].last_seen, 5);
        assert_eq!(
            s.calendars().unwrap(),
            vec![(2028, b"calendar-bytes".to_vec())]
        );
    }

    /// What only the write-ahead log holds (redb's own commit of it lost, as in a crash) is
    /// put back when the store opens, counters raised, and the log then starts afresh.
    #[test]
    fn the_write_ahead_log_puts_back_what_redb_lost() {
        let crashed = tempfile::tempdir().unwrap();
        let path = crashed.path().join("store.redb");
        let later = tempfile::tempdir().unwrap();
        let copy = later.path().join("store.redb");
        {
            let s = Store::open(&path).unwrap();
            s.put_events_raising(
                &[("00004-2026-00001", [1; 32], b"first")],
                &[("stt:2026", 1)],
            )
            .unwrap();
            // redb as a crash would leave it: durable up to here, nothing logged after.
            std::fs::copy(&path, &copy).unwrap();
            s.put_events_logged(
                &[
                    ("00004-2026-00002", [2; 32], b"second"),
                    ("00004-2026-00003", [3; 32], b"third"),
                ],
                &[("stt:2026", 3)],
            )
            .unwrap();
            s.put_events_logged(
                &[("00004-2026-00003", [4; 32], b"fourth")],
                &[("stt:2026", 2)],
            )
            .unwrap();
            assert_eq!(
                s.all_events().unwrap().len(),
                4,
                "readers see logged events at once"
            );
            assert_eq!(
                s.counter("stt:2026").unwrap(),
                3,
                "a counter never goes back"
            );
        }
        std::fs::copy(wal::path_for(&path), wal::path_for(&copy)).unwrap();
        let epoch_before = {
            let s = Store::open(&copy).unwrap();
            let held: Vec<Vec<u8>> = s
                .all_events()
                .unwrap()
                .into_iter()
                .map(|(_, b)| b)
                .collect();
            assert_eq!(held.len(), 4, "{held:?}");
            for b in [b"first".as_slice(), b"second", b"third", b"fourth"] {
                assert!(held.iter().any(|h| h == b), "{b:?} lost");
            }
            assert_eq!(s.counter("stt:2026").unwrap(), 3);
            s.counter(WAL_EPOCH).unwrap()
        };
        // Replayed once: the next open finds nothing of its epoch to apply again.
        let s = Store::open(&copy).unwrap();
        assert_eq!(s.all_events().unwrap().len(), 4);
        assert_eq!(s.counter(WAL_EPOCH).unwrap(), epoch_before + 1);
    }

    /// A log that fills up is checkpointed into redb and starts again: nothing is lost.
    #[test]
    fn a_full_write_ahead_log_is_checkpointed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        let big = vec![9u8; 1 << 20];
        let ids: Vec<[u8; 32]> = (0..20u8).map(|i| [i; 32]).collect();
        {
            let s = Store::open(&path).unwrap();
            for id in &ids {
                s.put_events_logged(&[("00004-2026-00001", *id, &big)], &[])
                    .unwrap();
            }
        }
        let s = Store::open(&path).unwrap();
        assert_eq!(s.all_events().unwrap().len(), ids.len());
    }

    #[test]
    fn events_in_the_earlier_layout_are_moved_not_lost() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        {
            let db = Database::create(&path).unwrap();
            let tx = db.begin_write().unwrap();
            {
                let mut old = tx.open_table(OLD_EVENTS).unwrap();
                let mut idx = tx.open_table(OLD_CASE_EVENTS).unwrap();
                for (case_id, id, bytes) in [
                    ("A-1", [1u8; 32], b"one".as_slice()),
                    ("A-1", [2; 32], b"two"),
                    ("B-7", [3; 32], b"three"),
                ] {
                    old.insert(id.as_slice(), bytes).unwrap();
                    idx.insert(case_key(case_id, &id).as_slice(), ()).unwrap();
                }
            }
            tx.commit().unwrap();
        }
        let s = Store::open(&path).unwrap();
        let mut events = s.all_events().unwrap();
        events.sort();
        let expect: Vec<(String, Vec<u8>)> = vec![
            ("A-1".into(), b"one".to_vec()),
            ("A-1".into(), b"two".to_vec()),
            ("B-7".into(), b"three".to_vec()),
        ];
        assert_eq!(events, expect);
        // New writes land next to them; a replay adds nothing.
        assert_eq!(
            s.put_events(
                &[("B-7", [3; 32], b"three"), ("B-7", [4; 32], b"four")],
                None
            )
            .unwrap(),
            1
        );
        drop(s);
        assert_eq!(Store::open(&path).unwrap().all_events().unwrap().len(), 4);
    }
}
