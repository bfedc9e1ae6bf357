//! Multipart bodies (RFC 2046 §5.1) as views: exact parts, preamble, epilogue, padding, and
//! every refusal.

use std::fs;
use std::path::PathBuf;

use bytes::Bytes;
use sip_proto::message::Message;
use sip_proto::multipart::{Limits, Multipart, MultipartError};

/// A SIP-T INVITE body (RFC 3204 §3, RFC 3372): the SDP offer and the ISUP IAM it
/// encapsulates, the IAM as binary octets (NUL, CR and LF among them).
const ISUP: &[u8] = &[
    0x01, 0x00, 0x49, 0x00, 0x00, 0x03, 0x02, 0x00, 0x07, 0x04, 0x10, 0x00, 0x33, 0x63, 0x21, 0x43,
    0x00, 0x0d, 0x0a, 0x0a, 0x0d, 0x00,
];

fn sipt_body() -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(b"--unique-boundary-1\r\n");
    b.extend_from_slice(b"Content-Type: application/sdp\r\n\r\n");
    b.extend_from_slice(b"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n");
    b.extend_from_slice(b"\r\n--unique-boundary-1\r\n");
    b.extend_from_slice(b"Content-Type: application/ISUP; version=nxv3; base=etsi121\r\n");
    b.extend_from_slice(b"Content-Disposition: signal; handling=optional\r\n\r\n");
    b.extend_from_slice(ISUP);
    b.extend_from_slice(b"\r\n--unique-boundary-1--\r\n");
    b
}

#[test]
fn sip_t_isup_in_an_invite() {
    let body = sipt_body();
    let mut wire = format!(
        "INVITE sip:+15555551234@gw.example.net;user=phone SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKsipt1\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:+15555550000@192.0.2.1;user=phone>;tag=1\r\n\
         To: <sip:+15555551234@gw.example.net;user=phone>\r\n\
         Call-ID: sipt-1@192.0.2.1\r\n\
         CSeq: 1 INVITE\r\n\
         MIME-Version: 1.0\r\n\
         c: multipart/mixed; boundary=unique-boundary-1\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    wire.extend_from_slice(&body);
    let msg = Message::parse(Bytes::from(wire)).unwrap();
    let ct = msg.headers().content_type().unwrap();
    let m = Multipart::parse(ct, msg.body()).unwrap();
    assert_eq!(
        (m.subtype(), m.boundary(), m.len()),
        ("mixed", "unique-boundary-1", 2)
    );
    assert_eq!((m.preamble(), m.epilogue()), (&b""[..], &b""[..]));
    let parts: Vec<_> = m.parts().collect();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].content_type(), Some("application/sdp"));
    assert_eq!(
        parts[0].body(),
        b"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
    );
    let sdp = sip_proto::sdp::parse(parts[0].body()).unwrap();
    assert_eq!(sdp.media.len(), 1);
    assert_eq!(
        parts[1].content_type(),
        Some("application/ISUP; version=nxv3; base=etsi121")
    );
    assert_eq!(
        parts[1].content_disposition(),
        Some("signal; handling=optional")
    );
    assert_eq!(parts[1].body(), ISUP);
    assert_eq!(
        parts[1].headers().collect::<Vec<_>>(),
        vec![
            (
                &b"Content-Type"[..],
                &b"application/ISUP; version=nxv3; base=etsi121"[..]
            ),
            (
                &b"Content-Disposition"[..],
                &b"signal; handling=optional"[..]
            ),
        ]
    );
    assert_eq!(
        parts[1].header("content-disposition"),
        parts[1].content_disposition()
    );
    // Views, not copies: both parts lie inside the message buffer, and can be cut out of
    // it as `Bytes` without copying.
    let whole = msg.bytes().as_ptr_range();
    for p in &parts {
        assert!(whole.contains(&p.body().as_ptr()));
    }
    let isup = msg.bytes().slice_ref(parts[1].body());
    assert_eq!(&isup[..], ISUP);
}

#[test]
fn preamble_epilogue_and_padding() {
    let body = b"This is the preamble.  It is to be ignored.\r\n\
--simple boundary  \t\r\n\
\r\n\
This is implicitly typed plain US-ASCII text.\r\n\
It does NOT end with a linebreak.\r\n\
--simple boundary\r\n\
Content-type: text/plain; charset=us-ascii\r\n\
\r\n\
This is explicitly typed plain US-ASCII text.\r\n\
It DOES end with a linebreak.\r\n\
\r\n\
--simple boundary-- \t\r\n\
\r\n\
This is the epilogue.  It is also to be ignored.\r\n";
    // RFC 2046 §5.1.1's own example: a quoted boundary with a space in it.
    let m = Multipart::parse("Multipart/Mixed; boundary=\"simple boundary\"", body).unwrap();
    assert_eq!(m.subtype(), "Mixed");
    assert_eq!(m.boundary(), "simple boundary");
    assert_eq!(m.preamble(), b"This is the preamble.  It is to be ignored.");
    assert_eq!(
        m.epilogue(),
        b"\r\nThis is the epilogue.  It is also to be ignored.\r\n"
    );
    let parts: Vec<_> = m.parts().collect();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].headers_raw(), b"");
    assert_eq!(parts[0].content_type(), None);
    assert_eq!(
        parts[0].body(),
        b"This is implicitly typed plain US-ASCII text.\r\nIt does NOT end with a linebreak."
    );
    assert_eq!(
        parts[1].content_type(),
        Some("text/plain; charset=us-ascii")
    );
    assert_eq!(
        parts[1].body(),
        b"This is explicitly typed plain US-ASCII text.\r\nIt DOES end with a linebreak.\r\n"
    );
}

#[test]
fn close_delimiter_at_the_very_end_and_odd_parts() {
    // No CRLF after the close delimiter; an empty part; a headers-only part; a folded header;
    // a line that starts with the boundary but continues it is content.
    let body = b"--b\r\n\r\n\r\n--b\r\nContent-ID: <x@y>\r\n--b\r\nX-Long: a\r\n b\r\n\r\n--bc is not a delimiter\r\n--b--";
    let m = Multipart::with_boundary("b", body, &Limits::DEFAULT).unwrap();
    assert_eq!(m.len(), 3);
    assert_eq!(m.epilogue(), b"");
    let parts: Vec<_> = m.parts().collect();
    assert_eq!(
        (parts[0].headers_raw(), parts[0].body()),
        (&b""[..], &b""[..])
    );
    assert_eq!(parts[1].content_id(), Some("<x@y>"));
    assert_eq!(parts[1].body(), b"");
    assert_eq!(parts[2].header_raw("x-long"), Some(&b"a\r\n b"[..]));
    assert_eq!(parts[2].body(), b"--bc is not a delimiter");
}

#[test]
fn torture_mpart01_body() {
    // RFC 4475 §3.1.1.11: a text part and a binary (PKCS#7) part with NUL, bare CR and LF.
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/rfc4475");
    let msg = Message::parse(Bytes::from(fs::read(dir.join("mpart01.dat")).unwrap())).unwrap();
    let m = Multipart::parse(msg.headers().content_type().unwrap(), msg.body()).unwrap();
    assert_eq!((m.boundary(), m.len()), ("7a9cbec02ceef655", 2));
    let parts: Vec<_> = m.parts().collect();
    assert_eq!(parts[0].content_type(), Some("text/plain"));
    assert_eq!(parts[0].header("Content-Transfer-Encoding"), Some("binary"));
    assert_eq!(parts[0].body(), b"Hello");
    assert_eq!(parts[1].content_type(), Some("application/octet-stream"));
    let bin = parts[1].body();
    assert_eq!(bin.len(), 342);
    assert!(bin.contains(&0) && bin.contains(&b'\r') && bin.contains(&b'\n'));
    assert_eq!(m.epilogue(), b"");
}

#[test]
fn refusals() {
    let e = |ct: &str, body: &[u8]| Multipart::parse(ct, body).unwrap_err();
    let one = b"--b\r\n\r\nx\r\n--b--\r\n";
    assert_eq!(e("application/sdp", one), MultipartError::NotMultipart);
    assert_eq!(e("multipart", one), MultipartError::NotMultipart);
    assert_eq!(e("multipart/mixed", one), MultipartError::MissingBoundary);
    assert_eq!(
        e("multipart/mixed;boundary", one),
        MultipartError::BadBoundary
    );
    assert_eq!(
        e("multipart/mixed;boundary=\"\"", one),
        MultipartError::BadBoundary
    );
    assert_eq!(
        e("multipart/mixed;boundary=\"b \"", one),
        MultipartError::BadBoundary
    );
    let long = format!("multipart/mixed;boundary={}", "x".repeat(71));
    assert_eq!(e(&long, one), MultipartError::BadBoundary);
    let ok70 = format!("multipart/mixed;boundary={}", "x".repeat(70));
    assert_eq!(e(&ok70, one), MultipartError::NoDelimiter);
    let ct = "multipart/mixed;boundary=b";
    assert_eq!(e(ct, b"no delimiter here\r\n"), MultipartError::NoDelimiter);
    assert_eq!(e(ct, b"--b--\r\n"), MultipartError::NoParts);
    // Missing close delimiter: the body just stops, or stops after a delimiter line.
    assert_eq!(
        e(ct, b"--b\r\n\r\npart one\r\n--b\r\n\r\npart two\r\n"),
        MultipartError::MissingCloseDelimiter
    );
    assert_eq!(
        e(ct, b"--b\r\n\r\nx\r\n--b"),
        MultipartError::MissingCloseDelimiter
    );
    assert_eq!(
        e(ct, b"--b\r\n\r\nx\r\n--b  "),
        MultipartError::MissingCloseDelimiter
    );
    assert_eq!(
        e(ct, b"--b x\r\n\r\nx\r\n--b--"),
        MultipartError::BadDelimiterLine
    );
    assert_eq!(
        e(ct, b"--b\r\n\r\nx\r\n--b-- junk"),
        MultipartError::BadDelimiterLine
    );
    let err = e(ct, b"--b\r\nnot a header\r\n\r\nx\r\n--b--");
    assert_eq!(
        err.to_string(),
        "part 0: header line must be field-name \":\" value; the header section ends with an empty line (RFC 2046 §5.1.1 body-part, RFC 2045 §3)"
    );
    // Bounded work: part count and header lines per part.
    let mut many = Vec::new();
    for _ in 0..17 {
        many.extend_from_slice(b"--b\r\n\r\nx\r\n");
    }
    many.extend_from_slice(b"--b--");
    assert_eq!(e(ct, &many), MultipartError::TooManyParts { limit: 16 });
    let mut limits = Limits::DEFAULT;
    limits.max_parts = 17;
    assert_eq!(
        Multipart::parse_with_limits(ct, &many, &limits)
            .unwrap()
            .len(),
        17
    );
    let mut hdrs = b"--b\r\n".to_vec();
    for i in 0..33 {
        hdrs.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    hdrs.extend_from_slice(b"\r\nbody\r\n--b--");
    assert_eq!(
        e(ct, &hdrs),
        MultipartError::TooManyPartHeaders { part: 0, limit: 32 }
    );
    assert_eq!(
        MultipartError::TooManyParts { limit: 16 }.to_string(),
        "more than 16 body parts"
    );
    assert!(MultipartError::MissingCloseDelimiter
        .to_string()
        .contains("RFC 2046 §5.1.1"));
}
