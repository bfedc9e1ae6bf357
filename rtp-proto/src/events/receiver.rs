//! Receiving telephone events (RFC 4733 §2.5.2).

use super::TelephoneEvent;
use crate::time::Duration;

/// An event start or end, deduplicated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceivedEvent {
    /// An event began at media time `timestamp`.
    Started {
        /// The event code.
        event: u8,
        /// Its RTP timestamp.
        timestamp: u32,
    },
    /// An event ended (its end packet arrived, or a new event replaced it without one).
    Ended {
        /// The event code.
        event: u8,
        /// Its RTP timestamp.
        timestamp: u32,
        /// Its length, from the last duration reported.
        duration: Duration,
    },
}

#[derive(Debug, Clone, Copy)]
struct Current {
    event: u8,
    timestamp: u32,
    duration: u16,
    ended: bool,
}

/// Turns telephone-event packets into start and end events.
///
/// Packets are keyed by their RTP timestamp, which is the same for every packet of one event
/// (§2.5.1.2): repeated updates and the redundant end packets of an event already reported
/// produce nothing.
#[derive(Debug, Clone)]
pub struct EventReceiver {
    clock_rate: u32,
    current: Option<Current>,
    pending: heapless::Deque<ReceivedEvent, 2>,
}

impl EventReceiver {
    /// A receiver for the telephone-event payload type at `clock_rate` Hz (8000 by default,
    /// 16000 or 48000 when negotiated so, RFC 4733 §2.5.1.1).
    pub fn new(clock_rate: u32) -> Self {
        Self {
            clock_rate: clock_rate.max(1),
            current: None,
            pending: heapless::Deque::new(),
        }
    }

    fn duration(&self, units: u16) -> Duration {
        Duration::from_nanos(u64::from(units) * 1_000_000_000 / u64::from(self.clock_rate))
    }

    fn push(&mut self, e: ReceivedEvent) {
        // At most two events per packet (an implied end and a start); the queue holds two and
        // is drained by the caller between packets. If not drained, the oldest is lost.
        if self.pending.is_full() {
            self.pending.pop_front();
        }
        let _ = self.pending.push_back(e);
    }

    /// One telephone-event packet: its RTP `timestamp` and `payload`. Malformed payloads
    /// (shorter than 4 octets) are ignored and reported as `false`.
    pub fn handle_packet(&mut self, timestamp: u32, payload: &[u8]) -> bool {
        let Some(te) = TelephoneEvent::parse(payload) else {
            return false;
        };
        match self.current {
            Some(c) if c.timestamp == timestamp => {
                if c.ended {
                    return true;
                }
                let duration = c.duration.max(te.duration);
                self.current = Some(Current {
                    duration,
                    ended: te.end,
                    ..c
                });
                if te.end {
                    let d = self.duration(duration);
                    self.push(ReceivedEvent::Ended {
                        event: c.event,
                        timestamp,
                        duration: d,
                    });
                }
            }
            previous => {
                // A packet of an event older than the current one is a straggler.
                if let Some(p) = previous {
                    if (timestamp.wrapping_sub(p.timestamp) as i32) < 0 {
                        return true;
                    }
                    if !p.ended {
                        let d = self.duration(p.duration);
                        self.push(ReceivedEvent::Ended {
                            event: p.event,
                            timestamp: p.timestamp,
                            duration: d,
                        });
                    }
                }
                self.current = Some(Current {
                    event: te.event,
                    timestamp,
                    duration: te.duration,
                    ended: te.end,
                });
                self.push(ReceivedEvent::Started {
                    event: te.event,
                    timestamp,
                });
                if te.end {
                    let d = self.duration(te.duration);
                    self.push(ReceivedEvent::Ended {
                        event: te.event,
                        timestamp,
                        duration: d,
                    });
                }
            }
        }
        true
    }

    /// The next start or end, oldest first.
    pub fn poll_event(&mut self) -> Option<ReceivedEvent> {
        self.pending.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::super::EventSender;
    use super::*;
    use proptest::prelude::*;

    fn feed(r: &mut EventReceiver, ts: u32, e: TelephoneEvent) -> Vec<ReceivedEvent> {
        let mut b = [0u8; 4];
        e.emit(&mut b).unwrap();
        assert!(r.handle_packet(ts, &b));
        core::iter::from_fn(|| r.poll_event()).collect()
    }

    #[test]
    fn duplicates_removed_and_16khz_durations() {
        let mut r = EventReceiver::new(16_000);
        let ev = |end, duration| TelephoneEvent {
            event: 9,
            end,
            volume: 5,
            duration,
        };
        assert_eq!(
            feed(&mut r, 100, ev(false, 320)),
            vec![ReceivedEvent::Started {
                event: 9,
                timestamp: 100
            }]
        );
        assert!(feed(&mut r, 100, ev(false, 320)).is_empty());
        assert!(feed(&mut r, 100, ev(false, 640)).is_empty());
        let ended = vec![ReceivedEvent::Ended {
            event: 9,
            timestamp: 100,
            duration: Duration::from_millis(60),
        }];
        assert_eq!(feed(&mut r, 100, ev(true, 960)), ended);
        assert!(feed(&mut r, 100, ev(true, 960)).is_empty());
        assert!(feed(&mut r, 100, ev(true, 960)).is_empty());
        // An older event's straggler is ignored.
        assert!(feed(&mut r, 50, ev(true, 960)).is_empty());
        assert!(!r.handle_packet(200, &[1, 2]));
    }

    #[test]
    fn lost_end_packets_are_implied_by_the_next_event() {
        let mut r = EventReceiver::new(8000);
        let e = |event, end, duration| TelephoneEvent {
            event,
            end,
            volume: 0,
            duration,
        };
        feed(&mut r, 0, e(1, false, 400));
        assert_eq!(
            feed(&mut r, 2000, e(2, false, 160)),
            vec![
                ReceivedEvent::Ended {
                    event: 1,
                    timestamp: 0,
                    duration: Duration::from_millis(50)
                },
                ReceivedEvent::Started {
                    event: 2,
                    timestamp: 2000
                },
            ]
        );
    }

    proptest! {
        #[test]
        fn sender_to_receiver_with_duplicates(
            digits in proptest::collection::vec((0u8..16, 1u16..2000), 1..8),
            dup_mask in any::<u64>(),
            rate_index in 0usize..3,
        ) {
            let rate = [8000u32, 16_000, 48_000][rate_index];
            let mut tx = EventSender::new(160);
            let mut rx = EventReceiver::new(rate);
            let mut ts = 0u32;
            let mut got = Vec::new();
            let mut n = 0;
            for &(digit, dur) in &digits {
                tx.start(digit, 10, ts, dur);
                while let Some(p) = tx.next_packet() {
                    let mut b = [0u8; 4];
                    p.event.emit(&mut b).unwrap();
                    let copies = 1 + (dup_mask >> (n % 64) & 1);
                    n += 1;
                    for _ in 0..copies {
                        rx.handle_packet(p.timestamp, &b);
                        got.extend(core::iter::from_fn(|| rx.poll_event()));
                    }
                }
                ts = ts.wrapping_add(u32::from(dur) + 800);
            }
            prop_assert_eq!(got.len(), 2 * digits.len());
            let mut ts = 0u32;
            for (pair, &(digit, dur)) in got.chunks(2).zip(&digits) {
                prop_assert_eq!(pair[0], ReceivedEvent::Started { event: digit, timestamp: ts });
                let units = dur.max(160);
                let d = Duration::from_nanos(u64::from(units) * 1_000_000_000 / u64::from(rate));
                prop_assert_eq!(pair[1], ReceivedEvent::Ended { event: digit, timestamp: ts, duration: d });
                ts = ts.wrapping_add(u32::from(dur) + 800);
            }
        }
    }
}
