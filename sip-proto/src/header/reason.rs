//! The Reason header (RFC 3326 §2): why a request (a BYE, a CANCEL) was sent.
//!
//! ```text
//! Reason        = "Reason" HCOLON reason-value *(COMMA reason-value)
//! reason-value  = protocol *(SEMI reason-params)
//! protocol      = "SIP" / "Q.850" / token
//! reason-params = protocol-cause / reason-text / reason-extension
//! protocol-cause = "cause" EQUAL cause
//! cause         = 1*DIGIT
//! reason-text   = "text" EQUAL quoted-string
//! ```

use super::params::{skip_token, trim_ws, Params};
use super::HeaderError;
use crate::uri::chars::parse_u32;

const H: &str = "Reason";

/// One reason-value. Borrowed from the message.
///
/// ```
/// use sip_proto::header::Reason;
/// let r = Reason::parse("Q.850 ;cause=16 ;text=\"Terminated\"")?;
/// assert_eq!((r.protocol, r.cause, r.text), ("Q.850", Some(16), Some("Terminated")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reason<'a> {
    /// The protocol the cause belongs to (`SIP`, `Q.850` or another token), as written.
    pub protocol: &'a str,
    /// The `cause` (a SIP status code or a Q.850 cause value), if present.
    pub cause: Option<u32>,
    /// The `text`, without its quotes (escapes kept), if present.
    pub text: Option<&'a str>,
    params: &'a str,
}

/// The octet of `outer` just before its subslice `inner`.
fn byte_before(outer: &str, inner: &str) -> Option<u8> {
    let offset = (inner.as_ptr() as usize).checked_sub(outer.as_ptr() as usize)?;
    outer.as_bytes().get(offset.checked_sub(1)?).copied()
}

impl<'a> Reason<'a> {
    /// Parses one reason-value; `cause` must be digits that fit 32 bits, `text` a
    /// quoted-string.
    pub fn parse(s: &'a str) -> Result<Reason<'a>, HeaderError> {
        let t = trim_ws(s);
        let end = skip_token(t.as_bytes(), 0);
        let (protocol, params) = t.split_at(end);
        if protocol.is_empty() {
            return Err(HeaderError::syntax(
                H,
                "must start with a protocol token (\"SIP\", \"Q.850\"...; RFC 3326 §2)",
            ));
        }
        let (mut cause, mut text) = (None, None);
        let mut it = Params::new(params);
        for (name, value) in it.by_ref() {
            let v = value.unwrap_or("");
            if name.eq_ignore_ascii_case("cause") && cause.is_none() {
                if v.is_empty() || !v.bytes().all(|c| c.is_ascii_digit()) {
                    return Err(HeaderError::syntax(
                        H,
                        "cause must be 1*DIGIT (RFC 3326 §2)",
                    ));
                }
                cause = Some(parse_u32(v.as_bytes()).ok_or(HeaderError::Overflow {
                    header: H,
                    rule: "cause must fit 32 bits (RFC 3326 §2)",
                })?);
            } else if name.eq_ignore_ascii_case("text") && text.is_none() {
                // Params hands a quoted value back without its quotes: it must have had them.
                if value.is_none() || byte_before(params, v) != Some(b'"') {
                    return Err(HeaderError::syntax(
                        H,
                        "text must be a quoted-string (RFC 3326 §2 reason-text)",
                    ));
                }
                text = Some(v);
            }
        }
        if let Some(rule) = it.error() {
            return Err(HeaderError::syntax(H, rule));
        }
        Ok(Reason {
            protocol,
            cause,
            text,
            params,
        })
    }

    /// Whether the protocol is `SIP` (the cause is then a status code).
    pub fn is_sip(&self) -> bool {
        self.protocol.eq_ignore_ascii_case("SIP")
    }

    /// All parameters in order.
    pub fn params(&self) -> Params<'a> {
        Params::new(self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons() {
        let r = Reason::parse("SIP;cause=200;text=\"Call completed elsewhere\"").unwrap();
        assert!(r.is_sip());
        assert_eq!(
            (r.cause, r.text),
            (Some(200), Some("Call completed elsewhere"))
        );
        let r = Reason::parse("preemption ;cause=1 ;text=\"UA Preemption\";x").unwrap();
        assert_eq!((r.protocol, r.cause), ("preemption", Some(1)));
        assert_eq!(r.params().count(), 3);
        assert!(Reason::parse("SIP;text=unquoted").is_err());
        assert!(Reason::parse("SIP;cause=abc").is_err());
        assert!(matches!(
            Reason::parse("SIP;cause=99999999999"),
            Err(HeaderError::Overflow { .. })
        ));
        assert!(Reason::parse(";cause=1").is_err());
        assert!(Reason::parse("SIP;;").is_err());
    }
}
