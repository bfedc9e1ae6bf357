//! The one place this crate names its time types.
//!
//! Every machine takes `now` as an argument; nothing here reads a clock. A `no_std` build could
//! swap these for its own monotonic type by editing this file alone.

pub use std::time::{Duration, Instant};

/// The one clock read of this crate's own tests: the epoch their virtual time counts from.
#[cfg(test)]
#[allow(clippy::disallowed_methods)]
pub(crate) fn test_epoch() -> Instant {
    Instant::now()
}
