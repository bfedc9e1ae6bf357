//! Generic NACK, transport-layer feedback RTPFB FMT 1 (RFC 4585 §6.2.1).
//!
//! ```text
//! |V=2|P|  FMT=1  |   PT=205      |          length               |
//! |                  SSRC of packet sender                        |
//! |                  SSRC of media source                         |
//! |            PID                |             BLP               |  (one or more)
//! ```
//! Each FCI entry names a lost packet `PID` and, in the bitmask `BLP`, which of the 16
//! following packets are lost too (bit i set: `PID + i + 1` lost).

use super::entries::{EntryList, WireEntry};
use super::feedback::{emit_common, feedback_type, split};
use super::header::{packet_type, RawRtcp};
use super::RtcpError;
use crate::error::EmitError;

/// One NACK FCI entry (RFC 4585 §6.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NackPair {
    /// The packet ID: a lost sequence number.
    pub pid: u16,
    /// Bitmask of following lost packets: bit i (LSB = 0) means `pid + i + 1` is lost.
    pub blp: u16,
}

impl NackPair {
    /// The lost sequence numbers this entry names, `pid` first, in increasing order
    /// (modulo 2^16).
    pub fn lost(self) -> impl Iterator<Item = u16> {
        let pid = self.pid;
        let blp = self.blp;
        core::iter::once(pid).chain(
            (0..16u16)
                .filter(move |i| blp & (1 << i) != 0)
                .map(move |i| pid.wrapping_add(i + 1)),
        )
    }
}

impl WireEntry for NackPair {
    const LEN: usize = 4;

    #[inline]
    fn read(b: &[u8]) -> Self {
        // invariant: EntryList hands exactly LEN = 4 bytes.
        Self {
            pid: u16::from_be_bytes([b[0], b[1]]),
            blp: u16::from_be_bytes([b[2], b[3]]),
        }
    }

    fn write(&self, b: &mut [u8]) {
        // invariant: EntryList hands exactly LEN = 4 bytes.
        b[0..2].copy_from_slice(&self.pid.to_be_bytes());
        b[2..4].copy_from_slice(&self.blp.to_be_bytes());
    }
}

/// Packs lost sequence numbers, given in increasing order modulo 2^16 (as a receiver finds
/// gaps), into NACK entries: each entry covers its PID and the 16 numbers after it.
#[derive(Debug, Clone)]
pub struct NackPacker<I: Iterator<Item = u16>> {
    seqs: core::iter::Peekable<I>,
}

impl<I: Iterator<Item = u16>> NackPacker<I> {
    /// Packs the lost sequence numbers `seqs`.
    pub fn new(seqs: I) -> Self {
        Self {
            seqs: seqs.peekable(),
        }
    }
}

impl<I: Iterator<Item = u16>> Iterator for NackPacker<I> {
    type Item = NackPair;

    fn next(&mut self) -> Option<NackPair> {
        let pid = self.seqs.next()?;
        let mut blp = 0u16;
        while let Some(&seq) = self.seqs.peek() {
            let d = seq.wrapping_sub(pid);
            if d == 0 {
                // A repeated number adds nothing.
                self.seqs.next();
            } else if d <= 16 {
                blp |= 1 << (d - 1);
                self.seqs.next();
            } else {
                break;
            }
        }
        Some(NackPair { pid, blp })
    }
}

/// A generic NACK message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nack<'a> {
    /// The SSRC of the packet sender (who lost packets).
    pub sender_ssrc: u32,
    /// The SSRC of the media source whose packets were lost.
    pub media_ssrc: u32,
    /// The NACK entries; RFC 4585 requires at least one, which [`Nack::emit`] enforces.
    pub pairs: EntryList<'a, NackPair>,
}

impl<'a> Nack<'a> {
    /// Parses a generic NACK from a checked raw packet (type 205, FMT 1).
    ///
    /// # Errors
    /// [`RtcpError::MalformedFeedback`] when the SSRCs are missing or no entry is present.
    pub fn parse(raw: &RawRtcp<'a>) -> Result<Self, RtcpError> {
        let malformed = RtcpError::MalformedFeedback {
            packet_type: packet_type::RTPFB,
            fmt: feedback_type::NACK,
        };
        let (sender_ssrc, media_ssrc, fci) = split(raw)?;
        let pairs = EntryList::from_wire(fci)
            .filter(|l| !l.is_empty())
            .ok_or(malformed)?;
        Ok(Self {
            sender_ssrc,
            media_ssrc,
            pairs,
        })
    }

    /// Every lost sequence number named, entry by entry.
    pub fn lost(&self) -> impl Iterator<Item = u16> + 'a {
        self.pairs.iter().flat_map(NackPair::lost)
    }

    /// The emitted length in bytes.
    pub fn buffer_len(&self) -> usize {
        12 + self.pairs.wire_len()
    }

    /// Writes the NACK into `buf`, returning its length.
    ///
    /// # Errors
    /// [`EmitError::BufferTooSmall`] if `buf` is short; [`EmitError::FieldOutOfRange`] for
    /// an empty list or one too long for the 16-bit length field.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        if self.pairs.is_empty() {
            return Err(EmitError::FieldOutOfRange {
                field: "nack pairs",
            });
        }
        let len = emit_common(
            buf,
            feedback_type::NACK,
            packet_type::RTPFB,
            self.sender_ssrc,
            self.media_ssrc,
            self.pairs.wire_len(),
        )?;
        self.pairs.write(&mut buf[12..len]);
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn exact_bytes_and_lost_numbers() {
        let pairs = [NackPair {
            pid: 0xfffe,
            blp: 0b1000_0000_0000_0101,
        }];
        let nack = Nack {
            sender_ssrc: 1,
            media_ssrc: 2,
            pairs: EntryList::Items(&pairs),
        };
        let mut buf = [0u8; 16];
        assert_eq!(nack.emit(&mut buf), Ok(16));
        assert_eq!(
            buf,
            [0x81, 205, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0xff, 0xfe, 0x80, 0x05]
        );
        let (raw, _) = RawRtcp::split_first(&buf).unwrap();
        let parsed = Nack::parse(&raw).unwrap();
        assert_eq!(parsed, nack);
        assert!(matches!(parsed.pairs, EntryList::Wire(_)));
        assert_eq!(
            parsed.lost().collect::<Vec<_>>(),
            vec![0xfffe, 0xffff, 1, 14]
        );
    }

    #[test]
    fn empty_fci_is_rejected_both_ways() {
        let buf = [0x81, 205, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2];
        let (raw, _) = RawRtcp::split_first(&buf).unwrap();
        assert_eq!(
            Nack::parse(&raw),
            Err(RtcpError::MalformedFeedback {
                packet_type: 205,
                fmt: 1
            })
        );
        let buf = [0x81, 205, 0, 1, 0, 0, 0, 1];
        let (raw, _) = RawRtcp::split_first(&buf).unwrap();
        assert!(Nack::parse(&raw).is_err());
        let empty = Nack {
            sender_ssrc: 0,
            media_ssrc: 0,
            pairs: EntryList::Items(&[]),
        };
        assert!(empty.emit(&mut [0u8; 64]).is_err());
    }

    #[test]
    fn packer_groups_runs_of_seventeen() {
        let lost = [65530u16, 65531, 65535, 4, 10, 11, 30];
        let pairs: Vec<_> = NackPacker::new(lost.iter().copied()).collect();
        assert_eq!(
            pairs,
            vec![
                NackPair {
                    pid: 65530,
                    blp: (1 << 0) | (1 << 4) | (1 << 9) | (1 << 15),
                },
                NackPair { pid: 11, blp: 0 },
                NackPair { pid: 30, blp: 0 },
            ]
        );
        // 65530 + 16 = 10 (mod 2^16): bit 15 is seq 10; 11 starts a new entry.
    }

    proptest! {
        #[test]
        fn round_trip(
            sender in any::<u32>(),
            media in any::<u32>(),
            raw_pairs in proptest::collection::vec(any::<(u16, u16)>(), 1..64),
        ) {
            let pairs: Vec<NackPair> = raw_pairs.iter().map(|&(pid, blp)| NackPair { pid, blp }).collect();
            let nack = Nack { sender_ssrc: sender, media_ssrc: media, pairs: EntryList::Items(&pairs) };
            let mut buf = vec![0u8; nack.buffer_len()];
            let n = nack.emit(&mut buf).unwrap();
            let (raw, rest) = RawRtcp::split_first(&buf[..n]).unwrap();
            prop_assert!(rest.is_empty());
            prop_assert_eq!(Nack::parse(&raw).unwrap(), nack);
        }

        #[test]
        fn packer_names_exactly_the_lost_set(start in any::<u16>(), gaps in proptest::collection::vec(1u16..40, 0..50)) {
            let mut seqs = vec![start];
            for g in gaps { let last = *seqs.last().unwrap(); seqs.push(last.wrapping_add(g)); }
            let pairs: Vec<_> = NackPacker::new(seqs.iter().copied()).collect();
            let named: Vec<u16> = pairs.iter().flat_map(|p| p.lost().collect::<Vec<_>>()).collect();
            prop_assert_eq!(named, seqs);
        }
    }
}
