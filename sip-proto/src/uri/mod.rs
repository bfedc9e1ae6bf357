//! SIP, SIPS and other URIs (RFC 3261 §19.1, §25.1), parsed without copying.
//!
//! ```text
//! SIP-URI  = "sip:" [ userinfo ] hostport uri-parameters [ headers ]
//! SIPS-URI = "sips:" [ userinfo ] hostport uri-parameters [ headers ]
//! userinfo = ( user / telephone-subscriber ) [ ":" password ] "@"
//! ```
//!
//! [`Uri::parse`] checks the whole grammar and records where each part lies; accessors hand
//! back slices of the input. Escapes (`%41`) are kept as written; [`Uri::equivalent`]
//! compares the way RFC 3261 §19.1.4 asks (escapes decoded, case rules per component).
//!
//! ```
//! use sip_proto::uri::{Host, Scheme, Uri};
//! let u = Uri::parse("sips:alice@atlanta.example.com:5061;transport=tcp?subject=hi")?;
//! assert_eq!(u.scheme(), Scheme::Sips);
//! assert_eq!(u.user(), Some("alice"));
//! assert_eq!(u.host(), Some(Host::Name("atlanta.example.com")));
//! assert_eq!(u.port(), Some(5061));
//! assert_eq!(u.param("transport"), Some(Some("tcp")));
//! assert_eq!(u.headers().collect::<Vec<_>>(), vec![("subject", "hi")]);
//! assert!(u.equivalent(&Uri::parse("sips:alice@ATLANTA.example.com:5061;Transport=TCP?subject=hi")?));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub(crate) mod chars;
mod compare;
mod host;

use core::fmt;

pub use host::Host;

use chars::{all_escaped_or, class, find_byte, is_alphanum, parse_u16, split_once_byte};

/// The scheme of a URI. `sip`, `sips` and `tel` are matched case-insensitively (RFC 3261
/// §19.1.1, RFC 3966); anything else is kept as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme<'a> {
    /// `sip:` (RFC 3261 §19.1.1)
    Sip,
    /// `sips:` (RFC 3261 §19.1.1)
    Sips,
    /// `tel:` (RFC 3966); the number is reported as [`Uri::user`].
    Tel,
    /// Any other `absoluteURI` scheme (RFC 2396), e.g. `http`, `urn`, `isbn`.
    Other(&'a str),
}

impl Scheme<'_> {
    /// The scheme as text (`"sip"`, `"sips"`, `"tel"` or as written).
    pub fn as_str(&self) -> &str {
        match self {
            Scheme::Sip => "sip",
            Scheme::Sips => "sips",
            Scheme::Tel => "tel",
            Scheme::Other(s) => s,
        }
    }
}

impl fmt::Display for Scheme<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a URI did not parse. Each message names the RFC 3261 §25.1 rule broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UriError {
    /// The URI was empty.
    Empty,
    /// No `scheme ":"` prefix, or the scheme is not `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`.
    BadScheme,
    /// A character not allowed in a URI (whitespace, `<`, `>`, `"`, control octets...).
    BadChar,
    /// The `user` part breaks `user = 1*( unreserved / escaped / user-unreserved )`.
    BadUser,
    /// The `password` part breaks `password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," )`.
    BadPassword,
    /// The host is not a hostname, an IPv4 address or a bracketed IPv6 reference.
    BadHost,
    /// The port is not `1*DIGIT` within 0..=65535.
    BadPort,
    /// A `uri-parameter` is empty or has characters outside `paramchar`.
    BadParam,
    /// A `header` is not `hname "=" hvalue` over `hnv-unreserved / unreserved / escaped`.
    BadHeader,
    /// More than [`MAX_PARAMS`] parameters, or more than [`MAX_PARAMS`] headers.
    TooManyParams,
}

/// Most `uri-parameters` (and, separately, most `headers`) one URI may carry: parsing a URI
/// is bounded work however long the datagram holding it. Far above what SIP elements write.
pub const MAX_PARAMS: usize = 64;

impl fmt::Display for UriError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UriError::Empty => "empty URI",
            UriError::BadScheme => "URI scheme missing or malformed (RFC 3261 §25.1 scheme)",
            UriError::BadChar => {
                "character not allowed in a URI (RFC 3261 §25.1; no LWS, '<', '>' or '\"')"
            }
            UriError::BadUser => "URI user part malformed (RFC 3261 §25.1 user)",
            UriError::BadPassword => "URI password malformed (RFC 3261 §25.1 password)",
            UriError::BadHost => {
                "URI host is not a hostname, IPv4address or [IPv6reference] (RFC 3261 §25.1 host)"
            }
            UriError::BadPort => "URI port is not a number in 0..=65535 (RFC 3261 §25.1 port)",
            UriError::BadParam => "URI parameter malformed (RFC 3261 §25.1 uri-parameter)",
            UriError::BadHeader => {
                "URI header malformed (RFC 3261 §25.1 headers = \"?\" header *( \"&\" header ))"
            }
            UriError::TooManyParams => "URI has more than 64 parameters or 64 headers",
        })
    }
}

impl std::error::Error for UriError {}

/// A parsed URI borrowing its text. See the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uri<'a> {
    raw: &'a str,
    scheme: Scheme<'a>,
    user: Option<&'a str>,
    password: Option<&'a str>,
    host: Option<Host<'a>>,
    port: Option<u16>,
    /// `uri-parameters` without the leading `;`.
    params: &'a str,
    /// `headers` without the leading `?`.
    headers: Option<&'a str>,
    /// Everything after `scheme ":"`.
    rest: &'a str,
}

impl<'a> Uri<'a> {
    /// Parses a URI: `SIP-URI`, `SIPS-URI`, a `tel:` URI (RFC 3966), or any other
    /// `absoluteURI`.
    ///
    /// SIP and SIPS URIs are checked against the full RFC 3261 grammar, tel URIs against
    /// RFC 3966's; other schemes only against the RFC 2396 character set, since their inner
    /// syntax is not SIP's business.
    pub fn parse(s: &'a str) -> Result<Uri<'a>, UriError> {
        let b = s.as_bytes();
        // The common schemes are recognised without a scan (bit 5 lower-cases a letter, and
        // only the letter's two cases set it that way).
        let (scheme, rest_at) = match b {
            [] => return Err(UriError::Empty),
            [s0, i, p, b':', ..] if s0 | 0x20 == b's' && i | 0x20 == b'i' && p | 0x20 == b'p' => {
                (Scheme::Sip, 4)
            }
            [s0, i, p, s1, b':', ..]
                if s0 | 0x20 == b's'
                    && i | 0x20 == b'i'
                    && p | 0x20 == b'p'
                    && s1 | 0x20 == b's' =>
            {
                (Scheme::Sips, 5)
            }
            _ => {
                let (scheme_txt, _) = split_once_byte(s, b':').ok_or(UriError::BadScheme)?;
                let sb = scheme_txt.as_bytes();
                let scheme_ok = sb.first().is_some_and(u8::is_ascii_alphabetic)
                    && sb
                        .iter()
                        .all(|&c| is_alphanum(c) || matches!(c, b'+' | b'-' | b'.'));
                if !scheme_ok {
                    return Err(UriError::BadScheme);
                }
                let scheme = if scheme_txt.eq_ignore_ascii_case("tel") {
                    Scheme::Tel
                } else {
                    Scheme::Other(scheme_txt)
                };
                (scheme, sb.len() + 1)
            }
        };
        let rest = s.get(rest_at..).unwrap_or("");
        let mut uri = Uri {
            raw: s,
            scheme,
            user: None,
            password: None,
            host: None,
            port: None,
            params: "",
            headers: None,
            rest,
        };
        match scheme {
            Scheme::Sip | Scheme::Sips => uri.parse_sip(rest)?,
            Scheme::Tel => uri.parse_tel(rest)?,
            Scheme::Other(_) => {
                if rest.is_empty() || !all_escaped_or(rest.as_bytes(), class::URIC) {
                    return Err(UriError::BadChar);
                }
            }
        }
        Ok(uri)
    }

    fn parse_sip(&mut self, rest: &'a str) -> Result<(), UriError> {
        let rb = rest.as_bytes();
        // '@' appears in no part after the userinfo, so the first one ends it.
        let host_start = match find_byte(rb, b'@') {
            Some(at) => {
                let userinfo = rb.get(..at).unwrap_or(&[]);
                let (user, password) = match userinfo.iter().position(|&c| c == b':') {
                    Some(colon) => (
                        userinfo.get(..colon).unwrap_or(&[]),
                        Some(userinfo.get(colon + 1..).unwrap_or(&[])),
                    ),
                    None => (userinfo, None),
                };
                if user.is_empty() || !all_escaped_or(user, class::USER) {
                    return Err(UriError::BadUser);
                }
                if let Some(p) = password {
                    if !all_escaped_or(p, class::PASSWORD) {
                        return Err(UriError::BadPassword);
                    }
                    self.password = rest.get(user.len() + 1..at);
                }
                self.user = rest.get(..user.len());
                at + 1
            }
            None => 0,
        };
        // hostport = host [ ":" port ], ending at ';', '?' or the end (neither can appear in
        // a host). One pass over the host's octets finds where it stops.
        let (mut hp_end, host) = if rb.get(host_start) == Some(&b'[') {
            let close = rb
                .get(host_start..)
                .and_then(|r| r.iter().position(|&c| c == b']'))
                .map(|k| host_start + k)
                .ok_or(UriError::BadHost)?;
            (
                close + 1,
                Host::parse(rest.get(host_start..close + 1).unwrap_or("")),
            )
        } else {
            Host::scan_unbracketed(rest, host_start)
        };
        match rb.get(hp_end) {
            None | Some(b';' | b'?' | b':') => {}
            // Any other octet is inside the host (RFC 3261 §25.1 host).
            Some(_) => return Err(UriError::BadHost),
        }
        self.host = Some(host.ok_or(UriError::BadHost)?);
        if rb.get(hp_end) == Some(&b':') {
            let p0 = hp_end + 1;
            let mut p1 = p0;
            while rb.get(p1).is_some_and(|&c| c != b';' && c != b'?') {
                p1 += 1;
            }
            self.port = Some(parse_u16(rb.get(p0..p1).unwrap_or(&[])).ok_or(UriError::BadPort)?);
            hp_end = p1;
        }
        // uri-parameters = *( ";" uri-parameter ), then [ "?" headers ].
        let mut i = hp_end;
        let params_start = (hp_end + 1).min(rb.len());
        let mut params_end = hp_end;
        let mut count = 0;
        while rb.get(i) == Some(&b';') {
            count += 1;
            if count > MAX_PARAMS {
                return Err(UriError::TooManyParams);
            }
            let start = i + 1;
            let mut eq = None;
            let mut j = start;
            while let Some(&c) = rb.get(j) {
                match c {
                    b';' | b'?' => break,
                    b'=' if eq.is_none() => eq = Some(j),
                    _ => {}
                }
                j += 1;
            }
            let name = rb.get(start..eq.unwrap_or(j)).unwrap_or(&[]);
            let ok = !name.is_empty()
                && all_escaped_or(name, class::PARAM)
                && eq.is_none_or(|e| {
                    let v = rb.get(e + 1..j).unwrap_or(&[]);
                    !v.is_empty() && all_escaped_or(v, class::PARAM)
                });
            if !ok {
                return Err(UriError::BadParam);
            }
            params_end = j;
            i = j;
        }
        if params_end > hp_end {
            self.params = rest.get(params_start..params_end).unwrap_or("");
        }
        if rb.get(i) == Some(&b'?') {
            let h = rest.get(i + 1..).unwrap_or("");
            if h.bytes().filter(|&c| c == b'&').count() >= MAX_PARAMS {
                return Err(UriError::TooManyParams);
            }
            for pair in h.split('&') {
                let (name, value) = split_once_byte(pair, b'=').ok_or(UriError::BadHeader)?;
                if name.is_empty()
                    || !all_escaped_or(name.as_bytes(), class::HNV)
                    || !all_escaped_or(value.as_bytes(), class::HNV)
                {
                    return Err(UriError::BadHeader);
                }
            }
            self.headers = Some(h);
        }
        Ok(())
    }

    /// RFC 3966 §3 `telephone-subscriber`: a global number (`+` then digits and visual
    /// separators) with parameters, or a local number (hex digits, `*`, `#` and separators)
    /// whose parameters include `phone-context`.
    ///
    /// ```text
    /// global-number        = global-number-digits *par
    /// local-number         = local-number-digits *par context *par
    /// par                  = parameter / extension / isdn-subaddress
    /// isdn-subaddress      = ";isub=" 1*uric
    /// extension            = ";ext=" 1*phonedigit
    /// context              = ";phone-context=" descriptor
    /// descriptor           = domainname / global-number-digits
    /// global-number-digits = "+" *phonedigit DIGIT *phonedigit
    /// local-number-digits  = *phonedigit-hex (HEXDIG / "*" / "#") *phonedigit-hex
    /// parameter            = ";" pname ["=" pvalue ]
    /// pname                = 1*( alphanum / "-" )
    /// pvalue               = 1*paramchar
    /// ```
    fn parse_tel(&mut self, rest: &'a str) -> Result<(), UriError> {
        let (number, params) = split_once_byte(rest, b';').unwrap_or((rest, ""));
        let global = number.starts_with('+');
        if !is_tel_number(number) {
            return Err(UriError::BadUser);
        }
        let mut context = 0;
        if params.bytes().filter(|&c| c == b';').count() >= MAX_PARAMS {
            return Err(UriError::TooManyParams);
        }
        if !params.is_empty() || rest.ends_with(';') {
            for p in params.split(';') {
                let (name, value) = match split_once_byte(p, b'=') {
                    Some((n, v)) => (n, Some(v)),
                    None => (p, None),
                };
                let name_ok = !name.is_empty() && name.bytes().all(|c| is_alphanum(c) || c == b'-');
                let value_ok = match value {
                    None => true,
                    Some(v) if name.eq_ignore_ascii_case("ext") => {
                        !v.is_empty() && v.bytes().any(|c| c.is_ascii_digit()) && {
                            v.bytes()
                                .all(|c| c.is_ascii_digit() || is_visual_separator(c))
                        }
                    }
                    Some(v) if name.eq_ignore_ascii_case("isub") => {
                        !v.is_empty() && all_escaped_or(v.as_bytes(), class::URIC)
                    }
                    Some(v) if name.eq_ignore_ascii_case("phone-context") => {
                        context += 1;
                        if v.starts_with('+') {
                            is_tel_number(v)
                        } else {
                            matches!(Host::parse(v), Some(Host::Name(_)))
                        }
                    }
                    Some(v) => !v.is_empty() && all_escaped_or(v.as_bytes(), class::PARAM),
                };
                if !name_ok || !value_ok {
                    return Err(UriError::BadParam);
                }
            }
        }
        // A local number is meaningless without its context (RFC 3966 §5.1.5).
        if context > 1 || (!global && context == 0) {
            return Err(UriError::BadParam);
        }
        self.user = Some(number);
        self.params = params;
        Ok(())
    }

    /// The URI exactly as given.
    pub fn as_str(&self) -> &'a str {
        self.raw
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme<'a> {
        self.scheme
    }

    /// The `user` part (escapes kept); for `tel:` URIs, the number.
    pub fn user(&self) -> Option<&'a str> {
        self.user
    }

    /// The `password` part of the userinfo, if any (its use is NOT RECOMMENDED, §19.1.1).
    pub fn password(&self) -> Option<&'a str> {
        self.password
    }

    /// The host of a SIP or SIPS URI; `None` for other schemes, which carry no `hostport`.
    pub fn host(&self) -> Option<Host<'a>> {
        self.host
    }

    /// The port, when one is written.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// Everything after `scheme ":"`, as written.
    pub fn opaque(&self) -> &'a str {
        self.rest
    }

    /// The `uri-parameters`, in order, as `(name, value)`; a parameter without `=` has no value.
    pub fn params(&self) -> UriParams<'a> {
        UriParams {
            rest: if self.params.is_empty() {
                None
            } else {
                Some(self.params)
            },
        }
    }

    /// The value of the first parameter named `name` (ASCII case-insensitive): `None` when
    /// absent, `Some(None)` when present without a value (`;lr`).
    pub fn param(&self, name: &str) -> Option<Option<&'a str>> {
        self.params()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Whether this is a `sips:` URI (RFC 3261 §19.1: TLS on every hop).
    pub fn is_sips(&self) -> bool {
        self.scheme == Scheme::Sips
    }

    /// The `transport` parameter (`udp`, `tcp`, `tls`, `sctp`, `ws`... as written).
    pub fn transport(&self) -> Option<&'a str> {
        self.param("transport").flatten()
    }

    /// Whether the `lr` parameter (loose routing, RFC 3261 §16.4, §19.1.1) is present.
    pub fn lr(&self) -> bool {
        self.param("lr").is_some()
    }

    /// The `maddr` parameter.
    pub fn maddr(&self) -> Option<&'a str> {
        self.param("maddr").flatten()
    }

    /// The `user` parameter (`phone`, `ip`, `dialstring`...).
    pub fn user_param(&self) -> Option<&'a str> {
        self.param("user").flatten()
    }

    /// The `method` parameter (meaningful in a Refer-To or redirect target).
    pub fn method_param(&self) -> Option<&'a str> {
        self.param("method").flatten()
    }

    /// The `ttl` parameter (0-255).
    pub fn ttl(&self) -> Option<u8> {
        self.param("ttl")
            .flatten()
            .and_then(|t| chars::parse_u32(t.as_bytes()))
            .and_then(|t| u8::try_from(t).ok())
    }

    /// The raw `headers` part after `?`, if any.
    pub fn headers_raw(&self) -> Option<&'a str> {
        self.headers
    }

    /// The URI `headers` (`?name=value&...`) in order, escapes kept.
    pub fn headers(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.headers
            .into_iter()
            .flat_map(|h| h.split('&'))
            .filter_map(|p| split_once_byte(p, b'='))
    }

    /// RFC 3261 §19.1.4 URI comparison. See [`compare`](self) for the rules applied.
    pub fn equivalent(&self, other: &Uri<'_>) -> bool {
        compare::equivalent(self, other)
    }
}

impl fmt::Display for Uri<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.raw)
    }
}

/// Decodes `%HH` escapes (RFC 3261 §19.1.2), yielding octets; a `%` not followed by two hex
/// digits is passed through unchanged. No allocation: collect into a buffer if you need one.
///
/// ```
/// let d: Vec<u8> = sip_proto::uri::percent_decode("I%20have%20spaces%zz").collect();
/// assert_eq!(d, b"I have spaces%zz");
/// ```
pub fn percent_decode(s: &str) -> impl Iterator<Item = u8> + '_ {
    let b = s.as_bytes();
    let mut i = 0;
    core::iter::from_fn(move || {
        let c = *b.get(i)?;
        if c == b'%' {
            let h = b.get(i + 1).copied().and_then(chars::hex_val);
            let l = b.get(i + 2).copied().and_then(chars::hex_val);
            if let (Some(h), Some(l)) = (h, l) {
                i += 3;
                return Some((h << 4) | l);
            }
        }
        i += 1;
        Some(c)
    })
}

/// `visual-separator = "-" / "." / "(" / ")"` (RFC 3966 §3).
fn is_visual_separator(c: u8) -> bool {
    matches!(c, b'-' | b'.' | b'(' | b')')
}

/// `global-number-digits = "+" *phonedigit DIGIT *phonedigit` or `local-number-digits =
/// *phonedigit-hex (HEXDIG / "*" / "#") *phonedigit-hex` (RFC 3966 §3).
fn is_tel_number(n: &str) -> bool {
    match n.strip_prefix('+') {
        Some(g) => {
            g.bytes().any(|c| c.is_ascii_digit())
                && g.bytes()
                    .all(|c| c.is_ascii_digit() || is_visual_separator(c))
        }
        None => {
            n.bytes()
                .any(|c| c.is_ascii_hexdigit() || c == b'*' || c == b'#')
                && n.bytes().all(|c| {
                    c.is_ascii_hexdigit() || matches!(c, b'*' | b'#') || is_visual_separator(c)
                })
        }
    }
}

/// Iterator over `uri-parameters`, yielding `(pname, Option<pvalue>)`.
#[derive(Debug, Clone)]
pub struct UriParams<'a> {
    rest: Option<&'a str>,
}

impl<'a> Iterator for UriParams<'a> {
    type Item = (&'a str, Option<&'a str>);

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.rest?;
        let (item, more) = match split_once_byte(rest, b';') {
            Some((i, m)) => (i, Some(m)),
            None => (rest, None),
        };
        self.rest = more;
        Some(match split_once_byte(item, b'=') {
            Some((n, v)) => (n, Some(v)),
            None => (item, None),
        })
    }
}

#[cfg(test)]
mod tests;
