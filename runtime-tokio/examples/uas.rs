//! A user agent server: answers every call, plays a 440 Hz tone, prints one line per event.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{describe, Args};
use runtime_tokio::{start, RuntimeConfig, RuntimeEvent};
use session_fsm::Event;

const USAGE: &str = "\
uas: answers every incoming call with a 440 Hz G.711 μ-law tone

USAGE:
    uas [OPTIONS]

OPTIONS:
    --listen ADDR       SIP address to listen on [default: 127.0.0.1:5060]
    --ring-ms N         ring this long (180 Ringing) before answering [default: 0]
    --rtp-ports A-B     RTP/RTCP port range [default: 10000-20000]
    --seed N            seed for tags, Call-IDs and SSRCs [default: from the clock]
    --trace             print every SIP message's first line
    -h, --help          print this help";

#[tokio::main]
async fn main() {
    let mut args = Args::from_env(USAGE);
    let listen: SocketAddr = args.value("--listen", "127.0.0.1:5060".parse().unwrap());
    let ring = Duration::from_millis(args.value("--ring-ms", 0u64));
    let rtp_ports = args.port_range("--rtp-ports", 10000..=20000);
    let seed: Option<u64> = args.optional("--seed");
    let trace = args.switch("--trace");
    args.finish();

    let mut config = RuntimeConfig::new(listen);
    config.rtp_ports = rtp_ports;
    config.seed = seed;
    config.trace = trace;
    config.endpoint = |c| c.user = "uas".to_owned();
    let (handle, mut events) = match start(config).await {
        Ok(started) => started,
        Err(e) => {
            eprintln!("error: cannot listen on {listen}: {e}");
            std::process::exit(1);
        }
    };
    println!("uas listening on {}", handle.local_sip());

    while let Some(event) = events.recv().await {
        match event {
            RuntimeEvent::Sip(t) => {
                let arrow = if t.outgoing { "->" } else { "<-" };
                println!(
                    "{:>9.3}s {arrow} {} {}",
                    t.at.as_secs_f64(),
                    t.peer,
                    t.first_line
                );
            }
            RuntimeEvent::Call(event) => {
                println!("{}", describe(&event));
                if let Event::IncomingCall { call, .. } = event {
                    let handle = handle.clone();
                    tokio::spawn(async move {
                        if handle.ring(call).await.is_err() {
                            return;
                        }
                        if !ring.is_zero() {
                            tokio::time::sleep(ring).await;
                        }
                        // The caller may have cancelled while we rang: not an error.
                        let _ = handle.answer(call).await;
                    });
                }
            }
        }
    }
}
