//! Fuzz targets for the sans-IO SIP/RTP stack, as plain functions.
//!
//! Each module holds one target's `check(data: &[u8])`: it decodes the input, drives the code
//! under test and asserts the target's invariants (documented per module). The cargo-fuzz
//! binaries in `fuzz_targets/` only call these functions, so the same checks run under plain
//! `cargo test -p fuzz` over the checked-in corpus and every regression input, without
//! libFuzzer.
//!
//! Structured targets (`rtp_stats`, `transaction_layer`, `endpoint`) read their operations
//! with [`cursor::Cursor`]; each has an `encode` function that writes a chosen sequence, which
//! is how the seed corpus is built.
#![forbid(unsafe_code)]

pub mod cursor;
pub mod endpoint;
pub mod rtcp_compound;
pub mod rtp_packet;
pub mod rtp_stats;
pub mod sdp;
pub mod sdp_offer_answer;
pub mod sip_datagram;
pub mod sip_stream;
pub mod sip_uri;
pub mod transaction_layer;

/// A target's entry point.
pub type Check = fn(&[u8]);

/// Every target by name, for tools and tests that iterate over them.
pub const TARGETS: [(&str, Check); 10] = [
    ("sip_datagram", sip_datagram::check),
    ("sip_stream", sip_stream::check),
    ("sip_uri", sip_uri::check),
    ("sdp", sdp::check),
    ("sdp_offer_answer", sdp_offer_answer::check),
    ("rtp_packet", rtp_packet::check),
    ("rtcp_compound", rtcp_compound::check),
    ("rtp_stats", rtp_stats::check),
    ("transaction_layer", transaction_layer::check),
    ("endpoint", endpoint::check),
];

/// Whether `FUZZ_TRACE` is set: the structured targets then print what they do, to make a
/// crash readable (`FUZZ_TRACE=1 cargo fuzz run endpoint crash-file`).
pub fn tracing() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("FUZZ_TRACE").is_some())
}
