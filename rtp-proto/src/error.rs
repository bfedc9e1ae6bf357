//! The crate-wide error type and the error shared by every `emit`.
//!
//! Parsing errors are per layer ([`crate::rtp::RtpError`], [`crate::rtcp::RtcpError`]); every
//! writer reports [`EmitError`]. [`Error`] wraps them all for callers that want one type
//! (house style rule 12).

use core::fmt;

/// Why a packet could not be written into the buffer the caller lent.
///
/// These are caller mistakes (a buffer too small, a field out of range), never peer garbage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EmitError {
    /// The output buffer is shorter than the packet; lend one of at least `needed` bytes.
    BufferTooSmall {
        /// Bytes the packet needs.
        needed: usize,
        /// Bytes the caller lent.
        available: usize,
    },
    /// A field does not fit its wire encoding (named by `field`); fix the value before emitting.
    FieldOutOfRange {
        /// The field that was out of range.
        field: &'static str,
    },
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BufferTooSmall { needed, available } => write!(
                f,
                "output buffer too small: the packet needs {needed} bytes but only {available} were lent"
            ),
            Self::FieldOutOfRange { field } => {
                write!(f, "field `{field}` does not fit its wire encoding")
            }
        }
    }
}

impl std::error::Error for EmitError {}

/// Checks that `buf` holds at least `needed` bytes.
pub(crate) fn ensure_len(buf: &[u8], needed: usize) -> Result<(), EmitError> {
    if buf.len() < needed {
        Err(EmitError::BufferTooSmall {
            needed,
            available: buf.len(),
        })
    } else {
        Ok(())
    }
}

/// Any error this crate returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// An RTP packet failed its checks.
    Rtp(crate::rtp::RtpError),
    /// An RTCP packet failed its checks.
    Rtcp(crate::rtcp::RtcpError),
    /// A packet could not be written.
    Emit(EmitError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rtp(e) => write!(f, "RTP: {e}"),
            Self::Rtcp(e) => write!(f, "RTCP: {e}"),
            Self::Emit(e) => write!(f, "emit: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Rtp(e) => Some(e),
            Self::Rtcp(e) => Some(e),
            Self::Emit(e) => Some(e),
        }
    }
}

impl From<crate::rtp::RtpError> for Error {
    fn from(e: crate::rtp::RtpError) -> Self {
        Self::Rtp(e)
    }
}

impl From<crate::rtcp::RtcpError> for Error {
    fn from(e: crate::rtcp::RtcpError) -> Self {
        Self::Rtcp(e)
    }
}

impl From<EmitError> for Error {
    fn from(e: EmitError) -> Self {
        Self::Emit(e)
    }
}
