//! RFC 3261 §19.1.4 URI comparison.
//!
//! The rules, in the order the RFC gives them:
//! - a SIP and a SIPS URI are never equivalent;
//! - userinfo is compared case-sensitively, everything else case-insensitively;
//! - characters other than `reserved` ones are equivalent to their `%HH` escapes;
//! - an IP address never matches a hostname, even one that resolves to it;
//! - user, password, host and port must match (an absent port does not match `:5060`);
//! - a uri-parameter in both URIs must match; `user`, `ttl`, `method`, `maddr` and
//!   `transport` in only one URI make them differ; other parameters in only one are ignored;
//! - header components are never ignored: each must be in both URIs, in any order.

use super::chars::{hex_val, is_reserved};
use super::{Scheme, Uri};

/// Parameters that must appear in both URIs or neither (§19.1.4, fourth bullet).
const STICKY_PARAMS: [&str; 5] = ["user", "ttl", "method", "maddr", "transport"];

pub(super) fn equivalent(a: &Uri<'_>, b: &Uri<'_>) -> bool {
    match (a.scheme(), b.scheme()) {
        (Scheme::Sip, Scheme::Sip) | (Scheme::Sips, Scheme::Sips) => {}
        (Scheme::Tel, Scheme::Tel) => return tel_equivalent(a, b),
        (Scheme::Other(x), Scheme::Other(y)) if x.eq_ignore_ascii_case(y) => {
            return escaped_eq(a.opaque(), b.opaque(), false);
        }
        _ => return false,
    }
    let opt_eq = |x: Option<&str>, y: Option<&str>| match (x, y) {
        (None, None) => true,
        (Some(x), Some(y)) => escaped_eq(x, y, false),
        _ => false,
    };
    if !opt_eq(a.user(), b.user()) || !opt_eq(a.password(), b.password()) || a.port() != b.port() {
        return false;
    }
    match (a.host(), b.host()) {
        (Some(x), Some(y)) if x.equivalent(&y) => {}
        _ => return false,
    }
    if !params_match(a, b) || !params_match(b, a) {
        return false;
    }
    headers_within(a, b) && headers_within(b, a)
}

/// Every parameter of `a` either matches a same-named one in `b`, or has no namesake in `b`
/// and is not one of the sticky parameters. (A name repeated within one URI is matched
/// against each of its namesakes, which keeps the relation reflexive.)
fn params_match(a: &Uri<'_>, b: &Uri<'_>) -> bool {
    a.params().all(|(name, value)| {
        let mut namesakes = b
            .params()
            .filter(|(n, _)| escaped_eq(n, name, true))
            .peekable();
        if namesakes.peek().is_none() {
            return !STICKY_PARAMS.iter().any(|s| escaped_eq(s, name, true));
        }
        namesakes.any(|(_, other)| match (value, other) {
            (None, None) => true,
            (Some(x), Some(y)) => escaped_eq(x, y, true),
            _ => false,
        })
    })
}

/// RFC 3966 §4: both numbers global or both local, equal digits once visual separators are
/// removed, and the same parameters by name (in any order) with equal values; case is
/// ignored throughout, and `phone-context` and `ext` values compare without separators.
fn tel_equivalent(a: &Uri<'_>, b: &Uri<'_>) -> bool {
    let (Some(x), Some(y)) = (a.user(), b.user()) else {
        return false;
    };
    if x.starts_with('+') != y.starts_with('+') || !digits_eq(x, y) {
        return false;
    }
    let within = |a: &Uri<'_>, b: &Uri<'_>| {
        a.params().all(|(name, value)| {
            b.params().any(|(n, v)| {
                escaped_eq(n, name, true)
                    && match (value, v) {
                        (None, None) => true,
                        // A global-number-digits context and an extension compare digit by
                        // digit; a domain-name context as a host name.
                        (Some(p), Some(q))
                            if name.eq_ignore_ascii_case("ext")
                                || (name.eq_ignore_ascii_case("phone-context")
                                    && p.starts_with('+')) =>
                        {
                            digits_eq(p, q)
                        }
                        (Some(p), Some(q)) => escaped_eq(p, q, true),
                        _ => false,
                    }
            })
        })
    };
    within(a, b) && within(b, a)
}

/// Equal ignoring case and the visual separators `-` `.` `(` `)` (RFC 3966 §3).
fn digits_eq(a: &str, b: &str) -> bool {
    strip_separators(a).eq(strip_separators(b))
}

fn strip_separators(s: &str) -> impl Iterator<Item = u8> + '_ {
    s.bytes()
        .filter(|c| !matches!(c, b'-' | b'.' | b'(' | b')'))
        .map(|c| c.to_ascii_lowercase())
}

/// Every header of `a` is present in `b` with an equivalent value.
fn headers_within(a: &Uri<'_>, b: &Uri<'_>) -> bool {
    a.headers().all(|(name, value)| {
        b.headers()
            .any(|(n, v)| escaped_eq(n, name, true) && escaped_eq(v, value, true))
    })
}

/// One comparison unit: a literal octet, or a reserved octet that was written escaped (an
/// escaped reserved character is NOT equivalent to the bare one).
#[derive(PartialEq, Eq)]
enum Unit {
    Plain(u8),
    EscapedReserved(u8),
}

fn units(s: &str) -> impl Iterator<Item = Unit> + '_ {
    let b = s.as_bytes();
    let mut i = 0;
    core::iter::from_fn(move || {
        let c = *b.get(i)?;
        if c == b'%' {
            if let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex_val),
                b.get(i + 2).copied().and_then(hex_val),
            ) {
                i += 3;
                let v = (h << 4) | l;
                return Some(if is_reserved(v) {
                    Unit::EscapedReserved(v)
                } else {
                    Unit::Plain(v)
                });
            }
        }
        i += 1;
        Some(Unit::Plain(c))
    })
}

/// Compares two URI components with escapes normalised, optionally ignoring ASCII case.
fn escaped_eq(a: &str, b: &str, ignore_case: bool) -> bool {
    let fold = |u: Unit| match u {
        Unit::Plain(c) if ignore_case => Unit::Plain(c.to_ascii_lowercase()),
        other => other,
    };
    units(a).map(fold).eq(units(b).map(fold))
}
