//! The transaction machines of RFC 3261 §17, as updated by RFC 6026.
//!
//! A transaction is one request and the responses to it (§17). There are four machines, one
//! per file:
//!
//! | machine | RFC 3261 | states |
//! |---|---|---|
//! | [`ClientInvite`] | §17.1.1, Figure 5; RFC 6026 Figure 3 | Calling, Proceeding, Completed, Accepted, Terminated |
//! | [`ClientNonInvite`] | §17.1.2, Figure 6 | Trying, Proceeding, Completed, Terminated |
//! | [`ServerInvite`] | §17.2.1, Figure 7; RFC 6026 Figure 5 | Proceeding, Completed, Confirmed, Accepted, Terminated |
//! | [`ServerNonInvite`] | §17.2.2, Figure 8 | Trying, Proceeding, Completed, Terminated |
//!
//! plus [`Uas2xxRetransmitter`], the UAS core's 2xx retransmission of §13.3.1.4, which RFC
//! 6026 keeps outside the INVITE server transaction.
//!
//! Every machine is sans-IO and follows the handle/poll trio: `handle_*(now, …)` for inputs,
//! `handle_timeout(now)` (fires everything due; idempotent; an early call does nothing),
//! `poll_transmit()` for bytes to send to the transaction's peer (the owner knows the
//! destination), `poll_event()` for what the transaction user (TU) must hear about, and
//! `poll_timeout()` for the next deadline. To the machines messages are opaque
//! [`bytes::Bytes`]; matching (§17.1.3, §17.2.3) happens in the [`TransactionLayer`], which
//! owns many machines and reads keys from parsed messages
//! ([`TransactionLayer::handle_message`], [`TransactionKey::for_request`]) or takes them
//! ready-made ([`TransactionLayer::handle_request`], [`TransactionLayer::handle_response`]).
//!
//! Timers are listed in [`Timer`] and derive from [`TimerConfig`]; on a reliable transport
//! ([`Reliability::Reliable`]) the retransmission timers are never started and the zero-length
//! wait timers end the transaction at once.

use bytes::Bytes;
use core::fmt;

mod client_invite;
mod client_non_invite;
mod key;
mod layer;
mod outputs;
mod parsed;
mod server_invite;
mod server_non_invite;
mod timers;
mod uas_2xx;

pub use client_invite::{ClientInvite, ClientInviteState};
pub use client_non_invite::{ClientNonInvite, ClientNonInviteState};
pub use key::{MergeKey, TransactionKey, MAGIC_COOKIE};
pub use layer::{
    LayerConfig, LayerError, LayerEvent, TransactionId, TransactionKind, TransactionLayer,
    TransactionState, Transmit,
};
pub use parsed::{non_2xx_ack, KeyError};
pub use server_invite::{ServerInvite, ServerInviteState};
pub use server_non_invite::{ServerNonInvite, ServerNonInviteState};
pub use timers::{Reliability, Timer, TimerConfig, TimerTable, TIMER_D_UNRELIABLE, TRYING_DELAY};
pub use uas_2xx::{Uas2xxEvent, Uas2xxRetransmitter};

/// What a transaction tells its transaction user (TU).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A response for the TU (client transactions): the first of each provisional and final
    /// response, and with RFC 6026 every 2xx received in Accepted. Retransmissions of a non-2xx
    /// final response are absorbed and never appear here.
    Response {
        /// The status code, 100 to 699.
        status: u16,
        /// The whole response as received.
        message: Bytes,
    },
    /// An ACK for the TU: an INVITE server transaction in Accepted passes ACKs up
    /// (RFC 6026 §8.7, Figure 5).
    Ack {
        /// The whole ACK request as received.
        message: Bytes,
    },
    /// A timeout timer fired: B or F at a client ("inform TU", §17.1.1.2, §17.1.2.2; the TU
    /// treats it as a 408) or H at an INVITE server (the ACK never came, §17.2.1).
    TimedOut {
        /// Which timer fired.
        timer: Timer,
    },
    /// The transport failed to send (§17.1.4, §17.2.4). The transaction terminates (an
    /// [`Event::Terminated`] follows), except an INVITE server transaction in Accepted, which
    /// stays there until Timer L (RFC 6026 Figure 5).
    TransportError,
    /// The transaction reached Terminated; its owner may drop it. Always the last event.
    Terminated,
}

/// A TU asked a server transaction for something its state does not allow (caller misuse,
/// never peer input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransactionError {
    /// The status code is outside 100..=699 (RFC 3261 §21).
    InvalidStatus(u16),
    /// The transaction has already sent a final response (or terminated), so it cannot send a
    /// response with this status. Only an INVITE server transaction in Accepted takes more
    /// (2xx retransmissions, RFC 6026 §8.7).
    ResponseNotAllowed {
        /// The status the TU tried to send.
        status: u16,
    },
}

impl fmt::Display for TransactionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransactionError::InvalidStatus(s) => {
                write!(
                    f,
                    "status code {s} is not in 100..=699; send a valid SIP status"
                )
            }
            TransactionError::ResponseNotAllowed { status } => write!(
                f,
                "cannot send a {status} response: this transaction already sent its final \
                 response or has terminated; start a new transaction instead"
            ),
        }
    }
}

impl std::error::Error for TransactionError {}

/// The class of a status code (RFC 3261 §7.2, §21), or `None` outside 100..=699.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Provisional,
    Success,
    Failure,
}

pub(crate) fn classify(status: u16) -> Option<Class> {
    match status {
        100..=199 => Some(Class::Provisional),
        200..=299 => Some(Class::Success),
        300..=699 => Some(Class::Failure),
        _ => None,
    }
}
