//! Audio helpers: the comfort noise payload (RFC 3389) and an N-party mix-minus mixer.

mod cn;
mod mixer;

pub use cn::{ComfortNoise, MAX_CN_LEVEL};
pub use mixer::{Mixer, ParticipantId};
