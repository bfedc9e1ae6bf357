//! Request methods (RFC 3261 §7.1, §27.4 and the extensions registered since).

use core::fmt;
use core::str::FromStr;

use bytes::Bytes;

use crate::uri::chars::is_token;

/// A SIP request method. Methods are case-sensitive (RFC 3261 §7.1): `invite` is an extension
/// method, not [`Method::Invite`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Method {
    /// INVITE (RFC 3261)
    Invite,
    /// ACK (RFC 3261)
    Ack,
    /// BYE (RFC 3261)
    Bye,
    /// CANCEL (RFC 3261)
    Cancel,
    /// OPTIONS (RFC 3261)
    Options,
    /// REGISTER (RFC 3261)
    Register,
    /// PRACK (RFC 3262)
    Prack,
    /// UPDATE (RFC 3311)
    Update,
    /// INFO (RFC 6086)
    Info,
    /// MESSAGE (RFC 3428)
    Message,
    /// REFER (RFC 3515)
    Refer,
    /// SUBSCRIBE (RFC 6665)
    Subscribe,
    /// NOTIFY (RFC 6665)
    Notify,
    /// PUBLISH (RFC 3903)
    Publish,
    /// Any other `extension-method = token`, kept as written.
    Extension(ExtensionMethod),
}

/// The name of an extension method: a `token` (RFC 3261 §25.1), shared with the message it came
/// from when parsed (no copy).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExtensionMethod(Bytes);

impl ExtensionMethod {
    /// The method name.
    pub fn as_str(&self) -> &str {
        // invariant: constructed only from token bytes, which are ASCII.
        core::str::from_utf8(&self.0).unwrap_or("")
    }
}

/// The error of parsing a method: the text is not a `token`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidMethod;

impl fmt::Display for InvalidMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("method is not a token (RFC 3261 §25.1 Method = ... / extension-method)")
    }
}

impl std::error::Error for InvalidMethod {}

impl Method {
    /// The method name as sent on the wire.
    #[inline]
    pub fn as_str(&self) -> &str {
        match self {
            Method::Invite => "INVITE",
            Method::Ack => "ACK",
            Method::Bye => "BYE",
            Method::Cancel => "CANCEL",
            Method::Options => "OPTIONS",
            Method::Register => "REGISTER",
            Method::Prack => "PRACK",
            Method::Update => "UPDATE",
            Method::Info => "INFO",
            Method::Message => "MESSAGE",
            Method::Refer => "REFER",
            Method::Subscribe => "SUBSCRIBE",
            Method::Notify => "NOTIFY",
            Method::Publish => "PUBLISH",
            Method::Extension(e) => e.as_str(),
        }
    }

    /// The method RFC 3261 or an extension RFC defines that `b` spells, exactly.
    pub(crate) fn known(b: &[u8]) -> Option<Method> {
        // One switch on (length, first octet) picks the only candidate; then one compare
        // against a constant (a few word loads, no call).
        Some(match (b.len(), *b.first()?) {
            (6, b'I') if b == b"INVITE" => Method::Invite,
            (3, b'A') if b == b"ACK" => Method::Ack,
            (3, b'B') if b == b"BYE" => Method::Bye,
            (6, b'C') if b == b"CANCEL" => Method::Cancel,
            (7, b'O') if b == b"OPTIONS" => Method::Options,
            (8, b'R') if b == b"REGISTER" => Method::Register,
            (5, b'P') if b == b"PRACK" => Method::Prack,
            (6, b'U') if b == b"UPDATE" => Method::Update,
            (4, b'I') if b == b"INFO" => Method::Info,
            (7, b'M') if b == b"MESSAGE" => Method::Message,
            (5, b'R') if b == b"REFER" => Method::Refer,
            (9, b'S') if b == b"SUBSCRIBE" => Method::Subscribe,
            (6, b'N') if b == b"NOTIFY" => Method::Notify,
            (7, b'P') if b == b"PUBLISH" => Method::Publish,
            _ => return None,
        })
    }

    /// Parses a method from bytes, copying an extension method's name.
    pub fn from_bytes(b: &[u8]) -> Result<Method, InvalidMethod> {
        if !is_token(b) {
            return Err(InvalidMethod);
        }
        Ok(Self::known(b)
            .unwrap_or_else(|| Method::Extension(ExtensionMethod(Bytes::copy_from_slice(b)))))
    }

    /// Parses a method from shared bytes; an extension method keeps a handle on them (no copy).
    pub fn from_shared(b: Bytes) -> Result<Method, InvalidMethod> {
        if !is_token(&b) {
            return Err(InvalidMethod);
        }
        Ok(Self::known(&b).unwrap_or(Method::Extension(ExtensionMethod(b))))
    }
}

impl FromStr for Method {
    type Err = InvalidMethod;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Method::from_bytes(s.as_bytes())
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Method {
    /// Parses a method whose text `sub` lies inside `buf`: a known method costs no `Bytes`
    /// handle at all, an extension method shares `buf` (no copy).
    pub(crate) fn from_slice_of(buf: &Bytes, sub: &[u8]) -> Result<Method, InvalidMethod> {
        // A known method is a token: only an extension method needs the check.
        if let Some(m) = Self::known(sub) {
            return Ok(m);
        }
        if !is_token(sub) {
            return Err(InvalidMethod);
        }
        Ok(Method::Extension(ExtensionMethod(share(buf, sub))))
    }
}

/// A `Bytes` slice covering `sub`, which must lie inside `buf`; copies if it does not (never
/// panics).
pub(crate) fn share(buf: &Bytes, sub: &[u8]) -> Bytes {
    let start = (sub.as_ptr() as usize).wrapping_sub(buf.as_ptr() as usize);
    match start.checked_add(sub.len()) {
        Some(end) if end <= buf.len() && start <= end => buf.slice(start..end),
        _ => Bytes::copy_from_slice(sub),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_extension() {
        assert_eq!("INVITE".parse::<Method>(), Ok(Method::Invite));
        assert_eq!("PUBLISH".parse::<Method>(), Ok(Method::Publish));
        let m: Method = "invite".parse().unwrap();
        assert!(matches!(m, Method::Extension(_)));
        assert_eq!(m.as_str(), "invite");
        let m: Method = "RE%47IST%45R".parse().unwrap();
        assert_eq!(m.to_string(), "RE%47IST%45R");
        assert_ne!(m, Method::Register);
        assert_eq!("".parse::<Method>(), Err(InvalidMethod));
        assert_eq!("IN VITE".parse::<Method>(), Err(InvalidMethod));
        let buf = Bytes::from_static(b"xx FOO yy");
        let m = Method::from_shared(share(&buf, &buf[3..6])).unwrap();
        assert_eq!(m.as_str(), "FOO");
        assert_eq!(share(&buf, b"other").as_ref(), b"other");
    }
}
