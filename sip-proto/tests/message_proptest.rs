//! Property tests: builder → parser round trips, write-back fixed points, and no panic on
//! random or mutated input.

// proptest's `prop_oneof!` expands to an `Arc`; the no-shared-state rule is for the cores'
// own code, not for test strategies.
#![allow(clippy::disallowed_types)]

use std::fs;
use std::path::PathBuf;

use bytes::Bytes;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use sip_proto::message::{
    frame_stream, Framing, HeaderName, Limits, Message, Method, RequestBuilder, ResponseBuilder,
    StreamFramer,
};

fn corpus_files() -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/rfc4475");
    let mut files = Vec::new();
    for sub in [dir.clone(), dir.join("extra"), dir.join("rfc5118")] {
        let Ok(rd) = fs::read_dir(&sub) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if p.is_file()
                && !name.ends_with(".tsv")
                && !name.ends_with(".txt")
                && name != "SHA256SUMS"
            {
                files.push(fs::read(&p).unwrap());
            }
        }
    }
    files.sort();
    assert!(files.len() >= 60, "corpus found");
    files
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::Invite),
        Just(Method::Ack),
        Just(Method::Bye),
        Just(Method::Cancel),
        Just(Method::Options),
        Just(Method::Register),
        Just(Method::Prack),
        Just(Method::Update),
        Just(Method::Info),
        Just(Method::Message),
        Just(Method::Refer),
        Just(Method::Subscribe),
        Just(Method::Notify),
        Just(Method::Publish),
        "[A-Za-z!%*_+`'~.-][A-Za-z0-9!%*_+`'~.-]{0,12}".prop_map(|s| s.parse::<Method>().unwrap()),
    ]
}

fn request_uri() -> impl Strategy<Value = String> {
    (
        prop_oneof![Just("sip"), Just("sips")],
        proptest::option::of("[a-zA-Z0-9_.!~*'()&=+$,;?/-]{1,10}"),
        "[a-z]([a-z0-9-]{0,6}[a-z0-9])?(\\.[a-z]{2,5}){1,2}",
        proptest::option::of(any::<u16>()),
        proptest::collection::vec("[a-z]{1,5}(=[a-z0-9]{1,5})?", 0..3),
    )
        .prop_map(|(scheme, user, host, port, params)| {
            let mut s = format!("{scheme}:");
            if let Some(u) = user {
                s.push_str(&u);
                s.push('@');
            }
            s.push_str(&host);
            if let Some(p) = port {
                s.push_str(&format!(":{p}"));
            }
            for p in params {
                s.push(';');
                s.push_str(&p);
            }
            s
        })
}

/// Header values: printable, no CR/LF, no surrounding whitespace (the parser trims it).
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[!-~]([ -~]{0,40}[!-~])?",
        "[!-~]{1,10}[ \t][\u{80}-\u{10ffff}]{1,5}[!-~]",
        Just(String::new()),
    ]
}

fn header_name() -> impl Strategy<Value = HeaderName> {
    prop_oneof![
        Just(HeaderName::Subject),
        Just(HeaderName::Via),
        Just(HeaderName::Contact),
        Just(HeaderName::Allow),
        Just(HeaderName::UserAgent),
        Just(HeaderName::Other("X-Test")),
        Just(HeaderName::Other("Weird-!%*_+`'~.Name")),
    ]
}

#[derive(Debug, Clone)]
struct Built {
    method: Method,
    uri: String,
    headers: Vec<(HeaderName, String)>,
    cseq: u32,
    body: Option<Vec<u8>>,
}

fn built() -> impl Strategy<Value = Built> {
    (
        method(),
        request_uri(),
        proptest::collection::vec((header_name(), value()), 0..12),
        any::<u32>(),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..300)),
    )
        .prop_map(|(method, uri, headers, cseq, body)| Built {
            method,
            uri,
            headers,
            cseq,
            body,
        })
}

fn write_built(b: &Built) -> Vec<u8> {
    let cseq = format!("{} {}", b.cseq, b.method);
    let mut rb = RequestBuilder::new(b.method.clone(), &b.uri).header(HeaderName::CSeq, &cseq);
    for (n, v) in &b.headers {
        rb = rb.header(*n, v);
    }
    if let Some(body) = &b.body {
        rb = rb.body("application/octet-stream", body);
    }
    let mut out = Vec::new();
    rb.write(&mut out).unwrap();
    out
}

/// Reads every accessor; any panic fails the property.
fn exercise(m: &Message) {
    let h = m.headers();
    let _ = h.iter().count() + h.iter_raw().count() + h.len();
    for v in h.vias().flatten() {
        let _ = (
            v.branch(),
            v.rport(),
            v.received(),
            v.ttl(),
            v.params().count(),
        );
        let _ = v.sent_by_host().to_string();
    }
    for a in [h.from(), h.to()].into_iter().flatten() {
        let _ = (a.tag(), a.display_name(), a.params().count());
        assert!(a.uri().equivalent(a.uri()), "URI equivalence is reflexive");
    }
    for a in h
        .contacts()
        .chain(h.routes())
        .chain(h.record_routes())
        .flatten()
    {
        let _ = (
            a.uri().host(),
            a.uri().headers().count(),
            a.uri().to_string(),
        );
    }
    let _ = (
        h.call_id(),
        h.cseq(),
        h.max_forwards(),
        h.content_length(),
        h.expires(),
        h.date(),
    );
    let _ = (
        h.contact(),
        h.contact_is_wildcard(),
        h.content_type(),
        h.tokens(HeaderName::Supported).count(),
    );
    let _ = (h.rseq(), h.rack(), h.allow().count());
    for a in h.auth(HeaderName::Authorization).flatten() {
        let _ = (a.scheme(), a.param("realm"), a.params().count());
    }
    let _ = m.validate();
    if let Some(r) = m.as_request() {
        if let Ok(u) = r.uri_parsed() {
            assert!(u.equivalent(&u), "URI equivalence is reflexive");
        }
        let _ = r.check_mandatory();
    }
    if let Some(r) = m.as_response() {
        assert!((100..=699).contains(&r.status()));
        let _ = r.reason_str();
    }
    let cl = h.content_length().ok().flatten();
    if let Some(n) = cl {
        assert_eq!(m.body().len(), n as usize);
    }
    // write-back is a fixed point
    let mut w1 = Vec::new();
    m.write(&mut w1);
    let m2 = Message::parse(Bytes::from(w1.clone())).expect("written message re-parses");
    let mut w2 = Vec::new();
    m2.write(&mut w2);
    assert_eq!(w1, w2, "write(parse(write(parse(x)))) != write(parse(x))");
    assert_eq!(m2.body(), m.body());
    assert_eq!(m2.headers().len(), h.len());
}

proptest! {
    // 512 cases by default; PROPTEST_CASES=n for a longer hunt.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512),
        // A failing case's seed is kept beside this file and replayed first on the next run.
        failure_persistence: Some(Box::new(
            FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn built_request_round_trips(b in built()) {
        let bytes = write_built(&b);
        let m = Message::parse(Bytes::from(bytes)).unwrap();
        let r = m.as_request().unwrap();
        prop_assert_eq!(r.method(), &b.method);
        prop_assert_eq!(r.uri(), b.uri.as_str());
        prop_assert!(r.uri_parsed().is_ok());
        let h = m.headers();
        let mut got = h.iter();
        let cseq = format!("{} {}", b.cseq, b.method);
        prop_assert_eq!(got.next(), Some(("CSeq", cseq.as_str())));
        for (n, v) in &b.headers {
            prop_assert_eq!(got.next(), Some((n.as_str(), v.as_str())));
        }
        let body = b.body.clone().unwrap_or_default();
        if b.body.is_some() {
            prop_assert_eq!(got.next(), Some(("Content-Type", "application/octet-stream")));
        }
        let len = body.len().to_string();
        prop_assert_eq!(got.next(), Some(("Content-Length", len.as_str())));
        prop_assert_eq!(got.next(), None);
        prop_assert_eq!(m.body(), &body[..]);
        prop_assert_eq!(h.cseq().unwrap().seq, b.cseq);
        exercise(&m);
    }

    #[test]
    fn built_response_round_trips(status in 100u16..=699, reason in "[ -~]{0,20}", b in built()) {
        let req_bytes = write_built(&b);
        let req = Message::parse(Bytes::from(req_bytes)).unwrap();
        let mut out = Vec::new();
        ResponseBuilder::from_request(req.as_request().unwrap(), status, reason.trim())
            .to_tag("t1")
            .write(&mut out)
            .unwrap();
        let m = Message::parse(Bytes::from(out)).unwrap();
        let r = m.as_response().unwrap();
        prop_assert_eq!(r.status(), status);
        let vias_in: Vec<_> = req.headers().get_all(HeaderName::Via).collect();
        let vias_out: Vec<_> = m.headers().get_all(HeaderName::Via).collect();
        prop_assert_eq!(vias_in, vias_out);
        prop_assert_eq!(m.headers().get(HeaderName::CSeq), req.headers().get(HeaderName::CSeq));
        exercise(&m);
    }

    #[test]
    fn reformatted_requests_parse_the_same(b in built(), fold in any::<bool>(), sp in 0usize..3, compact in any::<bool>()) {
        // The same message written with odd whitespace, folding and compact names.
        let canonical = write_built(&b);
        let split = canonical.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8(canonical[..split].to_vec()).unwrap();
        let mut lines = head.split("\r\n");
        let mut odd = String::from(lines.next().unwrap());
        odd.push_str("\r\n");
        for line in lines {
            let (n, v) = line.split_once(": ").unwrap();
            let name = match (compact, HeaderName::from_name(n).and_then(|h| h.compact())) {
                (true, Some(c)) => c.to_string(),
                _ => n.to_ascii_uppercase(),
            };
            odd.push_str(&name);
            odd.push_str(&" ".repeat(sp));
            odd.push(':');
            if fold { odd.push_str("\r\n "); } else { odd.push_str(&"\t".repeat(sp)); }
            odd.push_str(v);
            odd.push_str("\r\n");
        }
        odd.push_str("\r\n");
        let mut odd = odd.into_bytes();
        odd.extend_from_slice(&canonical[split + 4..]);
        let a = Message::parse(Bytes::from(canonical)).unwrap();
        let o = Message::parse(Bytes::from(odd)).unwrap();
        let av: Vec<_> = a.headers().iter().map(|(_, v)| v).collect();
        let ov: Vec<_> = o.headers().iter().map(|(_, v)| v).collect();
        prop_assert_eq!(av, ov);
        prop_assert_eq!(a.body(), o.body());
        prop_assert_eq!(a.headers().cseq().unwrap(), o.headers().cseq().unwrap());
        exercise(&o);
    }

    #[test]
    fn stream_framing_splits_back_to_back_messages(msgs in proptest::collection::vec(built(), 1..4), cut in any::<prop::sample::Index>()) {
        let mut stream = Vec::new();
        let mut lens = Vec::new();
        for b in &msgs {
            let w = write_built(b);
            lens.push(w.len());
            stream.extend_from_slice(&w);
            stream.extend_from_slice(b"\r\n\r\n");
        }
        // A prefix never frames past what it holds.
        let prefix = &stream[..cut.index(stream.len())];
        match frame_stream(prefix, &Limits::default()).unwrap() {
            Framing::Message { len } => prop_assert!(len <= prefix.len()),
            Framing::NeedMore | Framing::KeepAlive { .. } => {}
        }
        let mut rest = &stream[..];
        let mut got = Vec::new();
        while !rest.is_empty() {
            match frame_stream(rest, &Limits::default()).unwrap() {
                Framing::Message { len } => {
                    let m = Message::parse(Bytes::copy_from_slice(&rest[..len])).unwrap();
                    got.push((len, m.as_request().unwrap().method().clone()));
                    rest = &rest[len..];
                }
                Framing::KeepAlive { len } => rest = &rest[len..],
                Framing::NeedMore => prop_assert!(false, "stream ended mid-message"),
            }
        }
        let want: Vec<_> = lens.iter().copied().zip(msgs.iter().map(|b| b.method.clone())).collect();
        prop_assert_eq!(&got, &want);

        // The same stream dripped into a StreamFramer in uneven chunks.
        let mut framer = StreamFramer::new(Limits::default());
        let mut buf: Vec<u8> = Vec::new();
        let mut dripped = Vec::new();
        let step = 1 + cut.index(97);
        for chunk in stream.chunks(step) {
            buf.extend_from_slice(chunk);
            loop {
                match framer.frame(&buf).unwrap() {
                    Framing::NeedMore => break,
                    Framing::KeepAlive { len } => { buf.drain(..len); }
                    Framing::Message { len } => {
                        let m = Message::parse(Bytes::copy_from_slice(&buf[..len])).unwrap();
                        dripped.push((len, m.as_request().unwrap().method().clone()));
                        buf.drain(..len);
                    }
                }
            }
        }
        prop_assert_eq!(dripped, want);
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = frame_stream(&bytes, &Limits::default());
        if let Ok(m) = Message::parse(Bytes::from(bytes)) {
            exercise(&m);
        }
    }

    #[test]
    fn sip_shaped_noise_never_panics(s in "(INVITE|SIP/2.0|[A-Z]{1,4}) [ -~]{0,30}( SIP/2.0| [0-9]{3} [ -~]{0,5})?\r\n([A-Za-z:; ,<>\"\\\\@=\t\r\n-]{0,80}\r\n){0,6}\r\n[ -~]{0,20}") {
        if let Ok(m) = Message::parse(Bytes::from(s.into_bytes())) {
            exercise(&m);
        }
    }

    #[test]
    fn mutated_torture_messages_never_panic(
        pick in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<u8>()), 1..8),
    ) {
        let files = corpus_files();
        let mut msg = pick.get(&files).clone();
        for (at, op, byte) in edits {
            if msg.is_empty() { break; }
            let i = at.index(msg.len());
            match op {
                0 => msg[i] = byte,
                1 => msg.insert(i, byte),
                2 => { msg.remove(i); }
                _ => msg.truncate(i),
            }
        }
        if let Ok(m) = Message::parse(Bytes::from(msg)) {
            exercise(&m);
        }
    }
}

#[test]
fn corpus_write_back_is_a_fixed_point() {
    let mut parsed = 0;
    for f in corpus_files() {
        if let Ok(m) = Message::parse(Bytes::from(f)) {
            exercise(&m);
            parsed += 1;
        }
    }
    assert!(parsed >= 30);
}
