//! Whole flows driven on virtual time, shared by the timing benches and the allocation count:
//! a batch of client or server transactions through a `TransactionLayer`, and complete calls
//! between two `Endpoint`s wired back to back in memory.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use session_fsm::{CallId, Endpoint, EndpointConfig, Event, Input, Output, Socket, WallClock};
use sip_proto::transaction::{LayerConfig, Reliability, TransactionKey, TransactionLayer};

/// Beyond every RFC 3261 transaction timer with the default T1/T4 (64·T1 = 32 s): firing a
/// timeout this far ahead frees everything a finished flow left behind.
pub const SETTLE: Duration = Duration::from_secs(40);

/// The largest UDP datagram, and the receive region runtime-tokio splits datagrams off
/// (`runtime-tokio/src/driver.rs`): a new region when less than a datagram's room is left.
const MAX_DATAGRAM: usize = 65_535;
const REGION: usize = 2 * MAX_DATAGRAM;

/// One clock read for the epoch; everything after it is virtual.
#[allow(clippy::disallowed_methods)]
pub fn epoch() -> Instant {
    Instant::now()
}

/// A non-INVITE request (the layer only stores it and sends it again on timers).
const REQUEST: &[u8] = b"OPTIONS sip:bob@192.0.2.201 SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK-bench\r\n\
Max-Forwards: 70\r\nFrom: <sip:alice@192.0.2.101>;tag=1\r\nTo: <sip:bob@192.0.2.201>\r\n\
Call-ID: bench@192.0.2.101\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

/// Its 200 OK.
const RESPONSE: &[u8] = b"SIP/2.0 200 OK\r\n\
Via: SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK-bench\r\n\
From: <sip:alice@192.0.2.101>;tag=1\r\nTo: <sip:bob@192.0.2.201>;tag=2\r\n\
Call-ID: bench@192.0.2.101\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

/// SplitMix64's finaliser: distinct, random-looking branch tokens from a counter.
fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A transaction layer with pre-made branches, driving whole transaction lifetimes.
pub struct TxnBench {
    layer: TransactionLayer<SocketAddr>,
    branches: Vec<Bytes>,
    peer: SocketAddr,
    now: Instant,
}

impl TxnBench {
    /// A layer sized for `batch` live transactions, with `batch` distinct branches.
    pub fn new(batch: usize) -> Self {
        let layer = TransactionLayer::new(LayerConfig {
            max_transactions: batch.max(1),
            ..LayerConfig::default()
        });
        // Real branches are the magic cookie and a random token; a shared long prefix would
        // make every key comparison look more expensive than it is.
        let branches = (0..batch as u64)
            .map(|i| Bytes::from(format!("z9hG4bK{:016x}", mix(i))))
            .collect();
        TxnBench {
            layer,
            branches,
            peer: SocketAddr::from(([192, 0, 2, 201], 5060)),
            now: epoch(),
        }
    }

    /// Transactions per batch.
    pub fn batch(&self) -> usize {
        self.branches.len()
    }

    /// UAC: for every branch, `start_client` (queues the request), take the request to send,
    /// then a 200 OK arrives and `handle_response` matches it; finally the timeout that frees
    /// them (Timer K). Returns how many responses matched.
    pub fn uac_batch(&mut self) -> usize {
        let now = self.now;
        let mut matched = 0;
        for branch in &self.branches {
            let key = TransactionKey::client(branch.clone(), Bytes::from_static(b"OPTIONS"));
            // invariant: the layer holds `batch` slots and the previous batch was freed.
            self.layer
                .start_client(
                    now,
                    key,
                    Bytes::from_static(REQUEST),
                    self.peer,
                    Reliability::Unreliable,
                )
                .expect("room in the layer");
            while self.layer.poll_transmit().is_some() {}
        }
        for branch in &self.branches {
            let key = TransactionKey::client(branch.clone(), Bytes::from_static(b"OPTIONS"));
            let hit = self.layer.handle_response(
                now,
                key,
                200,
                Bytes::from_static(RESPONSE),
                self.peer,
                |_, _| Bytes::new(),
            );
            matched += usize::from(hit.is_some());
            while self.layer.poll_event().is_some() {}
        }
        self.settle();
        matched
    }

    /// UAS: for every branch a request arrives and `handle_request` creates a server
    /// transaction (built its key from branch, sent-by and method, as §17.2.3 asks); the TU
    /// answers 200 through `send_response`; finally the timeout that frees them (Timer J).
    /// Returns how many server transactions were created.
    pub fn uas_batch(&mut self) -> usize {
        let now = self.now;
        let mut created = 0;
        for branch in &self.branches {
            let key = TransactionKey::server(
                branch.clone(),
                b"192.0.2.101",
                5060,
                Bytes::from_static(b"OPTIONS"),
            );
            let id = self.layer.handle_request(
                now,
                key,
                Bytes::from_static(REQUEST),
                self.peer,
                Reliability::Unreliable,
            );
            while self.layer.poll_event().is_some() {}
            if let Some(id) = id {
                created += 1;
                // invariant: `id` was just created and is a server transaction.
                self.layer
                    .send_response(now, id, 200, Bytes::from_static(RESPONSE))
                    .expect("live server transaction");
                while self.layer.poll_transmit().is_some() {}
            }
        }
        self.settle();
        created
    }

    fn settle(&mut self) {
        self.now += SETTLE;
        self.layer.handle_timeout(self.now);
        while self.layer.poll_event().is_some() {}
        while self.layer.poll_transmit().is_some() {}
    }

    /// Live transactions (zero after every batch).
    pub fn live(&self) -> usize {
        self.layer.len()
    }
}

/// Two endpoints wired back to back; SIP datagrams go straight from one to the other, media
/// packets are counted and dropped (the call is hung up as soon as it is answered).
pub struct CallPair {
    a: Endpoint,
    b: Endpoint,
    a_addr: SocketAddr,
    b_addr: SocketAddr,
    now: Instant,
    buf: Vec<u8>,
    /// SIP datagrams in flight: (to B?, bytes).
    wire: VecDeque<(bool, Bytes)>,
    /// The events one drain produced (reused, as a runtime would).
    events: Vec<Event>,
    /// Where delivered datagrams are received, as runtime-tokio receives them: one region
    /// that each datagram is split off without another allocation.
    region: BytesMut,
    /// SIP datagrams delivered, over all calls.
    pub sip_messages: u64,
    /// RTP/RTCP datagrams the endpoints emitted (dropped), over all calls.
    pub media_packets: u64,
}

impl CallPair {
    /// Two endpoints with the RFC default timers, silence instead of a tone.
    pub fn new() -> Self {
        let now = epoch();
        let wall = WallClock {
            instant: now,
            unix: Duration::from_secs(1_800_000_000),
        };
        let a_addr = SocketAddr::from(([127, 0, 0, 1], 5060));
        let b_addr = SocketAddr::from(([127, 0, 0, 1], 5062));
        let config = |addr, seed| {
            let mut c = EndpointConfig::new(addr, seed, wall);
            c.tone_hz = None;
            c
        };
        CallPair {
            a: Endpoint::new(config(a_addr, 1)),
            b: Endpoint::new(config(b_addr, 2)),
            a_addr,
            b_addr,
            now,
            buf: Vec::with_capacity(2048),
            wire: VecDeque::new(),
            events: Vec::new(),
            region: BytesMut::with_capacity(REGION),
            sip_messages: 0,
            media_packets: 0,
        }
    }

    /// One complete call: INVITE, 100, 180, 200, ACK, then A hangs up: BYE, 200. Every
    /// message is written and parsed by the endpoints. Then virtual time jumps past every
    /// transaction timer so both endpoints are empty again.
    pub fn run_call(&mut self) {
        let a_rtp = SocketAddr::from(([127, 0, 0, 1], 40_000));
        let b_rtp = SocketAddr::from(([127, 0, 0, 1], 40_002));
        let target = "sip:bob@127.0.0.1:5062";
        // invariant: the target is a SIP URI with an IP host and the endpoint is empty.
        let a_call = self.a.call(self.now, target, a_rtp).expect("valid target");
        let mut a_ended = false;
        let mut b_ended = false;
        let mut b_call: Option<CallId> = None;
        let mut rounds = 0;
        let mut events = std::mem::take(&mut self.events);
        while !(a_ended && b_ended) {
            rounds += 1;
            assert!(rounds < 64, "call did not complete");
            self.drain(true, &mut events);
            for e in events.drain(..) {
                match e {
                    Event::Answered { .. } => {
                        self.a.hang_up(self.now, a_call).expect("answered call");
                    }
                    Event::Ended { .. } => a_ended = true,
                    _ => {}
                }
            }
            self.drain(false, &mut events);
            for e in events.drain(..) {
                match e {
                    Event::IncomingCall { call, .. } => {
                        b_call = Some(call);
                        self.b.ring(self.now, call).expect("offered call");
                        self.b.answer(self.now, call, b_rtp).expect("offered call");
                    }
                    Event::Ended { .. } => b_ended = true,
                    _ => {}
                }
            }
            self.deliver();
        }
        debug_assert!(b_call.is_some());
        self.now += SETTLE;
        self.a.handle_input(Input::Timeout(self.now));
        self.b.handle_input(Input::Timeout(self.now));
        self.drain(true, &mut events);
        self.drain(false, &mut events);
        events.clear();
        self.events = events;
        self.deliver();
        // Give the next call a fresh millisecond.
        self.now += Duration::from_millis(1);
    }

    /// Drains one endpoint's outputs, queueing SIP for the other side and its events in
    /// `events`.
    fn drain(&mut self, from_a: bool, events: &mut Vec<Event>) {
        loop {
            let ep = if from_a { &mut self.a } else { &mut self.b };
            match ep.poll_output(&mut self.buf) {
                Output::Transmit(t) => {
                    if t.socket == Socket::Sip {
                        // The far end's runtime receives the datagram into its region.
                        if self.region.capacity() < MAX_DATAGRAM {
                            self.region = BytesMut::with_capacity(REGION);
                        }
                        self.region.extend_from_slice(&self.buf);
                        let bytes = self.region.split().freeze();
                        self.wire.push_back((from_a, bytes));
                    } else {
                        self.media_packets += 1;
                    }
                }
                Output::Event(e) => events.push(e),
                Output::Timeout(_) => return,
            }
        }
    }

    /// Hands every queued SIP datagram to its destination.
    fn deliver(&mut self) {
        while let Some((to_b, bytes)) = self.wire.pop_front() {
            self.sip_messages += 1;
            let (ep, source) = if to_b {
                (&mut self.b, self.a_addr)
            } else {
                (&mut self.a, self.b_addr)
            };
            ep.handle_input(Input::Receive {
                now: self.now,
                socket: Socket::Sip,
                source,
                bytes,
            });
        }
    }

    /// Calls and transactions still held by either endpoint (zero after every call).
    pub fn held(&self) -> (usize, usize) {
        (
            self.a.call_count() + self.b.call_count(),
            self.a.transaction_count() + self.b.transaction_count(),
        )
    }
}

impl Default for CallPair {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_completes_and_leaves_nothing_behind() {
        let mut pair = CallPair::new();
        pair.run_call();
        pair.run_call();
        assert_eq!(pair.held(), (0, 0));
        // INVITE, 100, 180, 200, ACK, BYE, 200 per call.
        assert_eq!(pair.sip_messages, 14);
    }

    #[test]
    fn transaction_batches_free_everything() {
        let mut t = TxnBench::new(16);
        assert_eq!(t.uac_batch(), 16);
        assert_eq!(t.live(), 0);
        assert_eq!(t.uas_batch(), 16);
        assert_eq!(t.live(), 0);
    }
}
