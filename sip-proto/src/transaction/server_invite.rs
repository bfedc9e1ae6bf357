//! The INVITE server transaction (RFC 3261 §17.2.1, Figure 7, as updated by RFC 6026 §8.5-8.7
//! and its Figure 5).
//!
//! ```text
//!                 Proceeding ──2xx from TU──► Accepted ──Timer L──┐
//!  300-699 from TU │                                              │
//!                  ▼                                              ▼
//!              Completed ──ACK──► Confirmed ──Timer I──────► Terminated
//!                  └────────────Timer H (no ACK)────────────────┘
//! ```
//!
//! A transport error ends the transaction from Proceeding, Completed or Confirmed; in
//! Accepted it is only reported to the TU (RFC 6026 Figure 5).
//!
//! The transaction sends the TU's responses, resends the last provisional response on every
//! retransmitted INVITE while Proceeding, retransmits a 300-699 final response on Timer G until
//! the ACK arrives, and gives up on Timer H. A 2xx moves it to Accepted (RFC 6026): it absorbs
//! INVITE retransmissions there and passes ACKs up, but never retransmits the 2xx itself; that
//! is the TU's job (§13.3.1.4, see [`Uas2xxRetransmitter`](super::Uas2xxRetransmitter)), and
//! the TU's retransmissions go out through [`ServerInvite::send_response`].
//!
//! `100 Trying`: §17.2.1 has the transaction send 100 Trying itself unless the TU answers
//! within 200 ms. Messages are opaque here, so the TU hands the 100's bytes over: either now,
//! through `send_response(now, 100, …)`, or for later with [`ServerInvite::schedule_trying`],
//! which sends them when Timer `Trying` fires unless a provisional or final response went out
//! first.

use bytes::Bytes;

use super::outputs::Outputs;
use super::timers::{next_deadline, Reliability, Timer, TimerConfig, TRYING_DELAY};
use super::{classify, Class, Event, TransactionError};
use crate::time::{Duration, Instant};

/// States of [`ServerInvite`] (RFC 3261 Figure 7, RFC 6026 Figure 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServerInviteState {
    /// The INVITE was passed to the TU; provisional responses may be sent.
    Proceeding,
    /// A 300-699 final response was sent; Timer G retransmits it until the ACK, Timer H gives
    /// up.
    Completed,
    /// The ACK for the non-2xx final response arrived; Timer I absorbs ACK retransmissions.
    Confirmed,
    /// A 2xx was sent (RFC 6026 §8.6); Timer L absorbs INVITE retransmissions.
    Accepted,
    /// Done; the owner may drop the machine.
    Terminated,
}

/// An INVITE server transaction (RFC 3261 §17.2.1; RFC 6026 §8.5-8.7).
#[derive(Debug, Clone)]
pub struct ServerInvite {
    state: ServerInviteState,
    config: TimerConfig,
    reliability: Reliability,
    /// The most recent provisional response, resent on INVITE retransmissions (§17.2.1).
    last_provisional: Option<Bytes>,
    /// The 300-699 final response, retransmitted on Timer G and on INVITE retransmissions.
    final_response: Option<Bytes>,
    /// The `100 Trying` to send when Timer `Trying` fires.
    trying: Option<Bytes>,
    /// The current Timer G interval: `min(2^n * T1, T2)` (§17.2.1).
    timer_g_interval: Duration,
    /// Timers, messages to send and TU events.
    out: Outputs,
}

impl ServerInvite {
    /// Creates the transaction for an INVITE that has just been passed to the TU; it starts in
    /// Proceeding (§17.2.1). No timer runs until the TU acts or calls
    /// [`schedule_trying`](Self::schedule_trying).
    pub fn new(config: TimerConfig, reliability: Reliability) -> Self {
        ServerInvite {
            state: ServerInviteState::Proceeding,
            config,
            reliability,
            last_provisional: None,
            final_response: None,
            trying: None,
            timer_g_interval: config.t1,
            out: Outputs::default(),
        }
    }

    /// The current state.
    pub fn state(&self) -> ServerInviteState {
        self.state
    }

    /// `true` once the transaction is in Terminated.
    pub fn is_terminated(&self) -> bool {
        self.state == ServerInviteState::Terminated
    }

    /// Arranges for `trying` (a `100 Trying` built from the INVITE, §8.2.6) to be sent
    /// [`TRYING_DELAY`] (200 ms) from `now` unless the TU sends a response first (§17.2.1).
    /// Ignored outside Proceeding or once a provisional response has been sent.
    pub fn schedule_trying(&mut self, now: Instant, trying: Bytes) {
        if self.state == ServerInviteState::Proceeding && self.last_provisional.is_none() {
            self.trying = Some(trying);
            self.out.timers.set(Timer::Trying, now + TRYING_DELAY);
        }
    }

    /// Sends a response from the TU.
    ///
    /// * Proceeding: 1xx is sent and remembered for INVITE retransmissions; 2xx is sent and
    ///   moves to Accepted with Timer L (RFC 6026 §8.5); 300-699 is sent and moves to Completed
    ///   with Timers G (unreliable only) and H (§17.2.1).
    /// * Accepted: a 2xx (the TU's retransmission, or a 2xx with another To tag) is sent
    ///   (RFC 6026 §8.7).
    ///
    /// Anything else is caller misuse and returns an error without changing state.
    pub fn send_response(
        &mut self,
        now: Instant,
        status: u16,
        message: Bytes,
    ) -> Result<(), TransactionError> {
        let class = classify(status).ok_or(TransactionError::InvalidStatus(status))?;
        use ServerInviteState as S;
        match (self.state, class) {
            (S::Proceeding, Class::Provisional) => {
                self.out.timers.clear(Timer::Trying);
                self.trying = None;
                self.out.transmits.push_back(message.clone());
                self.last_provisional = Some(message);
            }
            (S::Proceeding, Class::Success) => {
                self.out.timers.clear_all();
                self.trying = None;
                self.out.transmits.push_back(message);
                self.out.timers.set(Timer::L, now + self.config.timeout());
                self.state = S::Accepted;
            }
            (S::Proceeding, Class::Failure) => {
                self.out.timers.clear_all();
                self.trying = None;
                self.out.transmits.push_back(message.clone());
                self.final_response = Some(message);
                if !self.reliability.is_reliable() {
                    self.out.timers.set(Timer::G, now + self.config.t1);
                }
                self.out.timers.set(Timer::H, now + self.config.timeout());
                self.state = S::Completed;
            }
            (S::Accepted, Class::Success) => self.out.transmits.push_back(message),
            _ => return Err(TransactionError::ResponseNotAllowed { status }),
        }
        Ok(())
    }

    /// A retransmission of the INVITE arrived (matched per §17.2.3).
    ///
    /// Proceeding resends the last provisional response, Completed resends the final response
    /// (§17.2.1); Confirmed and Accepted absorb it (RFC 6026 §8.7: it must not reach the TU).
    pub fn handle_request_retransmission(&mut self) {
        let resend = match self.state {
            ServerInviteState::Proceeding => self.last_provisional.clone(),
            ServerInviteState::Completed => self.final_response.clone(),
            _ => None,
        };
        if let Some(bytes) = resend {
            self.out.transmits.push_back(bytes);
        }
    }

    /// An ACK matched to this transaction arrived.
    ///
    /// Completed moves to Confirmed with Timer I (T4, or straight to Terminated on a reliable
    /// transport) (§17.2.1); Accepted passes the ACK up to the TU (RFC 6026 Figure 5); other
    /// states absorb it.
    pub fn handle_ack(&mut self, now: Instant, message: Bytes) {
        match self.state {
            ServerInviteState::Completed => {
                self.out.timers.clear_all();
                let i = self.config.timer_t4_or_zero(self.reliability);
                if i.is_zero() {
                    self.terminate();
                } else {
                    self.out.timers.set(Timer::I, now + i);
                    self.state = ServerInviteState::Confirmed;
                }
            }
            ServerInviteState::Accepted => self.out.events.push_back(Event::Ack { message }),
            _ => {}
        }
    }

    /// The transport failed to send a response (§17.2.4): the transaction informs the TU and
    /// terminates, except in Accepted, where RFC 6026 Figure 5 only informs the TU and stays
    /// until Timer L, so that INVITE retransmissions are still absorbed rather than taken for
    /// a new request (the failed 2xx is the TU's to retransmit or give up on, §13.3.1.4).
    pub fn transport_error(&mut self) {
        match self.state {
            ServerInviteState::Terminated => {}
            ServerInviteState::Accepted => self.out.events.push_back(Event::TransportError),
            _ => {
                self.out.events.push_back(Event::TransportError);
                self.terminate();
            }
        }
    }

    /// Fires every timer due at `now`. Idempotent; a call before the next deadline does nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some((timer, at)) = self.out.timers.next_expired(now) {
            match timer {
                Timer::Trying => {
                    self.out.timers.clear(Timer::Trying);
                    if let Some(trying) = self.trying.take() {
                        self.out.transmits.push_back(trying.clone());
                        self.last_provisional = Some(trying);
                    }
                }
                Timer::G => {
                    // §17.2.1: retransmit and reset G to min(2 * interval, T2).
                    if let Some(response) = &self.final_response {
                        self.out.transmits.push_back(response.clone());
                    }
                    self.timer_g_interval =
                        self.timer_g_interval.saturating_mul(2).min(self.config.t2);
                    let next = next_deadline(at, now, self.timer_g_interval);
                    self.out.timers.set(Timer::G, next);
                }
                Timer::H => {
                    // §17.2.1: the ACK never came; a transaction failure for the TU.
                    self.out
                        .events
                        .push_back(Event::TimedOut { timer: Timer::H });
                    self.terminate();
                }
                // Timer I (Confirmed) and Timer L (Accepted) end the transaction; no other
                // timer is armed here.
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
        self.trying = None;
        self.state = ServerInviteState::Terminated;
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

    fn b(s: &'static str) -> Bytes {
        Bytes::from_static(s.as_bytes())
    }

    fn drain_tx(t: &mut ServerInvite) -> Vec<Bytes> {
        std::iter::from_fn(|| t.poll_transmit()).collect()
    }

    fn drain_ev(t: &mut ServerInvite) -> Vec<Event> {
        std::iter::from_fn(|| t.poll_event()).collect()
    }

    fn unreliable() -> ServerInvite {
        ServerInvite::new(TimerConfig::default(), Reliability::Unreliable)
    }

    #[test]
    fn proceeding_resends_last_provisional() {
        let t0 = epoch();
        let mut t = unreliable();
        t.handle_request_retransmission();
        assert!(drain_tx(&mut t).is_empty(), "nothing to resend yet");
        t.send_response(t0, 100, b("100")).unwrap();
        t.send_response(t0, 180, b("180")).unwrap();
        assert_eq!(drain_tx(&mut t), vec![b("100"), b("180")]);
        t.handle_request_retransmission();
        assert_eq!(drain_tx(&mut t), vec![b("180")]);
        assert_eq!(t.poll_timeout(), None);
    }

    #[test]
    fn timer_g_retransmits_until_ack_then_timer_i() {
        let t0 = epoch();
        let mut t = unreliable();
        t.send_response(t0, 486, b("486")).unwrap();
        assert_eq!(drain_tx(&mut t), vec![b("486")]);
        let mut sent_at = Vec::new();
        for _ in 0..5 {
            let at = t.poll_timeout().unwrap();
            t.handle_timeout(at);
            for _ in drain_tx(&mut t) {
                sent_at.push(at - t0);
            }
        }
        assert_eq!(sent_at, [500, 1500, 3500, 7500, 11500].map(ms).to_vec());
        t.handle_request_retransmission();
        assert_eq!(drain_tx(&mut t), vec![b("486")]);
        t.handle_ack(t0 + ms(12_000), b("ACK"));
        assert_eq!(t.state(), ServerInviteState::Confirmed);
        assert_eq!(t.poll_timeout(), Some(t0 + ms(17_000)));
        t.handle_ack(t0 + ms(13_000), b("ACK"));
        t.handle_request_retransmission();
        assert!(drain_tx(&mut t).is_empty());
        t.handle_timeout(t0 + ms(17_000));
        assert_eq!(t.state(), ServerInviteState::Terminated);
        assert_eq!(drain_ev(&mut t), vec![Event::Terminated]);
    }

    #[test]
    fn timer_h_fires_at_32s_without_ack() {
        let t0 = epoch();
        let mut t = unreliable();
        t.send_response(t0, 486, b("486")).unwrap();
        drain_tx(&mut t);
        let mut sent_at = Vec::new();
        while let Some(at) = t.poll_timeout() {
            t.handle_timeout(at);
            for _ in drain_tx(&mut t) {
                sent_at.push(at - t0);
            }
        }
        let mut expect: Vec<_> = [500, 1500, 3500].map(ms).to_vec();
        expect.extend((0..7).map(|i| ms(7500 + 4000 * i)));
        assert_eq!(sent_at, expect);
        assert_eq!(
            drain_ev(&mut t),
            vec![Event::TimedOut { timer: Timer::H }, Event::Terminated]
        );
    }

    #[test]
    fn reliable_no_timer_g_and_zero_timer_i() {
        let t0 = epoch();
        let mut t = ServerInvite::new(TimerConfig::default(), Reliability::Reliable);
        t.send_response(t0, 404, b("404")).unwrap();
        assert_eq!(t.poll_timeout(), Some(t0 + Duration::from_secs(32)));
        t.handle_ack(t0 + ms(100), b("ACK"));
        assert_eq!(t.state(), ServerInviteState::Terminated);
        assert_eq!(t.poll_timeout(), None);
    }

    #[test]
    fn accepted_absorbs_invite_passes_ack_and_sends_tu_retransmissions() {
        let t0 = epoch();
        let mut t = unreliable();
        t.send_response(t0, 200, b("200")).unwrap();
        assert_eq!(t.state(), ServerInviteState::Accepted);
        assert_eq!(drain_tx(&mut t), vec![b("200")]);
        t.handle_request_retransmission();
        assert!(drain_tx(&mut t).is_empty());
        assert!(drain_ev(&mut t).is_empty());
        assert_eq!(t.poll_timeout(), Some(t0 + Duration::from_secs(32)));
        t.handle_timeout(t0 + ms(500));
        assert!(
            drain_tx(&mut t).is_empty(),
            "no 2xx retransmission of its own"
        );
        t.send_response(t0 + ms(500), 200, b("200")).unwrap();
        assert_eq!(drain_tx(&mut t), vec![b("200")]);
        assert_eq!(
            t.send_response(t0, 486, b("486")),
            Err(TransactionError::ResponseNotAllowed { status: 486 })
        );
        t.handle_ack(t0 + ms(600), b("ACK"));
        assert_eq!(drain_ev(&mut t), vec![Event::Ack { message: b("ACK") }]);
        t.handle_timeout(t0 + Duration::from_secs(32));
        assert_eq!(t.state(), ServerInviteState::Terminated);
    }

    #[test]
    fn scheduled_trying_fires_at_200ms_unless_tu_answers() {
        let t0 = epoch();
        let mut t = unreliable();
        t.schedule_trying(t0, b("100"));
        assert_eq!(t.poll_timeout(), Some(t0 + ms(200)));
        t.handle_timeout(t0 + ms(199));
        assert!(drain_tx(&mut t).is_empty());
        t.handle_timeout(t0 + ms(200));
        assert_eq!(drain_tx(&mut t), vec![b("100")]);
        assert_eq!(t.poll_timeout(), None);
        t.handle_request_retransmission();
        assert_eq!(drain_tx(&mut t), vec![b("100")]);

        let mut t = unreliable();
        t.schedule_trying(t0, b("100"));
        t.send_response(t0 + ms(50), 180, b("180")).unwrap();
        t.handle_timeout(t0 + ms(300));
        assert_eq!(drain_tx(&mut t), vec![b("180")]);
    }

    #[test]
    fn misuse_is_a_typed_error() {
        let t0 = epoch();
        let mut t = unreliable();
        assert_eq!(
            t.send_response(t0, 99, b("x")),
            Err(TransactionError::InvalidStatus(99))
        );
        t.send_response(t0, 500, b("500")).unwrap();
        assert_eq!(
            t.send_response(t0, 180, b("180")),
            Err(TransactionError::ResponseNotAllowed { status: 180 })
        );
        assert_eq!(t.state(), ServerInviteState::Completed);
    }

    #[test]
    fn transport_error_in_every_state() {
        let t0 = epoch();
        let setups: [&dyn Fn(&mut ServerInvite); 3] = [
            &|_| {},
            &|t| t.send_response(t0, 486, b("486")).unwrap(),
            &|t| {
                t.send_response(t0, 486, b("486")).unwrap();
                t.handle_ack(t0, b("ACK"));
            },
        ];
        for setup in setups {
            let mut t = unreliable();
            setup(&mut t);
            drain_ev(&mut t);
            t.transport_error();
            assert_eq!(t.state(), ServerInviteState::Terminated);
            assert_eq!(
                drain_ev(&mut t),
                vec![Event::TransportError, Event::Terminated]
            );
            assert_eq!(t.poll_timeout(), None);
        }
    }

    #[test]
    fn transport_error_in_accepted_informs_tu_and_stays() {
        let t0 = epoch();
        let mut t = unreliable();
        t.send_response(t0, 200, b("200")).unwrap();
        t.transport_error();
        assert_eq!(t.state(), ServerInviteState::Accepted);
        assert_eq!(drain_ev(&mut t), vec![Event::TransportError]);
        t.handle_request_retransmission();
        assert_eq!(drain_tx(&mut t), vec![b("200")], "only the original 2xx");
        t.handle_timeout(t0 + Duration::from_secs(32));
        assert_eq!(drain_ev(&mut t), vec![Event::Terminated]);
    }
}
