//! Calls that arrive (RFC 3261 §13.3): INVITE → 100 → [180] → 200 with the SDP answer → ACK.

use std::net::SocketAddr;

use sip_proto::dialog::{Dialog, DialogState};
use sip_proto::message::{HeaderName, Request};
use sip_proto::sdp::{self, Codec, Direction, LocalMedia, NegotiatedAudio};
use sip_proto::{TransactionId, Uas2xxRetransmitter};

use crate::media::MediaSession;
use crate::time::Instant;

use super::call::{Call, CallState, Direction as CallDirection, Pending2xx};
use super::requests::{Incoming, Reply, ALLOW};
use super::transport::Peer;
use super::{CallId, EndReason, Endpoint, EndpointError, Event, Transport};

/// The codecs we can send and receive, in order of preference.
pub(crate) const CODECS: &[Codec] = &[Codec::PCMU, Codec::PCMA];

impl Endpoint {
    /// A new INVITE (no To tag) created a server transaction.
    pub(super) fn handle_invite(
        &mut self,
        now: Instant,
        txn: TransactionId,
        incoming: &mut Incoming<'_>,
        peer: Peer,
    ) {
        let request = incoming.request;
        let via = incoming.via.as_deref();
        let core = &incoming.core;
        let (Some(_), Some(cseq)) = (core.call_id, core.cseq.as_ref()) else {
            self.respond(now, txn, request, via, Reply::status(400));
            return;
        };
        let seq = cseq.seq;
        if self.active_calls >= self.config.max_calls {
            self.stats.calls_refused += 1;
            let extra = [(HeaderName::RetryAfter, "5")];
            let reply = Reply::status(503).headers(&extra);
            self.respond(now, txn, request, via, reply);
            return;
        }
        // The offer must be one we can answer (RFC 3264 §6); find out now rather than after
        // the phone has rung. An INVITE without an offer (offer in the 2xx, §13.2.1) is not
        // supported yet and is refused the same way.
        let probe = self.local_media(SocketAddr::from(([0, 0, 0, 0], 9)));
        let offer = match check_offer(request, &probe) {
            Ok(offer) => offer,
            Err((status, why)) => {
                let warning = format!("399 {} \"{why}\"", self.config.local_sip.ip());
                let extra = [(HeaderName::Warning, warning.as_str())];
                let reply = Reply::status(status).headers(&extra);
                self.respond(now, txn, request, via, reply);
                return;
            }
        };
        // §17.2.1: 100 Trying at once stops the caller's INVITE retransmissions. It carries
        // no To tag (§8.2.6.1).
        self.respond(now, txn, request, via, Reply::status(100));
        let id = self.new_call_id();
        let uri = |a: Option<&sip_proto::NameAddr<'_>>| a.map(|a| a.uri_str().to_owned());
        let from = uri(core.from.as_ref()).unwrap_or_default();
        let to = uri(core.to.as_ref()).unwrap_or_default();
        let local_tag = self.ids.tag();
        // The dialog our 2xx will make (§12.1.1), while the INVITE's headers are at hand.
        let dialog = Dialog::new_uas_core(
            request.headers(),
            core,
            local_tag.as_str(),
            DialogState::Confirmed,
        );
        let mut call = Call::new(id, CallDirection::Incoming, local_tag, peer, seq);
        call.invite = Some(request.clone());
        call.invite_to_tagged = core.to.as_ref().map(|t| t.tag().is_some());
        call.invite_txn = Some(txn);
        call.invite_via = incoming.via.take();
        call.uas_dialog = dialog.ok();
        call.offer_negotiated = offer;
        self.insert_call(call);
        self.attach_txn(id, txn);
        self.events
            .push_back(Event::IncomingCall { call: id, from, to });
    }

    /// Sends 180 Ringing for an incoming call.
    pub fn ring(&mut self, now: Instant, call: CallId) -> Result<(), EndpointError> {
        self.advance(now);
        self.offered(call, "ring")?;
        let transport = self.call_transport(call);
        let reply = Reply::status(180).call_tag().contact(transport);
        self.respond_to_invite(now, call, reply);
        if let Some(c) = self.calls.get_mut(&call) {
            c.provisional = true;
        }
        Ok(())
    }

    /// Answers an incoming call with 200 OK and an SDP answer offering `local_rtp`, and starts
    /// its media. The call is reported [`Event::Answered`] when the ACK arrives.
    pub fn answer(
        &mut self,
        now: Instant,
        call: CallId,
        local_rtp: SocketAddr,
    ) -> Result<(), EndpointError> {
        self.advance(now);
        self.offered(call, "answer")?;
        let local = self.local_media(local_rtp);
        let session_id = u64::from(self.ids.u32());
        // The answer is written into the endpoint's body buffer (lent out while the response
        // is written), and kept as a slice of the 200 OK.
        let mut body = std::mem::take(&mut self.body_scratch);
        body.clear();
        let c = self.call_mut(call)?;
        let negotiated = match c.offer_negotiated.take() {
            // The usual single-stream offer: negotiated when it arrived, no second parse.
            Some(negotiated) => {
                sdp::write_single_stream_answer(&negotiated, &local, session_id, 1, &mut body);
                Some(negotiated)
            }
            None => {
                let offer_body = c.invite.as_ref().map_or(&[][..], |i| i.body());
                sdp::parse(offer_body)
                    .ok()
                    .and_then(|offer| sdp::answer(&offer, &local, session_id, 1).ok())
                    .map(|answer| {
                        answer.write(&mut body);
                        answer.negotiated
                    })
            }
        };
        let Some(negotiated) = negotiated else {
            self.body_scratch = body;
            // The offer was checked on arrival; failing now means our own config changed.
            self.respond_to_invite(now, call, Reply::status(488).call_tag());
            self.end_call(call, EndReason::NegotiationFailed);
            return Ok(());
        };
        let transport = self.call_transport(call);
        let extra = [(HeaderName::Allow, ALLOW)];
        let reply = Reply::status(200)
            .call_tag()
            .contact(transport)
            .headers(&extra)
            .body("application/sdp", &body)
            .kept();
        let sent = self.respond_to_invite(now, call, reply);
        let body_len = body.len();
        self.body_scratch = body;
        let Some(ok) = sent else {
            return Ok(());
        };
        let setup = self.media_setup(&negotiated);
        let timers = self.timers;
        let c = self.call_mut(call)?;
        c.dialog = c.uas_dialog.take();
        c.local_rtp = Some(local_rtp);
        c.local_sdp = ok.slice(ok.len().saturating_sub(body_len)..);
        c.sdp_session_id = session_id;
        c.negotiated = Some(negotiated);
        c.uas_2xx = Some(Pending2xx {
            seq: c.invite_seq,
            retransmitter: Uas2xxRetransmitter::new(now, ok, timers),
            peer: c.peer,
        });
        c.media = Some(Box::new(MediaSession::start(now, setup)));
        c.state = CallState::AwaitingAck;
        self.touch(call);
        Ok(())
    }

    /// Rejects an incoming call with a final status (300-699).
    pub fn reject(&mut self, now: Instant, call: CallId, status: u16) -> Result<(), EndpointError> {
        self.advance(now);
        if !(300..=699).contains(&status) {
            return Err(EndpointError::BadStatus(status));
        }
        self.offered(call, "reject")?;
        self.respond_to_invite(now, call, Reply::status(status).call_tag());
        self.end_call(call, EndReason::Rejected(status));
        Ok(())
    }

    /// Checks that a call is still waiting for an answer, or gives the error for `command`.
    fn offered(&self, id: CallId, command: &'static str) -> Result<(), EndpointError> {
        let call = self.calls.get(&id).ok_or(EndpointError::UnknownCall(id))?;
        if call.direction != CallDirection::Incoming
            || call.state != CallState::Offered
            || call.invite_txn.is_none()
        {
            return Err(EndpointError::WrongState {
                call: id,
                command,
                state: call.state.name(),
            });
        }
        Ok(())
    }

    /// The transport a call's INVITE came or went on.
    pub(super) fn call_transport(&self, id: CallId) -> Transport {
        self.calls
            .get(&id)
            .map_or(Transport::Udp, |c| c.peer.transport)
    }

    /// Our Contact (§8.1.1.8): where the far end sends requests inside the dialog, on the
    /// transport the dialog was set up on.
    pub(super) fn contact(&self, transport: Transport) -> String {
        self.text.contact(transport).to_owned()
    }

    /// Our media description for an offer or answer on `local_rtp`.
    pub(super) fn local_media(&self, local_rtp: SocketAddr) -> LocalMedia<'static> {
        LocalMedia {
            addr: local_rtp.ip(),
            rtp_port: local_rtp.port(),
            codecs: CODECS,
            ptime: self.config.ptime.as_millis().try_into().unwrap_or(20),
            direction: Direction::SendRecv,
            telephone_event: None,
            rtcp_mux: false,
        }
    }
}

/// Can we answer this INVITE's offer with `local` (whose address and port do not matter)?
/// `Err((status, reason))` if not. For the usual single-stream offer, what negotiating it
/// settled, so the answer can be written without parsing the offer again.
fn check_offer(
    request: &Request,
    local: &LocalMedia<'_>,
) -> Result<Option<NegotiatedAudio>, (u16, String)> {
    let body = request.body();
    if body.is_empty() {
        return Err((
            488,
            "an INVITE without an SDP offer is not supported".to_owned(),
        ));
    }
    let content_type = request.headers().content_type().unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("application/sdp") {
        // §21.4.13: 415 names what we accept.
        return Err((415, format!("cannot read a body of type {media_type:?}")));
    }
    let offer = sdp::parse(body).map_err(|e| (400, e.to_string()))?;
    let negotiated = sdp::negotiate(&offer, local).map_err(|e| (e.status_code(), e.to_string()))?;
    Ok(sdp::is_single_stream(&offer).then_some(negotiated))
}
