//! A deterministic network simulator: whole call flows on virtual time, over links that lose,
//! duplicate, delay and reorder datagrams, replayable from one seed.
//!
//! Everything in it is sans-IO, like the rest of the stack. A [`Simulation`] holds
//! [`Node`]s — any component with the `handle_datagram` / `handle_timeout` / `poll_output`
//! contract; [`EndpointNode`] wraps an [`Endpoint`](crate::Endpoint) — and one link per
//! direction between them, set with a [`LinkConfig`] and optionally a [`DropRule`]. The clock jumps straight to the
//! next deadline: the earliest delivery of a datagram in flight, or the earliest timer a node
//! asked for. A minute of calls runs in milliseconds, and the same seed always gives the same
//! run, so a failure found with one seed is replayed with it ([`ReplayOnPanic`] prints it,
//! [`seed_from_env`] reads it back from `SIM_SEED`).
//!
//! The application side of each endpoint is a [`Script`]: a closure or a [`Policy`] reacting
//! to the endpoint's events with commands, now or after a delay. An [`Observer`] sees every
//! datagram sent (with the [`Fate`] its link gave it) and every copy delivered, to draw a
//! ladder or to work out what the protocol must do from what the network did.
//!
//! A call over a link that loses a fifth of its datagrams in each direction:
//!
//! ```
//! use std::time::{Duration, Instant};
//! use session_fsm::sim::{Command, EndpointNode, LinkConfig, Policy, Recorder, ReplayOnPanic, Simulation};
//! use session_fsm::{EndReason, EndpointConfig, Event, WallClock};
//!
//! let epoch = Instant::now(); // the one real instant; virtual time counts from it
//! let seed = 7;
//! let _replay = ReplayOnPanic::new(seed); // a failed assertion prints SIM_SEED=7
//! let wall = WallClock { instant: epoch, unix: Duration::from_secs(1_700_000_000) };
//! let config = |addr: &str, seed| EndpointConfig::new(addr.parse().unwrap(), seed, wall);
//!
//! let mut sim = Simulation::new(epoch, seed);
//! // The caller hangs up 3 s after the answer; the callee rings at once and answers after 1 s.
//! let caller = Policy::new().hang_up_after(Duration::from_secs(3));
//! let callee = Policy::new().ring_after(Duration::ZERO).answer_after(Duration::from_secs(1));
//! let alice = sim.add_node(EndpointNode::new(config("192.0.2.1:5060", 1), Recorder::new(caller)))?;
//! let bob = sim.add_node(EndpointNode::new(config("192.0.2.2:5060", 2), Recorder::new(callee)))?;
//! sim.set_default_link(
//!     LinkConfig::default()
//!         .with_delay(Duration::from_millis(30))
//!         .with_jitter(Duration::from_millis(20))
//!         .with_loss(0.2),
//! )?;
//!
//! let target = "sip:bob@192.0.2.2:5060".to_owned();
//! sim.node_mut(alice).schedule(epoch, Command::Call { target });
//! // Run until every call and transaction is gone (the last ones linger 64·T1 = 32 s).
//! let idle = sim.run_until_idle(epoch + Duration::from_secs(120))?;
//! assert!(idle);
//!
//! let ended = |events: &[(Instant, Event)]| -> Vec<EndReason> {
//!     events.iter().filter_map(|(_, e)| match e {
//!         Event::Ended { reason, .. } => Some(reason.clone()),
//!         _ => None,
//!     }).collect()
//! };
//! assert_eq!(ended(&sim.node(alice).script().events), [EndReason::LocalHangUp]);
//! assert_eq!(ended(&sim.node(bob).script().events), [EndReason::RemoteHangUp]);
//! for node in [alice, bob] {
//!     assert_eq!(sim.node(node).endpoint().call_count(), 0);
//!     assert_eq!(sim.node(node).endpoint().transaction_count(), 0);
//! }
//! println!("seed {} lost {} datagrams", sim.seed(), sim.stats().links.lost);
//! # Ok::<(), session_fsm::sim::SimError>(())
//! ```
//!
//! Writing a node of your own (a proxy, a scripted peer that misbehaves on purpose) means
//! implementing [`Node`]; nodes of different kinds share one simulation through an enum
//! that implements it.

mod agenda;
mod endpoint_node;
mod link;
mod media_ports;
mod node;
mod observer;
mod policy;
mod replay;
mod script;
mod simulation;

pub use endpoint_node::EndpointNode;
pub use link::{BadLinkConfig, DropRule, Fate, LinkConfig, LinkStats};
pub use node::{Datagram, Node, NodeId, NodeOutput};
pub use observer::{Delivered, Observer, Sent};
pub use policy::Policy;
pub use replay::{seed_from_env, ReplayOnPanic, SEED_VAR};
pub use script::{Command, Control, Recorder, Script};
pub use simulation::{NetworkStats, SimError, Simulation};
