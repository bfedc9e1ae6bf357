//! Reading list headers (RFC 3261 §7.3.1): the lines of one header in order, and their
//! comma-separated elements, either as text or parsed.

use super::headers::{slice, text_in, Headers};
use crate::header::params::{split_list, trim_ws, SplitList};
use crate::header::HeaderError;
use crate::uri::chars::find_byte;

/// The values of the lines of one header, in order.
pub(super) struct Values<'h> {
    pub(super) headers: &'h Headers,
    pub(super) id: u8,
    /// The name looked for when `id` is [`UNKNOWN`].
    pub(super) other: &'static str,
    pub(super) at: usize,
    pub(super) found: bool,
}

impl<'h> Iterator for Values<'h> {
    type Item = &'h [u8];

    #[inline(always)]
    fn next(&mut self) -> Option<&'h [u8]> {
        let h = self.headers;
        // A known header: absent, or present once and already found, reads no more lines.
        if let Some(bit) = 1u64.checked_shl(u32::from(self.id)) {
            if h.seen & bit == 0 || (self.found && h.repeated & bit == 0) {
                return None;
            }
        }
        while let Some(e) = h.entries.get(self.at) {
            self.at += 1;
            if h.matches(e, self.id, self.other) {
                self.found = true;
                return Some(slice(&h.buf, e.value));
            }
        }
        None
    }
}

/// The comma-separated elements of every line of a list header (see [`Headers::list`]).
pub(super) struct List<'h> {
    pub(super) values: Values<'h>,
    pub(super) header: &'static str,
    pub(super) current: Option<SplitList<'h>>,
}

impl<'h> Iterator for List<'h> {
    type Item = Result<&'h str, HeaderError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.current.as_mut().and_then(Iterator::next) {
                return Some(Ok(item));
            }
            let v = self.values.next()?;
            self.current = None;
            // Most lines hold one element: without a comma the (already trimmed) line is it.
            if find_byte(v, b',').is_none() {
                if v.is_empty() {
                    continue;
                }
                return Some(
                    text_in(&self.values.headers.buf, v).ok_or(HeaderError::NotUtf8 {
                        header: self.header,
                    }),
                );
            }
            match text_in(&self.values.headers.buf, v) {
                Some(s) => self.current = Some(split_list(s)),
                None => {
                    self.current = None;
                    return Some(Err(HeaderError::NotUtf8 {
                        header: self.header,
                    }));
                }
            }
        }
    }
}

/// The elements of a list header parsed as they are read (see [`Headers::vias`]): each line
/// is read once, `item` parsing an element and saying where the comma after it lies. An
/// element that fails sends the rest of its line to the general splitter ([`split_list`])
/// and `one`, so errors read exactly as when the list is split first.
pub(super) struct ItemList<'h, T, I, O> {
    pub(super) values: Values<'h>,
    pub(super) header: &'static str,
    /// What follows the last element's comma on the current line.
    pub(super) rest: Option<&'h str>,
    /// After a failed element: the rest of its line, split.
    pub(super) split: Option<SplitList<'h>>,
    pub(super) item: I,
    pub(super) one: O,
    pub(super) _t: core::marker::PhantomData<T>,
}

impl<'h, T, I, O> Iterator for ItemList<'h, T, I, O>
where
    I: Fn(&'h str) -> Result<(T, Option<usize>), HeaderError>,
    O: Fn(&'h str) -> Result<T, HeaderError>,
{
    type Item = Result<T, HeaderError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(split) = self.split.as_mut() {
                match split.next() {
                    Some(e) => return Some((self.one)(e)),
                    None => self.split = None,
                }
            }
            let s = match self.rest.take() {
                // A comma with nothing after it: the empty element the splitter would yield.
                Some(r) if trim_ws(r).is_empty() => return Some((self.one)("")),
                Some(r) => r,
                None => {
                    let v = self.values.next()?;
                    if v.is_empty() {
                        continue;
                    }
                    match text_in(&self.values.headers.buf, v) {
                        Some(t) => t,
                        None => {
                            return Some(Err(HeaderError::NotUtf8 {
                                header: self.header,
                            }))
                        }
                    }
                }
            };
            match (self.item)(s) {
                Ok((t, comma)) => {
                    self.rest = comma.map(|c| s.get(c + 1..).unwrap_or(""));
                    return Some(Ok(t));
                }
                Err(_) => self.split = Some(split_list(s)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{HeaderName, Message};
    use crate::header::{NameAddr, Via};
    use bytes::Bytes;

    /// Reading a list in one pass gives exactly what splitting it first and parsing each
    /// element gives: the same elements, the same errors, in the same order.
    #[test]
    fn one_pass_lists_match_split_then_parse() {
        let vias = [
            "SIP/2.0/UDP a;branch=z9hG4bK1",
            "SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/TCP b:5061;rport",
            "SIP/2.0/UDP a ,SIP/2.0/UDP b , SIP/2.0/UDP c",
            "SIP/2.0/UDP a;x=\"q,uoted\";branch=z9hG4bK2, SIP/2.0/UDP b",
            "SIP/2.0/UDP a;x=\"esc\\\",aped\", SIP/2.0/UDP b",
            "SIP/2.0/UDP a,",
            "SIP/2.0/UDP a, ",
            ", SIP/2.0/UDP a",
            "SIP/2.0/UDP a,,SIP/2.0/UDP b",
            "SIP/2.0/UDP a, junk, SIP/2.0/UDP b",
            "SIP/2.0/UDP a;ttl=999, SIP/2.0/UDP b",
            "SIP/2.0/UDP a extra, SIP/2.0/UDP b",
            "SIP/2.0/UDP a;x=<y,z>, SIP/2.0/UDP b",
            "SIP/2.0/UDP [2001:db8::1]:5060;received=2001:db8::2, SIP/2.0/UDP c",
            "SIP/2.0/UDP a:5060,SIP/2.0/UDP b:5060",
        ];
        let routes = [
            "<sip:p1;lr>",
            "<sip:p1;lr>, <sip:p2;lr>",
            "<sip:p1;lr> ,<sip:p2;lr>;x=1 , \"Q, R\" <sip:q@h>",
            "<sip:a,b@h;lr>, <sip:c@h>",
            "sip:p1;lr, sip:p2",
            "sip:p1, <sip:p2>",
            "<sip:p1>,",
            ", <sip:p1>",
            "<sip:p1>,,<sip:p2>",
            "<sip:p1>;bad=\"open, <sip:p2>",
            "Proxy One <sip:p1;lr>, <sip:p2>",
            "<sip:p1> junk, <sip:p2>",
            "<sip:p1;lr>;tag, <sip:p2>",
        ];
        for (i, v) in vias.iter().enumerate() {
            // The second line is always there, so a list runs across lines too.
            let text = format!(
                "OPTIONS sip:b@h SIP/2.0\r\nVia: {v}\r\nVia: SIP/2.0/UDP last;branch=z9hG4bKz\r\n\
                 Record-Route: {r}\r\nRecord-Route: <sip:last;lr>\r\nRoute: {r}\r\n\r\n",
                r = routes[i % routes.len()]
            );
            for r in routes.iter().chain(vias.iter()) {
                let text = text.replace(routes[i % routes.len()], r);
                let m = Message::parse(Bytes::from(text.clone())).unwrap();
                let h = m.headers();
                let split_vias: Vec<_> = h
                    .list(HeaderName::Via)
                    .map(|e| e.and_then(Via::parse))
                    .collect();
                assert_eq!(h.vias().collect::<Vec<_>>(), split_vias, "{text:?}");
                for (name, header) in [
                    (HeaderName::RecordRoute, "Record-Route"),
                    (HeaderName::Route, "Route"),
                ] {
                    let split: Vec<_> = h
                        .list(name)
                        .map(|e| e.and_then(|s| NameAddr::parse(header, s)))
                        .collect();
                    let one_pass: Vec<_> = match name {
                        HeaderName::Route => h.routes().collect(),
                        _ => h.record_routes().collect(),
                    };
                    assert_eq!(one_pass, split, "{text:?}");
                }
            }
        }
    }

    /// A line that is not UTF-8 is one error, and the lines after it are still read.
    #[test]
    fn a_line_not_utf8_is_one_error() {
        let mut raw = b"OPTIONS sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP a;x=".to_vec();
        raw.extend_from_slice(b"\xff\xfe\r\nVia: SIP/2.0/UDP b;branch=z9hG4bK1\r\n\r\n");
        let m = Message::parse(Bytes::from(raw)).unwrap();
        let vias: Vec<_> = m.headers().vias().collect();
        assert_eq!(vias.len(), 2);
        assert!(vias[0].is_err());
        assert_eq!(vias[1].as_ref().unwrap().host(), "b");
    }
}
