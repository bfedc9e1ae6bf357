//! What goes into an [`Endpoint`](super::Endpoint) and what comes out.
//!
//! The contract of every machine in this stack (DESIGN.md): the caller feeds
//! [`Input`]s and drains [`Output`]s until it gets [`Output::Timeout`], then sleeps until that
//! instant or until the next datagram, whichever comes first.

use std::net::SocketAddr;

use bytes::Bytes;

use crate::time::Instant;

use super::{CallId, EndReason, MediaStats, Transport};

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
    /// One SIP message read off a stream connection (TCP, TLS). The runtime frames the
    /// stream itself with [`sip_proto::message::StreamFramer`] (RFC 3261 §18.3) and hands
    /// over each whole message; keep-alives are not messages. Transactions of requests that
    /// come this way run on a reliable transport (no retransmissions, zero wait timers, §17),
    /// and their responses go back on the same connection (§18.2.2).
    ReceiveStream {
        /// When it arrived.
        now: Instant,
        /// The stream's transport: [`Transport::Tcp`] or [`Transport::Tls`].
        transport: Transport,
        /// The remote address of the connection.
        source: SocketAddr,
        /// Exactly one framed message.
        bytes: Bytes,
    },
    /// The runtime could not send to `destination` on `transport` (a refused or reset
    /// connection, an ICMP unreachable). Every transaction with that peer ends with a
    /// transport error (RFC 3261 §17.1.4, §17.2.4), and the calls they belong to end with
    /// [`EndReason::TransportError`].
    TransportError {
        /// When the failure was seen.
        now: Instant,
        /// Where sending failed.
        destination: SocketAddr,
        /// On which transport.
        transport: Transport,
    },
}

/// A datagram to send. Its bytes are in the buffer lent to
/// [`Endpoint::poll_output`](super::Endpoint::poll_output).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transmit {
    /// The socket to send from.
    pub socket: Socket,
    /// Where to send it.
    pub destination: SocketAddr,
    /// How: always [`Transport::Udp`] for media; for SIP, a stream transport means "write on
    /// the connection to `destination`, opening one if there is none" (RFC 3261 §18.1.1,
    /// §18.2.2).
    pub transport: Transport,
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
    /// The session was refreshed by a re-INVITE (RFC 3261 §14): ours got a 2xx
    /// (`remote == false`, after [`reinvite`](super::Endpoint::reinvite)), or the far end's
    /// was answered 2xx (`remote == true`). The media carries on unchanged.
    SessionRefreshed {
        /// The call.
        call: CallId,
        /// Whether the far end sent the re-INVITE.
        remote: bool,
    },
    /// Our re-INVITE failed with this final status (408 when it timed out); the session is
    /// unchanged (§14.1). A 491 is not reported: the endpoint retries after the §14.1
    /// back-off. A 408 or 481 also ends the call (§12.2.1.2), reported by [`Event::Ended`].
    SessionRefreshFailed {
        /// The call.
        call: CallId,
        /// The status that ended the attempt.
        status: u16,
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
