//! Sender report, RTCP packet type 200 (RFC 3550 §6.4.1).
//!
//! ```text
//! |V=2|P|    RC   |   PT=SR=200   |             length            |
//! |                         SSRC of sender                        |
//! |              NTP timestamp, most significant word             |
//! |             NTP timestamp, least significant word             |
//! |                         RTP timestamp                         |
//! |                     sender's packet count                     |
//! |                      sender's octet count                     |
//! |                 report blocks (RC x 24 bytes)                 |
//! ```

use super::entries::EntryList;
use super::header::{emit_header, packet_type, RawRtcp, HEADER_LEN};
use super::report_block::{ReportBlock, REPORT_BLOCK_LEN};
use super::rr::wire_blocks;
use super::{be32, RtcpError};
use crate::error::EmitError;
use crate::stats::NtpTime;

/// Bytes of sender info after the SSRC (NTP, RTP timestamp, packet and octet counts).
const SENDER_INFO_LEN: usize = 20;

/// A sender report: sender info plus up to 31 report blocks.
///
/// A parsed report's blocks stay in the datagram and are read as they are iterated; a report
/// to send borrows its blocks (`reports: EntryList::Items(&blocks)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SenderReport<'a> {
    /// The sender's SSRC.
    pub ssrc: u32,
    /// Wall-clock time when the report was sent.
    pub ntp: NtpTime,
    /// The same instant in the RTP timestamp units of the sender's media.
    pub rtp_timestamp: u32,
    /// Packets sent since starting transmission (wraps).
    pub packet_count: u32,
    /// Payload octets sent since starting transmission (wraps).
    pub octet_count: u32,
    /// Reception report blocks.
    pub reports: EntryList<'a, ReportBlock>,
}

impl<'a> SenderReport<'a> {
    /// Parses an SR from a checked raw packet (its type must be 200).
    ///
    /// # Errors
    /// [`RtcpError::Truncated`] or [`RtcpError::CountTooLarge`] when the length is too short.
    #[inline]
    pub fn parse(raw: &RawRtcp<'a>) -> Result<Self, RtcpError> {
        let body = raw.body;
        let fixed = 4 + SENDER_INFO_LEN;
        if body.len() < fixed {
            return Err(RtcpError::Truncated {
                needed: HEADER_LEN + fixed,
                available: HEADER_LEN + body.len(),
            });
        }
        let ntp = (u64::from(be32(body, 4)) << 32) | u64::from(be32(body, 8));
        Ok(Self {
            ssrc: be32(body, 0),
            ntp: NtpTime(ntp),
            rtp_timestamp: be32(body, 12),
            packet_count: be32(body, 16),
            octet_count: be32(body, 20),
            reports: wire_blocks(&body[fixed..], raw.count, packet_type::SR)?,
        })
    }

    /// The emitted length in bytes.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + 4 + SENDER_INFO_LEN + REPORT_BLOCK_LEN * self.reports.len()
    }

    /// Writes the SR into `buf`, returning its length.
    ///
    /// # Errors
    /// [`EmitError::BufferTooSmall`] if `buf` is short.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let len = self.buffer_len();
        emit_header(buf, self.reports.len(), packet_type::SR, len)?;
        buf[4..8].copy_from_slice(&self.ssrc.to_be_bytes());
        buf[8..16].copy_from_slice(&self.ntp.0.to_be_bytes());
        buf[16..20].copy_from_slice(&self.rtp_timestamp.to_be_bytes());
        buf[20..24].copy_from_slice(&self.packet_count.to_be_bytes());
        buf[24..28].copy_from_slice(&self.octet_count.to_be_bytes());
        self.reports.write(&mut buf[28..len]);
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtcp::report_block::tests::arb_block;
    use proptest::prelude::*;

    #[test]
    fn exact_bytes() {
        let reports = [ReportBlock {
            ssrc: 7,
            fraction_lost: 0x40,
            cumulative_lost: 3,
            highest_seq: 0x0001_0005,
            jitter: 9,
            last_sr: 0x1111_2222,
            delay_since_last_sr: 0x8000,
        }];
        let sr = SenderReport {
            ssrc: 1,
            ntp: NtpTime::from_parts(2, 3),
            rtp_timestamp: 4,
            packet_count: 5,
            octet_count: 6,
            reports: EntryList::Items(&reports),
        };
        let mut buf = [0u8; 52];
        assert_eq!(sr.emit(&mut buf), Ok(52));
        #[rustfmt::skip]
        let expect = [
            0x81, 200, 0, 12,  0, 0, 0, 1,  0, 0, 0, 2,  0, 0, 0, 3,  0, 0, 0, 4,
            0, 0, 0, 5,  0, 0, 0, 6,
            0, 0, 0, 7,  0x40, 0, 0, 3,  0, 1, 0, 5,  0, 0, 0, 9,  0x11, 0x11, 0x22, 0x22,
            0, 0, 0x80, 0,
        ];
        assert_eq!(buf, expect);
        assert_eq!(
            sr.emit(&mut buf[..51]),
            Err(EmitError::BufferTooSmall {
                needed: 52,
                available: 51
            })
        );
    }

    #[test]
    fn short_sender_info_is_truncated() {
        let buf = [0x80, 200, 0, 1, 0, 0, 0, 1];
        let (raw, _) = RawRtcp::split_first(&buf).unwrap();
        assert_eq!(
            SenderReport::parse(&raw),
            Err(RtcpError::Truncated {
                needed: 28,
                available: 8
            })
        );
    }

    proptest! {
        #[test]
        fn round_trip(
            fixed in (any::<u32>(), any::<u64>(), any::<u32>(), any::<u32>(), any::<u32>()),
            blocks in proptest::collection::vec(arb_block(), 0..=31),
        ) {
            let sr = SenderReport {
                ssrc: fixed.0,
                ntp: NtpTime(fixed.1),
                rtp_timestamp: fixed.2,
                packet_count: fixed.3,
                octet_count: fixed.4,
                reports: EntryList::Items(&blocks),
            };
            let mut buf = vec![0u8; sr.buffer_len()];
            let n = sr.emit(&mut buf).unwrap();
            let (raw, _) = RawRtcp::split_first(&buf[..n]).unwrap();
            let parsed = SenderReport::parse(&raw).unwrap();
            prop_assert!(matches!(parsed.reports, EntryList::Wire(_)));
            prop_assert_eq!(parsed, sr);
        }
    }
}
