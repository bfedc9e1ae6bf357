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
use smallvec::SmallVec;

use super::error::{ParseError, ParseErrorKind as K};
use super::headers::{slice, CSeqHint, Entry, Headers, Presence, INLINE_HEADERS};
use super::name::{lookup_token, lookup_words, HeaderName, UNKNOWN};
use super::start_line::{start_line, Start};
use super::{Message, Request, Response};
use crate::header::{parse_content_length, parse_delta_seconds, parse_max_forwards, CSeq};
use crate::uri::chars::{find_cr_or_lf, find_low_control, is_token, is_token_char};

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

#[inline(always)]
pub(super) fn r32(a: usize, b: usize) -> (u32, u32) {
    // invariant: offsets lie within the datagram, whose size `parse` checked to be below
    // u32::MAX first: the casts are exact.
    (a as u32, b as u32)
}

/// Finds the CRLF ending the line that starts at `from`: returns (index of CR, index after
/// LF). A bare CR or LF is an error; running out of bytes is [`K::Unterminated`].
pub(super) fn line_end(b: &[u8], from: usize) -> Result<(usize, usize), K> {
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

/// Indexes the well-formed header lines from `p` on, as many as follow one another; returns
/// where it stopped: at a line for the caller (the empty line, a continuation or a line to
/// refuse). Kept apart from the caller so the few values the loop needs stay in registers.
#[inline(never)]
fn index_lines(
    b: &[u8],
    mut p: usize,
    entries: &mut SmallVec<[Entry; INLINE_HEADERS]>,
    presence: &mut Presence,
    max_headers: usize,
) -> Result<usize, K> {
    let mut noted = *presence;
    let mut room = max_headers.saturating_sub(entries.len());
    while let Some(line) = read_line(b, p) {
        if room == 0 {
            return Err(K::TooManyHeaders { limit: max_headers });
        }
        room -= 1;
        // One bit per known header (ids of unknown names shift it out: none).
        let bit = 1u64.checked_shl(u32::from(line.id)).unwrap_or(0);
        noted.note_bit(bit);
        entries.push(Entry {
            id: line.id,
            name: r32(p, line.name_end),
            value: r32(line.value_start, line.value_end),
        });
        p = line.next;
    }
    *presence = noted;
    Ok(p)
}

/// A well-formed header line, as [`read_line`] found it.
struct Line {
    name_end: usize,
    id: u8,
    value_start: usize,
    value_end: usize,
    /// Start of the next line.
    next: usize,
}

/// Reads the header line starting at `p` when it is well-formed: `token *WSP ":" *WSP value
/// CRLF`. `None` for anything else (the caller reads it again to say what is wrong).
///
/// The line's end is found first, by a search from its start: the start of the next line
/// then depends on nothing else this line holds, so the processor can begin on the next
/// line while this one's name is still being looked up (measured: 5-10 % less time to
/// index a message, for a few more instructions).
///
/// The name is what precedes the first `:` among the line's first 24 octets (longer than any
/// known name, with room for whitespace before the colon), read a word at a time; the same
/// words give the name's table id ([`lookup_words`], an exact comparison, so a known name is
/// a token); any other name is checked octet by octet. A longer name takes the caller's slow
/// path.
#[inline(always)]
fn read_line(b: &[u8], p: usize) -> Option<Line> {
    let rest = b.get(p..)?;
    // The end first (see above).
    let le = find_low_control(rest)?;
    let (line, tail) = rest.split_at_checked(le)?;
    if !tail.starts_with(b"\r\n") {
        return None;
    }
    let w0 = word_at(rest, 0)?;
    let (colon, words) = match colon_in(w0) {
        Some(c) => (c, [w0, 0, 0]),
        None => {
            let w1 = word_at(rest, 8)?;
            match colon_in(w1) {
                Some(c) => (8 + c, [w0, w1, 0]),
                None => {
                    let w2 = word_at(rest, 16)?;
                    (16 + colon_in(w2)?, [w0, w1, w2])
                }
            }
        }
    };
    // Whitespace before the colon is rare: such a name is no known name and no token, and
    // the caller's slow path reads the line. A colon past the line's end is no colon of it.
    let (name, after) = line.split_at_checked(colon)?;
    let id = lookup_words(words, name.len());
    if id == UNKNOWN && !is_token(name) {
        return None;
    }
    // HCOLON = *( SP / HTAB ) ":" SWS: usually one SP. The line holds no HTAB (the search
    // for its end stopped at the first control octet), so only SPs are trimmed.
    let value = match after {
        [b':', b' ', v @ ..] | [b':', v @ ..] => v,
        _ => return None,
    };
    let value = match value {
        [b' ', ..] => value.trim_ascii_start(),
        _ => value,
    };
    let v = match value {
        [.., b' '] => value.trim_ascii_end(),
        _ => value,
    };
    let value_start = p + le - value.len();
    Some(Line {
        name_end: p + name.len(),
        id,
        value_start,
        value_end: value_start + v.len(),
        next: p + le + 2,
    })
}

/// The word of eight octets at `at`, little-endian, if `b` holds that many there.
#[inline(always)]
fn word_at(b: &[u8], at: usize) -> Option<u64> {
    let w: [u8; 8] = b.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(w))
}

/// Index of the first `:` in a word, by the SWAR "has zero byte" test on the word XORed with
/// `:` (its lowest flag is exact).
#[inline(always)]
fn colon_in(w: u64) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let x = w ^ (ONES * u64::from(b':'));
    let hit = x.wrapping_sub(ONES) & !x & HIGHS;
    (hit != 0).then(|| (hit.trailing_zeros() / 8) as usize)
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
    let (start, unsupported_version, mut p) = start_line(&raw, pos)?;

    // Index the header lines: one pass, each line's name classified as it is read and its
    // value trimmed in place. The index is built where it stays (it is a few hundred octets:
    // moving it costs).
    let mut headers = Headers::empty();
    let mut folded = false;
    let mut first_err: Option<K> = None;
    let mut last_refused = false;
    let mut checks = Checks::default();
    // Kept in registers while the lines are read, stored into the index after.
    let mut presence = Presence::default();
    let framing: Result<usize, K> = loop {
        let from = p;
        p = index_lines(
            b,
            p,
            &mut headers.entries,
            &mut presence,
            limits.max_headers,
        )
        .map_err(ParseError::from)?;
        if p != from {
            last_refused = false;
        }
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
        // Anything else: a line to refuse, read the long way so the error names the rule.
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
        presence.note(id);
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
    headers.set_presence(presence);
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

    // The checked headers, read once the lines are indexed (and unfolded): the indexing
    // loop carries fewer values that way.
    if headers.seen & CHECKED != 0 {
        for e in headers.entries.iter() {
            if matches!(e.id, CL | CSEQ | MF | EXPIRES) {
                let v = slice(headers.buf(), e.value);
                checks.line(e.id, v, &start, headers.buf());
            }
        }
    }
    if let Some(k) = checks.err {
        return Err(partial_error(k, raw, headers, start));
    }
    let content_length = checks.content_length;
    // A hint read from one line of several could be any of them: only a lone line keeps it.
    headers.cseq = checks.cseq.filter(|_| !headers.is_repeated(CSEQ));

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
    // Each arm writes its message straight into the result (see the layout of `Request`).
    match start {
        Start::Request { method, uri } => Ok(Message::Request(Request {
            raw,
            method,
            uri,
            headers,
            body,
        })),
        Start::Response { status, reason } => Ok(Message::Response(Response {
            raw,
            status,
            reason,
            headers,
            body,
        })),
    }
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
/// equal to the Request-Line's (requests) or a token (responses). Gives the sequence number
/// and how many digits it was written with (nine digits cannot overflow a `u32`).
fn cseq_fast(v: &[u8], start: &Start) -> Option<CSeqHint> {
    let mut seq: u32 = 0;
    let mut digits = 0;
    while let Some(d) = v
        .get(digits)
        .map(|c| c.wrapping_sub(b'0'))
        .filter(|&d| d <= 9)
    {
        if digits == 9 {
            return None;
        }
        seq = seq * 10 + u32::from(d);
        digits += 1;
    }
    if digits == 0 || v.get(digits) != Some(&b' ') {
        return None;
    }
    let m = v.get(digits + 1..).unwrap_or(&[]);
    let fine = match start {
        Start::Request { method, .. } => m == method.as_str().as_bytes(),
        Start::Response { .. } => is_token(m),
    };
    // invariant: 1..=9 digits, so the cast is exact.
    fine.then_some(CSeqHint {
        seq,
        digits: digits as u8,
    })
}

const CL: u8 = HeaderName::ContentLength.static_id();
const CSEQ: u8 = HeaderName::CSeq.static_id();
const MF: u8 = HeaderName::MaxForwards.static_id();
const EXPIRES: u8 = HeaderName::Expires.static_id();

/// The headers [`Checks::check`] reads, as a bit set of table ids.
const CHECKED: u64 = (1 << CL) | (1 << CSEQ) | (1 << MF) | (1 << EXPIRES);

/// Checks made at parse time, line by line once the header lines are indexed, so that a
/// broken request is answered 400 by the parser: Content-Length (non-negative, fits, all
/// lines agree), CSeq (fits 32 bits, method matches the Request-Line), Max-Forwards (0..=255)
/// and Expires (no overflow). The first failure is kept and reported after any framing error.
#[derive(Default)]
struct Checks {
    content_length: Option<u32>,
    /// The last CSeq line the fast check read, when it had the common form [`cseq_fast`]
    /// reads: kept in the index (if it is the only CSeq line) so that [`Headers::cseq`]
    /// need not read it again.
    cseq: Option<CSeqHint>,
    err: Option<K>,
}

impl Checks {
    /// Checks one line's value, keeping the first failure: the well-formed common case inline,
    /// anything else by [`Checks::check`].
    #[inline(always)]
    fn line(&mut self, id: u8, v: &[u8], start: &Start, buf: &Bytes) {
        let fine = match id {
            CL => match (small_number(v), self.content_length) {
                (Some(n), None) => {
                    self.content_length = Some(n);
                    true
                }
                _ => false,
            },
            CSEQ => {
                self.cseq = cseq_fast(v, start);
                self.cseq.is_some()
            }
            MF => small_number(v).is_some_and(|n| n <= 255),
            EXPIRES => small_number(v).is_some(),
            _ => false,
        };
        if !fine {
            self.slow(id, v, start, buf);
        }
    }

    #[cold]
    #[inline(never)]
    fn slow(&mut self, id: u8, v: &[u8], start: &Start, buf: &Bytes) {
        if let Err(k) = self.check(id, v, start, buf) {
            self.err.get_or_insert(k);
        }
    }

    /// Checks one line's value (`id` one of [`CHECKED`]; other ids pass).
    fn check(&mut self, id: u8, v: &[u8], start: &Start, buf: &Bytes) -> Result<(), K> {
        fn text(v: &[u8]) -> &str {
            core::str::from_utf8(v).unwrap_or("")
        }
        match id {
            CL => {
                let n = match small_number(v) {
                    Some(n) => n,
                    None => parse_content_length(text(v)).map_err(K::Header)?,
                };
                if self.content_length.is_some_and(|c| c != n) {
                    return Err(K::Header(crate::header::HeaderError::Conflicting {
                        header: "Content-Length",
                    }));
                }
                self.content_length = Some(n);
            }
            CSEQ if cseq_fast(v, start).is_none() => {
                let c = CSeq::parse_in(text(v), buf).map_err(K::Header)?;
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
        Ok(())
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(m: &[u8]) -> Option<K> {
        parse(Bytes::copy_from_slice(m), &Limits::default())
            .err()
            .map(|e| *e.kind())
    }

    fn values(m: &[u8]) -> Vec<(String, String)> {
        let msg = parse(Bytes::copy_from_slice(m), &Limits::default()).expect("parses");
        msg.headers()
            .iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn the_fast_line_reader_refuses_what_the_long_reading_refuses() {
        const LACKS: K =
            K::HeaderLine("header line lacks ':' after its name (RFC 3261 §7.3 HCOLON)");
        const NOT_TOKEN: K =
            K::HeaderLine("header name must be a token (RFC 3261 §7.3, §25.1 field-name)");
        // A bare CR inside a known name's '-' position is not that name.
        assert_eq!(
            kind(b"OPTIONS sip:a@b.com SIP/2.0\r\nCall\rID: x\r\n\r\n"),
            Some(K::HeaderLine(
                "bare CR or LF; lines end with CRLF (RFC 3261 §7, §25.1)"
            ))
        );
        // A line without a colon whose next line has one.
        assert_eq!(
            kind(b"OPTIONS sip:a@b.com SIP/2.0\r\nTo\r\nVia: x\r\n\r\n"),
            Some(LACKS)
        );
        assert_eq!(
            kind(b"OPTIONS sip:a@b.com SIP/2.0\r\nT o: x\r\n\r\n"),
            Some(LACKS)
        );
        assert_eq!(
            kind(b"OPTIONS sip:a@b.com SIP/2.0\r\n@To: x\r\n\r\n"),
            Some(NOT_TOKEN)
        );
        assert_eq!(
            kind(b"OPTIONS sip:a@b.com SIP/2.0\r\n: x\r\n\r\n"),
            Some(NOT_TOKEN)
        );
        assert!(matches!(
            kind(b"OPTIONS sip:a@b.com SIP/2.0\r\nTo: x\ry\r\n\r\n"),
            Some(K::HeaderLine(_))
        ));
    }

    #[test]
    fn names_and_values_read_alike_on_both_paths() {
        let long = "X-A-Name-Longer-Than-The-Colon-Window-Of-The-Fast-Path";
        let m = format!(
            "OPTIONS sip:a@b.com SIP/2.0\r\nVia \t:  \t SIP/2.0/UDP h \t\r\nt:x\r\n\
             X-Unknown:\r\n{long}: y z \r\nSubject: a\tb \t\r\nMax-Forwards:\t70\r\n\
             CSeq: 1\tOPTIONS\r\nl: 0\r\n\r\n"
        );
        // A tab sends a line to the long reading (the fast one stops at the first control).
        assert_eq!(
            values(m.as_bytes()),
            [
                ("Via", "SIP/2.0/UDP h"),
                ("t", "x"),
                ("X-Unknown", ""),
                (long, "y z"),
                ("Subject", "a\tb"),
                ("Max-Forwards", "70"),
                ("CSeq", "1\tOPTIONS"),
                ("l", "0"),
            ]
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
        );
    }

    #[test]
    fn checks_run_on_unfolded_values() {
        // The first line of the folded Max-Forwards reads 7; the whole value is not a number.
        assert!(matches!(
            kind(b"OPTIONS sip:a@b.com SIP/2.0\r\nMax-Forwards: 7\r\n 0\r\n\r\n"),
            Some(K::Header(_))
        ));
        assert!(kind(b"OPTIONS sip:a@b.com SIP/2.0\r\nCSeq: 7\r\n OPTIONS\r\n\r\n").is_none());
        assert_eq!(
            kind(b"OPTIONS sip:a@b.com SIP/2.0\r\nCSeq: 7 INVITE\r\n\r\n"),
            Some(K::CSeqMethodMismatch)
        );
    }
}
