//! The start line of a SIP message (RFC 3261 §7.1, §7.2).
//!
//! ```text
//! Request-Line = Method SP Request-URI SP SIP-Version CRLF
//! Status-Line  = SIP-Version SP Status-Code SP Reason-Phrase CRLF
//! SIP-Version  = "SIP" "/" 1*DIGIT "." 1*DIGIT
//! ```
//!
//! The common lines (`INVITE sip:bob@example.com SIP/2.0`, `SIP/2.0 200 OK`) are read by a
//! quick path; anything else by the grammar, element by element, so that an error names the
//! rule broken.

use bytes::Bytes;

use super::error::ParseErrorKind as K;
use super::method::Method;
use super::parse::{line_end, r32};
use crate::uri::chars::find_byte;
use crate::uri::Shape;

/// A parsed start line: offsets into the datagram.
#[cfg_attr(test, derive(Debug, PartialEq))]
pub(super) enum Start {
    Request { method: Method, uri: (u32, u32) },
    Response { status: u16, reason: (u32, u32) },
}

/// Reads the start line at `pos`: the line, whether its SIP-Version is a well-formed one other
/// than 2.0 (the caller still reads the headers, so the 505 can echo them), and where the next
/// line starts.
pub(super) fn start_line(raw: &Bytes, pos: usize) -> Result<(Start, bool, usize), K> {
    let b: &[u8] = raw;
    let quick = match b.get(pos..pos + 4) {
        Some(b"SIP/") => quick_status_line(b, pos),
        _ => quick_request_line(b, pos),
    };
    match quick {
        Some((start, next)) => Ok((start, false, next)),
        None => read_start_line(raw, pos),
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

/// Method, Request-URI and the rest of a Request-Line.
type RequestLineParts<'a> = (&'a [u8], &'a [u8], &'a [u8]);

/// Splits a Request-Line at its first two SPs: Method, Request-URI and the rest (the version,
/// followed by anything after a third SP).
fn split_request_line(line: &[u8]) -> Result<RequestLineParts<'_>, K> {
    let bad = K::StartLine(BAD_REQUEST_LINE);
    let sp1 = find_byte(line, b' ').ok_or(bad)?;
    let after = line.get(sp1 + 1..).unwrap_or(&[]);
    let sp2 = find_byte(after, b' ').ok_or(bad)?;
    Ok((
        line.get(..sp1).unwrap_or(&[]),
        after.get(..sp2).unwrap_or(&[]),
        after.get(sp2 + 1..).unwrap_or(&[]),
    ))
}

/// Parses a Request-Line. The flag is set for a well-formed SIP-Version other than 2.0: the
/// caller still reads the headers, so the 505 can echo them (§8.2.2, RFC 4475 §3.1.2.16).
fn parse_request_line(raw: &Bytes, from: usize, to: usize) -> Result<(Start, bool), K> {
    let line = raw.get(from..to).unwrap_or(&[]);
    let (m, u, rest) = split_request_line(line)?;
    let version_end = rest.iter().position(|&c| c == b' ');
    let v = rest.get(..version_end.unwrap_or(rest.len())).unwrap_or(&[]);
    if m.is_empty() || u.is_empty() || v.is_empty() {
        return Err(K::StartLine(
            "Request-Line elements must be separated by exactly one SP, with no leading or trailing whitespace (RFC 3261 §7.1)",
        ));
    }
    if let Some(at) = version_end {
        let only_trailing = rest.get(at..).unwrap_or(&[]).iter().all(|&c| c == b' ');
        return Err(K::StartLine(if only_trailing {
            "trailing whitespace after SIP-Version (RFC 3261 §7.1)"
        } else {
            "Request-URI must not contain whitespace (RFC 3261 §7.1, §25.1 Request-URI)"
        }));
    }
    let method = Method::from_slice_of(raw, m)
        .map_err(|_| K::StartLine("Method must be a token (RFC 3261 §25.1 Method)"))?;
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
    // Checked on the octets: every URI the grammar accepts is ASCII, so `Request::uri` can
    // always read it as text.
    let uri = Shape::of(u).map_err(K::RequestUri)?;
    if uri.is_sip_with_headers() {
        return Err(K::StartLine(
            "Request-URI must not contain headers (RFC 3261 §19.1.1 Table 1, RFC 4475 §3.1.2.11)",
        ));
    }
    let ustart = from + m.len() + 1;
    let start = Start::Request {
        method,
        uri: r32(ustart, ustart + u.len()),
    };
    Ok((start, unsupported_version))
}

/// The common Request-Line, `Method SP Request-URI SP "SIP/2.0" CRLF` with a method RFC 3261
/// or its extensions define, read from `from` with two searches (for the SPs) and one compare
/// (for the version and the CRLF): the start line and where the next line starts. `None` for
/// anything else, which [`line_end`] and [`parse_request_line`] then read and, if need be,
/// refuse with the rule broken.
///
/// It agrees with that reading: no known method and no URI [`Shape::of`] accepts holds an SP,
/// CR or LF (a test checks this by putting each octet value at every position of lines of
/// six forms), so the line ends at the CRLF after the
/// version and splits at the same two SPs.
#[inline(always)]
fn quick_request_line(b: &[u8], from: usize) -> Option<(Start, usize)> {
    const VERSION_CRLF: &[u8] = b" SIP/2.0\r\n";
    let rest = b.get(from..)?;
    // The longest known method has nine octets.
    let sp = find_byte(rest.get(..10).unwrap_or(rest), b' ')?;
    let method = Method::known(rest.get(..sp)?)?;
    let u_start = sp + 1;
    let u_end = u_start + find_byte(rest.get(u_start..)?, b' ')?;
    if rest.get(u_end..u_end + VERSION_CRLF.len())? != VERSION_CRLF {
        return None;
    }
    // A URI in `<>` is no URI to `Shape::of` (its scheme would start with `<`).
    let u = rest.get(u_start..u_end)?;
    let shape = Shape::of(u).ok()?;
    if shape.is_sip_with_headers() {
        return None;
    }
    let start = Start::Request {
        method,
        uri: r32(from + u_start, from + u_end),
    };
    Some((start, from + u_end + VERSION_CRLF.len()))
}

/// The common Status-Line, `"SIP/2.0" SP Status-Code SP Reason-Phrase CRLF`, read with two
/// compares before the search for its end: the line and where the next line starts, or
/// `None` for anything else, which [`read_start_line`] then reads (errors included). It
/// agrees with that reading, as its first twelve octets hold no CR or LF.
#[inline(always)]
fn quick_status_line(b: &[u8], from: usize) -> Option<(Start, usize)> {
    let rest = b.get(from..)?;
    if rest.get(..8)? != b"SIP/2.0 " {
        return None;
    }
    let status = match *rest.get(8..12)? {
        [a @ b'1'..=b'6', c @ b'0'..=b'9', d @ b'0'..=b'9', b' '] => status_code(a, c, d),
        _ => return None,
    };
    let (cr, next) = line_end(b, from + 12).ok()?;
    let start = Start::Response {
        status,
        reason: r32(from + 12, cr),
    };
    Some((start, next))
}

/// The Status-Code written by three ASCII digits.
fn status_code(hundreds: u8, tens: u8, units: u8) -> u16 {
    let digit = |c: u8| u16::from(c.wrapping_sub(b'0'));
    digit(hundreds) * 100 + digit(tens) * 10 + digit(units)
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
            status_code(*a, *b2, *c)
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

/// Reads the start line from `pos` by the grammar: the line, whether its SIP-Version is a
/// well-formed one other than 2.0 (see [`parse_request_line`]), and where the next line starts.
fn read_start_line(raw: &Bytes, pos: usize) -> Result<(Start, bool, usize), K> {
    let b: &[u8] = raw;
    let (sl_end, next) = line_end(b, pos).map_err(|k| match k {
        K::HeaderLine(_) => K::StartLine("start line must end with CRLF (RFC 3261 §7)"),
        other => other,
    })?;
    let (start, unsupported_version) = if b.get(pos..pos + 4) == Some(b"SIP/") {
        (parse_status_line(b, pos, sl_end)?, false)
    } else {
        parse_request_line(raw, pos, sl_end)?
    };
    Ok((start, unsupported_version, next))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uri::tests::octet_edits;

    /// A quick reading of a start line: the line and where the next one starts.
    type QuickReading = fn(&[u8], usize) -> Option<(Start, usize)>;

    /// Whenever `quick` reads a message made from one of `bases` (every octet value put in,
    /// and over, every position), the general reading finds the same start line and the same
    /// next line. Returns how many messages the quick reading took.
    fn assert_quick_agrees(bases: &[&str], quick: QuickReading) -> usize {
        let mut taken = 0;
        for message in bases.iter().flat_map(|base| octet_edits(base, 0)) {
            let raw = Bytes::from(message);
            if let Some((start, next)) = quick(&raw, 0) {
                taken += 1;
                let text = String::from_utf8_lossy(&raw);
                assert_eq!(
                    read_start_line(&raw, 0),
                    Ok((start, false, next)),
                    "{text:?}"
                );
            }
        }
        taken
    }

    #[test]
    fn the_quick_request_line_reads_what_the_long_reading_reads() {
        let bases = [
            "REGISTER sip:registrar.atlanta.example.com SIP/2.0\r\nVia: x\r\n",
            "INVITE sip:bob@biloxi.example.com;transport=udp SIP/2.0\r\nTo: x\r\n",
            "OPTIONS sips:a:pw@[2001:db8::1]:5061;lr SIP/2.0\r\nTo: x\r\n",
            "MESSAGE tel:+1-201-555-0123;phone-context=x SIP/2.0\r\nTo: x\r\n",
            "BYE urn:service:sos SIP/2.0\r\nTo: x\r\n",
            "ACK sip:%61lice@h?subject=x SIP/2.0\r\nTo: x\r\n",
        ];
        let taken = assert_quick_agrees(&bases, quick_request_line);
        assert!(taken > 10_000, "the quick reading took only {taken} lines");
    }

    #[test]
    fn the_quick_status_line_reads_what_the_long_reading_reads() {
        let bases = [
            "SIP/2.0 200 OK\r\nVia: x\r\n",
            "SIP/2.0 180 \r\nVia: x\r\n",
            "SIP/2.0 699 Très long\r\nVia: x\r\n",
        ];
        let taken = assert_quick_agrees(&bases, quick_status_line);
        assert!(taken > 5_000, "the quick reading took only {taken} lines");
    }
}
