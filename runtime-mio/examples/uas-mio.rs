//! The `uas` example on a single-threaded mio poll loop: answers every call with a 440 Hz
//! tone and prints one line per call event. The application's own timers (the ring delay)
//! live in this loop, next to the runtime's.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::exit;
use std::time::{Duration, Instant};

use runtime_mio::{MioConfig, MioRuntime};
use session_fsm::{CallId, Event};

const USAGE: &str = "\
uas-mio: answers every incoming call with a 440 Hz G.711 μ-law tone, on a mio poll loop

USAGE:
    uas-mio [OPTIONS]

OPTIONS:
    --listen ADDR       SIP address to listen on [default: 127.0.0.1:5060]
    --ring-ms N         ring this long (180 Ringing) before answering [default: 0]
    --rtp-ports A-B     RTP/RTCP port range [default: 10000-20000]
    --seed N            seed for tags, Call-IDs and SSRCs [default: from the clock]
    -h, --help          print this help";

struct Options {
    listen: SocketAddr,
    ring: Duration,
    rtp_ports: std::ops::RangeInclusive<u16>,
    seed: Option<u64>,
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}\n\n{USAGE}");
    exit(2);
}

fn parse_args() -> Options {
    let mut options = Options {
        listen: "127.0.0.1:5060".parse().unwrap(),
        ring: Duration::ZERO,
        rtp_ports: 10000..=20000,
        seed: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            println!("{USAGE}");
            exit(0);
        }
        let Some(value) = args.next() else {
            fail(&format!("{flag} needs a value"))
        };
        let bad = || -> ! { fail(&format!("{flag}: cannot use {value:?}")) };
        match flag.as_str() {
            "--listen" => options.listen = value.parse().unwrap_or_else(|_| bad()),
            "--ring-ms" => {
                options.ring = Duration::from_millis(value.parse().unwrap_or_else(|_| bad()))
            }
            "--rtp-ports" => {
                let (a, b) = value.split_once('-').unwrap_or_else(|| bad());
                let (a, b): (u16, u16) = (
                    a.parse().unwrap_or_else(|_| bad()),
                    b.parse().unwrap_or_else(|_| bad()),
                );
                if a >= b {
                    bad();
                }
                options.rtp_ports = a..=b;
            }
            "--seed" => options.seed = Some(value.parse().unwrap_or_else(|_| bad())),
            _ => fail(&format!("unexpected argument {flag:?}")),
        }
    }
    options
}

fn main() {
    let options = parse_args();
    let mut config = MioConfig::new(options.listen);
    config.rtp_ports = options.rtp_ports;
    config.seed = options.seed;
    config.endpoint = |c| c.user = "uas".to_owned();
    let mut rt = MioRuntime::bind(config).unwrap_or_else(|e| {
        eprintln!("error: cannot listen on {}: {e}", options.listen);
        exit(1);
    });
    println!(
        "uas-mio listening on {}",
        rt.local_sip().expect("bound socket")
    );

    // Calls ringing until their answer time.
    let mut answer_at: BTreeMap<CallId, Instant> = BTreeMap::new();
    loop {
        let now = Instant::now();
        let next_answer = answer_at
            .values()
            .min()
            .map(|t| t.saturating_duration_since(now));
        if let Err(e) = rt.turn(next_answer) {
            eprintln!("error: poll failed: {e}");
            exit(1);
        }
        while let Some(event) = rt.next_event() {
            println!("{}", describe(&event));
            match event {
                Event::IncomingCall { call, .. } if rt.ring(call).is_ok() => {
                    answer_at.insert(call, Instant::now() + options.ring);
                }
                Event::Ended { call, .. } => {
                    answer_at.remove(&call);
                }
                _ => {}
            }
        }
        let now = Instant::now();
        let due: Vec<CallId> = answer_at
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(call, _)| *call)
            .collect();
        for call in due {
            answer_at.remove(&call);
            // The caller may have cancelled while we rang: not an error.
            let _ = rt.answer(call);
        }
    }
}

fn describe(event: &Event) -> String {
    match event {
        Event::IncomingCall { call, from, to } => format!("{call} incoming from {from} to {to}"),
        Event::Ringing { call } => format!("{call} ringing"),
        Event::Answered { call, remote_rtp } => format!("{call} answered, media to {remote_rtp}"),
        Event::Ended {
            call,
            reason,
            media,
        } => format!(
            "{call} ended: {reason}; rtp sent {} received {} lost {}",
            media.rtp_sent, media.rtp_received, media.rtp_lost
        ),
        other => format!("{other:?}"),
    }
}
