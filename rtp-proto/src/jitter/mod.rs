//! An adaptive jitter buffer for one RTP audio stream.
//!
//! Packets go in as they arrive, in any order, with [`JitterBuffer::put`]; the audio device
//! pulls one frame per frame period with [`JitterBuffer::pop`]. The buffer
//!
//! - plays frames strictly in media-timestamp order, one frame of
//!   [`JitterConfig::samples_per_frame`] per pop;
//! - drops duplicates, packets whose frame was already played (too late), and packets beyond
//!   its capacity, and counts each;
//! - keeps the playout point a *target delay* behind the fastest recent packet, where the
//!   target follows the measured jitter (a high quantile of recent extra delays, see
//!   `delay.rs`), clamped to [`JitterConfig::min_delay`]..=[`JitterConfig::max_delay`];
//!   it grows the delay by concealing one frame ([`MissingReason::Stretch`]) and shrinks it by
//!   skipping a frame;
//! - hands [`Playout::Missing`] for a frame that was lost, calling the caller's
//!   [`Conceal`] hook with [`JitterBuffer::pop_with`], and [`Playout::Underrun`] when it has
//!   nothing at all to play;
//! - resets on a timestamp jump larger than its capacity (a new talkspurt after long silence,
//!   a sender restart) and on an SSRC change seen by [`JitterBuffer::put_rtp`].
//!
//! Storage is allocated once, at construction: `capacity` slots of `max_payload` octets.
//! Nothing is allocated per packet, and a packet costs O(1): no division, no scan of the
//! buffer or of the delay window. Time only comes in through `now` (RFC 3550 §6.4.1's
//! transit-time idea, applied to playout; no clock is read).

mod buffer;
mod delay;

pub use buffer::JitterBuffer;

use crate::time::Duration;

/// How a jitter buffer is sized and bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JitterConfig {
    /// The RTP clock rate in Hz (8000 for G.711, RFC 3551 §4.5.14).
    pub clock_rate: u32,
    /// Timestamp units per frame (160 for 20 ms at 8 kHz): one pop plays one frame.
    pub samples_per_frame: u32,
    /// Frames held at most, rounded up to a power of two; packets further ahead push the
    /// oldest out.
    pub capacity: usize,
    /// Largest payload stored; longer payloads are dropped and counted.
    pub max_payload: usize,
    /// The smallest target delay.
    pub min_delay: Duration,
    /// The largest target delay.
    pub max_delay: Duration,
}

impl JitterConfig {
    /// 20 ms G.711 frames at 8 kHz, 64 frames of 160 octets, delay between 20 and 400 ms.
    pub fn g711_20ms() -> Self {
        Self {
            clock_rate: 8000,
            samples_per_frame: 160,
            capacity: 64,
            max_payload: 160,
            min_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(400),
        }
    }

    /// The duration of one frame.
    pub fn frame_duration(&self) -> Duration {
        let nanos =
            u64::from(self.samples_per_frame) * 1_000_000_000 / u64::from(self.clock_rate.max(1));
        Duration::from_nanos(nanos)
    }
}

/// What one pop yields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Playout<'a> {
    /// A frame to decode and play.
    Frame {
        /// Its RTP sequence number.
        seq: u16,
        /// Its RTP timestamp.
        timestamp: u32,
        /// Its payload, valid until the next call on the buffer.
        payload: &'a [u8],
    },
    /// No packet for this frame: conceal it (packet loss concealment or comfort noise).
    Missing {
        /// The frame's timestamp.
        timestamp: u32,
        /// Why it is missing.
        reason: MissingReason,
    },
    /// Nothing to play at all: the buffer is empty or still filling. Play silence.
    Underrun,
}

/// Why [`Playout::Missing`] was returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingReason {
    /// The packet for this frame never arrived (lost, or arrived after its playout).
    Lost,
    /// The buffer is growing its delay toward a higher target: an extra frame is played
    /// before the same timestamp is played for real.
    Stretch,
}

/// The caller's packet loss concealment, called by [`JitterBuffer::pop_with`] for every
/// [`Playout::Missing`].
pub trait Conceal {
    /// Produce audio for a frame with no packet. `previous` is the last payload played
    /// since the last reset, if any, for extrapolation.
    fn conceal(&mut self, timestamp: u32, reason: MissingReason, previous: Option<&[u8]>);
}

impl<F: FnMut(u32, MissingReason, Option<&[u8]>)> Conceal for F {
    fn conceal(&mut self, timestamp: u32, reason: MissingReason, previous: Option<&[u8]>) {
        self(timestamp, reason, previous)
    }
}

/// What a jitter buffer counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JitterCounters {
    /// Packets given to `put`.
    pub received: u64,
    /// Frames played from a packet.
    pub played: u64,
    /// Frames concealed because their packet was missing.
    pub concealed: u64,
    /// Frames concealed to grow the delay.
    pub stretched: u64,
    /// Frames skipped to shrink the delay.
    pub shrunk: u64,
    /// Pops with nothing buffered after playout had started.
    pub underruns: u64,
    /// Duplicate packets dropped.
    pub duplicates: u64,
    /// Packets dropped because their frame had already been played.
    pub late: u64,
    /// Frames pushed out because a packet arrived beyond capacity.
    pub overflow: u64,
    /// Payloads over `max_payload`, dropped.
    pub oversized: u64,
    /// Resets on a timestamp jump or SSRC change.
    pub resets: u64,
}

#[cfg(test)]
mod tests;
