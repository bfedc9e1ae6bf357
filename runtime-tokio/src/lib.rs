//! # runtime-tokio
//!
//! Binds a [`session_fsm::Endpoint`] to tokio: one UDP socket for SIP, an RTP/RTCP socket pair
//! per call from a port range (default 10000-20000), and one timer re-armed from the deadline
//! the endpoint returns. The endpoint itself never sees a socket or a clock; this crate is the
//! thin loop around it.
//!
//! ```no_run
//! use runtime_tokio::{start, RuntimeConfig, RuntimeEvent};
//! use session_fsm::Event;
//!
//! # async fn run() -> std::io::Result<()> {
//! let (handle, mut events) = start(RuntimeConfig::new("127.0.0.1:5060".parse().unwrap())).await?;
//! while let Some(event) = events.recv().await {
//!     if let RuntimeEvent::Call(Event::IncomingCall { call, .. }) = event {
//!         handle.ring(call).await.ok();
//!         handle.answer(call).await.ok();
//!     }
//! }
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod driver;
mod ports;

pub use ports::{MediaPair, PortAllocator};

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use session_fsm::{CallId, EndpointConfig, EndpointError, EndpointStats, Event, WallClock};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};

use driver::{Driver, Reply};

/// How to start a runtime.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// The SIP socket's address. Port 0 picks a free port.
    pub listen: SocketAddr,
    /// Ports for RTP/RTCP pairs (RTP even, RTCP the odd port after it).
    pub rtp_ports: RangeInclusive<u16>,
    /// The endpoint's randomness seed. `None` derives one from the system clock; give one to
    /// make tags, Call-IDs and SSRCs repeat from run to run.
    pub seed: Option<u64>,
    /// Report every SIP message sent and received as [`RuntimeEvent::Sip`].
    pub trace: bool,
    /// Adjusts the endpoint config after the socket is bound (user name, tone, timers, ...).
    pub endpoint: fn(&mut EndpointConfig),
}

impl RuntimeConfig {
    /// Defaults: RTP ports 10000-20000, a seed from the clock, no tracing.
    pub fn new(listen: SocketAddr) -> Self {
        RuntimeConfig {
            listen,
            rtp_ports: 10000..=20000,
            seed: None,
            trace: false,
            endpoint: |_| {},
        }
    }
}

/// What the runtime reports.
#[derive(Debug, Clone)]
pub enum RuntimeEvent {
    /// An endpoint event.
    Call(Event),
    /// A SIP message crossed the socket (only with [`RuntimeConfig::trace`]).
    Sip(SipTrace),
}

/// One SIP message seen on the wire.
#[derive(Debug, Clone)]
pub struct SipTrace {
    /// Time since the runtime started.
    pub at: Duration,
    /// Sent by us (`true`) or received.
    pub outgoing: bool,
    /// The far end's address.
    pub peer: SocketAddr,
    /// The request or status line.
    pub first_line: String,
}

/// Why a command failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum RuntimeError {
    /// The endpoint refused the command.
    Endpoint(EndpointError),
    /// A socket could not be bound.
    Io(io::Error),
    /// The runtime has stopped.
    Stopped,
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuntimeError::Endpoint(e) => e.fmt(f),
            RuntimeError::Io(e) => write!(f, "socket error: {e}"),
            RuntimeError::Stopped => f.write_str("the runtime has stopped"),
        }
    }
}

impl std::error::Error for RuntimeError {}

impl From<EndpointError> for RuntimeError {
    fn from(e: EndpointError) -> Self {
        RuntimeError::Endpoint(e)
    }
}

pub(crate) enum Command {
    Call {
        target: String,
        reply: Reply<CallId>,
    },
    Ring {
        call: CallId,
        reply: Reply<()>,
    },
    Answer {
        call: CallId,
        reply: Reply<()>,
    },
    Reject {
        call: CallId,
        status: u16,
        reply: Reply<()>,
    },
    HangUp {
        call: CallId,
        reply: Reply<()>,
    },
    Stats {
        reply: oneshot::Sender<EndpointStats>,
    },
    Shutdown,
}

/// Commands for a running endpoint. Cheap to clone; every clone drives the same endpoint.
#[derive(Debug, Clone)]
pub struct Handle {
    commands: mpsc::UnboundedSender<Command>,
    local_sip: SocketAddr,
}

impl Handle {
    /// The bound SIP address.
    pub fn local_sip(&self) -> SocketAddr {
        self.local_sip
    }

    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T, RuntimeError> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(make(tx))
            .map_err(|_| RuntimeError::Stopped)?;
        rx.await.map_err(|_| RuntimeError::Stopped)?
    }

    /// Places a call to a SIP URI such as `sip:alice@127.0.0.1:5060`.
    pub async fn call(&self, target: &str) -> Result<CallId, RuntimeError> {
        let target = target.to_owned();
        self.ask(|reply| Command::Call { target, reply }).await
    }

    /// Sends 180 Ringing for an incoming call.
    pub async fn ring(&self, call: CallId) -> Result<(), RuntimeError> {
        self.ask(|reply| Command::Ring { call, reply }).await
    }

    /// Answers an incoming call: binds its RTP/RTCP pair and sends 200 OK with SDP.
    pub async fn answer(&self, call: CallId) -> Result<(), RuntimeError> {
        self.ask(|reply| Command::Answer { call, reply }).await
    }

    /// Rejects an incoming call with a final status (300-699).
    pub async fn reject(&self, call: CallId, status: u16) -> Result<(), RuntimeError> {
        self.ask(|reply| Command::Reject {
            call,
            status,
            reply,
        })
        .await
    }

    /// Hangs up a call (BYE, or CANCEL while it rings).
    pub async fn hang_up(&self, call: CallId) -> Result<(), RuntimeError> {
        self.ask(|reply| Command::HangUp { call, reply }).await
    }

    /// The endpoint's drop and error counters.
    pub async fn stats(&self) -> Result<EndpointStats, RuntimeError> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::Stats { reply: tx })
            .map_err(|_| RuntimeError::Stopped)?;
        rx.await.map_err(|_| RuntimeError::Stopped)
    }

    /// Stops the runtime. Calls in progress are abandoned without signalling.
    pub fn shutdown(&self) {
        let _ = self.commands.send(Command::Shutdown);
    }
}

/// Binds the SIP socket, builds the endpoint and spawns its driver task.
///
/// Returns the command handle and the event stream. The stream ends when the runtime stops.
pub async fn start(
    config: RuntimeConfig,
) -> io::Result<(Handle, mpsc::UnboundedReceiver<RuntimeEvent>)> {
    let sip = UdpSocket::bind(config.listen).await?;
    let local_sip = sip.local_addr()?;
    let now = Instant::now();
    let unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let seed = config.seed.unwrap_or_else(|| {
        // Not a secret: only tags, branches and SSRCs come from it (RFC 3261 §19.3 asks for
        // global uniqueness, which the clock plus the port gives between processes).
        (unix.as_nanos() as u64)
            ^ (u64::from(local_sip.port()) << 48)
            ^ u64::from(std::process::id())
    });
    let mut endpoint_config =
        EndpointConfig::new(local_sip, seed, WallClock { instant: now, unix });
    (config.endpoint)(&mut endpoint_config);
    let endpoint = session_fsm::Endpoint::new(endpoint_config);
    let ports = PortAllocator::new(local_sip.ip(), config.rtp_ports.clone());
    let (command_tx, command_rx) = mpsc::unbounded_channel();
    let (event_tx, event_rx) = mpsc::unbounded_channel();
    let driver = Driver::new(endpoint, sip, ports, command_rx, event_tx, config.trace);
    tokio::spawn(driver.run());
    Ok((
        Handle {
            commands: command_tx,
            local_sip,
        },
        event_rx,
    ))
}
