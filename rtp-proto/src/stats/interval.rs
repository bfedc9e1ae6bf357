//! The RTCP transmission interval (RFC 3550 §6.3.1, Appendix A.7).

use crate::time::Duration;
use crate::SeededRng;

/// The minimum report interval in seconds (§6.2); halved before the first report.
pub const RTCP_MIN_TIME: f64 = 5.0;
/// The share of RTCP bandwidth for senders when they are a quarter or less of the members.
const SENDER_BW_FRACTION: f64 = 0.25;
const RECEIVER_BW_FRACTION: f64 = 1.0 - SENDER_BW_FRACTION;
/// e - 3/2: compensates for timer reconsideration converging below the intended rate (A.7).
const COMPENSATION: f64 = core::f64::consts::E - 1.5;

/// The randomised interval until the next RTCP report (RFC 3550 A.7 `rtcp_interval`).
///
/// `rtcp_bw` is the session's RTCP bandwidth in octets per second (5% of the session
/// bandwidth by default), `avg_rtcp_size` the running average compound size in octets
/// (see [`update_avg_rtcp_size`]), `initial` whether we have not sent a report yet. The
/// deterministic interval is multiplied by a uniform factor in `[0.5, 1.5)` drawn from `rng`
/// (seeded by the caller) and divided by e − 3/2.
pub fn rtcp_interval(
    members: u32,
    senders: u32,
    rtcp_bw: f64,
    we_sent: bool,
    avg_rtcp_size: f64,
    initial: bool,
    rng: &mut SeededRng,
) -> Duration {
    let min_time = if initial {
        RTCP_MIN_TIME / 2.0
    } else {
        RTCP_MIN_TIME
    };
    let mut bw = rtcp_bw;
    let mut n = f64::from(members);
    // When senders are few, they share a quarter of the bandwidth and receivers the rest.
    if f64::from(senders) <= f64::from(members) * SENDER_BW_FRACTION {
        if we_sent {
            bw *= SENDER_BW_FRACTION;
            n = f64::from(senders);
        } else {
            bw *= RECEIVER_BW_FRACTION;
            n -= f64::from(senders);
        }
    }
    let mut t = if bw > 0.0 && bw.is_finite() && avg_rtcp_size.is_finite() {
        avg_rtcp_size * n / bw
    } else {
        min_time
    };
    if t.is_nan() || t < min_time {
        t = min_time;
    }
    t *= rng.next_f64() + 0.5;
    t /= COMPENSATION;
    // Bounded: a finite t from finite inputs; cap at a day to keep Duration happy.
    Duration::from_secs_f64(t.min(86_400.0))
}

/// The running average RTCP packet size after sending or receiving a compound of
/// `packet_size` octets (RFC 3550 §6.3.3): `avg = size/16 + 15/16 * avg`.
pub fn update_avg_rtcp_size(avg_rtcp_size: f64, packet_size: usize) -> f64 {
    packet_size as f64 / 16.0 + avg_rtcp_size * 15.0 / 16.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_session_uses_minimum_with_randomisation() {
        let lo = RTCP_MIN_TIME * 0.5 / COMPENSATION;
        let hi = RTCP_MIN_TIME * 1.5 / COMPENSATION;
        let mut rng = SeededRng::new(7);
        for _ in 0..1000 {
            let t = rtcp_interval(2, 1, 8000.0, true, 100.0, false, &mut rng).as_secs_f64();
            assert!(t >= lo - 1e-9 && t < hi, "{t}");
        }
        let t = rtcp_interval(2, 1, 8000.0, true, 100.0, true, &mut rng).as_secs_f64();
        assert!(t < hi / 2.0);
    }

    #[test]
    fn large_session_scales_with_members_exactly() {
        // 100 receivers, no senders: receivers get 3/4 of 400 B/s, n = 100, 100 B each.
        let mut rng = SeededRng::new(99);
        let r = rng.clone().next_f64();
        let t = rtcp_interval(100, 0, 400.0, false, 100.0, false, &mut rng).as_secs_f64();
        let want = 100.0 * 100.0 / 300.0 * (r + 0.5) / COMPENSATION;
        assert!((t - want).abs() < 1e-6, "{t} vs {want}");
        // A sender among 100 members shares a quarter between the 2 senders.
        let mut rng = SeededRng::new(5);
        let r = rng.clone().next_f64();
        let t = rtcp_interval(100, 2, 40.0, true, 100.0, false, &mut rng).as_secs_f64();
        let want = 100.0 * 2.0 / 10.0 * (r + 0.5) / COMPENSATION;
        assert!((t - want).abs() < 1e-6, "{t} vs {want}");
        // Many senders: no split, everyone shares the whole bandwidth.
        let mut rng = SeededRng::new(5);
        let t = rtcp_interval(10, 10, 100.0, true, 100.0, false, &mut rng).as_secs_f64();
        let want = 100.0 * 10.0 / 100.0 * (r + 0.5) / COMPENSATION;
        assert!((t - want).abs() < 1e-6, "{t} vs {want}");
    }

    #[test]
    fn degenerate_inputs_fall_back_to_minimum() {
        let mut rng = SeededRng::new(1);
        for bw in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let t = rtcp_interval(3, 1, bw, false, 100.0, false, &mut rng).as_secs_f64();
            let lo = RTCP_MIN_TIME * 0.5 / COMPENSATION - 1e-9;
            let hi = RTCP_MIN_TIME * 1.5 / COMPENSATION;
            assert!((lo..=hi).contains(&t), "{t}");
        }
    }

    /// §6.3 / A.7 randomisation comes from the caller's seed alone: the same seed replays the
    /// same schedule, another seed gives another.
    #[test]
    fn schedule_replays_from_the_seed() {
        let schedule = |seed| {
            let mut rng = SeededRng::new(seed);
            let mut initial = true;
            (0..20)
                .map(|_| {
                    let t = rtcp_interval(4, 1, 500.0, false, 120.0, initial, &mut rng);
                    initial = false;
                    t
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(schedule(42), schedule(42));
        assert_ne!(schedule(42), schedule(43));
        // Every interval lies in [0.5, 1.5) times the deterministic one over e - 3/2.
        for t in schedule(42).iter().skip(1) {
            let range = RTCP_MIN_TIME * 0.5 / COMPENSATION..RTCP_MIN_TIME * 1.5 / COMPENSATION;
            assert!(range.contains(&t.as_secs_f64()));
        }
    }

    #[test]
    fn average_size_update() {
        assert_eq!(update_avg_rtcp_size(100.0, 260), 110.0);
    }
}
