//! tiepdan-protocol: the pure core shared by every node and the simulator.
//!
//! Wire messages and record types (CBOR via cbor4ii), the official site registry, and the small
//! state machines the node shell drives. Nothing here performs I/O, reads the clock (callers pass
//! `now`) or draws unseeded randomness, so the simulator replays exactly what nodes do.

pub mod access;
pub mod backoff;
pub mod calendar;
pub mod case;
pub mod cbor;
pub mod channel;
pub mod control;
pub mod dial;
pub mod log;
pub mod media;
pub mod reconcile;
pub mod records;
pub mod replication;
pub mod report;
pub mod revocation;
pub mod sealed;
pub mod session;
pub mod sites;
pub mod submission;
pub mod supervision;
pub mod topology;
