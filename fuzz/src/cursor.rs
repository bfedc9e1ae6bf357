//! A byte cursor that turns a fuzzer's input into structured choices.
//!
//! It plays the role of `arbitrary::Unstructured` without adding a dependency to the
//! workspace lock file: every read succeeds, and reads past the end yield zeros, so any byte
//! string decodes to some sequence of operations. [`Writer`] is its inverse, used to build
//! seed inputs that decode to a chosen sequence.

/// Reads fixed-width values and bounded choices from fuzzer bytes.
#[derive(Debug, Clone)]
pub struct Cursor<'a> {
    data: &'a [u8],
}

impl<'a> Cursor<'a> {
    /// Starts reading `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Cursor { data }
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// One byte, or 0 past the end.
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// A big-endian `u16`.
    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }

    /// A big-endian `u32`.
    pub fn u32(&mut self) -> u32 {
        u32::from_be_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    /// A boolean from the low bit of one byte.
    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// An index below `n` (`n` must be non-zero and at most 256).
    pub fn choose(&mut self, n: usize) -> usize {
        usize::from(self.u8()) % n.max(1)
    }

    /// One element of a non-empty slice.
    pub fn pick<'t, T>(&mut self, items: &'t [T]) -> &'t T {
        let i = self.choose(items.len());
        &items[i]
    }

    /// A length-prefixed (u16) byte string, cut short at the end of the input.
    pub fn bytes(&mut self) -> &'a [u8] {
        let len = usize::from(self.u16()).min(self.data.len());
        let (head, rest) = self.data.split_at(len);
        self.data = rest;
        head
    }
}

/// Encodes values so that [`Cursor`] reads them back: the seed-corpus builder's half.
#[derive(Debug, Clone, Default)]
pub struct Writer {
    /// The encoded bytes.
    pub out: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Self {
        Writer::default()
    }

    /// One byte.
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.out.push(v);
        self
    }

    /// A big-endian `u16`.
    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.out.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// A big-endian `u32`.
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.out.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// A length-prefixed byte string (at most 65,535 bytes).
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        let len = u16::try_from(b.len()).unwrap_or(u16::MAX);
        self.u16(len);
        self.out.extend_from_slice(&b[..usize::from(len)]);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_and_cursor_agree() {
        let mut w = Writer::new();
        w.u8(7).u16(300).u32(70_000).bytes(b"abc").u8(5);
        let mut c = Cursor::new(&w.out);
        assert_eq!(c.u8(), 7);
        assert_eq!(c.u16(), 300);
        assert_eq!(c.u32(), 70_000);
        assert_eq!(c.bytes(), b"abc");
        assert_eq!(c.choose(3), 2);
        assert!(c.is_empty());
        assert_eq!(c.u32(), 0);
        assert_eq!(c.bytes(), b"");
    }
}
