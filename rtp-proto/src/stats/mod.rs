//! Statistics and timing: NTP time, receive statistics (RFC 3550 Appendix A), sender counters,
//! the RTCP transmission interval (§6.3, A.7) and the seeded generator it draws from.

mod ntp;

pub use ntp::{duration_to_ntp_short, NtpTime, WallClockAnchor, NTP_UNIX_OFFSET_SECS};
