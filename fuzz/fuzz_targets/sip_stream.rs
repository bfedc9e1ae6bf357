#![no_main]
//! cargo-fuzz entry point; the invariants live in `fuzz::sip_stream`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzz::sip_stream::check(data));
