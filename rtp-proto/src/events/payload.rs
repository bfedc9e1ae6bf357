//! The telephone-event payload (RFC 4733 §2.3).
//!
//! ```text
//!  0                   1                   2                   3
//! |     event     |E|R| volume    |          duration             |
//! ```

use crate::error::{ensure_len, EmitError};

/// Length of one event payload.
pub const PAYLOAD_LEN: usize = 4;
/// The quietest volume: the field is 0..=63, in −dBm0 (§2.3.4).
pub const MAX_VOLUME: u8 = 63;

/// One telephone event report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TelephoneEvent {
    /// The event code (§2.3.1; 0..=15 are the DTMF keys, RFC 4733 §3.2).
    pub event: u8,
    /// The E bit: this packet reports the end of the event (§2.3.2).
    pub end: bool,
    /// The power level as 0..=63 −dBm0 (§2.3.4); larger is quieter.
    pub volume: u8,
    /// The duration so far in timestamp units, from the event's timestamp (§2.3.5).
    pub duration: u16,
}

impl TelephoneEvent {
    /// Parses the first event of a payload. The reserved R bit is ignored (§2.3.3).
    /// Returns `None` when fewer than 4 octets are present.
    pub fn parse(payload: &[u8]) -> Option<Self> {
        let b = payload.get(..PAYLOAD_LEN)?;
        Some(Self {
            event: b[0],
            end: b[1] & 0x80 != 0,
            volume: b[1] & 0x3f,
            duration: u16::from_be_bytes([b[2], b[3]]),
        })
    }

    /// Writes the payload into `buf`, returning [`PAYLOAD_LEN`].
    ///
    /// # Errors
    /// [`EmitError::BufferTooSmall`] if `buf` is short; [`EmitError::FieldOutOfRange`] for a
    /// volume above 63.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        if self.volume > MAX_VOLUME {
            return Err(EmitError::FieldOutOfRange { field: "volume" });
        }
        ensure_len(buf, PAYLOAD_LEN)?;
        buf[0] = self.event;
        buf[1] = (u8::from(self.end) << 7) | self.volume;
        buf[2..4].copy_from_slice(&self.duration.to_be_bytes());
        Ok(PAYLOAD_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn exact_bytes() {
        let e = TelephoneEvent {
            event: 11,
            end: true,
            volume: 10,
            duration: 0x0320,
        };
        let mut b = [0u8; 4];
        assert_eq!(e.emit(&mut b), Ok(4));
        assert_eq!(b, [11, 0x8a, 0x03, 0x20]);
        // The R bit is ignored.
        assert_eq!(TelephoneEvent::parse(&[11, 0xca, 3, 0x20]), Some(e));
        assert_eq!(TelephoneEvent::parse(&b[..3]), None);
        assert!(TelephoneEvent { volume: 64, ..e }.emit(&mut b).is_err());
        assert!(e.emit(&mut b[..3]).is_err());
    }

    proptest! {
        #[test]
        fn round_trip(event in any::<u8>(), end in any::<bool>(), volume in 0u8..=63, duration in any::<u16>()) {
            let e = TelephoneEvent { event, end, volume, duration };
            let mut b = [0u8; 4];
            e.emit(&mut b).unwrap();
            prop_assert_eq!(TelephoneEvent::parse(&b), Some(e));
        }
    }
}
