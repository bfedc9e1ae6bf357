//! Calls that arrive (RFC 3261 §13.3): INVITE → 100 → [180] → 200 with the SDP answer → ACK.

use std::net::SocketAddr;

use sip_proto::dialog::{Dialog, DialogState};
use sip_proto::message::{HeaderName, Message, Request};
use sip_proto::sdp::{self, Codec, Direction, LocalMedia};
use sip_proto::{TransactionId, Uas2xxRetransmitter};

use crate::media::MediaSession;
use crate::time::Instant;

use super::call::{Call, CallState, Direction as CallDirection};
use super::requests::{Reply, ALLOW};
use super::{CallId, EndReason, Endpoint, EndpointError, Event};

/// The codecs we can send and receive, in order of preference.
pub(crate) const CODECS: &[Codec] = &[Codec::PCMU, Codec::PCMA];

impl Endpoint {
    /// A new INVITE (no To tag) created a server transaction.
    pub(super) fn handle_invite(
        &mut self,
        now: Instant,
        txn: TransactionId,
        request: &Request,
        peer: SocketAddr,
    ) {
        let headers = request.headers();
        let (Ok(call_id), Ok(cseq)) = (headers.call_id(), headers.cseq()) else {
            self.respond(now, txn, request, Reply::status(400));
            return;
        };
        if self.by_sip_call_id.contains_key(call_id) {
            // §8.2.2.2: the same request again on another branch (a fork that merged back,
            // or a loop): answer 482.
            self.respond(now, txn, request, Reply::status(482));
            return;
        }
        let active = self
            .calls
            .values()
            .filter(|c| c.state != CallState::Ended)
            .count();
        if active >= self.config.max_calls {
            self.stats.calls_refused += 1;
            let extra = [(HeaderName::RetryAfter, "5")];
            self.respond(now, txn, request, Reply::status(503).headers(&extra));
            return;
        }
        // The offer must be one we can answer (RFC 3264 §6); find out now rather than after
        // the phone has rung. An INVITE without an offer (offer in the 2xx, §13.2.1) is not
        // supported yet and is refused the same way.
        if let Err((status, why)) = check_offer(request) {
            let warning = format!("399 {} \"{why}\"", self.config.local_sip.ip());
            let extra = [(HeaderName::Warning, warning.as_str())];
            self.respond(now, txn, request, Reply::status(status).headers(&extra));
            return;
        }
        let id = self.new_call_id();
        let call = Call {
            id,
            direction: CallDirection::Incoming,
            state: CallState::Offered,
            sip_call_id: call_id.to_owned(),
            local_tag: self.ids.tag(),
            peer,
            invite_txn: Some(txn),
            invite: request.bytes().clone(),
            invite_seq: cseq.seq,
            provisional: false,
            ringing: false,
            dialog: None,
            uas_2xx: None,
            ack: None,
            offer: None,
            local_rtp: None,
            media: None,
            txns: Default::default(),
            end_reported: false,
            cancel_pending: false,
            cancel_give_up: None,
        };
        let from = headers
            .from()
            .map(|f| f.uri_str().to_owned())
            .unwrap_or_default();
        let to = headers
            .to()
            .map(|t| t.uri_str().to_owned())
            .unwrap_or_default();
        self.by_sip_call_id.insert(call.sip_call_id.clone(), id);
        self.calls.insert(id, call);
        self.attach_txn(id, txn);
        // §17.2.1: 100 Trying at once stops the caller's INVITE retransmissions. It carries
        // no To tag (§8.2.6.1).
        self.respond(now, txn, request, Reply::status(100));
        self.events
            .push_back(Event::IncomingCall { call: id, from, to });
    }

    /// Sends 180 Ringing for an incoming call.
    pub fn ring(&mut self, now: Instant, call: CallId) -> Result<(), EndpointError> {
        let (txn, invite, tag) = self.offered(call, "ring")?;
        let contact = self.contact();
        self.respond(
            now,
            txn,
            &invite,
            Reply::status(180)
                .tag(&tag)
                .headers(&[(HeaderName::Contact, &contact)]),
        );
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
        let (txn, invite, tag) = self.offered(call, "answer")?;
        let local = LocalMedia {
            addr: local_rtp.ip(),
            rtp_port: local_rtp.port(),
            codecs: CODECS,
            ptime: self.config.ptime.as_millis().try_into().unwrap_or(20),
            direction: Direction::SendRecv,
            telephone_event: None,
            rtcp_mux: false,
        };
        let session_id = u64::from(self.ids.u32());
        let negotiated = sdp::parse(invite.body())
            .ok()
            .and_then(|offer| sdp::answer(&offer, &local, session_id, 1).ok())
            .map(|answer| {
                let mut body = Vec::new();
                answer.write(&mut body);
                (answer.negotiated, body)
            });
        let Some((negotiated, body)) = negotiated else {
            // The offer was checked on arrival; failing now means our own config changed.
            self.respond(now, txn, &invite, Reply::status(488).tag(&tag));
            self.end_call(call, EndReason::NegotiationFailed);
            return Ok(());
        };
        let contact = self.contact();
        let extra = [
            (HeaderName::Contact, contact.as_str()),
            (HeaderName::Allow, ALLOW),
        ];
        let Some(ok) = self.respond(
            now,
            txn,
            &invite,
            Reply::status(200)
                .tag(&tag)
                .headers(&extra)
                .body("application/sdp", &body),
        ) else {
            return Ok(());
        };
        let dialog = Dialog::new_uas(invite.headers(), &tag, DialogState::Confirmed).ok();
        let setup = self.media_setup(&negotiated);
        let timers = self.timers;
        let c = self.call_mut(call)?;
        c.dialog = dialog;
        c.local_rtp = Some(local_rtp);
        c.uas_2xx = Some(Uas2xxRetransmitter::new(now, ok, timers));
        c.media = Some(MediaSession::start(now, setup));
        c.state = CallState::AwaitingAck;
        Ok(())
    }

    /// Rejects an incoming call with a final status (300-699).
    pub fn reject(&mut self, now: Instant, call: CallId, status: u16) -> Result<(), EndpointError> {
        if !(300..=699).contains(&status) {
            return Err(EndpointError::BadStatus(status));
        }
        let (txn, invite, tag) = self.offered(call, "reject")?;
        self.respond(now, txn, &invite, Reply::status(status).tag(&tag));
        self.end_call(call, EndReason::Rejected(status));
        Ok(())
    }

    /// The INVITE transaction, the INVITE and our tag of a call still waiting for an answer.
    fn offered(
        &self,
        id: CallId,
        command: &'static str,
    ) -> Result<(TransactionId, Request, String), EndpointError> {
        let call = self.calls.get(&id).ok_or(EndpointError::UnknownCall(id))?;
        let wrong_state = EndpointError::WrongState {
            call: id,
            command,
            state: call.state.name(),
        };
        if call.direction != CallDirection::Incoming || call.state != CallState::Offered {
            return Err(wrong_state);
        }
        let txn = call.invite_txn.ok_or(wrong_state.clone())?;
        // The INVITE parsed when it arrived, so it parses again.
        let Ok(Message::Request(invite)) = Message::parse(call.invite.clone()) else {
            return Err(wrong_state);
        };
        Ok((txn, invite, call.local_tag.clone()))
    }

    /// Our Contact (§8.1.1.8): where the far end sends requests inside the dialog.
    pub(super) fn contact(&self) -> String {
        format!("<sip:{}@{}>", self.config.user, self.config.local_sip)
    }
}

/// Can we answer this INVITE's offer? `Err((status, reason))` if not.
fn check_offer(request: &Request) -> Result<(), (u16, String)> {
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
    let probe = LocalMedia {
        addr: std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
        rtp_port: 9,
        codecs: CODECS,
        ptime: 20,
        direction: Direction::SendRecv,
        telephone_event: None,
        rtcp_mux: false,
    };
    sdp::answer(&offer, &probe, 0, 0)
        .map(|_| ())
        .map_err(|e| (e.status_code(), e.to_string()))
}
