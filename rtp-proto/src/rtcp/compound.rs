//! Compound RTCP packets (RFC 3550 §6.1) and reduced-size RTCP (RFC 5506).
//!
//! A datagram holds one or more RTCP packets back to back, each framed by its own length.
//! [`CompoundIter`] checks each length against the bytes present before yielding anything;
//! [`build_compound`] writes the report, SDES CNAME and optional BYE that §6.1 requires.

use super::feedback::feedback_type;
use super::header::{packet_type, RawRtcp};
use super::sdes::{SdesChunk, SdesItem, SdesItemType, SdesRepr};
use super::{App, Bye, Fir, Nack, Pli, ReceiverReport, RtcpError, Sdes, SenderReport, Xr};
use crate::error::EmitError;

/// One packet out of a compound.
///
/// New packet types may be added, so match with a wildcard arm.
/// Every variant is a view: lists inside a packet (report blocks, BYE sources, SDES chunks,
/// feedback entries, XR blocks) stay in the datagram and are read as they are iterated, so a
/// parse copies no more than a few fixed fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RtcpPacket<'a> {
    /// A sender report.
    SenderReport(SenderReport<'a>),
    /// A receiver report.
    ReceiverReport(ReceiverReport<'a>),
    /// A source description.
    Sdes(Sdes<'a>),
    /// A goodbye.
    Bye(Bye<'a>),
    /// An application-defined packet (RFC 3550 §6.7).
    App(App<'a>),
    /// A generic NACK, RTPFB FMT 1 (RFC 4585 §6.2.1).
    Nack(Nack<'a>),
    /// A picture loss indication, PSFB FMT 1 (RFC 4585 §6.3.1).
    Pli(Pli),
    /// A full intra request, PSFB FMT 4 (RFC 5104 §4.3.1).
    Fir(Fir<'a>),
    /// An extended report (RFC 3611).
    Xr(Xr<'a>),
    /// Any other packet type or feedback format: framed and passed through, never an error,
    /// so one unknown packet does not hide the rest of the compound.
    Other(RawRtcp<'a>),
}

impl<'a> RtcpPacket<'a> {
    /// Parses a raw packet by its type.
    ///
    /// # Errors
    /// The known types' own [`RtcpError`]s; unknown types never fail.
    #[inline]
    pub fn parse(raw: RawRtcp<'a>) -> Result<Self, RtcpError> {
        Ok(match raw.packet_type {
            packet_type::SR => Self::SenderReport(SenderReport::parse(&raw)?),
            packet_type::RR => Self::ReceiverReport(ReceiverReport::parse(&raw)?),
            packet_type::SDES => Self::Sdes(Sdes::parse(&raw)?),
            packet_type::BYE => Self::Bye(Bye::parse(&raw)?),
            packet_type::APP => Self::App(App::parse(&raw)?),
            packet_type::RTPFB if raw.count == feedback_type::NACK => {
                Self::Nack(Nack::parse(&raw)?)
            }
            packet_type::PSFB if raw.count == feedback_type::PLI => Self::Pli(Pli::parse(&raw)?),
            packet_type::PSFB if raw.count == feedback_type::FIR => Self::Fir(Fir::parse(&raw)?),
            packet_type::XR => Self::Xr(Xr::parse(&raw)?),
            _ => Self::Other(raw),
        })
    }
}

/// Iterates the packets of a compound RTCP datagram.
///
/// A framing error (bad version, a length past the end, bad padding) is yielded once and ends
/// the iteration, since nothing after it can be located. A known packet whose body is
/// malformed yields its error and iteration continues with the next packet, because its
/// length still frames it. Every step consumes at least 4 bytes, so iteration is bounded by
/// `buf.len() / 4`. A compound need not begin with SR or RR: reduced-size RTCP (RFC 5506 §3)
/// is accepted.
#[derive(Debug, Clone)]
pub struct CompoundIter<'a> {
    rest: &'a [u8],
}

impl<'a> CompoundIter<'a> {
    /// Starts iterating over `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Self { rest: buf }
    }
}

impl<'a> Iterator for CompoundIter<'a> {
    type Item = Result<RtcpPacket<'a>, RtcpError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match RawRtcp::split_first(self.rest) {
            Ok((raw, rest)) => {
                self.rest = rest;
                Some(RtcpPacket::parse(raw))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

/// The report that heads a compound (RFC 3550 §6.1: SR if we sent since the last report,
/// else RR, possibly empty).
#[derive(Debug, Clone, Copy)]
pub enum Report<'r> {
    /// A sender report.
    Sender(&'r SenderReport<'r>),
    /// A receiver report.
    Receiver(&'r ReceiverReport<'r>),
}

impl Report<'_> {
    fn ssrc(&self) -> u32 {
        match self {
            Self::Sender(sr) => sr.ssrc,
            Self::Receiver(rr) => rr.ssrc,
        }
    }
}

/// Writes a compound packet into `buf`: the report, an SDES with our CNAME, and a BYE last
/// if given (RFC 3550 §6.1). Returns the total length.
///
/// # Errors
/// [`EmitError::BufferTooSmall`] if `buf` is short (nothing useful is left in it);
/// [`EmitError::FieldOutOfRange`] for a CNAME or BYE reason over 255 octets.
pub fn build_compound(
    buf: &mut [u8],
    report: Report<'_>,
    cname: &[u8],
    bye: Option<&Bye<'_>>,
) -> Result<usize, EmitError> {
    let mut len = match report {
        Report::Sender(sr) => sr.emit(buf)?,
        Report::Receiver(rr) => rr.emit(buf)?,
    };
    let items = [SdesItem {
        kind: SdesItemType::Cname,
        value: cname,
    }];
    let chunks = [SdesChunk {
        ssrc: report.ssrc(),
        items: &items,
    }];
    len += SdesRepr { chunks: &chunks }.emit(tail(buf, len)?)?;
    if let Some(bye) = bye {
        len += bye.emit(tail(buf, len)?)?;
    }
    Ok(len)
}

fn tail(buf: &mut [u8], at: usize) -> Result<&mut [u8], EmitError> {
    let available = buf.len();
    buf.get_mut(at..).ok_or(EmitError::BufferTooSmall {
        needed: at,
        available,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtcp::{EntryList, ReportBlock, SdesChunk, SdesItem, SdesItemType, SdesRepr};
    use crate::stats::NtpTime;
    use proptest::prelude::*;

    fn collect(buf: &[u8]) -> Vec<Result<RtcpPacket<'_>, RtcpError>> {
        CompoundIter::new(buf).collect()
    }

    #[test]
    fn builds_and_iterates_sr_sdes_bye() {
        let reports = [ReportBlock {
            ssrc: 9,
            ..ReportBlock::default()
        }];
        let sr = SenderReport {
            ssrc: 5,
            ntp: NtpTime::from_parts(1, 2),
            reports: EntryList::Items(&reports),
            ..SenderReport::default()
        };
        let bye = Bye {
            ssrcs: EntryList::Items(&[5]),
            reason: Some(b"done"),
        };
        let mut buf = [0u8; 200];
        let n = build_compound(&mut buf, Report::Sender(&sr), b"me@host", Some(&bye)).unwrap();
        // SR 52 + SDES (4 + 4 + 2 + 7 + 1 = 18 -> 20) + BYE (4 + 4 + 8) = 88.
        assert_eq!(n, 88);
        let packets = collect(&buf[..n]);
        assert_eq!(packets.len(), 3);
        assert_eq!(packets[0], Ok(RtcpPacket::SenderReport(sr)));
        match &packets[1] {
            Ok(RtcpPacket::Sdes(s)) => assert_eq!(s.cname(), Some((5, &b"me@host"[..]))),
            other => panic!("expected SDES, got {other:?}"),
        }
        assert_eq!(packets[2], Ok(RtcpPacket::Bye(bye)));
        let small = build_compound(&mut buf[..60], Report::Sender(&sr), b"me@host", None);
        assert!(matches!(small, Err(EmitError::BufferTooSmall { .. })));
    }

    #[test]
    fn unknown_types_are_passed_over() {
        // An unknown type 250 between an empty RR and a BYE.
        let buf = [
            0x80, 201, 0, 1, 0, 0, 0, 1, // RR
            0x80, 250, 0, 1, 1, 2, 3, 4, // unknown
            0x80, 203, 0, 0, // BYE with no sources
        ];
        let packets = collect(&buf);
        assert_eq!(packets.len(), 3);
        assert!(matches!(
            packets[1],
            Ok(RtcpPacket::Other(RawRtcp {
                packet_type: 250,
                ..
            }))
        ));
        assert!(matches!(packets[2], Ok(RtcpPacket::Bye(_))));
    }

    #[test]
    fn reduced_size_without_report_is_accepted() {
        // RFC 5506: a lone PSFB (PLI) packet.
        let buf = [0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2];
        let packets = collect(&buf);
        assert_eq!(
            packets,
            vec![Ok(RtcpPacket::Pli(Pli {
                sender_ssrc: 1,
                media_ssrc: 2
            }))]
        );
        // A lone NACK followed by an unknown PSFB format (REMB-like FMT 15).
        let buf = [
            0x81, 205, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 9, 0, 0, // NACK seq 9
            0x8f, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, // PSFB FMT 15
        ];
        let packets = collect(&buf);
        assert_eq!(packets.len(), 2);
        match &packets[0] {
            Ok(RtcpPacket::Nack(n)) => assert_eq!(n.lost().collect::<Vec<_>>(), vec![9]),
            other => panic!("expected NACK, got {other:?}"),
        }
        assert!(matches!(
            packets[1],
            Ok(RtcpPacket::Other(RawRtcp {
                packet_type: 206,
                count: 15,
                ..
            }))
        ));
    }

    #[test]
    fn framing_error_stops_and_body_error_continues() {
        let buf = [
            0x81, 201, 0, 1, 0, 0, 0, 1, // RR claiming a block it lacks: body error
            0x80, 203, 0, 0, // BYE still read
            0x80, 203, 0, 9, // length past the end: framing error, stop
            0x80, 203, 0, 0,
        ];
        let packets = collect(&buf);
        assert_eq!(packets.len(), 3);
        assert!(matches!(packets[0], Err(RtcpError::CountTooLarge { .. })));
        assert!(matches!(packets[1], Ok(RtcpPacket::Bye(_))));
        assert!(matches!(packets[2], Err(RtcpError::Truncated { .. })));
        // A zero-length-field stream of headers advances 4 bytes each time.
        let zeros = [0x80, 204, 0, 0].repeat(100);
        assert_eq!(collect(&zeros).len(), 100);
        // A trailing 2 bytes are a truncated header.
        assert_eq!(
            collect(&[0x80, 204, 0, 0, 0x80, 204]).last(),
            Some(&Err(RtcpError::Truncated {
                needed: 4,
                available: 2
            }))
        );
    }

    #[test]
    fn every_typed_packet_in_one_compound() {
        use crate::rtcp::{FirEntry, NackPair, VoipMetrics, XrBlock, XrBlocks};
        let rr = ReceiverReport {
            ssrc: 1,
            reports: EntryList::default(),
        };
        let app = App {
            subtype: 2,
            ssrc: 1,
            name: *b"abcd",
            data: &[0, 1, 2, 3],
        };
        let nacks = [NackPair { pid: 7, blp: 1 }];
        let nack = Nack {
            sender_ssrc: 1,
            media_ssrc: 2,
            pairs: EntryList::Items(&nacks),
        };
        let pli = Pli {
            sender_ssrc: 1,
            media_ssrc: 2,
        };
        let firs = [FirEntry { ssrc: 2, seq_nr: 1 }];
        let fir = Fir {
            sender_ssrc: 1,
            media_ssrc: 0,
            entries: EntryList::Items(&firs),
        };
        let blocks = [XrBlock::VoipMetrics(VoipMetrics::default())];
        let xr = Xr {
            ssrc: 1,
            blocks: XrBlocks::Items(&blocks),
        };
        let mut buf = [0u8; 256];
        let mut n = rr.emit(&mut buf).unwrap();
        n += app.emit(&mut buf[n..]).unwrap();
        n += nack.emit(&mut buf[n..]).unwrap();
        n += pli.emit(&mut buf[n..]).unwrap();
        n += fir.emit(&mut buf[n..]).unwrap();
        n += xr.emit(&mut buf[n..]).unwrap();
        let got: Vec<_> = collect(&buf[..n]).into_iter().map(Result::unwrap).collect();
        assert_eq!(
            got,
            vec![
                RtcpPacket::ReceiverReport(rr),
                RtcpPacket::App(app),
                RtcpPacket::Nack(nack),
                RtcpPacket::Pli(pli),
                RtcpPacket::Fir(fir),
                RtcpPacket::Xr(xr),
            ]
        );
    }

    /// Emits one packet of kind `kind % 9` (SR, RR, SDES, BYE, APP, NACK, PLI, FIR, XR with
    /// VoIP metrics), its fields drawn from `seed`, and returns its bytes.
    fn emit_kind(kind: u8, seed: u64) -> Vec<u8> {
        use crate::rtcp::{FirEntry, NackPair, VoipMetrics, XrBlock, XrBlocks};
        use crate::SeededRng;
        let mut rng = SeededRng::new(seed);
        let mut r32 = || rng.next_u32();
        let blocks: Vec<ReportBlock> = (0..r32() % 4)
            .map(|_| ReportBlock {
                ssrc: r32(),
                fraction_lost: r32() as u8,
                cumulative_lost: (r32() as i32) >> 8,
                highest_seq: r32(),
                jitter: r32(),
                last_sr: r32(),
                delay_since_last_sr: r32(),
            })
            .collect();
        let ssrc = r32();
        let text: Vec<u8> = (0..r32() % 40).map(|i| b'a' + (i % 26) as u8).collect();
        let data: Vec<u8> = (0..4 * (r32() % 5)).map(|i| i as u8).collect();
        let pairs: Vec<NackPair> = (0..1 + r32() % 4)
            .map(|_| NackPair {
                pid: r32() as u16,
                blp: r32() as u16,
            })
            .collect();
        let firs: Vec<FirEntry> = (0..1 + r32() % 3)
            .map(|_| FirEntry {
                ssrc: r32(),
                seq_nr: r32() as u8,
            })
            .collect();
        let metrics = VoipMetrics {
            ssrc: r32(),
            loss_rate: r32() as u8,
            signal_level: -20,
            r_factor: 93,
            mos_lq: 41,
            jb_nominal: 40,
            jb_maximum: 120,
            ..VoipMetrics::default()
        };
        let xr_blocks = [XrBlock::VoipMetrics(metrics)];
        let mut buf = vec![0u8; 1500];
        let n = match kind % 9 {
            0 => SenderReport {
                ssrc,
                ntp: NtpTime(u64::from(r32()) << 32 | u64::from(r32())),
                rtp_timestamp: r32(),
                packet_count: r32(),
                octet_count: r32(),
                reports: EntryList::Items(&blocks),
            }
            .emit(&mut buf),
            1 => ReceiverReport {
                ssrc,
                reports: EntryList::Items(&blocks),
            }
            .emit(&mut buf),
            2 => {
                let items = [
                    SdesItem {
                        kind: SdesItemType::Cname,
                        value: &text,
                    },
                    SdesItem {
                        kind: SdesItemType::Tool,
                        value: b"rtp-proto",
                    },
                ];
                let chunks = [SdesChunk {
                    ssrc,
                    items: &items,
                }];
                SdesRepr { chunks: &chunks }.emit(&mut buf)
            }
            3 => Bye {
                ssrcs: EntryList::Items(&[ssrc, r32()]),
                reason: (!text.is_empty()).then_some(&text[..]),
            }
            .emit(&mut buf),
            4 => App {
                subtype: r32() as u8 % 32,
                ssrc,
                name: *b"test",
                data: &data,
            }
            .emit(&mut buf),
            5 => Nack {
                sender_ssrc: ssrc,
                media_ssrc: r32(),
                pairs: EntryList::Items(&pairs),
            }
            .emit(&mut buf),
            6 => Pli {
                sender_ssrc: ssrc,
                media_ssrc: r32(),
            }
            .emit(&mut buf),
            7 => Fir {
                sender_ssrc: ssrc,
                media_ssrc: 0,
                entries: EntryList::Items(&firs),
            }
            .emit(&mut buf),
            _ => Xr {
                ssrc,
                blocks: XrBlocks::Items(&xr_blocks),
            }
            .emit(&mut buf),
        };
        buf.truncate(n.unwrap());
        buf
    }

    /// Re-emits a parsed packet: the bytes it was parsed from, if parsing lost nothing.
    fn re_emit(packet: &RtcpPacket<'_>) -> Vec<u8> {
        let mut buf = vec![0u8; 1500];
        let n = match packet {
            RtcpPacket::SenderReport(p) => p.emit(&mut buf),
            RtcpPacket::ReceiverReport(p) => p.emit(&mut buf),
            RtcpPacket::Sdes(p) => {
                let items: Vec<Vec<SdesItem<'_>>> = p.chunks().map(|c| c.items.collect()).collect();
                let chunks: Vec<SdesChunk<'_>> = p
                    .chunks()
                    .zip(&items)
                    .map(|(c, items)| SdesChunk {
                        ssrc: c.ssrc,
                        items,
                    })
                    .collect();
                SdesRepr { chunks: &chunks }.emit(&mut buf)
            }
            RtcpPacket::Bye(p) => p.emit(&mut buf),
            RtcpPacket::App(p) => p.emit(&mut buf),
            RtcpPacket::Nack(p) => p.emit(&mut buf),
            RtcpPacket::Pli(p) => p.emit(&mut buf),
            RtcpPacket::Fir(p) => p.emit(&mut buf),
            RtcpPacket::Xr(p) => p.emit(&mut buf),
            other => panic!("unexpected {other:?}"),
        };
        buf.truncate(n.unwrap());
        buf
    }

    proptest! {
        #[test]
        fn iteration_is_bounded_and_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let n = CompoundIter::new(&bytes).count();
            prop_assert!(n <= bytes.len() / 4 + 1);
        }

        /// Every packet type, in any order and any mix, with or without a report first
        /// (reduced-size RTCP, RFC 5506): each parses back to exactly the bytes it was.
        #[test]
        fn every_packet_type_round_trips_in_any_compound(
            specs in proptest::collection::vec((any::<u8>(), any::<u64>()), 1..10),
        ) {
            let parts: Vec<Vec<u8>> = specs.iter().map(|&(k, seed)| emit_kind(k, seed)).collect();
            let datagram = parts.concat();
            let parsed: Vec<RtcpPacket<'_>> =
                CompoundIter::new(&datagram).collect::<Result<_, _>>().unwrap();
            prop_assert_eq!(parsed.len(), parts.len());
            for (packet, part) in parsed.iter().zip(&parts) {
                prop_assert_eq!(&re_emit(packet), part);
            }
        }

        #[test]
        fn compound_round_trip(
            ssrc in any::<u32>(),
            cname in proptest::collection::vec(any::<u8>(), 0..=255),
            with_bye in any::<bool>(),
        ) {
            let rr = ReceiverReport { ssrc, reports: EntryList::default() };
            let ssrcs = [ssrc];
            let bye = Bye { ssrcs: EntryList::Items(&ssrcs), reason: None };
            let mut buf = [0u8; 600];
            let n = build_compound(&mut buf, Report::Receiver(&rr), &cname, with_bye.then_some(&bye)).unwrap();
            let packets: Vec<_> = CompoundIter::new(&buf[..n]).collect::<Result<_, _>>().unwrap();
            prop_assert_eq!(packets.len(), if with_bye { 3 } else { 2 });
            prop_assert_eq!(&packets[0], &RtcpPacket::ReceiverReport(rr));
            match &packets[1] {
                RtcpPacket::Sdes(s) => prop_assert_eq!(s.cname(), Some((ssrc, &cname[..]))),
                other => prop_assert!(false, "expected SDES, got {:?}", other),
            }
        }
    }
}
