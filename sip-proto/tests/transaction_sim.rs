//! An INVITE client transaction and an INVITE server transaction talking over a simulated
//! lossy, duplicating network on virtual time (STYLE 16). Each seed replays exactly; a
//! failure names its seed.

use bytes::Bytes;
use sip_proto::time::{Duration, Instant};
use sip_proto::transaction::{
    ClientInvite, ClientInviteState, ClientNonInvite, Event, Reliability, ServerInvite,
    ServerInviteState, ServerNonInvite, Timer, TimerConfig,
};

/// xorshift64*: a tiny seeded generator, so the test depends on nothing random.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn percent(&mut self, p: u64) -> bool {
        self.next() % 100 < p
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Dir {
    ToServer,
    ToClient,
}

struct Net {
    rng: Rng,
    loss: u64,
    dup: u64,
    in_flight: Vec<(Instant, Dir, Bytes)>,
}

impl Net {
    fn send(&mut self, now: Instant, dir: Dir, bytes: Bytes) {
        let copies = if self.rng.percent(self.dup) { 2 } else { 1 };
        for _ in 0..copies {
            if self.rng.percent(self.loss) {
                continue;
            }
            let delay = Duration::from_millis(10 + self.rng.next() % 90);
            self.in_flight.push((now + delay, dir, bytes.clone()));
        }
    }
    fn next_delivery(&self) -> Option<Instant> {
        self.in_flight.iter().map(|(at, _, _)| *at).min()
    }
    fn take_due(&mut self, now: Instant) -> Vec<(Dir, Bytes)> {
        let mut due: Vec<_> = Vec::new();
        let mut i = 0;
        while i < self.in_flight.len() {
            if self.in_flight[i].0 <= now {
                let (at, dir, b) = self.in_flight.swap_remove(i);
                due.push((at, dir, b));
            } else {
                i += 1;
            }
        }
        due.sort_by_key(|(at, _, _)| *at);
        due.into_iter().map(|(_, d, b)| (d, b)).collect()
    }
}

fn status_of(b: &Bytes) -> Option<u16> {
    std::str::from_utf8(b).ok()?.parse().ok()
}

fn min_opt(xs: impl IntoIterator<Item = Option<Instant>>) -> Option<Instant> {
    xs.into_iter().flatten().min()
}

struct Outcome {
    client_events: Vec<Event>,
    server_events: Vec<Event>,
    server_state: Option<ServerInviteState>,
    client_state: ClientInviteState,
}

/// UAC sends INVITE; the UAS schedules a 100 Trying and rejects with 486 one second later.
fn run_invite_reject(seed: u64, loss: u64, dup: u64) -> Outcome {
    #[allow(clippy::disallowed_methods)] // test epoch
    let t0 = Instant::now();
    let cfg = TimerConfig::default();
    let mut net = Net {
        rng: Rng::new(seed),
        loss,
        dup,
        in_flight: Vec::new(),
    };
    let mut client = ClientInvite::new(
        t0,
        Bytes::from_static(b"INVITE"),
        cfg,
        Reliability::Unreliable,
    );
    let mut server: Option<ServerInvite> = None;
    let mut answer_at: Option<Instant> = None;
    let mut client_events = Vec::new();
    let mut server_events = Vec::new();
    let mut now = t0;
    for _ in 0..10_000 {
        client.handle_timeout(now);
        if let Some(s) = server.as_mut() {
            s.handle_timeout(now);
        }
        if answer_at.is_some_and(|at| at <= now) {
            answer_at = None;
            if let Some(s) = server.as_mut() {
                s.send_response(now, 486, Bytes::from_static(b"486"))
                    .expect("TU answers once");
            }
        }
        for (dir, bytes) in net.take_due(now) {
            match dir {
                Dir::ToServer if bytes.as_ref() == b"INVITE" => match server.as_mut() {
                    Some(s) => s.handle_request_retransmission(),
                    None => {
                        let mut s = ServerInvite::new(cfg, Reliability::Unreliable);
                        s.schedule_trying(now, Bytes::from_static(b"100"));
                        answer_at = Some(now + Duration::from_secs(1));
                        server = Some(s);
                    }
                },
                Dir::ToServer => {
                    if let Some(s) = server.as_mut() {
                        s.handle_ack(now, bytes);
                    }
                }
                Dir::ToClient => {
                    let status = status_of(&bytes).expect("responses are status codes here");
                    client.handle_response(now, status, bytes, || Bytes::from_static(b"ACK"));
                }
            }
        }
        while let Some(b) = client.poll_transmit() {
            net.send(now, Dir::ToServer, b);
        }
        client_events.extend(std::iter::from_fn(|| client.poll_event()));
        if let Some(s) = server.as_mut() {
            while let Some(b) = s.poll_transmit() {
                net.send(now, Dir::ToClient, b);
            }
            server_events.extend(std::iter::from_fn(|| s.poll_event()));
        }
        // Every machine has handled `now`: no deadline may be at or before it.
        for d in [
            client.poll_timeout(),
            server.as_ref().and_then(|s| s.poll_timeout()),
        ] {
            assert!(
                d.is_none_or(|d| d > now),
                "seed {seed}: deadline in the past"
            );
        }
        let next = min_opt([
            client.poll_timeout(),
            server.as_ref().and_then(|s| s.poll_timeout()),
            net.next_delivery(),
            answer_at,
        ]);
        match next {
            Some(at) => now = at,
            None => break,
        }
    }
    Outcome {
        client_events,
        server_events,
        server_state: server.as_ref().map(|s| s.state()),
        client_state: client.state(),
    }
}

#[test]
fn invite_reject_converges_under_loss_and_duplication() {
    for seed in 0..300 {
        let o = run_invite_reject(seed, 30, 15);
        assert_eq!(o.client_state, ClientInviteState::Terminated, "seed {seed}");
        assert_eq!(
            o.client_events.last(),
            Some(&Event::Terminated),
            "seed {seed}"
        );
        let finals = o
            .client_events
            .iter()
            .filter(|e| matches!(e, Event::Response { status: 486, .. }))
            .count();
        let timed_out = o
            .client_events
            .contains(&Event::TimedOut { timer: Timer::B });
        assert!(
            finals == 1 && !timed_out || finals == 0 && timed_out,
            "seed {seed}"
        );
        if let Some(state) = o.server_state {
            assert_eq!(state, ServerInviteState::Terminated, "seed {seed}");
            assert_eq!(
                o.server_events.last(),
                Some(&Event::Terminated),
                "seed {seed}"
            );
        }
        let terminated = o
            .client_events
            .iter()
            .filter(|e| **e == Event::Terminated)
            .count();
        assert_eq!(terminated, 1, "seed {seed}");
    }
}

#[test]
fn invite_reject_without_loss_is_exact() {
    let o = run_invite_reject(7, 0, 0);
    let statuses: Vec<u16> = o
        .client_events
        .iter()
        .filter_map(|e| match e {
            Event::Response { status, .. } => Some(*status),
            _ => None,
        })
        .collect();
    assert_eq!(statuses, vec![100, 486]);
    assert_eq!(o.server_events, vec![Event::Terminated]);
}

/// A non-INVITE pair on a reliable transport: nothing is retransmitted, K and J are zero.
#[test]
fn non_invite_reliable_pair_terminates_at_once() {
    #[allow(clippy::disallowed_methods)] // test epoch
    let t0 = Instant::now();
    let cfg = TimerConfig::default();
    let mut c = ClientNonInvite::new(
        t0,
        Bytes::from_static(b"OPTIONS"),
        cfg,
        Reliability::Reliable,
    );
    let req = c.poll_transmit().expect("request sent");
    assert_eq!(c.poll_transmit(), None);
    let mut s = ServerNonInvite::new(cfg, Reliability::Reliable);
    let _ = req;
    s.send_response(t0, 200, Bytes::from_static(b"200"))
        .expect("valid");
    let resp = s.poll_transmit().expect("response sent");
    assert!(s.is_terminated());
    c.handle_response(t0, 200, resp);
    assert!(c.is_terminated());
    assert_eq!(c.poll_timeout(), None);
    assert_eq!(s.poll_timeout(), None);
}

/// A message on the simulated wire: `"REQ <method> <branch>"` or
/// `"RES <method> <branch> <status>"`, standing in for what the parser would extract.
fn wire(kind: &str, method: &str, branch: &str, status: Option<u16>) -> Bytes {
    match status {
        Some(s) => Bytes::from(format!("{kind} {method} {branch} {s}")),
        None => Bytes::from(format!("{kind} {method} {branch}")),
    }
}

struct Parsed {
    request: bool,
    method: String,
    branch: String,
    status: u16,
}

fn parse(b: &Bytes) -> Parsed {
    let s = std::str::from_utf8(b).expect("the sim writes ASCII");
    let mut it = s.split(' ');
    let kind = it.next().unwrap_or_default();
    Parsed {
        request: kind == "REQ",
        method: it.next().unwrap_or_default().to_owned(),
        branch: it.next().unwrap_or_default().to_owned(),
        status: it.next().and_then(|s| s.parse().ok()).unwrap_or(0),
    }
}

struct AcceptedOutcome {
    uac_2xx_seen: usize,
    uas_new_invites: usize,
    retransmitter_gave_up: bool,
    retransmitter_done: bool,
    uac_len: usize,
    uas_len: usize,
}

/// UAC and UAS transaction layers with a 2xx answer (RFC 6026): the UAS sends 180 then 200
/// and keeps the 200 alive with a `Uas2xxRetransmitter`; the UAC ACKs every 2xx the Accepted
/// client transaction passes up, with an ACK on a new branch that the UAS layer reports as
/// unmatched.
fn run_invite_accept(seed: u64, loss: u64, dup: u64) -> AcceptedOutcome {
    use sip_proto::transaction::{
        LayerConfig, LayerEvent, TransactionKey, TransactionLayer, Uas2xxEvent, Uas2xxRetransmitter,
    };
    #[allow(clippy::disallowed_methods)] // test epoch
    let t0 = Instant::now();
    let cfg = TimerConfig::default();
    let mut net = Net {
        rng: Rng::new(seed),
        loss,
        dup,
        in_flight: Vec::new(),
    };
    let mut uac: TransactionLayer<Dir> = TransactionLayer::new(LayerConfig::default());
    let mut uas: TransactionLayer<Dir> = TransactionLayer::new(LayerConfig::default());
    let invite_key = TransactionKey::client("z9hG4bKinv", "INVITE");
    uac.start_client(
        t0,
        invite_key,
        wire("REQ", "INVITE", "z9hG4bKinv", None),
        Dir::ToServer,
        Reliability::Unreliable,
    )
    .expect("room");
    let mut answer: Option<(Instant, sip_proto::transaction::TransactionId)> = None;
    let mut retransmitter: Option<Uas2xxRetransmitter> = None;
    let mut out = AcceptedOutcome {
        uac_2xx_seen: 0,
        uas_new_invites: 0,
        retransmitter_gave_up: false,
        retransmitter_done: false,
        uac_len: 0,
        uas_len: 0,
    };
    let ok = wire("RES", "INVITE", "z9hG4bKinv", Some(200));
    let mut now = t0;
    for _ in 0..20_000 {
        uac.handle_timeout(now);
        uas.handle_timeout(now);
        if let Some(r) = retransmitter.as_mut() {
            r.handle_timeout(now);
        }
        if let Some((_, id)) = answer.filter(|(at, _)| *at <= now) {
            answer = None;
            uas.send_response(now, id, 200, ok.clone())
                .expect("Proceeding takes a 2xx");
            retransmitter = Some(Uas2xxRetransmitter::new(now, ok.clone(), cfg));
        }
        for (dir, bytes) in net.take_due(now) {
            let p = parse(&bytes);
            match dir {
                Dir::ToServer => {
                    let key = TransactionKey::server(
                        p.branch.clone(),
                        b"uac.example",
                        5060,
                        p.method.clone(),
                    );
                    uas.handle_request(now, key, bytes, Dir::ToClient, Reliability::Unreliable);
                }
                Dir::ToClient => {
                    let key = TransactionKey::client(p.branch.clone(), p.method.clone());
                    assert!(!p.request);
                    uac.handle_response(now, key, p.status, bytes, Dir::ToServer, |_, _| {
                        Bytes::from_static(b"REQ ACK z9hG4bKinv")
                    });
                }
            }
        }
        if let Some(r) = retransmitter.as_mut() {
            while let Some(b) = r.poll_transmit() {
                net.send(now, Dir::ToClient, b);
            }
            if r.poll_event() == Some(Uas2xxEvent::AckTimeout) {
                out.retransmitter_gave_up = true;
            }
        }
        while let Some(e) = uas.poll_event() {
            match e {
                LayerEvent::NewRequest { id, key, .. } => {
                    assert!(key.is_invite(), "seed {seed}: only the INVITE is new");
                    out.uas_new_invites += 1;
                    uas.send_response(now, id, 180, wire("RES", "INVITE", "z9hG4bKinv", Some(180)))
                        .expect("Proceeding takes a 1xx");
                    answer = Some((now + Duration::from_secs(1), id));
                }
                LayerEvent::UnmatchedAck { .. } => {
                    if let Some(r) = retransmitter.as_mut() {
                        r.ack_received();
                    }
                }
                _ => {}
            }
        }
        while let Some(e) = uac.poll_event() {
            if let LayerEvent::Transaction {
                event: Event::Response { status: 200, .. },
                ..
            } = e
            {
                out.uac_2xx_seen += 1;
                // §13.2.2.4: the UAC core ACKs every 2xx itself, on a new branch.
                net.send(now, Dir::ToServer, wire("REQ", "ACK", "z9hG4bKack", None));
            }
        }
        while let Some(t) = uac.poll_transmit() {
            net.send(now, t.peer, t.bytes);
        }
        while let Some(t) = uas.poll_transmit() {
            net.send(now, t.peer, t.bytes);
        }
        let next = min_opt([
            uac.poll_timeout(),
            uas.poll_timeout(),
            retransmitter.as_ref().and_then(|r| r.poll_timeout()),
            net.next_delivery(),
            answer.map(|(at, _)| at),
        ]);
        match next {
            Some(at) => now = at,
            None => break,
        }
    }
    out.retransmitter_done = retransmitter.as_ref().is_some_and(|r| r.is_done());
    out.uac_len = uac.len();
    out.uas_len = uas.len();
    out
}

#[test]
fn invite_accept_rfc6026_under_loss_and_duplication() {
    for seed in 0..200 {
        let o = run_invite_accept(seed, 20, 15);
        // The INVITE server transaction absorbed every INVITE retransmission in Accepted.
        assert!(o.uas_new_invites <= 1, "seed {seed}");
        if o.uas_new_invites == 1 {
            assert!(o.retransmitter_done, "seed {seed}");
        }
        // If the UAC saw a 2xx, the 2xx retransmissions reached its TU, not the stray path,
        // and the UAS stopped on the ACK unless every ACK was lost.
        if o.uac_2xx_seen > 0 && !o.retransmitter_gave_up {
            assert!(o.retransmitter_done, "seed {seed}");
        }
        assert_eq!(
            (o.uac_len, o.uas_len),
            (0, 0),
            "seed {seed}: everything terminated"
        );
    }
}

#[test]
fn invite_accept_without_loss_acks_once() {
    let o = run_invite_accept(1, 0, 0);
    assert_eq!(o.uas_new_invites, 1);
    assert_eq!(o.uac_2xx_seen, 1);
    assert!(o.retransmitter_done);
    assert!(!o.retransmitter_gave_up);
}
