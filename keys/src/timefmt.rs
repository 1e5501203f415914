//! Human-readable timestamps for error messages (UTC, e.g. `2026-03-01 08:00:00 UTC`).
//!
//! Only formatting lives here; nothing in this crate reads the clock.

/// Formats unix seconds for an operator; out-of-range values are shown as raw seconds.
pub(crate) fn utc(secs: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(secs) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => format!("unix time {secs}"),
    }
}

/// Same as [`utc`] for unsigned seconds.
pub(crate) fn utc_u(secs: u64) -> String {
    utc(i64::try_from(secs).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_known_instants() {
        assert_eq!(super::utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(super::utc(1_767_225_600), "2026-01-01 00:00:00 UTC");
        assert_eq!(super::utc_u(u64::MAX), "unix time 9223372036854775807");
    }
}
