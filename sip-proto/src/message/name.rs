//! Header names: the full forms of RFC 3261 §20 and extensions, with the compact forms of
//! §7.3.3 and the IANA SIP parameters registry.

use core::fmt;

/// A header name. Names compare case-insensitively on the wire (RFC 3261 §7.3.1), and a
/// compact form (`v`, `f`, `t`, `i`, `m`, `l`, `c`, `k`, `s`, `e`, `o`, `r`, `b`, `u`, `x`...)
/// maps to the same variant as its full form.
///
/// Use [`HeaderName::Other`] for a name this enum lacks; lookups with it compare
/// case-insensitively and also find the known variant if the text names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[allow(missing_docs)] // the variants are the header names themselves
pub enum HeaderName {
    Accept,
    AcceptContact,
    AcceptEncoding,
    AcceptLanguage,
    AlertInfo,
    Allow,
    AllowEvents,
    AuthenticationInfo,
    Authorization,
    CallId,
    CallInfo,
    Contact,
    ContentDisposition,
    ContentEncoding,
    ContentLanguage,
    ContentLength,
    ContentType,
    CSeq,
    Date,
    ErrorInfo,
    Event,
    Expires,
    From,
    InReplyTo,
    MaxForwards,
    MimeVersion,
    MinExpires,
    MinSe,
    Organization,
    Priority,
    ProxyAuthenticate,
    ProxyAuthorization,
    ProxyRequire,
    RAck,
    Reason,
    RecordRoute,
    ReferTo,
    ReferredBy,
    RejectContact,
    Replaces,
    ReplyTo,
    RequestDisposition,
    Require,
    RetryAfter,
    Route,
    RSeq,
    Server,
    SessionExpires,
    Subject,
    SubscriptionState,
    Supported,
    Timestamp,
    To,
    Unsupported,
    UserAgent,
    Via,
    Warning,
    WwwAuthenticate,
    /// A header this enum does not list, by its name (ASCII case-insensitive).
    Other(&'static str),
}

/// `(variant, full name, compact form)`; the index in this table is the id stored per line.
pub(crate) const TABLE: [(HeaderName, &str, Option<u8>); 58] = [
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
];

/// Id stored for a header line whose name is not in [`TABLE`].
pub(crate) const UNKNOWN: u8 = u8::MAX;

/// The [`TABLE`] index of a name as written (full or compact, any case), or [`UNKNOWN`].
pub(crate) fn lookup(name: &[u8]) -> u8 {
    let found = if let [c] = name {
        let c = c.to_ascii_lowercase();
        TABLE.iter().position(|(_, _, compact)| *compact == Some(c))
    } else {
        TABLE
            .iter()
            .position(|(_, full, _)| full.as_bytes().eq_ignore_ascii_case(name))
    };
    found.and_then(|i| u8::try_from(i).ok()).unwrap_or(UNKNOWN)
}

impl HeaderName {
    /// The [`TABLE`] id of this name ([`UNKNOWN`] for an `Other` naming no known header).
    pub(crate) fn id(&self) -> u8 {
        match self {
            HeaderName::Other(s) => lookup(s.as_bytes()),
            known => TABLE
                .iter()
                .position(|(n, _, _)| n == known)
                .and_then(|i| u8::try_from(i).ok())
                .unwrap_or(UNKNOWN),
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
                .iter()
                .find(|(n, _, _)| n == known)
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
