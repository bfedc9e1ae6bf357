//! Writing requests and responses into a buffer the caller lends (RFC 3261 §7, §8.2.6).
//!
//! Builders hold references only (header lines in a `SmallVec` kept inline for up to 16
//! lines); [`RequestBuilder::write`] and [`ResponseBuilder::write`] append to the caller's
//! `Vec<u8>` and allocate nothing else. Content-Length is always computed from the body.

use core::fmt;

use smallvec::SmallVec;

use super::{reason_phrase, HeaderName, Method, Request};
use crate::decimal::push_decimal;
use crate::header::NameAddr;
use crate::uri::chars::{find_cr_or_lf, is_token};

/// A caller error caught while writing: something that would produce a malformed message or
/// let a value inject extra header lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// The Request-URI is empty or holds whitespace or control characters (§7.1).
    RequestUri,
    /// The status code is outside 100..=699 (§7.2).
    Status,
    /// The reason phrase holds CR or LF.
    Reason,
    /// A header name is not a token (§7.3).
    HeaderName,
    /// A header value or Content-Type holds CR or LF, which would inject lines.
    HeaderValue,
    /// A Content-Type line was written as a header and again with the body
    /// ([`super::MessageWriter::body`]).
    ContentTypeTwice,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BuildError::RequestUri => "Request-URI must be non-empty with no whitespace or control characters (RFC 3261 §7.1)",
            BuildError::Status => "status code must be within 100..=699 (RFC 3261 §7.2)",
            BuildError::Reason => "Reason-Phrase must not contain CR or LF (RFC 3261 §25.1)",
            BuildError::HeaderName => "header name must be a token (RFC 3261 §7.3)",
            BuildError::HeaderValue => "header value must not contain CR or LF (RFC 3261 §7.3)",
            BuildError::ContentTypeTwice => "Content-Type given as a header and again with the body; give it once",
        })
    }
}

impl std::error::Error for BuildError {}

#[derive(Debug, Clone, Copy)]
enum Name<'a> {
    Known(HeaderName),
    Custom(&'a str),
}

impl Name<'_> {
    fn as_str(&self) -> &str {
        match self {
            Name::Known(n) => n.as_str(),
            Name::Custom(s) => s,
        }
    }

    fn is(&self, n: HeaderName) -> bool {
        match self {
            Name::Known(k) => *k == n,
            Name::Custom(s) => HeaderName::from_name(s) == Some(n),
        }
    }
}

type Lines<'a> = SmallVec<[(Name<'a>, &'a [u8]); 16]>;

/// `0x01` in every octet of a word: times `k`, the word holding `k` in every octet.
const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every octet of a word.
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether `b` holds a CR or an LF: a header value or reason phrase holding one would end its
/// line early and let the rest pass for another header (RFC 3261 §7.3.1, §25.1).
///
/// Values are nearly always clean, so the fast path only answers "is any octet below 0x0E"
/// (which CR and LF are), with no branch per octet or word; only when it fires (CR, LF, or
/// another control such as HTAB) does [`find_cr_or_lf`] look for CR and LF exactly.
/// From sixteen octets on, it keeps the least octet seen in each of sixteen lanes (a form the
/// compiler turns into one vector minimum per block), the last block overlapping the one
/// before it; shorter slices take two overlapping words and the "has less than" test
/// `(x - 0x0E..) & !x & 0x80..`.
pub(crate) fn has_crlf(b: &[u8]) -> bool {
    const LIMIT: u8 = 0x0E;
    let control = if let Some(last) = b.len().checked_sub(16) {
        let mut least = [u8::MAX; 16];
        let mut take = |block: &[u8]| {
            for (l, &c) in least.iter_mut().zip(block) {
                *l = (*l).min(c);
            }
        };
        b.chunks_exact(16).for_each(&mut take);
        take(b.get(last..).unwrap_or_default());
        least.iter().fold(false, |any, &l| any | (l < LIMIT))
    } else if let Some(last) = b.len().checked_sub(8) {
        let below = |x: u64| x.wrapping_sub(ONES * u64::from(LIMIT)) & !x;
        // A slice that is not eight octets (never the case here) counts as clean:
        // `!u64::MAX` is zero.
        let word = |w: &[u8]| <[u8; 8]>::try_from(w).map_or(u64::MAX, u64::from_le_bytes);
        let head = below(word(b.get(..8).unwrap_or_default()));
        let tail = below(word(b.get(last..).unwrap_or_default()));
        (head | tail) & HIGHS != 0
    } else {
        return b.iter().any(|&c| c == b'\r' || c == b'\n');
    };
    control && find_cr_or_lf(b).is_some()
}

/// Whether `c` may not appear in a Request-URI: SP, a control octet (at most 0x20) or DEL.
/// RFC 3261 §7.1 puts the Request-URI between single spaces and §25.1 builds it from visible
/// characters only, so any such octet would break the Request-Line.
fn is_space_or_control(c: u8) -> bool {
    c <= b' ' || c == 0x7f
}

/// High bit set in the lowest octet of `x` (little-endian) that is at most 0x20 or is 0x7f,
/// and possibly in octets above it; zero when there is none.
///
/// Two "has less than" tests on the word: `(x - 0x21..) & !x` flags octets below 0x21, and the
/// same with `0x01..` on `x ^ 0x7f..` flags octets equal to 0x7f. A borrow only runs upward from
/// an octet that really matches, so the lowest flag is exact; octets of 0x80 and above never
/// match (`!x` clears their flag).
fn space_or_control_flags(x: u64) -> u64 {
    let del = x ^ (ONES * 0x7f);
    ((x.wrapping_sub(ONES * 0x21) & !x) | (del.wrapping_sub(ONES) & !del)) & HIGHS
}

/// Index of the first octet of `b` that may not appear in a Request-URI (see
/// [`is_space_or_control`]), eight octets at a time; the last word overlaps the one before it
/// (whose octets are all clean), so a flag there is past the overlap.
pub(crate) fn find_space_or_control(b: &[u8]) -> Option<usize> {
    let word_at = |at: usize| {
        b.get(at..at + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
            .map(u64::from_le_bytes)
    };
    let Some(last) = b.len().checked_sub(8) else {
        return b.iter().position(|&c| is_space_or_control(c));
    };
    let mut at = 0;
    while at < last {
        let flags = word_at(at).map_or(0, space_or_control_flags);
        if flags != 0 {
            return Some(at + (flags.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let flags = word_at(last).map_or(0, space_or_control_flags);
    (flags != 0).then(|| last + (flags.trailing_zeros() / 8) as usize)
}

/// Whether `uri` can stand as a Request-URI on a Request-Line (RFC 3261 §7.1): non-empty, with
/// no space, control octet or DEL.
pub(crate) fn is_request_uri(uri: &[u8]) -> bool {
    !uri.is_empty() && find_space_or_control(uri).is_none()
}

/// Writes the header lines, then Content-Type (if a body), Content-Length, the empty line and
/// the body. Caller-set Content-Length lines are dropped; so are Content-Type lines when a
/// body with its own type is set.
fn write_rest(
    out: &mut Vec<u8>,
    lines: &Lines<'_>,
    to_tag: Option<&[u8]>,
    body: Option<(&[u8], &[u8])>,
) -> Result<(), BuildError> {
    for (name, value) in lines {
        if name.is(HeaderName::ContentLength)
            || (body.is_some() && name.is(HeaderName::ContentType))
        {
            continue;
        }
        let n = name.as_str().as_bytes();
        // A listed name is a token by construction; only names given as text are checked.
        let listed = matches!(name, Name::Known(k) if !matches!(k, HeaderName::Other(_)));
        if !listed && !is_token(n) {
            return Err(BuildError::HeaderName);
        }
        if has_crlf(value) {
            return Err(BuildError::HeaderValue);
        }
        out.reserve(n.len() + value.len() + 4);
        out.extend_from_slice(n);
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        if let Some(tag) = to_tag.filter(|_| name.is(HeaderName::To)) {
            if has_crlf(tag) {
                return Err(BuildError::HeaderValue);
            }
            if !has_tag(value) {
                out.extend_from_slice(b";tag=");
                out.extend_from_slice(tag);
            }
        }
        out.extend_from_slice(b"\r\n");
    }
    let body_bytes = match body {
        Some((ct, b)) => {
            if has_crlf(ct) {
                return Err(BuildError::HeaderValue);
            }
            out.extend_from_slice(b"Content-Type: ");
            out.extend_from_slice(ct);
            out.extend_from_slice(b"\r\n");
            b
        }
        None => &[],
    };
    out.extend_from_slice(b"Content-Length: ");
    push_decimal(out, body_bytes.len() as u64);
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(body_bytes);
    Ok(())
}

fn has_tag(to: &[u8]) -> bool {
    match core::str::from_utf8(to)
        .ok()
        .map(|s| NameAddr::parse("To", s))
    {
        Some(Ok(a)) => a.param("tag").is_some(),
        // Unparsable To (answering a broken request): look for the parameter textually.
        _ => to.windows(5).any(|w| w.eq_ignore_ascii_case(b";tag=")),
    }
}

/// Builds a request: Request-Line, headers in the order added, Content-Length, body.
///
/// ```
/// use sip_proto::message::{HeaderName, Method, RequestBuilder};
/// let mut out = Vec::new();
/// RequestBuilder::new(Method::Message, "sip:bob@biloxi.example.com")
///     .header(HeaderName::Via, "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1")
///     .header(HeaderName::MaxForwards, "70")
///     .body("text/plain", b"hi")
///     .write(&mut out)
///     ?;
/// assert_eq!(
///     out,
///     b"MESSAGE sip:bob@biloxi.example.com SIP/2.0\r\n\
///       Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nMax-Forwards: 70\r\n\
///       Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder writes nothing until `write` is called"]
pub struct RequestBuilder<'a> {
    method: Method,
    uri: &'a str,
    lines: Lines<'a>,
    body: Option<(&'a [u8], &'a [u8])>,
}

impl<'a> RequestBuilder<'a> {
    /// Starts a request for `method` to `request_uri`.
    pub fn new(method: Method, request_uri: &'a str) -> Self {
        RequestBuilder {
            method,
            uri: request_uri,
            lines: SmallVec::new(),
            body: None,
        }
    }

    /// Adds a header line (repeatable; written in the order added).
    #[inline]
    pub fn header(mut self, name: HeaderName, value: &'a str) -> Self {
        self.lines.push((Name::Known(name), value.as_bytes()));
        self
    }

    /// Adds a header line with a name given at run time.
    #[inline]
    pub fn header_named(mut self, name: &'a str, value: &'a str) -> Self {
        self.lines.push((Name::Custom(name), value.as_bytes()));
        self
    }

    /// Sets the body and its Content-Type.
    #[inline]
    pub fn body(mut self, content_type: &'a str, body: &'a [u8]) -> Self {
        self.body = Some((content_type.as_bytes(), body));
        self
    }

    /// Appends the request to `out`.
    pub fn write(&self, out: &mut Vec<u8>) -> Result<(), BuildError> {
        let u = self.uri.as_bytes();
        if !is_request_uri(u) {
            return Err(BuildError::RequestUri);
        }
        let start = out.len();
        out.extend_from_slice(self.method.as_str().as_bytes());
        out.push(b' ');
        out.extend_from_slice(u);
        out.extend_from_slice(b" SIP/2.0\r\n");
        write_rest(out, &self.lines, None, self.body).inspect_err(|_| out.truncate(start))
    }
}

/// Builds a response. [`ResponseBuilder::from_request`] copies what RFC 3261 §8.2.6.2 says a
/// response must echo.
///
/// ```
/// use bytes::Bytes;
/// use sip_proto::message::{Message, ResponseBuilder};
/// let req = Message::parse(Bytes::from_static(
///     b"BYE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h1;branch=z9hG4bKa\r\nVia: SIP/2.0/UDP h2;branch=z9hG4bKb\r\n\
///       From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c1\r\nCSeq: 2 BYE\r\nMax-Forwards: 70\r\n\r\n",
/// ))?;
/// let mut out = Vec::new();
/// ResponseBuilder::from_request(req.as_request().ok_or("not a request")?, 200, "OK").to_tag("9").write(&mut out)?;
/// assert_eq!(
///     out,
///     b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h1;branch=z9hG4bKa\r\nVia: SIP/2.0/UDP h2;branch=z9hG4bKb\r\n\
///       From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=9\r\nCall-ID: c1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder writes nothing until `write` is called"]
pub struct ResponseBuilder<'a> {
    status: u16,
    reason: &'a str,
    lines: Lines<'a>,
    to_tag: Option<&'a [u8]>,
    body: Option<(&'a [u8], &'a [u8])>,
}

impl<'a> ResponseBuilder<'a> {
    /// A response with no headers yet. An empty `reason` is replaced by [`reason_phrase`].
    pub fn new(status: u16, reason: &'a str) -> Self {
        ResponseBuilder {
            status,
            reason,
            lines: SmallVec::new(),
            to_tag: None,
            body: None,
        }
    }

    /// A response to `req` (RFC 3261 §8.2.6.2): copies every Via line in order, From, To,
    /// Call-ID and CSeq exactly as received, and Timestamp for a 100 (§8.2.6.1).
    /// Record-Route is not copied; a UAS answering 1xx/2xx to a dialog-creating request adds
    /// it with [`ResponseBuilder::header`] (§12.1.1).
    pub fn from_request(req: &'a Request, status: u16, reason: &'a str) -> Self {
        let mut b = Self::new(status, reason);
        let h = req.headers();
        for v in h.get_all_raw(HeaderName::Via) {
            b.lines.push((Name::Known(HeaderName::Via), v));
        }
        let once = [
            HeaderName::From,
            HeaderName::To,
            HeaderName::CallId,
            HeaderName::CSeq,
        ];
        let timestamp = (status == 100).then_some(HeaderName::Timestamp);
        for n in once.into_iter().chain(timestamp) {
            if let Some(v) = h.get_raw(n) {
                b.lines.push((Name::Known(n), v));
            }
        }
        b
    }

    /// Adds `;tag=` to the To header when it has no tag (§8.2.6.2).
    #[inline]
    pub fn to_tag(mut self, tag: &'a str) -> Self {
        self.to_tag = Some(tag.as_bytes());
        self
    }

    /// Adds a header line (repeatable; written in the order added).
    #[inline]
    pub fn header(mut self, name: HeaderName, value: &'a str) -> Self {
        self.lines.push((Name::Known(name), value.as_bytes()));
        self
    }

    /// Adds a header line with a name given at run time.
    #[inline]
    pub fn header_named(mut self, name: &'a str, value: &'a str) -> Self {
        self.lines.push((Name::Custom(name), value.as_bytes()));
        self
    }

    /// Sets the body and its Content-Type.
    #[inline]
    pub fn body(mut self, content_type: &'a str, body: &'a [u8]) -> Self {
        self.body = Some((content_type.as_bytes(), body));
        self
    }

    /// Appends the response to `out`.
    pub fn write(&self, out: &mut Vec<u8>) -> Result<(), BuildError> {
        if !(100..=699).contains(&self.status) {
            return Err(BuildError::Status);
        }
        let reason = if self.reason.is_empty() {
            reason_phrase(self.status)
        } else {
            self.reason
        };
        if has_crlf(reason.as_bytes()) {
            return Err(BuildError::Reason);
        }
        let start = out.len();
        out.extend_from_slice(b"SIP/2.0 ");
        push_decimal(out, self.status);
        out.push(b' ');
        out.extend_from_slice(reason.as_bytes());
        out.extend_from_slice(b"\r\n");
        write_rest(out, &self.lines, self.to_tag, self.body).inspect_err(|_| out.truncate(start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn space_or_control_found_at_each_position_and_length() {
        // Background octets next to the boundaries: 0x21 and 0x7e are allowed, and so are
        // 0x80 and 0xff (UTF-8 is left to the caller's `&str`).
        let background = [b'!', b'~', 0x80, 0xff, b'a', 0x7e, b'%', 0xa0];
        for len in 0..=40 {
            let clean: Vec<u8> = (0..len).map(|i| background[i % background.len()]).collect();
            assert_eq!(find_space_or_control(&clean), None, "{clean:?}");
            for hit in 0..len {
                for octet in 0..=u8::MAX {
                    let mut b = clean.clone();
                    b[hit] = octet;
                    let bad = octet <= 0x20 || octet == 0x7f;
                    assert_eq!(find_space_or_control(&b), bad.then_some(hit), "{b:?}");
                    // Bad octets after the first do not move the answer.
                    if bad {
                        b[hit..].fill(octet);
                        assert_eq!(find_space_or_control(&b), Some(hit), "{b:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn cr_or_lf_found_at_each_position_and_length() {
        // Background octets: HTAB and other controls below 0x0E are not CR or LF, but wake
        // the exact search; 0x8d and 0x8a are CR and LF with the high bit set.
        let background = [b'a', 0x0e, 0x8d, 0x8a, 0xff, b'\t', b' ', 0x0c];
        for len in 0..=40 {
            let clean: Vec<u8> = (0..len).map(|i| background[i % background.len()]).collect();
            assert!(!has_crlf(&clean), "{clean:?}");
            let plain = vec![b'x'; len];
            assert!(!has_crlf(&plain), "{plain:?}");
            for hit in 0..len {
                for octet in 0..=u8::MAX {
                    let line_break = octet == b'\r' || octet == b'\n';
                    for base in [&clean, &plain] {
                        let mut b = base.clone();
                        b[hit] = octet;
                        assert_eq!(has_crlf(&b), line_break, "{b:?}");
                    }
                }
            }
        }
    }

    /// `(length, position)` pairs that put one octet at each edge of the 8-octet words and
    /// 16-octet blocks the scans read, and in the tails after them.
    const WORD_EDGES: [(usize, usize); 17] = [
        (7, 0),
        (7, 6),
        (8, 0),
        (8, 7),
        (9, 7),
        (9, 8),
        (15, 7),
        (15, 8),
        (15, 14),
        (16, 0),
        (16, 8),
        (16, 15),
        (17, 15),
        (17, 16),
        (31, 16),
        (32, 31),
        (33, 32),
    ];

    /// `len` octets of `fill` with `c` at `at`.
    fn with_octet(fill: u8, len: usize, at: usize, c: u8) -> Vec<u8> {
        let mut b = vec![fill; len];
        b[at] = c;
        b
    }

    #[test]
    fn cr_or_lf_word_and_block_boundaries() {
        for (len, at) in WORD_EDGES {
            let value = |c| with_octet(b'v', len, at, c);
            assert!(has_crlf(&value(b'\r')), "CR at {at} of {len}");
            assert!(has_crlf(&value(b'\n')), "LF at {at} of {len}");
            assert!(!has_crlf(&value(b'\t')), "HTAB at {at} of {len}");
            assert!(!has_crlf(&value(0x7f)), "DEL at {at} of {len}");
            assert!(!has_crlf(&value(0x0e)), "0x0E at {at} of {len}");
        }
        assert!(!has_crlf(b""));
        assert!(has_crlf(b"a\tb\tc\td\te\tf\tg\th\ti\r"));
    }

    #[test]
    fn space_or_control_word_boundaries() {
        for (len, at) in WORD_EDGES {
            let uri = |c| with_octet(b's', len, at, c);
            assert_eq!(find_space_or_control(&uri(b' ')), Some(at));
            assert_eq!(find_space_or_control(&uri(0x7f)), Some(at));
            assert_eq!(find_space_or_control(&uri(0x00)), Some(at));
            assert_eq!(find_space_or_control(&uri(0x21)), None);
            assert_eq!(find_space_or_control(&uri(0x7e)), None);
            assert_eq!(find_space_or_control(&uri(0x80)), None);
        }
        assert_eq!(find_space_or_control(b""), None);
        assert!(!is_request_uri(b""));
        assert!(is_request_uri(b"sip:registrar.atlanta.example.com"));
        assert!(!is_request_uri(b"sip:registrar.atlanta.example.com\x7f"));
        assert!(!is_request_uri(b"sip:a@b c"));
    }
}
