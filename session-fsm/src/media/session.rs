//! The RTP/RTCP session of one call (RFC 3550): a paced G.711 sender playing a tone, receive
//! statistics for the far end's stream, and periodic compound RTCP reports.
//!
//! Packets are written straight into the buffer the caller lends to `poll_transmit`: nothing
//! is allocated per packet.

use std::net::SocketAddr;

use rtp_proto::codec::{decode_ulaw, encode_alaw, encode_ulaw};
use rtp_proto::rtcp::{
    build_compound, Bye, CompoundIter, ReceiverReport, Report, ReportBlock, RtcpPacket,
};
use rtp_proto::rtp::{RtpHeader, RtpPacket};
use rtp_proto::stats::{ReceiveStats, SenderStats, WallClockAnchor};
use rtp_proto::tone::ToneGenerator;

use crate::endpoint::MediaStats;
use crate::time::{Duration, Instant};

/// G.711 runs at 8000 samples per second (RFC 3551 §4.5.14).
const CLOCK_RATE: u32 = 8000;
/// The most samples in one packet we produce (60 ms at 8 kHz).
const MAX_SAMPLES: usize = 480;
/// Tone amplitude: about -10 dBFS, loud enough to hear, far from clipping.
const AMPLITUDE: i16 = 10_000;
/// If pacing falls this far behind (the runtime slept), restart the schedule rather than
/// sending a burst.
const MAX_BACKLOG: u32 = 5;

/// What a media session needs to start.
#[derive(Debug, Clone)]
pub(crate) struct MediaSetup {
    /// Where the far end wants our RTP.
    pub remote_rtp: SocketAddr,
    /// Where the far end wants our RTCP.
    pub remote_rtcp: SocketAddr,
    /// The negotiated payload type (0 PCMU or 8 PCMA).
    pub payload_type: u8,
    /// Packet duration.
    pub ptime: Duration,
    /// Whether we may send (not on hold / recvonly).
    pub send: bool,
    /// The tone to play, or silence.
    pub tone_hz: Option<f64>,
    /// Our SSRC, initial sequence number and timestamp: random, from the endpoint's seed
    /// (RFC 3550 §5.1).
    pub ssrc: u32,
    /// The first sequence number.
    pub initial_seq: u16,
    /// The first timestamp.
    pub initial_timestamp: u32,
    /// How often to send RTCP.
    pub rtcp_interval: Duration,
    /// Our CNAME (RFC 3550 §6.5.1).
    pub cname: String,
    /// Wall-clock anchor for SR NTP timestamps.
    pub anchor: WallClockAnchor,
}

/// Which socket a media datagram leaves from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MediaSocket {
    Rtp,
    Rtcp,
}

/// The RTP/RTCP session of one call.
#[derive(Debug)]
pub(crate) struct MediaSession {
    setup: MediaSetup,
    samples_per_packet: u32,
    seq: u16,
    timestamp: u32,
    /// When the next RTP packet is due; `None` once stopped or when we may not send.
    next_rtp: Option<Instant>,
    next_rtcp: Option<Instant>,
    /// The BYE compound is owed once when the session stops.
    bye_pending: bool,
    tone: Option<ToneGenerator>,
    sender: SenderStats,
    /// Statistics of the far end's stream, created by its first packet.
    receiver: Option<(u32, ReceiveStats)>,
    rtp_sent: u64,
    rtcp_sent: u64,
    rtcp_received: u64,
    dropped: u64,
    pcm: [i16; MAX_SAMPLES],
    encoded: [u8; MAX_SAMPLES],
}

impl MediaSession {
    /// Starts sending at `now` (the first packet goes at once).
    pub(crate) fn start(now: Instant, setup: MediaSetup) -> Self {
        let samples = (u128::from(CLOCK_RATE) * setup.ptime.as_micros() / 1_000_000) as u32;
        let samples_per_packet = samples.clamp(80, MAX_SAMPLES as u32);
        let tone = setup
            .tone_hz
            .map(|hz| ToneGenerator::new(hz, AMPLITUDE, CLOCK_RATE));
        MediaSession {
            seq: setup.initial_seq,
            timestamp: setup.initial_timestamp,
            next_rtp: setup.send.then_some(now),
            // RFC 3550 §6.2: the first report after half the interval.
            next_rtcp: Some(now + setup.rtcp_interval / 2),
            bye_pending: false,
            samples_per_packet,
            tone,
            sender: SenderStats::new(),
            receiver: None,
            rtp_sent: 0,
            rtcp_sent: 0,
            rtcp_received: 0,
            dropped: 0,
            pcm: [0; MAX_SAMPLES],
            encoded: [0; MAX_SAMPLES],
            setup,
        }
    }

    /// Stops sending RTP at once; one RTCP BYE compound follows (RFC 3550 §6.6).
    pub(crate) fn stop(&mut self) {
        self.next_rtp = None;
        self.next_rtcp = None;
        self.bye_pending = true;
    }

    /// The earliest instant this session has something to send.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        match (self.next_rtp, self.next_rtcp) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Where our RTP goes.
    pub(crate) fn remote_rtp(&self) -> SocketAddr {
        self.setup.remote_rtp
    }

    /// Is the BYE compound still owed?
    pub(crate) fn has_pending_bye(&self) -> bool {
        self.bye_pending
    }

    /// Writes the next due datagram into `buf`, if one is due at `now`.
    pub(crate) fn poll_transmit(
        &mut self,
        now: Instant,
        buf: &mut Vec<u8>,
    ) -> Option<(MediaSocket, SocketAddr)> {
        if self.bye_pending {
            self.bye_pending = false;
            let sent = self.write_rtcp(now, buf, true);
            return sent.then_some((MediaSocket::Rtcp, self.setup.remote_rtcp));
        }
        if let Some(due) = self.next_rtp.filter(|due| *due <= now) {
            self.write_rtp(now, buf);
            let step = self.setup.ptime;
            let next = due + step;
            self.next_rtp = Some(if now > due + step * MAX_BACKLOG {
                now + step
            } else {
                next
            });
            return Some((MediaSocket::Rtp, self.setup.remote_rtp));
        }
        if let Some(due) = self.next_rtcp.filter(|due| *due <= now) {
            self.next_rtcp = Some(due.max(now) + self.setup.rtcp_interval);
            let sent = self.write_rtcp(now, buf, false);
            return sent.then_some((MediaSocket::Rtcp, self.setup.remote_rtcp));
        }
        None
    }

    fn write_rtp(&mut self, now: Instant, buf: &mut Vec<u8>) {
        let n = self.samples_per_packet as usize;
        let pcm = &mut self.pcm[..n];
        match &mut self.tone {
            Some(tone) => tone.fill(pcm),
            None => pcm.fill(0),
        }
        let header = RtpHeader {
            marker: self.rtp_sent == 0,
            payload_type: self.setup.payload_type,
            sequence_number: self.seq,
            timestamp: self.timestamp,
            ssrc: self.setup.ssrc,
            ..RtpHeader::default()
        };
        let payload = &mut self.encoded[..n];
        if self.setup.payload_type == 8 {
            encode_alaw(pcm, payload);
        } else {
            encode_ulaw(pcm, payload);
        }
        buf.clear();
        buf.resize(header.packet_len(n), 0);
        // The buffer was sized by `packet_len`, so emitting cannot run short; if it ever did,
        // the datagram goes out empty and the far end drops it, rather than the call failing.
        match header.emit(buf, payload) {
            Ok(len) => buf.truncate(len),
            Err(_) => buf.clear(),
        }
        self.sender.on_sent(now, self.timestamp, n);
        self.rtp_sent += 1;
        self.seq = self.seq.wrapping_add(1);
        self.timestamp = self.timestamp.wrapping_add(self.samples_per_packet);
    }

    fn write_rtcp(&mut self, now: Instant, buf: &mut Vec<u8>, with_bye: bool) -> bool {
        let block: Option<ReportBlock> = self
            .receiver
            .as_mut()
            .and_then(|(ssrc, stats)| stats.report_block(now, *ssrc));
        let reports = block.as_slice();
        let ssrcs = [self.setup.ssrc];
        let bye = Bye {
            ssrcs: ssrcs[..].into(),
            reason: None,
        };
        let bye = with_bye.then_some(&bye);
        buf.clear();
        buf.resize(1500, 0);
        let written = if self.sender.has_sent() {
            let sr = self.sender.sender_report(
                now,
                self.setup.ssrc,
                &self.setup.anchor,
                CLOCK_RATE,
                reports,
            );
            build_compound(buf, Report::Sender(&sr), self.setup.cname.as_bytes(), bye)
        } else {
            let rr = ReceiverReport {
                ssrc: self.setup.ssrc,
                reports: reports.into(),
            };
            build_compound(buf, Report::Receiver(&rr), self.setup.cname.as_bytes(), bye)
        };
        match written {
            Ok(len) => {
                buf.truncate(len);
                self.rtcp_sent += 1;
                true
            }
            Err(_) => {
                buf.clear();
                false
            }
        }
    }

    /// An RTP datagram arrived. Anything that is not RTP of the negotiated payload type is
    /// dropped and counted.
    pub(crate) fn handle_rtp(&mut self, now: Instant, bytes: &[u8]) {
        let Ok(packet) = RtpPacket::new_checked(bytes) else {
            self.dropped += 1;
            return;
        };
        if packet.payload_type() != self.setup.payload_type {
            self.dropped += 1;
            return;
        }
        let ssrc = packet.ssrc();
        let stats = match &mut self.receiver {
            Some((known, stats)) if *known == ssrc => stats,
            Some(_) => {
                // Another source on our port: not the stream we latched onto.
                self.dropped += 1;
                return;
            }
            None => {
                &mut self
                    .receiver
                    .insert((ssrc, ReceiveStats::new(CLOCK_RATE)))
                    .1
            }
        };
        stats.on_packet(
            now,
            packet.sequence_number(),
            packet.timestamp(),
            packet.payload().len(),
        );
    }

    /// An RTCP datagram arrived: sender reports feed the LSR/DLSR of our reports.
    pub(crate) fn handle_rtcp(&mut self, now: Instant, bytes: &[u8]) {
        let mut valid = false;
        for packet in CompoundIter::new(bytes) {
            match packet {
                Ok(RtcpPacket::SenderReport(sr)) => {
                    valid = true;
                    if let Some((ssrc, stats)) = &mut self.receiver {
                        if *ssrc == sr.ssrc {
                            stats.on_sender_report(now, sr.ntp.middle32());
                        }
                    }
                }
                Ok(_) => valid = true,
                Err(_) => break,
            }
        }
        if valid {
            self.rtcp_received += 1;
        } else {
            self.dropped += 1;
        }
    }

    /// Decodes a μ-law payload, for applications that want the audio (kept for the jitter
    /// buffer that will sit here).
    #[allow(dead_code)]
    pub(crate) fn decode(payload: &[u8], out: &mut [i16]) -> usize {
        decode_ulaw(payload, out)
    }

    /// What the session did so far.
    pub(crate) fn stats(&self) -> MediaStats {
        let (received, lost, jitter_ms) = match &self.receiver {
            // Every packet of the stream we latched onto, probation included: what arrived.
            Some((_, s)) => (
                s.packets(),
                i64::from(s.cumulative_lost()),
                f64::from(s.jitter()) * 1000.0 / f64::from(CLOCK_RATE),
            ),
            None => (0, 0, 0.0),
        };
        MediaStats {
            rtp_sent: self.rtp_sent,
            rtp_received: received,
            rtp_lost: lost,
            jitter_ms,
            rtcp_sent: self.rtcp_sent,
            rtcp_received: self.rtcp_received,
            rtp_dropped: self.dropped,
        }
    }
}
