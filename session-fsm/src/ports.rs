//! Which RTP/RTCP port pair to try next. Pure bookkeeping: the runtimes do the binding.

use std::ops::RangeInclusive;

/// RTP/RTCP port pairs from a range: RTP on an even port, RTCP on the odd port after it
/// (RFC 3550 §11). Candidates come round-robin, so a pair just released is the last one
/// reused and late packets of an old call do not land in a new one.
#[derive(Debug, Clone)]
pub struct RtpPortRange {
    first: u16,
    pairs: u16,
    next: u16,
}

impl RtpPortRange {
    /// The pairs inside `range`, trimmed to whole even/odd pairs.
    pub fn new(range: RangeInclusive<u16>) -> Self {
        let first = range.start().saturating_add(range.start() % 2);
        let last = *range.end();
        let pairs = if last > first {
            (last - first).div_ceil(2)
        } else {
            0
        };
        RtpPortRange {
            first,
            pairs,
            next: 0,
        }
    }

    /// How many pairs the range holds.
    pub fn pairs(&self) -> u16 {
        self.pairs
    }

    /// The next candidate `(rtp, rtcp)` pair, or `None` for an empty range.
    pub fn next_pair(&mut self) -> Option<(u16, u16)> {
        if self.pairs == 0 {
            return None;
        }
        let rtp = self.first + 2 * self.next;
        self.next = (self.next + 1) % self.pairs;
        Some((rtp, rtp + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_start_is_rounded_up_to_even_and_pairs_wrap() {
        let mut r = RtpPortRange::new(10001..=10006);
        assert_eq!(r.pairs(), 2);
        assert_eq!(r.next_pair(), Some((10002, 10003)));
        assert_eq!(r.next_pair(), Some((10004, 10005)));
        assert_eq!(r.next_pair(), Some((10002, 10003)));
    }

    #[test]
    fn default_range_holds_5000_pairs() {
        let mut r = RtpPortRange::new(10000..=20000);
        assert_eq!(r.pairs(), 5000);
        assert_eq!(r.next_pair(), Some((10000, 10001)));
    }

    #[test]
    fn empty_or_single_port_range_has_no_pairs() {
        assert_eq!(RtpPortRange::new(10000..=10000).next_pair(), None);
        assert_eq!(RtpPortRange::new(10001..=10001).next_pair(), None);
    }
}
