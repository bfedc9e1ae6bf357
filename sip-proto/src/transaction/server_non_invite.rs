//! The non-INVITE server transaction (RFC 3261 §17.2.2, Figure 8).
//!
//! ```text
//!   Trying ──1xx from TU──► Proceeding
//!     │ 200-699 from TU         │ 200-699 from TU
//!     └────► Completed ◄────────┘
//!                │ Timer J
//!                ▼
//!            Terminated  ◄── transport error, from any state
//! ```
//!
//! Request retransmissions are absorbed while Trying, answered with the last provisional
//! response while Proceeding and with the final response while Completed. Timer J (`64 * T1`,
//! zero on a reliable transport) keeps the transaction around to absorb them.

use bytes::Bytes;

use super::outputs::Outputs;
use super::timers::{Reliability, Timer, TimerConfig};
use super::{classify, Class, Event, TransactionError};
use crate::time::Instant;

/// States of [`ServerNonInvite`] (RFC 3261 Figure 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServerNonInviteState {
    /// The request was passed to the TU; nothing sent yet.
    Trying,
    /// A provisional response was sent.
    Proceeding,
    /// A final response was sent; Timer J absorbs request retransmissions.
    Completed,
    /// Done; the owner may drop the machine.
    Terminated,
}

/// A non-INVITE server transaction (RFC 3261 §17.2.2).
#[derive(Debug, Clone)]
pub struct ServerNonInvite {
    state: ServerNonInviteState,
    config: TimerConfig,
    reliability: Reliability,
    /// The last response sent: the provisional one in Proceeding, the final one in Completed.
    last_response: Option<Bytes>,
    /// Timers, messages to send and TU events.
    out: Outputs,
}

impl ServerNonInvite {
    /// Creates the transaction for a request that has just been passed to the TU; it starts in
    /// Trying (§17.2.2).
    pub fn new(config: TimerConfig, reliability: Reliability) -> Self {
        ServerNonInvite {
            state: ServerNonInviteState::Trying,
            config,
            reliability,
            last_response: None,
            out: Outputs::default(),
        }
    }

    /// The current state.
    pub fn state(&self) -> ServerNonInviteState {
        self.state
    }

    /// `true` once the transaction is in Terminated.
    pub fn is_terminated(&self) -> bool {
        self.state == ServerNonInviteState::Terminated
    }

    /// Sends a response from the TU: in Trying or Proceeding a 1xx moves to (or stays in)
    /// Proceeding, a 200-699 moves to Completed and starts Timer J (§17.2.2). Once Completed
    /// the TU may send nothing more: that is caller misuse and returns an error.
    pub fn send_response(
        &mut self,
        now: Instant,
        status: u16,
        message: Bytes,
    ) -> Result<(), TransactionError> {
        let class = classify(status).ok_or(TransactionError::InvalidStatus(status))?;
        use ServerNonInviteState as S;
        match (self.state, class) {
            (S::Trying | S::Proceeding, Class::Provisional) => {
                self.out.transmits.push_back(message.clone());
                self.last_response = Some(message);
                self.state = S::Proceeding;
            }
            (S::Trying | S::Proceeding, Class::Success | Class::Failure) => {
                self.out.transmits.push_back(message.clone());
                self.last_response = Some(message);
                let j = self.config.timer_j(self.reliability);
                if j.is_zero() {
                    self.terminate();
                } else {
                    self.out.timers.set(Timer::J, now + j);
                    self.state = S::Completed;
                }
            }
            _ => return Err(TransactionError::ResponseNotAllowed { status }),
        }
        Ok(())
    }

    /// A retransmission of the request arrived (matched per §17.2.3): Trying absorbs it,
    /// Proceeding and Completed resend the last response (§17.2.2).
    pub fn handle_request_retransmission(&mut self) {
        match self.state {
            ServerNonInviteState::Proceeding | ServerNonInviteState::Completed => {
                if let Some(r) = &self.last_response {
                    self.out.transmits.push_back(r.clone());
                }
            }
            _ => {}
        }
    }

    /// The transport failed to send a response (§17.2.4): the transaction informs the TU and
    /// terminates.
    pub fn transport_error(&mut self) {
        if self.is_terminated() {
            return;
        }
        self.out.events.push_back(Event::TransportError);
        self.terminate();
    }

    /// Fires every timer due at `now` (only Timer J exists here). Idempotent; a call before the
    /// deadline does nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.out.timers.next_expired(now).is_some() {
            self.terminate();
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
        self.state = ServerNonInviteState::Terminated;
        self.out.terminate();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Duration;

    fn epoch() -> Instant {
        crate::time::test_epoch()
    }

    fn b(s: &'static str) -> Bytes {
        Bytes::from_static(s.as_bytes())
    }

    fn drain_tx(t: &mut ServerNonInvite) -> Vec<Bytes> {
        std::iter::from_fn(|| t.poll_transmit()).collect()
    }

    fn drain_ev(t: &mut ServerNonInvite) -> Vec<Event> {
        std::iter::from_fn(|| t.poll_event()).collect()
    }

    #[test]
    fn trying_absorbs_proceeding_and_completed_resend() {
        let t0 = epoch();
        let mut t = ServerNonInvite::new(TimerConfig::default(), Reliability::Unreliable);
        t.handle_request_retransmission();
        assert!(drain_tx(&mut t).is_empty());
        t.send_response(t0, 100, b("100")).unwrap();
        t.handle_request_retransmission();
        assert_eq!(drain_tx(&mut t), vec![b("100"), b("100")]);
        t.send_response(t0, 200, b("200")).unwrap();
        assert_eq!(t.state(), ServerNonInviteState::Completed);
        t.handle_request_retransmission();
        assert_eq!(drain_tx(&mut t), vec![b("200"), b("200")]);
        assert_eq!(
            t.send_response(t0, 200, b("200")),
            Err(TransactionError::ResponseNotAllowed { status: 200 })
        );
    }

    #[test]
    fn timer_j_is_64_t1_unreliable() {
        let t0 = epoch();
        let mut t = ServerNonInvite::new(TimerConfig::default(), Reliability::Unreliable);
        t.send_response(t0, 404, b("404")).unwrap();
        let j = t0 + Duration::from_secs(32);
        assert_eq!(t.poll_timeout(), Some(j));
        t.handle_timeout(j - Duration::from_millis(1));
        assert_eq!(t.state(), ServerNonInviteState::Completed);
        t.handle_timeout(j);
        t.handle_timeout(j);
        assert_eq!(t.state(), ServerNonInviteState::Terminated);
        assert_eq!(drain_ev(&mut t), vec![Event::Terminated]);
        assert_eq!(t.poll_timeout(), None);
    }

    #[test]
    fn timer_j_is_zero_reliable() {
        let t0 = epoch();
        let mut t = ServerNonInvite::new(TimerConfig::default(), Reliability::Reliable);
        t.send_response(t0, 200, b("200")).unwrap();
        assert_eq!(t.state(), ServerNonInviteState::Terminated);
        assert_eq!(drain_tx(&mut t), vec![b("200")]);
        assert_eq!(t.poll_timeout(), None);
    }

    #[test]
    fn transport_error_in_every_state() {
        let t0 = epoch();
        for status in [None, Some(100), Some(200)] {
            let mut t = ServerNonInvite::new(TimerConfig::default(), Reliability::Unreliable);
            if let Some(s) = status {
                t.send_response(t0, s, Bytes::new()).unwrap();
            }
            t.transport_error();
            assert_eq!(t.state(), ServerNonInviteState::Terminated);
            assert_eq!(
                drain_ev(&mut t),
                vec![Event::TransportError, Event::Terminated]
            );
        }
    }
}
