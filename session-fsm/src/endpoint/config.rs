//! How an endpoint is set up.

use std::net::SocketAddr;

use crate::time::{Duration, Instant};

/// Everything an [`Endpoint`](super::Endpoint) needs to know at construction.
///
/// Nothing here is read from the environment: the address, the randomness seed and the
/// wall-clock anchor all come from the caller, so two endpoints built from the same config and
/// fed the same inputs behave identically.
#[derive(Debug, Clone)]
pub struct EndpointConfig {
    /// The address of the SIP socket, as peers should reach it (Via sent-by and Contact).
    pub local_sip: SocketAddr,
    /// The user part of our From and Contact URIs.
    pub user: String,
    /// The User-Agent / Server header value.
    pub user_agent: String,
    /// The most calls held at once. An INVITE beyond it is answered 503 with Retry-After.
    pub max_calls: usize,
    /// Seed for Call-IDs, tags, branches, SSRCs, initial RTP sequence numbers and timestamps.
    pub seed: u64,
    /// RFC 3261 timer T1, the round-trip estimate (default 500 ms).
    pub t1: Duration,
    /// RFC 3261 timer T2, the cap on non-INVITE and 2xx retransmission intervals (default 4 s).
    pub t2: Duration,
    /// RFC 3261 timer T4, how long the network may hold a message (default 5 s).
    pub t4: Duration,
    /// The tone our media source plays, in hertz; `None` sends silence.
    pub tone_hz: Option<f64>,
    /// Audio packet duration (RFC 3551 §4.5: 20 ms by default for G.711).
    pub ptime: Duration,
    /// How often RTCP reports go out (RFC 3550 §6.2: the 5 s minimum for a two-party call).
    pub rtcp_interval: Duration,
    /// Which instant corresponds to which wall-clock time, for the NTP timestamps of RTCP
    /// sender reports. The caller samples the system clock once; the core never does.
    pub wall_clock: WallClock,
}

/// An anchor tying the monotonic clock to wall-clock time.
#[derive(Debug, Clone, Copy)]
pub struct WallClock {
    /// An instant.
    pub instant: Instant,
    /// The time since the Unix epoch at that instant.
    pub unix: Duration,
}

impl EndpointConfig {
    /// A config with the RFC defaults, a 440 Hz tone and room for 1,000 calls.
    pub fn new(local_sip: SocketAddr, seed: u64, wall_clock: WallClock) -> Self {
        EndpointConfig {
            local_sip,
            user: "sansio".to_owned(),
            user_agent: concat!("sansio-voip/", env!("CARGO_PKG_VERSION")).to_owned(),
            max_calls: 1000,
            seed,
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
            tone_hz: Some(440.0),
            ptime: Duration::from_millis(20),
            rtcp_interval: Duration::from_secs(5),
            wall_clock,
        }
    }
}
