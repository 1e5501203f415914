//! Prometheus metrics of a node, served as text at `GET /metrics`.
//!
//! Owns the metric names and labels. Callers bump counters; nothing here does I/O.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RefusalLabels {
    /// `quic` or `libp2p`.
    pub transport: String,
    /// A stable reason from `ChainError::reason` (unknown_root, expired, revoked, wrong_parent, ...).
    pub reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ChannelLabels {
    /// `control` today; replication, media and bulk channels add their own.
    pub channel: String,
    /// `tx` or `rx`.
    pub direction: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ViaLabels {
    /// `operator`, `hello`, `link` or `gossip`.
    pub via: String,
}

pub struct Metrics {
    registry: Registry,
    pub peers_connected: Gauge,
    pub p2p_peers_proven: Gauge,
    pub handshake_refusals: Family<RefusalLabels, Counter>,
    pub channel_bytes: Family<ChannelLabels, Counter>,
    pub cert_expiry_seconds: Gauge,
    pub revocations_known: Gauge,
    pub connections_closed_revoked: Counter,
    pub bad_frames: Counter,
    pub revocations_received: Family<ViaLabels, Counter>,
    pub events_accepted: Family<SourceLabels, Counter>,
    pub events_rejected: Family<ReasonLabels, Counter>,
    pub revocations_refused: Family<ReasonLabels, Counter>,
    pub access_refused: Family<ReasonLabels, Counter>,
    pub sign_ins: Family<ResultLabels, Counter>,
    pub media_refused: Family<ReasonLabels, Counter>,
    pub uploads_refused: Family<ReasonLabels, Counter>,
    pub calendars_received: Family<ViaLabels, Counter>,
    pub calendars_refused: Family<ReasonLabels, Counter>,
    pub calendars_known: Gauge,
    /// Transactions the journal flushed, and the local commits they carried.
    pub journal_flushes: Counter,
    pub journal_commits: Counter,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabels {
    pub result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceLabels {
    /// `local` (written here) or `peer`.
    pub source: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabels {
    pub reason: String,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("tiepdan");
        let peers_connected = Gauge::default();
        let p2p_peers_proven = Gauge::default();
        let handshake_refusals = Family::<RefusalLabels, Counter>::default();
        let channel_bytes = Family::<ChannelLabels, Counter>::default();
        let cert_expiry_seconds = Gauge::default();
        let revocations_known = Gauge::default();
        let connections_closed_revoked = Counter::default();
        let bad_frames = Counter::default();
        let revocations_received = Family::<ViaLabels, Counter>::default();
        let events_accepted = Family::<SourceLabels, Counter>::default();
        let events_rejected = Family::<ReasonLabels, Counter>::default();
        let revocations_refused = Family::<ReasonLabels, Counter>::default();
        let access_refused = Family::<ReasonLabels, Counter>::default();
        let media_refused = Family::<ReasonLabels, Counter>::default();
        let uploads_refused = Family::<ReasonLabels, Counter>::default();
        let calendars_received = Family::<ViaLabels, Counter>::default();
        let calendars_refused = Family::<ReasonLabels, Counter>::default();
        let calendars_known = Gauge::default();
        let journal_flushes = Counter::default();
        let journal_commits = Counter::default();
        registry.register(
            "journal_flushes",
            "Durable transactions of this site's own events (group commit)",
            journal_flushes.clone(),
        );
        registry.register(
            "journal_commits",
            "Commits of this site's own events those transactions carried (commits per flush = this / journal_flushes)",
            journal_commits.clone(),
        );
        registry.register(
            "calendars_received",
            "Valid holiday calendars central published, received new or known, by path (operator, link)",
            calendars_received.clone(),
        );
        registry.register(
            "calendars_refused",
            "Holiday calendars refused, by reason (bad_signature, not_central, garbled, outside_year, ...)",
            calendars_refused.clone(),
        );
        registry.register(
            "calendars_known",
            "Years with a holiday calendar central published held here",
            calendars_known.clone(),
        );
        registry.register(
            "uploads_refused",
            "Recording files offered by linked sites and refused, by reason (segment_differs, not_as_indexed, over_budget, disk_full, site_busy, ...)",
            uploads_refused.clone(),
        );
        registry.register(
            "media_refused",
            "Media packets from linked sites dropped, by reason (malformed, not_a_point, not_carried, publishers_per_point, link_state_not_vouched)",
            media_refused.clone(),
        );
        registry.register(
            "access_refused",
            "API calls refused, by reason: the JSON code of the answer (not_signed_in, unknown_token, role, pass_scope, no_rule, not_the_chair, identity_mismatch, throttled, ...)",
            access_refused.clone(),
        );
        let sign_ins = Family::<ResultLabels, Counter>::default();
        registry.register(
            "sign_ins",
            "Web sign-ins, by result (ok, wrong_password, throttled, account_disabled)",
            sign_ins.clone(),
        );
        registry.register(
            "revocations_refused",
            "Revocation records refused or dropped, by reason (issuer_revoked, bad_signature, ...)",
            revocations_refused.clone(),
        );
        registry.register(
            "events_accepted",
            "Case events stored, by source",
            events_accepted.clone(),
        );
        registry.register("events_rejected", "Case events from peers refused, by reason (forged, mis-signed, out of audience, replayed, ...)", events_rejected.clone());
        registry.register(
            "revocations_received",
            "Valid revocation records received (new or known), by path",
            revocations_received.clone(),
        );
        registry.register(
            "peers_connected",
            "Sites with a proven QUIC link now",
            peers_connected.clone(),
        );
        registry.register(
            "p2p_peers_proven",
            "libp2p peers that proved their chain",
            p2p_peers_proven.clone(),
        );
        registry.register(
            "handshake_refusals",
            "Peers refused at handshake, by reason",
            handshake_refusals.clone(),
        );
        registry.register(
            "channel_bytes",
            "Bytes carried per channel and direction",
            channel_bytes.clone(),
        );
        registry.register(
            "cert_expiry_seconds",
            "Seconds until this site's certificate chain expires",
            cert_expiry_seconds.clone(),
        );
        registry.register(
            "revocations_known",
            "Signed revocation records held",
            revocations_known.clone(),
        );
        registry.register(
            "connections_closed_revoked",
            "Live links closed because the peer was revoked",
            connections_closed_revoked.clone(),
        );
        registry.register(
            "bad_frames",
            "Control frames from peers that could not be decoded",
            bad_frames.clone(),
        );
        Metrics {
            registry,
            peers_connected,
            p2p_peers_proven,
            handshake_refusals,
            channel_bytes,
            cert_expiry_seconds,
            revocations_known,
            connections_closed_revoked,
            bad_frames,
            revocations_received,
            events_accepted,
            events_rejected,
            revocations_refused,
            access_refused,
            sign_ins,
            media_refused,
            uploads_refused,
            calendars_received,
            calendars_refused,
            calendars_known,
            journal_flushes,
            journal_commits,
        }
    }

    pub fn access_refused(&self, reason: &str) {
        self.access_refused
            .get_or_create(&ReasonLabels {
                reason: reason.into(),
            })
            .inc();
    }

    pub fn sign_in(&self, result: &str) {
        self.sign_ins
            .get_or_create(&ResultLabels {
                result: result.into(),
            })
            .inc();
    }

    pub fn refused(&self, transport: &str, reason: &str) {
        self.handshake_refusals
            .get_or_create(&RefusalLabels {
                transport: transport.into(),
                reason: reason.into(),
            })
            .inc();
    }

    pub fn bytes(&self, channel: &str, direction: &str, n: u64) {
        self.channel_bytes
            .get_or_create(&ChannelLabels {
                channel: channel.into(),
                direction: direction.into(),
            })
            .inc_by(n);
    }

    pub fn revocation_received(&self, via: &str) {
        self.revocations_received
            .get_or_create(&ViaLabels { via: via.into() })
            .inc();
    }

    /// One flush of the journal that carried `commits` commits.
    pub fn journal_group(&self, commits: u64) {
        self.journal_flushes.inc();
        self.journal_commits.inc_by(commits);
    }

    pub fn events_accepted(&self, source: &str, n: u64) {
        self.events_accepted
            .get_or_create(&SourceLabels {
                source: source.into(),
            })
            .inc_by(n);
    }

    pub fn revocation_refused(&self, reason: &str) {
        self.revocations_refused
            .get_or_create(&ReasonLabels {
                reason: reason.into(),
            })
            .inc();
    }

    pub fn calendar_received(&self, via: &str) {
        self.calendars_received
            .get_or_create(&ViaLabels { via: via.into() })
            .inc();
    }

    pub fn calendar_refused(&self, reason: &str) {
        self.calendars_refused
            .get_or_create(&ReasonLabels {
                reason: reason.into(),
            })
            .inc();
    }

    pub fn upload_refused(&self, reason: &str) {
        self.uploads_refused
            .get_or_create(&ReasonLabels {
                reason: reason.into(),
            })
            .inc();
    }

    pub fn media_refused(&self, reason: &str) {
        self.media_refused
            .get_or_create(&ReasonLabels {
                reason: reason.into(),
            })
            .inc();
    }

    pub fn event_rejected(&self, reason: &str) {
        self.events_rejected
            .get_or_create(&ReasonLabels {
                reason: reason.into(),
            })
            .inc();
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("encode metrics");
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
