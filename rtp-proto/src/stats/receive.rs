//! Per-source receive statistics (RFC 3550 Appendix A.1, A.3, A.8; §6.4.1).
//!
//! Feed every RTP packet from one SSRC to [`ReceiveStats::on_packet`] with its arrival time;
//! ask [`ReceiveStats::report_block`] for the reception report when RTCP is due.

use super::ntp::duration_to_ntp_short;
use crate::rtcp::ReportBlock;
use crate::time::Instant;

/// Sequential packets needed before a new source is valid (RFC 3550 A.1).
pub const MIN_SEQUENTIAL: u16 = 2;
/// A forward jump at or beyond this many numbers is not trusted (RFC 3550 A.1).
pub const MAX_DROPOUT: u16 = 3000;
/// A backward step shorter than this is a late packet, not a jump (RFC 3550 A.1).
pub const MAX_MISORDER: u16 = 100;
/// The sequence number space (RFC 3550 A.1 `RTP_SEQ_MOD`).
const SEQ_MOD: u32 = 1 << 16;
/// An impossible `bad_seq`, so no packet matches it until one is recorded.
const NO_BAD_SEQ: u32 = SEQ_MOD + 1;
/// Recent sequence numbers remembered for duplicate detection; covers MAX_MISORDER.
const WINDOW: u16 = 128;

/// What [`ReceiveStats::on_packet`] decided about a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PacketStatus {
    /// The source is still on probation (A.1); the packet is not counted as received.
    Probation,
    /// In sequence (possibly after a gap or a wrap of the 16-bit number).
    InOrder,
    /// Older than the highest received (by fewer than MAX_MISORDER) and not seen before.
    Late,
    /// A sequence number already received (still counted as received by A.1, which is why
    /// cumulative loss can go negative).
    Duplicate,
    /// A jump of MAX_DROPOUT or more; dropped unless the next packet follows it (A.1).
    BadSequence,
    /// Two sequential packets after a big jump: the sender restarted, statistics re-synced.
    Restarted,
}

impl PacketStatus {
    /// Whether the packet should go on to the jitter buffer.
    pub fn is_valid(self) -> bool {
        matches!(self, Self::InOrder | Self::Late | Self::Restarted)
    }
}

/// Receive statistics for one synchronization source.
#[derive(Debug, Clone)]
pub struct ReceiveStats {
    clock_rate: u32,
    started: bool,
    // RFC 3550 A.1 `source` fields.
    max_seq: u16,
    cycles: u32,
    base_seq: u32,
    bad_seq: u32,
    probation: u16,
    received: u32,
    expected_prior: u32,
    received_prior: u32,
    // Bit i set: sequence number max_seq - i has been received.
    window: u128,
    // RFC 3550 A.8.
    reference: Option<Instant>,
    transit: Option<u32>,
    jitter_q4: u32,
    max_jitter: u32,
    // Counters.
    packets: u64,
    bytes: u64,
    duplicates: u64,
    late: u64,
    invalid: u64,
    // RFC 3550 §6.4.1 LSR and when it arrived.
    last_sr: Option<(u32, Instant)>,
}

impl ReceiveStats {
    /// Statistics for a source whose RTP clock runs at `clock_rate` Hz (8000 for G.711).
    ///
    /// The clock rate converts arrival times into timestamp units for jitter (A.8).
    pub fn new(clock_rate: u32) -> Self {
        Self {
            clock_rate,
            started: false,
            max_seq: 0,
            cycles: 0,
            base_seq: 0,
            bad_seq: NO_BAD_SEQ,
            probation: MIN_SEQUENTIAL,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            window: 0,
            reference: None,
            transit: None,
            jitter_q4: 0,
            max_jitter: 0,
            packets: 0,
            bytes: 0,
            duplicates: 0,
            late: 0,
            invalid: 0,
            last_sr: None,
        }
    }

    /// RFC 3550 A.1 `init_seq`.
    fn init_seq(&mut self, seq: u16) {
        self.base_seq = u32::from(seq);
        self.max_seq = seq;
        self.bad_seq = NO_BAD_SEQ;
        self.cycles = 0;
        self.received = 0;
        self.received_prior = 0;
        self.expected_prior = 0;
        self.window = 1;
    }

    /// Records one packet with sequence number `seq` and media `timestamp` that arrived at
    /// `now`, carrying `payload_len` payload octets.
    ///
    /// Implements the A.1 validity and wrap logic, counts duplicates and late packets, and
    /// updates the A.8 jitter estimate for every packet that is neither a duplicate nor a
    /// rejected jump.
    pub fn on_packet(
        &mut self,
        now: Instant,
        seq: u16,
        timestamp: u32,
        payload_len: usize,
    ) -> PacketStatus {
        self.packets += 1;
        self.bytes += payload_len as u64;
        if !self.started {
            self.started = true;
            self.init_seq(seq);
            self.max_seq = seq.wrapping_sub(1);
            self.probation = MIN_SEQUENTIAL;
        }
        let status = self.update_seq(seq);
        match status {
            PacketStatus::Duplicate => self.duplicates += 1,
            PacketStatus::Late => self.late += 1,
            PacketStatus::Probation | PacketStatus::BadSequence => self.invalid += 1,
            PacketStatus::Restarted => self.transit = None,
            PacketStatus::InOrder => {}
        }
        if !matches!(status, PacketStatus::Duplicate | PacketStatus::BadSequence) {
            self.update_jitter(now, timestamp);
        }
        status
    }

    /// RFC 3550 A.1 `update_seq`, with duplicate detection over a 128-number window.
    fn update_seq(&mut self, seq: u16) -> PacketStatus {
        let udelta = seq.wrapping_sub(self.max_seq);
        if self.probation > 0 {
            // Source not yet valid: wait for MIN_SEQUENTIAL packets in sequence.
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    self.init_seq(seq);
                    self.received += 1;
                    return PacketStatus::InOrder;
                }
            } else {
                self.probation = MIN_SEQUENTIAL - 1;
                self.max_seq = seq;
            }
            return PacketStatus::Probation;
        }
        if udelta < MAX_DROPOUT {
            if udelta == 0 {
                self.received += 1;
                return PacketStatus::Duplicate;
            }
            // In order, with a permissible gap.
            if seq < self.max_seq {
                // Sequence number wrapped: count another 64K cycle.
                self.cycles = self.cycles.wrapping_add(SEQ_MOD);
            }
            self.max_seq = seq;
            self.window = if udelta >= WINDOW {
                1
            } else {
                (self.window << udelta) | 1
            };
            self.received += 1;
            PacketStatus::InOrder
        } else if u32::from(udelta) <= SEQ_MOD - u32::from(MAX_MISORDER) {
            // The sequence number made a very large jump.
            if u32::from(seq) == self.bad_seq {
                // Two sequential packets: assume the other side restarted without telling us,
                // and re-sync as if this were the first packet.
                self.init_seq(seq);
                self.received += 1;
                PacketStatus::Restarted
            } else {
                self.bad_seq = (u32::from(seq) + 1) & (SEQ_MOD - 1);
                PacketStatus::BadSequence
            }
        } else {
            // Duplicate or reordered packet, 1..=MAX_MISORDER behind max_seq.
            self.received += 1;
            let behind = self.max_seq.wrapping_sub(seq);
            let bit = 1u128 << behind.min(WINDOW - 1);
            if self.window & bit != 0 {
                PacketStatus::Duplicate
            } else {
                self.window |= bit;
                PacketStatus::Late
            }
        }
    }

    /// Arrival time in timestamp units since the first packet, wrapping like RTP timestamps.
    fn arrival_ticks(&mut self, now: Instant) -> u32 {
        let reference = *self.reference.get_or_insert(now);
        let elapsed = now.saturating_duration_since(reference).as_nanos();
        // Truncation to 32 bits is the intended wrap.
        (elapsed * u128::from(self.clock_rate) / 1_000_000_000) as u32
    }

    /// RFC 3550 A.8, the integer form: `jitter_q4` holds 16 times the estimate.
    fn update_jitter(&mut self, now: Instant, timestamp: u32) {
        let transit = self.arrival_ticks(now).wrapping_sub(timestamp);
        if let Some(prev) = self.transit {
            // Wrapping difference read as signed: timestamps may wrap between packets.
            let d = u64::from((transit.wrapping_sub(prev) as i32).unsigned_abs());
            let j = u64::from(self.jitter_q4);
            // J += (|D| - J) / 16, in sixteenths; (j + 8) >> 4 <= j + d, so no underflow.
            let next = j + d - ((j + 8) >> 4);
            self.jitter_q4 = u32::try_from(next).unwrap_or(u32::MAX);
            self.max_jitter = self.max_jitter.max(self.jitter());
        }
        self.transit = Some(transit);
    }

    /// Records a sender report from this source: `ntp_middle32` is the middle 32 bits of its
    /// NTP timestamp, `now` when it arrived. Feeds LSR/DLSR (RFC 3550 §6.4.1).
    pub fn on_sender_report(&mut self, now: Instant, ntp_middle32: u32) {
        self.last_sr = Some((ntp_middle32, now));
    }

    /// The reception report block for this source as seen at `now`, or `None` before the
    /// source has left probation.
    ///
    /// Advances the "since last report" baseline used for the fraction lost (A.3), so call it
    /// once per report sent.
    pub fn report_block(&mut self, now: Instant, ssrc: u32) -> Option<ReportBlock> {
        if !self.started || self.probation > 0 {
            return None;
        }
        let expected = self.expected();
        let expected_interval = expected.wrapping_sub(self.expected_prior);
        self.expected_prior = expected;
        let received_interval = self.received.wrapping_sub(self.received_prior);
        self.received_prior = self.received;
        let lost_interval = i64::from(expected_interval) - i64::from(received_interval);
        let fraction_lost = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            // lost_interval <= expected_interval, so the quotient is at most 256; cap at 255.
            ((lost_interval << 8) / i64::from(expected_interval)).min(255) as u8
        };
        let (last_sr, delay_since_last_sr) = match self.last_sr {
            Some((lsr, at)) => (
                lsr,
                duration_to_ntp_short(now.saturating_duration_since(at)),
            ),
            None => (0, 0),
        };
        Some(ReportBlock {
            ssrc,
            fraction_lost,
            cumulative_lost: self.cumulative_lost(),
            highest_seq: self.extended_max_seq(),
            jitter: self.jitter(),
            last_sr,
            delay_since_last_sr,
        })
    }

    /// Cycles count in the upper 16 bits, highest sequence number in the lower (A.3).
    pub fn extended_max_seq(&self) -> u32 {
        self.cycles.wrapping_add(u32::from(self.max_seq))
    }

    /// Packets expected since the source became valid (A.3).
    pub fn expected(&self) -> u32 {
        self.extended_max_seq()
            .wrapping_sub(self.base_seq)
            .wrapping_add(1)
    }

    /// Cumulative packets lost (A.3), negative after duplicates, clamped to the signed 24-bit
    /// range of the report field.
    pub fn cumulative_lost(&self) -> i32 {
        let lost = i64::from(self.expected()) - i64::from(self.received);
        // Clamped into i32 range first, so the cast keeps the value.
        lost.clamp(-0x80_0000, 0x7f_ffff) as i32
    }

    /// Packets counted as received by A.1 (valid packets, duplicates included).
    pub fn received(&self) -> u32 {
        self.received
    }

    /// The interarrival jitter in timestamp units (A.8).
    pub fn jitter(&self) -> u32 {
        self.jitter_q4 >> 4
    }

    /// The largest jitter estimate seen.
    pub fn max_jitter(&self) -> u32 {
        self.max_jitter
    }

    /// Every packet passed to [`on_packet`](Self::on_packet).
    pub fn packets(&self) -> u64 {
        self.packets
    }

    /// Payload octets of every packet passed to [`on_packet`](Self::on_packet).
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Duplicates detected.
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    /// Late (out-of-order) packets.
    pub fn late(&self) -> u64 {
        self.late
    }

    /// Packets not accepted: on probation or a rejected jump.
    pub fn invalid(&self) -> u64 {
        self.invalid
    }

    /// Whether the source has passed probation.
    pub fn is_valid(&self) -> bool {
        self.started && self.probation == 0
    }

    /// The clock rate given at construction.
    pub fn clock_rate(&self) -> u32 {
        self.clock_rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Duration;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Feeds `seqs` 20 ms apart with timestamps following the sequence numbers.
    fn feed(stats: &mut ReceiveStats, t0: Instant, seqs: &[u16]) -> Vec<PacketStatus> {
        seqs.iter()
            .enumerate()
            .map(|(i, &s)| stats.on_packet(t0 + ms(20 * i as u64), s, u32::from(s) * 160, 160))
            .collect()
    }

    #[test]
    fn probation_needs_two_in_sequence() {
        let t0 = crate::test_epoch();
        let mut s = ReceiveStats::new(8000);
        use PacketStatus::*;
        assert_eq!(
            feed(&mut s, t0, &[10, 20, 21, 22]),
            vec![Probation, Probation, InOrder, InOrder]
        );
        assert_eq!(s.received(), 2);
        assert_eq!(s.invalid(), 2);
        assert_eq!(s.expected(), 2); // base is 21
        assert_eq!(s.cumulative_lost(), 0);
        assert!(ReceiveStats::new(8000).report_block(t0, 1).is_none());
    }

    #[test]
    fn wraps_at_65535() {
        let t0 = crate::test_epoch();
        let mut s = ReceiveStats::new(8000);
        let st = feed(&mut s, t0, &[65533, 65534, 65535, 0, 1]);
        assert!(st[1..].iter().all(|x| *x == PacketStatus::InOrder));
        assert_eq!(s.extended_max_seq(), 0x1_0001);
        assert_eq!(s.expected(), 4);
        assert_eq!(s.received(), 4);
        let rb = s.report_block(t0, 7).unwrap();
        assert_eq!(rb.highest_seq, 0x1_0001);
        assert_eq!(rb.cumulative_lost, 0);
        assert_eq!(rb.fraction_lost, 0);
    }

    #[test]
    fn big_jump_is_dropped_then_two_in_a_row_resync() {
        let t0 = crate::test_epoch();
        let mut s = ReceiveStats::new(8000);
        use PacketStatus::*;
        let st = feed(&mut s, t0, &[100, 101, 102, 5000, 103, 9000, 9001, 9002]);
        assert_eq!(
            st,
            vec![
                Probation,
                InOrder,
                InOrder,
                BadSequence,
                InOrder,
                BadSequence,
                Restarted,
                InOrder
            ]
        );
        assert_eq!(s.extended_max_seq(), 9002);
        assert_eq!(s.expected(), 2); // base 9001
        assert_eq!(s.received(), 2);
        // A jump of exactly MAX_DROPOUT - 1 is an in-order gap.
        let mut s = ReceiveStats::new(8000);
        feed(&mut s, t0, &[0, 1]);
        assert_eq!(s.on_packet(t0, 1 + MAX_DROPOUT - 1, 0, 0), InOrder);
        assert_eq!(
            s.on_packet(t0, 1 + MAX_DROPOUT - 1 + MAX_DROPOUT, 0, 0),
            BadSequence
        );
    }

    #[test]
    fn duplicates_and_late_packets() {
        let t0 = crate::test_epoch();
        let mut s = ReceiveStats::new(8000);
        use PacketStatus::*;
        let st = feed(&mut s, t0, &[1, 2, 4, 4, 3, 3, 2, 5]);
        assert_eq!(
            st,
            vec![Probation, InOrder, InOrder, Duplicate, Late, Duplicate, Duplicate, InOrder]
        );
        assert_eq!(s.duplicates(), 3);
        assert_eq!(s.late(), 1);
        // Base 2, max 5: expected 4; received counts duplicates (RFC A.1) = 7.
        assert_eq!(s.expected(), 4);
        assert_eq!(s.received(), 7);
        let rb = s.report_block(t0, 1).unwrap();
        assert_eq!(rb.cumulative_lost, -3);
        assert_eq!(rb.fraction_lost, 0);
        // MAX_MISORDER or more behind is a big jump (A.1 `udelta <= RTP_SEQ_MOD - MAX_MISORDER`).
        assert_eq!(
            s.on_packet(t0, 5u16.wrapping_sub(MAX_MISORDER), 0, 0),
            BadSequence
        );
        assert_eq!(
            s.on_packet(t0, 5u16.wrapping_sub(MAX_MISORDER - 1), 0, 0),
            Late
        );
    }

    /// RFC 3550 A.3: duplicates drive the cumulative loss negative; the report block's signed
    /// 24-bit field carries it sign-extended, and a receiver reads the same value back.
    #[test]
    fn negative_cumulative_loss_is_sign_extended_on_the_wire() {
        use crate::rtcp::{CompoundIter, EntryList, ReceiverReport, RtcpPacket};
        let t0 = crate::test_epoch();
        let mut s = ReceiveStats::new(8000);
        // Valid from 1; 2, 3, 4 each arrive twice: expected 4, received 7.
        feed(&mut s, t0, &[0, 1, 2, 2, 3, 3, 4, 4]);
        assert_eq!(s.cumulative_lost(), -3);
        let block = s.report_block(t0, 42).unwrap();
        assert_eq!((block.cumulative_lost, block.fraction_lost), (-3, 0));
        let blocks = [block];
        let rr = ReceiverReport {
            ssrc: 1,
            reports: EntryList::Items(&blocks),
        };
        let mut buf = [0u8; 32];
        let n = rr.emit(&mut buf).unwrap();
        // The block starts after the 8-octet header and SSRC; loss is octets 5..8 of it.
        assert_eq!(&buf[8 + 5..8 + 8], &[0xff, 0xff, 0xfd]);
        match CompoundIter::new(&buf[..n]).next() {
            Some(Ok(RtcpPacket::ReceiverReport(got))) => {
                assert_eq!(got.reports.iter().next().unwrap().cumulative_lost, -3);
            }
            other => panic!("expected an RR, got {other:?}"),
        }
    }

    #[test]
    fn fraction_lost_per_interval() {
        let t0 = crate::test_epoch();
        let mut s = ReceiveStats::new(8000);
        // Valid from 1; 2..=10 with 3, 5, 7 missing: expected 10, received 7.
        feed(&mut s, t0, &[0, 1, 2, 4, 6, 8, 9, 10]);
        let rb = s.report_block(t0, 9).unwrap();
        assert_eq!(rb.cumulative_lost, 3);
        assert_eq!(rb.fraction_lost, 76); // 3 * 256 / 10
                                          // Next interval: 11..=14 all arrive, then 16 (15 lost): 1 of 6 lost.
        for seq in [11, 12, 13, 14, 16] {
            s.on_packet(t0, seq, 0, 0);
        }
        let rb = s.report_block(t0, 9).unwrap();
        assert_eq!(rb.fraction_lost, 42); // 256 / 6
        assert_eq!(rb.cumulative_lost, 4);
        // Nothing new: fraction 0.
        assert_eq!(s.report_block(t0, 9).unwrap().fraction_lost, 0);
    }

    #[test]
    fn jitter_on_a_known_arrival_pattern() {
        let t0 = crate::test_epoch();
        let mut s = ReceiveStats::new(8000);
        // 20 ms packets (160 ticks); the second arrives 10 ms (80 ticks) late.
        s.on_packet(t0, 0, 1000, 160);
        s.on_packet(t0 + ms(30), 1, 1160, 160);
        assert_eq!(s.jitter(), 5); // 80 / 16
        s.on_packet(t0 + ms(40), 2, 1320, 160);
        assert_eq!(s.jitter(), 9); // (80 + 80 - 5) / 16 = 155 / 16
        s.on_packet(t0 + ms(60), 3, 1480, 160);
        assert_eq!(s.jitter(), 9); // 155 - 10 = 145
        assert_eq!(s.max_jitter(), 9);
        assert_eq!(s.report_block(t0 + ms(60), 1).unwrap().jitter, 9);
        assert_eq!(s.bytes(), 640);
        assert_eq!(s.packets(), 4);
    }

    #[test]
    fn timestamp_wrap_does_not_disturb_jitter() {
        let t0 = crate::test_epoch();
        let mut s = ReceiveStats::new(8000);
        let start = u32::MAX - 300;
        for i in 0..6u32 {
            s.on_packet(
                t0 + ms(20 * u64::from(i)),
                i as u16,
                start.wrapping_add(160 * i),
                160,
            );
        }
        assert_eq!(s.jitter(), 0);
    }

    #[test]
    fn lsr_and_dlsr() {
        let t0 = crate::test_epoch();
        let mut s = ReceiveStats::new(8000);
        feed(&mut s, t0, &[0, 1]);
        assert_eq!(s.report_block(t0, 1).unwrap().last_sr, 0);
        s.on_sender_report(t0, 0xabcd_1234);
        let rb = s.report_block(t0 + ms(1500), 1).unwrap();
        assert_eq!(rb.last_sr, 0xabcd_1234);
        assert_eq!(rb.delay_since_last_sr, 0x1_8000);
    }
}
