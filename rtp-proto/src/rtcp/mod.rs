//! RTCP control packets (RFC 3550 §6) and compound packets (§6.1, RFC 5506).
//!
//! Read a datagram with [`CompoundIter`], which checks every length before yielding a packet
//! and passes unknown packet types through as [`RtcpPacket::Other`] instead of failing. Each
//! known packet type has a plain representation that parses and emits into a caller buffer:
//! [`SenderReport`], [`ReceiverReport`] (with [`ReportBlock`]s), [`Sdes`]/[`SdesRepr`] and
//! [`Bye`], [`App`] (§6.7), the RFC 4585 feedback messages [`Nack`] (§6.2.1) and [`Pli`]
//! (§6.3.1), [`Fir`] (RFC 5104 §4.3.1) and extended reports [`Xr`] (RFC 3611).
//! [`build_compound`] writes the report + SDES CNAME (+ BYE) that §6.1 requires.
//!
//! Parsed packets are views: lists inside a body (report blocks, BYE sources, SDES chunks,
//! NACK entries, FIR entries, DLRR sub-blocks, XR blocks) stay slices of the datagram when
//! received, read as they are iterated, and are plain value slices when built: [`EntryList`]
//! and [`XrBlocks`] hold either, and compare equal by content. A parse copies a few fixed
//! fields and nothing else.

mod app;
mod bye;
mod compound;
mod entries;
mod error;
mod feedback;
mod header;
mod nack;
mod psfb;
mod report_block;
mod rr;
mod sdes;
mod sr;
mod xr;

pub use app::{App, MAX_APP_SUBTYPE};
pub use bye::Bye;
pub use compound::{build_compound, CompoundIter, Report, RtcpPacket};
pub use entries::{EntryIter, EntryList, WireEntry};
pub use error::RtcpError;
pub use feedback::feedback_type;
pub use header::{packet_type, RawRtcp, HEADER_LEN, MAX_COUNT};
pub use nack::{Nack, NackPacker, NackPair};
pub use psfb::{Fir, FirEntry, Pli, PLI_LEN};
pub use report_block::{ReportBlock, REPORT_BLOCK_LEN};
pub use rr::ReceiverReport;
pub use sdes::{Sdes, SdesChunk, SdesChunkView, SdesItem, SdesItemType, SdesItems, SdesRepr};
pub use sr::SenderReport;
pub use xr::{xr_block_type, DlrrItem, VoipMetrics, Xr, XrBlock, XrBlockIter, XrBlocks};

/// Up to 31 report blocks fit one SR or RR (the 5-bit count, RFC 3550 §6.4.1): a place to
/// collect blocks before sending them as `EntryList::Items(&blocks)`.
pub type ReportBlocks = heapless::Vec<ReportBlock, MAX_COUNT>;

/// The big-endian word at `b[at..at + 4]`; callers check the length first.
#[inline]
pub(crate) fn be32(b: &[u8], at: usize) -> u32 {
    let mut w = [0; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u32::from_be_bytes(w)
}
