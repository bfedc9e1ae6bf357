//! G.711 companding (ITU-T G.711): μ-law (PCMU, RTP payload type 0) and A-law (PCMA, payload
//! type 8), RFC 3551 §4.5.14.
//!
//! The results are bit-exact with the ITU-T G.191 reference implementation on 16-bit linear
//! samples (the reference drops the low 2 bits for μ-law and the low 4 for A-law). Both
//! directions are one lookup per sample in tables computed at compile time: 256 entries to
//! decode, and to encode 16 KiB (μ-law) or 4 KiB (A-law) indexed by the sample's top bits.
//!
//! The slice functions process `min(input.len(), output.len())` samples and return that count.

mod alaw;
mod ulaw;

pub use alaw::{alaw_to_linear, decode_alaw, encode_alaw, linear_to_alaw, ALAW_DECODE};
pub use ulaw::{decode_ulaw, encode_ulaw, linear_to_ulaw, ulaw_to_linear, ULAW_DECODE};

/// Applies `f` to `min(input.len(), output.len())` samples, eight at a time so that the
/// loop body is a straight run of independent table lookups; returns the count.
#[inline(always)]
fn map_samples<A: Copy, B>(input: &[A], output: &mut [B], f: impl Fn(A) -> B) -> usize {
    let n = input.len().min(output.len());
    let (input, output) = (&input[..n], &mut output[..n]);
    let mut outs = output.chunks_exact_mut(8);
    let mut ins = input.chunks_exact(8);
    for (o, i) in (&mut outs).zip(&mut ins) {
        for (o, &i) in o.iter_mut().zip(i) {
            *o = f(i);
        }
    }
    for (o, &i) in outs.into_remainder().iter_mut().zip(ins.remainder()) {
        *o = f(i);
    }
    n
}

/// Bit length of `v` (0 for 0): the position of its highest set bit plus one.
const fn bit_len(v: u32) -> u32 {
    u32::BITS - v.leading_zeros()
}

#[cfg(test)]
mod tests {
    //! An independent, loop-based transcription of the G.191 reference (`g711.c`), checked
    //! against the table-driven code on every input.

    use super::*;

    fn ref_ulaw_compress(x: i16) -> u8 {
        let x = i32::from(x);
        let mut absno = if x < 0 {
            ((!x) >> 2) + 33
        } else {
            (x >> 2) + 33
        };
        if absno > 0x1fff {
            absno = 0x1fff;
        }
        let mut i = absno >> 6;
        let mut segno = 1;
        while i != 0 {
            segno += 1;
            i >>= 1;
        }
        let high = 0x8 - segno;
        let low = 0xf - ((absno >> segno) & 0xf);
        let mut out = (high << 4) | low;
        if x >= 0 {
            out |= 0x80;
        }
        out as u8
    }

    fn ref_ulaw_expand(c: u8) -> i16 {
        let sign = if c < 0x80 { -1 } else { 1 };
        let mantissa = !i32::from(c);
        let exponent = (mantissa >> 4) & 0x7;
        let segment = exponent + 1;
        let mantissa = mantissa & 0xf;
        let step = 4 << segment;
        (sign * ((0x80 << exponent) + step * mantissa + step / 2 - 4 * 33)) as i16
    }

    fn ref_alaw_compress(x: i16) -> u8 {
        let x = i32::from(x);
        let mut ix = if x < 0 { (!x) >> 4 } else { x >> 4 };
        if ix > 15 {
            let mut iexp = 1;
            while ix > 16 + 15 {
                ix >>= 1;
                iexp += 1;
            }
            ix -= 16;
            ix += iexp << 4;
        }
        if x >= 0 {
            ix |= 0x80;
        }
        (ix ^ 0x55) as u8
    }

    fn ref_alaw_expand(c: u8) -> i16 {
        let ix = (i32::from(c) ^ 0x55) & 0x7f;
        let iexp = ix >> 4;
        let mut mant = ix & 0xf;
        if iexp > 0 {
            mant += 16;
        }
        mant = (mant << 4) + 0x8;
        if iexp > 1 {
            mant <<= iexp - 1;
        }
        (if c > 127 { mant } else { -mant }) as i16
    }

    #[test]
    fn ulaw_decode_all_codes_match_reference() {
        for c in 0..=255u8 {
            assert_eq!(ulaw_to_linear(c), ref_ulaw_expand(c), "code {c:#04x}");
        }
        assert_eq!(ulaw_to_linear(0x00), -32124);
        assert_eq!(ulaw_to_linear(0x80), 32124);
        assert_eq!(ulaw_to_linear(0xff), 0);
        assert_eq!(ulaw_to_linear(0x7f), 0);
        assert_eq!(ulaw_to_linear(0xfe), 8);
    }

    #[test]
    fn alaw_decode_all_codes_match_reference() {
        for c in 0..=255u8 {
            assert_eq!(alaw_to_linear(c), ref_alaw_expand(c), "code {c:#04x}");
        }
        assert_eq!(alaw_to_linear(0xd5), 8);
        assert_eq!(alaw_to_linear(0x55), -8);
        assert_eq!(alaw_to_linear(0xaa), 32256);
        assert_eq!(alaw_to_linear(0x2a), -32256);
    }

    #[test]
    fn ulaw_encode_all_inputs_match_reference() {
        for x in i16::MIN..=i16::MAX {
            assert_eq!(linear_to_ulaw(x), ref_ulaw_compress(x), "sample {x}");
        }
    }

    #[test]
    fn alaw_encode_all_inputs_match_reference() {
        for x in i16::MIN..=i16::MAX {
            assert_eq!(linear_to_alaw(x), ref_alaw_compress(x), "sample {x}");
        }
    }

    /// G.711's segment tables written out (Table 2 for μ-law, Table 1 for A-law), at the
    /// resolution G.191 works in: μ-law on 14-bit magnitudes biased by 33, eight segments,
    /// segment s covering [32 << s, 64 << s) in 16 steps of 2 << s; A-law on 11-bit
    /// magnitudes, segment 0 covering [0, 16) and segment s >= 1 covering
    /// [16 << (s - 1), 32 << (s - 1)), 16 steps each. Encoding searches the table for the
    /// interval holding the sample; decoding gives the interval's middle. Negative samples use
    /// the one's complement, as G.191 does.
    struct Segment {
        low: i32,
        step: i32,
    }

    fn ulaw_segments() -> Vec<Segment> {
        (0..8)
            .map(|s| Segment {
                low: 32 << s,
                step: 2 << s,
            })
            .collect()
    }

    fn alaw_segments() -> Vec<Segment> {
        let mut v = vec![Segment { low: 0, step: 1 }];
        v.extend((1..8).map(|s| Segment {
            low: 16 << (s - 1),
            step: 1 << (s - 1),
        }));
        v
    }

    /// (segment, step within it) of `value`, searching `table` from the top.
    fn find(table: &[Segment], value: i32) -> (u8, u8) {
        let s = table.iter().rposition(|seg| value >= seg.low).unwrap();
        let m = (value - table[s].low) / table[s].step;
        assert!((0..16).contains(&m), "value {value} outside segment {s}");
        (s as u8, m as u8)
    }

    /// The 65,536-entry μ-law reference table, from the segment rules alone.
    fn ulaw_reference() -> (Vec<u8>, [i16; 256]) {
        let table = ulaw_segments();
        let encode = (i16::MIN..=i16::MAX)
            .map(|x| {
                let negative = x < 0;
                let magnitude = if negative {
                    !i32::from(x)
                } else {
                    i32::from(x)
                } >> 2;
                let (s, m) = find(&table, (magnitude + 33).min(8191));
                // Segment and step are sent inverted (G.711 Table 2 note).
                let code = !((s << 4) | m) & 0x7f;
                if negative {
                    code
                } else {
                    code | 0x80
                }
            })
            .collect();
        let mut decode = [0i16; 256];
        for (c, out) in decode.iter_mut().enumerate() {
            let bits = !(c as u8) & 0x7f;
            let seg = &table[usize::from(bits >> 4)];
            let middle = seg.low + i32::from(bits & 0xf) * seg.step + seg.step / 2;
            let value = (middle - 33) * 4;
            *out = if c & 0x80 != 0 { value } else { -value } as i16;
        }
        (encode, decode)
    }

    /// The 65,536-entry A-law reference table, from the segment rules alone.
    fn alaw_reference() -> (Vec<u8>, [i16; 256]) {
        let table = alaw_segments();
        let encode = (i16::MIN..=i16::MAX)
            .map(|x| {
                let negative = x < 0;
                let magnitude = if negative {
                    !i32::from(x)
                } else {
                    i32::from(x)
                } >> 4;
                let (s, m) = find(&table, magnitude);
                let code = (s << 4) | m;
                // Even bits are inverted on the line (G.711 §2).
                (if negative { code } else { code | 0x80 }) ^ 0x55
            })
            .collect();
        let mut decode = [0i16; 256];
        for (c, out) in decode.iter_mut().enumerate() {
            let bits = (c as u8 ^ 0x55) & 0x7f;
            let seg = &table[usize::from(bits >> 4)];
            // The interval's middle, at 16-bit scale (the 11-bit magnitude times 16).
            let middle = (2 * (seg.low + i32::from(bits & 0xf) * seg.step) + seg.step) * 8;
            *out = if c & 0x80 != 0 { middle } else { -middle } as i16;
        }
        (encode, decode)
    }

    #[test]
    fn ulaw_matches_the_segment_table_everywhere() {
        let (encode, decode) = ulaw_reference();
        for (x, &want) in (i16::MIN..=i16::MAX).zip(&encode) {
            assert_eq!(linear_to_ulaw(x), want, "sample {x}");
        }
        assert_eq!(ULAW_DECODE, decode);
        for c in 0..=255u8 {
            assert_eq!(ulaw_to_linear(c), decode[usize::from(c)], "code {c:#04x}");
        }
        let mut all = [0u8; 65_536];
        let samples: Vec<i16> = (i16::MIN..=i16::MAX).collect();
        assert_eq!(encode_ulaw(&samples, &mut all), 65_536);
        assert_eq!(&all[..], &encode[..]);
    }

    #[test]
    fn alaw_matches_the_segment_table_everywhere() {
        let (encode, decode) = alaw_reference();
        for (x, &want) in (i16::MIN..=i16::MAX).zip(&encode) {
            assert_eq!(linear_to_alaw(x), want, "sample {x}");
        }
        assert_eq!(ALAW_DECODE, decode);
        let mut all = [0u8; 65_536];
        let samples: Vec<i16> = (i16::MIN..=i16::MAX).collect();
        assert_eq!(encode_alaw(&samples, &mut all), 65_536);
        assert_eq!(&all[..], &encode[..]);
        let codes: Vec<u8> = (0..=255).collect();
        let mut back = [0i16; 256];
        assert_eq!(decode_alaw(&codes, &mut back), 256);
        assert_eq!(back, decode);
    }

    #[test]
    fn decode_then_encode_is_identity() {
        for c in 0..=255u8 {
            assert_eq!(linear_to_alaw(alaw_to_linear(c)), c);
            // μ-law has two zeros; negative zero (0x7f) decodes to 0 and re-encodes as 0xff.
            let expect = if c == 0x7f { 0xff } else { c };
            assert_eq!(linear_to_ulaw(ulaw_to_linear(c)), expect);
        }
    }

    #[test]
    fn slices_stop_at_the_shorter() {
        let pcm = [0i16, 1000, -1000, i16::MAX, i16::MIN];
        let mut u = [0u8; 4];
        assert_eq!(encode_ulaw(&pcm, &mut u), 4);
        assert_eq!(u, [0xff, 0xce, 0x4e, 0x80]);
        let mut back = [0i16; 8];
        assert_eq!(decode_ulaw(&u, &mut back), 4);
        assert_eq!(&back[..4], &[0, 988, -988, 32124]);
        let mut a = [0u8; 5];
        assert_eq!(encode_alaw(&pcm, &mut a), 5);
        assert_eq!(a, [0xd5, 0xfa, 0x7a, 0xaa, 0x2a]);
        let mut back = [0i16; 5];
        assert_eq!(decode_alaw(&a, &mut back), 5);
        assert_eq!(back, [8, 1008, -1008, 32256, -32256]);
    }
}
