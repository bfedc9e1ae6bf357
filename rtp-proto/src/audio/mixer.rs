//! An N-party mix-minus mixer: every participant hears everyone but themselves.
//!
//! The sum of all inputs is computed once per frame in a 32-bit accumulator (wide enough for
//! 65,536 full-scale inputs); each participant's output is that total minus their own input,
//! saturated to 16 bits. The cost is O(N × frame), not the O(N² × frame) of summing the
//! others separately, and loud conferences clip instead of wrapping around into noise. The
//! loops are plain element-wise arithmetic that the compiler turns into SIMD.

/// A participant's handle in a [`Mixer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParticipantId(usize);

/// A mixer for up to `MAX` participants (at most 65,536) and frames of up to `FRAME`
/// samples, with all storage inline.
#[derive(Debug, Clone)]
pub struct Mixer<const MAX: usize, const FRAME: usize> {
    inputs: [[i16; FRAME]; MAX],
    present: [bool; MAX],
    total: [i32; FRAME],
}

impl<const MAX: usize, const FRAME: usize> Default for Mixer<MAX, FRAME> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const MAX: usize, const FRAME: usize> Mixer<MAX, FRAME> {
    /// An empty mixer.
    pub fn new() -> Self {
        // The 32-bit total holds 65,536 inputs of ±32,768 without overflow.
        const { assert!(MAX <= 1 << 16, "a Mixer holds at most 65,536 participants") };
        Self {
            inputs: [[0; FRAME]; MAX],
            present: [false; MAX],
            total: [0; FRAME],
        }
    }

    /// Adds a participant, or `None` when `MAX` are already present.
    pub fn join(&mut self) -> Option<ParticipantId> {
        let i = self.present.iter().position(|p| !p)?;
        if let (Some(p), Some(input)) = (self.present.get_mut(i), self.inputs.get_mut(i)) {
            *p = true;
            *input = [0; FRAME];
        }
        Some(ParticipantId(i))
    }

    /// Removes a participant; its handle must not be used again.
    pub fn leave(&mut self, id: ParticipantId) {
        if let Some(p) = self.present.get_mut(id.0) {
            *p = false;
        }
    }

    /// Participants present.
    pub fn len(&self) -> usize {
        self.present.iter().filter(|p| **p).count()
    }

    /// Whether nobody is present.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sets a participant's input for the next [`mix`](Self::mix): up to `FRAME` samples,
    /// the rest of the frame silent. Not calling it leaves last frame's input; call
    /// [`silence`](Self::silence) for a participant who sent nothing.
    pub fn set_input(&mut self, id: ParticipantId, samples: &[i16]) {
        if let Some(input) = self.inputs.get_mut(id.0) {
            let n = samples.len().min(FRAME);
            input[..n].copy_from_slice(&samples[..n]);
            input[n..].fill(0);
        }
    }

    /// The participant's input for the next [`mix`](Self::mix), to decode into directly
    /// (it keeps last frame's samples until overwritten); `None` for an unknown handle.
    pub fn input_mut(&mut self, id: ParticipantId) -> Option<&mut [i16; FRAME]> {
        self.inputs.get_mut(id.0)
    }

    /// Makes a participant's input silent.
    pub fn silence(&mut self, id: ParticipantId) {
        self.set_input(id, &[]);
    }

    /// Sums every present participant's input: O(participants × FRAME).
    pub fn mix(&mut self) {
        self.total = [0; FRAME];
        for (input, _) in self.inputs.iter().zip(&self.present).filter(|(_, p)| **p) {
            for (t, s) in self.total.iter_mut().zip(input) {
                // At most 65,536 inputs of magnitude 32,768: within i32.
                *t += i32::from(*s);
            }
        }
    }

    /// Writes what `id` hears (everyone's input but its own, from the last
    /// [`mix`](Self::mix)) into `out`, saturating to the 16-bit range; writes
    /// `min(out.len(), FRAME)` samples and returns that count.
    pub fn output(&self, id: ParticipantId, out: &mut [i16]) -> usize {
        let silent = [0i16; FRAME];
        let own = match (self.inputs.get(id.0), self.present.get(id.0)) {
            (Some(input), Some(true)) => input,
            _ => &silent,
        };
        let n = out.len().min(FRAME);
        for ((o, t), s) in out.iter_mut().zip(&self.total).zip(own) {
            let v = (t - i32::from(*s)).clamp(i32::from(i16::MIN), i32::from(i16::MAX));
            // Clamped to the i16 range on the line above.
            *o = v as i16;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn everyone_hears_the_others_and_loud_sums_saturate() {
        let mut m = Mixer::<4, 3>::new();
        let a = m.join().unwrap();
        let b = m.join().unwrap();
        let c = m.join().unwrap();
        m.set_input(a, &[100, 30_000, -30_000]);
        m.set_input(b, &[10, 30_000, -30_000]);
        m.set_input(c, &[1]);
        m.mix();
        let mut out = [0i16; 3];
        assert_eq!(m.output(a, &mut out), 3);
        assert_eq!(out, [11, 30_000, -30_000]);
        m.output(c, &mut out);
        assert_eq!(out, [110, i16::MAX, i16::MIN]);
        m.leave(b);
        m.mix();
        m.output(a, &mut out);
        assert_eq!(out, [1, 0, 0]);
        assert_eq!(m.len(), 2);
        let d = m.join().unwrap();
        let e = m.join().unwrap();
        assert_eq!(m.join(), None);
        assert_ne!(d, e);
    }

    proptest! {
        #[test]
        fn matches_the_quadratic_definition(inputs in proptest::collection::vec(proptest::collection::vec(any::<i16>(), 4), 1..8)) {
            let mut m = Mixer::<8, 4>::new();
            let ids: Vec<_> = inputs.iter().map(|s| { let id = m.join().unwrap(); m.set_input(id, s); id }).collect();
            m.mix();
            for (i, id) in ids.iter().enumerate() {
                let mut out = [0i16; 4];
                m.output(*id, &mut out);
                for k in 0..4 {
                    let sum: i64 = inputs.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, s)| i64::from(s[k])).sum();
                    prop_assert_eq!(i64::from(out[k]), sum.clamp(-32768, 32767));
                }
            }
        }
    }
}
