//! rtpstat on captures synthesised here: a pcap with a crafted stream (loss, a duplicate,
//! reordering, known arrival times) and a pcapng with Linux-cooked and raw IPv6 interfaces.
//! The jitter expected is worked out by hand below, step by step.

#[path = "../examples/rtpstat/analysis.rs"]
#[allow(dead_code)]
mod analysis;
#[path = "../examples/rtpstat/capture.rs"]
#[allow(dead_code)]
mod capture;

use std::net::SocketAddr;
use std::path::PathBuf;

fn rtp(pt: u8, seq: u16, ts: u32, ssrc: u32) -> Vec<u8> {
    let mut p = vec![0x80, pt];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&ts.to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(&[0xff; 160]);
    p
}

fn udp_ipv4(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16, payload: &[u8]) -> Vec<u8> {
    let udp_len = 8 + payload.len() as u16;
    let mut ip = vec![0x45, 0];
    ip.extend_from_slice(&(20 + udp_len).to_be_bytes());
    ip.extend_from_slice(&[0, 0, 0, 0, 64, 17, 0, 0]);
    ip.extend_from_slice(&src);
    ip.extend_from_slice(&dst);
    ip.extend_from_slice(&sport.to_be_bytes());
    ip.extend_from_slice(&dport.to_be_bytes());
    ip.extend_from_slice(&udp_len.to_be_bytes());
    ip.extend_from_slice(&[0, 0]);
    ip.extend_from_slice(payload);
    ip
}

fn ethernet(ethertype: u16, body: &[u8]) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2];
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(body);
    f
}

/// A little-endian microsecond pcap of Ethernet frames at the given microsecond offsets.
fn pcap(frames: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    for (us, data) in frames {
        let t = 1_700_000_000_000_000 + us;
        out.extend_from_slice(&((t / 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&((t % 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
    }
    out
}

const A: [u8; 4] = [10, 0, 0, 1];
const B: [u8; 4] = [10, 0, 0, 2];
const SSRC: u32 = 0x1122_3344;

/// The crafted stream, PT 0 (8000 Hz), 20 ms frames of 160 ticks, as
/// (arrival in µs, sequence number, timestamp).
const STREAM: [(u64, u16, u32); 8] = [
    (0, 10, 0),
    (20_000, 11, 160),
    (56_000, 12, 320),   // 16 ms late
    (80_000, 14, 640),   // 13 lost
    (81_000, 14, 640),   // duplicate
    (120_000, 16, 960),  // 15 is behind it
    (125_000, 15, 800),  // reordered
    (160_000, 18, 1280), // 17 lost
];

/// The jitter after each packet, by hand: D = arrival delta − timestamp delta (ms),
/// J += (|D| − J) / 16.
fn expected_jitters() -> Vec<f64> {
    let d = [16.0, 16.0, 1.0, 1.0, 25.0, 25.0];
    // Packet 1 has D = 0, so J stays 0; the D list above covers packets 2..=7:
    // 36 − 20, 24 − 40, 1 − 0, 39 − 40, 5 − (−20), 35 − 60.
    let mut j = 0.0;
    let mut out = vec![0.0];
    for x in d {
        j += (x - j) / 16.0;
        out.push(j);
    }
    out
}

fn crafted_capture() -> Vec<u8> {
    let mut frames: Vec<(u64, Vec<u8>)> = STREAM
        .iter()
        .map(|&(t, seq, ts)| {
            let ip = udp_ipv4(A, 4000, B, 5000, &rtp(0, seq, ts, SSRC));
            (t, ethernet(0x0800, &ip))
        })
        .collect();
    // Noise a capture also holds: RTCP, a short "RTP" datagram, STUN, ARP, a cut frame.
    let rtcp = [0x80, 201, 0, 1, 0, 0, 0, 9];
    frames.push((1_000, ethernet(0x0800, &udp_ipv4(A, 4001, B, 5001, &rtcp))));
    frames.push((
        2_000,
        ethernet(0x0800, &udp_ipv4(A, 4000, B, 5000, &[0x80, 0, 1])),
    ));
    frames.push((
        3_000,
        ethernet(0x0800, &udp_ipv4(A, 4000, B, 5000, &[0, 1, 0, 0])),
    ));
    frames.push((4_000, ethernet(0x0806, &[0; 28])));
    frames.push((
        5_000,
        ethernet(0x0800, &udp_ipv4(A, 1, B, 2, &[1; 20]))[..20].to_vec(),
    ));
    frames.sort_by_key(|f| f.0);
    pcap(&frames)
}

fn analyse(bytes: &[u8]) -> (analysis::Analysis, capture::CaptureCounts) {
    let mut a = analysis::Analysis::default();
    let counts = capture::read_capture(bytes, |d| a.datagram(d.time_ns, d.src, d.dst, d.payload))
        .expect("a readable capture");
    (a, counts)
}

#[test]
fn crafted_stream_numbers_are_exact() {
    let (a, counts) = analyse(&crafted_capture());
    assert_eq!(
        counts,
        capture::CaptureCounts {
            frames: 13,
            skipped: 1,
            malformed: 1
        }
    );
    assert_eq!((a.rtcp, a.malformed_rtp, a.other_udp), (1, 1, 1));
    assert_eq!(a.streams.len(), 1);
    let (key, s) = a.streams.iter().next().expect("one stream");
    assert_eq!(key.ssrc, SSRC);
    assert_eq!(key.src, "10.0.0.1:4000".parse::<SocketAddr>().unwrap());
    assert_eq!(key.dst, "10.0.0.2:5000".parse::<SocketAddr>().unwrap());
    assert_eq!(s.payload_type, 0);
    assert_eq!(s.packets, 8);
    // Expected 10..=18 = 9, received 8 (the duplicate counts): 1 lost net of it.
    assert_eq!(s.lost, 1);
    assert_eq!(s.duplicates, 1);
    // 14 after 12, 14 after 14, 16 after 14, 15 after 16, 18 after 15.
    assert_eq!(s.sequence_errors, 5);
    let j = expected_jitters();
    let max = j.iter().copied().fold(0.0, f64::max);
    let mean = j.iter().sum::<f64>() / 7.0;
    let close = |got: Option<f64>, want: f64| got.is_some_and(|g| (g - want).abs() < 1e-9);
    assert!(
        close(s.max_jitter_ms, max),
        "{:?} vs {max}",
        s.max_jitter_ms
    );
    assert!(
        close(s.mean_jitter_ms, mean),
        "{:?} vs {mean}",
        s.mean_jitter_ms
    );
    assert!((s.max_delta_ms - 39.0).abs() < 1e-9, "{}", s.max_delta_ms);
}

/// Loss ends at the last packet's sequence number, as Wireshark counts it: a stream ending on
/// a reordered packet (0, 1, 3, 2) expects 3 and received 4, so "lost" is -1, where RFC 3550
/// A.3 (ending at the highest, 3) would give 0. A capture that ends in order is unaffected.
#[test]
fn loss_ends_at_the_last_packet_like_wireshark() {
    let frames: Vec<(u64, Vec<u8>)> = [0u16, 1, 3, 2]
        .iter()
        .enumerate()
        .map(|(i, &seq)| {
            let ip = udp_ipv4(A, 4000, B, 5000, &rtp(0, seq, u32::from(seq) * 160, SSRC));
            (i as u64 * 20_000, ethernet(0x0800, &ip))
        })
        .collect();
    let (a, _) = analyse(&pcap(&frames));
    let s = a.streams.values().next().expect("one stream");
    assert_eq!((s.packets, s.lost), (4, -1));
    // Across a wrap the last packet's number is extended like any other.
    let frames: Vec<(u64, Vec<u8>)> = [65_534u16, 65_535, 1, 0]
        .iter()
        .enumerate()
        .map(|(i, &seq)| {
            let ts = 160 * u32::from(seq.wrapping_sub(65_534));
            let ip = udp_ipv4(A, 4000, B, 5000, &rtp(0, seq, ts, SSRC));
            (i as u64 * 20_000, ethernet(0x0800, &ip))
        })
        .collect();
    let (a, _) = analyse(&pcap(&frames));
    let s = a.streams.values().next().expect("one stream");
    assert_eq!((s.packets, s.lost), (4, -1));
}

/// A pcapng with two interfaces: Linux cooked (µs) and raw IP (ns, `if_tsresol` = 9).
fn pcapng() -> Vec<u8> {
    fn block(kind: u32, body: &[u8]) -> Vec<u8> {
        let mut body = body.to_vec();
        while body.len() % 4 != 0 {
            body.push(0);
        }
        let len = (12 + body.len()) as u32;
        let mut b = kind.to_le_bytes().to_vec();
        b.extend_from_slice(&len.to_le_bytes());
        b.extend_from_slice(&body);
        b.extend_from_slice(&len.to_le_bytes());
        b
    }
    let mut shb = 0x1a2b_3c4du32.to_le_bytes().to_vec();
    shb.extend_from_slice(&[1, 0, 0, 0]);
    shb.extend_from_slice(&u64::MAX.to_le_bytes());
    let mut out = block(0x0a0d_0d0a, &shb);
    let mut idb_sll = 113u16.to_le_bytes().to_vec();
    idb_sll.extend_from_slice(&[0, 0, 0xff, 0xff, 0, 0]);
    out.extend(block(1, &idb_sll));
    let mut idb_raw = 101u16.to_le_bytes().to_vec();
    idb_raw.extend_from_slice(&[0, 0, 0xff, 0xff, 0, 0]);
    idb_raw.extend_from_slice(&[9, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0]); // if_tsresol 1e-9, end
    out.extend(block(1, &idb_raw));
    let epb = |iface: u32, ticks: u64, data: &[u8]| {
        let mut b = iface.to_le_bytes().to_vec();
        b.extend_from_slice(&((ticks >> 32) as u32).to_le_bytes());
        b.extend_from_slice(&(ticks as u32).to_le_bytes());
        b.extend_from_slice(&(data.len() as u32).to_le_bytes());
        b.extend_from_slice(&(data.len() as u32).to_le_bytes());
        b.extend_from_slice(data);
        block(6, &b)
    };
    for i in 0..3u16 {
        // Linux cooked v1: 16-byte header with the protocol at offset 14.
        let mut sll = vec![0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00];
        sll.extend(udp_ipv4(
            A,
            7000,
            B,
            7002,
            &rtp(8, i, u32::from(i) * 160, 1),
        ));
        out.extend(epb(0, 1_000_000 + u64::from(i) * 20_000, &sll));
        // Raw IPv6 with a hop-by-hop header before UDP, timestamps in ns; 30 ms spacing.
        let payload = rtp(8, 100 + i, u32::from(i) * 160, 2);
        let udp_len = (8 + payload.len()) as u16;
        let mut ip6 = vec![0x60, 0, 0, 0];
        ip6.extend_from_slice(&(udp_len + 8).to_be_bytes());
        ip6.extend_from_slice(&[0, 64]); // next header: hop-by-hop
        ip6.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        ip6.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
        ip6.extend_from_slice(&[17, 0, 1, 4, 0, 0, 0, 0]); // hop-by-hop: next UDP, PadN
        ip6.extend_from_slice(&9000u16.to_be_bytes());
        ip6.extend_from_slice(&9002u16.to_be_bytes());
        ip6.extend_from_slice(&udp_len.to_be_bytes());
        ip6.extend_from_slice(&[0, 0]);
        ip6.extend_from_slice(&payload);
        out.extend(epb(1, 5_000_000_000 + u64::from(i) * 30_000_000, &ip6));
    }
    out
}

#[test]
fn pcapng_linux_cooked_and_raw_ipv6() {
    let (a, counts) = analyse(&pcapng());
    assert_eq!(counts.frames, 6);
    assert_eq!((counts.skipped, counts.malformed), (0, 0));
    let streams: Vec<_> = a.streams.iter().collect();
    assert_eq!(streams.len(), 2);
    let (k1, s1) = streams[0];
    assert_eq!((k1.ssrc, s1.packets, s1.lost), (1, 3, 0));
    assert!((s1.max_delta_ms - 20.0).abs() < 1e-6);
    assert_eq!(s1.max_jitter_ms, Some(0.0));
    let (k2, s2) = streams[1];
    assert_eq!(k2.src, "[2001:db8::1]:9000".parse::<SocketAddr>().unwrap());
    assert_eq!((k2.ssrc, s2.packets, s2.payload_type), (2, 3, 8));
    // 30 ms arrivals for 20 ms of media: D = 10 each time.
    let j1 = 10.0 / 16.0;
    let j2 = j1 + (10.0 - j1) / 16.0;
    assert!((s2.max_jitter_ms.unwrap() - j2).abs() < 1e-6);
    assert!((s2.mean_jitter_ms.unwrap() - (j1 + j2) / 2.0).abs() < 1e-6);
}

#[test]
fn garbage_files_are_errors_not_panics() {
    assert!(capture::read_capture(b"not a capture", |_| {}).is_err());
    assert!(capture::read_capture(b"ab", |_| {}).is_err());
    // A pcap cut in the middle of a record counts one malformed frame.
    let full = crafted_capture();
    let cut = &full[..full.len() - 30];
    let (_, counts) = analyse(cut);
    assert_eq!(counts.malformed, 2);
}

/// The built example, next to this test binary: target/<profile>/examples/rtpstat.
fn example_binary() -> PathBuf {
    let mut p = std::env::current_exe().expect("test binary path");
    p.pop(); // deps
    p.pop();
    p.push("examples");
    p.push(format!("rtpstat{}", std::env::consts::EXE_SUFFIX));
    p
}

#[test]
fn the_example_prints_the_same_numbers() {
    let bin = example_binary();
    if !bin.exists() {
        // `cargo test` builds examples; a filtered build (`--test rtpstat`) may not.
        eprintln!("skipping: {} not built", bin.display());
        return;
    }
    let path = std::env::temp_dir().join(format!("rtpstat-test-{}.pcap", std::process::id()));
    std::fs::write(&path, crafted_capture()).expect("write the capture");
    let out = std::process::Command::new(&bin)
        .arg(&path)
        .output()
        .expect("run rtpstat");
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("0x11223344"))
        .expect("the stream's line");
    let fields: Vec<&str> = line.split_whitespace().collect();
    let j = expected_jitters();
    let max = format!("{:.3}", j.iter().copied().fold(0.0, f64::max));
    let mean = format!("{:.3}", j.iter().sum::<f64>() / 7.0);
    assert_eq!(
        fields,
        vec![
            "0x11223344",
            "10.0.0.1:4000",
            "->",
            "10.0.0.2:5000",
            "0",
            "8",
            "1",
            "1",
            "5",
            max.as_str(),
            mean.as_str(),
            "39.000"
        ]
    );
    assert!(text.contains("frames 13, skipped 1, malformed frames 1, malformed RTP 1, RTCP 1"));
}
