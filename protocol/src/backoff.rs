//! Capped exponential backoff for reconnecting to a peer site.
//!
//! Owns the delay arithmetic only: `min(cap, base · 2^attempt)`, scaled into [50 %, 100 %] by a
//! caller-supplied random `u64` so every node does not retry in lockstep. It must not sleep, read
//! the clock or draw randomness itself: the node passes the jitter from its RNG and the simulator
//! from a seeded one, so both replay the same delays.

/// First reconnect delay the node uses, in milliseconds.
pub const RECONNECT_BASE_MS: u64 = 200;

/// Longest reconnect delay the node uses, in milliseconds.
pub const RECONNECT_CAP_MS: u64 = 10_000;

/// Reconnect delays for one peer: grows on every failure, [`reset`](Backoff::reset) on success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backoff {
    base_ms: u64,
    cap_ms: u64,
    /// Failures since the last reset; saturates instead of wrapping.
    attempt: u32,
}

impl Backoff {
    /// A backoff starting at `base_ms` and never exceeding `cap_ms` (both in milliseconds).
    pub fn new(base_ms: u64, cap_ms: u64) -> Self {
        Backoff {
            base_ms,
            cap_ms,
            attempt: 0,
        }
    }

    /// The node's reconnect backoff: [`RECONNECT_BASE_MS`] up to [`RECONNECT_CAP_MS`].
    pub fn reconnect() -> Self {
        Self::new(RECONNECT_BASE_MS, RECONNECT_CAP_MS)
    }

    /// Failures counted since the last reset.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The delay before the next attempt, in milliseconds, and counts one more attempt.
    ///
    /// With `d = min(cap, base · 2^attempt)` (saturating), the result lies in `[d - d/2, d]`,
    /// placed there by `jitter` (any `u64`, uniformly random for an unbiased spread).
    pub fn next_delay_ms(&mut self, jitter: u64) -> u64 {
        let full = self.full_delay_ms();
        self.attempt = self.attempt.saturating_add(1);
        let floor = full - full / 2;
        let span = u128::from(full / 2) + 1;
        // span * jitter < 2^64 * 2^64, so the product fits u128 and the shifted value is < span.
        let offset = (span * u128::from(jitter)) >> 64;
        // offset <= full / 2, so floor + offset <= full; the conversion cannot fail.
        floor
            .saturating_add(u64::try_from(offset).unwrap_or(u64::MAX))
            .min(full)
    }

    /// `min(cap, base · 2^attempt)`, saturating.
    fn full_delay_ms(&self) -> u64 {
        let factor = 1u64.checked_shl(self.attempt).unwrap_or(u64::MAX);
        self.base_ms.saturating_mul(factor).min(self.cap_ms)
    }

    /// Back to the first delay (call after a connection succeeded).
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn grows_then_caps() {
        let mut b = Backoff::reconnect();
        // With maximal jitter the delay is the full, undamped value.
        let full: Vec<u64> = (0..10).map(|_| b.next_delay_ms(u64::MAX)).collect();
        assert_eq!(
            full,
            [200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000, 10_000]
        );
        let mut b = Backoff::reconnect();
        let half: Vec<u64> = (0..8).map(|_| b.next_delay_ms(0)).collect();
        assert_eq!(half, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    }

    #[test]
    fn reset_starts_over() {
        let mut b = Backoff::reconnect();
        for _ in 0..5 {
            b.next_delay_ms(u64::MAX);
        }
        assert_eq!(b.attempt(), 5);
        b.reset();
        assert_eq!(b.attempt(), 0);
        assert_eq!(b.next_delay_ms(u64::MAX), RECONNECT_BASE_MS);
    }

    #[test]
    fn no_overflow_after_many_attempts() {
        for (base, cap) in [
            (200, 10_000),
            (u64::MAX, u64::MAX),
            (1, u64::MAX),
            (0, 0),
            (5, 1),
        ] {
            let mut b = Backoff::new(base, cap);
            for i in 0..1000u64 {
                let d = b.next_delay_ms(i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                assert!(d <= cap);
            }
            assert_eq!(b.attempt(), 1000);
        }
        let mut b = Backoff::new(0, 1000);
        b.attempt = 100;
        assert_eq!(b.next_delay_ms(u64::MAX), 0);
        let mut b = Backoff::new(1, 1000);
        b.attempt = u32::MAX;
        assert!(b.next_delay_ms(u64::MAX) <= 1000);
        assert_eq!(b.attempt(), u32::MAX);
    }

    proptest! {
        #[test]
        fn within_half_to_full_and_never_above_cap(
            base in 0u64..100_000,
            cap in 0u64..1_000_000,
            jitters in proptest::collection::vec(any::<u64>(), 1..80),
        ) {
            let mut b = Backoff::new(base, cap);
            let mut last_full = 0u64;
            for (attempt, jitter) in jitters.into_iter().enumerate() {
                let factor = 1u64.checked_shl(attempt as u32).unwrap_or(u64::MAX);
                let full = base.saturating_mul(factor).min(cap);
                let d = b.next_delay_ms(jitter);
                prop_assert!(d <= cap);
                prop_assert!(d <= full && d >= full - full / 2, "d={} full={}", d, full);
                prop_assert!(full >= last_full);
                last_full = full;
            }
        }
    }
}
