//! Replication I/O: moving case events between linked sites over QUIC streams.
//!
//! Owns the replication channel of a link: pushing new events at once to the linked sites of a
//! case's audience, accepting events from peers (chains learned, signatures and audience
//! checked by `cases`, stored with fsync before the acknowledgement), forwarding what was new to
//! the other linked audience sites, and periodic anti-entropy by set reconciliation so that
//! after a partition only the difference travels. Nothing about a case is ever written to a
//! site outside its audience: every send is filtered by `Cases::in_audience`/`bytes_for`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use quinn::{Connection, RecvStream, SendStream};
use rustls::pki_types::CertificateDer;
use serde_bytes::ByteBuf;
use tiepdan_keys::cert::Chain;
use tiepdan_protocol::log::EventId;
use tiepdan_protocol::reconcile;
use tiepdan_protocol::replication::{
    batches, decode_repl, encode_repl, frame_len, initiates_sync, ReplMsg, REPLICATION_CHANNEL,
};
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use super::verify::{self as cases, CheckedEvent, Rejected};
use super::SiteRecords;
use crate::federation::channels::{BiChannel, Channels, LinkWatcher, PeerLink};
use crate::federation::Federation;
use crate::site::lock::{Unpoisoned, UnpoisonedRw};

/// Anti-entropy period per link (the initiating side).
pub const SYNC_INTERVAL_MS: u64 = 5_000;
/// Pushes waiting for the pusher task; full → the event still arrives by anti-entropy.
pub const PUSH_QUEUE_MAX: usize = 4096;
/// Bytes of one `Events` batch on the wire.
pub const BATCH_BYTES_MAX: usize = 1 << 20;
/// A replication exchange that takes longer than this is abandoned (the next sync retries).
pub const EXCHANGE_TIMEOUT_MS: u64 = 30_000;

/// New events of one case, to push to its linked audience.
pub struct Push {
    pub case_id: String,
    pub events: Vec<Vec<u8>>,
    /// Sites that joined the audience with these events: they get the whole case.
    pub widened: Vec<String>,
    /// The site we got them from (not pushed back).
    pub from: Option<String>,
}

/// Replication of this site's records over its links.
pub struct Replication {
    pub records: Arc<SiteRecords>,
    pub federation: Arc<Federation>,
    /// notBefore of the certificate behind each author key held: a key is replaced only by a
    /// newer certificate's.
    key_since: Mutex<BTreeMap<String, u64>>,
    /// The event set shared with each peer, with the records generation it was computed at.
    shared: Mutex<BTreeMap<String, SharedSet>>,
    /// Chains learned, by BLAKE3 of their certificates: learning one again changes nothing
    /// (keys are never dropped), so a link that comes back costs a lookup.
    learned: Mutex<std::collections::HashSet<[u8; 32]>>,
    /// Ourselves, for the tasks a stream or a link starts.
    me: Weak<Replication>,
}

/// Chains remembered as learned at most; the set starts empty again when full.
const LEARNED_CHAINS_MAX: usize = 8192;

impl Replication {
    /// Registers the replication channel and link watcher, and starts the pusher.
    pub fn start(records: Arc<SiteRecords>, federation: Arc<Federation>) -> Arc<Replication> {
        let (push_tx, push_rx) = mpsc::channel(PUSH_QUEUE_MAX);
        records.set_push_queue(push_tx);
        let key_since = Mutex::new(key_dates(&records));
        let replication = Arc::new_cyclic(|me| Replication {
            records,
            federation,
            key_since,
            shared: Mutex::default(),
            learned: Mutex::new(Default::default()),
            me: me.clone(),
        });
        Self::register(&replication, &replication.federation.channels);
        tokio::spawn(pusher(replication.clone(), push_rx));
        replication
    }

    fn me(&self) -> Option<Arc<Replication>> {
        self.me.upgrade()
    }

    fn register(this: &Arc<Replication>, channels: &Channels) {
        channels.serve_bi(REPLICATION_CHANNEL, this.clone());
        channels.watch(this.clone());
    }

    /// The event ids this site shares with `site`, ascending: computed once per change of the
    /// records (one pass over every event, under the records lock), however many streams and
    /// messages ask.
    pub fn shared_ids(&self, site: &str) -> Arc<Vec<EventId>> {
        let cases = self.records.held();
        let generation = cases.generation();
        let mut cache = self.shared.locked();
        if let Some((g, ids)) = cache.get(site) {
            if *g == generation {
                return ids.clone();
            }
        }
        let ids = Arc::new(cases.shared_ids(site));
        drop(cases);
        // A few peers' sets at most: each is as large as what the two share.
        if cache.len() >= SHARED_SETS_KEPT && !cache.contains_key(site) {
            cache.pop_first();
        }
        cache.insert(site.to_owned(), (generation, ids.clone()));
        ids
    }

    /// Verifies chains a peer sent and remembers every site key in them.
    pub fn learn_chain(&self, chain: &[CertificateDer<'static>]) {
        if self.federation.verify_peer_chain(chain).is_err() {
            return;
        }
        let fingerprint = tiepdan_keys::cert::chain_fingerprint(chain);
        {
            let mut learned = self.learned.locked();
            if !learned.insert(fingerprint) {
                return;
            }
            if learned.len() > LEARNED_CHAINS_MAX {
                learned.clear();
                learned.insert(fingerprint);
            }
        }
        let Ok(c) = Chain::new(chain.to_vec()) else {
            return;
        };
        let leaf_site = c.leaf_claims().map(|cl| cl.site).ok();
        let der: Vec<Vec<u8>> = chain.iter().map(|d| d.to_vec()).collect();
        let us = &self.records.site.site.code;
        let mut since = self.key_since.locked();
        let mut cases = self.records.held();
        for cert in c.site_certs() {
            let site = cert.site;
            let held = cases.site_keys.get(&site).copied();
            // Our own key is ours: a peer's chain never replaces it. Another key for this very
            // site is counted: only a careless or compromised parent signs one.
            if &site == us {
                if held.is_some_and(|k| k != cert.key) {
                    debug!(%site, "a peer sent a certificate of this site with another key; ignored");
                    self.records.site.metrics.event_rejected("own_key");
                }
                continue;
            }
            // Of two valid certificates of one site, the newer one's key counts.
            if held.is_some_and(|k| k != cert.key)
                && since.get(&site).is_some_and(|t| *t >= cert.not_before)
            {
                debug!(%site, "kept the key of the site's newer certificate");
                continue;
            }
            let fresh = held != Some(cert.key);
            cases.site_keys.insert(site.clone(), cert.key);
            since.insert(site.clone(), cert.not_before);
            if Some(&site) == leaf_site.as_ref() {
                let encoded = cbor4ii::serde::to_vec(Vec::new(), &der).unwrap_or_default();
                let chain_fresh = !cases.site_chains.contains_key(&site);
                cases.site_chains.insert(site.clone(), der.clone());
                if fresh || chain_fresh {
                    if let Err(e) = self
                        .records
                        .site
                        .store
                        .put_site_key(&site, &cert.key, &encoded)
                    {
                        warn!(%site, "cannot store a site key: {e}");
                    }
                }
            }
        }
    }

    /// Takes events a peer sent: verify, check audience, store durably, apply, forward.
    /// Returns (accepted, rejected).
    pub fn accept_events(
        &self,
        sender: &str,
        events: &[ByteBuf],
        chains: &[Vec<ByteBuf>],
    ) -> (u32, u32) {
        let verified = self.verify_incoming(events, chains);
        self.admit_incoming(sender, verified)
    }

    /// The half of taking events that needs no case state: learn the chains sent with them,
    /// decode, check signatures. Runs without the cases lock (held only to copy author keys), so
    /// a link can verify one batch while the previous one is being stored.
    pub fn verify_incoming(
        &self,
        events: &[ByteBuf],
        chains: &[Vec<ByteBuf>],
    ) -> Vec<Result<CheckedEvent, Rejected>> {
        for chain in chains {
            let certs: Vec<CertificateDer<'static>> = chain
                .iter()
                .map(|c| CertificateDer::from(c.to_vec()))
                .collect();
            self.learn_chain(&certs);
        }
        let t = std::time::Instant::now();
        let decoded = cases::decode_batch(events);
        let t_decode = t.elapsed();
        let (decoded, keys) = {
            let cases = self.records.held();
            let decoded = cases.skip_held(decoded);
            let keys = cases.keys_for(&decoded);
            (decoded, keys)
        };
        let verified = cases::verify_batch(decoded, &keys);
        // A revoked site's key signs nothing new: judged by the revocations known now and the
        // certificate behind the key held.
        let verified = {
            let revs = self.federation.revocations.reading();
            let since = self.key_since.locked();
            let registry = self.records.site.registry();
            cases::refuse_revoked(verified, |author| {
                revs.key_revoked_since(registry, author, *since.get(author)?)
            })
        };
        debug!(
            events = events.len(),
            decode_us = t_decode.as_micros() as u64,
            total_us = t.elapsed().as_micros() as u64,
            "verified a batch"
        );
        verified
    }

    /// The other half: audience and replay checks, fsync, apply, forward. Returns (accepted,
    /// rejected).
    pub fn admit_incoming(
        &self,
        sender: &str,
        verified: Vec<Result<CheckedEvent, Rejected>>,
    ) -> (u32, u32) {
        let total = verified.len() as u32;
        let linked = self.federation.linked_sites();
        let t = std::time::Instant::now();
        let mut cases = self.records.held();
        let t_lock = t.elapsed();
        let admission = cases.admit(verified, &self.records.site.site.code, Some(sender));
        let t_admit = t.elapsed();
        for r in &admission.rejected {
            if !matches!(r, Rejected::Replayed) {
                warn!(%sender, reason = r.reason(), "rejected an event from a peer: {r}");
            }
            self.records.site.metrics.event_rejected(r.reason());
        }
        let rejected = admission.rejected.len() as u32;
        if admission.accepted.is_empty() {
            return (0, rejected);
        }
        let rows: Vec<(&str, [u8; 32], &[u8])> = admission
            .accepted
            .iter()
            .map(|v| (v.body.case_id.as_str(), v.id, v.bytes.as_slice()))
            .collect();
        if let Err(e) = self.records.site.store.put_events(&rows, None) {
            warn!("cannot store events from {sender}: {e}");
            return (0, total);
        }
        drop(rows);
        let t_store = t.elapsed();
        // Forward to the other linked sites of each case's audience.
        let forwards = cases.forwards(&admission, sender, &linked);
        let n = admission.accepted.len() as u32;
        cases.install(admission.entries);
        drop(cases);
        debug!(
            events = total,
            lock_us = t_lock.as_micros() as u64,
            admit_us = (t_admit - t_lock).as_micros() as u64,
            store_us = (t_store - t_admit).as_micros() as u64,
            apply_us = (t.elapsed() - t_store).as_micros() as u64,
            "stored a batch"
        );
        self.records
            .site
            .metrics
            .events_accepted("peer", u64::from(n));
        for f in forwards {
            self.records
                .replicate_from(&f.id, f.events, f.widened, Some(sender.to_owned()));
        }
        (n, rejected)
    }
}

async fn write_msg(node: &Replication, send: &mut SendStream, msg: &ReplMsg) -> anyhow::Result<()> {
    let bytes = encode_repl(msg);
    send.write_all(&bytes).await?;
    node.records
        .site
        .metrics
        .bytes("replication", "tx", bytes.len() as u64);
    Ok(())
}

/// The event ids shared with one peer, and the records generation they were computed at.
type SharedSet = (u64, Arc<Vec<EventId>>);

/// Peers whose shared event sets are kept between streams.
const SHARED_SETS_KEPT: usize = 8;

/// What a frame's buffer starts with before its bytes arrive.
const READ_CHUNK_BYTES: usize = 64 * 1024;

async fn read_msg(node: &Replication, recv: &mut RecvStream) -> anyhow::Result<Option<ReplMsg>> {
    let mut prefix = [0u8; 4];
    match recv.read_exact(&mut prefix).await {
        Ok(()) => {}
        Err(quinn::ReadExactError::FinishedEarly(0)) => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let len = frame_len(prefix)
        .inspect_err(|_| node.records.site.metrics.event_rejected("frame_too_large"))?;
    // Grown as bytes arrive, never allocated from the prefix alone: a peer that announces
    // 8 MiB and sends nothing costs us nothing.
    let mut body = Vec::with_capacity(len.min(READ_CHUNK_BYTES));
    while body.len() < len {
        match recv.read_chunk(len - body.len(), true).await? {
            Some(chunk) => body.extend_from_slice(&chunk.bytes),
            None => anyhow::bail!("the stream ended inside a frame"),
        }
    }
    node.records
        .site
        .metrics
        .bytes("replication", "rx", (len + 4) as u64);
    Ok(Some(decode_repl(&body).inspect_err(|_| {
        node.records
            .site
            .metrics
            .event_rejected("malformed_message")
    })?))
}

async fn open(conn: &Connection) -> anyhow::Result<(SendStream, RecvStream)> {
    let (mut send, recv) = conn.open_bi().await?;
    send.write_all(&[REPLICATION_CHANNEL]).await?;
    Ok((send, recv))
}

/// Sends events to one peer and waits for its acknowledgement (it has stored them).
pub async fn push_to(
    node: &Replication,
    conn: &Connection,
    events: Vec<Vec<u8>>,
) -> anyhow::Result<(u32, u32)> {
    let (mut send, mut recv) = open(conn).await?;
    let totals = send_events(node, &mut send, &mut recv, events).await?;
    write_msg(node, &mut send, &ReplMsg::Done).await?;
    let _ = send.finish();
    Ok(totals)
}

/// Sends events in batches, keeping up to [`BATCHES_IN_FLIGHT`] unacknowledged so the peer
/// verifies one batch while it stores the previous; returns once every batch is acknowledged.
async fn send_events(
    node: &Replication,
    send: &mut SendStream,
    recv: &mut RecvStream,
    events: Vec<Vec<u8>>,
) -> anyhow::Result<(u32, u32)> {
    let mut totals = (0, 0);
    let mut unacked = 0usize;
    let read_ack = async |recv: &mut RecvStream, totals: &mut (u32, u32)| -> anyhow::Result<()> {
        match read_msg(node, recv).await? {
            Some(ReplMsg::Ack { accepted, rejected }) => {
                totals.0 += accepted;
                totals.1 += rejected;
                Ok(())
            }
            other => anyhow::bail!("expected an ack, got {other:?}"),
        }
    };
    for batch in batches(events, BATCH_BYTES_MAX) {
        if unacked >= BATCHES_IN_FLIGHT {
            read_ack(recv, &mut totals).await?;
            unacked -= 1;
        }
        let chains = node.records.held().chains_for(&batch);
        let msg = ReplMsg::Events {
            events: batch.into_iter().map(ByteBuf::from).collect(),
            chains,
        };
        write_msg(node, send, &msg).await?;
        unacked += 1;
    }
    for _ in 0..unacked {
        read_ack(recv, &mut totals).await?;
    }
    Ok(totals)
}

/// Most pushes the pusher gathers into one round: each round sends one stream per linked site
/// (not one per case), so a backlog costs the receiver a commit per batch, not per event.
pub const PUSHES_PER_ROUND: usize = 1024;

/// One round's events for one linked site: its connection, the events, their ids (no repeats).
type SitePush = (Connection, Vec<Vec<u8>>, BTreeSet<EventId>);

/// The pusher: delivers each push to the linked sites of the case's audience, gathering what
/// is queued into one stream per site.
pub async fn pusher(node: Arc<Replication>, mut queue: mpsc::Receiver<Push>) {
    while let Some(first) = queue.recv().await {
        let mut round = vec![first];
        while round.len() < PUSHES_PER_ROUND {
            match queue.try_recv() {
                Ok(p) => round.push(p),
                Err(_) => break,
            }
        }
        let mut per_site: std::collections::BTreeMap<String, SitePush> = Default::default();
        {
            // Copied before the records lock is taken: the two are never held together.
            let links = node.federation.connections();
            let cases = node.records.held();
            for p in &round {
                for (site, conn) in links.iter() {
                    let Some(these) =
                        cases.push_for(&p.case_id, &p.events, &p.widened, p.from.as_deref(), site)
                    else {
                        continue;
                    };
                    let (_, events, sent) = per_site
                        .entry(site.clone())
                        .or_insert_with(|| (conn.clone(), Vec::new(), BTreeSet::new()));
                    // Pushes keep their order, so parents still go before children.
                    for bytes in &these {
                        if sent.insert(tiepdan_protocol::log::event_id(bytes)) {
                            events.push(bytes.clone());
                        }
                    }
                }
            }
        }
        for (site, (conn, events, _)) in per_site {
            let node = node.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(
                    Duration::from_millis(EXCHANGE_TIMEOUT_MS),
                    push_to(&node, &conn, events),
                )
                .await
                {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => debug!(%site, "push failed (anti-entropy will retry): {e}"),
                    Err(_) => debug!(%site, "push timed out (anti-entropy will retry)"),
                }
            });
        }
    }
}

/// The notBefore of the certificates behind the keys held at start: our own chain's, and the
/// stored chains of the sites whose keys were learned before.
fn key_dates(records: &SiteRecords) -> BTreeMap<String, u64> {
    let mut since = BTreeMap::new();
    let held = records.held();
    let stored = held
        .site_chains
        .values()
        .filter_map(|der| Chain::from_der_list(der.clone()).ok());
    for chain in std::iter::once(records.site.chain.clone()).chain(stored) {
        for cert in chain.site_certs() {
            if held.site_keys.get(&cert.site) == Some(&cert.key) {
                let t = since.entry(cert.site).or_insert(0);
                *t = (*t).max(cert.not_before);
            }
        }
    }
    since
}

impl BiChannel for Replication {
    fn accept(&self, site: &str, send: SendStream, recv: RecvStream) {
        let Some(node) = self.me() else { return };
        let site = site.to_owned();
        tokio::spawn(async move {
            if let Err(e) = respond(node, &site, send, recv).await {
                debug!(%site, "replication stream ended: {e}");
            }
        });
    }
}

impl LinkWatcher for Replication {
    fn link_up(&self, link: &PeerLink) {
        if let Some(node) = self.me() {
            tokio::spawn(sync_loop(node, link.site.clone(), link.conn.clone()));
        }
    }

    fn chain_proven(&self, chain: &[CertificateDer<'static>]) {
        self.learn_chain(chain);
    }
}

/// Batches of one stream being verified or stored at once: the next batch is verified while
/// the previous one is stored. Bounds the memory a peer can make us hold to this many frames.
pub const BATCHES_IN_FLIGHT: usize = 2;

type Verifying = tokio::task::JoinHandle<Vec<Result<CheckedEvent, Rejected>>>;

/// The responder side of one replication stream.
///
/// A reader task hands frames over a bounded channel, so that the loop can at the same time
/// take the next frame and finish the oldest verification; batches are stored and acknowledged
/// strictly in the order they came.
async fn respond(
    node: Arc<Replication>,
    site: &str,
    mut send: SendStream,
    mut recv: RecvStream,
) -> anyhow::Result<()> {
    let (frames_tx, mut frames) = mpsc::channel::<anyhow::Result<ReplMsg>>(BATCHES_IN_FLIGHT);
    let reader_node = node.clone();
    let reader = tokio::spawn(async move {
        loop {
            let msg = match read_msg(&reader_node, &mut recv).await {
                Ok(Some(m)) => Ok(m),
                Ok(None) => return,
                Err(e) => Err(e),
            };
            let failed = msg.is_err();
            if frames_tx.send(msg).await.is_err() || failed {
                return;
            }
        }
    });
    let _stop_reader = AbortOnDrop(reader);
    let mut verifying: std::collections::VecDeque<Verifying> = Default::default();
    let mut responder: Option<reconcile::Responder> = None;
    loop {
        let room = verifying.len() < BATCHES_IN_FLIGHT;
        let oldest = async {
            match verifying.front_mut() {
                Some(h) => h.await,
                None => std::future::pending().await,
            }
        };
        let msg = tokio::select! {
            biased;
            verified = oldest => {
                verifying.pop_front();
                admit(&node, site, &mut send, verified?).await?;
                continue;
            }
            msg = frames.recv(), if room => msg,
        };
        let Some(msg) = msg else { break };
        let msg = msg?;
        if let ReplMsg::Events { events, chains } = msg {
            let node = node.clone();
            verifying.push_back(tokio::task::spawn_blocking(move || {
                node.verify_incoming(&events, &chains)
            }));
            continue;
        }
        // Anything else answers after every batch before it.
        while let Some(h) = verifying.pop_front() {
            admit(&node, site, &mut send, h.await?).await?;
        }
        match msg {
            ReplMsg::Events { .. } => unreachable!("handled above"),
            ReplMsg::Reconcile(m) => {
                let r = match &mut responder {
                    Some(r) => r,
                    None => responder.insert(reconcile::Responder::shared(node.shared_ids(site))?),
                };
                // The initiator asks for what it lacks with `Want`, so `send` is not pushed here.
                let reply = r.handle(&m)?;
                write_msg(&node, &mut send, &ReplMsg::Reconcile(reply.reply)).await?;
            }
            ReplMsg::Want { prefixes } => {
                let events = wanted_events(&node, site, &prefixes);
                for batch in batches(events, BATCH_BYTES_MAX) {
                    let chains = node.records.held().chains_for(&batch);
                    write_msg(
                        &node,
                        &mut send,
                        &ReplMsg::Events {
                            events: batch.into_iter().map(ByteBuf::from).collect(),
                            chains,
                        },
                    )
                    .await?;
                }
                write_msg(&node, &mut send, &ReplMsg::Done).await?;
            }
            ReplMsg::Done => break,
            ReplMsg::Ack { .. } => {}
        }
    }
    while let Some(h) = verifying.pop_front() {
        admit(&node, site, &mut send, h.await?).await?;
    }
    let _ = send.finish();
    Ok(())
}

/// Stores a verified batch (off the async threads: it waits for fsync) and acknowledges it.
async fn admit(
    node: &Arc<Replication>,
    site: &str,
    send: &mut SendStream,
    verified: Vec<Result<CheckedEvent, Rejected>>,
) -> anyhow::Result<()> {
    let (n, s) = (node.clone(), site.to_owned());
    let (accepted, rejected) =
        tokio::task::spawn_blocking(move || n.admit_incoming(&s, verified)).await?;
    write_msg(node, send, &ReplMsg::Ack { accepted, rejected }).await
}

/// Aborts a task when dropped, so a stream's reader ends with its responder.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn wanted_events(node: &Replication, site: &str, prefixes: &[ByteBuf]) -> Vec<Vec<u8>> {
    let ours = node.shared_ids(site);
    let cases = node.records.held();
    let want: Vec<[u8; 16]> = prefixes
        .iter()
        .filter_map(|p| <[u8; 16]>::try_from(p.as_slice()).ok())
        .collect();
    let ids: BTreeSet<EventId> = reconcile::resolve_prefixes(&ours, &want)
        .into_iter()
        .collect();
    cases.bytes_for(site, &ids)
}

/// Anti-entropy with one peer: reconcile the shared event set, then exchange the difference.
pub async fn sync_with(
    node: &Replication,
    site: &str,
    conn: &Connection,
) -> anyhow::Result<(usize, usize)> {
    let ours = node.shared_ids(site);
    let (mut send, mut recv) = open(conn).await?;
    let mut r = reconcile::Reconciler::new(rand::random(), (*ours).clone())?;
    // The responder answers each message with exactly one; read as many answers as we sent.
    while !r.is_finished() {
        let mut sent = 0;
        while let Some(m) = r.poll_transmit() {
            write_msg(node, &mut send, &ReplMsg::Reconcile(m)).await?;
            sent += 1;
        }
        if sent == 0 {
            break;
        }
        for _ in 0..sent {
            match read_msg(node, &mut recv).await? {
                Some(ReplMsg::Reconcile(m)) => {
                    if !r.is_finished() {
                        r.handle_message(m)?;
                    }
                }
                other => anyhow::bail!("expected a reconcile reply, got {other:?}"),
            }
        }
    }
    let diff = r
        .outcome()
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("reconciliation did not finish: {:?}", r.error()))?;
    // What they lack: send it (audience-filtered) and wait for the ack.
    let theirs_missing: BTreeSet<EventId> = diff.send.iter().copied().collect();
    let to_send = node.records.held().bytes_for(site, &theirs_missing);
    let sent = to_send.len();
    send_events(node, &mut send, &mut recv, to_send).await?;
    // What we lack: ask for it.
    let mut received = 0;
    if !diff.missing_prefixes.is_empty() {
        let prefixes = diff
            .missing_prefixes
            .iter()
            .map(|p| ByteBuf::from(p.to_vec()))
            .collect();
        write_msg(node, &mut send, &ReplMsg::Want { prefixes }).await?;
        while let Some(m) = read_msg(node, &mut recv).await? {
            match m {
                ReplMsg::Events { events, chains } => {
                    received += events.len();
                    node.accept_events(site, &events, &chains);
                }
                ReplMsg::Done => break,
                other => anyhow::bail!("unexpected {other:?} while receiving wanted events"),
            }
        }
    }
    write_msg(node, &mut send, &ReplMsg::Done).await?;
    let _ = send.finish();
    Ok((sent, received))
}

/// Runs anti-entropy with a linked peer until the link closes (only the initiating side).
pub async fn sync_loop(node: Arc<Replication>, site: String, conn: Connection) {
    if !initiates_sync(&node.records.site.site.code, &site) {
        return;
    }
    loop {
        if conn.close_reason().is_some() || node.federation.is_shutting_down() {
            return;
        }
        match tokio::time::timeout(
            Duration::from_millis(EXCHANGE_TIMEOUT_MS),
            sync_with(&node, &site, &conn),
        )
        .await
        {
            Ok(Ok((sent, received))) if sent + received > 0 => {
                info!(%site, sent, received, "anti-entropy repaired a difference")
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => debug!(%site, "anti-entropy failed: {e}"),
            Err(_) => debug!(%site, "anti-entropy timed out"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(SYNC_INTERVAL_MS)) => {}
            _ = conn.closed() => return,
        }
    }
}
