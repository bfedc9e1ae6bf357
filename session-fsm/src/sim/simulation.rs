//! The simulated network and its virtual clock.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap};
use std::fmt;
use std::net::IpAddr;

use bytes::Bytes;
use rtp_proto::SeededRng;

use crate::time::{Duration, Instant};

use super::link::{BadLinkConfig, DropRule, Link, LinkConfig, LinkStats};
use super::observer::{Delivered, Observer, Sent};
use super::{Datagram, Fate, Node, NodeId, NodeOutput};

/// How many times the clock may stop at one instant before the run is declared stuck: a node
/// that keeps asking to be woken at an instant that has already come, or two nodes bouncing
/// datagrams over a zero-delay link forever.
const MAX_STEPS_PER_INSTANT: u32 = 100_000;

/// Nodes wired through seeded, impaired links, on a virtual clock that jumps from one deadline
/// to the next. See the [module docs](super) for a whole run.
///
/// At each instant the simulator first delivers every datagram due then (in the order they
/// were sent), then wakes every node whose deadline has come, then drains the nodes that got
/// input. Nothing depends on the wall clock or on the OS: the same nodes, links and seed give
/// the same run.
pub struct Simulation<N, O = ()> {
    seed: u64,
    epoch: Instant,
    now: Instant,
    nodes: Vec<Slot<N>>,
    by_ip: BTreeMap<IpAddr, NodeId>,
    default_link: LinkConfig,
    links: BTreeMap<(NodeId, NodeId), Link>,
    in_flight: BinaryHeap<Reverse<InFlight>>,
    next_seq: u64,
    unroutable: u64,
    /// The instant of the last step and how many steps stopped there.
    last_step: (Instant, u32),
    observer: O,
    buf: Vec<u8>,
}

impl<N: fmt::Debug, O> fmt::Debug for Simulation<N, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulation")
            .field("seed", &self.seed)
            .field("elapsed", &(self.now - self.epoch))
            .field("nodes", &self.nodes.len())
            .field("in_flight", &self.in_flight.len())
            .finish_non_exhaustive()
    }
}

/// A node and what the simulator knows of it.
struct Slot<N> {
    node: N,
    /// The deadline from the node's last `Timeout`.
    deadline: Option<Instant>,
    /// Got input since it was last drained.
    dirty: bool,
}

/// A datagram copy on its way.
struct InFlight {
    at: Instant,
    /// Send order, so copies due at one instant arrive in the order they were sent.
    seq: u64,
    from: NodeId,
    to: NodeId,
    datagram: Datagram,
}

impl PartialEq for InFlight {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for InFlight {}

impl PartialOrd for InFlight {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for InFlight {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// Totals over the whole network.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetworkStats {
    /// Every link direction added up.
    pub links: LinkStats,
    /// Datagrams sent to an IP address no node owns (lost, and not counted in `links`).
    pub unroutable: u64,
}

/// What can go wrong running a simulation.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SimError {
    /// Two nodes claim the same IP address.
    AddressInUse(IpAddr),
    /// A link setting is out of range.
    BadLink(BadLinkConfig),
    /// The clock could not move past an instant: a node keeps asking to be woken at an
    /// instant that has come, or datagrams bounce forever over zero-delay links. A bug in a
    /// node; replay the seed to debug it.
    Stuck {
        /// When, as an offset from the epoch.
        at: Duration,
        /// The seed of the run.
        seed: u64,
    },
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::AddressInUse(ip) => {
                write!(
                    f,
                    "another node already has the address {ip}; give each node its own IP"
                )
            }
            SimError::BadLink(bad) => write!(f, "{bad}"),
            SimError::Stuck { at, seed } => write!(
                f,
                "the simulation is stuck at {at:?}: a node keeps asking to be woken at an \
                 instant that has already come (replay with SIM_SEED={seed})"
            ),
        }
    }
}

impl std::error::Error for SimError {}

impl<N: Node> Simulation<N> {
    /// An empty network whose clock starts at `epoch`. `seed` drives every link decision.
    pub fn new(epoch: Instant, seed: u64) -> Self {
        Simulation {
            seed,
            epoch,
            now: epoch,
            nodes: Vec::new(),
            by_ip: BTreeMap::new(),
            default_link: LinkConfig::default(),
            links: BTreeMap::new(),
            in_flight: BinaryHeap::new(),
            next_seq: 0,
            unroutable: 0,
            last_step: (epoch, 0),
            observer: (),
            buf: Vec::with_capacity(2048),
        }
    }
}

impl<N: Node, O: Observer> Simulation<N, O> {
    /// The same simulation, watched by `observer` from now on.
    pub fn with_observer<P: Observer>(self, observer: P) -> Simulation<N, P> {
        Simulation {
            seed: self.seed,
            epoch: self.epoch,
            now: self.now,
            nodes: self.nodes,
            by_ip: self.by_ip,
            default_link: self.default_link,
            links: self.links,
            in_flight: self.in_flight,
            next_seq: self.next_seq,
            unroutable: self.unroutable,
            last_step: self.last_step,
            observer,
            buf: self.buf,
        }
    }

    /// The seed of the run: print it when a test fails, and the run replays from it.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The instant the clock started at.
    pub fn epoch(&self) -> Instant {
        self.epoch
    }

    /// The current virtual time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Virtual time since the epoch.
    pub fn elapsed(&self) -> Duration {
        self.now - self.epoch
    }

    /// Adds a node; datagrams to its [`Node::ip`] are handed to it from now on.
    pub fn add_node(&mut self, node: N) -> Result<NodeId, SimError> {
        let ip = node.ip();
        if self.by_ip.contains_key(&ip) {
            return Err(SimError::AddressInUse(ip));
        }
        let id = NodeId(self.nodes.len());
        self.by_ip.insert(ip, id);
        self.nodes.push(Slot {
            node,
            deadline: None,
            dirty: true,
        });
        Ok(id)
    }

    /// A node, to inspect it.
    ///
    /// # Panics
    /// If `id` comes from another simulation with more nodes.
    pub fn node(&self, id: NodeId) -> &N {
        &self.nodes[id.0].node
    }

    /// A node, to give it commands. The simulator drains it again before the clock moves.
    ///
    /// # Panics
    /// If `id` comes from another simulation with more nodes.
    pub fn node_mut(&mut self, id: NodeId) -> &mut N {
        let slot = &mut self.nodes[id.0];
        slot.dirty = true;
        &mut slot.node
    }

    /// The node that owns `ip`.
    pub fn node_at(&self, ip: IpAddr) -> Option<NodeId> {
        self.by_ip.get(&ip).copied()
    }

    /// The settings of every link direction not set with [`set_link`](Self::set_link).
    /// Directions already used keep their settings.
    pub fn set_default_link(&mut self, config: LinkConfig) -> Result<(), SimError> {
        config.validate().map_err(SimError::BadLink)?;
        self.default_link = config;
        Ok(())
    }

    /// The settings of the direction `from` → `to`. Its counters carry on.
    pub fn set_link(
        &mut self,
        from: NodeId,
        to: NodeId,
        config: LinkConfig,
    ) -> Result<(), SimError> {
        config.validate().map_err(SimError::BadLink)?;
        let (seed, default) = (self.seed, self.default_link);
        self.links
            .entry((from, to))
            .or_insert_with(|| Link::new(default, link_seed(seed, from, to)))
            .config = config;
        Ok(())
    }

    /// Makes the direction `from` → `to` lose every datagram `rule` picks, on top of its
    /// random loss; `None` removes the rule.
    ///
    /// ```
    /// # use std::time::{Duration, Instant};
    /// # use session_fsm::sim::{EndpointNode, Policy, Simulation};
    /// # use session_fsm::{EndpointConfig, WallClock};
    /// # let epoch = Instant::now();
    /// # let wall = WallClock { instant: epoch, unix: Duration::from_secs(1_700_000_000) };
    /// # let node = |addr: &str| EndpointNode::new(EndpointConfig::new(addr.parse().unwrap(), 1, wall), Policy::new());
    /// let mut sim = Simulation::new(epoch, 1);
    /// let alice = sim.add_node(node("192.0.2.1:5060"))?;
    /// let bob = sim.add_node(node("192.0.2.2:5060"))?;
    /// // Every ACK from alice to bob is lost.
    /// sim.set_drop_rule(alice, bob, Some(Box::new(|d| d.bytes.starts_with(b"ACK "))));
    /// # Ok::<(), session_fsm::sim::SimError>(())
    /// ```
    pub fn set_drop_rule(&mut self, from: NodeId, to: NodeId, rule: Option<DropRule>) {
        let (seed, default) = (self.seed, self.default_link);
        self.links
            .entry((from, to))
            .or_insert_with(|| Link::new(default, link_seed(seed, from, to)))
            .drop_rule = rule;
    }

    /// The settings of a link direction.
    pub fn link(&self, from: NodeId, to: NodeId) -> LinkConfig {
        self.links
            .get(&(from, to))
            .map_or(self.default_link, |l| l.config)
    }

    /// The counters of the direction `from` → `to`.
    pub fn link_stats(&self, from: NodeId, to: NodeId) -> LinkStats {
        self.links
            .get(&(from, to))
            .map(|l| l.stats)
            .unwrap_or_default()
    }

    /// The counters of the whole network.
    pub fn stats(&self) -> NetworkStats {
        let mut links = LinkStats::default();
        for link in self.links.values() {
            links.add(&link.stats);
        }
        NetworkStats {
            links,
            unroutable: self.unroutable,
        }
    }

    /// How many datagram copies are on their way.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// The observer.
    pub fn observer(&self) -> &O {
        &self.observer
    }

    /// The observer, mutably.
    pub fn observer_mut(&mut self) -> &mut O {
        &mut self.observer
    }

    /// The next instant something happens: a delivery or a node deadline. Drains the nodes
    /// first, so what they have to send is on its way.
    pub fn next_event(&mut self) -> Option<Instant> {
        self.drain_nodes();
        let delivery = self.in_flight.peek().map(|Reverse(d)| d.at);
        let deadline = self.nodes.iter().filter_map(|s| s.deadline).min();
        let next = [delivery, deadline].into_iter().flatten().min()?;
        // A deadline already past fires now: time never runs backwards.
        Some(next.max(self.now))
    }

    /// Moves the clock to the next event and handles everything due then. Returns that
    /// instant, or `None` when nothing is scheduled (the network is idle).
    pub fn step(&mut self) -> Result<Option<Instant>, SimError> {
        let Some(at) = self.next_event() else {
            return Ok(None);
        };
        self.advance_to(at)?;
        Ok(Some(at))
    }

    /// Runs until `until`, handling every event due up to and including it, and leaves the
    /// clock there.
    pub fn run_until(&mut self, until: Instant) -> Result<(), SimError> {
        while let Some(at) = self.next_event() {
            if at > until {
                break;
            }
            self.advance_to(at)?;
        }
        self.now = self.now.max(until);
        Ok(())
    }

    /// Runs for `duration` of virtual time.
    pub fn run_for(&mut self, duration: Duration) -> Result<(), SimError> {
        self.run_until(self.now + duration)
    }

    /// Runs until nothing is scheduled (no datagram on its way, no node deadline), or until
    /// `limit`. Returns whether the network went idle.
    pub fn run_until_idle(&mut self, limit: Instant) -> Result<bool, SimError> {
        loop {
            match self.next_event() {
                None => return Ok(true),
                Some(at) if at > limit => {
                    self.now = self.now.max(limit);
                    return Ok(false);
                }
                Some(at) => self.advance_to(at)?,
            }
        }
    }

    fn advance_to(&mut self, at: Instant) -> Result<(), SimError> {
        if at == self.last_step.0 {
            self.last_step.1 += 1;
            if self.last_step.1 > MAX_STEPS_PER_INSTANT {
                return Err(SimError::Stuck {
                    at: at - self.epoch,
                    seed: self.seed,
                });
            }
        } else {
            self.last_step = (at, 1);
        }
        self.now = at;
        while self.in_flight.peek().is_some_and(|Reverse(d)| d.at <= at) {
            let Some(Reverse(copy)) = self.in_flight.pop() else {
                break;
            };
            let datagram = copy.datagram;
            self.observer.on_delivered(&Delivered {
                at,
                from: copy.from,
                to: copy.to,
                source: datagram.source,
                destination: datagram.destination,
                bytes: &datagram.bytes,
            });
            let slot = &mut self.nodes[copy.to.0];
            slot.node.handle_datagram(at, datagram);
            slot.dirty = true;
        }
        for slot in &mut self.nodes {
            if slot.deadline.is_some_and(|d| d <= at) {
                slot.deadline = None;
                slot.node.handle_timeout(at);
                slot.dirty = true;
            }
        }
        Ok(())
    }

    /// Drains every node that got input, putting what it sends on the links.
    fn drain_nodes(&mut self) {
        let now = self.now;
        for index in 0..self.nodes.len() {
            if !self.nodes[index].dirty {
                continue;
            }
            let from = NodeId(index);
            loop {
                let output = self.nodes[index].node.poll_output(&mut self.buf);
                match output {
                    NodeOutput::Transmit {
                        source,
                        destination,
                    } => {
                        let datagram = Datagram {
                            source,
                            destination,
                            bytes: Bytes::copy_from_slice(&self.buf),
                        };
                        self.send(now, from, datagram);
                    }
                    NodeOutput::Timeout(deadline) => {
                        let slot = &mut self.nodes[index];
                        slot.deadline = deadline;
                        slot.dirty = false;
                        break;
                    }
                }
            }
        }
    }

    /// Puts one datagram on its link.
    fn send(&mut self, now: Instant, from: NodeId, datagram: Datagram) {
        let Some(to) = self.by_ip.get(&datagram.destination.ip()).copied() else {
            self.unroutable += 1;
            self.observer.on_sent(&Sent {
                at: now,
                from,
                to: None,
                source: datagram.source,
                destination: datagram.destination,
                bytes: &datagram.bytes,
                fate: Fate::Lost,
            });
            return;
        };
        let (seed, default) = (self.seed, self.default_link);
        let fate = self
            .links
            .entry((from, to))
            .or_insert_with(|| Link::new(default, link_seed(seed, from, to)))
            .send(now, &datagram);
        self.observer.on_sent(&Sent {
            at: now,
            from,
            to: Some(to),
            source: datagram.source,
            destination: datagram.destination,
            bytes: &datagram.bytes,
            fate,
        });
        let arrivals: [Option<Instant>; 2] = match fate {
            Fate::Lost => [None, None],
            Fate::Delivered(at) => [Some(at), None],
            Fate::Duplicated(a, b) => [Some(a), Some(b)],
        };
        let mut datagram = Some(datagram);
        for (i, at) in arrivals.into_iter().enumerate() {
            let Some(at) = at else { continue };
            // The last copy takes the datagram; an earlier one shares its bytes.
            let copy = if i == 1 || arrivals[1].is_none() {
                datagram.take()
            } else {
                datagram.clone()
            };
            let Some(copy) = copy else { continue };
            if let Some(link) = self.links.get_mut(&(from, to)) {
                link.stats.delivered += 1;
            }
            self.in_flight.push(Reverse(InFlight {
                at,
                seq: self.next_seq,
                from,
                to,
                datagram: copy,
            }));
            self.next_seq += 1;
        }
    }
}

/// Each link direction draws from its own generator, derived from the run's seed.
fn link_seed(seed: u64, from: NodeId, to: NodeId) -> u64 {
    let pair = ((from.0 as u64) << 32) | (to.0 as u64 & 0xffff_ffff);
    SeededRng::new(seed ^ pair.wrapping_mul(0x9e37_79b9_7f4a_7c15)).next_u64()
}
