//! `endpoint`: a sequence of datagrams, timeouts and application commands fed to one
//! [`Endpoint`] (the whole user agent: transactions, dialogs, SDP and RTP).
//!
//! Datagrams are SIP built from templates with fuzzed fields (a peer's INVITE; requests
//! inside the dialogs the endpoint answered; responses to the requests it sent; requests
//! from the far end of the calls it placed), raw SIP bytes, and RTP/RTCP (built or raw) on a
//! call's media sockets. Commands are `call`, `ring`, `answer`, `reject` and `hang_up` on the
//! calls the harness has heard of. Virtual time only moves forward; like a real runtime the
//! harness fires every deadline it was given before moving past it, except for the "slept"
//! operation, which jumps far ahead at once.
//!
//! Invariants:
//! - draining `poll_output` ends within a bound, and `Output::Timeout(Some(t))` is always
//!   later than the last `now` fed;
//! - everything sent parses: SIP datagrams with [`Message::parse`], RTP with
//!   [`RtpPacket::new_checked`] (payload type 0 or 8), RTCP compounds without an error;
//!   media leaves only from the sockets of calls the application knows;
//! - events make sense: `IncomingCall` names a new call, `Ringing`/`Answered`/`Ended` a known
//!   call that has not ended, and each call ends at most once;
//! - commands succeed exactly when the call is in a state that allows them (`ring`,
//!   `answer`, `reject` on an offered incoming call; `hang_up` on any call not ended; `call`
//!   never beyond `max_calls`);
//! - calls that have not ended never exceed `max_calls`, and `call_count()` lies between
//!   them and the number of calls ever created; `transaction_count()` never exceeds the
//!   layer's limit;
//! - after hanging up every call and letting virtual time run (at most 10 minutes), the
//!   endpoint holds no call and no transaction and asks for no timer.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

use bytes::Bytes;
use rtp_proto::rtcp::{build_compound, CompoundIter, ReceiverReport, Report, SenderReport};
use rtp_proto::rtp::{RtpHeader, RtpPacket};
use session_fsm::time::{Duration, Instant};
use session_fsm::{
    CallId, Endpoint, EndpointConfig, EndpointError, Event, Input, Output, Socket, Transport,
    WallClock,
};
use sip_proto::message::{HeaderName, Message, ResponseBuilder};
use sip_proto::sdp::{self, Codec, Direction, LocalMedia};

use crate::cursor::{Cursor, Writer};

/// Most operations one input may take.
const MAX_OPS: usize = 256;
/// Most outputs one drain may yield before it counts as a hang.
const DRAIN_BOUND: usize = 10_000;
/// Most deadlines followed by one `Advance`.
const ADVANCE_STEPS: usize = 20_000;
/// How long the endpoint may stay busy once every call is hung up.
const SETTLE_TIME: Duration = Duration::from_secs(600);
/// Sent messages remembered for building replies.
const REMEMBER: usize = 32;

/// Our SIP address.
pub const LOCAL: &str = "127.0.0.1:5060";
/// The far ends.
pub const PEERS: [&str; 2] = ["127.0.0.1:5070", "127.0.0.1:5080"];
/// Call-IDs of incoming INVITEs.
pub const CALL_IDS: [&str; 4] = ["c1@127.0.0.1", "c2@127.0.0.1", "c3", "c1@127.0.0.1 "];
/// Targets for `call`.
pub const TARGETS: [&str; 5] = [
    "sip:bob@127.0.0.1:5070",
    "sip:carol@127.0.0.1:5080",
    "sip:bob@127.0.0.1",
    "sip:bob@example.com",
    "tel:+15551234",
];
/// Methods of requests inside a dialog.
pub const DIALOG_METHODS: [&str; 7] = ["ACK", "BYE", "CANCEL", "INVITE", "OPTIONS", "INFO", "FOO"];
/// Statuses of responses to the endpoint's requests.
pub const STATUSES: [u16; 12] = [100, 180, 183, 200, 202, 302, 404, 486, 487, 500, 603, 199];

/// SDP offers a peer's INVITE may carry.
pub const OFFERS: [&str; 7] = [
    // PCMU and DTMF.
    "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
     m=audio 30000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n",
    // PCMA only, on hold.
    "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
     m=audio 30002 RTP/AVP 8\r\na=sendonly\r\n",
    // No common codec.
    "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
     m=audio 30004 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n",
    // Video first, then audio.
    "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
     m=video 30010 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\nm=audio 30006 RTP/AVP 0\r\n",
    // Not SDP.
    "v=1\r\nhello\r\n",
    // RFC 2543 hold, RTP port 65535.
    "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n\
     m=audio 65535 RTP/AVP 0\r\n",
    // No body.
    "",
];

/// One operation, as the seed builder writes it.
#[derive(Debug, Clone, Copy)]
pub enum Op {
    /// A peer's INVITE from the template.
    Invite {
        /// Index into [`CALL_IDS`].
        call_id: u8,
        /// Branch suffix.
        branch: u8,
        /// Index into [`OFFERS`].
        offer: u8,
        /// Index into [`PEERS`].
        peer: u8,
    },
    /// A request inside the dialog of the `which`-th latest response we sent.
    InDialog {
        /// 0 = the latest response sent.
        which: u8,
        /// Index into [`DIALOG_METHODS`].
        method: u8,
        /// Reuse the response's branch (CANCEL, ACK for a non-2xx) instead of a fresh one.
        same_branch: bool,
        /// Added to the response's CSeq number (ACK and CANCEL use it unchanged when 0).
        cseq_add: u8,
    },
    /// A response to the `which`-th latest request we sent.
    Respond {
        /// 0 = the latest request sent.
        which: u8,
        /// Index into [`STATUSES`].
        status: u8,
        /// To tag suffix.
        tag: u8,
        /// For a 2xx to INVITE: answer the offer (else send no body).
        with_answer: bool,
    },
    /// A request from the far end of the `which`-th latest request we sent (e.g. its BYE).
    FromCallee {
        /// 0 = the latest request sent.
        which: u8,
        /// Index into [`DIALOG_METHODS`].
        method: u8,
        /// To tag suffix (must match the tag the callee answered with).
        tag: u8,
    },
    /// An RTP packet to the `which`-th call seen.
    Rtp {
        /// Index into the calls seen.
        which: u8,
        /// Payload type.
        payload_type: u8,
        /// Sequence number.
        seq: u16,
        /// Timestamp.
        timestamp: u32,
    },
    /// An RTCP SR + SDES compound to the `which`-th call seen.
    Rtcp {
        /// Index into the calls seen.
        which: u8,
    },
    /// Virtual time moves on, firing deadlines on the way.
    Advance {
        /// Milliseconds (taken modulo 5000).
        ms: u16,
    },
    /// The application places a call.
    Call {
        /// Index into [`TARGETS`].
        target: u8,
    },
    /// `ring` on the `which`-th call seen.
    Ring {
        /// Index into the calls seen.
        which: u8,
    },
    /// `answer` on the `which`-th call seen.
    Answer {
        /// Index into the calls seen.
        which: u8,
    },
    /// `reject` on the `which`-th call seen.
    Reject {
        /// Index into the calls seen.
        which: u8,
        /// Status.
        status: u16,
    },
    /// `hang_up` on the `which`-th call seen.
    HangUp {
        /// Index into the calls seen.
        which: u8,
    },
    /// A raw SIP datagram.
    Raw(&'static [u8]),
    /// The late timeout a runtime that slept delivers: `secs` seconds at once.
    Sleep {
        /// Seconds.
        secs: u8,
    },
    /// `reinvite` on the `which`-th call seen (a session refresh, RFC 3261 §14.1).
    Reinvite {
        /// Index into the calls seen.
        which: u8,
    },
    /// The runtime reports that sending to a peer failed (RFC 3261 §17.1.4, §17.2.4).
    TransportError {
        /// Index into [`PEERS`].
        peer: u8,
        /// Over TCP rather than UDP.
        tcp: bool,
    },
    /// From now on, SIP from peers arrives framed off a TCP connection
    /// ([`Input::ReceiveStream`]) instead of as UDP datagrams, or back again.
    ToggleStream,
}

/// Encodes a run for the seed corpus: seed and limits byte, then operations.
pub fn encode(setup: u8, ops: &[Op]) -> Vec<u8> {
    let mut w = Writer::new();
    w.u8(setup);
    for op in ops {
        match *op {
            Op::Invite {
                call_id,
                branch,
                offer,
                peer,
            } => {
                w.u8(0).u8(call_id).u8(branch).u8(offer).u8(peer);
            }
            Op::InDialog {
                which,
                method,
                same_branch,
                cseq_add,
            } => {
                w.u8(1)
                    .u8(which)
                    .u8(method)
                    .u8(u8::from(same_branch))
                    .u8(cseq_add);
            }
            Op::Respond {
                which,
                status,
                tag,
                with_answer,
            } => {
                w.u8(2)
                    .u8(which)
                    .u8(status)
                    .u8(tag)
                    .u8(u8::from(with_answer));
            }
            Op::Raw(bytes) => {
                w.u8(3).bytes(bytes);
            }
            Op::FromCallee { which, method, tag } => {
                w.u8(4).u8(which).u8(method).u8(tag);
            }
            Op::Rtp {
                which,
                payload_type,
                seq,
                timestamp,
            } => {
                w.u8(5)
                    .u8(which)
                    .u8(payload_type)
                    .u16(seq)
                    .u32(timestamp)
                    .u8(160);
            }
            Op::Rtcp { which } => {
                w.u8(7).u8(which).u8(0);
            }
            Op::Advance { ms } => {
                w.u8(8).u16(ms);
            }
            Op::Call { target } => {
                w.u8(10).u8(target);
            }
            Op::Ring { which } => {
                w.u8(11).u8(which);
            }
            Op::Answer { which } => {
                w.u8(12).u8(which);
            }
            Op::Reject { which, status } => {
                w.u8(13).u8(which).u16(status);
            }
            Op::HangUp { which } => {
                w.u8(14).u8(which);
            }
            Op::Sleep { secs } => {
                w.u8(15).u8(secs);
            }
            Op::Reinvite { which } => {
                w.u8(16).u8(which);
            }
            Op::TransportError { peer, tcp } => {
                w.u8(17).u8(peer).u8(u8::from(tcp));
            }
            Op::ToggleStream => {
                w.u8(18);
            }
        }
    }
    w.out
}

/// What one run did, for tests that check a seed exercises what it claims to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Event names in order (`IncomingCall`, `Ringing`, `Answered`, `SessionRefreshed`,
    /// `SessionRefreshFailed`, `Ended`).
    pub events: Vec<&'static str>,
    /// SIP datagrams sent.
    pub sip_sent: usize,
    /// RTP packets sent.
    pub rtp_sent: usize,
    /// RTCP compounds sent.
    pub rtcp_sent: usize,
}

/// What the application knows about one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    /// Incoming, waiting for ring/answer/reject.
    Offered,
    /// Incoming and answered, or outgoing: up or on its way.
    Live,
    /// `Event::Ended` was reported.
    Ended,
}

struct Harness {
    ep: Endpoint,
    max_calls: usize,
    max_transactions: usize,
    now: Instant,
    buf: Vec<u8>,
    /// Calls in the order the application heard of them.
    calls: Vec<CallId>,
    known: BTreeMap<CallId, Known>,
    /// Requests and responses the endpoint sent, latest last.
    sent_requests: Vec<Bytes>,
    sent_responses: Vec<Bytes>,
    /// SIP datagrams sent and already checked (retransmissions are not parsed again).
    checked: BTreeSet<Bytes>,
    /// Every INVITE the endpoint sent (first transmissions only).
    sent_invites: Vec<Bytes>,
    next_rtp_port: u16,
    /// The datagram being handled is not a well-formed message, so responses to it may not
    /// be either.
    echoing_garbage: bool,
    /// SIP from peers arrives over TCP ([`Input::ReceiveStream`]).
    stream: bool,
    summary: Summary,
    base: Instant,
}

fn remember(list: &mut Vec<Bytes>, b: Bytes) {
    if list.len() >= REMEMBER {
        list.remove(0);
    }
    list.push(b);
}

fn latest(list: &[Bytes], which: u8) -> Option<Bytes> {
    if list.is_empty() {
        return None;
    }
    let i = usize::from(which) % list.len();
    Some(list[list.len() - 1 - i].clone())
}

impl Harness {
    fn active(&self) -> usize {
        self.known.values().filter(|k| **k != Known::Ended).count()
    }

    fn call_at(&self, which: u8) -> CallId {
        if self.calls.is_empty() {
            return CallId::from_u64(u64::from(which));
        }
        self.calls[usize::from(which) % self.calls.len()]
    }

    fn state(&self, call: CallId) -> Option<Known> {
        self.known.get(&call).copied()
    }

    /// Drains every output, checking each, and returns the next deadline.
    fn drain(&mut self) -> Option<Instant> {
        for _ in 0..DRAIN_BOUND {
            match self.ep.poll_output(&mut self.buf) {
                Output::Transmit(t) => {
                    assert!(
                        t.socket == Socket::Sip || t.transport == Transport::Udp,
                        "media sent over {:?}",
                        t.transport
                    );
                    self.check_transmit(t.socket, t.destination)
                }
                Output::Event(e) => self.check_event(e),
                Output::Timeout(next) => {
                    if let Some(t) = next {
                        assert!(
                            t > self.now,
                            "Output::Timeout({t:?}) is not after the last now ({:?})",
                            self.now
                        );
                    }
                    self.check_counts();
                    return next;
                }
            }
        }
        panic!("poll_output did not reach Output::Timeout within {DRAIN_BOUND} outputs");
    }

    fn check_transmit(&mut self, socket: Socket, destination: SocketAddr) {
        let bytes = Bytes::copy_from_slice(&self.buf);
        if crate::tracing() {
            let shown = match socket {
                Socket::Sip => String::from_utf8_lossy(&bytes).into_owned(),
                _ => format!("{} bytes", bytes.len()),
            };
            eprintln!("  -> {socket:?} to {destination}: {shown}");
        }
        match socket {
            Socket::Sip => self.summary.sip_sent += 1,
            Socket::Rtp(_) => self.summary.rtp_sent += 1,
            Socket::Rtcp(_) => self.summary.rtcp_sent += 1,
        }
        if socket == Socket::Sip && !self.checked.insert(bytes.clone()) {
            return; // a retransmission of a datagram already checked
        }
        match socket {
            Socket::Sip => match Message::parse(bytes.clone()) {
                Ok(Message::Request(r)) => {
                    let invite = *r.method() == sip_proto::message::Method::Invite;
                    if invite && !self.sent_invites.contains(&bytes) {
                        self.sent_invites.push(bytes.clone());
                    }
                    remember(&mut self.sent_requests, bytes);
                }
                Ok(Message::Response(_)) => remember(&mut self.sent_responses, bytes),
                // A response to a broken request echoes its Via, From, To, Call-ID and CSeq
                // as received (RFC 3261 §8.2.6.2), so it may be as broken as they were.
                Err(_) if self.echoing_garbage && bytes.starts_with(b"SIP/2.0 ") => {}
                Err(e) => panic!(
                    "the endpoint sent SIP that does not parse: {e}\n{}",
                    String::from_utf8_lossy(&bytes)
                ),
            },
            Socket::Rtp(call) => {
                assert!(self.known.contains_key(&call), "RTP from an unknown {call}");
                let p = RtpPacket::new_checked(&bytes[..]).expect("the endpoint sends valid RTP");
                assert!(
                    matches!(p.payload_type(), 0 | 8),
                    "RTP with payload type {}",
                    p.payload_type()
                );
            }
            Socket::Rtcp(call) => {
                assert!(
                    self.known.contains_key(&call),
                    "RTCP from an unknown {call}"
                );
                assert!(!bytes.is_empty(), "an empty RTCP datagram");
                for p in CompoundIter::new(&bytes) {
                    p.expect("the endpoint sends valid RTCP");
                }
            }
        }
    }

    fn check_event(&mut self, e: Event) {
        if crate::tracing() {
            eprintln!("  event {e:?}");
        }
        self.summary.events.push(match &e {
            Event::IncomingCall { .. } => "IncomingCall",
            Event::Ringing { .. } => "Ringing",
            Event::Answered { .. } => "Answered",
            Event::Ended { .. } => "Ended",
            Event::SessionRefreshed { .. } => "SessionRefreshed",
            Event::SessionRefreshFailed { .. } => "SessionRefreshFailed",
            _ => "other",
        });
        match e {
            Event::IncomingCall { call, .. } => {
                assert!(
                    !self.known.contains_key(&call),
                    "IncomingCall reuses {call}"
                );
                self.known.insert(call, Known::Offered);
                self.calls.push(call);
            }
            Event::Ringing { call }
            | Event::Answered { call, .. }
            | Event::SessionRefreshed { call, .. }
            | Event::SessionRefreshFailed { call, .. } => {
                let s = self.state(call);
                assert!(
                    matches!(s, Some(Known::Live)),
                    "{call} rings or answers while {s:?}"
                );
            }
            Event::Ended { call, .. } => {
                let s = self.state(call);
                assert!(
                    matches!(s, Some(Known::Offered | Known::Live)),
                    "{call} ended while {s:?}"
                );
                self.known.insert(call, Known::Ended);
            }
            other => {
                let _ = other;
            }
        }
    }

    fn check_counts(&self) {
        let active = self.active();
        assert!(
            active <= self.max_calls,
            "{active} calls up with max_calls = {}",
            self.max_calls
        );
        let count = self.ep.call_count();
        assert!(
            count >= active,
            "call_count {count} < {active} calls not ended"
        );
        assert!(
            count <= self.known.len(),
            "call_count {count} > calls ever created"
        );
        assert!(
            self.ep.transaction_count() <= self.max_transactions,
            "more transactions than the layer allows"
        );
    }

    fn receive(&mut self, socket: Socket, source: SocketAddr, bytes: Bytes) {
        self.echoing_garbage = socket == Socket::Sip && !is_clean(&bytes);
        if crate::tracing() {
            eprintln!(
                "  <- {socket:?} from {source}: {}",
                String::from_utf8_lossy(&bytes)
            );
        }
        let input = if socket == Socket::Sip && self.stream {
            Input::ReceiveStream {
                now: self.now,
                transport: Transport::Tcp,
                source,
                bytes,
            }
        } else {
            Input::Receive {
                now: self.now,
                socket,
                source,
                bytes,
            }
        };
        self.ep.handle_input(input);
        self.drain();
        self.echoing_garbage = false;
    }

    /// Fires deadlines up to `target`, then lands on it.
    fn advance_to(&mut self, target: Instant) {
        let mut next = self.drain();
        let mut steps = 0;
        while let Some(t) = next.filter(|t| *t <= target) {
            steps += 1;
            assert!(
                steps < ADVANCE_STEPS,
                "deadlines keep coming without time passing"
            );
            self.now = t;
            self.ep.handle_input(Input::Timeout(t));
            next = self.drain();
        }
        self.now = target;
        self.ep.handle_input(Input::Timeout(target));
        self.drain();
    }

    fn command(
        &mut self,
        result: Result<(), EndpointError>,
        call: CallId,
        allowed: bool,
        what: &str,
    ) {
        match (&result, allowed) {
            (Ok(()), true) | (Err(_), false) => {}
            (Ok(()), false) => panic!("{what} on {call} ({:?}) succeeded", self.state(call)),
            (Err(e), true) => panic!("{what} on {call} ({:?}) failed: {e}", self.state(call)),
        }
        self.drain();
    }
}

/// A datagram that parses, passes `validate`, and (for a request) has every mandatory header.
fn is_clean(bytes: &Bytes) -> bool {
    match Message::parse(bytes.clone()) {
        Ok(m) => m.validate().is_ok() && m.as_request().is_none_or(|r| r.check_mandatory().is_ok()),
        Err(_) => false,
    }
}

fn peer_addr(i: u8) -> SocketAddr {
    PEERS[usize::from(i) % PEERS.len()]
        .parse()
        .expect("a literal address")
}

/// A peer's INVITE.
pub fn invite_text(call_id: &str, branch: u8, offer: &str, peer: &str) -> String {
    let body = if offer.is_empty() {
        String::new()
    } else {
        "Content-Type: application/sdp\r\n".to_owned()
    };
    format!(
        "INVITE sip:sansio@{LOCAL} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {peer};branch=z9hG4bKinv{branch}\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:alice@{peer}>;tag=from{branch}\r\n\
         To: <sip:sansio@{LOCAL}>\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: 1 INVITE\r\n\
         Contact: <sip:alice@{peer}>\r\n\
         {body}Content-Length: {}\r\n\r\n{offer}",
        offer.len()
    )
}

/// A request inside the dialog of `response` (one we sent to a peer's request).
fn in_dialog_text(
    response: &Bytes,
    method: &str,
    same_branch: bool,
    cseq_add: u8,
) -> Option<String> {
    let Ok(Message::Response(r)) = Message::parse(response.clone()) else {
        return None;
    };
    let h = r.headers();
    let via = h.get(HeaderName::Via)?;
    let from = h.get(HeaderName::From)?;
    let to = h.get(HeaderName::To)?;
    let call_id = h.get(HeaderName::CallId)?;
    let seq = h.cseq().ok()?.seq;
    let via = if same_branch {
        via.to_owned()
    } else {
        format!(
            "SIP/2.0/UDP {};branch=z9hG4bKdlg{cseq_add}{method}",
            PEERS[0]
        )
    };
    let seq = seq.wrapping_add(u32::from(cseq_add));
    Some(format!(
        "{method} sip:sansio@{LOCAL} SIP/2.0\r\nVia: {via}\r\nMax-Forwards: 70\r\n\
         From: {from}\r\nTo: {to}\r\nCall-ID: {call_id}\r\nCSeq: {seq} {method}\r\n\
         Content-Length: 0\r\n\r\n"
    ))
}

/// A response from the far end to `request`, which we sent.
fn response_to(request: &Bytes, status: u16, tag: u8, with_answer: bool) -> Option<Vec<u8>> {
    let Ok(Message::Request(req)) = Message::parse(request.clone()) else {
        return None;
    };
    let tag = format!("callee{tag}");
    let contact = format!("<sip:bob@{}>", PEERS[0]);
    let mut body = Vec::new();
    if with_answer && (200..300).contains(&status) {
        let local = LocalMedia {
            addr: "127.0.0.1".parse().expect("a literal address"),
            rtp_port: 40_000,
            codecs: &[Codec::PCMU, Codec::PCMA],
            ptime: 20,
            direction: Direction::SendRecv,
            telephone_event: None,
            rtcp_mux: false,
        };
        if let Ok(offer) = sdp::parse(req.body()) {
            if let Ok(answer) = sdp::answer(&offer, &local, 9, 1) {
                answer.write(&mut body);
            }
        }
    }
    let mut b = ResponseBuilder::from_request(&req, status, "");
    if status != 100 {
        b = b.to_tag(&tag).header(HeaderName::Contact, &contact);
    }
    if !body.is_empty() {
        b = b.body("application/sdp", &body);
    }
    let mut out = Vec::new();
    b.write(&mut out).ok()?;
    Some(out)
}

/// A request from the callee of `request` (an INVITE we sent) back to us.
fn from_callee_text(request: &Bytes, method: &str, tag: u8) -> Option<String> {
    let Ok(Message::Request(req)) = Message::parse(request.clone()) else {
        return None;
    };
    let h = req.headers();
    let from = h.get(HeaderName::From)?;
    let to = h.get(HeaderName::To)?;
    let call_id = h.get(HeaderName::CallId)?;
    let to = to.split(";tag=").next().unwrap_or(to);
    Some(format!(
        "{method} sip:sansio@{LOCAL} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {};branch=z9hG4bKcallee{tag}{method}\r\nMax-Forwards: 70\r\n\
         From: {to};tag=callee{tag}\r\nTo: {from}\r\nCall-ID: {call_id}\r\nCSeq: 7 {method}\r\n\
         Content-Length: 0\r\n\r\n",
        PEERS[0]
    ))
}

/// Runs the target on one input. The leak it once found (a CANCEL whose INVITE never gets a
/// final response, `fuzz/regressions/endpoint/`) is fixed by session-fsm's RFC 3261 §9.1
/// give-up and checked like everything else.
pub fn check(data: &[u8]) {
    run(data);
}

/// Runs the target on one input and says what happened.
pub fn run(data: &[u8]) -> Summary {
    let mut c = Cursor::new(data);
    let setup = c.u8();
    let base = Instant::now();
    let wall = WallClock {
        instant: base,
        unix: Duration::from_secs(1_700_000_000),
    };
    let mut config = EndpointConfig::new(
        LOCAL.parse().expect("a literal address"),
        u64::from(setup),
        wall,
    );
    config.max_calls = 1 + usize::from(setup % 3);
    config.tone_hz = None;
    let max_calls = config.max_calls;
    let mut h = Harness {
        ep: Endpoint::new(config),
        max_calls,
        // The endpoint sizes its transaction layer from max_calls (see Endpoint::new).
        max_transactions: max_calls.saturating_mul(4).max(64),
        now: base,
        buf: Vec::new(),
        calls: Vec::new(),
        known: BTreeMap::new(),
        sent_requests: Vec::new(),
        sent_responses: Vec::new(),
        sent_invites: Vec::new(),
        checked: BTreeSet::new(),
        next_rtp_port: 20_000,
        echoing_garbage: false,
        stream: false,
        summary: Summary::default(),
        base,
    };
    let mut ops = 0;
    while !c.is_empty() && ops < MAX_OPS {
        ops += 1;
        step(&mut h, &mut c);
    }
    settle(&mut h);
    h.summary
}

fn step(h: &mut Harness, c: &mut Cursor<'_>) {
    let op = c.u8() % 19;
    if crate::tracing() {
        eprintln!(
            "[{:?}] op {op} calls={:?} count={} txns={}",
            h.now.duration_since(h.base),
            h.known,
            h.ep.call_count(),
            h.ep.transaction_count()
        );
    }
    match op {
        0 => {
            let call_id = *c.pick(&CALL_IDS);
            let branch = c.u8();
            let offer = *c.pick(&OFFERS);
            let peer = c.u8();
            let addr = peer_addr(peer);
            let text = invite_text(call_id, branch, offer, &addr.to_string());
            h.receive(Socket::Sip, addr, Bytes::from(text));
        }
        1 => {
            let which = c.u8();
            let method = *c.pick(&DIALOG_METHODS);
            let same_branch = c.bool();
            let cseq_add = c.u8();
            if let Some(text) = latest(&h.sent_responses, which)
                .and_then(|r| in_dialog_text(&r, method, same_branch, cseq_add))
            {
                h.receive(Socket::Sip, peer_addr(0), Bytes::from(text));
            }
        }
        2 => {
            let which = c.u8();
            let status = *c.pick(&STATUSES);
            let tag = c.u8();
            let with_answer = c.bool();
            if let Some(resp) = latest(&h.sent_requests, which)
                .and_then(|r| response_to(&r, status, tag, with_answer))
            {
                h.receive(Socket::Sip, peer_addr(0), Bytes::from(resp));
            }
        }
        3 => {
            let raw = Bytes::copy_from_slice(c.bytes());
            h.receive(Socket::Sip, peer_addr(0), raw);
        }
        4 => {
            let which = c.u8();
            let method = *c.pick(&DIALOG_METHODS);
            let tag = c.u8();
            if let Some(text) =
                latest(&h.sent_requests, which).and_then(|r| from_callee_text(&r, method, tag))
            {
                h.receive(Socket::Sip, peer_addr(0), Bytes::from(text));
            }
        }
        5 => {
            let call = h.call_at(c.u8());
            let header = RtpHeader {
                payload_type: c.u8() & 0x7f,
                sequence_number: c.u16(),
                timestamp: c.u32(),
                ssrc: 0x5eed,
                ..RtpHeader::default()
            };
            let payload = vec![0xffu8; usize::from(c.u8())];
            let mut out = vec![0u8; header.packet_len(payload.len())];
            if header.emit(&mut out, &payload).is_ok() {
                h.receive(Socket::Rtp(call), peer_addr(0), Bytes::from(out));
            }
        }
        6 => {
            let call = h.call_at(c.u8());
            let raw = Bytes::copy_from_slice(c.bytes());
            let socket = if c.bool() {
                Socket::Rtp(call)
            } else {
                Socket::Rtcp(call)
            };
            h.receive(socket, peer_addr(0), raw);
        }
        7 => {
            let call = h.call_at(c.u8());
            let mut out = vec![0u8; 1500];
            let built = if c.bool() {
                let rr = ReceiverReport {
                    ssrc: 0x5eed,
                    reports: Default::default(),
                };
                build_compound(&mut out, Report::Receiver(&rr), b"peer@127.0.0.1", None)
            } else {
                let sr = SenderReport {
                    ssrc: 0x5eed,
                    ..SenderReport::default()
                };
                build_compound(&mut out, Report::Sender(&sr), b"peer@127.0.0.1", None)
            };
            if let Ok(n) = built {
                out.truncate(n);
                h.receive(Socket::Rtcp(call), peer_addr(0), Bytes::from(out));
            }
        }
        8 => {
            let ms = c.u16() % 5000;
            let target = h.now + Duration::from_millis(u64::from(ms));
            h.advance_to(target);
        }
        9 => {
            let next = h.drain();
            if let Some(t) = next {
                let target = t.max(h.now);
                h.advance_to(target);
            }
        }
        10 => {
            let target = *c.pick(&TARGETS);
            let port = h.next_rtp_port;
            h.next_rtp_port = h.next_rtp_port.wrapping_add(2).max(1024);
            let rtp: SocketAddr = SocketAddr::new([127, 0, 0, 1].into(), port);
            let active = h.active();
            match h.ep.call(h.now, target, rtp) {
                Ok(call) => {
                    assert!(active < h.max_calls, "call() went past max_calls");
                    assert!(!h.known.contains_key(&call), "call() reused {call}");
                    h.known.insert(call, Known::Live);
                    h.calls.push(call);
                }
                Err(EndpointError::TooManyCalls(_)) => {}
                Err(EndpointError::BadTarget(_)) => {}
                Err(e) => panic!("call({target}) failed unexpectedly: {e}"),
            }
            h.drain();
        }
        11 => {
            let call = h.call_at(c.u8());
            let allowed = h.state(call) == Some(Known::Offered);
            let r = h.ep.ring(h.now, call);
            h.command(r, call, allowed, "ring");
        }
        12 => {
            let call = h.call_at(c.u8());
            let allowed = h.state(call) == Some(Known::Offered);
            let port = h.next_rtp_port;
            h.next_rtp_port = h.next_rtp_port.wrapping_add(2).max(1024);
            let r =
                h.ep.answer(h.now, call, SocketAddr::new([127, 0, 0, 1].into(), port));
            if r.is_ok() && allowed {
                h.known.insert(call, Known::Live);
            }
            h.command(r, call, allowed, "answer");
        }
        13 => {
            let call = h.call_at(c.u8());
            let status = c.u16() % 800;
            let allowed = h.state(call) == Some(Known::Offered) && (300..=699).contains(&status);
            let r = h.ep.reject(h.now, call, status);
            if !(300..=699).contains(&status) {
                assert!(
                    matches!(r, Err(EndpointError::BadStatus(_))),
                    "reject with {status} was not refused as a bad status"
                );
            }
            h.command(r, call, allowed, "reject");
        }
        14 => {
            let call = h.call_at(c.u8());
            let allowed = matches!(h.state(call), Some(Known::Offered | Known::Live));
            let r = h.ep.hang_up(h.now, call);
            h.command(r, call, allowed, "hang_up");
        }
        16 => {
            let call = h.call_at(c.u8());
            let live = h.state(call) == Some(Known::Live);
            let r = h.ep.reinvite(h.now, call);
            // Whether a live call is established and free of other INVITEs is the
            // endpoint's to judge; a call that is not live never is.
            if r.is_ok() {
                assert!(live, "reinvite on {call} ({:?}) succeeded", h.state(call));
            }
            h.drain();
        }
        17 => {
            let destination = peer_addr(c.u8());
            let transport = if c.bool() {
                Transport::Tcp
            } else {
                Transport::Udp
            };
            h.ep.handle_input(Input::TransportError {
                now: h.now,
                destination,
                transport,
            });
            h.drain();
        }
        18 => h.stream = !h.stream,
        _ => {
            // The runtime slept: one late timeout far ahead.
            let secs = u64::from(c.u8());
            h.now += Duration::from_secs(secs);
            h.ep.handle_input(Input::Timeout(h.now));
            h.drain();
        }
    }
}

/// Hangs up every call, then follows deadlines until the endpoint is idle.
fn settle(h: &mut Harness) {
    let live: Vec<CallId> = h
        .known
        .iter()
        .filter(|(_, k)| **k != Known::Ended)
        .map(|(c, _)| *c)
        .collect();
    for call in live {
        let r = h.ep.hang_up(h.now, call);
        h.command(r, call, true, "hang_up (settling)");
    }
    let start = h.now;
    let mut next = h.drain();
    let mut seen = BTreeSet::new();
    while let Some(t) = next {
        assert!(
            t <= start + SETTLE_TIME,
            "still busy {:?} after hanging up everything ({} calls, {} transactions)",
            SETTLE_TIME,
            h.ep.call_count(),
            h.ep.transaction_count()
        );
        seen.insert(t);
        assert!(
            seen.len() < ADVANCE_STEPS * 5,
            "deadlines without end while settling"
        );
        h.now = t;
        h.ep.handle_input(Input::Timeout(t));
        next = h.drain();
    }
    assert_eq!(h.active(), 0, "a call was not reported ended");
    assert!(
        h.ep.call_count() == 0 && h.ep.transaction_count() == 0,
        "after hanging up and {SETTLE_TIME:?} of quiet, {} calls and {} transactions are left",
        h.ep.call_count(),
        h.ep.transaction_count()
    );
}
