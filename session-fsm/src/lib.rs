//! # session-fsm
//!
//! The sans-IO SIP user agent: an [`Endpoint`](endpoint::Endpoint) that places and answers
//! calls, built from sip-proto's transactions and dialogs, SDP offer/answer and rtp-proto's
//! media pieces.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod time;

pub mod endpoint;
mod media;
pub mod ports;

pub use endpoint::{
    CallId, EndReason, Endpoint, EndpointConfig, EndpointError, EndpointStats, Event, Input,
    MediaStats, Output, Socket, Transmit, WallClock,
};
pub use ports::RtpPortRange;
