//! Heap allocations per operation on the hot paths, ours and the peers', printed as a table.
//!
//! Runs as a bench target (`harness = false`) so `cargo bench -p benches` prints it in the
//! same run as the timings. A counting global allocator wraps the system allocator; each
//! operation runs once to warm up (so one-off lazy initialisation is not charged to it), then
//! `N` times, and the counts are divided by `N`. Reallocations are counted apart from fresh
//! allocations; frees are not counted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use benches::flows::{CallPair, TxnBench};
use benches::rtp::{
    pcm_frame, rtcp_compound, rtp_packet, ulaw_frame, JitterBench, MixerBench, FRAME_SAMPLES, SSRC,
};
use benches::sip::{self, workloads};
use bytes::Bytes;
use rtp_proto::rtcp::CompoundIter;
use rtp_proto::rtp::{RtpHeader, RtpPacket};
use sip_proto::message::{Message, ResponseBuilder};
use webrtc_util::marshal::{Marshal, Unmarshal};

#[path = "common/sip_peers.rs"]
mod sip_peers;
use sip_peers::*;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static REALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

/// Forwards to the system allocator, counting calls.
struct Counting;

// SAFETY: every method forwards its arguments unchanged to `System`, which upholds the
// `GlobalAlloc` contract; the counters are plain atomics and never allocate.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size() as u64, Relaxed);
        // SAFETY: same layout the caller gave us.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size() as u64, Relaxed);
        // SAFETY: same layout the caller gave us.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (through this wrapper).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        REALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(new_size as u64, Relaxed);
        // SAFETY: `ptr`/`layout` came from this allocator; `new_size` is the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const N: u64 = 1_000;

struct Row {
    op: String,
    who: &'static str,
    allocs: f64,
    reallocs: f64,
    bytes: f64,
}

fn measure(rows: &mut Vec<Row>, op: &str, who: &'static str, per: u64, mut f: impl FnMut()) {
    f();
    let (a, r, b) = (
        ALLOCS.load(Relaxed),
        REALLOCS.load(Relaxed),
        BYTES.load(Relaxed),
    );
    for _ in 0..N {
        f();
    }
    let ops = (N * per) as f64;
    rows.push(Row {
        op: op.to_owned(),
        who,
        allocs: (ALLOCS.load(Relaxed) - a) as f64 / ops,
        reallocs: (REALLOCS.load(Relaxed) - r) as f64 / ops,
        bytes: (BYTES.load(Relaxed) - b) as f64 / ops,
    });
}

fn sip_rows(rows: &mut Vec<Row>) {
    for w in workloads() {
        let bytes = Bytes::from(w.bytes);
        let op = format!("SIP parse + typed core headers ({})", w.name);
        measure(
            rows,
            &format!("SIP framing + header index ({})", w.name),
            "ours",
            1,
            || {
                black_box(Message::parse(bytes.clone()).unwrap());
            },
        );
        measure(rows, &op, "ours", 1, || {
            black_box(ours_typed(&Message::parse(bytes.clone()).unwrap()));
        });
        measure(rows, &op, "rsip", 1, || {
            black_box(rsip_typed(&rsip_parse(&bytes)));
        });
        measure(rows, &op, "ezk-sip-types", 1, || {
            black_box(ezk_typed(&ezk_parse(&bytes)));
        });
        measure(rows, &op, "rvoip-sip-core", 1, || {
            black_box(rvoip_typed(&rvoip_parse(&bytes)));
        });
    }
    let lines = typed_lines(sip::INVITE_HEADERS);
    let mut out = Vec::with_capacity(2048);
    measure(
        rows,
        "SIP serialize (invite, reused buffer)",
        "ours",
        1,
        || {
            ours_write("invite", &lines, &mut out);
        },
    );
    let ok = Message::parse(Bytes::from(sip::invite())).unwrap();
    let req = ok.as_request().unwrap();
    measure(
        rows,
        "SIP response from request (200, reused buffer)",
        "ours",
        1,
        || {
            out.clear();
            ResponseBuilder::from_request(req, 200, "OK")
                .to_tag("8321234356")
                .write(&mut out)
                .unwrap();
        },
    );
    let invite = Bytes::from(sip::invite());
    let rsip_msg = rsip_parse(&invite);
    measure(
        rows,
        "SIP serialize (invite, reused buffer)",
        "rsip",
        1,
        || {
            out.clear();
            write!(out, "{rsip_msg}").unwrap();
        },
    );
    let ezk_msg = ezk_parse(&invite);
    measure(
        rows,
        "SIP serialize (invite, reused buffer)",
        "ezk-sip-types",
        1,
        || {
            ezk_write(&ezk_msg, &mut out);
        },
    );
    let rvoip_msg = rvoip_parse(&invite);
    measure(rows, "SIP serialize (invite)", "rvoip-sip-core", 1, || {
        black_box(rvoip_msg.to_bytes());
    });
}

fn rtp_rows(rows: &mut Vec<Row>) {
    let packet = rtp_packet();
    let shared = Bytes::from(packet.clone());
    measure(rows, "RTP parse", "ours", 1, || {
        let p = RtpPacket::new_checked(&packet[..]).unwrap();
        black_box(RtpHeader::parse(&p));
    });
    measure(rows, "RTP parse", "webrtc rtp", 1, || {
        black_box(rtp::packet::Packet::unmarshal(&mut shared.clone()).unwrap());
    });
    measure(rows, "RTP parse", "rtp-types", 1, || {
        black_box(rtp_types::RtpPacket::parse(&packet[..]).unwrap());
    });
    measure(rows, "RTP parse", "rtp-rs", 1, || {
        black_box(rtp_rs::RtpReader::new(&packet[..]).unwrap());
    });
    let payload = ulaw_frame();
    let mut buf = [0u8; 1500];
    measure(rows, "RTP write", "ours", 1, || {
        let h = RtpHeader {
            payload_type: 0,
            ssrc: SSRC,
            ..RtpHeader::default()
        };
        black_box(h.emit(&mut buf, &payload).unwrap());
    });
    let wp = rtp::packet::Packet {
        header: rtp::header::Header {
            version: 2,
            ssrc: SSRC,
            ..Default::default()
        },
        payload: Bytes::copy_from_slice(&payload),
    };
    measure(rows, "RTP write", "webrtc rtp", 1, || {
        black_box(wp.marshal_to(&mut buf).unwrap());
    });
    let compound = rtcp_compound();
    let cshared = Bytes::from(compound.clone());
    measure(rows, "RTCP compound parse (SR+SDES+BYE)", "ours", 1, || {
        for p in CompoundIter::new(&compound) {
            black_box(p.unwrap());
        }
    });
    measure(
        rows,
        "RTCP compound parse (SR+SDES+BYE)",
        "rtcp-types",
        1,
        || {
            for p in rtcp_types::Compound::parse(&compound).unwrap() {
                black_box(p.unwrap());
            }
        },
    );
    measure(
        rows,
        "RTCP compound parse (SR+SDES+BYE)",
        "webrtc rtcp",
        1,
        || {
            black_box(rtcp::packet::unmarshal(&mut cshared.clone()).unwrap());
        },
    );
    let pcm = pcm_frame();
    let mut codes = [0u8; FRAME_SAMPLES];
    let mut samples = [0i16; FRAME_SAMPLES];
    measure(
        rows,
        "μ-law encode + decode, 160 samples",
        "ours",
        1,
        || {
            rtp_proto::codec::encode_ulaw(&pcm, &mut codes);
            rtp_proto::codec::decode_ulaw(&codes, &mut samples);
        },
    );
    measure(
        rows,
        "A-law encode + decode, 160 samples",
        "ours",
        1,
        || {
            rtp_proto::codec::encode_alaw(&pcm, &mut codes);
            rtp_proto::codec::decode_alaw(&codes, &mut samples);
        },
    );
    let mut jb = JitterBench::new();
    measure(rows, "jitter buffer put + pop", "ours", 1, || {
        black_box(jb.step());
    });
    for n in [3usize, 10, 50] {
        let mut m = MixerBench::new(n);
        measure(
            rows,
            &format!("mixer tick, decode + mix + encode ({n} participants)"),
            "ours",
            1,
            || {
                black_box(m.tick());
            },
        );
    }
}

fn flow_rows(rows: &mut Vec<Row>) {
    const BATCH: usize = 64;
    let mut t = TxnBench::new(BATCH);
    measure(
        rows,
        "client transaction create + match + free",
        "ours",
        BATCH as u64,
        || {
            black_box(t.uac_batch());
        },
    );
    measure(
        rows,
        "server transaction create + answer + free",
        "ours",
        BATCH as u64,
        || {
            black_box(t.uas_batch());
        },
    );
    let mut pair = CallPair::new();
    measure(
        rows,
        "one in-memory call (7 SIP messages)",
        "ours",
        1,
        || {
            pair.run_call();
        },
    );
}

fn main() {
    let mut rows = Vec::new();
    sip_rows(&mut rows);
    rtp_rows(&mut rows);
    flow_rows(&mut rows);
    println!("\nHeap allocations per operation (mean of {N} runs after one warm-up)\n");
    println!("| operation | crate | allocs/op | reallocs/op | bytes/op |");
    println!("|---|---|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {} | {:.1} | {:.1} | {:.0} |",
            r.op, r.who, r.allocs, r.reallocs, r.bytes
        );
    }
}
