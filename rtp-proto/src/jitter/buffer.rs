//! The buffer itself: a ring of frame slots indexed by media time.
//!
//! Timestamps are unwrapped to 64 bits from the last reset; frame `k` covers the timestamps
//! `origin + k * samples_per_frame`. Slot `k mod slots` holds frame `k`, the slot count being
//! the capacity rounded up to a power of two. The playout point `next_frame` only moves
//! forward, so frames leave in timestamp order.
//!
//! The usual per-packet path has no division: media time converts to nanoseconds by a
//! fixed-point multiply, a packet one frame after the previous one finds its frame by adding
//! one, slots are found by masking, and the delay estimator updates in O(1). A `now` is
//! converted to nanoseconds once (a run loop passes the same `now` to the put and the pop of
//! one wake), and the usual pop, on time with its frame ready, is one comparison and one slot
//! check; every rarer case goes through `step_general`.

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
    /// The last timestamp seen, its unwrapped value (relative to `origin_ts`) and its frame.
    ref_ts: u32,
    ref_unwrapped: i64,
    ref_frame: i64,
}

/// Nanoseconds of media for `units` timestamp units at `ns_per_unit_q32` (32.32 fixed point).
#[inline]
fn media_ns(ns_per_unit_q32: u64, units: i64) -> i64 {
    // Truncation only for offsets no stream reaches (2^63 ns is 292 years of media), where
    // the result is wrong but nothing fails.
    ((i128::from(units) * i128::from(ns_per_unit_q32)) >> 32) as i64
}

/// `newest_frame` before any packet: below any frame a timeline reaches (frames start at 0
/// and move a frame per packet interval).
const NO_FRAME: i64 = i64::MIN;

/// What one pop decided, before borrowing the payload.
enum Step {
    /// A ready frame: its slot's sequence number, timestamp, and payload in `data`.
    Frame {
        seq: u16,
        timestamp: u32,
        start: usize,
        len: usize,
    },
    Missing(u32, MissingReason),
    Underrun,
}

/// An adaptive jitter buffer; see the [module docs](super).
#[derive(Debug, Clone)]
pub struct JitterBuffer {
    config: JitterConfig,
    /// A power of two of slots, at least `capacity`.
    slots: Vec<Slot>,
    /// `slots.len() - 1`.
    mask: usize,
    /// `slots.len()` as a frame count.
    cap: i64,
    /// Nanoseconds per timestamp unit, in 32.32 fixed point.
    ns_per_unit_q32: u64,
    data: Vec<u8>,
    /// The duration of one frame, and half of it, in nanoseconds.
    frame_ns: i64,
    half_frame_ns: i64,
    /// `frame_ns + half_frame_ns`: the width of the on-time window `-half..=frame`.
    on_time_span: u64,
    /// Two capacities in frames, and four: how far from the playout point a packet may be
    /// before it means a new timeline.
    jump_reach: i64,
    jump_span: u64,
    /// The first `now` given: the buffer's time is nanoseconds since.
    epoch: Option<Instant>,
    /// The last `now` and its time: a run loop reads the clock once per wake and passes the
    /// same `now` to every call, so a `now` is converted once.
    last_now: Option<Instant>,
    last_ns: i64,
    ssrc: Option<u32>,
    timeline: Option<Timeline>,
    next_frame: i64,
    /// The newest frame buffered since the last reset, or `NO_FRAME`.
    newest_frame: i64,
    playing: bool,
    last_played: Option<usize>,
    delay: DelayEstimator,
    counters: JitterCounters,
}

impl JitterBuffer {
    /// A buffer with all its storage allocated now: `capacity` slots of `max_payload` octets,
    /// the capacity rounded up to a power of two (and 0 raised to 1).
    pub fn new(config: JitterConfig) -> Self {
        let config = JitterConfig {
            capacity: config.capacity.max(1).next_power_of_two(),
            samples_per_frame: config.samples_per_frame.max(1),
            clock_rate: config.clock_rate.max(1),
            ..config
        };
        let ns_per_unit_q32 = (1_000_000_000u64 << 32) / u64::from(config.clock_rate);
        let frame_ns = media_ns(ns_per_unit_q32, i64::from(config.samples_per_frame));
        let cap = i64::try_from(config.capacity).unwrap_or(i64::MAX);
        Self {
            slots: vec![Slot::default(); config.capacity],
            mask: config.capacity - 1,
            cap,
            jump_reach: cap.saturating_mul(2),
            jump_span: (cap as u64).saturating_mul(4),
            ns_per_unit_q32,
            data: vec![0; config.capacity.saturating_mul(config.max_payload)],
            frame_ns,
            half_frame_ns: frame_ns / 2,
            // A frame is at most 2^32 units of at most 10^9 ns, so this stays far below
            // i64::MAX and is not negative.
            on_time_span: (frame_ns + frame_ns / 2) as u64,
            epoch: None,
            last_now: None,
            last_ns: 0,
            ssrc: None,
            timeline: None,
            next_frame: 0,
            newest_frame: NO_FRAME,
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
        self.newest_frame = NO_FRAME;
        self.playing = false;
        self.last_played = None;
        self.delay.clear();
    }

    /// Nanoseconds since the first call, from the caller's `now`.
    #[inline]
    fn t(&mut self, now: Instant) -> i64 {
        if self.last_now == Some(now) {
            return self.last_ns;
        }
        self.convert(now)
    }

    /// A `now` not seen last time: one subtraction from the epoch.
    #[inline]
    fn convert(&mut self, now: Instant) -> i64 {
        let epoch = *self.epoch.get_or_insert(now);
        let d = now.saturating_duration_since(epoch);
        // Wraps after 292 years of `now`: wrong then, but never a panic.
        let t = (d.as_secs() as i64)
            .wrapping_mul(1_000_000_000)
            .wrapping_add(i64::from(d.subsec_nanos()));
        self.last_now = Some(now);
        self.last_ns = t;
        t
    }

    #[inline]
    fn spf(&self) -> i64 {
        i64::from(self.config.samples_per_frame)
    }

    #[inline]
    fn slot_index(&self, frame: i64) -> usize {
        // Two's complement masking is the Euclidean remainder by a power of two.
        frame as usize & self.mask
    }

    /// Whether frame `frame` is buffered and not played.
    #[inline]
    fn is_ready(&self, frame: i64) -> bool {
        self.slots
            .get(self.slot_index(frame))
            .is_some_and(|s| s.frame == frame && s.state == SlotState::Ready)
    }

    fn set_state(&mut self, frame: i64, state: SlotState) {
        let index = self.slot_index(frame);
        if let Some(s) = self.slots.get_mut(index) {
            s.state = state;
        }
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
            ref_frame: 0,
        });
    }

    /// Unwraps `timestamp` against the last one seen (steps under 2^31 either way) and finds
    /// its frame, the nearest multiple of a frame: (unwrapped offset, frame). Starts the
    /// timeline at the first timestamp.
    #[inline]
    fn unwrap_ts(&mut self, timestamp: u32) -> (i64, i64) {
        let spf = self.spf();
        let Some(tl) = self.timeline.as_mut() else {
            self.start_timeline(timestamp);
            return (0, 0);
        };
        // Reading the wrapping difference as signed is the unwrap.
        let step = i64::from(timestamp.wrapping_sub(tl.ref_ts) as i32);
        let units = tl.ref_unwrapped + step;
        let frame = if step == spf {
            // The usual case: the next frame. Rounding commutes with adding one frame.
            tl.ref_frame + 1
        } else {
            (units + spf / 2).div_euclid(spf)
        };
        *tl = Timeline {
            ref_ts: timestamp,
            ref_unwrapped: units,
            ref_frame: frame,
            ..*tl
        };
        (units, frame)
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
    #[inline(always)]
    pub fn put(&mut self, now: Instant, seq: u16, timestamp: u32, payload: &[u8]) {
        self.counters.received += 1;
        if payload.len() > self.config.max_payload {
            self.counters.oversized += 1;
            return;
        }
        let t = self.t(now);
        let (mut units, mut frame) = self.unwrap_ts(timestamp);
        // Within two capacities of the playout point either way, as one unsigned comparison.
        let from = frame
            .wrapping_sub(self.next_frame)
            .wrapping_add(self.jump_reach);
        if from as u64 >= self.jump_span {
            // A jump no reordering explains: a new talkspurt after silence or a restart.
            self.start_timeline(timestamp);
            self.counters.resets += 1;
            units = 0;
            frame = 0;
        }
        let index = self.slot_index(frame);
        if self
            .slots
            .get(index)
            .is_some_and(|s| s.frame == frame && s.state != SlotState::Empty)
        {
            self.counters.duplicates += 1;
            return;
        }
        // Times and media offsets stay far inside i64 (292 years of nanoseconds).
        let transit = t.wrapping_sub(media_ns(self.ns_per_unit_q32, units));
        self.delay.record(transit);
        // Usually within capacity ahead of the playout point: one unsigned comparison.
        if frame.wrapping_sub(self.next_frame) as u64 >= self.cap as u64 {
            if frame < self.next_frame && !self.reordered_before_start(frame) {
                self.counters.late += 1;
                return;
            }
            if frame >= self.next_frame + self.cap {
                self.push_out_before(frame - self.cap + 1);
            }
        }
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
        self.newest_frame = self.newest_frame.max(frame);
    }

    /// A packet for a frame before the playout point: if playout has not started and it fits,
    /// playout begins earlier rather than drop it (a packet reordered at the very start).
    #[cold]
    fn reordered_before_start(&mut self, frame: i64) -> bool {
        let before_start = !self.playing && self.next_frame - frame < self.cap / 2;
        let span_ok = self.newest_frame == NO_FRAME || self.newest_frame - frame < self.cap;
        if before_start && span_ok {
            self.next_frame = frame;
        }
        before_start && span_ok
    }

    /// Beyond capacity: pushes the frames before `new_start` out.
    #[cold]
    fn push_out_before(&mut self, new_start: i64) {
        for f in self.next_frame..new_start {
            if self.is_ready(f) {
                self.counters.overflow += 1;
                self.set_state(f, SlotState::Empty);
            }
        }
        self.next_frame = new_start;
    }

    #[inline(always)]
    fn step(&mut self, now: Instant) -> Step {
        let t = self.t(now);
        let next = self.next_frame;
        let media = media_ns(self.ns_per_unit_q32, next * self.spf());
        // How far playout is behind the desired delay (negative: ahead of it).
        let behind = t.wrapping_sub(media).wrapping_sub(self.delay.playout_ns());
        // The usual pop: within -half..=frame of the desired delay, so neither stretched nor
        // shrunk (one unsigned comparison), and the frame is there. A ready slot means a
        // packet since the last reset, so `step_general`'s first test would pass too.
        if behind.wrapping_add(self.half_frame_ns) as u64 <= self.on_time_span {
            if let Some(step) = self.play_ready() {
                self.playing = true;
                return step;
            }
        }
        self.step_general(t)
    }

    /// Plays frame `next_frame` if it is ready: marks it played and moves the playout point.
    #[inline(always)]
    fn play_ready(&mut self) -> Option<Step> {
        let next = self.next_frame;
        let index = self.slot_index(next);
        let s = self
            .slots
            .get_mut(index)
            .filter(|s| s.frame == next && s.state == SlotState::Ready)?;
        s.state = SlotState::Played;
        let (seq, timestamp, len) = (s.seq, s.timestamp, s.len);
        self.next_frame = next + 1;
        self.last_played = Some(index);
        self.counters.played += 1;
        Some(Step::Frame {
            seq,
            timestamp,
            start: index * self.config.max_payload,
            len,
        })
    }

    /// Every other pop: nothing buffered, still filling, stretching, shrinking, a missing
    /// frame.
    #[cold]
    fn step_general(&mut self, t: i64) -> Step {
        if self.newest_frame == NO_FRAME {
            return Step::Underrun;
        }
        let frame_ns = self.frame_ns;
        let half = self.half_frame_ns;
        let desired = self.delay.playout_ns();
        let media = media_ns(self.ns_per_unit_q32, self.next_frame * self.spf());
        // How far playout is behind the desired delay (negative: ahead of it).
        let behind = t.wrapping_sub(media).wrapping_sub(desired);
        if behind < -half {
            if !self.playing {
                // Still filling to the target delay.
                return Step::Underrun;
            }
            self.counters.stretched += 1;
            return Step::Missing(self.timestamp_of(self.next_frame), MissingReason::Stretch);
        }
        self.playing = true;
        if behind > frame_ns {
            self.shrink(behind);
        }
        if let Some(step) = self.play_ready() {
            step
        } else if self.newest_frame > self.next_frame {
            let ts = self.timestamp_of(self.next_frame);
            self.next_frame += 1;
            self.counters.concealed += 1;
            Step::Missing(ts, MissingReason::Lost)
        } else {
            self.counters.underruns += 1;
            Step::Underrun
        }
    }

    /// Playout is more than a frame behind the desired delay: skip missing frames while still
    /// half a frame behind, or drop one ready frame if the next is ready too.
    #[cold]
    fn shrink(&mut self, mut behind: i64) {
        let half = self.half_frame_ns;
        if !self.is_ready(self.next_frame) {
            // Skip missing frames rather than conceal them while we are behind.
            while behind > half
                && !self.is_ready(self.next_frame)
                && self.next_frame < self.newest_frame
            {
                self.next_frame += 1;
                self.counters.shrunk += 1;
                behind -= self.frame_ns;
            }
        } else if self.is_ready(self.next_frame + 1) {
            self.set_state(self.next_frame, SlotState::Empty);
            self.next_frame += 1;
            self.counters.shrunk += 1;
        }
    }

    #[inline]
    fn payload(&self, index: usize) -> &[u8] {
        let len = self.slots.get(index).map_or(0, |s| s.len);
        let start = index * self.config.max_payload;
        // invariant: slot lengths never exceed max_payload, so this is within `data`.
        self.data.get(start..start + len).unwrap_or(&[])
    }

    #[inline]
    fn playout(&self, step: Step) -> Playout<'_> {
        match step {
            Step::Frame {
                seq,
                timestamp,
                start,
                len,
            } => Playout::Frame {
                seq,
                timestamp,
                // invariant: slot lengths never exceed max_payload, so this is within `data`.
                payload: self.data.get(start..start + len).unwrap_or(&[]),
            },
            Step::Missing(timestamp, reason) => Playout::Missing { timestamp, reason },
            Step::Underrun => Playout::Underrun,
        }
    }

    /// The frame to play at `now`. Call once per frame period.
    #[inline]
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
