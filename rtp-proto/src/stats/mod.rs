//! Statistics and timing: NTP time, receive statistics (RFC 3550 Appendix A), sender counters,
//! and the RTCP transmission interval (§6.3, A.7) drawn from the caller-seeded
//! [`SeededRng`](crate::SeededRng).

mod interval;
mod ntp;
mod receive;
mod sender;

pub use interval::{rtcp_interval, update_avg_rtcp_size, RTCP_MIN_TIME};
pub use ntp::{duration_to_ntp_short, NtpTime, WallClockAnchor, NTP_UNIX_OFFSET_SECS};
pub use receive::{PacketStatus, ReceiveStats, MAX_DROPOUT, MAX_MISORDER, MIN_SEQUENTIAL};
pub use sender::SenderStats;
