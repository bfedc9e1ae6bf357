//! Transaction matching keys (RFC 3261 §17.1.3, §17.2.3).
//!
//! The [`TransactionLayer`](super::TransactionLayer) indexes transactions by these keys. They
//! hold only what matching needs, so the layer does not depend on how a message was parsed: a
//! key is built from the top Via and the CSeq method of a message.

use crate::decimal::push_decimal;
use bytes::Bytes;

/// The magic cookie that starts every RFC 3261 branch parameter (§8.1.1.7). A branch without
/// it comes from an RFC 2543 element, which needs the older matching rules of §17.2.3.
pub const MAGIC_COOKIE: &[u8] = b"z9hG4bK";

/// What a transaction is matched by.
///
/// * Client transactions (§17.1.3): the branch of the top Via and the CSeq method; `sent_by`
///   is empty, since the top Via is our own. The method keeps a CANCEL apart from the INVITE
///   it cancels, which shares its branch.
/// * Server transactions (§17.2.3): the branch, the sent-by (host and port) of the top Via,
///   and the CSeq method, where an ACK matches the INVITE it acknowledges (the layer folds
///   `ACK` into `INVITE` when it looks up a request).
///
/// Methods are case-sensitive (RFC 3261 §7.1). The host in `sent_by` is compared as given;
/// build keys with [`TransactionKey::server`], which lowercases it (hosts are
/// case-insensitive, §19.1.4).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TransactionKey {
    /// The `branch` parameter of the top Via.
    pub branch: Bytes,
    /// `host:port` of the top Via's sent-by, lowercased; empty for client keys.
    pub sent_by: Bytes,
    /// The CSeq method.
    pub method: Bytes,
}

impl TransactionKey {
    /// The key of a client transaction, or of a response looking for one (§17.1.3).
    pub fn client(branch: impl Into<Bytes>, method: impl Into<Bytes>) -> Self {
        TransactionKey {
            branch: branch.into(),
            sent_by: Bytes::new(),
            method: method.into(),
        }
    }

    /// The key of a server transaction, or of a request looking for one (§17.2.3). `port` is
    /// the Via port as written, or the transport's default (5060, or 5061 for TLS) when
    /// absent, so that "sent-by without port" and "with its default port" match.
    pub fn server(
        branch: impl Into<Bytes>,
        host: &[u8],
        port: u16,
        method: impl Into<Bytes>,
    ) -> Self {
        let mut sent_by = Vec::with_capacity(host.len() + 6);
        sent_by.extend(host.iter().map(u8::to_ascii_lowercase));
        sent_by.push(b':');
        push_decimal(&mut sent_by, port);
        TransactionKey {
            branch: branch.into(),
            sent_by: Bytes::from(sent_by),
            method: method.into(),
        }
    }

    /// `true` if the branch starts with the RFC 3261 magic cookie (§17.2.3).
    pub fn has_magic_cookie(&self) -> bool {
        self.branch.starts_with(MAGIC_COOKIE)
    }

    /// `true` if the method is `INVITE`.
    pub fn is_invite(&self) -> bool {
        self.method.as_ref() == b"INVITE"
    }

    /// `true` if the method is `ACK`.
    pub fn is_ack(&self) -> bool {
        self.method.as_ref() == b"ACK"
    }

    /// The key of the INVITE server transaction an ACK belongs to (§17.2.3: "except for ACK,
    /// where the method of the request that created the transaction is INVITE"); other keys
    /// unchanged.
    pub fn ack_to_invite(mut self) -> Self {
        if self.is_ack() {
            self.method = Bytes::from_static(b"INVITE");
        }
        self
    }

    /// The key of the INVITE transaction a CANCEL with this key targets (§9.2: same branch,
    /// same sent-by, method INVITE), or `None` if this is not a CANCEL.
    pub fn cancel_target(&self) -> Option<Self> {
        (self.method.as_ref() == b"CANCEL").then(|| TransactionKey {
            branch: self.branch.clone(),
            sent_by: self.sent_by.clone(),
            method: Bytes::from_static(b"INVITE"),
        })
    }
}

/// What RFC 3261 §8.2.2.2 compares to find a merged request: the From tag, Call-ID and CSeq
/// (number and method) of a request whose To has no tag.
///
/// Two such requests with equal merge keys but different [`TransactionKey`]s are one request
/// that reached us twice by different paths (a proxy forked it and the forks came back, or it
/// looped); the second is answered 482 (Loop Detected). Call-IDs compare byte for byte
/// (§20.8); the tag is a token, compared case-insensitively (§7.3.1), so it is kept
/// lowercased.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MergeKey {
    /// The From tag, lowercased (empty for an RFC 2543 request without one).
    pub from_tag: Bytes,
    /// The Call-ID.
    pub call_id: Bytes,
    /// The CSeq number.
    pub cseq: u32,
    /// The CSeq method (case-sensitive, §7.1).
    pub method: Bytes,
}

impl MergeKey {
    /// A merge key from its parts; the tag is lowercased (copied only if it has capitals).
    pub fn new(
        from_tag: impl Into<Bytes>,
        call_id: impl Into<Bytes>,
        cseq: u32,
        method: impl Into<Bytes>,
    ) -> Self {
        let from_tag = from_tag.into();
        let from_tag = if from_tag.iter().any(u8::is_ascii_uppercase) {
            Bytes::from(from_tag.to_ascii_lowercase())
        } else {
            from_tag
        };
        MergeKey {
            from_tag,
            call_id: call_id.into(),
            cseq,
            method: method.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_key_normalises_host_case() {
        let a = TransactionKey::server("z9hG4bK1", b"Example.COM", 5060, "INVITE");
        let b = TransactionKey::server("z9hG4bK1", b"example.com", 5060, "INVITE");
        assert_eq!(a, b);
        assert_eq!(a.sent_by.as_ref(), b"example.com:5060");
        let edge = TransactionKey::server("z9hG4bK1", b"h", 0, "INVITE");
        assert_eq!(edge.sent_by.as_ref(), b"h:0");
        let edge = TransactionKey::server("z9hG4bK1", b"h", 65535, "INVITE");
        assert_eq!(edge.sent_by.as_ref(), b"h:65535");
        assert!(a.has_magic_cookie());
    }

    #[test]
    fn ack_folds_to_invite_and_cancel_targets_invite() {
        let ack = TransactionKey::server("z9hG4bK1", b"h", 5060, "ACK").ack_to_invite();
        assert!(ack.is_invite());
        let cancel = TransactionKey::server("z9hG4bK1", b"h", 5060, "CANCEL");
        assert_eq!(cancel.cancel_target(), Some(ack));
        assert_eq!(TransactionKey::client("b", "BYE").cancel_target(), None);
    }

    #[test]
    fn merge_key_tags_ignore_case_call_ids_do_not() {
        let a = MergeKey::new("AbC", "c1@h", 1, "INVITE");
        assert_eq!(a, MergeKey::new("abc", "c1@h", 1, "INVITE"));
        assert_ne!(a, MergeKey::new("abc", "C1@h", 1, "INVITE"));
        assert_ne!(a, MergeKey::new("abc", "c1@h", 1, "CANCEL"));
        assert_eq!(a.from_tag.as_ref(), b"abc");
    }
}
