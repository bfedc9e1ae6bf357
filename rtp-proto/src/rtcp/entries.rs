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
        let rest = match *self {
            // A zero-sized entry type would never advance: yield nothing instead.
            Self::Wire(b) if T::LEN > 0 => Rest::Wire(b),
            Self::Wire(_) => Rest::Items([].iter()),
            Self::Items(items) => Rest::Items(items.iter()),
        };
        EntryIter { rest }
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

impl<T: WireEntry> Default for EntryList<'_, T> {
    /// An empty list.
    fn default() -> Self {
        Self::Items(&[])
    }
}

impl<'a, T: WireEntry> From<&'a [T]> for EntryList<'a, T> {
    fn from(items: &'a [T]) -> Self {
        Self::Items(items)
    }
}

impl<'a, T: WireEntry> IntoIterator for EntryList<'a, T> {
    type Item = T;
    type IntoIter = EntryIter<'a, T>;

    fn into_iter(self) -> EntryIter<'a, T> {
        self.iter()
    }
}

impl<'a, T: WireEntry> IntoIterator for &EntryList<'a, T> {
    type Item = T;
    type IntoIter = EntryIter<'a, T>;

    fn into_iter(self) -> EntryIter<'a, T> {
        self.iter()
    }
}

/// A 32-bit SSRC or CSRC, as listed in a BYE (RFC 3550 §6.6).
impl WireEntry for u32 {
    const LEN: usize = 4;

    #[inline]
    fn read(b: &[u8]) -> Self {
        // invariant: EntryList hands exactly LEN = 4 bytes.
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    fn write(&self, b: &mut [u8]) {
        b.copy_from_slice(&self.to_be_bytes());
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
    rest: Rest<'a, T>,
}

#[derive(Debug, Clone)]
enum Rest<'a, T> {
    Wire(&'a [u8]),
    Items(core::slice::Iter<'a, T>),
}

impl<T: WireEntry> Iterator for EntryIter<'_, T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        match &mut self.rest {
            Rest::Wire(b) => {
                let (entry, tail) = b.split_at_checked(T::LEN)?;
                *b = tail;
                Some(T::read(entry))
            }
            Rest::Items(items) => items.next().copied(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = match &self.rest {
            Rest::Wire(b) => b.len() / T::LEN.max(1),
            Rest::Items(items) => items.len(),
        };
        (n, Some(n))
    }
}

impl<T: WireEntry> ExactSizeIterator for EntryIter<'_, T> {}
