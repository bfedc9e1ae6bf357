//! One call's state inside the endpoint.

use std::net::SocketAddr;

use bytes::Bytes;
use sip_proto::dialog::Dialog;
use sip_proto::message::Request;
use sip_proto::sdp::{AudioOffer, NegotiatedAudio};
use sip_proto::{TransactionId, Uas2xxRetransmitter};
use smallvec::SmallVec;

use crate::media::MediaSession;
use crate::time::Instant;

use super::ids::Tag;
use super::transport::Peer;
use super::CallId;

/// Which way the call was set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// We received the INVITE.
    Incoming,
    /// We sent the INVITE (so we generated the Call-ID: we "own" it, §14.1).
    Outgoing,
}

/// Where a call is in its life (RFC 3261 §13, from the user agent's point of view).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallState {
    /// Incoming: the INVITE arrived, the application has not answered yet.
    Offered,
    /// Incoming: our 2xx went out, the ACK has not arrived (§13.3.1.4).
    AwaitingAck,
    /// Outgoing: INVITE sent, no final response yet.
    Calling,
    /// The dialog is confirmed and media flows.
    Confirmed,
    /// The call has ended for the application; transactions may still be finishing.
    Ended,
}

impl CallState {
    pub(crate) fn name(self) -> &'static str {
        match self {
            CallState::Offered => "offered and not yet answered",
            CallState::AwaitingAck => "answered and waiting for the ACK",
            CallState::Calling => "calling",
            CallState::Confirmed => "established",
            CallState::Ended => "ended",
        }
    }
}

/// A 2xx to an INVITE of the far end (the first one or a re-INVITE), retransmitted until
/// its ACK (§13.3.1.4).
#[derive(Debug)]
pub(crate) struct Pending2xx {
    /// The CSeq number of the INVITE it answers: the ACK carries the same (§13.2.2.4).
    pub(crate) seq: u32,
    pub(crate) retransmitter: Uas2xxRetransmitter,
    /// Where the 2xx goes: where the INVITE's responses go (§18.2.2).
    pub(crate) peer: Peer,
}

/// A re-INVITE of ours (§14.1).
#[derive(Debug, Default)]
pub(crate) struct Reinvite {
    /// Its INVITE client transaction while it awaits a final response (or, after a 2xx,
    /// until the transaction ends, so 2xx retransmissions are ACKed again).
    pub(crate) txn: Option<TransactionId>,
    /// Its CSeq number.
    pub(crate) seq: u32,
    /// A final response has arrived.
    pub(crate) answered: bool,
    /// The ACK for its 2xx, re-sent for each retransmission of that 2xx (§13.2.2.4).
    pub(crate) ack: Option<(Peer, Bytes)>,
    /// After a 491, when to try again (§14.1).
    pub(crate) retry_at: Option<Instant>,
    /// The retry came due while an INVITE of the far end was still in progress: it goes out
    /// once that one is ACKed.
    pub(crate) retry_waiting: bool,
}

impl Reinvite {
    /// Is an INVITE transaction of ours in progress (sent and not finally answered)?
    pub(crate) fn in_progress(&self) -> bool {
        self.txn.is_some() && !self.answered
    }
}

/// Everything the endpoint keeps for one call.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) id: CallId,
    pub(crate) direction: Direction,
    pub(crate) state: CallState,
    /// Our tag (To for incoming calls, From for outgoing ones).
    pub(crate) local_tag: Tag,
    /// Where responses to the far end's INVITE go (incoming) or where ours went (outgoing).
    pub(crate) peer: Peer,
    /// The INVITE transaction.
    pub(crate) invite_txn: Option<TransactionId>,
    /// Incoming: the INVITE as received, parsed once, to build every response to it.
    pub(crate) invite: Option<Request>,
    /// Incoming: whether the INVITE's To carries a tag (`None`: its To did not parse), so
    /// responses know whether to add ours without reading it again.
    pub(crate) invite_to_tagged: Option<bool>,
    /// Outgoing: our From header value, tag included (the local side of the dialog).
    pub(crate) local_from: String,
    /// Incoming: the INVITE's first Via line with `received`/`rport` (§18.2.1, RFC 3581),
    /// which every response to it echoes; `None` when nothing had to be added.
    pub(crate) invite_via: Option<String>,
    /// The INVITE's CSeq number.
    pub(crate) invite_seq: u32,
    /// Did a provisional response arrive (outgoing) or go out (incoming)?
    pub(crate) provisional: bool,
    /// Outgoing: has `Event::Ringing` been reported?
    pub(crate) ringing: bool,
    /// The confirmed dialog (outgoing), or the dialog our 2xx made (incoming).
    pub(crate) dialog: Option<Dialog>,
    /// Incoming: the dialog our 2xx will make, built from the INVITE when it arrived (its
    /// headers were parsed then); it becomes `dialog` when we answer.
    pub(crate) uas_dialog: Option<Dialog>,
    /// Outgoing: early dialogs, one per To tag of the provisional responses that carried one
    /// (a forking proxy can produce several, §12.1.2, §13.2.2.4).
    pub(crate) early: SmallVec<[Dialog; 1]>,
    /// Our 2xx awaiting its ACK (§13.3.1.4).
    pub(crate) uas_2xx: Option<Pending2xx>,
    /// Outgoing: the ACK for the 2xx, re-sent for every 2xx retransmission (§13.2.2.4).
    pub(crate) ack: Option<(Peer, Bytes)>,
    /// Outgoing: our offer, to read the answer against.
    pub(crate) offer: Option<AudioOffer<'static>>,
    /// Our session description as last sent (offer or answer): a session refresh offers it
    /// again unchanged (RFC 3264 §8).
    pub(crate) local_sdp: Bytes,
    /// Incoming: what negotiating the INVITE's offer settled when it arrived, when the offer
    /// is the usual single stream: the answer is written from it, with no second parse.
    pub(crate) offer_negotiated: Option<NegotiatedAudio>,
    /// What offer/answer settled, once it has.
    pub(crate) negotiated: Option<NegotiatedAudio>,
    /// Our SDP session id, for answers to later offers (RFC 3264 §8: same `o=` line).
    pub(crate) sdp_session_id: u64,
    /// Our RTP address, given by the runtime.
    pub(crate) local_rtp: Option<SocketAddr>,
    /// The media session, while the call is up. Boxed: it is kilobytes of buffers, and a
    /// call is built and moved before its media starts.
    pub(crate) media: Option<Box<MediaSession>>,
    /// Live transactions that belong to this call; it is freed when they are gone.
    pub(crate) txns: SmallVec<[TransactionId; 4]>,
    /// Set once `Event::Ended` has been queued.
    pub(crate) end_reported: bool,
    /// Outgoing: the application hung up before any provisional response; the CANCEL goes
    /// out when one arrives (§9.1).
    pub(crate) cancel_pending: bool,
    /// When to destroy our INVITE client transactions still waiting for a final response:
    /// 64·T1 after our CANCEL (§9.1), or after the call ended (a re-INVITE that got a
    /// provisional response and then nothing has no timer of its own, §17.1.1.2).
    pub(crate) give_up_at: Option<Instant>,
    /// Our re-INVITE, if one is pending, answered but finishing, or waiting to retry.
    pub(crate) reinvite: Option<Reinvite>,
    /// The deadline pushed onto the endpoint's call-timer heap; heap items that disagree
    /// with it are stale.
    pub(crate) armed: Option<Instant>,
    /// Whether the call sits in the endpoint's queue of calls to look at.
    pub(crate) queued: bool,
}

impl Call {
    /// A call with nothing set up beyond its identity, boxed as the endpoint keeps it (the
    /// call table moves its values as it grows; a box moves as a pointer).
    pub(crate) fn new(
        id: CallId,
        direction: Direction,
        local_tag: Tag,
        peer: Peer,
        invite_seq: u32,
    ) -> Box<Call> {
        let state = match direction {
            Direction::Incoming => CallState::Offered,
            Direction::Outgoing => CallState::Calling,
        };
        Box::new(Call {
            id,
            direction,
            state,
            local_tag,
            peer,
            invite_txn: None,
            invite: None,
            invite_to_tagged: None,
            local_from: String::new(),
            invite_via: None,
            invite_seq,
            provisional: false,
            ringing: false,
            dialog: None,
            uas_dialog: None,
            early: SmallVec::new(),
            uas_2xx: None,
            ack: None,
            offer: None,
            local_sdp: Bytes::new(),
            offer_negotiated: None,
            negotiated: None,
            sdp_session_id: 0,
            local_rtp: None,
            media: None,
            txns: SmallVec::new(),
            end_reported: false,
            cancel_pending: false,
            give_up_at: None,
            reinvite: None,
            armed: None,
            queued: false,
        })
    }

    /// May this call be freed now?
    pub(crate) fn is_finished(&self) -> bool {
        self.state == CallState::Ended
            && self.txns.is_empty()
            && self.uas_2xx.is_none()
            && self.media.as_ref().is_none_or(|m| !m.has_pending_bye())
    }

    /// The earliest instant one of this call's own timers (not its transactions') is due:
    /// 2xx retransmission, media, the CANCEL give-up, the re-INVITE retry.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        [
            self.uas_2xx
                .as_ref()
                .and_then(|p| p.retransmitter.poll_timeout()),
            self.media.as_ref().and_then(|m| m.poll_timeout()),
            self.give_up_at,
            self.reinvite.as_ref().and_then(|r| r.retry_at),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Is an INVITE transaction in progress in either direction (§14.1: no new re-INVITE
    /// then)? Ours until its final response, theirs until our 2xx is ACKed.
    pub(crate) fn invite_in_progress(&self) -> bool {
        self.reinvite.as_ref().is_some_and(Reinvite::in_progress) || self.uas_2xx.is_some()
    }
}
