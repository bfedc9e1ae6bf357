//! A small reader for pcap and pcapng captures, down to UDP payloads.
//!
//! Link types: Ethernet (with 802.1Q tags), Linux cooked v1 and v2, raw IP, BSD loopback.
//! Network: IPv4 (first fragments only) and IPv6 (skipping the common extension headers).
//! Anything else is counted as skipped; anything truncated as malformed. Nothing panics on
//! a bad file: every read is checked.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// One UDP datagram from the capture.
#[derive(Debug, Clone, Copy)]
pub struct Datagram<'a> {
    /// Capture time in nanoseconds since the Unix epoch (integer, so that arrival deltas
    /// keep full precision).
    pub time_ns: u64,
    /// Source address and port.
    pub src: SocketAddr,
    /// Destination address and port.
    pub dst: SocketAddr,
    /// The UDP payload.
    pub payload: &'a [u8],
}

/// What the reader could not use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaptureCounts {
    /// Frames read.
    pub frames: u64,
    /// Frames that are not UDP over IP (ARP, TCP, unknown link types, later fragments).
    pub skipped: u64,
    /// Frames or blocks cut short or inconsistent.
    pub malformed: u64,
}

/// Why a file could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureError {
    /// Neither a pcap nor a pcapng magic number.
    UnknownFormat,
    /// The file header is cut short.
    Truncated,
}

impl std::fmt::Display for CaptureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownFormat => write!(f, "not a pcap or pcapng file (unknown magic number)"),
            Self::Truncated => write!(f, "the capture's file header is truncated"),
        }
    }
}

const LINKTYPE_NULL: u32 = 0;
const LINKTYPE_ETHERNET: u32 = 1;
const LINKTYPE_RAW: u32 = 101;
const LINKTYPE_LINUX_SLL: u32 = 113;
const LINKTYPE_IPV4: u32 = 228;
const LINKTYPE_IPV6: u32 = 229;
const LINKTYPE_LINUX_SLL2: u32 = 276;

#[derive(Clone, Copy)]
struct Endian(bool); // true: big-endian

impl Endian {
    fn u16(self, b: &[u8], at: usize) -> Option<u16> {
        let s: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
        Some(if self.0 {
            u16::from_be_bytes(s)
        } else {
            u16::from_le_bytes(s)
        })
    }

    fn u32(self, b: &[u8], at: usize) -> Option<u32> {
        let s: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        Some(if self.0 {
            u32::from_be_bytes(s)
        } else {
            u32::from_le_bytes(s)
        })
    }
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Endian(true).u16(b, at)
}

/// Reads every UDP datagram in `file`, calling `f` for each, and returns the counts.
pub fn read_capture(
    file: &[u8],
    mut f: impl FnMut(Datagram<'_>),
) -> Result<CaptureCounts, CaptureError> {
    let magic: [u8; 4] = file
        .get(..4)
        .and_then(|m| m.try_into().ok())
        .ok_or(CaptureError::Truncated)?;
    let mut counts = CaptureCounts::default();
    match magic {
        [0xa1, 0xb2, 0xc3, 0xd4]
        | [0xd4, 0xc3, 0xb2, 0xa1]
        | [0xa1, 0xb2, 0x3c, 0x4d]
        | [0x4d, 0x3c, 0xb2, 0xa1] => read_pcap(file, &mut counts, &mut f)?,
        [0x0a, 0x0d, 0x0d, 0x0a] => read_pcapng(file, &mut counts, &mut f),
        _ => return Err(CaptureError::UnknownFormat),
    }
    Ok(counts)
}

fn read_pcap(
    file: &[u8],
    counts: &mut CaptureCounts,
    f: &mut impl FnMut(Datagram<'_>),
) -> Result<(), CaptureError> {
    let big = file.first() == Some(&0xa1);
    let e = Endian(big);
    let nanos = matches!(
        file.get(..4),
        Some([0xa1, 0xb2, 0x3c, 0x4d]) | Some([0x4d, 0x3c, 0xb2, 0xa1])
    );
    let linktype = e.u32(file, 20).ok_or(CaptureError::Truncated)? & 0x0fff_ffff;
    let frac_ns: u64 = if nanos { 1 } else { 1000 };
    let mut at = 24;
    while at < file.len() {
        let (Some(sec), Some(frac), Some(incl)) =
            (e.u32(file, at), e.u32(file, at + 4), e.u32(file, at + 8))
        else {
            counts.malformed += 1;
            return Ok(());
        };
        let start = at + 16;
        let Some(data) = file.get(start..start + incl as usize) else {
            counts.malformed += 1;
            return Ok(());
        };
        at = start + incl as usize;
        counts.frames += 1;
        let time_ns = u64::from(sec) * 1_000_000_000 + u64::from(frac) * frac_ns;
        decode_link(linktype, time_ns, data, counts, f);
    }
    Ok(())
}

fn read_pcapng(file: &[u8], counts: &mut CaptureCounts, f: &mut impl FnMut(Datagram<'_>)) {
    // (link type, timestamp resolution) of each interface in the current section.
    let mut interfaces: Vec<(u32, Resolution)> = Vec::new();
    let mut e = Endian(false);
    let mut at = 0;
    while at + 12 <= file.len() {
        let Some(kind) = e.u32(file, at) else { break };
        if kind == 0x0a0d_0d0a {
            // Section header: the byte-order magic fixes the endianness of what follows.
            e = match file.get(at + 8..at + 12) {
                Some([0x1a, 0x2b, 0x3c, 0x4d]) => Endian(true),
                Some([0x4d, 0x3c, 0x2b, 0x1a]) => Endian(false),
                _ => {
                    counts.malformed += 1;
                    return;
                }
            };
            interfaces.clear();
        }
        let Some(len) = e.u32(file, at + 4).map(|l| l as usize) else {
            break;
        };
        if len < 12 || len % 4 != 0 {
            counts.malformed += 1;
            return;
        }
        let Some(body) = file.get(at + 8..at + len - 4) else {
            counts.malformed += 1;
            return;
        };
        match kind {
            1 => {
                let linktype = e.u16(body, 0).map_or(u32::MAX, u32::from);
                interfaces.push((linktype, if_tsresol(e, body.get(8..).unwrap_or(&[]))));
            }
            6 => {
                counts.frames += 1;
                let (Some(id), Some(hi), Some(lo), Some(cap)) = (
                    e.u32(body, 0),
                    e.u32(body, 4),
                    e.u32(body, 8),
                    e.u32(body, 12),
                ) else {
                    counts.malformed += 1;
                    at += len;
                    continue;
                };
                let Some(&(linktype, unit)) = interfaces.get(id as usize) else {
                    counts.malformed += 1;
                    at += len;
                    continue;
                };
                let Some(data) = body.get(20..20 + cap as usize) else {
                    counts.malformed += 1;
                    at += len;
                    continue;
                };
                let ticks = (u64::from(hi) << 32) | u64::from(lo);
                decode_link(linktype, unit.to_ns(ticks), data, counts, f);
            }
            3 => {
                // Simple packet block: no timestamp, so it cannot feed jitter; count it.
                counts.frames += 1;
                counts.skipped += 1;
            }
            _ => {}
        }
        at += len;
    }
}

/// A pcapng timestamp unit: 10^-k or 2^-k seconds (`if_tsresol`).
#[derive(Debug, Clone, Copy)]
enum Resolution {
    Decimal(u32),
    Binary(u32),
}

impl Resolution {
    fn to_ns(self, ticks: u64) -> u64 {
        let ticks = u128::from(ticks);
        let ns = match self {
            Self::Decimal(k) if k <= 9 => ticks * 10u128.pow(9 - k),
            Self::Decimal(k) => ticks / 10u128.pow((k - 9).min(38)),
            Self::Binary(k) => (ticks * 1_000_000_000) >> k.min(127),
        };
        u64::try_from(ns).unwrap_or(u64::MAX)
    }
}

/// The `if_tsresol` option (code 9) of an interface description, default microseconds.
fn if_tsresol(e: Endian, mut options: &[u8]) -> Resolution {
    while let (Some(code), Some(len)) = (e.u16(options, 0), e.u16(options, 2)) {
        let len = usize::from(len);
        if code == 0 {
            break;
        }
        if code == 9 && len >= 1 {
            if let Some(&v) = options.get(4) {
                let exp = u32::from(v & 0x7f);
                return if v & 0x80 != 0 {
                    Resolution::Binary(exp)
                } else {
                    Resolution::Decimal(exp)
                };
            }
        }
        let step = 4 + len.div_ceil(4) * 4;
        match options.get(step..) {
            Some(rest) => options = rest,
            None => break,
        }
    }
    Resolution::Decimal(6)
}

fn decode_link(
    linktype: u32,
    time_ns: u64,
    data: &[u8],
    counts: &mut CaptureCounts,
    f: &mut impl FnMut(Datagram<'_>),
) {
    let ip = match linktype {
        LINKTYPE_ETHERNET => {
            let mut ethertype = be16(data, 12);
            let mut at = 14;
            while matches!(ethertype, Some(0x8100) | Some(0x88a8)) {
                ethertype = be16(data, at + 2);
                at += 4;
            }
            match ethertype {
                Some(0x0800) | Some(0x86dd) => data.get(at..),
                Some(_) => {
                    counts.skipped += 1;
                    return;
                }
                None => None,
            }
        }
        LINKTYPE_LINUX_SLL => match be16(data, 14) {
            Some(0x0800) | Some(0x86dd) => data.get(16..),
            Some(_) => {
                counts.skipped += 1;
                return;
            }
            None => None,
        },
        LINKTYPE_LINUX_SLL2 => match be16(data, 0) {
            Some(0x0800) | Some(0x86dd) => data.get(20..),
            Some(_) => {
                counts.skipped += 1;
                return;
            }
            None => None,
        },
        LINKTYPE_NULL => data.get(4..),
        LINKTYPE_RAW | LINKTYPE_IPV4 | LINKTYPE_IPV6 => Some(data),
        _ => {
            counts.skipped += 1;
            return;
        }
    };
    let Some(ip) = ip else {
        counts.malformed += 1;
        return;
    };
    match decode_ip(ip) {
        Ip::Udp(src, dst, payload) => f(Datagram {
            time_ns,
            src,
            dst,
            payload,
        }),
        Ip::Other => counts.skipped += 1,
        Ip::Malformed => counts.malformed += 1,
    }
}

enum Ip<'a> {
    Udp(SocketAddr, SocketAddr, &'a [u8]),
    Other,
    Malformed,
}

fn decode_ip(ip: &[u8]) -> Ip<'_> {
    let Some(&first) = ip.first() else {
        return Ip::Malformed;
    };
    let (src, dst, proto, l4) = match first >> 4 {
        4 => {
            let ihl = usize::from(first & 0x0f) * 4;
            let (Some(total), Some(frag), Some(&proto)) = (be16(ip, 2), be16(ip, 6), ip.get(9))
            else {
                return Ip::Malformed;
            };
            let (Some(s), Some(d)) = (ip.get(12..16), ip.get(16..20)) else {
                return Ip::Malformed;
            };
            if frag & 0x1fff != 0 {
                return Ip::Other; // a later fragment
            }
            let end = usize::from(total).min(ip.len());
            let Some(l4) = ip.get(ihl..end) else {
                return Ip::Malformed;
            };
            let s: [u8; 4] = s.try_into().unwrap_or_default();
            let d: [u8; 4] = d.try_into().unwrap_or_default();
            (
                IpAddr::from(Ipv4Addr::from(s)),
                IpAddr::from(Ipv4Addr::from(d)),
                proto,
                l4,
            )
        }
        6 => {
            let (Some(plen), Some(&next), Some(s), Some(d)) =
                (be16(ip, 4), ip.get(6), ip.get(8..24), ip.get(24..40))
            else {
                return Ip::Malformed;
            };
            let end = (40 + usize::from(plen)).min(ip.len());
            let Some(mut l4) = ip.get(40..end) else {
                return Ip::Malformed;
            };
            let mut next = next;
            // Hop-by-hop, routing and destination options: skip to the transport header.
            while matches!(next, 0 | 43 | 60) {
                let (Some(&n), Some(&len)) = (l4.first(), l4.get(1)) else {
                    return Ip::Malformed;
                };
                let Some(rest) = l4.get((usize::from(len) + 1) * 8..) else {
                    return Ip::Malformed;
                };
                next = n;
                l4 = rest;
            }
            let s: [u8; 16] = s.try_into().unwrap_or_default();
            let d: [u8; 16] = d.try_into().unwrap_or_default();
            (
                IpAddr::from(Ipv6Addr::from(s)),
                IpAddr::from(Ipv6Addr::from(d)),
                next,
                l4,
            )
        }
        _ => return Ip::Malformed,
    };
    if proto != 17 {
        return Ip::Other;
    }
    let (Some(sport), Some(dport), Some(ulen)) = (be16(l4, 0), be16(l4, 2), be16(l4, 4)) else {
        return Ip::Malformed;
    };
    let end = usize::from(ulen).min(l4.len());
    let Some(payload) = l4.get(8..end) else {
        return Ip::Malformed;
    };
    Ip::Udp(
        SocketAddr::new(src, sport),
        SocketAddr::new(dst, dport),
        payload,
    )
}
