//! The races of RFC 3261 and RFC 5407 between real endpoints, one deterministic test each:
//! CANCEL crossing the 200 OK, BYE crossing BYE, re-INVITE glare with the §14.1 back-off, a
//! forked INVITE with several early dialogs and a second 2xx, an ACK lost until the 200 is
//! retransmitted, requests outside any dialog, and remote target refresh.
//!
//! The endpoints sit on a small in-memory network with a fixed one-way delay, so messages
//! sent at the same instant cross in flight. Virtual time jumps from event to event; every
//! assertion is on exact instants.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use session_fsm::{
    CallId, EndReason, Endpoint, EndpointConfig, Event, Input, Output, Socket, WallClock,
};
use sip_proto::dialog::DialogState;

/// The one real instant a test reads; virtual time is offsets from it.
#[allow(clippy::disallowed_methods)]
fn epoch() -> Instant {
    Instant::now()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// One-way delay of every link.
const DELAY: Duration = Duration::from_millis(10);

const A: usize = 0;
const B: usize = 1;
const C: usize = 2;
const ADDRS: [&str; 3] = ["127.0.0.1:5070", "127.0.0.2:5060", "127.0.0.3:5060"];
const RTP: [&str; 3] = ["127.0.0.1:30000", "127.0.0.2:40000", "127.0.0.3:40000"];

/// What a node's application does when a call comes in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OnIncoming {
    Ring,
    RingAndAnswer,
}

struct Node {
    ep: Endpoint,
    on_incoming: OnIncoming,
    /// (offset, event) as they came out.
    events: Vec<(Duration, Event)>,
    /// The calls this node has, in order of creation.
    calls: Vec<CallId>,
}

/// A SIP message on the wire.
#[derive(Clone)]
struct Packet {
    from: usize,
    to: usize,
    bytes: Vec<u8>,
}

impl Packet {
    fn first_line(&self) -> String {
        String::from_utf8_lossy(&self.bytes)
            .lines()
            .next()
            .unwrap_or("")
            .to_owned()
    }
}

/// What the network does with a packet about to be sent: deliver it to these nodes (empty
/// drops it).
type Rule = Box<dyn FnMut(&Packet) -> Vec<usize>>;

struct Net {
    epoch: Instant,
    now: Instant,
    nodes: Vec<Node>,
    /// Packets in flight, by arrival time then sending order.
    in_flight: BTreeMap<(Instant, u64), Packet>,
    sent: u64,
    rule: Rule,
    /// (sent at, from, to, first line) of every SIP message the network carried or dropped.
    ladder: Vec<(Duration, usize, usize, String)>,
    /// Every SIP message sent, whole, with the node that sent it.
    wire: Vec<(usize, String)>,
}

fn node(i: usize, seed: u64, epoch: Instant, on_incoming: OnIncoming) -> Node {
    let wall = WallClock {
        instant: epoch,
        unix: Duration::from_secs(1_800_000_000),
    };
    let mut config = EndpointConfig::new(ADDRS[i].parse().unwrap(), seed, wall);
    config.tone_hz = None;
    Node {
        ep: Endpoint::new(config),
        on_incoming,
        events: Vec::new(),
        calls: Vec::new(),
    }
}

impl Net {
    /// `seeds[i]` seeds node `i`; every node rings and answers at once unless told otherwise.
    fn new(seeds: &[u64]) -> Net {
        let epoch = epoch();
        Net {
            epoch,
            now: epoch,
            nodes: seeds
                .iter()
                .enumerate()
                .map(|(i, &s)| node(i, s, epoch, OnIncoming::RingAndAnswer))
                .collect(),
            in_flight: BTreeMap::new(),
            sent: 0,
            rule: Box::new(|p| vec![p.to]),
            ladder: Vec::new(),
            wire: Vec::new(),
        }
    }

    fn at(&self) -> Duration {
        self.now - self.epoch
    }

    fn ep(&mut self, i: usize) -> &mut Endpoint {
        &mut self.nodes[i].ep
    }

    /// Node `i`'s `n`th call.
    fn call(&self, i: usize, n: usize) -> CallId {
        self.nodes[i].calls[n]
    }

    /// Node `from` calls node `to`.
    fn dial(&mut self, from: usize, to: usize) -> CallId {
        let target = format!("sip:uas@{}", ADDRS[to]);
        let now = self.now;
        let call = self.nodes[from]
            .ep
            .call(now, &target, RTP[from].parse().unwrap())
            .unwrap();
        self.nodes[from].calls.push(call);
        call
    }

    /// Drains every node: SIP goes on the wire, media is dropped (these tests are about
    /// signalling), events are recorded and incoming calls handled.
    fn drain(&mut self) -> Option<Instant> {
        let mut next: Option<Instant> = None;
        let mut buf = Vec::new();
        for (i, rtp) in RTP.iter().enumerate().take(self.nodes.len()) {
            loop {
                let out = self.nodes[i].ep.poll_output(&mut buf);
                match out {
                    Output::Transmit(t) if t.socket == Socket::Sip => {
                        let to = ADDRS
                            .iter()
                            .position(|a| a.parse::<SocketAddr>().unwrap() == t.destination)
                            .expect("SIP to a known node");
                        self.send(Packet {
                            from: i,
                            to,
                            bytes: buf.clone(),
                        });
                    }
                    Output::Transmit(_) => {}
                    Output::Event(e) => {
                        let at = self.at();
                        if let Event::IncomingCall { call, .. } = e {
                            self.nodes[i].calls.push(call);
                            let now = self.now;
                            let n = &mut self.nodes[i];
                            n.ep.ring(now, call).unwrap();
                            if n.on_incoming == OnIncoming::RingAndAnswer {
                                n.ep.answer(now, call, rtp.parse().unwrap()).unwrap();
                            }
                        }
                        self.nodes[i].events.push((at, e));
                    }
                    Output::Timeout(t) => {
                        if let Some(t) = t {
                            assert!(t >= self.now, "a deadline in the past");
                            next = Some(next.map_or(t, |n| n.min(t)));
                        }
                        break;
                    }
                }
            }
        }
        next
    }

    fn send(&mut self, packet: Packet) {
        let at = self.at();
        let line = packet.first_line();
        self.wire.push((
            packet.from,
            String::from_utf8_lossy(&packet.bytes).into_owned(),
        ));
        let targets = (self.rule)(&packet);
        if targets.is_empty() {
            self.ladder.push((at, packet.from, usize::MAX, line));
            return;
        }
        for to in targets {
            self.ladder.push((at, packet.from, to, line.clone()));
            self.sent += 1;
            let copy = Packet {
                to,
                ..packet.clone()
            };
            self.in_flight.insert((self.now + DELAY, self.sent), copy);
        }
    }

    /// Runs until `until` (offset from the epoch): delivers packets and fires timers in
    /// time order.
    fn run_until(&mut self, until: Duration) {
        loop {
            let deadline = self.drain();
            let arrival = self.in_flight.keys().next().map(|(t, _)| *t);
            let next = [deadline, arrival].into_iter().flatten().min();
            let Some(next) = next.filter(|t| *t - self.epoch <= until) else {
                self.now = self.epoch + until;
                for n in &mut self.nodes {
                    n.ep.handle_input(Input::Timeout(self.now));
                }
                self.drain();
                return;
            };
            self.now = next;
            while let Some(entry) = self.in_flight.first_entry() {
                if entry.key().0 > self.now {
                    break;
                }
                let packet = entry.remove();
                let source = ADDRS[packet.from].parse().unwrap();
                self.nodes[packet.to].ep.handle_input(Input::Receive {
                    now: self.now,
                    socket: Socket::Sip,
                    source,
                    bytes: Bytes::from(packet.bytes),
                });
            }
            for n in &mut self.nodes {
                n.ep.handle_input(Input::Timeout(self.now));
            }
        }
    }

    /// The ladder as (offset in ms, from, to, first line).
    fn ladder_ms(&self) -> Vec<(u64, usize, usize, String)> {
        self.ladder
            .iter()
            .map(|(at, f, t, l)| (at.as_millis() as u64, *f, *t, l.clone()))
            .collect()
    }

    /// The ending events of node `i`: (offset, reason).
    fn ended(&self, i: usize) -> Vec<(Duration, EndReason)> {
        self.nodes[i]
            .events
            .iter()
            .filter_map(|(at, e)| match e {
                Event::Ended { reason, .. } => Some((*at, reason.clone())),
                _ => None,
            })
            .collect()
    }

    fn count(&self, i: usize, pred: impl Fn(&Event) -> bool) -> usize {
        self.nodes[i].events.iter().filter(|(_, e)| pred(e)).count()
    }

    /// Every table of every node is empty.
    fn all_empty(&self) -> bool {
        self.nodes
            .iter()
            .all(|n| n.ep.call_count() == 0 && n.ep.transaction_count() == 0)
    }
}

fn step(at: u64, from: usize, to: usize, line: &str) -> (u64, usize, usize, String) {
    (at, from, to, line.to_owned())
}

/// The value of header `name` in a message's text.
fn header<'a>(message: &'a str, name: &str) -> &'a str {
    message
        .lines()
        .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(": ")))
        .unwrap_or_else(|| panic!("no {name} in {message}"))
}

#[test]
fn cancel_crossing_the_200_ok_is_acked_then_byed_and_the_invite_gets_no_487() {
    let mut net = Net::new(&[1, 2]);
    net.nodes[B].on_incoming = OnIncoming::Ring;
    let call = net.dial(A, B);
    net.run_until(ms(1000));
    // At 1 s the callee answers and the caller hangs up: the 200 and the CANCEL cross.
    let (now, b_call) = (net.now, net.call(B, 0));
    net.ep(B)
        .answer(now, b_call, RTP[B].parse().unwrap())
        .unwrap();
    net.ep(A).hang_up(now, call).unwrap();
    net.run_until(ms(2000));
    assert_eq!(
        net.ladder_ms(),
        [
            step(0, A, B, "INVITE sip:uas@127.0.0.2:5060 SIP/2.0"),
            step(10, B, A, "SIP/2.0 100 Trying"),
            step(10, B, A, "SIP/2.0 180 Ringing"),
            step(1000, A, B, "CANCEL sip:uas@127.0.0.2:5060 SIP/2.0"),
            step(1000, B, A, "SIP/2.0 200 OK"),
            // §9.1 and §15: the caller must ACK the 2xx it gets after cancelling, then BYE.
            step(1010, A, B, "ACK sip:sansio@127.0.0.2:5060 SIP/2.0"),
            step(1010, A, B, "BYE sip:sansio@127.0.0.2:5060 SIP/2.0"),
            // §9.2: the INVITE already had its final response, so the CANCEL gets a 200 of
            // its own and changes nothing: no 487.
            step(1010, B, A, "SIP/2.0 200 OK"),
            step(1020, B, A, "SIP/2.0 200 OK"),
        ]
    );
    let cseqs: Vec<&str> = net
        .wire
        .iter()
        .filter(|(_, m)| m.starts_with("SIP/2.0 200"))
        .map(|(_, m)| header(m, "CSeq"))
        .collect();
    assert_eq!(cseqs, ["1 INVITE", "1 CANCEL", "2 BYE"]);
    assert_eq!(net.ended(A), [(ms(1000), EndReason::LocalHangUp)]);
    // The callee saw its answer confirmed by the ACK, then the BYE.
    assert_eq!(net.count(B, |e| matches!(e, Event::Answered { .. })), 1);
    assert_eq!(net.ended(B), [(ms(1020), EndReason::RemoteHangUp)]);
    assert_eq!(net.count(A, |e| matches!(e, Event::Answered { .. })), 0);
    net.run_until(ms(40_000));
    assert!(net.all_empty());
}

#[test]
fn bye_crossing_bye_is_answered_200_both_ways_and_each_call_ends_once() {
    let mut net = Net::new(&[3, 4]);
    let call = net.dial(A, B);
    net.run_until(ms(1000));
    let (now, b_call) = (net.now, net.call(B, 0));
    net.ep(A).hang_up(now, call).unwrap();
    net.ep(B).hang_up(now, b_call).unwrap();
    net.run_until(ms(2000));
    let tail: Vec<_> = net.ladder_ms().split_off(5);
    assert_eq!(
        tail,
        [
            step(1000, A, B, "BYE sip:sansio@127.0.0.2:5060 SIP/2.0"),
            step(1000, B, A, "BYE sip:sansio@127.0.0.1:5070 SIP/2.0"),
            // RFC 5407 §3.2.2: each BYE is answered 200 although the dialog is ending.
            step(1010, A, B, "SIP/2.0 200 OK"),
            step(1010, B, A, "SIP/2.0 200 OK"),
        ]
    );
    assert_eq!(net.ended(A), [(ms(1000), EndReason::LocalHangUp)]);
    assert_eq!(net.ended(B), [(ms(1000), EndReason::LocalHangUp)]);
    net.run_until(ms(40_000));
    assert!(net.all_empty());
}

/// Runs a re-INVITE glare between A (which placed the call, so owns the Call-ID) and B,
/// returning the ladder and both nodes' events.
fn glare(seeds: [u64; 2]) -> (Net, Duration, Duration) {
    let mut net = Net::new(&seeds);
    let call = net.dial(A, B);
    net.run_until(ms(1000));
    let (now, b_call) = (net.now, net.call(B, 0));
    net.ep(A).reinvite(now, call).unwrap();
    net.ep(B).reinvite(now, b_call).unwrap();
    net.run_until(ms(10_000));
    let invites: Vec<(Duration, usize)> = net
        .ladder
        .iter()
        .filter(|(_, _, _, l)| l.starts_with("INVITE sip:sansio@"))
        .map(|(at, from, _, _)| (*at, *from))
        .collect();
    assert_eq!(invites.len(), 4, "two crossed, then one retry each");
    assert_eq!(invites[..2], [(ms(1000), A), (ms(1000), B)]);
    let retry = |who| invites[2..].iter().find(|(_, f)| *f == who).unwrap().0;
    (net, retry(A), retry(B))
}

#[test]
fn reinvite_glare_gets_491_and_each_side_retries_after_its_14_1_back_off() {
    let (net, retry_a, retry_b) = glare([5, 6]);
    let ladder = net.ladder_ms();
    assert_eq!(
        ladder[5..11],
        [
            step(1000, A, B, "INVITE sip:sansio@127.0.0.2:5060 SIP/2.0"),
            step(1000, B, A, "INVITE sip:sansio@127.0.0.1:5070 SIP/2.0"),
            // §14.2: each side has its own INVITE in progress, so it answers 491...
            step(1010, A, B, "SIP/2.0 491 Request Pending"),
            step(1010, B, A, "SIP/2.0 491 Request Pending"),
            // ...and each INVITE client transaction ACKs the 491 itself (§17.1.1.3).
            step(1020, A, B, "ACK sip:sansio@127.0.0.2:5060 SIP/2.0"),
            step(1020, B, A, "ACK sip:sansio@127.0.0.1:5070 SIP/2.0"),
        ]
    );
    // §14.1: the 491 arrived at 1.02 s. A generated the Call-ID: it waits 2.1 to 4 s; B
    // waits 0 to 2 s; both in 10 ms units.
    let wait_a = retry_a - ms(1020);
    let wait_b = retry_b - ms(1020);
    assert!((ms(2100)..=ms(4000)).contains(&wait_a), "{wait_a:?}");
    assert!(wait_b <= ms(2000), "{wait_b:?}");
    assert_eq!(wait_a.as_millis() % 10, 0);
    assert_eq!(wait_b.as_millis() % 10, 0);
    // The retries went through: each side saw its own refresh succeed and the other's.
    for i in [A, B] {
        let refreshed: Vec<bool> = net.nodes[i]
            .events
            .iter()
            .filter_map(|(_, e)| match e {
                Event::SessionRefreshed { remote, .. } => Some(*remote),
                _ => None,
            })
            .collect();
        let expected = if i == B { [false, true] } else { [true, false] };
        assert_eq!(refreshed, expected, "node {i}");
        assert_eq!(
            net.count(i, |e| matches!(e, Event::SessionRefreshFailed { .. })),
            0
        );
        assert!(net.ended(i).is_empty());
    }
    // Each retry took the next CSeq: A 2 (491) then 3, B 1 (491) then 2.
    let cseqs: Vec<(usize, &str)> = net
        .wire
        .iter()
        .filter(|(_, m)| m.starts_with("INVITE sip:sansio@"))
        .map(|(from, m)| (*from, header(m, "CSeq")))
        .collect();
    assert_eq!(
        cseqs,
        [
            (A, "2 INVITE"),
            (B, "1 INVITE"),
            (B, "2 INVITE"),
            (A, "3 INVITE")
        ]
    );
    // The same seeds replay the same waits; other seeds draw other ones.
    let (_, again_a, again_b) = glare([5, 6]);
    assert_eq!((again_a, again_b), (retry_a, retry_b));
    let waits: std::collections::BTreeSet<Duration> =
        (10..16).map(|s| glare([s, s + 100]).1).collect();
    assert!(waits.len() > 1, "the back-off is random: {waits:?}");
}

#[test]
fn a_forked_invite_makes_two_early_dialogs_and_the_second_2xx_is_acked_then_byed() {
    let mut net = Net::new(&[7, 8, 9]);
    net.nodes[B].on_incoming = OnIncoming::Ring;
    net.nodes[C].on_incoming = OnIncoming::Ring;
    // A forking proxy in front of B: the INVITE (and its CANCEL) also goes to C.
    net.rule = Box::new(|p| {
        let line = p.first_line();
        if p.to == B && (line.starts_with("INVITE sip:uas@") || line.starts_with("CANCEL")) {
            vec![B, C]
        } else {
            vec![p.to]
        }
    });
    let call = net.dial(A, B);
    net.run_until(ms(500));
    // Both branches rang, each with its own To tag: two early dialogs (§12.1.2).
    let early: Vec<(String, DialogState)> = net
        .ep(A)
        .dialogs(call)
        .map(|d| (d.id().remote_tag.clone(), d.state()))
        .collect();
    assert_eq!(early.len(), 2, "{early:?}");
    assert_ne!(early[0].0, early[1].0);
    assert!(early.iter().all(|(_, s)| *s == DialogState::Early));
    assert_eq!(net.count(A, |e| matches!(e, Event::Ringing { .. })), 1);

    // B answers first: its early dialog is confirmed, the other one dropped.
    let (now, b_call) = (net.now, net.call(B, 0));
    net.ep(B)
        .answer(now, b_call, RTP[B].parse().unwrap())
        .unwrap();
    net.run_until(ms(1000));
    let tag_b = header(
        &net.wire
            .iter()
            .find(|(f, m)| *f == B && m.starts_with("SIP/2.0 200"))
            .unwrap()
            .1,
        "To",
    )
    .rsplit("tag=")
    .next()
    .unwrap()
    .to_owned();
    let dialogs: Vec<(String, DialogState)> = net
        .ep(A)
        .dialogs(call)
        .map(|d| (d.id().remote_tag.clone(), d.state()))
        .collect();
    assert_eq!(dialogs, [(tag_b, DialogState::Confirmed)]);

    // C answers later: its 2xx reaches A through the INVITE transaction in Accepted (RFC
    // 6026), and A acknowledges it, then ends that dialog with a BYE (§13.2.2.4).
    let (now, c_call) = (net.now, net.call(C, 0));
    net.ep(C)
        .answer(now, c_call, RTP[C].parse().unwrap())
        .unwrap();
    net.run_until(ms(2000));
    let tail: Vec<_> = net
        .ladder_ms()
        .into_iter()
        .filter(|(at, ..)| *at >= 1000)
        .collect();
    assert_eq!(
        tail,
        [
            step(1000, C, A, "SIP/2.0 200 OK"),
            step(1010, A, C, "ACK sip:sansio@127.0.0.3:5060 SIP/2.0"),
            step(1010, A, C, "BYE sip:sansio@127.0.0.3:5060 SIP/2.0"),
            step(1020, C, A, "SIP/2.0 200 OK"),
        ]
    );
    assert_eq!(net.count(A, |e| matches!(e, Event::Answered { .. })), 1);
    assert!(net.ended(A).is_empty(), "the call with B goes on");
    assert_eq!(net.ended(C), [(ms(1020), EndReason::RemoteHangUp)]);
    assert_eq!(net.count(C, |e| matches!(e, Event::Answered { .. })), 1);

    let now = net.now;
    net.ep(A).hang_up(now, call).unwrap();
    net.run_until(ms(45_000));
    assert_eq!(net.ended(B), [(ms(2010), EndReason::RemoteHangUp)]);
    assert!(net.all_empty());
}

#[test]
fn an_ack_lost_until_the_200_retransmission_confirms_the_call_then() {
    let mut net = Net::new(&[10, 11]);
    let mut acks = 0;
    net.rule = Box::new(move |p| {
        if p.first_line().starts_with("ACK") {
            acks += 1;
            if acks == 1 {
                return vec![];
            }
        }
        vec![p.to]
    });
    net.dial(A, B);
    net.run_until(ms(3000));
    let ladder = net.ladder_ms();
    assert_eq!(
        ladder,
        [
            step(0, A, B, "INVITE sip:uas@127.0.0.2:5060 SIP/2.0"),
            step(10, B, A, "SIP/2.0 100 Trying"),
            step(10, B, A, "SIP/2.0 180 Ringing"),
            step(10, B, A, "SIP/2.0 200 OK"),
            // The first ACK is lost (usize::MAX: nobody received it).
            step(20, A, usize::MAX, "ACK sip:sansio@127.0.0.2:5060 SIP/2.0"),
            // §13.3.1.4: the 2xx again after T1; §13.2.2.4: the UAC ACKs it again.
            step(510, B, A, "SIP/2.0 200 OK"),
            step(520, A, B, "ACK sip:sansio@127.0.0.2:5060 SIP/2.0"),
        ]
    );
    // The caller was up at the first 200; the callee only once the second ACK came.
    let answered = |i: usize| {
        net.nodes[i]
            .events
            .iter()
            .find(|(_, e)| matches!(e, Event::Answered { .. }))
            .map(|(at, _)| *at)
    };
    assert_eq!(answered(A), Some(ms(20)));
    assert_eq!(answered(B), Some(ms(530)));
    assert!(net.ended(B).is_empty());
}

#[test]
fn requests_outside_any_dialog_get_481() {
    let mut net = Net::new(&[12, 13]);
    let call = net.dial(A, B);
    net.run_until(ms(1000));
    // The tags and Call-ID of the live dialog, from the wire.
    let invite = net.wire[0].1.clone();
    let ok = net
        .wire
        .iter()
        .find(|(f, m)| *f == B && m.starts_with("SIP/2.0 200"))
        .unwrap()
        .1
        .clone();
    let (from, to, call_id) = (
        header(&invite, "From"),
        header(&ok, "To"),
        header(&invite, "Call-ID"),
    );
    let in_dialog = |method: &str, branch: &str, to: &str, call_id: &str| {
        format!(
            "{method} sip:sansio@127.0.0.2:5060 SIP/2.0\r\n\
             Via: SIP/2.0/UDP 127.0.0.1:5070;branch={branch}\r\nFrom: {from}\r\nTo: {to}\r\n\
             Call-ID: {call_id}\r\nCSeq: 50 {method}\r\nMax-Forwards: 70\r\n\
             Content-Length: 0\r\n\r\n"
        )
    };
    let mut answers = Vec::new();
    let stranger_to = to.replace("tag=", "tag=x");
    for request in [
        // A To tag that is not B's, a Call-ID that is not the dialog's, each method.
        in_dialog("BYE", "z9hG4bKo1", &stranger_to, call_id),
        in_dialog("INVITE", "z9hG4bKo2", &stranger_to, call_id),
        in_dialog("BYE", "z9hG4bKo3", to, "other@127.0.0.1"),
    ] {
        let now = net.now;
        net.ep(B).handle_input(Input::Receive {
            now,
            socket: Socket::Sip,
            source: ADDRS[A].parse().unwrap(),
            bytes: Bytes::from(request),
        });
        let mut buf = Vec::new();
        while let Output::Transmit(_) = net.ep(B).poll_output(&mut buf) {
            answers.push(
                String::from_utf8_lossy(&buf)
                    .lines()
                    .next()
                    .unwrap()
                    .to_owned(),
            );
        }
    }
    assert_eq!(
        answers, ["SIP/2.0 481 Call/Transaction Does Not Exist"; 3],
        "§12.2.2"
    );
    assert_eq!(net.ep(B).stats().no_dialog, 3);
    assert!(net.ended(B).is_empty(), "the real dialog is untouched");

    // Once the call is over and forgotten, its own tags are strangers too.
    let now = net.now;
    net.ep(A).hang_up(now, call).unwrap();
    net.run_until(ms(40_000));
    assert!(net.all_empty());
    let now = net.now;
    net.ep(B).handle_input(Input::Receive {
        now,
        socket: Socket::Sip,
        source: ADDRS[A].parse().unwrap(),
        bytes: Bytes::from(in_dialog("BYE", "z9hG4bKo4", to, call_id)),
    });
    let mut buf = Vec::new();
    assert!(matches!(
        net.ep(B).poll_output(&mut buf),
        Output::Transmit(_)
    ));
    assert!(buf.starts_with(b"SIP/2.0 481 "));
}

#[test]
fn a_reinvite_and_a_2xx_to_ours_each_move_the_remote_target() {
    let mut net = Net::new(&[14, 15]);
    let call = net.dial(A, B);
    net.run_until(ms(1000));
    let invite = net.wire[0].1.clone();
    let ok = net
        .wire
        .iter()
        .find(|(f, m)| *f == B && m.starts_with("SIP/2.0 200"))
        .unwrap()
        .1
        .clone();
    let sdp_b = ok.split("\r\n\r\n").nth(1).unwrap().to_owned();

    // 1. B's side sends a re-INVITE (crafted here) whose Contact names a new target, with
    //    the same session description: A answers 200 and takes the new target (§12.2.2).
    let reinvite = format!(
        "INVITE sip:sansio@127.0.0.1:5070 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bKrefresh1\r\nFrom: {}\r\nTo: {}\r\n\
         Call-ID: {}\r\nCSeq: 7 INVITE\r\nContact: <sip:moved@127.0.0.2:5060>\r\n\
         Max-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp_b}",
        header(&ok, "To"),
        header(&invite, "From"),
        header(&invite, "Call-ID"),
        sdp_b.len()
    );
    // From now on B's endpoint is out of the picture: the test plays B.
    net.rule = Box::new(|_| vec![]);
    let now = net.now;
    net.ep(A).handle_input(Input::Receive {
        now,
        socket: Socket::Sip,
        source: ADDRS[B].parse().unwrap(),
        bytes: Bytes::from(reinvite),
    });
    net.run_until(ms(1001));
    let answer = net.wire.last().unwrap().1.clone();
    assert!(answer.starts_with("SIP/2.0 200 OK\r\n"), "{answer}");
    assert_eq!(header(&answer, "CSeq"), "7 INVITE");
    assert!(net.nodes[A]
        .events
        .iter()
        .any(|(_, e)| matches!(e, Event::SessionRefreshed { remote: true, .. })));
    // "B" acknowledges A's 200, ending that INVITE transaction (§13.2.2.4).
    let ack = format!(
        "ACK sip:sansio@127.0.0.1:5070 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bKrefresh1ack\r\nFrom: {}\r\nTo: {}\r\n\
         Call-ID: {}\r\nCSeq: 7 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
        header(&ok, "To"),
        header(&invite, "From"),
        header(&invite, "Call-ID"),
    );
    let now = net.now;
    net.ep(A).handle_input(Input::Receive {
        now,
        socket: Socket::Sip,
        source: ADDRS[B].parse().unwrap(),
        bytes: Bytes::from(ack),
    });
    let dialog_target = |net: &mut Net| {
        net.ep(A)
            .dialogs(call)
            .next()
            .unwrap()
            .remote_target()
            .to_owned()
    };
    assert_eq!(dialog_target(&mut net), "sip:moved@127.0.0.2:5060");

    // 2. A re-INVITEs; "B" answers 200 with yet another Contact: the ACK already goes there
    //    (§12.2.1.2), and so does the BYE.
    let now = net.now;
    net.ep(A).reinvite(now, call).unwrap();
    net.run_until(ms(1002));
    let ours = net.wire.last().unwrap().1.clone();
    assert!(
        ours.starts_with("INVITE sip:moved@127.0.0.2:5060 SIP/2.0\r\n"),
        "{ours}"
    );
    let reply = format!(
        "SIP/2.0 200 OK\r\nVia: {}\r\nFrom: {}\r\nTo: {}\r\nCall-ID: {}\r\nCSeq: {}\r\n\
         Contact: <sip:moved-again@127.0.0.2:5060>\r\nContent-Type: application/sdp\r\n\
         Content-Length: {}\r\n\r\n{sdp_b}",
        header(&ours, "Via"),
        header(&ours, "From"),
        header(&ours, "To"),
        header(&ours, "Call-ID"),
        header(&ours, "CSeq"),
        sdp_b.len()
    );
    let now = net.now;
    net.ep(A).handle_input(Input::Receive {
        now,
        socket: Socket::Sip,
        source: ADDRS[B].parse().unwrap(),
        bytes: Bytes::from(reply),
    });
    net.run_until(ms(1003));
    let ack = net.wire.last().unwrap().1.clone();
    assert!(
        ack.starts_with("ACK sip:moved-again@127.0.0.2:5060 SIP/2.0\r\n"),
        "{ack}"
    );
    assert_eq!(header(&ack, "CSeq"), "2 ACK");
    assert!(net.nodes[A]
        .events
        .iter()
        .any(|(_, e)| matches!(e, Event::SessionRefreshed { remote: false, .. })));
    let now = net.now;
    net.ep(A).hang_up(now, call).unwrap();
    net.run_until(ms(1004));
    let bye = net.wire.last().unwrap().1.clone();
    assert!(
        bye.starts_with("BYE sip:moved-again@127.0.0.2:5060 SIP/2.0\r\n"),
        "{bye}"
    );
}

#[test]
fn a_reinvite_that_gets_no_answer_fails_with_408_and_ends_the_dialog() {
    let mut net = Net::new(&[16, 17]);
    let call = net.dial(A, B);
    net.run_until(ms(1000));
    // From now on nothing A sends arrives.
    net.rule = Box::new(|p| if p.from == A { vec![] } else { vec![p.to] });
    let now = net.now;
    net.ep(A).reinvite(now, call).unwrap();
    assert!(
        matches!(
            net.ep(A).reinvite(now, call),
            Err(session_fsm::EndpointError::WrongState { .. })
        ),
        "§14.1: one INVITE at a time"
    );
    net.run_until(ms(40_000));
    // Timer A: T1 doubling, then Timer B at 64·T1 (§17.1.1.2) and a 408 for the TU.
    let sent: Vec<u64> = net
        .ladder_ms()
        .into_iter()
        .filter(|(_, from, _, l)| *from == A && l.starts_with("INVITE sip:sansio@"))
        .map(|(at, ..)| at)
        .collect();
    assert_eq!(sent, [1000, 1500, 2500, 4500, 8500, 16500, 32500]);
    let failed: Vec<(Duration, u16)> = net.nodes[A]
        .events
        .iter()
        .filter_map(|(at, e)| match e {
            Event::SessionRefreshFailed { status, .. } => Some((*at, *status)),
            _ => None,
        })
        .collect();
    assert_eq!(failed, [(ms(33_000), 408)]);
    // §12.2.1.2: a 408 ends the dialog: BYE (lost too) and the call is over.
    assert_eq!(net.ended(A), [(ms(33_000), EndReason::Timeout)]);
    let byes = net
        .ladder
        .iter()
        .filter(|(at, from, _, l)| *from == A && *at == ms(33_000) && l.starts_with("BYE"))
        .count();
    assert_eq!(byes, 1);
}

/// Found by the `endpoint` fuzz target: hanging up while our re-INVITE goes unanswered ended
/// the call, and then the re-INVITE's Timer B reported a `SessionRefreshFailed` (and a second
/// BYE) for a call the application had already seen end.
#[test]
fn hanging_up_during_an_unanswered_reinvite_reports_the_end_once_and_nothing_after() {
    let mut net = Net::new(&[18, 19]);
    let call = net.dial(A, B);
    net.run_until(ms(1000));
    // From now on nothing A sends arrives.
    net.rule = Box::new(|p| if p.from == A { vec![] } else { vec![p.to] });
    let now = net.now;
    net.ep(A).reinvite(now, call).unwrap();
    net.run_until(ms(2000));
    let now = net.now;
    net.ep(A).hang_up(now, call).unwrap();
    net.run_until(ms(40_000));
    assert_eq!(net.ended(A), [(ms(2000), EndReason::LocalHangUp)]);
    let after_end: Vec<&Event> = net.nodes[A]
        .events
        .iter()
        .filter(|(at, _)| *at > ms(2000))
        .map(|(_, e)| e)
        .collect();
    assert!(after_end.is_empty(), "events after Ended: {after_end:?}");
    let byes: Vec<u64> = net
        .ladder_ms()
        .into_iter()
        .filter(|(_, from, _, l)| *from == A && l.starts_with("BYE"))
        .map(|(at, ..)| at)
        .collect();
    // One BYE transaction: sent at 2 s, retransmitted by Timer E (T1 doubling, capped at T2).
    assert_eq!(byes[0], 2000);
    assert!(byes.iter().all(|at| *at < 2000 + 32_000), "{byes:?}");
    assert_eq!(
        byes.len(),
        11,
        "one BYE and its Timer E retransmissions: {byes:?}"
    );
}

#[test]
fn a_reinvite_left_in_proceeding_is_given_up_64_t1_after_the_call_ends() {
    let mut net = Net::new(&[18, 19]);
    let call = net.dial(A, B);
    net.run_until(ms(1000));
    // The re-INVITE never reaches B; a 100 Trying for it (crafted here) reaches A, so its
    // INVITE client transaction sits in Proceeding, where no timer runs (§17.1.1.2).
    net.rule = Box::new(|p| {
        if p.from == A && p.first_line().starts_with("INVITE") {
            vec![]
        } else {
            vec![p.to]
        }
    });
    let now = net.now;
    net.ep(A).reinvite(now, call).unwrap();
    net.run_until(ms(1001));
    let ours = net.wire.last().unwrap().1.clone();
    let trying = format!(
        "SIP/2.0 100 Trying\r\nVia: {}\r\nFrom: {}\r\nTo: {}\r\nCall-ID: {}\r\nCSeq: {}\r\n\
         Content-Length: 0\r\n\r\n",
        header(&ours, "Via"),
        header(&ours, "From"),
        header(&ours, "To"),
        header(&ours, "Call-ID"),
        header(&ours, "CSeq"),
    );
    net.ep(A).handle_input(Input::Receive {
        now,
        socket: Socket::Sip,
        source: ADDRS[B].parse().unwrap(),
        bytes: Bytes::from(trying),
    });
    net.run_until(ms(2000));
    let now = net.now;
    net.ep(A).hang_up(now, call).unwrap();
    // The BYE completes; only the stuck re-INVITE keeps the call after the INVITE's Timer M.
    net.run_until(ms(2000 + 31_999));
    assert_eq!(net.ep(A).call_count(), 1);
    assert_eq!(net.ep(A).transaction_count(), 1);
    // 64·T1 after the call ended the re-INVITE is given up as if cancelled (§9.1).
    net.run_until(ms(2000 + 32_000));
    assert_eq!(net.ep(A).call_count() + net.ep(A).transaction_count(), 0);
    net.run_until(ms(40_000));
    assert!(net.all_empty());
}
