//! RTCP control packets (RFC 3550 §6) and compound packets (§6.1, RFC 5506).
//!
//! Read a datagram with [`CompoundIter`], which checks every length before yielding a packet
//! and passes unknown packet types through as [`RtcpPacket::Other`] instead of failing. Each
//! known packet type has a plain representation that parses and emits into a caller buffer:
//! [`SenderReport`], [`ReceiverReport`] (with [`ReportBlock`]s), [`Sdes`]/[`SdesRepr`] and
//! [`Bye`]. [`build_compound`] writes the report + SDES CNAME (+ BYE) that §6.1 requires.

mod bye;
mod compound;
mod error;
mod header;
mod report_block;
mod rr;
mod sdes;
mod sr;

pub use bye::Bye;
pub use compound::{build_compound, CompoundIter, Report, RtcpPacket};
pub use error::RtcpError;
pub use header::{packet_type, RawRtcp, HEADER_LEN, MAX_COUNT};
pub use report_block::{ReportBlock, REPORT_BLOCK_LEN};
pub use rr::ReceiverReport;
pub use sdes::{Sdes, SdesChunk, SdesChunkView, SdesItem, SdesItemType, SdesItems, SdesRepr};
pub use sr::SenderReport;

/// Up to 31 report blocks fit one SR or RR (the 5-bit count, RFC 3550 §6.4.1).
pub type ReportBlocks = heapless::Vec<ReportBlock, MAX_COUNT>;

pub(crate) fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
