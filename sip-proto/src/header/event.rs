//! SIP events (RFC 6665 §8.2): Event, Allow-Events and Subscription-State.
//!
//! ```text
//! Event              = ( "Event" / "o" ) HCOLON event-type *( SEMI event-param )
//! event-type         = event-package *( "." event-template )
//! event-package      = token-nodot
//! event-template     = token-nodot
//! event-param        = generic-param / ( "id" EQUAL token )
//! Allow-Events       = ( "Allow-Events" / "u" ) HCOLON event-type *(COMMA event-type)
//! Subscription-State = "Subscription-State" HCOLON substate-value *( SEMI subexp-params )
//! substate-value     = "active" / "pending" / "terminated" / extension-substate
//! subexp-params      = ("reason" EQUAL event-reason-value) / ("expires" EQUAL delta-seconds)
//!                      / ("retry-after" EQUAL delta-seconds) / generic-param
//! ```

use super::params::{skip_token, trim_ws, Params};
use super::{parse_delta_seconds, HeaderError};
use crate::uri::chars::is_token;

/// `event-type = event-package *( "." event-template )`, each part a `token-nodot`.
pub(crate) fn is_event_type(s: &str) -> bool {
    !s.is_empty() && is_token(s.as_bytes()) && s.split('.').all(|part| !part.is_empty())
}

/// A parsed Event header. Borrowed from the message.
///
/// ```
/// use sip_proto::header::Event;
/// let e = Event::parse("presence.winfo;id=7")?;
/// assert_eq!((e.package(), e.template(), e.id()), ("presence", Some("winfo"), Some("7")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'a> {
    event_type: &'a str,
    id: Option<&'a str>,
    params: &'a str,
}

impl<'a> Event<'a> {
    /// Parses an Event value (RFC 6665 §8.2.1); an `id` must be a token.
    pub fn parse(s: &'a str) -> Result<Event<'a>, HeaderError> {
        const H: &str = "Event";
        let t = trim_ws(s);
        let end = skip_token(t.as_bytes(), 0);
        let (event_type, params) = t.split_at(end);
        if !is_event_type(event_type) {
            return Err(HeaderError::syntax(
                H,
                "must start with event-type = event-package *( \".\" event-template ) (RFC 6665 §8.2.1)",
            ));
        }
        let mut id = None;
        let mut it = Params::new(params);
        for (name, value) in it.by_ref() {
            if name.eq_ignore_ascii_case("id") && id.is_none() {
                match value {
                    Some(v) if is_token(v.as_bytes()) => id = Some(v),
                    _ => {
                        return Err(HeaderError::syntax(
                            H,
                            "id must be a token (RFC 6665 §8.2.1 event-param)",
                        ))
                    }
                }
            }
        }
        if let Some(rule) = it.error() {
            return Err(HeaderError::syntax(H, rule));
        }
        Ok(Event {
            event_type,
            id,
            params,
        })
    }

    /// The whole event type as written (`presence.winfo`).
    pub fn event_type(&self) -> &'a str {
        self.event_type
    }

    /// The event package (`presence`, `dialog`, `refer`...).
    pub fn package(&self) -> &'a str {
        self.event_type
            .split_once('.')
            .map_or(self.event_type, |(p, _)| p)
    }

    /// The event template after the package (`winfo` in `presence.winfo`), if any; several
    /// are kept together (`a.b` in `pkg.a.b`).
    pub fn template(&self) -> Option<&'a str> {
        self.event_type.split_once('.').map(|(_, t)| t)
    }

    /// The `id` parameter, which tells subscriptions in one dialog apart (RFC 6665 §8.2.1).
    pub fn id(&self) -> Option<&'a str> {
        self.id
    }

    /// All parameters in order.
    pub fn params(&self) -> Params<'a> {
        Params::new(self.params)
    }
}

/// The state of a subscription (RFC 6665 §8.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubState<'a> {
    /// `active`
    Active,
    /// `pending`
    Pending,
    /// `terminated`
    Terminated,
    /// An `extension-substate` (a token), as written.
    Other(&'a str),
}

/// A parsed Subscription-State header. Borrowed from the message.
///
/// ```
/// use sip_proto::header::{SubState, SubscriptionState};
/// let s = SubscriptionState::parse("terminated;reason=timeout;retry-after=30")?;
/// assert_eq!(s.state, SubState::Terminated);
/// assert_eq!((s.reason, s.retry_after), (Some("timeout"), Some(30)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubscriptionState<'a> {
    /// The state.
    pub state: SubState<'a>,
    /// The `reason` parameter (`deactivated`, `probation`, `rejected`, `timeout`,
    /// `giveup`, `noresource`, `invariant` or an extension), if present.
    pub reason: Option<&'a str>,
    /// The `expires` parameter in seconds, if present.
    pub expires: Option<u32>,
    /// The `retry-after` parameter in seconds, if present.
    pub retry_after: Option<u32>,
    params: &'a str,
}

impl<'a> SubscriptionState<'a> {
    /// Parses a Subscription-State value; `expires` and `retry-after` must fit 32 bits,
    /// `reason` must be a token.
    pub fn parse(s: &'a str) -> Result<SubscriptionState<'a>, HeaderError> {
        const H: &str = "Subscription-State";
        let t = trim_ws(s);
        let end = skip_token(t.as_bytes(), 0);
        let (value, params) = t.split_at(end);
        let state = if value.eq_ignore_ascii_case("active") {
            SubState::Active
        } else if value.eq_ignore_ascii_case("pending") {
            SubState::Pending
        } else if value.eq_ignore_ascii_case("terminated") {
            SubState::Terminated
        } else if !value.is_empty() {
            SubState::Other(value)
        } else {
            return Err(HeaderError::syntax(
                H,
                "must start with substate-value = \"active\" / \"pending\" / \"terminated\" / token (RFC 6665 §8.2.3)",
            ));
        };
        let mut out = SubscriptionState {
            state,
            reason: None,
            expires: None,
            retry_after: None,
            params,
        };
        let mut it = Params::new(params);
        for (name, value) in it.by_ref() {
            let v = value.unwrap_or("");
            if name.eq_ignore_ascii_case("reason") && out.reason.is_none() {
                if !is_token(v.as_bytes()) {
                    return Err(HeaderError::syntax(
                        H,
                        "reason must be a token (RFC 6665 §8.2.3 event-reason-value)",
                    ));
                }
                out.reason = Some(v);
            } else if name.eq_ignore_ascii_case("expires") && out.expires.is_none() {
                out.expires = Some(parse_delta_seconds(H, v)?);
            } else if name.eq_ignore_ascii_case("retry-after") && out.retry_after.is_none() {
                out.retry_after = Some(parse_delta_seconds(H, v)?);
            }
        }
        if let Some(rule) = it.error() {
            return Err(HeaderError::syntax(H, rule));
        }
        Ok(out)
    }

    /// All parameters in order.
    pub fn params(&self) -> Params<'a> {
        Params::new(self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events() {
        let e = Event::parse("refer;id=93809824").unwrap();
        assert_eq!(
            (e.package(), e.template(), e.id()),
            ("refer", None, Some("93809824"))
        );
        let e = Event::parse("Presence.winfo.x ; foo=bar").unwrap();
        assert_eq!(e.event_type(), "Presence.winfo.x");
        assert_eq!(e.template(), Some("winfo.x"));
        assert_eq!(e.params().collect::<Vec<_>>(), vec![("foo", Some("bar"))]);
        for bad in [
            "",
            ".presence",
            "presence.",
            "a..b",
            "dialog;id",
            "dialog;id=\"x y\"",
            "x y",
        ] {
            assert!(Event::parse(bad).is_err(), "{bad:?}");
        }
        assert!(is_event_type("message-summary"));
        assert!(!is_event_type("a,b"));
    }

    #[test]
    fn subscription_states() {
        let s = SubscriptionState::parse("active;expires=3600").unwrap();
        assert_eq!(
            (s.state, s.expires, s.reason),
            (SubState::Active, Some(3600), None)
        );
        let s = SubscriptionState::parse("PENDING").unwrap();
        assert_eq!(s.state, SubState::Pending);
        let s = SubscriptionState::parse("waiting;x=1").unwrap();
        assert_eq!(s.state, SubState::Other("waiting"));
        assert_eq!(s.params().count(), 1);
        assert!(matches!(
            SubscriptionState::parse("active;expires=99999999999"),
            Err(HeaderError::Overflow { .. })
        ));
        assert!(SubscriptionState::parse("terminated;retry-after=soon").is_err());
        assert!(SubscriptionState::parse("terminated;reason").is_err());
        assert!(SubscriptionState::parse("").is_err());
        assert!(SubscriptionState::parse(";expires=1").is_err());
    }
}
