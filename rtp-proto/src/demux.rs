//! Telling apart what arrives on one media port: RTP, RTCP, STUN, DTLS, ZRTP and TURN
//! channel data.
//!
//! RFC 7983 §7 (updating RFC 5764 §5.1.2) sorts a datagram by its first octet; RFC 5761 §4
//! then separates RTCP from RTP multiplexed on one port by the second octet: RTCP packet
//! types 192..=223 sit where an RTP marker bit plus payload types 64..=95 would, a range RTP
//! must not use when multiplexing.

/// What kind of packet a datagram is, judged from its first two octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DatagramKind {
    /// STUN (first octet 0..=3).
    Stun,
    /// ZRTP (16..=19).
    Zrtp,
    /// DTLS (20..=63).
    Dtls,
    /// TURN channel data (64..=79).
    TurnChannel,
    /// RTP (128..=191 and a second octet outside 192..=223).
    Rtp,
    /// RTCP (128..=191 and a second octet in 192..=223, RFC 5761 §4).
    Rtcp,
    /// Anything else, including an empty datagram: drop it (RFC 7983 §7).
    Unknown,
}

/// Sorts a datagram by RFC 7983 §7 and RFC 5761 §4.
///
/// A datagram whose first octet says RTP/RTCP but that is a single octet long is
/// [`DatagramKind::Unknown`]. This only routes; the RTP or RTCP parser still checks the rest.
pub fn classify(datagram: &[u8]) -> DatagramKind {
    let Some(&first) = datagram.first() else {
        return DatagramKind::Unknown;
    };
    match first {
        0..=3 => DatagramKind::Stun,
        16..=19 => DatagramKind::Zrtp,
        20..=63 => DatagramKind::Dtls,
        64..=79 => DatagramKind::TurnChannel,
        128..=191 => match datagram.get(1) {
            Some(&second) if is_rtcp_type(second) => DatagramKind::Rtcp,
            Some(_) => DatagramKind::Rtp,
            None => DatagramKind::Unknown,
        },
        _ => DatagramKind::Unknown,
    }
}

/// Whether a second octet is an RTCP packet type under RFC 5761 §4 (192..=223).
pub fn is_rtcp_type(second_octet: u8) -> bool {
    (192..=223).contains(&second_octet)
}

/// Whether a datagram on a multiplexed port is RTCP (RFC 5761 §4): version 2 and a packet
/// type in 192..=223.
pub fn is_rtcp(datagram: &[u8]) -> bool {
    classify(datagram) == DatagramKind::Rtcp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_first_octet_boundary() {
        let kind = |a: u8, b: u8| classify(&[a, b]);
        assert_eq!(kind(0, 1), DatagramKind::Stun);
        assert_eq!(kind(3, 0), DatagramKind::Stun);
        assert_eq!(kind(4, 0), DatagramKind::Unknown);
        assert_eq!(kind(15, 0), DatagramKind::Unknown);
        assert_eq!(kind(16, 0), DatagramKind::Zrtp);
        assert_eq!(kind(19, 0), DatagramKind::Zrtp);
        assert_eq!(kind(20, 0), DatagramKind::Dtls);
        assert_eq!(kind(63, 0), DatagramKind::Dtls);
        assert_eq!(kind(64, 0), DatagramKind::TurnChannel);
        assert_eq!(kind(79, 0), DatagramKind::TurnChannel);
        assert_eq!(kind(80, 0), DatagramKind::Unknown);
        assert_eq!(kind(127, 0), DatagramKind::Unknown);
        assert_eq!(kind(128, 0), DatagramKind::Rtp);
        assert_eq!(kind(0x80, 0x80 | 96), DatagramKind::Rtp); // marker + PT 96
        assert_eq!(kind(0x80, 191), DatagramKind::Rtp);
        assert_eq!(kind(0x80, 192), DatagramKind::Rtcp);
        assert_eq!(kind(0x81, 200), DatagramKind::Rtcp); // SR
        assert_eq!(kind(0x80, 223), DatagramKind::Rtcp);
        assert_eq!(kind(0x80, 224), DatagramKind::Rtp);
        assert_eq!(kind(191, 201), DatagramKind::Rtcp);
        assert_eq!(kind(192, 201), DatagramKind::Unknown);
        assert_eq!(classify(&[]), DatagramKind::Unknown);
        assert_eq!(classify(&[0x80]), DatagramKind::Unknown);
        assert!(is_rtcp(&[0x80, 206, 0, 2]));
        assert!(!is_rtcp(&[0x80, 0, 0, 2]));
    }
}
