//! The user agent: places and answers calls.
//!
//! An [`Endpoint`] is one SIP user agent (RFC 3261 §8) on one SIP socket. It answers INVITEs
//! (100 Trying, then 180 and 200 when the application says so), places calls (INVITE, ACK
//! for the 2xx, BYE), runs an RTP/RTCP session per call, and reports what happens as
//! [`Event`]s.

mod config;
mod io;
mod types;

pub use config::{EndpointConfig, WallClock};
pub use io::{Event, Input, Output, Socket, Transmit};
pub use types::{CallId, EndReason, EndpointError, EndpointStats, MediaStats};

use std::net::SocketAddr;

use crate::time::Instant;

/// A SIP user agent with its calls. See the [module docs](self).
#[derive(Debug)]
pub struct Endpoint {
    config: EndpointConfig,
    stats: EndpointStats,
}

impl Endpoint {
    /// Builds an endpoint. It does nothing until fed input.
    pub fn new(config: EndpointConfig) -> Self {
        Endpoint {
            config,
            stats: EndpointStats::default(),
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

    /// Feeds one input. Peer garbage never makes this fail: it is answered or counted.
    pub fn handle_input(&mut self, input: Input) {
        let _ = input;
    }

    /// The next output. Bytes of a [`Output::Transmit`] are written into `buf` (cleared first).
    pub fn poll_output(&mut self, buf: &mut Vec<u8>) -> Output {
        buf.clear();
        Output::Timeout(None)
    }

    /// Places a call to `target` (`sip:user@host:port`), offering audio on `local_rtp`.
    pub fn call(
        &mut self,
        now: Instant,
        target: &str,
        local_rtp: SocketAddr,
    ) -> Result<CallId, EndpointError> {
        let _ = (now, local_rtp);
        Err(EndpointError::BadTarget(target.to_owned()))
    }

    /// Sends 180 Ringing for an incoming call.
    pub fn ring(&mut self, now: Instant, call: CallId) -> Result<(), EndpointError> {
        let _ = now;
        Err(EndpointError::UnknownCall(call))
    }

    /// Answers an incoming call with 200 OK and an SDP answer offering `local_rtp`.
    pub fn answer(
        &mut self,
        now: Instant,
        call: CallId,
        local_rtp: SocketAddr,
    ) -> Result<(), EndpointError> {
        let _ = (now, local_rtp);
        Err(EndpointError::UnknownCall(call))
    }

    /// Rejects an incoming call with a final status (300-699).
    pub fn reject(&mut self, now: Instant, call: CallId, status: u16) -> Result<(), EndpointError> {
        let _ = (now, status);
        Err(EndpointError::UnknownCall(call))
    }

    /// Hangs up: BYE for an established call, CANCEL for one still ringing.
    pub fn hang_up(&mut self, now: Instant, call: CallId) -> Result<(), EndpointError> {
        let _ = now;
        Err(EndpointError::UnknownCall(call))
    }
}
