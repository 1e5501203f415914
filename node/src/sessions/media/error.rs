//! Typed errors of the media gateway, and the refusals a [`super::SessionPolicy`] returns.
//!
//! Owns the wording an API caller sees. The HTTP status of each error is decided in
//! `media::http`, so the gateway itself stays independent of axum.

/// Why the node's session policy refuses a participant. Returned by
/// [`super::SessionPolicy::admit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MediaRefusal {
    #[error("no such session")]
    UnknownSession,
    #[error("the session has ended")]
    SessionEnded,
    #[error("this site is not a point of the session")]
    NotAPoint,
}

/// Everything the gateway can refuse or fail at. Messages are for the operator or the
/// developer of a WHIP/WHEP client, in English like the rest of the API.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The body is not an SDP offer str0m can read (or is empty, too large, not text).
    #[error("malformed SDP offer: {0}")]
    MalformedSdp(String),
    /// The offer parses but asks for nothing we can do: no Opus or VP8, wrong direction.
    #[error("unsupported SDP offer: {0}")]
    UnsupportedOffer(String),
    /// A session id, site code, participant id, label or role that breaks the limits.
    #[error("invalid request: {0}")]
    Invalid(String),
    #[error(transparent)]
    Refused(#[from] MediaRefusal),
    /// WHEP asked for a publisher that is not (or no longer) in the session.
    #[error("no publisher `{0}` in this session")]
    UnknownPublisher(String),
    /// DELETE of a WHIP/WHEP resource that does not exist (or belongs to another session).
    #[error("no such media resource")]
    UnknownResource,
    /// The gateway already drives its maximum number of peer connections.
    #[error("the media gateway is full ({0} peer connections)")]
    Full(usize),
    /// The gateway task is not running (shut down, or it failed).
    #[error("the media gateway is not running")]
    Stopped,
    #[error("media gateway I/O: {0}")]
    Io(#[from] std::io::Error),
}

impl From<&MediaError> for crate::language::Message {
    fn from(e: &MediaError) -> Self {
        use crate::language::Message;
        match e {
            MediaError::MalformedSdp(d) => {
                Message::new("error-media-malformed-sdp").arg("detail", d)
            }
            MediaError::UnsupportedOffer(d) => {
                Message::new("error-media-unsupported-offer").arg("detail", d)
            }
            MediaError::Invalid(d) => Message::new("error-media-invalid").arg("detail", d),
            MediaError::Refused(MediaRefusal::UnknownSession) => {
                Message::new("error-media-unknown-session")
            }
            MediaError::Refused(MediaRefusal::SessionEnded) => Message::new("error-media-ended"),
            MediaError::Refused(MediaRefusal::NotAPoint) => Message::new("error-media-not-a-point"),
            MediaError::UnknownPublisher(p) => {
                Message::new("error-media-unknown-publisher").arg("publisher", p)
            }
            MediaError::UnknownResource => Message::new("error-media-unknown-resource"),
            MediaError::Full(n) => Message::new("error-media-full").arg("max", *n),
            MediaError::Stopped => Message::new("error-media-stopped"),
            MediaError::Io(e) => {
                tracing::error!("media gateway: {e}");
                Message::new("error-internal")
            }
        }
    }
}
