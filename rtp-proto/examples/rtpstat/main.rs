//! rtpstat: per-stream RTP statistics from a pcap or pcapng capture.
//!
//! ```text
//! cargo run -p rtp-proto --example rtpstat -- FILE.pcap
//! ```
//! Every UDP payload that parses as RTP version 2 and is not RTCP by the RFC 5761 §4 rule is
//! treated as RTP, whatever its ports. One line per stream (SSRC, source → destination):
//! payload type, packets, lost, duplicates, sequence errors, maximum and mean jitter and the
//! largest arrival gap, in ms. Jitter and loss are counted as Wireshark's RTP analysis counts
//! them, so packets, lost and jitter agree with
//! `tshark -q -o rtp.heuristic_rtp:TRUE -z rtp,streams -r FILE` (checked by
//! `tests/rtpstat_tshark.rs` on impaired captures).

mod analysis;
mod capture;

use std::io::Write;
use std::process::ExitCode;

const USAGE: &str = "\
rtpstat: per-stream RTP statistics from a capture

USAGE:
    rtpstat FILE

ARGS:
    FILE    a pcap or pcapng capture (Ethernet, Linux cooked v1/v2, raw IPv4/IPv6, loopback)

Every UDP payload that parses as RTP v2 (and is not RTCP by RFC 5761) counts as RTP.
Jitter is RFC 3550 A.8 with capture arrival times, as Wireshark computes it; the clock
rate comes from the static payload type (8000 Hz for PT 0, 8, 18, ...); streams with a
dynamic payload type show '-' for jitter. Lost is expected minus received, expected
running from the first packet's sequence number to the last one's, as Wireshark counts.";

fn fmt_ms(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.3}"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = match args.as_slice() {
        [flag] if flag == "-h" || flag == "--help" => {
            let _ = writeln!(std::io::stdout(), "{USAGE}");
            return ExitCode::SUCCESS;
        }
        [path] => path,
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("rtpstat: cannot read {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut analysis = analysis::Analysis::default();
    let counts = match capture::read_capture(&bytes, |d| {
        analysis.datagram(d.time_ns, d.src, d.dst, d.payload)
    }) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("rtpstat: {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    // A closed pipe (`rtpstat f.pcap | head`) ends the output quietly.
    let _ = report(&mut std::io::stdout().lock(), &analysis, &counts);
    ExitCode::SUCCESS
}

fn report(
    out: &mut impl Write,
    analysis: &analysis::Analysis,
    counts: &capture::CaptureCounts,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<10} {:<44} {:>3} {:>7} {:>6} {:>5} {:>6} {:>10} {:>10} {:>11}",
        "SSRC",
        "source -> destination",
        "PT",
        "packets",
        "lost",
        "dups",
        "seqerr",
        "maxjit_ms",
        "meanjit_ms",
        "maxdelta_ms"
    )?;
    for (key, s) in &analysis.streams {
        writeln!(
            out,
            "0x{:08x} {:<44} {:>3} {:>7} {:>6} {:>5} {:>6} {:>10} {:>10} {:>11.3}",
            key.ssrc,
            format!("{} -> {}", key.src, key.dst),
            s.payload_type,
            s.packets,
            s.lost,
            s.duplicates,
            s.sequence_errors,
            fmt_ms(s.max_jitter_ms),
            fmt_ms(s.mean_jitter_ms),
            s.max_delta_ms
        )?;
    }
    writeln!(
        out,
        "frames {}, skipped {}, malformed frames {}, malformed RTP {}, RTCP {}, other UDP {}",
        counts.frames,
        counts.skipped,
        counts.malformed,
        analysis.malformed_rtp,
        analysis.rtcp,
        analysis.other_udp
    )
}
