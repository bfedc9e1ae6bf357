//! Interop tests against SIPp, a real SIP peer. They need `sipp` (Debian's `sip-tester`) and
//! the release examples built; `.ci/run` installs and builds both, then runs
//! `cargo test --release -p runtime-tokio --test interop_sipp -- --ignored`.

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A running example, killed when dropped.
struct Example(Child);

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn examples_dir() -> PathBuf {
    // This test runs from target/<profile>/deps; the examples sit in target/<profile>/examples.
    let exe = std::env::current_exe().expect("own path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .join("examples")
}

fn sipp_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sipp")
}

/// A UDP port nobody uses right now.
fn free_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_example(name: &str, args: &[&str]) -> Example {
    let path = examples_dir().join(name);
    assert!(
        path.exists(),
        "{} is missing: build it with `cargo build --release --examples` first",
        path.display()
    );
    let child = Command::new(&path)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", path.display()));
    // Give it a moment to bind.
    std::thread::sleep(Duration::from_millis(300));
    Example(child)
}

fn start_uas(name: &str, port: u16, extra: &[&str]) -> Example {
    let listen = format!("127.0.0.1:{port}");
    let rtp = format!(
        "{}-{}",
        20000 + (port % 100) * 100,
        20000 + (port % 100) * 100 + 99
    );
    let mut args = vec!["--listen", &listen, "--rtp-ports", &rtp];
    args.extend_from_slice(extra);
    start_example(name, &args)
}

/// Runs SIPp to completion in the background mode it offers for scripts, and returns its
/// output. Its statistics land in `dir`.
fn sipp(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new("sipp")
        .args(args)
        .args([
            "-nostdin",
            "-trace_err",
            "-trace_stat",
            "-stf",
            "stats.csv",
            "-fd",
            "1",
        ])
        .args(["-timeout", "90s", "-timeout_error"])
        .current_dir(dir)
        .output()
        .expect("run sipp: install Debian's sip-tester");
    out
}

/// SIPp's cumulative counters from its statistics file: (successful, failed, unexpected).
fn sipp_counts(dir: &Path) -> (u64, u64, u64) {
    let stats = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        // The file named by -stf; other traces (-trace_rtt) are CSV files too.
        .find(|e| e.file_name() == "stats.csv")
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .unwrap_or_else(|| panic!("SIPp wrote no statistics file in {}", dir.display()));
    let mut lines = stats.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines.next().unwrap_or_default().split(';').collect();
    let last: Vec<&str> = lines.next_back().unwrap_or_default().split(';').collect();
    let column = |name: &str| -> u64 {
        header
            .iter()
            .position(|h| *h == name)
            .and_then(|i| last.get(i)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in SIPp's statistics:\n{stats}"))
    };
    (
        column("SuccessfulCall(C)"),
        column("FailedCall(C)"),
        column("FailedUnexpectedMessage(C)"),
    )
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("interop-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn sipp_uac_against(example: &str) {
    let port = free_port();
    let _uas = start_uas(example, port, &[]);
    let dir = temp_dir(example);
    let target = format!("127.0.0.1:{port}");
    let out = sipp(&dir, &["-sn", "uac", "-m", "200", "-r", "50", &target]);
    let (ok, failed, unexpected) = sipp_counts(&dir);
    println!("{example}: SIPp uac: {ok} successful, {failed} failed, {unexpected} unexpected");
    assert_eq!(
        (ok, failed, unexpected),
        (200, 0, 0),
        "SIPp stderr: {}",
        stderr(&out)
    );
    assert!(out.status.success(), "SIPp exited {:?}", out.status);
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
#[ignore = "needs SIPp and the release examples; run by .ci/run"]
fn sipp_uac_completes_200_calls_against_uas() {
    sipp_uac_against("uas");
}

#[test]
#[ignore = "needs SIPp and the release examples; run by .ci/run"]
fn sipp_uac_completes_200_calls_against_uas_mio() {
    sipp_uac_against("uas-mio");
}

#[test]
#[ignore = "needs SIPp and the release examples; run by .ci/run"]
fn uac_completes_100_calls_against_sipp_uas() {
    let port = free_port();
    let dir = temp_dir("sipp-uas");
    let listen = format!("127.0.0.1:{port}");
    let mut sipp_uas = Command::new("sipp")
        .args([
            "-sn",
            "uas",
            "-i",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-nostdin",
            "-bg",
        ])
        .args(["-trace_screen"])
        .current_dir(&dir)
        .stdout(Stdio::null())
        .spawn()
        .expect("run sipp");
    // With -bg SIPp forks and the parent exits at once; remember to stop the child later.
    let _ = sipp_uas.wait();
    std::thread::sleep(Duration::from_millis(500));
    let uac = examples_dir().join("uac");
    let target = format!("sip:service@{listen}");
    let out = Command::new(&uac)
        .args([
            &target,
            "--calls",
            "100",
            "--rate",
            "50",
            "--duration-ms",
            "200",
        ])
        .args(["--rtp-ports", "26000-26999"])
        .output()
        .expect("run the uac example");
    let _ = Command::new("pkill")
        .args(["-f", &format!("sipp -sn uas -i 127.0.0.1 -p {port}")])
        .status();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("uac against SIPp uas: {stdout}");
    assert!(
        stdout.contains("attempted 100 answered 100 failed 0"),
        "uac summary: {stdout}\nstderr: {}",
        stderr(&out)
    );
    assert!(out.status.success());
}

/// One RTP packet as the test socket saw it.
struct Seen {
    at: Instant,
    seq: u16,
    timestamp: u32,
    ssrc: u32,
    payload_type: u8,
    len: usize,
}

#[test]
#[ignore = "needs SIPp and the release examples; run by .ci/run"]
fn uas_sends_paced_g711_rtp_and_stops_after_bye() {
    let port = free_port();
    let _uas = start_uas("uas", port, &[]);
    let capture = UdpSocket::bind("127.0.0.1:0").unwrap();
    capture
        .set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let rtp_port = capture.local_addr().unwrap().port();
    let dir = temp_dir("rtp");
    let scenario = sipp_dir().join("uac_rtp_capture.xml");
    let target = format!("127.0.0.1:{port}");

    // SIPp holds the call for 2 s (-d), then sends BYE. Capture on this thread meanwhile.
    let sipp_args: Vec<String> = [
        "-sf",
        scenario.to_str().unwrap(),
        "-m",
        "1",
        "-d",
        "2000",
        "-key",
        "rtp_port",
        &rtp_port.to_string(),
        &target,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let sipp_dir = dir.clone();
    let sipp = std::thread::spawn(move || {
        let args: Vec<&str> = sipp_args.iter().map(String::as_str).collect();
        let out = sipp(&sipp_dir, &args);
        (out, Instant::now())
    });
    let mut seen = Vec::new();
    let mut buf = [0u8; 2048];
    let started = Instant::now();
    let mut sipp_result = None;
    let mut finished_at = None;
    let mut sipp = Some(sipp);
    loop {
        if let Ok((n, _)) = capture.recv_from(&mut buf) {
            if n >= 12 && buf[0] >> 6 == 2 {
                seen.push(Seen {
                    at: Instant::now(),
                    seq: u16::from_be_bytes([buf[2], buf[3]]),
                    timestamp: u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]),
                    ssrc: u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]),
                    payload_type: buf[1] & 0x7f,
                    len: n,
                });
            }
        }
        if sipp.as_ref().is_some_and(|t| t.is_finished()) {
            let (out, at) = sipp.take().unwrap().join().unwrap();
            finished_at = Some(at);
            sipp_result = Some(out);
        }
        // Keep listening for one second after SIPp got the BYE answered: nothing may arrive.
        if finished_at.is_some_and(|t| t.elapsed() > Duration::from_secs(1)) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "SIPp did not finish"
        );
    }
    let out = sipp_result.unwrap();
    let bye_answered = finished_at.unwrap();
    let (ok, failed, unexpected) = sipp_counts(&dir);
    assert_eq!(
        (ok, failed, unexpected),
        (1, 0, 0),
        "SIPp stderr: {}",
        stderr(&out)
    );

    assert!(
        seen.len() >= 80,
        "only {} RTP packets in a 2 s call",
        seen.len()
    );
    let first = &seen[0];
    for (prev, next) in seen.iter().zip(&seen[1..]) {
        assert_eq!(
            next.seq,
            prev.seq.wrapping_add(1),
            "sequence numbers must be consecutive"
        );
        assert_eq!(
            next.timestamp,
            prev.timestamp.wrapping_add(160),
            "timestamps advance by 160"
        );
    }
    assert!(seen.iter().all(|p| p.ssrc == first.ssrc), "one SSRC");
    assert!(
        seen.iter().all(|p| p.payload_type == 0),
        "payload type 0 (PCMU)"
    );
    assert!(
        seen.iter().all(|p| p.len == 12 + 160),
        "20 ms of μ-law per packet"
    );
    let span = seen.last().unwrap().at - first.at;
    let rate = (seen.len() - 1) as f64 / span.as_secs_f64();
    println!(
        "RTP: {} packets over {:.3} s = {rate:.1} packets/s",
        seen.len(),
        span.as_secs_f64()
    );
    assert!(
        (45.0..=55.0).contains(&rate),
        "RTP must flow at 50 packets/s, saw {rate:.1}"
    );
    let after_bye = seen.iter().filter(|p| p.at > bye_answered).count();
    assert_eq!(
        after_bye, 0,
        "{after_bye} RTP packets arrived after the BYE was answered"
    );
}

#[test]
#[ignore = "needs SIPp and the release examples; run by .ci/run"]
fn uas_survives_garbage_and_answers_400_then_serves_calls() {
    let port = free_port();
    let _uas = start_uas("uas", port, &[]);
    let uas: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let probe = UdpSocket::bind("127.0.0.1:0").unwrap();
    probe
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let me = probe.local_addr().unwrap();

    let invite = format!(
        "INVITE sip:uas@{uas} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bKgarbage1\r\n\
         From: <sip:probe@{me}>;tag=1\r\nTo: <sip:uas@{uas}>\r\nCall-ID: garbage-1@test\r\n\
         CSeq: 1 INVITE\r\nContact: <sip:probe@{me}>\r\nMax-Forwards: 70\r\n\
         Content-Type: application/sdp\r\nContent-Length: 0\r\n\r\n"
    );
    let hostile: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"\x00\xff\xfe garbage \r\n\r\n".to_vec(),
        vec![0x80; 1400],
        invite.as_bytes()[..invite.len() / 2].to_vec(),
        b"SIP/2.0 200 OK\r\n\r\n".to_vec(),
    ];
    for datagram in &hostile {
        probe.send_to(datagram, uas).unwrap();
    }
    // A parsable request breaking a rule the stack checks: CSeq method differs from the
    // request method (RFC 3261 §8.1.1.5). It must be answered 400.
    let mismatched = invite
        .replace("CSeq: 1 INVITE", "CSeq: 1 OPTIONS")
        .replace("garbage-1@test", "garbage-2@test")
        .replace("z9hG4bKgarbage1", "z9hG4bKgarbage2");
    probe.send_to(mismatched.as_bytes(), uas).unwrap();
    let mut answers = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok((n, _)) = probe.recv_from(&mut buf) {
        answers.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    // The truncated INVITE still had a readable Request-Line and Via: it is answered 400 too.
    let truncated = answers.iter().find(|a| a.contains("z9hG4bKgarbage1"));
    let truncated = truncated.expect("the truncated INVITE is answered");
    assert!(
        truncated.starts_with("SIP/2.0 400 "),
        "truncated INVITE got:\n{truncated}"
    );
    let answer = answers
        .iter()
        .find(|a| a.contains("Call-ID: garbage-2@test"));
    let answer = answer.unwrap_or_else(|| panic!("no answer to the broken request: {answers:?}"));
    assert!(
        answer.starts_with("SIP/2.0 400 "),
        "expected 400, got:\n{answer}"
    );
    assert!(
        answer.contains("CSeq: 1 OPTIONS"),
        "the 400 echoes CSeq:\n{answer}"
    );
    assert_eq!(
        answers.len(),
        2,
        "garbage and responses are never answered: {answers:?}"
    );

    // Calls keep being served.
    let dir = temp_dir("after-garbage");
    let out = sipp(
        &dir,
        &["-sn", "uac", "-m", "10", "-r", "10", &uas.to_string()],
    );
    let (ok, failed, unexpected) = sipp_counts(&dir);
    assert_eq!(
        (ok, failed, unexpected),
        (10, 0, 0),
        "SIPp stderr: {}",
        stderr(&out)
    );
}

/// Runs one of our SIPp scenarios (`tests/sipp/<name>.xml`) for one call against a `uas`
/// started with `uas_args`, with SIPp's own retransmissions and retransmission detection off
/// (`-nr`): every message, repeated ones included, is an explicit step of the scenario.
/// Asserts one successful call and SIPp's exit status; returns SIPp's working directory.
fn one_call_scenario(name: &str, uas_args: &[&str], sipp_args: &[&str]) -> PathBuf {
    let port = free_port();
    let _uas = start_uas("uas", port, uas_args);
    let dir = temp_dir(name);
    let scenario = sipp_dir().join(format!("{name}.xml"));
    let target = format!("127.0.0.1:{port}");
    let mut args = vec!["-sf", scenario.to_str().unwrap(), "-m", "1", "-nr"];
    args.extend_from_slice(sipp_args);
    args.push(&target);
    let out = sipp(&dir, &args);
    let (ok, failed, unexpected) = sipp_counts(&dir);
    println!("{name}: SIPp: {ok} successful, {failed} failed, {unexpected} unexpected");
    assert_eq!(
        (ok, failed, unexpected),
        (1, 0, 0),
        "SIPp stderr: {}\nSIPp errors: {}",
        stderr(&out),
        sipp_errors(&dir)
    );
    assert!(out.status.success(), "SIPp exited {:?}", out.status);
    dir
}

/// What SIPp wrote with -trace_err, for failure messages.
fn sipp_errors(dir: &Path) -> String {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with("_errors.log"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect()
}

/// An INVITE retransmitted while the UAS rings (RFC 3261 §17.2.1): the server transaction
/// answers it with the 180 again and the application never hears of it (no second call, no
/// 482); the one 200 OK follows after the ring time.
#[test]
#[ignore = "needs SIPp and the release examples; run by .ci/run"]
fn uas_answers_an_invite_retransmission_with_its_latest_provisional() {
    one_call_scenario("uac_invite_retransmitted", &["--ring-ms", "2000"], &[]);
}

/// The ACK withheld (RFC 3261 §13.3.1.4): the UAS retransmits its 200 OK T1 = 500 ms after
/// the first send, then 2·T1 after that, and stops once the ACK arrives (a fourth copy during
/// the 3 s pause after the ACK would fail the call in SIPp).
#[test]
#[ignore = "needs SIPp and the release examples; run by .ci/run"]
fn uas_retransmits_its_200_at_t1_and_3_t1_until_the_ack() {
    let dir = one_call_scenario("uac_ack_withheld", &[], &["-trace_rtt", "-rtt_freq", "1"]);
    // SIPp's response-time log: rtd 1 is the gap from the first 200 to the second, rtd 2 from
    // the second to the third, in milliseconds.
    let rtt = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with("_rtt.csv"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .unwrap_or_else(|| panic!("SIPp wrote no -trace_rtt file in {}", dir.display()));
    let gap = |rtd: &str| -> f64 {
        rtt.lines()
            .filter_map(|l| {
                let fields: Vec<&str> = l.split(';').collect();
                (fields.get(2) == Some(&rtd)).then(|| fields[1].parse().unwrap())
            })
            .next()
            .unwrap_or_else(|| panic!("no rtd {rtd} in {rtt}"))
    };
    let (first, second) = (gap("1"), gap("2"));
    println!("200 OK retransmitted after {first} ms, then after {second} ms more");
    assert!(
        (450.0..=650.0).contains(&first),
        "the first retransmission comes T1 = 500 ms after the 200, not {first} ms"
    );
    assert!(
        (950.0..=1150.0).contains(&second),
        "the second comes 2·T1 = 1000 ms after the first, not {second} ms"
    );
}

/// A CANCEL while the UAS rings (RFC 3261 §9.2): 200 for the CANCEL, 487 for the INVITE, and
/// the ACK for the 487 absorbed by the server transaction (no 487 retransmission during the
/// 1.5 s that follow).
#[test]
#[ignore = "needs SIPp and the release examples; run by .ci/run"]
fn uas_answers_a_cancel_while_ringing_with_200_and_487() {
    one_call_scenario("uac_cancel_while_ringing", &["--ring-ms", "5000"], &[]);
}
