//! The libp2p swarm: discovery (identify, Kademlia on a private protocol name, mDNS), gossip of
//! federation announcements, relay client and DCUtR for communes behind NAT.
//!
//! Admission: libp2p's own handshake proves only a PeerId. Each side must also send its
//! federation chain over the `/tiepdan/hello/1` request-response protocol within
//! `ADMISSION_DEADLINE_MS`; the chain must verify against our root and bind that same PeerId.
//! Unproven peers are disconnected, and gossip forwarded by them is rejected. Proven peers feed
//! the same peer table as QUIC introductions, so either path lets a site find the others.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use libp2p::swarm::{behaviour::toggle::Toggle, NetworkBehaviour, SwarmEvent};
use libp2p::{
    dcutr, gossipsub, identify, kad, mdns, noise, relay, request_response, tcp, yamux, Multiaddr,
    PeerId, StreamProtocol,
};
use rustls::pki_types::CertificateDer;
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use tiepdan_protocol::control::PeerRecord;
use tiepdan_protocol::sites::Level;
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use super::{Federation, P2pCommand, RevocationPath};
use crate::site::lock::Unpoisoned;

/// A peer that has not proven its chain by then is dropped.
pub const ADMISSION_DEADLINE_MS: u64 = 5_000;
const HELLO_PROTOCOL: &str = "/tiepdan/hello/1";
const KAD_PROTOCOL: &str = "/tiepdan/kad/1.0.0";
const IDENTIFY_PROTOCOL: &str = "/tiepdan/id/1.0.0";
/// Gossip topic carrying signed revocation records.
pub const REVOCATION_TOPIC: &str = "tiepdan/revocations/1";
/// Gossip topic carrying central's signed holiday calendars.
pub const CALENDAR_TOPIC: &str = "tiepdan/calendars/1";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct P2pHello {
    pub site: String,
    pub chain: Vec<ByteBuf>,
    pub quic_addrs: Vec<String>,
}

#[derive(NetworkBehaviour)]
pub struct Behaviour {
    hello: request_response::cbor::Behaviour<P2pHello, P2pHello>,
    identify: identify::Behaviour,
    kad: kad::Behaviour<kad::store::MemoryStore>,
    gossip: gossipsub::Behaviour,
    mdns: Toggle<mdns::tokio::Behaviour>,
    relay_client: relay::client::Behaviour,
    relay_server: Toggle<relay::Behaviour>,
    dcutr: dcutr::Behaviour,
}

struct Admission {
    connected_at: BTreeMap<PeerId, Instant>,
    proven: BTreeMap<PeerId, String>,
}

fn own_hello(node: &Federation) -> P2pHello {
    P2pHello {
        site: node.site.site.code.clone(),
        chain: node
            .site
            .chain
            .der_list()
            .iter()
            .map(|c| ByteBuf::from(c.to_vec()))
            .collect(),
        quic_addrs: node
            .site
            .bound
            .get()
            .map(|b| node.quic_advertised(b))
            .unwrap_or_default(),
    }
}

/// Checks a peer's hello: the chain verifies and its leaf binds the libp2p PeerId.
fn admit(node: &Federation, peer: &PeerId, hello: &P2pHello) -> Result<String, &'static str> {
    let chain: Vec<CertificateDer<'static>> = hello
        .chain
        .iter()
        .map(|c| CertificateDer::from(c.to_vec()))
        .collect();
    let v = node.verify_peer_chain(&chain).map_err(|e| e.reason())?;
    if v.peer_id != *peer {
        return Err("peer_id_mismatch");
    }
    if v.site != hello.site {
        return Err("hello_site_mismatch");
    }
    node.channels.chain_proven(&chain);
    Ok(v.site)
}

pub async fn run(
    node: Arc<Federation>,
    listen: SocketAddr,
    mut commands: mpsc::Receiver<P2pCommand>,
) -> anyhow::Result<()> {
    let keypair = node.site.key.libp2p_keypair();
    let local_peer = keypair.public().to_peer_id();
    let is_relay = node.site.site.level != Level::Commune;
    let mdns_on = node.site.config.mdns;
    let mut swarm = libp2p::SwarmBuilder::with_existing_identity(keypair)
        .with_tokio()
        .with_tcp(
            tcp::Config::default(),
            noise::Config::new,
            yamux::Config::default,
        )?
        .with_quic()
        .with_relay_client(noise::Config::new, yamux::Config::default)?
        .with_behaviour(|key, relay_client| {
            let gossip_config = gossipsub::ConfigBuilder::default()
                .validation_mode(gossipsub::ValidationMode::Strict)
                .validate_messages()
                .heartbeat_interval(Duration::from_millis(500))
                .build()
                .map_err(|e| anyhow::anyhow!("gossipsub config: {e}"))?;
            let gossip = gossipsub::Behaviour::new(
                gossipsub::MessageAuthenticity::Signed(key.clone()),
                gossip_config,
            )
            .map_err(|e| anyhow::anyhow!("gossipsub: {e}"))?;
            let mut kad_config = kad::Config::new(StreamProtocol::new(KAD_PROTOCOL));
            kad_config.set_query_timeout(Duration::from_secs(10));
            let peer = key.public().to_peer_id();
            let mut kad =
                kad::Behaviour::with_config(peer, kad::store::MemoryStore::new(peer), kad_config);
            kad.set_mode(Some(kad::Mode::Server));
            let mdns = if mdns_on {
                Some(mdns::tokio::Behaviour::new(mdns::Config::default(), peer)?)
            } else {
                None
            };
            Ok(Behaviour {
                hello: request_response::cbor::Behaviour::new(
                    [(
                        StreamProtocol::new(HELLO_PROTOCOL),
                        request_response::ProtocolSupport::Full,
                    )],
                    request_response::Config::default()
                        .with_request_timeout(Duration::from_millis(ADMISSION_DEADLINE_MS)),
                ),
                identify: identify::Behaviour::new(identify::Config::new(
                    IDENTIFY_PROTOCOL.into(),
                    key.public(),
                )),
                kad,
                gossip,
                mdns: mdns.into(),
                relay_client,
                relay_server: is_relay
                    .then(|| relay::Behaviour::new(peer, relay::Config::default()))
                    .into(),
                dcutr: dcutr::Behaviour::new(peer),
            })
        })?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
        .build();

    let ip = match listen.ip() {
        std::net::IpAddr::V4(v) => format!("/ip4/{v}"),
        std::net::IpAddr::V6(v) => format!("/ip6/{v}"),
    };
    swarm.listen_on(format!("{ip}/udp/{}/quic-v1", listen.port()).parse()?)?;
    swarm.listen_on(format!("{ip}/tcp/{}", listen.port()).parse()?)?;
    let topic = gossipsub::IdentTopic::new(REVOCATION_TOPIC);
    swarm.behaviour_mut().gossip.subscribe(&topic)?;
    let calendar_topic = gossipsub::IdentTopic::new(CALENDAR_TOPIC);
    swarm.behaviour_mut().gossip.subscribe(&calendar_topic)?;

    let mut adm = Admission {
        connected_at: BTreeMap::new(),
        proven: BTreeMap::new(),
    };
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    let mut bootstrap = tokio::time::interval(Duration::from_secs(30));
    let mut shutdown = node.shutdown.clone();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            _ = tick.tick() => {
                let late: Vec<PeerId> = adm.connected_at.iter()
                    .filter(|(p, t)| !adm.proven.contains_key(p) && t.elapsed() > Duration::from_millis(ADMISSION_DEADLINE_MS))
                    .map(|(p, _)| *p).collect();
                for p in late {
                    node.site.metrics.refused("libp2p", "no_hello");
                    warn!(peer = %p, "libp2p peer did not prove its chain within 5 s; dropping it");
                    adm.connected_at.remove(&p);
                    let _ = swarm.disconnect_peer_id(p);
                }
            }
            _ = bootstrap.tick() => {
                if !adm.proven.is_empty() {
                    let _ = swarm.behaviour_mut().kad.bootstrap();
                }
            }
            cmd = commands.recv() => match cmd {
                None => break,
                Some(P2pCommand::Dial(addrs)) => {
                    for a in addrs {
                        if let Ok(ma) = a.parse::<Multiaddr>() {
                            if let Some(libp2p::multiaddr::Protocol::P2p(p)) = ma.iter().last() {
                                if p == local_peer || swarm.is_connected(&p) { continue; }
                            }
                            if let Err(e) = swarm.dial(ma) { debug!("libp2p dial {a}: {e}"); }
                        }
                    }
                }
                Some(P2pCommand::PublishRevocation(bytes)) => {
                    if let Err(e) = swarm.behaviour_mut().gossip.publish(topic.clone(), bytes) {
                        debug!("revocation not gossiped (no proven gossip peers yet?): {e}");
                    }
                }
                Some(P2pCommand::PublishCalendar(bytes)) => {
                    if let Err(e) = swarm.behaviour_mut().gossip.publish(calendar_topic.clone(), bytes) {
                        debug!("calendar not gossiped (no proven gossip peers yet, or already seen): {e}");
                    }
                }
                Some(P2pCommand::Disconnect(peer)) => {
                    if let Ok(p) = peer.parse::<PeerId>() {
                        adm.proven.remove(&p);
                        let _ = swarm.disconnect_peer_id(p);
                    }
                }
            },
            event = swarm.select_next_some() => handle_event(&node, &mut swarm, &mut adm, event),
        }
        node.site
            .metrics
            .p2p_peers_proven
            .set(adm.proven.len() as i64);
        let mut shared = node.p2p_proven.locked();
        shared.clear();
        for (p, s) in &adm.proven {
            shared.insert(s.clone(), p.to_string());
        }
    }
    Ok(())
}

fn handle_event(
    node: &Arc<Federation>,
    swarm: &mut libp2p::Swarm<Behaviour>,
    adm: &mut Admission,
    event: SwarmEvent<BehaviourEvent>,
) {
    match event {
        SwarmEvent::NewListenAddr { address, .. } => debug!(%address, "libp2p listening"),
        SwarmEvent::ConnectionEstablished { peer_id, .. } => {
            adm.connected_at.entry(peer_id).or_insert_with(Instant::now);
            if !adm.proven.contains_key(&peer_id) {
                swarm.behaviour_mut().hello.send_request(&peer_id, own_hello(node));
            }
        }
        SwarmEvent::ConnectionClosed { peer_id, num_established: 0, .. } => {
            adm.connected_at.remove(&peer_id);
            adm.proven.remove(&peer_id);
        }
        SwarmEvent::Behaviour(BehaviourEvent::Hello(request_response::Event::Message { peer, message, .. })) => {
            let (hello, channel) = match message {
                request_response::Message::Request { request, channel, .. } => (request, Some(channel)),
                request_response::Message::Response { response, .. } => (response, None),
            };
            match admit(node, &peer, &hello) {
                Ok(site) => {
                    if adm.proven.insert(peer, site.clone()).is_none() {
                        info!(%site, %peer, "libp2p peer proved its chain");
                    }
                    if let Some(ch) = channel {
                        let _ = swarm.behaviour_mut().hello.send_response(ch, own_hello(node));
                    }
                    // libp2p addresses come from identify; the hello carries the QUIC ones.
                    node.learn_peer(&PeerRecord { site, peer_id: peer.to_string(), quic_addrs: hello.quic_addrs.clone(), p2p_addrs: vec![] }, false);
                }
                Err(reason) => {
                    node.site.metrics.refused("libp2p", reason);
                    warn!(%peer, reason, "libp2p peer refused: its chain did not verify");
                    let _ = swarm.disconnect_peer_id(peer);
                }
            }
        }
        SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received { peer_id, info, .. }))
            // Only proven peers enter the routing table; others are about to be dropped.
            if adm.proven.contains_key(&peer_id) => {
                for a in info.listen_addrs {
                    swarm.behaviour_mut().kad.add_address(&peer_id, a);
                }
            }
        SwarmEvent::Behaviour(BehaviourEvent::Mdns(mdns::Event::Discovered(found))) => {
            for (peer, addr) in found {
                if !swarm.is_connected(&peer) {
                    let _ = swarm.dial(addr);
                }
            }
        }
        SwarmEvent::Behaviour(BehaviourEvent::Kad(kad::Event::RoutingUpdated { peer, .. }))
            if !swarm.is_connected(&peer) => {
                let _ = swarm.dial(peer);
            }
        SwarmEvent::Behaviour(BehaviourEvent::Gossip(gossipsub::Event::Message { propagation_source, message_id, message })) => {
            let acceptance = if !adm.proven.contains_key(&propagation_source) {
                node.site.metrics.refused("libp2p", "gossip_from_unproven");
                gossipsub::MessageAcceptance::Reject
            } else if message.topic == gossipsub::IdentTopic::new(CALENDAR_TOPIC).hash() {
                match node.apply_calendar(&message.data, RevocationPath::Gossip, &propagation_source.to_string()) {
                    Ok(_) => gossipsub::MessageAcceptance::Accept,
                    Err(e) => {
                        warn!(peer = %propagation_source, reason = e.reason(), "gossiped holiday calendar rejected: {e}");
                        gossipsub::MessageAcceptance::Reject
                    }
                }
            } else {
                match node.apply_revocation(&message.data, RevocationPath::Gossip, &propagation_source.to_string()) {
                    Ok(_) => gossipsub::MessageAcceptance::Accept,
                    Err(e) => {
                        warn!(peer = %propagation_source, "gossiped revocation rejected: {e}");
                        gossipsub::MessageAcceptance::Reject
                    }
                }
            };
            swarm.behaviour_mut().gossip.report_message_validation_result(&message_id, &propagation_source, acceptance);
        }
        _ => {}
    }
}
