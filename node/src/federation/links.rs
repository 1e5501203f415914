//! QUIC links between sites: the quinn endpoint, dialling with backoff, accepting, and the
//! CBOR-framed control stream.
//!
//! Every link is mutual TLS 1.3 against the federation root (chain, revocation and PeerId checks
//! happen in `tiepdan_keys::tls` during the handshake). After the handshake the dialler opens one
//! bidirectional control stream and both sides send `Hello` first. One link is kept per pair of
//! sites: when both dial at once, the connection initiated by the lower site code wins
//! (`tiepdan_protocol::dial`). Keep-alive 0.5 s and idle timeout 3 s make a dead path visible fast.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use quinn::{Connection, Endpoint, IdleTimeout, TransportConfig, VarInt};
use rustls::pki_types::CertificateDer;
use serde_bytes::ByteBuf;
use tiepdan_keys::tls;
use tiepdan_protocol::backoff::{Backoff, RECONNECT_BASE_MS, RECONNECT_CAP_MS};
use tiepdan_protocol::control::{
    encode_frame, negotiate_version, ControlFrame, FrameDecoder, Hello, PeerRecord,
    PROTOCOL_VERSION,
};
use tiepdan_protocol::dial::keep_connection;
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use super::channels::PeerLink;
use super::{Federation, Link, RevocationPath, LINK_OUTBOX_FRAMES_MAX};
use crate::site::lock::{Unpoisoned, UnpoisonedRw};

pub const CLOSE_SHUTDOWN: u32 = 1;
pub const CLOSE_DUPLICATE: u32 = 2;
pub const CLOSE_REVOKED: u32 = 3;
pub const CLOSE_PROTOCOL: u32 = 4;

/// Keep-alive interval: a few probes fit in the idle timeout.
pub const KEEP_ALIVE_MS: u64 = 500;
/// A link with no traffic for this long is dead; the session layer then reroutes.
pub const IDLE_TIMEOUT_MS: u64 = 3_000;
/// The peer must send its hello within this time.
pub const HELLO_TIMEOUT_MS: u64 = 5_000;
/// Dial attempts queued for the dialer.
pub const DIAL_QUEUE_MAX: usize = 1024;

/// Bytes one stream may have in flight before the receiver reads them. A recording upload is
/// one stream: QUIC's default (1.25 MB) caps it at 1.25 MB per round trip, about 330 Mbit/s
/// between Hà Nội and Hồ Chí Minh City (30 ms); 8 MiB lets one upload fill a 1 Gbit/s link at
/// up to 60 ms.
pub const STREAM_WINDOW_BYTES: u32 = 8 * 1024 * 1024;
/// Bytes all streams of a link together may have in flight toward the receiver. QUIC's default
/// is unbounded (each of 100 streams may fill its own window); this bounds what a peer can make
/// a fed buffer, while leaving room for an upload and the session's media at once.
pub const LINK_WINDOW_BYTES: u32 = 32 * 1024 * 1024;

/// Bytes a fed keeps unacknowledged toward one peer, all streams together: two streams'
/// windows (QUIC's default is eight of its own 1.25 MB); more only costs memory and cache.
pub const SEND_WINDOW_BYTES: u32 = 2 * STREAM_WINDOW_BYTES;

/// The transport settings of every link (keep-alive, idle timeout, flow-control windows).
pub fn transport() -> Arc<TransportConfig> {
    let mut t = TransportConfig::default();
    t.stream_receive_window(VarInt::from_u32(STREAM_WINDOW_BYTES));
    t.receive_window(VarInt::from_u32(LINK_WINDOW_BYTES));
    t.send_window(u64::from(SEND_WINDOW_BYTES));
    t.keep_alive_interval(Some(Duration::from_millis(KEEP_ALIVE_MS)));
    // 3 s fits in a VarInt of milliseconds; the conversion cannot fail.
    t.max_idle_timeout(Some(
        IdleTimeout::try_from(Duration::from_millis(IDLE_TIMEOUT_MS))
            .expect("idle timeout in range"),
    ));
    Arc::new(t)
}

/// Builds the endpoint: server and default client config share one verifier.
pub fn endpoint(fed: &Arc<Federation>, addr: SocketAddr) -> anyhow::Result<Endpoint> {
    let metrics_fed = Arc::downgrade(fed);
    let on_refusal: Arc<dyn Fn(&tiepdan_keys::cert::ChainError) + Send + Sync> =
        Arc::new(move |err| {
            if let Some(n) = metrics_fed.upgrade() {
                n.site.metrics.refused("quic", err.reason());
            }
            warn!(
                reason = err.reason(),
                "refused a peer at the QUIC handshake: {err}"
            );
        });
    let verifier = Arc::new(tls::FederationVerifier::new(
        fed.site.root.clone(),
        fed.revocations.clone(),
        Some(on_refusal),
    ));
    let server = tls::server_config(&fed.site.key, &fed.site.chain, verifier.clone())?;
    let client = tls::client_config(&fed.site.key, &fed.site.chain, verifier)?;
    let mut server_config = quinn::ServerConfig::with_crypto(Arc::new(
        quinn::crypto::rustls::QuicServerConfig::try_from(server)?,
    ));
    server_config.transport_config(transport());
    let mut client_config = quinn::ClientConfig::new(Arc::new(
        quinn::crypto::rustls::QuicClientConfig::try_from(client)?,
    ));
    client_config.transport_config(transport());
    let mut ep = Endpoint::server(server_config, addr)?;
    ep.set_default_client_config(client_config);
    Ok(ep)
}

/// Accepts inbound links until shutdown.
pub async fn accept_loop(fed: Arc<Federation>, ep: Endpoint) {
    while let Some(incoming) = ep.accept().await {
        let fed = fed.clone();
        tokio::spawn(async move {
            let remote = incoming.remote_address();
            match incoming.await {
                Ok(conn) => {
                    run_link(fed, conn, false).await;
                }
                // The verifier already counted and logged certificate refusals.
                Err(e) => debug!(%remote, "inbound handshake failed: {e}"),
            }
        });
    }
}

/// Owns the dial tasks: one per target address, each reconnecting with capped backoff.
pub async fn dialer(
    fed: Arc<Federation>,
    ep: Endpoint,
    mut requests: mpsc::Receiver<(SocketAddr, Option<String>)>,
) {
    while let Some((addr, site)) = requests.recv().await {
        if addr == ep.local_addr().unwrap_or(addr) && site.is_none() {
            continue;
        }
        {
            let mut dialing = fed.dialing.locked();
            if !dialing.insert(addr) {
                continue;
            }
        }
        let fed = fed.clone();
        let ep = ep.clone();
        tokio::spawn(async move {
            dial_loop(&fed, &ep, addr, site).await;
            fed.dialing.locked().remove(&addr);
        });
    }
}

async fn dial_loop(
    fed: &Arc<Federation>,
    ep: &Endpoint,
    addr: SocketAddr,
    mut site: Option<String>,
) {
    let mut backoff = Backoff::new(RECONNECT_BASE_MS, RECONNECT_CAP_MS);
    loop {
        if fed.is_shutting_down() {
            return;
        }
        if let Some(s) = &site {
            if fed.is_revoked_site(s) {
                return;
            }
            // Someone else already holds the link (it dialled us); wait and check again.
            if fed.is_linked(s) {
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        }
        let started = std::time::Instant::now();
        match ep.connect(addr, "tiepdan.internal") {
            Ok(connecting) => {
                match tokio::time::timeout(Duration::from_millis(IDLE_TIMEOUT_MS), connecting).await
                {
                    Ok(Ok(conn)) => {
                        if let Some(peer) = run_link(fed.clone(), conn, true).await {
                            site = Some(peer);
                        }
                        if started.elapsed() > Duration::from_secs(10) {
                            backoff.reset();
                        }
                    }
                    Ok(Err(e)) => debug!(%addr, "dial failed: {e}"),
                    Err(_) => debug!(%addr, "dial timed out"),
                }
            }
            Err(e) => {
                warn!(%addr, "cannot dial: {e}");
                return;
            }
        }
        if fed.is_shutting_down() {
            return;
        }
        let delay = backoff.next_delay_ms(rand::random());
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
}

fn peer_chain(conn: &Connection) -> Option<Vec<CertificateDer<'static>>> {
    conn.peer_identity()?
        .downcast::<Vec<CertificateDer<'static>>>()
        .ok()
        .map(|b| *b)
}

/// Runs one link from handshake to close. Returns the peer's site code if it was proven.
async fn run_link(
    fed: Arc<Federation>,
    conn: Connection,
    locally_initiated: bool,
) -> Option<String> {
    let remote = conn.remote_address();
    let Some(chain) = peer_chain(&conn) else {
        conn.close(VarInt::from_u32(CLOSE_PROTOCOL), b"no certificate");
        return None;
    };
    let verified = match fed.verify_peer_chain(&chain) {
        Ok(v) => v,
        Err(e) => {
            fed.site.metrics.refused("quic", e.reason());
            warn!(%remote, reason = e.reason(), "refused peer after handshake: {e}");
            conn.close(VarInt::from_u32(CLOSE_REVOKED), e.reason().as_bytes());
            return None;
        }
    };
    let site = verified.site.clone();

    let streams = if locally_initiated {
        conn.open_bi().await
    } else {
        conn.accept_bi().await
    };
    let (mut send, mut recv) = match streams {
        Ok(s) => s,
        Err(e) => {
            debug!(%site, "control stream not opened: {e}");
            return Some(site);
        }
    };
    let hello = ControlFrame::Hello(own_hello(&fed));
    let bytes = encode_frame(&hello);
    if send.write_all(&bytes).await.is_err() {
        return Some(site);
    }
    fed.site.metrics.bytes("control", "tx", bytes.len() as u64);

    let mut decoder = FrameDecoder::new();
    let mut buf = vec![0u8; 16 * 1024];
    let their_hello = match tokio::time::timeout(
        Duration::from_millis(HELLO_TIMEOUT_MS),
        read_frame(&fed, &mut recv, &mut decoder, &mut buf),
    )
    .await
    {
        Ok(Some(ControlFrame::Hello(h))) => h,
        Ok(other) => {
            fed.site.metrics.refused("quic", "bad_hello");
            warn!(%site, "peer did not start with a valid hello: {:?}", other.map(|f| frame_name(&f)));
            conn.close(VarInt::from_u32(CLOSE_PROTOCOL), b"expected hello");
            return Some(site);
        }
        Err(_) => {
            fed.site.metrics.refused("quic", "hello_timeout");
            conn.close(VarInt::from_u32(CLOSE_PROTOCOL), b"hello timeout");
            return Some(site);
        }
    };
    if let Err(reason) = check_hello(&their_hello, &site, &chain) {
        fed.site.metrics.refused("quic", reason);
        warn!(%site, reason, "refused hello");
        conn.close(VarInt::from_u32(CLOSE_PROTOCOL), reason.as_bytes());
        return Some(site);
    }
    for r in &their_hello.revocations {
        if let Err(e) = fed.apply_revocation(r, RevocationPath::Hello, &site) {
            debug!(%site, "ignored a revocation record from hello: {e}");
        }
    }
    // A revocation in their hello may have just cut them (or us) off.
    if fed.verify_peer_chain(&chain).is_err() {
        conn.close(VarInt::from_u32(CLOSE_REVOKED), b"revoked");
        return Some(site);
    }

    let (outbox_tx, mut outbox_rx) = mpsc::channel::<ControlFrame>(LINK_OUTBOX_FRAMES_MAX);
    if !register(
        &fed,
        &verified,
        &conn,
        locally_initiated,
        &chain,
        &their_hello,
        outbox_tx.clone(),
    ) {
        return Some(site);
    }
    info!(%site, name = %fed.site.site_name(&site), %remote, locally_initiated, "link up");
    fed.channels.chain_proven(&chain);
    tokio::spawn(serve_streams(fed.clone(), site.clone(), conn.clone()));
    fed.channels.link_up(&PeerLink {
        site: site.clone(),
        conn: conn.clone(),
        chain: chain.clone(),
    });
    fed.learn_peer(
        &PeerRecord {
            site: site.clone(),
            peer_id: verified.peer_id.to_string(),
            quic_addrs: their_hello.quic_addrs.clone(),
            p2p_addrs: their_hello.p2p_addrs.clone(),
        },
        true,
    );
    // Tell everyone (including the newcomer) who is reachable now.
    fed.broadcast(&ControlFrame::Peers(fed.introductions()));

    let writer_fed = fed.clone();
    let writer = tokio::spawn(async move {
        while let Some(frame) = outbox_rx.recv().await {
            let bytes = encode_frame(&frame);
            if send.write_all(&bytes).await.is_err() {
                break;
            }
            writer_fed
                .site
                .metrics
                .bytes("control", "tx", bytes.len() as u64);
        }
    });

    loop {
        tokio::select! {
            frame = read_frame(&fed, &mut recv, &mut decoder, &mut buf) => match frame {
                Some(f) => handle_frame(&fed, &site, f, &outbox_tx, &conn),
                None => break,
            },
            _ = conn.closed() => break,
        }
    }
    writer.abort();
    unregister(&fed, &site, &conn);
    let reason = conn
        .close_reason()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "closed".into());
    info!(%site, %reason, "link down");
    Some(site)
}

fn frame_name(f: &ControlFrame) -> &'static str {
    match f {
        ControlFrame::Hello(_) => "hello",
        ControlFrame::Peers(_) => "peers",
        ControlFrame::Revocation(_) => "revocation",
        ControlFrame::Ping { .. } => "ping",
        ControlFrame::Pong { .. } => "pong",
        ControlFrame::Goodbye { .. } => "goodbye",
    }
}

fn own_hello(fed: &Federation) -> Hello {
    let b = fed.site.bound.get().copied();
    Hello {
        versions: vec![PROTOCOL_VERSION],
        site: fed.site.site.code.clone(),
        chain: fed
            .site
            .chain
            .der_list()
            .iter()
            .map(|c| ByteBuf::from(c.to_vec()))
            .collect(),
        quic_addrs: b.map(|b| fed.quic_advertised(&b)).unwrap_or_default(),
        p2p_addrs: b.map(|b| fed.p2p_advertised(&b)).unwrap_or_default(),
        http_addr: b.map(|b| b.http.to_string()),
        revocations: {
            let revs = fed.revocations.reading();
            revs.records().map(|r| ByteBuf::from(r.to_vec())).collect()
        },
    }
}

/// The hello must agree with what TLS already proved: same site, same leaf certificate.
fn check_hello(
    hello: &Hello,
    tls_site: &str,
    tls_chain: &[CertificateDer<'static>],
) -> Result<(), &'static str> {
    if negotiate_version(&[PROTOCOL_VERSION], &hello.versions).is_none() {
        return Err("no_common_version");
    }
    if hello.site != tls_site {
        return Err("hello_site_mismatch");
    }
    let leaf_matches =
        hello.chain.first().map(|c| c.as_slice()) == tls_chain.first().map(|c| c.as_ref());
    if !leaf_matches {
        return Err("hello_chain_mismatch");
    }
    Ok(())
}

/// Reads the next frame; `None` on end of stream, error or a garbage frame (which is counted).
async fn read_frame(
    fed: &Federation,
    recv: &mut quinn::RecvStream,
    decoder: &mut FrameDecoder,
    buf: &mut [u8],
) -> Option<ControlFrame> {
    loop {
        match decoder.next_frame() {
            Ok(Some(f)) => return Some(f),
            Ok(None) => {}
            Err(e) => {
                fed.site.metrics.bad_frames.inc();
                warn!("peer sent a bad control frame: {e}");
                return None;
            }
        }
        match recv.read(buf).await {
            Ok(Some(n)) => {
                fed.site.metrics.bytes("control", "rx", n as u64);
                if let Err(e) = decoder.push(&buf[..n]) {
                    fed.site.metrics.bad_frames.inc();
                    warn!("peer sent a bad control frame: {e}");
                    return None;
                }
            }
            Ok(None) | Err(_) => return None,
        }
    }
}

fn handle_frame(
    fed: &Arc<Federation>,
    site: &str,
    frame: ControlFrame,
    outbox: &mpsc::Sender<ControlFrame>,
    conn: &Connection,
) {
    match frame {
        ControlFrame::Peers(records) => {
            for r in records {
                fed.learn_peer(&r, false);
            }
        }
        ControlFrame::Revocation(bytes) => {
            match fed.apply_revocation(&bytes, RevocationPath::Link, site) {
                Ok(_) => {}
                Err(e) => warn!(%site, "peer sent an invalid revocation: {e}"),
            }
        }
        ControlFrame::Ping { nonce } => {
            let _ = outbox.try_send(ControlFrame::Pong { nonce });
        }
        ControlFrame::Pong { .. } => {}
        ControlFrame::Goodbye { reason } => {
            info!(%site, %reason, "peer said goodbye");
            conn.close(VarInt::from_u32(CLOSE_SHUTDOWN), b"goodbye");
        }
        ControlFrame::Hello(_) => {
            fed.site.metrics.bad_frames.inc();
            conn.close(VarInt::from_u32(CLOSE_PROTOCOL), b"second hello");
        }
    }
}

/// Adds a link, resolving a simultaneous dial. Returns false when this connection lost.
fn register(
    fed: &Federation,
    verified: &tiepdan_keys::cert::VerifiedSite,
    conn: &Connection,
    locally_initiated: bool,
    chain: &[CertificateDer<'static>],
    hello: &Hello,
    outbox: mpsc::Sender<ControlFrame>,
) -> bool {
    let site = verified.site.as_str();
    let mut links = fed.links.locked();
    if let Some(existing) = links.get(site) {
        let existing_alive = existing.conn.close_reason().is_none();
        if existing_alive && existing.locally_initiated != locally_initiated {
            // Both dialled at once: both sides apply the same rule, so both keep the same
            // physical connection.
            let keep_new = keep_connection(&fed.site.site.code, site, locally_initiated);
            let keep_old = keep_connection(&fed.site.site.code, site, existing.locally_initiated);
            if keep_old || !keep_new {
                conn.close(VarInt::from_u32(CLOSE_DUPLICATE), b"duplicate");
                return false;
            }
            existing
                .conn
                .close(VarInt::from_u32(CLOSE_DUPLICATE), b"duplicate");
        } else if existing_alive {
            // The same side dialled again: it has given the old connection up (it restarted, or
            // closed it a moment ago and our side has not seen the close yet). The new one wins.
            existing
                .conn
                .close(VarInt::from_u32(CLOSE_DUPLICATE), b"duplicate");
        }
    }
    links.insert(
        site.to_owned(),
        Link {
            conn: conn.clone(),
            peer_id: verified.peer_id.to_string(),
            locally_initiated,
            since: fed.now(),
            chain: chain.to_vec(),
            outbox,
            quic_addrs: hello.quic_addrs.clone(),
            p2p_addrs: hello.p2p_addrs.clone(),
        },
    );
    fed.site.metrics.peers_connected.set(links.len() as i64);
    if fed.registry().parent(&fed.site.site.code) == Some(site) {
        let _ = fed
            .parent_connected_after_ms
            .set(fed.site.started.elapsed().as_millis() as u64);
    }
    true
}

fn unregister(fed: &Federation, site: &str, conn: &Connection) {
    let mut links = fed.links.locked();
    if links.get(site).map(|l| l.conn.stable_id()) == Some(conn.stable_id()) {
        links.remove(site);
    }
    fed.site.metrics.peers_connected.set(links.len() as i64);
}

/// Serves the streams and datagrams a peer sends on a link, by the channel registry, until the
/// connection ends; then tells the watchers.
async fn serve_streams(fed: Arc<Federation>, site: String, conn: Connection) {
    let bi = {
        let (fed, site, conn) = (fed.clone(), site.clone(), conn.clone());
        async move {
            while let Ok((send, mut recv)) = conn.accept_bi().await {
                let (fed, site) = (fed.clone(), site.clone());
                tokio::spawn(async move {
                    let mut tag = [0u8; 1];
                    if recv.read_exact(&mut tag).await.is_err() {
                        return;
                    }
                    match fed.channels.bi(tag[0]) {
                        Some(channel) => channel.accept(&site, send, recv),
                        None => unknown_channel(&fed, &site, tag[0]),
                    }
                });
            }
        }
    };
    let uni = {
        let (fed, site, conn) = (fed.clone(), site.clone(), conn.clone());
        async move {
            while let Ok(mut recv) = conn.accept_uni().await {
                let (fed, site) = (fed.clone(), site.clone());
                tokio::spawn(async move {
                    let mut tag = [0u8; 1];
                    if recv.read_exact(&mut tag).await.is_err() {
                        return;
                    }
                    match fed.channels.uni(tag[0]) {
                        Some(channel) => channel.accept(&site, recv),
                        None => unknown_channel(&fed, &site, tag[0]),
                    }
                });
            }
        }
    };
    let datagrams = {
        let (fed, site, conn) = (fed.clone(), site.clone(), conn.clone());
        async move {
            let taker = fed.channels.datagrams();
            while let Ok(d) = conn.read_datagram().await {
                if let Some(t) = &taker {
                    t.datagram(&site, &d);
                }
            }
        }
    };
    tokio::select! {
        _ = bi => {}
        _ = uni => {}
        _ = datagrams => {}
    }
    // A newer connection to the same site may already have replaced this one.
    let replaced = fed
        .links
        .locked()
        .get(&site)
        .is_some_and(|l| l.conn.stable_id() != conn.stable_id());
    fed.channels.link_down(&site, replaced);
}

fn unknown_channel(fed: &Federation, site: &str, tag: u8) {
    fed.site.metrics.bad_frames.inc();
    warn!(%site, channel = tag, "peer opened a stream on an unknown channel");
}
