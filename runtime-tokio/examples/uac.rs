//! A user agent client: places calls at a steady rate, plays a tone, hangs up, prints a summary.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{describe, ended_normally, Args};
use runtime_tokio::{start, RuntimeConfig, RuntimeEvent};
use session_fsm::Event;

const USAGE: &str = "\
uac: places calls, plays a 440 Hz G.711 μ-law tone, hangs up, prints a summary

USAGE:
    uac TARGET [OPTIONS]        TARGET is a SIP URI such as sip:service@127.0.0.1:5060

OPTIONS:
    --calls N           how many calls to place [default: 1]
    --rate R            calls started per second [default: 10]
    --duration-ms D     how long each answered call lasts [default: 1000]
    --listen ADDR       our SIP address [default: 127.0.0.1:0, a free port]
    --rtp-ports A-B     RTP/RTCP port range [default: 10000-20000]
    --seed N            seed for tags, Call-IDs and SSRCs [default: from the clock]
    --trace             print every SIP message's first line
    --verbose           print one line per call event
    -h, --help          print this help

Exits 0 when every call was answered and ended normally, 1 otherwise.";

#[derive(Default)]
struct Summary {
    attempted: u64,
    answered: u64,
    failed: u64,
    rtp_sent: u64,
    rtp_received: u64,
    rtp_lost: i64,
}

#[tokio::main]
async fn main() {
    let mut args = Args::from_env(USAGE);
    let calls: u64 = args.value("--calls", 1);
    let rate: f64 = args.value("--rate", 10.0);
    let duration = Duration::from_millis(args.value("--duration-ms", 1000u64));
    let listen: SocketAddr = args.value("--listen", "127.0.0.1:0".parse().unwrap());
    let rtp_ports = args.port_range("--rtp-ports", 10000..=20000);
    let seed: Option<u64> = args.optional("--seed");
    let trace = args.switch("--trace");
    let verbose = args.switch("--verbose");
    let target = args.positional("TARGET (a SIP URI)");
    args.finish();
    if rate <= 0.0 || !rate.is_finite() {
        eprintln!("error: --rate must be a positive number of calls per second");
        std::process::exit(2);
    }

    let mut config = RuntimeConfig::new(listen);
    config.rtp_ports = rtp_ports;
    config.seed = seed;
    config.trace = trace;
    config.endpoint = |c| c.user = "uac".to_owned();
    let (handle, mut events) = match start(config).await {
        Ok(started) => started,
        Err(e) => {
            eprintln!("error: cannot bind {listen}: {e}");
            std::process::exit(1);
        }
    };

    // Place the calls from their own task so events are read while calls start.
    let placer = {
        let handle = handle.clone();
        let target = target.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
            let mut placed = Vec::new();
            for _ in 0..calls {
                ticker.tick().await;
                placed.push(handle.call(&target).await);
            }
            placed
        })
    };

    let mut summary = Summary::default();
    let mut ended = 0u64;
    let mut placing_done = false;
    let mut placer = Some(placer);
    loop {
        if placing_done && ended >= summary.attempted {
            break;
        }
        tokio::select! {
            placed = async { placer.as_mut().unwrap().await }, if placer.is_some() => {
                placer = None;
                placing_done = true;
                for result in placed.unwrap_or_default() {
                    summary.attempted += 1;
                    match result {
                        Ok(_) => {}
                        Err(e) => {
                            eprintln!("call not placed: {e}");
                            summary.failed += 1;
                            ended += 1;
                        }
                    }
                }
            }
            event = events.recv() => {
                let Some(event) = event else { break };
                match event {
                    RuntimeEvent::Sip(t) => {
                        let arrow = if t.outgoing { "->" } else { "<-" };
                        println!("{:>9.3}s {arrow} {} {}", t.at.as_secs_f64(), t.peer, t.first_line);
                    }
                    RuntimeEvent::Call(event) => {
                        if verbose {
                            println!("{}", describe(&event));
                        }
                        match event {
                            Event::Answered { call, .. } => {
                                summary.answered += 1;
                                let handle = handle.clone();
                                tokio::spawn(async move {
                                    tokio::time::sleep(duration).await;
                                    let _ = handle.hang_up(call).await;
                                });
                            }
                            Event::Ended { reason, media, .. } => {
                                ended += 1;
                                summary.rtp_sent += media.rtp_sent;
                                summary.rtp_received += media.rtp_received;
                                summary.rtp_lost += media.rtp_lost;
                                if !ended_normally(&reason) {
                                    summary.failed += 1;
                                    if !verbose {
                                        eprintln!("call failed: {reason}");
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
    }
    println!(
        "attempted {} answered {} failed {} rtp sent {} received {} lost {}",
        summary.attempted,
        summary.answered,
        summary.failed,
        summary.rtp_sent,
        summary.rtp_received,
        summary.rtp_lost
    );
    handle.shutdown();
    let ok = summary.failed == 0 && summary.answered == summary.attempted;
    std::process::exit(if ok { 0 } else { 1 });
}
