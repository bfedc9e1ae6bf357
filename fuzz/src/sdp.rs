//! `sdp`: arbitrary bytes through [`sdp::parse`].
//!
//! Invariants, for every description that parses:
//! - every accessor (directions, connections, rtpmap/fmtp per payload type, ptime, rtcp)
//!   answers without panicking;
//! - `parse(write(x)) == x`, and writing that again gives the same bytes (write → parse →
//!   write is a fixed point).

use sip_proto::sdp::{self, SessionDescription};

/// Runs the target on one input.
pub fn check(data: &[u8]) {
    let Ok(sd) = sdp::parse(data) else {
        return;
    };
    read_everything(&sd);
    let first = sd.to_bytes();
    let again = match sdp::parse(&first) {
        Ok(x) => x,
        Err(e) => panic!(
            "written SDP does not parse: {e}\n--- written ---\n{}",
            String::from_utf8_lossy(&first)
        ),
    };
    assert_eq!(again, sd, "parse(write(x)) != x");
    let second = again.to_bytes();
    assert_eq!(
        String::from_utf8_lossy(&first),
        String::from_utf8_lossy(&second),
        "write is not a fixed point"
    );
}

/// Calls the accessors a user agent uses.
pub(crate) fn read_everything(sd: &SessionDescription<'_>) {
    let _ = sd.direction();
    for name in ["rtpmap", "sendrecv", "group", "ice-ufrag"] {
        let _ = sd.attribute(name);
    }
    for m in &sd.media {
        let _ = sd.direction_of(m);
        if let Some(c) = sd.connection_of(m) {
            let _ = (c.address.ip(), c.address.is_unspecified());
        }
        for pt in m.payload_types() {
            let _ = m.rtpmap(pt).map(|r| r.channel_count());
            let _ = sdp::static_audio_payload_type(pt);
        }
        for f in &m.formats {
            let _ = (f.payload_type(), m.fmtp(*f));
        }
        let _ = (
            m.direction(),
            m.ptime(),
            m.max_ptime(),
            m.rtcp(),
            m.rtcp_mux(),
        );
        let _ = m.media.as_str();
        let _ = m.attribute("rtcp-fb");
        for a in &m.attributes {
            let _ = a.name();
        }
    }
}
