//! The channel registry: which capability serves each stream tag of a link, and who is told
//! when a link comes up or goes down.
//!
//! The transport (`links`) never names its users. At start `run` registers each capability's
//! handler here: replication, uploads and the link test serve bidirectional streams, the media
//! mesh serves unidirectional streams and datagrams; replication and the mesh also watch links
//! come and go. The tags themselves are one table, `tiepdan_protocol::channel`. A stream whose
//! tag nobody registered is refused and counted as a bad frame. Handlers must not block: each
//! spawns its own task for the stream it is handed.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock, RwLock};

use quinn::{Connection, RecvStream, SendStream};
use rustls::pki_types::CertificateDer;

use crate::site::lock::UnpoisonedRw;

/// A proven link, as the watchers see it.
pub struct PeerLink {
    pub site: String,
    pub conn: Connection,
    /// The chain the peer presented (verified).
    pub chain: Vec<CertificateDer<'static>>,
}

/// Serves bidirectional streams a peer opens with one tag (the tag byte is already read).
pub trait BiChannel: Send + Sync + 'static {
    fn accept(&self, site: &str, send: SendStream, recv: RecvStream);
}

/// Serves unidirectional streams a peer opens with one tag (the tag byte is already read).
pub trait UniChannel: Send + Sync + 'static {
    fn accept(&self, site: &str, recv: RecvStream);
}

/// Takes every datagram that arrives on a link.
pub trait DatagramChannel: Send + Sync + 'static {
    fn datagram(&self, site: &str, bytes: &[u8]);
}

/// Told when a proven link comes up, when its connection ends, and of chains peers proved.
pub trait LinkWatcher: Send + Sync + 'static {
    fn link_up(&self, _link: &PeerLink) {}
    /// The connection to `site` ended; `replaced` when a newer one to the same site is live.
    fn link_down(&self, _site: &str, _replaced: bool) {}
    /// A peer proved this chain (on a QUIC link or a libp2p hello): the keys in it are real.
    fn chain_proven(&self, _chain: &[CertificateDer<'static>]) {}
}

/// What each tag is served by. Filled at start, read for every stream.
#[derive(Default)]
pub struct Channels {
    bi: RwLock<BTreeMap<u8, Arc<dyn BiChannel>>>,
    uni: RwLock<BTreeMap<u8, Arc<dyn UniChannel>>>,
    datagrams: OnceLock<Arc<dyn DatagramChannel>>,
    watchers: RwLock<Vec<Arc<dyn LinkWatcher>>>,
}

impl Channels {
    /// Registers the server of a bidirectional tag. Two servers of one tag are a wiring bug.
    pub fn serve_bi(&self, tag: u8, channel: Arc<dyn BiChannel>) {
        let prev = self.bi.writing().insert(tag, channel);
        assert!(prev.is_none(), "stream tag {tag} registered twice");
    }

    /// Registers the server of a unidirectional tag.
    pub fn serve_uni(&self, tag: u8, channel: Arc<dyn UniChannel>) {
        let prev = self.uni.writing().insert(tag, channel);
        assert!(prev.is_none(), "stream tag {tag} registered twice");
    }

    /// Registers the one taker of datagrams.
    pub fn serve_datagrams(&self, channel: Arc<dyn DatagramChannel>) {
        assert!(
            self.datagrams.set(channel).is_ok(),
            "datagrams registered twice"
        );
    }

    pub fn watch(&self, watcher: Arc<dyn LinkWatcher>) {
        self.watchers.writing().push(watcher);
    }

    pub fn bi(&self, tag: u8) -> Option<Arc<dyn BiChannel>> {
        self.bi.reading().get(&tag).cloned()
    }

    pub fn uni(&self, tag: u8) -> Option<Arc<dyn UniChannel>> {
        self.uni.reading().get(&tag).cloned()
    }

    pub fn datagrams(&self) -> Option<Arc<dyn DatagramChannel>> {
        self.datagrams.get().cloned()
    }

    pub fn link_up(&self, link: &PeerLink) {
        for w in self.watchers.reading().iter() {
            w.link_up(link);
        }
    }

    pub fn chain_proven(&self, chain: &[CertificateDer<'static>]) {
        for w in self.watchers.reading().iter() {
            w.chain_proven(chain);
        }
    }

    pub fn link_down(&self, site: &str, replaced: bool) {
        for w in self.watchers.reading().iter() {
            w.link_down(site, replaced);
        }
    }
}
