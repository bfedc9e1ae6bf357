//! The INVITE client transaction (RFC 3261 §17.1.1, Figure 5, as updated by RFC 6026 §8.4 and
//! its Figure 3).
//!
//! ```text
//!             Calling ──1xx──► Proceeding
//!   300-699 │  2xx │             │ 2xx      │ 300-699
//!           ▼      └──► Accepted ◄┘         ▼
//!       Completed ◄──────────────────────────┘
//!           │ Timer D        │ Timer M
//!           ▼                ▼
//!                Terminated
//! ```
//!
//! The transaction sends the INVITE, retransmits it on Timer A while Calling on an unreliable
//! transport, gives up on Timer B, acknowledges every non-2xx final response itself (§17.1.1.3)
//! and, per RFC 6026, waits in Accepted for Timer M so that 2xx retransmissions and 2xx
//! responses from other forks reach the TU instead of being treated as stray.

use bytes::Bytes;

use super::outputs::Outputs;
use super::timers::{next_deadline, Reliability, Timer, TimerConfig, TimerTable};
use super::{classify, Class, Event};
use crate::time::{Duration, Instant};

/// States of [`ClientInvite`] (RFC 3261 Figure 5, RFC 6026 Figure 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientInviteState {
    /// The INVITE was sent; no response yet. Timer A retransmits, Timer B times out.
    Calling,
    /// A provisional response arrived; no more retransmissions (§17.1.1.2).
    Proceeding,
    /// A 300-699 final response arrived and was ACKed; Timer D absorbs its retransmissions.
    Completed,
    /// A 2xx arrived (RFC 6026 §8.4); Timer M lets further 2xx responses reach the TU.
    Accepted,
    /// Done; the owner may drop the machine.
    Terminated,
}

/// An INVITE client transaction (RFC 3261 §17.1.1; RFC 6026 §8.4).
#[derive(Debug, Clone)]
pub struct ClientInvite {
    state: ClientInviteState,
    config: TimerConfig,
    reliability: Reliability,
    request: Bytes,
    /// The ACK for the non-2xx final response, built once, resent on each retransmission of
    /// that response (§17.1.1.3).
    ack: Option<Bytes>,
    /// The current Timer A interval: T1, then doubling without a cap (§17.1.1.2).
    timer_a_interval: Duration,
    /// Timers, messages to send and TU events.
    out: Outputs,
}

impl ClientInvite {
    /// Starts the transaction: queues `request` (the INVITE) for sending and arms Timer B at
    /// `64 * T1` and, on an unreliable transport, Timer A at T1 (§17.1.1.2).
    pub fn new(
        now: Instant,
        request: Bytes,
        config: TimerConfig,
        reliability: Reliability,
    ) -> Self {
        let mut timers = TimerTable::new();
        if !reliability.is_reliable() {
            timers.set(Timer::A, now + config.t1);
        }
        timers.set(Timer::B, now + config.timeout());
        let first = request.clone();
        ClientInvite {
            state: ClientInviteState::Calling,
            config,
            reliability,
            request,
            ack: None,
            timer_a_interval: config.t1,
            out: Outputs::new(timers, first),
        }
    }

    /// The current state.
    pub fn state(&self) -> ClientInviteState {
        self.state
    }

    /// `true` once the transaction is in Terminated.
    pub fn is_terminated(&self) -> bool {
        self.state == ClientInviteState::Terminated
    }

    /// The INVITE this transaction sends.
    pub fn request(&self) -> &Bytes {
        &self.request
    }

    /// The ACK sent for the non-2xx final response, once there is one.
    pub fn ack(&self) -> Option<&Bytes> {
        self.ack.as_ref()
    }

    /// A response matched to this transaction (§17.1.3) arrived.
    ///
    /// `build_ack` is called at most once, on the first 300-699 final response, to build the
    /// ACK of §17.1.1.3 (Request-URI, Call-ID, From, CSeq number and top Via of the INVITE; To
    /// of the response; method ACK). The transaction keeps those bytes and resends them for
    /// every retransmission of that response while Completed. A status outside 100..=699 is
    /// ignored.
    pub fn handle_response<F>(&mut self, now: Instant, status: u16, message: Bytes, build_ack: F)
    where
        F: FnOnce() -> Bytes,
    {
        let Some(class) = classify(status) else {
            return;
        };
        use ClientInviteState as S;
        match (self.state, class) {
            (S::Calling | S::Proceeding, Class::Provisional) => {
                // §17.1.1.2: a provisional response stops retransmissions and Timer B (Figure
                // 5 has B fire only in Calling).
                self.out.timers.clear(Timer::A);
                self.out.timers.clear(Timer::B);
                self.state = S::Proceeding;
                self.out
                    .events
                    .push_back(Event::Response { status, message });
            }
            (S::Calling | S::Proceeding, Class::Success) => {
                // RFC 6026 §8.4: 2xx moves to Accepted and starts Timer M.
                self.out.timers.clear_all();
                self.out.timers.set(Timer::M, now + self.config.timeout());
                self.state = S::Accepted;
                self.out
                    .events
                    .push_back(Event::Response { status, message });
            }
            (S::Calling | S::Proceeding, Class::Failure) => {
                // §17.1.1.2: 300-699 → ACK, pass up, Completed with Timer D.
                self.out.timers.clear_all();
                let ack = build_ack();
                self.out.transmits.push_back(ack.clone());
                self.ack = Some(ack);
                self.out
                    .events
                    .push_back(Event::Response { status, message });
                let d = self.config.timer_d(self.reliability);
                if d.is_zero() {
                    self.terminate();
                } else {
                    self.out.timers.set(Timer::D, now + d);
                    self.state = S::Completed;
                }
            }
            (S::Completed, Class::Failure) => {
                // §17.1.1.2: a retransmitted final response re-sends the ACK and is not passed
                // up to the TU.
                if let Some(ack) = &self.ack {
                    self.out.transmits.push_back(ack.clone());
                }
            }
            (S::Accepted, Class::Success) => {
                // RFC 6026 §8.4: every 2xx in Accepted goes to the TU, which ACKs it itself.
                self.out
                    .events
                    .push_back(Event::Response { status, message });
            }
            // Everything else is discarded: 1xx or 2xx after a non-2xx final, 1xx or 300-699
            // after a 2xx (RFC 6026 §8.4), anything once Terminated.
            _ => {}
        }
    }

    /// The transport failed to send the INVITE or ACK (§17.1.4): in any state the transaction
    /// informs the TU and terminates.
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
                Timer::A => {
                    // §17.1.1.2: retransmit, and reset A to twice the previous interval.
                    self.out.transmits.push_back(self.request.clone());
                    self.timer_a_interval = self.timer_a_interval.saturating_mul(2);
                    let next = next_deadline(at, now, self.timer_a_interval);
                    self.out.timers.set(Timer::A, next);
                }
                Timer::B => {
                    self.out
                        .events
                        .push_back(Event::TimedOut { timer: Timer::B });
                    self.terminate();
                }
                // Timer D (Completed) and Timer M (Accepted) end the transaction; no other
                // timer is ever armed here.
                _ => self.terminate(),
            }
        }
    }

    /// The next message to send to the transaction's peer, if any. Drain until `None`, even
    /// after termination (a reliable transport terminates with the ACK still queued).
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
        self.state = ClientInviteState::Terminated;
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

    fn invite() -> Bytes {
        Bytes::from_static(b"INVITE")
    }

    fn ack() -> Bytes {
        Bytes::from_static(b"ACK")
    }

    fn drain_tx(t: &mut ClientInvite) -> Vec<Bytes> {
        std::iter::from_fn(|| t.poll_transmit()).collect()
    }

    fn drain_ev(t: &mut ClientInvite) -> Vec<Event> {
        std::iter::from_fn(|| t.poll_event()).collect()
    }

    #[test]
    fn timer_a_doubles_without_cap_then_b_at_32s() {
        let t0 = epoch();
        let mut t = ClientInvite::new(
            t0,
            invite(),
            TimerConfig::default(),
            Reliability::Unreliable,
        );
        assert_eq!(drain_tx(&mut t), vec![invite()]);
        let mut sent_at = Vec::new();
        while let Some(at) = t.poll_timeout() {
            t.handle_timeout(at);
            if !drain_tx(&mut t).is_empty() {
                sent_at.push(at - t0);
            }
            if t.is_terminated() {
                assert_eq!(at - t0, Duration::from_secs(32));
            }
        }
        let expect: Vec<_> = [500, 1500, 3500, 7500, 15500, 31500].map(ms).to_vec();
        assert_eq!(sent_at, expect);
        assert_eq!(
            drain_ev(&mut t),
            vec![Event::TimedOut { timer: Timer::B }, Event::Terminated]
        );
    }

    #[test]
    fn early_and_repeated_timeouts_are_no_ops() {
        let t0 = epoch();
        let mut t = ClientInvite::new(
            t0,
            invite(),
            TimerConfig::default(),
            Reliability::Unreliable,
        );
        drain_tx(&mut t);
        t.handle_timeout(t0 + ms(499));
        assert!(drain_tx(&mut t).is_empty());
        t.handle_timeout(t0 + ms(500));
        t.handle_timeout(t0 + ms(500));
        assert_eq!(drain_tx(&mut t).len(), 1);
        assert_eq!(t.poll_timeout(), Some(t0 + ms(1500)));
    }

    #[test]
    fn late_timeout_never_leaves_a_past_deadline() {
        let t0 = epoch();
        let mut t = ClientInvite::new(
            t0,
            invite(),
            TimerConfig::default(),
            Reliability::Unreliable,
        );
        let late = t0 + ms(5000);
        t.handle_timeout(late);
        assert!(t.poll_timeout().is_some_and(|d| d > late));
    }

    #[test]
    fn provisional_stops_retransmission_and_timer_b() {
        let t0 = epoch();
        let mut t = ClientInvite::new(
            t0,
            invite(),
            TimerConfig::default(),
            Reliability::Unreliable,
        );
        drain_tx(&mut t);
        t.handle_response(t0 + ms(100), 180, Bytes::from_static(b"180"), ack);
        assert_eq!(t.state(), ClientInviteState::Proceeding);
        assert_eq!(t.poll_timeout(), None);
        t.handle_timeout(t0 + Duration::from_secs(100));
        assert_eq!(t.state(), ClientInviteState::Proceeding);
        assert!(drain_tx(&mut t).is_empty());
    }

    #[test]
    fn non_2xx_final_acks_and_reacks_retransmissions_then_timer_d() {
        let t0 = epoch();
        let mut t = ClientInvite::new(
            t0,
            invite(),
            TimerConfig::default(),
            Reliability::Unreliable,
        );
        drain_tx(&mut t);
        t.handle_response(t0 + ms(100), 100, Bytes::from_static(b"100"), ack);
        let mut built = 0;
        t.handle_response(t0 + ms(200), 486, Bytes::from_static(b"486"), || {
            built += 1;
            ack()
        });
        assert_eq!(t.state(), ClientInviteState::Completed);
        assert_eq!(drain_tx(&mut t), vec![ack()]);
        t.handle_response(t0 + ms(700), 486, Bytes::from_static(b"486"), || {
            built += 1;
            ack()
        });
        assert_eq!(built, 1);
        assert_eq!(drain_tx(&mut t), vec![ack()]);
        assert_eq!(
            drain_ev(&mut t),
            vec![
                Event::Response {
                    status: 100,
                    message: Bytes::from_static(b"100")
                },
                Event::Response {
                    status: 486,
                    message: Bytes::from_static(b"486")
                },
            ]
        );
        assert_eq!(
            t.poll_timeout(),
            Some(t0 + ms(200) + Duration::from_secs(32))
        );
        t.handle_timeout(t0 + ms(200) + Duration::from_secs(32));
        assert_eq!(t.state(), ClientInviteState::Terminated);
        assert_eq!(drain_ev(&mut t), vec![Event::Terminated]);
    }

    #[test]
    fn reliable_transport_no_timer_a_and_zero_timer_d() {
        let t0 = epoch();
        let mut t = ClientInvite::new(t0, invite(), TimerConfig::default(), Reliability::Reliable);
        assert_eq!(drain_tx(&mut t), vec![invite()]);
        assert_eq!(t.poll_timeout(), Some(t0 + Duration::from_secs(32)));
        t.handle_response(t0 + ms(50), 603, Bytes::from_static(b"603"), ack);
        assert_eq!(t.state(), ClientInviteState::Terminated);
        assert_eq!(drain_tx(&mut t), vec![ack()]);
        assert_eq!(t.poll_timeout(), None);
        assert_eq!(drain_ev(&mut t).last(), Some(&Event::Terminated));
    }

    #[test]
    fn accepted_passes_2xx_retransmissions_up_until_timer_m() {
        let t0 = epoch();
        let mut t = ClientInvite::new(
            t0,
            invite(),
            TimerConfig::default(),
            Reliability::Unreliable,
        );
        drain_tx(&mut t);
        let ok = Bytes::from_static(b"200");
        t.handle_response(t0 + ms(300), 200, ok.clone(), ack);
        assert_eq!(t.state(), ClientInviteState::Accepted);
        t.handle_response(t0 + ms(800), 200, ok.clone(), ack);
        t.handle_response(t0 + ms(900), 486, Bytes::from_static(b"486"), ack);
        t.handle_response(t0 + ms(900), 180, Bytes::from_static(b"180"), ack);
        assert!(
            drain_tx(&mut t).is_empty(),
            "the TU ACKs 2xx, not the transaction"
        );
        let expected = Event::Response {
            status: 200,
            message: ok,
        };
        assert_eq!(drain_ev(&mut t), vec![expected.clone(), expected]);
        let m = t0 + ms(300) + Duration::from_secs(32);
        assert_eq!(t.poll_timeout(), Some(m));
        t.handle_timeout(m - ms(1));
        assert_eq!(t.state(), ClientInviteState::Accepted);
        t.handle_timeout(m);
        assert_eq!(t.state(), ClientInviteState::Terminated);
    }

    #[test]
    fn transport_error_in_every_state() {
        let t0 = epoch();
        let cfg = TimerConfig::default();
        let setups: [&dyn Fn(&mut ClientInvite); 4] = [
            &|_| {},
            &|t| t.handle_response(t0, 180, Bytes::new(), ack),
            &|t| t.handle_response(t0, 500, Bytes::new(), ack),
            &|t| t.handle_response(t0, 200, Bytes::new(), ack),
        ];
        for setup in setups {
            let mut t = ClientInvite::new(t0, invite(), cfg, Reliability::Unreliable);
            setup(&mut t);
            drain_ev(&mut t);
            t.transport_error();
            assert_eq!(t.state(), ClientInviteState::Terminated);
            assert_eq!(
                drain_ev(&mut t),
                vec![Event::TransportError, Event::Terminated]
            );
            assert_eq!(t.poll_timeout(), None);
            t.transport_error();
            assert!(drain_ev(&mut t).is_empty());
        }
    }

    #[test]
    fn invalid_status_is_ignored() {
        let t0 = epoch();
        let mut t = ClientInvite::new(
            t0,
            invite(),
            TimerConfig::default(),
            Reliability::Unreliable,
        );
        t.handle_response(t0, 99, Bytes::new(), ack);
        t.handle_response(t0, 700, Bytes::new(), ack);
        assert_eq!(t.state(), ClientInviteState::Calling);
        assert!(drain_ev(&mut t).is_empty());
    }
}
