//! Transactions and whole calls per second, on virtual time with no I/O.
//!
//! * `transactions/uac_create_match`: a batch of non-INVITE client transactions through one
//!   `TransactionLayer`: `start_client`, take the request, then `handle_response` matches the
//!   200 OK by key; the batch ends with the timeout that frees them all (Timer K).
//! * `transactions/uas_create_answer`: a batch of requests through `handle_request`, each
//!   creating a server transaction (its key built from branch, sent-by and method as
//!   §17.2.3 asks), answered 200 with `send_response`, then freed (Timer J).
//! * `calls/in_memory`: one complete call between two `Endpoint`s wired back to back:
//!   INVITE, 100, 180, 200, ACK, BYE, 200, every message written and parsed, media off (the
//!   caller hangs up on answer), then the timeout that lets both endpoints forget the call.
//!
//! Criterion's throughput line gives the rate (elements per second).

use std::hint::black_box;

use benches::flows::{CallPair, TxnBench};
use benches::quick_criterion;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const BATCH: usize = 256;

fn transactions(c: &mut Criterion) {
    let mut g = c.benchmark_group("transactions");
    g.throughput(Throughput::Elements(BATCH as u64));
    let mut uac = TxnBench::new(BATCH);
    assert_eq!(uac.uac_batch(), BATCH);
    g.bench_function("uac_create_match", |b| {
        b.iter(|| black_box(uac.uac_batch()))
    });
    let mut uas = TxnBench::new(BATCH);
    assert_eq!(uas.uas_batch(), BATCH);
    g.bench_function("uas_create_answer", |b| {
        b.iter(|| black_box(uas.uas_batch()))
    });
    g.finish();
}

fn calls(c: &mut Criterion) {
    let mut g = c.benchmark_group("calls");
    g.throughput(Throughput::Elements(1));
    let mut pair = CallPair::new();
    pair.run_call();
    assert_eq!(pair.held(), (0, 0), "a finished call leaves nothing behind");
    g.bench_function("in_memory", |b| b.iter(|| pair.run_call()));
    g.finish();
    assert_eq!(pair.held(), (0, 0));
}

criterion_group! {
    name = benches;
    config = quick_criterion!();
    targets = transactions, calls
}
criterion_main!(benches);
