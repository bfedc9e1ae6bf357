use super::*;
use std::net::Ipv4Addr;

fn p(s: &str) -> Uri<'_> {
    match Uri::parse(s) {
        Ok(u) => u,
        Err(e) => panic!("{s}: {e}"),
    }
}

#[test]
fn full_sip_uri() {
    let u = p(
        "sip:alice:secret@atlanta.com:5060;transport=tcp;lr?subject=project%20x&priority=urgent",
    );
    assert_eq!(u.scheme(), Scheme::Sip);
    assert_eq!(u.user(), Some("alice"));
    assert_eq!(u.password(), Some("secret"));
    assert_eq!(u.host(), Some(Host::Name("atlanta.com")));
    assert_eq!(u.port(), Some(5060));
    assert_eq!(
        u.params().collect::<Vec<_>>(),
        vec![("transport", Some("tcp")), ("lr", None)]
    );
    assert_eq!(u.param("LR"), Some(None));
    assert_eq!(u.param("maddr"), None);
    assert_eq!(
        u.headers().collect::<Vec<_>>(),
        vec![("subject", "project%20x"), ("priority", "urgent")]
    );
    assert_eq!(
        u.to_string(),
        "sip:alice:secret@atlanta.com:5060;transport=tcp;lr?subject=project%20x&priority=urgent"
    );
}

#[test]
fn hosts_and_ports() {
    assert_eq!(
        p("sip:192.0.2.4").host(),
        Some(Host::Ipv4(Ipv4Addr::new(192, 0, 2, 4)))
    );
    let u = p("sip:[2001:db8::10]:5070");
    assert_eq!(u.host(), Some(Host::Ipv6("2001:db8::10")));
    assert_eq!(u.port(), Some(5070));
    // RFC 5118 §4.3: the :5070 inside the brackets belongs to the address.
    let u = p("sip:user@[2001:db8::10:5070]");
    assert_eq!(u.host(), Some(Host::Ipv6("2001:db8::10:5070")));
    assert_eq!(u.port(), None);
    // RFC 5118 §4.2: unbracketed IPv6 is not a host.
    assert_eq!(Uri::parse("sip:2001:db8::10"), Err(UriError::BadHost));
    assert_eq!(Uri::parse("sip:host:65536"), Err(UriError::BadPort));
    assert_eq!(Uri::parse("sip:host:"), Err(UriError::BadPort));
    assert_eq!(Uri::parse("sip:user@"), Err(UriError::BadHost));
}

#[test]
fn torture_user_parts() {
    // RFC 4475 §3.1.1.2 intmeth Request-URI.
    let u = p("sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com");
    assert_eq!(
        u.user(),
        Some("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
    );
    assert_eq!(
        u.password(),
        Some("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
    );
    assert_eq!(u.host(), Some(Host::Name("example.com")));
    // §3.1.1.9 semiuri: ';' in the user part is not a parameter.
    let u = p("sip:user;par=u%40example.net@example.com");
    assert_eq!(u.user(), Some("user;par=u%40example.net"));
    assert_eq!(u.params().count(), 0);
    // §3.1.1.4 escnull.
    assert_eq!(
        p("sip:null-%00-null@example.com").user(),
        Some("null-%00-null")
    );
    assert_eq!(Uri::parse("sip:%0@example.com"), Err(UriError::BadUser));
}

#[test]
fn rejects() {
    assert_eq!(Uri::parse(""), Err(UriError::Empty));
    assert_eq!(Uri::parse("alice"), Err(UriError::BadScheme));
    assert_eq!(Uri::parse("1x:abc"), Err(UriError::BadScheme));
    assert_eq!(
        Uri::parse("sip:user@example.com; lr"),
        Err(UriError::BadParam)
    );
    assert_eq!(Uri::parse("sip:a@b.com;;lr"), Err(UriError::BadParam));
    assert_eq!(Uri::parse("sip:a@b.com;x="), Err(UriError::BadParam));
    assert_eq!(Uri::parse("sip:a@b.com?x"), Err(UriError::BadHeader));
    assert_eq!(Uri::parse("sip:a b@b.com"), Err(UriError::BadUser));
    assert_eq!(Uri::parse("http://a b"), Err(UriError::BadChar));
}

#[test]
fn other_schemes() {
    let u = p("nobodyKnowsThisScheme:totally-opaque-content");
    assert_eq!(u.scheme(), Scheme::Other("nobodyKnowsThisScheme"));
    assert_eq!(u.opaque(), "totally-opaque-content");
    assert_eq!(u.host(), None);
    assert_eq!(
        p("soap.beep://192.0.2.103:3002").scheme(),
        Scheme::Other("soap.beep")
    );
    let t = p("tel:+1-201-555-0123;phone-context=example.com");
    assert_eq!(t.scheme(), Scheme::Tel);
    assert_eq!(t.user(), Some("+1-201-555-0123"));
    assert_eq!(t.param("phone-context"), Some(Some("example.com")));
    assert_eq!(p("SIP:a@b.com").scheme(), Scheme::Sip);
}

fn eqv(a: &str, b: &str) -> bool {
    let (x, y) = (p(a), p(b));
    assert_eq!(x.equivalent(&y), y.equivalent(&x), "symmetry {a} / {b}");
    x.equivalent(&y)
}

#[test]
fn rfc3261_19_1_4_equivalent_examples() {
    assert!(eqv(
        "sip:%61lice@atlanta.com;transport=TCP",
        "sip:alice@AtLanTa.CoM;Transport=tcp"
    ));
    assert!(eqv(
        "sip:carol@chicago.com",
        "sip:carol@chicago.com;newparam=5"
    ));
    assert!(eqv(
        "sip:carol@chicago.com",
        "sip:carol@chicago.com;security=on"
    ));
    assert!(eqv(
        "sip:carol@chicago.com;newparam=5",
        "sip:carol@chicago.com;security=on"
    ));
    assert!(eqv(
        "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
        "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"
    ));
    assert!(eqv(
        "sip:alice@atlanta.com?subject=project%20x&priority=urgent",
        "sip:alice@atlanta.com?priority=urgent&subject=project%20x"
    ));
}

#[test]
fn rfc3261_19_1_4_not_equivalent_examples() {
    assert!(!eqv(
        "SIP:ALICE@AtLanTa.CoM;Transport=udp",
        "sip:alice@AtLanTa.CoM;Transport=UDP"
    ));
    assert!(!eqv("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"));
    assert!(!eqv(
        "sip:bob@biloxi.com",
        "sip:bob@biloxi.com;transport=udp"
    ));
    assert!(!eqv(
        "sip:bob@biloxi.com",
        "sip:bob@biloxi.com:6000;transport=tcp"
    ));
    assert!(!eqv(
        "sip:carol@chicago.com",
        "sip:carol@chicago.com?Subject=next%20meeting"
    ));
    assert!(!eqv("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"));
    assert!(!eqv(
        "sip:carol@chicago.com;security=on",
        "sip:carol@chicago.com;security=off"
    ));
    assert!(!eqv("sip:alice@atlanta.com", "sips:alice@atlanta.com"));
    // An escaped reserved character is not the bare character.
    assert!(!eqv("sip:a%3Bb@x.com", "sip:a;b@x.com"));
    assert!(eqv("sip:a%3bb@x.com", "sip:a%3Bb@x.com"));
}

#[test]
fn esc01_escaped_and_unescaped_compare_equal() {
    // RFC 4475 §3.1.1.3: "%75se%72" is "user"; "cal%6Cer" is "caller".
    assert!(eqv("sip:%75se%72@example.com", "sip:user@example.com"));
    assert!(eqv(
        "sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31",
        "sip:caller@host5.example.net;lr;name=value%25%34%31"
    ));
}

#[test]
fn repeated_params_stay_reflexive() {
    assert!(eqv("sip:a.aa;l;l=0", "sip:a.aa;l;l=0"));
    assert!(eqv("sip:a.aa;l=0;l", "sip:a.aa;l;l=0"));
    assert!(!eqv("sip:a.aa;l=1", "sip:a.aa;l;l=0"));
}

#[test]
fn param_helpers_and_decoding() {
    let u = p("sips:b.com;transport=tcp;lr;maddr=239.255.255.1;ttl=15;user=phone;method=INVITE");
    assert!(u.is_sips());
    assert_eq!(u.transport(), Some("tcp"));
    assert!(u.lr());
    assert_eq!(u.maddr(), Some("239.255.255.1"));
    assert_eq!(u.ttl(), Some(15));
    assert_eq!(u.user_param(), Some("phone"));
    assert_eq!(u.method_param(), Some("INVITE"));
    let u = p("sip:b.com;ttl=300");
    assert!(!u.lr() && !u.is_sips());
    assert_eq!(u.ttl(), None);
    let d: Vec<u8> = percent_decode("null-%00-%4e%4Cx%").collect();
    assert_eq!(d, b"null-\0-NLx%");
}

#[test]
fn tel_uris_rfc3966() {
    // §3: global numbers with separators and parameters; local numbers need a context.
    let t = p("tel:+1-201-555-0123;ext=1234;isub=%41b");
    assert_eq!(t.user(), Some("+1-201-555-0123"));
    assert_eq!(t.param("ext"), Some(Some("1234")));
    assert_eq!(t.param("isub"), Some(Some("%41b")));
    let t = p("tel:7042;phone-context=example.com");
    assert_eq!(t.user(), Some("7042"));
    let t = p("tel:863-1234;phone-context=+1-914-555");
    assert_eq!(t.param("phone-context"), Some(Some("+1-914-555")));
    assert_eq!(p("tel:*21#;phone-context=+1").user(), Some("*21#"));
    for (bad, err) in [
        ("tel:7042", UriError::BadParam),
        ("tel:+", UriError::BadUser),
        ("tel:+1-a", UriError::BadUser),
        ("tel:--", UriError::BadUser),
        ("tel:+1;ext=", UriError::BadParam),
        ("tel:+1;ext=12a", UriError::BadParam),
        ("tel:1;phone-context=a..b", UriError::BadParam),
        (
            "tel:1;phone-context=+1;phone-context=+2",
            UriError::BadParam,
        ),
        ("tel:+1;;", UriError::BadParam),
        ("tel:+1;a b=c", UriError::BadParam),
    ] {
        assert_eq!(Uri::parse(bad), Err(err), "{bad}");
    }
    // §4: comparison ignores visual separators, case and parameter order; parameters must
    // match by name.
    assert!(eqv("tel:+1-201-555-0123", "tel:+1(201)5550123"));
    assert!(eqv(
        "tel:+1-201-555-0123;ext=12;foo=BAR",
        "TEL:+12015550123;Foo=bar;ext=1-2"
    ));
    assert!(eqv(
        "tel:7042;phone-context=Example.COM",
        "tel:70-42;phone-context=example.com"
    ));
    assert!(!eqv(
        "tel:7042;phone-context=example.com",
        "tel:7042;phone-context=ex.amplecom"
    ));
    assert!(!eqv("tel:+1-201-555-0123", "tel:+1-201-555-0123;ext=1"));
    assert!(!eqv("tel:+12015550123", "tel:12015550123;phone-context=+1"));
    assert!(!eqv("tel:+12015550123", "sip:+12015550123@example.com"));
}

#[test]
fn param_count_is_bounded() {
    let many = format!("sip:a@b{}", ";p".repeat(MAX_PARAMS));
    assert_eq!(
        Uri::parse(&many).map(|u| u.params().count()),
        Ok(MAX_PARAMS)
    );
    let too_many = format!("sip:a@b{}", ";p".repeat(MAX_PARAMS + 1));
    assert_eq!(Uri::parse(&too_many), Err(UriError::TooManyParams));
    let headers = format!("sip:a@b?{}", vec!["h=v"; MAX_PARAMS + 1].join("&"));
    assert_eq!(Uri::parse(&headers), Err(UriError::TooManyParams));
    let tel = format!("tel:+1{}", ";p".repeat(MAX_PARAMS + 1));
    assert_eq!(Uri::parse(&tel), Err(UriError::TooManyParams));
    assert!(UriError::TooManyParams
        .to_string()
        .contains(&MAX_PARAMS.to_string()));
}

/// `base` with every octet value put in, and written over, each position from `from` on: the
/// inputs the fast-path tests hold against the general readings.
pub(crate) fn octet_edits(base: &str, from: usize) -> impl Iterator<Item = Vec<u8>> + '_ {
    (from..=base.len()).flat_map(move |pos| {
        (0..=255u8).flat_map(move |c| {
            let mut inserted = base.as_bytes().to_vec();
            inserted.insert(pos, c);
            let mut replaced = base.as_bytes().to_vec();
            if let Some(o) = replaced.get_mut(pos) {
                *o = c;
            }
            [inserted, replaced]
        })
    })
}

/// `parse_sip` reads a plain user or a missing userinfo without searching for the `@`; the
/// reading by the grammar's order (`parse_sip_general`) is the reference. Every octet value
/// is put in (and over) every position after the scheme of URIs of each form.
#[test]
fn sip_fast_paths_match_general_reading() {
    let bases: &[(&str, SchemeKind, usize)] = &[
        ("sip:alice@atlanta.example.com", SchemeKind::Sip, 4),
        ("sip:proxy2.biloxi.example.com;lr", SchemeKind::Sip, 4),
        (
            "sips:a:pw@[2001:db8::1]:5061;transport=tcp?h=v",
            SchemeKind::Sips,
            5,
        ),
        ("sip:alice9@192.0.2.1:5060;x", SchemeKind::Sip, 4),
        ("sip:host", SchemeKind::Sip, 4),
        ("sip:+1-555@gw.example.net;user=phone", SchemeKind::Sip, 4),
        ("sip:%61lice@h;a%40=b?x=%40", SchemeKind::Sip, 4),
        ("sip:bob;x@h@i", SchemeKind::Sip, 4),
        ("sip:abcdefghijklmnop@q", SchemeKind::Sip, 4),
    ];
    let mut checked = 0;
    for &(base, scheme, at) in bases {
        for b in octet_edits(base, at) {
            assert_eq!(
                parse_sip(&b, scheme, at),
                parse_sip_general(&b, scheme, at),
                "{:?}",
                String::from_utf8_lossy(&b)
            );
            checked += 1;
        }
    }
    assert!(checked > 100_000);
    // The fast paths are taken, and agree with the parts the accessors report.
    let u = p("sip:alice@atlanta.example.com");
    assert_eq!((u.user(), u.password()), (Some("alice"), None));
    assert_eq!(p("sip:proxy.example.com;lr").user(), None);
    assert_eq!(p("sip:a.b@c").user(), Some("a.b"));
}

/// `Shape::of_bracketed` reads the URI after a `<` up to the first `>`; whenever it answers,
/// the `>` must be the first one and the shape what `Shape::of` finds in the text before
/// it. Every octet value is put in (and over) every position of name-addr tails.
#[test]
fn bracketed_reading_matches_shape_of_the_inner_text() {
    let bases = [
        "sip:alice@atlanta.example.com>;tag=9fxced76sl",
        "sip:proxy2.biloxi.example.com;lr>",
        "sips:a:pw@[2001:db8::1]:5061;transport=tcp?h=v>",
        "sip:alice9@192.0.2.1:5060;x>, <sip:b@c>",
        "sip:h>",
        "sip:+1-555@gw.example.net;user=phone>",
        "sip:%61lice@h;a%40=b>",
        "SIP:abcdefghijklmnop@q:0>",
    ];
    let mut answered = 0;
    for base in bases {
        for b in octet_edits(base, 0) {
            let Some((shape, end)) = Shape::of_bracketed(&b) else {
                continue;
            };
            let text = String::from_utf8_lossy(&b);
            assert_eq!(find_byte(&b, b'>'), Some(end), "{text:?}");
            assert_eq!(Shape::of(&b[..end]), Ok(shape), "{text:?}");
            let ws = |c: Option<&u8>| matches!(c, Some(b' ' | b'\t'));
            assert!(!ws(b.first()) && !ws(b[..end].last()), "{text:?}");
            answered += 1;
        }
    }
    assert!(answered > 20_000, "{answered}");
    // The common forms are answered; other users, headers and a missing '>' are left to
    // `Shape::of`.
    for (i, base) in bases.iter().enumerate() {
        assert_eq!(
            Shape::of_bracketed(base.as_bytes()).is_some(),
            [0, 1, 3, 4, 7].contains(&i),
            "{base}"
        );
    }
    assert_eq!(Shape::of_bracketed(b"sip:a@b?h=v>"), None);
    assert_eq!(Shape::of_bracketed(b"sip:a@b"), None);
    assert_eq!(Shape::of_bracketed(b"sip:a@b:5060"), None);
    assert_eq!(Shape::of_bracketed(b"tel:+1>"), None);
}

/// `sip_scheme` compares a word; the reference compares octet by octet, as RFC 3261
/// §19.1.1 reads (scheme names are case-insensitive). Every octet value at each of the
/// first five positions of `sip:` and `sips:` texts.
#[test]
fn sip_scheme_word_matches_octet_reading() {
    let reference = |b: &[u8]| match b {
        [s0, i, p, b':', ..] if s0 | 0x20 == b's' && i | 0x20 == b'i' && p | 0x20 == b'p' => {
            Some((SchemeKind::Sip, 4))
        }
        [s0, i, p, s1, b':', ..]
            if s0 | 0x20 == b's' && i | 0x20 == b'i' && p | 0x20 == b'p' && s1 | 0x20 == b's' =>
        {
            Some((SchemeKind::Sips, 5))
        }
        _ => None,
    };
    for base in [&b"sip:a@b"[..], b"sips:a@b", b"SiPs:", b"sip:", b"sips"] {
        for pos in 0..5 {
            for c in 0..=255u8 {
                let mut b = base.to_vec();
                match b.get_mut(pos) {
                    Some(o) => *o = c,
                    None => b.push(c),
                }
                assert_eq!(sip_scheme(&b), reference(&b), "{b:?}");
                b.truncate(pos);
                assert_eq!(sip_scheme(&b), reference(&b), "{b:?}");
            }
        }
    }
    assert_eq!(sip_scheme(b"SIP:x"), Some((SchemeKind::Sip, 4)));
    assert_eq!(sip_scheme(b"sIpS:x"), Some((SchemeKind::Sips, 5)));
}
