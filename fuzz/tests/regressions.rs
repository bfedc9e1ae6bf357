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
}

#[test]
fn seed_corpus_passes_every_check() {
    replay("corpus");
}

#[test]
fn regression_inputs_pass_every_check() {
    replay("regressions");
}

/// Replays one regression file by path relative to `fuzz/regressions/`.
#[allow(dead_code)]
fn regression(target: &str, file: &str) {
    let check = fuzz::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .map(|(_, check)| *check)
        .expect("a known target");
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("regressions")
        .join(target)
        .join(file);
    check(&fs::read(path).unwrap());
}
