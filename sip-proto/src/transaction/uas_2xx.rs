//! The UAS core's 2xx retransmission (RFC 3261 §13.3.1.4).
//!
//! Since RFC 6026 the INVITE server transaction only passes the TU's 2xx along; keeping the
//! 2xx alive until its ACK arrives is the UAS core's job: "the 2xx response is passed to the
//! transport with an interval that starts at T1 seconds and doubles for each retransmission
//! until it reaches T2 seconds", until the ACK arrives or `64 * T1` passes, after which the
//! dialog should be ended with a BYE (§13.3.1.4). The interval is the same on reliable
//! transports: a reliable first hop says nothing about the hops after it.

use bytes::Bytes;

use crate::time::{Duration, Instant};

use super::timers::{next_deadline, TimerConfig};

/// What the [`Uas2xxRetransmitter`] tells the UAS core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uas2xxEvent {
    /// `64 * T1` passed without an ACK. The dialog is confirmed, but the session SHOULD be
    /// ended with a BYE (§13.3.1.4).
    AckTimeout,
}

/// Retransmits a 2xx to an INVITE until the ACK arrives (RFC 3261 §13.3.1.4).
///
/// The retransmitter does not send the first 2xx: the TU sends it through the INVITE server
/// transaction, then creates this at the same `now`. Its retransmissions, from
/// [`poll_transmit`](Self::poll_transmit), go to the same place; an owner that keeps the
/// server transaction in Accepted may route them through
/// [`ServerInvite::send_response`](super::ServerInvite::send_response).
#[derive(Debug, Clone)]
pub struct Uas2xxRetransmitter {
    response: Bytes,
    t2: Duration,
    interval: Duration,
    next_retransmit: Option<Instant>,
    give_up: Option<Instant>,
    pending: usize,
    event: Option<Uas2xxEvent>,
}

impl Uas2xxRetransmitter {
    /// Starts retransmitting `response` (already sent once at `now`): first at `now + T1`,
    /// giving up at `now + 64 * T1`.
    pub fn new(now: Instant, response: Bytes, config: TimerConfig) -> Self {
        Uas2xxRetransmitter {
            response,
            t2: config.t2,
            interval: config.t1,
            next_retransmit: Some(now + config.t1),
            give_up: Some(now + config.timeout()),
            pending: 0,
            event: None,
        }
    }

    /// The 2xx being retransmitted.
    pub fn response(&self) -> &Bytes {
        &self.response
    }

    /// `true` once the ACK arrived or the retransmitter gave up.
    pub fn is_done(&self) -> bool {
        self.give_up.is_none()
    }

    /// The ACK for this 2xx arrived (matched by the dialog layer, §13.3.1.4): stop.
    /// Retransmissions already queued are dropped.
    pub fn ack_received(&mut self) {
        self.stop();
    }

    /// Fires every deadline due at `now`. Idempotent; a call before the next deadline does
    /// nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        loop {
            let retransmit_due = self.next_retransmit.filter(|&at| at <= now);
            let give_up_due = self.give_up.filter(|&at| at <= now);
            match (retransmit_due, give_up_due) {
                // A retransmission due strictly before the give-up time still goes out.
                (Some(at), g) if g.is_none_or(|g| at < g) => {
                    self.pending += 1;
                    self.interval = self.interval.saturating_mul(2).min(self.t2);
                    self.next_retransmit = Some(next_deadline(at, now, self.interval));
                }
                (_, Some(_)) => {
                    self.stop();
                    self.event = Some(Uas2xxEvent::AckTimeout);
                    return;
                }
                _ => return,
            }
        }
    }

    /// The next retransmission of the 2xx, if one is due.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        if self.pending == 0 {
            return None;
        }
        self.pending -= 1;
        Some(self.response.clone())
    }

    /// The give-up event, once.
    pub fn poll_event(&mut self) -> Option<Uas2xxEvent> {
        self.event.take()
    }

    /// The next deadline at which [`handle_timeout`](Self::handle_timeout) has work, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match (self.next_retransmit, self.give_up) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn stop(&mut self) {
        self.next_retransmit = None;
        self.give_up = None;
        self.pending = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn epoch() -> Instant {
        crate::time::test_epoch()
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn retransmits_doubling_to_t2_and_gives_up_at_32s() {
        let t0 = epoch();
        let mut r =
            Uas2xxRetransmitter::new(t0, Bytes::from_static(b"200"), TimerConfig::default());
        let mut sent_at = Vec::new();
        while let Some(at) = r.poll_timeout() {
            r.handle_timeout(at);
            r.handle_timeout(at);
            while r.poll_transmit().is_some() {
                sent_at.push(at - t0);
            }
        }
        let mut expect: Vec<_> = [500, 1500, 3500].map(ms).to_vec();
        expect.extend((0..7).map(|i| ms(7500 + 4000 * i)));
        assert_eq!(sent_at, expect);
        assert_eq!(r.poll_event(), Some(Uas2xxEvent::AckTimeout));
        assert_eq!(r.poll_event(), None);
        assert!(r.is_done());
    }

    #[test]
    fn ack_stops_it() {
        let t0 = epoch();
        let mut r =
            Uas2xxRetransmitter::new(t0, Bytes::from_static(b"200"), TimerConfig::default());
        r.handle_timeout(t0 + ms(100));
        assert_eq!(r.poll_transmit(), None);
        r.handle_timeout(t0 + ms(1500));
        assert_eq!(r.poll_transmit(), Some(Bytes::from_static(b"200")));
        r.ack_received();
        assert_eq!(r.poll_timeout(), None);
        r.handle_timeout(t0 + Duration::from_secs(40));
        assert_eq!(r.poll_transmit(), None);
        assert_eq!(r.poll_event(), None);
    }
}
