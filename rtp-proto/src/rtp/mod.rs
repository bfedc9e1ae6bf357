//! RTP data packets (RFC 3550 §5).
//!
//! [`RtpPacket`] is a checked view over received bytes; [`RtpHeader`] is the plain header that
//! parses from a view and emits header plus payload into a buffer the caller lends.

mod error;
mod packet;

pub use error::RtpError;
pub use packet::{HeaderExtension, RtpHeader, RtpPacket, MAX_CSRCS, MIN_HEADER_LEN, VERSION};
