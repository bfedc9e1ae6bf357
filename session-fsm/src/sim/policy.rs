//! A ready-made script: the usual behaviours of a phone or a test peer, each with a delay.

use std::collections::BTreeSet;

use crate::time::Duration;
use crate::{CallId, Event};

use super::{Command, Control, Script};

/// A [`Script`] built from delays: ring incoming calls, answer or reject them, hang up
/// answered calls, give up on unanswered ones.
///
/// ```
/// use std::time::Duration;
/// use session_fsm::sim::Policy;
///
/// // A callee that rings at once, answers after 2 s and hangs up a minute later.
/// let callee = Policy::new()
///     .ring_after(Duration::ZERO)
///     .answer_after(Duration::from_secs(2))
///     .hang_up_after(Duration::from_secs(60));
/// # let _ = callee;
/// ```
///
/// Every delay starts from the event it follows. A command that comes due after the call has
/// changed (answering a call already cancelled, hanging up one the far end ended) fails
/// quietly, as a user's late button press would.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    ring_after: Option<Duration>,
    answer_after: Option<Duration>,
    reject_after: Option<(Duration, u16)>,
    hang_up_after: Option<Duration>,
    give_up_after: Option<Duration>,
    /// Calls reported answered and not yet ended, so a give-up spares them.
    answered: BTreeSet<CallId>,
    /// Calls placed from the agenda and not yet ended.
    outgoing: BTreeSet<CallId>,
}

impl Policy {
    /// A policy that does nothing: incoming calls wait forever, answered calls stay up.
    pub fn new() -> Self {
        Policy::default()
    }

    /// Sends 180 Ringing `delay` after an incoming call arrives.
    pub fn ring_after(mut self, delay: Duration) -> Self {
        self.ring_after = Some(delay);
        self
    }

    /// Answers incoming calls `delay` after they arrive.
    pub fn answer_after(mut self, delay: Duration) -> Self {
        self.answer_after = Some(delay);
        self
    }

    /// Rejects incoming calls with `status` `delay` after they arrive (if an answer is also
    /// set, whichever comes first wins).
    pub fn reject_after(mut self, delay: Duration, status: u16) -> Self {
        self.reject_after = Some((delay, status));
        self
    }

    /// Hangs up `delay` after a call is reported [`Event::Answered`] (for an incoming call,
    /// that is when the ACK arrives).
    pub fn hang_up_after(mut self, delay: Duration) -> Self {
        self.hang_up_after = Some(delay);
        self
    }

    /// Hangs up (CANCEL) a call placed from the agenda if it is not answered `delay` after it
    /// was placed.
    pub fn give_up_after(mut self, delay: Duration) -> Self {
        self.give_up_after = Some(delay);
        self
    }

    fn run(control: &mut Control<'_>, delay: Duration, command: Command) {
        if delay.is_zero() {
            // A refusal now is as quiet as one from the agenda.
            let _ = control.execute(&command);
        } else {
            control.after(delay, command);
        }
    }
}

impl Script for Policy {
    fn on_event(&mut self, event: &Event, control: &mut Control<'_>) {
        match event {
            Event::IncomingCall { call, .. } => {
                if let Some(delay) = self.ring_after {
                    Policy::run(control, delay, Command::Ring(*call));
                }
                if let Some(delay) = self.answer_after {
                    Policy::run(control, delay, Command::Answer(*call));
                }
                if let Some((delay, status)) = self.reject_after {
                    Policy::run(control, delay, Command::Reject(*call, status));
                }
            }
            Event::Answered { call, .. } => {
                self.answered.insert(*call);
                if let Some(delay) = self.hang_up_after {
                    Policy::run(control, delay, Command::HangUp(*call));
                }
            }
            Event::Ended { call, .. } => {
                self.answered.remove(call);
                self.outgoing.remove(call);
            }
            _ => {}
        }
    }

    fn on_placed(&mut self, call: CallId, _target: &str, control: &mut Control<'_>) {
        if let Some(delay) = self.give_up_after {
            self.outgoing.insert(call);
            control.wake_after(delay, call.as_u64());
        }
    }

    fn on_wake(&mut self, token: u64, control: &mut Control<'_>) {
        let call = CallId::from_u64(token);
        if self.outgoing.remove(&call) && !self.answered.contains(&call) {
            let _ = control.hang_up(call);
        }
    }
}
