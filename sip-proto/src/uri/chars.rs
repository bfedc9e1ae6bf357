//! Character classes of the RFC 3261 §25.1 grammar, shared by the URI and header parsers.
//!
//! Each function answers "may this octet appear here" for one ABNF rule, so parsers read like
//! the grammar they implement.

/// `alphanum = ALPHA / DIGIT`
pub(crate) fn is_alphanum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// `mark = "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")"`
pub(crate) fn is_mark(b: u8) -> bool {
    matches!(
        b,
        b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
    )
}

/// `unreserved = alphanum / mark`
pub(crate) fn is_unreserved(b: u8) -> bool {
    is_alphanum(b) || is_mark(b)
}

/// `reserved = ";" / "/" / "?" / ":" / "@" / "&" / "=" / "+" / "$" / ","`
pub(crate) fn is_reserved(b: u8) -> bool {
    matches!(
        b,
        b';' | b'/' | b'?' | b':' | b'@' | b'&' | b'=' | b'+' | b'$' | b','
    )
}

/// `user-unreserved = "&" / "=" / "+" / "$" / "," / ";" / "?" / "/"`
pub(crate) fn is_user_unreserved(b: u8) -> bool {
    matches!(b, b'&' | b'=' | b'+' | b'$' | b',' | b';' | b'?' | b'/')
}

/// Octets of `password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," )`, less escapes.
pub(crate) fn is_password_char(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'&' | b'=' | b'+' | b'$' | b',')
}

/// `param-unreserved = "[" / "]" / "/" / ":" / "&" / "+" / "$"`, with `unreserved`: a
/// `paramchar` less escapes.
pub(crate) fn is_paramchar(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'[' | b']' | b'/' | b':' | b'&' | b'+' | b'$')
}

/// `hnv-unreserved = "[" / "]" / "/" / "?" / ":" / "+" / "$"`, with `unreserved`.
pub(crate) fn is_hnvchar(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'[' | b']' | b'/' | b'?' | b':' | b'+' | b'$')
}

/// `uric = reserved / unreserved / escaped` (RFC 2396), less escapes.
pub(crate) fn is_uric(b: u8) -> bool {
    is_reserved(b) || is_unreserved(b) || matches!(b, b'[' | b']')
}

/// `token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" )`
pub(crate) fn is_token_char(b: u8) -> bool {
    is_alphanum(b)
        || matches!(
            b,
            b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~'
        )
}

/// `word = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" / "(" /
/// ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}" )`
pub(crate) fn is_word_char(b: u8) -> bool {
    is_token_char(b)
        || matches!(
            b,
            b'(' | b')'
                | b'<'
                | b'>'
                | b':'
                | b'\\'
                | b'"'
                | b'/'
                | b'['
                | b']'
                | b'?'
                | b'{'
                | b'}'
        )
}

/// True when every octet of a non-empty `s` is a token character.
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_token_char(b))
}

/// Value of one hexadecimal digit.
pub(crate) fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Checks that `s` is made of `allowed` octets and well-formed `escaped = "%" HEXDIG HEXDIG`.
pub(crate) fn all_escaped_or(s: &[u8], allowed: fn(u8) -> bool) -> bool {
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        if b == b'%' {
            match (s.get(i + 1).copied(), s.get(i + 2).copied()) {
                (Some(h), Some(l)) if hex_val(h).is_some() && hex_val(l).is_some() => i += 3,
                _ => return false,
            }
        } else if allowed(b) {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

/// Parses `1*DIGIT` into a `u32`; `None` on an empty string, a non-digit or overflow.
pub(crate) fn parse_u32(s: &[u8]) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    let mut v: u32 = 0;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u32::from(b - b'0'))?;
    }
    Some(v)
}

/// Parses `1*DIGIT` into a `u16` (a `port`); `None` on junk or overflow.
pub(crate) fn parse_u16(s: &[u8]) -> Option<u16> {
    parse_u32(s).and_then(|v| u16::try_from(v).ok())
}
