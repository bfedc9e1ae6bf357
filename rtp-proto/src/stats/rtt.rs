//! Round-trip time from a reception report (RFC 3550 §6.4.1).
//!
//! A report block about our stream echoes the middle 32 bits of the NTP time of our last SR
//! (LSR) and how long the reporter held it (DLSR). With `A` our NTP time when the report
//! arrived, the round trip is `A - LSR - DLSR`, all in 1/65536 s.

use super::ntp::NtpTime;
use crate::rtcp::ReportBlock;
use crate::time::Duration;

/// The round-trip time a report block implies, given our NTP time when it arrived.
///
/// `None` when the reporter has not received an SR from us yet (LSR = 0, §6.4.1) or when the
/// result would be negative (clocks or fields inconsistent: `A < LSR + DLSR`, read as more than
/// half the 16-bit-second range).
pub fn round_trip_time(block: &ReportBlock, arrival: NtpTime) -> Option<Duration> {
    if block.last_sr == 0 {
        return None;
    }
    let rtt = arrival
        .middle32()
        .wrapping_sub(block.last_sr)
        .wrapping_sub(block.delay_since_last_sr);
    // A wrapped (negative) result lands in the top half.
    if rtt > u32::MAX / 2 {
        return None;
    }
    Some(Duration::from_nanos(
        u64::from(rtt) * 1_000_000_000 / 65_536,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_3550_example() {
        // §6.4.1's worked example: A = 0xb710:8000 (46864.500 s), LSR = 0xb705:2000
        // (46853.125 s), DLSR = 0x0005:4000 (5.250 s): RTT = 6.125 s.
        let block = ReportBlock {
            last_sr: 0xb705_2000,
            delay_since_last_sr: 0x0005_4000,
            ..ReportBlock::default()
        };
        let a = NtpTime::from_parts(0xb710, 0x8000_0000);
        assert_eq!(
            round_trip_time(&block, a),
            Some(Duration::from_millis(6125))
        );
        let none = ReportBlock::default();
        assert_eq!(round_trip_time(&none, a), None);
        let future = ReportBlock {
            last_sr: 0xb711_0000,
            ..ReportBlock::default()
        };
        assert_eq!(round_trip_time(&future, a), None);
    }
}
