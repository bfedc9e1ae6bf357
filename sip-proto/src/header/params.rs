//! Shared pieces of header-value grammar (RFC 3261 §25.1): separators with optional
//! whitespace, `quoted-string`, `generic-param` lists and comma-separated value lists.
//!
//! Values arrive here already unfolded: the message parser turns every folding `CRLF` into
//! spaces, so `LWS` is plain `SP`/`HTAB` by the time these functions run.

use crate::uri::chars::{alnum_class_run, class, class_run, find_byte, is_token};

/// `SWS = [LWS]`: skips spaces and tabs from `i`.
#[inline]
pub(crate) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    i
}

/// Skips a run of `token` characters from `i`.
#[inline]
pub(crate) fn skip_token(b: &[u8], i: usize) -> usize {
    class_run(b, i, class::TOKEN)
}

/// `quoted-string = SWS DQUOTE *(qdtext / quoted-pair ) DQUOTE` starting at the DQUOTE at `i`.
/// Returns the index just past the closing DQUOTE, or `None` if it is unterminated or holds a
/// control octet outside a `quoted-pair`.
#[inline]
pub(crate) fn skip_quoted(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    loop {
        // Whole words of plain qdtext, then octet by octet up to the word's special octet.
        j = skip_qdtext_words(b, j);
        let c = loop {
            let c = *b.get(j)?;
            // qdtext = LWS / %x21 / %x23-5B / %x5D-7E / UTF8-NONASCII.
            if (c > 0x20 && c != b'"' && c != b'\\' && c != 0x7f) || c == b' ' || c == b'\t' {
                j += 1;
            } else {
                break c;
            }
        };
        match c {
            b'"' => return Some(j + 1),
            // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
            b'\\' => match *b.get(j + 1)? {
                b'\n' | b'\r' => return None,
                c if c < 0x80 => j += 2,
                _ => return None,
            },
            _ => return None,
        }
    }
}

/// Checks `*( SEMI generic-param )` (then optional trailing whitespace) over all of `s`.
/// `generic-param = token [ EQUAL gen-value ]`, `SEMI = SWS ";" SWS`, `EQUAL = SWS "=" SWS`.
#[cfg(test)]
pub(crate) fn validate_params(s: &str) -> Result<(), &'static str> {
    let mut it = Params::new(s);
    for _ in it.by_ref() {}
    if it.failed {
        Err(it.why)
    } else {
        Ok(())
    }
}

/// Skips whole words of plain `qdtext` from `j`: eight octets at a time while none is a
/// DQUOTE, a backslash, DEL or a control other than SP; stops at the first such octet (or an
/// HTAB) of the word holding one, for the octet loop to read.
#[inline]
fn skip_qdtext_words(b: &[u8], mut j: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    while let Some(w) = b.get(j..j + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(w);
        let x = u64::from_le_bytes(word);
        // Octets with the high bit set (UTF8-NONASCII) are qdtext; the tests below only
        // look at the others.
        let ascii = !x & HIGHS;
        let special = has_zero(x ^ (ONES * u64::from(b'"')))
            | has_zero(x ^ (ONES * u64::from(b'\\')))
            | has_zero(x ^ (ONES * 0x7F))
            | ((x & !HIGHS).wrapping_sub(ONES * 0x20) & HIGHS);
        // The lowest flag of these borrow tests is exact: the word's first special octet,
        // where the octet loop takes over.
        let hit = special & ascii;
        if hit != 0 {
            return j + (hit.trailing_zeros() / 8) as usize;
        }
        j += 8;
    }
    j
}

/// Iterator over `*( SEMI generic-param )`, yielding `(name, value)`; a quoted value is given
/// without its quotes (escapes kept). It stops at the first malformed parameter; lists are
/// checked in full when a typed header is parsed, so a parsed header's
/// iterator always runs to the end.
#[derive(Debug, Clone)]
pub struct Params<'a> {
    s: &'a str,
    i: usize,
    failed: bool,
    why: &'static str,
}

impl<'a> Params<'a> {
    /// Iterates the parameters in `s`, which starts with the first `;` (or is empty).
    pub(crate) fn new(s: &'a str) -> Self {
        Params {
            s,
            i: 0,
            failed: false,
            why: "",
        }
    }

    /// Why iteration stopped early, if it did.
    pub(crate) fn error(&self) -> Option<&'static str> {
        self.failed.then_some(self.why)
    }

    fn fail(&mut self, why: &'static str) -> Option<(&'a str, Option<&'a str>)> {
        self.failed = true;
        self.why = why;
        None
    }
}

impl<'a> Iterator for Params<'a> {
    type Item = (&'a str, Option<&'a str>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match next_param(self.s, &mut self.i) {
            Ok(p) => p,
            Err(why) => self.fail(why),
        }
    }
}

/// Where one part of a header value lies: octets `start..end` of its text, or
/// [`Span::NONE`] when absent. Typed headers keep these instead of slices (a third of the
/// size), and slice their text on access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Span {
    /// An absent part.
    pub(crate) const NONE: Span = Span {
        start: u32::MAX,
        end: u32::MAX,
    };

    /// The span `start..end`. Header values lie in one message, far below 4 GiB; a larger
    /// offset would read as absent.
    #[inline]
    pub(crate) fn new(start: usize, end: usize) -> Span {
        match (u32::try_from(start), u32::try_from(end)) {
            (Ok(start), Ok(end)) => Span { start, end },
            _ => Span::NONE,
        }
    }

    /// Where a part that starts at `at` of `text` starts, as a span offset: at most the end
    /// of `text` (a list element's trimmed text can end before where its reading stopped).
    #[inline]
    pub(crate) fn offset_within(at: usize, text: &str) -> u32 {
        u32::try_from(at.min(text.len())).unwrap_or(u32::MAX)
    }

    /// Whether the part is present.
    #[inline]
    pub(crate) fn is_some(self) -> bool {
        self != Span::NONE
    }

    /// The part's text in `s`, `None` when absent.
    #[inline]
    pub(crate) fn of(self, s: &str) -> Option<&str> {
        if self == Span::NONE {
            return None;
        }
        s.get(self.start as usize..self.end as usize)
    }
}

/// Whether `name`, a token, is `lower` (lower-case letters) in any case: setting bit 5 folds
/// a token's letters onto lower case and turns no other token octet into a letter.
#[inline(always)]
pub(crate) fn is_name(name: &[u8], lower: &[u8]) -> bool {
    name.len() == lower.len() && name.iter().zip(lower).all(|(&a, &l)| a | 0x20 == l)
}

/// One `generic-param` as [`param_at`] reads it: where its name and value lie (the value
/// without the quotes of a quoted-string).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ParamAt {
    pub(crate) name: (usize, usize),
    pub(crate) value: Option<(usize, usize)>,
    /// Whether the value is an unquoted `token` (as `branch` and `tag` must be), found while
    /// it was read so that no second pass over it is needed.
    pub(crate) value_is_token: bool,
}

/// Reads the `SEMI generic-param` at `*i` in `b` (skipping whitespace around it) and moves
/// `*i` past it: `Ok(None)` at the end of `b`, the rule broken otherwise. The one reading of
/// the grammar behind [`Params`] and the typed headers' own parameter loops.
#[inline(always)]
pub(crate) fn param_at(b: &[u8], i: &mut usize) -> Result<Option<ParamAt>, &'static str> {
    let mut j = skip_ws(b, *i);
    if j >= b.len() {
        *i = j;
        return Ok(None);
    }
    if b.get(j) != Some(&b';') {
        return Err("expected ';' before a parameter (RFC 3261 §25.1 SEMI)");
    }
    j = skip_ws(b, j + 1);
    let name_start = j;
    j = alnum_class_run(b, j, class::TOKEN);
    if j == name_start {
        return Err(
            "empty parameter name (RFC 3261 §25.1 generic-param = token [ EQUAL gen-value ])",
        );
    }
    let name = (name_start, j);
    let after_name = skip_ws(b, j);
    if b.get(after_name) != Some(&b'=') {
        *i = j;
        return Ok(Some(ParamAt {
            name,
            value: None,
            value_is_token: false,
        }));
    }
    let (value, value_is_token, end) = gen_value_at(b, skip_ws(b, after_name + 1))?;
    *i = end;
    Ok(Some(ParamAt {
        name,
        value: Some(value),
        value_is_token,
    }))
}

/// Reads the `gen-value = token / host / quoted-string` at `j` (just past `EQUAL`), as
/// [`param_at`] does: where the value lies (without the quotes of a quoted-string), whether
/// it is a `token`, and where the parameter ends.
#[inline(always)]
pub(crate) fn gen_value_at(
    b: &[u8],
    j: usize,
) -> Result<((usize, usize), bool, usize), &'static str> {
    if b.get(j) == Some(&b'"') {
        let Some(end) = skip_quoted(b, j) else {
            return Err(
                "unterminated quoted-string in parameter value (RFC 3261 §25.1 quoted-string)",
            );
        };
        let v = (j + 1, end - 1);
        // The inside of the quotes, read as before (a quoted token stays a token).
        Ok((v, is_token(b.get(v.0..v.1).unwrap_or(&[])), end))
    } else {
        // gen-value = token / host: the token characters first, then the host ones.
        let token_end = alnum_class_run(b, j, class::TOKEN);
        let end = class_run(b, token_end, class::GEN_VALUE);
        if end == j {
            return Err("empty parameter value after '=' (RFC 3261 §25.1 gen-value)");
        }
        Ok(((j, end), token_end == end, end))
    }
}

/// [`param_at`] on text: the name and value as slices of `s`.
#[inline(always)]
pub(crate) fn next_param<'a>(
    s: &'a str,
    i: &mut usize,
) -> Result<Option<(&'a str, Option<&'a str>)>, &'static str> {
    Ok(param_at(s.as_bytes(), i)?.map(|p| {
        (
            s.get(p.name.0..p.name.1).unwrap_or(""),
            p.value.map(|(a, b)| s.get(a..b).unwrap_or("")),
        )
    }))
}

/// Undoes `quoted-pair` escapes (`\"` → `"`, `\\` → `\`) in the inside of a quoted-string,
/// such as [`crate::header::NameAddr::display_name`] returns. No allocation.
///
/// ```
/// let s: String = sip_proto::header::unescape_quoted("J Rosenberg \\\\\\\"").collect();
/// assert_eq!(s, "J Rosenberg \\\"");
/// ```
pub fn unescape_quoted(s: &str) -> impl Iterator<Item = char> + '_ {
    let mut chars = s.chars();
    core::iter::from_fn(move || match chars.next()? {
        '\\' => chars.next(),
        c => Some(c),
    })
}

/// Finds the first parameter named `name` (ASCII case-insensitive) in a parameter list.
pub(crate) fn find_param<'a>(params: &'a str, name: &str) -> Option<Option<&'a str>> {
    Params::new(params)
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// Splits a header value at commas that are outside quoted strings and `<...>`, yielding each
/// element trimmed (RFC 3261 §7.3.1: a list header may be written as one comma-separated
/// line). Empty elements are yielded too, so callers can reject `a,,b`.
pub(crate) fn split_list(s: &str) -> SplitList<'_> {
    SplitList::new(s)
}

/// The iterator of [`split_list`].
#[derive(Debug, Clone)]
pub(crate) struct SplitList<'a> {
    s: &'a str,
    start: usize,
    done: bool,
}

impl<'a> SplitList<'a> {
    pub(crate) fn new(s: &'a str) -> Self {
        SplitList {
            s,
            start: 0,
            done: trim_ws(s).is_empty(),
        }
    }
}

impl<'a> Iterator for SplitList<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.done {
            return None;
        }
        let b = self.s.as_bytes();
        // Most values hold no comma at all: then the rest is the last element.
        let rest = b.get(self.start..).unwrap_or(&[]);
        if find_byte(rest, b',').is_none() {
            self.done = true;
            return Some(trim_ws(self.s.get(self.start..).unwrap_or("")));
        }
        let mut i = self.start;
        let mut in_quote = false;
        let mut in_angle = false;
        while let Some(&c) = b.get(i) {
            match c {
                b'\\' if in_quote => i += 1,
                b'"' => in_quote = !in_quote,
                b'<' if !in_quote => in_angle = true,
                b'>' if !in_quote => in_angle = false,
                b',' if !in_quote && !in_angle => break,
                _ => {}
            }
            i += 1;
        }
        let end = i.min(b.len());
        let item = trim_ws(self.s.get(self.start..end).unwrap_or(""));
        if end >= b.len() {
            self.done = true;
        } else {
            self.start = end + 1;
        }
        Some(item)
    }
}

/// Ends a list element that its parser read up to the comma at `comma` (an index into
/// `raw`, the element's text trimmed from `s`): the element without the comma and the
/// whitespace before it, and the comma's index in `s`. Without a comma, `raw` as it is.
pub(crate) fn end_list_item<'a>(
    s: &'a str,
    raw: &'a str,
    comma: Option<usize>,
) -> (&'a str, Option<usize>) {
    match comma {
        // `raw` starts where `s` does, past the trimmed whitespace: offset by that.
        Some(c) => (
            trim_ws(raw.get(..c).unwrap_or("")),
            Some(c + (raw.as_ptr() as usize - s.as_ptr() as usize)),
        ),
        None => (raw, None),
    }
}

/// Trims SP and HTAB from both ends.
#[inline]
pub(crate) fn trim_ws(s: &str) -> &str {
    let b = s.as_bytes();
    let mut start = 0;
    let mut end = b.len();
    while start < end && matches!(b.get(start), Some(b' ' | b'\t')) {
        start += 1;
    }
    while end > start && matches!(b.get(end - 1), Some(b' ' | b'\t')) {
        end -= 1;
    }
    s.get(start..end).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The octet-by-octet reading of `quoted-string` (RFC 3261 §25.1) that `skip_quoted`'s
    /// word-at-a-time skipping must agree with.
    fn skip_quoted_reference(b: &[u8], i: usize) -> Option<usize> {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let mut j = i + 1;
        loop {
            match *b.get(j)? {
                b'"' => return Some(j + 1),
                b'\\' => match *b.get(j + 1)? {
                    b'\n' | b'\r' => return None,
                    c if c < 0x80 => j += 2,
                    _ => return None,
                },
                c if c > 0x20 && c != 0x7f || c == b' ' || c == b'\t' => j += 1,
                _ => return None,
            }
        }
    }

    #[test]
    fn skip_quoted_matches_octet_reading() {
        // UTF-8 continuation octets 0x80-0x9F look like controls once their high bit is
        // cleared; they sit next to each special here, at every offset in a word.
        let pieces: &[&[u8]] = &[
            b"a",
            b" ",
            b"\t",
            "\u{20ac}".as_bytes(),
            "\u{e9}".as_bytes(),
            b"\\\"",
            b"\\\\",
            b"\x01",
            b"\x7f",
            b"\r\n",
            b"\"",
            b"\\",
            b"\xff",
        ];
        for a in pieces {
            for b2 in pieces {
                for pad in 0..17 {
                    let mut s = b"\"".to_vec();
                    s.extend(std::iter::repeat_n(b'x', pad));
                    s.extend_from_slice(a);
                    s.extend_from_slice(b2);
                    s.extend_from_slice(b"tail\" <sip:a@b>;tag=1");
                    assert_eq!(skip_quoted(&s, 0), skip_quoted_reference(&s, 0), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn params_with_odd_whitespace() {
        let v: Vec<_> = Params::new(" ;   tag    = 1918181833n ; lr;x=\"a;b\\\"c\"").collect();
        assert_eq!(
            v,
            vec![
                ("tag", Some("1918181833n")),
                ("lr", None),
                ("x", Some("a;b\\\"c"))
            ]
        );
        assert_eq!(
            validate_params(";;"),
            Err("empty parameter name (RFC 3261 §25.1 generic-param = token [ EQUAL gen-value ])")
        );
        assert!(validate_params(";a=").is_err());
        assert!(validate_params(";a=\"x").is_err());
        assert!(validate_params("x").is_err());
        assert_eq!(validate_params(""), Ok(()));
        assert_eq!(
            find_param(";received=[2001:db8::9:255];rport", "RPORT"),
            Some(None)
        );
    }

    #[test]
    fn lists_split_outside_quotes_and_angles() {
        let v: Vec<_> = split_list("\"a,b\" <sip:x@y;p=1,2>;q=1 , <sip:z> ,").collect();
        assert_eq!(v, vec!["\"a,b\" <sip:x@y;p=1,2>;q=1", "<sip:z>", ""]);
        assert_eq!(split_list("  ").count(), 0);
        assert_eq!(split_list("a").collect::<Vec<_>>(), vec!["a"]);
        assert_eq!(
            split_list(";;,;,,").collect::<Vec<_>>(),
            vec![";;", ";", "", ""]
        );
    }

    #[test]
    fn quoted_strings_by_words_match_octet_by_octet() {
        // The reference: the octet loop alone.
        fn reference(b: &[u8]) -> Option<usize> {
            let mut j = 1;
            loop {
                let c = *b.get(j)?;
                if (c > 0x20 && c != b'"' && c != b'\\' && c != 0x7f) || c == b' ' || c == b'\t' {
                    j += 1;
                    continue;
                }
                match c {
                    b'"' => return Some(j + 1),
                    b'\\' => match *b.get(j + 1)? {
                        b'\n' | b'\r' => return None,
                        c if c < 0x80 => j += 2,
                        _ => return None,
                    },
                    _ => return None,
                }
            }
        }
        for special in 0..=255u8 {
            for at in 0..20 {
                let mut q = vec![b'"'];
                q.extend((0..at).map(|i| b"Alice Lid\xc3\xa9ll"[i % 13]));
                q.push(special);
                q.extend_from_slice(b"tail text\" more");
                assert_eq!(skip_quoted(&q, 0), reference(&q), "{q:?}");
            }
        }
    }

    #[test]
    fn quoted_strings() {
        assert_eq!(skip_quoted(b"\"a\\\"b\" x", 0), Some(6));
        assert_eq!(skip_quoted(b"\"BEL:\\\x07 NUL:\\\x00\"", 0), Some(15));
        assert_eq!(skip_quoted(b"\"unterminated", 0), None);
        assert_eq!(skip_quoted(b"\"raw\x00nul\"", 0), None);
    }
}
