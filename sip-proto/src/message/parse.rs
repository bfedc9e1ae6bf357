//! Parsing one SIP message from one datagram (RFC 3261 §7, §18.3).
//!
//! ```text
//! SIP-message    = Request / Response
//! Request        = Request-Line *( message-header ) CRLF [ message-body ]
//! Request-Line   = Method SP Request-URI SP SIP-Version CRLF
//! Status-Line    = SIP-Version SP Status-Code SP Reason-Phrase CRLF
//! message-header = field-name HCOLON field-value CRLF     ; HCOLON = *( SP / HTAB ) ":" SWS
//! ```
//!
//! The parser makes one pass to index the start line and header lines, copying nothing
//! unless a header is folded: then the header section alone is copied once with each
//! folding CRLF turned into two spaces, which keeps every offset valid (RFC 3261 §7.3.1:
//! folding is equivalent to a single SP).

use bytes::{Bytes, BytesMut};

use super::error::{ParseError, ParseErrorKind as K};
use super::headers::{Entry, Headers};
use super::method::Method;
use super::name::{lookup_token, HeaderName};
use super::{Message, Request, Response};
use crate::header::{parse_content_length, parse_delta_seconds, parse_max_forwards, CSeq};
use crate::uri::chars::{find_cr_or_lf, is_token, is_token_char};
use crate::uri::{Scheme, Uri};

/// Bounds on what one message may make the parser hold or index. Crossing one is a typed
/// error ([`K::MessageTooLarge`], [`K::TooManyHeaders`], [`K::BodyTooLarge`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest message accepted, in octets. Default 65,535 (the largest UDP payload).
    pub max_message_size: usize,
    /// Most header lines accepted (folded continuation lines do not count). Default 256.
    pub max_headers: usize,
    /// Largest body accepted, in octets. Default 65,535.
    pub max_body_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_size: 65_535,
            max_headers: 256,
            max_body_size: 65_535,
        }
    }
}

enum Start {
    Request { method: Method, uri: (u32, u32) },
    Response { status: u16, reason: (u32, u32) },
}

fn r32(a: usize, b: usize) -> (u32, u32) {
    // invariant: callers check the message size against a limit below u32::MAX first.
    (
        u32::try_from(a).unwrap_or(u32::MAX),
        u32::try_from(b).unwrap_or(u32::MAX),
    )
}

/// Finds the CRLF ending the line that starts at `from`: returns (index of CR, index after
/// LF). A bare CR or LF is an error; running out of bytes is [`K::Unterminated`].
fn line_end(b: &[u8], from: usize) -> Result<(usize, usize), K> {
    let rest = b.get(from..).unwrap_or(&[]);
    match find_cr_or_lf(rest) {
        None => Err(K::Unterminated),
        Some(i) => {
            let at = from + i;
            if b.get(at) == Some(&b'\r') && b.get(at + 1) == Some(&b'\n') {
                Ok((at, at + 2))
            } else if b.get(at) == Some(&b'\r') && at + 1 == b.len() {
                Err(K::Unterminated)
            } else {
                Err(K::HeaderLine(
                    "bare CR or LF; lines end with CRLF (RFC 3261 §7, §25.1)",
                ))
            }
        }
    }
}

const BAD_REQUEST_LINE: &str =
    "Request-Line must be Method SP Request-URI SP SIP-Version CRLF (RFC 3261 §7.1)";

/// `SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT`, case-insensitive (§7.1). Only 2.0 is
/// supported; another well-formed version is 505.
fn check_version(v: &[u8]) -> Result<(), K> {
    if v == b"SIP/2.0" || v.eq_ignore_ascii_case(b"SIP/2.0") {
        return Ok(());
    }
    let well_formed = v.len() > 4
        && v.get(..4).is_some_and(|p| p.eq_ignore_ascii_case(b"SIP/"))
        && v.get(4..).is_some_and(|n| {
            let mut parts = n.split(|&c| c == b'.');
            let major = parts.next().unwrap_or(&[]);
            let minor = parts.next().unwrap_or(&[]);
            parts.next().is_none()
                && !major.is_empty()
                && !minor.is_empty()
                && major.iter().chain(minor).all(u8::is_ascii_digit)
        });
    if well_formed {
        Err(K::VersionNotSupported)
    } else {
        Err(K::StartLine(
            "malformed SIP-Version (RFC 3261 §25.1 SIP-Version = \"SIP\" \"/\" 1*DIGIT \".\" 1*DIGIT)",
        ))
    }
}

/// Parses a Request-Line. The flag is set for a well-formed SIP-Version other than 2.0: the
/// caller still reads the headers, so the 505 can echo them (§8.2.2, RFC 4475 §3.1.2.16).
fn parse_request_line(raw: &Bytes, from: usize, to: usize) -> Result<(Start, bool), K> {
    let line = raw.get(from..to).unwrap_or(&[]);
    let mut parts = line.split(|&c| c == b' ');
    let (Some(m), Some(u), Some(v)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(K::StartLine(BAD_REQUEST_LINE));
    };
    if m.is_empty() || u.is_empty() || v.is_empty() {
        return Err(K::StartLine(
            "Request-Line elements must be separated by exactly one SP, with no leading or trailing whitespace (RFC 3261 §7.1)",
        ));
    }
    if let Some(extra) = parts.next() {
        let only_trailing = extra.is_empty() && parts.all(<[u8]>::is_empty);
        return Err(K::StartLine(if only_trailing {
            "trailing whitespace after SIP-Version (RFC 3261 §7.1)"
        } else {
            "Request-URI must not contain whitespace (RFC 3261 §7.1, §25.1 Request-URI)"
        }));
    }
    if !m.iter().all(|&c| is_token_char(c)) {
        return Err(K::StartLine(
            "Method must be a token (RFC 3261 §25.1 Method)",
        ));
    }
    let unsupported_version = match check_version(v) {
        Ok(()) => false,
        Err(K::VersionNotSupported) => true,
        Err(other) => return Err(other),
    };
    if u.first() == Some(&b'<') {
        return Err(K::StartLine(
            "Request-URI must not be enclosed in <> (RFC 3261 §7.1, RFC 4475 §3.1.2.7)",
        ));
    }
    let ustr = core::str::from_utf8(u).map_err(|_| K::RequestUri(crate::uri::UriError::BadChar))?;
    let uri = Uri::parse(ustr).map_err(K::RequestUri)?;
    if matches!(uri.scheme(), Scheme::Sip | Scheme::Sips) && uri.headers_raw().is_some() {
        return Err(K::StartLine(
            "Request-URI must not contain headers (RFC 3261 §19.1.1 Table 1, RFC 4475 §3.1.2.11)",
        ));
    }
    let method = Method::from_slice_of(raw, m)
        .map_err(|_| K::StartLine("Method must be a token (RFC 3261 §25.1 Method)"))?;
    let ustart = from + m.len() + 1;
    let start = Start::Request {
        method,
        uri: r32(ustart, ustart + u.len()),
    };
    Ok((start, unsupported_version))
}

fn parse_status_line(b: &[u8], from: usize, to: usize) -> Result<Start, K> {
    let line = b.get(from..to).unwrap_or(&[]);
    let sp = line.iter().position(|&c| c == b' ').ok_or(K::StartLine(
        "Status-Line must be SIP-Version SP Status-Code SP Reason-Phrase CRLF (RFC 3261 §7.2)",
    ))?;
    check_version(line.get(..sp).unwrap_or(&[]))?;
    let rest = line.get(sp + 1..).unwrap_or(&[]);
    let code = match rest {
        [a, b2, c, tail @ ..]
            if a.is_ascii_digit()
                && b2.is_ascii_digit()
                && c.is_ascii_digit()
                && tail.first().is_none_or(|&t| t == b' ') =>
        {
            u16::from(a - b'0') * 100 + u16::from(b2 - b'0') * 10 + u16::from(c - b'0')
        }
        _ => {
            return Err(K::StartLine(
                "Status-Code must be exactly 3 digits (RFC 3261 §7.2, §25.1 Status-Code)",
            ))
        }
    };
    if !(100..=699).contains(&code) {
        return Err(K::StartLine(
            "Status-Code must be within 100-699 (RFC 3261 §7.2, §21)",
        ));
    }
    // Reason-Phrase = *(reserved / unreserved / escaped / UTF8-NONASCII / UTF8-CONT / SP / HTAB)
    let reason_start = (from + sp + 1 + 4).min(to);
    Ok(Start::Response {
        status: code,
        reason: r32(reason_start, to),
    })
}

/// Parses one message from one datagram with the given limits. See [`Message::parse`].
pub(crate) fn parse(raw: Bytes, limits: &Limits) -> Result<Message, ParseError> {
    let b: &[u8] = &raw;
    if b.len() > limits.max_message_size || b.len() >= u32::MAX as usize {
        return Err(K::MessageTooLarge {
            limit: limits.max_message_size,
        }
        .into());
    }
    // §7.5: leading CRLFs before the start line are ignored.
    let mut pos = 0;
    while b.get(pos..pos + 2) == Some(b"\r\n") {
        pos += 2;
    }
    if pos >= b.len() {
        return Err(K::Empty.into());
    }
    let (sl_end, mut p) = line_end(b, pos).map_err(|k| match k {
        K::HeaderLine(_) => K::StartLine("start line must end with CRLF (RFC 3261 §7)"),
        other => other,
    })?;
    let (start, unsupported_version) = if b.get(pos..pos + 4) == Some(b"SIP/") {
        (parse_status_line(b, pos, sl_end)?, false)
    } else {
        parse_request_line(&raw, pos, sl_end)?
    };

    // Index the header lines: one pass, each line's name classified as it is read and its
    // value trimmed in place. The index is built where it stays (it is a few hundred octets:
    // moving it costs).
    let mut headers = Headers::empty();
    let mut folded = false;
    let mut first_err: Option<K> = None;
    let mut last_refused = false;
    let mut checked = [0u16; 8];
    let mut n_checked = 0;
    let mut checked_overflow = false;
    let framing: Result<usize, K> = loop {
        match b.get(p) {
            Some(b'\r') if b.get(p + 1) == Some(&b'\n') => break Ok(p + 2),
            Some(b' ' | b'\t') => {
                let (le, next) = match line_end(b, p) {
                    Ok(x) => x,
                    Err(k) => break Err(k),
                };
                if !last_refused {
                    match headers.entries.last_mut() {
                        // Folding: this line continues the previous header's value. The
                        // value is trimmed again once the folds are undone.
                        Some(last) => {
                            last.value.1 = r32(0, le).1;
                            folded = true;
                        }
                        None => {
                            first_err.get_or_insert(K::HeaderLine(
                                "continuation line (leading whitespace) before any header (RFC 3261 §7.3.1)",
                            ));
                        }
                    }
                }
                // A continuation of a line already refused stays refused with it.
                p = next;
                continue;
            }
            _ => {}
        }
        // field-name: a token, then optional whitespace, then ':'.
        let mut j = p;
        while b.get(j).is_some_and(|&c| is_token_char(c)) {
            j += 1;
        }
        let name_end = j;
        while matches!(b.get(j), Some(b' ' | b'\t')) {
            j += 1;
        }
        last_refused = name_end == p || b.get(j) != Some(&b':');
        if last_refused {
            first_err.get_or_insert(if name_end == p {
                K::HeaderLine("header name must be a token (RFC 3261 §7.3, §25.1 field-name)")
            } else {
                K::HeaderLine("header line lacks ':' after its name (RFC 3261 §7.3 HCOLON)")
            });
            match line_end(b, p) {
                Ok((_, next)) => p = next,
                Err(k) => break Err(k),
            }
            continue;
        }
        // field-value: leading whitespace skipped here, trailing whitespace trimmed below.
        let mut vs = j + 1;
        while matches!(b.get(vs), Some(b' ' | b'\t')) {
            vs += 1;
        }
        let (le, next) = match line_end(b, vs) {
            Ok(x) => x,
            Err(k) => break Err(k),
        };
        let mut ve = le;
        while ve > vs && matches!(b.get(ve - 1), Some(b' ' | b'\t')) {
            ve -= 1;
        }
        if headers.entries.len() >= limits.max_headers {
            return Err(K::TooManyHeaders {
                limit: limits.max_headers,
            }
            .into());
        }
        let id = lookup_token(b.get(p..name_end).unwrap_or(&[]));
        if matches!(id, CL | CSEQ | MF | EXPIRES) {
            // Remember the lines checked at parse time, so the check reads only those.
            match (
                checked.get_mut(n_checked),
                u16::try_from(headers.entries.len()),
            ) {
                (Some(slot), Ok(i)) => *slot = i,
                _ => checked_overflow = true,
            }
            n_checked += 1;
        }
        headers.note(id);
        headers.entries.push(Entry {
            id,
            name: r32(p, name_end),
            value: r32(vs, ve),
        });
        p = next;
    };

    // Unfold (copying the header section once) and trim the folded values again. This is
    // done even when framing failed, so the partial request handed out with the error reads
    // cleanly. Without folding the index points into the datagram itself: no copy and no
    // second handle on it.
    let header_end = *framing.as_ref().unwrap_or(&b.len());
    let (hbuf, raw) = if folded {
        let hbuf = unfold(b.get(..header_end).unwrap_or(&[]));
        for e in headers.entries.iter_mut() {
            let (mut s, mut t) = (e.value.0 as usize, e.value.1 as usize);
            while s < t && matches!(hbuf.get(s), Some(b' ' | b'\t')) {
                s += 1;
            }
            while t > s && matches!(hbuf.get(t - 1), Some(b' ' | b'\t')) {
                t -= 1;
            }
            e.value = r32(s, t);
        }
        (hbuf, Some(raw))
    } else {
        (raw, None)
    };
    let datagram_len = raw.as_ref().unwrap_or(&hbuf).len();
    headers.buf = hbuf;
    if unsupported_version {
        return Err(partial_error(K::VersionNotSupported, raw, headers, start));
    }
    let body_start = match framing {
        Ok(at) => at,
        Err(k) => return Err(partial_error(k, raw, headers, start)),
    };
    if let Some(k) = first_err {
        return Err(partial_error(k, raw, headers, start));
    }

    let to_check = if checked_overflow {
        CheckLines::All(0..headers.len())
    } else {
        CheckLines::Some(checked.iter().take(n_checked))
    };
    let content_length = match check_headers(&headers, &start, to_check) {
        Ok(cl) => cl,
        Err(k) => return Err(partial_error(k, raw, headers, start)),
    };

    // §18.3: Content-Length frames the body; without it (UDP) the body is the rest.
    let available = datagram_len.saturating_sub(body_start);
    let body_len = match content_length {
        Some(n) => {
            if n as usize > available {
                return Err(partial_error(
                    K::BodyTruncated {
                        declared: n,
                        available,
                    },
                    raw,
                    headers,
                    start,
                ));
            }
            n as usize
        }
        None => available,
    };
    if body_len > limits.max_body_size {
        return Err(partial_error(
            K::BodyTooLarge {
                limit: limits.max_body_size,
            },
            raw,
            headers,
            start,
        ));
    }
    let body = r32(body_start, body_start + body_len);
    Ok(match start {
        Start::Request { method, uri } => Message::Request(Request {
            raw,
            method,
            uri,
            headers,
            body,
        }),
        Start::Response { status, reason } => Message::Response(Response {
            raw,
            status,
            reason,
            headers,
            body,
        }),
    })
}

/// A copy of the header section with each folding CRLF turned into two spaces, which keeps
/// every offset valid (RFC 3261 §7.3.1: folding is equivalent to a single SP).
fn unfold(head: &[u8]) -> Bytes {
    let mut copy = BytesMut::from(head);
    let mut i = 0;
    while i + 2 < copy.len() {
        if copy.get(i..i + 2) == Some(b"\r\n") && matches!(copy.get(i + 2), Some(b' ' | b'\t')) {
            if let Some(pair) = copy.get_mut(i..i + 2) {
                pair.copy_from_slice(b"  ");
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    copy.freeze()
}

/// `1*DIGIT` of at most nine digits (so it cannot overflow a `u32`), or `None` for anything
/// else: the fast path of the parse-time checks, whose slow path gives the exact error.
fn small_number(v: &[u8]) -> Option<u32> {
    if v.is_empty() || v.len() > 9 {
        return None;
    }
    let mut n: u32 = 0;
    for &c in v {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + u32::from(d);
    }
    Some(n)
}

/// The common CSeq of a well-formed request or response: `1*9DIGIT SP Method`, the method
/// equal to the Request-Line's (requests) or a token (responses).
fn cseq_fast(v: &[u8], start: &Start) -> bool {
    let digits = v.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || digits > 9 || v.get(digits) != Some(&b' ') {
        return false;
    }
    let m = v.get(digits + 1..).unwrap_or(&[]);
    match start {
        Start::Request { method, .. } => m == method.as_str().as_bytes(),
        Start::Response { .. } => is_token(m),
    }
}

const CL: u8 = HeaderName::ContentLength.static_id();
const CSEQ: u8 = HeaderName::CSeq.static_id();
const MF: u8 = HeaderName::MaxForwards.static_id();
const EXPIRES: u8 = HeaderName::Expires.static_id();

/// The header lines [`check_headers`] reads: those the parser noted (the usual case), or all
/// when more than eight lines carry the checked headers.
enum CheckLines<'a> {
    Some(core::iter::Take<core::slice::Iter<'a, u16>>),
    All(core::ops::Range<usize>),
}

impl Iterator for CheckLines<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        match self {
            CheckLines::Some(it) => it.next().map(|&i| usize::from(i)),
            CheckLines::All(r) => r.next(),
        }
    }
}

/// Checks made at parse time so that a broken request is answered 400 by the parser:
/// Content-Length (non-negative, fits, all lines agree), CSeq (fits 32 bits, method matches
/// the Request-Line), Max-Forwards (0..=255) and Expires (no overflow).
fn check_headers(h: &Headers, start: &Start, lines: CheckLines<'_>) -> Result<Option<u32>, K> {
    fn text(v: &[u8]) -> &str {
        core::str::from_utf8(v).unwrap_or("")
    }
    let mut cl: Option<u32> = None;
    for (id, v) in lines.filter_map(|i| h.id_and_value(i)) {
        match id {
            CL => {
                let n = match small_number(v) {
                    Some(n) => n,
                    None => parse_content_length(text(v)).map_err(K::Header)?,
                };
                if cl.is_some_and(|c| c != n) {
                    return Err(K::Header(crate::header::HeaderError::Conflicting {
                        header: "Content-Length",
                    }));
                }
                cl = Some(n);
            }
            CSEQ if !cseq_fast(v, start) => {
                let c = CSeq::parse_in(text(v), h.buf()).map_err(K::Header)?;
                if let Start::Request { method, .. } = start {
                    if c.method != *method {
                        return Err(K::CSeqMethodMismatch);
                    }
                }
            }
            MF if small_number(v).is_none_or(|n| n > 255) => {
                parse_max_forwards(text(v)).map_err(K::Header)?;
            }
            // RFC 2543 allowed a SIP-date here; only an all-digit value is held to
            // delta-seconds.
            EXPIRES
                if small_number(v).is_none()
                    && !v.is_empty()
                    && v.iter().all(u8::is_ascii_digit) =>
            {
                parse_delta_seconds("Expires", text(v)).map_err(K::Header)?;
            }
            _ => {}
        }
    }
    Ok(cl)
}

fn partial_error(k: K, raw: Option<Bytes>, headers: Headers, start: Start) -> ParseError {
    match start {
        Start::Request { method, uri } => ParseError::with_partial(
            k,
            Request {
                raw,
                method,
                uri,
                headers,
                body: (0, 0),
            },
        ),
        Start::Response { .. } => ParseError::new(k),
    }
}
