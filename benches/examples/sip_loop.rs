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
//!
//! `sip_loop ab OURS PEER MSG ROUNDS` times two operations in alternating blocks instead,
//! for a wall-clock ratio that the machine's load moves much less than separate runs:
//! `sip_loop ab typed rsip_typed invite 21`.
//!
//! To see where `typed` goes, `x_via`, `x_rr`, `x_from`, `x_to`, `x_cseq` and `x_callid`
//! run one of its accessors alone, on a message parsed once before the loop.

use std::hint::black_box;
use std::io::Write;
use std::time::{Duration, Instant};

use benches::scan::scan;
use benches::sip::workloads;
use bytes::Bytes;
use sip_proto::message::Message;

#[path = "../benches/common/sip_peers.rs"]
mod sip_peers;
use sip_peers::*;

/// What every operation reads: the workload and what is prepared from it once.
struct Fixture {
    name: &'static str,
    bytes: Bytes,
    lines: Vec<(sip_proto::message::HeaderName, &'static str)>,
    rsip_msg: rsip::SipMessage,
    parsed: Message,
    out: Vec<u8>,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("ab") {
        return ab(&args[2..]);
    }
    let (Some(op), Some(msg), Some(n)) = (args.get(1), args.get(2), args.get(3)) else {
        eprintln!("usage: sip_loop OP MSG N, or sip_loop ab OURS PEER MSG ROUNDS (see the source)");
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("N is a count");
    let mut f = fixture(msg);
    let mut acc = 0usize;
    for _ in 0..n {
        acc += step(op, &mut f);
    }
    println!("{acc}");
}

fn fixture(msg: &str) -> Fixture {
    let w = workloads()
        .into_iter()
        .find(|w| w.name == msg)
        .expect("MSG is invite, ok200 or register");
    let bytes = Bytes::from(w.bytes);
    // Share the buffer once, as the criterion loop's first clone does.
    drop(bytes.clone());
    Fixture {
        name: w.name,
        lines: typed_lines(fixture_lines(w.name)),
        rsip_msg: rsip_parse(&bytes),
        parsed: Message::parse(bytes.clone()).expect("parses"),
        bytes,
        out: Vec::with_capacity(2048),
    }
}

/// `ab OURS PEER MSG ROUNDS`: times the two operations in alternating blocks of about 20 ms
/// each, ROUNDS times, and prints each one's median time per operation and the median of the
/// per-round ratios. Alternating keeps both sides under the same machine load, which on a
/// shared machine moves far more than either side's own variation.
fn ab(args: &[String]) {
    let (Some(ours), Some(peer), Some(msg), Some(rounds)) =
        (args.first(), args.get(1), args.get(2), args.get(3))
    else {
        eprintln!("usage: sip_loop ab OURS PEER MSG ROUNDS");
        std::process::exit(2);
    };
    let rounds: usize = rounds.parse().expect("ROUNDS is a count");
    let mut f = fixture(msg);
    // Each side's block lasts about 20 ms, so that both are equally exposed to being
    // preempted by other load (a short block escapes it more often than a long one).
    let block = |op: &str, f: &mut Fixture| {
        let t = Instant::now();
        let mut n = 0usize;
        while t.elapsed() < Duration::from_millis(20) {
            black_box(step(op, f));
            n += 1;
        }
        n.max(1)
    };
    let (n_ours, n_peer) = (block(ours, &mut f), block(peer, &mut f));
    let time = |op: &str, n: usize, f: &mut Fixture| {
        let t = Instant::now();
        for _ in 0..n {
            black_box(step(op, f));
        }
        t.elapsed().as_nanos() as f64 / n as f64
    };
    let (mut a, mut b, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let x = time(ours, n_ours, &mut f);
        let y = time(peer, n_peer, &mut f);
        a.push(x);
        b.push(y);
        ratio.push(y / x);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "{msg}: {ours} {:.0} ns, {peer} {:.0} ns, ratio {:.2} (median of {rounds} rounds of ~20 ms each)",
        median(&mut a),
        median(&mut b),
        median(&mut ratio)
    );
}

/// One operation on the fixture; returns something derived from its result, so that none of
/// it is optimized away.
fn step(op: &str, f: &mut Fixture) -> usize {
    let Fixture {
        name,
        bytes,
        lines,
        rsip_msg,
        parsed,
        out,
    } = f;
    match op {
        "scan" => scan(black_box(&*bytes)).count,
        "framing" => Message::parse(black_box(bytes.clone()))
            .expect("parses")
            .headers()
            .len(),
        "typed" => ours_typed(&Message::parse(black_box(bytes.clone())).expect("parses")),
        "serialize" => {
            ours_write(name, black_box(&*lines), out);
            out.len()
        }
        "build" => {
            ours_build(name, black_box(&*lines), out);
            out.len()
        }
        "x_cseq" => black_box(&*parsed).headers().cseq().unwrap().seq as usize,
        "x_callid" => black_box(&*parsed).headers().call_id().unwrap().len(),
        "x_from" => black_box(&*parsed)
            .headers()
            .from()
            .unwrap()
            .tag()
            .map_or(0, str::len),
        "x_to" => black_box(&*parsed)
            .headers()
            .to()
            .unwrap()
            .tag()
            .map_or(0, str::len),
        "x_via" => black_box(&*parsed)
            .headers()
            .vias()
            .map(|v| v.unwrap().branch().map_or(0, str::len))
            .sum(),
        "x_rr" => black_box(&*parsed)
            .headers()
            .record_routes()
            .map(|v| v.unwrap().uri_str().len())
            .sum(),
        "rsip_framing" => {
            use rsip::message::HasHeaders;
            rsip_parse(black_box(&*bytes)).headers().iter().count()
        }
        "rsip_typed" => rsip_typed(&rsip_parse(black_box(&*bytes))),
        "rsip_serialize" => {
            out.clear();
            write!(out, "{}", black_box(&*rsip_msg)).expect("writes");
            out.len()
        }
        other => panic!("unknown OP {other}"),
    }
}
