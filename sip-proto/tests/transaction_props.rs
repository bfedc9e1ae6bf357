//! Property tests: arbitrary input sequences on every transaction machine, checking the
//! contract of the handle/poll trio rather than particular transitions:
//!
//! * after `handle_timeout(now)` no deadline is at or before `now` (no spinning caller);
//! * `handle_timeout` is idempotent: a second call at the same `now` changes nothing;
//! * `Terminated` is reported exactly once, last, and a terminated machine has no deadline;
//! * nothing panics.

use bytes::Bytes;
use proptest::prelude::*;
use sip_proto::time::{Duration, Instant};
use sip_proto::transaction::{
    ClientInvite, ClientNonInvite, Event, Reliability, ServerInvite, ServerNonInvite, TimerConfig,
    Uas2xxRetransmitter,
};

#[derive(Debug, Clone)]
enum Op {
    /// Advance the clock by this many milliseconds and call `handle_timeout`.
    Advance(u64),
    /// Jump to the machine's own next deadline.
    ToDeadline,
    /// A response (client) or TU response (server) with this status.
    Status(u16),
    /// A request retransmission (server) .
    Retransmission,
    /// An ACK (INVITE server) or `ack_received` (2xx retransmitter).
    Ack,
    /// The transport failed.
    TransportError,
}

// Built from plain tuples rather than `prop_oneof!`, whose expansion names `Arc` (disallowed in
// this crate by clippy.toml).
fn op() -> impl Strategy<Value = Op> {
    const STATUSES: [u16; 6] = [100, 180, 200, 486, 99, 700];
    (0u8..6, 0u64..40_000, 0usize..STATUSES.len()).prop_map(|(kind, ms, s)| match kind {
        0 => Op::Advance(ms),
        1 => Op::ToDeadline,
        2 => Op::Status(STATUSES[s]),
        3 => Op::Retransmission,
        4 => Op::Ack,
        _ => Op::TransportError,
    })
}

fn reliability() -> impl Strategy<Value = Reliability> {
    any::<bool>().prop_map(|r| {
        if r {
            Reliability::Reliable
        } else {
            Reliability::Unreliable
        }
    })
}

/// The operations every machine offers, so one driver checks them all.
trait Machine {
    fn apply(&mut self, now: Instant, op: &Op);
    fn handle_timeout(&mut self, now: Instant);
    fn poll_timeout(&self) -> Option<Instant>;
    fn drain(&mut self) -> (usize, Vec<Event>);
    fn terminated(&self) -> bool;
}

macro_rules! drain_impl {
    () => {
        fn drain(&mut self) -> (usize, Vec<Event>) {
            let tx = std::iter::from_fn(|| self.poll_transmit()).count();
            (tx, std::iter::from_fn(|| self.poll_event()).collect())
        }
        fn handle_timeout(&mut self, now: Instant) {
            Self::handle_timeout(self, now)
        }
        fn poll_timeout(&self) -> Option<Instant> {
            Self::poll_timeout(self)
        }
        fn terminated(&self) -> bool {
            self.is_terminated()
        }
    };
}

impl Machine for ClientInvite {
    fn apply(&mut self, now: Instant, op: &Op) {
        match op {
            Op::Status(s) => {
                self.handle_response(now, *s, Bytes::new(), || Bytes::from_static(b"ACK"))
            }
            Op::TransportError => self.transport_error(),
            _ => {}
        }
    }
    drain_impl!();
}

impl Machine for ClientNonInvite {
    fn apply(&mut self, now: Instant, op: &Op) {
        match op {
            Op::Status(s) => self.handle_response(now, *s, Bytes::new()),
            Op::TransportError => self.transport_error(),
            _ => {}
        }
    }
    drain_impl!();
}

impl Machine for ServerInvite {
    fn apply(&mut self, now: Instant, op: &Op) {
        match op {
            Op::Status(s) => {
                let _ = self.send_response(now, *s, Bytes::new());
            }
            Op::Retransmission => self.handle_request_retransmission(),
            Op::Ack => self.handle_ack(now, Bytes::new()),
            Op::TransportError => self.transport_error(),
            _ => {}
        }
    }
    drain_impl!();
}

impl Machine for ServerNonInvite {
    fn apply(&mut self, now: Instant, op: &Op) {
        match op {
            Op::Status(s) => {
                let _ = self.send_response(now, *s, Bytes::new());
            }
            Op::Retransmission => self.handle_request_retransmission(),
            Op::TransportError => self.transport_error(),
            _ => {}
        }
    }
    drain_impl!();
}

fn check<M: Machine>(m: &mut M, t0: Instant, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut now = t0;
    let mut terminated_events = 0;
    let mut after_terminated = false;
    for op in ops {
        match op {
            Op::Advance(ms) => now += Duration::from_millis(*ms),
            Op::ToDeadline => {
                if let Some(d) = m.poll_timeout() {
                    now = now.max(d);
                }
            }
            _ => m.apply(now, op),
        }
        m.handle_timeout(now);
        let first = m.drain();
        m.handle_timeout(now);
        let second = m.drain();
        prop_assert_eq!(second, (0, vec![]), "handle_timeout is not idempotent");
        if let Some(d) = m.poll_timeout() {
            prop_assert!(d > now, "deadline at or before now after handle_timeout");
        }
        for e in first.1 {
            prop_assert!(!after_terminated, "event after Terminated: {:?}", e);
            if e == Event::Terminated {
                terminated_events += 1;
                after_terminated = true;
            }
        }
        prop_assert_eq!(m.terminated(), terminated_events == 1);
        if m.terminated() {
            prop_assert_eq!(m.poll_timeout(), None);
        }
    }
    prop_assert!(terminated_events <= 1);
    Ok(())
}

#[allow(clippy::disallowed_methods)] // test epoch
fn epoch() -> Instant {
    Instant::now()
}

proptest! {
    #[test]
    fn client_invite_contract(rel in reliability(), ops in prop::collection::vec(op(), 0..40)) {
        let t0 = epoch();
        let mut m = ClientInvite::new(t0, Bytes::new(), TimerConfig::default(), rel);
        check(&mut m, t0, &ops)?;
    }

    #[test]
    fn client_non_invite_contract(rel in reliability(), ops in prop::collection::vec(op(), 0..40)) {
        let t0 = epoch();
        let mut m = ClientNonInvite::new(t0, Bytes::new(), TimerConfig::default(), rel);
        check(&mut m, t0, &ops)?;
    }

    #[test]
    fn server_invite_contract(rel in reliability(), ops in prop::collection::vec(op(), 0..40)) {
        let t0 = epoch();
        let mut m = ServerInvite::new(TimerConfig::default(), rel);
        m.schedule_trying(t0, Bytes::new());
        check(&mut m, t0, &ops)?;
    }

    #[test]
    fn server_non_invite_contract(rel in reliability(), ops in prop::collection::vec(op(), 0..40)) {
        let t0 = epoch();
        let mut m = ServerNonInvite::new(TimerConfig::default(), rel);
        check(&mut m, t0, &ops)?;
    }

    #[test]
    fn uas_2xx_contract(steps in prop::collection::vec((0u64..10_000, any::<bool>()), 0..40)) {
        let t0 = epoch();
        let mut r = Uas2xxRetransmitter::new(t0, Bytes::new(), TimerConfig::default());
        let mut now = t0;
        for (ms, ack) in steps {
            now += Duration::from_millis(ms);
            if ack && ms % 7 == 0 {
                r.ack_received();
            }
            r.handle_timeout(now);
            let _ = std::iter::from_fn(|| r.poll_transmit()).count();
            r.handle_timeout(now);
            prop_assert_eq!(r.poll_transmit(), None);
            if let Some(d) = r.poll_timeout() {
                prop_assert!(d > now);
            }
        }
    }
}
