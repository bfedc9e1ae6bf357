//! Watching the network: every datagram sent, with the fate the link gave it, and every copy
//! delivered.

use std::net::SocketAddr;

use crate::time::Instant;

use super::{Fate, NodeId};

/// A datagram a node sent, and what its link decided for it.
#[derive(Debug, Clone, Copy)]
pub struct Sent<'a> {
    /// When it was sent.
    pub at: Instant,
    /// The sending node.
    pub from: NodeId,
    /// The receiving node, or `None` when no node owns the destination IP (then it is lost).
    pub to: Option<NodeId>,
    /// The address it left from.
    pub source: SocketAddr,
    /// The address it was sent to.
    pub destination: SocketAddr,
    /// Its bytes.
    pub bytes: &'a [u8],
    /// What the link will do with it.
    pub fate: Fate,
}

/// A copy of a datagram handed to the receiving node.
#[derive(Debug, Clone, Copy)]
pub struct Delivered<'a> {
    /// When it arrived.
    pub at: Instant,
    /// The sending node.
    pub from: NodeId,
    /// The receiving node.
    pub to: NodeId,
    /// The address it left from.
    pub source: SocketAddr,
    /// The address it was sent to.
    pub destination: SocketAddr,
    /// Its bytes.
    pub bytes: &'a [u8],
}

/// Sees every datagram of a [`Simulation`](super::Simulation): to draw ladder diagrams, to
/// count, or to compute what the protocol must do from what the network did (a test oracle).
///
/// Both methods do nothing by default; `()` is the observer that watches nothing.
pub trait Observer {
    /// A node sent a datagram. Called once per datagram, before any copy is delivered.
    fn on_sent(&mut self, sent: &Sent<'_>) {
        let _ = sent;
    }

    /// A copy reached its node, just before the node handles it.
    fn on_delivered(&mut self, delivered: &Delivered<'_>) {
        let _ = delivered;
    }
}

impl Observer for () {}
