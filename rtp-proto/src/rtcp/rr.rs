//! Receiver report, RTCP packet type 201 (RFC 3550 §6.4.2).
//!
//! ```text
//! |V=2|P|    RC   |   PT=RR=201   |             length            |
//! |                     SSRC of packet sender                     |
//! |                 report blocks (RC x 24 bytes)                 |
//! |                  profile-specific extensions                  |
//! ```

use super::entries::EntryList;
use super::header::{emit_header, packet_type, RawRtcp, HEADER_LEN};
use super::report_block::{ReportBlock, REPORT_BLOCK_LEN};
use super::{be32, RtcpError};
use crate::error::EmitError;

/// A receiver report: who sends it and up to 31 report blocks.
///
/// Profile-specific extensions after the blocks are ignored on parse and not emitted. A
/// parsed report's blocks stay in the datagram and are read as they are iterated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReceiverReport<'a> {
    /// The reporter's SSRC.
    pub ssrc: u32,
    /// The report blocks (an empty RR is valid and heads a compound when nothing was received).
    pub reports: EntryList<'a, ReportBlock>,
}

impl<'a> ReceiverReport<'a> {
    /// Parses an RR from a checked raw packet (its type must be 201).
    ///
    /// # Errors
    /// [`RtcpError::Truncated`] or [`RtcpError::CountTooLarge`] when the length is too short.
    #[inline]
    pub fn parse(raw: &RawRtcp<'a>) -> Result<Self, RtcpError> {
        let body = raw.body;
        if body.len() < 4 {
            return Err(RtcpError::Truncated {
                needed: HEADER_LEN + 4,
                available: HEADER_LEN + body.len(),
            });
        }
        Ok(Self {
            ssrc: be32(body, 0),
            reports: wire_blocks(&body[4..], raw.count, packet_type::RR)?,
        })
    }

    /// The emitted length in bytes.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + 4 + REPORT_BLOCK_LEN * self.reports.len()
    }

    /// Writes the RR into `buf`, returning its length.
    ///
    /// # Errors
    /// [`EmitError::BufferTooSmall`] if `buf` is short.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let len = self.buffer_len();
        emit_header(buf, self.reports.len(), packet_type::RR, len)?;
        buf[4..8].copy_from_slice(&self.ssrc.to_be_bytes());
        self.reports.write(&mut buf[8..len]);
        Ok(len)
    }
}

/// The first `count` report blocks of `b`, left on the wire; an error if fewer are present.
#[inline]
pub(crate) fn wire_blocks(
    b: &[u8],
    count: u8,
    pt: u8,
) -> Result<EntryList<'_, ReportBlock>, RtcpError> {
    b.get(..usize::from(count) * REPORT_BLOCK_LEN)
        .map(EntryList::Wire)
        .ok_or(RtcpError::CountTooLarge {
            packet_type: pt,
            count,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtcp::report_block::tests::arb_block;
    use proptest::prelude::*;

    #[test]
    fn exact_bytes_of_empty_rr() {
        let rr = ReceiverReport {
            ssrc: 0xaabb_ccdd,
            reports: EntryList::default(),
        };
        let mut buf = [0u8; 8];
        assert_eq!(rr.emit(&mut buf), Ok(8));
        assert_eq!(buf, [0x80, 201, 0, 1, 0xaa, 0xbb, 0xcc, 0xdd]);
    }

    #[test]
    fn count_beyond_length_is_rejected() {
        // RC=1 but no block follows the SSRC.
        let buf = [0x81, 201, 0, 1, 0, 0, 0, 1];
        let (raw, _) = RawRtcp::split_first(&buf).unwrap();
        assert_eq!(
            ReceiverReport::parse(&raw),
            Err(RtcpError::CountTooLarge {
                packet_type: 201,
                count: 1
            })
        );
    }

    proptest! {
        #[test]
        fn round_trip(ssrc in any::<u32>(), blocks in proptest::collection::vec(arb_block(), 0..=31)) {
            let rr = ReceiverReport { ssrc, reports: EntryList::Items(&blocks) };
            let mut buf = vec![0u8; rr.buffer_len()];
            let n = rr.emit(&mut buf).unwrap();
            let (raw, rest) = RawRtcp::split_first(&buf[..n]).unwrap();
            prop_assert!(rest.is_empty());
            prop_assert_eq!(ReceiverReport::parse(&raw).unwrap(), rr);
        }
    }
}
