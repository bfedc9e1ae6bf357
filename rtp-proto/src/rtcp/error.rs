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
        }
    }
}

impl std::error::Error for RtcpError {}
