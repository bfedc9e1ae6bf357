//! TODO(skeleton): filled in by the uri work.
