//! `transaction_layer`: a sequence of operations on one [`TransactionLayer`] (RFC 3261 §17).
//!
//! Operations: incoming requests and responses built from templates with a fuzzed method,
//! branch, sent-by and status (parsed with the real parser, keyed the way a user agent keys
//! them), raw datagrams, `start_client`, `send_response`, `schedule_trying`,
//! `transport_error`, and virtual time moving forward by steps or to the next deadline.
//!
//! Invariants:
//! - `len() <= max_transactions` after every operation;
//! - after `handle_timeout(now)`, `poll_timeout()` is `None` or later than `now`, and a second
//!   `handle_timeout(now)` produces nothing (idempotent);
//! - draining `poll_transmit` / `poll_event` ends within a bound;
//! - matching is what the maps say: a response goes to `find_client(key)` or is reported
//!   stray; a request to `find_server(key)`, else it creates a server transaction of the
//!   right kind (reported `NewRequest`), is an unmatched ACK, or is `Overloaded` when full;
//!   `start_client` fails exactly for ACK, a duplicate key or a full layer, and queues the
//!   request at once;
//! - `Terminated` is the last thing heard from a transaction: no event or transmit follows,
//!   and its handle is stale at once;
//! - once every server transaction has been answered and time runs on, every transaction
//!   terminates: the layer ends empty with no deadline.

use std::collections::BTreeSet;

use bytes::Bytes;
use sip_proto::message::Message;
use sip_proto::time::{Duration, Instant};
use sip_proto::transaction::{Event, TransactionState};
use sip_proto::{
    LayerConfig, LayerError, LayerEvent, MergeKey, Reliability, ServerInviteState, TimerConfig,
    TransactionId, TransactionKey, TransactionKind, TransactionLayer,
};

use crate::cursor::{Cursor, Writer};

/// Most operations one input may take.
const MAX_OPS: usize = 512;
/// Most items one drain may yield before it counts as a hang.
const DRAIN_BOUND: usize = 10_000;
/// Most deadlines followed while letting everything terminate at the end.
const SETTLE_STEPS: usize = 100_000;

/// Methods the templates use.
pub const METHODS: [&str; 8] = [
    "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "INFO", "invite",
];
/// Branches the templates use: a few RFC 3261 ones, an RFC 2543 one and an odd one.
pub const BRANCHES: [&str; 6] = [
    "z9hG4bK1",
    "z9hG4bK2",
    "z9hG4bKabc",
    "z9hG4bK1-x",
    "1234",
    "z9hG4bk1",
];
/// Sent-by values of incoming requests.
pub const HOSTS: [&str; 4] = [
    "a.example.com",
    "A.Example.COM",
    "192.0.2.9:5070",
    "a.example.com:5060",
];

/// One operation, as the seed builder writes it.
#[derive(Debug, Clone, Copy)]
pub enum Op {
    /// A request arrives: indexes into [`METHODS`], [`BRANCHES`], [`HOSTS`].
    Request {
        /// Method index.
        method: u8,
        /// Branch index.
        branch: u8,
        /// Host index.
        host: u8,
        /// Over a reliable transport.
        reliable: bool,
    },
    /// A response arrives for a client key.
    Response {
        /// Method index (the CSeq method).
        method: u8,
        /// Branch index.
        branch: u8,
        /// Status code.
        status: u16,
    },
    /// We start a client transaction.
    StartClient {
        /// Method index.
        method: u8,
        /// Branch index.
        branch: u8,
        /// Over a reliable transport.
        reliable: bool,
    },
    /// The TU answers the `which`-th server transaction seen.
    SendResponse {
        /// Index into the server transactions seen.
        which: u8,
        /// Status code.
        status: u16,
    },
    /// Time moves on by `ms` and timers fire.
    Advance {
        /// Milliseconds.
        ms: u16,
    },
    /// Time jumps to the next deadline.
    NextDeadline,
}

/// Encodes a run for the seed corpus.
pub fn encode(max_transactions: u8, ops: &[Op]) -> Vec<u8> {
    let mut w = Writer::new();
    w.u8(max_transactions);
    for op in ops {
        match *op {
            Op::Request {
                method,
                branch,
                host,
                reliable,
            } => {
                w.u8(0)
                    .u8(method)
                    .u8(branch)
                    .u8(host)
                    .u8(u8::from(reliable));
            }
            Op::Response {
                method,
                branch,
                status,
            } => {
                w.u8(1).u8(method).u8(branch).u16(status);
            }
            Op::StartClient {
                method,
                branch,
                reliable,
            } => {
                w.u8(3).u8(method).u8(branch).u8(u8::from(reliable));
            }
            Op::SendResponse { which, status } => {
                w.u8(4).u8(which).u16(status);
            }
            Op::Advance { ms } => {
                w.u8(7).u16(ms);
            }
            Op::NextDeadline => {
                w.u8(8);
            }
        }
    }
    w.out
}

/// An incoming request from the template.
pub fn request_text(method: &str, branch: &str, host: &str) -> String {
    format!(
        "{method} sip:bob@b.example.com SIP/2.0\r\n\
         Via: SIP/2.0/UDP {host};branch={branch}\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:alice@a.example.com>;tag=1928\r\n\
         To: <sip:bob@b.example.com>\r\n\
         Call-ID: a84b4c76e66710@a.example.com\r\n\
         CSeq: 314159 {method}\r\n\
         Content-Length: 0\r\n\r\n"
    )
}

/// An incoming response from the template.
pub fn response_text(method: &str, branch: &str, status: u16) -> String {
    format!(
        "SIP/2.0 {status} Whatever\r\n\
         Via: SIP/2.0/UDP us.example.com;branch={branch}\r\n\
         From: <sip:us@us.example.com>;tag=77\r\n\
         To: <sip:them@them.example.com>;tag=88\r\n\
         Call-ID: ours-1@us.example.com\r\n\
         CSeq: 1 {method}\r\n\
         Content-Length: 0\r\n\r\n"
    )
}

/// What the harness knows about the layer.
struct State {
    layer: TransactionLayer<u8>,
    max: usize,
    now: Instant,
    /// Every server transaction reported by `NewRequest`, in order.
    servers: Vec<TransactionId>,
    /// Every transaction ever created (clients and servers).
    all: Vec<TransactionId>,
    terminated: BTreeSet<TransactionId>,
}

/// What one drain saw.
#[derive(Default)]
struct Drained {
    transmits: Vec<(TransactionId, Bytes)>,
    new: Vec<(TransactionId, TransactionKey)>,
    /// The `merged` field of each NewRequest, in order.
    merged: Vec<Option<TransactionId>>,
    stray: usize,
    unmatched_ack: usize,
    overloaded: usize,
    events: usize,
}

impl State {
    fn drain(&mut self) -> Drained {
        let mut d = Drained::default();
        while let Some(t) = self.layer.poll_transmit() {
            assert!(
                d.transmits.len() < DRAIN_BOUND,
                "poll_transmit does not run dry"
            );
            assert!(
                !self.terminated.contains(&t.id),
                "a transmit after Terminated from {:?}",
                t.id
            );
            d.transmits.push((t.id, t.bytes));
        }
        while let Some(e) = self.layer.poll_event() {
            d.events += 1;
            assert!(d.events < DRAIN_BOUND, "poll_event does not run dry");
            match e {
                LayerEvent::NewRequest {
                    id, key, merged, ..
                } => {
                    if let Some(first) = merged {
                        assert_ne!(first, id, "a request merged with itself");
                        assert!(
                            matches!(
                                self.layer.kind(first),
                                Some(TransactionKind::ServerInvite | TransactionKind::ServerNonInvite)
                            ),
                            "a request merged with {first:?}, which is not a live server transaction"
                        );
                    }
                    d.merged.push(merged);
                    let want = if key.is_invite() {
                        TransactionKind::ServerInvite
                    } else {
                        TransactionKind::ServerNonInvite
                    };
                    assert_eq!(
                        self.layer.kind(id),
                        Some(want),
                        "NewRequest of the wrong kind"
                    );
                    assert_eq!(self.layer.key(id), Some(&key));
                    assert_eq!(self.layer.find_server(&key), Some(id));
                    self.servers.push(id);
                    self.all.push(id);
                    d.new.push((id, key));
                }
                LayerEvent::Transaction { id, event } => {
                    assert!(
                        !self.terminated.contains(&id),
                        "{event:?} after Terminated from {id:?}"
                    );
                    if event == Event::Terminated {
                        self.terminated.insert(id);
                        assert_eq!(self.layer.kind(id), None, "a terminated handle is live");
                    }
                }
                LayerEvent::StrayResponse { .. } => d.stray += 1,
                LayerEvent::UnmatchedAck { .. } => d.unmatched_ack += 1,
                LayerEvent::Overloaded { .. } => d.overloaded += 1,
                // Only the parsed path (handle_message) reports it; this harness uses keys.
                LayerEvent::Malformed { .. } => panic!("Malformed from the keyed path"),
            }
        }
        assert!(
            self.layer.len() <= self.max,
            "more transactions than max_transactions"
        );
        d
    }

    fn fire(&mut self, now: Instant) {
        assert!(now >= self.now, "the harness moved time backwards");
        self.now = now;
        self.layer.handle_timeout(now);
        self.drain();
        if let Some(next) = self.layer.poll_timeout() {
            assert!(
                next > now,
                "poll_timeout {next:?} is not after handle_timeout({now:?})"
            );
        }
        self.layer.handle_timeout(now);
        let d = self.drain();
        assert!(
            d.transmits.is_empty() && d.events == 0,
            "handle_timeout is not idempotent"
        );
    }

    fn request(&mut self, msg: Bytes, peer: u8, reliability: Reliability) {
        let Ok(Message::Request(req)) = Message::parse(msg.clone()) else {
            return;
        };
        let h = req.headers();
        let (Ok(via), Ok(cseq)) = (h.top_via(), h.cseq()) else {
            return;
        };
        let key = TransactionKey::server(
            Bytes::copy_from_slice(via.branch().unwrap_or("").as_bytes()),
            via.host().as_bytes(),
            via.port().unwrap_or(5060),
            Bytes::copy_from_slice(cseq.method.as_str().as_bytes()),
        );
        let predicted = self.layer.find_server(&key);
        // RFC 3261 §8.2.2.2: no To tag, and From tag, Call-ID and CSeq of an ongoing request.
        let merge = MergeKey::for_request(&req);
        let merges_with = merge.as_ref().and_then(|m| self.layer.find_merge(m));
        let was_full = self.layer.len() >= self.max;
        let got =
            self.layer
                .handle_request_checked(self.now, key.clone(), merge, msg, peer, reliability);
        let d = self.drain();
        match predicted {
            Some(id) => assert_eq!(got, Some(id), "a request missed its server transaction"),
            None if key.is_ack() => {
                assert_eq!(got, None);
                assert_eq!(d.unmatched_ack, 1, "an unmatched ACK was not reported");
            }
            None if was_full => {
                assert_eq!(got, None);
                assert_eq!(d.overloaded, 1, "a request to a full layer was not refused");
            }
            None => {
                let id = got.expect("a new request creates a server transaction");
                assert_eq!(d.new.len(), 1);
                assert_eq!(d.new[0], (id, key));
                assert_eq!(
                    d.merged[0], merges_with,
                    "merged-request detection disagrees with find_merge"
                );
            }
        }
    }

    fn response(&mut self, msg: Bytes, peer: u8) {
        let Ok(Message::Response(resp)) = Message::parse(msg.clone()) else {
            return;
        };
        let h = resp.headers();
        let (Ok(via), Ok(cseq)) = (h.top_via(), h.cseq()) else {
            return;
        };
        let key = TransactionKey::client(
            Bytes::copy_from_slice(via.branch().unwrap_or("").as_bytes()),
            Bytes::copy_from_slice(cseq.method.as_str().as_bytes()),
        );
        let predicted = self.layer.find_client(&key);
        let got = self.layer.handle_response(
            self.now,
            key,
            resp.status(),
            msg,
            peer,
            |invite, _response| {
                let mut ack = b"ACK".to_vec();
                ack.extend_from_slice(invite.get(6..).unwrap_or(&[]));
                Bytes::from(ack)
            },
        );
        let d = self.drain();
        assert_eq!(got, predicted, "a response missed its client transaction");
        assert_eq!(d.stray, usize::from(predicted.is_none()));
    }

    fn start_client(&mut self, method: &str, branch: &str, reliability: Reliability) {
        let key = TransactionKey::client(branch.to_owned(), method.to_owned());
        let request = Bytes::from(request_text(method, branch, "us.example.com"));
        let duplicate = self.layer.find_client(&key).is_some();
        let full = self.layer.len() >= self.max;
        let got = self
            .layer
            .start_client(self.now, key.clone(), request.clone(), 1, reliability);
        let d = self.drain();
        match got {
            Ok(id) => {
                assert!(
                    !key.is_ack() && !duplicate && !full,
                    "start_client should have failed"
                );
                let want = if key.is_invite() {
                    TransactionKind::ClientInvite
                } else {
                    TransactionKind::ClientNonInvite
                };
                assert_eq!(self.layer.kind(id), Some(want));
                assert_eq!(self.layer.find_client(&key), Some(id));
                assert_eq!(
                    d.transmits.first(),
                    Some(&(id, request)),
                    "the request is not sent at once"
                );
                self.all.push(id);
            }
            Err(LayerError::AckIsNotATransaction) => assert!(key.is_ack()),
            Err(LayerError::DuplicateKey(_)) => assert!(duplicate && !key.is_ack()),
            Err(LayerError::Full { max }) => {
                assert_eq!(max, self.max);
                assert!(full && !duplicate && !key.is_ack());
            }
            Err(e) => panic!("start_client failed unexpectedly: {e}"),
        }
    }

    /// Answers every server transaction and gives every client transaction a final response
    /// (an INVITE client transaction in Proceeding has no timer of its own, §17.1.1.2), then
    /// follows deadlines until nothing is left.
    fn settle(&mut self) {
        for id in self.all.clone() {
            let Some(key) = self.layer.key(id).cloned() else {
                continue;
            };
            if matches!(
                self.layer.kind(id),
                Some(TransactionKind::ClientInvite | TransactionKind::ClientNonInvite)
            ) {
                let msg = Bytes::from(response_text("INVITE", "x", 487));
                self.layer
                    .handle_response(self.now, key, 487, msg, 1, |_, _| Bytes::new());
                self.drain();
            }
        }
        for id in self.servers.clone() {
            let _ = self.layer.send_response(
                self.now,
                id,
                486,
                Bytes::from_static(b"SIP/2.0 486 Busy\r\n\r\n"),
            );
            self.drain();
        }
        let mut steps = 0;
        while let Some(next) = self.layer.poll_timeout() {
            steps += 1;
            assert!(steps < SETTLE_STEPS, "timers keep firing without end");
            let at = next.max(self.now);
            self.fire(at);
        }
        assert!(
            self.layer.is_empty(),
            "{} transactions never terminate once answered",
            self.layer.len()
        );
    }
}

/// Runs the target on one input.
pub fn check(data: &[u8]) {
    let mut c = Cursor::new(data);
    let max = 1 + c.choose(8);
    let base = Instant::now();
    let mut st = State {
        layer: TransactionLayer::new(LayerConfig {
            timers: TimerConfig::default(),
            max_transactions: max,
            // The harness sends its own 100s; the timed auto-100 has its own unit tests.
            auto_trying: false,
        }),
        max,
        now: base,
        servers: Vec::new(),
        all: Vec::new(),
        terminated: BTreeSet::new(),
    };
    let reliability = |b: bool| {
        if b {
            Reliability::Reliable
        } else {
            Reliability::Unreliable
        }
    };
    let mut ops = 0;
    while !c.is_empty() && ops < MAX_OPS {
        ops += 1;
        match c.u8() % 10 {
            0 => {
                let method = *c.pick(&METHODS);
                let branch = *c.pick(&BRANCHES);
                let host_i = c.choose(HOSTS.len());
                let rel = reliability(c.bool());
                let text = request_text(method, branch, HOSTS[host_i]);
                st.request(Bytes::from(text), host_i as u8, rel);
            }
            1 => {
                let method = *c.pick(&METHODS);
                let branch = *c.pick(&BRANCHES);
                let status = 100 + c.u16() % 600;
                st.response(Bytes::from(response_text(method, branch, status)), 1);
            }
            2 => {
                let raw = Bytes::copy_from_slice(c.bytes());
                let rel = reliability(c.bool());
                if raw.starts_with(b"SIP/") {
                    st.response(raw, 2);
                } else {
                    st.request(raw, 2, rel);
                }
            }
            3 => {
                let method = *c.pick(&METHODS);
                let branch = *c.pick(&BRANCHES);
                let rel = reliability(c.bool());
                st.start_client(method, branch, rel);
            }
            4 => {
                let which = c.u8();
                let status = c.u16() % 800;
                if let Some(&id) = st.servers.get(usize::from(which) % st.servers.len().max(1)) {
                    let text = format!("SIP/2.0 {status} X\r\n\r\n");
                    let r = st
                        .layer
                        .send_response(st.now, id, status, Bytes::from(text));
                    if !(100..=699).contains(&status) {
                        assert!(r.is_err(), "send_response took status {status}");
                    }
                    st.drain();
                }
            }
            5 => {
                let which = c.u8();
                if let Some(&id) = st.servers.get(usize::from(which) % st.servers.len().max(1)) {
                    let _ = st.layer.schedule_trying(
                        st.now,
                        id,
                        Bytes::from_static(b"SIP/2.0 100 Trying\r\n\r\n"),
                    );
                    st.drain();
                }
            }
            6 => {
                let which = c.u8();
                if let Some(&id) = st.all.get(usize::from(which) % st.all.len().max(1)) {
                    let alive = st.layer.kind(id).is_some();
                    // RFC 6026 Figure 5: an INVITE server transaction in Accepted informs the
                    // TU of a transport error but stays until Timer L.
                    let accepted = st.layer.state(id)
                        == Some(TransactionState::ServerInvite(ServerInviteState::Accepted));
                    let r = st.layer.transport_error(id);
                    assert_eq!(r.is_ok(), alive, "transport_error on a live handle failed");
                    st.drain();
                    if alive && !accepted {
                        assert!(
                            st.terminated.contains(&id),
                            "transport error did not terminate"
                        );
                    }
                }
            }
            7 => {
                let ms = c.u16();
                let now = st.now + Duration::from_millis(u64::from(ms));
                st.fire(now);
            }
            8 => {
                if let Some(next) = st.layer.poll_timeout() {
                    let now = next.max(st.now);
                    st.fire(now);
                }
            }
            _ => {
                let now = st.now;
                st.fire(now);
            }
        }
    }
    st.settle();
}
