//! The control stream spoken on every QUIC connection between two sites.
//!
//! Owns the wire format of that stream: the [`ControlFrame`] messages, their framing (a 4-byte
//! big-endian length prefix, then one CBOR body), the incremental [`FrameDecoder`], the size
//! limits a peer's frames must respect, and protocol version negotiation.
//!
//! It must not do I/O, read the clock or decide anything about trust: a decoded frame is only
//! *well-formed and bounded*. Whether a `Hello`'s chain is valid, whether its site code exists or
//! whether a revocation record is genuine is for the callers (`keys`, `node`) to check.
//!
//! # Wire format
//!
//! ```text
//! +----------------------+----------------------------------+
//! | len: u32 big-endian  | CBOR body (len bytes)            |
//! +----------------------+----------------------------------+
//! ```
//!
//! `len` is at most [`MAX_FRAME_BYTES`]. The body is exactly one CBOR item, the serde encoding of
//! [`ControlFrame`] by `cbor4ii` (externally tagged enum: a one-entry map from the variant name to
//! its content; structs are maps keyed by field name). Unknown struct fields are ignored, so a
//! later version may add fields; unknown variants and trailing bytes after the item are errors.
//! The format is pinned by the `wire_format_is_pinned` test.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_bytes::ByteBuf;

/// The protocol version this build speaks best.
pub const PROTOCOL_VERSION: u32 = 1;

/// Every protocol version this build can speak, for the `Hello` it sends.
pub const SUPPORTED_VERSIONS: &[u32] = &[PROTOCOL_VERSION];

/// Size of the big-endian length prefix before every frame body, in bytes.
pub const LENGTH_PREFIX_BYTES: usize = 4;

/// Largest CBOR body of one frame, in bytes (the length prefix not included).
pub const MAX_FRAME_BYTES: usize = 1 << 20;

/// Most bytes a [`FrameDecoder`] ever holds: one maximal incomplete frame (prefix included) plus
/// one pushed chunk of the same size. A caller that drains [`FrameDecoder::next_frame`] after
/// every push and pushes chunks of at most `MAX_FRAME_BYTES + LENGTH_PREFIX_BYTES` bytes never
/// reaches it on a well-formed stream.
pub const MAX_BUFFER_BYTES: usize = 2 * (MAX_FRAME_BYTES + LENGTH_PREFIX_BYTES);

/// Most protocol versions a `Hello` may offer.
pub const MAX_VERSIONS: usize = 16;

/// Most certificates in a `Hello` chain (leaf first).
pub const MAX_CHAIN_CERTS: usize = 8;

/// Largest DER certificate in a `Hello` chain, in bytes.
pub const MAX_CERT_BYTES: usize = 16 * 1024;

/// Most addresses in one address list (`quic_addrs`, `p2p_addrs`).
pub const MAX_ADDRS: usize = 16;

/// Largest string in any frame (site codes, peer ids, addresses, goodbye reasons), in bytes.
pub const MAX_STRING_BYTES: usize = 256;

/// Most peer records in one `Peers` frame.
pub const MAX_PEERS_PER_FRAME: usize = 4096;

/// Most revocation records carried in one `Hello`. In practice the frame size bounds it lower.
pub const MAX_REVOCATIONS_PER_HELLO: usize = 65_536;

/// Largest signed revocation record, in bytes (a record carries its issuer's chain; matches the
/// record limit of the `keys` crate).
pub const MAX_REVOCATION_BYTES: usize = 32 * 1024;

/// Largest signed holiday calendar, in bytes (matches `crate::calendar`).
pub const MAX_CALENDAR_BYTES: usize = crate::calendar::MAX_CALENDAR_BYTES;

/// Most elements preallocated from a peer-announced sequence length (the rest grows on demand).
const MAX_PREALLOC_ELEMENTS: usize = 64;

/// Everything that can go wrong while framing or unframing the control stream.
///
/// Any error returned by a [`FrameDecoder`] poisons it: the stream is out of sync or the peer
/// is misbehaving, every later call returns [`FrameError::Poisoned`], and the caller should
/// close the connection (optionally after sending a `Goodbye`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// A length prefix (or an encoded body) exceeds [`MAX_FRAME_BYTES`].
    #[error("control frame of {len} bytes exceeds the maximum of {max} bytes")]
    TooLarge { len: usize, max: usize },
    /// The body is not one valid CBOR encoding of a [`ControlFrame`].
    #[error("malformed control frame: {0}")]
    Malformed(String),
    /// A decoded frame breaks one of the count or size limits of this module.
    #[error("control frame field {field} has {len} (at most {max} allowed)")]
    Limit {
        field: &'static str,
        len: usize,
        max: usize,
    },
    /// More bytes were pushed than the decoder agrees to hold ([`MAX_BUFFER_BYTES`]).
    #[error("control stream buffer would hold {len} bytes, more than the maximum of {max}")]
    BufferFull { len: usize, max: usize },
    /// An earlier error poisoned this decoder; the stream must be dropped.
    #[error("control stream poisoned by an earlier error")]
    Poisoned,
}

/// The first frame each side sends on a new connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// Protocol versions the sender speaks (at most [`MAX_VERSIONS`]).
    #[serde(deserialize_with = "bounded_vec::<_, _, MAX_VERSIONS>")]
    pub versions: Vec<u32>,
    /// The sender's site code (see [`crate::sites`]).
    pub site: String,
    /// The sender's certificate chain, DER, leaf first.
    #[serde(deserialize_with = "bounded_vec::<_, _, MAX_CHAIN_CERTS>")]
    pub chain: Vec<ByteBuf>,
    /// Where the sender accepts QUIC control connections (`host:port`).
    #[serde(deserialize_with = "bounded_vec::<_, _, MAX_ADDRS>")]
    pub quic_addrs: Vec<String>,
    /// The sender's libp2p multiaddrs.
    #[serde(deserialize_with = "bounded_vec::<_, _, MAX_ADDRS>")]
    pub p2p_addrs: Vec<String>,
    /// The sender's public HTTP address, if it serves one.
    pub http_addr: Option<String>,
    /// Signed revocation records the sender knows, exactly as it received them.
    #[serde(deserialize_with = "bounded_vec::<_, _, MAX_REVOCATIONS_PER_HELLO>")]
    pub revocations: Vec<ByteBuf>,
}

/// A proven peer that a node introduces to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerRecord {
    /// The peer's site code.
    pub site: String,
    /// The peer's libp2p peer id (base58 text).
    pub peer_id: String,
    /// Where the peer accepts QUIC control connections.
    #[serde(deserialize_with = "bounded_vec::<_, _, MAX_ADDRS>")]
    pub quic_addrs: Vec<String>,
    /// The peer's libp2p multiaddrs.
    #[serde(deserialize_with = "bounded_vec::<_, _, MAX_ADDRS>")]
    pub p2p_addrs: Vec<String>,
}

/// One message on the control stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ControlFrame {
    /// Identification and capabilities; the first frame in each direction.
    Hello(Hello),
    /// Proven peers the sender knows (at most [`MAX_PEERS_PER_FRAME`]).
    Peers(#[serde(deserialize_with = "bounded_vec::<_, _, MAX_PEERS_PER_FRAME>")] Vec<PeerRecord>),
    /// A signed revocation record to spread, exactly as received.
    Revocation(ByteBuf),
    /// A signed holiday calendar central published, to spread exactly as received (sent for
    /// every calendar held when a link comes up, and when a new one arrives).
    Calendar(ByteBuf),
    /// Liveness probe; answered with a `Pong` carrying the same nonce.
    Ping { nonce: u64 },
    /// Answer to a `Ping`.
    Pong { nonce: u64 },
    /// The sender is closing the connection.
    Goodbye { reason: String },
}

impl ControlFrame {
    /// Checks every count and size limit of this module.
    ///
    /// Called by [`FrameDecoder`] on every decoded frame and by [`try_encode_frame`] before
    /// sending. It only checks bounds, not meaning (see the module doc).
    pub fn validate(&self) -> Result<(), FrameError> {
        match self {
            ControlFrame::Hello(hello) => {
                check_count("hello.versions", hello.versions.len(), MAX_VERSIONS)?;
                check_str("hello.site", &hello.site)?;
                check_count("hello.chain", hello.chain.len(), MAX_CHAIN_CERTS)?;
                for cert in &hello.chain {
                    check_size("hello.chain[] bytes", cert.len(), MAX_CERT_BYTES)?;
                }
                check_addrs("hello.quic_addrs", &hello.quic_addrs)?;
                check_addrs("hello.p2p_addrs", &hello.p2p_addrs)?;
                if let Some(http) = &hello.http_addr {
                    check_str("hello.http_addr", http)?;
                }
                check_count(
                    "hello.revocations",
                    hello.revocations.len(),
                    MAX_REVOCATIONS_PER_HELLO,
                )?;
                for record in &hello.revocations {
                    check_size(
                        "hello.revocations[] bytes",
                        record.len(),
                        MAX_REVOCATION_BYTES,
                    )?;
                }
            }
            ControlFrame::Peers(peers) => {
                check_count("peers", peers.len(), MAX_PEERS_PER_FRAME)?;
                for peer in peers {
                    check_str("peers[].site", &peer.site)?;
                    check_str("peers[].peer_id", &peer.peer_id)?;
                    check_addrs("peers[].quic_addrs", &peer.quic_addrs)?;
                    check_addrs("peers[].p2p_addrs", &peer.p2p_addrs)?;
                }
            }
            ControlFrame::Revocation(record) => {
                check_size("revocation bytes", record.len(), MAX_REVOCATION_BYTES)?;
            }
            ControlFrame::Calendar(record) => {
                check_size("calendar bytes", record.len(), MAX_CALENDAR_BYTES)?;
            }
            ControlFrame::Ping { .. } | ControlFrame::Pong { .. } => {}
            ControlFrame::Goodbye { reason } => check_str("goodbye.reason", reason)?,
        }
        Ok(())
    }
}

fn check_count(field: &'static str, len: usize, max: usize) -> Result<(), FrameError> {
    if len > max {
        return Err(FrameError::Limit { field, len, max });
    }
    Ok(())
}

fn check_size(field: &'static str, len: usize, max: usize) -> Result<(), FrameError> {
    check_count(field, len, max)
}

fn check_str(field: &'static str, s: &str) -> Result<(), FrameError> {
    check_size(field, s.len(), MAX_STRING_BYTES)
}

fn check_addrs(field: &'static str, addrs: &[String]) -> Result<(), FrameError> {
    check_count(field, addrs.len(), MAX_ADDRS)?;
    for addr in addrs {
        check_str(field, addr)?;
    }
    Ok(())
}

/// Deserializes a sequence but fails as soon as it has more than `MAX` elements, so a hostile
/// peer cannot make us allocate for a million tiny elements before [`ControlFrame::validate`]
/// runs. Preallocation never trusts the announced length beyond [`MAX_PREALLOC_ELEMENTS`].
fn bounded_vec<'de, D, T, const MAX: usize>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct BoundedVisitor<T, const MAX: usize>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>, const MAX: usize> Visitor<'de> for BoundedVisitor<T, MAX> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a sequence of at most {MAX} elements")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let prealloc = seq
                .size_hint()
                .unwrap_or(0)
                .min(MAX)
                .min(MAX_PREALLOC_ELEMENTS);
            let mut out = Vec::with_capacity(prealloc);
            while let Some(element) = seq.next_element()? {
                if out.len() == MAX {
                    return Err(serde::de::Error::invalid_length(MAX + 1, &self));
                }
                out.push(element);
            }
            Ok(out)
        }
    }

    deserializer.deserialize_seq(BoundedVisitor::<T, MAX>(PhantomData))
}

/// Encodes one frame: the 4-byte big-endian length prefix, then the CBOR body.
///
/// It does not check limits: a frame breaking them is encoded anyway and the peer will refuse
/// it. Use [`try_encode_frame`] to find out before sending.
pub fn encode_frame(frame: &ControlFrame) -> Vec<u8> {
    let mut out = cbor4ii::serde::to_vec(vec![0; LENGTH_PREFIX_BYTES], frame)
        // Cannot fail: the writer is a Vec, whose only error is allocation failure, and the
        // derived Serialize impls of ControlFrame (strings, integers, byte buffers, sequences,
        // options) never return a custom error.
        .expect("CBOR encoding of a ControlFrame into a Vec cannot fail");
    let body_len = out.len() - LENGTH_PREFIX_BYTES;
    // A body beyond 4 GiB cannot be described; u32::MAX makes the peer refuse it as TooLarge.
    let prefix = u32::try_from(body_len).unwrap_or(u32::MAX).to_be_bytes();
    out[..LENGTH_PREFIX_BYTES].copy_from_slice(&prefix);
    out
}

/// Validates then encodes one frame, refusing what the peer's decoder would refuse.
pub fn try_encode_frame(frame: &ControlFrame) -> Result<Vec<u8>, FrameError> {
    frame.validate()?;
    let out = encode_frame(frame);
    let body_len = out.len() - LENGTH_PREFIX_BYTES;
    if body_len > MAX_FRAME_BYTES {
        return Err(FrameError::TooLarge {
            len: body_len,
            max: MAX_FRAME_BYTES,
        });
    }
    Ok(out)
}

/// Decodes one frame body (no prefix): exactly one CBOR item, then validation.
fn decode_body(body: &[u8]) -> Result<ControlFrame, FrameError> {
    let frame: ControlFrame = crate::cbor::decode_exact(body, "control frame")
        .map_err(|e| FrameError::Malformed(e.to_string()))?;
    frame.validate()?;
    Ok(frame)
}

/// Reads the length prefix at the start of `bytes`, if there are enough of them.
fn read_prefix(bytes: &[u8]) -> Option<usize> {
    let prefix: [u8; LENGTH_PREFIX_BYTES] = bytes.get(..LENGTH_PREFIX_BYTES)?.try_into().ok()?;
    // u32 always fits in usize on the 32- and 64-bit targets we build for; saturate otherwise.
    Some(usize::try_from(u32::from_be_bytes(prefix)).unwrap_or(usize::MAX))
}

/// Incremental decoder for the control stream: push bytes as they arrive, then drain frames.
///
/// Usage: after every [`push`](Self::push), call [`next_frame`](Self::next_frame) until it
/// returns `Ok(None)`. The decoder holds at most [`MAX_BUFFER_BYTES`]; a length prefix above
/// [`MAX_FRAME_BYTES`] is refused as soon as its 4 bytes are seen, before its body is buffered.
///
/// **Poisoning:** after any error, the decoder is poisoned: every later `push` or
/// `next_frame` returns [`FrameError::Poisoned`]. Byte boundaries can no longer be trusted, so
/// the connection must be closed.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    /// Bytes received and not yet returned as frames start at `start`.
    buf: Vec<u8>,
    /// Offset in `buf` of the first unconsumed byte; always a frame boundary.
    start: usize,
    poisoned: bool,
}

impl FrameDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether an earlier error poisoned this decoder.
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }

    /// Bytes held and not yet returned as frames.
    pub fn buffered_len(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Appends received bytes.
    ///
    /// Fails (and poisons) if the next frame's length prefix exceeds [`MAX_FRAME_BYTES`] (the
    /// bytes are then not buffered), or if holding the bytes would exceed [`MAX_BUFFER_BYTES`].
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), FrameError> {
        if self.poisoned {
            return Err(FrameError::Poisoned);
        }
        if self.start > 0 {
            // Drop consumed frames; what remains is normally less than one frame.
            self.buf.drain(..self.start);
            self.start = 0;
        }
        let held = self.buf.len();
        if held < LENGTH_PREFIX_BYTES {
            // The head frame's prefix may complete with these bytes: check it before buffering.
            let mut prefix = [0u8; LENGTH_PREFIX_BYTES];
            let from_new = (LENGTH_PREFIX_BYTES - held).min(bytes.len());
            prefix[..held].copy_from_slice(&self.buf);
            prefix[held..held + from_new].copy_from_slice(&bytes[..from_new]);
            if held + from_new == LENGTH_PREFIX_BYTES {
                // read_prefix cannot return None: the array has exactly LENGTH_PREFIX_BYTES.
                let len = read_prefix(&prefix).unwrap_or(usize::MAX);
                if len > MAX_FRAME_BYTES {
                    return Err(self.poison(FrameError::TooLarge {
                        len,
                        max: MAX_FRAME_BYTES,
                    }));
                }
            }
        }
        let total = held.saturating_add(bytes.len());
        if total > MAX_BUFFER_BYTES {
            return Err(self.poison(FrameError::BufferFull {
                len: total,
                max: MAX_BUFFER_BYTES,
            }));
        }
        self.buf.extend_from_slice(bytes);
        Ok(())
    }

    /// Returns the next complete frame, `Ok(None)` if more bytes are needed, or the error that
    /// poisons the stream (oversize prefix, malformed body, limits broken).
    pub fn next_frame(&mut self) -> Result<Option<ControlFrame>, FrameError> {
        if self.poisoned {
            return Err(FrameError::Poisoned);
        }
        let pending = &self.buf[self.start..];
        let Some(len) = read_prefix(pending) else {
            return Ok(None);
        };
        if len > MAX_FRAME_BYTES {
            return Err(self.poison(FrameError::TooLarge {
                len,
                max: MAX_FRAME_BYTES,
            }));
        }
        // len <= MAX_FRAME_BYTES, so this cannot overflow.
        let frame_end = LENGTH_PREFIX_BYTES + len;
        let Some(body) = pending.get(LENGTH_PREFIX_BYTES..frame_end) else {
            return Ok(None);
        };
        let decoded = decode_body(body);
        self.start += frame_end;
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        match decoded {
            Ok(frame) => Ok(Some(frame)),
            Err(e) => Err(self.poison(e)),
        }
    }

    fn poison(&mut self, error: FrameError) -> FrameError {
        self.poisoned = true;
        self.buf = Vec::new();
        self.start = 0;
        error
    }
}

/// The highest protocol version both sides speak, if any.
pub fn negotiate_version(ours: &[u32], theirs: &[u32]) -> Option<u32> {
    ours.iter().filter(|v| theirs.contains(v)).max().copied()
}

/// Frames and byte strings the fuzzer starts from: one of every variant, their concatenation
/// and a few malformed inputs. Pure; `tiepdan-fuzzing` checks the committed `fuzz/corpus`
/// against it, and the unit tests below reuse the frames.
#[doc(hidden)]
pub mod seeds {
    use super::*;

    pub fn bytes(b: &[u8]) -> ByteBuf {
        ByteBuf::from(b.to_vec())
    }

    pub fn sample_hello() -> Hello {
        Hello {
            versions: vec![1],
            site: "01".to_owned(),
            chain: vec![
                bytes(b"leaf-der"),
                bytes(b"province-der"),
                bytes(b"root-der"),
            ],
            quic_addrs: vec!["203.0.113.7:4433".to_owned()],
            p2p_addrs: vec!["/ip4/203.0.113.7/udp/4001/quic-v1".to_owned()],
            http_addr: Some("203.0.113.7:443".to_owned()),
            revocations: vec![bytes(b"signed-revocation-1")],
        }
    }

    pub fn all_variants() -> Vec<ControlFrame> {
        vec![
            ControlFrame::Hello(sample_hello()),
            ControlFrame::Hello(Hello {
                versions: vec![],
                site: String::new(),
                chain: vec![],
                quic_addrs: vec![],
                p2p_addrs: vec![],
                http_addr: None,
                revocations: vec![],
            }),
            ControlFrame::Peers(vec![
                PeerRecord {
                    site: "VN".to_owned(),
                    peer_id: "12D3KooWExample".to_owned(),
                    quic_addrs: vec!["198.51.100.1:4433".to_owned()],
                    p2p_addrs: vec![],
                },
                PeerRecord {
                    site: "26734".to_owned(),
                    peer_id: "12D3KooWOther".to_owned(),
                    quic_addrs: vec![],
                    p2p_addrs: vec!["/ip6/::1/udp/4001/quic-v1".to_owned()],
                },
            ]),
            ControlFrame::Peers(vec![]),
            ControlFrame::Revocation(bytes(b"signed-revocation")),
            ControlFrame::Calendar(bytes(b"signed-calendar")),
            ControlFrame::Ping { nonce: 0 },
            ControlFrame::Ping { nonce: u64::MAX },
            ControlFrame::Pong { nonce: 42 },
            ControlFrame::Goodbye {
                reason: "shutting down / đang tắt".to_owned(),
            },
        ]
    }

    pub fn raw_frame(body: &[u8]) -> Vec<u8> {
        let mut out = (body.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(body);
        out
    }

    /// (file name, bytes) of the `control_frame` seed corpus.
    pub fn fuzz_seed_corpus() -> Vec<(String, Vec<u8>)> {
        let names = [
            "hello",
            "hello-empty",
            "peers",
            "peers-empty",
            "revocation",
            "calendar",
            "ping",
            "ping-max",
            "pong",
            "goodbye",
        ];
        let mut seeds: Vec<(String, Vec<u8>)> = names
            .iter()
            .zip(all_variants())
            .map(|(name, frame)| (format!("valid-{name}"), encode_frame(&frame)))
            .collect();
        seeds.push((
            "valid-all-concatenated".into(),
            all_variants().iter().flat_map(encode_frame).collect(),
        ));
        seeds.push(("garbage-not-cbor".into(), raw_frame(&[0xff, 0xff, 0xff])));
        seeds.push(("garbage-too-large".into(), u32::MAX.to_be_bytes().to_vec()));
        seeds.push((
            "garbage-truncated".into(),
            encode_frame(&ControlFrame::Hello(sample_hello()))[..40].to_vec(),
        ));
        seeds.push(("garbage-deep-nesting".into(), raw_frame(&[0x81; 512])));
        seeds
    }
}

#[cfg(test)]
mod tests;
