//! Whole call flows between two endpoints wired back to back in memory, on virtual time.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use session_fsm::endpoint::Transport;
use session_fsm::{Endpoint, EndpointConfig, Event, Input, Output, Socket, WallClock};

/// The one real instant a test reads; virtual time is offsets from it.
#[allow(clippy::disallowed_methods)]
fn epoch() -> Instant {
    Instant::now()
}

fn endpoint(addr: &str, seed: u64, epoch: Instant) -> Endpoint {
    let wall = WallClock {
        instant: epoch,
        unix: Duration::from_secs(1_800_000_000),
    };
    Endpoint::new(EndpointConfig::new(addr.parse().unwrap(), seed, wall))
}

type Sent = Vec<(Socket, SocketAddr, Vec<u8>)>;

/// Drains one endpoint, returning what it sent, its events and its next deadline.
fn drain(ep: &mut Endpoint) -> (Sent, Vec<Event>, Option<Instant>) {
    let (sent, events, next) = drain_with_transport(ep);
    let sent = sent.into_iter().map(|(s, d, _, b)| (s, d, b)).collect();
    (sent, events, next)
}

type SentVia = Vec<(Socket, SocketAddr, Transport, Vec<u8>)>;

/// [`drain`], keeping the transport of each datagram.
fn drain_with_transport(ep: &mut Endpoint) -> (SentVia, Vec<Event>, Option<Instant>) {
    let mut sent = Vec::new();
    let mut events = Vec::new();
    let mut buf = Vec::new();
    loop {
        match ep.poll_output(&mut buf) {
            Output::Transmit(t) => sent.push((t.socket, t.destination, t.transport, buf.clone())),
            Output::Event(e) => events.push(e),
            Output::Timeout(t) => return (sent, events, t),
        }
    }
}

#[test]
fn options_is_answered_200_with_allow() {
    let epoch = epoch();
    let mut uas = endpoint("127.0.0.1:5060", 1, epoch);
    let request = b"OPTIONS sip:uas@127.0.0.1:5060 SIP/2.0\r\n\
        Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKping1\r\n\
        From: <sip:probe@127.0.0.1:5070>;tag=p1\r\nTo: <sip:uas@127.0.0.1:5060>\r\n\
        Call-ID: ping-1\r\nCSeq: 7 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    uas.handle_input(Input::Receive {
        now: epoch,
        socket: Socket::Sip,
        source: "127.0.0.1:5070".parse().unwrap(),
        bytes: Bytes::from_static(request),
    });
    let (sent, events, _) = drain(&mut uas);
    assert!(events.is_empty());
    assert_eq!(sent.len(), 1);
    let text = String::from_utf8(sent[0].2.clone()).unwrap();
    assert!(text.starts_with("SIP/2.0 200 OK\r\n"), "{text}");
    assert!(
        text.contains("\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKping1\r\n"),
        "{text}"
    );
    assert!(text.contains("\r\nCSeq: 7 OPTIONS\r\n"), "{text}");
    assert!(
        text.contains("\r\nAllow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------
// Two endpoints back to back on a perfect in-memory network, on virtual time.

const UAC_SIP: &str = "127.0.0.1:5070";
const UAS_SIP: &str = "127.0.0.2:5060";
const UAC_RTP: &str = "127.0.0.1:30000";
const UAS_RTP: &str = "127.0.0.2:40000";

/// What the application on each side does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum UasPolicy {
    RingAndAnswer,
    RingOnly,
    Reject(u16),
}

struct Pair {
    now: Instant,
    epoch: Instant,
    uac: Endpoint,
    uas: Endpoint,
    policy: UasPolicy,
    /// Drop every datagram the UAC sends whose first line starts with this (simulated loss).
    uac_drops: Option<&'static str>,
    /// Drop everything the UAS sends (a black hole).
    uas_silent: bool,
    uac_events: Vec<(Duration, Event)>,
    uas_events: Vec<(Duration, Event)>,
    /// (time, from UAC?, first line) of every SIP message delivered or dropped.
    ladder: Vec<(Duration, bool, String)>,
    /// The call on each side, for routing media.
    uac_call: Option<session_fsm::CallId>,
    uas_call: Option<session_fsm::CallId>,
    /// The transport of every datagram sent, in order.
    transports: Vec<Transport>,
    /// Every SIP message delivered or dropped, whole: (time, from UAC?, text).
    messages: Vec<(Duration, bool, String)>,
}

impl Pair {
    fn new(policy: UasPolicy) -> Pair {
        let epoch = epoch();
        Pair {
            now: epoch,
            epoch,
            uac: endpoint(UAC_SIP, 11, epoch),
            uas: endpoint(UAS_SIP, 22, epoch),
            policy,
            uac_drops: None,
            uas_silent: false,
            uac_events: Vec::new(),
            uas_events: Vec::new(),
            ladder: Vec::new(),
            uac_call: None,
            uas_call: None,
            transports: Vec::new(),
            messages: Vec::new(),
        }
    }

    fn at(&self) -> Duration {
        self.now - self.epoch
    }

    /// Delivers everything both sides have to send, until neither has anything left now.
    /// Returns the earliest deadline.
    fn settle(&mut self) -> Option<Instant> {
        loop {
            let (uac_sent, uac_events, uac_next) = drain_with_transport(&mut self.uac);
            let (uas_sent, uas_events, uas_next) = drain_with_transport(&mut self.uas);
            let at = self.at();
            for e in uac_events {
                self.uac_events.push((at, e));
            }
            let mut commands = Vec::new();
            for e in uas_events {
                if let Event::IncomingCall { call, .. } = &e {
                    commands.push(*call);
                    self.uas_call = Some(*call);
                }
                self.uas_events.push((at, e));
            }
            for call in &commands {
                match self.policy {
                    UasPolicy::RingAndAnswer => {
                        self.uas.ring(self.now, *call).unwrap();
                        self.uas
                            .answer(self.now, *call, UAS_RTP.parse().unwrap())
                            .unwrap();
                    }
                    UasPolicy::RingOnly => self.uas.ring(self.now, *call).unwrap(),
                    UasPolicy::Reject(status) => self.uas.reject(self.now, *call, status).unwrap(),
                }
            }
            if uac_sent.is_empty() && uas_sent.is_empty() && commands.is_empty() {
                return [uac_next, uas_next].into_iter().flatten().min();
            }
            for (socket, destination, transport, bytes) in uac_sent {
                self.transports.push(transport);
                self.deliver(true, socket, destination, transport, bytes);
            }
            for (socket, destination, transport, bytes) in uas_sent {
                self.transports.push(transport);
                self.deliver(false, socket, destination, transport, bytes);
            }
        }
    }

    fn deliver(
        &mut self,
        from_uac: bool,
        socket: Socket,
        destination: SocketAddr,
        transport: Transport,
        bytes: Vec<u8>,
    ) {
        let now = self.now;
        if socket == Socket::Sip {
            let line = String::from_utf8_lossy(&bytes)
                .lines()
                .next()
                .unwrap_or("")
                .to_owned();
            let dropped = (from_uac && self.uac_drops.is_some_and(|p| line.starts_with(p)))
                || (!from_uac && self.uas_silent);
            self.ladder.push((self.at(), from_uac, line));
            let text = String::from_utf8_lossy(&bytes).into_owned();
            self.messages.push((self.at(), from_uac, text));
            if dropped {
                return;
            }
            let (target, source) = if from_uac {
                assert_eq!(destination, UAS_SIP.parse().unwrap());
                (&mut self.uas, UAC_SIP)
            } else {
                assert_eq!(destination, UAC_SIP.parse().unwrap());
                (&mut self.uac, UAS_SIP)
            };
            let source = source.parse().unwrap();
            let bytes = Bytes::from(bytes);
            target.handle_input(if transport.is_reliable() {
                // A stream: the test plays a runtime that framed exactly this message.
                Input::ReceiveStream {
                    now,
                    transport,
                    source,
                    bytes,
                }
            } else {
                Input::Receive {
                    now,
                    socket: Socket::Sip,
                    source,
                    bytes,
                }
            });
            return;
        }
        if self.uas_silent && !from_uac {
            return;
        }
        // Media: the receiving side's call.
        let (target, source_rtp, call) = if from_uac {
            (&mut self.uas, UAC_RTP, self.uas_call)
        } else {
            (&mut self.uac, UAS_RTP, self.uac_call)
        };
        let Some(call) = call else { return };
        let rtcp = matches!(socket, Socket::Rtcp(_));
        let expected_port = destination.port();
        let is_rtcp_port = expected_port % 2 == 1;
        assert_eq!(
            rtcp, is_rtcp_port,
            "RTCP goes to the odd port, RTP to the even one"
        );
        let mut source: SocketAddr = source_rtp.parse().unwrap();
        if rtcp {
            source.set_port(source.port() + 1);
        }
        let socket = if rtcp {
            Socket::Rtcp(call)
        } else {
            Socket::Rtp(call)
        };
        target.handle_input(Input::Receive {
            now,
            socket,
            source,
            bytes: Bytes::from(bytes),
        });
    }

    /// Runs until `until` (virtual), firing timers as they come due.
    fn run_until(&mut self, until: Duration) {
        loop {
            let next = self.settle();
            match next {
                Some(t) if t - self.epoch <= until => {
                    assert!(
                        t >= self.now,
                        "a deadline in the past: {t:?} < {:?}",
                        self.now
                    );
                    self.now = t;
                    self.uac.handle_input(Input::Timeout(t));
                    self.uas.handle_input(Input::Timeout(t));
                }
                _ => {
                    self.now = self.epoch + until;
                    self.uac.handle_input(Input::Timeout(self.now));
                    self.uas.handle_input(Input::Timeout(self.now));
                    self.settle();
                    return;
                }
            }
        }
    }

    fn uac_call(&mut self) -> session_fsm::CallId {
        self.uac_call_to(&format!("sip:uas@{UAS_SIP}"))
    }

    fn uac_call_to(&mut self, target: &str) -> session_fsm::CallId {
        let call = self
            .uac
            .call(self.now, target, UAC_RTP.parse().unwrap())
            .unwrap();
        self.uac_call = Some(call);
        call
    }

    fn sent_by_uac(&self, prefix: &str) -> Vec<Duration> {
        self.ladder
            .iter()
            .filter(|(_, uac, l)| *uac && l.starts_with(prefix))
            .map(|e| e.0)
            .collect()
    }

    fn sent_by_uas(&self, prefix: &str) -> Vec<Duration> {
        self.ladder
            .iter()
            .filter(|(_, uac, l)| !*uac && l.starts_with(prefix))
            .map(|e| e.0)
            .collect()
    }
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

fn ended(
    events: &[(Duration, Event)],
) -> Vec<(Duration, session_fsm::EndReason, session_fsm::MediaStats)> {
    events
        .iter()
        .filter_map(|(at, e)| match e {
            Event::Ended { reason, media, .. } => Some((*at, reason.clone(), *media)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_call_carries_audio_both_ways_and_both_tables_empty_after_64_t1() {
    let mut pair = Pair::new(UasPolicy::RingAndAnswer);
    let call = pair.uac_call();
    pair.run_until(secs(2.0));
    pair.uac.hang_up(pair.now, call).unwrap();
    pair.run_until(secs(2.5));

    let ladder: Vec<&str> = pair.ladder.iter().map(|(_, _, l)| l.as_str()).collect();
    let expected = [
        "INVITE sip:uas@127.0.0.2:5060 SIP/2.0",
        "SIP/2.0 100 Trying",
        "SIP/2.0 180 Ringing",
        "SIP/2.0 200 OK",
        // In-dialog requests go to the remote target, the UAS's Contact (§12.2.1.1).
        "ACK sip:sansio@127.0.0.2:5060 SIP/2.0",
        "BYE sip:sansio@127.0.0.2:5060 SIP/2.0",
        "SIP/2.0 200 OK",
    ];
    assert_eq!(ladder, expected);
    let uac_end = ended(&pair.uac_events);
    let uas_end = ended(&pair.uas_events);
    assert_eq!(uac_end.len(), 1);
    assert_eq!(uas_end.len(), 1);
    assert_eq!(uac_end[0].1, session_fsm::EndReason::LocalHangUp);
    assert_eq!(uas_end[0].1, session_fsm::EndReason::RemoteHangUp);
    // 2 s of 20 ms packets, the first at t=0: 101 packets each way (t = 0, 0.02, ..., 2.0).
    for (_, _, media) in [&uac_end[0], &uas_end[0]] {
        assert_eq!(media.rtp_sent, 101, "{media:?}");
        assert_eq!(media.rtp_lost, 0, "{media:?}");
        assert_eq!(media.rtp_received, 101, "{media:?}");
        // Both RTCP reports left at 2.5 s? No: the call ended at 2 s, before the first
        // report (half the 5 s interval, RFC 3550 §6.2); the BYE compound follows.
        assert_eq!(
            media.jitter_ms, 0.0,
            "a perfect network has no jitter: {media:?}"
        );
    }
    // Transactions linger 64·T1 = 32 s to absorb retransmissions, then everything is freed.
    assert!(pair.uac.transaction_count() > 0);
    pair.run_until(secs(40.0));
    for ep in [&pair.uac, &pair.uas] {
        assert_eq!(ep.transaction_count(), 0);
        assert_eq!(ep.call_count(), 0);
    }
    // No RTP after the hang-up: nothing was delivered past 2 s but RTCP BYE.
    assert_eq!(pair.uac.stats().stray_responses, 0);
}

#[test]
fn invite_into_silence_retransmits_on_timer_a_and_gives_up_on_timer_b_at_32_s() {
    let mut pair = Pair::new(UasPolicy::RingAndAnswer);
    pair.uas_silent = true;
    pair.uac_drops = Some("INVITE");
    pair.uac_call();
    pair.run_until(secs(40.0));
    // RFC 3261 §17.1.1.2: T1, doubling without cap, until Timer B = 64·T1.
    let expected: Vec<Duration> = [0.0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5]
        .iter()
        .map(|s| secs(*s))
        .collect();
    assert_eq!(pair.sent_by_uac("INVITE"), expected);
    let end = ended(&pair.uac_events);
    assert_eq!(end.len(), 1);
    assert_eq!(end[0].0, secs(32.0));
    assert_eq!(end[0].1, session_fsm::EndReason::Timeout);
    assert_eq!(pair.uac.call_count(), 0);
    assert_eq!(pair.uac.transaction_count(), 0);
}

#[test]
fn uas_retransmits_its_200_until_the_ack_then_gives_up_and_sends_bye() {
    let mut pair = Pair::new(UasPolicy::RingAndAnswer);
    pair.uac_drops = Some("ACK");
    pair.uac_call();
    pair.run_until(secs(40.0));
    // §13.3.1.4: the 2xx at T1, 2·T1, 4·T1... capped at T2 = 4 s, for 64·T1 = 32 s.
    let expected: Vec<Duration> = [0.0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5]
        .iter()
        .map(|s| secs(*s))
        .collect();
    let oks: Vec<Duration> = pair
        .ladder
        .iter()
        .filter(|(_, uac, l)| !*uac && l.starts_with("SIP/2.0 200"))
        .map(|e| e.0)
        .take(expected.len())
        .collect();
    assert_eq!(oks, expected);
    // The UAC ACKs every retransmission (§13.2.2.4), and every ACK is lost.
    assert_eq!(pair.sent_by_uac("ACK").len(), expected.len());
    // Then the UAS ends the call with a BYE (§13.3.1.4), which the UAC answers.
    assert_eq!(pair.sent_by_uas("BYE"), vec![secs(32.0)]);
    let uas_end = ended(&pair.uas_events);
    assert_eq!(uas_end.len(), 1);
    assert_eq!(
        (uas_end[0].0, uas_end[0].1.clone()),
        (secs(32.0), session_fsm::EndReason::Timeout)
    );
    let uac_end = ended(&pair.uac_events);
    assert_eq!(uac_end[0].1, session_fsm::EndReason::RemoteHangUp);
    // No call was ever reported answered on the UAS side: the ACK never came.
    assert!(!pair
        .uas_events
        .iter()
        .any(|(_, e)| matches!(e, Event::Answered { .. })));
}

#[test]
fn a_rejected_call_is_acked_and_reported_declined() {
    let mut pair = Pair::new(UasPolicy::Reject(486));
    pair.uac_call();
    pair.run_until(secs(1.0));
    let ladder: Vec<&str> = pair.ladder.iter().map(|(_, _, l)| l.as_str()).collect();
    assert_eq!(
        ladder,
        [
            "INVITE sip:uas@127.0.0.2:5060 SIP/2.0",
            "SIP/2.0 100 Trying",
            "SIP/2.0 486 Busy Here",
            "ACK sip:uas@127.0.0.2:5060 SIP/2.0",
        ]
    );
    assert_eq!(
        ended(&pair.uac_events)[0].1,
        session_fsm::EndReason::Declined(486)
    );
    assert_eq!(
        ended(&pair.uas_events)[0].1,
        session_fsm::EndReason::Rejected(486)
    );
    pair.run_until(secs(40.0));
    assert_eq!(
        pair.uac.transaction_count() + pair.uas.transaction_count(),
        0
    );
    assert_eq!(pair.uac.call_count() + pair.uas.call_count(), 0);
}

#[test]
fn hanging_up_while_it_rings_cancels_and_the_invite_gets_487() {
    let mut pair = Pair::new(UasPolicy::RingOnly);
    let call = pair.uac_call();
    pair.run_until(secs(1.0));
    assert!(pair
        .uac_events
        .iter()
        .any(|(_, e)| matches!(e, Event::Ringing { .. })));
    pair.uac.hang_up(pair.now, call).unwrap();
    pair.run_until(secs(2.0));
    let ladder: Vec<&str> = pair.ladder.iter().map(|(_, _, l)| l.as_str()).collect();
    assert_eq!(
        ladder,
        [
            "INVITE sip:uas@127.0.0.2:5060 SIP/2.0",
            "SIP/2.0 100 Trying",
            "SIP/2.0 180 Ringing",
            "CANCEL sip:uas@127.0.0.2:5060 SIP/2.0",
            "SIP/2.0 200 OK",
            "SIP/2.0 487 Request Terminated",
            "ACK sip:uas@127.0.0.2:5060 SIP/2.0",
        ]
    );
    assert_eq!(
        ended(&pair.uac_events)[0].1,
        session_fsm::EndReason::LocalHangUp
    );
    assert_eq!(
        ended(&pair.uas_events)[0].1,
        session_fsm::EndReason::RemoteHangUp
    );
    pair.run_until(secs(40.0));
    assert_eq!(
        pair.uac.transaction_count() + pair.uas.transaction_count(),
        0
    );
    assert_eq!(pair.uac.call_count() + pair.uas.call_count(), 0);
}

/// Feeds one raw datagram to a fresh UAS and returns its answers.
fn answers_to(datagram: &[u8]) -> Vec<String> {
    let epoch = epoch();
    let mut uas = endpoint(UAS_SIP, 3, epoch);
    uas.handle_input(Input::Receive {
        now: epoch,
        socket: Socket::Sip,
        source: UAC_SIP.parse().unwrap(),
        bytes: Bytes::copy_from_slice(datagram),
    });
    let (sent, events, _) = drain(&mut uas);
    assert!(events.is_empty(), "no call for a broken or foreign request");
    sent.into_iter()
        .map(|(_, _, b)| String::from_utf8_lossy(&b).into_owned())
        .collect()
}

fn request(method_line: &str, cseq: &str, extra: &str) -> String {
    format!(
        "{method_line}\r\nVia: SIP/2.0/UDP {UAC_SIP};branch=z9hG4bKt1\r\n\
         From: <sip:a@{UAC_SIP}>;tag=a1\r\nTo: <sip:uas@{UAS_SIP}>{extra}\r\n\
         Call-ID: c1@test\r\nCSeq: {cseq}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    )
}

#[test]
fn broken_and_foreign_requests_get_the_rfc_answers() {
    // CSeq method differs from the request method (§8.1.1.5): 400 naming the rule.
    let answers =
        answers_to(request("INVITE sip:uas@127.0.0.2 SIP/2.0", "1 OPTIONS", "").as_bytes());
    assert_eq!(answers.len(), 1);
    assert!(
        answers[0].starts_with("SIP/2.0 400 Bad Request\r\n"),
        "{}",
        answers[0]
    );
    assert!(
        answers[0].contains("\r\nWarning: 399 127.0.0.2 \""),
        "{}",
        answers[0]
    );
    assert!(
        answers[0].contains("\r\nCall-ID: c1@test\r\n"),
        "{}",
        answers[0]
    );

    // A BYE for a dialog we do not have: 481 (§12.2.2).
    let answers =
        answers_to(request("BYE sip:uas@127.0.0.2 SIP/2.0", "2 BYE", ";tag=nope").as_bytes());
    assert!(answers[0].starts_with("SIP/2.0 481 "), "{}", answers[0]);

    // A method nobody knows: 501 (§8.2.1), with Allow.
    let answers = answers_to(request("FOO sip:uas@127.0.0.2 SIP/2.0", "1 FOO", "").as_bytes());
    assert!(answers[0].starts_with("SIP/2.0 501 "), "{}", answers[0]);
    assert!(answers[0].contains("\r\nAllow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n"));

    // A method we know but do not implement: 405 (§8.2.1).
    let answers =
        answers_to(request("REGISTER sip:127.0.0.2 SIP/2.0", "1 REGISTER", "").as_bytes());
    assert!(answers[0].starts_with("SIP/2.0 405 "), "{}", answers[0]);

    // An INVITE whose offer we cannot answer (no common codec): 488 (RFC 3264 §6).
    let sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
               m=audio 4000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n";
    let invite = request("INVITE sip:uas@127.0.0.2 SIP/2.0", "1 INVITE", "").replace(
        "Content-Length: 0\r\n\r\n",
        &format!(
            "Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}",
            sdp.len()
        ),
    );
    let answers = answers_to(invite.as_bytes());
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert!(answers[0].starts_with("SIP/2.0 488 "), "{}", answers[0]);

    // Garbage, an empty datagram and a response nobody asked for: dropped, never answered.
    for garbage in [
        &b""[..],
        b"\x00\x01\x02",
        b"SIP/2.0 200 OK\r\n\r\n",
        b"\r\n\r\n",
    ] {
        assert!(answers_to(garbage).is_empty());
    }
}

#[test]
fn a_cancel_that_never_gets_a_final_response_is_given_up_after_64_t1() {
    // The callee goes silent after ringing: no 200 to the CANCEL, no 487 to the INVITE.
    // RFC 3261 §9.1: 64·T1 after the CANCEL the UAC destroys the INVITE transaction.
    let mut pair = Pair::new(UasPolicy::RingOnly);
    let call = pair.uac_call();
    pair.run_until(secs(1.0));
    pair.uas_silent = true;
    pair.uac.hang_up(pair.now, call).unwrap();
    pair.run_until(secs(1.0 + 31.9));
    assert_eq!(
        pair.uac.call_count(),
        1,
        "the call waits for the INVITE's final response"
    );
    pair.run_until(secs(1.0 + 32.0));
    assert_eq!(pair.uac.call_count(), 0);
    assert_eq!(pair.uac.transaction_count(), 0);
    assert_eq!(
        ended(&pair.uac_events)[0].1,
        session_fsm::EndReason::LocalHangUp
    );
}

#[test]
fn a_request_in_another_sip_version_gets_505() {
    // RFC 3261 §8.2.2 and RFC 4475 §3.1.2.16 (badvers): 505 Version Not Supported.
    let answers =
        answers_to(request("OPTIONS sip:uas@127.0.0.2 SIP/7.0", "1 OPTIONS", "").as_bytes());
    assert_eq!(answers.len(), 1, "a request in SIP/7.0 is answered");
    assert!(
        answers[0].starts_with("SIP/2.0 505 Version Not Supported\r\n"),
        "{}",
        answers[0]
    );
    assert!(
        answers[0].contains("\r\nCall-ID: c1@test\r\n"),
        "{}",
        answers[0]
    );
}

// ---------------------------------------------------------------------------------------
// Transport glue: Via received/rport (RFC 3261 §18.2.1, RFC 3581), response routing
// (§18.2.2), stream transports, transport errors, merged requests (§8.2.2.2).

/// Feeds `datagram` from `source` to a fresh UAS; returns where each answer went and its text.
fn answers_from(source: &str, datagram: &str) -> Vec<(SocketAddr, String)> {
    let epoch = epoch();
    let mut uas = endpoint(UAS_SIP, 3, epoch);
    uas.handle_input(Input::Receive {
        now: epoch,
        socket: Socket::Sip,
        source: source.parse().unwrap(),
        bytes: Bytes::copy_from_slice(datagram.as_bytes()),
    });
    let (sent, _, _) = drain(&mut uas);
    sent.into_iter()
        .map(|(_, to, b)| (to, String::from_utf8(b).unwrap()))
        .collect()
}

fn options_with_via(via: &str) -> String {
    format!(
        "OPTIONS sip:uas@{UAS_SIP} SIP/2.0\r\nVia: {via}\r\n\
         From: <sip:a@example.com>;tag=a1\r\nTo: <sip:uas@{UAS_SIP}>\r\n\
         Call-ID: nat-1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    )
}

#[test]
fn a_client_behind_a_nat_is_answered_at_its_public_address() {
    // RFC 3581 §4: the client asked for rport from a private address; the NAT made it
    // 192.0.2.50:40000. The answer goes there, and says so in the Via.
    let answers = answers_from(
        "192.0.2.50:40000",
        &options_with_via("SIP/2.0/UDP 10.0.0.7:5060;rport;branch=z9hG4bKnat1"),
    );
    assert_eq!(answers.len(), 1);
    let (to, text) = &answers[0];
    assert_eq!(*to, "192.0.2.50:40000".parse().unwrap());
    assert!(
        text.contains(
            "\r\nVia: SIP/2.0/UDP 10.0.0.7:5060;rport=40000;branch=z9hG4bKnat1;received=192.0.2.50\r\n"
        ),
        "{text}"
    );

    // No rport: §18.2.1 still adds received (the sent-by is not the source), and §18.2.2
    // sends to the received address at the sent-by port.
    let answers = answers_from(
        "192.0.2.50:40000",
        &options_with_via("SIP/2.0/UDP 10.0.0.7:5070;branch=z9hG4bKnat2"),
    );
    let (to, text) = &answers[0];
    assert_eq!(*to, "192.0.2.50:5070".parse().unwrap());
    assert!(
        text.contains(
            "\r\nVia: SIP/2.0/UDP 10.0.0.7:5070;branch=z9hG4bKnat2;received=192.0.2.50\r\n"
        ),
        "{text}"
    );

    // A sent-by that is the source, without rport: the Via comes back untouched, and the
    // answer goes to the sent-by port (5060 when none is written).
    let answers = answers_from(
        "192.0.2.50:40000",
        &options_with_via("SIP/2.0/UDP 192.0.2.50;branch=z9hG4bKnat3"),
    );
    let (to, text) = &answers[0];
    assert_eq!(*to, "192.0.2.50:5060".parse().unwrap());
    assert!(
        text.contains("\r\nVia: SIP/2.0/UDP 192.0.2.50;branch=z9hG4bKnat3\r\n"),
        "{text}"
    );
}

#[test]
fn every_response_to_an_invite_echoes_the_stamped_via() {
    let mut pair = Pair::new(UasPolicy::RingAndAnswer);
    pair.uac_call();
    pair.run_until(secs(1.0));
    // Our own Via asks for rport (RFC 3581), so the UAS fills it in and adds received,
    // equal as it is (§4), on the 100, the 180 and the 200 alike.
    let responses: Vec<&String> = pair
        .messages
        .iter()
        .filter(|(_, from_uac, m)| !*from_uac && m.starts_with("SIP/2.0 "))
        .map(|(_, _, m)| m)
        .collect();
    assert_eq!(responses.len(), 3);
    for response in responses {
        let via = response.lines().find(|l| l.starts_with("Via: ")).unwrap();
        assert!(
            via.starts_with("Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK")
                && via.ends_with(";rport=5070;received=127.0.0.1"),
            "{via}"
        );
    }
}

#[test]
fn a_call_over_tcp_never_retransmits_and_its_wait_timers_are_zero() {
    let mut pair = Pair::new(UasPolicy::RingAndAnswer);
    let call = pair.uac_call_to(&format!("sip:uas@{UAS_SIP};transport=tcp"));
    pair.run_until(secs(2.0));
    pair.uac.hang_up(pair.now, call).unwrap();
    pair.run_until(secs(3.0));
    let ladder: Vec<&str> = pair.ladder.iter().map(|(_, _, l)| l.as_str()).collect();
    assert_eq!(
        ladder,
        [
            "INVITE sip:uas@127.0.0.2:5060;transport=tcp SIP/2.0",
            "SIP/2.0 100 Trying",
            "SIP/2.0 180 Ringing",
            "SIP/2.0 200 OK",
            // The UAS's Contact names TCP, so the dialog stays on it (§12.2.1.1).
            "ACK sip:sansio@127.0.0.2:5060;transport=tcp SIP/2.0",
            "BYE sip:sansio@127.0.0.2:5060;transport=tcp SIP/2.0",
            "SIP/2.0 200 OK",
        ]
    );
    for (_, _, message) in &pair.messages {
        let via = message.lines().find(|l| l.starts_with("Via: ")).unwrap();
        assert!(via.starts_with("Via: SIP/2.0/TCP "), "{via}");
    }
    // Every SIP message went on the stream; media stays on UDP.
    let sip_transports = pair
        .transports
        .iter()
        .filter(|t| **t == Transport::Tcp)
        .count();
    assert_eq!(sip_transports, 7);
    // The BYE transactions ended at once (Timers J and K are zero on TCP); only the INVITE
    // transactions wait out Timers L and M (64·T1 on any transport, RFC 6026).
    assert_eq!(pair.uac.transaction_count(), 1);
    assert_eq!(pair.uas.transaction_count(), 1);
    pair.run_until(secs(40.0));
    assert_eq!(
        pair.uac.transaction_count() + pair.uas.transaction_count(),
        0
    );
    assert_eq!(pair.uac.call_count() + pair.uas.call_count(), 0);
}

#[test]
fn an_invite_on_a_stream_that_breaks_fails_with_a_transport_error() {
    let epoch = epoch();
    let mut uac = endpoint(UAC_SIP, 5, epoch);
    let call = uac
        .call(
            epoch,
            &format!("sip:uas@{UAS_SIP};transport=tcp"),
            UAC_RTP.parse().unwrap(),
        )
        .unwrap();
    let (sent, _, next) = drain_with_transport(&mut uac);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].2, Transport::Tcp);
    // On TCP only Timer B runs: no Timer A retransmission at 0.5 s.
    assert_eq!(next, Some(epoch + secs(32.0)));
    // The connection is refused: §17.1.4, the transaction fails and so does the call.
    uac.handle_input(Input::TransportError {
        now: epoch + secs(0.01),
        destination: UAS_SIP.parse().unwrap(),
        transport: Transport::Tcp,
    });
    let (sent, events, next) = drain(&mut uac);
    assert!(sent.is_empty());
    assert!(
        matches!(
            events.as_slice(),
            [Event::Ended { call: c, reason: session_fsm::EndReason::TransportError, .. }] if *c == call
        ),
        "{events:?}"
    );
    assert_eq!(next, None);
    assert_eq!(uac.transaction_count() + uac.call_count(), 0);
}

#[test]
fn an_invite_that_arrives_twice_by_two_paths_gets_482_the_second_time() {
    let epoch = epoch();
    let mut uas = endpoint(UAS_SIP, 6, epoch);
    let sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
               m=audio 4000 RTP/AVP 0\r\n";
    let invite = |branch: &str| {
        request("INVITE sip:uas@127.0.0.2 SIP/2.0", "1 INVITE", "")
            .replace("branch=z9hG4bKt1", branch)
            .replace(
                "Content-Length: 0\r\n\r\n",
                &format!(
                    "Contact: <sip:a@{UAC_SIP}>\r\nContent-Type: application/sdp\r\n\
                     Content-Length: {}\r\n\r\n{sdp}",
                    sdp.len()
                ),
            )
    };
    for (at, branch) in [(0.0, "branch=z9hG4bKpath1"), (0.01, "branch=z9hG4bKpath2")] {
        uas.handle_input(Input::Receive {
            now: epoch + secs(at),
            socket: Socket::Sip,
            source: UAC_SIP.parse().unwrap(),
            bytes: Bytes::from(invite(branch)),
        });
    }
    let (sent, events, _) = drain(&mut uas);
    let lines: Vec<String> = sent
        .iter()
        .map(|(_, _, b)| {
            String::from_utf8_lossy(b)
                .lines()
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(lines, ["SIP/2.0 100 Trying", "SIP/2.0 482 Loop Detected"]);
    let loop_answer = String::from_utf8_lossy(&sent[1].2).into_owned();
    assert!(loop_answer.contains("branch=z9hG4bKpath2"), "{loop_answer}");
    assert!(
        loop_answer.contains("\r\nTo: <sip:uas@127.0.0.2:5060>;tag="),
        "{loop_answer}"
    );
    let calls = events
        .iter()
        .filter(|e| matches!(e, Event::IncomingCall { .. }))
        .count();
    assert_eq!(calls, 1, "one call, not two");
    assert_eq!(uas.stats().loops_detected, 1);
}

#[test]
fn a_request_with_folded_headers_is_answered_not_a_panic() {
    // RFC 3261 §7.3.1 line folding: the parser unfolds such headers into a buffer of its own,
    // so their values are not slices of the datagram (RFC 4475 §3.1.1.1 "wsinv" style).
    let answers = answers_from(
        UAC_SIP,
        "OPTIONS sip:uas@127.0.0.2:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070\r\n  \
         ;branch=z9hG4bKfolded1\r\nFrom: <sip:a@example.com>\r\n ;tag=a1\r\n\
         To: <sip:uas@127.0.0.2:5060>\r\nCall-ID: fold-1\r\nCSeq: 1\r\n OPTIONS\r\n\
         Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
    );
    assert_eq!(answers.len(), 1);
    let (to, text) = &answers[0];
    assert_eq!(*to, UAC_SIP.parse().unwrap());
    assert!(text.starts_with("SIP/2.0 200 OK\r\n"), "{text}");
    assert!(text.contains("z9hG4bKfolded1"), "{text}");
}
