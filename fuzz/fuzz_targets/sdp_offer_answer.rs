#![no_main]
//! cargo-fuzz entry point; the invariants live in `fuzz::sdp_offer_answer`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzz::sdp_offer_answer::check(data));
