#![no_main]
//! cargo-fuzz entry point; the invariants live in `fuzz::endpoint`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzz::endpoint::check(data));
