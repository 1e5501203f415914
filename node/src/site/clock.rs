//! The node's clock: the one place the shell reads wall time for protocol decisions.
//!
//! `protocol/` never reads a clock; the node passes these values in, so the simulator can pass
//! virtual time to the same code.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch (0 if the clock is before 1970).
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Milliseconds since the Unix epoch: event times, deadlines, media timestamps.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A unix time as a Vietnamese-style date (dd/mm/yyyy, UTC) for messages to operators.
pub fn format_date(unix: u64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(unix as i64) {
        Ok(t) => format!("{:02}/{:02}/{}", t.day(), u8::from(t.month()), t.year()),
        Err(_) => unix.to_string(),
    }
}
