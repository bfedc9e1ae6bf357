//! The non-INVITE client transaction (RFC 3261 §17.1.2, Figure 6).
//!
//! ```text
//!   Trying ──1xx──► Proceeding
//!     │ 200-699        │ 200-699
//!     └──► Completed ◄─┘
//!              │ Timer K
//!              ▼
//!          Terminated  ◄── Timer F or transport error, from Trying or Proceeding
//! ```
//!
//! On an unreliable transport Timer E retransmits the request at T1, 2·T1, 4·T1… capped at
//! T2 while Trying, and every T2 once Proceeding; Timer F gives up after `64 * T1`; Timer K
//! absorbs response retransmissions for T4 (zero on a reliable transport).

use bytes::Bytes;

use super::outputs::Outputs;
use super::timers::{next_deadline, Reliability, Timer, TimerConfig, TimerTable};
use super::{classify, Class, Event};
use crate::time::{Duration, Instant};

/// States of [`ClientNonInvite`] (RFC 3261 Figure 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientNonInviteState {
    /// The request was sent; no response yet.
    Trying,
    /// A provisional response arrived; retransmissions continue every T2.
    Proceeding,
    /// A final response arrived; Timer K absorbs its retransmissions.
    Completed,
    /// Done; the owner may drop the machine.
    Terminated,
}

/// A non-INVITE client transaction (RFC 3261 §17.1.2).
#[derive(Debug, Clone)]
pub struct ClientNonInvite {
    state: ClientNonInviteState,
    config: TimerConfig,
    reliability: Reliability,
    request: Bytes,
    /// The current Timer E interval: `min(2^n * T1, T2)` while Trying (§17.1.2.2).
    timer_e_interval: Duration,
    /// Timers, messages to send and TU events.
    out: Outputs,
}

impl ClientNonInvite {
    /// Starts the transaction: queues `request` for sending and arms Timer F at `64 * T1`
    /// and, on an unreliable transport, Timer E at T1 (§17.1.2.2).
    pub fn new(
        now: Instant,
        request: Bytes,
        config: TimerConfig,
        reliability: Reliability,
    ) -> Self {
        let mut timers = TimerTable::new();
        if !reliability.is_reliable() {
            timers.set(Timer::E, now + config.t1);
        }
        timers.set(Timer::F, now + config.timeout());
        let first = request.clone();
        ClientNonInvite {
            state: ClientNonInviteState::Trying,
            config,
            reliability,
            request,
            timer_e_interval: config.t1,
            out: Outputs::new(timers, first),
        }
    }

    /// The current state.
    pub fn state(&self) -> ClientNonInviteState {
        self.state
    }

    /// `true` once the transaction is in Terminated.
    pub fn is_terminated(&self) -> bool {
        self.state == ClientNonInviteState::Terminated
    }

    /// The request this transaction sends.
    pub fn request(&self) -> &Bytes {
        &self.request
    }

    /// A response matched to this transaction (§17.1.3) arrived. A status outside 100..=699
    /// is ignored.
    pub fn handle_response(&mut self, now: Instant, status: u16, message: Bytes) {
        let Some(class) = classify(status) else {
            return;
        };
        use ClientNonInviteState as S;
        match (self.state, class) {
            (S::Trying | S::Proceeding, Class::Provisional) => {
                // §17.1.2.2: Trying → Proceeding; Timer E keeps running and is reset to T2 the
                // next time it fires.
                self.state = S::Proceeding;
                self.out
                    .events
                    .push_back(Event::Response { status, message });
            }
            (S::Trying | S::Proceeding, Class::Success | Class::Failure) => {
                self.out
                    .events
                    .push_back(Event::Response { status, message });
                self.out.timers.clear_all();
                let k = self.config.timer_t4_or_zero(self.reliability);
                if k.is_zero() {
                    self.terminate();
                } else {
                    self.out.timers.set(Timer::K, now + k);
                    self.state = S::Completed;
                }
            }
            // Completed absorbs retransmitted responses; Terminated ignores everything.
            _ => {}
        }
    }

    /// The transport failed to send the request (§17.1.4): the transaction informs the TU and
    /// terminates.
    pub fn transport_error(&mut self) {
        if self.is_terminated() {
            return;
        }
        self.out.events.push_back(Event::TransportError);
        self.terminate();
    }

    /// Fires every timer due at `now`. Idempotent; a call before the next deadline does nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some((timer, at)) = self.out.timers.next_expired(now) {
            match timer {
                Timer::E => {
                    // §17.1.2.2: retransmit; in Trying reset E to min(2 * interval, T2), in
                    // Proceeding to T2.
                    self.out.transmits.push_back(self.request.clone());
                    self.timer_e_interval = match self.state {
                        ClientNonInviteState::Trying => {
                            self.timer_e_interval.saturating_mul(2).min(self.config.t2)
                        }
                        _ => self.config.t2,
                    };
                    let next = next_deadline(at, now, self.timer_e_interval);
                    self.out.timers.set(Timer::E, next);
                }
                Timer::F => {
                    self.out
                        .events
                        .push_back(Event::TimedOut { timer: Timer::F });
                    self.terminate();
                }
                // Timer K (Completed) ends the transaction; no other timer is armed here.
                _ => self.terminate(),
            }
        }
    }

    /// The next message to send to the transaction's peer, if any. Drain until `None`.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.out.poll_transmit()
    }

    /// The next event for the TU, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.out.poll_event()
    }

    /// The next deadline at which [`handle_timeout`](Self::handle_timeout) has work, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.out.poll_timeout()
    }

    fn terminate(&mut self) {
        self.state = ClientNonInviteState::Terminated;
        self.out.terminate();
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

    fn req() -> Bytes {
        Bytes::from_static(b"OPTIONS")
    }

    fn drain_ev(t: &mut ClientNonInvite) -> Vec<Event> {
        std::iter::from_fn(|| t.poll_event()).collect()
    }

    /// Runs to completion on virtual time, returning the offsets of every retransmission.
    fn run(t: &mut ClientNonInvite, t0: Instant) -> Vec<Duration> {
        while t.poll_transmit().is_some() {}
        let mut sent_at = Vec::new();
        while let Some(at) = t.poll_timeout() {
            t.handle_timeout(at);
            while t.poll_transmit().is_some() {
                sent_at.push(at - t0);
            }
        }
        sent_at
    }

    #[test]
    fn timer_e_caps_at_t2_and_f_fires_at_32s() {
        let t0 = epoch();
        let mut t =
            ClientNonInvite::new(t0, req(), TimerConfig::default(), Reliability::Unreliable);
        let sent = run(&mut t, t0);
        let mut expect: Vec<_> = [500, 1500, 3500].map(ms).to_vec();
        let mut at = 7500;
        while at < 32_000 {
            expect.push(ms(at));
            at += 4000;
        }
        assert_eq!(sent, expect);
        assert_eq!(
            drain_ev(&mut t),
            vec![Event::TimedOut { timer: Timer::F }, Event::Terminated]
        );
    }

    #[test]
    fn proceeding_retransmits_every_t2() {
        let t0 = epoch();
        let mut t =
            ClientNonInvite::new(t0, req(), TimerConfig::default(), Reliability::Unreliable);
        while t.poll_transmit().is_some() {}
        t.handle_timeout(t0 + ms(500)); // E fired: next at 1.5 s
        t.handle_response(t0 + ms(600), 100, Bytes::from_static(b"100"));
        assert_eq!(t.state(), ClientNonInviteState::Proceeding);
        let sent = run(&mut t, t0);
        // (0.5 went out before the 100 and is drained by `run`) 1.5, then every T2.
        let mut expect = vec![];
        let mut at = 1500;
        while at < 32_000 {
            expect.push(ms(at));
            at += 4000;
        }
        assert_eq!(sent, expect);
    }

    #[test]
    fn final_response_starts_timer_k() {
        let t0 = epoch();
        let mut t =
            ClientNonInvite::new(t0, req(), TimerConfig::default(), Reliability::Unreliable);
        t.handle_response(t0 + ms(100), 200, Bytes::from_static(b"200"));
        assert_eq!(t.state(), ClientNonInviteState::Completed);
        t.handle_response(t0 + ms(200), 200, Bytes::from_static(b"200"));
        assert_eq!(drain_ev(&mut t).len(), 1, "retransmission absorbed");
        assert_eq!(t.poll_timeout(), Some(t0 + ms(5100)));
        t.handle_timeout(t0 + ms(5099));
        assert_eq!(t.state(), ClientNonInviteState::Completed);
        t.handle_timeout(t0 + ms(5100));
        assert_eq!(t.state(), ClientNonInviteState::Terminated);
        assert_eq!(drain_ev(&mut t), vec![Event::Terminated]);
        t.handle_timeout(t0 + ms(9000));
        assert!(drain_ev(&mut t).is_empty());
    }

    #[test]
    fn reliable_no_timer_e_and_zero_timer_k() {
        let t0 = epoch();
        let mut t = ClientNonInvite::new(t0, req(), TimerConfig::default(), Reliability::Reliable);
        assert_eq!(t.poll_timeout(), Some(t0 + Duration::from_secs(32)));
        assert_eq!(run(&mut t, t0), vec![]);
        let mut t = ClientNonInvite::new(t0, req(), TimerConfig::default(), Reliability::Reliable);
        t.handle_response(t0 + ms(10), 404, Bytes::from_static(b"404"));
        assert_eq!(t.state(), ClientNonInviteState::Terminated);
        assert_eq!(t.poll_timeout(), None);
    }

    #[test]
    fn transport_error_in_every_state() {
        let t0 = epoch();
        for status in [None, Some(180), Some(200)] {
            let mut t =
                ClientNonInvite::new(t0, req(), TimerConfig::default(), Reliability::Unreliable);
            if let Some(s) = status {
                t.handle_response(t0, s, Bytes::new());
            }
            drain_ev(&mut t);
            t.transport_error();
            assert_eq!(t.state(), ClientNonInviteState::Terminated);
            assert_eq!(
                drain_ev(&mut t),
                vec![Event::TransportError, Event::Terminated]
            );
        }
    }
}
