//! The Via header (RFC 3261 §20.42, §18.2.2; RFC 3581 `rport`).
//!
//! ```text
//! Via           = ( "Via" / "v" ) HCOLON via-parm *(COMMA via-parm)
//! via-parm      = sent-protocol LWS sent-by *( SEMI via-params )
//! sent-protocol = protocol-name SLASH protocol-version SLASH transport
//! sent-by       = host [ COLON port ]
//! via-params    = via-ttl / via-maddr / via-received / via-branch / via-extension
//! ```

use super::params::{
    end_list_item, find_param, is_name, param_at, skip_token, skip_ws, trim_ws, Params, Span,
};
use super::HeaderError;
use crate::uri::chars::{alnum_class_run, class, class_run, find_byte, is, parse_u16, parse_u32};
use crate::uri::host::{host_kind, scan_host, word_at, HostKind};
use crate::uri::Host;

const H: &str = "Via";

/// One `via-parm`: a hop the request passed through. Borrowed from the message.
///
/// ```
/// use sip_proto::header::Via;
/// let v = Via::parse("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776;rport;received=192.0.2.9")?;
/// assert_eq!(v.transport(), "UDP");
/// assert_eq!(v.host(), "192.0.2.1");
/// assert_eq!(v.port(), Some(5060));
/// assert_eq!(v.branch(), Some("z9hG4bK776"));
/// assert_eq!(v.rport(), Some(None));
/// assert_eq!(v.received(), Some("192.0.2.9"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Via<'a> {
    /// The whole `via-parm` (trimmed); every part below is a span of it.
    raw: &'a str,
    protocol_name: Span,
    protocol_version: Span,
    transport: Span,
    host: Span,
    host_kind: HostKind,
    port: Option<u16>,
    /// Where the parameter list starts (its first `;`, or the end).
    params_at: u32,
    /// The parameters RFC 3261 and RFC 3581 define, found while the list was checked.
    known: KnownParams,
}

/// The first `branch`, `received`, `rport`, `maddr` and `ttl` of a parameter list: where their
/// values lie ([`Span::NONE`] when absent; an empty span for a parameter without a value),
/// indexed by [`Known`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct KnownParams([Span; 5]);

impl Default for KnownParams {
    fn default() -> Self {
        KnownParams([Span::NONE; 5])
    }
}

impl KnownParams {
    fn get(&self, which: Known) -> Span {
        self.0.get(which as usize).copied().unwrap_or(Span::NONE)
    }

    /// Records where the value of `which` lies, unless an earlier one was recorded.
    #[inline(always)]
    fn record_first(&mut self, which: Known, value: (usize, usize)) {
        if let Some(slot) = self.0.get_mut(which as usize) {
            if !slot.is_some() {
                *slot = Span::new(value.0, value.1);
            }
        }
    }
}

impl<'a> Via<'a> {
    /// Parses one `via-parm` (one element of a comma-separated Via value), checking the
    /// grammar including every parameter: `ttl` (0-255), `maddr` (a host), `received` (an
    /// address, bracketed or not per RFC 5118 §4.5), `rport` (empty or a port), `branch` (a
    /// token).
    pub fn parse(s: &'a str) -> Result<Via<'a>, HeaderError> {
        Self::parse_item::<false>(s).map(|(via, _)| via)
    }

    /// Parses the first `via-parm` of a comma-separated list `s` and says where the comma
    /// that ends it lies (`None` when it runs to the end of `s`). The element ends at the
    /// first comma outside a quoted-string, exactly where splitting the list first would cut
    /// it, so the list is read in one pass.
    pub(crate) fn parse_list_item(s: &'a str) -> Result<(Via<'a>, Option<usize>), HeaderError> {
        Self::parse_item::<true>(s)
    }

    fn parse_item<const LIST: bool>(s: &'a str) -> Result<(Via<'a>, Option<usize>), HeaderError> {
        // Values mostly come trimmed: then there is nothing to cut.
        let raw = match (s.as_bytes().first(), s.as_bytes().last()) {
            (Some(b' ' | b'\t'), _) | (_, Some(b' ' | b'\t')) => trim_ws(s),
            _ => s,
        };
        let b = raw.as_bytes();
        // The common sent-protocol, `SIP/2.0/` then the transport, read in one compare.
        let fast_t1 = match b.first_chunk::<8>() {
            Some(w) if u64::from_le_bytes(*w) == u64::from_le_bytes(*b"SIP/2.0/") => {
                // The usual transports then the LWS, in one compare more.
                match b.get(8..12).and_then(|t| t.first_chunk::<4>()) {
                    Some(b"UDP " | b"TCP " | b"TLS ") => 11,
                    _ => skip_token(b, 8),
                }
            }
            _ => 0,
        };
        let (n, v, t) = if fast_t1 > 8 {
            ((0, 3), (4, 7), (8, fast_t1))
        } else {
            sent_protocol(b)?
        };
        let i = skip_ws(b, t.1);
        if i == t.1 {
            return Err(HeaderError::syntax(
                H,
                "sent-protocol and sent-by must be separated by LWS (RFC 3261 §20.42 via-parm)",
            ));
        }
        // sent-by = host [ COLON port ]
        let h0 = i;
        let (h1, host_kind) = if b.get(i) == Some(&b'[') {
            match b.get(i..).and_then(|r| find_byte(r, b']')) {
                Some(off) => (i + off + 1, host_kind(b.get(i..i + off + 1).unwrap_or(&[]))),
                None => {
                    return Err(HeaderError::syntax(
                        H,
                        "unterminated IPv6reference in sent-by (RFC 3261 §25.1)",
                    ))
                }
            }
        } else {
            scan_host(b, i)
        };
        // An underscore is no host octet, but it reads as a malformed host, not as junk after it.
        let host_kind = match host_kind {
            Some(k) if b.get(h1) != Some(&b'_') => k,
            _ => return Err(HeaderError::syntax(
                H,
                "sent-by host is not a hostname, IPv4address or IPv6reference (RFC 3261 §20.42)",
            )),
        };
        let mut i = skip_ws(b, h1);
        let mut port = None;
        if b.get(i) == Some(&b':') {
            let (p1, value) = scan_port(b, skip_ws(b, i + 1));
            port = Some(value.ok_or(HeaderError::Overflow {
                header: H,
                rule: "sent-by port must be 1*DIGIT within 0..=65535",
            })?);
            i = p1;
        }
        let mut known = KnownParams::default();
        let comma = check_params::<LIST>(raw, i, &mut known)?;
        let (raw, comma) = end_list_item(s, raw, comma);
        Ok((
            Via {
                raw,
                protocol_name: Span::new(n.0, n.1),
                protocol_version: Span::new(v.0, v.1),
                transport: Span::new(t.0, t.1),
                host: Span::new(h0, h1),
                host_kind,
                port,
                // Whitespace before a list comma is no part of the element.
                params_at: Span::offset_within(i, raw),
                known,
            },
            comma,
        ))
    }

    fn part(&self, span: Span) -> &'a str {
        span.of(self.raw).unwrap_or("")
    }

    /// The whole `via-parm` as written (trimmed).
    pub fn as_str(&self) -> &'a str {
        self.raw
    }

    /// `protocol-name`, normally `SIP`.
    pub fn protocol_name(&self) -> &'a str {
        self.part(self.protocol_name)
    }

    /// `protocol-version`, normally `2.0`.
    pub fn protocol_version(&self) -> &'a str {
        self.part(self.protocol_version)
    }

    /// The transport (`UDP`, `TCP`, `TLS`, `SCTP`, `WS`... or an unknown token), as written.
    pub fn transport(&self) -> &'a str {
        self.part(self.transport)
    }

    /// The sent-by host as written (IPv6 with its brackets).
    pub fn host(&self) -> &'a str {
        self.part(self.host)
    }

    /// The sent-by host, parsed.
    pub fn sent_by_host(&self) -> Host<'a> {
        // invariant: the span and kind come from the same successful scan, so this succeeds.
        Host::from_kind(self.host(), self.host_kind).unwrap_or(Host::Name(""))
    }

    /// The sent-by port, if written.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The `branch` parameter (RFC 3261 §8.1.1.7); it starts with `z9hG4bK` from RFC 3261
    /// elements.
    pub fn branch(&self) -> Option<&'a str> {
        self.known.get(Known::Branch).of(self.raw)
    }

    /// The `received` parameter (RFC 3261 §18.2.1), as written.
    pub fn received(&self) -> Option<&'a str> {
        self.known.get(Known::Received).of(self.raw)
    }

    /// The `rport` parameter (RFC 3581): `None` when absent, `Some(None)` when present without
    /// a value (a client asking for it), `Some(Some(port))` once a server filled it in.
    pub fn rport(&self) -> Option<Option<u16>> {
        self.known
            .get(Known::Rport)
            .of(self.raw)
            .map(|p| parse_u16(p.as_bytes()))
    }

    /// The `maddr` parameter.
    pub fn maddr(&self) -> Option<&'a str> {
        self.known.get(Known::Maddr).of(self.raw)
    }

    /// The `ttl` parameter.
    pub fn ttl(&self) -> Option<u8> {
        self.known
            .get(Known::Ttl)
            .of(self.raw)
            .and_then(|t| parse_u32(t.as_bytes()))
            .and_then(|t| u8::try_from(t).ok())
    }

    /// A parameter by name (ASCII case-insensitive): `None` when absent, `Some(None)` when
    /// present without a value.
    pub fn param(&self, name: &str) -> Option<Option<&'a str>> {
        find_param(self.params_raw(), name)
    }

    /// All parameters in order.
    pub fn params(&self) -> Params<'a> {
        Params::new(self.params_raw())
    }

    /// The parameter list as written, starting at its first `;` (or empty).
    pub fn params_raw(&self) -> &'a str {
        self.raw.get(self.params_at as usize..).unwrap_or("")
    }
}

/// Reads the `1*DIGIT` of a `port` from `from` while it is checked: where the digits end and
/// their value, `None` when there are none or the value exceeds 65535 (exactly the verdict of
/// `parse_u16` on the digits, without a second pass over them).
///
/// Up to seven digits are read from one word: the digit octets are found by comparing every
/// octet at once, then their value is summed in three multiplies (pairs of digits, then pairs
/// of pairs, then the two halves). Longer runs are read octet by octet.
#[inline(always)]
fn scan_port(b: &[u8], from: usize) -> (usize, Option<u16>) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let w = word_at(b, from);
    // A lane `v` (high bit cleared) is at least `lo` when `v + (0x80 - lo)` sets the high bit.
    let x7 = w & !HIGHS;
    let at_least = |lo: u8| x7 + ONES * u64::from(0x80 - lo);
    let digits = at_least(b'0') & !at_least(b'9' + 1) & !w & HIGHS;
    let n = (!digits & HIGHS).trailing_zeros() / 8;
    if n == 0 {
        return (from, None);
    }
    if n < 8 {
        // The digits moved to the top lanes, the lanes below them zero: the same number.
        let t = w << (64 - 8 * n);
        let t = ((t & (ONES * 0x0F)).wrapping_mul(10 << 8 | 1)) >> 8;
        let t = ((t & 0x00FF_00FF_00FF_00FF).wrapping_mul(100 << 16 | 1)) >> 16;
        let v = ((t & 0x0000_FFFF_0000_FFFF).wrapping_mul(10_000 << 32 | 1)) >> 32;
        return (from + n as usize, u16::try_from(v).ok());
    }
    let mut j = from;
    let mut v: u32 = 0;
    while let Some(d) = b.get(j).map(|c| c.wrapping_sub(b'0')).filter(|&d| d <= 9) {
        // Held at 65536 at most, so it never overflows; any such value is no port.
        v = (v * 10 + u32::from(d)).min(0x1_0000);
        j += 1;
    }
    (
        j,
        if j > from {
            u16::try_from(v).ok()
        } else {
            None
        },
    )
}

/// The octet ranges of a `sent-protocol`'s three tokens.
type SentProtocol = ((usize, usize), (usize, usize), (usize, usize));

/// The general `sent-protocol = protocol-name SLASH protocol-version SLASH transport`, with
/// whitespace around the slashes.
fn sent_protocol(b: &[u8]) -> Result<SentProtocol, HeaderError> {
    let token_at = |i: usize, what: &'static str| -> Result<(usize, usize), HeaderError> {
        let e = skip_token(b, i);
        if e == i {
            Err(HeaderError::syntax(H, what))
        } else {
            Ok((i, e))
        }
    };
    let slash_at = |i: usize| -> Result<usize, HeaderError> {
        let i = skip_ws(b, i);
        if b.get(i) == Some(&b'/') {
            Ok(skip_ws(b, i + 1))
        } else {
            Err(HeaderError::syntax(
                H,
                "sent-protocol must be protocol-name SLASH protocol-version SLASH transport (RFC 3261 §20.42)",
            ))
        }
    };
    let n = token_at(0, "missing protocol-name (RFC 3261 §20.42 sent-protocol)")?;
    let i = slash_at(n.1)?;
    let v = token_at(
        i,
        "missing protocol-version (RFC 3261 §20.42 sent-protocol)",
    )?;
    let i = slash_at(v.1)?;
    let t = token_at(i, "missing transport (RFC 3261 §20.42 sent-protocol)")?;
    Ok((n, v, t))
}

/// The rule a Via breaks with a `ttl`, `maddr`, `received`, `branch` or `rport` value that is
/// no such value.
const MALFORMED: &str =
    "malformed ttl/maddr/received/branch/rport parameter (RFC 3261 §20.42 via-params, RFC 3581)";

/// Which of [`KnownParams`] a parameter fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    Branch,
    Received,
    Rport,
    Maddr,
    Ttl,
}

/// One parameter of [`KnownParams`] as read and checked: which, where its value lies (an empty
/// span at the name's end without one), whether the value obeys its rule, and where the
/// parameter ends.
struct Checked {
    which: Known,
    value: (usize, usize),
    ok: bool,
    end: usize,
}

/// Checks the parameter list of `raw` from `at` in one pass: the generic grammar, then the
/// RFC 3261 §20.42 and RFC 3581 value rules of the parameters it names; records in `known`
/// where the first of each lies (an empty span for one without a value). Inlined into the
/// Via parser now that the common parameters take few instructions: the call cost more.
///
/// In a list (`LIST`), a comma where the next parameter's `;` would be ends the element: its
/// index is returned.
#[inline]
fn check_params<const LIST: bool>(
    raw: &str,
    mut at: usize,
    known: &mut KnownParams,
) -> Result<Option<usize>, HeaderError> {
    let b = raw.as_bytes();
    loop {
        let j = skip_ws(b, at);
        if LIST && b.get(j) == Some(&b',') {
            return Ok(Some(j));
        }
        // The end of the list, where param_at would find it.
        if j >= b.len() {
            return Ok(None);
        }
        // The common parameters as they are written, else the general reading.
        let checked = match common_param(b, j) {
            Some(c) => c,
            None => match general_param(b, &mut at)? {
                Some(Some(c)) => c,
                Some(None) => continue,
                None => return Ok(None),
            },
        };
        if !checked.ok {
            return Err(HeaderError::syntax(H, MALFORMED));
        }
        known.record_first(checked.which, checked.value);
        at = checked.end;
    }
}

/// Reads the parameter at `*at` by the general grammar ([`param_at`]), moving `*at` past it:
/// `None` at the end of the list, `Some(None)` for a parameter Via gives no rule, the checked
/// parameter otherwise.
#[inline(always)]
fn general_param(b: &[u8], at: &mut usize) -> Result<Option<Option<Checked>>, HeaderError> {
    let Some(p) = param_at(b, at).map_err(|rule| HeaderError::syntax(H, rule))? else {
        return Ok(None);
    };
    let name = b.get(p.name.0..p.name.1).unwrap_or(&[]);
    let (v0, v1) = p.value.unwrap_or((p.name.1, p.name.1));
    let value = b.get(v0..v1).unwrap_or(&[]);
    // Dispatch on length and first letter: only a candidate name is compared.
    let (which, ok) = match (name.len(), name.first().map(|c| c | 0x20)) {
        (6, Some(b'b')) if is_name(name, b"branch") => (Known::Branch, p.value_is_token),
        (8, Some(b'r')) if is_name(name, b"received") => (
            Known::Received,
            p.value.is_some() && Host::received_ok(value),
        ),
        (5, Some(b'r')) if is_name(name, b"rport") => (
            Known::Rport,
            p.value.is_none() || parse_u16(value).is_some(),
        ),
        (3, Some(b't')) if is_name(name, b"ttl") => {
            (Known::Ttl, parse_u32(value).is_some_and(|t| t <= 255))
        }
        (5, Some(b'm')) if is_name(name, b"maddr") => (
            Known::Maddr,
            // Host::parse's verdict: the value's octets are all ASCII.
            p.value.is_some() && host_kind(value).is_some(),
        ),
        _ => return Ok(Some(None)),
    };
    Ok(Some(Some(Checked {
        which,
        value: (v0, v1),
        ok,
        end: *at,
    })))
}

/// `;branch=`, `;received=` or `;rport` at `j` (the `;`), written the common way: the name in
/// any case, no whitespace around it or the `=`, an unquoted value. Such a parameter is read
/// here with a word compare of its name, reading its value as [`param_at`] does (so to the
/// same end) and checking it as it is read; `None` sends any other to [`general_param`].
#[inline(always)]
fn common_param(b: &[u8], j: usize) -> Option<Checked> {
    // Bit 5 folds the letters of a name onto lower case; `;` and `=` must match exactly.
    const BRANCH: u64 = u64::from_le_bytes(*b";branch=");
    const RECEIVE: u64 = u64::from_le_bytes(*b";receive");
    const RPORT: u64 = u64::from_le_bytes(*b";rport\0\0");
    const FOLD_1_6: u64 = 0x0020_2020_2020_2000;
    const FOLD_1_5: u64 = 0x0000_2020_2020_2000;
    const FOLD_7: u64 = 0x2000_0000_0000_0000;
    let w = word_at(b, j);
    if w | FOLD_1_6 == BRANCH {
        let v0 = j + 8;
        let token_end = alnum_class_run(b, v0, class::TOKEN);
        let v1 = class_run(b, token_end, class::GEN_VALUE);
        return (v1 > v0).then_some(Checked {
            which: Known::Branch,
            value: (v0, v1),
            ok: token_end == v1,
            end: v1,
        });
    }
    if w | FOLD_1_6 | FOLD_7 == RECEIVE
        && b.get(j + 8).map(|c| c | 0x20) == Some(b'd')
        && b.get(j + 9) == Some(&b'=')
    {
        // The usual address is read once, as the host it must be: the gen-value run ends
        // where it does when no value octet follows it.
        let v0 = j + 10;
        return match scan_host(b, v0) {
            (v1, Some(_)) if !b.get(v1).is_some_and(|&c| is(c, class::GEN_VALUE)) => {
                Some(Checked {
                    which: Known::Received,
                    value: (v0, v1),
                    ok: true,
                    end: v1,
                })
            }
            _ => None,
        };
    }
    if (w | FOLD_1_5) & 0xFFFF_FFFF_FFFF == RPORT {
        let after = (w >> 48) as u8;
        if after == b'=' {
            let v0 = j + 7;
            let (v1, port) = scan_port(b, v0);
            // Digits then a value octet: no port, as parse_u16 would find.
            let more = b.get(v1).is_some_and(|&c| is(c, class::GEN_VALUE));
            return (v1 > v0).then_some(Checked {
                which: Known::Rport,
                value: (v0, v1),
                ok: port.is_some() && !more,
                end: v1,
            });
        }
        // No value: the name ends here unless whitespace (maybe before a `=`) follows.
        if !is(after, class::TOKEN) && after != b' ' && after != b'\t' {
            return Some(Checked {
                which: Known::Rport,
                value: (j + 6, j + 6),
                ok: true,
                end: j + 6,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn plain() {
        let v = Via::parse("SIP/2.0/TCP t5.example.com;branch=z9hG4bK0a9idfnee").unwrap();
        assert_eq!(
            (v.protocol_name(), v.protocol_version(), v.transport()),
            ("SIP", "2.0", "TCP")
        );
        assert_eq!(v.host(), "t5.example.com");
        assert_eq!(v.port(), None);
        assert_eq!(v.branch(), Some("z9hG4bK0a9idfnee"));
        assert_eq!(v.rport(), None);
    }

    #[test]
    fn wsinv_whitespace() {
        // RFC 4475 §3.1.1.1, after unfolding.
        let v = Via::parse("SIP  /   2.0   /UDP      192.0.2.2;branch=390skdjuw").unwrap();
        assert_eq!(v.transport(), "UDP");
        assert_eq!(v.sent_by_host(), Host::Ipv4(Ipv4Addr::new(192, 0, 2, 2)));
        assert_eq!(v.branch(), Some("390skdjuw"));
        let v =
            Via::parse("SIP  / 2.0  / TCP     spindle.example.com   ;   branch  =   z9hG4bK9ikj8")
                .unwrap();
        assert_eq!(v.host(), "spindle.example.com");
        assert_eq!(v.branch(), Some("z9hG4bK9ikj8"));
    }

    #[test]
    fn ipv6_and_params() {
        let v = Via::parse("SIP/2.0/UDP [2001:db8::9:1]:6050;received=2001:db8::9:255;branch=z9hG4bKas3;rport=5061;ttl=16;maddr=224.2.0.1").unwrap();
        assert_eq!(v.host(), "[2001:db8::9:1]");
        assert_eq!(v.sent_by_host(), Host::Ipv6("2001:db8::9:1"));
        assert_eq!(v.port(), Some(6050));
        assert_eq!(v.received(), Some("2001:db8::9:255"));
        assert_eq!(v.rport(), Some(Some(5061)));
        assert_eq!(v.ttl(), Some(16));
        assert_eq!(v.maddr(), Some("224.2.0.1"));
        assert_eq!(v.param("BRANCH"), Some(Some("z9hG4bKas3")));
        assert_eq!(v.params().count(), 5);
    }

    /// The parameter check as it read every parameter before the common ones had a fast
    /// path: the general grammar, then each value rule on the value's text.
    fn check_params_reference<const LIST: bool>(
        raw: &str,
        mut at: usize,
        known: &mut KnownParams,
    ) -> Result<Option<usize>, HeaderError> {
        let b = raw.as_bytes();
        loop {
            if LIST {
                let j = skip_ws(b, at);
                if b.get(j) == Some(&b',') {
                    return Ok(Some(j));
                }
            }
            let Some(p) = param_at(b, &mut at).map_err(|rule| HeaderError::syntax(H, rule))? else {
                return Ok(None);
            };
            let name = raw
                .get(p.name.0..p.name.1)
                .unwrap_or("")
                .to_ascii_lowercase();
            let (v0, v1) = p.value.unwrap_or((p.name.1, p.name.1));
            let text = raw.get(v0..v1).unwrap_or("");
            let (which, ok) = match name.as_str() {
                "branch" => (Known::Branch, p.value_is_token),
                "received" => (
                    Known::Received,
                    p.value.is_some() && Host::parse_received(text).is_some(),
                ),
                "rport" => (
                    Known::Rport,
                    p.value.is_none() || parse_u16(text.as_bytes()).is_some(),
                ),
                "ttl" => (
                    Known::Ttl,
                    parse_u32(text.as_bytes()).is_some_and(|t| t <= 255),
                ),
                "maddr" => (
                    Known::Maddr,
                    p.value.is_some() && Host::parse(text).is_some(),
                ),
                _ => continue,
            };
            if !ok {
                return Err(HeaderError::syntax(H, MALFORMED));
            }
            let slot = &mut known.0[which as usize];
            if !slot.is_some() {
                *slot = Span::new(v0, v1);
            }
        }
    }

    /// Both readings of one parameter list, in and out of a list.
    fn assert_checks_agree(list: &str) {
        let (mut fast, mut slow) = (KnownParams::default(), KnownParams::default());
        let got = check_params::<true>(list, 0, &mut fast);
        let want = check_params_reference::<true>(list, 0, &mut slow);
        assert_eq!((got, fast), (want, slow), "in a list: {list:?}");
        let (mut fast, mut slow) = (KnownParams::default(), KnownParams::default());
        let got = check_params::<false>(list, 0, &mut fast);
        let want = check_params_reference::<false>(list, 0, &mut slow);
        assert_eq!((got, fast), (want, slow), "alone: {list:?}");
    }

    #[test]
    fn common_params_read_as_the_general_grammar() {
        let pieces = [
            ";branch=z9hG4bK74bf9a8e2c1d",
            ";BrAnCh=z9hG4bK.1",
            ";branch=a:b",
            ";branch=[x]",
            ";branch = x",
            ";branch= x",
            ";branch=\"z9\"",
            ";branch=\"a b\"",
            ";branch=",
            ";branch",
            ";branchx=1",
            ";branc=1",
            ";received=198.51.100.20",
            ";RECEIVED=192.0.2.1",
            ";received=192.0.2.1.",
            ";received=1.2.3.4:5",
            ";received=1.2.3.4_",
            ";received=300.1.1.1",
            ";received=1.2.3",
            ";received=proxy.example.com",
            ";received=a-.com",
            ";received=[2001:db8::9:255]",
            ";received=2001:db8::9:255",
            ";received=::ffff:192.0.2.1",
            ";received=\"192.0.2.1\"",
            ";received= 192.0.2.1",
            ";received =192.0.2.1",
            ";received=",
            ";received",
            ";receivedx=1",
            ";rport",
            ";RPORT",
            ";rport=5060",
            ";rport=065535",
            ";rport=65536",
            ";rport=50x",
            ";rport=5:0",
            ";rport=\"5060\"",
            ";rport=",
            ";rport =1",
            ";rport= 1",
            ";rport\t",
            ";rportx",
            ";rport-1",
            ";ttl=16",
            ";ttl=256",
            ";maddr=224.2.0.1",
            ";maddr=[::1]",
            ";maddr=a..b",
            ";lr",
            ";x=\"a,b\"",
            " ; branch=z9",
            ",",
            " , ",
            ";",
            ";;",
            "x",
            " ",
            "\u{e9}",
        ];
        for a in pieces {
            for b2 in pieces {
                let list = format!("{a}{b2}");
                // Cut at every octet, so each piece also ends the list (the word reads
                // near the end of the text).
                for cut in 0..=list.len() {
                    if let Some(l) = list.get(..cut) {
                        assert_checks_agree(l);
                    }
                }
            }
        }
        for c in 0..=255u8 {
            for name in [";branch=1", ";received=1.2.3.4", ";rport=1", ";rport"] {
                let mut v = name.as_bytes().to_vec();
                v.push(c);
                v.extend_from_slice(b";ttl=1");
                if let Ok(l) = core::str::from_utf8(&v) {
                    assert_checks_agree(l);
                }
                for at in 0..name.len() {
                    let mut v = name.as_bytes().to_vec();
                    v[at] = c;
                    if let Ok(l) = core::str::from_utf8(&v) {
                        assert_checks_agree(l);
                    }
                }
            }
        }
    }

    #[test]
    fn scan_port_reads_as_parse_u16() {
        let mut cases: Vec<String> = (0..=70_000u32).step_by(7).map(|v| v.to_string()).collect();
        for v in [
            "",
            "0",
            "00000",
            "65535",
            "65536",
            "065535",
            "0000065536",
            "99999",
        ] {
            cases.push(v.to_string());
        }
        for v in ["100000", "4294967296", "18446744073709551617", "5060", "1"] {
            for zeros in 0..4 {
                cases.push(format!("{}{v}", "0".repeat(zeros)));
            }
        }
        for digits in cases {
            // Octets either side of the digits, ones with the high bit set (a digit below it),
            // and the end.
            let stops: [&[u8]; 9] = [b"", b";", b"a", b" ", b"/", b":", b"\xb5", b"\xb0;", b"\0"];
            for stop in stops {
                let b = [b"x", digits.as_bytes(), stop].concat();
                assert_eq!(
                    scan_port(&b, 1),
                    (1 + digits.len(), parse_u16(digits.as_bytes())),
                    "{b:?}"
                );
            }
        }
    }

    #[test]
    fn rejects() {
        for bad in [
            "SIP/2.0/UDP 192.0.2.15;;",
            "SIP/2.0/UDP 192.0.2.15;",
            "",
            "SIP/2.0 host",
            "SIP/2.0/UDPhost",
            "SIP/2.0/UDP host:70000",
            "SIP/2.0/UDP host;ttl=256",
            "SIP/2.0/UDP host;rport=x",
            "SIP/2.0/UDP host;received=",
            "SIP/2.0/UDP [::1",
            "SIP/2.0/UDP host extra",
        ] {
            assert!(Via::parse(bad).is_err(), "{bad:?} accepted");
        }
        let e = Via::parse("SIP/2.0/UDP 192.0.2.15;;").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Via: empty parameter name (RFC 3261 §25.1 generic-param = token [ EQUAL gen-value ])"
        );
    }
}
