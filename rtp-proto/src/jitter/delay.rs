//! The delay estimator: how long packets must wait so that nearly all arrive in time.
//!
//! For each packet the *transit* is its arrival time minus its media time (both in
//! nanoseconds from the buffer's reference points). The smallest transit in a sliding window
//! is the fastest path through the network; every other packet's extra delay over it is its
//! jitter. The target delay is a high quantile of those extra delays plus half a frame of
//! margin, clamped to the configured bounds.

use crate::time::Duration;

/// Transits remembered: 10 s of 20 ms packets.
pub(crate) const WINDOW: usize = 500;
/// The quantile of extra delay the target covers: one packet in a hundred may be late before
/// the margin is counted.
const QUANTILE_PER_MILLE: usize = 990;
/// Samples needed before the window's estimate replaces the previous target.
const MIN_SAMPLES: usize = 20;

#[derive(Debug, Clone)]
pub(crate) struct DelayEstimator {
    transits: [i64; WINDOW],
    len: usize,
    next: usize,
    scratch: [i64; WINDOW],
    min_delay_ns: i64,
    max_delay_ns: i64,
    margin_ns: i64,
    target_ns: i64,
    base_ns: i64,
}

fn ns(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

impl DelayEstimator {
    pub(crate) fn new(min_delay: Duration, max_delay: Duration, frame: Duration) -> Self {
        let min_delay_ns = ns(min_delay);
        Self {
            transits: [0; WINDOW],
            len: 0,
            next: 0,
            scratch: [0; WINDOW],
            min_delay_ns,
            max_delay_ns: ns(max_delay).max(min_delay_ns),
            margin_ns: ns(frame) / 2,
            target_ns: min_delay_ns,
            base_ns: 0,
        }
    }

    /// Forgets the transits (their reference changed) but keeps the target as a prior.
    pub(crate) fn clear(&mut self) {
        self.len = 0;
        self.next = 0;
    }

    /// Records one packet's transit and updates base and target.
    pub(crate) fn record(&mut self, transit_ns: i64) {
        if let Some(slot) = self.transits.get_mut(self.next) {
            *slot = transit_ns;
        }
        self.next = (self.next + 1) % WINDOW;
        self.len = (self.len + 1).min(WINDOW);
        let window = self.transits.get(..self.len).unwrap_or(&[]);
        self.base_ns = window.iter().copied().min().unwrap_or(transit_ns);
        if self.len < MIN_SAMPLES {
            return;
        }
        let scratch = self.scratch.get_mut(..self.len).unwrap_or(&mut []);
        for (s, t) in scratch.iter_mut().zip(window) {
            *s = t.saturating_sub(self.base_ns);
        }
        let rank = (self.len * QUANTILE_PER_MILLE / 1000).min(self.len - 1);
        let (_, q, _) = scratch.select_nth_unstable(rank);
        self.target_ns = q
            .saturating_add(self.margin_ns)
            .clamp(self.min_delay_ns, self.max_delay_ns);
    }

    /// The smallest transit in the window.
    pub(crate) fn base_ns(&self) -> i64 {
        self.base_ns
    }

    /// The target delay over the base transit.
    pub(crate) fn target_ns(&self) -> i64 {
        self.target_ns
    }

    /// Samples in the window.
    #[cfg(test)]
    pub(crate) fn samples(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_follows_the_quantile_within_bounds() {
        let ms = Duration::from_millis;
        let mut e = DelayEstimator::new(ms(20), ms(200), ms(20));
        // Transits 1000..1100 ms in 1 ms steps, repeated: extra delays 0..=99 ms.
        for i in 0..WINDOW as i64 {
            e.record(1_000_000_000 + (i % 100) * 1_000_000);
        }
        assert_eq!(e.base_ns(), 1_000_000_000);
        // rank 495 of 500 sorted values (each of 0..100 five times) is 99 ms, plus 10 ms.
        assert_eq!(e.target_ns(), 109_000_000);
        let mut small = DelayEstimator::new(ms(40), ms(200), ms(20));
        for _ in 0..100 {
            small.record(5);
        }
        assert_eq!(small.target_ns(), 40_000_000);
        let mut big = DelayEstimator::new(ms(20), ms(60), ms(20));
        for i in 0..100 {
            big.record(i * 10_000_000);
        }
        assert_eq!(big.target_ns(), 60_000_000);
        big.clear();
        assert_eq!(big.samples(), 0);
        big.record(0);
        assert_eq!(big.target_ns(), 60_000_000, "kept as a prior");
    }
}
