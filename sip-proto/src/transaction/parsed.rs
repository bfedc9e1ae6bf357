//! Transaction keys and the non-2xx ACK from parsed messages (RFC 3261 §17.1.1.3, §17.1.3,
//! §17.2.3), and the [`TransactionLayer`] entry points that take a parsed [`Message`].
//!
//! The machines and the layer work on opaque bytes and [`TransactionKey`]s; this file is the
//! one place that reads headers to build them.

use bytes::Bytes;
use core::fmt;

use super::key::{MergeKey, TransactionKey, MAGIC_COOKIE};
use super::layer::{LayerError, LayerEvent, TransactionId, TransactionLayer};
use super::Reliability;
use crate::message::{
    HeaderName, Message, Method, Request, RequestBuilder, Response, ResponseBuilder,
};
use crate::time::Instant;

/// Why no transaction key could be built from a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The top Via is missing or malformed: a request should be answered 400 (§8.2.2), a
    /// response dropped (§18.1.2).
    Via,
    /// A request given to [`TransactionLayer::send_request`] has no branch starting with the
    /// magic cookie `z9hG4bK`, which every request this stack sends must have (§8.1.1.7).
    MissingMagicCookie,
    /// A request without the magic cookie (from an RFC 2543 element) lacks a field that the
    /// older matching rules of §17.2.3 need: Call-ID, CSeq or a From tag.
    Rfc2543Fields,
    /// CSeq is missing or malformed (§8.1.1.5).
    CSeq,
    /// An INVITE lacks a header its non-2xx ACK must copy (§17.1.1.3): From, Call-ID or CSeq.
    AckHeaders,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyError::Via => "the top Via is missing or malformed (RFC 3261 §8.1.1.7)",
            KeyError::MissingMagicCookie => {
                "the top Via branch must start with z9hG4bK (RFC 3261 §8.1.1.7); generate \
                 a fresh branch for each request"
            }
            KeyError::Rfc2543Fields => {
                "a request without a z9hG4bK branch needs Call-ID, CSeq and a From tag to be \
                 matched by the RFC 2543 rules (RFC 3261 §17.2.3)"
            }
            KeyError::CSeq => "CSeq is missing or malformed (RFC 3261 §8.1.1.5)",
            KeyError::AckHeaders => {
                "an INVITE needs From, Call-ID and CSeq so its ACK can copy them \
                 (RFC 3261 §17.1.1.3)"
            }
        })
    }
}

impl std::error::Error for KeyError {}

/// The method's name as shared bytes: static for the methods RFC 3261 and its extensions
/// name, copied for extension methods.
fn method_bytes(method: &Method) -> Bytes {
    let name = method.as_str();
    const KNOWN: [&str; 14] = [
        "INVITE",
        "ACK",
        "BYE",
        "CANCEL",
        "OPTIONS",
        "REGISTER",
        "PRACK",
        "UPDATE",
        "INFO",
        "MESSAGE",
        "REFER",
        "SUBSCRIBE",
        "NOTIFY",
        "PUBLISH",
    ];
    match KNOWN.iter().find(|k| **k == name) {
        Some(k) => Bytes::from_static(k.as_bytes()),
        None => Bytes::copy_from_slice(name.as_bytes()),
    }
}

/// The port a Via sent-by means when it names none: 5061 for TLS (and secure WebSocket),
/// 5060 otherwise (RFC 3261 §18.2.2, §19.1.2; RFC 7118 §5.2).
fn default_port(transport: &str) -> u16 {
    if transport.eq_ignore_ascii_case("TLS") || transport.eq_ignore_ascii_case("WSS") {
        5061
    } else {
        5060
    }
}

impl TransactionKey {
    /// The key a request is matched by at a server (§17.2.3): top Via branch and sent-by,
    /// and the request method.
    ///
    /// A request whose branch lacks the magic cookie comes from an RFC 2543 element and gets
    /// the older key of §17.2.3: `branch` holds the Request-URI, From tag, Call-ID and CSeq
    /// number, `sent_by` the whole top Via. The To tag is left out, so that an ACK (whose To
    /// carries the tag of our response) matches its INVITE and a CANCEL finds its INVITE
    /// through [`TransactionKey::cancel_target`]; within one Call-ID, From tag and CSeq no
    /// two live transactions differ by To tag alone.
    pub fn for_request(request: &Request) -> Result<Self, KeyError> {
        let via = request.headers().top_via().map_err(|_| KeyError::Via)?;
        let Some(branch) = via
            .branch()
            .filter(|b| b.as_bytes().starts_with(MAGIC_COOKIE))
        else {
            return rfc2543_key(request, via.as_str());
        };
        let port = via.port().unwrap_or_else(|| default_port(via.transport()));
        Ok(TransactionKey::server(
            Bytes::copy_from_slice(branch.as_bytes()),
            via.host().as_bytes(),
            port,
            method_bytes(request.method()),
        ))
    }

    /// The key a request is sent under, as a client (§17.1.3): top Via branch and method.
    pub fn for_client_request(request: &Request) -> Result<Self, KeyError> {
        let via = request.headers().top_via().map_err(|_| KeyError::Via)?;
        let branch = via
            .branch()
            .filter(|b| b.as_bytes().starts_with(MAGIC_COOKIE))
            .ok_or(KeyError::MissingMagicCookie)?;
        Ok(TransactionKey::client(
            Bytes::copy_from_slice(branch.as_bytes()),
            method_bytes(request.method()),
        ))
    }

    /// The key a response is matched by at a client (§17.1.3): top Via branch and CSeq
    /// method.
    pub fn for_response(response: &Response) -> Result<Self, KeyError> {
        let headers = response.headers();
        let via = headers.top_via().map_err(|_| KeyError::Via)?;
        let branch = via.branch().ok_or(KeyError::Via)?;
        let cseq = headers.cseq().map_err(|_| KeyError::CSeq)?;
        Ok(TransactionKey::client(
            Bytes::copy_from_slice(branch.as_bytes()),
            method_bytes(&cseq.method),
        ))
    }
}

impl MergeKey {
    /// The merge key of a request (§8.2.2.2), or `None` when the check does not apply: the To
    /// has a tag (the request is inside a dialog), it is an ACK (never a transaction of its
    /// own), or From, Call-ID or CSeq is unreadable (such requests are refused anyway).
    pub fn for_request(request: &Request) -> Option<MergeKey> {
        if *request.method() == Method::Ack {
            return None;
        }
        let h = request.headers();
        if h.to().ok()?.tag().is_some() {
            return None;
        }
        let from = h.from().ok()?;
        let cseq = h.cseq().ok()?;
        let call_id = h.call_id().ok()?;
        let bytes = request.bytes();
        Some(MergeKey::new(
            slice_or_copy(bytes, from.tag().unwrap_or("").as_bytes()),
            slice_or_copy(bytes, call_id.as_bytes()),
            cseq.seq,
            method_bytes(&cseq.method),
        ))
    }
}

/// `part` as a slice of `whole` when it lies inside it (no copy), else a copy.
fn slice_or_copy(whole: &Bytes, part: &[u8]) -> Bytes {
    let start = whole.as_ptr() as usize;
    let at = part.as_ptr() as usize;
    if at >= start && at + part.len() <= start + whole.len() {
        whole.slice_ref(part)
    } else {
        Bytes::copy_from_slice(part)
    }
}

/// The RFC 2543 key of §17.2.3 (see [`TransactionKey::for_request`]). The fields are joined
/// with spaces, which none of them may contain, and the result starts with a prefix no
/// magic-cookie branch can have, so the two kinds of key never collide.
fn rfc2543_key(request: &Request, top_via: &str) -> Result<TransactionKey, KeyError> {
    let h = request.headers();
    let call_id = h.call_id().map_err(|_| KeyError::Rfc2543Fields)?;
    let cseq = h.cseq().map_err(|_| KeyError::Rfc2543Fields)?;
    let from = h.from().map_err(|_| KeyError::Rfc2543Fields)?;
    let from_tag = from.tag().unwrap_or("");
    let seq = cseq.seq.to_string();
    let uri = request.uri();
    let mut branch = Vec::with_capacity(
        RFC2543_PREFIX.len() + uri.len() + from_tag.len() + call_id.len() + seq.len() + 3,
    );
    branch.extend_from_slice(RFC2543_PREFIX);
    for (i, part) in [uri, from_tag, call_id, seq.as_str()].iter().enumerate() {
        if i > 0 {
            branch.push(b' ');
        }
        branch.extend_from_slice(part.as_bytes());
    }
    Ok(TransactionKey {
        branch: Bytes::from(branch),
        sent_by: Bytes::copy_from_slice(top_via.as_bytes()),
        method: method_bytes(request.method()),
    })
}

/// Starts every RFC 2543 key's `branch`; a space cannot occur in a real branch (a token).
const RFC2543_PREFIX: &[u8] = b"rfc2543 ";

/// Builds the ACK for a 300-699 response to `invite` (RFC 3261 §17.1.1.3): the INVITE's
/// Request-URI, top Via, Route headers, From, Call-ID and CSeq number with method ACK, and
/// the To of the response (which carries the UAS's tag); Max-Forwards 70, no body.
pub fn non_2xx_ack(invite: &Request, response: &Response) -> Result<Bytes, KeyError> {
    let h = invite.headers();
    let via = h.top_via().map_err(|_| KeyError::Via)?;
    let cseq = h.cseq().map_err(|_| KeyError::CSeq)?;
    let cseq = format!("{} ACK", cseq.seq);
    let from = h.get(HeaderName::From).ok_or(KeyError::AckHeaders)?;
    let call_id = h.get(HeaderName::CallId).ok_or(KeyError::AckHeaders)?;
    // The To of the response: it has the tag the UAS chose. Fall back to the INVITE's To
    // only if the response has none (it must, §8.2.6.2).
    let to = response
        .headers()
        .get(HeaderName::To)
        .or_else(|| h.get(HeaderName::To))
        .ok_or(KeyError::AckHeaders)?;
    let mut b =
        RequestBuilder::new(Method::Ack, invite.uri()).header(HeaderName::Via, via.as_str());
    for route in h.get_all(HeaderName::Route) {
        b = b.header(HeaderName::Route, route);
    }
    let b = b
        .header(HeaderName::MaxForwards, "70")
        .header(HeaderName::From, from)
        .header(HeaderName::To, to)
        .header(HeaderName::CallId, call_id)
        .header(HeaderName::CSeq, &cseq);
    let mut out = Vec::with_capacity(invite.bytes().len().min(1024));
    b.write(&mut out).map_err(|_| KeyError::AckHeaders)?;
    Ok(Bytes::from(out))
}

impl<P: Clone> TransactionLayer<P> {
    /// Starts a client transaction for a parsed request (§17.1), keyed by its top Via branch
    /// and method (§17.1.3). Its bytes go out unchanged.
    ///
    /// An INVITE must carry From, Call-ID and CSeq, which the ACK for a non-2xx response
    /// copies (§17.1.1.3).
    pub fn send_request(
        &mut self,
        now: Instant,
        request: &Request,
        peer: P,
        reliability: Reliability,
    ) -> Result<TransactionId, LayerError> {
        let key = TransactionKey::for_client_request(request).map_err(LayerError::Key)?;
        if key.is_invite() {
            let h = request.headers();
            if h.get(HeaderName::From).is_none() || h.get(HeaderName::CallId).is_none() {
                return Err(LayerError::Key(KeyError::AckHeaders));
            }
            h.cseq().map_err(|_| LayerError::Key(KeyError::CSeq))?;
        }
        self.start_client(now, key, request.bytes().clone(), peer, reliability)
    }

    /// A parsed message arrived from `peer`: a request goes to
    /// [`handle_request`](Self::handle_request), a response to
    /// [`handle_response`](Self::handle_response), each under the key its headers give
    /// (§17.2.3, §17.1.3). The layer builds the ACK for a non-2xx final response to an
    /// INVITE itself ([`non_2xx_ack`]).
    ///
    /// A message no key can be built from, or a final response whose ACK cannot be built,
    /// is reported as [`LayerEvent::Malformed`] and changes nothing. Returns the transaction
    /// the message matched or created.
    pub fn handle_message(
        &mut self,
        now: Instant,
        message: Message,
        peer: P,
        reliability: Reliability,
    ) -> Option<TransactionId> {
        match message {
            Message::Request(request) => match TransactionKey::for_request(&request) {
                Ok(key) => {
                    let new_invite = key.is_invite() && self.find_server(&key).is_none();
                    let bytes = request.bytes().clone();
                    let merge = MergeKey::for_request(&request);
                    let id = self.handle_request_checked(now, key, merge, bytes, peer, reliability);
                    if let Some(id) = id.filter(|_| new_invite && self.config().auto_trying) {
                        if let Some(trying) = trying_for(&request) {
                            // The id was just created as an INVITE server transaction.
                            let _ = self.schedule_trying(now, id, trying);
                        }
                    }
                    id
                }
                Err(reason) => {
                    self.malformed(request.bytes().clone(), peer, reason);
                    None
                }
            },
            Message::Response(response) => {
                let key = match TransactionKey::for_response(&response) {
                    Ok(key) => key,
                    Err(reason) => {
                        self.malformed(response.bytes().clone(), peer, reason);
                        return None;
                    }
                };
                let status = response.status();
                let mut ack = None;
                if status >= 300 {
                    if let Some(invite) = self
                        .find_client(&key)
                        .and_then(|id| self.awaiting_final_invite(id))
                    {
                        match build_ack(invite, &response) {
                            Ok(a) => ack = Some(a),
                            Err(reason) => {
                                self.malformed(response.bytes().clone(), peer, reason);
                                return None;
                            }
                        }
                    }
                }
                let bytes = response.bytes().clone();
                // The closure runs only for a 300-699 response to an INVITE awaiting its final
                // response, which is exactly when `ack` was built above.
                self.handle_response(now, key, status, bytes, peer, |_, _| {
                    ack.unwrap_or_default()
                })
            }
        }
    }

    fn malformed(&mut self, message: Bytes, peer: P, reason: KeyError) {
        self.push_event(LayerEvent::Malformed {
            message,
            peer,
            reason,
        });
    }
}

/// The `100 Trying` for `invite` (§8.2.6.1: Via, From, To, Call-ID, CSeq and Timestamp
/// copied; no To tag, §17.2.1), or `None` if the request's headers cannot be written back.
fn trying_for(invite: &Request) -> Option<Bytes> {
    let mut out = Vec::with_capacity(invite.bytes().len().min(1024));
    ResponseBuilder::from_request(invite, 100, "")
        .write(&mut out)
        .ok()?;
    Some(Bytes::from(out))
}

/// Parses the INVITE this layer sent and builds the ACK for `response` to it.
fn build_ack(invite: Bytes, response: &Response) -> Result<Bytes, KeyError> {
    let message = Message::parse(invite).map_err(|_| KeyError::AckHeaders)?;
    let request = message.as_request().ok_or(KeyError::AckHeaders)?;
    non_2xx_ack(request, response)
}
