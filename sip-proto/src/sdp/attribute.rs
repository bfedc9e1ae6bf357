//! Attributes: `a=` lines (RFC 8866 §5.13 and §6), typed for the ones a voice user agent
//! acts on, kept as name and value otherwise.
//!
//! ```text
//! attribute-field = %s"a" "=" attribute CRLF
//! attribute       = (attribute-name ":" attribute-value) / attribute-name
//! ```
//!
//! A known attribute whose value does not follow its grammar (RFC 4475 §3.1.1.13 sends
//! `a=rtpmap:31 LPC`, with no clock rate) is kept as [`Attribute::Other`] rather than failing
//! the whole description: RFC 8866 §5.13 asks receivers to ignore what they do not
//! understand, and one garbled video attribute should not cost the call its audio.

use core::fmt;

use super::connection::Connection;
use super::media::Format;
use super::parse::{fields, number};

/// Media direction (RFC 8866 §6.7, RFC 3264 §5.1), from the point of view of the party that
/// wrote the description.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// `a=sendrecv`: send and receive; the default when no direction is given.
    #[default]
    SendRecv,
    /// `a=sendonly`: send only (the usual way to put the peer on hold).
    SendOnly,
    /// `a=recvonly`: receive only.
    RecvOnly,
    /// `a=inactive`: neither.
    Inactive,
}

impl Direction {
    /// The direction sending and receiving flags describe.
    pub fn from_flags(sends: bool, receives: bool) -> Self {
        match (sends, receives) {
            (true, true) => Direction::SendRecv,
            (true, false) => Direction::SendOnly,
            (false, true) => Direction::RecvOnly,
            (false, false) => Direction::Inactive,
        }
    }

    /// True if the writer of the description sends media.
    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    /// True if the writer of the description receives media.
    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    /// The same stream seen from the other end: `sendonly` ↔ `recvonly` (RFC 3264 §6.1).
    pub fn reversed(self) -> Self {
        Direction::from_flags(self.receives(), self.sends())
    }

    /// The attribute name.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]`
/// (RFC 8866 §6.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rtpmap<'a> {
    /// RTP payload type, 0..=127 (RFC 3551 §3).
    pub payload_type: u8,
    /// Encoding name as written (`PCMU`, `opus`, `telephone-event`); compare it
    /// case-insensitively (RFC 4855 §3).
    pub encoding: &'a str,
    /// RTP clock rate in Hz.
    pub clock_rate: u32,
    /// Encoding parameters; for audio, the channel count (RFC 8866 §6.6: absent means 1).
    pub channels: Option<u16>,
}

impl<'a> Rtpmap<'a> {
    fn parse(value: &'a str) -> Option<Self> {
        let mut it = fields(value);
        let (Some(pt), Some(enc), None) = (it.next(), it.next(), it.next()) else {
            return None;
        };
        let payload_type = number::<u8>(pt).filter(|pt| *pt <= 127)?;
        let mut parts = enc.split('/');
        let encoding = parts.next().filter(|e| !e.is_empty())?;
        let clock_rate = number::<u32>(parts.next()?)?;
        let channels = match parts.next() {
            Some(c) => Some(number::<u16>(c)?),
            None => None,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(Rtpmap {
            payload_type,
            encoding,
            clock_rate,
            channels,
        })
    }

    /// The channel count, with the RFC 8866 §6.6 default of 1.
    pub fn channel_count(&self) -> u16 {
        self.channels.unwrap_or(1)
    }
}

/// `a=fmtp:<format> <format specific parameters>` (RFC 8866 §6.15).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fmtp<'a> {
    /// The format the parameters apply to.
    pub format: Format<'a>,
    /// The parameters, opaque to SDP (`0-16` for telephone-event, RFC 4733 §2.4.1).
    pub params: &'a str,
}

/// `a=rtcp:<port> [<nettype> <addrtype> <connection-address>]` (RFC 3605 §2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rtcp<'a> {
    /// The port RTCP is sent to.
    pub port: u16,
    /// The address RTCP is sent to, if not the RTP address.
    pub connection: Option<Connection<'a>>,
}

impl<'a> Rtcp<'a> {
    fn parse(value: &'a str) -> Option<Self> {
        let mut it = fields(value);
        let port = number::<u16>(it.next()?)?;
        let connection = match (it.next(), it.next(), it.next(), it.next()) {
            (None, ..) => None,
            (Some(n), Some(t), Some(a), None) => Some(Connection::from_parts(n, t, a).ok()?),
            _ => return None,
        };
        Some(Rtcp { port, connection })
    }
}

/// One `a=` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Attribute<'a> {
    /// `a=rtpmap` (RFC 8866 §6.6).
    Rtpmap(Rtpmap<'a>),
    /// `a=fmtp` (RFC 8866 §6.15).
    Fmtp(Fmtp<'a>),
    /// `a=ptime:<packet time>` in milliseconds (RFC 8866 §6.4).
    Ptime(u32),
    /// `a=maxptime:<maximum packet time>` in milliseconds (RFC 8866 §6.5).
    MaxPtime(u32),
    /// `a=sendrecv`, `a=sendonly`, `a=recvonly` or `a=inactive` (RFC 8866 §6.7).
    Direction(Direction),
    /// `a=rtcp` (RFC 3605).
    Rtcp(Rtcp<'a>),
    /// `a=rtcp-mux`: RTP and RTCP share one port (RFC 5761 §5.1.1).
    RtcpMux,
    /// Any other attribute, or a known one whose value does not parse.
    Other {
        /// `attribute-name`.
        name: &'a str,
        /// `attribute-value`, the text after the first `:`; `None` for a property attribute.
        value: Option<&'a str>,
    },
}

impl<'a> Attribute<'a> {
    /// Parses the value of an `a=` line (the text after `a=`).
    pub fn parse(line: &'a str) -> Result<Self, &'static str> {
        let (name, value) = match line.split_once(':') {
            Some((n, v)) => (n, Some(v)),
            None => (line, None),
        };
        if name.is_empty() {
            return Err("the attribute name is empty");
        }
        let typed = match (name, value) {
            ("rtpmap", Some(v)) => Rtpmap::parse(v).map(Attribute::Rtpmap),
            ("fmtp", Some(v)) => parse_fmtp(v).map(Attribute::Fmtp),
            ("ptime", Some(v)) => number(v.trim()).map(Attribute::Ptime),
            ("maxptime", Some(v)) => number(v.trim()).map(Attribute::MaxPtime),
            ("rtcp", Some(v)) => Rtcp::parse(v).map(Attribute::Rtcp),
            ("sendrecv", None) => Some(Attribute::Direction(Direction::SendRecv)),
            ("sendonly", None) => Some(Attribute::Direction(Direction::SendOnly)),
            ("recvonly", None) => Some(Attribute::Direction(Direction::RecvOnly)),
            ("inactive", None) => Some(Attribute::Direction(Direction::Inactive)),
            ("rtcp-mux", None) => Some(Attribute::RtcpMux),
            _ => None,
        };
        Ok(typed.unwrap_or(Attribute::Other { name, value }))
    }

    /// The attribute name as written on the wire.
    pub fn name(&self) -> &'a str {
        match self {
            Attribute::Rtpmap(_) => "rtpmap",
            Attribute::Fmtp(_) => "fmtp",
            Attribute::Ptime(_) => "ptime",
            Attribute::MaxPtime(_) => "maxptime",
            Attribute::Direction(d) => d.as_str(),
            Attribute::Rtcp(_) => "rtcp",
            Attribute::RtcpMux => "rtcp-mux",
            Attribute::Other { name, .. } => name,
        }
    }
}

/// `fmtp-value = fmt SP format-specific-params`; a missing parameter part is accepted as
/// empty.
fn parse_fmtp(v: &str) -> Option<Fmtp<'_>> {
    let v = v.trim_start_matches([' ', '\t']);
    let (format, params) = match v.split_once([' ', '\t']) {
        Some((f, p)) => (f, p.trim_start_matches([' ', '\t'])),
        None => (v, ""),
    };
    if format.is_empty() {
        return None;
    }
    Some(Fmtp {
        format: Format::from_token(format),
        params,
    })
}

impl fmt::Display for Attribute<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Attribute::Rtpmap(r) => {
                write!(
                    f,
                    "rtpmap:{} {}/{}",
                    r.payload_type, r.encoding, r.clock_rate
                )?;
                if let Some(c) = r.channels {
                    write!(f, "/{c}")?;
                }
                Ok(())
            }
            Attribute::Fmtp(p) if p.params.is_empty() => write!(f, "fmtp:{}", p.format),
            Attribute::Fmtp(p) => write!(f, "fmtp:{} {}", p.format, p.params),
            Attribute::Ptime(t) => write!(f, "ptime:{t}"),
            Attribute::MaxPtime(t) => write!(f, "maxptime:{t}"),
            Attribute::Direction(d) => f.write_str(d.as_str()),
            Attribute::Rtcp(r) => match &r.connection {
                Some(c) => write!(f, "rtcp:{} {c}", r.port),
                None => write!(f, "rtcp:{}", r.port),
            },
            Attribute::RtcpMux => f.write_str("rtcp-mux"),
            Attribute::Other { name, value: None } => f.write_str(name),
            Attribute::Other {
                name,
                value: Some(v),
            } => write!(f, "{name}:{v}"),
        }
    }
}
