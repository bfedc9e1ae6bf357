//! The RTP/RTCP addresses of a simulated endpoint's calls: which call a media datagram is
//! for, and which address a call's media leaves from.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use crate::{CallId, RtpPortRange};

/// The ports a simulated endpoint hands its calls: RTP on an even port, RTCP on the next
/// (RFC 3550 §11), round-robin over the range so a late packet of an old call does not land
/// in a new one.
#[derive(Debug, Clone)]
pub(crate) struct MediaPorts {
    ip: IpAddr,
    range: RtpPortRange,
    /// RTP port → the call it was given to, and whether that call has ended.
    by_port: BTreeMap<u16, (CallId, bool)>,
    by_call: BTreeMap<CallId, u16>,
}

impl MediaPorts {
    pub(crate) fn new(ip: IpAddr) -> Self {
        MediaPorts {
            ip,
            range: RtpPortRange::new(16384..=65535),
            by_port: BTreeMap::new(),
            by_call: BTreeMap::new(),
        }
    }

    /// A free RTP address (its port pair belongs to no live call), or `None` when every pair
    /// is taken.
    pub(crate) fn free_address(&mut self) -> Option<SocketAddr> {
        for _ in 0..self.range.pairs() {
            let (rtp, _) = self.range.next_pair()?;
            match self.by_port.get(&rtp) {
                Some((_, false)) => continue,
                Some((old, true)) => {
                    let old = *old;
                    self.by_call.remove(&old);
                    self.by_port.remove(&rtp);
                }
                None => {}
            }
            return Some(SocketAddr::new(self.ip, rtp));
        }
        None
    }

    /// Gives `call` the pair at `rtp`.
    pub(crate) fn bind(&mut self, call: CallId, rtp: SocketAddr) {
        self.by_port.insert(rtp.port(), (call, false));
        self.by_call.insert(call, rtp.port());
    }

    /// The call has ended: its pair may be handed out again. Its address stays known until
    /// then, so its last RTCP packet still leaves from the right port.
    pub(crate) fn release(&mut self, call: CallId) {
        if let Some(port) = self.by_call.get(&call) {
            if let Some(entry) = self.by_port.get_mut(port) {
                entry.1 = true;
            }
        }
    }

    /// The call an RTP (even) or RTCP (odd) port belongs to, and whether it is the RTCP port.
    pub(crate) fn lookup(&self, port: u16) -> Option<(CallId, bool)> {
        let rtcp = port % 2 == 1;
        let rtp = if rtcp { port - 1 } else { port };
        self.by_port.get(&rtp).map(|(call, _)| (*call, rtcp))
    }

    /// The RTP address of a call.
    pub(crate) fn rtp_address(&self, call: CallId) -> Option<SocketAddr> {
        self.by_call
            .get(&call)
            .map(|port| SocketAddr::new(self.ip, *port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_is_reused_only_after_its_call_ended_and_the_range_wrapped() {
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let mut ports = MediaPorts::new(ip);
        let a = ports.free_address().unwrap();
        assert_eq!(a, SocketAddr::new(ip, 16384));
        ports.bind(CallId(1), a);
        assert_eq!(ports.lookup(16384), Some((CallId(1), false)));
        assert_eq!(ports.lookup(16385), Some((CallId(1), true)));
        assert_eq!(ports.lookup(16386), None);
        let b = ports.free_address().unwrap();
        assert_eq!(b.port(), 16386);
        ports.release(CallId(1));
        // The released pair is the last candidate again, not the next one.
        assert_eq!(ports.free_address().unwrap().port(), 16388);
        assert_eq!(ports.rtp_address(CallId(1)), Some(a));
    }
}
