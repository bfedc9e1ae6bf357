//! The offer/answer model for one audio stream (RFC 3264).
//!
//! - [`AudioOffer`] builds the offer a user agent sends in an INVITE (RFC 3264 §5).
//! - [`answer`] answers a received offer (RFC 3264 §6): it accepts the first audio stream
//!   with a codec in common, rejects every other stream with port 0 (keeping the number and
//!   order of `m=` lines, §6), mirrors the direction (§6.1), and reports the result as
//!   [`NegotiatedAudio`].
//! - [`negotiated_from_answer`] reads the same result on the offerer's side once the answer
//!   arrives (RFC 3264 §7).
//!
//! Hold (RFC 3264 §8.4) shows up in [`NegotiatedAudio::direction`]: a peer that offers
//! `a=sendonly` or `a=inactive`, or the old `c=IN IP4 0.0.0.0`, gets a direction in which we do
//! not send.

use core::fmt;
use std::net::{IpAddr, SocketAddr};

use super::attribute::{Attribute, Direction, Fmtp, Rtpmap};
use super::codec::{static_audio_payload_type, Codec, TELEPHONE_EVENT, TELEPHONE_EVENT_FMTP};
use super::connection::Connection;
use super::media::{Format, MediaDescription, MediaType};
use super::origin::Origin;
use super::session::SessionDescription;

/// The profile this module negotiates: plain RTP, RFC 3551.
pub const RTP_AVP: &str = "RTP/AVP";

/// What the local user agent offers or accepts for audio.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalMedia<'c> {
    /// The address RTP (and RTCP) is received on; goes into `o=` and `c=`.
    pub addr: IpAddr,
    /// The local RTP port; RTCP is expected on `rtp_port + 1` unless `rtcp_mux`.
    pub rtp_port: u16,
    /// Codecs in order of preference.
    pub codecs: &'c [Codec],
    /// Packet time in milliseconds we would like to receive (`a=ptime`, RFC 8866 §6.4).
    pub ptime: u32,
    /// What we want to do: `SendRecv` normally, `SendOnly` to put the peer on hold.
    pub direction: Direction,
    /// Payload type for RFC 4733 telephone-event (DTMF) if we support it; offers use it,
    /// answers reuse the offerer's number.
    pub telephone_event: Option<u8>,
    /// Offer or accept RTP/RTCP multiplexing on one port (RFC 5761).
    pub rtcp_mux: bool,
}

/// A single-stream audio offer (RFC 3264 §5), e.g.:
///
/// ```text
/// v=0
/// o=- 42 1 IN IP4 192.0.2.1
/// s=-
/// c=IN IP4 192.0.2.1
/// t=0 0
/// m=audio 4000 RTP/AVP 0 101
/// a=rtpmap:0 PCMU/8000
/// a=rtpmap:101 telephone-event/8000
/// a=fmtp:101 0-16
/// a=ptime:20
/// a=sendrecv
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AudioOffer<'c> {
    /// `<sess-id>` of `o=`, chosen by the caller (RFC 8866 §5.2 suggests an NTP timestamp;
    /// sans-IO code takes it from the caller's seeded generator).
    pub session_id: u64,
    /// `<sess-version>`, incremented by the caller for each new offer in the session
    /// (RFC 3264 §8).
    pub session_version: u64,
    /// The local media.
    pub local: LocalMedia<'c>,
}

impl<'c> AudioOffer<'c> {
    /// The offer as a description, ready to [`write`](SessionDescription::write) or inspect.
    pub fn description(&self) -> SessionDescription<'static> {
        let l = &self.local;
        let mut sd =
            SessionDescription::new(Origin::new(self.session_id, self.session_version, l.addr));
        sd.connection = Some(Connection::ip(l.addr));
        let codecs = l.codecs.iter().copied();
        sd.media.push(audio_media(
            l.rtp_port,
            codecs,
            l.telephone_event,
            l.ptime,
            l.direction,
            l.rtcp_mux,
        ));
        sd
    }

    /// Appends the offer's SDP text to `out`: the same text as writing
    /// [`AudioOffer::description`], without building it.
    pub fn write(&self, out: &mut Vec<u8>) {
        let l = &self.local;
        let origin = Origin::new(self.session_id, self.session_version, l.addr);
        let media = AudioSection {
            addr: l.addr,
            port: l.rtp_port,
            codecs: l.codecs,
            telephone_event: l.telephone_event,
            ptime: l.ptime,
            direction: l.direction,
            rtcp_mux: l.rtcp_mux,
        };
        super::write::write_single_audio(out, &origin, &media);
    }

    /// Reads the answer to this offer; see [`negotiated_from_answer`].
    pub fn negotiated_from_answer(
        &self,
        answer: &SessionDescription<'_>,
    ) -> Result<NegotiatedAudio, NegotiationError> {
        negotiated_from_answer(self, answer)
    }
}

/// What our audio `m=` section holds, for writing it straight from [`LocalMedia`].
pub(super) struct AudioSection<'c> {
    pub(super) addr: IpAddr,
    pub(super) port: u16,
    pub(super) codecs: &'c [Codec],
    pub(super) telephone_event: Option<u8>,
    pub(super) ptime: u32,
    pub(super) direction: Direction,
    pub(super) rtcp_mux: bool,
}

/// `a=rtpmap:<pt> telephone-event/8000` (RFC 4733 §7.1.1).
pub(super) fn telephone_event_rtpmap(pt: u8) -> Rtpmap<'static> {
    Rtpmap {
        payload_type: pt,
        encoding: TELEPHONE_EVENT,
        clock_rate: 8000,
        channels: None,
    }
}

/// `a=fmtp:<pt> 0-16`: the DTMF events (RFC 4733 §7.1.1).
pub(super) fn telephone_event_fmtp(pt: u8) -> Fmtp<'static> {
    Fmtp {
        format: Format::PayloadType(pt),
        params: TELEPHONE_EVENT_FMTP,
    }
}

/// Our audio `m=` section: `m=audio <port> RTP/AVP <pts>` with an `a=rtpmap` for every
/// payload type (also the static ones, which RFC 3264 §5.1 allows and many peers expect).
fn audio_media(
    port: u16,
    codecs: impl Iterator<Item = Codec> + Clone,
    telephone_event: Option<u8>,
    ptime: u32,
    direction: Direction,
    rtcp_mux: bool,
) -> MediaDescription<'static> {
    let mut formats: Vec<Format<'static>> = codecs
        .clone()
        .map(|c| Format::PayloadType(c.payload_type))
        .collect();
    let mut attributes: Vec<Attribute<'static>> =
        codecs.map(|c| Attribute::Rtpmap(c.rtpmap())).collect();
    if let Some(pt) = telephone_event {
        formats.push(Format::PayloadType(pt));
        attributes.push(Attribute::Rtpmap(telephone_event_rtpmap(pt)));
        attributes.push(Attribute::Fmtp(telephone_event_fmtp(pt)));
    }
    attributes.push(Attribute::Ptime(ptime));
    attributes.push(Attribute::Direction(direction));
    if rtcp_mux {
        attributes.push(Attribute::RtcpMux);
    }
    MediaDescription {
        media: MediaType::Audio,
        port,
        num_ports: None,
        proto: RTP_AVP,
        formats,
        information: None,
        connections: Vec::new(),
        bandwidths: Vec::new(),
        key: None,
        attributes,
    }
}

/// The audio stream both sides agreed on, from our point of view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NegotiatedAudio {
    /// Index of the `m=` line carrying the stream (in both offer and answer).
    pub media_index: usize,
    /// Where to send RTP: the stream's `c=` (or the session's) address and `m=` port. Its IP
    /// is `0.0.0.0` when the peer used RFC 2543 hold; `direction` then forbids sending.
    pub remote_rtp: SocketAddr,
    /// Where to send RTCP: `a=rtcp` (RFC 3605), else the RTP port + 1 (RFC 3550 §11), or the
    /// RTP address itself when `rtcp_mux`.
    pub remote_rtcp: SocketAddr,
    /// RTP and RTCP share the RTP port (RFC 5761), both sides having asked for it.
    pub rtcp_mux: bool,
    /// The payload type to send the codec with (the answer's number, RFC 3264 §6.1).
    pub payload_type: u8,
    /// The codec, with `payload_type` set to the negotiated number.
    pub codec: Codec,
    /// The codec's RTP clock rate in Hz.
    pub clock_rate: u32,
    /// Packet time to send with, in ms: the peer's `a=ptime`, else our own.
    pub ptime: u32,
    /// Payload type for RFC 4733 DTMF events, if both sides support them.
    pub telephone_event_pt: Option<u8>,
    /// What we may do: `SendOnly` or `Inactive` while the peer holds the call (or we hold it
    /// and the peer accepted).
    pub direction: Direction,
}

impl NegotiatedAudio {
    /// True if we may send RTP.
    pub fn may_send(&self) -> bool {
        self.direction.sends()
    }

    /// True if we should expect RTP from the peer.
    pub fn may_receive(&self) -> bool {
        self.direction.receives()
    }
}

/// Why offer/answer found no usable audio stream. Every variant maps to SIP 488
/// Not Acceptable Here (RFC 3261 §21.4.26, RFC 3264 §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NegotiationError {
    /// The offer has no audio stream on `RTP/AVP` with a non-zero port.
    NoAudioStream,
    /// No codec (or, with an answer, no payload type) is supported on both sides.
    NoCommonCodec,
    /// The chosen stream has no `c=` line, at media or session level (RFC 8866 §5.7).
    MissingConnection {
        /// Index of the `m=` line.
        media_index: usize,
    },
    /// The stream's address is a host name; this crate does not resolve names.
    UnresolvedAddress {
        /// Index of the `m=` line.
        media_index: usize,
    },
    /// The RTP port is 65535, so RTCP has no port + 1 and no `a=rtcp` says where it goes.
    NoRtcpPort {
        /// Index of the `m=` line.
        media_index: usize,
    },
    /// The answer has a different number of `m=` lines than the offer (RFC 3264 §6 requires
    /// the same).
    MediaCountMismatch {
        /// `m=` lines in the offer.
        offered: usize,
        /// `m=` lines in the answer.
        answered: usize,
    },
    /// The answer rejected the audio stream (port 0, RFC 3264 §6).
    Rejected,
}

impl NegotiationError {
    /// The SIP status code to reject the offer with: 488 Not Acceptable Here.
    pub fn status_code(&self) -> u16 {
        488
    }
}

impl fmt::Display for NegotiationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NegotiationError::NoAudioStream => {
                f.write_str("the offer has no RTP/AVP audio stream with a non-zero port")
            }
            NegotiationError::NoCommonCodec => {
                f.write_str("no offered audio codec is in the local codec list")
            }
            NegotiationError::MissingConnection { media_index } => write!(
                f,
                "m= line {} has no c= line and there is no session-level c=",
                media_index + 1
            ),
            NegotiationError::UnresolvedAddress { media_index } => write!(
                f,
                "m= line {} gives a host name, not an IP address; resolve it first",
                media_index + 1
            ),
            NegotiationError::NoRtcpPort { media_index } => write!(
                f,
                "m= line {} uses RTP port 65535 and gives no a=rtcp port",
                media_index + 1
            ),
            NegotiationError::MediaCountMismatch { offered, answered } => write!(
                f,
                "the answer has {answered} m= lines but the offer had {offered}"
            ),
            NegotiationError::Rejected => f.write_str("the answer rejected the audio stream"),
        }
    }
}

impl std::error::Error for NegotiationError {}

/// An answer to a received offer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct Answer<'a> {
    /// The answer description; it borrows the rejected streams' fields from the offer.
    pub description: SessionDescription<'a>,
    /// The stream that was accepted.
    pub negotiated: NegotiatedAudio,
}

impl Answer<'_> {
    /// Appends the answer's SDP text to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        self.description.write(out);
    }
}

/// True for the profile this module negotiates (`<proto>` compared case-insensitively).
fn is_rtp_avp(proto: &str) -> bool {
    proto.eq_ignore_ascii_case(RTP_AVP)
}

/// Encoding name, clock rate and channels of a payload type in a media section: its
/// `a=rtpmap`, else the RFC 3551 table 4 entry for a static type.
fn describe<'m>(m: &MediaDescription<'m>, pt: u8) -> Option<(&'m str, u32, u16)> {
    match m.rtpmap(pt) {
        Some(r) => Some((r.encoding, r.clock_rate, r.channel_count())),
        None => static_audio_payload_type(pt),
    }
}

/// The telephone-event payload type of a media section at a clock rate, if listed.
fn telephone_event_pt(m: &MediaDescription<'_>, clock_rate: u32) -> Option<u8> {
    m.payload_types().find(|pt| {
        m.rtpmap(*pt).is_some_and(|r| {
            r.encoding.eq_ignore_ascii_case(TELEPHONE_EVENT) && r.clock_rate == clock_rate
        })
    })
}

/// The first offered payload type whose codec we have, in the offerer's order (RFC 3264
/// §6.1 recommends keeping it), carried under the offerer's number.
fn pick_codec(m: &MediaDescription<'_>, codecs: &[Codec]) -> Option<Codec> {
    m.payload_types().find_map(|pt| {
        let (enc, rate, ch) = describe(m, pt)?;
        codecs
            .iter()
            .find(|c| c.matches(enc, rate, ch))
            .map(|c| c.with_payload_type(pt))
    })
}

/// Where the peer receives RTP and RTCP for a stream, and whether it asked not to receive
/// at all (connection address `0.0.0.0` or `::`, RFC 3264 §8.4).
fn remote_endpoints(
    sd: &SessionDescription<'_>,
    m: &MediaDescription<'_>,
    media_index: usize,
    rtcp_mux: bool,
) -> Result<(SocketAddr, SocketAddr, bool), NegotiationError> {
    let conn = sd
        .connection_of(m)
        .ok_or(NegotiationError::MissingConnection { media_index })?;
    let unresolved = NegotiationError::UnresolvedAddress { media_index };
    let ip = conn.address.ip().ok_or(unresolved)?;
    let rtp = SocketAddr::new(ip, m.port);
    let rtcp = if rtcp_mux {
        rtp
    } else if let Some(r) = m.rtcp() {
        let rtcp_ip = match &r.connection {
            Some(c) => c.address.ip().ok_or(unresolved)?,
            None => ip,
        };
        SocketAddr::new(rtcp_ip, r.port)
    } else {
        let port = m
            .port
            .checked_add(1)
            .ok_or(NegotiationError::NoRtcpPort { media_index })?;
        SocketAddr::new(ip, port)
    };
    Ok((rtp, rtcp, conn.address.is_unspecified()))
}

/// The direction the peer's description allows, with RFC 2543 hold (`c=0.0.0.0`) read as
/// "does not receive".
fn peer_direction(sd: &SessionDescription<'_>, m: &MediaDescription<'_>, held: bool) -> Direction {
    let d = sd.direction_of(m);
    Direction::from_flags(d.sends(), d.receives() && !held)
}

/// Our direction given what we want and what the peer allows: we send only if the peer
/// receives, and receive only if it sends (RFC 3264 §6.1).
fn our_direction(want: Direction, peer: Direction) -> Direction {
    Direction::from_flags(
        want.sends() && peer.receives(),
        want.receives() && peer.sends(),
    )
}

/// Answers an offer (RFC 3264 §6) for a user agent with one audio stream.
///
/// The first `audio` stream on `RTP/AVP` with a non-zero port and a codec in
/// `local.codecs` is accepted, with one codec (the offerer's most preferred one we have,
/// under the offerer's payload type) plus telephone-event if both sides support it. Every
/// other `m=` line is answered with port 0, keeping the number and order of `m=` lines. The
/// answer's direction mirrors the offer's (`sendonly` is answered `recvonly`, §6.1),
/// limited by `local.direction`. `t=` is copied from the offer (§6).
///
/// `session_id` and `session_version` go into the answer's `o=` line.
pub fn answer<'a>(
    offer: &SessionDescription<'a>,
    local: &LocalMedia<'_>,
    session_id: u64,
    session_version: u64,
) -> Result<Answer<'a>, NegotiationError> {
    let negotiated = negotiate(offer, local)?;
    let index = negotiated.media_index;
    let mut description =
        SessionDescription::new(Origin::new(session_id, session_version, local.addr));
    description.connection = Some(Connection::ip(local.addr));
    if !offer.times.is_empty() {
        description.times.clone_from(&offer.times);
    }
    for (i, offered) in offer.media.iter().enumerate() {
        description.media.push(if i == index {
            audio_media(
                local.rtp_port,
                core::iter::once(negotiated.codec),
                negotiated.telephone_event_pt,
                local.ptime,
                negotiated.direction,
                negotiated.rtcp_mux,
            )
        } else {
            rejected(offered)
        });
    }
    Ok(Answer {
        description,
        negotiated,
    })
}

/// What [`answer`] settles for an offer, without building the answer description: the
/// accepted stream, codec, addresses and direction. It does not depend on `local.addr` or
/// `local.rtp_port`, which only go into the answer's text.
pub fn negotiate(
    offer: &SessionDescription<'_>,
    local: &LocalMedia<'_>,
) -> Result<NegotiatedAudio, NegotiationError> {
    let mut saw_audio = false;
    let mut chosen = None;
    for (i, m) in offer.media.iter().enumerate() {
        if m.media != MediaType::Audio || m.port == 0 || !is_rtp_avp(m.proto) {
            continue;
        }
        saw_audio = true;
        if let Some(codec) = pick_codec(m, local.codecs) {
            chosen = Some((i, m, codec));
            break;
        }
    }
    let Some((index, m, codec)) = chosen else {
        return Err(if saw_audio {
            NegotiationError::NoCommonCodec
        } else {
            NegotiationError::NoAudioStream
        });
    };
    let telephone_event = local
        .telephone_event
        .and_then(|_| telephone_event_pt(m, codec.clock_rate));
    let rtcp_mux = local.rtcp_mux && m.rtcp_mux();
    let (remote_rtp, remote_rtcp, held) = remote_endpoints(offer, m, index, rtcp_mux)?;
    let direction = our_direction(local.direction, peer_direction(offer, m, held));
    Ok(NegotiatedAudio {
        media_index: index,
        remote_rtp,
        remote_rtcp,
        rtcp_mux,
        payload_type: codec.payload_type,
        codec,
        clock_rate: codec.clock_rate,
        ptime: m.ptime().unwrap_or(local.ptime),
        telephone_event_pt: telephone_event,
        direction,
    })
}

/// Whether the answer to `offer` depends on nothing but what [`negotiate`] settles and the
/// local media: one `m=` line and `t=0 0` (or no `t=`), the usual SIP offer. Its answer can
/// then be written later by [`write_single_stream_answer`] without the offer at hand.
pub fn is_single_stream(offer: &SessionDescription<'_>) -> bool {
    let unbounded = match offer.times.as_slice() {
        [] => true,
        [t] => t.start == 0 && t.stop == 0 && t.repeats.is_empty(),
        _ => false,
    };
    offer.media.len() == 1 && unbounded
}

/// Appends the text [`answer`] gives for a single-stream offer ([`is_single_stream`]) whose
/// negotiation gave `negotiated` with the same `local` codecs, direction, ptime,
/// telephone-event and rtcp-mux settings: byte for byte what `answer(...).write` writes.
pub fn write_single_stream_answer(
    negotiated: &NegotiatedAudio,
    local: &LocalMedia<'_>,
    session_id: u64,
    session_version: u64,
    out: &mut Vec<u8>,
) {
    let origin = Origin::new(session_id, session_version, local.addr);
    let media = AudioSection {
        addr: local.addr,
        port: local.rtp_port,
        codecs: core::slice::from_ref(&negotiated.codec),
        telephone_event: negotiated.telephone_event_pt,
        ptime: local.ptime,
        direction: negotiated.direction,
        rtcp_mux: negotiated.rtcp_mux,
    };
    super::write::write_single_audio(out, &origin, &media);
}

/// A rejected stream in an answer: same media, proto and formats, port 0 (RFC 3264 §6).
fn rejected<'a>(offered: &MediaDescription<'a>) -> MediaDescription<'a> {
    MediaDescription {
        media: offered.media,
        port: 0,
        num_ports: None,
        proto: offered.proto,
        formats: offered.formats.clone(),
        information: None,
        connections: Vec::new(),
        bandwidths: Vec::new(),
        key: None,
        attributes: Vec::new(),
    }
}

/// Reads the answer to an [`AudioOffer`] we sent (RFC 3264 §7).
///
/// The answer must keep our single `m=` line with a non-zero port. The codec is the first
/// answered payload type we offered, matched by `a=rtpmap` (or RFC 3551 table 4 for static
/// types), and is sent under the answer's number. Our direction is what we offered,
/// limited by the answer's (RFC 3264 §6.1 mirrors it).
pub fn negotiated_from_answer(
    offer: &AudioOffer<'_>,
    answer: &SessionDescription<'_>,
) -> Result<NegotiatedAudio, NegotiationError> {
    let local = &offer.local;
    let (Some(m), 1) = (answer.media.first(), answer.media.len()) else {
        return Err(NegotiationError::MediaCountMismatch {
            offered: 1,
            answered: answer.media.len(),
        });
    };
    if m.port == 0 || m.media != MediaType::Audio {
        return Err(NegotiationError::Rejected);
    }
    let codec = m
        .payload_types()
        .find_map(|pt| {
            let found = match describe(m, pt) {
                Some((enc, rate, ch)) => local.codecs.iter().find(|c| c.matches(enc, rate, ch)),
                // A dynamic type without rtpmap: trust it is the one we offered under it.
                None => local.codecs.iter().find(|c| c.payload_type == pt),
            };
            found.map(|c| c.with_payload_type(pt))
        })
        .ok_or(NegotiationError::NoCommonCodec)?;
    let telephone_event = local
        .telephone_event
        .and_then(|_| telephone_event_pt(m, codec.clock_rate));
    let rtcp_mux = local.rtcp_mux && m.rtcp_mux();
    let (remote_rtp, remote_rtcp, held) = remote_endpoints(answer, m, 0, rtcp_mux)?;
    Ok(NegotiatedAudio {
        media_index: 0,
        remote_rtp,
        remote_rtcp,
        rtcp_mux,
        payload_type: codec.payload_type,
        codec,
        clock_rate: codec.clock_rate,
        ptime: m.ptime().unwrap_or(local.ptime),
        telephone_event_pt: telephone_event,
        direction: our_direction(local.direction, peer_direction(answer, m, held)),
    })
}
