//! Statistics and timing: NTP time, receive statistics (RFC 3550 Appendix A), sender counters,
//! and the RTCP transmission interval (§6.3, A.7) drawn from the caller-seeded
//! [`SeededRng`](crate::SeededRng). [`RtpReceiver`] wraps per-source statistics with payload
//! type filtering, source latching, SSRC collision/loop detection (§8.2), BYE and timeout
//! handling (§6.3.5, §6.3.7) and round-trip times (§6.4.1).

mod interval;
mod ntp;
mod receive;
mod rtt;
mod sender;
mod source_table;

pub use interval::{rtcp_interval, update_avg_rtcp_size, RTCP_MIN_TIME};
pub use ntp::{duration_to_ntp_short, NtpTime, WallClockAnchor, NTP_UNIX_OFFSET_SECS};
pub use receive::{PacketStatus, ReceiveStats, MAX_DROPOUT, MAX_MISORDER, MIN_SEQUENTIAL};
pub use rtt::round_trip_time;
pub use sender::SenderStats;
pub use source_table::{
    DropReason, ReceiverConfig, ReceiverCounters, ReceiverEvent, RtpReceiver, RtpVerdict,
    MAX_PAYLOAD_TYPES, TIMEOUT_INTERVALS,
};
