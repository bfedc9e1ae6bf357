//! TODO(skeleton): filled in by the sdp work.
