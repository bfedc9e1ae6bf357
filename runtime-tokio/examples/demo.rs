//! The whole stack in one process: a UAS and a UAC on loopback place one call, send a tone
//! both ways for two seconds, hang up, and print the SIP ladder and both sides' RTP
//! statistics. Exits 0 only if the call completed with media both ways and no loss.

mod common;

use std::time::Duration;

use common::{describe, describe_media, ended_normally, Args};
use runtime_tokio::{start, RuntimeConfig, RuntimeEvent, SipTrace};
use session_fsm::{Event, MediaStats};
use tokio::sync::mpsc::UnboundedReceiver;

const USAGE: &str = "\
demo: one call between a UAS and a UAC in this process, over loopback

USAGE:
    demo [--seconds N]

OPTIONS:
    --seconds N     how long audio flows [default: 2]
    -h, --help      print this help";

#[tokio::main]
async fn main() {
    let mut args = Args::from_env(USAGE);
    let seconds: f64 = args.value("--seconds", 2.0);
    args.finish();

    let mut uas_config = RuntimeConfig::new("127.0.0.1:0".parse().unwrap());
    uas_config.rtp_ports = 30000..=30099;
    uas_config.seed = Some(1);
    // RTCP every second (the library default is RFC 3550's 5 s), so a 2 s call shows reports.
    uas_config.endpoint = |c| {
        c.user = "uas".to_owned();
        c.rtcp_interval = Duration::from_secs(1);
    };
    let mut uac_config = RuntimeConfig::new("127.0.0.1:0".parse().unwrap());
    uac_config.rtp_ports = 30100..=30199;
    uac_config.seed = Some(2);
    uac_config.trace = true;
    uac_config.endpoint = |c| {
        c.user = "uac".to_owned();
        c.tone_hz = Some(660.0);
        c.rtcp_interval = Duration::from_secs(1);
    };

    let (uas, uas_events) = start(uas_config).await.expect("bind the UAS on loopback");
    let (uac, mut uac_events) = start(uac_config).await.expect("bind the UAC on loopback");
    let uas_task = tokio::spawn(serve(uas.clone(), uas_events));

    let target = format!("sip:uas@{}", uas.local_sip());
    println!("UAC {} calls {target}\n", uac.local_sip());
    let call = uac.call(&target).await.expect("place the call");

    let mut ladder: Vec<SipTrace> = Vec::new();
    let mut uac_media = None;
    let mut uac_ok = false;
    let deadline = tokio::time::sleep(Duration::from_secs_f64(seconds + 40.0));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = &mut deadline => {
                eprintln!("demo: the call did not end in time");
                break;
            }
            event = uac_events.recv() => match event {
                Some(RuntimeEvent::Sip(trace)) => ladder.push(trace),
                Some(RuntimeEvent::Call(event)) => {
                    println!("UAC: {}", describe(&event));
                    match event {
                        Event::Answered { .. } => {
                            let uac = uac.clone();
                            tokio::spawn(async move {
                                tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
                                let _ = uac.hang_up(call).await;
                            });
                        }
                        Event::Ended { reason, media, .. } => {
                            uac_ok = ended_normally(&reason);
                            uac_media = Some(media);
                            break;
                        }
                        _ => {}
                    }
                }
                None => break,
            }
        }
    }
    // Let the BYE's 200 OK reach the UAC trace, then collect the UAS's view.
    tokio::time::sleep(Duration::from_millis(100)).await;
    while let Ok(RuntimeEvent::Sip(trace)) = uac_events.try_recv() {
        ladder.push(trace);
    }
    uas.shutdown();
    let uas_media = uas_task.await.ok().flatten();

    println!("\nSIP ladder (UAC on the left, UAS on the right):");
    for t in &ladder {
        let arrow = if t.outgoing {
            format!("──── {} ────►", t.first_line)
        } else {
            format!("◄──── {} ────", t.first_line)
        };
        println!("  {:>7.3}s  UAC {arrow} UAS", t.at.as_secs_f64());
    }

    println!("\nRTP statistics:");
    let show = |who: &str, m: &Option<MediaStats>| match m {
        Some(m) => println!("  {who}: {}", describe_media(m)),
        None => println!("  {who}: no call seen"),
    };
    show("UAC", &uac_media);
    show("UAS", &uas_media);

    let media_ok = |m: &Option<MediaStats>| {
        m.is_some_and(|m| m.rtp_sent > 0 && m.rtp_received > 0 && m.rtp_lost == 0)
    };
    let ok = uac_ok && media_ok(&uac_media) && media_ok(&uas_media);
    println!("\n{}", if ok { "demo: OK" } else { "demo: FAILED" });
    std::process::exit(if ok { 0 } else { 1 });
}

/// The UAS side: ring, answer, and report the media of the call when it ends.
async fn serve(
    uas: runtime_tokio::Handle,
    mut events: UnboundedReceiver<RuntimeEvent>,
) -> Option<MediaStats> {
    while let Some(event) = events.recv().await {
        let RuntimeEvent::Call(event) = event else {
            continue;
        };
        println!("UAS: {}", describe(&event));
        match event {
            Event::IncomingCall { call, .. } => {
                let _ = uas.ring(call).await;
                let _ = uas.answer(call).await;
            }
            Event::Ended { media, .. } => return Some(media),
            _ => {}
        }
    }
    None
}
