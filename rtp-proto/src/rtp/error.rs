//! Why an RTP packet was rejected.

use core::fmt;

/// Why received bytes are not a valid RTP packet (RFC 3550 §5.1, Appendix A.1 checks).
///
/// These describe peer garbage: count the packet as invalid and drop it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RtpError {
    /// Fewer bytes than the fixed 12-byte header plus the CSRC list and extension announce.
    Truncated {
        /// Bytes the header claims to need.
        needed: usize,
        /// Bytes present.
        available: usize,
    },
    /// The version field is not 2 (RFC 3550 §5.1).
    BadVersion(u8),
    /// The padding bit is set but the pad count is zero or runs into the header (§5.1 "P").
    BadPadding {
        /// The pad count found in the last octet.
        pad_len: u8,
        /// Octets available after the header for payload and padding.
        available: usize,
    },
}

impl fmt::Display for RtpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { needed, available } => write!(
                f,
                "truncated RTP packet: the header announces {needed} bytes but only {available} arrived"
            ),
            Self::BadVersion(v) => {
                write!(f, "RTP version {v} is not 2; this is not an RTP packet (or it is STUN/DTLS)")
            }
            Self::BadPadding { pad_len, available } => write!(
                f,
                "bad RTP padding: pad count {pad_len} with {available} octets after the header"
            ),
        }
    }
}

impl std::error::Error for RtpError {}
