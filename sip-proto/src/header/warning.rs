//! Warning and Retry-After (RFC 3261 §20.43, §20.33).
//!
//! ```text
//! Warning       = "Warning" HCOLON warning-value *(COMMA warning-value)
//! warning-value = warn-code SP warn-agent SP warn-text
//! warn-code     = 3DIGIT
//! warn-agent    = hostport / pseudonym          ; pseudonym = token
//! warn-text     = quoted-string
//! Retry-After   = "Retry-After" HCOLON delta-seconds [ comment ] *( SEMI retry-param )
//! retry-param   = ("duration" EQUAL delta-seconds) / generic-param
//! comment       = LPAREN *(ctext / quoted-pair / comment) RPAREN
//! ```

use super::params::{skip_quoted, skip_ws, trim_ws, Params};
use super::{parse_delta_seconds, HeaderError};
use crate::uri::chars::{class, is, is_token};
use crate::uri::Host;

/// One warning-value. Borrowed from the message.
///
/// ```
/// use sip_proto::header::Warning;
/// let w = Warning::parse("307 isi.edu \"Session parameter 'foo' not understood\"")?;
/// assert_eq!((w.code, w.agent), (307, "isi.edu"));
/// assert_eq!(w.text, "Session parameter 'foo' not understood");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Warning<'a> {
    /// The three-digit warn-code (RFC 3261 §20.43: 300-399 are defined).
    pub code: u16,
    /// The warn-agent: a hostport or a pseudonym, as written.
    pub agent: &'a str,
    /// The warn-text without its quotes (escapes kept).
    pub text: &'a str,
}

impl<'a> Warning<'a> {
    /// Parses one warning-value: exactly three digits (a longer code is an overflow error,
    /// RFC 4475 §3.1.2.5), SP, an agent, SP, a quoted text.
    pub fn parse(s: &'a str) -> Result<Warning<'a>, HeaderError> {
        const H: &str = "Warning";
        let syntax = || {
            HeaderError::syntax(
                H,
                "must be warn-code SP warn-agent SP warn-text (RFC 3261 §20.43)",
            )
        };
        let t = trim_ws(s);
        let b = t.as_bytes();
        let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits > 3 {
            return Err(HeaderError::Overflow {
                header: H,
                rule: "warn-code is 3DIGIT (RFC 3261 §20.43)",
            });
        }
        if digits != 3 || b.get(3) != Some(&b' ') {
            return Err(syntax());
        }
        let code = b
            .iter()
            .take(3)
            .fold(0u16, |n, &c| n * 10 + u16::from(c - b'0'));
        let agent_end = b
            .iter()
            .skip(4)
            .position(|&c| c == b' ')
            .map(|k| k + 4)
            .ok_or_else(syntax)?;
        let agent = t.get(4..agent_end).ok_or_else(syntax)?;
        // warn-agent = hostport / pseudonym (a token).
        let agent_ok = is_token(agent.as_bytes()) || is_hostport(agent);
        if !agent_ok {
            return Err(syntax());
        }
        let text_start = agent_end + 1;
        match skip_quoted(b, text_start) {
            Some(end) if end == b.len() => Ok(Warning {
                code,
                agent,
                text: t.get(text_start + 1..end - 1).ok_or_else(syntax)?,
            }),
            _ => Err(HeaderError::syntax(
                H,
                "warn-text must be one quoted-string (RFC 3261 §20.43)",
            )),
        }
    }
}

/// `hostport = host [ ":" port ]`
fn is_hostport(s: &str) -> bool {
    let (host, port) = match s.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(':') && !p.contains(']') => (h, Some(p)),
        _ => (s, None),
    };
    Host::parse(host).is_some()
        && port.is_none_or(|p| {
            !p.is_empty()
                && p.len() <= 5
                && p.bytes().all(|c| c.is_ascii_digit())
                && p.parse::<u16>().is_ok()
        })
}

/// A parsed Retry-After. Borrowed from the message.
///
/// ```
/// use sip_proto::header::RetryAfter;
/// let r = RetryAfter::parse("18000 (I'm in a meeting);duration=3600")?;
/// assert_eq!((r.seconds, r.comment, r.duration), (18000, Some("I'm in a meeting"), Some(3600)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter<'a> {
    /// Seconds to wait before retrying.
    pub seconds: u32,
    /// The comment inside its parentheses, if present.
    pub comment: Option<&'a str>,
    /// The `duration` parameter in seconds, if present.
    pub duration: Option<u32>,
    params: &'a str,
}

impl<'a> RetryAfter<'a> {
    /// Parses a Retry-After value; the numbers must fit 32 bits (RFC 4475 §3.1.2.5).
    pub fn parse(s: &'a str) -> Result<RetryAfter<'a>, HeaderError> {
        const H: &str = "Retry-After";
        let t = trim_ws(s);
        let b = t.as_bytes();
        let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let seconds = parse_delta_seconds(H, t.get(..digits).unwrap_or(""))?;
        let mut i = skip_ws(b, digits);
        let mut comment = None;
        if b.get(i) == Some(&b'(') {
            let end = skip_comment(b, i).ok_or(HeaderError::syntax(
                H,
                "unterminated or malformed comment (RFC 3261 §25.1 comment)",
            ))?;
            comment = t.get(i + 1..end - 1);
            i = end;
        }
        let params = t.get(i..).unwrap_or("");
        let mut duration = None;
        let mut it = Params::new(params);
        for (name, value) in it.by_ref() {
            if name.eq_ignore_ascii_case("duration") && duration.is_none() {
                duration = Some(parse_delta_seconds(H, value.unwrap_or(""))?);
            }
        }
        if let Some(rule) = it.error() {
            return Err(HeaderError::syntax(H, rule));
        }
        Ok(RetryAfter {
            seconds,
            comment,
            duration,
            params,
        })
    }

    /// All parameters in order.
    pub fn params(&self) -> Params<'a> {
        Params::new(self.params)
    }
}

/// `comment = LPAREN *(ctext / quoted-pair / comment) RPAREN` starting at the `(` at `i`;
/// returns the index after the matching `)`. Nesting is bounded by the length of the input.
fn skip_comment(b: &[u8], i: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = i;
    loop {
        match *b.get(j)? {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(j + 1);
                }
            }
            b'\\' => j += 1,
            c if c < 0x20 && c != b'\t' => return None,
            _ => {}
        }
        j += 1;
    }
}

/// A Privacy value (RFC 3323 §4.2): `priv-value *(";" priv-value)`, each `"header" /
/// "session" / "user" / "none" / "critical" / token`. Yields each value; an empty or
/// non-token one is an error.
pub(crate) fn privacy_values(s: &str) -> impl Iterator<Item = Result<&str, HeaderError>> + '_ {
    s.split(';').map(|v| {
        let v = trim_ws(v);
        if !v.is_empty() && v.bytes().all(|c| is(c, class::TOKEN)) {
            Ok(v)
        } else {
            Err(HeaderError::syntax(
                "Privacy",
                "must be priv-value *( \";\" priv-value ), each a token (RFC 3323 §4.2)",
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings() {
        let w = Warning::parse("370 192.0.2.1:5060 \"Insufficient Bandwidth\"").unwrap();
        assert_eq!(
            (w.code, w.agent, w.text),
            (370, "192.0.2.1:5060", "Insufficient Bandwidth")
        );
        let w = Warning::parse("399 [2001:db8::1]:5070 \"say \\\"hi\\\"\"").unwrap();
        assert_eq!((w.agent, w.text), ("[2001:db8::1]:5070", "say \\\"hi\\\""));
        // RFC 4475 §3.1.2.5 scalarlg: a four-digit code.
        assert_eq!(
            Warning::parse("1812 overture \"In Progress\""),
            Err(HeaderError::Overflow {
                header: "Warning",
                rule: "warn-code is 3DIGIT (RFC 3261 §20.43)"
            })
        );
        for bad in [
            "37 a \"x\"",
            "370  a \"x\"",
            "370 a x",
            "370 a \"x\" y",
            "370 a,b \"x\"",
            "370 h:99999 \"x\"",
            "",
        ] {
            assert!(Warning::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn retry_after() {
        let r = RetryAfter::parse("120").unwrap();
        assert_eq!((r.seconds, r.comment, r.duration), (120, None, None));
        let r = RetryAfter::parse("5 (nested (comment) \\) here) ; duration = 10;x").unwrap();
        assert_eq!(r.comment, Some("nested (comment) \\) here"));
        assert_eq!(r.duration, Some(10));
        assert_eq!(r.params().count(), 2);
        // RFC 4475 §3.1.2.5 scalarlg.
        assert!(matches!(
            RetryAfter::parse("949302838503028349304023988"),
            Err(HeaderError::Overflow { .. })
        ));
        assert!(RetryAfter::parse("5 (open").is_err());
        assert!(RetryAfter::parse("soon").is_err());
        assert!(RetryAfter::parse("5;duration=x").is_err());
    }

    #[test]
    fn privacy() {
        let v: Result<Vec<_>, _> = privacy_values("id; header ;user").collect();
        assert_eq!(v.unwrap(), vec!["id", "header", "user"]);
        assert!(privacy_values("id;;user").any(|r| r.is_err()));
    }
}
