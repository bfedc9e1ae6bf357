//! The application side of a simulated endpoint: what it does when calls arrive, ring, are
//! answered or end.

use std::net::SocketAddr;

use crate::time::{Duration, Instant};
use crate::{CallId, Endpoint, EndpointError, Event};

use super::agenda::{Agenda, Entry};
use super::media_ports::MediaPorts;

/// A call-control command, run now through [`Control`] or later from the endpoint's agenda.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Place a call to this SIP URI ([`Endpoint::call`]); a media address is picked for it.
    Call {
        /// The target, such as `sip:bob@192.0.2.2:5060`.
        target: String,
    },
    /// Send 180 Ringing ([`Endpoint::ring`]).
    Ring(CallId),
    /// Answer with 200 OK ([`Endpoint::answer`]); a media address is picked for it.
    Answer(CallId),
    /// Reject with this status ([`Endpoint::reject`]).
    Reject(CallId, u16),
    /// Hang up: BYE, CANCEL or 603 depending on the state ([`Endpoint::hang_up`]).
    HangUp(CallId),
}

/// The application of an [`EndpointNode`](super::EndpointNode): reacts to the endpoint's
/// events with commands, now or later.
///
/// A closure `FnMut(&Event, &mut Control<'_>)` is a script; [`Policy`](super::Policy) is a
/// ready-made one (auto-ring, answer after a delay, hang up after a delay).
pub trait Script {
    /// The endpoint reported `event`.
    fn on_event(&mut self, event: &Event, control: &mut Control<'_>);

    /// A [`Command::Call`] from the agenda placed `call`.
    fn on_placed(&mut self, call: CallId, target: &str, control: &mut Control<'_>) {
        let _ = (call, target, control);
    }

    /// A wake-up asked for with [`Control::wake_after`] or [`Control::wake_at`] came due.
    fn on_wake(&mut self, token: u64, control: &mut Control<'_>) {
        let _ = (token, control);
    }

    /// A command from the agenda failed: typically hanging up a call the far end already
    /// ended, or answering one it already cancelled. Ignored by default.
    fn on_command_failed(
        &mut self,
        command: &Command,
        error: &EndpointError,
        control: &mut Control<'_>,
    ) {
        let _ = (command, error, control);
    }
}

impl<F> Script for F
where
    F: FnMut(&Event, &mut Control<'_>),
{
    fn on_event(&mut self, event: &Event, control: &mut Control<'_>) {
        self(event, control)
    }
}

/// What a [`Script`] may do: run commands now, schedule them, and ask to be woken.
pub struct Control<'a> {
    pub(crate) now: Instant,
    pub(crate) endpoint: &'a mut Endpoint,
    pub(crate) media: &'a mut MediaPorts,
    pub(crate) agenda: &'a mut Agenda,
}

impl Control<'_> {
    /// The virtual time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// The endpoint, to inspect it.
    pub fn endpoint(&self) -> &Endpoint {
        self.endpoint
    }

    /// The RTP address given to a call (its RTCP port is the next one).
    pub fn rtp_address(&self, call: CallId) -> Option<SocketAddr> {
        self.media.rtp_address(call)
    }

    /// Places a call now.
    pub fn call(&mut self, target: &str) -> Result<CallId, EndpointError> {
        let max = self.endpoint.config().max_calls;
        let rtp = self
            .media
            .free_address()
            .ok_or(EndpointError::TooManyCalls(max))?;
        let call = self.endpoint.call(self.now, target, rtp)?;
        self.media.bind(call, rtp);
        Ok(call)
    }

    /// Sends 180 Ringing now.
    pub fn ring(&mut self, call: CallId) -> Result<(), EndpointError> {
        self.endpoint.ring(self.now, call)
    }

    /// Answers now.
    pub fn answer(&mut self, call: CallId) -> Result<(), EndpointError> {
        let max = self.endpoint.config().max_calls;
        let rtp = self
            .media
            .free_address()
            .ok_or(EndpointError::TooManyCalls(max))?;
        self.endpoint.answer(self.now, call, rtp)?;
        self.media.bind(call, rtp);
        Ok(())
    }

    /// Rejects now.
    pub fn reject(&mut self, call: CallId, status: u16) -> Result<(), EndpointError> {
        self.endpoint.reject(self.now, call, status)
    }

    /// Hangs up now.
    pub fn hang_up(&mut self, call: CallId) -> Result<(), EndpointError> {
        self.endpoint.hang_up(self.now, call)
    }

    /// Runs a command now. A placed call's handle is returned.
    pub fn execute(&mut self, command: &Command) -> Result<Option<CallId>, EndpointError> {
        match command {
            Command::Call { target } => self.call(target).map(Some),
            Command::Ring(call) => self.ring(*call).map(|()| None),
            Command::Answer(call) => self.answer(*call).map(|()| None),
            Command::Reject(call, status) => self.reject(*call, *status).map(|()| None),
            Command::HangUp(call) => self.hang_up(*call).map(|()| None),
        }
    }

    /// Runs `command` once `delay` has passed.
    pub fn after(&mut self, delay: Duration, command: Command) {
        self.agenda.add(self.now + delay, Entry::Command(command));
    }

    /// Runs `command` at `at` (at once if `at` has passed).
    pub fn at(&mut self, at: Instant, command: Command) {
        self.agenda.add(at, Entry::Command(command));
    }

    /// Calls [`Script::on_wake`] with `token` once `delay` has passed.
    pub fn wake_after(&mut self, delay: Duration, token: u64) {
        self.agenda.add(self.now + delay, Entry::Wake(token));
    }

    /// Calls [`Script::on_wake`] with `token` at `at`.
    pub fn wake_at(&mut self, at: Instant, token: u64) {
        self.agenda.add(at, Entry::Wake(token));
    }
}

/// A script that keeps every event it sees, with its instant, and passes it on to `inner`.
#[derive(Debug, Clone, Default)]
pub struct Recorder<S> {
    /// The script that acts.
    pub inner: S,
    /// Every event, in order.
    pub events: Vec<(Instant, Event)>,
    /// Every call placed from the agenda, with its target.
    pub placed: Vec<(Instant, CallId, String)>,
}

impl<S: Script> Recorder<S> {
    /// Records what `inner` sees.
    pub fn new(inner: S) -> Self {
        Recorder {
            inner,
            events: Vec::new(),
            placed: Vec::new(),
        }
    }
}

impl<S: Script> Script for Recorder<S> {
    fn on_event(&mut self, event: &Event, control: &mut Control<'_>) {
        self.events.push((control.now(), event.clone()));
        self.inner.on_event(event, control);
    }

    fn on_placed(&mut self, call: CallId, target: &str, control: &mut Control<'_>) {
        self.placed.push((control.now(), call, target.to_owned()));
        self.inner.on_placed(call, target, control);
    }

    fn on_wake(&mut self, token: u64, control: &mut Control<'_>) {
        self.inner.on_wake(token, control);
    }

    fn on_command_failed(
        &mut self,
        command: &Command,
        error: &EndpointError,
        control: &mut Control<'_>,
    ) {
        self.inner.on_command_failed(command, error, control);
    }
}
