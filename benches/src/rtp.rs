//! Media fixtures: a G.711 RTP packet, a leaving sender's compound RTCP, a PCM frame, and the
//! two media workloads measured per packet and per frame: a jitter buffer's put + pop, and a
//! conference mixer's tick.

use std::time::{Duration, Instant};

use rtp_proto::audio::{Mixer, ParticipantId};
use rtp_proto::codec::{decode_ulaw, encode_ulaw};
use rtp_proto::jitter::{JitterBuffer, JitterConfig, Playout};
use rtp_proto::rtcp::{build_compound, Bye, Report, ReportBlock, SenderReport};
use rtp_proto::stats::NtpTime;

/// Samples in one 20 ms G.711 frame at 8 kHz.
pub const FRAME_SAMPLES: usize = 160;

/// The duration of one such frame.
const FRAME: Duration = Duration::from_millis(20);

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

/// 160 A-law codes of the same tone.
pub fn alaw_frame() -> [u8; FRAME_SAMPLES] {
    let mut out = [0u8; FRAME_SAMPLES];
    rtp_proto::codec::encode_alaw(&pcm_frame(), &mut out);
    out
}

/// 160 linear samples of a 440 Hz tone at about -6 dBFS.
pub fn pcm_frame() -> [i16; FRAME_SAMPLES] {
    tone_frame(440.0, 0)
}

/// 160 linear samples of an `hz` tone at about -6 dBFS, starting `offset` samples in.
pub fn tone_frame(hz: f64, offset: usize) -> [i16; FRAME_SAMPLES] {
    let mut out = [0i16; FRAME_SAMPLES];
    for (n, s) in out.iter_mut().enumerate() {
        let t = (n + offset) as f64 / 8000.0;
        *s = (16_000.0 * (2.0 * std::f64::consts::PI * hz * t).sin()) as i16;
    }
    out
}

/// One packet's arrival at a receiver: when, and the packet's sequence number and RTP
/// timestamp.
#[derive(Debug, Clone, Copy)]
pub struct Arrival {
    /// The arrival instant, also the instant the frame due is popped.
    pub now: Instant,
    /// The RTP sequence number.
    pub seq: u16,
    /// The RTP timestamp.
    pub timestamp: u32,
}

/// A G.711 jitter buffer in steady state: each [`put_pop`](JitterBench::put_pop) puts the
/// next 20 ms packet (in order, on time) and pops the frame due at the same instant, as a
/// receive loop does once per packet.
///
/// The arrivals are built apart from the put and pop, by [`arrivals`](JitterBench::arrivals),
/// so that a benchmark can build them outside its timed loop: making a fresh `Instant` (an
/// addition with a carry into the seconds) is the caller's clock, not the buffer's work.
/// [`step`](JitterBench::step) does both, for callers that count rather than time.
pub struct JitterBench {
    jb: JitterBuffer,
    /// The arrival instant of the next packet to be built.
    now: Instant,
    n: u32,
    payload: [u8; FRAME_SAMPLES],
}

impl JitterBench {
    /// A buffer with the default G.711 configuration, already past its first second.
    pub fn new() -> Self {
        let mut b = Self {
            jb: JitterBuffer::new(JitterConfig::g711_20ms()),
            now: Instant::now(),
            n: 0,
            payload: ulaw_frame(),
        };
        for _ in 0..50 {
            b.step();
        }
        b
    }

    /// The next packet's arrival, one frame after the previous one.
    fn next_arrival(&mut self) -> Arrival {
        let n = self.n;
        self.n = n.wrapping_add(1);
        self.now += FRAME;
        Arrival {
            now: self.now,
            // The low 16 bits are the sequence number; timestamps wrap as RTP's do.
            seq: n as u16,
            timestamp: n.wrapping_mul(FRAME_SAMPLES as u32),
        }
    }

    /// Replaces `out` with the next `n` arrivals, to be given to
    /// [`put_pop`](Self::put_pop) in order.
    pub fn arrivals(&mut self, n: usize, out: &mut Vec<Arrival>) {
        out.clear();
        out.extend((0..n).map(|_| self.next_arrival()));
    }

    /// One packet in, one frame out; returns the played payload's length (0 if none).
    /// Inlined into the timed loop, so that no call of the harness's own is timed.
    #[inline(always)]
    pub fn put_pop(&mut self, a: Arrival) -> usize {
        self.jb.put(a.now, a.seq, a.timestamp, &self.payload);
        match self.jb.pop(a.now) {
            Playout::Frame { payload, .. } => payload.len(),
            _ => 0,
        }
    }

    /// The next arrival, put, and the frame due popped; returns the played payload's length.
    #[inline]
    pub fn step(&mut self) -> usize {
        let a = self.next_arrival();
        self.put_pop(a)
    }

    /// What the buffer counted (the benchmark checks every frame was played).
    pub fn counters(&self) -> rtp_proto::jitter::JitterCounters {
        self.jb.counters()
    }
}

impl Default for JitterBench {
    fn default() -> Self {
        Self::new()
    }
}

/// The most participants a [`MixerBench`] holds.
pub const MIX_MAX: usize = 64;

/// A conference bridge's 20 ms tick for `n` participants: decode every participant's μ-law
/// frame, mix (each hears the sum of the others), and encode every participant's output.
pub struct MixerBench {
    mixer: Mixer<MIX_MAX, FRAME_SAMPLES>,
    ids: Vec<ParticipantId>,
    inputs: Vec<[u8; FRAME_SAMPLES]>,
    outputs: Vec<[u8; FRAME_SAMPLES]>,
    pcm: [i16; FRAME_SAMPLES],
}

impl MixerBench {
    /// `n` participants (at most [`MIX_MAX`]), each speaking a different tone.
    pub fn new(n: usize) -> Self {
        let mut mixer = Mixer::new();
        let ids = (0..n.min(MIX_MAX)).filter_map(|_| mixer.join()).collect();
        let inputs = (0..n.min(MIX_MAX))
            .map(|i| {
                let mut codes = [0u8; FRAME_SAMPLES];
                encode_ulaw(&tone_frame(300.0 + 37.0 * i as f64, i), &mut codes);
                codes
            })
            .collect();
        Self {
            mixer,
            ids,
            inputs,
            outputs: vec![[0u8; FRAME_SAMPLES]; n.min(MIX_MAX)],
            pcm: [0; FRAME_SAMPLES],
        }
    }

    /// One tick: decode + mix + encode for every participant; returns a checksum.
    #[inline]
    pub fn tick(&mut self) -> u32 {
        for (id, codes) in self.ids.iter().zip(&self.inputs) {
            if let Some(input) = self.mixer.input_mut(*id) {
                decode_ulaw(codes, input);
            }
        }
        self.mixer.mix();
        let mut sum = 0u32;
        for (id, out) in self.ids.iter().zip(&mut self.outputs) {
            self.mixer.output(*id, &mut self.pcm);
            encode_ulaw(&self.pcm, out);
            sum = sum.wrapping_add(u32::from(out[0]));
        }
        sum
    }

    /// Participants mixed.
    pub fn participants(&self) -> usize {
        self.ids.len()
    }
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
    fn media_workloads_run_steadily() {
        let mut jb = JitterBench::new();
        for _ in 0..1000 {
            assert_eq!(jb.step(), FRAME_SAMPLES);
        }
        let mut arrivals = Vec::new();
        jb.arrivals(100, &mut arrivals);
        assert_eq!(arrivals.len(), 100);
        for a in arrivals {
            assert_eq!(jb.put_pop(a), FRAME_SAMPLES);
        }
        let c = jb.counters();
        assert_eq!((c.late, c.concealed, c.underruns), (0, 0, 0));
        let mut m = MixerBench::new(3);
        assert_eq!(m.participants(), 3);
        assert_eq!(m.tick(), m.tick());
    }

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
