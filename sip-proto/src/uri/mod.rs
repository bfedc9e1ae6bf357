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
pub(crate) mod host;

use core::fmt;

pub use host::Host;

use host::{host_kind, scan_host, HostKind};

use chars::{
    all_escaped_or, class, find_byte, is_alphanum, parse_u16, skip_alphanum, skip_escaped_or,
    split_once_byte,
};

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

/// Where one part of a URI lies in its text: octets `start..end`; [`Span::NONE`] when the
/// part is absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    const NONE: Span = Span {
        start: u32::MAX,
        end: u32::MAX,
    };

    fn new(start: usize, end: usize) -> Span {
        // invariant: `Shape::of` refuses text of u32::MAX octets or more.
        Span {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }
}

/// The scheme, without its text (see [`Uri::scheme`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SchemeKind {
    Sip,
    Sips,
    Tel,
    Other,
}

/// The parts of a URI as offsets into its text: what [`Uri::parse`] finds, small enough to
/// copy freely (a [`Uri`] is its text plus this).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shape {
    scheme: SchemeKind,
    host_kind: Option<HostKind>,
    port: Option<u16>,
    /// Where the part after `scheme ":"` starts.
    rest_at: u32,
    user: Span,
    password: Span,
    host: Span,
    /// `uri-parameters` without the leading `;` (an empty span when there are none).
    params: Span,
    /// `headers` without the leading `?`.
    headers: Span,
}

impl Shape {
    /// Checks `b` against the URI grammar of its scheme (see [`Uri::parse`]) and records where
    /// each part lies. Every URI it accepts is ASCII.
    pub(crate) fn of(b: &[u8]) -> Result<Shape, UriError> {
        if b.len() >= u32::MAX as usize {
            return Err(UriError::BadChar);
        }
        // The common schemes are recognised without a scan.
        let (scheme, rest_at) = match sip_scheme(b) {
            Some(known) => known,
            None if b.is_empty() => return Err(UriError::Empty),
            _ => {
                let colon = find_byte(b, b':').ok_or(UriError::BadScheme)?;
                let sb = b.get(..colon).unwrap_or(&[]);
                let scheme_ok = sb.first().is_some_and(u8::is_ascii_alphabetic)
                    && sb
                        .iter()
                        .all(|&c| is_alphanum(c) || matches!(c, b'+' | b'-' | b'.'));
                if !scheme_ok {
                    return Err(UriError::BadScheme);
                }
                let scheme = if sb.eq_ignore_ascii_case(b"tel") {
                    SchemeKind::Tel
                } else {
                    SchemeKind::Other
                };
                (scheme, colon + 1)
            }
        };
        match scheme {
            SchemeKind::Sip | SchemeKind::Sips => parse_sip(b, scheme, rest_at),
            SchemeKind::Tel => {
                let mut shape = Shape::bare(scheme, rest_at);
                shape.parse_tel(b, rest_at)?;
                Ok(shape)
            }
            SchemeKind::Other => {
                let rest = b.get(rest_at..).unwrap_or(&[]);
                if rest.is_empty() || !all_escaped_or(rest, class::URIC) {
                    return Err(UriError::BadChar);
                }
                Ok(Shape::bare(scheme, rest_at))
            }
        }
    }

    /// Reads the URI of a `name-addr` from `b`, the text just after its `<`: the URI ends at
    /// the first `>`. Returns the [`Shape`] of `b[..end]` and `end`, the index of that `>`;
    /// `None` when this quick reading does not apply, and the caller finds the `>` and calls
    /// [`Shape::of`], which decides (errors included).
    ///
    /// It applies to SIP and SIPS URIs without `headers` that [`quick_sip`] reads, with the
    /// `>` where the end of the text would be. No octet of a SIP URI may be a `>`,
    /// so the first `>` is where the reading stops, and what it finds is what [`Shape::of`]
    /// finds in the text up to it.
    pub(crate) fn of_bracketed(b: &[u8]) -> Option<(Shape, usize)> {
        if b.len() >= u32::MAX as usize {
            return None;
        }
        let (scheme, at) = sip_scheme(b)?;
        quick_sip::<true>(b, scheme, at).ok()
    }

    /// A URI of `scheme` with no part found yet, its `scheme ":"` ending at `rest_at`.
    fn bare(scheme: SchemeKind, rest_at: usize) -> Shape {
        Shape {
            scheme,
            host_kind: None,
            port: None,
            rest_at: Span::new(rest_at, rest_at).start,
            user: Span::NONE,
            password: Span::NONE,
            host: Span::NONE,
            params: Span::new(0, 0),
            headers: Span::NONE,
        }
    }

    /// Whether this is a SIP or SIPS URI carrying `headers` (which a Request-URI must not,
    /// RFC 3261 §19.1.1 Table 1).
    pub(crate) fn is_sip_with_headers(&self) -> bool {
        matches!(self.scheme, SchemeKind::Sip | SchemeKind::Sips) && self.headers != Span::NONE
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
    fn parse_tel(&mut self, b: &[u8], at: usize) -> Result<(), UriError> {
        let rest = b.get(at..).unwrap_or(&[]);
        let semi = find_byte(rest, b';');
        let number = rest.get(..semi.unwrap_or(rest.len())).unwrap_or(&[]);
        let params = semi.and_then(|k| rest.get(k + 1..)).unwrap_or(&[]);
        let global = number.first() == Some(&b'+');
        if !is_tel_number(number) {
            return Err(UriError::BadUser);
        }
        let mut context = 0;
        if params.iter().filter(|&&c| c == b';').count() >= MAX_PARAMS {
            return Err(UriError::TooManyParams);
        }
        if semi.is_some() {
            for p in params.split(|&c| c == b';') {
                let (name, value) = match find_byte(p, b'=') {
                    Some(eq) => (p.get(..eq).unwrap_or(&[]), p.get(eq + 1..)),
                    None => (p, None),
                };
                let name_ok = !name.is_empty() && name.iter().all(|&c| is_alphanum(c) || c == b'-');
                let value_ok = match value {
                    None => true,
                    Some(v) if name.eq_ignore_ascii_case(b"ext") => {
                        v.iter().any(u8::is_ascii_digit)
                            && v.iter()
                                .all(|&c| c.is_ascii_digit() || is_visual_separator(c))
                    }
                    Some(v) if name.eq_ignore_ascii_case(b"isub") => {
                        !v.is_empty() && all_escaped_or(v, class::URIC)
                    }
                    Some(v) if name.eq_ignore_ascii_case(b"phone-context") => {
                        context += 1;
                        if v.first() == Some(&b'+') {
                            is_tel_number(v)
                        } else {
                            matches!(host_kind(v), Some(HostKind::Name))
                        }
                    }
                    Some(v) => !v.is_empty() && all_escaped_or(v, class::PARAM),
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
        self.user = Span::new(at, at + number.len());
        if let Some(k) = semi {
            self.params = Span::new(at + k + 1, b.len());
        }
        Ok(())
    }
}

/// `[ userinfo ] hostport uri-parameters [ headers ]` from `at` (after `sip:` or `sips:`):
/// [`quick_sip`], and when that fails, [`parse_sip_general`], which decides.
fn parse_sip(b: &[u8], scheme: SchemeKind, at: usize) -> Result<Shape, UriError> {
    match quick_sip::<false>(b, scheme, at) {
        Ok((shape, _)) => Ok(shape),
        Err(_) => parse_sip_general(b, scheme, at),
    }
}

/// The two common shapes of a SIP URI, read without searching for the `@` first:
/// - a user of letters and digits ended by `@` (`sip:alice@...`): that `@` is the first one,
///   and there is no password;
/// - no userinfo at all (`sip:proxy.example.com;lr`): read as `hostport ...` from `at`. No
///   octet of a host, port, parameter or header may be a literal `@`, so when that reading
///   succeeds the URI holds no `@`.
///
/// What it finds is what [`parse_sip_general`] finds; when it fails, that one decides
/// (errors included). `BRACKETED` as in [`after_userinfo`].
#[inline(always)]
fn quick_sip<const BRACKETED: bool>(
    b: &[u8],
    scheme: SchemeKind,
    at: usize,
) -> Result<(Shape, usize), UriError> {
    let run = skip_alphanum(b, at);
    if run > at && b.get(run) == Some(&b'@') {
        let user = Span::new(at, run);
        return after_userinfo::<BRACKETED>(b, scheme, at, user, Span::NONE, run + 1);
    }
    after_userinfo::<BRACKETED>(b, scheme, at, Span::NONE, Span::NONE, at)
}

/// `sip:` or `sips:` at the start of `b` (in any case), and where the part after the colon
/// starts. The first four octets are compared as one word with bit 5 set in the letters'
/// lanes: that lower-cases a letter, and only the letter's two cases become it.
#[inline(always)]
fn sip_scheme(b: &[u8]) -> Option<(SchemeKind, usize)> {
    const LOWER3: u32 = 0x0020_2020;
    let head = u32::from_le_bytes(b.get(..4)?.try_into().ok()?);
    if head | LOWER3 == u32::from_le_bytes(*b"sip:") {
        return Some((SchemeKind::Sip, 4));
    }
    (head | LOWER3 | 0x2000_0000 == u32::from_le_bytes(*b"sips") && b.get(4) == Some(&b':'))
        .then_some((SchemeKind::Sips, 5))
}

/// [`parse_sip`] by the grammar's order: the first `@` ends the userinfo, which is checked,
/// then the rest from after it.
#[inline(never)]
fn parse_sip_general(b: &[u8], scheme: SchemeKind, at: usize) -> Result<Shape, UriError> {
    let rest = b.get(at..).unwrap_or(&[]);
    // '@' appears in no part after the userinfo, so the first one ends it.
    let Some(rel) = find_byte(rest, b'@') else {
        return after_userinfo::<false>(b, scheme, at, Span::NONE, Span::NONE, at).map(|(s, _)| s);
    };
    let userinfo = rest.get(..rel).unwrap_or(&[]);
    // user = 1*( unreserved / escaped / user-unreserved ), up to ':' or '@'.
    let user_len = skip_escaped_or(userinfo, 0, class::USER).ok_or(UriError::BadUser)?;
    if user_len == 0 {
        return Err(UriError::BadUser);
    }
    let mut password = Span::NONE;
    if user_len < rel {
        if userinfo.get(user_len) != Some(&b':') {
            return Err(UriError::BadUser);
        }
        if !all_escaped_or(userinfo.get(user_len + 1..).unwrap_or(&[]), class::PASSWORD) {
            return Err(UriError::BadPassword);
        }
        password = Span::new(at + user_len + 1, at + rel);
    }
    let user = Span::new(at, at + user_len);
    after_userinfo::<false>(b, scheme, at, user, password, at + rel + 1).map(|(s, _)| s)
}

/// `hostport uri-parameters [ headers ]` from `host_start`, after the userinfo (`user` and
/// `password`) found before it: the whole [`Shape`] of a SIP or SIPS URI, and where it ends.
///
/// The URI ends at the end of `b`, or, when `BRACKETED`, at the first `>` (see
/// [`Shape::of_bracketed`]; `headers` are then refused, for [`Shape::of`] to read).
#[inline(always)]
fn after_userinfo<const BRACKETED: bool>(
    b: &[u8],
    scheme: SchemeKind,
    rest_at: usize,
    user: Span,
    password: Span,
    host_start: usize,
) -> Result<(Shape, usize), UriError> {
    // Whether the octet at `i` is past the URI.
    let ends = |i: usize| {
        if BRACKETED {
            b.get(i) == Some(&b'>')
        } else {
            i >= b.len()
        }
    };
    // hostport = host [ ":" port ], ending at ';', '?' or the end (neither can appear in
    // a host). One pass over the host's octets finds where it stops.
    let (mut hp_end, kind) = if b.get(host_start) == Some(&b'[') {
        let close = b
            .get(host_start..)
            .and_then(|r| find_byte(r, b']'))
            .map(|k| host_start + k)
            .ok_or(UriError::BadHost)?;
        (
            close + 1,
            host_kind(b.get(host_start..close + 1).unwrap_or(&[])),
        )
    } else {
        scan_host(b, host_start)
    };
    // Any octet but these is inside the host (RFC 3261 §25.1 host).
    if !ends(hp_end) && !matches!(b.get(hp_end), Some(b';' | b'?' | b':')) {
        return Err(UriError::BadHost);
    }
    let host_kind = kind.ok_or(UriError::BadHost)?;
    let host = Span::new(host_start, hp_end);
    let mut port = None;
    if b.get(hp_end) == Some(&b':') {
        let p0 = hp_end + 1;
        let mut p1 = p0;
        while b.get(p1).is_some_and(|&c| c != b';' && c != b'?') && !ends(p1) {
            p1 += 1;
        }
        port = Some(parse_u16(b.get(p0..p1).unwrap_or(&[])).ok_or(UriError::BadPort)?);
        hp_end = p1;
    }
    // uri-parameters = *( ";" uri-parameter ); uri-parameter = pname [ "=" pvalue ],
    // both 1*paramchar; then [ "?" headers ].
    let mut i = hp_end;
    let mut count = 0;
    while b.get(i) == Some(&b';') {
        count += 1;
        if count > MAX_PARAMS {
            return Err(UriError::TooManyParams);
        }
        let name_end = skip_escaped_or(b, i + 1, class::PARAM).ok_or(UriError::BadParam)?;
        if name_end == i + 1 {
            return Err(UriError::BadParam);
        }
        i = name_end;
        if b.get(i) == Some(&b'=') {
            let value_end = skip_escaped_or(b, i + 1, class::PARAM).ok_or(UriError::BadParam)?;
            if value_end == i + 1 {
                return Err(UriError::BadParam);
            }
            i = value_end;
        }
        if !ends(i) && !matches!(b.get(i), Some(b';' | b'?')) {
            return Err(UriError::BadParam);
        }
    }
    let params = if i > hp_end {
        Span::new(hp_end + 1, i)
    } else {
        Span::new(0, 0)
    };
    let mut headers = Span::NONE;
    if BRACKETED && !ends(i) {
        // `headers`, or no `>`: left to `Shape::of`.
        return Err(UriError::BadHeader);
    }
    if b.get(i) == Some(&b'?') {
        let h = b.get(i + 1..).unwrap_or(&[]);
        if h.iter().filter(|&&c| c == b'&').count() >= MAX_PARAMS {
            return Err(UriError::TooManyParams);
        }
        for pair in h.split(|&c| c == b'&') {
            let eq = find_byte(pair, b'=').ok_or(UriError::BadHeader)?;
            let (name, value) = (
                pair.get(..eq).unwrap_or(&[]),
                pair.get(eq + 1..).unwrap_or(&[]),
            );
            if name.is_empty()
                || !all_escaped_or(name, class::HNV)
                || !all_escaped_or(value, class::HNV)
            {
                return Err(UriError::BadHeader);
            }
        }
        headers = Span::new(i + 1, b.len());
    }
    let shape = Shape {
        scheme,
        host_kind: Some(host_kind),
        port,
        rest_at: Span::new(rest_at, rest_at).start,
        user,
        password,
        host,
        params,
        headers,
    };
    Ok((shape, if BRACKETED { i } else { b.len() }))
}

/// A parsed URI borrowing its text. See the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uri<'a> {
    raw: &'a str,
    shape: Shape,
}

impl<'a> Uri<'a> {
    /// Parses a URI: `SIP-URI`, `SIPS-URI`, a `tel:` URI (RFC 3966), or any other
    /// `absoluteURI`.
    ///
    /// SIP and SIPS URIs are checked against the full RFC 3261 grammar, tel URIs against
    /// RFC 3966's; other schemes only against the RFC 2396 character set, since their inner
    /// syntax is not SIP's business.
    pub fn parse(s: &'a str) -> Result<Uri<'a>, UriError> {
        Ok(Uri {
            raw: s,
            shape: Shape::of(s.as_bytes())?,
        })
    }

    /// Reads the URI of a `name-addr` from `s`, the text just after its `<`, when the quick
    /// reading of [`Shape::of_bracketed`] applies. The URI's text ends where its `>` is.
    pub(crate) fn parse_bracketed(s: &'a str) -> Option<Uri<'a>> {
        let (shape, end) = Shape::of_bracketed(s.as_bytes())?;
        Some(Uri {
            raw: s.get(..end)?,
            shape,
        })
    }

    /// The text of `span`, `None` when absent.
    fn part(&self, span: Span) -> Option<&'a str> {
        if span == Span::NONE {
            return None;
        }
        self.raw.get(span.start as usize..span.end as usize)
    }

    /// The URI exactly as given.
    #[inline]
    pub fn as_str(&self) -> &'a str {
        self.raw
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme<'a> {
        match self.shape.scheme {
            SchemeKind::Sip => Scheme::Sip,
            SchemeKind::Sips => Scheme::Sips,
            SchemeKind::Tel => Scheme::Tel,
            SchemeKind::Other => Scheme::Other(
                self.raw
                    .get(..(self.shape.rest_at as usize).saturating_sub(1))
                    .unwrap_or(""),
            ),
        }
    }

    /// The `user` part (escapes kept); for `tel:` URIs, the number.
    pub fn user(&self) -> Option<&'a str> {
        self.part(self.shape.user)
    }

    /// The `password` part of the userinfo, if any (its use is NOT RECOMMENDED, §19.1.1).
    pub fn password(&self) -> Option<&'a str> {
        self.part(self.shape.password)
    }

    /// The host of a SIP or SIPS URI; `None` for other schemes, which carry no `hostport`.
    pub fn host(&self) -> Option<Host<'a>> {
        Host::from_kind(self.part(self.shape.host)?, self.shape.host_kind?)
    }

    /// The port, when one is written.
    pub fn port(&self) -> Option<u16> {
        self.shape.port
    }

    /// Everything after `scheme ":"`, as written.
    pub fn opaque(&self) -> &'a str {
        self.raw.get(self.shape.rest_at as usize..).unwrap_or("")
    }

    /// The `uri-parameters`, in order, as `(name, value)`; a parameter without `=` has no value.
    pub fn params(&self) -> UriParams<'a> {
        UriParams {
            rest: self.part(self.shape.params).filter(|p| !p.is_empty()),
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
        self.shape.scheme == SchemeKind::Sips
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
        self.part(self.shape.headers)
    }

    /// The URI `headers` (`?name=value&...`) in order, escapes kept.
    pub fn headers(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.headers_raw()
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
fn is_tel_number(n: &[u8]) -> bool {
    match n.strip_prefix(b"+") {
        Some(g) => {
            g.iter().any(u8::is_ascii_digit)
                && g.iter()
                    .all(|&c| c.is_ascii_digit() || is_visual_separator(c))
        }
        None => {
            n.iter()
                .any(|&c| c.is_ascii_hexdigit() || c == b'*' || c == b'#')
                && n.iter().all(|&c| {
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
pub(crate) mod tests;
