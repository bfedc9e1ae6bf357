//! The framing floor: a plain memchr line scan of a SIP message.
//!
//! It finds every line end and, on each header line, the first `:`, and records the name and
//! value ranges in a fixed array. It checks nothing else: no start-line grammar, no folding,
//! no compact names, no Content-Length. Any real parser does at least this much work, so it is
//! the baseline that "framing + header index" is compared with.

use memchr::memchr;

/// Most header lines the scan records; later ones are counted but not indexed.
pub const MAX_LINES: usize = 64;

/// What the scan found: the start line, `(name, value)` byte ranges of each header line, and
/// where the body begins.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// End of the start line (exclusive, before its CR).
    pub start_line_end: u32,
    /// `(name_start, name_end, value_start, value_end)` per header line.
    pub headers: [(u32, u32, u32, u32); MAX_LINES],
    /// Number of header lines seen.
    pub count: usize,
    /// Offset of the first body byte, if the empty line was found.
    pub body_start: Option<u32>,
}

/// Scans `buf` line by line with `memchr`. Lines end in LF, with an optional CR before it.
pub fn scan(buf: &[u8]) -> LineIndex {
    let mut index = LineIndex {
        start_line_end: 0,
        headers: [(0, 0, 0, 0); MAX_LINES],
        count: 0,
        body_start: None,
    };
    let mut pos = 0usize;
    let mut first = true;
    while pos < buf.len() {
        let Some(nl) = memchr(b'\n', &buf[pos..]) else {
            break;
        };
        let line_end = pos + nl;
        let end = if line_end > pos && buf[line_end - 1] == b'\r' {
            line_end - 1
        } else {
            line_end
        };
        let next = line_end + 1;
        if first {
            index.start_line_end = end as u32;
            first = false;
        } else if end == pos {
            index.body_start = Some(next as u32);
            break;
        } else if let Some(colon) = memchr(b':', &buf[pos..end]) {
            if let Some(slot) = index.headers.get_mut(index.count) {
                *slot = (
                    pos as u32,
                    (pos + colon) as u32,
                    (pos + colon + 1) as u32,
                    end as u32,
                );
            }
            index.count += 1;
        }
        pos = next;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_header_and_the_body() {
        let msg = crate::sip::invite();
        let index = scan(&msg);
        // 10 listed headers + Content-Type + Content-Length.
        assert_eq!(index.count, crate::sip::INVITE_HEADERS.len() + 2);
        let body = index.body_start.unwrap() as usize;
        assert_eq!(&msg[body..], crate::sip::INVITE_SDP.as_bytes());
        let (n0, n1, _, _) = index.headers[0];
        assert_eq!(&msg[n0 as usize..n1 as usize], b"Via");
    }
}
