//! Messages in the style of the RFC 3261 §24 call flows, read field by field.

use bytes::Bytes;
use sip_proto::message::{HeaderName, Message, Method, ResponseBuilder};
use sip_proto::uri::Host;
use std::net::Ipv4Addr;

fn parse(s: &'static [u8]) -> Message {
    Message::parse_strict(Bytes::from_static(s)).unwrap()
}

#[test]
fn register_and_its_200() {
    let reg = parse(
        b"REGISTER sip:registrar.biloxi.com SIP/2.0\r\n\
Via: SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashds7\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@biloxi.com>\r\n\
From: Bob <sip:bob@biloxi.com>;tag=456248\r\n\
Call-ID: 843817637684230@998sdasdh09\r\n\
CSeq: 1826 REGISTER\r\n\
Contact: <sip:bob@192.0.2.4>\r\n\
Expires: 7200\r\n\
Content-Length: 0\r\n\r\n",
    );
    let r = reg.as_request().unwrap();
    assert_eq!(r.method(), &Method::Register);
    let h = reg.headers();
    let via = h.top_via().unwrap();
    assert_eq!((via.host(), via.port()), ("bobspc.biloxi.com", Some(5060)));
    assert_eq!(h.expires(), Ok(Some(7200)));
    let c = h.contact().unwrap().unwrap();
    assert_eq!(
        c.uri().host(),
        Some(Host::Ipv4(Ipv4Addr::new(192, 0, 2, 4)))
    );
    assert!(r.check_mandatory().is_ok());

    let mut out = Vec::new();
    ResponseBuilder::from_request(r, 200, "OK")
        .to_tag("2493k59kd")
        .header(HeaderName::Contact, "<sip:bob@192.0.2.4>")
        .header(HeaderName::Expires, "7200")
        .write(&mut out)
        .unwrap();
    let ok = Message::parse_strict(Bytes::from(out)).unwrap();
    assert_eq!(
        ok.headers().to().unwrap().as_str(),
        "Bob <sip:bob@biloxi.com>;tag=2493k59kd"
    );
    assert_eq!(
        ok.headers().from().unwrap().tag(),
        reg.headers().from().unwrap().tag()
    );
    assert_eq!(ok.headers().cseq().unwrap().method, Method::Register);
}

#[test]
fn ringing_through_a_proxy() {
    let m = parse(
        b"SIP/2.0 180 Ringing\r\n\
Via: SIP/2.0/UDP server10.biloxi.com;branch=z9hG4bK4b43c2ff8.1;received=192.0.2.3\r\n\
Via: SIP/2.0/UDP bigbox3.site3.atlanta.com;branch=z9hG4bK77ef4c2312983.1;received=192.0.2.2\r\n\
Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8;received=192.0.2.1\r\n\
Record-Route: <sip:server10.biloxi.com;lr>\r\n\
Record-Route: <sip:bigbox3.site3.atlanta.com;lr>\r\n\
To: Bob <sip:bob@biloxi.com>;tag=a6c85cf\r\n\
From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710\r\n\
Contact: <sip:bob@192.0.2.4>\r\n\
CSeq: 314159 INVITE\r\n\
Content-Length: 0\r\n\r\n",
    );
    let r = m.as_response().unwrap();
    assert_eq!((r.status(), r.reason()), (180, &b"Ringing"[..]));
    let h = m.headers();
    let received: Vec<_> = h.vias().map(|v| v.unwrap().received().unwrap()).collect();
    assert_eq!(received, ["192.0.2.3", "192.0.2.2", "192.0.2.1"]);
    let rr: Vec<_> = h
        .record_routes()
        .map(|r| {
            let r = r.unwrap();
            assert!(r.uri().lr());
            r.uri().host().unwrap().to_string()
        })
        .collect();
    assert_eq!(rr, ["server10.biloxi.com", "bigbox3.site3.atlanta.com"]);
    assert_eq!(h.to().unwrap().tag(), Some("a6c85cf"));
    assert_eq!(h.cseq().unwrap().seq, 314159);
}

#[test]
fn bye_with_routes_and_compact_headers() {
    let m = parse(
        b"BYE sip:alice@pc33.atlanta.com SIP/2.0\r\n\
v: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds10\r\n\
Max-Forwards: 70\r\n\
Route: <sip:server10.biloxi.com;lr>,<sip:bigbox3.site3.atlanta.com;lr>\r\n\
f: Bob <sip:bob@biloxi.com>;tag=a6c85cf\r\n\
t: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n\
i: a84b4c76e66710\r\n\
CSeq: 231 BYE\r\n\
l: 0\r\n\r\n",
    );
    let h = m.headers();
    assert_eq!(h.routes().count(), 2);
    assert_eq!(h.from().unwrap().display_name(), Some("Bob"));
    assert_eq!(h.to().unwrap().uri().user(), Some("alice"));
    assert_eq!(h.call_id(), Ok("a84b4c76e66710"));
    assert_eq!(h.content_length(), Ok(Some(0)));
    assert_eq!(m.body(), b"");
}
