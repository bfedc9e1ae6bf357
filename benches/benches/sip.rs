//! SIP message parsing and writing: ours (sip-proto) next to rsip, ezk-sip-types and
//! rvoip-sip-core, on the same three datagrams, in the same criterion groups.
//!
//! Three measurements per workload:
//! * `sip_framing/*`: split the datagram into start line, header lines and body. Ours is
//!   `Message::parse` alone (it indexes headers, parses nothing typed); the floor is a plain
//!   memchr scan for CRLF and ':'; the peers' cheapest whole-message parse is listed beside.
//! * `sip_parse_typed/*`: parse, then read the core headers typed: every Via with its branch,
//!   every Record-Route, From and To with their tags, CSeq and Call-ID.
//! * `sip_serialize/*`: write the whole message into a reused buffer. Ours writes it from its
//!   parts with `MessageWriter`, line by line into the buffer (`ours_builder`: the same with
//!   the collecting `RequestBuilder`/`ResponseBuilder`); the peers print a message they
//!   parsed from the same bytes beforehand, which is how their APIs write.

use std::hint::black_box;
use std::io::Write;

use benches::quick_criterion;
use benches::scan::scan;
use benches::sip::workloads;
use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sip_proto::message::Message;

#[path = "common/sip_peers.rs"]
mod sip_peers;
use sip_peers::*;

// ---- benchmarks ---------------------------------------------------------------------------

fn framing(c: &mut Criterion) {
    for w in workloads() {
        let bytes = Bytes::from(w.bytes);
        let mut g = c.benchmark_group(format!("sip_framing/{}", w.name));
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function("memchr_scan", |b| b.iter(|| scan(black_box(&bytes))));
        g.bench_function("ours", |b| {
            b.iter(|| Message::parse(black_box(bytes.clone())).unwrap())
        });
        g.bench_function("rsip", |b| b.iter(|| rsip_parse(black_box(&bytes))));
        g.bench_function("ezk", |b| b.iter(|| ezk_parse(black_box(&bytes))));
        g.bench_function("rvoip", |b| b.iter(|| rvoip_parse(black_box(&bytes))));
        g.finish();
    }
}

fn parse_typed(c: &mut Criterion) {
    for w in workloads() {
        let bytes = Bytes::from(w.bytes);
        // Every parser must read the same core headers out of the fixture.
        let ours = ours_typed(&Message::parse(bytes.clone()).unwrap());
        assert_eq!(rsip_typed(&rsip_parse(&bytes)) > 0, ours > 0);
        let mut g = c.benchmark_group(format!("sip_parse_typed/{}", w.name));
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function("ours", |b| {
            b.iter(|| ours_typed(&Message::parse(black_box(bytes.clone())).unwrap()))
        });
        g.bench_function("rsip", |b| {
            b.iter(|| rsip_typed(&rsip_parse(black_box(&bytes))))
        });
        g.bench_function("ezk", |b| {
            b.iter(|| ezk_typed(&ezk_parse(black_box(&bytes))))
        });
        g.bench_function("rvoip", |b| {
            b.iter(|| rvoip_typed(&rvoip_parse(black_box(&bytes))))
        });
        g.finish();
    }
}

fn serialize(c: &mut Criterion) {
    for w in workloads() {
        let bytes = Bytes::from(w.bytes);
        let lines = typed_lines(fixture_lines(w.name));
        let mut out = Vec::with_capacity(2048);
        ours_write(w.name, &lines, &mut out);
        assert_eq!(out, &bytes[..], "ours writes the fixture back");
        ours_build(w.name, &lines, &mut out);
        assert_eq!(out, &bytes[..], "the builders write the fixture back");
        let rsip_msg = rsip_parse(&bytes);
        let ezk_msg = ezk_parse(&bytes);
        let rvoip_msg = rvoip_parse(&bytes);

        let mut g = c.benchmark_group(format!("sip_serialize/{}", w.name));
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function("ours", |b| {
            b.iter(|| {
                ours_write(w.name, black_box(&lines), &mut out);
                out.len()
            })
        });
        g.bench_function("ours_builder", |b| {
            b.iter(|| {
                ours_build(w.name, black_box(&lines), &mut out);
                out.len()
            })
        });
        g.bench_function("rsip", |b| {
            b.iter(|| {
                out.clear();
                write!(out, "{}", black_box(&rsip_msg)).unwrap();
                out.len()
            })
        });
        g.bench_function("ezk", |b| {
            b.iter(|| {
                ezk_write(black_box(&ezk_msg), &mut out);
                out.len()
            })
        });
        g.bench_function("rvoip", |b| b.iter(|| black_box(&rvoip_msg).to_bytes()));
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = quick_criterion!();
    targets = framing, parse_typed, serialize
}
criterion_main!(benches);
