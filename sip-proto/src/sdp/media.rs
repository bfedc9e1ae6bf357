//! Media descriptions: an `m=` line and the `i=`, `c=`, `b=`, `k=` and `a=` lines after it
//! (RFC 8866 §5.14).
//!
//! ```text
//! media-description = media-field [information-field] *connection-field
//!                     *bandwidth-field [key-field] *attribute-field
//! media-field = %s"m" "=" media SP port ["/" integer] SP proto 1*(SP fmt) CRLF
//! ```

use core::fmt;

use super::attribute::{Attribute, Direction, Fmtp, Rtcp, Rtpmap};
use super::connection::Connection;
use super::parse::{fields, number};
use super::session::Bandwidth;

/// The `<media>` of an `m=` line (RFC 8866 §5.14, IANA "media" registry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MediaType<'a> {
    /// `audio`.
    Audio,
    /// `video`.
    Video,
    /// `text`.
    Text,
    /// `application`.
    Application,
    /// `message`.
    Message,
    /// `image` (T.38 fax).
    Image,
    /// Any other token, kept as written.
    Other(&'a str),
}

impl<'a> MediaType<'a> {
    /// Parses a `<media>` token (case-sensitive, as registered).
    pub fn from_token(s: &'a str) -> Self {
        match s {
            "audio" => MediaType::Audio,
            "video" => MediaType::Video,
            "text" => MediaType::Text,
            "application" => MediaType::Application,
            "message" => MediaType::Message,
            "image" => MediaType::Image,
            other => MediaType::Other(other),
        }
    }

    /// The token as written on the wire.
    pub fn as_str(&self) -> &'a str {
        match self {
            MediaType::Audio => "audio",
            MediaType::Video => "video",
            MediaType::Text => "text",
            MediaType::Application => "application",
            MediaType::Message => "message",
            MediaType::Image => "image",
            MediaType::Other(s) => s,
        }
    }
}

impl fmt::Display for MediaType<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `<fmt>` of an `m=` line (also the format an `a=fmtp` applies to).
///
/// For RTP profiles a format is a payload type number (RFC 8866 §5.14). A token is read as
/// [`Format::PayloadType`] only when it is a canonical decimal 0..=127 (no sign, no leading
/// zero), so writing it back gives the same text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format<'a> {
    /// An RTP payload type, 0..=127.
    PayloadType(u8),
    /// Any other token (`t38`, `webrtc-datachannel`, `5000`).
    Other(&'a str),
}

impl<'a> Format<'a> {
    /// Parses a `<fmt>` token.
    pub fn from_token(s: &'a str) -> Self {
        let canonical = !(s.len() > 1 && s.starts_with('0'));
        match number::<u8>(s) {
            Some(pt) if canonical && pt <= 127 => Format::PayloadType(pt),
            _ => Format::Other(s),
        }
    }

    /// The payload type, for an RTP format.
    pub fn payload_type(&self) -> Option<u8> {
        match self {
            Format::PayloadType(pt) => Some(*pt),
            Format::Other(_) => None,
        }
    }
}

impl fmt::Display for Format<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Format::PayloadType(pt) => write!(f, "{pt}"),
            Format::Other(s) => f.write_str(s),
        }
    }
}

/// One media description: an `m=` line and the lines that belong to it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MediaDescription<'a> {
    /// `<media>`.
    pub media: MediaType<'a>,
    /// `<port>`; 0 marks a rejected or disabled stream (RFC 3264 §5.1, §6).
    pub port: u16,
    /// `/<number of ports>` after the port (RFC 8866 §5.14), if written.
    pub num_ports: Option<u16>,
    /// `<proto>`: `RTP/AVP` for plain RTP audio/video (RFC 3551).
    pub proto: &'a str,
    /// `<fmt>` list, in the writer's order of preference.
    pub formats: Vec<Format<'a>>,
    /// `i=` media title (RFC 8866 §5.4).
    pub information: Option<&'a str>,
    /// `c=` lines for this stream (RFC 8866 §5.7); empty means "use the session-level `c=`".
    pub connections: Vec<Connection<'a>>,
    /// `b=` lines (RFC 8866 §5.8).
    pub bandwidths: Vec<Bandwidth<'a>>,
    /// `k=` line, obsolete (RFC 8866 §5.12), kept as written.
    pub key: Option<&'a str>,
    /// `a=` lines, in order.
    pub attributes: Vec<Attribute<'a>>,
}

impl<'a> MediaDescription<'a> {
    /// Parses the value of an `m=` line; the other fields start empty. `max_formats` bounds
    /// the format list.
    pub(crate) fn parse_m_line(value: &'a str, max_formats: usize) -> Result<Self, MLineError> {
        let mut it = fields(value);
        let (Some(media), Some(port), Some(proto)) = (it.next(), it.next(), it.next()) else {
            return Err(MLineError::Invalid(
                "expected `<media> <port> <proto> <fmt> ...`",
            ));
        };
        let (port, num_ports) = match port.split_once('/') {
            Some((p, n)) => (
                p,
                Some(number::<u16>(n).ok_or(MLineError::Invalid(
                    "the number of ports is not a number 0..=65535",
                ))?),
            ),
            None => (port, None),
        };
        let port =
            number::<u16>(port).ok_or(MLineError::Invalid("the port is not a number 0..=65535"))?;
        let mut formats = Vec::new();
        for f in it {
            if formats.len() == max_formats {
                return Err(MLineError::TooManyFormats);
            }
            formats.push(Format::from_token(f));
        }
        Ok(MediaDescription {
            media: MediaType::from_token(media),
            port,
            num_ports,
            proto,
            formats,
            information: None,
            connections: Vec::new(),
            bandwidths: Vec::new(),
            key: None,
            attributes: Vec::new(),
        })
    }

    /// The RTP payload types among the formats, in order.
    pub fn payload_types(&self) -> impl Iterator<Item = u8> + '_ {
        self.formats.iter().filter_map(Format::payload_type)
    }

    /// The `a=rtpmap` for a payload type, if present.
    pub fn rtpmap(&self, payload_type: u8) -> Option<&Rtpmap<'a>> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::Rtpmap(r) if r.payload_type == payload_type => Some(r),
            _ => None,
        })
    }

    /// The `a=fmtp` for a format, if present.
    pub fn fmtp(&self, format: Format<'_>) -> Option<&Fmtp<'a>> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::Fmtp(p) if p.format == format => Some(p),
            _ => None,
        })
    }

    /// The media-level direction attribute, if present (see
    /// [`SessionDescription::direction_of`](super::SessionDescription::direction_of) for the
    /// effective one).
    pub fn direction(&self) -> Option<Direction> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::Direction(d) => Some(*d),
            _ => None,
        })
    }

    /// `a=ptime`, if present.
    pub fn ptime(&self) -> Option<u32> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::Ptime(t) => Some(*t),
            _ => None,
        })
    }

    /// `a=maxptime`, if present.
    pub fn max_ptime(&self) -> Option<u32> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::MaxPtime(t) => Some(*t),
            _ => None,
        })
    }

    /// `a=rtcp`, if present.
    pub fn rtcp(&self) -> Option<&Rtcp<'a>> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::Rtcp(r) => Some(r),
            _ => None,
        })
    }

    /// True if `a=rtcp-mux` is present.
    pub fn rtcp_mux(&self) -> bool {
        self.attributes.contains(&Attribute::RtcpMux)
    }

    /// The value of the first untyped ([`Attribute::Other`]) attribute with this name:
    /// `Some(None)` for a property attribute, `Some(Some(value))` for a value attribute,
    /// `None` if absent. Typed attributes have their own accessors.
    pub fn attribute(&self, name: &str) -> Option<Option<&'a str>> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::Other { name: n, value } if *n == name => Some(*value),
            _ => None,
        })
    }
}

/// Why an `m=` line was refused; the parser adds the line number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MLineError {
    Invalid(&'static str),
    TooManyFormats,
}
