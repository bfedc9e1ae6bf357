//! TODO(skeleton): filled in by the message work.
