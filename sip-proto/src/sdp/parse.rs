//! The line-by-line parser (RFC 8866 §5, §9).
//!
//! Hand-written rather than built on nom: SDP is one `<type>=<value>` per line with
//! space-separated fields, and a loop over lines with a small per-type dispatch keeps error
//! reporting ("line 7 (m=): the port is not a number") simple.
//!
//! Leniency, on by default as STYLE 7 asks:
//! - lines may end in CRLF or a bare LF (RFC 8866 §5 asks for CRLF but lets parsers accept LF);
//!   empty lines are skipped;
//! - fields may be separated by runs of spaces or tabs;
//! - session-level lines may come in any order after `v=` (only `v=` first is enforced), and
//!   `t=` may be missing;
//! - a known attribute whose value does not parse is kept untyped.
//!
//! What is refused: a first line that is not `v=0`, unknown line types (RFC 8866 §5 lets a
//! parser reject them), lines in a section where they cannot appear (`o=` after `m=`, `r=`
//! before `t=`), duplicates of single lines, malformed structured lines, and counts beyond
//! [`Limits`].

use core::str::FromStr;

use super::attribute::Attribute;
use super::connection::{Address, AddressType, Connection};
use super::error::{Limits, ParseError, ParseErrorKind};
use super::media::{MLineError, MediaDescription};
use super::origin::Origin;
use super::session::{parse_zone, Bandwidth, Repeat, SessionDescription, Timing};

/// Splits a value into fields separated by runs of spaces or tabs.
pub(crate) fn fields(s: &str) -> impl Iterator<Item = &str> {
    s.split([' ', '\t']).filter(|f| !f.is_empty())
}

/// Parses `1*DIGIT` (no sign, unlike `str::parse`) into an integer type; `None` if the text is
/// not all digits or overflows.
pub(crate) fn number<T: FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses a session description with [`Limits::DEFAULT`].
///
/// The result borrows its text fields from `input`. See the [module docs](super) for an
/// example and [`parse_with_limits`] for the rules.
pub fn parse(input: &[u8]) -> Result<SessionDescription<'_>, ParseError> {
    parse_with_limits(input, &Limits::DEFAULT)
}

/// Parses a session description, refusing more repeated elements than `limits` allow.
pub fn parse_with_limits<'a>(
    input: &'a [u8],
    limits: &Limits,
) -> Result<SessionDescription<'a>, ParseError> {
    let mut p = Parser {
        limits: *limits,
        version_seen: false,
        origin: None,
        session_name: None,
        sd: SessionDescription::new(Origin {
            username: "",
            session_id: 0,
            session_version: 0,
            nettype: "",
            addrtype: AddressType::Other(""),
            address: Address::Name(""),
        }),
    };
    // `SessionDescription::new` starts with `t=0 0`; the parser fills `t=` from the input.
    p.sd.times.clear();
    let mut at = At {
        line: 0,
        field: None,
    };
    for raw in input.split(|b| *b == b'\n') {
        at.line += 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.is_empty() {
            continue;
        }
        at.field = raw
            .first()
            .map(|b| *b as char)
            .filter(char::is_ascii_lowercase);
        let text = core::str::from_utf8(raw).map_err(|_| at.err(ParseErrorKind::NotUtf8))?;
        let Some((ty, value)) = text.split_once('=') else {
            return Err(at.err(ParseErrorKind::NotATypeLine));
        };
        let mut chars = ty.chars();
        let (Some(ty), None) = (chars.next(), chars.next()) else {
            return Err(at.err(ParseErrorKind::NotATypeLine));
        };
        if !ty.is_ascii_lowercase() {
            return Err(at.err(ParseErrorKind::NotATypeLine));
        }
        p.line(at, ty, value)?;
    }
    p.finish()
}

/// Where the parser is: the line number and type letter errors report.
#[derive(Clone, Copy)]
struct At {
    line: usize,
    field: Option<char>,
}

impl At {
    fn err(self, kind: ParseErrorKind) -> ParseError {
        ParseError {
            line: self.line,
            field: self.field,
            kind,
        }
    }

    fn invalid(self, what: &'static str) -> ParseError {
        self.err(ParseErrorKind::Invalid(what))
    }

    /// Pushes onto a list bounded by `limit`.
    fn push<T>(
        self,
        v: &mut Vec<T>,
        x: T,
        what: &'static str,
        limit: usize,
    ) -> Result<(), ParseError> {
        if v.len() >= limit {
            return Err(self.err(ParseErrorKind::TooMany { what, limit }));
        }
        v.push(x);
        Ok(())
    }

    /// Sets a field that may appear once per section.
    fn once<T>(self, slot: &mut Option<T>, x: T) -> Result<(), ParseError> {
        if slot.is_some() {
            return Err(self.err(ParseErrorKind::Duplicate));
        }
        *slot = Some(x);
        Ok(())
    }
}

/// Parser state. The description starts with a placeholder origin; [`Parser::finish`] puts
/// the real `o=` and `s=` in and refuses a description that lacks them.
struct Parser<'a> {
    limits: Limits,
    version_seen: bool,
    origin: Option<Origin<'a>>,
    session_name: Option<&'a str>,
    sd: SessionDescription<'a>,
}

impl<'a> Parser<'a> {
    fn line(&mut self, at: At, ty: char, value: &'a str) -> Result<(), ParseError> {
        if !self.version_seen {
            if ty != 'v' {
                return Err(at.err(ParseErrorKind::VersionNotFirst));
            }
            if value.trim() != "0" {
                return Err(at.err(ParseErrorKind::UnsupportedVersion));
            }
            self.version_seen = true;
            return Ok(());
        }
        let limits = self.limits;
        let max = limits.max_repeated;
        let sd = &mut self.sd;
        if let Some(m) = sd.media.last_mut() {
            return match ty {
                'm' => new_media(at, &mut sd.media, value, &limits),
                _ => media_line(at, m, ty, value, &limits),
            };
        }
        match ty {
            'v' => Err(at.err(ParseErrorKind::Duplicate)),
            'o' => {
                let o = Origin::parse(value).map_err(|e| at.invalid(e))?;
                at.once(&mut self.origin, o)
            }
            's' => at.once(&mut self.session_name, value),
            'i' => at.once(&mut sd.information, value),
            'u' => at.once(&mut sd.uri, value),
            'k' => at.once(&mut sd.key, value),
            'e' => at.push(&mut sd.emails, value, "e= lines", max),
            'p' => at.push(&mut sd.phones, value, "p= lines", max),
            'c' => {
                let c = Connection::parse(value).map_err(|e| at.invalid(e))?;
                at.once(&mut sd.connection, c)
            }
            'b' => {
                let b = Bandwidth::parse(value).map_err(|e| at.invalid(e))?;
                at.push(&mut sd.bandwidths, b, "b= lines", max)
            }
            't' => {
                let t = Timing::parse(value).map_err(|e| at.invalid(e))?;
                at.push(&mut sd.times, t, "t= lines", max)
            }
            'r' => {
                let r = Repeat::parse(value, max).map_err(|e| at.invalid(e))?;
                match sd.times.last_mut() {
                    Some(t) => at.push(&mut t.repeats, r, "r= lines after one t=", max),
                    None => Err(at.err(ParseErrorKind::Misplaced)),
                }
            }
            'z' => {
                if !sd.zone_adjustments.is_empty() {
                    return Err(at.err(ParseErrorKind::Duplicate));
                }
                sd.zone_adjustments = parse_zone(value, max).map_err(|e| at.invalid(e))?;
                Ok(())
            }
            'a' => {
                let a = Attribute::parse(value).map_err(|e| at.invalid(e))?;
                let what = "session-level a= lines";
                at.push(&mut sd.attributes, a, what, limits.max_attributes)
            }
            'm' => new_media(at, &mut sd.media, value, &limits),
            _ => Err(at.err(ParseErrorKind::UnknownType)),
        }
    }

    fn finish(self) -> Result<SessionDescription<'a>, ParseError> {
        let whole = |kind| ParseError {
            line: 0,
            field: None,
            kind,
        };
        if !self.version_seen {
            return Err(whole(ParseErrorKind::Empty));
        }
        let mut sd = self.sd;
        sd.origin = self.origin.ok_or(whole(ParseErrorKind::MissingOrigin))?;
        sd.session_name = self
            .session_name
            .ok_or(whole(ParseErrorKind::MissingSessionName))?;
        Ok(sd)
    }
}

fn new_media<'a>(
    at: At,
    media: &mut Vec<MediaDescription<'a>>,
    value: &'a str,
    limits: &Limits,
) -> Result<(), ParseError> {
    let m = MediaDescription::parse_m_line(value, limits.max_formats).map_err(|e| match e {
        MLineError::Invalid(what) => at.invalid(what),
        MLineError::TooManyFormats => at.err(ParseErrorKind::TooMany {
            what: "formats on the m= line",
            limit: limits.max_formats,
        }),
    })?;
    at.push(media, m, "media sections", limits.max_media)
}

/// A line inside a media section (RFC 8866 §5.14: `m=` then `i=`, `c=`*, `b=`*, `k=`,
/// `a=`*), in any order.
fn media_line<'a>(
    at: At,
    m: &mut MediaDescription<'a>,
    ty: char,
    value: &'a str,
    limits: &Limits,
) -> Result<(), ParseError> {
    let max = limits.max_repeated;
    match ty {
        'i' => at.once(&mut m.information, value),
        'k' => at.once(&mut m.key, value),
        'c' => {
            let c = Connection::parse(value).map_err(|e| at.invalid(e))?;
            at.push(&mut m.connections, c, "c= lines in one media section", max)
        }
        'b' => {
            let b = Bandwidth::parse(value).map_err(|e| at.invalid(e))?;
            at.push(&mut m.bandwidths, b, "b= lines in one media section", max)
        }
        'a' => {
            let a = Attribute::parse(value).map_err(|e| at.invalid(e))?;
            let what = "a= lines in one media section";
            at.push(&mut m.attributes, a, what, limits.max_attributes)
        }
        'v' | 'o' | 's' | 'u' | 'e' | 'p' | 't' | 'r' | 'z' => {
            Err(at.err(ParseErrorKind::Misplaced))
        }
        _ => Err(at.err(ParseErrorKind::UnknownType)),
    }
}
