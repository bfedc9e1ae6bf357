//! Replays every checked-in input through its target's checks, without libFuzzer:
//! `fuzz/corpus/<target>/*` (the seed corpus must stay green) and
//! `fuzz/regressions/<target>/*` (every crash found while fuzzing, fixed or not).
//!
//! A crash in another crate that is not fixed yet lives in `fuzz/regressions/<target>/` with a
//! `.ignored` suffix: the sweep skips it, and a named `#[ignore]` test below replays it.

use std::fs;
use std::path::{Path, PathBuf};

fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(kind)
        .join(target);
    let Ok(entries) = fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !name.ends_with(".ignored") && !name.ends_with(".md") && !name.starts_with('.')
        })
        .collect();
    files.sort();
    files
}

fn replay(kind: &str) {
    let mut total = 0;
    for (target, check) in fuzz::TARGETS {
        for path in inputs(kind, target) {
            let data = fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(
                outcome.is_ok(),
                "{target} fails on {} (replay: cargo fuzz run {target} {})",
                path.display(),
                path.display()
            );
            total += 1;
        }
    }
    println!("{kind}: {total} inputs replayed");
    // An empty sweep proves nothing: a filter bug once made this replay zero files.
    assert!(total > 0, "no {kind} inputs were found to replay");
}

#[test]
fn seed_corpus_passes_every_check() {
    replay("corpus");
}

#[test]
fn regression_inputs_pass_every_check() {
    replay("regressions");
}

/// Replays one regression file with a target's strict check (no known bug masked).
fn strict(target: &str, file: &str, check: fuzz::Check) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("regressions")
        .join(target)
        .join(file);
    check(&fs::read(path).unwrap());
}

// --- bugs found in other crates, fixed there: their reproducers replay on every test run ---

/// sip-proto `uri/compare.rs`: `Uri::equivalent` is not reflexive when a parameter name is
/// repeated with different values (`sip:h;a=1;a=2`, or `sip:h;%41=1;a=2` with an escaped
/// name): each parameter is compared with the first same-named one of the other URI. Found by `sip_uri`; panic message:
/// `equivalent is not reflexive for "sip:h;a=1;a=2"`.
#[test]
fn sip_uri_equivalent_reflexive_with_repeated_param() {
    for file in [
        "equivalent-not-reflexive-duplicate-param",
        "crash-ac9ff4f0305099a538d23c166e0d79bdb8db0b0a",
        "equivalent-not-reflexive-escaped-duplicate-param",
        "crash-45cedcae95406e99f51060b2c8345bd663bcdb05",
    ] {
        strict("sip_uri", file, fuzz::sip_uri::check);
    }
}

/// session-fsm: hanging up a placed call after a provisional response sends CANCEL, but when
/// the callee never sends a final response the INVITE client transaction stays in Proceeding
/// and the call is never freed (RFC 3261 §9.1: the UAC SHOULD destroy it 64·T1 after the
/// CANCEL). Each leak holds a call and a transaction-layer slot. Found by `endpoint`; panic
/// message: `after hanging up and 600s of quiet, 1 calls and 1 transactions are left`.
#[test]
fn endpoint_cancel_without_final_response_frees_the_call() {
    for file in [
        "cancel-without-final-response-leaks-call",
        "crash-cb441922e2346a167a2bac79254604ad0355fa0d",
    ] {
        strict("endpoint", file, fuzz::endpoint::check);
    }
}
