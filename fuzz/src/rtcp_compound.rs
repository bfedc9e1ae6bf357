//! `rtcp_compound`: arbitrary bytes through [`CompoundIter`] (RFC 3550 §6.1).
//!
//! Invariants:
//! - iteration terminates within `len / 4 + 1` items (every step consumes at least one
//!   32-bit word), and stops after the first framing error;
//! - every SR, RR, BYE and SDES that parses re-emits at its `buffer_len()` and parses back
//!   equal (SDES: the same chunks with the same items);
//! - `build_compound` over the first report, SDES CNAME and BYE found writes a compound that
//!   iterates back to exactly those packets.

use rtp_proto::rtcp::{
    build_compound, Bye, CompoundIter, RawRtcp, ReceiverReport, Report, RtcpPacket, Sdes,
    SdesChunk, SdesItem, SdesItemType, SdesRepr, SenderReport,
};

/// Runs the target on one input.
pub fn check(data: &[u8]) {
    let mut items = 0usize;
    let mut report: Option<RtcpPacket<'_>> = None;
    let mut cname: Option<&[u8]> = None;
    let mut bye: Option<Bye<'_>> = None;
    // The framing model: `rest` walks the datagram with `RawRtcp::split_first`, which is what
    // every item must agree with.
    let mut rest: Option<&[u8]> = Some(data);
    for packet in CompoundIter::new(data) {
        items += 1;
        assert!(
            items <= data.len() / 4 + 1,
            "CompoundIter yielded {items} items from {} bytes",
            data.len()
        );
        let Some(here) = rest.filter(|r| !r.is_empty()) else {
            panic!("CompoundIter went on after the end or a framing error");
        };
        match RawRtcp::split_first(here) {
            Ok((raw, after)) => {
                rest = Some(after);
                assert_eq!(
                    packet,
                    RtcpPacket::parse(raw),
                    "item differs from its frame"
                );
            }
            Err(e) => {
                rest = None;
                assert_eq!(packet, Err(e), "a framing error was not reported as such");
            }
        }
        let Ok(packet) = packet else {
            continue;
        };
        match &packet {
            RtcpPacket::SenderReport(sr) => {
                round_trip_sr(sr);
                report.get_or_insert(packet);
            }
            RtcpPacket::ReceiverReport(rr) => {
                round_trip_rr(rr);
                report.get_or_insert(packet);
            }
            RtcpPacket::Bye(b) => {
                round_trip_bye(b);
                if bye.is_none() && b.reason.is_none_or(|r| r.len() <= 255) {
                    bye = Some(*b);
                }
            }
            RtcpPacket::Sdes(s) => {
                round_trip_sdes(s);
                if cname.is_none() {
                    cname = s.cname().map(|(_, v)| v);
                }
            }
            RtcpPacket::Other(raw) => {
                assert_eq!(raw.packet.len() % 4, 0, "a framed packet is whole words");
                assert!(raw.body.len() + 4 <= raw.packet.len());
            }
            // APP, NACK, PLI, FIR and XR: parsing them without a panic is the check here;
            // their emit/parse round trips are rtp-proto's proptests.
            _ => {}
        }
    }
    assert!(
        rest.is_none_or(<[u8]>::is_empty),
        "CompoundIter stopped before the end of a well-framed datagram"
    );
    if let (Some(report), Some(cname)) = (report, cname) {
        check_build_compound(&report, cname, bye.as_ref());
    }
}

fn emit_with<F>(len: usize, emit: F) -> Vec<u8>
where
    F: FnOnce(&mut [u8]) -> Result<usize, rtp_proto::EmitError>,
{
    let mut buf = vec![0u8; len];
    let n = emit(&mut buf).expect("a parsed packet re-emits into its buffer_len");
    assert_eq!(n, len, "emit wrote a length other than buffer_len");
    buf
}

fn reparse(buf: &[u8]) -> RtcpPacket<'_> {
    let (raw, rest) = RawRtcp::split_first(buf).expect("an emitted packet frames");
    assert!(rest.is_empty(), "an emitted packet has trailing bytes");
    RtcpPacket::parse(raw).expect("an emitted packet parses")
}

fn round_trip_sr(sr: &SenderReport<'_>) {
    let buf = emit_with(sr.buffer_len(), |b| sr.emit(b));
    assert_eq!(reparse(&buf), RtcpPacket::SenderReport(*sr));
}

fn round_trip_rr(rr: &ReceiverReport<'_>) {
    let buf = emit_with(rr.buffer_len(), |b| rr.emit(b));
    assert_eq!(reparse(&buf), RtcpPacket::ReceiverReport(*rr));
}

fn round_trip_bye(bye: &Bye<'_>) {
    let buf = emit_with(bye.buffer_len(), |b| bye.emit(b));
    assert_eq!(reparse(&buf), RtcpPacket::Bye(*bye));
}

/// The chunks of a received SDES as owned lists.
fn chunks_of<'a>(s: &Sdes<'a>) -> Vec<(u32, Vec<SdesItem<'a>>)> {
    s.chunks().map(|c| (c.ssrc, c.items.collect())).collect()
}

fn round_trip_sdes(s: &Sdes<'_>) {
    let chunks = chunks_of(s);
    assert_eq!(chunks.len(), s.len(), "a checked SDES yields every chunk");
    for (_, items) in &chunks {
        for i in items {
            assert_eq!(SdesItemType::from_u8(i.kind.to_u8()), i.kind);
        }
    }
    let views: Vec<SdesChunk<'_>> = chunks
        .iter()
        .map(|(ssrc, items)| SdesChunk { ssrc: *ssrc, items })
        .collect();
    let repr = SdesRepr { chunks: &views };
    let buf = emit_with(repr.buffer_len(), |b| repr.emit(b));
    match reparse(&buf) {
        RtcpPacket::Sdes(again) => {
            assert_eq!(chunks_of(&again), chunks, "SDES chunks changed");
            assert_eq!(again.cname(), s.cname());
        }
        other => panic!("an emitted SDES parsed as {other:?}"),
    }
}

fn check_build_compound(report: &RtcpPacket<'_>, cname: &[u8], bye: Option<&Bye<'_>>) {
    let report = match report {
        RtcpPacket::SenderReport(sr) => Report::Sender(sr),
        RtcpPacket::ReceiverReport(rr) => Report::Receiver(rr),
        _ => return,
    };
    let mut buf = vec![0u8; 4096];
    let n = build_compound(&mut buf, report, cname, bye).expect("a compound of parsed parts fits");
    let packets: Vec<_> = CompoundIter::new(&buf[..n])
        .collect::<Result<_, _>>()
        .expect("a built compound parses");
    assert_eq!(packets.len(), 2 + usize::from(bye.is_some()));
    match (&packets[0], report) {
        (RtcpPacket::SenderReport(a), Report::Sender(b)) => assert_eq!(a, b),
        (RtcpPacket::ReceiverReport(a), Report::Receiver(b)) => assert_eq!(a, b),
        (other, _) => panic!("the compound starts with {other:?}"),
    }
    match &packets[1] {
        RtcpPacket::Sdes(s) => assert_eq!(s.cname().map(|(_, v)| v), Some(cname)),
        other => panic!("the compound's second packet is {other:?}"),
    }
    if let Some(b) = bye {
        assert_eq!(packets.get(2), Some(&RtcpPacket::Bye(*b)));
    }
}
