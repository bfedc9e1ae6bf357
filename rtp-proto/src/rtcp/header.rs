//! The common RTCP header (RFC 3550 §6.4.1) and a length-checked raw packet.
//!
//! ```text
//!  0                   1                   2                   3
//! |V=2|P|    RC   |   PT          |             length            |
//! ```
//! `length` is the packet size in 32-bit words minus one, so even a zero length advances 4
//! bytes: a compound parse always terminates.

use super::RtcpError;
use crate::error::{ensure_len, EmitError};

/// Length of the common header.
pub const HEADER_LEN: usize = 4;
/// The 5-bit count field's maximum: report blocks, SDES chunks or BYE sources per packet.
pub const MAX_COUNT: usize = 31;

/// RTCP packet type numbers (RFC 3550 §12.1, RFC 4585 §6.1).
pub mod packet_type {
    /// Sender report.
    pub const SR: u8 = 200;
    /// Receiver report.
    pub const RR: u8 = 201;
    /// Source description.
    pub const SDES: u8 = 202;
    /// Goodbye.
    pub const BYE: u8 = 203;
    /// Application-defined.
    pub const APP: u8 = 204;
    /// Transport-layer feedback (RFC 4585).
    pub const RTPFB: u8 = 205;
    /// Payload-specific feedback (RFC 4585).
    pub const PSFB: u8 = 206;
    /// Extended reports (RFC 3611).
    pub const XR: u8 = 207;
}

mod field {
    pub const VPC: usize = 0;
    pub const PT: usize = 1;
    pub const LENGTH: core::ops::Range<usize> = 2..4;
}

const PADDING_BIT: u8 = 0x20;
const COUNT_MASK: u8 = 0x1f;

/// One RTCP packet whose header and length have been checked, of any packet type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawRtcp<'a> {
    /// The 5-bit count field (its meaning depends on the packet type).
    pub count: u8,
    /// The packet type.
    pub packet_type: u8,
    /// The whole packet, header and padding included.
    pub packet: &'a [u8],
    /// The bytes after the 4-byte header, padding removed.
    pub body: &'a [u8],
}

impl<'a> RawRtcp<'a> {
    /// Splits the first RTCP packet off `buf`, checking version, length and padding.
    ///
    /// Returns the packet and the bytes after it.
    ///
    /// # Errors
    /// [`RtcpError::Truncated`], [`RtcpError::BadVersion`] or [`RtcpError::BadPadding`].
    #[inline]
    pub fn split_first(buf: &'a [u8]) -> Result<(Self, &'a [u8]), RtcpError> {
        if buf.len() < HEADER_LEN {
            return Err(RtcpError::Truncated {
                needed: HEADER_LEN,
                available: buf.len(),
            });
        }
        let version = buf[field::VPC] >> 6;
        if version != 2 {
            return Err(RtcpError::BadVersion(version));
        }
        let words = usize::from(u16::from_be_bytes([buf[field::LENGTH.start], buf[3]]));
        let len = (words + 1) * 4;
        if buf.len() < len {
            return Err(RtcpError::Truncated {
                needed: len,
                available: buf.len(),
            });
        }
        let (packet, rest) = buf.split_at(len);
        let mut body = &packet[HEADER_LEN..];
        if packet[field::VPC] & PADDING_BIT != 0 {
            // RFC 3550 §6.4.1 "padding (P)": the last octet counts the padding, itself included.
            let pad_len = packet[len - 1];
            if pad_len == 0 || usize::from(pad_len) > body.len() {
                return Err(RtcpError::BadPadding { pad_len });
            }
            body = &body[..body.len() - usize::from(pad_len)];
        }
        Ok((
            Self {
                count: packet[field::VPC] & COUNT_MASK,
                packet_type: packet[field::PT],
                packet,
                body,
            },
            rest,
        ))
    }
}

/// Writes a common header for a `total_len`-byte packet (a multiple of 4, at least 4).
pub(crate) fn emit_header(
    buf: &mut [u8],
    count: usize,
    packet_type: u8,
    total_len: usize,
) -> Result<(), EmitError> {
    ensure_len(buf, total_len)?;
    if count > MAX_COUNT {
        return Err(EmitError::FieldOutOfRange { field: "count" });
    }
    let words = u16::try_from(total_len / 4 - 1)
        .map_err(|_| EmitError::FieldOutOfRange { field: "length" })?;
    // count <= 31 was checked above.
    buf[field::VPC] = (2 << 6) | count as u8;
    buf[field::PT] = packet_type;
    buf[field::LENGTH].copy_from_slice(&words.to_be_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_length_is_one_word() {
        let buf = [0x80, 204, 0, 0, 0x80, 204, 0, 0];
        let (p, rest) = RawRtcp::split_first(&buf).unwrap();
        assert_eq!(p.packet.len(), 4);
        assert!(p.body.is_empty());
        assert_eq!(rest.len(), 4);
    }

    #[test]
    fn length_past_end_is_truncated() {
        let buf = [0x80, 201, 0, 2, 0, 0, 0, 0];
        assert_eq!(
            RawRtcp::split_first(&buf),
            Err(RtcpError::Truncated {
                needed: 12,
                available: 8
            })
        );
    }

    #[test]
    fn padding_is_stripped_and_checked() {
        let buf = [0xa0, 204, 0, 1, 9, 0, 0, 3];
        let (p, _) = RawRtcp::split_first(&buf).unwrap();
        assert_eq!(p.body, &[9]);
        let bad = [0xa0, 204, 0, 1, 9, 0, 0, 5];
        assert_eq!(
            RawRtcp::split_first(&bad),
            Err(RtcpError::BadPadding { pad_len: 5 })
        );
        let zero = [0xa0, 204, 0, 0];
        assert_eq!(
            RawRtcp::split_first(&zero),
            Err(RtcpError::BadPadding { pad_len: 0 })
        );
    }

    #[test]
    fn version_is_checked() {
        assert_eq!(
            RawRtcp::split_first(&[0x40, 200, 0, 0]),
            Err(RtcpError::BadVersion(1))
        );
    }
}
