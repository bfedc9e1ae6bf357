//! The transaction layer: many transactions in a slab, matched by key (RFC 3261 §17.1.3,
//! §17.2.3), with one aggregated timeout.
//!
//! The layer owns every live transaction, addressed by a [`TransactionId`] handle. It routes
//! incoming responses to client transactions and incoming requests to server transactions,
//! creates server transactions for new requests, reports what matched nothing, frees a
//! transaction when it reaches Terminated, and keeps its deadlines in a min-heap with lazy
//! deletion so that [`poll_timeout`](TransactionLayer::poll_timeout) does not scan every
//! transaction.
//!
//! It is generic over `P`, the peer a transaction talks to (a socket address, a connection
//! handle, …): the layer stores it and hands it back with every [`Transmit`], and never looks
//! inside. Matching works on [`TransactionKey`]s: [`TransactionLayer::handle_message`] and
//! [`TransactionLayer::send_request`] build them from parsed messages (and build the non-2xx
//! ACK too); [`TransactionLayer::handle_request`] and [`TransactionLayer::handle_response`]
//! take them ready-made.
//!
//! # The run loop
//!
//! Feed inputs, drain both queues, arm one timer for `poll_timeout`, and call `handle_timeout`
//! when it fires. A simulation does the same with a virtual clock:
//!
//! ```
//! use bytes::Bytes;
//! use sip_proto::time::{Duration, Instant};
//! use sip_proto::transaction::{
//!     Event, LayerConfig, LayerEvent, Reliability, Timer, TransactionKey, TransactionLayer,
//! };
//!
//! # #[allow(clippy::disallowed_methods)] // the epoch of this virtual-time example
//! let t0 = Instant::now();
//! // `P` is whatever names a peer for the adapter: a socket address, a connection id, ...
//! let mut layer: TransactionLayer<&str> = TransactionLayer::new(LayerConfig::default());
//! let key = TransactionKey::client("z9hG4bK776asdhds", "OPTIONS");
//! let request = Bytes::from_static(b"OPTIONS sip:bob@example.com SIP/2.0\r\n...");
//! let id = layer.start_client(t0, key, request, "192.0.2.4:5060", Reliability::Unreliable)?;
//!
//! // No answer ever comes: Timer E retransmits, Timer F gives up at 64*T1.
//! let mut sent = 0;
//! let mut now = t0;
//! loop {
//!     while let Some(t) = layer.poll_transmit() {
//!         assert_eq!(t.peer, "192.0.2.4:5060"); // an adapter would send_to(t.peer, t.bytes)
//!         sent += 1;
//!     }
//!     while let Some(event) = layer.poll_event() {
//!         if let LayerEvent::Transaction { id: done, event: Event::TimedOut { timer } } = event {
//!             assert_eq!((done, timer), (id, Timer::F));
//!         }
//!     }
//!     match layer.poll_timeout() {
//!         Some(deadline) => {
//!             now = deadline; // an adapter sleeps until then, reads the clock once
//!             layer.handle_timeout(now);
//!         }
//!         None => break,
//!     }
//! }
//! assert_eq!(now - t0, Duration::from_secs(32));
//! assert_eq!(sent, 11); // the request and 10 retransmissions
//! assert!(layer.is_empty());
//! # Ok::<(), sip_proto::transaction::LayerError>(())
//! ```

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

use bytes::Bytes;
use core::fmt;

use super::key::{MergeKey, TransactionKey};
use super::parsed::KeyError;
use super::{
    ClientInvite, ClientInviteState, ClientNonInvite, ClientNonInviteState, Event, Reliability,
    ServerInvite, ServerInviteState, ServerNonInvite, ServerNonInviteState, TimerConfig,
    TransactionError,
};
use crate::time::Instant;

/// A handle to a transaction in a [`TransactionLayer`].
///
/// Handles are not reused while their transaction lives; once it terminates, the handle goes
/// stale (a generation count tells it apart from the next transaction in the same slot) and
/// every call with it returns [`LayerError::UnknownTransaction`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TransactionId {
    index: u32,
    generation: u32,
}

/// Which of the four machines a transaction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransactionKind {
    /// [`ClientInvite`] (§17.1.1).
    ClientInvite,
    /// [`ClientNonInvite`] (§17.1.2).
    ClientNonInvite,
    /// [`ServerInvite`] (§17.2.1).
    ServerInvite,
    /// [`ServerNonInvite`] (§17.2.2).
    ServerNonInvite,
}

/// The state of a transaction in a [`TransactionLayer`], by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransactionState {
    /// See [`ClientInviteState`].
    ClientInvite(ClientInviteState),
    /// See [`ClientNonInviteState`].
    ClientNonInvite(ClientNonInviteState),
    /// See [`ServerInviteState`].
    ServerInvite(ServerInviteState),
    /// See [`ServerNonInviteState`].
    ServerNonInvite(ServerNonInviteState),
}

/// Configuration of a [`TransactionLayer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerConfig {
    /// T1, T2 and T4 for every transaction.
    pub timers: TimerConfig,
    /// The most transactions alive at once. Past it, new client transactions fail with
    /// [`LayerError::Full`] and new requests are reported as [`LayerEvent::Overloaded`].
    pub max_transactions: usize,
    /// Whether an INVITE arriving through [`TransactionLayer::handle_message`] gets a
    /// `100 Trying` of the layer's own making 200 ms later unless the TU responds first
    /// (§17.2.1: the server transaction MUST send one unless it knows the TU will respond
    /// within 200 ms). Default `true`; turn it off only for a TU that always answers at once.
    pub auto_trying: bool,
}

impl Default for LayerConfig {
    fn default() -> Self {
        LayerConfig {
            timers: TimerConfig::default(),
            max_transactions: 4096,
            auto_trying: true,
        }
    }
}

/// Caller misuse of a [`TransactionLayer`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LayerError {
    /// `max_transactions` are alive; wait for some to terminate, or raise the limit.
    Full {
        /// The configured maximum.
        max: usize,
    },
    /// The handle names no live transaction: it terminated, or came from another layer.
    UnknownTransaction(TransactionId),
    /// The call does not apply to this kind of transaction (e.g. a response sent on a client
    /// transaction).
    WrongKind {
        /// The transaction.
        id: TransactionId,
        /// What it is.
        kind: TransactionKind,
    },
    /// A transaction with this key already exists: each request needs a fresh branch
    /// (§8.1.1.7).
    DuplicateKey(TransactionKey),
    /// ACK is not sent through a client transaction: the ACK for a non-2xx response is the
    /// INVITE transaction's own, and the ACK for a 2xx goes straight to the transport
    /// (§17.1.1.3, §13.2.2.4).
    AckIsNotATransaction,
    /// The transaction refused the TU's response.
    Transaction(TransactionError),
    /// A request given to [`TransactionLayer::send_request`] has no usable transaction key.
    Key(KeyError),
}

impl fmt::Display for LayerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayerError::Full { max } => write!(
                f,
                "the transaction layer holds its maximum of {max} transactions; retry after \
                 some terminate or raise LayerConfig::max_transactions"
            ),
            LayerError::UnknownTransaction(id) => write!(
                f,
                "no live transaction {id:?}: it has terminated (watch for Event::Terminated)"
            ),
            LayerError::WrongKind { id, kind } => {
                write!(
                    f,
                    "transaction {id:?} is a {kind:?}, which does not take this call"
                )
            }
            LayerError::DuplicateKey(key) => write!(
                f,
                "a transaction with branch {:?} and method {:?} already exists; generate a \
                 fresh branch for each request",
                key.branch, key.method
            ),
            LayerError::AckIsNotATransaction => write!(
                f,
                "ACK does not create a client transaction; send the ACK for a 2xx directly"
            ),
            LayerError::Transaction(e) => e.fmt(f),
            LayerError::Key(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for LayerError {}

impl From<TransactionError> for LayerError {
    fn from(e: TransactionError) -> Self {
        LayerError::Transaction(e)
    }
}

/// Bytes to send for a transaction, to the peer it was created with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit<P> {
    /// The transaction sending.
    pub id: TransactionId,
    /// Where to: the peer given when the transaction was created.
    pub peer: P,
    /// The message.
    pub bytes: Bytes,
}

/// What the layer tells its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayerEvent<P> {
    /// A request that matched no transaction created a server transaction (§17.2). The TU
    /// must answer it through [`TransactionLayer::send_response`]. For a CANCEL, the INVITE
    /// it targets is `find_server(&key.cancel_target()?)`.
    NewRequest {
        /// The new server transaction.
        id: TransactionId,
        /// Its key.
        key: TransactionKey,
        /// The request.
        message: Bytes,
        /// Where it came from.
        peer: P,
        /// The ongoing server transaction this request merges with (RFC 3261 §8.2.2.2): it
        /// has no To tag and the same From tag, Call-ID and CSeq as that transaction's
        /// request, yet did not match it, so it is the same request arriving a second way
        /// (a fork that came back, a loop). The TU answers it 482 (Loop Detected) on `id`.
        /// Only requests given with a [`MergeKey`] are checked
        /// ([`TransactionLayer::handle_request_checked`], [`TransactionLayer::handle_message`]).
        merged: Option<TransactionId>,
    },
    /// An event from one transaction. After [`Event::Terminated`] the id is stale.
    Transaction {
        /// The transaction.
        id: TransactionId,
        /// What happened.
        event: Event,
    },
    /// A response that matched no client transaction. RFC 6026 §7.1.1 (updating §18.1.2)
    /// says an element other than a stateless proxy MUST silently discard it; it is reported
    /// so it can be counted.
    StrayResponse {
        /// The key it was looked up by.
        key: TransactionKey,
        /// Its status code.
        status: u16,
        /// The response.
        message: Bytes,
        /// Where it came from.
        peer: P,
    },
    /// An ACK that matched no INVITE server transaction: the ACK for a 2xx, which is its own
    /// transaction (§17) and belongs to the dialog layer (§13.3.1.4).
    UnmatchedAck {
        /// The key it was looked up by.
        key: TransactionKey,
        /// The ACK.
        message: Bytes,
        /// Where it came from.
        peer: P,
    },
    /// A message from which no transaction key (or, for a non-2xx final response to an
    /// INVITE, no ACK) could be built ([`TransactionLayer::handle_message`]). Nothing
    /// changed. A request other than ACK deserves a 400 (Bad Request) (§8.2); a response is
    /// dropped (§18.1.2).
    Malformed {
        /// The message.
        message: Bytes,
        /// Where it came from.
        peer: P,
        /// What was wrong.
        reason: KeyError,
    },
    /// A new request arrived while `max_transactions` were alive, so no transaction was
    /// created. Answer it statelessly with 503 (Service Unavailable) and a Retry-After
    /// (§21.5.4), or drop it.
    Overloaded {
        /// The key it was looked up by.
        key: TransactionKey,
        /// The request.
        message: Bytes,
        /// Where it came from.
        peer: P,
    },
}

/// One of the four machines.
#[derive(Debug, Clone)]
#[allow(clippy::enum_variant_names)] // named after the four machines they hold
enum Machine {
    ClientInvite(ClientInvite),
    ClientNonInvite(ClientNonInvite),
    ServerInvite(ServerInvite),
    ServerNonInvite(ServerNonInvite),
}

/// Calls the same method on whichever machine it is.
macro_rules! dispatch {
    ($m:expr, $t:ident => $e:expr) => {
        match $m {
            Machine::ClientInvite($t) => $e,
            Machine::ClientNonInvite($t) => $e,
            Machine::ServerInvite($t) => $e,
            Machine::ServerNonInvite($t) => $e,
        }
    };
}

impl Machine {
    fn kind(&self) -> TransactionKind {
        match self {
            Machine::ClientInvite(_) => TransactionKind::ClientInvite,
            Machine::ClientNonInvite(_) => TransactionKind::ClientNonInvite,
            Machine::ServerInvite(_) => TransactionKind::ServerInvite,
            Machine::ServerNonInvite(_) => TransactionKind::ServerNonInvite,
        }
    }
    fn state(&self) -> TransactionState {
        match self {
            Machine::ClientInvite(t) => TransactionState::ClientInvite(t.state()),
            Machine::ClientNonInvite(t) => TransactionState::ClientNonInvite(t.state()),
            Machine::ServerInvite(t) => TransactionState::ServerInvite(t.state()),
            Machine::ServerNonInvite(t) => TransactionState::ServerNonInvite(t.state()),
        }
    }
    fn is_client(&self) -> bool {
        matches!(self, Machine::ClientInvite(_) | Machine::ClientNonInvite(_))
    }
    fn handle_timeout(&mut self, now: Instant) {
        dispatch!(self, t => t.handle_timeout(now))
    }
    fn poll_timeout(&self) -> Option<Instant> {
        dispatch!(self, t => t.poll_timeout())
    }
    fn poll_transmit(&mut self) -> Option<Bytes> {
        dispatch!(self, t => t.poll_transmit())
    }
    fn poll_event(&mut self) -> Option<Event> {
        dispatch!(self, t => t.poll_event())
    }
    fn is_terminated(&self) -> bool {
        dispatch!(self, t => t.is_terminated())
    }
    fn transport_error(&mut self) {
        dispatch!(self, t => t.transport_error())
    }
}

#[derive(Debug, Clone)]
struct Entry<P> {
    machine: Machine,
    key: TransactionKey,
    /// The §8.2.2.2 identity of the request that created this server transaction, when it
    /// was given one and was not itself merged.
    merge: Option<MergeKey>,
    peer: P,
    /// The deadline last pushed onto the heap for this entry; heap items that disagree with
    /// it are stale.
    armed: Option<Instant>,
}

#[derive(Debug, Clone)]
struct Slot<P> {
    generation: u32,
    entry: Option<Entry<P>>,
}

/// Many transactions, matched by key, with one input and output surface (RFC 3261 §17).
///
/// Drive it like any machine here: feed inputs (`start_client`, `handle_request`,
/// `handle_response`, `send_response`, `transport_error`, `handle_timeout`), then drain
/// [`poll_transmit`](Self::poll_transmit) and [`poll_event`](Self::poll_event) until `None`,
/// and arm one timer for [`poll_timeout`](Self::poll_timeout).
#[derive(Debug, Clone)]
pub struct TransactionLayer<P> {
    config: LayerConfig,
    slots: Vec<Slot<P>>,
    free: Vec<u32>,
    len: usize,
    clients: BTreeMap<TransactionKey, TransactionId>,
    servers: BTreeMap<TransactionKey, TransactionId>,
    /// Ongoing server transactions by the From tag, Call-ID and CSeq of their request
    /// (§8.2.2.2).
    merges: BTreeMap<MergeKey, TransactionId>,
    /// Deadlines with lazy deletion: an item is live only if its entry still exists and
    /// still has that deadline armed.
    deadlines: BinaryHeap<Reverse<(Instant, TransactionId)>>,
    transmits: VecDeque<Transmit<P>>,
    events: VecDeque<LayerEvent<P>>,
}

impl<P: Clone> TransactionLayer<P> {
    /// An empty layer.
    pub fn new(config: LayerConfig) -> Self {
        TransactionLayer {
            config,
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
            clients: BTreeMap::new(),
            servers: BTreeMap::new(),
            merges: BTreeMap::new(),
            deadlines: BinaryHeap::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &LayerConfig {
        &self.config
    }

    /// Number of live transactions.
    pub fn len(&self) -> usize {
        self.len
    }

    /// `true` when no transaction is alive.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// What kind of transaction `id` is, if it is alive.
    pub fn kind(&self, id: TransactionId) -> Option<TransactionKind> {
        self.entry(id).map(|e| e.machine.kind())
    }

    /// The state of transaction `id`, if it is alive. A TU checks it before sending a
    /// CANCEL, which §9.1 allows only once the INVITE transaction is Proceeding.
    pub fn state(&self, id: TransactionId) -> Option<TransactionState> {
        self.entry(id).map(|e| e.machine.state())
    }

    /// The request a client transaction `id` sends, if it is alive and a client.
    pub fn request(&self, id: TransactionId) -> Option<&Bytes> {
        match &self.entry(id)?.machine {
            Machine::ClientInvite(t) => Some(t.request()),
            Machine::ClientNonInvite(t) => Some(t.request()),
            Machine::ServerInvite(_) | Machine::ServerNonInvite(_) => None,
        }
    }

    /// The INVITE of client transaction `id` if it still awaits a final response (Calling
    /// or Proceeding), so that a 300-699 response now needs an ACK (§17.1.1.3).
    pub(crate) fn awaiting_final_invite(&self, id: TransactionId) -> Option<Bytes> {
        match &self.entry(id)?.machine {
            Machine::ClientInvite(t)
                if matches!(
                    t.state(),
                    ClientInviteState::Calling | ClientInviteState::Proceeding
                ) =>
            {
                Some(t.request().clone())
            }
            _ => None,
        }
    }

    pub(crate) fn push_event(&mut self, event: LayerEvent<P>) {
        self.events.push_back(event);
    }

    /// The key of transaction `id`, if it is alive.
    pub fn key(&self, id: TransactionId) -> Option<&TransactionKey> {
        self.entry(id).map(|e| &e.key)
    }

    /// The peer of transaction `id`, if it is alive.
    pub fn peer(&self, id: TransactionId) -> Option<&P> {
        self.entry(id).map(|e| &e.peer)
    }

    /// The client transaction a response with this key belongs to (§17.1.3).
    pub fn find_client(&self, key: &TransactionKey) -> Option<TransactionId> {
        self.clients.get(key).copied()
    }

    /// The server transaction a request with this key belongs to (§17.2.3); an ACK key finds
    /// its INVITE transaction.
    pub fn find_server(&self, key: &TransactionKey) -> Option<TransactionId> {
        if key.is_ack() {
            self.servers.get(&key.clone().ack_to_invite()).copied()
        } else {
            self.servers.get(key).copied()
        }
    }

    /// Starts a client transaction sending `request` to `peer` (§17.1): an INVITE client
    /// transaction for `INVITE`, a non-INVITE one otherwise. The request is queued for
    /// [`poll_transmit`](Self::poll_transmit) at once.
    pub fn start_client(
        &mut self,
        now: Instant,
        key: TransactionKey,
        request: Bytes,
        peer: P,
        reliability: Reliability,
    ) -> Result<TransactionId, LayerError> {
        if key.is_ack() {
            return Err(LayerError::AckIsNotATransaction);
        }
        if self.clients.contains_key(&key) {
            return Err(LayerError::DuplicateKey(key));
        }
        let timers = self.config.timers;
        let machine = if key.is_invite() {
            Machine::ClientInvite(ClientInvite::new(now, request, timers, reliability))
        } else {
            Machine::ClientNonInvite(ClientNonInvite::new(now, request, timers, reliability))
        };
        let id = self.insert(key.clone(), machine, peer)?;
        self.clients.insert(key, id);
        self.sync(id);
        Ok(id)
    }

    /// A response arrived; `key` is built from its top Via branch and CSeq method
    /// (§17.1.3). It goes to the matching client transaction, or is reported as
    /// [`LayerEvent::StrayResponse`]. Returns the transaction it matched.
    ///
    /// `build_ack(invite, response)` builds the ACK for a 300-699 response to an INVITE
    /// (§17.1.1.3); it is called at most once per transaction.
    pub fn handle_response<F>(
        &mut self,
        now: Instant,
        key: TransactionKey,
        status: u16,
        message: Bytes,
        peer: P,
        build_ack: F,
    ) -> Option<TransactionId>
    where
        F: FnOnce(&Bytes, &Bytes) -> Bytes,
    {
        let Some(id) = self.find_client(&key) else {
            self.events.push_back(LayerEvent::StrayResponse {
                key,
                status,
                message,
                peer,
            });
            return None;
        };
        let entry = self.entry_mut(id)?;
        match &mut entry.machine {
            Machine::ClientInvite(t) => {
                let invite = t.request().clone();
                let response = message.clone();
                t.handle_response(now, status, message, || build_ack(&invite, &response));
            }
            Machine::ClientNonInvite(t) => t.handle_response(now, status, message),
            // `clients` only maps to client machines (see `start_client`).
            Machine::ServerInvite(_) | Machine::ServerNonInvite(_) => return None,
        }
        self.sync(id);
        Some(id)
    }

    /// A request arrived from `peer`; `key` is built from its top Via branch and sent-by and
    /// its CSeq method (§17.2.3).
    ///
    /// * A retransmission of a live request goes to its server transaction, which resends
    ///   its last response (§17.2.1, §17.2.2).
    /// * An ACK goes to its INVITE server transaction, or, matching none (the ACK for a 2xx),
    ///   is reported as [`LayerEvent::UnmatchedAck`].
    /// * Any other request creates a server transaction, [`ServerInvite`] for an INVITE,
    ///   [`ServerNonInvite`] otherwise, reported as [`LayerEvent::NewRequest`]; or, when the
    ///   layer is full, [`LayerEvent::Overloaded`].
    ///
    /// Returns the transaction the request matched or created. Merged requests are not
    /// detected here: see [`handle_request_checked`](Self::handle_request_checked).
    pub fn handle_request(
        &mut self,
        now: Instant,
        key: TransactionKey,
        message: Bytes,
        peer: P,
        reliability: Reliability,
    ) -> Option<TransactionId> {
        self.handle_request_checked(now, key, None, message, peer, reliability)
    }

    /// [`handle_request`](Self::handle_request) with merged-request detection (RFC 3261
    /// §8.2.2.2): `merge` is the request's From tag, Call-ID and CSeq when its To has no tag
    /// ([`MergeKey::for_request`]). A new request whose `merge` equals that of an ongoing
    /// server transaction it did not match still gets a server transaction of its own, but
    /// its [`LayerEvent::NewRequest`] names the transaction it merged with, so the TU answers
    /// it 482 (Loop Detected). The first request with a given `merge` keeps it until its
    /// transaction terminates.
    pub fn handle_request_checked(
        &mut self,
        now: Instant,
        key: TransactionKey,
        merge: Option<MergeKey>,
        message: Bytes,
        peer: P,
        reliability: Reliability,
    ) -> Option<TransactionId> {
        if let Some(id) = self.find_server(&key) {
            let is_ack = key.is_ack();
            let entry = self.entry_mut(id)?;
            match &mut entry.machine {
                Machine::ServerInvite(t) if is_ack => t.handle_ack(now, message),
                Machine::ServerInvite(t) => t.handle_request_retransmission(),
                Machine::ServerNonInvite(t) => t.handle_request_retransmission(),
                // `servers` only maps to server machines (see below).
                Machine::ClientInvite(_) | Machine::ClientNonInvite(_) => return None,
            }
            self.sync(id);
            return Some(id);
        }
        if key.is_ack() {
            self.events
                .push_back(LayerEvent::UnmatchedAck { key, message, peer });
            return None;
        }
        let timers = self.config.timers;
        let machine = if key.is_invite() {
            Machine::ServerInvite(ServerInvite::new(timers, reliability))
        } else {
            Machine::ServerNonInvite(ServerNonInvite::new(timers, reliability))
        };
        match self.insert(key.clone(), machine, peer.clone()) {
            Ok(id) => {
                self.servers.insert(key.clone(), id);
                let merged = merge.and_then(|merge| self.track_merge(id, merge));
                self.events.push_back(LayerEvent::NewRequest {
                    id,
                    key,
                    message,
                    peer,
                    merged,
                });
                Some(id)
            }
            Err(_) => {
                self.events
                    .push_back(LayerEvent::Overloaded { key, message, peer });
                None
            }
        }
    }

    /// Records `merge` for the new server transaction `id`, or returns the ongoing one that
    /// already holds it (§8.2.2.2).
    fn track_merge(&mut self, id: TransactionId, merge: MergeKey) -> Option<TransactionId> {
        if let Some(&original) = self.merges.get(&merge) {
            return Some(original);
        }
        if let Some(entry) = self.entry_mut(id) {
            entry.merge = Some(merge.clone());
            self.merges.insert(merge, id);
        }
        None
    }

    /// The ongoing server transaction whose request had this From tag, Call-ID and CSeq
    /// (§8.2.2.2), if any.
    pub fn find_merge(&self, merge: &MergeKey) -> Option<TransactionId> {
        self.merges.get(merge).copied()
    }

    /// Sends the TU's response on server transaction `id` (see
    /// [`ServerInvite::send_response`] and [`ServerNonInvite::send_response`]).
    pub fn send_response(
        &mut self,
        now: Instant,
        id: TransactionId,
        status: u16,
        message: Bytes,
    ) -> Result<(), LayerError> {
        let entry = self
            .entry_mut(id)
            .ok_or(LayerError::UnknownTransaction(id))?;
        match &mut entry.machine {
            Machine::ServerInvite(t) => t.send_response(now, status, message)?,
            Machine::ServerNonInvite(t) => t.send_response(now, status, message)?,
            m => {
                let kind = m.kind();
                return Err(LayerError::WrongKind { id, kind });
            }
        }
        self.sync(id);
        Ok(())
    }

    /// Has INVITE server transaction `id` send `trying` (a 100 Trying) after 200 ms unless the
    /// TU responds first (§17.2.1; see [`ServerInvite::schedule_trying`]).
    pub fn schedule_trying(
        &mut self,
        now: Instant,
        id: TransactionId,
        trying: Bytes,
    ) -> Result<(), LayerError> {
        let entry = self
            .entry_mut(id)
            .ok_or(LayerError::UnknownTransaction(id))?;
        match &mut entry.machine {
            Machine::ServerInvite(t) => t.schedule_trying(now, trying),
            m => {
                let kind = m.kind();
                return Err(LayerError::WrongKind { id, kind });
            }
        }
        self.sync(id);
        Ok(())
    }

    /// The transport failed to send for transaction `id` (§17.1.4, §17.2.4): it reports
    /// [`Event::TransportError`] and terminates (an INVITE server transaction in Accepted
    /// stays until Timer L, RFC 6026 Figure 5).
    pub fn transport_error(&mut self, id: TransactionId) -> Result<(), LayerError> {
        let entry = self
            .entry_mut(id)
            .ok_or(LayerError::UnknownTransaction(id))?;
        entry.machine.transport_error();
        self.sync(id);
        Ok(())
    }

    /// The transport reports that it cannot reach `peer` at all (a refused or reset
    /// connection, an ICMP unreachable): every live transaction with that peer gets the
    /// transport error of [`transport_error`](Self::transport_error). Returns how many did.
    /// Costs O(live transactions); transport failures are rare.
    pub fn transport_error_to(&mut self, peer: &P) -> usize
    where
        P: PartialEq,
    {
        let hit: Vec<TransactionId> = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(index, slot)| {
                slot.entry.as_ref().filter(|e| e.peer == *peer)?;
                Some(TransactionId {
                    index: u32::try_from(index).ok()?,
                    generation: slot.generation,
                })
            })
            .collect();
        for &id in &hit {
            let _ = self.transport_error(id);
        }
        hit.len()
    }

    /// The TU destroys transaction `id` without waiting for it to terminate by itself. RFC
    /// 3261 §9.1 asks for this when an INVITE client transaction has had no final response
    /// 64·T1 after its CANCEL; the TU then treats the INVITE as cancelled. Reports
    /// [`Event::Terminated`] like any other end, and frees the slot.
    pub fn destroy(&mut self, id: TransactionId) -> Result<(), LayerError> {
        self.entry(id).ok_or(LayerError::UnknownTransaction(id))?;
        self.remove(id);
        self.events.push_back(LayerEvent::Transaction {
            id,
            event: Event::Terminated,
        });
        Ok(())
    }

    /// Fires every transaction timer due at `now`. Idempotent; a call before the next deadline
    /// does nothing. Costs O(log n) per due or stale deadline, not O(n).
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(&Reverse((at, id))) = self.deadlines.peek() {
            if at > now {
                break;
            }
            self.deadlines.pop();
            let Some(entry) = self.entry_mut(id) else {
                continue; // stale: the transaction is gone
            };
            if entry.armed != Some(at) {
                continue; // stale: re-armed since
            }
            entry.armed = None;
            entry.machine.handle_timeout(now);
            // Re-arms past `now` or frees the entry, so this loop ends.
            self.sync(id);
        }
    }

    /// The next message to send, with the transaction and its peer.
    pub fn poll_transmit(&mut self) -> Option<Transmit<P>> {
        self.transmits.pop_front()
    }

    /// The next event for the user.
    pub fn poll_event(&mut self) -> Option<LayerEvent<P>> {
        self.events.pop_front()
    }

    /// The earliest deadline of any transaction. Takes `&mut self` to drop stale heap items
    /// on the way; amortised O(log n).
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        while let Some(&Reverse((at, id))) = self.deadlines.peek() {
            if self.entry(id).is_some_and(|e| e.armed == Some(at)) {
                return Some(at);
            }
            self.deadlines.pop();
        }
        None
    }

    fn entry(&self, id: TransactionId) -> Option<&Entry<P>> {
        let slot = self.slots.get(id.index as usize)?;
        if slot.generation != id.generation {
            return None;
        }
        slot.entry.as_ref()
    }

    fn entry_mut(&mut self, id: TransactionId) -> Option<&mut Entry<P>> {
        let slot = self.slots.get_mut(id.index as usize)?;
        if slot.generation != id.generation {
            return None;
        }
        slot.entry.as_mut()
    }

    /// Puts a machine in a free slot.
    fn insert(
        &mut self,
        key: TransactionKey,
        machine: Machine,
        peer: P,
    ) -> Result<TransactionId, LayerError> {
        let max = self.config.max_transactions;
        if self.len >= max {
            return Err(LayerError::Full { max });
        }
        let entry = Entry {
            machine,
            key,
            merge: None,
            peer,
            armed: None,
        };
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                let index =
                    u32::try_from(self.slots.len()).map_err(|_| LayerError::Full { max })?;
                self.slots.push(Slot {
                    generation: 0,
                    entry: None,
                });
                index
            }
        };
        let slot = &mut self.slots[index as usize]; // invariant: index is in bounds, pushed or freed above
        slot.entry = Some(entry);
        self.len += 1;
        Ok(TransactionId {
            index,
            generation: slot.generation,
        })
    }

    /// Moves a transaction's output into the layer's queues, re-arms its deadline, and frees
    /// it once it has terminated.
    fn sync(&mut self, id: TransactionId) {
        let Some(entry) = self.slots.get_mut(id.index as usize).and_then(|s| {
            if s.generation == id.generation {
                s.entry.as_mut()
            } else {
                None
            }
        }) else {
            return;
        };
        while let Some(bytes) = entry.machine.poll_transmit() {
            self.transmits.push_back(Transmit {
                id,
                peer: entry.peer.clone(),
                bytes,
            });
        }
        while let Some(event) = entry.machine.poll_event() {
            self.events.push_back(LayerEvent::Transaction { id, event });
        }
        if entry.machine.is_terminated() {
            self.remove(id);
            return;
        }
        let deadline = entry.machine.poll_timeout();
        if deadline != entry.armed {
            entry.armed = deadline;
            if let Some(at) = deadline {
                self.deadlines.push(Reverse((at, id)));
                self.compact();
            }
        }
    }

    fn remove(&mut self, id: TransactionId) {
        let Some(slot) = self.slots.get_mut(id.index as usize) else {
            return;
        };
        if slot.generation != id.generation {
            return;
        }
        let Some(entry) = slot.entry.take() else {
            return;
        };
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(id.index);
        self.len -= 1;
        let map = if entry.machine.is_client() {
            &mut self.clients
        } else {
            &mut self.servers
        };
        if map.get(&entry.key) == Some(&id) {
            map.remove(&entry.key);
        }
        if let Some(merge) = entry.merge {
            if self.merges.get(&merge) == Some(&id) {
                self.merges.remove(&merge);
            }
        }
    }

    /// Rebuilds the heap from the live deadlines when stale items outnumber live ones, so
    /// the heap stays O(live transactions).
    fn compact(&mut self) {
        if self.deadlines.len() <= 2 * self.len + 64 {
            return;
        }
        let live = self.slots.iter().enumerate().filter_map(|(index, slot)| {
            let entry = slot.entry.as_ref()?;
            let id = TransactionId {
                index: u32::try_from(index).ok()?,
                generation: slot.generation,
            };
            entry.armed.map(|at| Reverse((at, id)))
        });
        self.deadlines = live.collect();
    }
}
