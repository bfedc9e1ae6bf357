//! `rtp_stats`: a sequence of packets (sequence number, timestamp, arrival time), sender
//! reports and report requests fed to one [`ReceiveStats`] (RFC 3550 A.1, A.3, A.8), and the
//! same packets to a [`JitterBuffer`] that is played out at fuzzed instants.
//!
//! Invariants after every step:
//! - the counters agree with the statuses returned: `packets()` is every packet, `bytes()`
//!   every payload octet, `duplicates()`, `late()` and `invalid()` (probation + bad
//!   sequence) count exactly those statuses;
//! - `received()` follows A.1: reset to 1 when the source becomes valid or restarts, plus
//!   one per in-order, late or duplicate packet, unchanged on probation or a bad jump;
//! - validity only grows; a valid source never answers `Probation`, an invalid one answers
//!   only `Probation` or `InOrder`; max_seq + 1 is `InOrder`, max_seq again is `Duplicate`;
//! - the integer jitter stays within 1.5 timestamp units of RFC 3550 A.8's floating-point
//!   estimate fed the same transit times (while that estimate is below 2^27), and never
//!   exceeds `max_jitter()`;
//! - `report_block` is `None` until the source is valid, then carries exactly
//!   `extended_max_seq()`, `cumulative_lost()` (= expected − received, clamped to 24 bits),
//!   `jitter()` and the last SR's middle 32 bits; a second report at once loses nothing;
//! - the jitter buffer plays only what was put: a frame's (sequence number, timestamp) was
//!   put, and its payload is that packet's (each payload is filled with its sequence number);
//!   between two resets, frames come out in strictly increasing timestamp order; it counts
//!   every put and every frame played; it never holds more than its capacity; its target
//!   delay stays within the configured bounds.

use std::collections::BTreeSet;

use rtp_proto::jitter::{JitterBuffer, JitterConfig, Playout};
use rtp_proto::stats::{PacketStatus, ReceiveStats};
use rtp_proto::time::{Duration, Instant};

use crate::cursor::{Cursor, Writer};

/// Most steps one input may take.
const MAX_STEPS: usize = 4096;

/// One step of a stats run, as the seed builder writes it.
#[derive(Debug, Clone, Copy)]
pub enum Step {
    /// The next packet: sequence + 1, timestamp + `ts_step`, arriving `after` later.
    Next {
        /// Arrival delay since the previous step, in units of 100 µs.
        after: u16,
        /// Timestamp increment.
        ts_step: u16,
    },
    /// A packet with the sequence number moved by `seq_delta` and the timestamp by `ts_delta`.
    Jump {
        /// Arrival delay, 100 µs units.
        after: u16,
        /// Sequence number change (two's complement).
        seq_delta: u16,
        /// Timestamp change (two's complement).
        ts_delta: u32,
    },
    /// A packet with absolute fields and an arrival delay in milliseconds.
    Absolute {
        /// Arrival delay, ms.
        after_ms: u32,
        /// Sequence number.
        seq: u16,
        /// Timestamp.
        timestamp: u32,
    },
    /// A sender report arrives with these NTP middle 32 bits.
    SenderReport(u32),
    /// A report block is taken.
    Report,
    /// The jitter buffer is asked for `frames` frames, one frame duration apart.
    Play {
        /// How many pops (1 to 8).
        frames: u8,
    },
}

/// Encodes a run for the seed corpus: clock-rate choice, then steps.
pub fn encode(clock_choice: u8, steps: &[Step]) -> Vec<u8> {
    let mut w = Writer::new();
    w.u8(clock_choice);
    for s in steps {
        match *s {
            Step::Next { after, ts_step } => {
                w.u8(0).u16(after).u16(ts_step).u16(160);
            }
            Step::Jump {
                after,
                seq_delta,
                ts_delta,
            } => {
                w.u8(4).u16(after).u16(seq_delta).u32(ts_delta).u16(160);
            }
            Step::Absolute {
                after_ms,
                seq,
                timestamp,
            } => {
                w.u8(5).u32(after_ms).u16(seq).u32(timestamp).u16(160);
            }
            Step::SenderReport(ntp) => {
                w.u8(6).u32(ntp);
            }
            Step::Report => {
                w.u8(7);
            }
            Step::Play { frames } => {
                w.u8(8).u8(frames.saturating_sub(1));
            }
        }
    }
    w.out
}

/// RFC 3550 A.8 in floating point, fed the same transit times as the integer version.
struct JitterModel {
    reference: Option<Instant>,
    transit: Option<u32>,
    jitter: f64,
    trusted: bool,
}

impl JitterModel {
    fn update(&mut self, now: Instant, timestamp: u32, clock_rate: u32) {
        let reference = *self.reference.get_or_insert(now);
        let elapsed = now.saturating_duration_since(reference).as_nanos();
        let arrival = (elapsed * u128::from(clock_rate) / 1_000_000_000) as u32;
        let transit = arrival.wrapping_sub(timestamp);
        if let Some(prev) = self.transit {
            let d = f64::from((transit.wrapping_sub(prev) as i32).unsigned_abs());
            self.jitter += (d - self.jitter) / 16.0;
            if self.jitter >= f64::from(1u32 << 27) {
                self.trusted = false;
            }
        }
        self.transit = Some(transit);
    }
}

#[derive(Default)]
struct Counts {
    packets: u64,
    bytes: u64,
    duplicates: u64,
    late: u64,
    invalid: u64,
    received: u32,
}

/// Runs the target on one input.
pub fn check(data: &[u8]) {
    let mut c = Cursor::new(data);
    let clock_rate = match c.choose(6) {
        0 => 8000,
        1 => 16_000,
        2 => 48_000,
        3 => 90_000,
        4 => 1,
        _ => c.u32(),
    };
    let mut stats = ReceiveStats::new(clock_rate);
    let base = Instant::now();
    let mut now = base;
    let mut seq: u16 = 0;
    let mut ts: u32 = 0;
    let mut counts = Counts::default();
    let mut model = JitterModel {
        reference: None,
        transit: None,
        jitter: 0.0,
        trusted: true,
    };
    let mut last_sr: Option<u32> = None;
    let mut playout = Playback::new(clock_rate);
    let mut steps = 0;
    while !c.is_empty() && steps < MAX_STEPS {
        steps += 1;
        let kind = c.u8() % 9;
        match kind {
            0..=5 => {
                match kind {
                    0..=3 => {
                        now += Duration::from_micros(100 * u64::from(c.u16()));
                        seq = seq.wrapping_add(1);
                        ts = ts.wrapping_add(u32::from(c.u16()));
                    }
                    4 => {
                        now += Duration::from_micros(100 * u64::from(c.u16()));
                        seq = seq.wrapping_add(c.u16());
                        ts = ts.wrapping_add(c.u32());
                    }
                    _ => {
                        now += Duration::from_millis(u64::from(c.u32()));
                        seq = c.u16();
                        ts = c.u32();
                    }
                }
                let len = usize::from(c.u16());
                packet(&mut stats, &mut counts, &mut model, now, seq, ts, len);
                playout.put(now, seq, ts, len);
            }
            8 => {
                let frames = c.u8() % 8 + 1;
                for _ in 0..frames {
                    playout.pop(now);
                    now += playout.frame;
                }
            }
            6 => {
                let ntp = c.u32();
                stats.on_sender_report(now, ntp);
                last_sr = Some(ntp);
            }
            _ => report(&mut stats, now, last_sr),
        }
        playout.check();
        assert_eq!(stats.packets(), counts.packets);
        assert_eq!(stats.bytes(), counts.bytes);
        assert_eq!(stats.duplicates(), counts.duplicates);
        assert_eq!(stats.late(), counts.late);
        assert_eq!(stats.invalid(), counts.invalid);
        assert_eq!(stats.received(), counts.received, "received() breaks A.1");
        assert!(stats.jitter() <= stats.max_jitter());
        if model.trusted {
            let diff = (f64::from(stats.jitter()) - model.jitter).abs();
            assert!(
                diff < 1.5,
                "integer jitter {} strays from the A.8 estimate {:.3}",
                stats.jitter(),
                model.jitter
            );
        }
        assert_eq!(stats.clock_rate(), clock_rate);
    }
    report(&mut stats, now, last_sr);
}

fn packet(
    stats: &mut ReceiveStats,
    counts: &mut Counts,
    model: &mut JitterModel,
    now: Instant,
    seq: u16,
    ts: u32,
    len: usize,
) {
    let was_valid = stats.is_valid();
    let max_seq = stats.extended_max_seq() as u16;
    let status = stats.on_packet(now, seq, ts, len);
    counts.packets += 1;
    counts.bytes += len as u64;
    if was_valid {
        assert!(stats.is_valid(), "a valid source became invalid");
        assert_ne!(status, PacketStatus::Probation);
        if seq == max_seq.wrapping_add(1) {
            assert_eq!(
                status,
                PacketStatus::InOrder,
                "max_seq + 1 must be in order"
            );
        }
        if seq == max_seq {
            assert_eq!(
                status,
                PacketStatus::Duplicate,
                "max_seq again is a duplicate"
            );
        }
    } else {
        assert!(
            matches!(status, PacketStatus::Probation | PacketStatus::InOrder),
            "a source on probation answered {status:?}"
        );
    }
    match status {
        PacketStatus::Probation => counts.invalid += 1,
        PacketStatus::BadSequence => counts.invalid += 1,
        PacketStatus::InOrder if !was_valid => counts.received = 1,
        PacketStatus::InOrder => counts.received += 1,
        PacketStatus::Late => {
            counts.late += 1;
            counts.received += 1;
        }
        PacketStatus::Duplicate => {
            counts.duplicates += 1;
            counts.received += 1;
        }
        PacketStatus::Restarted => {
            counts.received = 1;
            model.transit = None;
        }
        _ => panic!("unknown status {status:?}"),
    }
    assert_eq!(
        status.is_valid(),
        matches!(
            status,
            PacketStatus::InOrder | PacketStatus::Late | PacketStatus::Restarted
        )
    );
    if !matches!(status, PacketStatus::Duplicate | PacketStatus::BadSequence) {
        model.update(now, ts, stats.clock_rate());
    }
}

fn report(stats: &mut ReceiveStats, now: Instant, last_sr: Option<u32>) {
    let valid = stats.is_valid();
    let Some(block) = stats.report_block(now, 42) else {
        assert!(!valid, "a valid source gave no report block");
        return;
    };
    assert!(valid, "a source on probation gave a report block");
    assert_eq!(block.ssrc, 42);
    assert_eq!(block.highest_seq, stats.extended_max_seq());
    assert_eq!(block.cumulative_lost, stats.cumulative_lost());
    let lost = i64::from(stats.expected()) - i64::from(stats.received());
    assert_eq!(
        i64::from(stats.cumulative_lost()),
        lost.clamp(-0x80_0000, 0x7f_ffff)
    );
    assert_eq!(block.jitter, stats.jitter());
    assert_eq!(block.last_sr, last_sr.unwrap_or(0));
    if last_sr.is_none() {
        assert_eq!(block.delay_since_last_sr, 0);
    }
    let again = stats.report_block(now, 42).expect("still valid");
    assert_eq!(
        again.fraction_lost, 0,
        "nothing was expected since the last report"
    );
}

/// A jitter buffer fed the same packets, and what it was given and has played.
struct Playback {
    buffer: JitterBuffer,
    frame: Duration,
    /// Every (sequence number, timestamp) put.
    put: BTreeSet<(u16, u32)>,
    puts: u64,
    played: u64,
    /// The last frame's timestamp and the reset count it was played under.
    last_frame: Option<(u32, u64)>,
    payload: Vec<u8>,
}

impl Playback {
    fn new(clock_rate: u32) -> Self {
        // The buffer orders frames on its own unwrapped timeline; the RTP-level order check
        // below (wrapping differences read as signed) agrees with it only while the buffer's
        // window, 2 × capacity × samples per frame, stays under 2^31 timestamp units. That
        // holds for every audio clock rate; absurd ones (a fuzzed 2 GHz) broke the check,
        // not the buffer (regression `rtp_stats/jitter-window-wider-than-half-the-ts-space`).
        let clock_rate = clock_rate.min(192_000);
        let config = JitterConfig {
            clock_rate,
            samples_per_frame: (clock_rate / 50).max(1),
            ..JitterConfig::g711_20ms()
        };
        let buffer = JitterBuffer::new(config);
        Playback {
            frame: buffer
                .config()
                .frame_duration()
                .max(Duration::from_micros(100)),
            buffer,
            put: BTreeSet::new(),
            puts: 0,
            played: 0,
            last_frame: None,
            payload: Vec::new(),
        }
    }

    fn put(&mut self, now: Instant, seq: u16, ts: u32, len: usize) {
        // Longer than any slot: exercises the oversized path without a 64 KiB payload.
        let len = len.min(self.buffer.config().max_payload + 1);
        self.payload.clear();
        self.payload.resize(len, seq as u8);
        self.buffer.put(now, seq, ts, &self.payload);
        self.put.insert((seq, ts));
        self.puts += 1;
    }

    fn pop(&mut self, now: Instant) {
        let resets = self.buffer.counters().resets;
        let (seq, timestamp, ok_payload) = match self.buffer.pop(now) {
            Playout::Frame {
                seq,
                timestamp,
                payload,
            } => (seq, timestamp, payload.iter().all(|&b| b == seq as u8)),
            Playout::Missing { .. } | Playout::Underrun => return,
        };
        self.played += 1;
        assert!(
            self.put.contains(&(seq, timestamp)),
            "played seq {seq} ts {timestamp}, which was never put"
        );
        assert!(ok_payload, "frame {seq} carries another packet's payload");
        if let Some((last, epoch)) = self.last_frame {
            if epoch == resets {
                assert!(
                    (timestamp.wrapping_sub(last) as i32) > 0,
                    "frame ts {timestamp} played after ts {last}"
                );
            }
        }
        self.last_frame = Some((timestamp, resets));
    }

    fn check(&self) {
        let counters = self.buffer.counters();
        assert_eq!(counters.received, self.puts, "puts miscounted");
        assert_eq!(counters.played, self.played, "frames played miscounted");
        assert!(
            self.buffer.buffered() <= self.buffer.config().capacity,
            "{} frames buffered, capacity {}",
            self.buffer.buffered(),
            self.buffer.config().capacity
        );
        let delay = self.buffer.target_delay();
        let config = self.buffer.config();
        assert!(
            delay >= config.min_delay && delay <= config.max_delay,
            "target delay {delay:?} outside {:?}..={:?}",
            config.min_delay,
            config.max_delay
        );
    }
}
