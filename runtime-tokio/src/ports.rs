//! RTP/RTCP socket pairs bound from a configurable range.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;

use session_fsm::RtpPortRange;
use tokio::net::UdpSocket;

/// Binds RTP/RTCP pairs from a port range, skipping ports somebody else holds.
#[derive(Debug)]
pub struct PortAllocator {
    ip: IpAddr,
    range: RtpPortRange,
}

/// A bound RTP socket and its RTCP companion.
#[derive(Debug)]
pub struct MediaPair {
    /// The RTP socket.
    pub rtp: UdpSocket,
    /// The RTCP socket.
    pub rtcp: UdpSocket,
}

impl PortAllocator {
    /// An allocator for `range` on `ip`.
    pub fn new(ip: IpAddr, range: RangeInclusive<u16>) -> Self {
        PortAllocator {
            ip,
            range: RtpPortRange::new(range),
        }
    }

    /// Binds the next free pair. Fails with `AddrInUse` when every pair is taken.
    pub async fn bind_pair(&mut self) -> io::Result<MediaPair> {
        for _ in 0..self.range.pairs() {
            let Some((rtp_port, rtcp_port)) = self.range.next_pair() else {
                break;
            };
            let Ok(rtp) = UdpSocket::bind(SocketAddr::new(self.ip, rtp_port)).await else {
                continue;
            };
            let Ok(rtcp) = UdpSocket::bind(SocketAddr::new(self.ip, rtcp_port)).await else {
                continue;
            };
            return Ok(MediaPair { rtp, rtcp });
        }
        Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            "every RTP port pair in the configured range is in use; widen the range",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pairs_skip_taken_ports() {
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let mut alloc = PortAllocator::new(ip, 41001..=41010);
        let squatter = UdpSocket::bind((ip, 41002)).await.unwrap();
        let pair = alloc.bind_pair().await.unwrap();
        assert_eq!(pair.rtp.local_addr().unwrap().port(), 41004);
        assert_eq!(pair.rtcp.local_addr().unwrap().port(), 41005);
        let next = alloc.bind_pair().await.unwrap();
        assert_eq!(next.rtp.local_addr().unwrap().port(), 41006);
        drop(squatter);
    }

    #[tokio::test]
    async fn exhausted_range_is_an_error() {
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let mut alloc = PortAllocator::new(ip, 41020..=41021);
        let _held = alloc.bind_pair().await.unwrap();
        let err = alloc.bind_pair().await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
    }
}
