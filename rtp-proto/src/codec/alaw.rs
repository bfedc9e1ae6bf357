//! G.711 A-law (ITU-T G.711 Table 1; the G.191 reference `alaw_compress`/`alaw_expand`).

use super::{bit_len, map_samples};

/// Even bits are inverted on the line (G.711 §2, "even bit inversion").
const EVEN_BITS: u8 = 0x55;

/// A-law code to 16-bit linear, for every code, computed at compile time.
pub const ALAW_DECODE: [i16; 256] = build_decode();

const fn expand(code: u8) -> i16 {
    let v = (code ^ EVEN_BITS) & 0x7f;
    let segment = (v >> 4) as i32;
    let mantissa = (v & 0xf) as i32;
    // Segment 0 is linear; higher segments carry an implicit leading 1. Each value sits in
    // the middle of its interval (+8 at 12-bit scale times 16).
    let magnitude = if segment == 0 {
        (mantissa << 4) + 8
    } else {
        ((mantissa + 16) << 4 | 8) << (segment - 1)
    };
    if code & 0x80 != 0 {
        magnitude as i16
    } else {
        -magnitude as i16
    }
}

const fn build_decode() -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut code = 0;
    while code < 256 {
        table[code] = expand(code as u8);
        code += 1;
    }
    table
}

/// Linear to A-law, indexed by the top 12 bits of the sample (`sample as u16 >> 4`),
/// computed at compile time: 4 KiB.
///
/// G.191 drops the low 4 bits of the one's complement of negative samples, and
/// `!x >> 4 == !(x >> 4)` for an arithmetic shift, so the code depends on `x >> 4` alone and
/// one lookup per sample is exact.
static ALAW_ENCODE: [u8; 1 << 12] = build_encode();

const fn build_encode() -> [u8; 1 << 12] {
    let mut table = [0u8; 1 << 12];
    let mut i = 0;
    while i < table.len() {
        // The index holds the top 12 bits; any sample with those bits encodes alike.
        table[i] = compress((i << 4) as u16 as i16);
        i += 1;
    }
    table
}

/// The segment rule (G.711 Table 1, as G.191 `alaw_compress` computes it), used to build
/// [`ALAW_ENCODE`].
const fn compress(sample: i16) -> u8 {
    // One's complement for negatives (as G.191), down to 12 bits.
    let (sign, magnitude) = if sample < 0 {
        (0x00, !sample)
    } else {
        (0x80, sample)
    };
    // magnitude >= 0 here, so the cast keeps its value; the result fits 11 bits.
    let m = (magnitude as u32) >> 4;
    let code = if m < 16 {
        m
    } else {
        // Bit length 5..=11 gives segment 1..=7; the mantissa is the 4 bits after the top one.
        let segment = bit_len(m) - 4;
        (segment << 4) | ((m >> (segment - 1)) & 0xf)
    };
    // code < 0x80 by the segment range.
    (sign | code as u8) ^ EVEN_BITS
}

/// Encodes one 16-bit linear sample to A-law: one lookup in a 4 KiB table.
#[inline]
pub fn linear_to_alaw(sample: i16) -> u8 {
    ALAW_ENCODE[usize::from(sample as u16 >> 4)]
}

/// Decodes one A-law code to a 16-bit linear sample.
#[inline]
pub fn alaw_to_linear(code: u8) -> i16 {
    ALAW_DECODE[usize::from(code)]
}

/// Encodes `input` into `output`, returning the number of samples encoded (the shorter length).
pub fn encode_alaw(input: &[i16], output: &mut [u8]) -> usize {
    map_samples(input, output, linear_to_alaw)
}

/// Decodes `input` into `output`, returning the number of samples decoded (the shorter length).
pub fn decode_alaw(input: &[u8], output: &mut [i16]) -> usize {
    map_samples(input, output, alaw_to_linear)
}
