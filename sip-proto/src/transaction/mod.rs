//! TODO(skeleton): filled in by the transaction work.
