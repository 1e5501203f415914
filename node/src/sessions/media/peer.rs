//! One WebRTC peer connection: a str0m `Rtc` and what we know about it.
//!
//! Owns building an ICE-lite `Rtc` that speaks only Opus and VP8, draining its output after
//! every mutation (str0m's rule: mutate, then poll until `Output::Timeout`), turning its events
//! into frames and keyframe requests, and writing bus frames to a subscriber. It never touches
//! another peer: cross-peer work is returned as [`PeerEvent`]s for the driver.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use str0m::media::{Frequency, KeyframeRequestKind, MediaKind as RtcKind, MediaTime, Mid};
use str0m::net::Transmit;
use str0m::{Candidate, Event, IceConnectionState, Output, Rtc, RtcError};
use tokio::net::UdpSocket;
use tokio::sync::broadcast;
use tracing::debug;

use super::error::MediaError;
use super::frame::{Codec, FrameOrigin, MediaFrame, MediaKind};
use super::policy::{ParticipantInfo, PublisherInfo};
use super::stats::Stats;

/// Most outputs one drain may produce before the peer is declared broken. A 1 MB frame is
/// under a thousand packets; this only trips on a bug that would otherwise spin the task.
const MAX_OUTPUTS_PER_DRAIN: usize = 100_000;

/// A new `Rtc` for one WHIP or WHEP peer: ICE-lite (the gateway has a reachable address and
/// only answers connectivity checks), Opus without RED and VP8 only, one host candidate.
pub(crate) fn new_rtc(candidate: SocketAddr, now: Instant) -> Result<Rtc, MediaError> {
    let mut rtc = Rtc::builder()
        .set_ice_lite(true)
        .clear_codecs()
        .enable_opus(true, false)
        .enable_vp8(true)
        .build(now);
    let c = Candidate::host(candidate, "udp").map_err(|e| {
        MediaError::Invalid(format!(
            "media address {candidate} cannot be an ICE candidate: {e}"
        ))
    })?;
    rtc.add_local_candidate(c);
    Ok(rtc)
}

/// Work for the driver that involves more than one peer.
#[derive(Debug)]
pub(crate) enum PeerEvent {
    /// A frame from a local publisher, for the session's bus.
    Frame(MediaFrame),
    /// A subscriber asked for a keyframe (PLI/FIR, or it just connected) from this publisher.
    WantKeyframe {
        session_id: Arc<str>,
        publisher_id: Arc<str>,
    },
}

/// Where a drain puts its output: datagrams go straight to the socket, events to a list.
pub(crate) struct Outbox<'a> {
    pub socket: &'a UdpSocket,
    pub stats: &'a Stats,
    pub events: &'a mut Vec<PeerEvent>,
}

impl Outbox<'_> {
    fn transmit(&mut self, t: Transmit) {
        // Never await on the socket: the one task drives every peer. A full socket buffer
        // drops the datagram (RTP/RTCP recover, ICE and DTLS retransmit).
        match self.socket.try_send_to(&t.contents, t.destination) {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => self.stats.dropped(1),
            Err(e) => debug!(destination = %t.destination, error = %e, "media send failed"),
        }
    }
}

pub(crate) struct Publisher {
    pub info: PublisherInfo,
    pub video_mid: Option<Mid>,
    /// Last keyframe request sent to this publisher; requests are rate-limited.
    pub last_keyframe_request: Option<Instant>,
}

pub(crate) struct Subscriber {
    pub who: ParticipantInfo,
    /// The publisher asked for in WHEP, or `None` to follow the first other publisher.
    pub fixed: Option<Arc<str>>,
    /// The publisher whose frames are written now.
    pub current: Option<Arc<str>>,
    /// Bus generation `current` was resolved at.
    pub seen_generation: Option<u64>,
    pub frames: broadcast::Receiver<MediaFrame>,
    pub audio_mid: Option<Mid>,
    pub video_mid: Option<Mid>,
    /// Video is held back until a keyframe, after connecting, switching publisher or losing
    /// frames: a decoder cannot start from a delta frame.
    pub need_keyframe: bool,
    pub last_keyframe_ask: Option<Instant>,
}

pub(crate) enum Role {
    Publisher(Publisher),
    Subscriber(Box<Subscriber>),
}

pub(crate) struct Peer {
    pub id: Arc<str>,
    pub session_id: Arc<str>,
    /// The participant id of whoever opened it: only they may end it.
    pub owner: Arc<str>,
    pub rtc: Rtc,
    pub role: Role,
    pub created: Instant,
    /// Last datagram this peer accepted; a silent peer is removed after the idle timeout.
    pub last_rx: Instant,
    pub connected: bool,
    pub next_timeout: Instant,
    /// Why the peer must be removed, once it must.
    pub dead: Option<&'static str>,
}

impl Peer {
    pub fn new(id: Arc<str>, session_id: Arc<str>, rtc: Rtc, role: Role, now: Instant) -> Self {
        let owner = match &role {
            Role::Publisher(p) => p.info.participant_id.as_str().into(),
            Role::Subscriber(s) => s.who.participant_id.as_str().into(),
        };
        Peer {
            id,
            session_id,
            owner,
            rtc,
            role,
            created: now,
            last_rx: now,
            connected: false,
            next_timeout: now,
            dead: None,
        }
    }

    pub fn is_publisher(&self) -> bool {
        matches!(self.role, Role::Publisher(_))
    }

    /// Polls the `Rtc` until it returns its next timeout.
    pub fn drain(&mut self, out: &mut Outbox) -> Result<(), RtcError> {
        for _ in 0..MAX_OUTPUTS_PER_DRAIN {
            match self.rtc.poll_output()? {
                Output::Timeout(t) => {
                    self.next_timeout = t;
                    return Ok(());
                }
                Output::Transmit(t) => out.transmit(t),
                Output::Event(e) => self.on_event(e, out),
            }
        }
        self.dead = Some("runaway output");
        Ok(())
    }

    fn on_event(&mut self, e: Event, out: &mut Outbox) {
        match e {
            Event::Connected => {
                self.connected = true;
                if let Role::Subscriber(s) = &mut self.role {
                    s.need_keyframe = true;
                }
            }
            Event::IceConnectionStateChange(IceConnectionState::Disconnected) => {
                self.dead = Some("ICE disconnected")
            }
            Event::Closed => self.dead = Some("closed by the peer"),
            Event::MediaAdded(m) => match &mut self.role {
                Role::Publisher(p) if m.kind == RtcKind::Video => p.video_mid = Some(m.mid),
                Role::Subscriber(s) if m.direction.is_sending() => match m.kind {
                    RtcKind::Audio => s.audio_mid = Some(m.mid),
                    RtcKind::Video => s.video_mid = Some(m.mid),
                },
                _ => {}
            },
            Event::MediaData(d) => {
                // Media a WHEP client sends (sendrecv offers) is ignored: subscribers only listen.
                let Role::Publisher(_) = &self.role else {
                    return;
                };
                let Some(codec) = Codec::from_str0m(d.params.spec().codec) else {
                    return;
                };
                let frame = MediaFrame {
                    session_id: self.session_id.clone(),
                    publisher_id: self.id.clone(),
                    kind: codec.kind(),
                    codec,
                    rtp_time: d.time.numer(),
                    clock_rate: d.time.denom(),
                    keyframe: codec == Codec::Vp8 && d.is_keyframe(),
                    origin: FrameOrigin::Local,
                    data: d.data,
                };
                out.events.push(PeerEvent::Frame(frame));
            }
            Event::KeyframeRequest(_) => {
                if let Role::Subscriber(s) = &self.role {
                    if let Some(p) = &s.current {
                        out.events.push(PeerEvent::WantKeyframe {
                            session_id: self.session_id.clone(),
                            publisher_id: p.clone(),
                        });
                    }
                }
            }
            _ => {}
        }
    }

    /// Asks this publisher for a keyframe (PLI, else FIR, whichever was negotiated).
    pub fn request_keyframe(&mut self) -> Result<bool, RtcError> {
        let Role::Publisher(p) = &self.role else {
            return Ok(false);
        };
        let Some(mid) = p.video_mid else {
            return Ok(false);
        };
        let Some(mut w) = self.rtc.writer(mid) else {
            return Ok(false);
        };
        for kind in [KeyframeRequestKind::Pli, KeyframeRequestKind::Fir] {
            if w.is_request_keyframe_possible(kind) {
                // Fails until the publisher's first packet tells us its SSRC; the next request
                // will do.
                return Ok(w.request_keyframe(None, kind).is_ok());
            }
        }
        Ok(false)
    }

    /// Writes one bus frame to this subscriber, if it carries that kind of media.
    pub fn write_frame(
        &mut self,
        f: &MediaFrame,
        now: Instant,
        stats: &Stats,
    ) -> Result<(), RtcError> {
        let Role::Subscriber(s) = &mut self.role else {
            return Ok(());
        };
        let mid = match f.kind {
            MediaKind::Audio => s.audio_mid,
            MediaKind::Video => s.video_mid,
        };
        let Some(mid) = mid else { return Ok(()) };
        let Some(freq) = Frequency::new(f.clock_rate) else {
            return Ok(());
        };
        let Some(w) = self.rtc.writer(mid) else {
            return Ok(());
        };
        let Some(pt) = w
            .payload_params()
            .find(|p| p.spec().codec == f.codec.to_str0m())
            .map(|p| p.pt())
        else {
            return Ok(());
        };
        // The arrival time is our wallclock for the frame: simple, and monotonic per subscriber.
        w.write(pt, now, MediaTime::new(f.rtp_time, freq), f.data.clone())?;
        stats.frame_out(f.kind);
        Ok(())
    }

    /// Starts a clean close (RTCP BYE, DTLS close_notify) and marks the peer for removal.
    pub fn close(&mut self, out: &mut Outbox) {
        if self.rtc.close().is_ok() {
            let _ = self.drain(out);
        }
        if self.dead.is_none() {
            self.dead = Some("closed");
        }
    }
}
