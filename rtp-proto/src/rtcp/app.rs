//! Application-defined, RTCP packet type 204 (RFC 3550 §6.7).
//!
//! ```text
//! |V=2|P| subtype |   PT=APP=204  |             length            |
//! |                           SSRC/CSRC                           |
//! |                          name (ASCII)                         |
//! |                   application-dependent data                ...
//! ```
//! The data is a whole number of 32-bit words (§6.7 "application-dependent data").

use super::header::{emit_header, packet_type, RawRtcp, HEADER_LEN};
use super::{be32, RtcpError};
use crate::error::EmitError;

/// The largest subtype: it lives in the 5-bit count field.
pub const MAX_APP_SUBTYPE: u8 = 31;

/// An APP packet: a subtype, the sender, a four-octet name and opaque data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct App<'a> {
    /// The 5-bit subtype (0..=31), in the count field's place.
    pub subtype: u8,
    /// The SSRC or CSRC of the sender.
    pub ssrc: u32,
    /// Four ASCII octets naming the application (RFC 3550 §6.7 "name").
    pub name: [u8; 4],
    /// Application data; a multiple of 4 octets when emitted.
    pub data: &'a [u8],
}

impl<'a> App<'a> {
    /// Parses an APP packet from a checked raw packet (its type must be 204).
    ///
    /// # Errors
    /// [`RtcpError::MalformedApp`] when the body is shorter than SSRC and name.
    pub fn parse(raw: &RawRtcp<'a>) -> Result<Self, RtcpError> {
        let body = raw.body;
        let (head, data) = body.split_at_checked(8).ok_or(RtcpError::MalformedApp)?;
        let name = [head[4], head[5], head[6], head[7]];
        Ok(Self {
            subtype: raw.count,
            ssrc: be32(head, 0),
            name,
            data,
        })
    }

    /// The emitted length in bytes.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + 8 + self.data.len()
    }

    /// Writes the APP packet into `buf`, returning its length.
    ///
    /// # Errors
    /// [`EmitError::BufferTooSmall`] if `buf` is short; [`EmitError::FieldOutOfRange`] for a
    /// subtype above 31 or data that is not whole 32-bit words.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        if self.subtype > MAX_APP_SUBTYPE {
            return Err(EmitError::FieldOutOfRange {
                field: "app subtype",
            });
        }
        if self.data.len() % 4 != 0 {
            return Err(EmitError::FieldOutOfRange { field: "app data" });
        }
        let len = self.buffer_len();
        emit_header(buf, usize::from(self.subtype), packet_type::APP, len)?;
        // emit_header checked buf.len() >= len.
        buf[4..8].copy_from_slice(&self.ssrc.to_be_bytes());
        buf[8..12].copy_from_slice(&self.name);
        buf[12..len].copy_from_slice(self.data);
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn exact_bytes() {
        let app = App {
            subtype: 3,
            ssrc: 0x0102_0304,
            name: *b"TEST",
            data: &[9, 8, 7, 6],
        };
        let mut buf = [0u8; 16];
        assert_eq!(app.emit(&mut buf), Ok(16));
        assert_eq!(
            buf,
            [0x83, 204, 0, 3, 1, 2, 3, 4, b'T', b'E', b'S', b'T', 9, 8, 7, 6]
        );
        let (raw, _) = RawRtcp::split_first(&buf).unwrap();
        assert_eq!(App::parse(&raw), Ok(app));
        assert_eq!(
            App { data: &[1], ..app }.emit(&mut buf),
            Err(EmitError::FieldOutOfRange { field: "app data" })
        );
        assert_eq!(
            App { subtype: 32, ..app }.emit(&mut buf),
            Err(EmitError::FieldOutOfRange {
                field: "app subtype"
            })
        );
    }

    #[test]
    fn short_body_is_rejected() {
        let buf = [0x80, 204, 0, 1, 1, 2, 3, 4];
        let (raw, _) = RawRtcp::split_first(&buf).unwrap();
        assert_eq!(App::parse(&raw), Err(RtcpError::MalformedApp));
    }

    proptest! {
        #[test]
        fn round_trip(
            subtype in 0u8..=31,
            ssrc in any::<u32>(),
            name in any::<[u8; 4]>(),
            words in proptest::collection::vec(any::<[u8; 4]>(), 0..32),
        ) {
            let data: Vec<u8> = words.concat();
            let app = App { subtype, ssrc, name, data: &data };
            let mut buf = vec![0u8; app.buffer_len()];
            let n = app.emit(&mut buf).unwrap();
            let (raw, rest) = RawRtcp::split_first(&buf[..n]).unwrap();
            prop_assert!(rest.is_empty());
            prop_assert_eq!(App::parse(&raw).unwrap(), app);
        }
    }
}
