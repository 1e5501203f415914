//! tiepdan-node: the async shell around `tiepdan-protocol` and `tiepdan-keys`.
//!
//! It owns sockets, files, tasks and the clock. Protocol decisions (framing, topology,
//! backoff, dial winner, admission, folds) come from `tiepdan-protocol`, so the simulator
//! replays them. The folders are capabilities, each owning its state; imports run one way
//! (ARCHITECTURE.md, "Layout"):
//!
//! ```text
//! site ← federation ← records ← cases
//!                          ↑  ← sessions ← recording
//!                          ↑  ← upload   ← recording
//! api (all of the above) ← run (wiring) ← cli ← lab ← bench
//! ```

pub mod api;
pub mod cases;
pub mod cli;
pub mod federation;
pub mod recording;
pub mod records;
pub mod run;
pub mod sessions;
pub mod site;
pub mod upload;

#[cfg(feature = "lab")]
pub mod bench;
#[cfg(feature = "lab")]
pub mod lab;

pub use site::datadir::DataDir;
pub use site::{Bound, LocalSite};
