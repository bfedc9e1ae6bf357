//! SDP: session descriptions (RFC 8866) and the offer/answer model (RFC 3264).
//!
//! - [`parse`] reads a description from bytes (CRLF or bare LF line ends) into a
//!   [`SessionDescription`] whose text fields borrow from the input. Every line type of
//!   RFC 8866 §5 is read (`v o s i u e p c b t r z k a m`); the attributes a voice user agent
//!   acts on are typed ([`Attribute`]: `rtpmap`, `fmtp`, `ptime`, `maxptime`, the four
//!   directions, `rtcp` (RFC 3605), `rtcp-mux`), others are kept as name and value. Repeated
//!   elements are bounded by [`Limits`].
//! - [`SessionDescription::write`] writes one back, CRLF line ends, in RFC 8866 §5 order;
//!   `parse(write(x)) == x`.
//! - [`AudioOffer`] builds the usual single-stream audio offer, [`answer`] answers an offer
//!   (RFC 3264 §6) and [`negotiated_from_answer`] reads an answer to our offer (§7); both
//!   produce a [`NegotiatedAudio`]. A failed negotiation is a [`NegotiationError`], which
//!   the user agent turns into a 488.
//!
//! ```
//! use std::net::{IpAddr, Ipv4Addr, SocketAddr};
//! use sip_proto::sdp::{self, Codec, Direction, LocalMedia};
//!
//! // An offer as SIPp's `uac` scenario sends it.
//! let offer = b"v=0\r\n\
//!     o=user1 53655765 2353687637 IN IP4 127.0.0.1\r\n\
//!     s=-\r\n\
//!     c=IN IP4 127.0.0.1\r\n\
//!     t=0 0\r\n\
//!     m=audio 6000 RTP/AVP 0\r\n\
//!     a=rtpmap:0 PCMU/8000\r\n";
//! let offer = sdp::parse(offer)?;
//! assert_eq!(offer.media[0].port, 6000);
//!
//! let local = LocalMedia {
//!     addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
//!     rtp_port: 4000,
//!     codecs: &[Codec::PCMA, Codec::PCMU],
//!     ptime: 20,
//!     direction: Direction::SendRecv,
//!     telephone_event: Some(101),
//!     rtcp_mux: false,
//! };
//! // Session id and version come from the caller (sans-IO: no clock, no randomness here).
//! let answer = sdp::answer(&offer, &local, 7, 1)?;
//! let negotiated = answer.negotiated;
//! assert_eq!(negotiated.payload_type, 0);
//! assert_eq!(negotiated.remote_rtp, "127.0.0.1:6000".parse::<SocketAddr>()?);
//! assert_eq!(negotiated.remote_rtcp, "127.0.0.1:6001".parse::<SocketAddr>()?);
//!
//! let mut out = Vec::new();
//! answer.write(&mut out);
//! assert_eq!(
//!     out,
//!     b"v=0\r\n\
//!       o=- 7 1 IN IP4 192.0.2.1\r\n\
//!       s=-\r\n\
//!       c=IN IP4 192.0.2.1\r\n\
//!       t=0 0\r\n\
//!       m=audio 4000 RTP/AVP 0\r\n\
//!       a=rtpmap:0 PCMU/8000\r\n\
//!       a=ptime:20\r\n\
//!       a=sendrecv\r\n"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Errors name the line: `SDP line 6 (m=): the port is not a number 0..=65535`.

mod attribute;
mod codec;
mod connection;
mod error;
mod media;
mod offer_answer;
mod origin;
mod parse;
mod session;
mod write;

pub use attribute::{Attribute, Direction, Fmtp, Rtcp, Rtpmap};
pub use codec::{static_audio_payload_type, Codec, TELEPHONE_EVENT, TELEPHONE_EVENT_FMTP};
pub use connection::{Address, AddressType, Connection};
pub use error::{Limits, ParseError, ParseErrorKind};
pub use media::{Format, MediaDescription, MediaType};
pub use offer_answer::{
    answer, is_single_stream, negotiate, negotiated_from_answer, write_single_stream_answer,
    Answer, AudioOffer, LocalMedia, NegotiatedAudio, NegotiationError, RTP_AVP,
};
pub use origin::Origin;
pub use parse::{parse, parse_with_limits};
pub use session::{
    Bandwidth, Repeat, SessionDescription, TimeUnit, Timing, TypedTime, ZoneAdjustment,
};
