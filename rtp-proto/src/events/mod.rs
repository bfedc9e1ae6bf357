//! RFC 4733 telephone events (DTMF and other named events carried in RTP).
//!
//! [`TelephoneEvent`] is the 4-octet payload (§2.3); [`EventSender`] paces the packets of one
//! event as §2.5.1 asks (marker on the first, the duration growing in every update, the same
//! timestamp throughout, three redundant end packets); [`EventReceiver`] turns the packets
//! back into start and end events, dropping the duplicates that redundancy and retransmission
//! bring (§2.5.2), at any clock rate.

mod payload;
mod receiver;
mod sender;

pub use payload::{TelephoneEvent, MAX_VOLUME, PAYLOAD_LEN};
pub use receiver::{EventReceiver, ReceivedEvent};
pub use sender::{EventPacket, EventSender, END_REPEATS};
