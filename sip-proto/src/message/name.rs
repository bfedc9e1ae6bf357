//! Header names: the full forms of RFC 3261 §20 and extensions, with the compact forms of
//! §7.3.3 and the IANA SIP parameters registry.

use core::fmt;

use crate::uri::chars::is_token;

/// A header name. Names compare case-insensitively on the wire (RFC 3261 §7.3.1), and a
/// compact form (`v`, `f`, `t`, `i`, `m`, `l`, `c`, `k`, `s`, `e`, `o`, `r`, `b`, `u`, `x`...)
/// maps to the same variant as its full form.
///
/// Use [`HeaderName::Other`] for a name this enum lacks; lookups with it compare
/// case-insensitively and also find the known variant if the text names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HeaderName {
    /// `Accept` (RFC 3261 §20.1).
    Accept,
    /// `Accept-Contact` (RFC 3841, compact form `a`).
    AcceptContact,
    /// `Accept-Encoding` (RFC 3261 §20.2).
    AcceptEncoding,
    /// `Accept-Language` (RFC 3261 §20.3).
    AcceptLanguage,
    /// `Alert-Info` (RFC 3261 §20.4).
    AlertInfo,
    /// `Allow` (RFC 3261 §20.5).
    Allow,
    /// `Allow-Events` (RFC 6665, compact form `u`).
    AllowEvents,
    /// `Authentication-Info` (RFC 3261 §20.6).
    AuthenticationInfo,
    /// `Authorization` (RFC 3261 §20.7).
    Authorization,
    /// `Call-ID` (RFC 3261 §20.8, compact form `i`).
    CallId,
    /// `Call-Info` (RFC 3261 §20.9).
    CallInfo,
    /// `Contact` (RFC 3261 §20.10, compact form `m`).
    Contact,
    /// `Content-Disposition` (RFC 3261 §20.11).
    ContentDisposition,
    /// `Content-Encoding` (RFC 3261 §20.12, compact form `e`).
    ContentEncoding,
    /// `Content-Language` (RFC 3261 §20.13).
    ContentLanguage,
    /// `Content-Length` (RFC 3261 §20.14, compact form `l`).
    ContentLength,
    /// `Content-Type` (RFC 3261 §20.15, compact form `c`).
    ContentType,
    /// `CSeq` (RFC 3261 §20.16).
    CSeq,
    /// `Date` (RFC 3261 §20.17).
    Date,
    /// `Error-Info` (RFC 3261 §20.18).
    ErrorInfo,
    /// `Event` (RFC 6665, compact form `o`).
    Event,
    /// `Expires` (RFC 3261 §20.19).
    Expires,
    /// `From` (RFC 3261 §20.20, compact form `f`).
    From,
    /// `In-Reply-To` (RFC 3261 §20.21).
    InReplyTo,
    /// `Max-Forwards` (RFC 3261 §20.22).
    MaxForwards,
    /// `MIME-Version` (RFC 3261 §20.24).
    MimeVersion,
    /// `Min-Expires` (RFC 3261 §20.23).
    MinExpires,
    /// `Min-SE` (RFC 4028).
    MinSe,
    /// `Organization` (RFC 3261 §20.25).
    Organization,
    /// `Priority` (RFC 3261 §20.26).
    Priority,
    /// `Proxy-Authenticate` (RFC 3261 §20.27).
    ProxyAuthenticate,
    /// `Proxy-Authorization` (RFC 3261 §20.28).
    ProxyAuthorization,
    /// `Proxy-Require` (RFC 3261 §20.29).
    ProxyRequire,
    /// `RAck` (RFC 3262).
    RAck,
    /// `Reason` (RFC 3326).
    Reason,
    /// `Record-Route` (RFC 3261 §20.30).
    RecordRoute,
    /// `Refer-To` (RFC 3515, compact form `r`).
    ReferTo,
    /// `Referred-By` (RFC 3892, compact form `b`).
    ReferredBy,
    /// `Reject-Contact` (RFC 3841, compact form `j`).
    RejectContact,
    /// `Replaces` (RFC 3891).
    Replaces,
    /// `Reply-To` (RFC 3261 §20.31).
    ReplyTo,
    /// `Request-Disposition` (RFC 3841, compact form `d`).
    RequestDisposition,
    /// `Require` (RFC 3261 §20.32).
    Require,
    /// `Retry-After` (RFC 3261 §20.33).
    RetryAfter,
    /// `Route` (RFC 3261 §20.34).
    Route,
    /// `RSeq` (RFC 3262).
    RSeq,
    /// `Server` (RFC 3261 §20.35).
    Server,
    /// `Session-Expires` (RFC 4028, compact form `x`).
    SessionExpires,
    /// `Subject` (RFC 3261 §20.36, compact form `s`).
    Subject,
    /// `Subscription-State` (RFC 6665).
    SubscriptionState,
    /// `Supported` (RFC 3261 §20.37, compact form `k`).
    Supported,
    /// `Timestamp` (RFC 3261 §20.38).
    Timestamp,
    /// `To` (RFC 3261 §20.39, compact form `t`).
    To,
    /// `Unsupported` (RFC 3261 §20.40).
    Unsupported,
    /// `User-Agent` (RFC 3261 §20.41).
    UserAgent,
    /// `Via` (RFC 3261 §20.42, compact form `v`).
    Via,
    /// `Warning` (RFC 3261 §20.43).
    Warning,
    /// `WWW-Authenticate` (RFC 3261 §20.44).
    WwwAuthenticate,
    /// `P-Asserted-Identity` (RFC 3325 §9.1).
    PAssertedIdentity,
    /// `P-Preferred-Identity` (RFC 3325 §9.2).
    PPreferredIdentity,
    /// `Path` (RFC 3327 §4).
    Path,
    /// `Privacy` (RFC 3323 §4.2).
    Privacy,
    /// `Service-Route` (RFC 3608 §5).
    ServiceRoute,
    /// A header this enum does not list, by its name (ASCII case-insensitive).
    Other(&'static str),
}

/// `(variant, full name, compact form)`; the index in this table is the id stored per line.
pub(crate) const TABLE: [(HeaderName, &str, Option<u8>); 63] = [
    (HeaderName::Accept, "Accept", None),
    (HeaderName::AcceptContact, "Accept-Contact", Some(b'a')),
    (HeaderName::AcceptEncoding, "Accept-Encoding", None),
    (HeaderName::AcceptLanguage, "Accept-Language", None),
    (HeaderName::AlertInfo, "Alert-Info", None),
    (HeaderName::Allow, "Allow", None),
    (HeaderName::AllowEvents, "Allow-Events", Some(b'u')),
    (HeaderName::AuthenticationInfo, "Authentication-Info", None),
    (HeaderName::Authorization, "Authorization", None),
    (HeaderName::CallId, "Call-ID", Some(b'i')),
    (HeaderName::CallInfo, "Call-Info", None),
    (HeaderName::Contact, "Contact", Some(b'm')),
    (HeaderName::ContentDisposition, "Content-Disposition", None),
    (HeaderName::ContentEncoding, "Content-Encoding", Some(b'e')),
    (HeaderName::ContentLanguage, "Content-Language", None),
    (HeaderName::ContentLength, "Content-Length", Some(b'l')),
    (HeaderName::ContentType, "Content-Type", Some(b'c')),
    (HeaderName::CSeq, "CSeq", None),
    (HeaderName::Date, "Date", None),
    (HeaderName::ErrorInfo, "Error-Info", None),
    (HeaderName::Event, "Event", Some(b'o')),
    (HeaderName::Expires, "Expires", None),
    (HeaderName::From, "From", Some(b'f')),
    (HeaderName::InReplyTo, "In-Reply-To", None),
    (HeaderName::MaxForwards, "Max-Forwards", None),
    (HeaderName::MimeVersion, "MIME-Version", None),
    (HeaderName::MinExpires, "Min-Expires", None),
    (HeaderName::MinSe, "Min-SE", None),
    (HeaderName::Organization, "Organization", None),
    (HeaderName::Priority, "Priority", None),
    (HeaderName::ProxyAuthenticate, "Proxy-Authenticate", None),
    (HeaderName::ProxyAuthorization, "Proxy-Authorization", None),
    (HeaderName::ProxyRequire, "Proxy-Require", None),
    (HeaderName::RAck, "RAck", None),
    (HeaderName::Reason, "Reason", None),
    (HeaderName::RecordRoute, "Record-Route", None),
    (HeaderName::ReferTo, "Refer-To", Some(b'r')),
    (HeaderName::ReferredBy, "Referred-By", Some(b'b')),
    (HeaderName::RejectContact, "Reject-Contact", Some(b'j')),
    (HeaderName::Replaces, "Replaces", None),
    (HeaderName::ReplyTo, "Reply-To", None),
    (
        HeaderName::RequestDisposition,
        "Request-Disposition",
        Some(b'd'),
    ),
    (HeaderName::Require, "Require", None),
    (HeaderName::RetryAfter, "Retry-After", None),
    (HeaderName::Route, "Route", None),
    (HeaderName::RSeq, "RSeq", None),
    (HeaderName::Server, "Server", None),
    (HeaderName::SessionExpires, "Session-Expires", Some(b'x')),
    (HeaderName::Subject, "Subject", Some(b's')),
    (HeaderName::SubscriptionState, "Subscription-State", None),
    (HeaderName::Supported, "Supported", Some(b'k')),
    (HeaderName::Timestamp, "Timestamp", None),
    (HeaderName::To, "To", Some(b't')),
    (HeaderName::Unsupported, "Unsupported", None),
    (HeaderName::UserAgent, "User-Agent", None),
    (HeaderName::Via, "Via", Some(b'v')),
    (HeaderName::Warning, "Warning", None),
    (HeaderName::WwwAuthenticate, "WWW-Authenticate", None),
    (HeaderName::PAssertedIdentity, "P-Asserted-Identity", None),
    (HeaderName::PPreferredIdentity, "P-Preferred-Identity", None),
    (HeaderName::Path, "Path", None),
    (HeaderName::Privacy, "Privacy", None),
    (HeaderName::ServiceRoute, "Service-Route", None),
];

/// Id stored for a header line whose name is not in [`TABLE`].
pub(crate) const UNKNOWN: u8 = u8::MAX;

/// Every [`TABLE`] name in lower case, by id.
const LOWER: [&[u8]; TABLE.len()] = [
    b"accept",
    b"accept-contact",
    b"accept-encoding",
    b"accept-language",
    b"alert-info",
    b"allow",
    b"allow-events",
    b"authentication-info",
    b"authorization",
    b"call-id",
    b"call-info",
    b"contact",
    b"content-disposition",
    b"content-encoding",
    b"content-language",
    b"content-length",
    b"content-type",
    b"cseq",
    b"date",
    b"error-info",
    b"event",
    b"expires",
    b"from",
    b"in-reply-to",
    b"max-forwards",
    b"mime-version",
    b"min-expires",
    b"min-se",
    b"organization",
    b"priority",
    b"proxy-authenticate",
    b"proxy-authorization",
    b"proxy-require",
    b"rack",
    b"reason",
    b"record-route",
    b"refer-to",
    b"referred-by",
    b"reject-contact",
    b"replaces",
    b"reply-to",
    b"request-disposition",
    b"require",
    b"retry-after",
    b"route",
    b"rseq",
    b"server",
    b"session-expires",
    b"subject",
    b"subscription-state",
    b"supported",
    b"timestamp",
    b"to",
    b"unsupported",
    b"user-agent",
    b"via",
    b"warning",
    b"www-authenticate",
    b"p-asserted-identity",
    b"p-preferred-identity",
    b"path",
    b"privacy",
    b"service-route",
];

/// Longest name in [`TABLE`].
const MAX_LEN: usize = 20;

/// Candidates by (length, lower-cased first letter): up to three [`TABLE`] ids packed into
/// the low bytes of a `u32`, [`UNKNOWN`] in unused bytes. Built at compile time from
/// [`LOWER`]; one load finds the only names a header could be.
static CANDIDATES: [[u32; 26]; MAX_LEN + 1] = {
    let mut t = [[u32::MAX; 26]; MAX_LEN + 1];
    let mut id = 0;
    while id < LOWER.len() {
        let name = LOWER[id];
        let slot = &mut t[name.len()][(name[0] - b'a') as usize];
        // Shift the id into the first free byte (ids are < 255, so a byte of 0xFF is free).
        let mut shift = 0;
        while (*slot >> shift) & 0xFF != 0xFF {
            shift += 8;
        }
        *slot = (*slot & !(0xFF << shift)) | ((id as u32) << shift);
        id += 1;
    }
    t
};

/// Compact forms (RFC 3261 §7.3.3) by lower-case letter.
static COMPACT: [u8; 26] = {
    let mut t = [UNKNOWN; 26];
    let mut id = 0;
    while id < TABLE.len() {
        if let Some(c) = TABLE[id].2 {
            t[(c - b'a') as usize] = id as u8;
        }
        id += 1;
    }
    t
};

/// Every [`TABLE`] name as three little-endian words (lower case, zero-padded to 24 octets)
/// and, per word, the case mask of [`eq_name`]: bit 5 of each octet holding a letter.
static NAME_WORDS: [([u64; 3], [u64; 3]); TABLE.len()] = {
    let mut t = [([0u64; 3], [0u64; 3]); TABLE.len()];
    let mut id = 0;
    while id < LOWER.len() {
        let name = LOWER[id];
        let mut i = 0;
        while i < name.len() {
            let c = name[i] as u64;
            t[id].0[i / 8] |= c << (8 * (i % 8));
            t[id].1[i / 8] |= (c & 0x40) >> 1 << (8 * (i % 8));
            i += 1;
        }
        id += 1;
    }
    t
};

/// The [`TABLE`] index of the name of `len` octets whose first 24 octets (zero-padded past
/// the name or not) are `words`, little-endian; exact for any octets, like [`lookup_exact`].
/// The message parser has loaded these words already while looking for the colon.
#[inline(always)]
pub(crate) fn lookup_words(words: [u64; 3], len: usize) -> u8 {
    let letter = usize::from(((words[0] as u8) | 0x20).wrapping_sub(b'a'));
    if len <= 1 {
        return if len == 1 {
            COMPACT.get(letter).copied().unwrap_or(UNKNOWN)
        } else {
            UNKNOWN
        };
    }
    let mut packed = CANDIDATES
        .get(len)
        .and_then(|row| row.get(letter))
        .copied()
        .unwrap_or(u32::MAX);
    // Zero the octets past the name, as in the table: the last word's are masked off, the
    // words after it dropped.
    let mask = u64::MAX >> ((len.wrapping_neg() & 7) * 8);
    // A candidate has `len` octets, so its words past the name's are zero: only the words
    // the name fills are compared.
    let same = |(lower, case): &([u64; 3], [u64; 3])| match len {
        ..=8 => (words[0] & mask) | case[0] == lower[0],
        9..=16 => (words[0] | case[0]) == lower[0] && (words[1] & mask) | case[1] == lower[1],
        _ => {
            (words[0] | case[0]) == lower[0]
                && (words[1] | case[1]) == lower[1]
                && (words[2] & mask) | case[2] == lower[2]
        }
    };
    while packed & 0xFF != 0xFF {
        let id = (packed & 0xFF) as u8;
        if NAME_WORDS.get(usize::from(id)).is_some_and(same) {
            return id;
        }
        packed >>= 8;
    }
    UNKNOWN
}

/// The [`TABLE`] index of a name as written (full or compact, any case), or [`UNKNOWN`].
pub(crate) fn lookup(name: &[u8]) -> u8 {
    if !is_token(name) {
        return UNKNOWN;
    }
    lookup_token(name)
}

/// [`lookup`] for a name already known to be a `token` (what the message parser hands over).
pub(crate) fn lookup_token(name: &[u8]) -> u8 {
    lookup_exact(name)
}

/// The [`TABLE`] index of any octets: one table load picks the candidates by length and first
/// letter, then each is compared a machine word at a time, exactly (see [`eq_name`]), so a
/// match is a known name and hence a token. No scan of the table, no copy.
pub(crate) fn lookup_exact(name: &[u8]) -> u8 {
    let Some(&first) = name.first() else {
        return UNKNOWN;
    };
    let letter = usize::from((first | 0x20).wrapping_sub(b'a'));
    if name.len() == 1 {
        return COMPACT.get(letter).copied().unwrap_or(UNKNOWN);
    }
    let mut packed = CANDIDATES
        .get(name.len())
        .and_then(|row| row.get(letter))
        .copied()
        .unwrap_or(u32::MAX);
    while packed & 0xFF != 0xFF {
        let id = (packed & 0xFF) as u8;
        if LOWER
            .get(usize::from(id))
            .is_some_and(|lower| eq_name(name, lower))
        {
            return id;
        }
        packed >>= 8;
    }
    UNKNOWN
}

fn word<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    b.get(at..at + N)
        .and_then(|s| <[u8; N]>::try_from(s).ok())
        .unwrap_or([0; N])
}

/// `name` equals `lower` (lower-case letters and `-`) ignoring ASCII case, exactly for any
/// octets.
///
/// Each word of `lower` gives its own case mask: bit 5 where `lower` holds a letter (letters
/// have bit 6 set, `-` does not), so `name | mask == lower` lets only that letter's two cases
/// through and requires `-` itself where `lower` has `-`. The comparison reads whole words,
/// the last one overlapping the one before it.
fn eq_name(name: &[u8], lower: &[u8]) -> bool {
    let n = name.len();
    if n != lower.len() {
        return false;
    }
    if n >= 8 {
        let eq = |at| {
            let l = u64::from_le_bytes(word(lower, at));
            u64::from_le_bytes(word(name, at)) | ((l & 0x4040_4040_4040_4040) >> 1) == l
        };
        let mut at = 0;
        while at + 8 < n {
            if !eq(at) {
                return false;
            }
            at += 8;
        }
        eq(n - 8)
    } else if n >= 4 {
        let eq = |at| {
            let l = u32::from_le_bytes(word(lower, at));
            u32::from_le_bytes(word(name, at)) | ((l & 0x4040_4040) >> 1) == l
        };
        eq(0) && eq(n - 4)
    } else {
        name.iter()
            .zip(lower)
            .all(|(&a, &l)| a | ((l & 0x40) >> 1) == l)
    }
}

impl HeaderName {
    /// The [`TABLE`] id of this name ([`UNKNOWN`] for an `Other` naming no known header).
    #[inline]
    pub(crate) fn id(&self) -> u8 {
        match self {
            HeaderName::Other(s) => lookup(s.as_bytes()),
            known => known.static_id(),
        }
    }

    /// The [`TABLE`] id of a listed variant; [`UNKNOWN`] for any `Other`.
    #[inline]
    pub(crate) const fn static_id(&self) -> u8 {
        match self {
            HeaderName::Accept => 0,
            HeaderName::AcceptContact => 1,
            HeaderName::AcceptEncoding => 2,
            HeaderName::AcceptLanguage => 3,
            HeaderName::AlertInfo => 4,
            HeaderName::Allow => 5,
            HeaderName::AllowEvents => 6,
            HeaderName::AuthenticationInfo => 7,
            HeaderName::Authorization => 8,
            HeaderName::CallId => 9,
            HeaderName::CallInfo => 10,
            HeaderName::Contact => 11,
            HeaderName::ContentDisposition => 12,
            HeaderName::ContentEncoding => 13,
            HeaderName::ContentLanguage => 14,
            HeaderName::ContentLength => 15,
            HeaderName::ContentType => 16,
            HeaderName::CSeq => 17,
            HeaderName::Date => 18,
            HeaderName::ErrorInfo => 19,
            HeaderName::Event => 20,
            HeaderName::Expires => 21,
            HeaderName::From => 22,
            HeaderName::InReplyTo => 23,
            HeaderName::MaxForwards => 24,
            HeaderName::MimeVersion => 25,
            HeaderName::MinExpires => 26,
            HeaderName::MinSe => 27,
            HeaderName::Organization => 28,
            HeaderName::Priority => 29,
            HeaderName::ProxyAuthenticate => 30,
            HeaderName::ProxyAuthorization => 31,
            HeaderName::ProxyRequire => 32,
            HeaderName::RAck => 33,
            HeaderName::Reason => 34,
            HeaderName::RecordRoute => 35,
            HeaderName::ReferTo => 36,
            HeaderName::ReferredBy => 37,
            HeaderName::RejectContact => 38,
            HeaderName::Replaces => 39,
            HeaderName::ReplyTo => 40,
            HeaderName::RequestDisposition => 41,
            HeaderName::Require => 42,
            HeaderName::RetryAfter => 43,
            HeaderName::Route => 44,
            HeaderName::RSeq => 45,
            HeaderName::Server => 46,
            HeaderName::SessionExpires => 47,
            HeaderName::Subject => 48,
            HeaderName::SubscriptionState => 49,
            HeaderName::Supported => 50,
            HeaderName::Timestamp => 51,
            HeaderName::To => 52,
            HeaderName::Unsupported => 53,
            HeaderName::UserAgent => 54,
            HeaderName::Via => 55,
            HeaderName::Warning => 56,
            HeaderName::WwwAuthenticate => 57,
            HeaderName::PAssertedIdentity => 58,
            HeaderName::PPreferredIdentity => 59,
            HeaderName::Path => 60,
            HeaderName::Privacy => 61,
            HeaderName::ServiceRoute => 62,
            HeaderName::Other(_) => UNKNOWN,
        }
    }

    pub(crate) fn from_id(id: u8) -> Option<HeaderName> {
        TABLE.get(usize::from(id)).map(|(n, _, _)| *n)
    }

    /// The known header a name as written refers to (full or compact form, any case).
    pub fn from_name(name: &str) -> Option<HeaderName> {
        Self::from_id(lookup(name.as_bytes()))
    }

    /// The full name in its canonical spelling (`Call-ID`, `CSeq`, `WWW-Authenticate`).
    pub fn as_str(&self) -> &'static str {
        match self {
            HeaderName::Other(s) => s,
            known => TABLE
                .get(usize::from(known.id()))
                .map(|(_, full, _)| *full)
                .unwrap_or(""),
        }
    }

    /// The compact form (RFC 3261 §7.3.3), if the header has one.
    pub fn compact(&self) -> Option<char> {
        let id = self.id();
        TABLE
            .get(usize::from(id))
            .and_then(|(_, _, c)| c.map(char::from))
    }
}

impl fmt::Display for HeaderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(HeaderName::from_name("v"), Some(HeaderName::Via));
        assert_eq!(
            HeaderName::from_name("MaX-fOrWaRdS"),
            Some(HeaderName::MaxForwards)
        );
        assert_eq!(HeaderName::from_name("I"), Some(HeaderName::CallId));
        assert_eq!(HeaderName::from_name("C%6Fntact"), None);
        assert_eq!(HeaderName::from_name("z"), None);
        assert_eq!(HeaderName::from_name("REPLY-TO"), Some(HeaderName::ReplyTo));
        assert_eq!(HeaderName::from_name("refer-to"), Some(HeaderName::ReferTo));
        assert_eq!(HeaderName::from_name("Rexer-To"), None);
        assert_eq!(HeaderName::from_name("Vxa"), None);
        assert_eq!(HeaderName::from_name(""), None);
        assert_eq!(
            HeaderName::from_name("Authentication-Info-Too-Long-For-Any"),
            None
        );
        assert_eq!(HeaderName::from_name("T"), Some(HeaderName::To));
        // The word lookup agrees with the slice lookup, on every table name and its variants.
        let words = |n: &[u8]| {
            let mut padded = [0xAAu8; 24];
            padded[..n.len()].copy_from_slice(n);
            let w = |k: usize| u64::from_le_bytes(padded[8 * k..8 * k + 8].try_into().unwrap());
            [w(0), w(1), w(2)]
        };
        for (name, _) in LOWER.iter().zip(TABLE) {
            let upper = name.to_ascii_uppercase();
            for n in [name.to_vec(), upper.clone(), [&upper[..], b"x"].concat()] {
                assert_eq!(lookup_words(words(&n), n.len()), lookup_exact(&n), "{n:?}");
            }
            // Every octet value written over every position of the name.
            for at in 0..name.len() {
                for c in 0..=255u8 {
                    let mut n = name.to_vec();
                    n[at] = c;
                    assert_eq!(lookup_words(words(&n), n.len()), lookup_exact(&n), "{n:?}");
                }
            }
            let mut cr = name.to_vec();
            if let Some(dash) = cr.iter().position(|&c| c == b'-') {
                cr[dash] = b'\r';
                assert_eq!(lookup_words(words(&cr), cr.len()), UNKNOWN);
            }
        }
        assert_eq!(lookup_words(words(b"v"), 1), HeaderName::Via.static_id());
        assert_eq!(lookup_words(words(b""), 0), UNKNOWN);
        // The comparison is exact for any octets: CR sets bit 5 into '-', '@' into '`'.
        assert_eq!(lookup_exact(b"Call\rID"), UNKNOWN);
        assert_eq!(lookup_exact(b"CALL-ID"), HeaderName::CallId.static_id());
        assert_eq!(lookup_exact(b"Max\rForwards"), UNKNOWN);
        assert_eq!(lookup_exact(b"\x16o"), UNKNOWN);
        assert_eq!(lookup_exact(b"Vi\x01"), UNKNOWN);
        assert_eq!(lookup_exact(b"@"), UNKNOWN);
        assert_eq!(HeaderName::CallId.as_str(), "Call-ID");
        assert_eq!(HeaderName::Other("X-Foo").as_str(), "X-Foo");
        assert_eq!(HeaderName::Other("contact").id(), HeaderName::Contact.id());
        assert_eq!(HeaderName::Contact.compact(), Some('m'));
        assert_eq!(HeaderName::CSeq.compact(), None);
        for (i, (n, full, _)) in TABLE.iter().enumerate() {
            assert_eq!(usize::from(n.id()), i, "{full}");
            assert_eq!(HeaderName::from_name(full), Some(*n));
        }
    }
}
