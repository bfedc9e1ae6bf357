//! RTP, RTCP and G.711: ours (rtp-proto) next to webrtc-rs `rtp`/`rtcp`, `rtp-types`,
//! `rtp-rs`, `rtcp-types` and `ezk-g711`, on the same bytes, in the same criterion groups.
//!
//! * `rtp_parse`: check a 172-byte PCMU packet and read its header fields and payload. The
//!   floor is a hand-written parse doing the same checks (version, CSRC count, extension
//!   length, padding) with nothing around it.
//! * `rtp_write`: write header and payload into a caller buffer, sequence number advancing.
//! * `rtcp_compound_parse`: iterate SR + SDES + BYE and read every field of each.
//! * `ulaw_encode` / `ulaw_decode`, `alaw_encode` / `alaw_decode`: one 20 ms frame, 160
//!   samples, into a caller buffer.
//! * `jitter_buffer`: one packet put and one frame popped, in steady state (no peer crate
//!   offers a sans-IO jitter buffer). The packets' arrival instants are built before each
//!   timed batch, so only put + pop are timed.
//! * `mixer_tick`: a conference's 20 ms tick for 3, 10 and 50 participants: decode each
//!   participant's μ-law frame, mix (each hears the others), encode each output. Throughput
//!   is per participant, so criterion's "elem/s" reads as participants per second.

use std::hint::black_box;
use std::time::{Duration, Instant};

use benches::quick_criterion;
use benches::rtp::{
    alaw_frame, pcm_frame, rtcp_compound, rtp_packet, ulaw_frame, JitterBench, MixerBench,
    FRAME_SAMPLES, SSRC,
};
use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rtp_proto::rtcp::{CompoundIter, RtcpPacket};
use rtp_proto::rtp::{RtpHeader, RtpPacket};
use webrtc_util::marshal::{Marshal, Unmarshal};

// ---- RTP parse ----------------------------------------------------------------------------

/// What the floor parse reads: marker, payload type, sequence, timestamp, SSRC, payload.
type Fields<'a> = (bool, u8, u16, u32, u32, &'a [u8]);

/// The floor: the checks RFC 3550 §5.1 asks of a receiver, written out by hand.
fn floor_parse(b: &[u8]) -> Option<Fields<'_>> {
    if b.len() < 12 || b[0] >> 6 != 2 {
        return None;
    }
    let mut header = 12 + 4 * usize::from(b[0] & 0x0f);
    if b[0] & 0x10 != 0 {
        let words = usize::from(u16::from_be_bytes([
            *b.get(header + 2)?,
            *b.get(header + 3)?,
        ]));
        header += 4 + 4 * words;
    }
    let mut end = b.len();
    if b[0] & 0x20 != 0 {
        let pad = usize::from(b[end - 1]);
        if pad == 0 || pad > end.checked_sub(header)? {
            return None;
        }
        end -= pad;
    }
    let payload = b.get(header..end)?;
    Some((
        b[1] & 0x80 != 0,
        b[1] & 0x7f,
        u16::from_be_bytes([b[2], b[3]]),
        u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
        u32::from_be_bytes([b[8], b[9], b[10], b[11]]),
        payload,
    ))
}

fn sum(marker: bool, pt: u8, seq: u16, ts: u32, ssrc: u32, payload_len: usize) -> u64 {
    u64::from(marker)
        + u64::from(pt)
        + u64::from(seq)
        + u64::from(ts)
        + u64::from(ssrc)
        + payload_len as u64
}

fn rtp_parse(c: &mut Criterion) {
    let packet = rtp_packet();
    let shared = Bytes::from(packet.clone());
    let mut g = c.benchmark_group("rtp_parse");
    g.throughput(Throughput::Elements(1));
    g.bench_function("floor_handwritten", |b| {
        b.iter(|| {
            let (m, pt, seq, ts, ssrc, p) = floor_parse(black_box(&packet)).unwrap();
            sum(m, pt, seq, ts, ssrc, p.len())
        })
    });
    g.bench_function("ours_view", |b| {
        b.iter(|| {
            let p = RtpPacket::new_checked(black_box(&packet[..])).unwrap();
            sum(
                p.marker(),
                p.payload_type(),
                p.sequence_number(),
                p.timestamp(),
                p.ssrc(),
                p.payload().len(),
            )
        })
    });
    g.bench_function("ours_header_repr", |b| {
        b.iter(|| {
            let p = RtpPacket::new_checked(black_box(&packet[..])).unwrap();
            let h = RtpHeader::parse(&p);
            sum(
                h.marker,
                h.payload_type,
                h.sequence_number,
                h.timestamp,
                h.ssrc,
                p.payload().len(),
            )
        })
    });
    g.bench_function("webrtc_rtp", |b| {
        b.iter(|| {
            let p = rtp::packet::Packet::unmarshal(&mut black_box(&shared).clone()).unwrap();
            let h = &p.header;
            sum(
                h.marker,
                h.payload_type,
                h.sequence_number,
                h.timestamp,
                h.ssrc,
                p.payload.len(),
            )
        })
    });
    g.bench_function("rtp_types", |b| {
        b.iter(|| {
            let p = rtp_types::RtpPacket::parse(black_box(&packet[..])).unwrap();
            sum(
                p.marker_bit(),
                p.payload_type(),
                p.sequence_number(),
                p.timestamp(),
                p.ssrc(),
                p.payload().len(),
            )
        })
    });
    g.bench_function("rtp_rs", |b| {
        b.iter(|| {
            let p = rtp_rs::RtpReader::new(black_box(&packet[..])).unwrap();
            sum(
                p.mark(),
                p.payload_type(),
                p.sequence_number().into(),
                p.timestamp(),
                p.ssrc(),
                p.payload().len(),
            )
        })
    });
    g.finish();
}

// ---- RTP write ----------------------------------------------------------------------------

fn rtp_write(c: &mut Criterion) {
    let payload = ulaw_frame();
    let mut buf = [0u8; 1500];
    let mut g = c.benchmark_group("rtp_write");
    g.throughput(Throughput::Elements(1));
    let mut seq = 0u16;
    g.bench_function("ours", |b| {
        b.iter(|| {
            seq = seq.wrapping_add(1);
            let header = RtpHeader {
                marker: false,
                payload_type: 0,
                sequence_number: seq,
                timestamp: u32::from(seq) * 160,
                ssrc: SSRC,
                ..RtpHeader::default()
            };
            header.emit(&mut buf, black_box(&payload)).unwrap()
        })
    });
    let mut packet = rtp::packet::Packet {
        header: rtp::header::Header {
            version: 2,
            payload_type: 0,
            ssrc: SSRC,
            ..Default::default()
        },
        payload: Bytes::copy_from_slice(&payload),
    };
    g.bench_function("webrtc_rtp", |b| {
        b.iter(|| {
            seq = seq.wrapping_add(1);
            packet.header.sequence_number = seq;
            packet.header.timestamp = u32::from(seq) * 160;
            black_box(&packet).marshal_to(&mut buf).unwrap()
        })
    });
    g.bench_function("rtp_types", |b| {
        b.iter(|| {
            seq = seq.wrapping_add(1);
            rtp_types::RtpPacketBuilder::<&[u8], &[u8]>::new()
                .payload_type(0)
                .sequence_number(seq)
                .timestamp(u32::from(seq) * 160)
                .ssrc(SSRC)
                .payload(black_box(&payload[..]))
                .write_into(&mut buf)
                .unwrap()
        })
    });
    g.bench_function("rtp_rs", |b| {
        b.iter(|| {
            seq = seq.wrapping_add(1);
            rtp_rs::RtpPacketBuilder::new()
                .payload_type(0)
                .sequence(rtp_rs::Seq::from(seq))
                .timestamp(u32::from(seq) * 160)
                .ssrc(SSRC)
                .payload(black_box(&payload[..]))
                .build_into(&mut buf)
                .unwrap()
        })
    });
    g.finish();
}

// ---- RTCP compound parse ------------------------------------------------------------------

fn ours_rtcp(buf: &[u8]) -> u64 {
    let mut acc = 0u64;
    for p in CompoundIter::new(buf) {
        match p.unwrap() {
            RtcpPacket::SenderReport(sr) => {
                acc += u64::from(sr.ssrc) + sr.ntp.0 + u64::from(sr.rtp_timestamp);
                acc += u64::from(sr.packet_count) + u64::from(sr.octet_count);
                for r in sr.reports {
                    acc +=
                        u64::from(r.ssrc) + u64::from(r.fraction_lost) + r.cumulative_lost as u64;
                    acc += u64::from(r.highest_seq) + u64::from(r.jitter);
                    acc += u64::from(r.last_sr) + u64::from(r.delay_since_last_sr);
                }
            }
            RtcpPacket::Sdes(s) => {
                for chunk in s.chunks() {
                    acc += u64::from(chunk.ssrc);
                    for item in chunk.items {
                        acc += u64::from(item.kind.to_u8()) + item.value.len() as u64;
                    }
                }
            }
            RtcpPacket::Bye(bye) => {
                acc += bye.ssrcs.iter().map(u64::from).sum::<u64>();
                acc += bye.reason.map_or(0, |r| r.len() as u64);
            }
            _ => {}
        }
    }
    acc
}

fn rtcp_types_parse(buf: &[u8]) -> u64 {
    use rtcp_types::Packet;
    let mut acc = 0u64;
    for p in rtcp_types::Compound::parse(buf).unwrap() {
        match p.unwrap() {
            Packet::Sr(sr) => {
                acc += u64::from(sr.ssrc()) + sr.ntp_timestamp() + u64::from(sr.rtp_timestamp());
                acc += u64::from(sr.packet_count()) + u64::from(sr.octet_count());
                for r in sr.report_blocks() {
                    acc += u64::from(r.ssrc()) + u64::from(r.fraction_lost());
                    acc += u64::from(r.cumulative_lost());
                    acc += u64::from(r.extended_sequence_number())
                        + u64::from(r.interarrival_jitter());
                    acc += u64::from(r.last_sender_report_timestamp())
                        + u64::from(r.delay_since_last_sender_report_timestamp());
                }
            }
            Packet::Sdes(s) => {
                for chunk in s.chunks() {
                    acc += u64::from(chunk.ssrc());
                    for item in chunk.items() {
                        acc += u64::from(item.type_()) + item.value().len() as u64;
                    }
                }
            }
            Packet::Bye(bye) => {
                acc += bye.ssrcs().map(u64::from).sum::<u64>();
                acc += bye.reason().map_or(0, |r| r.len() as u64);
            }
            _ => {}
        }
    }
    acc
}

fn webrtc_rtcp_parse(bytes: &Bytes) -> u64 {
    use rtcp::goodbye::Goodbye;
    use rtcp::sender_report::SenderReport;
    use rtcp::source_description::SourceDescription;
    let mut acc = 0u64;
    for p in rtcp::packet::unmarshal(&mut bytes.clone()).unwrap() {
        let any = p.as_any();
        if let Some(sr) = any.downcast_ref::<SenderReport>() {
            acc += u64::from(sr.ssrc) + sr.ntp_time + u64::from(sr.rtp_time);
            acc += u64::from(sr.packet_count) + u64::from(sr.octet_count);
            for r in &sr.reports {
                acc += u64::from(r.ssrc) + u64::from(r.fraction_lost) + u64::from(r.total_lost);
                acc += u64::from(r.last_sequence_number) + u64::from(r.jitter);
                acc += u64::from(r.last_sender_report) + u64::from(r.delay);
            }
        } else if let Some(s) = any.downcast_ref::<SourceDescription>() {
            for chunk in &s.chunks {
                acc += u64::from(chunk.source);
                for item in &chunk.items {
                    acc += item.sdes_type as u64 + item.text.len() as u64;
                }
            }
        } else if let Some(bye) = any.downcast_ref::<Goodbye>() {
            acc += bye.sources.iter().map(|&s| u64::from(s)).sum::<u64>();
            acc += bye.reason.len() as u64;
        }
    }
    acc
}

fn rtcp_parse(c: &mut Criterion) {
    let compound = rtcp_compound();
    let shared = Bytes::from(compound.clone());
    // All three read the same fields out of the same 88 bytes.
    let ours = ours_rtcp(&compound);
    assert_eq!(rtcp_types_parse(&compound), ours);
    let mut g = c.benchmark_group("rtcp_compound_parse");
    g.throughput(Throughput::Elements(1));
    g.bench_function("ours", |b| b.iter(|| ours_rtcp(black_box(&compound))));
    g.bench_function("rtcp_types", |b| {
        b.iter(|| rtcp_types_parse(black_box(&compound)))
    });
    g.bench_function("webrtc_rtcp", |b| {
        b.iter(|| webrtc_rtcp_parse(black_box(&shared)))
    });
    g.finish();
}

// ---- G.711 μ-law --------------------------------------------------------------------------

fn ulaw(c: &mut Criterion) {
    use ezk_g711::PCMX;
    let pcm = pcm_frame();
    let codes = ulaw_frame();
    let mut out8 = [0u8; FRAME_SAMPLES];
    let mut out16 = [0i16; FRAME_SAMPLES];

    let mut g = c.benchmark_group("ulaw_encode_160");
    g.throughput(Throughput::Elements(FRAME_SAMPLES as u64));
    g.bench_function("ours", |b| {
        b.iter(|| rtp_proto::codec::encode_ulaw(black_box(&pcm), &mut out8))
    });
    g.bench_function("ezk_g711", |b| {
        b.iter(|| {
            for (o, &s) in out8.iter_mut().zip(black_box(&pcm)) {
                *o = ezk_g711::mulaw::encode(s);
            }
        })
    });
    g.bench_function("ezk_g711_vec", |b| {
        b.iter(|| ezk_g711::PCMU::encode(black_box(&pcm)))
    });
    g.finish();

    let mut g = c.benchmark_group("ulaw_decode_160");
    g.throughput(Throughput::Elements(FRAME_SAMPLES as u64));
    g.bench_function("ours", |b| {
        b.iter(|| rtp_proto::codec::decode_ulaw(black_box(&codes), &mut out16))
    });
    g.bench_function("ezk_g711", |b| {
        b.iter(|| {
            for (o, &c) in out16.iter_mut().zip(black_box(&codes)) {
                *o = ezk_g711::mulaw::decode(c);
            }
        })
    });
    g.bench_function("ezk_g711_vec", |b| {
        b.iter(|| ezk_g711::PCMU::decode(black_box(&codes)))
    });
    g.finish();
}

// ---- G.711 A-law --------------------------------------------------------------------------

fn alaw(c: &mut Criterion) {
    let pcm = pcm_frame();
    let codes = alaw_frame();
    let mut out8 = [0u8; FRAME_SAMPLES];
    let mut out16 = [0i16; FRAME_SAMPLES];

    let mut g = c.benchmark_group("alaw_encode_160");
    g.throughput(Throughput::Elements(FRAME_SAMPLES as u64));
    g.bench_function("ours", |b| {
        b.iter(|| rtp_proto::codec::encode_alaw(black_box(&pcm), &mut out8))
    });
    g.bench_function("ezk_g711", |b| {
        b.iter(|| {
            for (o, &s) in out8.iter_mut().zip(black_box(&pcm)) {
                *o = ezk_g711::alaw::encode(s);
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group("alaw_decode_160");
    g.throughput(Throughput::Elements(FRAME_SAMPLES as u64));
    g.bench_function("ours", |b| {
        b.iter(|| rtp_proto::codec::decode_alaw(black_box(&codes), &mut out16))
    });
    g.bench_function("ezk_g711", |b| {
        b.iter(|| {
            for (o, &c) in out16.iter_mut().zip(black_box(&codes)) {
                *o = ezk_g711::alaw::decode(c);
            }
        })
    });
    g.finish();
}

// ---- jitter buffer and mixer --------------------------------------------------------------

/// Arrivals built per batch, outside the timed loop: 24 KiB, so they stay in cache.
const JITTER_BATCH: u64 = 1024;

fn jitter(c: &mut Criterion) {
    let mut jb = JitterBench::new();
    let mut arrivals = Vec::with_capacity(JITTER_BATCH as usize);
    let mut g = c.benchmark_group("jitter_buffer");
    g.throughput(Throughput::Elements(1));
    // Only put + pop are timed: each batch's arrival instants are built first, as a receive
    // loop's clock would hand them over.
    g.bench_function("ours_put_pop", |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(JITTER_BATCH);
                jb.arrivals(n as usize, &mut arrivals);
                let start = Instant::now();
                for a in &arrivals {
                    black_box(jb.put_pop(*a));
                }
                timed += start.elapsed();
                left -= n;
            }
            timed
        })
    });
    g.finish();
    let counters = jb.counters();
    assert_eq!(
        (counters.late, counters.concealed, counters.underruns),
        (0, 0, 0),
        "the steady-state workload plays every frame"
    );
}

fn mixer(c: &mut Criterion) {
    let mut g = c.benchmark_group("mixer_tick");
    for n in [3usize, 10, 50] {
        let mut m = MixerBench::new(n);
        assert_eq!(m.participants(), n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("ours", n), &n, |b, _| b.iter(|| m.tick()));
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = quick_criterion!();
    targets = rtp_parse, rtp_write, rtcp_parse, ulaw, alaw, jitter, mixer
}
criterion_main!(benches);
