//! Argument parsing and printing shared by the examples. Small on purpose: every flag is
//! `--name value` or a bare `--name` switch.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::ops::RangeInclusive;
use std::process::exit;
use std::str::FromStr;

use session_fsm::{EndReason, Event, MediaStats};

/// The command line, consumed flag by flag.
pub struct Args {
    usage: &'static str,
    rest: VecDeque<String>,
}

impl Args {
    /// Reads the process arguments; prints `usage` and exits 0 on `--help` or `-h`.
    pub fn from_env(usage: &'static str) -> Self {
        let rest: VecDeque<String> = std::env::args().skip(1).collect();
        if rest.iter().any(|a| a == "--help" || a == "-h") {
            println!("{usage}");
            exit(0);
        }
        Args { usage, rest }
    }

    /// Removes `--name VALUE` and parses VALUE, or returns `default` when absent.
    pub fn value<T: FromStr>(&mut self, name: &str, default: T) -> T {
        let Some(i) = self.rest.iter().position(|a| a == name) else {
            return default;
        };
        self.rest.remove(i);
        let Some(raw) = self.rest.remove(i) else {
            self.fail(&format!("{name} needs a value"))
        };
        raw.parse()
            .unwrap_or_else(|_| self.fail(&format!("{name}: cannot use {raw:?}")))
    }

    /// Removes `--name VALUE` and parses VALUE, or `None` when absent.
    pub fn optional<T: FromStr>(&mut self, name: &str) -> Option<T> {
        let raw: String = self.value(name, String::new());
        if raw.is_empty() {
            return None;
        }
        match raw.parse() {
            Ok(v) => Some(v),
            Err(_) => self.fail(&format!("{name}: cannot use {raw:?}")),
        }
    }

    /// Removes a bare `--name` switch; true if it was there.
    pub fn switch(&mut self, name: &str) -> bool {
        match self.rest.iter().position(|a| a == name) {
            Some(i) => {
                self.rest.remove(i);
                true
            }
            None => false,
        }
    }

    /// Removes `--name A-B` as a port range.
    pub fn port_range(&mut self, name: &str, default: RangeInclusive<u16>) -> RangeInclusive<u16> {
        let raw: String = self.value(name, String::new());
        if raw.is_empty() {
            return default;
        }
        let parsed = raw
            .split_once('-')
            .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
        match parsed {
            Some((a, b)) if a < b => a..=b,
            _ => self.fail(&format!(
                "{name}: give a range like 10000-20000, not {raw:?}"
            )),
        }
    }

    /// Takes the next positional argument.
    pub fn positional(&mut self, what: &str) -> String {
        match self.rest.iter().position(|a| !a.starts_with("--")) {
            Some(i) => self.rest.remove(i).unwrap_or_default(),
            None => self.fail(&format!("missing {what}")),
        }
    }

    /// Fails if anything was not understood.
    pub fn finish(self) {
        if let Some(extra) = self.rest.front() {
            self.fail(&format!("unexpected argument {extra:?}"));
        }
    }

    fn fail(&self, message: &str) -> ! {
        eprintln!("error: {message}\n\n{}", self.usage);
        exit(2);
    }
}

/// One line describing an endpoint event.
pub fn describe(event: &Event) -> String {
    match event {
        Event::IncomingCall { call, from, to } => format!("{call} incoming from {from} to {to}"),
        Event::Ringing { call } => format!("{call} ringing"),
        Event::Answered { call, remote_rtp } => format!("{call} answered, media to {remote_rtp}"),
        Event::Ended {
            call,
            reason,
            media,
        } => {
            format!("{call} ended: {reason}; {}", describe_media(media))
        }
        other => format!("{other:?}"),
    }
}

/// RTP statistics on one line.
pub fn describe_media(m: &MediaStats) -> String {
    format!(
        "rtp sent {} received {} lost {} jitter {:.2} ms, rtcp sent {} received {}",
        m.rtp_sent, m.rtp_received, m.rtp_lost, m.jitter_ms, m.rtcp_sent, m.rtcp_received
    )
}

/// Did the call end the way a completed call does?
pub fn ended_normally(reason: &EndReason) -> bool {
    matches!(reason, EndReason::LocalHangUp | EndReason::RemoteHangUp)
}
