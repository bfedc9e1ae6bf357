//! Every transition and timer of the four RFC 3261 §17 machines (with RFC 6026), on virtual
//! time, over unreliable and reliable transports and with non-default T1/T2/T4.
//!
//! The unit tests next to each machine cover the common paths; this file fills in the rest so
//! that each arrow of Figures 5-8 (RFC 3261) and Figures 3 and 5 (RFC 6026) is exercised with
//! its exact instants: transitions straight out of the first state, the timers that keep
//! running on reliable transports (B, F, H, L, M are `64*T1` whatever the transport), and the
//! derived durations when T1, T2 and T4 are not the defaults.

use bytes::Bytes;
use sip_proto::time::{Duration, Instant};
use sip_proto::transaction::{
    ClientInvite, ClientInviteState as CI, ClientNonInvite, ClientNonInviteState as CN, Event,
    LayerConfig, LayerEvent, Reliability, ServerInvite, ServerInviteState as SI, ServerNonInvite,
    ServerNonInviteState as SN, Timer, TimerConfig, TransactionKey, TransactionLayer,
};

use Reliability::{Reliable, Unreliable};

#[allow(clippy::disallowed_methods)] // test epoch
fn epoch() -> Instant {
    Instant::now()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn b(s: &'static str) -> Bytes {
    Bytes::from_static(s.as_bytes())
}

fn ack() -> Bytes {
    b("ACK")
}

fn defaults() -> TimerConfig {
    TimerConfig::default()
}

/// T1 = 100 ms, T2 = 1 s, T4 = 2 s: every derived timer moves with them.
fn fast() -> TimerConfig {
    TimerConfig {
        t1: ms(100),
        t2: ms(1000),
        t4: ms(2000),
    }
}

/// The common surface of the four machines, so one driver can run them on virtual time.
trait Machine {
    fn timeout(&mut self, now: Instant);
    fn next(&self) -> Option<Instant>;
    fn transmit(&mut self) -> Option<Bytes>;
    fn event(&mut self) -> Option<Event>;
}

macro_rules! machine {
    ($t:ty) => {
        impl Machine for $t {
            fn timeout(&mut self, now: Instant) {
                self.handle_timeout(now)
            }
            fn next(&self) -> Option<Instant> {
                self.poll_timeout()
            }
            fn transmit(&mut self) -> Option<Bytes> {
                self.poll_transmit()
            }
            fn event(&mut self) -> Option<Event> {
                self.poll_event()
            }
        }
    };
}
machine!(ClientInvite);
machine!(ClientNonInvite);
machine!(ServerInvite);
machine!(ServerNonInvite);

/// What a machine did on virtual time: (offset from `t0`, message sent) and (offset, event).
#[derive(Debug, Default, PartialEq)]
struct Trace {
    sent: Vec<(Duration, Bytes)>,
    events: Vec<(Duration, Event)>,
}

/// Drains what is queued now, then fires every deadline up to `until` (offset from `t0`),
/// recording everything with its instant. A deadline is never in the past.
fn run_until<M: Machine>(m: &mut M, t0: Instant, now: Instant, until: Duration) -> Trace {
    let mut trace = Trace::default();
    let mut at = now;
    loop {
        while let Some(bytes) = m.transmit() {
            trace.sent.push((at - t0, bytes));
        }
        while let Some(event) = m.event() {
            trace.events.push((at - t0, event));
        }
        match m.next() {
            Some(deadline) if deadline - t0 <= until => {
                assert!(deadline >= at, "deadline in the past");
                at = deadline;
                m.timeout(at);
            }
            _ => return trace,
        }
    }
}

fn offsets(sent: &[(Duration, Bytes)]) -> Vec<Duration> {
    sent.iter().map(|(at, _)| *at).collect()
}

fn at_ms(list: &[u64]) -> Vec<Duration> {
    list.iter().map(|&n| ms(n)).collect()
}

fn response(status: u16) -> Event {
    Event::Response {
        status,
        message: Bytes::from(status.to_string()),
    }
}

fn status(s: u16) -> Bytes {
    Bytes::from(s.to_string())
}

// --- INVITE client (§17.1.1, RFC 6026 §8.4) --------------------------------------------------

#[test]
fn client_invite_calling_to_completed_directly_acks_and_runs_timer_d() {
    let t0 = epoch();
    let mut t = ClientInvite::new(t0, b("INVITE"), defaults(), Unreliable);
    // Timer A fired once (0.5 s); a 404 at 0.8 s, with no provisional before it.
    let trace = run_until(&mut t, t0, t0, ms(800));
    assert_eq!(offsets(&trace.sent), at_ms(&[0, 500]));
    t.handle_response(t0 + ms(800), 404, status(404), ack);
    assert_eq!(t.state(), CI::Completed);
    // Timer D: 32 s from the response on UDP (Table 4).
    assert_eq!(t.poll_timeout(), Some(t0 + ms(32_800)));
    let trace = run_until(&mut t, t0, t0 + ms(800), ms(40_000));
    assert_eq!(trace.sent, vec![(ms(800), ack())]);
    assert_eq!(
        trace.events,
        vec![(ms(800), response(404)), (ms(32_800), Event::Terminated)]
    );
}

#[test]
fn client_invite_calling_to_accepted_directly_then_timer_m() {
    let t0 = epoch();
    let mut t = ClientInvite::new(t0, b("INVITE"), defaults(), Unreliable);
    run_until(&mut t, t0, t0, ms(0));
    t.handle_response(t0 + ms(300), 200, status(200), ack);
    assert_eq!(t.state(), CI::Accepted);
    // A, B stopped; M = 64*T1 from the 2xx (RFC 6026 §8.4).
    assert_eq!(t.poll_timeout(), Some(t0 + ms(32_300)));
    // Provisional and non-2xx final responses in Accepted are dropped, 2xx passed up.
    t.handle_response(t0 + ms(400), 183, status(183), ack);
    t.handle_response(t0 + ms(500), 500, status(500), ack);
    t.handle_response(t0 + ms(800), 200, status(200), ack);
    let trace = run_until(&mut t, t0, t0 + ms(800), ms(40_000));
    assert!(
        trace.sent.is_empty(),
        "the TU ACKs a 2xx, not the transaction"
    );
    assert_eq!(
        trace.events,
        vec![
            (ms(800), response(200)),
            (ms(800), response(200)),
            (ms(32_300), Event::Terminated)
        ]
    );
}

#[test]
fn client_invite_proceeding_passes_every_provisional_up_and_completed_drops_them() {
    let t0 = epoch();
    let mut t = ClientInvite::new(t0, b("INVITE"), defaults(), Unreliable);
    while t.poll_transmit().is_some() {}
    for s in [100, 180, 180, 183] {
        t.handle_response(t0 + ms(100), s, status(s), ack);
    }
    assert_eq!(t.state(), CI::Proceeding);
    t.handle_response(t0 + ms(200), 603, status(603), ack);
    // After the final response: 1xx and 2xx are absorbed; a 603 retransmission is re-ACKed.
    t.handle_response(t0 + ms(300), 180, status(180), ack);
    t.handle_response(t0 + ms(300), 200, status(200), ack);
    t.handle_response(t0 + ms(700), 603, status(603), ack);
    let events: Vec<Event> = std::iter::from_fn(|| t.poll_event()).collect();
    assert_eq!(
        events,
        [100, 180, 180, 183, 603].map(response).to_vec(),
        "each provisional reaches the TU (§17.1.1.2), retransmissions after the final do not"
    );
    let sent: Vec<Bytes> = std::iter::from_fn(|| t.poll_transmit()).collect();
    assert_eq!(sent, vec![ack(), ack()]);
}

#[test]
fn client_invite_reliable_keeps_timers_b_and_m_at_64_t1() {
    let t0 = epoch();
    let mut t = ClientInvite::new(t0, b("INVITE"), defaults(), Reliable);
    let trace = run_until(&mut t, t0, t0, ms(40_000));
    // No Timer A: the INVITE goes out once; Timer B still gives up at 64*T1.
    assert_eq!(offsets(&trace.sent), at_ms(&[0]));
    assert_eq!(
        trace.events,
        vec![
            (ms(32_000), Event::TimedOut { timer: Timer::B }),
            (ms(32_000), Event::Terminated)
        ]
    );
    // Timer M is 64*T1 on any transport (RFC 6026 §8.4).
    let mut t = ClientInvite::new(t0, b("INVITE"), defaults(), Reliable);
    t.handle_response(t0 + ms(10), 200, status(200), ack);
    assert_eq!(t.poll_timeout(), Some(t0 + ms(32_010)));
}

#[test]
fn client_invite_timers_follow_t1() {
    let t0 = epoch();
    let mut t = ClientInvite::new(t0, b("INVITE"), fast(), Unreliable);
    let trace = run_until(&mut t, t0, t0, ms(10_000));
    // A: T1 doubling without a cap (T2 does not apply to INVITE), B at 64*T1 = 6.4 s.
    assert_eq!(
        offsets(&trace.sent),
        at_ms(&[0, 100, 300, 700, 1500, 3100, 6300])
    );
    assert_eq!(
        trace.events[0],
        (ms(6400), Event::TimedOut { timer: Timer::B })
    );
    // Timer D stays "at least 32 s" with a small T1 (Table 4), and grows with a large one.
    let mut t = ClientInvite::new(t0, b("INVITE"), fast(), Unreliable);
    t.handle_response(t0, 486, status(486), ack);
    assert_eq!(t.poll_timeout(), Some(t0 + ms(32_000)));
    let slow = TimerConfig {
        t1: ms(1000),
        ..defaults()
    };
    let mut t = ClientInvite::new(t0, b("INVITE"), slow, Unreliable);
    t.handle_response(t0, 486, status(486), ack);
    assert_eq!(t.poll_timeout(), Some(t0 + ms(64_000)));
}

// --- non-INVITE client (§17.1.2) --------------------------------------------------------------

#[test]
fn client_non_invite_proceeding_times_out_on_timer_f_at_64_t1() {
    let t0 = epoch();
    let mut t = ClientNonInvite::new(t0, b("BYE"), defaults(), Unreliable);
    run_until(&mut t, t0, t0, ms(0));
    t.handle_response(t0 + ms(200), 100, status(100));
    let trace = run_until(&mut t, t0, t0 + ms(200), ms(40_000));
    // Timer E fires at 0.5 s in Proceeding, so it is reset to T2 at once (§17.1.2.2):
    // 0.5, then every 4 s, until F at 64*T1.
    let expect: Vec<Duration> = (0..8).map(|i| ms(500 + 4000 * i)).collect();
    assert_eq!(offsets(&trace.sent), expect);
    assert_eq!(
        trace.events,
        vec![
            (ms(200), response(100)),
            (ms(32_000), Event::TimedOut { timer: Timer::F }),
            (ms(32_000), Event::Terminated)
        ]
    );
}

#[test]
fn client_non_invite_proceeding_to_completed_then_timer_k_is_t4() {
    let t0 = epoch();
    let mut t = ClientNonInvite::new(t0, b("BYE"), fast(), Unreliable);
    run_until(&mut t, t0, t0, ms(0));
    t.handle_response(t0 + ms(50), 180, status(180));
    t.handle_response(t0 + ms(150), 486, status(486));
    assert_eq!(t.state(), CN::Completed);
    // The E that fired at 100 ms went out before the final response; K = T4 = 2 s.
    let trace = run_until(&mut t, t0, t0 + ms(150), ms(10_000));
    assert!(trace.sent.is_empty());
    assert_eq!(
        trace.events,
        vec![
            (ms(150), response(180)),
            (ms(150), response(486)),
            (ms(2150), Event::Terminated)
        ]
    );
}

#[test]
fn client_non_invite_timer_e_caps_at_t2_and_f_follows_t1() {
    let t0 = epoch();
    let mut t = ClientNonInvite::new(t0, b("OPTIONS"), fast(), Unreliable);
    let trace = run_until(&mut t, t0, t0, ms(10_000));
    // 0.1, 0.3, 0.7, then T2 = 1 s apart: 1.5, 2.5, ... until F at 6.4 s.
    let mut expect = at_ms(&[0, 100, 300, 700]);
    expect.extend((0..5).map(|i| ms(1500 + 1000 * i)));
    assert_eq!(offsets(&trace.sent), expect);
    assert_eq!(
        trace.events[0],
        (ms(6400), Event::TimedOut { timer: Timer::F })
    );
    // Reliable: the request once, F still at 64*T1.
    let mut t = ClientNonInvite::new(t0, b("OPTIONS"), fast(), Reliable);
    let trace = run_until(&mut t, t0, t0, ms(10_000));
    assert_eq!(offsets(&trace.sent), at_ms(&[0]));
    assert_eq!(
        trace.events[0],
        (ms(6400), Event::TimedOut { timer: Timer::F })
    );
}

// --- INVITE server (§17.2.1, RFC 6026 §8.5-8.7) -----------------------------------------------

#[test]
fn server_invite_timer_g_caps_at_t2_and_h_and_i_follow_the_config() {
    let t0 = epoch();
    let mut t = ServerInvite::new(fast(), Unreliable);
    t.send_response(t0, 480, status(480)).unwrap();
    let trace = run_until(&mut t, t0, t0, ms(10_000));
    // G: 0.1, 0.3, 0.7, then every T2 = 1 s; H gives up at 64*T1 = 6.4 s.
    let mut expect = at_ms(&[0, 100, 300, 700]);
    expect.extend((0..5).map(|i| ms(1500 + 1000 * i)));
    assert_eq!(offsets(&trace.sent), expect);
    assert_eq!(
        trace.events,
        vec![
            (ms(6400), Event::TimedOut { timer: Timer::H }),
            (ms(6400), Event::Terminated)
        ]
    );
    // ACK at 1 s: Confirmed, Timer I = T4 = 2 s.
    let mut t = ServerInvite::new(fast(), Unreliable);
    t.send_response(t0, 480, status(480)).unwrap();
    run_until(&mut t, t0, t0, ms(1000));
    t.handle_ack(t0 + ms(1000), ack());
    assert_eq!(t.state(), SI::Confirmed);
    let trace = run_until(&mut t, t0, t0 + ms(1000), ms(10_000));
    assert!(trace.sent.is_empty());
    assert_eq!(trace.events, vec![(ms(3000), Event::Terminated)]);
}

#[test]
fn server_invite_reliable_keeps_h_and_l_at_64_t1() {
    let t0 = epoch();
    // No G on a reliable transport, but H still waits 64*T1 for the ACK.
    let mut t = ServerInvite::new(defaults(), Reliable);
    t.send_response(t0, 486, status(486)).unwrap();
    let trace = run_until(&mut t, t0, t0, ms(40_000));
    assert_eq!(offsets(&trace.sent), at_ms(&[0]));
    assert_eq!(
        trace.events,
        vec![
            (ms(32_000), Event::TimedOut { timer: Timer::H }),
            (ms(32_000), Event::Terminated)
        ]
    );
    // Timer L is 64*T1 on any transport (RFC 6026 §8.7).
    let mut t = ServerInvite::new(defaults(), Reliable);
    t.send_response(t0 + ms(5), 200, status(200)).unwrap();
    assert_eq!(t.state(), SI::Accepted);
    assert_eq!(t.poll_timeout(), Some(t0 + ms(32_005)));
}

#[test]
fn server_invite_completed_resends_final_on_invite_and_confirmed_absorbs() {
    let t0 = epoch();
    let mut t = ServerInvite::new(defaults(), Unreliable);
    t.send_response(t0, 180, status(180)).unwrap();
    t.send_response(t0, 404, status(404)).unwrap();
    t.handle_request_retransmission();
    t.handle_ack(t0 + ms(100), ack());
    t.handle_request_retransmission();
    t.handle_ack(t0 + ms(200), ack());
    let trace = run_until(&mut t, t0, t0 + ms(200), ms(10_000));
    assert_eq!(
        trace
            .sent
            .iter()
            .map(|(_, m)| m.clone())
            .collect::<Vec<_>>(),
        vec![status(180), status(404), status(404)]
    );
    // Confirmed at 100 ms, Timer I = T4 = 5 s from then; ACKs are never passed up here.
    assert_eq!(trace.events, vec![(ms(5100), Event::Terminated)]);
}

// --- non-INVITE server (§17.2.2) --------------------------------------------------------------

#[test]
fn server_non_invite_timer_j_follows_t1_and_is_zero_on_reliable() {
    let t0 = epoch();
    let mut t = ServerNonInvite::new(fast(), Unreliable);
    t.send_response(t0 + ms(10), 100, status(100)).unwrap();
    assert_eq!(t.state(), SN::Proceeding);
    t.send_response(t0 + ms(20), 200, status(200)).unwrap();
    let trace = run_until(&mut t, t0, t0 + ms(20), ms(10_000));
    assert_eq!(trace.events, vec![(ms(6420), Event::Terminated)]);
    let mut t = ServerNonInvite::new(fast(), Reliable);
    t.send_response(t0, 100, status(100)).unwrap();
    t.send_response(t0, 200, status(200)).unwrap();
    assert_eq!(t.state(), SN::Terminated);
    assert_eq!(t.poll_timeout(), None);
}

// --- through the layer: reliability per transaction, transport errors by peer -----------------

#[test]
fn the_layer_runs_each_transaction_on_its_own_transport() {
    let t0 = epoch();
    let mut layer: TransactionLayer<&str> = TransactionLayer::new(LayerConfig::default());
    let udp = layer
        .start_client(
            t0,
            TransactionKey::client("z9hG4bKu", "OPTIONS"),
            b("OPTIONS"),
            "udp-peer",
            Unreliable,
        )
        .unwrap();
    let tcp = layer
        .start_client(
            t0,
            TransactionKey::client("z9hG4bKt", "OPTIONS"),
            b("OPTIONS"),
            "tcp-peer",
            Reliable,
        )
        .unwrap();
    while layer.poll_transmit().is_some() {}
    layer.handle_timeout(t0 + ms(500));
    let resent: Vec<_> = std::iter::from_fn(|| layer.poll_transmit())
        .map(|t| t.id)
        .collect();
    assert_eq!(resent, vec![udp], "Timer E runs only on the unreliable one");

    // The transport says the TCP peer is gone: its transactions end with a transport error
    // (§17.1.4), the other one carries on.
    assert_eq!(layer.transport_error_to(&"tcp-peer"), 1);
    let events: Vec<_> = std::iter::from_fn(|| layer.poll_event()).collect();
    assert_eq!(
        events,
        vec![
            LayerEvent::Transaction {
                id: tcp,
                event: Event::TransportError
            },
            LayerEvent::Transaction {
                id: tcp,
                event: Event::Terminated
            },
        ]
    );
    assert_eq!(layer.len(), 1);
    assert_eq!(layer.transport_error_to(&"nobody"), 0);
}
