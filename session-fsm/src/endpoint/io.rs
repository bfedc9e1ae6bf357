//! What goes into an [`Endpoint`](super::Endpoint) and what comes out.
//!
//! The contract of every machine in this stack (DESIGN.md): the caller feeds
//! [`Input`]s and drains [`Output`]s until it gets [`Output::Timeout`], then sleeps until that
//! instant or until the next datagram, whichever comes first.

use std::net::SocketAddr;

use bytes::Bytes;

use crate::time::Instant;

use super::{CallId, EndReason, MediaStats};

/// Which of the endpoint's sockets a datagram arrived on or must leave from.
///
/// The endpoint owns no sockets: the runtime binds one SIP socket and, per call, an RTP/RTCP
/// pair whose addresses it hands over in [`Endpoint::call`](super::Endpoint::call) and
/// [`Endpoint::answer`](super::Endpoint::answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Socket {
    /// The SIP socket.
    Sip,
    /// The RTP socket of a call.
    Rtp(CallId),
    /// The RTCP socket of a call (RTP port + 1, RFC 3550 §11).
    Rtcp(CallId),
}

/// One input to the endpoint.
#[derive(Debug, Clone)]
pub enum Input {
    /// A datagram arrived.
    Receive {
        /// When it arrived.
        now: Instant,
        /// The socket it arrived on.
        socket: Socket,
        /// Who sent it.
        source: SocketAddr,
        /// Its bytes. SIP messages are parsed without copying and keep slices of this buffer.
        bytes: Bytes,
    },
    /// The deadline last returned by [`Output::Timeout`] has come (or any later instant).
    /// An early call is harmless: nothing that is not due fires.
    Timeout(Instant),
}

/// A datagram to send. Its bytes are in the buffer lent to
/// [`Endpoint::poll_output`](super::Endpoint::poll_output).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transmit {
    /// The socket to send from.
    pub socket: Socket,
    /// Where to send it.
    pub destination: SocketAddr,
}

/// One output of the endpoint.
#[derive(Debug, Clone, PartialEq)]
#[must_use = "drain poll_output until it returns Output::Timeout"]
pub enum Output {
    /// Send the bytes now in the lent buffer.
    Transmit(Transmit),
    /// Something the application should know about.
    Event(Event),
    /// Nothing more to do now. Call [`Input::Timeout`] at this instant, or never if `None`.
    Timeout(Option<Instant>),
}

/// What happened, for the application.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A new call arrived and waits for [`ring`](super::Endpoint::ring),
    /// [`answer`](super::Endpoint::answer) or [`reject`](super::Endpoint::reject).
    IncomingCall {
        /// The call's handle.
        call: CallId,
        /// The caller's From URI, as written.
        from: String,
        /// The To URI, as written.
        to: String,
    },
    /// The far end is ringing (a 180 or 183 arrived for a call we placed).
    Ringing {
        /// The call.
        call: CallId,
    },
    /// The call is up: a 2xx was sent and acknowledged (UAS) or received (UAC).
    Answered {
        /// The call.
        call: CallId,
        /// Where our RTP goes.
        remote_rtp: SocketAddr,
    },
    /// The call is over. Its media sockets may be closed.
    Ended {
        /// The call.
        call: CallId,
        /// Why it ended.
        reason: EndReason,
        /// What its media did.
        media: MediaStats,
    },
}
