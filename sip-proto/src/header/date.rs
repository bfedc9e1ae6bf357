//! The Date header (RFC 3261 §20.17): an RFC 1123 date that MUST be in GMT.
//!
//! ```text
//! Date          = "Date" HCOLON SIP-date
//! SIP-date      = rfc1123-date
//! rfc1123-date  = wkday "," SP date1 SP time SP "GMT"
//! date1         = 2DIGIT SP month SP 4DIGIT
//! time          = 2DIGIT ":" 2DIGIT ":" 2DIGIT
//! ```

use super::HeaderError;

const WKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A parsed SIP-date, fields as written (no calendar arithmetic: the stack has no clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpDate {
    /// Year.
    pub year: u16,
    /// Month, 1..=12.
    pub month: u8,
    /// Day of month, 1..=31.
    pub day: u8,
    /// Hour, 0..=23.
    pub hour: u8,
    /// Minute, 0..=59.
    pub minute: u8,
    /// Second, 0..=60 (leap second).
    pub second: u8,
}

fn two(b: &[u8]) -> Option<u8> {
    match b {
        [a, c] if a.is_ascii_digit() && c.is_ascii_digit() => Some((a - b'0') * 10 + (c - b'0')),
        _ => None,
    }
}

impl HttpDate {
    /// Parses `rfc1123-date`; anything but the `GMT` zone is an error (§20.17, RFC 4475
    /// §3.1.2.12).
    pub fn parse(s: &str) -> Result<HttpDate, HeaderError> {
        let err = || {
            HeaderError::syntax(
                "Date",
                "must be rfc1123-date: wkday \",\" SP 2DIGIT SP month SP 4DIGIT SP HH:MM:SS SP \"GMT\" (RFC 3261 §20.17)",
            )
        };
        let t = s.trim_matches([' ', '\t']);
        let b = t.as_bytes();
        if b.len() != 29 {
            return Err(err());
        }
        let at = |r: core::ops::Range<usize>| b.get(r).unwrap_or(&[]);
        let wk = t.get(0..3).ok_or_else(err)?;
        if !WKDAYS.contains(&wk) || at(3..5) != b", " {
            return Err(err());
        }
        let day = two(at(5..7)).ok_or_else(err)?;
        let mon = t.get(8..11).ok_or_else(err)?;
        let month = MONTHS.iter().position(|m| *m == mon).ok_or_else(err)?;
        let year_hi = two(at(12..14)).ok_or_else(err)?;
        let year_lo = two(at(14..16)).ok_or_else(err)?;
        let hour = two(at(17..19)).ok_or_else(err)?;
        let minute = two(at(20..22)).ok_or_else(err)?;
        let second = two(at(23..25)).ok_or_else(err)?;
        let seps_ok = at(7..8) == b" "
            && at(11..12) == b" "
            && at(16..17) == b" "
            && at(19..20) == b":"
            && at(22..23) == b":"
            && at(25..29) == b" GMT";
        if !seps_ok || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
            return Err(err());
        }
        Ok(HttpDate {
            year: u16::from(year_hi) * 100 + u16::from(year_lo),
            month: u8::try_from(month + 1).map_err(|_| err())?,
            day,
            hour,
            minute,
            second,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmt_only() {
        assert_eq!(
            HttpDate::parse("Sat, 13 Nov 2010 23:29:00 GMT"),
            Ok(HttpDate {
                year: 2010,
                month: 11,
                day: 13,
                hour: 23,
                minute: 29,
                second: 0
            })
        );
        assert!(HttpDate::parse("Fri, 01 Jan 2010 16:00:00 EST").is_err());
        assert!(HttpDate::parse("Fri, 1 Jan 2010 16:00:00 GMT").is_err());
        assert!(HttpDate::parse("Fri, 01 Foo 2010 16:00:00 GMT").is_err());
        assert!(HttpDate::parse("").is_err());
    }
}
