#![no_main]
//! cargo-fuzz entry point; the invariants live in `fuzz::transaction_layer`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzz::transaction_layer::check(data));
