//! Per-stream RTP statistics computed the way Wireshark's RTP analysis computes them, so the
//! figures can be checked against `tshark -q -z rtp,streams`.
//!
//! Jitter is RFC 3550 §6.4.1 / A.8 in floating-point milliseconds, with arrival times from
//! the capture: `D = (arrival - previous arrival) - (timestamp - previous timestamp) / rate`,
//! `J += (|D| - J) / 16`, over every packet of the stream in capture order; the mean is over
//! every packet but the first. Loss is `expected - received`, duplicates counted as received
//! (RFC 3550 A.3), with `expected` running from the first packet's sequence number to the
//! *last* packet's, extended over wraps, as Wireshark counts it. RFC 3550 A.3 ends at the
//! *highest* number instead; the two differ only when a capture ends on a reordered packet
//! (Wireshark and rtpstat then report one or two fewer lost than an RTCP receiver would).

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

use rtp_proto::demux::{classify, DatagramKind};
use rtp_proto::rtp::RtpPacket;

/// RTP clock rates of the static payload types (RFC 3551 §6, Table 4 and 5); `None` for
/// dynamic or unassigned types, whose jitter cannot be computed without signalling.
pub fn clock_rate(pt: u8) -> Option<u32> {
    match pt {
        0 | 3 | 4 | 5 | 7 | 8 | 9 | 12 | 13 | 15 | 18 => Some(8000),
        6 => Some(16_000),
        10 | 11 => Some(44_100),
        14 | 25 | 26 | 28 | 31 | 32 | 33 | 34 => Some(90_000),
        16 => Some(11_025),
        17 => Some(22_050),
        _ => None,
    }
}

/// One stream's key: who sends, to whom, which source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct StreamKey {
    /// Source address.
    pub src: SocketAddr,
    /// Destination address.
    pub dst: SocketAddr,
    /// SSRC.
    pub ssrc: u32,
}

/// What rtpstat reports for one stream.
#[derive(Debug, Clone, Default)]
pub struct StreamStats {
    /// Payload type of the first packet.
    pub payload_type: u8,
    /// Packets received (duplicates included, as Wireshark counts them).
    pub packets: u64,
    /// Expected minus received.
    pub lost: i64,
    /// Packets whose sequence number had been seen before.
    pub duplicates: u64,
    /// Packets whose sequence number is not the previous one plus one.
    pub sequence_errors: u64,
    /// Largest jitter estimate in ms (`None` without a known clock rate).
    pub max_jitter_ms: Option<f64>,
    /// Mean of the jitter estimate over the stream's packets after the first, in ms.
    pub mean_jitter_ms: Option<f64>,
    /// Largest gap between consecutive arrivals, in ms.
    pub max_delta_ms: f64,
    first_seq: u32,
    highest_ext_seq: u64,
    last_ext_seq: u64,
    last_seq: u16,
    seen: BTreeSet<u64>,
    last_time_ns: u64,
    last_ts: u32,
    ts_unwrapped: i64,
    last_nominal_ms: f64,
    jitter_ms: f64,
    jitter_sum: f64,
}

impl StreamStats {
    fn first(time_ns: u64, pt: u8, seq: u16, ts: u32) -> Self {
        let mut seen = BTreeSet::new();
        seen.insert(u64::from(seq));
        Self {
            payload_type: pt,
            packets: 1,
            first_seq: u32::from(seq),
            highest_ext_seq: u64::from(seq),
            last_ext_seq: u64::from(seq),
            last_seq: seq,
            seen,
            last_time_ns: time_ns,
            last_ts: ts,
            max_jitter_ms: clock_rate(pt).map(|_| 0.0),
            mean_jitter_ms: clock_rate(pt).map(|_| 0.0),
            ..Self::default()
        }
    }

    fn update(&mut self, time_ns: u64, seq: u16, ts: u32) {
        self.packets += 1;
        if seq != self.last_seq.wrapping_add(1) {
            self.sequence_errors += 1;
        }
        self.last_seq = seq;
        // Extend the sequence number next to the highest seen so far.
        let highest = self.highest_ext_seq;
        let delta = i64::from(seq.wrapping_sub(highest as u16) as i16);
        let ext = (highest as i64 + delta).max(0) as u64;
        if !self.seen.insert(ext) {
            self.duplicates += 1;
        }
        self.highest_ext_seq = highest.max(ext);
        self.last_ext_seq = ext;
        // Signed: a capture need not be in time order.
        let delta_ns = time_ns as i128 - self.last_time_ns as i128;
        let delta_ms = delta_ns as f64 / 1e6;
        self.max_delta_ms = self.max_delta_ms.max(delta_ms);
        self.last_time_ns = time_ns;
        self.ts_unwrapped += i64::from(ts.wrapping_sub(self.last_ts) as i32);
        self.last_ts = ts;
        if let Some(rate) = clock_rate(self.payload_type) {
            let nominal_ms = self.ts_unwrapped as f64 * 1000.0 / f64::from(rate);
            let d = delta_ms - (nominal_ms - self.last_nominal_ms);
            self.jitter_ms += (d.abs() - self.jitter_ms) / 16.0;
            self.last_nominal_ms = nominal_ms;
            self.jitter_sum += self.jitter_ms;
            self.max_jitter_ms = Some(self.max_jitter_ms.unwrap_or(0.0).max(self.jitter_ms));
            // Averaged over the packets that updated it: all but the first (as Wireshark does).
            self.mean_jitter_ms = Some(self.jitter_sum / (self.packets - 1) as f64);
        }
        // Wireshark's expected count ends at the last packet, not the highest (see the module
        // docs); a last packet from before the first gives an expected count of 0 or less.
        let expected = self.last_ext_seq as i64 - i64::from(self.first_seq) + 1;
        self.lost = expected - self.packets as i64;
    }
}

/// Everything rtpstat found.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Streams by key, in key order.
    pub streams: BTreeMap<StreamKey, StreamStats>,
    /// UDP datagrams that looked like RTP by their first octets but failed its checks.
    pub malformed_rtp: u64,
    /// UDP datagrams that were RTCP by the RFC 5761 rule.
    pub rtcp: u64,
    /// Other UDP datagrams.
    pub other_udp: u64,
}

impl Analysis {
    /// Feeds one UDP datagram captured at `time_ns` nanoseconds.
    pub fn datagram(&mut self, time_ns: u64, src: SocketAddr, dst: SocketAddr, payload: &[u8]) {
        match classify(payload) {
            DatagramKind::Rtp => {}
            DatagramKind::Rtcp => {
                self.rtcp += 1;
                return;
            }
            _ => {
                self.other_udp += 1;
                return;
            }
        }
        let Ok(p) = RtpPacket::new_checked(payload) else {
            self.malformed_rtp += 1;
            return;
        };
        let key = StreamKey {
            src,
            dst,
            ssrc: p.ssrc(),
        };
        let (seq, ts) = (p.sequence_number(), p.timestamp());
        match self.streams.get_mut(&key) {
            Some(s) => s.update(time_ns, seq, ts),
            None => {
                self.streams
                    .insert(key, StreamStats::first(time_ns, p.payload_type(), seq, ts));
            }
        }
    }
}
