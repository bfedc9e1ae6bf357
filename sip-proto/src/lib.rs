//! # sip-proto
//!
//! Sans-IO SIP (RFC 3261): messages, URIs and SDP parsed without copying, the four transaction
//! machines of §17 with their timers, and dialogs (§12).
//!
//! Nothing in this crate touches a socket, a clock or an OS random source. Bytes, timestamps
//! and random values (tags, branches) arrive as arguments; bytes to send leave through buffers
//! the caller lends.
//!
//! ## Message layer
//!
//! [`message::Message::parse`] reads one datagram into a header index over the received
//! [`bytes::Bytes`] (RFC 3261 §7, §18.3), with the status to answer when it cannot
//! ([`message::ParseError::status_code`]); [`header`] parses Via, From/To/Contact/Route,
//! CSeq and friends on demand; [`uri`] parses and compares URIs (§19.1.4);
//! [`message::MessageWriter`] writes a message line by line into a buffer the caller lends, and
//! [`message::RequestBuilder`] and [`message::ResponseBuilder`] build one (a response echoing
//! its request, §8.2.6); [`message::frame_stream`] splits TCP/TLS streams; [`multipart`] reads
//! multipart bodies (RFC 2046) as views. Every RFC 4475 and RFC 5118 torture message is in the
//! test suite, and the `siplint` example checks files of SIP messages.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod time;

mod decimal;

// --- message layer: messages, headers, URIs -------------------------------------------------
pub mod header;
pub mod message;
pub mod uri;

pub use header::{CSeq, HeaderError, NameAddr, Via};
pub use message::{
    reason_phrase, HeaderName, Headers, Limits, Message, MessageWriter, Method, ParseError,
    Request, RequestBuilder, Response, ResponseBuilder,
};
pub use uri::{Host, Scheme, Uri, UriError};

// --- bodies: SDP, multipart ------------------------------------------------------------------
pub mod multipart;
pub mod sdp;

// --- transactions ---------------------------------------------------------------------------
pub mod transaction;
pub use transaction::{
    ClientInvite, ClientInviteState, ClientNonInvite, ClientNonInviteState, LayerConfig,
    LayerError, LayerEvent, MergeKey, Reliability, ServerInvite, ServerInviteState,
    ServerNonInvite, ServerNonInviteState, Timer, TimerConfig, TransactionError, TransactionId,
    TransactionKey, TransactionKind, TransactionLayer, TransactionState, Uas2xxEvent,
    Uas2xxRetransmitter,
};

// --- dialogs --------------------------------------------------------------------------------
pub mod dialog;
