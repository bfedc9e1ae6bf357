//! Multipart bodies (RFC 2046 §5.1) as views: parts are slices of the message body, nothing is
//! copied.
//!
//! SIP carries several bodies in one message with `multipart/mixed` (SIP-T's SDP plus an ISUP
//! message, RFC 3204), `multipart/alternative` or `multipart/related` (RFC 5621).
//! [`Multipart::parse`] takes the Content-Type and the body, checks the whole structure once
//! (delimiters, the close delimiter, each part's header section, the [`Limits`]), and
//! [`Multipart::parts`] then hands out each part's headers and body as subslices of the body
//! given. To keep a part beyond the message, cut it out of the body's `Bytes` without
//! copying: `msg_body_bytes.slice_ref(part.body())`.
//!
//! ```text
//! multipart-body    = [preamble CRLF] dash-boundary transport-padding CRLF body-part
//!                     *encapsulation close-delimiter transport-padding [CRLF epilogue]
//! encapsulation     = delimiter transport-padding CRLF body-part
//! dash-boundary     = "--" boundary          ; at the start of the body or of a line
//! delimiter         = CRLF dash-boundary     ; the CRLF belongs to the delimiter
//! close-delimiter   = delimiter "--"
//! transport-padding = *LWSP-char             ; SP / HTAB
//! body-part         = MIME-part-headers [CRLF *OCTET]
//! boundary          = 0*69bchars bcharsnospace
//! ```
//!
//! ```
//! use sip_proto::multipart::Multipart;
//!
//! let body = b"--b1\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n\
//!              \r\n--b1\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b1--\r\n";
//! let m = Multipart::parse("multipart/mixed;boundary=b1", body)?;
//! let parts: Vec<_> = m.parts().collect();
//! assert_eq!(parts.len(), 2);
//! assert_eq!(parts[0].content_type(), Some("application/sdp"));
//! assert_eq!(parts[0].body(), b"v=0\r\n");
//! assert_eq!(parts[1].body(), b"hi");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;

use crate::header::params::{skip_token, Params};
use crate::uri::chars::is_token_char;

/// Caps on what one multipart body may make the parser walk: crossing one is
/// [`MultipartError::TooManyParts`] or [`MultipartError::TooManyPartHeaders`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Most body parts accepted. Default 16 (SIP-T and RFC 5621 messages carry two or three).
    pub max_parts: usize,
    /// Most header lines in one part (continuation lines not counted). Default 32.
    pub max_part_headers: usize,
}

impl Limits {
    /// The default limits.
    pub const DEFAULT: Limits = Limits {
        max_parts: 16,
        max_part_headers: 32,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Why a multipart body was refused. Each message names the RFC 2046 rule broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MultipartError {
    /// The Content-Type is not `multipart/<subtype>`.
    NotMultipart,
    /// The Content-Type has no `boundary` parameter.
    MissingBoundary,
    /// The boundary is empty, longer than 70 characters, ends in a space or holds a
    /// character outside `bchars`.
    BadBoundary,
    /// No line of the body starts with `--` boundary.
    NoDelimiter,
    /// The first delimiter is already the close delimiter: there is no body part.
    NoParts,
    /// A delimiter line holds something other than transport padding before its CRLF.
    BadDelimiterLine,
    /// The body ends before the close delimiter `--` boundary `--`.
    MissingCloseDelimiter,
    /// A part's header section is malformed.
    PartHeaders {
        /// The 0-based index of the part.
        part: usize,
        /// The rule broken.
        why: &'static str,
    },
    /// More parts than [`Limits::max_parts`].
    TooManyParts {
        /// The limit.
        limit: usize,
    },
    /// More header lines in one part than [`Limits::max_part_headers`].
    TooManyPartHeaders {
        /// The 0-based index of the part.
        part: usize,
        /// The limit.
        limit: usize,
    },
}

impl fmt::Display for MultipartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MultipartError::NotMultipart => {
                f.write_str("Content-Type is not multipart/<subtype> (RFC 2046 §5.1)")
            }
            MultipartError::MissingBoundary => f.write_str(
                "multipart Content-Type lacks its boundary parameter (RFC 2046 §5.1.1)",
            ),
            MultipartError::BadBoundary => f.write_str(
                "boundary must be 1 to 70 bchars not ending in a space (RFC 2046 §5.1.1 boundary)",
            ),
            MultipartError::NoDelimiter => f.write_str(
                "no line of the body starts with \"--\" boundary (RFC 2046 §5.1.1 dash-boundary)",
            ),
            MultipartError::NoParts => f.write_str(
                "the body holds no body part before the close delimiter (RFC 2046 §5.1.1)",
            ),
            MultipartError::BadDelimiterLine => f.write_str(
                "a delimiter line must end with transport-padding CRLF (RFC 2046 §5.1.1)",
            ),
            MultipartError::MissingCloseDelimiter => f.write_str(
                "the body ends without the close-delimiter \"--\" boundary \"--\" (RFC 2046 §5.1.1)",
            ),
            MultipartError::PartHeaders { part, why } => write!(f, "part {part}: {why}"),
            MultipartError::TooManyParts { limit } => {
                write!(f, "more than {limit} body parts")
            }
            MultipartError::TooManyPartHeaders { part, limit } => {
                write!(f, "part {part}: more than {limit} header lines")
            }
        }
    }
}

impl std::error::Error for MultipartError {}

/// `bcharsnospace = DIGIT / ALPHA / "'" / "(" / ")" / "+" / "_" / "," / "-" / "." / "/" /
/// ":" / "=" / "?"`
fn is_bchar_nospace(c: u8) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            b'\'' | b'(' | b')' | b'+' | b'_' | b',' | b'-' | b'.' | b'/' | b':' | b'=' | b'?'
        )
}

/// `boundary = 0*69<bchars> bcharsnospace`
fn check_boundary(b: &str) -> Result<(), MultipartError> {
    let bytes = b.as_bytes();
    let ok = (1..=70).contains(&bytes.len())
        && bytes.iter().all(|&c| c == b' ' || is_bchar_nospace(c))
        && bytes.last() != Some(&b' ');
    if ok {
        Ok(())
    } else {
        Err(MultipartError::BadBoundary)
    }
}

fn skip_padding(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    i
}

/// A delimiter found in the body.
#[derive(Debug, Clone, Copy)]
struct Delimiter {
    /// Where the content before it ends: the CRLF of the delimiter, or the dash-boundary
    /// itself at the start of the body.
    content_end: usize,
    /// Just past the delimiter line (its CRLF), or past the close delimiter's padding.
    after: usize,
    close: bool,
}

/// Finds the next delimiter at or after `from`: `--boundary` at the start of the body (only
/// when `from` is 0) or right after a CRLF. Running out of body is
/// [`MultipartError::MissingCloseDelimiter`].
fn find_delimiter(body: &[u8], boundary: &[u8], from: usize) -> Result<Delimiter, MultipartError> {
    let mut search = from;
    let mut at_start = from == 0;
    loop {
        let (d, content_end) = if at_start {
            at_start = false;
            (0, 0)
        } else {
            let rest = body.get(search..).unwrap_or(&[]);
            let i = search
                + rest
                    .windows(2)
                    .position(|w| w == b"\r\n")
                    .ok_or(MultipartError::MissingCloseDelimiter)?;
            search = i + 2;
            (i + 2, i)
        };
        if let Some(found) = delimiter_at(body, boundary, d) {
            let (after, close) = found?;
            return Ok(Delimiter {
                content_end,
                after,
                close,
            });
        }
    }
}

/// Whether a delimiter line starts at `d`: `None` if not, else where its line ends and
/// whether it is the close delimiter. A line starting with `--boundary` followed by another
/// bchar (or a single `-`) is not a delimiter: that is a longer boundary sharing the prefix.
fn delimiter_at(
    body: &[u8],
    boundary: &[u8],
    d: usize,
) -> Option<Result<(usize, bool), MultipartError>> {
    let q = d + 2 + boundary.len();
    if body.get(d..d + 2) != Some(b"--") || body.get(d + 2..q) != Some(boundary) {
        return None;
    }
    let close = body.get(q..q + 2) == Some(b"--");
    if !close
        && body
            .get(q)
            .is_some_and(|&c| !matches!(c, b' ' | b'\t' | b'\r'))
    {
        return None;
    }
    let p = skip_padding(body, if close { q + 2 } else { q });
    Some(match body.get(p..p + 2) {
        Some(b"\r\n") => Ok((p + 2, close)),
        // close-delimiter transport-padding [CRLF epilogue]: the body may end right here.
        None if close && p >= body.len() => Ok((body.len(), close)),
        None if p >= body.len() => Err(MultipartError::MissingCloseDelimiter),
        _ => Err(MultipartError::BadDelimiterLine),
    })
}

/// Splits a part into its header section (up to and including the last header's CRLF) and
/// its body, checking the header lines. Returns `(headers_end, body_start)`.
fn split_part(
    part: &[u8],
    index: usize,
    limits: &Limits,
) -> Result<(usize, usize), MultipartError> {
    // body-part = MIME-part-headers [CRLF *OCTET]: headers, an empty line, the body.
    let (headers_end, body_start) = if part.starts_with(b"\r\n") {
        (0, 2)
    } else {
        match part.windows(4).position(|w| w == b"\r\n\r\n") {
            Some(i) => (i + 2, i + 4),
            // Headers only, no body: the last header's CRLF is the delimiter's.
            None => (part.len(), part.len()),
        }
    };
    let headers = part.get(..headers_end).unwrap_or(&[]);
    let mut count = 0;
    for line in HeaderLines::new(headers) {
        let name_end = skip_token(line, 0);
        let colon = skip_padding(line, name_end);
        if name_end == 0 || line.get(colon) != Some(&b':') {
            return Err(MultipartError::PartHeaders {
                part: index,
                why: "header line must be field-name \":\" value; the header section ends with an empty line (RFC 2046 §5.1.1 body-part, RFC 2045 §3)",
            });
        }
        count += 1;
        if count > limits.max_part_headers {
            return Err(MultipartError::TooManyPartHeaders {
                part: index,
                limit: limits.max_part_headers,
            });
        }
    }
    Ok((headers_end, body_start))
}

/// The logical header lines of a header section: each with its folded continuation lines
/// (RFC 5322 §2.2.3), without the final CRLF.
struct HeaderLines<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> HeaderLines<'a> {
    fn new(b: &'a [u8]) -> Self {
        HeaderLines { b, i: 0 }
    }
}

impl<'a> Iterator for HeaderLines<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let start = self.i;
        if start >= self.b.len() {
            return None;
        }
        let mut j = start;
        loop {
            let rest = self.b.get(j..).unwrap_or(&[]);
            match rest.windows(2).position(|w| w == b"\r\n") {
                None => {
                    self.i = self.b.len();
                    return self.b.get(start..);
                }
                Some(k) => {
                    let end = j + k;
                    if matches!(self.b.get(end + 2), Some(b' ' | b'\t')) {
                        j = end + 2;
                        continue;
                    }
                    self.i = end + 2;
                    return self.b.get(start..end);
                }
            }
        }
    }
}

/// A multipart body, checked, ready to hand out its parts. See the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Multipart<'a> {
    body: &'a [u8],
    subtype: &'a str,
    boundary: &'a str,
    preamble_end: usize,
    first_part: usize,
    epilogue_start: usize,
    count: usize,
    limits: Limits,
}

impl<'a> Multipart<'a> {
    /// Reads the boundary from `content_type` (`multipart/<subtype>` with a `boundary`
    /// parameter, quoted or not) and checks `body` against RFC 2046 §5.1.1 with
    /// [`Limits::DEFAULT`].
    pub fn parse(content_type: &'a str, body: &'a [u8]) -> Result<Self, MultipartError> {
        Self::parse_with_limits(content_type, body, &Limits::DEFAULT)
    }

    /// [`Multipart::parse`] with explicit limits.
    pub fn parse_with_limits(
        content_type: &'a str,
        body: &'a [u8],
        limits: &Limits,
    ) -> Result<Self, MultipartError> {
        let (subtype, boundary) = parse_content_type(content_type)?;
        Self::check(subtype, boundary, body, limits)
    }

    /// Checks `body` with a boundary known already (no Content-Type to read it from).
    pub fn with_boundary(
        boundary: &'a str,
        body: &'a [u8],
        limits: &Limits,
    ) -> Result<Self, MultipartError> {
        Self::check("mixed", boundary, body, limits)
    }

    fn check(
        subtype: &'a str,
        boundary: &'a str,
        body: &'a [u8],
        limits: &Limits,
    ) -> Result<Self, MultipartError> {
        check_boundary(boundary)?;
        let bnd = boundary.as_bytes();
        let first = find_delimiter(body, bnd, 0).map_err(|e| match e {
            MultipartError::MissingCloseDelimiter => MultipartError::NoDelimiter,
            other => other,
        })?;
        if first.close {
            return Err(MultipartError::NoParts);
        }
        let mut pos = first.after;
        let mut count = 0;
        loop {
            let next = find_delimiter(body, bnd, pos)?;
            if count >= limits.max_parts {
                return Err(MultipartError::TooManyParts {
                    limit: limits.max_parts,
                });
            }
            split_part(
                body.get(pos..next.content_end).unwrap_or(&[]),
                count,
                limits,
            )?;
            count += 1;
            if next.close {
                return Ok(Multipart {
                    body,
                    subtype,
                    boundary,
                    preamble_end: first.content_end,
                    first_part: first.after,
                    epilogue_start: next.after,
                    count,
                    limits: *limits,
                });
            }
            pos = next.after;
        }
    }

    /// The subtype of the Content-Type (`mixed`, `alternative`, `related`...), as written.
    pub fn subtype(&self) -> &'a str {
        self.subtype
    }

    /// The boundary.
    pub fn boundary(&self) -> &'a str {
        self.boundary
    }

    /// The text before the first delimiter (to be ignored, RFC 2046 §5.1.1).
    pub fn preamble(&self) -> &'a [u8] {
        self.body.get(..self.preamble_end).unwrap_or(&[])
    }

    /// The text after the close delimiter's line (to be ignored, RFC 2046 §5.1.1).
    pub fn epilogue(&self) -> &'a [u8] {
        self.body.get(self.epilogue_start..).unwrap_or(&[])
    }

    /// The number of body parts.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Always false: a checked multipart body has at least one part.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The body parts in order.
    pub fn parts(&self) -> Parts<'a> {
        Parts {
            body: self.body,
            boundary: self.boundary.as_bytes(),
            pos: self.first_part,
            index: 0,
            count: self.count,
            limits: self.limits,
        }
    }
}

/// `media-type = m-type SLASH m-subtype *(SEMI m-parameter)` with `m-type` = `multipart`:
/// returns the subtype and the boundary.
fn parse_content_type(ct: &str) -> Result<(&str, &str), MultipartError> {
    let ct = ct.trim_matches([' ', '\t']);
    let b = ct.as_bytes();
    let type_end = skip_token(b, 0);
    let slash = skip_padding(b, type_end);
    let is_multipart = ct
        .get(..type_end)
        .is_some_and(|t| t.eq_ignore_ascii_case("multipart"));
    if !is_multipart || b.get(slash) != Some(&b'/') {
        return Err(MultipartError::NotMultipart);
    }
    let sub_start = skip_padding(b, slash + 1);
    let sub_end = skip_token(b, sub_start);
    if sub_end == sub_start {
        return Err(MultipartError::NotMultipart);
    }
    let subtype = ct.get(sub_start..sub_end).unwrap_or("");
    let params = ct.get(sub_end..).unwrap_or("");
    let mut it = Params::new(params);
    let boundary = it
        .by_ref()
        .find(|(n, _)| n.eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v);
    match boundary {
        Some(Some(v)) => Ok((subtype, v)),
        Some(None) => Err(MultipartError::BadBoundary),
        None => Err(MultipartError::MissingBoundary),
    }
}

/// The parts of a [`Multipart`], in order.
#[derive(Debug, Clone)]
pub struct Parts<'a> {
    body: &'a [u8],
    boundary: &'a [u8],
    pos: usize,
    index: usize,
    count: usize,
    limits: Limits,
}

impl<'a> Iterator for Parts<'a> {
    type Item = Part<'a>;

    fn next(&mut self) -> Option<Part<'a>> {
        if self.index >= self.count {
            return None;
        }
        // invariant: Multipart::check walked these same delimiters and parts successfully.
        let next = find_delimiter(self.body, self.boundary, self.pos).ok()?;
        let raw = self.body.get(self.pos..next.content_end)?;
        let (headers_end, body_start) = split_part(raw, self.index, &self.limits).ok()?;
        self.pos = next.after;
        self.index += 1;
        Some(Part {
            headers: raw.get(..headers_end)?,
            body: raw.get(body_start..)?,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.count - self.index;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Parts<'_> {}

/// One body part: its MIME headers and its body, both slices of the multipart body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part<'a> {
    headers: &'a [u8],
    body: &'a [u8],
}

impl<'a> Part<'a> {
    /// The part's body (after the empty line; may hold any octets).
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// The header section as written, each line with its CRLF (empty for a part without
    /// headers).
    pub fn headers_raw(&self) -> &'a [u8] {
        self.headers
    }

    /// `(name, value)` of every header line in order; the value is trimmed, and a folded
    /// value keeps its CRLF and leading whitespace.
    pub fn headers(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + 'a {
        HeaderLines::new(self.headers).map(|line| {
            let name_end = line
                .iter()
                .position(|&c| !is_token_char(c))
                .unwrap_or(line.len());
            let colon = line.iter().position(|&c| c == b':').unwrap_or(line.len());
            let name = line.get(..name_end).unwrap_or(&[]);
            let value = line.get(colon + 1..).unwrap_or(&[]).trim_ascii();
            (name, value)
        })
    }

    /// The first header named `name` (ASCII case-insensitive), as bytes.
    pub fn header_raw(&self, name: &str) -> Option<&'a [u8]> {
        self.headers()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v)
    }

    /// The first header named `name` (ASCII case-insensitive), when it is UTF-8.
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.header_raw(name)
            .and_then(|v| core::str::from_utf8(v).ok())
    }

    /// The part's Content-Type; `None` means the RFC 2046 §5.1 default, `text/plain;
    /// charset=us-ascii` (`message/rfc822` inside `multipart/digest`).
    pub fn content_type(&self) -> Option<&'a str> {
        self.header("Content-Type")
    }

    /// The part's Content-Disposition (RFC 3261 §20.11, e.g. `signal;handling=optional`).
    pub fn content_disposition(&self) -> Option<&'a str> {
        self.header("Content-Disposition")
    }

    /// The part's Content-ID (RFC 2045 §7), used by `multipart/related` (RFC 5621).
    pub fn content_id(&self) -> Option<&'a str> {
        self.header("Content-ID")
    }
}
