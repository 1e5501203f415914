//! tiepdan-node: the thin async shell around `tiepdan-protocol` and `tiepdan-keys`.
//!
//! It owns sockets, files, tasks and the clock: the redb store, the QUIC endpoint, the libp2p
//! swarm, the HTTP API and web UI, metrics and the CLI procedures. Protocol decisions (framing,
//! topology, backoff, dial winner) come from `tiepdan-protocol` so the simulator replays them.

pub mod admin;
pub mod bench;
pub mod bench_cases;
pub mod bench_media;
pub mod case_cli;
pub mod cases;
pub mod casework;
pub mod client;
pub mod config;
pub mod datadir;
pub mod demo;
pub mod federation;
pub mod http;
pub mod http_cases;
pub mod http_links;
pub mod http_sessions;
pub mod links;
pub mod logbook;
pub mod media;
pub mod mediamesh;
pub mod metrics;
pub mod netlab;
pub mod node;
pub mod p2p;
pub mod peer_client;
pub mod recording;
pub mod replication;
pub mod run;
pub mod sessionmedia;
pub mod sessionwork;
pub mod store;
pub mod upload;
