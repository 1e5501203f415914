//! WHIP and WHEP end to end, in process: a `MediaGateway` on loopback serving its routes with
//! axum, and clients that are not browsers — str0m itself, over real UDP.
//!
//! Client A publishes synthetic Opus and VP8 frames (VP8 keyframes carry a real frame tag and
//! start code); client B subscribes and must receive exactly what A sent, also after garbage
//! was thrown at the media port. Refusals come back with a clear status and JSON error, and a
//! participant without the floor reaches B with video only.

use std::collections::HashSet;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;
use str0m::change::SdpAnswer;
use str0m::format::Codec as RtcCodec;
use str0m::media::{Direction, Frequency, MediaKind as RtcKind, MediaTime, Mid};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc};
use tiepdan_node::accounts::passes::Pass;
use tiepdan_node::accounts::{Caller, Via};
use tiepdan_node::api::media::{routes, Here};
use tiepdan_node::sessions::media::{
    Codec, FrameOrigin, MediaConfig, MediaFrame, MediaGateway, MediaRefusal, PublisherInfo,
    SessionPolicy,
};
use tiepdan_protocol::access::Role;
use tiepdan_protocol::session::Role as SessionRole;
use tiepdan_tests::DEADLINE;

const SESSION: &str = "S-01-2026-1";

/// `SESSION` has points `01` and `79`; `S-01-2026-0` has ended; nothing else exists.
/// Participants in `muted` never hold the floor.
#[derive(Default)]
struct TestPolicy {
    muted: Mutex<HashSet<String>>,
}

impl SessionPolicy for TestPolicy {
    fn admit(&self, session_id: &str, site: &str) -> Result<(), MediaRefusal> {
        match session_id {
            SESSION if site == "01" || site == "79" => Ok(()),
            SESSION => Err(MediaRefusal::NotAPoint),
            "S-01-2026-0" => Err(MediaRefusal::SessionEnded),
            _ => Err(MediaRefusal::UnknownSession),
        }
    }

    fn may_forward_audio(&self, _: &str, _: &str, participant_id: &str) -> bool {
        !self.muted.lock().unwrap().contains(participant_id)
    }
}

struct Harness {
    rt: tokio::runtime::Runtime,
    gw: Arc<MediaGateway>,
    http: SocketAddr,
    policy: Arc<TestPolicy>,
}

fn harness() -> Harness {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let policy = Arc::new(TestPolicy::default());
    let gw = rt
        .block_on(MediaGateway::start(
            MediaConfig::new("127.0.0.1:0".parse().unwrap()),
            policy.clone(),
        ))
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let http = listener.local_addr().unwrap();
    let here = Here {
        site: "01".into(),
        name: "Hà Nội".into(),
    };
    let app: axum::Router = axum::Router::new()
        .nest("/api/v1", routes(gw.clone(), here))
        .layer(axum::middleware::from_fn(caller_from_query))
        // As the node's router: error bodies in the language the request asks for.
        .layer(axum::middleware::from_fn(tiepdan_node::api::localize));
    rt.spawn(async move { axum::serve(listener, app).await });
    Harness {
        rt,
        gw,
        http,
        policy,
    }
}

/// Stands in for the node's `api::auth`, which this in-process gateway does not run: the caller
/// is the participant the query names, as a participant pass would name it.
async fn caller_from_query(
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let q = req.uri().query().unwrap_or("").to_owned();
    let get = |k: &str| {
        q.split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
            .map(str::to_owned)
    };
    let role = match get("role").as_deref() {
        Some("officer") => SessionRole::Officer,
        Some("chair") => SessionRole::Chair,
        _ => SessionRole::Citizen,
    };
    let participant = get("participant").unwrap_or_default();
    req.extensions_mut().insert(Caller {
        user: participant.clone(),
        full_name: participant.clone(),
        role: Role::Participant,
        pass: Some(Pass {
            session_id: SESSION.into(),
            point: get("site").unwrap_or_else(|| "01".into()),
            participant_id: participant.clone(),
            display_name: participant,
            role,
            expires_ms: u64::MAX,
            issued_by: "test".into(),
            identity_check: tiepdan_protocol::session::IdentityCheck {
                checked_by: "test".into(),
                document: tiepdan_protocol::case::IdType::Cccd,
                result: tiepdan_protocol::session::IdentityCheckResult::Verified,
            },
        }),
        via: Via::Pass,
    });
    next.run(req).await
}

/// POSTs an offer; returns status, `Location` and body.
fn post_sdp(
    http: SocketAddr,
    path: &str,
    content_type: &str,
    body: &str,
) -> (u16, Option<String>, String) {
    let mut r = tiepdan_node::cli::client::agent()
        .post(&format!("http://{http}{path}"))
        .header("Content-Type", content_type)
        // The refusals are checked in English: the API follows Accept-Language.
        .header("Accept-Language", "en")
        .send(body)
        .expect("reach the API");
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (
        status,
        location,
        r.body_mut().read_to_string().unwrap_or_default(),
    )
}

/// DELETE as `participant`.
fn delete(http: SocketAddr, path: &str, participant: &str) -> u16 {
    tiepdan_node::cli::client::agent()
        .delete(&format!("http://{http}{path}?participant={participant}"))
        .call()
        .expect("reach the API")
        .status()
        .as_u16()
}

fn json_error(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    v["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error field: {body}"))
        .to_owned()
}

/// A str0m client on its own UDP socket, driven synchronously.
struct Client {
    rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
    location: String,
    mids: Vec<(RtcKind, Mid)>,
}

fn client_rtc() -> Rtc {
    Rtc::builder()
        .clear_codecs()
        .enable_opus(true, false)
        .enable_vp8(true)
        .build(Instant::now())
}

/// An audio + video offer in direction `dir`, for tests that only need its text.
fn make_offer(dir: Direction) -> String {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut rtc = client_rtc();
    rtc.add_local_candidate(Candidate::host(socket.local_addr().unwrap(), "udp").unwrap());
    let mut api = rtc.sdp_api();
    api.add_media(RtcKind::Audio, dir, None, None, None);
    api.add_media(RtcKind::Video, dir, None, None, None);
    api.apply().unwrap().0.to_sdp_string()
}

impl Client {
    /// Offers audio + video in `dir` at `path` (WHIP or WHEP) and applies the answer.
    fn connect(http: SocketAddr, path: &str, dir: Direction) -> Client {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let local = socket.local_addr().unwrap();
        let mut rtc = client_rtc();
        rtc.add_local_candidate(Candidate::host(local, "udp").unwrap());
        let mut api = rtc.sdp_api();
        let audio = api.add_media(RtcKind::Audio, dir, None, None, None);
        let video = api.add_media(RtcKind::Video, dir, None, None, None);
        let (offer, pending) = api.apply().unwrap();
        let (status, location, body) =
            post_sdp(http, path, "application/sdp", &offer.to_sdp_string());
        assert_eq!(status, 201, "{path}: {body}");
        let location = location.expect("a Location header");
        assert!(
            location.starts_with(path.split('?').next().unwrap()),
            "{location}"
        );
        let answer = SdpAnswer::from_sdp_string(&body).expect("an SDP answer");
        rtc.sdp_api().accept_answer(pending, answer).unwrap();
        Client {
            rtc,
            socket,
            local,
            location,
            mids: vec![(RtcKind::Audio, audio), (RtcKind::Video, video)],
        }
    }

    fn mid(&self, kind: RtcKind) -> Mid {
        self.mids.iter().find(|(k, _)| *k == kind).unwrap().1
    }

    /// Polls until the next timeout, sending datagrams and collecting events.
    fn drain(&mut self, events: &mut Vec<Event>) -> Instant {
        loop {
            match self.rtc.poll_output().expect("client poll") {
                Output::Timeout(t) => return t,
                Output::Transmit(t) => {
                    let _ = self.socket.send_to(&t.contents, t.destination);
                }
                Output::Event(e) => events.push(e),
            }
        }
    }

    /// Waits for one datagram or until `until`, and feeds it (or the timeout) to the Rtc.
    fn wait(&mut self, until: Instant) {
        let now = Instant::now();
        let wait = until
            .saturating_duration_since(now)
            .max(Duration::from_millis(1));
        self.socket.set_read_timeout(Some(wait)).unwrap();
        let mut buf = vec![0u8; 2000];
        let input = match self.socket.recv_from(&mut buf) {
            Ok((n, source)) => {
                buf.truncate(n);
                match Receive::new(Protocol::Udp, source, self.local, &buf) {
                    Ok(r) => Some(Input::Receive(Instant::now(), r)),
                    Err(_) => None,
                }
            }
            Err(_) => None,
        };
        match input {
            Some(i) => self.rtc.handle_input(i).expect("client input"),
            None => self
                .rtc
                .handle_input(Input::Timeout(Instant::now()))
                .expect("client timeout"),
        }
    }
}

/// A VP8 frame that parsers accept: the 3-byte frame tag (bit 0 clear on keyframes, show_frame
/// set, first partition size), then on keyframes the start code 9d 01 2a and 320x240.
fn vp8_frame(n: u32, key: bool) -> Vec<u8> {
    let first_partition: u32 = 16;
    let tag = (first_partition << 5) | (1 << 4) | u32::from(!key);
    let mut f = tag.to_le_bytes()[..3].to_vec();
    if key {
        f.extend_from_slice(&[0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00]);
    }
    f.extend_from_slice(&n.to_be_bytes());
    f.extend(std::iter::repeat_n(0x5a, if key { 600 } else { 120 }));
    f
}

fn opus_frame(n: u32) -> Vec<u8> {
    // TOC byte of a 20 ms SILK wideband frame, then a counter so every frame is distinct.
    let mut f = vec![0x48];
    f.extend_from_slice(&n.to_be_bytes());
    f.extend_from_slice(b"opus");
    f
}

/// What a publisher sent, and how many keyframe requests reached it.
#[derive(Default)]
struct Sent {
    audio: Mutex<HashSet<Vec<u8>>>,
    video: Mutex<HashSet<Vec<u8>>>,
    keyframe_requests: AtomicUsize,
}

/// Publishes 50 Opus frames and 25 VP8 frames a second until `stop`. Keyframes only after a
/// keyframe request, and every 50 frames from the 50th on (so that within the first two seconds,
/// a subscriber gets video only if its keyframe request reached the publisher).
fn publish(mut c: Client, stop: Arc<AtomicBool>, sent: Arc<Sent>) -> JoinHandle<Client> {
    std::thread::spawn(move || {
        let (audio_mid, video_mid) = (c.mid(RtcKind::Audio), c.mid(RtcKind::Video));
        let start = Instant::now();
        let (mut next_audio, mut next_video) = (start, start);
        let (mut n_audio, mut n_video) = (0u32, 0u32);
        let mut connected = false;
        let mut want_key = false;
        let mut events = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            let timeout = c.drain(&mut events);
            for e in events.drain(..) {
                match e {
                    Event::Connected => connected = true,
                    Event::KeyframeRequest(_) => {
                        sent.keyframe_requests.fetch_add(1, Ordering::Relaxed);
                        want_key = true;
                    }
                    _ => {}
                }
            }
            let now = Instant::now();
            if connected && now >= next_audio {
                let data = opus_frame(n_audio);
                let w = c.rtc.writer(audio_mid).unwrap();
                let pt = w
                    .payload_params()
                    .find(|p| p.spec().codec == RtcCodec::Opus)
                    .unwrap()
                    .pt();
                let t = MediaTime::new(u64::from(n_audio) * 960, Frequency::FORTY_EIGHT_KHZ);
                w.write(pt, now, t, data.clone()).unwrap();
                sent.audio.lock().unwrap().insert(data);
                n_audio += 1;
                next_audio += Duration::from_millis(20);
                continue;
            }
            if connected && now >= next_video {
                let key = want_key || n_video % 50 == 49;
                want_key = false;
                let data = vp8_frame(n_video, key);
                let w = c.rtc.writer(video_mid).unwrap();
                let pt = w
                    .payload_params()
                    .find(|p| p.spec().codec == RtcCodec::Vp8)
                    .unwrap()
                    .pt();
                let t = MediaTime::new(u64::from(n_video) * 3600, Frequency::NINETY_KHZ);
                w.write(pt, now, t, data.clone()).unwrap();
                sent.video.lock().unwrap().insert(data);
                n_video += 1;
                next_video += Duration::from_millis(40);
                continue;
            }
            let until = if connected {
                timeout.min(next_audio).min(next_video)
            } else {
                timeout
            };
            c.wait(until.min(now + Duration::from_millis(50)));
        }
        c
    })
}

/// Frames a subscriber received, by kind.
#[derive(Default)]
struct Received {
    audio: Mutex<Vec<Vec<u8>>>,
    video: Mutex<Vec<Vec<u8>>>,
}

impl Received {
    fn counts(&self) -> (usize, usize) {
        (
            self.audio.lock().unwrap().len(),
            self.video.lock().unwrap().len(),
        )
    }
}

fn subscribe(mut c: Client, stop: Arc<AtomicBool>, got: Arc<Received>) -> JoinHandle<Client> {
    std::thread::spawn(move || {
        let mut events = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            let timeout = c.drain(&mut events);
            for e in events.drain(..) {
                if let Event::MediaData(d) = e {
                    match d.params.spec().codec {
                        RtcCodec::Opus => got.audio.lock().unwrap().push(d.data.to_vec()),
                        RtcCodec::Vp8 => got.video.lock().unwrap().push(d.data.to_vec()),
                        _ => {}
                    }
                }
            }
            c.wait(timeout.min(Instant::now() + Duration::from_millis(50)));
        }
        c
    })
}

fn until(deadline: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + deadline;
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    f()
}

fn whip_path(site: &str, participant: &str) -> String {
    format!("/api/v1/sessions/{SESSION}/whip?site={site}&participant={participant}&role=officer&label=Ha%20Noi")
}

fn whep_path(site: &str, participant: &str) -> String {
    format!("/api/v1/sessions/{SESSION}/whep?site={site}&participant={participant}&role=citizen")
}

/// Garbage of every shape the demultiplexer sorts on: random bytes, empty, STUN-, DTLS- and
/// RTP-looking headers, an oversized datagram. Paced, so that what is measured is the
/// gateway's handling, not the kernel's receive buffer overflowing.
fn throw_garbage(to: SocketAddr) -> usize {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut stun = vec![0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42];
    stun.extend_from_slice(&[7u8; 20]);
    let shapes: Vec<Vec<u8>> = vec![
        b"hello media port".to_vec(),
        vec![],
        stun,
        vec![0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4],
        [vec![0x80, 0x60, 0x00, 0x01], vec![0xab; 200]].concat(),
        [vec![0x80, 0xc8, 0x00, 0x06], vec![0xcd; 24]].concat(),
        vec![0xff; 1500],
        vec![0x00; 3000],
    ];
    let mut n = 0;
    for round in 0..40u8 {
        for shape in &shapes {
            let mut d = shape.clone();
            if let Some(last) = d.last_mut() {
                *last ^= round;
            }
            if s.send_to(&d, to).is_ok() {
                n += 1;
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    n
}

#[test]
fn refusals_are_clear_and_harmless() {
    let h = harness();
    let good = make_offer(Direction::SendOnly);

    let (status, _, body) = post_sdp(
        h.http,
        &whip_path("01", "a"),
        "application/sdp",
        "v=0\r\nnot an offer\r\n",
    );
    assert_eq!(status, 400, "{body}");
    assert!(json_error(&body).contains("Malformed SDP"), "{body}");

    let (status, _, body) = post_sdp(h.http, &whip_path("01", "a"), "application/sdp", "");
    assert_eq!(status, 400, "{body}");
    json_error(&body);

    let recv_only = make_offer(Direction::RecvOnly);
    let (status, _, body) = post_sdp(h.http, &whip_path("01", "a"), "application/sdp", &recv_only);
    assert_eq!(status, 400, "{body}");
    assert!(json_error(&body).contains("Opus"), "{body}");

    let (status, _, body) = post_sdp(
        h.http,
        "/api/v1/sessions/S-99-2026-9/whip?site=01&participant=a",
        "application/sdp",
        &good,
    );
    assert_eq!(status, 404, "{body}");
    assert!(json_error(&body).contains("No such session"), "{body}");

    let (status, _, body) = post_sdp(
        h.http,
        "/api/v1/sessions/S-01-2026-0/whip?site=01&participant=a",
        "application/sdp",
        &good,
    );
    assert_eq!(status, 409, "{body}");
    assert!(json_error(&body).contains("ended"), "{body}");

    let (status, _, body) = post_sdp(h.http, &whip_path("48", "a"), "application/sdp", &good);
    assert_eq!(status, 403, "{body}");
    assert!(json_error(&body).contains("not a point"), "{body}");
    let (status, _, body) = post_sdp(
        h.http,
        &whep_path("48", "b"),
        "application/sdp",
        &make_offer(Direction::RecvOnly),
    );
    assert_eq!(status, 403, "{body}");

    let (status, _, body) = post_sdp(h.http, &whip_path("01", "a"), "application/json", &good);
    assert_eq!(status, 415, "{body}");
    json_error(&body);

    let (status, _, body) = post_sdp(
        h.http,
        &format!("/api/v1/sessions/{SESSION}/whip"),
        "application/sdp",
        &good,
    );
    assert_eq!(status, 400, "{body}");
    assert!(json_error(&body).contains("participant"), "{body}");

    let (status, _, body) = post_sdp(
        h.http,
        &format!("{}&publisher=nobody", whep_path("79", "b")),
        "application/sdp",
        &make_offer(Direction::RecvOnly),
    );
    assert_eq!(status, 404, "{body}");

    assert_eq!(
        delete(
            h.http,
            &format!("/api/v1/sessions/{SESSION}/whip/0123456789abcdef"),
            "a"
        ),
        404
    );

    let stats = h.gw.stats();
    assert_eq!(
        (stats.publishers, stats.subscribers),
        (0, 0),
        "no refused offer left a peer behind"
    );
    assert!(stats.offers_refused >= 6, "{stats:?}");

    // And the gateway still takes a good offer.
    let (status, location, body) =
        post_sdp(h.http, &whip_path("01", "a"), "application/sdp", &good);
    assert_eq!(status, 201, "{body}");
    assert_eq!(delete(h.http, &location.unwrap(), "a"), 200);
    h.rt.block_on(h.gw.shutdown());
}

#[test]
fn whep_receives_what_whip_sends_despite_garbage() {
    let h = harness();
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(Sent::default());
    let got = Arc::new(Received::default());

    // What the node would forward to other sites and record.
    let mut bus = h.gw.subscribe_frames(SESSION);
    let a = Client::connect(h.http, &whip_path("01", "alice"), Direction::SendOnly);
    let a_id = a.location.rsplit('/').next().unwrap().to_owned();
    let publisher = publish(a, stop.clone(), sent.clone());
    let b = Client::connect(h.http, &whep_path("79", "bob"), Direction::RecvOnly);
    let b_location = b.location.clone();
    let subscriber = subscribe(b, stop.clone(), got.clone());

    assert!(
        until(DEADLINE, || {
            let (a, v) = got.counts();
            a >= 10 && v >= 5
        }),
        "B received {:?} (audio, video); gateway {:?}",
        got.counts(),
        h.gw.stats()
    );
    // The subscriber's keyframe request reached the publisher through the gateway.
    assert!(
        sent.keyframe_requests.load(Ordering::Relaxed) > 0,
        "{:?}",
        h.gw.stats()
    );

    let before = got.counts();
    let thrown = throw_garbage(h.gw.local_addr());
    assert!(
        until(DEADLINE, || {
            let (a, v) = got.counts();
            a >= before.0 + 25 && v >= before.1 + 10
        }),
        "B stopped receiving after garbage: {before:?} → {:?}; gateway {:?}",
        got.counts(),
        h.gw.stats()
    );
    let stats = h.gw.stats();
    assert!(
        stats.garbage_datagrams >= thrown as u64 / 2,
        "{thrown} thrown, {stats:?}"
    );
    assert_eq!(stats.peer_failures, 0, "{stats:?}");

    // Payloads arrive exactly as sent.
    {
        let sent_audio = sent.audio.lock().unwrap();
        let sent_video = sent.video.lock().unwrap();
        for f in got.audio.lock().unwrap().iter() {
            assert!(
                sent_audio.contains(f),
                "audio frame B got was never sent: {f:02x?}"
            );
        }
        for f in got.video.lock().unwrap().iter() {
            assert!(
                sent_video.contains(f),
                "video frame B got was never sent ({} bytes)",
                f.len()
            );
        }
        let first_video = &got.video.lock().unwrap()[0];
        assert_eq!(
            first_video[0] & 1,
            0,
            "the first video frame B gets is a keyframe"
        );
        assert_eq!(&first_video[3..6], &[0x9d, 0x01, 0x2a]);
    }
    let stats = h.gw.stats();
    assert!(
        stats.frames_in_audio > 0 && stats.frames_in_video > 0,
        "{stats:?}"
    );
    assert!(
        stats.frames_out_audio > 0 && stats.frames_out_video > 0,
        "{stats:?}"
    );
    assert_eq!((stats.publishers, stats.subscribers), (1, 1));
    let listed = h.gw.publishers(SESSION);
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (
            listed[0].publisher_id.as_str(),
            listed[0].info.participant_id.as_str()
        ),
        (a_id.as_str(), "alice")
    );
    assert_eq!(
        (listed[0].info.site.as_str(), listed[0].origin),
        ("01", FrameOrigin::Local)
    );

    // The node's view of the bus: A's frames, local, with their publisher id.
    let mut kinds = HashSet::new();
    while let Ok(f) = bus.try_recv() {
        assert_eq!(
            (&*f.session_id, &*f.publisher_id, f.origin),
            (SESSION, a_id.as_str(), FrameOrigin::Local)
        );
        kinds.insert(f.codec);
    }
    assert_eq!(kinds, HashSet::from([Codec::Opus, Codec::Vp8]));

    // DELETE on B's Location ends its peer connection; A goes on.
    assert_eq!(
        delete(h.http, &b_location, "a"),
        404,
        "only B ends B's subscription"
    );
    assert_eq!(delete(h.http, &b_location, "bob"), 200);
    assert!(until(DEADLINE, || h.gw.stats().subscribers == 0));
    assert_eq!(delete(h.http, &b_location, "bob"), 404);
    assert_eq!(h.gw.stats().publishers, 1);

    stop.store(true, Ordering::Relaxed);
    publisher.join().unwrap();
    subscriber.join().unwrap();
    h.rt.block_on(h.gw.shutdown());
}

#[test]
fn audio_without_the_floor_is_not_forwarded() {
    let h = harness();
    h.policy.muted.lock().unwrap().insert("carol".into());
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(Sent::default());
    let got = Arc::new(Received::default());

    let a = Client::connect(h.http, &whip_path("79", "carol"), Direction::SendOnly);
    let publisher = publish(a, stop.clone(), sent.clone());
    let b = Client::connect(h.http, &whep_path("01", "dan"), Direction::RecvOnly);
    let subscriber = subscribe(b, stop.clone(), got.clone());

    assert!(
        until(DEADLINE, || got.counts().1 >= 10
            && h.gw.stats().audio_gated >= 50),
        "B received {:?}; gateway {:?}",
        got.counts(),
        h.gw.stats()
    );
    assert!(
        !sent.audio.lock().unwrap().is_empty(),
        "carol did send audio"
    );
    assert_eq!(
        got.counts().0,
        0,
        "no audio of a participant without the floor"
    );
    assert_eq!(h.gw.stats().frames_out_audio, 0);

    // Given the floor, carol is heard.
    h.policy.muted.lock().unwrap().clear();
    assert!(
        until(DEADLINE, || got.counts().0 >= 5),
        "B received {:?}",
        got.counts()
    );

    stop.store(true, Ordering::Relaxed);
    publisher.join().unwrap();
    subscriber.join().unwrap();
    h.rt.block_on(h.gw.shutdown());
}

#[test]
fn frames_from_another_site_reach_whep_subscribers() {
    let h = harness();
    let mut keyframe_requests = h.gw.keyframe_requests().expect("taken once");
    let far = PublisherInfo {
        site: "79".into(),
        point_label: "TP Ho Chi Minh".into(),
        participant_id: "erin".into(),
        role: "citizen".into(),
    };
    h.gw.announce_remote_publisher(SESSION, "far-erin", far);
    let stop = Arc::new(AtomicBool::new(false));
    let got = Arc::new(Received::default());
    let b = Client::connect(
        h.http,
        &format!("{}&publisher=far-erin", whep_path("01", "frank")),
        Direction::RecvOnly,
    );
    let subscriber = subscribe(b, stop.clone(), got.clone());

    // The node's side: frames arrive from the other site (microsecond timestamps, as the
    // inter-site transport carries them); a keyframe is sent only once a request came back.
    let asked = Arc::new(AtomicUsize::new(0));
    let injector = {
        let (gw, stop, asked) = (h.gw.clone(), stop.clone(), asked.clone());
        std::thread::spawn(move || {
            let mut n = 0u32;
            while !stop.load(Ordering::Relaxed) {
                while let Ok(k) = keyframe_requests.try_recv() {
                    assert_eq!(
                        (k.session_id.as_str(), k.publisher_id.as_str()),
                        (SESSION, "far-erin")
                    );
                    asked.fetch_add(1, Ordering::Relaxed);
                }
                let us = u64::from(n) * 20_000;
                gw.inject_frame(MediaFrame::from_remote(
                    SESSION,
                    "far-erin",
                    Codec::Opus,
                    us,
                    false,
                    opus_frame(n),
                ))
                .unwrap();
                if n.is_multiple_of(2) {
                    let key = asked.load(Ordering::Relaxed) > 0 && n.is_multiple_of(20);
                    let f = MediaFrame::from_remote(
                        SESSION,
                        "far-erin",
                        Codec::Vp8,
                        us,
                        key,
                        vp8_frame(n, key),
                    );
                    gw.inject_frame(f).unwrap();
                }
                n += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };

    assert!(
        until(DEADLINE, || {
            let (a, v) = got.counts();
            a >= 10 && v >= 5
        }),
        "B received {:?}; gateway {:?}",
        got.counts(),
        h.gw.stats()
    );
    assert!(
        asked.load(Ordering::Relaxed) > 0,
        "a keyframe request for the remote publisher reached the node"
    );
    for f in got.audio.lock().unwrap().iter() {
        assert_eq!(f[0], 0x48, "{f:02x?}");
        assert_eq!(&f[5..], b"opus");
    }
    let first_video = got.video.lock().unwrap()[0].clone();
    assert_eq!(
        &first_video[3..6],
        &[0x9d, 0x01, 0x2a],
        "video starts with a keyframe"
    );
    assert!(h.gw.stats().frames_injected > 0);

    stop.store(true, Ordering::Relaxed);
    injector.join().unwrap();
    subscriber.join().unwrap();
    h.rt.block_on(h.gw.shutdown());
}
