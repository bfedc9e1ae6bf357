//! Character classes of the RFC 3261 §25.1 grammar, shared by the URI and header parsers.
//!
//! Each function answers "may this octet appear here" for one ABNF rule, so parsers read like
//! the grammar they implement.

/// `alphanum = ALPHA / DIGIT`
pub(crate) fn is_alphanum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

const fn mark(b: u8) -> bool {
    matches!(
        b,
        b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
    )
}

const fn reserved(b: u8) -> bool {
    matches!(
        b,
        b';' | b'/' | b'?' | b':' | b'@' | b'&' | b'=' | b'+' | b'$' | b','
    )
}

const fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || mark(b)
}

const fn token(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~'
        )
}

/// Bits of [`CLASS`]: one per ABNF character class a parser asks about.
pub(crate) mod class {
    /// `unreserved = alphanum / mark`
    pub(crate) const UNRESERVED: u16 = 1 << 0;
    /// `user = 1*( unreserved / escaped / user-unreserved )`, less escapes.
    pub(crate) const USER: u16 = 1 << 1;
    /// `password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," )`, less escapes.
    pub(crate) const PASSWORD: u16 = 1 << 2;
    /// `paramchar = param-unreserved / unreserved / escaped`, less escapes.
    pub(crate) const PARAM: u16 = 1 << 3;
    /// `hnv-unreserved / unreserved`: header names and values of a URI, less escapes.
    pub(crate) const HNV: u16 = 1 << 4;
    /// `uric = reserved / unreserved / escaped` (RFC 2396), less escapes, plus `[` `]`.
    pub(crate) const URIC: u16 = 1 << 5;
    /// `token` (RFC 3261 §25.1).
    pub(crate) const TOKEN: u16 = 1 << 6;
    /// `word` (RFC 3261 §25.1, Call-ID).
    pub(crate) const WORD: u16 = 1 << 7;
    /// `reserved` (RFC 3261 §25.1).
    pub(crate) const RESERVED: u16 = 1 << 8;
    /// Octets of a hostname: `alphanum / "-" / "."`.
    pub(crate) const HOSTNAME: u16 = 1 << 9;
    /// RFC 3966 `paramchar` plus `=` and `;`: the parameter part of a tel URI.
    pub(crate) const TEL_PARAMS: u16 = 1 << 10;
    /// `alphanum = ALPHA / DIGIT`
    pub(crate) const ALPHANUM: u16 = 1 << 11;
    /// An unquoted `gen-value = token / host`: token characters, plus `:`, `[` and `]` from
    /// hosts (IPv6; RFC 5118 §4.5 allows them unbracketed in `received`).
    pub(crate) const GEN_VALUE: u16 = 1 << 12;
    /// Octets inside a domain label: `alphanum / "-"`.
    pub(crate) const LDH: u16 = 1 << 13;
}

/// The character classes of every octet: a parser checks an octet against a class with one
/// load and one test, the way it reads in the ABNF.
static CLASS: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut c = 0;
        if unreserved(b) {
            c |= class::UNRESERVED;
        }
        // user-unreserved = "&" / "=" / "+" / "$" / "," / ";" / "?" / "/"
        if unreserved(b) || matches!(b, b'&' | b'=' | b'+' | b'$' | b',' | b';' | b'?' | b'/') {
            c |= class::USER;
        }
        if unreserved(b) || matches!(b, b'&' | b'=' | b'+' | b'$' | b',') {
            c |= class::PASSWORD;
        }
        // param-unreserved = "[" / "]" / "/" / ":" / "&" / "+" / "$"
        if unreserved(b) || matches!(b, b'[' | b']' | b'/' | b':' | b'&' | b'+' | b'$') {
            c |= class::PARAM;
            c |= class::TEL_PARAMS;
        }
        if b == b'=' || b == b';' {
            c |= class::TEL_PARAMS;
        }
        // hnv-unreserved = "[" / "]" / "/" / "?" / ":" / "+" / "$"
        if unreserved(b) || matches!(b, b'[' | b']' | b'/' | b'?' | b':' | b'+' | b'$') {
            c |= class::HNV;
        }
        if reserved(b) || unreserved(b) || matches!(b, b'[' | b']') {
            c |= class::URIC;
        }
        if token(b) {
            c |= class::TOKEN;
        }
        if token(b) || matches!(b, b':' | b'[' | b']') {
            c |= class::GEN_VALUE;
        }
        if token(b)
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
        {
            c |= class::WORD;
        }
        if reserved(b) {
            c |= class::RESERVED;
        }
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'.' {
            c |= class::HOSTNAME;
        }
        if b.is_ascii_alphanumeric() {
            c |= class::ALPHANUM;
        }
        if b.is_ascii_alphanumeric() || b == b'-' {
            c |= class::LDH;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// Index of the first octet at or after `from` outside class `allowed` (see [`class`]), or
/// `b.len()`.
#[inline]
pub(crate) fn class_run(b: &[u8], from: usize, allowed: u16) -> usize {
    let rest = b.get(from..).unwrap_or(&[]);
    from + rest
        .iter()
        .position(|&c| !is(c, allowed))
        .unwrap_or(rest.len())
}

/// [`class_run`] for a class that holds every `alphanum` (token, word, gen-value): runs of
/// letters and digits are skipped eight octets at a time ([`skip_alphanum`]), the class's
/// other octets (`.`, `-`, ...) one at a time between them. Long tokens such as a branch or a
/// tag are mostly letters and digits.
#[inline(always)]
pub(crate) fn alnum_class_run(b: &[u8], mut from: usize, allowed: u16) -> usize {
    loop {
        from = skip_alphanum(b, from);
        match b.get(from) {
            Some(&c) if is(c, allowed) => from += 1,
            _ => return from,
        }
    }
}

/// The classes octet `b` is in, as a mask of [`class`] bits.
#[inline(always)]
pub(crate) fn class_of(b: u8) -> u16 {
    CLASS[b as usize]
}

/// Whether octet `b` is in one of the classes of `mask` (see [`class`]).
#[inline]
pub(crate) fn is(b: u8, mask: u16) -> bool {
    CLASS[b as usize] & mask != 0
}

/// `reserved = ";" / "/" / "?" / ":" / "@" / "&" / "=" / "+" / "$" / ","`
pub(crate) fn is_reserved(b: u8) -> bool {
    is(b, class::RESERVED)
}

/// `token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" )`
#[inline]
pub(crate) fn is_token_char(b: u8) -> bool {
    is(b, class::TOKEN)
}

/// Index of the first CR or LF in `b`, scanning sixteen octets at a time (SWAR on two
/// words).
///
/// One test per word flags every octet below 0x0E (`(x - 0x0E0E..) & !x & 0x8080..`, the
/// classic "has less than" test): CR and LF, but also HTAB and other controls. A flagged
/// block is then searched octet by octet from its first flagged octet (the lowest flag is
/// exact); a false alarm (a tab in a header value) resumes the block scan after it.
///
/// The last few octets (fewer than sixteen) are read a word at a time too, which pays off
/// on short slices (a header value being written).
#[inline(always)]
pub(crate) fn find_cr_or_lf(b: &[u8]) -> Option<usize> {
    let mut chunks = b.chunks_exact(16);
    let mut base = 0;
    for chunk in chunks.by_ref() {
        if let Some(first) = first_low_in_chunk(chunk) {
            for (k, &c) in chunk.iter().enumerate().skip(first) {
                if c == b'\r' || c == b'\n' {
                    return Some(base + k);
                }
            }
        }
        base += 16;
    }
    let mut rest = chunks.remainder();
    if let (Some(w), Some(tail)) = (rest.get(..8), rest.get(8..)) {
        if below_0e(w) != 0 {
            if let Some(k) = w.iter().position(|&c| c == b'\r' || c == b'\n') {
                return Some(base + k);
            }
        }
        base += 8;
        rest = tail;
    }
    // Fewer than eight octets left: the last eight of `b` (overlapping octets already read,
    // none of them CR or LF) tell whether any is; only then are they read one by one.
    if let Some(last) = b.len().checked_sub(8).and_then(|at| b.get(at..)) {
        if below_0e(last) == 0 {
            return None;
        }
    }
    rest.iter()
        .position(|&c| c == b'\r' || c == b'\n')
        .map(|k| base + k)
}

/// Index of the first octet below 0x0E in `b`: HTAB, LF, CR or a rarer control. For a
/// header line inside a message (the slice runs on well past the line): a well-formed line
/// with no tab ends at the first such octet, its CR; the caller leaves any other line to the
/// careful reading. Sixteen octets at a time, as [`find_cr_or_lf`] flags them; the lowest
/// flag is exact, so no octet is read again. The rare short tail (the message's last octets)
/// is read octet by octet, which keeps this inlined loop small.
#[inline(always)]
pub(crate) fn find_low_control(b: &[u8]) -> Option<usize> {
    let mut chunks = b.chunks_exact(16);
    let mut base = 0;
    for chunk in chunks.by_ref() {
        if let Some(first) = first_low_in_chunk(chunk) {
            return Some(base + first);
        }
        base += 16;
    }
    chunks
        .remainder()
        .iter()
        .position(|&c| c < 0x0E)
        .map(|k| base + k)
}

/// Index of the first octet below 0x0E in a chunk of sixteen octets, read as two words.
#[inline(always)]
fn first_low_in_chunk(chunk: &[u8]) -> Option<usize> {
    let (lo, hi) = chunk.split_at(8);
    let (f_lo, f_hi) = (below_0e(lo), below_0e(hi));
    if f_lo | f_hi == 0 {
        return None;
    }
    let first = if f_lo != 0 {
        f_lo.trailing_zeros() / 8
    } else {
        8 + f_hi.trailing_zeros() / 8
    };
    Some(first as usize)
}

/// The lanes of the eight octets `w` below 0x0E, as their high bits: the classic "has less
/// than" test, whose lowest flag is exact (a borrow only falsely flags lanes above a true
/// one).
#[inline(always)]
fn below_0e(w: &[u8]) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut word = [0u8; 8];
    word.copy_from_slice(w);
    let x = u64::from_le_bytes(word);
    x.wrapping_sub(ONES * 0x0E) & !x & HIGHS
}

/// Index of the first octet at or after `from` that is not `alphanum`, eight octets at a time
/// (or `b.len()`).
///
/// Per word, with the high bits cleared first so no lane carries into the next: a lane `v`
/// is at least `lo` when `v + (0x80 - lo)` sets its high bit. Letters are tested on the word
/// with bit 5 set (upper case folds onto lower case; no other octet lands in `a..=z`), digits
/// on the word itself, and octets with the high bit set are never alphanum.
#[inline]
pub(crate) fn skip_alphanum(b: &[u8], mut from: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const LOWS: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let at_least = |v: u64, lo: u8| v + ONES * u64::from(0x80 - lo);
    while let Some(w) = b.get(from..from + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(w);
        let x = u64::from_le_bytes(word);
        let x7 = x & LOWS;
        let folded = x7 | (ONES * 0x20);
        let letter = at_least(folded, b'a') & !at_least(folded, b'z' + 1);
        let digit = at_least(x7, b'0') & !at_least(x7, b'9' + 1);
        let other = !((letter | digit) & !x) & HIGHS;
        if other != 0 {
            return from + (other.trailing_zeros() / 8) as usize;
        }
        from += 8;
    }
    while b.get(from).is_some_and(|&c| is(c, class::ALPHANUM)) {
        from += 1;
    }
    from
}

/// Index of the first `needle` in `b`, eight octets at a time (SWAR "has zero byte" on the
/// word XORed with the needle).
pub(crate) fn find_byte(b: &[u8], needle: u8) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut chunks = b.chunks_exact(8);
    let mut base = 0;
    for chunk in chunks.by_ref() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ (ONES * u64::from(needle));
        let hit = x.wrapping_sub(ONES) & !x & HIGHS;
        if hit != 0 {
            return Some(base + (hit.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&c| c == needle)
        .map(|k| base + k)
}

/// `word = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" / "(" /
/// ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}" )`
pub(crate) fn is_word_char(b: u8) -> bool {
    is(b, class::WORD)
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

/// Checks that `s` is made of octets of class `allowed` (see [`class`]) and well-formed
/// `escaped = "%" HEXDIG HEXDIG`.
pub(crate) fn all_escaped_or(s: &[u8], allowed: u16) -> bool {
    skip_escaped_or(s, 0, allowed) == Some(s.len())
}

/// Skips octets of class `allowed` and well-formed escapes from `i`: the index of the first
/// other octet (or the end), or `None` at a malformed escape (`%` not followed by two hex
/// digits).
#[inline]
pub(crate) fn skip_escaped_or(s: &[u8], mut i: usize, allowed: u16) -> Option<usize> {
    while let Some(&b) = s.get(i) {
        if is(b, allowed) {
            i += 1;
        } else if b == b'%' {
            match (s.get(i + 1).copied(), s.get(i + 2).copied()) {
                (Some(h), Some(l)) if hex_val(h).is_some() && hex_val(l).is_some() => i += 3,
                _ => return None,
            }
        } else {
            break;
        }
    }
    Some(i)
}

/// `str::split_once` for an ASCII delimiter, by a plain octet scan (cheaper than the generic
/// char searcher on the short strings of a URI).
pub(crate) fn split_once_byte(s: &str, delim: u8) -> Option<(&str, &str)> {
    let i = find_byte(s.as_bytes(), delim)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// Parses `1*DIGIT` into a `u32`; `None` on an empty string, a non-digit or overflow.
pub(crate) fn parse_u32(s: &[u8]) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    // Nine digits cannot overflow a u32: only longer numbers need checked arithmetic.
    let (head, tail) = s.split_at(s.len().min(9));
    let mut v: u32 = 0;
    for &b in head {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u32::from(d);
    }
    for &b in tail {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u32::from(d))?;
    }
    Some(v)
}

/// Parses `1*DIGIT` into a `u16` (a `port`); `None` on junk or overflow.
pub(crate) fn parse_u16(s: &[u8]) -> Option<u16> {
    if s.is_empty() {
        return None;
    }
    // Leading zeros aside, five digits fit a u32 without checks; more are never a port.
    let zeros = s.iter().take_while(|&&c| c == b'0').count();
    let s = s.get(zeros.min(s.len() - 1)..).unwrap_or(s);
    if s.len() > 5 {
        return None;
    }
    let mut v: u32 = 0;
    for &b in s {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u32::from(d);
    }
    u16::try_from(v).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word-at-a-time run stops exactly where the octet-by-octet one does, for every
    /// class it serves, at every start, on runs that end at each position of a word.
    #[test]
    fn alnum_class_run_matches_class_run() {
        let fillers: &[&[u8]] = &[b"a", b"Z9", b".", b"-_~", b"%", b":", b"[", b"\xc3\xa9"];
        let stops: &[u8] = &[b';', b',', b' ', b'"', b'=', b'\r', 0x80, b'@', b':', b'/'];
        for class in [class::TOKEN, class::GEN_VALUE, class::WORD] {
            for len in 0..40 {
                for (k, &stop) in stops.iter().enumerate() {
                    let mut b = Vec::new();
                    while b.len() < len {
                        b.extend_from_slice(fillers[(b.len() * 7 + k) % fillers.len()]);
                    }
                    b.truncate(len);
                    b.push(stop);
                    b.extend_from_slice(b"tail9");
                    for from in 0..b.len() {
                        assert_eq!(
                            alnum_class_run(&b, from, class),
                            class_run(&b, from, class),
                            "class {class:#x} from {from} in {b:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn ports() {
        assert_eq!(parse_u16(b"5060"), Some(5060));
        assert_eq!(parse_u16(b"0000005060"), Some(5060));
        assert_eq!(parse_u16(b"0"), Some(0));
        assert_eq!(parse_u16(b"000"), Some(0));
        assert_eq!(parse_u16(b"65535"), Some(65535));
        assert_eq!(parse_u16(b"65536"), None);
        assert_eq!(parse_u16(b"100000"), None);
        assert_eq!(parse_u16(b""), None);
        assert_eq!(parse_u16(b"50a0"), None);
        assert_eq!(parse_u32(b"4294967295"), Some(u32::MAX));
        assert_eq!(parse_u32(b"4294967296"), None);
        assert_eq!(parse_u32(b"00000000004294967295"), Some(u32::MAX));
    }

    #[test]
    fn swar_alphanum_run_matches_naive() {
        let naive = |b: &[u8], from: usize| {
            from + b[from..]
                .iter()
                .position(|c| !c.is_ascii_alphanumeric())
                .unwrap_or(b.len() - from)
        };
        // Every octet value at every lane, after runs of every length, followed by none to
        // ten letters (so the octet is read by the word loop and by the tail loop).
        for stop in 0..=255u8 {
            for run in 0..20 {
                for after in [0, 1, 3, 7, 10] {
                    let mut buf: Vec<u8> = (0..run).map(|i| b"aZ09zA9q"[i % 8]).collect();
                    buf.push(stop);
                    buf.extend_from_slice(&b"abcdefghij"[..after]);
                    for from in [0, run.min(3), run] {
                        assert_eq!(skip_alphanum(&buf, from), naive(&buf, from), "{buf:?}");
                    }
                }
            }
        }
        assert_eq!(skip_alphanum(b"", 0), 0);
        assert_eq!(skip_alphanum(b"abc", 3), 3);
    }

    #[test]
    fn swar_scan_matches_naive() {
        let naive = |b: &[u8]| b.iter().position(|&c| c == b'\r' || c == b'\n');
        let low = |b: &[u8]| b.iter().position(|&c| c < 0x0E);
        let mut buf = Vec::new();
        for len in 0..40 {
            for hit in 0..=len {
                buf.clear();
                buf.extend((0..len).map(|i| if i == hit { b'\n' } else { 0x8d ^ (i as u8) }));
                assert_eq!(find_cr_or_lf(&buf), naive(&buf), "{buf:?}");
                assert_eq!(find_low_control(&buf), low(&buf), "{buf:?}");
                if hit < len {
                    buf[hit] = b'\r';
                    assert_eq!(find_cr_or_lf(&buf), naive(&buf), "{buf:?}");
                    assert_eq!(find_low_control(&buf), low(&buf), "{buf:?}");
                    buf[hit] = b'\t';
                    assert_eq!(find_low_control(&buf), low(&buf), "{buf:?}");
                }
            }
        }
        assert_eq!(find_cr_or_lf(b"abcdefgh\x0c\x0e\r\n"), Some(10));
        assert_eq!(find_cr_or_lf(b"\x8d\x8a\x0d"), Some(2));
    }
}
