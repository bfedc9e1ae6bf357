//! NTP timestamps and the wall-clock anchor (RFC 3550 §4, RFC 5905 §6).
//!
//! Sender reports carry wall-clock time as a 64-bit NTP timestamp. This crate never reads the
//! system clock: the caller samples it once, pairs it with an [`Instant`] in a
//! [`WallClockAnchor`], and every later NTP time is derived from monotonic `now` values.

use crate::time::{Duration, Instant};

/// Seconds from the NTP era 0 epoch (1900-01-01) to the Unix epoch (1970-01-01).
pub const NTP_UNIX_OFFSET_SECS: u64 = 2_208_988_800;

/// A 64-bit NTP timestamp: 32 bits of seconds since 1900 and 32 bits of fraction
/// (RFC 3550 §4 "wallclock time").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct NtpTime(pub u64);

impl NtpTime {
    /// Builds a timestamp from whole seconds since 1900 and a 1/2^32 s fraction.
    pub const fn from_parts(seconds: u32, fraction: u32) -> Self {
        Self(((seconds as u64) << 32) | fraction as u64)
    }

    /// Converts a time since the Unix epoch (as a caller's `SystemTime` gives it) to NTP time.
    ///
    /// Seconds wrap modulo 2^32 (NTP era rollover in 2036), as on the wire.
    pub fn from_unix(since_unix_epoch: Duration) -> Self {
        let secs = since_unix_epoch
            .as_secs()
            .wrapping_add(NTP_UNIX_OFFSET_SECS);
        Self((secs << 32).wrapping_add(nanos_to_fraction(since_unix_epoch.subsec_nanos())))
    }

    /// The seconds part.
    pub const fn seconds(self) -> u32 {
        (self.0 >> 32) as u32
    }

    /// The fraction part, in 1/2^32 s.
    pub const fn fraction(self) -> u32 {
        self.0 as u32
    }

    /// The middle 32 bits, as RTCP's LSR field carries them (RFC 3550 §6.4.1), in 1/65536 s.
    pub const fn middle32(self) -> u32 {
        (self.0 >> 16) as u32
    }
}

impl core::ops::Add<Duration> for NtpTime {
    type Output = Self;

    /// Moves forward by `d`, wrapping like the wire format.
    fn add(self, d: Duration) -> Self {
        Self(self.0.wrapping_add(duration_to_ntp(d)))
    }
}

impl core::ops::Sub<Duration> for NtpTime {
    type Output = Self;

    /// Moves back by `d`, wrapping like the wire format.
    fn sub(self, d: Duration) -> Self {
        Self(self.0.wrapping_sub(duration_to_ntp(d)))
    }
}

/// Nanoseconds (< 1e9) to a 32-bit binary fraction of a second, rounded to nearest.
fn nanos_to_fraction(nanos: u32) -> u64 {
    ((u64::from(nanos) << 32) + 500_000_000) / 1_000_000_000
}

/// A duration as 32.32 fixed point, wrapping past 2^32 seconds.
fn duration_to_ntp(d: Duration) -> u64 {
    (d.as_secs() << 32).wrapping_add(nanos_to_fraction(d.subsec_nanos()))
}

/// A duration in RTCP's 1/65536-second units (RFC 3550 §6.4.1 DLSR), saturating at `u32::MAX`.
pub fn duration_to_ntp_short(d: Duration) -> u32 {
    let units = (d.as_nanos() << 16) / 1_000_000_000;
    u32::try_from(units).unwrap_or(u32::MAX)
}

/// Ties a monotonic [`Instant`] to the wall-clock NTP time at that instant.
///
/// The caller builds it once (for example from `SystemTime::now()` and `Instant::now()` read
/// together in the runtime adapter); the core then converts any `now` without a clock read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WallClockAnchor {
    /// The monotonic instant.
    pub instant: Instant,
    /// The wall-clock time at `instant`.
    pub ntp: NtpTime,
}

impl WallClockAnchor {
    /// Pairs `instant` with the NTP time `ntp`.
    pub fn new(instant: Instant, ntp: NtpTime) -> Self {
        Self { instant, ntp }
    }

    /// The NTP time at `at`, which may lie before or after the anchor.
    pub fn ntp_at(&self, at: Instant) -> NtpTime {
        if at >= self.instant {
            self.ntp + (at - self.instant)
        } else {
            self.ntp - (self.instant - at)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_and_middle() {
        let t = NtpTime::from_parts(0x1234_5678, 0x9abc_def0);
        assert_eq!(t.seconds(), 0x1234_5678);
        assert_eq!(t.fraction(), 0x9abc_def0);
        assert_eq!(t.middle32(), 0x5678_9abc);
    }

    #[test]
    fn unix_conversion() {
        let t = NtpTime::from_unix(Duration::new(0, 500_000_000));
        assert_eq!(t.seconds(), 2_208_988_800);
        assert_eq!(t.fraction(), 0x8000_0000);
        // 2036 rollover wraps seconds.
        let t = NtpTime::from_unix(Duration::from_secs((1u64 << 32) - NTP_UNIX_OFFSET_SECS + 5));
        assert_eq!(t.seconds(), 5);
    }

    #[test]
    fn anchor_converts_both_ways() {
        let base = crate::test_epoch();
        let anchor = WallClockAnchor::new(base, NtpTime::from_parts(100, 0));
        let later = anchor.ntp_at(base + Duration::from_millis(1250));
        assert_eq!(later, NtpTime::from_parts(101, 0x4000_0000));
        let anchor2 =
            WallClockAnchor::new(base + Duration::from_secs(2), NtpTime::from_parts(100, 0));
        assert_eq!(anchor2.ntp_at(base), NtpTime::from_parts(98, 0));
    }

    #[test]
    fn short_units() {
        assert_eq!(duration_to_ntp_short(Duration::from_millis(500)), 0x8000);
        assert_eq!(duration_to_ntp_short(Duration::from_secs(1)), 0x1_0000);
        assert_eq!(
            duration_to_ntp_short(Duration::from_secs(1 << 20)),
            u32::MAX
        );
    }
}
