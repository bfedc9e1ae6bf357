//! Connection data: `c=` lines (RFC 8866 §5.7) and the address types they share with `o=`
//! and `a=rtcp`.
//!
//! ```text
//! connection-field =  [%s"c" "=" nettype SP addrtype SP connection-address CRLF]
//! connection-address =  multicast-address / unicast-address
//! IP4-multicast  = m1 3( "." decimal-uchar ) "/" ttl [ "/" numaddr ]
//! IP6-multicast  = IP6-address [ "/" numaddr ]
//! ```

use core::fmt;
use std::net::IpAddr;

use super::parse::{fields, number};

/// The `<addrtype>` of `c=`, `o=` and `a=rtcp` (RFC 8866 §5.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddressType<'a> {
    /// `IP4`.
    Ip4,
    /// `IP6`.
    Ip6,
    /// Any other token, kept as written (compared case-sensitively, as RFC 8866 §5.7 registers
    /// `IP4` and `IP6` in upper case).
    Other(&'a str),
}

impl<'a> AddressType<'a> {
    /// Parses an `<addrtype>` token.
    pub fn from_token(s: &'a str) -> Self {
        match s {
            "IP4" => AddressType::Ip4,
            "IP6" => AddressType::Ip6,
            other => AddressType::Other(other),
        }
    }

    /// The address type matching an IP address.
    pub fn of(ip: IpAddr) -> AddressType<'static> {
        match ip {
            IpAddr::V4(_) => AddressType::Ip4,
            IpAddr::V6(_) => AddressType::Ip6,
        }
    }
}

impl fmt::Display for AddressType<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AddressType::Ip4 => "IP4",
            AddressType::Ip6 => "IP6",
            AddressType::Other(s) => s,
        })
    }
}

/// A unicast or multicast address as written in SDP: an IP literal, or anything else
/// (a fully qualified domain name, RFC 8866 §5.7 `FQDN`, or an extension address).
///
/// This crate never resolves names (it is sans-IO); [`Address::Name`] is handed to the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Address<'a> {
    /// An IPv4 or IPv6 literal.
    Ip(IpAddr),
    /// Anything that is not an IP literal, kept as written.
    Name(&'a str),
}

impl<'a> Address<'a> {
    /// Parses an address token: an IP literal if it is one, a name otherwise.
    pub fn from_token(s: &'a str) -> Self {
        match s.parse::<IpAddr>() {
            Ok(ip) => Address::Ip(ip),
            Err(_) => Address::Name(s),
        }
    }

    /// The IP address, if this is an IP literal.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Address::Ip(ip) => Some(*ip),
            Address::Name(_) => None,
        }
    }

    /// True for `0.0.0.0` and `::`, which RFC 3264 §8.4 (citing RFC 2543) reads as "do not
    /// send media to me", the old way of putting a call on hold.
    pub fn is_unspecified(&self) -> bool {
        self.ip().is_some_and(|ip| ip.is_unspecified())
    }
}

impl fmt::Display for Address<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Ip(ip) => write!(f, "{ip}"),
            Address::Name(s) => f.write_str(s),
        }
    }
}

/// A `c=` line (RFC 8866 §5.7), also the optional address part of `a=rtcp` (RFC 3605 §2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Connection<'a> {
    /// `<nettype>`: `IN` for the Internet.
    pub nettype: &'a str,
    /// `<addrtype>`.
    pub addrtype: AddressType<'a>,
    /// The base address.
    pub address: Address<'a>,
    /// IPv4 multicast TTL (`/ttl` suffix); only written for [`AddressType::Ip4`].
    pub ttl: Option<u8>,
    /// Number of multicast addresses (`/numaddr` suffix). For `IP4` it is written only
    /// together with a TTL, as the grammar requires.
    pub num_addresses: Option<u32>,
}

impl<'a> Connection<'a> {
    /// A plain unicast `IN IP4`/`IN IP6` connection for an IP address.
    pub fn ip(ip: IpAddr) -> Connection<'static> {
        Connection {
            nettype: "IN",
            addrtype: AddressType::of(ip),
            address: Address::Ip(ip),
            ttl: None,
            num_addresses: None,
        }
    }

    /// Parses the value of a `c=` line: `<nettype> <addrtype> <connection-address>`.
    pub fn parse(value: &'a str) -> Result<Self, &'static str> {
        let mut it = fields(value);
        let (Some(nettype), Some(addrtype), Some(addr), None) =
            (it.next(), it.next(), it.next(), it.next())
        else {
            return Err("expected `<nettype> <addrtype> <connection-address>`");
        };
        Self::from_parts(nettype, addrtype, addr)
    }

    /// Builds a connection from its three tokens, splitting `/ttl/numaddr` suffixes for
    /// `IP4` and `/numaddr` for `IP6` (RFC 8866 §5.7). Other address types keep the address
    /// whole.
    pub(crate) fn from_parts(
        nettype: &'a str,
        addrtype: &'a str,
        addr: &'a str,
    ) -> Result<Self, &'static str> {
        let addrtype = AddressType::from_token(addrtype);
        let mut ttl = None;
        let mut num_addresses = None;
        let base = match addrtype {
            AddressType::Ip4 => {
                let mut parts = addr.split('/');
                let base = parts.next().unwrap_or(addr);
                if let Some(t) = parts.next() {
                    ttl = Some(number::<u8>(t).ok_or("the multicast TTL is not 0..=255")?);
                }
                if let Some(n) = parts.next() {
                    num_addresses = Some(number::<u32>(n).ok_or("bad number of addresses")?);
                }
                if parts.next().is_some() {
                    return Err("too many `/` parts in the connection address");
                }
                base
            }
            AddressType::Ip6 => match addr.split_once('/') {
                Some((base, n)) => {
                    num_addresses = Some(number::<u32>(n).ok_or("bad number of addresses")?);
                    base
                }
                None => addr,
            },
            AddressType::Other(_) => addr,
        };
        if base.is_empty() {
            return Err("the connection address is empty");
        }
        Ok(Connection {
            nettype,
            addrtype,
            address: Address::from_token(base),
            ttl,
            num_addresses,
        })
    }
}

impl fmt::Display for Connection<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.nettype, self.addrtype, self.address)?;
        match self.addrtype {
            AddressType::Ip4 => {
                if let Some(ttl) = self.ttl {
                    write!(f, "/{ttl}")?;
                    if let Some(n) = self.num_addresses {
                        write!(f, "/{n}")?;
                    }
                }
            }
            AddressType::Ip6 => {
                if let Some(n) = self.num_addresses {
                    write!(f, "/{n}")?;
                }
            }
            AddressType::Other(_) => {}
        }
        Ok(())
    }
}
