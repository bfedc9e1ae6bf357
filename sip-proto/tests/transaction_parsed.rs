//! The transaction layer on real SIP messages: keys from headers (RFC 3261 §17.1.3,
//! §17.2.3), the non-2xx ACK (§17.1.1.3), and a UAC and a UAS layer talking through the
//! parser.

use bytes::Bytes;
use sip_proto::message::{Message, Method, ResponseBuilder};
use sip_proto::time::Instant;
use sip_proto::transaction::{
    non_2xx_ack, Event, KeyError, LayerConfig, LayerEvent, MergeKey, Reliability,
    ServerInviteState, TransactionId, TransactionKey, TransactionLayer, TransactionState,
};

const INVITE: &[u8] = b"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP PC33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n\
Route: <sip:p1.example.com;lr>\r\n\
Route: <sip:p2.example.com;lr>\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:alice@pc33.atlanta.example.com>\r\n\
Content-Length: 0\r\n\r\n";

fn parse(b: &[u8]) -> Message {
    Message::parse(Bytes::copy_from_slice(b)).expect("test messages parse")
}

fn respond(request: &Message, status: u16, tag: Option<&str>) -> Message {
    let req = request.as_request().expect("a request");
    let mut out = Vec::new();
    let b = ResponseBuilder::from_request(req, status, "");
    let b = match tag {
        Some(t) => b.to_tag(t),
        None => b,
    };
    b.write(&mut out).expect("valid response");
    Message::parse(Bytes::from(out)).expect("own response parses")
}

#[allow(clippy::disallowed_methods)] // test epoch
fn epoch() -> Instant {
    Instant::now()
}

#[test]
fn request_and_response_keys() {
    let invite = parse(INVITE);
    let req = invite.as_request().unwrap();
    let key = TransactionKey::for_request(req).unwrap();
    assert_eq!(key.branch.as_ref(), b"z9hG4bK776asdhds");
    assert_eq!(key.sent_by.as_ref(), b"pc33.atlanta.example.com:5060");
    assert_eq!(key.method.as_ref(), b"INVITE");
    let client = TransactionKey::for_client_request(req).unwrap();
    assert_eq!(client, TransactionKey::client("z9hG4bK776asdhds", "INVITE"));
    let resp = respond(&invite, 180, Some("a6c85cf"));
    assert_eq!(
        TransactionKey::for_response(resp.as_response().unwrap()).unwrap(),
        client
    );
}

#[test]
fn tls_default_port() {
    let tls = parse(
        b"OPTIONS sip:b@h SIP/2.0\r\nVia: SIP/2.0/TLS h1;branch=z9hG4bKx\r\n\
          From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n",
    );
    let key = TransactionKey::for_request(tls.as_request().unwrap()).unwrap();
    assert_eq!(key.sent_by.as_ref(), b"h1:5061");
}

#[test]
fn ack_for_non_2xx_copies_what_17_1_1_3_says() {
    let invite = parse(INVITE);
    let busy = respond(&invite, 486, Some("314159"));
    let ack = non_2xx_ack(invite.as_request().unwrap(), busy.as_response().unwrap()).unwrap();
    let expected: &[u8] = b"ACK sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP PC33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n\
Route: <sip:p1.example.com;lr>\r\n\
Route: <sip:p2.example.com;lr>\r\n\
Max-Forwards: 70\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
To: Bob <sip:bob@biloxi.example.com>;tag=314159\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n\
CSeq: 314159 ACK\r\n\
Content-Length: 0\r\n\r\n";
    assert_eq!(
        std::str::from_utf8(&ack).unwrap(),
        std::str::from_utf8(expected).unwrap()
    );
}

/// INVITE → 100 → 486 → ACK between two layers, every message through the parser; then the
/// UAS's 486 retransmission is re-ACKed by the UAC without reaching its TU.
#[test]
fn uac_and_uas_layers_through_the_parser() {
    let t0 = epoch();
    let mut uac: TransactionLayer<&str> = TransactionLayer::new(LayerConfig::default());
    let mut uas: TransactionLayer<&str> = TransactionLayer::new(LayerConfig::default());

    let invite = parse(INVITE);
    let c = uac
        .send_request(
            t0,
            invite.as_request().unwrap(),
            "uas",
            Reliability::Unreliable,
        )
        .unwrap();
    let wire = uac.poll_transmit().unwrap();
    assert_eq!(wire.bytes.as_ref(), INVITE);

    let s = uas
        .handle_message(t0, parse(&wire.bytes), "uac", Reliability::Unreliable)
        .unwrap();
    let received = match uas.poll_event() {
        Some(LayerEvent::NewRequest { id, message, .. }) if id == s => {
            Message::parse(message).unwrap()
        }
        other => panic!("expected NewRequest, got {other:?}"),
    };
    let trying = respond(&received, 100, None);
    uas.send_response(t0, s, 100, trying.bytes().clone())
        .unwrap();
    let busy = respond(&received, 486, Some("9fxced76sl"));
    uas.send_response(t0, s, 486, busy.bytes().clone()).unwrap();
    let out: Vec<_> = std::iter::from_fn(|| uas.poll_transmit()).collect();
    assert_eq!(out.len(), 2);

    for t in &out {
        assert_eq!(
            uac.handle_message(t0, parse(&t.bytes), "uas", Reliability::Unreliable),
            Some(c)
        );
    }
    let ack = uac.poll_transmit().expect("the transaction ACKs the 486");
    let ack_msg = parse(&ack.bytes);
    let ack_req = ack_msg.as_request().unwrap();
    assert_eq!(ack_req.method(), &Method::Ack);
    assert_eq!(ack_msg.headers().cseq().unwrap().seq, 314159);
    assert_eq!(ack_msg.headers().to().unwrap().tag(), Some("9fxced76sl"));
    assert_eq!(
        ack_msg.headers().top_via().unwrap().branch(),
        Some("z9hG4bK776asdhds")
    );
    let statuses: Vec<u16> = std::iter::from_fn(|| uac.poll_event())
        .filter_map(|e| match e {
            LayerEvent::Transaction {
                event: Event::Response { status, .. },
                ..
            } => Some(status),
            _ => None,
        })
        .collect();
    assert_eq!(statuses, vec![100, 486]);

    // A retransmitted 486 is re-ACKed and not passed up again.
    uac.handle_message(t0, parse(&out[1].bytes), "uas", Reliability::Unreliable);
    assert_eq!(
        uac.poll_transmit().map(|t| t.bytes),
        Some(ack.bytes.clone())
    );
    assert_eq!(uac.poll_event(), None);

    // The ACK matches the INVITE server transaction (§17.2.3) and confirms it.
    assert_eq!(
        uas.handle_message(t0, ack_msg, "uac", Reliability::Unreliable),
        Some(s)
    );
    assert_eq!(
        uas.state(s),
        Some(TransactionState::ServerInvite(ServerInviteState::Confirmed))
    );
}

#[test]
fn cancel_is_its_own_server_transaction_and_finds_its_invite() {
    let t0 = epoch();
    let mut uas: TransactionLayer<u8> = TransactionLayer::new(LayerConfig::default());
    let inv = uas
        .handle_message(t0, parse(INVITE), 0, Reliability::Unreliable)
        .unwrap();
    let cancel = parse(
        b"CANCEL sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n\
CSeq: 314159 CANCEL\r\n\
Content-Length: 0\r\n\r\n",
    );
    let can = uas
        .handle_message(t0, cancel, 0, Reliability::Unreliable)
        .unwrap();
    assert_ne!(inv, can);
    let key = uas.key(can).unwrap().cancel_target().unwrap();
    assert_eq!(uas.find_server(&key), Some(inv));
}

#[test]
fn malformed_messages_are_events_not_errors() {
    let t0 = epoch();
    let mut l: TransactionLayer<u8> = TransactionLayer::new(LayerConfig::default());
    let no_via = parse(
        b"OPTIONS sip:b@h SIP/2.0\r\n\
          From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n",
    );
    assert_eq!(
        l.handle_message(t0, no_via, 7, Reliability::Unreliable),
        None
    );
    assert!(matches!(
        l.poll_event(),
        Some(LayerEvent::Malformed {
            reason: KeyError::Via,
            peer: 7,
            ..
        })
    ));
    assert!(l.is_empty());
}

/// RFC 2543 peers (no magic cookie): the older matching of §17.2.3 still recognises the
/// INVITE retransmission and the ACK for the non-2xx response.
#[test]
fn rfc2543_fallback_matches_retransmission_and_ack() {
    let t0 = epoch();
    let mut uas: TransactionLayer<u8> = TransactionLayer::new(LayerConfig::default());
    let invite: &[u8] = b"INVITE sip:bob@b.example SIP/2.0\r\n\
Via: SIP/2.0/UDP old.example:5060;branch=1234\r\n\
To: <sip:bob@b.example>\r\nFrom: <sip:al@a.example>;tag=77\r\n\
Call-ID: k1@old.example\r\nCSeq: 8 INVITE\r\nContent-Length: 0\r\n\r\n";
    let s = uas
        .handle_message(t0, parse(invite), 0, Reliability::Unreliable)
        .unwrap();
    let received = match uas.poll_event() {
        Some(LayerEvent::NewRequest { message, .. }) => Message::parse(message).unwrap(),
        other => panic!("expected NewRequest, got {other:?}"),
    };
    assert_eq!(
        uas.handle_message(t0, parse(invite), 0, Reliability::Unreliable),
        Some(s)
    );
    assert_eq!(
        uas.poll_event(),
        None,
        "a retransmission, not a new request"
    );
    let busy = respond(&received, 486, Some("srv"));
    uas.send_response(t0, s, 486, busy.bytes().clone()).unwrap();
    let ack: &[u8] = b"ACK sip:bob@b.example SIP/2.0\r\n\
Via: SIP/2.0/UDP old.example:5060;branch=1234\r\n\
To: <sip:bob@b.example>;tag=srv\r\nFrom: <sip:al@a.example>;tag=77\r\n\
Call-ID: k1@old.example\r\nCSeq: 8 ACK\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(
        uas.handle_message(t0, parse(ack), 0, Reliability::Unreliable),
        Some(s)
    );
    assert_eq!(
        uas.state(s),
        Some(TransactionState::ServerInvite(ServerInviteState::Confirmed))
    );
    // Another CSeq is another transaction.
    let bye: &[u8] = b"BYE sip:bob@b.example SIP/2.0\r\n\
Via: SIP/2.0/UDP old.example:5060;branch=1234\r\n\
To: <sip:bob@b.example>;tag=srv\r\nFrom: <sip:al@a.example>;tag=77\r\n\
Call-ID: k1@old.example\r\nCSeq: 9 BYE\r\nContent-Length: 0\r\n\r\n";
    let b = uas
        .handle_message(t0, parse(bye), 0, Reliability::Unreliable)
        .unwrap();
    assert_ne!(b, s);
}

/// §17.2.1: an INVITE the TU does not answer within 200 ms gets the layer's own 100 Trying,
/// built from the request (§8.2.6.1) and resent on retransmissions of the INVITE.
#[test]
fn auto_100_trying_after_200ms() {
    let t0 = epoch();
    let mut uas: TransactionLayer<u8> = TransactionLayer::new(LayerConfig::default());
    uas.handle_message(t0, parse(INVITE), 0, Reliability::Unreliable)
        .unwrap();
    assert_eq!(uas.poll_transmit(), None);
    let at = t0 + std::time::Duration::from_millis(200);
    assert_eq!(uas.poll_timeout(), Some(at));
    uas.handle_timeout(at);
    let trying = uas.poll_transmit().expect("100 Trying").bytes;
    let msg = parse(&trying);
    let resp = msg.as_response().unwrap();
    assert_eq!(resp.status(), 100);
    assert_eq!(msg.headers().to().unwrap().tag(), None);
    assert_eq!(
        msg.headers().top_via().unwrap().branch(),
        Some("z9hG4bK776asdhds")
    );
    uas.handle_message(at, parse(INVITE), 0, Reliability::Unreliable);
    assert_eq!(uas.poll_transmit().map(|t| t.bytes), Some(trying));

    // A TU that answers in time pre-empts it.
    let mut fast: TransactionLayer<u8> = TransactionLayer::new(LayerConfig::default());
    let invite = parse(INVITE);
    let s = fast
        .handle_message(t0, invite.clone(), 0, Reliability::Unreliable)
        .unwrap();
    let ringing = respond(&invite, 180, Some("x1"));
    fast.send_response(t0, s, 180, ringing.bytes().clone())
        .unwrap();
    fast.handle_timeout(at);
    let sent: Vec<_> = std::iter::from_fn(|| fast.poll_transmit())
        .map(|t| t.bytes)
        .collect();
    assert_eq!(sent, vec![ringing.bytes().clone()]);

    // A layer configured without it stays silent.
    let mut quiet: TransactionLayer<u8> = TransactionLayer::new(LayerConfig {
        auto_trying: false,
        ..LayerConfig::default()
    });
    quiet
        .handle_message(t0, parse(INVITE), 0, Reliability::Unreliable)
        .unwrap();
    assert_eq!(quiet.poll_timeout(), None);
}

/// The first event, which must be a `NewRequest`: its transaction and what it merged with.
fn new_request(
    layer: &mut TransactionLayer<&'static str>,
) -> (TransactionId, Option<TransactionId>) {
    match layer.poll_event() {
        Some(LayerEvent::NewRequest { id, merged, .. }) => (id, merged),
        other => panic!("expected NewRequest, got {other:?}"),
    }
}

#[test]
fn merged_requests_are_flagged_per_8_2_2_2() {
    let t0 = epoch();
    let mut uas: TransactionLayer<&'static str> = TransactionLayer::new(LayerConfig::default());
    let first = uas
        .handle_message(t0, parse(INVITE), "p1", Reliability::Unreliable)
        .unwrap();
    assert_eq!(new_request(&mut uas), (first, None));

    // The same INVITE again after a proxy forked it down two paths: another branch (so no
    // §17.2.3 match), same From tag, Call-ID and CSeq. It gets a transaction of its own,
    // flagged as merged with the first.
    let forked = String::from_utf8(INVITE.to_vec())
        .unwrap()
        .replace("branch=z9hG4bK776asdhds", "branch=z9hG4bKother");
    let second = uas
        .handle_message(t0, parse(forked.as_bytes()), "p2", Reliability::Unreliable)
        .unwrap();
    assert_ne!(second, first);
    assert_eq!(new_request(&mut uas), (second, Some(first)));

    // A retransmission of the first matches it: no new request, nothing merged.
    assert_eq!(
        uas.handle_message(t0, parse(INVITE), "p1", Reliability::Unreliable),
        Some(first)
    );
    assert_eq!(uas.poll_event(), None);

    // Not merges: the next CSeq (a retry after a 401, say), a CANCEL of the first (same
    // number, another method), and a request with a To tag (inside a dialog).
    let text = String::from_utf8(INVITE.to_vec()).unwrap();
    let retry = text
        .replace("branch=z9hG4bK776asdhds", "branch=z9hG4bKretry")
        .replace("CSeq: 314159 INVITE", "CSeq: 314160 INVITE");
    uas.handle_message(t0, parse(retry.as_bytes()), "p1", Reliability::Unreliable);
    assert_eq!(new_request(&mut uas).1, None);
    let cancel = text
        .replacen("INVITE sip:", "CANCEL sip:", 1)
        .replace("CSeq: 314159 INVITE", "CSeq: 314159 CANCEL");
    uas.handle_message(t0, parse(cancel.as_bytes()), "p1", Reliability::Unreliable);
    assert_eq!(new_request(&mut uas).1, None);
    let in_dialog = text
        .replace("branch=z9hG4bK776asdhds", "branch=z9hG4bKdlg")
        .replace(
            "<sip:bob@biloxi.example.com>\r\n",
            "<sip:bob@biloxi.example.com>;tag=b1\r\n",
        );
    uas.handle_message(
        t0,
        parse(in_dialog.as_bytes()),
        "p1",
        Reliability::Unreliable,
    );
    assert_eq!(new_request(&mut uas).1, None);

    // Once the first transaction is gone, the same request is new again.
    let mut key_holder = uas.find_merge(&MergeKey::new(
        "1928301774",
        "a84b4c76e66710@pc33.atlanta.example.com",
        314159,
        "INVITE",
    ));
    assert_eq!(key_holder, Some(first));
    uas.destroy(first).unwrap();
    key_holder = uas.find_merge(&MergeKey::new(
        "1928301774",
        "a84b4c76e66710@pc33.atlanta.example.com",
        314159,
        "INVITE",
    ));
    assert_eq!(key_holder, None);
    while uas.poll_event().is_some() {}
    let third = forked.replace("branch=z9hG4bKother", "branch=z9hG4bKthird");
    let id = uas
        .handle_message(t0, parse(third.as_bytes()), "p3", Reliability::Unreliable)
        .unwrap();
    assert_eq!(new_request(&mut uas), (id, None));
}
