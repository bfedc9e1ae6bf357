//! SIP messages (RFC 3261 §7): parsing one datagram without copying, and writing messages.
//!
//! [`Message::parse`] indexes the start line and header lines of a datagram held in a
//! [`Bytes`]; every accessor returns a slice of it. Headers are parsed into typed values
//! ([`crate::header`]) only when asked for.
//!
//! ```
//! use bytes::Bytes;
//! use sip_proto::message::{HeaderName, Message, Method, ResponseBuilder};
//!
//! let datagram = Bytes::from_static(
//!     b"OPTIONS sip:bob@biloxi.example.com SIP/2.0\r\n\
//!       Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKhjhs8ass877\r\n\
//!       Max-Forwards: 70\r\n\
//!       To: <sip:bob@biloxi.example.com>\r\n\
//!       From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
//!       Call-ID: a84b4c76e66710\r\n\
//!       CSeq: 63104 OPTIONS\r\n\
//!       Content-Length: 0\r\n\r\n",
//! );
//! let msg = Message::parse(datagram)?;
//! let req = msg.as_request().ok_or("not a request")?;
//! assert_eq!(req.method(), &Method::Options);
//! assert_eq!(req.uri(), "sip:bob@biloxi.example.com");
//! assert_eq!(msg.headers().top_via()?.branch(), Some("z9hG4bKhjhs8ass877"));
//! assert_eq!(msg.headers().from()?.tag(), Some("1928301774"));
//! assert_eq!(msg.headers().get(HeaderName::CallId), Some("a84b4c76e66710"));
//!
//! // Answer it.
//! let mut out = Vec::new();
//! ResponseBuilder::from_request(req, 200, "OK").to_tag("a6c85cf").write(&mut out)?;
//! assert!(out.starts_with(b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP pc33"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A request that cannot be parsed still yields what is needed to answer it:
//!
//! ```
//! use bytes::Bytes;
//! use sip_proto::message::{Message, ResponseBuilder};
//!
//! let broken = Bytes::from_static(
//!     b"OPTIONS sip:bob@biloxi.example.com SIP/2.0\r\n\
//!       Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKhjhs8ass877\r\n\
//!       Max-Forwards: 300\r\n\
//!       To: <sip:bob@biloxi.example.com>\r\n\
//!       From: <sip:alice@atlanta.example.com>;tag=88\r\n\
//!       Call-ID: x1\r\n\
//!       CSeq: 1 OPTIONS\r\n\r\n",
//! );
//! let err = Message::parse(broken).unwrap_err();
//! assert_eq!(err.status_code(), 400);
//! assert!(err.to_string().contains("Max-Forwards must be 0..=255"));
//! let req = err.partial_request().ok_or("request line and headers were readable")?;
//! let mut out = Vec::new();
//! ResponseBuilder::from_request(req, err.status_code(), "Bad Max-Forwards")
//!     .to_tag("z1")
//!     .write(&mut out)
//!     ?;
//! assert!(out.starts_with(b"SIP/2.0 400 Bad Max-Forwards\r\nVia: SIP/2.0/UDP pc33"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod builder;
mod error;
mod headers;
mod list;
pub(crate) mod method;
mod name;
mod parse;
mod reason;
mod start_line;
mod stream;
mod writer;

use bytes::Bytes;

pub use builder::{BuildError, RequestBuilder, ResponseBuilder};
pub use error::{ParseError, ParseErrorKind};
pub use headers::{CoreHeaders, Headers};
pub use method::{ExtensionMethod, InvalidMethod, Method};
pub use name::HeaderName;
pub use parse::Limits;
pub use reason::reason_phrase;
pub use stream::{frame_stream, Framing, StreamFramer};
pub use writer::MessageWriter;

use crate::header::HeaderError;
use crate::uri::{Uri, UriError};

fn range(buf: &[u8], r: (u32, u32)) -> &[u8] {
    buf.get(r.0 as usize..r.1 as usize).unwrap_or(&[])
}

/// A parsed SIP message: a request or a response.
#[derive(Debug, Clone)]
pub enum Message {
    /// A request (RFC 3261 §7.1).
    Request(Request),
    /// A response (RFC 3261 §7.2).
    Response(Response),
}

impl Message {
    /// Parses one message from one UDP datagram (RFC 3261 §7, §18.3) with default [`Limits`].
    ///
    /// Leading CRLFs are skipped (§7.5). The body is the Content-Length octets after the
    /// empty line; octets past them are discarded (§18.3); without Content-Length the body
    /// is the rest of the datagram. Checked here, so the parser answers 400/505 for them:
    /// the start line grammar, Content-Length (negative, overflowing, conflicting, larger
    /// than the datagram), CSeq (overflow, method differing from the Request-Line),
    /// Max-Forwards above 255, Expires overflow. Other headers are checked when read, or all
    /// at once by [`Message::validate`].
    pub fn parse(datagram: Bytes) -> Result<Message, ParseError> {
        parse::parse(datagram, &Limits::default())
    }

    /// [`Message::parse`] followed by [`Message::validate`]: every header this crate
    /// understands is checked, and repeated Call-ID, CSeq, From, To or Max-Forwards lines
    /// with different values are refused (RFC 4475 §3.3.8). The error carries the partial
    /// request as [`Message::parse`]'s do, so one call gives a UAS everything it needs to
    /// answer 400.
    ///
    /// [`Message::parse`] stays lenient here because RFC 4475 files such messages as
    /// parsable, to be refused by the application layer.
    pub fn parse_strict(datagram: Bytes) -> Result<Message, ParseError> {
        let m = Self::parse(datagram)?;
        match m.validate() {
            Ok(()) => Ok(m),
            Err(e) => Err(match m {
                Message::Request(r) => ParseError::with_partial(ParseErrorKind::Header(e), r),
                Message::Response(_) => ParseError::new(ParseErrorKind::Header(e)),
            }),
        }
    }

    /// [`Message::parse`] with explicit limits.
    pub fn parse_with_limits(datagram: Bytes, limits: &Limits) -> Result<Message, ParseError> {
        parse::parse(datagram, limits)
    }

    /// The headers.
    pub fn headers(&self) -> &Headers {
        match self {
            Message::Request(r) => &r.headers,
            Message::Response(r) => &r.headers,
        }
    }

    /// The body: exactly Content-Length octets.
    pub fn body(&self) -> &[u8] {
        match self {
            Message::Request(r) => r.body(),
            Message::Response(r) => r.body(),
        }
    }

    /// The request, if this is one.
    pub fn as_request(&self) -> Option<&Request> {
        match self {
            Message::Request(r) => Some(r),
            Message::Response(_) => None,
        }
    }

    /// The response, if this is one.
    pub fn as_response(&self) -> Option<&Response> {
        match self {
            Message::Response(r) => Some(r),
            Message::Request(_) => None,
        }
    }

    /// The whole datagram as received (including any discarded trailing octets).
    pub fn bytes(&self) -> &Bytes {
        match self {
            Message::Request(r) => r.bytes(),
            Message::Response(r) => r.bytes(),
        }
    }

    /// Writes the message back in canonical form: one SP between start-line elements,
    /// `name: value` header lines in their original order and spelling, folded values
    /// unfolded, then the body (octets after it in the datagram are not written). Writing a
    /// message parsed from such output gives the same bytes again.
    pub fn write(&self, out: &mut Vec<u8>) {
        match self {
            Message::Request(r) => r.write(out),
            Message::Response(r) => r.write(out),
        }
    }

    /// A full syntax check of the headers this crate understands (see
    /// [`Headers::validate`]); a request failing it should be answered 400.
    pub fn validate(&self) -> Result<(), HeaderError> {
        self.headers().validate()
    }
}

/// A parsed request. Cheap to clone (the buffer is shared).
#[derive(Debug, Clone)]
// The header index first and alone, in declaration order: the parser then writes a request
// into its result with one move of the index. With the compiler's own order the method came
// first, and the index and the method were assembled apart and moved together (a second copy
// of some 550 octets per message).
#[repr(C)]
pub struct Request {
    headers: Headers,
    /// The datagram as received when the headers were folded (then `headers` holds an
    /// unfolded copy of the header section); `None` when `headers` holds the datagram itself,
    /// so parsing never takes a second handle on it.
    raw: Option<Bytes>,
    method: Method,
    uri: (u32, u32),
    body: (u32, u32),
}

impl Request {
    /// The method of the Request-Line.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The Request-URI as written.
    pub fn uri(&self) -> &str {
        // invariant: the parser checked the Request-URI is a URI, hence ASCII.
        core::str::from_utf8(range(self.bytes(), self.uri)).unwrap_or("")
    }

    /// The Request-URI, parsed (it was checked at parse time, so this succeeds for parsed
    /// requests).
    pub fn uri_parsed(&self) -> Result<Uri<'_>, UriError> {
        Uri::parse(self.uri())
    }

    /// The headers.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        range(self.bytes(), self.body)
    }

    /// The body as a shared slice of the datagram (no copy).
    pub fn body_bytes(&self) -> Bytes {
        // invariant: the parser only records a body range inside the datagram.
        self.bytes()
            .slice(self.body.0 as usize..self.body.1 as usize)
    }

    /// The whole datagram as received.
    pub fn bytes(&self) -> &Bytes {
        self.raw.as_ref().unwrap_or(self.headers.buf())
    }

    /// Writes the request back in canonical form (see [`Message::write`]).
    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.method.as_str().as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.uri().as_bytes());
        out.extend_from_slice(b" SIP/2.0\r\n");
        write_headers_and_body(&self.headers, self.body(), out);
    }

    /// Checks the headers every request must carry: To, From, CSeq, Call-ID, Max-Forwards
    /// and Via (RFC 3261 §8.1.1). Max-Forwards is forgiven for RFC 2543 peers by
    /// callers that wish (RFC 4475 §3.4.1); this method does not forgive it.
    pub fn check_mandatory(&self) -> Result<(), HeaderError> {
        self.headers.check_mandatory()?;
        if !self.headers.contains(HeaderName::MaxForwards) {
            return Err(HeaderError::Missing {
                header: "Max-Forwards",
            });
        }
        Ok(())
    }
}

/// A parsed response. Cheap to clone (the buffer is shared).
#[derive(Debug, Clone)]
// Laid out as [`Request`] is.
#[repr(C)]
pub struct Response {
    headers: Headers,
    /// As for [`Request`].
    raw: Option<Bytes>,
    status: u16,
    reason: (u32, u32),
    body: (u32, u32),
}

impl Response {
    /// The status code, 100..=699.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The Reason-Phrase octets (UTF-8 per RFC 3261 §25.1, but not checked; may be empty).
    pub fn reason(&self) -> &[u8] {
        range(self.bytes(), self.reason)
    }

    /// The Reason-Phrase as text, when it is UTF-8.
    pub fn reason_str(&self) -> Option<&str> {
        core::str::from_utf8(self.reason()).ok()
    }

    /// The headers.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        range(self.bytes(), self.body)
    }

    /// The body as a shared slice of the datagram (no copy).
    pub fn body_bytes(&self) -> Bytes {
        // invariant: the parser only records a body range inside the datagram.
        self.bytes()
            .slice(self.body.0 as usize..self.body.1 as usize)
    }

    /// The whole datagram as received.
    pub fn bytes(&self) -> &Bytes {
        self.raw.as_ref().unwrap_or(self.headers.buf())
    }

    /// Writes the response back in canonical form (see [`Message::write`]).
    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"SIP/2.0 ");
        // The parser only accepts three-digit codes.
        for d in [self.status / 100, self.status / 10 % 10, self.status % 10] {
            out.push(b'0' + (d % 10) as u8);
        }
        out.push(b' ');
        out.extend_from_slice(self.reason());
        out.extend_from_slice(b"\r\n");
        write_headers_and_body(&self.headers, self.body(), out);
    }
}

fn write_headers_and_body(headers: &Headers, body: &[u8], out: &mut Vec<u8>) {
    for (name, value) in headers.iter_raw() {
        out.extend_from_slice(name);
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
}
