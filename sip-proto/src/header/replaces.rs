//! The Replaces header (RFC 3891 §6.1): which dialog an INVITE replaces.
//!
//! ```text
//! Replaces       = "Replaces" HCOLON callid *(SEMI replaces-param)
//! replaces-param = to-tag / from-tag / early-flag / generic-param
//! to-tag         = "to-tag" EQUAL token
//! from-tag       = "from-tag" EQUAL token
//! early-flag     = "early-only"
//! ```

use super::params::{trim_ws, Params};
use super::HeaderError;
use crate::uri::chars::{is_token, is_word_char, split_once_byte};

const H: &str = "Replaces";

/// A parsed Replaces header. Borrowed from the message.
///
/// ```
/// use sip_proto::header::Replaces;
/// let r = Replaces::parse("425928@bobster.example.org;to-tag=7743;from-tag=6472")?;
/// assert_eq!(r.call_id, "425928@bobster.example.org");
/// assert_eq!((r.to_tag, r.from_tag, r.early_only), ("7743", "6472", false));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replaces<'a> {
    /// The Call-ID of the dialog to replace.
    pub call_id: &'a str,
    /// Its To tag (the tag of the UA receiving the Replaces, when it is the UAS).
    pub to_tag: &'a str,
    /// Its From tag.
    pub from_tag: &'a str,
    /// `early-only`: replace the dialog only while it is early (RFC 3891 §3).
    pub early_only: bool,
    params: &'a str,
}

fn is_word(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_word_char)
}

impl<'a> Replaces<'a> {
    /// Parses a Replaces value. RFC 3891 §6.1 requires exactly one `to-tag` and one
    /// `from-tag`; a missing or repeated one is an error.
    pub fn parse(s: &'a str) -> Result<Replaces<'a>, HeaderError> {
        let t = trim_ws(s);
        // callid = word [ "@" word ]: it ends at the first ';' or whitespace.
        let end = t
            .bytes()
            .position(|c| matches!(c, b';' | b' ' | b'\t'))
            .unwrap_or(t.len());
        let (call_id, params) = t.split_at(end);
        let callid_ok = match split_once_byte(call_id, b'@') {
            Some((a, b)) => is_word(a) && is_word(b),
            None => is_word(call_id),
        };
        if !callid_ok {
            return Err(HeaderError::syntax(
                H,
                "must start with a callid = word [ \"@\" word ] (RFC 3891 §6.1)",
            ));
        }
        let (mut to_tag, mut from_tag, mut early_only) = (None, None, false);
        let mut it = Params::new(params);
        for (name, value) in it.by_ref() {
            let slot = if name.eq_ignore_ascii_case("to-tag") {
                &mut to_tag
            } else if name.eq_ignore_ascii_case("from-tag") {
                &mut from_tag
            } else {
                early_only |= name.eq_ignore_ascii_case("early-only");
                continue;
            };
            match value {
                Some(v) if slot.is_none() && is_token(v.as_bytes()) => *slot = Some(v),
                _ => {
                    return Err(HeaderError::syntax(
                        H,
                        "to-tag and from-tag must each appear once, as a token (RFC 3891 §6.1)",
                    ))
                }
            }
        }
        if let Some(rule) = it.error() {
            return Err(HeaderError::syntax(H, rule));
        }
        match (to_tag, from_tag) {
            (Some(to_tag), Some(from_tag)) => Ok(Replaces {
                call_id,
                to_tag,
                from_tag,
                early_only,
                params,
            }),
            _ => Err(HeaderError::syntax(
                H,
                "to-tag and from-tag are both required (RFC 3891 §6.1)",
            )),
        }
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
    fn replaces() {
        let r = Replaces::parse(
            "12345600@atlanta.example.com ;from-tag=1234567;to-tag=12345;early-only",
        )
        .unwrap();
        assert_eq!(
            (r.call_id, r.to_tag, r.from_tag, r.early_only),
            ("12345600@atlanta.example.com", "12345", "1234567", true)
        );
        assert_eq!(r.params().count(), 3);
        let e = Replaces::parse("abc;to-tag=1").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Replaces: to-tag and from-tag are both required (RFC 3891 §6.1)"
        );
        assert!(Replaces::parse("abc;to-tag=1;to-tag=2;from-tag=3").is_err());
        assert!(Replaces::parse("abc;to-tag;from-tag=3").is_err());
        assert!(Replaces::parse(";to-tag=1;from-tag=2").is_err());
        assert!(Replaces::parse("a@;to-tag=1;from-tag=2").is_err());
    }
}
