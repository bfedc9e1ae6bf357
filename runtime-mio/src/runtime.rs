//! The poll loop.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use mio::net::UdpSocket;
use mio::{Events, Interest, Poll, Token};
use session_fsm::{
    CallId, Endpoint, EndpointConfig, EndpointError, EndpointStats, Event, Input, Output,
    RtpPortRange, Socket, WallClock,
};

/// The SIP socket's token. Media sockets use `1 + 2 * call` (RTP) and `2 + 2 * call` (RTCP).
const SIP: Token = Token(0);
/// The largest UDP payload.
const MAX_DATAGRAM: usize = 65_535;
/// Datagrams are read into a shared region and split off without copying.
const REGION: usize = 2 * MAX_DATAGRAM;
/// Outputs are drained after at most this many inputs, so one busy socket cannot delay
/// retransmissions and RTP pacing of the others.
const INPUTS_BETWEEN_DRAINS: usize = 64;

/// How to start a [`MioRuntime`].
#[derive(Debug, Clone)]
pub struct MioConfig {
    /// The SIP socket's address. Port 0 picks a free port.
    pub listen: SocketAddr,
    /// Ports for RTP/RTCP pairs.
    pub rtp_ports: RangeInclusive<u16>,
    /// The endpoint's randomness seed; `None` derives one from the clock.
    pub seed: Option<u64>,
    /// Adjusts the endpoint config after the socket is bound.
    pub endpoint: fn(&mut EndpointConfig),
}

impl MioConfig {
    /// Defaults: RTP ports 10000-20000, a seed from the clock.
    pub fn new(listen: SocketAddr) -> Self {
        MioConfig {
            listen,
            rtp_ports: 10000..=20000,
            seed: None,
            endpoint: |_| {},
        }
    }
}

/// Why a command failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum MioError {
    /// The endpoint refused it.
    Endpoint(EndpointError),
    /// A socket could not be bound or registered.
    Io(io::Error),
}

impl fmt::Display for MioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MioError::Endpoint(e) => e.fmt(f),
            MioError::Io(e) => write!(f, "socket error: {e}"),
        }
    }
}

impl std::error::Error for MioError {}

impl From<EndpointError> for MioError {
    fn from(e: EndpointError) -> Self {
        MioError::Endpoint(e)
    }
}

struct CallMedia {
    rtp: UdpSocket,
    rtcp: UdpSocket,
}

/// An endpoint bound to mio sockets. See the [crate docs](crate).
pub struct MioRuntime {
    poll: Poll,
    events: Events,
    endpoint: Endpoint,
    sip: UdpSocket,
    ip: IpAddr,
    ports: RtpPortRange,
    media: BTreeMap<CallId, CallMedia>,
    out: Vec<u8>,
    buf: BytesMut,
    deadline: Option<Instant>,
    pending: VecDeque<Event>,
}

impl MioRuntime {
    /// Binds the SIP socket and builds the endpoint.
    pub fn bind(config: MioConfig) -> io::Result<Self> {
        let mut sip = UdpSocket::bind(config.listen)?;
        let local_sip = sip.local_addr()?;
        let poll = Poll::new()?;
        poll.registry()
            .register(&mut sip, SIP, Interest::READABLE)?;
        let now = Instant::now();
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let seed = config.seed.unwrap_or_else(|| {
            (unix.as_nanos() as u64)
                ^ (u64::from(local_sip.port()) << 48)
                ^ u64::from(std::process::id())
        });
        let mut endpoint_config =
            EndpointConfig::new(local_sip, seed, WallClock { instant: now, unix });
        (config.endpoint)(&mut endpoint_config);
        Ok(MioRuntime {
            poll,
            events: Events::with_capacity(256),
            endpoint: Endpoint::new(endpoint_config),
            sip,
            ip: local_sip.ip(),
            ports: RtpPortRange::new(config.rtp_ports),
            media: BTreeMap::new(),
            out: Vec::with_capacity(MAX_DATAGRAM),
            buf: BytesMut::with_capacity(REGION),
            deadline: None,
            pending: VecDeque::new(),
        })
    }

    /// The bound SIP address.
    pub fn local_sip(&self) -> io::Result<SocketAddr> {
        self.sip.local_addr()
    }

    /// The endpoint's drop and error counters.
    pub fn stats(&self) -> EndpointStats {
        self.endpoint.stats()
    }

    /// One wake of the loop: waits for a datagram, the endpoint's next deadline or `max_wait`
    /// (whichever is first), feeds everything that arrived, fires due timers and sends what
    /// the endpoint produced.
    pub fn turn(&mut self, max_wait: Option<Duration>) -> io::Result<()> {
        let now = Instant::now();
        let until_deadline = self.deadline.map(|d| d.saturating_duration_since(now));
        let wait = match (until_deadline, max_wait) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match self.poll.poll(&mut self.events, wait) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
        let ready: Vec<Token> = self.events.iter().map(|e| e.token()).collect();
        for token in ready {
            self.read_all(token);
        }
        if self.deadline.is_some_and(|d| d <= Instant::now()) {
            self.endpoint.handle_input(Input::Timeout(Instant::now()));
        }
        self.drain();
        Ok(())
    }

    /// The next event, if any.
    pub fn next_event(&mut self) -> Option<Event> {
        self.pending.pop_front()
    }

    /// Places a call to a SIP URI such as `sip:alice@127.0.0.1:5060`.
    pub fn call(&mut self, target: &str) -> Result<CallId, MioError> {
        let (rtp, rtcp) = self.bind_pair()?;
        let local_rtp = rtp.local_addr().map_err(MioError::Io)?;
        let call = self.endpoint.call(Instant::now(), target, local_rtp)?;
        self.attach(call, rtp, rtcp)?;
        self.drain();
        Ok(call)
    }

    /// Sends 180 Ringing for an incoming call.
    pub fn ring(&mut self, call: CallId) -> Result<(), MioError> {
        self.endpoint.ring(Instant::now(), call)?;
        self.drain();
        Ok(())
    }

    /// Answers an incoming call: binds its RTP/RTCP pair and sends 200 OK with SDP.
    pub fn answer(&mut self, call: CallId) -> Result<(), MioError> {
        let (rtp, rtcp) = self.bind_pair()?;
        let local_rtp = rtp.local_addr().map_err(MioError::Io)?;
        self.endpoint.answer(Instant::now(), call, local_rtp)?;
        self.attach(call, rtp, rtcp)?;
        self.drain();
        Ok(())
    }

    /// Rejects an incoming call with a final status (300-699).
    pub fn reject(&mut self, call: CallId, status: u16) -> Result<(), MioError> {
        self.endpoint.reject(Instant::now(), call, status)?;
        self.drain();
        Ok(())
    }

    /// Hangs up a call.
    pub fn hang_up(&mut self, call: CallId) -> Result<(), MioError> {
        self.endpoint.hang_up(Instant::now(), call)?;
        self.drain();
        Ok(())
    }

    fn bind_pair(&mut self) -> Result<(UdpSocket, UdpSocket), MioError> {
        for _ in 0..self.ports.pairs() {
            let Some((rtp_port, rtcp_port)) = self.ports.next_pair() else {
                break;
            };
            let Ok(rtp) = UdpSocket::bind(SocketAddr::new(self.ip, rtp_port)) else {
                continue;
            };
            let Ok(rtcp) = UdpSocket::bind(SocketAddr::new(self.ip, rtcp_port)) else {
                continue;
            };
            return Ok((rtp, rtcp));
        }
        Err(MioError::Io(io::Error::new(
            io::ErrorKind::AddrInUse,
            "every RTP port pair in the configured range is in use; widen the range",
        )))
    }

    fn attach(
        &mut self,
        call: CallId,
        mut rtp: UdpSocket,
        mut rtcp: UdpSocket,
    ) -> Result<(), MioError> {
        let base = 1 + 2 * call.as_u64() as usize;
        let registry = self.poll.registry();
        registry
            .register(&mut rtp, Token(base), Interest::READABLE)
            .map_err(MioError::Io)?;
        registry
            .register(&mut rtcp, Token(base + 1), Interest::READABLE)
            .map_err(MioError::Io)?;
        self.media.insert(call, CallMedia { rtp, rtcp });
        Ok(())
    }

    /// Reads a socket until it would block (mio is edge-triggered).
    fn read_all(&mut self, token: Token) {
        let which = if token == SIP {
            Socket::Sip
        } else {
            let call = session_fsm::CallId::from_u64(((token.0 - 1) / 2) as u64);
            if (token.0 - 1) % 2 == 0 {
                Socket::Rtp(call)
            } else {
                Socket::Rtcp(call)
            }
        };
        let mut fed = 0;
        loop {
            if self.buf.capacity() < MAX_DATAGRAM {
                self.buf = BytesMut::with_capacity(REGION);
            }
            self.buf.resize(MAX_DATAGRAM, 0);
            let socket = match which {
                Socket::Sip => &self.sip,
                Socket::Rtp(call) => match self.media.get(&call) {
                    Some(m) => &m.rtp,
                    None => return,
                },
                Socket::Rtcp(call) => match self.media.get(&call) {
                    Some(m) => &m.rtcp,
                    None => return,
                },
            };
            let (len, source) = match socket.recv_from(&mut self.buf) {
                Ok(received) => received,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.buf.clear();
                    return;
                }
                // ICMP errors reported late: this datagram is lost, keep reading.
                Err(_) => continue,
            };
            self.buf.truncate(len);
            let bytes: Bytes = self.buf.split().freeze();
            let now = Instant::now();
            self.endpoint.handle_input(Input::Receive {
                now,
                socket: which,
                source,
                bytes,
            });
            fed += 1;
            if fed % INPUTS_BETWEEN_DRAINS == 0 {
                self.drain();
            }
        }
    }

    /// Sends and reports until the endpoint returns its next deadline.
    fn drain(&mut self) {
        loop {
            match self.endpoint.poll_output(&mut self.out) {
                Output::Transmit(t) => {
                    let socket = match t.socket {
                        Socket::Sip => &self.sip,
                        Socket::Rtp(call) => match self.media.get(&call) {
                            Some(m) => &m.rtp,
                            None => continue,
                        },
                        Socket::Rtcp(call) => match self.media.get(&call) {
                            Some(m) => &m.rtcp,
                            None => continue,
                        },
                    };
                    // A full socket buffer or an unreachable peer loses this datagram, as the
                    // network could; SIP retransmissions cover signalling.
                    let _ = socket.send_to(&self.out, t.destination);
                }
                Output::Event(event) => {
                    if let Event::Ended { call, .. } = &event {
                        if let Some(mut media) = self.media.remove(call) {
                            let _ = self.poll.registry().deregister(&mut media.rtp);
                            let _ = self.poll.registry().deregister(&mut media.rtcp);
                        }
                    }
                    self.pending.push_back(event);
                }
                Output::Timeout(deadline) => {
                    self.deadline = deadline;
                    return;
                }
            }
        }
    }
}
