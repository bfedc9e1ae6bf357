//! Runs one SIP benchmark operation in a plain loop, for instruction counts under callgrind
//! (exact and repeatable where wall-clock timings on a shared machine are not):
//!
//! ```sh
//! cargo build --release -p benches --example sip_loop
//! for n in 0 1000; do
//!   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$n \
//!     target/release/examples/sip_loop typed invite $n 2>&1 | grep Collected
//! done   # (second count - first count) / 1000 = instructions per operation
//! ```
//!
//! `OP` is `scan` (the memchr floor), `framing` (`Message::parse`), `typed` (parse + the core
//! headers, as `sip_parse_typed` reads them), `serialize` (`MessageWriter`), `build` (the
//! builders), or `rsip_framing`, `rsip_typed`, `rsip_serialize`; `MSG` is `invite`, `ok200`
//! or `register`. The operations are the ones the criterion benches time (benches/sip.rs).
//! To see where `typed` goes, `x_via`, `x_rr`, `x_from`, `x_to`, `x_cseq` and `x_callid`
//! run one of its accessors alone, on a message parsed once before the loop.

use std::hint::black_box;
use std::io::Write;

use benches::scan::scan;
use benches::sip::workloads;
use bytes::Bytes;
use sip_proto::message::Message;

#[path = "../benches/common/sip_peers.rs"]
mod sip_peers;
use sip_peers::*;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(op), Some(msg), Some(n)) = (args.get(1), args.get(2), args.get(3)) else {
        eprintln!("usage: sip_loop OP MSG N (see the source for OP and MSG)");
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("N is a count");
    let w = workloads()
        .into_iter()
        .find(|w| w.name == msg)
        .expect("MSG is invite, ok200 or register");
    let bytes = Bytes::from(w.bytes);
    // Share the buffer once, as the criterion loop's first clone does.
    drop(bytes.clone());
    let lines = typed_lines(fixture_lines(w.name));
    let rsip_msg = rsip_parse(&bytes);
    let mut out = Vec::with_capacity(2048);
    let mut acc = 0usize;
    let parsed = Message::parse(bytes.clone()).expect("parses");
    for _ in 0..n {
        acc += match op.as_str() {
            "scan" => scan(black_box(&bytes)).count,
            "framing" => Message::parse(black_box(bytes.clone()))
                .expect("parses")
                .headers()
                .len(),
            "typed" => ours_typed(&Message::parse(black_box(bytes.clone())).expect("parses")),
            "serialize" => {
                ours_write(w.name, black_box(&lines), &mut out);
                out.len()
            }
            "build" => {
                ours_build(w.name, black_box(&lines), &mut out);
                out.len()
            }
            "x_cseq" => black_box(&parsed).headers().cseq().unwrap().seq as usize,
            "x_callid" => black_box(&parsed).headers().call_id().unwrap().len(),
            "x_from" => black_box(&parsed)
                .headers()
                .from()
                .unwrap()
                .tag()
                .map_or(0, str::len),
            "x_to" => black_box(&parsed)
                .headers()
                .to()
                .unwrap()
                .tag()
                .map_or(0, str::len),
            "x_via" => black_box(&parsed)
                .headers()
                .vias()
                .map(|v| v.unwrap().branch().map_or(0, str::len))
                .sum(),
            "x_rr" => black_box(&parsed)
                .headers()
                .record_routes()
                .map(|v| v.unwrap().uri_str().len())
                .sum(),
            "rsip_framing" => {
                use rsip::message::HasHeaders;
                rsip_parse(black_box(&bytes)).headers().iter().count()
            }
            "rsip_typed" => rsip_typed(&rsip_parse(black_box(&bytes))),
            "rsip_serialize" => {
                out.clear();
                write!(out, "{}", black_box(&rsip_msg)).expect("writes");
                out.len()
            }
            other => panic!("unknown OP {other}"),
        };
    }
    println!("{acc}");
}
