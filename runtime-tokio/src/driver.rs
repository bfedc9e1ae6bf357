//! The task that owns an endpoint and its sockets.
//!
//! One loop: read the clock once per wake, feed what arrived, drain `poll_output`, re-arm one
//! timer from the deadline it returned (STYLE.md rule 18).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use session_fsm::{CallId, Endpoint, Event, Input, Output, Socket};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::ports::PortAllocator;
use crate::{Command, RuntimeError, RuntimeEvent, SipTrace};

/// The largest datagram we read: a UDP payload cannot be larger.
const MAX_DATAGRAM: usize = 65_535;
/// At most this many inputs are fed per wake before outputs are drained and the timer checked,
/// so a flood on one socket cannot starve the others.
const INPUTS_PER_WAKE: usize = 64;

/// A datagram read by one of the media reader tasks.
struct MediaIn {
    socket: Socket,
    source: SocketAddr,
    bytes: Bytes,
}

/// The sockets of one call and the tasks reading them.
struct CallMedia {
    rtp: Arc<UdpSocket>,
    rtcp: Arc<UdpSocket>,
    readers: [JoinHandle<()>; 2],
}

impl Drop for CallMedia {
    fn drop(&mut self) {
        for reader in &self.readers {
            reader.abort();
        }
    }
}

pub(crate) struct Driver {
    endpoint: Endpoint,
    sip: UdpSocket,
    ports: PortAllocator,
    media: HashMap<CallId, CallMedia>,
    media_tx: mpsc::UnboundedSender<MediaIn>,
    media_rx: mpsc::UnboundedReceiver<MediaIn>,
    commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<RuntimeEvent>,
    trace: bool,
    epoch: Instant,
    out: Vec<u8>,
    deadline: Option<Instant>,
}

impl Driver {
    pub(crate) fn new(
        endpoint: Endpoint,
        sip: UdpSocket,
        ports: PortAllocator,
        commands: mpsc::UnboundedReceiver<Command>,
        events: mpsc::UnboundedSender<RuntimeEvent>,
        trace: bool,
    ) -> Self {
        let (media_tx, media_rx) = mpsc::unbounded_channel();
        Driver {
            endpoint,
            sip,
            ports,
            media: HashMap::new(),
            media_tx,
            media_rx,
            commands,
            events,
            trace,
            epoch: Instant::now(),
            out: Vec::with_capacity(MAX_DATAGRAM),
            deadline: None,
        }
    }

    pub(crate) async fn run(mut self) {
        let mut sip_buf = BytesMut::with_capacity(REGION);
        loop {
            let sleep = self.deadline.map(|d| tokio::time::sleep_until(d.into()));
            tokio::select! {
                biased;
                command = self.commands.recv() => {
                    let Some(command) = command else { break };
                    if !self.handle_command(command).await {
                        break;
                    }
                }
                received = recv_datagram(&self.sip, &mut sip_buf) => {
                    if let Some((source, bytes)) = received {
                        self.feed_sip(source, bytes);
                        // Take what else is already queued without waiting.
                        for _ in 1..INPUTS_PER_WAKE {
                            match try_recv_datagram(&self.sip, &mut sip_buf) {
                                Some((source, bytes)) => self.feed_sip(source, bytes),
                                None => break,
                            }
                        }
                    }
                }
                media = self.media_rx.recv() => {
                    if let Some(media) = media {
                        self.feed_media(media);
                        for _ in 1..INPUTS_PER_WAKE {
                            match self.media_rx.try_recv() {
                                Ok(media) => self.feed_media(media),
                                Err(_) => break,
                            }
                        }
                    }
                }
                () = async { if let Some(s) = sleep { s.await } }, if self.deadline.is_some() => {
                    self.endpoint.handle_input(Input::Timeout(Instant::now()));
                }
            }
            self.drain().await;
        }
    }

    fn feed_sip(&mut self, source: SocketAddr, bytes: Bytes) {
        let now = Instant::now();
        if self.trace {
            self.trace_sip(now, false, source, &bytes);
        }
        self.endpoint.handle_input(Input::Receive {
            now,
            socket: Socket::Sip,
            source,
            bytes,
        });
    }

    fn feed_media(&mut self, media: MediaIn) {
        // A reader of a call that has just ended may still deliver one datagram; drop it.
        let call = match media.socket {
            Socket::Rtp(call) | Socket::Rtcp(call) => call,
            Socket::Sip => return,
        };
        if !self.media.contains_key(&call) {
            return;
        }
        self.endpoint.handle_input(Input::Receive {
            now: Instant::now(),
            socket: media.socket,
            source: media.source,
            bytes: media.bytes,
        });
    }

    /// Sends, reports and re-arms until the endpoint has nothing more to say.
    async fn drain(&mut self) {
        loop {
            match self.endpoint.poll_output(&mut self.out) {
                Output::Transmit(transmit) => {
                    let socket = match transmit.socket {
                        Socket::Sip => {
                            if self.trace {
                                let out = std::mem::take(&mut self.out);
                                self.trace_sip(Instant::now(), true, transmit.destination, &out);
                                self.out = out;
                            }
                            &self.sip
                        }
                        Socket::Rtp(call) => match self.media.get(&call) {
                            Some(media) => &*media.rtp,
                            None => continue,
                        },
                        Socket::Rtcp(call) => match self.media.get(&call) {
                            Some(media) => &*media.rtcp,
                            None => continue,
                        },
                    };
                    // A send error (no route, ICMP unreachable reported late) loses this one
                    // datagram, exactly as the network could; SIP retransmission covers it.
                    let _ = socket.send_to(&self.out, transmit.destination).await;
                }
                Output::Event(event) => {
                    if let Event::Ended { call, .. } = &event {
                        self.media.remove(call);
                    }
                    let _ = self.events.send(RuntimeEvent::Call(event));
                }
                Output::Timeout(deadline) => {
                    self.deadline = deadline;
                    return;
                }
            }
        }
    }

    /// Runs one application command. Returns false when the driver should stop.
    async fn handle_command(&mut self, command: Command) -> bool {
        match command {
            Command::Call { target, reply } => {
                let result = self.place_call(&target).await;
                let _ = reply.send(result);
            }
            Command::Ring { call, reply } => {
                let result = self
                    .endpoint
                    .ring(Instant::now(), call)
                    .map_err(RuntimeError::from);
                let _ = reply.send(result);
            }
            Command::Answer { call, reply } => {
                let result = self.answer(call).await;
                let _ = reply.send(result);
            }
            Command::Reject {
                call,
                status,
                reply,
            } => {
                let result = self
                    .endpoint
                    .reject(Instant::now(), call, status)
                    .map_err(RuntimeError::from);
                let _ = reply.send(result);
            }
            Command::HangUp { call, reply } => {
                let result = self
                    .endpoint
                    .hang_up(Instant::now(), call)
                    .map_err(RuntimeError::from);
                let _ = reply.send(result);
            }
            Command::Stats { reply } => {
                let _ = reply.send(self.endpoint.stats());
            }
            Command::Shutdown => return false,
        }
        true
    }

    async fn place_call(&mut self, target: &str) -> Result<CallId, RuntimeError> {
        let pair = self.ports.bind_pair().await.map_err(RuntimeError::Io)?;
        let local_rtp = pair.rtp.local_addr().map_err(RuntimeError::Io)?;
        let call = self.endpoint.call(Instant::now(), target, local_rtp)?;
        self.attach_media(call, pair);
        Ok(call)
    }

    async fn answer(&mut self, call: CallId) -> Result<(), RuntimeError> {
        let pair = self.ports.bind_pair().await.map_err(RuntimeError::Io)?;
        let local_rtp = pair.rtp.local_addr().map_err(RuntimeError::Io)?;
        self.endpoint.answer(Instant::now(), call, local_rtp)?;
        self.attach_media(call, pair);
        Ok(())
    }

    fn attach_media(&mut self, call: CallId, pair: crate::ports::MediaPair) {
        let rtp = Arc::new(pair.rtp);
        let rtcp = Arc::new(pair.rtcp);
        let readers = [
            spawn_reader(rtp.clone(), Socket::Rtp(call), self.media_tx.clone()),
            spawn_reader(rtcp.clone(), Socket::Rtcp(call), self.media_tx.clone()),
        ];
        self.media.insert(call, CallMedia { rtp, rtcp, readers });
    }

    fn trace_sip(&self, now: Instant, outgoing: bool, peer: SocketAddr, bytes: &[u8]) {
        let line_end = bytes
            .iter()
            .position(|&b| b == b'\r' || b == b'\n')
            .unwrap_or(bytes.len());
        let first_line = String::from_utf8_lossy(&bytes[..line_end.min(200)]).into_owned();
        let _ = self.events.send(RuntimeEvent::Sip(SipTrace {
            at: now.saturating_duration_since(self.epoch),
            outgoing,
            peer,
            first_line,
        }));
    }
}

fn spawn_reader(
    socket: Arc<UdpSocket>,
    kind: Socket,
    tx: mpsc::UnboundedSender<MediaIn>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut buf = BytesMut::with_capacity(REGION);
        loop {
            match recv_datagram(&socket, &mut buf).await {
                Some((source, bytes)) => {
                    if tx
                        .send(MediaIn {
                            socket: kind,
                            source,
                            bytes,
                        })
                        .is_err()
                    {
                        return;
                    }
                }
                // ICMP errors surface as recv errors on some systems; back off a little so a
                // persistent one cannot spin this task.
                None => tokio::time::sleep(Duration::from_millis(1)).await,
            }
        }
    })
}

/// Datagrams are read into one shared region of this size, split off as `Bytes` without
/// copying; a new region is started when less than a whole datagram's room is left.
const REGION: usize = 2 * MAX_DATAGRAM;

fn ensure_room(buf: &mut BytesMut) {
    buf.clear();
    if buf.capacity() < MAX_DATAGRAM {
        *buf = BytesMut::with_capacity(REGION);
    }
}

/// Reads one datagram into a fresh `Bytes`. Errors are reported as `None`.
async fn recv_datagram(socket: &UdpSocket, buf: &mut BytesMut) -> Option<(SocketAddr, Bytes)> {
    ensure_room(buf);
    match socket.recv_buf_from(buf).await {
        Ok((_, source)) => Some((source, buf.split().freeze())),
        Err(_) => None,
    }
}

fn try_recv_datagram(socket: &UdpSocket, buf: &mut BytesMut) -> Option<(SocketAddr, Bytes)> {
    ensure_room(buf);
    match socket.try_recv_buf_from(buf) {
        Ok((_, source)) => Some((source, buf.split().freeze())),
        Err(_) => None,
    }
}

/// Replies for commands.
pub(crate) type Reply<T> = oneshot::Sender<Result<T, RuntimeError>>;
