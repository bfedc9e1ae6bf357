//! One call's state inside the endpoint.

use std::net::SocketAddr;

use bytes::Bytes;
use sip_proto::dialog::Dialog;
use sip_proto::sdp::AudioOffer;
use sip_proto::{TransactionId, Uas2xxRetransmitter};
use smallvec::SmallVec;

use crate::media::MediaSession;

use super::CallId;

/// Which way the call was set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// We received the INVITE.
    Incoming,
    /// We sent the INVITE.
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

/// Everything the endpoint keeps for one call.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) id: CallId,
    pub(crate) direction: Direction,
    pub(crate) state: CallState,
    /// The SIP Call-ID.
    pub(crate) sip_call_id: String,
    /// Our tag (To for incoming calls, From for outgoing ones).
    pub(crate) local_tag: String,
    /// Where the far end's INVITE came from (incoming) or where ours went (outgoing).
    pub(crate) peer: SocketAddr,
    /// The INVITE transaction.
    pub(crate) invite_txn: Option<TransactionId>,
    /// The INVITE as received or sent, kept to build responses, ACKs and CANCELs.
    pub(crate) invite: Bytes,
    /// The INVITE's CSeq number.
    pub(crate) invite_seq: u32,
    /// Did a provisional response arrive (outgoing) or go out (incoming)?
    pub(crate) provisional: bool,
    /// Outgoing: has `Event::Ringing` been reported?
    pub(crate) ringing: bool,
    /// The dialog, once one exists.
    pub(crate) dialog: Option<Dialog>,
    /// Incoming: retransmits our 2xx until the ACK (§13.3.1.4).
    pub(crate) uas_2xx: Option<Uas2xxRetransmitter>,
    /// Outgoing: the ACK for the 2xx, re-sent for every 2xx retransmission (§13.2.2.4).
    pub(crate) ack: Option<(SocketAddr, Bytes)>,
    /// Outgoing: our offer, to read the answer against.
    pub(crate) offer: Option<AudioOffer<'static>>,
    /// The local RTP address given by the runtime.
    pub(crate) local_rtp: Option<SocketAddr>,
    /// The media session, while the call is up.
    pub(crate) media: Option<MediaSession>,
    /// Live transactions that belong to this call; it is freed when they are gone.
    pub(crate) txns: SmallVec<[TransactionId; 4]>,
    /// Set once `Event::Ended` has been queued.
    pub(crate) end_reported: bool,
    /// Outgoing: the application hung up before any provisional response; the CANCEL goes
    /// out when one arrives (§9.1).
    pub(crate) cancel_pending: bool,
    /// Outgoing: when to give up on the INVITE if our CANCEL gets no final response
    /// (64·T1 after the CANCEL, §9.1).
    pub(crate) cancel_give_up: Option<crate::time::Instant>,
}

impl Call {
    /// May this call be freed now?
    pub(crate) fn is_finished(&self) -> bool {
        self.state == CallState::Ended
            && self.txns.is_empty()
            && self.uas_2xx.as_ref().is_none_or(|r| r.is_done())
            && self.media.as_ref().is_none_or(|m| !m.has_pending_bye())
    }
}
