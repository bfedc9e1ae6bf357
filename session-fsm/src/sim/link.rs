//! One direction of a simulated link and the impairments it applies: loss, duplication,
//! delay with jitter, and reordering.
//!
//! Every decision comes from the link's own seeded generator, so a run replays from its seed,
//! and changing one link's settings does not change what happens on the others.

use std::fmt;

use rtp_proto::SeededRng;

use crate::time::{Duration, Instant};

use super::Datagram;

/// What one direction of a link does to the datagrams that cross it.
///
/// Each datagram is first lost with probability [`loss`](Self::loss). A datagram that survives
/// is duplicated with probability [`duplicate`](Self::duplicate); each copy then travels for
/// [`delay`](Self::delay) plus a uniform extra in `0..=jitter`, plus
/// [`reorder_delay`](Self::reorder_delay) with probability [`reorder`](Self::reorder). Copies
/// travel independently, so jitter and the reorder hold-back let later datagrams overtake
/// earlier ones.
///
/// ```
/// use std::time::Duration;
/// use session_fsm::sim::LinkConfig;
///
/// let lossy = LinkConfig::default()
///     .with_delay(Duration::from_millis(20))
///     .with_jitter(Duration::from_millis(200))
///     .with_loss(0.2)
///     .with_duplicate(0.05);
/// assert_eq!(lossy.loss, 0.2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkConfig {
    /// The fixed one-way delay.
    pub delay: Duration,
    /// The most random extra delay, drawn uniformly per copy (nanosecond steps).
    pub jitter: Duration,
    /// The probability a datagram is lost, in `0.0..=1.0`.
    pub loss: f64,
    /// The probability a datagram that was not lost arrives twice, in `0.0..=1.0`.
    pub duplicate: f64,
    /// The probability a copy is held back by [`reorder_delay`](Self::reorder_delay), in
    /// `0.0..=1.0`.
    pub reorder: f64,
    /// How long a reordered copy is held back.
    pub reorder_delay: Duration,
}

impl Default for LinkConfig {
    /// A perfect link: no delay, no loss, nothing duplicated or reordered.
    fn default() -> Self {
        LinkConfig {
            delay: Duration::ZERO,
            jitter: Duration::ZERO,
            loss: 0.0,
            duplicate: 0.0,
            reorder: 0.0,
            reorder_delay: Duration::ZERO,
        }
    }
}

impl LinkConfig {
    /// Sets the fixed one-way delay.
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Sets the most random extra delay.
    pub fn with_jitter(mut self, jitter: Duration) -> Self {
        self.jitter = jitter;
        self
    }

    /// Sets the loss probability.
    pub fn with_loss(mut self, loss: f64) -> Self {
        self.loss = loss;
        self
    }

    /// Sets the duplication probability.
    pub fn with_duplicate(mut self, duplicate: f64) -> Self {
        self.duplicate = duplicate;
        self
    }

    /// Holds back a fraction `probability` of copies by `hold_back`, so later ones overtake
    /// them.
    pub fn with_reorder(mut self, probability: f64, hold_back: Duration) -> Self {
        self.reorder = probability;
        self.reorder_delay = hold_back;
        self
    }

    /// Checks that every probability is in `0.0..=1.0`.
    pub fn validate(&self) -> Result<(), BadLinkConfig> {
        for (name, p) in [
            ("loss", self.loss),
            ("duplicate", self.duplicate),
            ("reorder", self.reorder),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(BadLinkConfig {
                    field: name,
                    value: p,
                });
            }
        }
        Ok(())
    }
}

/// A [`LinkConfig`] probability outside `0.0..=1.0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BadLinkConfig {
    /// Which field.
    pub field: &'static str,
    /// Its value.
    pub value: f64,
}

impl fmt::Display for BadLinkConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "link {} probability {} is not in 0.0..=1.0",
            self.field, self.value
        )
    }
}

impl std::error::Error for BadLinkConfig {}

/// What the link decided for one datagram, at the moment it was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// It never arrives.
    Lost,
    /// It arrives once, at this instant.
    Delivered(Instant),
    /// It arrives twice, at these instants (in the order the copies were drawn, not
    /// necessarily in time order).
    Duplicated(Instant, Instant),
}

impl Fate {
    /// The instants at which copies arrive: none, one or two.
    pub fn arrivals(&self) -> impl Iterator<Item = Instant> {
        let (a, b) = match *self {
            Fate::Lost => (None, None),
            Fate::Delivered(at) => (Some(at), None),
            Fate::Duplicated(first, second) => (Some(first), Some(second)),
        };
        a.into_iter().chain(b)
    }

    /// The earliest arrival, if any copy arrives.
    pub fn first_arrival(&self) -> Option<Instant> {
        self.arrivals().min()
    }
}

/// Counters of one link direction, or of the whole network.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Datagrams handed to the link.
    pub sent: u64,
    /// Datagrams the link lost, by chance or by its drop rule.
    pub lost: u64,
    /// Of those, the ones its [`DropRule`] picked.
    pub dropped_by_rule: u64,
    /// Datagrams the link delivered twice.
    pub duplicated: u64,
    /// Copies held back by the reorder setting.
    pub reordered: u64,
    /// Copies put on their way to the far end (a duplicated datagram counts twice). Copies
    /// still in flight when the run stops are counted too.
    pub delivered: u64,
}

impl LinkStats {
    pub(crate) fn add(&mut self, other: &LinkStats) {
        self.sent += other.sent;
        self.lost += other.lost;
        self.dropped_by_rule += other.dropped_by_rule;
        self.duplicated += other.duplicated;
        self.reordered += other.reordered;
        self.delivered += other.delivered;
    }
}

/// A rule that picks datagrams for a link to lose, on top of its random loss: every ACK, the
/// first INVITE, everything after some instant… It sees each datagram once, in send order,
/// and returns `true` to lose it.
pub type DropRule = Box<dyn FnMut(&Datagram) -> bool>;

/// One direction of a link: its settings, its generator and its counters.
pub(crate) struct Link {
    pub(crate) config: LinkConfig,
    rng: SeededRng,
    pub(crate) stats: LinkStats,
    pub(crate) drop_rule: Option<DropRule>,
}

impl fmt::Debug for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Link")
            .field("config", &self.config)
            .field("stats", &self.stats)
            .field("drop_rule", &self.drop_rule.is_some())
            .finish_non_exhaustive()
    }
}

impl Link {
    pub(crate) fn new(config: LinkConfig, seed: u64) -> Self {
        Link {
            config,
            rng: SeededRng::new(seed),
            stats: LinkStats::default(),
            drop_rule: None,
        }
    }

    /// Decides the fate of `datagram`, sent at `now`.
    pub(crate) fn send(&mut self, now: Instant, datagram: &Datagram) -> Fate {
        self.stats.sent += 1;
        if let Some(rule) = &mut self.drop_rule {
            if rule(datagram) {
                self.stats.lost += 1;
                self.stats.dropped_by_rule += 1;
                return Fate::Lost;
            }
        }
        if self.chance(self.config.loss) {
            self.stats.lost += 1;
            return Fate::Lost;
        }
        let first = self.travel(now);
        if self.chance(self.config.duplicate) {
            self.stats.duplicated += 1;
            let second = self.travel(now);
            return Fate::Duplicated(first, second);
        }
        Fate::Delivered(first)
    }

    /// When one copy arrives.
    fn travel(&mut self, now: Instant) -> Instant {
        let mut at = now + self.config.delay;
        let jitter = u64::try_from(self.config.jitter.as_nanos()).unwrap_or(u64::MAX);
        if jitter > 0 {
            let extra = self.rng.next_u64() % jitter.saturating_add(1);
            at += Duration::from_nanos(extra);
        }
        if self.chance(self.config.reorder) {
            self.stats.reordered += 1;
            at += self.config.reorder_delay;
        }
        at
    }

    /// True with probability `p`. No draw is made for 0 or 1, so a perfect link consumes no
    /// randomness.
    fn chance(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        if p >= 1.0 {
            return true;
        }
        self.rng.next_f64() < p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::disallowed_methods)] // tests read the real clock once, as an epoch
    fn epoch() -> Instant {
        Instant::now()
    }

    fn datagram() -> Datagram {
        Datagram {
            source: "192.0.2.1:1".parse().unwrap(),
            destination: "192.0.2.2:2".parse().unwrap(),
            bytes: bytes::Bytes::from_static(b"x"),
        }
    }

    #[test]
    fn a_perfect_link_delivers_everything_after_the_delay() {
        let now = epoch();
        let config = LinkConfig::default().with_delay(Duration::from_millis(30));
        let mut link = Link::new(config, 1);
        for _ in 0..100 {
            assert_eq!(
                link.send(now, &datagram()),
                Fate::Delivered(now + Duration::from_millis(30))
            );
        }
        link.drop_rule = Some(Box::new(|d: &Datagram| d.bytes.starts_with(b"x")));
        assert_eq!(link.send(now, &datagram()), Fate::Lost);
        assert_eq!(link.stats.dropped_by_rule, 1);
        assert_eq!(link.stats.sent, 101);
        assert_eq!(link.stats.lost, 1);
    }

    #[test]
    fn rates_come_out_near_the_settings_and_jitter_stays_in_bounds() {
        let now = epoch();
        let config = LinkConfig::default()
            .with_delay(Duration::from_millis(10))
            .with_jitter(Duration::from_millis(200))
            .with_loss(0.2)
            .with_duplicate(0.05);
        let mut link = Link::new(config, 42);
        let n = 100_000u32;
        for _ in 0..n {
            for at in link.send(now, &datagram()).arrivals() {
                assert!(at >= now + Duration::from_millis(10));
                assert!(at <= now + Duration::from_millis(210));
            }
        }
        let loss = link.stats.lost as f64 / f64::from(n);
        let dup = link.stats.duplicated as f64 / (f64::from(n) - link.stats.lost as f64);
        assert!((0.19..0.21).contains(&loss), "loss {loss}");
        assert!((0.045..0.055).contains(&dup), "duplicate {dup}");
    }

    #[test]
    fn the_same_seed_gives_the_same_fates() {
        let now = epoch();
        let config = LinkConfig::default()
            .with_jitter(Duration::from_millis(50))
            .with_loss(0.3)
            .with_duplicate(0.3)
            .with_reorder(0.1, Duration::from_millis(100));
        let mut a = Link::new(config, 7);
        let mut b = Link::new(config, 7);
        let mut c = Link::new(config, 8);
        let fa: Vec<Fate> = (0..1000).map(|_| a.send(now, &datagram())).collect();
        let fb: Vec<Fate> = (0..1000).map(|_| b.send(now, &datagram())).collect();
        let fc: Vec<Fate> = (0..1000).map(|_| c.send(now, &datagram())).collect();
        assert_eq!(fa, fb);
        assert_ne!(fa, fc);
    }

    #[test]
    fn probabilities_outside_zero_to_one_are_refused() {
        let bad = LinkConfig::default().with_loss(1.5);
        assert_eq!(
            bad.validate(),
            Err(BadLinkConfig {
                field: "loss",
                value: 1.5
            })
        );
        assert!(LinkConfig::default().with_duplicate(1.0).validate().is_ok());
    }
}
