//! Addresses with parameters: From, To, Contact, Route, Record-Route, Reply-To
//! (RFC 3261 §20.10, §20.20, §20.39, §20.34, §20.30, §25.1).
//!
//! ```text
//! from-spec    = ( name-addr / addr-spec ) *( SEMI from-param )
//! name-addr    = [ display-name ] LAQUOT addr-spec RAQUOT
//! display-name = *(token LWS)/ quoted-string
//! LAQUOT       = SWS "<"      RAQUOT = ">" SWS
//! ```
//!
//! Without angle brackets the URI ends at the first `;`: what follows are header parameters
//! (RFC 3261 §20.10), which is why a URI holding `,`, `?` or `;` must be bracketed.

use super::params::{
    end_list_item, find_param, gen_value_at, is_name, param_at, skip_quoted, skip_token, skip_ws,
    trim_ws, Params, Span,
};
use super::{parse_delta_seconds, HeaderError};
use crate::uri::chars::find_byte;
use crate::uri::Uri;

/// A `name-addr` or `addr-spec` followed by header parameters. Borrowed from the message.
///
/// ```
/// use sip_proto::header::NameAddr;
/// let a = NameAddr::parse("From", "\"Alice \\\"A\\\"\" <sip:alice@atlanta.example.com>;tag=1928301774")?;
/// assert_eq!(a.display_name(), Some("Alice \\\"A\\\""));
/// assert_eq!(a.uri().user(), Some("alice"));
/// assert_eq!(a.tag(), Some("1928301774"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameAddr<'a> {
    /// The whole value (trimmed); the spans below are parts of it.
    raw: &'a str,
    uri: Uri<'a>,
    display: Span,
    /// Where the header parameters start (their first `;`, or the end).
    params_at: u32,
    /// The first `tag` parameter's value, found while the parameters were checked.
    tag: Span,
    display_quoted: bool,
    bracketed: bool,
}

/// `display-name = *(token LWS) / quoted-string` not quoted: the token words before `<`.
/// Returns where the `<` is and where the words end, or `None` for an `addr-spec`.
fn token_words(b: &[u8]) -> Option<(usize, usize)> {
    let mut j = 0;
    let mut last_end = 0;
    loop {
        let e = skip_token(b, j);
        if e == j {
            break;
        }
        last_end = e;
        j = skip_ws(b, e);
        if j == e {
            break;
        }
    }
    (b.get(j) == Some(&b'<')).then_some((j, last_end))
}

impl<'a> NameAddr<'a> {
    /// Parses one address. `header` names the header for error messages (`"To"`, ...).
    pub fn parse(header: &'static str, s: &'a str) -> Result<NameAddr<'a>, HeaderError> {
        Self::parse_item::<false>(header, s).map(|(a, _)| a)
    }

    /// Parses the first address of a comma-separated list `s` (Route, Record-Route...) and
    /// says where the comma that ends it lies (`None` when it runs to the end of `s`). The
    /// element ends at the first comma outside a quoted-string and `<...>`, exactly where
    /// splitting the list first would cut it, so the list is read in one pass.
    pub(crate) fn parse_list_item(
        header: &'static str,
        s: &'a str,
    ) -> Result<(NameAddr<'a>, Option<usize>), HeaderError> {
        Self::parse_item::<true>(header, s)
    }

    fn parse_item<const LIST: bool>(
        header: &'static str,
        s: &'a str,
    ) -> Result<(NameAddr<'a>, Option<usize>), HeaderError> {
        let raw = trim_ws(s);
        let b = raw.as_bytes();
        let syntax = |rule| HeaderError::syntax(header, rule);
        let mut display = Span::NONE;
        let mut display_quoted = false;
        // Find the '<' of a name-addr, after an optional display-name.
        let laquot = match b.first() {
            Some(b'<') => Some(0),
            Some(b'"') => {
                let end = skip_quoted(b, 0).ok_or_else(|| syntax(
                    "unterminated or malformed quoted-string display-name (RFC 3261 §25.1 quoted-string)",
                ))?;
                display = Span::new(1, end - 1);
                display_quoted = true;
                let j = skip_ws(b, end);
                if b.get(j) != Some(&b'<') {
                    return Err(syntax(
                        "a quoted display-name must be followed by <addr-spec> (RFC 3261 §25.1 name-addr)",
                    ));
                }
                Some(j)
            }
            _ => token_words(b).map(|(j, words_end)| {
                if words_end > 0 {
                    display = Span::new(0, words_end);
                }
                j
            }),
        };
        let (uri, bracketed, params_at) = match laquot {
            Some(l) => match Uri::parse_bracketed(raw.get(l + 1..).unwrap_or("")) {
                // A SIP URI read up to its '>' (which it cannot hold), so it has no
                // whitespace inside the brackets either.
                Some(uri) => (uri, true, l + 1 + uri.as_str().len() + 1),
                None => {
                    let rel = b
                        .get(l + 1..)
                        .and_then(|r| find_byte(r, b'>'))
                        .ok_or_else(|| {
                            syntax("'<' without a matching '>' (RFC 3261 §25.1 name-addr)")
                        })?;
                    let inner = raw.get(l + 1..l + 1 + rel).unwrap_or("");
                    let ws = |c: Option<&u8>| matches!(c, Some(b' ' | b'\t'));
                    let ib = inner.as_bytes();
                    if ws(ib.first()) || ws(ib.last()) {
                        return Err(syntax(
                            "no whitespace allowed inside <addr-spec> (RFC 3261 §25.1 LAQUOT addr-spec RAQUOT)",
                        ));
                    }
                    let uri =
                        Uri::parse(inner).map_err(|error| HeaderError::Uri { header, error })?;
                    (uri, true, l + 1 + rel + 1)
                }
            },
            None => {
                // addr-spec form: the URI runs to the first ';' or whitespace.
                let e = b
                    .iter()
                    .position(|&c| matches!(c, b';' | b' ' | b'\t'))
                    .unwrap_or(b.len());
                let u = raw.get(..e).unwrap_or("");
                if u.bytes()
                    .any(|c| matches!(c, b'?' | b',' | b'<' | b'>' | b'"'))
                {
                    return Err(syntax(
                        "a URI holding ',', '?' or ';' must be enclosed in <> (RFC 3261 §20.10)",
                    ));
                }
                let uri = Uri::parse(u).map_err(|error| HeaderError::Uri { header, error })?;
                (uri, false, e)
            }
        };
        // One pass checks the parameters and finds the tag.
        let mut tag = Span::NONE;
        let mut tag_ok = true;
        let mut at = params_at;
        let mut comma = None;
        // The tag first and written `;tag=` (as nearly every UA writes it): what the loop
        // below would find, without reading the name octet by octet.
        if b.get(at..at + 5) == Some(b";tag=") {
            let (v, is_token, end) = gen_value_at(b, skip_ws(b, at + 5)).map_err(syntax)?;
            tag = Span::new(v.0, v.1);
            tag_ok = is_token;
            at = end;
        }
        loop {
            if LIST {
                let j = skip_ws(b, at);
                if b.get(j) == Some(&b',') {
                    comma = Some(j);
                    break;
                }
            }
            let Some(p) = param_at(b, &mut at).map_err(syntax)? else {
                break;
            };
            let name = b.get(p.name.0..p.name.1).unwrap_or(&[]);
            if !tag.is_some() && is_name(name, b"tag") {
                // tag-param = "tag" EQUAL token (§19.3, §25.1): not valueless.
                tag_ok = match p.value {
                    Some((v0, v1)) => {
                        tag = Span::new(v0, v1);
                        p.value_is_token
                    }
                    None => {
                        tag = Span::new(p.name.1, p.name.1);
                        false
                    }
                };
            }
        }
        if !tag_ok {
            return Err(syntax(
                "tag must be a token (RFC 3261 §25.1 tag-param = \"tag\" EQUAL token)",
            ));
        }
        let (raw, comma) = end_list_item(s, raw, comma);
        Ok((
            NameAddr {
                raw,
                uri,
                display,
                // Whitespace before a list comma is no part of the element.
                params_at: Span::offset_within(params_at, raw),
                tag,
                display_quoted,
                bracketed,
            },
            comma,
        ))
    }

    /// The whole value as written (trimmed).
    #[inline]
    pub fn as_str(&self) -> &'a str {
        self.raw
    }

    /// The display name: the text inside the quotes (escapes such as `\"` kept as written), or
    /// the unquoted token words. `None` when there is none.
    pub fn display_name(&self) -> Option<&'a str> {
        self.display.of(self.raw)
    }

    /// Whether the display name was a quoted-string.
    pub fn display_name_is_quoted(&self) -> bool {
        self.display_quoted
    }

    /// The address, parsed.
    #[inline]
    pub fn uri(&self) -> &Uri<'a> {
        &self.uri
    }

    /// The address as written (without the angle brackets).
    #[inline]
    pub fn uri_str(&self) -> &'a str {
        self.uri.as_str()
    }

    /// Whether the address was written in `<...>`.
    pub fn is_bracketed(&self) -> bool {
        self.bracketed
    }

    /// The `tag` parameter (RFC 3261 §19.3).
    #[inline]
    pub fn tag(&self) -> Option<&'a str> {
        self.tag.of(self.raw)
    }

    /// The Contact `expires` parameter (RFC 3261 §20.10: `c-p-expires = "expires" EQUAL
    /// delta-seconds`), if present; overflow is an error (RFC 4475 §3.1.2.4).
    pub fn expires(&self) -> Result<Option<u32>, HeaderError> {
        match self.param("expires") {
            None => Ok(None),
            Some(v) => parse_delta_seconds("Contact", v.unwrap_or("")).map(Some),
        }
    }

    /// The Contact `q` parameter in thousandths (RFC 3261 §20.10: `qvalue = ( "0" [ "."
    /// 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`), if present.
    pub fn q(&self) -> Result<Option<u16>, HeaderError> {
        let Some(v) = self.param("q") else {
            return Ok(None);
        };
        let bad = || {
            HeaderError::syntax(
                "Contact",
                "q must be a qvalue between 0 and 1 with at most 3 decimals (RFC 3261 §20.10)",
            )
        };
        let v = v.ok_or_else(bad)?;
        let (int, frac) = v.split_once('.').unwrap_or((v, ""));
        if frac.len() > 3 || !frac.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let mut thousandths: u16 = match int {
            "0" => 0,
            "1" => 1000,
            _ => return Err(bad()),
        };
        let mut scale = 100;
        for d in frac.bytes() {
            thousandths += u16::from(d - b'0') * scale;
            scale /= 10;
        }
        if thousandths > 1000 {
            return Err(bad());
        }
        Ok(Some(thousandths))
    }

    /// A header parameter by name (ASCII case-insensitive): `None` when absent, `Some(None)`
    /// when present without a value. URI parameters are on [`NameAddr::uri`].
    pub fn param(&self, name: &str) -> Option<Option<&'a str>> {
        find_param(self.params_raw(), name)
    }

    /// All header parameters in order.
    pub fn params(&self) -> Params<'a> {
        Params::new(self.params_raw())
    }

    /// The header parameters as written, starting at the first `;` (or empty).
    pub fn params_raw(&self) -> &'a str {
        self.raw.get(self.params_at as usize..).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uri::{Host, Scheme, UriError};

    fn p(s: &str) -> NameAddr<'_> {
        match NameAddr::parse("To", s) {
            Ok(a) => a,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    #[test]
    fn forms() {
        let a = p("sip:user@example.com;tag=abc");
        assert_eq!(a.display_name(), None);
        assert_eq!(a.uri_str(), "sip:user@example.com");
        assert_eq!(a.tag(), Some("abc"));
        assert!(!a.is_bracketed());

        let a = p("<sip:user@example.com;lr>;tag=x");
        assert_eq!(a.uri().param("lr"), Some(None));
        assert_eq!(a.tag(), Some("x"));
        assert!(a.is_bracketed());

        // RFC 4475 lwsdisp: no space before '<'.
        let a = p("caller<sip:caller@example.com>;tag=323");
        assert_eq!(a.display_name(), Some("caller"));
        assert_eq!(a.tag(), Some("323"));

        // intmeth: token display names.
        let a = p("token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%=\"\u{440}\u{430}\";tag=_token~1'+`*%!-.");
        assert_eq!(a.display_name(), Some("token1~` token2'+_ token3*%!.-"));
        assert_eq!(a.param("fromparam''~+*_!.-%"), Some(Some("\u{440}\u{430}")));
        assert_eq!(a.tag(), Some("_token~1'+`*%!-."));

        // wsinv: escaped quotes, odd LWS.
        let a = p("\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>    ;    tag = 98asjd8");
        assert_eq!(a.display_name(), Some("J Rosenberg \\\\\\\""));
        assert_eq!(a.tag(), Some("98asjd8"));

        // cparam01: contact-param, not a URI param.
        let a = p("sip:+19725552222@gw1.example.net;unknownparam");
        assert_eq!(a.param("unknownparam"), Some(None));
        assert_eq!(a.uri().params().count(), 0);
        // cparam02: URI param.
        let a = p("<sip:+19725552222@gw1.example.net;unknownparam>");
        assert_eq!(a.uri().param("unknownparam"), Some(None));

        // unksm2: other schemes.
        assert_eq!(p("isbn:2983792873").uri().scheme(), Scheme::Other("isbn"));
        assert_eq!(
            p("<http://www.example.com>;tag=3234233").tag(),
            Some("3234233")
        );
        let a = p("<sip:[2001:db8::10]:5070>");
        assert_eq!(a.uri().host(), Some(Host::Ipv6("2001:db8::10")));
    }

    /// `;tag=` is read by a fast path; `;TAG=` goes through the general parameter loop. Both
    /// must give the same tag, parameters and errors, whatever octet follows the `=`.
    #[test]
    fn tag_fast_path_matches_general_loop() {
        let mut octets: Vec<String> = (0u8..0x80).map(|c| char::from(c).to_string()).collect();
        octets.extend(["\u{e9}", "\u{20ac}", "\"x y\"", "\"ab\"", "\"a"].map(String::from));
        let tails = ["", ";lr", " ;x=1", ";tag=2", ",<sip:c@d>", " ", ";"];
        for c in &octets {
            for at in 0..4 {
                for tail in tails {
                    let value: String = "9fxc".chars().take(at).collect::<String>() + c;
                    let fast = format!("<sip:a@b.com>;tag={value}{tail}");
                    let general = format!("<sip:a@b.com>;TAG={value}{tail}");
                    let (f, g) = (
                        NameAddr::parse("To", &fast),
                        NameAddr::parse("To", &general),
                    );
                    match (&f, &g) {
                        (Ok(f), Ok(g)) => {
                            assert_eq!(f.tag(), g.tag(), "{fast:?}");
                            assert_eq!(f.param("tag"), g.param("tag"), "{fast:?}");
                            assert_eq!(f.params().count(), g.params().count(), "{fast:?}");
                        }
                        (Err(f), Err(g)) => assert_eq!(f.to_string(), g.to_string(), "{fast:?}"),
                        _ => panic!("{fast:?}: {f:?} but {general:?}: {g:?}"),
                    }
                    let (f, g) = (
                        NameAddr::parse_list_item("Route", &fast),
                        NameAddr::parse_list_item("Route", &general),
                    );
                    match (&f, &g) {
                        (Ok((f, fc)), Ok((g, gc))) => {
                            assert_eq!((f.tag(), fc), (g.tag(), gc), "{fast:?}");
                        }
                        (Err(f), Err(g)) => assert_eq!(f.to_string(), g.to_string(), "{fast:?}"),
                        _ => panic!("{fast:?}: {f:?} but {general:?}: {g:?}"),
                    }
                }
            }
        }
        assert_eq!(p("<sip:a@b.com>;tag= x1 ;lr").tag(), Some("x1"));
        assert_eq!(p("<sip:a@b.com>;tag=\"q\"").tag(), Some("q"));
    }

    #[test]
    fn contact_params() {
        let a = p("<sip:a@b.com>;expires=3600;q=0.7");
        assert_eq!(a.expires(), Ok(Some(3600)));
        assert_eq!(a.q(), Ok(Some(700)));
        assert_eq!(p("<sip:a@b.com>;q=1.000").q(), Ok(Some(1000)));
        assert_eq!(p("<sip:a@b.com>;q=0").q(), Ok(Some(0)));
        assert_eq!(p("<sip:a@b.com>").q(), Ok(None));
        assert!(p("<sip:a@b.com>;q=1.5").q().is_err());
        assert!(p("<sip:a@b.com>;q=0.1234").q().is_err());
        assert!(p("<sip:a@b.com>;q").q().is_err());
        // RFC 4475 scalar02
        assert!(matches!(
            p("<sip:user@host129.example.com>  ;expires=280297596632815").expires(),
            Err(HeaderError::Overflow { .. })
        ));
    }

    #[test]
    fn rejects() {
        let e = |s| NameAddr::parse("To", s).unwrap_err();
        // quotbal
        assert!(matches!(
            e("\"Mr. J. User <sip:j.user@example.com>"),
            HeaderError::Syntax { .. }
        ));
        // badaspec
        assert_eq!(
            e("\"Watson, Thomas\" < sip:t.watson@example.org >").to_string(),
            "To: no whitespace allowed inside <addr-spec> (RFC 3261 §25.1 LAQUOT addr-spec RAQUOT)"
        );
        // baddn
        assert!(
            NameAddr::parse("From", "Bell, Alexander <sip:a.g.bell@example.com>;tag=43").is_err()
        );
        // regbadct
        assert!(NameAddr::parse(
            "Contact",
            "sip:user@example.com?Route=%3Csip:sip.example.com%3E"
        )
        .is_err());
        assert!(NameAddr::parse("To", "<sip:a@b.com>;tag").is_err());
        assert!(NameAddr::parse("To", "<sip:a@b.com>;tag=\"x y\"").is_err());
        // badinv01
        assert!(NameAddr::parse("Contact", "\"Joe\" <sip:joe@example.org>;;;;").is_err());
        assert_eq!(
            e("<sip:a@b.com:99999>"),
            HeaderError::Uri {
                header: "To",
                error: UriError::BadPort
            }
        );
        assert!(NameAddr::parse("To", "").is_err());
        assert!(NameAddr::parse("To", "<sip:a@b.com").is_err());
        assert!(NameAddr::parse("To", "\"x\" sip:a@b.com").is_err());
    }
}
