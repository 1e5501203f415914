//! The run's only source of chance: one ChaCha stream seeded from `--seed`, so a seed decides
//! every arrival, loss, crash and key. Nothing in the simulator reads the clock or the OS RNG.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub struct SimRng {
    pub r: ChaCha8Rng,
}

impl SimRng {
    pub fn new(seed: u64) -> SimRng {
        SimRng {
            r: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// A Poisson draw with mean `lambda` (Knuth; the means here are small). Large means are
    /// split so `exp(-lambda)` never underflows.
    pub fn poisson(&mut self, lambda: f64) -> u32 {
        if lambda <= 0.0 {
            return 0;
        }
        let mut left = lambda;
        let mut n = 0;
        while left > 0.0 {
            let step = left.min(30.0);
            left -= step;
            let l = (-step).exp();
            let mut p = 1.0;
            loop {
                p *= self.r.gen::<f64>();
                if p <= l {
                    break;
                }
                n += 1;
            }
        }
        n
    }

    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.r.gen_bool(p.min(1.0))
    }

    /// Uniform in `[lo, hi)`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            lo
        } else {
            self.r.gen_range(lo..hi)
        }
    }

    /// An index drawn by `weights`.
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.r.gen::<f64>() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len().saturating_sub(1)
    }

    pub fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut b = [0u8; N];
        self.r.fill(&mut b[..]);
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_mean_is_close() {
        let mut r = SimRng::new(7);
        for lambda in [0.25, 3.0, 80.0] {
            let n = 20_000;
            let sum: u64 = (0..n).map(|_| u64::from(r.poisson(lambda))).sum();
            let mean = sum as f64 / n as f64;
            assert!(
                (mean - lambda).abs() < lambda * 0.05 + 0.02,
                "lambda {lambda}: mean {mean}"
            );
        }
    }

    #[test]
    fn same_seed_same_stream() {
        let (mut a, mut b) = (SimRng::new(42), SimRng::new(42));
        assert_eq!(a.bytes::<32>(), b.bytes::<32>());
        assert_ne!(SimRng::new(1).bytes::<8>(), SimRng::new(2).bytes::<8>());
    }
}
