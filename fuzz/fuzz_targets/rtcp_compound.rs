#![no_main]
//! cargo-fuzz entry point; the invariants live in `fuzz::rtcp_compound`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzz::rtcp_compound::check(data));
