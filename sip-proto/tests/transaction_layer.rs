//! The transaction layer: matching (RFC 3261 §17.1.3, §17.2.3), capacity, handles and the
//! aggregated timeout.

use bytes::Bytes;
use sip_proto::time::{Duration, Instant};
use sip_proto::transaction::{
    ClientInviteState, Event, LayerConfig, LayerError, LayerEvent, Reliability, Timer,
    TransactionId, TransactionKey, TransactionKind, TransactionLayer, TransactionState, Transmit,
};

type Layer = TransactionLayer<&'static str>;

#[allow(clippy::disallowed_methods)] // test epoch
fn epoch() -> Instant {
    Instant::now()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn b(s: &'static str) -> Bytes {
    Bytes::from_static(s.as_bytes())
}

fn layer() -> Layer {
    TransactionLayer::new(LayerConfig::default())
}

fn tx(l: &mut Layer) -> Vec<Transmit<&'static str>> {
    std::iter::from_fn(|| l.poll_transmit()).collect()
}

fn ev(l: &mut Layer) -> Vec<LayerEvent<&'static str>> {
    std::iter::from_fn(|| l.poll_event()).collect()
}

fn no_ack(_: &Bytes, _: &Bytes) -> Bytes {
    panic!("no ACK expected")
}

fn server_key(branch: &'static str, method: &'static str) -> TransactionKey {
    TransactionKey::server(branch, b"client.example", 5060, method)
}

#[test]
fn client_invite_and_its_cancel_are_separate_transactions() {
    let t0 = epoch();
    let mut l = layer();
    let inv = l
        .start_client(
            t0,
            TransactionKey::client("z9hG4bKa", "INVITE"),
            b("INVITE"),
            "uas",
            Reliability::Unreliable,
        )
        .unwrap();
    let can = l
        .start_client(
            t0,
            TransactionKey::client("z9hG4bKa", "CANCEL"),
            b("CANCEL"),
            "uas",
            Reliability::Unreliable,
        )
        .unwrap();
    assert_ne!(inv, can);
    assert_eq!(
        l.state(inv),
        Some(TransactionState::ClientInvite(ClientInviteState::Calling))
    );
    assert_eq!(l.kind(inv), Some(TransactionKind::ClientInvite));
    assert_eq!(l.kind(can), Some(TransactionKind::ClientNonInvite));
    let sent = tx(&mut l);
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[0],
        Transmit {
            id: inv,
            peer: "uas",
            bytes: b("INVITE")
        }
    );

    // 200 to the CANCEL goes to the CANCEL transaction only (§17.1.3: the method decides).
    let got = l.handle_response(
        t0 + ms(50),
        TransactionKey::client("z9hG4bKa", "CANCEL"),
        200,
        b("200c"),
        "uas",
        no_ack,
    );
    assert_eq!(got, Some(can));
    // 487 to the INVITE: the INVITE transaction ACKs it with the builder's bytes.
    let got = l.handle_response(
        t0 + ms(60),
        TransactionKey::client("z9hG4bKa", "INVITE"),
        487,
        b("487"),
        "uas",
        |inv, resp| {
            assert_eq!(inv.as_ref(), b"INVITE");
            assert_eq!(resp.as_ref(), b"487");
            b("ACK")
        },
    );
    assert_eq!(got, Some(inv));
    assert_eq!(
        tx(&mut l),
        vec![Transmit {
            id: inv,
            peer: "uas",
            bytes: b("ACK")
        }]
    );
    let events = ev(&mut l);
    assert!(events.contains(&LayerEvent::Transaction {
        id: can,
        event: Event::Response {
            status: 200,
            message: b("200c")
        }
    }));
    assert!(events.contains(&LayerEvent::Transaction {
        id: inv,
        event: Event::Response {
            status: 487,
            message: b("487")
        }
    }));
}

#[test]
fn stray_response_is_reported() {
    let t0 = epoch();
    let mut l = layer();
    let key = TransactionKey::client("z9hG4bKnone", "INVITE");
    assert_eq!(
        l.handle_response(t0, key.clone(), 200, b("200"), "x", no_ack),
        None
    );
    assert_eq!(
        ev(&mut l),
        vec![LayerEvent::StrayResponse {
            key,
            status: 200,
            message: b("200"),
            peer: "x"
        }]
    );
}

#[test]
fn server_new_request_retransmission_and_ack() {
    let t0 = epoch();
    let mut l = layer();
    let key = server_key("z9hG4bKs1", "INVITE");
    let id = l
        .handle_request(t0, key.clone(), b("INVITE"), "uac", Reliability::Unreliable)
        .unwrap();
    assert_eq!(
        ev(&mut l),
        vec![LayerEvent::NewRequest {
            id,
            key: key.clone(),
            message: b("INVITE"),
            peer: "uac",
            merged: None,
        }]
    );
    l.send_response(t0 + ms(10), id, 180, b("180")).unwrap();
    assert_eq!(tx(&mut l).len(), 1);
    // A retransmission matches (no new event) and resends the 180.
    assert_eq!(
        l.handle_request(
            t0 + ms(500),
            key.clone(),
            b("INVITE"),
            "uac",
            Reliability::Unreliable
        ),
        Some(id)
    );
    assert!(ev(&mut l).is_empty());
    assert_eq!(
        tx(&mut l),
        vec![Transmit {
            id,
            peer: "uac",
            bytes: b("180")
        }]
    );
    // Same branch from another sent-by is another transaction (§17.2.3).
    let other = TransactionKey::server("z9hG4bKs1", b"elsewhere.example", 5060, "INVITE");
    let id2 = l
        .handle_request(t0, other, b("INVITE"), "uac2", Reliability::Unreliable)
        .unwrap();
    assert_ne!(id, id2);
    ev(&mut l);
    // 486, then the ACK (method ACK matches the INVITE transaction) confirms it.
    l.send_response(t0 + ms(600), id, 486, b("486")).unwrap();
    tx(&mut l);
    assert_eq!(
        l.handle_request(
            t0 + ms(700),
            server_key("z9hG4bKs1", "ACK"),
            b("ACK"),
            "uac",
            Reliability::Unreliable
        ),
        Some(id)
    );
    assert!(ev(&mut l).is_empty());
    // Timer I: T4 later the transaction ends and its handle goes stale.
    let i = t0 + ms(700) + Duration::from_secs(5);
    assert_eq!(l.poll_timeout(), Some(i));
    l.handle_timeout(i);
    assert_eq!(
        ev(&mut l),
        vec![LayerEvent::Transaction {
            id,
            event: Event::Terminated
        }]
    );
    assert_eq!(l.kind(id), None);
    assert_eq!(
        l.send_response(i, id, 200, b("200")),
        Err(LayerError::UnknownTransaction(id))
    );
    assert_eq!(l.len(), 1);
}

#[test]
fn ack_for_2xx_is_unmatched_and_cancel_finds_its_invite() {
    let t0 = epoch();
    let mut l = layer();
    let inv = l
        .handle_request(
            t0,
            server_key("z9hG4bKi", "INVITE"),
            b("INVITE"),
            "p",
            Reliability::Unreliable,
        )
        .unwrap();
    let cancel_key = server_key("z9hG4bKi", "CANCEL");
    let can = l
        .handle_request(
            t0,
            cancel_key.clone(),
            b("CANCEL"),
            "p",
            Reliability::Unreliable,
        )
        .unwrap();
    assert_ne!(inv, can);
    assert_eq!(l.kind(can), Some(TransactionKind::ServerNonInvite));
    assert_eq!(
        l.find_server(&cancel_key.cancel_target().unwrap()),
        Some(inv)
    );
    ev(&mut l);
    let ack2xx = server_key("z9hG4bKnew", "ACK");
    assert_eq!(
        l.handle_request(t0, ack2xx.clone(), b("ACK"), "p", Reliability::Unreliable),
        None
    );
    assert_eq!(
        ev(&mut l),
        vec![LayerEvent::UnmatchedAck {
            key: ack2xx,
            message: b("ACK"),
            peer: "p"
        }]
    );
}

#[test]
fn full_layer_is_a_typed_error_and_an_overload_event() {
    let t0 = epoch();
    let mut l: Layer = TransactionLayer::new(LayerConfig {
        max_transactions: 2,
        ..LayerConfig::default()
    });
    let a = l
        .start_client(
            t0,
            TransactionKey::client("z9hG4bK1", "OPTIONS"),
            b("O"),
            "p",
            Reliability::Reliable,
        )
        .unwrap();
    l.start_client(
        t0,
        TransactionKey::client("z9hG4bK2", "OPTIONS"),
        b("O"),
        "p",
        Reliability::Reliable,
    )
    .unwrap();
    assert_eq!(
        l.start_client(
            t0,
            TransactionKey::client("z9hG4bK3", "OPTIONS"),
            b("O"),
            "p",
            Reliability::Reliable
        ),
        Err(LayerError::Full { max: 2 })
    );
    let key = server_key("z9hG4bK4", "OPTIONS");
    assert_eq!(
        l.handle_request(t0, key.clone(), b("O"), "q", Reliability::Reliable),
        None
    );
    assert_eq!(
        ev(&mut l),
        vec![LayerEvent::Overloaded {
            key,
            message: b("O"),
            peer: "q"
        }]
    );
    // A final response on a reliable transport ends `a` at once (Timer K = 0) and frees a slot.
    l.handle_response(
        t0,
        TransactionKey::client("z9hG4bK1", "OPTIONS"),
        200,
        b("200"),
        "p",
        no_ack,
    );
    assert_eq!(l.len(), 1);
    let c = l
        .start_client(
            t0,
            TransactionKey::client("z9hG4bK3", "OPTIONS"),
            b("O"),
            "p",
            Reliability::Reliable,
        )
        .unwrap();
    assert_ne!(a, c, "a reused slot gets a new generation");
    assert_eq!(l.kind(a), None);
}

#[test]
fn misuse_errors() {
    let t0 = epoch();
    let mut l = layer();
    let key = TransactionKey::client("z9hG4bK1", "INVITE");
    let id = l
        .start_client(t0, key.clone(), b("INVITE"), "p", Reliability::Unreliable)
        .unwrap();
    assert_eq!(
        l.start_client(t0, key.clone(), b("INVITE"), "p", Reliability::Unreliable),
        Err(LayerError::DuplicateKey(key))
    );
    assert_eq!(
        l.start_client(
            t0,
            TransactionKey::client("z9hG4bK2", "ACK"),
            b("ACK"),
            "p",
            Reliability::Unreliable
        ),
        Err(LayerError::AckIsNotATransaction)
    );
    assert_eq!(
        l.send_response(t0, id, 200, b("200")),
        Err(LayerError::WrongKind {
            id,
            kind: TransactionKind::ClientInvite
        })
    );
    let s = l
        .handle_request(
            t0,
            server_key("z9hG4bK9", "INVITE"),
            b("INVITE"),
            "p",
            Reliability::Unreliable,
        )
        .unwrap();
    assert!(matches!(
        l.send_response(t0, s, 42, b("?")),
        Err(LayerError::Transaction(_))
    ));
    assert!(!format!("{}", LayerError::Full { max: 1 }).is_empty());
}

#[test]
fn transport_error_terminates_and_frees() {
    let t0 = epoch();
    let mut l = layer();
    let id = l
        .start_client(
            t0,
            TransactionKey::client("z9hG4bK1", "INVITE"),
            b("INVITE"),
            "p",
            Reliability::Unreliable,
        )
        .unwrap();
    l.transport_error(id).unwrap();
    assert_eq!(
        ev(&mut l),
        vec![
            LayerEvent::Transaction {
                id,
                event: Event::TransportError
            },
            LayerEvent::Transaction {
                id,
                event: Event::Terminated
            },
        ]
    );
    assert!(l.is_empty());
    assert_eq!(l.poll_timeout(), None);
    assert_eq!(
        l.transport_error(id),
        Err(LayerError::UnknownTransaction(id))
    );
}

/// Many transactions on virtual time: the layer's deadline is always the minimum over its
/// transactions, `handle_timeout` never leaves one at or before `now`, and every INVITE
/// retransmits on the exact schedule of Timer A before Timer B ends it.
#[test]
fn aggregated_timeouts_over_many_transactions() {
    let t0 = epoch();
    let mut l = layer();
    let mut ids: Vec<TransactionId> = Vec::new();
    for i in 0..200u64 {
        let branch = Bytes::from(format!("z9hG4bK{i}"));
        let start = t0 + ms(i * 7);
        let id = l
            .start_client(
                start,
                TransactionKey::client(branch, "INVITE"),
                b("INVITE"),
                "p",
                Reliability::Unreliable,
            )
            .unwrap();
        ids.push(id);
    }
    tx(&mut l);
    // Half of them get a 100 Trying, which stops their Timers A and B (re-arming lazily).
    for (i, id) in ids.iter().enumerate().filter(|(i, _)| i % 2 == 0) {
        let key = l.key(*id).unwrap().clone();
        l.handle_response(t0 + ms(i as u64 * 7 + 1), key, 100, b("100"), "p", no_ack);
    }
    ev(&mut l);
    let mut sends: Vec<Vec<Duration>> = vec![Vec::new(); ids.len()];
    let mut timed_out = 0;
    while let Some(at) = l.poll_timeout() {
        l.handle_timeout(at);
        l.handle_timeout(at);
        assert!(l.poll_timeout().is_none_or(|d| d > at));
        for t in tx(&mut l) {
            let i = ids.iter().position(|id| *id == t.id).unwrap();
            sends[i].push(at - (t0 + ms(i as u64 * 7)));
        }
        for e in ev(&mut l) {
            if let LayerEvent::Transaction {
                event: Event::TimedOut { timer: Timer::B },
                ..
            } = e
            {
                timed_out += 1;
            }
        }
    }
    assert_eq!(timed_out, 100);
    let schedule: Vec<_> = [500, 1500, 3500, 7500, 15500, 31500].map(ms).to_vec();
    for (i, s) in sends.iter().enumerate() {
        if i % 2 == 0 {
            assert!(s.is_empty(), "transaction {i} was Proceeding");
        } else {
            assert_eq!(s, &schedule, "transaction {i}");
        }
    }
    // The Proceeding half wait for a final response; no deadline remains for them.
    assert_eq!(l.len(), 100);
}
