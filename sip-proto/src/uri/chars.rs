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
    TOKEN_TABLE[b as usize]
}

/// [`is_token_char`] as a table: header names and methods are scanned octet by octet on
/// every message, so this one class is a single load.
static TOKEN_TABLE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~'
            );
        i += 1;
    }
    t
};

/// Index of the first CR or LF in `b`, scanning eight octets at a time (SWAR: the classic
/// "has zero byte" test on the octets XORed with the searched value).
pub(crate) fn find_cr_or_lf(b: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has = |x: u64, c: u8| {
        let v = x ^ (ONES * u64::from(c));
        v.wrapping_sub(ONES) & !v & HIGHS
    };
    let mut chunks = b.chunks_exact(8);
    let mut base = 0;
    for chunk in chunks.by_ref() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let hit = has(x, b'\r') | has(x, b'\n');
        if hit != 0 {
            return Some(base + (hit.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&c| c == b'\r' || c == b'\n')
        .map(|i| base + i)
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

/// `str::split_once` for an ASCII delimiter, by a plain octet scan (cheaper than the generic
/// char searcher on the short strings of a URI).
pub(crate) fn split_once_byte(s: &str, delim: u8) -> Option<(&str, &str)> {
    let i = s.bytes().position(|c| c == delim)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swar_scan_matches_naive() {
        let naive = |b: &[u8]| b.iter().position(|&c| c == b'\r' || c == b'\n');
        let mut buf = Vec::new();
        for len in 0..40 {
            for hit in 0..=len {
                buf.clear();
                buf.extend((0..len).map(|i| if i == hit { b'\n' } else { 0x8d ^ (i as u8) }));
                assert_eq!(find_cr_or_lf(&buf), naive(&buf), "{buf:?}");
                if hit < len {
                    buf[hit] = b'\r';
                    assert_eq!(find_cr_or_lf(&buf), naive(&buf), "{buf:?}");
                }
            }
        }
        assert_eq!(find_cr_or_lf(b"abcdefgh\x0c\x0e\r\n"), Some(10));
        assert_eq!(find_cr_or_lf(b"\x8d\x8a\x0d"), Some(2));
    }
}
