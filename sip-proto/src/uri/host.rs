//! `host = hostname / IPv4address / IPv6reference` (RFC 3261 §25.1), with RFC 5118 leniency.

use core::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::chars::{class, find_byte, is, skip_alphanum};

/// The host part of a SIP URI, a Via sent-by or a `received` parameter.
///
/// Borrowed from the message; no copy is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host<'a> {
    /// `IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT`, each part at most 255.
    Ipv4(Ipv4Addr),
    /// `IPv6reference = "[" IPv6address "]"`: the text between the brackets, kept as written.
    ///
    /// RFC 5118 §4.10 notes that the RFC 3261 `IPv6address` ABNF wrongly admits a third colon
    /// (`2001:db8:::192.0.2.1`); such text is accepted here and [`Host::ipv6`] returns `None`
    /// for it. Never generate it.
    Ipv6(&'a str),
    /// `hostname = *( domainlabel "." ) toplabel [ "." ]`, as written (compare case-insensitively).
    Name(&'a str),
}

/// What kind of host a run of octets is, found by [`scan_host`] or [`host_kind`]; with the
/// text it was read from it makes a [`Host`] ([`Host::from_kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HostKind {
    /// An IPv4 address, its four octets.
    Ipv4([u8; 4]),
    /// An `IPv6reference`, brackets included in the text.
    Ipv6,
    /// A hostname.
    Name,
}

/// The host `b` is all of: `[IPv6]`, an IPv4 address or a hostname.
pub(crate) fn host_kind(b: &[u8]) -> Option<HostKind> {
    if b.first() == Some(&b'[') {
        let inner = b.get(1..)?.strip_suffix(b"]")?;
        return is_ipv6_text(inner).then_some(HostKind::Ipv6);
    }
    match scan_host(b, 0) {
        (end, kind) if end == b.len() => kind,
        _ => None,
    }
}

/// Reads an unbracketed host (hostname or IPv4 address) from `from` in one pass over its
/// octets, the grammar checked as they are read. Returns where the run of host octets
/// (`alphanum`, `-`, `.`) ends, and the kind of host; `None` when that run is not one, with
/// only where reading stopped (callers read no position then). Inlined everywhere: a call
/// costs a good part of reading a short address.
#[inline(always)]
pub(crate) fn scan_host(b: &[u8], from: usize) -> (usize, Option<HostKind>) {
    // An IPv4 address is a whole run of host octets; any other run of digits and dots is no
    // hostname either (its top label starts with a digit), as the label reading finds.
    match b.get(from) {
        Some(c) if c.is_ascii_digit() => {
            if let Some((end, octets)) = dotted_quad(b, from) {
                return (end, Some(HostKind::Ipv4(octets)));
            }
        }
        Some(c) if c.is_ascii_alphabetic() => {}
        // A label starts with alphanum; an empty host is no host.
        _ => return (from, None),
    }
    // hostname = *( domainlabel "." ) toplabel [ "." ]; domainlabel = alphanum /
    // alphanum *( alphanum / "-" ) alphanum; the top label starts with a letter.
    // Label by label, each from its first octet (alphanum): runs of alphanum (read a word at a
    // time) joined by runs of '-'.
    let mut j = from;
    let mut top;
    loop {
        top = j;
        j = skip_alphanum(b, j + 1);
        // Each run of '-' inside a label is followed by alphanum, so the label ends with one.
        while b.get(j) == Some(&b'-') {
            let mut k = j + 1;
            while b.get(k) == Some(&b'-') {
                k += 1;
            }
            j = skip_alphanum(b, k);
            if j == k {
                return (j, None);
            }
        }
        if b.get(j) != Some(&b'.') {
            break;
        }
        j += 1;
        match b.get(j) {
            Some(c) if c.is_ascii_alphanumeric() => {}
            // A label cannot start with '-' or '.'.
            Some(b'-' | b'.') => return (j, None),
            // A trailing dot ends the name.
            _ => break,
        }
    }
    let top_is_letter = b.get(top).is_some_and(u8::is_ascii_alphabetic);
    (j, top_is_letter.then_some(HostKind::Name))
}

impl<'a> Host<'a> {
    /// Parses a host as it appears in a URI or sent-by: IPv6 only inside brackets.
    pub fn parse(s: &'a str) -> Option<Host<'a>> {
        host_kind(s.as_bytes()).and_then(|k| Host::from_kind(s, k))
    }

    /// The host of kind `kind` written as `text` (an IPv6 reference with its brackets).
    pub(crate) fn from_kind(text: &'a str, kind: HostKind) -> Option<Host<'a>> {
        Some(match kind {
            HostKind::Ipv4(o) => Host::Ipv4(Ipv4Addr::from(o)),
            HostKind::Ipv6 => Host::Ipv6(text.get(1..text.len().checked_sub(1)?)?),
            HostKind::Name => Host::Name(text),
        })
    }

    /// Reads an unbracketed host (hostname or IPv4 address) from `from` (see [`scan_host`]).
    pub(crate) fn scan_unbracketed(s: &'a str, from: usize) -> (usize, Option<Host<'a>>) {
        let (end, kind) = scan_host(s.as_bytes(), from);
        let host = kind.and_then(|k| Host::from_kind(s.get(from..end)?, k));
        (end, host)
    }

    /// Parses the value of a Via `received` parameter: an IPv4 or IPv6 address, the latter
    /// with or without brackets (RFC 5118 §4.5 asks receivers to accept both). Hostnames are
    /// tolerated as well, since RFC 2543 peers send them.
    pub fn parse_received(s: &'a str) -> Option<Host<'a>> {
        if s.starts_with('[') {
            return Self::parse(s);
        }
        // An IPv4 address or a name stops at no ':'; anything else is read as IPv6.
        match Self::scan_unbracketed(s, 0) {
            (end, host) if end == s.len() => host,
            _ if find_byte(s.as_bytes(), b':').is_some() => {
                is_ipv6_text(s.as_bytes()).then_some(Host::Ipv6(s))
            }
            _ => None,
        }
    }

    /// Whether [`Host::parse_received`] accepts `b`, found without building the host (a Via
    /// checks its `received` parameter only).
    pub(crate) fn received_ok(b: &[u8]) -> bool {
        if b.first() == Some(&b'[') {
            return host_kind(b).is_some();
        }
        match scan_host(b, 0) {
            (end, kind) if end == b.len() => kind.is_some(),
            _ => find_byte(b, b':').is_some() && is_ipv6_text(b),
        }
    }

    /// The IPv6 address, when this is a well-formed (RFC 4291) IPv6 reference.
    pub fn ipv6(&self) -> Option<Ipv6Addr> {
        match self {
            Host::Ipv6(t) => t.parse().ok(),
            _ => None,
        }
    }

    /// RFC 3261 §19.1.4 host comparison: names case-insensitively, addresses by value.
    pub fn equivalent(&self, other: &Host<'_>) -> bool {
        match (self, other) {
            (Host::Ipv4(a), Host::Ipv4(b)) => a == b,
            (Host::Ipv6(a), Host::Ipv6(b)) => match (self.ipv6(), other.ipv6()) {
                (Some(x), Some(y)) => x == y,
                _ => a.eq_ignore_ascii_case(b),
            },
            (Host::Name(a), Host::Name(b)) => a
                .trim_end_matches('.')
                .eq_ignore_ascii_case(b.trim_end_matches('.')),
            _ => false,
        }
    }
}

impl fmt::Display for Host<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Ipv4(a) => write!(f, "{a}"),
            Host::Ipv6(t) => write!(f, "[{t}]"),
            Host::Name(n) => f.write_str(n),
        }
    }
}

/// Reads an `IPv4address` (four dot-separated 1-3 digit parts, each at most 255) from `from`:
/// where it ends and the address, or where reading stopped and `None`.
fn scan_ipv4(b: &[u8], from: usize) -> (usize, Option<Ipv4Addr>) {
    let mut parts = [0u8; 4];
    let mut j = from;
    for (n, part) in parts.iter_mut().enumerate() {
        if n > 0 {
            if b.get(j) != Some(&b'.') {
                return (j, None);
            }
            j += 1;
        }
        // 1*3DIGIT, at most 255.
        let start = j;
        let mut v: u32 = 0;
        while let Some(d) = b.get(j).map(|c| c.wrapping_sub(b'0')).filter(|&d| d <= 9) {
            v = v * 10 + u32::from(d);
            j += 1;
            if j - start > 3 {
                return (j, None);
            }
        }
        match u8::try_from(v) {
            Ok(octet) if j > start => *part = octet,
            _ => return (j, None),
        }
    }
    (j, Some(Ipv4Addr::from(parts)))
}

/// The eight octets of `b` from `j` as a little-endian word (the octet at `j` lowest), zeros
/// standing for those past the end of `b`: the last word of `b` shifted down when fewer than
/// eight remain, so no octet is read twice over a copy.
#[inline]
pub(crate) fn word_at(b: &[u8], j: usize) -> u64 {
    if let Some(w) = b.get(j..).and_then(|r| r.first_chunk::<8>()) {
        return u64::from_le_bytes(*w);
    }
    let rest = b.get(j..).unwrap_or(&[]);
    match b.last_chunk::<8>() {
        // 1..=8 lanes past the end; all eight when `j` is at the end.
        Some(last) => u64::from_le_bytes(*last)
            .checked_shr(8 * (8 - rest.len()) as u32)
            .unwrap_or(0),
        None => rest.iter().rev().fold(0, |w, &c| w << 8 | u64::from(c)),
    }
}

/// An `IPv4address` at `from` that is a whole run of host octets (what follows it is no
/// `alphanum`, `-` or `.`): where it ends and its four parts.
///
/// An address and the octet after it fit in sixteen octets, read first as two words (zeros
/// past the end of `b`), so the digits are read with no bounds check each.
#[inline(always)]
fn dotted_quad(b: &[u8], from: usize) -> Option<(usize, [u8; 4])> {
    let mut a = [0u8; 16];
    let (lo, hi) = a.split_at_mut(8);
    lo.copy_from_slice(&word_at(b, from).to_le_bytes());
    hi.copy_from_slice(&word_at(b, from + 8).to_le_bytes());
    // At most 4 * 3 digits and 3 dots precede the last octet read: `k` stays below 16.
    let at = |k: usize| a[k & 15];
    let digit = |k: usize| at(k).wrapping_sub(b'0');
    let mut parts = [0u8; 4];
    let mut k = 0;
    for (n, part) in parts.iter_mut().enumerate() {
        if n > 0 {
            if at(k) != b'.' {
                return None;
            }
            k += 1;
        }
        // 1*3DIGIT, at most 255.
        let mut v = u32::from(digit(k));
        if v > 9 {
            return None;
        }
        k += 1;
        for _ in 0..2 {
            let d = digit(k);
            if d > 9 {
                break;
            }
            v = v * 10 + u32::from(d);
            k += 1;
        }
        *part = u8::try_from(v).ok()?;
    }
    // A fourth digit, another dot or a letter continues the run: no address.
    if is(at(k), class::HOSTNAME) {
        return None;
    }
    Some((from + k, parts))
}

/// `IPv4address`: four dot-separated 1-3 digit parts, each at most 255.
fn parse_ipv4(b: &[u8]) -> Option<Ipv4Addr> {
    match scan_ipv4(b, 0) {
        (end, ip) if end == b.len() => ip,
        _ => None,
    }
}

/// The liberal RFC 3261 `IPv6address` shape: hex groups, colons and an optional dotted IPv4
/// tail, with at least two colons. Exact RFC 4291 checking is left to [`Host::ipv6`].
fn is_ipv6_text(b: &[u8]) -> bool {
    let colons = b.iter().filter(|&&c| c == b':').count();
    if !(2..=8).contains(&colons) || b.len() > 45 {
        return false;
    }
    if !b
        .iter()
        .all(|&c| c.is_ascii_hexdigit() || c == b':' || c == b'.')
    {
        return false;
    }
    // Groups are at most four hex digits; a dotted tail must be a valid IPv4 address.
    let mut groups = b.split(|&c| c == b':').peekable();
    while let Some(g) = groups.next() {
        let last = groups.peek().is_none();
        let dotted = g.contains(&b'.');
        if last && dotted {
            return parse_ipv4(g).is_some();
        }
        if g.len() > 4 || dotted {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uri::chars::is_alphanum;

    #[test]
    fn parses_each_kind() {
        assert_eq!(
            Host::parse("192.0.2.1"),
            Some(Host::Ipv4(Ipv4Addr::new(192, 0, 2, 1)))
        );
        assert_eq!(
            Host::parse("[2001:db8::10]"),
            Some(Host::Ipv6("2001:db8::10"))
        );
        assert_eq!(
            Host::parse("Atlanta.example.COM."),
            Some(Host::Name("Atlanta.example.COM."))
        );
        assert_eq!(Host::parse("256.1.1.1"), None);
        assert_eq!(Host::parse("1.2.3"), None);
        assert_eq!(Host::parse("2001:db8::10"), None);
        assert_eq!(Host::parse("-a.com"), None);
        assert_eq!(Host::parse("a..com"), None);
        assert_eq!(Host::parse("[2001:db8::10"), None);
    }

    #[test]
    fn rfc5118_forms() {
        // §4.10: the three-colon form is accepted but is not a real address.
        let h = Host::parse("[2001:db8:::192.0.2.1]");
        assert_eq!(h, Some(Host::Ipv6("2001:db8:::192.0.2.1")));
        assert_eq!(h.and_then(|h| h.ipv6()), None);
        let h = Host::parse("[2001:db8::192.0.2.1]").and_then(|h| h.ipv6());
        assert_eq!(h, "2001:db8::c000:201".parse().ok());
        // §4.5: received with and without brackets.
        assert_eq!(
            Host::parse_received("2001:db8::9:255"),
            Some(Host::Ipv6("2001:db8::9:255"))
        );
        assert_eq!(
            Host::parse_received("[2001:db8::9:255]"),
            Some(Host::Ipv6("2001:db8::9:255"))
        );
    }

    /// Whether all of `b` is a hostname, by the one-pass scan.
    fn is_hostname(b: &[u8]) -> bool {
        core::str::from_utf8(b).is_ok_and(|s| {
            matches!(Host::scan_unbracketed(s, 0), (end, Some(Host::Name(_))) if end == s.len())
        })
    }

    /// The label-by-label reading of the ABNF, kept as the reference for the one-pass scan.
    fn reference_hostname(b: &[u8]) -> bool {
        let b = b.strip_suffix(b".").unwrap_or(b);
        let mut last: &[u8] = &[];
        for label in b.split(|&c| c == b'.') {
            let ok = match (label.first(), label.last()) {
                (Some(&f), Some(&l)) => {
                    is_alphanum(f)
                        && is_alphanum(l)
                        && label.iter().all(|&c| is_alphanum(c) || c == b'-')
                }
                _ => false,
            };
            if !ok {
                return false;
            }
            last = label;
        }
        last.first().is_some_and(|c| c.is_ascii_alphabetic())
    }

    #[test]
    fn one_pass_hostname_matches_the_abnf_reading() {
        let alphabet = [b'a', b'1', b'-', b'.', b'_'];
        let mut name = Vec::new();
        for len in 0..=6u32 {
            for mut n in 0..5usize.pow(len) {
                name.clear();
                for _ in 0..len {
                    name.push(alphabet[n % 5]);
                    n /= 5;
                }
                assert_eq!(
                    is_hostname(&name),
                    reference_hostname(&name),
                    "{:?}",
                    String::from_utf8_lossy(&name)
                );
            }
        }
    }

    /// `scan_host` as first written: the IPv4 reading, then label by label with a check of
    /// each label's first and last octet. Kept as the reference for the faster scan.
    fn scan_host_reference(b: &[u8], from: usize) -> (usize, Option<HostKind>) {
        if b.get(from).is_some_and(u8::is_ascii_digit) {
            let (end, ip) = scan_ipv4(b, from);
            let continues = b.get(end).is_some_and(|&c| is(c, class::HOSTNAME));
            if !continues {
                return (end, ip.map(|a| HostKind::Ipv4(a.octets())));
            }
        }
        let mut j = from;
        let mut top_first;
        loop {
            match b.get(j) {
                Some(&c) if is(c, class::ALPHANUM) => top_first = c,
                _ => return (j, None),
            }
            j = skip_alphanum(b, j + 1);
            while b.get(j) == Some(&b'-') {
                j = skip_alphanum(b, j + 1);
            }
            if b.get(j - 1) == Some(&b'-') {
                return (j, None);
            }
            if b.get(j) != Some(&b'.') {
                break;
            }
            j += 1;
            if !b.get(j).is_some_and(|&c| is(c, class::HOSTNAME)) {
                break;
            }
        }
        (j, top_first.is_ascii_alphabetic().then_some(HostKind::Name))
    }

    /// The scan agrees with the reference on the kind of host, and on where a host ends
    /// (where none is found, no caller reads the position).
    fn assert_scan_agrees(b: &[u8], from: usize) {
        let (end, kind) = scan_host(b, from);
        let (want_end, want_kind) = scan_host_reference(b, from);
        assert_eq!(
            kind,
            want_kind,
            "{:?} from {from}",
            String::from_utf8_lossy(b)
        );
        if kind.is_some() {
            assert_eq!(
                end,
                want_end,
                "{:?} from {from}",
                String::from_utf8_lossy(b)
            );
        }
    }

    #[test]
    fn scan_host_agrees_with_the_label_reading() {
        // Every string of up to six octets over octets that matter to a host, alone, after a
        // prefix that moves it across a word, and followed by a stop and a tail.
        let alphabet = b"a1Z9-.:_";
        let mut v = Vec::new();
        for len in 0..=6u32 {
            for n in 0..alphabet.len().pow(len) {
                for (prefix, suffix) in [("", ""), ("sip:", ";lr"), ("x@abc", " more text")] {
                    v.clear();
                    v.extend_from_slice(prefix.as_bytes());
                    let mut m = n;
                    for _ in 0..len {
                        v.push(alphabet[m % alphabet.len()]);
                        m /= alphabet.len();
                    }
                    v.extend_from_slice(suffix.as_bytes());
                    assert_scan_agrees(&v, prefix.len());
                }
            }
        }
        // Addresses and names of every length around a word, cut anywhere, at every offset,
        // with each octet value after them.
        let forms = [
            "192.0.2.101",
            "198.51.100.20",
            "255.255.255.255",
            "256.0.0.1",
            "1.2.3.256",
            "01.002.3.4",
            "1234.1.1.1",
            "1.2.3.4567",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            "1.2.3.4.com",
            "1.2.3.4a",
            "9.9.9.9-x.com",
            "proxy2.biloxi.example.com",
            "registrar.atlanta.example.com.",
            "a-b--c.d-e.f",
            "averyveryverylonglabel.example.c0m",
            "x.y-.z",
            "x.-y.z",
            "x..y",
            "a.b.1c",
            "a.b.c1",
        ];
        for f in forms {
            for pad in 0..9 {
                for cut in 0..=f.len() {
                    for c in 0..=255u8 {
                        let mut v = vec![b'@'; pad];
                        v.extend_from_slice(&f.as_bytes()[..cut]);
                        v.push(c);
                        assert_scan_agrees(&v, pad);
                        v.extend_from_slice(b";transport=udp");
                        assert_scan_agrees(&v, pad);
                    }
                }
            }
        }
    }

    #[test]
    fn word_at_reads_octets_then_zeros() {
        let text: Vec<u8> = (1..=20u8).map(|c| c.wrapping_mul(37) | 0x80).collect();
        for len in 0..=text.len() {
            let b = &text[..len];
            for j in 0..=len + 9 {
                let mut want = [0u8; 8];
                for (k, w) in want.iter_mut().enumerate() {
                    *w = b.get(j + k).copied().unwrap_or(0);
                }
                assert_eq!(word_at(b, j), u64::from_le_bytes(want), "len {len} at {j}");
            }
        }
    }

    #[test]
    fn received_ok_agrees_with_parse_received() {
        let check = |b: &[u8]| {
            if let Ok(s) = core::str::from_utf8(b) {
                assert_eq!(
                    Host::received_ok(b),
                    Host::parse_received(s).is_some(),
                    "{s:?}"
                );
            }
        };
        // Every string of up to five octets over the octets that matter to some host form.
        let alphabet = b"19a.:-[]_F ";
        let mut v = Vec::new();
        for len in 0..=5u32 {
            for mut n in 0..alphabet.len().pow(len) {
                v.clear();
                for _ in 0..len {
                    v.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                check(&v);
            }
        }
        let forms = [
            "192.0.2.101",
            "255.255.255.255",
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.",
            "1.2.3.4.5",
            "01.002.3.4",
            "1234.1.1.1",
            "1.2.3.4a",
            "1.2.3.4:5060",
            "proxy2.biloxi.example.com",
            "a.com.",
            "a..com",
            "-a.com",
            "a-.com",
            "a.1com",
            "2001:db8::9:255",
            "[2001:db8::9:255]",
            "[2001:db8::9:255",
            "2001:db8::9:255]",
            "::ffff:192.0.2.1",
            "[::ffff:192.0.2.1]",
            "2001:db8:::192.0.2.1",
            "::ffff:300.0.2.1",
            "1:2:3:4:5:6:7:8:9",
            "12345::1",
            "fe80::1%eth0",
            "[]",
            "[",
            "",
            "\u{e9}.com",
        ];
        for f in forms {
            for cut in 0..=f.len() {
                check(&f.as_bytes()[..cut]);
            }
        }
    }

    #[test]
    fn display_and_compare() {
        assert_eq!(Host::Ipv6("::1").to_string(), "[::1]");
        assert!(Host::Name("AtLanTa.CoM").equivalent(&Host::Name("atlanta.com")));
        assert!(Host::Ipv6("2001:DB8::1").equivalent(&Host::Ipv6("2001:db8:0::1")));
        assert!(!Host::Name("a.com").equivalent(&Host::Ipv4(Ipv4Addr::LOCALHOST)));
    }
}
