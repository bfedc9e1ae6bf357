//! Runtime binding session-fsm to tokio.
