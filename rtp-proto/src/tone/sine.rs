//! A sine tone from a phase accumulator.

use core::f64::consts::TAU;

/// A sine tone generator whose phase carries over from one [`fill`](Self::fill) to the next.
///
/// The phase is kept in cycles in `[0, 1)`, so it never grows and loses precision however long
/// the tone plays.
#[derive(Debug, Clone, PartialEq)]
pub struct ToneGenerator {
    phase: f64,
    increment: f64,
    amplitude: f64,
}

impl ToneGenerator {
    /// A tone of `frequency_hz` with peak `amplitude` at `sample_rate` samples per second.
    ///
    /// A zero sample rate yields silence rather than a division by zero.
    pub fn new(frequency_hz: f64, amplitude: i16, sample_rate: u32) -> Self {
        let increment = if sample_rate == 0 {
            0.0
        } else {
            (frequency_hz / f64::from(sample_rate)).rem_euclid(1.0)
        };
        Self {
            phase: 0.0,
            increment,
            amplitude: f64::from(amplitude),
        }
    }

    /// The current phase in cycles, in `[0, 1)`.
    pub fn phase(&self) -> f64 {
        self.phase
    }

    /// The next sample.
    pub fn next_sample(&mut self) -> i16 {
        let v = (self.amplitude * (TAU * self.phase).sin()).round();
        self.phase += self.increment;
        if self.phase >= 1.0 {
            self.phase -= 1.0;
        }
        // `as` saturates floats at the i16 bounds.
        v as i16
    }

    /// Fills `out` with the next `out.len()` samples.
    pub fn fill(&mut self, out: &mut [i16]) {
        for s in out {
            *s = self.next_sample();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarter_rate_tone_has_exact_samples() {
        let mut g = ToneGenerator::new(1000.0, 10_000, 8000);
        let mut out = [0i16; 8];
        g.fill(&mut out);
        assert_eq!(out, [0, 7071, 10000, 7071, 0, -7071, -10000, -7071]);
    }

    #[test]
    fn phase_continues_across_frames() {
        let mut whole = ToneGenerator::new(440.0, 8000, 8000);
        let mut one = [0i16; 480];
        whole.fill(&mut one);
        let mut split = ToneGenerator::new(440.0, 8000, 8000);
        let mut frames = [0i16; 480];
        for frame in frames.chunks_mut(160) {
            split.fill(frame);
        }
        assert_eq!(one, frames);
        assert!(split.phase() >= 0.0 && split.phase() < 1.0);
    }

    #[test]
    fn zero_rate_is_silence() {
        let mut g = ToneGenerator::new(1000.0, 1000, 0);
        let mut out = [1i16; 4];
        g.fill(&mut out);
        assert_eq!(out, [0; 4]);
    }
}
