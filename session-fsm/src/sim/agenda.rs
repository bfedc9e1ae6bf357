//! A script's to-do list: commands and wake-ups due at given instants.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use crate::time::Instant;

use super::Command;

/// Something a script asked to happen later.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Entry {
    /// Run this command.
    Command(Command),
    /// Call the script's `on_wake` with this token.
    Wake(u64),
}

#[derive(Debug)]
struct Due {
    at: Instant,
    seq: u64,
    entry: Entry,
}

impl PartialEq for Due {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Due {}

impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Due {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// Entries in time order; entries due at one instant come out in the order they were added.
#[derive(Debug, Default)]
pub(crate) struct Agenda {
    due: BinaryHeap<Reverse<Due>>,
    next_seq: u64,
}

impl Agenda {
    pub(crate) fn add(&mut self, at: Instant, entry: Entry) {
        self.due.push(Reverse(Due {
            at,
            seq: self.next_seq,
            entry,
        }));
        self.next_seq += 1;
    }

    /// The earliest instant anything is due.
    pub(crate) fn next(&self) -> Option<Instant> {
        self.due.peek().map(|Reverse(d)| d.at)
    }

    /// The next entry due at or before `now`.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<Entry> {
        if self.next()? > now {
            return None;
        }
        self.due.pop().map(|Reverse(d)| d.entry)
    }

    pub(crate) fn len(&self) -> usize {
        self.due.len()
    }
}
