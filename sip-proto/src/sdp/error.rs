//! Parse errors and the limits that bound what a parsed description may hold.
//!
//! A session description comes from the peer, so every repeated element has a cap: an offer
//! with ten thousand `a=` lines is refused with [`ParseErrorKind::TooMany`] rather than
//! allocating without bound (STYLE 11, DESIGN "never unbounded memory").

use core::fmt;

/// Caps on repeated elements, checked while parsing.
///
/// Start from [`Limits::DEFAULT`] and lower or raise single fields:
///
/// ```
/// use sip_proto::sdp::{parse_with_limits, Limits, ParseErrorKind};
///
/// let mut limits = Limits::DEFAULT;
/// limits.max_media = 1;
/// let two = b"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n\
///             m=audio 4000 RTP/AVP 0\r\nm=video 4002 RTP/AVP 31\r\n";
/// let err = parse_with_limits(two, &limits).unwrap_err();
/// assert_eq!(err.line, 6);
/// assert_eq!(err.kind, ParseErrorKind::TooMany { what: "media sections", limit: 1 });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Maximum number of media descriptions (`m=` sections, RFC 8866 §5.14).
    pub max_media: usize,
    /// Maximum number of `a=` lines in one section (session level, or one media section).
    pub max_attributes: usize,
    /// Maximum number of formats (`<fmt>` tokens) on one `m=` line.
    pub max_formats: usize,
    /// Maximum count of every other repeatable element within one section: `e=`, `p=`, `b=`,
    /// media-level `c=`, `t=`, `r=` per `t=`, offsets per `r=`, and adjustments on `z=`.
    pub max_repeated: usize,
}

impl Limits {
    /// Limits generous enough for WebRTC-sized offers (dozens of codecs and attributes)
    /// and small enough to keep a hostile description to a few kilobytes of heap.
    pub const DEFAULT: Limits = Limits {
        max_media: 16,
        max_attributes: 128,
        max_formats: 64,
        max_repeated: 16,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Why a session description could not be parsed, and on which line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParseError {
    /// 1-based line number of the offending line; 0 when the error concerns the description
    /// as a whole (a required line is missing, or the input is empty).
    pub line: usize,
    /// The type letter of the offending line (`'m'` for an `m=` line), when known.
    pub field: Option<char>,
    /// What is wrong.
    pub kind: ParseErrorKind,
}

/// The kinds of [`ParseError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The input holds no lines at all.
    Empty,
    /// The line is not valid UTF-8 (RFC 8866 §5: SDP text is UTF-8).
    NotUtf8,
    /// The line is not `<type>=<value>` with a single lowercase letter as type (RFC 8866 §5).
    NotATypeLine,
    /// The type letter is not one RFC 8866 defines; §5 lets a parser reject such descriptions.
    UnknownType,
    /// The first line is not `v=` (RFC 8866 §5: the description starts with `v=`).
    VersionNotFirst,
    /// `v=` holds something other than `0` (RFC 8866 §5.1).
    UnsupportedVersion,
    /// The line type is not allowed here, e.g. `o=` inside a media section or `r=` before any
    /// `t=` (RFC 8866 §5 line order).
    Misplaced,
    /// The line may appear only once in its section.
    Duplicate,
    /// The value does not follow the line's grammar; the text says which part.
    Invalid(&'static str),
    /// More repeated elements than the [`Limits`] allow.
    TooMany {
        /// What was counted ("media sections", "attributes", ...).
        what: &'static str,
        /// The limit that was exceeded.
        limit: usize,
    },
    /// The description has no `o=` line (RFC 8866 §5.2 makes it mandatory).
    MissingOrigin,
    /// The description has no `s=` line (RFC 8866 §5.3 makes it mandatory).
    MissingSessionName,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SDP")?;
        if self.line != 0 {
            write!(f, " line {}", self.line)?;
        }
        if let Some(c) = self.field {
            write!(f, " ({c}=)")?;
        }
        f.write_str(": ")?;
        match self.kind {
            ParseErrorKind::Empty => f.write_str("the description is empty"),
            ParseErrorKind::NotUtf8 => f.write_str("the line is not valid UTF-8"),
            ParseErrorKind::NotATypeLine => {
                f.write_str("expected `<letter>=<value>` (RFC 8866 section 5)")
            }
            ParseErrorKind::UnknownType => f.write_str("unknown line type"),
            ParseErrorKind::VersionNotFirst => f.write_str("the description must start with v=0"),
            ParseErrorKind::UnsupportedVersion => f.write_str("only protocol version v=0 exists"),
            ParseErrorKind::Misplaced => {
                f.write_str("this line type is not allowed here (RFC 8866 section 5 order)")
            }
            ParseErrorKind::Duplicate => f.write_str("this line may appear only once here"),
            ParseErrorKind::Invalid(what) => f.write_str(what),
            ParseErrorKind::TooMany { what, limit } => {
                write!(
                    f,
                    "more than {limit} {what}; raise sdp::Limits to accept it"
                )
            }
            ParseErrorKind::MissingOrigin => f.write_str("the required o= line is missing"),
            ParseErrorKind::MissingSessionName => f.write_str("the required s= line is missing"),
        }
    }
}

impl std::error::Error for ParseError {}
