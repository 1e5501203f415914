//! Joins this site's WebRTC gateway (`media`) to the session media between sites
//! (`mesh`): the session policy the gateway asks, local publishers' frames sent on to the
//! hub or the other points (and recorded), frames from other sites handed to local
//! subscribers, and keyframe requests in both directions.
//!
//! Between sites a publisher is named by its participant id (the floor is granted to
//! participants); inside the gateway a local publisher is its WHIP resource id, so this module
//! keeps the mapping.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use tiepdan_protocol::media::{MediaPacket, PacketKind, MAX_HOPS};
use tokio::sync::{broadcast, mpsc};
use tracing::{debug, info, warn};

use super::media::{
    Codec, FrameOrigin, MediaConfig, MediaFrame, MediaGateway, MediaKind, MediaRefusal,
    PublisherInfo, SessionPolicy,
};
use super::mesh::MediaMesh;

/// The node's answers to the gateway: sessions from the media path's copy of active sessions
/// (never the cases lock, which replication may hold for a while).
pub struct MeshPolicy(pub Arc<MediaMesh>);

impl SessionPolicy for MeshPolicy {
    fn admit(&self, session_id: &str, site: &str) -> Result<(), MediaRefusal> {
        let Some(state) = self.0.active_session(session_id) else {
            let over = self
                .0
                .records
                .try_held()
                .and_then(|c| c.sessions.get(session_id).map(|e| e.state.phase.is_over()));
            return Err(if over == Some(true) {
                MediaRefusal::SessionEnded
            } else {
                MediaRefusal::UnknownSession
            });
        };
        // Browsers and encoders publish and watch at their own site's node.
        if site != self.0.site.site.code || !state.is_point(site) {
            return Err(MediaRefusal::NotAPoint);
        }
        Ok(())
    }

    fn may_forward_audio(&self, session_id: &str, site: &str, participant_id: &str) -> bool {
        self.0
            .active_session(session_id)
            .is_some_and(|s| s.may_forward_audio(site, participant_id))
    }
}

/// Starts the gateway on the configured UDP address and joins it to the mesh.
pub async fn start(node: Arc<MediaMesh>) -> anyhow::Result<Arc<MediaGateway>> {
    let mut config = MediaConfig::new(node.site.config.media);
    config.public_ip = node
        .site
        .config
        .advertise
        .first()
        .map(|a| a.ip())
        .filter(|ip| !ip.is_unspecified());
    let gateway = MediaGateway::start(config, Arc::new(MeshPolicy(node.clone()))).await?;
    info!(media = %gateway.local_addr(), candidate = %gateway.candidate_addr(), "WebRTC gateway running");

    // Frames from other sites → local subscribers.
    let (tx, mut delivered) = mpsc::channel::<MediaPacket>(super::mesh::DELIVERY_QUEUE_MAX);
    node.set_delivery(tx);
    let gw = gateway.clone();
    let n = node.clone();
    tokio::spawn(async move {
        let mut announced: BTreeSet<(String, String)> = BTreeSet::new();
        while let Some(p) = delivered.recv().await {
            let key = (p.session_id.clone(), p.publisher_id.clone());
            if !announced.contains(&key) {
                let info = PublisherInfo {
                    site: p.origin.clone(),
                    point_label: n.site.site_name(&p.origin),
                    participant_id: p.publisher_id.clone(),
                    role: "participant".into(),
                };
                gw.announce_remote_publisher(&p.session_id, &p.publisher_id, info);
                announced.insert(key);
            }
            let codec = if p.kind == PacketKind::Audio {
                Codec::Opus
            } else {
                Codec::Vp8
            };
            if let Err(e) = gw.inject_frame(MediaFrame::from_remote(
                &p.session_id,
                &p.publisher_id,
                codec,
                p.timestamp_us,
                p.keyframe,
                p.payload,
            )) {
                debug!("a frame from another site was not delivered: {e}");
            }
        }
    });

    // Keyframe requests from other sites → our publishers (participant id → resource id).
    let (ktx, mut krx) = mpsc::channel::<(String, String)>(64);
    node.set_keyframe_requests(ktx);
    let gw = gateway.clone();
    tokio::spawn(async move {
        while let Some((session, participant)) = krx.recv().await {
            for p in gw.publishers(&session) {
                if p.origin == FrameOrigin::Local && p.info.participant_id == participant {
                    gw.request_keyframe(&session, &p.publisher_id);
                }
            }
        }
    });

    // Keyframe requests of our subscribers for remote publishers → their sites.
    if let Some(mut wanted) = gateway.keyframe_requests() {
        let (gw, n) = (gateway.clone(), node.clone());
        tokio::spawn(async move {
            while let Some(w) = wanted.recv().await {
                let site = gw
                    .publishers(&w.session_id)
                    .into_iter()
                    .find(|p| p.publisher_id == w.publisher_id)
                    .map(|p| p.info.site);
                if let Some(site) = site.filter(|s| *s != n.site.site.code) {
                    n.media_request_keyframe(&w.session_id, &site, &w.publisher_id);
                }
            }
        });
    }

    // Local publishers → the mesh (and the recorder), one task per active session.
    let (gw, n) = (gateway.clone(), node.clone());
    tokio::spawn(async move {
        let mut followed: BTreeMap<String, tokio::task::JoinHandle<()>> = BTreeMap::new();
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        loop {
            tick.tick().await;
            if n.federation.is_shutting_down() {
                return;
            }
            let active = n.active_ids();
            for id in &active {
                if !followed.contains_key(id) {
                    followed.insert(
                        id.clone(),
                        tokio::spawn(forward_local(n.clone(), gw.clone(), id.clone())),
                    );
                }
            }
            let ended: Vec<String> = followed
                .keys()
                .filter(|id| !active.contains(*id))
                .cloned()
                .collect();
            for id in ended {
                if let Some(h) = followed.remove(&id) {
                    h.abort();
                }
                if let Err(e) = gw.end_session(&id).await {
                    warn!(session = %id, "cannot end the session's media: {e}");
                }
            }
        }
    });
    Ok(gateway)
}

/// Sends every local frame of `session_id` on to the sites that must get it.
async fn forward_local(node: Arc<MediaMesh>, gateway: Arc<MediaGateway>, session_id: String) {
    let mut frames = gateway.subscribe_frames(&session_id);
    let mut participants: BTreeMap<String, String> = BTreeMap::new();
    loop {
        let f = match frames.recv().await {
            Ok(f) => f,
            Err(broadcast::error::RecvError::Lagged(n)) => {
                debug!(session = %session_id, "{n} local frames skipped (the mesh fell behind)");
                continue;
            }
            Err(broadcast::error::RecvError::Closed) => return,
        };
        if f.origin != FrameOrigin::Local {
            continue;
        }
        let resource = f.publisher_id.to_string();
        if !participants.contains_key(&resource) {
            let Some(p) = gateway
                .publishers(&session_id)
                .into_iter()
                .find(|p| p.publisher_id == resource)
            else {
                continue;
            };
            participants.insert(resource.clone(), p.info.participant_id);
        }
        let participant = participants[&resource].clone();
        node.media_publish(MediaPacket {
            kind: if f.kind == MediaKind::Audio {
                PacketKind::Audio
            } else {
                PacketKind::Video
            },
            keyframe: f.keyframe,
            timestamp_us: f.timestamp_us(),
            sequence: 0,
            hops_left: MAX_HOPS,
            session_id: session_id.clone(),
            origin: String::new(),
            publisher_id: participant,
            destination: String::new(),
            payload: f.data.to_vec(),
        });
    }
}
