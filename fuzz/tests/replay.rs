//! Replays files given in `FUZZ_REPLAY` (`target:path,target:path`) with `FUZZ_TRACE` on;
//! a debugging aid that needs no libFuzzer: `FUZZ_REPLAY=endpoint:crash-x cargo test -p fuzz
//! --test replay -- --nocapture`.

#[test]
fn replay_from_env() {
    let Ok(list) = std::env::var("FUZZ_REPLAY") else {
        return;
    };
    for item in list.split(',') {
        let (target, path) = item.split_once(':').expect("target:path");
        let (_, check) = fuzz::TARGETS
            .iter()
            .find(|(n, _)| *n == target)
            .expect("a known target");
        // Tests run in fuzz/; accept paths relative to the workspace root too.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let path = std::path::Path::new(path);
        let path = if path.exists() {
            path.to_path_buf()
        } else {
            root.join(path)
        };
        check(&std::fs::read(&path).unwrap());
    }
}
