//! Builds the seed corpus under `fuzz/corpus/<target>/`.
//!
//! Run it by hand when the targets' input formats change:
//!
//! ```text
//! CONFORMANCE=/path/to/shared/conformance cargo test -p fuzz --test seeds -- --ignored
//! ```
//!
//! The SIP datagrams come from the RFC 4475 / RFC 5118 torture tests; SDP bodies and URIs are
//! cut out of them; RTP/RTCP packets are built with rtp-proto; the structured targets get
//! encoded operation sequences of real call flows.

use std::fs;
use std::path::{Path, PathBuf};

use fuzz::endpoint::{self, Op as E};
use fuzz::rtp_stats::{self, Step};
use fuzz::transaction_layer::{self, Op as T};
use rtp_proto::rtcp::{
    build_compound, Bye, ReceiverReport, Report, ReportBlock, SdesChunk, SdesItem, SdesItemType,
    SdesRepr, SenderReport,
};
use rtp_proto::rtp::{HeaderExtension, RtpHeader};
use rtp_proto::stats::NtpTime;
use sip_proto::sdp::{AudioOffer, Codec, Direction, LocalMedia};

fn corpus(target: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn put(target: &str, name: &str, bytes: &[u8]) {
    fs::write(corpus(target).join(name), bytes).unwrap();
}

/// The torture-test datagrams: (name, bytes), with the RFC 5118 LF files also in CRLF form.
fn torture(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let dirs = [
        root.join("rfc4475"),
        root.join("rfc4475/extra"),
        root.join("rfc4475/rfc5118"),
    ];
    for dir in dirs {
        let mut entries: Vec<_> = fs::read_dir(&dir).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.path());
        for e in entries {
            let p = e.path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if p.is_dir()
                || name.ends_with(".tsv")
                || name.ends_with(".txt")
                || name == "SHA256SUMS"
            {
                continue;
            }
            let bytes = fs::read(&p).unwrap();
            if dir.ends_with("rfc5118") {
                let crlf = String::from_utf8_lossy(&bytes).replace('\n', "\r\n");
                out.push((format!("rfc5118-{name}-crlf"), crlf.into_bytes()));
                out.push((format!("rfc5118-{name}"), bytes));
            } else {
                out.push((name, bytes));
            }
        }
    }
    out
}

fn body_of(msg: &[u8]) -> Option<&[u8]> {
    let at = msg
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
        .or_else(|| msg.windows(2).position(|w| w == b"\n\n").map(|i| i + 2))?;
    let body = &msg[at..];
    body.starts_with(b"v=").then_some(body)
}

fn uris_of(msg: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(msg);
    let mut out = Vec::new();
    if let Some(line) = text.lines().next() {
        if let Some(u) = line.split(' ').nth(1) {
            out.push(u.to_owned());
        }
    }
    for part in text.split('<').skip(1) {
        if let Some(u) = part.split('>').next() {
            if u.len() < 200 && !u.contains('\n') {
                out.push(u.to_owned());
            }
        }
    }
    out
}

fn sdp_offers() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (i, o) in endpoint::OFFERS.iter().enumerate() {
        if !o.is_empty() {
            out.push((format!("endpoint-offer-{i}"), o.as_bytes().to_vec()));
        }
    }
    let local = LocalMedia {
        addr: "192.0.2.7".parse().unwrap(),
        rtp_port: 5004,
        codecs: &[Codec::PCMU, Codec::PCMA, Codec::G722],
        ptime: 20,
        direction: Direction::SendRecv,
        telephone_event: Some(101),
        rtcp_mux: true,
    };
    let mut b = Vec::new();
    AudioOffer {
        session_id: 42,
        session_version: 1,
        local,
    }
    .write(&mut b);
    out.push(("audio-offer".to_owned(), b));
    let hold = LocalMedia {
        addr: "2001:db8::1".parse().unwrap(),
        direction: Direction::SendOnly,
        telephone_event: None,
        rtcp_mux: false,
        ..local
    };
    let mut b = Vec::new();
    AudioOffer {
        session_id: 43,
        session_version: 2,
        local: hold,
    }
    .write(&mut b);
    out.push(("audio-offer-hold-ipv6".to_owned(), b));
    out.push((
        "full-rfc8866".to_owned(),
        b"v=0\r\no=jdoe 3724394400 3724394405 IN IP4 198.51.100.1\r\ns=Call to John Smith\r\n\
i=SDP Offer #1\r\nu=http://www.jdoe.example.com/home.html\r\ne=Jane Doe <jane@jdoe.example.com>\r\n\
p=+1 617 555-6011\r\nc=IN IP4 198.51.100.1\r\nb=AS:128\r\nt=0 0\r\nr=7d 1h 0 25h\r\n\
z=2882844526 -1h 2898848070 0\r\nk=prompt\r\na=recvonly\r\nm=audio 49170 RTP/AVP 0 8 97\r\n\
i=voice\r\nc=IN IP4 203.0.113.1/127\r\nb=CT:64\r\na=rtpmap:97 iLBC/8000\r\na=fmtp:97 mode=20\r\n\
a=ptime:30\r\na=maxptime:60\r\na=rtcp:53020 IN IP4 126.16.64.4\r\na=rtcp-mux\r\n\
m=video 51372/2 RTP/AVP 31 32\r\na=rtpmap:31 H261/90000\r\na=sendonly\r\n"
            .to_vec(),
    ));
    out
}

fn rtp_packets() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let ext_data = [0x10, 0xaa, 0x00, 0x00, 0x21, 0xbb, 0xcc, 0x00];
    let mut full = RtpHeader {
        marker: true,
        payload_type: 8,
        sequence_number: 65535,
        timestamp: 0xdead_beef,
        ssrc: 0x0102_0304,
        extension: Some(HeaderExtension {
            profile: 0xbede,
            data: &ext_data,
        }),
        padding: 4,
        ..RtpHeader::default()
    };
    full.csrcs.push(7).unwrap();
    full.csrcs.push(9).unwrap();
    let plain = RtpHeader {
        payload_type: 0,
        sequence_number: 1,
        timestamp: 160,
        ssrc: 0x5eed,
        ..RtpHeader::default()
    };
    let dtmf = RtpHeader {
        payload_type: 101,
        marker: true,
        ..plain.clone()
    };
    for (name, h, payload) in [
        ("pcmu-160", plain, vec![0xffu8; 160]),
        ("pcma-csrc-ext-pad", full, vec![0xd5u8; 80]),
        ("dtmf-event", dtmf, vec![5, 0x8a, 0x03, 0x20]),
    ] {
        let mut buf = vec![0u8; h.packet_len(payload.len())];
        let n = h.emit(&mut buf, &payload).unwrap();
        buf.truncate(n);
        out.push((name.to_owned(), buf));
    }
    out
}

fn rtcp_packets() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let reports = [ReportBlock {
        ssrc: 9,
        fraction_lost: 0x40,
        cumulative_lost: -3,
        highest_seq: 0x0001_0005,
        jitter: 12,
        last_sr: 0x1111_2222,
        delay_since_last_sr: 0x8000,
    }];
    let sr = SenderReport {
        ssrc: 5,
        ntp: NtpTime::from_parts(3_900_000_000, 0x8000_0000),
        rtp_timestamp: 160_000,
        packet_count: 1000,
        octet_count: 160_000,
        reports: reports[..].into(),
    };
    let rr = ReceiverReport {
        ssrc: 6,
        reports: reports[..].into(),
    };
    let bye = Bye {
        ssrcs: [5][..].into(),
        reason: Some(b"call ended"),
    };
    let mut buf = vec![0u8; 1500];
    let n = build_compound(
        &mut buf,
        Report::Sender(&sr),
        b"alice@192.0.2.1",
        Some(&bye),
    )
    .unwrap();
    out.push(("sr-sdes-bye".to_owned(), buf[..n].to_vec()));
    let n = build_compound(&mut buf, Report::Receiver(&rr), b"bob@192.0.2.2", None).unwrap();
    out.push(("rr-sdes".to_owned(), buf[..n].to_vec()));
    let items = [
        SdesItem {
            kind: SdesItemType::Cname,
            value: b"a@b",
        },
        SdesItem {
            kind: SdesItemType::from_u8(2),
            value: b"Alice",
        },
        SdesItem {
            kind: SdesItemType::from_u8(8),
            value: b"\x03abcpriv",
        },
    ];
    let items2 = [SdesItem {
        kind: SdesItemType::Cname,
        value: b"c@d",
    }];
    let chunks = [
        SdesChunk {
            ssrc: 1,
            items: &items,
        },
        SdesChunk {
            ssrc: 2,
            items: &items2,
        },
    ];
    let repr = SdesRepr { chunks: &chunks };
    let mut sdes = vec![0u8; repr.buffer_len()];
    repr.emit(&mut sdes).unwrap();
    // An empty RR, the two-chunk SDES, an APP packet and a PLI (RFC 5506 reduced size).
    let mut compound = vec![0x80, 201, 0, 1, 0, 0, 0, 6];
    compound.extend_from_slice(&sdes);
    compound.extend_from_slice(&[0x81, 204, 0, 2, 0, 0, 0, 6, b'n', b'a', b'm', b'e']);
    compound.extend_from_slice(&[0x81, 206, 0, 2, 0, 0, 0, 6, 0, 0, 0, 5]);
    out.push(("rr-sdes2-app-pli".to_owned(), compound));
    out
}

fn stats_runs() -> Vec<(String, Vec<u8>)> {
    let next = Step::Next {
        after: 200,
        ts_step: 160,
    };
    let mut steady = vec![next; 50];
    steady.push(Step::SenderReport(0x1234_5678));
    steady.extend([next; 10]);
    steady.push(Step::Report);
    let mut lossy = vec![next; 5];
    lossy.extend([
        Step::Jump {
            after: 400,
            seq_delta: 3,
            ts_delta: 480,
        },
        Step::Jump {
            after: 100,
            seq_delta: 0xfffe,
            ts_delta: 0u32.wrapping_sub(320),
        },
        Step::Jump {
            after: 10,
            seq_delta: 0,
            ts_delta: 0,
        },
        next,
        Step::Report,
    ]);
    let restart = vec![
        next,
        next,
        next,
        Step::Absolute {
            after_ms: 20,
            seq: 40_000,
            timestamp: 7,
        },
        Step::Absolute {
            after_ms: 20,
            seq: 40_001,
            timestamp: 167,
        },
        next,
        Step::Report,
    ];
    let wrap = vec![
        Step::Absolute {
            after_ms: 0,
            seq: 65_533,
            timestamp: u32::MAX - 200,
        },
        next,
        next,
        next,
        next,
        Step::Report,
    ];
    // The jitter buffer played out every 20 ms while packets arrive, some reordered.
    let mut played = Vec::new();
    for i in 0..60 {
        played.push(next);
        if i % 10 == 9 {
            played.extend([
                Step::Jump {
                    after: 50,
                    seq_delta: 2,
                    ts_delta: 320,
                },
                Step::Jump {
                    after: 50,
                    seq_delta: 0xffff,
                    ts_delta: 0u32.wrapping_sub(160),
                },
                Step::Jump {
                    after: 50,
                    seq_delta: 1,
                    ts_delta: 160,
                },
            ]);
        }
        if i >= 3 {
            played.push(Step::Play { frames: 1 });
        }
    }
    played.push(Step::Play { frames: 8 });
    played.push(Step::Report);
    vec![
        (
            "played-with-reordering".to_owned(),
            rtp_stats::encode(0, &played),
        ),
        ("steady-8k".to_owned(), rtp_stats::encode(0, &steady)),
        ("loss-reorder-dup".to_owned(), rtp_stats::encode(0, &lossy)),
        ("restart".to_owned(), rtp_stats::encode(2, &restart)),
        ("wrap".to_owned(), rtp_stats::encode(1, &wrap)),
    ]
}

fn transaction_runs() -> Vec<(String, Vec<u8>)> {
    // Method indexes: 0 INVITE, 1 ACK, 2 BYE, 3 CANCEL, 4 OPTIONS.
    let uas_invite = [
        T::Request {
            method: 0,
            branch: 0,
            host: 0,
            reliable: false,
        },
        T::SendResponse {
            which: 0,
            status: 180,
        },
        T::Request {
            method: 0,
            branch: 0,
            host: 1,
            reliable: false,
        },
        T::SendResponse {
            which: 0,
            status: 486,
        },
        T::Advance { ms: 500 },
        T::Request {
            method: 1,
            branch: 0,
            host: 0,
            reliable: false,
        },
        T::NextDeadline,
    ];
    let uas_2xx = [
        T::Request {
            method: 0,
            branch: 1,
            host: 2,
            reliable: false,
        },
        T::SendResponse {
            which: 0,
            status: 200,
        },
        T::Request {
            method: 1,
            branch: 2,
            host: 2,
            reliable: false,
        },
        T::Request {
            method: 2,
            branch: 3,
            host: 2,
            reliable: false,
        },
        T::SendResponse {
            which: 1,
            status: 200,
        },
        T::Advance { ms: 32_000 },
    ];
    let uac = [
        T::StartClient {
            method: 0,
            branch: 0,
            reliable: false,
        },
        T::Advance { ms: 500 },
        T::Response {
            method: 0,
            branch: 0,
            status: 100,
        },
        T::Response {
            method: 0,
            branch: 0,
            status: 180,
        },
        T::Response {
            method: 0,
            branch: 0,
            status: 200,
        },
        T::Response {
            method: 0,
            branch: 0,
            status: 200,
        },
        T::StartClient {
            method: 2,
            branch: 1,
            reliable: false,
        },
        T::Advance { ms: 500 },
        T::Response {
            method: 2,
            branch: 1,
            status: 200,
        },
        T::NextDeadline,
    ];
    let cancel = [
        T::StartClient {
            method: 0,
            branch: 2,
            reliable: true,
        },
        T::Response {
            method: 0,
            branch: 2,
            status: 180,
        },
        T::StartClient {
            method: 3,
            branch: 2,
            reliable: true,
        },
        T::Response {
            method: 3,
            branch: 2,
            status: 200,
        },
        T::Response {
            method: 0,
            branch: 2,
            status: 487,
        },
        T::Request {
            method: 3,
            branch: 2,
            host: 0,
            reliable: true,
        },
        T::NextDeadline,
    ];
    let full = [
        T::Request {
            method: 4,
            branch: 0,
            host: 0,
            reliable: false,
        },
        T::Request {
            method: 4,
            branch: 1,
            host: 0,
            reliable: false,
        },
        T::Request {
            method: 4,
            branch: 2,
            host: 0,
            reliable: false,
        },
        T::StartClient {
            method: 4,
            branch: 3,
            reliable: false,
        },
    ];
    vec![
        (
            "uas-invite-486-ack".to_owned(),
            transaction_layer::encode(7, &uas_invite),
        ),
        (
            "uas-invite-200-bye".to_owned(),
            transaction_layer::encode(7, &uas_2xx),
        ),
        (
            "uac-invite-bye".to_owned(),
            transaction_layer::encode(7, &uac),
        ),
        (
            "uac-cancel-reliable".to_owned(),
            transaction_layer::encode(7, &cancel),
        ),
        ("full-layer".to_owned(), transaction_layer::encode(2, &full)),
    ]
}

fn endpoint_runs() -> Vec<(String, Vec<u8>)> {
    // Dialog methods: 0 ACK, 1 BYE, 2 CANCEL, 3 INVITE, 4 OPTIONS. Statuses: 0 100, 1 180,
    // 3 200, 7 486.
    let incoming = [
        E::Invite {
            call_id: 0,
            branch: 1,
            offer: 0,
            peer: 0,
        },
        E::Ring { which: 0 },
        E::Answer { which: 0 },
        E::InDialog {
            which: 0,
            method: 0,
            same_branch: false,
            cseq_add: 0,
        },
        E::Rtp {
            which: 0,
            payload_type: 0,
            seq: 1,
            timestamp: 160,
        },
        E::Advance { ms: 20 },
        E::Rtp {
            which: 0,
            payload_type: 0,
            seq: 2,
            timestamp: 320,
        },
        E::Rtcp { which: 0 },
        E::Advance { ms: 3000 },
        E::InDialog {
            which: 0,
            method: 1,
            same_branch: false,
            cseq_add: 1,
        },
        E::Advance { ms: 1000 },
    ];
    // A call placed, answered over TCP, refreshed by our re-INVITE (answered 200), then the
    // connection to the peer fails.
    let reinvite_over_tcp = [
        E::ToggleStream,
        E::Call { target: 0 },
        E::Respond {
            which: 0,
            status: 3,
            tag: 1,
            with_answer: true,
        },
        E::Advance { ms: 100 },
        E::Reinvite { which: 0 },
        E::Respond {
            which: 0,
            status: 3,
            tag: 1,
            with_answer: true,
        },
        E::Advance { ms: 100 },
        E::TransportError { peer: 0, tcp: true },
        E::Advance { ms: 1000 },
    ];
    let outgoing = [
        E::Call { target: 0 },
        E::Respond {
            which: 0,
            status: 0,
            tag: 1,
            with_answer: false,
        },
        E::Respond {
            which: 0,
            status: 1,
            tag: 1,
            with_answer: false,
        },
        E::Respond {
            which: 0,
            status: 3,
            tag: 1,
            with_answer: true,
        },
        E::Advance { ms: 100 },
        E::Respond {
            which: 1,
            status: 3,
            tag: 1,
            with_answer: true,
        },
        E::Advance { ms: 1000 },
        E::HangUp { which: 0 },
        E::Respond {
            which: 0,
            status: 3,
            tag: 1,
            with_answer: false,
        },
    ];
    let callee_hangs_up = [
        E::Call { target: 1 },
        E::Respond {
            which: 0,
            status: 3,
            tag: 2,
            with_answer: true,
        },
        E::Advance { ms: 500 },
        E::FromCallee {
            which: 1,
            method: 1,
            tag: 2,
        },
        E::Advance { ms: 1000 },
    ];
    let cancelled = [
        E::Invite {
            call_id: 1,
            branch: 2,
            offer: 1,
            peer: 1,
        },
        E::Ring { which: 0 },
        E::InDialog {
            which: 0,
            method: 2,
            same_branch: true,
            cseq_add: 0,
        },
        E::InDialog {
            which: 0,
            method: 0,
            same_branch: true,
            cseq_add: 0,
        },
        E::Advance { ms: 4000 },
    ];
    let refused = [
        E::Invite { call_id: 2, branch: 3, offer: 2, peer: 0 },
        E::InDialog { which: 0, method: 0, same_branch: true, cseq_add: 0 },
        E::Invite { call_id: 3, branch: 4, offer: 4, peer: 0 },
        E::Invite { call_id: 0, branch: 5, offer: 6, peer: 0 },
        E::Raw(
            b"OPTIONS sip:sansio@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKping\r\n\
From: <sip:probe@127.0.0.1:5070>;tag=p1\r\nTo: <sip:sansio@127.0.0.1:5060>\r\nCall-ID: ping-1\r\n\
CSeq: 7 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
        ),
        E::Raw(b"\r\n\r\n"),
        E::Raw(b"INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKbad\r\nCSeq: 1 BYE\r\n\r\n"),
    ];
    let busy = [
        E::Invite {
            call_id: 0,
            branch: 6,
            offer: 0,
            peer: 0,
        },
        E::Invite {
            call_id: 1,
            branch: 7,
            offer: 3,
            peer: 1,
        },
        E::Call { target: 0 },
        E::Reject {
            which: 0,
            status: 486,
        },
        E::Answer { which: 1 },
        E::InDialog {
            which: 0,
            method: 0,
            same_branch: false,
            cseq_add: 0,
        },
        E::Respond {
            which: 1,
            status: 7,
            tag: 3,
            with_answer: false,
        },
        E::Advance { ms: 4999 },
    ];
    vec![
        (
            "incoming-answer-bye".to_owned(),
            endpoint::encode(0, &incoming),
        ),
        (
            "outgoing-200-hangup".to_owned(),
            endpoint::encode(1, &outgoing),
        ),
        (
            "outgoing-callee-bye".to_owned(),
            endpoint::encode(1, &callee_hangs_up),
        ),
        (
            "incoming-cancelled".to_owned(),
            endpoint::encode(2, &cancelled),
        ),
        (
            "refused-and-garbage".to_owned(),
            endpoint::encode(0, &refused),
        ),
        ("busy-two-calls".to_owned(), endpoint::encode(1, &busy)),
        (
            "reinvite-over-tcp-then-transport-error".to_owned(),
            endpoint::encode(0, &reinvite_over_tcp),
        ),
    ]
}

/// TCP streams for `sip_stream`: torture messages back to back, with RFC 5626 keep-alives
/// between some of them, cut into chunks of a few shapes (see `fuzz::sip_stream`).
fn stream_runs(torture: &[(String, Vec<u8>)]) -> Vec<(String, Vec<u8>)> {
    let chunkings: [&[u8]; 4] = [&[1], &[7, 13, 2], &[200], &[3, 64, 255]];
    let mut out = Vec::new();
    let crlf: Vec<&(String, Vec<u8>)> = torture
        .iter()
        .filter(|(name, _)| !name.starts_with("rfc5118-") || name.ends_with("-crlf"))
        .collect();
    for (i, pair) in crlf.chunks(2).enumerate() {
        let chunks = chunkings[i % chunkings.len()];
        let mut input = vec![chunks.len() as u8];
        input.extend_from_slice(chunks);
        for (j, (_, bytes)) in pair.iter().enumerate() {
            if j > 0 && i % 3 == 0 {
                input.extend_from_slice(b"\r\n\r\n");
            }
            input.extend_from_slice(bytes);
        }
        let names: Vec<&str> = pair.iter().map(|(n, _)| n.as_str()).collect();
        out.push((format!("stream-{}", names.join("+")), input));
    }
    out
}

#[test]
#[ignore = "writes fuzz/corpus; run by hand (see the module docs)"]
fn generate_seed_corpus() {
    let root = PathBuf::from(
        std::env::var("CONFORMANCE").unwrap_or_else(|_| "/work/shared/conformance".to_owned()),
    );
    let torture = torture(&root);
    let mut sdps = sdp_offers();
    let mut uris: Vec<String> = vec![
        "sip:alice@atlanta.example.com".into(),
        "sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?subject=hi&priority=urgent".into(),
        "sip:%61lice@192.0.2.1;maddr=239.255.255.1;ttl=15".into(),
        "tel:+1-201-555-0123;phone-context=example.com".into(),
        "urn:service:sos".into(),
        "sip:alice@atlanta.example.com\nSIP:%61lice@ATLANTA.example.com".into(),
    ];
    for (name, bytes) in &torture {
        put("sip_datagram", name, bytes);
        if let Some(body) = body_of(bytes) {
            sdps.push((format!("from-{name}"), body.to_vec()));
        }
        uris.extend(uris_of(bytes));
    }
    uris.sort();
    uris.dedup();
    for (i, u) in uris.iter().enumerate() {
        put("sip_uri", &format!("uri-{i:03}"), u.as_bytes());
    }
    for (name, bytes) in &sdps {
        put("sdp", name, bytes);
        put("sdp_offer_answer", name, bytes);
    }
    for (name, bytes) in stream_runs(&torture) {
        put("sip_stream", &name, &bytes);
    }
    for (name, bytes) in rtp_packets() {
        put("rtp_packet", &name, &bytes);
    }
    for (name, bytes) in rtcp_packets() {
        put("rtcp_compound", &name, &bytes);
    }
    for (name, bytes) in stats_runs() {
        put("rtp_stats", &name, &bytes);
    }
    for (name, bytes) in transaction_runs() {
        put("transaction_layer", &name, &bytes);
    }
    for (name, bytes) in endpoint_runs() {
        put("endpoint", &name, &bytes);
    }
}

#[test]
fn endpoint_seeds_exercise_real_call_flows() {
    let runs: Vec<_> = endpoint_runs()
        .into_iter()
        .map(|(name, bytes)| (name, endpoint::run(&bytes)))
        .collect();
    for (name, s) in &runs {
        println!("{name}: {s:?}");
    }
    let get = |n: &str| &runs.iter().find(|(name, _)| name == n).unwrap().1;
    assert_eq!(
        get("incoming-answer-bye").events,
        ["IncomingCall", "Answered", "Ended"]
    );
    assert!(get("incoming-answer-bye").rtp_sent > 100);
    assert_eq!(
        get("outgoing-200-hangup").events,
        ["Ringing", "Answered", "Ended"]
    );
    assert_eq!(get("outgoing-callee-bye").events, ["Answered", "Ended"]);
    assert_eq!(get("incoming-cancelled").events, ["IncomingCall", "Ended"]);
    assert_eq!(
        get("reinvite-over-tcp-then-transport-error").events,
        ["Answered", "SessionRefreshed", "Ended"]
    );
}
