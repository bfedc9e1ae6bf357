//! Shared fixtures for the criterion benchmarks in `benches/benches`.
//!
//! Every benchmark measures our crates and the peer crates on the same bytes, taken from
//! here, so that the ratios printed side by side in one run mean something. The fixtures are
//! written to look like real traffic: a softphone's INVITE with an SDP offer, the 200 OK a UAC
//! gets back through two proxies, a REGISTER refresh, a G.711 RTP packet, and the compound
//! RTCP a sender emits when it leaves the session.

pub mod flows;
pub mod rtp;
pub mod scan;
pub mod sip;

/// Criterion settings that keep the whole `cargo bench -p benches` run short on a 2-core CI
/// machine: 1 s warm-up, 2 s of measurement, 30 samples per benchmark, and no HTML plots
/// (drawing them costs more than some measurements). Command-line flags still override.
#[macro_export]
macro_rules! quick_criterion {
    () => {
        criterion::Criterion::default()
            .warm_up_time(std::time::Duration::from_secs(1))
            .measurement_time(std::time::Duration::from_secs(2))
            .sample_size(30)
            .without_plots()
            .configure_from_args()
    };
}
