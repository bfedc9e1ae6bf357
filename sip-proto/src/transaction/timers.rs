//! Transaction timers (RFC 3261 §17, Table 4; RFC 6026 §7.1 for L and M).
//!
//! Each machine keeps its deadlines in a [`TimerTable`]: a fixed array of `Option<Instant>`
//! indexed by the closed [`Timer`] enum, so arming, clearing and finding the next deadline never
//! allocate. The durations derive from the three base values of [`TimerConfig`].

use crate::time::{Duration, Instant};

/// Timer D on an unreliable transport: "at least 32 seconds" (RFC 3261 §17.1.1.2, Table 4).
pub const TIMER_D_UNRELIABLE: Duration = Duration::from_secs(32);

/// How long an INVITE server transaction waits for the TU before it sends `100 Trying` on its
/// own (RFC 3261 §17.2.1: "if the TU will not generate a provisional response within 200 ms").
pub const TRYING_DELAY: Duration = Duration::from_millis(200);

/// The base timer values of RFC 3261 §17, Table 4.
///
/// Every other timer is derived from these: B, F, H, J, L and M are `64 * t1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerConfig {
    /// T1, the round-trip time estimate (default 500 ms, RFC 3261 §17.1.1.1).
    pub t1: Duration,
    /// T2, the maximum retransmit interval for non-INVITE requests and INVITE responses
    /// (default 4 s).
    pub t2: Duration,
    /// T4, the maximum time a message remains in the network (default 5 s).
    pub t4: Duration,
}

impl Default for TimerConfig {
    fn default() -> Self {
        TimerConfig {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
        }
    }
}

impl TimerConfig {
    /// `64 * T1`: the transaction timeout used by Timers B, F, H, J, L and M (Table 4), and the
    /// give-up time of the UAS 2xx retransmissions (RFC 3261 §13.3.1.4).
    pub fn timeout(&self) -> Duration {
        self.t1.saturating_mul(64)
    }

    /// Timer D: at least 32 s on unreliable transports (here `max(32 s, 64 * T1)`, so a larger
    /// T1 at the server still has its retransmissions absorbed), zero on reliable ones.
    pub fn timer_d(&self, reliability: Reliability) -> Duration {
        match reliability {
            Reliability::Unreliable => TIMER_D_UNRELIABLE.max(self.timeout()),
            Reliability::Reliable => Duration::ZERO,
        }
    }

    /// Timers I and K: T4 on unreliable transports, zero on reliable ones (Table 4).
    pub fn timer_t4_or_zero(&self, reliability: Reliability) -> Duration {
        match reliability {
            Reliability::Unreliable => self.t4,
            Reliability::Reliable => Duration::ZERO,
        }
    }

    /// Timer J: `64 * T1` on unreliable transports, zero on reliable ones (Table 4).
    pub fn timer_j(&self, reliability: Reliability) -> Duration {
        match reliability {
            Reliability::Unreliable => self.timeout(),
            Reliability::Reliable => Duration::ZERO,
        }
    }
}

/// Whether the transport under a transaction delivers reliably (TCP, TLS, SCTP) or not (UDP).
///
/// On a reliable transport the retransmission timers A, E and G are never started, and the
/// wait timers D, I, J and K are zero (RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2), so the
/// machines move straight to `Terminated` where those timers would have run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reliability {
    /// UDP and other datagram transports: the transaction layer retransmits.
    #[default]
    Unreliable,
    /// TCP, TLS, SCTP, WebSocket: the transport retransmits, the transaction layer does not.
    Reliable,
}

impl Reliability {
    /// `true` for [`Reliability::Reliable`].
    pub fn is_reliable(self) -> bool {
        self == Reliability::Reliable
    }
}

/// The transaction timers of RFC 3261 §17 (Table 4) and RFC 6026 §7.1.
///
/// Timer C (the proxy INVITE timer of §16.6) is not here: it belongs to a proxy core, not to a
/// transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Timer {
    /// INVITE client request retransmission, starts at T1 and doubles (§17.1.1.2).
    A,
    /// INVITE client transaction timeout, `64 * T1` (§17.1.1.2).
    B,
    /// INVITE client wait for response retransmissions in Completed (§17.1.1.2).
    D,
    /// Non-INVITE client request retransmission, T1 doubling capped at T2 (§17.1.2.2).
    E,
    /// Non-INVITE client transaction timeout, `64 * T1` (§17.1.2.2).
    F,
    /// INVITE server final response retransmission, T1 doubling capped at T2 (§17.2.1).
    G,
    /// INVITE server wait for ACK, `64 * T1` (§17.2.1).
    H,
    /// INVITE server wait for ACK retransmissions in Confirmed, T4 (§17.2.1).
    I,
    /// Non-INVITE server wait for request retransmissions in Completed, `64 * T1` (§17.2.2).
    J,
    /// Non-INVITE client wait for response retransmissions in Completed, T4 (§17.1.2.2).
    K,
    /// INVITE server wait in Accepted for request retransmissions, `64 * T1` (RFC 6026 §8.7).
    L,
    /// INVITE client wait in Accepted for 2xx retransmissions, `64 * T1` (RFC 6026 §8.4).
    M,
    /// The 200 ms after which an INVITE server transaction sends `100 Trying` itself
    /// (RFC 3261 §17.2.1). The RFC gives this timer no letter.
    Trying,
}

impl Timer {
    /// Number of timers, the size of a [`TimerTable`].
    pub const COUNT: usize = 13;

    /// Every timer, in table order.
    pub const ALL: [Timer; Timer::COUNT] = [
        Timer::A,
        Timer::B,
        Timer::D,
        Timer::E,
        Timer::F,
        Timer::G,
        Timer::H,
        Timer::I,
        Timer::J,
        Timer::K,
        Timer::L,
        Timer::M,
        Timer::Trying,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

/// A fixed table of deadlines, one slot per [`Timer`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimerTable {
    deadlines: [Option<Instant>; Timer::COUNT],
}

impl TimerTable {
    /// An empty table: no timer armed.
    pub fn new() -> Self {
        Self::default()
    }

    /// Arms `timer` to fire at `at`, replacing any earlier deadline.
    pub fn set(&mut self, timer: Timer, at: Instant) {
        self.deadlines[timer.index()] = Some(at);
    }

    /// Disarms `timer`.
    pub fn clear(&mut self, timer: Timer) {
        self.deadlines[timer.index()] = None;
    }

    /// Disarms every timer.
    pub fn clear_all(&mut self) {
        self.deadlines = [None; Timer::COUNT];
    }

    /// The deadline of `timer`, if armed.
    pub fn get(&self, timer: Timer) -> Option<Instant> {
        self.deadlines[timer.index()]
    }

    /// `true` if `timer` is armed.
    pub fn is_armed(&self, timer: Timer) -> bool {
        self.get(timer).is_some()
    }

    /// The armed timer with the earliest deadline at or before `now`, with that deadline.
    ///
    /// Ties go to the timer earlier in table order. Machines call this in a loop, and every
    /// firing either re-arms its timer past `now` or clears it, so the loop ends.
    pub fn next_expired(&self, now: Instant) -> Option<(Timer, Instant)> {
        self.iter()
            .filter(|&(_, at)| at <= now)
            .min_by_key(|&(_, at)| at)
    }

    /// The earliest armed deadline, if any.
    pub fn min(&self) -> Option<Instant> {
        self.deadlines.iter().flatten().min().copied()
    }

    /// Armed timers with their deadlines, in table order.
    pub fn iter(&self) -> impl Iterator<Item = (Timer, Instant)> + '_ {
        Timer::ALL
            .iter()
            .zip(self.deadlines.iter())
            .filter_map(|(&t, at)| at.map(|at| (t, at)))
    }
}

/// The next retransmission deadline after one that fired at `fired`: `fired + interval`, or
/// `now + interval` if the caller was so late that the former has already passed. This keeps
/// the schedule exact when `handle_timeout` is called on time, and never hands back a
/// deadline at or before `now` when it is not.
pub(crate) fn next_deadline(fired: Instant, now: Instant, interval: Duration) -> Instant {
    let on_schedule = fired + interval;
    if on_schedule > now {
        on_schedule
    } else {
        now + interval
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn epoch() -> Instant {
        crate::time::test_epoch()
    }

    #[test]
    fn defaults_match_table_4() {
        let c = TimerConfig::default();
        assert_eq!(c.t1, Duration::from_millis(500));
        assert_eq!(c.t2, Duration::from_secs(4));
        assert_eq!(c.t4, Duration::from_secs(5));
        assert_eq!(c.timeout(), Duration::from_secs(32));
        assert_eq!(c.timer_d(Reliability::Unreliable), Duration::from_secs(32));
        assert_eq!(c.timer_d(Reliability::Reliable), Duration::ZERO);
        assert_eq!(c.timer_j(Reliability::Reliable), Duration::ZERO);
        assert_eq!(c.timer_t4_or_zero(Reliability::Unreliable), c.t4);
    }

    #[test]
    fn table_min_and_next_expired() {
        let t0 = epoch();
        let mut t = TimerTable::new();
        assert_eq!(t.min(), None);
        t.set(Timer::B, t0 + Duration::from_secs(32));
        t.set(Timer::A, t0 + Duration::from_millis(500));
        assert_eq!(t.min(), Some(t0 + Duration::from_millis(500)));
        assert_eq!(t.next_expired(t0), None);
        assert_eq!(
            t.next_expired(t0 + Duration::from_secs(40)),
            Some((Timer::A, t0 + Duration::from_millis(500)))
        );
        t.clear(Timer::A);
        assert_eq!(t.min(), Some(t0 + Duration::from_secs(32)));
        t.clear_all();
        assert_eq!(t.min(), None);
    }

    #[test]
    fn all_is_in_index_order() {
        for (i, t) in Timer::ALL.iter().enumerate() {
            assert_eq!(t.index(), i);
        }
    }
}
