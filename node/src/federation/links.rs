//! QUIC links between sites: the quinn endpoint, dialling with backoff, accepting, and the
//! CBOR-framed control stream.
//!
//! Every link is mutual TLS 1.3 against the federation root (chain, revocation and PeerId checks
//! happen in `tiepdan_keys::tls` during the handshake). After the handshake the dialler opens one
//! bidirectional control stream and both sides send `Hello` first. One link is kept per pair of
//! sites: when both dial at once, the connection initiated by the lower site code wins
//! (`tiepdan_protocol::dial`). Keep-alive 0.5 s (sent by the dialling side) and idle timeout
//! 3 s make a dead path visible fast.

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
use tiepdan_protocol::topology::may_introduce;
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

/// Bidirectional streams a peer may have open toward us at once: the control stream,
/// replication pushes and syncs, uploads and link tests. Each is one task here, so this bounds
/// what one peer can make a node run (QUIC's default is 100).
pub const BIDI_STREAMS_PER_LINK: u32 = 32;
/// Unidirectional streams at once: a video frame too large for a datagram is one stream.
pub const UNI_STREAMS_PER_LINK: u32 = 128;
/// A stream must name its channel within this time, or it is dropped.
pub const CHANNEL_TAG_TIMEOUT_MS: u64 = 5_000;
/// Dial tasks at once; an introduction beyond them is dropped (the next one asks again).
pub const DIALS_MAX: usize = 256;
/// Tries of an address no site was expected at before it is given up.
pub const UNKNOWN_DIAL_TRIES: u32 = 5;

/// The transport settings of a link this site dials (keep-alive, idle timeout, flow-control
/// windows, streams at once).
pub fn transport() -> Arc<TransportConfig> {
    Arc::new(settings())
}

/// The transport of a link a peer dialled: the same, without keep-alives of our own. The
/// dialler's every half second keep both ends' idle timers fed (each probe is answered), so
/// a second set would only double the packets: central accepts all 3,355 links, and a packet
/// is what an idle link costs it.
pub fn accepted_transport() -> Arc<TransportConfig> {
    let mut t = settings();
    t.keep_alive_interval(None);
    Arc::new(t)
}

fn settings() -> TransportConfig {
    let mut t = TransportConfig::default();
    t.max_concurrent_bidi_streams(VarInt::from_u32(BIDI_STREAMS_PER_LINK));
    t.max_concurrent_uni_streams(VarInt::from_u32(UNI_STREAMS_PER_LINK));
    t.stream_receive_window(VarInt::from_u32(STREAM_WINDOW_BYTES));
    t.receive_window(VarInt::from_u32(LINK_WINDOW_BYTES));
    t.send_window(u64::from(SEND_WINDOW_BYTES));
    t.keep_alive_interval(Some(Duration::from_millis(KEEP_ALIVE_MS)));
    // 3 s fits in a VarInt of milliseconds; the conversion cannot fail.
    t.max_idle_timeout(Some(
        IdleTimeout::try_from(Duration::from_millis(IDLE_TIMEOUT_MS))
            .expect("idle timeout in range"),
    ));
    t
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
    let verifier = Arc::new(
        tls::FederationVerifier::new(
            fed.site.root.clone(),
            fed.revocations.clone(),
            Some(on_refusal),
        )
        .with_chain_cache(fed.chains.clone()),
    );
    let server = tls::server_config(&fed.site.key, &fed.site.chain, verifier.clone())?;
    let client = tls::client_config(&fed.site.key, &fed.site.chain, verifier)?;
    let mut server_config = quinn::ServerConfig::with_crypto(Arc::new(
        quinn::crypto::rustls::QuicServerConfig::try_from(server)?,
    ));
    server_config.transport_config(accepted_transport());
    let mut client_config = quinn::ClientConfig::new(Arc::new(
        quinn::crypto::rustls::QuicClientConfig::try_from(client)?,
    ));
    client_config.transport_config(transport());
    let socket = std::net::UdpSocket::bind(addr)?;
    raise_receive_buffer(&socket, RECEIVE_BUFFER_BYTES);
    let runtime = quinn::default_runtime()
        .ok_or_else(|| anyhow::anyhow!("no async runtime for the QUIC endpoint"))?;
    let mut ep = Endpoint::new(
        quinn::EndpointConfig::default(),
        Some(server_config),
        socket,
        runtime,
    )?;
    ep.set_default_client_config(client_config);
    Ok(ep)
}

/// The kernel's receive buffer of the links' UDP socket. When central restarts, the whole
/// country's first packets arrive within a few hundred milliseconds (3,355 Initials of 1,200
/// bytes, about 8 MB as the kernel counts them); the default 208 KiB drops most of them, and
/// each dropped site waits a retransmission or a backoff.
pub const RECEIVE_BUFFER_BYTES: usize = 16 << 20;

/// Asks for `bytes` of receive buffer: beyond `net.core.rmem_max` when the node may
/// (`SO_RCVBUFFORCE`, CAP_NET_ADMIN), else up to it. A smaller buffer only costs retries.
fn raise_receive_buffer(socket: &std::net::UdpSocket, bytes: usize) {
    use std::os::fd::AsRawFd;
    let size = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
    let set = |option| {
        // SAFETY: setsockopt on a socket we own, with a pointer to a c_int and its size.
        unsafe {
            libc::setsockopt(
                socket.as_raw_fd(),
                libc::SOL_SOCKET,
                option,
                (&size as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            ) == 0
        }
    };
    if !set(libc::SO_RCVBUFFORCE) && !set(libc::SO_RCVBUF) {
        debug!("could not raise the QUIC socket's receive buffer");
    }
}

/// Accepts inbound links until shutdown.
pub async fn accept_loop(fed: Arc<Federation>, ep: Endpoint) {
    while let Some(incoming) = ep.accept().await {
        // Address validation first (a QUIC retry costs one round trip): a spoofed source
        // address cannot make this node run handshakes, or send its certificate chain, to a
        // victim.
        if !incoming.remote_address_validated() && incoming.may_retry() {
            if let Err(e) = incoming.retry() {
                debug!("could not send a QUIC retry: {e}");
            }
            continue;
        }
        let fed = fed.clone();
        tokio::spawn(async move {
            let remote = incoming.remote_address();
            match incoming.await {
                Ok(conn) => {
                    let _ = run_link(fed, conn, Accepted).await;
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
            // Bounded: introductions cannot make this node dial without end. A site of ours
            // has at most a few hundred links; the next introduction asks again.
            if dialing.len() >= DIALS_MAX {
                fed.site.metrics.refused("quic", "too_many_dials");
                continue;
            }
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
    let mut failures = 0u32;
    loop {
        if fed.is_shutting_down() {
            return;
        }
        // An address nobody vouches for (no site expected, never answered) is given up after
        // a few tries; a known site's address is kept trying, since its link is wanted.
        if site.is_none() && failures >= UNKNOWN_DIAL_TRIES {
            debug!(%addr, "giving up an address that never answered as a site");
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
                        match run_link(fed.clone(), conn, Dialled(site.as_deref())).await {
                            Ok(peer) => {
                                site = Some(peer);
                                failures = 0;
                                if started.elapsed() > Duration::from_secs(10) {
                                    backoff.reset();
                                }
                            }
                            // Another site answers where this one was said to be: the address
                            // was wrong or is hostile; stop dialling it.
                            Err(LinkEnd::WrongSite) => return,
                            Err(LinkEnd::Refused) => failures += 1,
                        }
                    }
                    Ok(Err(e)) => {
                        failures += 1;
                        debug!(%addr, "dial failed: {e}")
                    }
                    Err(_) => {
                        failures += 1;
                        debug!(%addr, "dial timed out")
                    }
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

/// Which side opened a link: a peer dialled us, or we dialled, expecting this site if known.
#[derive(Debug, Clone, Copy)]
enum Side<'a> {
    Accepted,
    Dialled(Option<&'a str>),
}
use Side::{Accepted, Dialled};

/// Why a link ended before its peer was proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkEnd {
    /// No certificate, or one that does not verify here.
    Refused,
    /// We dialled one site and another answered.
    WrongSite,
}

/// Runs one link from handshake to close. Returns the peer's site code if it was proven.
async fn run_link(
    fed: Arc<Federation>,
    conn: Connection,
    side: Side<'_>,
) -> Result<String, LinkEnd> {
    let remote = conn.remote_address();
    let established = std::time::Instant::now();
    let locally_initiated = matches!(side, Dialled(_));
    let Some(chain) = peer_chain(&conn) else {
        conn.close(VarInt::from_u32(CLOSE_PROTOCOL), b"no certificate");
        return Err(LinkEnd::Refused);
    };
    let verified = match fed.verify_peer_chain(&chain) {
        Ok(v) => v,
        Err(e) => {
            fed.site.metrics.refused("quic", e.reason());
            warn!(%remote, reason = e.reason(), "refused peer after handshake: {e}");
            conn.close(VarInt::from_u32(CLOSE_REVOKED), e.reason().as_bytes());
            return Err(LinkEnd::Refused);
        }
    };
    let site = verified.site.clone();
    if let Dialled(Some(expected)) = side {
        if site != expected {
            fed.site.metrics.refused("quic", "unexpected_site");
            warn!(%remote, %expected, answered = %site, "dialled one site and another answered; not linking");
            conn.close(VarInt::from_u32(CLOSE_PROTOCOL), b"unexpected site");
            return Err(LinkEnd::WrongSite);
        }
    }

    let streams = if locally_initiated {
        conn.open_bi().await
    } else {
        // A peer that completes the handshake and never opens its control stream would hold
        // this task and the connection (its keep-alives beat the idle timeout) for ever.
        match tokio::time::timeout(Duration::from_millis(HELLO_TIMEOUT_MS), conn.accept_bi()).await
        {
            Ok(s) => s,
            Err(_) => {
                fed.site.metrics.refused("quic", "hello_timeout");
                warn!(%site, "peer opened no control stream in time");
                conn.close(VarInt::from_u32(CLOSE_PROTOCOL), b"hello timeout");
                return Ok(site);
            }
        }
    };
    let (mut send, mut recv) = match streams {
        Ok(s) => s,
        Err(e) => {
            debug!(%site, "control stream not opened: {e}");
            return Ok(site);
        }
    };
    let hello = ControlFrame::Hello(own_hello(&fed));
    let bytes = encode_frame(&hello);
    if send.write_all(&bytes).await.is_err() {
        return Ok(site);
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
            return Ok(site);
        }
        Err(_) => {
            fed.site.metrics.refused("quic", "hello_timeout");
            conn.close(VarInt::from_u32(CLOSE_PROTOCOL), b"hello timeout");
            return Ok(site);
        }
    };
    if let Err(reason) = check_hello(&their_hello, &site, &chain) {
        fed.site.metrics.refused("quic", reason);
        warn!(%site, reason, "refused hello");
        conn.close(VarInt::from_u32(CLOSE_PROTOCOL), reason.as_bytes());
        return Ok(site);
    }
    for r in &their_hello.revocations {
        if let Err(e) = fed.apply_revocation(r, RevocationPath::Hello, &site) {
            debug!(%site, "ignored a revocation record from hello: {e}");
        }
    }
    // A revocation in their hello may have just cut them (or us) off.
    if fed.verify_peer_chain(&chain).is_err() {
        conn.close(VarInt::from_u32(CLOSE_REVOKED), b"revoked");
        return Ok(site);
    }

    let (outbox_tx, mut outbox_rx) = mpsc::channel::<ControlFrame>(LINK_OUTBOX_FRAMES_MAX);
    if !register(
        &fed,
        &verified,
        &conn,
        (locally_initiated, established),
        &chain,
        &their_hello,
        outbox_tx.clone(),
    ) {
        return Ok(site);
    }
    info!(%site, name = %fed.site.site_name(&site), %remote, locally_initiated, "link up");
    fed.channels.chain_proven(&chain);
    tokio::spawn(serve_streams(fed.clone(), site.clone(), conn.clone()));
    fed.channels.link_up(&PeerLink {
        site: site.clone(),
        conn: conn.clone(),
        chain: chain.clone(),
    });
    let record = PeerRecord {
        site: site.clone(),
        peer_id: verified.peer_id.to_string(),
        quic_addrs: their_hello.quic_addrs.clone(),
        p2p_addrs: their_hello.p2p_addrs.clone(),
    };
    fed.learn_peer(&record, true);
    // Tell the newcomer where the linked sites it wants a link with are, and the linked sites
    // that want a link with it where it is (`Federation::introductions_for`, `introduce`).
    let _ = outbox_tx.try_send(ControlFrame::Peers(fed.introductions_for(&site)));
    fed.introduce(&record);
    // And the newcomer every holiday calendar central published that we hold.
    for frame in fed.calendar_frames() {
        let _ = outbox_tx.try_send(frame);
    }

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

    let mut peers_intake = PeersIntake::new();
    loop {
        tokio::select! {
            frame = read_frame(&fed, &mut recv, &mut decoder, &mut buf) => match frame {
                Some(f) => handle_frame(&fed, &site, f, &outbox_tx, &conn, &mut peers_intake),
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
        .unwrap_or_else(|| "the control stream ended".into());
    // The link is its control stream: once it ended (or carried a bad frame) the connection
    // is closed too, or its streams and datagrams would still be served for a site no longer
    // linked.
    conn.close(VarInt::from_u32(CLOSE_PROTOCOL), b"control stream ended");
    info!(%site, %reason, "link down");
    Ok(site)
}

fn frame_name(f: &ControlFrame) -> &'static str {
    match f {
        ControlFrame::Hello(_) => "hello",
        ControlFrame::Peers(_) => "peers",
        ControlFrame::Revocation(_) => "revocation",
        ControlFrame::Calendar(_) => "calendar",
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

/// `Peers` frames one link may bring in a burst; then one per [`PEERS_REFILL_MS`]. A site
/// sends one when its links change, so a busy province sends a few a minute.
pub const PEERS_BURST: u32 = 8;
pub const PEERS_REFILL_MS: u64 = 5_000;

/// What one link's introductions may cost: a token bucket, and one batch being written at a
/// time (off the async threads: each new address is an fsync).
struct PeersIntake {
    tokens: u32,
    refilled: std::time::Instant,
    busy: Arc<std::sync::atomic::AtomicBool>,
}

impl PeersIntake {
    fn new() -> PeersIntake {
        PeersIntake {
            tokens: PEERS_BURST,
            refilled: std::time::Instant::now(),
            busy: Arc::default(),
        }
    }

    /// Takes a token if one is left and no batch is being written.
    fn admit(&mut self) -> bool {
        let refill = Duration::from_millis(PEERS_REFILL_MS);
        let earned = (self.refilled.elapsed().as_millis() / refill.as_millis()) as u32;
        if earned > 0 {
            self.tokens = (self.tokens + earned).min(PEERS_BURST);
            self.refilled += refill * earned;
        }
        if self.tokens == 0 || self.busy.load(std::sync::atomic::Ordering::Acquire) {
            return false;
        }
        self.tokens -= 1;
        true
    }
}

/// Takes the introductions `site` can vouch for (itself and the sites it links with), within
/// the link's budget, and learns them on a blocking thread.
fn take_peers(
    fed: &Arc<Federation>,
    site: &str,
    records: Vec<PeerRecord>,
    intake: &mut PeersIntake,
) {
    if !intake.admit() {
        fed.site.metrics.refused("control", "peers_rate");
        debug!(%site, "dropped an introduction frame over the link's budget");
        return;
    }
    let registry = fed.registry();
    let (vouched, foreign): (Vec<PeerRecord>, Vec<PeerRecord>) = records
        .into_iter()
        .partition(|r| may_introduce(registry, site, &r.site));
    if !foreign.is_empty() {
        fed.site.metrics.refused("control", "peers_not_vouched");
        warn!(%site, refused = foreign.len(), first = %foreign[0].site, "a peer introduced sites it does not link with; ignored them");
    }
    if vouched.is_empty() {
        return;
    }
    let busy = intake.busy.clone();
    busy.store(true, std::sync::atomic::Ordering::Release);
    let fed = fed.clone();
    tokio::task::spawn_blocking(move || {
        for r in vouched {
            fed.learn_peer(&r, false);
        }
        busy.store(false, std::sync::atomic::Ordering::Release);
    });
}

fn handle_frame(
    fed: &Arc<Federation>,
    site: &str,
    frame: ControlFrame,
    outbox: &mpsc::Sender<ControlFrame>,
    conn: &Connection,
    peers_intake: &mut PeersIntake,
) {
    match frame {
        ControlFrame::Peers(records) => take_peers(fed, site, records, peers_intake),
        ControlFrame::Revocation(bytes) => {
            match fed.apply_revocation(&bytes, RevocationPath::Link, site) {
                Ok(_) => {}
                Err(e) => warn!(%site, "peer sent an invalid revocation: {e}"),
            }
        }
        ControlFrame::Calendar(bytes) => {
            if let Err(e) = fed.apply_calendar(&bytes, RevocationPath::Link, site) {
                warn!(%site, reason = e.reason(), "peer sent a holiday calendar that is refused: {e}");
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
    (locally_initiated, established): (bool, std::time::Instant),
    chain: &[CertificateDer<'static>],
    hello: &Hello,
    outbox: mpsc::Sender<ControlFrame>,
) -> bool {
    let site = verified.site.as_str();
    // The peer may have given this connection up while its hello was being checked: it must
    // not displace the connection that replaced it.
    if conn.close_reason().is_some() {
        return false;
    }
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
        } else if existing_alive && existing.established > established {
            // The same side dialled twice and the later connection registered first (this one
            // spent longer being checked): the later one is the one the peer uses.
            conn.close(VarInt::from_u32(CLOSE_DUPLICATE), b"duplicate");
            return false;
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
            established,
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
/// Reads the channel tag a peer's stream starts with, within [`CHANNEL_TAG_TIMEOUT_MS`]: a
/// stream opened and left silent would hold its task and a stream slot forever.
async fn read_tag(
    fed: &Federation,
    site: &str,
    recv: &mut quinn::RecvStream,
    tag: &mut [u8; 1],
) -> bool {
    let read = tokio::time::timeout(
        Duration::from_millis(CHANNEL_TAG_TIMEOUT_MS),
        recv.read_exact(tag),
    );
    match read.await {
        Ok(Ok(())) => true,
        Ok(Err(_)) => false,
        Err(_) => {
            fed.site.metrics.refused("quic", "silent_stream");
            debug!(%site, "a stream named no channel in time; dropped");
            let _ = recv.stop(VarInt::from_u32(CLOSE_PROTOCOL));
            false
        }
    }
}

async fn serve_streams(fed: Arc<Federation>, site: String, conn: Connection) {
    let bi = {
        let (fed, site, conn) = (fed.clone(), site.clone(), conn.clone());
        async move {
            while let Ok((send, mut recv)) = conn.accept_bi().await {
                let (fed, site) = (fed.clone(), site.clone());
                tokio::spawn(async move {
                    let mut tag = [0u8; 1];
                    if !read_tag(&fed, &site, &mut recv, &mut tag).await {
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
                    if !read_tag(&fed, &site, &mut recv, &mut tag).await {
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
