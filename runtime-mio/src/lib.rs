//! # runtime-mio
//!
//! A [`session_fsm::Endpoint`] on a single-threaded mio poll loop: what "bring your own event
//! loop" looks like. There is no task, no channel and no thread: the application calls
//! [`MioRuntime::turn`] in its own loop, reads events with [`MioRuntime::next_event`], and
//! issues commands directly.
//!
//! ```no_run
//! use runtime_mio::{MioConfig, MioRuntime};
//! use session_fsm::Event;
//!
//! let mut rt = MioRuntime::bind(MioConfig::new("127.0.0.1:5060".parse().unwrap()))?;
//! loop {
//!     rt.turn(None)?;
//!     while let Some(event) = rt.next_event() {
//!         if let Event::IncomingCall { call, .. } = event {
//!             rt.ring(call).ok();
//!             rt.answer(call).ok();
//!         }
//!     }
//! }
//! # Ok::<(), std::io::Error>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod runtime;

pub use runtime::{MioConfig, MioError, MioRuntime};
