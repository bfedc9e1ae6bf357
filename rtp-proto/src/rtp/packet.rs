//! The RTP fixed header, CSRC list and header extension (RFC 3550 §5.1, §5.3.1).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |V=2|P|X|  CC   |M|     PT      |       sequence number         |
//! |                           timestamp                           |
//! |           synchronization source (SSRC) identifier            |
//! |            contributing source (CSRC) identifiers             |  (CC x 32 bits)
//! |      defined by profile       |            length             |  (if X)
//! |                        header extension                       |  (length x 32 bits)
//! ```

use super::RtpError;
use crate::error::{ensure_len, EmitError};

/// The only RTP version this crate speaks (RFC 3550 §5.1 "version (V)").
pub const VERSION: u8 = 2;
/// Length of the fixed header before any CSRC (RFC 3550 §5.1).
pub const MIN_HEADER_LEN: usize = 12;
/// The CSRC count is 4 bits, so at most 15 contributing sources (RFC 3550 §5.1 "CC").
pub const MAX_CSRCS: usize = 15;

mod field {
    //! Byte offsets of the fixed header fields (RFC 3550 §5.1).
    pub const VPXCC: usize = 0;
    pub const MPT: usize = 1;
    pub const SEQ: core::ops::Range<usize> = 2..4;
    pub const TIMESTAMP: core::ops::Range<usize> = 4..8;
    pub const SSRC: core::ops::Range<usize> = 8..12;
    pub const CSRC_START: usize = 12;
}

const PADDING_BIT: u8 = 0x20;
const EXTENSION_BIT: u8 = 0x10;
const CC_MASK: u8 = 0x0f;
const MARKER_BIT: u8 = 0x80;
const PT_MASK: u8 = 0x7f;

#[inline]
fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

#[inline]
fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// A checked view of an RTP packet over any byte container.
///
/// Construct with [`RtpPacket::new_checked`]; after that every accessor is in bounds. The
/// check finds where the payload starts and ends, and the view keeps both, so reading the
/// payload costs no second walk over CSRCs, extension and padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<T: AsRef<[u8]>> {
    buffer: T,
    /// Where the payload starts: fixed header, CSRCs and extension.
    header_len: usize,
    /// Where the payload ends: the buffer's length minus the padding.
    payload_end: usize,
}

impl<T: AsRef<[u8]>> RtpPacket<T> {
    /// Wraps `buffer` after checking version, lengths and padding (RFC 3550 §5.1).
    ///
    /// # Errors
    /// [`RtpError`] says which check failed; such a packet should be counted and dropped.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, RtpError> {
        let (header_len, payload_end) = Self::check(buffer.as_ref())?;
        Ok(Self {
            buffer,
            header_len,
            payload_end,
        })
    }

    /// Checks the packet and returns where its payload starts and ends.
    #[inline]
    fn check(b: &[u8]) -> Result<(usize, usize), RtpError> {
        if b.len() < MIN_HEADER_LEN {
            return Err(RtpError::Truncated {
                needed: MIN_HEADER_LEN,
                available: b.len(),
            });
        }
        let version = b[field::VPXCC] >> 6;
        if version != VERSION {
            return Err(RtpError::BadVersion(version));
        }
        let mut header_len = MIN_HEADER_LEN + 4 * usize::from(b[field::VPXCC] & CC_MASK);
        if b.len() < header_len {
            return Err(RtpError::Truncated {
                needed: header_len,
                available: b.len(),
            });
        }
        if b[field::VPXCC] & EXTENSION_BIT != 0 {
            // RFC 3550 §5.3.1: a 4-byte extension header, then `length` 32-bit words.
            if b.len() < header_len + 4 {
                return Err(RtpError::Truncated {
                    needed: header_len + 4,
                    available: b.len(),
                });
            }
            let words = usize::from(be16(b, header_len + 2));
            header_len += 4 + 4 * words;
            if b.len() < header_len {
                return Err(RtpError::Truncated {
                    needed: header_len,
                    available: b.len(),
                });
            }
        }
        let mut payload_end = b.len();
        if b[field::VPXCC] & PADDING_BIT != 0 {
            // RFC 3550 §5.1 "padding (P)": the last octet counts the padding, itself included.
            let available = b.len() - header_len;
            let pad_len = b[b.len() - 1];
            if pad_len == 0 || usize::from(pad_len) > available {
                return Err(RtpError::BadPadding { pad_len, available });
            }
            payload_end -= usize::from(pad_len);
        }
        Ok((header_len, payload_end))
    }

    /// Gives back the underlying container.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole packet as bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// The version field; always 2 for a checked packet.
    #[inline]
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VPXCC] >> 6
    }

    /// Whether the padding bit is set.
    #[inline]
    pub fn has_padding(&self) -> bool {
        self.buffer.as_ref()[field::VPXCC] & PADDING_BIT != 0
    }

    /// Whether a header extension follows the CSRC list (RFC 3550 §5.3.1).
    #[inline]
    pub fn has_extension(&self) -> bool {
        self.buffer.as_ref()[field::VPXCC] & EXTENSION_BIT != 0
    }

    /// The number of CSRC identifiers (0..=15).
    #[inline]
    pub fn csrc_count(&self) -> u8 {
        self.buffer.as_ref()[field::VPXCC] & CC_MASK
    }

    /// The marker bit (its meaning is set by the profile; RFC 3551 §4.1: start of a talkspurt).
    #[inline]
    pub fn marker(&self) -> bool {
        self.buffer.as_ref()[field::MPT] & MARKER_BIT != 0
    }

    /// The 7-bit payload type.
    #[inline]
    pub fn payload_type(&self) -> u8 {
        self.buffer.as_ref()[field::MPT] & PT_MASK
    }

    /// The 16-bit sequence number.
    #[inline]
    pub fn sequence_number(&self) -> u16 {
        be16(self.buffer.as_ref(), field::SEQ.start)
    }

    /// The 32-bit media timestamp.
    #[inline]
    pub fn timestamp(&self) -> u32 {
        be32(self.buffer.as_ref(), field::TIMESTAMP.start)
    }

    /// The synchronization source identifier.
    #[inline]
    pub fn ssrc(&self) -> u32 {
        be32(self.buffer.as_ref(), field::SSRC.start)
    }

    /// The contributing source identifiers, in wire order.
    pub fn csrcs(&self) -> impl Iterator<Item = u32> + '_ {
        let b = self.buffer.as_ref();
        let end = field::CSRC_START + 4 * usize::from(self.csrc_count());
        b[field::CSRC_START..end]
            .chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
    }

    /// The header extension (profile-defined 16 bits and its data), if the X bit is set.
    #[inline]
    pub fn extension(&self) -> Option<HeaderExtension<'_>> {
        extension_in(self.buffer.as_ref(), self.header_len)
    }

    /// Length of the header: fixed part, CSRCs and extension.
    #[inline]
    pub fn header_len(&self) -> usize {
        self.header_len
    }

    /// The number of padding octets at the end (0 when the P bit is clear).
    #[inline]
    pub fn padding_len(&self) -> u8 {
        // The check bounded the padding by the pad count octet, so it fits a u8.
        (self.buffer.as_ref().len() - self.payload_end) as u8
    }

    /// The payload, without header and padding.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        // invariant: header_len <= payload_end <= len, established by the check.
        self.buffer
            .as_ref()
            .get(self.header_len..self.payload_end)
            .unwrap_or(&[])
    }
}

/// The extension of a checked packet `b` whose header ends at `header_len`: it lies between
/// the CSRC list and the end of the header.
#[inline]
fn extension_in(b: &[u8], header_len: usize) -> Option<HeaderExtension<'_>> {
    let first = *b.first()?;
    if first & EXTENSION_BIT == 0 {
        return None;
    }
    let at = field::CSRC_START + 4 * usize::from(first & CC_MASK);
    Some(HeaderExtension {
        profile: be16(b, at),
        data: b.get(at + 4..header_len)?,
    })
}

/// An RTP header extension (RFC 3550 §5.3.1): 16 profile-defined bits and whole 32-bit words.
///
/// Read its RFC 8285 one- and two-byte elements with [`HeaderExtension::elements`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderExtension<'a> {
    /// The "defined by profile" field (0xBEDE for RFC 8285 one-byte elements).
    pub profile: u16,
    /// The extension body; its length is a multiple of 4 on the wire.
    pub data: &'a [u8],
}

/// The RTP header as plain values: parse it from a packet, or fill it in and emit a packet.
///
/// The lifetime belongs to the borrowed extension data; a header without an extension is
/// `RtpHeader<'static>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RtpHeader<'a> {
    /// The marker bit.
    pub marker: bool,
    /// The payload type, 0..=127.
    pub payload_type: u8,
    /// The sequence number.
    pub sequence_number: u16,
    /// The media timestamp.
    pub timestamp: u32,
    /// The synchronization source.
    pub ssrc: u32,
    /// Up to 15 contributing sources.
    pub csrcs: heapless::Vec<u32, MAX_CSRCS>,
    /// The header extension, if any; `data.len()` must be a multiple of 4.
    pub extension: Option<HeaderExtension<'a>>,
    /// Padding octets after the payload (0 means no padding; the count octet is included).
    pub padding: u8,
}

impl<'a> RtpHeader<'a> {
    /// Reads the header fields out of a checked packet over borrowed bytes.
    #[inline]
    pub fn parse(packet: &RtpPacket<&'a [u8]>) -> Self {
        let mut csrcs = heapless::Vec::new();
        if packet.csrc_count() > 0 {
            for c in packet.csrcs() {
                // The count is 4 bits, so at most 15 pushes into a capacity of 15: never fails.
                let _ = csrcs.push(c);
            }
        }
        let extension = extension_in(packet.buffer, packet.header_len);
        Self {
            marker: packet.marker(),
            payload_type: packet.payload_type(),
            sequence_number: packet.sequence_number(),
            timestamp: packet.timestamp(),
            ssrc: packet.ssrc(),
            csrcs,
            extension,
            padding: packet.padding_len(),
        }
    }

    /// Length of the header alone: fixed part, CSRCs and extension.
    pub fn header_len(&self) -> usize {
        MIN_HEADER_LEN + 4 * self.csrcs.len() + self.extension.map_or(0, |ext| 4 + ext.data.len())
    }

    /// Length of the whole packet carrying `payload_len` payload octets.
    pub fn packet_len(&self, payload_len: usize) -> usize {
        self.header_len() + payload_len + usize::from(self.padding)
    }

    /// Writes header, `payload` and padding into `buf`, returning the packet length.
    ///
    /// Padding octets are zero except the last, which holds the count (RFC 3550 §5.1).
    ///
    /// # Errors
    /// [`EmitError::BufferTooSmall`] if `buf` is short; [`EmitError::FieldOutOfRange`] for a
    /// payload type above 127 or extension data that is not whole 32-bit words (or over 65535
    /// words).
    pub fn emit(&self, buf: &mut [u8], payload: &[u8]) -> Result<usize, EmitError> {
        if self.payload_type > PT_MASK {
            return Err(EmitError::FieldOutOfRange {
                field: "payload_type",
            });
        }
        let ext_words = match self.extension {
            Some(ext) => {
                if ext.data.len() % 4 != 0 {
                    return Err(EmitError::FieldOutOfRange {
                        field: "extension.data",
                    });
                }
                let words =
                    u16::try_from(ext.data.len() / 4).map_err(|_| EmitError::FieldOutOfRange {
                        field: "extension.data",
                    })?;
                Some(words)
            }
            None => None,
        };
        let len = self.packet_len(payload.len());
        ensure_len(buf, len)?;
        let mut b0 = VERSION << 6;
        if self.padding != 0 {
            b0 |= PADDING_BIT;
        }
        if self.extension.is_some() {
            b0 |= EXTENSION_BIT;
        }
        // csrcs.len() <= 15 by the heapless capacity.
        b0 |= self.csrcs.len() as u8 & CC_MASK;
        buf[field::VPXCC] = b0;
        buf[field::MPT] = (u8::from(self.marker) << 7) | self.payload_type;
        buf[field::SEQ].copy_from_slice(&self.sequence_number.to_be_bytes());
        buf[field::TIMESTAMP].copy_from_slice(&self.timestamp.to_be_bytes());
        buf[field::SSRC].copy_from_slice(&self.ssrc.to_be_bytes());
        let mut at = field::CSRC_START;
        for c in &self.csrcs {
            buf[at..at + 4].copy_from_slice(&c.to_be_bytes());
            at += 4;
        }
        if let (Some(ext), Some(words)) = (self.extension, ext_words) {
            buf[at..at + 2].copy_from_slice(&ext.profile.to_be_bytes());
            buf[at + 2..at + 4].copy_from_slice(&words.to_be_bytes());
            buf[at + 4..at + 4 + ext.data.len()].copy_from_slice(ext.data);
            at += 4 + ext.data.len();
        }
        buf[at..at + payload.len()].copy_from_slice(payload);
        at += payload.len();
        if self.padding != 0 {
            let pad = usize::from(self.padding);
            buf[at..at + pad].fill(0);
            buf[at + pad - 1] = self.padding;
            at += pad;
        }
        Ok(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // A G.711 packet: V=2, M=1, PT=0, seq=0x1234, ts=0xdeadbeef, ssrc=0x01020304, 4 payload.
    const SIMPLE: [u8; 16] = [
        0x80, 0x80, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04, 0xff, 0xfe, 0x7f,
        0x00,
    ];

    #[test]
    fn parses_fixed_header() {
        let p = RtpPacket::new_checked(&SIMPLE[..]).unwrap();
        assert_eq!(p.version(), 2);
        assert!(p.marker());
        assert_eq!(p.payload_type(), 0);
        assert_eq!(p.sequence_number(), 0x1234);
        assert_eq!(p.timestamp(), 0xdead_beef);
        assert_eq!(p.ssrc(), 0x0102_0304);
        assert_eq!(p.csrcs().count(), 0);
        assert_eq!(p.extension(), None);
        assert_eq!(p.payload(), &[0xff, 0xfe, 0x7f, 0x00]);
        assert_eq!(p.header_len(), 12);
    }

    #[test]
    fn rejects_short_and_wrong_version() {
        assert_eq!(
            RtpPacket::new_checked(&SIMPLE[..11]),
            Err(RtpError::Truncated {
                needed: 12,
                available: 11
            })
        );
        let mut b = SIMPLE;
        b[0] = 0x40;
        assert_eq!(RtpPacket::new_checked(&b[..]), Err(RtpError::BadVersion(1)));
    }

    #[test]
    fn csrc_count_beyond_bytes_is_truncated() {
        let mut b = SIMPLE;
        b[0] = 0x82; // two CSRCs = 8 bytes, only 4 present after the header
        assert_eq!(
            RtpPacket::new_checked(&b[..]),
            Err(RtpError::Truncated {
                needed: 20,
                available: 16
            })
        );
        b[0] = 0x81;
        let p = RtpPacket::new_checked(&b[..]).unwrap();
        assert_eq!(p.csrcs().collect::<Vec<_>>(), vec![0xfffe_7f00]);
        assert!(p.payload().is_empty());
    }

    #[test]
    fn extension_length_is_checked() {
        // X=1, extension profile 0xBEDE, length 1 word, then 4 bytes of data, 1 payload byte.
        let b = [
            0x90, 0x08, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xbe, 0xde, 0x00, 0x01, 0x10, 0xaa, 0, 0,
            0x55,
        ];
        let p = RtpPacket::new_checked(&b[..]).unwrap();
        let ext = p.extension().unwrap();
        assert_eq!(ext.profile, 0xbede);
        assert_eq!(ext.data, &[0x10, 0xaa, 0, 0]);
        assert_eq!(p.payload(), &[0x55]);
        assert_eq!(p.header_len(), 20);
        // Claiming two words with only one present.
        let mut bad = b;
        bad[15] = 2;
        assert_eq!(
            RtpPacket::new_checked(&bad[..]),
            Err(RtpError::Truncated {
                needed: 24,
                available: 21
            })
        );
        // X set but not even the 4-byte extension header.
        assert_eq!(
            RtpPacket::new_checked(&b[..14]),
            Err(RtpError::Truncated {
                needed: 16,
                available: 14
            })
        );
    }

    #[test]
    fn padding_is_checked_and_stripped() {
        let mut b = SIMPLE;
        b[0] |= PADDING_BIT;
        b[15] = 2; // last two octets are padding
        let p = RtpPacket::new_checked(&b[..]).unwrap();
        assert_eq!(p.padding_len(), 2);
        assert_eq!(p.payload(), &[0xff, 0xfe]);
        b[15] = 4; // the whole payload area is padding: allowed
        assert!(RtpPacket::new_checked(&b[..]).unwrap().payload().is_empty());
        b[15] = 5;
        assert_eq!(
            RtpPacket::new_checked(&b[..]),
            Err(RtpError::BadPadding {
                pad_len: 5,
                available: 4
            })
        );
        b[15] = 0;
        assert_eq!(
            RtpPacket::new_checked(&b[..]),
            Err(RtpError::BadPadding {
                pad_len: 0,
                available: 4
            })
        );
        // Padding bit on a bare header: the pad count would be a header octet.
        let mut h = [0u8; 12];
        h[0] = 0xa0;
        h[11] = 1;
        assert!(matches!(
            RtpPacket::new_checked(&h[..]),
            Err(RtpError::BadPadding { available: 0, .. })
        ));
    }

    #[test]
    fn emit_writes_exact_bytes() {
        let h = RtpHeader {
            marker: true,
            payload_type: 0,
            sequence_number: 0x1234,
            timestamp: 0xdead_beef,
            ssrc: 0x0102_0304,
            ..RtpHeader::default()
        };
        let mut buf = [0u8; 64];
        let n = h.emit(&mut buf, &[0xff, 0xfe, 0x7f, 0x00]).unwrap();
        assert_eq!(&buf[..n], &SIMPLE[..]);
        assert_eq!(
            h.emit(&mut buf[..15], &[0xff, 0xfe, 0x7f, 0x00]),
            Err(EmitError::BufferTooSmall {
                needed: 16,
                available: 15
            })
        );
        let bad = RtpHeader {
            payload_type: 128,
            ..RtpHeader::default()
        };
        assert!(matches!(
            bad.emit(&mut buf, &[]),
            Err(EmitError::FieldOutOfRange { .. })
        ));
        let odd_ext = RtpHeader {
            extension: Some(HeaderExtension {
                profile: 1,
                data: &[1, 2, 3],
            }),
            ..RtpHeader::default()
        };
        assert!(matches!(
            odd_ext.emit(&mut buf, &[]),
            Err(EmitError::FieldOutOfRange { .. })
        ));
    }

    type Case = (RtpHeader<'static>, Vec<u8>, Option<(u16, Vec<u8>)>);

    fn arb_case() -> impl Strategy<Value = Case> {
        (
            (
                any::<bool>(),
                0u8..128,
                any::<u16>(),
                any::<u32>(),
                any::<u32>(),
            ),
            proptest::collection::vec(any::<u32>(), 0..=15),
            any::<u8>(),
            proptest::collection::vec(any::<u8>(), 0..64),
            proptest::option::of((any::<u16>(), proptest::collection::vec(any::<u8>(), 0..8))),
        )
            .prop_map(
                |((marker, payload_type, seq, ts, ssrc), csrcs, padding, payload, ext)| {
                    let header = RtpHeader {
                        marker,
                        payload_type,
                        sequence_number: seq,
                        timestamp: ts,
                        ssrc,
                        csrcs: csrcs.into_iter().collect(),
                        extension: None,
                        padding,
                    };
                    let ext = ext.map(|(p, words)| {
                        let data = words.iter().flat_map(|w| [*w, !*w, 0, 1]).collect();
                        (p, data)
                    });
                    (header, payload, ext)
                },
            )
    }

    proptest! {
        #[test]
        fn round_trip((mut header, payload, ext) in arb_case()) {
            if let Some((profile, data)) = &ext {
                header.extension = Some(HeaderExtension { profile: *profile, data });
            }
            let mut buf = vec![0u8; header.packet_len(payload.len())];
            let n = header.emit(&mut buf, &payload).unwrap();
            prop_assert_eq!(n, buf.len());
            let packet = RtpPacket::new_checked(&buf[..]).unwrap();
            prop_assert_eq!(packet.payload(), &payload[..]);
            prop_assert_eq!(RtpHeader::parse(&packet), header);
        }

        #[test]
        fn never_panics_on_garbage(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            if let Ok(p) = RtpPacket::new_checked(&bytes[..]) {
                let _ = RtpHeader::parse(&p);
                prop_assert!(p.header_len() + p.payload().len() <= bytes.len());
            }
        }
    }
}
