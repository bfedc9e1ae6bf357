//! The error of [`super::Message::parse`].

use core::fmt;

use super::Request;
use crate::header::HeaderError;
use crate::uri::UriError;

/// What was wrong with a message. Each message names the RFC rule broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// Nothing but (optional) CRLFs: a keep-alive, not a message (RFC 5626 §4.4.1).
    Empty,
    /// The datagram exceeds [`super::Limits::max_message_size`]: answer 513.
    MessageTooLarge {
        /// The limit in octets.
        limit: usize,
    },
    /// More header lines than [`super::Limits::max_headers`]: answer 513.
    TooManyHeaders {
        /// The limit in lines.
        limit: usize,
    },
    /// The body exceeds [`super::Limits::max_body_size`]: answer 413.
    BodyTooLarge {
        /// The limit in octets.
        limit: usize,
    },
    /// The Request-Line or Status-Line breaks RFC 3261 §7.1/§7.2.
    StartLine(&'static str),
    /// `SIP-Version` is well-formed but not `SIP/2.0`: answer 505 (RFC 3261 §21.5.7).
    VersionNotSupported,
    /// The Request-URI is malformed (RFC 3261 §7.1, §19.1).
    RequestUri(UriError),
    /// A header line is malformed (no colon, bad name, bare CR or LF, folding with nothing to
    /// continue).
    HeaderLine(&'static str),
    /// The datagram ends before the empty line that ends the headers (RFC 3261 §7).
    Unterminated,
    /// A header checked at parse time (Content-Length, CSeq, Max-Forwards, Expires) is bad.
    Header(HeaderError),
    /// The CSeq method differs from the Request-Line method (RFC 3261 §8.1.1.5, RFC 4475
    /// §3.1.2.17).
    CSeqMethodMismatch,
    /// Content-Length promises more octets than the datagram holds (RFC 3261 §18.3).
    BodyTruncated {
        /// Octets declared by Content-Length.
        declared: u32,
        /// Octets actually after the empty line.
        available: usize,
    },
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseErrorKind::Empty => f.write_str("empty message (only CRLFs; RFC 3261 §7.5)"),
            ParseErrorKind::MessageTooLarge { limit } => {
                write!(f, "message larger than the {limit}-octet limit")
            }
            ParseErrorKind::TooManyHeaders { limit } => {
                write!(f, "more than {limit} header lines")
            }
            ParseErrorKind::BodyTooLarge { limit } => {
                write!(f, "body larger than the {limit}-octet limit")
            }
            ParseErrorKind::StartLine(why) => f.write_str(why),
            ParseErrorKind::VersionNotSupported => {
                f.write_str("SIP-Version is not SIP/2.0 (RFC 3261 §7.1; answer 505)")
            }
            ParseErrorKind::RequestUri(e) => write!(f, "Request-URI: {e}"),
            ParseErrorKind::HeaderLine(why) => f.write_str(why),
            ParseErrorKind::Unterminated => f.write_str(
                "headers not terminated by an empty line (RFC 3261 §7: CRLF after message-headers)",
            ),
            ParseErrorKind::Header(e) => write!(f, "{e}"),
            ParseErrorKind::CSeqMethodMismatch => f.write_str(
                "CSeq method differs from the Request-Line method (RFC 3261 §8.1.1.5)",
            ),
            ParseErrorKind::BodyTruncated {
                declared,
                available,
            } => write!(
                f,
                "Content-Length {declared} exceeds the {available} octets left in the datagram (RFC 3261 §18.3)"
            ),
        }
    }
}

/// A message that could not be parsed, with the status to answer it with and, when the
/// request line and header lines were readable, the partly parsed request, so a UAS can still
/// build its `400` with [`super::ResponseBuilder::from_request`].
#[derive(Debug, Clone)]
pub struct ParseError {
    kind: ParseErrorKind,
    partial: Option<Box<Request>>,
}

impl ParseError {
    pub(crate) fn new(kind: ParseErrorKind) -> Self {
        ParseError {
            kind,
            partial: None,
        }
    }

    pub(crate) fn with_partial(kind: ParseErrorKind, req: Request) -> Self {
        ParseError {
            kind,
            partial: Some(Box::new(req)),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ParseErrorKind {
        &self.kind
    }

    /// The status code RFC 3261 says to answer a request with: 505 for an unsupported
    /// version, 513 for a message over the size limits, 413 for an oversized body, 400
    /// otherwise. (Malformed responses are dropped, never answered.)
    pub fn status_code(&self) -> u16 {
        match self.kind {
            ParseErrorKind::VersionNotSupported => 505,
            ParseErrorKind::MessageTooLarge { .. } | ParseErrorKind::TooManyHeaders { .. } => 513,
            ParseErrorKind::BodyTooLarge { .. } => 413,
            _ => 400,
        }
    }

    /// The request as far as it could be read: its Request-Line and every well-formed header
    /// line, so Via, From, To, Call-ID and CSeq can be copied into an error response. `None`
    /// when the Request-Line itself was unreadable or the message was a response.
    pub fn partial_request(&self) -> Option<&Request> {
        self.partial.as_deref()
    }

    /// Takes the partial request out.
    pub fn into_partial_request(self) -> Option<Request> {
        self.partial.map(|b| *b)
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (answer {})", self.kind, self.status_code())
    }
}

impl std::error::Error for ParseError {}

impl From<ParseErrorKind> for ParseError {
    fn from(kind: ParseErrorKind) -> Self {
        ParseError::new(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_names_its_rule_and_status() {
        let cases: [(ParseErrorKind, u16, &str); 12] = [
            (ParseErrorKind::Empty, 400, "RFC 3261 §7.5"),
            (
                ParseErrorKind::MessageTooLarge { limit: 9 },
                513,
                "9-octet limit",
            ),
            (
                ParseErrorKind::TooManyHeaders { limit: 7 },
                513,
                "more than 7 header lines",
            ),
            (
                ParseErrorKind::BodyTooLarge { limit: 5 },
                413,
                "5-octet limit",
            ),
            (
                ParseErrorKind::StartLine("x (RFC 3261 §7.1)"),
                400,
                "RFC 3261 §7.1",
            ),
            (ParseErrorKind::VersionNotSupported, 505, "SIP/2.0"),
            (
                ParseErrorKind::RequestUri(UriError::BadHost),
                400,
                "RFC 3261 §25.1 host",
            ),
            (
                ParseErrorKind::HeaderLine("y (RFC 3261 §7.3)"),
                400,
                "RFC 3261 §7.3",
            ),
            (ParseErrorKind::Unterminated, 400, "RFC 3261 §7"),
            (
                ParseErrorKind::Header(HeaderError::Missing { header: "To" }),
                400,
                "To: header missing",
            ),
            (ParseErrorKind::CSeqMethodMismatch, 400, "RFC 3261 §8.1.1.5"),
            (
                ParseErrorKind::BodyTruncated {
                    declared: 10,
                    available: 3,
                },
                400,
                "RFC 3261 §18.3",
            ),
        ];
        for (kind, status, text) in cases {
            let e = ParseError::new(kind);
            assert_eq!(e.status_code(), status, "{kind:?}");
            assert!(e.to_string().contains(text), "{e}");
            assert!(
                e.to_string().ends_with(&format!("(answer {status})")),
                "{e}"
            );
            assert!(e.partial_request().is_none());
        }
    }
}
