//! The CSeq header (RFC 3261 §20.16, §8.1.1.5).
//!
//! ```text
//! CSeq = "CSeq" HCOLON 1*DIGIT LWS Method
//! ```

use bytes::Bytes;

use super::params::trim_ws;
use super::HeaderError;
use crate::message::Method;
use crate::uri::chars::parse_u32;

const H: &str = "CSeq";

/// A parsed CSeq: the sequence number (a 32-bit unsigned integer, §8.1.1.5) and the method.
///
/// ```
/// use sip_proto::header::CSeq;
/// use sip_proto::message::Method;
/// let c = CSeq::parse("4711 INVITE")?;
/// assert_eq!((c.seq, c.method), (4711, Method::Invite));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CSeq<'a> {
    /// The sequence number.
    pub seq: u32,
    /// The method; must equal the request's method (§8.1.1.5).
    pub method: Method,
    raw: &'a str,
}

impl<'a> CSeq<'a> {
    /// Parses a CSeq value; an extension method's name is copied.
    pub fn parse(s: &'a str) -> Result<CSeq<'a>, HeaderError> {
        Self::parse_with(s, |m| Method::from_bytes(m.as_bytes()))
    }

    /// Parses a CSeq value whose text lies in `buf`, sharing it for an extension method.
    pub(crate) fn parse_in(s: &'a str, buf: &Bytes) -> Result<CSeq<'a>, HeaderError> {
        Self::parse_with(s, |m| Method::from_slice_of(buf, m.as_bytes()))
    }

    /// A CSeq whose sequence number `seq` the message parser already read from `s`: only
    /// the method, from `method_at` on, remains to be named.
    pub(crate) fn parse_method_in(
        s: &'a str,
        seq: u32,
        method_at: usize,
        buf: &Bytes,
    ) -> Result<CSeq<'a>, HeaderError> {
        let m = s.as_bytes().get(method_at..).unwrap_or(&[]);
        match Method::from_slice_of(buf, m) {
            Ok(method) => Ok(CSeq {
                seq,
                method,
                raw: s,
            }),
            Err(_) => Self::parse_in(s, buf),
        }
    }

    fn parse_with<E>(
        s: &'a str,
        method: impl FnOnce(&'a str) -> Result<Method, E>,
    ) -> Result<CSeq<'a>, HeaderError> {
        let raw = trim_ws(s);
        let b = raw.as_bytes();
        let digits_end = b
            .iter()
            .position(|c| !c.is_ascii_digit())
            .unwrap_or(b.len());
        // The common form: at most nine digits (no overflow possible), one SP, the method.
        if (1..=9).contains(&digits_end) && b.get(digits_end) == Some(&b' ') {
            let seq = b
                .get(..digits_end)
                .unwrap_or(&[])
                .iter()
                .fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'));
            if let Some(m) = raw
                .get(digits_end + 1..)
                .filter(|m| !m.starts_with([' ', '\t']))
            {
                let method = method(m).map_err(|_| {
                    HeaderError::syntax(
                        H,
                        "method is not a token (RFC 3261 §20.16 CSeq = 1*DIGIT LWS Method)",
                    )
                })?;
                return Ok(CSeq { seq, method, raw });
            }
        }
        if digits_end == 0 {
            return Err(HeaderError::syntax(
                H,
                "must start with the sequence number (RFC 3261 §20.16 CSeq = 1*DIGIT LWS Method)",
            ));
        }
        let seq = parse_u32(b.get(..digits_end).unwrap_or(&[])).ok_or(HeaderError::Overflow {
            header: H,
            rule: "the sequence number must fit 32 bits (RFC 3261 §8.1.1.5)",
        })?;
        let mut m_start = digits_end;
        while matches!(b.get(m_start), Some(b' ' | b'\t')) {
            m_start += 1;
        }
        if m_start == digits_end {
            return Err(HeaderError::syntax(
                H,
                "sequence number and method must be separated by LWS (RFC 3261 §20.16)",
            ));
        }
        let m = raw.get(m_start..).unwrap_or("");
        let method = method(m).map_err(|_| {
            HeaderError::syntax(
                H,
                "method is not a token (RFC 3261 §20.16 CSeq = 1*DIGIT LWS Method)",
            )
        })?;
        Ok(CSeq { seq, method, raw })
    }

    /// The value as written (trimmed).
    pub fn as_str(&self) -> &'a str {
        self.raw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        let c = CSeq::parse("0009\t  INVITE").unwrap();
        assert_eq!(c.seq, 9);
        assert_eq!(c.method, Method::Invite);
        assert_eq!(c.as_str(), "0009\t  INVITE");
        let c = CSeq::parse("4294967295 !interesting-Method0123456789_*+`.%indeed'~").unwrap();
        assert_eq!(c.seq, u32::MAX);
        assert_eq!(
            c.method.as_str(),
            "!interesting-Method0123456789_*+`.%indeed'~"
        );
    }

    #[test]
    fn rejects() {
        assert!(matches!(
            CSeq::parse("36893488147419103232 REGISTER"),
            Err(HeaderError::Overflow { .. })
        ));
        assert!(CSeq::parse("4294967296 INVITE").is_err());
        assert!(CSeq::parse("INVITE").is_err());
        assert!(CSeq::parse("1INVITE").is_err());
        assert!(CSeq::parse("1 ").is_err());
        assert!(CSeq::parse("1 INVITE x").is_err());
        assert!(CSeq::parse("-1 INVITE").is_err());
    }
}
