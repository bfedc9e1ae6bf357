//! Whole call flows between two endpoints wired back to back in memory, on virtual time.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use session_fsm::{Endpoint, EndpointConfig, Event, Input, Output, Socket, WallClock};

fn endpoint(addr: &str, seed: u64, epoch: Instant) -> Endpoint {
    let wall = WallClock { instant: epoch, unix: Duration::from_secs(1_800_000_000) };
    Endpoint::new(EndpointConfig::new(addr.parse().unwrap(), seed, wall))
}

type Sent = Vec<(Socket, SocketAddr, Vec<u8>)>;

/// Drains one endpoint, returning what it sent, its events and its next deadline.
fn drain(ep: &mut Endpoint) -> (Sent, Vec<Event>, Option<Instant>) {
    let mut sent = Vec::new();
    let mut events = Vec::new();
    let mut buf = Vec::new();
    loop {
        match ep.poll_output(&mut buf) {
            Output::Transmit(t) => sent.push((t.socket, t.destination, buf.clone())),
            Output::Event(e) => events.push(e),
            Output::Timeout(t) => return (sent, events, t),
        }
    }
}

#[test]
fn options_is_answered_200_with_allow() {
    let epoch = Instant::now();
    let mut uas = endpoint("127.0.0.1:5060", 1, epoch);
    let request = b"OPTIONS sip:uas@127.0.0.1:5060 SIP/2.0\r\n\
        Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKping1\r\n\
        From: <sip:probe@127.0.0.1:5070>;tag=p1\r\nTo: <sip:uas@127.0.0.1:5060>\r\n\
        Call-ID: ping-1\r\nCSeq: 7 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    uas.handle_input(Input::Receive {
        now: epoch,
        socket: Socket::Sip,
        source: "127.0.0.1:5070".parse().unwrap(),
        bytes: Bytes::from_static(request),
    });
    let (sent, events, _) = drain(&mut uas);
    assert!(events.is_empty());
    assert_eq!(sent.len(), 1);
    let text = String::from_utf8(sent[0].2.clone()).unwrap();
    assert!(text.starts_with("SIP/2.0 200 OK\r\n"), "{text}");
    assert!(text.contains("\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKping1\r\n"), "{text}");
    assert!(text.contains("\r\nCSeq: 7 OPTIONS\r\n"), "{text}");
    assert!(text.contains("\r\nAllow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n"), "{text}");
}
