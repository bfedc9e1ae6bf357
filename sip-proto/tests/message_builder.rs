//! Writing messages: exact bytes, RFC 3261 §8.2.6 copying, caller-error checks.

use bytes::Bytes;
use sip_proto::message::{
    reason_phrase, BuildError, HeaderName, Message, Method, RequestBuilder, ResponseBuilder,
};

const REQ: &[u8] = b"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKnashds8 ; received=192.0.2.3\r\n\
v: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKxx, SIP/2.0/TCP h;branch=z9hG4bKyy\r\n\
Max-Forwards: 69\r\n\
To: Bob\r\n <sip:bob@biloxi.example.com>\r\n\
f: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710\r\n\
CSeq: 314159 INVITE\r\n\
Record-Route: <sip:proxy.example.com;lr>\r\n\
Timestamp: 54\r\n\
Content-Length: 0\r\n\r\n";

fn req() -> Message {
    Message::parse(Bytes::from_static(REQ)).unwrap()
}

#[test]
fn response_copies_headers_exactly() {
    let m = req();
    let r = m.as_request().unwrap();
    let mut out = Vec::new();
    ResponseBuilder::from_request(r, 180, "Ringing")
        .to_tag("a6c85cf")
        .header(HeaderName::Contact, "<sip:bob@192.0.2.4>")
        .write(&mut out)
        .unwrap();
    assert_eq!(
        String::from_utf8(out.clone()).unwrap(),
        "SIP/2.0 180 Ringing\r\n\
Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKnashds8 ; received=192.0.2.3\r\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKxx, SIP/2.0/TCP h;branch=z9hG4bKyy\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
To: Bob   <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n\
Call-ID: a84b4c76e66710\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:bob@192.0.2.4>\r\n\
Content-Length: 0\r\n\r\n"
    );
    // And it parses back with the same values.
    let resp = Message::parse(Bytes::from(out)).unwrap();
    let h = resp.headers();
    assert_eq!(h.vias().count(), 3);
    assert_eq!(h.to().unwrap().tag(), Some("a6c85cf"));
    assert_eq!(h.cseq().unwrap().seq, 314159);
    assert_eq!(resp.as_response().unwrap().status(), 180);
    assert_eq!(h.get(HeaderName::RecordRoute), None);
}

#[test]
fn trying_copies_timestamp_and_keeps_existing_tag() {
    let m = Message::parse(Bytes::from_static(
        b"BYE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:a@b>;tag=x\r\n\
From: <sip:c@d>;tag=y\r\nCall-ID: c\r\nCSeq: 1 BYE\r\nTimestamp: 54\r\n\r\n",
    ))
    .unwrap();
    let mut out = Vec::new();
    ResponseBuilder::from_request(m.as_request().unwrap(), 100, "")
        .to_tag("zzz")
        .write(&mut out)
        .unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "SIP/2.0 100 Trying\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:c@d>;tag=y\r\n\
To: <sip:a@b>;tag=x\r\nCall-ID: c\r\nCSeq: 1 BYE\r\nTimestamp: 54\r\nContent-Length: 0\r\n\r\n"
    );
}

#[test]
fn request_builder_exact_bytes() {
    let mut out = b"prefix".to_vec();
    RequestBuilder::new(Method::Invite, "sip:bob@biloxi.example.com")
        .header(
            HeaderName::Via,
            "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds",
        )
        .header(HeaderName::MaxForwards, "70")
        .header(HeaderName::To, "Bob <sip:bob@biloxi.example.com>")
        .header(
            HeaderName::From,
            "Alice <sip:alice@atlanta.example.com>;tag=1928301774",
        )
        .header(
            HeaderName::CallId,
            "a84b4c76e66710@pc33.atlanta.example.com",
        )
        .header(HeaderName::CSeq, "314159 INVITE")
        .header(HeaderName::ContentLength, "999")
        .header_named("X-Custom", "yes")
        .body("application/sdp", b"v=0\r\n")
        .write(&mut out)
        .unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "prefixINVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n\
CSeq: 314159 INVITE\r\n\
X-Custom: yes\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 5\r\n\r\nv=0\r\n"
    );
}

#[test]
fn builder_refuses_injection() {
    let mut out = b"keep".to_vec();
    let e = RequestBuilder::new(Method::Options, "sip:a@b")
        .header(HeaderName::Subject, "hi\r\nVia: evil")
        .write(&mut out)
        .unwrap_err();
    assert_eq!(e, BuildError::HeaderValue);
    assert_eq!(out, b"keep", "nothing half-written");
    assert_eq!(
        RequestBuilder::new(Method::Options, "sip:a@b c")
            .write(&mut out)
            .unwrap_err(),
        BuildError::RequestUri
    );
    assert_eq!(
        RequestBuilder::new(Method::Options, "sip:a@b")
            .header_named("Bad Name", "x")
            .write(&mut out)
            .unwrap_err(),
        BuildError::HeaderName
    );
    assert_eq!(
        ResponseBuilder::new(700, "x").write(&mut out).unwrap_err(),
        BuildError::Status
    );
    assert_eq!(
        ResponseBuilder::new(200, "O\nK")
            .write(&mut out)
            .unwrap_err(),
        BuildError::Reason
    );
    assert!(BuildError::HeaderValue.to_string().contains("RFC 3261"));
}

#[test]
fn blank_response_and_reasons() {
    let mut out = Vec::new();
    ResponseBuilder::new(486, "")
        .body("text/plain", b"busy")
        .write(&mut out)
        .unwrap();
    assert_eq!(
        out,
        b"SIP/2.0 486 Busy Here\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nbusy"
    );
    assert_eq!(reason_phrase(200), "OK");
    assert_eq!(reason_phrase(481), "Call/Transaction Does Not Exist");
    assert_eq!(reason_phrase(505), "Version Not Supported");
    assert_eq!(reason_phrase(299), "");
}

#[test]
fn answering_a_broken_request_with_400() {
    // Max-Forwards 300 breaks the request, yet the 400 can still be built from it.
    let e = Message::parse(Bytes::from_static(
        b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK9\r\nMax-Forwards: 300\r\n\
To: <sip:a@b>\r\nFrom: <sip:c@d>;tag=f\r\nCall-ID: broken\r\nCSeq: 5 OPTIONS\r\n\r\n",
    ))
    .unwrap_err();
    assert_eq!(e.status_code(), 400);
    let req = e.partial_request().unwrap();
    let reason = e.to_string();
    let mut out = Vec::new();
    ResponseBuilder::from_request(req, e.status_code(), "Bad Request")
        .to_tag("t")
        .header(HeaderName::Other("Warning"), "399 - \"bad Max-Forwards\"")
        .write(&mut out)
        .unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "SIP/2.0 400 Bad Request\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK9\r\nFrom: <sip:c@d>;tag=f\r\n\
To: <sip:a@b>;tag=t\r\nCall-ID: broken\r\nCSeq: 5 OPTIONS\r\nWarning: 399 - \"bad Max-Forwards\"\r\n\
Content-Length: 0\r\n\r\n"
    );
    assert!(reason.contains("Max-Forwards"));
}
