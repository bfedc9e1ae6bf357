//! Calls we place (RFC 3261 §13.2): INVITE → 1xx → 2xx → ACK, and hanging up with BYE
//! (§15.1) or CANCEL (§9.1). A proxy may fork our INVITE: each To tag in a provisional
//! response makes an early dialog, the first 2xx confirms one, and a 2xx from any other
//! branch is acknowledged and ended with a BYE (§13.2.2.4).

use std::net::{IpAddr, SocketAddr};

use bytes::Bytes;
use sip_proto::dialog::Dialog;
use sip_proto::header::NameAddr;
use sip_proto::message::{
    CoreHeaders, HeaderName, Message, MessageWriter, Method, Request, RequestBuilder, Response,
};
use sip_proto::sdp::{self, AudioOffer, NegotiatedAudio};
use sip_proto::uri::{Host, Scheme, Uri};
use sip_proto::{TransactionId, TransactionKey};

use crate::media::{MediaSession, MediaSetup};
use crate::time::{Duration, Instant};

use super::call::{Call, CallState, Direction as CallDirection};
use super::ids::Branch;
use super::requests::ALLOW;
use super::transport::{Peer, Transport};
use super::{CallId, EndReason, Endpoint, EndpointError, Event};

/// The most early dialogs one INVITE keeps (§12.1.2); more To tags than that are peer
/// garbage, not a real fork.
const MAX_EARLY_DIALOGS: usize = 16;

impl Endpoint {
    /// Places a call to `target`, a SIP URI with an IP host such as `sip:alice@192.0.2.1:5060`,
    /// offering G.711 audio on `local_rtp`. The INVITE leaves at the next
    /// [`poll_output`](Self::poll_output), over UDP, or over TCP or TLS when the URI says so
    /// (`;transport=tcp`, `sips:`).
    pub fn call(
        &mut self,
        now: Instant,
        target: &str,
        local_rtp: SocketAddr,
    ) -> Result<CallId, EndpointError> {
        self.advance(now);
        let bad_target = || EndpointError::BadTarget(target.to_owned());
        let uri = Uri::parse(target).map_err(|_| bad_target())?;
        if !matches!(uri.scheme(), Scheme::Sip | Scheme::Sips) {
            return Err(bad_target());
        }
        let destination = resolve_uri(&uri).ok_or_else(bad_target)?;
        if self.active_calls >= self.config.max_calls {
            return Err(EndpointError::TooManyCalls(self.config.max_calls));
        }
        let sip_call_id = self.ids.call_id(&self.text.host);
        let local_tag = self.ids.tag();
        let branch = self.ids.branch();
        let offer = AudioOffer {
            session_id: u64::from(self.ids.u32()),
            session_version: 1,
            local: self.local_media(local_rtp),
        };
        let mut from = String::with_capacity(64);
        for part in [
            "<sip:",
            &self.config.user,
            "@",
            &self.text.sip,
            ">;tag=",
            local_tag.as_str(),
        ] {
            from.push_str(part);
        }
        let Endpoint {
            scratch,
            body_scratch,
            config,
            text,
            ..
        } = self;
        body_scratch.clear();
        offer.write(body_scratch);
        scratch.clear();
        let transport = destination.transport;
        let rport: &[u8] = if transport.is_reliable() {
            b""
        } else {
            b";rport"
        };
        let via = [
            b"SIP/2.0/",
            transport.via_token().as_bytes(),
            b" ",
            text.sip.as_bytes(),
            b";branch=",
            branch.as_str().as_bytes(),
            rport,
        ];
        let written = (|| {
            let mut w = MessageWriter::request(scratch, &Method::Invite, target)?;
            w.header_pieces(HeaderName::Via, &via)?
                .header(HeaderName::MaxForwards, "70")?
                .header(HeaderName::From, &from)?
                .header_pieces(HeaderName::To, &[b"<", target.as_bytes(), b">"])?
                .header(HeaderName::CallId, &sip_call_id)?
                .header(HeaderName::CSeq, "1 INVITE")?
                .header(HeaderName::Contact, text.contact(transport))?
                .header(HeaderName::Allow, ALLOW)?
                .header(HeaderName::UserAgent, &config.user_agent)?;
            w.body("application/sdp", body_scratch)
        })();
        written.map_err(|_| bad_target())?;
        let invite = Bytes::copy_from_slice(scratch);
        // Our offer, kept for a session refresh: the tail of the INVITE, shared.
        let local_sdp = invite.slice(invite.len() - body_scratch.len()..);
        // Where the branch was written: after the Request-Line, `Via: ` and the pieces before it.
        let at = "INVITE ".len()
            + target.len()
            + REQUEST_LINE_END_AND_VIA.len()
            + via.iter().take(5).map(|p| p.len()).sum::<usize>();
        let key = TransactionKey::client(branch_key(&invite, &branch, at), "INVITE");
        let txn = self
            .layer
            .start_client(
                now,
                key,
                invite,
                destination,
                destination.transport.reliability(),
            )
            .map_err(|_| EndpointError::TooManyCalls(self.config.max_calls))?;
        let id = self.new_call_id();
        let mut call = Call::new(id, CallDirection::Outgoing, local_tag, destination, 1);
        call.invite_txn = Some(txn);
        call.local_from = from;
        call.sdp_session_id = offer.session_id;
        call.offer = Some(offer);
        call.local_sdp = local_sdp;
        call.local_rtp = Some(local_rtp);
        self.insert_call(call);
        self.attach_txn(id, txn);
        Ok(id)
    }

    /// Hangs up: BYE for an answered call (§15.1), CANCEL for one not answered yet (§9.1),
    /// 603 Decline for an incoming call not yet answered. The call is reported
    /// [`Event::Ended`] at once; its media stops now.
    pub fn hang_up(&mut self, now: Instant, call: CallId) -> Result<(), EndpointError> {
        self.advance(now);
        let c = self
            .calls
            .get(&call)
            .ok_or(EndpointError::UnknownCall(call))?;
        match (c.direction, c.state) {
            (_, CallState::Ended) => {
                return Err(EndpointError::WrongState {
                    call,
                    command: "hang up",
                    state: c.state.name(),
                })
            }
            (CallDirection::Incoming, CallState::Offered) => return self.reject(now, call, 603),
            (CallDirection::Outgoing, CallState::Calling) => {
                if c.provisional {
                    self.send_cancel(now, call);
                } else if let Some(c) = self.calls.get_mut(&call) {
                    c.cancel_pending = true;
                }
            }
            _ => self.send_bye(now, call),
        }
        self.end_call(call, EndReason::LocalHangUp);
        Ok(())
    }

    /// A response arrived on one of a call's client transactions.
    pub(super) fn handle_call_response(
        &mut self,
        now: Instant,
        id: CallId,
        txn: TransactionId,
        status: u16,
        message: &Bytes,
        current: Option<&Response>,
    ) {
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        let first_invite =
            call.invite_txn == Some(txn) && call.direction == CallDirection::Outgoing;
        let reinvite = call.reinvite.as_ref().is_some_and(|r| r.txn == Some(txn));
        if !first_invite && !reinvite {
            return; // the final answer to our BYE or CANCEL: nothing more to do
        }
        // The response just taken in (no second parse), or `message` parsed anew (never
        // expected: the layer reports what it was just given).
        let parsed;
        let response = match current
            .filter(|r| r.bytes().as_ptr() == message.as_ptr() && r.bytes().len() == message.len())
        {
            Some(response) => response,
            None => match Message::parse(message.clone()) {
                Ok(Message::Response(response)) => {
                    parsed = response;
                    &parsed
                }
                _ => return,
            },
        };
        if reinvite {
            self.handle_reinvite_response(now, id, status, response);
            return;
        }
        match status {
            // Any provisional, 100 Trying included, allows the CANCEL (§9.1).
            100..=199 => self.handle_provisional(now, id, status, response),
            200..=299 => self.handle_2xx(now, id, response),
            _ => {
                if let Some(call) = self.calls.get_mut(&id) {
                    call.early.clear();
                }
                self.end_call(id, EndReason::Declined(status));
            }
        }
    }

    fn handle_provisional(&mut self, now: Instant, id: CallId, status: u16, response: &Response) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        call.provisional = true;
        if call.cancel_pending {
            call.cancel_pending = false;
            self.send_cancel(now, id);
            return;
        }
        // §12.1.2: a provisional response with a To tag makes an early dialog; a forking
        // proxy can deliver several, one per branch. Not a 100 (§12.1: only 101-199 and 2xx
        // responses establish dialogs), whose To is not even read.
        let headers = response.headers();
        let to = if status == 100 {
            None
        } else {
            headers.to().ok()
        };
        if let Some(tag) = to.as_ref().and_then(|t| t.tag()) {
            let known = call.early.iter().any(|d| d.id().remote_tag == tag);
            if !known && call.dialog.is_none() && call.early.len() < MAX_EARLY_DIALOGS {
                let (seq, from) = (call.invite_seq, &call.local_from);
                let local_tag = call.local_tag.as_str();
                // The To just read is the dialog's remote side: not parsed again.
                let core = CoreHeaders {
                    call_id: headers.call_id().ok(),
                    to,
                    ..CoreHeaders::default()
                };
                let made = Dialog::new_uac_core(headers, &core, seq, from, local_tag, status);
                if let Ok(dialog) = made {
                    call.early.push(dialog);
                }
            }
        }
        if !call.ringing && call.state == CallState::Calling && matches!(status, 180 | 183) {
            call.ringing = true;
            self.events.push_back(Event::Ringing { call: id });
        }
    }

    /// A 2xx to our INVITE (§13.2.2.4): confirm the dialog, ACK it, start media. A 2xx
    /// retransmission gets the same ACK again; a 2xx from another branch, or after we hung
    /// up, is ACKed and then ended with a BYE.
    fn handle_2xx(&mut self, now: Instant, id: CallId, response: &Response) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let headers = response.headers();
        // The dialog a 2xx belongs to is the one whose remote tag its To carries. A To that
        // reads exactly as the dialog's remote side carries that dialog's tag, so it is only
        // parsed when it reads otherwise.
        let raw_to = headers.get_raw(HeaderName::To);
        let same_text = |d: &Dialog| raw_to.is_some_and(|raw| raw == d.remote().as_bytes());
        if let (Some((peer, ack)), Some(dialog)) = (&call.ack, &call.dialog) {
            let same = same_text(dialog) || to_tag(&headers.to().ok()) == dialog.id().remote_tag;
            if same {
                super::push_sip(&mut self.layer, &mut self.sip_out, *peer, ack.clone());
                return;
            }
            // A 2xx from another fork: acknowledge it and end that dialog (§13.2.2.4).
            self.ack_and_bye_fork(now, id, response);
            return;
        }
        // The early dialog of this branch, confirmed, or a dialog made by the 2xx itself.
        // (Early dialogs have distinct remote tags, so at most one matches either way.)
        let mut to = None;
        let at = match call.early.iter().position(same_text) {
            Some(i) => Some(i),
            None => {
                let parsed = headers.to().ok();
                let tag = to_tag(&parsed);
                to = parsed;
                call.early.iter().position(|d| d.id().remote_tag == tag)
            }
        };
        let early = at.map(|i| call.early.swap_remove(i));
        call.early.clear();
        let dialog = match early {
            Some(mut dialog) => dialog.confirm(headers).ok().map(|()| dialog),
            None => {
                let (seq, from, tag) = (call.invite_seq, &call.local_from, call.local_tag.as_str());
                let core = CoreHeaders {
                    call_id: headers.call_id().ok(),
                    to,
                    ..CoreHeaders::default()
                };
                Dialog::new_uac_core(headers, &core, seq, from, tag, 200).ok()
            }
        };
        let Some(dialog) = dialog else {
            // A 2xx we cannot build a dialog from (no Contact, no To tag): nothing to ACK.
            self.end_call(id, EndReason::NegotiationFailed);
            return;
        };
        let negotiated = call.offer.as_ref().and_then(|offer| {
            let answer = sdp::parse(response.body()).ok()?;
            offer.negotiated_from_answer(&answer).ok()
        });
        let was_ended = call.state == CallState::Ended;
        let invite_seq = call.invite_seq;
        let Some((peer, ack)) = self.write_ack(&dialog, invite_seq) else {
            return;
        };
        super::push_sip(&mut self.layer, &mut self.sip_out, peer, ack.clone());
        let setup = negotiated.as_ref().map(|n| self.media_setup(n));
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        call.dialog = Some(dialog);
        call.ack = Some((peer, ack));
        if was_ended {
            // We hung up while the 2xx was on its way (a CANCEL crossed it, §9.1): it must
            // still be ACKed, then the call ended with a BYE (§15).
            self.send_bye(now, id);
            return;
        }
        let Some(setup) = setup else {
            // §13.2.1 / RFC 3264: an answer we cannot use ends the call, ACK then BYE.
            self.send_bye(now, id);
            self.end_call(id, EndReason::NegotiationFailed);
            return;
        };
        let remote_rtp = setup.remote_rtp;
        call.negotiated = negotiated;
        call.media = Some(Box::new(MediaSession::start(now, setup)));
        call.state = CallState::Confirmed;
        self.events.push_back(Event::Answered {
            call: id,
            remote_rtp,
        });
        self.touch(id);
    }

    fn ack_and_bye_fork(&mut self, now: Instant, id: CallId, response: &Response) {
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        let (seq, from, tag) = (call.invite_seq, &call.local_from, call.local_tag.as_str());
        let Ok(mut fork) = Dialog::new_uac(response.headers(), seq, from, tag, 200) else {
            return;
        };
        if let Some(ack) = self.write_ack(&fork, seq) {
            super::push_sip(&mut self.layer, &mut self.sip_out, ack.0, ack.1);
        }
        self.send_bye_on(now, id, &mut fork);
    }

    /// The ACK for a 2xx: a new transaction's branch, the INVITE's CSeq number (§13.2.2.4).
    pub(super) fn write_ack(&mut self, dialog: &Dialog, invite_seq: u32) -> Option<(Peer, Bytes)> {
        let request = dialog.ack(invite_seq);
        let peer = resolve_peer(request.next_hop())?;
        let branch = self.ids.branch();
        write_via(&mut self.via_buf, &self.text.sip, &branch, peer.transport);
        self.scratch.clear();
        request
            .write(&self.via_buf, None, &[], None, &mut self.scratch)
            .ok()?;
        Some((peer, Bytes::copy_from_slice(&self.scratch)))
    }

    /// Sends a BYE inside the call's dialog (§15.1.1).
    pub(super) fn send_bye(&mut self, now: Instant, id: CallId) {
        let Some(mut dialog) = self.calls.get_mut(&id).and_then(|c| c.dialog.take()) else {
            return;
        };
        self.send_bye_on(now, id, &mut dialog);
        if let Some(call) = self.calls.get_mut(&id) {
            call.dialog = Some(dialog);
        }
    }

    fn send_bye_on(&mut self, now: Instant, id: CallId, dialog: &mut Dialog) {
        let request = dialog.next_request(Method::Bye);
        let Some(peer) = resolve_peer(request.next_hop()) else {
            return;
        };
        let branch = self.ids.branch();
        write_via(&mut self.via_buf, &self.text.sip, &branch, peer.transport);
        let extra = [(HeaderName::UserAgent, self.config.user_agent.as_str())];
        self.scratch.clear();
        if request
            .write(&self.via_buf, None, &extra, None, &mut self.scratch)
            .is_err()
        {
            return;
        }
        let bye = Bytes::copy_from_slice(&self.scratch);
        // Where the branch was written: after the Request-Line, `Via: ` and the Via's start.
        let via_start = "BYE ".len() + request.request_uri().len() + REQUEST_LINE_END_AND_VIA.len();
        let rport = if peer.transport.is_reliable() {
            0
        } else {
            ";rport".len()
        };
        let in_via = (self.via_buf.len()).saturating_sub(branch.as_str().len() + rport);
        let key = TransactionKey::client(branch_key(&bye, &branch, via_start + in_via), "BYE");
        let reliability = peer.transport.reliability();
        let started = self.layer.start_client(now, key, bye, peer, reliability);
        if let Ok(txn) = started {
            self.attach_txn(id, txn);
        }
    }

    /// Sends a CANCEL for our INVITE (§9.1): same Request-URI, Call-ID, From, To, CSeq number
    /// and top Via (so the same branch) as the INVITE, and its Route headers.
    fn send_cancel(&mut self, now: Instant, id: CallId) {
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        let destination = call.peer;
        // The INVITE is still with its transaction, which is what a CANCEL needs alive.
        let invite = call
            .invite_txn
            .and_then(|txn| self.layer.request(txn))
            .cloned();
        let Some(Ok(Message::Request(invite))) = invite.map(Message::parse) else {
            return;
        };
        let Some(cancel) = write_cancel(&invite) else {
            return;
        };
        let Ok(via) = invite.headers().top_via() else {
            return;
        };
        let Some(branch) = via.branch() else { return };
        let key = TransactionKey::client(Bytes::copy_from_slice(branch.as_bytes()), "CANCEL");
        let reliability = destination.transport.reliability();
        let started = self
            .layer
            .start_client(now, key, cancel, destination, reliability);
        if let Ok(txn) = started {
            self.attach_txn(id, txn);
        }
        // §9.1: if the INVITE still has no final response 64·T1 from now, give it up.
        let give_up = now + self.timers.t1 * 64;
        if let Some(call) = self.calls.get_mut(&id) {
            call.give_up_at = Some(give_up);
        }
        self.touch(id);
    }

    /// A client transaction of a call timed out (Timer B or F, §17.1.1.2, §17.1.2.2).
    pub(super) fn handle_txn_timeout(&mut self, now: Instant, id: CallId, txn: TransactionId) {
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        if call.invite_txn == Some(txn) && call.direction == CallDirection::Outgoing {
            self.end_call(id, EndReason::Timeout);
        } else if call.reinvite.as_ref().is_some_and(|r| r.txn == Some(txn)) {
            // §14.1: a re-INVITE that times out is a 408, which ends the dialog.
            self.reinvite_failed(now, id, 408);
        }
    }

    /// What a media session needs, from the negotiated SDP and our config.
    pub(super) fn media_setup(&mut self, negotiated: &NegotiatedAudio) -> MediaSetup {
        let ptime = match negotiated.ptime {
            0 => self.config.ptime,
            ms => Duration::from_millis(u64::from(ms)),
        };
        MediaSetup {
            remote_rtp: negotiated.remote_rtp,
            remote_rtcp: negotiated.remote_rtcp,
            payload_type: negotiated.payload_type,
            ptime,
            send: negotiated.may_send(),
            tone_hz: self.config.tone_hz,
            ssrc: self.ids.u32(),
            initial_seq: self.ids.u32() as u16,
            initial_timestamp: self.ids.u32(),
            rtcp_interval: self.config.rtcp_interval,
            anchor: self.anchor,
        }
    }
}

/// Writes into `out` (cleared first) our top Via for a new request sent from `local` on
/// `transport`: the transport, our address, the branch, and on UDP `rport` so answers come
/// back to the port we sent from (RFC 3581).
pub(crate) fn write_via(out: &mut String, local: &str, branch: &Branch, transport: Transport) {
    let rport = if transport.is_reliable() {
        ""
    } else {
        ";rport"
    };
    out.clear();
    for part in [
        "SIP/2.0/",
        transport.via_token(),
        " ",
        local,
        ";branch=",
        branch.as_str(),
        rport,
    ] {
        out.push_str(part);
    }
}

/// What follows the Request-URI of a request we write, up to its first header's value.
const REQUEST_LINE_END_AND_VIA: &str = " SIP/2.0\r\nVia: ";

/// The branch of a request we wrote, as key bytes: a slice of the request, which carries it
/// in its Via (no copy; the request's bytes are shared with its transaction anyway), at
/// `expected` or else wherever it is found, or a copy should it not be.
fn branch_key(request: &Bytes, branch: &Branch, expected: usize) -> Bytes {
    let b = branch.as_str().as_bytes();
    let found = if request.get(expected..expected + b.len()) == Some(b) {
        Some(expected)
    } else {
        request
            .windows(b.len())
            .position(|w| w.first() == b.first() && w == b)
    };
    match found {
        Some(at) => request.slice(at..at + b.len()),
        None => Bytes::copy_from_slice(b),
    }
}

/// The tag of a To that parsed, or none.
fn to_tag<'a>(to: &Option<NameAddr<'a>>) -> &'a str {
    to.as_ref().and_then(|t| t.tag()).unwrap_or_default()
}

/// Where a request to `uri` goes: its address (an IP host, default port by transport) and
/// transport.
pub(crate) fn resolve_peer(uri: &str) -> Option<Peer> {
    resolve_uri(&Uri::parse(uri).ok()?)
}

/// [`resolve_peer`] for a URI already parsed.
fn resolve_uri(parsed: &Uri<'_>) -> Option<Peer> {
    let transport = Transport::for_uri(parsed);
    let ip: IpAddr = match parsed.host()? {
        Host::Ipv4(v4) => IpAddr::V4(v4),
        Host::Ipv6(_) => IpAddr::V6(parsed.host()?.ipv6()?),
        _ => return None,
    };
    let port = parsed.port().unwrap_or(transport.default_port());
    Some(Peer::new(SocketAddr::new(ip, port), transport))
}

/// The CANCEL for `invite` (§9.1).
fn write_cancel(invite: &Request) -> Option<Bytes> {
    let headers = invite.headers();
    let seq = headers.cseq().ok()?.seq;
    let cseq = format!("{seq} CANCEL");
    let via = headers.get(HeaderName::Via)?;
    let mut builder = RequestBuilder::new(Method::Cancel, invite.uri())
        .header(HeaderName::Via, via)
        .header(HeaderName::MaxForwards, "70");
    for route in headers.get_all(HeaderName::Route) {
        builder = builder.header(HeaderName::Route, route);
    }
    builder = builder
        .header(HeaderName::From, headers.get(HeaderName::From)?)
        .header(HeaderName::To, headers.get(HeaderName::To)?)
        .header(HeaderName::CallId, headers.get(HeaderName::CallId)?)
        .header(HeaderName::CSeq, &cseq);
    let mut out = Vec::new();
    builder.write(&mut out).ok()?;
    Some(Bytes::from(out))
}

/// The ACK for a 300-699 response to an INVITE (§17.1.1.3): the INVITE's Request-URI,
/// Call-ID, From, CSeq number, top Via and Route; the response's To (with its tag).
pub(crate) fn build_non2xx_ack(invite: &Bytes, response: &Bytes) -> Bytes {
    let (Ok(Message::Request(invite)), Ok(Message::Response(response))) = (
        Message::parse(invite.clone()),
        Message::parse(response.clone()),
    ) else {
        return Bytes::new();
    };
    write_non2xx_ack(&invite, &response).unwrap_or_default()
}

fn write_non2xx_ack(invite: &Request, response: &Response) -> Option<Bytes> {
    let headers = invite.headers();
    let cseq = format!("{} ACK", headers.cseq().ok()?.seq);
    let mut builder = RequestBuilder::new(Method::Ack, invite.uri())
        .header(HeaderName::Via, headers.get(HeaderName::Via)?)
        .header(HeaderName::MaxForwards, "70");
    for route in headers.get_all(HeaderName::Route) {
        builder = builder.header(HeaderName::Route, route);
    }
    builder = builder
        .header(HeaderName::From, headers.get(HeaderName::From)?)
        .header(HeaderName::To, response.headers().get(HeaderName::To)?)
        .header(HeaderName::CallId, headers.get(HeaderName::CallId)?)
        .header(HeaderName::CSeq, &cseq);
    let mut out = Vec::new();
    builder.write(&mut out).ok()?;
    Some(Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use super::super::{EndpointConfig, Input, Output, Socket, WallClock};
    use super::*;

    /// An endpoint at 192.0.2.1 that has just sent an INVITE to `sip:b@192.0.2.2:5060`:
    /// the endpoint, the instant (the test's epoch), the call, and the INVITE's Via, From, To
    /// and Call-ID values, for building the responses a test delivers.
    fn invite_sent() -> (Endpoint, Instant, CallId, [String; 4]) {
        #[allow(clippy::disallowed_methods)] // test-only: the one clock read, taken as an epoch
        let now = Instant::now();
        let wall = WallClock {
            instant: now,
            unix: Duration::from_secs(1_800_000_000),
        };
        let local: SocketAddr = "192.0.2.1:5060".parse().unwrap();
        let mut ep = Endpoint::new(EndpointConfig::new(local, 7, wall));
        let rtp = "192.0.2.1:40000".parse().unwrap();
        let call = ep.call(now, "sip:b@192.0.2.2:5060", rtp).unwrap();
        let mut buf = Vec::new();
        let invite = loop {
            match ep.poll_output(&mut buf) {
                Output::Transmit(t) if t.socket == Socket::Sip => break buf.clone(),
                Output::Timeout(_) => panic!("no INVITE"),
                _ => {}
            }
        };
        let Ok(Message::Request(invite)) = Message::parse(Bytes::from(invite)) else {
            panic!("INVITE does not parse");
        };
        let h = invite.headers();
        let sent = [
            HeaderName::Via,
            HeaderName::From,
            HeaderName::To,
            HeaderName::CallId,
        ]
        .map(|n| h.get(n).unwrap().to_owned());
        (ep, now, call, sent)
    }

    /// The callee's response to [`invite_sent`]'s INVITE, with To tag `tag`.
    fn callee_response(
        status: &str,
        via: &str,
        from: &str,
        to: &str,
        tag: &str,
        call_id: &str,
    ) -> Bytes {
        Bytes::from(format!(
            "SIP/2.0 {status}\r\nVia: {via}\r\nFrom: {from}\r\nTo: {to};tag={tag}\r\n\
             Call-ID: {call_id}\r\nCSeq: 1 INVITE\r\nContact: <sip:b@192.0.2.2>\r\n\
             Content-Length: 0\r\n\r\n"
        ))
    }

    /// Delivers `bytes` as a datagram from the callee at 192.0.2.2 and drains the outputs.
    fn deliver_from_callee(ep: &mut Endpoint, now: Instant, bytes: Bytes) {
        ep.handle_input(Input::Receive {
            now,
            socket: Socket::Sip,
            source: "192.0.2.2:5060".parse().unwrap(),
            bytes,
        });
        while !matches!(ep.poll_output(&mut Vec::new()), Output::Timeout(_)) {}
    }

    /// §12.1: a 101-199 response with a To tag makes an early dialog; a 100 Trying does not,
    /// even with a tag.
    #[test]
    fn a_100_makes_no_early_dialog_a_180_does() {
        let (mut ep, now, call, [via, from, to, call_id]) = invite_sent();
        let response = |status: &str| callee_response(status, &via, &from, &to, "far1", &call_id);
        let deliver = |ep: &mut Endpoint, bytes| deliver_from_callee(ep, now, bytes);
        deliver(&mut ep, response("100 Trying"));
        assert_eq!(ep.dialogs(call).count(), 0);
        deliver(&mut ep, response("180 Ringing"));
        let tags: Vec<&str> = ep
            .dialogs(call)
            .map(|d| d.id().remote_tag.as_str())
            .collect();
        assert_eq!(tags, ["far1"]);
    }

    /// A response's top Via line that reads as the last one that parsed is not parsed again;
    /// any other line is, and a malformed one is still dropped.
    #[test]
    fn a_remembered_via_line_is_trusted_only_when_it_reads_the_same() {
        let (mut ep, now, call, [via, from, to, call_id]) = invite_sent();
        let stamped = format!("{via};received=192.0.2.1");
        let response =
            |via: &str, tag: &str| callee_response("180 Ringing", via, &from, &to, tag, &call_id);
        let deliver = |ep: &mut Endpoint, bytes| deliver_from_callee(ep, now, bytes);
        deliver(&mut ep, response(&stamped, "t1"));
        // The same line again (remembered), then a broken one, then one with no branch.
        deliver(&mut ep, response(&stamped, "t2"));
        let broken = stamped.replace("SIP/2.0/UDP", "SIP/2.0/UDP ;;");
        deliver(&mut ep, response(&broken, "t3"));
        let no_branch = "SIP/2.0/UDP 192.0.2.1:5060;rport=5060";
        deliver(&mut ep, response(no_branch, "t4"));
        let tags: Vec<&str> = ep
            .dialogs(call)
            .map(|d| d.id().remote_tag.as_str())
            .collect();
        assert_eq!(tags, ["t1", "t2"]);
        assert_eq!(ep.stats().sip_dropped, 1);
        assert_eq!(ep.stats().stray_responses, 1);
    }

    #[test]
    fn the_branch_key_is_the_branch_wherever_it_was_written() {
        let mut ids = super::super::ids::Ids::new(1);
        let branch = ids.branch();
        let text = format!(
            "BYE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch={}\r\n",
            branch.as_str()
        );
        let request = Bytes::from(text);
        let at = "BYE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=".len();
        for expected in [at, 0, 3, request.len()] {
            let key = branch_key(&request, &branch, expected);
            assert_eq!(key, branch.as_str().as_bytes());
        }
        // Not in the request at all: a copy.
        assert_eq!(
            branch_key(&Bytes::from_static(b"x"), &branch, 0),
            branch.as_str().as_bytes()
        );
    }
}
