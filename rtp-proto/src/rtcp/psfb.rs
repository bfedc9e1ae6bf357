//! Payload-specific feedback (PSFB, PT 206): Picture Loss Indication (RFC 4585 §6.3.1) and
//! Full Intra Request (RFC 5104 §4.3.1).
//!
//! ```text
//! PLI: |V=2|P| FMT=1 | PT=206 | length=2 | SSRC of packet sender | SSRC of media source |
//!
//! FIR: |V=2|P| FMT=4 | PT=206 | length   | SSRC of packet sender | SSRC of media source=0 |
//!      |                              SSRC                             |  (one or more)
//!      | Seq nr.       |    Reserved (0)                               |
//! ```
//! Other PSFB formats (SLI, RPSI, REMB, …) are passed through by the compound iterator.

use super::entries::{EntryList, WireEntry};
use super::feedback::{emit_common, feedback_type, split};
use super::header::{packet_type, RawRtcp};
use super::{be32, RtcpError};
use crate::error::EmitError;

/// A picture loss indication: the sender lost an undefined amount of coded video for the
/// media source (RFC 4585 §6.3.1). It has no FCI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pli {
    /// The SSRC of the packet sender.
    pub sender_ssrc: u32,
    /// The SSRC of the media source the loss concerns.
    pub media_ssrc: u32,
}

/// The length of a PLI packet.
pub const PLI_LEN: usize = 12;

impl Pli {
    /// Parses a PLI from a checked raw packet (type 206, FMT 1). FCI octets, which the RFC
    /// does not define for PLI, are ignored.
    ///
    /// # Errors
    /// [`RtcpError::MalformedFeedback`] when the two SSRCs are missing.
    pub fn parse(raw: &RawRtcp<'_>) -> Result<Self, RtcpError> {
        let (sender_ssrc, media_ssrc, _) = split(raw)?;
        Ok(Self {
            sender_ssrc,
            media_ssrc,
        })
    }

    /// Writes the PLI into `buf`, returning its length ([`PLI_LEN`]).
    ///
    /// # Errors
    /// [`EmitError::BufferTooSmall`] if `buf` is short.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        emit_common(
            buf,
            feedback_type::PLI,
            packet_type::PSFB,
            self.sender_ssrc,
            self.media_ssrc,
            0,
        )
    }
}

/// One FIR FCI entry: the media sender asked to send a decoder refresh point, and the
/// request's sequence number (RFC 5104 §4.3.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FirEntry {
    /// The SSRC of the media sender asked for a refresh.
    pub ssrc: u32,
    /// The command sequence number, incremented per new request (RFC 5104 §4.3.1.1).
    pub seq_nr: u8,
}

impl WireEntry for FirEntry {
    const LEN: usize = 8;

    #[inline]
    fn read(b: &[u8]) -> Self {
        // invariant: EntryList hands exactly LEN = 8 bytes; the 24 reserved bits are ignored.
        Self {
            ssrc: be32(b, 0),
            seq_nr: b[4],
        }
    }

    fn write(&self, b: &mut [u8]) {
        // invariant: EntryList hands exactly LEN = 8 bytes.
        b[0..4].copy_from_slice(&self.ssrc.to_be_bytes());
        b[4] = self.seq_nr;
        b[5..8].fill(0);
    }
}

/// A full intra request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fir<'a> {
    /// The SSRC of the packet sender.
    pub sender_ssrc: u32,
    /// The media source field, which RFC 5104 §4.3.1.2 sets to 0; kept as received.
    pub media_ssrc: u32,
    /// The requests, one per media sender (at least one).
    pub entries: EntryList<'a, FirEntry>,
}

impl<'a> Fir<'a> {
    /// Parses a FIR from a checked raw packet (type 206, FMT 4).
    ///
    /// # Errors
    /// [`RtcpError::MalformedFeedback`] when the SSRCs are missing, no entry is present, or
    /// the FCI is not a whole number of 8-octet entries.
    pub fn parse(raw: &RawRtcp<'a>) -> Result<Self, RtcpError> {
        let (sender_ssrc, media_ssrc, fci) = split(raw)?;
        let entries = EntryList::from_wire(fci).filter(|l| !l.is_empty()).ok_or(
            RtcpError::MalformedFeedback {
                packet_type: packet_type::PSFB,
                fmt: feedback_type::FIR,
            },
        )?;
        Ok(Self {
            sender_ssrc,
            media_ssrc,
            entries,
        })
    }

    /// The emitted length in bytes.
    pub fn buffer_len(&self) -> usize {
        12 + self.entries.wire_len()
    }

    /// Writes the FIR into `buf`, returning its length.
    ///
    /// # Errors
    /// [`EmitError::BufferTooSmall`] if `buf` is short; [`EmitError::FieldOutOfRange`] for
    /// an empty entry list or one too long for the length field.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        if self.entries.is_empty() {
            return Err(EmitError::FieldOutOfRange {
                field: "fir entries",
            });
        }
        let len = emit_common(
            buf,
            feedback_type::FIR,
            packet_type::PSFB,
            self.sender_ssrc,
            self.media_ssrc,
            self.entries.wire_len(),
        )?;
        self.entries.write(&mut buf[12..len]);
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pli_exact_bytes() {
        let pli = Pli {
            sender_ssrc: 0x0a0b_0c0d,
            media_ssrc: 0x0102_0304,
        };
        let mut buf = [0u8; 12];
        assert_eq!(pli.emit(&mut buf), Ok(12));
        assert_eq!(buf, [0x81, 206, 0, 2, 10, 11, 12, 13, 1, 2, 3, 4]);
        let (raw, _) = RawRtcp::split_first(&buf).unwrap();
        assert_eq!(Pli::parse(&raw), Ok(pli));
        let short = [0x81, 206, 0, 1, 10, 11, 12, 13];
        let (raw, _) = RawRtcp::split_first(&short).unwrap();
        assert!(Pli::parse(&raw).is_err());
    }

    #[test]
    fn fir_exact_bytes_and_partial_entry() {
        let entries = [FirEntry {
            ssrc: 0x1122_3344,
            seq_nr: 7,
        }];
        let fir = Fir {
            sender_ssrc: 1,
            media_ssrc: 0,
            entries: EntryList::Items(&entries),
        };
        let mut buf = [0xffu8; 20];
        assert_eq!(fir.emit(&mut buf), Ok(20));
        assert_eq!(
            buf,
            [0x84, 206, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44, 7, 0, 0, 0]
        );
        let (raw, _) = RawRtcp::split_first(&buf).unwrap();
        assert_eq!(Fir::parse(&raw), Ok(fir));
        // Half an entry: 4 FCI octets.
        let half = [
            0x84, 206, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44,
        ];
        let (raw, _) = RawRtcp::split_first(&half).unwrap();
        assert_eq!(
            Fir::parse(&raw),
            Err(RtcpError::MalformedFeedback {
                packet_type: 206,
                fmt: 4
            })
        );
    }

    proptest! {
        #[test]
        fn pli_round_trip(s in any::<u32>(), m in any::<u32>()) {
            let pli = Pli { sender_ssrc: s, media_ssrc: m };
            let mut buf = [0u8; PLI_LEN];
            pli.emit(&mut buf).unwrap();
            let (raw, _) = RawRtcp::split_first(&buf).unwrap();
            prop_assert_eq!(Pli::parse(&raw).unwrap(), pli);
        }

        #[test]
        fn fir_round_trip(s in any::<u32>(), m in any::<u32>(), e in proptest::collection::vec(any::<(u32, u8)>(), 1..32)) {
            let entries: Vec<FirEntry> = e.iter().map(|&(ssrc, seq_nr)| FirEntry { ssrc, seq_nr }).collect();
            let fir = Fir { sender_ssrc: s, media_ssrc: m, entries: EntryList::Items(&entries) };
            let mut buf = vec![0u8; fir.buffer_len()];
            let n = fir.emit(&mut buf).unwrap();
            let (raw, rest) = RawRtcp::split_first(&buf[..n]).unwrap();
            prop_assert!(rest.is_empty());
            prop_assert_eq!(Fir::parse(&raw).unwrap(), fir);
        }
    }
}
