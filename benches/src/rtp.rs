//! Media fixtures: a G.711 RTP packet, a leaving sender's compound RTCP, a PCM frame.

use rtp_proto::rtcp::{build_compound, Bye, Report, ReportBlock, SenderReport};
use rtp_proto::stats::NtpTime;

/// Samples in one 20 ms G.711 frame at 8 kHz.
pub const FRAME_SAMPLES: usize = 160;

/// The SSRC of the sending side in every media fixture.
pub const SSRC: u32 = 0x1234_5678;

/// A 20 ms PCMU RTP packet: a 12-byte header (no CSRC, no extension) and 160 payload octets.
pub fn rtp_packet() -> Vec<u8> {
    let mut p = Vec::with_capacity(12 + FRAME_SAMPLES);
    p.push(0x80); // V=2, no padding, no extension, CC=0
    p.push(0x80); // marker, PT 0 (PCMU)
    p.extend_from_slice(&4711u16.to_be_bytes());
    p.extend_from_slice(&160_000u32.to_be_bytes());
    p.extend_from_slice(&SSRC.to_be_bytes());
    p.extend_from_slice(&ulaw_frame());
    p
}

/// 160 μ-law codes of a 440 Hz tone, the payload of [`rtp_packet`].
pub fn ulaw_frame() -> [u8; FRAME_SAMPLES] {
    let mut out = [0u8; FRAME_SAMPLES];
    rtp_proto::codec::encode_ulaw(&pcm_frame(), &mut out);
    out
}

/// 160 linear samples of a 440 Hz tone at about -6 dBFS.
pub fn pcm_frame() -> [i16; FRAME_SAMPLES] {
    let mut out = [0i16; FRAME_SAMPLES];
    for (n, s) in out.iter_mut().enumerate() {
        let t = n as f64 / 8000.0;
        *s = (16_000.0 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()) as i16;
    }
    out
}

/// The compound a sender emits when leaving (RFC 3550 §6.1, §6.6): an SR with one report
/// block, an SDES with its CNAME, and a BYE with a reason. 88 bytes.
pub fn rtcp_compound() -> Vec<u8> {
    let reports = [ReportBlock {
        ssrc: 0x9abc_def0,
        fraction_lost: 3,
        cumulative_lost: 17,
        highest_seq: 0x0001_2345,
        jitter: 42,
        last_sr: 0x1122_3344,
        delay_since_last_sr: 0x0000_8000,
    }];
    let sr = SenderReport {
        ssrc: SSRC,
        ntp: NtpTime::from_parts(3_900_000_000, 0x8000_0000),
        rtp_timestamp: 160_000,
        packet_count: 1_000,
        octet_count: 160_000,
        reports: reports[..].into(),
    };
    let bye = Bye {
        ssrcs: [SSRC][..].into(),
        reason: Some(b"call ended"),
    };
    let mut buf = [0u8; 256];
    let n = build_compound(
        &mut buf,
        Report::Sender(&sr),
        b"alice@192.0.2.101",
        Some(&bye),
    )
    // invariant: the fixture is far below 256 bytes and every field is in range.
    .expect("fixture fits");
    buf[..n].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_parse_with_our_crate() {
        let p = rtp_packet();
        let view = rtp_proto::rtp::RtpPacket::new_checked(&p[..]).unwrap();
        assert_eq!(view.payload().len(), FRAME_SAMPLES);
        let c = rtcp_compound();
        assert_eq!(
            rtp_proto::rtcp::CompoundIter::new(&c)
                .filter(Result::is_ok)
                .count(),
            3
        );
    }
}
