//! `rtp_packet`: arbitrary bytes through [`RtpPacket::new_checked`] (RFC 3550 §5.1).
//!
//! Invariants, for every packet that passes the checks:
//! - the view's parts tile the packet: header + payload + padding = length, and
//!   `header_len()` agrees between the view and the parsed [`RtpHeader`];
//! - `RtpHeader::parse` → `emit` (same payload) → `new_checked` → `parse` gives an equal
//!   header and payload, and the emitted bytes equal the input except the padding octets
//!   before the count (which `emit` zeroes).

use rtp_proto::rtp::{RtpHeader, RtpPacket, VERSION};

/// Runs the target on one input.
pub fn check(data: &[u8]) {
    let Ok(packet) = RtpPacket::new_checked(data) else {
        return;
    };
    assert_eq!(packet.version(), VERSION);
    let padding = usize::from(packet.padding_len());
    assert_eq!(
        packet.header_len() + packet.payload().len() + padding,
        data.len(),
        "header, payload and padding do not tile the packet"
    );
    assert_eq!(packet.csrcs().count(), usize::from(packet.csrc_count()));
    assert_eq!(packet.has_extension(), packet.extension().is_some());

    let header = RtpHeader::parse(&packet);
    assert_eq!(header.header_len(), packet.header_len());
    assert_eq!(header.packet_len(packet.payload().len()), data.len());
    let mut out = vec![0u8; data.len()];
    let written = header
        .emit(&mut out, packet.payload())
        .expect("a parsed header emits into a buffer of the packet's length");
    assert_eq!(written, data.len());
    let data_end = data.len() - padding;
    assert_eq!(
        &out[..data_end],
        &data[..data_end],
        "emit changed header or payload"
    );
    assert_eq!(out.last(), data.last(), "emit changed the padding count");

    let again = RtpPacket::new_checked(&out[..]).expect("an emitted packet passes the checks");
    assert_eq!(RtpHeader::parse(&again), header, "parse(emit(h)) != h");
    assert_eq!(again.payload(), packet.payload());
    if header.padding == 0 {
        assert!(!again.has_padding());
    }
}
