//! DTMF dual tones (ITU-T Q.23) and their RFC 4733 §3.2 event codes.

use super::ToneGenerator;

/// A DTMF key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // the variant names are the key labels
pub enum DtmfDigit {
    D0,
    D1,
    D2,
    D3,
    D4,
    D5,
    D6,
    D7,
    D8,
    D9,
    Star,
    Pound,
    A,
    B,
    C,
    D,
}

/// Row (low group) frequencies in Hz (Q.23).
const LOW: [f64; 4] = [697.0, 770.0, 852.0, 941.0];
/// Column (high group) frequencies in Hz (Q.23).
const HIGH: [f64; 4] = [1209.0, 1336.0, 1477.0, 1633.0];

impl DtmfDigit {
    /// All sixteen keys in RFC 4733 event-code order.
    pub const ALL: [Self; 16] = [
        Self::D0,
        Self::D1,
        Self::D2,
        Self::D3,
        Self::D4,
        Self::D5,
        Self::D6,
        Self::D7,
        Self::D8,
        Self::D9,
        Self::Star,
        Self::Pound,
        Self::A,
        Self::B,
        Self::C,
        Self::D,
    ];

    /// The key for a character `0`-`9`, `*`, `#`, `A`-`D` (lower case accepted).
    pub fn from_char(c: char) -> Option<Self> {
        Some(match c.to_ascii_uppercase() {
            '0'..='9' => Self::ALL[c as usize - '0' as usize],
            '*' => Self::Star,
            '#' => Self::Pound,
            'A' => Self::A,
            'B' => Self::B,
            'C' => Self::C,
            'D' => Self::D,
            _ => return None,
        })
    }

    /// The key's character.
    pub fn to_char(self) -> char {
        b"0123456789*#ABCD"[usize::from(self.event_code())] as char
    }

    /// The RFC 4733 §3.2 event code (0-9, `*` = 10, `#` = 11, A-D = 12-15).
    pub fn event_code(self) -> u8 {
        self as u8
    }

    /// The key for an RFC 4733 event code 0..=15.
    pub fn from_event_code(code: u8) -> Option<Self> {
        Self::ALL.get(usize::from(code)).copied()
    }

    /// The (row, column) frequencies in Hz.
    pub fn frequencies(self) -> (f64, f64) {
        // Keypad position: row then column.
        let (row, col) = match self {
            Self::D1 => (0, 0),
            Self::D2 => (0, 1),
            Self::D3 => (0, 2),
            Self::A => (0, 3),
            Self::D4 => (1, 0),
            Self::D5 => (1, 1),
            Self::D6 => (1, 2),
            Self::B => (1, 3),
            Self::D7 => (2, 0),
            Self::D8 => (2, 1),
            Self::D9 => (2, 2),
            Self::C => (2, 3),
            Self::Star => (3, 0),
            Self::D0 => (3, 1),
            Self::Pound => (3, 2),
            Self::D => (3, 3),
        };
        (LOW[row], HIGH[col])
    }
}

/// Generates the dual tone of one DTMF key, phase-continuous across frames.
#[derive(Debug, Clone, PartialEq)]
pub struct DtmfGenerator {
    digit: DtmfDigit,
    low: ToneGenerator,
    high: ToneGenerator,
}

impl DtmfGenerator {
    /// A generator for `digit`, each of its two tones with peak `amplitude_per_tone`.
    ///
    /// The sum saturates at the i16 range, so keep each tone at or below 16383 to avoid
    /// clipping.
    pub fn new(digit: DtmfDigit, amplitude_per_tone: i16, sample_rate: u32) -> Self {
        let (lo, hi) = digit.frequencies();
        Self {
            digit,
            low: ToneGenerator::new(lo, amplitude_per_tone, sample_rate),
            high: ToneGenerator::new(hi, amplitude_per_tone, sample_rate),
        }
    }

    /// The key being generated.
    pub fn digit(&self) -> DtmfDigit {
        self.digit
    }

    /// Fills `out` with the next `out.len()` samples.
    pub fn fill(&mut self, out: &mut [i16]) {
        for s in out {
            *s = self
                .low
                .next_sample()
                .saturating_add(self.high.next_sample());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Goertzel power of `freq` in `x` at 8 kHz.
    fn power(x: &[i16], freq: f64) -> f64 {
        let coeff = 2.0 * (core::f64::consts::TAU * freq / 8000.0).cos();
        let (mut s1, mut s2) = (0.0, 0.0);
        for &v in x {
            let s = f64::from(v) + coeff * s1 - s2;
            s2 = s1;
            s1 = s;
        }
        s1 * s1 + s2 * s2 - coeff * s1 * s2
    }

    #[test]
    fn codes_and_chars_round_trip() {
        for (i, d) in DtmfDigit::ALL.iter().enumerate() {
            assert_eq!(usize::from(d.event_code()), i);
            assert_eq!(DtmfDigit::from_event_code(d.event_code()), Some(*d));
            assert_eq!(DtmfDigit::from_char(d.to_char()), Some(*d));
        }
        assert_eq!(DtmfDigit::from_char('#'), Some(DtmfDigit::Pound));
        assert_eq!(DtmfDigit::from_char('b'), Some(DtmfDigit::B));
        assert_eq!(DtmfDigit::from_char('x'), None);
        assert_eq!(DtmfDigit::from_event_code(16), None);
        assert_eq!(DtmfDigit::D5.frequencies(), (770.0, 1336.0));
        assert_eq!(DtmfDigit::Star.frequencies(), (941.0, 1209.0));
        assert_eq!(DtmfDigit::A.frequencies(), (697.0, 1633.0));
    }

    #[test]
    fn each_key_has_energy_at_its_two_frequencies_only() {
        for d in DtmfDigit::ALL {
            let mut g = DtmfGenerator::new(d, 8000, 8000);
            let mut x = [0i16; 800];
            for frame in x.chunks_mut(160) {
                g.fill(frame);
            }
            let (lo, hi) = d.frequencies();
            let p_lo = power(&x, lo);
            let p_hi = power(&x, hi);
            for f in LOW.iter().chain(HIGH.iter()) {
                if *f != lo && *f != hi {
                    assert!(power(&x, *f) * 100.0 < p_lo.min(p_hi), "{d:?} leaks at {f}");
                }
            }
        }
    }
}
