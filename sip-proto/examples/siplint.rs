//! `siplint`: checks SIP messages stored in files.
//!
//! ```text
//! cargo run -p sip-proto --example siplint -- [--stream] FILE...
//! ```
//!
//! Prints one line per file, `PATH<TAB>ok` or `PATH<TAB>invalid<TAB>reason`, and exits 1 if
//! any file is invalid (2 on a usage error or a file that cannot be read).
//!
//! Without `--stream`, each file is one UDP datagram: it must parse
//! ([`Message::parse`]) and every header this crate understands must be well-formed
//! ([`Headers::check_syntax`]). Repeated single-valued headers that disagree (RFC 4475
//! §3.3.8) are left to the application layer, as RFC 4475 files them.
//!
//! With `--stream`, the file is the byte stream of one TCP or TLS connection (RFC 3261
//! §18.3): it is split with a [`StreamFramer`], CRLF keep-alives (RFC 5626 §4.4.1) are
//! skipped, and every message must frame (Content-Length present) and pass the same checks.
//! A stream that ends inside a message is invalid.

use std::ffi::OsString;
use std::io::{self, Write};
use std::process::ExitCode;

use bytes::Bytes;
use sip_proto::message::{Framing, Headers, Limits, Message, StreamFramer};

const USAGE: &str = "\
usage: siplint [--stream] FILE...

Checks each FILE as one SIP message (one UDP datagram) and prints
`PATH<TAB>ok` or `PATH<TAB>invalid<TAB>reason`, one line per file.

options:
  --stream    treat each FILE as a TCP/TLS byte stream (RFC 3261 §18.3): split it
              into messages by Content-Length, skip CRLF keep-alives; every message
              must frame and parse
  -h, --help  print this help

exit status: 0 if every file is ok, 1 if any is invalid, 2 on a usage or I/O error";

/// The verdict on one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every message parses and its headers are well-formed.
    Ok,
    /// Why the file is not acceptable.
    Invalid(String),
}

/// Checks one datagram: it parses and the headers this crate understands are well-formed.
pub fn lint_datagram(bytes: Bytes) -> Verdict {
    match Message::parse(bytes) {
        Err(e) => Verdict::Invalid(e.to_string()),
        Ok(m) => match check(m.headers()) {
            Ok(()) => Verdict::Ok,
            Err(why) => Verdict::Invalid(why),
        },
    }
}

fn check(h: &Headers) -> Result<(), String> {
    h.check_syntax()
        .map_err(|e| format!("{e} (answer {})", e.status_code()))
}

/// Checks a TCP/TLS byte stream: every message frames and passes [`lint_datagram`].
pub fn lint_stream(bytes: Bytes) -> Verdict {
    let mut framer = StreamFramer::new(Limits::default());
    let mut at = 0;
    let mut index = 0;
    while at < bytes.len() {
        let rest = bytes.slice(at..);
        match framer.frame(&rest) {
            Err(e) => {
                return Verdict::Invalid(format!(
                    "message {} at octet {at}: cannot frame: {e}",
                    index + 1
                ))
            }
            Ok(Framing::KeepAlive { len }) => at += len,
            Ok(Framing::NeedMore) => {
                return Verdict::Invalid(format!(
                    "stream ends inside message {} ({} octets from octet {at} do not complete it)",
                    index + 1,
                    rest.len()
                ))
            }
            Ok(Framing::Message { len }) => {
                index += 1;
                if let Verdict::Invalid(why) = lint_datagram(rest.slice(..len)) {
                    return Verdict::Invalid(format!("message {index} at octet {at}: {why}"));
                }
                at += len;
            }
        }
    }
    if index == 0 {
        return Verdict::Invalid("no message in the stream (only keep-alives or nothing)".into());
    }
    Verdict::Ok
}

/// Runs siplint over `args` (without the program name), writing verdicts to `out` and
/// problems to `err`. Returns the exit status.
pub fn run(
    args: impl IntoIterator<Item = OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let mut stream = false;
    let mut files = Vec::new();
    let mut options_done = false;
    for a in args {
        match a.to_str() {
            Some("-h" | "--help") if !options_done => {
                let _ = writeln!(out, "{USAGE}");
                return 0;
            }
            Some("--stream") if !options_done => stream = true,
            Some("--") if !options_done => options_done = true,
            Some(s) if !options_done && s.starts_with('-') && s.len() > 1 => {
                let _ = writeln!(err, "siplint: unknown option {s}\n\n{USAGE}");
                return 2;
            }
            _ => files.push(a),
        }
    }
    if files.is_empty() {
        let _ = writeln!(err, "siplint: no FILE given\n\n{USAGE}");
        return 2;
    }
    let mut status = 0;
    for path in files {
        let shown = path.to_string_lossy();
        let bytes = match std::fs::read(&path) {
            Ok(b) => Bytes::from(b),
            Err(e) => {
                let _ = writeln!(err, "siplint: {shown}: {e}");
                status = 2;
                continue;
            }
        };
        let verdict = if stream {
            lint_stream(bytes)
        } else {
            lint_datagram(bytes)
        };
        let written = match verdict {
            Verdict::Ok => writeln!(out, "{shown}\tok"),
            Verdict::Invalid(why) => {
                if status == 0 {
                    status = 1;
                }
                // One line per file: a reason never holds a tab or a line break.
                let why = why.replace(['\t', '\r', '\n'], " ");
                writeln!(out, "{shown}\tinvalid\t{why}")
            }
        };
        if written.is_err() {
            // stdout closed (e.g. piped into `head`): nothing more to say.
            return status.max(1);
        }
    }
    status
}

#[allow(dead_code)] // the integration test includes this file and calls `run`
fn main() -> ExitCode {
    let stdout = io::stdout();
    let stderr = io::stderr();
    let status = run(
        std::env::args_os().skip(1),
        &mut stdout.lock(),
        &mut stderr.lock(),
    );
    ExitCode::from(status)
}
