//! Small value types the endpoint hands out: call handles, end reasons, statistics, errors.

use std::fmt;

/// A handle to one call inside an [`Endpoint`](super::Endpoint).
///
/// Handles are never reused within one endpoint: a stale handle gets
/// [`EndpointError::UnknownCall`], not somebody else's call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(pub(crate) u64);

impl CallId {
    /// Rebuilds a handle from [`as_u64`](Self::as_u64), for runtimes that encode handles in
    /// tokens. A number that names no live call is answered with `UnknownCall`.
    pub fn from_u64(n: u64) -> Self {
        CallId(n)
    }

    /// The handle's number, for logs.
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "call#{}", self.0)
    }
}

/// Why a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndReason {
    /// We hung up (sent BYE, or CANCEL before the answer).
    LocalHangUp,
    /// The far end hung up (BYE received) or cancelled before the answer (CANCEL received).
    RemoteHangUp,
    /// We rejected the incoming call with this status.
    Rejected(u16),
    /// The far end answered our INVITE with this final non-2xx status.
    Declined(u16),
    /// A transaction timer ran out (Timer B, F or the 2xx retransmission limit of
    /// RFC 3261 §13.3.1.4): the far end stopped answering.
    Timeout,
    /// The far end's answer could not be used (no common codec, broken SDP): RFC 3264 §6.
    NegotiationFailed,
    /// The transport reported an error sending to the far end.
    TransportError,
}

impl fmt::Display for EndReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndReason::LocalHangUp => f.write_str("local hang-up"),
            EndReason::RemoteHangUp => f.write_str("remote hang-up"),
            EndReason::Rejected(s) => write!(f, "rejected with {s}"),
            EndReason::Declined(s) => write!(f, "declined with {s}"),
            EndReason::Timeout => f.write_str("timed out"),
            EndReason::NegotiationFailed => f.write_str("media negotiation failed"),
            EndReason::TransportError => f.write_str("transport error"),
        }
    }
}

/// What a call's media did, reported when it ends.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MediaStats {
    /// RTP packets sent.
    pub rtp_sent: u64,
    /// RTP packets received from the far end's stream, every one that arrived (duplicates
    /// and the RFC 3550 A.1 probation packets included).
    pub rtp_received: u64,
    /// Packets lost by RFC 3550 A.3 (negative when duplicates outnumber losses).
    pub rtp_lost: i64,
    /// Interarrival jitter at the end, in milliseconds (RFC 3550 A.8).
    pub jitter_ms: f64,
    /// RTCP packets sent.
    pub rtcp_sent: u64,
    /// RTCP packets received.
    pub rtcp_received: u64,
    /// RTP packets dropped: malformed, wrong payload type, or from an unexpected source.
    pub rtp_dropped: u64,
    /// Of those, packets whose payload type was not negotiated (RFC 3551 §3).
    pub rtp_unknown_payload_type: u64,
    /// Packets of the far end's stream dropped as duplicates (RFC 3550 A.1, or by the jitter
    /// buffer).
    pub rtp_duplicates: u64,
    /// Packets that arrived after their frame's playout time, too late to play.
    pub rtp_late: u64,
    /// Frames (one `ptime` each) played out of the jitter buffer from a packet.
    pub frames_played: u64,
    /// Frames concealed because their packet was lost or late.
    pub frames_concealed: u64,
    /// Playout ticks with nothing buffered after playout had started.
    pub playout_underruns: u64,
}

/// Counters for everything the endpoint dropped or answered with an error.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EndpointStats {
    /// SIP datagrams received.
    pub sip_received: u64,
    /// Datagrams that were not SIP at all and were dropped (garbage, empty, truncated responses).
    pub sip_dropped: u64,
    /// Requests answered with 400 Bad Request (or 505) because they broke the grammar.
    pub bad_requests: u64,
    /// Requests outside any dialog answered with 481.
    pub no_dialog: u64,
    /// Responses that matched no transaction.
    pub stray_responses: u64,
    /// Calls refused because the call table was full (answered 503).
    pub calls_refused: u64,
    /// Requests that reached us a second way (a fork that merged back, a loop), answered
    /// 482 (RFC 3261 §8.2.2.2).
    pub loops_detected: u64,
}

/// A mistake by the caller of the endpoint API. Peer misbehaviour never shows up here: it is
/// answered on the wire and counted in [`EndpointStats`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointError {
    /// The call handle does not name a live call. It ended, or came from another endpoint.
    UnknownCall(CallId),
    /// The call is not in a state where this command makes sense (e.g. answering a call we
    /// placed, or ringing a call already answered).
    WrongState {
        /// The call.
        call: CallId,
        /// What was asked.
        command: &'static str,
        /// The state it is in.
        state: &'static str,
    },
    /// The target is not a SIP URI we can send to. Give `sip:user@host:port` with an IP host.
    BadTarget(String),
    /// `reject` takes a final non-2xx status (300-699).
    BadStatus(u16),
    /// The call table is full. Raise `EndpointConfig::max_calls` or end calls first.
    TooManyCalls(usize),
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointError::UnknownCall(c) => {
                write!(
                    f,
                    "{c} is not a live call; it has ended or belongs to another endpoint"
                )
            }
            EndpointError::WrongState {
                call,
                command,
                state,
            } => {
                write!(f, "cannot {command} {call}: it is {state}")
            }
            EndpointError::BadTarget(t) => write!(
                f,
                "cannot call {t:?}: give a SIP URI with an IP host, like sip:alice@192.0.2.1:5060"
            ),
            EndpointError::BadStatus(s) => {
                write!(
                    f,
                    "cannot reject with {s}: use a final non-2xx status, 300 to 699"
                )
            }
            EndpointError::TooManyCalls(n) => write!(
                f,
                "the endpoint already holds {n} calls; raise EndpointConfig::max_calls or end calls"
            ),
        }
    }
}

impl std::error::Error for EndpointError {}
