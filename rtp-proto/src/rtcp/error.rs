//! Why an RTCP packet was rejected.

use core::fmt;

/// Why received bytes are not a valid RTCP packet (RFC 3550 §6, Appendix A.2).
///
/// These describe peer garbage: count the datagram as invalid and drop what could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RtcpError {
    /// The length field (or the fixed part of a packet) runs past the bytes present.
    Truncated {
        /// Bytes the packet needs.
        needed: usize,
        /// Bytes present.
        available: usize,
    },
    /// The version field is not 2 (RFC 3550 §6.4.1).
    BadVersion(u8),
    /// The padding bit is set but the pad count is zero or longer than the packet body.
    BadPadding {
        /// The pad count found in the last octet.
        pad_len: u8,
    },
    /// The count field announces more entries than the length field leaves room for.
    CountTooLarge {
        /// The packet type.
        packet_type: u8,
        /// The announced count.
        count: u8,
    },
    /// An SDES chunk or item runs past the packet or lacks its null terminator (§6.5).
    MalformedSdes,
    /// A BYE reason runs past the packet (§6.6).
    MalformedBye,
    /// An APP packet is shorter than its SSRC and name (RFC 3550 §6.7).
    MalformedApp,
    /// A feedback packet (RFC 4585 §6.1) lacks its two SSRCs, or its feedback control
    /// information is not a whole number of entries (§6.2.1 NACK, RFC 5104 §4.3.1 FIR).
    MalformedFeedback {
        /// The packet type (205 RTPFB or 206 PSFB).
        packet_type: u8,
        /// The feedback message type (FMT).
        fmt: u8,
    },
    /// An XR packet lacks its SSRC, or a report block's length runs past the packet or is
    /// too short for its type (RFC 3611 §3, §4).
    MalformedXr,
}

impl fmt::Display for RtcpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { needed, available } => write!(
                f,
                "truncated RTCP packet: {needed} bytes announced or required, {available} present"
            ),
            Self::BadVersion(v) => write!(f, "RTCP version {v} is not 2"),
            Self::BadPadding { pad_len } => {
                write!(f, "bad RTCP padding count {pad_len} for the packet length")
            }
            Self::CountTooLarge { packet_type, count } => write!(
                f,
                "RTCP packet type {packet_type} announces {count} entries but its length holds fewer"
            ),
            Self::MalformedSdes => {
                write!(f, "malformed SDES: an item overruns the packet or a chunk is not terminated")
            }
            Self::MalformedBye => write!(f, "malformed BYE: the reason overruns the packet"),
            Self::MalformedApp => {
                write!(f, "malformed APP: shorter than the SSRC and 4-octet name")
            }
            Self::MalformedFeedback { packet_type, fmt } => write!(
                f,
                "malformed feedback (PT {packet_type}, FMT {fmt}): missing SSRCs or a partial entry"
            ),
            Self::MalformedXr => write!(
                f,
                "malformed XR: a report block overruns the packet or is too short for its type"
            ),
        }
    }
}

impl std::error::Error for RtcpError {}
