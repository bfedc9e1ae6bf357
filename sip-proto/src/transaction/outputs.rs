//! What every transaction machine owes its owner: its timers, the messages it wants sent and
//! the events for the transaction user. The four machines share this plumbing; each keeps only
//! its own state and transitions.

use bytes::Bytes;
use smallvec::SmallVec;

use crate::time::Instant;

use super::{Event, TimerTable};

/// A first-in first-out queue that holds its first two items inline: a transaction rarely
/// has more than one message or event waiting, since its owner drains it after every input,
/// so this spares an allocation per queue per transaction.
#[derive(Debug, Clone)]
pub(crate) struct Queue<T>(SmallVec<[T; 2]>);

impl<T> Default for Queue<T> {
    fn default() -> Self {
        Queue(SmallVec::new())
    }
}

impl<T> Queue<T> {
    pub(crate) fn push_back(&mut self, item: T) {
        self.0.push(item);
    }

    /// O(len), and len is almost always 0 or 1.
    pub(crate) fn pop_front(&mut self) -> Option<T> {
        (!self.0.is_empty()).then(|| self.0.remove(0))
    }
}

/// Timers, outgoing messages and TU events of one transaction.
#[derive(Debug, Clone, Default)]
pub(crate) struct Outputs {
    pub(crate) timers: TimerTable,
    pub(crate) transmits: Queue<Bytes>,
    pub(crate) events: Queue<Event>,
}

impl Outputs {
    /// Outputs with `timers` already armed and `first` queued for sending.
    pub(crate) fn new(timers: TimerTable, first: Bytes) -> Self {
        let mut transmits = Queue::default();
        transmits.push_back(first);
        Outputs {
            timers,
            transmits,
            events: Queue::default(),
        }
    }

    /// The next message to send. Drain until `None`, even after termination (a reliable
    /// transport can terminate with an ACK still queued).
    pub(crate) fn poll_transmit(&mut self) -> Option<Bytes> {
        self.transmits.pop_front()
    }

    /// The next event for the TU.
    pub(crate) fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The earliest armed timer.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.timers.min()
    }

    /// Stops every timer and reports [`Event::Terminated`], always the last event.
    pub(crate) fn terminate(&mut self) {
        self.timers.clear_all();
        self.events.push_back(Event::Terminated);
    }
}
