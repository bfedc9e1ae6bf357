//! Sending one telephone event (RFC 4733 §2.5.1).

use super::TelephoneEvent;

/// How many packets report an event's end (§2.5.1.4 recommends three).
pub const END_REPEATS: u8 = 3;

/// One packet to send: put `event` in an RTP packet with this marker and timestamp, the
/// telephone-event payload type, and the next sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventPacket {
    /// The marker bit: set on the first packet of an event only (§2.5.1.1).
    pub marker: bool,
    /// The RTP timestamp: the event's start, the same for all its packets (§2.5.1.2).
    pub timestamp: u32,
    /// The payload.
    pub event: TelephoneEvent,
}

#[derive(Debug, Clone, Copy)]
struct Current {
    event: u8,
    volume: u8,
    timestamp: u32,
    /// The duration to reach before ending, in timestamp units.
    total: u16,
    /// Duration reported so far.
    reported: u16,
    /// Packets sent for this event.
    sent: u32,
    /// End packets still owed.
    ends_left: u8,
}

/// Paces the packets of telephone events: call [`EventSender::next_packet`] once per packet
/// interval while [`EventSender::is_active`].
#[derive(Debug, Clone)]
pub struct EventSender {
    samples_per_packet: u16,
    current: Option<Current>,
}

impl EventSender {
    /// A sender that sends one packet per `samples_per_packet` timestamp units (160 for 20 ms
    /// at 8 kHz; the clock is that of the telephone-event payload type).
    pub fn new(samples_per_packet: u16) -> Self {
        Self {
            samples_per_packet: samples_per_packet.max(1),
            current: None,
        }
    }

    /// Starts `event` at media `timestamp`, to last `duration` timestamp units (at least one
    /// packet interval). An event in progress is cut short: its end packets are not sent.
    ///
    /// A 16-bit duration covers 8 s at 8 kHz; longer events should be split by the caller
    /// into segments with new timestamps (§2.5.1.3).
    pub fn start(&mut self, event: u8, volume: u8, timestamp: u32, duration: u16) {
        self.current = Some(Current {
            event,
            volume: volume.min(super::MAX_VOLUME),
            timestamp,
            total: duration.max(self.samples_per_packet),
            reported: 0,
            sent: 0,
            ends_left: END_REPEATS,
        });
    }

    /// Ends the event early (the key was released): the next packets are the end packets.
    pub fn stop(&mut self) {
        if let Some(c) = &mut self.current {
            c.total = c.reported.max(self.samples_per_packet.min(c.total));
        }
    }

    /// Whether packets are still owed.
    pub fn is_active(&self) -> bool {
        self.current.is_some()
    }

    /// The next packet, or `None` when no event is in progress.
    pub fn next_packet(&mut self) -> Option<EventPacket> {
        let spp = self.samples_per_packet;
        let c = self.current.as_mut()?;
        let end = c.reported >= c.total;
        if !end {
            c.reported = c.reported.saturating_add(spp).min(c.total);
        }
        let end = c.reported >= c.total;
        let packet = EventPacket {
            marker: c.sent == 0,
            timestamp: c.timestamp,
            event: TelephoneEvent {
                event: c.event,
                end,
                volume: c.volume,
                duration: c.reported,
            },
        };
        c.sent += 1;
        if end {
            c.ends_left = c.ends_left.saturating_sub(1);
            if c.ends_left == 0 {
                self.current = None;
            }
        }
        Some(packet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packets_of_a_60ms_event() {
        let mut s = EventSender::new(160);
        s.start(5, 10, 1234, 480);
        let packets: Vec<_> = core::iter::from_fn(|| s.next_packet()).collect();
        let summary: Vec<(bool, u32, bool, u16)> = packets
            .iter()
            .map(|p| (p.marker, p.timestamp, p.event.end, p.event.duration))
            .collect();
        assert_eq!(
            summary,
            vec![
                (true, 1234, false, 160),
                (false, 1234, false, 320),
                (false, 1234, true, 480),
                (false, 1234, true, 480),
                (false, 1234, true, 480),
            ]
        );
        assert!(packets
            .iter()
            .all(|p| p.event.event == 5 && p.event.volume == 10));
        assert!(!s.is_active());
    }

    #[test]
    fn stop_ends_early_and_short_events_last_one_packet() {
        let mut s = EventSender::new(160);
        s.start(1, 0, 0, 8000);
        s.next_packet();
        s.next_packet();
        s.stop();
        let rest: Vec<_> = core::iter::from_fn(|| s.next_packet()).collect();
        assert_eq!(rest.len(), 3);
        assert!(rest.iter().all(|p| p.event.end && p.event.duration == 320));
        s.start(2, 0, 0, 10);
        let all: Vec<_> = core::iter::from_fn(|| s.next_packet()).collect();
        assert_eq!(all.len(), 3);
        assert!(all[0].marker && all[0].event.end && all[0].event.duration == 160);
    }
}
