//! TODO(skeleton): filled in by the rtp work.
