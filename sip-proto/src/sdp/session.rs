//! The session-level description and its timing lines (RFC 8866 §5).
//!
//! ```text
//! session-description = version-field origin-field session-name-field
//!                       [information-field] [uri-field] *email-field *phone-field
//!                       [connection-field] *bandwidth-field 1*time-description
//!                       [key-field] *attribute-field *media-description
//! time-description = time-field [repeat-description]   ; zone-field after the last one
//! ```

use core::fmt;

use super::attribute::{Attribute, Direction};
use super::connection::Connection;
use super::media::MediaDescription;
use super::origin::Origin;
use super::parse::{fields, number};

/// A parsed (or built) session description. Text fields borrow from the parsed input.
///
/// Parse with [`parse`](super::parse) or [`SessionDescription::parse`]; write with
/// [`SessionDescription::write`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SessionDescription<'a> {
    /// `o=` (RFC 8866 §5.2). (`v=` is always `0`, RFC 8866 §5.1, and is not stored.)
    pub origin: Origin<'a>,
    /// `s=` session name (RFC 8866 §5.3); `-` or a single space when there is none.
    pub session_name: &'a str,
    /// `i=` session information (RFC 8866 §5.4).
    pub information: Option<&'a str>,
    /// `u=` URI (RFC 8866 §5.5).
    pub uri: Option<&'a str>,
    /// `e=` email addresses (RFC 8866 §5.6).
    pub emails: Vec<&'a str>,
    /// `p=` phone numbers (RFC 8866 §5.6).
    pub phones: Vec<&'a str>,
    /// Session-level `c=` (RFC 8866 §5.7), the default for media without their own.
    pub connection: Option<Connection<'a>>,
    /// Session-level `b=` lines (RFC 8866 §5.8).
    pub bandwidths: Vec<Bandwidth<'a>>,
    /// `t=` lines with their `r=` lines (RFC 8866 §5.9, §5.10). RFC 8866 requires at least
    /// one; the parser accepts none, leniently.
    pub times: Vec<Timing>,
    /// The `z=` line's adjustments (RFC 8866 §5.11); empty when there is no `z=` line.
    pub zone_adjustments: Vec<ZoneAdjustment>,
    /// Session-level `k=` line, obsolete (RFC 8866 §5.12), kept as written.
    pub key: Option<&'a str>,
    /// Session-level `a=` lines (RFC 8866 §5.13).
    pub attributes: Vec<Attribute<'a>>,
    /// Media descriptions, in order (RFC 8866 §5.14).
    pub media: Vec<MediaDescription<'a>>,
}

impl<'a> SessionDescription<'a> {
    /// A minimal description: the origin, `s=-`, `t=0 0`, nothing else.
    pub fn new(origin: Origin<'a>) -> Self {
        SessionDescription {
            origin,
            session_name: "-",
            information: None,
            uri: None,
            emails: Vec::new(),
            phones: Vec::new(),
            connection: None,
            bandwidths: Vec::new(),
            times: vec![Timing::default()],
            zone_adjustments: Vec::new(),
            key: None,
            attributes: Vec::new(),
            media: Vec::new(),
        }
    }

    /// Parses a description with [`Limits::DEFAULT`](super::Limits::DEFAULT); see
    /// [`parse`](super::parse).
    pub fn parse(input: &'a [u8]) -> Result<Self, super::ParseError> {
        super::parse(input)
    }

    /// The session-level direction attribute, if present.
    pub fn direction(&self) -> Option<Direction> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::Direction(d) => Some(*d),
            _ => None,
        })
    }

    /// The effective direction of a media description: its own attribute, else the
    /// session-level one, else `sendrecv` (RFC 3264 §5.1, RFC 8866 §6.7).
    pub fn direction_of(&self, media: &MediaDescription<'_>) -> Direction {
        media.direction().or(self.direction()).unwrap_or_default()
    }

    /// The effective connection of a media description: its first `c=`, else the
    /// session-level one (RFC 8866 §5.7).
    pub fn connection_of<'m>(
        &'m self,
        media: &'m MediaDescription<'a>,
    ) -> Option<&'m Connection<'a>> {
        media.connections.first().or(self.connection.as_ref())
    }

    /// The value of the first untyped session-level attribute with this name; see
    /// [`MediaDescription::attribute`].
    pub fn attribute(&self, name: &str) -> Option<Option<&'a str>> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::Other { name: n, value } if *n == name => Some(*value),
            _ => None,
        })
    }
}

/// A `b=<bwtype>:<bandwidth>` line (RFC 8866 §5.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Bandwidth<'a> {
    /// `<bwtype>`: `CT`, `AS`, `TIAS` (RFC 3890), ...
    pub bwtype: &'a str,
    /// `<bandwidth>`, in kilobits per second for `CT` and `AS`.
    pub bandwidth: u64,
}

impl<'a> Bandwidth<'a> {
    /// Parses the value of a `b=` line.
    pub fn parse(value: &'a str) -> Result<Self, &'static str> {
        let (bwtype, bw) = value
            .split_once(':')
            .ok_or("expected `<bwtype>:<bandwidth>`")?;
        if bwtype.is_empty() || bwtype.contains([' ', '\t']) {
            return Err("the bandwidth type is not a token");
        }
        Ok(Bandwidth {
            bwtype,
            bandwidth: number(bw.trim()).ok_or("the bandwidth is not a decimal number")?,
        })
    }
}

impl fmt::Display for Bandwidth<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.bwtype, self.bandwidth)
    }
}

/// A `t=<start-time> <stop-time>` line and its `r=` lines (RFC 8866 §5.9, §5.10). Times are
/// NTP seconds; `t=0 0` is a session without bounds, the usual value in SIP.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Timing {
    /// Start time (NTP seconds), 0 for unbounded.
    pub start: u64,
    /// Stop time (NTP seconds), 0 for unbounded.
    pub stop: u64,
    /// `r=` lines following this `t=`.
    pub repeats: Vec<Repeat>,
}

impl Timing {
    /// Parses the value of a `t=` line.
    pub fn parse(value: &str) -> Result<Self, &'static str> {
        let mut it = fields(value);
        let (Some(start), Some(stop), None) = (it.next(), it.next(), it.next()) else {
            return Err("expected `<start-time> <stop-time>`");
        };
        Ok(Timing {
            start: number(start).ok_or("the start time is not a decimal number")?,
            stop: number(stop).ok_or("the stop time is not a decimal number")?,
            repeats: Vec::new(),
        })
    }
}

/// The unit suffix of a typed time (RFC 8866 §5.10: `typed-time = 1*DIGIT [fixed-len-time-unit]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeUnit {
    /// `d`: days.
    Days,
    /// `h`: hours.
    Hours,
    /// `m`: minutes.
    Minutes,
    /// `s`: seconds, written explicitly.
    Seconds,
}

impl TimeUnit {
    fn seconds(self) -> i64 {
        match self {
            TimeUnit::Days => 86_400,
            TimeUnit::Hours => 3_600,
            TimeUnit::Minutes => 60,
            TimeUnit::Seconds => 1,
        }
    }
}

/// A time with an optional unit, as in `r=` and `z=` (`7d`, `-1h`, `3600`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TypedTime {
    /// The number as written (negative only in `z=` offsets).
    pub value: i64,
    /// The unit suffix; `None` means seconds without a suffix.
    pub unit: Option<TimeUnit>,
}

impl TypedTime {
    /// Parses `[-]1*DIGIT [d|h|m|s]`.
    pub fn parse(s: &str) -> Option<Self> {
        let (negative, s) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (digits, unit) = match s.as_bytes().last() {
            Some(b'd') => (s.get(..s.len() - 1)?, Some(TimeUnit::Days)),
            Some(b'h') => (s.get(..s.len() - 1)?, Some(TimeUnit::Hours)),
            Some(b'm') => (s.get(..s.len() - 1)?, Some(TimeUnit::Minutes)),
            Some(b's') => (s.get(..s.len() - 1)?, Some(TimeUnit::Seconds)),
            _ => (s, None),
        };
        let value = number::<i64>(digits)?;
        Some(TypedTime {
            value: if negative { -value } else { value },
            unit,
        })
    }

    /// The time in seconds, saturating at the `i64` range.
    pub fn as_seconds(&self) -> i64 {
        self.value
            .saturating_mul(self.unit.map_or(1, TimeUnit::seconds))
    }
}

impl fmt::Display for TypedTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.value)?;
        match self.unit {
            Some(TimeUnit::Days) => f.write_str("d"),
            Some(TimeUnit::Hours) => f.write_str("h"),
            Some(TimeUnit::Minutes) => f.write_str("m"),
            Some(TimeUnit::Seconds) => f.write_str("s"),
            None => Ok(()),
        }
    }
}

/// An `r=<repeat interval> <active duration> <offsets from start-time>` line (RFC 8866 §5.10).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Repeat {
    /// Repeat interval.
    pub interval: TypedTime,
    /// Active duration.
    pub duration: TypedTime,
    /// Offsets from the start time (at least one in the grammar).
    pub offsets: Vec<TypedTime>,
}

impl Repeat {
    /// Parses the value of an `r=` line; `max_offsets` bounds the offsets.
    pub fn parse(value: &str, max_offsets: usize) -> Result<Self, &'static str> {
        let mut it = fields(value);
        let bad = "expected `<repeat interval> <active duration> <offset> ...` typed times";
        let interval = it.next().and_then(TypedTime::parse).ok_or(bad)?;
        let duration = it.next().and_then(TypedTime::parse).ok_or(bad)?;
        let mut offsets = Vec::new();
        for o in it {
            if offsets.len() == max_offsets {
                return Err("more offsets than sdp::Limits::max_repeated");
            }
            offsets.push(TypedTime::parse(o).ok_or(bad)?);
        }
        if offsets.is_empty() {
            return Err(bad);
        }
        Ok(Repeat {
            interval,
            duration,
            offsets,
        })
    }
}

/// One `<adjustment time> <offset>` pair of a `z=` line (RFC 8866 §5.11).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ZoneAdjustment {
    /// When the adjustment happens (NTP seconds).
    pub time: u64,
    /// The offset applied from then on.
    pub offset: TypedTime,
}

/// Parses the value of a `z=` line into at most `max` adjustments.
pub(crate) fn parse_zone(value: &str, max: usize) -> Result<Vec<ZoneAdjustment>, &'static str> {
    let bad = "expected `<adjustment time> <offset>` pairs";
    let mut out = Vec::new();
    let mut it = fields(value);
    while let Some(t) = it.next() {
        if out.len() == max {
            return Err("more adjustments than sdp::Limits::max_repeated");
        }
        let time = number(t).ok_or(bad)?;
        let offset = it.next().and_then(TypedTime::parse).ok_or(bad)?;
        out.push(ZoneAdjustment { time, offset });
    }
    if out.is_empty() {
        return Err(bad);
    }
    Ok(out)
}
