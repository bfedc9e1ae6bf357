//! The buffer itself: a ring of frame slots indexed by media time.
//!
//! Timestamps are unwrapped to 64 bits from the last reset; frame `k` covers the timestamps
//! `origin + k * samples_per_frame`. Slot `k mod capacity` holds frame `k`. The playout point
//! `next_frame` only moves forward, so frames leave in timestamp order.

use super::delay::DelayEstimator;
use super::{Conceal, JitterConfig, JitterCounters, MissingReason, Playout};
use crate::rtp::RtpPacket;
use crate::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum SlotState {
    #[default]
    Empty,
    Ready,
    Played,
}

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    frame: i64,
    seq: u16,
    timestamp: u32,
    len: usize,
    state: SlotState,
}

/// The timeline since the last reset.
#[derive(Debug, Clone, Copy)]
struct Timeline {
    /// The timestamp of frame 0.
    origin_ts: u32,
    /// The last timestamp seen and its unwrapped value (relative to `origin_ts`).
    ref_ts: u32,
    ref_unwrapped: i64,
}

/// What one pop decided, before borrowing the payload.
enum Step {
    Frame(usize),
    Missing(u32, MissingReason),
    Underrun,
}

/// An adaptive jitter buffer; see the [module docs](super).
#[derive(Debug, Clone)]
pub struct JitterBuffer {
    config: JitterConfig,
    slots: Vec<Slot>,
    data: Vec<u8>,
    epoch: Option<Instant>,
    ssrc: Option<u32>,
    timeline: Option<Timeline>,
    next_frame: i64,
    newest_frame: Option<i64>,
    playing: bool,
    last_played: Option<usize>,
    delay: DelayEstimator,
    counters: JitterCounters,
}

impl JitterBuffer {
    /// A buffer with all its storage allocated now: `capacity` slots of `max_payload` octets
    /// (a capacity of 0 is raised to 1).
    pub fn new(config: JitterConfig) -> Self {
        let config = JitterConfig {
            capacity: config.capacity.max(1),
            samples_per_frame: config.samples_per_frame.max(1),
            clock_rate: config.clock_rate.max(1),
            ..config
        };
        Self {
            slots: vec![Slot::default(); config.capacity],
            data: vec![0; config.capacity.saturating_mul(config.max_payload)],
            epoch: None,
            ssrc: None,
            timeline: None,
            next_frame: 0,
            newest_frame: None,
            playing: false,
            last_played: None,
            delay: DelayEstimator::new(config.min_delay, config.max_delay, config.frame_duration()),
            counters: JitterCounters::default(),
            config,
        }
    }

    /// Forgets every buffered frame and the timeline; the next packet starts afresh. The
    /// target delay is kept as the starting point.
    pub fn reset(&mut self) {
        self.timeline = None;
        self.ssrc = None;
        self.clear_slots();
    }

    fn clear_slots(&mut self) {
        for s in &mut self.slots {
            s.state = SlotState::Empty;
        }
        self.next_frame = 0;
        self.newest_frame = None;
        self.playing = false;
        self.last_played = None;
        self.delay.clear();
    }

    /// Nanoseconds since the first call, from the caller's `now`.
    fn t(&mut self, now: Instant) -> i64 {
        let epoch = *self.epoch.get_or_insert(now);
        i64::try_from(now.saturating_duration_since(epoch).as_nanos()).unwrap_or(i64::MAX)
    }

    /// Nanoseconds of media from frame 0 to unwrapped timestamp offset `units`.
    fn media_ns(&self, units: i64) -> i64 {
        units.saturating_mul(1_000_000_000) / i64::from(self.config.clock_rate)
    }

    fn spf(&self) -> i64 {
        i64::from(self.config.samples_per_frame)
    }

    fn frame_ns(&self) -> i64 {
        self.media_ns(self.spf())
    }

    fn slot_index(&self, frame: i64) -> usize {
        // rem_euclid of a positive capacity is in 0..capacity, which fits usize.
        frame.rem_euclid(self.slots.len() as i64) as usize
    }

    fn slot(&self, frame: i64) -> Option<&Slot> {
        self.slots
            .get(self.slot_index(frame))
            .filter(|s| s.frame == frame)
    }

    fn is_ready(&self, frame: i64) -> bool {
        self.slot(frame)
            .is_some_and(|s| s.state == SlotState::Ready)
    }

    fn timestamp_of(&self, frame: i64) -> u32 {
        let origin = self.timeline.map_or(0, |t| t.origin_ts);
        // Truncation to 32 bits is RTP timestamp wrap.
        origin.wrapping_add(frame.wrapping_mul(self.spf()) as u32)
    }

    /// Starts a new timeline at `timestamp`.
    fn start_timeline(&mut self, timestamp: u32) {
        self.clear_slots();
        self.timeline = Some(Timeline {
            origin_ts: timestamp,
            ref_ts: timestamp,
            ref_unwrapped: 0,
        });
    }

    /// Unwraps `timestamp` against the last one seen (steps under 2^31 either way).
    fn unwrap_ts(&mut self, timestamp: u32) -> i64 {
        let Some(tl) = self.timeline.as_mut() else {
            return 0;
        };
        // Reading the wrapping difference as signed is the unwrap.
        let u = tl.ref_unwrapped + i64::from(timestamp.wrapping_sub(tl.ref_ts) as i32);
        tl.ref_ts = timestamp;
        tl.ref_unwrapped = u;
        u
    }

    /// A packet from an RTP view: like [`put`](Self::put), resetting first if its SSRC differs
    /// from the previous packet's (a new source restarts sequence and timestamps).
    pub fn put_rtp<T: AsRef<[u8]>>(&mut self, now: Instant, packet: &RtpPacket<T>) {
        let ssrc = packet.ssrc();
        if self.ssrc.is_some_and(|s| s != ssrc) {
            self.reset();
            self.counters.resets += 1;
        }
        self.ssrc = Some(ssrc);
        self.put(
            now,
            packet.sequence_number(),
            packet.timestamp(),
            packet.payload(),
        );
    }

    /// A packet arrived at `now` with sequence number `seq`, RTP `timestamp` and `payload`.
    pub fn put(&mut self, now: Instant, seq: u16, timestamp: u32, payload: &[u8]) {
        self.counters.received += 1;
        if payload.len() > self.config.max_payload {
            self.counters.oversized += 1;
            return;
        }
        let t = self.t(now);
        if self.timeline.is_none() {
            self.start_timeline(timestamp);
        }
        let mut units = self.unwrap_ts(timestamp);
        let spf = self.spf();
        let mut frame = (units + spf / 2).div_euclid(spf);
        let cap = self.slots.len() as i64;
        if frame < self.next_frame - 2 * cap || frame >= self.next_frame + 2 * cap {
            // A jump no reordering explains: a new talkspurt after silence or a restart.
            self.start_timeline(timestamp);
            self.counters.resets += 1;
            units = 0;
            frame = 0;
        }
        if let Some(s) = self.slot(frame) {
            if s.state != SlotState::Empty {
                self.counters.duplicates += 1;
                return;
            }
        }
        let transit = t.saturating_sub(self.media_ns(units));
        self.delay.record(transit);
        if frame < self.next_frame {
            let before_start = !self.playing && self.next_frame - frame < cap / 2;
            let span_ok = self.newest_frame.is_none_or(|n| n - frame < cap);
            if before_start && span_ok {
                // Reordered ahead of playout start: begin earlier instead of dropping it.
                self.next_frame = frame;
            } else {
                self.counters.late += 1;
                return;
            }
        }
        if frame >= self.next_frame + cap {
            // Beyond capacity: push the oldest frames out.
            let new_start = frame - cap + 1;
            for f in self.next_frame..new_start {
                if self.is_ready(f) {
                    self.counters.overflow += 1;
                    let index = self.slot_index(f);
                    if let Some(s) = self.slots.get_mut(index) {
                        s.state = SlotState::Empty;
                    }
                }
            }
            self.next_frame = new_start;
        }
        let index = self.slot_index(frame);
        let start = index * self.config.max_payload;
        let Some(dst) = self.data.get_mut(start..start + payload.len()) else {
            // invariant: data holds capacity * max_payload and payload.len() <= max_payload.
            return;
        };
        dst.copy_from_slice(payload);
        if let Some(slot) = self.slots.get_mut(index) {
            *slot = Slot {
                frame,
                seq,
                timestamp,
                len: payload.len(),
                state: SlotState::Ready,
            };
        }
        self.newest_frame = Some(self.newest_frame.map_or(frame, |n| n.max(frame)));
    }

    fn step(&mut self, now: Instant) -> Step {
        let t = self.t(now);
        if self.timeline.is_none() || self.newest_frame.is_none() {
            return Step::Underrun;
        }
        let frame_ns = self.frame_ns();
        let half = frame_ns / 2;
        let desired = self.delay.base_ns().saturating_add(self.delay.target_ns());
        let mut cur = t.saturating_sub(self.media_ns(self.next_frame * self.spf()));
        if !self.playing {
            if cur < desired - half {
                // Still filling to the target delay.
                return Step::Underrun;
            }
            self.playing = true;
        } else if cur < desired - half {
            self.counters.stretched += 1;
            return Step::Missing(self.timestamp_of(self.next_frame), MissingReason::Stretch);
        }
        let newest = self.newest_frame.unwrap_or(self.next_frame);
        if cur > desired + frame_ns {
            if !self.is_ready(self.next_frame) {
                // Skip missing frames rather than conceal them while we are behind.
                while cur > desired + half && !self.is_ready(self.next_frame) {
                    if self.next_frame >= newest {
                        break;
                    }
                    self.next_frame += 1;
                    self.counters.shrunk += 1;
                    cur -= frame_ns;
                }
            } else if self.is_ready(self.next_frame + 1) {
                let index = self.slot_index(self.next_frame);
                if let Some(s) = self.slots.get_mut(index) {
                    s.state = SlotState::Empty;
                }
                self.next_frame += 1;
                self.counters.shrunk += 1;
            }
        }
        if self.is_ready(self.next_frame) {
            let index = self.slot_index(self.next_frame);
            if let Some(s) = self.slots.get_mut(index) {
                s.state = SlotState::Played;
            }
            self.next_frame += 1;
            self.last_played = Some(index);
            self.counters.played += 1;
            Step::Frame(index)
        } else if newest > self.next_frame {
            let ts = self.timestamp_of(self.next_frame);
            self.next_frame += 1;
            self.counters.concealed += 1;
            Step::Missing(ts, MissingReason::Lost)
        } else {
            self.counters.underruns += 1;
            Step::Underrun
        }
    }

    fn payload(&self, index: usize) -> &[u8] {
        let len = self.slots.get(index).map_or(0, |s| s.len);
        let start = index * self.config.max_payload;
        // invariant: slot lengths never exceed max_payload, so this is within `data`.
        self.data.get(start..start + len).unwrap_or(&[])
    }

    fn playout(&self, step: Step) -> Playout<'_> {
        match step {
            Step::Frame(index) => {
                let (seq, timestamp) = self
                    .slots
                    .get(index)
                    .map_or((0, 0), |s| (s.seq, s.timestamp));
                Playout::Frame {
                    seq,
                    timestamp,
                    payload: self.payload(index),
                }
            }
            Step::Missing(timestamp, reason) => Playout::Missing { timestamp, reason },
            Step::Underrun => Playout::Underrun,
        }
    }

    /// The frame to play at `now`. Call once per frame period.
    pub fn pop(&mut self, now: Instant) -> Playout<'_> {
        let step = self.step(now);
        self.playout(step)
    }

    /// Like [`pop`](Self::pop), calling `conceal` for a [`Playout::Missing`] frame with the
    /// last payload played.
    pub fn pop_with<C: Conceal + ?Sized>(&mut self, now: Instant, conceal: &mut C) -> Playout<'_> {
        let step = self.step(now);
        if let Step::Missing(ts, reason) = step {
            let previous = self.last_played.map(|i| self.payload(i));
            conceal.conceal(ts, reason, previous);
        }
        self.playout(step)
    }

    /// The current target delay over the fastest recent packet.
    pub fn target_delay(&self) -> Duration {
        Duration::from_nanos(u64::try_from(self.delay.target_ns()).unwrap_or(0))
    }

    /// Frames buffered and not yet played.
    pub fn buffered(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| s.state == SlotState::Ready)
            .count()
    }

    /// Everything counted so far.
    pub fn counters(&self) -> JitterCounters {
        self.counters
    }

    /// The configuration in use (with zero sizes raised to 1).
    pub fn config(&self) -> &JitterConfig {
        &self.config
    }
}
