//! RFC 4475 and RFC 5118 torture messages against their manifests.
//!
//! Every file is run, none excluded. `valid` must parse, pass `Message::validate` and have
//! readable core headers; `valid-but-reject-at-app-layer` must parse and have readable core
//! headers where present; `invalid` must be rejected by `Message::parse` or
//! `Message::validate`, with an error that names the rule (and the reason it is rejected is
//! checked against the one the RFC gives).

use std::fs;
use std::path::PathBuf;

use bytes::Bytes;
use sip_proto::header::HeaderError;
use sip_proto::message::{HeaderName, Message, Method, ParseErrorKind};
use sip_proto::uri::{Host, Scheme};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/conformance/rfc4475")
        .canonicalize()
        .expect("shared/conformance/rfc4475 next to the repository")
}

fn manifest(path: &PathBuf) -> Vec<(String, String)> {
    let text = fs::read_to_string(path).expect("manifest");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut f = l.split('\t');
            (f.next().unwrap().to_string(), f.next().unwrap().to_string())
        })
        .collect()
}

/// RFC 5118 archive files use bare LF and some lack the final empty line or carry a wrong
/// Content-Length (see rfc5118/README.txt): convert to CRLF, add the empty line, and set
/// Content-Length to the converted body's length.
fn fix_rfc5118(orig: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(orig.to_vec()).expect("rfc5118 files are UTF-8");
    let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
    let (head, body) = match crlf.find("\r\n\r\n") {
        Some(i) => (crlf[..i + 2].to_string(), crlf[i + 4..].to_string()),
        None => (crlf.clone(), String::new()),
    };
    let mut out = String::new();
    for line in head.split_inclusive("\r\n") {
        if line.to_ascii_lowercase().starts_with("content-length:") {
            out.push_str(&format!("Content-Length: {}\r\n", body.len()));
        } else {
            out.push_str(line);
        }
    }
    out.push_str("\r\n");
    out.push_str(&body);
    out.into_bytes()
}

/// Core headers must be readable where present.
fn core_headers_readable(name: &str, m: &Message) {
    let h = m.headers();
    let vias: Vec<_> = h.vias().collect();
    for v in &vias {
        assert!(v.is_ok(), "{name}: Via unreadable: {v:?}");
    }
    if h.contains(HeaderName::From) {
        h.from().unwrap_or_else(|e| panic!("{name}: From: {e}"));
    }
    if h.contains(HeaderName::To) {
        h.to().unwrap_or_else(|e| panic!("{name}: To: {e}"));
    }
    if h.contains(HeaderName::CallId) {
        h.call_id()
            .unwrap_or_else(|e| panic!("{name}: Call-ID: {e}"));
    }
    if h.contains(HeaderName::CSeq) {
        h.cseq().unwrap_or_else(|e| panic!("{name}: CSeq: {e}"));
    }
    for c in h.contacts() {
        c.unwrap_or_else(|e| panic!("{name}: Contact: {e}"));
    }
    if let Some(r) = m.as_request() {
        r.uri_parsed()
            .unwrap_or_else(|e| panic!("{name}: Request-URI: {e}"));
    }
}

/// Why each invalid message must be rejected: a substring of the error's Display.
fn expected_reason(name: &str) -> &'static str {
    match name {
        "badinv01" => "Via: empty parameter name",
        "clerr" => "Content-Length 9999 exceeds",
        "ncl" => "must not be negative",
        "scalar02" => "CSeq: value out of range",
        "scalarlg" => "CSeq: value out of range",
        "quotbal" => "To: unterminated",
        "ltgtruri" => "Request-URI must not be enclosed in <>",
        "lwsruri" => "Request-URI must not contain whitespace",
        "lwsstart" => "exactly one SP",
        "trws" => "trailing whitespace after SIP-Version",
        "escruri" => "Request-URI must not contain headers",
        "baddate" => "Date: must be rfc1123-date",
        "regbadct" => "Contact: a URI holding ',', '?' or ';' must be enclosed in <>",
        "badaspec" => "To: no whitespace allowed inside <addr-spec>",
        "baddn" => "headers not terminated by an empty line",
        "badvers" => "SIP-Version is not SIP/2.0",
        "mismatch01" | "mismatch02" => "CSeq method differs from the Request-Line method",
        "bigcode" => "Status-Code must be exactly 3 digits",
        "mcl01" => "Content-Length: appears more than once with different values",
        "test" => "Request-Line must be Method SP Request-URI SP SIP-Version",
        "ipv6-bad" => "Request-URI: URI host is not",
        other => panic!("no expected reason for {other}"),
    }
}

/// Runs one message; returns a line for the report.
fn run(name: &str, expected: &str, bytes: Vec<u8>) -> String {
    let strict = Message::parse_strict(Bytes::from(bytes.clone()));
    match expected {
        "valid" => assert!(
            strict.is_ok(),
            "{name}: parse_strict refused a valid message"
        ),
        "invalid" => assert!(
            strict.is_err(),
            "{name}: parse_strict accepted an invalid message"
        ),
        _ => {}
    }
    let parsed = Message::parse(Bytes::from(bytes));
    match expected {
        "valid" | "valid-but-reject-at-app-layer" => {
            let m = parsed.unwrap_or_else(|e| panic!("{name} ({expected}) rejected: {e}"));
            core_headers_readable(name, &m);
            if expected == "valid" {
                m.validate()
                    .unwrap_or_else(|e| panic!("{name} (valid) fails validate: {e}"));
            }
            format!("{name}: parsed ({expected})")
        }
        "invalid" => {
            let why = match parsed {
                Err(e) => {
                    assert!(
                        e.to_string().contains("RFC")
                            || matches!(e.kind(), ParseErrorKind::BodyTruncated { .. }),
                        "{name}: error does not name a rule: {e}"
                    );
                    e.to_string()
                }
                Ok(m) => match m.validate() {
                    Err(e) => {
                        assert!(e.to_string().contains("RFC"), "{name}: {e}");
                        e.to_string()
                    }
                    Ok(()) => panic!("{name} (invalid) accepted"),
                },
            };
            let want = expected_reason(name);
            assert!(
                why.contains(want),
                "{name}: rejected for {why:?}, expected {want:?}"
            );
            format!("{name}: rejected: {why}")
        }
        other => panic!("unknown expectation {other}"),
    }
}

#[test]
fn rfc4475_all_messages() {
    let dir = corpus();
    let mut report = Vec::new();
    let entries = manifest(&dir.join("MANIFEST.tsv"));
    assert_eq!(entries.len(), 49, "RFC 4475 has 49 named messages");
    for (name, expected) in &entries {
        let bytes = fs::read(dir.join(format!("{name}.dat"))).expect("dat file");
        report.push(run(name, expected, bytes));
    }
    // The 50th archive file, malformed (extra/README.txt).
    let bytes = fs::read(dir.join("extra/test.dat")).expect("extra/test.dat");
    report.push(run("test", "invalid", bytes));
    // Every .dat file in the folder is covered by the manifest.
    let on_disk = fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "dat")
        })
        .count();
    assert_eq!(on_disk, entries.len());
    println!("{}", report.join("\n"));
    println!(
        "RFC 4475: {}/{} as expected",
        report.len(),
        entries.len() + 1
    );
}

#[test]
fn rfc5118_all_messages() {
    let dir = corpus().join("rfc5118");
    let entries = manifest(&dir.join("MANIFEST.tsv"));
    assert_eq!(entries.len(), 12);
    let mut report = Vec::new();
    for (name, expected) in &entries {
        let orig = fs::read(dir.join(name)).expect("rfc5118 file");
        // The archived LF-only form is not legal SIP framing and is refused.
        let e = Message::parse(Bytes::from(orig.clone())).unwrap_err();
        assert_eq!(e.status_code(), 400, "{name}");
        report.push(run(name, expected, fix_rfc5118(&orig)));
    }
    println!("{}", report.join("\n"));
    println!("RFC 5118: {}/{} as expected", report.len(), entries.len());
}

fn load(name: &str) -> Message {
    let bytes = fs::read(corpus().join(format!("{name}.dat"))).unwrap();
    Message::parse(Bytes::from(bytes)).unwrap()
}

fn load5118(name: &str) -> Message {
    let bytes = fs::read(corpus().join("rfc5118").join(name)).unwrap();
    Message::parse(Bytes::from(fix_rfc5118(&bytes))).unwrap()
}

#[test]
fn wsinv_details() {
    let m = load("wsinv");
    let h = m.headers();
    assert_eq!(h.to().unwrap().tag(), Some("1918181833n"));
    let from = h.from().unwrap();
    assert_eq!(from.display_name(), Some("J Rosenberg \\\\\\\""));
    assert_eq!(from.tag(), Some("98asjd8"));
    assert_eq!(h.max_forwards().unwrap(), Some(68));
    let cseq = h.cseq().unwrap();
    assert_eq!((cseq.seq, cseq.method), (9, Method::Invite));
    let vias: Vec<_> = h.vias().map(Result::unwrap).collect();
    assert_eq!(vias.len(), 3);
    assert_eq!((vias[0].transport(), vias[0].host()), ("UDP", "192.0.2.2"));
    assert_eq!(vias[1].branch(), Some("z9hG4bK9ikj8"));
    assert_eq!(
        (vias[2].host(), vias[2].branch()),
        ("192.168.255.111", Some("z9hG4bK30239"))
    );
    assert_eq!(h.get(HeaderName::Subject), Some(""));
    assert_eq!(
        h.get_named("NewFangledHeader"),
        Some("newfangled value   continued newfangled value")
    );
    let c = h.contact().unwrap().unwrap();
    assert_eq!(c.display_name(), Some("Quoted string \\\"\\\""));
    assert_eq!(c.param("newparam"), Some(Some("newvalue")));
    assert_eq!(c.param("q"), Some(Some("0.33")));
    assert_eq!(
        h.routes().next().unwrap().unwrap().uri().param("lr"),
        Some(None)
    );
    assert_eq!(m.body().len(), 150);
    assert!(m.body().starts_with(b"v=0\r\n"));
    // The original datagram is kept untouched even though the headers were unfolded.
    assert!(m
        .bytes()
        .starts_with(b"INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0\r\nTO :\r\n"));
}

#[test]
fn intmeth_esc02_details() {
    let m = load("intmeth");
    let r = m.as_request().unwrap();
    assert_eq!(
        r.method().as_str(),
        "!interesting-Method0123456789_*+`.%indeed'~"
    );
    assert_eq!(m.headers().cseq().unwrap().method, *r.method());
    assert_eq!(
        m.headers().to().unwrap().display_name(),
        Some("BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f")
    );
    // UTF-8 (a BOM and three CJK characters) in an extension header's value.
    assert_eq!(
        m.headers().get_named("extensionHeader-!.%*+_`'~"),
        Some("\u{feff}\u{5927}\u{505c}\u{96fb}")
    );
    assert_eq!(
        m.headers().from().unwrap().param("fromParam''~+*_!.-%"),
        Some(Some(
            "\u{440}\u{430}\u{431}\u{43e}\u{442}\u{430}\u{44e}\u{449}\u{438}\u{439}"
        ))
    );
    let m = load("esc02");
    let r = m.as_request().unwrap();
    assert_eq!(r.method().as_str(), "RE%47IST%45R");
    assert_ne!(*r.method(), Method::Register);
    // C%6Fntact is an unknown header, not a Contact.
    assert_eq!(m.headers().contacts().count(), 2);
    assert_eq!(
        m.headers().get_named("C%6Fntact"),
        Some("<sip:alias2@host2.example.com>")
    );
    assert_eq!(
        m.headers().top_via().unwrap().branch(),
        Some("z9hG4bK209%fzsnel234")
    );
}

#[test]
fn framing_details() {
    // dblreq: Content-Length 0, the trailing INVITE is discarded.
    let m = load("dblreq");
    assert_eq!(m.as_request().unwrap().method(), &Method::Register);
    assert_eq!(m.body(), b"");
    assert!(m.bytes().len() > 400);
    // mpart01: 553 binary octets honoured exactly.
    let m = load("mpart01");
    assert_eq!(m.body().len(), 553);
    assert_eq!(m.headers().content_length().unwrap(), Some(553));
    // inv2543: no Content-Length: the body is the rest of the datagram.
    let m = load("inv2543");
    assert_eq!(m.headers().content_length().unwrap(), None);
    assert!(m.body().starts_with(b"v=0\r\n") && m.body().ends_with(b"RTP/AVP 0\r\n"));
    assert_eq!(m.headers().top_via().unwrap().branch(), None);
    assert_eq!(m.headers().from().unwrap().tag(), None);
}

#[test]
fn responses_and_reasons() {
    let m = load("unreason");
    let r = m.as_response().unwrap();
    assert_eq!(r.status(), 200);
    assert!(r
        .reason_str()
        .unwrap()
        .starts_with("= 2**3 * 5**2 \u{43d}\u{43e} "));
    let m = load("noreason");
    let r = m.as_response().unwrap();
    assert_eq!((r.status(), r.reason()), (100, &b""[..]));
    let m = load("bcast");
    let vias: Vec<_> = m.headers().vias().map(Result::unwrap).collect();
    assert_eq!(vias[1].host(), "255.255.255.255");
}

#[test]
fn uris_in_torture_messages() {
    let m = load("semiuri");
    let u = m.as_request().unwrap().uri_parsed().unwrap();
    assert_eq!(u.user(), Some("user;par=u%40example.net"));
    assert_eq!(u.params().count(), 0);
    let m = load("esc01");
    let h = m.headers();
    let to = h.to().unwrap();
    assert!(to
        .uri()
        .equivalent(&sip_proto::uri::Uri::parse("sip:user@example.com").unwrap()));
    let m = load("unkscm");
    assert_eq!(
        m.as_request().unwrap().uri_parsed().unwrap().scheme(),
        Scheme::Other("nobodyKnowsThisScheme")
    );
    let m = load("regescrt");
    let c = m.headers().contact().unwrap().unwrap();
    assert_eq!(
        c.uri().headers().collect::<Vec<_>>(),
        vec![("Route", "%3Csip:sip.example.com%3E")]
    );
    let m = load("cparam01");
    let c = m.headers().contact().unwrap().unwrap();
    assert_eq!(
        (c.param("unknownparam"), c.uri().param("unknownparam")),
        (Some(None), None)
    );
    let m = load("cparam02");
    let c = m.headers().contact().unwrap().unwrap();
    assert_eq!(
        (c.param("unknownparam"), c.uri().param("unknownparam")),
        (None, Some(None))
    );
    let m = load("transports");
    let t: Vec<_> = m.headers().vias().map(|v| v.unwrap().transport()).collect();
    assert_eq!(t, ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]);
    let m = load("longreq");
    assert!(m.headers().vias().count() > 10);
}

#[test]
fn app_layer_rejections_are_visible() {
    // multi01: parses, but validate() finds the conflicting singletons (answer 400).
    let m = load("multi01");
    assert_eq!(m.headers().call_id().unwrap(), "multi01.98asdh@192.0.2.1");
    let e = m.validate().unwrap_err();
    assert_eq!(e, HeaderError::Conflicting { header: "Call-ID" });
    assert_eq!(e.status_code(), 400);
    // insuf: parses; the missing headers are reported.
    let m = load("insuf");
    assert_eq!(
        m.headers().from().unwrap_err(),
        HeaderError::Missing { header: "From" }
    );
    assert!(m.as_request().unwrap().check_mandatory().is_err());
    // badbranch: the bare magic cookie is a syntactically fine branch.
    let m = load("badbranch");
    assert_eq!(m.headers().top_via().unwrap().branch(), Some("z9hG4bK"));
    // unksm2: non-SIP schemes in To/From/Contact.
    let m = load("unksm2");
    assert_eq!(
        m.headers().to().unwrap().uri().scheme(),
        Scheme::Other("isbn")
    );
    // bext01: option tags readable.
    let m = load("bext01");
    assert!(m.headers().tokens(HeaderName::Require).count() >= 1);
    // regaut01: an unknown Authorization scheme still parses.
    let m = load("regaut01");
    let a = m
        .headers()
        .auth(HeaderName::Authorization)
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(
        (a.scheme(), a.param("opaque-data")),
        ("NoOneKnowsThisScheme", Some("here"))
    );
    assert!(m.validate().is_ok());
    // zeromf
    assert_eq!(load("zeromf").headers().max_forwards().unwrap(), Some(0));
}

#[test]
fn baddn_rejected_for_its_display_name_too() {
    // The archived baddn lacks the final empty line; with it restored, the unquoted
    // display names with ',' are what gets it rejected.
    let mut bytes = fs::read(corpus().join("baddn.dat")).unwrap();
    bytes.extend_from_slice(b"\r\n");
    let m = Message::parse(Bytes::from(bytes)).unwrap();
    assert!(m.headers().from().is_err());
    assert!(m.validate().is_err());
}

#[test]
fn rejections_keep_a_partial_request_for_the_400() {
    let bytes = fs::read(corpus().join("mismatch01.dat")).unwrap();
    let e = Message::parse(Bytes::from(bytes)).unwrap_err();
    assert_eq!(e.status_code(), 400);
    let req = e.partial_request().expect("partial request");
    assert_eq!(req.headers().call_id().unwrap(), "mismatch01.dj0234sxdfl3");
    let mut out = Vec::new();
    sip_proto::message::ResponseBuilder::from_request(req, 400, "Bad Request")
        .to_tag("x1")
        .write(&mut out)
        .unwrap();
    let resp = Message::parse(Bytes::from(out)).unwrap();
    let r = resp.as_response().unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(resp.headers().to().unwrap().tag(), Some("x1"));
    assert_eq!(resp.headers().cseq().unwrap().seq, 8);

    let bytes = fs::read(corpus().join("badvers.dat")).unwrap();
    let e = Message::parse(Bytes::from(bytes)).unwrap_err();
    assert_eq!(e.status_code(), 505);
}

#[test]
fn rfc5118_details() {
    let m = load5118("port-ambiguous");
    let u = m.as_request().unwrap().uri_parsed().unwrap();
    assert_eq!(
        (u.host(), u.port()),
        (Some(Host::Ipv6("2001:db8::10:5070")), None)
    );
    let m = load5118("port-unambiguous");
    let u = m.as_request().unwrap().uri_parsed().unwrap();
    assert_eq!(
        (u.host(), u.port()),
        (Some(Host::Ipv6("2001:db8::10")), Some(5070))
    );
    let m = load5118("via-received-param-no-delim");
    assert_eq!(
        m.headers().top_via().unwrap().received(),
        Some("2001:db8::9:255")
    );
    let m = load5118("via-received-param-with-delim");
    assert_eq!(
        m.headers().top_via().unwrap().received(),
        Some("[2001:db8::9:255]")
    );
    let m = load5118("mult-ip-in-header");
    let hosts: Vec<_> = m.headers().vias().map(|v| v.unwrap().host()).collect();
    assert_eq!(hosts, ["[2001:db8::9:1]", "192.0.2.1", "[2001:db8::9:255]"]);
    let m = load5118("ipv6-in-sdp");
    assert_eq!(
        m.body().len(),
        m.headers().content_length().unwrap().unwrap() as usize
    );
    assert!(m.body().ends_with(b"H263-1998/90000\r\n"));
}
