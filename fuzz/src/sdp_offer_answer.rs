//! `sdp_offer_answer`: an arbitrary offer answered by [`sdp::answer`] (RFC 3264 §6), and the
//! answer read back by the offerer with [`sdp::negotiated_from_answer`] (§7).
//!
//! Invariants, when an answer is produced:
//! - its text parses, and parses back to the description that was written;
//! - it keeps the offer's number of `m=` lines and their media types (§6); the accepted
//!   stream carries our port, every other one port 0;
//! - the accepted stream is an audio stream the offer did not reject, and the negotiated
//!   payload type is one of its formats;
//! - the offerer's side never panics reading it; when the offer had a single `m=` line (the
//!   only shape an [`AudioOffer`] produces), it agrees with the answerer on payload type,
//!   codec, clock rate, telephone-event and rtcp-mux, sees the mirrored direction, and sends
//!   RTP to our address and port.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use sip_proto::sdp::{self, AudioOffer, Codec, Direction, LocalMedia, MediaType};

/// The answerer: PCMA then PCMU, DTMF on 101, rtcp-mux when offered.
pub const LOCAL: LocalMedia<'static> = LocalMedia {
    addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
    rtp_port: 4000,
    codecs: &[Codec::PCMA, Codec::PCMU],
    ptime: 20,
    direction: Direction::SendRecv,
    telephone_event: Some(101),
    rtcp_mux: true,
};

/// Runs the target on one input.
pub fn check(data: &[u8]) {
    let Ok(offer) = sdp::parse(data) else {
        return;
    };
    let Ok(answer) = sdp::answer(&offer, &LOCAL, 7, 1) else {
        return;
    };
    let n = answer.negotiated;
    let mut text = Vec::new();
    answer.write(&mut text);
    let parsed = match sdp::parse(&text) {
        Ok(p) => p,
        Err(e) => panic!(
            "the answer does not parse: {e}\n--- answer ---\n{}",
            String::from_utf8_lossy(&text)
        ),
    };
    assert_eq!(parsed, answer.description, "the answer does not round-trip");
    assert_eq!(
        parsed.media.len(),
        offer.media.len(),
        "m= line count changed"
    );
    for (i, (a, o)) in parsed.media.iter().zip(&offer.media).enumerate() {
        assert_eq!(a.media, o.media, "m= line {i} changed media type");
        if i == n.media_index {
            assert_eq!(a.port, LOCAL.rtp_port, "the accepted stream lacks our port");
        } else {
            assert_eq!(a.port, 0, "m= line {i} is neither accepted nor rejected");
        }
    }
    let accepted = offer
        .media
        .get(n.media_index)
        .expect("media_index names an offered m= line");
    assert_eq!(accepted.media, MediaType::Audio);
    assert_ne!(accepted.port, 0, "accepted a stream the offer rejected");
    assert!(
        accepted.payload_types().any(|pt| pt == n.payload_type),
        "negotiated payload type {} was not offered",
        n.payload_type
    );
    assert_eq!(n.codec.payload_type, n.payload_type);

    // The offerer's side, with the same codecs.
    let offerer = AudioOffer {
        session_id: 1,
        session_version: 1,
        local: LOCAL,
    };
    let seen = sdp::negotiated_from_answer(&offerer, &parsed);
    if offer.media.len() != 1 {
        assert!(
            seen.is_err(),
            "an answer with several m= lines was accepted"
        );
        return;
    }
    let seen = match seen {
        Ok(s) => s,
        Err(e) => panic!("the offerer cannot read our answer: {e}"),
    };
    assert_eq!(seen.payload_type, n.payload_type);
    assert_eq!(seen.codec, n.codec);
    assert_eq!(seen.clock_rate, n.clock_rate);
    assert_eq!(seen.telephone_event_pt, n.telephone_event_pt);
    assert_eq!(seen.rtcp_mux, n.rtcp_mux);
    assert_eq!(
        seen.direction,
        n.direction.reversed(),
        "directions do not mirror"
    );
    assert_eq!(
        seen.remote_rtp,
        SocketAddr::new(LOCAL.addr, LOCAL.rtp_port),
        "the offerer would send RTP elsewhere"
    );
}
