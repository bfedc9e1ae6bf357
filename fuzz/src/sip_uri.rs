//! `sip_uri`: arbitrary text through [`Uri::parse`].
//!
//! The input is split at its first `\n` (a character no URI may hold) into two candidates, so
//! one input also yields a pair to compare. Invariants for every URI that parses:
//! - `as_str()` and `Display` give back the input exactly, and parsing that again gives an
//!   equal [`Uri`];
//! - the parts are consistent: a SIP/SIPS URI has a host, other schemes have none; `opaque()`
//!   is the text after the scheme's colon; `param(name)` finds the first parameter listed;
//! - `equivalent` is reflexive, and symmetric on the pair;
//! - RFC 3261 §19.1.4 rewrites keep equivalence: the scheme in upper case, and (SIP/SIPS) the
//!   first unreserved character of the user part written as a `%HH` escape.

use sip_proto::uri::{Scheme, Uri};

/// Runs the target on one input. The repeated-parameter reflexivity bug it once found
/// (`fuzz/regressions/sip_uri/`) is fixed in sip-proto and checked like everything else.
pub fn check(data: &[u8]) {
    run(data);
}

fn run(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let whole = check_one(text);
    if let Some((a, b)) = text.split_once('\n') {
        assert!(whole.is_none(), "a URI with a newline parsed: {text:?}");
        if let (Some(x), Some(y)) = (check_one(a), check_one(b)) {
            assert_eq!(
                x.equivalent(&y),
                y.equivalent(&x),
                "equivalent is not symmetric for {a:?} and {b:?}"
            );
        }
    }
}

fn check_one(s: &str) -> Option<Uri<'_>> {
    let uri = Uri::parse(s).ok()?;
    assert_eq!(uri.as_str(), s);
    let shown = uri.to_string();
    assert_eq!(shown, s, "Display differs from the input");
    let again = Uri::parse(&shown).expect("the Display of a parsed URI parses");
    assert_eq!(again, uri, "parse(display(u)) != u");
    assert!(
        uri.equivalent(&uri),
        "equivalent is not reflexive for {s:?}"
    );

    let colon = s.find(':').expect("a parsed URI has a scheme colon");
    assert_eq!(uri.opaque(), &s[colon + 1..]);
    let sip = matches!(uri.scheme(), Scheme::Sip | Scheme::Sips);
    assert_eq!(
        uri.host().is_some(),
        sip,
        "host presence must follow the scheme"
    );
    if let Some(host) = uri.host() {
        let _ = host.ipv6();
        assert!(host.equivalent(&host));
        let _ = host.to_string();
    }
    let _ = (uri.user(), uri.password(), uri.port(), uri.headers_raw());
    let params: Vec<_> = uri.params().collect();
    for (name, value) in &params {
        if let Some(first) = params.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            assert_eq!(
                uri.param(name),
                Some(first.1),
                "param({name:?}) is not the first"
            );
        }
        let _ = value;
    }
    let _ = uri.headers().count();

    // The scheme is case-insensitive (RFC 3261 §19.1.4).
    let upper = format!("{}{}", s[..colon].to_ascii_uppercase(), &s[colon..]);
    let u2 = Uri::parse(&upper).expect("the scheme in upper case still parses");
    assert!(
        uri.equivalent(&u2) && u2.equivalent(&uri),
        "changing the scheme's case broke equivalence: {s:?}"
    );

    // An unreserved character is equivalent to its %HH escape (§19.1.4).
    if sip {
        if let Some(user) = uri.user() {
            let at = colon + 1; // the user part starts right after "sip:"
            assert!(s[at..].starts_with(user));
            if let Some(i) = first_plain_alphanumeric(user) {
                let c = user.as_bytes()[i];
                let escaped = format!("{}%{:02X}{}", &s[..at + i], c, &s[at + i + 1..]);
                let u3 = Uri::parse(&escaped).expect("escaping a user character still parses");
                assert!(
                    uri.equivalent(&u3) && u3.equivalent(&uri),
                    "escaping {:?} in the user part broke equivalence: {s:?} vs {escaped:?}",
                    c as char
                );
            }
        }
    }
    Some(uri)
}

/// The index of the first alphanumeric character that is not part of a `%HH` escape.
fn first_plain_alphanumeric(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => i += 3,
            c if c.is_ascii_alphanumeric() => return Some(i),
            _ => i += 1,
        }
    }
    None
}
