//! G.711 μ-law (ITU-T G.711 Table 2; the G.191 reference `ulaw_compress`/`ulaw_expand`).

use super::bit_len;

/// μ-law code to 16-bit linear, for every code, computed at compile time.
pub const ULAW_DECODE: [i16; 256] = build_decode();

const fn expand(code: u8) -> i16 {
    // Codes are sent with all bits inverted; undo that, then split sign, segment, step.
    let inv = !code;
    let segment = ((inv >> 4) & 0x7) as i32;
    let step = ((inv & 0xf) as i32) << 1 | 1; // the step index, centred in its interval
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

/// Encodes one 16-bit linear sample to μ-law.
#[inline]
pub fn linear_to_ulaw(sample: i16) -> u8 {
    // One's complement for negatives (as G.191), down to 14 bits, add the bias of 33.
    let (sign, magnitude) = if sample < 0 {
        (0x00, !sample)
    } else {
        (0x80, sample)
    };
    // magnitude >= 0 here, so the cast keeps its value.
    let biased = ((magnitude as u32 >> 2) + 33).min(0x1fff);
    // Segment 1..=8: one more than the bit length of the biased value over 64.
    let segment = bit_len(biased >> 6) + 1;
    let mantissa = (biased >> segment) & 0xf;
    // Segment and mantissa are both sent inverted; the values fit 3 and 4 bits.
    sign | ((((8 - segment) << 4) | (0xf - mantissa)) as u8)
}

/// Decodes one μ-law code to a 16-bit linear sample.
#[inline]
pub fn ulaw_to_linear(code: u8) -> i16 {
    ULAW_DECODE[usize::from(code)]
}

/// Encodes `input` into `output`, returning the number of samples encoded (the shorter length).
pub fn encode_ulaw(input: &[i16], output: &mut [u8]) -> usize {
    let n = input.len().min(output.len());
    for (o, &s) in output.iter_mut().zip(input) {
        *o = linear_to_ulaw(s);
    }
    n
}

/// Decodes `input` into `output`, returning the number of samples decoded (the shorter length).
pub fn decode_ulaw(input: &[u8], output: &mut [i16]) -> usize {
    let n = input.len().min(output.len());
    for (o, &c) in output.iter_mut().zip(input) {
        *o = ulaw_to_linear(c);
    }
    n
}
