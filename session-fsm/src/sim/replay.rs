//! Making a failed run replay: say its seed when it fails, and take a seed from the
//! environment to run it again.

/// The environment variable that names the seed to replay: `SIM_SEED=1234 cargo test …`.
pub const SEED_VAR: &str = "SIM_SEED";

/// The seed named by [`SEED_VAR`], or `default` when it is not set.
///
/// Test harnesses use it so a failure printed as `SIM_SEED=1234` replays with that seed.
/// A value that is not a number is an error, so a typo does not silently run the default.
pub fn seed_from_env(default: u64) -> Result<u64, String> {
    match std::env::var(SEED_VAR) {
        Ok(value) => value.trim().parse().map_err(|_| {
            format!("{SEED_VAR}={value:?} is not a seed; give an unsigned 64-bit number")
        }),
        Err(_) => Ok(default),
    }
}

/// Prints `SIM_SEED=<seed>` on standard error if the thread panics while it is alive.
///
/// Hold one for the length of a simulated test: when an assertion fails, the test output
/// names the seed that replays it.
///
/// ```
/// use session_fsm::sim::ReplayOnPanic;
///
/// let _replay = ReplayOnPanic::new(1234);
/// // ... run and check the simulation; a panic here prints "SIM_SEED=1234" ...
/// ```
#[derive(Debug)]
#[must_use = "the seed is printed only while the guard is alive"]
pub struct ReplayOnPanic {
    seed: u64,
}

impl ReplayOnPanic {
    /// Guards a run with `seed`.
    pub fn new(seed: u64) -> Self {
        ReplayOnPanic { seed }
    }

    /// The seed it will print.
    pub fn seed(&self) -> u64 {
        self.seed
    }
}

impl Drop for ReplayOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "{SEED_VAR}={seed}: this simulation failed; run it again with {SEED_VAR}={seed}",
                seed = self.seed
            );
        }
    }
}
