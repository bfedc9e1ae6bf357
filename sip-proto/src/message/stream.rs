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
/// assert_eq!(frame_stream(buf, &Limits::default())?, Framing::Message { len: 33 });
/// assert_eq!(frame_stream(&buf[33..], &Limits::default())?, Framing::NeedMore);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn frame_stream(buf: &[u8], limits: &Limits) -> Result<Framing, ParseError> {
    StreamFramer::new(*limits).frame(buf)
}

/// [`frame_stream`] that remembers how far it has looked, so feeding a buffer that grows a
/// few octets at a time costs time linear in its length, not quadratic (a slow-drip peer
/// cannot make the caller rescan 64 KiB per segment).
///
/// Call [`StreamFramer::frame`] with the receive buffer each time octets are appended to it.
/// After it returns [`Framing::Message`] or [`Framing::KeepAlive`], remove those octets
/// from the front of the buffer before the next call (the framer has already reset
/// itself). After an error the stream is unusable: close the connection (RFC 3261 §18.3).
///
/// ```
/// use sip_proto::message::{Framing, Limits, StreamFramer};
/// let mut framer = StreamFramer::new(Limits::default());
/// let wire = b"OPTIONS sip:a@b SIP/2.0\r\nl: 2\r\n\r\nhi";
/// let mut buf = Vec::new();
/// let mut framed = None;
/// for &octet in wire {
///     buf.push(octet);
///     if let Framing::Message { len } = framer.frame(&buf)? {
///         framed = Some(len);
///     }
/// }
/// assert_eq!(framed, Some(wire.len()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct StreamFramer {
    limits: Limits,
    /// Octets at the front of the buffer known not to complete the header section.
    scanned: usize,
    /// Length of the message whose headers were read, while its body is still arriving.
    pending: Option<usize>,
}

impl StreamFramer {
    /// A framer enforcing `limits`.
    pub fn new(limits: Limits) -> Self {
        StreamFramer {
            limits,
            scanned: 0,
            pending: None,
        }
    }

    /// Forgets what was scanned (for when the caller drops its buffer).
    pub fn reset(&mut self) {
        self.scanned = 0;
        self.pending = None;
    }

    /// Frames the next message at the start of `buf`. See [`frame_stream`].
    pub fn frame(&mut self, buf: &[u8]) -> Result<Framing, ParseError> {
        if let Some(total) = self.pending {
            if buf.len() < total {
                return Ok(Framing::NeedMore);
            }
            self.reset();
            return Ok(Framing::Message { len: total });
        }
        if self.scanned == 0 {
            if buf.starts_with(b"\r\n\r\n") {
                return Ok(Framing::KeepAlive { len: 4 });
            }
            if buf.starts_with(b"\r\n") {
                return Ok(Framing::KeepAlive { len: 2 });
            }
            if buf == b"\r" {
                return Ok(Framing::NeedMore);
            }
        }
        let from = self.scanned.saturating_sub(3);
        let found = buf
            .get(from..)
            .and_then(|rest| rest.windows(4).position(|w| w == b"\r\n\r\n"));
        let Some(end) = found.map(|at| from + at) else {
            self.scanned = buf.len();
            return if buf.len() >= self.limits.max_message_size {
                Err(K::MessageTooLarge {
                    limit: self.limits.max_message_size,
                }
                .into())
            } else {
                Ok(Framing::NeedMore)
            };
        };
        let total = message_length(buf.get(..end).unwrap_or(&[]), end + 4, &self.limits)?;
        if buf.len() >= total {
            self.reset();
            Ok(Framing::Message { len: total })
        } else {
            self.pending = Some(total);
            Ok(Framing::NeedMore)
        }
    }
}

/// Reads Content-Length from the header section `head` and returns the message length.
fn message_length(head: &[u8], header_end: usize, limits: &Limits) -> Result<usize, ParseError> {
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
    Ok(total)
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
    fn framer_fed_octet_by_octet() {
        let wire: &[u8] = b"\r\n\r\nMESSAGE sip:a@b SIP/2.0\r\nl: 5\r\n\r\nhello\r\nBYE sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n";
        let mut framer = StreamFramer::new(Limits::default());
        let mut buf: Vec<u8> = Vec::new();
        let mut out = Vec::new();
        for &octet in wire {
            buf.push(octet);
            loop {
                match framer.frame(&buf).unwrap() {
                    Framing::NeedMore => break,
                    Framing::KeepAlive { len } => {
                        out.push(format!("ka{len}"));
                        buf.drain(..len);
                    }
                    Framing::Message { len } => {
                        out.push(String::from_utf8_lossy(&buf[..len]).into_owned());
                        buf.drain(..len);
                    }
                }
            }
        }
        assert_eq!(
            out,
            [
                "ka2",
                "ka2",
                "MESSAGE sip:a@b SIP/2.0\r\nl: 5\r\n\r\nhello",
                "ka2",
                "BYE sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n"
            ]
        );
        assert!(buf.is_empty());
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
