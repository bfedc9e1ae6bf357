//! # rtp-proto
//!
//! Sans-IO RTP and RTCP (RFC 3550): checked packet views and builders writing into caller
//! buffers, per-source receive statistics, G.711 (ITU-T G.711 μ-law and A-law) and tone
//! generation.
//!
//! - [`rtp`]: RTP packets and RFC 8285 header extension elements.
//! - [`rtcp`]: SR, RR, SDES, BYE, APP, RFC 4585 NACK/PLI, RFC 5104 FIR and RFC 3611 XR,
//!   in compound or reduced-size (RFC 5506) datagrams.
//! - [`demux`]: RFC 7983 first-octet demultiplexing and the RFC 5761 RTP/RTCP rule.
//! - [`stats`]: receive and sender statistics, RTCP timing, and [`stats::RtpReceiver`]
//!   (payload-type filtering, source latching, RFC 3550 §8.2 collisions, BYE, timeouts, RTT).
//! - [`jitter`]: an adaptive jitter buffer with fixed storage.
//! - [`events`]: RFC 4733 telephone events.
//! - [`audio`]: RFC 3389 comfort noise and an N-party mix-minus mixer.
//! - [`codec`], [`tone`]: G.711 and tone/DTMF generation.
//!
//! The `rtpstat` example prints per-stream statistics from a pcap or pcapng capture.
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
