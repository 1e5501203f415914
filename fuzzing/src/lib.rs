//! tiepdan-fuzzing: the fuzz targets of every parser that reads peer or user input, their seed
//! corpora, and the corpus replay.
//!
//! Owns one `pub fn <target>(data: &[u8])` per target, holding the target's checks: the parser
//! must never panic, and where the format has an encoder the decoded value must re-encode to
//! what it came from (or to something that decodes to the same value); folds must be
//! deterministic and independent of insertion order. [`TARGETS`] lists them all; `fuzz/` wraps
//! each in a libFuzzer binary (`scripts/fuzz.sh` runs them), and `cargo test -p
//! tiepdan-fuzzing` replays every file of `fuzz/corpus/<target>/` and `fuzz/artifacts/<target>/`
//! through its target and checks the committed seeds are what [`seeds`] makes today.
//!
//! Targets check input against a fixed world ([`fixtures`]): keys from fixed seeds, a small
//! federation issued at a fixed time, a fixed "now". Nothing here reads the clock or the
//! network; only the `sealed_identity` target and its seeds draw random numbers (sealing does).
//!
//! It may use `tiepdan-protocol`, `tiepdan-keys` and `tiepdan-node`, and changes none of them.

pub mod fixtures;

mod events;
mod node;
mod pki;
mod wire;

pub use events::{case_fold, case_payload, session_fold, session_payload, signed_event};
pub use node::{recording_index, sdp_offer, segment_scan, upload_msg};
pub use pki::{calendar, cert_chain, cert_request, p2p_hello, revocation, sealed_identity};
pub use wire::{control_frame, iblt, link_state, media_packet, reconcile_msg, replication_msg};

/// A fuzz target: checks one input, panicking on what must not happen.
pub type Target = fn(&[u8]);

/// Every target, by the name of its corpus folder and fuzz binary.
pub const TARGETS: &[(&str, Target)] = &[
    ("control_frame", control_frame),
    ("cert_request", cert_request),
    ("replication_msg", replication_msg),
    ("signed_event", signed_event),
    ("case_payload", case_payload),
    ("session_payload", session_payload),
    ("reconcile_msg", reconcile_msg),
    ("iblt", iblt),
    ("media_packet", media_packet),
    ("link_state", link_state),
    ("upload_msg", upload_msg),
    ("recording_index", recording_index),
    ("segment_scan", segment_scan),
    ("revocation", revocation),
    ("calendar", calendar),
    ("cert_chain", cert_chain),
    ("sealed_identity", sealed_identity),
    ("sdp_offer", sdp_offer),
    ("p2p_hello", p2p_hello),
    ("case_fold", case_fold),
    ("session_fold", session_fold),
];

/// The target called `name`.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// How the committed copy of a seed is checked.
#[derive(Debug, Clone, Copy)]
pub enum Check {
    /// It must be these exact bytes (the encoders are deterministic).
    Exact,
    /// Any bytes this predicate accepts (for seeds made with fresh randomness).
    Valid(fn(&[u8]) -> bool),
}

/// One file of a target's seed corpus.
#[derive(Debug, Clone)]
pub struct Seed {
    /// The file name in `fuzz/corpus/<target>/`: `valid-…` for what today's encoders make,
    /// `garbage-…` for malformed or truncated inputs.
    pub name: String,
    pub bytes: Vec<u8>,
    pub check: Check,
}

impl Seed {
    pub fn exact(name: impl Into<String>, bytes: Vec<u8>) -> Seed {
        Seed {
            name: name.into(),
            bytes,
            check: Check::Exact,
        }
    }

    pub fn valid(name: impl Into<String>, bytes: Vec<u8>, check: fn(&[u8]) -> bool) -> Seed {
        Seed {
            name: name.into(),
            bytes,
            check: Check::Valid(check),
        }
    }

    /// Whether `committed` is an up-to-date copy of this seed.
    pub fn is_current(&self, committed: &[u8]) -> bool {
        match self.check {
            Check::Exact => committed == self.bytes,
            Check::Valid(valid) => valid(committed),
        }
    }
}

/// The seed corpus of target `name` (empty for an unknown name), made by today's encoders.
pub fn seeds(name: &str) -> Vec<Seed> {
    match name {
        "control_frame" => wire::control_frame_seeds(),
        "cert_request" => pki::cert_request_seeds(),
        "replication_msg" => wire::replication_msg_seeds(),
        "signed_event" => events::signed_event_seeds(),
        "case_payload" => events::case_payload_seeds(),
        "session_payload" => events::session_payload_seeds(),
        "reconcile_msg" => wire::reconcile_msg_seeds(),
        "iblt" => wire::iblt_seeds(),
        "media_packet" => wire::media_packet_seeds(),
        "link_state" => wire::link_state_seeds(),
        "upload_msg" => node::upload_msg_seeds(),
        "recording_index" => node::recording_index_seeds(),
        "segment_scan" => node::segment_scan_seeds(),
        "revocation" => pki::revocation_seeds(),
        "calendar" => pki::calendar_seeds(),
        "cert_chain" => pki::cert_chain_seeds(),
        "sealed_identity" => pki::sealed_identity_seeds(),
        "sdp_offer" => node::sdp_offer_seeds(),
        "p2p_hello" => pki::p2p_hello_seeds(),
        "case_fold" => events::case_fold_seeds(),
        "session_fold" => events::session_fold_seeds(),
        _ => Vec::new(),
    }
}
