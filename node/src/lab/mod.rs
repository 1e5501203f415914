//! The lab: what runs tiepdan for people and tests rather than for a site (built only with the
//! `lab` feature, which the binary enables for `demo` and `bench` and the tests use).
//!
//! Uses every capability and the CLI's API client. Holds the local process federation on
//! loopback ([`processes`]), the network-namespace lab with veth pairs and rate-limited lines
//! ([`netns`]), the bare QUIC peer that benchmarks and hostile-peer tests play ([`peer`]), the fleet of
//! virtual sites of the load harness ([`fleet`]), and the demo ([`demo`]).

pub mod demo;
pub mod fleet;
pub mod netns;
pub mod peer;
pub mod processes;
