//! Goodbye, RTCP packet type 203 (RFC 3550 §6.6).
//!
//! ```text
//! |V=2|P|    SC   |   PT=BYE=203  |             length            |
//! |                           SSRC/CSRC (SC x 32 bits)            |
//! |     length    |               reason for leaving ...   (opt)  |
//! ```

use super::entries::EntryList;
use super::header::{emit_header, packet_type, RawRtcp, HEADER_LEN};
use super::RtcpError;
use crate::error::EmitError;

/// A BYE: the sources leaving and an optional reason (UTF-8 by the RFC, kept as bytes).
///
/// A parsed BYE's sources stay in the datagram; one to send borrows them
/// (`ssrcs: EntryList::Items(&[ssrc])`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bye<'a> {
    /// The sources leaving (up to 31).
    pub ssrcs: EntryList<'a, u32>,
    /// The reason, at most 255 octets.
    pub reason: Option<&'a [u8]>,
}

impl<'a> Bye<'a> {
    /// Parses a BYE from a checked raw packet (its type must be 203).
    ///
    /// # Errors
    /// [`RtcpError::CountTooLarge`] when fewer sources than announced fit;
    /// [`RtcpError::MalformedBye`] when the reason runs past the packet.
    #[inline]
    pub fn parse(raw: &RawRtcp<'a>) -> Result<Self, RtcpError> {
        let (list, rest) = raw
            .body
            .split_at_checked(4 * usize::from(raw.count))
            .ok_or(RtcpError::CountTooLarge {
                packet_type: packet_type::BYE,
                count: raw.count,
            })?;
        let ssrcs = EntryList::Wire(list);
        let reason = match rest.split_first() {
            None => None,
            Some((&len, text)) => Some(
                text.get(..usize::from(len))
                    .ok_or(RtcpError::MalformedBye)?,
            ),
        };
        Ok(Self { ssrcs, reason })
    }

    /// The emitted length in bytes.
    pub fn buffer_len(&self) -> usize {
        let reason = self.reason.map_or(0, |r| (1 + r.len()).div_ceil(4) * 4);
        HEADER_LEN + 4 * self.ssrcs.len() + reason
    }

    /// Writes the BYE into `buf`, returning its length.
    ///
    /// # Errors
    /// [`EmitError::BufferTooSmall`] if `buf` is short; [`EmitError::FieldOutOfRange`] for a
    /// reason over 255 octets.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let reason_len = match self.reason {
            Some(r) => Some(
                u8::try_from(r.len()).map_err(|_| EmitError::FieldOutOfRange {
                    field: "bye reason",
                })?,
            ),
            None => None,
        };
        let len = self.buffer_len();
        emit_header(buf, self.ssrcs.len(), packet_type::BYE, len)?;
        let at = HEADER_LEN + self.ssrcs.wire_len();
        self.ssrcs.write(&mut buf[HEADER_LEN..at]);
        if let (Some(r), Some(rlen)) = (self.reason, reason_len) {
            buf[at] = rlen;
            buf[at + 1..at + 1 + r.len()].copy_from_slice(r);
            buf[at + 1 + r.len()..len].fill(0);
        }
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn exact_bytes_with_reason() {
        let bye = Bye {
            ssrcs: EntryList::Items(&[0x0a0b_0c0d]),
            reason: Some(b"bye"),
        };
        let mut buf = [0xffu8; 12];
        assert_eq!(bye.emit(&mut buf), Ok(12));
        assert_eq!(
            buf,
            [0x81, 203, 0, 2, 0x0a, 0x0b, 0x0c, 0x0d, 3, b'b', b'y', b'e']
        );
    }

    #[test]
    fn reason_overrun_is_rejected() {
        let buf = [0x81, 203, 0, 2, 0, 0, 0, 1, 9, b'b', b'y', b'e'];
        let (raw, _) = RawRtcp::split_first(&buf).unwrap();
        assert_eq!(Bye::parse(&raw), Err(RtcpError::MalformedBye));
        let buf = [0x82, 203, 0, 1, 0, 0, 0, 1];
        let (raw, _) = RawRtcp::split_first(&buf).unwrap();
        assert!(matches!(
            Bye::parse(&raw),
            Err(RtcpError::CountTooLarge { .. })
        ));
    }

    proptest! {
        #[test]
        fn round_trip(
            ssrcs in proptest::collection::vec(any::<u32>(), 0..=31),
            reason in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..=255)),
        ) {
            let bye = Bye { ssrcs: EntryList::Items(&ssrcs), reason: reason.as_deref() };
            let mut buf = vec![0u8; bye.buffer_len()];
            let n = bye.emit(&mut buf).unwrap();
            let (raw, _) = RawRtcp::split_first(&buf[..n]).unwrap();
            prop_assert_eq!(Bye::parse(&raw).unwrap(), bye);
        }
    }
}
