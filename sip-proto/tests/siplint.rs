//! The `siplint` example over the conformance corpus: its verdict on every RFC 4475 and RFC
//! 5118 file must be what the manifests say (`valid` and `valid-but-reject-at-app-layer` are
//! `ok`, `invalid` is `invalid` with a reason naming the RFC rule), plus stream mode.
//!
//! The example's source is included and run in-process (exact output and exit status), and
//! the built example binary is run as a process on the same files.

#[allow(dead_code)]
#[path = "../examples/siplint.rs"]
mod siplint;

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/conformance/rfc4475")
        .canonicalize()
        .expect("shared/conformance/rfc4475 next to the repository")
}

/// `(name, expected)` rows of a MANIFEST.tsv, header row skipped.
fn manifest(path: &Path) -> Vec<(String, String)> {
    fs::read_to_string(path)
        .expect("manifest")
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut f = l.split('\t');
            (f.next().unwrap().to_string(), f.next().unwrap().to_string())
        })
        .collect()
}

/// The RFC 5118 conversion its README describes: LF → CRLF, the empty line added where it is
/// missing, Content-Length set to the converted body.
fn fix_rfc5118(orig: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(orig.to_vec()).expect("rfc5118 files are UTF-8");
    let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
    let (head, body) = match crlf.find("\r\n\r\n") {
        Some(i) => (&crlf[..i + 2], &crlf[i + 4..]),
        None => (crlf.as_str(), ""),
    };
    let mut out = String::new();
    for line in head.split_inclusive("\r\n") {
        if line.to_ascii_lowercase().starts_with("content-length:") {
            out.push_str(&format!("Content-Length: {}\r\n", body.len()));
        } else {
            out.push_str(line);
        }
    }
    out.push_str("\r\n");
    out.push_str(body);
    out.into_bytes()
}

fn scratch_dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("siplint-{name}"));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

/// Every corpus file as siplint sees it, with the verdict the manifests expect: `true` for
/// `ok`. RFC 5118 files are converted into `scratch` first.
fn cases(scratch: &Path) -> Vec<(PathBuf, bool)> {
    let dir = corpus();
    let mut out = Vec::new();
    let rows = manifest(&dir.join("MANIFEST.tsv"));
    assert_eq!(rows.len(), 49);
    for (name, expected) in rows {
        out.push((dir.join(format!("{name}.dat")), expected != "invalid"));
    }
    out.push((dir.join("extra/test.dat"), false));
    let rows = manifest(&dir.join("rfc5118/MANIFEST.tsv"));
    assert_eq!(rows.len(), 12);
    for (name, expected) in rows {
        let fixed = scratch.join(&name);
        fs::write(
            &fixed,
            fix_rfc5118(&fs::read(dir.join("rfc5118").join(&name)).unwrap()),
        )
        .unwrap();
        out.push((fixed, expected != "invalid"));
    }
    out
}

fn run_in_process(args: &[&str]) -> (u8, String, String) {
    let args: Vec<OsString> = args.iter().map(OsString::from).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = siplint::run(args, &mut out, &mut err);
    (
        status,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

/// Checks siplint's stdout against the expected verdicts, line by line, in order.
fn check_verdicts(stdout: &str, cases: &[(PathBuf, bool)]) {
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), cases.len(), "one line per file:\n{stdout}");
    for (line, (path, ok)) in lines.iter().zip(cases) {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields[0], path.to_string_lossy(), "{line}");
        if *ok {
            assert_eq!(fields, [fields[0], "ok"], "{line}");
        } else {
            assert_eq!(fields.len(), 3, "{line}");
            assert_eq!(fields[1], "invalid", "{line}");
            assert!(fields[2].contains("RFC"), "reason names no rule: {line}");
        }
    }
}

#[test]
fn verdicts_match_the_manifests() {
    let scratch = scratch_dir("verdicts");
    let cases = cases(&scratch);
    let mut args = Vec::new();
    for (p, _) in &cases {
        args.push(p.to_str().unwrap().to_string());
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (status, stdout, stderr) = run_in_process(&refs);
    check_verdicts(&stdout, &cases);
    assert_eq!(status, 1, "some files are invalid");
    assert_eq!(stderr, "");
    let invalid = cases.iter().filter(|(_, ok)| !ok).count();
    assert_eq!(
        invalid,
        20 + 1 + 1,
        "RFC 4475: 20 invalid + test.dat; RFC 5118: ipv6-bad"
    );
}

#[test]
fn exact_reasons() {
    let dir = corpus();
    let one = |name: &str| {
        let p = dir.join(name);
        let (status, out, _) = run_in_process(&[p.to_str().unwrap()]);
        (
            status,
            out.trim_end()
                .split('\t')
                .skip(1)
                .map(String::from)
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(one("wsinv.dat"), (0, vec!["ok".to_string()]));
    assert_eq!(
        one("badinv01.dat"),
        (
            1,
            vec![
                "invalid".to_string(),
                "Via: empty parameter name (RFC 3261 §25.1 generic-param = token [ EQUAL gen-value ]) (answer 400)".to_string()
            ]
        )
    );
    assert_eq!(
        one("badvers.dat"),
        (
            1,
            vec![
                "invalid".to_string(),
                "SIP-Version is not SIP/2.0 (RFC 3261 §7.1; answer 505) (answer 505)".to_string()
            ]
        )
    );
    assert_eq!(
        one("mismatch01.dat"),
        (
            1,
            vec![
                "invalid".to_string(),
                "CSeq method differs from the Request-Line method (RFC 3261 §8.1.1.5) (answer 400)"
                    .to_string()
            ]
        )
    );
    // RFC 4475 §3.3.8: conflicting repeats parse; refusing them is the application's call.
    assert_eq!(one("multi01.dat"), (0, vec!["ok".to_string()]));
    // The RFC 5118 originals have bare LF line ends: not SIP framing.
    let (status, fields) = one("rfc5118/ipv6-good");
    assert_eq!(status, 1);
    assert_eq!(
        fields,
        [
            "invalid",
            "start line must end with CRLF (RFC 3261 §7) (answer 400)"
        ]
    );
}

#[test]
fn stream_mode() {
    let scratch = scratch_dir("stream");
    let dir = corpus();
    let read = |n: &str| fs::read(dir.join(n)).unwrap();
    // Three messages with keep-alives around and between them; wsinv folds a header and
    // carries a body, mpart01 a binary body.
    let mut good = b"\r\n\r\n".to_vec();
    good.extend(read("wsinv.dat"));
    good.extend(b"\r\n");
    good.extend(read("mpart01.dat"));
    good.extend(read("zeromf.dat"));
    good.extend(b"\r\n\r\n");
    fs::write(scratch.join("good"), &good).unwrap();
    // The same stream cut one octet short.
    fs::write(scratch.join("cut"), &good[..good.len() - 5]).unwrap();
    // A message without Content-Length cannot be framed.
    fs::write(scratch.join("nocl"), read("inv2543.dat")).unwrap();
    // A message that frames but has a bad header.
    let mut bad = read("zeromf.dat");
    bad.extend(read("badinv01.dat"));
    fs::write(scratch.join("bad"), &bad).unwrap();
    fs::write(scratch.join("empty"), b"\r\n\r\n").unwrap();

    let p = |n: &str| scratch.join(n).to_str().unwrap().to_string();
    let names = ["good", "cut", "nocl", "bad", "empty"];
    let mut args = vec!["--stream".to_string()];
    args.extend(names.iter().map(|n| p(n)));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (status, out, _) = run_in_process(&refs);
    assert_eq!(status, 1);
    let zeromf_len = read("zeromf.dat").len();
    let expected = [
        format!("{}\tok", p("good")),
        format!(
            "{}\tinvalid\tstream ends inside message 3 ({} octets from octet {} do not complete it)",
            p("cut"),
            zeromf_len - 1,
            good.len() - 4 - zeromf_len
        ),
        format!(
            "{}\tinvalid\tmessage 1 at octet 0: cannot frame: Content-Length: header missing (answer 400)",
            p("nocl")
        ),
        format!(
            "{}\tinvalid\tmessage 2 at octet {zeromf_len}: Via: empty parameter name (RFC 3261 §25.1 generic-param = token [ EQUAL gen-value ]) (answer 400)",
            p("bad")
        ),
        format!(
            "{}\tinvalid\tno message in the stream (only keep-alives or nothing)",
            p("empty")
        ),
    ];
    assert_eq!(out.lines().collect::<Vec<_>>(), expected);
    // Each datagram-valid file with a Content-Length is a one-message stream too.
    let (status, out, _) = run_in_process(&["--stream", dir.join("wsinv.dat").to_str().unwrap()]);
    assert_eq!((status, out.trim_end().ends_with("\tok")), (0, true));
}

#[test]
fn usage() {
    let (status, out, err) = run_in_process(&["--help"]);
    assert_eq!((status, err.as_str()), (0, ""));
    assert!(
        out.starts_with("usage: siplint [--stream] FILE..."),
        "{out}"
    );
    let (status, out, err) = run_in_process(&[]);
    assert_eq!((status, out.as_str()), (2, ""));
    assert!(err.starts_with("siplint: no FILE given"), "{err}");
    let (status, _, err) = run_in_process(&["--bogus", "x"]);
    assert_eq!(status, 2);
    assert!(err.starts_with("siplint: unknown option --bogus"), "{err}");
    let (status, out, err) = run_in_process(&["/nonexistent/siplint-test"]);
    assert_eq!((status, out.as_str()), (2, ""));
    assert!(
        err.starts_with("siplint: /nonexistent/siplint-test: "),
        "{err}"
    );
}

/// The example binary `cargo test` builds next to the test binaries
/// (`target/<profile>/examples/siplint`); built here with cargo if it is missing (when only
/// this test target was asked for).
fn example_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    let bin = profile_dir
        .join("examples")
        .join(format!("siplint{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "-q", "-p", "sip-proto", "--example", "siplint"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("run cargo");
        assert!(status.success());
    }
    assert!(bin.exists(), "{}", bin.display());
    bin
}

#[test]
fn the_binary_gives_the_same_verdicts() {
    let scratch = scratch_dir("binary");
    let cases = cases(&scratch);
    let out = Command::new(example_binary())
        .args(cases.iter().map(|(p, _)| p.as_os_str()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    check_verdicts(&String::from_utf8(out.stdout).unwrap(), &cases);
    let ok_only: Vec<_> = cases.iter().filter(|(_, ok)| *ok).collect();
    let out = Command::new(example_binary())
        .args(ok_only.iter().map(|(p, _)| p.as_os_str()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}
