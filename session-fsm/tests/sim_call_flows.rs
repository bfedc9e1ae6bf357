//! Single call flows on the simulated network, each under one kind of trouble, checked to the
//! instant against RFC 3261. Each runs over many seeds; a failure prints the one to replay
//! (`SIM_SEED=<n> cargo test --release -p session-fsm --test sim_call_flows`).

use std::time::{Duration, Instant};

use session_fsm::sim::{
    seed_from_env, Command, Delivered, EndpointNode, LinkConfig, NodeId, Observer, Policy,
    Recorder, ReplayOnPanic, Script, Sent, Simulation,
};
use session_fsm::{EndReason, EndpointConfig, Event, WallClock};

const CALLER: &str = "192.0.2.1:5060";
const CALLEE: &str = "192.0.2.2:5060";

#[allow(clippy::disallowed_methods)] // the one real instant; virtual time counts from it
fn epoch() -> Instant {
    Instant::now()
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// One SIP datagram on the wire: when, from which node, its first line and CSeq method, and
/// when its copies arrived.
#[derive(Debug, Clone)]
struct Line {
    at: Instant,
    from: NodeId,
    first_line: String,
    cseq_method: String,
    arrivals: Vec<Instant>,
}

/// Records every SIP datagram.
#[derive(Debug, Default)]
struct Ladder {
    lines: Vec<Line>,
}

impl Observer for Ladder {
    fn on_sent(&mut self, sent: &Sent<'_>) {
        let text = String::from_utf8_lossy(sent.bytes);
        if !(text.starts_with("SIP/2.0 ") || text.contains(" SIP/2.0\r\n")) {
            return; // media
        }
        let first_line = text.lines().next().unwrap_or_default().to_owned();
        let cseq_method = text
            .lines()
            .find_map(|l| l.strip_prefix("CSeq: "))
            .and_then(|v| v.split(' ').nth(1))
            .unwrap_or_default()
            .to_owned();
        self.lines.push(Line {
            at: sent.at,
            from: sent.from,
            first_line,
            cseq_method,
            arrivals: sent.fate.arrivals().collect(),
        });
    }

    fn on_delivered(&mut self, _: &Delivered<'_>) {}
}

impl Ladder {
    /// Sends by `from` whose first line starts with `prefix` (and, for responses, whose CSeq
    /// method is `method`).
    fn sent(&self, from: NodeId, prefix: &str, method: &str) -> Vec<&Line> {
        self.lines
            .iter()
            .filter(|l| l.from == from && l.first_line.starts_with(prefix))
            .filter(|l| l.cseq_method == method)
            .collect()
    }

    /// The first instant a copy of such a message arrived.
    fn first_arrival(&self, from: NodeId, prefix: &str, method: &str) -> Option<Instant> {
        self.sent(from, prefix, method)
            .iter()
            .flat_map(|l| l.arrivals.iter().copied())
            .min()
    }

    fn sent_at(&self, from: NodeId, prefix: &str, method: &str) -> Vec<Instant> {
        self.sent(from, prefix, method)
            .iter()
            .map(|l| l.at)
            .collect()
    }

    fn arrivals(&self, from: NodeId, prefix: &str, method: &str) -> usize {
        self.sent(from, prefix, method)
            .iter()
            .map(|l| l.arrivals.len())
            .sum()
    }
}

fn config(addr: &str, seed: u64, epoch: Instant) -> EndpointConfig {
    let wall = WallClock {
        instant: epoch,
        unix: Duration::from_secs(1_800_000_000),
    };
    EndpointConfig::new(addr.parse().unwrap(), seed, wall)
}

type Net<S> = Simulation<EndpointNode<Recorder<S>>, Ladder>;

/// A caller and a callee on `link` (both directions), the caller placing one call at the
/// epoch.
fn pair<S: Script>(seed: u64, caller: S, callee: S, link: LinkConfig) -> (Net<S>, NodeId, NodeId) {
    let epoch = epoch();
    let mut sim = Simulation::new(epoch, seed).with_observer(Ladder::default());
    let a = sim
        .add_node(EndpointNode::new(
            config(CALLER, seed.wrapping_mul(3), epoch),
            Recorder::new(caller),
        ))
        .unwrap();
    let b = sim
        .add_node(EndpointNode::new(
            config(CALLEE, seed.wrapping_mul(5), epoch),
            Recorder::new(callee),
        ))
        .unwrap();
    sim.set_default_link(link).unwrap();
    let target = format!("sip:bob@{CALLEE}");
    sim.node_mut(a).schedule(epoch, Command::Call { target });
    (sim, a, b)
}

/// Runs until every call and transaction is gone, and checks both tables are empty.
fn finish<S: Script>(sim: &mut Net<S>, nodes: [NodeId; 2]) {
    let limit = sim.epoch() + Duration::from_secs(600);
    assert!(sim.run_until_idle(limit).unwrap(), "the network went idle");
    for node in nodes {
        let endpoint = sim.node(node).endpoint();
        assert_eq!(endpoint.call_count(), 0);
        assert_eq!(endpoint.transaction_count(), 0);
    }
}

/// The events a side reported, with their instants.
fn events<S: Script>(sim: &Net<S>, node: NodeId) -> Vec<(Instant, Event)> {
    sim.node(node).script().events.clone()
}

fn ended<S: Script>(sim: &Net<S>, node: NodeId) -> Vec<(Instant, EndReason)> {
    events(sim, node)
        .into_iter()
        .filter_map(|(at, e)| match e {
            Event::Ended { reason, .. } => Some((at, reason)),
            _ => None,
        })
        .collect()
}

fn answered<S: Script>(sim: &Net<S>, node: NodeId) -> Vec<Instant> {
    events(sim, node)
        .into_iter()
        .filter_map(|(at, e)| matches!(e, Event::Answered { .. }).then_some(at))
        .collect()
}

fn seeds() -> Vec<u64> {
    match std::env::var(session_fsm::sim::SEED_VAR) {
        Ok(_) => vec![seed_from_env(0).unwrap()],
        Err(_) => (1..=40).collect(),
    }
}

/// Hanging up a call that rings, over a link that loses 20 %: the caller's CANCEL (§9.1) is
/// retransmitted until answered, the callee answers it 200 and the INVITE 487 (§9.2), and the
/// caller ACKs the 487 (§17.1.1.3). If no provisional has reached the caller when it hangs
/// up, the CANCEL waits for one (§9.1: a CANCEL must not be sent before a provisional).
#[test]
fn a_call_cancelled_while_ringing_on_a_lossy_link_ends_with_487_on_both_sides() {
    let link = LinkConfig::default()
        .with_delay(Duration::from_millis(30))
        .with_jitter(Duration::from_millis(100))
        .with_loss(0.2);
    for seed in seeds() {
        let _replay = ReplayOnPanic::new(seed);
        let caller = Policy::new().give_up_after(secs(2.0));
        let callee = Policy::new().ring_after(Duration::ZERO);
        let (mut sim, a, b) = pair(seed, caller, callee, link);
        let epoch = sim.epoch();
        finish(&mut sim, [a, b]);
        let ladder = sim.observer();

        // The caller hangs up at exactly 2 s; the callee ends when the CANCEL reaches it.
        assert_eq!(
            ended(&sim, a),
            [(epoch + secs(2.0), EndReason::LocalHangUp)]
        );
        let cancel_arrived = ladder.first_arrival(a, "CANCEL ", "CANCEL").unwrap();
        assert_eq!(ended(&sim, b), [(cancel_arrived, EndReason::RemoteHangUp)]);
        assert!(answered(&sim, a).is_empty() && answered(&sim, b).is_empty());

        // No CANCEL before a provisional reached the caller, and none before the hang-up.
        let provisional = ladder
            .lines
            .iter()
            .filter(|l| l.from == b && l.first_line.starts_with("SIP/2.0 1"))
            .flat_map(|l| l.arrivals.iter().copied())
            .min()
            .unwrap();
        let cancels = ladder.sent_at(a, "CANCEL ", "CANCEL");
        assert_eq!(cancels[0], (epoch + secs(2.0)).max(provisional));
        // Timer E: T1 doubling to T2 until the 200 for the CANCEL arrives (§17.1.2.2).
        let answer = ladder.first_arrival(b, "SIP/2.0 200", "CANCEL").unwrap();
        let schedule = [0.0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5];
        let expected: Vec<Instant> = schedule
            .iter()
            .map(|s| cancels[0] + secs(*s))
            .filter(|at| *at < answer)
            .collect();
        assert_eq!(cancels, expected, "CANCEL retransmissions");

        // The INVITE got 487 (retransmitted on Timer G until the ACK), and the caller ACKed
        // each 487 that arrived (§17.1.1.3), with the INVITE's CSeq.
        let finals: Vec<&Line> = ladder
            .lines
            .iter()
            .filter(|l| {
                l.from == b && l.cseq_method == "INVITE" && !l.first_line.starts_with("SIP/2.0 1")
            })
            .collect();
        assert!(!finals.is_empty());
        assert!(finals
            .iter()
            .all(|l| l.first_line == "SIP/2.0 487 Request Terminated"));
        assert_eq!(
            ladder.sent(a, "ACK ", "ACK").len(),
            ladder.arrivals(b, "SIP/2.0 487", "INVITE"),
            "one ACK per 487 received"
        );
        assert!(ladder.sent(a, "BYE ", "BYE").is_empty());
    }
}

/// Every ACK is lost (a middlebox eats them), the rest of the link loses 10 %: the callee
/// retransmits its 200 OK at T1, 2·T1, 4·T1… capped at T2 (§13.3.1.4), the caller answers
/// each copy that reaches it with an ACK (§13.2.2.4), and at exactly 64·T1 after the answer
/// the callee gives up, ends the call and sends BYE.
#[test]
fn every_ack_lost_the_callee_retransmits_its_200_and_gives_up_at_64_t1() {
    let link = LinkConfig::default()
        .with_delay(Duration::from_millis(30))
        .with_jitter(Duration::from_millis(100))
        .with_loss(0.1);
    for seed in seeds() {
        let _replay = ReplayOnPanic::new(seed);
        // The caller would keep the call a minute; the callee answers after 1 s.
        let caller = Policy::new().hang_up_after(secs(60.0));
        let callee = Policy::new()
            .ring_after(Duration::ZERO)
            .answer_after(secs(1.0));
        let (mut sim, a, b) = pair(seed, caller, callee, link);
        sim.set_drop_rule(a, b, Some(Box::new(|d| d.bytes.starts_with(b"ACK "))));
        finish(&mut sim, [a, b]);
        let ladder = sim.observer();

        let Some(invite_arrived) = ladder.first_arrival(a, "INVITE ", "INVITE") else {
            continue; // all seven INVITEs lost: nothing of interest in this seed
        };
        let answered_at = invite_arrived + secs(1.0);
        let oks = ladder.sent_at(b, "SIP/2.0 200", "INVITE");
        let schedule = [0.0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5];
        let expected: Vec<Instant> = schedule.iter().map(|s| answered_at + secs(*s)).collect();
        assert_eq!(oks, expected, "200 OK retransmissions");
        assert_eq!(
            ladder.sent(a, "ACK ", "ACK").len(),
            ladder.arrivals(b, "SIP/2.0 200", "INVITE"),
            "one ACK per 200 OK received"
        );

        // The callee never saw the ACK: no Answered, and a timeout at exactly 64·T1.
        assert!(answered(&sim, b).is_empty());
        assert_eq!(
            ended(&sim, b),
            [(answered_at + secs(32.0), EndReason::Timeout)]
        );
        // Its BYE follows at once, and ends the call at the caller when it arrives.
        let byes = ladder.sent_at(b, "BYE ", "BYE");
        assert_eq!(byes[0], answered_at + secs(32.0));
        let bye_arrived = ladder.first_arrival(b, "BYE ", "BYE").unwrap();
        let first_ok = ladder.first_arrival(b, "SIP/2.0 200", "INVITE").unwrap();
        assert_eq!(answered(&sim, a), [first_ok]);
        assert_eq!(ended(&sim, a), [(bye_arrived, EndReason::RemoteHangUp)]);
    }
}

/// Every datagram arrives twice and a third are held back 300 ms, so copies cross each other
/// (a 180 after the 200, an ACK after the BYE): each side still reports each event exactly
/// once, and nothing is answered 481 or refused.
#[test]
fn every_datagram_duplicated_and_reordered_each_event_is_reported_once() {
    let link = LinkConfig::default()
        .with_delay(Duration::from_millis(20))
        .with_jitter(Duration::from_millis(50))
        .with_duplicate(1.0)
        .with_reorder(0.3, Duration::from_millis(300));
    for seed in seeds() {
        let _replay = ReplayOnPanic::new(seed);
        let caller = Policy::new().hang_up_after(secs(0.5));
        let callee = Policy::new()
            .ring_after(Duration::ZERO)
            .answer_after(secs(0.2));
        let (mut sim, a, b) = pair(seed, caller, callee, link);
        finish(&mut sim, [a, b]);

        let kinds = |node| -> Vec<&'static str> {
            events(&sim, node)
                .iter()
                .map(|(_, e)| match e {
                    Event::IncomingCall { .. } => "incoming",
                    Event::Ringing { .. } => "ringing",
                    Event::Answered { .. } => "answered",
                    Event::Ended { .. } => "ended",
                    _ => "other",
                })
                .collect()
        };
        assert_eq!(kinds(a), ["ringing", "answered", "ended"]);
        assert_eq!(kinds(b), ["incoming", "answered", "ended"]);
        assert_eq!(ended(&sim, a)[0].1, EndReason::LocalHangUp);
        assert_eq!(ended(&sim, b)[0].1, EndReason::RemoteHangUp);
        let ladder = sim.observer();
        // The caller ACKs each copy of the 200 that reaches it; the callee sends its 200
        // once more only if no ACK arrived within T1.
        assert_eq!(
            ladder.sent(a, "ACK ", "ACK").len(),
            ladder.arrivals(b, "SIP/2.0 200", "INVITE")
        );
        for node in [a, b] {
            let stats = sim.node(node).endpoint().stats();
            assert_eq!(stats.no_dialog, 0, "{stats:?}");
            assert_eq!(stats.bad_requests, 0, "{stats:?}");
            assert_eq!(stats.sip_dropped, 0, "{stats:?}");
        }
        assert!(ladder
            .lines
            .iter()
            .all(|l| !l.first_line.starts_with("SIP/2.0 481")));
    }
}
