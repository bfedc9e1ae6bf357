//! [`MessageWriter`]: writing a message straight into the caller's buffer (RFC 3261 §7).

use super::builder::{has_crlf, is_request_uri, BuildError};
use super::name::TABLE;
use super::{reason_phrase, HeaderName, Method};
use crate::decimal::push_decimal;
use crate::uri::chars::is_token;

/// Room for the CRLF ending the line before, the longest listed name (20 octets,
/// `P-Preferred-Identity`) and `: `: three whole words.
const NAME_WIDTH: usize = 24;

/// The start of a header line with a listed name: the CRLF that ends the line before, the name
/// in its canonical spelling (RFC 3261 §20) and `: ` (§7.3.1 allows any whitespace around the
/// colon; one space after it is the usual form), zero-padded to [`NAME_WIDTH`] so it is
/// written with one copy of a known size.
#[derive(Debug)]
struct NamePrefix {
    text: [u8; NAME_WIDTH],
    /// How many octets of `text` are CRLF, the name and `: `.
    len: u8,
}

/// The [`NamePrefix`] of every name in [`TABLE`], by its id.
static NAME_PREFIXES: [NamePrefix; TABLE.len()] = {
    let mut t = [const {
        NamePrefix {
            text: [0; NAME_WIDTH],
            len: 0,
        }
    }; TABLE.len()];
    let mut id = 0;
    while id < TABLE.len() {
        let name = TABLE[id].1.as_bytes();
        assert!(
            name.len() + 4 <= NAME_WIDTH,
            "CRLF, a listed name and `: ` fit NAME_WIDTH"
        );
        t[id].text[0] = b'\r';
        t[id].text[1] = b'\n';
        let mut i = 0;
        while i < name.len() {
            t[id].text[2 + i] = name[i];
            i += 1;
        }
        t[id].text[2 + i] = b':';
        t[id].text[3 + i] = b' ';
        t[id].len = (i + 4) as u8;
        id += 1;
    }
    t
};

/// The name of a line being written: a listed one from [`NAME_PREFIXES`], or text.
#[derive(Clone, Copy)]
enum LineName<'n> {
    Listed(&'static NamePrefix),
    Text(&'n [u8]),
}

/// Writes one request or response straight into the caller's buffer, line by line (RFC 3261 §7).
///
/// It borrows the caller's `Vec<u8>`, writes the start line at once and each
/// header line as it is given, and ends with Content-Length computed from the body. Nothing
/// is held or copied on the way: it is the fast path for a caller that knows its header lines
/// in order, where [`super::RequestBuilder`] and [`super::ResponseBuilder`] collect references
/// first (and can echo a request's headers, §8.2.6).
///
/// Each line's CRLF is written with the start of the line after it, so a header line with a
/// listed name costs one fixed-size copy of `CRLF name: ` and one copy of the value; the
/// message is whole once [`MessageWriter::finish`] or [`MessageWriter::body`] returns.
///
/// ```
/// use sip_proto::message::{HeaderName, Message, Method, MessageWriter};
///
/// let mut out = Vec::new();
/// let mut w = MessageWriter::request(&mut out, &Method::Message, "sip:bob@biloxi.example.com")?;
/// w.header(HeaderName::Via, "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1")?
///     .header(HeaderName::MaxForwards, "70")?;
/// let len = w.body("text/plain", b"hi")?;
/// assert_eq!(len, out.len());
/// assert_eq!(
///     out,
///     b"MESSAGE sip:bob@biloxi.example.com SIP/2.0\r\n\
///       Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nMax-Forwards: 70\r\n\
///       Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// A writer dropped before [`MessageWriter::finish`] or [`MessageWriter::body`] (an error
/// returned with `?`, say) removes what it wrote, so the buffer never holds half a message.
#[derive(Debug)]
#[must_use = "a writer dropped before `finish` or `body` removes what it wrote"]
pub struct MessageWriter<'o> {
    out: &'o mut Vec<u8>,
    /// Where this message starts in `out`.
    start: usize,
    /// Whether a Content-Type line was written with [`MessageWriter::header`].
    content_type: bool,
    done: bool,
}

impl<'o> MessageWriter<'o> {
    /// Starts a request: writes `Method SP Request-URI SP SIP/2.0` (RFC 3261 §7.1); its CRLF
    /// comes with the next line.
    pub fn request(
        out: &'o mut Vec<u8>,
        method: &Method,
        request_uri: &str,
    ) -> Result<Self, BuildError> {
        let u = request_uri.as_bytes();
        if !is_request_uri(u) {
            return Err(BuildError::RequestUri);
        }
        let start = out.len();
        let m = method.as_str().as_bytes();
        out.reserve(m.len() + u.len() + 512);
        out.extend_from_slice(m);
        out.push(b' ');
        out.extend_from_slice(u);
        out.extend_from_slice(b" SIP/2.0");
        Ok(MessageWriter {
            out,
            start,
            content_type: false,
            done: false,
        })
    }

    /// Starts a response: writes `SIP/2.0 SP Status-Code SP Reason-Phrase` (RFC 3261 §7.2);
    /// its CRLF comes with the next line. An empty `reason` is replaced by [`reason_phrase`].
    pub fn response(out: &'o mut Vec<u8>, status: u16, reason: &str) -> Result<Self, BuildError> {
        if !(100..=699).contains(&status) {
            return Err(BuildError::Status);
        }
        let reason = if reason.is_empty() {
            reason_phrase(status)
        } else {
            reason
        };
        if has_crlf(reason.as_bytes()) {
            return Err(BuildError::Reason);
        }
        let start = out.len();
        out.reserve(reason.len() + 512);
        // Three digits, as checked above.
        let [hundreds, tens, units] =
            [status / 100, status / 10 % 10, status % 10].map(|d| b'0' + d as u8);
        out.extend_from_slice(&[
            b'S', b'I', b'P', b'/', b'2', b'.', b'0', b' ', hundreds, tens, units, b' ',
        ]);
        out.extend_from_slice(reason.as_bytes());
        Ok(MessageWriter {
            out,
            start,
            content_type: false,
            done: false,
        })
    }

    /// Writes a header line `name: value`. A Content-Length line is skipped: it is always
    /// computed from the body. A value holding CR or LF is refused (it would inject lines).
    #[inline]
    pub fn header(&mut self, name: HeaderName, value: &str) -> Result<&mut Self, BuildError> {
        self.header_pieces(name, &[value.as_bytes()])
    }

    /// Writes a header line whose value is given as bytes, in pieces written one after the
    /// other: a value echoed from a received message (§8.2.6.2), which need not be UTF-8,
    /// or such a value with a parameter added (`;tag=` on a To). Same rules as
    /// [`MessageWriter::header`], for every piece.
    #[inline]
    pub fn header_pieces(
        &mut self,
        name: HeaderName,
        pieces: &[&[u8]],
    ) -> Result<&mut Self, BuildError> {
        match name {
            HeaderName::ContentLength => Ok(self),
            HeaderName::Other(n) => self.named_line(n, pieces),
            listed => {
                self.content_type |= matches!(listed, HeaderName::ContentType);
                match NAME_PREFIXES.get(usize::from(listed.static_id())) {
                    Some(prefix) => self.line(LineName::Listed(prefix), pieces),
                    // Not reached: every listed variant has an id in `TABLE`.
                    None => self.line(LineName::Text(listed.as_str().as_bytes()), pieces),
                }
            }
        }
    }

    /// Writes a header line with a name given at run time (any case; a compact form works).
    pub fn header_named(&mut self, name: &str, value: &str) -> Result<&mut Self, BuildError> {
        self.named_line(name, &[value.as_bytes()])
    }

    /// A line whose name is text: checked to be a token (§7.3), and looked up so a
    /// Content-Length is skipped and a Content-Type noted as for a listed name.
    fn named_line(&mut self, name: &str, pieces: &[&[u8]]) -> Result<&mut Self, BuildError> {
        if !is_token(name.as_bytes()) {
            return Err(BuildError::HeaderName);
        }
        match HeaderName::from_name(name) {
            Some(HeaderName::ContentLength) => return Ok(self),
            Some(HeaderName::ContentType) => self.content_type = true,
            _ => {}
        }
        self.line(LineName::Text(name.as_bytes()), pieces)
    }

    /// Writes CRLF (ending the line before), the name, `: ` and the value pieces, after
    /// checking that no piece holds CR or LF (so a refused line writes nothing).
    #[inline(always)]
    fn line(&mut self, name: LineName<'_>, pieces: &[&[u8]]) -> Result<&mut Self, BuildError> {
        if pieces.iter().any(|piece| has_crlf(piece)) {
            return Err(BuildError::HeaderValue);
        }
        let out = &mut *self.out;
        match name {
            LineName::Listed(prefix) => {
                // The whole fixed-width prefix is one constant-size copy; the padding past
                // the name and ": " is cut off again at once.
                let at = out.len();
                out.extend_from_slice(&prefix.text);
                out.truncate(at + usize::from(prefix.len));
            }
            LineName::Text(text) => {
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(text);
                out.extend_from_slice(b": ");
            }
        }
        for piece in pieces {
            out.extend_from_slice(piece);
        }
        Ok(self)
    }

    /// Ends the message with a body: writes Content-Type, Content-Length, the empty line and
    /// the body. Returns the length of the whole message. A Content-Type already written
    /// with [`MessageWriter::header`] is refused ([`BuildError::ContentTypeTwice`]).
    pub fn body(mut self, content_type: &str, body: &[u8]) -> Result<usize, BuildError> {
        if self.content_type {
            return Err(BuildError::ContentTypeTwice);
        }
        if has_crlf(content_type.as_bytes()) {
            return Err(BuildError::HeaderValue);
        }
        let out = &mut *self.out;
        out.reserve(content_type.len() + body.len() + 40);
        out.extend_from_slice(b"\r\nContent-Type: ");
        out.extend_from_slice(content_type.as_bytes());
        out.extend_from_slice(b"\r\nContent-Length: ");
        push_decimal(out, body.len() as u64);
        out.extend_from_slice(b"\r\n\r\n");
        out.extend_from_slice(body);
        self.done = true;
        Ok(self.out.len() - self.start)
    }

    /// Ends the message without a body (`Content-Length: 0`, the empty line). Returns the
    /// length of the whole message.
    pub fn finish(mut self) -> Result<usize, BuildError> {
        self.out.extend_from_slice(b"\r\nContent-Length: 0\r\n\r\n");
        self.done = true;
        Ok(self.out.len() - self.start)
    }
}

impl Drop for MessageWriter<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.out.truncate(self.start);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_line_digits() {
        for (status, reason, line) in [
            (100, "", "SIP/2.0 100 Trying"),
            (200, "OK", "SIP/2.0 200 OK"),
            (487, "", "SIP/2.0 487 Request Terminated"),
            (699, "Odd", "SIP/2.0 699 Odd"),
        ] {
            let mut out = Vec::new();
            let len = MessageWriter::response(&mut out, status, reason)
                .unwrap()
                .finish()
                .unwrap();
            let whole = format!("{line}\r\nContent-Length: 0\r\n\r\n");
            assert_eq!(out, whole.as_bytes());
            assert_eq!(len, whole.len());
        }
        let mut out = Vec::new();
        assert_eq!(
            MessageWriter::response(&mut out, 700, "x").unwrap_err(),
            BuildError::Status
        );
        assert!(out.is_empty());
    }

    #[test]
    fn refused_line_writes_nothing_and_the_writer_goes_on() {
        let mut out = Vec::new();
        let mut w = MessageWriter::request(&mut out, &Method::Info, "sip:h").unwrap();
        assert_eq!(
            w.header(HeaderName::Subject, "a\rb").unwrap_err(),
            BuildError::HeaderValue
        );
        assert_eq!(
            w.header_pieces(
                HeaderName::Other("X-Long-Extension-Header-Name"),
                &[b"1", b"\n"]
            )
            .unwrap_err(),
            BuildError::HeaderValue
        );
        assert_eq!(
            w.header_named("X:", "1").unwrap_err(),
            BuildError::HeaderName
        );
        w.header(HeaderName::Subject, "ok")
            .unwrap()
            .header_pieces(
                HeaderName::Other("X-Long-Extension-Header-Name"),
                &[b"1", b"2"],
            )
            .unwrap();
        let len = w.finish().unwrap();
        assert_eq!(len, 88);
        assert_eq!(
            out,
            b"INFO sip:h SIP/2.0\r\nSubject: ok\r\nX-Long-Extension-Header-Name: 12\r\n\
              Content-Length: 0\r\n\r\n"
        );
    }

    #[test]
    fn every_listed_name_is_written_as_its_canonical_spelling() {
        for (id, (name, full, _)) in TABLE.iter().enumerate() {
            let prefix = &NAME_PREFIXES[id];
            let len = usize::from(prefix.len);
            assert_eq!(&prefix.text[..len], format!("\r\n{full}: ").as_bytes());
            assert!(prefix.text[len..].iter().all(|&c| c == 0), "{full}");

            if *name == HeaderName::ContentLength {
                continue;
            }
            let mut out = Vec::new();
            let mut w = MessageWriter::request(&mut out, &Method::Options, "sip:h").unwrap();
            w.header(*name, "v").unwrap();
            // A body's own Content-Type would clash with a Content-Type line.
            w.finish().unwrap();
            assert_eq!(
                out,
                format!("OPTIONS sip:h SIP/2.0\r\n{full}: v\r\nContent-Length: 0\r\n\r\n")
                    .as_bytes()
            );
        }
    }

    #[test]
    fn response_lines_and_errors() {
        let mut out = b"previous".to_vec();
        let mut w = MessageWriter::response(&mut out, 180, "").unwrap();
        w.header(HeaderName::Via, "SIP/2.0/UDP h;branch=z9hG4bKa")
            .unwrap()
            .header(HeaderName::ContentLength, "99")
            .unwrap()
            .header(HeaderName::Other("X-Custom"), "1")
            .unwrap()
            .header_named("l", "5")
            .unwrap()
            .header_pieces(HeaderName::To, &[b"<sip:b@h>", b";tag=", b"9"])
            .unwrap()
            .header_pieces(HeaderName::Other("content-length"), &[b"7"])
            .unwrap();
        let len = w.finish().unwrap();
        assert_eq!(len, out.len() - b"previous".len());
        assert_eq!(
            out,
            b"previousSIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\r\nX-Custom: 1\r\nTo: <sip:b@h>;tag=9\r\nContent-Length: 0\r\n\r\n"
        );

        // Errors leave the buffer as it was.
        let mut out = b"keep".to_vec();
        assert_eq!(
            MessageWriter::response(&mut out, 99, "x").unwrap_err(),
            BuildError::Status
        );
        assert_eq!(
            MessageWriter::response(&mut out, 200, "O\rK").unwrap_err(),
            BuildError::Reason
        );
        assert_eq!(
            MessageWriter::request(&mut out, &Method::Invite, "sip:a b").unwrap_err(),
            BuildError::RequestUri
        );
        let result = (|| {
            let mut w = MessageWriter::request(&mut out, &Method::Invite, "sip:a@b")?;
            w.header(HeaderName::Subject, "a\r\nInjected: 1")?;
            w.finish()
        })();
        assert_eq!(result, Err(BuildError::HeaderValue));
        let result = (|| {
            let mut w = MessageWriter::request(&mut out, &Method::Invite, "sip:a@b")?;
            w.header_pieces(HeaderName::To, &[b"<sip:b@h>", b";tag=1\nInjected: 1"])?;
            w.finish()
        })();
        assert_eq!(result, Err(BuildError::HeaderValue));
        let result = (|| {
            let mut w = MessageWriter::request(&mut out, &Method::Invite, "sip:a@b")?;
            w.header_named("Bad Name", "x")?;
            w.finish()
        })();
        assert_eq!(result, Err(BuildError::HeaderName));
        let result = (|| {
            let mut w = MessageWriter::request(&mut out, &Method::Invite, "sip:a@b")?;
            w.header_named("c", "application/sdp")?;
            w.body("application/sdp", b"v=0\r\n")
        })();
        assert_eq!(result, Err(BuildError::ContentTypeTwice));
        assert_eq!(out, b"keep");
        // A writer dropped unfinished removes its lines.
        {
            let mut w = MessageWriter::request(&mut out, &Method::Bye, "sip:a@b").unwrap();
            w.header(HeaderName::CallId, "x").unwrap();
        }
        assert_eq!(out, b"keep");
    }
}
