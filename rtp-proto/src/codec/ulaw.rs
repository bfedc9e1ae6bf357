//! G.711 μ-law (ITU-T G.711 Table 2; the G.191 reference `ulaw_compress`/`ulaw_expand`).

use super::{bit_len, map_samples};

/// μ-law code to 16-bit linear, for every code, computed at compile time.
pub const ULAW_DECODE: [i16; 256] = build_decode();

const fn expand(code: u8) -> i16 {
    // Codes are sent with all bits inverted; undo that, then split sign, segment, step.
    let inv = !code;
    let segment = ((inv >> 4) & 0x7) as i32;
    // The step index, centred in its interval.
    let step = ((inv & 0xf) as i32) << 1 | 1;
    // In 14-bit units the biased magnitude is (2*mantissa + 33) << segment; remove the bias
    // of 33 and scale by 4 to 16 bits.
    let magnitude = (((step + 32) << segment) - 33) * 4;
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

/// Linear to μ-law, indexed by the top 14 bits of the sample (`sample as u16 >> 2`),
/// computed at compile time: 16 KiB.
///
/// G.191 drops the low 2 bits and works on the one's complement of negative samples;
/// `!x >> 2 == !(x >> 2)` for an arithmetic shift, so the code depends on `x >> 2` alone and
/// one lookup per sample is exact.
static ULAW_ENCODE: [u8; 1 << 14] = build_encode();

const fn build_encode() -> [u8; 1 << 14] {
    let mut table = [0u8; 1 << 14];
    let mut i = 0;
    while i < table.len() {
        // The index holds the top 14 bits; any sample with those bits encodes alike.
        table[i] = compress((i << 2) as u16 as i16);
        i += 1;
    }
    table
}

/// The segment rule (G.711 Table 2, as G.191 `ulaw_compress` computes it), used to build
/// [`ULAW_ENCODE`].
const fn compress(sample: i16) -> u8 {
    // One's complement for negatives (as G.191), down to 14 bits, add the bias of 33.
    let (sign, magnitude) = if sample < 0 {
        (0x00, !sample)
    } else {
        (0x80, sample)
    };
    // magnitude >= 0 here, so the cast keeps its value.
    let mut biased = ((magnitude as u32) >> 2) + 33;
    if biased > 0x1fff {
        biased = 0x1fff;
    }
    // Segment 1..=8: one more than the bit length of the biased value over 64.
    let segment = bit_len(biased >> 6) + 1;
    let mantissa = (biased >> segment) & 0xf;
    // Segment and mantissa are both sent inverted; the values fit 3 and 4 bits.
    sign | ((((8 - segment) << 4) | (0xf - mantissa)) as u8)
}

/// Encodes one 16-bit linear sample to μ-law: one lookup in a 16 KiB table.
#[inline]
pub fn linear_to_ulaw(sample: i16) -> u8 {
    ULAW_ENCODE[usize::from(sample as u16 >> 2)]
}

/// Decodes one μ-law code to a 16-bit linear sample.
#[inline]
pub fn ulaw_to_linear(code: u8) -> i16 {
    ULAW_DECODE[usize::from(code)]
}

/// Encodes `input` into `output`, returning the number of samples encoded (the shorter length).
pub fn encode_ulaw(input: &[i16], output: &mut [u8]) -> usize {
    map_samples(input, output, linear_to_ulaw)
}

/// Decodes `input` into `output`, returning the number of samples decoded (the shorter length).
pub fn decode_ulaw(input: &[u8], output: &mut [i16]) -> usize {
    map_samples(input, output, ulaw_to_linear)
}
