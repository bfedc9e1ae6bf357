//! RSeq and RAck (RFC 3262 §7.1, §7.2): reliable provisional responses.
//!
//! ```text
//! RSeq          = "RSeq" HCOLON response-num
//! RAck          = "RAck" HCOLON response-num LWS CSeq-num LWS Method
//! response-num  = 1*DIGIT          ; 1 .. 2**31 - 1 when sent
//! ```

use bytes::Bytes;

use super::HeaderError;
use crate::message::Method;
use crate::uri::chars::parse_u32;

const H: &str = "RAck";

/// A parsed RAck: which reliable provisional response a PRACK acknowledges.
///
/// ```
/// use sip_proto::header::RAck;
/// use sip_proto::message::Method;
/// let r = RAck::parse("776656 1 INVITE")?;
/// assert_eq!((r.rseq, r.cseq, r.method), (776656, 1, Method::Invite));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RAck {
    /// The RSeq of the acknowledged response.
    pub rseq: u32,
    /// The CSeq number of the request the response answered.
    pub cseq: u32,
    /// The CSeq method of that request.
    pub method: Method,
}

/// Splits off a leading `1*DIGIT` and the LWS after it.
fn number_then_lws<'a>(s: &'a str, what: &'static str) -> Result<(u32, &'a str), HeaderError> {
    let end = s
        .bytes()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(s.len());
    let (num, rest) = s
        .split_at_checked(end)
        .ok_or(HeaderError::syntax(H, what))?;
    if num.is_empty() {
        return Err(HeaderError::syntax(H, what));
    }
    let n = parse_u32(num.as_bytes()).ok_or(HeaderError::Overflow {
        header: H,
        rule: "numbers must fit 32 bits (RFC 3262 §7.2)",
    })?;
    let after = rest.trim_start_matches([' ', '\t']);
    if after.len() == rest.len() {
        return Err(HeaderError::syntax(H, what));
    }
    Ok((n, after))
}

impl RAck {
    /// Parses a RAck value, copying an extension method's name.
    pub fn parse(s: &str) -> Result<RAck, HeaderError> {
        Self::parse_with(s, |m| Method::from_bytes(m.as_bytes()))
    }

    pub(crate) fn parse_in(s: &str, buf: &Bytes) -> Result<RAck, HeaderError> {
        Self::parse_with(s, |m| Method::from_slice_of(buf, m.as_bytes()))
    }

    fn parse_with<'a, E>(
        s: &'a str,
        method: impl FnOnce(&'a str) -> Result<Method, E>,
    ) -> Result<RAck, HeaderError> {
        const RULE: &str = "must be response-num LWS CSeq-num LWS Method (RFC 3262 §7.2)";
        let t = s.trim_matches([' ', '\t']);
        let (rseq, rest) = number_then_lws(t, RULE)?;
        let (cseq, m) = number_then_lws(rest, RULE)?;
        let method = method(m).map_err(|_| HeaderError::syntax(H, RULE))?;
        Ok(RAck { rseq, cseq, method })
    }
}

/// `RSeq = "RSeq" HCOLON response-num` (RFC 3262 §7.1).
pub fn parse_rseq(s: &str) -> Result<u32, HeaderError> {
    let t = s.trim_matches([' ', '\t']);
    if t.is_empty() || !t.bytes().all(|c| c.is_ascii_digit()) {
        return Err(HeaderError::syntax(
            "RSeq",
            "must be response-num = 1*DIGIT (RFC 3262 §7.1)",
        ));
    }
    parse_u32(t.as_bytes()).ok_or(HeaderError::Overflow {
        header: "RSeq",
        rule: "response-num must fit 32 bits (RFC 3262 §7.1)",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rack_and_rseq() {
        let r = RAck::parse(" 1  4711\tPRACKLIKE ").unwrap();
        assert_eq!((r.rseq, r.cseq, r.method.as_str()), (1, 4711, "PRACKLIKE"));
        assert!(RAck::parse("1 2").is_err());
        assert!(RAck::parse("1 INVITE").is_err());
        assert!(RAck::parse("12INVITE").is_err());
        assert!(matches!(
            RAck::parse("99999999999 1 INVITE"),
            Err(HeaderError::Overflow { .. })
        ));
        assert_eq!(parse_rseq("988789"), Ok(988789));
        assert!(parse_rseq("").is_err());
        assert!(parse_rseq("-1").is_err());
        assert!(parse_rseq("4294967296").is_err());
    }
}
