//! Runtime binding session-fsm to mio.
