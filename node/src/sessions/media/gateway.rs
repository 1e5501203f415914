//! The public face of the media gateway: start it, hand it WHIP/WHEP offers, reach its frame
//! bus, read its counters.
//!
//! Owns [`MediaGateway`] and [`MediaConfig`]: binding the one UDP port, choosing the address put
//! in every answer's ICE candidate, checking offers and asking the [`SessionPolicy`] before any
//! WebRTC state exists, building each peer's `Rtc` and handing it to the driver task
//! (`media::driver`) that owns every peer from then on.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use str0m::change::SdpOffer;
use str0m::Rtc;
use tokio::net::UdpSocket;
use tokio::sync::{broadcast, mpsc, oneshot, Notify};
use tokio::task::JoinHandle;
use tracing::{info, warn};

use super::bus::{Bus, PublisherEntry};
use super::driver::{Command, Driver};
use super::error::MediaError;
use super::frame::{FrameOrigin, MediaFrame, MediaKind, MAX_FRAME_BYTES};
use super::peer::{new_rtc, Peer, Publisher, Role, Subscriber};
use super::policy::{check_session_id, ParticipantInfo, PublisherInfo, SessionPolicy};
use super::sdp::{check_offer, Intent};
use super::stats::{bump, MediaStats, Stats};

/// How the gateway runs. [`MediaConfig::new`] gives the defaults for a bind address.
#[derive(Debug, Clone)]
pub struct MediaConfig {
    /// The UDP address to bind (`tiepdan.toml` `media`, default `0.0.0.0:4435`).
    pub bind: SocketAddr,
    /// The IP browsers reach the gateway at, put in every answer's ICE candidate. Needed when
    /// `bind` is unspecified (0.0.0.0) and the host's primary address is not the right one, or
    /// behind 1:1 NAT. Default: the bound IP, or for 0.0.0.0 the host's primary address.
    pub public_ip: Option<IpAddr>,
    /// Most simultaneous peer connections (WHIP + WHEP).
    pub max_peers: usize,
    /// A peer that has not connected (ICE + DTLS) this long after its offer is removed.
    pub connect_timeout: Duration,
    /// A peer that sent nothing (no STUN consent, no RTCP, no media) this long is removed.
    pub idle_timeout: Duration,
    /// Frames each session's bus holds for a slow receiver before it starts losing the oldest.
    pub bus_capacity: usize,
    /// Commands (offers, deletes, keyframe requests) queued for the gateway task.
    pub command_capacity: usize,
    /// Keyframe requests for remote publishers queued for the node.
    pub keyframe_capacity: usize,
}

impl MediaConfig {
    pub fn new(bind: SocketAddr) -> Self {
        MediaConfig {
            bind,
            public_ip: None,
            max_peers: 256,
            connect_timeout: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(30),
            bus_capacity: 512,
            command_capacity: 256,
            keyframe_capacity: 64,
        }
    }
}

/// A subscriber on this node wants a keyframe from a publisher at another site. The node
/// carries it to that site, which calls [`MediaGateway::request_keyframe`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyframeWanted {
    pub session_id: String,
    pub publisher_id: String,
}

/// How long an offer may wait for the gateway task before the caller gets `Stopped`.
const COMMAND_DEADLINE: Duration = Duration::from_secs(5);

/// The node's WebRTC gateway: one UDP port, one task driving every peer connection.
pub struct MediaGateway {
    commands: mpsc::Sender<Command>,
    bus: Arc<Bus>,
    stats: Arc<Stats>,
    policy: Arc<dyn SessionPolicy>,
    wake: Arc<Notify>,
    local_addr: SocketAddr,
    candidate: SocketAddr,
    keyframes: Mutex<Option<mpsc::Receiver<KeyframeWanted>>>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl MediaGateway {
    /// Binds the UDP port and starts the gateway task on the current tokio runtime.
    pub async fn start(
        config: MediaConfig,
        policy: Arc<dyn SessionPolicy>,
    ) -> Result<Arc<Self>, MediaError> {
        let socket = bind_udp(config.bind)?;
        let local_addr = socket.local_addr()?;
        let candidate = candidate_addr(local_addr, config.public_ip);
        // Fail now, not on the first offer, if the address cannot be a candidate.
        new_rtc(candidate, Instant::now())?;
        let (commands, command_rx) = mpsc::channel(config.command_capacity.max(1));
        let (keyframe_tx, keyframe_rx) = mpsc::channel(config.keyframe_capacity.max(1));
        let bus = Arc::new(Bus::new(config.bus_capacity));
        let stats = Arc::new(Stats::default());
        let wake = Arc::new(Notify::new());
        let driver = Driver::new(
            socket,
            candidate,
            &config,
            command_rx,
            bus.clone(),
            stats.clone(),
            policy.clone(),
            wake.clone(),
            keyframe_tx,
        );
        let task = tokio::spawn(driver.run());
        info!(bound = %local_addr, candidate = %candidate, "media gateway listening (WebRTC, ICE-lite)");
        Ok(Arc::new(MediaGateway {
            commands,
            bus,
            stats,
            policy,
            wake,
            local_addr,
            candidate,
            keyframes: Mutex::new(Some(keyframe_rx)),
            task: Mutex::new(Some(task)),
        }))
    }

    /// The bound UDP address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The address put in every answer's host candidate.
    pub fn candidate_addr(&self) -> SocketAddr {
        self.candidate
    }

    pub fn policy(&self) -> &Arc<dyn SessionPolicy> {
        &self.policy
    }

    /// WHIP: a participant publishes. Returns `(resource_id, sdp_answer)`. The resource id is
    /// also the publisher id its frames carry on the bus.
    pub async fn whip(
        &self,
        session_id: &str,
        sdp_offer: &str,
        publisher: PublisherInfo,
    ) -> Result<(String, String), MediaError> {
        let r = self.whip_inner(session_id, sdp_offer, publisher).await;
        if r.is_err() {
            bump(&self.stats.offers_refused);
        }
        r
    }

    async fn whip_inner(
        &self,
        session_id: &str,
        sdp_offer: &str,
        publisher: PublisherInfo,
    ) -> Result<(String, String), MediaError> {
        check_session_id(session_id)?;
        publisher.validate()?;
        // The policy first: a site that may not join learns nothing about our SDP handling.
        self.policy.admit(session_id, &publisher.site)?;
        let (offer, _) = check_offer(sdp_offer, Intent::Publish)?;
        let now = Instant::now();
        let (rtc, answer) = answer(self.candidate, offer, now)?;
        let id: Arc<str> = new_resource_id().into();
        let role = Role::Publisher(Publisher {
            info: publisher,
            video_mid: None,
            last_keyframe_request: None,
        });
        self.add(Peer::new(id.clone(), session_id.into(), rtc, role, now))
            .await?;
        Ok((id.to_string(), answer))
    }

    /// WHEP: a participant receives one publisher. `publisher_id: None` follows the first
    /// publisher of the session (in order of arrival, local or remote) whose participant id is
    /// not the subscriber's own, now or when one arrives, and moves on to the next when it
    /// leaves. Returns `(resource_id, sdp_answer)`.
    pub async fn whep(
        &self,
        session_id: &str,
        sdp_offer: &str,
        publisher_id: Option<&str>,
        subscriber: ParticipantInfo,
    ) -> Result<(String, String), MediaError> {
        let r = self
            .whep_inner(session_id, sdp_offer, publisher_id, subscriber)
            .await;
        if r.is_err() {
            bump(&self.stats.offers_refused);
        }
        r
    }

    async fn whep_inner(
        &self,
        session_id: &str,
        sdp_offer: &str,
        publisher_id: Option<&str>,
        subscriber: ParticipantInfo,
    ) -> Result<(String, String), MediaError> {
        check_session_id(session_id)?;
        subscriber.validate()?;
        self.policy.admit(session_id, &subscriber.site)?;
        let fixed = match publisher_id {
            Some(p) => match self.bus.publisher(session_id, p) {
                Some((id, _)) => Some(id),
                None => return Err(MediaError::UnknownPublisher(p.chars().take(64).collect())),
            },
            None => None,
        };
        let (offer, _) = check_offer(sdp_offer, Intent::Subscribe)?;
        let now = Instant::now();
        let (rtc, answer) = answer(self.candidate, offer, now)?;
        let id: Arc<str> = new_resource_id().into();
        let role = Role::Subscriber(Box::new(Subscriber {
            who: subscriber,
            fixed,
            current: None,
            seen_generation: None,
            frames: self.bus.subscribe(session_id),
            audio_mid: None,
            video_mid: None,
            need_keyframe: true,
            last_keyframe_ask: None,
        }));
        self.add(Peer::new(id.clone(), session_id.into(), rtc, role, now))
            .await?;
        Ok((id.to_string(), answer))
    }

    async fn add(&self, peer: Peer) -> Result<(), MediaError> {
        let (reply, answer) = oneshot::channel();
        let go = async {
            self.commands
                .send(Command::Add {
                    peer: Box::new(peer),
                    reply,
                })
                .await
                .map_err(|_| MediaError::Stopped)?;
            answer.await.map_err(|_| MediaError::Stopped)?
        };
        tokio::time::timeout(COMMAND_DEADLINE, go)
            .await
            .map_err(|_| MediaError::Stopped)?
    }

    /// Ends a WHIP or WHEP peer connection (DELETE on its `Location`). With `owner`, only a
    /// resource that participant opened is found (anyone else's is `UnknownResource`).
    pub async fn delete(
        &self,
        session_id: &str,
        resource_id: &str,
        owner: Option<&str>,
    ) -> Result<(), MediaError> {
        let (reply, answer) = oneshot::channel();
        let cmd = Command::Delete {
            session_id: session_id.to_owned(),
            resource_id: resource_id.to_owned(),
            owner: owner.map(str::to_owned),
            reply,
        };
        let go = async {
            self.commands
                .send(cmd)
                .await
                .map_err(|_| MediaError::Stopped)?;
            answer.await.map_err(|_| MediaError::Stopped)
        };
        match tokio::time::timeout(COMMAND_DEADLINE, go)
            .await
            .map_err(|_| MediaError::Stopped)??
        {
            true => Ok(()),
            false => Err(MediaError::UnknownResource),
        }
    }

    /// Ends every peer connection of a session and forgets its publishers (the node calls this
    /// when the session ends or the site stops being a point). Returns how many peers ended.
    pub async fn end_session(&self, session_id: &str) -> Result<usize, MediaError> {
        let (reply, answer) = oneshot::channel();
        let go = async {
            self.commands
                .send(Command::EndSession {
                    session_id: session_id.to_owned(),
                    reply,
                })
                .await
                .map_err(|_| MediaError::Stopped)?;
            answer.await.map_err(|_| MediaError::Stopped)
        };
        tokio::time::timeout(COMMAND_DEADLINE, go)
            .await
            .map_err(|_| MediaError::Stopped)?
    }

    /// Every frame put on the session's bus from now on: local publishers' frames (`origin:
    /// Local`, audio already gated by the floor) and injected ones (`Remote`). A receiver that
    /// falls more than `bus_capacity` frames behind gets `RecvError::Lagged` and loses the
    /// oldest; it never slows anyone else down.
    pub fn subscribe_frames(&self, session_id: &str) -> broadcast::Receiver<MediaFrame> {
        self.bus.subscribe(session_id)
    }

    /// Delivers a frame that arrived from another site to local subscribers (and bus
    /// receivers) as if a local publisher had sent it. Its origin is set to `Remote`. Audio of
    /// an announced remote publisher is gated by the floor like local audio.
    pub fn inject_frame(&self, mut frame: MediaFrame) -> Result<(), MediaError> {
        if frame.data.len() > MAX_FRAME_BYTES {
            self.stats.dropped(1);
            return Err(MediaError::Invalid(format!(
                "frame larger than {MAX_FRAME_BYTES} bytes"
            )));
        }
        if frame.kind != frame.codec.kind() || frame.clock_rate != frame.codec.clock_rate() {
            return Err(MediaError::Invalid(
                "frame kind or clock rate does not match its codec".into(),
            ));
        }
        frame.origin = FrameOrigin::Remote;
        if frame.kind == MediaKind::Audio {
            if let Some((_, p)) = self.bus.publisher(&frame.session_id, &frame.publisher_id) {
                if !self.policy.may_forward_audio(
                    &frame.session_id,
                    &p.info.site,
                    &p.info.participant_id,
                ) {
                    bump(&self.stats.audio_gated);
                    return Ok(());
                }
            }
        }
        bump(&self.stats.frames_injected);
        if self.bus.publish(frame) > 0 {
            // Coalescing wake-up of the gateway task, which writes to local subscribers.
            self.wake.notify_one();
        }
        Ok(())
    }

    /// Lists a publisher at another site, so WHEP subscribers can follow it and its audio is
    /// gated by the floor.
    pub fn announce_remote_publisher(
        &self,
        session_id: &str,
        publisher_id: &str,
        info: PublisherInfo,
    ) {
        self.bus
            .add_publisher(session_id, publisher_id.into(), info, FrameOrigin::Remote);
        self.wake.notify_one();
    }

    pub fn withdraw_remote_publisher(&self, session_id: &str, publisher_id: &str) {
        self.bus.remove_publisher(session_id, publisher_id);
        self.wake.notify_one();
    }

    /// The session's publishers, local and remote, in order of arrival.
    pub fn publishers(&self, session_id: &str) -> Vec<PublisherEntry> {
        self.bus.publishers(session_id)
    }

    /// Another site's subscriber wants a keyframe from one of our local publishers.
    pub fn request_keyframe(&self, session_id: &str, publisher_id: &str) {
        let cmd = Command::Keyframe {
            session_id: session_id.into(),
            publisher_id: publisher_id.into(),
        };
        if self.commands.try_send(cmd).is_err() {
            self.stats.dropped(1);
        }
    }

    /// The keyframe requests of local subscribers for remote publishers, for the node to carry
    /// to their sites. Can be taken once; later calls return `None`.
    pub fn keyframe_requests(&self) -> Option<mpsc::Receiver<KeyframeWanted>> {
        self.keyframes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    pub fn stats(&self) -> MediaStats {
        self.stats.snapshot()
    }

    /// Closes every peer connection cleanly and stops the task.
    pub async fn shutdown(&self) {
        let (reply, done) = oneshot::channel();
        if self
            .commands
            .send(Command::Shutdown { reply })
            .await
            .is_ok()
        {
            let _ = tokio::time::timeout(COMMAND_DEADLINE, done).await;
        }
        let task = self.task.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(task) = task {
            if tokio::time::timeout(COMMAND_DEADLINE, task).await.is_err() {
                warn!("media gateway task did not stop in time");
            }
        }
    }
}

/// Kernel buffer size asked for the media socket. Linux's default (~200 KB) overflows when
/// several publishers' keyframes arrive together; the kernel caps the request at
/// `net.core.rmem_max`/`wmem_max`, which operators may raise.
const SOCKET_BUFFER_BYTES: usize = 4 * 1024 * 1024;

fn bind_udp(addr: SocketAddr) -> std::io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let s = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    // Best effort: a smaller buffer only means more loss under bursts.
    let _ = s.set_recv_buffer_size(SOCKET_BUFFER_BYTES);
    let _ = s.set_send_buffer_size(SOCKET_BUFFER_BYTES);
    s.set_nonblocking(true)?;
    s.bind(&addr.into())?;
    UdpSocket::from_std(s.into())
}

/// Builds the `Rtc` and answers the offer. str0m promises not to panic on input, but it parses
/// what a stranger sent us, so a panic is caught here and refused like bad SDP.
fn answer(
    candidate: SocketAddr,
    offer: SdpOffer,
    now: Instant,
) -> Result<(Rtc, String), MediaError> {
    let r = catch_unwind(AssertUnwindSafe(move || {
        let mut rtc = new_rtc(candidate, now)?;
        let answer = rtc
            .sdp_api()
            .accept_offer(offer)
            .map_err(|e| MediaError::UnsupportedOffer(e.to_string()))?;
        Ok((rtc, answer.to_sdp_string()))
    }));
    r.unwrap_or_else(|_| {
        Err(MediaError::MalformedSdp(
            "the offer could not be processed".into(),
        ))
    })
}

/// 128 random bits in hex: unguessable, so knowing a session id is not enough to DELETE
/// someone else's connection.
fn new_resource_id() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

/// The address for the ICE candidate. With one candidate per gateway, the destination of every
/// datagram is known without IP_PKTINFO.
pub(crate) fn candidate_addr(bound: SocketAddr, public_ip: Option<IpAddr>) -> SocketAddr {
    let ip = match public_ip {
        Some(ip) => ip,
        None if bound.ip().is_unspecified() => primary_ip(bound.is_ipv6()),
        None => bound.ip(),
    };
    SocketAddr::new(ip, bound.port())
}

/// The address the host would send from towards the internet: "connect" a UDP socket to a
/// documentation address (nothing is sent) and read its local address. Loopback without a
/// route.
fn primary_ip(v6: bool) -> IpAddr {
    let (any, probe, fallback): (SocketAddr, SocketAddr, IpAddr) = if v6 {
        (
            (Ipv6Addr::UNSPECIFIED, 0).into(),
            "[2001:db8::1]:9".parse().expect("literal"),
            Ipv6Addr::LOCALHOST.into(),
        )
    } else {
        (
            (Ipv4Addr::UNSPECIFIED, 0).into(),
            "192.0.2.1:9".parse().expect("literal"),
            Ipv4Addr::LOCALHOST.into(),
        )
    };
    std::net::UdpSocket::bind(any)
        .and_then(|s| s.connect(probe).and_then(|_| s.local_addr()))
        .map(|a| a.ip())
        .ok()
        .filter(|ip| !ip.is_unspecified())
        .unwrap_or(fallback)
}

#[cfg(test)]
mod tests {
    use str0m::media::{Direction, MediaKind as RtcKind};

    use super::*;
    use crate::sessions::media::error::MediaRefusal;
    use crate::sessions::media::frame::Codec;
    use crate::sessions::media::sdp::tests::offer;

    /// Session `S-live` has points `01` and `79`; `S-ended` has ended; nothing else exists.
    /// Participant `mute` never has the floor.
    struct Policy;

    impl SessionPolicy for Policy {
        fn admit(&self, session_id: &str, site: &str) -> Result<(), MediaRefusal> {
            match session_id {
                "S-live" if ["01", "79"].contains(&site) => Ok(()),
                "S-live" => Err(MediaRefusal::NotAPoint),
                "S-ended" => Err(MediaRefusal::SessionEnded),
                _ => Err(MediaRefusal::UnknownSession),
            }
        }
        fn may_forward_audio(&self, _: &str, _: &str, participant_id: &str) -> bool {
            participant_id != "mute"
        }
    }

    fn who(site: &str, participant: &str) -> ParticipantInfo {
        ParticipantInfo {
            site: site.into(),
            point_label: String::new(),
            participant_id: participant.into(),
            role: "officer".into(),
        }
    }

    async fn gateway() -> Arc<MediaGateway> {
        MediaGateway::start(
            MediaConfig::new("127.0.0.1:0".parse().unwrap()),
            Arc::new(Policy),
        )
        .await
        .unwrap()
    }

    fn publish_offer() -> String {
        offer(&[RtcKind::Audio, RtcKind::Video], Direction::SendOnly, true)
    }

    #[tokio::test]
    async fn policy_refusals() {
        let gw = gateway().await;
        let sdp = publish_offer();
        let e = gw.whip("S-none", &sdp, who("01", "a")).await.unwrap_err();
        assert!(
            matches!(e, MediaError::Refused(MediaRefusal::UnknownSession)),
            "{e}"
        );
        let e = gw.whip("S-ended", &sdp, who("01", "a")).await.unwrap_err();
        assert!(
            matches!(e, MediaError::Refused(MediaRefusal::SessionEnded)),
            "{e}"
        );
        let e = gw.whip("S-live", &sdp, who("02", "a")).await.unwrap_err();
        assert!(
            matches!(e, MediaError::Refused(MediaRefusal::NotAPoint)),
            "{e}"
        );
        let e = gw
            .whep("S-live", &sdp, None, who("02", "b"))
            .await
            .unwrap_err();
        assert!(
            matches!(e, MediaError::Refused(MediaRefusal::NotAPoint)),
            "{e}"
        );
        let e = gw.whip("S live", &sdp, who("01", "a")).await.unwrap_err();
        assert!(matches!(e, MediaError::Invalid(_)), "{e}");
        assert_eq!(gw.stats().offers_refused, 5);
        assert_eq!(gw.stats().publishers, 0);
        gw.shutdown().await;
    }

    #[tokio::test]
    async fn offers_checked_and_answered() {
        let gw = gateway().await;
        let e = gw
            .whip("S-live", "v=0\r\nnonsense", who("01", "a"))
            .await
            .unwrap_err();
        assert!(matches!(e, MediaError::MalformedSdp(_)), "{e}");
        let recv_only = offer(&[RtcKind::Audio], Direction::RecvOnly, true);
        let e = gw
            .whip("S-live", &recv_only, who("01", "a"))
            .await
            .unwrap_err();
        assert!(matches!(e, MediaError::UnsupportedOffer(_)), "{e}");

        let (id, answer) = gw
            .whip("S-live", &publish_offer(), who("01", "alice"))
            .await
            .unwrap();
        assert!(answer.starts_with("v=0"));
        assert!(answer.contains("a=ice-lite"), "{answer}");
        assert!(
            answer.contains(&format!("{} typ host", gw.candidate_addr().port())),
            "{answer}"
        );
        assert!(
            answer.contains("opus/48000") && answer.contains("VP8/90000"),
            "{answer}"
        );
        assert!(answer.contains("a=recvonly"), "{answer}");
        let listed = gw.publishers("S-live");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].publisher_id, id);
        assert_eq!(listed[0].origin, FrameOrigin::Local);
        assert_eq!(gw.stats().publishers, 1);

        let e = gw
            .whep("S-live", &recv_only, Some("nobody"), who("79", "bob"))
            .await
            .unwrap_err();
        assert!(matches!(e, MediaError::UnknownPublisher(_)), "{e}");
        let (sub, answer) = gw
            .whep("S-live", &recv_only, Some(&id), who("79", "bob"))
            .await
            .unwrap();
        assert!(answer.contains("a=sendonly"), "{answer}");
        assert_eq!(gw.stats().subscribers, 1);

        assert!(matches!(
            gw.delete("S-other", &sub, None).await,
            Err(MediaError::UnknownResource)
        ));
        assert!(
            matches!(
                gw.delete("S-live", &sub, Some("alice")).await,
                Err(MediaError::UnknownResource)
            ),
            "only bob ends bob's subscription"
        );
        gw.delete("S-live", &sub, Some("bob")).await.unwrap();
        gw.delete("S-live", &id, None).await.unwrap();
        assert!(matches!(
            gw.delete("S-live", &id, None).await,
            Err(MediaError::UnknownResource)
        ));
        assert!(gw.publishers("S-live").is_empty());
        assert_eq!((gw.stats().publishers, gw.stats().subscribers), (0, 0));
        gw.shutdown().await;
        assert!(matches!(
            gw.whip("S-live", &publish_offer(), who("01", "a")).await,
            Err(MediaError::Stopped)
        ));
    }

    #[tokio::test]
    async fn injected_frames_reach_the_bus_and_are_gated() {
        let gw = gateway().await;
        let mut rx = gw.subscribe_frames("S-live");
        gw.announce_remote_publisher("S-live", "far-1", who("79", "mute"));
        let frame = |kind, codec: Codec, publisher: &str| MediaFrame {
            session_id: "S-live".into(),
            publisher_id: publisher.into(),
            kind,
            codec,
            rtp_time: 960,
            clock_rate: codec.clock_rate(),
            keyframe: false,
            origin: FrameOrigin::Local,
            data: Arc::from(&b"frame"[..]),
        };
        // Muted remote participant: audio dropped, video delivered.
        gw.inject_frame(frame(MediaKind::Audio, Codec::Opus, "far-1"))
            .unwrap();
        gw.inject_frame(frame(MediaKind::Video, Codec::Vp8, "far-1"))
            .unwrap();
        let got = rx.try_recv().unwrap();
        assert_eq!(
            (got.kind, got.origin),
            (MediaKind::Video, FrameOrigin::Remote)
        );
        assert!(rx.try_recv().is_err());
        assert_eq!(gw.stats().audio_gated, 1);
        // Inconsistent or oversized frames are refused.
        assert!(gw
            .inject_frame(frame(MediaKind::Audio, Codec::Vp8, "far-1"))
            .is_err());
        let mut big = frame(MediaKind::Video, Codec::Vp8, "far-1");
        big.data = vec![0u8; MAX_FRAME_BYTES + 1].into();
        assert!(gw.inject_frame(big).is_err());
        assert_eq!(gw.publishers("S-live")[0].origin, FrameOrigin::Remote);
        assert_eq!(gw.end_session("S-live").await.unwrap(), 0);
        assert!(gw.publishers("S-live").is_empty());
        assert!(gw.keyframe_requests().is_some());
        assert!(gw.keyframe_requests().is_none());
        gw.shutdown().await;
    }

    #[test]
    fn candidate_address() {
        let bound: SocketAddr = "127.0.0.1:4435".parse().unwrap();
        assert_eq!(candidate_addr(bound, None), bound);
        let any: SocketAddr = "0.0.0.0:4435".parse().unwrap();
        let c = candidate_addr(any, None);
        assert!(!c.ip().is_unspecified() && c.port() == 4435);
        let public: IpAddr = "203.0.113.7".parse().unwrap();
        assert_eq!(
            candidate_addr(any, Some(public)),
            SocketAddr::new(public, 4435)
        );
    }
}
