//! The common layout of RTP/AVPF feedback messages (RFC 4585 §6.1).
//!
//! ```text
//! |V=2|P|   FMT   |       PT      |          length               |
//! |                  SSRC of packet sender                        |
//! |                  SSRC of media source                         |
//! :            Feedback Control Information (FCI)                 :
//! ```
//! Transport-layer feedback (RTPFB, PT 205, §6.2) and payload-specific feedback (PSFB, PT
//! 206, §6.3) share it; the FMT takes the count field's place.

use super::header::{emit_header, RawRtcp, HEADER_LEN};
use super::{be32, RtcpError};
use crate::error::EmitError;

/// Feedback message types (FMT) this crate parses.
pub mod feedback_type {
    /// RTPFB generic NACK (RFC 4585 §6.2.1).
    pub const NACK: u8 = 1;
    /// PSFB picture loss indication (RFC 4585 §6.3.1).
    pub const PLI: u8 = 1;
    /// PSFB full intra request (RFC 5104 §4.3.1).
    pub const FIR: u8 = 4;
}

/// Length of the two SSRCs that follow the common header.
pub(crate) const SSRCS_LEN: usize = 8;

/// Splits a feedback body into the packet sender, the media source and the FCI.
pub(crate) fn split<'a>(raw: &RawRtcp<'a>) -> Result<(u32, u32, &'a [u8]), RtcpError> {
    let (ssrcs, fci) =
        raw.body
            .split_at_checked(SSRCS_LEN)
            .ok_or(RtcpError::MalformedFeedback {
                packet_type: raw.packet_type,
                fmt: raw.count,
            })?;
    Ok((be32(ssrcs, 0), be32(ssrcs, 4), fci))
}

/// Writes header and SSRCs of a feedback message of `fci_len` FCI octets; returns the total
/// length, with the FCI left to fill at `buf[12..len]`.
pub(crate) fn emit_common(
    buf: &mut [u8],
    fmt: u8,
    pt: u8,
    sender_ssrc: u32,
    media_ssrc: u32,
    fci_len: usize,
) -> Result<usize, EmitError> {
    let len = HEADER_LEN + SSRCS_LEN + fci_len;
    emit_header(buf, usize::from(fmt), pt, len)?;
    // emit_header checked buf.len() >= len >= 12.
    buf[4..8].copy_from_slice(&sender_ssrc.to_be_bytes());
    buf[8..12].copy_from_slice(&media_ssrc.to_be_bytes());
    Ok(len)
}
