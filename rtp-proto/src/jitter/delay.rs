//! The delay estimator: how long packets must wait so that nearly all arrive in time.
//!
//! For each packet the *transit* is its arrival time minus its media time (both in
//! nanoseconds from the buffer's reference points). The smallest transit in a sliding window
//! is the fastest path through the network (the *base*); every other packet's extra delay
//! over it is its jitter. The target delay is a high quantile of the window's transits minus
//! the base, plus half a frame of margin, clamped to the configured bounds.
//!
//! Every update is O(1) amortized, with all storage inline: the window's transits go into a
//! histogram of bins of 2^20 ns (about 1 ms), with one pointer to the lowest non-empty bin
//! (the base) and one to the quantile's bin, each moving a bin or so per packet. Both are
//! known to a bin: the base is its bin's lower edge and the quantile its bin's upper edge, so
//! the target errs on the long side by less than two bins, and the playout point, base plus
//! target, is the quantile's upper edge plus the margin unless a bound clamps the target.
//!
//! The histogram's bins are placed relative to a reference transit; when the transits leave
//! its range (the path got faster than it ever was, or the clocks drifted half the range), it
//! is rebuilt from the window around a new reference, an O(window) step that drift makes
//! necessary about once an hour.

use crate::time::Duration;

/// Transits remembered: about 10 s of 20 ms packets.
pub(crate) const WINDOW: usize = 512;
/// The quantile of extra delay the target covers: one packet in a hundred may be late before
/// the margin is counted.
const QUANTILE_PER_MILLE: usize = 990;
/// Samples needed before the window's estimate replaces the previous target.
const MIN_SAMPLES: usize = 20;
/// Histogram bins of 2^BIN_SHIFT ns.
const BIN_SHIFT: u32 = 20;
/// Bins in the histogram: 2^10 bins of 2^20 ns cover 1.07 s of transit.
const BINS: usize = 1 << 10;
/// Where a fresh reference puts the newest transit: a quarter of the range up, so that a path
/// getting faster by up to a quarter second needs no rebuild.
const HEADROOM_BINS: i64 = (BINS / 4) as i64;

#[derive(Debug, Clone)]
pub(crate) struct DelayEstimator {
    /// The window's transits: `len` samples ending just before ring slot `next`.
    transits: [i64; WINDOW],
    /// Each sample's histogram bin, kept beside its transit so that the sample leaving the
    /// window is taken out of the histogram without binning it again; every rebuild
    /// refreshes them.
    bins: [u16; WINDOW],
    /// The ring slot the next sample goes to.
    next: usize,
    len: usize,
    /// How many of the window's samples lie at or below the quantile; follows `len`.
    rank: usize,
    /// Histogram of the window's transits in bins above `hist_ref`.
    hist: [u16; BINS],
    hist_ref: i64,
    /// The lowest non-empty bin (while the window holds samples).
    lo_bin: usize,
    /// The quantile's bin and the samples in bins at or below it.
    q_bin: usize,
    q_cum: usize,
    min_delay_ns: i64,
    max_delay_ns: i64,
    margin_ns: i64,
    target_ns: i64,
    /// The base (the lower edge of the lowest bin) plus the target: the transit playout
    /// aims at, read by every pop.
    playout_ns: i64,
}

fn ns(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// Ring slots and histogram bins are found by masking: both counts are powers of two, and a
/// masked index never fails.
const WINDOW_MASK: usize = WINDOW - 1;
const BIN_MASK: usize = BINS - 1;

impl DelayEstimator {
    pub(crate) fn new(min_delay: Duration, max_delay: Duration, frame: Duration) -> Self {
        let min_delay_ns = ns(min_delay);
        Self {
            transits: [0; WINDOW],
            bins: [0; WINDOW],
            next: 0,
            len: 0,
            rank: 1,
            hist: [0; BINS],
            hist_ref: 0,
            lo_bin: BINS - 1,
            q_bin: 0,
            q_cum: 0,
            min_delay_ns,
            max_delay_ns: ns(max_delay).max(min_delay_ns),
            margin_ns: ns(frame) / 2,
            target_ns: min_delay_ns,
            playout_ns: min_delay_ns,
        }
    }

    /// Forgets the transits (their reference changed) but keeps the target as a prior.
    pub(crate) fn clear(&mut self) {
        self.len = 0;
        self.hist = [0; BINS];
        self.lo_bin = BINS - 1;
        self.q_bin = 0;
        self.q_cum = 0;
    }

    /// The histogram bin of a transit, clamped into range (see `record` for the ends).
    #[inline]
    fn bin(&self, transit_ns: i64) -> usize {
        let above = transit_ns.saturating_sub(self.hist_ref).max(0) >> BIN_SHIFT;
        // Clamped to BINS - 1, so the cast keeps the value.
        above.min(BINS as i64 - 1) as usize
    }

    /// How many of `len` samples lie at or below the quantile.
    fn rank_of(len: usize) -> usize {
        (len * QUANTILE_PER_MILLE / 1000).min(len.saturating_sub(1)) + 1
    }

    /// Records one packet's transit and updates base and target.
    ///
    /// The usual case, a full window and a transit the histogram reaches, is written out
    /// here; everything else takes [`record_general`](Self::record_general), which does the
    /// same steps in full.
    #[inline(always)]
    pub(crate) fn record(&mut self, transit_ns: i64) {
        let k = self.next & WINDOW_MASK;
        if self.len != WINDOW || transit_ns < self.hist_ref {
            self.record_general(k, transit_ns);
            return;
        }
        self.next = (k + 1) & WINDOW_MASK;
        // The oldest sample leaves (it held slot k) and the new one takes its place.
        let old = usize::from(self.bins[k]) & BIN_MASK;
        let bin = self.bin_at_or_above_ref(transit_ns);
        self.transits[k] = transit_ns;
        if bin == old {
            // Out of a bin and back into it: the histogram, both pointers, the target and
            // the playout transit are what they were. A steady path (a LAN, a constant
            // delay) mostly ends here.
            return;
        }
        self.bins[k] = bin as u16;
        let (lo_before, q_before) = (self.lo_bin, self.q_bin);
        // Counts stay within 0..=WINDOW: the leaving sample was counted in its bin.
        self.hist[old] = self.hist[old].wrapping_sub(1);
        self.hist[bin] = self.hist[bin].wrapping_add(1);
        // The samples at or below the quantile's bin, and thus q_cum, lose the old one and
        // gain the new one if they lie there; the window holds rank <= q_cum samples.
        self.q_cum = (self.q_cum + usize::from(bin <= self.q_bin))
            .wrapping_sub(usize::from(old <= self.q_bin));
        self.lo_bin = self.lo_bin.min(bin);
        self.raise_lo_bin();
        if self.lo_bin > BINS / 2 {
            // The clocks drifted the base half way up the range: re-centre.
            self.rebuild();
            self.update_target();
            return;
        }
        self.settle();
        if self.lo_bin != lo_before || self.q_bin != q_before {
            self.update_target();
        }
    }

    /// [`record`](Self::record) for every case: a window still filling, a transit below the
    /// histogram's reach.
    #[cold]
    fn record_general(&mut self, k: usize, transit_ns: i64) {
        self.next = (k + 1) & WINDOW_MASK;
        if self.len == WINDOW {
            // The oldest sample leaves: it held the slot written now.
            self.hist_remove(usize::from(self.bins[k]));
        } else {
            self.grow(transit_ns);
        }
        self.transits[k] = transit_ns;
        if transit_ns < self.hist_ref {
            // Faster than the histogram reaches: re-centre it.
            self.rebuild();
        } else {
            let bin = self.bin_at_or_above_ref(transit_ns);
            self.bins[k] = bin as u16;
            self.hist_add(bin);
            if self.lo_bin > BINS / 2 {
                // The clocks drifted the base half way up the range: re-centre.
                self.rebuild();
            }
        }
        self.update_target();
    }

    /// The bin of a transit at or above `hist_ref`: the difference is exact as unsigned,
    /// and the `min` is [`bin`](Self::bin)'s clamp at the top. It fits a u16 (BINS <= 2^16).
    #[inline]
    fn bin_at_or_above_ref(&self, transit_ns: i64) -> usize {
        let above = (transit_ns as u64).wrapping_sub(self.hist_ref as u64) >> BIN_SHIFT;
        above.min(BIN_MASK as u64) as usize
    }

    /// Moves the quantile (once the window holds enough samples) and recomputes the target
    /// and the playout transit from the two pointers.
    #[inline]
    fn update_target(&mut self) {
        if self.len >= MIN_SAMPLES {
            self.settle();
            // The upper edge of the quantile's bin over the base, the lower edge of the
            // lowest bin (both bins of the same reference, so the reference cancels). Both
            // indices are under BINS, so the difference is small.
            let span = (self.q_bin as i64 + 1 - self.lo_bin as i64) << BIN_SHIFT;
            self.target_ns = span
                .wrapping_add(self.margin_ns)
                .clamp(self.min_delay_ns, self.max_delay_ns);
        }
        // Transits stay far inside i64 (they are differences of nanosecond times), so the
        // sum cannot wrap.
        self.playout_ns = self.base_ns().wrapping_add(self.target_ns);
    }

    /// A sample joins a window that is not full yet.
    #[cold]
    fn grow(&mut self, transit_ns: i64) {
        if self.len == 0 {
            self.hist_ref = transit_ns.saturating_sub(HEADROOM_BINS << BIN_SHIFT);
        }
        self.len += 1;
        self.rank = Self::rank_of(self.len);
    }

    #[inline]
    fn hist_add(&mut self, bin: usize) {
        let bin = bin & BIN_MASK;
        // At most WINDOW samples are counted, far below u16::MAX.
        self.hist[bin] = self.hist[bin].wrapping_add(1);
        self.q_cum += usize::from(bin <= self.q_bin);
        self.lo_bin = self.lo_bin.min(bin);
        self.raise_lo_bin();
    }

    /// A removal may have emptied the lowest bin; the window is not empty now, so a
    /// non-empty bin lies at or above it.
    #[inline]
    fn raise_lo_bin(&mut self) {
        while self.hist[self.lo_bin & BIN_MASK] == 0 && self.lo_bin + 1 < BINS {
            self.lo_bin += 1;
        }
    }

    #[inline]
    fn hist_remove(&mut self, bin: usize) {
        let bin = bin & BIN_MASK;
        // The sample was counted in its bin, and in `q_cum` if at or below the quantile.
        self.hist[bin] = self.hist[bin].wrapping_sub(1);
        self.q_cum = self.q_cum.wrapping_sub(usize::from(bin <= self.q_bin));
    }

    /// Moves the quantile pointer to the lowest bin with at least `rank` samples at or below.
    #[inline]
    fn settle(&mut self) {
        let rank = self.rank;
        while self.q_cum < rank && self.q_bin + 1 < BINS {
            self.q_bin += 1;
            self.q_cum += usize::from(self.hist[self.q_bin & BIN_MASK]);
        }
        while self.q_bin > 0 && self.q_cum - usize::from(self.hist[self.q_bin & BIN_MASK]) >= rank {
            self.q_cum -= usize::from(self.hist[self.q_bin & BIN_MASK]);
            self.q_bin -= 1;
        }
    }

    /// Re-centres the histogram on the window's smallest transit and refills it, binning
    /// every sample afresh.
    #[cold]
    fn rebuild(&mut self) {
        let first = self.next.wrapping_sub(self.len);
        let base = (0..self.len)
            .map(|i| self.transits[first.wrapping_add(i) & WINDOW_MASK])
            .min()
            .unwrap_or(0);
        self.hist_ref = base.saturating_sub(HEADROOM_BINS << BIN_SHIFT);
        self.hist = [0; BINS];
        for i in 0..self.len {
            let k = first.wrapping_add(i) & WINDOW_MASK;
            let b = self.bin(self.transits[k]);
            // `bin` stays under BINS <= 2^16.
            self.bins[k] = b as u16;
            self.hist[b & BIN_MASK] = self.hist[b & BIN_MASK].saturating_add(1);
        }
        self.lo_bin = self.bin(base);
        self.q_bin = 0;
        self.q_cum = usize::from(self.hist[0]);
    }

    /// The smallest transit in the window, to the lower edge of its bin.
    #[inline]
    pub(crate) fn base_ns(&self) -> i64 {
        self.hist_ref
            .wrapping_add((self.lo_bin as i64) << BIN_SHIFT)
    }

    /// The target delay over the base transit.
    pub(crate) fn target_ns(&self) -> i64 {
        self.target_ns
    }

    /// The transit playout aims at: the base plus the target.
    #[inline]
    pub(crate) fn playout_ns(&self) -> i64 {
        self.playout_ns
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

    /// The bin width, for tolerances.
    const BIN: i64 = 1 << BIN_SHIFT;

    #[test]
    fn target_follows_the_quantile_within_bounds() {
        let ms = Duration::from_millis;
        let mut e = DelayEstimator::new(ms(20), ms(200), ms(20));
        // Transits 1000..1100 ms in 1 ms steps, repeated: extra delays 0..=99 ms.
        for i in 0..WINDOW as i64 {
            e.record(1_000_000_000 + (i % 100) * 1_000_000);
        }
        assert!((1_000_000_000 - BIN + 1..=1_000_000_000).contains(&e.base_ns()));
        // The 99th percentile of 0..=99 ms is 98 or 99 ms; the bins' edges round it up by
        // less than two bins; plus the 10 ms margin.
        let t = e.target_ns();
        assert!(
            (108_000_000..=109_000_000 + 2 * BIN).contains(&t),
            "target {t}"
        );
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

    /// The estimator against a sort of the window, on a seeded jittery path with a drifting
    /// clock and a path that gets faster (forcing rebuilds).
    #[test]
    fn matches_a_sorted_window() {
        let ms = Duration::from_millis;
        let mut e = DelayEstimator::new(ms(0), ms(10_000), ms(0));
        let mut rng = crate::SeededRng::new(9);
        let mut all = Vec::new();
        for i in 0..5_000i64 {
            // 100 ppm drift over 20 ms packets, 0..80 ms jitter, and a 400 ms step down.
            let step = if i > 3_000 { -400_000_000 } else { 0 };
            let t = 50_000_000 + i * 2_000 + (rng.next_f64() * 80e6) as i64 + step;
            e.record(t);
            all.push(t);
            let window = &all[all.len().saturating_sub(WINDOW)..];
            let base = *window.iter().min().unwrap();
            assert!(
                e.base_ns() <= base && e.base_ns() > base - BIN,
                "packet {i}: base {} for {base}",
                e.base_ns()
            );
            if window.len() >= MIN_SAMPLES {
                let mut sorted = window.to_vec();
                sorted.sort_unstable();
                let q = sorted[(sorted.len() * QUANTILE_PER_MILLE / 1000).min(sorted.len() - 1)];
                let want = q - base;
                let got = e.target_ns();
                // The bins' edges: at most two bins above the exact quantile (one for the
                // quantile's bin, one for the base's offset within its bin).
                assert!(
                    got > want && got < want + 2 * BIN,
                    "packet {i}: target {got}, exact {want}"
                );
            }
        }
    }
}
