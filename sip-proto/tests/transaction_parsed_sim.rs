//! Two transaction layers exchanging real SIP messages over a simulated lossy, duplicating
//! network on virtual time: every message goes through the parser, keys come from headers,
//! the UAS layer sends its own 100 Trying, the UAC layer builds its own ACK. Each seed
//! replays exactly; a failure names its seed.

use bytes::Bytes;
use sip_proto::message::{Message, Method, ResponseBuilder};
use sip_proto::time::{Duration, Instant};
use sip_proto::transaction::{
    Event, LayerConfig, LayerEvent, Reliability, Timer, TransactionId, TransactionLayer,
};

const INVITE: &[u8] = b"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710\r\n\
CSeq: 314159 INVITE\r\n\
Content-Length: 0\r\n\r\n";

/// xorshift64*, seeded: the simulation depends on nothing random.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn percent(&mut self, p: u64) -> bool {
        self.next() % 100 < p
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Uac,
    Uas,
}

#[derive(Default)]
struct Tally {
    uas_new_requests: usize,
    uac_finals: usize,
    uac_timeouts: usize,
    uas_acks_seen: bool,
}

fn run(seed: u64, loss: u64, dup: u64) -> (Tally, usize, usize) {
    #[allow(clippy::disallowed_methods)] // test epoch
    let t0 = Instant::now();
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut wire: Vec<(Instant, Side, Bytes)> = Vec::new(); // (arrival, to whom, bytes)
    let mut uac: TransactionLayer<Side> = TransactionLayer::new(LayerConfig::default());
    let mut uas: TransactionLayer<Side> = TransactionLayer::new(LayerConfig::default());
    let invite = Message::parse(Bytes::from_static(INVITE)).expect("valid INVITE");
    let invite_req = invite.as_request().expect("a request");
    uac.send_request(t0, invite_req, Side::Uas, Reliability::Unreliable)
        .expect("room");
    let mut answer: Option<(Instant, TransactionId, Message)> = None;
    let mut tally = Tally::default();
    let mut now = t0;
    for _ in 0..20_000 {
        uac.handle_timeout(now);
        uas.handle_timeout(now);
        if let Some((_, id, req)) = answer.take_if(|(at, _, _)| *at <= now) {
            let mut out = Vec::new();
            ResponseBuilder::from_request(req.as_request().expect("request"), 486, "")
                .to_tag("busy1")
                .write(&mut out)
                .expect("valid response");
            uas.send_response(now, id, 486, Bytes::from(out))
                .expect("Proceeding takes 486");
        }
        let (due, later): (Vec<_>, Vec<_>) = wire.drain(..).partition(|(at, _, _)| *at <= now);
        wire = later;
        let mut due = due;
        due.sort_by_key(|(at, _, _)| *at);
        for (_, to, bytes) in due {
            let msg = Message::parse(bytes).expect("the sim only carries valid messages");
            match to {
                Side::Uas => {
                    if msg.as_request().is_some_and(|r| r.method() == &Method::Ack) {
                        tally.uas_acks_seen = true;
                    }
                    uas.handle_message(now, msg, Side::Uac, Reliability::Unreliable);
                }
                Side::Uac => {
                    uac.handle_message(now, msg, Side::Uas, Reliability::Unreliable);
                }
            }
        }
        while let Some(e) = uas.poll_event() {
            match e {
                LayerEvent::NewRequest { id, message, .. } => {
                    tally.uas_new_requests += 1;
                    let req = Message::parse(message).expect("parsed before");
                    answer = Some((now + Duration::from_millis(1500), id, req));
                }
                LayerEvent::Malformed { .. } | LayerEvent::UnmatchedAck { .. } => {
                    panic!("seed {seed}: unexpected {e:?}")
                }
                _ => {}
            }
        }
        while let Some(e) = uac.poll_event() {
            match e {
                LayerEvent::Transaction {
                    event: Event::Response { status, .. },
                    ..
                } if status >= 300 => tally.uac_finals += 1,
                LayerEvent::Transaction {
                    event: Event::TimedOut { timer: Timer::B },
                    ..
                } => tally.uac_timeouts += 1,
                _ => {}
            }
        }
        for (layer, to) in [(&mut uac, Side::Uas), (&mut uas, Side::Uac)] {
            while let Some(t) = layer.poll_transmit() {
                assert_eq!(t.peer, to);
                let copies = if rng.percent(dup) { 2 } else { 1 };
                for _ in 0..copies {
                    if !rng.percent(loss) {
                        let delay = Duration::from_millis(5 + rng.next() % 80);
                        wire.push((now + delay, to, t.bytes.clone()));
                    }
                }
            }
        }
        let next = [
            uac.poll_timeout(),
            uas.poll_timeout(),
            wire.iter().map(|(at, _, _)| *at).min(),
            answer.as_ref().map(|(at, _, _)| *at),
        ]
        .into_iter()
        .flatten()
        .min();
        match next {
            Some(at) => now = at,
            None => break,
        }
    }
    (tally, uac.len(), uas.len())
}

#[test]
fn invite_486_through_the_parser_under_loss() {
    for seed in 0..150 {
        let (t, uac_left, uas_left) = run(seed, 25, 10);
        assert_eq!((uac_left, uas_left), (0, 0), "seed {seed}: all terminated");
        assert!(
            t.uas_new_requests <= 1,
            "seed {seed}: retransmissions matched"
        );
        assert_eq!(
            t.uac_finals + t.uac_timeouts,
            1,
            "seed {seed}: one outcome for the TU"
        );
        if t.uac_finals == 1 {
            assert_eq!(
                t.uas_new_requests, 1,
                "seed {seed}: a 486 came from a server"
            );
        }
    }
}

#[test]
fn invite_486_through_the_parser_without_loss() {
    let (t, uac_left, uas_left) = run(3, 0, 0);
    assert_eq!(
        (t.uas_new_requests, t.uac_finals, t.uac_timeouts),
        (1, 1, 0)
    );
    assert!(t.uas_acks_seen);
    assert_eq!((uac_left, uas_left), (0, 0));
}
