//! What every transaction machine owes its owner: its timers, the messages it wants sent and
//! the events for the transaction user. The four machines share this plumbing; each keeps only
//! its own state and transitions.

use std::collections::VecDeque;

use bytes::Bytes;

use crate::time::Instant;

use super::{Event, TimerTable};

/// Timers, outgoing messages and TU events of one transaction.
#[derive(Debug, Clone, Default)]
pub(crate) struct Outputs {
    pub(crate) timers: TimerTable,
    pub(crate) transmits: VecDeque<Bytes>,
    pub(crate) events: VecDeque<Event>,
}

impl Outputs {
    /// Outputs with `timers` already armed and `transmits` already queued.
    pub(crate) fn new(timers: TimerTable, transmits: VecDeque<Bytes>) -> Self {
        Outputs {
            timers,
            transmits,
            events: VecDeque::new(),
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
