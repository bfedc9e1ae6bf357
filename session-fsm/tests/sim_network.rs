//! The simulator itself, driven by two toy nodes: a pinger on a timer and an echo server.
//! Any sans-IO component that implements `Node` runs on it, not only endpoints.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use bytes::Bytes;
use session_fsm::sim::{
    Datagram, Delivered, LinkConfig, Node, NodeOutput, Observer, Sent, SimError, Simulation,
};

#[allow(clippy::disallowed_methods)] // the one real instant; virtual time counts from it
fn epoch() -> Instant {
    Instant::now()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Either toy: nodes of different kinds share a simulation through an enum.
#[derive(Debug)]
enum Toy {
    /// Sends "ping N" to `peer` every `every`, `count` times, and counts the echoes.
    Pinger {
        addr: SocketAddr,
        peer: SocketAddr,
        every: Duration,
        next: Option<Instant>,
        left: u32,
        sent: u32,
        echoes: Vec<(Instant, Bytes)>,
        due: bool,
    },
    /// Sends back whatever arrives.
    Echo {
        addr: SocketAddr,
        queue: VecDeque<Datagram>,
    },
    /// Asks to be woken at the epoch, forever: a buggy node.
    Stuck { addr: SocketAddr, at: Instant },
}

impl Node for Toy {
    fn ip(&self) -> IpAddr {
        match self {
            Toy::Pinger { addr, .. } | Toy::Echo { addr, .. } | Toy::Stuck { addr, .. } => {
                addr.ip()
            }
        }
    }

    fn handle_datagram(&mut self, now: Instant, datagram: Datagram) {
        match self {
            Toy::Pinger { echoes, .. } => echoes.push((now, datagram.bytes)),
            Toy::Echo { queue, .. } => queue.push_back(datagram),
            Toy::Stuck { .. } => {}
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        if let Toy::Pinger {
            next,
            every,
            left,
            due,
            ..
        } = self
        {
            if next.is_some_and(|n| n <= now) && *left > 0 {
                *due = true;
                *left -= 1;
                *next = (*left > 0).then(|| now + *every);
            }
        }
    }

    fn poll_output(&mut self, buf: &mut Vec<u8>) -> NodeOutput {
        buf.clear();
        match self {
            Toy::Pinger {
                addr,
                peer,
                next,
                sent,
                due,
                ..
            } => {
                if *due {
                    *due = false;
                    *sent += 1;
                    buf.extend_from_slice(format!("ping {sent}").as_bytes());
                    return NodeOutput::Transmit {
                        source: *addr,
                        destination: *peer,
                    };
                }
                NodeOutput::Timeout(*next)
            }
            Toy::Echo { addr, queue } => match queue.pop_front() {
                Some(d) => {
                    buf.extend_from_slice(&d.bytes);
                    NodeOutput::Transmit {
                        source: *addr,
                        destination: d.source,
                    }
                }
                None => NodeOutput::Timeout(None),
            },
            Toy::Stuck { at, .. } => NodeOutput::Timeout(Some(*at)),
        }
    }
}

const PINGER: &str = "10.0.0.1:4000";
const ECHO: &str = "10.0.0.2:7";

fn pinger(start: Instant, count: u32) -> Toy {
    Toy::Pinger {
        addr: PINGER.parse().unwrap(),
        peer: ECHO.parse().unwrap(),
        every: Duration::from_secs(1),
        next: Some(start),
        left: count,
        sent: 0,
        echoes: Vec::new(),
        due: false,
    }
}

fn echo() -> Toy {
    Toy::Echo {
        addr: ECHO.parse().unwrap(),
        queue: VecDeque::new(),
    }
}

/// Every datagram sent and delivered, as offsets from the epoch and text.
#[derive(Debug, Default, PartialEq)]
struct Ladder {
    epoch: Option<Instant>,
    /// When, what, and when its copies arrive (none if lost).
    sent: Vec<(Duration, String, Vec<Duration>)>,
    delivered: Vec<(Duration, String)>,
}

impl Observer for Ladder {
    fn on_sent(&mut self, sent: &Sent<'_>) {
        let epoch = *self.epoch.get_or_insert(sent.at);
        let text = String::from_utf8_lossy(sent.bytes).into_owned();
        let arrivals = sent.fate.arrivals().map(|at| at - epoch).collect();
        self.sent.push((sent.at - epoch, text, arrivals));
    }

    fn on_delivered(&mut self, delivered: &Delivered<'_>) {
        let epoch = self.epoch.unwrap_or(delivered.at);
        let text = String::from_utf8_lossy(delivered.bytes).into_owned();
        self.delivered.push((delivered.at - epoch, text));
    }
}

fn pings(sim: &Simulation<Toy, Ladder>) -> Vec<(Duration, String)> {
    sim.observer().delivered.clone()
}

#[test]
fn the_clock_jumps_from_deadline_to_deadline_and_links_add_their_delay() {
    let epoch = epoch();
    let mut sim = Simulation::new(epoch, 1).with_observer(Ladder::default());
    let p = sim.add_node(pinger(epoch, 3)).unwrap();
    let e = sim.add_node(echo()).unwrap();
    sim.set_link(p, e, LinkConfig::default().with_delay(ms(10)))
        .unwrap();
    sim.set_link(e, p, LinkConfig::default().with_delay(ms(30)))
        .unwrap();
    let mut steps = Vec::new();
    while let Some(at) = sim.step().unwrap() {
        steps.push(at - epoch);
    }
    // Three pings, each delivered 10 ms later and echoed back 30 ms after that; nothing in
    // between: the clock visits only these instants.
    assert_eq!(
        steps,
        [
            ms(0),
            ms(10),
            ms(40),
            ms(1000),
            ms(1010),
            ms(1040),
            ms(2000),
            ms(2010),
            ms(2040)
        ]
    );
    assert_eq!(
        pings(&sim),
        [
            (ms(10), "ping 1".to_owned()),
            (ms(40), "ping 1".to_owned()),
            (ms(1010), "ping 2".to_owned()),
            (ms(1040), "ping 2".to_owned()),
            (ms(2010), "ping 3".to_owned()),
            (ms(2040), "ping 3".to_owned()),
        ]
    );
    let Toy::Pinger { echoes, .. } = sim.node(p) else {
        unreachable!()
    };
    assert_eq!(echoes.len(), 3);
    assert_eq!(sim.link_stats(p, e).sent, 3);
    assert_eq!(sim.link_stats(e, p).delivered, 3);
    assert_eq!(sim.elapsed(), ms(2040));
}

fn lossy_run(seed: u64) -> Ladder {
    let epoch = epoch();
    let mut sim = Simulation::new(epoch, seed).with_observer(Ladder::default());
    sim.add_node(pinger(epoch, 200)).unwrap();
    sim.add_node(echo()).unwrap();
    sim.set_default_link(
        LinkConfig::default()
            .with_delay(ms(5))
            .with_jitter(ms(2000))
            .with_loss(0.3)
            .with_duplicate(0.2)
            .with_reorder(0.1, ms(500)),
    )
    .unwrap();
    sim.run_until(epoch + Duration::from_secs(300)).unwrap();
    let mut ladder = std::mem::take(sim.observer_mut());
    // Offsets are comparable between runs; the epochs are not.
    ladder.epoch = None;
    ladder
}

#[test]
fn the_same_seed_replays_the_same_run_and_another_seed_does_not() {
    let a = lossy_run(99);
    let b = lossy_run(99);
    let c = lossy_run(100);
    assert_eq!(a, b);
    assert_ne!(a.delivered, c.delivered);
    // Every kind of fate happened: lost, delivered once, delivered twice.
    for copies in 0..=2 {
        assert!(a
            .sent
            .iter()
            .any(|(_, _, arrivals)| arrivals.len() == copies));
    }
    // With 2 s of jitter on a 1 s ping, pings overtake each other.
    let order: Vec<&str> = a
        .delivered
        .iter()
        .filter(|(_, t)| t.starts_with("ping"))
        .map(|(_, t)| t.as_str())
        .collect();
    let mut sorted = order.clone();
    sorted.sort_by_key(|t| t[5..].parse::<u32>().unwrap());
    assert_ne!(order, sorted, "jitter reorders");
}

#[test]
fn every_copy_of_a_duplicated_datagram_arrives_and_lost_ones_never_do() {
    let epoch = epoch();
    let mut sim = Simulation::new(epoch, 5).with_observer(Ladder::default());
    let p = sim.add_node(pinger(epoch, 4)).unwrap();
    let e = sim.add_node(echo()).unwrap();
    sim.set_link(p, e, LinkConfig::default().with_duplicate(1.0))
        .unwrap();
    sim.set_link(e, p, LinkConfig::default().with_loss(1.0))
        .unwrap();
    sim.run_until(epoch + Duration::from_secs(10)).unwrap();
    let to_echo = pings(&sim).iter().filter(|(_, t)| t == "ping 2").count();
    assert_eq!(to_echo, 2, "each ping arrives twice and is echoed twice");
    assert_eq!(sim.link_stats(p, e).duplicated, 4);
    assert_eq!(sim.link_stats(p, e).delivered, 8);
    assert_eq!(sim.link_stats(e, p).sent, 8);
    assert_eq!(sim.link_stats(e, p).lost, 8);
    let Toy::Pinger { echoes, .. } = sim.node(p) else {
        unreachable!()
    };
    assert!(echoes.is_empty());
    assert_eq!(sim.stats().links.sent, 12);
}

#[test]
fn a_datagram_to_an_address_nobody_owns_is_counted_unroutable() {
    let epoch = epoch();
    let mut sim: Simulation<Toy> = Simulation::new(epoch, 1);
    sim.add_node(pinger(epoch, 2)).unwrap();
    assert!(sim.run_until_idle(epoch + Duration::from_secs(5)).unwrap());
    assert_eq!(sim.stats().unroutable, 2);
    assert_eq!(sim.stats().links.sent, 0);
}

#[test]
fn a_node_that_keeps_asking_for_a_past_instant_is_reported_stuck_with_the_seed() {
    let epoch = epoch();
    let mut sim: Simulation<Toy> = Simulation::new(epoch, 77);
    sim.add_node(Toy::Stuck {
        addr: PINGER.parse().unwrap(),
        at: epoch,
    })
    .unwrap();
    let error = sim.run_until(epoch + ms(1)).unwrap_err();
    assert_eq!(
        error,
        SimError::Stuck {
            at: Duration::ZERO,
            seed: 77
        }
    );
    assert!(error.to_string().contains("SIM_SEED=77"), "{error}");
}

#[test]
fn two_nodes_cannot_share_an_address_and_bad_links_are_refused() {
    let epoch = epoch();
    let mut sim: Simulation<Toy> = Simulation::new(epoch, 1);
    sim.add_node(echo()).unwrap();
    assert_eq!(
        sim.add_node(echo()).unwrap_err(),
        SimError::AddressInUse(ECHO.parse::<SocketAddr>().unwrap().ip())
    );
    let bad = LinkConfig::default().with_duplicate(-0.1);
    assert!(matches!(
        sim.set_default_link(bad),
        Err(SimError::BadLink(_))
    ));
}
