//! The receive side of an RTP session: which sources are heard, which one is played, and
//! what to drop (RFC 3550 §6.2.1, §6.3.5, §6.3.7, §8.2; RFC 3551 §3).
//!
//! [`RtpReceiver`] owns [`ReceiveStats`] for up to `N` sources (a fixed table, no allocation).
//! Feed it every RTP datagram with [`RtpReceiver::handle_rtp`] and every RTCP datagram with
//! [`RtpReceiver::handle_rtcp`]; drain [`RtpReceiver::poll_event`]; call
//! [`RtpReceiver::handle_timeout`] when [`RtpReceiver::poll_timeout`] comes due.
//!
//! - Payload types that were not negotiated are dropped and counted (RFC 3551 §3).
//! - The first source heard is *latched*: its packets are [`RtpVerdict::Media`]. Another
//!   source (another SSRC, or the latched SSRC from another address) replaces it only after
//!   [`ReceiverConfig::switch_after`] consecutive in-sequence packets with no packet from the
//!   latched source in between, so a stray or spoofed packet cannot hijack playout.
//! - Our own SSRC arriving from elsewhere is a collision, from our own address a loop
//!   (RFC 3550 §8.2); both raise an event once and are dropped.
//! - A BYE removes its sources (§6.3.7); silence for five report intervals times a source
//!   out (§6.3.5).
//! - A report block about our stream yields the round-trip time (§6.4.1).

use core::net::SocketAddr;

use super::ntp::WallClockAnchor;
use super::receive::{PacketStatus, ReceiveStats};
use super::rtt::round_trip_time;
use crate::rtcp::{CompoundIter, EntryList, ReportBlock, RtcpPacket};
use crate::rtp::RtpPacket;
use crate::time::{Duration, Instant};

/// Report intervals of silence after which a source is timed out (RFC 3550 §6.3.5, M = 5).
pub const TIMEOUT_INTERVALS: u32 = 5;
/// Most negotiated payload types a receiver tracks.
pub const MAX_PAYLOAD_TYPES: usize = 16;
/// Events held before the oldest unread ones are lost (counted in
/// [`ReceiverCounters::events_lost`]).
const EVENT_QUEUE: usize = 16;

/// How a receiver decides.
#[derive(Debug, Clone)]
pub struct ReceiverConfig {
    /// Our own SSRC (RFC 3550 §8.2 checks incoming packets against it).
    pub local_ssrc: u32,
    /// Our own transport address, if known: our SSRC from here is a loop, not a collision.
    pub local_addr: Option<SocketAddr>,
    /// Negotiated payload types and their clock rates (SDP `a=rtpmap`); others are dropped.
    pub payload_types: heapless::Vec<(u8, u32), MAX_PAYLOAD_TYPES>,
    /// Consecutive in-sequence packets a new source needs to replace the latched one.
    pub switch_after: u16,
    /// The deterministic RTCP report interval `Td` used for timeouts (§6.3.5); update it with
    /// [`RtpReceiver::set_report_interval`] as membership changes.
    pub report_interval: Duration,
    /// Wall clock for round-trip times: must be the anchor our SRs were stamped with.
    pub anchor: WallClockAnchor,
}

/// What [`RtpReceiver::handle_rtp`] decided about one datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RtpVerdict {
    /// From the latched source: play it if `status.is_valid()`.
    Media {
        /// The source.
        ssrc: u32,
        /// What the A.1 sequence check said.
        status: PacketStatus,
    },
    /// From another known source: counted in its statistics, not played.
    OtherSource {
        /// The source.
        ssrc: u32,
        /// What the A.1 sequence check said.
        status: PacketStatus,
    },
    /// Dropped, and counted under this reason.
    Dropped(DropReason),
}

/// Why a datagram was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DropReason {
    /// Not a valid RTP packet.
    Malformed,
    /// A payload type that was not negotiated.
    PayloadType(u8),
    /// Our own SSRC: a collision or a loop (§8.2).
    OwnSsrc,
    /// A known SSRC from a different address than the one it was heard from (§8.2), not (yet)
    /// confirmed by a run of packets.
    AddressConflict,
    /// A new source while the table is full.
    TableFull,
}

/// Something the application should know about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReceiverEvent {
    /// A source is now the one played (first source, or a confirmed switch).
    SourceLatched {
        /// The source.
        ssrc: u32,
        /// Where its packets come from.
        addr: SocketAddr,
    },
    /// Our SSRC arrived from another participant: choose a new SSRC and send a BYE for the
    /// old one (RFC 3550 §8.2).
    SsrcCollision {
        /// Where the colliding packet came from.
        from: SocketAddr,
    },
    /// Our own packets came back to us (RFC 3550 §8.2 loop).
    LoopDetected {
        /// Where they came from (our own address).
        from: SocketAddr,
    },
    /// A source said goodbye (RFC 3550 §6.6) and was removed.
    SourceBye {
        /// The source.
        ssrc: u32,
    },
    /// A source was silent for five report intervals and was removed (§6.3.5).
    SourceTimeout {
        /// The source.
        ssrc: u32,
    },
    /// A report block about our stream gave a round-trip time (§6.4.1).
    RoundTripTime {
        /// Who reported.
        reporter: u32,
        /// The round trip.
        rtt: Duration,
    },
}

/// Counters of everything dropped or noteworthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReceiverCounters {
    /// Datagrams that were not RTP.
    pub malformed: u64,
    /// Packets of a payload type not negotiated.
    pub unknown_payload_type: u64,
    /// Packets carrying our own SSRC.
    pub own_ssrc: u64,
    /// Packets of a known SSRC from an unconfirmed new address.
    pub address_conflicts: u64,
    /// New sources refused because the table was full.
    pub table_full: u64,
    /// Latched-source switches after the first latch.
    pub switches: u64,
    /// RTCP datagrams whose framing failed.
    pub malformed_rtcp: u64,
    /// Events lost because the queue was full.
    pub events_lost: u64,
}

#[derive(Debug, Clone)]
struct Source {
    ssrc: u32,
    addr: SocketAddr,
    last_heard: Instant,
    stats: ReceiveStats,
}

/// A run of in-sequence packets from a (SSRC, address) that is not the latched source.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    ssrc: u32,
    addr: SocketAddr,
    next_seq: u16,
    run: u16,
}

/// The receive side of an RTP session for up to `N` sources.
#[derive(Debug, Clone)]
pub struct RtpReceiver<const N: usize> {
    config: ReceiverConfig,
    sources: heapless::Vec<Source, N>,
    latched: Option<u32>,
    candidate: Option<Candidate>,
    collision_reported: bool,
    rtt: Option<Duration>,
    counters: ReceiverCounters,
    events: heapless::Deque<ReceiverEvent, EVENT_QUEUE>,
}

impl<const N: usize> RtpReceiver<N> {
    /// A receiver that has heard nothing yet.
    pub fn new(config: ReceiverConfig) -> Self {
        Self {
            config,
            sources: heapless::Vec::new(),
            latched: None,
            candidate: None,
            collision_reported: false,
            rtt: None,
            counters: ReceiverCounters::default(),
            events: heapless::Deque::new(),
        }
    }

    /// Changes our SSRC (after a collision, RFC 3550 §8.2); collision reporting re-arms.
    pub fn set_local_ssrc(&mut self, ssrc: u32) {
        self.config.local_ssrc = ssrc;
        self.collision_reported = false;
    }

    /// Updates the report interval used for timeouts (§6.3.5).
    pub fn set_report_interval(&mut self, interval: Duration) {
        self.config.report_interval = interval;
    }

    fn clock_rate(&self, pt: u8) -> Option<u32> {
        self.config
            .payload_types
            .iter()
            .find(|(p, _)| *p == pt)
            .map(|(_, rate)| *rate)
    }

    fn push_event(&mut self, event: ReceiverEvent) {
        if self.events.is_full() {
            self.events.pop_front();
            self.counters.events_lost += 1;
        }
        // A slot was freed above if the queue was full.
        let _ = self.events.push_back(event);
    }

    /// One RTP datagram arrived at `now` from `from`.
    pub fn handle_rtp(&mut self, now: Instant, from: SocketAddr, bytes: &[u8]) -> RtpVerdict {
        let Ok(packet) = RtpPacket::new_checked(bytes) else {
            self.counters.malformed += 1;
            return RtpVerdict::Dropped(DropReason::Malformed);
        };
        let ssrc = packet.ssrc();
        if ssrc == self.config.local_ssrc {
            self.counters.own_ssrc += 1;
            if !self.collision_reported {
                self.collision_reported = true;
                let event = if self.config.local_addr == Some(from) {
                    ReceiverEvent::LoopDetected { from }
                } else {
                    ReceiverEvent::SsrcCollision { from }
                };
                self.push_event(event);
            }
            return RtpVerdict::Dropped(DropReason::OwnSsrc);
        }
        let pt = packet.payload_type();
        let Some(clock_rate) = self.clock_rate(pt) else {
            self.counters.unknown_payload_type += 1;
            return RtpVerdict::Dropped(DropReason::PayloadType(pt));
        };
        let seq = packet.sequence_number();
        let latched_addr = self
            .latched
            .and_then(|l| self.sources.iter().find(|s| s.ssrc == l))
            .map(|s| (s.ssrc, s.addr));
        let is_latched = latched_addr == Some((ssrc, from));
        if is_latched {
            // The latched source is alive: no challenger's run survives it.
            self.candidate = None;
        } else if latched_addr.is_some() && self.advance_candidate(ssrc, from, seq) {
            self.switch_to(now, ssrc, from, clock_rate);
        }
        let index = match self.sources.iter().position(|s| s.ssrc == ssrc) {
            Some(i) => i,
            None => {
                let source = Source {
                    ssrc,
                    addr: from,
                    last_heard: now,
                    stats: ReceiveStats::new(clock_rate),
                };
                if self.sources.push(source).is_err() {
                    self.counters.table_full += 1;
                    return RtpVerdict::Dropped(DropReason::TableFull);
                }
                self.sources.len() - 1
            }
        };
        let Some(source) = self.sources.get_mut(index) else {
            // invariant: index came from position() or the push just above.
            return RtpVerdict::Dropped(DropReason::TableFull);
        };
        if source.addr != from {
            self.counters.address_conflicts += 1;
            return RtpVerdict::Dropped(DropReason::AddressConflict);
        }
        source.last_heard = now;
        let status = source
            .stats
            .on_packet(now, seq, packet.timestamp(), packet.payload().len());
        if self.latched.is_none() {
            self.latched = Some(ssrc);
            self.push_event(ReceiverEvent::SourceLatched { ssrc, addr: from });
        }
        if self.latched == Some(ssrc) {
            RtpVerdict::Media { ssrc, status }
        } else {
            RtpVerdict::OtherSource { ssrc, status }
        }
    }

    /// Extends or restarts the challenger's run; true when it reached `switch_after`.
    fn advance_candidate(&mut self, ssrc: u32, addr: SocketAddr, seq: u16) -> bool {
        let run = match self.candidate {
            Some(c) if c.ssrc == ssrc && c.addr == addr && c.next_seq == seq => c.run + 1,
            _ => 1,
        };
        self.candidate = Some(Candidate {
            ssrc,
            addr,
            next_seq: seq.wrapping_add(1),
            run,
        });
        run >= self.config.switch_after.max(1)
    }

    /// Makes (ssrc, addr) the latched source, rebinding or resetting its statistics.
    fn switch_to(&mut self, now: Instant, ssrc: u32, addr: SocketAddr, clock_rate: u32) {
        self.candidate = None;
        match self.sources.iter_mut().find(|s| s.ssrc == ssrc) {
            Some(s) if s.addr != addr => {
                // The same SSRC moved (NAT rebinding, or a restarted peer): start afresh.
                s.addr = addr;
                s.stats = ReceiveStats::new(clock_rate);
                s.last_heard = now;
            }
            _ => {}
        }
        self.latched = Some(ssrc);
        self.counters.switches += 1;
        self.push_event(ReceiverEvent::SourceLatched { ssrc, addr });
    }

    /// One RTCP datagram arrived at `now`: SRs feed LSR/DLSR, BYEs remove sources, report
    /// blocks about us give the round-trip time. Packets from our own SSRC are ignored.
    pub fn handle_rtcp(&mut self, now: Instant, bytes: &[u8]) {
        for packet in CompoundIter::new(bytes) {
            match packet {
                Ok(RtcpPacket::SenderReport(sr)) => {
                    if let Some(s) = self.sources.iter_mut().find(|s| s.ssrc == sr.ssrc) {
                        s.stats.on_sender_report(now, sr.ntp.middle32());
                        s.last_heard = now;
                    }
                    self.on_report_blocks(now, sr.ssrc, sr.reports);
                }
                Ok(RtcpPacket::ReceiverReport(rr)) => {
                    if let Some(s) = self.sources.iter_mut().find(|s| s.ssrc == rr.ssrc) {
                        s.last_heard = now;
                    }
                    self.on_report_blocks(now, rr.ssrc, rr.reports);
                }
                Ok(RtcpPacket::Bye(bye)) => {
                    for ssrc in bye.ssrcs {
                        if ssrc != self.config.local_ssrc && self.remove(ssrc) {
                            self.push_event(ReceiverEvent::SourceBye { ssrc });
                        }
                    }
                }
                Ok(_) => {}
                Err(_) => self.counters.malformed_rtcp += 1,
            }
        }
    }

    fn on_report_blocks(
        &mut self,
        now: Instant,
        reporter: u32,
        blocks: EntryList<'_, ReportBlock>,
    ) {
        if reporter == self.config.local_ssrc {
            return;
        }
        let arrival = self.config.anchor.ntp_at(now);
        let local = self.config.local_ssrc;
        for block in blocks.iter().filter(|b| b.ssrc == local) {
            if let Some(rtt) = round_trip_time(&block, arrival) {
                self.rtt = Some(rtt);
                self.push_event(ReceiverEvent::RoundTripTime { reporter, rtt });
            }
        }
    }

    fn remove(&mut self, ssrc: u32) -> bool {
        let Some(i) = self.sources.iter().position(|s| s.ssrc == ssrc) else {
            return false;
        };
        self.sources.swap_remove(i);
        if self.latched == Some(ssrc) {
            self.latched = None;
            self.candidate = None;
        }
        true
    }

    fn timeout_after(&self) -> Duration {
        self.config.report_interval * TIMEOUT_INTERVALS
    }

    /// Times out sources silent for five report intervals (§6.3.5). Early calls do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        let limit = self.timeout_after();
        while let Some(ssrc) = self
            .sources
            .iter()
            .find(|s| now.saturating_duration_since(s.last_heard) >= limit)
            .map(|s| s.ssrc)
        {
            self.remove(ssrc);
            self.push_event(ReceiverEvent::SourceTimeout { ssrc });
        }
    }

    /// When the next source would time out, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let limit = self.timeout_after();
        self.sources.iter().map(|s| s.last_heard + limit).min()
    }

    /// The next event, oldest first.
    pub fn poll_event(&mut self) -> Option<ReceiverEvent> {
        self.events.pop_front()
    }

    /// The latched source, if any.
    pub fn latched(&self) -> Option<u32> {
        self.latched
    }

    /// Statistics of a known source.
    pub fn stats(&self, ssrc: u32) -> Option<&ReceiveStats> {
        self.sources
            .iter()
            .find(|s| s.ssrc == ssrc)
            .map(|s| &s.stats)
    }

    /// The most recent round-trip time (§6.4.1).
    pub fn rtt(&self) -> Option<Duration> {
        self.rtt
    }

    /// Drop and event counters.
    pub fn counters(&self) -> ReceiverCounters {
        self.counters
    }

    /// Report blocks for every valid source (up to 31, RFC 3550 §6.4), advancing each one's
    /// fraction-lost baseline: call once per report sent.
    pub fn report_blocks(&mut self, now: Instant) -> crate::rtcp::ReportBlocks {
        let mut out = crate::rtcp::ReportBlocks::new();
        for s in self.sources.iter_mut() {
            if let Some(block) = s.stats.report_block(now, s.ssrc) {
                if out.push(block).is_err() {
                    break;
                }
            }
        }
        out
    }

    /// Sources in the table.
    pub fn len(&self) -> usize {
        self.sources.len()
    }

    /// Whether no source is known.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }
}

#[cfg(test)]
#[path = "source_table_tests.rs"]
mod tests;
