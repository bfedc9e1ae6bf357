//! An [`Endpoint`] as a simulation node, with its application script and its media sockets.

use std::net::{IpAddr, SocketAddr};

use crate::time::Instant;
use crate::{CallId, Endpoint, EndpointConfig, Event, Input, Output, Socket};

use super::agenda::{Agenda, Entry};
use super::media_ports::MediaPorts;
use super::{Command, Control, Datagram, Node, NodeOutput, Script};

/// An [`Endpoint`] on the simulated network: it owns the SIP port of its config's
/// `local_sip`, an RTP/RTCP port pair per call (handed out round-robin from 16384 up), and an
/// agenda of commands the test or its [`Script`] scheduled.
///
/// Events go to the script the moment the endpoint reports them, at the virtual instant they
/// happen; what the script does leaves in the same drain.
#[derive(Debug)]
pub struct EndpointNode<S> {
    endpoint: Endpoint,
    script: S,
    media: MediaPorts,
    agenda: Agenda,
    now: Option<Instant>,
    /// The endpoint's own deadline from its last drain, so it is woken only when due.
    endpoint_deadline: Option<Instant>,
    /// Datagrams that reached a port no call holds.
    no_socket: u64,
}

impl<S: Script> EndpointNode<S> {
    /// An endpoint built from `config`, run by `script`.
    pub fn new(config: EndpointConfig, script: S) -> Self {
        let media = MediaPorts::new(config.local_sip.ip());
        EndpointNode {
            endpoint: Endpoint::new(config),
            script,
            media,
            agenda: Agenda::default(),
            now: None,
            endpoint_deadline: None,
            no_socket: 0,
        }
    }

    /// The endpoint, to inspect it (call and transaction counts, statistics).
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The script, to read what it recorded.
    pub fn script(&self) -> &S {
        &self.script
    }

    /// The script, to change it between steps.
    pub fn script_mut(&mut self) -> &mut S {
        &mut self.script
    }

    /// Runs `command` at `at` (or at the next step if `at` has passed). A placed call is
    /// reported to [`Script::on_placed`].
    pub fn schedule(&mut self, at: Instant, command: Command) {
        self.agenda.add(at, Entry::Command(command));
    }

    /// Calls [`Script::on_wake`] with `token` at `at`.
    pub fn wake_at(&mut self, at: Instant, token: u64) {
        self.agenda.add(at, Entry::Wake(token));
    }

    /// How many commands and wake-ups are still to come.
    pub fn scheduled(&self) -> usize {
        self.agenda.len()
    }

    /// The RTP address given to a call.
    pub fn rtp_address(&self, call: CallId) -> Option<SocketAddr> {
        self.media.rtp_address(call)
    }

    /// Datagrams that arrived at a port no call holds (dropped, as a closed UDP port would).
    pub fn no_socket(&self) -> u64 {
        self.no_socket
    }

    fn control(&mut self, now: Instant) -> (&mut S, Control<'_>) {
        (
            &mut self.script,
            Control {
                now,
                endpoint: &mut self.endpoint,
                media: &mut self.media,
                agenda: &mut self.agenda,
            },
        )
    }

    fn run_agenda(&mut self, now: Instant) {
        while let Some(entry) = self.agenda.pop_due(now) {
            let (script, mut control) = self.control(now);
            match entry {
                Entry::Wake(token) => script.on_wake(token, &mut control),
                Entry::Command(command) => match control.execute(&command) {
                    Ok(Some(call)) => {
                        if let Command::Call { target } = &command {
                            script.on_placed(call, target, &mut control);
                        }
                    }
                    Ok(None) => {}
                    Err(error) => script.on_command_failed(&command, &error, &mut control),
                },
            }
        }
    }

    fn on_event(&mut self, event: Event) {
        let Some(now) = self.now else { return };
        if let Event::Ended { call, .. } = &event {
            self.media.release(*call);
        }
        let (script, mut control) = self.control(now);
        script.on_event(&event, &mut control);
    }

    fn source_of(&self, socket: Socket) -> SocketAddr {
        let local = self.endpoint.config().local_sip;
        match socket {
            Socket::Sip => local,
            Socket::Rtp(call) | Socket::Rtcp(call) => {
                let Some(mut rtp) = self.media.rtp_address(call) else {
                    return SocketAddr::new(local.ip(), 0);
                };
                if matches!(socket, Socket::Rtcp(_)) {
                    rtp.set_port(rtp.port().wrapping_add(1));
                }
                rtp
            }
        }
    }
}

impl<S: Script> Node for EndpointNode<S> {
    fn ip(&self) -> IpAddr {
        self.endpoint.config().local_sip.ip()
    }

    fn handle_datagram(&mut self, now: Instant, datagram: Datagram) {
        self.now = Some(now);
        let port = datagram.destination.port();
        let socket = if port == self.endpoint.config().local_sip.port() {
            Socket::Sip
        } else {
            match self.media.lookup(port) {
                Some((call, false)) => Socket::Rtp(call),
                Some((call, true)) => Socket::Rtcp(call),
                None => {
                    self.no_socket += 1;
                    return;
                }
            }
        };
        self.endpoint.handle_input(Input::Receive {
            now,
            socket,
            source: datagram.source,
            bytes: datagram.bytes,
        });
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.now = Some(now);
        if self.endpoint_deadline.is_some_and(|d| d <= now) {
            self.endpoint_deadline = None;
            self.endpoint.handle_input(Input::Timeout(now));
        }
        self.run_agenda(now);
    }

    fn poll_output(&mut self, buf: &mut Vec<u8>) -> NodeOutput {
        loop {
            match self.endpoint.poll_output(buf) {
                Output::Transmit(t) => {
                    return NodeOutput::Transmit {
                        source: self.source_of(t.socket),
                        destination: t.destination,
                    }
                }
                Output::Event(event) => self.on_event(event),
                Output::Timeout(deadline) => {
                    self.endpoint_deadline = deadline;
                    let next = [deadline, self.agenda.next()].into_iter().flatten().min();
                    return NodeOutput::Timeout(next);
                }
            }
        }
    }
}
