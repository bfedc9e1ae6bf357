//! Source description, RTCP packet type 202 (RFC 3550 §6.5).
//!
//! ```text
//! |V=2|P|    SC   |  PT=SDES=202  |             length            |
//! |                          SSRC/CSRC_1                          |
//! |                           SDES items ...                      |
//! |                          SSRC/CSRC_2 ...                      |
//! ```
//! Each item is `type (8) | length (8) | text`; a chunk ends with one or more null octets up
//! to the next 32-bit boundary (§6.5).

use super::header::{emit_header, packet_type, RawRtcp, HEADER_LEN};
use super::{be32, RtcpError};
use crate::error::EmitError;

/// SDES item types (RFC 3550 §6.5, §12.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SdesItemType {
    /// Canonical end-point identifier, `user@host` (§6.5.1); required in every compound.
    Cname,
    /// User name (§6.5.2).
    Name,
    /// E-mail address (§6.5.3).
    Email,
    /// Phone number (§6.5.4).
    Phone,
    /// Geographic location (§6.5.5).
    Loc,
    /// Application or tool name (§6.5.6).
    Tool,
    /// Notice or status (§6.5.7).
    Note,
    /// Private extension (§6.5.8); the value starts with a prefix length and prefix.
    Priv,
    /// Any other non-zero type, kept as its number.
    Other(u8),
}

impl SdesItemType {
    /// Maps a non-zero wire value to the item type.
    pub fn from_u8(v: u8) -> Self {
        match v {
            1 => Self::Cname,
            2 => Self::Name,
            3 => Self::Email,
            4 => Self::Phone,
            5 => Self::Loc,
            6 => Self::Tool,
            7 => Self::Note,
            8 => Self::Priv,
            other => Self::Other(other),
        }
    }

    /// The wire value.
    pub fn to_u8(self) -> u8 {
        match self {
            Self::Cname => 1,
            Self::Name => 2,
            Self::Email => 3,
            Self::Phone => 4,
            Self::Loc => 5,
            Self::Tool => 6,
            Self::Note => 7,
            Self::Priv => 8,
            Self::Other(v) => v,
        }
    }
}

/// One SDES item: its type and text (UTF-8 by the RFC, kept as bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdesItem<'a> {
    /// The item type.
    pub kind: SdesItemType,
    /// The text, at most 255 octets.
    pub value: &'a [u8],
}

/// A chunk to emit: one source and its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdesChunk<'a> {
    /// The SSRC or CSRC described.
    pub ssrc: u32,
    /// Its items.
    pub items: &'a [SdesItem<'a>],
}

impl SdesChunk<'_> {
    fn wire_len(&self) -> usize {
        let items: usize = self.items.iter().map(|i| 2 + i.value.len()).sum();
        // SSRC, items, at least one null octet, padded to 32 bits.
        (4 + items + 1).div_ceil(4) * 4
    }
}

/// An SDES packet to emit, from borrowed chunks (at most 31).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdesRepr<'a> {
    /// The chunks.
    pub chunks: &'a [SdesChunk<'a>],
}

impl SdesRepr<'_> {
    /// The emitted length in bytes.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.chunks.iter().map(SdesChunk::wire_len).sum::<usize>()
    }

    /// Writes the SDES packet into `buf`, returning its length.
    ///
    /// # Errors
    /// [`EmitError::BufferTooSmall`] if `buf` is short; [`EmitError::FieldOutOfRange`] for more
    /// than 31 chunks, an item value over 255 octets, or an item of type 0.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        for chunk in self.chunks {
            for item in chunk.items {
                if item.value.len() > 255 {
                    return Err(EmitError::FieldOutOfRange { field: "sdes item" });
                }
                if item.kind.to_u8() == 0 {
                    return Err(EmitError::FieldOutOfRange {
                        field: "sdes item type",
                    });
                }
            }
        }
        let len = self.buffer_len();
        emit_header(buf, self.chunks.len(), packet_type::SDES, len)?;
        let mut at = HEADER_LEN;
        for chunk in self.chunks {
            let end = at + chunk.wire_len();
            buf[at..at + 4].copy_from_slice(&chunk.ssrc.to_be_bytes());
            at += 4;
            for item in chunk.items {
                buf[at] = item.kind.to_u8();
                // Checked above: the value is at most 255 octets.
                buf[at + 1] = item.value.len() as u8;
                buf[at + 2..at + 2 + item.value.len()].copy_from_slice(item.value);
                at += 2 + item.value.len();
            }
            buf[at..end].fill(0);
            at = end;
        }
        Ok(len)
    }
}

/// A received SDES packet, checked so that every chunk and item lies within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sdes<'a> {
    count: u8,
    body: &'a [u8],
}

impl<'a> Sdes<'a> {
    /// Checks an SDES packet: `count` chunks, each item in bounds and each chunk terminated.
    ///
    /// # Errors
    /// [`RtcpError::MalformedSdes`] when an item overruns or a terminator is missing;
    /// [`RtcpError::CountTooLarge`] when fewer chunks than announced fit.
    pub fn parse(raw: &RawRtcp<'a>) -> Result<Self, RtcpError> {
        let body = raw.body;
        let mut at = 0;
        for _ in 0..raw.count {
            if body.len() < at + 4 {
                return Err(RtcpError::CountTooLarge {
                    packet_type: packet_type::SDES,
                    count: raw.count,
                });
            }
            at = chunk_end(body, at + 4).ok_or(RtcpError::MalformedSdes)?;
        }
        Ok(Self {
            count: raw.count,
            body,
        })
    }

    /// The number of chunks.
    pub fn len(&self) -> usize {
        usize::from(self.count)
    }

    /// Whether the packet holds no chunk.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The chunks in wire order.
    pub fn chunks(&self) -> impl Iterator<Item = SdesChunkView<'a>> + 'a {
        let body = self.body;
        let mut at = 0;
        (0..self.count).map_while(move |_| {
            let items_start = at + 4;
            let end = chunk_end(body, items_start)?;
            let view = SdesChunkView {
                ssrc: be32(body, at),
                items: SdesItems {
                    rest: body.get(items_start..end)?,
                },
            };
            at = end;
            Some(view)
        })
    }

    /// The CNAME of the first chunk that carries one (RFC 3550 §6.5.1).
    pub fn cname(&self) -> Option<(u32, &'a [u8])> {
        self.chunks().find_map(|c| {
            c.items
                .clone()
                .find(|i| i.kind == SdesItemType::Cname)
                .map(|i| (c.ssrc, i.value))
        })
    }
}

/// Walks the items starting at `at` and returns where the chunk (with padding) ends.
///
/// Each step advances at least one octet, so the walk ends within `body.len()` steps.
fn chunk_end(body: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let kind = *body.get(at)?;
        if kind == 0 {
            // Null item: the chunk ends at the next 32-bit boundary after it.
            let end = (at + 1).div_ceil(4) * 4;
            return if end <= body.len() { Some(end) } else { None };
        }
        let len = usize::from(*body.get(at + 1)?);
        at += 2 + len;
        if at > body.len() {
            return None;
        }
    }
}

/// One received chunk: a source and its items.
#[derive(Debug, Clone)]
pub struct SdesChunkView<'a> {
    /// The SSRC or CSRC described.
    pub ssrc: u32,
    /// Its items.
    pub items: SdesItems<'a>,
}

/// Iterator over the items of one received chunk.
#[derive(Debug, Clone)]
pub struct SdesItems<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for SdesItems<'a> {
    type Item = SdesItem<'a>;

    fn next(&mut self) -> Option<SdesItem<'a>> {
        let (&kind, tail) = self.rest.split_first()?;
        if kind == 0 {
            self.rest = &[];
            return None;
        }
        let (&len, tail) = tail.split_first()?;
        let value = tail.get(..usize::from(len))?;
        self.rest = &tail[value.len()..];
        Some(SdesItem {
            kind: SdesItemType::from_u8(kind),
            value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cname_exact_bytes() {
        let items = [SdesItem {
            kind: SdesItemType::Cname,
            value: b"ab@c",
        }];
        let chunks = [SdesChunk {
            ssrc: 0x0102_0304,
            items: &items,
        }];
        let repr = SdesRepr { chunks: &chunks };
        let mut buf = [0xeeu8; 16];
        assert_eq!(repr.emit(&mut buf), Ok(16));
        assert_eq!(
            buf,
            [0x81, 202, 0, 3, 1, 2, 3, 4, 1, 4, b'a', b'b', b'@', b'c', 0, 0]
        );
        let (raw, _) = RawRtcp::split_first(&buf).unwrap();
        let sdes = Sdes::parse(&raw).unwrap();
        assert_eq!(sdes.cname(), Some((0x0102_0304, &b"ab@c"[..])));
    }

    #[test]
    fn item_overrun_and_missing_terminator() {
        // Item claims 9 octets, only 2 follow.
        let buf = [0x81, 202, 0, 2, 0, 0, 0, 1, 1, 9, b'x', b'y'];
        let (raw, _) = RawRtcp::split_first(&buf).unwrap();
        assert_eq!(Sdes::parse(&raw), Err(RtcpError::MalformedSdes));
        // Item fits exactly but no null octet follows.
        let buf = [0x81, 202, 0, 2, 0, 0, 0, 1, 1, 2, b'x', b'y'];
        let (raw, _) = RawRtcp::split_first(&buf).unwrap();
        assert_eq!(Sdes::parse(&raw), Err(RtcpError::MalformedSdes));
        // Two chunks announced, one present.
        let buf = [0x82, 202, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0];
        let (raw, _) = RawRtcp::split_first(&buf).unwrap();
        assert!(matches!(
            Sdes::parse(&raw),
            Err(RtcpError::CountTooLarge { .. })
        ));
    }

    #[test]
    fn all_item_types_parse() {
        #[rustfmt::skip]
        let buf = [
            0x81, 202, 0, 8,  0, 0, 0, 5,
            1, 1, b'c',  2, 1, b'n',  3, 1, b'e',  4, 1, b'p',  5, 1, b'l',  6, 1, b't',
            7, 1, b'o',  8, 3, 1, b'x', b'y',  0, 0,
        ];
        let (raw, _) = RawRtcp::split_first(&buf).unwrap();
        let sdes = Sdes::parse(&raw).unwrap();
        let chunk = sdes.chunks().next().unwrap();
        let kinds: Vec<u8> = chunk.items.map(|i| i.kind.to_u8()).collect();
        assert_eq!(kinds, vec![1, 2, 3, 4, 5, 6, 7, 8]);
    }

    fn arb_items() -> impl Strategy<Value = Vec<(u8, Vec<u8>)>> {
        proptest::collection::vec(
            (1u8..=255, proptest::collection::vec(any::<u8>(), 0..=255)),
            0..4,
        )
    }

    proptest! {
        #[test]
        fn round_trip(chunks in proptest::collection::vec((any::<u32>(), arb_items()), 0..=31)) {
            let items: Vec<Vec<SdesItem<'_>>> = chunks
                .iter()
                .map(|(_, items)| {
                    items
                        .iter()
                        .map(|(k, v)| SdesItem { kind: SdesItemType::from_u8(*k), value: v })
                        .collect()
                })
                .collect();
            let reprs: Vec<SdesChunk<'_>> = chunks
                .iter()
                .zip(&items)
                .map(|((ssrc, _), items)| SdesChunk { ssrc: *ssrc, items })
                .collect();
            let repr = SdesRepr { chunks: &reprs };
            let mut buf = vec![0u8; repr.buffer_len()];
            let n = repr.emit(&mut buf).unwrap();
            let (raw, _) = RawRtcp::split_first(&buf[..n]).unwrap();
            let sdes = Sdes::parse(&raw).unwrap();
            prop_assert_eq!(sdes.len(), reprs.len());
            for (view, want) in sdes.chunks().zip(&reprs) {
                prop_assert_eq!(view.ssrc, want.ssrc);
                prop_assert_eq!(view.items.collect::<Vec<_>>(), want.items.to_vec());
            }
        }

        #[test]
        fn never_panics(count in 0u8..32, body in proptest::collection::vec(any::<u8>(), 0..64)) {
            let raw = RawRtcp { count, packet_type: 202, packet: &body, body: &body };
            if let Ok(sdes) = Sdes::parse(&raw) {
                prop_assert_eq!(sdes.chunks().count(), usize::from(count));
                for c in sdes.chunks() { let _ = c.items.count(); }
            }
        }
    }
}
