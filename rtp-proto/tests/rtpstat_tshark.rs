//! rtpstat against Wireshark: captures made here, read by both `tshark -z rtp,streams` and the
//! `rtpstat` example, which must agree on packets, lost and maximum jitter within 1 %.
//!
//! Each capture is a G.711 tone from our own sender (rtp-proto's [`RtpHeader`] builder, a
//! [`ToneGenerator`] and the G.711 encoder), sent every 20 ms through a seeded impaired path
//! (loss, jitter of tens of milliseconds, reordering, duplicates) and written as a pcap of
//! Ethernet/IPv4/UDP frames whose timestamps are the arrival times.
//!
//! Ignored by plain `cargo test` because it needs `tshark` (Debian's `tshark` package) and
//! the release example; CI runs it (see `.ci/run`):
//!
//! ```text
//! cargo build --release -p rtp-proto --example rtpstat
//! cargo test --release -p rtp-proto --test rtpstat_tshark -- --ignored --nocapture
//! ```
//! Without `tshark` or the example binary the test fails rather than skips.

use std::path::{Path, PathBuf};
use std::process::Command;

use rtp_proto::codec::{encode_alaw, encode_ulaw};
use rtp_proto::rtp::RtpHeader;
use rtp_proto::tone::ToneGenerator;
use rtp_proto::SeededRng;

/// Samples (and timestamp units) in one 20 ms frame at 8 kHz.
const FRAME: u32 = 160;
/// Microseconds between frames at the sender.
const FRAME_US: u64 = 20_000;

/// One direction of media: who sends what, and how the path between treats it.
#[derive(Debug, Clone, Copy)]
struct Stream {
    src: ([u8; 4], u16),
    dst: ([u8; 4], u16),
    payload_type: u8,
    ssrc: u32,
    first_seq: u16,
    first_timestamp: u32,
    /// When the first frame leaves, in µs from the capture's start.
    start_us: u64,
    frames: u32,
    path: Path_,
}

/// The impaired path: every packet is independently lost, or delayed by `base` plus a uniform
/// jitter, sometimes held back further (reordering it behind its successors), and sometimes
/// delivered twice.
#[derive(Debug, Clone, Copy)]
struct Path_ {
    loss: f64,
    base_us: u64,
    jitter_us: u64,
    reorder: f64,
    reorder_extra_us: u64,
    duplicate: f64,
}

/// A UDP datagram on the wire: arrival time in µs, addresses, payload.
struct Arrival {
    at_us: u64,
    src: ([u8; 4], u16),
    dst: ([u8; 4], u16),
    payload: Vec<u8>,
}

/// Our tone sender: `frames` packets of a 440 Hz tone, through the impaired path.
fn send(stream: &Stream, rng: &mut SeededRng, out: &mut Vec<Arrival>) {
    let mut tone = ToneGenerator::new(440.0, 8_000, 8000);
    let mut pcm = [0i16; FRAME as usize];
    let mut payload = [0u8; FRAME as usize];
    let mut buf = [0u8; 12 + FRAME as usize];
    let p = stream.path;
    for i in 0..stream.frames {
        tone.fill(&mut pcm);
        if stream.payload_type == 8 {
            encode_alaw(&pcm, &mut payload);
        } else {
            encode_ulaw(&pcm, &mut payload);
        }
        let header = RtpHeader {
            marker: i == 0,
            payload_type: stream.payload_type,
            sequence_number: stream.first_seq.wrapping_add(i as u16),
            timestamp: stream.first_timestamp.wrapping_add(i * FRAME),
            ssrc: stream.ssrc,
            ..RtpHeader::default()
        };
        let n = header
            .emit(&mut buf, &payload)
            .expect("a 172-byte packet fits");
        let sent = stream.start_us + u64::from(i) * FRAME_US;
        if rng.next_f64() < p.loss {
            continue;
        }
        let mut delay = p.base_us + (rng.next_f64() * p.jitter_us as f64) as u64;
        if rng.next_f64() < p.reorder {
            delay += FRAME_US + (rng.next_f64() * p.reorder_extra_us as f64) as u64;
        }
        out.push(Arrival {
            at_us: sent + delay,
            src: stream.src,
            dst: stream.dst,
            payload: buf[..n].to_vec(),
        });
        if rng.next_f64() < p.duplicate {
            let again = 100 + (rng.next_f64() * 10_000.0) as u64;
            out.push(Arrival {
                at_us: sent + delay + again,
                src: stream.src,
                dst: stream.dst,
                payload: buf[..n].to_vec(),
            });
        }
    }
}

/// An Ethernet/IPv4/UDP frame (checksums zero: "not computed" for UDP over IPv4).
fn frame(a: &Arrival) -> Vec<u8> {
    let udp_len = 8 + a.payload.len() as u16;
    let mut f = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00];
    f.extend_from_slice(&[0x45, 0]);
    f.extend_from_slice(&(20 + udp_len).to_be_bytes());
    f.extend_from_slice(&[0, 0, 0x40, 0, 64, 17]);
    let header_start = f.len() - 10;
    f.extend_from_slice(&[0, 0]); // header checksum, filled below
    f.extend_from_slice(&a.src.0);
    f.extend_from_slice(&a.dst.0);
    let sum = ipv4_checksum(&f[header_start..header_start + 20]);
    f[header_start + 10..header_start + 12].copy_from_slice(&sum.to_be_bytes());
    f.extend_from_slice(&a.src.1.to_be_bytes());
    f.extend_from_slice(&a.dst.1.to_be_bytes());
    f.extend_from_slice(&udp_len.to_be_bytes());
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(&a.payload);
    f
}

fn ipv4_checksum(header: &[u8]) -> u16 {
    let mut sum: u32 = header
        .chunks_exact(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// A little-endian microsecond pcap (link type Ethernet) of the arrivals, in arrival order.
fn pcap(arrivals: &[Arrival]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65_535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    for a in arrivals {
        let data = frame(a);
        let t = 1_700_000_000_000_000 + a.at_us;
        out.extend_from_slice(&((t / 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&((t % 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&data);
    }
    out
}

/// A capture: one or two streams, from the seed.
fn capture(seed: u64, two_streams: bool) -> Vec<u8> {
    let mut rng = SeededRng::new(seed);
    let path = Path_ {
        loss: 0.02 + rng.next_f64() * 0.03,
        base_us: 30_000,
        jitter_us: 20_000 + (rng.next_f64() * 40_000.0) as u64,
        reorder: 0.03 + rng.next_f64() * 0.05,
        reorder_extra_us: 30_000,
        duplicate: 0.01,
    };
    let first_seq = rng.next_u32() as u16;
    let mut streams = vec![Stream {
        src: ([192, 0, 2, 10], 40_000),
        dst: ([192, 0, 2, 20], 50_000),
        payload_type: 0,
        ssrc: rng.next_u32(),
        first_seq,
        first_timestamp: rng.next_u32(),
        start_us: 0,
        frames: 1500,
        path,
    }];
    if two_streams {
        // The answer: A-law the other way, starting later, its sequence numbers wrapping.
        streams.push(Stream {
            src: ([192, 0, 2, 20], 50_002),
            dst: ([192, 0, 2, 10], 40_002),
            payload_type: 8,
            ssrc: rng.next_u32(),
            first_seq: 65_000,
            first_timestamp: u32::MAX - 40_000,
            start_us: 150_000,
            frames: 1200,
            path: Path_ {
                jitter_us: path.jitter_us / 2,
                ..path
            },
        });
    }
    let mut arrivals = Vec::new();
    for s in &streams {
        send(s, &mut rng, &mut arrivals);
    }
    // Stable: a duplicate delivered at the same microsecond stays after its original.
    arrivals.sort_by_key(|a| a.at_us);
    pcap(&arrivals)
}

/// The figures compared for one stream.
#[derive(Debug, Clone, PartialEq)]
struct Figures {
    ssrc: u32,
    packets: u64,
    lost: i64,
    max_jitter_ms: f64,
}

/// `tshark -q -z rtp,streams`: one row per stream between the `=` rules, e.g.
/// ```text
///  Start time End time Src IP addr Port Dest IP addr Port SSRC Payload Pkts Lost
///  Min Delta(ms) Mean Delta(ms) Max Delta(ms) Min Jitter(ms) Mean Jitter(ms) Max Jitter(ms) Problem?
///  0.000 30.0 192.0.2.10 40000 192.0.2.20 50000 0x1234abcd g711U 1468 37 (2.5%) ... X
/// ```
/// The payload column may hold several words, so the row is read around the `(x%)` token.
fn parse_tshark(out: &str) -> Vec<Figures> {
    let mut rows = Vec::new();
    for line in out.lines() {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let Some(ssrc_at) = tokens.iter().position(|t| t.starts_with("0x")) else {
            continue;
        };
        let Some(pct_at) = tokens
            .iter()
            .position(|t| t.starts_with('(') && t.ends_with("%)"))
        else {
            continue;
        };
        let field = |i: usize| -> &str { tokens.get(i).copied().unwrap_or("") };
        let ssrc = u32::from_str_radix(&tokens[ssrc_at][2..], 16).expect("SSRC in hex");
        rows.push(Figures {
            ssrc,
            packets: field(pct_at - 2).parse().expect("Pkts"),
            lost: field(pct_at - 1).parse().expect("Lost"),
            max_jitter_ms: field(pct_at + 6).parse().expect("Max Jitter"),
        });
    }
    rows.sort_by_key(|r| r.ssrc);
    rows
}

/// rtpstat's rows: `0xSSRC src -> dst PT packets lost dups seqerr maxjit meanjit maxdelta`.
fn parse_rtpstat(out: &str) -> Vec<Figures> {
    let mut rows: Vec<Figures> = out
        .lines()
        .filter(|l| l.starts_with("0x"))
        .map(|l| {
            let t: Vec<&str> = l.split_whitespace().collect();
            Figures {
                ssrc: u32::from_str_radix(&t[0][2..], 16).expect("SSRC in hex"),
                packets: t[5].parse().expect("packets"),
                lost: t[6].parse().expect("lost"),
                max_jitter_ms: t[9].parse().expect("maxjit_ms"),
            }
        })
        .collect();
    rows.sort_by_key(|r| r.ssrc);
    rows
}

/// The built example next to this test binary: target/<profile>/examples/rtpstat.
fn rtpstat_binary() -> PathBuf {
    let mut p = std::env::current_exe().expect("test binary path");
    p.pop(); // deps
    p.pop();
    p.push("examples");
    p.push(format!("rtpstat{}", std::env::consts::EXE_SUFFIX));
    p
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e} (is it installed?)"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn tshark(file: &Path) -> String {
    run(Command::new("tshark")
        .args([
            "-n",
            "-q",
            "-o",
            "rtp.heuristic_rtp:TRUE",
            "-z",
            "rtp,streams",
            "-r",
        ])
        .arg(file))
}

/// Relative difference, 0 when both are 0.
fn rel(a: f64, b: f64) -> f64 {
    let scale = a.abs().max(b.abs());
    if scale == 0.0 {
        0.0
    } else {
        (a - b).abs() / scale
    }
}

#[test]
#[ignore = "needs tshark and the release rtpstat example; run by .ci/run"]
fn rtpstat_agrees_with_tshark() {
    let bin = rtpstat_binary();
    assert!(
        bin.exists(),
        "{} is missing: build it first with `cargo build --release -p rtp-proto --example rtpstat`",
        bin.display()
    );
    let dir = std::env::temp_dir().join(format!("rtpstat-tshark-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let cases = [
        (1u64, false),
        (7, true),
        (42, false),
        (2024, true),
        (0xfeed, true),
    ];
    let mut failures = Vec::new();
    for (seed, two) in cases {
        let file = dir.join(format!("seed-{seed}.pcap"));
        std::fs::write(&file, capture(seed, two)).expect("write the capture");
        let theirs = parse_tshark(&tshark(&file));
        let ours = parse_rtpstat(&run(Command::new(&bin).arg(&file)));
        println!("seed {seed}: {} stream(s)", ours.len());
        assert_eq!(
            theirs.len(),
            if two { 2 } else { 1 },
            "seed {seed}: tshark rows"
        );
        assert_eq!(ours.len(), theirs.len(), "seed {seed}: rtpstat rows");
        for (o, t) in ours.iter().zip(&theirs) {
            println!(
                "  0x{:08x}: packets {} / {}, lost {} / {}, max jitter {:.3} / {:.3} ms (rtpstat / tshark)",
                o.ssrc, o.packets, t.packets, o.lost, t.lost, o.max_jitter_ms, t.max_jitter_ms
            );
            let agree = o.ssrc == t.ssrc
                && rel(o.packets as f64, t.packets as f64) <= 0.01
                && rel(o.lost as f64, t.lost as f64) <= 0.01
                && rel(o.max_jitter_ms, t.max_jitter_ms) <= 0.01;
            if !agree {
                failures.push(format!("seed {seed}: rtpstat {o:?}, tshark {t:?}"));
            }
        }
    }
    if std::env::var_os("KEEP_CAPTURES").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        println!("captures kept in {}", dir.display());
    }
    assert!(
        failures.is_empty(),
        "disagreements:\n{}",
        failures.join("\n")
    );
}
