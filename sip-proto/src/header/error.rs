//! The error of the typed header accessors.

use core::fmt;

use crate::uri::UriError;

/// Why a typed header could not be read. Every variant maps to `400 Bad Request` when the
/// header came in a request (RFC 3261 §8.2.2, §21.4.1); see [`HeaderError::status_code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderError {
    /// The header is required here but absent.
    Missing {
        /// The header's name.
        header: &'static str,
    },
    /// The value is not UTF-8; read it with `Headers::get_raw`.
    NotUtf8 {
        /// The header's name.
        header: &'static str,
    },
    /// The value breaks the header's grammar.
    Syntax {
        /// The header's name.
        header: &'static str,
        /// What rule was broken, citing RFC 3261.
        rule: &'static str,
    },
    /// A number does not fit the range the RFC gives it.
    Overflow {
        /// The header's name.
        header: &'static str,
        /// The range that was exceeded.
        rule: &'static str,
    },
    /// The URI inside the header is malformed.
    Uri {
        /// The header's name.
        header: &'static str,
        /// What is wrong with the URI.
        error: UriError,
    },
    /// Several lines of a header that may appear once carry different values (RFC 3261 §7.3:
    /// such a request is answered 400, RFC 4475 §3.3.8).
    Conflicting {
        /// The header's name.
        header: &'static str,
    },
}

impl HeaderError {
    /// The SIP status code to answer a request carrying this error with: always 400.
    pub fn status_code(&self) -> u16 {
        400
    }

    /// The name of the header at fault.
    pub fn header(&self) -> &'static str {
        match *self {
            HeaderError::Missing { header }
            | HeaderError::NotUtf8 { header }
            | HeaderError::Syntax { header, .. }
            | HeaderError::Overflow { header, .. }
            | HeaderError::Uri { header, .. }
            | HeaderError::Conflicting { header } => header,
        }
    }

    pub(crate) fn syntax(header: &'static str, rule: &'static str) -> Self {
        HeaderError::Syntax { header, rule }
    }
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderError::Missing { header } => write!(f, "{header}: header missing"),
            HeaderError::NotUtf8 { header } => write!(f, "{header}: value is not UTF-8"),
            HeaderError::Syntax { header, rule } => write!(f, "{header}: {rule}"),
            HeaderError::Overflow { header, rule } => {
                write!(f, "{header}: value out of range: {rule}")
            }
            HeaderError::Uri { header, error } => write!(f, "{header}: {error}"),
            HeaderError::Conflicting { header } => write!(
                f,
                "{header}: appears more than once with different values (RFC 3261 §7.3, §20)"
            ),
        }
    }
}

impl std::error::Error for HeaderError {}
