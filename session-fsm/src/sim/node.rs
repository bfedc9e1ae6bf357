//! What the simulator drives: any sans-IO component that sends and receives datagrams.

use std::net::{IpAddr, SocketAddr};

use bytes::Bytes;

use crate::time::Instant;

/// A handle to one node of a [`Simulation`](super::Simulation), in the order nodes were added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub(crate) usize);

impl NodeId {
    /// The node's position in the simulation (0 for the first node added).
    pub fn index(self) -> usize {
        self.0
    }
}

/// A datagram on the simulated network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datagram {
    /// The address it was sent from.
    pub source: SocketAddr,
    /// The address it was sent to. The simulator routes on its IP; the node picks the socket
    /// from its port.
    pub destination: SocketAddr,
    /// Its payload.
    pub bytes: Bytes,
}

/// One output of a [`Node`]: the same contract as an [`Endpoint`](crate::Endpoint)'s front
/// door (drain until `Timeout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "drain poll_output until it returns NodeOutput::Timeout"]
pub enum NodeOutput {
    /// Send the bytes now in the lent buffer.
    Transmit {
        /// The local address it leaves from (the far end sees it as the source).
        source: SocketAddr,
        /// Where it goes.
        destination: SocketAddr,
    },
    /// Nothing more to send now; wake the node at this instant, or never if `None`.
    Timeout(Option<Instant>),
}

/// A sans-IO participant of a simulation: a SIP endpoint, a proxy, a media mixer, a scripted
/// peer written for one test…
///
/// The simulator is its whole world: it hands over datagrams addressed to [`ip`](Node::ip) and
/// the instants the node asked to be woken at, then drains [`poll_output`](Node::poll_output)
/// until it returns [`NodeOutput::Timeout`]. Time never runs backwards between calls.
/// [`EndpointNode`](super::EndpointNode) adapts a [`crate::Endpoint`].
pub trait Node {
    /// The IP address of this node: every datagram sent to it, whatever the port, is handed
    /// to this node.
    fn ip(&self) -> IpAddr;

    /// A datagram arrived at `now`.
    fn handle_datagram(&mut self, now: Instant, datagram: Datagram);

    /// The deadline last returned by [`NodeOutput::Timeout`] has come. An early call must be
    /// harmless.
    fn handle_timeout(&mut self, now: Instant);

    /// The next output. The bytes of a transmit are written into `buf` (the node clears it
    /// first).
    fn poll_output(&mut self, buf: &mut Vec<u8>) -> NodeOutput;
}
