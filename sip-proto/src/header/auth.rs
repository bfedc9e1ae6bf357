//! Authentication headers: WWW-Authenticate, Proxy-Authenticate, Authorization,
//! Proxy-Authorization (RFC 3261 §20.7, §20.27, §20.28, §20.44, §22; §25.1).
//!
//! ```text
//! challenge      = ("Digest" LWS digest-cln *(COMMA digest-cln)) / other-challenge
//! other-challenge= auth-scheme LWS auth-param *(COMMA auth-param)
//! credentials    = ("Digest" LWS digest-response) / other-response
//! auth-param     = auth-param-name EQUAL ( token / quoted-string )
//! ```
//!
//! Challenges and credentials share one shape, a scheme and comma-separated `name=value`
//! parameters, so one type reads both. Digest's own parameters (`realm`, `nonce`, `qop`...)
//! are read by name; unknown schemes (RFC 4475 §3.3.7) parse the same way.

use super::params::{skip_quoted, skip_token, skip_ws};
use super::HeaderError;
use crate::uri::chars::is_token_char;

/// One challenge or one set of credentials. Borrowed from the message.
///
/// ```
/// use sip_proto::header::Auth;
/// let a = Auth::parse(
///     "WWW-Authenticate",
///     r#"Digest realm="atlanta.com", domain="sip:ss1.carrier.com", qop="auth,auth-int", nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5"#,
/// )?;
/// assert!(a.is_digest());
/// assert_eq!(a.param("realm"), Some("atlanta.com"));
/// assert_eq!(a.param("qop"), Some("auth,auth-int"));
/// assert_eq!(a.param("opaque"), Some(""));
/// assert_eq!(a.param("ALGORITHM"), Some("MD5"));
/// assert_eq!(a.params().count(), 7);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Auth<'a> {
    raw: &'a str,
    scheme: &'a str,
    params: &'a str,
}

impl<'a> Auth<'a> {
    /// Parses a challenge or credentials; `header` names the header for error messages.
    pub fn parse(header: &'static str, s: &'a str) -> Result<Auth<'a>, HeaderError> {
        let raw = s.trim_matches([' ', '\t']);
        let b = raw.as_bytes();
        let scheme_end = skip_token(b, 0);
        if scheme_end == 0 {
            return Err(HeaderError::syntax(
                header,
                "must start with an auth-scheme token (RFC 3261 §25.1 auth-scheme)",
            ));
        }
        let params_start = skip_ws(b, scheme_end);
        if params_start == scheme_end && params_start < b.len() {
            return Err(HeaderError::syntax(
                header,
                "auth-scheme and parameters must be separated by LWS (RFC 3261 §25.1)",
            ));
        }
        let auth = Auth {
            raw,
            scheme: raw.get(..scheme_end).unwrap_or(""),
            params: raw.get(params_start..).unwrap_or(""),
        };
        let mut it = auth.params();
        for _ in it.by_ref() {}
        if it.failed {
            return Err(HeaderError::syntax(
                header,
                "parameters must be auth-param-name EQUAL ( token / quoted-string ), comma-separated (RFC 3261 §25.1 auth-param)",
            ));
        }
        Ok(auth)
    }

    /// The value as written (trimmed).
    pub fn as_str(&self) -> &'a str {
        self.raw
    }

    /// The scheme as written (`Digest`, or any other token).
    pub fn scheme(&self) -> &'a str {
        self.scheme
    }

    /// Whether the scheme is `Digest` (compared case-insensitively, RFC 3261 §22.4).
    pub fn is_digest(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("Digest")
    }

    /// The first parameter named `name` (ASCII case-insensitive), quotes removed and escapes
    /// kept as written.
    pub fn param(&self, name: &str) -> Option<&'a str> {
        self.params()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// All parameters in order, quotes removed.
    pub fn params(&self) -> AuthParams<'a> {
        AuthParams {
            s: self.params,
            i: 0,
            failed: false,
        }
    }
}

/// Iterator over comma-separated `auth-param`s, yielding `(name, value)`.
#[derive(Debug, Clone)]
pub struct AuthParams<'a> {
    s: &'a str,
    i: usize,
    failed: bool,
}

impl<'a> Iterator for AuthParams<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let b = self.s.as_bytes();
        let mut i = skip_ws(b, self.i);
        if i >= b.len() {
            return None;
        }
        if self.i > 0 {
            // COMMA = SWS "," SWS between parameters.
            if b.get(i) != Some(&b',') {
                self.failed = true;
                return None;
            }
            i = skip_ws(b, i + 1);
        }
        let name_start = i;
        i = skip_token(b, i);
        let name = self.s.get(name_start..i).filter(|n| !n.is_empty());
        i = skip_ws(b, i);
        let (Some(name), Some(b'=')) = (name, b.get(i)) else {
            self.failed = true;
            return None;
        };
        i = skip_ws(b, i + 1);
        let value = if b.get(i) == Some(&b'"') {
            let Some(end) = skip_quoted(b, i) else {
                self.failed = true;
                return None;
            };
            let v = self.s.get(i + 1..end - 1);
            i = end;
            v
        } else {
            let start = i;
            while b.get(i).is_some_and(|&c| is_token_char(c)) {
                i += 1;
            }
            self.s.get(start..i).filter(|v| !v.is_empty())
        };
        let Some(value) = value else {
            self.failed = true;
            return None;
        };
        self.i = i;
        Some((name, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials() {
        let a = Auth::parse(
            "Authorization",
            "Digest username=\"bob\",  realm=\"biloxi.com\" ,nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"sip:bob@biloxi.com\", qop=auth, nc=00000001, cnonce=\"0a4f113b\", response=\"6629fae49393a05397450978507c4ef1\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
        )
        .unwrap();
        assert_eq!(a.scheme(), "Digest");
        assert_eq!(a.param("username"), Some("bob"));
        assert_eq!(a.param("nc"), Some("00000001"));
        assert_eq!(a.param("qop"), Some("auth"));
        assert_eq!(a.param("uri"), Some("sip:bob@biloxi.com"));
        assert_eq!(a.params().count(), 9);
        // RFC 4475 §3.3.7 regaut01: an unknown scheme parses the same way.
        let a = Auth::parse("Authorization", "NoOneKnowsThisScheme opaque-data=here").unwrap();
        assert!(!a.is_digest());
        assert_eq!(a.param("opaque-data"), Some("here"));
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            "Digest realm",
            "Digest realm=",
            "Digest realm=\"x",
            "Digest realm=a nonce=b",
            "Digest realm=a,,nonce=b",
            "Digest realm=a, ",
            "Digest, realm=a",
        ] {
            assert!(Auth::parse("WWW-Authenticate", bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Auth::parse("Authorization", "Basic").map(|a| a.scheme()),
            Ok("Basic")
        );
    }
}
