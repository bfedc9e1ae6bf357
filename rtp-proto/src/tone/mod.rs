//! Tone generation: a phase-continuous sine ([`ToneGenerator`]) and DTMF dual tones
//! ([`DtmfGenerator`], ITU-T Q.23 frequencies, RFC 4733 event codes).
//!
//! Generators write 16-bit linear samples into a slice the caller lends; calling `fill`
//! repeatedly with frame-sized slices yields one unbroken waveform.

mod dtmf;
mod sine;

pub use dtmf::{DtmfDigit, DtmfGenerator};
pub use sine::ToneGenerator;

/// The narrowband telephony sample rate (RFC 3551 §4.5.14 for PCMU/PCMA).
pub const SAMPLE_RATE_8K: u32 = 8000;
