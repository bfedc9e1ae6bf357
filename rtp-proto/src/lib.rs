//! # rtp-proto
//!
//! Sans-IO RTP and RTCP (RFC 3550): checked packet views and builders writing into caller
//! buffers, per-source receive statistics, G.711 (ITU-T G.711 μ-law and A-law) and tone
//! generation.
//!
//! Nothing in this crate touches a socket, a clock or an OS random source.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod time;

mod error;
mod rng;
pub use error::{EmitError, Error};
pub use rng::SeededRng;

pub mod audio;
pub mod codec;
pub mod demux;
pub mod events;
pub mod jitter;
pub mod rtcp;
pub mod rtp;
pub mod stats;
pub mod tone;

/// An arbitrary epoch for tests; simulations add `Duration`s to it (STYLE rule 4).
#[cfg(test)]
#[allow(clippy::disallowed_methods)] // test-only: the one clock read, taken as an epoch
pub(crate) fn test_epoch() -> time::Instant {
    time::Instant::now()
}
