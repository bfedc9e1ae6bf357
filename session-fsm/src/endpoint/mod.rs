//! The user agent: places and answers calls.
//!
//! An [`Endpoint`] is one SIP user agent (RFC 3261 §8) on one SIP socket. It answers INVITEs
//! (100 Trying at once, then 180 and 200 when the application says so), places calls (INVITE,
//! ACK for the 2xx, BYE or CANCEL to hang up), runs an RTP/RTCP session per call, and reports
//! what happens as [`Event`]s.
//!
//! It follows the contract of every machine in this stack: feed [`Input`]s, then drain
//! [`Endpoint::poll_output`] until it returns [`Output::Timeout`]:
//!
//! ```
//! use std::time::{Duration, Instant};
//! use bytes::Bytes;
//! use session_fsm::{Endpoint, EndpointConfig, Event, Input, Output, Socket, WallClock};
//!
//! let start = Instant::now();
//! let wall = WallClock { instant: start, unix: Duration::from_secs(1_700_000_000) };
//! let mut uas = Endpoint::new(EndpointConfig::new("127.0.0.1:5060".parse()?, 1, wall));
//!
//! // An OPTIONS ping arrives...
//! let options = "OPTIONS sip:uas@127.0.0.1:5060 SIP/2.0\r\n\
//!     Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKping1\r\n\
//!     From: <sip:probe@127.0.0.1:5070>;tag=p1\r\nTo: <sip:uas@127.0.0.1:5060>\r\n\
//!     Call-ID: ping-1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
//! uas.handle_input(Input::Receive {
//!     now: start,
//!     socket: Socket::Sip,
//!     source: "127.0.0.1:5070".parse()?,
//!     bytes: Bytes::from(options),
//! });
//!
//! // ...and the drain loop sends the answer, then says when to wake up next.
//! let mut buf = Vec::new();
//! loop {
//!     match uas.poll_output(&mut buf) {
//!         Output::Transmit(t) => {
//!             assert!(buf.starts_with(b"SIP/2.0 200 OK\r\n"));
//!             assert_eq!(t.destination, "127.0.0.1:5070".parse()?);
//!         }
//!         Output::Event(event) => println!("{event:?}"),
//!         Output::Timeout(_next) => break, // arm one timer for this instant
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod call;
mod config;
mod ids;
mod io;
mod requests;
mod types;
mod uac;
mod uas;

pub use config::{EndpointConfig, WallClock};
pub use io::{Event, Input, Output, Socket, Transmit};
pub use types::{CallId, EndReason, EndpointError, EndpointStats, MediaStats};

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;

use bytes::Bytes;
use rtp_proto::stats::{NtpTime, WallClockAnchor};
use sip_proto::message::Message;
use sip_proto::transaction::Event as TxnEvent;
use sip_proto::{LayerConfig, LayerEvent, TimerConfig, TransactionId, TransactionLayer};

use crate::media::MediaSocket;
use crate::time::Instant;

use call::{Call, CallState};
use ids::Ids;

/// A SIP user agent with its calls. See the [module docs](self).
#[derive(Debug)]
pub struct Endpoint {
    config: EndpointConfig,
    timers: TimerConfig,
    stats: EndpointStats,
    ids: Ids,
    anchor: WallClockAnchor,
    /// The latest `now` seen; outputs produced by `poll_output` are due against it.
    now: Option<Instant>,
    layer: TransactionLayer<SocketAddr>,
    calls: BTreeMap<CallId, Call>,
    /// SIP Call-ID → our call.
    by_sip_call_id: BTreeMap<String, CallId>,
    /// Transaction → the call it belongs to.
    by_txn: BTreeMap<TransactionId, CallId>,
    next_call: u64,
    /// SIP messages sent outside any transaction: ACKs for 2xx, stateless answers.
    sip_out: VecDeque<(SocketAddr, Bytes)>,
    events: VecDeque<Event>,
    /// Where responses are built before the transaction layer takes them.
    scratch: Vec<u8>,
    /// The request just handed to the transaction layer, so its `NewRequest` is not parsed a
    /// second time.
    parsed: Option<sip_proto::message::Request>,
}

impl Endpoint {
    /// Builds an endpoint. It does nothing until fed input.
    pub fn new(config: EndpointConfig) -> Self {
        let timers = TimerConfig {
            t1: config.t1,
            t2: config.t2,
            t4: config.t4,
        };
        let layer = TransactionLayer::new(LayerConfig {
            timers,
            // Each call holds at most a handful of transactions at once (INVITE, CANCEL, BYE,
            // and stray in-dialog requests); leave room for out-of-dialog traffic too.
            max_transactions: config.max_calls.saturating_mul(4).max(64),
            // The endpoint sends 100 Trying itself the moment an INVITE arrives (§17.2.1).
            auto_trying: false,
        });
        let anchor = WallClockAnchor::new(
            config.wall_clock.instant,
            NtpTime::from_unix(config.wall_clock.unix),
        );
        Endpoint {
            ids: Ids::new(config.seed),
            timers,
            anchor,
            config,
            stats: EndpointStats::default(),
            now: None,
            layer,
            calls: BTreeMap::new(),
            by_sip_call_id: BTreeMap::new(),
            by_txn: BTreeMap::new(),
            next_call: 1,
            sip_out: VecDeque::new(),
            events: VecDeque::new(),
            scratch: Vec::with_capacity(2048),
            parsed: None,
        }
    }

    /// The configuration it was built with.
    pub fn config(&self) -> &EndpointConfig {
        &self.config
    }

    /// Counters of what was dropped or answered with an error.
    pub fn stats(&self) -> EndpointStats {
        self.stats
    }

    /// How many calls the endpoint holds, including ended ones whose transactions are still
    /// finishing (RFC 3261 keeps them for up to 64·T1 to absorb retransmissions).
    pub fn call_count(&self) -> usize {
        self.calls.len()
    }

    /// How many transactions are alive.
    pub fn transaction_count(&self) -> usize {
        self.layer.len()
    }

    /// Feeds one input. Peer garbage never makes this fail: it is answered or counted.
    pub fn handle_input(&mut self, input: Input) {
        match input {
            Input::Receive {
                now,
                socket,
                source,
                bytes,
            } => {
                self.advance(now);
                match socket {
                    Socket::Sip => self.handle_sip(now, source, bytes),
                    Socket::Rtp(call) | Socket::Rtcp(call) => {
                        let Some(media) = self.calls.get_mut(&call).and_then(|c| c.media.as_mut())
                        else {
                            return;
                        };
                        if matches!(socket, Socket::Rtp(_)) {
                            media.handle_rtp(now, &bytes);
                        } else {
                            media.handle_rtcp(now, &bytes);
                        }
                    }
                }
            }
            Input::Timeout(now) => {
                self.advance(now);
                self.layer.handle_timeout(now);
                self.process_layer_events(now);
                self.handle_call_timers(now);
            }
        }
        self.free_finished_calls();
    }

    fn advance(&mut self, now: Instant) {
        // Time never runs backwards for the machines, whatever the caller passes.
        self.now = Some(self.now.map_or(now, |seen| seen.max(now)));
    }

    /// The next output. Bytes of an [`Output::Transmit`] are written into `buf` (cleared
    /// first). Drain until [`Output::Timeout`]; calling again after that is harmless.
    pub fn poll_output(&mut self, buf: &mut Vec<u8>) -> Output {
        buf.clear();
        if let Some(t) = self.layer.poll_transmit() {
            buf.extend_from_slice(&t.bytes);
            return transmit(Socket::Sip, t.peer);
        }
        if let Some((destination, bytes)) = self.sip_out.pop_front() {
            buf.extend_from_slice(&bytes);
            return transmit(Socket::Sip, destination);
        }
        if let Some(event) = self.events.pop_front() {
            return Output::Event(event);
        }
        if let Some(now) = self.now {
            for call in self.calls.values_mut() {
                if let Some(retransmitter) = &mut call.uas_2xx {
                    if let Some(bytes) = retransmitter.poll_transmit() {
                        buf.extend_from_slice(&bytes);
                        return transmit(Socket::Sip, call.peer);
                    }
                }
                if let Some(media) = &mut call.media {
                    if let Some((socket, destination)) = media.poll_transmit(now, buf) {
                        let socket = match socket {
                            MediaSocket::Rtp => Socket::Rtp(call.id),
                            MediaSocket::Rtcp => Socket::Rtcp(call.id),
                        };
                        return transmit(socket, destination);
                    }
                }
            }
        }
        self.free_finished_calls();
        Output::Timeout(self.poll_timeout())
    }

    /// The earliest deadline of any transaction, 2xx retransmitter or media session.
    fn poll_timeout(&mut self) -> Option<Instant> {
        let mut next = self.layer.poll_timeout();
        for call in self.calls.values() {
            let deadlines = [
                call.uas_2xx.as_ref().and_then(|r| r.poll_timeout()),
                call.media.as_ref().and_then(|m| m.poll_timeout()),
                call.cancel_give_up,
            ];
            for deadline in deadlines.into_iter().flatten() {
                next = Some(next.map_or(deadline, |n: Instant| n.min(deadline)));
            }
        }
        next
    }

    /// Fires the per-call timers the transaction layer does not own.
    fn handle_call_timers(&mut self, now: Instant) {
        let mut gave_up = Vec::new();
        let mut abandoned = Vec::new();
        for call in self.calls.values_mut() {
            if call.cancel_give_up.is_some_and(|at| at <= now) {
                call.cancel_give_up = None;
                abandoned.extend(call.invite_txn);
            }
            if let Some(retransmitter) = &mut call.uas_2xx {
                retransmitter.handle_timeout(now);
                if retransmitter.poll_event().is_some() {
                    gave_up.push(call.id);
                }
            }
        }
        for txn in abandoned {
            // §9.1: the CANCEL got no final response for the INVITE within 64·T1.
            let _ = self.layer.destroy(txn);
        }
        self.process_layer_events(now);
        for id in gave_up {
            // §13.3.1.4: no ACK within 64·T1: the session SHOULD end with a BYE.
            self.send_bye(now, id);
            self.end_call(id, EndReason::Timeout);
        }
    }

    /// A SIP datagram arrived.
    fn handle_sip(&mut self, now: Instant, source: SocketAddr, bytes: Bytes) {
        self.stats.sip_received += 1;
        // RFC 5626 §4.4.1 keep-alives (CRLF) and stray whitespace are not messages.
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return;
        }
        match Message::parse(bytes) {
            Ok(Message::Request(request)) => self.handle_request(now, source, request),
            Ok(Message::Response(response)) => self.handle_response(now, source, response),
            Err(error) => self.answer_unparsable(source, error),
        }
        self.process_layer_events(now);
        self.parsed = None;
    }

    /// Turns what the transaction layer reports into call actions.
    fn process_layer_events(&mut self, now: Instant) {
        while let Some(event) = self.layer.poll_event() {
            match event {
                LayerEvent::NewRequest {
                    id,
                    key,
                    message,
                    peer,
                    merged: _,
                } => {
                    self.handle_new_request(now, id, key, message, peer);
                }
                LayerEvent::Transaction { id, event } => self.handle_txn_event(now, id, event),
                LayerEvent::StrayResponse {
                    status,
                    message,
                    peer,
                    ..
                } => {
                    self.handle_stray_response(now, status, message, peer);
                }
                LayerEvent::UnmatchedAck { message, .. } => self.handle_ack(now, message),
                // Only the layer's parsed path reports these; the endpoint builds keys itself.
                LayerEvent::Malformed { .. } => self.stats.sip_dropped += 1,
                LayerEvent::Overloaded { message, peer, .. } => {
                    self.stats.calls_refused += 1;
                    self.answer_stateless(&message, peer, 503, &[("Retry-After", "5")]);
                }
            }
        }
    }

    fn handle_txn_event(&mut self, now: Instant, id: TransactionId, event: TxnEvent) {
        let call = self.by_txn.get(&id).copied();
        match event {
            TxnEvent::Response { status, message } => {
                if let Some(call) = call {
                    self.handle_call_response(now, call, id, status, message);
                }
            }
            TxnEvent::Ack { message } => self.handle_ack(now, message),
            TxnEvent::TimedOut { .. } => {
                if let Some(call) = call {
                    self.handle_txn_timeout(now, call, id);
                }
            }
            TxnEvent::TransportError => {
                if let Some(call) = call {
                    self.end_call(call, EndReason::TransportError);
                }
            }
            TxnEvent::Terminated => {
                self.by_txn.remove(&id);
                if let Some(call) = call.and_then(|c| self.calls.get_mut(&c)) {
                    call.txns.retain(|t| *t != id);
                    if call.invite_txn == Some(id) {
                        call.invite_txn = None;
                    }
                }
            }
        }
    }

    /// Remembers that transaction `txn` belongs to `call`.
    fn attach_txn(&mut self, call: CallId, txn: TransactionId) {
        if let Some(c) = self.calls.get_mut(&call) {
            c.txns.push(txn);
            self.by_txn.insert(txn, call);
        }
    }

    /// Ends a call for the application: stops its media and reports `Ended` once. The call
    /// stays until its transactions finish.
    fn end_call(&mut self, id: CallId, reason: EndReason) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        call.state = CallState::Ended;
        if let Some(media) = &mut call.media {
            media.stop();
        }
        if let Some(retransmitter) = &mut call.uas_2xx {
            retransmitter.ack_received();
        }
        if !call.end_reported {
            call.end_reported = true;
            let media = call.media.as_ref().map(|m| m.stats()).unwrap_or_default();
            self.events.push_back(Event::Ended {
                call: id,
                reason,
                media,
            });
        }
    }

    fn free_finished_calls(&mut self) {
        let finished: Vec<CallId> = self
            .calls
            .values()
            .filter(|c| c.is_finished())
            .map(|c| c.id)
            .collect();
        for id in finished {
            if let Some(call) = self.calls.remove(&id) {
                if self.by_sip_call_id.get(&call.sip_call_id) == Some(&id) {
                    self.by_sip_call_id.remove(&call.sip_call_id);
                }
                // The media session is gone with the call: nothing more leaves its sockets.
                drop(call);
            }
        }
    }

    fn new_call_id(&mut self) -> CallId {
        let id = CallId(self.next_call);
        self.next_call += 1;
        id
    }

    fn call_mut(&mut self, id: CallId) -> Result<&mut Call, EndpointError> {
        self.calls
            .get_mut(&id)
            .ok_or(EndpointError::UnknownCall(id))
    }
}

fn transmit(socket: Socket, destination: SocketAddr) -> Output {
    Output::Transmit(Transmit {
        socket,
        destination,
    })
}
