//! TODO(skeleton): filled in by the header work.
