//! Framing messages on stream transports (TCP, TLS, WebSocket-less streams): RFC 3261 §18.3.
//!
//! On a stream, Content-Length is mandatory and is the only way to find where a message
//! ends. [`frame_stream`] looks at the start of a receive buffer and says how many octets
//! the next message takes, or that more octets are needed; the caller then hands exactly
//! those octets to [`super::Message::parse`]. The limits bound what the caller must buffer:
//! a peer announcing a huge Content-Length (RFC 4475 §3.1.2.2) is refused at once instead
//! of being waited for.

use super::error::{ParseError, ParseErrorKind as K};
use super::name::{lookup, HeaderName};
use super::Limits;
use crate::header::{parse_content_length, HeaderError};

/// What the start of a stream buffer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Framing {
    /// A whole message of `len` octets (headers and body) is at the start of the buffer.
    Message {
        /// Octets to take off the buffer and parse.
        len: usize,
    },
    /// A keep-alive (RFC 5626 §4.4.1): `len` is 4 for a CRLFCRLF ping (answer with a CRLF
    /// pong) and 2 for a lone CRLF (a pong, or the first half of a ping still arriving).
    KeepAlive {
        /// Octets to drop from the buffer.
        len: usize,
    },
    /// The buffer does not hold a whole message yet.
    NeedMore,
}

/// Frames the next message at the start of `buf` (RFC 3261 §18.3).
///
/// Content-Length is mandatory on streams; a message without it is refused (400). The limits
/// bound what the caller must buffer: a Content-Length they cannot hold is refused at once
/// instead of being waited for (RFC 4475 §3.1.2.2 over TCP).
///
/// ```
/// use sip_proto::message::{frame_stream, Framing, Limits};
/// let buf = b"OPTIONS sip:a@b SIP/2.0\r\nl: 0\r\n\r\nOPTI";
/// assert_eq!(frame_stream(buf, &Limits::default()).unwrap(), Framing::Message { len: 33 });
/// assert_eq!(frame_stream(&buf[33..], &Limits::default()).unwrap(), Framing::NeedMore);
/// ```
pub fn frame_stream(buf: &[u8], limits: &Limits) -> Result<Framing, ParseError> {
    if buf.starts_with(b"\r\n\r\n") {
        return Ok(Framing::KeepAlive { len: 4 });
    }
    if buf.starts_with(b"\r\n") {
        return Ok(Framing::KeepAlive { len: 2 });
    }
    if buf == b"\r" {
        return Ok(Framing::NeedMore);
    }
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        return if buf.len() >= limits.max_message_size {
            Err(K::MessageTooLarge {
                limit: limits.max_message_size,
            }
            .into())
        } else {
            Ok(Framing::NeedMore)
        };
    };
    let header_end = end + 4;
    let head = buf.get(..end).unwrap_or(&[]);
    let mut declared: Option<u32> = None;
    let mut lines = head.split(|&c| c == b'\n').peekable();
    while let Some(line) = lines.next() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&c| c == b':') else {
            continue;
        };
        let name = line.get(..colon).unwrap_or(&[]).trim_ascii_end();
        if HeaderName::from_id(lookup(name)) != Some(HeaderName::ContentLength) {
            continue;
        }
        let mut value = line.get(colon + 1..).unwrap_or(&[]).trim_ascii();
        // A folded Content-Length is legal, if odd: take the continuation line.
        if value.is_empty() {
            if let Some(next) =
                lines.next_if(|l| l.first().is_some_and(|c| *c == b' ' || *c == b'\t'))
            {
                value = next.strip_suffix(b"\r").unwrap_or(next).trim_ascii();
            }
        }
        let n = core::str::from_utf8(value)
            .map_err(|_| {
                K::Header(HeaderError::NotUtf8 {
                    header: "Content-Length",
                })
            })
            .and_then(|v| parse_content_length(v).map_err(K::Header))?;
        if declared.is_some_and(|d| d != n) {
            return Err(K::Header(HeaderError::Conflicting {
                header: "Content-Length",
            })
            .into());
        }
        declared = Some(n);
    }
    let Some(n) = declared else {
        return Err(K::Header(HeaderError::Missing {
            header: "Content-Length",
        })
        .into());
    };
    let body = n as usize;
    if body > limits.max_body_size {
        return Err(K::BodyTooLarge {
            limit: limits.max_body_size,
        }
        .into());
    }
    let total = header_end.saturating_add(body);
    if total > limits.max_message_size {
        return Err(K::MessageTooLarge {
            limit: limits.max_message_size,
        }
        .into());
    }
    Ok(if buf.len() >= total {
        Framing::Message { len: total }
    } else {
        Framing::NeedMore
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(b: &[u8]) -> Result<Framing, ParseError> {
        frame_stream(b, &Limits::default())
    }

    #[test]
    fn frames_by_content_length() {
        let m = b"MESSAGE sip:a@b SIP/2.0\r\nl: 5\r\n\r\nhelloOPTIONS sip:a@b SIP/2.0\r\n";
        assert_eq!(f(m).unwrap(), Framing::Message { len: 38 });
        assert_eq!(f(&m[..37]).unwrap(), Framing::NeedMore);
        assert_eq!(f(&m[..20]).unwrap(), Framing::NeedMore);
        let folded = b"MESSAGE sip:a@b SIP/2.0\r\nContent-Length:\r\n 2\r\n\r\nhi";
        assert_eq!(f(folded).unwrap(), Framing::Message { len: folded.len() });
    }

    #[test]
    fn keepalives() {
        assert_eq!(f(b"\r\n\r\nINVITE").unwrap(), Framing::KeepAlive { len: 4 });
        assert_eq!(f(b"\r\nINVITE").unwrap(), Framing::KeepAlive { len: 2 });
        assert_eq!(f(b"\r\n").unwrap(), Framing::KeepAlive { len: 2 });
        assert_eq!(f(b"\r").unwrap(), Framing::NeedMore);
        assert_eq!(f(b"").unwrap(), Framing::NeedMore);
    }

    #[test]
    fn refusals() {
        let e = f(b"OPTIONS sip:a@b SIP/2.0\r\n\r\n").unwrap_err();
        assert_eq!(
            e.kind(),
            &K::Header(HeaderError::Missing {
                header: "Content-Length"
            })
        );
        // RFC 4475 clerr over TCP: refused at once, not waited for.
        let small = Limits {
            max_message_size: 4096,
            max_body_size: 100_000,
            ..Limits::default()
        };
        let e = frame_stream(
            b"INVITE sip:a@b SIP/2.0\r\nContent-Length: 9999\r\n\r\nv=0",
            &small,
        )
        .unwrap_err();
        assert_eq!(e.status_code(), 513);
        let e = f(b"INVITE sip:a@b SIP/2.0\r\nContent-Length: -999\r\n\r\n").unwrap_err();
        assert_eq!(e.status_code(), 400);
        let e = f(b"INVITE sip:a@b SIP/2.0\r\nl: 1\r\nContent-Length: 2\r\n\r\nab").unwrap_err();
        assert!(e.to_string().contains("different values"));
        let huge = vec![b'a'; 70_000];
        assert!(f(&huge).is_err());
    }
}
