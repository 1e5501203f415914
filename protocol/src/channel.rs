//! The stream tags of a link between sites: the first byte of every QUIC stream after the
//! control stream says which capability it is for.
//!
//! This is the one table of tags, so two capabilities can never claim the same byte. A node's
//! transport does not know what the tags mean: each capability registers the tag it serves
//! (`node/src/federation/channels.rs`), and a stream with a tag nobody registered is refused
//! and counted.

/// Case and session events: pushes, acknowledgements, reconciliation (bidirectional).
pub const REPLICATION: u8 = 1;
/// One media packet of an online session (unidirectional).
pub const MEDIA: u8 = 2;
/// One recording file, resumable and verified (bidirectional).
pub const UPLOAD: u8 = 3;
/// The operator's link test: bytes dropped on arrival, their count answered (bidirectional).
pub const LINK_TEST: u8 = 4;
