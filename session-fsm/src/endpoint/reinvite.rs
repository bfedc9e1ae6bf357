//! Re-INVITEs (RFC 3261 §14): refreshing an established session, both ways, with the glare
//! rules.
//!
//! * [`Endpoint::reinvite`] offers the current session description again, unchanged (RFC
//!   3264 §8 keeps its version), as a session refresh. A 2xx is ACKed and its Contact moves
//!   the remote target (§12.2.1.2); a 491 means both ends sent a re-INVITE at once, and the
//!   attempt is repeated after the §14.1 back-off: 2.1 to 4 s for the end that generated the
//!   Call-ID, 0 to 2 s for the other, in 10 ms steps, drawn from the endpoint's seed. A 408
//!   (or no answer) or a 481 ends the dialog with a BYE (§12.2.1.2).
//! * A re-INVITE from the far end is answered 491 while ours is in progress (§14.2), and 200
//!   with our session description when it changes nothing we would have to apply to the
//!   media; a change (new address, codec, hold) is refused with 488 and the session stays as
//!   it was (§14.2). Its Contact moves the remote target (§12.2.2).

use bytes::Bytes;
use sip_proto::message::{HeaderName, Method, Response};
use sip_proto::sdp::{self, AudioOffer, NegotiatedAudio};
use sip_proto::{TransactionId, TransactionKey, Uas2xxRetransmitter};

use crate::time::{Duration, Instant};

use super::call::{CallState, Direction as CallDirection, Pending2xx, Reinvite};
use super::requests::{Incoming, Reply, ALLOW};
use super::transport::Peer;
use super::uac::{resolve_peer, write_via};
use super::{CallId, EndReason, Endpoint, EndpointError, Event};

/// §14.1: the Call-ID's owner waits 2.1 to 4 s after a 491...
const OWNER_BACKOFF: (u64, u64) = (2100, 4000);
/// ...the other end 0 to 2 s...
const OTHER_BACKOFF: (u64, u64) = (0, 2000);
/// ...in units of 10 ms.
const BACKOFF_UNIT_MS: u64 = 10;
/// §14.2: a second INVITE while one is in progress gets a 500 with a Retry-After of 0 to
/// 10 s.
const RETRY_AFTER_MAX_S: u32 = 10;

impl Endpoint {
    /// Refreshes an established call's session with a re-INVITE (RFC 3261 §14.1), offering
    /// the current session description again unchanged (RFC 3264 §8). The outcome is
    /// reported as [`Event::SessionRefreshed`] or [`Event::SessionRefreshFailed`]; a 491
    /// (the far end re-INVITEd at the same time) is retried after the §14.1 back-off.
    ///
    /// Fails with [`EndpointError::WrongState`] unless the call is established and no INVITE
    /// is in progress on it in either direction (§14.1).
    pub fn reinvite(&mut self, now: Instant, call: CallId) -> Result<(), EndpointError> {
        self.advance(now);
        let c = self
            .calls
            .get(&call)
            .ok_or(EndpointError::UnknownCall(call))?;
        let wrong_state = |state| EndpointError::WrongState {
            call,
            command: "re-INVITE",
            state,
        };
        if c.state != CallState::Confirmed || c.dialog.is_none() {
            return Err(wrong_state(c.state.name()));
        }
        if c.invite_in_progress() || c.reinvite.as_ref().is_some_and(|r| r.retry_at.is_some()) {
            return Err(wrong_state("already in a re-INVITE"));
        }
        self.send_reinvite(now, call);
        Ok(())
    }

    /// Sends a re-INVITE on the call's dialog: the next CSeq, a fresh branch, our Contact and
    /// our current session description.
    fn send_reinvite(&mut self, now: Instant, id: CallId) {
        let transport = self.call_transport(id);
        let contact = self.contact(transport);
        let branch = self.ids.branch();
        let Endpoint {
            calls,
            config,
            layer,
            text,
            ..
        } = self;
        let Some(call) = calls.get_mut(&id) else {
            return;
        };
        let body = call.local_sdp.clone();
        let Some(dialog) = call.dialog.as_mut() else {
            return;
        };
        let request = dialog.next_request(Method::Invite);
        let seq = request.cseq();
        let Some(peer) = resolve_peer(request.next_hop()) else {
            return;
        };
        let mut via = String::with_capacity(64);
        write_via(&mut via, &text.sip, &branch, peer.transport);
        let extra = [
            (HeaderName::Allow, ALLOW),
            (HeaderName::UserAgent, config.user_agent.as_str()),
        ];
        let mut out = Vec::with_capacity(1024);
        let sdp_body = (!body.is_empty()).then_some(("application/sdp", &body[..]));
        if request
            .write(&via, Some(&contact), &extra, sdp_body, &mut out)
            .is_err()
        {
            return;
        }
        let key = TransactionKey::client(branch.as_str().to_owned(), "INVITE");
        let reliability = peer.transport.reliability();
        let Ok(txn) = layer.start_client(now, key, Bytes::from(out), peer, reliability) else {
            return;
        };
        call.reinvite = Some(Reinvite {
            txn: Some(txn),
            seq,
            ..Reinvite::default()
        });
        self.attach_txn(id, txn);
    }

    /// A response to our re-INVITE.
    pub(super) fn handle_reinvite_response(
        &mut self,
        now: Instant,
        id: CallId,
        status: u16,
        response: &Response,
    ) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        // A call that already ended for the application (we hung up while our re-INVITE was
        // out) still ACKs a 2xx (§13.2.2.4), but reports nothing more and retries nothing.
        let ended = call.state == CallState::Ended;
        let Some(reinvite) = call.reinvite.as_mut() else {
            return;
        };
        match status {
            100..=199 => {}
            200..=299 if reinvite.answered => {
                // A retransmission of the 2xx: the same ACK again (§13.2.2.4).
                if let Some((peer, ack)) = &reinvite.ack {
                    super::push_sip(&mut self.layer, &mut self.sip_out, *peer, ack.clone());
                }
            }
            200..=299 => {
                reinvite.answered = true;
                let seq = reinvite.seq;
                // §12.2.1.2: the 2xx to a target refresh request moves the remote target.
                let Some(dialog) = call.dialog.as_mut() else {
                    return;
                };
                dialog.refresh_target(response.headers());
                let dialog = dialog.clone();
                let unchanged = self.answer_keeps_session(id, response.body());
                let ack = self.write_ack(&dialog, seq);
                if let Some(ack) = &ack {
                    super::push_sip(&mut self.layer, &mut self.sip_out, ack.0, ack.1.clone());
                }
                if let Some(r) = self.calls.get_mut(&id).and_then(|c| c.reinvite.as_mut()) {
                    r.ack = ack;
                }
                if ended {
                    return;
                }
                if unchanged {
                    self.events.push_back(Event::SessionRefreshed {
                        call: id,
                        remote: false,
                    });
                } else {
                    // An answer that would change the media, which we cannot apply: end the
                    // session rather than send on a description the far end left.
                    self.send_bye(now, id);
                    self.end_call(id, EndReason::NegotiationFailed);
                }
            }
            491 if ended => reinvite.answered = true,
            491 => {
                // §14.1: both ends re-INVITEd at once; try again after the back-off.
                reinvite.answered = true;
                let owner = call.direction == CallDirection::Outgoing;
                let delay = self.glare_backoff(owner);
                if let Some(r) = self.calls.get_mut(&id).and_then(|c| c.reinvite.as_mut()) {
                    r.retry_at = Some(now + delay);
                }
                self.touch(id);
            }
            _ => {
                reinvite.answered = true;
                self.reinvite_failed(now, id, status);
            }
        }
    }

    /// Our re-INVITE ended with a final failure `status` (408 for a timeout).
    pub(super) fn reinvite_failed(&mut self, now: Instant, id: CallId, status: u16) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        if let Some(r) = call.reinvite.as_mut() {
            r.answered = true;
        }
        if call.state == CallState::Ended {
            // The application already heard Event::Ended; nothing more is reported.
            return;
        }
        self.events
            .push_back(Event::SessionRefreshFailed { call: id, status });
        // §12.2.1.2: a 481 or a 408 (or a timeout) to a request inside a dialog ends it.
        match status {
            408 => {
                self.send_bye(now, id);
                self.end_call(id, EndReason::Timeout);
            }
            481 => {
                self.send_bye(now, id);
                self.end_call(id, EndReason::Declined(481));
            }
            _ => {}
        }
    }

    /// The §14.1 back-off after a 491: 2.1-4 s for the owner of the Call-ID, 0-2 s for the
    /// other end, in 10 ms units, from the endpoint's seed.
    fn glare_backoff(&mut self, owner: bool) -> Duration {
        let (low, high) = if owner { OWNER_BACKOFF } else { OTHER_BACKOFF };
        let steps = (high - low) / BACKOFF_UNIT_MS + 1;
        let step = u64::from(self.ids.u32()) % steps;
        Duration::from_millis(low + step * BACKOFF_UNIT_MS)
    }

    /// The back-off after a 491 has run out: re-INVITE again if the call is still up and no
    /// INVITE is in progress; otherwise wait for the one in progress to finish.
    pub(super) fn retry_reinvite(&mut self, now: Instant, id: CallId) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let Some(reinvite) = call.reinvite.as_mut() else {
            return;
        };
        reinvite.retry_at = None;
        if call.state != CallState::Confirmed {
            return;
        }
        if call.uas_2xx.is_some() {
            if let Some(r) = call.reinvite.as_mut() {
                r.retry_waiting = true;
            }
            return;
        }
        self.send_reinvite(now, id);
    }

    /// Sends a re-INVITE whose back-off ran out while the far end's INVITE was in progress,
    /// now that it is not.
    pub(super) fn send_due_reinvite(&mut self, now: Instant, id: CallId) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let waiting = call.reinvite.as_ref().is_some_and(|r| r.retry_waiting);
        if waiting && call.state == CallState::Confirmed && !call.invite_in_progress() {
            if let Some(r) = call.reinvite.as_mut() {
                r.retry_waiting = false;
            }
            self.send_reinvite(now, id);
        }
    }

    /// Does an SDP answer to our re-offer leave the media as it is? An empty body (the far
    /// end kept quiet) does.
    fn answer_keeps_session(&self, id: CallId, body: &[u8]) -> bool {
        if body.is_empty() {
            return true;
        }
        let Some(call) = self.calls.get(&id) else {
            return false;
        };
        let (Some(current), Some(local_rtp)) = (&call.negotiated, call.local_rtp) else {
            return false;
        };
        let offer = AudioOffer {
            session_id: call.sdp_session_id,
            session_version: 1,
            local: self.local_media(local_rtp),
        };
        sdp::parse(body)
            .ok()
            .and_then(|answer| offer.negotiated_from_answer(&answer).ok())
            .is_some_and(|n| same_media(&n, current))
    }

    /// A re-INVITE from the far end (§14.2).
    pub(super) fn handle_reinvite(
        &mut self,
        now: Instant,
        txn: TransactionId,
        incoming: &Incoming<'_>,
        peer: Peer,
    ) {
        // §12.2.2: CSeq order, and the re-INVITE's Contact becomes the remote target.
        let Some(id) = self.admit_in_dialog(now, txn, incoming) else {
            return;
        };
        let (request, via) = (incoming.request, incoming.via.as_deref());
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        if call.state == CallState::Ended {
            // We already sent our BYE: the dialog is on its way out.
            self.respond(now, txn, request, via, Reply::status(481));
            return;
        }
        if call.reinvite.as_ref().is_some_and(|r| r.in_progress()) {
            // §14.2: glare with our own re-INVITE.
            self.respond(now, txn, request, via, Reply::status(491));
            return;
        }
        if call.uas_2xx.is_some() || call.state != CallState::Confirmed {
            // §14.2: an INVITE of theirs is still in progress (our 2xx awaits its ACK): 500
            // with a Retry-After of 0 to 10 s.
            let after = (self.ids.u32() % (RETRY_AFTER_MAX_S + 1)).to_string();
            let extra = [(HeaderName::RetryAfter, after.as_str())];
            let reply = Reply::status(500).headers(&extra);
            self.respond(now, txn, request, via, reply);
            return;
        }
        let keeps = request.body().is_empty() || self.offer_keeps_session(id, request.body());
        if !keeps {
            // §14.2: a change we cannot make is refused with 488; the session stays.
            self.respond(now, txn, request, via, Reply::status(488));
            return;
        }
        let transport = self.call_transport(id);
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        let body = call.local_sdp.clone();
        let seq = incoming
            .core
            .cseq
            .as_ref()
            .map(|c| c.seq)
            .unwrap_or_default();
        let extra = [(HeaderName::Allow, ALLOW)];
        // With an offer, our unchanged description is the answer; without one (the offer
        // goes in the 2xx, §14.2), it is our offer, and the ACK's answer changes nothing.
        let reply = Reply::status(200)
            .contact(transport)
            .headers(&extra)
            .body("application/sdp", &body)
            .kept();
        let Some(ok) = self.respond(now, txn, request, via, reply) else {
            return;
        };
        let timers = self.timers;
        if let Some(call) = self.calls.get_mut(&id) {
            call.uas_2xx = Some(Pending2xx {
                seq,
                retransmitter: Uas2xxRetransmitter::new(now, ok, timers),
                peer,
            });
        }
        self.events.push_back(Event::SessionRefreshed {
            call: id,
            remote: true,
        });
        self.touch(id);
    }

    /// Would answering this offer leave the media as it is?
    fn offer_keeps_session(&self, id: CallId, body: &[u8]) -> bool {
        let Some(call) = self.calls.get(&id) else {
            return false;
        };
        let (Some(current), Some(local_rtp)) = (&call.negotiated, call.local_rtp) else {
            return false;
        };
        let local = self.local_media(local_rtp);
        sdp::parse(body)
            .ok()
            .and_then(|offer| sdp::answer(&offer, &local, call.sdp_session_id, 1).ok())
            .is_some_and(|answer| same_media(&answer.negotiated, current))
    }
}

/// Would media set up from `new` be the media running from `current`?
fn same_media(new: &NegotiatedAudio, current: &NegotiatedAudio) -> bool {
    new.remote_rtp == current.remote_rtp
        && new.remote_rtcp == current.remote_rtcp
        && new.payload_type == current.payload_type
        && new.may_send() == current.may_send()
        && new.may_receive() == current.may_receive()
}
