//! The RTP/RTCP session of one call (RFC 3550): a paced G.711 sender playing a tone, the
//! receive path for the far end's stream, and periodic compound RTCP reports.
//!
//! The receive path is rtp-proto's: every RTP datagram goes through an
//! [`RtpReceiver`] (payload types that were not negotiated are dropped and counted; the first
//! source is latched and another replaces it only after a run of consecutive packets; our
//! own SSRC coming back is a collision or loop; RFC 3550 A.1 validation), and the latched
//! source's valid packets go into a [`JitterBuffer`]. Playout is pulled from the buffer once
//! per `ptime` at `now`, decoded from G.711, or concealed when the frame is missing.
//!
//! Packets are written straight into the buffer the caller lends to `poll_transmit`: nothing
//! is allocated per packet.

use std::net::SocketAddr;

use rtp_proto::codec::{decode_alaw, decode_ulaw, encode_alaw, encode_ulaw};
use rtp_proto::jitter::{JitterBuffer, JitterConfig, MissingReason, Playout};
use rtp_proto::rtcp::{build_compound, Bye, CompoundIter, ReceiverReport, Report};
use rtp_proto::rtp::{RtpHeader, RtpPacket};
use rtp_proto::stats::{ReceiverConfig, RtpReceiver, RtpVerdict, SenderStats, WallClockAnchor};
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
/// Sources the receive side tracks: the far end, and room for a restarted peer or a stray.
const SOURCES: usize = 4;
/// Consecutive in-sequence packets another source needs to replace the latched one.
const SWITCH_AFTER: u16 = 4;
/// Jitter buffer depth in frames: 32 frames of 20 ms hold 640 ms.
const JITTER_FRAMES: usize = 32;
/// The jitter buffer's delay bounds: at least two 20 ms frames, so that a packet overtaken
/// by the next one can still be played in order.
const MIN_DELAY: Duration = Duration::from_millis(40);
const MAX_DELAY: Duration = Duration::from_millis(300);

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
    /// The receive side: sources, payload types, latching, collisions, timeouts, RTT.
    receiver: RtpReceiver<SOURCES>,
    /// The latched source's valid packets, waiting for playout. Made when the first one
    /// arrives: a call that never receives media (or is hung up at once) does not pay for
    /// a buffer it would not use, and an empty buffer plays silence all the same.
    jitter: Option<Box<JitterBuffer>>,
    /// When the next frame is pulled from the jitter buffer; `None` once stopped.
    next_playout: Option<Instant>,
    /// The far end's stream as last seen: kept here so that a BYE or timeout removing the
    /// source from the receiver does not erase what the call received.
    remote: RemoteFigures,
    rtp_sent: u64,
    rtcp_sent: u64,
    rtcp_received: u64,
    /// RTCP datagrams that were not RTCP at all.
    rtcp_dropped: u64,
    /// RTP packets of known sources other than the latched one: counted, not played.
    other_source: u64,
    pcm: [i16; MAX_SAMPLES],
    encoded: [u8; MAX_SAMPLES],
    /// The last frame played out (decoded or concealed), and its length.
    playout: [i16; MAX_SAMPLES],
    playout_len: usize,
}

/// The latched source's figures, as of its last packet.
#[derive(Debug, Clone, Copy, Default)]
struct RemoteFigures {
    packets: u64,
    cumulative_lost: i32,
    jitter: u32,
    duplicates: u64,
}

impl MediaSession {
    /// Starts sending at `now` (the first packet goes at once).
    pub(crate) fn start(now: Instant, setup: MediaSetup) -> Self {
        let samples = (u128::from(CLOCK_RATE) * setup.ptime.as_micros() / 1_000_000) as u32;
        let samples_per_packet = samples.clamp(80, MAX_SAMPLES as u32);
        let tone = setup
            .tone_hz
            .map(|hz| ToneGenerator::new(hz, AMPLITUDE, CLOCK_RATE));
        let mut payload_types = heapless::Vec::new();
        // One entry in a list of 16: cannot be full.
        let _ = payload_types.push((setup.payload_type, CLOCK_RATE));
        let receiver = RtpReceiver::new(ReceiverConfig {
            local_ssrc: setup.ssrc,
            local_addr: None,
            payload_types,
            switch_after: SWITCH_AFTER,
            report_interval: setup.rtcp_interval,
            anchor: setup.anchor,
        });
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
            receiver,
            jitter: None,
            // The playout clock ticks once per ptime from the start; until the first packets
            // have filled the buffer to its target delay, a tick plays silence.
            next_playout: Some(now + setup.ptime),
            remote: RemoteFigures::default(),
            rtp_sent: 0,
            rtcp_sent: 0,
            rtcp_received: 0,
            rtcp_dropped: 0,
            other_source: 0,
            pcm: [0; MAX_SAMPLES],
            encoded: [0; MAX_SAMPLES],
            playout: [0; MAX_SAMPLES],
            playout_len: 0,
            setup,
        }
    }

    /// Stops sending RTP at once; one RTCP BYE compound follows (RFC 3550 §6.6).
    pub(crate) fn stop(&mut self) {
        self.next_rtp = None;
        self.next_rtcp = None;
        self.next_playout = None;
        self.bye_pending = true;
    }

    /// The earliest instant this session has something to do: send, play out a frame, or
    /// time out a silent source.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        let source_timeout = self.next_playout.and(self.receiver.poll_timeout());
        [
            self.next_rtp,
            self.next_rtcp,
            self.next_playout,
            source_timeout,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Fires what is due at `now`: one playout tick per `ptime` elapsed, and source timeouts
    /// (RFC 3550 §6.3.5). Early calls do nothing; `poll_transmit` calls it first.
    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        let Some(mut due) = self.next_playout else {
            return;
        };
        let step = self.setup.ptime;
        if now > due + step * MAX_BACKLOG {
            // The runtime slept: play one frame now rather than a burst of them.
            due = now;
        }
        while due <= now {
            self.play_one(due);
            due += step;
        }
        self.next_playout = Some(due);
        self.receiver.handle_timeout(now);
        while self.receiver.poll_event().is_some() {}
    }

    /// Pulls one frame from the jitter buffer at `now` and decodes it, or conceals it.
    fn play_one(&mut self, now: Instant) {
        let n = self.samples_per_packet as usize;
        let alaw = self.setup.payload_type == 8;
        let out = &mut self.playout;
        let len = match self.jitter.as_deref_mut().map(|j| j.pop(now)) {
            Some(Playout::Frame { payload, .. }) => {
                let payload = &payload[..payload.len().min(MAX_SAMPLES)];
                if alaw {
                    decode_alaw(payload, out)
                } else {
                    decode_ulaw(payload, out)
                }
            }
            Some(Playout::Missing {
                reason: MissingReason::Lost,
                ..
            }) => {
                // Packet loss concealment: the previous frame again at half amplitude, so a
                // run of losses fades out instead of buzzing.
                for s in out[..n].iter_mut() {
                    *s /= 2;
                }
                n
            }
            // Growing the delay, nothing to play, or nothing received yet: silence.
            _ => {
                out[..n].fill(0);
                n
            }
        };
        self.playout_len = len;
    }

    /// The last frame played out: decoded audio, concealment or silence.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn last_played(&self) -> &[i16] {
        &self.playout[..self.playout_len]
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
    /// `cname` is our CNAME (RFC 3550 §6.5.1), the endpoint's for all its calls.
    pub(crate) fn poll_transmit(
        &mut self,
        now: Instant,
        buf: &mut Vec<u8>,
        cname: &str,
    ) -> Option<(MediaSocket, SocketAddr)> {
        self.handle_timeout(now);
        if self.bye_pending {
            self.bye_pending = false;
            let sent = self.write_rtcp(now, buf, true, cname);
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
            let sent = self.write_rtcp(now, buf, false, cname);
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

    fn write_rtcp(&mut self, now: Instant, buf: &mut Vec<u8>, with_bye: bool, cname: &str) -> bool {
        let blocks = self.receiver.report_blocks(now);
        let reports = &blocks[..];
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
            build_compound(buf, Report::Sender(&sr), cname.as_bytes(), bye)
        } else {
            let rr = ReceiverReport {
                ssrc: self.setup.ssrc,
                reports: reports.into(),
            };
            build_compound(buf, Report::Receiver(&rr), cname.as_bytes(), bye)
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

    /// An RTP datagram arrived from the far end's RTP address (tests that need no other).
    #[cfg(test)]
    pub(crate) fn handle_rtp(&mut self, now: Instant, bytes: &[u8]) {
        self.handle_rtp_from(now, self.setup.remote_rtp, bytes);
    }

    /// An RTP datagram arrived from `from`. The receiver decides (dropping and counting what
    /// is not the negotiated payload type, not RTP, or our own SSRC); the latched source's
    /// valid packets go into the jitter buffer.
    pub(crate) fn handle_rtp_from(&mut self, now: Instant, from: SocketAddr, bytes: &[u8]) {
        match self.receiver.handle_rtp(now, from, bytes) {
            RtpVerdict::Media { ssrc, status } => {
                if status.is_valid() && self.next_playout.is_some() {
                    if let Ok(packet) = RtpPacket::new_checked(bytes) {
                        let samples = self.samples_per_packet;
                        self.jitter
                            .get_or_insert_with(|| Box::new(jitter_buffer(samples)))
                            .put_rtp(now, &packet);
                    }
                }
                if let Some(s) = self.receiver.stats(ssrc) {
                    self.remote = RemoteFigures {
                        packets: s.packets(),
                        cumulative_lost: s.cumulative_lost(),
                        jitter: s.jitter(),
                        duplicates: s.duplicates(),
                    };
                }
            }
            RtpVerdict::OtherSource { .. } => self.other_source += 1,
            // Counted by the receiver.
            _ => {}
        }
        while self.receiver.poll_event().is_some() {}
    }

    /// An RTCP datagram arrived: sender reports feed the LSR/DLSR of our reports, BYEs remove
    /// sources, report blocks about us give the round-trip time.
    pub(crate) fn handle_rtcp(&mut self, now: Instant, bytes: &[u8]) {
        let valid = CompoundIter::new(bytes).next().is_some_and(|p| p.is_ok());
        if valid {
            self.rtcp_received += 1;
            self.receiver.handle_rtcp(now, bytes);
            while self.receiver.poll_event().is_some() {}
        } else {
            self.rtcp_dropped += 1;
        }
    }

    /// What the session did so far.
    pub(crate) fn stats(&self) -> MediaStats {
        let r = self.receiver.counters();
        let j = self
            .jitter
            .as_ref()
            .map(|j| j.counters())
            .unwrap_or_default();
        MediaStats {
            rtp_sent: self.rtp_sent,
            // Every packet of the latched stream, probation and duplicates included.
            rtp_received: self.remote.packets,
            rtp_lost: i64::from(self.remote.cumulative_lost),
            jitter_ms: f64::from(self.remote.jitter) * 1000.0 / f64::from(CLOCK_RATE),
            rtcp_sent: self.rtcp_sent,
            rtcp_received: self.rtcp_received,
            rtp_dropped: r.malformed
                + r.unknown_payload_type
                + r.own_ssrc
                + r.address_conflicts
                + r.table_full
                + self.other_source
                + self.rtcp_dropped,
            rtp_unknown_payload_type: r.unknown_payload_type,
            rtp_duplicates: self.remote.duplicates + j.duplicates,
            rtp_late: j.late,
            frames_played: j.played,
            frames_concealed: j.concealed,
            playout_underruns: j.underruns,
        }
    }
}

/// The jitter buffer for frames of `samples_per_packet` samples.
fn jitter_buffer(samples_per_packet: u32) -> JitterBuffer {
    JitterBuffer::new(JitterConfig {
        clock_rate: CLOCK_RATE,
        samples_per_frame: samples_per_packet,
        capacity: JITTER_FRAMES,
        max_payload: MAX_SAMPLES,
        min_delay: MIN_DELAY,
        max_delay: MAX_DELAY,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtp_proto::codec::{linear_to_ulaw, ulaw_to_linear};
    use rtp_proto::stats::NtpTime;

    const REMOTE_SSRC: u32 = 0xabcd;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// An arbitrary epoch; the tests add `Duration`s to it (STYLE rule 4).
    #[allow(clippy::disallowed_methods)] // test-only: the one clock read, taken as an epoch
    fn epoch() -> Instant {
        Instant::now()
    }

    fn setup(t0: Instant) -> MediaSetup {
        MediaSetup {
            remote_rtp: "192.0.2.9:4000".parse().unwrap(),
            remote_rtcp: "192.0.2.9:4001".parse().unwrap(),
            payload_type: 0,
            ptime: ms(20),
            send: false,
            tone_hz: None,
            ssrc: 0x1111,
            initial_seq: 0,
            initial_timestamp: 0,
            rtcp_interval: Duration::from_secs(5),
            anchor: WallClockAnchor::new(t0, NtpTime::from_parts(1000, 0)),
        }
    }

    /// The level packet `k` carries: every sample of its payload encodes it.
    fn level(k: u16) -> i16 {
        500 * (i16::try_from(k).unwrap() + 1)
    }

    /// Packet `k` of the far end's stream (PT `pt`, SSRC `ssrc`): 160 samples at `level(k)`.
    fn packet(ssrc: u32, pt: u8, k: u16) -> Vec<u8> {
        let header = RtpHeader {
            payload_type: pt,
            sequence_number: 1000 + k,
            timestamp: 50_000 + 160 * u32::from(k),
            ssrc,
            ..RtpHeader::default()
        };
        let payload = [linear_to_ulaw(level(k)); 160];
        let mut buf = vec![0; header.packet_len(160)];
        let n = header.emit(&mut buf, &payload).unwrap();
        buf.truncate(n);
        buf
    }

    /// Runs the session in 1 ms steps to `end_ms`, delivering `arrivals` (ms, datagram) and
    /// recording the first sample of every frame played out.
    fn run(
        session: &mut MediaSession,
        t0: Instant,
        arrivals: &[(u64, Vec<u8>)],
        end_ms: u64,
    ) -> Vec<i16> {
        let mut played = Vec::new();
        for t in 0..=end_ms {
            let now = t0 + ms(t);
            for (_, bytes) in arrivals.iter().filter(|(at, _)| *at == t) {
                session.handle_rtp(now, bytes);
            }
            let before = session.next_playout;
            session.handle_timeout(now);
            if session.next_playout != before {
                played.push(session.last_played().first().copied().unwrap_or(0));
            }
        }
        played
    }

    /// Packets go through the receiver and the jitter buffer: a reordered pair plays in
    /// order, a lost and a too-late packet are concealed, a duplicate is dropped, and the
    /// counts are exact.
    #[test]
    fn reordered_packets_play_in_order_through_the_jitter_buffer() {
        let t0 = epoch();
        let mut session = MediaSession::start(t0, setup(t0));
        // Packet k leaves at 20k ms and takes 1 ms, except: 3 is held 25 ms (overtaken by
        // 4), 6 is lost, 8 arrives twice, 10 is held 50 ms (after its playout time).
        let mut arrivals = Vec::new();
        for k in 0..16u16 {
            let sent = 20 * u64::from(k);
            let delay = match k {
                3 => 26,
                6 => continue,
                10 => 51,
                _ => 1,
            };
            arrivals.push((sent + delay, packet(REMOTE_SSRC, 0, k)));
            if k == 8 {
                arrivals.push((sent + 5, packet(REMOTE_SSRC, 0, k)));
            }
        }
        // Packet 0 is the source's probation (RFC 3550 A.1) and is not played; packet k >= 1
        // is due 40 ms (the minimum delay) after it was sent: the last, 15, at 340 ms.
        let played = run(&mut session, t0, &arrivals, 340);
        let heard: Vec<i16> = played.into_iter().skip_while(|&s| s == 0).collect();
        let d = |k: u16| ulaw_to_linear(linear_to_ulaw(level(k)));
        let mut expected = Vec::new();
        for k in 1..16u16 {
            expected.push(match k {
                // Concealment: the previous frame at half amplitude.
                6 | 10 => d(k - 1) / 2,
                _ => d(k),
            });
        }
        assert_eq!(heard, expected);
        let stats = session.stats();
        assert_eq!(
            (
                stats.frames_played,
                stats.frames_concealed,
                stats.rtp_late,
                stats.rtp_duplicates,
                stats.playout_underruns
            ),
            (13, 2, 1, 1, 0),
            "{stats:?}"
        );
        // 15 packets and a duplicate arrived; A.1 counts the duplicate as received, so the
        // one lost packet nets out to zero.
        assert_eq!((stats.rtp_received, stats.rtp_lost), (16, 0), "{stats:?}");
        assert_eq!(stats.rtp_dropped, 0);
    }

    /// A payload type that was not negotiated is dropped and counted, and a stray source
    /// cannot take over the stream without a run of consecutive packets.
    #[test]
    fn unknown_payload_types_and_stray_sources_do_not_play() {
        let t0 = epoch();
        let mut session = MediaSession::start(t0, setup(t0));
        let mut arrivals = Vec::new();
        for k in 0..10u16 {
            arrivals.push((20 * u64::from(k) + 1, packet(REMOTE_SSRC, 0, k)));
        }
        // PT 18 was not negotiated; a stray SSRC sends three packets out of sequence.
        arrivals.push((50, packet(REMOTE_SSRC, 18, 40)));
        for (at, k) in [(70, 20u16), (110, 22), (150, 24)] {
            arrivals.push((at, packet(0x5757, 0, k)));
        }
        let played = run(&mut session, t0, &arrivals, 220);
        let heard: Vec<i16> = played.into_iter().skip_while(|&s| s == 0).collect();
        let expected: Vec<i16> = (1..10u16)
            .map(|k| ulaw_to_linear(linear_to_ulaw(level(k))))
            .collect();
        assert_eq!(heard, expected);
        let stats = session.stats();
        assert_eq!(stats.rtp_unknown_payload_type, 1);
        // The unknown payload type and the three stray packets.
        assert_eq!(stats.rtp_dropped, 4, "{stats:?}");
        assert_eq!((stats.frames_played, stats.frames_concealed), (9, 0));
    }
}
