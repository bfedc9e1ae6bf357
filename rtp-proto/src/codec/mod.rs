//! TODO(skeleton): filled in by the codec work.
