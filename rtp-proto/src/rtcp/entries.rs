//! Lists of fixed-size entries inside an RTCP body: NACK pairs, FIR entries, DLRR sub-blocks.
//!
//! A received list stays a slice of the datagram (no copy, no bound on its length beyond the
//! packet's own); a list to send is a slice of plain values. Both are the same type,
//! [`EntryList`], and compare equal when they hold the same entries, so a parsed packet
//! equals the packet that was emitted.

use core::fmt;

/// An entry with a fixed wire size, read from and written to exactly [`WireEntry::LEN`] bytes.
pub trait WireEntry: Copy {
    /// The entry's size on the wire.
    const LEN: usize;
    /// Reads an entry from a slice of exactly `LEN` bytes (callers guarantee the length).
    fn read(b: &[u8]) -> Self;
    /// Writes the entry into a slice of exactly `LEN` bytes (callers guarantee the length).
    fn write(&self, b: &mut [u8]);
}

/// A list of entries, either still on the wire or given as values.
#[derive(Clone, Copy)]
pub enum EntryList<'a, T: WireEntry> {
    /// Received bytes whose length is a whole multiple of `T::LEN` (checked by the parser).
    Wire(&'a [u8]),
    /// Entries given by the caller, to emit.
    Items(&'a [T]),
}

impl<'a, T: WireEntry> EntryList<'a, T> {
    /// Checks that `bytes` holds whole entries; `None` otherwise.
    pub(crate) fn from_wire(bytes: &'a [u8]) -> Option<Self> {
        (T::LEN > 0 && bytes.len() % T::LEN == 0).then_some(Self::Wire(bytes))
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        match self {
            Self::Wire(b) => b.len() / T::LEN.max(1),
            Self::Items(items) => items.len(),
        }
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entries in order.
    pub fn iter(&self) -> EntryIter<'a, T> {
        EntryIter { list: *self, at: 0 }
    }

    /// Bytes the entries take on the wire.
    pub fn wire_len(&self) -> usize {
        self.len() * T::LEN
    }

    /// Writes the entries into `out`, which holds exactly [`wire_len`](Self::wire_len) bytes.
    pub(crate) fn write(&self, out: &mut [u8]) {
        for (entry, chunk) in self.iter().zip(out.chunks_exact_mut(T::LEN.max(1))) {
            entry.write(chunk);
        }
    }
}

impl<T: WireEntry + PartialEq> PartialEq for EntryList<'_, T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<T: WireEntry + Eq> Eq for EntryList<'_, T> {}

impl<T: WireEntry + fmt::Debug> fmt::Debug for EntryList<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Iterator over an [`EntryList`].
#[derive(Debug, Clone)]
pub struct EntryIter<'a, T: WireEntry> {
    list: EntryList<'a, T>,
    at: usize,
}

impl<T: WireEntry> Iterator for EntryIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        let item = match self.list {
            EntryList::Wire(b) => {
                let start = self.at.checked_mul(T::LEN)?;
                let src = b.get(start..start.checked_add(T::LEN)?)?;
                T::read(src)
            }
            EntryList::Items(items) => *items.get(self.at)?,
        };
        self.at += 1;
        Some(item)
    }
}
