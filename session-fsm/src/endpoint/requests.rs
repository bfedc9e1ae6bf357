//! Requests that arrive: validation, transaction matching, and the answers that do not need a
//! call (OPTIONS, 481, 482, 405, 501, 400 for broken requests).

use std::net::IpAddr;

use bytes::Bytes;
use sip_proto::header::{NameAddr, Via};
use sip_proto::message::{
    reason_phrase, BuildError, CoreHeaders, HeaderName, Message, MessageWriter, Method, ParseError,
    Request, Response, ResponseBuilder,
};
use sip_proto::{MergeKey, TransactionId, TransactionKey};

use crate::time::Instant;

use super::ids::Tag;
use super::transport::{response_peer, stamp_top_via, Peer};
use super::{CallId, EndReason, Endpoint, LocalText, Transport};

/// A response to send on a server transaction: its status, our To tag (§8.2.6.2: every
/// response but 100 to a dialog-creating request carries one), extra headers and a body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reply<'a> {
    pub(crate) status: u16,
    pub(crate) to_tag: Option<&'a str>,
    /// Answering a call's INVITE: add the call's own tag ([`Endpoint::respond_to_invite`]).
    pub(crate) call_tag: bool,
    /// Add our Contact for this transport (§12.1.1: a response that makes a dialog).
    pub(crate) contact: Option<Transport>,
    pub(crate) headers: &'a [(HeaderName, &'a str)],
    pub(crate) body: Option<(&'a str, &'a [u8])>,
    /// The caller keeps the bytes (a 2xx to retransmit): return them.
    pub(crate) keep: bool,
}

impl<'a> Reply<'a> {
    /// A bare response with this status.
    pub(crate) fn status(status: u16) -> Self {
        Reply {
            status,
            to_tag: None,
            call_tag: false,
            contact: None,
            headers: &[],
            body: None,
            keep: false,
        }
    }

    /// With the tag of the call whose INVITE this answers.
    pub(crate) fn call_tag(self) -> Self {
        Reply {
            call_tag: true,
            ..self
        }
    }

    /// With our Contact on `transport`.
    pub(crate) fn contact(self, transport: Transport) -> Self {
        Reply {
            contact: Some(transport),
            ..self
        }
    }

    /// Returning the bytes sent, for a caller that keeps them.
    pub(crate) fn kept(self) -> Self {
        Reply { keep: true, ..self }
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

/// A request as the endpoint took it in: parsed, with its first Via line as stamped with
/// `received`/`rport` (§18.2.1, RFC 3581), which its responses echo, and its core headers
/// (top Via, From, To, Call-ID, CSeq, first Contact) typed once: as validation parsed them,
/// or, for an ACK (never validated whole), read one by one.
///
/// It borrows the request for as long as the endpoint works on it, so nothing downstream
/// parses these headers again.
#[derive(Debug)]
pub(crate) struct Incoming<'r> {
    pub(crate) request: &'r Request,
    /// The stamped top Via line, if one had to be stamped; a call that keeps the request
    /// takes it.
    pub(crate) via: Option<String>,
    pub(crate) core: CoreHeaders<'r>,
    /// Whether `core.from` and `core.to` were read. An ACK's are left for dialog matching,
    /// which mostly recognises them as text (see [`Endpoint::find_dialog`]).
    addresses_read: bool,
}

impl<'r> Incoming<'r> {
    /// A request parsed anew, its headers read leniently and its Via not stamped.
    pub(crate) fn lenient(request: &'r Request) -> Incoming<'r> {
        Incoming {
            request,
            via: None,
            core: request.headers().core_lenient(),
            addresses_read: true,
        }
    }

    /// The To tag: present when the request is inside a dialog (§12.2.2).
    pub(crate) fn to_tag(&self) -> Option<&'r str> {
        self.core.to.as_ref().and_then(|t| t.tag())
    }

    /// The From tag (empty for an RFC 2543 peer that sends none).
    pub(crate) fn sender_tag(&self) -> &'r str {
        self.core
            .from
            .as_ref()
            .and_then(|f| f.tag())
            .unwrap_or_default()
    }

    /// Is this the request whose bytes are `message`?
    fn is(&self, message: &Bytes) -> bool {
        let b = self.request.bytes();
        b.as_ptr() == message.as_ptr() && b.len() == message.len()
    }
}

/// `part` as a slice of `whole` when it lies inside it (no copy), else a copy. Header values
/// usually are slices of the datagram, but not always (the parser rewrites folded headers
/// into a buffer of its own), so never assume it: `Bytes::slice_ref` panics on a stranger.
pub(crate) fn share(whole: &Bytes, part: &str) -> Bytes {
    share_bytes(whole, part.as_bytes())
}

/// [`share`] for bytes.
fn share_bytes(whole: &Bytes, part: &[u8]) -> Bytes {
    let start = whole.as_ptr() as usize;
    let at = part.as_ptr() as usize;
    if at >= start && at + part.len() <= start + whole.len() {
        whole.slice_ref(part)
    } else {
        Bytes::copy_from_slice(part)
    }
}

/// The first Via line of the last response whose top Via parsed and carried a branch, and
/// where that branch lies in it. The responses to one request come back with the same Via
/// line (stamped the same way by the far end), and a line that reads exactly as one that
/// parsed parses the same: it is not parsed again.
#[derive(Debug)]
pub(crate) struct ViaMemo {
    line: Bytes,
    branch: (usize, usize),
}

/// What sending a response on a server transaction needs from the endpoint, borrowed apart
/// from the call table so a call's own INVITE can be answered in place.
struct Responder<'e> {
    layer: &'e mut sip_proto::TransactionLayer<Peer>,
    scratch: &'e mut Vec<u8>,
    /// The Server header value.
    server: &'e str,
    text: &'e LocalText,
}

impl Responder<'_> {
    /// Writes and sends the response. `None` if it could not be; else the bytes when the
    /// reply asks to keep them, or an empty `Bytes` (sharing the bytes costs an allocation).
    /// `to_tagged` says whether the request's To carries a tag, when that is known.
    fn send(
        &mut self,
        now: Instant,
        txn: TransactionId,
        request: &Request,
        via: Option<&str>,
        to_tagged: Option<bool>,
        reply: Reply<'_>,
    ) -> Option<Bytes> {
        let status = reply.status;
        self.scratch.clear();
        let contact = reply.contact.map(|t| self.text.contact(t));
        write_response(
            self.scratch,
            request,
            via,
            to_tagged,
            &reply,
            contact,
            self.server,
        )
        .ok()?;
        let bytes = Bytes::copy_from_slice(self.scratch);
        let kept = if reply.keep {
            bytes.clone()
        } else {
            Bytes::new()
        };
        // The transaction refuses only a response its state does not allow (a second final
        // response): then nothing is sent, and the caller is not failed for it.
        self.layer.send_response(now, txn, status, bytes).ok()?;
        Some(kept)
    }
}

/// Writes the response `reply` to `request` straight into `out` (§8.2.6.2): its Via lines in
/// order, the first replaced by `via` when the request's had to be stamped, then From, To
/// (with `reply.to_tag` added unless it has a tag: `to_tagged`, or read from the value when
/// that is not known), Call-ID and CSeq as received, Timestamp for a 100 (§8.2.6.1), our
/// Contact, the reply's headers, Server, and the body.
fn write_response(
    out: &mut Vec<u8>,
    request: &Request,
    via: Option<&str>,
    to_tagged: Option<bool>,
    reply: &Reply<'_>,
    contact: Option<&str>,
    server: &str,
) -> Result<usize, BuildError> {
    let status = reply.status;
    let h = request.headers();
    let mut w = MessageWriter::response(out, status, reason_phrase(status))?;
    let mut vias = h.get_all_raw(HeaderName::Via);
    if let Some(first) = via {
        vias.next();
        w.header(HeaderName::Via, first)?;
    }
    for line in vias {
        w.header_pieces(HeaderName::Via, &[line])?;
    }
    if let Some(from) = h.get_raw(HeaderName::From) {
        w.header_pieces(HeaderName::From, &[from])?;
    }
    if let Some(to) = h.get_raw(HeaderName::To) {
        match reply.to_tag {
            Some(tag) if !to_tagged.unwrap_or_else(|| has_tag(to)) => {
                w.header_pieces(HeaderName::To, &[to, b";tag=", tag.as_bytes()])?
            }
            _ => w.header_pieces(HeaderName::To, &[to])?,
        };
    }
    let timestamp = (status == 100).then_some(HeaderName::Timestamp);
    for name in [HeaderName::CallId, HeaderName::CSeq]
        .into_iter()
        .chain(timestamp)
    {
        if let Some(value) = h.get_raw(name) {
            w.header_pieces(name, &[value])?;
        }
    }
    if let Some(contact) = contact {
        w.header(HeaderName::Contact, contact)?;
    }
    for (name, value) in reply.headers {
        w.header(*name, value)?;
    }
    w.header(HeaderName::Server, server)?;
    match reply.body {
        Some((content_type, body)) => w.body(content_type, body),
        None => w.finish(),
    }
}

/// Does a received To value carry a `tag` parameter? Read as a name-addr; a To that does not
/// parse (answering a broken request) is searched for the parameter as text.
fn has_tag(to: &[u8]) -> bool {
    match std::str::from_utf8(to)
        .ok()
        .map(|s| NameAddr::parse("To", s))
    {
        Some(Ok(a)) => a.param("tag").is_some(),
        _ => to.windows(5).any(|w| w.eq_ignore_ascii_case(b";tag=")),
    }
}

/// The methods we implement, for Allow (§20.5).
pub(crate) const ALLOW: &str = "INVITE, ACK, CANCEL, BYE, OPTIONS";

/// A response to `request` (§8.2.6.2): its Via lines in order, the first replaced by `via`
/// when the request's had to be stamped, From, To, Call-ID and CSeq, and Timestamp for a 100
/// (§8.2.6.1).
pub(crate) fn response_to<'a>(
    request: &'a Request,
    via: Option<&'a str>,
    status: u16,
) -> ResponseBuilder<'a> {
    let reason = reason_phrase(status);
    let Some(first) = via else {
        return ResponseBuilder::from_request(request, status, reason);
    };
    let h = request.headers();
    let mut b = ResponseBuilder::new(status, reason).header(HeaderName::Via, first);
    for line in h.get_all(HeaderName::Via).skip(1) {
        b = b.header(HeaderName::Via, line);
    }
    let timestamp = (status == 100).then_some(HeaderName::Timestamp);
    let once = [
        HeaderName::From,
        HeaderName::To,
        HeaderName::CallId,
        HeaderName::CSeq,
    ];
    for name in once.into_iter().chain(timestamp) {
        if let Some(value) = h.get(name) {
            b = b.header(name, value);
        }
    }
    b
}

impl Endpoint {
    /// A request parsed: check the headers every request needs, stamp its Via, then hand it
    /// to the transaction layer, which absorbs retransmissions and reports new requests.
    pub(super) fn handle_request(&mut self, now: Instant, source: Peer, request: &Request) {
        let headers = request.headers();
        // An ACK is never answered, so a broken header in one has nobody to be told about:
        // its headers are read only as far as they are needed (§17.2.1, §13.3.1.4). Any other
        // request is validated whole, which types its core headers once for all that follows.
        let is_ack = *request.method() == Method::Ack;
        let checked = request.check_mandatory().and_then(|()| {
            if is_ack {
                // From and To are read when the ACK is matched to its dialog, if at all.
                Ok(CoreHeaders {
                    top_via: headers.top_via().ok(),
                    call_id: headers.call_id().ok(),
                    cseq: headers.cseq().ok(),
                    ..CoreHeaders::default()
                })
            } else {
                headers.validate_core()
            }
        });
        let core = match checked {
            Ok(core) if core.top_via.is_some() => core,
            result => {
                // Nobody to answer without a readable Via (§8.2.6.2): drop.
                let Ok(via) = headers.top_via() else {
                    self.stats.sip_dropped += 1;
                    return;
                };
                if let Err(error) = result {
                    let peer = response_peer(&via, source);
                    let stamped = stamp_top_via(request, &via, source.addr);
                    self.stats.bad_requests += 1;
                    let why = error.to_string();
                    self.answer_bad_request(request, stamped.as_deref(), peer, 400, &why);
                }
                return;
            }
        };
        let Some(via) = core.top_via else {
            return;
        };
        let peer = response_peer(&via, source);
        // Only responses echo the stamped Via, and an ACK is never answered.
        let stamped = if is_ack {
            None
        } else {
            stamp_top_via(request, &via, source.addr)
        };
        let Some(key) = server_key(request, &core, &via, source) else {
            self.stats.sip_dropped += 1;
            return;
        };
        let mut incoming = Incoming {
            request,
            via: stamped,
            core,
            addresses_read: !is_ack,
        };
        let merge = incoming.merge_key();
        let bytes = request.bytes().clone();
        let reliability = source.transport.reliability();
        self.layer
            .handle_request_checked(now, key, merge, bytes, peer, reliability);
        // What the layer reports about these very bytes is handled with them at hand.
        self.process_layer_events(now, Some(&mut incoming));
    }

    /// Runs `f` on the request whose bytes are `message`: `current` when it is that one (the
    /// request just taken in, so no second parse), else `message` parsed anew (never
    /// expected: the layer reports what it was just given).
    pub(super) fn with_request(
        &mut self,
        current: Option<&mut Incoming<'_>>,
        message: &Bytes,
        f: impl FnOnce(&mut Self, &mut Incoming<'_>),
    ) {
        if let Some(incoming) = current.filter(|c| c.is(message)) {
            f(self, incoming);
            return;
        }
        if let Ok(Message::Request(request)) = Message::parse(message.clone()) {
            f(self, &mut Incoming::lenient(&request));
        }
    }

    /// A request the parser refused. If the Request-Line and Via were readable, answer with
    /// the status the parser names (400, 505, 513) and say why in a Warning (§20.43).
    pub(super) fn answer_unparsable(&mut self, source: Peer, error: ParseError) {
        let Some(partial) = error.partial_request() else {
            self.stats.sip_dropped += 1;
            return;
        };
        let Ok(via) = partial.headers().top_via() else {
            self.stats.sip_dropped += 1;
            return;
        };
        let peer = response_peer(&via, source);
        let stamped = stamp_top_via(partial, &via, source.addr);
        self.stats.bad_requests += 1;
        let why = error.to_string();
        self.answer_bad_request(partial, stamped.as_deref(), peer, error.status_code(), &why);
    }

    fn answer_bad_request(
        &mut self,
        request: &Request,
        via: Option<&str>,
        peer: Peer,
        status: u16,
        why: &str,
    ) {
        // ACKs are never answered (§17.2.1 absorbs them; a broken one is dropped).
        if *request.method() == Method::Ack {
            return;
        }
        let warning = warning(self.config.local_sip.ip(), why);
        let mut out = Vec::new();
        let written = response_to(request, via, status)
            .header(HeaderName::Warning, &warning)
            .write(&mut out);
        if written.is_ok() {
            super::push_sip(&mut self.layer, &mut self.sip_out, peer, Bytes::from(out));
        }
    }

    /// A response sent outside any transaction (when the layer is full, §21.5.4).
    pub(super) fn answer_stateless(
        &mut self,
        incoming: &Incoming<'_>,
        peer: Peer,
        status: u16,
        extra: &[(&str, &str)],
    ) {
        if *incoming.request.method() == Method::Ack {
            return;
        }
        let mut builder = response_to(incoming.request, incoming.via.as_deref(), status);
        for (name, value) in extra {
            builder = builder.header_named(name, value);
        }
        let mut out = Vec::new();
        if builder.write(&mut out).is_ok() {
            super::push_sip(&mut self.layer, &mut self.sip_out, peer, Bytes::from(out));
        }
    }

    /// Sends `reply` on server transaction `txn`, built from `request` whose first Via line,
    /// stamped, is `via` (§8.2.6). Returns the bytes sent.
    pub(super) fn respond(
        &mut self,
        now: Instant,
        txn: TransactionId,
        request: &Request,
        via: Option<&str>,
        reply: Reply<'_>,
    ) -> Option<Bytes> {
        let mut responder = Responder {
            layer: &mut self.layer,
            scratch: &mut self.scratch,
            server: &self.config.user_agent,
            text: &self.text,
        };
        responder.send(now, txn, request, via, None, reply)
    }

    /// Sends `reply` on a call's INVITE server transaction, built from the INVITE kept with
    /// the call (no copy of it is made). Returns the bytes sent.
    pub(super) fn respond_to_invite(
        &mut self,
        now: Instant,
        id: CallId,
        reply: Reply<'_>,
    ) -> Option<Bytes> {
        let Endpoint {
            calls,
            layer,
            scratch,
            config,
            text,
            ..
        } = self;
        let call = calls.get(&id)?;
        let (txn, invite) = (call.invite_txn?, call.invite.as_ref()?);
        let reply = if reply.call_tag {
            Reply {
                to_tag: Some(call.local_tag.as_str()),
                ..reply
            }
        } else {
            reply
        };
        let mut responder = Responder {
            layer,
            scratch,
            server: &config.user_agent,
            text,
        };
        let via = call.invite_via.as_deref();
        responder.send(now, txn, invite, via, call.invite_to_tagged, reply)
    }

    /// A request that created a server transaction.
    pub(super) fn handle_new_request(
        &mut self,
        now: Instant,
        txn: TransactionId,
        key: &TransactionKey,
        incoming: &mut Incoming<'_>,
        peer: Peer,
        merged: Option<TransactionId>,
    ) {
        let (request, via) = (incoming.request, incoming.via.as_deref());
        if merged.is_some() {
            // §8.2.2.2: the same request reached us a second way (a fork that came back, a
            // loop): 482, with a tag of our own as any final response needs (§8.2.6.2).
            self.stats.loops_detected += 1;
            let tag = self.ids.tag();
            self.respond(now, txn, request, via, Reply::status(482).tag(tag.as_str()));
            return;
        }
        let in_dialog = incoming.to_tag().is_some();
        match request.method() {
            Method::Invite if !in_dialog => self.handle_invite(now, txn, incoming, peer),
            Method::Invite => self.handle_reinvite(now, txn, incoming, peer),
            Method::Bye => self.handle_bye(now, txn, incoming),
            Method::Cancel => self.handle_cancel(now, txn, key, request, via),
            Method::Options => {
                let extra = [
                    (HeaderName::Allow, ALLOW),
                    (HeaderName::Accept, "application/sdp"),
                ];
                let reply = Reply::status(200).headers(&extra);
                self.respond(now, txn, request, via, reply);
            }
            // ACK never makes a transaction; the layer reports it separately.
            Method::Ack => {}
            Method::Extension(_) => {
                let reply = Reply::status(501).headers(&[(HeaderName::Allow, ALLOW)]);
                self.respond(now, txn, request, via, reply);
            }
            _ if in_dialog && self.find_dialog(incoming).is_none() => {
                self.stats.no_dialog += 1;
                self.respond(now, txn, request, via, Reply::status(481));
            }
            _ => {
                let reply = Reply::status(405).headers(&[(HeaderName::Allow, ALLOW)]);
                self.respond(now, txn, request, via, reply);
            }
        }
    }

    /// Admits an in-dialog request the endpoint acts on (a BYE or a re-INVITE, §12.2.2): finds
    /// its dialog, checks its CSeq against the remote sequence (and takes a target refresh),
    /// then attaches the server transaction to the call. A request for an unknown dialog is
    /// answered 481, one out of order with the dialog's error status; both give `None`.
    pub(super) fn admit_in_dialog(
        &mut self,
        now: Instant,
        txn: TransactionId,
        incoming: &Incoming<'_>,
    ) -> Option<CallId> {
        let (request, via) = (incoming.request, incoming.via.as_deref());
        let Some(id) = self.find_dialog(incoming) else {
            self.stats.no_dialog += 1;
            self.respond(now, txn, request, via, Reply::status(481));
            return None;
        };
        let order = self
            .calls
            .get_mut(&id)
            .and_then(|c| c.dialog.as_mut())
            .map(|d| {
                d.handle_remote_request_core(request.method(), request.headers(), &incoming.core)
            });
        if let Some(Err(error)) = order {
            self.respond(now, txn, request, via, Reply::status(error.status_code()));
            return None;
        }
        self.attach_txn(id, txn);
        Some(id)
    }

    /// The call whose dialog this in-dialog request belongs to (§12.2.2): its To tag is our
    /// tag, its From tag the far end's, and the Call-ID the dialog's.
    pub(super) fn find_dialog(&self, incoming: &Incoming<'_>) -> Option<CallId> {
        if incoming.addresses_read {
            return self.dialog_of(incoming.to_tag()?, incoming.sender_tag(), incoming);
        }
        // To and From not read yet (an ACK). A To and From that read exactly as a dialog's
        // local and remote sides carry that dialog's tags, so the dialog is found without
        // parsing them; any other text is parsed and matched by tag.
        let headers = incoming.request.headers();
        let (to, from) = (
            headers.get_raw(HeaderName::To)?,
            headers.get_raw(HeaderName::From),
        );
        let by_text = tag_in(to)
            .and_then(Tag::lookup)
            .and_then(|tag| self.by_local_tag.get(&tag))
            .copied()
            .filter(|id| {
                self.calls
                    .get(id)
                    .and_then(|c| c.dialog.as_ref())
                    .is_some_and(|d| {
                        d.local().as_bytes() == to
                            && from == Some(d.remote().as_bytes())
                            && incoming.core.call_id == Some(d.id().call_id.as_str())
                    })
            });
        if by_text.is_some() {
            return by_text;
        }
        let (to, from) = (headers.to().ok(), headers.from().ok());
        let from_tag = from.as_ref().and_then(|f| f.tag()).unwrap_or_default();
        self.dialog_of(to.as_ref()?.tag()?, from_tag, incoming)
    }

    /// The call whose dialog has our tag `to_tag`, the far end's tag `from_tag` and the
    /// request's Call-ID.
    fn dialog_of(&self, to_tag: &str, from_tag: &str, incoming: &Incoming<'_>) -> Option<CallId> {
        let id = *self.by_local_tag.get(&Tag::lookup(to_tag)?)?;
        let dialog = self.calls.get(&id)?.dialog.as_ref()?;
        let call_id = incoming.core.call_id?;
        let same = call_id == dialog.id().call_id && from_tag == dialog.id().remote_tag;
        same.then_some(id)
    }

    /// A BYE (§15.1.2). One that crosses ours (RFC 5407 §3.2.2) is answered 200 like any
    /// other; the call ends once.
    fn handle_bye(&mut self, now: Instant, txn: TransactionId, incoming: &Incoming<'_>) {
        let Some(id) = self.admit_in_dialog(now, txn, incoming) else {
            return;
        };
        let (request, via) = (incoming.request, incoming.via.as_deref());
        self.respond(now, txn, request, via, Reply::status(200));
        self.end_call(id, EndReason::RemoteHangUp);
    }

    /// A CANCEL (§9.2): it matches the INVITE's server transaction; no match is a 481.
    fn handle_cancel(
        &mut self,
        now: Instant,
        txn: TransactionId,
        key: &TransactionKey,
        request: &Request,
        via: Option<&str>,
    ) {
        let invite_txn = key.cancel_target().and_then(|k| self.layer.find_server(&k));
        let call = invite_txn.and_then(|t| self.by_txn.get(&t).copied());
        let (Some(invite_txn), Some(id)) = (invite_txn, call) else {
            self.stats.no_dialog += 1;
            self.respond(now, txn, request, via, Reply::status(481));
            return;
        };
        self.respond(now, txn, request, via, Reply::status(200));
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        if call.state != super::call::CallState::Offered || call.invite_txn != Some(invite_txn) {
            // Already answered (or a re-INVITE's): the CANCEL has no effect (§9.2).
            return;
        }
        // §9.2: the INVITE is answered 487 (Request Terminated).
        self.respond_to_invite(now, id, Reply::status(487).call_tag());
        self.end_call(id, EndReason::RemoteHangUp);
    }

    /// An ACK outside any transaction: the ACK for one of our 2xx (§13.3.1.4), to the first
    /// INVITE or to a re-INVITE of the far end.
    pub(super) fn handle_ack(&mut self, now: Instant, incoming: &Incoming<'_>) {
        let Some(id) = self.find_dialog(incoming) else {
            return;
        };
        let seq = incoming.core.cseq.as_ref().map(|c| c.seq);
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        if call.uas_2xx.as_ref().map(|p| p.seq) != seq {
            return; // a retransmitted ACK, or one for a 2xx we no longer send
        }
        call.uas_2xx = None;
        let first = call.state == super::call::CallState::AwaitingAck;
        if first {
            call.state = super::call::CallState::Confirmed;
            if let Some(remote_rtp) = call.media.as_ref().map(|m| m.remote_rtp()) {
                self.events.push_back(super::Event::Answered {
                    call: id,
                    remote_rtp,
                });
            }
        }
        self.touch(id);
        // A re-INVITE of ours may have been waiting for this INVITE to finish (§14.1).
        self.send_due_reinvite(now, id);
    }

    /// A response parsed: hand it to its client transaction (§17.1.3).
    pub(super) fn handle_response(&mut self, now: Instant, source: Peer, response: &Response) {
        let headers = response.headers();
        let bytes = response.bytes();
        let Ok(cseq) = headers.cseq() else {
            self.stats.sip_dropped += 1;
            return;
        };
        let line = headers.get_raw(HeaderName::Via);
        let remembered = match (&self.via_memo, line) {
            (Some(memo), Some(line)) if memo.line.as_ref() == line => {
                line.get(memo.branch.0..memo.branch.1)
            }
            _ => None,
        };
        let branch = match remembered {
            Some(branch) => branch,
            None => {
                let Ok(via) = headers.top_via() else {
                    self.stats.sip_dropped += 1;
                    return;
                };
                let Some(branch) = via.branch() else {
                    self.stats.stray_responses += 1;
                    return;
                };
                if let Some(line) = line {
                    let at = (branch.as_ptr() as usize).wrapping_sub(line.as_ptr() as usize);
                    if at
                        .checked_add(branch.len())
                        .is_some_and(|end| end <= line.len())
                    {
                        self.via_memo = Some(ViaMemo {
                            line: share_bytes(bytes, line),
                            branch: (at, at + branch.len()),
                        });
                    }
                }
                branch.as_bytes()
            }
        };
        let key = TransactionKey::client(
            share_bytes(bytes, branch),
            method_bytes(cseq.method.as_str(), bytes),
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
        // What the layer reports about these very bytes is handled with them at hand.
        self.process_layer_events_with(now, None, Some(response));
    }
}

impl Incoming<'_> {
    /// The request's §8.2.2.2 identity, when it has no To tag and is not an ACK.
    fn merge_key(&self) -> Option<MergeKey> {
        let request = self.request;
        if self.to_tag().is_some() || *request.method() == Method::Ack {
            return None;
        }
        let bytes = request.bytes();
        let call_id = share(bytes, self.core.call_id?);
        let cseq = self.core.cseq.as_ref()?;
        let method = method_bytes(cseq.method.as_str(), bytes);
        let from_tag = self
            .core
            .from
            .as_ref()
            .and_then(|f| f.tag())
            .map(|tag| share(bytes, tag))
            .unwrap_or_default();
        Some(MergeKey::new(from_tag, call_id, cseq.seq, method))
    }
}

/// The value of the last `;tag=` parameter written in a To or From, as text (up to the next
/// `;`): where one of our tags would be. Only a guess, for a lookup that is then checked.
fn tag_in(value: &[u8]) -> Option<&str> {
    let at = value
        .windows(5)
        .rposition(|w| w.eq_ignore_ascii_case(b";tag="))?;
    let rest = value.get(at + 5..)?;
    let end = rest.iter().position(|&b| b == b';').unwrap_or(rest.len());
    std::str::from_utf8(rest.get(..end)?).ok()
}

/// A method name as key bytes: static for the ones we send and answer, else a slice of the
/// message.
fn method_bytes(method: &str, message: &Bytes) -> Bytes {
    const KNOWN: [&str; 6] = ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER"];
    match KNOWN.iter().find(|k| **k == method) {
        Some(k) => Bytes::from_static(k.as_bytes()),
        None => share(message, method),
    }
}

/// The server transaction key of a request (§17.2.3). A branch without the magic cookie
/// (RFC 2543 peers) is replaced by the fields RFC 2543 matching uses: Call-ID, From tag,
/// CSeq number and Request-URI.
fn server_key(
    request: &Request,
    core: &CoreHeaders<'_>,
    via: &Via<'_>,
    source: Peer,
) -> Option<TransactionKey> {
    let bytes = request.bytes();
    let method = method_bytes(request.method().as_str(), bytes);
    let port = via
        .port()
        .unwrap_or_else(|| source.transport.default_port());
    let host = via.host().as_bytes();
    match via.branch() {
        Some(branch) if branch.starts_with(super::ids::MAGIC_COOKIE) => {
            let branch = share(bytes, branch);
            Some(match sent_by_as_written(bytes, via, port) {
                // The key's `host:port` is the Via's own text: shared, not rebuilt.
                Some(sent_by) => TransactionKey {
                    branch,
                    sent_by,
                    method,
                },
                None => TransactionKey::server(branch, host, port, method),
            })
        }
        _ => {
            let call_id = core.call_id?;
            // An ACK's From is not read up front.
            let from = match core.from {
                Some(from) => from,
                None => request.headers().from().ok()?,
            };
            let from_tag = from.tag().unwrap_or_default();
            let seq = core.cseq.as_ref()?.seq;
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

/// The Via's sent-by as written, when it is exactly what [`TransactionKey::server`] would
/// build from its host and `port` (a lower-case host, the port written in plain decimal), as
/// a slice of the message.
fn sent_by_as_written(message: &Bytes, via: &Via<'_>, port: u16) -> Option<Bytes> {
    let host = via.host();
    if host.bytes().any(|c| c.is_ascii_uppercase()) {
        return None;
    }
    let mut digits = [0u8; 5];
    let mut i = digits.len();
    let mut n = port;
    loop {
        i -= 1;
        *digits.get_mut(i)? = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    let digits = digits.get(i..)?;
    let start = (host.as_ptr() as usize).checked_sub(message.as_ptr() as usize)?;
    let end = start + host.len() + 1 + digits.len();
    let written = message.get(start..end)?;
    let (written_host, rest) = written.split_at(host.len());
    let same = written_host == host.as_bytes()
        && rest.first() == Some(&b':')
        && rest.get(1..) == Some(digits);
    same.then(|| message.slice(start..end))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn request(text: &'static str) -> Request {
        match Message::parse(Bytes::from_static(text.as_bytes())) {
            Ok(Message::Request(r)) => r,
            other => panic!("{other:?}"),
        }
    }

    /// The response as the general builder writes it, for comparison.
    fn built(
        request: &Request,
        via: Option<&str>,
        reply: &Reply<'_>,
        contact: Option<&str>,
    ) -> Vec<u8> {
        let mut b = response_to(request, via, reply.status);
        if let Some(tag) = reply.to_tag {
            b = b.to_tag(tag);
        }
        if let Some(contact) = contact {
            b = b.header(HeaderName::Contact, contact);
        }
        for (name, value) in reply.headers {
            b = b.header(*name, value);
        }
        b = b.header(HeaderName::Server, "ua/1");
        if let Some((t, body)) = reply.body {
            b = b.body(t, body);
        }
        let mut out = Vec::new();
        b.write(&mut out).unwrap();
        out
    }

    /// Responses written straight into the buffer are the ones the builder writes, with and
    /// without a stamped Via, a To tag to add or already there, Timestamp for a 100, a body.
    #[test]
    fn responses_are_written_as_the_builder_writes_them() {
        let invite = request(
            "INVITE sip:b@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;rport;branch=z9hG4bKa\r\n\
             Via: SIP/2.0/UDP p.example;branch=z9hG4bKb, SIP/2.0/TCP q.example;branch=z9hG4bKc\r\n\
             From: <sip:a@h>;tag=1\r\nTo: \"B\" <sip:b@h>\r\nCall-ID: c1@h\r\nCSeq: 7 INVITE\r\n\
             Timestamp: 54\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
        );
        let bye = request(
            "BYE sip:b@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKd\r\n\
             From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=99\r\nCall-ID: c1@h\r\nCSeq: 8 BYE\r\n\
             Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
        );
        let stamped = "SIP/2.0/UDP 10.0.0.1;rport=5070;branch=z9hG4bKa;received=192.0.2.9";
        let extra = [(HeaderName::Allow, ALLOW)];
        let replies = [
            Reply::status(100),
            Reply::status(180).tag("x1"),
            Reply::status(200)
                .tag("x1")
                .headers(&extra)
                .body("application/sdp", b"v=0\r\n"),
            Reply::status(488),
        ];
        for request in [&invite, &bye] {
            let to_tagged = Some(request.headers().to().unwrap().tag().is_some());
            for via in [None, Some(stamped)] {
                for reply in &replies {
                    for contact in [None, Some("<sip:ua@192.0.2.2>")] {
                        let reply = Reply {
                            contact: contact.map(|_| Transport::Udp),
                            ..*reply
                        };
                        let expected = built(request, via, &reply, contact);
                        for tagged in [None, to_tagged] {
                            let mut out = b"junk".to_vec();
                            out.clear();
                            let n = write_response(
                                &mut out, request, via, tagged, &reply, contact, "ua/1",
                            )
                            .unwrap();
                            assert_eq!(n, out.len());
                            assert_eq!(
                                String::from_utf8_lossy(&out),
                                String::from_utf8_lossy(&expected)
                            );
                        }
                    }
                }
            }
        }
    }

    /// The sent-by sliced from the message is the one `TransactionKey::server` builds, or
    /// is not used.
    #[test]
    fn sent_by_is_shared_only_when_it_is_what_the_key_would_hold() {
        for (via, shared) in [
            ("SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK1", true),
            ("SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1", true),
            ("SIP/2.0/UDP host.example:0;branch=z9hG4bK1", true),
            ("SIP/2.0/UDP Host.Example:5070;branch=z9hG4bK1", false),
            ("SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1", false),
            ("SIP/2.0/UDP 192.0.2.1:05070;branch=z9hG4bK1", false),
            ("SIP/2.0/UDP 192.0.2.1 : 5070;branch=z9hG4bK1", false),
        ] {
            let text = format!(
                "OPTIONS sip:b@h SIP/2.0\r\nVia: {via}\r\nFrom: <sip:a@h>;tag=1\r\n\
                 To: <sip:b@h>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\r\n"
            );
            let Ok(Message::Request(r)) = Message::parse(Bytes::from(text)) else {
                panic!("{via}");
            };
            let v = r.headers().top_via().unwrap();
            let port = v.port().unwrap_or(5060);
            let built = TransactionKey::server("b", v.host().as_bytes(), port, "OPTIONS");
            let sliced = sent_by_as_written(r.bytes(), &v, port);
            assert_eq!(sliced.is_some(), shared, "{via}");
            if let Some(sliced) = sliced {
                assert_eq!(sliced, built.sent_by, "{via}");
            }
        }
    }

    #[test]
    fn the_tag_guess_is_the_last_tag_parameter() {
        assert_eq!(tag_in(b"<sip:b@h>;tag=abc"), Some("abc"));
        assert_eq!(tag_in(b"<sip:b@h>;TAG=abc;x=1"), Some("abc"));
        assert_eq!(tag_in(b"<sip:b@h>;tag=1;tag=2"), Some("2"));
        assert_eq!(tag_in(b"<sip:b@h>"), None);
    }

    /// An ACK is matched to its dialog whether its To and From read exactly as the dialog's
    /// sides (no parse) or otherwise (parsed): spacing and parameter-name case do not matter,
    /// the tags and Call-ID do.
    #[test]
    fn acks_match_their_dialog_however_their_to_and_from_are_written() {
        use super::super::{EndpointConfig, Input, Output, Socket, WallClock};
        use std::net::SocketAddr;

        #[allow(clippy::disallowed_methods)] // test-only: the one clock read, taken as an epoch
        let now = Instant::now();
        let wall = WallClock {
            instant: now,
            unix: std::time::Duration::from_secs(1_800_000_000),
        };
        let peer: SocketAddr = "192.0.2.9:5060".parse().unwrap();
        let body = "v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n\
            m=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
        let invite = format!(
            "INVITE sip:uas@192.0.2.1 SIP/2.0\r\n\
             Via: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKinv\r\n\
             From: <sip:a@192.0.2.9>;tag=far\r\nTo: <sip:uas@192.0.2.1>\r\n\
             Call-ID: ack-test@192.0.2.9\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n\
             Contact: <sip:a@192.0.2.9>\r\nContent-Type: application/sdp\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        // (To, From, Call-ID) of the ACK, with `{tag}` for our tag, and whether it matches.
        let cases = [
            (
                "<sip:uas@192.0.2.1>;tag={tag}",
                "<sip:a@192.0.2.9>;tag=far",
                "ack-test@192.0.2.9",
                true,
            ),
            (
                "<sip:uas@192.0.2.1> ; TAG={tag}",
                "<sip:a@192.0.2.9>;Tag=far",
                "ack-test@192.0.2.9",
                true,
            ),
            (
                "<sip:uas@192.0.2.1>;tag={tag}",
                "<sip:a@192.0.2.9>;tag=other",
                "ack-test@192.0.2.9",
                false,
            ),
            (
                "<sip:uas@192.0.2.1>;tag={tag}",
                "<sip:a@192.0.2.9>;tag=far",
                "another@192.0.2.9",
                false,
            ),
            (
                "<sip:uas@192.0.2.1>;tag=0123456789ab",
                "<sip:a@192.0.2.9>;tag=far",
                "ack-test@192.0.2.9",
                false,
            ),
        ];
        for (to, from, call_id, matches) in cases {
            let local: SocketAddr = "192.0.2.1:5060".parse().unwrap();
            let mut ep = Endpoint::new(EndpointConfig::new(local, 3, wall));
            let mut buf = Vec::new();
            let drain = |ep: &mut Endpoint, buf: &mut Vec<u8>| {
                let mut out = Vec::new();
                loop {
                    match ep.poll_output(buf) {
                        Output::Transmit(t) if t.socket == Socket::Sip => out.push(buf.clone()),
                        Output::Event(e) => out.push(format!("{e:?}").into_bytes()),
                        Output::Timeout(_) => return out,
                        _ => {}
                    }
                }
            };
            let receive = |ep: &mut Endpoint, text: String| {
                ep.handle_input(Input::Receive {
                    now,
                    socket: Socket::Sip,
                    source: peer,
                    bytes: Bytes::from(text),
                })
            };
            receive(&mut ep, invite.clone());
            drain(&mut ep, &mut buf);
            let call = ep.calls.keys().next().copied().unwrap();
            ep.answer(now, call, "192.0.2.1:40000".parse().unwrap())
                .unwrap();
            let sent = drain(&mut ep, &mut buf);
            let ok = sent
                .iter()
                .find(|m| m.starts_with(b"SIP/2.0 200"))
                .expect("a 200 OK");
            let Ok(Message::Response(ok)) = Message::parse(Bytes::from(ok.clone())) else {
                panic!("200 does not parse");
            };
            let tag = ok.headers().to().unwrap().tag().unwrap().to_owned();
            let to = to.replace("{tag}", &tag);
            receive(
                &mut ep,
                format!(
                    "ACK sip:uas@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKack\r\n\
                     From: {from}\r\nTo: {to}\r\nCall-ID: {call_id}\r\nCSeq: 1 ACK\r\n\
                     Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
                ),
            );
            let answered = drain(&mut ep, &mut buf)
                .iter()
                .any(|m| m.starts_with(b"Answered"));
            assert_eq!(answered, matches, "{to} / {from} / {call_id}");
        }
    }
}
