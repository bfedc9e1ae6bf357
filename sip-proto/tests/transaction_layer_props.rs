//! Property test of the transaction layer: arbitrary mixes of client and server traffic,
//! TU responses, transport errors and clock jumps, checking the layer's bookkeeping:
//!
//! * the live set seen through events (`start_client`, `NewRequest`, `Terminated`) is exactly
//!   what the layer holds, and never exceeds `max_transactions`;
//! * no event names a transaction after its `Terminated`;
//! * after `handle_timeout(now)` no deadline is at or before `now`, and a second call at the
//!   same `now` produces nothing.

use std::collections::BTreeSet;

use bytes::Bytes;
use proptest::prelude::*;
use sip_proto::time::{Duration, Instant};
use sip_proto::transaction::{
    Event, LayerConfig, LayerEvent, Reliability, TransactionId, TransactionKey, TransactionLayer,
};

const METHODS: [&str; 4] = ["INVITE", "OPTIONS", "CANCEL", "ACK"];
const STATUSES: [u16; 5] = [100, 180, 200, 486, 42];

#[derive(Debug, Clone)]
enum Op {
    StartClient {
        branch: u8,
        method: usize,
        reliable: bool,
    },
    Response {
        branch: u8,
        method: usize,
        status: usize,
    },
    Request {
        branch: u8,
        method: usize,
        reliable: bool,
    },
    SendResponse {
        pick: usize,
        status: usize,
    },
    TransportError {
        pick: usize,
    },
    Advance(u64),
    ToDeadline,
}

// Built from tuples rather than `prop_oneof!`, whose expansion names `Arc` (disallowed in
// this crate by clippy.toml).
fn op() -> impl Strategy<Value = Op> {
    (
        0u8..7,
        0u8..6,
        0usize..4,
        0usize..5,
        any::<bool>(),
        0usize..16,
        0u64..20_000,
    )
        .prop_map(
            |(kind, branch, method, status, reliable, pick, ms)| match kind {
                0 => Op::StartClient {
                    branch,
                    method,
                    reliable,
                },
                1 => Op::Response {
                    branch,
                    method,
                    status,
                },
                2 => Op::Request {
                    branch,
                    method,
                    reliable,
                },
                3 => Op::SendResponse { pick, status },
                4 => Op::TransportError { pick },
                5 => Op::Advance(ms),
                _ => Op::ToDeadline,
            },
        )
}

fn reliability(reliable: bool) -> Reliability {
    if reliable {
        Reliability::Reliable
    } else {
        Reliability::Unreliable
    }
}

fn branch(n: u8) -> Bytes {
    Bytes::from(format!("z9hG4bK{n}"))
}

#[allow(clippy::disallowed_methods)] // test epoch
fn epoch() -> Instant {
    Instant::now()
}

proptest! {
    #[test]
    fn layer_bookkeeping(ops in prop::collection::vec(op(), 0..60)) {
        let t0 = epoch();
        let max = 5;
        let mut l: TransactionLayer<u8> =
            TransactionLayer::new(LayerConfig { max_transactions: max, ..LayerConfig::default() });
        let mut live: BTreeSet<TransactionId> = BTreeSet::new();
        let mut dead: BTreeSet<TransactionId> = BTreeSet::new();
        let mut now = t0;
        for op in ops {
            match op {
                Op::StartClient { branch: b, method, reliable } => {
                    let key = TransactionKey::client(branch(b), METHODS[method]);
                    if let Ok(id) = l.start_client(now, key, Bytes::new(), 0, reliability(reliable)) {
                        prop_assert!(live.insert(id));
                    }
                }
                Op::Response { branch: b, method, status } => {
                    let key = TransactionKey::client(branch(b), METHODS[method]);
                    l.handle_response(now, key, STATUSES[status], Bytes::new(), 0, |_, _| Bytes::new());
                }
                Op::Request { branch: b, method, reliable } => {
                    let key = TransactionKey::server(branch(b), b"h", 5060, METHODS[method]);
                    l.handle_request(now, key, Bytes::new(), 1, reliability(reliable));
                }
                Op::SendResponse { pick, status } => {
                    if let Some(&id) = live.iter().nth(pick % live.len().max(1)) {
                        let _ = l.send_response(now, id, STATUSES[status], Bytes::new());
                    }
                }
                Op::TransportError { pick } => {
                    if let Some(&id) = live.iter().nth(pick % live.len().max(1)) {
                        prop_assert!(l.transport_error(id).is_ok());
                    }
                }
                Op::Advance(ms) => now += Duration::from_millis(ms),
                Op::ToDeadline => {
                    if let Some(d) = l.poll_timeout() {
                        now = now.max(d);
                    }
                }
            }
            l.handle_timeout(now);
            while l.poll_transmit().is_some() {}
            while let Some(e) = l.poll_event() {
                match e {
                    LayerEvent::NewRequest { id, .. } => prop_assert!(live.insert(id)),
                    LayerEvent::Transaction { id, event } => {
                        prop_assert!(live.contains(&id), "event for a dead transaction");
                        if event == Event::Terminated {
                            live.remove(&id);
                            dead.insert(id);
                        }
                    }
                    _ => {}
                }
            }
            l.handle_timeout(now);
            prop_assert!(l.poll_transmit().is_none(), "handle_timeout not idempotent");
            prop_assert!(l.poll_event().is_none(), "handle_timeout not idempotent");
            if let Some(d) = l.poll_timeout() {
                prop_assert!(d > now);
            }
            prop_assert_eq!(l.len(), live.len());
            prop_assert!(l.len() <= max);
            for id in &live {
                prop_assert!(l.kind(*id).is_some());
            }
            for id in &dead {
                prop_assert!(l.kind(*id).is_none());
            }
        }
    }
}
