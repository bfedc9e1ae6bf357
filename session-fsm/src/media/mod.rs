//! Media: one RTP/RTCP session per call.

mod session;

pub(crate) use session::{MediaSession, MediaSetup, MediaSocket};
