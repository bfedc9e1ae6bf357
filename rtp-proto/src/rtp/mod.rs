//! RTP data packets (RFC 3550 §5).
//!
//! [`RtpPacket`] is a checked view over received bytes; [`RtpHeader`] is the plain header that
//! parses from a view and emits header plus payload into a buffer the caller lends. RFC 8285
//! header extension elements are read with [`HeaderExtension::elements`] and written with
//! [`emit_elements`].

mod error;
mod extension;
mod packet;

pub use error::RtpError;
pub use extension::{
    elements_len, emit_elements, ExtensionElement, ExtensionElements, ExtensionError,
    ExtensionForm, ONE_BYTE_PROFILE, TWO_BYTE_PROFILE,
};
pub use packet::{HeaderExtension, RtpHeader, RtpPacket, MAX_CSRCS, MIN_HEADER_LEN, VERSION};
