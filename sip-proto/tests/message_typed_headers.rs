//! Typed access to the headers calls need beyond RFC 3261's own (RFC 3262, 3326, 3515, 3891,
//! 3892, 3325, 3327, 3608, 3323, 4028, 6665), plus Warning and Retry-After, with exact values;
//! and every scalar that overflows is an error, never a wrap.

use bytes::Bytes;
use sip_proto::header::{HeaderError, Refresher, SubState};
use sip_proto::message::{HeaderName, Message, Method};
use sip_proto::uri::{Host, Scheme};

fn parse(headers: &str) -> Message {
    let wire = format!(
        "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
         Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n\
         Max-Forwards: 70\r\n\
         To: <sip:bob@biloxi.example.com>\r\n\
         From: <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
         Call-ID: a84b4c76e66710\r\n\
         CSeq: 314159 INVITE\r\n\
         {headers}\
         Content-Length: 0\r\n\r\n"
    );
    Message::parse(Bytes::from(wire)).expect("parses")
}

#[test]
fn call_control_headers() {
    let m = parse(
        "x: 1800;refresher=uac\r\n\
         Min-SE: 90\r\n\
         RSeq: 988789\r\n\
         RAck: 776656 1 INVITE\r\n\
         r: <sip:carol@cleveland.example.org?Replaces=x%40y%3Bto-tag%3D1%3Bfrom-tag%3D2>\r\n\
         b: <sip:referrer@atlanta.example.com>;cid=\"20398823.2UWQFN309shb3@referrer.example\"\r\n\
         Replaces: 98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff;early-only\r\n\
         Reason: SIP ;cause=580 ;text=\"Precondition Failure\", Q.850;cause=16\r\n\
         Retry-After: 18000 (I'm in a meeting);duration=3600\r\n\
         Warning: 301 isi.edu \"Incompatible network address type 'E.164'\", 399 192.0.2.1:5060 \"Miscellaneous\"\r\n\
         Date: Sat, 13 Nov 2010 23:29:00 GMT\r\n",
    );
    let h = m.headers();
    let se = h.session_expires().unwrap().unwrap();
    assert_eq!(
        (se.delta_seconds, se.refresher),
        (1800, Some(Refresher::Uac))
    );
    assert_eq!(h.min_se(), Ok(Some(90)));
    assert_eq!(h.rseq(), Ok(Some(988789)));
    let rack = h.rack().unwrap().unwrap();
    assert_eq!(
        (rack.rseq, rack.cseq, rack.method),
        (776656, 1, Method::Invite)
    );
    let refer_to = h.refer_to().unwrap().unwrap();
    assert_eq!(refer_to.uri().user(), Some("carol"));
    assert_eq!(
        refer_to.uri().headers().collect::<Vec<_>>(),
        vec![("Replaces", "x%40y%3Bto-tag%3D1%3Bfrom-tag%3D2")]
    );
    let by = h.referred_by().unwrap().unwrap();
    assert_eq!(by.uri_str(), "sip:referrer@atlanta.example.com");
    assert_eq!(
        by.param("cid"),
        Some(Some("20398823.2UWQFN309shb3@referrer.example"))
    );
    let rep = h.replaces().unwrap().unwrap();
    assert_eq!(
        (rep.call_id, rep.to_tag, rep.from_tag, rep.early_only),
        ("98732@sip.example.com", "ff87ff", "r33th4x0r", true)
    );
    let reasons: Vec<_> = h.reasons().map(Result::unwrap).collect();
    assert_eq!(reasons.len(), 2);
    assert_eq!(
        (reasons[0].protocol, reasons[0].cause, reasons[0].text),
        ("SIP", Some(580), Some("Precondition Failure"))
    );
    assert_eq!(
        (reasons[1].protocol, reasons[1].cause, reasons[1].text),
        ("Q.850", Some(16), None)
    );
    let ra = h.retry_after().unwrap().unwrap();
    assert_eq!(
        (ra.seconds, ra.comment, ra.duration),
        (18000, Some("I'm in a meeting"), Some(3600))
    );
    let w: Vec<_> = h.warnings().map(Result::unwrap).collect();
    assert_eq!(
        w.iter()
            .map(|w| (w.code, w.agent, w.text))
            .collect::<Vec<_>>(),
        vec![
            (301, "isi.edu", "Incompatible network address type 'E.164'"),
            (399, "192.0.2.1:5060", "Miscellaneous")
        ]
    );
    let d = h.date().unwrap().unwrap();
    assert_eq!(
        (d.year, d.month, d.day, d.hour, d.minute, d.second),
        (2010, 11, 13, 23, 29, 0)
    );
    m.validate().unwrap();
}

#[test]
fn events_and_identity_headers() {
    let m = parse(
        "o: presence.winfo;id=42\r\n\
         Allow-Events: presence, dialog\r\n\
         u: refer\r\n\
         Subscription-State: terminated;reason=timeout;retry-after=30\r\n\
         P-Asserted-Identity: \"Cullen Jennings\" <sip:fluffy@cisco.example>, tel:+14085264000\r\n\
         Privacy: id;user\r\n\
         Path: <sip:P3.EXAMPLEHOME.COM;lr>,<sip:P1.EXAMPLEVISITED.COM;lr>\r\n\
         Service-Route: <sip:P2.HOME.EXAMPLE.COM;lr>\r\n\
         Service-Route: <sip:HSP.HOME.EXAMPLE.COM;lr>\r\n",
    );
    let h = m.headers();
    let e = h.event().unwrap().unwrap();
    assert_eq!(
        (e.package(), e.template(), e.id()),
        ("presence", Some("winfo"), Some("42"))
    );
    assert_eq!(
        h.allow_events().collect::<Result<Vec<_>, _>>(),
        Ok(vec!["presence", "dialog", "refer"])
    );
    let s = h.subscription_state().unwrap().unwrap();
    assert_eq!(
        (s.state, s.reason, s.expires, s.retry_after),
        (SubState::Terminated, Some("timeout"), None, Some(30))
    );
    let pai: Vec<_> = h.p_asserted_identities().map(Result::unwrap).collect();
    assert_eq!(pai.len(), 2);
    assert_eq!(pai[0].display_name(), Some("Cullen Jennings"));
    assert_eq!(pai[0].uri().host(), Some(Host::Name("cisco.example")));
    assert_eq!(pai[1].uri().scheme(), Scheme::Tel);
    assert_eq!(pai[1].uri().user(), Some("+14085264000"));
    assert_eq!(
        h.privacy().collect::<Result<Vec<_>, _>>(),
        Ok(vec!["id", "user"])
    );
    let path: Vec<_> = h
        .paths()
        .map(|a| a.unwrap().uri().host().unwrap().to_string())
        .collect();
    assert_eq!(path, ["P3.EXAMPLEHOME.COM", "P1.EXAMPLEVISITED.COM"]);
    let sr: Vec<_> = h.service_routes().map(|a| a.unwrap().uri_str()).collect();
    assert_eq!(
        sr,
        ["sip:P2.HOME.EXAMPLE.COM;lr", "sip:HSP.HOME.EXAMPLE.COM;lr"]
    );
    assert!(h.service_routes().all(|a| a.unwrap().uri().lr()));
    assert_eq!(
        h.get(HeaderName::PAssertedIdentity),
        Some("\"Cullen Jennings\" <sip:fluffy@cisco.example>, tel:+14085264000")
    );
    m.validate().unwrap();
}

#[test]
fn malformed_values_are_typed_errors() {
    let cases: &[(&str, &str)] = &[
        (
            "Session-Expires: 90;refresher=proxy\r\n",
            "Session-Expires: refresher must be",
        ),
        ("Min-SE: soon\r\n", "Min-SE: must be delta-seconds"),
        ("Refer-To: sip:a@b.com?x=y\r\n", "Refer-To: a URI holding"),
        (
            "Replaces: abc;to-tag=1\r\n",
            "Replaces: to-tag and from-tag are both required",
        ),
        ("Event: .presence\r\n", "Event: must start with event-type"),
        (
            "Allow-Events: presence, ,dialog\r\n",
            "Allow-Events: must be event-type",
        ),
        (
            "Subscription-State: ;expires=1\r\n",
            "Subscription-State: must start with substate-value",
        ),
        (
            "Reason: SIP;text=unquoted\r\n",
            "Reason: text must be a quoted-string",
        ),
        (
            "P-Asserted-Identity: <sip:a@b.com>;tag=1\r\n",
            "P-Asserted-Identity: takes name-addr / addr-spec without parameters",
        ),
        (
            "Path: <sip:p@b.com;lr\r\n",
            "Path: '<' without a matching '>'",
        ),
        ("Privacy: id;;user\r\n", "Privacy: must be priv-value"),
        (
            "Warning: 30 a \"x\"\r\n",
            "Warning: must be warn-code SP warn-agent SP warn-text",
        ),
        (
            "Retry-After: 5 (open\r\n",
            "Retry-After: unterminated or malformed comment",
        ),
    ];
    for (line, want) in cases {
        let m = parse(line);
        let e = m.validate().expect_err(line);
        assert!(e.to_string().starts_with(want), "{line:?}: {e}");
        assert_eq!(m.headers().check_syntax(), Err(e));
        assert_eq!(e.status_code(), 400);
    }
}

#[test]
fn scalars_that_overflow_are_errors() {
    let overflow = |line: &str| {
        let m = parse(line);
        match m.validate() {
            Err(HeaderError::Overflow { header, .. }) => header,
            other => panic!("{line:?}: {other:?}"),
        }
    };
    assert_eq!(
        overflow("Session-Expires: 4294967296\r\n"),
        "Session-Expires"
    );
    assert_eq!(overflow("Min-SE: 99999999999999999999\r\n"), "Min-SE");
    assert_eq!(overflow("RSeq: 4294967296\r\n"), "RSeq");
    assert_eq!(overflow("RAck: 4294967296 1 INVITE\r\n"), "RAck");
    assert_eq!(
        overflow("Retry-After: 949302838503028349304023988\r\n"),
        "Retry-After"
    );
    assert_eq!(
        overflow("Warning: 1812 overture \"In Progress\"\r\n"),
        "Warning"
    );
    assert_eq!(overflow("Reason: Q.850;cause=4294967296\r\n"), "Reason");
    assert_eq!(
        overflow("Subscription-State: active;expires=4294967296\r\n"),
        "Subscription-State"
    );
    assert_eq!(
        overflow("Contact: <sip:a@b.com>;expires=280297596632815\r\n"),
        "Contact"
    );
    // Checked by the parser itself (answer 400 before any typed access).
    for (line, header) in [
        ("Expires: 10000000000000000000\r\n", "Expires"),
        ("Max-Forwards: 256\r\n", "Max-Forwards"),
    ] {
        let wire = format!(
            "OPTIONS sip:a@b.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n{line}Content-Length: 0\r\n\r\n"
        );
        let e = Message::parse(Bytes::from(wire)).unwrap_err();
        assert!(e.to_string().starts_with(header), "{e}");
    }
    let e = Message::parse(Bytes::from_static(
        b"OPTIONS sip:a@b.com SIP/2.0\r\nCSeq: 4294967296 OPTIONS\r\n\r\n",
    ))
    .unwrap_err();
    assert!(e.to_string().starts_with("CSeq: value out of range"), "{e}");
    let e = Message::parse(Bytes::from_static(
        b"OPTIONS sip:a@b.com SIP/2.0\r\nContent-Length: 4294967296\r\n\r\n",
    ))
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("Content-Length: value out of range"),
        "{e}"
    );
}
