#![no_main]
//! cargo-fuzz entry point; the invariants live in `fuzz::rtp_stats`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzz::rtp_stats::check(data));
