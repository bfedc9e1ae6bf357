//! SIP messages as they arrive on the wire.
//!
//! Three workloads: an INVITE with an SDP offer (about 850 bytes, what a softphone sends), the
//! 200 OK a UAC receives back through two Record-Routing proxies (three Vias on the way up,
//! two Record-Routes), and a REGISTER refresh. Header values are also exported one by one so
//! the serializers can write the same message from its parts.

/// The SDP offer carried by [`INVITE`]: G.711 μ-law and A-law plus telephone events.
pub const INVITE_SDP: &str = "v=0\r\n\
o=alice 2890844526 2890844526 IN IP4 192.0.2.101\r\n\
s=-\r\n\
c=IN IP4 192.0.2.101\r\n\
t=0 0\r\n\
m=audio 49170 RTP/AVP 0 8 101\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-16\r\n\
a=ptime:20\r\n\
a=sendrecv\r\n";

/// The Request-URI of [`INVITE`].
pub const INVITE_URI: &str = "sip:bob@biloxi.example.com";

/// The header lines of [`INVITE`] in order, without Content-Type and Content-Length (the
/// serializers compute those from the body).
pub const INVITE_HEADERS: &[(&str, &str)] = &[
    (
        "Via",
        "SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK74bf9a8e2c1d;rport",
    ),
    ("Max-Forwards", "70"),
    (
        "From",
        "\"Alice Liddell\" <sip:alice@atlanta.example.com>;tag=9fxced76sl",
    ),
    ("To", "\"Bob\" <sip:bob@biloxi.example.com>"),
    ("Call-ID", "3848276298220188511@atlanta.example.com"),
    ("CSeq", "314159 INVITE"),
    ("Contact", "<sip:alice@192.0.2.101:5060;transport=udp>"),
    (
        "Allow",
        "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO, NOTIFY, REFER",
    ),
    ("Supported", "replaces, timer, 100rel"),
    ("User-Agent", "ExamplePhone/5.2.1 (Linux; x86_64)"),
];

/// The Content-Type of [`INVITE`]'s body.
pub const SDP_TYPE: &str = "application/sdp";

/// The status line parts and header lines of [`OK_200`].
pub const OK_HEADERS: &[(&str, &str)] = &[
    (
        "Via",
        "SIP/2.0/UDP proxy2.biloxi.example.com:5060;branch=z9hG4bK721e4.1;received=198.51.100.20",
    ),
    (
        "Via",
        "SIP/2.0/UDP proxy1.atlanta.example.com:5060;branch=z9hG4bK2d4790.1;received=198.51.100.10",
    ),
    (
        "Via",
        "SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK74bf9a8e2c1d;rport=5060;received=192.0.2.101",
    ),
    ("Record-Route", "<sip:proxy2.biloxi.example.com;lr>"),
    ("Record-Route", "<sip:proxy1.atlanta.example.com;lr>"),
    (
        "From",
        "\"Alice Liddell\" <sip:alice@atlanta.example.com>;tag=9fxced76sl",
    ),
    ("To", "\"Bob\" <sip:bob@biloxi.example.com>;tag=8321234356"),
    ("Call-ID", "3848276298220188511@atlanta.example.com"),
    ("CSeq", "314159 INVITE"),
    ("Contact", "<sip:bob@192.0.2.201:5060;transport=udp>"),
    ("Server", "ExampleProxy-UA/2.4"),
];

/// The header lines of [`REGISTER`], without Content-Length.
pub const REGISTER_HEADERS: &[(&str, &str)] = &[
    (
        "Via",
        "SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bKnashds7;rport",
    ),
    ("Max-Forwards", "70"),
    ("From", "<sip:alice@atlanta.example.com>;tag=a73kszlfl"),
    ("To", "<sip:alice@atlanta.example.com>"),
    ("Call-ID", "1j9FpLxk3uxtm8tn@192.0.2.101"),
    ("CSeq", "2 REGISTER"),
    (
        "Contact",
        "<sip:alice@192.0.2.101:5060;transport=udp>;expires=3600",
    ),
    ("Expires", "3600"),
    ("User-Agent", "ExamplePhone/5.2.1 (Linux; x86_64)"),
];

/// The Request-URI of [`REGISTER`].
pub const REGISTER_URI: &str = "sip:registrar.atlanta.example.com";

/// Writes a message from a start line, header lines and an optional body, the way it is
/// laid out on the wire (Content-Type and Content-Length last, computed from the body).
pub fn assemble(start_line: &str, headers: &[(&str, &str)], body: Option<(&str, &str)>) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(start_line.as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    let body = match body {
        Some((content_type, body)) => {
            out.extend_from_slice(b"Content-Type: ");
            out.extend_from_slice(content_type.as_bytes());
            out.extend_from_slice(b"\r\n");
            body
        }
        None => "",
    };
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body.as_bytes());
    out
}

/// The INVITE with SDP, as received.
pub fn invite() -> Vec<u8> {
    assemble(
        &format!("INVITE {INVITE_URI} SIP/2.0"),
        INVITE_HEADERS,
        Some((SDP_TYPE, INVITE_SDP)),
    )
}

/// The 200 OK to [`invite`] through two proxies: three Vias, two Record-Routes, SDP answer.
pub fn ok_200() -> Vec<u8> {
    assemble("SIP/2.0 200 OK", OK_HEADERS, Some((SDP_TYPE, OK_SDP)))
}

/// The SDP answer carried by the 200 OK.
pub const OK_SDP: &str = "v=0\r\n\
o=bob 2808844564 2808844564 IN IP4 192.0.2.201\r\n\
s=-\r\n\
c=IN IP4 192.0.2.201\r\n\
t=0 0\r\n\
m=audio 3456 RTP/AVP 0 101\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-16\r\n\
a=ptime:20\r\n\
a=sendrecv\r\n";

/// A REGISTER refresh, no body.
pub fn register() -> Vec<u8> {
    assemble(
        &format!("REGISTER {REGISTER_URI} SIP/2.0"),
        REGISTER_HEADERS,
        None,
    )
}

/// One SIP workload: a name for the benchmark id and the datagram.
pub struct Workload {
    /// Short name used in benchmark ids (`invite`, `ok200`, `register`).
    pub name: &'static str,
    /// The datagram.
    pub bytes: Vec<u8>,
}

/// The three workloads, in the order the tables list them.
pub fn workloads() -> Vec<Workload> {
    vec![
        Workload {
            name: "invite",
            bytes: invite(),
        },
        Workload {
            name: "ok200",
            bytes: ok_200(),
        },
        Workload {
            name: "register",
            bytes: register(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_is_realistic_size_and_parses() {
        let inv = invite();
        assert!((800..=950).contains(&inv.len()), "{}", inv.len());
        for w in workloads() {
            sip_proto::Message::parse(bytes::Bytes::from(w.bytes)).unwrap();
        }
    }
}
