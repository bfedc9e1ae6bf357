//! TODO(skeleton): filled in by the tone work.
