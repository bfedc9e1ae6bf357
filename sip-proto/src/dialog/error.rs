//! What can go wrong building or updating a dialog.

use std::fmt;

/// A message could not make or update a dialog. These come from the far end's messages: the
/// caller answers them (400 for a missing header, 500 for an out-of-order CSeq, §12.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DialogError {
    /// A header the dialog needs is absent.
    Missing(&'static str),
    /// A header the dialog needs does not parse.
    Malformed(&'static str),
    /// The far end's CSeq went backwards (§12.2.2): answer 500.
    CSeqOutOfOrder {
        /// The last CSeq we took.
        last: u32,
        /// The one that arrived.
        got: u32,
    },
}

impl DialogError {
    /// The status to answer the request with.
    pub fn status_code(&self) -> u16 {
        match self {
            DialogError::CSeqOutOfOrder { .. } => 500,
            _ => 400,
        }
    }
}

impl fmt::Display for DialogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DialogError::Missing(h) => write!(f, "the message has no {h}, which a dialog needs"),
            DialogError::Malformed(h) => write!(f, "the {h} header does not parse"),
            DialogError::CSeqOutOfOrder { last, got } => write!(
                f,
                "CSeq {got} is not above the dialog's last remote CSeq {last} (RFC 3261 §12.2.2)"
            ),
        }
    }
}

impl std::error::Error for DialogError {}
