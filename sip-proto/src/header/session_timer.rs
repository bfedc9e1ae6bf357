//! Session timers (RFC 4028 §4): Session-Expires and Min-SE.
//!
//! ```text
//! Session-Expires = ("Session-Expires" / "x") HCOLON delta-seconds *(SEMI se-params)
//! se-params       = refresher-param / generic-param
//! refresher-param = "refresher" EQUAL ("uas" / "uac")
//! Min-SE          = "Min-SE" HCOLON delta-seconds *(SEMI generic-param)
//! ```

use super::params::{trim_ws, Params};
use super::{parse_delta_seconds, HeaderError};

/// Who refreshes the session (RFC 4028 §7.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresher {
    /// The UAC (`refresher=uac`).
    Uac,
    /// The UAS (`refresher=uas`).
    Uas,
}

/// A parsed Session-Expires. Borrowed from the message.
///
/// ```
/// use sip_proto::header::{Refresher, SessionExpires};
/// let se = SessionExpires::parse("1800;refresher=uac")?;
/// assert_eq!((se.delta_seconds, se.refresher), (1800, Some(Refresher::Uac)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionExpires<'a> {
    /// The session interval in seconds.
    pub delta_seconds: u32,
    /// The `refresher` parameter, if present.
    pub refresher: Option<Refresher>,
    params: &'a str,
}

/// Splits `delta-seconds *(SEMI param)`: the number, checked for overflow, and the parameter
/// list (starting at its first `;`), checked against the generic-param grammar.
pub(crate) fn delta_then_params<'a>(
    header: &'static str,
    s: &'a str,
) -> Result<(u32, &'a str), HeaderError> {
    let t = trim_ws(s);
    let end = t
        .bytes()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(t.len());
    let (num, params) = t.split_at(end);
    let n = parse_delta_seconds(header, num)?;
    let mut it = Params::new(params);
    for _ in it.by_ref() {}
    if let Some(rule) = it.error() {
        return Err(HeaderError::syntax(header, rule));
    }
    Ok((n, params))
}

impl<'a> SessionExpires<'a> {
    /// Parses a Session-Expires value; the interval must fit 32 bits and a `refresher` must be
    /// `uac` or `uas`.
    pub fn parse(s: &'a str) -> Result<SessionExpires<'a>, HeaderError> {
        const H: &str = "Session-Expires";
        let (delta_seconds, params) = delta_then_params(H, s)?;
        let mut refresher = None;
        for (name, value) in Params::new(params) {
            if name.eq_ignore_ascii_case("refresher") && refresher.is_none() {
                refresher =
                    Some(match value {
                        Some(v) if v.eq_ignore_ascii_case("uac") => Refresher::Uac,
                        Some(v) if v.eq_ignore_ascii_case("uas") => Refresher::Uas,
                        _ => return Err(HeaderError::syntax(
                            H,
                            "refresher must be \"uac\" or \"uas\" (RFC 4028 §4 refresher-param)",
                        )),
                    });
            }
        }
        Ok(SessionExpires {
            delta_seconds,
            refresher,
            params,
        })
    }

    /// All parameters in order.
    pub fn params(&self) -> Params<'a> {
        Params::new(self.params)
    }
}

/// `Min-SE = "Min-SE" HCOLON delta-seconds *(SEMI generic-param)` (RFC 4028 §5): the
/// interval in seconds.
pub fn parse_min_se(s: &str) -> Result<u32, HeaderError> {
    delta_then_params("Min-SE", s).map(|(n, _)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_expires() {
        let se = SessionExpires::parse(" 4000 ; refresher = UAS ;x=1").unwrap();
        assert_eq!(se.delta_seconds, 4000);
        assert_eq!(se.refresher, Some(Refresher::Uas));
        assert_eq!(se.params().count(), 2);
        assert_eq!(SessionExpires::parse("90").unwrap().refresher, None);
        assert_eq!(
            SessionExpires::parse("90;refresher=proxy").unwrap_err(),
            HeaderError::Syntax {
                header: "Session-Expires",
                rule: "refresher must be \"uac\" or \"uas\" (RFC 4028 §4 refresher-param)"
            }
        );
        assert!(matches!(
            SessionExpires::parse("99999999999"),
            Err(HeaderError::Overflow { .. })
        ));
        assert!(SessionExpires::parse("").is_err());
        assert!(SessionExpires::parse("1800;;").is_err());
        assert!(SessionExpires::parse("1800 refresher=uac").is_err());
        assert_eq!(parse_min_se("90"), Ok(90));
        assert_eq!(parse_min_se("90;x"), Ok(90));
        assert!(parse_min_se("ninety").is_err());
        assert!(matches!(
            parse_min_se("4294967296"),
            Err(HeaderError::Overflow { .. })
        ));
    }
}
