//! Requests that arrive: validation, transaction matching, and the answers that do not need a
//! call (OPTIONS, 481, 405, 501, 400 for broken requests).

use std::net::{IpAddr, SocketAddr};

use bytes::Bytes;
use sip_proto::header::Via;
use sip_proto::message::{
    reason_phrase, HeaderName, Message, Method, ParseError, Request, Response, ResponseBuilder,
};
use sip_proto::{Reliability, TransactionId, TransactionKey};

use crate::time::Instant;

use super::call::CallState;
use super::{CallId, EndReason, Endpoint};

/// A response to send on a server transaction: its status, our To tag (§8.2.6.2: every
/// response but 100 to a dialog-creating request carries one), extra headers and a body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reply<'a> {
    pub(crate) status: u16,
    pub(crate) to_tag: Option<&'a str>,
    pub(crate) headers: &'a [(HeaderName, &'a str)],
    pub(crate) body: Option<(&'a str, &'a [u8])>,
}

impl<'a> Reply<'a> {
    /// A bare response with this status.
    pub(crate) fn status(status: u16) -> Self {
        Reply {
            status,
            to_tag: None,
            headers: &[],
            body: None,
        }
    }

    /// With our To tag.
    pub(crate) fn tag(self, tag: &'a str) -> Self {
        Reply {
            to_tag: Some(tag),
            ..self
        }
    }

    /// With extra headers.
    pub(crate) fn headers(self, headers: &'a [(HeaderName, &'a str)]) -> Self {
        Reply { headers, ..self }
    }

    /// With a body.
    pub(crate) fn body(self, content_type: &'a str, body: &'a [u8]) -> Self {
        Reply {
            body: Some((content_type, body)),
            ..self
        }
    }
}

/// The methods we implement, for Allow (§20.5).
pub(crate) const ALLOW: &str = "INVITE, ACK, CANCEL, BYE, OPTIONS";

impl Endpoint {
    /// A request parsed: check the headers every request needs, then hand it to the
    /// transaction layer, which absorbs retransmissions and reports new requests.
    pub(super) fn handle_request(&mut self, now: Instant, source: SocketAddr, request: Request) {
        let headers = request.headers();
        let Ok(via) = headers.top_via() else {
            // Nobody to answer (§8.2.6.2 needs the Via): drop.
            self.stats.sip_dropped += 1;
            return;
        };
        let peer = response_destination(&via, source);
        if let Err(error) = request.check_mandatory().and_then(|()| headers.validate()) {
            self.stats.bad_requests += 1;
            self.answer_bad_request(&request, peer, 400, &error.to_string());
            return;
        }
        let Some(key) = server_key(&request, &via) else {
            self.stats.sip_dropped += 1;
            return;
        };
        let bytes = request.bytes().clone();
        // Kept so a NewRequest for these very bytes needs no second parse.
        self.parsed = Some(request);
        self.layer
            .handle_request(now, key, bytes, peer, Reliability::Unreliable);
    }

    /// A request the parser refused. If the Request-Line and Via were readable, answer with
    /// the status the parser names (400, 505, 513) and say why in a Warning (§20.43).
    pub(super) fn answer_unparsable(&mut self, source: SocketAddr, error: ParseError) {
        let Some(partial) = error.partial_request() else {
            self.stats.sip_dropped += 1;
            return;
        };
        let Ok(via) = partial.headers().top_via() else {
            self.stats.sip_dropped += 1;
            return;
        };
        let peer = response_destination(&via, source);
        self.stats.bad_requests += 1;
        self.answer_bad_request(partial, peer, error.status_code(), &error.to_string());
    }

    fn answer_bad_request(&mut self, request: &Request, peer: SocketAddr, status: u16, why: &str) {
        // ACKs are never answered (§17.2.1 absorbs them; a broken one is dropped).
        if *request.method() == Method::Ack {
            return;
        }
        let warning = warning(self.config.local_sip.ip(), why);
        let mut out = Vec::new();
        let written = ResponseBuilder::from_request(request, status, reason_phrase(status))
            .header(HeaderName::Warning, &warning)
            .write(&mut out);
        if written.is_ok() {
            self.sip_out.push_back((peer, Bytes::from(out)));
        }
    }

    /// A response sent outside any transaction (when the layer is full, §21.5.4).
    pub(super) fn answer_stateless(
        &mut self,
        message: &Bytes,
        peer: SocketAddr,
        status: u16,
        extra: &[(&str, &str)],
    ) {
        let Ok(Message::Request(request)) = Message::parse(message.clone()) else {
            return;
        };
        if *request.method() == Method::Ack {
            return;
        }
        let mut builder = ResponseBuilder::from_request(&request, status, reason_phrase(status));
        for (name, value) in extra {
            builder = builder.header_named(name, value);
        }
        let mut out = Vec::new();
        if builder.write(&mut out).is_ok() {
            self.sip_out.push_back((peer, Bytes::from(out)));
        }
    }

    /// Sends `reply` on server transaction `txn`, built from `request` (§8.2.6).
    pub(super) fn respond(
        &mut self,
        now: Instant,
        txn: TransactionId,
        request: &Request,
        reply: Reply<'_>,
    ) -> Option<Bytes> {
        let status = reply.status;
        let mut builder = ResponseBuilder::from_request(request, status, reason_phrase(status));
        if let Some(tag) = reply.to_tag {
            builder = builder.to_tag(tag);
        }
        for (name, value) in reply.headers {
            builder = builder.header(*name, value);
        }
        builder = builder.header(HeaderName::Server, &self.config.user_agent);
        if let Some((content_type, body)) = reply.body {
            builder = builder.body(content_type, body);
        }
        self.scratch.clear();
        builder.write(&mut self.scratch).ok()?;
        let bytes = Bytes::copy_from_slice(&self.scratch);
        // The transaction refuses only a response its state does not allow (a second final
        // response): then nothing is sent, and the caller is not failed for it.
        self.layer
            .send_response(now, txn, status, bytes.clone())
            .ok()?;
        Some(bytes)
    }

    /// A request that created a server transaction.
    pub(super) fn handle_new_request(
        &mut self,
        now: Instant,
        txn: TransactionId,
        key: TransactionKey,
        message: Bytes,
        peer: SocketAddr,
    ) {
        // The request handed to the layer a moment ago is already parsed; anything else (not
        // expected from the layer) is parsed here.
        let reuse = self
            .parsed
            .take()
            .filter(|r| r.bytes().as_ptr() == message.as_ptr() && r.bytes().len() == message.len());
        let request = match reuse {
            Some(request) => request,
            None => match Message::parse(message) {
                Ok(Message::Request(request)) => request,
                _ => return,
            },
        };
        let in_dialog = request
            .headers()
            .to()
            .ok()
            .and_then(|to| to.tag())
            .is_some();
        match request.method() {
            Method::Invite if !in_dialog => self.handle_invite(now, txn, &request, peer),
            Method::Invite => self.handle_reinvite(now, txn, &request),
            Method::Bye => self.handle_bye(now, txn, &request),
            Method::Cancel => self.handle_cancel(now, txn, &key, &request),
            Method::Options => {
                let extra = [
                    (HeaderName::Allow, ALLOW),
                    (HeaderName::Accept, "application/sdp"),
                ];
                self.respond(now, txn, &request, Reply::status(200).headers(&extra));
            }
            // ACK never makes a transaction; the layer reports it separately.
            Method::Ack => {}
            Method::Extension(_) => {
                self.respond(
                    now,
                    txn,
                    &request,
                    Reply::status(501).headers(&[(HeaderName::Allow, ALLOW)]),
                );
            }
            _ if in_dialog && self.find_dialog(&request).is_none() => {
                self.stats.no_dialog += 1;
                self.respond(now, txn, &request, Reply::status(481));
            }
            _ => {
                self.respond(
                    now,
                    txn,
                    &request,
                    Reply::status(405).headers(&[(HeaderName::Allow, ALLOW)]),
                );
            }
        }
    }

    /// The call whose dialog this in-dialog request belongs to (§12.2.2): same Call-ID, its
    /// To tag is ours and its From tag is theirs.
    pub(super) fn find_dialog(&self, request: &Request) -> Option<CallId> {
        let headers = request.headers();
        let call_id = headers.call_id().ok()?;
        let id = *self.by_sip_call_id.get(call_id)?;
        let call = self.calls.get(&id)?;
        let dialog = call.dialog.as_ref()?;
        let to_tag = headers.to().ok()?.tag()?;
        let from_tag = headers.from().ok()?.tag().unwrap_or_default();
        (to_tag == dialog.id().local_tag && from_tag == dialog.id().remote_tag).then_some(id)
    }

    fn handle_bye(&mut self, now: Instant, txn: TransactionId, request: &Request) {
        let Some(id) = self.find_dialog(request) else {
            // §12.2.2: a request for a dialog we do not know gets 481.
            self.stats.no_dialog += 1;
            self.respond(now, txn, request, Reply::status(481));
            return;
        };
        let order = self
            .calls
            .get_mut(&id)
            .and_then(|c| c.dialog.as_mut())
            .map(|d| d.handle_remote_request(request.method(), request.headers()));
        if let Some(Err(error)) = order {
            self.respond(now, txn, request, Reply::status(error.status_code()));
            return;
        }
        self.attach_txn(id, txn);
        self.respond(now, txn, request, Reply::status(200));
        self.end_call(id, EndReason::RemoteHangUp);
    }

    fn handle_reinvite(&mut self, now: Instant, txn: TransactionId, request: &Request) {
        let Some(id) = self.find_dialog(request) else {
            self.stats.no_dialog += 1;
            self.respond(now, txn, request, Reply::status(481));
            return;
        };
        let order = self
            .calls
            .get_mut(&id)
            .and_then(|c| c.dialog.as_mut())
            .map(|d| d.handle_remote_request(request.method(), request.headers()));
        if let Some(Err(error)) = order {
            self.respond(now, txn, request, Reply::status(error.status_code()));
            return;
        }
        // Session changes (hold, codec change) are not supported yet: §14.2 lets a UAS refuse
        // the new offer with 488 and keep the session as it was.
        self.attach_txn(id, txn);
        self.respond(now, txn, request, Reply::status(488));
    }

    fn handle_cancel(
        &mut self,
        now: Instant,
        txn: TransactionId,
        key: &TransactionKey,
        request: &Request,
    ) {
        // §9.2: the CANCEL matches the INVITE's server transaction; no match is a 481.
        let invite_txn = key.cancel_target().and_then(|k| self.layer.find_server(&k));
        let call = invite_txn.and_then(|t| self.by_txn.get(&t).copied());
        let (Some(invite_txn), Some(id)) = (invite_txn, call) else {
            self.stats.no_dialog += 1;
            self.respond(now, txn, request, Reply::status(481));
            return;
        };
        self.respond(now, txn, request, Reply::status(200));
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        if call.state != CallState::Offered {
            // Already answered: the CANCEL has no effect on the INVITE (§9.2).
            return;
        }
        let tag = call.local_tag.clone();
        if let Ok(Message::Request(invite)) = Message::parse(call.invite.clone()) {
            self.respond(now, invite_txn, &invite, Reply::status(487).tag(&tag));
        }
        self.end_call(id, EndReason::RemoteHangUp);
    }

    /// An ACK outside any transaction: the ACK for our 2xx (§13.3.1.4).
    pub(super) fn handle_ack(&mut self, now: Instant, message: Bytes) {
        let Ok(Message::Request(ack)) = Message::parse(message) else {
            return;
        };
        let Some(id) = self.find_dialog(&ack) else {
            return;
        };
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        if call.state != CallState::AwaitingAck {
            return; // a retransmitted ACK
        }
        if let Some(retransmitter) = &mut call.uas_2xx {
            retransmitter.ack_received();
        }
        call.state = CallState::Confirmed;
        let _ = now;
        if let Some(remote_rtp) = call.media.as_ref().map(|m| m.remote_rtp()) {
            self.events.push_back(super::Event::Answered {
                call: id,
                remote_rtp,
            });
        }
    }

    /// A response that matched no transaction.
    pub(super) fn handle_stray_response(
        &mut self,
        _now: Instant,
        _status: u16,
        _message: Bytes,
        _peer: SocketAddr,
    ) {
        self.stats.stray_responses += 1;
    }

    /// A response parsed: hand it to its client transaction (§17.1.3).
    pub(super) fn handle_response(&mut self, now: Instant, source: SocketAddr, response: Response) {
        let headers = response.headers();
        let (Ok(via), Ok(cseq)) = (headers.top_via(), headers.cseq()) else {
            self.stats.sip_dropped += 1;
            return;
        };
        let Some(branch) = via.branch() else {
            self.stats.stray_responses += 1;
            return;
        };
        let bytes = response.bytes();
        let key = TransactionKey::client(
            bytes.slice_ref(branch.as_bytes()),
            Bytes::copy_from_slice(cseq.method.as_str().as_bytes()),
        );
        let status = response.status();
        let bytes = bytes.clone();
        self.layer.handle_response(
            now,
            key,
            status,
            bytes,
            source,
            super::uac::build_non2xx_ack,
        );
    }
}

/// Where a response goes (RFC 3261 §18.2.2 with RFC 3581): the source address of the request,
/// at the source port when the client asked for `rport`, else at the Via port.
pub(crate) fn response_destination(via: &Via<'_>, source: SocketAddr) -> SocketAddr {
    if via.rport().is_some() {
        return source;
    }
    let port = via.port().unwrap_or(5060);
    SocketAddr::new(source.ip(), port)
}

/// The server transaction key of a request (§17.2.3). A branch without the magic cookie
/// (RFC 2543 peers) is replaced by the fields RFC 2543 matching uses: Call-ID, From tag,
/// CSeq number and Request-URI.
fn server_key(request: &Request, via: &Via<'_>) -> Option<TransactionKey> {
    let headers = request.headers();
    let bytes = request.bytes();
    let method = Bytes::copy_from_slice(request.method().as_str().as_bytes());
    let port = via.port().unwrap_or(5060);
    let host = via.host().as_bytes();
    match via.branch() {
        Some(branch) if branch.starts_with(super::ids::MAGIC_COOKIE) => Some(
            TransactionKey::server(bytes.slice_ref(branch.as_bytes()), host, port, method),
        ),
        _ => {
            let call_id = headers.call_id().ok()?;
            let from_tag = headers.from().ok()?.tag().unwrap_or_default();
            let seq = headers.cseq().ok()?.seq;
            let legacy = format!("rfc2543;{call_id};{from_tag};{seq};{}", request.uri());
            Some(TransactionKey::server(
                Bytes::from(legacy),
                host,
                port,
                method,
            ))
        }
    }
}

/// A Warning header value (§20.43): code 399 (miscellaneous) with the reason as quoted text.
fn warning(host: IpAddr, why: &str) -> String {
    let text: String = why
        .chars()
        .map(|c| {
            if c == '"' || c == '\\' || c.is_control() {
                '\''
            } else {
                c
            }
        })
        .take(200)
        .collect();
    match host {
        IpAddr::V6(v6) => format!("399 [{v6}] \"{text}\""),
        IpAddr::V4(v4) => format!("399 {v4} \"{text}\""),
    }
}
