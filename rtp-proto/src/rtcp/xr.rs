//! Extended reports, RTCP packet type 207 (RFC 3611).
//!
//! ```text
//! |V=2|P|reserved |   PT=XR=207   |             length            |
//! |                              SSRC                             |
//! :                         report blocks                         :
//! ```
//! Each report block (§3) is `BT (8) | type-specific (8) | block length (16)` followed by
//! `block length` 32-bit words. This module reads the Receiver Reference Time (§4.4), DLRR
//! (§4.5) and VoIP Metrics (§4.7) blocks; any other block is framed by its length and kept as
//! [`XrBlock::Unknown`], so one unfamiliar block never hides the rest.

use super::entries::{EntryList, WireEntry};
use super::header::{emit_header, packet_type, RawRtcp, HEADER_LEN};
use super::{be32, RtcpError};
use crate::error::EmitError;
use crate::stats::NtpTime;
use core::fmt;

/// XR block type numbers (RFC 3611 §4, IANA "RTCP XR Block Type").
pub mod xr_block_type {
    /// Receiver Reference Time (§4.4).
    pub const RECEIVER_REFERENCE_TIME: u8 = 4;
    /// DLRR (§4.5).
    pub const DLRR: u8 = 5;
    /// VoIP Metrics (§4.7).
    pub const VOIP_METRICS: u8 = 7;
}

/// Length of a report block header.
const BLOCK_HEADER_LEN: usize = 4;
/// Body length of a VoIP Metrics block (block length 8 → 36 octets with the header).
const VOIP_BODY_LEN: usize = 32;
/// Body length of a Receiver Reference Time block.
const RRT_BODY_LEN: usize = 8;

/// The VoIP Metrics report block (RFC 3611 §4.7). Units and the special value 127 / 0
/// ("unavailable") are those of the RFC; values are carried as on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VoipMetrics {
    /// The source reported on.
    pub ssrc: u32,
    /// Fraction of packets lost, in 1/256 (§4.7.1).
    pub loss_rate: u8,
    /// Fraction discarded (late or early) by the jitter buffer, in 1/256 (§4.7.1).
    pub discard_rate: u8,
    /// Fraction lost or discarded within bursts, in 1/256 (§4.7.2).
    pub burst_density: u8,
    /// Fraction lost or discarded within gaps, in 1/256 (§4.7.2).
    pub gap_density: u8,
    /// Mean burst duration in ms (§4.7.2).
    pub burst_duration: u16,
    /// Mean gap duration in ms (§4.7.2).
    pub gap_duration: u16,
    /// Most recent round trip delay in ms (§4.7.3).
    pub round_trip_delay: u16,
    /// Most recent end system delay in ms (§4.7.3).
    pub end_system_delay: u16,
    /// Signal level in dBm0, signed (§4.7.4); 127 is unavailable.
    pub signal_level: i8,
    /// Noise level in dBm0, signed (§4.7.4); 127 is unavailable.
    pub noise_level: i8,
    /// Residual echo return loss in dB (§4.7.4); 127 is unavailable.
    pub rerl: u8,
    /// Gap threshold, the lost-packet spacing that ends a burst (§4.7.2); 16 recommended.
    pub gmin: u8,
    /// R factor (§4.7.5); 127 is unavailable.
    pub r_factor: u8,
    /// External R factor (§4.7.5); 127 is unavailable.
    pub ext_r_factor: u8,
    /// MOS-LQ × 10 (§4.7.5); 127 is unavailable.
    pub mos_lq: u8,
    /// MOS-CQ × 10 (§4.7.5); 127 is unavailable.
    pub mos_cq: u8,
    /// Receiver configuration byte: PLC, jitter buffer adaptive/rate (§4.7.6).
    pub rx_config: u8,
    /// Jitter buffer nominal delay in ms (§4.7.7).
    pub jb_nominal: u16,
    /// Jitter buffer maximum delay in ms (§4.7.7).
    pub jb_maximum: u16,
    /// Jitter buffer absolute maximum delay in ms (§4.7.7).
    pub jb_abs_max: u16,
}

impl VoipMetrics {
    /// Reads the 32-octet block body; `None` if shorter.
    fn read(b: &[u8]) -> Option<Self> {
        let b = b.get(..VOIP_BODY_LEN)?;
        let be16 = |at: usize| u16::from_be_bytes([b[at], b[at + 1]]);
        // invariant: b holds exactly VOIP_BODY_LEN = 32 octets, every offset below is < 32.
        Some(Self {
            ssrc: be32(b, 0),
            loss_rate: b[4],
            discard_rate: b[5],
            burst_density: b[6],
            gap_density: b[7],
            burst_duration: be16(8),
            gap_duration: be16(10),
            round_trip_delay: be16(12),
            end_system_delay: be16(14),
            signal_level: i8::from_be_bytes([b[16]]),
            noise_level: i8::from_be_bytes([b[17]]),
            rerl: b[18],
            gmin: b[19],
            r_factor: b[20],
            ext_r_factor: b[21],
            mos_lq: b[22],
            mos_cq: b[23],
            rx_config: b[24],
            jb_nominal: be16(26),
            jb_maximum: be16(28),
            jb_abs_max: be16(30),
        })
    }

    /// Writes the 32-octet body into `b` (exactly 32 octets, sized by the caller).
    fn write(&self, b: &mut [u8]) {
        b[0..4].copy_from_slice(&self.ssrc.to_be_bytes());
        b[4] = self.loss_rate;
        b[5] = self.discard_rate;
        b[6] = self.burst_density;
        b[7] = self.gap_density;
        b[8..10].copy_from_slice(&self.burst_duration.to_be_bytes());
        b[10..12].copy_from_slice(&self.gap_duration.to_be_bytes());
        b[12..14].copy_from_slice(&self.round_trip_delay.to_be_bytes());
        b[14..16].copy_from_slice(&self.end_system_delay.to_be_bytes());
        b[16] = self.signal_level.to_be_bytes()[0];
        b[17] = self.noise_level.to_be_bytes()[0];
        b[18] = self.rerl;
        b[19] = self.gmin;
        b[20] = self.r_factor;
        b[21] = self.ext_r_factor;
        b[22] = self.mos_lq;
        b[23] = self.mos_cq;
        b[24] = self.rx_config;
        b[25] = 0;
        b[26..28].copy_from_slice(&self.jb_nominal.to_be_bytes());
        b[28..30].copy_from_slice(&self.jb_maximum.to_be_bytes());
        b[30..32].copy_from_slice(&self.jb_abs_max.to_be_bytes());
    }
}

/// One DLRR sub-block (RFC 3611 §4.5): the receiver `ssrc`, the middle 32 bits of the NTP time
/// of its last Receiver Reference Time block, and the delay since, in 1/65536 s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DlrrItem {
    /// The receiver this sub-block answers.
    pub ssrc: u32,
    /// Last RR time: the middle 32 bits of its RRT NTP timestamp.
    pub last_rr: u32,
    /// Delay since that RRT block arrived, in 1/65536 s.
    pub delay_since_last_rr: u32,
}

impl WireEntry for DlrrItem {
    const LEN: usize = 12;

    #[inline]
    fn read(b: &[u8]) -> Self {
        // invariant: EntryList hands exactly LEN = 12 bytes.
        Self {
            ssrc: be32(b, 0),
            last_rr: be32(b, 4),
            delay_since_last_rr: be32(b, 8),
        }
    }

    fn write(&self, b: &mut [u8]) {
        // invariant: EntryList hands exactly LEN = 12 bytes.
        b[0..4].copy_from_slice(&self.ssrc.to_be_bytes());
        b[4..8].copy_from_slice(&self.last_rr.to_be_bytes());
        b[8..12].copy_from_slice(&self.delay_since_last_rr.to_be_bytes());
    }
}

/// One XR report block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XrBlock<'a> {
    /// Receiver Reference Time (§4.4): a receiver's NTP time, so non-senders get an RTT.
    ReceiverReferenceTime(NtpTime),
    /// DLRR (§4.5): answers to Receiver Reference Time blocks.
    Dlrr(EntryList<'a, DlrrItem>),
    /// VoIP Metrics (§4.7).
    VoipMetrics(VoipMetrics),
    /// Any other block type, kept as framed.
    Unknown {
        /// The block type (BT).
        block_type: u8,
        /// The type-specific octet.
        type_specific: u8,
        /// The block body after its 4-octet header; whole 32-bit words.
        body: &'a [u8],
    },
}

impl<'a> XrBlock<'a> {
    /// Splits the first block off `buf`, checking its length; returns it and the rest.
    fn split_first(buf: &'a [u8]) -> Result<(Self, &'a [u8]), RtcpError> {
        let header = buf.get(..BLOCK_HEADER_LEN).ok_or(RtcpError::MalformedXr)?;
        let (bt, ts) = (header[0], header[1]);
        let words = usize::from(u16::from_be_bytes([header[2], header[3]]));
        let end = BLOCK_HEADER_LEN + 4 * words;
        let body = buf
            .get(BLOCK_HEADER_LEN..end)
            .ok_or(RtcpError::MalformedXr)?;
        let rest = buf.get(end..).ok_or(RtcpError::MalformedXr)?;
        let block = match bt {
            xr_block_type::RECEIVER_REFERENCE_TIME => {
                let b = body.get(..RRT_BODY_LEN).ok_or(RtcpError::MalformedXr)?;
                let hi = u64::from(be32(b, 0));
                let lo = u64::from(be32(b, 4));
                Self::ReceiverReferenceTime(NtpTime((hi << 32) | lo))
            }
            xr_block_type::DLRR => {
                Self::Dlrr(EntryList::from_wire(body).ok_or(RtcpError::MalformedXr)?)
            }
            xr_block_type::VOIP_METRICS => {
                Self::VoipMetrics(VoipMetrics::read(body).ok_or(RtcpError::MalformedXr)?)
            }
            _ => Self::Unknown {
                block_type: bt,
                type_specific: ts,
                body,
            },
        };
        Ok((block, rest))
    }

    /// The block's length on the wire, header included.
    pub fn wire_len(&self) -> usize {
        BLOCK_HEADER_LEN
            + match self {
                Self::ReceiverReferenceTime(_) => RRT_BODY_LEN,
                Self::Dlrr(items) => items.wire_len(),
                Self::VoipMetrics(_) => VOIP_BODY_LEN,
                Self::Unknown { body, .. } => body.len(),
            }
    }

    /// Writes the block into `b`, which holds exactly [`wire_len`](Self::wire_len) octets.
    fn write(&self, b: &mut [u8]) -> Result<(), EmitError> {
        let words = u16::try_from(self.wire_len() / 4 - 1)
            .map_err(|_| EmitError::FieldOutOfRange { field: "xr block" })?;
        let (bt, ts) = match self {
            Self::ReceiverReferenceTime(_) => (xr_block_type::RECEIVER_REFERENCE_TIME, 0),
            Self::Dlrr(_) => (xr_block_type::DLRR, 0),
            Self::VoipMetrics(_) => (xr_block_type::VOIP_METRICS, 0),
            Self::Unknown {
                block_type,
                type_specific,
                ..
            } => (*block_type, *type_specific),
        };
        b[0] = bt;
        b[1] = ts;
        b[2..4].copy_from_slice(&words.to_be_bytes());
        let body = &mut b[BLOCK_HEADER_LEN..];
        match self {
            Self::ReceiverReferenceTime(ntp) => body.copy_from_slice(&ntp.0.to_be_bytes()),
            Self::Dlrr(items) => items.write(body),
            Self::VoipMetrics(m) => m.write(body),
            Self::Unknown { body: data, .. } => body.copy_from_slice(data),
        }
        Ok(())
    }

    fn check_emit(&self) -> Result<(), EmitError> {
        match self {
            Self::Unknown { body, .. } if body.len() % 4 != 0 => {
                Err(EmitError::FieldOutOfRange { field: "xr block" })
            }
            Self::Unknown { block_type, .. }
                if matches!(
                    *block_type,
                    xr_block_type::RECEIVER_REFERENCE_TIME
                        | xr_block_type::DLRR
                        | xr_block_type::VOIP_METRICS
                ) =>
            {
                // It would read back as the typed block, breaking the round trip.
                Err(EmitError::FieldOutOfRange {
                    field: "xr block type",
                })
            }
            _ => Ok(()),
        }
    }
}

/// The report blocks of an XR packet: still on the wire (checked) or given to emit.
#[derive(Clone, Copy)]
pub enum XrBlocks<'a> {
    /// Received blocks, every one's length already checked by [`Xr::parse`].
    Wire(&'a [u8]),
    /// Blocks to emit.
    Items(&'a [XrBlock<'a>]),
}

impl<'a> XrBlocks<'a> {
    /// The blocks in order.
    pub fn iter(&self) -> XrBlockIter<'a> {
        XrBlockIter {
            blocks: *self,
            at: 0,
        }
    }
}

impl PartialEq for XrBlocks<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for XrBlocks<'_> {}

impl fmt::Debug for XrBlocks<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Iterator over [`XrBlocks`].
#[derive(Debug, Clone)]
pub struct XrBlockIter<'a> {
    blocks: XrBlocks<'a>,
    at: usize,
}

impl<'a> Iterator for XrBlockIter<'a> {
    type Item = XrBlock<'a>;

    fn next(&mut self) -> Option<XrBlock<'a>> {
        match self.blocks {
            XrBlocks::Wire(b) => {
                // Checked by Xr::parse, so an error here cannot occur; it would end the walk.
                let (block, rest) = XrBlock::split_first(b).ok()?;
                self.blocks = XrBlocks::Wire(rest);
                Some(block)
            }
            XrBlocks::Items(items) => {
                let block = *items.get(self.at)?;
                self.at += 1;
                Some(block)
            }
        }
    }
}

/// An extended report packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Xr<'a> {
    /// The SSRC of the reporter.
    pub ssrc: u32,
    /// Its report blocks.
    pub blocks: XrBlocks<'a>,
}

impl<'a> Xr<'a> {
    /// Parses an XR packet from a checked raw packet (type 207), checking every block's
    /// length. Each block consumes at least 4 octets, so the check ends.
    ///
    /// # Errors
    /// [`RtcpError::MalformedXr`] when the SSRC is missing or a block overruns the packet or
    /// is too short for its type.
    pub fn parse(raw: &RawRtcp<'a>) -> Result<Self, RtcpError> {
        let (ssrc, blocks) = raw.body.split_at_checked(4).ok_or(RtcpError::MalformedXr)?;
        let mut rest = blocks;
        while !rest.is_empty() {
            rest = XrBlock::split_first(rest)?.1;
        }
        Ok(Self {
            ssrc: be32(ssrc, 0),
            blocks: XrBlocks::Wire(blocks),
        })
    }

    /// The emitted length in bytes.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + 4 + self.blocks.iter().map(|b| b.wire_len()).sum::<usize>()
    }

    /// Writes the XR packet into `buf`, returning its length.
    ///
    /// # Errors
    /// [`EmitError::BufferTooSmall`] if `buf` is short; [`EmitError::FieldOutOfRange`] for an
    /// unknown block whose body is not whole words or whose type is one this module reads as a
    /// typed block, or a block or packet too long for its length field.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        for block in self.blocks.iter() {
            block.check_emit()?;
        }
        let len = self.buffer_len();
        emit_header(buf, 0, packet_type::XR, len)?;
        // emit_header checked buf.len() >= len.
        buf[4..8].copy_from_slice(&self.ssrc.to_be_bytes());
        let mut at = 8;
        for block in self.blocks.iter() {
            let end = at + block.wire_len();
            block.write(&mut buf[at..end])?;
            at = end;
        }
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample_metrics() -> VoipMetrics {
        VoipMetrics {
            ssrc: 0x0102_0304,
            loss_rate: 5,
            discard_rate: 6,
            burst_density: 7,
            gap_density: 8,
            burst_duration: 0x0102,
            gap_duration: 0x0304,
            round_trip_delay: 0x0506,
            end_system_delay: 0x0708,
            signal_level: -20,
            noise_level: -60,
            rerl: 127,
            gmin: 16,
            r_factor: 93,
            ext_r_factor: 127,
            mos_lq: 41,
            mos_cq: 42,
            rx_config: 0b1010_0000,
            jb_nominal: 40,
            jb_maximum: 80,
            jb_abs_max: 200,
        }
    }

    #[test]
    fn voip_metrics_exact_bytes() {
        let blocks = [XrBlock::VoipMetrics(sample_metrics())];
        let xr = Xr {
            ssrc: 9,
            blocks: XrBlocks::Items(&blocks),
        };
        let mut buf = [0u8; 44];
        assert_eq!(xr.emit(&mut buf), Ok(44));
        #[rustfmt::skip]
        let want = [
            0x80, 207, 0, 10,  0, 0, 0, 9,
            7, 0, 0, 8,  1, 2, 3, 4,  5, 6, 7, 8,  1, 2, 3, 4,  5, 6, 7, 8,
            0xec, 0xc4, 127, 16,  93, 127, 41, 42,  0xa0, 0, 0, 40,  0, 80, 0, 200,
        ];
        assert_eq!(buf, want);
        let (raw, _) = RawRtcp::split_first(&buf).unwrap();
        let parsed = Xr::parse(&raw).unwrap();
        assert_eq!(parsed, xr);
    }

    #[test]
    fn unknown_blocks_are_skipped_and_overruns_rejected() {
        #[rustfmt::skip]
        let buf = [
            0x80, 207, 0, 6,  0, 0, 0, 1,
            42, 3, 0, 1,  0xaa, 0xbb, 0xcc, 0xdd, // unknown BT 42, one word
            4, 0, 0, 2,  0, 0, 0, 5,  0x80, 0, 0, 0, // RRT 5.5 s
        ];
        let (raw, _) = RawRtcp::split_first(&buf).unwrap();
        let xr = Xr::parse(&raw).unwrap();
        let blocks: Vec<_> = xr.blocks.iter().collect();
        assert_eq!(
            blocks,
            vec![
                XrBlock::Unknown {
                    block_type: 42,
                    type_specific: 3,
                    body: &[0xaa, 0xbb, 0xcc, 0xdd]
                },
                XrBlock::ReceiverReferenceTime(NtpTime::from_parts(5, 0x8000_0000)),
            ]
        );
        // A block claiming 2 words where 1 remains.
        let bad = [0x80, 207, 0, 3, 0, 0, 0, 1, 42, 0, 0, 2, 1, 2, 3, 4];
        let (raw, _) = RawRtcp::split_first(&bad).unwrap();
        assert_eq!(Xr::parse(&raw), Err(RtcpError::MalformedXr));
        // A VoIP metrics block too short for its type.
        let short = [0x80, 207, 0, 3, 0, 0, 0, 1, 7, 0, 0, 1, 1, 2, 3, 4];
        let (raw, _) = RawRtcp::split_first(&short).unwrap();
        assert_eq!(Xr::parse(&raw), Err(RtcpError::MalformedXr));
        // Zero-length unknown blocks advance 4 octets each.
        let zeros = [0x80, 207, 0, 3, 0, 0, 0, 1, 9, 0, 0, 0, 9, 0, 0, 0];
        let (raw, _) = RawRtcp::split_first(&zeros).unwrap();
        assert_eq!(Xr::parse(&raw).unwrap().blocks.iter().count(), 2);
    }

    /// Block kind, unknown body, DLRR items, a number for the rest.
    type BlockSpec = (u8, Vec<u8>, Vec<(u32, u32, u32)>, u64);

    fn arb_block() -> impl Strategy<Value = BlockSpec> {
        (
            0u8..4,
            proptest::collection::vec(any::<u8>(), 0..40),
            proptest::collection::vec(any::<(u32, u32, u32)>(), 0..4),
            any::<u64>(),
        )
    }

    proptest! {
        #[test]
        fn round_trip(
            ssrc in any::<u32>(),
            specs in proptest::collection::vec(arb_block(), 0..6),
            m in any::<[u8; 32]>(),
        ) {
            let dlrrs: Vec<Vec<DlrrItem>> = specs.iter().map(|s| s.2.iter().map(|&(a, b, c)| DlrrItem { ssrc: a, last_rr: b, delay_since_last_rr: c }).collect()).collect();
            let bodies: Vec<Vec<u8>> = specs.iter().map(|s| s.1[..s.1.len() / 4 * 4].to_vec()).collect();
            let metrics = VoipMetrics { rx_config: 0, ..VoipMetrics::read(&m).unwrap() };
            let blocks: Vec<XrBlock<'_>> = specs.iter().enumerate().map(|(i, s)| match s.0 {
                0 => XrBlock::ReceiverReferenceTime(NtpTime(s.3)),
                1 => XrBlock::Dlrr(EntryList::Items(&dlrrs[i])),
                2 => XrBlock::VoipMetrics(VoipMetrics { ssrc: s.3 as u32, rx_config: m[24], ..metrics }),
                _ => XrBlock::Unknown { block_type: 100 + s.3 as u8 % 100, type_specific: (s.3 >> 8) as u8, body: &bodies[i] },
            }).collect();
            let xr = Xr { ssrc, blocks: XrBlocks::Items(&blocks) };
            let mut buf = vec![0u8; xr.buffer_len()];
            let n = xr.emit(&mut buf).unwrap();
            let (raw, rest) = RawRtcp::split_first(&buf[..n]).unwrap();
            prop_assert!(rest.is_empty());
            prop_assert_eq!(Xr::parse(&raw).unwrap(), xr);
        }

        #[test]
        fn never_panics(body in proptest::collection::vec(any::<u8>(), 0..80)) {
            let raw = RawRtcp { count: 0, packet_type: 207, packet: &body, body: &body };
            if let Ok(xr) = Xr::parse(&raw) {
                prop_assert!(xr.blocks.iter().count() <= body.len() / 4);
            }
        }
    }
}
