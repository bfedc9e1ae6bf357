//! What a sender counts for its sender reports (RFC 3550 §6.4.1 "sender info").

use super::ntp::WallClockAnchor;
use crate::rtcp::{ReportBlock, SenderReport};
use crate::time::Instant;

/// Packet and octet counts of one outgoing stream, and the timestamp mapping for SRs.
#[derive(Debug, Clone, Default)]
pub struct SenderStats {
    packets: u32,
    octets: u32,
    last: Option<(Instant, u32)>,
}

impl SenderStats {
    /// Nothing sent yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a packet sent at `now` with media `timestamp` and `payload_len` payload octets
    /// (headers and padding are not counted, §6.4.1 "sender's octet count").
    pub fn on_sent(&mut self, now: Instant, timestamp: u32, payload_len: usize) {
        self.packets = self.packets.wrapping_add(1);
        // The wire field wraps modulo 2^32; so does the count.
        self.octets = self.octets.wrapping_add(payload_len as u32);
        self.last = Some((now, timestamp));
    }

    /// Packets sent (wraps like the SR field).
    pub fn packets(&self) -> u32 {
        self.packets
    }

    /// Payload octets sent (wraps like the SR field).
    pub fn octets(&self) -> u32 {
        self.octets
    }

    /// Whether anything has been sent: an SR rather than an RR heads our compound (§6.4).
    pub fn has_sent(&self) -> bool {
        self.last.is_some()
    }

    /// The RTP timestamp corresponding to `now`, extrapolated from the last packet sent at
    /// `clock_rate` Hz (§6.4.1: "the same time as the NTP timestamp"). `None` before sending.
    pub fn rtp_timestamp_at(&self, now: Instant, clock_rate: u32) -> Option<u32> {
        let (at, ts) = self.last?;
        let ticks = if now >= at {
            (now - at).as_nanos() * u128::from(clock_rate) / 1_000_000_000
        } else {
            // A report timed before the last packet: step back instead.
            let back = (at - now).as_nanos() * u128::from(clock_rate) / 1_000_000_000;
            u128::from(u32::MAX) + 1 - (back % (u128::from(u32::MAX) + 1))
        };
        // Truncation to 32 bits is RTP timestamp wrap.
        Some(ts.wrapping_add(ticks as u32))
    }

    /// A sender report for `ssrc` at `now`, its NTP time from `anchor`, with `reports`.
    pub fn sender_report<'a>(
        &self,
        now: Instant,
        ssrc: u32,
        anchor: &WallClockAnchor,
        clock_rate: u32,
        reports: &'a [ReportBlock],
    ) -> SenderReport<'a> {
        SenderReport {
            ssrc,
            ntp: anchor.ntp_at(now),
            rtp_timestamp: self.rtp_timestamp_at(now, clock_rate).unwrap_or(0),
            packet_count: self.packets,
            octet_count: self.octets,
            reports: reports.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::NtpTime;
    use crate::time::Duration;

    #[test]
    fn counts_and_extrapolates() {
        let t0 = crate::test_epoch();
        let mut s = SenderStats::new();
        assert!(!s.has_sent());
        assert_eq!(s.rtp_timestamp_at(t0, 8000), None);
        for i in 0..3u32 {
            s.on_sent(
                t0 + Duration::from_millis(20 * u64::from(i)),
                1000 + 160 * i,
                160,
            );
        }
        assert_eq!((s.packets(), s.octets()), (3, 480));
        let now = t0 + Duration::from_millis(100);
        assert_eq!(s.rtp_timestamp_at(now, 8000), Some(1320 + 480));
        assert_eq!(s.rtp_timestamp_at(t0, 8000), Some(1000));
        let anchor = WallClockAnchor::new(t0, NtpTime::from_parts(10, 0));
        let sr = s.sender_report(now, 42, &anchor, 8000, &[]);
        assert_eq!(sr.ssrc, 42);
        assert_eq!(sr.ntp.middle32(), (10 << 16) | 6553); // 0.1 s = 6553.6 / 65536
        assert_eq!(sr.rtp_timestamp, 1800);
        assert_eq!((sr.packet_count, sr.octet_count), (3, 480));
    }
}
