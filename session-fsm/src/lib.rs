//! # session-fsm
//!
//! The sans-IO SIP user agent: an [`Endpoint`](endpoint::Endpoint) that places and answers
//! calls, built from sip-proto's transactions and dialogs, SDP offer/answer and rtp-proto's
//! media pieces.
//!
//! [`sim`] is a deterministic network simulator for whole call flows: endpoints on virtual
//! time, over seeded links that lose, duplicate, delay and reorder datagrams. Use it to test
//! your own call flows; a failure replays from its seed.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod time;

pub mod endpoint;
mod media;
pub mod ports;
pub mod sim;

pub use endpoint::{
    CallId, EndReason, Endpoint, EndpointConfig, EndpointError, EndpointStats, Event, Input,
    MediaStats, Output, Socket, Transmit, Transport, WallClock,
};
pub use ports::RtpPortRange;
