//! Parsing behaviour of `Message::parse` and the `Headers` index, value by value.

use bytes::Bytes;
use sip_proto::header::HeaderError;
use sip_proto::message::{HeaderName, Limits, Message, Method, ParseErrorKind};

fn parse(s: &[u8]) -> Message {
    match Message::parse(Bytes::copy_from_slice(s)) {
        Ok(m) => m,
        Err(e) => panic!("{}: {e}", String::from_utf8_lossy(s)),
    }
}

fn kind(s: &[u8]) -> ParseErrorKind {
    *Message::parse(Bytes::copy_from_slice(s))
        .unwrap_err()
        .kind()
}

const BASE: &[u8] = b"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:alice@pc33.atlanta.example.com>\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 4\r\n\
\r\n\
v=0\n";

#[test]
fn rfc3261_example_invite() {
    let m = parse(BASE);
    let r = m.as_request().unwrap();
    assert_eq!(r.method(), &Method::Invite);
    assert_eq!(r.uri(), "sip:bob@biloxi.example.com");
    let h = m.headers();
    assert_eq!(h.len(), 9);
    assert_eq!(h.get(HeaderName::MaxForwards), Some("70"));
    assert_eq!(h.max_forwards(), Ok(Some(70)));
    assert_eq!(h.content_length(), Ok(Some(4)));
    assert_eq!(h.content_type(), Some("application/sdp"));
    assert_eq!(h.call_id(), Ok("a84b4c76e66710@pc33.atlanta.example.com"));
    let cseq = h.cseq().unwrap();
    assert_eq!((cseq.seq, cseq.method), (314159, Method::Invite));
    assert_eq!(h.to().unwrap().display_name(), Some("Bob"));
    assert_eq!(h.to().unwrap().tag(), None);
    assert_eq!(h.from().unwrap().tag(), Some("1928301774"));
    assert_eq!(
        h.contact().unwrap().unwrap().uri_str(),
        "sip:alice@pc33.atlanta.example.com"
    );
    assert_eq!(h.top_via().unwrap().host(), "pc33.atlanta.example.com");
    assert_eq!(m.body(), b"v=0\n");
    assert_eq!(m.bytes().len(), BASE.len());
    assert!(m.validate().is_ok());
    assert!(r.check_mandatory().is_ok());
    let names: Vec<_> = h.iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "Via",
            "Max-Forwards",
            "To",
            "From",
            "Call-ID",
            "CSeq",
            "Contact",
            "Content-Type",
            "Content-Length"
        ]
    );
}

#[test]
fn compact_forms_and_case() {
    let m = parse(
        b"OPTIONS sip:a@b.com SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\nVIA: SIP/2.0/TCP h2;branch=z9hG4bK2\r\n\
t: <sip:a@b.com>\r\nf: <sip:c@d.com>;tag=9\r\ni: cid\r\ncseq: 1 OPTIONS\r\nm: <sip:c@h>\r\nl: 0\r\nk: 100rel, timer\r\nSupported: path\r\n\r\n",
    );
    let h = m.headers();
    assert_eq!(h.get_all(HeaderName::Via).count(), 2);
    assert_eq!(h.vias().count(), 2);
    assert_eq!(h.get(HeaderName::CallId), Some("cid"));
    assert_eq!(h.get_named("call-id"), Some("cid"));
    assert_eq!(h.get_named("I"), Some("cid"));
    assert_eq!(h.get(HeaderName::Other("Call-ID")), Some("cid"));
    assert_eq!(
        h.tokens(HeaderName::Supported).collect::<Vec<_>>(),
        ["100rel", "timer", "path"]
    );
    // iter gives names as written.
    assert_eq!(
        h.iter().next(),
        Some(("v", "SIP/2.0/UDP h;branch=z9hG4bK1"))
    );
}

#[test]
fn folding_and_whitespace() {
    let m = parse(
        b"OPTIONS sip:a@b.com SIP/2.0\r\nSubject :  first\r\n\tsecond  \r\n   third\r\nX-Empty:\r\nX-Sp:   \r\nl:0\r\n\r\n",
    );
    let h = m.headers();
    assert_eq!(
        h.get(HeaderName::Subject),
        Some("first  \tsecond       third")
    );
    assert_eq!(h.get_named("x-empty"), Some(""));
    assert_eq!(h.get_named("X-Sp"), Some(""));
    assert_eq!(h.get_named("X-Missing"), None);
    // The datagram itself is untouched.
    assert!(m
        .bytes()
        .starts_with(b"OPTIONS sip:a@b.com SIP/2.0\r\nSubject :  first\r\n\tsecond"));
}

#[test]
fn multi_valued_headers() {
    let m = parse(
        b"BYE sip:a@b.com SIP/2.0\r\nVia: SIP/2.0/UDP a.com;branch=z9hG4bK1, SIP/2.0/UDP b.com;x=\"p,q\"\r\nVia: SIP/2.0/UDP c.com\r\n\
Route: <sip:p1.com;lr>, \"Q, R\" <sip:p2.com;lr>\r\nRecord-Route: <sip:r1.com;lr>\r\nCSeq: 2 BYE\r\n\r\n",
    );
    let h = m.headers();
    let hosts: Vec<_> = h.vias().map(|v| v.unwrap().host()).collect();
    assert_eq!(hosts, ["a.com", "b.com", "c.com"]);
    assert_eq!(
        h.vias().nth(1).unwrap().unwrap().param("x"),
        Some(Some("p,q"))
    );
    let routes: Vec<_> = h.routes().map(|r| r.unwrap().uri_str()).collect();
    assert_eq!(routes, ["sip:p1.com;lr", "sip:p2.com;lr"]);
    assert_eq!(
        h.routes().nth(1).unwrap().unwrap().display_name(),
        Some("Q, R")
    );
    assert_eq!(h.record_routes().count(), 1);
}

#[test]
fn contact_wildcard_and_missing() {
    let m = parse(
        b"REGISTER sip:r.com SIP/2.0\r\nContact: *\r\nExpires: 0\r\nCSeq: 3 REGISTER\r\n\r\n",
    );
    let h = m.headers();
    assert!(h.contact_is_wildcard());
    assert_eq!(h.contact(), Ok(None));
    assert_eq!(h.expires(), Ok(Some(0)));
    assert_eq!(
        h.from().unwrap_err(),
        HeaderError::Missing { header: "From" }
    );
    assert_eq!(
        h.top_via().unwrap_err(),
        HeaderError::Missing { header: "Via" }
    );
    assert_eq!(h.max_forwards(), Ok(None));
    assert!(m.validate().is_ok());
}

#[test]
fn body_framing() {
    // Trailing octets past Content-Length are discarded (RFC 3261 §18.3).
    let m = parse(b"MESSAGE sip:a@b.com SIP/2.0\r\nContent-Length: 2\r\n\r\nhello");
    assert_eq!(m.body(), b"he");
    // No Content-Length: the rest of the datagram.
    let m = parse(b"MESSAGE sip:a@b.com SIP/2.0\r\n\r\nhello");
    assert_eq!(m.body(), b"hello");
    // Equal duplicates are fine.
    let m = parse(b"MESSAGE sip:a@b.com SIP/2.0\r\nl: 5\r\nContent-Length: 5\r\n\r\nhello");
    assert_eq!(m.body(), b"hello");
    assert_eq!(
        kind(b"MESSAGE sip:a@b.com SIP/2.0\r\nContent-Length: 6\r\n\r\nhello"),
        ParseErrorKind::BodyTruncated {
            declared: 6,
            available: 5
        }
    );
    assert!(matches!(
        kind(b"MESSAGE sip:a@b.com SIP/2.0\r\nContent-Length: 99999999999\r\n\r\n"),
        ParseErrorKind::Header(HeaderError::Overflow { .. })
    ));
    assert!(matches!(
        kind(b"MESSAGE sip:a@b.com SIP/2.0\r\nContent-Length: 1x\r\n\r\nh"),
        ParseErrorKind::Header(HeaderError::Syntax { .. })
    ));
}

#[test]
fn leading_crlf_and_empty() {
    let m = parse(b"\r\n\r\nOPTIONS sip:a@b.com SIP/2.0\r\n\r\n");
    assert_eq!(m.as_request().unwrap().method(), &Method::Options);
    assert_eq!(kind(b"\r\n\r\n"), ParseErrorKind::Empty);
    assert_eq!(kind(b""), ParseErrorKind::Empty);
}

#[test]
fn start_line_errors() {
    let cases: &[(&[u8], &str)] = &[
        (b"OPTIONS sip:a@b.com SIP/2.0", "headers not terminated"),
        (b"OPTIONS sip:a@b.com SIP/2.0\r\n", "headers not terminated"),
        (
            b"OPTIONS sip:a@b.com SIP/2.0\n\n",
            "start line must end with CRLF",
        ),
        (b"OPTIONS sip:a@b.com\r\n\r\n", "Request-Line must be"),
        (
            b"OPT(IONS sip:a@b.com SIP/2.0\r\n\r\n",
            "Method must be a token",
        ),
        (
            b"OPTIONS sip:a@b.com HTTP/1.1\r\n\r\n",
            "malformed SIP-Version",
        ),
        (b"OPTIONS sip:a@b.com SIP/2.0\r\n\r\n\r\n", ""),
        (b"OPTIONS a@b.com SIP/2.0\r\n\r\n", "URI scheme missing"),
        (b"SIP/2.0 99 Low\r\n\r\n", "exactly 3 digits"),
        (b"SIP/2.0 099 Low\r\n\r\n", "within 100-699"),
        (b"SIP/2.0 700 High\r\n\r\n", "within 100-699"),
        (b"SIP/2.0 20 OK\r\n\r\n", "exactly 3 digits"),
        (b"SIP/2.0 2000 OK\r\n\r\n", "exactly 3 digits"),
        (b"SIP/3.0 200 OK\r\n\r\n", "not SIP/2.0"),
        (b"SIP/2.0\r\n\r\n", "Status-Line must be"),
    ];
    for (msg, want) in cases {
        match Message::parse(Bytes::copy_from_slice(msg)) {
            Ok(_) if want.is_empty() => {}
            Ok(_) => panic!("{:?} accepted", String::from_utf8_lossy(msg)),
            Err(e) => assert!(
                e.to_string().contains(want),
                "{:?}: {e}",
                String::from_utf8_lossy(msg)
            ),
        }
    }
    // Lower-case version is accepted (RFC 3261 §7.1: case-insensitive).
    parse(b"OPTIONS sip:a@b.com sip/2.0\r\n\r\n");
    let m = parse(b"SIP/2.0 180 Ringing\r\n\r\n");
    assert_eq!(m.as_response().unwrap().reason_str(), Some("Ringing"));
}

#[test]
fn header_line_errors() {
    assert_eq!(
        kind(b"OPTIONS sip:a@b.com SIP/2.0\r\nNoColon\r\n\r\n"),
        ParseErrorKind::HeaderLine("header line lacks ':' after its name (RFC 3261 §7.3 HCOLON)")
    );
    assert!(matches!(
        kind(b"OPTIONS sip:a@b.com SIP/2.0\r\n: empty name\r\n\r\n"),
        ParseErrorKind::HeaderLine(_)
    ));
    assert!(matches!(
        kind(b"OPTIONS sip:a@b.com SIP/2.0\r\n folded-first: x\r\n\r\n"),
        ParseErrorKind::HeaderLine(_)
    ));
    assert!(matches!(
        kind(b"OPTIONS sip:a@b.com SIP/2.0\r\nA: b\nC: d\r\n\r\n"),
        ParseErrorKind::HeaderLine(_)
    ));
    assert!(matches!(
        kind(b"OPTIONS sip:a@b.com SIP/2.0\r\nA: b\rC: d\r\n\r\n"),
        ParseErrorKind::HeaderLine(_)
    ));
}

#[test]
fn parse_time_scalar_checks() {
    for (msg, want) in [
        (
            &b"OPTIONS sip:a@b.com SIP/2.0\r\nMax-Forwards: 256\r\n\r\n"[..],
            "0..=255",
        ),
        (
            b"OPTIONS sip:a@b.com SIP/2.0\r\nExpires: 4294967296\r\n\r\n",
            "2^32-1",
        ),
        (
            b"OPTIONS sip:a@b.com SIP/2.0\r\nCSeq: 4294967296 OPTIONS\r\n\r\n",
            "32 bits",
        ),
        (
            b"OPTIONS sip:a@b.com SIP/2.0\r\nCSeq: 1 options\r\n\r\n",
            "CSeq method differs",
        ),
        (b"OPTIONS sip:a@b.com SIP/2.0\r\nCSeq: 1\r\n\r\n", "CSeq"),
    ] {
        let e = Message::parse(Bytes::from_static(msg)).unwrap_err();
        assert!(e.to_string().contains(want), "{e}");
        assert_eq!(e.status_code(), 400);
    }
    // An RFC 2543 date in Expires is left to the typed accessor.
    let m = parse(b"OPTIONS sip:a@b.com SIP/2.0\r\nExpires: Thu, 01 Dec 1994 16:00:00 GMT\r\n\r\n");
    assert!(m.headers().expires().is_err());
}

#[test]
fn limits() {
    let small = Limits {
        max_message_size: 40,
        ..Limits::default()
    };
    let e = Message::parse_with_limits(Bytes::from_static(BASE), &small).unwrap_err();
    assert_eq!(e.kind(), &ParseErrorKind::MessageTooLarge { limit: 40 });
    assert_eq!(e.status_code(), 513);
    let few = Limits {
        max_headers: 3,
        ..Limits::default()
    };
    let e = Message::parse_with_limits(Bytes::from_static(BASE), &few).unwrap_err();
    assert_eq!(e.kind(), &ParseErrorKind::TooManyHeaders { limit: 3 });
    let tiny_body = Limits {
        max_body_size: 3,
        ..Limits::default()
    };
    let e = Message::parse_with_limits(Bytes::from_static(BASE), &tiny_body).unwrap_err();
    assert_eq!(e.status_code(), 413);
    assert_eq!(
        e.partial_request().unwrap().headers().call_id(),
        Ok("a84b4c76e66710@pc33.atlanta.example.com")
    );
}

#[test]
fn non_utf8_values_stay_reachable() {
    let m = parse(b"MESSAGE sip:a@b.com SIP/2.0\r\nSubject: caf\xe9\r\nFrom: \"Jos\xe9\" <sip:j@h>;tag=1\r\n\r\n");
    let h = m.headers();
    assert_eq!(h.get(HeaderName::Subject), None);
    assert_eq!(h.get_raw(HeaderName::Subject), Some(&b"caf\xe9"[..]));
    assert_eq!(h.iter().count(), 0);
    assert_eq!(h.iter_raw().count(), 2);
    assert_eq!(
        h.from().unwrap_err(),
        HeaderError::NotUtf8 { header: "From" }
    );
    assert!(m.validate().is_err());
}

#[test]
fn write_back_canonical() {
    let m = parse(b"INVITE sip:a@b.com SIP/2.0\r\nSubject:  x\r\n y\r\nl: 3\r\n\r\nabcdef");
    let mut out = Vec::new();
    m.write(&mut out);
    assert_eq!(
        out,
        b"INVITE sip:a@b.com SIP/2.0\r\nSubject: x   y\r\nl: 3\r\n\r\nabc"
    );
    let m = parse(b"SIP/2.0 404 Not Here\r\nContent-Length: 0\r\n\r\n");
    out.clear();
    m.write(&mut out);
    assert_eq!(out, b"SIP/2.0 404 Not Here\r\nContent-Length: 0\r\n\r\n");
}

#[test]
fn extension_method_shares_the_buffer() {
    let m = parse(b"FOO sip:a@b.com SIP/2.0\r\nCSeq: 7 FOO\r\n\r\n");
    let r = m.as_request().unwrap();
    assert_eq!(r.method().as_str(), "FOO");
    assert_eq!(m.headers().cseq().unwrap().method, *r.method());
    assert_eq!(r.method().to_string(), "FOO");
}

#[test]
fn continuation_of_a_refused_line_is_not_glued_to_the_previous_header() {
    let e = Message::parse(Bytes::from_static(
        b"OPTIONS sip:a@b.com SIP/2.0\r\nCall-ID: good\r\nBroken line\r\n more broken\r\nCSeq: 1 OPTIONS\r\n\r\n",
    ))
    .unwrap_err();
    let req = e.partial_request().unwrap();
    assert_eq!(req.headers().call_id(), Ok("good"));
    assert_eq!(req.headers().len(), 2);
    assert_eq!(req.headers().cseq().unwrap().seq, 1);
}

#[test]
fn parse_strict_refuses_what_validate_refuses() {
    let msg =
        b"INVITE sip:a@b.com SIP/2.0\r\nCall-ID: one\r\nCall-ID: two\r\nCSeq: 1 INVITE\r\n\r\n";
    assert!(Message::parse(Bytes::from_static(msg)).is_ok());
    let e = Message::parse_strict(Bytes::from_static(msg)).unwrap_err();
    assert_eq!(
        e.kind(),
        &ParseErrorKind::Header(HeaderError::Conflicting { header: "Call-ID" })
    );
    assert_eq!(e.status_code(), 400);
    assert_eq!(e.partial_request().unwrap().headers().call_id(), Ok("one"));
    // Same value twice is not a conflict.
    let msg = b"INVITE sip:a@b.com SIP/2.0\r\nCall-ID: one\r\ni: one\r\nCSeq: 1 INVITE\r\n\r\n";
    assert!(Message::parse_strict(Bytes::from_static(msg)).is_ok());
}

#[test]
fn headers_debug_shows_pairs() {
    let m = parse(b"OPTIONS sip:a@b.com SIP/2.0\r\nl: 0\r\nX: y\r\n\r\n");
    assert_eq!(format!("{:?}", m.headers()), r#"[("l", "0"), ("X", "y")]"#);
}

#[test]
fn reliable_provisional_headers_and_allow() {
    let m = parse(
        b"PRACK sip:a@b.com SIP/2.0\r\nRAck: 776656 1 INVITE\r\nRSeq: 5\r\n\
Allow: INVITE, ACK,PRACK , x-custom\r\nAllow: UPDATE\r\nCSeq: 2 PRACK\r\n\r\n",
    );
    let h = m.headers();
    let r = h.rack().unwrap().unwrap();
    assert_eq!((r.rseq, r.cseq, r.method), (776656, 1, Method::Invite));
    assert_eq!(h.rseq(), Ok(Some(5)));
    let allow: Vec<_> = h.allow().map(|m| m.to_string()).collect();
    assert_eq!(allow, ["INVITE", "ACK", "PRACK", "x-custom", "UPDATE"]);
    assert!(m.validate().is_ok());
    let m = parse(b"PRACK sip:a@b.com SIP/2.0\r\nRAck: 1 INVITE\r\n\r\n");
    assert!(m.headers().rack().is_err());
    assert!(m.validate().is_err());
}
