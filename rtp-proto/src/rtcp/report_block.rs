//! The reception report block shared by SR and RR (RFC 3550 §6.4.1).
//!
//! ```text
//! |                 SSRC_n (SSRC of the source)                   |
//! | fraction lost |       cumulative number of packets lost       |
//! |           extended highest sequence number received           |
//! |                      interarrival jitter                      |
//! |                         last SR (LSR)                         |
//! |                   delay since last SR (DLSR)                  |
//! ```

use super::entries::WireEntry;

/// Length of one report block.
pub const REPORT_BLOCK_LEN: usize = 24;

/// Largest cumulative loss the signed 24-bit field holds.
pub const CUMULATIVE_LOST_MAX: i32 = 0x7f_ffff;
/// Smallest (most negative, from duplicates) cumulative loss the field holds.
pub const CUMULATIVE_LOST_MIN: i32 = -0x80_0000;

/// One reception report about one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportBlock {
    /// The source this block reports on.
    pub ssrc: u32,
    /// Fraction lost since the previous report, in 1/256 (RFC 3550 §6.4.1, A.3).
    pub fraction_lost: u8,
    /// Packets lost since reception began; negative when duplicates arrived. Emitting clamps
    /// to the signed 24-bit range `CUMULATIVE_LOST_MIN..=CUMULATIVE_LOST_MAX`.
    pub cumulative_lost: i32,
    /// Cycles (upper 16 bits) and highest sequence number received (lower 16 bits).
    pub highest_seq: u32,
    /// Interarrival jitter in timestamp units (RFC 3550 §6.4.1, A.8).
    pub jitter: u32,
    /// Middle 32 bits of the NTP timestamp of the last SR from this source, or 0.
    pub last_sr: u32,
    /// Delay since that SR in 1/65536 s, or 0.
    pub delay_since_last_sr: u32,
}

impl ReportBlock {
    /// Reads a block from the first [`REPORT_BLOCK_LEN`] bytes of `b`; `None` if shorter.
    pub fn parse(b: &[u8]) -> Option<Self> {
        // Sign-extends the 24-bit loss by placing it in the top bytes and shifting back.
        b.get(..REPORT_BLOCK_LEN).map(<Self as WireEntry>::read)
    }

    /// Writes the block into the first [`REPORT_BLOCK_LEN`] bytes of `b`, which the caller has
    /// sized (the packet emitters check the whole length first).
    pub(crate) fn write_into(&self, b: &mut [u8]) {
        b[0..4].copy_from_slice(&self.ssrc.to_be_bytes());
        b[4] = self.fraction_lost;
        let lost = self
            .cumulative_lost
            .clamp(CUMULATIVE_LOST_MIN, CUMULATIVE_LOST_MAX)
            .to_be_bytes();
        b[5..8].copy_from_slice(&lost[1..4]);
        b[8..12].copy_from_slice(&self.highest_seq.to_be_bytes());
        b[12..16].copy_from_slice(&self.jitter.to_be_bytes());
        b[16..20].copy_from_slice(&self.last_sr.to_be_bytes());
        b[20..24].copy_from_slice(&self.delay_since_last_sr.to_be_bytes());
    }
}

impl WireEntry for ReportBlock {
    const LEN: usize = REPORT_BLOCK_LEN;

    #[inline]
    fn read(b: &[u8]) -> Self {
        // invariant: EntryList hands exactly LEN = 24 bytes; as an array, every field offset
        // below is checked at compile time.
        let mut a = [0u8; REPORT_BLOCK_LEN];
        a.copy_from_slice(b);
        let word = |at: usize| u32::from_be_bytes([a[at], a[at + 1], a[at + 2], a[at + 3]]);
        Self {
            ssrc: word(0),
            fraction_lost: a[4],
            cumulative_lost: i32::from_be_bytes([a[5], a[6], a[7], 0]) >> 8,
            highest_seq: word(8),
            jitter: word(12),
            last_sr: word(16),
            delay_since_last_sr: word(20),
        }
    }

    fn write(&self, b: &mut [u8]) {
        self.write_into(b);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn arb_block() -> impl Strategy<Value = ReportBlock> {
        (
            any::<u32>(),
            any::<u8>(),
            CUMULATIVE_LOST_MIN..=CUMULATIVE_LOST_MAX,
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
        )
            .prop_map(|(ssrc, f, lost, hs, j, lsr, dlsr)| ReportBlock {
                ssrc,
                fraction_lost: f,
                cumulative_lost: lost,
                highest_seq: hs,
                jitter: j,
                last_sr: lsr,
                delay_since_last_sr: dlsr,
            })
    }

    #[test]
    fn negative_loss_and_clamping() {
        let mut b = [0u8; 24];
        let block = ReportBlock {
            cumulative_lost: -2,
            ..ReportBlock::default()
        };
        block.write_into(&mut b);
        assert_eq!(&b[5..8], &[0xff, 0xff, 0xfe]);
        assert_eq!(ReportBlock::parse(&b).unwrap().cumulative_lost, -2);
        let huge = ReportBlock {
            cumulative_lost: 10_000_000,
            ..ReportBlock::default()
        };
        huge.write_into(&mut b);
        assert_eq!(&b[5..8], &[0x7f, 0xff, 0xff]);
        let tiny = ReportBlock {
            cumulative_lost: -10_000_000,
            ..ReportBlock::default()
        };
        tiny.write_into(&mut b);
        assert_eq!(ReportBlock::parse(&b).unwrap().cumulative_lost, -0x80_0000);
        assert_eq!(ReportBlock::parse(&b[..23]), None);
    }

    proptest! {
        #[test]
        fn round_trip(block in arb_block()) {
            let mut b = [0u8; 24];
            block.write_into(&mut b);
            prop_assert_eq!(ReportBlock::parse(&b), Some(block));
        }
    }
}
