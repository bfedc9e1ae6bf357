//! Typed views of header values, parsed on use and borrowed from the message.
//!
//! The message parser ([`crate::message`]) only indexes header lines; these types turn one
//! value (or one element of a comma-separated value) into fields. Each parser checks the
//! header's RFC 3261 ABNF fully, so a value that parses is well-formed.
//!
//! | type | headers | RFC 3261 |
//! |---|---|---|
//! | [`Via`] | Via | §20.42 |
//! | [`NameAddr`] | From, To, Contact, Route, Record-Route, Reply-To | §20.10, §20.20, §20.39 |
//! | [`CSeq`] | CSeq | §20.16 |
//! | [`parse_max_forwards`], [`parse_content_length`], [`parse_delta_seconds`] | Max-Forwards, Content-Length, Expires | §20.22, §20.14, §20.19 |
//! | [`HttpDate`] | Date | §20.17 |
//! | [`RAck`], [`parse_rseq`] | RAck, RSeq | RFC 3262 §7 |
//! | [`Auth`] | WWW-Authenticate, Proxy-Authenticate, Authorization, Proxy-Authorization | §20.7, §20.27, §20.28, §20.44 |
//! | [`Warning`], [`RetryAfter`] | Warning, Retry-After | §20.43, §20.33 |
//! | [`SessionExpires`], [`parse_min_se`] | Session-Expires, Min-SE | RFC 4028 §4, §5 |
//! | [`Event`], [`SubscriptionState`] | Event, Allow-Events, Subscription-State | RFC 6665 §8.2 |
//! | [`Replaces`] | Replaces | RFC 3891 §6.1 |
//! | [`Reason`] | Reason | RFC 3326 §2 |
//! | [`NameAddr`] | Refer-To, Referred-By, P-Asserted-Identity, P-Preferred-Identity, Path, Service-Route | RFC 3515, 3892, 3325, 3327, 3608 |

mod auth;
mod cseq;
mod date;
mod error;
mod event;
mod name_addr;
pub(crate) mod params;
mod rack;
mod reason;
mod replaces;
mod scalar;
mod session_timer;
mod via;
mod warning;

pub use auth::{Auth, AuthParams};
pub use cseq::CSeq;
pub use date::HttpDate;
pub use error::HeaderError;
pub use event::{Event, SubState, SubscriptionState};
pub use name_addr::NameAddr;
pub use params::{unescape_quoted, Params};
pub use rack::{parse_rseq, RAck};
pub use reason::Reason;
pub use replaces::Replaces;
pub use scalar::{parse_content_length, parse_delta_seconds, parse_max_forwards};
pub use session_timer::{parse_min_se, Refresher, SessionExpires};
pub use via::Via;
pub use warning::{RetryAfter, Warning};

pub(crate) use event::is_event_type;
pub(crate) use warning::privacy_values;
