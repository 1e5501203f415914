//! Case records as logs of signed events (Flows 2–3 of the architecture).
//!
//! Every change to a case (hồ sơ vụ việc) is an event signed by the site that made it, naming
//! the events it follows. The events of one case form a DAG that every site in the case's
//! audience replicates; folding the DAG in its deterministic order gives the case state.
//!
//! - [`event`]: the signed event, its wire format, id and limits; signing and verification.
//! - [`dag`]: [`CaseLog`], the DAG of one case, pending events and the deterministic order.
//!
//! This module does no I/O and reads no clock. It does not know which key belongs to which site
//! (the caller passes the author's key), nor who may write to a case, nor what a payload means.

pub mod dag;
pub mod event;

#[cfg(test)]
mod actor_tests;

pub use dag::{CaseLog, Insert, LogError, MAX_CASE_EVENTS, MAX_PENDING_BYTES, MAX_PENDING_EVENTS};
pub use event::{
    decode_event, event_id, sign_event, try_sign_event, verify_event, verify_many, Actor,
    EventBody, EventError, EventId, SignedEvent, UnverifiedEvent, VerifiedEvent, EVENT_ID_BYTES,
    EVENT_VERSION, MAX_AUTHOR_BYTES, MAX_CASE_ID_BYTES, MAX_EVENT_BYTES, MAX_PARENTS,
    SIGNATURE_BYTES, SIGNING_CONTEXT,
};
