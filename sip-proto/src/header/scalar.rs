//! Single-number headers: Max-Forwards (§20.22), Content-Length (§20.14), Expires (§20.19).
//!
//! Overflow is an error, never a wrap or a clamp (RFC 4475 §3.1.2.4 tests exactly this).

use super::HeaderError;
use crate::uri::chars::parse_u32;

/// Reads `1*DIGIT` from a trimmed value, telling "not a number" from "too big".
fn digits(
    header: &'static str,
    s: &str,
    max: u32,
    syntax: &'static str,
    overflow: &'static str,
) -> Result<u32, HeaderError> {
    let t = s.trim_matches([' ', '\t']);
    if t.is_empty() || !t.bytes().all(|c| c.is_ascii_digit()) {
        return Err(HeaderError::syntax(header, syntax));
    }
    match parse_u32(t.as_bytes()) {
        Some(v) if v <= max => Ok(v),
        _ => Err(HeaderError::Overflow {
            header,
            rule: overflow,
        }),
    }
}

/// `Max-Forwards = "Max-Forwards" HCOLON 1*DIGIT`, 0..=255 (RFC 3261 §20.22, §8.1.1.6).
pub fn parse_max_forwards(s: &str) -> Result<u8, HeaderError> {
    let v = digits(
        "Max-Forwards",
        s,
        255,
        "must be 1*DIGIT (RFC 3261 §20.22)",
        "Max-Forwards must be 0..=255 (RFC 3261 §20.22)",
    )?;
    u8::try_from(v).map_err(|_| HeaderError::Overflow {
        header: "Max-Forwards",
        rule: "Max-Forwards must be 0..=255 (RFC 3261 §20.22)",
    })
}

/// `Content-Length = ( "Content-Length" / "l" ) HCOLON 1*DIGIT` (RFC 3261 §20.14); a negative
/// value is a syntax error, one above 2^32-1 an overflow.
pub fn parse_content_length(s: &str) -> Result<u32, HeaderError> {
    if s.trim_start_matches([' ', '\t']).starts_with('-') {
        return Err(HeaderError::syntax(
            "Content-Length",
            "must not be negative (RFC 3261 §20.14 Content-Length = 1*DIGIT)",
        ));
    }
    digits(
        "Content-Length",
        s,
        u32::MAX,
        "must be 1*DIGIT (RFC 3261 §20.14)",
        "Content-Length must fit 32 bits (RFC 3261 §20.14)",
    )
}

/// `delta-seconds = 1*DIGIT`, 0..=2^32-1 (RFC 3261 §20.19 Expires, §20.33 Retry-After).
pub fn parse_delta_seconds(header: &'static str, s: &str) -> Result<u32, HeaderError> {
    digits(
        header,
        s,
        u32::MAX,
        "must be delta-seconds = 1*DIGIT (RFC 3261 §25.1)",
        "delta-seconds must be 0..=2^32-1 (RFC 3261 §20.19)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_max_forwards(" 0068 "), Ok(68));
        assert_eq!(parse_max_forwards("255"), Ok(255));
        assert!(matches!(
            parse_max_forwards("300"),
            Err(HeaderError::Overflow { .. })
        ));
        assert!(matches!(
            parse_max_forwards("7a"),
            Err(HeaderError::Syntax { .. })
        ));
        assert_eq!(parse_content_length("150"), Ok(150));
        assert_eq!(parse_content_length("4294967295"), Ok(u32::MAX));
        assert!(matches!(
            parse_content_length("4294967296"),
            Err(HeaderError::Overflow { .. })
        ));
        assert_eq!(
            parse_content_length("-999").unwrap_err().to_string(),
            "Content-Length: must not be negative (RFC 3261 §20.14 Content-Length = 1*DIGIT)"
        );
        assert!(parse_content_length("").is_err());
        assert_eq!(parse_delta_seconds("Expires", "3600"), Ok(3600));
        assert!(matches!(
            parse_delta_seconds("Expires", "10000000000000000000000"),
            Err(HeaderError::Overflow { .. })
        ));
    }
}
