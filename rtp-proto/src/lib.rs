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

pub mod codec;
pub mod rtcp;
pub mod rtp;
pub mod stats;
pub mod tone;
