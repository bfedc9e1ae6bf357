//! Audio codecs as offer/answer sees them: an encoding name, a clock rate, a channel count
//! and the payload type that carries them (RFC 3551 §6, RFC 8866 §6.6).

/// An audio codec the local user agent can send and receive.
///
/// `encoding` is compared case-insensitively with `a=rtpmap` (RFC 4855 §3). For a static
/// payload type (0..=95, RFC 3551 table 4) `payload_type` is the fixed number; for a dynamic
/// codec it is the number used in our offers, while answers reuse the offerer's number
/// (RFC 3264 §6.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Codec {
    /// RTP payload type.
    pub payload_type: u8,
    /// Encoding name (`PCMU`, `opus`).
    pub encoding: &'static str,
    /// RTP clock rate in Hz.
    pub clock_rate: u32,
    /// Channel count (1 for mono).
    pub channels: u16,
}

impl Codec {
    /// G.711 μ-law, static payload type 0 (RFC 3551 §4.5.14).
    pub const PCMU: Codec = Codec {
        payload_type: 0,
        encoding: "PCMU",
        clock_rate: 8000,
        channels: 1,
    };
    /// G.711 A-law, static payload type 8 (RFC 3551 §4.5.14).
    pub const PCMA: Codec = Codec {
        payload_type: 8,
        encoding: "PCMA",
        clock_rate: 8000,
        channels: 1,
    };
    /// G.722, static payload type 9; its RTP clock rate is 8000 although it samples at
    /// 16 kHz (RFC 3551 §4.5.2).
    pub const G722: Codec = Codec {
        payload_type: 9,
        encoding: "G722",
        clock_rate: 8000,
        channels: 1,
    };

    /// True if an encoding name, clock rate and channel count describe this codec.
    pub fn matches(&self, encoding: &str, clock_rate: u32, channels: u16) -> bool {
        self.encoding.eq_ignore_ascii_case(encoding)
            && self.clock_rate == clock_rate
            && self.channels == channels
    }

    /// The same codec carried under another payload type.
    pub fn with_payload_type(self, payload_type: u8) -> Codec {
        Codec {
            payload_type,
            ..self
        }
    }

    /// Its `a=rtpmap` (RFC 8866 §6.6): the channel count is written only when it is not 1.
    pub(crate) fn rtpmap(&self) -> super::Rtpmap<'static> {
        super::Rtpmap {
            payload_type: self.payload_type,
            encoding: self.encoding,
            clock_rate: self.clock_rate,
            channels: (self.channels != 1).then_some(self.channels),
        }
    }
}

/// The encoding name for RFC 4733 DTMF events (`telephone-event`).
pub const TELEPHONE_EVENT: &str = "telephone-event";

/// The events offered with telephone-event: the sixteen DTMF digits 0-9, *, #, A-D
/// (RFC 4733 §3.2, §7.1.1 `a=fmtp:<pt> 0-15`; `0-16` adds flash).
pub const TELEPHONE_EVENT_FMTP: &str = "0-16";

/// The static audio payload types of RFC 3551 §6 table 4: encoding name, clock rate and
/// channel count, used when an offer lists a static payload type without `a=rtpmap`.
pub fn static_audio_payload_type(payload_type: u8) -> Option<(&'static str, u32, u16)> {
    Some(match payload_type {
        0 => ("PCMU", 8000, 1),
        3 => ("GSM", 8000, 1),
        4 => ("G723", 8000, 1),
        5 => ("DVI4", 8000, 1),
        6 => ("DVI4", 16000, 1),
        7 => ("LPC", 8000, 1),
        8 => ("PCMA", 8000, 1),
        9 => ("G722", 8000, 1),
        10 => ("L16", 44100, 2),
        11 => ("L16", 44100, 1),
        12 => ("QCELP", 8000, 1),
        13 => ("CN", 8000, 1),
        14 => ("MPA", 90000, 1),
        15 => ("G728", 8000, 1),
        16 => ("DVI4", 11025, 1),
        17 => ("DVI4", 22050, 1),
        18 => ("G729", 8000, 1),
        _ => return None,
    })
}
