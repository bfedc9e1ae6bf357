//! The `o=` line (RFC 8866 §5.2).
//!
//! ```text
//! origin-field = %s"o" "=" username SP sess-id SP sess-version SP
//!                nettype SP addrtype SP unicast-address CRLF
//! sess-id      = 1*DIGIT
//! sess-version = 1*DIGIT
//! ```

use core::fmt;
use std::net::IpAddr;

use super::connection::{Address, AddressType};
use super::parse::{fields, number};

/// The originator and session identifier (RFC 8866 §5.2).
///
/// `session_id` and `session_version` are numeric strings in the grammar; this crate reads
/// them as `u64`, which holds the NTP-timestamp values RFC 8866 suggests. RFC 3264 §8 makes
/// the version grow by one with every modified offer or answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Origin<'a> {
    /// `<username>`: the originating user's login, or `-`.
    pub username: &'a str,
    /// `<sess-id>`.
    pub session_id: u64,
    /// `<sess-version>`.
    pub session_version: u64,
    /// `<nettype>`, `IN` for the Internet.
    pub nettype: &'a str,
    /// `<addrtype>`.
    pub addrtype: AddressType<'a>,
    /// `<unicast-address>` of the machine that created the description.
    pub address: Address<'a>,
}

impl<'a> Origin<'a> {
    /// An origin with username `-` for a local IP address.
    pub fn new(session_id: u64, session_version: u64, ip: IpAddr) -> Origin<'static> {
        Origin {
            username: "-",
            session_id,
            session_version,
            nettype: "IN",
            addrtype: AddressType::of(ip),
            address: Address::Ip(ip),
        }
    }

    /// Parses the value of an `o=` line.
    pub fn parse(value: &'a str) -> Result<Self, &'static str> {
        let mut it = fields(value);
        let (Some(user), Some(id), Some(ver), Some(net), Some(at), Some(addr), None) = (
            it.next(),
            it.next(),
            it.next(),
            it.next(),
            it.next(),
            it.next(),
            it.next(),
        ) else {
            return Err("expected `<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>`");
        };
        Ok(Origin {
            username: user,
            session_id: number(id).ok_or("sess-id is not a decimal number below 2^64")?,
            session_version: number(ver)
                .ok_or("sess-version is not a decimal number below 2^64")?,
            nettype: net,
            addrtype: AddressType::from_token(at),
            address: Address::from_token(addr),
        })
    }
}

impl fmt::Display for Origin<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {} {}",
            self.username,
            self.session_id,
            self.session_version,
            self.nettype,
            self.addrtype,
            self.address
        )
    }
}
