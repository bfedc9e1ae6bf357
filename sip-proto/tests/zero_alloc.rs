//! Zero heap allocations to parse a datagram into a message and read its Via, From, To, CSeq
//! and Call-ID, counted with a counting global allocator on the three messages the criterion
//! benchmarks use (benches/src/sip.rs, included here so the bytes are the same).
//!
//! The counters are per thread, so the test harness's other threads cannot disturb them.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use sip_proto::message::{HeaderName, Message};

#[allow(dead_code)]
#[path = "../../benches/src/sip.rs"]
mod fixtures;

thread_local! {
    // `const` initialisers with no destructor: reading them never allocates.
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
    static BYTES: Cell<u64> = const { Cell::new(0) };
}

fn note(size: usize) {
    // `try_with` so an allocation during thread teardown is not a panic.
    let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
    let _ = BYTES.try_with(|c| c.set(c.get() + size as u64));
}

/// Forwards to the system allocator, counting allocations and reallocations.
struct Counting;

// SAFETY: every method forwards its arguments unchanged to `System`, which upholds the
// `GlobalAlloc` contract; the counters are thread-local `Cell`s that never allocate.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: same layout the caller gave us.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: same layout the caller gave us.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (through this wrapper).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: `ptr`/`layout` came from this allocator; `new_size` is the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// `(allocations, bytes)` made on this thread while `f` runs.
fn count(f: impl FnOnce()) -> (u64, u64) {
    let (a0, b0) = (ALLOCS.with(Cell::get), BYTES.with(Cell::get));
    f();
    (ALLOCS.with(Cell::get) - a0, BYTES.with(Cell::get) - b0)
}

/// Parses the datagram and reads the core headers typed; returns a checksum so nothing is
/// optimised away.
fn parse_and_read(datagram: Bytes) -> usize {
    let msg = Message::parse(datagram).expect("the fixture parses");
    let h = msg.headers();
    let mut acc = 0;
    for via in h.vias() {
        let via = via.expect("Via");
        acc += via.branch().map_or(0, str::len) + via.host().len();
    }
    let top = h.top_via().expect("top Via");
    acc += top.port().map_or(0, usize::from);
    let from = h.from().expect("From");
    acc += from.tag().map_or(0, str::len) + from.uri().host().map_or(0, |_| 1);
    let to = h.to().expect("To");
    acc += to.tag().map_or(0, str::len) + to.uri_str().len();
    let cseq = h.cseq().expect("CSeq");
    acc += cseq.seq as usize + cseq.method.as_str().len();
    acc += h.call_id().expect("Call-ID").len();
    acc += h.get(HeaderName::MaxForwards).map_or(0, str::len);
    acc += msg.body().len();
    acc
}

#[test]
fn parse_and_read_core_headers_allocates_nothing() {
    for w in fixtures::workloads() {
        // The three ways a datagram arrives: a receive buffer frozen out of a `BytesMut`
        // (what the runtimes do), a `Vec` handed over, a static.
        let frozen = BytesMut::from(&w.bytes[..]).freeze();
        let from_vec = Bytes::from(w.bytes.clone());
        let leaked: &'static [u8] = Box::leak(w.bytes.clone().into_boxed_slice());
        let from_static = Bytes::from_static(leaked);
        let expected = parse_and_read(Bytes::copy_from_slice(&w.bytes));
        for (how, datagram) in [
            ("BytesMut::freeze", frozen),
            ("Bytes::from(Vec)", from_vec),
            ("Bytes::from_static", from_static),
        ] {
            let mut got = 0;
            let (allocs, bytes) = count(|| got = black_box(parse_and_read(black_box(datagram))));
            assert_eq!(got, expected);
            assert_eq!(
                (allocs, bytes),
                (0, 0),
                "{} via {how}: {allocs} allocations, {bytes} bytes",
                w.name
            );
        }
    }
}

#[test]
fn the_counter_counts() {
    let (allocs, bytes) = count(|| {
        black_box(vec![0u8; 100]);
    });
    assert_eq!((allocs, bytes), (1, 100));
}
