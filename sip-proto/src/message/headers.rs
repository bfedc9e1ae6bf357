//! The header index of a parsed message: byte ranges into the message, no copies.

use bytes::Bytes;
use smallvec::SmallVec;

use super::list::{ItemList, List, Values};
use super::method::Method;
use super::name::{lookup, HeaderName, UNKNOWN};
use crate::header::{
    is_event_type, parse_content_length, parse_delta_seconds, parse_max_forwards, parse_min_se,
    parse_rseq, privacy_values, Auth, CSeq, Event, HeaderError, HttpDate, NameAddr, RAck, Reason,
    Replaces, RetryAfter, SessionExpires, SubscriptionState, Via, Warning,
};
use crate::uri::chars::{class, class_of, class_run};

/// One header line: where its name and (trimmed, unfolded) value lie in the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) id: u8,
    pub(crate) name: (u32, u32),
    pub(crate) value: (u32, u32),
}

/// Inline capacity of the header index: typical messages carry fewer lines than this and
/// need no heap allocation for it.
pub(crate) const INLINE_HEADERS: usize = 24;

/// The headers of one message, in order, as an index of `(name, value)` byte ranges into the
/// message buffer (RFC 3261 §7.3).
///
/// Values are trimmed of surrounding whitespace and already unfolded: a folded value's line
/// breaks read as spaces (RFC 3261 §7.3.1 lets a receiver treat LWS as one SP). Values are
/// handed out as `&str`; a value that is not UTF-8 (a peer sending Latin-1, say) is skipped by
/// the `&str` accessors and can be read with [`Headers::get_raw`] / [`Headers::iter_raw`].
///
/// Typed accessors parse on every call and allocate nothing.
#[derive(Clone)]
pub struct Headers {
    pub(crate) buf: Bytes,
    pub(crate) entries: SmallVec<[Entry; INLINE_HEADERS]>,
    /// Bit `id` set when a line of known header `id` is present, so a lookup of an absent
    /// header reads no line.
    pub(super) seen: u64,
    /// Bit `id` set when header `id` has more than one line, so a lookup stops after the
    /// only one.
    pub(super) repeated: u64,
    /// The first CSeq line as the parser read it when it checked it, if it had the common
    /// form `1*9DIGIT SP Method`.
    pub(super) cseq: Option<CSeqHint>,
}

/// What the parser learnt from a CSeq line of the common form `1*9DIGIT SP Method`: the
/// sequence number, and how many digits it was written with (the method follows one SP
/// later).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CSeqHint {
    pub(crate) seq: u32,
    pub(crate) digits: u8,
}

impl Default for Headers {
    fn default() -> Self {
        Headers::empty()
    }
}

impl core::fmt::Debug for Headers {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list()
            .entries(
                self.iter_raw()
                    .map(|(n, v)| (String::from_utf8_lossy(n), String::from_utf8_lossy(v))),
            )
            .finish()
    }
}

pub(super) fn slice(buf: &[u8], r: (u32, u32)) -> &[u8] {
    buf.get(r.0 as usize..r.1 as usize).unwrap_or(&[])
}

fn text(b: &[u8]) -> Option<&str> {
    core::str::from_utf8(b).ok()
}

/// `v`, which lies in `buf` (the message), as text.
///
/// The UTF-8 check runs over a slightly wider range of `buf`: from the 8-octet boundary at or
/// before `v`, over whole 16-octet blocks. That is the shape the standard library's check
/// reads two words at a time, with no octet-by-octet head or tail, which on a header value
/// halves its cost. The value is then sliced out of the checked text at its own bounds (the
/// parser cut it at ASCII octets, so they are char boundaries). When the wider range is not
/// UTF-8 (a neighbouring value is not), `v` alone is checked.
#[inline]
pub(super) fn text_in<'b>(buf: &'b [u8], v: &'b [u8]) -> Option<&'b str> {
    let base = buf.as_ptr() as usize;
    let start = (v.as_ptr() as usize).wrapping_sub(base);
    let end = start.wrapping_add(v.len());
    if start <= end && end <= buf.len() {
        let from = start - (base.wrapping_add(start) & 7).min(start);
        let to = from.saturating_add((end - from + 15) & !15).min(buf.len());
        if let Some(wide) = buf.get(from..to).and_then(|w| core::str::from_utf8(w).ok()) {
            if let Some(t) = wide.get(start - from..end - from) {
                return Some(t);
            }
        }
    }
    text(v)
}

/// Which known headers have a line, and which more than one (see [`Headers`]' fields).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Presence {
    seen: u64,
    repeated: u64,
}

impl Presence {
    /// Records that a line of header `id` was indexed.
    #[inline(always)]
    pub(crate) fn note(&mut self, id: u8) {
        self.note_bit(1u64.checked_shl(u32::from(id)).unwrap_or(0));
    }

    /// [`Presence::note`] with the header's bit (`1 << id`, 0 for an unknown name).
    #[inline(always)]
    pub(crate) fn note_bit(&mut self, bit: u64) {
        self.repeated |= self.seen & bit;
        self.seen |= bit;
    }
}

impl Headers {
    /// Whether known header `id` has more than one line.
    pub(crate) fn is_repeated(&self, id: u8) -> bool {
        self.repeated.checked_shr(u32::from(id)).unwrap_or(0) & 1 != 0
    }

    /// Sets which headers are present, as noted while the lines were indexed.
    pub(crate) fn set_presence(&mut self, p: Presence) {
        self.seen = p.seen;
        self.repeated = p.repeated;
    }

    /// An empty index (no headers).
    pub fn empty() -> Self {
        Headers {
            buf: Bytes::new(),
            entries: SmallVec::new(),
            seen: 0,
            repeated: 0,
            cseq: None,
        }
    }

    /// The buffer values are sliced from (the message, unfolded if it had folded lines).
    pub(crate) fn buf(&self) -> &Bytes {
        &self.buf
    }

    /// Number of header lines.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no header lines.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether line `e` is of the header with table id `id`, or, for [`UNKNOWN`], named
    /// `other`.
    #[inline(always)]
    pub(super) fn matches(&self, e: &Entry, id: u8, other: &str) -> bool {
        if id != UNKNOWN {
            return e.id == id;
        }
        e.id == UNKNOWN
            && !other.is_empty()
            && slice(&self.buf, e.name).eq_ignore_ascii_case(other.as_bytes())
    }

    #[inline(always)]
    fn raw_values(&self, name: HeaderName) -> Values<'_> {
        Values {
            headers: self,
            id: name.id(),
            other: match name {
                HeaderName::Other(n) => n,
                _ => "",
            },
            at: 0,
            found: false,
        }
    }

    /// The first value of `name`, or `None` if absent (or not UTF-8).
    pub fn get(&self, name: HeaderName) -> Option<&str> {
        self.raw_values(name).next().and_then(text)
    }

    /// The first value of `name` as bytes.
    pub fn get_raw(&self, name: HeaderName) -> Option<&[u8]> {
        self.raw_values(name).next()
    }

    /// Every line's value for `name`, in order (compact and full forms alike). Values are not
    /// split at commas; the typed list accessors ([`Headers::vias`]...) do that.
    pub fn get_all(&self, name: HeaderName) -> impl Iterator<Item = &str> + '_ {
        self.raw_values(name).filter_map(text)
    }

    /// Every line's value for `name`, as bytes.
    pub fn get_all_raw(&self, name: HeaderName) -> impl Iterator<Item = &[u8]> + '_ {
        self.raw_values(name)
    }

    /// The first value of a header named `name` at run time (any case; compact forms of known
    /// headers work too).
    pub fn get_named<'s>(&'s self, name: &'s str) -> Option<&'s str> {
        self.get_all_named(name).next()
    }

    /// Every value of a header named `name` at run time.
    pub fn get_all_named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        let id = lookup(name.as_bytes());
        self.entries
            .iter()
            .filter(move |e| {
                if id != UNKNOWN {
                    e.id == id
                } else {
                    e.id == UNKNOWN
                        && slice(&self.buf, e.name).eq_ignore_ascii_case(name.as_bytes())
                }
            })
            .filter_map(|e| text(slice(&self.buf, e.value)))
    }

    /// Whether a header of that name is present.
    pub fn contains(&self, name: HeaderName) -> bool {
        // A listed header is present exactly when its `seen` bit is set (every indexed line
        // sets its bit), so no line needs reading.
        match 1u64.checked_shl(u32::from(name.id())) {
            Some(bit) => self.seen & bit != 0,
            None => self.raw_values(name).next().is_some(),
        }
    }

    /// `(name as written, value)` for every line in order, skipping non-UTF-8 values.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.iter_raw()
            .filter_map(|(n, v)| Some((text(n)?, text(v)?)))
    }

    /// `(name as written, value)` bytes for every line in order.
    pub fn iter_raw(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.entries
            .iter()
            .map(|e| (slice(&self.buf, e.name), slice(&self.buf, e.value)))
    }

    /// `(known name, name as written, value)` for every line in order; the known name is
    /// `None` for headers [`HeaderName`] does not list.
    pub fn iter_named(&self) -> impl Iterator<Item = (Option<HeaderName>, &[u8], &[u8])> + '_ {
        self.entries.iter().map(|e| {
            (
                HeaderName::from_id(e.id),
                slice(&self.buf, e.name),
                slice(&self.buf, e.value),
            )
        })
    }

    /// The first value as text, or a typed error naming `header`.
    #[inline(always)]
    fn first(&self, name: HeaderName) -> Result<Option<&str>, HeaderError> {
        match self.raw_values(name).next() {
            None => Ok(None),
            Some(b) => text_in(&self.buf, b)
                .map(Some)
                .ok_or_else(|| HeaderError::NotUtf8 {
                    header: name.as_str(),
                }),
        }
    }

    /// The first line's value of the known header with table id `id`: one test of the
    /// presence bits, then a scan of the ids alone.
    #[inline(always)]
    fn line_value(&self, id: u8) -> Option<&[u8]> {
        if self.seen.checked_shr(u32::from(id)).unwrap_or(0) & 1 == 0 {
            return None;
        }
        let e = self.entries.iter().find(|e| e.id == id)?;
        self.buf.get(e.value.0 as usize..e.value.1 as usize)
    }

    /// The first value of the known header `name` as text: [`Headers::required`] for the core
    /// headers, whose table ids are constants.
    #[inline(always)]
    fn required_known(&self, name: HeaderName) -> Result<&str, HeaderError> {
        match self.line_value(name.static_id()) {
            Some(v) => text_in(&self.buf, v).ok_or_else(|| HeaderError::NotUtf8 {
                header: name.as_str(),
            }),
            None => Err(HeaderError::Missing {
                header: name.as_str(),
            }),
        }
    }

    /// Every comma-separated element of every line of a list header (RFC 3261 §7.3.1), split
    /// outside quoted strings and angle brackets.
    pub fn list(&self, name: HeaderName) -> impl Iterator<Item = Result<&str, HeaderError>> + '_ {
        List {
            values: self.raw_values(name),
            header: name.as_str(),
            current: None,
        }
    }

    /// Call-ID (RFC 3261 §20.8): `callid = word [ "@" word ]`.
    pub fn call_id(&self) -> Result<&str, HeaderError> {
        check_call_id(self.required_known(HeaderName::CallId)?)
    }

    /// CSeq (RFC 3261 §20.16), first line.
    pub fn cseq(&self) -> Result<CSeq<'_>, HeaderError> {
        let v = self.required_known(HeaderName::CSeq)?;
        match self.cseq {
            // The parser read this line already: only the method remains to be named.
            Some(h) => CSeq::parse_method_in(v, h.seq, usize::from(h.digits) + 1, &self.buf),
            None => CSeq::parse_in(v, &self.buf),
        }
    }

    /// The topmost Via element: the one this hop's response goes back through (§18.2.2).
    pub fn top_via(&self) -> Result<Via<'_>, HeaderError> {
        match self.vias().next() {
            Some(v) => v,
            None => Err(HeaderError::Missing { header: "Via" }),
        }
    }

    /// Every Via element, top first, across lines and commas.
    pub fn vias(&self) -> impl Iterator<Item = Result<Via<'_>, HeaderError>> + '_ {
        self.item_list(HeaderName::Via, Via::parse_list_item, Via::parse)
    }

    /// The elements of list header `name`, parsed one line at a time without splitting
    /// first (see [`ItemList`]); the same elements and errors as [`Headers::list`] then
    /// `one` on each.
    #[inline(always)]
    fn item_list<'h, T, I, O>(&'h self, name: HeaderName, item: I, one: O) -> ItemList<'h, T, I, O>
    where
        I: Fn(&'h str) -> Result<(T, Option<usize>), HeaderError>,
        O: Fn(&'h str) -> Result<T, HeaderError>,
    {
        ItemList {
            values: self.raw_values(name),
            header: name.as_str(),
            rest: None,
            split: None,
            item,
            one,
            _t: core::marker::PhantomData,
        }
    }

    /// From (RFC 3261 §20.20).
    pub fn from(&self) -> Result<NameAddr<'_>, HeaderError> {
        NameAddr::parse("From", self.required_known(HeaderName::From)?)
    }

    /// To (RFC 3261 §20.39).
    pub fn to(&self) -> Result<NameAddr<'_>, HeaderError> {
        NameAddr::parse("To", self.required_known(HeaderName::To)?)
    }

    /// The first Contact address, `None` if there is no Contact (or only the `*` wildcard,
    /// see [`Headers::contact_is_wildcard`]).
    pub fn contact(&self) -> Result<Option<NameAddr<'_>>, HeaderError> {
        self.contacts().next().transpose()
    }

    /// Every Contact address across lines and commas (RFC 3261 §20.10). The REGISTER
    /// wildcard `*` is not an address and is skipped here.
    pub fn contacts(&self) -> impl Iterator<Item = Result<NameAddr<'_>, HeaderError>> + '_ {
        self.list(HeaderName::Contact)
            .filter(|r| !matches!(r, Ok("*")))
            .map(|r| r.and_then(|s| NameAddr::parse("Contact", s)))
    }

    /// Whether the Contact is the `*` of a REGISTER removing all bindings (§10.2.2).
    pub fn contact_is_wildcard(&self) -> bool {
        self.list(HeaderName::Contact).any(|r| matches!(r, Ok("*")))
    }

    /// Every Record-Route address, top first (RFC 3261 §20.30).
    pub fn record_routes(&self) -> impl Iterator<Item = Result<NameAddr<'_>, HeaderError>> + '_ {
        self.item_list(
            HeaderName::RecordRoute,
            |s| NameAddr::parse_list_item("Record-Route", s),
            |s| NameAddr::parse("Record-Route", s),
        )
    }

    /// Every Route address, top first (RFC 3261 §20.34).
    pub fn routes(&self) -> impl Iterator<Item = Result<NameAddr<'_>, HeaderError>> + '_ {
        self.item_list(
            HeaderName::Route,
            |s| NameAddr::parse_list_item("Route", s),
            |s| NameAddr::parse("Route", s),
        )
    }

    /// Max-Forwards (RFC 3261 §20.22), if present.
    pub fn max_forwards(&self) -> Result<Option<u8>, HeaderError> {
        self.first(HeaderName::MaxForwards)?
            .map(parse_max_forwards)
            .transpose()
    }

    /// Content-Length (RFC 3261 §20.14), if present.
    pub fn content_length(&self) -> Result<Option<u32>, HeaderError> {
        self.first(HeaderName::ContentLength)?
            .map(parse_content_length)
            .transpose()
    }

    /// Expires as delta-seconds (RFC 3261 §20.19), if present.
    pub fn expires(&self) -> Result<Option<u32>, HeaderError> {
        self.first(HeaderName::Expires)?
            .map(|v| parse_delta_seconds("Expires", v))
            .transpose()
    }

    /// Date (RFC 3261 §20.17), if present.
    pub fn date(&self) -> Result<Option<HttpDate>, HeaderError> {
        self.first(HeaderName::Date)?
            .map(HttpDate::parse)
            .transpose()
    }

    /// Every challenge or credentials line of an authentication header (`WwwAuthenticate`,
    /// `ProxyAuthenticate`, `Authorization`, `ProxyAuthorization`), one per header line
    /// (RFC 3261 §22: their parameters are comma-separated, so lines are not split).
    pub fn auth(
        &self,
        name: HeaderName,
    ) -> impl Iterator<Item = Result<Auth<'_>, HeaderError>> + '_ {
        let header = name.as_str();
        self.raw_values(name).map(move |v| match text(v) {
            Some(s) => Auth::parse(header, s),
            None => Err(HeaderError::NotUtf8 { header }),
        })
    }

    /// RSeq (RFC 3262 §7.1), if present.
    pub fn rseq(&self) -> Result<Option<u32>, HeaderError> {
        self.first(HeaderName::RSeq)?.map(parse_rseq).transpose()
    }

    /// RAck (RFC 3262 §7.2), if present.
    pub fn rack(&self) -> Result<Option<RAck>, HeaderError> {
        self.first(HeaderName::RAck)?
            .map(|v| RAck::parse_in(v, &self.buf))
            .transpose()
    }

    /// The methods of the Allow header(s) (RFC 3261 §20.5), across lines and commas; elements
    /// that are not tokens are skipped.
    pub fn allow(&self) -> impl Iterator<Item = Method> + '_ {
        self.tokens(HeaderName::Allow)
            .filter_map(|m| Method::from_slice_of(&self.buf, m.as_bytes()).ok())
    }

    /// Content-Type (RFC 3261 §20.15) as written.
    pub fn content_type(&self) -> Option<&str> {
        self.get(HeaderName::ContentType)
    }

    /// Session-Expires (RFC 4028 §4), if present.
    pub fn session_expires(&self) -> Result<Option<SessionExpires<'_>>, HeaderError> {
        self.first(HeaderName::SessionExpires)?
            .map(SessionExpires::parse)
            .transpose()
    }

    /// Min-SE in seconds (RFC 4028 §5), if present.
    pub fn min_se(&self) -> Result<Option<u32>, HeaderError> {
        self.first(HeaderName::MinSe)?.map(parse_min_se).transpose()
    }

    /// Refer-To (RFC 3515 §2.1), if present.
    pub fn refer_to(&self) -> Result<Option<NameAddr<'_>>, HeaderError> {
        self.first(HeaderName::ReferTo)?
            .map(|v| NameAddr::parse("Refer-To", v))
            .transpose()
    }

    /// Referred-By (RFC 3892 §3), if present; its `cid` parameter is
    /// `param("cid")`.
    pub fn referred_by(&self) -> Result<Option<NameAddr<'_>>, HeaderError> {
        self.first(HeaderName::ReferredBy)?
            .map(|v| NameAddr::parse("Referred-By", v))
            .transpose()
    }

    /// Replaces (RFC 3891 §6.1), if present.
    pub fn replaces(&self) -> Result<Option<Replaces<'_>>, HeaderError> {
        self.first(HeaderName::Replaces)?
            .map(Replaces::parse)
            .transpose()
    }

    /// Event (RFC 6665 §8.2.1), if present.
    pub fn event(&self) -> Result<Option<Event<'_>>, HeaderError> {
        self.first(HeaderName::Event)?.map(Event::parse).transpose()
    }

    /// Subscription-State (RFC 6665 §8.2.3), if present.
    pub fn subscription_state(&self) -> Result<Option<SubscriptionState<'_>>, HeaderError> {
        self.first(HeaderName::SubscriptionState)?
            .map(SubscriptionState::parse)
            .transpose()
    }

    /// The event types of Allow-Events (RFC 6665 §8.2.2), across lines and commas.
    pub fn allow_events(&self) -> impl Iterator<Item = Result<&str, HeaderError>> + '_ {
        self.list(HeaderName::AllowEvents).map(|r| {
            r.and_then(|t| {
                if is_event_type(t) {
                    Ok(t)
                } else {
                    Err(HeaderError::syntax(
                        "Allow-Events",
                        "must be event-type *(COMMA event-type) (RFC 6665 §8.2.2)",
                    ))
                }
            })
        })
    }

    /// Every Reason value (RFC 3326 §2), across lines and commas.
    pub fn reasons(&self) -> impl Iterator<Item = Result<Reason<'_>, HeaderError>> + '_ {
        self.list(HeaderName::Reason)
            .map(|r| r.and_then(Reason::parse))
    }

    /// Every address of a list of `name-addr` / `addr-spec` header: P-Asserted-Identity,
    /// P-Preferred-Identity (RFC 3325 §9: no parameters), Path (RFC 3327 §4), Service-Route
    /// (RFC 3608 §5), Route, Record-Route, across lines and commas.
    pub fn addresses(
        &self,
        name: HeaderName,
    ) -> impl Iterator<Item = Result<NameAddr<'_>, HeaderError>> + '_ {
        let header = name.as_str();
        let no_params = matches!(
            name,
            HeaderName::PAssertedIdentity | HeaderName::PPreferredIdentity
        );
        self.list(name).map(move |r| {
            let a = r.and_then(|s| NameAddr::parse(header, s))?;
            if no_params && !a.params_raw().is_empty() {
                return Err(HeaderError::syntax(
                    header,
                    "takes name-addr / addr-spec without parameters (RFC 3325 §9)",
                ));
            }
            Ok(a)
        })
    }

    /// Every P-Asserted-Identity address (RFC 3325 §9.1).
    pub fn p_asserted_identities(
        &self,
    ) -> impl Iterator<Item = Result<NameAddr<'_>, HeaderError>> + '_ {
        self.addresses(HeaderName::PAssertedIdentity)
    }

    /// Every Path address, top first (RFC 3327 §4).
    pub fn paths(&self) -> impl Iterator<Item = Result<NameAddr<'_>, HeaderError>> + '_ {
        self.addresses(HeaderName::Path)
    }

    /// Every Service-Route address, top first (RFC 3608 §5).
    pub fn service_routes(&self) -> impl Iterator<Item = Result<NameAddr<'_>, HeaderError>> + '_ {
        self.addresses(HeaderName::ServiceRoute)
    }

    /// The priv-values of Privacy (RFC 3323 §4.2): `header`, `session`, `user`, `none`,
    /// `critical`, `id` (RFC 3325) or another token, across lines.
    pub fn privacy(&self) -> impl Iterator<Item = Result<&str, HeaderError>> + '_ {
        self.raw_values(HeaderName::Privacy).flat_map(|v| {
            let (ok, err) = match text(v) {
                Some(s) => (Some(s), None),
                None => (None, Some(HeaderError::NotUtf8 { header: "Privacy" })),
            };
            ok.into_iter().flat_map(privacy_values).chain(err.map(Err))
        })
    }

    /// Every Warning value (RFC 3261 §20.43), across lines and commas.
    pub fn warnings(&self) -> impl Iterator<Item = Result<Warning<'_>, HeaderError>> + '_ {
        self.list(HeaderName::Warning)
            .map(|r| r.and_then(Warning::parse))
    }

    /// Retry-After (RFC 3261 §20.33), if present.
    pub fn retry_after(&self) -> Result<Option<RetryAfter<'_>>, HeaderError> {
        self.first(HeaderName::RetryAfter)?
            .map(RetryAfter::parse)
            .transpose()
    }

    /// The option tags or tokens of a token-list header (Allow, Supported, Require,
    /// Proxy-Require, Unsupported...), across lines and commas, skipping empty elements.
    pub fn tokens(&self, name: HeaderName) -> impl Iterator<Item = &str> + '_ {
        self.list(name)
            .filter_map(Result::ok)
            .filter(|s| !s.is_empty())
    }

    /// Checks that every line of a single-valued header (`name`) carries the same value.
    pub(crate) fn check_single(&self, name: HeaderName) -> Result<(), HeaderError> {
        let mut values = self.raw_values(name);
        if let Some(first) = values.next() {
            if values.any(|v| v != first) {
                return Err(HeaderError::Conflicting {
                    header: name.as_str(),
                });
            }
        }
        Ok(())
    }

    /// A full syntax check of the headers this crate understands ([`Headers::check_syntax`]),
    /// and no conflicting repeats of Call-ID, CSeq, From, To or Max-Forwards (RFC 4475
    /// §3.3.8). Presence of mandatory headers is not checked (see
    /// [`Headers::check_mandatory`]).
    pub fn validate(&self) -> Result<(), HeaderError> {
        self.validate_core().map(drop)
    }

    /// [`Headers::validate`], handing back the typed headers it parsed on the way (the top
    /// Via, From, To, Call-ID, CSeq and first Contact), so that a caller that goes on to
    /// read them does not parse them twice. The same checks run in the same order, so the
    /// same error comes back.
    pub fn validate_core(&self) -> Result<CoreHeaders<'_>, HeaderError> {
        let core = self.check_syntax_core()?;
        for n in [
            HeaderName::CallId,
            HeaderName::CSeq,
            HeaderName::From,
            HeaderName::To,
            HeaderName::MaxForwards,
        ] {
            self.check_single(n)?;
        }
        Ok(core)
    }

    /// The grammar of every header this crate understands, where present: every Via, From,
    /// To, Call-ID, CSeq, Contact (with its `expires` and `q`), Route, Record-Route,
    /// Max-Forwards, Expires, Date, RSeq, RAck, Session-Expires, Min-SE, Refer-To,
    /// Referred-By, Replaces, Event, Allow-Events, Subscription-State, Reason, Privacy,
    /// P-Asserted-Identity, P-Preferred-Identity, Path, Service-Route, Warning, Retry-After and
    /// authentication header. Unlike
    /// [`Headers::validate`], repeated single-valued headers that disagree are not refused:
    /// RFC 4475 §3.3.8 leaves them to the application layer.
    pub fn check_syntax(&self) -> Result<(), HeaderError> {
        self.check_syntax_core().map(drop)
    }

    /// [`Headers::check_syntax`], keeping what it parsed of the core headers.
    fn check_syntax_core(&self) -> Result<CoreHeaders<'_>, HeaderError> {
        let mut top_via = None;
        for v in self.vias() {
            top_via = top_via.or(Some(v?));
        }
        // Each present header is looked up once: `first` is what `from()`, `to()`,
        // `call_id()` and `cseq()` read, with the same not-UTF-8 error.
        let from = match self.first(HeaderName::From)? {
            Some(v) => Some(NameAddr::parse("From", v)?),
            None => None,
        };
        let to = match self.first(HeaderName::To)? {
            Some(v) => Some(NameAddr::parse("To", v)?),
            None => None,
        };
        let call_id = match self.first(HeaderName::CallId)? {
            Some(v) => Some(check_call_id(v)?),
            None => None,
        };
        let cseq = match self.first(HeaderName::CSeq)? {
            Some(v) => Some(CSeq::parse_in(v, &self.buf)?),
            None => None,
        };
        let mut contact = None;
        for c in self.contacts() {
            let c = c?;
            c.expires()?;
            c.q()?;
            contact = contact.or(Some(c));
        }
        for r in self.routes().chain(self.record_routes()) {
            r?;
        }
        self.max_forwards()?;
        let core = CoreHeaders {
            top_via,
            from,
            to,
            call_id,
            cseq,
            contact,
        };
        if self.seen & CHECKED_AFTER_MAX_FORWARDS == 0 {
            // None of the headers below is present: nothing more can fail.
            return Ok(core);
        }
        self.expires()?;
        self.date()?;
        self.rseq()?;
        self.rack()?;
        self.session_expires()?;
        self.min_se()?;
        self.refer_to()?;
        self.referred_by()?;
        self.replaces()?;
        self.event()?;
        self.subscription_state()?;
        self.retry_after()?;
        for r in self.allow_events() {
            r?;
        }
        for r in self.reasons() {
            r?;
        }
        for r in self.privacy() {
            r?;
        }
        for r in self.warnings() {
            r?;
        }
        for n in [
            HeaderName::PAssertedIdentity,
            HeaderName::PPreferredIdentity,
            HeaderName::Path,
            HeaderName::ServiceRoute,
        ] {
            for a in self.addresses(n) {
                a?;
            }
        }
        for n in [
            HeaderName::WwwAuthenticate,
            HeaderName::ProxyAuthenticate,
            HeaderName::Authorization,
            HeaderName::ProxyAuthorization,
        ] {
            for a in self.auth(n) {
                a?;
            }
        }
        Ok(core)
    }

    /// The core headers parsed one by one, each `None` when absent or malformed: for a
    /// message that was not validated (an ACK, a response) but is read the same way.
    pub fn core_lenient(&self) -> CoreHeaders<'_> {
        CoreHeaders {
            top_via: self.top_via().ok(),
            from: self.from().ok(),
            to: self.to().ok(),
            call_id: self.call_id().ok(),
            cseq: self.cseq().ok(),
            contact: self.contact().ok().flatten(),
        }
    }

    /// Checks that To, From, CSeq, Call-ID and Via are present (RFC 3261 §8.1.1; Max-Forwards
    /// is mandatory only for requests and checked by [`super::Request::check_mandatory`]).
    pub fn check_mandatory(&self) -> Result<(), HeaderError> {
        for n in [
            HeaderName::To,
            HeaderName::From,
            HeaderName::CSeq,
            HeaderName::CallId,
            HeaderName::Via,
        ] {
            if !self.contains(n) {
                return Err(HeaderError::Missing { header: n.as_str() });
            }
        }
        Ok(())
    }
}

/// Bit `id` for each of `names` (all listed, so ids below 64).
const fn id_mask(names: &[HeaderName]) -> u64 {
    let mut mask = 0;
    let mut i = 0;
    while i < names.len() {
        mask |= 1u64 << names[i].static_id();
        i += 1;
    }
    mask
}

/// The headers [`Headers::check_syntax`] checks after Max-Forwards, as `seen` bits: when
/// none is present the check can stop there.
const CHECKED_AFTER_MAX_FORWARDS: u64 = id_mask(&[
    HeaderName::Expires,
    HeaderName::Date,
    HeaderName::RSeq,
    HeaderName::RAck,
    HeaderName::SessionExpires,
    HeaderName::MinSe,
    HeaderName::ReferTo,
    HeaderName::ReferredBy,
    HeaderName::Replaces,
    HeaderName::Event,
    HeaderName::SubscriptionState,
    HeaderName::RetryAfter,
    HeaderName::AllowEvents,
    HeaderName::Reason,
    HeaderName::Privacy,
    HeaderName::Warning,
    HeaderName::PAssertedIdentity,
    HeaderName::PPreferredIdentity,
    HeaderName::Path,
    HeaderName::ServiceRoute,
    HeaderName::WwwAuthenticate,
    HeaderName::ProxyAuthenticate,
    HeaderName::Authorization,
    HeaderName::ProxyAuthorization,
]);

/// The headers that every request's processing reads, typed: what [`Headers::validate_core`]
/// parsed while validating, or [`Headers::core_lenient`] read. Each is `None` when the header
/// is absent (or, from `core_lenient`, malformed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CoreHeaders<'h> {
    /// The topmost Via element (§18.2.2).
    pub top_via: Option<Via<'h>>,
    /// From (§20.20).
    pub from: Option<NameAddr<'h>>,
    /// To (§20.39).
    pub to: Option<NameAddr<'h>>,
    /// Call-ID (§20.8).
    pub call_id: Option<&'h str>,
    /// CSeq (§20.16).
    pub cseq: Option<CSeq<'h>>,
    /// The first Contact address (not the `*` wildcard, §20.10).
    pub contact: Option<NameAddr<'h>>,
}

/// `callid = word [ "@" word ]` (RFC 3261 §25.1), checked in one pass: a word, then
/// optionally `@` and a second word that runs to the end.
fn check_call_id(v: &str) -> Result<&str, HeaderError> {
    let b = v.as_bytes();
    let first = word_run(b, 0);
    let ok = first > 0
        && (first == b.len()
            || (b.get(first) == Some(&b'@') && {
                let second = word_run(b, first + 1);
                second > first + 1 && second == b.len()
            }));
    if ok {
        Ok(v)
    } else {
        Err(HeaderError::syntax(
            "Call-ID",
            "must be word [ \"@\" word ] (RFC 3261 §25.1 callid)",
        ))
    }
}

/// Index of the first octet at or after `from` that is not a `word` character (or `b.len()`):
/// eight octets at a time, their classes ANDed together with no branch per octet, then octet
/// by octet in the word where the run ends. A Call-ID is a few dozen word characters.
#[inline]
fn word_run(b: &[u8], from: usize) -> usize {
    let mut j = from;
    while let Some(w) = b.get(j..j + 8) {
        if w.iter().fold(u16::MAX, |m, &c| m & class_of(c)) & class::WORD == 0 {
            break;
        }
        j += 8;
    }
    class_run(b, j, class::WORD)
}

#[cfg(test)]
mod tests {
    use super::super::Message;
    use super::*;

    fn headers(text: &str) -> Headers {
        Message::parse(Bytes::copy_from_slice(text.as_bytes()))
            .unwrap()
            .headers()
            .clone()
    }

    /// `cseq()` reads the first CSeq line the same whether or not the parser kept what it
    /// read of it (it keeps a lone line of the common form only).
    #[test]
    fn cseq_reads_the_first_line_with_or_without_the_parsers_hint() {
        let cases = [
            // A lone common line: the parser's hint.
            ("OPTIONS", "CSeq: 314159 OPTIONS\r\n", Some(314159)),
            ("OPTIONS", "CSeq: 0 OPTIONS\r\n", Some(0)),
            ("OPTIONS", "CSeq: 999999999 OPTIONS\r\n", Some(999_999_999)),
            // Ten digits, folded or with more whitespace: read afresh.
            ("OPTIONS", "CSeq: 4294967295 OPTIONS\r\n", Some(u32::MAX)),
            ("OPTIONS", "CSeq: 0000000042 OPTIONS\r\n", Some(42)),
            ("OPTIONS", "CSeq: 7\r\n OPTIONS\r\n", Some(7)),
            ("OPTIONS", "CSeq: 8 \t OPTIONS\r\n", Some(8)),
            // Two lines: the first one counts, hint or not.
            ("OPTIONS", "CSeq: 1 OPTIONS\r\nCSeq: 2 OPTIONS\r\n", Some(1)),
            (
                "OPTIONS",
                "CSeq: 1  OPTIONS\r\nCSeq: 2 OPTIONS\r\n",
                Some(1),
            ),
            // A response names any token.
            ("", "CSeq: 5 FOO\r\n", Some(5)),
            ("", "CSeq: 6 INVITE\r\n", Some(6)),
        ];
        for (method, lines, seq) in cases {
            let text = if method.is_empty() {
                format!("SIP/2.0 200 OK\r\n{lines}\r\n")
            } else {
                format!("{method} sip:b@h SIP/2.0\r\n{lines}\r\n")
            };
            let h = headers(&text);
            let first = h.get(HeaderName::CSeq).unwrap();
            let afresh = CSeq::parse(first);
            assert_eq!(h.cseq(), afresh, "{lines:?}");
            assert_eq!(h.cseq().ok().map(|c| c.seq), seq, "{lines:?}");
        }
        let h = headers("SIP/2.0 200 OK\r\nCSeq: 5 FOO\r\n\r\n");
        assert_eq!(h.cseq().unwrap().method.as_str(), "FOO");
        assert_eq!(h.cseq().unwrap().as_str(), "5 FOO");
    }

    /// `validate_core` hands back exactly what the accessors read, and fails as `validate`
    /// does.
    #[test]
    fn validate_core_returns_what_the_accessors_read() {
        let h = headers(
            "INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h1;branch=z9hG4bKa, SIP/2.0/UDP h2\r\n\
             Via: SIP/2.0/TCP h3;branch=z9hG4bKc\r\nFrom: \"A\" <sip:a@h>;tag=1\r\n\
             To: <sip:b@h>\r\nCall-ID: c1@h\r\nCSeq: 2 INVITE\r\nMax-Forwards: 70\r\n\
             Contact: *, <sip:a@192.0.2.1>;expires=60, <sip:a2@h>\r\nContent-Length: 0\r\n\r\n",
        );
        let core = h.validate_core().unwrap();
        assert_eq!(core.top_via, Some(h.top_via().unwrap()));
        assert_eq!(core.top_via.unwrap().host(), "h1");
        assert_eq!(core.from, Some(h.from().unwrap()));
        assert_eq!(core.to, Some(h.to().unwrap()));
        assert_eq!(core.call_id, Some("c1@h"));
        assert_eq!(core.cseq, Some(h.cseq().unwrap()));
        assert_eq!(core.contact, h.contact().unwrap());
        assert_eq!(core.contact.unwrap().uri_str(), "sip:a@192.0.2.1");
        assert_eq!(core, h.core_lenient());

        let absent = headers("OPTIONS sip:b@h SIP/2.0\r\nMax-Forwards: 70\r\n\r\n");
        assert_eq!(absent.validate_core(), Ok(CoreHeaders::default()));

        let broken = headers(
            "BYE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h1;branch=z9hG4bKa\r\n\
             From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c1\r\nCSeq: 2 BYE\r\n\
             Contact: <sip:a@h>;expires=soon\r\nMax-Forwards: 70\r\n\r\n",
        );
        assert_eq!(
            broken.validate_core().unwrap_err(),
            broken.validate().unwrap_err()
        );
        assert!(broken.validate().is_err());
        // Read leniently, the Contact address is there; only validation reads its expires.
        assert!(broken.core_lenient().contact.is_some());
        assert!(broken.core_lenient().cseq.is_some());
    }

    /// The check stops early only when none of the later-checked headers is present: any
    /// one of them, broken, still fails validation.
    #[test]
    fn later_headers_are_still_checked_when_present() {
        let base = "OPTIONS sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h1;branch=z9hG4bKa\r\n\
                    From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c1\r\n\
                    CSeq: 2 OPTIONS\r\nMax-Forwards: 70\r\n";
        let ok = headers(&format!("{base}\r\n"));
        assert!(ok.validate().is_ok());
        for broken in [
            "Expires: soon",
            "Date: yesterday",
            "RSeq: x",
            "Min-SE: -1",
            "Event: ",
            "Warning: nonsense",
            "Privacy: @@",
            "Path: <not a uri",
            "Authorization: ",
        ] {
            let text = format!("{base}{broken}\r\n\r\n");
            let h = headers(&text);
            assert!(h.validate().is_err(), "{broken}");
        }
    }
}
