//! A fleet of virtual sites in one process: the far side of the load harness
//! (`tiepdan bench --suite scale`, issue 14).
//!
//! Each virtual site is a real quinn endpoint with its own key and a certificate issued the
//! real way (central's key issues the provinces' CA certificates, a province's key its
//! communes' leaves). Toward the one site under test it does what a node does:
//! - dials with the nodes' backoff, sends its hello and waits for the node's (admission);
//! - keeps the link with the links' own transport (keep-alives, idle timeout);
//! - answers the node's replication streams: acknowledges pushes (keeping what was pushed, as
//!   a node keeps what it stores), answers reconciliation and wants;
//! - runs anti-entropy every [`SYNC_INTERVAL_MS`] when its code is the lower, as nodes do;
//! - signs receptions and pushes them, timing each until the node's acknowledgement, which
//!   a node sends once the event is stored and visible.
//!
//! It holds no case state beyond its own events and records two instants per site: when it was
//! last admitted and when a revocation frame last reached it. Uses `lab::peer` for the
//! endpoint and the hello, and the protocol's replication and reconciliation messages.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use ed25519_dalek::SigningKey;
use quinn::{Connection, RecvStream, SendStream};
use serde_bytes::ByteBuf;
use tiepdan_keys::cert::{issue, make_own_leaf, make_request, parse_request, Authority, Chain};
use tiepdan_keys::identity::SiteKey;
use tiepdan_protocol::backoff::Backoff;
use tiepdan_protocol::case::{self, CaseEvent, Citizen, Direction, IdType, Identity, Kind};
use tiepdan_protocol::control::{ControlFrame, FrameDecoder};
use tiepdan_protocol::log::{event_id, sign_event, EventBody, EventId};
use tiepdan_protocol::reconcile::{self, Reconciler, Responder};
use tiepdan_protocol::replication::{
    decode_repl, encode_repl, frame_len, initiates_sync, ReplMsg, REPLICATION_CHANNEL,
};
use tiepdan_protocol::sites::{Level, Registry};
use tokio::task::JoinHandle;

use super::peer;
use crate::federation::links::{HELLO_TIMEOUT_MS, IDLE_TIMEOUT_MS};
use crate::records::replication::SYNC_INTERVAL_MS;
use crate::site::datadir::DataDir;
use crate::site::lock::Unpoisoned;

/// Days the fleet's certificates are valid.
const CERT_DAYS: u32 = 30;

/// One virtual site's identity: its code, key and TLS chain (leaf first).
pub struct Member {
    pub code: String,
    pub key: SiteKey,
    pub chain: Chain,
}

/// `n` sites of the whole country below central, certified from central's data folder: the
/// 34 provinces first (each a CA certified by central, presenting its own leaf, as
/// `tiepdan install` makes it), then communes taken from the provinces in turn, each certified
/// by its province.
pub fn country(central: &DataDir, n: usize) -> anyhow::Result<Vec<Member>> {
    let now = crate::site::clock::unix_now();
    let registry = Registry::official();
    let root = Authority::new(
        SiteKey::load(&central.key_path())?,
        Chain::from_pem(&std::fs::read_to_string(central.chain_path())?)?,
        now,
    )?;
    let provinces: Vec<String> = registry.children(root.site()).to_vec();
    let mut authorities = Vec::new();
    let mut out = Vec::new();
    for code in &provinces {
        let key = SiteKey::generate();
        let ca = issue(
            &root,
            &parse_request(&make_request(&key, code)?)?,
            CERT_DAYS,
            now,
        )?;
        let leaf = make_own_leaf(&key, &ca, CERT_DAYS, now)?;
        authorities.push(Authority::new(SiteKey::from_seed(key.seed()), ca, now)?);
        if out.len() < n {
            out.push(Member {
                code: code.clone(),
                key,
                chain: leaf,
            });
        }
    }
    // Communes round-robin over the provinces, so a small fleet still spans the country.
    let communes: Vec<Vec<String>> = provinces
        .iter()
        .map(|p| registry.children(p).to_vec())
        .collect();
    let mut depth = 0;
    while out.len() < n {
        let before = out.len();
        for (p, list) in communes.iter().enumerate() {
            if out.len() >= n {
                break;
            }
            if let Some(code) = list.get(depth) {
                out.push(commune(&authorities[p], code, now)?);
            }
        }
        anyhow::ensure!(
            out.len() > before,
            "the country has fewer than {n} sites below central"
        );
        depth += 1;
    }
    Ok(out)
}

/// `n` communes of the province whose (running or stopped) data folder is `province`,
/// certified by that province's own key.
pub fn province(province: &DataDir, n: usize) -> anyhow::Result<Vec<Member>> {
    let now = crate::site::clock::unix_now();
    let tls = Chain::from_pem(&std::fs::read_to_string(province.tls_chain_path())?)?;
    let authority = Authority::new(
        SiteKey::load(&province.key_path())?,
        Chain::new(tls.der_list()[1..].to_vec())?,
        now,
    )?;
    let codes = Registry::official().children(authority.site()).to_vec();
    anyhow::ensure!(
        codes.len() >= n,
        "province {} has {} communes, not {n}",
        authority.site(),
        codes.len()
    );
    codes
        .iter()
        .take(n)
        .map(|c| commune(&authority, c, now))
        .collect()
}

fn commune(authority: &Authority, code: &str, now: u64) -> anyhow::Result<Member> {
    let key = SiteKey::generate();
    let chain = issue(
        authority,
        &parse_request(&make_request(&key, code)?)?,
        CERT_DAYS,
        now,
    )?;
    Ok(Member {
        code: code.to_owned(),
        key,
        chain,
    })
}

/// What the whole fleet counts.
#[derive(Default)]
struct Counters {
    /// Sites with a link up now.
    linked: AtomicUsize,
    /// Admissions since launch (a site linking again counts again).
    admissions: AtomicU64,
    /// Anti-entropy sessions completed, and failed.
    syncs: AtomicU64,
    sync_failures: AtomicU64,
    /// Events the node pushed to the fleet.
    pushed_to_us: AtomicU64,
    /// Anti-entropy runs only while this is set.
    anti_entropy: AtomicBool,
    stop: AtomicBool,
}

/// One virtual site while the fleet runs.
struct Site {
    member: Member,
    signing: SigningKey,
    hello: Vec<u8>,
    chain_der: Vec<ByteBuf>,
    endpoint: quinn::Endpoint,
    conn: Mutex<Option<Connection>>,
    /// Its events and their ids (ascending): its own receptions and what the node pushed.
    held: Mutex<Held>,
    admitted_at: Mutex<Option<Instant>>,
    revocation_at: Mutex<Option<Instant>>,
    /// Receptions it signed, for their numbers.
    receptions: AtomicU64,
}

#[derive(Default)]
struct Held {
    ids: Vec<EventId>,
    bytes: std::collections::HashMap<EventId, Vec<u8>>,
}

impl Held {
    fn add(&mut self, bytes: Vec<u8>) {
        let id = event_id(&bytes);
        if let Err(at) = self.ids.binary_search(&id) {
            self.ids.insert(at, id);
            self.bytes.insert(id, bytes);
        }
    }
}

/// Virtual sites linked (or linking) to one node.
pub struct Fleet {
    sites: Vec<Arc<Site>>,
    counters: Arc<Counters>,
    tasks: Vec<JoinHandle<()>>,
}

impl Fleet {
    /// Starts every member dialling `target` (the site `target_code`), trusting the federation
    /// root `root`.
    pub fn launch(
        members: Vec<Member>,
        target: SocketAddr,
        target_code: &str,
        root: &Chain,
    ) -> anyhow::Result<Fleet> {
        let counters = Arc::new(Counters::default());
        counters.anti_entropy.store(true, Ordering::Relaxed);
        let mut sites = Vec::with_capacity(members.len());
        for member in members {
            let endpoint = peer::endpoint_as(&member.key, &member.chain, root.root())
                .with_context(|| format!("{}: no endpoint", member.code))?;
            sites.push(Arc::new(Site {
                signing: SigningKey::from_bytes(&member.key.seed()),
                hello: peer::hello_frame(&member.code, &member.chain),
                chain_der: member
                    .chain
                    .der_list()
                    .iter()
                    .map(|c| ByteBuf::from(c.to_vec()))
                    .collect(),
                endpoint,
                member,
                conn: Mutex::new(None),
                held: Mutex::default(),
                admitted_at: Mutex::new(None),
                revocation_at: Mutex::new(None),
                receptions: AtomicU64::new(0),
            }));
        }
        let tasks = sites
            .iter()
            .map(|s| {
                tokio::spawn(keep_linked(
                    s.clone(),
                    counters.clone(),
                    target,
                    target_code.to_owned(),
                ))
            })
            .collect();
        Ok(Fleet {
            sites,
            counters,
            tasks,
        })
    }

    pub fn len(&self) -> usize {
        self.sites.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sites.is_empty()
    }

    pub fn code(&self, i: usize) -> &str {
        &self.sites[i].member.code
    }

    /// Sites with a link up now.
    pub fn linked(&self) -> usize {
        self.counters.linked.load(Ordering::Relaxed)
    }

    /// Admissions since launch.
    pub fn admissions(&self) -> u64 {
        self.counters.admissions.load(Ordering::Relaxed)
    }

    /// Waits until `n` sites are linked; the time it took.
    pub async fn wait_linked(&self, n: usize, timeout: Duration) -> anyhow::Result<Duration> {
        let t = Instant::now();
        while self.linked() < n {
            anyhow::ensure!(
                t.elapsed() < timeout,
                "{} of {n} virtual sites linked after {} s",
                self.linked(),
                timeout.as_secs()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Ok(t.elapsed())
    }

    /// Seconds from `since` to each site's latest admission, ascending (sites admitted since).
    pub fn admitted_since(&self, since: Instant) -> Vec<f64> {
        let mut out: Vec<f64> = self
            .sites
            .iter()
            .filter_map(|s| *s.admitted_at.locked())
            .filter(|t| *t >= since)
            .map(|t| t.duration_since(since).as_secs_f64())
            .collect();
        out.sort_by(f64::total_cmp);
        out
    }

    /// Turns anti-entropy on or off for every site.
    pub fn set_anti_entropy(&self, on: bool) {
        self.counters.anti_entropy.store(on, Ordering::Relaxed);
    }

    /// Anti-entropy sessions completed and failed since launch.
    pub fn syncs(&self) -> (u64, u64) {
        (
            self.counters.syncs.load(Ordering::Relaxed),
            self.counters.sync_failures.load(Ordering::Relaxed),
        )
    }

    /// Events the node pushed to the fleet since launch.
    pub fn pushed_to_us(&self) -> u64 {
        self.counters.pushed_to_us.load(Ordering::Relaxed)
    }

    /// The instants a revocation frame reached each site but `except`; `None` for a site it
    /// did not reach.
    pub fn revocations_seen(&self, except: &str) -> Vec<Option<Instant>> {
        self.sites
            .iter()
            .filter(|s| s.member.code != except)
            .map(|s| *s.revocation_at.locked())
            .collect()
    }

    /// Site `i` receives a citizen: it signs the reception and pushes it to the node. Returns
    /// the case id and the time from signing to the node's acknowledgement.
    pub async fn receive(&self, i: usize) -> anyhow::Result<(String, Duration)> {
        let site = &self.sites[i];
        let conn = site
            .conn
            .locked()
            .clone()
            .with_context(|| format!("{} is not linked", site.member.code))?;
        let t = Instant::now();
        let (case_id, bytes) = site.reception();
        site.held.locked().add(bytes.clone());
        let (mut send, mut recv) = peer::replication_stream(&conn).await?;
        write(
            &mut send,
            &ReplMsg::Events {
                events: vec![ByteBuf::from(bytes)],
                chains: vec![site.chain_der.clone()],
            },
        )
        .await?;
        match read(&mut recv).await? {
            Some(ReplMsg::Ack { accepted: 1, .. }) => {}
            other => anyhow::bail!("{case_id}: the node answered {other:?}"),
        }
        let took = t.elapsed();
        write(&mut send, &ReplMsg::Done).await?;
        let _ = send.finish();
        Ok((case_id, took))
    }

    /// Stops every site and closes its endpoint.
    pub async fn shutdown(self) {
        self.counters.stop.store(true, Ordering::Relaxed);
        for t in &self.tasks {
            t.abort();
        }
        for s in &self.sites {
            s.endpoint.close(quinn::VarInt::from_u32(1), b"fleet stops");
        }
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

impl Site {
    /// A signed reception of one citizen today, with the next number of this site.
    fn reception(&self) -> (String, Vec<u8>) {
        let now = crate::site::clock::now_ms();
        let date = case::date_from_unix_ms(now);
        let n = self.receptions.fetch_add(1, Ordering::Relaxed) + 1;
        let code = &self.member.code;
        let case_id = format!("{code}-{}-{n:05}", date.year());
        let reception = case::Reception {
            date,
            identity: Identity::Plain(Citizen {
                name: format!("Công dân {n}"),
                address: "Xã thử tải".into(),
                id_type: IdType::Cccd,
                id_number: format!("001{n:09}"),
            }),
            summary: "Đề nghị xem xét việc cấp giấy chứng nhận quyền sử dụng đất".into(),
            kind: Kind::Petition,
            people_count: 1,
            prior_bodies: vec![],
            request: "Xem xét, giải quyết".into(),
            direction: Some(Direction::Accept),
            notes: String::new(),
            officer: "Cán bộ tiếp dân".into(),
            representatives: vec![],
            evidence: vec![],
            refusal: None,
            session_type: Default::default(),
            form: Default::default(),
            identity_protection: false,
            source: Default::default(),
            anonymous: false,
            classification: Default::default(),
        };
        let body = EventBody::new(
            case_id.clone(),
            code,
            &[],
            now,
            case::encode_event(&CaseEvent::Received { reception }),
        );
        (case_id, sign_event(&body, &self.signing))
    }
}

/// Keeps one site linked to the node until the fleet stops: dial, hello, serve, and again
/// after the link ends, with the nodes' reconnect backoff.
async fn keep_linked(
    site: Arc<Site>,
    counters: Arc<Counters>,
    target: SocketAddr,
    target_code: String,
) {
    let mut backoff = Backoff::reconnect();
    while !counters.stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        if let Some(conn) = admitted(&site, target).await {
            linked(&site, &counters, conn, &target_code).await;
            // A link that lived a while starts the next dial from the shortest delay, as a
            // node's dial loop does.
            if started.elapsed() > Duration::from_secs(10) {
                backoff.reset();
            }
        }
        let delay = backoff.next_delay_ms(rand::random());
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
}

/// Dials and exchanges hellos: the connection once the node has admitted us.
async fn admitted(
    site: &Site,
    target: SocketAddr,
) -> Option<(Connection, SendStream, RecvStream, FrameDecoder)> {
    let connecting = site.endpoint.connect(target, "tiepdan.internal").ok()?;
    let conn = tokio::time::timeout(Duration::from_millis(IDLE_TIMEOUT_MS), connecting)
        .await
        .ok()?
        .ok()?;
    match tokio::time::timeout(
        Duration::from_millis(HELLO_TIMEOUT_MS),
        peer::admitted_reading(&conn, &site.hello),
    )
    .await
    {
        Ok(Ok((send, recv, decoder))) => Some((conn, send, recv, decoder)),
        _ => {
            conn.close(quinn::VarInt::from_u32(1), b"not admitted");
            None
        }
    }
}

/// Serves one admitted link until it ends.
async fn linked(
    site: &Arc<Site>,
    counters: &Arc<Counters>,
    (conn, _control_send, mut control, mut decoder): (
        Connection,
        SendStream,
        RecvStream,
        FrameDecoder,
    ),
    target_code: &str,
) {
    *site.conn.locked() = Some(conn.clone());
    *site.admitted_at.locked() = Some(Instant::now());
    counters.linked.fetch_add(1, Ordering::Relaxed);
    counters.admissions.fetch_add(1, Ordering::Relaxed);
    let server = tokio::spawn(serve_streams(site.clone(), counters.clone(), conn.clone()));
    let sync = initiates_sync(&site.member.code, target_code)
        .then(|| tokio::spawn(anti_entropy(site.clone(), counters.clone(), conn.clone())));
    // The control stream: only revocations matter to the harness; the rest is read and
    // dropped, as a node drops what it need not act on.
    let mut buf = vec![0u8; 64 * 1024];
    'link: loop {
        loop {
            match decoder.next_frame() {
                Ok(Some(ControlFrame::Revocation(_))) => {
                    *site.revocation_at.locked() = Some(Instant::now());
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(_) => break 'link,
            }
        }
        match control.read(&mut buf).await {
            Ok(Some(n)) => {
                if decoder.push(&buf[..n]).is_err() {
                    break;
                }
            }
            _ => break,
        }
    }
    server.abort();
    if let Some(s) = sync {
        s.abort();
    }
    *site.conn.locked() = None;
    counters.linked.fetch_sub(1, Ordering::Relaxed);
    conn.close(quinn::VarInt::from_u32(1), b"link ends");
}

/// Answers the streams the node opens: replication only (pushes, reconciliation, wants).
async fn serve_streams(site: Arc<Site>, counters: Arc<Counters>, conn: Connection) {
    while let Ok((send, mut recv)) = conn.accept_bi().await {
        let site = site.clone();
        let counters = counters.clone();
        tokio::spawn(async move {
            let mut tag = [0u8; 1];
            if recv.read_exact(&mut tag).await.is_ok() && tag[0] == REPLICATION_CHANNEL {
                let _ = answer(&site, &counters, send, recv).await;
            }
        });
    }
}

async fn answer(
    site: &Site,
    counters: &Counters,
    mut send: SendStream,
    mut recv: RecvStream,
) -> anyhow::Result<()> {
    let mut responder: Option<Responder> = None;
    while let Some(msg) = read(&mut recv).await? {
        match msg {
            ReplMsg::Events { events, .. } => {
                let n = events.len() as u32;
                {
                    let mut held = site.held.locked();
                    for e in events {
                        held.add(e.into_vec());
                    }
                }
                counters
                    .pushed_to_us
                    .fetch_add(u64::from(n), Ordering::Relaxed);
                write(
                    &mut send,
                    &ReplMsg::Ack {
                        accepted: n,
                        rejected: 0,
                    },
                )
                .await?;
            }
            ReplMsg::Reconcile(m) => {
                let r = match &mut responder {
                    Some(r) => r,
                    None => responder.insert(Responder::new(site.held.locked().ids.clone())),
                };
                let reply = r.handle(&m)?;
                write(&mut send, &ReplMsg::Reconcile(reply.reply)).await?;
            }
            ReplMsg::Want { prefixes } => {
                let events = site.wanted(&prefixes);
                write(&mut send, &events_msg(site, events)).await?;
                write(&mut send, &ReplMsg::Done).await?;
            }
            ReplMsg::Done => break,
            ReplMsg::Ack { .. } => {}
        }
    }
    let _ = send.finish();
    Ok(())
}

impl Site {
    fn wanted(&self, prefixes: &[ByteBuf]) -> Vec<Vec<u8>> {
        let held = self.held.locked();
        let want: Vec<[u8; 16]> = prefixes
            .iter()
            .filter_map(|p| <[u8; 16]>::try_from(p.as_slice()).ok())
            .collect();
        reconcile::resolve_prefixes(&held.ids, &want)
            .iter()
            .filter_map(|id| held.bytes.get(id).cloned())
            .collect()
    }
}

fn events_msg(site: &Site, events: Vec<Vec<u8>>) -> ReplMsg {
    ReplMsg::Events {
        events: events.into_iter().map(ByteBuf::from).collect(),
        chains: vec![site.chain_der.clone()],
    }
}

/// Anti-entropy as the initiating node runs it: at link-up, then every
/// [`SYNC_INTERVAL_MS`].
async fn anti_entropy(site: Arc<Site>, counters: Arc<Counters>, conn: Connection) {
    loop {
        if counters.anti_entropy.load(Ordering::Relaxed) {
            match tokio::time::timeout(Duration::from_secs(30), sync_once(&site, &conn)).await {
                Ok(Ok(())) => counters.syncs.fetch_add(1, Ordering::Relaxed),
                _ => counters.sync_failures.fetch_add(1, Ordering::Relaxed),
            };
        }
        tokio::time::sleep(Duration::from_millis(SYNC_INTERVAL_MS)).await;
    }
}

async fn sync_once(site: &Site, conn: &Connection) -> anyhow::Result<()> {
    let ids = site.held.locked().ids.clone();
    let (mut send, mut recv) = peer::replication_stream(conn).await?;
    let mut r = Reconciler::new(rand::random(), ids)?;
    while !r.is_finished() {
        let mut sent = 0;
        while let Some(m) = r.poll_transmit() {
            write(&mut send, &ReplMsg::Reconcile(m)).await?;
            sent += 1;
        }
        if sent == 0 {
            break;
        }
        for _ in 0..sent {
            match read(&mut recv).await? {
                Some(ReplMsg::Reconcile(m)) if !r.is_finished() => r.handle_message(m)?,
                Some(ReplMsg::Reconcile(_)) => {}
                other => anyhow::bail!("expected a reconcile reply, got {other:?}"),
            }
        }
    }
    let diff = r
        .outcome()
        .cloned()
        .with_context(|| format!("reconciliation did not finish: {:?}", r.error()))?;
    if !diff.send.is_empty() {
        let events: Vec<Vec<u8>> = {
            let held = site.held.locked();
            diff.send
                .iter()
                .filter_map(|id| held.bytes.get(id).cloned())
                .collect()
        };
        write(&mut send, &events_msg(site, events)).await?;
        match read(&mut recv).await? {
            Some(ReplMsg::Ack { .. }) => {}
            other => anyhow::bail!("expected an ack, got {other:?}"),
        }
    }
    if !diff.missing_prefixes.is_empty() {
        let prefixes = diff
            .missing_prefixes
            .iter()
            .map(|p| ByteBuf::from(p.to_vec()))
            .collect();
        write(&mut send, &ReplMsg::Want { prefixes }).await?;
        while let Some(m) = read(&mut recv).await? {
            match m {
                ReplMsg::Events { events, .. } => {
                    let mut held = site.held.locked();
                    for e in events {
                        held.add(e.into_vec());
                    }
                }
                ReplMsg::Done => break,
                other => anyhow::bail!("unexpected {other:?} while receiving wanted events"),
            }
        }
    }
    write(&mut send, &ReplMsg::Done).await?;
    let _ = send.finish();
    Ok(())
}

async fn write(send: &mut SendStream, msg: &ReplMsg) -> anyhow::Result<()> {
    send.write_all(&encode_repl(msg)).await?;
    Ok(())
}

async fn read(recv: &mut RecvStream) -> anyhow::Result<Option<ReplMsg>> {
    let mut prefix = [0u8; 4];
    match recv.read_exact(&mut prefix).await {
        Ok(()) => {}
        Err(quinn::ReadExactError::FinishedEarly(0)) => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let mut body = vec![0u8; frame_len(prefix)?];
    recv.read_exact(&mut body).await?;
    Ok(Some(decode_repl(&body)?))
}

/// The level of each member, for printing a fleet's make-up.
pub fn make_up(members: &[Member]) -> (usize, usize) {
    let registry = Registry::official();
    let provinces = members
        .iter()
        .filter(|m| {
            registry
                .get(&m.code)
                .is_ok_and(|s| s.level == Level::Province)
        })
        .count();
    (provinces, members.len() - provinces)
}
