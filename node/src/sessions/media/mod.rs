//! The browser-side media gateway (issue 4): a frame-level SFU on str0m.
//!
//! Every node runs one [`MediaGateway`] on one UDP port, ICE-lite. Browsers and WHIP encoders
//! at the node's site publish with WHIP (RFC 9725) and receive with WHEP, through the routes of
//! `api::media`; Opus and VP8 only. Each peer connection is one str0m `Rtc`, all driven by one
//! task that owns the socket.
//!
//! Frames, not RTP packets, cross the gateway's boundary: publishers' frames go on a per-session
//! bus ([`MediaGateway::subscribe_frames`]) that WHEP subscribers, the recorder and the node's
//! inter-site forwarder read; frames from other sites come back in through
//! [`MediaGateway::inject_frame`]. The node decides who may join and whose audio is forwarded
//! through [`SessionPolicy`].
//!
//! Modules: `gateway` (public API, offers), `driver` (the task: socket, timeouts, routing),
//! `peer` (one `Rtc`), `bus` (frame bus, publisher lists), `sdp` (offer checks), `policy`,
//! `frame`, `stats`, `error`. The WHIP/WHEP HTTP routes are the API's (`api::media`).

mod bus;
mod driver;
mod error;
mod frame;
mod gateway;
mod peer;
mod policy;
mod sdp;
mod stats;

pub use bus::PublisherEntry;
pub use error::{MediaError, MediaRefusal};
pub use frame::{Codec, FrameOrigin, MediaFrame, MediaKind, MAX_FRAME_BYTES};
pub use gateway::{KeyframeWanted, MediaConfig, MediaGateway};
pub use policy::{ParticipantInfo, PublisherInfo, SessionPolicy};
pub use sdp::{check_offer, Intent, OfferSummary, MAX_SDP_BYTES};
pub use stats::MediaStats;
