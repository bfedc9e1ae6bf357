//! TODO(skeleton): filled in by the stats work.
