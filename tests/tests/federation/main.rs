//! Black-box tests of the federation: who may call what (accounts, roles, passes), sites
//! forming, the CLI an IT officer uses, hostile peers on QUIC and libp2p, the attack table of
//! issue 11, the link test, central's holiday calendars, and failover on network namespaces.
//! One test binary, so the node is linked once for all of them.

mod access;
mod admin_page;
mod attacks;
mod calendars;
mod cli;
mod dials;
mod forming;
mod hostile_peers;
mod https;
mod link_test;
mod netns_failover;
mod p2p_admission;
mod terminal_language;
