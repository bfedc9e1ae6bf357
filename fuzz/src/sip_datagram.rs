//! `sip_datagram`: one UDP datagram through [`Message::parse`].
//!
//! Invariants, for every datagram that parses:
//! - every typed accessor of [`Headers`] returns (Ok or Err) without panicking, and the
//!   documented guarantees hold: a parsed request's URI parses again, `body_bytes() == body()`,
//!   a Content-Length header equals the body length, and the index has `len()` lines;
//! - re-serializing (request or response builder, same start line, same header lines in
//!   order, same body) gives a datagram that parses, with the same method or status, the same
//!   body, and exactly the header lines written (the builder writes one Content-Length, and a
//!   Content-Type line when there is a body);
//! - serializing that second parse again gives the same bytes (a fixed point).

use bytes::Bytes;
use sip_proto::header::{CSeq, NameAddr, Via};
use sip_proto::message::{HeaderName, Headers, Limits, Message, RequestBuilder, ResponseBuilder};

/// Limits for re-parsing our own output: it may be a little longer than the input (`": "`
/// after each name, a Content-Length line), so the size and count limits are raised.
const REPARSE: Limits = Limits {
    max_message_size: 1 << 20,
    max_headers: 1024,
    max_body_size: 65_535,
};

/// Runs the target on one input.
pub fn check(data: &[u8]) {
    let Ok(msg) = Message::parse(Bytes::copy_from_slice(data)) else {
        return;
    };
    read_everything(&msg);
    let Some(first) = serialize(&msg) else {
        return;
    };
    let again = match Message::parse_with_limits(Bytes::from(first.bytes.clone()), &REPARSE) {
        Ok(m) => m,
        Err(e) => panic!(
            "re-serialized message does not parse: {e}\n--- written ---\n{}",
            String::from_utf8_lossy(&first.bytes)
        ),
    };
    match (&msg, &again) {
        (Message::Request(a), Message::Request(b)) => {
            assert_eq!(a.method(), b.method(), "method changed");
            assert_eq!(a.uri(), b.uri(), "Request-URI changed");
        }
        (Message::Response(a), Message::Response(b)) => {
            assert_eq!(a.status(), b.status(), "status changed");
            if !a.reason().is_empty() && a.reason_str().is_some() {
                assert_eq!(a.reason(), b.reason(), "reason phrase changed");
            }
        }
        _ => panic!("request/response kind changed on re-serialization"),
    }
    assert_eq!(msg.body(), again.body(), "body changed");
    let lines: Vec<(&[u8], &[u8])> = again.headers().iter_raw().collect();
    let expected: Vec<(&[u8], &[u8])> = first
        .lines
        .iter()
        .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
        .collect();
    assert_eq!(
        lines.len(),
        expected.len(),
        "header count differs from the lines written"
    );
    assert_eq!(
        lines, expected,
        "header lines differ from the lines written"
    );
    read_everything(&again);
    let second = serialize(&again).expect("a re-parsed message serializes");
    assert_eq!(
        String::from_utf8_lossy(&first.bytes),
        String::from_utf8_lossy(&second.bytes),
        "serialization is not a fixed point"
    );
}

/// A serialized message and the header lines it should parse back to.
struct Written {
    bytes: Vec<u8>,
    lines: Vec<(String, String)>,
}

/// Writes `msg` back with the crate's builders. `None` when a header value or the URI is not
/// UTF-8 (the builders take `&str`).
fn serialize(msg: &Message) -> Option<Written> {
    let h = msg.headers();
    let body = msg.body();
    let mut kept: Vec<(&str, &str)> = Vec::new();
    for (known, name, value) in h.iter_named() {
        let name = core::str::from_utf8(name).ok()?;
        let value = core::str::from_utf8(value).ok()?;
        match known {
            Some(HeaderName::ContentLength) => continue,
            Some(HeaderName::ContentType) if !body.is_empty() => continue,
            _ => kept.push((name, value)),
        }
    }
    let content_type = if body.is_empty() {
        None
    } else {
        Some(h.get(HeaderName::ContentType).unwrap_or(""))
    };
    let mut lines: Vec<(String, String)> = kept
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    if let Some(ct) = content_type {
        lines.push(("Content-Type".to_owned(), ct.to_owned()));
    }
    lines.push(("Content-Length".to_owned(), body.len().to_string()));

    let mut out = Vec::new();
    let written = match msg {
        Message::Request(r) => {
            let mut b = RequestBuilder::new(r.method().clone(), r.uri());
            for (n, v) in &kept {
                b = b.header_named(n, v);
            }
            if let Some(ct) = content_type {
                b = b.body(ct, body);
            }
            b.write(&mut out)
        }
        Message::Response(r) => {
            let reason = r.reason_str().unwrap_or("");
            let mut b = ResponseBuilder::new(r.status(), reason);
            for (n, v) in &kept {
                b = b.header_named(n, v);
            }
            if let Some(ct) = content_type {
                b = b.body(ct, body);
            }
            b.write(&mut out)
        }
    };
    if let Err(e) = written {
        panic!("the builder refuses a message the parser accepted: {e}");
    }
    Some(Written { bytes: out, lines })
}

/// Calls every accessor of a parsed message; results are ignored, panics are the finding.
fn read_everything(msg: &Message) {
    let h = msg.headers();
    assert_eq!(h.iter_raw().count(), h.len());
    assert_eq!(h.iter_named().count(), h.len());
    assert!(h.iter().count() <= h.len());
    read_headers(h);
    let _ = msg.validate();
    match msg {
        Message::Request(r) => {
            let _ = r.check_mandatory();
            let uri = r.uri_parsed();
            assert!(
                uri.is_ok(),
                "a parsed request's URI must parse again: {:?} {uri:?}",
                r.uri()
            );
            assert_eq!(r.body_bytes().as_ref(), r.body());
            let _ = r.method().as_str();
        }
        Message::Response(r) => {
            assert!((100..=699).contains(&r.status()));
            assert_eq!(r.body_bytes().as_ref(), r.body());
            let _ = r.reason_str();
        }
    }
    if let Ok(Some(n)) = h.content_length() {
        assert_eq!(
            n as usize,
            msg.body().len(),
            "Content-Length frames the body"
        );
    }
}

fn read_headers(h: &Headers) {
    let _ = h.call_id();
    if let Ok(c) = h.cseq() {
        let _ = (c.seq, c.method.as_str(), c.as_str());
    }
    // The parser keeps what it read of a lone common CSeq line; reading the first line's
    // text afresh must agree, error for error.
    if let Some(text) = h.get(HeaderName::CSeq) {
        assert_eq!(h.cseq(), CSeq::parse(text), "cseq() vs CSeq::parse");
    }
    for via in h.vias().flatten() {
        let _ = (via.as_str(), via.protocol_name(), via.protocol_version());
        let _ = (via.transport(), via.host(), via.sent_by_host(), via.port());
        let _ = (
            via.branch(),
            via.received(),
            via.rport(),
            via.maddr(),
            via.ttl(),
        );
        let _ = via.params().count();
        let _ = via.params_raw();
        let _ = via.sent_by_host().to_string();
    }
    let _ = h.top_via();
    // The typed lists are read in one pass; they must agree with splitting the list first
    // and parsing each element, error for error.
    let split_vias: Vec<_> = h
        .list(HeaderName::Via)
        .map(|e| e.and_then(Via::parse))
        .collect();
    assert_eq!(
        h.vias().collect::<Vec<_>>(),
        split_vias,
        "vias() vs list(Via)"
    );
    for (name, header) in [
        (HeaderName::Route, "Route"),
        (HeaderName::RecordRoute, "Record-Route"),
    ] {
        let split: Vec<_> = h
            .list(name)
            .map(|e| e.and_then(|s| NameAddr::parse(header, s)))
            .collect();
        let one_pass: Vec<_> = match name {
            HeaderName::Route => h.routes().collect(),
            _ => h.record_routes().collect(),
        };
        assert_eq!(one_pass, split, "{header}: one pass vs list()");
    }
    for addr in [h.from(), h.to()].into_iter().flatten() {
        read_name_addr(&addr);
    }
    for addr in h
        .contacts()
        .chain(h.routes())
        .chain(h.record_routes())
        .flatten()
    {
        read_name_addr(&addr);
    }
    let _ = h.contact();
    let _ = h.contact_is_wildcard();
    let _ = h.max_forwards();
    let _ = h.content_length();
    let _ = h.expires();
    let _ = h.date();
    let _ = h.content_type();
    for name in [
        HeaderName::Allow,
        HeaderName::Supported,
        HeaderName::Require,
        HeaderName::ProxyRequire,
        HeaderName::Unsupported,
    ] {
        let _ = h.tokens(name).count();
    }
    for (name, _) in h.iter() {
        assert!(
            h.get_named(name).is_some(),
            "get_named({name:?}) misses a header iter() lists"
        );
    }
}

fn read_name_addr(a: &sip_proto::NameAddr<'_>) {
    let _ = (a.as_str(), a.display_name(), a.display_name_is_quoted());
    let _ = (a.uri_str(), a.is_bracketed(), a.tag(), a.params_raw());
    let _ = a.params().count();
    let _ = a.param("tag");
    assert_eq!(a.uri().as_str(), a.uri_str());
}
