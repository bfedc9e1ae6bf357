//! The user agent: places and answers calls.
//!
//! An [`Endpoint`] is one SIP user agent (RFC 3261 §8) on one SIP socket. It answers INVITEs
//! (100 Trying at once, then 180 and 200 when the application says so), places calls (INVITE,
//! ACK for the 2xx, BYE or CANCEL to hang up), runs an RTP/RTCP session per call, and reports
//! what happens as [`Event`]s.
//!
//! Beyond the basic call it handles what real networks do to calls:
//!
//! * **Transports** ([`Transport`]): UDP datagrams, and TCP or TLS messages a runtime framed
//!   off a stream ([`Input::ReceiveStream`]); transactions on streams never retransmit and
//!   their wait timers are zero (RFC 3261 §17). Requests get `received`/`rport` in their Via
//!   (§18.2.1, RFC 3581) and responses go where §18.2.2 says. A failed send reported with
//!   [`Input::TransportError`] fails the transactions to that peer (§17.1.4).
//! * **Races**: a CANCEL crossing the 200 OK (ACK, then BYE), BYE crossing BYE (RFC 5407:
//!   both answered 200), a forked INVITE (one early dialog per branch, a late 2xx ACKed and
//!   ended with BYE), a merged request (482, §8.2.2.2), requests outside any dialog (481).
//! * **Re-INVITE** ([`Endpoint::reinvite`]): a session refresh with the glare rules of §14
//!   (491, then a random back-off from the endpoint's seed) and remote target refresh
//!   (§12.2).
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
mod reinvite;
mod requests;
mod transport;
mod types;
mod uac;
mod uas;

pub use config::{EndpointConfig, WallClock};
pub use io::{Event, Input, Output, Socket, Transmit};
pub use transport::Transport;
pub use types::{CallId, EndReason, EndpointError, EndpointStats, MediaStats};

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

use bytes::Bytes;
use rtp_proto::stats::{NtpTime, WallClockAnchor};
use sip_proto::dialog::Dialog;
use sip_proto::message::{Message, Response};
use sip_proto::transaction::Event as TxnEvent;
use sip_proto::{
    ClientInviteState, LayerConfig, LayerEvent, TimerConfig, TransactionId, TransactionLayer,
    TransactionState,
};
use smallvec::SmallVec;

use crate::media::MediaSocket;
use crate::time::Instant;

use call::{Call, CallState};
use ids::{Ids, Tag};
use requests::{Incoming, ViaMemo};
use transport::Peer;

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
    layer: TransactionLayer<Peer>,
    /// Calls, boxed: a call is large (its INVITE's header index, dialogs, media buffers),
    /// and the map moves its values around as it grows and shrinks.
    calls: BTreeMap<CallId, Box<Call>>,
    /// Calls not yet ended, for `max_calls`.
    active_calls: usize,
    /// Our tag → our call. Tags are ours and unique, so this finds the dialog of any request
    /// or ACK the far end sends inside a call (§12.2.2: its To tag is our tag).
    by_local_tag: BTreeMap<Tag, CallId>,
    /// Transaction → the call it belongs to.
    by_txn: BTreeMap<TransactionId, CallId>,
    next_call: u64,
    /// SIP messages to send, in the order they were made: the transaction layer's are moved
    /// here before anything sent outside a transaction (ACKs for 2xx, stateless answers) is
    /// queued, so an ACK always leaves before the BYE made after it.
    sip_out: VecDeque<(Peer, Bytes)>,
    events: VecDeque<Event>,
    /// Where messages are written before they are copied into the `Bytes` that go out.
    scratch: Vec<u8>,
    /// Where a body (our SDP) is written before it goes into `scratch`.
    body_scratch: Vec<u8>,
    /// Where the Via of a request we send is written.
    via_buf: String,
    /// The top Via line of the last response read (see [`ViaMemo`]).
    via_memo: Option<ViaMemo>,
    /// Text written into many messages, made once: see [`LocalText`].
    text: LocalText,
    /// Calls to look at in `poll_output`: they may have something to send, a new deadline,
    /// or be finished. Each is queued at most once (`Call::queued`).
    ready: VecDeque<CallId>,
    /// The calls' own deadlines (2xx retransmissions, media, CANCEL give-up, re-INVITE
    /// retry), with lazy deletion: an item counts only while it equals `Call::armed`.
    deadlines: BinaryHeap<Reverse<(Instant, CallId)>>,
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
        let text = LocalText::new(&config);
        Endpoint {
            ids: Ids::new(config.seed),
            timers,
            anchor,
            config,
            stats: EndpointStats::default(),
            now: None,
            layer,
            calls: BTreeMap::new(),
            active_calls: 0,
            by_local_tag: BTreeMap::new(),
            by_txn: BTreeMap::new(),
            next_call: 1,
            sip_out: VecDeque::new(),
            events: VecDeque::new(),
            scratch: Vec::with_capacity(2048),
            body_scratch: Vec::with_capacity(512),
            via_buf: String::with_capacity(96),
            via_memo: None,
            ready: VecDeque::new(),
            deadlines: BinaryHeap::new(),
            text,
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

    /// The dialogs of a call (RFC 3261 §12): for a call we placed, one early dialog per
    /// To tag that provisional responses carried (several when a proxy forked the INVITE),
    /// then the one dialog a 2xx confirmed; for a call we answered, the dialog our 2xx made.
    /// Empty for an unknown call.
    pub fn dialogs(&self, call: CallId) -> impl Iterator<Item = &Dialog> + '_ {
        self.calls
            .get(&call)
            .into_iter()
            .flat_map(|c| c.dialog.iter().chain(c.early.iter()))
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
                    Socket::Sip => self.handle_sip(now, Peer::new(source, Transport::Udp), bytes),
                    Socket::Rtp(call) | Socket::Rtcp(call) => {
                        let Some(media) = self.calls.get_mut(&call).and_then(|c| c.media.as_mut())
                        else {
                            return;
                        };
                        if matches!(socket, Socket::Rtp(_)) {
                            media.handle_rtp_from(now, source, &bytes);
                        } else {
                            media.handle_rtcp(now, &bytes);
                        }
                        self.touch(call);
                    }
                }
            }
            Input::ReceiveStream {
                now,
                transport,
                source,
                bytes,
            } => {
                self.advance(now);
                self.handle_sip(now, Peer::new(source, transport), bytes);
            }
            Input::TransportError {
                now,
                destination,
                transport,
            } => {
                self.advance(now);
                self.handle_transport_error(now, Peer::new(destination, transport));
            }
            Input::Timeout(now) => {
                self.advance(now);
                self.layer.handle_timeout(now);
                self.process_layer_events(now, None);
                self.fire_call_timers(now);
            }
        }
    }

    fn advance(&mut self, now: Instant) {
        // Time never runs backwards for the machines, whatever the caller passes.
        self.now = Some(self.now.map_or(now, |seen| seen.max(now)));
    }

    /// The next output. Bytes of an [`Output::Transmit`] are written into `buf` (cleared
    /// first). Drain until [`Output::Timeout`]; calling again after that is harmless.
    pub fn poll_output(&mut self, buf: &mut Vec<u8>) -> Output {
        buf.clear();
        flush_layer(&mut self.layer, &mut self.sip_out);
        if let Some((peer, bytes)) = self.sip_out.pop_front() {
            buf.extend_from_slice(&bytes);
            return transmit(Socket::Sip, peer);
        }
        if let Some(event) = self.events.pop_front() {
            return Output::Event(event);
        }
        while let Some(&id) = self.ready.front() {
            if let Some(output) = self.poll_call(id, buf) {
                return output;
            }
            self.ready.pop_front();
            self.settle_call(id);
        }
        Output::Timeout(self.poll_timeout())
    }

    /// The next datagram a call's own machines (2xx retransmitter, media) want to send.
    fn poll_call(&mut self, id: CallId, buf: &mut Vec<u8>) -> Option<Output> {
        let now = self.now?;
        let call = self.calls.get_mut(&id)?;
        if let Some(pending) = &mut call.uas_2xx {
            if let Some(bytes) = pending.retransmitter.poll_transmit() {
                buf.extend_from_slice(&bytes);
                return Some(transmit(Socket::Sip, pending.peer));
            }
        }
        let media = call.media.as_mut()?;
        let (socket, destination) = media.poll_transmit(now, buf, &self.text.cname)?;
        let socket = match socket {
            MediaSocket::Rtp => Socket::Rtp(id),
            MediaSocket::Rtcp => Socket::Rtcp(id),
        };
        Some(transmit(socket, Peer::new(destination, Transport::Udp)))
    }

    /// After a call has been looked at: free it if it is finished, else re-arm its deadline.
    fn settle_call(&mut self, id: CallId) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        call.queued = false;
        if call.is_finished() {
            self.free_call(id);
            return;
        }
        let deadline = call.deadline();
        if deadline != call.armed {
            call.armed = deadline;
            if let Some(at) = deadline {
                self.deadlines.push(Reverse((at, id)));
                self.compact_deadlines();
            }
        }
    }

    /// Queues a call to be looked at by `poll_output`.
    fn touch(&mut self, id: CallId) {
        if let Some(call) = self.calls.get_mut(&id) {
            if !call.queued {
                call.queued = true;
                self.ready.push_back(id);
            }
        }
    }

    /// The earliest deadline of any transaction or call.
    fn poll_timeout(&mut self) -> Option<Instant> {
        let layer = self.layer.poll_timeout();
        let calls = self.next_call_deadline();
        match (layer, calls) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn next_call_deadline(&mut self) -> Option<Instant> {
        while let Some(&Reverse((at, id))) = self.deadlines.peek() {
            if self.calls.get(&id).is_some_and(|c| c.armed == Some(at)) {
                return Some(at);
            }
            self.deadlines.pop();
        }
        None
    }

    /// Rebuilds the heap when stale items outnumber live ones, so it stays O(calls).
    fn compact_deadlines(&mut self) {
        if self.deadlines.len() <= 2 * self.calls.len() + 64 {
            return;
        }
        self.deadlines = self
            .calls
            .values()
            .filter_map(|c| c.armed.map(|at| Reverse((at, c.id))))
            .collect();
    }

    /// Fires the per-call timers the transaction layer does not own, for every call whose
    /// deadline has come.
    fn fire_call_timers(&mut self, now: Instant) {
        let mut due: SmallVec<[CallId; 8]> = SmallVec::new();
        while let Some(&Reverse((at, id))) = self.deadlines.peek() {
            if at > now {
                break;
            }
            self.deadlines.pop();
            if let Some(call) = self.calls.get_mut(&id) {
                if call.armed == Some(at) {
                    call.armed = None;
                    due.push(id);
                }
            }
        }
        for id in due {
            self.fire_timers_of(now, id);
            self.touch(id);
        }
    }

    fn fire_timers_of(&mut self, now: Instant, id: CallId) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let mut abandon: [Option<TransactionId>; 2] = [None; 2];
        if call.give_up_at.is_some_and(|at| at <= now) {
            call.give_up_at = None;
            abandon = [call.invite_txn, call.reinvite.as_ref().and_then(|r| r.txn)];
        }
        let mut gave_up = false;
        if let Some(pending) = &mut call.uas_2xx {
            pending.retransmitter.handle_timeout(now);
            gave_up = pending.retransmitter.poll_event().is_some();
        }
        let retry = call
            .reinvite
            .as_ref()
            .and_then(|r| r.retry_at)
            .is_some_and(|at| at <= now);
        for txn in abandon.into_iter().flatten() {
            // §9.1: the CANCEL got no final response for the INVITE within 64·T1 (or the
            // call ended that long ago): the INVITE is given up as if cancelled.
            let waiting = matches!(
                self.layer.state(txn),
                Some(TransactionState::ClientInvite(
                    ClientInviteState::Calling | ClientInviteState::Proceeding
                ))
            );
            if waiting {
                let _ = self.layer.destroy(txn);
            }
        }
        self.process_layer_events(now, None);
        if gave_up {
            // §13.3.1.4: no ACK within 64·T1: the session SHOULD end with a BYE.
            if let Some(call) = self.calls.get_mut(&id) {
                call.uas_2xx = None;
            }
            self.send_bye(now, id);
            self.end_call(id, EndReason::Timeout);
        }
        if retry {
            self.retry_reinvite(now, id);
        }
    }

    /// A SIP message arrived, from a datagram or framed off a stream.
    fn handle_sip(&mut self, now: Instant, source: Peer, bytes: Bytes) {
        self.stats.sip_received += 1;
        // RFC 5626 §4.4.1 keep-alives (CRLF) and stray whitespace are not messages.
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return;
        }
        match Message::parse(bytes) {
            Ok(Message::Request(request)) => self.handle_request(now, source, &request),
            Ok(Message::Response(response)) => self.handle_response(now, source, &response),
            Err(error) => self.answer_unparsable(source, error),
        }
        self.process_layer_events(now, None);
    }

    /// The runtime could not reach `peer`: its transactions fail (§17.1.4, §17.2.4), and so
    /// do 2xx retransmissions to it.
    fn handle_transport_error(&mut self, now: Instant, peer: Peer) {
        self.layer.transport_error_to(&peer);
        self.process_layer_events(now, None);
        let hit: Vec<CallId> = self
            .calls
            .values()
            .filter(|c| c.uas_2xx.as_ref().is_some_and(|p| p.peer == peer))
            .map(|c| c.id)
            .collect();
        for id in hit {
            if let Some(call) = self.calls.get_mut(&id) {
                call.uas_2xx = None;
            }
            self.end_call(id, EndReason::TransportError);
        }
    }

    /// Turns what the transaction layer reports into call actions. `current` is the request
    /// just handed to the layer, if any: what the layer reports about it is handled with its
    /// headers already typed.
    fn process_layer_events(&mut self, now: Instant, current: Option<&mut Incoming<'_>>) {
        self.process_layer_events_with(now, current, None);
    }

    /// [`Endpoint::process_layer_events`], with `response` the response just handed to the
    /// layer, if any, so that what the layer reports about it is not parsed again.
    fn process_layer_events_with(
        &mut self,
        now: Instant,
        mut current: Option<&mut Incoming<'_>>,
        response: Option<&Response>,
    ) {
        while let Some(event) = self.layer.poll_event() {
            let current = current.as_deref_mut();
            match event {
                LayerEvent::NewRequest {
                    id,
                    key,
                    message,
                    peer,
                    merged,
                } => self.with_request(current, &message, |ep, incoming| {
                    ep.handle_new_request(now, id, &key, incoming, peer, merged);
                }),
                LayerEvent::Transaction { id, event } => {
                    self.handle_txn_event(now, id, event, current, response)
                }
                LayerEvent::StrayResponse { .. } => self.stats.stray_responses += 1,
                LayerEvent::UnmatchedAck { message, .. } => {
                    self.with_request(current, &message, |ep, incoming| {
                        ep.handle_ack(now, incoming);
                    })
                }
                // Only the layer's parsed path reports these; the endpoint builds keys itself.
                LayerEvent::Malformed { .. } => self.stats.sip_dropped += 1,
                LayerEvent::Overloaded { message, peer, .. } => {
                    self.stats.calls_refused += 1;
                    self.with_request(current, &message, |ep, incoming| {
                        ep.answer_stateless(incoming, peer, 503, &[("Retry-After", "5")]);
                    });
                }
            }
        }
    }

    fn handle_txn_event(
        &mut self,
        now: Instant,
        id: TransactionId,
        event: TxnEvent,
        current: Option<&mut Incoming<'_>>,
        response: Option<&Response>,
    ) {
        let call = self.by_txn.get(&id).copied();
        match event {
            TxnEvent::Response { status, message } => {
                if let Some(call) = call {
                    self.handle_call_response(now, call, id, status, &message, response);
                }
            }
            TxnEvent::Ack { message } => self.with_request(current, &message, |ep, incoming| {
                ep.handle_ack(now, incoming);
            }),
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
                if let Some(c) = call.and_then(|c| self.calls.get_mut(&c)) {
                    c.txns.retain(|t| *t != id);
                    if c.invite_txn == Some(id) {
                        c.invite_txn = None;
                    }
                    if let Some(r) = &mut c.reinvite {
                        if r.txn == Some(id) {
                            r.txn = None;
                        }
                        if r.txn.is_none() && r.retry_at.is_none() {
                            c.reinvite = None;
                        }
                    }
                }
                if let Some(call) = call {
                    self.touch(call);
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

    /// Adds a new call to the tables.
    fn insert_call(&mut self, call: Box<Call>) {
        let id = call.id;
        self.by_local_tag.insert(call.local_tag, id);
        self.calls.insert(id, call);
        self.active_calls += 1;
    }

    /// Ends a call for the application: stops its media and reports `Ended` once. The call
    /// stays until its transactions finish.
    fn end_call(&mut self, id: CallId, reason: EndReason) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        if call.state != CallState::Ended {
            self.active_calls = self.active_calls.saturating_sub(1);
            // INVITEs of ours still waiting for a final response are given up 64·T1 from
            // now if none comes (see `Call::give_up_at`).
            if let Some(now) = self.now {
                let at = now + self.timers.timeout();
                call.give_up_at = Some(call.give_up_at.map_or(at, |g| g.min(at)));
            }
        }
        call.state = CallState::Ended;
        if let Some(media) = &mut call.media {
            media.stop();
        }
        call.uas_2xx = None;
        if let Some(r) = &mut call.reinvite {
            r.retry_at = None;
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
        self.touch(id);
    }

    fn free_call(&mut self, id: CallId) {
        if let Some(call) = self.calls.remove(&id) {
            if self.by_local_tag.get(&call.local_tag) == Some(&id) {
                self.by_local_tag.remove(&call.local_tag);
            }
            // The media session is gone with the call: nothing more leaves its sockets.
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
            .map(|c| &mut **c)
            .ok_or(EndpointError::UnknownCall(id))
    }
}

/// Text about ourselves that goes into many messages, formatted once at construction rather
/// than per message.
#[derive(Debug)]
struct LocalText {
    /// Our address, `ip` (Call-IDs, Warning).
    host: String,
    /// Our SIP address, `ip:port` (Via sent-by, From, Contact).
    sip: String,
    /// Our Contact on UDP, TCP and TLS (§8.1.1.8).
    contacts: [String; 3],
    /// Our RTCP CNAME, `user@ip` (RFC 3550 §6.5.1).
    cname: String,
}

impl LocalText {
    fn new(config: &EndpointConfig) -> LocalText {
        let host = config.local_sip.ip().to_string();
        let sip = config.local_sip.to_string();
        let contact = |t: Transport| format!("<sip:{}@{sip}{}>", config.user, t.uri_param());
        LocalText {
            contacts: [
                contact(Transport::Udp),
                contact(Transport::Tcp),
                contact(Transport::Tls),
            ],
            cname: format!("{}@{host}", config.user),
            host,
            sip,
        }
    }

    fn contact(&self, transport: Transport) -> &str {
        let i = match transport {
            Transport::Udp => 0,
            Transport::Tcp => 1,
            Transport::Tls => 2,
        };
        &self.contacts[i]
    }
}

/// Moves what the transaction layer has to send into `out`, keeping the order.
fn flush_layer(layer: &mut TransactionLayer<Peer>, out: &mut VecDeque<(Peer, Bytes)>) {
    while let Some(t) = layer.poll_transmit() {
        out.push_back((t.peer, t.bytes));
    }
}

/// Queues a message sent outside any transaction, after what the layer already made.
fn push_sip(
    layer: &mut TransactionLayer<Peer>,
    out: &mut VecDeque<(Peer, Bytes)>,
    peer: Peer,
    bytes: Bytes,
) {
    flush_layer(layer, out);
    out.push_back((peer, bytes));
}

fn transmit(socket: Socket, peer: Peer) -> Output {
    Output::Transmit(Transmit {
        socket,
        destination: peer.addr,
        transport: peer.transport,
    })
}
