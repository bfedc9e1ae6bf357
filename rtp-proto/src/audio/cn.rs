//! The comfort noise payload (RFC 3389 §3), payload type 13 at 8 kHz (RFC 3551 §4.5.4).
//!
//! ```text
//! |0|   level   |  N1 (opt.) |  N2 (opt.) | ... |  NM (opt.) |
//! ```
//! The first octet is the noise level in −dBov (0..=127); any further octets are quantised
//! reflection coefficients describing the noise spectrum (§3.2), M = their count.

use crate::error::{ensure_len, EmitError};

/// The largest level: the field is 7 bits (§3.1).
pub const MAX_CN_LEVEL: u8 = 127;

/// A comfort noise payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ComfortNoise<'a> {
    /// Noise level in −dBov, 0..=127 (§3.1): 0 is the loudest, 127 the quietest.
    pub level: u8,
    /// Quantised reflection coefficients, first order first (§3.2); may be empty.
    pub coefficients: &'a [u8],
}

impl<'a> ComfortNoise<'a> {
    /// Parses a payload. `None` when it is empty. The level's reserved top bit is masked
    /// off (§3.1 says it is 0).
    pub fn parse(payload: &'a [u8]) -> Option<Self> {
        let (&level, coefficients) = payload.split_first()?;
        Some(Self {
            level: level & MAX_CN_LEVEL,
            coefficients,
        })
    }

    /// The emitted length.
    pub fn buffer_len(&self) -> usize {
        1 + self.coefficients.len()
    }

    /// Writes the payload into `buf`, returning its length.
    ///
    /// # Errors
    /// [`EmitError::BufferTooSmall`] if `buf` is short; [`EmitError::FieldOutOfRange`] for a
    /// level above 127.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        if self.level > MAX_CN_LEVEL {
            return Err(EmitError::FieldOutOfRange { field: "cn level" });
        }
        let len = self.buffer_len();
        ensure_len(buf, len)?;
        buf[0] = self.level;
        buf[1..len].copy_from_slice(self.coefficients);
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn exact_bytes() {
        let cn = ComfortNoise {
            level: 64,
            coefficients: &[0x81, 0x7f],
        };
        let mut b = [0u8; 3];
        assert_eq!(cn.emit(&mut b), Ok(3));
        assert_eq!(b, [64, 0x81, 0x7f]);
        assert_eq!(ComfortNoise::parse(&b), Some(cn));
        assert_eq!(ComfortNoise::parse(&[]), None);
        assert!(ComfortNoise { level: 128, ..cn }.emit(&mut b).is_err());
        assert!(cn.emit(&mut b[..2]).is_err());
    }

    proptest! {
        #[test]
        fn round_trip(level in 0u8..=127, coefficients in proptest::collection::vec(any::<u8>(), 0..12)) {
            let cn = ComfortNoise { level, coefficients: &coefficients };
            let mut b = vec![0u8; cn.buffer_len()];
            cn.emit(&mut b).unwrap();
            prop_assert_eq!(ComfortNoise::parse(&b), Some(cn));
        }
    }
}
